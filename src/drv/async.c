// SPDX-License-Identifier: MIT
/*
 * DOC: queued binds
 *
 * A VM_BIND with GPUVM_DRV_BIND_ASYNC queues one op per bind op on the
 * VM's bind queue, the way panthor pushes one job per op to the VM's
 * scheduler entity. Each is a struct drv_op (bind.c) that runs
 * check..reserve now and apply later.
 *
 * Everything the caller can get wrong is found at submission (panthor.md
 * B11): every op is checked against the uAPI rules and the VM's current
 * state, its target BO is made resident and pinned, its page tables are
 * reserved for the worst case, and its mapping slots are held. The worst
 * case matters: the tables an op meets when it runs depend on the ops
 * queued before it, so the count cannot use today's tables. gpuvm's worst
 * case is a fresh map plus a block split at each end of the range
 * (panthor reserves a page per 512 GiB, 1 GiB and 2 MiB region spanned,
 * panthor.md M3: the same idea with a far looser bound).
 *
 * The mapping limit is reserved the same way. An op holds slots for the
 * most mappings it can add whatever runs before it (a MAP 2, an UNMAP 1,
 * see worst_slots()); the VA space's live count plus every queued op's
 * slots never passes max_mappings_per_vm, so a batch that would is
 * refused with -ENOSPC at submission, and synchronous binds may not take
 * held slots either. An op gives its slots back when it runs, where what
 * it really added joins the live count, or when it is cancelled. The
 * price of a bound that holds in any state: a MAP needs two free slots
 * even where it will only add one.
 *
 * A batch is all or nothing: every op is checked and its memory counted
 * before anything is made or evicted, so a batch that fails leaves no
 * trace and one that cannot fit evicts nothing.
 *
 * What can still fail when an op runs is building its VA op list: a host
 * allocation. Such a failure makes the VM unusable, as in panthor: MAP is
 * refused from then on (queued MAPs fail as they come up), UNMAP still
 * runs so the user can clean up.
 *
 * Ops run in queue order per VM, when gpuvm_drv_run() or gpuvm_drv_wait()
 * drives the queues and the head op's waits are met.
 */
#include <errno.h>
#include <stdlib.h>

#include "drv/drv_internal.h"

/*
 * The most mappings op can add, whatever runs before it. Nothing is ever
 * merged, and only a mapping holding the whole range can leave a piece
 * on both sides: a MAP inside one leaves two pieces and itself (+2), an
 * UNMAP inside one leaves two pieces (+1). Anything else adds less.
 */
static uint32_t worst_slots(const struct drv_op *o)
{
	switch (o->type) {
	case GPUVM_DRV_OP_TYPE_MAP:
		return 2;
	case GPUVM_DRV_OP_TYPE_UNMAP:
		return 1;
	default:
		return 0;
	}
}

/* The timelines an op signals exist before it is queued. */
static int make_timelines(const struct drv_excl *x, const struct drv_op *o)
{
	struct drv_timeline *t;
	uint32_t i;
	int ret;

	for (i = 0; i < o->op.n_syncs; i++) {
		if (o->syncs[i].flags != GPUVM_DRV_SYNC_SIGNAL)
			continue;
		ret = drv_timeline_get(x, o->syncs[i].timeline, &t);
		if (ret)
			return ret;
	}
	return 0;
}

struct batch {
	struct drv_vm *vm;
	struct drv_op **op;
	uint32_t count;       /* ops started (checked or failed checking) */
	uint64_t total;       /* frames the batch needs: tables, targets */
};

/*
 * Checks every op, holds its mapping slots against the limit and counts
 * its memory: the tables for the worst case and what its target still
 * needs. Per op the rules come first (-EINVAL), then the limit
 * (-ENOSPC), then its tables, as in a synchronous bind. *at gets the
 * failing op's index.
 */
static int check_all(struct batch *b, const struct gpuvm_drv_bind_op *ops,
		     uint32_t count, uint32_t *at)
{
	uint64_t room = drv_slots_free(b->vm), slots = 0;
	struct drv_op *o;
	int ret = 0;

	for (*at = 0; *at < count; (*at)++) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return -ENOMEM;
		b->op[b->count++] = o;
		ret = drv_op_check(o, b->vm, &ops[*at], true);
		if (ret)
			return ret;
		o->slots = worst_slots(o);
		slots += o->slots;
		if (slots > room)
			return -ENOSPC;
		drv_op_target(o);
		ret = drv_op_count_worst(o);
		if (ret)
			return ret;
		b->total += o->resv.need + o->extra;
	}
	return 0;
}

