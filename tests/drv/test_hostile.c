// SPDX-License-Identifier: MIT
/*
 * Hostile inputs: a catalogue of bad calls across the whole public API,
 * each with the errno its header documents, and the proof that a refused
 * call changed nothing.
 *
 * One environment holds every kind of state a bad call could disturb:
 * two files with VMs holding BO, repeat and sparse mappings (so both
 * files have a dummy), an exclusive BO, a closed handle, an evicted BO
 * with its VA marked evicted, a pinned BO, a destroyed VM id, a VM made
 * unusable by a failed queued job, a file with no dummy, a signalled
 * timeline, and stand-alone VA-manager, page-table and MMU instances (the
 * last two on the device's memory, so frame accounting covers them too).
 * TLBs are warm.
 *
 * A case is a name, an optional setup, the bad call and its errno. Around
 * the call a snapshot is taken and compared: the device's gpuvm_mem_stats
 * (every field; the alloc_failures counter may only move for -ENOMEM,
 * which it documents counting), and as text: every VM's state, queue,
 * gpuvm_drv_vm_stats and gpuvm_drv_vm_dump, every open BO's residency and
 * a checksum of its contents, each dummy's residency and contents (read
 * by the GPU through a sparse chunk: it has no handle), three timelines,
 * the stand-alone instances' prints and stats, and the validators of
 * every layer. gpuvm_drv_vm_check() must say 0 for every VM before and
 * after. The high-water marks (allocs, pt_reserved_peak) are compared
 * too, except for the one case documented to reserve and give back (an
 * async batch refused at its second op). test_oracle shows the snapshot
 * does see each kind of change.
 *
 * The catalogue does not stop at a failing case: it prints each and
 * fails once at the end, so one run shows every broken rule. Some rows
 * expand: every unknown op-flag bit, every undefined op type, every
 * unknown VM_BIND flag bit is its own case. The limits (VMs, BOs,
 * mappings, memory) have their own tests after the catalogue.
 *
 * test_null_args passes each pointer argument of every gpuvm/drv.h
 * function as NULL in turn, from a table checked against the header
 * (tests/null_args.h), each row in a child process on a copy of this
 * environment with this snapshot around the call; the other layers'
 * tables are in tests/<module>/test_null_args.c.
 */
#include "drv_test.h"
#include "gpuvm/va.h"
#include "null_args.h"
#include "../mmu/flush_gather.h"

#define TOP   0xfffffffffffff000ull /* 2^64 - 4 KiB */

#define RAM      (256 * SZ_1M)
#define VA_FREE  (8 * SZ_1G)      /* nothing mapped there in any VM */
#define BO_PAGES 16ull            /* the catalogue's BOs: 64 KiB */
#define BO_SIZE  (BO_PAGES * SZ_4K)

/* The stand-alone instances. */
#define PT_BITS  39
#define VA_RANGE (1ull << 40)
#define VA_RESV  (1ull << 39)     /* [2^39, 2^40) reserved */

/* ------------------------------------------------------------------ */
/* The environment                                                     */

#define MAX_FILES 4
#define MAX_VMS   GPUVM_DRV_MAX_VMS_PER_FILE
#define MAX_BOS   64

struct efile {
	struct gpuvm_drv_file *f;
	uint32_t vm[MAX_VMS];   /* live VM ids */
	unsigned int nvm;
	uint32_t bo[MAX_BOS];   /* open handles */
	uint64_t bo_size[MAX_BOS];
	unsigned int nbo;
	/* A whole 2 MiB-aligned sparse chunk: the dummy read by the GPU. */
	uint32_t dummy_vm;
	uint64_t dummy_va;
};

struct env {
	struct gpuvm_drv_device *dev;
	struct gpuvm_mem *mem;
	struct efile file[MAX_FILES];
	unsigned int nfiles;
	struct efile *a, *b, *c, *d;
	uint32_t a1, a2, a4;           /* VM 3 of A is destroyed */
	uint32_t b1, b2;               /* B2 is unusable */
	uint32_t h_a, h_excl, h_closed, h_ev, h_pin; /* A's handles */
	uint32_t h_b;                  /* a handle of B that A lacks */
	/* Stand-alone instances. */
	struct gpuvm_va_space *va;
	struct gpuvm_pt *pt;           /* PT_BITS, on the device's memory */
	struct gpuvm_mmu_as *as;       /* over pt */
	uint64_t blk_pa;               /* the 2 MiB block pt maps at 2 MiB */
	struct gpuvm_va_ops *ops;      /* held between a setup and its call */
};

static struct efile *efile_new(struct env *e)
{
	struct efile *ef = &e->file[e->nfiles++];

	assert_true(e->nfiles <= MAX_FILES);
	memset(ef, 0, sizeof(*ef));
	assert_int_equal(gpuvm_drv_file_open(e->dev, &ef->f), 0);
	return ef;
}

static uint32_t evm_new(struct efile *ef)
{
	uint32_t id = 0;

	assert_int_equal(gpuvm_drv_vm_create(ef->f, 0, &id), 0);
	assert_true(ef->nvm < MAX_VMS);
	ef->vm[ef->nvm++] = id;
	return id;
}

static void evm_forget(struct efile *ef, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < ef->nvm; i++) {
		if (ef->vm[i] == id) {
			ef->vm[i] = ef->vm[--ef->nvm];
			return;
		}
	}
	fail_msg("VM %u not in the environment", id);
}

static void ebo_track(struct efile *ef, uint32_t h, uint64_t size)
{
	assert_true(ef->nbo < MAX_BOS);
	ef->bo_size[ef->nbo] = size;
	ef->bo[ef->nbo++] = h;
}

/* A BO of BO_PAGES pages; word w of page p holds tag << 24 | p << 12 | w. */
static uint32_t ebo_new(struct efile *ef, uint32_t tag, uint32_t exclusive)
{
	uint32_t buf[SZ_4K / 4], h = 0;
	uint64_t p;
	size_t w;

	assert_int_equal(gpuvm_drv_bo_create(ef->f, BO_SIZE, exclusive, 0, &h),
			 0);
	for (p = 0; p < BO_PAGES; p++) {
		for (w = 0; w < SZ_4K / 4; w++)
			buf[w] = tag << 24 | (uint32_t)p << 12 | (uint32_t)w;
		assert_int_equal(gpuvm_drv_bo_write(ef->f, h, p * SZ_4K, buf,
						    SZ_4K), 0);
	}
	ebo_track(ef, h, BO_SIZE);
	return h;
}

static void ebo_forget(struct efile *ef, uint32_t h)
{
	unsigned int i;

	for (i = 0; i < ef->nbo; i++) {
		if (ef->bo[i] == h) {
			ef->nbo--;
			ef->bo[i] = ef->bo[ef->nbo];
			ef->bo_size[i] = ef->bo_size[ef->nbo];
			return;
		}
	}
	fail_msg("BO %u not in the environment", h);
}

static void env_standalone(struct env *e)
{
	const struct gpuvm_va_space_cfg vc = {
		.start = 0, .range = VA_RANGE,
		.reserved_start = VA_RESV, .reserved_range = VA_RANGE - VA_RESV,
	};
	const struct gpuvm_va reqs[2] = {
		{ .addr = SZ_1M, .range = 16 * SZ_4K, .kind = GPUVM_VA_BO,
		  .bo = 1, .offset = 4 * SZ_4K },
		{ .addr = SZ_2M, .range = SZ_2M + SZ_4K,
		  .kind = GPUVM_VA_SPARSE },
	};
	struct gpuvm_pt_cfg pc = { .mem = e->mem, .va_bits = PT_BITS,
				   .pgsizes = SZ_4K | SZ_2M };
	struct gpuvm_mmu_as_cfg ac = { .mem = e->mem, .va_bits = PT_BITS,
				       .checked = true };
	struct gpuvm_pt_gather g;
	struct gpuvm_pt_linear lin;
	struct gpuvm_mmu_fault fault;
	struct gpuvm_va_ops *ops;
	unsigned int i;
	uint32_t v;

	assert_int_equal(gpuvm_va_space_create(&vc, &e->va), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(gpuvm_va_map_prepare(e->va, &reqs[i], &ops),
				 0);
		assert_int_equal(gpuvm_va_ops_commit(ops), 0);
		gpuvm_va_ops_free(ops);
	}
	assert_int_equal(gpuvm_pt_create(&pc, &e->pt), 0);
	assert_int_equal(gpuvm_mem_alloc(e->mem, SZ_2M, GPUVM_MEM_BO,
					 &e->blk_pa), 0);
	gpuvm_pt_linear_init(&lin, SZ_2M, e->blk_pa);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(e->pt, SZ_2M, SZ_2M, &lin.src, 0, &g),
			 0);
	gpuvm_pt_gather_release(e->pt, &g);
	ac.root = gpuvm_pt_root(e->pt);
	assert_int_equal(gpuvm_mmu_as_create(&ac, &e->as), 0);
	assert_int_equal(gpuvm_mmu_read(e->as, SZ_2M + 8, &v, 4, &fault), 0);
}

static void env_make(struct env *e)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = RAM };
	struct gpuvm_drv_bind_op op;
	enum gpuvm_drv_vm_state st;
	struct efile *a, *b;
	uint32_t dead, jobs, i;

	memset(e, 0, sizeof(*e));
	assert_int_equal(gpuvm_drv_device_create(&cfg, &e->dev), 0);
	e->mem = gpuvm_drv_device_mem(e->dev);
	a = e->a = efile_new(e);
	b = e->b = efile_new(e);

	/* A: VMs 1, 2, 4; 3 destroyed. */
	e->a1 = evm_new(a);
	e->a2 = evm_new(a);
	dead = evm_new(a);
	e->a4 = evm_new(a);
	assert_int_equal(dead, 3);
	assert_int_equal(e->a4, 4);
	assert_int_equal(gpuvm_drv_vm_destroy(a->f, dead), 0);
	evm_forget(a, dead);

	e->h_a = ebo_new(a, 0xa1, 0);
	e->h_excl = ebo_new(a, 0xa2, e->a1);
	e->h_closed = ebo_new(a, 0xa3, 0);
	e->h_ev = ebo_new(a, 0xa4, 0);
	e->h_pin = ebo_new(a, 0xa5, 0);
	assert_int_equal(gpuvm_drv_bo_close(a->f, e->h_closed), 0);
	ebo_forget(a, e->h_closed);

	/* A1: sparse (makes A's dummy), BO, exclusive BO, evicted BO. */
	bind_ok(a->f, e->a1, SPARSE, 0, 0, 2 * SZ_1G, 4 * SZ_1M, 0);
	a->dummy_vm = e->a1;
	a->dummy_va = 2 * SZ_1G;
	bind_ok(a->f, e->a1, T_MAP, e->h_a, 0, 3 * SZ_1G, BO_SIZE, 0);
	bind_ok(a->f, e->a1, T_MAP | F_RO, e->h_excl, 4 * SZ_4K,
	       3 * SZ_1G + SZ_1M, 8 * SZ_4K, 0);
	bind_ok(a->f, e->a1, T_MAP, e->h_ev, 0, 5 * SZ_1G, BO_SIZE, 0);
	assert_int_equal(gpuvm_drv_bo_evict(a->f, e->h_ev), 0);
	/* A2: repeat, pinned BO, unaligned sparse. */
	bind_ok(a->f, e->a2, T_MAP, e->h_a, SZ_4K, 2 * SZ_1G, 32 * SZ_4K,
	       2 * SZ_4K);
	bind_ok(a->f, e->a2, T_MAP | F_UC, e->h_pin, 0, 4 * SZ_1G, BO_SIZE, 0);
	assert_int_equal(gpuvm_drv_bo_pin(a->f, e->h_pin, true), 0);
	bind_ok(a->f, e->a2, SPARSE | F_RO, 0, 0, 6 * SZ_1G, SZ_2M + 4 * SZ_4K,
	       0);

	/* B: more handles than A, so B's last handle is no handle of A. */
	e->b1 = evm_new(b);
	e->b2 = evm_new(b);
	for (i = 0; i < 6; i++)
		e->h_b = ebo_new(b, 0xb0 + i, 0);
	assert_true(e->h_b > e->h_pin);
	bind_ok(b->f, e->b1, T_MAP, e->h_b, 0, 2 * SZ_1G, BO_SIZE, 0);
	bind_ok(b->f, e->b1, SPARSE, 0, 0, 3 * SZ_1G, SZ_2M, 0);
	b->dummy_vm = e->b1;
	b->dummy_va = 3 * SZ_1G;
	/* B2 unusable: its queued MAP fails when it runs (VA allocation). */
	op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = e->h_b,
					 .va = 2 * SZ_1G, .size = BO_SIZE };
	queue1(b->f, e->b2, op);
	assert_int_equal(gpuvm_drv_vm_fail_nth_alloc(b->f, e->b2, 1), 0);
	assert_int_equal(gpuvm_drv_run(e->dev, &jobs), 0);
	assert_int_equal(jobs, 1);
	assert_int_equal(gpuvm_drv_vm_fail_nth_alloc(b->f, e->b2, 0), 0);
	assert_int_equal(gpuvm_drv_vm_get_state(b->f, e->b2, &st), 0);
	assert_int_equal(st, GPUVM_DRV_VM_UNUSABLE);

	/* D: a VM and nothing else (no dummy). */
	e->d = efile_new(e);
	evm_new(e->d);

	assert_int_equal(gpuvm_drv_timeline_signal(e->dev, 1, 5), 0);
	/* Warm TLBs. */
	rd32(a->f, e->a1, 2 * SZ_1G + 0x40);
	rd32(a->f, e->a1, 3 * SZ_1G + 0x40);
	rd32(a->f, e->a1, 3 * SZ_1G + SZ_1M);
	rd32(a->f, e->a2, 2 * SZ_1G + 5 * SZ_4K);
	rd32(a->f, e->a2, 4 * SZ_1G);
	rd32(a->f, e->a2, 6 * SZ_1G + SZ_2M);
	rd32(b->f, e->b1, 2 * SZ_1G);
	rd32(b->f, e->b1, 3 * SZ_1G);
	env_standalone(e);
}

