// SPDX-License-Identifier: MIT
/*
 * DOC: device, files and BOs
 *
 * The device owns the simulated RAM. Files own their VMs (ids 1..32) and
 * their BO handles (1..n, never reused, so a stale handle can never name
 * a BO created after it was closed). BOs are reference counted by their handle and by every mapping
 * that uses them, so closing a handle while the BO is mapped is legal and
 * the memory goes when the last mapping does.
 *
 * The sparse dummy is a BO of the file with no handle, made on the first
 * sparse map so files that never use sparse pay nothing. It is 2 MiB,
 * physically contiguous and 2 MiB-aligned when memory allows (then every
 * 2 MiB of a sparse range is one block), fragmented otherwise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drv/drv_internal.h"

/* ------------------------------------------------------------------ */
/* Device                                                              */

static int fill_defaults(struct gpuvm_drv_device_cfg *c)
{
	uint64_t all = GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M |
		       GPUVM_PT_PGSIZE_1G;

	if (!c->va_bits)
		c->va_bits = 48;
	if (!c->pa_bits)
		c->pa_bits = 40;
	if (!c->pgsizes)
		c->pgsizes = GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M;
	if (!c->ram)
		c->ram = 4 * GPUVM_SZ_1G;
	if (c->va_bits < 32 || c->va_bits > 48 || c->pa_bits < 32 ||
	    c->pa_bits > 48)
		return -EINVAL;
	if (!(c->pgsizes & GPUVM_PT_PGSIZE_4K) || (c->pgsizes & ~all))
		return -EINVAL;
	if (c->ram & (GPUVM_SZ_4K - 1) || c->ram > (1ull << c->pa_bits))
		return -EINVAL;
	if (c->sparse != GPUVM_DRV_SPARSE_DUMMY &&
	    c->sparse != GPUVM_DRV_SPARSE_NULL)
		return -EINVAL;
	return 0;
}

int gpuvm_drv_device_create(const struct gpuvm_drv_device_cfg *cfg,
			    struct gpuvm_drv_device **out)
{
	struct gpuvm_drv_device *dev;
	struct gpuvm_mem_cfg mc = { 0 };
	int ret;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	if (cfg)
		dev->cfg = *cfg;
	ret = fill_defaults(&dev->cfg);
	if (!ret) {
		mc.size = dev->cfg.ram;
		mc.shared = dev->cfg.shared_ram;
		ret = gpuvm_mem_create(&mc, &dev->mem);
	}
	if (ret) {
		free(dev);
		return ret;
	}
	dev->next_serial = 1;
	dev->budget = dev->cfg.ram;
	pthread_rwlock_init(&dev->rw, NULL);
	pthread_mutex_init(&dev->alloc, NULL);
	*out = dev;
	return 0;
}

void gpuvm_drv_device_destroy(struct gpuvm_drv_device *dev)
{
	if (!dev)
		return;
	while (dev->files)
		drv_impl_file_close(dev->files);
	drv_timelines_free(dev);
	drv_null_tables_drop(dev);
	gpuvm_mem_destroy(dev->mem);
	pthread_mutex_destroy(&dev->alloc);
	pthread_rwlock_destroy(&dev->rw);
	free(dev);
}

struct gpuvm_mem *gpuvm_drv_device_mem(struct gpuvm_drv_device *dev)
{
	return dev->mem;
}

