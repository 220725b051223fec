// SPDX-License-Identifier: MIT
/*
 * DOC: syncobjs and asynchronous VM_BIND through the ioctls
 *
 * DRM's syncobj rules (waits with absolute timeouts, WAIT_FOR_SUBMIT,
 * WAIT_ALL and first_signaled, timeline points and queries, transfers)
 * and panthor's async binds: queued in order, their signal and wait ops
 * resolved as the kernel does, a job that fails when it runs making the
 * VM unusable. Devices without a worker show that every ioctl runs what
 * is ready first; devices with one, that binds happen without any
 * further call. A few threads bind and wait at once at the end (run
 * under ThreadSanitizer by make test).
 */
#include <pthread.h>
#include <unistd.h>

#include "uapi_test.h"

static struct gpuvm_uapi_device *dev;
static struct gpuvm_uapi_file *f;

static int setup_worker(void **state)
{
	(void)state;
	dev = udev_new();
	f = ropen(dev);
	return 0;
}

static int setup_no_worker(void **state)
{
	(void)state;
	dev = udev_new_cfg(false, 256ull << 20);
	f = ropen(dev);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gpuvm_uapi_close(f);
	gpuvm_uapi_device_destroy(dev);
	return 0;
}

static int sobj_array(unsigned long req, uint32_t *h, uint32_t n)
{
	struct drm_syncobj_array a = { .handles = (uintptr_t)h,
				       .count_handles = n };

	return IOC(f, req, &a);
}

static int tl_signal(uint32_t h, uint64_t point)
{
	struct drm_syncobj_timeline_array a = {
		.handles = (uintptr_t)&h, .points = (uintptr_t)&point,
		.count_handles = 1,
	};

	return IOC(f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
}

/* Any ioctl runs what is ready first: a cheap one. */
static void settle(uint32_t vm)
{
	struct drm_panthor_vm_get_state st = { .vm_id = vm };

	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_GET_STATE, &st), 0);
}

static int transfer(uint32_t src, uint64_t sp, uint32_t dst, uint64_t dp)
{
	struct drm_syncobj_transfer a = {
		.src_handle = src, .src_point = sp,
		.dst_handle = dst, .dst_point = dp,
	};

	return IOC(f, DRM_IOCTL_SYNCOBJ_TRANSFER, &a);
}

/* ------------------------------------------------------------------ */
/* Binary syncobjs                                                     */

static void test_create_destroy(void **state)
{
	struct drm_syncobj_create c = { .flags = 2 };
	struct drm_syncobj_destroy d = { 0 };
	uint32_t a = sobj_new(f, false), b = sobj_new(f, true);

	(void)state;
	assert_int_equal(b, a + 1);
	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_CREATE, &c), -EINVAL);
	d.handle = a;
	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
	assert_int_equal(sobj_new(f, false), a);    /* lowest free handle */
	d = (struct drm_syncobj_destroy){ .handle = b, .pad = 1 };
	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
}