static void env_free(struct env *e)
{
	gpuvm_va_ops_free(e->ops);
	gpuvm_va_space_destroy(e->va);
	gpuvm_mmu_as_destroy(e->as);
	if (e->pt)
		gpuvm_pt_destroy(e->pt);
	gpuvm_drv_device_destroy(e->dev);
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */

struct env_snap {
	struct gpuvm_mem_stats mem;
	char *text;
	/* High-water marks, apart: a call may reserve and give back. */
	uint64_t peak[MAX_FILES * MAX_VMS];
	unsigned int npeak;
};

static void env_snap_vm(FILE *t, struct gpuvm_drv_file *f, uint32_t vm,
			struct env_snap *s)
{
	struct gpuvm_drv_vm_stats st;

	put_vm_state(t, f, vm, &st);
	s->peak[s->npeak++] = st.pt_reserved_peak;
	assert_int_equal(gpuvm_drv_vm_dump(f, vm, t), 0);
}

static void env_snap_bo(FILE *t, struct gpuvm_drv_file *f, uint32_t h,
			uint64_t size)
{
	bool res = false;

	assert_int_equal(gpuvm_drv_bo_resident(f, h, &res), 0);
	fprintf(t, "bo %u resident %d sum %016" PRIx64 "\n", h, res,
		bo_sum(f, h, size));
}

/* The dummy's contents, read through a sparse chunk (it has no handle). */
static void env_snap_dummy(FILE *t, struct efile *ef)
{
	struct gpuvm_mmu_fault fault;
	uint8_t *buf = malloc(SZ_2M);

	assert_non_null(buf);
	assert_int_equal(gpuvm_drv_gpu_access(ef->f, ef->dummy_vm,
					      GPUVM_MMU_READ, ef->dummy_va,
					      buf, SZ_2M, &fault), 0);
	fprintf(t, "dummy sum %016" PRIx64 "\n",
		sum64(SUM64_START, buf, SZ_2M));
	free(buf);
}

static void env_snap_take(struct env *e, struct env_snap *s)
{
	struct gpuvm_pt_stats ps;
	size_t len = 0;
	unsigned int i, k;
	uint64_t point;
	bool res;
	FILE *t;
	int ret;

	s->text = NULL;
	s->npeak = 0;
	t = open_memstream(&s->text, &len);
	assert_non_null(t);
	gpuvm_mem_stats(e->mem, &s->mem);
	for (i = 0; i < e->nfiles; i++) {
		struct efile *ef = &e->file[i];

		fprintf(t, "file %u\n", i);
		for (k = 0; k < ef->nvm; k++)
			env_snap_vm(t, ef->f, ef->vm[k], s);
		for (k = 0; k < ef->nbo; k++)
			env_snap_bo(t, ef->f, ef->bo[k], ef->bo_size[k]);
		res = false;
		ret = gpuvm_drv_bo_resident(ef->f, 0, &res);
		fprintf(t, "dummy %d resident %d\n", ret, res);
		if (ef->dummy_va)
			env_snap_dummy(t, ef);
	}
	for (i = 1; i <= 3; i++) {
		assert_int_equal(gpuvm_drv_timeline_point(e->dev, i, &point),
				 0);
		fprintf(t, "timeline %u at %" PRIu64 "\n", i, point);
	}
	fprintf(t, "va: %" PRIu64 " mappings\n", gpuvm_va_space_count(e->va));
	gpuvm_va_space_print(e->va, t);
	gpuvm_pt_stats(e->pt, &ps);
	fprintf(t, "pt: %" PRIu64 " tables, leaves %" PRIu64 "/%" PRIu64 "/%"
		PRIu64 ", %" PRIu64 " writes, peak %" PRIu64 "\n",
		ps.table_pages, ps.leaves[0], ps.leaves[1], ps.leaves[2],
		ps.pte_writes, ps.reserved_peak);
	gpuvm_pt_print(e->pt, t);
	assert_int_equal(fclose(t), 0);
	assert_int_equal(gpuvm_va_space_validate(e->va, stderr), 0);
	assert_int_equal(gpuvm_pt_validate(e->pt, stderr), 0);
	assert_int_equal(gpuvm_mmu_tlb_verify(e->as), 0);
	assert_int_equal(gpuvm_mem_validate(e->mem, stderr), 0);
}

static void env_snap_free(struct env_snap *s)
{
	free(s->text);
	s->text = NULL;
}

#define SAME_MEM(field)                                                   \
	do {                                                              \
		if (x->mem.field != y->mem.field) {                       \
			say("%s: mem " #field " %" PRIu64 " -> %" PRIu64 \
			    "\n", what, (uint64_t)x->mem.field,           \
			    (uint64_t)y->mem.field);                      \
			ok = false;                                       \
		}                                                         \
	} while (0)

static bool quiet; /* test_oracle: differences are expected */

#define say(...)                                                          \
	do {                                                              \
		if (!quiet)                                               \
			print_message(__VA_ARGS__);                       \
	} while (0)

static bool env_snap_same(const struct env_snap *x,
			  const struct env_snap *y, bool enomem, bool hwm,
			  const char *what)
{
	bool ok = true;
	unsigned int i;

	SAME_MEM(size);
	SAME_MEM(frames_total);
	SAME_MEM(frames_used);
	SAME_MEM(frames_by_purpose[GPUVM_MEM_PT]);
	SAME_MEM(frames_by_purpose[GPUVM_MEM_BO]);
	if (!hwm)
		SAME_MEM(allocs);
	if (!enomem)
		SAME_MEM(alloc_failures);
	for (i = 0; !hwm && i < x->npeak && i < y->npeak; i++) {
		if (x->peak[i] != y->peak[i]) {
			say("%s: pt_reserved_peak of VM #%u %" PRIu64 " -> %"
			    PRIu64 "\n", what, i, x->peak[i], y->peak[i]);
			ok = false;
		}
	}
	if (strcmp(x->text, y->text)) {
		say("%s: the state changed\n", what);
		if (!quiet)
			print_text_diff(x->text, y->text, 1);
		ok = false;
	}
	return ok;
}

/* ------------------------------------------------------------------ */
/* The catalogue                                                       */

enum vsel { V_A1, V_A2, V_A4, V_ADEAD, V_B1, V_B2, V_ZERO, V_33, V_MAXID };
enum hsel { H_ZERO, H_A, H_EXCL, H_CLOSED, H_EV, H_PIN, H_OF_B, H_MAXID };
enum ssel {
	S_NONE, S_SIGNAL, S_FLAGS_1, S_FLAGS_SIG1, S_FLAGS_BIT30, S_TL0,
	S_POINT0, S_NULL,
};

/* One bind op, with symbolic VM, handle and sync. */
struct bdesc {
	enum vsel vm;
	uint32_t bflags;
	uint32_t flags;
	enum hsel h;
	uint64_t off, va, size, repeat;
	enum ssel sync;
};

struct hcase {
	const char *name;
	int err;
	void (*setup)(struct env *e);
	int (*call)(struct env *e, const struct hcase *c);
	void (*teardown)(struct env *e);
	struct bdesc b;       /* call_bind */
	uint64_t x, y, z;     /* the other calls' arguments */
	const void *ptr;      /* a cfg or request */
	bool hwm;             /* see env_snap_same() */
};

static void vm_of(const struct env *e, enum vsel v,
		  struct gpuvm_drv_file **f, uint32_t *id)
{
	*f = e->a->f;
	switch (v) {
	case V_A1: *id = e->a1; break;
	case V_A2: *id = e->a2; break;
	case V_A4: *id = e->a4; break;
	case V_ADEAD: *id = 3; break;
	case V_B1: *f = e->b->f; *id = e->b1; break;
	case V_B2: *f = e->b->f; *id = e->b2; break;
	case V_ZERO: *id = 0; break;
	case V_33: *id = GPUVM_DRV_MAX_VMS_PER_FILE + 1; break;
	case V_MAXID: *id = UINT32_MAX; break;
	}
}

static uint32_t handle_of(const struct env *e, enum hsel h)
{
	switch (h) {
	case H_ZERO: return 0;
	case H_A: return e->h_a;
	case H_EXCL: return e->h_excl;
	case H_CLOSED: return e->h_closed;
	case H_EV: return e->h_ev;
	case H_PIN: return e->h_pin;
	case H_OF_B: return e->h_b;
	case H_MAXID: return UINT32_MAX;
	}
	return 0;
}

static uint32_t sync_of(enum ssel s, struct gpuvm_drv_sync *sy,
			const struct gpuvm_drv_sync **p)
{
	sy->flags = GPUVM_DRV_SYNC_SIGNAL;
	sy->timeline = 2;
	sy->point = 1;
	*p = sy;
	switch (s) {
	case S_NONE: *p = NULL; return 0;
	case S_SIGNAL: break;
	case S_FLAGS_1: sy->flags = 1; break;
	case S_FLAGS_SIG1: sy->flags = GPUVM_DRV_SYNC_SIGNAL | 1; break;
	case S_FLAGS_BIT30: sy->flags = 1u << 30; break;
	case S_TL0: sy->timeline = 0; break;
	case S_POINT0: sy->point = 0; break;
	case S_NULL: *p = NULL; break;
	}
	return 1;
}

static int call_bind(struct env *e, const struct hcase *c)
{
	const struct bdesc *d = &c->b;
	struct gpuvm_drv_bind_op op = {
		.flags = d->flags, .bo_handle = handle_of(e, d->h),
		.bo_offset = d->off, .va = d->va, .size = d->size,
		.repeat = d->repeat,
	};
	struct gpuvm_drv_sync sy;
	struct gpuvm_drv_file *f;
	uint32_t vm, failed = 0xdead;
	bool vm_ok = d->vm <= V_B2 && d->vm != V_ADEAD;
	int ret;

	vm_of(e, d->vm, &f, &vm);
	op.n_syncs = sync_of(d->sync, &sy, &op.syncs);
	ret = gpuvm_drv_vm_bind(f, vm, d->bflags, &op, 1, &failed);
	/* An op's error names the op; the call's own errors touch nothing. */
	if (ret && vm_ok && !(d->bflags & ~ASYNC) && failed != 0)
		fail_msg("%s: *failed = %u, want 0", c->name, failed);
	if (ret && (!vm_ok || (d->bflags & ~ASYNC)) && failed != 0xdead)
		fail_msg("%s: *failed = %u, want it untouched", c->name,
			 failed);
	return ret;
}

/* Creations: an unexpected success is reported by the errno check. */
static int c_bo_create(struct env *e, const struct hcase *c)
{
	uint32_t h = 0;

	return gpuvm_drv_bo_create(e->a->f, c->x, (uint32_t)c->y,
				   (unsigned int)c->z, &h);
}

static int c_bo_create_b(struct env *e, const struct hcase *c)
{
	uint32_t h = 0;

	return gpuvm_drv_bo_create(e->b->f, c->x, (uint32_t)c->y, 0, &h);
}

static int c_vm_create(struct env *e, const struct hcase *c)
{
	uint32_t id = 0;

	return gpuvm_drv_vm_create(e->a->f, c->x, &id);
}

static void s_file_c(struct env *e)
{
	unsigned int i;

	if (e->c)
		return;
	e->c = efile_new(e);
	for (i = 0; i < GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		assert_int_equal(evm_new(e->c), i + 1);
}

static int c_vm_create_c(struct env *e, const struct hcase *c)
{
	uint32_t id = 0;

	return gpuvm_drv_vm_create(e->c->f, c->x, &id);
}

static int c_bo_close(struct env *e, const struct hcase *c)
{
	return gpuvm_drv_bo_close(e->a->f, handle_of(e, (enum hsel)c->x));
}

/* CPU access: y offset, z length; the buffer must stay untouched. */
static int c_bo_rw(struct env *e, const struct hcase *c)
{
	uint8_t buf[256];
	size_t i;
	int ret;

	memset(buf, 0x5a, sizeof(buf));
	if (c->ptr)
		ret = gpuvm_drv_bo_write(e->a->f, handle_of(e, (enum hsel)c->x),
					 c->y, buf, c->z);
	else
		ret = gpuvm_drv_bo_read(e->a->f, handle_of(e, (enum hsel)c->x),
					c->y, buf, c->z);
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0x5a)
			fail_msg("%s: the buffer was written", c->name);
	return ret;
}

static int c_evict(struct env *e, const struct hcase *c)
{
	return gpuvm_drv_bo_evict(e->a->f, handle_of(e, (enum hsel)c->x));
}

static int c_pin(struct env *e, const struct hcase *c)
{
	return gpuvm_drv_bo_pin(e->a->f, handle_of(e, (enum hsel)c->x),
				c->y != 0);
}

static int c_dummy_evict_d(struct env *e, const struct hcase *c)
{
	(void)c;
	return gpuvm_drv_dummy_evict(e->d->f);
}

static int c_resident(struct env *e, const struct hcase *c)
{
	struct gpuvm_drv_file *f = c->y ? e->d->f : e->a->f;
	bool res = true;

	return gpuvm_drv_bo_resident(f, handle_of(e, (enum hsel)c->x), &res);
}

static int c_budget(struct env *e, const struct hcase *c)
{
	return gpuvm_drv_device_set_budget(e->dev, c->x);
}

static int c_reclaim(struct env *e, const struct hcase *c)
{
	uint64_t freed = 0;

	return gpuvm_drv_reclaim(e->dev, c->x, &freed);
}

static int c_signal(struct env *e, const struct hcase *c)
{
	return gpuvm_drv_timeline_signal(e->dev, (uint32_t)c->x, c->y);
}

static int c_wait(struct env *e, const struct hcase *c)
{
	return gpuvm_drv_wait(e->dev, (uint32_t)c->x, c->y);
}

static int count_fn(void *cookie, const struct gpuvm_drv_mapping *m)
{
	(void)m;
	++*(unsigned int *)cookie;
	return 0;
}

/* VM queries on a bad VM id: x selects the VM, y the query. */
static int c_vm_query(struct env *e, const struct hcase *c)
{
	struct gpuvm_drv_file *f;
	struct gpuvm_drv_vm_stats st;
	struct gpuvm_drv_lookup l;
	enum gpuvm_drv_vm_state state;
	unsigned int n = 0;
	uint32_t vm, jobs;
	char *buf = NULL;
	size_t len = 0;
	FILE *mf;
	int ret = 0;

	vm_of(e, (enum vsel)c->x, &f, &vm);
	switch (c->y) {
	case 0: return gpuvm_drv_vm_stats(f, vm, &st);
	case 1: return gpuvm_drv_vm_lookup(f, vm, 2 * SZ_1G, &l);
	case 2: return gpuvm_drv_vm_check(f, vm, NULL);
	case 3:
		mf = open_memstream(&buf, &len);
		assert_non_null(mf);
		ret = gpuvm_drv_vm_dump(f, vm, mf);
		assert_int_equal(fclose(mf), 0);
		if (len)
			fail_msg("%s: dump wrote %zu bytes", c->name, len);
		free(buf);
		return ret;
	case 4: return gpuvm_drv_vm_get_state(f, vm, &state);
	case 5: return gpuvm_drv_vm_queued(f, vm, &jobs);
	case 6: return gpuvm_drv_vm_validate(f, vm);
	case 7: return gpuvm_drv_vm_fail_nth_alloc(f, vm, 1);
	case 8:
		ret = gpuvm_drv_vm_for_each_mapping(f, vm, 0, UINT64_MAX,
						    count_fn, &n);
		assert_int_equal(n, 0);
		return ret;
	case 9: return gpuvm_drv_vm_destroy(f, vm);
	}
	fail_msg("bad query %" PRIu64, c->y);
	return 0;
}

/* A GPU access through A1: x va, y access, z the fault kind wanted. */
static int c_gpu(struct env *e, const struct hcase *c)
{
	struct gpuvm_mmu_fault fault;
	uint8_t buf[8], orig[8];
	int ret;

	memset(buf, 0x77, sizeof(buf));
	memcpy(orig, buf, sizeof(buf));
	memset(&fault, 0, sizeof(fault));
	ret = gpuvm_drv_gpu_access(e->a->f, e->a1,
				   (enum gpuvm_mmu_access)c->y, c->x, buf, 4,
				   &fault);
	if (c->z && (fault.kind != (enum gpuvm_mmu_fault_kind)c->z ||
		     fault.addr != c->x))
		fail_msg("%s: fault %s at 0x%" PRIx64 ", want %s at 0x%"
			 PRIx64, c->name, gpuvm_mmu_fault_name(fault.kind),
			 fault.addr,
			 gpuvm_mmu_fault_name((enum gpuvm_mmu_fault_kind)c->z),
			 c->x);
	assert_memory_equal(buf, orig, sizeof(buf));
	return ret;
}

/* ASYNC batch of a valid op and a bad one: nothing queued, *failed = 1. */
static int c_async_bad_second(struct env *e, const struct hcase *c)
{
	struct gpuvm_drv_bind_op ops[2] = {
		{ .flags = T_MAP, .bo_handle = e->h_a, .va = VA_FREE,
		  .size = BO_SIZE },
		{ .flags = T_MAP, .bo_handle = e->h_a, .va = VA_FREE + SZ_1M,
		  .size = BO_SIZE + SZ_4K },
	};
	uint32_t failed = 0xdead;
	int ret = gpuvm_drv_vm_bind(e->a->f, e->a1, ASYNC, ops, 2, &failed);

	if (ret && failed != 1)
		fail_msg("%s: *failed = %u, want 1", c->name, failed);
	return ret;
}

/* Synchronous batch whose first op is bad: the second never runs. */
static int c_sync_bad_first(struct env *e, const struct hcase *c)
{
	struct gpuvm_drv_bind_op ops[2] = {
		{ .flags = SPARSE, .va = VA_FREE, .size = SZ_2M + 1 },
		{ .flags = SPARSE, .va = VA_FREE + SZ_1G, .size = SZ_2M },
	};
	uint32_t failed = 0xdead;
	int ret = gpuvm_drv_vm_bind(e->a->f, e->a1, 0, ops, 2, &failed);

	if (ret && failed != 0)
		fail_msg("%s: *failed = %u, want 0", c->name, failed);
	return ret;
}

static int c_bind_null_ops(struct env *e, const struct hcase *c)
{
	(void)c;
	return gpuvm_drv_vm_bind(e->a->f, e->a1, 0, NULL, 1, NULL);
}

/* mem */
static int c_mem_create(struct env *e, const struct hcase *c)
{
	struct gpuvm_mem_cfg mc = { .size = c->x };
	struct gpuvm_mem *m = NULL;
	int ret = gpuvm_mem_create(&mc, &m);

	(void)e;
	gpuvm_mem_destroy(m);
	return ret;
}

static int c_mem_alloc(struct env *e, const struct hcase *c)
{
	uint64_t pa = 0x123000;
	int ret = gpuvm_mem_alloc(e->mem, c->x,
				  (enum gpuvm_mem_purpose)c->y, &pa);

	if (ret && pa != 0x123000)
		fail_msg("%s: *pa written on failure", c->name);
	return ret;
}

static int c_mem_rw(struct env *e, const struct hcase *c)
{
	uint8_t buf[64];

	memset(buf, 0, sizeof(buf));
	if (c->z)
		return gpuvm_mem_write(e->mem, c->x, buf, c->y);
	return gpuvm_mem_read(e->mem, c->x, buf, c->y);
}

static int c_mem_bo_create(struct env *e, const struct hcase *c)
{
	struct gpuvm_mem_bo *bo = NULL;
	int ret = gpuvm_mem_bo_create(e->mem, c->x, (unsigned int)c->y, &bo);

	gpuvm_mem_bo_destroy(bo);
	return ret;
}

/* pt */
static int c_pt_create(struct env *e, const struct hcase *c)
{
	struct gpuvm_pt_cfg pc = { .mem = c->z ? NULL : e->mem,
				   .va_bits = (unsigned int)c->x,
				   .pgsizes = c->y };
	struct gpuvm_pt *pt = NULL;
	int ret = gpuvm_pt_create(&pc, &pt);

	if (pt)
		gpuvm_pt_destroy(pt);
	return ret;
}

static int c_pt_map(struct env *e, const struct hcase *c)
{
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	int ret;

	gpuvm_pt_linear_init(&lin, c->x, e->blk_pa);
	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_map(e->pt, c->x, c->y, &lin.src, (uint32_t)c->z, &g);
	if (!gpuvm_pt_gather_empty(&g) || g.freed_count)
		fail_msg("%s: the gather is not empty", c->name);
	return ret;
}

static int c_pt_unmap(struct env *e, const struct hcase *c)
{
	struct gpuvm_pt_gather g;
	int ret;

	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_unmap(e->pt, c->x, c->y, &g);
	flush_gather(e->as, e->pt, &g);
	return ret;
}

static int c_pt_reserve(struct env *e, const struct hcase *c)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_linear lin;
	int ret;

	gpuvm_pt_linear_init(&lin, c->x, e->blk_pa);
	if (c->z)
		ret = gpuvm_pt_reserve_unmap(e->pt, c->x, c->y, &resv);
	else
		ret = gpuvm_pt_reserve_map(e->pt, c->x, c->y, &lin.src, 0,
					   &resv);
	if (resv.need)
		fail_msg("%s: counted %" PRIu64 " pages", c->name, resv.need);
	gpuvm_pt_resv_release(e->pt, &resv);
	return ret;
}

