// SPDX-License-Identifier: MIT
/*
 * DOC: GPU work through the render node, as a libdrm client sees it
 *
 * Run under `gpuvm shim --sparse=dummy|null --ram=64M --`: command
 * streams written into BOs, bound, and submitted to the queues of a
 * group with GROUP_SUBMIT, completion seen through syncobjs, results
 * read back through mmap. Streams that store constants, copy between
 * BOs, read sparse ranges (the dummy's contents or zero, as the device
 * says), fault on unmapped and read-only memory (GROUP_GET_STATE after,
 * later submits refused), wait on a sync object in memory that another
 * queue signals, run after an async sparse bind through a syncobj (the
 * Vulkan pattern), and read across a sparse range and a BO that memory
 * pressure evicted (restored before the job runs). Every value read is
 * asserted.
 *
 * Only libdrm, the ABI header and the CS instruction encoders of
 * gpuvm/cs.h (header-only: the words a real Mali-G610 runs) are used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xf86drm.h>

#include "gpuvm/cs.h"
#include "gpuvm/panthor_drm.h"

#define SZ_4K  0x1000ull
#define SZ_64K 0x10000ull
#define SZ_1M  0x100000ull
#define SZ_2M  0x200000ull
#define MAP    DRM_PANTHOR_VM_BIND_OP_TYPE_MAP
#define RO     DRM_PANTHOR_VM_BIND_OP_MAP_READONLY
#define SPARSE (DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE | \
		DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC)
#define SIGNAL ((uint32_t)DRM_PANTHOR_SYNC_OP_SIGNAL)
#define TLINE  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ

/* Where the tests put things in the GPU VA space. */
#define VA_CS     0x1000000ull     /* the stream BO */
#define VA_OUT    0x2000000ull     /* results */
#define VA_IN     0x3000000ull     /* sources */
#define VA_SPARSE 0x40000000ull    /* 1 GiB: a sparse range */
#define FATAL     DRM_PANTHOR_GROUP_STATE_FATAL_FAULT
#define SEC       1000000000ll

/* Register pairs the streams use. */
#define D_ADDR 68
#define D_SRC  64
#define R_VAL  70

static int ioc(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static bool null_sparse(void)
{
	const char *s = getenv("GPUVM_SHIM_SPARSE");

	return s && !strcmp(s, "null");
}

/* A file with a VM, a stream BO at VA_CS and a result BO at VA_OUT. */
struct ctx {
	int fd;
	uint32_t vm, cs_bo, out_bo;
	uint64_t *cs;          /* the stream BO, CPU view */
	uint32_t *out;         /* the result BO, CPU view */
	uint32_t n;            /* words written to the stream so far */
};

static void *bo_map(int fd, uint32_t bo, uint64_t size)
{
	struct drm_panthor_bo_mmap_offset a = { .handle = bo };
	void *p;

	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &a), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)a.offset);
	assert_true(p != MAP_FAILED);
	return p;
}

static uint32_t bo_new(int fd, uint64_t size)
{
	struct drm_panthor_bo_create a = { .size = size };

	assert_int_equal(ioc(fd, DRM_IOCTL_PANTHOR_BO_CREATE, &a), 0);
	return a.handle;
}

static int bind(int fd, uint32_t vm, uint32_t flags, uint32_t bo,
		uint64_t va, uint64_t size, struct drm_panthor_sync_op *s,
		uint32_t ns)
{
	struct drm_panthor_vm_bind_op op = {
		.flags = flags, .bo_handle = bo, .va = va, .size = size,
		.syncs = DRM_PANTHOR_OBJ_ARRAY(ns, s),
	};
	struct drm_panthor_vm_bind b = {
		.vm_id = vm, .flags = ns ? DRM_PANTHOR_VM_BIND_ASYNC : 0,
		.ops = DRM_PANTHOR_OBJ_ARRAY(1, &op),
	};

	return ioc(fd, DRM_IOCTL_PANTHOR_VM_BIND, &b);
}

static void ctx_init(struct ctx *c)
{
	struct drm_panthor_vm_create vc = { 0 };

	memset(c, 0, sizeof(*c));
	c->fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	assert_true(c->fd >= 0);
	assert_int_equal(ioc(c->fd, DRM_IOCTL_PANTHOR_VM_CREATE, &vc), 0);
	c->vm = vc.id;
	c->cs_bo = bo_new(c->fd, SZ_64K);
	c->out_bo = bo_new(c->fd, SZ_64K);
	c->cs = bo_map(c->fd, c->cs_bo, SZ_64K);
	c->out = bo_map(c->fd, c->out_bo, SZ_64K);
	assert_int_equal(bind(c->fd, c->vm, MAP, c->cs_bo, VA_CS, SZ_64K,
			      NULL, 0), 0);
	assert_int_equal(bind(c->fd, c->vm, MAP, c->out_bo, VA_OUT, SZ_64K,
			      NULL, 0), 0);
}

