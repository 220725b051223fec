// SPDX-License-Identifier: MIT
/*
 * DOC: one bind op, from request to cleanup
 *
 * Every VM_BIND op, synchronous or queued, is carried by one struct
 * drv_op through the same named steps (drv_internal.h draws them):
 *
 *   check -> target -> admit -> reserve -> apply -> finish
 *
 * Only apply cannot fail; everything that can fail (the uAPI rules, room
 * in the budget, the dummy, a restore, page-table pages, the VA op list)
 * happens before it, and each step records in the op what it did, so
 * that drv_op_finish() can undo exactly that when a later step fails:
 * unpin the target, bring a restore back to swap, drop a dummy made for
 * this op, return page-table pages and budget claims. A failed op leaves
 * the VM, its mappings, its tables and its target as they were. (One
 * thing stands, as reclaim does in a kernel: BOs the shrinker evicted to
 * make room stay evicted, contents intact.)
 *
 * Three paths run the steps:
 *
 *  - the fast path (drv_bind_fast, VM locked, device lock shared): the
 *    target is present and the tables fit the budget; binds on other
 *    VMs run alongside. It gives up with -EAGAIN at the first step that
 *    would need the device alone (a dummy to make, a BO to restore,
 *    shared tables to build, room to make), having undone its own steps
 *    but kept the check (drv_op_park);
 *  - the full path (drv_bind_full, device lock exclusive) picks the op
 *    up there (drv_op_resume) and does all of it;
 *  - queued ops (async.c) run check..reserve at submission, reserving
 *    for the worst case, and apply when their waits are met.
 *
 * An op is checked once, targeted once per attempt and counted once per
 * attempt: admission keeps the count it admitted with. A count is redone
 * only when what it assumed changed: after the shrinker ran (it prunes
 * tables a count relied on) or when the target came into being after the
 * count (its physical layout decides the leaf sizes).
 *
 * DOC: a REMAP in the page tables
 *
 * A REMAP unmaps only the hole the request punches into the old mapping:
 * the page tables split blocks themselves and leave the surviving pieces'
 * entries untouched, so prev and next need no remapping, and a sparse
 * range's cyclic pattern or a repeat's phase survives by construction.
 * The VA layer's keep hint is not used: a MAP rewrites entries an UNMAP
 * of the same list cleared even when they were already right.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drv/drv_internal.h"

#define MAP_FLAGS (GPUVM_DRV_OP_MAP_READONLY | GPUVM_DRV_OP_MAP_NOEXEC | \
		   GPUVM_DRV_OP_MAP_UNCACHED | GPUVM_DRV_OP_MAP_SPARSE)
#define PROT_FLAGS (GPUVM_DRV_OP_MAP_READONLY | GPUVM_DRV_OP_MAP_NOEXEC | \
		    GPUVM_DRV_OP_MAP_UNCACHED)

static bool is_map(const struct drv_op *o)
{
	return o->type == GPUVM_DRV_OP_TYPE_MAP;
}

static bool is_sparse_map(const struct drv_op *o)
{
	return is_map(o) && o->req.kind == GPUVM_VA_SPARSE;
}

/* ------------------------------------------------------------------ */
/* check: the uAPI rules (docs/panthor.md B1-B9)                       */

static int check_map_bo(struct drv_op *o)
{
	const struct gpuvm_drv_bind_op *op = &o->op;
	struct drv_bo *bo = drv_bo_lookup(o->vm->file, op->bo_handle);
	uint64_t span = op->repeat ? op->repeat : op->size;

	if (!bo || op->bo_offset & (GPUVM_SZ_4K - 1))
		return -EINVAL;
	if (bo->exclusive && bo->exclusive != o->vm->serial)
		return -EINVAL;
	if (op->repeat & (GPUVM_SZ_4K - 1))
		return -EINVAL;
	if (span > bo->size || op->bo_offset > bo->size - span)
		return -EINVAL;
	o->bo = bo;
	return 0;
}