static int c_pt_walk(struct env *e, const struct hcase *c)
{
	struct gpuvm_pt_walk w;

	return gpuvm_pt_iova_to_phys(e->pt, c->x, &w);
}

static int c_pt_shared(struct env *e, const struct hcase *c)
{
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_shared *sh = NULL;
	int ret;

	gpuvm_pt_linear_init(&lin, 0, e->blk_pa);
	ret = gpuvm_pt_shared_create(e->mem, SZ_4K | SZ_2M, &lin.src, 0, c->x,
				     &sh);
	if (sh)
		assert_int_equal(gpuvm_pt_shared_destroy(sh), 0);
	return ret;
}

/* va */
static int c_va_create(struct env *e, const struct hcase *c)
{
	struct gpuvm_va_space *s = NULL;
	int ret = gpuvm_va_space_create(c->ptr, &s);

	(void)e;
	gpuvm_va_space_destroy(s);
	return ret;
}

static int c_va_map(struct env *e, const struct hcase *c)
{
	struct gpuvm_va_ops *ops = NULL;
	int ret = gpuvm_va_map_prepare(e->va, c->ptr, &ops);

	gpuvm_va_ops_free(ops);
	return ret;
}

static int c_va_unmap(struct env *e, const struct hcase *c)
{
	struct gpuvm_va_ops *ops = NULL;
	int ret = gpuvm_va_unmap_prepare(e->va, c->x, c->y, &ops);

	gpuvm_va_ops_free(ops);
	return ret;
}

static const struct gpuvm_va va_req_a = {
	.addr = 8 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_BO, .bo = 2,
};
static const struct gpuvm_va va_req_b = {
	.addr = 9 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_BO, .bo = 3,
};

/* A list built, then another committed: the first is stale. */
static void s_va_stale(struct env *e)
{
	struct gpuvm_va_ops *other;

	assert_int_equal(gpuvm_va_map_prepare(e->va, &va_req_a, &e->ops), 0);
	assert_int_equal(gpuvm_va_map_prepare(e->va, &va_req_b, &other), 0);
	assert_int_equal(gpuvm_va_ops_commit(other), 0);
	gpuvm_va_ops_free(other);
}

/* A list committed once. */
static void s_va_committed(struct env *e)
{
	struct gpuvm_va req = va_req_a;

	req.addr = 10 * SZ_1M;
	assert_int_equal(gpuvm_va_map_prepare(e->va, &req, &e->ops), 0);
	assert_int_equal(gpuvm_va_ops_commit(e->ops), 0);
}

static void td_va_ops(struct env *e)
{
	gpuvm_va_ops_free(e->ops);
	e->ops = NULL;
}

static int c_va_commit(struct env *e, const struct hcase *c)
{
	(void)c;
	return gpuvm_va_ops_commit(e->ops);
}

/* mmu */
static int c_mmu_create(struct env *e, const struct hcase *c)
{
	struct gpuvm_mmu_as_cfg ac = *(const struct gpuvm_mmu_as_cfg *)c->ptr;
	struct gpuvm_mmu_as *as = NULL;
	int ret;

	if (!c->z)
		ac.mem = e->mem;
	if (ac.root == 1)   /* "the stand-alone table" */
		ac.root = gpuvm_pt_root(e->pt);
	ret = gpuvm_mmu_as_create(&ac, &as);
	gpuvm_mmu_as_destroy(as);
	return ret;
}

static int c_mmu_translate(struct env *e, const struct hcase *c)
{
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_fault fault;

	return gpuvm_mmu_translate(e->as, SZ_2M,
				   (enum gpuvm_mmu_access)c->x, &x, &fault);
}

/* A read through the stand-alone AS that must fault (kind z at x). */
static int c_mmu_read(struct env *e, const struct hcase *c)
{
	struct gpuvm_mmu_fault fault;
	uint8_t buf[8] = { 0 };
	int ret;

	memset(&fault, 0, sizeof(fault));
	ret = gpuvm_mmu_read(e->as, c->x, buf, c->y, &fault);
	if (fault.kind != (enum gpuvm_mmu_fault_kind)c->z)
		fail_msg("%s: fault %s, want %s", c->name,
			 gpuvm_mmu_fault_name(fault.kind),
			 gpuvm_mmu_fault_name((enum gpuvm_mmu_fault_kind)c->z));
	return ret;
}

#define B(n, e) .name = n, .err = e, .call = call_bind
#define C(n, e, fn) .name = n, .err = e, .call = fn
#define EINV -EINVAL

static const struct gpuvm_va_space_cfg va_cfg_granule = {
	.range = VA_RANGE, .granule = 3 * SZ_4K };
static const struct gpuvm_va_space_cfg va_cfg_granule_small = {
	.range = VA_RANGE, .granule = 2048 };
static const struct gpuvm_va_space_cfg va_cfg_range0 = { .range = 0 };
static const struct gpuvm_va_space_cfg va_cfg_wrap = {
	.start = TOP, .range = 2 * SZ_4K };
static const struct gpuvm_va_space_cfg va_cfg_unaligned = {
	.start = SZ_4K + 16, .range = VA_RANGE };
static const struct gpuvm_va_space_cfg va_cfg_resv = {
	.range = VA_RANGE, .reserved_start = SZ_1M + 8,
	.reserved_range = SZ_1M };
static const struct gpuvm_va_space_cfg va_cfg_resv_wrap = {
	.range = VA_RANGE, .reserved_start = TOP,
	.reserved_range = 2 * SZ_4K };

static const struct gpuvm_va va_sparse_bo = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_SPARSE, .bo = 1 };
static const struct gpuvm_va va_sparse_off = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_SPARSE,
	.offset = SZ_4K };
static const struct gpuvm_va va_bo_zero = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_BO };
static const struct gpuvm_va va_bo_repeat = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_BO, .bo = 1,
	.repeat = SZ_4K };
static const struct gpuvm_va va_bo_wrap = {
	.addr = 32 * SZ_1M, .range = 2 * SZ_4K, .kind = GPUVM_VA_BO, .bo = 1,
	.offset = TOP };
static const struct gpuvm_va va_bo_unaligned = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_BO, .bo = 1,
	.offset = 512 };
static const struct gpuvm_va va_rep_zero = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_REPEAT, .bo = 1 };
static const struct gpuvm_va va_rep_phase = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_REPEAT, .bo = 1,
	.repeat = 2 * SZ_4K, .phase = 2 * SZ_4K };
static const struct gpuvm_va va_rep_unaligned = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_REPEAT, .bo = 1,
	.repeat = SZ_4K + 8 };
static const struct gpuvm_va va_rep_wrap = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = GPUVM_VA_REPEAT, .bo = 1,
	.offset = TOP, .repeat = 2 * SZ_4K };
static const struct gpuvm_va va_kind7 = {
	.addr = 32 * SZ_1M, .range = SZ_4K, .kind = (enum gpuvm_va_kind)7,
	.bo = 1 };
static const struct gpuvm_va va_in_resv = {
	.addr = VA_RESV - SZ_4K, .range = 2 * SZ_4K, .kind = GPUVM_VA_SPARSE };
static const struct gpuvm_va va_past_end = {
	.addr = VA_RANGE, .range = SZ_4K, .kind = GPUVM_VA_SPARSE };

/* root 1 stands for the stand-alone table's root (c_mmu_create). */
static const struct gpuvm_mmu_as_cfg as_tlb3 = {
	.root = 1, .va_bits = PT_BITS, .tlb_entries = 3 };
static const struct gpuvm_mmu_as_cfg as_bits31 = {
	.root = 1, .va_bits = 31 };
static const struct gpuvm_mmu_as_cfg as_bits49 = {
	.root = 1, .va_bits = 49 };