/*
 * Makes room for the whole batch at once, before anything is made, so a
 * batch that cannot fit evicts nothing. Making room lets go of the
 * counts (eviction prunes tables they relied on): each op then counts
 * again when it reserves.
 */
static int admit_all(const struct drv_excl *x, struct batch *b,
		     uint32_t *at)
{
	uint32_t i;

	*at = 0;
	if (drv_fits(x->dev, b->total))
		return 0;
	for (i = 0; i < b->count; i++)
		drv_op_release_count(b->op[i]);
	return drv_make_room(x, b->total);
}

/* Makes each op's target present and fills its reservation. */
static int reserve_all(const struct drv_excl *x, struct batch *b,
		       uint32_t *at)
{
	int ret = 0;

	for (*at = 0; !ret && *at < b->count; (*at)++) {
		struct drv_op *o = b->op[*at];

		ret = make_timelines(x, o);
		if (!ret)
			ret = drv_op_admit_queued(x, o);
		if (!ret)
			ret = drv_op_reserve_worst(x, o);
	}
	if (ret)
		(*at)--;
	return ret;
}

int drv_bind_async(const struct drv_excl *x, struct drv_vm *vm,
		   const struct gpuvm_drv_bind_op *ops, uint32_t count,
		   uint32_t *failed)
{
	struct batch b = { .vm = vm, .op = calloc(count ? count : 1,
						  sizeof(*b.op)) };
	uint32_t i, at = 0;
	int ret = b.op ? 0 : -ENOMEM;

	if (!ret)
		ret = check_all(&b, ops, count, &at);
	if (!ret)
		ret = admit_all(x, &b, &at);
	if (!ret)
		ret = reserve_all(x, &b, &at);
	/* All or nothing: the caller sees the failing op's index. */
	if (ret && failed)
		*failed = at;
	for (i = b.count; ret && i-- > 0;) {
		drv_op_finish(x, b.op[i], ret);
		free(b.op[i]);
	}
	for (i = 0; !ret && i < b.count; i++) {
		drv_op_keep(b.op[i]);
		drv_op_enqueue(b.op[i]);
	}
	free(b.op);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Running                                                             */

static bool ready(struct gpuvm_drv_device *dev, const struct drv_op *o)
{
	uint32_t i;

	for (i = 0; i < o->op.n_syncs; i++) {
		const struct gpuvm_drv_sync *sy = &o->syncs[i];
		const struct drv_timeline *t;

		if (sy->flags != GPUVM_DRV_SYNC_WAIT)
			continue;
		t = drv_timeline_find(dev, sy->timeline);
		if (!t || t->point < sy->point)
			return false;
	}
	return true;
}

static void run_head(const struct drv_excl *x, struct drv_vm *vm)
{
	struct drv_op *o = drv_op_dequeue(vm);
	int ret = drv_op_run(o);

	if (ret)
		vm->state = GPUVM_DRV_VM_UNUSABLE;
	drv_op_signal(x, o);
	drv_op_finish(x, o, ret);
	free(o);
}

/* Runs ready head ops of every VM once around; returns how many ran. */
static uint32_t run_pass(const struct drv_excl *x)
{
	struct gpuvm_drv_file *f;
	uint32_t i, n = 0;

	for (f = x->dev->files; f; f = f->next) {
		for (i = 1; i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++) {
			struct drv_vm *vm = f->vms[i];

			while (vm && vm->queue_head &&
			       ready(x->dev, vm->queue_head)) {
				run_head(x, vm);
				n++;
			}
		}
	}
	return n;
}

int drv_impl_run(const struct drv_excl *x, uint32_t *executed)
{
	uint32_t n, total = 0;

	/* An op's signal can make another VM's head ready: go round again. */
	while ((n = run_pass(x)))
		total += n;
	if (executed)
		*executed = total;
	return 0;
}

int drv_impl_wait(const struct drv_excl *x, uint32_t timeline,
		  uint64_t point)
{
	uint64_t now;

	if (!timeline || !point)
		return -EINVAL;
	drv_impl_run(x, NULL);
	drv_impl_timeline_point(x->dev, timeline, &now);
	return now >= point ? 0 : -ETIMEDOUT;
}

int drv_impl_vm_queued(struct drv_vm *vm, uint32_t *jobs)
{
	*jobs = vm->queued;
	return 0;
}
