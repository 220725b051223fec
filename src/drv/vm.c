// SPDX-License-Identifier: MIT
/*
 * DOC: VMs and VM_BIND
 *
 * One VM = one VA space (va), one set of page tables (pt) and one MMU
 * address space. A bind op goes through four phases, and only the first
 * two can fail:
 *
 *  1. validate against the panthor uAPI rules (docs/panthor.md §3);
 *  2. build the VA op list and reserve every table page the page-table
 *     changes can take (one reservation for the whole list);
 *  3. apply: unmap what UNMAP and REMAP remove, map what MAP adds, commit
 *     the VA list, update BO references;
 *  4. prune emptied tables, invalidate the TLB over everything that
 *     changed, and only then free those tables.
 *
 * A REMAP unmaps only the hole the request punches into the old mapping:
 * the page tables split blocks themselves and leave the surviving pieces'
 * entries untouched, so prev/next need no remapping, and a sparse range's
 * cyclic pattern or a repeat's phase survives by construction.
 *
 * The VA layer's keep hint is not used: the MAP rewrites entries the
 * UNMAP cleared even when they were already right. Keeping them would
 * save descriptor writes but needs the MAP to skip ranges, which the page
 * tables do not support yet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drv/drv_internal.h"

#define MAP_FLAGS (GPUVM_DRV_OP_MAP_READONLY | GPUVM_DRV_OP_MAP_NOEXEC | \
		   GPUVM_DRV_OP_MAP_UNCACHED | GPUVM_DRV_OP_MAP_SPARSE)
#define PROT_FLAGS (GPUVM_DRV_OP_MAP_READONLY | GPUVM_DRV_OP_MAP_NOEXEC | \
		    GPUVM_DRV_OP_MAP_UNCACHED)

struct drv_vm *drv_vm_lookup(struct gpuvm_drv_file *file, uint32_t id)
{
	return id && id <= GPUVM_DRV_MAX_VMS_PER_FILE ? file->vms[id] : NULL;
}

/* ------------------------------------------------------------------ */
/* Sources: what each kind of mapping puts in the page tables.        */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t bo_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct drv_src *s = cookie;

	return gpuvm_mem_bo_pa(s->mem, s->va->offset + (iova - s->va->addr),
			       contig);
}

/* Contiguity stops where the repeated region wraps around. */
static uint64_t repeat_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct drv_src *s = cookie;
	const struct gpuvm_va *va = s->va;
	uint64_t r = (iova - va->addr + va->phase) % va->repeat, c, pa;

	pa = gpuvm_mem_bo_pa(s->mem, va->offset + r, &c);
	*contig = min_u64(c, va->repeat - r);
	return pa;
}

/* VA x maps dummy offset x mod 2 MiB: a property of the address alone,
 * so any piece of a sparse range stays cyclic without bookkeeping. */
static uint64_t dummy_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct drv_src *s = cookie;
	uint64_t r = iova & (DRV_DUMMY_SIZE - 1), c, pa;

	pa = gpuvm_mem_bo_pa(s->mem, r, &c);
	*contig = min_u64(c, DRV_DUMMY_SIZE - r);
	return pa;
}

uint32_t drv_prot_of(uint32_t flags)
{
	uint32_t prot = 0;

	if (flags & GPUVM_DRV_OP_MAP_READONLY)
		prot |= GPUVM_PT_PROT_READONLY;
	if (flags & GPUVM_DRV_OP_MAP_NOEXEC)
		prot |= GPUVM_PT_PROT_NOEXEC;
	if (flags & GPUVM_DRV_OP_MAP_UNCACHED)
		prot |= GPUVM_PT_PROT_UNCACHED;
	return prot;
}

/*
 * While a BO is evicted its physical addresses are unknown. To estimate
 * what a bind of it will need before bringing it back, count as if it
 * were one aligned run at PA 0: cheap (whole entries count in closed
 * form) and usually right. The real count follows once the BO is back,
 * so an estimate only decides how much room to make first. Such a source
 * is only ever counted with, never written.
 */
