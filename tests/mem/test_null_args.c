// SPDX-License-Identifier: MIT
/*
 * DOC: NULL pointer arguments of the memory module (gpuvm/mem.h)
 *
 * Every function of the header, with each pointer argument NULL in turn:
 * the table says what the header documents for it, tests/null_args.h
 * runs each row in a child process and checks the result and, with a
 * snapshot of the memory (statistics, allocator dump and validation,
 * the BO's runs and contents, an allocated block's contents), that
 * nothing changed. test_header_complete fails if mem.h declares a
 * function or pointer argument the table does not list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gpuvm/mem.h"
#include "null_args.h"

#define SZ_4K GPUVM_SZ_4K
#define SZ_1M (1ull << 20)
#define BO_SIZE (16 * SZ_4K)
#define MEM_SIZE (64 * SZ_1M)
#define BLK_WORD 0x0123456789abcdefull

struct fx {
	struct gpuvm_mem *mem;
	struct gpuvm_mem_bo *bo; /* BO_SIZE, one run, patterned */
	uint64_t bo_pa;          /* its run's PA */
	uint64_t blk;            /* a 4 KiB page-table block holding BLK_WORD */
};

static void fx_make(struct fx *fx)
{
	struct gpuvm_mem_cfg cfg = { .size = MEM_SIZE };
	uint8_t buf[BO_SIZE];
	size_t i;

	assert_int_equal(gpuvm_mem_create(&cfg, &fx->mem), 0);
	assert_int_equal(gpuvm_mem_bo_create(fx->mem, BO_SIZE, 0, &fx->bo), 0);
	assert_int_equal(gpuvm_mem_bo_run_count(fx->bo), 1);
	fx->bo_pa = gpuvm_mem_bo_runs(fx->bo)[0].pa;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(gpuvm_mem_bo_write(fx->bo, 0, buf, sizeof(buf)), 0);
	assert_int_equal(gpuvm_mem_alloc(fx->mem, SZ_4K, GPUVM_MEM_PT,
					 &fx->blk), 0);
	gpuvm_mem_write64(fx->mem, fx->blk, BLK_WORD);
}

static void fx_free(struct fx *fx)
{
	gpuvm_mem_destroy(fx->mem);
}

static void snap_print(void *p, FILE *t)
{
	struct fx *fx = p;
	struct gpuvm_mem_stats st;
	const struct gpuvm_mem_run *r;
	uint8_t buf[BO_SIZE];
	unsigned int i;

	gpuvm_mem_stats(fx->mem, &st);
	fprintf(t, "size %" PRIu64 " frames %" PRIu64 " used %" PRIu64
		" pt %" PRIu64 " bo %" PRIu64 " allocs %" PRIu64 " failures %"
		PRIu64 "\n", st.size, st.frames_total, st.frames_used,
		st.frames_by_purpose[GPUVM_MEM_PT],
		st.frames_by_purpose[GPUVM_MEM_BO], st.allocs,
		st.alloc_failures);
	gpuvm_mem_print(fx->mem, t);
	fprintf(t, "validate %d\n", gpuvm_mem_validate(fx->mem, stderr));
	fprintf(t, "bo size %" PRIu64 " runs %u\n", gpuvm_mem_bo_size(fx->bo),
		gpuvm_mem_bo_run_count(fx->bo));
	r = gpuvm_mem_bo_runs(fx->bo);
	for (i = 0; i < gpuvm_mem_bo_run_count(fx->bo); i++)
		fprintf(t, "  run %" PRIx64 " %" PRIx64 " %" PRIx64 "\n",
			r[i].offset, r[i].pa, r[i].size);
	assert_int_equal(gpuvm_mem_bo_read(fx->bo, 0, buf, sizeof(buf)), 0);
	fprintf(t, "bo sum %016" PRIx64 "\n", na_sum(buf, sizeof(buf)));
	fprintf(t, "blk %016" PRIx64 "\n", gpuvm_mem_read64(fx->mem, fx->blk));
}