static void ctx_fini(struct ctx *c)
{
	munmap(c->cs, SZ_64K);
	munmap(c->out, SZ_64K);
	close(c->fd);
}

/* nq queues, or 0: one. */
static uint32_t group_new(struct ctx *c, uint32_t nq)
{
	struct drm_panthor_queue_create q[2] = {
		{ .ringbuf_size = 4096 }, { .ringbuf_size = 65536 },
	};
	struct drm_panthor_group_create a = {
		.queues = DRM_PANTHOR_OBJ_ARRAY(nq ? nq : 1, q),
		.max_compute_cores = 1, .max_fragment_cores = 1,
		.max_tiler_cores = 1, .compute_core_mask = 1,
		.fragment_core_mask = 1, .tiler_core_mask = 1,
		.priority = PANTHOR_GROUP_PRIORITY_MEDIUM, .vm_id = c->vm,
	};

	assert_int_equal(ioc(c->fd, DRM_IOCTL_PANTHOR_GROUP_CREATE, &a), 0);
	assert_true(a.group_handle != 0);
	return a.group_handle;
}

/* Starts a new stream at a 64-byte boundary; returns its word index. */
static uint32_t stream_begin(struct ctx *c)
{
	c->n = (c->n + 7) & ~7u;
	return c->n;
}

static void emit(struct ctx *c, uint64_t w)
{
	assert_true(c->n < SZ_64K / 8);
	c->cs[c->n++] = w;
}

/* Stores the 32-bit v at VA va. */
static void emit_store(struct ctx *c, uint64_t va, uint32_t v)
{
	emit(c, gpuvm_cs_asm_move48(D_ADDR, va));
	emit(c, gpuvm_cs_asm_move32(R_VAL, v));
	emit(c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, R_VAL, D_ADDR,
				  1, 0));
}

/* Submits stream [first, c->n) to queue qi with the given syncs. */
static int submit(struct ctx *c, uint32_t group, uint32_t qi, uint32_t first,
		  struct drm_panthor_sync_op *s, uint32_t ns)
{
	struct drm_panthor_queue_submit q = {
		.queue_index = qi,
		.stream_addr = VA_CS + first * 8ull,
		.stream_size = (c->n - first) * 8,
		.syncs = DRM_PANTHOR_OBJ_ARRAY(ns, s),
	};
	struct drm_panthor_group_submit a = {
		.group_handle = group,
		.queue_submits = DRM_PANTHOR_OBJ_ARRAY(1, &q),
	};

	return ioc(c->fd, DRM_IOCTL_PANTHOR_GROUP_SUBMIT, &a);
}

static uint32_t sobj(struct ctx *c)
{
	uint32_t h = 0;

	assert_int_equal(drmSyncobjCreate(c->fd, 0, &h), 0);
	return h;
}

static struct drm_panthor_sync_op sig_op(uint32_t h)
{
	return (struct drm_panthor_sync_op){ .flags = SIGNAL, .handle = h };
}

static int wait1(struct ctx *c, uint32_t h, int64_t rel)
{
	return drmSyncobjWait(c->fd, &h, 1, rel ? now_ns() + rel : 0, 0,
			      NULL);
}

static void get_state(struct ctx *c, uint32_t group, uint32_t *state,
		      uint32_t *fatal)
{
	struct drm_panthor_group_get_state a = { .group_handle = group };

	assert_int_equal(ioc(c->fd, DRM_IOCTL_PANTHOR_GROUP_GET_STATE, &a),
			 0);
	*state = a.state;
	*fatal = a.fatal_queues;
}

/* ------------------------------------------------------------------ */

