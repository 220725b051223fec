// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the uapi tests: a device and files, ioctls that
 * return 0 or a negative errno, and the usual objects created through
 * them (asserting success). Everything here goes through
 * gpuvm_uapi_ioctl, the way the shim does; inspection (GPU accesses,
 * mappings) goes to the driver file behind a file.
 *
 * cmocka needs <setjmp.h>, <stdarg.h>, <stddef.h> and <stdint.h> first.
 */
#ifndef GPUVM_TESTS_UAPI_TEST_H
#define GPUVM_TESTS_UAPI_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "gpuvm/panthor_drm.h"
#include "gpuvm/uapi.h"

#define SZ_4K  0x1000ull
#define SZ_64K 0x10000ull
#define SZ_1M  0x100000ull
#define SZ_2M  0x200000ull
#define SZ_1G  0x40000000ull

#define OP_MAP    DRM_PANTHOR_VM_BIND_OP_TYPE_MAP
#define OP_UNMAP  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP
#define OP_SYNC   DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY
#define OP_SPARSE (DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE | \
		   DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC)
#define SIG       ((uint32_t)DRM_PANTHOR_SYNC_OP_SIGNAL)
#define TLINE     DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ

static inline struct gpuvm_uapi_device *udev_new_cfg(bool worker,
						     uint64_t ram)
{
	struct gpuvm_uapi_device_cfg cfg = { .no_worker = !worker };
	struct gpuvm_uapi_device *dev = NULL;

	cfg.drv.ram = ram;
	assert_int_equal(gpuvm_uapi_device_create(&cfg, &dev), 0);
	return dev;
}

static inline struct gpuvm_uapi_device *udev_new(void)
{
	return udev_new_cfg(true, 256ull << 20);
}

static inline struct gpuvm_uapi_file *
uopen(struct gpuvm_uapi_device *dev, enum gpuvm_uapi_node node)
{
	struct gpuvm_uapi_file *f = NULL;

	assert_int_equal(gpuvm_uapi_open(dev, node, &f), 0);
	return f;
}

static inline struct gpuvm_uapi_file *ropen(struct gpuvm_uapi_device *dev)
{
	return uopen(dev, GPUVM_UAPI_RENDER);
}

#define IOC(f, req, arg) gpuvm_uapi_ioctl((f), (req), (arg))

static inline uint32_t vm_new(struct gpuvm_uapi_file *f)
{
	struct drm_panthor_vm_create a = { 0 };

	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, &a), 0);
	assert_true(a.id >= 1 && a.id <= 32);
	return a.id;
}

static inline uint32_t bo_new_flags(struct gpuvm_uapi_file *f, uint64_t size,
				    uint32_t flags, uint32_t excl)
{
	struct drm_panthor_bo_create a = {
		.size = size, .flags = flags, .exclusive_vm_id = excl,
	};

	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &a), 0);
	assert_true(a.handle != 0);
	return a.handle;
}

static inline uint32_t bo_new(struct gpuvm_uapi_file *f, uint64_t size)
{
	return bo_new_flags(f, size, 0, 0);
}

static inline int bind_ops(struct gpuvm_uapi_file *f, uint32_t vm,
			   uint32_t flags, struct drm_panthor_vm_bind_op *ops,
			   uint32_t n, uint32_t *count_out)
{
	struct drm_panthor_vm_bind a = {
		.vm_id = vm, .flags = flags,
		.ops = DRM_PANTHOR_OBJ_ARRAY(n, ops),
	};
	int ret = IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &a);

	if (count_out)
		*count_out = a.ops.count;
	return ret;
}

static inline int bind1(struct gpuvm_uapi_file *f, uint32_t vm,
			uint32_t flags, uint32_t bo, uint64_t off,
			uint64_t va, uint64_t size)
{
	struct drm_panthor_vm_bind_op op = {
		.flags = flags, .bo_handle = bo, .bo_offset = off,
		.va = va, .size = size,
	};

	return bind_ops(f, vm, 0, &op, 1, NULL);
}

static inline uint32_t sobj_new(struct gpuvm_uapi_file *f, bool signalled)
{
	struct drm_syncobj_create a = {
		.flags = signalled ? DRM_SYNCOBJ_CREATE_SIGNALED : 0,
	};

	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_CREATE, &a), 0);
	assert_true(a.handle != 0);
	return a.handle;
}