static char *snap(void *p)
{
	return na_text(snap_print, p);
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */

static int64_t c_create(void *p)
{
	struct gpuvm_mem_cfg cfg = { .size = MEM_SIZE };
	struct gpuvm_mem *m = NULL;
	int ret = gpuvm_mem_create(NA(cfg, &cfg), NA(out, &m));

	NA_EXPECT(!m);
	gpuvm_mem_destroy(m);
	return ret;
}

static int64_t c_destroy(void *p)
{
	struct fx *fx = p;

	gpuvm_mem_destroy(NA(mem, fx->mem));
	return NA_VOID;
}

static int64_t c_stats(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mem_stats st;

	na_poison(&st, sizeof(st));
	gpuvm_mem_stats(NA(mem, fx->mem), NA(st, &st));
	return na_fill(&st, sizeof(st));
}

static int64_t c_alloc(void *p)
{
	struct fx *fx = p;
	uint64_t pa = 7;
	int ret = gpuvm_mem_alloc(NA(mem, fx->mem), SZ_4K, GPUVM_MEM_PT,
				  NA(pa, &pa));

	NA_EXPECT(pa == 7);
	return ret;
}

static int64_t c_alloc_frames(void *p)
{
	struct fx *fx = p;
	uint64_t pas[2];
	int ret;

	na_poison(pas, sizeof(pas));
	ret = gpuvm_mem_alloc_frames(NA(mem, fx->mem), 2, GPUVM_MEM_PT,
				     NA(pas, pas));
	NA_EXPECT(na_fill(pas, sizeof(pas)) == NA_UNTOUCHED);
	return ret;
}

static int64_t c_free(void *p)
{
	struct fx *fx = p;

	gpuvm_mem_free(NA(mem, fx->mem), fx->blk, SZ_4K, GPUVM_MEM_PT);
	return NA_VOID;
}

static int64_t c_fail_nth(void *p)
{
	struct fx *fx = p;

	gpuvm_mem_fail_nth_alloc(NA(mem, fx->mem), 1);
	return NA_VOID;
}

static int64_t c_read(void *p)
{
	struct fx *fx = p;
	uint8_t buf[8];
	int ret;

	na_poison(buf, sizeof(buf));
	ret = gpuvm_mem_read(NA(mem, fx->mem), fx->blk, NA(buf, buf),
			     sizeof(buf));
	NA_EXPECT(na_fill(buf, sizeof(buf)) == NA_UNTOUCHED);
	return ret;
}

static int64_t c_write(void *p)
{
	struct fx *fx = p;
	const uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	return gpuvm_mem_write(NA(mem, fx->mem), fx->blk, NA(buf, buf),
			       sizeof(buf));
}

static int64_t c_ptr(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_mem_ptr(NA(mem, fx->mem), fx->blk);
}

static int64_t c_read64(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_mem_read64(NA(mem, fx->mem), fx->blk);
}

static int64_t c_write64(void *p)
{
	struct fx *fx = p;

	gpuvm_mem_write64(NA(mem, fx->mem), fx->blk, 0x77);
	return NA_VOID;
}

static int64_t c_bo_create(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mem_bo *bo = NULL;
	int ret = gpuvm_mem_bo_create(NA(mem, fx->mem), BO_SIZE, 0,
				      NA(out, &bo));

	NA_EXPECT(!bo);
	gpuvm_mem_bo_destroy(bo);
	return ret;
}

static int64_t c_bo_destroy(void *p)
{
	struct fx *fx = p;

	gpuvm_mem_bo_destroy(NA(bo, fx->bo));
	return NA_VOID;
}

static int64_t c_bo_size(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_mem_bo_size(NA(bo, fx->bo));
}

static int64_t c_bo_run_count(void *p)
{
	struct fx *fx = p;

	return gpuvm_mem_bo_run_count(NA(bo, fx->bo));
}

static int64_t c_bo_runs(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_mem_bo_runs(NA(bo, fx->bo));
}

/* UINT64_MAX (-1) with *contig = 0, or the offset of the PA in the BO. */
static int64_t c_bo_pa(void *p)
{
	struct fx *fx = p;
	uint64_t contig = 7;
	uint64_t pa = gpuvm_mem_bo_pa(NA(bo, fx->bo), 5 * SZ_4K,
				      NA(contig, &contig));

	if (na_is("bo"))
		NA_EXPECT(contig == 0);
	return pa == UINT64_MAX ? -1 : (int64_t)(pa - fx->bo_pa);
}

static int64_t c_bo_read(void *p)
{
	struct fx *fx = p;
	uint8_t buf[8];
	int ret;

	na_poison(buf, sizeof(buf));
	ret = gpuvm_mem_bo_read(NA(bo, fx->bo), 0, NA(buf, buf), sizeof(buf));
	NA_EXPECT(na_fill(buf, sizeof(buf)) == NA_UNTOUCHED);
	return ret;
}

static int64_t c_bo_write(void *p)
{
	struct fx *fx = p;
	const uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	return gpuvm_mem_bo_write(NA(bo, fx->bo), 0, NA(buf, buf),
				  sizeof(buf));
}

static int64_t c_validate(void *p)
{
	struct fx *fx = p;

	return gpuvm_mem_validate(NA(mem, fx->mem), NA(err, stderr));
}

/* What the print wrote: NULL memory prints nothing. */
static int64_t c_print(void *p)
{
	struct fx *fx = p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	gpuvm_mem_print(NA(mem, fx->mem), NA(f, f));
	assert_int_equal(fclose(f), 0);
	free(buf);
	if (na_is("mem"))
		NA_EXPECT(len == 0);
	return NA_VOID;
}

static int64_t c_written(void *p)
{
	struct fx *fx = p;

	return gpuvm_mem_written(NA(mem, fx->mem), fx->blk);
}

/* NULL memory has nothing written: the scan ends at end. */
static int64_t c_next_written(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_mem_next_written(NA(mem, fx->mem), 0, 0x1234000);
}

static int64_t c_wptr(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_mem_wptr(NA(mem, fx->mem), fx->blk, 8);
}

/* A private memory has no fd either: -1 both ways, which this test
 * tells apart from a NULL crash only by the row running at all. */
static int64_t c_fd(void *p)
{
	struct fx *fx = p;

	return gpuvm_mem_fd(NA(mem, fx->mem));
}

static int64_t c_bo_next_written(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_mem_bo_next_written(NA(bo, fx->bo), 0);
}

/* A NULL memory has no view: all zero. A NULL v: nothing to fill. */
static int64_t c_get_view(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mem_view v;

	memset(&v, 0xa5, sizeof(v));
	gpuvm_mem_get_view(NA(mem, fx->mem), NA(v, &v));
	if (na_is("mem"))
		NA_EXPECT(!v.base && !v.written && !v.size);
	return NA_VOID;
}

static int64_t c_view_written(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mem_view v;

	gpuvm_mem_get_view(fx->mem, &v);
	return gpuvm_mem_view_written(NA(v, &v), fx->blk);
}

/* ------------------------------------------------------------------ */
/* The table: every (function, pointer argument) of gpuvm/mem.h        */

#define EINV (-EINVAL)

static const struct na_case cases[] = {
	NA_ROW(gpuvm_mem_create, cfg, EINV, c_create),
	NA_ROW(gpuvm_mem_create, out, EINV, c_create),
	NA_ROW(gpuvm_mem_destroy, mem, NA_VOID, c_destroy),
	NA_ROW(gpuvm_mem_stats, mem, NA_ZEROED, c_stats),
	NA_ROW(gpuvm_mem_stats, st, NA_UNTOUCHED, c_stats),
	NA_ROW(gpuvm_mem_alloc, mem, EINV, c_alloc),
	NA_ROW(gpuvm_mem_alloc, pa, EINV, c_alloc),
	NA_ROW(gpuvm_mem_alloc_frames, mem, EINV, c_alloc_frames),
	NA_ROW(gpuvm_mem_alloc_frames, pas, EINV, c_alloc_frames),
	NA_ROW(gpuvm_mem_free, mem, NA_VOID, c_free),
	NA_ROW(gpuvm_mem_fail_nth_alloc, mem, NA_VOID, c_fail_nth),
	NA_ROW(gpuvm_mem_read, mem, EINV, c_read),
	NA_ROW(gpuvm_mem_read, buf, EINV, c_read),
	NA_ROW(gpuvm_mem_write, mem, EINV, c_write),
	NA_ROW(gpuvm_mem_write, buf, EINV, c_write),
	NA_ROW(gpuvm_mem_ptr, mem, NA_NULLPTR, c_ptr),
	NA_ROW(gpuvm_mem_wptr, mem, NA_NULLPTR, c_wptr),
	NA_ROW(gpuvm_mem_fd, mem, -1, c_fd),
	NA_ROW(gpuvm_mem_get_view, mem, NA_VOID, c_get_view),
	NA_ROW(gpuvm_mem_get_view, v, NA_VOID, c_get_view),
	NA_ROW(gpuvm_mem_view_written, v, 0, c_view_written),
	NA_ROW(gpuvm_mem_written, mem, 0, c_written),
	NA_ROW(gpuvm_mem_next_written, mem, 0x1234000, c_next_written),
	NA_ROW(gpuvm_mem_bo_next_written, bo, 0, c_bo_next_written),
	NA_ROW(gpuvm_mem_read64, mem, 0, c_read64),
	NA_ROW(gpuvm_mem_write64, mem, NA_VOID, c_write64),
	NA_ROW(gpuvm_mem_bo_create, mem, EINV, c_bo_create),
	NA_ROW(gpuvm_mem_bo_create, out, EINV, c_bo_create),
	NA_ROW(gpuvm_mem_bo_destroy, bo, NA_VOID, c_bo_destroy),
	NA_ROW(gpuvm_mem_bo_size, bo, 0, c_bo_size),
	NA_ROW(gpuvm_mem_bo_run_count, bo, 0, c_bo_run_count),
	NA_ROW(gpuvm_mem_bo_runs, bo, NA_NULLPTR, c_bo_runs),
	NA_ROW(gpuvm_mem_bo_pa, bo, -1, c_bo_pa),
	/* Optional: the PA alone. */
	NA_ROW(gpuvm_mem_bo_pa, contig, 5 * SZ_4K, c_bo_pa),
	NA_ROW(gpuvm_mem_bo_read, bo, EINV, c_bo_read),
	NA_ROW(gpuvm_mem_bo_read, buf, EINV, c_bo_read),
	NA_ROW(gpuvm_mem_bo_write, bo, EINV, c_bo_write),
	NA_ROW(gpuvm_mem_bo_write, buf, EINV, c_bo_write),
	NA_ROW(gpuvm_mem_validate, mem, EINV, c_validate),
	/* Optional: no report, the verdict alone. */
	NA_ROW(gpuvm_mem_validate, err, 0, c_validate),
	NA_ROW(gpuvm_mem_print, mem, NA_VOID, c_print),
	NA_ROW(gpuvm_mem_print, f, NA_VOID, c_print),
};

NA_MAIN("gpuvm/mem.h", struct fx, fx_make, fx_free)
