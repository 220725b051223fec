// SPDX-License-Identifier: MIT
/*
 * DOC: NULL pointer arguments of the page tables (gpuvm/pt.h)
 *
 * Every function of the header, with each pointer argument NULL in turn:
 * the table says what the header documents for it, tests/null_args.h
 * runs each row in a child process and checks the result and, with a
 * snapshot, that nothing changed. The fixture holds every kind of object
 * a call takes: page tables with a block and pages mapped, a gather
 * whose tables are not pruned yet, one with pruned tables queued, an
 * empty one, a filled and a counted-only reservation, a shared set and a
 * linear source. The snapshot: the tables' print, statistics and
 * validation, the gathers and reservations, the shared set's counts and
 * the memory's statistics. The pure inline helpers (descriptor bits,
 * levels) take no pointer: they get one row each, checked the same way.
 * test_header_complete fails if pt.h declares a function or pointer
 * argument the table does not list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gpuvm/mem.h"
#include "gpuvm/pt.h"
#include "null_args.h"

#define SZ_4K GPUVM_SZ_4K
#define SZ_2M GPUVM_SZ_2M
#define SZ_1G GPUVM_SZ_1G
#define SZ_1M (1ull << 20)
#define PG_4K_2M (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M)

#define VA_BLOCK  SZ_2M            /* a 2 MiB block */
#define VA_UNPRUN (1 * SZ_1G)      /* unmapped, tables not pruned */
#define VA_QUEUED (2 * SZ_1G)      /* unmapped, tables queued */
#define VA_RESV   (3 * SZ_1G)      /* what resv_filled is for */
#define VA_FREE   (5 * SZ_1G)      /* nothing there */

struct fx {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;            /* 48-bit VA, 4 KiB + 2 MiB pages */
	uint64_t blk;                   /* the 2 MiB every mapping maps */
	struct gpuvm_pt_linear lin;     /* VA_RESV -> blk */
	struct gpuvm_pt_gather g;       /* empty */
	struct gpuvm_pt_gather g_unpruned;
	struct gpuvm_pt_gather g_queued;
	struct gpuvm_pt_resv resv_filled;  /* a map at VA_RESV, filled */
	struct gpuvm_pt_resv resv_counted; /* a map at VA_FREE, counted */
	struct gpuvm_pt_shared *sh;     /* NULL leaves, no links */
};

/* Maps [va, va + size) to blk. */
static void map_pages(struct fx *fx, uint64_t va, uint64_t size)
{
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;

	gpuvm_pt_linear_init(&lin, va, fx->blk);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(fx->pt, va, size, &lin.src, 0, &g), 0);
	gpuvm_pt_gather_release(fx->pt, &g);
}

/* [VA_UNPRUN, +16 KiB) unmapped into g_unpruned, without the prune. */
static void fx_unpruned(struct fx *fx)
{
	struct gpuvm_pt_resv resv = { 0 };

	map_pages(fx, VA_UNPRUN, 4 * SZ_4K);
	gpuvm_pt_gather_init(&fx->g_unpruned);
	assert_int_equal(gpuvm_pt_reserve_unmap(fx->pt, VA_UNPRUN, 4 * SZ_4K,
						&resv), 0);
	assert_int_equal(gpuvm_pt_resv_fill(fx->pt, &resv), 0);
	assert_int_equal(gpuvm_pt_unmap_reserved(fx->pt, VA_UNPRUN, 4 * SZ_4K,
						 &resv, &fx->g_unpruned), 0);
	gpuvm_pt_resv_release(fx->pt, &resv);
	assert_false(gpuvm_pt_gather_empty(&fx->g_unpruned));
	assert_int_equal(fx->g_unpruned.freed_count, 0);
}

