// SPDX-License-Identifier: MIT
/*
 * DOC: BO ioctls, and the scheduling-group and tiler-heap ioctls
 *
 * BO_CREATE rounds the size up to a page and writes it back, as
 * drm_gem_shmem_create does. One difference from the kernel, which
 * allocates a BO's pages at its first use: the driver allocates them at
 * creation, so a BO bigger than the simulated RAM is -ENOMEM here rather
 * than at its first bind.

 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/uapi_internal.h"

#define BO_FLAGS (DRM_PANTHOR_BO_NO_MMAP | DRM_PANTHOR_BO_WB_MMAP)

int uapi_ioctl_bo_create(struct uapi_call *c)
{
	struct drm_panthor_bo_create *a = c->data;
	struct gpuvm_uapi_file *f = c->file;
	enum gpuvm_drv_vm_state st;
	struct uapi_bo *bo;
	uint64_t size;
	uint32_t h = 0;
	int ret;

	if (!a->size || a->pad || a->flags & ~BO_FLAGS ||
	    (a->flags & DRM_PANTHOR_BO_NO_MMAP &&
	     a->flags & DRM_PANTHOR_BO_WB_MMAP))
		return -EINVAL;
	if (a->exclusive_vm_id &&
	    (a->exclusive_vm_id > GPUVM_DRV_MAX_VMS_PER_FILE ||
	     gpuvm_drv_vm_get_state(f->drv, a->exclusive_vm_id, &st)))
		return -EINVAL;
	if (a->size > UINT64_MAX - (UAPI_PAGE - 1))
		return -EINVAL;
	size = (a->size + UAPI_PAGE - 1) & ~(UAPI_PAGE - 1);
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	ret = gpuvm_drv_bo_create(f->drv, size, a->exclusive_vm_id, 0, &h);
	if (ret) {
		free(bo);
		return ret;
	}
	bo->file = f;
	bo->drv_handle = h;
	bo->size = size;
	bo->flags = a->flags;
	bo->excl_vm = a->exclusive_vm_id;
	if (bo->excl_vm)
		bo->excl_gen = __atomic_load_n(&f->vmq[bo->excl_vm].gen,
					       __ATOMIC_ACQUIRE);
	ret = uapi_bo_add(f, bo, &a->handle);
	if (ret) {
		gpuvm_drv_bo_close(f->drv, h);
		free(bo);
		return ret;
	}
	a->size = size;
	return 0;
}

int uapi_ioctl_bo_mmap_offset(struct uapi_call *c)
{
	struct drm_panthor_bo_mmap_offset *a = c->data;
	uint64_t offset = 0;
	struct uapi_bo *bo;
	int ret;

	if (a->pad)
		return -EINVAL;
	bo = uapi_bo_get(c->file, a->handle);
	if (!bo)
		return -ENOENT;
	ret = bo->flags & DRM_PANTHOR_BO_NO_MMAP ? -EPERM
						 : uapi_bo_offset(bo, &offset);
	if (!ret)
		a->offset = offset;
	uapi_bo_put(bo);
	return ret;
}

int uapi_ioctl_bo_set_label(struct uapi_call *c)
{
	struct drm_panthor_bo_set_label *a = c->data;
	struct uapi_bo *bo;
	char *label = NULL, *old;
	int ret = 0;

	if (a->pad)
		return -EINVAL;
	bo = uapi_bo_get(c->file, a->handle);
	if (!bo)
		return -ENOENT;
	if (a->label) {
		ret = uapi_get_string(a->label, UAPI_LABEL_MAX, &label);
		if (ret == -EINVAL)
			ret = -E2BIG;
	}
	if (!ret) {
		pthread_mutex_lock(&c->file->lock);
		old = bo->label;
		bo->label = label;
		pthread_mutex_unlock(&c->file->lock);
		free(old);
	}
	uapi_bo_put(bo);
	return ret;
}

int uapi_ioctl_set_user_mmio_offset(struct uapi_call *c)
{
	struct drm_panthor_set_user_mmio_offset *a = c->data;

	if (a->offset != DRM_PANTHOR_USER_MMIO_OFFSET_32BIT &&
	    a->offset != DRM_PANTHOR_USER_MMIO_OFFSET_64BIT)
		return -EINVAL;
	__atomic_store_n(&c->file->mmio_offset, a->offset, __ATOMIC_RELEASE);
	return 0;
}

/* The simulated GPU is coherent with the CPU: a sync checks, no more. */
static int sync_op(struct gpuvm_uapi_file *f,
		   const struct drm_panthor_bo_sync_op *op)
{
	struct uapi_bo *bo = uapi_bo_get(f, op->handle);
	int ret = 0;

	if (!bo)
		return -ENOENT;
	if (op->type != DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH &&
	    op->type != DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE)
		ret = -EINVAL;
	else if (op->size &&
		 (op->offset > bo->size || op->size > bo->size - op->offset))
		ret = -EINVAL;
	uapi_bo_put(bo);
	return ret;
}

int uapi_ioctl_bo_sync(struct uapi_call *c)
{
	struct drm_panthor_bo_sync *a = c->data;
	struct drm_panthor_bo_sync_op *ops;
	uint32_t i;
	int ret;

	if (!a->ops.count)
		return 0;
	ret = uapi_get_array(&a->ops, sizeof(*ops), sizeof(*ops),
			     (void **)&ops);
	for (i = 0; !ret && i < a->ops.count; i++)
		ret = sync_op(c->file, &ops[i]);
	free(ops);
	return ret;
}

int uapi_ioctl_bo_query_info(struct uapi_call *c)
{
	struct drm_panthor_bo_query_info *a = c->data;
	struct uapi_bo *bo = uapi_bo_get(c->file, a->handle);

	if (!bo)
		return -ENOENT;
	a->pad = 0;
	a->create_flags = bo->flags;
	a->extra_flags = 0;     /* nothing is ever imported */
	uapi_bo_put(bo);
	return 0;
}
