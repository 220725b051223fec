// SPDX-License-Identifier: MIT
/*
 * DOC: hostile input to the render node
 *
 * Bad pointers (NULL, unmapped, read-only, an array running into an
 * unmapped page, an unterminated string), strides, counts, flags, pads,
 * stale handles of every kind: each call gets the kernel's errno, the
 * process survives, and nothing observable changes. "Nothing changes" is
 * checked by a snapshot taken before and after every call: each VM's
 * state and mappings, every BO handle's flags, every syncobj's state
 * (its query point and whether a poll succeeds), and the frames in use.
 *
 * Two calls do change something, as in the kernel: an ioctl whose
 * argument is readable but not writable runs and then fails to copy its
 * results back (-EFAULT after the fact); the test checks that case
 * separately.
 */
#include "uapi_test.h"

static struct gpuvm_uapi_device *dev;
static struct gpuvm_uapi_file *f;
static uint8_t *none;    /* a page with no access */
static uint8_t *ro;      /* a read-only page */
static uint8_t *edge;    /* a page followed by one with no access */
static unsigned int calls;

/* Objects the calls may not disturb. */
static uint32_t vm, bo, nommap_bo, s_done, s_tl, s_empty;

static int snap_map(void *cookie, const struct gpuvm_drv_mapping *m)
{
	fprintf(cookie, " [%llx+%llx k%d h%u o%llx f%x]",
		(unsigned long long)m->va, (unsigned long long)m->size,
		m->kind, m->bo_handle, (unsigned long long)m->bo_offset,
		m->flags);
	return 0;
}

static char *snapshot(void)
{
	struct gpuvm_drv_file *d = gpuvm_uapi_file_drv(f);
	struct gpuvm_mem_stats ms;
	enum gpuvm_drv_vm_state st;
	char *buf = NULL;
	size_t len = 0;
	uint32_t i, h;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	for (i = 1; i <= 32; i++) {
		if (gpuvm_drv_vm_get_state(d, i, &st))
			continue;
		fprintf(out, "vm%u:%d", i, st);
		gpuvm_drv_vm_for_each_mapping(d, i, 0, ~0ull, snap_map, out);
		fputc('\n', out);
	}
	for (h = 1; h <= 16; h++) {
		struct drm_panthor_bo_query_info q = { .handle = h };

		if (!IOC(f, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q))
			fprintf(out, "bo%u:%x\n", h, q.create_flags);
	}
	for (h = 1; h <= 16; h++) {
		uint64_t pt = 0;
		struct drm_syncobj_timeline_array a = {
			.handles = (uintptr_t)&h, .points = (uintptr_t)&pt,
			.count_handles = 1,
		};

		if (IOC(f, DRM_IOCTL_SYNCOBJ_QUERY, &a))
			continue;
		fprintf(out, "so%u:%llu:%d\n", h, (unsigned long long)pt,
			sobj_wait(f, &h, 1, 0, 0, NULL));
	}
	gpuvm_mem_stats(gpuvm_drv_device_mem(gpuvm_uapi_device_drv(dev)), &ms);
	fprintf(out, "frames %llu\n", (unsigned long long)ms.frames_used);
	fclose(out);
	return buf;
}

/* One hostile call: its errno, and the state exactly as before. */
#define HOSTILE(expect, call) do {                                    \
		char *before_ = snapshot(), *after_;                  \
		int ret_ = (call);                                    \
		if (ret_ != (expect))                                 \
			fail_msg("%s: got %d, expected %d", #call,    \
				 ret_, (expect));                     \
		after_ = snapshot();                                  \
		assert_string_equal(after_, before_);                 \
		free(before_);                                        \
		free(after_);                                         \
		calls++;                                              \
	} while (0)