static void fx_make(struct fx *fx)
{
	struct gpuvm_mem_cfg mc = { .size = 64 * SZ_1M };
	struct gpuvm_pt_cfg pc = { .va_bits = 48, .pgsizes = PG_4K_2M };

	memset(fx, 0, sizeof(*fx));
	assert_int_equal(gpuvm_mem_create(&mc, &fx->mem), 0);
	pc.mem = fx->mem;
	assert_int_equal(gpuvm_pt_create(&pc, &fx->pt), 0);
	assert_int_equal(gpuvm_mem_alloc(fx->mem, SZ_2M, GPUVM_MEM_BO,
					 &fx->blk), 0);
	gpuvm_pt_linear_init(&fx->lin, VA_RESV, fx->blk);
	map_pages(fx, VA_BLOCK, SZ_2M);
	fx_unpruned(fx);
	map_pages(fx, VA_QUEUED, 4 * SZ_4K);
	gpuvm_pt_gather_init(&fx->g_queued);
	assert_int_equal(gpuvm_pt_unmap(fx->pt, VA_QUEUED, 4 * SZ_4K,
					&fx->g_queued), 0);
	assert_int_equal(fx->g_queued.freed_count, 2);
	gpuvm_pt_gather_init(&fx->g);
	assert_int_equal(gpuvm_pt_reserve_map(fx->pt, VA_RESV, 2 * SZ_4K,
					      &fx->lin.src, 0,
					      &fx->resv_filled), 0);
	assert_int_equal(gpuvm_pt_resv_fill(fx->pt, &fx->resv_filled), 0);
	assert_int_equal(gpuvm_pt_reserve_map(fx->pt, VA_FREE, 2 * SZ_4K,
					      &fx->lin.src, 0,
					      &fx->resv_counted), 0);
	assert_true(fx->resv_filled.filled > 0);
	assert_true(fx->resv_counted.need > 0);
	assert_int_equal(gpuvm_pt_shared_create(fx->mem, PG_4K_2M, NULL,
						GPUVM_PT_PROT_NULL, SZ_4K,
						&fx->sh), 0);
}

static void fx_free(struct fx *fx)
{
	gpuvm_pt_resv_release(fx->pt, &fx->resv_filled);
	gpuvm_pt_resv_release(fx->pt, &fx->resv_counted);
	gpuvm_pt_prune(fx->pt, &fx->g_unpruned);
	gpuvm_pt_gather_release(fx->pt, &fx->g_unpruned);
	gpuvm_pt_gather_release(fx->pt, &fx->g_queued);
	assert_int_equal(gpuvm_pt_shared_destroy(fx->sh), 0);
	gpuvm_pt_destroy(fx->pt);
	gpuvm_mem_free(fx->mem, fx->blk, SZ_2M, GPUVM_MEM_BO);
	assert_int_equal(gpuvm_mem_validate(fx->mem, stderr), 0);
	gpuvm_mem_destroy(fx->mem);
}

static void snap_gather(FILE *t, const char *name,
			const struct gpuvm_pt_gather *g)
{
	fprintf(t, "gather %s [%" PRIx64 ", %" PRIx64 ") head %" PRIx64
		" count %" PRIu64 "\n", name, g->start, g->end, g->freed_head,
		g->freed_count);
}

static void snap_resv(FILE *t, const char *name,
		      const struct gpuvm_pt_resv *r)
{
	fprintf(t, "resv %s limit %" PRIu64 " need %" PRIu64 " filled %"
		PRIu64 " used %" PRIu64 " pages %016" PRIx64 "\n", name,
		r->limit, r->need, r->filled, r->used,
		r->pages ? na_sum(r->pages, r->filled * sizeof(*r->pages)) :
			   0);
}