static void test_binary_waits(void **state)
{
	uint32_t empty = sobj_new(f, false), done = sobj_new(f, true);
	uint32_t both[2] = { empty, done }, first, bad = 999;
	int64_t t0;

	(void)state;
	assert_int_equal(sobj_wait(f, &done, 1, 0, 0, &first), 0);
	assert_int_equal(first, 0);
	/* No fence: -EINVAL, unless waiting for submission. */
	assert_int_equal(sobj_wait(f, &empty, 1, 0, 0, NULL), -EINVAL);
	assert_int_equal(sobj_wait(f, &empty, 1,
				   DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 0,
				   NULL), -ETIME);
	/* The deadline is absolute: the wait lasts until it. */
	t0 = mono_ns();
	assert_int_equal(sobj_wait(f, &empty, 1,
				   DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
				   30000000, NULL), -ETIME);
	assert_true(mono_ns() - t0 >= 30000000);
	/* Any of two: the signalled one's index; all of them: not yet. */
	assert_int_equal(sobj_wait(f, both, 2,
				   DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 0,
				   &first), 0);
	assert_int_equal(first, 1);
	assert_int_equal(sobj_wait(f, both, 2,
				   DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				   DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, 0, &first),
			 -ETIME);
	assert_int_equal(first, 0xdead);   /* only written on success */
	/* Signal, reset. */
	assert_int_equal(sobj_array(DRM_IOCTL_SYNCOBJ_SIGNAL, &empty, 1), 0);
	assert_int_equal(sobj_wait(f, both, 2,
				   DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, 0, &first),
			 0);
	assert_int_equal(first, 0);
	assert_int_equal(sobj_array(DRM_IOCTL_SYNCOBJ_RESET, both, 2), 0);
	assert_int_equal(sobj_wait(f, &done, 1, 0, 0, NULL), -EINVAL);
	/* Argument rules. */
	assert_int_equal(sobj_wait(f, &done, 0, 0, 0, NULL), -EINVAL);
	assert_int_equal(sobj_wait(f, &done, 1, 1u << 4, 0, NULL), -EINVAL);
	assert_int_equal(sobj_wait(f, &done, 1,
				   DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0,
				   NULL), -EINVAL);   /* timeline only */
	assert_int_equal(sobj_wait(f, &bad, 1, 0, 0, NULL), -ENOENT);
	assert_int_equal(sobj_array(DRM_IOCTL_SYNCOBJ_SIGNAL, &bad, 1),
			 -ENOENT);
	assert_int_equal(sobj_array(DRM_IOCTL_SYNCOBJ_SIGNAL, &done, 0),
			 -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Timelines                                                           */

static void test_timeline(void **state)
{
	uint32_t t = sobj_new(f, false), b = sobj_new(f, false);

	(void)state;
	assert_int_equal(tl_query(f, t, 0), 0);
	assert_int_equal(tl_signal(t, 3), 0);
	assert_int_equal(tl_query(f, t, 0), 3);
	assert_int_equal(tl_query(f, t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			 3);
	assert_int_equal(tl_wait(f, t, 2, 0, 0), 0);
	assert_int_equal(tl_wait(f, t, 3, 0, 0), 0);
	assert_int_equal(tl_wait(f, t, 4, 0, 0), -EINVAL);
	assert_int_equal(tl_wait(f, t, 4,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 0),
			 -ETIME);
	assert_int_equal(tl_wait(f, t, 3,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0), 0);
	/* A point below the newest starts a new run at the newest seqno. */
	assert_int_equal(tl_signal(t, 2), 0);
	assert_int_equal(tl_query(f, t, 0), 3);
	assert_int_equal(tl_signal(t, 10), 0);
	assert_int_equal(tl_query(f, t, 0), 10);
	/* A binary syncobj queries as 0, and waits at point 0. */
	assert_int_equal(sobj_array(DRM_IOCTL_SYNCOBJ_SIGNAL, &b, 1), 0);
	assert_int_equal(tl_query(f, b, 0), 0);
	assert_int_equal(tl_wait(f, b, 0, 0, 0), 0);
	assert_int_equal(tl_wait(f, b, 1, 0, 0), -EINVAL);
	/* Transfers: timeline point to binary, binary to timeline point. */
	assert_int_equal(sobj_array(DRM_IOCTL_SYNCOBJ_RESET, &b, 1), 0);
	assert_int_equal(transfer(t, 10, b, 0), 0);
	assert_int_equal(sobj_wait(f, &b, 1, 0, 0, NULL), 0);
	assert_int_equal(transfer(b, 0, t, 12), 0);
	assert_int_equal(tl_query(f, t, 0), 12);
	assert_int_equal(transfer(t, 13, b, 0), -EINVAL);
	assert_int_equal(transfer(999, 0, b, 0), -ENOENT);
	assert_int_equal(transfer(b, 0, 999, 0), -ENOENT);
}

/* ------------------------------------------------------------------ */
/* Asynchronous binds                                                  */

static struct drm_panthor_vm_bind_op async_map(uint32_t bo, uint64_t va,
					       uint64_t size,
					       struct drm_panthor_sync_op *s,
					       uint32_t ns)
{
	struct drm_panthor_vm_bind_op op = {
		.flags = OP_MAP, .bo_handle = bo, .va = va, .size = size,
		.syncs = DRM_PANTHOR_OBJ_ARRAY(ns, s),
	};

	return op;
}

/* With a worker, binds happen with no further call. */
static void test_async_runs_on_worker(void **state)
{
	uint32_t vm = vm_new(f), bo = bo_new(f, SZ_64K), s = sobj_new(f, false);
	struct drm_panthor_sync_op sig = { .flags = SIG, .handle = s };
	struct drm_panthor_vm_bind_op op = async_map(bo, SZ_1G, SZ_64K, &sig, 1);
	struct gpuvm_drv_lookup l;
	int spins = 0;

	(void)state;
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, &op, 1,
				  NULL), 0);
	/* No ioctl until the mapping shows up (the driver's lookup is not
	 * an ioctl, so only the worker can have run the job). */
	for (;;) {
		assert_int_equal(gpuvm_drv_vm_lookup(gpuvm_uapi_file_drv(f), vm,
						     SZ_1G, &l), 0);
		if (l.kind == GPUVM_DRV_BO)
			break;
		assert_true(++spins < 100000);
		usleep(100);
	}
	assert_int_equal(sobj_wait(f, &s, 1, 0, 1000000000, NULL), 0);
}

/* Without a worker, the next ioctl runs what is ready. */
static void test_async_ordered_by_syncobjs(void **state)
{
	uint32_t vm1 = vm_new(f), vm2 = vm_new(f), bo = bo_new(f, SZ_64K);
	uint32_t s1 = sobj_new(f, false), t = sobj_new(f, false);
	struct drm_panthor_sync_op sig1 = { .flags = SIG, .handle = s1 };
	struct drm_panthor_sync_op w1 = { .handle = s1 };
	struct drm_panthor_sync_op sigt = { .flags = SIG | TLINE, .handle = t,
					    .timeline_value = 5 };
	struct drm_panthor_vm_bind_op a = async_map(bo, SZ_1G, SZ_64K, &sig1, 1);
	struct drm_panthor_vm_bind_op b[2] = {
		async_map(bo, 2 * SZ_1G, SZ_64K, &w1, 1),
		async_map(bo, 3 * SZ_1G, SZ_64K, &sigt, 1),
	};

	(void)state;
	assert_int_equal(bind_ops(f, vm1, DRM_PANTHOR_VM_BIND_ASYNC, &a, 1,
				  NULL), 0);
	/* Queued, not run: there is no worker and no ioctl came since. */
	assert_int_equal(backing(f, vm1, SZ_1G), GPUVM_DRV_NONE);
	assert_int_equal(bind_ops(f, vm2, DRM_PANTHOR_VM_BIND_ASYNC, b, 2,
				  NULL), 0);
	assert_int_equal(tl_wait(f, t, 5, 0, 0), 0);
	assert_int_equal(backing(f, vm1, SZ_1G), GPUVM_DRV_BO);
	assert_int_equal(backing(f, vm2, 2 * SZ_1G), GPUVM_DRV_BO);
	assert_int_equal(backing(f, vm2, 3 * SZ_1G), GPUVM_DRV_BO);
	assert_int_equal(tl_query(f, t, 0), 5);
	assert_int_equal(sobj_wait(f, &s1, 1, 0, 0, NULL), 0);
}

/* Waits resolve against signals of earlier ops of the same call. */
static void test_async_batch_signals(void **state)
{
	uint32_t vm = vm_new(f), bo = bo_new(f, SZ_64K);
	uint32_t s = sobj_new(f, false), e = sobj_new(f, false);
	struct drm_panthor_sync_op sig = { .flags = SIG, .handle = s };
	struct drm_panthor_sync_op w = { .handle = s };
	struct drm_panthor_sync_op we = { .handle = e };
	struct drm_panthor_sync_op sige = { .flags = SIG, .handle = e };
	struct drm_panthor_vm_bind_op ops[2] = {
		async_map(bo, SZ_1G, SZ_64K, &sig, 1),
		async_map(bo, 2 * SZ_1G, SZ_64K, &w, 1),
	};

	(void)state;
	/* s has no fence yet, but op 0 signals it before op 1 waits. */
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, ops, 2,
				  NULL), 0);
	settle(vm);
	assert_int_equal(backing(f, vm, 2 * SZ_1G), GPUVM_DRV_BO);
	/* Waiting on what a later op of the call signals, with no fence
	 * there now: -EINVAL, and nothing is queued. */
	ops[0] = async_map(bo, 4 * SZ_1G, SZ_64K, &we, 1);
	ops[1] = async_map(bo, 5 * SZ_1G, SZ_64K, &sige, 1);
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, ops, 2,
				  NULL), -EINVAL);
	assert_int_equal(backing(f, vm, 5 * SZ_1G), GPUVM_DRV_NONE);
}