static const struct gpuvm_mmu_as_cfg as_root_unaligned = {
	.root = SZ_2M + 8, .va_bits = PT_BITS };
static const struct gpuvm_mmu_as_cfg as_root_outside = {
	.root = RAM, .va_bits = PT_BITS };
static const struct gpuvm_mmu_as_cfg as_ok = {
	.root = 1, .va_bits = PT_BITS };

static const struct hcase cases[] = {
	/* Sizes 0 and near 2^64. */
	{ B("map size 0", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = VA_FREE } },
	{ B("unmap size 0", EINV),
	  .b = { .flags = T_UNMAP, .va = 2 * SZ_1G } },
	{ B("sparse size 0", EINV),
	  .b = { .flags = SPARSE, .va = VA_FREE } },
	{ B("map va + size overflows", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = TOP, .size = 2 * SZ_4K } },
	{ B("unmap va + size overflows", EINV),
	  .b = { .flags = T_UNMAP, .va = TOP, .size = 2 * SZ_4K } },
	{ B("sparse va + size overflows", EINV),
	  .b = { .flags = SPARSE, .va = 2 * SZ_1G, .size = TOP } },
	{ B("sparse size 2^64-4K from 0", EINV),
	  .b = { .flags = SPARSE, .va = 0, .size = TOP } },
	{ B("unmap size 2^64-4K from 0", EINV),
	  .b = { .flags = T_UNMAP, .va = 0, .size = TOP } },
	{ B("map size 2^64-4K from 4K (end wraps to 0)", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = SZ_4K, .size = TOP } },
	{ B("map bo_offset + size overflows", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .off = TOP, .va = VA_FREE,
		 .size = 2 * SZ_4K } },
	{ B("map bo_offset 2^64-4K", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .off = TOP, .va = VA_FREE,
		 .size = SZ_4K } },
	{ B("map bo_offset + repeat overflows", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .off = TOP, .va = VA_FREE,
		 .size = 16 * SZ_4K, .repeat = 2 * SZ_4K } },
	{ B("map repeat 2^64-4K", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = VA_FREE, .size = SZ_4K,
		 .repeat = TOP } },
	{ C("BO size 2^64-4K", -ENOMEM, c_bo_create), .x = TOP },
	{ C("BO size 2^64-1", EINV, c_bo_create), .x = UINT64_MAX },
	{ C("BO twice the RAM", -ENOMEM, c_bo_create), .x = 2 * RAM },
	{ C("BO of all RAM (tables are not evictable)", -ENOMEM, c_bo_create),
	  .x = RAM },
	{ C("BO 2^64-4K exclusive to a VM", -ENOMEM, c_bo_create), .x = TOP,
	  .y = 1 },
	{ C("CPU read offset + length overflows", EINV, c_bo_rw), .x = H_A,
	  .y = SZ_4K, .z = UINT64_MAX },
	{ C("CPU write offset + length overflows", EINV, c_bo_rw), .x = H_A,
	  .y = SZ_4K, .z = TOP, .ptr = "w" },
	{ C("CPU read past the end", EINV, c_bo_rw), .x = H_A, .y = BO_SIZE,
	  .z = 1 },
	{ C("CPU write offset 2^64-4K", EINV, c_bo_rw), .x = H_A, .y = TOP,
	  .z = 4, .ptr = "w" },

	/* Misaligned everything. */
	{ B("map va misaligned", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = VA_FREE + 0x800,
		 .size = SZ_4K } },
	{ B("map size misaligned", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = VA_FREE, .size = SZ_4K + 1 } },
	{ B("sparse size 2K", EINV),
	  .b = { .flags = SPARSE, .va = VA_FREE, .size = 2048 } },
	{ B("unmap va misaligned", EINV),
	  .b = { .flags = T_UNMAP, .va = 2 * SZ_1G + 8, .size = SZ_4K } },
	{ B("unmap size misaligned", EINV),
	  .b = { .flags = T_UNMAP, .va = 2 * SZ_1G, .size = SZ_4K - 1 } },
	{ B("map bo_offset misaligned", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .off = 0x800, .va = VA_FREE,
		 .size = SZ_4K } },
	{ B("map repeat misaligned", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = VA_FREE, .size = 8 * SZ_4K,
		 .repeat = SZ_4K + 512 } },
	{ C("VM user_va misaligned", EINV, c_vm_create), .x = SZ_1G + 1 },
	{ C("VM user_va past 2^48", EINV, c_vm_create),
	  .x = (1ull << 48) + SZ_4K },
	{ C("VM user_va 2^64-4K", EINV, c_vm_create), .x = TOP },
	{ C("BO size misaligned", EINV, c_bo_create), .x = SZ_4K + 1 },
	{ C("BO size 0", EINV, c_bo_create), .x = 0 },
	{ C("BO with more chunks than pages", EINV, c_bo_create),
	  .x = 4 * SZ_4K, .z = 5 },
	{ C("budget misaligned", EINV, c_budget), .x = SZ_1M + 1 },
	{ C("budget above RAM", EINV, c_budget), .x = RAM + SZ_4K },
	{ C("budget 2^64-4K", EINV, c_budget), .x = TOP },
	{ C("reclaim misaligned", EINV, c_reclaim), .x = SZ_4K + 1 },

	/* Unknown flags and padding (bits and types expand below). */
	{ B("unmap with an unknown bit", EINV),
	  .b = { .flags = T_UNMAP | 0x20, .va = 2 * SZ_1G, .size = SZ_4K } },
	{ B("sync-only with an unknown bit", EINV),
	  .b = { .flags = T_SYNC | 0x100 } },
	{ B("async sync flags 1", EINV),
	  .b = { .bflags = ASYNC, .flags = T_SYNC, .sync = S_FLAGS_1 } },
	{ B("async sync flags SIGNAL|1", EINV),
	  .b = { .bflags = ASYNC, .flags = T_SYNC, .sync = S_FLAGS_SIG1 } },
	{ B("async sync flags bit 30", EINV),
	  .b = { .bflags = ASYNC, .flags = T_SYNC, .sync = S_FLAGS_BIT30 } },
	{ B("async sync on timeline 0", EINV),
	  .b = { .bflags = ASYNC, .flags = T_SYNC, .sync = S_TL0 } },
	{ B("async sync at point 0", EINV),
	  .b = { .bflags = ASYNC, .flags = T_SYNC, .sync = S_POINT0 } },
	{ B("n_syncs 1, syncs NULL on a synchronous bind", EINV),
	  .b = { .flags = T_SYNC, .sync = S_NULL } },
	{ B("async map with a bad sync", EINV),
	  .b = { .bflags = ASYNC, .flags = T_MAP, .h = H_A, .va = VA_FREE,
		 .size = BO_SIZE, .sync = S_TL0 } },

	/* Handles of other files, closed and destroyed ones. */
	{ B("BO handle of file B used in file A", EINV),
	  .b = { .flags = T_MAP, .h = H_OF_B, .va = VA_FREE, .size = SZ_4K } },
	{ B("closed BO handle", EINV),
	  .b = { .flags = T_MAP, .h = H_CLOSED, .va = VA_FREE,
		 .size = SZ_4K } },
	{ B("BO handle 0", EINV),
	  .b = { .flags = T_MAP, .h = H_ZERO, .va = VA_FREE, .size = SZ_4K } },
	{ B("BO handle 2^32-1", EINV),
	  .b = { .flags = T_MAP, .h = H_MAXID, .va = VA_FREE, .size = SZ_4K } },
	{ B("exclusive BO in another VM of its file", EINV),
	  .b = { .vm = V_A2, .flags = T_MAP, .h = H_EXCL, .va = VA_FREE,
		 .size = SZ_4K } },
	{ B("bind on a destroyed VM id", EINV),
	  .b = { .vm = V_ADEAD, .flags = SPARSE, .va = VA_FREE,
		 .size = SZ_4K } },
	{ B("bind on VM id 0", EINV),
	  .b = { .vm = V_ZERO, .flags = SPARSE, .va = VA_FREE,
		 .size = SZ_4K } },
	{ B("bind on VM id 33", EINV),
	  .b = { .vm = V_33, .flags = SPARSE, .va = VA_FREE, .size = SZ_4K } },
	{ B("bind on VM id 2^32-1", EINV),
	  .b = { .vm = V_MAXID, .flags = SPARSE, .va = VA_FREE,
		 .size = SZ_4K } },
	{ C("BO exclusive to a VM of another file", EINV, c_bo_create_b),
	  .x = BO_SIZE, .y = 4 },
	{ C("BO exclusive to a destroyed VM", EINV, c_bo_create),
	  .x = BO_SIZE, .y = 3 },
	{ C("BO exclusive to VM 33", EINV, c_bo_create), .x = BO_SIZE,
	  .y = 33 },
	{ C("destroy a destroyed VM", EINV, c_vm_query), .x = V_ADEAD,
	  .y = 9 },
	{ C("destroy VM 0", EINV, c_vm_query), .x = V_ZERO, .y = 9 },
	{ C("destroy VM 33", EINV, c_vm_query), .x = V_33, .y = 9 },
	{ C("close a closed handle", EINV, c_bo_close), .x = H_CLOSED },
	{ C("close handle 0", EINV, c_bo_close), .x = H_ZERO },
	{ C("close a handle of file B", EINV, c_bo_close), .x = H_OF_B },
	{ C("CPU read of a closed handle", EINV, c_bo_rw), .x = H_CLOSED,
	  .z = 4 },
	{ C("CPU write to a handle of file B", EINV, c_bo_rw), .x = H_OF_B,
	  .z = 4, .ptr = "w" },
	{ C("evict a closed handle", EINV, c_evict), .x = H_CLOSED },
	{ C("evict handle 0", EINV, c_evict), .x = H_ZERO },
	{ C("evict a pinned BO", -EBUSY, c_evict), .x = H_PIN },
	{ C("pin a closed handle", EINV, c_pin), .x = H_CLOSED, .y = 1 },
	{ C("unpin a BO never pinned", EINV, c_pin), .x = H_A, .y = 0 },
	{ C("residency of a closed handle", EINV, c_resident), .x = H_CLOSED },
	{ C("residency of a handle of file B", EINV, c_resident), .x = H_OF_B },
	{ C("residency of the dummy of a file without one", -ENOENT,
	    c_resident), .x = H_ZERO, .y = 1 },
	{ C("evict the dummy of a file without one", -ENOENT,
	    c_dummy_evict_d) },
	{ C("stats of a destroyed VM", EINV, c_vm_query), .x = V_ADEAD },
	{ C("lookup in VM 0", EINV, c_vm_query), .x = V_ZERO, .y = 1 },
	{ C("check of VM 33", EINV, c_vm_query), .x = V_33, .y = 2 },
	{ C("dump of a destroyed VM", EINV, c_vm_query), .x = V_ADEAD,
	  .y = 3 },
	{ C("state of VM 2^32-1", EINV, c_vm_query), .x = V_MAXID, .y = 4 },
	{ C("queue of a destroyed VM", EINV, c_vm_query), .x = V_ADEAD,
	  .y = 5 },
	{ C("validate a destroyed VM", EINV, c_vm_query), .x = V_ADEAD,
	  .y = 6 },
	{ C("fault hook of VM 0", EINV, c_vm_query), .x = V_ZERO, .y = 7 },
	{ C("mappings of VM 33", EINV, c_vm_query), .x = V_33, .y = 8 },
	{ C("signal timeline 0", EINV, c_signal), .x = 0, .y = 1 },
	{ C("signal point 0", EINV, c_signal), .x = 1, .y = 0 },
	{ C("wait on timeline 0", EINV, c_wait), .x = 0, .y = 1 },
	{ C("wait for point 0", EINV, c_wait), .x = 1, .y = 0 },
	{ C("wait for a point nothing will signal", -ETIMEDOUT, c_wait),
	  .x = 1, .y = 6 },

	/* Repeat ranges. */
	{ B("repeat 0 is a plain map: past the BO end", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .off = 8 * SZ_4K, .va = VA_FREE,
		 .size = 9 * SZ_4K } },
	{ B("repeat larger than the BO", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = VA_FREE, .size = SZ_1M,
		 .repeat = BO_SIZE + SZ_4K } },
	{ B("repeat region past the BO end", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .off = 8 * SZ_4K, .va = VA_FREE,
		 .size = SZ_1M, .repeat = 12 * SZ_4K } },
	{ B("repeat on an unmap", EINV),
	  .b = { .flags = T_UNMAP, .va = 2 * SZ_1G, .size = SZ_4K,
		 .repeat = SZ_4K } },
	{ B("repeat on a sparse map", EINV),
	  .b = { .flags = SPARSE, .va = VA_FREE, .size = SZ_1M,
		 .repeat = SZ_4K } },
	{ B("repeat on a sync-only op", EINV),
	  .b = { .flags = T_SYNC, .repeat = SZ_4K } },

	/* The kernel-reserved range. */
	{ B("unmap straddling the kernel-reserved range", EINV),
	  .b = { .flags = T_UNMAP, .va = USER_VA - SZ_4K,
		 .size = 2 * SZ_4K } },
	{ B("unmap inside the kernel-reserved range", EINV),
	  .b = { .flags = T_UNMAP, .va = USER_VA, .size = SZ_4K } },
	{ B("unmap all of the VA space", EINV),
	  .b = { .flags = T_UNMAP, .va = 0, .size = 1ull << 48 } },
	{ B("sparse map straddling the kernel-reserved range", EINV),
	  .b = { .flags = SPARSE, .va = USER_VA - SZ_2M, .size = 4 * SZ_2M } },
	{ B("map past the VA width", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = 1ull << 48, .size = SZ_4K } },

	/* Sparse, unmap and sync-only rules. */
	{ B("sparse without noexec", EINV),
	  .b = { .flags = T_MAP | F_SPARSE, .va = VA_FREE, .size = SZ_4K } },
	{ B("sparse with a BO", EINV),
	  .b = { .flags = SPARSE, .h = H_A, .va = VA_FREE, .size = SZ_4K } },
	{ B("sparse with a bo_offset", EINV),
	  .b = { .flags = SPARSE, .off = SZ_4K, .va = VA_FREE,
		 .size = SZ_4K } },
	{ B("unmap with readonly", EINV),
	  .b = { .flags = T_UNMAP | F_RO, .va = 2 * SZ_1G, .size = SZ_4K } },
	{ B("unmap with noexec", EINV),
	  .b = { .flags = T_UNMAP | F_NX, .va = 2 * SZ_1G, .size = SZ_4K } },
	{ B("unmap with sparse", EINV),
	  .b = { .flags = T_UNMAP | SPARSE, .va = 2 * SZ_1G, .size = SZ_4K } },
	{ B("unmap with a BO", EINV),
	  .b = { .flags = T_UNMAP, .h = H_A, .va = 3 * SZ_1G, .size = SZ_4K } },
	{ B("unmap with a bo_offset", EINV),
	  .b = { .flags = T_UNMAP, .off = SZ_4K, .va = 3 * SZ_1G,
		 .size = SZ_4K } },
	{ B("sync-only with a range", EINV),
	  .b = { .flags = T_SYNC, .va = 2 * SZ_1G, .size = SZ_4K } },
	{ B("sync-only with a size only", EINV),
	  .b = { .flags = T_SYNC, .size = SZ_4K } },
	{ B("sync-only with a BO", EINV),
	  .b = { .flags = T_SYNC, .h = H_A } },
	{ B("sync-only with a bo_offset", EINV),
	  .b = { .flags = T_SYNC, .off = SZ_4K } },
	{ B("sync-only with noexec", EINV),
	  .b = { .flags = T_SYNC | F_NX } },
	{ B("syncs on a synchronous map", EINV),
	  .b = { .flags = T_MAP, .h = H_A, .va = VA_FREE, .size = BO_SIZE,
		 .sync = S_SIGNAL } },
	{ B("syncs on a synchronous sync-only op", EINV),
	  .b = { .flags = T_SYNC, .sync = S_SIGNAL } },
	{ B("map on an unusable VM", EINV),
	  .b = { .vm = V_B2, .flags = T_MAP, .h = H_OF_B, .va = VA_FREE,
		 .size = BO_SIZE } },
	{ B("sparse map on an unusable VM", EINV),
	  .b = { .vm = V_B2, .flags = SPARSE, .va = VA_FREE, .size = SZ_2M } },
	{ C("async batch whose second op is bad", EINV, c_async_bad_second),
	  .hwm = true },
	{ C("synchronous batch whose first op is bad", EINV,
	    c_sync_bad_first) },
	{ C("count 1 with ops NULL", EINV, c_bind_null_ops) },

	/* The 33rd VM. */
	{ .name = "the 33rd VM of a file", .err = -EBUSY, .setup = s_file_c,
	  .call = c_vm_create_c },
	{ .name = "the 33rd VM with a bad user_va", .err = EINV,
	  .setup = s_file_c, .call = c_vm_create_c, .x = 5 },

	/* GPU accesses past the VA width: an address-size fault. */
	{ C("GPU read at 2^48", -EFAULT, c_gpu), .x = 1ull << 48,
	  .y = GPUVM_MMU_READ, .z = GPUVM_MMU_FAULT_ADDRESS_SIZE },
	{ C("GPU write at 2^63", -EFAULT, c_gpu), .x = 1ull << 63,
	  .y = GPUVM_MMU_WRITE, .z = GPUVM_MMU_FAULT_ADDRESS_SIZE },
	{ C("GPU fetch at 2^64-4K", -EFAULT, c_gpu), .x = TOP,
	  .y = GPUVM_MMU_EXEC, .z = GPUVM_MMU_FAULT_ADDRESS_SIZE },
	{ C("GPU read in the kernel-reserved range", -EFAULT, c_gpu),
	  .x = USER_VA, .y = GPUVM_MMU_READ,
	  .z = GPUVM_MMU_FAULT_TRANSLATION },
	{ C("GPU write to an evicted VA", -EFAULT, c_gpu), .x = 5 * SZ_1G,
	  .y = GPUVM_MMU_WRITE, .z = GPUVM_MMU_FAULT_TRANSLATION },
	{ C("GPU write to a read-only mapping", -EFAULT, c_gpu),
	  .x = 3 * SZ_1G + SZ_1M, .y = GPUVM_MMU_WRITE,
	  .z = GPUVM_MMU_FAULT_PERMISSION },
	{ C("GPU fetch from sparse (noexec)", -EFAULT, c_gpu),
	  .x = 2 * SZ_1G, .y = GPUVM_MMU_EXEC,
	  .z = GPUVM_MMU_FAULT_PERMISSION },
	{ C("GPU access kind 3", EINV, c_gpu), .x = 3 * SZ_1G, .y = 3 },
	{ C("MMU read past its 39 bits", -EFAULT, c_mmu_read),
	  .x = 1ull << PT_BITS, .y = 4, .z = GPUVM_MMU_FAULT_ADDRESS_SIZE },
	{ C("MMU read crossing 2^39", -EFAULT, c_mmu_read),
	  .x = (1ull << PT_BITS) - 4, .y = 8,
	  .z = GPUVM_MMU_FAULT_TRANSLATION },
	{ C("MMU translate access kind 3", EINV, c_mmu_translate), .x = 3 },

	/* mem */
	{ C("mem of size 0", EINV, c_mem_create), .x = 0 },
	{ C("mem of a misaligned size", EINV, c_mem_create), .x = SZ_1M + 1 },
	{ C("mem over 1 TiB", EINV, c_mem_create), .x = (1ull << 40) + SZ_4K },
	{ C("mem of 2^64-4K", EINV, c_mem_create), .x = TOP },
	{ C("frame alloc of 12K", EINV, c_mem_alloc), .x = 3 * SZ_4K },
	{ C("frame alloc of 0", EINV, c_mem_alloc), .x = 0 },
	{ C("frame alloc of 2 GiB", EINV, c_mem_alloc), .x = 2 * SZ_1G },
	{ C("frame alloc of 2K", EINV, c_mem_alloc), .x = 2048 },
	{ C("frame alloc of purpose 2", EINV, c_mem_alloc), .x = SZ_4K,
	  .y = GPUVM_MEM_PURPOSES },
	{ C("frame alloc of 1 GiB on 256 MiB", -ENOMEM, c_mem_alloc),
	  .x = SZ_1G },
	{ C("physical read past the end", -EFAULT, c_mem_rw), .x = RAM - 4,
	  .y = 8 },
	{ C("physical write at the end", -EFAULT, c_mem_rw), .x = RAM, .y = 1,
	  .z = 1 },
	{ C("physical read wrapping around", -EFAULT, c_mem_rw), .x = TOP,
	  .y = 64 },
	{ C("mem BO with more chunks than pages", EINV, c_mem_bo_create),
	  .x = 2 * SZ_4K, .y = 3 },
	{ C("mem BO of a misaligned size", EINV, c_mem_bo_create),
	  .x = SZ_4K + 4 },
	{ C("mem BO larger than the memory", -ENOMEM, c_mem_bo_create),
	  .x = RAM + SZ_4K },
	{ C("mem BO of 2^64-4K", -ENOMEM, c_mem_bo_create), .x = TOP },

	/* pt */
	{ C("page tables of 31 bits", EINV, c_pt_create), .x = 31,
	  .y = SZ_4K },
	{ C("page tables of 49 bits", EINV, c_pt_create), .x = 49,
	  .y = SZ_4K },
	{ C("page tables without 4K pages", EINV, c_pt_create), .x = 48,
	  .y = SZ_2M },
	{ C("page tables with 64K pages", EINV, c_pt_create), .x = 48,
	  .y = SZ_4K | 0x10000 },
	{ C("page tables without memory", EINV, c_pt_create), .x = 48,
	  .y = SZ_4K, .z = 1 },
	{ C("pt map past the VA width", EINV, c_pt_map),
	  .x = (1ull << PT_BITS) - SZ_4K, .y = 2 * SZ_4K },
	{ C("pt map at 2^39", EINV, c_pt_map), .x = 1ull << PT_BITS,
	  .y = SZ_4K },
	{ C("pt map wrapping around", EINV, c_pt_map), .x = TOP,
	  .y = 2 * SZ_4K },
	{ C("pt map misaligned", EINV, c_pt_map), .x = 8 * SZ_1M + 16,
	  .y = SZ_4K },
	{ C("pt map of size 0", EINV, c_pt_map), .x = 8 * SZ_1M },
	{ C("pt map with an unknown prot bit", EINV, c_pt_map),
	  .x = 8 * SZ_1M, .y = SZ_4K, .z = 1u << 4 },
	{ C("pt map over a block", -EEXIST, c_pt_map), .x = SZ_2M + SZ_4K,
	  .y = SZ_4K },
	{ C("pt map straddling a block", -EEXIST, c_pt_map),
	  .x = SZ_2M - SZ_4K, .y = 2 * SZ_4K },
	{ C("pt unmap past the VA width", EINV, c_pt_unmap),
	  .x = (1ull << PT_BITS) - SZ_4K, .y = 2 * SZ_4K },
	{ C("pt unmap misaligned", EINV, c_pt_unmap), .x = SZ_2M + 8,
	  .y = SZ_4K },
	{ C("pt reserve map past the VA width", EINV, c_pt_reserve),
	  .x = (1ull << PT_BITS) - SZ_4K, .y = 2 * SZ_4K },
	{ C("pt reserve unmap wrapping around", EINV, c_pt_reserve), .x = TOP,
	  .y = 2 * SZ_4K, .z = 1 },
	{ C("pt walk past the VA width", EINV, c_pt_walk),
	  .x = 1ull << PT_BITS },
	{ C("pt walk of nothing", -ENOENT, c_pt_walk), .x = 8 * SZ_1M },
	{ C("shared tables of period 12K", EINV, c_pt_shared),
	  .x = 3 * SZ_4K },
	{ C("shared tables of period 2K", EINV, c_pt_shared), .x = 2048 },

	/* va */
	{ C("VA space of granule 12K", EINV, c_va_create),
	  .ptr = &va_cfg_granule },
	{ C("VA space of granule 2K", EINV, c_va_create),
	  .ptr = &va_cfg_granule_small },
	{ C("VA space of range 0", EINV, c_va_create), .ptr = &va_cfg_range0 },
	{ C("VA space wrapping around", EINV, c_va_create),
	  .ptr = &va_cfg_wrap },
	{ C("VA space start misaligned", EINV, c_va_create),
	  .ptr = &va_cfg_unaligned },
	{ C("VA space reserved range misaligned", EINV, c_va_create),
	  .ptr = &va_cfg_resv },
	{ C("VA space reserved range wrapping", EINV, c_va_create),
	  .ptr = &va_cfg_resv_wrap },
	{ C("VA sparse request with a BO", EINV, c_va_map),
	  .ptr = &va_sparse_bo },
	{ C("VA sparse request with an offset", EINV, c_va_map),
	  .ptr = &va_sparse_off },
	{ C("VA BO request with BO 0", EINV, c_va_map), .ptr = &va_bo_zero },
	{ C("VA BO request with a repeat", EINV, c_va_map),
	  .ptr = &va_bo_repeat },
	{ C("VA BO request whose offset wraps", EINV, c_va_map),
	  .ptr = &va_bo_wrap },
	{ C("VA BO request with a misaligned offset", EINV, c_va_map),
	  .ptr = &va_bo_unaligned },
	{ C("VA repeat request with repeat 0", EINV, c_va_map),
	  .ptr = &va_rep_zero },
	{ C("VA repeat request with phase = repeat", EINV, c_va_map),
	  .ptr = &va_rep_phase },
	{ C("VA repeat request misaligned", EINV, c_va_map),
	  .ptr = &va_rep_unaligned },
	{ C("VA repeat request whose region wraps", EINV, c_va_map),
	  .ptr = &va_rep_wrap },
	{ C("VA request of kind 7", EINV, c_va_map), .ptr = &va_kind7 },
	{ C("VA request touching the reserved range", EINV, c_va_map),
	  .ptr = &va_in_resv },
	{ C("VA request past the managed range", EINV, c_va_map),
	  .ptr = &va_past_end },
	{ C("VA unmap straddling the reserved range", EINV, c_va_unmap),
	  .x = VA_RESV - SZ_4K, .y = 2 * SZ_4K },
	{ C("VA unmap of size 0", EINV, c_va_unmap), .x = SZ_1M },
	{ .name = "VA commit of a stale list", .err = -ESTALE,
	  .setup = s_va_stale, .call = c_va_commit, .teardown = td_va_ops },
	{ .name = "VA commit of a committed list", .err = -EALREADY,
	  .setup = s_va_committed, .call = c_va_commit,
	  .teardown = td_va_ops },

	/* mmu */
	{ C("AS with 3 TLB entries", EINV, c_mmu_create), .ptr = &as_tlb3 },
	{ C("AS of 31 bits", EINV, c_mmu_create), .ptr = &as_bits31 },
	{ C("AS of 49 bits", EINV, c_mmu_create), .ptr = &as_bits49 },
	{ C("AS with a misaligned root", EINV, c_mmu_create),
	  .ptr = &as_root_unaligned },
	{ C("AS with a root outside memory", EINV, c_mmu_create),
	  .ptr = &as_root_outside },
	{ C("AS without memory", EINV, c_mmu_create), .ptr = &as_ok, .z = 1 },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/*
 * Runs one case; false (after printing why) if it failed. A catalogue
 * goes on after a failure so that one run shows every broken case.
 */
static bool run_case(struct env *e, const struct hcase *c)
{
	struct env_snap before, after;
	bool same;
	int ret;

	if (c->setup)
		c->setup(e);
	env_snap_take(e, &before);
	ret = c->call(e, c);
	env_snap_take(e, &after);
	same = env_snap_same(&before, &after, c->err == -ENOMEM, c->hwm,
			     c->name);
	env_snap_free(&before);
	env_snap_free(&after);
	if (c->teardown)
		c->teardown(e);
	if (ret != c->err)
		print_error("FAIL %s: returned %d (%s), documented %d (%s)\n",
			    c->name, ret, strerror(-ret), c->err,
			    strerror(-c->err));
	else if (!same)
		print_error("FAIL %s: a refused call left a trace\n", c->name);
	return ret == c->err && same;
}

static void test_catalogue(void **state)
{
	char name[96];
	struct hcase c;
	unsigned int i, n = 0, rows, bad = 0;
	struct env e;

	(void)state;
	env_make(&e);
	for (i = 0; i < N_CASES; i++, n++)
		bad += !run_case(&e, &cases[i]);
	rows = n;

	/* Every map-flag bit panthor does not define, on a valid map. */
	for (i = 4; i < 28; i++, n++) {
		snprintf(name, sizeof(name), "map with unknown flag bit %u", i);
		c = (struct hcase){ B(name, EINV),
			.b = { .flags = T_MAP | 1u << i, .h = H_A,
			       .va = VA_FREE, .size = BO_SIZE } };
		bad += !run_case(&e, &c);
	}
	/* Every undefined op type, with an otherwise valid map. */
	for (i = 3; i < 16; i++, n++) {
		snprintf(name, sizeof(name), "op type %u", i);
		c = (struct hcase){ B(name, EINV),
			.b = { .flags = i << 28, .h = H_A, .va = VA_FREE,
			       .size = BO_SIZE } };
		bad += !run_case(&e, &c);
	}
	/* Every unknown VM_BIND flag bit, synchronous and with ASYNC. */
	for (i = 1; i < 32; i++, n += 2) {
		snprintf(name, sizeof(name), "bind flag bit %u", i);
		c = (struct hcase){ B(name, EINV),
			.b = { .bflags = 1u << i, .flags = SPARSE,
			       .va = VA_FREE, .size = SZ_2M } };
		bad += !run_case(&e, &c);
		snprintf(name, sizeof(name), "bind flag bit %u with ASYNC", i);
		c.b.bflags |= ASYNC;
		bad += !run_case(&e, &c);
	}
	print_message("hostile catalogue: %u cases (%u table rows, %u "
		      "expanded from flag bits and op types), each with its "
		      "errno and no trace\n", n, rows, n - rows);
	env_free(&e);
	if (bad)
		fail_msg("%u of %u cases failed", bad, n);
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */

/* A small environment: one file, its VMs, and snapshots of all of it. */
static void lim_make(struct env *e, const struct gpuvm_drv_device_cfg *cfg)
{
	memset(e, 0, sizeof(*e));
	assert_int_equal(gpuvm_drv_device_create(cfg, &e->dev), 0);
	e->mem = gpuvm_drv_device_mem(e->dev);
	e->a = efile_new(e);
	e->b = efile_new(e);
	/* The snapshot covers the stand-alone instances too. */
	env_standalone(e);
}

/* Runs call; it must give err and change nothing. */
#define EXPECT_NO_TRACE(e, what, err, call)                              \
	do {                                                             \
		struct env_snap s0_, s1_;                                \
		bool same_;                                              \
		int ret_;                                                \
		env_snap_take((e), &s0_);                                \
		ret_ = (call);                                           \
		env_snap_take((e), &s1_);                                \
		same_ = env_snap_same(&s0_, &s1_, (err) == -ENOMEM, false, \
				      (what));                           \
		env_snap_free(&s0_);                                     \
		env_snap_free(&s1_);                                     \
		if (ret_ != (err))                                       \
			fail_msg("%s: returned %d, documented %d", (what), \
				 ret_, (err));                           \
		if (!same_)                                              \
			fail_msg("%s: left a trace", (what));            \
	} while (0)

static void test_limit_vms(void **state)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = RAM };
	struct env e;
	uint32_t id = 0, i;

	(void)state;
	lim_make(&e, &cfg);
	for (i = 0; i < GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		assert_int_equal(evm_new(e.a), i + 1);
	EXPECT_NO_TRACE(&e, "33rd VM", -EBUSY,
			gpuvm_drv_vm_create(e.a->f, 0, &id));
	EXPECT_NO_TRACE(&e, "33rd VM again", -EBUSY,
			gpuvm_drv_vm_create(e.a->f, SZ_1G, &id));
	/* Per file: the other file is not affected. */
	evm_new(e.b);
	/* Destroying one makes room for exactly one. */
	assert_int_equal(gpuvm_drv_vm_destroy(e.a->f, 17), 0);
	evm_forget(e.a, 17);
	assert_int_equal(evm_new(e.a), 17);
	EXPECT_NO_TRACE(&e, "33rd VM after a reuse", -EBUSY,
			gpuvm_drv_vm_create(e.a->f, 0, &id));
	env_free(&e);
}

static void test_limit_bos(void **state)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = RAM, .max_bos_per_file = 6 };
	struct env e;
	uint32_t h = 0, i, first;

	(void)state;
	lim_make(&e, &cfg);
	evm_new(e.a);
	first = ebo_new(e.a, 1, 0);
	for (i = 1; i < 6; i++)
		ebo_new(e.a, 1 + i, 0);
	EXPECT_NO_TRACE(&e, "BO past max_bos_per_file", -ENOSPC,
			gpuvm_drv_bo_create(e.a->f, SZ_4K, 0, 0, &h));
	/* The limit counts handles ever created: closing frees none. */
	assert_int_equal(gpuvm_drv_bo_close(e.a->f, first), 0);
	ebo_forget(e.a, first);
	EXPECT_NO_TRACE(&e, "BO past max_bos_per_file after a close",
			-ENOSPC, gpuvm_drv_bo_create(e.a->f, SZ_4K, 0, 0, &h));
	/* Checked before memory: a huge one is -ENOSPC too, evicting none. */
	EXPECT_NO_TRACE(&e, "huge BO past max_bos_per_file", -ENOSPC,
			gpuvm_drv_bo_create(e.a->f, RAM, 0, 0, &h));
	/* Per file. */
	ebo_new(e.b, 9, 0);
	/* The dummy is no handle: sparse still works at the limit. */
	bind_ok(e.a->f, e.a->vm[0], SPARSE, 0, 0, SZ_1G, SZ_2M, 0);
	env_free(&e);
}

