// SPDX-License-Identifier: MIT
/*
 * Tests of asynchronous VM_BIND in the driver layer (src/drv/async.c),
 * seen from outside through the public API only.
 *
 * The rules under test (drv.h, docs/panthor.md B8-B11):
 *  - an ASYNC batch is checked and its page tables reserved at queue
 *    time: every error the caller can cause comes back at once, with
 *    *failed set and nothing queued (all or nothing);
 *  - queued jobs change nothing until gpuvm_drv_run() or gpuvm_drv_wait()
 *    drives the queues; then each VM's jobs run in queue order once their
 *    waits are met, a blocked job blocking only its own VM;
 *  - a job's signals fire whether it succeeded or not;
 *  - a job that fails while running makes its VM unusable: MAP is
 *    refused (at queue time too), queued MAPs fail, UNMAP still works;
 *  - SYNC_ONLY takes no va, size, BO, offset or flags, and is a pure
 *    ordering point;
 *  - a queued job holds its reservation and its target BO (resident and
 *    pinned) until it runs or its VM goes;
 *  - with max_mappings_per_vm, a queued job holds mapping slots for the
 *    most it can add (MAP 2, UNMAP 1): a batch past the limit is -ENOSPC
 *    at queue time, synchronous binds cannot take held slots, and a
 *    queued job never fails on the limit when it runs.
 *
 * What the GPU sees is checked through the MMU: BOs are filled with one
 * 32-bit value per page, pat(tag, page). gpuvm_drv_vm_check() must pass
 * after every step.
 */
#include "drv_test.h"

/* ------------------------------------------------------------------ */
/* 1. Queue order                                                      */

/* The queues of test_async_order: VMs 1 and 2 of file f, VM 3 of g. */
struct order {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f, *g;
	uint32_t v1, v2, v3;
	uint32_t a, b, c;       /* BOs: a and b of f, c of g */
};

#define OX (2 * SZ_1G)
#define OY (3 * SZ_1G)
#define OZ (4 * SZ_1G)

/* Queues every job; queued is not run. */
static void order_queue(struct order *o)
{
	const struct gpuvm_drv_sync s1[] = { sy_wait(1, 1), sy_signal(2, 1) };
	const struct gpuvm_drv_sync s2[] = { sy_signal(2, 2) };
	const struct gpuvm_drv_sync s7[] = { sy_wait(5, 1), sy_signal(6, 1) };
	const struct gpuvm_drv_sync s3[] = { sy_wait(2, 1), sy_signal(3, 1) };
	const struct gpuvm_drv_sync s4[] = { sy_signal(3, 2) };
	const struct gpuvm_drv_sync s8[] = { sy_signal(5, 1) };
	const struct gpuvm_drv_sync s6[] = { sy_signal(4, 1) };
	struct gpuvm_drv_bind_op ops[3];
	uint32_t t;

	/* VM 1: map A at X, then B over it, then (after VM 2) a sync. */
	ops[0] = with(op_map(o->a, 0, OX, 16 * SZ_4K), s1, 2);
	ops[1] = with(op_map(o->b, 0, OX, 16 * SZ_4K), s2, 1);
	ops[2] = with(op_sync(), s7, 2);
	assert_int_equal(abind(o->f, o->v1, ops, 3, NULL), 0);
	/* VM 2: map B at Y (after VM 1's first), unmap a page of it, map A
	 * at Z (no waits, but behind), then signal VM 1's last. */
	queue1(o->f, o->v2, with(op_map(o->b, 0, OY, 16 * SZ_4K), s3, 2));
	queue1(o->f, o->v2, with(op_unmap(OY + SZ_4K, SZ_4K), s4, 1));
	queue1(o->f, o->v2, op_map(o->a, 4 * SZ_4K, OZ, 4 * SZ_4K));
	queue1(o->f, o->v2, with(op_sync(), s8, 1));
	/* The other file: nothing to wait for. */
	queue1(o->g, o->v3, with(op_map(o->c, 0, OX, 16 * SZ_4K), s6, 1));
	assert_int_equal(queued(o->f, o->v1), 3);
	assert_int_equal(queued(o->f, o->v2), 4);
	assert_int_equal(queued(o->g, o->v3), 1);
	assert_int_equal(kind_at(o->f, o->v1, OX), GPUVM_DRV_NONE);
	assert_int_equal(kind_at(o->f, o->v2, OY), GPUVM_DRV_NONE);
	assert_int_equal(kind_at(o->f, o->v2, OZ), GPUVM_DRV_NONE);
	assert_int_equal(kind_at(o->g, o->v3, OX), GPUVM_DRV_NONE);
	expect_gone(o->g, o->v3, OX);
	for (t = 1; t <= 6; t++)
		assert_int_equal(tl(o->dev, t), 0);
}

/* Only the other file's job is ready; a host signal runs nothing. */
static void order_run_ready(struct order *o)
{
	assert_int_equal(run(o->dev), 1);
	expect_bo(o->g, o->v3, OX + 3 * SZ_4K, o->c, 0xc, 3 * SZ_4K);
	assert_int_equal(tl(o->dev, 4), 1);
	assert_int_equal(queued(o->g, o->v3), 0);
	assert_int_equal(queued(o->f, o->v1), 3);
	assert_int_equal(queued(o->f, o->v2), 4);
	/* Z's job has no waits but sits behind Y's, which waits on T2. */
	assert_int_equal(kind_at(o->f, o->v2, OZ), GPUVM_DRV_NONE);
	assert_int_equal(run(o->dev), 0);
	signal_tl(o->dev, 1, 1);
	assert_int_equal(tl(o->dev, 1), 1);
	assert_int_equal(queued(o->f, o->v1), 3);
	assert_int_equal(kind_at(o->f, o->v1, OX), GPUVM_DRV_NONE);
}

/* Now everything, in one call: 3 + 4 jobs, each VM's in queue order. */
static void order_run_all(struct order *o)
{
	assert_int_equal(run(o->dev), 7);
	assert_int_equal(queued(o->f, o->v1), 0);
	assert_int_equal(queued(o->f, o->v2), 0);
	/* VM 1 ran A then B: B is at X. */
	expect_bo(o->f, o->v1, OX + 5 * SZ_4K, o->b, 0xb, 5 * SZ_4K);
	/* VM 2 ran map, unmap, map, in that order. */
	expect_bo(o->f, o->v2, OY, o->b, 0xb, 0);
	expect_gone(o->f, o->v2, OY + SZ_4K);
	expect_bo(o->f, o->v2, OY + 2 * SZ_4K, o->b, 0xb, 2 * SZ_4K);
	expect_bo(o->f, o->v2, OZ + SZ_4K, o->a, 0xa, 5 * SZ_4K);
	assert_int_equal(tl(o->dev, 2), 2);
	assert_int_equal(tl(o->dev, 3), 2);
	assert_int_equal(tl(o->dev, 5), 1);
	assert_int_equal(tl(o->dev, 6), 1);
	check_ok(o->f, o->v1);
	check_ok(o->f, o->v2);
	check_ok(o->g, o->v3);
	assert_int_equal(vm_state(o->f, o->v1), GPUVM_DRV_VM_USABLE);
	assert_int_equal(vm_state(o->f, o->v2), GPUVM_DRV_VM_USABLE);
}

/*
 * Several waits on one job: it runs only when all are met. A timeline
 * never goes back; a signal below its value leaves it there.
 */
static void order_waits(struct order *o)
{
	const struct gpuvm_drv_sync s9[] = { sy_wait(7, 1), sy_wait(8, 2),
					     sy_signal(9, 3) };
	const struct gpuvm_drv_sync s2[] = { sy_signal(2, 2) };

	queue1(o->f, o->v1, with(op_unmap(OX, 16 * SZ_4K), s9, 3));
	signal_tl(o->dev, 7, 1);
	assert_int_equal(run(o->dev), 0);
	signal_tl(o->dev, 8, 1);
	assert_int_equal(run(o->dev), 0);
	signal_tl(o->dev, 8, 2);
	signal_tl(o->dev, 8, 1);
	assert_int_equal(tl(o->dev, 8), 2);
	assert_int_equal(run(o->dev), 1);
	assert_int_equal(tl(o->dev, 9), 3);
	expect_gone(o->f, o->v1, OX);
	queue1(o->f, o->v1, with(op_sync(), s2, 1));
	signal_tl(o->dev, 2, 9);
	assert_int_equal(run(o->dev), 1);
	assert_int_equal(tl(o->dev, 2), 9);
	check_ok(o->f, o->v1);
}

/*
 * Two VMs of one file and one of another. VM 1's head waits on T1; VM 2's
 * head waits on VM 1's first job; VM 1's last job waits on VM 2's last
 * job (a lower VM waiting on a higher one: the run goes round again).
 * The other file's VM waits on nothing. Jobs without waits behind a
 * blocked one stay blocked; nothing runs until run or wait is called.
 */
static void test_async_order(void **state)
{
	struct drv_env *e = *state;
	struct order o = { .dev = e->dev, .f = e->f, .v1 = e->vm };

	o.g = file_new(e->dev);
	o.v2 = vm_new(o.f);
	o.v3 = vm_new(o.g);
	o.a = bo_new(o.f, 16, 0xa);
	o.b = bo_new(o.f, 16, 0xb);
	o.c = bo_new(o.g, 16, 0xc);
	order_queue(&o);
	order_run_ready(&o);
	order_run_all(&o);
	order_waits(&o);
}

/* ------------------------------------------------------------------ */
/* 2. Timelines and waits that never come                              */

