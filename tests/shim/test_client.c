// SPDX-License-Identifier: MIT
/*
 * DOC: a panthor client over libdrm, run under the shim
 *
 * What a real program sees through `gpuvm shim --ram=64M -- CMD`: the
 * device nodes (stat, readdir, /proc/self/fd, libdrm's device
 * enumeration), the refusals that keep the host untouched, fds (dup,
 * close, fork), every ioctl through libdrm (drmIoctl, drmGetVersion,
 * drmGetCap, drmSyncobj*), CPU mappings with their data (aliasing, the
 * kernel's mmap rules, eviction under memory pressure that loses nothing
 * the CPU wrote, no data passing from one open to the next), async binds
 * ordered by syncobjs with a wait that times out, and several threads
 * at once (make test runs this under ThreadSanitizer too).
 *
 * It uses only libdrm and gpuvm's ABI header, never gpuvm itself: it
 * would run as well on a real panthor kernel with 1.9.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xf86drm.h>

#include "gpuvm/panthor_drm.h"

#define SZ_4K  0x1000ull
#define SZ_64K 0x10000ull
#define SZ_1M  0x100000ull
#define SZ_2M  0x200000ull
#define SZ_1G  0x40000000ull
#define MAP    DRM_PANTHOR_VM_BIND_OP_TYPE_MAP
#define UNMAP  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP
#define SPARSE (DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE | \
		DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC)

static int rnode(void)
{
	int fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* drmIoctl: 0 or -errno. */
static int ioc(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

static uint32_t vm_new(int fd)
{
	struct drm_panthor_vm_create a = { 0 };

	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_CREATE, &a), 0);
	return a.id;
}

static uint32_t bo_new(int fd, uint64_t size)
{
	struct drm_panthor_bo_create a = { .size = size };

	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_CREATE, &a), 0);
	return a.handle;
}

static uint64_t bo_offset(int fd, uint32_t bo)
{
	struct drm_panthor_bo_mmap_offset a = { .handle = bo };

	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &a), 0);
	return a.offset;
}

static uint8_t *bo_map(int fd, uint32_t bo, uint64_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd,
		       (off_t)bo_offset(fd, bo));

	assert_true(p != MAP_FAILED);
	return p;
}

static int bind(int fd, uint32_t vm, uint32_t flags, uint32_t bo,
		uint64_t va, uint64_t size, struct drm_panthor_sync_op *s,
		uint32_t ns)
{
	struct drm_panthor_vm_bind_op op = {
		.flags = flags, .bo_handle = bo, .va = va, .size = size,
		.syncs = DRM_PANTHOR_OBJ_ARRAY(ns, s),
	};
	struct drm_panthor_vm_bind b = {
		.vm_id = vm, .flags = ns ? DRM_PANTHOR_VM_BIND_ASYNC : 0,
		.ops = DRM_PANTHOR_OBJ_ARRAY(1, &op),
	};

	return ioc(fd, DRM_IOCTL_PANTHOR_VM_BIND, &b);
}

