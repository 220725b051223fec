// SPDX-License-Identifier: MIT
/*
 * Tests of shared page tables (src/pt/shared.c, and their use: linking,
 * copy-on-write and unlinking in apply.c, counting in resv.c, validation
 * in walk.c), through the public API only.
 *
 * The source is a "dummy": 2 MiB of memory mapped cyclically, VA x ->
 * dummy + (x mod 2 MiB), contiguous to the end of the 2 MiB (what the
 * driver maps sparse ranges with). A fragmented variant swaps its two
 * 1 MiB halves, so no 2 MiB block fits and every level down to 4 KiB
 * pages needs a shared table. NULL leaves are the other periodic source.
 *
 * Expected counts, worked out from src/pt's rules (48-bit VA unless said):
 *
 *  - A set for the contiguous dummy with {4K, 2M}: one level-2 table of
 *    512 2 MiB blocks and one level-1 table of 512 pointers to it. It
 *    maps one whole level-0 entry (512 GiB): 2^18 blocks.
 *  - Linking 1 TiB at 512 GiB: two root descriptors, no table of the pt's
 *    own, need 0, 2^19 logical blocks, 2 links.
 *  - Copy-on-write of a 4 KiB unmap inside a linked 512 GiB entry: the
 *    level-1 table is copied (its 512 pointers to the shared level-2
 *    table become links of the copy: +512, and the root's link goes:
 *    -1), then the level-2 table (-1), then the block splits into a
 *    level-3 table: 3 pages, links +510.
 *
 * A shared table must never be written: the tests keep a byte copy of
 * every shared table and compare it after each change.
 *
 * Two cmocka fixtures: ENV_TEST (a memory with the dummy in it) and
 * COW_TEST (two page tables linking 1 TiB at 512 GiB, the shared tables
 * saved); their teardowns check every table and link is gone. Long
 * scenarios are phases run in order, each a function named for what it
 * checks.
 */
#define PT_TEST_OWN_ENV
#define PT_TEST_CTX_SIZE 256

#include "pt_test.h"
#include "gpuvm/mmu.h"
#include "../mmu/flush_gather.h"

#define MEM_SIZE (256 * SZ_1M)
/* Logical 2 MiB blocks in one 512 GiB entry. */
#define BLOCKS_512G (SZ_512G / SZ_2M)

/* ------------------------------------------------------------------ */
/* Sources                                                             */

struct dsrc {
	struct gpuvm_pt_src src;
	uint64_t base;   /* 2 MiB-aligned PA of the 2 MiB dummy */
	bool swapped;    /* 1 MiB halves swapped: no 2 MiB block fits */
};

static uint64_t dsrc_pa(const struct dsrc *d, uint64_t x, uint64_t *contig)
{
	uint64_t r = x & (SZ_2M - 1);

	if (!d->swapped) {
		*contig = SZ_2M - r;
		return d->base + r;
	}
	if (r < SZ_1M) {
		*contig = SZ_1M - r;
		return d->base + SZ_1M + r;
	}
	*contig = SZ_2M - r;
	return d->base + r - SZ_1M;
}

static uint64_t dsrc_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	return dsrc_pa(cookie, iova, contig);
}

static void dsrc_init(struct dsrc *d, uint64_t base, bool swapped,
		      const struct gpuvm_pt_shared *sh)
{
	memset(d, 0, sizeof(*d));
	d->src.pa_at = dsrc_pa_at;
	d->src.cookie = d;
	d->src.shared = sh;
	d->base = base;
	d->swapped = swapped;
}

static uint64_t dsrc_expect(const struct dsrc *d, uint64_t x)
{
	uint64_t c;

	return dsrc_pa(d, x, &c);
}

/* ------------------------------------------------------------------ */
/* Environment                                                         */

struct env {
	struct gpuvm_mem *mem;
	uint64_t dummy;     /* 2 MiB, 2 MiB-aligned */
	uint64_t pt0;       /* PT frames before any table */
};

static uint64_t pt_frames(const struct env *e)
{
	struct gpuvm_mem_stats ms;

	gpuvm_mem_stats(e->mem, &ms);
	return ms.frames_by_purpose[GPUVM_MEM_PT];
}

static void env_init(struct env *e)
{
	struct gpuvm_mem_cfg mc = { .size = MEM_SIZE };

	memset(e, 0, sizeof(*e));
	assert_int_equal(gpuvm_mem_create(&mc, &e->mem), 0);
	assert_int_equal(gpuvm_mem_alloc(e->mem, SZ_2M, GPUVM_MEM_BO,
					 &e->dummy), 0);
	assert_int_equal(e->dummy & (SZ_2M - 1), 0);
	e->pt0 = pt_frames(e);
	assert_int_equal(e->pt0, 0);
}

static void env_fini(struct env *e)
{
	assert_int_equal(gpuvm_mem_validate(e->mem, stderr), 0);
	gpuvm_mem_destroy(e->mem);
}

static struct gpuvm_pt *pt_new(const struct env *e, unsigned int va_bits,
			       uint64_t pgsizes)
{
	struct gpuvm_pt_cfg pc = { .mem = e->mem, .va_bits = va_bits,
				   .pgsizes = pgsizes };
	struct gpuvm_pt *pt = NULL;

	assert_int_equal(gpuvm_pt_create(&pc, &pt), 0);
	assert_non_null(pt);
	return pt;
}

static struct gpuvm_pt_shared *shared_new(const struct env *e,
					  uint64_t pgsizes,
					  const struct dsrc *d, uint32_t prot,
					  uint64_t period)
{
	struct gpuvm_pt_shared *sh = NULL;

	assert_int_equal(gpuvm_pt_shared_create(e->mem, pgsizes,
						d ? &d->src : NULL, prot,
						period, &sh), 0);
	assert_non_null(sh);
	return sh;
}

static struct gpuvm_pt_stats stats(const struct gpuvm_pt *pt)
{
	struct gpuvm_pt_stats st;

	memset(&st, 0, sizeof(st));
	gpuvm_pt_stats(pt, &st);
	return st;
}

static void expect_leaves(const struct gpuvm_pt *pt, uint64_t tables,
			  uint64_t l4k, uint64_t l2m, uint64_t l1g,
			  uint64_t nulls)
{
	struct gpuvm_pt_stats st = stats(pt);

	EXPECT_U64(st.table_pages, tables);
	EXPECT_U64(st.leaves[0], l4k);
	EXPECT_U64(st.leaves[1], l2m);
	EXPECT_U64(st.leaves[2], l1g);
	EXPECT_U64(st.null_leaves, nulls);
}

static void valid(const struct gpuvm_pt *pt)
{
	EXPECT_INT(gpuvm_pt_validate(pt, stderr), 0);
}

/* The table that holds va's level-`level` entry (walking from the root). */
static uint64_t table_at(const struct env *e, const struct gpuvm_pt *pt,
			 uint64_t va, unsigned int level)
{
	uint64_t t = gpuvm_pt_root(pt), d;
	unsigned int l;

	for (l = gpuvm_pt_start_level(pt); l < level; l++) {
		d = gpuvm_mem_read64(e->mem, t + 8ull * gpuvm_pt_index(va, l));
		EXPECT_TRUE(gpuvm_pte_is_table(d, l));
		t = gpuvm_pte_addr(d);
	}
	return t;
}

static uint64_t desc_of(const struct env *e, uint64_t table, uint64_t va,
			unsigned int level)
{
	return gpuvm_mem_read64(e->mem, table + 8ull * gpuvm_pt_index(va, level));
}

/* ------------------------------------------------------------------ */
/* Shared-table snapshots: they must never change                      */

struct tsnap {
	unsigned int n;
	uint64_t pa[4];
	uint8_t data[4][4096];
};

static void tsnap_add(const struct env *e, struct tsnap *s, uint64_t pa)
{
	assert_true(s->n < 4);
	s->pa[s->n] = pa;
	assert_int_equal(gpuvm_mem_read(e->mem, pa, s->data[s->n], SZ_4K), 0);
	s->n++;
}

static void tsnap_same(const struct env *e, const struct tsnap *s)
{
	static uint8_t now[4096];
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		assert_int_equal(gpuvm_mem_read(e->mem, s->pa[i], now, SZ_4K), 0);
		if (memcmp(now, s->data[i], SZ_4K))
			fail_msg("[%s] shared table %u at 0x%" PRIx64
				 " was written", ctx, i, s->pa[i]);
	}
}

/* ------------------------------------------------------------------ */
/* Transactions with exact counts                                      */

/* Maps in one transaction; the reservation must count exactly need and
 * applying must take exactly need pages. */
static void map_exact(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
		      const struct gpuvm_pt_src *src, uint32_t prot,
		      uint64_t need)
{
	struct gpuvm_pt_resv r = { 0 };
	struct gpuvm_pt_gather g;
	uint64_t t0 = stats(pt).table_pages;

	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_reserve_map(pt, iova, size, src, prot, &r), 0);
	EXPECT_U64(r.need, need);
	EXPECT_INT(gpuvm_pt_resv_fill(pt, &r), 0);
	EXPECT_INT(gpuvm_pt_map_reserved(pt, iova, size, src, prot, &r, &g), 0);
	EXPECT_U64(r.used, need);
	/* Mapping free entries changes no valid entry. */
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	gpuvm_pt_prune(pt, &g);
	EXPECT_U64(g.freed_count, 0);
	gpuvm_pt_gather_release(pt, &g);
	gpuvm_pt_resv_release(pt, &r);
	EXPECT_U64(stats(pt).table_pages, t0 + need);
}

/* Unmaps in one transaction: exact reservation and use, the gather range
 * [gs, ge) and the number of tables freed. */
static void unmap_exact(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			uint64_t need, uint64_t gs, uint64_t ge,
			uint64_t freed)
{
	struct gpuvm_pt_resv r = { 0 };
	struct gpuvm_pt_gather g;
	uint64_t t0 = stats(pt).table_pages;

	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_reserve_unmap(pt, iova, size, &r), 0);
	EXPECT_U64(r.need, need);
	EXPECT_INT(gpuvm_pt_resv_fill(pt, &r), 0);
	EXPECT_INT(gpuvm_pt_unmap_reserved(pt, iova, size, &r, &g), 0);
	EXPECT_U64(r.used, need);
	gpuvm_pt_prune(pt, &g);
	EXPECT_U64(g.start, gs);
	EXPECT_U64(g.end, ge);
	EXPECT_U64(g.freed_count, freed);
	gpuvm_pt_gather_release(pt, &g);
	gpuvm_pt_resv_release(pt, &r);
	EXPECT_U64(stats(pt).table_pages, t0 + need - freed);
}