/* Every rule gives -EINVAL, as panthor's do; MAP on an unusable VM too. */
static int check_rules(struct drv_op *o)
{
	const struct gpuvm_drv_bind_op *op = &o->op;
	uint32_t mflags = op->flags & ~GPUVM_DRV_OP_TYPE_MASK;
	struct gpuvm_va *req = &o->req;
	int ret;

	if (mflags & ~MAP_FLAGS)
		return -EINVAL;
	if (o->type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return mflags || op->bo_handle || op->bo_offset || op->va ||
		       op->size || op->repeat ? -EINVAL : 0;
	if (o->type == GPUVM_DRV_OP_TYPE_UNMAP)
		return mflags || op->bo_handle || op->bo_offset || op->repeat ?
		       -EINVAL : gpuvm_va_check_range(o->vm->va, op->va,
						      op->size);
	if (!is_map(o) || o->vm->state != GPUVM_DRV_VM_USABLE)
		return -EINVAL;
	ret = gpuvm_va_check_range(o->vm->va, op->va, op->size);
	if (ret)
		return ret;
	req->addr = op->va;
	req->range = op->size;
	req->flags = mflags & PROT_FLAGS;
	if (mflags & GPUVM_DRV_OP_MAP_SPARSE) {
		req->kind = GPUVM_VA_SPARSE;
		return op->bo_handle || op->bo_offset || op->repeat ||
		       !(mflags & GPUVM_DRV_OP_MAP_NOEXEC) ? -EINVAL : 0;
	}
	ret = check_map_bo(o);
	if (ret)
		return ret;
	req->bo = (uint64_t)(uintptr_t)o->bo;
	req->offset = op->bo_offset;
	req->kind = op->repeat ? GPUVM_VA_REPEAT : GPUVM_VA_BO;
	req->repeat = op->repeat;
	return 0;
}

/* The syncs' own rules; creates nothing. */
static int check_syncs(const struct gpuvm_drv_bind_op *op)
{
	uint32_t i;

	if (op->n_syncs && !op->syncs)
		return -EINVAL;
	for (i = 0; i < op->n_syncs; i++) {
		const struct gpuvm_drv_sync *sy = &op->syncs[i];

		if ((sy->flags != GPUVM_DRV_SYNC_WAIT &&
		     sy->flags != GPUVM_DRV_SYNC_SIGNAL) ||
		    !sy->timeline || !sy->point)
			return -EINVAL;
	}
	return 0;
}

/* A queued op outlives the caller's array: it keeps its own syncs. */
static int copy_syncs(struct drv_op *o)
{
	size_t n = o->op.n_syncs;

	if (!n) {
		o->op.syncs = NULL;
		return 0;
	}
	o->syncs = calloc(n, sizeof(*o->syncs));
	if (!o->syncs)
		return -ENOMEM;
	memcpy(o->syncs, o->op.syncs, n * sizeof(*o->syncs));
	o->op.syncs = o->syncs;
	return 0;
}

/*
 * Starts an op on vm: records the request and checks it. A MAP's BO is
 * referenced from here on, so the op may drop and retake locks (the fast
 * path's retry) without its BO going away under it.
 */
int drv_op_check(struct drv_op *o, struct drv_vm *vm,
		 const struct gpuvm_drv_bind_op *op, bool queued)
{
	int ret;

	memset(o, 0, sizeof(*o));
	o->vm = vm;
	o->vm_serial = vm->serial;
	o->op = *op;
	o->type = op->flags & GPUVM_DRV_OP_TYPE_MASK;
	o->hold = -1;
	if (!queued) {
		o->op.syncs = NULL;
		ret = check_rules(o);
		/* Syncs belong to queued binds: panthor refuses them here. */
		if (!ret && op->n_syncs)
			ret = -EINVAL;
	} else {
		ret = check_syncs(op);
		if (!ret)
			ret = check_rules(o);
		if (!ret)
			ret = copy_syncs(o);
	}
	if (ret) {
		o->bo = NULL;
		o->op.syncs = o->syncs;
		return ret;
	}
	if (o->bo)
		drv_bo_get(o->bo);
	return 0;
}

/* ------------------------------------------------------------------ */
/* target                                                              */

/*
 * What a MAP puts in the tables: its BO, or the file's dummy for a
 * sparse MAP on a dummy device; nothing for UNMAP, SYNC_ONLY and NULL
 * sparse. The target is pinned so the shrinker leaves it alone while the
 * op makes room. extra: the frames it still needs, a restore, a dummy
 * not made yet, shared tables not built yet.
 */
void drv_op_target(struct drv_op *o)
{
	struct gpuvm_drv_file *file = o->vm->file;
	struct drv_bo *t;

	o->target = NULL;
	o->extra = 0;
	if (!is_map(o))
		return;
	if (is_sparse_map(o)) {
		o->extra = drv_sparse_tables_need(file,
						  drv_prot_of(o->req.flags),
						  o->req.addr, o->req.range);
		if (file->dev->cfg.sparse != GPUVM_DRV_SPARSE_DUMMY)
			return;
		t = file->dummy;
		if (!t)
			o->extra += DRV_DUMMY_SIZE / GPUVM_SZ_4K;
	} else {
		t = o->bo;
	}
	if (!t)
		return;
	if (t->evicted)
		o->extra += t->size / GPUVM_SZ_4K;
	drv_bo_pin_get(t);
	o->target = t;
}

/* ------------------------------------------------------------------ */
/* admit: the VA op list, its count, room in the budget                */

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
 * mapping limit by itself; one that would take slots queued ops hold is
 * refused here, so those find their slots when they run.
 */
static int build_ops(struct drv_op *o)
{
	struct drv_vm *vm = o->vm;
	int64_t net;
	int ret;

	if (o->type == GPUVM_DRV_OP_TYPE_UNMAP)
		ret = gpuvm_va_unmap_prepare(vm->va, o->op.va, o->op.size,
					     &o->ops);
	else
		ret = gpuvm_va_map_prepare(vm->va, &o->req, &o->ops);
	if (ret)
		return ret;
	net = ops_net(o->ops);
	if (net > 0 && (uint64_t)net > drv_slots_free(vm))
		return -ENOSPC;
	return 0;
}

/* The part of op->va the op removes: all of it, or a REMAP's hole. */
static void removed_range(const struct gpuvm_va_op *op, uint64_t *s,
			  uint64_t *e)
{
	*s = op->prev ? gpuvm_va_end(op->prev) : op->va->addr;
	*e = op->next ? op->next->addr : gpuvm_va_end(op->va);
}

/* Counts the tables the list needs into o->resv. */
static int count_ops(struct drv_op *o)
{
	struct drv_vm *vm = o->vm;
	unsigned int i;
	int ret = 0;

	drv_resv_limit(vm->file->dev, &o->resv);
	for (i = 0; !ret && i < o->ops->count; i++) {
		const struct gpuvm_va_op *op = &o->ops->op[i];
		struct drv_src src;
		uint64_t s, e;
		uint32_t prot;

		if (op->type == GPUVM_VA_OP_MAP) {
			prot = drv_src_init(&src, vm->file, op->va);
			ret = gpuvm_pt_reserve_map(vm->pt, op->va->addr,
						   op->va->range, &src.src,
						   prot, &o->resv);
		} else {
			removed_range(op, &s, &e);
			ret = gpuvm_pt_reserve_unmap(vm->pt, s, e - s,
						     &o->resv);
		}
	}
	return ret;
}

/*
 * Lets go of the list and its count: the shrinker is about to run, and
 * eviction changes what a list points at and prunes tables a count
 * relied on (a count holds page-table slots for shared tables).
 */
static void drop_count(struct drv_op *o)
{
	gpuvm_va_ops_free(o->ops);
	o->ops = NULL;
	gpuvm_pt_resv_release(o->vm->pt, &o->resv);
}

/* The frames the op takes beyond its tables: a target to bring back. */
static uint64_t target_frames(const struct drv_op *o)
{
	return o->target && o->target->evicted ? o->target->size / GPUVM_SZ_4K
					       : 0;
}

/* Makes the file's dummy, room for it already made. */
static int make_dummy(struct drv_op *o)
{
	struct gpuvm_drv_file *file = o->vm->file;
	int ret = drv_bo_new(file, DRV_DUMMY_SIZE, 0, &file->dummy);

	if (ret)
		return ret;
	o->made_dummy = true;
	drv_bo_pin_get(file->dummy);
	o->target = file->dummy;
	return 0;
}

/*
 * A sparse range's dummy and shared tables come before its count: what
 * the range needs depends on them (a TiB links two shared tables, or
 * builds a thousand of its own), so counting without them would be far
 * off. Room for all of them is made first, so they are charged to the
 * budget like every other frame.
 */
static int admit_sparse_backing(const struct drv_excl *x, struct drv_op *o)
{
	struct gpuvm_drv_file *file = o->vm->file;
	int ret = drv_make_room(x, o->extra);

	/* An earlier op of a queued batch may have made it since target. */
	if (!o->target && file->dummy) {
		drv_bo_pin_get(file->dummy);
		o->target = file->dummy;
	}
	if (!ret && file->dev->cfg.sparse == GPUVM_DRV_SPARSE_DUMMY) {
		if (!o->target)
			ret = make_dummy(o);
		else if (o->target->evicted)
			ret = drv_bo_restore(x, o->target, &o->restored);
	}
	if (!ret)
		ret = drv_sparse_tables_get(x, file, drv_prot_of(o->req.flags),
					    o->req.addr, o->req.range);
	return ret;
}

/*
 * Exclusive admission: builds and counts the op, making room until it
 * fits with its target. An evicted BO is counted from an estimate of
 * its layout and brought back only once everything fits, so a bind that
 * cannot fit costs nobody their residency; its real layout is counted in
 * reserve. Bounded retries: the shrinker makes room or says it cannot.
 */
int drv_op_admit(const struct drv_excl *x, struct drv_op *o)
{
	struct gpuvm_drv_device *dev = x->dev;
	unsigned int tries;
	uint64_t need;
	int ret = 0;

	if (o->type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return 0;
	if (is_sparse_map(o) && o->extra)
		ret = admit_sparse_backing(x, o);
	for (tries = 0; !ret; tries++) {
		ret = build_ops(o);
		if (!ret)
			ret = count_ops(o);
		need = o->resv.need + target_frames(o);
		if (ret || drv_fits(dev, need))
			break;
		drop_count(o);
		ret = tries < 3 ? drv_make_room(x, need) : -ENOMEM;
	}
	if (!ret && target_frames(o)) {
		ret = drv_bo_restore(x, o->target, &o->restored);
		o->recount = true;
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* reserve, apply                                                      */

int drv_op_reserve(struct drv_op *o)
{
	int ret = 0;

	if (o->type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return 0;
	if (o->recount) {
		gpuvm_pt_resv_release(o->vm->pt, &o->resv);
		ret = count_ops(o);
		o->recount = false;
	}
	return ret ? ret : gpuvm_pt_resv_fill(o->vm->pt, &o->resv);
}

/*
 * The worst case for a queued op, whatever runs before it: a fresh map
 * plus a block split at each end of the range (and copies of shared
 * tables), counted against today's tables but valid for any.
 */
static int count_worst(struct drv_op *o)
{
	struct drv_vm *vm = o->vm;
	struct drv_src src;
	uint32_t prot;
	int ret;

	drv_resv_limit(vm->file->dev, &o->resv);
	if (o->type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return 0;
	ret = gpuvm_pt_reserve_unmap_worst(vm->pt, o->op.va, o->op.size,
					   &o->resv);
	if (!ret && is_map(o)) {
		prot = drv_src_init(&src, vm->file, &o->req);
		ret = gpuvm_pt_reserve_map_worst(vm->pt, o->req.addr,
						 o->req.range, &src.src, prot,
						 &o->resv);
	}
	return ret;
}

int drv_op_count_worst(struct drv_op *o)
{
	return count_worst(o);
}

void drv_op_release_count(struct drv_op *o)
{
	gpuvm_pt_resv_release(o->vm->pt, &o->resv);
	o->recount = true;
}

/*
 * Admission of a queued op once its batch has room: the target is made
 * present now, as panthor pins a job's BOs at submission, and a queued
 * sparse MAP holds its shared tables until it runs. What came into being
 * here changes the count.
 */
int drv_op_admit_queued(const struct drv_excl *x, struct drv_op *o)
{
	int ret = 0;

	if (is_sparse_map(o)) {
		o->hold = (int32_t)drv_prot_of(o->req.flags);
		drv_sparse_tables_hold(x, o->vm->file, (uint32_t)o->hold, true);
		if (o->extra) {
			ret = admit_sparse_backing(x, o);
			o->recount = true;
		}
	} else if (target_frames(o)) {
		ret = drv_bo_restore(x, o->target, &o->restored);
		o->recount = true;
	}
	return ret;
}

/* A queued op keeps what admission made: the restore and the dummy. */
void drv_op_keep(struct drv_op *o)
{
	if (o->restored)
		drv_bo_restore_done(o->target);
	o->restored = false;
	o->made_dummy = false;
}

/* Fills the worst-case count, counting again if the target changed. */
int drv_op_reserve_worst(const struct drv_excl *x, struct drv_op *o)
{
	int ret = 0;

	if (o->recount) {
		gpuvm_pt_resv_release(o->vm->pt, &o->resv);
		ret = count_worst(o);
		o->recount = false;
	}
	if (!ret)
		ret = drv_make_room(x, o->resv.need);
	return ret ? ret : gpuvm_pt_resv_fill(o->vm->pt, &o->resv);
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

/* Cannot fail: everything was checked and reserved. */
static void apply_tables(struct drv_op *o, struct gpuvm_pt_gather *gather)
{
	struct drv_vm *vm = o->vm;
	unsigned int i;

	for (i = 0; i < o->ops->count; i++) {
		const struct gpuvm_va_op *op = &o->ops->op[i];
		struct drv_src src;
		uint64_t s, e;
		uint32_t prot;

		if (op->type == GPUVM_VA_OP_MAP) {
			prot = drv_src_init(&src, vm->file, op->va);
			gpuvm_pt_map_reserved(vm->pt, op->va->addr,
					      op->va->range, &src.src, prot,
					      &o->resv, gather);
		} else {
			removed_range(op, &s, &e);
			gpuvm_pt_unmap_reserved(vm->pt, s, e - s, &o->resv,
						gather);
		}
	}
}

/*
 * Applies the reserved list. Accesses to the changed region wait while
 * the tables change and until the TLB has forgotten the old translations
 * (panthor's AS lock around an update), so they see before or after.
 */
void drv_op_apply(struct drv_op *o)
{
	struct drv_vm *vm = o->vm;
	struct gpuvm_pt_gather gather;
	uint64_t start, end;

	if (!o->ops)
		return; /* SYNC_ONLY */
	changed_hull(o->ops, &start, &end);
	if (start < end)
		gpuvm_mmu_lock_region(vm->as, start, end - start);
	gpuvm_pt_gather_init(&gather);
	apply_tables(o, &gather);
	gpuvm_va_ops_commit(o->ops);
	update_refs(o->ops);
	drv_vm_flush(vm, &gather);
	if (start < end)
		gpuvm_mmu_unlock_region(vm->as);
}

/* The same for a queued op when it runs: against the VM as it is now. */
int drv_op_run(struct drv_op *o)
{
	struct gpuvm_pt_resv held = o->resv;
	int ret;

	if (o->type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return 0;
	if (is_map(o) && o->vm->state != GPUVM_DRV_VM_USABLE)
		return -EINVAL;
	memset(&o->resv, 0, sizeof(o->resv));
	ret = build_ops(o);
	if (!ret)
		ret = count_ops(o);
	/* The worst case cannot be exceeded; refuse rather than corrupt. */
	if (!ret && o->resv.need > held.filled - held.used)
		ret = -ENOSPC;
	gpuvm_pt_resv_release(o->vm->pt, &o->resv);
	o->resv = held;
	if (!ret)
		drv_op_apply(o);
	return ret;
}

/* ------------------------------------------------------------------ */
/* finish                                                              */

/* A failed op leaves no trace, not even the lazy dummy it made. */
static void drop_new_dummy(const struct drv_excl *x, struct drv_op *o)
{
	struct gpuvm_drv_file *file = o->vm->file;

	drv_sparse_tables_drop(x, file);
	drv_bo_put(file->dummy);
	file->dummy = NULL;
}

/*
 * The one place an op is undone or completed, whatever step it reached.
 * x may be NULL only for an op that did nothing exclusive (the fast
 * path): restores, dummies and shared tables only happen under x.
 */
void drv_op_finish(const struct drv_excl *x, struct drv_op *o, int ret)
{
	struct drv_bo *t = o->target;

	if (o->vm) {
		gpuvm_va_ops_free(o->ops);
		gpuvm_pt_resv_release(o->vm->pt, &o->resv);
	}
	o->ops = NULL;
	if (o->charged)
		drv_uncharge(o->vm->file->dev, o->charged);
	if (t) {
		if (o->restored && ret)
			drv_bo_restore_undo(x, t);
		else if (o->restored)
			drv_bo_restore_done(t);
		if (!ret)
			drv_bo_touch(t);
		drv_bo_pin_put(t);
	}
	if (o->made_dummy && ret)
		drop_new_dummy(x, o);
	if (o->hold >= 0)
		drv_sparse_tables_hold(x, o->vm->file, (uint32_t)o->hold,
				       false);
	if (o->bo)
		drv_bo_put(o->bo);
	free(o->syncs);
	if (x && o->vm)
		drv_sparse_tables_trim(x, o->vm->file);
	o->target = o->bo = NULL;
	o->syncs = NULL;
}

/* ------------------------------------------------------------------ */
/* Synchronous ops                                                     */

/*
 * The common case, under the VM's lock alongside binds on other VMs:
 * the target present, its shared tables there, the tables within the
 * budget (claimed with drv_charge, not made room for). -EAGAIN when it
 * needs more; every other result is final, errors included.
 */
int drv_bind_fast(struct drv_op *o)
{
	struct gpuvm_drv_device *dev = o->vm->file->dev;
	int ret;

	if (o->type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return 0;
	drv_op_target(o);
	if (o->extra)
		return -EAGAIN;
	ret = build_ops(o);
	if (!ret)
		ret = count_ops(o);
	if (!ret && !drv_charge(dev, o->resv.need))
		ret = -EAGAIN;
	else if (!ret)
		o->charged = o->resv.need;
	if (!ret)
		ret = drv_op_reserve(o);
	/* Taken or not, the frames now count in the memory's own total. */
	if (o->charged) {
		drv_uncharge(dev, o->charged);
		o->charged = 0;
	}
	if (!ret)
		drv_op_apply(o);
	return ret;
}

/*
 * Undoes what the fast path did but the check, before the locks are
 * dropped for the full path: nothing of the attempt stays held.
 */
void drv_op_park(struct drv_op *o)
{
	drv_op_finish(NULL, &(struct drv_op){
		.vm = o->vm, .ops = o->ops, .resv = o->resv,
		.charged = o->charged, .target = o->target, .hold = -1,
	}, -EAGAIN);
	o->ops = NULL;
	memset(&o->resv, 0, sizeof(o->resv));
	o->charged = 0;
	o->target = NULL;
	o->extra = 0;
}

/*
 * Finds the op's VM again under the exclusive lock: it may have been
 * destroyed (or destroyed and its id reused) while no lock was held, and
 * an async failure may have made it unusable; then the op fails as it
 * would have had it started now.
 */
int drv_op_resume(const struct drv_excl *x, struct drv_op *o,
		  struct gpuvm_drv_file *file, uint32_t vm_id)
{
	struct drv_vm *vm = drv_vm_lookup(file, vm_id);

	(void)x;
	if (!vm || vm->serial != o->vm_serial) {
		o->vm = NULL;
		return -EINVAL;
	}
	if (is_map(o) && vm->state != GPUVM_DRV_VM_USABLE)
		return -EINVAL;
	return 0;
}

/* The full path, with everything an op may need (exclusive lock). */
int drv_bind_full(const struct drv_excl *x, struct drv_op *o)
{
	int ret;

	drv_op_target(o);
	ret = drv_op_admit(x, o);
	if (!ret)
		ret = drv_op_reserve(o);
	if (!ret)
		drv_op_apply(o);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The VM's bind queue                                                 */

void drv_op_enqueue(struct drv_op *o)
{
	struct drv_vm *vm = o->vm;

	o->next = NULL;
	o->queued = true;
	vm->queued++;
	vm->slots_held += o->slots;
	if (vm->queue_tail)
		vm->queue_tail->next = o;
	else
		vm->queue_head = o;
	vm->queue_tail = o;
}

/*
 * The head leaves the queue: its slots go back, and what it adds when it
 * runs shows in the VA space's count instead.
 */
struct drv_op *drv_op_dequeue(struct drv_vm *vm)
{
	struct drv_op *o = vm->queue_head;

	if (!o)
		return NULL;
	vm->queue_head = o->next;
	if (!vm->queue_head)
		vm->queue_tail = NULL;
	vm->queued--;
	vm->slots_held -= o->slots;
	o->queued = false;
	return o;
}

/* Signals fire whether the op succeeded or not, as a fence signals with
 * an error, so a failure cannot leave a waiter hanging. */
void drv_op_signal(const struct drv_excl *x, const struct drv_op *o)
{
	uint32_t i;

	for (i = 0; i < o->op.n_syncs; i++) {
		const struct gpuvm_drv_sync *sy = &o->syncs[i];

		/* Created when the op was queued: found here. */
		if (sy->flags == GPUVM_DRV_SYNC_SIGNAL)
			drv_timeline_raise(drv_timeline_find(x->dev,
							     sy->timeline),
					   sy->point);
	}
}

void drv_vm_cancel_queue(const struct drv_excl *x, struct drv_vm *vm)
{
	struct drv_op *o;

	while ((o = drv_op_dequeue(vm))) {
		drv_op_signal(x, o);
		drv_op_finish(x, o, -ECANCELED);
		free(o);
	}
}
