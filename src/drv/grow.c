// SPDX-License-Identifier: MIT
/*
 * DOC: grow-on-fault regions (gpuvm_drv_vm_set_grow)
 *
 * A VM may have one region of VA that is backed on demand, as a Mali
 * tiler heap grows: the VM's MMU fault hook sees a translation fault
 * inside the region, and if fewer than the limit's chunks were grown it
 * creates a chunk-sized BO private to the VM, maps it over the faulting
 * chunk with an ordinary bind, drops the handle (the mapping keeps the
 * memory) and asks the access to walk again. Past the limit, or outside
 * the region, the fault stands.
 *
 * The hook runs in the faulting thread with no lock of the address space
 * held (mmu.h), and GPU accesses take no driver lock, so it can use the
 * public entry points, which take the driver's locks as any bind does.
 * Several threads may fault on one chunk at once: the region's mutex
 * serialises the hook, and under it a lookup that finds the chunk mapped
 * already means another thread grew it, so the access only walks again
 * (a second MAP would replace the first chunk and lose its data). Lock
 * order: the region's mutex, then the driver's; nothing takes the
 * region's mutex under a driver lock.
 */
#include <errno.h>
#include <stdlib.h>

#include "drv/drv_internal.h"

struct drv_grow {
	struct gpuvm_drv_file *file;
	uint32_t vm_id;
	struct gpuvm_drv_grow cfg;
	pthread_mutex_t lock;
	/* Chunks grown, at most cfg.max_chunks: written under lock, read
	 * without it (gpuvm_drv_vm_grown holds the VM's lock, which the
	 * hook takes under this one). */
	uint64_t grown;
};

#define GROW_FLAGS (GPUVM_DRV_OP_MAP_READONLY | GPUVM_DRV_OP_MAP_NOEXEC | \
		    GPUVM_DRV_OP_MAP_UNCACHED)

/* Backs [va, va + chunk) with a fresh BO; 0 or the failing call's errno. */
static int grow_chunk(struct drv_grow *g, uint64_t va)
{
	struct gpuvm_drv_bind_op op = {
		.flags = GPUVM_DRV_OP_TYPE_MAP | g->cfg.flags,
		.va = va, .size = g->cfg.chunk,
	};
	int ret;

	ret = gpuvm_drv_bo_create(g->file, g->cfg.chunk, g->vm_id, 0,
				  &op.bo_handle);
	if (ret)
		return ret;
	ret = gpuvm_drv_vm_bind(g->file, g->vm_id, 0, &op, 1, NULL);
	gpuvm_drv_bo_close(g->file, op.bo_handle);
	return ret;
}

static int grow_hook(void *cookie, struct gpuvm_mmu_as *as,
		     const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct drv_grow *g = cookie;
	uint64_t off = f->addr - g->cfg.va;
	struct gpuvm_drv_lookup l;
	int answer = GPUVM_MMU_FAULT_REPORT;

	(void)as;
	(void)retries;
	if (f->kind != GPUVM_MMU_FAULT_TRANSLATION || f->addr < g->cfg.va ||
	    off >= g->cfg.size)
		return GPUVM_MMU_FAULT_REPORT;
	pthread_mutex_lock(&g->lock);
	if (!gpuvm_drv_vm_lookup(g->file, g->vm_id, f->addr, &l) &&
	    l.kind != GPUVM_DRV_NONE) {
		answer = GPUVM_MMU_FAULT_RETRY;     /* another thread grew it */
	} else if (g->grown < g->cfg.max_chunks &&
		   !grow_chunk(g, g->cfg.va + off / g->cfg.chunk *
				  g->cfg.chunk)) {
		__atomic_store_n(&g->grown, g->grown + 1, __ATOMIC_RELAXED);
		answer = GPUVM_MMU_FAULT_RETRY;
	}
	pthread_mutex_unlock(&g->lock);
	return answer;
}

static bool grow_cfg_ok(const struct drv_vm *vm, const struct gpuvm_drv_grow *c)
{
	return c->chunk && !(c->chunk & (GPUVM_SZ_4K - 1)) &&
	       !(c->va % c->chunk) && c->size && !(c->size % c->chunk) &&
	       c->va < vm->user_va && c->size <= vm->user_va - c->va &&
	       !(c->flags & ~GROW_FLAGS);
}

int drv_impl_vm_set_grow(const struct drv_excl *x, struct drv_vm *vm,
			 const struct gpuvm_drv_grow *cfg)
{
	struct drv_grow *g;
	int ret;

	(void)x;
	if (!grow_cfg_ok(vm, cfg))
		return -EINVAL;
	if (vm->grow)
		return -EBUSY;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->file = vm->file;
	g->vm_id = vm->id;
	g->cfg = *cfg;
	pthread_mutex_init(&g->lock, NULL);
	ret = gpuvm_mmu_set_fault_hook(vm->as, grow_hook, g);
	if (ret) {
		drv_grow_free(g);
		return ret;
	}
	vm->grow = g;
	return 0;
}

uint64_t drv_grow_chunks(const struct drv_vm *vm)
{
	const struct drv_grow *g = vm->grow;

	return g ? __atomic_load_n(&g->grown, __ATOMIC_RELAXED) : 0;
}

void drv_grow_free(struct drv_grow *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g);
}