static void test_async_wait(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, a = bo_new(f, 16, 0xa), n;
	const struct gpuvm_drv_sync s1[] = { sy_wait(9, 5), sy_signal(10, 1) };
	const struct gpuvm_drv_sync s2[] = { sy_signal(10, 2) };
	uint64_t p;
	struct snap s;

	/* Argument rules. */
	assert_int_equal(gpuvm_drv_timeline_signal(dev, 0, 1), -EINVAL);
	assert_int_equal(gpuvm_drv_timeline_signal(dev, 1, 0), -EINVAL);
	assert_int_equal(gpuvm_drv_timeline_point(dev, 0, &p), -EINVAL);
	assert_int_equal(gpuvm_drv_wait(dev, 0, 1), -EINVAL);
	assert_int_equal(gpuvm_drv_wait(dev, 1, 0), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_queued(f, vm + 1, &n), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_queued(f, 0, &n), -EINVAL);
	assert_int_equal(gpuvm_drv_run(dev, NULL), 0);
	/* A timeline nobody mentioned is at 0; waiting on it times out. */
	assert_int_equal(tl(dev, 12345), 0);
	assert_int_equal(gpuvm_drv_wait(dev, 12345, 1), -ETIMEDOUT);
	/* A point already reached needs no job. */
	signal_tl(dev, 11, 4);
	assert_int_equal(gpuvm_drv_wait(dev, 11, 3), 0);
	assert_int_equal(gpuvm_drv_wait(dev, 11, 4), 0);
	assert_int_equal(gpuvm_drv_wait(dev, 11, 5), -ETIMEDOUT);

	/* Jobs behind a wait on T9:5, which nobody signals. */
	queue1(f, vm, with(op_map(a, 0, 2 * SZ_1G, 16 * SZ_4K), s1, 2));
	queue1(f, vm, with(op_map(a, 0, 3 * SZ_1G, 16 * SZ_4K), s2, 1));
	snap_take(dev, f, vm, &s);
	assert_int_equal(gpuvm_drv_wait(dev, 10, 1), -ETIMEDOUT);
	snap_expect_same_but_peak(dev, f, vm, &s, "a wait that times out");
	assert_int_equal(tl(dev, 10), 0);
	assert_int_equal(tl(dev, 9), 0);
	assert_int_equal(gpuvm_drv_wait(dev, 10, 2), -ETIMEDOUT);
	snap_expect_same_but_peak(dev, f, vm, &s,
				  "a second wait that times out");
	/* Below the point: still blocked. */
	signal_tl(dev, 9, 4);
	assert_int_equal(gpuvm_drv_wait(dev, 10, 1), -ETIMEDOUT);
	snap_expect_same_but_peak(dev, f, vm, &s,
				  "a wait after a signal too low");
	assert_int_equal(tl(dev, 9), 4);
	snap_free(&s);
	expect_gone(f, vm, 2 * SZ_1G);

	/* The point reached: the wait runs the job that signals it. */
	signal_tl(dev, 9, 5);
	assert_int_equal(gpuvm_drv_wait(dev, 10, 1), 0);
	assert_true(tl(dev, 10) >= 1);
	expect_bo(f, vm, 2 * SZ_1G + 7 * SZ_4K, a, 0xa, 7 * SZ_4K);
	assert_int_equal(gpuvm_drv_wait(dev, 10, 2), 0);
	assert_int_equal(tl(dev, 10), 2);
	assert_int_equal(queued(f, vm), 0);
	expect_bo(f, vm, 3 * SZ_1G, a, 0xa, 0);
	check_ok(f, vm);
	/* A wait left unsignalled when the device goes: no leak. */
	queue1(f, vm, with(op_unmap(2 * SZ_1G, SZ_4K), s1, 2));
}

/* ------------------------------------------------------------------ */
/* 3. Errors come back at queue time                                   */

/* Handles of the error file, in creation order. */
#define H_BO     1u  /* 16 pages */
#define H_EXCL   2u  /* 16 pages, exclusive to VM 2 */
#define H_CLOSED 3u
#define H_NONE   4u

#define EB (8 * SZ_1G)  /* an empty region of VM 1 */

/* An op that breaks rule (docs/panthor.md), refused at queue time. */
struct qcase {
	const char *rule;
	const char *name;
	struct gpuvm_drv_bind_op op;
	int nsync;              /* -1: syncs = NULL with n_syncs = 1 */
	struct gpuvm_drv_sync sync;
};

#define OPC(fl, h, o, v, s, r) \
	{ .flags = (fl), .bo_handle = (h), .bo_offset = (o), .va = (v), \
	  .size = (s), .repeat = (r) }
#define VALID_MAP OPC(T_MAP, H_BO, 0, EB + SZ_1M, SZ_4K, 0)
#define Q(r, n, o) { .rule = (r), .name = (n), .op = o }
#define QS(r, n, o, k, fl, t, pt) \
	{ .rule = (r), .name = (n), .op = o, .nsync = (k), \
	  .sync = { (fl), (t), (pt) } }

static const struct qcase qcases[] = {
	/* B4: alignment, size 0, overflow, the user range (B5: bo_offset). */
	Q("B4", "map va unaligned", OPC(T_MAP, H_BO, 0, EB + 0x800, SZ_4K, 0)),
	Q("B4", "map size unaligned", OPC(T_MAP, H_BO, 0, EB, SZ_4K + 4, 0)),
	Q("B5", "map bo_offset unaligned", OPC(T_MAP, H_BO, 8, EB, SZ_4K, 0)),
	Q("B4", "map size 0", OPC(T_MAP, H_BO, 0, EB, 0, 0)),
	Q("B4", "unmap va unaligned", OPC(T_UNMAP, 0, 0, EB + 4, SZ_4K, 0)),
	Q("B4", "unmap size unaligned", OPC(T_UNMAP, 0, 0, EB, 0x1800, 0)),
	Q("B4", "sparse size unaligned", OPC(SPARSE, 0, 0, EB, 0x1800, 0)),
	Q("B4", "map overflow",
	  OPC(T_MAP, H_BO, 0, 0xfffffffffffff000ull, 0x2000, 0)),
	Q("B4", "map in the kernel range",
	  OPC(T_MAP, H_BO, 0, USER_VA, SZ_4K, 0)),
	Q("B4", "unmap across the kernel range start",
	  OPC(T_UNMAP, 0, 0, USER_VA - SZ_4K, 2 * SZ_4K, 0)),
	/* B5: the handle, the BO's bounds, exclusive BOs (V9: repeat). */
	Q("B5", "map handle 0", OPC(T_MAP, 0, 0, EB, SZ_4K, 0)),
	Q("B5", "map handle never created",
	  OPC(T_MAP, H_NONE, 0, EB, SZ_4K, 0)),
	Q("B5", "map closed handle", OPC(T_MAP, H_CLOSED, 0, EB, SZ_4K, 0)),
	Q("B5", "map past the BO end",
	  OPC(T_MAP, H_BO, SZ_4K, EB, 16 * SZ_4K, 0)),
	Q("B5", "exclusive BO in another VM",
	  OPC(T_MAP, H_EXCL, 0, EB, SZ_4K, 0)),
	Q("V9", "repeat unaligned", OPC(T_MAP, H_BO, 0, EB, 8 * SZ_4K, 0x800)),
	Q("V9", "repeat past the BO end",
	  OPC(T_MAP, H_BO, 15 * SZ_4K, EB, 8 * SZ_4K, 2 * SZ_4K)),
	/* B6: MAP_SPARSE only with MAP and NOEXEC, no BO, offset, repeat. */
	Q("B6", "sparse without NOEXEC",
	  OPC(T_MAP | F_SPARSE, 0, 0, EB, SZ_4K, 0)),
	Q("B6", "sparse with a BO", OPC(SPARSE, H_BO, 0, EB, SZ_4K, 0)),
	Q("B6", "sparse with bo_offset", OPC(SPARSE, 0, SZ_4K, EB, SZ_4K, 0)),
	Q("B6", "sparse with repeat", OPC(SPARSE, 0, 0, EB, SZ_4K, SZ_4K)),
	Q("B6", "sparse flag on unmap",
	  OPC(T_UNMAP | SPARSE, 0, 0, EB, SZ_4K, 0)),
	/* B7: UNMAP carries no map flags, BO, offset or repeat. */
	Q("B7", "unmap with a BO", OPC(T_UNMAP, H_BO, 0, EB, SZ_4K, 0)),
	Q("B7", "unmap with bo_offset", OPC(T_UNMAP, 0, SZ_4K, EB, SZ_4K, 0)),
	Q("B7", "unmap readonly", OPC(T_UNMAP | F_RO, 0, 0, EB, SZ_4K, 0)),
	Q("B7", "unmap with repeat", OPC(T_UNMAP, 0, 0, EB, SZ_4K, SZ_4K)),
	/* B7: SYNC_ONLY carries nothing but syncs. */
	Q("B7", "sync with va", OPC(T_SYNC, 0, 0, EB, 0, 0)),
	Q("B7", "sync with size", OPC(T_SYNC, 0, 0, 0, SZ_4K, 0)),
	Q("B7", "sync with va and size", OPC(T_SYNC, 0, 0, EB, SZ_4K, 0)),
	Q("B7", "sync with a BO", OPC(T_SYNC, H_BO, 0, 0, 0, 0)),
	Q("B7", "sync with bo_offset", OPC(T_SYNC, 0, SZ_4K, 0, 0, 0)),
	Q("B7", "sync with noexec", OPC(T_SYNC | F_NX, 0, 0, 0, 0, 0)),
	Q("B7", "sync with uncached", OPC(T_SYNC | F_UC, 0, 0, 0, 0, 0)),
	Q("B7", "sync with repeat", OPC(T_SYNC, 0, 0, 0, 0, SZ_4K)),
	/* B2: unknown map flag bits; B1: undefined op types. */
	Q("B2", "map flag 1<<4", OPC(T_MAP | (1u << 4), H_BO, 0, EB, SZ_4K, 0)),
	Q("B1", "type 3", OPC(3u << 28, 0, 0, 0, 0, 0)),
	/* B9: malformed syncs: flags, timeline 0, point 0. */
	QS("B9", "sync flags 1", VALID_MAP, 1, 1, 1, 1),
	QS("B9", "sync flags signal | 1",
	  VALID_MAP, 1, GPUVM_DRV_SYNC_SIGNAL | 1, 1, 1),
	QS("B9", "sync flags 1<<30", VALID_MAP, 1, 1u << 30, 1, 1),
	QS("B9", "wait on timeline 0", VALID_MAP, 1, GPUVM_DRV_SYNC_WAIT, 0, 1),
	QS("B9", "signal timeline 0",
	  VALID_MAP, 1, GPUVM_DRV_SYNC_SIGNAL, 0, 1),
	QS("B9", "wait for point 0", VALID_MAP, 1, GPUVM_DRV_SYNC_WAIT, 1, 0),
	QS("B9", "signal point 0", VALID_MAP, 1, GPUVM_DRV_SYNC_SIGNAL, 1, 0),
	QS("B9", "bad sync on a sync-only op",
	  OPC(T_SYNC, 0, 0, 0, 0, 0), 1, GPUVM_DRV_SYNC_SIGNAL, 0, 1),
};