static uint64_t estimate_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct drv_src *s = cookie;
	const struct gpuvm_va *va = s->va;
	uint64_t off = gpuvm_va_bo_offset_at(va, iova);

	if (va->kind == GPUVM_VA_REPEAT)
		*contig = va->offset + va->repeat - off;
	else if (va->kind == GPUVM_VA_BO)
		*contig = gpuvm_va_end(va) - iova;
	else
		*contig = DRV_DUMMY_SIZE - (off = iova & (DRV_DUMMY_SIZE - 1));
	return off;
}

uint32_t drv_src_init(struct drv_src *s, struct gpuvm_drv_file *file,
		      const struct gpuvm_va *va)
{
	uint32_t prot = drv_prot_of(va->flags);

	s->va = va;
	s->src.cookie = s;
	s->src.pa_at = bo_pa_at;
	s->src.shared = NULL;
	s->mem = NULL;
	switch (va->kind) {
	case GPUVM_VA_BO:
		s->mem = drv_bo_of(va)->mem;
		break;
	case GPUVM_VA_REPEAT:
		s->mem = drv_bo_of(va)->mem;
		s->src.pa_at = repeat_pa_at;
		break;
	case GPUVM_VA_SPARSE:
		s->src.shared = drv_sparse_tables(file, prot);
		if (file->dev->cfg.sparse == GPUVM_DRV_SPARSE_NULL) {
			s->src.pa_at = NULL;
			prot |= GPUVM_PT_PROT_NULL;
		} else {
			s->mem = file->dummy ? file->dummy->mem : NULL;
			s->src.pa_at = dummy_pa_at;
		}
		break;
	}
	if (!s->mem && s->src.pa_at) {
		s->src.pa_at = estimate_pa_at;
		s->src.shared = NULL;
	}
	return prot;
}

/* ------------------------------------------------------------------ */
/* VMs                                                                 */

static int vm_init(struct drv_vm *vm, struct gpuvm_drv_device *dev)
{
	uint64_t full = 1ull << dev->cfg.va_bits;
	struct gpuvm_va_space_cfg vc = {
		.start = 0, .range = full,
		.reserved_start = vm->user_va,
		.reserved_range = full - vm->user_va,
		.max_mappings = dev->cfg.max_mappings_per_vm,
	};
	struct gpuvm_pt_cfg pc = {
		.mem = dev->mem, .va_bits = dev->cfg.va_bits,
		.pgsizes = dev->cfg.pgsizes,
	};
	struct gpuvm_mmu_as_cfg ac = {
		.mem = dev->mem, .va_bits = dev->cfg.va_bits,
		.tlb_entries = dev->cfg.tlb_entries,
		.checked = !dev->cfg.unchecked,
		.concurrent = true,
	};
	int ret = gpuvm_va_space_create(&vc, &vm->va);

	pthread_mutex_init(&vm->lock, NULL);
	if (!ret) {
		/* Its keys are struct drv_bo pointers: never print them. */
		gpuvm_va_space_set_bo_namer(vm->va, drv_va_bo_namer, NULL);
		ret = gpuvm_pt_create(&pc, &vm->pt);
	}
	if (!ret) {
		ac.root = gpuvm_pt_root(vm->pt);
		ret = gpuvm_mmu_as_create(&ac, &vm->as);
	}
	return ret;
}