/* Constants stored by the GPU, read back through the CPU mapping. */
static void test_store_constants(void **state)
{
	struct ctx c;
	uint32_t g, s, first, st, fatal, i;
	struct drm_panthor_sync_op so;

	(void)state;
	ctx_init(&c);
	g = group_new(&c, 1);
	s = sobj(&c);
	so = sig_op(s);
	first = stream_begin(&c);
	/* Four registers in one STORE_MULTIPLE, then single words. */
	emit(&c, gpuvm_cs_asm_move48(D_ADDR, VA_OUT + 0x100));
	for (i = 0; i < 4; i++)
		emit(&c, gpuvm_cs_asm_move32(R_VAL + i, 0xc0de0000 + i));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, R_VAL, D_ADDR,
				   0xf, 0));
	emit_store(&c, VA_OUT, 0xdeadbeef);
	emit_store(&c, VA_OUT + SZ_64K - 4, 0x600df00d);
	emit(&c, gpuvm_cs_asm_wait(0xff, false));
	emit(&c, gpuvm_cs_asm_flush_cache2(3, 3, 2, R_VAL, 0, 1));
	emit(&c, gpuvm_cs_asm_wait(0xff, false));
	assert_int_equal(submit(&c, g, 0, first, &so, 1), 0);
	assert_int_equal(wait1(&c, s, 5 * SEC), 0);
	assert_int_equal(c.out[0], 0xdeadbeef);
	assert_int_equal(c.out[1], 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(c.out[0x40 + i], 0xc0de0000 + i);
	assert_int_equal(c.out[0x44], 0);
	assert_int_equal(c.out[SZ_64K / 4 - 1], 0x600df00d);
	get_state(&c, g, &st, &fatal);
	assert_int_equal(st, 0);
	assert_int_equal(fatal, 0);
	ctx_fini(&c);
}

/* A loop copying 1 KiB from one BO to another, 16 words at a time. */
static void test_copy(void **state)
{
	struct ctx c;
	uint32_t g, s, in_bo, first, i, *in;
	struct drm_panthor_sync_op so;

	(void)state;
	ctx_init(&c);
	in_bo = bo_new(c.fd, SZ_64K);
	in = bo_map(c.fd, in_bo, SZ_64K);
	for (i = 0; i < SZ_64K / 4; i++)
		in[i] = i * 0x9e3779b9u;
	assert_int_equal(bind(c.fd, c.vm, MAP | RO, in_bo, VA_IN, SZ_64K,
			      NULL, 0), 0);
	g = group_new(&c, 1);
	s = sobj(&c);
	so = sig_op(s);
	first = stream_begin(&c);
	emit(&c, gpuvm_cs_asm_move48(D_SRC, VA_IN + 0x40));
	emit(&c, gpuvm_cs_asm_move48(D_ADDR, VA_OUT + 0x80));
	emit(&c, gpuvm_cs_asm_move32(R_VAL + 2, 16));   /* iterations */
	/* loop: */
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_SRC,
				   0xffff, 0));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR,
				   0xffff, 0));
	emit(&c, gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, D_SRC, D_SRC, 64));
	emit(&c, gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, D_ADDR, D_ADDR, 64));
	emit(&c, gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM32, R_VAL + 2,
				  R_VAL + 2, -1));
	emit(&c, gpuvm_cs_asm_branch(GPUVM_CS_COND_GREATER, R_VAL + 2, -6));
	assert_int_equal(submit(&c, g, 0, first, &so, 1), 0);
	assert_int_equal(wait1(&c, s, 5 * SEC), 0);
	for (i = 0; i < 0x20; i++)
		assert_int_equal(c.out[i], 0);
	for (i = 0; i < 256; i++)
		assert_int_equal(c.out[0x20 + i], (0x10 + i) * 0x9e3779b9u);
	assert_int_equal(c.out[0x20 + 256], 0);
	munmap(in, SZ_64K);
	ctx_fini(&c);
}

/*
 * A sparse range: a store to it, then loads from it, 2 MiB apart and
 * untouched. The dummy device reads its 2 MiB dummy cyclically (what was
 * stored comes back 2 MiB further), the NULL device reads zero.
 */
