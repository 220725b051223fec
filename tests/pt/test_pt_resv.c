// SPDX-License-Identifier: MIT
/*
 * Tests of page-table transactions (src/pt/resv.c, src/pt/apply.c):
 * reservation counts, applying from a reservation without allocating,
 * returning what was not used, failures that change nothing, and
 * deferred freeing on prune.
 *
 * DOC: the reservation-count formula these tests assert
 *
 * resv.c counts, for a map of [s, e) inside a level-L table T from a
 * source that is linear with PA p at s (DOC "reservation counts" there):
 *
 *   need(L, T, [s, e)) = sum over the level-L entries E = [x, nx) that
 *   [s, e) touches of
 *     0                        if a leaf fits E: E's size is supported,
 *                              E lies inside [s, e), p + (x - s) is
 *                              aligned to E's size (always, for NULL);
 *     need(L + 1, T', [x, nx))  if T has a table T' at E;
 *     1 + need(L + 1, none, [x, nx))  otherwise (one new table);
 *   and need(3, ...) = 0: 4 KiB pages need no table.
 *
 * On a fresh pt (only the top table, at level S) this is: the number of
 * entries at levels S..2 that the range touches and that no leaf covers,
 * neither at their own level nor at an ancestor's. formula_tables()
 * below computes exactly that, independently of the recursion; the
 * worked cases (48-bit VA, S = 0; "T" = table):
 *
 *   4 KiB at 0                 L0[0], L1[0], L2[0] -> 3 (L1, L2, L3 T)
 *   2 MiB at 2 MiB, {4K,2M}    L0[0], L1[0]; L2[1] is a block -> 2
 *   1 GiB at 1 GiB, {4K,2M}    L0[0], L1[1]; 512 blocks -> 2
 *   1 GiB at 1 GiB, {4K}       L0[0], L1[1], 512 x L2[i] -> 2 + 512
 *   1 GiB at 1 GiB, {4K,2M,1G} L0[0]; L1[1] is a block -> 1
 *   1 TiB at 0, {4K,2M}        L0[0..1], 1024 x L1[i] -> 2 + 1024 = 1026
 *                              (panthor: one per 512 GiB, 1 GiB and 2 MiB
 *                              region, 2 + 1024 + 524,288 = 525,314)
 *   [2M - 8K, 2M + 12K)        L0[0], L1[0], L2[0], L2[1] -> 4
 *   2 MiB at 2 MiB, PA 4 KiB-aligned, {4K,2M}: the block cannot be used:
 *                              L0[0], L1[0], L2[1] -> 3
 *   1 GiB at 1 GiB, PA 2 MiB-aligned, {4K,1G}: L0[0], L1[1], 512 L2 -> 514
 *
 * Applying a fresh-region reservation uses exactly need pages.
 *
 * Unmap needs pages only to split blocks: a block partly unmapped becomes
 * one new table plus what the block's range minus the hole needs below
 * it, from the block's PA; an entry the hole cuts costs one table for the
 * survivors on both sides. So the middle page of a 1 GiB block
 * ({4K,2M,1G}) needs 1 + 1 = 2 and uses 2: split counts are exact too.
 * test_resv_unmap_split_counts pins that.
 */
#define PT_TEST_OWN_CHECK_VALID

#include "pt_test.h"

/* ------------------------------------------------------------------ */
/* Environment                                                         */

static void check_valid(const struct env *e)
{
	EXPECT_INT(gpuvm_pt_validate(e->pt, stderr), 0);
	EXPECT_INT(gpuvm_mem_validate(e->mem, stderr), 0);
}

/* iova -> pa through a leaf at level (pa ignored for NULL leaves). */
static void check_xlate(const struct env *e, uint64_t iova, uint64_t pa,
			unsigned int level, bool null)
{
	struct gpuvm_pt_walk w;

	memset(&w, 0, sizeof(w));
	EXPECT_INT(gpuvm_pt_iova_to_phys(e->pt, iova, &w), 0);
	EXPECT_U64(w.level, level);
	EXPECT_U64(!!gpuvm_pte_is_null(w.desc), null);
	if (null)
		EXPECT_U64(gpuvm_pte_addr(w.desc), 0);
	else
		EXPECT_U64(w.pa, pa);
}

/* ------------------------------------------------------------------ */
/* The formula                                                         */

/*
 * A leaf at `level` covers the level entry containing x when mapping
 * [s, e) from PA p at s: the entry lies inside the range, its size is
 * supported and the PA there is aligned to it.
 */
static bool leaf_covers(uint64_t pgsizes, unsigned int level, uint64_t x,
			uint64_t s, uint64_t e, uint64_t p, bool null)
{
	uint64_t size = gpuvm_pt_level_size(level), ex = x & ~(size - 1);

	if (level == 0 || !supported(pgsizes, level) || ex < s ||
	    e - ex < size)
		return false;
	return null || !((p + (ex - s)) & (size - 1));
}

/*
 * Tables a map of [s, e) from PA p needs on a fresh pt with its top table
 * at level start: entries at levels start..2 touched by the range and
 * covered by no leaf at their own level or above. Also the leaves it
 * makes, per size.
 */
static uint64_t formula_tables(uint64_t pgsizes, unsigned int start,
			       uint64_t s, uint64_t e, uint64_t p, bool null,
			       uint64_t leaves[3])
{
	uint64_t tables = 0, x, size, usize;
	unsigned int level, up;

	leaves[0] = leaves[1] = leaves[2] = 0;
	for (level = start; level <= 3; level++) {
		size = gpuvm_pt_level_size(level);
		x = s & ~(size - 1);
		while (x < e) {
			for (up = start; up < level; up++)
				if (leaf_covers(pgsizes, up, x, s, e, p, null))
					break;
			if (up < level) {
				/* skip what the ancestor's leaf covers */
				usize = gpuvm_pt_level_size(up);
				x = (x & ~(usize - 1)) + usize;
				continue;
			}
			if (leaf_covers(pgsizes, level, x, s, e, p, null) ||
			    level == 3)
				leaves[3 - level]++;
			else
				tables++;
			x += size;
		}
	}
	return tables;
}

/* ------------------------------------------------------------------ */
/* Exact counts for aligned cases                                      */

struct resv_case {
	const char *name;
	unsigned int va_bits;
	uint64_t pgsizes, iova, size, pa;
	uint32_t prot;
	uint64_t need;            /* by hand, from the formula */
	unsigned int first_level; /* leaf level translating iova */
};