/* ------------------------------------------------------------------ */
/* Translations                                                        */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
	return rnd_state >> 11;
}

/* va translates to what d maps there, with a leaf of the given level
 * (0: any). */
static void expect_xlat(const struct gpuvm_pt *pt, const struct dsrc *d,
			uint64_t va, unsigned int level)
{
	struct gpuvm_pt_walk w;

	memset(&w, 0, sizeof(w));
	CTX("va 0x%" PRIx64, va);
	EXPECT_INT(gpuvm_pt_iova_to_phys(pt, va, &w), 0);
	EXPECT_U64(w.pa, dsrc_expect(d, va));
	if (level)
		EXPECT_U64(w.level, level);
	EXPECT_TRUE(!gpuvm_pte_is_null(w.desc));
}

static void expect_none(const struct gpuvm_pt *pt, uint64_t va)
{
	struct gpuvm_pt_walk w;

	CTX("va 0x%" PRIx64 " must be unmapped", va);
	EXPECT_INT(gpuvm_pt_iova_to_phys(pt, va, &w), -ENOENT);
}

struct hole {
	uint64_t s, e;
};

/*
 * n random addresses of [s, e) plus both ends translate as d maps them,
 * except inside the holes, which must be unmapped.
 */
static void sample_xlat(const struct gpuvm_pt *pt, const struct dsrc *d,
			uint64_t s, uint64_t e, const struct hole *holes,
			unsigned int nholes, unsigned int n, uint64_t seed)
{
	unsigned int i, j;
	uint64_t va;
	bool in;

	rnd_state = seed;
	for (i = 0; i < n + 2; i++) {
		va = i == n ? s : i == n + 1 ? e - 1 : s + rnd() % (e - s);
		for (j = 0, in = false; j < nholes; j++)
			in |= va >= holes[j].s && va < holes[j].e;
		if (in)
			expect_none(pt, va);
		else
			expect_xlat(pt, d, va, 0);
	}
}

/* ------------------------------------------------------------------ */
/* 1. Building sets                                                    */

static void create_pages(const struct env *e, uint64_t pgsizes,
			 const struct dsrc *d, uint32_t prot, uint64_t period,
			 uint64_t pages)
{
	struct gpuvm_pt_shared *sh;

	CTX("pgsizes 0x%" PRIx64 " prot %u period 0x%" PRIx64, pgsizes, prot,
	    period);
	sh = shared_new(e, pgsizes, d, prot, period);
	EXPECT_U64(gpuvm_pt_shared_pages(sh), pages);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 0);
	EXPECT_U64(pt_frames(e), e->pt0 + pages);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), 0);
	EXPECT_U64(pt_frames(e), e->pt0);
}

static void test_create(void **state)
{
	struct env *e = *state;
	struct dsrc d, frag;

	dsrc_init(&d, e->dummy, false, NULL);
	dsrc_init(&frag, e->dummy, true, NULL);

	/* Contiguous dummy, {4K,2M}: L2 of 512 blocks, L1 of 512 pointers. */
	create_pages(e, PG_4K_2M, &d, 0, SZ_2M, 2);
	/* 1 GiB pages change nothing: the dummy is only 2 MiB contiguous. */
	create_pages(e, PG_ALL, &d, 0, SZ_2M, 2);
	/* Pages only: L1, L2 of pointers, L3 of 512 pages. */
	create_pages(e, PG_4K, &d, 0, SZ_2M, 3);
	/* Halves swapped: no block fits, L3 too. */
	create_pages(e, PG_4K_2M, &frag, 0, SZ_2M, 3);
	create_pages(e, PG_4K_2M, &d, GPUVM_PT_PROT_READONLY |
		     GPUVM_PT_PROT_NOEXEC | GPUVM_PT_PROT_UNCACHED, SZ_2M, 2);
	/* Coarser periods the dummy also has, while each level's range is a
	 * multiple of them. */
	create_pages(e, PG_4K_2M, &d, 0, 4 * SZ_2M, 2);
	create_pages(e, PG_4K_2M, &d, 0, SZ_1G, 2);
	/* A period longer than a level's range: nothing is shared at all,
	 * and the tables built on the way are given back. */
	create_pages(e, PG_4K_2M, &d, 0, 2 * SZ_1G, 0);
	create_pages(e, PG_4K_2M, &d, 0, SZ_512G, 0);
	create_pages(e, PG_4K_2M, &frag, 0, SZ_1T, 0);

	/* NULL: any period; leaves as large as the sizes allow. */
	create_pages(e, PG_ALL, NULL, GPUVM_PT_PROT_NULL, SZ_4K, 1);
	create_pages(e, PG_4K_2M, NULL, GPUVM_PT_PROT_NULL, SZ_4K, 2);
	create_pages(e, PG_4K, NULL, GPUVM_PT_PROT_NULL, SZ_4K, 3);
	create_pages(e, PG_ALL, &d, GPUVM_PT_PROT_NULL | GPUVM_PT_PROT_NOEXEC,
		     SZ_4K, 1);
}

/* Bad periods, prot and sources; out untouched. */
static void test_create_bad_args(void **state)
{
	struct gpuvm_pt_shared *sh = (struct gpuvm_pt_shared *)(uintptr_t)1;
	struct env *e = *state;
	struct dsrc d, nopa;

	dsrc_init(&d, e->dummy, false, NULL);
	CTX("bad arguments");
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, &d.src, 0, 0, &sh),
		   -EINVAL);
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, &d.src, 0, 2048,
					  &sh), -EINVAL);
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, &d.src, 0, 1, &sh),
		   -EINVAL);
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, &d.src, 0,
					  3 * SZ_4K, &sh), -EINVAL);
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, &d.src, 0,
					  3 * SZ_2M, &sh), -EINVAL);
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, NULL,
					  GPUVM_PT_PROT_NULL, SZ_4K + SZ_2M,
					  &sh), -EINVAL);
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, &d.src, 1u << 4,
					  SZ_2M, &sh), -EINVAL);
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, NULL, 0, SZ_2M,
					  &sh), -EINVAL);
	dsrc_init(&nopa, e->dummy, false, NULL);
	nopa.src.pa_at = NULL;
	EXPECT_INT(gpuvm_pt_shared_create(e->mem, PG_4K_2M, &nopa.src, 0, SZ_2M,
					  &sh), -EINVAL);
	EXPECT_TRUE(sh == (struct gpuvm_pt_shared *)(uintptr_t)1);
	EXPECT_U64(pt_frames(e), 0);
	EXPECT_INT(gpuvm_pt_shared_destroy(NULL), 0);
}

/*
 * Fails each of a set's allocations in turn (one per table): nothing is
 * kept; the attempt after the last of them succeeds with those tables.
 */
static void create_enomem(const struct env *e, const struct dsrc *d,
			  const char *what, uint64_t tables)
{
	struct gpuvm_pt_shared *sh;
	uint64_t n;
	int ret;

	for (n = 1;; n++) {
		CTX("%s, fail_nth %" PRIu64, what, n);
		gpuvm_mem_fail_nth_alloc(e->mem, n);
		ret = gpuvm_pt_shared_create(e->mem, PG_4K_2M, &d->src, 0,
					     SZ_2M, &sh);
		gpuvm_mem_fail_nth_alloc(e->mem, 0);
		if (!ret)
			break;
		EXPECT_INT(ret, -ENOMEM);
		EXPECT_U64(pt_frames(e), 0);
	}
	EXPECT_U64(n, tables + 1);
	EXPECT_U64(gpuvm_pt_shared_pages(sh), tables);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), 0);
}

/* Two tables, three for the fragmented dummy. */
static void test_create_enomem(void **state)
{
	struct env *e = *state;
	struct dsrc d, frag;

	dsrc_init(&d, e->dummy, false, NULL);
	dsrc_init(&frag, e->dummy, true, NULL);
	create_enomem(e, &d, "contiguous", 2);
	create_enomem(e, &frag, "fragmented", 3);
	EXPECT_U64(pt_frames(e), 0);
}

/* ------------------------------------------------------------------ */
/* 2. Linking                                                          */

struct leaf_count {
	uint64_t n, bytes, attrs, next_va;
	const struct dsrc *d;
	bool bad;
};

static int count_leaf(void *cookie, uint64_t va, uint64_t size, uint64_t desc)
{
	struct leaf_count *c = cookie;

	if (va != c->next_va || size != SZ_2M ||
	    gpuvm_pte_addr(desc) != dsrc_expect(c->d, va) ||
	    gpuvm_pte_attrs(desc) != c->attrs)
		c->bad = true;
	c->next_va = va + size;
	c->n++;
	c->bytes += size;
	return 0;
}

/* 1 TiB at 512 GiB linked by a, later by b too. */
struct link1t {
	struct env *e;
	struct gpuvm_pt_shared *sh;
	struct dsrc d, s;
	struct gpuvm_pt *a, *b;
	uint64_t l1;            /* the shared level-1 table */
};

/* Exact and worst-case counts: nothing to allocate, two links. */
static void link_1t_counts(struct link1t *t)
{
	struct gpuvm_pt_resv r = { 0 };

	CTX("1 TiB at 512 GiB");
	EXPECT_INT(gpuvm_pt_reserve_map_worst(t->a, SZ_512G, SZ_1T, &t->s.src,
					      0, &r), 0);
	EXPECT_U64(r.need, 0);
	gpuvm_pt_resv_release(t->a, &r);
	map_exact(t->a, SZ_512G, SZ_1T, &t->s.src, 0, 0);
	expect_leaves(t->a, 1, 0, 2 * BLOCKS_512G, 0, 0);
	EXPECT_U64(stats(t->a).leaves[1], 1ull << 19);
	EXPECT_U64(stats(t->a).pte_writes, 2);
	EXPECT_U64(stats(t->a).reserved_peak, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 2);
	EXPECT_U64(pt_frames(t->e), 1 + 2);
	valid(t->a);
}

