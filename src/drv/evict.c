// SPDX-License-Identifier: MIT
/*
 * DOC: the shrinker, eviction and restore
 *
 * Every allocation the driver makes under the exclusive lock (BOs, the
 * dummy, shared tables, page-table reservations, restores) first asks
 * drv_make_room() for its frames; when they would not fit the budget
 * (budget.c), the shrinker evicts unpinned resident BOs, least recently
 * used first, until they do. The sparse dummy is a BO like any other.
 *
 * Evicting a BO saves its contents in host memory (simulated swap, outside
 * the simulated RAM), unmaps every VA that uses it in every VM of its file
 * (each VM's TLB invalidated), marks those VAs evicted and frees its
 * frames. A GPU access to an evicted VA then faults with a translation
 * fault, as on hardware.
 *
 * Restore is per VM (gpuvm_drv_vm_validate(), what a driver runs before
 * a job): each VM keeps the list of BOs with evicted VAs in it, brings
 * each back (contents intact, same run layout) and remaps each of its
 * evicted VAs exactly as it was: the VA manager still holds the mapping,
 * and its source (BO offsets, repeat phase, the cyclic dummy over the
 * whole sparse extent) gives the same page tables. Panthor's sparse series
 * remapped only the first 2 MiB of a sparse range here; a range is one
 * source, so gpuvm cannot.
 *
 * An evicted VA is marked through its VA-manager priv, which the VA
 * manager carries to the pieces that survive a split: a piece of an
 * evicted mapping is evicted too, without the driver doing anything.
 *
 * Eviction never runs while a VA op list or a page-table count is
 * alive: callers count what they need, and when it does not fit they let
 * go, make room and count again (bind.c). So an op list never points at
 * state the shrinker changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drv/drv_internal.h"

static char evicted_marker;
void *const drv_va_evicted = &evicted_marker;

/* ------------------------------------------------------------------ */
/* The shrinker                                                        */

static struct drv_bo *oldest_evictable(struct gpuvm_drv_device *dev)
{
	struct drv_bo *bo;

	for (bo = dev->lru_head; bo; bo = bo->lru_next)
		if (!bo->evicted && !bo->pins)
			return bo;
	return NULL;
}

/* Frames the shrinker could free by evicting every evictable BO. */
static uint64_t evictable_frames(struct gpuvm_drv_device *dev)
{
	struct drv_bo *bo;
	uint64_t n = 0;

	for (bo = dev->lru_head; bo; bo = bo->lru_next)
		if (!bo->evicted && !bo->pins)
			n += bo->size / GPUVM_SZ_4K;
	return n;
}

/*
 * Evicts LRU-first until frames more fit. When even evicting everything
 * could not make them fit, it fails at once and evicts nothing: a request
 * that cannot succeed must not cost other BOs their residency.
 */
int drv_make_room(const struct drv_excl *x, uint64_t frames)
{
	struct gpuvm_drv_device *dev = x->dev;
	uint64_t budget = dev->budget / GPUVM_SZ_4K;
	struct drv_bo *bo;
	int ret;

	if (drv_fits(dev, frames))
		return 0;
	if (frames > budget ||
	    drv_frames_used(dev) - evictable_frames(dev) > budget - frames)
		return -ENOMEM;
	while (!drv_fits(dev, frames)) {
		bo = oldest_evictable(dev);
		if (!bo)
			return -ENOMEM;
		ret = drv_bo_evict(x, bo);
		if (ret)
			return ret;
	}
	return 0;
}