const struct gpuvm_drv_device_cfg *
gpuvm_drv_device_cfg(const struct gpuvm_drv_device *dev)
{
	return &dev->cfg;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

int drv_impl_file_open(struct gpuvm_drv_device *dev,
			struct gpuvm_drv_file **out)
{
	struct gpuvm_drv_file *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->dev = dev;
	f->next = dev->files;
	if (dev->files)
		dev->files->prev = f;
	dev->files = f;
	*out = f;
	return 0;
}

void drv_impl_file_close(struct gpuvm_drv_file *f)
{
	uint32_t i;

	if (!f)
		return;
	/* VMs first: their mappings hold BO references. */
	for (i = 1; i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		if (f->vms[i])
			drv_vm_free(f->vms[i]);
	for (i = 0; i < f->nbos; i++)
		if (f->bos[i])
			drv_impl_bo_close(f, i + 1);
	drv_sparse_tables_drop(f);
	drv_sparse_tables_trim(f); /* the device's NULL sets it left idle */
	if (f->dummy)
		drv_bo_put(f->dummy);
	free(f->bos);
	if (f->prev)
		f->prev->next = f->next;
	else
		f->dev->files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f);
}

/* ------------------------------------------------------------------ */
/* BOs                                                                 */

int drv_bo_new(struct gpuvm_drv_file *file, uint64_t size,
	       unsigned int chunks, struct drv_bo **out)
{
	struct drv_bo *bo;
	int ret = drv_make_room(file->dev, size / GPUVM_SZ_4K);

	if (ret)
		return ret;
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	ret = gpuvm_mem_bo_create(file->dev->mem, size, chunks, &bo->mem);
	if (ret) {
		free(bo);
		return ret;
	}
	bo->file = file;
	bo->size = size;
	bo->chunks = chunks;
	bo->refs = 1;
	pthread_mutex_lock(&file->dev->alloc);
	drv_lru_add(file->dev, bo);
	pthread_mutex_unlock(&file->dev->alloc);
	*out = bo;
	return 0;
}

/*
 * References, pins and the LRU change under the device's allocation
 * mutex: binds on different VMs (the shared lock) touch the same BOs.
 */
void drv_bo_get(struct drv_bo *bo)
{
	struct gpuvm_drv_device *dev = bo->file->dev;

	pthread_mutex_lock(&dev->alloc);
	bo->refs++;
	pthread_mutex_unlock(&dev->alloc);
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

void drv_bo_put(struct drv_bo *bo)
{
	struct gpuvm_drv_device *dev = bo->file->dev;

	pthread_mutex_lock(&dev->alloc);
	if (--bo->refs) {
		pthread_mutex_unlock(&dev->alloc);
		return;
	}
	drv_lru_del(dev, bo);
	pthread_mutex_unlock(&dev->alloc);
	gpuvm_mem_bo_destroy(bo->mem);
	drv_swap_free(bo->swap);
	free(bo);
}

struct drv_bo *drv_bo_lookup(struct gpuvm_drv_file *file, uint32_t handle)
{
	if (!handle || handle > file->nbos)
		return NULL;
	return file->bos[handle - 1];
}

int drv_dummy_get(struct gpuvm_drv_file *file, struct drv_bo **out)
{
	int ret = 0;

	if (!file->dummy)
		ret = drv_bo_new(file, DRV_DUMMY_SIZE, 0, &file->dummy);
	*out = file->dummy;
	return ret;
}

static int add_handle(struct gpuvm_drv_file *file, struct drv_bo *bo)
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

int drv_impl_bo_create(struct gpuvm_drv_file *file, uint64_t size,
			uint32_t exclusive_vm, unsigned int chunks,
			uint32_t *handle)
{
	struct drv_vm *vm = NULL;
	struct drv_bo *bo;
	int ret;

	uint32_t max = file->dev->cfg.max_bos_per_file;

	if (!size || size & (GPUVM_SZ_4K - 1))
		return -EINVAL;
	if (exclusive_vm && !(vm = drv_vm_lookup(file, exclusive_vm)))
		return -EINVAL;
	/* Before anything is allocated or evicted for it. */
	if (file->nbos == (max ? max : UINT32_MAX))
		return -ENOSPC;
	ret = drv_bo_new(file, size, chunks, &bo);
	if (ret)
		return ret;
	bo->exclusive = vm ? vm->serial : 0;
	ret = add_handle(file, bo);
	if (ret) {
		drv_bo_put(bo);
		return ret;
	}
	*handle = bo->handle;
	return 0;
}

int drv_impl_bo_runs(struct gpuvm_drv_file *file, uint32_t handle,
		     struct gpuvm_mem_run *runs, unsigned int cap,
		     unsigned int *count)
{
	struct drv_bo *bo = drv_bo_lookup(file, handle);
	unsigned int n;

	if (!bo || !count || (cap && !runs))
		return -EINVAL;
	if (bo->evicted)
		return -ENODATA;
	n = gpuvm_mem_bo_run_count(bo->mem);
	if (cap)
		memcpy(runs, gpuvm_mem_bo_runs(bo->mem),
		       (n < cap ? n : cap) * sizeof(*runs));
	*count = n;
	return 0;
}

int drv_impl_bo_close(struct gpuvm_drv_file *file, uint32_t handle)
{
	struct drv_bo *bo = drv_bo_lookup(file, handle);

	if (!bo)
		return -EINVAL;
	file->bos[handle - 1] = NULL;
	bo->handle = 0;
	drv_bo_put(bo);
	return 0;
}

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
	/* An evicted BO's contents are in swap: read them there. */
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
	if (bo->evicted) {
		return drv_swap_write(bo->swap, offset, buf, len);
	}
	return gpuvm_mem_bo_write(bo->mem, offset, buf, len);
}