/*
 * The descriptors: both root entries point at one L1 of 512 pointers to
 * one L2 of 512 dummy blocks.
 */
static void link_1t_descriptors(struct link1t *t)
{
	uint64_t root = gpuvm_pt_root(t->a), l2, dsc;
	uint64_t attrs = gpuvm_pt_prot_attrs(0);
	unsigned int i;

	dsc = gpuvm_mem_read64(t->e->mem, root + 8 * 1);
	EXPECT_TRUE(gpuvm_pte_is_table(dsc, 0));
	t->l1 = gpuvm_pte_addr(dsc);
	EXPECT_U64(gpuvm_mem_read64(t->e->mem, root + 8 * 2), dsc);
	EXPECT_U64(gpuvm_mem_read64(t->e->mem, root), 0);
	EXPECT_U64(gpuvm_mem_read64(t->e->mem, root + 8 * 3), 0);
	dsc = gpuvm_mem_read64(t->e->mem, t->l1);
	EXPECT_TRUE(gpuvm_pte_is_table(dsc, 1));
	l2 = gpuvm_pte_addr(dsc);
	EXPECT_TRUE(t->l1 != root && l2 != root && t->l1 != l2);
	for (i = 0; i < 512; i++) {
		CTX("entry %u", i);
		EXPECT_U64(gpuvm_mem_read64(t->e->mem, t->l1 + 8 * i), dsc);
		EXPECT_U64(gpuvm_mem_read64(t->e->mem, l2 + 8 * i),
			   gpuvm_pte_make_leaf(t->e->dummy, attrs, 2));
	}
}

/*
 * Translations everywhere: dummy + (x mod 2 MiB), 2 MiB blocks; and the
 * leaf walk goes through the shared tables.
 */
static void link_1t_walks(struct link1t *t)
{
	struct leaf_count lc;

	sample_xlat(t->a, &t->d, SZ_512G, SZ_512G + SZ_1T, NULL, 0, 4096, 1);
	expect_xlat(t->a, &t->d, SZ_512G + 5 * SZ_2M + 0x1234, 2);
	expect_xlat(t->a, &t->d, SZ_512G + SZ_1T - 1, 2);
	expect_none(t->a, SZ_512G - 1);
	expect_none(t->a, SZ_512G + SZ_1T);
	expect_none(t->a, 0);

	memset(&lc, 0, sizeof(lc));
	lc.d = &t->d;
	lc.attrs = gpuvm_pt_prot_attrs(0);
	lc.next_va = 600 * SZ_1G;
	CTX("for_each_leaf");
	EXPECT_INT(gpuvm_pt_for_each_leaf(t->a, 600 * SZ_1G, 602 * SZ_1G,
					  count_leaf, &lc), 0);
	EXPECT_U64(lc.n, 1024);
	EXPECT_TRUE(!lc.bad);
}

/* A second page table links the same tables. */
static void link_1t_second_pt(struct link1t *t)
{
	struct gpuvm_pt_gather g;

	t->b = pt_new(t->e, 48, PG_4K_2M);
	gpuvm_pt_gather_init(&g);
	CTX("second pt");
	EXPECT_INT(gpuvm_pt_map(t->b, SZ_512G, SZ_1T, &t->s.src, 0, &g), 0);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	gpuvm_pt_gather_release(t->b, &g);
	expect_leaves(t->b, 1, 0, 1ull << 19, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 4);
	EXPECT_U64(gpuvm_mem_read64(t->e->mem, gpuvm_pt_root(t->b) + 8),
		   gpuvm_pte_make_table(t->l1));
	EXPECT_U64(pt_frames(t->e), 2 + 2);
	valid(t->a);
	valid(t->b);
	sample_xlat(t->b, &t->d, SZ_512G, SZ_512G + SZ_1T, NULL, 0, 4096, 2);
}

/* Anything over a linked range is -EEXIST, and changes nothing. */
static void link_1t_eexist(struct link1t *t)
{
	struct gpuvm_pt_stats before = stats(t->a), after;
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;

	gpuvm_pt_gather_init(&g);
	gpuvm_pt_linear_init(&lin, 700 * SZ_1G, t->e->dummy);
	CTX("-EEXIST");
	EXPECT_INT(gpuvm_pt_map(t->a, 700 * SZ_1G, SZ_1G, &lin.src, 0, &g),
		   -EEXIST);
	EXPECT_INT(gpuvm_pt_map(t->a, 700 * SZ_1G + SZ_4K, SZ_4K, &lin.src, 0,
				&g), -EEXIST);
	EXPECT_INT(gpuvm_pt_map(t->a, SZ_512G, SZ_512G, &t->s.src, 0, &g),
		   -EEXIST);
	EXPECT_INT(gpuvm_pt_map(t->a, SZ_1T - SZ_4K, SZ_2M, &t->s.src, 0, &g),
		   -EEXIST);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	after = stats(t->a);
	EXPECT_TRUE(!memcmp(&before, &after, sizeof(after)));
	EXPECT_U64(after.table_pages, 1);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 4);
}

/*
 * Another whole entry links and unlinks: nothing freed. Then destroying
 * the page tables drops their links, and the set can go.
 */
static void link_1t_unlink(struct link1t *t)
{
	CTX("link L0[3]");
	map_exact(t->a, 3 * SZ_512G, SZ_512G, &t->s.src, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 5);
	unmap_exact(t->a, 3 * SZ_512G, SZ_512G, 0, 3 * SZ_512G, 4 * SZ_512G,
		    0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 4);
	expect_leaves(t->a, 1, 0, 1ull << 19, 0, 0);
	valid(t->a);

	gpuvm_pt_destroy(t->a);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 2);
	EXPECT_INT(gpuvm_pt_shared_destroy(t->sh), -EBUSY);
	gpuvm_pt_destroy(t->b);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 0);
	EXPECT_INT(gpuvm_pt_shared_destroy(t->sh), 0);
	EXPECT_U64(pt_frames(t->e), 0);
}

static void test_link_1t(void **state)
{
	struct link1t t = { .e = *state };

	dsrc_init(&t.d, t.e->dummy, false, NULL);
	t.sh = shared_new(t.e, PG_4K_2M, &t.d, 0, SZ_2M);
	dsrc_init(&t.s, t.e->dummy, false, t.sh);
	t.a = pt_new(t.e, 48, PG_4K_2M);
	link_1t_counts(&t);
	link_1t_descriptors(&t);
	link_1t_walks(&t);
	link_1t_second_pt(&t);
	link_1t_eexist(&t);
	link_1t_unlink(&t);
}

/* One set, and a reference pt whose path shows the shared L2. */
struct edges {
	struct env *e;
	struct gpuvm_pt_shared *sh;
	struct dsrc d, s;
	uint64_t l2s;
};

/*
 * [1 GiB + 12 KiB, 3 GiB + 20 KiB): L1 (1); GiB 1 is partial: L2 and an
 * L3 for the 509 head pages (2); GiB 2 links; GiB 3 holds 5 pages: L2
 * and L3 (2). 5 tables; 509 + 5 pages, 511 + 512 blocks.
 */
static struct gpuvm_pt *edges_partial_gibs(struct edges *t)
{
	struct gpuvm_pt *a = pt_new(t->e, 48, PG_4K_2M);
	const struct dsrc *d = &t->d;
	uint64_t l1;

	CTX("[1G+12K, 3G+20K)");
	map_exact(a, SZ_1G + 12 * 1024, 2 * SZ_1G + 8 * 1024, &t->s.src, 0, 5);
	expect_leaves(a, 6, 509 + 5, 511 + 512, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 2);
	valid(a);
	expect_none(a, SZ_1G + 8 * 1024);
	expect_xlat(a, d, SZ_1G + 12 * 1024, 3);
	expect_xlat(a, d, SZ_1G + SZ_2M - 1, 3);
	expect_xlat(a, d, SZ_1G + SZ_2M, 2);
	expect_xlat(a, d, 2 * SZ_1G - 1, 2);
	expect_xlat(a, d, 2 * SZ_1G, 2);
	expect_xlat(a, d, 2 * SZ_1G + 77 * SZ_2M + 0x1234, 2);
	expect_xlat(a, d, 3 * SZ_1G, 3);
	expect_xlat(a, d, 3 * SZ_1G + 20 * 1024 - 1, 3);
	expect_none(a, 3 * SZ_1G + 20 * 1024);
	sample_xlat(a, d, SZ_1G + 12 * 1024, 3 * SZ_1G + 20 * 1024, NULL, 0,
		    2048, 3);
	/* Only the middle GiB is linked; the edges are private. */
	l1 = table_at(t->e, a, 0, 1);
	EXPECT_U64(gpuvm_pte_addr(desc_of(t->e, l1, 2 * SZ_1G, 1)), t->l2s);
	EXPECT_TRUE(gpuvm_pte_addr(desc_of(t->e, l1, SZ_1G, 1)) != t->l2s);
	EXPECT_TRUE(gpuvm_pte_addr(desc_of(t->e, l1, 3 * SZ_1G, 1)) != t->l2s);
	return a;
}

/*
 * [511 GiB, 1 TiB + 1 GiB + 2 MiB): a private L1 for L0[0] whose last
 * GiB links; L0[1] links whole; a private L1 for L0[2] whose first GiB
 * links and an L2 for one block. 3 tables, 3 links.
 */
static struct gpuvm_pt *edges_across_entries(struct edges *t)
{
	struct gpuvm_pt *c = pt_new(t->e, 48, PG_4K_2M);

	CTX("[511G, 1T+1G+2M)");
	map_exact(c, 511 * SZ_1G, SZ_1G + SZ_512G + SZ_1G + SZ_2M, &t->s.src,
		  0, 3);
	expect_leaves(c, 4, 0, 512 + BLOCKS_512G + 512 + 1, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 2 + 3);
	valid(c);
	sample_xlat(c, &t->d, 511 * SZ_1G, SZ_1T + SZ_1G + SZ_2M, NULL, 0,
		    2048, 4);
	expect_none(c, 511 * SZ_1G - 1);
	expect_none(c, SZ_1T + SZ_1G + SZ_2M);
	return c;
}