static void test_async_sync_rules(void **state)
{
	uint32_t vm = vm_new(f), bo = bo_new(f, SZ_64K), count = 7;
	uint32_t s = sobj_new(f, true), empty = sobj_new(f, false);
	struct drm_panthor_sync_op sync;
	struct drm_panthor_vm_bind_op op;

	(void)state;
#define TRY(sf, sh, tv, expect) do { \
		sync = (struct drm_panthor_sync_op){ sf, sh, tv }; \
		op = async_map(bo, SZ_1G, SZ_64K, &sync, 1); \
		assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, \
					  &op, 1, &count), expect); \
	} while (0)
	TRY(0, 999, 0, -ENOENT);            /* wait: no such syncobj */
	TRY(0, empty, 0, -EINVAL);          /* wait: no fence */
	TRY(SIG, 999, 0, -EINVAL);          /* signal: no such syncobj */
	TRY(0, s, 1, -EINVAL);              /* binary with a point */
	TRY(2, s, 0, -EINVAL);              /* unknown handle type */
	TRY(SIG | 0x100, s, 0, -EINVAL);    /* unknown flag */
	TRY(TLINE, s, 1, -EINVAL);          /* point 1 not submitted */
	/* ops.count is left alone on async failures. */
	assert_int_equal(count, 1);
	assert_int_equal(backing(f, vm, SZ_1G), GPUVM_DRV_NONE);
	TRY(0, s, 0, 0);
	settle(vm);
	assert_int_equal(backing(f, vm, SZ_1G), GPUVM_DRV_BO);
