// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the page-table tests in tests/pt/: the failure
 * context and EXPECT_* macros, size and page-size-set shorthands, the
 * struct env (one mem + one pt, with the top table placed on purpose)
 * with its set-up, statistics, maps and teardown, and for the randomized
 * tests the generator, the fragmented source and the reference model
 * (struct pt_model: every 4 KiB page of a window against the tables).
 * The mem layer's helpers (sizes, mem_new, ...) come with mem_test.h.
 *
 * Everything is a macro or a static inline function, so a test that
 * does not use a helper does not warn about it (ctx is the one static
 * object; each test is its own executable). A test whose helper of the
 * same name works differently defines PT_TEST_OWN_<NAME> before
 * including this header and keeps its own version; PT_TEST_OWN_ENV
 * drops the whole struct env section. PT_TEST_CTX_SIZE sets the size of
 * ctx (default 512).
 */
#ifndef GPUVM_TESTS_PT_TEST_H
#define GPUVM_TESTS_PT_TEST_H

#include "../mem/mem_test.h"
#include "../util/util_test.h"

#include "gpuvm/pt.h"

#define SZ_64K (1ull << 16)
#define SZ_512G (1ull << 39)
#define PG_4K GPUVM_PT_PGSIZE_4K
#define PG_4K_2M (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M)
#define PG_4K_1G (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_1G)
#define PG_ALL (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M | GPUVM_PT_PGSIZE_1G)

#ifndef PT_TEST_CTX_SIZE
#define PT_TEST_CTX_SIZE 512
#endif

/* What the current check is about; every failure message starts with it. */
static char ctx[PT_TEST_CTX_SIZE];

#define CTX(...) snprintf(ctx, sizeof(ctx), __VA_ARGS__)

#define EXPECT_U64(actual, expected)                                         \
	do {                                                                 \
		uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected); \
		if (a_ != e_)                                                \
			fail_msg("%s:%d: [%s] %s = %" PRIu64 " (0x%" PRIx64  \
				 "), expected %" PRIu64 " (0x%" PRIx64 ")",  \
				 __FILE__, __LINE__, ctx, #actual, a_, a_,   \
				 e_, e_);                                    \
	} while (0)