static int gem_close(int fd, uint32_t h)
{
	struct drm_gem_close a = { .handle = h };

	return ioc(fd, DRM_IOCTL_GEM_CLOSE, &a);
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* The nodes                                                           */

static void test_nodes(void **state)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int fd = rnode(), seen = 0;
	char link[64], path[64];
	ssize_t n;

	(void)state;
	assert_int_equal(stat("/dev/dri/renderD128", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 226);
	assert_int_equal(minor(st.st_rdev), 128);
	assert_int_equal(stat("/dev/dri/card0", &st), 0);
	assert_int_equal(minor(st.st_rdev), 0);
	assert_int_equal(stat("/dev/dri/card1", &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(open("/dev/dri/renderD129", O_RDWR), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISCHR(st.st_mode) && minor(st.st_rdev) == 128);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = 0;
	assert_string_equal(link, "/dev/dri/renderD128");
	d = opendir("/dev/dri");
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		assert_int_equal(e->d_type, DT_CHR);
		assert_true(!strcmp(e->d_name, "card0") ||
			    !strcmp(e->d_name, "renderD128"));
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, 2);
	close(fd);
}

static void test_libdrm_devices(void **state)
{
	drmDevicePtr devs[4], dev;
	drmVersionPtr v;
	char *name;
	uint64_t cap = 0;
	int fd = rnode(), n;

	(void)state;
	n = drmGetDevices2(0, devs, 4);
	assert_int_equal(n, 1);
	assert_int_equal(devs[0]->bustype, DRM_BUS_PLATFORM);
	assert_int_equal(devs[0]->available_nodes,
			 1 << DRM_NODE_PRIMARY | 1 << DRM_NODE_RENDER);
	assert_string_equal(devs[0]->nodes[DRM_NODE_RENDER],
			    "/dev/dri/renderD128");
	assert_string_equal(devs[0]->deviceinfo.platform->compatible[1],
			    "arm,mali-valhall-csf");
	drmFreeDevices(devs, n);
	assert_int_equal(drmGetDevice2(fd, 0, &dev), 0);
	assert_int_equal(dev->bustype, DRM_BUS_PLATFORM);
	drmFreeDevice(&dev);
	name = drmGetDeviceNameFromFd2(fd);
	assert_string_equal(name, "/dev/dri/renderD128");
	free(name);
	v = drmGetVersion(fd);
	assert_non_null(v);
	assert_string_equal(v->name, "panthor");
	assert_int_equal(v->version_major, 1);
	assert_int_equal(v->version_minor, 9);
	drmFreeVersion(v);
	assert_int_equal(drmGetCap(fd, DRM_CAP_SYNCOBJ_TIMELINE, &cap), 0);
	assert_int_equal(cap, 1);
	close(fd);
}

/* Nothing of the host's kernel state can change under the shim. */
static void test_refusals(void **state)
{
	(void)state;
	assert_int_equal(open("/dev/kmsg", O_WRONLY), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(open("/sys/kernel/debug/dri/0/x", O_WRONLY | O_CREAT,
			      0600), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(open("/sys/class/vtconsole/vtcon1/bind", O_WRONLY),
			 -1);
	assert_int_equal(errno, EACCES);
	assert_null(fopen("/proc/sys/kernel/printk", "w"));
	assert_int_equal(errno, EACCES);
	assert_int_equal(mount("none", "/sys/kernel/debug", "debugfs", 0,
			       NULL), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(umount("/sys/kernel/debug"), -1);
	assert_int_equal(errno, EPERM);
	/* Reading is still the host's. */
	assert_int_equal(access("/proc/self/status", R_OK), 0);
}

/* ------------------------------------------------------------------ */
/* File descriptors                                                    */

static void test_fds(void **state)
{
	int fd = rnode(), d1, d2, other = rnode();
	uint32_t bo = bo_new(fd, SZ_4K);
	struct drm_panthor_bo_query_info q = { .handle = bo };

	(void)state;
	d1 = dup(fd);
	d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	assert_true(d1 >= 0 && d2 >= 100);
	/* Every fd of one open is the same file: the same handles. */
	assert_int_equal(ioc(d1, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q), 0);
	assert_int_equal(ioc(d2, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q), 0);
	assert_int_equal(ioc(other, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q),
			 -ENOENT);
	close(fd);
	assert_int_equal(ioc(d1, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q), 0);
	/* dup2 over another open's fd: that open's last fd goes. */
	assert_int_equal(dup2(d1, other), other);
	assert_int_equal(ioc(other, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q), 0);
	close(d1);
	close(d2);
	close(other);
	/* A closed fd is a bad fd. */
	assert_int_equal(ioc(other, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q),
			 -EBADF);
	/* The last close closed the context: a new open starts afresh. */
	fd = rnode();
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q),
			 -ENOENT);
	close(fd);
}

/* After fork the child's inherited fds are an unplugged device; a new
 * open in the child is a device of its own. */
static void test_fork(void **state)
{
	int fd = rnode(), status = 0;
	uint32_t bo = bo_new(fd, SZ_4K);
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct drm_panthor_bo_query_info q = { .handle = bo };
		int mine;

		if (ioc(fd, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q) != -ENODEV)
			_exit(1);
		mine = open("/dev/dri/renderD128", O_RDWR);
		if (mine < 0 || ioc(mine, DRM_IOCTL_PANTHOR_BO_QUERY_INFO,
				    &q) != -ENOENT)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(gem_close(fd, bo), 0);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Every ioctl                                                         */

static void test_every_ioctl(void **state)
{
	int fd = rnode(), card = open("/dev/dri/card0", O_RDWR);
	struct drm_panthor_gpu_info gpu;
	struct drm_panthor_dev_query q = {
		.type = DRM_PANTHOR_DEV_QUERY_GPU_INFO, .size = sizeof(gpu),
		.pointer = (uintptr_t)&gpu,
	};
	uint32_t vm = vm_new(fd), bo = bo_new(fd, SZ_64K);
	struct drm_panthor_vm_get_state gs = { .vm_id = vm };
	struct drm_panthor_bo_set_label sl = { .handle = bo,
					       .label = (uintptr_t)"x" };
	struct drm_panthor_set_user_mmio_offset mo = {
		.offset = DRM_PANTHOR_USER_MMIO_OFFSET_64BIT };
	struct drm_panthor_bo_sync_op so = { .handle = bo, .size = SZ_4K };
	struct drm_panthor_bo_sync bs = { .ops = DRM_PANTHOR_OBJ_ARRAY(1, &so) };
	struct drm_panthor_bo_query_info qi = { .handle = bo };
	struct drm_panthor_queue_create qc = { .ringbuf_size = 4096 };
	struct drm_panthor_group_create gc = {
		.queues = DRM_PANTHOR_OBJ_ARRAY(1, &qc), .vm_id = vm,
		.max_compute_cores = 1, .max_fragment_cores = 1,
		.max_tiler_cores = 1, .compute_core_mask = 1,
		.fragment_core_mask = 1, .tiler_core_mask = 1,
	};
	struct drm_panthor_group_destroy gd = { .group_handle = 1 };
	struct drm_panthor_group_submit gsub = { .group_handle = 1 };
	struct drm_panthor_group_get_state ggs = { .group_handle = 1 };
	struct drm_panthor_tiler_heap_create thc = {
		.vm_id = vm, .initial_chunk_count = 1, .chunk_size = 1 << 20,
		.max_chunks = 4, .target_in_flight = 1,
	};
	struct drm_panthor_tiler_heap_destroy thd = { .handle = vm << 16 };
	struct drm_panthor_vm_destroy vd = { .id = vm };
	struct drm_set_client_cap cc = { .capability = 3, .value = 1 };
	uint32_t so_h = 0;

	(void)state;
	assert_true(card >= 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_DEV_QUERY, &q), 0);
	assert_int_equal(gpu.gpu_id, 0xa8670000);
	assert_int_equal(bind(fd, vm, MAP, bo, SZ_1G, SZ_64K, NULL, 0), 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_GET_STATE, &gs), 0);
	assert_int_equal(gs.state, DRM_PANTHOR_VM_STATE_USABLE);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &sl), 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET, &mo),
			 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_SYNC, &bs), 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &qi), 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_GROUP_CREATE, &gc), 0);
	assert_int_equal(gc.group_handle, 1);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_GROUP_SUBMIT, &gsub), 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_GROUP_GET_STATE, &ggs), 0);
	assert_int_equal(ggs.state, 0);
	assert_int_equal(ggs.fatal_queues, 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_GROUP_DESTROY, &gd), 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_GROUP_GET_STATE, &ggs),
			 -EINVAL);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_GROUP_DESTROY, &gd),
			 -EINVAL);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, &thd),
			 -ENOENT);
	/* The pool's context BO first in the kernel range, then the chunk. */
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE, &thc),
			 0);
	assert_int_equal(thc.handle, vm << 16);
	assert_int_equal(thc.tiler_heap_ctx_gpu_va, 1ull << 47);
	assert_int_equal(thc.first_heap_chunk_gpu_va, (1ull << 47) + 8192);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, &thd),
			 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, &thd),
			 -EINVAL);
	assert_int_equal(ioc(fd, DRM_IOCTL_SET_CLIENT_CAP, &cc), -EACCES);
	assert_int_equal(ioc(card, DRM_IOCTL_SET_CLIENT_CAP, &cc),
			 -EOPNOTSUPP);
	assert_int_equal(drmSyncobjCreate(fd, DRM_SYNCOBJ_CREATE_SIGNALED,
					  &so_h), 0);
	assert_int_equal(drmSyncobjReset(fd, &so_h, 1), 0);
	assert_int_equal(drmSyncobjSignal(fd, &so_h, 1), 0);
	assert_int_equal(drmSyncobjDestroy(fd, so_h), 0);
	assert_int_equal(gem_close(fd, bo), 0);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_DESTROY, &vd), 0);
	/* A request gpuvm does not know, and one that is not DRM's. */
	assert_int_equal(ioc(fd, DRM_IOWR(0x60, struct drm_gem_close), &gd),
			 -EINVAL);
	assert_int_equal(ioctl(fd, _IO('x', 1)), -1);
	assert_int_equal(errno, ENOTTY);
	close(card);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Bad memory                                                          */