static struct gpuvm_drv_bind_op qcase_op(const struct qcase *c)
{
	struct gpuvm_drv_bind_op op = c->op;

	if (c->nsync > 0) {
		op.syncs = &c->sync;
		op.n_syncs = (uint32_t)c->nsync;
	} else if (c->nsync < 0) {
		op.syncs = NULL;
		op.n_syncs = 1;
	}
	return op;
}

/*
 * The error file: BOs for the H_* handles, VM 1 (the env's) with some
 * state, a queued job waiting on T50, and a full TLB. Returns VM 2.
 */
static uint32_t qfile_make(struct drv_env *e)
{
	const struct gpuvm_drv_sync w50[] = { sy_wait(50, 1) };
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, vm2 = vm_new(f);

	assert_int_equal(bo_new(f, 16, 0x1), H_BO);
	assert_int_equal(bo_new_excl(f, 16, 0x2, vm2), H_EXCL);
	assert_int_equal(bo_new(f, 16, 0x3), H_CLOSED);
	assert_int_equal(gpuvm_drv_bo_close(f, H_CLOSED), 0);
	assert_int_equal(sbind(f, vm, op_sparse(2 * SZ_1G, 4 * SZ_1M)), 0);
	assert_int_equal(sbind(f, vm, op_map(H_BO, 0, 3 * SZ_1G, 16 * SZ_4K)),
			 0);
	queue1(f, vm, with(op_unmap(3 * SZ_1G, SZ_4K), w50, 1));
	rd32(f, vm, 2 * SZ_1G);
	rd32(f, vm, 3 * SZ_1G + SZ_4K);
	check_ok(f, vm);
	return vm2;
}

/*
 * Each row of qcases (B11): as op 2 of a batch whose two valid ops need
 * tables (a new region) and a new BO pin, then alone: nothing queued,
 * the same errno, its index. Synchronously too, the same errno (sync
 * points need ASYNC anyway; a SYNC_ONLY carrying them is
 * test_async_sync_only's business).
 */
static void queue_rule_cases(struct drv_env *e)
{
	const struct gpuvm_drv_sync sig = sy_signal(1, 1);
	struct gpuvm_drv_file *f = e->f;
	struct gpuvm_drv_bind_op ops[3];
	uint32_t vm = e->vm, failed, i;
	char what[128];
	struct snap s;

	ops[0] = with(op_map(H_BO, 0, EB + SZ_2M + SZ_4K, 8 * SZ_4K), &sig, 1);
	ops[1] = op_sparse(EB + 4 * SZ_1M, 3 * SZ_2M + SZ_4K);
	for (i = 0; i < ARRAY_SIZE(qcases); i++) {
		const struct qcase *c = &qcases[i];

		snprintf(what, sizeof(what), "%s, %s, as op 2 of 3", c->rule,
			 c->name);
		snap_take(e->dev, f, vm, &s);
		ops[2] = qcase_op(c);
		if (abind(f, vm, ops, 3, &failed) != -EINVAL || failed != 2)
			fail_msg("%s: failed = %u", what, failed);
		snap_expect_same_but_peak(e->dev, f, vm, &s, what);
		snap_free(&s);

		snprintf(what, sizeof(what), "%s, %s, alone", c->rule, c->name);
		snap_take(e->dev, f, vm, &s);
		if (abind(f, vm, &ops[2], 1, &failed) != -EINVAL || failed != 0)
			fail_msg("%s: failed = %u", what, failed);
		snap_expect_same_but_peak(e->dev, f, vm, &s, what);
		snprintf(what, sizeof(what), "%s, %s, synchronous", c->rule,
			 c->name);
		if (!(c->nsync && (c->op.flags & GPUVM_DRV_OP_TYPE_MASK) ==
			  T_SYNC) && sbind(f, vm, ops[2]) != -EINVAL)
			fail_msg("%s: not -EINVAL", what);
		snap_expect_same_but_peak(e->dev, f, vm, &s, what);
		snap_free(&s);
	}
}

/*
 * B9: sync points without ASYNC (on SYNC_ONLY: test_async_sync_only);
 * B3: unknown VM_BIND flags; no ops array, a bad VM; and an empty async
 * batch queues nothing.
 */
static void queue_bad_calls(struct drv_env *e)
{
	const struct gpuvm_drv_sync sig = sy_signal(1, 1);
	const struct gpuvm_drv_bind_op op = with(op_map(H_BO, 0,
							EB + SZ_2M + SZ_4K,
							8 * SZ_4K), &sig, 1);
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm;
	struct snap s;

	snap_take(e->dev, f, vm, &s);
	assert_int_equal(sbind(f, vm, op), -EINVAL);
	assert_int_equal(sbind(f, vm, with(op_unmap(3 * SZ_1G, SZ_4K), &sig,
					   1)), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, ASYNC | 2, &op, 1, NULL),
			 -EINVAL);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, ASYNC, NULL, 1, NULL),
			 -EINVAL);
	assert_int_equal(gpuvm_drv_vm_bind(f, 9, ASYNC, &op, 1, NULL),
			 -EINVAL);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, ASYNC, NULL, 0, NULL), 0);
	snap_expect_same_but_peak(e->dev, f, vm, &s, "bad bind calls");
	snap_free(&s);
}

/*
 * Memory at queue time: the reservation does not fit the budget and
 * nothing can be evicted (the BOs pinned, the dummy out already).
 */
static void queue_enomem(struct drv_env *e)
{
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	struct gpuvm_drv_bind_op op = op_map(H_BO, 0, 64 * SZ_1G, SZ_4K);
	uint32_t vm = e->vm, failed;
	struct snap s;

	assert_int_equal(gpuvm_drv_bo_pin(f, H_BO, true), 0);
	assert_int_equal(gpuvm_drv_bo_pin(f, H_EXCL, true), 0);
	assert_int_equal(gpuvm_drv_dummy_evict(f), 0);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, frames_used(dev) *
						     SZ_4K), 0);
	snap_take(dev, f, vm, &s);
	assert_int_equal(abind(f, vm, &op, 1, &failed), -ENOMEM);
	assert_int_equal(failed, 0);
	snap_expect_same_but_peak(dev, f, vm, &s, "-ENOMEM at queue time");
	snap_free(&s);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, 0), 0);
	assert_int_equal(gpuvm_drv_bo_pin(f, H_BO, false), 0);
	assert_int_equal(gpuvm_drv_bo_pin(f, H_EXCL, false), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G), 0);
}

/* A fresh file: a failing batch does not leave the dummy its sparse op
 * made (B14: the dummy is made lazily). */
static void queue_fresh_file(struct drv_env *e)
{
	struct gpuvm_drv_file *g = file_new(e->dev);
	struct gpuvm_drv_bind_op ops[3] = {
		op_sparse(2 * SZ_1G, SZ_2M),
		op_sparse(5 * SZ_1G, SZ_1G),
		op_sparse(2 * SZ_1G + SZ_4K, SZ_4K),
	};
	uint32_t gv = vm_new(g), failed;
	uint64_t used = frames_used(e->dev);
	bool r;

	ops[2].flags = T_MAP | F_SPARSE;
	assert_int_equal(abind(g, gv, ops, 3, &failed), -EINVAL);
	assert_int_equal(failed, 2);
	assert_int_equal(frames_used(e->dev), used);
	assert_int_equal(queued(g, gv), 0);
	assert_int_equal(gpuvm_drv_bo_resident(g, 0, &r), -ENOENT);
	assert_int_equal(vstats(g, gv).shared_pt_pages, 0);
	check_ok(g, gv);
	gpuvm_drv_file_close(g);
}

/* After all of that, the valid ops queue; the earlier job still waits. */
static void queue_valid_after(struct drv_env *e)
{
	struct gpuvm_drv_file *f = e->f;
	const struct gpuvm_drv_bind_op ops[2] = {
		op_map(H_BO, 0, EB + SZ_2M + SZ_4K, 8 * SZ_4K),
		op_sparse(EB + 4 * SZ_1M, 3 * SZ_2M + SZ_4K),
	};
	uint32_t vm = e->vm, failed;

	assert_int_equal(abind(f, vm, ops, 2, &failed), 0);
	assert_int_equal(queued(f, vm), 3);
	assert_int_equal(run(e->dev), 0);
	signal_tl(e->dev, 50, 1);
	assert_int_equal(run(e->dev), 3);
	expect_gone(f, vm, 3 * SZ_1G);
	expect_bo(f, vm, EB + SZ_2M + 2 * SZ_4K, H_BO, 0x1, SZ_4K);
	assert_int_equal(kind_at(f, vm, EB + 10 * SZ_1M), GPUVM_DRV_SPARSE);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_USABLE);
	check_ok(f, vm);
}

static void test_async_queue_errors(void **state)
{
	struct drv_env *e = *state;

	qfile_make(e);
	queue_rule_cases(e);
	queue_bad_calls(e);
	queue_enomem(e);
	queue_fresh_file(e);
	queue_valid_after(e);
}

/*
 * n_syncs without a syncs array: -EINVAL at queue time like every other
 * bad sync, index reported, nothing queued.
 */