static void test_sparse_read(void **state)
{
	struct ctx c;
	uint32_t g, s, first, i;
	struct drm_panthor_sync_op so;
	bool null = null_sparse();

	(void)state;
	ctx_init(&c);
	assert_int_equal(bind(c.fd, c.vm, MAP | SPARSE, 0, VA_SPARSE,
			      8 * SZ_2M, NULL, 0), 0);
	g = group_new(&c, 1);
	s = sobj(&c);
	so = sig_op(s);
	first = stream_begin(&c);
	emit_store(&c, VA_SPARSE + 0x10, 0x5a5a0001);
	emit(&c, gpuvm_cs_asm_move48(D_SRC, VA_SPARSE + 3 * SZ_2M));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_SRC,
				   0xff, 0));
	emit(&c, gpuvm_cs_asm_move48(D_SRC, VA_SPARSE + 8 * SZ_2M - 16));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 8, D_SRC,
				   0xf, 0));
	emit(&c, gpuvm_cs_asm_move48(D_ADDR, VA_OUT));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR,
				   0xfff, 0));
	memset(c.out, 0xee, 64);
	assert_int_equal(submit(&c, g, 0, first, &so, 1), 0);
	assert_int_equal(wait1(&c, s, 5 * SEC), 0);
	for (i = 0; i < 12; i++)
		assert_int_equal(c.out[i],
				 i == 4 && !null ? 0x5a5a0001 : 0);
	assert_int_equal(c.out[12], 0xeeeeeeee);
	ctx_fini(&c);
}

/* Checks that group g's queue faulted and that it takes no more jobs. */
static void assert_faulted(struct ctx *c, uint32_t g, uint32_t queues)
{
	uint32_t st, fatal, first;

	get_state(c, g, &st, &fatal);
	assert_int_equal(st, FATAL);
	assert_int_equal(fatal, queues);
	first = stream_begin(c);
	emit(c, gpuvm_cs_asm_nop());
	assert_int_equal(submit(c, g, 0, first, NULL, 0), -EINVAL);
}

/*
 * Stores to an unmapped page and to a read-only BO fault the group; what
 * ran before the fault stays, what comes after never runs.
 */
static void test_faults(void **state)
{
	struct ctx c;
	uint32_t g1, g2, g3, s, first, in_bo, *in;
	struct drm_panthor_sync_op so;

	(void)state;
	ctx_init(&c);
	in_bo = bo_new(c.fd, SZ_4K);
	in = bo_map(c.fd, in_bo, SZ_4K);
	in[0] = 0x11112222;
	assert_int_equal(bind(c.fd, c.vm, MAP | RO, in_bo, VA_IN, SZ_4K,
			      NULL, 0), 0);
	s = sobj(&c);
	so = sig_op(s);

	/* Unmapped. */
	g1 = group_new(&c, 1);
	first = stream_begin(&c);
	emit_store(&c, VA_OUT, 1);
	emit_store(&c, VA_OUT + SZ_64K, 2);     /* past the BO: nothing */
	emit_store(&c, VA_OUT + 4, 3);
	assert_int_equal(submit(&c, g1, 0, first, &so, 1), 0);
	assert_int_equal(wait1(&c, s, 5 * SEC), 0);
	assert_int_equal(c.out[0], 1);
	assert_int_equal(c.out[1], 0);
	assert_faulted(&c, g1, 1);

	/* Read-only: the load works, the store faults. */
	g2 = group_new(&c, 1);
	assert_int_equal(drmSyncobjReset(c.fd, &s, 1), 0);
	first = stream_begin(&c);
	emit(&c, gpuvm_cs_asm_move48(D_SRC, VA_IN));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_SRC, 1, 0));
	emit(&c, gpuvm_cs_asm_move48(D_ADDR, VA_OUT + 8));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR,
				   1, 0));
	emit_store(&c, VA_IN, 0x33334444);
	emit_store(&c, VA_OUT + 12, 5);
	assert_int_equal(submit(&c, g2, 0, first, &so, 1), 0);
	assert_int_equal(wait1(&c, s, 5 * SEC), 0);
	assert_int_equal(c.out[2], 0x11112222);
	assert_int_equal(c.out[3], 0);
	assert_int_equal(in[0], 0x11112222);
	assert_faulted(&c, g2, 1);

	/* An instruction that needs shader cores, and an endless loop. */
	g3 = group_new(&c, 2);
	assert_int_equal(drmSyncobjReset(c.fd, &s, 1), 0);
	first = stream_begin(&c);
	emit(&c, gpuvm_cs_asm_branch(GPUVM_CS_COND_ALWAYS, 0, -1));
	assert_int_equal(submit(&c, g3, 1, first, &so, 1), 0);
	assert_int_equal(wait1(&c, s, 30 * SEC), 0);
	assert_faulted(&c, g3, 2);
	g3 = group_new(&c, 1);
	assert_int_equal(drmSyncobjReset(c.fd, &s, 1), 0);
	first = stream_begin(&c);
	emit(&c, gpuvm_cs_asm_raw(GPUVM_CS_OP_RUN_COMPUTE, 0));
	assert_int_equal(submit(&c, g3, 0, first, &so, 1), 0);
	assert_int_equal(wait1(&c, s, 5 * SEC), 0);
	assert_faulted(&c, g3, 1);
	munmap(in, SZ_4K);
	ctx_fini(&c);
}