#define EXPECT_INT(actual, expected)                                         \
	do {                                                                 \
		long long a_ = (long long)(actual),                          \
			  e_ = (long long)(expected);                        \
		if (a_ != e_)                                                \
			fail_msg("%s:%d: [%s] %s = %lld, expected %lld",     \
				 __FILE__, __LINE__, ctx, #actual, a_, e_);  \
	} while (0)

#define EXPECT_TRUE(cond)                                                    \
	do {                                                                 \
		if (!(cond))                                                 \
			fail_msg("%s:%d: [%s] %s is false", __FILE__,        \
				 __LINE__, ctx, #cond);                      \
	} while (0)

#ifndef PT_TEST_OWN_ENV
/* ------------------------------------------------------------------ */
/* Environment                                                         */

/* lname (the layout's name for messages) is set by test_pt_matrix.c. */
struct env {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	unsigned int va_bits;
	uint64_t pgsizes;
	const char *lname;
};

/*
 * Where table pages go. PA 0 is a frame like any other, and code that
 * uses 0 as "no table" breaks only when a table lands there, so both
 * placements are set up deliberately rather than left to the allocator
 * (each test's env_init):
 *
 * LAYOUT_HIGH: 4 GiB + 64 MiB of memory whose first 4 GiB is taken by
 * 1 GiB BO blocks before the pt exists: every table lives above 4 GiB.
 * LAYOUT_ROOT0: 32 MiB of memory, every frame but PA 0 taken while the
 * pt is created: the top table is at PA 0; the rest is then freed.
 */
enum layout { LAYOUT_HIGH, LAYOUT_ROOT0 };

static inline const char *layout_name(enum layout l)
{
	return l == LAYOUT_HIGH ? "tables above 4 GiB" : "top table at PA 0";
}

#ifdef PT_TEST_OWN_PT_FRAMES
static uint64_t pt_frames(const struct env *e);
#else
static inline uint64_t pt_frames(const struct env *e)
{
	struct gpuvm_mem_stats ms;

	gpuvm_mem_stats(e->mem, &ms);
	return ms.frames_by_purpose[GPUVM_MEM_PT];
}
#endif

static inline void get_stats(const struct env *e, struct gpuvm_pt_stats *st)
{
	memset(st, 0, sizeof(*st));
	gpuvm_pt_stats(e->pt, st);
}

static inline uint64_t table_pages(const struct env *e)
{
	struct gpuvm_pt_stats st;

	get_stats(e, &st);
	return st.table_pages;
}

#ifdef PT_TEST_OWN_CHECK_VALID
static void check_valid(const struct env *e);
#else
static inline void check_valid(const struct env *e)
{
	EXPECT_INT(gpuvm_pt_validate(e->pt, stderr), 0);
}
#endif

/* No transaction open: every PT frame in mem is a table in use. */
static inline void check_quiescent(const struct env *e)
{
	EXPECT_U64(pt_frames(e), table_pages(e));
	check_valid(e);
}

static inline void env_fini(struct env *e)
{
	gpuvm_pt_destroy(e->pt);
	EXPECT_U64(pt_frames(e), 0);
	EXPECT_INT(gpuvm_mem_validate(e->mem, stderr), 0);
	gpuvm_mem_destroy(e->mem);
	e->pt = NULL;
	e->mem = NULL;
}

static inline void check_unmapped(const struct env *e, uint64_t iova)
{
	struct gpuvm_pt_walk w;

	EXPECT_INT(gpuvm_pt_iova_to_phys(e->pt, iova, &w), -ENOENT);
}

/* A mem and a pt with the top table where layout says. */
static inline void env_init(struct env *e, enum layout layout,
			    unsigned int va_bits, uint64_t pgsizes)
{
	struct gpuvm_mem_cfg mc = {
		.size = layout == LAYOUT_HIGH ? 4 * SZ_1G + 64 * SZ_1M :
						32 * SZ_1M,
	};
	struct gpuvm_pt_cfg pc = { .va_bits = va_bits, .pgsizes = pgsizes };
	uint64_t pa, *fill = NULL, n = 0, i;
	bool got0 = false;

	e->va_bits = va_bits;
	e->pgsizes = pgsizes;
	e->lname = layout_name(layout);
	EXPECT_INT(gpuvm_mem_create(&mc, &e->mem), 0);
	pc.mem = e->mem;
	if (layout == LAYOUT_HIGH) {
		while (!gpuvm_mem_alloc(e->mem, SZ_1G, GPUVM_MEM_BO, &pa))
			got0 |= pa == 0;
		EXPECT_TRUE(got0);
		EXPECT_INT(gpuvm_pt_create(&pc, &e->pt), 0);
		EXPECT_TRUE(gpuvm_pt_root(e->pt) >= 4 * SZ_1G);
		return;
	}
	fill = malloc(mc.size / SZ_4K * sizeof(*fill));
	assert_non_null(fill);
	while (!gpuvm_mem_alloc(e->mem, SZ_4K, GPUVM_MEM_BO, &pa)) {
		if (pa)
			fill[n++] = pa;
		else
			got0 = true;
	}
	EXPECT_TRUE(got0);
	gpuvm_mem_free(e->mem, 0, SZ_4K, GPUVM_MEM_BO);
	EXPECT_INT(gpuvm_pt_create(&pc, &e->pt), 0);
	EXPECT_U64(gpuvm_pt_root(e->pt), 0);
	for (i = 0; i < n; i++)
		gpuvm_mem_free(e->mem, fill[i], SZ_4K, GPUVM_MEM_BO);
	free(fill);
}

/* gpuvm_pt_map from a linear source; a map changes no valid entry. */
static inline int do_map(const struct env *e, uint64_t iova, uint64_t size,
			 uint64_t pa, uint32_t prot)
{
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	int ret;

	gpuvm_pt_linear_init(&lin, iova, pa);
	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_map(e->pt, iova, size, &lin.src, prot, &g);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	EXPECT_U64(g.freed_count, 0);
	return ret;
}

/*
 * cmocka fixture: PT_TEST(f, layout, va_bits, pgsizes) runs f with
 * *state a struct env made by env_init; teardown is env_fini (every
 * table freed, the memory valid).
 */
struct pt_env_cfg {
	enum layout layout;
	unsigned int va_bits;
	uint64_t pgsizes;
};

static inline int pt_setup(void **state)
{
	const struct pt_env_cfg *c = *state;
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	env_init(e, c->layout, c->va_bits, c->pgsizes);
	*state = e;
	return 0;
}

static inline int pt_teardown(void **state)
{
	env_fini(*state);
	free(*state);
	return 0;
}

/* Use in main()'s test array: the cfg lives as long as main. */
#define PT_TEST(f, lay, bits, pgs)                                         \
	cmocka_unit_test_prestate_setup_teardown(                           \
		f, pt_setup, pt_teardown,                                   \
		(&(struct pt_env_cfg){ .layout = (lay), .va_bits = (bits),  \
				       .pgsizes = (pgs) }))

/* gpuvm_pt_unmap + release (there is no MMU here). */
static inline int do_unmap(const struct env *e, uint64_t iova, uint64_t size)
{
	struct gpuvm_pt_gather g;
	int ret;

	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_unmap(e->pt, iova, size, &g);
	gpuvm_pt_gather_release(e->pt, &g);
	return ret;
}
#endif /* PT_TEST_OWN_ENV */

/* ------------------------------------------------------------------ */
/* Page-size sets                                                      */

static inline bool supported(uint64_t pgsizes, unsigned int level)
{
	return level == 3 || (pgsizes & gpuvm_pt_level_size(level));
}

static inline const char *pgs_name(uint64_t pgsizes)
{
	switch (pgsizes) {
	case PG_4K: return "{4K}";
	case PG_4K_2M: return "{4K,2M}";
	case PG_4K_1G: return "{4K,1G}";
	case PG_ALL: return "{4K,2M,1G}";
	default: return "{?}";
	}
}

/* ------------------------------------------------------------------ */
/* Randomized tests: generator and fragmented source                   */

static inline uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return n ? splitmix64(s) % n : 0;
}

/* A fragmented source: up to MAX_PIECES linear pieces. */
#define MAX_PIECES 8
struct frag_src {
	struct gpuvm_pt_src src;
	unsigned int n;
	uint64_t iova[MAX_PIECES + 1]; /* piece i: [iova[i], iova[i + 1]) */
	uint64_t pa[MAX_PIECES];
};

static inline uint64_t frag_pa_at(void *cookie, uint64_t iova,
				  uint64_t *contig)
{
	const struct frag_src *f = cookie;
	unsigned int i;

	for (i = 0; i + 1 < f->n && iova >= f->iova[i + 1]; i++)
		;
	assert_true(iova >= f->iova[0] && iova < f->iova[f->n]);
	*contig = f->iova[i + 1] - iova;
	return f->pa[i] + (iova - f->iova[i]);
}

/*
 * [iova, iova + pages * 4 KiB) in 1..MAX_PIECES pieces cut at random page
 * boundaries, piece i from pa(cookie, its first page).
 */
static inline void frag_build(struct frag_src *f, uint64_t iova,
			      uint64_t pages, uint64_t *seed,
			      uint64_t (*pa)(void *cookie, uint64_t iova),
			      void *cookie)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->src.pa_at = frag_pa_at;
	f->src.cookie = f;
	f->src.shared = NULL;
	f->n = 1 + (unsigned int)rng_below(seed, pages < MAX_PIECES ?
						 pages : MAX_PIECES);
	f->iova[0] = iova;
	f->iova[f->n] = iova + pages * SZ_4K;
	for (i = 1; i < f->n; i++) {
		uint64_t lo = f->iova[i - 1] + SZ_4K;
		uint64_t left = f->n - i; /* pieces still to place */
		uint64_t hi = iova + (pages - left) * SZ_4K;

		f->iova[i] = lo + rng_below(seed, (hi - lo) / SZ_4K + 1) *
				   SZ_4K;
	}
	for (i = 0; i < f->n; i++)
		f->pa[i] = pa(cookie, f->iova[i]);
}

