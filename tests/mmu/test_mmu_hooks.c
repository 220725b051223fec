// SPDX-License-Identifier: MIT
/*
 * Tests of the MMU's fault and trace hooks (mmu.h, "Fault hooks" and
 * "Trace hooks") and of the page tables' descriptor-write trace (pt.h).
 *
 * Fault hooks: a hook that maps the faulting page and retries makes the
 * access succeed, with the hook called once per fault and the counters
 * exact; one that reports leaves the fault standing; the retry bound
 * (a hook that retries without fixing anything is called
 * GPUVM_MMU_FAULT_RETRIES + 1 times) and its reset when the fault moves
 * up; a grow-on-fault heap mapped in chunks through gpuvm_pt_map(), up
 * to its limit; a permission fault that needs its invalidation; the
 * hook on translations and host pointers; the hook running without the
 * address space's lock (it calls back into the same address space in
 * concurrent mode); and an access waiting on a locked region, which
 * faults (or not) only once the region is unlocked.
 *
 * Trace hooks: exact event sequences for a walk and its TLB insertion, a
 * hit (nothing), a faulting walk (the fault event before the hook), a
 * range invalidation, invalidate_all and a root change, a checked-mode
 * confirmation, and the descriptor writes of a map, an unmap with its
 * pruning, and a copy of a shared table.
 *
 * Page tables are hand-built as in test_mmu.c (mmu_test.h) unless a test
 * is about the page-table module.
 */
#include <pthread.h>
#include <time.h>

#include "mmu_test.h"
#include "flush_gather.h"

/* ------------------------------------------------------------------ */
/* A recording fault hook                                              */

#define MAX_CALLS 32

struct rec {
	struct env *e;
	unsigned int calls;
	struct gpuvm_mmu_fault f[MAX_CALLS];
	unsigned int retries[MAX_CALLS];
	int answer;               /* what to answer */
	uint64_t map_pa;          /* call n maps the page to map_pa + n-1 pages */
	unsigned int map_from, map_until; /* ... for calls in this range */
	bool invalidate;          /* invalidate the faulting page first */
};

static void rec_note(struct rec *r, const struct gpuvm_mmu_fault *f,
		     unsigned int retries)
{
	assert_true(r->calls < MAX_CALLS);
	r->f[r->calls] = *f;
	r->retries[r->calls] = retries;
	r->calls++;
}

static int rec_hook(void *cookie, struct gpuvm_mmu_as *as,
		    const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct rec *r = cookie;
	uint64_t page = f->addr & ~(SZ_4K - 1);

	assert_ptr_equal(as, r->e->as);
	rec_note(r, f, retries);
	if (r->map_pa && r->calls >= r->map_from && r->calls <= r->map_until)
		map(r->e, page, r->map_pa + (r->calls - 1) * SZ_4K, 3, ATTRS);
	if (r->invalidate)
		gpuvm_mmu_invalidate(as, page, SZ_4K);
	return r->answer;
}

static struct rec *rec_set(struct env *e, struct rec *r, int answer)
{
	memset(r, 0, sizeof(*r));
	r->e = e;
	r->answer = answer;
	r->map_from = 1;
	assert_int_equal(gpuvm_mmu_set_fault_hook(e->as, rec_hook, r), 0);
	return r;
}

/* ------------------------------------------------------------------ */
/* Fault hooks: retry, report, bound                                   */

#define HOLE 0x40000000ull   /* 1 GiB: nothing mapped until a hook maps */

/* A hook maps the page on the fault and retries: the write lands. */
static void test_hook_maps_and_retries(void **state)
{
	struct env *e = *state;
	uint64_t pa = frame(e, SZ_4K), v = 0x1122334455667788ull, r = 0;
	struct gpuvm_mmu_fault f, f0;
	struct gpuvm_mmu_stats st;
	struct rec rec;

	map(e, HOLE + SZ_4K, frame(e, SZ_4K), 3, ATTRS); /* the tables exist */
	rec_set(e, &rec, GPUVM_MMU_FAULT_RETRY);
	rec.map_pa = pa;
	rec.map_until = 1;
	memset(&f, 0xa5, sizeof(f));
	f0 = f;
	assert_int_equal(gpuvm_mmu_write(e->as, HOLE + 8, &v, 8, &f), 0);
	/* The caller's fault is left alone: the access succeeded. */
	assert_memory_equal(&f, &f0, sizeof(f));
	assert_int_equal(rec.calls, 1);
	assert_fault(&rec.f[0], GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_WRITE,
		     HOLE + 8, 3);
	assert_int_equal(rec.retries[0], 0);
	assert_int_equal(gpuvm_mem_read64(e->mem, pa + 8), v);
	assert_int_equal(gpuvm_mmu_read(e->as, HOLE + 8, &r, 8, &f), 0);
	assert_int_equal(r, v);
	gpuvm_mmu_stats(e->as, &st);
	assert_int_equal(st.faults, 1);
	assert_int_equal(st.retries, 1);
	/* miss (fault), miss (walk, insert), then the read's hit. */
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.hits, 1);
}