static void test_async_syncs_null(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h = bo_new(f, 16, 0x1), failed;
	struct gpuvm_drv_bind_op ops[2];
	struct snap s;

	ops[0] = op_map(h, 0, 2 * SZ_1G, SZ_4K);
	ops[1] = op_map(h, 0, 3 * SZ_1G, SZ_4K);
	ops[1].n_syncs = 1;
	snap_take(dev, f, vm, &s);
	assert_int_equal(sbind(f, vm, ops[1]), -EINVAL);
	assert_int_equal(abind(f, vm, ops, 2, &failed), -EINVAL);
	assert_int_equal(failed, 1);
	snap_expect_same_but_peak(dev, f, vm, &s, "syncs NULL");
	snap_free(&s);
}

/* ------------------------------------------------------------------ */
/* 4. Page tables are reserved at queue time                           */

static void test_async_reservation(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, ref = vm_new(f), h = bo_new(f, 16, 0x1);
	const uint64_t va = 2 * SZ_1G + 12 * 1024;
	struct gpuvm_drv_vm_stats st, rst;
	uint64_t pt0, pt1, pt2;

	pt0 = frames_of(dev, GPUVM_MEM_PT);
	assert_int_equal(vstats(f, vm).pt_reserved_peak, 0);
	/*
	 * A 16-page map into an empty VM needs an L1, an L2 and an L3 (3).
	 * Queued, it reserves its worst case now, whatever runs before it:
	 * at least those 3, plus block splits at its unaligned ends. The
	 * frames are taken at once, and they are the job's reservation.
	 */
	queue1(f, vm, with(op_map(h, 0, va, 16 * SZ_4K),
			   (const struct gpuvm_drv_sync[]){ sy_wait(1, 1) },
			   1));
	st = vstats(f, vm);
	pt1 = frames_of(dev, GPUVM_MEM_PT);
	assert_true(pt1 >= pt0 + 3 + 2);
	assert_int_equal(st.pt_reserved_peak, pt1 - pt0);
	/* Nothing mapped yet. */
	assert_int_equal(st.pt_pages, 1);
	assert_int_equal(st.mappings, 0);
	assert_int_equal(st.leaf_4k, 0);
	/* An unmap with both ends unaligned: a split at each end, more. */
	queue1(f, vm, op_unmap(va + SZ_4K, SZ_4K));
	pt2 = frames_of(dev, GPUVM_MEM_PT);
	assert_true(pt2 >= pt1 + 2);
	/* A sync-only op reserves nothing. */
	queue1(f, vm, op_sync());
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT), pt2);
	assert_int_equal(queued(f, vm), 3);
	assert_int_equal(vstats(f, vm).pt_pages, 1);

	signal_tl(dev, 1, 1);
	assert_int_equal(run(dev), 3);
	/* What is left is what the map needed: L1, L2, L3. */
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT), pt0 + 3);
	check_ok(f, vm);
	/* The same ops run synchronously in another VM: same result. */
	assert_int_equal(sbind(f, ref, op_map(h, 0, va, 16 * SZ_4K)), 0);
	assert_int_equal(sbind(f, ref, op_unmap(va + SZ_4K, SZ_4K)), 0);
	st = vstats(f, vm);
	rst = vstats(f, ref);
	assert_int_equal(st.pt_pages, rst.pt_pages);
	assert_int_equal(st.pt_pages, 4);
	assert_int_equal(st.mappings, rst.mappings);
	assert_int_equal(st.leaf_4k, rst.leaf_4k);
	assert_int_equal(st.leaf_4k, 15);
	assert_int_equal(rd32(f, vm, va + 2 * SZ_4K), pat(0x1, 2));
	expect_gone(f, vm, va + SZ_4K);
	/* The exact count for the synchronous map was 3. */
	assert_int_equal(rst.pt_reserved_peak, 3);
	assert_true(st.pt_reserved_peak > rst.pt_reserved_peak);
}

/* ------------------------------------------------------------------ */
/* 5. An execution failure makes the VM unusable                       */

/* VM 1 made unusable by a failed job, and VM 2 beside it. */
struct unus {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm, v2, a, b;
};

#define UX (2 * SZ_1G)
#define UY (3 * SZ_1G)
#define UZ (4 * SZ_1G)
#define UW (5 * SZ_1G)

/*
 * Y fails (its VA allocation); Z, a MAP behind it, is refused; the unmap
 * of X runs; the sync-only op signals; every signal fires (B10).
 */
static void unusable_by_failed_job(struct unus *u)
{
	const struct gpuvm_drv_sync s[5] = {
		sy_signal(1, 1), sy_signal(1, 2), sy_signal(1, 3),
		sy_signal(1, 4), sy_wait(1, 2),
	};
	struct gpuvm_drv_file *f = u->f;
	struct gpuvm_drv_bind_op ops[4];
	uint32_t vm = u->vm, failed;

	assert_int_equal(sbind(f, vm, op_map(u->a, 0, UX, 16 * SZ_4K)), 0);
	assert_int_equal(sbind(f, vm, op_map(u->a, 0, UW, 16 * SZ_4K)), 0);
	ops[0] = with(op_map(u->b, 0, UY, 16 * SZ_4K), &s[0], 1);
	ops[1] = with(op_map(u->a, 0, UZ, 4 * SZ_4K), &s[1], 1);
	ops[2] = with(op_unmap(UX, 16 * SZ_4K), &s[2], 1);
	ops[3] = with(op_sync(), &s[3], 1);
	assert_int_equal(abind(f, vm, ops, 4, &failed), 0);
	/* Another VM waits on the refused MAP's signal. */
	queue1(f, u->v2, with(op_map(u->b, 0, UY, SZ_4K), &s[4], 1));
	assert_int_equal(queued(f, vm), 4);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_USABLE);
	assert_int_equal(gpuvm_drv_bo_evict(f, u->b), -EBUSY);
	assert_int_equal(gpuvm_drv_vm_fail_nth_alloc(f, vm, 1), 0);

	assert_int_equal(run(u->dev), 5);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_UNUSABLE);
	assert_int_equal(vm_state(f, u->v2), GPUVM_DRV_VM_USABLE);
	assert_int_equal(tl(u->dev, 1), 4);
	assert_int_equal(queued(f, vm), 0);
	assert_int_equal(kind_at(f, vm, UY), GPUVM_DRV_NONE);
	assert_int_equal(kind_at(f, vm, UZ), GPUVM_DRV_NONE);
	expect_gone(f, vm, UY);
	expect_gone(f, vm, UZ);
	/* The unmap ran. */
	assert_int_equal(kind_at(f, vm, UX), GPUVM_DRV_NONE);
	expect_gone(f, vm, UX);
	expect_bo(f, vm, UW + SZ_4K, u->a, 0xa, SZ_4K);
	expect_bo(f, u->v2, UY, u->b, 0xb, 0);
	check_ok(f, vm);
	check_ok(f, u->v2);
}

/*
 * What the failed jobs held is given back: reservations (VM 1 has the
 * tables of W only: root, L1, L2, L3; VM 2 those of Y) and pins. The
 * dump says the VM is unusable.
 */
static void unusable_released(struct unus *u)
{
	struct gpuvm_drv_file *f = u->f;
	uint64_t pt_base;
	char *d;

	assert_int_equal(vstats(f, u->vm).pt_pages, 4);
	pt_base = vstats(f, u->vm).pt_pages + vstats(f, u->v2).pt_pages;
	assert_int_equal(frames_of(u->dev, GPUVM_MEM_PT), pt_base);
	assert_int_equal(gpuvm_drv_bo_evict(f, u->b), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, u->v2), 0);
	d = dump_of(f, u->vm);
	assert_non_null(strstr(d, "(unusable)"));
	free(d);
}

/* MAP is refused, synchronously and at queue time, with nothing queued;
 * UNMAP and SYNC_ONLY still go through (B10). */
static void unusable_refuses_map(struct unus *u)
{
	const struct gpuvm_drv_sync s1 = sy_signal(1, 2);
	const struct gpuvm_drv_bind_op map_z = with(op_map(u->a, 0, UZ,
							   4 * SZ_4K), &s1, 1);
	struct gpuvm_drv_file *f = u->f;
	struct gpuvm_drv_bind_op ops[2];
	uint32_t vm = u->vm, failed;
	struct snap sn;

	snap_take(u->dev, f, vm, &sn);
	assert_int_equal(sbind(f, vm, op_map(u->a, 0, UY, SZ_4K)), -EINVAL);
	assert_int_equal(sbind(f, vm, op_sparse(UY, SZ_2M)), -EINVAL);
	assert_int_equal(abind(f, vm, &map_z, 1, &failed), -EINVAL);
	assert_int_equal(failed, 0);
	ops[0] = op_unmap(UW, SZ_4K);
	ops[1] = op_sparse(UY, SZ_2M);
	assert_int_equal(abind(f, vm, ops, 2, &failed), -EINVAL);
	assert_int_equal(failed, 1);
	assert_int_equal(sbind(f, vm, op_sync()), 0);
	snap_expect_same_but_peak(u->dev, f, vm, &sn, "MAP on an unusable VM");
	snap_free(&sn);
}

/* A synchronous UNMAP that splits W's mapping; asynchronous UNMAPs of
 * the rest, and a sync-only point. */
static void unusable_unmaps(struct unus *u)
{
	const struct gpuvm_drv_sync s0 = sy_signal(1, 1), s21 = sy_signal(2, 1);
	const struct gpuvm_drv_bind_op ops[3] = {
		op_unmap(UW, 4 * SZ_4K),
		with(op_unmap(UW + 6 * SZ_4K, 10 * SZ_4K), &s0, 1),
		with(op_sync(), &s21, 1),
	};
	struct gpuvm_drv_file *f = u->f;
	uint32_t vm = u->vm, failed;

	assert_int_equal(sbind(f, vm, op_unmap(UW + 4 * SZ_4K, 2 * SZ_4K)), 0);
	check_ok(f, vm);
	expect_gone(f, vm, UW + 5 * SZ_4K);
	expect_bo(f, vm, UW + 6 * SZ_4K, u->a, 0xa, 6 * SZ_4K);
	assert_int_equal(vstats(f, vm).mappings, 2);
	assert_int_equal(abind(f, vm, ops, 3, &failed), 0);
	assert_int_equal(queued(f, vm), 3);
	assert_int_equal(run(u->dev), 3);
	assert_int_equal(tl(u->dev, 2), 1);
	assert_int_equal(vstats(f, vm).mappings, 0);
	assert_int_equal(vstats(f, vm).pt_pages, 1);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_UNUSABLE);
	check_ok(f, vm);
}