static void test_limit_mappings(void **state)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = RAM,
					    .max_mappings_per_vm = 4 };
	struct gpuvm_drv_vm_stats st;
	struct gpuvm_drv_bind_op op;
	struct env e;
	uint32_t vm, h;

	(void)state;
	lim_make(&e, &cfg);
	vm = evm_new(e.a);
	h = ebo_new(e.a, 1, 0);
	bind_ok(e.a->f, vm, SPARSE, 0, 0, SZ_1G, 8 * SZ_2M, 0);
	bind_ok(e.a->f, vm, T_MAP, h, 0, 2 * SZ_1G, BO_SIZE, 0);
	bind_ok(e.a->f, vm, T_MAP, h, 0, 3 * SZ_1G, BO_SIZE, 2 * SZ_4K);
	/* A map in the middle of the sparse range: 1 -> 3, 5 in all. */
	op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = h,
					 .va = SZ_1G + SZ_2M, .size = SZ_4K };
	EXPECT_NO_TRACE(&e, "map splitting one mapping past the limit",
			-ENOSPC, sbind(e.a->f, vm, op));
	bind_ok(e.a->f, vm, SPARSE, 0, 0, 4 * SZ_1G, SZ_2M, 0);
	/* Four: a fifth map is refused... */
	op = (struct gpuvm_drv_bind_op){ .flags = SPARSE, .va = 5 * SZ_1G,
					 .size = SZ_2M };
	EXPECT_NO_TRACE(&e, "fifth mapping", -ENOSPC,
			sbind(e.a->f, vm, op));
	/* ...and so is a map that keeps a piece of the one it overlaps... */
	op = (struct gpuvm_drv_bind_op){ .flags = T_MAP | F_RO, .bo_handle = h,
					 .va = 4 * SZ_1G, .size = SZ_4K };
	EXPECT_NO_TRACE(&e, "map trimming one mapping, adding one", -ENOSPC,
			sbind(e.a->f, vm, op));
	/* ...and an unmap that would cut one in two. */
	op = (struct gpuvm_drv_bind_op){ .flags = T_UNMAP,
					 .va = SZ_1G + SZ_2M, .size = SZ_4K };
	EXPECT_NO_TRACE(&e, "unmap splitting one mapping past the limit",
			-ENOSPC, sbind(e.a->f, vm, op));
	/* Ops that do not add one are fine: replace, trim, cover. */
	bind_ok(e.a->f, vm, T_MAP | F_RO, h, 0, 2 * SZ_1G, BO_SIZE, 0);
	op.va = SZ_1G;
	assert_int_equal(sbind(e.a->f, vm, op), 0);
	bind_ok(e.a->f, vm, T_MAP | F_RO, h, 0, 4 * SZ_1G - SZ_4K,
	       SZ_2M + 2 * SZ_4K, BO_SIZE);
	assert_int_equal(gpuvm_drv_vm_stats(e.a->f, vm, &st), 0);
	assert_int_equal(st.mappings, 4);
	assert_int_equal(gpuvm_drv_vm_check(e.a->f, vm, stderr), 0);
	/* One gone, one more fits. */
	op = (struct gpuvm_drv_bind_op){ .flags = T_UNMAP, .va = 3 * SZ_1G,
					 .size = BO_SIZE };
	assert_int_equal(sbind(e.a->f, vm, op), 0);
	bind_ok(e.a->f, vm, SPARSE, 0, 0, 5 * SZ_1G, SZ_2M, 0);
	env_free(&e);
}