/* A hook that reports: the fault stands, nothing is written. */
static void test_hook_reports(void **state)
{
	struct env *e = *state;
	uint64_t v = 7;
	struct gpuvm_mmu_fault f;
	struct gpuvm_mmu_stats st;
	struct rec rec;

	rec_set(e, &rec, GPUVM_MMU_FAULT_REPORT);
	assert_int_equal(gpuvm_mmu_write(e->as, HOLE + 16, &v, 8, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_WRITE,
		     HOLE + 16, gpuvm_pt_start_level_for(e->va_bits));
	assert_int_equal(rec.calls, 1);
	assert_memory_equal(&rec.f[0], &f, sizeof(f));
	/* Without a fault pointer: the errno alone, the hook still sees it. */
	assert_int_equal(gpuvm_mmu_read(e->as, HOLE, &v, 8, NULL), -EFAULT);
	assert_int_equal(rec.calls, 2);
	assert_fault(&rec.f[1], GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_READ,
		     HOLE, gpuvm_pt_start_level_for(e->va_bits));
	assert_int_equal(v, 7);
	gpuvm_mmu_stats(e->as, &st);
	assert_int_equal(st.faults, 2);
	assert_int_equal(st.retries, 0);
	/* Removed: the fault is returned without a call. */
	assert_int_equal(gpuvm_mmu_set_fault_hook(e->as, NULL, &rec), 0);
	assert_int_equal(gpuvm_mmu_read(e->as, HOLE, &v, 8, &f), -EFAULT);
	assert_int_equal(rec.calls, 2);
}

/*
 * A hook that asks for a retry and fixes nothing: it is called once per
 * attempt, retries 0..GPUVM_MMU_FAULT_RETRIES, and then the fault stands.
 */
static void test_hook_retry_bound(void **state)
{
	struct env *e = *state;
	struct gpuvm_mmu_fault f;
	struct gpuvm_mmu_stats st;
	struct rec rec;
	uint32_t v;

	rec_set(e, &rec, GPUVM_MMU_FAULT_RETRY);
	assert_int_equal(gpuvm_mmu_read(e->as, HOLE + 4, &v, 4, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_READ,
		     HOLE + 4, gpuvm_pt_start_level_for(e->va_bits));
	assert_int_equal(rec.calls, GPUVM_MMU_FAULT_RETRIES + 1);
	for (unsigned int i = 0; i < rec.calls; i++) {
		assert_int_equal(rec.retries[i], i);
		assert_memory_equal(&rec.f[i], &f, sizeof(f));
	}
	gpuvm_mmu_stats(e->as, &st);
	assert_int_equal(st.faults, GPUVM_MMU_FAULT_RETRIES + 1);
	assert_int_equal(st.retries, GPUVM_MMU_FAULT_RETRIES);
}

/*
 * Progress restarts the count: a write over three unmapped pages whose
 * hook maps one page per call succeeds with three calls, each the first
 * for its address; a hook that maps nothing on its first call for a
 * page gets retries 0 then 1 for it.
 */
static void test_hook_retry_progress(void **state)
{
	struct env *e = *state;
	uint64_t pa = frame(e, 4 * SZ_4K);
	const uint64_t at[3] = { HOLE + SZ_4K - 8, HOLE + SZ_4K,
				 HOLE + 2 * SZ_4K };
	unsigned char w[2 * SZ_4K + 8], r[sizeof(w)];
	struct gpuvm_mmu_fault f;
	struct rec rec;

	map(e, HOLE + 8 * SZ_4K, frame(e, SZ_4K), 3, ATTRS); /* tables */
	fill(w, sizeof(w), 3);
	rec_set(e, &rec, GPUVM_MMU_FAULT_RETRY);
	rec.map_pa = pa;
	rec.map_until = 3;
	assert_int_equal(gpuvm_mmu_write(e->as, at[0], w, sizeof(w), &f), 0);
	assert_int_equal(rec.calls, 3);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(rec.retries[i], 0);
		assert_fault(&rec.f[i], GPUVM_MMU_FAULT_TRANSLATION,
			     GPUVM_MMU_WRITE, at[i], 3);
	}
	assert_int_equal(gpuvm_mmu_read(e->as, at[0], r, sizeof(r), &f), 0);
	assert_memory_equal(r, w, sizeof(w));
	/* Pages went to pa, pa + 4K, pa + 8K in fault order. */
	assert_pa_bytes(e->mem, pa + SZ_4K - 8, w, 8);
	assert_pa_bytes(e->mem, pa + SZ_4K, w + 8, SZ_4K);
	assert_pa_bytes(e->mem, pa + 2 * SZ_4K, w + 8 + SZ_4K, SZ_4K);

	/* Nothing mapped on the first call, the page on the second. */
	rec_set(e, &rec, GPUVM_MMU_FAULT_RETRY);
	rec.map_pa = pa + 2 * SZ_4K;     /* call 2 maps pa + 3 pages */
	rec.map_from = rec.map_until = 2;
	assert_int_equal(gpuvm_mmu_read(e->as, HOLE + 5 * SZ_4K, r, 8, &f), 0);
	assert_int_equal(rec.calls, 2);
	assert_int_equal(rec.retries[0], 0);
	assert_int_equal(rec.retries[1], 1);
	assert_memory_equal(&rec.f[0], &rec.f[1], sizeof(f));
}

/* ------------------------------------------------------------------ */
/* A grow-on-fault heap through the page-table module                  */

#define HEAP_VA    (4 * SZ_1G)
#define HEAP_CHUNK (64 * 1024ull)
#define HEAP_LIMIT (4 * HEAP_CHUNK)

struct heap {
	struct gpuvm_pt *pt;
	uint64_t backing;         /* HEAP_LIMIT bytes of frames */
	unsigned int grown, calls;
};

/* Maps the chunk holding the fault, if it is inside the limit. */
static int heap_hook(void *cookie, struct gpuvm_mmu_as *as,
		     const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct heap *h = cookie;
	uint64_t chunk = f->addr & ~(HEAP_CHUNK - 1);
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;

	(void)retries;
	h->calls++;
	if (f->kind != GPUVM_MMU_FAULT_TRANSLATION || f->addr < HEAP_VA ||
	    f->addr >= HEAP_VA + HEAP_LIMIT)
		return GPUVM_MMU_FAULT_REPORT;
	gpuvm_pt_linear_init(&lin, HEAP_VA, h->backing);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(h->pt, chunk, HEAP_CHUNK, &lin.src, 0,
				      &g), 0);
	/* A fresh map changes no valid entry: nothing to invalidate. */
	assert_true(gpuvm_pt_gather_empty(&g));
	flush_gather(as, h->pt, &g);
	h->grown++;
	return GPUVM_MMU_FAULT_RETRY;
}