static const struct resv_case resv_cases[] = {
	{ "4 KiB at 0", 48, PG_4K_2M, 0, SZ_4K, 0x40000000, 0, 3, 3 },
	{ "2 MiB at 2 MiB", 48, PG_4K_2M, SZ_2M, SZ_2M, 0x40200000, 0, 2, 2 },
	{ "1 GiB at 1 GiB", 48, PG_4K_2M, SZ_1G, SZ_1G, 0x80000000, 0, 2, 2 },
	{ "1 GiB at 1 GiB, 4 KiB pages only", 48, PG_4K, SZ_1G, SZ_1G,
	  0x80000000, 0, 2 + 512, 3 },
	{ "1 GiB at 1 GiB, 1 GiB pages", 48, PG_ALL, SZ_1G, SZ_1G,
	  0x80000000, 0, 1, 1 },
	{ "1 TiB at 0", 48, PG_4K_2M, 0, SZ_1T, 0, 0, 2 + 1024, 2 },
	{ "straddling 2 MiB, unaligned at both ends", 48, PG_4K_2M,
	  SZ_2M - 2 * SZ_4K, 5 * SZ_4K, 0x40000000 + SZ_2M - 2 * SZ_4K, 0,
	  4, 3 },
	{ "4 MiB at 1 MiB: partial, block, partial", 48, PG_4K_2M, SZ_1M,
	  4 * SZ_1M, 0x40100000, 0, 4, 3 },
	{ "2 MiB at 2 MiB from a 4 KiB-aligned PA", 48, PG_4K_2M, SZ_2M,
	  SZ_2M, 0x40201000, 0, 3, 3 },
	{ "1 GiB at 1 GiB from a 2 MiB-aligned PA, {4K,1G}", 48, PG_4K_1G,
	  SZ_1G, SZ_1G, 0x80200000, 0, 2 + 512, 3 },
	{ "1 GiB at 1 GiB from a 2 MiB-aligned PA, {4K,2M,1G}", 48, PG_ALL,
	  SZ_1G, SZ_1G, 0x80200000, 0, 2, 2 },
	{ "512 GiB at 512 GiB, 1 GiB pages", 48, PG_ALL, SZ_512G, SZ_512G,
	  SZ_512G, 0, 1, 1 },
	{ "NULL 1 GiB at 1 GiB", 48, PG_4K_2M, SZ_1G, SZ_1G, 0,
	  GPUVM_PT_PROT_NULL, 2, 2 },
	{ "NULL 2 MiB at 2 MiB + 4 KiB", 48, PG_4K_2M,
	  SZ_2M + SZ_4K, SZ_2M, 0, GPUVM_PT_PROT_NULL, 4, 3 },
	{ "4 KiB at 0, 39-bit VA", 39, PG_4K_2M, 0, SZ_4K, 0x1000, 0, 2, 3 },
	{ "2 MiB at 2 MiB, 39-bit VA", 39, PG_4K_2M, SZ_2M, SZ_2M, SZ_2M, 0,
	  1, 2 },
	{ "whole 32-bit VA, 4 KiB pages", 32, PG_4K, 0, 4 * SZ_1G, 0, 0,
	  4 * (1 + 512), 3 },
	{ "whole 40-bit VA, 1 GiB pages", 40, PG_ALL, 0, SZ_1T, 0, 0, 2, 1 },
	{ "last 4 KiB of a 48-bit VA", 48, PG_ALL, (1ull << 48) - SZ_4K,
	  SZ_4K, 0x1000, 0, 3, 3 },
};

static void test_resv_exact_aligned(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(resv_cases) / sizeof(resv_cases[0]); i++) {
		const struct resv_case *c = &resv_cases[i];
		bool null = c->prot & GPUVM_PT_PROT_NULL;
		struct gpuvm_pt_resv resv = { 0 };
		struct gpuvm_pt_linear lin;
		struct gpuvm_pt_gather g;
		struct gpuvm_pt_stats st;
		uint64_t leaves[3], f;
		struct env e;

		CTX("case \"%s\": %u-bit %s map [0x%" PRIx64 ", +0x%" PRIx64
		    ") pa 0x%" PRIx64, c->name, c->va_bits,
		    pgs_name(c->pgsizes), c->iova, c->size, c->pa);
		env_init(&e, LAYOUT_HIGH, c->va_bits, c->pgsizes);
		f = formula_tables(c->pgsizes, gpuvm_pt_start_level(e.pt),
				   c->iova, c->iova + c->size, c->pa, null,
				   leaves);
		EXPECT_U64(f, c->need);

		gpuvm_pt_linear_init(&lin, c->iova, c->pa);
		EXPECT_INT(gpuvm_pt_reserve_map(e.pt, c->iova, c->size,
						&lin.src, c->prot, &resv), 0);
		EXPECT_U64(resv.need, c->need);
		EXPECT_U64(resv.filled, 0);
		EXPECT_U64(resv.used, 0);
		EXPECT_U64(pt_frames(&e), 1); /* counting allocates nothing */

		EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
		EXPECT_U64(resv.filled, c->need);
		EXPECT_U64(pt_frames(&e), 1 + c->need);
		EXPECT_U64(table_pages(&e), 1);

		gpuvm_pt_gather_init(&g);
		EXPECT_INT(gpuvm_pt_map_reserved(e.pt, c->iova, c->size,
						 &lin.src, c->prot, &resv, &g),
			   0);
		EXPECT_U64(resv.used, c->need);
		EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
		gpuvm_pt_prune(e.pt, &g);
		EXPECT_U64(g.freed_count, 0);
		get_stats(&e, &st);
		EXPECT_U64(st.table_pages, 1 + c->need);
		EXPECT_U64(st.leaves[0], leaves[0]);
		EXPECT_U64(st.leaves[1], leaves[1]);
		EXPECT_U64(st.leaves[2], leaves[2]);
		EXPECT_U64(st.null_leaves,
			   null ? leaves[0] + leaves[1] + leaves[2] : 0);
		EXPECT_U64(st.reserved_peak, c->need);
		EXPECT_U64(st.pte_writes,
			   c->need + leaves[0] + leaves[1] + leaves[2]);
		gpuvm_pt_resv_release(e.pt, &resv);
		EXPECT_U64(resv.filled, 0);
		EXPECT_TRUE(resv.pages == NULL);
		check_quiescent(&e);

		check_xlate(&e, c->iova, c->pa, c->first_level, null);
		/* all cases have the same leaf size at both ends */
		check_xlate(&e, c->iova + c->size - 1, c->pa + c->size - 1,
			    c->first_level, null);
		if (c->iova)
			check_unmapped(&e, c->iova - 1);
		env_fini(&e);

		/* gpuvm_pt_map takes the same number of tables. */
		env_init(&e, LAYOUT_HIGH, c->va_bits, c->pgsizes);
		EXPECT_INT(do_map(&e, c->iova, c->size, c->pa, c->prot), 0);
		EXPECT_U64(table_pages(&e), 1 + c->need);
		check_quiescent(&e);
		env_fini(&e);
	}
}

/*
 * Counting looks at the tables that exist: mapping next to an existing
 * mapping needs only what is missing. Both placements of the top table.
 */
static void resv_existing_tables(enum layout layout)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_linear lin;
	struct env e;

	CTX("%s: 48-bit {4K,2M}, 4 KiB mapped at 0, reserve 4 KiB at 8 KiB",
	    layout_name(layout));
	env_init(&e, layout, 48, PG_4K_2M);
	EXPECT_INT(do_map(&e, 0, SZ_4K, 0x1000, 0), 0);
	EXPECT_U64(table_pages(&e), 4);
	gpuvm_pt_linear_init(&lin, 2 * SZ_4K, 0x3000);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, 2 * SZ_4K, SZ_4K, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 0);

	CTX("%s: reserve 4 KiB at 2 MiB (one L3 table)", layout_name(layout));
	resv.need = 0;
	gpuvm_pt_linear_init(&lin, SZ_2M, 0x3000);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_2M, SZ_4K, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 1);

	CTX("%s: reserve 4 KiB at 1 GiB (L2 + L3)", layout_name(layout));
	resv.need = 0;
	gpuvm_pt_linear_init(&lin, SZ_1G, 0x3000);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_1G, SZ_4K, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 2);

	CTX("%s: reserve 4 KiB at 512 GiB (L1 + L2 + L3)",
	    layout_name(layout));
	resv.need = 0;
	gpuvm_pt_linear_init(&lin, SZ_512G, 0x3000);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_512G, SZ_4K, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 3);

	/* Counts add up over calls. */
	CTX("%s: the three together", layout_name(layout));
	resv.need = 0;
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_512G, SZ_4K, &lin.src, 0,
					&resv), 0);
	gpuvm_pt_linear_init(&lin, SZ_1G, 0x3000);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_1G, SZ_4K, &lin.src, 0,
					&resv), 0);
	gpuvm_pt_linear_init(&lin, SZ_2M, 0x3000);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_2M, SZ_4K, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 6);
	EXPECT_U64(resv.filled, 0);
	gpuvm_pt_resv_release(e.pt, &resv);
	check_quiescent(&e);
	env_fini(&e);
}

static void test_resv_existing_tables(void **state)
{
	(void)state;
	resv_existing_tables(LAYOUT_HIGH);
}

static void test_resv_existing_tables_root_at_pa0(void **state)
{
	(void)state;
	resv_existing_tables(LAYOUT_ROOT0);
}

/* ------------------------------------------------------------------ */
/* Unmap: splits                                                       */