/* Per-4-KiB-page model entry. */
struct mpage {
	uint64_t pa;
	uint8_t mapped;
	uint8_t prot;
};

#ifndef PT_TEST_OWN_ENV
/* ------------------------------------------------------------------ */
/* Reference model of a window                                         */

/*
 * The window [base, base + npages * 4 KiB) of a pt, page by page, and the
 * random run driving it. The run is deterministic: failure messages name
 * the initial seed and the step, which replay it.
 */
struct pt_model {
	struct env e;
	uint64_t base, npages, seed, seed0, step;
	uint64_t pa_align;    /* largest block size in play */
	bool big;             /* 1 GiB-scale sizes */
	bool trace;           /* GPUVM_PT_DIFF_TRACE set: print every step */
	struct mpage *m;
	uint8_t *tab[4];      /* tables seen, per level, window-relative key */
	uint64_t ntab[4];
};

static inline uint64_t pt_model_key(const struct pt_model *d, uint64_t iova,
				    unsigned int l)
{
	unsigned int sh = gpuvm_pt_level_shift(l - 1);

	return (iova >> sh) - (d->base >> sh);
}

static inline void pt_model_init(struct pt_model *d, enum layout layout,
				 unsigned int va_bits, uint64_t pgsizes,
				 uint64_t base, uint64_t size, uint64_t seed,
				 bool big)
{
	unsigned int l;

	memset(d, 0, sizeof(*d));
	d->base = base;
	d->npages = size / SZ_4K;
	d->seed = d->seed0 = seed;
	d->big = big;
	d->trace = getenv("GPUVM_PT_DIFF_TRACE") != NULL;
	d->pa_align = (pgsizes & SZ_1G) ? SZ_1G : SZ_2M;
	env_init(&d->e, layout, va_bits, pgsizes);
	d->m = calloc(d->npages, sizeof(*d->m));
	assert_non_null(d->m);
	for (l = 1; l <= 3; l++) {
		d->ntab[l] = pt_model_key(d, base + size - 1, l) + 1;
		d->tab[l] = calloc(d->ntab[l], 1);
		assert_non_null(d->tab[l]);
	}
}