static void heap_run(bool concurrent)
{
	struct gpuvm_mem *mem = mem_new(256 * SZ_1M);
	struct gpuvm_pt_cfg pc = { .mem = mem, .va_bits = 48,
				   .pgsizes = SZ_4K | SZ_2M };
	struct gpuvm_mmu_as_cfg ac = { .mem = mem, .va_bits = 48,
				       .concurrent = concurrent };
	size_t big = 2 * HEAP_CHUNK + 100;
	unsigned char *w = malloc(big), *r = malloc(big);
	struct gpuvm_mmu_fault f;
	struct gpuvm_mmu_stats st;
	struct gpuvm_mmu_as *as;
	struct heap h = { 0 };
	uint64_t v = 0xfeedull;

	assert_non_null(w);
	assert_non_null(r);
	assert_int_equal(gpuvm_pt_create(&pc, &h.pt), 0);
	assert_int_equal(gpuvm_mem_alloc(mem, HEAP_LIMIT, GPUVM_MEM_BO,
					 &h.backing), 0);
	ac.root = gpuvm_pt_root(h.pt);
	assert_int_equal(gpuvm_mmu_as_create(&ac, &as), 0);
	assert_int_equal(gpuvm_mmu_set_fault_hook(as, heap_hook, &h), 0);

	/* One word: one chunk grows. */
	assert_int_equal(gpuvm_mmu_write(as, HEAP_VA + 0x10, &v, 8, &f), 0);
	assert_int_equal(h.grown, 1);
	assert_int_equal(h.calls, 1);
	assert_int_equal(gpuvm_mem_read64(mem, h.backing + 0x10), v);

	/* Across chunks 1..3 from inside chunk 1: three more grow. */
	fill(w, big, 11);
	assert_int_equal(gpuvm_mmu_write(as, HEAP_VA + HEAP_CHUNK + 50, w, big,
					 &f), 0);
	assert_int_equal(h.grown, 4);
	assert_int_equal(h.calls, 4);
	assert_int_equal(gpuvm_mmu_read(as, HEAP_VA + HEAP_CHUNK + 50, r, big,
					&f), 0);
	assert_memory_equal(r, w, big);
	assert_pa_bytes(mem, h.backing + HEAP_CHUNK + 50, w, big);

	/* Past the limit: the hook reports, the write faults there. */
	assert_int_equal(gpuvm_mmu_write(as, HEAP_VA + HEAP_LIMIT - 4, &v, 8,
					 &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_WRITE,
		     HEAP_VA + HEAP_LIMIT, 3);
	assert_int_equal(h.grown, 4);
	assert_int_equal(h.calls, 5);
	/* Nothing of it was written. */
	assert_int_equal(gpuvm_mem_read64(mem, h.backing + HEAP_LIMIT - 8), 0);

	gpuvm_mmu_stats(as, &st);
	assert_int_equal(st.faults, 5);
	assert_int_equal(st.retries, 4);
	assert_int_equal(gpuvm_mmu_tlb_verify(as), 0);
	assert_int_equal(gpuvm_pt_validate(h.pt, stderr), 0);

	gpuvm_mmu_as_destroy(as);
	gpuvm_pt_destroy(h.pt);
	gpuvm_mem_free(mem, h.backing, HEAP_LIMIT, GPUVM_MEM_BO);
	mem_check(mem);
	gpuvm_mem_destroy(mem);
	free(w);
	free(r);
}

static void test_hook_heap(void **state)
{
	(void)state;
	heap_run(false);
}

static void test_hook_heap_concurrent(void **state)
{
	(void)state;
	heap_run(true);
}

/*
 * Several threads fault on the same heap at once: each may call the hook
 * for a chunk another thread is growing or has grown. The hook
 * serialises the page table (one transaction at a time) and treats a
 * chunk already grown as done: every write lands, every chunk is mapped
 * exactly once.
 */
#define MT_THREADS 4
#define MT_CHUNKS  16
#define MT_PAGES   (MT_CHUNKS * HEAP_CHUNK / SZ_4K)

struct mt_heap {
	struct gpuvm_pt *pt;
	struct gpuvm_mmu_as *as;
	uint64_t backing;
	pthread_mutex_t lock;
	bool grown[MT_CHUNKS];
	unsigned int maps, calls;
};

static int mt_hook(void *cookie, struct gpuvm_mmu_as *as,
		   const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct mt_heap *h = cookie;
	uint64_t i = (f->addr - HEAP_VA) / HEAP_CHUNK;
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	int ret = GPUVM_MMU_FAULT_RETRY;

	(void)retries;
	pthread_mutex_lock(&h->lock);
	h->calls++;
	if (f->kind != GPUVM_MMU_FAULT_TRANSLATION || f->addr < HEAP_VA ||
	    i >= MT_CHUNKS) {
		ret = GPUVM_MMU_FAULT_REPORT;
	} else if (!h->grown[i]) {
		gpuvm_pt_linear_init(&lin, HEAP_VA, h->backing);
		gpuvm_pt_gather_init(&g);
		h->grown[i] = !gpuvm_pt_map(h->pt, HEAP_VA + i * HEAP_CHUNK,
					    HEAP_CHUNK, &lin.src, 0, &g);
		flush_gather(as, h->pt, &g);
		if (!h->grown[i])
			ret = GPUVM_MMU_FAULT_REPORT;
		h->maps++;
	}
	pthread_mutex_unlock(&h->lock);
	return ret;
}

struct mt_writer {
	struct mt_heap *h;
	unsigned int id;
	int ret;
};

/* Writes (id << 32 | page) into every page, in an order of its own. */
static void *mt_main(void *p)
{
	struct mt_writer *w = p;

	for (uint64_t k = 0; k < MT_PAGES && !w->ret; k++) {
		uint64_t page = (k * (2 * w->id + 1) + w->id * 7) % MT_PAGES;
		uint64_t v = (uint64_t)w->id << 32 | page;

		w->ret = gpuvm_mmu_write(w->h->as, HEAP_VA + page * SZ_4K +
					 8 * w->id, &v, 8, NULL);
	}
	return NULL;
}

static void test_hook_heap_threads(void **state)
{
	struct gpuvm_mem *mem = mem_new(256 * SZ_1M);
	struct gpuvm_pt_cfg pc = { .mem = mem, .va_bits = 48,
				   .pgsizes = SZ_4K };
	struct gpuvm_mmu_as_cfg ac = { .mem = mem, .va_bits = 48,
				       .concurrent = true };
	struct mt_writer w[MT_THREADS];
	pthread_t t[MT_THREADS];
	struct gpuvm_mmu_stats st;
	struct mt_heap h = { 0 };

	(void)state;
	pthread_mutex_init(&h.lock, NULL);
	assert_int_equal(gpuvm_pt_create(&pc, &h.pt), 0);
	assert_int_equal(gpuvm_mem_alloc(mem, MT_CHUNKS * HEAP_CHUNK,
					 GPUVM_MEM_BO, &h.backing), 0);
	ac.root = gpuvm_pt_root(h.pt);
	assert_int_equal(gpuvm_mmu_as_create(&ac, &h.as), 0);
	assert_int_equal(gpuvm_mmu_set_fault_hook(h.as, mt_hook, &h), 0);
	for (unsigned int i = 0; i < MT_THREADS; i++) {
		w[i] = (struct mt_writer){ .h = &h, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, mt_main, &w[i]),
				 0);
	}
	for (unsigned int i = 0; i < MT_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].ret, 0);
	}
	assert_int_equal(h.maps, MT_CHUNKS);
	for (uint64_t page = 0; page < MT_PAGES; page++)
		for (unsigned int i = 0; i < MT_THREADS; i++)
			assert_int_equal(gpuvm_mem_read64(mem, h.backing +
							  page * SZ_4K + 8 * i),
					 (uint64_t)i << 32 | page);
	gpuvm_mmu_stats(h.as, &st);
	assert_int_equal(st.faults, h.calls);
	assert_int_equal(st.retries, h.calls);
	assert_true(h.calls >= MT_CHUNKS);
	assert_int_equal(gpuvm_mmu_tlb_verify(h.as), 0);
	assert_int_equal(gpuvm_pt_validate(h.pt, stderr), 0);
	gpuvm_mmu_as_destroy(h.as);
	gpuvm_pt_destroy(h.pt);
	gpuvm_mem_free(mem, h.backing, MT_CHUNKS * HEAP_CHUNK, GPUVM_MEM_BO);
	mem_check(mem);
	gpuvm_mem_destroy(mem);
	pthread_mutex_destroy(&h.lock);
}

/* ------------------------------------------------------------------ */
/* Fault kinds, permission faults, translations and host pointers      */