struct split_case {
	const char *name;
	uint64_t pgsizes;
	unsigned int blevel;      /* level of the block */
	uint64_t cut_s, cut_e;    /* offsets in the block */
	uint64_t need, used;
};

static const struct split_case split_cases[] = {
	/* 2 MiB block: one L3 table, whatever the cut. */
	{ "2M block, first page", PG_4K_2M, 2, 0, SZ_4K, 1, 1 },
	{ "2M block, middle page", PG_4K_2M, 2, SZ_1M, SZ_1M + SZ_4K, 1, 1 },
	{ "2M block, last page", PG_4K_2M, 2, SZ_2M - SZ_4K, SZ_2M, 1, 1 },
	{ "2M block, whole", PG_4K_2M, 2, 0, SZ_2M, 0, 0 },
	/* 1 GiB block, {4K,2M,1G}: L2 table + an L3 per partial 2 MiB. */
	{ "1G block, first page", PG_ALL, 1, 0, SZ_4K, 2, 2 },
	{ "1G block, last page", PG_ALL, 1, SZ_1G - SZ_4K, SZ_1G, 2, 2 },
	{ "1G block, 2 MiB-aligned 2 MiB", PG_ALL, 1, 0x20000000,
	  0x20200000, 1, 1 },
	{ "1G block, straddling 2 MiB", PG_ALL, 1, 0x20000000 - SZ_4K,
	  0x20000000 + SZ_4K, 3, 3 },
	/* Both surviving pieces touch the same 2 MiB entry: one L3 for both. */
	{ "1G block, middle page", PG_ALL, 1, 0x20013000, 0x20014000, 2, 2 },
	{ "1G block, whole", PG_ALL, 1, 0, SZ_1G, 0, 0 },
	/* {4K,1G}: L2 table + 512 L3 (or 511 if one is cut away whole). */
	{ "1G block {4K,1G}, first page", PG_4K_1G, 1, 0, SZ_4K, 513, 513 },
	{ "1G block {4K,1G}, middle page", PG_4K_1G, 1, 0x20013000,
	  0x20014000, 513, 513 },
	{ "1G block {4K,1G}, a whole 2 MiB", PG_4K_1G, 1, 0x20000000,
	  0x20200000, 512, 512 },
};

static void test_resv_unmap_split_counts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];
		uint64_t bsize = gpuvm_pt_level_size(c->blevel);
		uint64_t base = c->blevel == 1 ? 3 * SZ_1G : 3 * SZ_1G + SZ_2M;
		uint64_t pa = 5 * SZ_1G, tables0, freed;
		struct gpuvm_pt_resv resv = { 0 };
		struct gpuvm_pt_gather g;
		struct env e;

		CTX("split case \"%s\"", c->name);
		env_init(&e, LAYOUT_HIGH, 39, c->pgsizes);
		EXPECT_INT(do_map(&e, base, bsize, pa, 0), 0);
		check_xlate(&e, base, pa, c->blevel, false);
		tables0 = table_pages(&e);
		EXPECT_INT(gpuvm_pt_reserve_unmap(e.pt, base + c->cut_s,
						  c->cut_e - c->cut_s, &resv),
			   0);
		EXPECT_U64(resv.need, c->need);
		EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
		EXPECT_U64(pt_frames(&e), tables0 + c->need);
		gpuvm_pt_gather_init(&g);
		EXPECT_INT(gpuvm_pt_unmap_reserved(e.pt, base + c->cut_s,
						   c->cut_e - c->cut_s, &resv,
						   &g), 0);
		EXPECT_U64(resv.used, c->used);
		EXPECT_U64(g.start, base + c->cut_s);
		EXPECT_U64(g.end, base + c->cut_e);
		gpuvm_pt_prune(e.pt, &g);
		/* unmapping the whole block empties its table, if any */
		freed = c->cut_e - c->cut_s == bsize ? tables0 - 1 : 0;
		EXPECT_U64(g.freed_count, freed);
		EXPECT_U64(table_pages(&e), tables0 + c->used - freed);
		gpuvm_pt_gather_release(e.pt, &g);
		gpuvm_pt_resv_release(e.pt, &resv);
		check_quiescent(&e);
		check_unmapped(&e, base + c->cut_s);
		check_unmapped(&e, base + c->cut_e - 1);
		if (c->cut_s)
			check_xlate(&e, base, pa, c->cut_s >= SZ_2M &&
				    c->blevel == 1 && (c->pgsizes & SZ_2M) ?
				    2 : 3, false);
		if (c->cut_e < bsize)
			check_xlate(&e, base + bsize - 1, pa + bsize - 1,
				    bsize - c->cut_e >= SZ_2M &&
				    c->blevel == 1 && (c->pgsizes & SZ_2M) ?
				    2 : 3, false);
		/* Nothing to unmap: nothing needed. */
		resv.need = 0;
		EXPECT_INT(gpuvm_pt_reserve_unmap(e.pt, base + c->cut_s,
						  c->cut_e - c->cut_s, &resv),
			   0);
		EXPECT_U64(resv.need, 0);
		gpuvm_pt_resv_release(e.pt, &resv);
		EXPECT_INT(do_unmap(&e, base, bsize), 0);
		EXPECT_U64(table_pages(&e), 1);
		check_quiescent(&e);
		env_fini(&e);
	}
}

/* ------------------------------------------------------------------ */
/* A reserved apply allocates nothing                                  */

/* Arms fail_nth(1) around f: any allocation would fail and be counted. */
struct alloc_watch {
	uint64_t allocs, failures;
};

static void watch_start(const struct env *e, struct alloc_watch *w)
{
	struct gpuvm_mem_stats ms;

	ms = mem_stats_of(e->mem);
	w->allocs = ms.allocs;
	w->failures = ms.alloc_failures;
	gpuvm_mem_fail_nth_alloc(e->mem, 1);
}

static void watch_end(const struct env *e, const struct alloc_watch *w)
{
	struct gpuvm_mem_stats ms;

	gpuvm_mem_fail_nth_alloc(e->mem, 0);
	ms = mem_stats_of(e->mem);
	EXPECT_U64(ms.allocs, w->allocs);
	EXPECT_U64(ms.alloc_failures, w->failures);
}

