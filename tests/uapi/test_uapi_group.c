// SPDX-License-Identifier: MIT
/*
 * DOC: groups through the ioctls: checks, faults, lifetimes, restore
 *
 * GROUP_CREATE's and GROUP_SUBMIT's checks, each with panthor's errno and
 * in its order, and a refused call changing nothing; the per-file group
 * limit; the fault a queue records (gpuvm_uapi_group_fault); what
 * happens to queued jobs when their group, their VM or their file goes
 * (their syncobjs signal, nothing waits forever); a BO evicted by the
 * driver made resident before a job reads it.
 */
#include "uapi_test.h"

#define VA_CS   0x1000000ull
#define VA_OUT  0x2000000ull
#define D_ADDR  68
#define R_VAL   70

static struct gpuvm_uapi_device *dev;
static struct gpuvm_uapi_file *f;
static uint32_t vm, cs_bo, out_bo;

static int setup(void **state)
{
	(void)state;
	dev = udev_new();
	f = ropen(dev);
	vm = vm_new(f);
	cs_bo = bo_new(f, SZ_64K);
	out_bo = bo_new(f, SZ_64K);
	assert_int_equal(bind1(f, vm, OP_MAP, cs_bo, 0, VA_CS, SZ_64K), 0);
	assert_int_equal(bind1(f, vm, OP_MAP, out_bo, 0, VA_OUT, SZ_64K), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gpuvm_uapi_close(f);
	gpuvm_uapi_device_destroy(dev);
	return 0;
}

static struct drm_panthor_queue_create qc[33];

static struct drm_panthor_group_create gc_default(void)
{
	unsigned int i;

	for (i = 0; i < 33; i++)
		qc[i] = (struct drm_panthor_queue_create){
			.ringbuf_size = 4096,
		};
	return (struct drm_panthor_group_create){
		.queues = DRM_PANTHOR_OBJ_ARRAY(1, qc),
		.max_compute_cores = 1, .max_fragment_cores = 1,
		.max_tiler_cores = 1, .compute_core_mask = 1,
		.fragment_core_mask = 1, .tiler_core_mask = 1,
		.priority = PANTHOR_GROUP_PRIORITY_MEDIUM, .vm_id = vm,
	};
}

static int gcreate(struct gpuvm_uapi_file *file,
		   struct drm_panthor_group_create *a)
{
	return IOC(file, DRM_IOCTL_PANTHOR_GROUP_CREATE, a);
}

static int gdestroy(uint32_t h)
{
	struct drm_panthor_group_destroy a = { .group_handle = h };

	return IOC(f, DRM_IOCTL_PANTHOR_GROUP_DESTROY, &a);
}

static uint32_t group_new(uint32_t nq)
{
	struct drm_panthor_group_create a = gc_default();

	a.queues.count = nq;
	assert_int_equal(gcreate(f, &a), 0);
	return a.group_handle;
}

/* Writes words to the stream BO at word index at. */
static void put_stream(uint32_t at, const uint64_t *w, uint32_t n)
{
	assert_int_equal(gpuvm_drv_gpu_access(gpuvm_uapi_file_drv(f), vm,
					      GPUVM_MMU_WRITE, VA_CS + at * 8,
					      (void *)w, n * 8ull, NULL), 0);
}

static int submit1(uint32_t g, struct drm_panthor_queue_submit *q)
{
	struct drm_panthor_group_submit a = {
		.group_handle = g,
		.queue_submits = DRM_PANTHOR_OBJ_ARRAY(1, q),
	};

	return IOC(f, DRM_IOCTL_PANTHOR_GROUP_SUBMIT, &a);
}

static int submit_at(uint32_t g, uint32_t qi, uint32_t at, uint32_t n,
		     struct drm_panthor_sync_op *s, uint32_t ns)
{
	struct drm_panthor_queue_submit q = {
		.queue_index = qi, .stream_addr = VA_CS + at * 8ull,
		.stream_size = n * 8, .syncs = DRM_PANTHOR_OBJ_ARRAY(ns, s),
	};

	return submit1(g, &q);
}

static void get_state(uint32_t g, uint32_t *state, uint32_t *fatal)
{
	struct drm_panthor_group_get_state a = { .group_handle = g };

	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_GROUP_GET_STATE, &a), 0);
	*state = a.state;
	*fatal = a.fatal_queues;
}

/* ------------------------------------------------------------------ */