/* n bytes that end where an unmapped page starts. */
static void *guarded(size_t n, void **map)
{
	uint8_t *m = mmap(NULL, 3 * SZ_4K, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + 2 * SZ_4K, SZ_4K, PROT_NONE), 0);
	*map = m;
	return m + 2 * SZ_4K - n;
}

static void *ro_copy(const void *src, size_t n)
{
	void *m = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(m != MAP_FAILED);
	memcpy(m, src, n);
	assert_int_equal(mprotect(m, SZ_4K, PROT_READ), 0);
	return m;
}

/* Pointers the kernel cannot read or write: EFAULT and nothing else,
 * whatever they point into; what the call did before the fault stays
 * done. (The trace test replays these with the same results.) */
static void test_bad_memory(void **state)
{
	int fd = rnode();
	uint32_t vm = vm_new(fd), bo = bo_new(fd, SZ_64K), h = 0;
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };
	struct drm_panthor_vm_create vc = { 0 };
	struct drm_panthor_vm_bind_op ops[2] = {
		{ .flags = MAP, .bo_handle = bo, .va = SZ_1G, .size = SZ_4K },
		{ .flags = MAP, .bo_handle = bo, .va = 2 * SZ_1G,
		  .size = SZ_4K },
	};
	struct drm_panthor_vm_bind b = {
		.vm_id = vm, .ops = { .stride = sizeof(ops[0]), .count = 2 },
	};
	struct drm_panthor_dev_query q = {
		.type = DRM_PANTHOR_DEV_QUERY_GPU_INFO,
		.size = sizeof(struct drm_panthor_gpu_info),
	};
	struct drm_panthor_bo_set_label sl = { .handle = bo };
	struct drm_syncobj_wait w = { .count_handles = 1 };
	uint64_t big[4] = { DRM_CAP_SYNCOBJ, 0, 0x1234, 0x5678 };
	uint8_t modeset[16] = { 1 };
	void *m1, *m2, *ro;
	char *label;

	(void)state;
	/* The argument itself. */
	assert_int_equal(ioc(fd, DRM_IOCTL_GET_CAP, (void *)8), -EFAULT);
	ro = ro_copy(&cap, sizeof(cap));
	assert_int_equal(ioc(fd, DRM_IOCTL_GET_CAP, ro), -EFAULT);
	munmap(ro, SZ_4K);
	/* Copied back into read-only memory: the VM exists all the same,
	 * so the next one gets the next id. */
	ro = ro_copy(&vc, sizeof(vc));
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_CREATE, ro), -EFAULT);
	munmap(ro, SZ_4K);
	assert_int_equal(vm_new(fd), vm + 2);
	/* An array whose second element runs into an unmapped page: nothing
	 * is bound. */
	b.ops.array = (uintptr_t)guarded(sizeof(ops) - 8, &m1);
	memcpy((void *)(uintptr_t)b.ops.array, ops, sizeof(ops) - 8);
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_BIND, &b), -EFAULT);
	munmap(m1, 3 * SZ_4K);
	b.ops.array = (uintptr_t)ops;
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_BIND, &b), 0);
	/* An output buffer that is read-only. */
	ro = ro_copy(&cap, 1);
	q.pointer = (uintptr_t)ro;
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_DEV_QUERY, &q), -EFAULT);
	munmap(ro, SZ_4K);
	/* A label that runs into an unmapped page before its NUL, and one
	 * that ends just before. */
	label = guarded(5, &m2);
	memcpy(label, "abcde", 5);
	sl.label = (uintptr_t)label;
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &sl),
			 -EFAULT);
	label[4] = '\0';
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &sl), 0);
	munmap(m2, 3 * SZ_4K);
	/* Handles to wait on that cannot be read. */
	assert_int_equal(drmSyncobjCreate(fd, 0, &h), 0);
	w.handles = 16;
	assert_int_equal(ioc(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w), -EFAULT);
	/* A longer argument than the kernel's: its tail comes back as it
	 * went in. */
	assert_int_equal(ioc(fd, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0c,
				      sizeof(big)), big), 0);
	assert_int_equal(big[1], 1);
	assert_int_equal(big[2], 0x1234);
	assert_int_equal(big[3], 0x5678);
	/* Modesetting, on a render node. */
	assert_int_equal(ioc(fd, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0xA0,
				      sizeof(modeset)), modeset), -EACCES);
	assert_int_equal(drmSyncobjDestroy(fd, h), 0);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* CPU mappings                                                        */