/* A wait with a timeout in ns from now (0: poll). */
static inline int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline int sobj_wait(struct gpuvm_uapi_file *f, uint32_t *h,
			    uint32_t n, uint32_t flags, int64_t rel_ns,
			    uint32_t *first)
{
	struct drm_syncobj_wait a = {
		.handles = (uintptr_t)h, .count_handles = n, .flags = flags,
		.timeout_nsec = rel_ns ? mono_ns() + rel_ns : 0,
		.first_signaled = 0xdead,
	};
	int ret = IOC(f, DRM_IOCTL_SYNCOBJ_WAIT, &a);

	if (first)
		*first = a.first_signaled;
	return ret;
}

static inline int tl_wait(struct gpuvm_uapi_file *f, uint32_t h,
			  uint64_t point, uint32_t flags, int64_t rel_ns)
{
	struct drm_syncobj_timeline_wait a = {
		.handles = (uintptr_t)&h, .points = (uintptr_t)&point,
		.count_handles = 1, .flags = flags,
		.timeout_nsec = rel_ns ? mono_ns() + rel_ns : 0,
	};

	return IOC(f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &a);
}

static inline uint64_t tl_query(struct gpuvm_uapi_file *f, uint32_t h,
				uint32_t flags)
{
	uint64_t point = ~0ull;
	struct drm_syncobj_timeline_array a = {
		.handles = (uintptr_t)&h, .points = (uintptr_t)&point,
		.count_handles = 1, .flags = flags,
	};

	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_QUERY, &a), 0);
	return point;
}

/* GPU accesses through a VM, via the driver file. */
static inline uint32_t gpu_rd32(struct gpuvm_uapi_file *f, uint32_t vm,
				uint64_t va)
{
	struct gpuvm_mmu_fault fault;
	uint32_t v = 0xfefefefe;

	assert_int_equal(gpuvm_drv_gpu_access(gpuvm_uapi_file_drv(f), vm,
					      GPUVM_MMU_READ, va, &v, 4,
					      &fault), 0);
	return v;
}

static inline void gpu_wr32(struct gpuvm_uapi_file *f, uint32_t vm,
			    uint64_t va, uint32_t v)
{
	struct gpuvm_mmu_fault fault;

	assert_int_equal(gpuvm_drv_gpu_access(gpuvm_uapi_file_drv(f), vm,
					      GPUVM_MMU_WRITE, va, &v, 4,
					      &fault), 0);
}

/* What the VA space holds at va: GPUVM_DRV_NONE, _SPARSE or _BO. */
static inline enum gpuvm_drv_backing backing(struct gpuvm_uapi_file *f,
					     uint32_t vm, uint64_t va)
{
	struct gpuvm_drv_lookup l;

	assert_int_equal(gpuvm_drv_vm_lookup(gpuvm_uapi_file_drv(f), vm, va,
					     &l), 0);
	return l.kind;
}

static inline uint64_t mmap_offset(struct gpuvm_uapi_file *f, uint32_t bo)
{
	struct drm_panthor_bo_mmap_offset a = { .handle = bo };

	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &a), 0);
	return a.offset;
}

/* A CPU mapping as the shim makes it: the plan's runs at one range. */
struct cpu_map {
	struct gpuvm_uapi_mapping *m;
	uint8_t *p;
	uint64_t size;
};

static inline int cpu_map(struct gpuvm_uapi_file *f, uint64_t offset,
			  uint64_t len, int prot, struct cpu_map *out)
{
	struct gpuvm_uapi_map_plan plan;
	unsigned int i;
	uint8_t *base;
	int ret;

	ret = gpuvm_uapi_mmap_begin(f, offset, len, prot, MAP_SHARED,
				    &out->m, &plan);
	if (ret)
		return ret;
	base = mmap(NULL, plan.size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(base != MAP_FAILED);
	for (i = 0; i < plan.nruns; i++)
		assert_true(mmap(base + plan.runs[i].offset, plan.runs[i].size,
				 prot, MAP_SHARED | MAP_FIXED, plan.fd,
				 (off_t)plan.runs[i].pa) ==
			    base + plan.runs[i].offset);
	out->p = base;
	out->size = plan.size;
	return 0;
}

static inline void cpu_unmap(struct cpu_map *c)
{
	munmap(c->p, c->size);
	gpuvm_uapi_mmap_end(c->m);
}

#endif /* GPUVM_TESTS_UAPI_TEST_H */