/* Row i of the GROUP_CREATE catalogue: changes a, returns the errno. */
static int create_row(unsigned int i, struct drm_panthor_group_create *a,
		      const char **what)
{
	switch (i) {
	case 0:
		*what = "no queue";
		a->queues.count = 0;
		return -EINVAL;
	case 1:
		*what = "33 queues";
		a->queues.count = 33;
		return -EINVAL;
	case 2:
		*what = "short stride";
		a->queues.stride = 4;
		return -EINVAL;
	case 3:
		*what = "priority 4";
		a->priority = 4;
		return -EINVAL;
	case 4:
		*what = "high, not master";
		a->priority = 2;
		return -EACCES;
	case 5:
		*what = "realtime, not master";
		a->priority = 3;
		return -EACCES;
	case 6:
		*what = "high and pad: permission first";
		a->priority = 2;
		a->pad = 1;
		return -EACCES;
	case 7:
		*what = "pad";
		a->pad = 1;
		return -EINVAL;
	case 8:
		*what = "compute core absent";
		a->compute_core_mask = 2;
		return -EINVAL;
	case 9:
		*what = "fragment core absent";
		a->fragment_core_mask = 1ull << 63;
		return -EINVAL;
	case 10:
		*what = "tiler core absent";
		a->tiler_core_mask = 3;
		return -EINVAL;
	case 11:
		*what = "too few compute cores";
		a->max_compute_cores = 2;
		return -EINVAL;
	case 12:
		*what = "too few tiler cores";
		a->max_tiler_cores = 2;
		return -EINVAL;
	case 13:
		*what = "no VM 0";
		a->vm_id = 0;
		return -EINVAL;
	case 14:
		*what = "no VM 7";
		a->vm_id = 7;
		return -EINVAL;
	case 15:
		*what = "VM 33";
		a->vm_id = 33;
		return -EINVAL;
	case 16:
		*what = "queue pad";
		qc[0].pad[1] = 1;
		return -EINVAL;
	case 17:
		*what = "ring 2 KiB";
		qc[0].ringbuf_size = 2048;
		return -EINVAL;
	case 18:
		*what = "ring 128 KiB";
		qc[0].ringbuf_size = 128 << 10;
		return -EINVAL;
	case 19:
		*what = "ring 12 KiB";
		qc[0].ringbuf_size = 12 << 10;
		return -EINVAL;
	case 20:
		*what = "second queue's ring";
		a->queues.count = 2;
		qc[1].ringbuf_size = 0;
		return -EINVAL;
	case 21:
		*what = "queue priority 16";
		qc[0].priority = 16;
		return -EINVAL;
	case 22:
		*what = "queue priority 15";
		qc[0].priority = 15;
		return 0;
	case 23:
		*what = "ring 64 KiB, 32 queues";
		a->queues.count = 32;
		qc[31].ringbuf_size = 64 << 10;
		return 0;
	case 24:
		*what = "every core";
		a->compute_core_mask = 0x50005;
		a->max_compute_cores = 4;
		a->fragment_core_mask = 0x50005;
		a->max_fragment_cores = 0;
		return 0;
	}
	return 1;  /* no such row */
}

static void test_create_checks(void **state)
{
	const char *what = NULL;
	int err;
	struct drm_panthor_group_create a;
	uint32_t i, st, fatal;

	(void)state;
	for (i = 0;; i++) {
		a = gc_default();
		err = create_row(i, &a, &what);
		if (err == 1)
			break;
		a.group_handle = 0xabc;
		if (gcreate(f, &a) != err)
			fail_msg("%s: %d", what, gcreate(f, &a));
		if (err) {
			assert_int_equal(a.group_handle, 0xabc);
			continue;
		}
		/* The refused ones took no handle: this is the first. */
		assert_int_equal(a.group_handle, 1);
		get_state(1, &st, &fatal);
		assert_int_equal(st, 0);
		assert_int_equal(gdestroy(1), 0);
	}
	/* The master may ask for more than medium. */
	{
		struct gpuvm_uapi_file *p = uopen(dev, GPUVM_UAPI_PRIMARY);
		uint32_t pvm = vm_new(p);

		a = gc_default();
		a.vm_id = pvm;
		a.priority = PANTHOR_GROUP_PRIORITY_REALTIME;
		assert_int_equal(gcreate(p, &a), 0);
		assert_int_equal(a.group_handle, 1);
		gpuvm_uapi_close(p);
	}
}