/* The hook sees each kind with its access, address and level. */
static void test_hook_kinds(void **state)
{
	struct env *e = *state;
	uint64_t ro = 0x200000, xn = 0x201000, noaf = 0x202000, v = 1;
	unsigned int top = gpuvm_pt_start_level_for(e->va_bits);
	struct rec rec;

	map(e, ro, frame(e, SZ_4K), 3, ATTRS | GPUVM_PTE_AP_RDONLY);
	map(e, xn, frame(e, SZ_4K), 3, ATTRS | GPUVM_PTE_XN);
	map(e, noaf, frame(e, SZ_4K), 3, ATTRS & ~GPUVM_PTE_AF);
	rec_set(e, &rec, GPUVM_MMU_FAULT_REPORT);
	assert_int_equal(gpuvm_mmu_write(e->as, ro + 8, &v, 8, NULL), -EFAULT);
	assert_int_equal(gpuvm_mmu_fetch(e->as, xn, &v, 8, NULL), -EFAULT);
	assert_int_equal(gpuvm_mmu_read(e->as, noaf + 4, &v, 4, NULL),
			 -EFAULT);
	assert_int_equal(gpuvm_mmu_read(e->as, 1ull << e->va_bits, &v, 1,
					NULL), -EFAULT);
	assert_int_equal(gpuvm_mmu_read(e->as, HOLE, &v, 1, NULL), -EFAULT);
	assert_int_equal(rec.calls, 5);
	assert_fault(&rec.f[0], GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_WRITE,
		     ro + 8, 3);
	assert_fault(&rec.f[1], GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_EXEC,
		     xn, 3);
	assert_fault(&rec.f[2], GPUVM_MMU_FAULT_ACCESS_FLAG, GPUVM_MMU_READ,
		     noaf + 4, 3);
	assert_fault(&rec.f[3], GPUVM_MMU_FAULT_ADDRESS_SIZE, GPUVM_MMU_READ,
		     1ull << e->va_bits, top);
	/* HOLE shares the level-0 entry of the pages above: level 1. */
	assert_fault(&rec.f[4], GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_READ,
		     HOLE, 1);
	assert_int_equal(v, 1);
}

/* A hook that only flips the permission of a cached page. */
struct perm {
	struct env *e;
	uint64_t va, pa;
	bool invalidate;
	unsigned int calls;
};

static int perm_hook(void *cookie, struct gpuvm_mmu_as *as,
		     const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct perm *p = cookie;

	(void)retries;
	assert_int_equal(f->kind, GPUVM_MMU_FAULT_PERMISSION);
	p->calls++;
	map(p->e, p->va, p->pa, 3, ATTRS);
	if (p->invalidate)
		gpuvm_mmu_invalidate(as, p->va, SZ_4K);
	return GPUVM_MMU_FAULT_RETRY;
}

/*
 * A permission fault's leaf is cached: made writable without an
 * invalidation the retry keeps faulting on the cached descriptor (until
 * the bound); with it, the retry succeeds.
 */
static void test_hook_permission_invalidate(void **state)
{
	struct env *e = *state;
	struct perm p = { .e = e, .va = 0x300000 };
	struct gpuvm_mmu_fault f;
	uint64_t v = 5;

	p.pa = frame(e, SZ_4K);
	map(e, p.va, p.pa, 3, ATTRS | GPUVM_PTE_AP_RDONLY);
	assert_int_equal(gpuvm_mmu_set_fault_hook(e->as, perm_hook, &p), 0);
	assert_int_equal(gpuvm_mmu_write(e->as, p.va, &v, 8, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_WRITE, p.va, 3);
	assert_int_equal(p.calls, GPUVM_MMU_FAULT_RETRIES + 1);
	assert_int_equal(gpuvm_mem_read64(e->mem, p.pa), 0);
	assert_int_equal(gpuvm_mmu_tlb_verify(e->as), 1); /* the stale entry */

	/* Read-only again, cached again; this time the hook invalidates. */
	gpuvm_mmu_invalidate(e->as, p.va, SZ_4K);
	map(e, p.va, p.pa, 3, ATTRS | GPUVM_PTE_AP_RDONLY);
	p.calls = 0;
	p.invalidate = true;
	assert_int_equal(gpuvm_mmu_write(e->as, p.va, &v, 8, &f), 0);
	assert_int_equal(p.calls, 1);
	assert_int_equal(gpuvm_mem_read64(e->mem, p.pa), v);
}

/* In checked mode the forgotten invalidation is caught as -ESTALE. */
static void test_hook_permission_checked(void **state)
{
	struct env *e = *state;
	struct perm p = { .e = e, .va = 0x300000 };
	struct gpuvm_mmu_fault f;
	struct gpuvm_mmu_stats st;
	uint64_t v = 5;

	p.pa = frame(e, SZ_4K);
	map(e, p.va, p.pa, 3, ATTRS | GPUVM_PTE_AP_RDONLY);
	assert_int_equal(gpuvm_mmu_set_fault_hook(e->as, perm_hook, &p), 0);
	memset(&f, 0, sizeof(f));
	assert_int_equal(gpuvm_mmu_write(e->as, p.va, &v, 8, &f), -ESTALE);
	assert_int_equal(p.calls, 1);
	gpuvm_mmu_stats(e->as, &st);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.faults, 1);
	assert_int_equal(st.retries, 1);
	/* The stale entry was dropped: the next write walks and succeeds. */
	assert_int_equal(gpuvm_mmu_write(e->as, p.va, &v, 8, &f), 0);
	assert_int_equal(p.calls, 1);
	assert_int_equal(gpuvm_mem_read64(e->mem, p.pa), v);
}

/* gpuvm_mmu_translate() and gpuvm_mmu_hptr_get() retry the same way. */
static void test_hook_translate_hptr(void **state)
{
	struct env *e = *state;
	uint64_t pa = frame(e, 2 * SZ_4K);
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_hptr h;
	struct gpuvm_mmu_fault f;
	struct rec rec;
	uint64_t *p;

	map(e, HOLE + 2 * SZ_4K, frame(e, SZ_4K), 3, ATTRS); /* tables */
	rec_set(e, &rec, GPUVM_MMU_FAULT_RETRY);
	rec.map_pa = pa;
	rec.map_until = 2;
	assert_int_equal(gpuvm_mmu_translate(e->as, HOLE + 0x123,
					     GPUVM_MMU_READ, &x, &f), 0);
	assert_int_equal(x.pa, pa + 0x123);
	assert_int_equal(rec.calls, 1);
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, HOLE + SZ_4K + 8,
					    GPUVM_MMU_WRITE, &h, &f), 0);
	assert_int_equal(rec.calls, 2);
	assert_fault(&rec.f[1], GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_WRITE,
		     HOLE + SZ_4K + 8, 3);
	p = gpuvm_mmu_hptr_at(&h, HOLE + SZ_4K + 8, 8);
	assert_non_null(p);
	*p = 0xabcdef;
	assert_int_equal(gpuvm_mem_read64(e->mem, pa + SZ_4K + 8), 0xabcdef);
	/* Past the pages the hook maps: it retries to the bound, then -EFAULT. */
	assert_int_equal(gpuvm_mmu_translate(e->as, HOLE + 3 * SZ_4K,
					     GPUVM_MMU_READ, &x, &f), -EFAULT);
	assert_int_equal(rec.calls, 2 + GPUVM_MMU_FAULT_RETRIES + 1);
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, HOLE + 3 * SZ_4K,
					    GPUVM_MMU_READ, &h, NULL),
			 -EFAULT);
	assert_int_equal(rec.calls, 2 + 2 * (GPUVM_MMU_FAULT_RETRIES + 1));
}