/* Unusable is for good; a new VM is usable. */
static void unusable_for_good(struct unus *u)
{
	uint32_t id;

	assert_int_equal(gpuvm_drv_vm_destroy(u->f, u->vm), 0);
	assert_int_equal(gpuvm_drv_vm_create(u->f, 0, &id), 0);
	assert_int_equal(id, u->vm);
	assert_int_equal(vm_state(u->f, id), GPUVM_DRV_VM_USABLE);
	assert_int_equal(sbind(u->f, id, op_map(u->a, 0, UX, SZ_4K)), 0);
	check_ok(u->f, id);
}

static void test_async_unusable(void **state)
{
	struct drv_env *e = *state;
	struct unus u = { .dev = e->dev, .f = e->f, .vm = e->vm };

	u.v2 = vm_new(u.f);
	u.a = bo_new(u.f, 16, 0xa);
	u.b = bo_new(u.f, 16, 0xb);
	unusable_by_failed_job(&u);
	unusable_released(&u);
	unusable_refuses_map(&u);
	unusable_unmaps(&u);
	unusable_for_good(&u);
}

/* ------------------------------------------------------------------ */
/* 6. SYNC_ONLY                                                        */

static void test_async_sync_only(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t v1 = e->vm, v2 = vm_new(f), a = bo_new(f, 16, 0xa);
	const struct gpuvm_drv_sync gate[] = { sy_wait(1, 1),
					       sy_signal(2, 1) };
	const struct gpuvm_drv_sync after[] = { sy_signal(3, 1) };
	const struct gpuvm_drv_sync w2[] = { sy_wait(2, 1) };
	const struct gpuvm_drv_sync two[] = { sy_signal(4, 5),
					      sy_signal(5, 7) };
	struct gpuvm_drv_bind_op op;
	uint32_t failed;
	struct snap s;
	uint64_t pt;

	/* Each field a SYNC_ONLY must leave zero, with syncs attached. */
	snap_take(dev, f, v1, &s);
	op = with(op_sync(), gate, 2);
	op.va = 2 * SZ_1G;
	assert_int_equal(abind(f, v1, &op, 1, &failed), -EINVAL);
	op = with(op_sync(), gate, 2);
	op.size = SZ_4K;
	assert_int_equal(abind(f, v1, &op, 1, &failed), -EINVAL);
	op = with(op_sync(), gate, 2);
	op.bo_handle = a;
	assert_int_equal(abind(f, v1, &op, 1, &failed), -EINVAL);
	op = with(op_sync(), gate, 2);
	op.bo_offset = SZ_4K;
	assert_int_equal(abind(f, v1, &op, 1, &failed), -EINVAL);
	op = with(op_sync(), gate, 2);
	op.flags |= F_RO;
	assert_int_equal(abind(f, v1, &op, 1, &failed), -EINVAL);
	op = with(op_sync(), gate, 2);
	op.flags |= F_SPARSE;
	assert_int_equal(abind(f, v1, &op, 1, &failed), -EINVAL);
	/* Synchronous SYNC_ONLY without syncs: fine, a no-op. */
	assert_int_equal(sbind(f, v1, op_sync()), 0);
	snap_expect_same_but_peak(dev, f, v1, &s, "bad SYNC_ONLY");
	snap_free(&s);

	/* A pure sync point: it holds back VM 1's next job (which waits on
	 * nothing) and VM 2's job (which waits on its signal). */
	pt = frames_of(dev, GPUVM_MEM_PT);
	queue1(f, v1, with(op_sync(), gate, 2));
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT), pt);
	queue1(f, v1, with(op_map(a, 0, 2 * SZ_1G, 16 * SZ_4K), after, 1));
	queue1(f, v2, with(op_map(a, 0, 3 * SZ_1G, 16 * SZ_4K), w2, 1));
	assert_int_equal(run(dev), 0);
	assert_int_equal(kind_at(f, v1, 2 * SZ_1G), GPUVM_DRV_NONE);
	assert_int_equal(kind_at(f, v2, 3 * SZ_1G), GPUVM_DRV_NONE);
	assert_int_equal(gpuvm_drv_wait(dev, 3, 1), -ETIMEDOUT);
	signal_tl(dev, 1, 1);
	assert_int_equal(run(dev), 3);
	assert_int_equal(tl(dev, 2), 1);
	assert_int_equal(tl(dev, 3), 1);
	expect_bo(f, v1, 2 * SZ_1G + SZ_4K, a, 0xa, SZ_4K);
	expect_bo(f, v2, 3 * SZ_1G + SZ_4K, a, 0xa, SZ_4K);

	/* A SYNC_ONLY with no syncs is a job that does nothing; one with two
	 * signals fires both. */
	snap_take(dev, f, v1, &s);
	queue1(f, v1, op_sync());
	queue1(f, v1, with(op_sync(), two, 2));
	assert_int_equal(queued(f, v1), 2);
	assert_int_equal(run(dev), 2);
	assert_int_equal(tl(dev, 4), 5);
	assert_int_equal(tl(dev, 5), 7);
	snap_expect_same_but_peak(dev, f, v1, &s, "sync-only jobs");
	snap_free(&s);
	check_ok(f, v2);

	/*
	 * Synchronously, a SYNC_ONLY with syncs is refused like any op with
	 * syncs (drv.h: syncs only with ASYNC, -EINVAL otherwise): it could
	 * not honour them, and a signal silently dropped would leave its
	 * waiter hanging.
	 */
	snap_take(dev, f, v1, &s);
	assert_int_equal(sbind(f, v1, with(op_sync(), two, 2)), -EINVAL);
	assert_int_equal(sbind(f, v1, with(op_sync(), gate, 2)), -EINVAL);
	snap_expect_same_but_peak(dev, f, v1, &s,
				  "synchronous SYNC_ONLY with syncs");
	snap_free(&s);
}

/* ------------------------------------------------------------------ */
/* 7. Queued jobs of a VM or file that goes away                       */

static void test_async_destroy(void **state)
{
	struct gpuvm_drv_device *dev = dev_new();
	struct gpuvm_drv_file *f = file_new(dev), *g;
	uint32_t v2 = vm_new(f), a = bo_new(f, 16, 0xa), vm, gv, gb;
	const struct gpuvm_drv_sync s1[] = { sy_wait(1, 1), sy_signal(2, 1) };
	const struct gpuvm_drv_sync s2[] = { sy_signal(2, 2) };
	const struct gpuvm_drv_sync s3[] = { sy_signal(3, 1) };
	const struct gpuvm_drv_sync w[] = { sy_wait(2, 2) };
	const struct gpuvm_drv_sync gs[] = { sy_wait(7, 1), sy_signal(8, 1) };
	struct gpuvm_mem_stats m0, m;
	bool r;

	(void)state;
	m0 = mstats(dev);
	vm = vm_new(f);
	queue1(f, vm, with(op_map(a, 0, 2 * SZ_1G + 12 * 1024, 16 * SZ_4K),
			   s1, 2));
	/* The first sparse op of the file makes the dummy, at queue time. */
	queue1(f, vm, with(op_sparse(4 * SZ_1G + SZ_2M, 2 * SZ_1G), s2, 1));
	queue1(f, vm, with(op_unmap(2 * SZ_1G + 16 * 1024, SZ_4K), s3, 1));
	queue1(f, v2, with(op_map(a, 0, 5 * SZ_1G, SZ_4K), w, 1));
	m = mstats(dev);
	assert_true(m.frames_by_purpose[GPUVM_MEM_PT] >
		    m0.frames_by_purpose[GPUVM_MEM_PT] + 1);
	assert_int_equal(m.frames_by_purpose[GPUVM_MEM_BO],
			 m0.frames_by_purpose[GPUVM_MEM_BO] + PAGES_2M);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), -EBUSY);
	assert_int_equal(gpuvm_drv_dummy_evict(f), -EBUSY);

	/* The VM goes: its jobs never run, their signals fire, their
	 * reservations and pins go. The dummy is the file's: it stays. */
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm), 0);
	assert_int_equal(tl(dev, 2), 2);
	assert_int_equal(tl(dev, 3), 1);
	assert_int_equal(tl(dev, 1), 0);
	assert_int_equal(gpuvm_drv_dummy_evict(f), 0);
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &r), 0);
	assert_false(r);
	/* What is left is VM 2's root and its queued job's reservation. */
	m = mstats(dev);
	assert_int_equal(vstats(f, v2).pt_pages, 1);
	assert_int_equal(m.frames_by_purpose[GPUVM_MEM_PT],
			 m0.frames_by_purpose[GPUVM_MEM_PT] +
			 vstats(f, v2).pt_reserved_peak);
	/* VM 2's job still holds A. */
	assert_int_equal(gpuvm_drv_bo_evict(f, a), -EBUSY);
	/* It was waiting on a signal of the destroyed VM: it runs. */
	assert_int_equal(run(dev), 1);
	expect_bo(f, v2, 5 * SZ_1G, a, 0xa, 0);
	check_ok(f, v2);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);

	/* A whole file with queued jobs: every frame back, signals fired. */
	m0 = mstats(dev);
	g = file_new(dev);
	gv = vm_new(g);
	gb = bo_new(g, 16, 0xb);
	queue1(g, gv, with(op_map(gb, 0, 2 * SZ_1G + SZ_4K, 16 * SZ_4K), gs,
			   2));
	queue1(g, gv, op_sparse(3 * SZ_1G, SZ_1G + SZ_2M));
	assert_int_equal(gpuvm_drv_bo_close(g, gb), 0);
	assert_true(frames_used(dev) > m0.frames_used);
	gpuvm_drv_file_close(g);
	assert_int_equal(frames_used(dev), m0.frames_used);
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT),
			 m0.frames_by_purpose[GPUVM_MEM_PT]);
	assert_int_equal(tl(dev, 8), 1);
	assert_int_equal(gpuvm_mem_validate(gpuvm_drv_device_mem(dev), stderr),
			 0);

	/* And the device, with jobs still queued (the sanitizer build
	 * checks nothing leaks). */
	queue1(f, v2, with(op_map(a, 0, 6 * SZ_1G, SZ_4K), gs, 2));
	gpuvm_drv_device_destroy(dev);
}