/*
 * Queue 0 waits on a sync object in memory that queue 1 signals: its job
 * does not finish until queue 1's runs.
 */
static void test_sync_wait_other_queue(void **state)
{
	struct ctx c;
	uint32_t g, s0, s1, first0, first1, st, fatal;
	struct drm_panthor_sync_op so0, so1;
	const uint64_t obj = VA_OUT + 0x1000;

	(void)state;
	ctx_init(&c);
	g = group_new(&c, 2);
	s0 = sobj(&c);
	s1 = sobj(&c);
	so0 = sig_op(s0);
	so1 = sig_op(s1);
	c.out[0x1000 / 4] = 5;
	first0 = stream_begin(&c);
	emit(&c, gpuvm_cs_asm_move48(D_SRC, obj));
	emit(&c, gpuvm_cs_asm_move32(R_VAL, 5));
	emit(&c, gpuvm_cs_asm_sync_wait(GPUVM_CS_OP_SYNC_WAIT32,
					GPUVM_CS_COND_GREATER, R_VAL, D_SRC,
					false));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_SRC, 1, 0));
	emit(&c, gpuvm_cs_asm_move48(D_ADDR, VA_OUT));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR,
				   1, 0));
	assert_int_equal(submit(&c, g, 0, first0, &so0, 1), 0);
	assert_int_equal(wait1(&c, s0, SEC / 10), -ETIME);
	assert_int_equal(c.out[0], 0);
	get_state(&c, g, &st, &fatal);
	assert_int_equal(st, 0);

	first1 = stream_begin(&c);
	emit(&c, gpuvm_cs_asm_move48(D_SRC, obj));
	emit(&c, gpuvm_cs_asm_move32(R_VAL, 2));
	emit(&c, gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_ADD32, R_VAL, D_SRC, false,
				   0, 0));
	assert_int_equal(submit(&c, g, 1, first1, &so1, 1), 0);
	assert_int_equal(wait1(&c, s1, 5 * SEC), 0);
	assert_int_equal(wait1(&c, s0, 5 * SEC), 0);
	assert_int_equal(c.out[0], 7);
	assert_int_equal(c.out[0x1000 / 4], 7);
	ctx_fini(&c);
}

/*
 * The Vulkan sparse pattern: an async bind makes a sparse range and a BO
 * resident and signals a syncobj (binary, then a timeline point); the
 * submit waits on it and reads both, then signals a timeline point.
 */
static void test_sparse_bind_then_submit(void **state)
{
	struct ctx c;
	uint32_t g, b, t, first, in_bo, *in, i;
	struct drm_panthor_sync_op bsig, tsig, ops[2];
	uint64_t point = 0;
	bool null = null_sparse();

	(void)state;
	ctx_init(&c);
	in_bo = bo_new(c.fd, SZ_64K);
	in = bo_map(c.fd, in_bo, SZ_64K);
	for (i = 0; i < 16; i++)
		in[i] = 0xa0000000 + i;
	g = group_new(&c, 1);
	b = sobj(&c);
	t = sobj(&c);
	bsig = sig_op(b);
	tsig = (struct drm_panthor_sync_op){
		.flags = SIGNAL | TLINE, .handle = t, .timeline_value = 3,
	};
	assert_int_equal(bind(c.fd, c.vm, MAP | SPARSE, 0, VA_SPARSE, SZ_2M,
			      &bsig, 1), 0);
	assert_int_equal(bind(c.fd, c.vm, MAP, in_bo, VA_SPARSE + SZ_2M,
			      SZ_64K, &tsig, 1), 0);
	/* Reads the last 4 sparse words and the BO's first 4 in one go. */
	first = stream_begin(&c);
	emit(&c, gpuvm_cs_asm_move48(D_SRC, VA_SPARSE + SZ_2M - 16));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_SRC,
				   0xff, 0));
	emit(&c, gpuvm_cs_asm_move48(D_ADDR, VA_OUT));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR,
				   0xff, 0));
	ops[0] = (struct drm_panthor_sync_op){ .handle = b };
	ops[1] = (struct drm_panthor_sync_op){
		.flags = TLINE, .handle = t, .timeline_value = 3,
	};
	tsig.timeline_value = 5;
	{
		struct drm_panthor_sync_op all[3] = { ops[0], ops[1], tsig };

		assert_int_equal(submit(&c, g, 0, first, all, 3), 0);
	}
	assert_int_equal(drmSyncobjTimelineWait(c.fd, &t,
						&(uint64_t){ 5 }, 1,
						now_ns() + 5 * SEC, 0, NULL),
			 0);
	assert_int_equal(drmSyncobjQuery(c.fd, &t, &point, 1), 0);
	assert_int_equal(point, 5);
	for (i = 0; i < 4; i++)
		assert_int_equal(c.out[i], 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(c.out[4 + i], 0xa0000000 + i);
	(void)null;
	munmap(in, SZ_64K);
	ctx_fini(&c);
}