static void test_group_limit(void **state)
{
	struct drm_panthor_group_create a;
	struct drm_panthor_group_get_state gs = { .group_handle = 129 };
	uint32_t i;

	(void)state;
	for (i = 1; i <= 128; i++)
		assert_int_equal(group_new(1), i);
	a = gc_default();
	assert_int_equal(gcreate(f, &a), -EBUSY);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_GROUP_GET_STATE, &gs),
			 -EINVAL);
	assert_int_equal(gdestroy(77), 0);
	assert_int_equal(gdestroy(77), -EINVAL);
	assert_int_equal(gdestroy(0), -EINVAL);
	assert_int_equal(gdestroy(129), -EINVAL);
	assert_int_equal(group_new(1), 77);
	gs.group_handle = 5;
	gs.pad = 1;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_GROUP_GET_STATE, &gs),
			 -EINVAL);
	{
		struct drm_panthor_group_destroy d = { .group_handle = 5,
						       .pad = 1 };

		assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_GROUP_DESTROY, &d),
				 -EINVAL);
	}
	for (i = 1; i <= 128; i++)
		assert_int_equal(gdestroy(i), 0);
}

static void test_submit_checks(void **state)
{
	uint32_t g = group_new(1), s = sobj_new(f, false), other;
	uint64_t w[2] = { gpuvm_cs_asm_nop(), gpuvm_cs_asm_nop() };
	struct drm_panthor_queue_submit q;
	struct drm_panthor_sync_op so[2];
	struct drm_panthor_group_submit gs = { .group_handle = g, .pad = 1 };
	uint32_t i;
	struct {
		const char *what;
		struct drm_panthor_queue_submit q;
		int err;
	} rows[] = {
		{ "pad", { .stream_addr = VA_CS, .stream_size = 8, .pad = 1 },
		  -EINVAL },
		{ "size without address", { .stream_size = 8 }, -EINVAL },
		{ "address without size", { .stream_addr = VA_CS }, -EINVAL },
		{ "address not 64-byte aligned",
		  { .stream_addr = VA_CS + 32, .stream_size = 8 }, -EINVAL },
		{ "size not 8-byte aligned",
		  { .stream_addr = VA_CS, .stream_size = 12 }, -EINVAL },
		{ "latest_flush bit 24",
		  { .stream_addr = VA_CS, .stream_size = 8,
		    .latest_flush = 1u << 24 }, -EINVAL },
		{ "latest_flush bit 30",
		  { .stream_addr = VA_CS, .stream_size = 8,
		    .latest_flush = 1u << 30 }, -EINVAL },
		{ "queue 1 of 1",
		  { .queue_index = 1, .stream_addr = VA_CS,
		    .stream_size = 8 }, -EINVAL },
	};

	(void)state;
	put_stream(0, w, 2);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_GROUP_SUBMIT, &gs), -EINVAL);
	gs.pad = 0;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_GROUP_SUBMIT, &gs), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		so[0] = (struct drm_panthor_sync_op){ .flags = SIG,
						      .handle = s };
		rows[i].q.syncs = (struct drm_panthor_obj_array)
			DRM_PANTHOR_OBJ_ARRAY(1, so);
		if (submit1(g, &rows[i].q) != rows[i].err)
			fail_msg("%s", rows[i].what);
	}
	/* No group, or a bad sync op. */
	assert_int_equal(submit_at(99, 0, 0, 1, NULL, 0), -EINVAL);
	assert_int_equal(submit_at(0, 0, 0, 1, NULL, 0), -EINVAL);
	so[0] = (struct drm_panthor_sync_op){ .flags = SIG | 7, .handle = s };
	assert_int_equal(submit_at(g, 0, 0, 1, so, 1), -EINVAL);
	so[0] = (struct drm_panthor_sync_op){ .flags = SIG, .handle = 999 };
	assert_int_equal(submit_at(g, 0, 0, 1, so, 1), -EINVAL);
	so[0] = (struct drm_panthor_sync_op){ .flags = SIG, .handle = s,
					      .timeline_value = 2 };
	assert_int_equal(submit_at(g, 0, 0, 1, so, 1), -EINVAL);
	so[0] = (struct drm_panthor_sync_op){ .handle = 999 };
	assert_int_equal(submit_at(g, 0, 0, 1, so, 1), -ENOENT);
	/* A wait on a syncobj with no fence: nothing submitted yet. */
	so[0] = (struct drm_panthor_sync_op){ .handle = s };
	assert_int_equal(submit_at(g, 0, 0, 1, so, 1), -EINVAL);
	/* None of that queued a job or touched s. */
	assert_int_equal(sobj_wait(f, &s, 1, 0, 0, NULL), -EINVAL);
	/* A good one, then one waiting on it, through the same call. */
	other = sobj_new(f, false);
	so[0] = (struct drm_panthor_sync_op){ .flags = SIG, .handle = s };
	assert_int_equal(submit_at(g, 0, 0, 2, so, 1), 0);
	so[0] = (struct drm_panthor_sync_op){ .handle = s };
	so[1] = (struct drm_panthor_sync_op){ .flags = SIG, .handle = other };
	q = (struct drm_panthor_queue_submit){
		.syncs = DRM_PANTHOR_OBJ_ARRAY(2, so),
	};
	assert_int_equal(submit1(g, &q), 0);   /* an empty job */
	assert_int_equal(sobj_wait(f, &other, 1, 0, SZ_1G, NULL), 0);
	assert_int_equal(sobj_wait(f, &s, 1, 0, SZ_1G, NULL), 0);
	assert_int_equal(gdestroy(g), 0);
}