static void test_resv_apply_no_alloc(void **state)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_linear lin, lin2;
	struct alloc_watch aw;
	struct gpuvm_pt_gather g;
	struct gpuvm_pt_stats st;
	struct env e;
	uint64_t x;

	(void)state;
	/* A map that takes 514 tables. */
	CTX("apply without allocating: 1 GiB of 4 KiB pages");
	env_init(&e, LAYOUT_HIGH, 48, PG_4K);
	gpuvm_pt_linear_init(&lin, SZ_1G, 0x80000000);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_1G, SZ_1G, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 514);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	gpuvm_pt_gather_init(&g);
	watch_start(&e, &aw);
	EXPECT_INT(gpuvm_pt_map_reserved(e.pt, SZ_1G, SZ_1G, &lin.src, 0,
					 &resv, &g), 0);
	gpuvm_pt_prune(e.pt, &g);
	watch_end(&e, &aw);
	EXPECT_U64(resv.used, 514);
	gpuvm_pt_resv_release(e.pt, &resv);
	for (x = 0; x < SZ_1G; x += SZ_2M + 0x3456)
		check_xlate(&e, SZ_1G + x, 0x80000000 + x, 3, false);
	check_xlate(&e, 2 * SZ_1G - 1, 0x80000000 + SZ_1G - 1, 3, false);
	get_stats(&e, &st);
	EXPECT_U64(st.leaves[0], SZ_1G / SZ_4K);
	EXPECT_U64(st.table_pages, 1 + 514);
	check_quiescent(&e);
	env_fini(&e);

	/* An unmap that splits a 1 GiB block. */
	CTX("apply without allocating: split of a 1 GiB block");
	env_init(&e, LAYOUT_HIGH, 39, PG_ALL);
	EXPECT_INT(do_map(&e, 3 * SZ_1G, SZ_1G, 5 * SZ_1G, 0), 0);
	EXPECT_INT(gpuvm_pt_reserve_unmap(e.pt, 3 * SZ_1G + 0x20013000, SZ_4K,
					  &resv), 0);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	gpuvm_pt_gather_init(&g);
	watch_start(&e, &aw);
	EXPECT_INT(gpuvm_pt_unmap_reserved(e.pt, 3 * SZ_1G + 0x20013000,
					   SZ_4K, &resv, &g), 0);
	gpuvm_pt_prune(e.pt, &g);
	watch_end(&e, &aw);
	gpuvm_pt_gather_release(e.pt, &g);
	gpuvm_pt_resv_release(e.pt, &resv);
	check_unmapped(&e, 3 * SZ_1G + 0x20013000);
	check_xlate(&e, 3 * SZ_1G + 0x20012fff, 5 * SZ_1G + 0x20012fff, 3,
		    false);
	check_xlate(&e, 3 * SZ_1G + 0x20014000, 5 * SZ_1G + 0x20014000, 3,
		    false);
	check_xlate(&e, 3 * SZ_1G, 5 * SZ_1G, 2, false);
	get_stats(&e, &st);
	EXPECT_U64(st.leaves[0], 511);
	EXPECT_U64(st.leaves[1], 511);
	EXPECT_U64(st.leaves[2], 0);
	check_quiescent(&e);

	/* A transaction: unmap a page and map another PA there. */
	CTX("apply without allocating: unmap + map transaction");
	x = 3 * SZ_1G + 0x30000000;
	gpuvm_pt_linear_init(&lin2, x + SZ_4K, 0x1234000);
	EXPECT_INT(gpuvm_pt_reserve_unmap(e.pt, x, 3 * SZ_4K, &resv), 0);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, x + SZ_4K, SZ_4K, &lin2.src,
					GPUVM_PT_PROT_READONLY, &resv), 0);
	/* split (L3 table) + map counting the block as absent (L3) */
	EXPECT_U64(resv.need, 2);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	gpuvm_pt_gather_init(&g);
	watch_start(&e, &aw);
	EXPECT_INT(gpuvm_pt_unmap_reserved(e.pt, x, 3 * SZ_4K, &resv, &g), 0);
	EXPECT_INT(gpuvm_pt_map_reserved(e.pt, x + SZ_4K, SZ_4K, &lin2.src,
					 GPUVM_PT_PROT_READONLY, &resv, &g),
		   0);
	gpuvm_pt_prune(e.pt, &g);
	watch_end(&e, &aw);
	EXPECT_U64(resv.used, 1);
	EXPECT_U64(g.start, x);
	EXPECT_U64(g.end, x + 3 * SZ_4K);
	gpuvm_pt_gather_release(e.pt, &g);
	gpuvm_pt_resv_release(e.pt, &resv);
	check_unmapped(&e, x);
	check_xlate(&e, x + SZ_4K + 5, 0x1234005, 3, false);
	check_unmapped(&e, x + 2 * SZ_4K);
	check_xlate(&e, x + 3 * SZ_4K, 5 * SZ_1G + 0x30003000, 3, false);
	check_xlate(&e, x - 1, 5 * SZ_1G + 0x30000000 - 1, 2, false);
	check_quiescent(&e);
	env_fini(&e);
}

/* ------------------------------------------------------------------ */
/* Unused reserved pages go back                                       */

static void test_resv_release_unused(void **state)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_linear lin;
	struct gpuvm_mem_stats m0, m1;
	struct gpuvm_pt_gather g;
	struct env e;
	uint64_t s = SZ_2M - 2 * SZ_4K;

	(void)state;
	CTX("release unused: reserved twice, applied once");
	env_init(&e, LAYOUT_HIGH, 48, PG_4K_2M);
	gpuvm_pt_linear_init(&lin, s, 0x40000000);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, s, 5 * SZ_4K, &lin.src, 0,
					&resv), 0);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, s, 5 * SZ_4K, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 8);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	EXPECT_U64(pt_frames(&e), 1 + 8);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_map_reserved(e.pt, s, 5 * SZ_4K, &lin.src, 0,
					 &resv, &g), 0);
	EXPECT_U64(resv.used, 4);
	EXPECT_U64(table_pages(&e), 5);
	EXPECT_U64(pt_frames(&e), 9);
	gpuvm_pt_resv_release(e.pt, &resv);
	EXPECT_U64(pt_frames(&e), 5);
	check_quiescent(&e);

	CTX("release unused: reserved, filled, never applied");
	gpuvm_pt_linear_init(&lin, SZ_1T, 0);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_1T, SZ_1G, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 2);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	EXPECT_U64(pt_frames(&e), 7);
	gpuvm_pt_resv_release(e.pt, &resv);
	EXPECT_U64(pt_frames(&e), 5);
	EXPECT_U64(table_pages(&e), 5);
	check_quiescent(&e);

	CTX("release unused: fill is incremental");
	m0 = mem_stats_of(e.mem);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, SZ_1T, SZ_1G, &lin.src, 0,
					&resv), 0);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0); /* nothing more */
	gpuvm_pt_linear_init(&lin, 2 * SZ_1T, 0);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, 2 * SZ_1T, SZ_4K, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 2 + 3);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	EXPECT_U64(resv.filled, 5);
	m1 = mem_stats_of(e.mem);
	EXPECT_U64(m1.allocs - m0.allocs, 5);
	EXPECT_U64(pt_frames(&e), 5 + 5);
	gpuvm_pt_resv_release(e.pt, &resv);
	EXPECT_U64(pt_frames(&e), 5);
	check_quiescent(&e);
	env_fini(&e);

	/*
	 * A transaction that reserves the same split twice counts it twice
	 * (each count is made against the state before the transaction), and
	 * uses it once: the unused pages go back.
	 */
	CTX("release unused: split reserved twice");
	env_init(&e, LAYOUT_HIGH, 39, PG_ALL);
	EXPECT_INT(do_map(&e, 3 * SZ_1G, SZ_1G, 5 * SZ_1G, 0), 0);
	EXPECT_INT(gpuvm_pt_reserve_unmap(e.pt, 3 * SZ_1G + 0x20013000, SZ_4K,
					  &resv), 0);
	EXPECT_U64(resv.need, 2);
	EXPECT_INT(gpuvm_pt_reserve_unmap(e.pt, 3 * SZ_1G + 0x20013000, SZ_4K,
					  &resv), 0);
	EXPECT_U64(resv.need, 4);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	EXPECT_U64(pt_frames(&e), 1 + 4);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap_reserved(e.pt, 3 * SZ_1G + 0x20013000,
					   SZ_4K, &resv, &g), 0);
	gpuvm_pt_prune(e.pt, &g);
	EXPECT_U64(resv.used, 2);
	gpuvm_pt_gather_release(e.pt, &g);
	gpuvm_pt_resv_release(e.pt, &resv);
	EXPECT_U64(table_pages(&e), 3);
	EXPECT_U64(pt_frames(&e), 3);
	check_quiescent(&e);
	env_fini(&e);
}

/* ------------------------------------------------------------------ */
/* Failures change nothing                                             */

struct snapshot {
	struct gpuvm_pt_stats st;
	uint64_t frames;
	uint64_t failures;
};

static void snap(const struct env *e, struct snapshot *s)
{
	struct gpuvm_mem_stats ms;

	get_stats(e, &s->st);
	ms = mem_stats_of(e->mem);
	s->frames = ms.frames_by_purpose[GPUVM_MEM_PT];
	s->failures = ms.alloc_failures;
}

/* Nothing changed but one more allocation failure. */
static void check_unchanged(const struct env *e, const struct snapshot *s)
{
	struct snapshot now;

	snap(e, &now);
	EXPECT_TRUE(memcmp(&now.st, &s->st, sizeof(now.st)) == 0);
	EXPECT_U64(now.frames, s->frames);
	EXPECT_U64(now.failures, s->failures + 1);
	check_valid(e);
}

