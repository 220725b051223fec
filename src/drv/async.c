// SPDX-License-Identifier: MIT
/*
 * DOC: asynchronous binds
 *
 * A VM_BIND with GPUVM_DRV_BIND_ASYNC queues one job per op on the VM's
 * bind queue, the way panthor pushes one job per op to the VM's scheduler
 * entity. Everything the caller can get wrong is found at queue time:
 * every op is checked against the uAPI rules and the VM's current state,
 * its target BO is made resident, pinned and referenced, and its page
 * tables are reserved for the worst case. The worst case matters: the
 * tables a job meets when it runs depend on the jobs queued before it, so
 * the count cannot use today's tables. gpuvm's worst case is a fresh map
 * plus a block split at each end of the range (docs/panthor.md M3: panthor
 * reserves a page per 512 GiB, 1 GiB and 2 MiB region spanned, which is
 * the same idea with a far looser bound).
 *
 * The mapping limit is reserved the same way. A job holds slots for the
 * most mappings its op can add whatever runs before it (a MAP 2, an
 * UNMAP 1, see worst_slots()); the VA space's live count plus every
 * queued job's slots never passes max_mappings_per_vm, so a batch that
 * would is refused with -ENOSPC at queue time, and synchronous binds may
 * not take held slots either (drv_prepare_op()). A job gives its slots
 * back when it runs, where what it really added joins the live count,
 * or when it is cancelled. The price of a bound that holds in any state:
 * a MAP needs two free slots even where it will only add one.
 *
 * What can still fail when a job runs is building its VA op list: a host
 * allocation. Such a failure makes the VM unusable, as in panthor: MAP is
 * refused from then on (queued MAPs fail as they come up), UNMAP still
 * runs so the user can clean up.
 *
 * Timelines model timeline syncobjs in-process: a value per id that only
 * grows. Jobs run in queue order per VM, when gpuvm_drv_run() or
 * gpuvm_drv_wait() drives the queues and the head job's waits are met. A
 * job's signals fire whether it succeeded or not, as a fence signals with
 * an error, so a failure cannot leave a waiter hanging.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drv/drv_internal.h"

/* ------------------------------------------------------------------ */
/* Timelines                                                           */

static struct drv_timeline *timeline_find(struct gpuvm_drv_device *dev,
					  uint32_t id)
{
	uint32_t i;

	for (i = 0; i < dev->n_timelines; i++)
		if (dev->timelines[i].id == id)
			return &dev->timelines[i];
	return NULL;
}

/* Finds or creates a timeline: creation may fail, so queueing does it. */
static int timeline_get(struct gpuvm_drv_device *dev, uint32_t id,
			struct drv_timeline **out)
{
	struct drv_timeline *t = timeline_find(dev, id);
	uint32_t cap;

	if (!t) {
		if (dev->n_timelines == dev->cap_timelines) {
			cap = dev->cap_timelines ? dev->cap_timelines * 2 : 8;
			t = realloc(dev->timelines, cap * sizeof(*t));
			if (!t)
				return -ENOMEM;
			dev->timelines = t;
			dev->cap_timelines = cap;
		}
		t = &dev->timelines[dev->n_timelines++];
		t->id = id;
		t->point = 0;
	}
	*out = t;
	return 0;
}

static void timeline_raise(struct drv_timeline *t, uint64_t point)
{
	if (point > t->point)
		t->point = point;
}

int drv_impl_timeline_signal(struct gpuvm_drv_device *dev,
			      uint32_t timeline, uint64_t point)
{
	struct drv_timeline *t;
	int ret;

	if (!timeline || !point)
		return -EINVAL;
	ret = timeline_get(dev, timeline, &t);
	if (!ret)
		timeline_raise(t, point);
	return ret;
}

int drv_impl_timeline_point(struct gpuvm_drv_device *dev, uint32_t timeline,
			     uint64_t *point)
{
	const struct drv_timeline *t;

	if (!timeline)
		return -EINVAL;
	t = timeline_find(dev, timeline);
	*point = t ? t->point : 0;
	return 0;
}