/* ------------------------------------------------------------------ */
/* 8. A queued MAP of an evicted BO                                    */

static void test_async_evicted_target(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, a = bo_new(f, 16, 0xa), b = bo_new(f, 16, 0xb);
	const uint64_t X = 2 * SZ_1G, Y = 4 * SZ_1G + 12 * 1024;
	const struct gpuvm_drv_sync w[] = { sy_wait(1, 1) };
	uint64_t bo0, freed, x;
	uint32_t v = 0x77777777;

	assert_int_equal(sbind(f, vm, op_map(a, 0, X, 16 * SZ_4K)), 0);
	assert_int_equal(sbind(f, vm, op_map(b, 0, 3 * SZ_1G, 16 * SZ_4K)), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	assert_int_equal(gpuvm_drv_bo_write(f, a, 2 * SZ_4K + 8, &v, 4), 0);
	bo0 = frames_of(dev, GPUVM_MEM_BO);

	/* Queueing brings A back at once and pins it until the job runs. */
	queue1(f, vm, with(op_map(a, 0, Y, 16 * SZ_4K), w, 1));
	assert_true(resident(f, a));
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), bo0 + 16);
	/* Its old VAs wait for validate. */
	expect_gone(f, vm, X);
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), -EBUSY);
	/* The shrinker takes B (16 frames, its L2 and L3, and L1, which A's
	 * eviction left to B alone), not A. */
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_1G, &freed), 0);
	assert_int_equal(freed, (16 + 3) * SZ_4K);
	assert_true(resident(f, a));
	assert_false(resident(f, b));
	check_ok(f, vm);

	signal_tl(dev, 1, 1);
	assert_int_equal(run(dev), 1);
	for (x = 0; x < 16; x++)
		assert_int_equal(rd32(f, vm, Y + x * SZ_4K + 0x40),
				 pat(0xa, x));
	assert_int_equal(rd32(f, vm, Y + 2 * SZ_4K + 8), 0x77777777);
	check_ok(f, vm);
	/* Run, it is an ordinary BO again. */
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	expect_gone(f, vm, Y);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	assert_int_equal(rd32(f, vm, X + 2 * SZ_4K + 8), 0x77777777);
	assert_int_equal(rd32(f, vm, Y + 15 * SZ_4K), pat(0xa, 15));
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + 15 * SZ_4K), pat(0xb, 15));
}

/*
 * All or nothing, with memory: a batch whose op 0 maps an evicted BO and
 * whose op 1 is invalid queues nothing, and must not leave the BO it
 * brought back for op 0 resident, nor another BO evicted to make room
 * for it (evict.c: a request that cannot succeed must not cost other BOs
 * their residency; a synchronous op that fails leaves no trace).
 */
static void test_async_failed_batch_restore(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, a = bo_new(f, 16, 0xa), b = bo_new(f, 16, 0xb);
	struct gpuvm_drv_bind_op ops[2];
	uint64_t used;
	uint32_t failed;

	assert_int_equal(sbind(f, vm, op_map(a, 0, 2 * SZ_1G, 16 * SZ_4K)), 0);
	assert_int_equal(sbind(f, vm, op_map(b, 0, 2 * SZ_1G + SZ_1M,
					     16 * SZ_4K)), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	used = frames_used(dev);
	/* Room for op 0's worst-case tables, not for A's 16 frames as well:
	 * restoring A for op 0 has to evict B. Op 1 is invalid. */
	assert_int_equal(gpuvm_drv_device_set_budget(dev, (used + 15) * SZ_4K),
			 0);
	ops[0] = op_map(a, 0, 2 * SZ_1G + 64 * 1024, SZ_4K);
	ops[1] = op_unmap(2 * SZ_1G + 1, SZ_4K);
	assert_int_equal(abind(f, vm, ops, 2, &failed), -EINVAL);
	assert_int_equal(failed, 1);
	assert_int_equal(queued(f, vm), 0);
	check_ok(f, vm);
	/* The synchronous equivalent leaves no trace; neither may this. */
	if (!resident(f, b) || resident(f, a) || frames_used(dev) != used) {
		bool ra = resident(f, a), rb = resident(f, b);
		uint64_t now = frames_used(dev);

		fail_msg("failed async batch left a trace: A resident %d (was "
			 "0), B resident %d (was 1), frames_used %" PRIu64
			 " (was %" PRIu64 ")", ra, rb, now, used);
	}
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + SZ_1M), pat(0xb, 0));
}

/* ------------------------------------------------------------------ */
/* 9. Worst-case reservations                                          */

/*
 * Jobs queued into one 1 GiB region whose tables change under them:
 * each job's reservation was made for a state that is not the one it
 * meets. Every job must still run (the VM stays usable), and the result
 * must be what the same ops give synchronously.
 */
static void worst_case(const char *name, const struct gpuvm_drv_device_cfg *cfg,
		       const struct gpuvm_drv_bind_op *pre, uint32_t npre,
		       const struct gpuvm_drv_bind_op *ops, uint32_t nops)
{
	struct gpuvm_drv_device *dev = dev_new_cfg(cfg);
	struct gpuvm_drv_file *f = file_new(dev);
	uint32_t vm = vm_new(f), ref = vm_new(f), h = bo_new(f, PAGES_2M, 0x1);
	struct gpuvm_drv_vm_stats st, rst;
	uint32_t i, failed;

	assert_int_equal(h, 1);
	for (i = 0; i < npre; i++) {
		assert_int_equal(sbind(f, vm, pre[i]), 0);
		assert_int_equal(sbind(f, ref, pre[i]), 0);
	}
	assert_int_equal(abind(f, vm, ops, nops, &failed), 0);
	assert_int_equal(queued(f, vm), nops);
	assert_int_equal(run(dev), nops);
	if (vm_state(f, vm) != GPUVM_DRV_VM_USABLE) {
		gpuvm_drv_device_destroy(dev);
		fail_msg("%s: a job failed at run time: the VM is unusable",
			 name);
	}
	check_ok(f, vm);
	/* The reference after the run: it must not change what the queued
	 * jobs met (its ranges could hold shared tables alive). */
	for (i = 0; i < nops; i++)
		assert_int_equal(sbind(f, ref, ops[i]), 0);
	check_ok(f, ref);
	st = vstats(f, vm);
	rst = vstats(f, ref);
	expect_same_shape(&st, &rst);
	expect_dumps_match(f, vm, f, ref);
	gpuvm_drv_device_destroy(dev);
}

static void test_async_worst_case(void **state)
{
	struct gpuvm_drv_device_cfg dummy = {
		.sparse = GPUVM_DRV_SPARSE_DUMMY,
	};
	struct gpuvm_drv_device_cfg null1g = {
		.sparse = GPUVM_DRV_SPARSE_NULL,
		.pgsizes = GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M |
			   GPUVM_PT_PGSIZE_1G,
	};
	const uint64_t R = 2 * SZ_1G;
	struct gpuvm_drv_bind_op pre[2], ops[4];

	(void)state;
	/* An UNMAP splitting one block and a MAP splitting another, into a
	 * sparse range of blocks. */
	pre[0] = op_sparse(R, 8 * SZ_1M);
	ops[0] = op_unmap(R + SZ_2M + SZ_4K, 2 * SZ_4K);
	ops[1] = op_map(1, 0, R + 4 * SZ_1M + 3 * SZ_4K, 4 * SZ_4K);
	worst_case("unmap and map splitting sparse blocks", &dummy, pre, 1,
		   ops, 2);
	/* The same into an empty region: at queue time there was nothing to
	 * split; the first job makes the blocks the others split. */
	ops[0] = op_sparse(R, 8 * SZ_1M);
	ops[1] = op_unmap(R + SZ_2M + SZ_4K, 2 * SZ_4K);
	ops[2] = op_map(1, 0, R + 4 * SZ_1M + 3 * SZ_4K, 4 * SZ_4K);
	ops[3] = op_map(1, SZ_4K, R + 6 * SZ_1M - SZ_4K, 2 * SZ_4K);
	worst_case("sparse, then splits, all queued", &dummy, NULL, 0, ops, 4);
	/* A BO's 2 MiB block, split by an unmap queued after its map. */
	ops[0] = op_map(1, 0, R, SZ_2M);
	ops[1] = op_unmap(R + SZ_1M, SZ_4K);
	worst_case("BO block split after its map", &dummy, NULL, 0, ops, 2);
	/* 1 GiB NULL leaves, split down to pages: an L2 and an L3 at each
	 * cut, which nothing at queue time showed. */
	ops[0] = op_sparse(4 * SZ_1G, 4 * SZ_1G);
	ops[1] = op_unmap(5 * SZ_1G + SZ_4K, SZ_4K);
	ops[2] = op_map(1, 0, 6 * SZ_1G + SZ_2M + SZ_4K, 2 * SZ_4K);
	ops[3] = op_unmap(7 * SZ_1G - SZ_4K, SZ_1G + 2 * SZ_4K);
	worst_case("1 GiB NULL leaves split", &null1g, NULL, 0, ops, 4);
	/* Whole 1 GiB slots of sparse, queued alone: fine. */
	ops[0] = op_sparse(8 * SZ_1G, 2 * SZ_1G);
	worst_case("sparse 1 GiB slots", &dummy, NULL, 0, ops, 1);
	worst_case("NULL sparse 1 GiB slots", &null1g, NULL, 0, ops, 1);
	/*
	 * The same behind another job. At queue time the shared sparse
	 * tables the op will link to are made (nothing links to them yet)
	 * and its reservation counts on them; the job ahead runs first, and
	 * whatever it is, the tables must still be there (or be counted
	 * for) when the sparse job runs.
	 */
	ops[0] = op_sync();
	ops[1] = op_sparse(8 * SZ_1G, 2 * SZ_1G);
	worst_case("NULL sparse 1 GiB slots behind a sync-only job", &null1g,
		   NULL, 0, ops, 2);
	worst_case("sparse 1 GiB slots behind a sync-only job", &dummy, NULL,
		   0, ops, 2);
}