/* ------------------------------------------------------------------ */
/* Concurrent mode: no lock held, locked regions                        */

struct conc {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	struct gpuvm_mmu_as *as;
	uint64_t data;            /* 64 KiB of frames */
	unsigned int calls;
};

static void conc_init(struct conc *c)
{
	struct gpuvm_pt_cfg pc = { .va_bits = 48, .pgsizes = SZ_4K };
	struct gpuvm_mmu_as_cfg ac = { .va_bits = 48, .concurrent = true };

	memset(c, 0, sizeof(*c));
	c->mem = mem_new(64 * SZ_1M);
	pc.mem = ac.mem = c->mem;
	assert_int_equal(gpuvm_pt_create(&pc, &c->pt), 0);
	ac.root = gpuvm_pt_root(c->pt);
	assert_int_equal(gpuvm_mmu_as_create(&ac, &c->as), 0);
	assert_int_equal(gpuvm_mem_alloc(c->mem, 64 * 1024, GPUVM_MEM_BO,
					 &c->data), 0);
}

static void conc_fini(struct conc *c)
{
	gpuvm_mmu_as_destroy(c->as);
	gpuvm_pt_destroy(c->pt);
	gpuvm_mem_free(c->mem, c->data, 64 * 1024, GPUVM_MEM_BO);
	mem_check(c->mem);
	gpuvm_mem_destroy(c->mem);
}

static void conc_map(struct conc *c, uint64_t va, uint64_t pa)
{
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;

	gpuvm_pt_linear_init(&lin, va, pa);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(c->pt, va, SZ_4K, &lin.src, 0, &g), 0);
	flush_gather(c->as, c->pt, &g);
}

/*
 * The hook calls back into its own address space the way an update
 * does (lock the region, map, invalidate, unlock, read the counters):
 * with the internal lock held this would deadlock.
 */
static int reentrant_hook(void *cookie, struct gpuvm_mmu_as *as,
			  const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct conc *c = cookie;
	struct gpuvm_mmu_stats st;
	uint64_t page = f->addr & ~(SZ_4K - 1);

	(void)retries;
	c->calls++;
	gpuvm_mmu_stats(as, &st);
	assert_int_equal(st.faults, c->calls);
	gpuvm_mmu_lock_region(as, page, SZ_4K);
	conc_map(c, page, c->data);
	gpuvm_mmu_invalidate(as, page, SZ_4K);
	gpuvm_mmu_unlock_region(as);
	return GPUVM_MMU_FAULT_RETRY;
}

static void test_hook_unlocked_concurrent(void **state)
{
	struct conc c;
	uint64_t v = 0x55, r = 0;

	(void)state;
	conc_init(&c);
	assert_int_equal(gpuvm_mmu_set_fault_hook(c.as, reentrant_hook, &c),
			 0);
	assert_int_equal(gpuvm_mmu_write(c.as, SZ_1G + 24, &v, 8, NULL), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(gpuvm_mmu_read(c.as, SZ_1G + 24, &r, 8, NULL), 0);
	assert_int_equal(r, v);
	assert_int_equal(gpuvm_mem_read64(c.mem, c.data + 24), v);
	conc_fini(&c);
}

struct waiter {
	struct conc *c;
	uint64_t va;
	uint64_t value;
	int ret;
	struct gpuvm_mmu_fault f;
};

static void *waiter_main(void *p)
{
	struct waiter *w = p;

	w->ret = gpuvm_mmu_read(w->c->as, w->va, &w->value, 8, &w->f);
	return NULL;
}

static int count_hook(void *cookie, struct gpuvm_mmu_as *as,
		      const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct conc *c = cookie;

	(void)as;
	(void)f;
	(void)retries;
	__atomic_add_fetch(&c->calls, 1, __ATOMIC_RELAXED);
	return GPUVM_MMU_FAULT_REPORT;
}

static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * An access into a locked region waits for the unlock: the page mapped
 * while it waited is what it reads, with no fault and no hook call; a
 * page unmapped meanwhile faults only after the unlock, and the hook
 * sees that fault. (Whether the reader reaches the region before the
 * unlock is up to the scheduler; either way the result is the same,
 * which is the point.)
 */
static void test_fault_in_locked_region(void **state)
{
	struct waiter w = { 0 };
	struct gpuvm_pt_gather g;
	pthread_t t;
	struct conc c;

	(void)state;
	conc_init(&c);
	assert_int_equal(gpuvm_mmu_set_fault_hook(c.as, count_hook, &c), 0);
	gpuvm_mem_write64(c.mem, c.data + 8, 0x77);

	/* Mapped while the reader waits. */
	w.c = &c;
	w.va = SZ_1G + 8;
	gpuvm_mmu_lock_region(c.as, SZ_1G, SZ_4K);
	assert_int_equal(pthread_create(&t, NULL, waiter_main, &w), 0);
	pause_ms(20);
	conc_map(&c, SZ_1G, c.data);
	gpuvm_mmu_unlock_region(c.as);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.ret, 0);
	assert_int_equal(w.value, 0x77);
	assert_int_equal(c.calls, 0);

	/* Unmapped while the reader waits: the fault comes after. */
	w.value = 0;
	gpuvm_mmu_lock_region(c.as, SZ_1G, SZ_4K);
	assert_int_equal(pthread_create(&t, NULL, waiter_main, &w), 0);
	pause_ms(20);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_unmap(c.pt, SZ_1G, SZ_4K, &g), 0);
	flush_gather(c.as, c.pt, &g);
	gpuvm_mmu_unlock_region(c.as);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.ret, -EFAULT);
	assert_fault(&w.f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_READ,
		     SZ_1G + 8, 0);
	assert_int_equal(w.value, 0);
	assert_int_equal(c.calls, 1);
	conc_fini(&c);
}

/* ------------------------------------------------------------------ */
/* Trace hooks                                                         */

#define MAX_EVENTS 1100

struct ev {
	char what;               /* s d e i v f w */
	uint64_t a, b, c, d;
};

struct trace {
	struct ev ev[MAX_EVENTS];
	unsigned int n;
	unsigned int hooked_at;  /* events seen when the fault hook ran */
};

static struct ev *ev_new(struct trace *t, char what)
{
	assert_true(t->n < MAX_EVENTS);
	t->ev[t->n] = (struct ev){ .what = what };
	return &t->ev[t->n++];
}

static void t_start(void *ck, uint64_t va, enum gpuvm_mmu_access acc)
{
	struct ev *e = ev_new(ck, 's');

	e->a = va;
	e->b = acc;
}

static void t_read(void *ck, uint64_t va, unsigned int level, uint64_t pa,
		   uint64_t desc)
{
	struct ev *e = ev_new(ck, 'd');

	e->a = va;
	e->b = level;
	e->c = pa;
	e->d = desc;
}