/* A store to an unmapped page: the fault as the queue recorded it. */
static void test_fault_report(void **state)
{
	uint32_t g = group_new(2), s = sobj_new(f, false), st, fatal;
	const uint64_t bad = VA_OUT + SZ_64K + 0x24;
	uint64_t w[3] = {
		gpuvm_cs_asm_move48(D_ADDR, bad),
		gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, R_VAL, D_ADDR,
				  1, 0),
		gpuvm_cs_asm_nop(),
	};
	struct drm_panthor_sync_op so = { .flags = SIG, .handle = s };
	struct gpuvm_cs_fault fl;

	(void)state;
	put_stream(0, w, 3);
	assert_int_equal(gpuvm_uapi_group_fault(f, g, 1, &fl), -ENODATA);
	assert_int_equal(submit_at(g, 1, 0, 3, &so, 1), 0);
	assert_int_equal(sobj_wait(f, &s, 1, 0, SZ_1G, NULL), 0);
	get_state(g, &st, &fatal);
	assert_int_equal(st, DRM_PANTHOR_GROUP_STATE_FATAL_FAULT);
	assert_int_equal(fatal, 2);
	assert_int_equal(gpuvm_uapi_group_fault(f, g, 1, &fl), 0);
	assert_int_equal(fl.exception, GPUVM_CS_EXC_TRANSLATION_FAULT_0 + 3);
	assert_int_equal(fl.instr_addr, VA_CS + 8);
	assert_int_equal(fl.instr, w[1]);
	assert_int_equal(fl.addr, bad);
	assert_true(fl.mmu);
	assert_int_equal(fl.mmu_fault.addr, bad);
	assert_int_equal(fl.mmu_fault.access, GPUVM_MMU_WRITE);
	assert_int_equal(gpuvm_uapi_group_fault(f, g, 0, &fl), -ENODATA);
	assert_int_equal(gpuvm_uapi_group_fault(f, g, 2, &fl), -EINVAL);
	assert_int_equal(gpuvm_uapi_group_fault(f, g + 1, 0, &fl), -EINVAL);
	assert_int_equal(gpuvm_uapi_group_fault(NULL, g, 1, &fl), -EINVAL);
	assert_int_equal(gpuvm_uapi_group_fault(f, g, 1, NULL), -EINVAL);
	/* Both queues refuse work now. */
	assert_int_equal(submit_at(g, 0, 2, 1, NULL, 0), -EINVAL);
	assert_int_equal(submit_at(g, 1, 2, 1, NULL, 0), -EINVAL);
	assert_int_equal(gdestroy(g), 0);
}

/* A job blocked on memory nobody writes, in queue qi of g. */
static void submit_blocked(uint32_t g, uint32_t s)
{
	uint64_t w[3] = {
		gpuvm_cs_asm_move48(D_ADDR, VA_OUT + 0x800),
		gpuvm_cs_asm_move32(R_VAL, 0),
		gpuvm_cs_asm_sync_wait(GPUVM_CS_OP_SYNC_WAIT32,
				       GPUVM_CS_COND_GREATER, R_VAL, D_ADDR,
				       false),
	};
	struct drm_panthor_sync_op so = { .flags = SIG, .handle = s };

	put_stream(8, w, 3);
	assert_int_equal(submit_at(g, 0, 8, 3, &so, 1), 0);
	assert_int_equal(sobj_wait(f, &s, 1, 0, SZ_1M * 20, NULL), -ETIME);
}