/*
 * A queued sparse MAP of whole 1 GiB slots reserves counting on the
 * file's shared sparse tables, made at queue time with nothing linked to
 * them yet. Any synchronous bind in between (here an UNMAP of nothing)
 * drops tables nothing links to. The job must still run: the VM must stay
 * usable and the range be mapped.
 */
static void test_async_shared_tables_dropped(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm;

	queue1(f, vm, op_sparse(8 * SZ_1G, 2 * SZ_1G));
	assert_int_equal(sbind(f, vm, op_unmap(SZ_1G, SZ_4K)), 0);
	assert_int_equal(run(dev), 1);
	check_ok(f, vm);
	if (vm_state(f, vm) != GPUVM_DRV_VM_USABLE)
		fail_msg("a valid queued sparse MAP failed at run time: the VM "
			 "is unusable");
	assert_int_equal(kind_at(f, vm, 9 * SZ_1G), GPUVM_DRV_SPARSE);
	assert_int_equal(rd32(f, vm, 9 * SZ_1G + 0x100), 0);
}

/* ------------------------------------------------------------------ */
/* 10. The mapping limit is reserved at queue time                    */

#define G(n) ((uint64_t)(n) * SZ_1G)

static uint64_t mappings(struct gpuvm_drv_file *f, uint32_t vm)
{
	return vstats(f, vm).mappings;
}

/* The VMs and BOs of test_async_limit_queue. */
struct limq {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm, v2, h, h2;
};

/*
 * One slot left: every batch that needs more is -ENOSPC at the first op
 * that passes, with nothing queued and nothing pinned; an op that breaks
 * a rule is -EINVAL first.
 */
static void limit_one_slot(struct limq *l)
{
	struct gpuvm_drv_file *f = l->f;
	struct gpuvm_drv_bind_op ops[4];
	uint32_t vm = l->vm, failed;
	struct snap s;

	snap_take(l->dev, f, vm, &s);
	/* A MAP needs two, even into empty VA. */
	ops[0] = op_map(l->h2, 0, G(4), SZ_4K);
	assert_int_equal(abind(f, vm, ops, 1, &failed), -ENOSPC);
	assert_int_equal(failed, 0);
	/* The second op passes: nothing queued, index 1. */
	ops[0] = op_unmap(G(1) + SZ_4K, SZ_4K);
	ops[1] = op_map(l->h2, 0, G(4), SZ_4K);
	assert_int_equal(abind(f, vm, ops, 2, &failed), -ENOSPC);
	assert_int_equal(failed, 1);
	/* SYNC_ONLY holds nothing; the second UNMAP passes. */
	ops[0] = op_sync();
	ops[1] = op_unmap(G(1) + SZ_4K, SZ_4K);
	ops[2] = op_sync();
	ops[3] = op_unmap(G(1) + 8 * SZ_4K, SZ_4K);
	assert_int_equal(abind(f, vm, ops, 4, &failed), -ENOSPC);
	assert_int_equal(failed, 3);
	/* The rules come first, op by op. */
	ops[0] = op_map(l->h2, 0, G(4) + 0x800, SZ_4K);
	assert_int_equal(abind(f, vm, ops, 1, &failed), -EINVAL);
	assert_int_equal(failed, 0);
	ops[0] = op_map(l->h2, 0, G(4), SZ_4K);
	ops[1] = op_map(l->h2, 0, G(4) + 0x800, SZ_4K);
	assert_int_equal(abind(f, vm, ops, 2, &failed), -ENOSPC);
	assert_int_equal(failed, 0);
	ops[0] = op_unmap(G(1) + SZ_4K, SZ_4K);
	assert_int_equal(abind(f, vm, ops, 2, &failed), -EINVAL);
	assert_int_equal(failed, 1);
	snap_expect_same_but_peak(l->dev, f, vm, &s,
				  "batches past the mapping limit");
	snap_free(&s);
	/* No refused batch kept its target pinned. */
	assert_int_equal(gpuvm_drv_bo_evict(f, l->h2), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, l->h), -EBUSY);
}

/* Slots are per VM: the other one has all six. */
static void limit_per_vm(struct limq *l)
{
	const struct gpuvm_drv_bind_op ops[4] = {
		op_map(l->h, 0, G(1), SZ_4K), op_map(l->h, 0, G(2), SZ_4K),
		op_map(l->h, 0, G(3), SZ_4K), op_map(l->h, 0, G(4), SZ_4K),
	};
	uint32_t failed;

	assert_int_equal(abind(l->f, l->v2, ops, 4, &failed), -ENOSPC);
	assert_int_equal(failed, 3);
	assert_int_equal(queued(l->f, l->v2), 0);
	assert_int_equal(abind(l->f, l->v2, ops, 3, &failed), 0);
	assert_int_equal(queued(l->f, l->v2), 3);
}

/*
 * The last slot goes to an UNMAP; then SYNC_ONLY still queues. Every
 * job runs (a queued job never fails on the limit); each added what it
 * could.
 */
static void limit_last_slot(struct limq *l)
{
	struct gpuvm_drv_bind_op op = op_unmap(G(1), 16 * SZ_4K);
	struct gpuvm_drv_file *f = l->f;
	uint32_t vm = l->vm, failed;

	queue1(f, vm, op_unmap(G(1) + SZ_4K, SZ_4K));
	queue1(f, vm, op_sync());
	assert_int_equal(abind(f, vm, &op, 1, &failed), -ENOSPC);
	assert_int_equal(failed, 0);
	assert_int_equal(queued(f, vm), 4);
	signal_tl(l->dev, 1, 1);
	assert_int_equal(run(l->dev), 7);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_USABLE);
	assert_int_equal(vm_state(f, l->v2), GPUVM_DRV_VM_USABLE);
	assert_int_equal(mappings(f, vm), 5);
	assert_int_equal(mappings(f, l->v2), 3);
	expect_bo(f, vm, G(3), l->h, 0x1, 0);
	expect_gone(f, vm, G(2) + SZ_4K);
	expect_gone(f, vm, G(1) + SZ_4K);
	expect_bo(f, vm, G(1) + 2 * SZ_4K, l->h, 0x1, 2 * SZ_4K);
	check_ok(f, vm);
	check_ok(f, l->v2);
}

/*
 * The slots came back: the last one is a synchronous MAP's. Full, the
 * VM refuses queued binds of any kind but SYNC_ONLY at once, and stays
 * usable; a synchronous UNMAP of a whole mapping needs no slot.
 */
static void limit_full(struct limq *l)
{
	struct gpuvm_drv_file *f = l->f;
	struct gpuvm_drv_bind_op op;
	uint32_t vm = l->vm, failed;
	struct snap s;

	assert_int_equal(sbind(f, vm, op_map(l->h2, 0, G(4), SZ_4K)), 0);
	assert_int_equal(mappings(f, vm), 6);
	snap_take(l->dev, f, vm, &s);
	op = op_map(l->h2, 0, G(5), SZ_4K);
	assert_int_equal(abind(f, vm, &op, 1, &failed), -ENOSPC);
	op = op_unmap(G(4), SZ_4K);
	assert_int_equal(abind(f, vm, &op, 1, &failed), -ENOSPC);
	assert_int_equal(sbind(f, vm, op_map(l->h2, 0, G(5), SZ_4K)), -ENOSPC);
	snap_expect_same_but_peak(l->dev, f, vm, &s, "a full VM");
	snap_free(&s);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_USABLE);
	assert_int_equal(sbind(f, vm, op_unmap(G(4), SZ_4K)), 0);
	assert_int_equal(mappings(f, vm), 5);
	check_ok(f, vm);
}

/*
 * Limit 6. Two mappings and two queued jobs (a MAP: 2 slots, an UNMAP:
 * 1) leave one slot. Every batch that needs more is -ENOSPC at queue
 * time, at the first op that passes, with nothing queued and nothing
 * pinned; an op that breaks a rule is -EINVAL first. The jobs then run
 * and the VM stays usable; a full VM takes no more queued binds.
 */
static void test_async_limit_queue(void **state)
{
	const struct gpuvm_drv_sync w1[] = { sy_wait(1, 1) };
	struct drv_env *e = *state;
	struct limq l = { .dev = e->dev, .f = e->f, .vm = e->vm };

	l.v2 = vm_new(l.f);
	l.h = bo_new(l.f, 16, 0x1);
	l.h2 = bo_new(l.f, 16, 0x2);
	assert_int_equal(sbind(l.f, l.vm, op_map(l.h, 0, G(1), 16 * SZ_4K)),
			 0);
	assert_int_equal(sbind(l.f, l.vm, op_map(l.h, 0, G(2), 16 * SZ_4K)),
			 0);
	queue1(l.f, l.vm, with(op_map(l.h, 0, G(3), SZ_4K), w1, 1));
	queue1(l.f, l.vm, op_unmap(G(2) + SZ_4K, SZ_4K));
	assert_int_equal(queued(l.f, l.vm), 2);
	assert_int_equal(mappings(l.f, l.vm), 2);
	limit_one_slot(&l);
	limit_per_vm(&l);
	limit_last_slot(&l);
	limit_full(&l);
}