static void test_mmap(void **state)
{
	int fd = rnode(), other = rnode();
	uint32_t bo = bo_new(fd, 4 * SZ_64K), vm = vm_new(fd);
	uint64_t off = bo_offset(fd, bo);
	uint8_t *a, *b;
	void *p;

	(void)state;
	assert_true((uint32_t)off != 0);
	a = bo_map(fd, bo, 4 * SZ_64K, PROT_READ | PROT_WRITE);
	b = bo_map(fd, bo, 4 * SZ_64K, PROT_READ);
	/* Two mappings of one BO are the same memory. */
	memset(a + SZ_64K, 0x5c, SZ_4K);
	assert_int_equal(b[SZ_64K + 17], 0x5c);
	assert_int_equal(b[0], 0);
	/* The kernel's rules. */
	p = mmap(NULL, SZ_4K, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
	assert_true(p == MAP_FAILED && errno == EINVAL);
	p = mmap(NULL, 5 * SZ_64K, PROT_READ, MAP_SHARED, fd, (off_t)off);
	assert_true(p == MAP_FAILED && errno == EINVAL);
	p = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, other, (off_t)off);
	assert_true(p == MAP_FAILED && errno == EACCES);
	p = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, fd, (off_t)off + SZ_4K);
	assert_true(p == MAP_FAILED && errno == EINVAL);
	/* A partial munmap leaves the rest; the BO stays held. */
	assert_int_equal(munmap(b, SZ_64K), 0);
	assert_int_equal(b[SZ_64K + 17], 0x5c);
	/* GEM_CLOSE while mapped: the mapping keeps working. */
	assert_int_equal(bind(fd, vm, MAP, bo, SZ_1G, 4 * SZ_64K, NULL, 0), 0);
	assert_int_equal(gem_close(fd, bo), 0);
	a[3 * SZ_64K] = 0x11;
	assert_int_equal(b[3 * SZ_64K], 0x11);
	assert_int_equal(munmap(a, 4 * SZ_64K), 0);
	assert_int_equal(munmap(b + SZ_64K, 3 * SZ_64K), 0);
	/* The flush-ID page: read-only, reads zero. */
	p = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, fd,
		 (off_t)DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET);
	assert_true(p != MAP_FAILED);
	assert_int_equal(*(uint32_t *)p, 0);
	munmap(p, SZ_4K);
	p = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET);
	assert_true(p == MAP_FAILED && errno == EINVAL);
	close(other);
	close(fd);
}