static int setup(void **state)
{
	uint64_t three = 3;
	struct drm_syncobj_timeline_array sig = {
		.points = (uintptr_t)&three, .count_handles = 1,
	};

	(void)state;
	dev = udev_new();
	f = ropen(dev);
	vm = vm_new(f);
	bo = bo_new(f, SZ_64K);
	nommap_bo = bo_new_flags(f, SZ_4K, DRM_PANTHOR_BO_NO_MMAP, 0);
	assert_int_equal(bind1(f, vm, OP_MAP, bo, 0, SZ_1G, SZ_64K), 0);
	s_done = sobj_new(f, true);
	s_tl = sobj_new(f, false);
	s_empty = sobj_new(f, false);
	sig.handles = (uintptr_t)&s_tl;
	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &sig), 0);
	none = mmap(NULL, SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, SZ_4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	edge = mmap(NULL, 2 * SZ_4K, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(none != MAP_FAILED && ro != MAP_FAILED &&
		    edge != MAP_FAILED);
	assert_int_equal(mprotect(edge + SZ_4K, SZ_4K, PROT_NONE), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(none, SZ_4K);
	munmap(ro, SZ_4K);
	munmap(edge, 2 * SZ_4K);
	gpuvm_uapi_close(f);
	gpuvm_uapi_device_destroy(dev);
	return 0;
}

/* Data that ends exactly where the page with no access begins. */
static void *at_edge(const void *data, size_t n)
{
	uint8_t *p = edge + SZ_4K - n;

	memcpy(p, data, n);
	return p;
}

static void test_bad_pointers(void **state)
{
	static const unsigned long reqs[] = {
		DRM_IOCTL_VERSION, DRM_IOCTL_GET_CAP, DRM_IOCTL_GEM_CLOSE,
		DRM_IOCTL_SYNCOBJ_CREATE, DRM_IOCTL_SYNCOBJ_WAIT,
		DRM_IOCTL_SYNCOBJ_QUERY, DRM_IOCTL_SYNCOBJ_TRANSFER,
		DRM_IOCTL_PANTHOR_DEV_QUERY, DRM_IOCTL_PANTHOR_VM_CREATE,
		DRM_IOCTL_PANTHOR_VM_DESTROY, DRM_IOCTL_PANTHOR_VM_BIND,
		DRM_IOCTL_PANTHOR_VM_GET_STATE, DRM_IOCTL_PANTHOR_BO_CREATE,
		DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET,
		DRM_IOCTL_PANTHOR_BO_SET_LABEL, DRM_IOCTL_PANTHOR_BO_SYNC,
		DRM_IOCTL_PANTHOR_BO_QUERY_INFO,
	};
	struct drm_panthor_vm_bind_op ops[2] = {
		{ .flags = OP_UNMAP, .va = SZ_1G, .size = SZ_64K },
		{ .flags = OP_UNMAP, .va = SZ_1G, .size = SZ_64K },
	};
	struct drm_panthor_vm_bind b = { .vm_id = vm };
	struct drm_panthor_dev_query q = { .size = 112 };
	struct drm_panthor_bo_set_label l = { .handle = bo };
	struct drm_syncobj_wait w = { .count_handles = 1 };
	struct drm_syncobj_timeline_array ta = { .count_handles = 1 };
	struct drm_version v = { .name_len = 8 };
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		HOSTILE(-EFAULT, IOC(f, reqs[i], NULL));
		HOSTILE(-EFAULT, IOC(f, reqs[i], none));
		/* The struct runs into the unmapped page. */
		HOSTILE(-EFAULT, IOC(f, reqs[i], edge + SZ_4K - 4));
	}
	/* Arrays behind the struct. */
	b.ops = (struct drm_panthor_obj_array){ 48, 1, (uintptr_t)none };
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &b));
	/* Two ops, the second one unreadable: neither runs. */
	b.ops = (struct drm_panthor_obj_array){
		48, 2, (uintptr_t)at_edge(ops, 48 + 24) };
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &b));
	b.ops = (struct drm_panthor_obj_array){
		48, 2, (uintptr_t)edge + SZ_4K - 48 - 24 };
	HOSTILE(-EFAULT, bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC,
				  (void *)(edge + SZ_4K - 48 - 24), 2, NULL));
	q.pointer = (uintptr_t)none;
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_PANTHOR_DEV_QUERY, &q));
	q.pointer = (uintptr_t)ro;
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_PANTHOR_DEV_QUERY, &q));
	l.label = (uintptr_t)none;
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &l));
	/* A label that runs into the unmapped page, unterminated. */
	l.label = (uintptr_t)at_edge("abcdef", 6);
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &l));
	w.handles = (uintptr_t)none;
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_SYNCOBJ_WAIT, &w));
	ta.handles = (uintptr_t)&s_tl;
	ta.points = (uintptr_t)ro;
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_SYNCOBJ_QUERY, &ta));
	ta.points = (uintptr_t)none;
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta));
	v.name = (char *)none;
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_VERSION, &v));
	v.name = (char *)ro;
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_VERSION, &v));
}