void drv_timelines_free(struct gpuvm_drv_device *dev)
{
	free(dev->timelines);
	dev->timelines = NULL;
	dev->n_timelines = dev->cap_timelines = 0;
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                */

static void job_free(struct drv_vm *vm, struct drv_job *job)
{
	if (job->hold >= 0)
		drv_sparse_tables_hold(vm->file, (uint32_t)job->hold, false);
	gpuvm_pt_resv_release(vm->pt, &job->resv);
	if (job->target) {
		job->target->pins--;
		drv_bo_put(job->target);
	}
	free(job->syncs);
	free(job);
}

static void job_signal(struct drv_vm *vm, const struct drv_job *job)
{
	uint32_t i;

	for (i = 0; i < job->op.n_syncs; i++) {
		const struct gpuvm_drv_sync *sy = &job->syncs[i];

		/* Created when the job was queued: cannot fail here. */
		if (sy->flags == GPUVM_DRV_SYNC_SIGNAL)
			timeline_raise(timeline_find(vm->file->dev,
						     sy->timeline), sy->point);
	}
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

/* The timelines a job signals exist before it is queued. */
static int make_timelines(struct gpuvm_drv_device *dev,
			  const struct drv_job *job)
{
	struct drv_timeline *t;
	uint32_t i;
	int ret;

	for (i = 0; i < job->op.n_syncs; i++) {
		if (job->syncs[i].flags != GPUVM_DRV_SYNC_SIGNAL)
			continue;
		ret = timeline_get(dev, job->syncs[i].timeline, &t);
		if (ret)
			return ret;
	}
	return 0;
}

static int copy_syncs(struct drv_job *job, const struct gpuvm_drv_bind_op *op)
{
	job->op = *op;
	if (!op->n_syncs) {
		job->op.syncs = NULL;
		return 0;
	}
	job->syncs = calloc(op->n_syncs, sizeof(*job->syncs));
	if (!job->syncs)
		return -ENOMEM;
	memcpy(job->syncs, op->syncs, op->n_syncs * sizeof(*job->syncs));
	job->op.syncs = job->syncs;
	return 0;
}

/*
 * Worst-case tables for op, whatever runs before it: a block split at
 * each end (and copies of shared tables) plus a fresh map.
 */
static int count_worst(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op,
		       const struct gpuvm_va *req, struct gpuvm_pt_resv *r)
{
	uint32_t type = op->flags & GPUVM_DRV_OP_TYPE_MASK;
	struct drv_src src;
	uint32_t prot;
	int ret;

	if (type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return 0;
	ret = gpuvm_pt_reserve_unmap_worst(vm->pt, op->va, op->size, r);
	if (!ret && type == GPUVM_DRV_OP_TYPE_MAP) {
		prot = drv_src_init(&src, vm->file, req);
		ret = gpuvm_pt_reserve_map_worst(vm->pt, req->addr, req->range,
						 &src.src, prot, r);
	}
	return ret;
}

/*
 * The most mappings op can add, whatever runs before it. Nothing is ever
 * merged, and only a mapping holding the whole range can leave a piece
 * on both sides: a MAP inside one leaves two pieces and itself (+2), an
 * UNMAP inside one leaves two pieces (+1). Anything else adds less.
 */
static uint32_t worst_slots(const struct gpuvm_drv_bind_op *op)
{
	switch (op->flags & GPUVM_DRV_OP_TYPE_MASK) {
	case GPUVM_DRV_OP_TYPE_MAP:
		return 2;
	case GPUVM_DRV_OP_TYPE_UNMAP:
		return 1;
	default:
		return 0;
	}
}

static int job_new(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op,
		   struct drv_job **out)
{
	struct drv_job *job = calloc(1, sizeof(*job));
	uint32_t type = op->flags & GPUVM_DRV_OP_TYPE_MASK;
	int ret;

	if (!job)
		return -ENOMEM;
	job->hold = -1;
	job->slots = worst_slots(op);
	ret = copy_syncs(job, op);
	if (!ret)
		ret = drv_check_op(vm, op, &job->req);
	if (!ret && type == GPUVM_DRV_OP_TYPE_MAP &&
	    job->req.kind == GPUVM_VA_SPARSE) {
		job->hold = (int32_t)drv_prot_of(job->req.flags);
		drv_sparse_tables_hold(vm->file, (uint32_t)job->hold, true);
	}
	if (!ret)
		ret = make_timelines(vm->file->dev, job);
	if (!ret)
		ret = drv_target_get(vm, &job->req, type, &job->target,
				     &job->restored);
	if (job->target) {
		job->target->pins++;
		drv_bo_get(job->target);
	}
	drv_resv_limit(vm->file->dev, &job->resv);
	if (!ret)
		ret = count_worst(vm, op, &job->req, &job->resv);
	if (!ret)
		ret = drv_make_room(vm->file->dev, job->resv.need);
	if (!ret)
		ret = gpuvm_pt_resv_fill(vm->pt, &job->resv);
	*out = job;
	return ret;
}

/* Undoes a job that never got queued, restore included. */
static void job_drop(struct drv_vm *vm, struct drv_job *job)
{
	if (job->restored)
		drv_bo_restore_undo(job->target);
	job_free(vm, job);
}

/*
 * Every op is checked, its mapping slots counted against the limit, and
 * the whole batch's memory estimated, before anything is touched: a
 * batch that fails leaves no trace, and one that cannot fit evicts
 * nothing. Per op the rules come first (-EINVAL), then the limit
 * (-ENOSPC), then its tables, as in a synchronous bind.
 */
static int check_batch(struct drv_vm *vm, const struct gpuvm_drv_bind_op *ops,
		       uint32_t count, uint32_t *failed)
{
	struct gpuvm_pt_resv est = { 0 };
	struct gpuvm_va req;
	uint64_t extra, total = 0, room = drv_slots_free(vm), slots = 0;
	uint32_t i;
	int ret = 0;

	drv_resv_limit(vm->file->dev, &est);

	for (i = 0; i < count && !ret; i++) {
		uint32_t type = ops[i].flags & GPUVM_DRV_OP_TYPE_MASK;

		ret = check_syncs(&ops[i]);
		if (!ret)
			ret = drv_check_op(vm, &ops[i], &req);
		if (!ret) {
			slots += worst_slots(&ops[i]);
			if (slots > room)
				ret = -ENOSPC;
		}
		if (!ret) {
			drv_op_target(vm, &req, type, &extra);
			total += extra;
			ret = count_worst(vm, &ops[i], &req, &est);
		}
	}
	if (ret) {
		gpuvm_pt_resv_release(vm->pt, &est);
		if (failed)
			*failed = i - 1;
		return ret;
	}
	total += est.need;
	gpuvm_pt_resv_release(vm->pt, &est); /* counted only: let go */
	ret = drv_make_room(vm->file->dev, total);
	if (ret && failed)
		*failed = 0;
	return ret;
}

int drv_bind_async(struct drv_vm *vm, const struct gpuvm_drv_bind_op *ops,
		   uint32_t count, uint32_t *failed)
{
	bool had_dummy = vm->file->dummy != NULL;
	struct drv_job *head = NULL, **tail = &head, *job;
	uint32_t i;
	int ret = check_batch(vm, ops, count, failed);

	for (i = 0; i < count && !ret; i++) {
		ret = job_new(vm, &ops[i], tail);
		tail = &(*tail)->next;
	}
	if (ret) {
		/* All or nothing: the caller sees the failing op's index. */
		if (failed && i)
			*failed = i - 1;
		while ((job = head)) {
			head = job->next;
			job_drop(vm, job);
		}
		drv_drop_new_dummy(vm->file, had_dummy);
		drv_sparse_tables_trim(vm->file);
		return ret;
	}
	for (job = head; job; job = job->next) {
		if (job->restored) {
			drv_bo_restore_done(job->target);
			job->restored = false;
		}
		vm->queued++;
		vm->slots_held += job->slots;
		if (vm->queue_tail)
			vm->queue_tail->next = job;
		else
			vm->queue_head = job;
		vm->queue_tail = job;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Running                                                             */

static bool job_ready(struct gpuvm_drv_device *dev, const struct drv_job *job)
{
	uint32_t i;

	for (i = 0; i < job->op.n_syncs; i++) {
		const struct gpuvm_drv_sync *sy = &job->syncs[i];
		const struct drv_timeline *t;

		if (sy->flags != GPUVM_DRV_SYNC_WAIT)
			continue;
		t = timeline_find(dev, sy->timeline);
		if (!t || t->point < sy->point)
			return false;
	}
	return true;
}

/*
 * Builds the op list against the VM as the earlier jobs left it and
 * applies it with the job's reservation, which covers any such state.
 */
static int job_exec(struct drv_vm *vm, struct drv_job *job)
{
	uint32_t type = job->op.flags & GPUVM_DRV_OP_TYPE_MASK;
	struct gpuvm_pt_resv need = { 0 };
	struct gpuvm_va_ops *ops = NULL;
	int ret;

	if (type == GPUVM_DRV_OP_TYPE_SYNC_ONLY)
		return 0;
	if (type == GPUVM_DRV_OP_TYPE_MAP && vm->state != GPUVM_DRV_VM_USABLE)
		return -EINVAL;
	ret = drv_prepare_op(vm, &job->op, &job->req, &ops);
	if (!ret)
		ret = drv_count_ops(vm, ops, &need);
	/* The worst case cannot be exceeded; refuse rather than corrupt. */
	if (!ret && need.need > job->resv.filled - job->resv.used)
		ret = -ENOSPC;
	if (!ret)
		drv_apply_and_commit(vm, ops, &job->resv);
	gpuvm_va_ops_free(ops);
	return ret;
}

/*
 * A job leaves the queue: its slots go back, and what it adds when it
 * runs shows in the VA space's count instead.
 */
static void job_unqueue(struct drv_vm *vm, struct drv_job *job)
{
	vm->queue_head = job->next;
	if (!vm->queue_head)
		vm->queue_tail = NULL;
	vm->queued--;
	vm->slots_held -= job->slots;
}

static void run_head(struct drv_vm *vm)
{
	struct drv_job *job = vm->queue_head;

	job_unqueue(vm, job);
	if (job_exec(vm, job))
		vm->state = GPUVM_DRV_VM_UNUSABLE;
	job_signal(vm, job);
	job_free(vm, job);
	drv_sparse_tables_trim(vm->file);
}

/* Runs ready head jobs of every VM once around; returns how many ran. */
static uint32_t run_pass(struct gpuvm_drv_device *dev)
{
	struct gpuvm_drv_file *f;
	uint32_t i, n = 0;

	for (f = dev->files; f; f = f->next) {
		for (i = 1; i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++) {
			struct drv_vm *vm = f->vms[i];

			while (vm && vm->queue_head &&
			       job_ready(dev, vm->queue_head)) {
				run_head(vm);
				n++;
			}
		}
	}
	return n;
}

int drv_impl_run(struct gpuvm_drv_device *dev, uint32_t *executed)
{
	uint32_t n, total = 0;

	/* A job's signal can make another VM's head ready: go round again. */
	while ((n = run_pass(dev)))
		total += n;
	if (executed)
		*executed = total;
	return 0;
}

int drv_impl_wait(struct gpuvm_drv_device *dev, uint32_t timeline,
		   uint64_t point)
{
	uint64_t now;

	if (!timeline || !point)
		return -EINVAL;
	drv_impl_run(dev, NULL);
	drv_impl_timeline_point(dev, timeline, &now);
	return now >= point ? 0 : -ETIMEDOUT;
}

/* A destroyed VM's jobs never run; their signals still fire. */
void drv_vm_cancel_jobs(struct drv_vm *vm)
{
	struct drv_job *job;

	while ((job = vm->queue_head)) {
		job_unqueue(vm, job);
		job_signal(vm, job);
		job_free(vm, job);
	}
}

int drv_impl_vm_queued(struct gpuvm_drv_file *file, uint32_t vm_id,
			uint32_t *jobs)
{
	struct drv_vm *vm = drv_vm_lookup(file, vm_id);

	if (!vm)
		return -EINVAL;
	*jobs = vm->queued;
	return 0;
}

int drv_impl_vm_fail_nth_alloc(struct gpuvm_drv_file *file, uint32_t vm_id,
				uint64_t nth)
{
	struct drv_vm *vm = drv_vm_lookup(file, vm_id);

	if (!vm)
		return -EINVAL;
	gpuvm_va_space_fail_nth_alloc(vm->va, nth);
	return 0;
}
