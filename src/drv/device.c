// SPDX-License-Identifier: MIT
/*
 * DOC: device, files, and what comes and goes in them
 *
 * The device owns the simulated RAM. Files own their VMs (ids 1..32) and
 * their BO handles (bo.c). Everything here runs under the exclusive lock:
 * creating and destroying objects changes what other threads look up.
 *
 * Teardown goes top-down so that nothing is freed while something still
 * points at it: a VM's queued binds are cancelled (their signals fire),
 * then its mappings drop their BO references, then the file's handles
 * go, then its shared sparse tables and its dummy.
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
	if (!c->ram && c->ram_buffer)
		return -EINVAL;         /* the caller's buffer has a size */
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

	if (!out)
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	if (cfg)
		dev->cfg = *cfg;
	ret = fill_defaults(&dev->cfg);
	if (!ret) {
		mc.size = dev->cfg.ram;
		mc.shared = dev->cfg.shared_ram;
		mc.buffer = dev->cfg.ram_buffer;
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
	struct drv_excl x = { .dev = dev };

	if (!dev)
		return;
	while (dev->files)
		drv_impl_file_close(&x, dev->files);
	drv_timelines_free(&x);
	drv_null_tables_drop(&x);
	gpuvm_mem_destroy(dev->mem);
	pthread_mutex_destroy(&dev->alloc);
	pthread_rwlock_destroy(&dev->rw);
	free(dev);
}

struct gpuvm_mem *gpuvm_drv_device_mem(struct gpuvm_drv_device *dev)
{
	return dev ? dev->mem : NULL;
}

const struct gpuvm_drv_device_cfg *
gpuvm_drv_device_cfg(const struct gpuvm_drv_device *dev)
{
	return dev ? &dev->cfg : NULL;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

int drv_impl_file_open(const struct drv_excl *x, struct gpuvm_drv_file **out)
{
	struct gpuvm_drv_device *dev = x->dev;
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

static void vm_destroy(const struct drv_excl *x, struct drv_vm *vm)
{
	drv_vm_cancel_queue(x, vm);
	drv_vm_free(x, vm);
}

void drv_impl_file_close(const struct drv_excl *x, struct gpuvm_drv_file *f)
{
	uint32_t i;

	/* VMs first: their mappings hold BO references. */
	for (i = 1; i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		if (f->vms[i])
			vm_destroy(x, f->vms[i]);
	for (i = 0; i < f->nbos; i++)
		if (f->bos[i])
			drv_impl_bo_close(x, f, i + 1);
	drv_sparse_tables_drop(x, f);
	drv_sparse_tables_trim(x, f); /* the device's NULL sets it left idle */
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
/* VMs                                                                 */

int drv_impl_vm_create(const struct drv_excl *x, struct gpuvm_drv_file *file,
		       uint64_t user_va, uint32_t *id)
{
	uint64_t full = 1ull << x->dev->cfg.va_bits;
	struct drv_vm *vm;
	uint32_t i;
	int ret;

	if (!user_va)
		user_va = full / 2;
	if (user_va & (GPUVM_SZ_4K - 1) || user_va > full)
		return -EINVAL;
	for (i = 1; i <= GPUVM_DRV_MAX_VMS_PER_FILE && file->vms[i]; i++)
		;
	if (i > GPUVM_DRV_MAX_VMS_PER_FILE)
		return -EBUSY;
	ret = drv_make_room(x, 1); /* the top table */
	if (!ret)
		ret = drv_vm_new(x->dev, user_va, &vm);
	if (ret)
		return ret;
	vm->file = file;
	vm->id = i;
	/* Published last: GPU accesses look VMs up without a lock. */
	__atomic_store_n(&file->vms[i], vm, __ATOMIC_RELEASE);
	*id = i;
	return 0;
}

int drv_impl_vm_destroy(const struct drv_excl *x,
			struct gpuvm_drv_file *file, uint32_t id)
{
	struct drv_vm *vm = drv_vm_lookup(file, id);

	if (!vm)
		return -EINVAL;
	vm_destroy(x, vm);
	drv_sparse_tables_trim(x, file);
	return 0;
}

/* ------------------------------------------------------------------ */
/* BOs                                                                 */

int drv_impl_bo_create(const struct drv_excl *x, struct gpuvm_drv_file *file,
		       uint64_t size, uint32_t exclusive_vm,
		       unsigned int chunks, uint32_t *handle)
{
	uint32_t max = x->dev->cfg.max_bos_per_file;
	struct drv_vm *vm = NULL;
	struct drv_bo *bo;
	int ret;

	if (!size || size & (GPUVM_SZ_4K - 1))
		return -EINVAL;
	if (exclusive_vm && !(vm = drv_vm_lookup(file, exclusive_vm)))
		return -EINVAL;
	/* Before anything is allocated or evicted for it. */
	if (file->nbos == (max ? max : UINT32_MAX))
		return -ENOSPC;
	ret = drv_make_room(x, size / GPUVM_SZ_4K);
	if (!ret)
		ret = drv_bo_new(file, size, chunks, &bo);
	if (ret)
		return ret;
	bo->exclusive = vm ? vm->serial : 0;
	ret = drv_bo_add_handle(file, bo);
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

int drv_impl_bo_close(const struct drv_excl *x, struct gpuvm_drv_file *file,
		      uint32_t handle)
{
	struct drv_bo *bo = drv_bo_lookup(file, handle);

	if (!bo)
		return -EINVAL;
	file->bos[handle - 1] = NULL;
	bo->handle = 0;
	drv_bo_put(bo);
	return 0;
}