static void map_enomem_case(unsigned int va_bits, uint64_t pgsizes,
			    uint64_t pre, uint64_t iova, uint64_t size,
			    uint64_t pa, uint64_t need, bool every_n)
{
	struct snapshot s0;
	struct env e;
	uint64_t n;
	int ret;

	env_init(&e, LAYOUT_HIGH, va_bits, pgsizes);
	if (pre != UINT64_MAX)
		EXPECT_INT(do_map(&e, pre, SZ_4K, 0x7000, 0), 0);
	for (n = 1;; n++) {
		if (!every_n && n > 3 && n < need - 1)
			n = n < need / 2 ? need / 2 : need - 1;
		CTX("map [0x%" PRIx64 ", +0x%" PRIx64 ") %s needing %" PRIu64
		    " tables, allocation %" PRIu64 " fails", iova, size,
		    pgs_name(pgsizes), need, n);
		snap(&e, &s0);
		gpuvm_mem_fail_nth_alloc(e.mem, n);
		ret = do_map(&e, iova, size, pa, 0);
		gpuvm_mem_fail_nth_alloc(e.mem, 0);
		if (!ret)
			break;
		EXPECT_INT(ret, -ENOMEM);
		check_unchanged(&e, &s0);
		check_unmapped(&e, iova);
		check_unmapped(&e, iova + size / 2);
		check_unmapped(&e, iova + size - 1);
		if (pre != UINT64_MAX)
			check_xlate(&e, pre, 0x7000, 3, false);
		EXPECT_TRUE(n <= need);
	}
	/* Success exactly when every counted page could be allocated. */
	EXPECT_U64(n, need + 1);
	EXPECT_U64(table_pages(&e), s0.st.table_pages + need);
	check_xlate(&e, iova, pa, 3, false);
	check_xlate(&e, iova + size - 1, pa + size - 1, 3, false);
	check_quiescent(&e);
	env_fini(&e);
}

static void test_map_enomem(void **state)
{
	(void)state;
	/* 4 KiB at 0: L1, L2, L3; every n. */
	map_enomem_case(48, PG_4K_2M, UINT64_MAX, 0, SZ_4K, 0x1000, 3, true);
	/*
	 * [1 GiB + 8 KiB, 2 GiB + 4 MiB) next to a page at 1 GiB, 4 KiB
	 * pages: the L3 at 1 GiB exists, 511 more under L1[1]; under L1[2]
	 * an L2 and two L3: 511 + 3 = 514.
	 */
	map_enomem_case(48, PG_4K, SZ_1G, SZ_1G + 2 * SZ_4K,
			SZ_1G - 2 * SZ_4K + 4 * SZ_1M, 0x80002000ull, 514,
			false);
}

/* -ENOMEM from filling leaves the reservation as it was. */
static void test_resv_fill_enomem(void **state)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_linear lin;
	struct snapshot s0;
	struct env *e = *state;

	CTX("fill -ENOMEM, empty reservation");
	gpuvm_pt_linear_init(&lin, 0, 0x1000);
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, 0, SZ_4K, &lin.src, 0, &resv),
		   0);
	EXPECT_U64(resv.need, 3);
	snap(e, &s0);
	gpuvm_mem_fail_nth_alloc(e->mem, 3);
	EXPECT_INT(gpuvm_pt_resv_fill(e->pt, &resv), -ENOMEM);
	gpuvm_mem_fail_nth_alloc(e->mem, 0);
	EXPECT_U64(resv.need, 3);
	EXPECT_U64(resv.filled, 0);
	EXPECT_U64(resv.used, 0);
	check_unchanged(e, &s0);

	CTX("fill -ENOMEM, partly filled reservation");
	EXPECT_INT(gpuvm_pt_resv_fill(e->pt, &resv), 0);
	EXPECT_U64(pt_frames(e), 4);
	gpuvm_pt_linear_init(&lin, SZ_1G, 0x80000000);
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, SZ_1G, SZ_1G, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 3 + 514);
	snap(e, &s0);
	gpuvm_mem_fail_nth_alloc(e->mem, 100);
	EXPECT_INT(gpuvm_pt_resv_fill(e->pt, &resv), -ENOMEM);
	gpuvm_mem_fail_nth_alloc(e->mem, 0);
	EXPECT_U64(resv.filled, 3);
	EXPECT_U64(resv.need, 3 + 514);
	check_unchanged(e, &s0);
	EXPECT_U64(pt_frames(e), 4);
	EXPECT_INT(gpuvm_pt_resv_fill(e->pt, &resv), 0);
	EXPECT_U64(resv.filled, 517);
	EXPECT_U64(pt_frames(e), 1 + 517);
	gpuvm_pt_resv_release(e->pt, &resv);
	check_quiescent(e);
	EXPECT_U64(table_pages(e), 1);
}

/* Unmapping part of a block needs tables; their lack changes nothing. */
static void unmap_enomem_case(uint64_t pgsizes, unsigned int blevel,
			      uint64_t cut, uint64_t need, uint64_t used)
{
	uint64_t bsize = gpuvm_pt_level_size(blevel);
	uint64_t base = 3 * SZ_1G, pa = 5 * SZ_1G, n, t0;
	struct gpuvm_pt_gather g;
	struct snapshot s0;
	struct env e;
	int ret;

	env_init(&e, LAYOUT_HIGH, 39, pgsizes);
	EXPECT_INT(do_map(&e, base, bsize, pa, GPUVM_PT_PROT_NOEXEC), 0);
	t0 = table_pages(&e);
	for (n = 1;; n++) {
		CTX("unmap page +0x%" PRIx64 " of a %s block %s, allocation "
		    "%" PRIu64 " fails", cut, blevel == 1 ? "1 GiB" : "2 MiB",
		    pgs_name(pgsizes), n);
		snap(&e, &s0);
		gpuvm_pt_gather_init(&g);
		gpuvm_mem_fail_nth_alloc(e.mem, n);
		ret = gpuvm_pt_unmap(e.pt, base + cut, SZ_4K, &g);
		gpuvm_mem_fail_nth_alloc(e.mem, 0);
		if (!ret)
			break;
		EXPECT_INT(ret, -ENOMEM);
		EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
		EXPECT_U64(g.freed_count, 0);
		check_unchanged(&e, &s0);
		check_xlate(&e, base + cut, pa + cut, blevel, false);
		check_xlate(&e, base, pa, blevel, false);
		check_xlate(&e, base + bsize - 1, pa + bsize - 1, blevel,
			    false);
		EXPECT_TRUE(n <= need);
	}
	EXPECT_U64(n, need + 1);
	EXPECT_U64(g.start, base + cut);
	EXPECT_U64(g.end, base + cut + SZ_4K);
	gpuvm_pt_gather_release(e.pt, &g);
	EXPECT_U64(table_pages(&e), t0 + used);
	check_unmapped(&e, base + cut);
	if (cut)
		check_xlate(&e, base + cut - 1, pa + cut - 1, 3, false);
	check_xlate(&e, base + cut + SZ_4K, pa + cut + SZ_4K, 3, false);
	check_quiescent(&e);
	env_fini(&e);
}

static void test_unmap_enomem(void **state)
{
	(void)state;
	/* middle page of a 1 GiB block: an L2 and one L3 for both sides */
	unmap_enomem_case(PG_ALL, 1, 0x20013000, 2, 2);
	/* first page: L2 + one L3 */
	unmap_enomem_case(PG_ALL, 1, 0, 2, 2);
	/* middle page of a 2 MiB block: one L3 */
	unmap_enomem_case(PG_4K_2M, 2, SZ_1M, 1, 1);
}

/* ------------------------------------------------------------------ */
/* Reservation misuse and bad arguments                                */