/*
 * 2 MiB-aligned ends inside GiBs: [5 GiB + 2 MiB, 7 GiB + 4 MiB): L1, an
 * L2 for each partial GiB, GiB 6 linked: 3 tables, no pages.
 */
static struct gpuvm_pt *edges_2m_ends(struct edges *t)
{
	struct gpuvm_pt *dd = pt_new(t->e, 48, PG_4K_2M);

	CTX("[5G+2M, 7G+4M)");
	map_exact(dd, 5 * SZ_1G + SZ_2M, 2 * SZ_1G + SZ_2M, &t->s.src, 0, 3);
	expect_leaves(dd, 4, 0, 511 + 512 + 2, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 5 + 1);
	valid(dd);
	return dd;
}

/*
 * 39-bit VA: the top table is level 1, so every whole GiB links the
 * shared L2: 512 links from one root. 36 bits: a 64-entry top table, and
 * unmapping one GiB of it unlinks one entry of the top table.
 */
static void edges_small_va(struct edges *t, struct gpuvm_pt **d39,
			   struct gpuvm_pt **d36)
{
	*d39 = pt_new(t->e, 39, PG_4K_2M);
	CTX("39-bit VA");
	map_exact(*d39, 0, SZ_512G, &t->s.src, 0, 0);
	expect_leaves(*d39, 1, 0, BLOCKS_512G, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 6 + 512);
	valid(*d39);
	sample_xlat(*d39, &t->d, 0, SZ_512G, NULL, 0, 1024, 5);
	*d36 = pt_new(t->e, 36, PG_4K_2M);
	CTX("36-bit VA");
	map_exact(*d36, 0, 64 * SZ_1G, &t->s.src, 0, 0);
	expect_leaves(*d36, 1, 0, 64 * 512, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 518 + 64);
	valid(*d36);
	sample_xlat(*d36, &t->d, 0, 64 * SZ_1G, NULL, 0, 1024, 6);
	unmap_exact(*d36, 7 * SZ_1G, SZ_1G, 0, 7 * SZ_1G, 8 * SZ_1G, 0);
	EXPECT_U64(gpuvm_pt_shared_links(t->sh), 518 + 63);
	valid(*d36);
}

/* Ranges whose ends are not entry boundaries link only whole entries. */
static void test_link_edges(void **state)
{
	struct edges t = { .e = *state };
	struct gpuvm_pt *a, *ref, *c, *d39, *d36, *dd;

	dsrc_init(&t.d, t.e->dummy, false, NULL);
	t.sh = shared_new(t.e, PG_4K_2M, &t.d, 0, SZ_2M);
	dsrc_init(&t.s, t.e->dummy, false, t.sh);
	/* A reference linking all of L0[1]: its path shows the shared L2. */
	ref = pt_new(t.e, 48, PG_4K_2M);
	map_exact(ref, SZ_512G, SZ_512G, &t.s.src, 0, 0);
	t.l2s = table_at(t.e, ref, SZ_512G, 2);

	a = edges_partial_gibs(&t);
	c = edges_across_entries(&t);
	dd = edges_2m_ends(&t);
	edges_small_va(&t, &d39, &d36);

	gpuvm_pt_destroy(a);
	gpuvm_pt_destroy(c);
	gpuvm_pt_destroy(dd);
	gpuvm_pt_destroy(d39);
	gpuvm_pt_destroy(d36);
	EXPECT_U64(gpuvm_pt_shared_links(t.sh), 1);
	gpuvm_pt_destroy(ref);
	EXPECT_INT(gpuvm_pt_shared_destroy(t.sh), 0);
	EXPECT_U64(pt_frames(t.e), 0);
}

/* ------------------------------------------------------------------ */
/* 3. Copy-on-write                                                    */

/* Two page tables with 1 TiB at 512 GiB linked, and the shared tables'
 * contents saved. */
struct cow {
	struct env e;
	struct gpuvm_pt_shared *sh;
	struct dsrc d, s;
	struct gpuvm_pt *a, *b;
	uint64_t l1s, l2s;
	struct tsnap snap;
};

static void cow_init(struct cow *c)
{
	memset(c, 0, sizeof(*c));
	env_init(&c->e);
	dsrc_init(&c->d, c->e.dummy, false, NULL);
	c->sh = shared_new(&c->e, PG_4K_2M, &c->d, 0, SZ_2M);
	dsrc_init(&c->s, c->e.dummy, false, c->sh);
	c->a = pt_new(&c->e, 48, PG_4K_2M);
	c->b = pt_new(&c->e, 48, PG_4K_2M);
	map_exact(c->a, SZ_512G, SZ_1T, &c->s.src, 0, 0);
	map_exact(c->b, SZ_512G, SZ_1T, &c->s.src, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 4);
	c->l1s = table_at(&c->e, c->b, SZ_512G, 1);
	c->l2s = table_at(&c->e, c->b, SZ_512G, 2);
	tsnap_add(&c->e, &c->snap, c->l1s);
	tsnap_add(&c->e, &c->snap, c->l2s);
}

static void cow_fini(struct cow *c)
{
	gpuvm_pt_destroy(c->a);
	gpuvm_pt_destroy(c->b);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 0);
	EXPECT_INT(gpuvm_pt_shared_destroy(c->sh), 0);
	EXPECT_U64(pt_frames(&c->e), 0);
	env_fini(&c->e);
}

/* cmocka fixtures: *state is a struct env, or a struct cow. */
static int env_setup(void **state)
{
	struct env *e = malloc(sizeof(*e));

	assert_non_null(e);
	env_init(e);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	env_fini(*state);
	free(*state);
	return 0;
}

static int cow_setup(void **state)
{
	struct cow *c = malloc(sizeof(*c));

	assert_non_null(c);
	cow_init(c);
	*state = c;
	return 0;
}

static int cow_teardown(void **state)
{
	cow_fini(*state);
	free(*state);
	return 0;
}

#define ENV_TEST(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
#define COW_TEST(f) cmocka_unit_test_setup_teardown(f, cow_setup, cow_teardown)

/* Everything b maps is untouched: it still links both entries. */
static void cow_b_intact(struct cow *c, uint64_t seed)
{
	expect_leaves(c->b, 1, 0, 1ull << 19, 0, 0);
	valid(c->b);
	sample_xlat(c->b, &c->d, SZ_512G, SZ_512G + SZ_1T, NULL, 0, 512, seed);
	tsnap_same(&c->e, &c->snap);
}

/*
 * What test_cow_unmap cuts out of a, in order: a page x inside a linked
 * entry (L0[1], L1[100], L2[7], L3[5]), a page y in another GiB of the
 * copied L1, a block z, a GiB w, and the whole linked entry L0[2].
 */
static const struct hole cow_holes[5] = {
	{ SZ_512G + 100 * SZ_1G + 7 * SZ_2M + 5 * SZ_4K,
	  SZ_512G + 100 * SZ_1G + 7 * SZ_2M + 6 * SZ_4K },
	{ SZ_512G + 200 * SZ_1G + 3 * SZ_2M + 9 * SZ_4K,
	  SZ_512G + 200 * SZ_1G + 3 * SZ_2M + 10 * SZ_4K },
	{ SZ_512G + 300 * SZ_1G + 11 * SZ_2M,
	  SZ_512G + 300 * SZ_1G + 12 * SZ_2M },
	{ SZ_512G + 400 * SZ_1G, SZ_512G + 401 * SZ_1G },
	{ SZ_1T, SZ_1T + SZ_512G },
};

/*
 * 4 KiB at x: copy L1 (+512 links of the copy, -1 of the root), copy L2
 * (-1), split the block: 3 pages, exactly. Only the page gathers: the
 * copies map what the shared tables did.
 */
static void cow_unmap_page(struct cow *c)
{
	const uint64_t x = cow_holes[0].s;
	uint64_t w0 = stats(c->a).pte_writes;

	CTX("unmap 4K at x");
	unmap_exact(c->a, x, SZ_4K, 3, x, x + SZ_4K, 0);
	expect_leaves(c->a, 4, 511, (1ull << 19) - 1, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 4 + 510);
	/* Two copies of 512 entries, two pointer swaps, 511 pages and the
	 * split's table pointer. */
	EXPECT_U64(stats(c->a).pte_writes - w0, 512 + 1 + 512 + 1 + 511 + 1);
	EXPECT_U64(pt_frames(&c->e), 2 + 2 + 3);
	valid(c->a);
	tsnap_same(&c->e, &c->snap);
	expect_none(c->a, x);
	expect_none(c->a, x + SZ_4K - 1);
	expect_xlat(c->a, &c->d, x - 1, 3);
	expect_xlat(c->a, &c->d, x + SZ_4K, 3);
	expect_xlat(c->a, &c->d, x - 5 * SZ_4K, 3);
	expect_xlat(c->a, &c->d, x - 5 * SZ_4K - 1, 2);
	expect_xlat(c->a, &c->d, x + SZ_2M - 5 * SZ_4K, 2);
	sample_xlat(c->a, &c->d, SZ_512G, SZ_512G + SZ_1T, cow_holes, 1, 4096,
		    7);
	/* The other page table still maps the page, through the tables. */
	expect_xlat(c->b, &c->d, x, 2);
	cow_b_intact(c, 8);
}

/*
 * The path to x: private L1 and L2 copies; every other entry of the
 * copies still points where the shared tables did, and x is cleared.
 */
static void cow_unmap_page_path(struct cow *c)
{
	const uint64_t x = cow_holes[0].s;
	uint64_t l1c = table_at(&c->e, c->a, x, 1);
	uint64_t l2c = table_at(&c->e, c->a, x, 2), t;
	unsigned int i;

	EXPECT_TRUE(l1c != c->l1s && l2c != c->l2s && l1c != l2c);
	EXPECT_U64(table_at(&c->e, c->a, SZ_1T, 1), c->l1s);
	for (i = 0; i < 512; i++) {
		CTX("copy entry %u", i);
		if (i != 100)
			EXPECT_U64(gpuvm_mem_read64(c->e.mem, l1c + 8 * i),
				   gpuvm_pte_make_table(c->l2s));
		if (i != 7)
			EXPECT_U64(gpuvm_mem_read64(c->e.mem, l2c + 8 * i),
				   gpuvm_pte_make_leaf(c->e.dummy,
						       gpuvm_pt_prot_attrs(0),
						       2));
	}
	t = table_at(&c->e, c->a, x, 3);
	EXPECT_U64(desc_of(&c->e, t, x, 3), 0);
}