/* Destroying the group, or its VM, signals what its queued jobs would. */
static void test_lifetimes(void **state)
{
	uint32_t g, s = sobj_new(f, false), s2 = sobj_new(f, false);
	uint32_t st, fatal;
	struct drm_panthor_vm_destroy vd = { .id = vm };
	struct drm_panthor_sync_op so = { .flags = SIG, .handle = s2 };

	(void)state;
	g = group_new(1);
	submit_blocked(g, s);
	/* A second job behind it. */
	assert_int_equal(submit_at(g, 0, 8, 1, &so, 1), 0);
	assert_int_equal(gdestroy(g), 0);
	assert_int_equal(sobj_wait(f, &s, 1, 0, SZ_1G, NULL), 0);
	assert_int_equal(sobj_wait(f, &s2, 1, 0, SZ_1G, NULL), 0);

	assert_int_equal(IOC(f, DRM_IOCTL_SYNCOBJ_RESET,
			     &((struct drm_syncobj_array){
				     .handles = (uintptr_t)&s,
				     .count_handles = 1 })), 0);
	g = group_new(1);
	submit_blocked(g, s);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &vd), 0);
	assert_int_equal(sobj_wait(f, &s, 1, 0, SZ_1G, NULL), 0);
	/* The group stays, not faulted, but runs nothing more. */
	get_state(g, &st, &fatal);
	assert_int_equal(st, 0);
	assert_int_equal(submit_at(g, 0, 8, 1, NULL, 0), -EINVAL);
	assert_int_equal(gdestroy(g), 0);
	/* setup's VM is gone: a new one for teardown's sake. */
	vm = vm_new(f);
}

/* Closing a file with a blocked job: nothing hangs, nothing leaks. */
static void test_close_blocked(void **state)
{
	uint32_t g = group_new(1), s = sobj_new(f, false);

	(void)state;
	submit_blocked(g, s);
}

/* A job blocked past the job timeout times its group out. */
static void test_timeout(void **state)
{
	struct gpuvm_uapi_device_cfg cfg = { .job_timeout_ms = 30 };
	uint32_t g, s, st, fatal;
	struct gpuvm_cs_fault fl;

	(void)state;
	/* setup's device, replaced by one with a short timeout. */
	gpuvm_uapi_close(f);
	gpuvm_uapi_device_destroy(dev);
	cfg.drv.ram = 64 * SZ_1M;
	assert_int_equal(gpuvm_uapi_device_create(&cfg, &dev), 0);
	f = ropen(dev);
	vm = vm_new(f);
	cs_bo = bo_new(f, SZ_64K);
	out_bo = bo_new(f, SZ_64K);
	assert_int_equal(bind1(f, vm, OP_MAP, cs_bo, 0, VA_CS, SZ_64K), 0);
	assert_int_equal(bind1(f, vm, OP_MAP, out_bo, 0, VA_OUT, SZ_64K), 0);
	g = group_new(1);
	s = sobj_new(f, false);
	submit_blocked(g, s);
	/* The worker looks again while the job is blocked: no ioctl needed
	 * for the timeout to fire, and the wait sees its signal. */
	assert_int_equal(sobj_wait(f, &s, 1, 0, 10 * SZ_1G, NULL), 0);
	get_state(g, &st, &fatal);
	assert_int_equal(st, DRM_PANTHOR_GROUP_STATE_TIMEDOUT);
	assert_int_equal(fatal, 0);
	assert_int_equal(gpuvm_uapi_group_fault(f, g, 0, &fl), -ENODATA);
	assert_int_equal(submit_at(g, 0, 8, 1, NULL, 0), -EINVAL);
	assert_int_equal(gdestroy(g), 0);
}

/* An evicted BO and the evicted sparse dummy are restored before the job
 * that reads them runs. */