static void test_resv_errors(void **state)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	struct snapshot s0, s1;
	struct env *e = *state;

	CTX("reservation errors");
	gpuvm_pt_linear_init(&lin, 0, 0);
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, 0x800, SZ_4K, &lin.src, 0,
					&resv), -EINVAL);
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, 0, 0x800, &lin.src, 0, &resv),
		   -EINVAL);
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, 0, 0, &lin.src, 0, &resv),
		   -EINVAL);
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, SZ_512G - SZ_4K, 2 * SZ_4K,
					&lin.src, 0, &resv), -EINVAL);
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, 0, SZ_4K, &lin.src, 1u << 4,
					&resv), -EINVAL);
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, 0, SZ_4K, NULL, 0, &resv),
		   -EINVAL);
	EXPECT_INT(gpuvm_pt_reserve_unmap(e->pt, SZ_512G, SZ_4K, &resv),
		   -EINVAL);
	EXPECT_INT(gpuvm_pt_reserve_unmap(e->pt, 0x10, SZ_4K, &resv),
		   -EINVAL);
	EXPECT_U64(resv.need, 0);
	/* a NULL map needs no source */
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, 0, SZ_4K, NULL,
					GPUVM_PT_PROT_NULL, &resv), 0);
	EXPECT_U64(resv.need, 2);
	resv.need = 0;

	CTX("apply without a reservation: -ENOSPC, nothing done");
	snap(e, &s0);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_map_reserved(e->pt, 0, SZ_4K, &lin.src, 0, &resv,
					 &g), -ENOSPC);
	snap(e, &s1);
	EXPECT_TRUE(memcmp(&s0.st, &s1.st, sizeof(s0.st)) == 0);
	EXPECT_U64(resv.used, 0);
	check_unmapped(e, 0);
	EXPECT_INT(do_map(e, SZ_1G, SZ_2M, SZ_1G, 0), 0);
	snap(e, &s0);
	EXPECT_INT(gpuvm_pt_unmap_reserved(e->pt, SZ_1G + SZ_4K, SZ_4K, &resv,
					   &g), -ENOSPC);
	snap(e, &s1);
	EXPECT_TRUE(memcmp(&s0.st, &s1.st, sizeof(s0.st)) == 0);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	check_xlate(e, SZ_1G + SZ_4K, SZ_1G + SZ_4K, 2, false);

	CTX("apply with a short reservation: -ENOSPC, nothing done");
	EXPECT_INT(gpuvm_pt_reserve_map(e->pt, 0, SZ_4K, &lin.src, 0, &resv),
		   0);
	EXPECT_U64(resv.need, 2);
	resv.need = 1;
	EXPECT_INT(gpuvm_pt_resv_fill(e->pt, &resv), 0);
	snap(e, &s0);
	EXPECT_INT(gpuvm_pt_map_reserved(e->pt, 0, SZ_4K, &lin.src, 0, &resv,
					 &g), -ENOSPC);
	snap(e, &s1);
	EXPECT_TRUE(memcmp(&s0.st, &s1.st, sizeof(s0.st)) == 0);
	EXPECT_U64(resv.used, 0);
	gpuvm_pt_resv_release(e->pt, &resv);
	check_quiescent(e);
}

/* ------------------------------------------------------------------ */
/* Prune: freed only on release                                        */

static void test_prune_deferred_free(void **state)
{
	struct gpuvm_pt_resv resv = { 0 };
	uint64_t iova = 0x123456789000ull, root;
	struct gpuvm_pt_gather g;
	struct env *e = *state;

	CTX("prune: the only 4 KiB page, gpuvm_pt_unmap");
	root = gpuvm_pt_root(e->pt);
	EXPECT_INT(do_map(e, iova, SZ_4K, 0x5000, 0), 0);
	EXPECT_U64(table_pages(e), 4);
	EXPECT_U64(pt_frames(e), 4);
	EXPECT_TRUE(gpuvm_pte_is_table(gpuvm_mem_read64(e->mem, root + 8 *
				gpuvm_pt_index(iova, 0)), 0));
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e->pt, iova, SZ_4K, &g), 0);
	EXPECT_U64(g.start, iova);
	EXPECT_U64(g.end, iova + SZ_4K);
	EXPECT_U64(g.freed_count, 3);
	EXPECT_TRUE(g.freed_head != 0);
	EXPECT_U64(table_pages(e), 1);
	/* unlinked but not freed: the TLB may still hold them */
	EXPECT_U64(pt_frames(e), 4);
	EXPECT_U64(gpuvm_mem_read64(e->mem, root + 8 * gpuvm_pt_index(iova, 0)),
		   0);
	check_unmapped(e, iova);
	check_valid(e);
	gpuvm_pt_gather_release(e->pt, &g);
	EXPECT_U64(pt_frames(e), 1);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	EXPECT_U64(g.freed_count, 0);
	EXPECT_U64(g.freed_head, 0);
	check_quiescent(e);

	CTX("prune: step by step");
	EXPECT_INT(do_map(e, iova, SZ_4K, 0x5000, 0), 0);
	EXPECT_INT(gpuvm_pt_reserve_unmap(e->pt, iova, SZ_4K, &resv), 0);
	EXPECT_U64(resv.need, 0);
	EXPECT_INT(gpuvm_pt_resv_fill(e->pt, &resv), 0);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap_reserved(e->pt, iova, SZ_4K, &resv, &g), 0);
	/* empty tables stay linked until the prune */
	EXPECT_U64(table_pages(e), 4);
	EXPECT_U64(g.freed_count, 0);
	check_unmapped(e, iova);
	check_valid(e);
	gpuvm_pt_prune(e->pt, &g);
	EXPECT_U64(table_pages(e), 1);
	EXPECT_U64(g.freed_count, 3);
	EXPECT_U64(pt_frames(e), 4);
	check_valid(e);
	gpuvm_pt_gather_release(e->pt, &g);
	gpuvm_pt_resv_release(e->pt, &resv);
	EXPECT_U64(pt_frames(e), 1);
	check_quiescent(e);

	CTX("prune: only the tables left empty");
	EXPECT_INT(do_map(e, iova, SZ_4K, 0x5000, 0), 0);
	EXPECT_INT(do_map(e, iova + SZ_2M, SZ_4K, 0x6000, 0), 0);
	EXPECT_INT(do_map(e, iova + SZ_1G, SZ_4K, 0x7000, 0), 0);
	EXPECT_U64(table_pages(e), 1 + 1 + 2 + 3);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e->pt, iova + SZ_2M, SZ_4K, &g), 0);
	EXPECT_U64(g.freed_count, 1); /* its L3 */
	gpuvm_pt_gather_release(e->pt, &g);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e->pt, iova + SZ_1G, SZ_4K, &g), 0);
	EXPECT_U64(g.freed_count, 2); /* its L3 and L2 */
	gpuvm_pt_gather_release(e->pt, &g);
	EXPECT_U64(table_pages(e), 4);
	check_xlate(e, iova, 0x5000, 3, false);
	check_quiescent(e);
	/* the whole VA: the last page and its three tables go */
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e->pt, 0, 1ull << 48, &g), 0);
	EXPECT_U64(g.freed_count, 3);
	EXPECT_U64(g.start, iova);
	EXPECT_U64(g.end, iova + SZ_4K);
	gpuvm_pt_gather_release(e->pt, &g);
	/* unmapping nothing queues nothing */
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e->pt, 0, 1ull << 48, &g), 0);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	EXPECT_U64(g.freed_count, 0);
	EXPECT_U64(pt_frames(e), 1);
	check_quiescent(e);
}

/* ------------------------------------------------------------------ */
/* Transactions that put a block where a table was                      */

/*
 * Unmap the only leaf under a table, then map a block over the whole
 * entry, in one transaction: the table, left empty by the unmap, must go
 * (queued on the gather, whose range must cover the entry whose
 * descriptor changed from table to block), not leak.
 */