/* Drops the BO references of every mapping, then everything else. */
void drv_vm_free(struct drv_vm *vm)
{
	struct gpuvm_va *va;
	uint32_t i;

	if (vm->va) {
		gpuvm_va_for_each_in(va, vm->va, 0, vm->user_va)
			if (va->kind != GPUVM_VA_SPARSE)
				drv_bo_put(drv_bo_of(va));
	}
	drv_vm_cancel_jobs(vm);
	for (i = 0; i < vm->n_evicted; i++)
		drv_bo_put(vm->evicted[i]);
	free(vm->evicted);
	gpuvm_mmu_as_destroy(vm->as);
	if (vm->pt)
		gpuvm_pt_destroy(vm->pt);
	gpuvm_va_space_destroy(vm->va);
	if (vm->file && vm->id)
		vm->file->vms[vm->id] = NULL;
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

int drv_impl_vm_create(struct gpuvm_drv_file *file, uint64_t user_va,
			uint32_t *id)
{
	struct gpuvm_drv_device *dev = file->dev;
	uint64_t full = 1ull << dev->cfg.va_bits;
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
	ret = drv_make_room(dev, 1); /* the top table */
	if (ret)
		return ret;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->user_va = user_va;
	ret = vm_init(vm, dev);
	if (ret) {
		drv_vm_free(vm);
		return ret;
	}
	vm->file = file;
	vm->id = i;
	vm->serial = dev->next_serial++;
	file->vms[i] = vm;
	*id = i;
	return 0;
}

int drv_impl_vm_destroy(struct gpuvm_drv_file *file, uint32_t id)
{
	struct drv_vm *vm = drv_vm_lookup(file, id);

	if (!vm)
		return -EINVAL;
	drv_vm_free(vm);
	drv_sparse_tables_trim(file);
	return 0;
}

int drv_impl_vm_get_state(struct gpuvm_drv_file *file, uint32_t id,
			   enum gpuvm_drv_vm_state *state)
{
	struct drv_vm *vm = drv_vm_lookup(file, id);

	if (!vm)
		return -EINVAL;
	*state = vm->state;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static int check_range(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op)
{
	return gpuvm_va_check_range(vm->va, op->va, op->size);
}

static int check_map_bo(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op,
			struct drv_bo **out)
{
	struct drv_bo *bo = drv_bo_lookup(vm->file, op->bo_handle);
	uint64_t span = op->repeat ? op->repeat : op->size;

	if (!bo || op->bo_offset & (GPUVM_SZ_4K - 1))
		return -EINVAL;
	if (bo->exclusive && bo->exclusive != vm->serial)
		return -EINVAL;
	if (op->repeat & (GPUVM_SZ_4K - 1))
		return -EINVAL;
	if (span > bo->size || op->bo_offset > bo->size - span)
		return -EINVAL;
	*out = bo;
	return 0;
}

/*
 * Checks op and turns a MAP into its VA request. Every rule gives
 * -EINVAL, as panthor's do; MAP on an unusable VM too.
 */
int drv_check_op(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op,
		 struct gpuvm_va *req)
{
	uint32_t type = op->flags & GPUVM_DRV_OP_TYPE_MASK;
	uint32_t mflags = op->flags & ~GPUVM_DRV_OP_TYPE_MASK;
	struct drv_bo *bo = NULL;
	int ret;

	if (mflags & ~MAP_FLAGS)
		return -EINVAL;
	if (type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return mflags || op->bo_handle || op->bo_offset || op->va ||
		       op->size || op->repeat ? -EINVAL : 0;
	if (type == GPUVM_DRV_OP_TYPE_UNMAP)
		return mflags || op->bo_handle || op->bo_offset || op->repeat ?
		       -EINVAL : check_range(vm, op);
	if (type != GPUVM_DRV_OP_TYPE_MAP || vm->state != GPUVM_DRV_VM_USABLE)
		return -EINVAL;
	ret = check_range(vm, op);
	if (ret)
		return ret;
	memset(req, 0, sizeof(*req));
	req->addr = op->va;
	req->range = op->size;
	req->flags = mflags & PROT_FLAGS;
	if (mflags & GPUVM_DRV_OP_MAP_SPARSE) {
		req->kind = GPUVM_VA_SPARSE;
		return op->bo_handle || op->bo_offset || op->repeat ||
		       !(mflags & GPUVM_DRV_OP_MAP_NOEXEC) ? -EINVAL : 0;
	}
	ret = check_map_bo(vm, op, &bo);
	if (ret)
		return ret;
	req->bo = (uint64_t)(uintptr_t)bo;
	req->offset = op->bo_offset;
	req->kind = op->repeat ? GPUVM_VA_REPEAT : GPUVM_VA_BO;
	req->repeat = op->repeat;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Applying a VA op list to the page tables                            */

/* The part of op->va the op removes: all of it, or a REMAP's hole. */
static void removed_range(const struct gpuvm_va_op *op, uint64_t *s,
			  uint64_t *e)
{
	*s = op->prev ? gpuvm_va_end(op->prev) : op->va->addr;
	*e = op->next ? op->next->addr : gpuvm_va_end(op->va);
}

int drv_count_ops(struct drv_vm *vm, const struct gpuvm_va_ops *ops,
		  struct gpuvm_pt_resv *resv)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < ops->count; i++) {
		const struct gpuvm_va_op *op = &ops->op[i];
		struct drv_src src;
		uint64_t s, e;
		uint32_t prot;

		if (op->type == GPUVM_VA_OP_MAP) {
			prot = drv_src_init(&src, vm->file, op->va);
			ret = gpuvm_pt_reserve_map(vm->pt, op->va->addr,
						   op->va->range, &src.src,
						   prot, resv);
		} else {
			removed_range(op, &s, &e);
			ret = gpuvm_pt_reserve_unmap(vm->pt, s, e - s, resv);
		}
	}
	return ret;
}

/* Cannot fail: everything was checked and reserved. */
static void apply_ops(struct drv_vm *vm, const struct gpuvm_va_ops *ops,
		      struct gpuvm_pt_resv *resv,
		      struct gpuvm_pt_gather *gather)
{
	unsigned int i;

	for (i = 0; i < ops->count; i++) {
		const struct gpuvm_va_op *op = &ops->op[i];
		struct drv_src src;
		uint64_t s, e;
		uint32_t prot;

		if (op->type == GPUVM_VA_OP_MAP) {
			prot = drv_src_init(&src, vm->file, op->va);
			gpuvm_pt_map_reserved(vm->pt, op->va->addr,
					      op->va->range, &src.src, prot,
					      resv, gather);
		} else {
			removed_range(op, &s, &e);
			gpuvm_pt_unmap_reserved(vm->pt, s, e - s, resv, gather);
		}
	}
}

static void ref_va(const struct gpuvm_va *va, bool get)
{
	if (!va || va->kind == GPUVM_VA_SPARSE)
		return;
	if (get)
		drv_bo_get(drv_bo_of(va));
	else
		drv_bo_put(drv_bo_of(va));
}

/* Takes the references the new mappings hold, then drops the old ones'. */
static void update_refs(const struct gpuvm_va_ops *ops)
{
	unsigned int i;

	for (i = 0; i < ops->count; i++) {
		const struct gpuvm_va_op *op = &ops->op[i];

		if (op->type == GPUVM_VA_OP_MAP) {
			ref_va(op->va, true);
			continue;
		}
		ref_va(op->prev, true);
		ref_va(op->next, true);
	}
	for (i = 0; i < ops->count; i++)
		if (ops->op[i].type != GPUVM_VA_OP_MAP)
			ref_va(ops->op[i].va, false);
}

void drv_vm_flush(struct drv_vm *vm, struct gpuvm_pt_gather *gather)
{
	gpuvm_pt_prune(vm->pt, gather);
	if (!gpuvm_pt_gather_empty(gather))
		vm->tlb_invalidations++;
	gpuvm_mmu_flush_gather(vm->as, vm->pt, gather);
}

/*
 * The BO a MAP puts in the page tables: its BO, or the file's dummy for
 * a sparse MAP on a dummy device; NULL for UNMAP and NULL sparse. *extra
 * gets the frames it still needs: a restore, or the dummy not made yet.
 */
struct drv_bo *drv_op_target(struct drv_vm *vm, const struct gpuvm_va *req,
			     uint32_t type, uint64_t *extra)
{
	struct drv_bo *bo;

	*extra = 0;
	if (type != GPUVM_DRV_OP_TYPE_MAP)
		return NULL;
	if (req->kind == GPUVM_VA_SPARSE) {
		*extra = drv_sparse_tables_need(vm->file,
						drv_prot_of(req->flags),
						req->addr, req->range);
		if (vm->file->dev->cfg.sparse != GPUVM_DRV_SPARSE_DUMMY)
			return NULL;
		bo = vm->file->dummy;
	} else {
		bo = drv_bo_of(req);
	}
	if (!bo)
		*extra += DRV_DUMMY_SIZE / GPUVM_SZ_4K;
	else if (bo->evicted)
		*extra += bo->size / GPUVM_SZ_4K;
	return bo;
}

/*
 * Makes the MAP's target present: creates the dummy, or brings an
 * evicted BO back, as pinning its pages does in panthor. *restored says
 * it was brought back now: the caller finishes the restore, or undoes it
 * if the op fails.
 */
int drv_target_get(struct drv_vm *vm, const struct gpuvm_va *req,
		   uint32_t type, struct drv_bo **out, bool *restored)
{
	uint64_t extra;
	int ret;

	*restored = false;
	*out = drv_op_target(vm, req, type, &extra);
	if (!*out && type == GPUVM_DRV_OP_TYPE_MAP &&
	    req->kind == GPUVM_VA_SPARSE &&
	    vm->file->dev->cfg.sparse == GPUVM_DRV_SPARSE_DUMMY) {
		ret = drv_dummy_get(vm->file, out);
		if (ret)
			return ret;
	}
	ret = *out ? drv_bo_restore(*out, restored) : 0;
	if (!ret && type == GPUVM_DRV_OP_TYPE_MAP &&
	    req->kind == GPUVM_VA_SPARSE)
		ret = drv_sparse_tables_get(vm->file, drv_prot_of(req->flags),
					    req->addr, req->range);
	return ret;
}

/*
 * Mapping slots an op may still take: max_mappings_per_vm less the live
 * mappings and the slots queued jobs hold (async.c). UINT64_MAX when
 * there is no limit.
 */
uint64_t drv_slots_free(const struct drv_vm *vm)
{
	uint64_t limit = vm->file->dev->cfg.max_mappings_per_vm;
	uint64_t taken = gpuvm_va_space_count(vm->va) + vm->slots_held;

	if (!limit)
		return UINT64_MAX;
	return taken < limit ? limit - taken : 0;
}

/* Mappings a list adds minus those it removes. */
static int64_t ops_net(const struct gpuvm_va_ops *ops)
{
	int64_t d = 0;
	unsigned int i;

	for (i = 0; i < ops->count; i++) {
		const struct gpuvm_va_op *op = &ops->op[i];

		d += op->type == GPUVM_VA_OP_MAP ? 1 : -1;
		d += (op->prev != NULL) + (op->next != NULL);
	}
	return d;
}

/*
 * Builds the VA op list. The VA space refuses a list that passes the
 * limit by itself; a list that would take slots queued jobs hold is
 * refused here, so those jobs find their slots when they run.
 */
int drv_prepare_op(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op,
		   const struct gpuvm_va *req, struct gpuvm_va_ops **ops)
{
	int64_t net;
	int ret;

	if ((op->flags & GPUVM_DRV_OP_TYPE_MASK) == GPUVM_DRV_OP_TYPE_UNMAP)
		ret = gpuvm_va_unmap_prepare(vm->va, op->va, op->size, ops);
	else
		ret = gpuvm_va_map_prepare(vm->va, req, ops);
	if (ret)
		return ret;
	net = ops_net(*ops);
	if (net > 0 && (uint64_t)net > drv_slots_free(vm)) {
		gpuvm_va_ops_free(*ops);
		*ops = NULL;
		return -ENOSPC;
	}
	return 0;
}

/*
 * Builds the op list and checks that it fits in the budget, with extra
 * frames for the target; the shrinker makes room if needed. The list is
 * dropped before the shrinker runs (eviction changes what it points at)
 * and built again after. A bind that cannot fit evicts nothing.
 */
static int admit(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op,
		 const struct gpuvm_va *req, uint64_t extra,
		 struct gpuvm_va_ops **ops)
{
	struct gpuvm_drv_device *dev = vm->file->dev;
	struct gpuvm_pt_resv resv = { 0 };
	unsigned int tries;
	int ret;

	uint64_t need;

	for (tries = 0;; tries++) {
		drv_resv_limit(dev, &resv);
		ret = drv_prepare_op(vm, op, req, ops);
		if (!ret)
			ret = drv_count_ops(vm, *ops, &resv);
		need = resv.need;
		/* A count holds page-table slots for shared tables; the
		 * shrinker may destroy tables, so let go first. */
		gpuvm_pt_resv_release(vm->pt, &resv);
		if (ret || drv_fits(dev, need + extra))
			return ret;
		gpuvm_va_ops_free(*ops);
		*ops = NULL;
		ret = tries < 3 ? drv_make_room(dev, need + extra) : -ENOMEM;
		if (ret)
			return ret;
	}
}

/* Counts again, now that the target's addresses are known, and fills. */
static int reserve(struct drv_vm *vm, const struct gpuvm_va_ops *ops,
		   struct gpuvm_pt_resv *resv)
{
	int ret = drv_count_ops(vm, ops, resv);

	return ret ? ret : gpuvm_pt_resv_fill(vm->pt, resv);
}

/* The hull of what the list changes: the region accesses must not see. */
static void changed_hull(const struct gpuvm_va_ops *ops, uint64_t *start,
			 uint64_t *end)
{
	unsigned int i;
	uint64_t s, e;

	*start = UINT64_MAX;
	*end = 0;
	for (i = 0; i < ops->count; i++) {
		const struct gpuvm_va_op *op = &ops->op[i];

		if (op->type == GPUVM_VA_OP_MAP) {
			s = op->va->addr;
			e = gpuvm_va_end(op->va);
		} else {
			removed_range(op, &s, &e);
		}
		*start = s < *start ? s : *start;
		*end = e > *end ? e : *end;
	}
}

/*
 * Applies a reserved list. Accesses to the changed region wait while the
 * tables change and until the TLB has forgotten the old translations
 * (panthor's AS lock around an update), so they see before or after.
 */
void drv_apply_and_commit(struct drv_vm *vm, struct gpuvm_va_ops *ops,
			  struct gpuvm_pt_resv *resv)
{
	struct gpuvm_pt_gather gather;
	uint64_t start, end;

	changed_hull(ops, &start, &end);
	if (start < end)
		gpuvm_mmu_lock_region(vm->as, start, end - start);
	gpuvm_pt_gather_init(&gather);
	apply_ops(vm, ops, resv, &gather);
	gpuvm_va_ops_commit(ops);
	update_refs(ops);
	drv_vm_flush(vm, &gather);
	if (start < end)
		gpuvm_mmu_unlock_region(vm->as);
}

/* Finishes or undoes what drv_target_get() did, as the op went. */
static void target_put(struct gpuvm_drv_file *file, struct drv_bo *target,
		       bool restored, bool had_dummy, int ret)
{
	if (target) {
		target->pins--;
		if (restored && ret)
			drv_bo_restore_undo(target);
		else if (restored)
			drv_bo_restore_done(target);
		if (!ret)
			drv_bo_touch(target);
	}
	if (ret)
		drv_drop_new_dummy(file, had_dummy);
}

static int bind_one(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op)
{
	uint32_t type = op->flags & GPUVM_DRV_OP_TYPE_MASK;
	bool had_dummy = vm->file->dummy != NULL, restored = false;
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_va_ops *ops = NULL;
	struct drv_bo *target;
	struct gpuvm_va req;
	uint64_t extra;
	int ret = drv_check_op(vm, op, &req);

	if (ret || type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return ret;
	target = drv_op_target(vm, &req, type, &extra);
	if (extra && req.kind != GPUVM_VA_SPARSE) {
		/*
		 * An evicted BO: make room for it and an estimate of its
		 * tables before bringing it back, so a bind that cannot fit
		 * costs nobody their residency.
		 */
		target->pins++;
		ret = admit(vm, op, &req, extra, &ops);
		target->pins--;
		gpuvm_va_ops_free(ops);
		ops = NULL;
	}
	/*
	 * A sparse range's dummy and shared tables come first: what the
	 * range needs depends on them (a TiB links two tables, or builds a
	 * thousand), so counting without them would be far off.
	 */
	target = NULL;
	if (!ret)
		ret = drv_target_get(vm, &req, type, &target, &restored);
	if (target)
		target->pins++; /* the shrinker must not take it meanwhile */
	if (!ret)
		ret = admit(vm, op, &req, 0, &ops);
	if (!ret) {
		drv_resv_limit(vm->file->dev, &resv);
		ret = reserve(vm, ops, &resv);
	}
	if (!ret)
		drv_apply_and_commit(vm, ops, &resv);
	gpuvm_pt_resv_release(vm->pt, &resv);
	gpuvm_va_ops_free(ops);
	target_put(vm->file, target, restored, had_dummy, ret);
	drv_sparse_tables_trim(vm->file);
	return ret;
}

void drv_drop_new_dummy(struct gpuvm_drv_file *file, bool had_dummy)
{
	/* A failed op leaves no trace, not even the lazy dummy. */
	if (had_dummy || !file->dummy)
		return;
	drv_sparse_tables_drop(file);
	drv_bo_put(file->dummy);
	file->dummy = NULL;
}

/* One synchronous op, with everything it may need (exclusive lock). */
int drv_bind_op(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op)
{
	/* Syncs belong to queued binds: panthor refuses them here. */
	return op->n_syncs ? -EINVAL : bind_one(vm, op);
}

/*
 * The common case of a synchronous op, run under the shared lock and the
 * VM's own, in parallel with binds on other VMs: its target resident,
 * its shared tables there, its page tables within the budget. -EAGAIN
 * when it needs more (a dummy to make, a BO to restore, shared tables to
 * build, room to make): the caller then runs drv_bind_op() under the
 * exclusive lock. Every other result is final, errors included.
 */
int drv_bind_fast(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op)
{
	uint32_t type = op->flags & GPUVM_DRV_OP_TYPE_MASK;
	struct gpuvm_drv_device *dev = vm->file->dev;
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_va_ops *ops = NULL;
	struct drv_bo *target;
	struct gpuvm_va req;
	uint64_t extra;
	int ret = drv_check_op(vm, op, &req);

	/* Syncs belong to queued binds: panthor refuses them here. */
	if (!ret && op->n_syncs)
		ret = -EINVAL;
	if (ret || type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return ret;
	target = drv_op_target(vm, &req, type, &extra);
	if (extra)
		return -EAGAIN;
	if (target)
		drv_bo_pin_get(target);
	drv_resv_limit(dev, &resv);
	ret = drv_prepare_op(vm, op, &req, &ops);
	if (!ret)
		ret = drv_count_ops(vm, ops, &resv);
	if (!ret && !drv_charge(dev, resv.need))
		ret = -EAGAIN;
	if (!ret) {
		ret = gpuvm_pt_resv_fill(vm->pt, &resv);
		drv_uncharge(dev, resv.need);
	}
	if (!ret)
		drv_apply_and_commit(vm, ops, &resv);
	gpuvm_pt_resv_release(vm->pt, &resv);
	gpuvm_va_ops_free(ops);
	if (target) {
		drv_bo_pin_put(target);
		if (!ret)
			drv_bo_touch(target);
	}
	return ret;
}

int drv_impl_gpu_access(struct gpuvm_drv_file *file, uint32_t vm_id,
			 enum gpuvm_mmu_access access, uint64_t va, void *buf,
			 size_t len, struct gpuvm_mmu_fault *fault)
{
	struct drv_vm *vm = drv_vm_lookup(file, vm_id);

	if (!vm)
		return -EINVAL;
	switch (access) {
	case GPUVM_MMU_READ:
		return gpuvm_mmu_read(vm->as, va, buf, len, fault);
	case GPUVM_MMU_WRITE:
		return gpuvm_mmu_write(vm->as, va, buf, len, fault);
	case GPUVM_MMU_EXEC:
		return gpuvm_mmu_fetch(vm->as, va, buf, len, fault);
	}
	return -EINVAL;
}