/*
 * 64 MiB of RAM: a 40 MiB BO written through a mapping, unmapped, pushed
 * out by another 40 MiB BO, and mapped again: every byte is back.
 */
static void test_eviction_keeps_data(void **state)
{
	int fd = rnode();
	uint32_t a = bo_new(fd, 40 * SZ_1M), b;
	uint8_t *p = bo_map(fd, a, 40 * SZ_1M, PROT_READ | PROT_WRITE);
	uint64_t i;

	(void)state;
	for (i = 0; i < 40 * SZ_1M; i += SZ_4K)
		memcpy(p + i + 8, &i, sizeof(i));
	munmap(p, 40 * SZ_1M);
	/* Only fits if a goes to swap. */
	b = bo_new(fd, 40 * SZ_1M);
	p = bo_map(fd, b, 40 * SZ_1M, PROT_READ | PROT_WRITE);
	p[0] = 1;
	munmap(p, 40 * SZ_1M);
	/* Mapping a brings it back, pushing b out. */
	p = bo_map(fd, a, 40 * SZ_1M, PROT_READ);
	for (i = 0; i < 40 * SZ_1M; i += SZ_4K)
		assert_memory_equal(p + i + 8, &i, sizeof(i));
	assert_int_equal(p[4], 0);
	munmap(p, 40 * SZ_1M);
	assert_int_equal(gem_close(fd, a), 0);
	assert_int_equal(gem_close(fd, b), 0);
	close(fd);
}