static inline void pt_model_fini(struct pt_model *d)
{
	unsigned int l;

	for (l = 1; l <= 3; l++)
		free(d->tab[l]);
	free(d->m);
	env_fini(&d->e);
}

/* One page the model says is mapped: the leaf, the PA and the attributes. */
static inline void pt_model_check_leaf(const struct pt_model *d,
				       uint64_t iova, uint64_t off,
				       const struct mpage *p,
				       const struct gpuvm_pt_walk *w)
{
	unsigned int start = gpuvm_pt_start_level(d->e.pt);
	uint64_t lsize = gpuvm_pt_level_size(w->level);

	if (w->level < start || w->level > 3 ||
	    !supported(d->e.pgsizes, w->level))
		fail_msg("[%s] page 0x%" PRIx64 ": leaf level %u", ctx, iova,
			 w->level);
	if (p->prot & GPUVM_PT_PROT_NULL) {
		if (gpuvm_pte_addr(w->desc) ||
		    w->pa != ((iova + off) & (lsize - 1)))
			fail_msg("[%s] page 0x%" PRIx64 ": NULL leaf desc 0x%"
				 PRIx64 " pa 0x%" PRIx64, ctx, iova, w->desc,
				 w->pa);
	} else if (w->pa != p->pa + off) {
		fail_msg("[%s] page 0x%" PRIx64 ": pa 0x%" PRIx64 " (level %u),"
			 " model 0x%" PRIx64, ctx, iova, w->pa - off, w->level,
			 p->pa);
	}
	if (!!(w->desc & GPUVM_PTE_AP_RDONLY) !=
		    !!(p->prot & GPUVM_PT_PROT_READONLY) ||
	    !!(w->desc & GPUVM_PTE_XN) != !!(p->prot & GPUVM_PT_PROT_NOEXEC) ||
	    !!(w->desc & GPUVM_PTE_PXN) != !!(p->prot & GPUVM_PT_PROT_NOEXEC) ||
	    !!(w->desc & GPUVM_PTE_SW_NULL) !=
		    !!(p->prot & GPUVM_PT_PROT_NULL) ||
	    !!(w->desc & GPUVM_PTE_ATTRINDX_MASK) !=
		    !!(p->prot & GPUVM_PT_PROT_UNCACHED) ||
	    !(w->desc & GPUVM_PTE_AF))
		fail_msg("[%s] page 0x%" PRIx64 ": desc 0x%" PRIx64
			 " (level %u) vs model prot 0x%x", ctx, iova, w->desc,
			 w->level, p->prot);
	if (!(iova & (lsize - 1)) &&
	    iova + lsize > d->base + d->npages * SZ_4K)
		fail_msg("[%s] leaf at 0x%" PRIx64 " level %u leaves the "
			 "window", ctx, iova, w->level);
}