static void t_end(void *ck, uint64_t va, enum gpuvm_mmu_fault_kind k,
		  unsigned int level, unsigned int reads)
{
	struct ev *e = ev_new(ck, 'e');

	e->a = va;
	e->b = k;
	e->c = level;
	e->d = reads;
}

static void t_insert(void *ck, uint64_t va, uint64_t size, uint64_t pa,
		     uint64_t desc)
{
	struct ev *e = ev_new(ck, 'i');

	e->a = va;
	e->b = size;
	e->c = pa;
	e->d = desc;
}

static void t_inval(void *ck, uint64_t va, uint64_t last, uint64_t dropped)
{
	struct ev *e = ev_new(ck, 'v');

	e->a = va;
	e->b = last;
	e->c = dropped;
}

static void t_fault(void *ck, const struct gpuvm_mmu_fault *f)
{
	struct ev *e = ev_new(ck, 'f');

	e->a = f->kind;
	e->b = f->access;
	e->c = f->addr;
	e->d = f->level;
}

static void t_write(void *ck, uint64_t pa, unsigned int level, uint64_t old,
		    uint64_t desc)
{
	struct ev *e = ev_new(ck, 'w');

	e->a = pa;
	e->b = level;
	e->c = old;
	e->d = desc;
}

static void set_trace(struct gpuvm_mmu_as *as, struct trace *t)
{
	struct gpuvm_mmu_trace tr = {
		.cookie = t, .walk_start = t_start, .desc_read = t_read,
		.walk_end = t_end, .tlb_insert = t_insert,
		.tlb_invalidate = t_inval, .fault = t_fault,
	};

	memset(t, 0, sizeof(*t));
	assert_int_equal(gpuvm_mmu_set_trace(as, &tr), 0);
}

static void expect_ev(const struct trace *t, unsigned int i, char what,
		      uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	assert_true(i < t->n);
	if (t->ev[i].what != what)
		fail_msg("event %u is '%c', want '%c'", i, t->ev[i].what,
			 what);
	assert_int_equal(t->ev[i].a, a);
	assert_int_equal(t->ev[i].b, b);
	assert_int_equal(t->ev[i].c, c);
	assert_int_equal(t->ev[i].d, d);
}

/* Each descriptor a walk of va reads, from the top: n events from i. */
static unsigned int expect_reads(struct env *e, const struct trace *t,
				 unsigned int i, uint64_t va,
				 unsigned int last_level)
{
	unsigned int level = gpuvm_pt_start_level_for(e->va_bits);

	for (; level <= last_level; level++, i++) {
		uint64_t pa = slot(e, va, level);

		expect_ev(t, i, 'd', va, level, pa,
			  gpuvm_mem_read64(e->mem, pa));
	}
	return i;
}

/* A miss: start, four reads, end, insert. A hit: nothing. */
static void test_trace_walk(void **state)
{
	struct env *e = *state;
	uint64_t va = 0x12345000, pa = frame(e, SZ_4K), d, v;
	struct trace *t = calloc(1, sizeof(*t));
	unsigned int i;

	assert_non_null(t);
	d = map(e, va, pa, 3, ATTRS);
	set_trace(e->as, t);
	assert_int_equal(gpuvm_mmu_read(e->as, va + 16, &v, 8, NULL), 0);
	expect_ev(t, 0, 's', va + 16, GPUVM_MMU_READ, 0, 0);
	i = expect_reads(e, t, 1, va + 16, 3);
	assert_int_equal(i, 5);
	expect_ev(t, 5, 'e', va + 16, GPUVM_MMU_FAULT_NONE, 3, 4);
	expect_ev(t, 6, 'i', va, SZ_4K, pa, d);
	assert_int_equal(t->n, 7);

	/* A hit emits nothing. */
	assert_int_equal(gpuvm_mmu_read(e->as, va + 24, &v, 8, NULL), 0);
	assert_int_equal(t->n, 7);

	/* A 2 MiB block: three reads, one insert of the block. */
	pa = frame(e, SZ_2M);
	d = map(e, 0x40200000, pa, 2, ATTRS);
	assert_int_equal(gpuvm_mmu_write(e->as, 0x40212345, &v, 4, NULL), 0);
	expect_ev(t, 7, 's', 0x40212345, GPUVM_MMU_WRITE, 0, 0);
	i = expect_reads(e, t, 8, 0x40212345, 2);
	expect_ev(t, i, 'e', 0x40212345, GPUVM_MMU_FAULT_NONE, 2, 3);
	expect_ev(t, i + 1, 'i', 0x40200000, SZ_2M, pa, d);
	assert_int_equal(t->n, i + 2);

	/* Removed: nothing more. */
	assert_int_equal(gpuvm_mmu_set_trace(e->as, NULL), 0);
	gpuvm_mmu_invalidate_all(e->as);
	assert_int_equal(gpuvm_mmu_read(e->as, va, &v, 8, NULL), 0);
	assert_int_equal(t->n, i + 2);
	free(t);
}

static int trace_fault_hook(void *cookie, struct gpuvm_mmu_as *as,
			    const struct gpuvm_mmu_fault *f,
			    unsigned int retries)
{
	struct trace *t = cookie;

	(void)as;
	(void)f;
	(void)retries;
	t->hooked_at = t->n;
	return GPUVM_MMU_FAULT_REPORT;
}

/* A faulting walk: its reads, its end, the fault, then the hook. */
static void test_trace_fault(void **state)
{
	struct env *e = *state;
	struct trace *t = calloc(1, sizeof(*t));
	uint64_t va = HOLE + 0x10, v;

	assert_non_null(t);
	map(e, HOLE + SZ_2M, frame(e, SZ_4K), 3, ATTRS); /* L0..L2 exist */
	set_trace(e->as, t);
	assert_int_equal(gpuvm_mmu_set_fault_hook(e->as, trace_fault_hook, t),
			 0);
	assert_int_equal(gpuvm_mmu_fetch(e->as, va, &v, 8, NULL), -EFAULT);
	expect_ev(t, 0, 's', va, GPUVM_MMU_EXEC, 0, 0);
	expect_reads(e, t, 1, va, 2);
	/* Level 2's entry for va is empty: the fault is at level 2. */
	expect_ev(t, 4, 'e', va, GPUVM_MMU_FAULT_TRANSLATION, 2, 3);
	expect_ev(t, 5, 'f', GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_EXEC, va,
		  2);
	assert_int_equal(t->n, 6);
	assert_int_equal(t->hooked_at, 6);

	/* Beyond the VA width: no walk, the fault alone. */
	assert_int_equal(gpuvm_mmu_read(e->as, 1ull << e->va_bits, &v, 8,
					NULL), -EFAULT);
	expect_ev(t, 6, 'f', GPUVM_MMU_FAULT_ADDRESS_SIZE, GPUVM_MMU_READ,
		  1ull << e->va_bits, gpuvm_pt_start_level_for(e->va_bits));
	assert_int_equal(t->n, 7);
	free(t);
}