static void block_over_emptied(uint64_t pgsizes, unsigned int blevel)
{
	uint64_t bsize = gpuvm_pt_level_size(blevel), base = 7 * SZ_1G;
	uint64_t leaf = blevel == 2 ? base + 5 * SZ_4K : base + 3 * SZ_2M;
	uint64_t lsize = blevel == 2 ? SZ_4K : SZ_2M;
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	uint64_t t0, tables_after;
	struct env e;

	CTX("transaction: unmap the %s leaf under a table, map a %s block "
	    "over it, %s", blevel == 2 ? "4 KiB" : "2 MiB",
	    blevel == 2 ? "2 MiB" : "1 GiB", pgs_name(pgsizes));
	env_init(&e, LAYOUT_HIGH, 48, pgsizes);
	EXPECT_INT(do_map(&e, leaf, lsize, 0x40000000, 0), 0);
	t0 = table_pages(&e);      /* root, L1, L2 (, L3) */
	tables_after = t0 - 1;     /* the table under the block goes */
	gpuvm_pt_linear_init(&lin, base, 9 * SZ_1G);
	EXPECT_INT(gpuvm_pt_reserve_unmap(e.pt, leaf, lsize, &resv), 0);
	EXPECT_INT(gpuvm_pt_reserve_map(e.pt, base, bsize, &lin.src, 0,
					&resv), 0);
	EXPECT_U64(resv.need, 0);
	EXPECT_INT(gpuvm_pt_resv_fill(e.pt, &resv), 0);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap_reserved(e.pt, leaf, lsize, &resv, &g), 0);
	EXPECT_INT(gpuvm_pt_map_reserved(e.pt, base, bsize, &lin.src, 0,
					 &resv, &g), 0);
	gpuvm_pt_prune(e.pt, &g);
	EXPECT_U64(resv.used, 0);
	check_xlate(&e, base, 9 * SZ_1G, blevel, false);
	check_xlate(&e, leaf, 9 * SZ_1G + (leaf - base), blevel, false);
	check_valid(&e);
	EXPECT_U64(table_pages(&e), tables_after);
	EXPECT_U64(g.freed_count, 1);
	EXPECT_U64(g.start, base);
	EXPECT_U64(g.end, base + bsize);
	gpuvm_pt_gather_release(e.pt, &g);
	gpuvm_pt_resv_release(e.pt, &resv);
	check_quiescent(&e);
	EXPECT_INT(do_unmap(&e, base, bsize), 0);
	EXPECT_U64(table_pages(&e), 1);
	check_quiescent(&e);
	env_fini(&e);
}

static void test_resv_txn_block_over_emptied_table(void **state)
{
	(void)state;
	block_over_emptied(PG_4K_2M, 2);
	block_over_emptied(PG_ALL, 1);
}

/* ------------------------------------------------------------------ */
/* Random transactions: the reservation is never exceeded               */

static uint64_t rnd_pages(struct pt_model *r, uint64_t max)
{
	uint64_t x = rng_below(&r->seed, 100), n;

	if (r->big && x < 25)
		n = rng_below(&r->seed, 2) ? SZ_1G / SZ_4K :
		    1 + rng_below(&r->seed, 3 * SZ_1G / 2 / SZ_4K);
	else if (x < 35)
		n = 1 + rng_below(&r->seed, 16);
	else if (x < 65)
		n = 1 + rng_below(&r->seed, 2048);
	else if (x < 85)
		n = 512 * (1 + rng_below(&r->seed, 4));
	else
		n = 512 * (1 + rng_below(&r->seed, 4)) + 3 -
		    rng_below(&r->seed, 7);
	return n > max ? max : n;
}

/* First page (window-relative) of a range of `pages` pages. */
static uint64_t rnd_first(struct pt_model *r, uint64_t pages)
{
	uint64_t x = rng_below(&r->seed, 100), align;

	if (r->big && x < 10)
		align = SZ_1G / SZ_4K;
	else if (x < 35)
		align = 1;
	else if (x < 50)
		align = SZ_64K / SZ_4K;
	else
		align = SZ_2M / SZ_4K;
	return rng_below(&r->seed, (r->npages - pages) / align + 1) * align;
}

static uint64_t rnd_pa(struct pt_model *r, uint64_t iova)
{
	uint64_t x = rng_below(&r->seed, 100);
	uint64_t blk = rng_below(&r->seed, SZ_1T / SZ_1G) * SZ_1G;

	if (x < 55)
		return blk + (iova & (r->pa_align - 1));
	if (x < 75)
		return blk + rng_below(&r->seed, 512) * SZ_2M +
		       SZ_4K * rng_below(&r->seed, 2);
	return rng_below(&r->seed, SZ_1T / SZ_4K) * SZ_4K;
}

static uint64_t rnd_pa_cb(void *r, uint64_t iova)
{
	return rnd_pa(r, iova);
}

/* A transaction's map: a linear source, sometimes a fragmented one. */
struct rnd_map {
	uint32_t prot;
	const struct gpuvm_pt_src *src;
	struct gpuvm_pt_linear lin;
	struct frag_src frag;
};

static void rnd_pick_src(struct pt_model *r, struct rnd_map *mp,
			 uint64_t miova, uint64_t mn)
{
	mp->prot = (uint32_t)rng_below(&r->seed, 8);
	memset(&mp->frag, 0, sizeof(mp->frag));
	if (!rng_below(&r->seed, 8))
		mp->prot |= GPUVM_PT_PROT_NULL;
	gpuvm_pt_linear_init(&mp->lin, miova, rnd_pa(r, miova));
	mp->src = &mp->lin.src;
	if (mn > 1 && !(mp->prot & GPUVM_PT_PROT_NULL) &&
	    rng_below(&r->seed, 100) < 15) {
		frag_build(&mp->frag, miova, mn, &r->seed, rnd_pa_cb, r);
		mp->src = &mp->frag.src;
	}
}

/*
 * Reserve both halves (counting allocates nothing), fill (exactly need
 * pages), apply both and prune. The property under test: applying never
 * takes more than was reserved.
 */
static void rnd_apply(struct pt_model *r, uint64_t uiova, uint64_t un,
		      uint64_t miova, uint64_t mn, const struct rnd_map *mp,
		      struct gpuvm_pt_resv *resv, struct gpuvm_pt_gather *g)
{
	uint64_t frames0 = pt_frames(&r->e);

	if (un)
		EXPECT_INT(gpuvm_pt_reserve_unmap(r->e.pt, uiova, un * SZ_4K,
						  resv), 0);
	if (mn)
		EXPECT_INT(gpuvm_pt_reserve_map(r->e.pt, miova, mn * SZ_4K,
						mp->src, mp->prot, resv), 0);
	EXPECT_U64(pt_frames(&r->e), frames0);
	EXPECT_INT(gpuvm_pt_resv_fill(r->e.pt, resv), 0);
	EXPECT_U64(resv->filled, resv->need);
	EXPECT_U64(pt_frames(&r->e), frames0 + resv->need);

	gpuvm_pt_gather_init(g);
	if (un)
		EXPECT_INT(gpuvm_pt_unmap_reserved(r->e.pt, uiova, un * SZ_4K,
						   resv, g), 0);
	if (mn)
		EXPECT_INT(gpuvm_pt_map_reserved(r->e.pt, miova, mn * SZ_4K,
						 mp->src, mp->prot, resv, g),
			   0);
	gpuvm_pt_prune(r->e.pt, g);
	if (resv->used > resv->need)
		fail_msg("[%s] used %" PRIu64 " > need %" PRIu64, ctx,
			 resv->used, resv->need);
}

/*
 * The model applies the transaction; returns in [*lo, *hi) the hull of
 * the pages it unmapped that were mapped (empty: *lo == *hi).
 */
static void rnd_model_apply(struct pt_model *r, uint64_t uf, uint64_t un,
			    uint64_t mf, uint64_t mn,
			    const struct rnd_map *mp, uint64_t *lo,
			    uint64_t *hi)
{
	uint64_t uiova = r->base + uf * SZ_4K, miova = r->base + mf * SZ_4K;
	uint64_t i, c;

	*lo = *hi = 0;
	for (i = 0; i < un; i++) {
		struct mpage *p = &r->m[uf + i];

		if (!p->mapped)
			continue;
		if (*lo == *hi)
			*lo = uiova + i * SZ_4K;
		*hi = uiova + (i + 1) * SZ_4K;
		p->mapped = 0;
	}
	for (i = 0; i < mn; i++) {
		struct mpage *p = &r->m[mf + i];

		p->mapped = 1;
		p->prot = (uint8_t)mp->prot;
		p->pa = (mp->prot & GPUVM_PT_PROT_NULL) ? 0 :
			mp->src->pa_at(mp->src->cookie, miova + i * SZ_4K, &c);
	}
}