static void snap_print(void *p, FILE *t)
{
	struct fx *fx = p;
	struct gpuvm_mem_stats ms;
	struct gpuvm_pt_stats ps;

	gpuvm_pt_stats(fx->pt, &ps);
	fprintf(t, "pt root %" PRIx64 " level %u bits %u sizes %" PRIx64
		"\n", gpuvm_pt_root(fx->pt), gpuvm_pt_start_level(fx->pt),
		gpuvm_pt_va_bits(fx->pt), gpuvm_pt_pgsizes(fx->pt));
	fprintf(t, "tables %" PRIu64 " leaves %" PRIu64 "/%" PRIu64 "/%" PRIu64
		" null %" PRIu64 " writes %" PRIu64 " peak %" PRIu64 "\n",
		ps.table_pages, ps.leaves[0], ps.leaves[1], ps.leaves[2],
		ps.null_leaves, ps.pte_writes, ps.reserved_peak);
	gpuvm_pt_print(fx->pt, t);
	fprintf(t, "validate %d\n", gpuvm_pt_validate(fx->pt, stderr));
	snap_gather(t, "empty", &fx->g);
	snap_gather(t, "unpruned", &fx->g_unpruned);
	snap_gather(t, "queued", &fx->g_queued);
	snap_resv(t, "filled", &fx->resv_filled);
	snap_resv(t, "counted", &fx->resv_counted);
	fprintf(t, "shared pages %" PRIu64 " links %" PRIu64 "\n",
		gpuvm_pt_shared_pages(fx->sh), gpuvm_pt_shared_links(fx->sh));
	fprintf(t, "lin %p %p %p %" PRIx64 " %" PRIx64 "\n",
		(void *)(uintptr_t)fx->lin.src.pa_at, fx->lin.src.cookie,
		(const void *)fx->lin.src.shared, fx->lin.iova, fx->lin.pa);
	gpuvm_mem_stats(fx->mem, &ms);
	fprintf(t, "mem used %" PRIu64 " pt %" PRIu64 " bo %" PRIu64
		" allocs %" PRIu64 " failures %" PRIu64 " validate %d\n",
		ms.frames_used, ms.frames_by_purpose[GPUVM_MEM_PT],
		ms.frames_by_purpose[GPUVM_MEM_BO], ms.allocs,
		ms.alloc_failures, gpuvm_mem_validate(fx->mem, stderr));
}