#undef TRY
	/* SYNC_ONLY needs syncs and nothing else. */
	op = (struct drm_panthor_vm_bind_op){ .flags = OP_SYNC };
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, &op, 1,
				  NULL), -EINVAL);
	sync = (struct drm_panthor_sync_op){ .flags = SIG, .handle = empty };
	op.syncs = (struct drm_panthor_obj_array)DRM_PANTHOR_OBJ_ARRAY(1,
								       &sync);
	op.va = SZ_4K;
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, &op, 1,
				  NULL), -EINVAL);
	op.va = 0;
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, &op, 1,
				  NULL), 0);
	assert_int_equal(sobj_wait(f, &empty, 1, 0, 0, NULL), 0);
	/* The syncs array's stride. */
	op.syncs.stride = 8;
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, &op, 1,
				  NULL), -EINVAL);
}

/* A job that fails when it runs: the VM is unusable, its signals fire. */
static void test_async_failure_unusable(void **state)
{
	uint32_t vm = vm_new(f), bo = bo_new(f, SZ_64K), s = sobj_new(f, false);
	struct drm_panthor_sync_op sig = { .flags = SIG, .handle = s };
	struct drm_panthor_vm_bind_op op = async_map(bo, SZ_1G, SZ_64K, &sig, 1);
	struct drm_panthor_vm_get_state st = { .vm_id = vm };

	(void)state;
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, &op, 1,
				  NULL), 0);
	/* Not run yet (no worker): make its VA allocation fail. */
	assert_int_equal(gpuvm_drv_vm_fail_nth_alloc(gpuvm_uapi_file_drv(f),
						     vm, 1), 0);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_GET_STATE, &st), 0);
	assert_int_equal(st.state, DRM_PANTHOR_VM_STATE_UNUSABLE);
	assert_int_equal(gpuvm_drv_vm_fail_nth_alloc(gpuvm_uapi_file_drv(f),
						     vm, 0), 0);
	assert_int_equal(sobj_wait(f, &s, 1, 0, 0, NULL), 0);
	assert_int_equal(backing(f, vm, SZ_1G), GPUVM_DRV_NONE);
	/* Async binds are refused whole; sync MAP too, sync UNMAP runs. */
	op.syncs.count = 0;
	assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC, &op, 1,
				  NULL), -EINVAL);
	assert_int_equal(bind1(f, vm, OP_MAP, bo, 0, SZ_1G, SZ_64K), -EINVAL);
	assert_int_equal(bind1(f, vm, OP_UNMAP, 0, 0, SZ_1G, SZ_64K), 0);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