/* Range, whole and root-change invalidations, with what they dropped. */
static void test_trace_invalidate(void **state)
{
	struct env *e = *state;
	struct trace *t = calloc(1, sizeof(*t));
	uint64_t v;

	assert_non_null(t);
	map(e, 0x1000, frame(e, SZ_4K), 3, ATTRS);
	map(e, 0x2000, frame(e, SZ_4K), 3, ATTRS);
	assert_int_equal(gpuvm_mmu_read(e->as, 0x1000, &v, 8, NULL), 0);
	assert_int_equal(gpuvm_mmu_read(e->as, 0x2000, &v, 8, NULL), 0);
	set_trace(e->as, t);
	gpuvm_mmu_invalidate(e->as, 0x1000, SZ_4K);
	expect_ev(t, 0, 'v', 0x1000, 0x1fff, 1, 0);
	gpuvm_mmu_invalidate(e->as, 0x1000, SZ_4K);
	expect_ev(t, 1, 'v', 0x1000, 0x1fff, 0, 0);
	gpuvm_mmu_invalidate(e->as, 0, 0); /* empty: not an invalidation */
	gpuvm_mmu_invalidate_all(e->as);
	expect_ev(t, 2, 'v', 0, UINT64_MAX, 1, 0);
	assert_int_equal(gpuvm_mmu_read(e->as, 0x2000, &v, 8, NULL), 0);
	t->n = 0;
	gpuvm_mmu_as_set_root(e->as, e->root);
	expect_ev(t, 0, 'v', 0, UINT64_MAX, 1, 0);
	assert_int_equal(gpuvm_mmu_as_update(e->as, e->root, e->va_bits), 0);
	expect_ev(t, 1, 'v', 0, UINT64_MAX, 0, 0);
	assert_int_equal(t->n, 2);
	free(t);
}

/* Checked mode: every hit walks again, and the trace shows those walks. */
static void test_trace_checked(void **state)
{
	struct env *e = *state;
	struct trace *t = calloc(1, sizeof(*t));
	uint64_t va = 0x5000, v;
	unsigned int i;

	assert_non_null(t);
	map(e, va, frame(e, SZ_4K), 3, ATTRS);
	assert_int_equal(gpuvm_mmu_read(e->as, va, &v, 8, NULL), 0);
	set_trace(e->as, t);
	assert_int_equal(gpuvm_mmu_read(e->as, va, &v, 8, NULL), 0);
	expect_ev(t, 0, 's', va, GPUVM_MMU_READ, 0, 0);
	i = expect_reads(e, t, 1, va, 3);
	expect_ev(t, i, 'e', va, GPUVM_MMU_FAULT_NONE, 3, 4);
	assert_int_equal(t->n, i + 1); /* confirmed: no insertion */
	free(t);
}

/* The update call: a new root and width, checked. */
static void test_as_update(void **state)
{
	struct env *e = *state;
	uint64_t root2 = table(e), pa = frame(e, SZ_4K), v = 0;
	struct gpuvm_mmu_fault f;

	/* 39 bits: the walk starts at level 1 of root2. */
	gpuvm_mem_write64(e->mem, pa, 0x99);
	{
		uint64_t l2 = table(e), l3 = table(e);

		gpuvm_mem_write64(e->mem, root2 + 8 * gpuvm_pt_index(SZ_1G, 1),
				  gpuvm_pte_make_table(l2));
		gpuvm_mem_write64(e->mem, l2, gpuvm_pte_make_table(l3));
		gpuvm_mem_write64(e->mem, l3,
				  gpuvm_pte_make_leaf(pa, ATTRS, 3));
	}
	assert_int_equal(gpuvm_mmu_as_update(e->as, root2, 31), -EINVAL);
	assert_int_equal(gpuvm_mmu_as_update(e->as, root2, 49), -EINVAL);
	assert_int_equal(gpuvm_mmu_as_va_bits(e->as), e->va_bits);
	assert_int_equal(gpuvm_mmu_as_update(e->as, root2, 39), 0);
	assert_int_equal(gpuvm_mmu_as_va_bits(e->as), 39);
	assert_int_equal(gpuvm_mmu_read(e->as, SZ_1G, &v, 8, &f), 0);
	assert_int_equal(v, 0x99);
	assert_int_equal(gpuvm_mmu_read(e->as, 1ull << 39, &v, 8, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_ADDRESS_SIZE, GPUVM_MMU_READ,
		     1ull << 39, 1);
	/* Back: the hand-built root at the fixture's width. */
	assert_int_equal(gpuvm_mmu_as_update(e->as, e->root, e->va_bits), 0);
	assert_int_equal(gpuvm_mmu_read(e->as, SZ_1G, &v, 8, &f), -EFAULT);
}

/* ------------------------------------------------------------------ */
/* Descriptor writes (pt)                                              */

struct ptenv {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	uint64_t data;
};

static void ptenv_init(struct ptenv *p, uint64_t pgsizes)
{
	struct gpuvm_pt_cfg pc = { .va_bits = 48, .pgsizes = pgsizes };

	p->mem = mem_new(64 * SZ_1M);
	pc.mem = p->mem;
	assert_int_equal(gpuvm_pt_create(&pc, &p->pt), 0);
	assert_int_equal(gpuvm_mem_alloc(p->mem, SZ_2M, GPUVM_MEM_BO,
					 &p->data), 0);
}

static void ptenv_fini(struct ptenv *p)
{
	gpuvm_pt_destroy(p->pt);
	gpuvm_mem_free(p->mem, p->data, SZ_2M, GPUVM_MEM_BO);
	mem_check(p->mem);
	gpuvm_mem_destroy(p->mem);
}

/* The PA of va's slot at level, following the tables as they are. */
static uint64_t pt_slot(struct ptenv *p, uint64_t va, unsigned int level)
{
	uint64_t t = gpuvm_pt_root(p->pt);

	for (unsigned int l = 0; l < level; l++)
		t = gpuvm_pte_addr(gpuvm_mem_read64(p->mem, t + 8 *
						    gpuvm_pt_index(va, l)));
	return t + 8 * gpuvm_pt_index(va, level);
}

static void set_pt_trace(struct gpuvm_pt *pt, struct trace *t)
{
	struct gpuvm_pt_trace tr = { .cookie = t, .desc_write = t_write };

	memset(t, 0, sizeof(*t));
	assert_int_equal(gpuvm_pt_set_trace(pt, &tr), 0);
}

/*
 * Mapping two pages into empty tables writes bottom-up (each table is
 * complete before it is linked): the leaves, then levels 2, 1, 0.
 * Unmapping writes the leaves to 0, then pruning unlinks the emptied
 * tables, bottom-up again.
 */
static void test_trace_pt_map_unmap(void **state)
{
	struct trace *t = calloc(1, sizeof(*t));
	uint64_t va = 0x7f0000000000ull, s[4], attrs, d0, d1;
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	struct gpuvm_pt_stats st;
	struct ptenv p;

	(void)state;
	assert_non_null(t);
	ptenv_init(&p, SZ_4K);
	set_pt_trace(p.pt, t);
	gpuvm_pt_linear_init(&lin, va, p.data);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(p.pt, va, 2 * SZ_4K, &lin.src,
				      GPUVM_PT_PROT_NOEXEC, &g), 0);
	for (unsigned int l = 0; l < 4; l++)
		s[l] = pt_slot(&p, va, l);
	attrs = gpuvm_pt_prot_attrs(GPUVM_PT_PROT_NOEXEC);
	d0 = gpuvm_pte_make_leaf(p.data, attrs, 3);
	d1 = gpuvm_pte_make_leaf(p.data + SZ_4K, attrs, 3);
	expect_ev(t, 0, 'w', s[3], 3, 0, d0);
	expect_ev(t, 1, 'w', s[3] + 8, 3, 0, d1);
	expect_ev(t, 2, 'w', s[2], 2, 0, gpuvm_mem_read64(p.mem, s[2]));
	expect_ev(t, 3, 'w', s[1], 1, 0, gpuvm_mem_read64(p.mem, s[1]));
	expect_ev(t, 4, 'w', s[0], 0, 0, gpuvm_mem_read64(p.mem, s[0]));
	assert_int_equal(t->n, 5);
	gpuvm_pt_stats(p.pt, &st);
	assert_int_equal(st.pte_writes, 5);

	t->n = 0;
	gpuvm_pt_gather_init(&g);
	{
		uint64_t l2 = gpuvm_mem_read64(p.mem, s[2]);
		uint64_t l1 = gpuvm_mem_read64(p.mem, s[1]);
		uint64_t l0 = gpuvm_mem_read64(p.mem, s[0]);

		assert_int_equal(gpuvm_pt_unmap(p.pt, va, 2 * SZ_4K, &g), 0);
		expect_ev(t, 0, 'w', s[3], 3, d0, 0);
		expect_ev(t, 1, 'w', s[3] + 8, 3, d1, 0);
		expect_ev(t, 2, 'w', s[2], 2, l2, 0);
		expect_ev(t, 3, 'w', s[1], 1, l1, 0);
		expect_ev(t, 4, 'w', s[0], 0, l0, 0);
		assert_int_equal(t->n, 5);
	}
	gpuvm_pt_gather_release(p.pt, &g);

	/* Removed: a map writes without events. */
	assert_int_equal(gpuvm_pt_set_trace(p.pt, NULL), 0);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(p.pt, va, SZ_4K, &lin.src, 0, &g), 0);
	assert_int_equal(t->n, 5);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_unmap(p.pt, va, SZ_4K, &g), 0);
	gpuvm_pt_gather_release(p.pt, &g);
	ptenv_fini(&p);
	free(t);
}