static void test_limit_memory(void **state)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = 32 * SZ_1M };
	struct gpuvm_drv_bind_op op;
	struct gpuvm_mem_stats ms;
	struct env e;
	uint32_t vm, h = 0, hs[64];
	unsigned int n = 0, i;
	bool res;
	int ret;

	(void)state;
	lim_make(&e, &cfg);
	vm = evm_new(e.a);
	/* RAM exhausted by pinned BOs: the next is -ENOMEM. */
	for (;;) {
		assert_true(n < 64);
		ret = gpuvm_drv_bo_create(e.a->f, SZ_1M, 0, 0, &hs[n]);
		if (ret)
			break;
		assert_int_equal(gpuvm_drv_bo_pin(e.a->f, hs[n], true), 0);
		ebo_track(e.a, hs[n], SZ_1M);
		n++;
	}
	assert_int_equal(ret, -ENOMEM);
	print_message("RAM of 32 MiB: %u pinned 1 MiB BOs, then -ENOMEM\n", n);
	assert_true(n >= 28);
	EXPECT_NO_TRACE(&e, "BO with RAM full of pinned BOs", -ENOMEM,
			gpuvm_drv_bo_create(e.a->f, SZ_1M, 0, 0, &h));
	op = (struct gpuvm_drv_bind_op){ .flags = SPARSE, .va = SZ_1G,
					 .size = SZ_2M };
	EXPECT_NO_TRACE(&e, "sparse map needing a dummy with RAM full",
			-ENOMEM, sbind(e.a->f, vm, op));
	/* Fill the last frames with page tables' worth of small BOs. */
	for (;;) {
		uint32_t t;

		if (gpuvm_drv_bo_create(e.a->f, SZ_4K, 0, 0, &t))
			break;
		assert_int_equal(gpuvm_drv_bo_pin(e.a->f, t, true), 0);
	}
	gpuvm_mem_stats(e.mem, &ms);
	assert_int_equal(ms.frames_used, ms.frames_total);
	op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = hs[0],
					 .va = 512 * SZ_1G, .size = SZ_1M };
	EXPECT_NO_TRACE(&e, "map needing tables with RAM full", -ENOMEM,
			sbind(e.a->f, vm, op));
	EXPECT_NO_TRACE(&e, "VM with RAM full", -ENOMEM,
			gpuvm_drv_vm_create(e.a->f, 0, &h));

	/* Unpinned BOs make room: the shrinker evicts the oldest. */
	for (i = 0; i < n; i++)
		assert_int_equal(gpuvm_drv_bo_pin(e.a->f, hs[i], false), 0);
	assert_int_equal(gpuvm_drv_bo_create(e.a->f, SZ_1M, 0, 0, &h), 0);
	assert_int_equal(gpuvm_drv_bo_resident(e.a->f, hs[0], &res), 0);
	assert_false(res);
	env_free(&e);

	/* Budget exhausted with everything pinned. */
	cfg.ram = RAM;
	lim_make(&e, &cfg);
	vm = evm_new(e.a);
	for (i = 0; i < 4; i++) {
		hs[i] = ebo_new(e.a, i, 0);
		bind_ok(e.a->f, vm, T_MAP, hs[i], 0, (2 + i) * SZ_1G, BO_SIZE,
		       0);
		assert_int_equal(gpuvm_drv_bo_pin(e.a->f, hs[i], true), 0);
	}
	gpuvm_mem_stats(e.mem, &ms);
	assert_int_equal(gpuvm_drv_device_set_budget(e.dev, ms.frames_used *
						     SZ_4K), 0);
	EXPECT_NO_TRACE(&e, "BO past the budget, all pinned", -ENOMEM,
			gpuvm_drv_bo_create(e.a->f, SZ_4K, 0, 0, &h));
	op = (struct gpuvm_drv_bind_op){ .flags = SPARSE, .va = 64 * SZ_1G,
					 .size = SZ_2M };
	EXPECT_NO_TRACE(&e, "sparse map past the budget, all pinned",
			-ENOMEM, sbind(e.a->f, vm, op));
	op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = hs[0],
					 .va = 512 * SZ_1G, .size = BO_SIZE };
	EXPECT_NO_TRACE(&e, "map needing tables past the budget", -ENOMEM,
			sbind(e.a->f, vm, op));
	/* An async one reserves at queue time: -ENOMEM there too. */
	EXPECT_NO_TRACE(&e, "async map needing tables past the budget",
			-ENOMEM, qbind(e.a->f, vm, op));
	EXPECT_NO_TRACE(&e, "VM past the budget", -ENOMEM,
			gpuvm_drv_vm_create(e.a->f, 0, &h));
	/* Mapping within existing tables needs nothing: still fine. */
	bind_ok(e.a->f, vm, T_MAP, hs[1], 0, 2 * SZ_1G + SZ_1M, BO_SIZE, 0);
	env_free(&e);
}

/*
 * The oracle itself: calls that do change something must be seen. Each
 * changes one thing the snapshot covers, through a different channel.
 */
static int o_map(struct env *e, const struct hcase *c)
{
	struct gpuvm_drv_bind_op op = { .flags = SPARSE, .va = VA_FREE,
					.size = SZ_4K };

	(void)c;
	return sbind(e->a->f, e->a4, op);
}

static int o_cpu_write(struct env *e, const struct hcase *c)
{
	uint8_t b = 0x42;

	(void)c;
	return gpuvm_drv_bo_write(e->b->f, e->h_b, BO_SIZE - 1, &b, 1);
}

static int o_evict(struct env *e, const struct hcase *c)
{
	(void)c;
	return gpuvm_drv_bo_evict(e->a->f, e->h_a);
}