int drv_impl_reclaim(const struct drv_excl *x, uint64_t bytes,
		     uint64_t *freed)
{
	struct gpuvm_drv_device *dev = x->dev;
	uint64_t before = drv_frames_used(dev), now;
	struct drv_bo *bo;
	int ret = 0;

	if (bytes & (GPUVM_SZ_4K - 1))
		return -EINVAL;
	for (;;) {
		now = drv_frames_used(dev);
		if ((before - now) * GPUVM_SZ_4K >= bytes)
			break;
		bo = oldest_evictable(dev);
		if (!bo)
			break;
		ret = drv_bo_evict(x, bo);
		if (ret)
			break;
	}
	if (freed)
		*freed = (before - drv_frames_used(dev)) * GPUVM_SZ_4K;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Eviction                                                            */

static bool on_list(const struct drv_vm *vm, const struct drv_bo *bo)
{
	uint32_t i;

	for (i = 0; i < vm->n_evicted; i++)
		if (vm->evicted[i] == bo)
			return true;
	return false;
}

static bool maps_resident(struct drv_vm *vm, const struct drv_bo *bo)
{
	const struct gpuvm_va *va;

	gpuvm_va_for_each_of_bo(va, vm->va, drv_va_key(bo))
		if (va->priv != drv_va_evicted)
			return true;
	return false;
}

/* Room on vm's evicted list for bo, so the eviction itself cannot fail. */
static int list_room(struct drv_vm *vm, const struct drv_bo *bo)
{
	struct drv_bo **p;
	uint32_t cap;

	if (vm->n_evicted < vm->cap_evicted || on_list(vm, bo) ||
	    !maps_resident(vm, bo))
		return 0;
	cap = vm->cap_evicted ? vm->cap_evicted * 2 : 8;
	p = realloc(vm->evicted, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	vm->evicted = p;
	vm->cap_evicted = cap;
	return 0;
}

/*
 * The hull of bo's mappings in vm that are (evicted) or are not evicted:
 * the region GPU accesses must not see change. false if there are none.
 */
static bool bo_hull(struct drv_vm *vm, const struct drv_bo *bo, bool evicted,
		    uint64_t *start, uint64_t *end)
{
	const struct gpuvm_va *va;

	*start = UINT64_MAX;
	*end = 0;
	gpuvm_va_for_each_of_bo(va, vm->va, drv_va_key(bo)) {
		if ((va->priv == drv_va_evicted) != evicted)
			continue;
		*start = va->addr < *start ? va->addr : *start;
		*end = gpuvm_va_end(va) > *end ? gpuvm_va_end(va) : *end;
	}
	return *start < *end;
}

/*
 * Unmaps bo's resident VAs in vm and marks them evicted. Cannot fail.
 * Accesses to the changed region wait (they take no driver lock), so
 * they see the BO mapped or evicted, never a mix.
 */
static void unmap_in_vm(struct drv_vm *vm, struct drv_bo *bo)
{
	struct gpuvm_pt_resv none = { 0 };
	struct gpuvm_pt_gather gather;
	struct gpuvm_va *va;
	uint64_t start, end;

	if (!bo_hull(vm, bo, false, &start, &end))
		return;
	gpuvm_mmu_lock_region(vm->as, start, end - start);
	gpuvm_pt_gather_init(&gather);
	gpuvm_va_for_each_of_bo(va, vm->va, drv_va_key(bo)) {
		if (va->priv == drv_va_evicted)
			continue;
		/* A mapping's leaves never cross its ends: no split, no page. */
		gpuvm_pt_unmap_reserved(vm->pt, va->addr, va->range, &none,
					&gather);
		va->priv = drv_va_evicted;
	}
	drv_vm_flush(vm, &gather);
	gpuvm_mmu_unlock_region(vm->as);
	if (!on_list(vm, bo)) {
		drv_bo_get(bo);
		vm->evicted[vm->n_evicted++] = bo;
	}
}

int drv_bo_evict(const struct drv_excl *x, struct drv_bo *bo)
{
	struct gpuvm_drv_file *f = bo->file;
	uint32_t i;
	struct drv_swap *swap;
	int ret;

	if (bo->evicted)
		return 0;
	if (bo->pins)
		return -EBUSY;
	ret = drv_swap_out(bo->mem, bo->size, &swap);
	if (ret)
		return ret;
	for (i = 1; !ret && i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		if (f->vms[i])
			ret = list_room(f->vms[i], bo);
	if (ret) {
		drv_swap_free(swap);
		return ret;
	}
	for (i = 1; i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		if (f->vms[i])
			unmap_in_vm(f->vms[i], bo);
	/* Nothing links to the dummy's shared tables now; they map frames
	 * about to be freed. */
	if (bo == f->dummy)
		drv_sparse_tables_drop(x, f);
	gpuvm_mem_bo_destroy(bo->mem);
	bo->mem = NULL;
	bo->swap = swap;
	bo->evicted = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Restore                                                             */

/*
 * Brings bo's contents back into fresh frames with its old run layout.
 * The swap copy stays until drv_bo_restore_done(), so an op that fails
 * after restoring its target can put it back as it was with
 * drv_bo_restore_undo(), which needs no memory.
 */
int drv_bo_restore(const struct drv_excl *x, struct drv_bo *bo,
		   bool *restored)
{
	struct gpuvm_drv_device *dev = bo->file->dev;
	struct gpuvm_mem_bo *mem;
	int ret;

	*restored = false;
	if (!bo->evicted)
		return 0;
	bo->pins++;
	ret = drv_make_room(x, bo->size / GPUVM_SZ_4K);
	bo->pins--;
	if (ret)
		return ret;
	ret = gpuvm_mem_bo_create(dev->mem, bo->size, bo->chunks, &mem);
	if (ret)
		return ret;
	drv_swap_in(bo->swap, mem);
	bo->mem = mem;
	bo->evicted = false;
	*restored = true;
	return 0;
}

void drv_bo_restore_done(struct drv_bo *bo)
{
	drv_swap_free(bo->swap);
	bo->swap = NULL;
	drv_bo_touch(bo);
}

void drv_bo_restore_undo(const struct drv_excl *x, struct drv_bo *bo)
{
	if (bo == bo->file->dummy)
		drv_sparse_tables_drop(x, bo->file);
	gpuvm_mem_bo_destroy(bo->mem);
	bo->mem = NULL;
	bo->evicted = true;
}

int drv_bo_make_resident(const struct drv_excl *x, struct drv_bo *bo)
{
	bool restored;
	int ret = drv_bo_restore(x, bo, &restored);

	if (!ret && restored)
		drv_bo_restore_done(bo);
	return ret;
}

static int reserve_evicted(struct drv_vm *vm, struct drv_bo *bo,
			   struct gpuvm_pt_resv *resv)
{
	const struct gpuvm_va *va;
	struct drv_src src;
	uint32_t prot;
	int ret;

	gpuvm_va_for_each_of_bo(va, vm->va, drv_va_key(bo)) {
		if (va->priv != drv_va_evicted)
			continue;
		prot = drv_src_init(&src, vm->file, va);
		ret = gpuvm_pt_reserve_map(vm->pt, va->addr, va->range,
					   &src.src, prot, resv);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Counts the tables bo's evicted VAs in vm need, making room in the
 * budget when they do not fit, and fills the reservation. Counting again
 * after making room matters: evicting prunes tables a count relied on.
 */
static int reserve_room(const struct drv_excl *x, struct drv_vm *vm,
			struct drv_bo *bo, struct gpuvm_pt_resv *resv)
{
	unsigned int tries;
	int ret;

	for (tries = 0;; tries++) {
		resv->need = 0;
		ret = reserve_evicted(vm, bo, resv);
		if (ret)
			return ret;
		if (drv_fits(x->dev, resv->need) || tries == 3)
			break;
		ret = drv_make_room(x, resv->need);
		if (ret)
			return ret;
	}
	if (!drv_fits(x->dev, resv->need))
		return -ENOMEM;
	return gpuvm_pt_resv_fill(vm->pt, resv);
}

/* Remaps every evicted VA of a resident bo in vm. */
static int remap_evicted(const struct drv_excl *x, struct drv_vm *vm,
			 struct drv_bo *bo)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_gather gather;
	uint64_t start, end;
	struct gpuvm_va *va;
	struct drv_src src;
	uint32_t prot;
	bool locked;
	int ret;

	drv_resv_limit(x->dev, &resv);
	ret = reserve_room(x, vm, bo, &resv);
	if (ret) {
		gpuvm_pt_resv_release(vm->pt, &resv);
		return ret;
	}
	locked = bo_hull(vm, bo, true, &start, &end);
	if (locked)
		gpuvm_mmu_lock_region(vm->as, start, end - start);
	gpuvm_pt_gather_init(&gather);
	gpuvm_va_for_each_of_bo(va, vm->va, drv_va_key(bo)) {
		if (va->priv != drv_va_evicted)
			continue;
		prot = drv_src_init(&src, vm->file, va);
		gpuvm_pt_map_reserved(vm->pt, va->addr, va->range, &src.src,
				      prot, &resv, &gather);
		va->priv = NULL;
	}
	drv_vm_flush(vm, &gather);
	if (locked)
		gpuvm_mmu_unlock_region(vm->as);
	gpuvm_pt_resv_release(vm->pt, &resv);
	return 0;
}

/*
 * Restores vm->evicted[i]. It stays pinned until the whole validate is
 * over, so making room for the next one cannot evict it again (which
 * could otherwise ping-pong forever under a tight budget).
 */
static int restore_one(const struct drv_excl *x, struct drv_vm *vm,
		       uint32_t i)
{
	struct drv_bo *bo = vm->evicted[i];
	int ret = drv_bo_make_resident(x, bo);

	if (ret)
		return ret;
	if (bo == bo->file->dummy)
		drv_sparse_tables_rebuild(x, bo->file);
	bo->pins++;
	ret = remap_evicted(x, vm, bo);
	if (ret)
		bo->pins--;
	return ret;
}

/*
 * Brings back every BO on the list and remaps its evicted VAs. Making
 * room may evict other BOs of this VM, which join the end of the list and
 * are restored in turn; each restored BO is pinned, so this ends. On
 * -ENOMEM what was restored stays restored and the rest stays listed:
 * the VM is consistent and a later validate continues.
 */
int drv_impl_vm_validate(const struct drv_excl *x, struct drv_vm *vm)
{
	uint32_t i, done;
	int ret = 0;

	for (done = 0; done < vm->n_evicted; done++) {
		ret = restore_one(x, vm, done);
		if (ret)
			break;
	}
	for (i = 0; i < done; i++) {
		vm->evicted[i]->pins--;
		drv_bo_put(vm->evicted[i]);
	}
	if (done) {
		memmove(vm->evicted, vm->evicted + done,
			(vm->n_evicted - done) * sizeof(*vm->evicted));
		vm->n_evicted -= done;
	}
	/* Rebuilt sets that no restored range came to link to go again. */
	drv_sparse_tables_trim(x, vm->file);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Handles                                                             */

int drv_impl_bo_evict(const struct drv_excl *x, struct gpuvm_drv_file *file,
		      uint32_t handle)
{
	struct drv_bo *bo = drv_bo_lookup(file, handle);

	return bo ? drv_bo_evict(x, bo) : -EINVAL;
}

int drv_impl_dummy_evict(const struct drv_excl *x,
			 struct gpuvm_drv_file *file)
{
	return file->dummy ? drv_bo_evict(x, file->dummy) : -ENOENT;
}

int drv_impl_bo_resident(struct gpuvm_drv_file *file, uint32_t handle,
			 bool *resident)
{
	struct drv_bo *bo = handle ? drv_bo_lookup(file, handle) : file->dummy;

	if (!bo)
		return handle ? -EINVAL : -ENOENT;
	*resident = !bo->evicted;
	return 0;
}

int drv_impl_bo_pin(const struct drv_excl *x, struct gpuvm_drv_file *file,
		    uint32_t handle, bool pin)
{
	struct drv_bo *bo = drv_bo_lookup(file, handle);
	int ret;

	if (!bo)
		return -EINVAL;
	if (!pin) {
		if (!bo->user_pinned)
			return -EINVAL;
		bo->user_pinned = false;
		bo->pins--;
		return 0;
	}
	if (bo->user_pinned)
		return 0;
	ret = drv_bo_make_resident(x, bo);
	if (ret)
		return ret;
	bo->user_pinned = true;
	bo->pins++;
	return 0;
}