/* Smaller cuts inside the copied L1: y, z and w. */
static void cow_unmap_inside_copy(struct cow *c)
{
	const uint64_t y = cow_holes[1].s, z = cow_holes[2].s;
	const uint64_t w = cow_holes[3].s;

	/* 4 KiB in another GiB of the copied L1: copy L2 and split: 2. */
	CTX("unmap 4K at y");
	unmap_exact(c->a, y, SZ_4K, 2, y, y + SZ_4K, 0);
	expect_leaves(c->a, 6, 2 * 511, (1ull << 19) - 2, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 514 - 1);
	valid(c->a);
	cow_b_intact(c, 9);

	/* A whole block: copy L2 only. */
	CTX("unmap 2M at z");
	unmap_exact(c->a, z, SZ_2M, 1, z, z + SZ_2M, 0);
	expect_leaves(c->a, 7, 2 * 511, (1ull << 19) - 3, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 512);
	valid(c->a);
	cow_b_intact(c, 10);

	/* A whole GiB of the copy: unlinked, nothing freed. */
	CTX("unmap 1G at w");
	unmap_exact(c->a, w, SZ_1G, 0, w, w + SZ_1G, 0);
	expect_leaves(c->a, 7, 2 * 511, (1ull << 19) - 3 - 512, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 511);
	valid(c->a);
	cow_b_intact(c, 11);
}

/* Whole entries: the linked L0[2], then all of a's L0[1], then b's. */
static void cow_unmap_entries(struct cow *c)
{
	/* A whole linked 512 GiB entry: one link less, no table freed. */
	CTX("unmap L0[2]");
	unmap_exact(c->a, SZ_1T, SZ_512G, 0, SZ_1T, SZ_1T + SZ_512G, 0);
	expect_leaves(c->a, 7, 2 * 511, BLOCKS_512G - 3 - 512, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 510);
	EXPECT_U64(gpuvm_mem_read64(c->e.mem, gpuvm_pt_root(c->a) + 16), 0);
	valid(c->a);
	cow_b_intact(c, 12);
	sample_xlat(c->a, &c->d, SZ_512G, SZ_512G + SZ_1T, cow_holes, 5, 4096,
		    13);
	EXPECT_INT(gpuvm_pt_shared_destroy(c->sh), -EBUSY);

	/* Everything else of a: the L1 copy, three L2 copies and two L3
	 * tables go; the shared tables stay. */
	CTX("unmap L0[1]");
	unmap_exact(c->a, SZ_512G, SZ_512G, 0, SZ_512G, SZ_1T, 6);
	expect_leaves(c->a, 1, 0, 0, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 2);
	EXPECT_U64(pt_frames(&c->e), 2 + 2);
	valid(c->a);
	cow_b_intact(c, 14);

	/* b's last links: then the set can go. */
	CTX("unmap b");
	unmap_exact(c->b, SZ_512G, SZ_1T, 0, SZ_512G, SZ_512G + SZ_1T, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 0);
	tsnap_same(&c->e, &c->snap);
}

/* Unmaps inside a linked region copy exactly the tables on their path. */
static void test_cow_unmap(void **state)
{
	struct cow *c = *state;

	cow_unmap_page(c);
	cow_unmap_page_path(c);
	cow_unmap_inside_copy(c);
	cow_unmap_entries(c);
}

/*
 * One transaction on a: unmap [iova, +size), then map src there. The
 * counts are exact: need_unmap for the unmap alone, need with the map
 * (counted before the unmap is applied), used after each half.
 */
static void cow_txn(struct cow *c, uint64_t iova, uint64_t size,
		    const struct gpuvm_pt_src *src, uint64_t need_unmap,
		    uint64_t need, uint64_t used)
{
	struct gpuvm_pt_resv r = { 0 };
	struct gpuvm_pt_gather g;

	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_reserve_unmap(c->a, iova, size, &r), 0);
	EXPECT_U64(r.need, need_unmap);
	EXPECT_INT(gpuvm_pt_reserve_map(c->a, iova, size, src, 0, &r), 0);
	EXPECT_U64(r.need, need);
	EXPECT_INT(gpuvm_pt_resv_fill(c->a, &r), 0);
	EXPECT_INT(gpuvm_pt_unmap_reserved(c->a, iova, size, &r, &g), 0);
	EXPECT_U64(r.used, used);
	EXPECT_INT(gpuvm_pt_map_reserved(c->a, iova, size, src, 0, &r, &g), 0);
	EXPECT_U64(r.used, used);
	gpuvm_pt_prune(c->a, &g);
	EXPECT_U64(g.start, iova);
	EXPECT_U64(g.end, iova + size);
	EXPECT_U64(g.freed_count, 0);
	gpuvm_pt_gather_release(c->a, &g);
	gpuvm_pt_resv_release(c->a, &r);
}

/*
 * 4 MiB of 2 MiB blocks from another source at r1 (L0[2], L1[5]): the
 * unmap copies L1 and L2 (2); the map, counted before the unmap is
 * applied, counts the same two copies again (an upper bound, 4) and
 * applying takes 2.
 */
static void cow_txn_blocks(struct cow *c, uint64_t p1)
{
	const uint64_t r1 = SZ_1T + 5 * SZ_1G + SZ_2M;
	struct gpuvm_pt_linear lin1;
	struct gpuvm_pt_walk wk;
	uint64_t va;

	gpuvm_pt_linear_init(&lin1, r1, p1);
	CTX("transaction r1");
	cow_txn(c, r1, 4 * SZ_1M, &lin1.src, 2, 4, 2);
	expect_leaves(c->a, 3, 0, 1ull << 19, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 4 + 511 - 1);
	valid(c->a);
	for (va = r1 - SZ_4K; va < r1 + 4 * SZ_1M + SZ_4K; va += SZ_4K) {
		CTX("r1 va 0x%" PRIx64, va);
		EXPECT_INT(gpuvm_pt_iova_to_phys(c->a, va + 8, &wk), 0);
		EXPECT_U64(wk.level, 2);
		if (va < r1 || va >= r1 + 4 * SZ_1M)
			EXPECT_U64(wk.pa, dsrc_expect(&c->d, va + 8));
		else
			EXPECT_U64(wk.pa, p1 + (va - r1) + 8);
	}
	cow_b_intact(c, 20);
}

/*
 * 8 KiB from a 4 KiB-aligned source inside GiB 6 of the copied L1: unmap
 * copies L2 and splits the block (2); the map counts the copy and a
 * level-3 table (2): 4, and takes 2 (the map lands in the split's table).
 */
static void cow_txn_pages(struct cow *c, uint64_t p2)
{
	const uint64_t r2 = SZ_1T + 6 * SZ_1G + 3 * SZ_4K;
	struct gpuvm_pt_linear lin2;
	struct gpuvm_pt_walk wk;
	uint64_t va;

	gpuvm_pt_linear_init(&lin2, r2, p2);
	CTX("transaction r2");
	cow_txn(c, r2, 2 * SZ_4K, &lin2.src, 2, 4, 2);
	expect_leaves(c->a, 5, 512, (1ull << 19) - 1, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 514 - 1);
	valid(c->a);
	for (va = r2 - 3 * SZ_4K; va < r2 + 5 * SZ_4K; va += SZ_4K) {
		CTX("r2 va 0x%" PRIx64, va);
		EXPECT_INT(gpuvm_pt_iova_to_phys(c->a, va, &wk), 0);
		EXPECT_U64(wk.level, 3);
		if (va < r2 || va >= r2 + 2 * SZ_4K)
			EXPECT_U64(wk.pa, dsrc_expect(&c->d, va));
		else
			EXPECT_U64(wk.pa, p2 + (va - r2));
	}
	cow_b_intact(c, 21);
}

/*
 * A whole GiB of L0[1] (still linked) replaced by another shared set: the
 * unmap copies L1 and unlinks the GiB (1); the map counts the copies of
 * L1 and L2 it would make before the unmap (2); applied, the GiB links
 * the second set's L2: a uses two sets. Unlinking that set again leaves
 * the first alone.
 */
static void cow_txn_other_set(struct cow *c)
{
	const uint64_t r3 = SZ_512G + 9 * SZ_1G;
	struct gpuvm_pt_shared *sh2;
	struct dsrc d2, s2;
	uint64_t dummy2;

	assert_int_equal(gpuvm_mem_alloc(c->e.mem, SZ_2M, GPUVM_MEM_BO,
					 &dummy2), 0);
	dsrc_init(&d2, dummy2, false, NULL);
	sh2 = shared_new(&c->e, PG_4K_2M, &d2, 0, SZ_2M);
	dsrc_init(&s2, dummy2, false, sh2);
	CTX("transaction r3");
	cow_txn(c, r3, SZ_1G, &s2.src, 1, 3, 1);
	expect_leaves(c->a, 6, 512, (1ull << 19) - 1, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 513 + 511 - 1);
	EXPECT_U64(gpuvm_pt_shared_links(sh2), 1);
	EXPECT_TRUE(table_at(&c->e, c->a, r3, 2) != c->l2s);
	valid(c->a);
	sample_xlat(c->a, &d2, r3, r3 + SZ_1G, NULL, 0, 512, 22);
	expect_xlat(c->a, &c->d, r3 - 1, 2);
	expect_xlat(c->a, &c->d, r3 + SZ_1G, 2);
	cow_b_intact(c, 23);
	tsnap_add(&c->e, &c->snap, table_at(&c->e, c->a, r3, 2));
	tsnap_same(&c->e, &c->snap);

	CTX("unmap r3");
	unmap_exact(c->a, r3, SZ_1G, 0, r3, r3 + SZ_1G, 0);
	EXPECT_U64(gpuvm_pt_shared_links(sh2), 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), 1023);
	valid(c->a);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh2), 0);
	c->snap.n = 2; /* sh2's table is gone: no longer watched */
}

/* Another source mapped into part of a linked region, in transactions
 * of an unmap and a map. */