struct worker_arg {
	struct gpuvm_uapi_file *file;
	uint32_t vm, bo, sobj;
	int fails;
};

/* Binds on its own VM, async and sync, waiting on its own syncobj. */
static void *binder(void *p)
{
	struct worker_arg *w = p;
	struct drm_panthor_sync_op sig = { .flags = SIG | TLINE,
					   .handle = w->sobj };
	struct drm_panthor_vm_bind_op op;
	uint64_t i;

	for (i = 1; i <= 200; i++) {
		uint64_t va = SZ_1G + (i % 16) * SZ_64K;

		sig.timeline_value = i;
		op = async_map(w->bo, va, SZ_64K, &sig, 1);
		if (bind_ops(w->file, w->vm, DRM_PANTHOR_VM_BIND_ASYNC, &op, 1,
			     NULL) ||
		    tl_wait(w->file, w->sobj, i, 0, 5000000000ll) ||
		    bind1(w->file, w->vm, OP_UNMAP, 0, 0, va, SZ_64K))
			w->fails++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct gpuvm_uapi_file *g = ropen(dev);
	struct worker_arg w[4];
	pthread_t t[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		w[i].file = i % 2 ? g : f;
		w[i].vm = vm_new(w[i].file);
		w[i].bo = bo_new(w[i].file, SZ_64K);
		w[i].sobj = sobj_new(w[i].file, false);
		w[i].fails = 0;
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, binder, &w[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].fails, 0);
		assert_int_equal(tl_query(w[i].file, w[i].sobj, 0), 200);
	}
	gpuvm_uapi_close(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_destroy,
						setup_worker, teardown),
		cmocka_unit_test_setup_teardown(test_binary_waits,
						setup_worker, teardown),
		cmocka_unit_test_setup_teardown(test_timeline, setup_worker,
						teardown),
		cmocka_unit_test_setup_teardown(test_async_runs_on_worker,
						setup_worker, teardown),
		cmocka_unit_test_setup_teardown(test_async_ordered_by_syncobjs,
						setup_no_worker, teardown),
		cmocka_unit_test_setup_teardown(test_async_batch_signals,
						setup_no_worker, teardown),
		cmocka_unit_test_setup_teardown(test_async_sync_rules,
						setup_no_worker, teardown),
		cmocka_unit_test_setup_teardown(test_async_failure_unusable,
						setup_no_worker, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup_worker,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