static int o_gpu_write(struct env *e, const struct hcase *c)
{
	struct gpuvm_mmu_fault fault;
	uint32_t v = 0x12345678;

	(void)c;
	/* Into A's dummy, through a sparse VA. */
	return gpuvm_drv_gpu_access(e->a->f, e->a1, GPUVM_MMU_WRITE,
				    2 * SZ_1G + 64, &v, 4, &fault);
}

static int o_signal(struct env *e, const struct hcase *c)
{
	(void)c;
	return gpuvm_drv_timeline_signal(e->dev, 3, 1);
}

static int o_va(struct env *e, const struct hcase *c)
{
	struct gpuvm_va_ops *ops;
	int ret = gpuvm_va_unmap_prepare(e->va, SZ_1M, SZ_4K, &ops);

	(void)c;
	if (!ret)
		ret = gpuvm_va_ops_commit(ops);
	gpuvm_va_ops_free(ops);
	return ret;
}

static int o_pt(struct env *e, const struct hcase *c)
{
	struct gpuvm_pt_gather g;
	int ret;

	(void)c;
	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_unmap(e->pt, SZ_2M, SZ_4K, &g);
	flush_gather(e->as, e->pt, &g);
	return ret;
}

static int o_async(struct env *e, const struct hcase *c)
{
	struct gpuvm_drv_bind_op op = { .flags = T_SYNC };

	(void)c;
	return qbind(e->a->f, e->a2, op);
}

static void test_oracle(void **state)
{
	static const struct hcase changes[] = {
		{ C("a sparse map", 0, o_map) },
		{ C("a CPU write of one byte", 0, o_cpu_write) },
		{ C("an eviction", 0, o_evict) },
		{ C("a GPU write into a dummy", 0, o_gpu_write) },
		{ C("a timeline signal", 0, o_signal) },
		{ C("a stand-alone VA unmap", 0, o_va) },
		{ C("a stand-alone page-table split", 0, o_pt) },
		{ C("a queued job", 0, o_async) },
	};
	struct env_snap before, after;
	unsigned int i;
	struct env e;

	(void)state;
	env_make(&e);
	quiet = true;
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		env_snap_take(&e, &before);
		assert_int_equal(changes[i].call(&e, &changes[i]), 0);
		env_snap_take(&e, &after);
		if (env_snap_same(&before, &after, false, false,
				  changes[i].name))
			fail_msg("the snapshot missed %s", changes[i].name);
		env_snap_free(&before);
		env_snap_free(&after);
	}
	quiet = false;
	print_message("oracle: %zu kinds of change seen\n",
		      sizeof(changes) / sizeof(changes[0]));
	env_free(&e);
}

/*
 * Kept out of the catalogue and last: this one crashed when it was
 * written (async.c copied op->syncs before anything refused NULL), and
 * under the sanitizers a crash ends the process, which would hide every
 * case after it.
 */
static void test_async_syncs_null(void **state)
{
	struct hcase c = { B("async n_syncs 1, syncs NULL", EINV),
			   .b = { .bflags = ASYNC, .flags = T_SYNC,
				  .sync = S_NULL } };
	struct env e;

	bool ok;

	(void)state;
	env_make(&e);
	ok = run_case(&e, &c);
	c.name = "async map with n_syncs 1, syncs NULL";
	c.b = (struct bdesc){ .bflags = ASYNC, .flags = T_MAP, .h = H_A,
			      .va = VA_FREE, .size = BO_SIZE, .sync = S_NULL };
	ok = run_case(&e, &c) && ok;
	env_free(&e);
	if (!ok)
		fail_msg("refused with the wrong errno or a trace");
}

/* ------------------------------------------------------------------ */
/* NULL pointer arguments of gpuvm/drv.h                              */

/*
 * Every driver function with each pointer argument NULL in turn, run by
 * tests/null_args.h: each row in a child process on a copy of the
 * environment, with this file's snapshot (every field of it, the
 * high-water marks included) before and after. The other layers' tables
 * are in tests/<module>/test_null_args.c.
 */

/* The whole snapshot as one text, for null_args.h. */
static char *na_snap(void *p)
{
	struct env *e = p;
	struct env_snap s;
	char *buf = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *t = open_memstream(&buf, &len);

	assert_non_null(t);
	env_snap_take(e, &s);
	fprintf(t, "mem size %" PRIu64 " total %" PRIu64 " used %" PRIu64
		" pt %" PRIu64 " bo %" PRIu64 " allocs %" PRIu64 " failures %"
		PRIu64 "\n", s.mem.size, s.mem.frames_total, s.mem.frames_used,
		s.mem.frames_by_purpose[GPUVM_MEM_PT],
		s.mem.frames_by_purpose[GPUVM_MEM_BO], s.mem.allocs,
		s.mem.alloc_failures);
	for (i = 0; i < s.npeak; i++)
		fprintf(t, "peak %u %" PRIu64 "\n", i, s.peak[i]);
	fputs(s.text, t);
	env_snap_free(&s);
	assert_int_equal(fclose(t), 0);
	return buf;
}

static int64_t n_device_create(void *p)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = 64 * SZ_1M };
	struct gpuvm_drv_device *dev = NULL;
	int ret;

	(void)p;
	ret = gpuvm_drv_device_create(NA(cfg, &cfg), NA(out, &dev));
	/* cfg NULL: every default (4 GiB of RAM). */
	if (na_is("cfg"))
		NA_EXPECT(dev && gpuvm_drv_device_cfg(dev)->ram == 4 * SZ_1G);
	else
		NA_EXPECT(!dev);
	gpuvm_drv_device_destroy(dev);
	return ret;
}

static int64_t n_device_destroy(void *p)
{
	struct env *e = p;

	gpuvm_drv_device_destroy(NA(dev, e->dev));
	return NA_VOID;
}

static int64_t n_device_mem(void *p)
{
	struct env *e = p;

	return (int64_t)(intptr_t)gpuvm_drv_device_mem(NA(dev, e->dev));
}

static int64_t n_device_cfg(void *p)
{
	struct env *e = p;

	return (int64_t)(intptr_t)gpuvm_drv_device_cfg(NA(dev, e->dev));
}

static int64_t n_file_open(void *p)
{
	struct env *e = p;
	struct gpuvm_drv_file *f = NULL;
	int ret = gpuvm_drv_file_open(NA(dev, e->dev), NA(out, &f));

	NA_EXPECT(!f);
	return ret;
}

static int64_t n_file_close(void *p)
{
	struct env *e = p;

	gpuvm_drv_file_close(NA(file, e->a->f));
	return NA_VOID;
}

static int64_t n_vm_create(void *p)
{
	struct env *e = p;
	uint32_t id = 0;
	int ret = gpuvm_drv_vm_create(NA(file, e->a->f), 0, NA(id, &id));

	NA_EXPECT(id == 0);
	return ret;
}

static int64_t n_vm_destroy(void *p)
{
	struct env *e = p;

	return gpuvm_drv_vm_destroy(NA(file, e->a->f), e->a4);
}

static int64_t n_vm_get_state(void *p)
{
	struct env *e = p;
	enum gpuvm_drv_vm_state st = (enum gpuvm_drv_vm_state)7;
	int ret = gpuvm_drv_vm_get_state(NA(file, e->a->f), e->a1,
					 NA(state, &st));

	NA_EXPECT(st == 7);
	return ret;
}

static int64_t n_bo_create(void *p)
{
	struct env *e = p;
	uint32_t h = 0;
	int ret = gpuvm_drv_bo_create(NA(file, e->a->f), BO_SIZE, 0, 0,
				      NA(handle, &h));

	NA_EXPECT(h == 0);
	return ret;
}

static int64_t n_bo_close(void *p)
{
	struct env *e = p;

	return gpuvm_drv_bo_close(NA(file, e->a->f), e->h_a);
}

static int64_t n_bo_read(void *p)
{
	struct env *e = p;
	uint8_t buf[16];
	int ret;

	na_poison(buf, sizeof(buf));
	ret = gpuvm_drv_bo_read(NA(file, e->a->f), e->h_a, 0, NA(buf, buf),
				sizeof(buf));
	NA_EXPECT(na_fill(buf, sizeof(buf)) == NA_UNTOUCHED);
	return ret;
}

static int64_t n_bo_write(void *p)
{
	struct env *e = p;
	const uint8_t buf[16] = { 1, 2, 3 };

	return gpuvm_drv_bo_write(NA(file, e->a->f), e->h_a, 0, NA(buf, buf),
				  sizeof(buf));
}

static int64_t n_set_budget(void *p)
{
	struct env *e = p;

	return gpuvm_drv_device_set_budget(NA(dev, e->dev), SZ_1M);
}

/* Optional freed: the shrinker runs (a BO goes) and reports nothing. */
static int64_t n_reclaim(void *p)
{
	struct env *e = p;
	uint64_t freed = 7, before = frames_used(e->dev);
	int ret = gpuvm_drv_reclaim(NA(dev, e->dev), BO_SIZE,
				    NA(freed, &freed));

	NA_EXPECT(freed == 7);
	if (na_is("freed"))
		NA_EXPECT(frames_used(e->dev) < before);
	return ret;
}

static int64_t n_bo_evict(void *p)
{
	struct env *e = p;

	return gpuvm_drv_bo_evict(NA(file, e->a->f), e->h_a);
}

static int64_t n_dummy_evict(void *p)
{
	struct env *e = p;

	return gpuvm_drv_dummy_evict(NA(file, e->a->f));
}

static int64_t n_bo_resident(void *p)
{
	struct env *e = p;
	bool r = false;
	int ret = gpuvm_drv_bo_resident(NA(file, e->a->f), e->h_a,
					NA(resident, &r));

	NA_EXPECT(!r);
	return ret;
}

/* count NULL, or runs NULL with room asked for: refused, nothing written. */
static int64_t n_bo_runs(void *p)
{
	struct env *e = p;
	struct gpuvm_mem_run runs[4];
	unsigned int count = 77;
	int ret;

	memset(runs, 0xa5, sizeof(runs));
	ret = gpuvm_drv_bo_runs(NA(file, e->a->f), e->h_a, NA(runs, runs), 4,
				NA(count, &count));
	NA_EXPECT(count == 77);
	NA_EXPECT(runs[0].pa == 0xa5a5a5a5a5a5a5a5ull);
	return ret;
}

static int64_t n_bo_pin(void *p)
{
	struct env *e = p;

	return gpuvm_drv_bo_pin(NA(file, e->a->f), e->h_a, true);
}

static int64_t n_vm_validate(void *p)
{
	struct env *e = p;

	/* A1 holds an evicted VA: a validate would restore it. */
	return gpuvm_drv_vm_validate(NA(file, e->a->f), e->a1);
}

/* A valid sparse map: NULL file or ops refuses the whole call. */
static int64_t n_vm_bind(void *p)
{
	struct env *e = p;
	const struct gpuvm_drv_bind_op op = { .flags = SPARSE, .va = VA_FREE,
					      .size = SZ_2M };
	uint32_t failed = 0xdead;
	int ret = gpuvm_drv_vm_bind(NA(file, e->a->f), e->a1, 0,
				    NA(ops, &op), 1, &failed);

	NA_EXPECT(failed == 0xdead);
	return ret;
}

/* Optional: no ops with count 0 is an empty batch. */
static int64_t n_vm_bind_empty(void *p)
{
	struct env *e = p;
	const struct gpuvm_drv_bind_op op = { .flags = SPARSE, .va = VA_FREE,
					      .size = SZ_2M };

	return gpuvm_drv_vm_bind(e->a->f, e->a1, 0, NA(ops, &op), 0, NULL);
}

/* Optional failed: a batch whose second op is refused, the errno alone. */
static int64_t bind_failing(void *p, uint32_t flags)
{
	struct env *e = p;
	const struct gpuvm_drv_bind_op ops[2] = {
		{ .flags = T_SYNC },
		{ .flags = SPARSE, .va = VA_FREE + SZ_4K, .size = SZ_2M + 1 },
	};
	uint32_t failed = 0xdead;
	int ret = gpuvm_drv_vm_bind(e->a->f, e->a1, flags, ops, 2,
				    NA(failed, &failed));

	NA_EXPECT(failed == 0xdead);
	return ret;
}

static int64_t n_vm_bind_failing(void *p)
{
	return bind_failing(p, 0);
}

static int64_t n_vm_bind_failing_async(void *p)
{
	return bind_failing(p, ASYNC);
}

static int64_t n_timeline_signal(void *p)
{
	struct env *e = p;

	return gpuvm_drv_timeline_signal(NA(dev, e->dev), 1, 9);
}

static int64_t n_timeline_point(void *p)
{
	struct env *e = p;
	uint64_t point = 7;
	int ret = gpuvm_drv_timeline_point(NA(dev, e->dev), 1,
					   NA(point, &point));

	NA_EXPECT(point == 7);
	return ret;
}

static int64_t n_run(void *p)
{
	struct env *e = p;
	uint32_t n = 7;
	int ret = gpuvm_drv_run(NA(dev, e->dev), NA(executed, &n));

	NA_EXPECT(n == 7);
	return ret;
}

/* Optional executed: a queued job runs, its count is not reported. */
static int64_t n_run_job(void *p)
{
	struct env *e = p;
	struct gpuvm_drv_sync sig = { .flags = GPUVM_DRV_SYNC_SIGNAL,
				      .timeline = 3, .point = 4 };
	struct gpuvm_drv_bind_op op = { .flags = T_SYNC, .syncs = &sig,
					.n_syncs = 1 };
	uint32_t n = 7;
	uint64_t point = 0;
	int ret;

	queue1(e->a->f, e->a2, op);
	ret = gpuvm_drv_run(e->dev, NA(executed, &n));
	assert_int_equal(gpuvm_drv_timeline_point(e->dev, 3, &point), 0);
	NA_EXPECT(point == 4);
	return ret;
}

static int64_t n_wait(void *p)
{
	struct env *e = p;

	return gpuvm_drv_wait(NA(dev, e->dev), 1, 5);
}

static int64_t n_vm_queued(void *p)
{
	struct env *e = p;
	uint32_t jobs = 7;
	int ret = gpuvm_drv_vm_queued(NA(file, e->a->f), e->a1,
				      NA(jobs, &jobs));

	NA_EXPECT(jobs == 7);
	return ret;
}

static int64_t n_vm_fail_nth(void *p)
{
	struct env *e = p;

	return gpuvm_drv_vm_fail_nth_alloc(NA(file, e->a->f), e->a1, 1);
}