static void test_strides_and_counts(void **state)
{
	struct drm_panthor_vm_bind_op op = {
		.flags = OP_UNMAP, .va = SZ_1G, .size = SZ_64K,
	};
	struct drm_panthor_sync_op s = { .handle = s_done };
	struct drm_panthor_vm_bind b = { .vm_id = vm };
	struct drm_panthor_bo_sync bs = { 0 };
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&s_done };
	struct drm_syncobj_array a = { .handles = (uintptr_t)&s_done };

	(void)state;
	b.ops = (struct drm_panthor_obj_array){ 0, 1, (uintptr_t)&op };
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &b));
	b.ops = (struct drm_panthor_obj_array){ 47, 1, (uintptr_t)&op };
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &b));
	/* More ops than the kernel could ever allocate. */
	b.ops = (struct drm_panthor_obj_array){ 48, 0xffffffff,
						 (uintptr_t)&op };
	HOSTILE(-ENOMEM, IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &b));
	b.flags = DRM_PANTHOR_VM_BIND_ASYNC;
	HOSTILE(-ENOMEM, IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &b));
	op.syncs = (struct drm_panthor_obj_array){ 15, 1, (uintptr_t)&s };
	b.ops = (struct drm_panthor_obj_array){ 48, 1, (uintptr_t)&op };
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &b));
	op.syncs = (struct drm_panthor_obj_array){ 16, 1, (uintptr_t)none };
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &b));
	bs.ops = (struct drm_panthor_obj_array){ 23, 1, (uintptr_t)&op };
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_BO_SYNC, &bs));
	w.count_handles = 0;
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_WAIT, &w));
	w.count_handles = 0x40000000;
	HOSTILE(-ENOMEM, IOC(f, DRM_IOCTL_SYNCOBJ_WAIT, &w));
	a.count_handles = 0;
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_SIGNAL, &a));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_RESET, &a));
}

static void test_flags_and_pads(void **state)
{
	struct drm_panthor_vm_create vc = { .flags = 1 };
	struct drm_panthor_vm_destroy vd = { .id = vm, .pad = 1 };
	struct drm_panthor_bo_create bc = { .size = SZ_4K, .pad = 1 };
	struct drm_panthor_bo_mmap_offset mo = { .handle = bo, .pad = 1 };
	struct drm_panthor_bo_set_label sl = { .handle = bo, .pad = 1 };
	struct drm_syncobj_create sc = { .flags = 1u << 1 };
	struct drm_syncobj_destroy sd = { .handle = s_done, .pad = 1 };
	struct drm_syncobj_array sa = { .handles = (uintptr_t)&s_empty,
					.count_handles = 1, .pad = 1 };
	struct drm_syncobj_transfer st = { .src_handle = s_done,
					   .dst_handle = s_empty, .pad = 1 };
	struct drm_syncobj_timeline_array ta = {
		.handles = (uintptr_t)&s_tl, .count_handles = 1, .flags = 1 };
	struct drm_syncobj_wait sw = { .handles = (uintptr_t)&s_done,
				       .count_handles = 1, .flags = 1u << 5 };
	struct drm_panthor_group_destroy gd = { .pad = 1 };
	struct drm_panthor_tiler_heap_destroy hd = { .pad = 1 };
	uint32_t bit;

	(void)state;
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, &vc));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &vd));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &bc));
	bc = (struct drm_panthor_bo_create){ .size = SZ_4K, .flags = 1u << 2 };
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &bc));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &mo));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &sl));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_CREATE, &sc));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_DESTROY, &sd));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_SIGNAL, &sa));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_RESET, &sa));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_TRANSFER, &st));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta));
	ta.flags = 2;
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_QUERY, &ta));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_WAIT, &sw));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_GROUP_DESTROY, &gd));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, &hd));
	/* Every unknown bit of a bind op, and the unknown op types. */
	for (bit = 4; bit < 28; bit++)
		HOSTILE(-EINVAL, bind1(f, vm, OP_MAP | (1u << bit), bo, 0,
				       2 * SZ_1G, SZ_4K));
	for (bit = 3; bit < 16; bit++)
		HOSTILE(-EINVAL, bind1(f, vm, bit << 28, 0, 0, 2 * SZ_1G,
				       SZ_4K));
	HOSTILE(-EINVAL, bind1(f, vm, OP_UNMAP | 1, 0, 0, SZ_1G, SZ_4K));
	HOSTILE(-EINVAL, bind1(f, vm, OP_UNMAP, 0, SZ_4K, SZ_1G, SZ_4K));
	/* Misalignment and overflow. */
	HOSTILE(-EINVAL, bind1(f, vm, OP_MAP, bo, 0, 2 * SZ_1G + 1, SZ_4K));
	HOSTILE(-EINVAL, bind1(f, vm, OP_MAP, bo, 0, 2 * SZ_1G, SZ_4K + 1));
	HOSTILE(-EINVAL, bind1(f, vm, OP_UNMAP, 0, 0, ~0ull & ~(SZ_4K - 1),
			       2 * SZ_4K));
	HOSTILE(-EINVAL, bind1(f, vm, OP_MAP | OP_SPARSE, 0, 0, 512 * SZ_1M,
			       (~0ull & ~(SZ_2M - 1)) - 3 * SZ_2M));
}