/* What one open wrote never reaches the next owner of the memory. */
static void test_isolation_between_opens(void **state)
{
	int f1 = rnode(), f2;
	uint32_t bo = bo_new(f1, 8 * SZ_1M);
	uint8_t *p = bo_map(f1, bo, 8 * SZ_1M, PROT_READ | PROT_WRITE);
	uint64_t i;

	(void)state;
	memset(p, 0xab, 8 * SZ_1M);
	munmap(p, 8 * SZ_1M);
	close(f1);
	f2 = rnode();
	bo = bo_new(f2, 8 * SZ_1M);
	p = bo_map(f2, bo, 8 * SZ_1M, PROT_READ);
	for (i = 0; i < 8 * SZ_1M; i++)
		if (p[i])
			fail_msg("byte %llu of a fresh BO is 0x%02x",
				 (unsigned long long)i, p[i]);
	munmap(p, 8 * SZ_1M);
	close(f2);
}

/* ------------------------------------------------------------------ */
/* Binds                                                               */

static void test_binds(void **state)
{
	int fd = rnode();
	uint32_t vm = vm_new(fd), bo = bo_new(fd, SZ_2M);
	struct drm_panthor_vm_bind_op ops[3] = {
		{ .flags = MAP, .bo_handle = bo, .va = SZ_1G, .size = SZ_2M },
		{ .flags = MAP | SPARSE, .va = 2 * SZ_1G, .size = 3 * SZ_2M },
		{ .flags = MAP, .bo_handle = bo, .va = 3 * SZ_1G + 1,
		  .size = SZ_4K },
	};
	struct drm_panthor_vm_bind b = {
		.vm_id = vm, .ops = DRM_PANTHOR_OBJ_ARRAY(3, ops),
	};
	uint8_t wide[3][64];
	int i;

	(void)state;
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_BIND, &b), -EINVAL);
	assert_int_equal(b.ops.count, 2);
	/* Partial unmaps of a sparse range and of a 2 MiB block. */
	assert_int_equal(bind(fd, vm, UNMAP, 0, 2 * SZ_1G + SZ_4K, 2 * SZ_4K,
			      NULL, 0), 0);
	assert_int_equal(bind(fd, vm, UNMAP, 0, SZ_1G + SZ_64K, SZ_4K, NULL,
			      0), 0);
	/* A larger stride with zero padding works; non-zero is -E2BIG. */
	memset(wide, 0, sizeof(wide));
	for (i = 0; i < 3; i++)
		memcpy(wide[i], &ops[i], sizeof(ops[i]));
	b.ops = (struct drm_panthor_obj_array){ 64, 2, (uintptr_t)wide };
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_BIND, &b), 0);
	wide[1][60] = 1;
	b.ops = (struct drm_panthor_obj_array){ 64, 2, (uintptr_t)wide };
	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_VM_BIND, &b), -E2BIG);
	close(fd);
}