/*
 * Trace hooks on A1: a NULL file is refused; a NULL mmu or pt trace
 * removes that hook (after both were set): a GPU read then reports no
 * walk, or a map and unmap of A's BO no descriptor write, while the
 * other hook still reports.
 */
static unsigned int walks_seen, writes_seen;

static void count_walk(void *cookie, uint64_t va, enum gpuvm_mmu_access acc)
{
	(void)cookie;
	(void)va;
	(void)acc;
	walks_seen++;
}

static void count_write(void *cookie, uint64_t pa, unsigned int level,
			uint64_t old, uint64_t desc)
{
	(void)cookie;
	(void)pa;
	(void)level;
	(void)old;
	(void)desc;
	writes_seen++;
}

static int64_t n_vm_set_trace(void *p)
{
	struct env *e = p;
	const struct gpuvm_mmu_trace mt = { .walk_start = count_walk };
	const struct gpuvm_pt_trace pt = { .desc_write = count_write };
	struct gpuvm_drv_bind_op op = {
		.flags = T_UNMAP, .va = 7 * SZ_1G, .size = SZ_4K,
	};
	int ret;

	if (!na_is("file"))
		assert_int_equal(gpuvm_drv_vm_set_trace(e->a->f, e->a1, &mt,
							&pt), 0);
	ret = gpuvm_drv_vm_set_trace(NA(file, e->a->f), e->a1, NA(mmu, &mt),
				     NA(pt, &pt));
	if (ret)
		return ret;
	walks_seen = writes_seen = 0;
	(void)rd32(e->a->f, e->a1, 3 * SZ_1G);
	map_bo(e->a->f, e->a1, e->h_a, 0, 7 * SZ_1G, SZ_4K, 0);
	assert_int_equal(sbind(e->a->f, e->a1, op), 0);
	NA_EXPECT((walks_seen > 0) == !na_is("mmu"));
	NA_EXPECT((writes_seen > 0) == !na_is("pt"));
	return ret;
}

/* A write into A1's BO mapping; the optional fault on an unmapped VA. */
static int64_t gpu_write(void *p, uint64_t va)
{
	struct env *e = p;
	struct gpuvm_mmu_fault fault;
	uint8_t buf[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	int ret;

	na_poison(&fault, sizeof(fault));
	ret = gpuvm_drv_gpu_access(NA(file, e->a->f), e->a1, GPUVM_MMU_WRITE,
				   va, NA(buf, buf), sizeof(buf),
				   NA(fault, &fault));
	NA_EXPECT(na_fill(&fault, sizeof(fault)) == NA_UNTOUCHED);
	return ret;
}

static int64_t n_gpu_access(void *p)
{
	return gpu_write(p, 3 * SZ_1G);
}

static int64_t n_vm_set_grow(void *p)
{
	struct env *e = p;
	struct gpuvm_drv_grow g = { .va = 1ull << 32, .size = 1ull << 20,
				    .chunk = 1ull << 16, .max_chunks = 2 };

	return gpuvm_drv_vm_set_grow(NA(file, e->a->f), e->a1, NA(cfg, &g));
}

static int64_t n_vm_grown(void *p)
{
	struct env *e = p;
	uint64_t n = 5;

	return gpuvm_drv_vm_grown(NA(file, e->a->f), e->a1, NA(chunks, &n));
}

static int64_t n_gpu_access_fault(void *p)
{
	return gpu_write(p, VA_FREE);
}

static int64_t n_vm_as(void *p)
{
	struct env *e = p;

	return (int64_t)(intptr_t)gpuvm_drv_vm_as(NA(file, e->a->f), e->a1);
}

static int64_t n_vm_lookup(void *p)
{
	struct env *e = p;
	struct gpuvm_drv_lookup l;
	int ret;

	na_poison(&l, sizeof(l));
	ret = gpuvm_drv_vm_lookup(NA(file, e->a->f), e->a1, 3 * SZ_1G,
				  NA(out, &l));
	NA_EXPECT(na_fill(&l, sizeof(l)) == NA_UNTOUCHED);
	return ret;
}

static int64_t n_vm_stats(void *p)
{
	struct env *e = p;
	struct gpuvm_drv_vm_stats st;
	int ret;

	na_poison(&st, sizeof(st));
	ret = gpuvm_drv_vm_stats(NA(file, e->a->f), e->a1, NA(st, &st));
	NA_EXPECT(na_fill(&st, sizeof(st)) == NA_UNTOUCHED);
	return ret;
}

static unsigned int na_mappings_seen; /* by na_count_mapping, no cookie */

static int na_count_mapping(void *cookie, const struct gpuvm_drv_mapping *m)
{
	(void)m;
	if (cookie)
		(*(unsigned int *)cookie)++;
	else
		na_mappings_seen++;
	return 0;
}

/* The errno, or the number of A1's mappings the callback saw. */
static int64_t n_for_each_mapping(void *p)
{
	struct env *e = p;
	unsigned int n = 0;
	int ret;

	na_mappings_seen = 0;
	ret = gpuvm_drv_vm_for_each_mapping(NA(file, e->a->f), e->a1, 0,
					    USER_VA, NA(fn, na_count_mapping),
					    NA(cookie, &n));
	return ret ? ret : (int64_t)(n + na_mappings_seen);
}

static int64_t n_vm_check(void *p)
{
	struct env *e = p;

	return gpuvm_drv_vm_check(NA(file, e->a->f), e->a1, NA(err, stderr));
}

static int64_t n_vm_dump(void *p)
{
	struct env *e = p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	assert_non_null(f);
	ret = gpuvm_drv_vm_dump(NA(file, e->a->f), e->a1, NA(f, f));
	assert_int_equal(fclose(f), 0);
	free(buf);
	NA_EXPECT(len == 0);
	return ret;
}

static void name_bo(void *cookie, uint32_t handle, FILE *f)
{
	(void)cookie;
	fprintf(f, "B%u", handle);
}

/* name and cookie may be NULL (plain handles; passed on as is). */
static int64_t n_vm_dump_named(void *p)
{
	struct env *e = p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	assert_non_null(f);
	ret = gpuvm_drv_vm_dump_named(NA(file, e->a->f), e->a1, NA(f, f),
				      NA(name, name_bo), NA(cookie, e));
	assert_int_equal(fclose(f), 0);
	if (na_is("file") || na_is("f"))
		NA_EXPECT(len == 0);
	else
		NA_EXPECT(len > 0);
	free(buf);
	return ret;
}

/* The table: every (function, pointer argument) of gpuvm/drv.h. */
static const struct na_case na_cases[] = {
	/* Optional: NULL is every default. */
	NA_ROW(gpuvm_drv_device_create, cfg, 0, n_device_create),
	NA_ROW(gpuvm_drv_device_create, out, EINV, n_device_create),
	NA_ROW(gpuvm_drv_device_destroy, dev, NA_VOID, n_device_destroy),
	NA_ROW(gpuvm_drv_device_mem, dev, NA_NULLPTR, n_device_mem),
	NA_ROW(gpuvm_drv_device_cfg, dev, NA_NULLPTR, n_device_cfg),
	NA_ROW(gpuvm_drv_file_open, dev, EINV, n_file_open),
	NA_ROW(gpuvm_drv_file_open, out, EINV, n_file_open),
	NA_ROW(gpuvm_drv_file_close, file, NA_VOID, n_file_close),
	NA_ROW(gpuvm_drv_vm_create, file, EINV, n_vm_create),
	NA_ROW(gpuvm_drv_vm_create, id, EINV, n_vm_create),
	NA_ROW(gpuvm_drv_vm_destroy, file, EINV, n_vm_destroy),
	NA_ROW(gpuvm_drv_vm_get_state, file, EINV, n_vm_get_state),
	NA_ROW(gpuvm_drv_vm_get_state, state, EINV, n_vm_get_state),
	NA_ROW(gpuvm_drv_bo_create, file, EINV, n_bo_create),
	NA_ROW(gpuvm_drv_bo_create, handle, EINV, n_bo_create),
	NA_ROW(gpuvm_drv_bo_close, file, EINV, n_bo_close),
	NA_ROW(gpuvm_drv_bo_read, file, EINV, n_bo_read),
	NA_ROW(gpuvm_drv_bo_read, buf, EINV, n_bo_read),
	NA_ROW(gpuvm_drv_bo_write, file, EINV, n_bo_write),
	NA_ROW(gpuvm_drv_bo_write, buf, EINV, n_bo_write),
	NA_ROW(gpuvm_drv_device_set_budget, dev, EINV, n_set_budget),
	NA_ROW(gpuvm_drv_reclaim, dev, EINV, n_reclaim),
	NA_ROW(gpuvm_drv_reclaim, freed, 0, n_reclaim, .flags = NA_CHANGES),
	NA_ROW(gpuvm_drv_bo_evict, file, EINV, n_bo_evict),
	NA_ROW(gpuvm_drv_dummy_evict, file, EINV, n_dummy_evict),
	NA_ROW(gpuvm_drv_bo_resident, file, EINV, n_bo_resident),
	NA_ROW(gpuvm_drv_bo_resident, resident, EINV, n_bo_resident),
	NA_ROW(gpuvm_drv_bo_pin, file, EINV, n_bo_pin),
	NA_ROW(gpuvm_drv_bo_runs, file, EINV, n_bo_runs),
	NA_ROW(gpuvm_drv_bo_runs, runs, EINV, n_bo_runs),
	NA_ROW(gpuvm_drv_bo_runs, count, EINV, n_bo_runs),
	NA_ROW(gpuvm_drv_vm_validate, file, EINV, n_vm_validate),
	NA_ROW(gpuvm_drv_vm_bind, file, EINV, n_vm_bind),
	NA_ROW(gpuvm_drv_vm_bind, ops, EINV, n_vm_bind),
	NA_ROW(gpuvm_drv_vm_bind, ops, 0, n_vm_bind_empty),
	NA_ROW(gpuvm_drv_vm_bind, failed, EINV, n_vm_bind_failing),
	NA_ROW(gpuvm_drv_vm_bind, failed, EINV, n_vm_bind_failing_async),
	NA_ROW(gpuvm_drv_timeline_signal, dev, EINV, n_timeline_signal),
	NA_ROW(gpuvm_drv_timeline_point, dev, EINV, n_timeline_point),
	NA_ROW(gpuvm_drv_timeline_point, point, EINV, n_timeline_point),
	NA_ROW(gpuvm_drv_run, dev, EINV, n_run),
	NA_ROW(gpuvm_drv_run, executed, 0, n_run_job, .flags = NA_CHANGES),
	NA_ROW(gpuvm_drv_wait, dev, EINV, n_wait),
	NA_ROW(gpuvm_drv_vm_queued, file, EINV, n_vm_queued),
	NA_ROW(gpuvm_drv_vm_queued, jobs, EINV, n_vm_queued),
	NA_ROW(gpuvm_drv_vm_fail_nth_alloc, file, EINV, n_vm_fail_nth),
	NA_ROW(gpuvm_drv_vm_set_trace, file, EINV, n_vm_set_trace),
	/* Optional: each removes its hook. */
	NA_ROW(gpuvm_drv_vm_set_trace, mmu, 0, n_vm_set_trace,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_drv_vm_set_trace, pt, 0, n_vm_set_trace,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_drv_vm_set_grow, file, EINV, n_vm_set_grow),
	NA_ROW(gpuvm_drv_vm_set_grow, cfg, EINV, n_vm_set_grow),
	NA_ROW(gpuvm_drv_vm_grown, file, EINV, n_vm_grown),
	NA_ROW(gpuvm_drv_vm_grown, chunks, EINV, n_vm_grown),
	NA_ROW(gpuvm_drv_gpu_access, file, EINV, n_gpu_access),
	NA_ROW(gpuvm_drv_gpu_access, buf, EINV, n_gpu_access),
	/* Optional: the fault, nothing filled and nothing written. */
	NA_ROW(gpuvm_drv_gpu_access, fault, -EFAULT, n_gpu_access_fault),
	NA_ROW(gpuvm_drv_vm_as, file, NA_NULLPTR, n_vm_as),
	NA_ROW(gpuvm_drv_vm_lookup, file, EINV, n_vm_lookup),
	NA_ROW(gpuvm_drv_vm_lookup, out, EINV, n_vm_lookup),
	NA_ROW(gpuvm_drv_vm_stats, file, EINV, n_vm_stats),
	NA_ROW(gpuvm_drv_vm_stats, st, EINV, n_vm_stats),
	NA_ROW(gpuvm_drv_vm_for_each_mapping, file, EINV, n_for_each_mapping),
	NA_ROW(gpuvm_drv_vm_for_each_mapping, fn, EINV, n_for_each_mapping),
	/* Optional: the cookie is the callback's business. */
	NA_ROW(gpuvm_drv_vm_for_each_mapping, cookie, 4, n_for_each_mapping),
	NA_ROW(gpuvm_drv_vm_check, file, EINV, n_vm_check),
	/* Optional: no report, the verdict alone. */
	NA_ROW(gpuvm_drv_vm_check, err, 0, n_vm_check),
	NA_ROW(gpuvm_drv_vm_dump, file, EINV, n_vm_dump),
	NA_ROW(gpuvm_drv_vm_dump, f, EINV, n_vm_dump),
	NA_ROW(gpuvm_drv_vm_dump_named, file, EINV, n_vm_dump_named),
	NA_ROW(gpuvm_drv_vm_dump_named, f, EINV, n_vm_dump_named),
	NA_ROW(gpuvm_drv_vm_dump_named, name, 0, n_vm_dump_named),
	NA_ROW(gpuvm_drv_vm_dump_named, cookie, 0, n_vm_dump_named),
};

#define NA_N_CASES (sizeof(na_cases) / sizeof(na_cases[0]))

static void test_null_args_header_complete(void **state)
{
	(void)state;
	na_check_header("gpuvm/drv.h", na_cases, NA_N_CASES);
}

static void test_null_args(void **state)
{
	struct env e;

	(void)state;
	env_make(&e);
	na_run(na_cases, NA_N_CASES, &e, na_snap);
	env_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_limit_vms),
		cmocka_unit_test(test_limit_bos),
		cmocka_unit_test(test_limit_mappings),
		cmocka_unit_test(test_limit_memory),
		cmocka_unit_test(test_null_args_header_complete),
		cmocka_unit_test(test_null_args),
		cmocka_unit_test(test_async_syncs_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