static void test_stale_handles(void **state)
{
	uint32_t gone = bo_new(f, SZ_4K), vm2 = vm_new(f);
	struct drm_gem_close gc = { .handle = gone };
	struct drm_panthor_vm_destroy vd = { .id = vm2 };
	struct drm_syncobj_destroy sd = { .handle = sobj_new(f, true) };
	struct drm_panthor_bo_mmap_offset mo = { .handle = gone };
	uint32_t stale_so = sd.handle;

	(void)state;
	assert_int_equal(IOC(f, DRM_IOCTL_GEM_CLOSE, &gc), 0);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &vd), 0);
	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_DESTROY, &sd), 0);
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_GEM_CLOSE, &gc));
	HOSTILE(-EINVAL, bind1(f, vm, OP_MAP, gone, 0, 2 * SZ_1G, SZ_4K));
	HOSTILE(-ENOENT, IOC(f, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &mo));
	mo.handle = nommap_bo;
	HOSTILE(-EPERM, IOC(f, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &mo));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &vd));
	HOSTILE(-EINVAL, bind1(f, vm2, OP_UNMAP, 0, 0, SZ_1G, SZ_4K));
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_SYNCOBJ_DESTROY, &sd));
	HOSTILE(-ENOENT, sobj_wait(f, &stale_so, 1, 0, 0, NULL));
	/* Handle 0 is never an object. */
	gc.handle = 0;
	HOSTILE(-EINVAL, IOC(f, DRM_IOCTL_GEM_CLOSE, &gc));
	mo.handle = 0;
	HOSTILE(-ENOENT, IOC(f, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &mo));
	HOSTILE(-EINVAL, bind1(f, 0, OP_UNMAP, 0, 0, SZ_1G, SZ_4K));
	/* Another file's objects are not this file's. */
	{
		struct gpuvm_uapi_file *g = ropen(dev);
		uint32_t gbo = bo_new(g, SZ_64K), gvm = vm_new(g);

		assert_int_equal(bind1(g, gvm, OP_MAP, gbo, 0, SZ_1G, SZ_64K),
				 0);
		HOSTILE(-EINVAL, bind1(f, vm, OP_MAP, 3 + gbo, 0, 2 * SZ_1G,
				       SZ_4K));
		HOSTILE(-EINVAL, bind1(f, gvm + 5, OP_UNMAP, 0, 0, SZ_1G,
				       SZ_64K));
		gpuvm_uapi_close(g);
	}
}

/* Readable but not writable: the ioctl runs, the copy-back fails. */
static void test_read_only_arg(void **state)
{
	struct drm_panthor_vm_create vc = { 0 };
	struct drm_panthor_vm_get_state gs = { .vm_id = vm };
	uint8_t *p;

	(void)state;
	p = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	memcpy(p, &gs, sizeof(gs));
	memcpy(p + 64, &vc, sizeof(vc));
	assert_int_equal(mprotect(p, SZ_4K, PROT_READ), 0);
	HOSTILE(-EFAULT, IOC(f, DRM_IOCTL_PANTHOR_VM_GET_STATE, p));
	/* The VM is made, as in the kernel; the caller never learns its id. */
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, p + 64), -EFAULT);
	assert_int_equal(vm_new(f), vm + 2);
	munmap(p, SZ_4K);
	print_message("%u hostile calls, each with its errno and no change\n",
		      calls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_pointers),
		cmocka_unit_test(test_strides_and_counts),
		cmocka_unit_test(test_flags_and_pads),
		cmocka_unit_test(test_stale_handles),
		cmocka_unit_test(test_read_only_arg),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