static char *snap(void *p)
{
	return na_text(snap_print, p);
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */

/* The helpers without pointer arguments: one call each, known result. */
#define PURE(name, expr)                         \
	static int64_t name(void *p)             \
	{                                        \
		(void)p;                         \
		return (int64_t)(expr);          \
	}

PURE(c_level_shift, gpuvm_pt_level_shift(1))
PURE(c_start_level_for, gpuvm_pt_start_level_for(39))
PURE(c_level_size, gpuvm_pt_level_size(2))
PURE(c_index, gpuvm_pt_index(5 * SZ_2M + 3 * SZ_4K, 2))
PURE(c_is_valid, gpuvm_pte_is_valid(0x3))
PURE(c_is_table, gpuvm_pte_is_table(0x3, 2))
PURE(c_is_block, gpuvm_pte_is_block(0x1, 2))
PURE(c_is_page, gpuvm_pte_is_page(0x3, 3))
PURE(c_is_leaf, gpuvm_pte_is_leaf(0x1, 1))
PURE(c_is_null, gpuvm_pte_is_null(GPUVM_PTE_SW_NULL | 0x3))
PURE(c_addr, gpuvm_pte_addr(0x0040000012345fffull))
PURE(c_make_table, gpuvm_pte_make_table(0x5000))
PURE(c_attrs, gpuvm_pte_attrs(0x0040000012345fffull))
PURE(c_make_leaf, gpuvm_pte_make_leaf(SZ_2M, 0x400, 2))
PURE(c_prot_attrs, gpuvm_pt_prot_attrs(0))

static int64_t c_gather_init(void *p)
{
	struct fx *fx = p;

	gpuvm_pt_gather_init(NA(g, &fx->g_queued));
	return NA_VOID;
}

static int64_t c_gather_empty(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_gather_empty(NA(g, &fx->g_queued));
}

static int64_t c_create(void *p)
{
	struct fx *fx = p;
	struct gpuvm_pt_cfg pc = { .mem = fx->mem, .va_bits = 48,
				   .pgsizes = PG_4K_2M };
	struct gpuvm_pt *pt = NULL;
	int ret = gpuvm_pt_create(NA(cfg, &pc), NA(out, &pt));

	NA_EXPECT(!pt);
	gpuvm_pt_destroy(pt);
	return ret;
}

static int64_t c_destroy(void *p)
{
	struct fx *fx = p;

	gpuvm_pt_destroy(NA(pt, fx->pt));
	return NA_VOID;
}

static int64_t c_root(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_pt_root(NA(pt, fx->pt));
}

static int64_t c_start_level(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_start_level(NA(pt, fx->pt));
}

static int64_t c_va_bits(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_va_bits(NA(pt, fx->pt));
}

static int64_t c_pgsizes(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_pt_pgsizes(NA(pt, fx->pt));
}

static int64_t c_stats(void *p)
{
	struct fx *fx = p;
	struct gpuvm_pt_stats st;

	na_poison(&st, sizeof(st));
	gpuvm_pt_stats(NA(pt, fx->pt), NA(st, &st));
	return na_fill(&st, sizeof(st));
}

static int64_t c_linear_init(void *p)
{
	struct fx *fx = p;

	gpuvm_pt_linear_init(NA(l, &fx->lin), 0, 0);
	return NA_VOID;
}

static int64_t c_shared_create(void *p)
{
	struct fx *fx = p;
	struct gpuvm_pt_shared *sh = NULL;
	int ret = gpuvm_pt_shared_create(NA(mem, fx->mem), PG_4K_2M,
					 NA(src, &fx->lin.src), 0, SZ_2M,
					 NA(out, &sh));

	NA_EXPECT(!sh);
	return ret;
}

/* Optional: a NULL source is fine for NULL leaves. */
static int64_t c_shared_create_null(void *p)
{
	struct fx *fx = p;
	struct gpuvm_pt_shared *sh = NULL;
	int ret = gpuvm_pt_shared_create(fx->mem, PG_4K_2M,
					 NA(src, &fx->lin.src),
					 GPUVM_PT_PROT_NULL, SZ_4K, &sh);

	NA_EXPECT(sh && gpuvm_pt_shared_pages(sh) == 2);
	if (sh)
		NA_EXPECT(gpuvm_pt_shared_destroy(sh) == 0);
	return ret;
}

static int64_t c_shared_destroy(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_shared_destroy(NA(sh, fx->sh));
}

static int64_t c_shared_pages(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_pt_shared_pages(NA(sh, fx->sh));
}

static int64_t c_shared_links(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_pt_shared_links(NA(sh, fx->sh));
}

static int64_t c_reserve_map(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_reserve_map(NA(pt, fx->pt), VA_FREE, 2 * SZ_4K,
				    NA(src, &fx->lin.src), 0,
				    NA(resv, &fx->resv_counted));
}

static int64_t c_reserve_map_worst(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_reserve_map_worst(NA(pt, fx->pt), VA_FREE, 2 * SZ_4K,
					  NA(src, &fx->lin.src), 0,
					  NA(resv, &fx->resv_counted));
}

/*
 * Optional: NULL leaves need no source. Counted into a reservation of
 * its own, which is released: what was counted, else the errno.
 */
static int64_t reserve_null(void *p, bool worst)
{
	struct fx *fx = p;
	struct gpuvm_pt_resv r = { 0 };
	int ret = (worst ? gpuvm_pt_reserve_map_worst : gpuvm_pt_reserve_map)(
		fx->pt, VA_FREE, 2 * SZ_4K, NA(src, &fx->lin.src),
		GPUVM_PT_PROT_NULL, &r);
	uint64_t need = r.need;

	gpuvm_pt_resv_release(fx->pt, &r);
	return ret ? ret : (int64_t)need;
}

static int64_t c_reserve_map_null(void *p)
{
	return reserve_null(p, false);
}

static int64_t c_reserve_map_worst_null(void *p)
{
	return reserve_null(p, true);
}

static int64_t c_reserve_unmap(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_reserve_unmap(NA(pt, fx->pt), VA_BLOCK + SZ_4K, SZ_4K,
				      NA(resv, &fx->resv_counted));
}

static int64_t c_reserve_unmap_worst(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_reserve_unmap_worst(NA(pt, fx->pt), VA_BLOCK + SZ_4K,
					    SZ_4K,
					    NA(resv, &fx->resv_counted));
}

static int64_t c_resv_fill(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_resv_fill(NA(pt, fx->pt), NA(resv, &fx->resv_counted));
}

static int64_t c_resv_release(void *p)
{
	struct fx *fx = p;

	gpuvm_pt_resv_release(NA(pt, fx->pt), NA(resv, &fx->resv_filled));
	return NA_VOID;
}

static int64_t c_map_reserved(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_map_reserved(NA(pt, fx->pt), VA_RESV, 2 * SZ_4K,
				     NA(src, &fx->lin.src), 0,
				     NA(resv, &fx->resv_filled),
				     NA(gather, &fx->g));
}

/* Optional: NULL leaves need no source. */
static int64_t c_map_reserved_null(void *p)
{
	struct fx *fx = p;
	struct gpuvm_pt_walk w;
	int ret = gpuvm_pt_map_reserved(fx->pt, VA_RESV, 2 * SZ_4K,
					NA(src, &fx->lin.src),
					GPUVM_PT_PROT_NULL, &fx->resv_filled,
					&fx->g);

	NA_EXPECT(gpuvm_pt_iova_to_phys(fx->pt, VA_RESV, &w) == 0 &&
		  gpuvm_pte_is_null(w.desc));
	return ret;
}

static int64_t c_unmap_reserved(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_unmap_reserved(NA(pt, fx->pt), VA_BLOCK, SZ_2M,
				       NA(resv, &fx->resv_filled),
				       NA(gather, &fx->g));
}

static int64_t c_prune(void *p)
{
	struct fx *fx = p;

	gpuvm_pt_prune(NA(pt, fx->pt), NA(gather, &fx->g_unpruned));
	return NA_VOID;
}

static int64_t c_gather_release(void *p)
{
	struct fx *fx = p;

	gpuvm_pt_gather_release(NA(pt, fx->pt), NA(gather, &fx->g_queued));
	return NA_VOID;
}

static int64_t c_map(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_map(NA(pt, fx->pt), VA_FREE, 2 * SZ_4K,
			    NA(src, &fx->lin.src), 0, NA(gather, &fx->g));
}

/* Optional: NULL leaves need no source. */
static int64_t c_map_null(void *p)
{
	struct fx *fx = p;
	struct gpuvm_pt_walk w;
	int ret = gpuvm_pt_map(fx->pt, VA_FREE, 2 * SZ_4K,
			       NA(src, &fx->lin.src), GPUVM_PT_PROT_NULL,
			       &fx->g);

	NA_EXPECT(gpuvm_pt_iova_to_phys(fx->pt, VA_FREE + SZ_4K, &w) == 0 &&
		  gpuvm_pte_is_null(w.desc));
	return ret;
}

static int64_t c_unmap(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_unmap(NA(pt, fx->pt), VA_BLOCK, SZ_2M,
			      NA(gather, &fx->g));
}

static int64_t c_iova_to_phys(void *p)
{
	struct fx *fx = p;
	struct gpuvm_pt_walk w;
	int ret;

	na_poison(&w, sizeof(w));
	ret = gpuvm_pt_iova_to_phys(NA(pt, fx->pt), VA_BLOCK + 0x10,
				    NA(w, &w));
	NA_EXPECT(na_fill(&w, sizeof(w)) == NA_UNTOUCHED);
	return ret;
}

static unsigned int leaves_seen; /* by count_leaf without a cookie */

static int count_leaf(void *cookie, uint64_t va, uint64_t size,
		      uint64_t desc)
{
	if (cookie)
		(*(unsigned int *)cookie)++;
	else
		leaves_seen++;
	return 0;
}

/* The errno, or the leaves seen in the 2 MiB block's range. */
static int64_t c_for_each_leaf(void *p)
{
	struct fx *fx = p;
	unsigned int n = 0;
	int ret;

	leaves_seen = 0;
	ret = gpuvm_pt_for_each_leaf(NA(pt, fx->pt), VA_BLOCK,
				     VA_BLOCK + SZ_2M, NA(fn, count_leaf),
				     NA(cookie, &n));
	return ret ? ret : (int64_t)(n + leaves_seen);
}

static int64_t c_validate(void *p)
{
	struct fx *fx = p;

	return gpuvm_pt_validate(NA(pt, fx->pt), NA(err, stderr));
}

static int64_t c_print(void *p)
{
	struct fx *fx = p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	gpuvm_pt_print(NA(pt, fx->pt), NA(f, f));
	assert_int_equal(fclose(f), 0);
	free(buf);
	if (na_is("pt"))
		NA_EXPECT(len == 0);
	return NA_VOID;
}

static unsigned int writes_seen;

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

/*
 * A NULL pt is refused; a NULL trace removes the hook: a map after it
 * reports no writes (the map is undone, so the row changes nothing
 * else).
 */
static int64_t c_set_trace(void *p)
{
	struct fx *fx = p;
	struct gpuvm_pt_trace t = { .desc_write = count_write };
	struct gpuvm_pt_gather g;
	int ret;

	if (na_is("trace"))
		assert_int_equal(gpuvm_pt_set_trace(fx->pt, &t), 0);
	ret = gpuvm_pt_set_trace(NA(pt, fx->pt), NA(trace, &t));
	if (na_is("trace")) {
		writes_seen = 0;
		map_pages(fx, VA_FREE, SZ_4K);
		NA_EXPECT(writes_seen == 0);
		gpuvm_pt_gather_init(&g);
		assert_int_equal(gpuvm_pt_unmap(fx->pt, VA_FREE, SZ_4K, &g),
				 0);
		gpuvm_pt_gather_release(fx->pt, &g);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* The table: every (function, pointer argument) of gpuvm/pt.h         */

#define EINV (-EINVAL)

static const struct na_case cases[] = {
	NA_NONE(gpuvm_pt_level_shift, 30, c_level_shift),
	NA_NONE(gpuvm_pt_start_level_for, 1, c_start_level_for),
	NA_NONE(gpuvm_pt_level_size, SZ_2M, c_level_size),
	NA_NONE(gpuvm_pt_index, 5, c_index),
	NA_NONE(gpuvm_pte_is_valid, 1, c_is_valid),
	NA_NONE(gpuvm_pte_is_table, 1, c_is_table),
	NA_NONE(gpuvm_pte_is_block, 1, c_is_block),
	NA_NONE(gpuvm_pte_is_page, 1, c_is_page),
	NA_NONE(gpuvm_pte_is_leaf, 1, c_is_leaf),
	NA_NONE(gpuvm_pte_is_null, 1, c_is_null),
	NA_NONE(gpuvm_pte_addr, 0x12345000, c_addr),
	NA_NONE(gpuvm_pte_make_table, 0x5003, c_make_table),
	NA_NONE(gpuvm_pte_attrs, 0x0040000000000ffcll, c_attrs),
	NA_NONE(gpuvm_pte_make_leaf, SZ_2M | 0x401, c_make_leaf),
	NA_NONE(gpuvm_pt_prot_attrs, 0xf40, c_prot_attrs),
	NA_ROW(gpuvm_pt_create, cfg, EINV, c_create),
	NA_ROW(gpuvm_pt_create, out, EINV, c_create),
	NA_ROW(gpuvm_pt_destroy, pt, NA_VOID, c_destroy),
	NA_ROW(gpuvm_pt_root, pt, -1, c_root),
	NA_ROW(gpuvm_pt_start_level, pt, GPUVM_PT_LEVELS, c_start_level),
	NA_ROW(gpuvm_pt_va_bits, pt, 0, c_va_bits),
	NA_ROW(gpuvm_pt_pgsizes, pt, 0, c_pgsizes),
	NA_ROW(gpuvm_pt_stats, pt, NA_ZEROED, c_stats),
	NA_ROW(gpuvm_pt_stats, st, NA_UNTOUCHED, c_stats),
	NA_ROW(gpuvm_pt_linear_init, l, NA_VOID, c_linear_init),
	NA_ROW(gpuvm_pt_shared_create, mem, EINV, c_shared_create),
	NA_ROW(gpuvm_pt_shared_create, src, EINV, c_shared_create),
	NA_ROW(gpuvm_pt_shared_create, src, 0, c_shared_create_null,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_pt_shared_create, out, EINV, c_shared_create),
	NA_ROW(gpuvm_pt_shared_destroy, sh, 0, c_shared_destroy),
	NA_ROW(gpuvm_pt_shared_pages, sh, 0, c_shared_pages),
	NA_ROW(gpuvm_pt_shared_links, sh, 0, c_shared_links),
	NA_ROW(gpuvm_pt_gather_init, g, NA_VOID, c_gather_init),
	NA_ROW(gpuvm_pt_gather_empty, g, true, c_gather_empty),
	NA_ROW(gpuvm_pt_reserve_map, pt, EINV, c_reserve_map),
	NA_ROW(gpuvm_pt_reserve_map, src, EINV, c_reserve_map),
	NA_ROW(gpuvm_pt_reserve_map, src, 2, c_reserve_map_null),
	NA_ROW(gpuvm_pt_reserve_map, resv, EINV, c_reserve_map),
	NA_ROW(gpuvm_pt_reserve_unmap, pt, EINV, c_reserve_unmap),
	NA_ROW(gpuvm_pt_reserve_unmap, resv, EINV, c_reserve_unmap),
	NA_ROW(gpuvm_pt_reserve_map_worst, pt, EINV, c_reserve_map_worst),
	NA_ROW(gpuvm_pt_reserve_map_worst, src, EINV, c_reserve_map_worst),
	NA_ROW(gpuvm_pt_reserve_map_worst, src, 3, c_reserve_map_worst_null),
	NA_ROW(gpuvm_pt_reserve_map_worst, resv, EINV, c_reserve_map_worst),
	NA_ROW(gpuvm_pt_reserve_unmap_worst, pt, EINV, c_reserve_unmap_worst),
	NA_ROW(gpuvm_pt_reserve_unmap_worst, resv, EINV,
	       c_reserve_unmap_worst),
	NA_ROW(gpuvm_pt_resv_fill, pt, EINV, c_resv_fill),
	NA_ROW(gpuvm_pt_resv_fill, resv, EINV, c_resv_fill),
	NA_ROW(gpuvm_pt_resv_release, pt, NA_VOID, c_resv_release),
	NA_ROW(gpuvm_pt_resv_release, resv, NA_VOID, c_resv_release),
	NA_ROW(gpuvm_pt_map_reserved, pt, EINV, c_map_reserved),
	NA_ROW(gpuvm_pt_map_reserved, src, EINV, c_map_reserved),
	NA_ROW(gpuvm_pt_map_reserved, src, 0, c_map_reserved_null,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_pt_map_reserved, resv, EINV, c_map_reserved),
	NA_ROW(gpuvm_pt_map_reserved, gather, EINV, c_map_reserved),
	NA_ROW(gpuvm_pt_unmap_reserved, pt, EINV, c_unmap_reserved),
	NA_ROW(gpuvm_pt_unmap_reserved, resv, EINV, c_unmap_reserved),
	NA_ROW(gpuvm_pt_unmap_reserved, gather, EINV, c_unmap_reserved),
	NA_ROW(gpuvm_pt_prune, pt, NA_VOID, c_prune),
	NA_ROW(gpuvm_pt_prune, gather, NA_VOID, c_prune),
	NA_ROW(gpuvm_pt_gather_release, pt, NA_VOID, c_gather_release),
	NA_ROW(gpuvm_pt_gather_release, gather, NA_VOID, c_gather_release),
	NA_ROW(gpuvm_pt_map, pt, EINV, c_map),
	NA_ROW(gpuvm_pt_map, src, EINV, c_map),
	NA_ROW(gpuvm_pt_map, src, 0, c_map_null, .flags = NA_CHANGES),
	NA_ROW(gpuvm_pt_map, gather, EINV, c_map),
	NA_ROW(gpuvm_pt_unmap, pt, EINV, c_unmap),
	NA_ROW(gpuvm_pt_unmap, gather, EINV, c_unmap),
	NA_ROW(gpuvm_pt_set_trace, pt, EINV, c_set_trace),
	NA_ROW(gpuvm_pt_set_trace, trace, 0, c_set_trace, .flags = NA_CHANGES),
	NA_ROW(gpuvm_pt_iova_to_phys, pt, EINV, c_iova_to_phys),
	NA_ROW(gpuvm_pt_iova_to_phys, w, EINV, c_iova_to_phys),
	NA_ROW(gpuvm_pt_for_each_leaf, pt, EINV, c_for_each_leaf),
	NA_ROW(gpuvm_pt_for_each_leaf, fn, EINV, c_for_each_leaf),
	/* Optional: the cookie is the callback's business. */
	NA_ROW(gpuvm_pt_for_each_leaf, cookie, 1, c_for_each_leaf),
	NA_ROW(gpuvm_pt_validate, pt, EINV, c_validate),
	/* Optional: no report, the verdict alone. */
	NA_ROW(gpuvm_pt_validate, err, 0, c_validate),
	NA_ROW(gpuvm_pt_print, pt, NA_VOID, c_print),
	NA_ROW(gpuvm_pt_print, f, NA_VOID, c_print),
};

NA_MAIN("gpuvm/pt.h", struct fx, fx_make, fx_free)