/*
 * Every page of the window against the model, translated at a varying
 * offset inside the page if offsets is set; exact leaf, NULL-leaf and
 * table counts (every unmap prunes: a table exists iff a leaf below it
 * does), and the pt quiescent and valid.
 */
static inline void pt_model_check(struct pt_model *d, bool offsets)
{
	unsigned int start = gpuvm_pt_start_level(d->e.pt), l;
	uint64_t i, leaves[3] = { 0, 0, 0 }, nulls = 0, tables = 1;
	struct gpuvm_pt_stats st;
	struct gpuvm_pt_walk w;

	for (l = 1; l <= 3; l++)
		memset(d->tab[l], 0, d->ntab[l]);
	for (i = 0; i < d->npages; i++) {
		uint64_t iova = d->base + i * SZ_4K;
		uint64_t off = offsets ? (i * 0x9e5) & 0xfff : 0;
		const struct mpage *p = &d->m[i];
		int ret = gpuvm_pt_iova_to_phys(d->e.pt, iova + off, &w);

		if (!p->mapped) {
			if (ret != -ENOENT)
				fail_msg("[%s] page 0x%" PRIx64 ": model says "
					 "unmapped, iova_to_phys %d (pa 0x%"
					 PRIx64 " level %u)", ctx, iova, ret,
					 ret ? 0 : w.pa, ret ? 0 : w.level);
			continue;
		}
		if (ret)
			fail_msg("[%s] page 0x%" PRIx64 ": model says mapped "
				 "to 0x%" PRIx64 ", iova_to_phys %d", ctx,
				 iova, p->pa, ret);
		pt_model_check_leaf(d, iova, off, p, &w);
		if (!(iova & (gpuvm_pt_level_size(w.level) - 1))) {
			/* first page of its leaf */
			leaves[3 - w.level]++;
			if (p->prot & GPUVM_PT_PROT_NULL)
				nulls++;
		}
		for (l = start + 1; l <= w.level; l++) {
			uint8_t *t = &d->tab[l][pt_model_key(d, iova, l)];

			tables += !*t;
			*t = 1;
		}
	}
	get_stats(&d->e, &st);
	EXPECT_U64(st.leaves[0], leaves[0]);
	EXPECT_U64(st.leaves[1], leaves[1]);
	EXPECT_U64(st.leaves[2], leaves[2]);
	EXPECT_U64(st.null_leaves, nulls);
	EXPECT_U64(st.table_pages, tables);
	EXPECT_U64(pt_frames(&d->e), st.table_pages);
	check_valid(&d->e);
}
#endif /* PT_TEST_OWN_ENV */

#endif /* GPUVM_TESTS_PT_TEST_H */