/*
 * The gather covers what was unmapped and stays inside the two ranges;
 * the frames are the tables plus what the gather and the reservation
 * still hold, and only the tables once both are released.
 */
static void rnd_check_gather(struct pt_model *r, uint64_t uiova, uint64_t un,
			     uint64_t miova, uint64_t mn, uint64_t lo,
			     uint64_t hi, struct gpuvm_pt_resv *resv,
			     struct gpuvm_pt_gather *g)
{
	uint64_t lim_lo, lim_hi;

	if (lo != hi) {
		EXPECT_TRUE(g->start <= lo && g->end >= hi);
	}
	if (!gpuvm_pt_gather_empty(g)) {
		lim_lo = un ? uiova : miova;
		lim_hi = un ? uiova + un * SZ_4K : miova + mn * SZ_4K;
		if (mn && miova < lim_lo)
			lim_lo = miova;
		if (mn && miova + mn * SZ_4K > lim_hi)
			lim_hi = miova + mn * SZ_4K;
		EXPECT_TRUE(g->start >= lim_lo && g->end <= lim_hi);
	}
	EXPECT_U64(pt_frames(&r->e), table_pages(&r->e) + g->freed_count +
		   resv->filled - resv->used);
	gpuvm_pt_gather_release(r->e.pt, g);
	gpuvm_pt_resv_release(r->e.pt, resv);
	EXPECT_U64(pt_frames(&r->e), table_pages(&r->e));
}

/* One transaction: [uf, uf + un) unmapped (un may be 0), then
 * [mf, mf + mn) mapped (mn may be 0); page numbers window-relative. */
static void rnd_txn(struct pt_model *r, uint64_t uf, uint64_t un, uint64_t mf,
		    uint64_t mn)
{
	uint64_t uiova = r->base + uf * SZ_4K, miova = r->base + mf * SZ_4K;
	struct gpuvm_pt_resv resv = { 0 };
	struct gpuvm_pt_gather g;
	struct rnd_map mp;
	uint64_t lo, hi;

	rnd_pick_src(r, &mp, miova, mn);
	CTX("random transactions %s seed 0x%" PRIx64 " step %" PRIu64
	    ": unmap [0x%" PRIx64 ", +0x%" PRIx64 "), map [0x%" PRIx64
	    ", +0x%" PRIx64 ") pa 0x%" PRIx64 "%s prot 0x%x",
	    pgs_name(r->e.pgsizes), r->seed0, r->step, uiova,
	    (uint64_t)(un * SZ_4K), miova, (uint64_t)(mn * SZ_4K),
	    mp.src == &mp.lin.src ? mp.lin.pa : mp.frag.pa[0],
	    mp.src == &mp.lin.src ? "" : " (fragmented)", mp.prot);
	rnd_apply(r, uiova, un, miova, mn, &mp, &resv, &g);
	rnd_model_apply(r, uf, un, mf, mn, &mp, &lo, &hi);
	rnd_check_gather(r, uiova, un, miova, mn, lo, hi, &resv, &g);
}

static bool rnd_busy(const struct pt_model *r, uint64_t f, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (r->m[f + i].mapped)
			return true;
	return false;
}

static void rnd_step(struct pt_model *r)
{
	uint64_t kind = rng_below(&r->seed, 100), un, uf, mn, mf, k, i;

	if (kind < 30) {
		/* map only, or unmap + map of the same range if busy */
		mn = rnd_pages(r, r->npages);
		mf = rnd_first(r, mn);
		if (rnd_busy(r, mf, mn))
			rnd_txn(r, mf, mn, mf, mn);
		else
			rnd_txn(r, 0, 0, mf, mn);
		return;
	}
	if (rng_below(&r->seed, 40) == 0) {
		un = r->npages;
		uf = 0;
	} else {
		un = rnd_pages(r, r->npages);
		uf = rnd_first(r, un);
	}
	if (kind < 55) {
		rnd_txn(r, uf, un, 0, 0);
		return;
	}
	/* unmap + map overlapping: a subrange, or a range sticking out of
	 * the unmapped one where the model says that part is free */
	if (rng_below(&r->seed, 100) < 60) {
		mf = uf + rng_below(&r->seed, un);
		mn = 1 + rng_below(&r->seed, uf + un - mf);
		if (rng_below(&r->seed, 2)) {
			/* sometimes exactly aligned 2 MiB pieces */
			k = (mf + 511) & ~511ull;
			if (k + 512 <= uf + un) {
				mf = k;
				mn = 512 * (1 + rng_below(&r->seed,
					    (uf + un - k) / 512));
			}
		}
	} else {
		mn = rnd_pages(r, r->npages);
		mf = rnd_first(r, mn);
		if (mf + mn <= uf || mf >= uf + un) {
			mf = uf;
			mn = un;
		}
		for (i = mf; i < mf + mn; i++) {
			if ((i < uf || i >= uf + un) && r->m[i].mapped) {
				mf = uf;
				mn = un;
				break;
			}
		}
	}
	rnd_txn(r, uf, un, mf, mn);
}

static void rnd_run(unsigned int va_bits, uint64_t pgsizes, uint64_t base,
		    uint64_t size, uint64_t seed, uint64_t steps, bool big)
{
	struct pt_model r;

	pt_model_init(&r, LAYOUT_HIGH, va_bits, pgsizes, base, size, seed,
		      big);
	for (r.step = 0; r.step < steps; r.step++) {
		rnd_step(&r);
		pt_model_check(&r, false);
	}
	CTX("random transactions %s seed 0x%" PRIx64 ": final unmap",
	    pgs_name(pgsizes), seed);
	rnd_txn(&r, 0, r.npages, 0, 0);
	pt_model_check(&r, false);
	EXPECT_U64(table_pages(&r.e), 1);
	pt_model_fini(&r);
}

static void test_resv_random_bound(void **state)
{
	(void)state;
	rnd_run(39, PG_4K, 5 * SZ_1G, 32 * SZ_1M, 0xb0b0001ull, 800, false);
	rnd_run(39, PG_4K_2M, 5 * SZ_1G, 32 * SZ_1M, 0xb0b0002ull, 1200,
		false);
	rnd_run(39, PG_ALL, 5 * SZ_1G, 32 * SZ_1M, 0xb0b0003ull, 1000, false);
	rnd_run(48, PG_4K_1G, 0x7f0000000000ull + 5 * SZ_1G, 32 * SZ_1M,
		0xb0b0004ull, 600, false);
	/* 1 GiB blocks and their splits */
	rnd_run(39, PG_ALL, 5 * SZ_1G, 2 * SZ_1G, 0xb0b0005ull, 40, true);
}

/* An optional argument selects tests by name (cmocka's glob filter). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resv_exact_aligned),
		cmocka_unit_test(test_resv_existing_tables),
		cmocka_unit_test(test_resv_existing_tables_root_at_pa0),
		cmocka_unit_test(test_resv_unmap_split_counts),
		cmocka_unit_test(test_resv_apply_no_alloc),
		cmocka_unit_test(test_resv_release_unused),
		cmocka_unit_test(test_map_enomem),
		PT_TEST(test_resv_fill_enomem, LAYOUT_HIGH, 48, PG_4K),
		cmocka_unit_test(test_unmap_enomem),
		PT_TEST(test_resv_errors, LAYOUT_HIGH, 39, PG_4K_2M),
		PT_TEST(test_prune_deferred_free, LAYOUT_HIGH, 48, PG_4K_2M),
		cmocka_unit_test(test_resv_txn_block_over_emptied_table),
		cmocka_unit_test(test_resv_random_bound),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