static void test_async_syncobjs(void **state)
{
	int fd = rnode();
	uint32_t vm1 = vm_new(fd), vm2 = vm_new(fd), bo = bo_new(fd, SZ_64K);
	uint32_t s = 0, t = 0, empty = 0, first = 7;
	uint64_t point = 0;
	struct drm_panthor_sync_op sig = {
		.flags = DRM_PANTHOR_SYNC_OP_SIGNAL, };
	struct drm_panthor_sync_op w = { 0 };
	struct drm_panthor_sync_op tsig = {
		.flags = DRM_PANTHOR_SYNC_OP_SIGNAL |
			 DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
		.timeline_value = 9,
	};
	struct drm_panthor_sync_op ops2[2];
	int64_t t0;

	(void)state;
	assert_int_equal(drmSyncobjCreate(fd, 0, &s), 0);
	assert_int_equal(drmSyncobjCreate(fd, 0, &t), 0);
	assert_int_equal(drmSyncobjCreate(fd, 0, &empty), 0);
	sig.handle = s;
	w.handle = s;
	tsig.handle = t;
	/* VM2's bind waits for VM1's, and signals point 9 of t. */
	assert_int_equal(bind(fd, vm1, MAP, bo, SZ_1G, SZ_64K, &sig, 1), 0);
	ops2[0] = w;
	ops2[1] = tsig;
	assert_int_equal(bind(fd, vm2, MAP, bo, SZ_1G, SZ_64K, ops2, 2), 0);
	assert_int_equal(drmSyncobjTimelineWait(fd, &t, &(uint64_t){ 9 }, 1,
						now_ns() + 5000000000ll,
						0, &first), 0);
	assert_int_equal(drmSyncobjQuery(fd, &t, &point, 1), 0);
	assert_int_equal(point, 9);
	assert_int_equal(drmSyncobjWait(fd, &s, 1, now_ns() + 1000000000ll,
					0, &first), 0);
	assert_int_equal(first, 0);
	/* Both mappings exist: unmapping them is not a no-op... and a
	 * second MAP over them replaces them. */
	assert_int_equal(bind(fd, vm2, UNMAP, 0, SZ_1G, SZ_64K, NULL, 0), 0);
	/* A wait that times out: nothing will ever be submitted. */
	t0 = now_ns();
	assert_int_equal(drmSyncobjWait(fd, &empty, 1, now_ns() + 50000000,
					DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
					&first), -ETIME);
	assert_true(now_ns() - t0 >= 50000000);
	/* Without WAIT_FOR_SUBMIT, no fence is -EINVAL at once. */
	assert_int_equal(drmSyncobjWait(fd, &empty, 1, now_ns() + 50000000, 0,
					&first), -EINVAL);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

struct worker {
	int fd;
	uint32_t vm, bo, tl;
	int fails;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct drm_panthor_sync_op sig = {
		.flags = DRM_PANTHOR_SYNC_OP_SIGNAL |
			 DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
		.handle = w->tl,
	};
	uint64_t i, va;
	uint8_t *p;

	for (i = 1; i <= 100; i++) {
		va = SZ_1G + (i % 8) * SZ_64K;
		sig.timeline_value = i;
		if (bind(w->fd, w->vm, MAP, w->bo, va, SZ_64K, &sig, 1) ||
		    drmSyncobjTimelineWait(w->fd, &w->tl, &i, 1,
					   now_ns() + 5000000000ll, 0, NULL) ||
		    bind(w->fd, w->vm, UNMAP, 0, va, SZ_64K, NULL, 0))
			w->fails++;
		if (i % 10)
			continue;
		p = mmap(NULL, SZ_64K, PROT_READ | PROT_WRITE, MAP_SHARED,
			 w->fd, (off_t)bo_offset(w->fd, w->bo));
		if (p == MAP_FAILED) {
			w->fails++;
			continue;
		}
		p[i] = (uint8_t)i;
		if (p[i] != (uint8_t)i)
			w->fails++;
		munmap(p, SZ_64K);
	}
	return NULL;
}

static void test_threads(void **state)
{
	int fds[2] = { rnode(), rnode() }, i;
	struct worker w[4];
	pthread_t t[4];

	(void)state;
	for (i = 0; i < 4; i++) {
		w[i].fd = fds[i % 2];
		w[i].vm = vm_new(w[i].fd);
		w[i].bo = bo_new(w[i].fd, SZ_64K);
		assert_int_equal(drmSyncobjCreate(w[i].fd, 0, &w[i].tl), 0);
		w[i].fails = 0;
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].fails, 0);
	}
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_libdrm_devices),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_every_ioctl),
		cmocka_unit_test(test_bad_memory),
		cmocka_unit_test(test_mmap),
		cmocka_unit_test(test_eviction_keeps_data),
		cmocka_unit_test(test_isolation_between_opens),
		cmocka_unit_test(test_binds),
		cmocka_unit_test(test_async_syncobjs),
		cmocka_unit_test(test_threads),
	};

	/* Refuse to run on a real device: this is the shim's test. */
	if (!getenv("GPUVM_SHIM_SPARSE")) {
		fprintf(stderr, "run me as: gpuvm shim --ram=64M -- %s\n",
			"test_shim_client");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
