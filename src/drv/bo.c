// SPDX-License-Identifier: MIT
/*
 * DOC: BOs
 *
 * A BO is reference counted by its handle and by every mapping that uses
 * it, as a GEM object is by its handle and its VAs: closing a handle
 * while the BO is mapped is legal, and the memory goes with the last
 * mapping. Handles run 1..n per file and are never reused, so a stale
 * handle can never name a BO created after it was closed.
 *
 * The sparse dummy is a BO of the file with no handle (bind.c makes it
 * on the first sparse MAP, so files that never use sparse pay nothing).
 *
 * Every BO is on the device's LRU, oldest use first (use = creation,
 * bind, CPU access, restore); the shrinker evicts from its head.
 * References, pins and the LRU change under the device's allocation
 * mutex, since binds on different VMs touch the same BOs side by side.
 *
 * CPU access reads and writes the BO's memory, or its swap copy while it
 * is evicted: a CPU access never brings a BO back.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "drv/drv_internal.h"

/* ------------------------------------------------------------------ */
/* LRU (under dev->alloc)                                              */

static void lru_add(struct gpuvm_drv_device *dev, struct drv_bo *bo)
{
	bo->lru_next = NULL;
	bo->lru_prev = dev->lru_tail;
	if (dev->lru_tail)
		dev->lru_tail->lru_next = bo;
	else
		dev->lru_head = bo;
	dev->lru_tail = bo;
}

static void lru_del(struct gpuvm_drv_device *dev, struct drv_bo *bo)
{
	if (bo->lru_prev)
		bo->lru_prev->lru_next = bo->lru_next;
	else
		dev->lru_head = bo->lru_next;
	if (bo->lru_next)
		bo->lru_next->lru_prev = bo->lru_prev;
	else
		dev->lru_tail = bo->lru_prev;
}

void drv_bo_touch(struct drv_bo *bo)
{
	struct gpuvm_drv_device *dev = bo->file->dev;

	pthread_mutex_lock(&dev->alloc);
	if (dev->lru_tail != bo) {
		lru_del(dev, bo);
		lru_add(dev, bo);
	}
	pthread_mutex_unlock(&dev->alloc);
}

/* ------------------------------------------------------------------ */
/* Life                                                                */

int drv_bo_new(struct gpuvm_drv_file *file, uint64_t size,
	       unsigned int chunks, struct drv_bo **out)
{
	struct gpuvm_drv_device *dev = file->dev;
	struct drv_bo *bo = calloc(1, sizeof(*bo));
	int ret;

	if (!bo)
		return -ENOMEM;
	ret = gpuvm_mem_bo_create(dev->mem, size, chunks, &bo->mem);
	if (ret) {
		free(bo);
		return ret;
	}
	bo->file = file;
	bo->size = size;
	bo->chunks = chunks;
	bo->refs = 1;
	pthread_mutex_lock(&dev->alloc);
	lru_add(dev, bo);
	pthread_mutex_unlock(&dev->alloc);
	*out = bo;
	return 0;
}

void drv_bo_get(struct drv_bo *bo)
{
	struct gpuvm_drv_device *dev = bo->file->dev;

	pthread_mutex_lock(&dev->alloc);
	bo->refs++;
	pthread_mutex_unlock(&dev->alloc);
}

void drv_bo_put(struct drv_bo *bo)
{
	struct gpuvm_drv_device *dev = bo->file->dev;

	pthread_mutex_lock(&dev->alloc);
	if (--bo->refs) {
		pthread_mutex_unlock(&dev->alloc);
		return;
	}
	lru_del(dev, bo);
	pthread_mutex_unlock(&dev->alloc);
	gpuvm_mem_bo_destroy(bo->mem);
	drv_swap_free(bo->swap);
	free(bo);
}

void drv_bo_pin_get(struct drv_bo *bo)
{
	struct gpuvm_drv_device *dev = bo->file->dev;

	pthread_mutex_lock(&dev->alloc);
	bo->pins++;
	pthread_mutex_unlock(&dev->alloc);
}

void drv_bo_pin_put(struct drv_bo *bo)
{
	struct gpuvm_drv_device *dev = bo->file->dev;

	pthread_mutex_lock(&dev->alloc);
	bo->pins--;
	pthread_mutex_unlock(&dev->alloc);
}

/* ------------------------------------------------------------------ */
/* Handles                                                             */

struct drv_bo *drv_bo_lookup(struct gpuvm_drv_file *file, uint32_t handle)
{
	if (!handle || handle > file->nbos)
		return NULL;
	return file->bos[handle - 1];
}

int drv_bo_add_handle(struct gpuvm_drv_file *file, struct drv_bo *bo)
{
	uint32_t cap, max = file->dev->cfg.max_bos_per_file;
	struct drv_bo **bos;

	if (file->nbos == (max ? max : UINT32_MAX))
		return -ENOSPC;
	if (file->nbos == file->bos_cap) {
		cap = file->bos_cap ? file->bos_cap * 2 : 16;
		if (cap < file->bos_cap)
			cap = UINT32_MAX;
		bos = realloc(file->bos, (size_t)cap * sizeof(*bos));
		if (!bos)
			return -ENOMEM;
		file->bos = bos;
		file->bos_cap = cap;
	}
	file->bos[file->nbos++] = bo;
	bo->handle = file->nbos;
	return 0;
}

/*
 * A BO as the driver's texts name it: its handle, or "closed" once the
 * handle is gone. Never the struct's address, which is what the VA
 * layer's key holds.
 */
void drv_bo_print(FILE *f, const struct drv_bo *bo, gpuvm_drv_bo_name_fn name,
		  void *cookie)
{
	if (!bo->handle)
		fputs("closed", f);
	else if (name)
		name(cookie, bo->handle, f);
	else
		fprintf(f, "%" PRIu32, bo->handle);
}

void drv_va_bo_namer(FILE *f, uint64_t key, void *cookie)
{
	(void)cookie;
	drv_bo_print(f, (const struct drv_bo *)(uintptr_t)key, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* CPU access                                                          */

static int bo_access(struct gpuvm_drv_file *file, uint32_t handle,
		     uint64_t offset, uint64_t len, struct drv_bo **out)
{
	struct drv_bo *bo = drv_bo_lookup(file, handle);

	if (!bo)
		return -EINVAL;
	if (offset > bo->size || len > bo->size - offset)
		return -EINVAL;
	*out = bo;
	return 0;
}

int drv_impl_bo_read(struct gpuvm_drv_file *file, uint32_t handle,
		     uint64_t offset, void *buf, uint64_t len)
{
	struct drv_bo *bo;
	int ret = bo_access(file, handle, offset, len, &bo);

	if (ret)
		return ret;
	drv_bo_touch(bo);
	if (bo->evicted) {
		drv_swap_read(bo->swap, offset, buf, len);
		return 0;
	}
	return gpuvm_mem_bo_read(bo->mem, offset, buf, len);
}

int drv_impl_bo_write(struct gpuvm_drv_file *file, uint32_t handle,
		      uint64_t offset, const void *buf, uint64_t len)
{
	struct drv_bo *bo;
	int ret = bo_access(file, handle, offset, len, &bo);

	if (ret)
		return ret;
	drv_bo_touch(bo);
	if (bo->evicted)
		return drv_swap_write(bo->swap, offset, buf, len);
	return gpuvm_mem_bo_write(bo->mem, offset, buf, len);
}