/*
 * Copy-on-write of a shared table: mapping one page under a range linked
 * to a shared level-3 table of NULL leaves copies it (512 writes at
 * level 3, each from 0 to the shared entry, in slot order), relinks the
 * level-2 slot to the copy, then writes the page.
 */
static void test_trace_pt_shared_copy(void **state)
{
	struct trace *t = calloc(1, sizeof(*t));
	struct gpuvm_pt_shared *sh;
	struct gpuvm_pt_src nsrc = { 0 };
	struct gpuvm_pt_gather g;
	uint64_t va = SZ_1G, l2slot, old2, copy, shared3;
	struct ptenv p;
	unsigned int i;

	(void)state;
	assert_non_null(t);
	ptenv_init(&p, SZ_4K);
	assert_int_equal(gpuvm_pt_shared_create(p.mem, SZ_4K, NULL,
						GPUVM_PT_PROT_NULL, SZ_4K,
						&sh), 0);
	nsrc.shared = sh;
	gpuvm_pt_gather_init(&g);
	/* 1 GiB of NULL leaves: level-1 slot -> shared level-2 table. */
	assert_int_equal(gpuvm_pt_map(p.pt, va, SZ_1G, &nsrc,
				      GPUVM_PT_PROT_NULL, &g), 0);
	/* Unmap one 2 MiB entry and map NULL again: its level-2 slot now
	 * points at the shared level-3 table, in a private level-2 copy. */
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_unmap(p.pt, va, SZ_2M, &g), 0);
	gpuvm_pt_gather_release(p.pt, &g);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(p.pt, va, SZ_2M, &nsrc,
				      GPUVM_PT_PROT_NULL, &g), 0);
	gpuvm_pt_gather_release(p.pt, &g);
	l2slot = pt_slot(&p, va, 2);
	shared3 = gpuvm_pte_addr(gpuvm_mem_read64(p.mem, l2slot));
	old2 = gpuvm_mem_read64(p.mem, l2slot);

	/* Replace one NULL page with memory: copy, relink, write. */
	set_pt_trace(p.pt, t);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_unmap(p.pt, va, SZ_4K, &g), 0);
	copy = gpuvm_pte_addr(gpuvm_mem_read64(p.mem, l2slot));
	assert_true(copy != shared3);
	assert_int_equal(t->n, 512 + 2);
	for (i = 0; i < 512; i++)
		expect_ev(t, i, 'w', copy + 8 * i, 3, 0,
			  gpuvm_mem_read64(p.mem, shared3 + 8 * i));
	expect_ev(t, 512, 'w', l2slot, 2, old2, gpuvm_pte_make_table(copy));
	expect_ev(t, 513, 'w', copy, 3,
		  gpuvm_mem_read64(p.mem, shared3), 0);
	gpuvm_pt_gather_release(p.pt, &g);

	gpuvm_pt_destroy(p.pt);
	p.pt = NULL;
	assert_int_equal(gpuvm_pt_shared_destroy(sh), 0);
	ptenv_fini(&p);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MMU_TEST(test_hook_maps_and_retries, 48),
		MMU_TEST(test_hook_reports, 48),
		MMU_TEST(test_hook_retry_bound, 40),
		MMU_TEST(test_hook_retry_progress, 48),
		cmocka_unit_test(test_hook_heap),
		cmocka_unit_test(test_hook_heap_concurrent),
		cmocka_unit_test(test_hook_heap_threads),
		MMU_TEST(test_hook_kinds, 48),
		MMU_TEST(test_hook_permission_invalidate, 48),
		MMU_TEST_CFG(test_hook_permission_checked, 48, 0, true),
		MMU_TEST(test_hook_translate_hptr, 48),
		cmocka_unit_test(test_hook_unlocked_concurrent),
		cmocka_unit_test(test_fault_in_locked_region),
		MMU_TEST(test_trace_walk, 48),
		MMU_TEST(test_trace_fault, 48),
		MMU_TEST(test_trace_invalidate, 48),
		MMU_TEST_CFG(test_trace_checked, 48, 0, true),
		MMU_TEST(test_as_update, 48),
		cmocka_unit_test(test_trace_pt_map_unmap),
		cmocka_unit_test(test_trace_pt_shared_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