static void test_cow_transaction(void **state)
{
	struct cow *c = *state;
	uint64_t p1, p2;

	assert_int_equal(gpuvm_mem_alloc(c->e.mem, 4 * SZ_1M, GPUVM_MEM_BO,
					 &p1), 0);
	assert_int_equal(gpuvm_mem_alloc(c->e.mem, 2 * SZ_4K, GPUVM_MEM_BO,
					 &p2), 0);
	cow_txn_blocks(c, p1);
	cow_txn_pages(c, p2);
	cow_txn_other_set(c);
}

/* ------------------------------------------------------------------ */
/* 4. Lifetime                                                         */

static void test_shared_destroy(void **state)
{
	const uint64_t x = SZ_512G + 3 * SZ_1G + 5 * SZ_2M + SZ_4K;
	struct gpuvm_pt_shared *sh;
	struct gpuvm_pt *a, *b;
	struct gpuvm_pt_gather g;
	struct dsrc d, s;
	struct env *e = *state;

	dsrc_init(&d, e->dummy, false, NULL);
	sh = shared_new(e, PG_4K_2M, &d, 0, SZ_2M);
	dsrc_init(&s, e->dummy, false, sh);
	a = pt_new(e, 48, PG_4K_2M);
	b = pt_new(e, 48, PG_4K_2M);
	map_exact(a, SZ_512G, SZ_1T, &s.src, 0, 0);
	map_exact(b, 2 * SZ_1G, SZ_1G, &s.src, 0, 1);
	CTX("busy");
	EXPECT_U64(gpuvm_pt_shared_links(sh), 3);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), -EBUSY);
	EXPECT_U64(gpuvm_pt_shared_pages(sh), 2);
	EXPECT_U64(pt_frames(e), 2 + 2 + 1);
	valid(a);

	/* a copies some tables, then goes while still linking. */
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(a, x, SZ_4K, &g), 0);
	gpuvm_pt_gather_release(a, &g);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 3 + 510);
	EXPECT_U64(pt_frames(e), 2 + 2 + 1 + 3);
	gpuvm_pt_destroy(a);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 1);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), -EBUSY);
	EXPECT_U64(pt_frames(e), 1 + 2 + 1);
	valid(b);

	/* b unlinks by unmapping; its emptied L1 goes on prune. */
	unmap_exact(b, 2 * SZ_1G, SZ_1G, 0, 2 * SZ_1G, 3 * SZ_1G, 1);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 0);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), 0);
	EXPECT_U64(pt_frames(e), 1);
	valid(b);
	gpuvm_pt_destroy(b);
	EXPECT_U64(pt_frames(e), 0);
}

/* ------------------------------------------------------------------ */
/* 5. Failures                                                         */

static void test_cow_enomem(void **state)
{
	const uint64_t x = SZ_512G + 100 * SZ_1G + 7 * SZ_2M + 5 * SZ_4K;
	struct gpuvm_pt_stats st0, st;
	struct gpuvm_pt_gather g;
	struct hole hole = { x, x + SZ_4K };
	uint64_t n, frames0, links0;
	struct gpuvm_pt *p;
	struct cow *c = *state;
	int ret;

	st0 = stats(c->a);
	frames0 = pt_frames(&c->e);
	links0 = gpuvm_pt_shared_links(c->sh);
	for (n = 1;; n++) {
		CTX("cow unmap, fail_nth %" PRIu64, n);
		gpuvm_pt_gather_init(&g);
		gpuvm_mem_fail_nth_alloc(c->e.mem, n);
		ret = gpuvm_pt_unmap(c->a, x, SZ_4K, &g);
		gpuvm_mem_fail_nth_alloc(c->e.mem, 0);
		if (!ret)
			break;
		EXPECT_INT(ret, -ENOMEM);
		EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
		EXPECT_U64(g.freed_count, 0);
		st = stats(c->a);
		EXPECT_TRUE(!memcmp(&st, &st0, sizeof(st)));
		EXPECT_U64(pt_frames(&c->e), frames0);
		EXPECT_U64(gpuvm_pt_shared_links(c->sh), links0);
		valid(c->a);
		expect_xlat(c->a, &c->d, x, 2);
		sample_xlat(c->a, &c->d, SZ_512G, SZ_512G + SZ_1T, NULL, 0, 256,
			    30 + n);
		cow_b_intact(c, 40 + n);
		EXPECT_TRUE(n < 10);
	}
	/* Three pages: the third allocation was the last to fail. */
	EXPECT_U64(n, 4);
	EXPECT_U64(g.start, x);
	EXPECT_U64(g.end, x + SZ_4K);
	gpuvm_pt_gather_release(c->a, &g);
	expect_leaves(c->a, 4, 511, (1ull << 19) - 1, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), links0 + 510);
	EXPECT_U64(pt_frames(&c->e), frames0 + 3);
	valid(c->a);
	sample_xlat(c->a, &c->d, SZ_512G, SZ_512G + SZ_1T, &hole, 1, 1024, 50);
	cow_b_intact(c, 51);

	/* A map with private edges and a linked middle: 5 pages, each
	 * failure leaves nothing. */
	p = pt_new(&c->e, 48, PG_4K_2M);
	st0 = stats(p);
	frames0 = pt_frames(&c->e);
	links0 = gpuvm_pt_shared_links(c->sh);
	for (n = 1;; n++) {
		CTX("edge map, fail_nth %" PRIu64, n);
		gpuvm_pt_gather_init(&g);
		gpuvm_mem_fail_nth_alloc(c->e.mem, n);
		ret = gpuvm_pt_map(p, SZ_1G + 12 * 1024, 2 * SZ_1G + 8 * 1024,
				   &c->s.src, 0, &g);
		gpuvm_mem_fail_nth_alloc(c->e.mem, 0);
		gpuvm_pt_gather_release(p, &g);
		if (!ret)
			break;
		EXPECT_INT(ret, -ENOMEM);
		st = stats(p);
		EXPECT_TRUE(!memcmp(&st, &st0, sizeof(st)));
		EXPECT_U64(pt_frames(&c->e), frames0);
		EXPECT_U64(gpuvm_pt_shared_links(c->sh), links0);
		valid(p);
		expect_none(p, 2 * SZ_1G);
		EXPECT_TRUE(n < 10);
	}
	EXPECT_U64(n, 6);
	expect_leaves(p, 6, 514, 1023, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(c->sh), links0 + 1);
	valid(p);
	gpuvm_pt_destroy(p);
}

/* ------------------------------------------------------------------ */
/* 6. The MMU sees one set of tables through two roots                 */

static struct gpuvm_mmu_as *as_new(struct env *e, const struct gpuvm_pt *pt)
{
	struct gpuvm_mmu_as_cfg ac = {
		.mem = e->mem, .root = gpuvm_pt_root(pt), .va_bits = 48,
		.checked = true,
	};
	struct gpuvm_mmu_as *as = NULL;

	assert_int_equal(gpuvm_mmu_as_create(&ac, &as), 0);
	return as;
}

static uint64_t as_rd64(struct gpuvm_mmu_as *as, uint64_t va)
{
	struct gpuvm_mmu_fault f;
	uint64_t v = 0xfefefefefefefefeull;

	CTX("read 0x%" PRIx64, va);
	memset(&f, 0, sizeof(f));
	EXPECT_INT(gpuvm_mmu_read(as, va, &v, 8, &f), 0);
	return v;
}

static void as_wr64(struct gpuvm_mmu_as *as, uint64_t va, uint64_t v)
{
	struct gpuvm_mmu_fault f;

	CTX("write 0x%" PRIx64, va);
	memset(&f, 0, sizeof(f));
	EXPECT_INT(gpuvm_mmu_write(as, va, &v, 8, &f), 0);
}

static void as_fault(struct gpuvm_mmu_as *as, uint64_t va, size_t len,
		     uint64_t addr)
{
	struct gpuvm_mmu_fault f;
	uint8_t buf[16];

	CTX("fault at 0x%" PRIx64, va);
	memset(&f, 0, sizeof(f));
	EXPECT_INT(gpuvm_mmu_read(as, va, buf, len, &f), -EFAULT);
	EXPECT_INT(f.kind, GPUVM_MMU_FAULT_TRANSLATION);
	EXPECT_U64(f.addr, addr);
	EXPECT_U64(f.level, 3);
}