static void test_evict_restore(void **state)
{
	struct gpuvm_drv_file *d = gpuvm_uapi_file_drv(f);
	uint32_t g = group_new(1), s = sobj_new(f, false), in = bo_new(f, SZ_4K);
	uint32_t i, v[10];
	struct gpuvm_drv_lookup l;
	bool resident = true;
	/* 8 words of the BO, then 2 of the sparse range (the dummy). */
	uint64_t w[6] = {
		gpuvm_cs_asm_move48(D_ADDR, 0x3000000),
		gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_ADDR, 0xff, 0),
		gpuvm_cs_asm_move48(D_ADDR + 2, SZ_1G + SZ_2M + 0x40),
		gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 8, D_ADDR + 2, 3, 0),
		gpuvm_cs_asm_move48(D_ADDR, VA_OUT),
		gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR, 0x3ff,
				  0),
	};
	struct drm_panthor_sync_op so = { .flags = SIG, .handle = s };

	(void)state;
	assert_int_equal(bind1(f, vm, OP_MAP, in, 0, 0x3000000, SZ_4K), 0);
	for (i = 0; i < 8; i++)
		gpu_wr32(f, vm, 0x3000000 + 4 * i, 0x70000000 + i);
	assert_int_equal(bind1(f, vm, OP_MAP | OP_SPARSE, 0, 0, SZ_1G,
			       2 * SZ_2M), 0);
	gpu_wr32(f, vm, SZ_1G + 0x40, 0x51);
	gpu_wr32(f, vm, SZ_1G + 0x44, 0x52);
	put_stream(16, w, 6);
	assert_int_equal(gpuvm_drv_vm_lookup(d, vm, 0x3000000, &l), 0);
	assert_int_equal(gpuvm_drv_bo_evict(d, l.bo_handle), 0);
	assert_int_equal(gpuvm_drv_dummy_evict(d), 0);
	assert_int_equal(gpuvm_drv_bo_resident(d, 0, &resident), 0);
	assert_false(resident);
	assert_int_equal(gpuvm_drv_bo_resident(d, l.bo_handle, &resident), 0);
	assert_false(resident);
	assert_int_equal(submit_at(g, 0, 16, 6, &so, 1), 0);
	assert_int_equal(sobj_wait(f, &s, 1, 0, SZ_1G, NULL), 0);
	assert_int_equal(gpuvm_drv_bo_resident(d, l.bo_handle, &resident), 0);
	assert_true(resident);
	assert_int_equal(gpuvm_drv_bo_resident(d, 0, &resident), 0);
	assert_true(resident);
	assert_int_equal(gpuvm_drv_gpu_access(d, vm, GPUVM_MMU_READ, VA_OUT,
					      v, sizeof(v), NULL), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(v[i], 0x70000000 + i);
	/* The dummy is cyclic: 2 MiB further on reads the same words. */
	assert_int_equal(v[8], 0x51);
	assert_int_equal(v[9], 0x52);
	assert_int_equal(gdestroy(g), 0);
}

static int heap_create(struct drm_panthor_tiler_heap_create *a)
{
	return IOC(f, DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE, a);
}

static int heap_destroy(uint32_t handle, uint32_t pad)
{
	struct drm_panthor_tiler_heap_destroy a = { .handle = handle,
						    .pad = pad };

	return IOC(f, DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, &a);
}

static uint64_t gpu_rd64(uint64_t va)
{
	uint64_t v = 0;

	assert_int_equal(gpuvm_drv_gpu_access(gpuvm_uapi_file_drv(f), vm,
					      GPUVM_MMU_READ, va, &v, 8,
					      NULL), 0);
	return v;
}