/*
 * Limit 4, two mappings, a queued MAP holding the other two slots: a
 * synchronous bind that would add a mapping is refused, though the VA
 * space alone has room for it; binds that add none go through. Once the
 * job has run, the slot it did not use is free again.
 */
static void test_async_limit_sync(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h = bo_new(f, 16, 0x1), failed;
	uint32_t h2 = bo_new(f, 16, 0x2);
	const struct gpuvm_drv_sync w1[] = { sy_wait(1, 1) };
	struct gpuvm_drv_bind_op op;
	struct snap s;

	assert_int_equal(sbind(f, vm, op_map(h, 0, G(1), 16 * SZ_4K)), 0);
	assert_int_equal(sbind(f, vm, op_map(h, 0, G(2), 16 * SZ_4K)), 0);
	queue1(f, vm, with(op_map(h2, 0, G(3), SZ_4K), w1, 1));

	snap_take(dev, f, vm, &s);
	assert_int_equal(sbind(f, vm, op_map(h2, 0, G(4), SZ_4K)), -ENOSPC);
	assert_int_equal(sbind(f, vm, op_sparse(G(4), SZ_2M)), -ENOSPC);
	assert_int_equal(sbind(f, vm, op_unmap(G(1) + SZ_4K, SZ_4K)),
			 -ENOSPC);
	/* A MAP trimming a mapping adds one too. */
	assert_int_equal(sbind(f, vm, op_map(h2, 0, G(1), 8 * SZ_4K)),
			 -ENOSPC);
	snap_expect_same_but_peak(dev, f, vm, &s,
				  "synchronous binds into held slots");
	snap_free(&s);

	/* Replacing a mapping adds none; unmapping one frees a slot. */
	assert_int_equal(sbind(f, vm, op_map(h2, 0, G(2), 16 * SZ_4K)), 0);
	expect_bo(f, vm, G(2) + SZ_4K, h2, 0x2, SZ_4K);
	assert_int_equal(sbind(f, vm, op_unmap(G(2), 16 * SZ_4K)), 0);
	assert_int_equal(sbind(f, vm, op_map(h2, 0, G(4), SZ_4K)), 0);
	assert_int_equal(sbind(f, vm, op_map(h2, 0, G(5), SZ_4K)), -ENOSPC);
	assert_int_equal(mappings(f, vm), 2);
	check_ok(f, vm);

	/* The job runs, adds one, and gives two back: one slot is free. */
	signal_tl(dev, 1, 1);
	assert_int_equal(run(dev), 1);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_USABLE);
	assert_int_equal(mappings(f, vm), 3);
	expect_bo(f, vm, G(3), h2, 0x2, 0);
	op = op_map(h2, 0, G(5), SZ_4K);
	assert_int_equal(abind(f, vm, &op, 1, &failed), -ENOSPC);
	assert_int_equal(failed, 0);
	queue1(f, vm, op_unmap(G(1) + SZ_4K, SZ_4K));
	assert_int_equal(sbind(f, vm, op), -ENOSPC);
	assert_int_equal(run(dev), 1);
	assert_int_equal(mappings(f, vm), 4);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_USABLE);
	check_ok(f, vm);
}

/*
 * The worst case. With one slot left, a MAP inside a mapping (which will
 * add two) and a MAP into empty VA (which would add one) are both refused
 * at queue time: the reservation cannot know what runs before the job.
 * Synchronously, where the state is known, the second goes through. With
 * two slots left, a MAP inside a mapping is queued and, when it runs,
 * fills the VM exactly; before reservations, the same job queued into a
 * VM with less room failed when it ran and made the VM unusable.
 */
static void test_async_limit_worst(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h = bo_new(f, 16, 0x1), failed;
	uint32_t h2 = bo_new(f, 16, 0x2);
	const struct gpuvm_drv_sync w1[] = { sy_wait(1, 1) };
	struct gpuvm_drv_bind_op op;
	struct snap s;

	assert_int_equal(sbind(f, vm, op_map(h, 0, G(1), 16 * SZ_4K)), 0);
	/* Three free: the split MAP takes two. */
	queue1(f, vm, with(op_map(h2, SZ_4K, G(1) + SZ_4K, SZ_4K), w1, 1));

	snap_take(dev, f, vm, &s);
	op = op_map(h2, 0, G(1) + 8 * SZ_4K, SZ_4K);
	assert_int_equal(abind(f, vm, &op, 1, &failed), -ENOSPC);
	assert_int_equal(failed, 0);
	op = op_map(h2, 0, G(2), SZ_4K);
	assert_int_equal(abind(f, vm, &op, 1, &failed), -ENOSPC);
	assert_int_equal(failed, 0);
	assert_int_equal(sbind(f, vm, op_map(h2, 0, G(1) + 8 * SZ_4K,
					     SZ_4K)), -ENOSPC);
	snap_expect_same_but_peak(dev, f, vm, &s, "one slot left");
	snap_free(&s);
	assert_int_equal(sbind(f, vm, op_map(h2, 0, G(2), SZ_4K)), 0);
	assert_int_equal(mappings(f, vm), 2);

	/* The split job runs into a VM with no free slot but its own. */
	signal_tl(dev, 1, 1);
	assert_int_equal(run(dev), 1);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_USABLE);
	assert_int_equal(mappings(f, vm), 4);
	expect_bo(f, vm, G(1), h, 0x1, 0);
	expect_bo(f, vm, G(1) + SZ_4K, h2, 0x2, SZ_4K);
	expect_bo(f, vm, G(1) + 2 * SZ_4K, h, 0x1, 2 * SZ_4K);
	expect_bo(f, vm, G(2), h2, 0x2, 0);
	check_ok(f, vm);
}

/*
 * Jobs that do not run normally give their slots back too: jobs that
 * fail when they run (a VA allocation, then MAP on the unusable VM) and
 * jobs of a destroyed VM or a closed file.
 */
static void test_async_limit_cancel(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f, *g;
	uint32_t vm = e->vm, h = bo_new(f, 16, 0x1), failed, id, gv, gh;
	struct gpuvm_drv_bind_op ops[5];
	struct gpuvm_mem_stats m0;
	uint32_t i;

	ops[0] = op_map(h, 0, G(1), 16 * SZ_4K);
	ops[1] = op_map(h, 0, G(2), 16 * SZ_4K);
	assert_int_equal(abind(f, vm, ops, 2, &failed), 0);
	ops[0] = op_unmap(G(1), SZ_4K);
	assert_int_equal(abind(f, vm, ops, 1, &failed), -ENOSPC);
	assert_int_equal(gpuvm_drv_vm_fail_nth_alloc(f, vm, 1), 0);
	assert_int_equal(run(dev), 2);
	assert_int_equal(vm_state(f, vm), GPUVM_DRV_VM_UNUSABLE);
	assert_int_equal(mappings(f, vm), 0);
	/* All four slots are free: four UNMAPs queue, a fifth does not. */
	for (i = 0; i < 5; i++)
		ops[i] = op_unmap(G(1) + i * SZ_4K, SZ_4K);
	assert_int_equal(abind(f, vm, ops, 5, &failed), -ENOSPC);
	assert_int_equal(failed, 4);
	assert_int_equal(queued(f, vm), 0);
	assert_int_equal(abind(f, vm, ops, 4, &failed), 0);
	assert_int_equal(run(dev), 4);
	check_ok(f, vm);

	/* A VM destroyed with its slots held; a VM in its place has all of
	 * them. */
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm), 0);
	assert_int_equal(gpuvm_drv_vm_create(f, 0, &id), 0);
	assert_int_equal(id, vm);
	ops[0] = with(op_map(h, 0, G(1), SZ_4K),
		      (const struct gpuvm_drv_sync[]){ sy_wait(1, 1) }, 1);
	ops[1] = op_map(h, 0, G(2), SZ_4K);
	assert_int_equal(abind(f, id, ops, 2, &failed), 0);
	assert_int_equal(gpuvm_drv_vm_destroy(f, id), 0);
	assert_int_equal(gpuvm_drv_vm_create(f, 0, &id), 0);
	assert_int_equal(id, vm);
	assert_int_equal(abind(f, id, ops, 2, &failed), 0);
	assert_int_equal(queued(f, id), 2);

	/* A file closed with held slots gives every frame back. */
	m0 = mstats(dev);
	g = file_new(dev);
	gv = vm_new(g);
	gh = bo_new(g, 16, 0x3);
	ops[0] = op_map(gh, 0, G(1), SZ_4K);
	ops[1] = op_map(gh, 0, G(2), SZ_4K);
	assert_int_equal(abind(g, gv, ops, 2, &failed), 0);
	assert_int_equal(abind(g, gv, ops, 1, &failed), -ENOSPC);
	gpuvm_drv_file_close(g);
	assert_int_equal(frames_used(dev), m0.frames_used);
	signal_tl(dev, 1, 1);
	assert_int_equal(run(dev), 2);
	assert_int_equal(mappings(f, id), 2);
	check_ok(f, id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		DRV_TEST(test_async_order),
		DRV_TEST(test_async_wait),
		DRV_TEST(test_async_queue_errors),
		DRV_TEST(test_async_syncs_null),
		DRV_TEST(test_async_reservation),
		DRV_TEST(test_async_unusable),
		DRV_TEST(test_async_sync_only),
		cmocka_unit_test(test_async_destroy),
		DRV_TEST(test_async_evicted_target),
		DRV_TEST(test_async_failed_batch_restore),
		cmocka_unit_test(test_async_worst_case),
		DRV_TEST(test_async_shared_tables_dropped),
		DRV_TEST_CFG(test_async_limit_queue, .max_mappings_per_vm = 6),
		DRV_TEST_CFG(test_async_limit_sync, .max_mappings_per_vm = 4),
		DRV_TEST_CFG(test_async_limit_worst, .max_mappings_per_vm = 4),
		DRV_TEST_CFG(test_async_limit_cancel, .max_mappings_per_vm = 4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