static void test_mmu(void **state)
{
	const uint64_t x = SZ_512G + 100 * SZ_1G + 7 * SZ_2M + 5 * SZ_4K;
	struct gpuvm_mmu_as *asa, *asb;
	struct gpuvm_mmu_stats ms;
	struct gpuvm_pt_gather g;
	uint64_t k, v;
	struct cow *c = *state;

	asa = as_new(&c->e, c->a);
	asb = as_new(&c->e, c->b);

	/* One dummy behind both roots and every 2 MiB of them. */
	as_wr64(asa, SZ_512G + 3 * SZ_2M + 0x100, 0x1111222233334444ull);
	as_wr64(asb, x + 0x18, 0xabcdef0123456789ull);
	for (k = 0; k < 64; k++) {
		uint64_t base = SZ_512G + k * 8191 * SZ_2M;

		EXPECT_U64(as_rd64(asa, base + 0x100), 0x1111222233334444ull);
		EXPECT_U64(as_rd64(asb, base + 0x100), 0x1111222233334444ull);
		EXPECT_U64(as_rd64(asa, base + (x & (SZ_2M - 1)) + 0x18),
			   0xabcdef0123456789ull);
	}
	/* Both TLBs now hold x's block. */
	EXPECT_U64(as_rd64(asa, x + 0x18), 0xabcdef0123456789ull);
	EXPECT_U64(as_rd64(asb, x + 0x18), 0xabcdef0123456789ull);
	as_wr64(asa, x - 8, 0x5555ull);
	as_wr64(asa, x + SZ_4K, 0x6666ull);

	/* Copy-on-write in a, flushed; b's tables never changed. */
	gpuvm_pt_gather_init(&g);
	CTX("cow unmap");
	EXPECT_INT(gpuvm_pt_unmap(c->a, x, SZ_4K, &g), 0);
	EXPECT_U64(g.start, x);
	EXPECT_U64(g.end, x + SZ_4K);
	flush_gather(asa, c->a, &g);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	tsnap_same(&c->e, &c->snap);

	/* a faults on that page only, and on nothing else. */
	as_fault(asa, x, 8, x);
	as_fault(asa, x + SZ_4K - 8, 8, x + SZ_4K - 8);
	as_fault(asa, x - 4, 8, x);
	EXPECT_U64(as_rd64(asa, x - 8), 0x5555ull);
	EXPECT_U64(as_rd64(asa, x + SZ_4K), 0x6666ull);
	EXPECT_U64(as_rd64(asa, x + 3 * SZ_2M + 0x18), 0xabcdef0123456789ull);
	/* b still reads the dummy there, through its cached block and
	 * through a fresh walk. */
	EXPECT_U64(as_rd64(asb, x + 0x18), 0xabcdef0123456789ull);
	gpuvm_mmu_invalidate_all(asb);
	EXPECT_U64(as_rd64(asb, x + 0x18), 0xabcdef0123456789ull);
	/* A write through b at x reaches the dummy a still maps elsewhere. */
	as_wr64(asb, x + 0x20, 0x7777ull);
	EXPECT_U64(as_rd64(asa, x + SZ_2M + 0x20), 0x7777ull);
	EXPECT_U64(as_rd64(asa, x + SZ_1T / 4 + 0x20), 0x7777ull);
	as_fault(asa, x + 0x20, 8, x + 0x20);
	for (k = 0; k < 64; k++) {
		uint64_t base = SZ_512G + k * 8191 * SZ_2M;

		v = as_rd64(asb, base + 0x100);
		EXPECT_U64(v, 0x1111222233334444ull);
		EXPECT_U64(as_rd64(asa, base + 0x100), v);
	}
	gpuvm_mmu_stats(asa, &ms);
	EXPECT_U64(ms.stale, 0);
	gpuvm_mmu_stats(asb, &ms);
	EXPECT_U64(ms.stale, 0);
	EXPECT_U64(gpuvm_mmu_tlb_verify(asa), 0);
	EXPECT_U64(gpuvm_mmu_tlb_verify(asb), 0);
	valid(c->a);
	valid(c->b);
	gpuvm_mmu_as_destroy(asa);
	gpuvm_mmu_as_destroy(asb);
}

/* ------------------------------------------------------------------ */
/* 7. Other sets: NULL leaves, a fragmented dummy, other protections   */

static void test_null(void **state)
{
	const uint64_t x = SZ_512G + 100 * SZ_1G + 7 * SZ_2M + 5 * SZ_4K;
	struct gpuvm_pt_src nsrc = { 0 }, nsrc_plain = { 0 };
	struct gpuvm_pt_shared *sh;
	struct gpuvm_pt_resv r = { 0 };
	struct gpuvm_pt_walk wk;
	struct gpuvm_pt *a, *p;
	struct tsnap snap = { 0 };
	uint32_t np = GPUVM_PT_PROT_NULL;
	struct env *e = *state;

	sh = shared_new(e, PG_ALL, NULL, np, SZ_4K);
	EXPECT_U64(gpuvm_pt_shared_pages(sh), 1);
	nsrc.shared = sh;
	a = pt_new(e, 48, PG_ALL);
	CTX("NULL 1 TiB");
	map_exact(a, SZ_512G, SZ_1T, &nsrc, np, 0);
	expect_leaves(a, 1, 0, 0, 1024, 1024);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 2);
	valid(a);
	tsnap_add(e, &snap, table_at(e, a, SZ_512G, 1));
	EXPECT_INT(gpuvm_pt_iova_to_phys(a, x, &wk), 0);
	EXPECT_U64(wk.level, 1);
	EXPECT_TRUE(gpuvm_pte_is_null(wk.desc));
	EXPECT_U64(gpuvm_pte_attrs(wk.desc), gpuvm_pt_prot_attrs(np));

	/* 4 KiB out of a linked 1 GiB NULL block: copy L1 (it holds no
	 * pointers: no new links), split 1 GiB -> L2 and 2 MiB -> L3. */
	CTX("NULL cow");
	unmap_exact(a, x, SZ_4K, 3, x, x + SZ_4K, 0);
	expect_leaves(a, 4, 511, 511, 1023, 511 + 511 + 1023);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 1);
	valid(a);
	tsnap_same(e, &snap);
	expect_none(a, x);
	EXPECT_INT(gpuvm_pt_iova_to_phys(a, x + SZ_4K, &wk), 0);
	EXPECT_U64(wk.level, 3);
	EXPECT_TRUE(gpuvm_pte_is_null(wk.desc));
	EXPECT_INT(gpuvm_pt_iova_to_phys(a, x + SZ_2M, &wk), 0);
	EXPECT_U64(wk.level, 2);
	EXPECT_TRUE(gpuvm_pte_is_null(wk.desc));
	EXPECT_INT(gpuvm_pt_iova_to_phys(a, x + SZ_1G, &wk), 0);
	EXPECT_U64(wk.level, 1);
	EXPECT_INT(gpuvm_pt_iova_to_phys(a, SZ_1T + 5, &wk), 0);
	EXPECT_U64(wk.level, 1);

	/* Another prot than the set's: not linked, private tables. */
	p = pt_new(e, 48, PG_ALL);
	CTX("NULL read-only");
	map_exact(p, SZ_512G, SZ_512G, &nsrc, np | GPUVM_PT_PROT_READONLY, 1);
	expect_leaves(p, 2, 0, 0, 512, 512);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 1);
	valid(p);
	/* Without the set: the same private table. */
	nsrc_plain.shared = NULL;
	EXPECT_INT(gpuvm_pt_reserve_map(p, SZ_1T, SZ_512G, &nsrc_plain, np, &r),
		   0);
	EXPECT_U64(r.need, 1);
	gpuvm_pt_resv_release(p, &r);
	gpuvm_pt_destroy(p);

	/* 4 KiB pages only: a three-table NULL set; CoW copies all three
	 * (no split: the leaves are pages already). */
	gpuvm_pt_destroy(a);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), 0);
	sh = shared_new(e, PG_4K, NULL, np, SZ_4K);
	EXPECT_U64(gpuvm_pt_shared_pages(sh), 3);
	nsrc.shared = sh;
	a = pt_new(e, 48, PG_4K);
	CTX("NULL 4K-only");
	map_exact(a, SZ_512G, SZ_512G, &nsrc, np, 0);
	expect_leaves(a, 1, 1ull << 27, 0, 0, 1ull << 27);
	valid(a);
	unmap_exact(a, x, SZ_4K, 3, x, x + SZ_4K, 0);
	expect_leaves(a, 4, (1ull << 27) - 1, 0, 0, (1ull << 27) - 1);
	/* 1, then L1 copy +512 -1, L2 copy +512 -1, L3 copy -1 */
	EXPECT_U64(gpuvm_pt_shared_links(sh), 1022);
	valid(a);
	gpuvm_pt_destroy(a);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), 0);
	EXPECT_U64(pt_frames(e), 0);
}

static void test_fragmented(void **state)
{
	const uint64_t x = SZ_512G + 100 * SZ_1G + 7 * SZ_2M + 5 * SZ_4K;
	struct gpuvm_pt_shared *sh;
	struct gpuvm_pt *a, *b;
	struct hole hole = { x, x + SZ_4K };
	struct tsnap snap = { 0 };
	struct dsrc d, s;
	struct env *e = *state;

	dsrc_init(&d, e->dummy, true, NULL);
	sh = shared_new(e, PG_4K_2M, &d, 0, SZ_2M);
	EXPECT_U64(gpuvm_pt_shared_pages(sh), 3);
	dsrc_init(&s, e->dummy, true, sh);
	a = pt_new(e, 48, PG_4K_2M);
	b = pt_new(e, 48, PG_4K_2M);
	CTX("fragmented 1 TiB");
	map_exact(a, SZ_512G, SZ_1T, &s.src, 0, 0);
	map_exact(b, SZ_512G, SZ_512G, &s.src, 0, 0);
	expect_leaves(a, 1, 1ull << 28, 0, 0, 0);
	expect_leaves(b, 1, 1ull << 27, 0, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 3);
	valid(a);
	valid(b);
	tsnap_add(e, &snap, table_at(e, a, x, 1));
	tsnap_add(e, &snap, table_at(e, a, x, 2));
	tsnap_add(e, &snap, table_at(e, a, x, 3));
	sample_xlat(a, &d, SZ_512G, SZ_512G + SZ_1T, NULL, 0, 4096, 60);
	expect_xlat(a, &d, SZ_512G + SZ_1M - 1, 3);
	expect_xlat(a, &d, SZ_512G + SZ_1M, 3);

	/* Copies of L1, L2 and L3; the page is cleared in the L3 copy. */
	CTX("fragmented cow");
	unmap_exact(a, x, SZ_4K, 3, x, x + SZ_4K, 0);
	expect_leaves(a, 4, (1ull << 28) - 1, 0, 0, 0);
	/* 3, then L1 copy +512 -1, L2 copy +512 -1, L3 copy -1 */
	EXPECT_U64(gpuvm_pt_shared_links(sh), 3 + 1021);
	valid(a);
	valid(b);
	tsnap_same(e, &snap);
	sample_xlat(a, &d, SZ_512G, SZ_512G + SZ_1T, &hole, 1, 4096, 61);
	expect_none(a, x);
	expect_xlat(a, &d, x + SZ_4K, 3);
	expect_xlat(b, &d, x, 3);
	gpuvm_pt_destroy(a);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 1);
	gpuvm_pt_destroy(b);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), 0);
	EXPECT_U64(pt_frames(e), 0);
}