/*
 * Memory pressure evicts a bound BO (64 MiB of RAM, two 24 MiB BOs); the
 * submit makes it resident again before its stream reads across the
 * sparse range below it into it, and every word comes back.
 */
static void test_evict_then_submit(void **state)
{
	struct ctx c;
	uint32_t g, s, first, big, other, *p, i;
	struct drm_panthor_sync_op so;
	const uint64_t big_size = 24 * SZ_1M;
	const uint64_t va = VA_SPARSE + SZ_2M;
	bool null = null_sparse();

	(void)state;
	ctx_init(&c);
	big = bo_new(c.fd, big_size);
	p = bo_map(c.fd, big, big_size);
	for (i = 0; i < 64; i++)
		p[i] = 0xb0000000 + i;
	p[big_size / 4 - 1] = 0xe0d;
	munmap(p, big_size);
	assert_int_equal(bind(c.fd, c.vm, MAP | SPARSE, 0, VA_SPARSE, SZ_2M,
			      NULL, 0), 0);
	assert_int_equal(bind(c.fd, c.vm, MAP, big, va, big_size, NULL, 0),
			 0);
	g = group_new(&c, 1);
	s = sobj(&c);
	so = sig_op(s);
	/* Two more BOs of this size only fit with big in swap. */
	other = bo_new(c.fd, big_size);
	p = bo_map(c.fd, other, big_size);
	memset(p, 0x77, big_size);
	munmap(p, big_size);
	i = bo_new(c.fd, big_size);
	p = bo_map(c.fd, i, big_size);
	p[0] = 1;
	munmap(p, big_size);

	first = stream_begin(&c);
	/* 8 sparse words then 8 BO words; then the BO's last word. */
	emit(&c, gpuvm_cs_asm_move48(D_SRC, va - 32));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_SRC,
				   0xffff, 0));
	emit(&c, gpuvm_cs_asm_move48(D_ADDR, VA_OUT));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR,
				   0xffff, 0));
	emit(&c, gpuvm_cs_asm_move48(D_SRC, va + big_size - 4));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_SRC, 1, 0));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR,
				   1, 64));
	/* The BO's words 8..63, in place of the loaded ones. */
	emit(&c, gpuvm_cs_asm_move48(D_SRC, va + 32));
	emit(&c, gpuvm_cs_asm_move32(R_VAL + 2, 7));
	emit(&c, gpuvm_cs_asm_move48(D_ADDR, VA_OUT + 0x100));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 0, D_SRC,
				   0xff, 0));
	emit(&c, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 0, D_ADDR,
				   0xff, 0));
	emit(&c, gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, D_SRC, D_SRC, 32));
	emit(&c, gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, D_ADDR, D_ADDR, 32));
	emit(&c, gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM32, R_VAL + 2,
				  R_VAL + 2, -1));
	emit(&c, gpuvm_cs_asm_branch(GPUVM_CS_COND_GREATER, R_VAL + 2, -6));
	assert_int_equal(submit(&c, g, 0, first, &so, 1), 0);
	assert_int_equal(wait1(&c, s, 10 * SEC), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(c.out[i], 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(c.out[8 + i], 0xb0000000 + i);
	assert_int_equal(c.out[16], 0xe0d);
	for (i = 0; i < 56; i++)
		assert_int_equal(c.out[0x40 + i], 0xb0000008 + i);
	assert_int_equal(c.out[0x40 + 56], 0);
	(void)null;
	(void)other;
	ctx_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_constants),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_sparse_read),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_sync_wait_other_queue),
		cmocka_unit_test(test_sparse_bind_then_submit),
		cmocka_unit_test(test_evict_then_submit),
	};

	if (!getenv("GPUVM_SHIM_SPARSE")) {
		fprintf(stderr, "run me as: gpuvm shim --ram=64M -- %s\n",
			"test_shim_groups");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