/* Tiler heaps: checks, layout in the kernel range, the limit, binds. */
static void test_heaps(void **state)
{
	const uint64_t k = 1ull << 47;     /* the kernel range's start */
	struct drm_panthor_tiler_heap_create ok = {
		.vm_id = vm, .initial_chunk_count = 3, .chunk_size = 256 << 10,
		.max_chunks = 3, .target_in_flight = 2,
	}, a;
	struct gpuvm_mmu_fault fault;
	uint32_t i, v = 0;
	struct {
		const char *what;
		uint32_t vm_id, initial, size, max;
		int err;
	} rows[] = {
		{ "no VM", 0, 1, 128 << 10, 1, -EINVAL },
		{ "VM 9", 9, 1, 128 << 10, 1, -EINVAL },
		{ "no chunk", 1, 0, 128 << 10, 1, -EINVAL },
		{ "more than max", 1, 2, 128 << 10, 1, -EINVAL },
		{ "chunk 124 KiB", 1, 1, 124 << 10, 1, -EINVAL },
		{ "chunk unaligned", 1, 1, (128 << 10) + 8, 1, -EINVAL },
		{ "chunk 8 MiB + 4 KiB", 1, 1, (8 << 20) + 4096, 1, -EINVAL },
	};

	(void)state;
	assert_int_equal(heap_destroy(vm << 16, 0), -ENOENT);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		a = (struct drm_panthor_tiler_heap_create){
			.vm_id = rows[i].vm_id == 1 ? vm : rows[i].vm_id,
			.initial_chunk_count = rows[i].initial,
			.chunk_size = rows[i].size, .max_chunks = rows[i].max,
			.handle = 0xabc,
		};
		if (heap_create(&a) != rows[i].err)
			fail_msg("%s", rows[i].what);
		assert_int_equal(a.handle, 0xabc);
	}
	/* Refused calls made no pool. */
	assert_int_equal(heap_destroy(vm << 16, 0), -ENOENT);
	a = ok;
	assert_int_equal(heap_create(&a), 0);
	assert_int_equal(a.handle, vm << 16);
	assert_int_equal(a.tiler_heap_ctx_gpu_va, k);
	/* Chunks after the 8 KiB of contexts, newest first, linked. */
	assert_int_equal(a.first_heap_chunk_gpu_va, k + 8192 + 2 * (256 << 10));
	assert_int_equal(gpu_rd64(a.first_heap_chunk_gpu_va),
			 (k + 8192 + (256 << 10)) | 64);
	assert_int_equal(gpu_rd64(k + 8192 + (256 << 10)), (k + 8192) | 64);
	assert_int_equal(gpu_rd64(k + 8192), 0);
	assert_int_equal(gpu_rd64(k), 0);
	/* Mapped NOEXEC. */
	assert_int_equal(gpuvm_drv_gpu_access(gpuvm_uapi_file_drv(f), vm,
					      GPUVM_MMU_EXEC, k, &v, 4,
					      &fault), -EFAULT);
	/* Binds cannot reach the kernel range, sync or async. */
	assert_int_equal(bind1(f, vm, OP_MAP, cs_bo, 0, k - SZ_4K, SZ_64K),
			 -EINVAL);
	assert_int_equal(bind1(f, vm, OP_UNMAP, 0, 0, k, SZ_4K), -EINVAL);
	{
		uint32_t so = sobj_new(f, false);
		struct drm_panthor_sync_op sig = { .flags = SIG,
						   .handle = so };
		struct drm_panthor_vm_bind_op op = {
			.flags = OP_UNMAP, .va = k, .size = SZ_4K,
			.syncs = DRM_PANTHOR_OBJ_ARRAY(1, &sig),
		};

		assert_int_equal(bind_ops(f, vm, DRM_PANTHOR_VM_BIND_ASYNC,
					  &op, 1, NULL), -EINVAL);
	}
	assert_int_equal(gpu_rd64(a.first_heap_chunk_gpu_va),
			 (k + 8192 + (256 << 10)) | 64);
	/* 128 heaps per VM. */
	for (i = 1; i < 128; i++) {
		a = ok;
		a.initial_chunk_count = 1;
		a.chunk_size = 128 << 10;
		assert_int_equal(heap_create(&a), 0);
		assert_int_equal(a.handle, vm << 16 | i);
		assert_int_equal(a.tiler_heap_ctx_gpu_va, k + 64 * i);
	}
	a = ok;
	assert_int_equal(heap_create(&a), -EBUSY);
	assert_int_equal(heap_destroy(vm << 16 | 5, 1), -EINVAL);
	assert_int_equal(heap_destroy(vm << 16 | 5, 0), 0);
	assert_int_equal(heap_destroy(vm << 16 | 5, 0), -EINVAL);
	assert_int_equal(heap_destroy(vm << 16 | 128, 0), -EINVAL);
	assert_int_equal(heap_destroy(31 << 16 | 5, 0), -EINVAL);
	a = ok;
	assert_int_equal(heap_create(&a), 0);
	assert_int_equal(a.handle, vm << 16 | 5);
	assert_int_equal(a.tiler_heap_ctx_gpu_va, k + 64 * 5);
	/* The rest go with the VM (teardown); ASan sees nothing leak. */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_checks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_group_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_submit_checks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fault_report, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lifetimes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_blocked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_evict_restore, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_heaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