/* A set is only linked with its own prot. */
static void test_prot_mismatch(void **state)
{
	struct gpuvm_pt_shared *sh, *shro;
	struct gpuvm_pt_resv r = { 0 };
	struct gpuvm_pt_walk wk;
	struct gpuvm_pt *a;
	struct dsrc d, s, sro;
	uint32_t ro = GPUVM_PT_PROT_READONLY | GPUVM_PT_PROT_NOEXEC;
	struct env *e = *state;

	dsrc_init(&d, e->dummy, false, NULL);
	sh = shared_new(e, PG_4K_2M, &d, 0, SZ_2M);
	shro = shared_new(e, PG_4K_2M, &d, ro, SZ_2M);
	dsrc_init(&s, e->dummy, false, sh);
	dsrc_init(&sro, e->dummy, false, shro);
	a = pt_new(e, 48, PG_4K_2M);

	/* 512 GiB with a set of other attributes: L1 and 512 L2 of its own. */
	CTX("prot mismatch");
	EXPECT_INT(gpuvm_pt_reserve_map(a, SZ_512G, SZ_512G, &s.src,
					GPUVM_PT_PROT_NOEXEC, &r), 0);
	EXPECT_U64(r.need, 513);
	gpuvm_pt_resv_release(a, &r);
	map_exact(a, SZ_512G, 4 * SZ_1G, &s.src, GPUVM_PT_PROT_NOEXEC, 5);
	EXPECT_U64(gpuvm_pt_shared_links(sh), 0);
	/* The matching set links. */
	map_exact(a, SZ_1T, SZ_512G, &sro.src, ro, 0);
	EXPECT_U64(gpuvm_pt_shared_links(shro), 1);
	expect_leaves(a, 6, 0, 4 * 512 + BLOCKS_512G, 0, 0);
	valid(a);
	EXPECT_INT(gpuvm_pt_iova_to_phys(a, SZ_1T + 12345, &wk), 0);
	EXPECT_U64(gpuvm_pte_attrs(wk.desc), gpuvm_pt_prot_attrs(ro));
	EXPECT_U64(wk.pa, e->dummy + 12345);
	EXPECT_INT(gpuvm_pt_iova_to_phys(a, SZ_512G + 12345, &wk), 0);
	EXPECT_U64(gpuvm_pte_attrs(wk.desc),
		   gpuvm_pt_prot_attrs(GPUVM_PT_PROT_NOEXEC));
	gpuvm_pt_destroy(a);
	EXPECT_INT(gpuvm_pt_shared_destroy(sh), 0);
	EXPECT_INT(gpuvm_pt_shared_destroy(shro), 0);
}

/* ------------------------------------------------------------------ */
/* 8. Many sets in one page table                                      */

#define NSETS 10

static void test_many_sets(void **state)
{
	struct gpuvm_pt_shared *sh[NSETS];
	struct dsrc d[NSETS], s[NSETS];
	struct gpuvm_pt_resv r = { 0 };
	struct gpuvm_pt_gather g;
	uint64_t base[NSETS], need;
	struct gpuvm_pt *a;
	unsigned int i, linked = 0;
	struct env *e = *state;
	int ret;

	for (i = 0; i < NSETS; i++) {
		assert_int_equal(gpuvm_mem_alloc(e->mem, SZ_2M, GPUVM_MEM_BO,
						 &base[i]), 0);
		dsrc_init(&d[i], base[i], false, NULL);
		sh[i] = shared_new(e, PG_4K_2M, &d[i], 0, SZ_2M);
		dsrc_init(&s[i], base[i], false, sh[i]);
	}
	/* Each set at its own 512 GiB entry. A page table links a bounded
	 * number of sets; past that, a whole entry takes private tables
	 * (L1 and 512 L2) and is counted so. */
	a = pt_new(e, 48, PG_4K_2M);
	for (i = 0; i < NSETS - 1; i++) {
		uint64_t va = (i + 1) * SZ_512G;

		CTX("set %u", i);
		EXPECT_INT(gpuvm_pt_reserve_map(a, va, SZ_512G, &s[i].src, 0,
						&r), 0);
		if (r.need == 0)
			linked++;
		else
			EXPECT_U64(r.need, 513);
		EXPECT_INT(gpuvm_pt_resv_fill(a, &r), 0);
		gpuvm_pt_gather_init(&g);
		EXPECT_INT(gpuvm_pt_map_reserved(a, va, SZ_512G, &s[i].src, 0,
						 &r, &g), 0);
		EXPECT_U64(r.used, r.need);
		need = r.need;
		gpuvm_pt_resv_release(a, &r);
		EXPECT_U64(gpuvm_pt_shared_links(sh[i]), need ? 0 : 1);
		valid(a);
		sample_xlat(a, &d[i], va, va + SZ_512G, NULL, 0, 256, 70 + i);
	}
	/* A page table keeps 8 slots (PT_SLOTS). */
	EXPECT_U64(linked, 8);
	expect_leaves(a, 1 + 513, 0, (NSETS - 1) * BLOCKS_512G, 0, 0);
	/* Unlinking a set frees its slot for the next. */
	unmap_exact(a, SZ_512G, SZ_512G, 0, SZ_512G, 2 * SZ_512G, 0);
	EXPECT_U64(gpuvm_pt_shared_links(sh[0]), 0);
	CTX("after a slot is free");
	map_exact(a, 12 * SZ_512G, SZ_512G, &s[NSETS - 1].src, 0, 0);
	EXPECT_U64(gpuvm_pt_shared_links(sh[NSETS - 1]), 1);
	valid(a);
	gpuvm_pt_destroy(a);

	/*
	 * The documented contract: counts from several reserve calls add up
	 * to an upper bound for applying them in any order within one
	 * transaction. With one slot left, two maps of two new sets are
	 * counted one after the other; applied in order, both must fit in
	 * the sum (if both counts relied on the one free slot, the second
	 * map would find none and need 513 tables).
	 */
	a = pt_new(e, 48, PG_4K_2M);
	for (i = 0; i < 7; i++)
		map_exact(a, (i + 1) * SZ_512G, SZ_512G, &s[i].src, 0, 0);
	CTX("two new sets, one slot");
	EXPECT_INT(gpuvm_pt_reserve_map(a, 8 * SZ_512G, SZ_512G, &s[7].src, 0,
					&r), 0);
	EXPECT_INT(gpuvm_pt_reserve_map(a, 9 * SZ_512G, SZ_512G, &s[8].src, 0,
					&r), 0);
	EXPECT_INT(gpuvm_pt_resv_fill(a, &r), 0);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_map_reserved(a, 8 * SZ_512G, SZ_512G, &s[7].src, 0,
					 &r, &g), 0);
	ret = gpuvm_pt_map_reserved(a, 9 * SZ_512G, SZ_512G, &s[8].src, 0, &r,
				    &g);
	gpuvm_pt_resv_release(a, &r);
	gpuvm_pt_gather_release(a, &g);
	valid(a);
	gpuvm_pt_destroy(a);
	for (i = 0; i < NSETS; i++)
		EXPECT_INT(gpuvm_pt_shared_destroy(sh[i]), 0);
	EXPECT_U64(pt_frames(e), 0);
	CTX("reservation summed over two maps of two new sets "
	    "(one free slot), applied in order");
	EXPECT_INT(ret, 0);
}

/* ------------------------------------------------------------------ */
/* 9. Worst-case counts                                                */

/*
 * The header: the _worst counts "hold whatever the tables look like when
 * the change is applied". Unmapping inside a linked entry copies tables
 * first: the bound must count those copies as well as the block splits.
 */
static void test_worst_bounds(void **state)
{
	const uint64_t x = SZ_512G + 100 * SZ_1G + 7 * SZ_2M + 5 * SZ_4K;
	const uint64_t z = SZ_512G + 300 * SZ_1G + 11 * SZ_2M;
	struct gpuvm_pt_resv exact = { 0 }, worst = { 0 };
	struct gpuvm_pt_gather g;
	uint64_t ex_x, wo_x, ex_z, wo_z;
	struct cow *c = *state;
	int ret;

	EXPECT_INT(gpuvm_pt_reserve_unmap(c->a, x, SZ_4K, &exact), 0);
	EXPECT_INT(gpuvm_pt_reserve_unmap_worst(c->a, x, SZ_4K, &worst), 0);
	ex_x = exact.need;
	wo_x = worst.need;
	exact.need = worst.need = 0;
	EXPECT_INT(gpuvm_pt_reserve_unmap(c->a, z, SZ_2M, &exact), 0);
	EXPECT_INT(gpuvm_pt_reserve_unmap_worst(c->a, z, SZ_2M, &worst), 0);
	ex_z = exact.need;
	wo_z = worst.need;
	gpuvm_pt_resv_release(c->a, &exact);
	/* Apply with the worst-case reservation alone. */
	worst.need = wo_x;
	EXPECT_INT(gpuvm_pt_resv_fill(c->a, &worst), 0);
	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_unmap_reserved(c->a, x, SZ_4K, &worst, &g);
	gpuvm_pt_prune(c->a, &g);
	gpuvm_pt_gather_release(c->a, &g);
	gpuvm_pt_resv_release(c->a, &worst);
	valid(c->a);
	print_message("worst-case unmap counts inside a linked entry: 4 KiB "
		      "worst %" PRIu64 " exact %" PRIu64 "; 2 MiB worst %"
		      PRIu64 " exact %" PRIu64 "; unmap_reserved with the "
		      "worst reservation: %d\n", wo_x, ex_x, wo_z, ex_z, ret);
	CTX("exact counts");
	EXPECT_U64(ex_x, 3);
	EXPECT_U64(ex_z, 2);
	CTX("4 KiB inside a linked 512 GiB entry: worst %" PRIu64
	    " < exact %" PRIu64 "?", wo_x, ex_x);
	EXPECT_TRUE(wo_x >= ex_x);
	CTX("2 MiB inside a linked 512 GiB entry: worst %" PRIu64
	    " < exact %" PRIu64 "?", wo_z, ex_z);
	EXPECT_TRUE(wo_z >= ex_z);
	CTX("unmap_reserved with the worst-case reservation");
	EXPECT_INT(ret, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ENV_TEST(test_create),
		ENV_TEST(test_create_bad_args),
		ENV_TEST(test_create_enomem),
		ENV_TEST(test_link_1t),
		ENV_TEST(test_link_edges),
		COW_TEST(test_cow_unmap),
		COW_TEST(test_cow_transaction),
		ENV_TEST(test_shared_destroy),
		COW_TEST(test_cow_enomem),
		COW_TEST(test_mmu),
		ENV_TEST(test_null),
		ENV_TEST(test_fragmented),
		ENV_TEST(test_prot_mismatch),
		ENV_TEST(test_many_sets),
		COW_TEST(test_worst_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
