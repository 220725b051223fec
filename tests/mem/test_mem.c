// SPDX-License-Identifier: MIT
/*
 * DOC: tests of the simulated physical memory (module "mem")
 *
 * Exact values throughout: addresses where the allocator's policy fixes
 * them (LIFO lists seeded lowest-first, lower halves kept), counters, run
 * counts and sizes. gpuvm_mem_validate() is called after every step that
 * changes the allocator, and by the MEM_TEST fixture's teardown (the
 * tests that take no fixture make several memories, measure the cost of
 * creating one, or end with one that validate must refuse). Only the
 * public API is used, except where the allocator's state is corrupted on
 * purpose to see validate notice.
 */
#include "mem_test.h"
#include "mem/mem_internal.h" /* only for test_validate_catches_corruption */

/* ------------------------------------------------------------------ */
/* Create                                                              */

static void test_create_bad_sizes(void **state)
{
	static const uint64_t bad[] = {
		0, 1, 4095, 4097, 8191, 3 * SZ_4K + 1, SZ_1T + SZ_4K,
		2 * SZ_1T, UINT64_MAX, UINT64_MAX & ~(SZ_4K - 1),
	};
	struct gpuvm_mem *mem = (struct gpuvm_mem *)state;
	struct gpuvm_mem_cfg cfg;
	struct gpuvm_mem_stats st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.size = bad[i];
		assert_int_equal(gpuvm_mem_create(&cfg, &mem), -EINVAL);
		assert_ptr_equal(mem, (struct gpuvm_mem *)state);
	}
	assert_int_equal(gpuvm_mem_create(NULL, &mem), -EINVAL);
	gpuvm_mem_destroy(NULL);

	/* The smallest memory: one frame. */
	mem = mem_new(SZ_4K);
	st = mem_stats_of(mem);
	assert_int_equal(st.size, SZ_4K);
	assert_int_equal(st.frames_total, 1);
	assert_int_equal(st.frames_used, 0);
	assert_int_equal(mem_frame(mem, SZ_4K, GPUVM_MEM_PT), 0);
	assert_alloc_fails(mem, SZ_4K);
	mem_check(mem);
	gpuvm_mem_destroy(mem);

	/* The largest: 1 TiB, reserved but not backed. */
	mem = mem_new(SZ_1T);
	st = mem_stats_of(mem);
	assert_int_equal(st.size, SZ_1T);
	assert_int_equal(st.frames_total, SZ_1T / SZ_4K);
	assert_int_equal(mem_frame(mem, SZ_1G, GPUVM_MEM_BO), 0);
	mem_check(mem);
	gpuvm_mem_destroy(mem);
}

/* ------------------------------------------------------------------ */
/* Frame allocator                                                     */

static void test_alloc_every_size(void **state)
{
	struct gpuvm_mem *mem = *state;
	uint64_t pa[19], by[GPUVM_MEM_PURPOSES] = { 0 }, total = 0, size;
	struct gpuvm_mem_stats st;
	unsigned int o, k;

	/* One at a time. */
	for (o = 0; o <= 18; o++) {
		enum gpuvm_mem_purpose p = o & 1 ? GPUVM_MEM_BO : GPUVM_MEM_PT;

		size = SZ_4K << o;
		pa[o] = mem_frame(mem, size, p);
		st = mem_stats_of(mem);
		assert_int_equal(st.frames_used, size / SZ_4K);
		assert_int_equal(st.frames_by_purpose[p], size / SZ_4K);
		assert_int_equal(st.frames_by_purpose[!p], 0);
		assert_int_equal(st.allocs, o + 1);
		assert_true(pa[o] + size <= st.size);
		gpuvm_mem_write64(mem, pa[o], 0x1111);
		gpuvm_mem_write64(mem, pa[o] + size - 8, 0x2222);
		mem_check(mem);
		gpuvm_mem_free(mem, pa[o], size, p);
		assert_int_equal(mem_used(mem), 0);
		mem_check(mem);
	}

	/* All at once, largest first: 2 GiB - 4 KiB of 2 GiB + 12 KiB. */
	for (o = 19; o-- > 0;) {
		enum gpuvm_mem_purpose p = o % 3 ? GPUVM_MEM_BO : GPUVM_MEM_PT;

		size = SZ_4K << o;
		pa[o] = mem_frame(mem, size, p);
		by[p] += size / SZ_4K;
		total += size / SZ_4K;
		for (k = o + 1; k <= 18; k++)
			assert_true(pa[o] + size <= pa[k] ||
				    pa[k] + (SZ_4K << k) <= pa[o]);
	}
	st = mem_stats_of(mem);
	assert_int_equal(st.frames_used, total);
	assert_int_equal(total, (2 * SZ_1G - SZ_4K) / SZ_4K);
	assert_int_equal(st.frames_by_purpose[GPUVM_MEM_PT], by[GPUVM_MEM_PT]);
	assert_int_equal(st.frames_by_purpose[GPUVM_MEM_BO], by[GPUVM_MEM_BO]);
	assert_int_equal(st.allocs, 38);
	assert_int_equal(st.alloc_failures, 0);
	mem_check(mem);
	for (o = 0; o <= 18; o++)
		gpuvm_mem_free(mem, pa[o], SZ_4K << o,
			       o % 3 ? GPUVM_MEM_BO : GPUVM_MEM_PT);
	st = mem_stats_of(mem);
	assert_int_equal(st.frames_used, 0);
	assert_int_equal(st.frames_by_purpose[GPUVM_MEM_PT], 0);
	assert_int_equal(st.frames_by_purpose[GPUVM_MEM_BO], 0);
	mem_check(mem);

	/* Everything merged back into the seed blocks. */
	assert_int_equal(mem_frame(mem, SZ_1G, GPUVM_MEM_BO), 0);
	assert_int_equal(mem_frame(mem, SZ_1G, GPUVM_MEM_BO), SZ_1G);
	assert_alloc_fails(mem, SZ_1G);
	assert_alloc_fails(mem, 16 * SZ_4K);
	assert_int_equal(mem_frame(mem, 2 * SZ_4K, GPUVM_MEM_PT), 2 * SZ_1G);
	assert_int_equal(mem_frame(mem, SZ_4K, GPUVM_MEM_PT),
			 2 * SZ_1G + 2 * SZ_4K);
	assert_alloc_fails(mem, SZ_4K);
	assert_int_equal(mem_stats_of(mem).alloc_failures, 3);
	mem_check(mem);
}

static void test_alloc_bad_args(void **state)
{
	static const uint64_t bad[] = {
		0, 1, 2048, 4095, 4097, 3 * SZ_4K, 2 * SZ_1G, 1ull << 63,
		UINT64_MAX,
	};
	struct gpuvm_mem *mem = *state;
	struct gpuvm_mem_stats st;
	uint64_t pa = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gpuvm_mem_alloc(mem, bad[i], GPUVM_MEM_PT, &pa),
				 -EINVAL);
	assert_int_equal(gpuvm_mem_alloc(mem, SZ_4K, GPUVM_MEM_PURPOSES, &pa),
			 -EINVAL);
	assert_int_equal(gpuvm_mem_alloc(mem, SZ_4K, GPUVM_MEM_PT, NULL),
			 -EINVAL);
	assert_int_equal(pa, 7);
	st = mem_stats_of(mem);
	assert_int_equal(st.frames_used, 0);
	assert_int_equal(st.allocs, 0);
	assert_int_equal(st.alloc_failures, 0);
	mem_check(mem);
}

/* A free that matches no allocated block changes nothing, and shows up. */
static void test_bad_free_detected(void **state)
{
	struct gpuvm_mem *mem = mem_new(SZ_1M);
	uint64_t pa = mem_frame(mem, 2 * SZ_4K, GPUVM_MEM_PT);
	FILE *err = tmpfile();
	char line[256] = "";

	assert_non_null(err);
	gpuvm_mem_free(mem, pa, 2 * SZ_4K, GPUVM_MEM_BO);  /* purpose */
	gpuvm_mem_free(mem, pa, SZ_4K, GPUVM_MEM_PT);      /* size */
	gpuvm_mem_free(mem, pa + SZ_4K, SZ_4K, GPUVM_MEM_PT); /* inside */
	gpuvm_mem_free(mem, pa + 1, 2 * SZ_4K, GPUVM_MEM_PT); /* unaligned */
	gpuvm_mem_free(mem, 2 * SZ_1M, SZ_4K, GPUVM_MEM_PT);  /* outside */
	gpuvm_mem_free(mem, pa, 3 * SZ_4K, GPUVM_MEM_PT);  /* bad size */
	assert_int_equal(mem_used(mem), 2);
	assert_int_equal(gpuvm_mem_validate(mem, err), -EUCLEAN);
	rewind(err);
	assert_non_null(fgets(line, sizeof(line), err));
	assert_non_null(strstr(line, "6 frees matched no allocated block"));
	fclose(err);

	/* The block itself is intact: it frees, once. */
	gpuvm_mem_free(mem, pa, 2 * SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(mem_used(mem), 0);
	gpuvm_mem_free(mem, pa, 2 * SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(mem_used(mem), 0);
	assert_int_equal(gpuvm_mem_validate(mem, NULL), -EUCLEAN);
	assert_int_equal(mem_frame(mem, SZ_1M, GPUVM_MEM_BO), 0);
	gpuvm_mem_destroy(mem);
}

static void test_buddy_coalescing(void **state)
{
	struct gpuvm_mem *mem = *state;
	uint64_t pa[512], i;

	/* Lower halves kept, LIFO lists: the frames come out in order. */
	for (i = 0; i < 512; i++) {
		pa[i] = mem_frame(mem, SZ_4K, GPUVM_MEM_PT);
		assert_int_equal(pa[i], i * SZ_4K);
	}
	assert_int_equal(mem_used(mem), 512);
	assert_alloc_fails(mem, SZ_4K);
	assert_int_equal(mem_stats_of(mem).alloc_failures, 1);
	mem_check(mem);

	/* Free in a scrambled order (7 is coprime with 512). */
	for (i = 0; i < 511; i++) {
		gpuvm_mem_free(mem, pa[i * 7 % 512], SZ_4K, GPUVM_MEM_PT);
		if (i % 64 == 0)
			mem_check(mem);
	}
	/* Frame 505 left: the lower 1 MiB has merged, the upper cannot. */
	assert_int_equal(mem_used(mem), 1);
	assert_alloc_fails(mem, SZ_2M);
	assert_int_equal(mem_frame(mem, SZ_1M, GPUVM_MEM_PT), 0);
	assert_alloc_fails(mem, SZ_1M);
	gpuvm_mem_free(mem, 0, SZ_1M, GPUVM_MEM_PT);
	assert_int_equal(pa[511 * 7 % 512], 505 * SZ_4K);
	gpuvm_mem_free(mem, pa[511 * 7 % 512], SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
	assert_int_equal(mem_frame(mem, SZ_2M, GPUVM_MEM_BO), 0);
	assert_int_equal(mem_stats_of(mem).alloc_failures, 3);
	mem_check(mem);
}

static void test_exhaustion(void **state)
{
	struct gpuvm_mem *mem = *state;
	struct gpuvm_mem_stats st;

	assert_int_equal(mem_frame(mem, SZ_2M, GPUVM_MEM_BO), 0);
	assert_int_equal(mem_frame(mem, SZ_2M, GPUVM_MEM_BO), SZ_2M);
	assert_alloc_fails(mem, SZ_2M);
	assert_int_equal(mem_frame(mem, SZ_4K, GPUVM_MEM_PT), 4 * SZ_1M);
	assert_int_equal(mem_frame(mem, SZ_4K, GPUVM_MEM_PT),
			 4 * SZ_1M + SZ_4K);
	assert_alloc_fails(mem, SZ_4K);
	assert_alloc_fails(mem, 2 * SZ_4K);
	mem_check(mem);

	gpuvm_mem_free(mem, 0, SZ_2M, GPUVM_MEM_BO);
	assert_alloc_fails(mem, 4 * SZ_1M);
	assert_int_equal(mem_frame(mem, SZ_2M, GPUVM_MEM_PT), 0);
	assert_alloc_fails(mem, SZ_1M);
	st = mem_stats_of(mem);
	assert_int_equal(st.frames_used, st.frames_total);
	assert_int_equal(st.frames_by_purpose[GPUVM_MEM_PT], 512 + 2);
	assert_int_equal(st.frames_by_purpose[GPUVM_MEM_BO], 512);
	assert_int_equal(st.allocs, 5);
	assert_int_equal(st.alloc_failures, 5);
	mem_check(mem);

	gpuvm_mem_free(mem, 4 * SZ_1M + SZ_4K, SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(mem_frame(mem, SZ_4K, GPUVM_MEM_BO),
			 4 * SZ_1M + SZ_4K);
	mem_check(mem);
}

/* Sets bit i of a bitmap and fails if it was set. */
static void mark_once(uint8_t *bits, uint64_t i)
{
	assert_false(bits[i / 8] & (1u << (i % 8)));
	bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* 3 GiB + 12 KiB: three 1 GiB blocks, 8 KiB and 4 KiB, every frame usable. */
static void test_odd_size_full(void **state)
{
	const uint64_t frames = 3 * SZ_1G / SZ_4K + 3;
	struct gpuvm_mem *mem = *state;
	uint8_t *seen = calloc(frames / 8 + 1, 1);
	struct gpuvm_mem_stats st;
	uint64_t pa, n = 0;

	assert_non_null(seen);
	while (gpuvm_mem_alloc(mem, SZ_4K, GPUVM_MEM_PT, &pa) == 0) {
		assert_true(pa < 3 * SZ_1G + 3 * SZ_4K);
		mark_once(seen, pa / SZ_4K);
		n++;
	}
	assert_int_equal(n, frames);
	st = mem_stats_of(mem);
	assert_int_equal(st.frames_total, frames);
	assert_int_equal(st.frames_used, frames);
	assert_int_equal(st.frames_by_purpose[GPUVM_MEM_PT], frames);
	assert_int_equal(st.allocs, frames);
	assert_int_equal(st.alloc_failures, 1);
	mem_check(mem);
	free(seen);
}

/* Same on a size small enough to free frame by frame and merge back. */
static void test_odd_size_merge_back(void **state)
{
	const uint64_t frames = 6 * SZ_1M / SZ_4K + 3;
	struct gpuvm_mem *mem = *state;
	uint8_t *seen = calloc(frames / 8 + 1, 1);
	uint64_t *pa = calloc(frames, sizeof(*pa)), i;

	assert_non_null(seen);
	assert_non_null(pa);
	for (i = 0; i < frames; i++) {
		pa[i] = mem_frame(mem, SZ_4K, GPUVM_MEM_BO);
		mark_once(seen, pa[i] / SZ_4K);
	}
	assert_alloc_fails(mem, SZ_4K);
	assert_int_equal(mem_used(mem), frames);
	mem_check(mem);
	for (i = 0; i < frames; i++) /* 1000 is coprime with 1539 */
		gpuvm_mem_free(mem, pa[i * 1000 % frames], SZ_4K, GPUVM_MEM_BO);
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
	/* The seed blocks are whole again: 4 MiB, 2 MiB, 8 KiB, 4 KiB. */
	assert_int_equal(mem_frame(mem, 4 * SZ_1M, GPUVM_MEM_PT), 0);
	assert_int_equal(mem_frame(mem, SZ_2M, GPUVM_MEM_PT), 4 * SZ_1M);
	assert_int_equal(mem_frame(mem, 2 * SZ_4K, GPUVM_MEM_PT), 6 * SZ_1M);
	assert_int_equal(mem_frame(mem, SZ_4K, GPUVM_MEM_PT),
			 6 * SZ_1M + 2 * SZ_4K);
	assert_int_equal(mem_used(mem), frames);
	mem_check(mem);
	free(pa);
	free(seen);
}

/* ------------------------------------------------------------------ */
/* Zeroing                                                             */

/* Sizes on both sides of the memset/madvise switch. */
static void test_zero_after_reuse_frame(void **state)
{
	static const uint64_t sizes[] = {
		SZ_4K, 8 * SZ_4K, 16 * SZ_4K, SZ_2M, SZ_1G,
	};
	struct gpuvm_mem *mem = *state;
	uint64_t pa, pa2, size;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = sizes[i];
		pa = mem_frame(mem, size, GPUVM_MEM_PT);
		assert_pa_zero(mem, pa, size < SZ_2M ? size : SZ_2M);
		if (size <= SZ_2M) {
			fill_pa(mem, pa, size, 0xa5);
		} else { /* a few scattered pages of the 1 GiB block */
			fill_pa(mem, pa, SZ_4K, 0xa5);
			fill_pa(mem, pa + size / 3 * 2, 3 * SZ_4K, 0x5a);
			fill_pa(mem, pa + size - 8, 8, 0xff);
		}
		gpuvm_mem_free(mem, pa, size, GPUVM_MEM_PT);
		mem_check(mem);
		pa2 = mem_frame(mem, size, GPUVM_MEM_BO);
		assert_int_equal(pa2, pa);
		if (size <= SZ_2M) {
			assert_pa_zero(mem, pa, size);
		} else {
			assert_pa_zero(mem, pa, SZ_4K);
			assert_pa_zero(mem, pa + size / 3 * 2, 3 * SZ_4K);
			assert_pa_zero(mem, pa + size - SZ_4K, SZ_4K);
		}
		assert_int_equal(*(uint8_t *)gpuvm_mem_ptr(mem, pa), 0);
		gpuvm_mem_free(mem, pa2, size, GPUVM_MEM_BO);
	}
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
}

static void test_zero_after_reuse_bo(void **state)
{
	static const unsigned int chunks[] = { 0, 3, 7 };
	const uint64_t size = 3 * SZ_1M + SZ_4K;
	struct gpuvm_mem *mem = *state;
	struct gpuvm_mem_run before[8];
	struct gpuvm_mem_bo *bo;
	uint8_t *buf = malloc(size);
	unsigned int i, k, n;
	uint64_t j;

	assert_non_null(buf);
	for (i = 0; i < 3; i++) {
		bo = mem_bo_new(mem, size, chunks[i]);
		n = gpuvm_mem_bo_run_count(bo);
		assert_int_equal(n, chunks[i] ? chunks[i] : 1);
		memcpy(before, gpuvm_mem_bo_runs(bo), n * sizeof(before[0]));
		memset(buf, 0x3c, size);
		assert_int_equal(gpuvm_mem_bo_write(bo, 0, buf, size), 0);
		gpuvm_mem_bo_destroy(bo);
		mem_check(mem);

		bo = mem_bo_new(mem, size, chunks[i]);
		assert_int_equal(gpuvm_mem_bo_run_count(bo), n);
		for (k = 0; k < n; k++) {
			assert_int_equal(gpuvm_mem_bo_runs(bo)[k].pa, before[k].pa);
			assert_int_equal(gpuvm_mem_bo_runs(bo)[k].size,
					 before[k].size);
			assert_pa_zero(mem, before[k].pa, before[k].size);
		}
		memset(buf, 0xee, size);
		assert_int_equal(gpuvm_mem_bo_read(bo, 0, buf, size), 0);
		for (j = 0; j < size; j++)
			if (buf[j])
				fail_msg("BO byte %" PRIu64 " not zero", j);
		gpuvm_mem_bo_destroy(bo);
	}
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* Laziness                                                            */

static void test_lazy_64g(void **state)
{
	const uint64_t size = 64 * SZ_1G;
	struct gpuvm_mem *mem;
	struct gpuvm_mem_bo *bo;
	const struct gpuvm_mem_run *r;
	uint64_t rss0 = rss_bytes(), pt, blk, big, v = 0;

	mem = mem_new(size);
	assert_true(rss_bytes() - rss0 < 4 * SZ_1M);
	assert_int_equal(mem_stats_of(mem).frames_total, size / SZ_4K);

	pt = mem_frame(mem, SZ_4K, GPUVM_MEM_PT);
	blk = mem_frame(mem, SZ_2M, GPUVM_MEM_BO);
	big = mem_frame(mem, SZ_1G, GPUVM_MEM_BO);
	gpuvm_mem_write64(mem, pt + 8, 0x1122334455667788ull);
	gpuvm_mem_write64(mem, blk + SZ_2M - 8, 2);
	gpuvm_mem_write64(mem, big + SZ_1G / 2, 3);
	fill_pa(mem, size - SZ_4K, SZ_4K, 0x77);
	assert_int_equal(gpuvm_mem_read64(mem, pt + 8), 0x1122334455667788ull);
	assert_int_equal(gpuvm_mem_read64(mem, big + SZ_1G / 2), 3);

	/* An 8 GiB BO: one 1 GiB-aligned run, touched at three places. */
	bo = mem_bo_new(mem, 8 * SZ_1G, 0);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 1);
	r = gpuvm_mem_bo_runs(bo);
	assert_int_equal(r->pa % SZ_1G, 0);
	assert_int_equal(r->size, 8 * SZ_1G);
	v = 42;
	assert_int_equal(gpuvm_mem_bo_write(bo, 0, &v, 8), 0);
	assert_int_equal(gpuvm_mem_bo_write(bo, 4 * SZ_1G + 1, &v, 8), 0);
	assert_int_equal(gpuvm_mem_bo_write(bo, 8 * SZ_1G - 8, &v, 8), 0);
	v = 0;
	assert_int_equal(gpuvm_mem_bo_read(bo, 4 * SZ_1G + 1, &v, 8), 0);
	assert_int_equal(v, 42);
	assert_int_equal(mem_used(mem),
			 (8 * SZ_1G + SZ_1G + SZ_2M + SZ_4K) / SZ_4K);
	mem_check(mem);
	/* Reading untouched memory is free too. */
	assert_pa_zero(mem, 40 * SZ_1G, SZ_2M);
	assert_true(rss_bytes() - rss0 < 8 * SZ_1M);

	gpuvm_mem_bo_destroy(bo);
	gpuvm_mem_free(mem, big, SZ_1G, GPUVM_MEM_BO);
	assert_int_equal(mem_used(mem), (SZ_2M + SZ_4K) / SZ_4K);
	mem_check(mem);
	gpuvm_mem_destroy(mem);
}

/* ------------------------------------------------------------------ */
/* Buffer objects                                                      */

/* gpuvm_mem_bo_pa by a linear scan of the runs. */
static uint64_t scan_pa(const struct gpuvm_mem_bo *bo, uint64_t offset,
			uint64_t *contig)
{
	const struct gpuvm_mem_run *r = gpuvm_mem_bo_runs(bo);
	unsigned int i;

	for (i = 0; i < gpuvm_mem_bo_run_count(bo); i++) {
		if (offset >= r[i].offset && offset < r[i].offset + r[i].size) {
			*contig = r[i].offset + r[i].size - offset;
			return r[i].pa + offset - r[i].offset;
		}
	}
	fail_msg("offset %#" PRIx64 " in no run", offset);
	return 0;
}

static void check_pa_at(const struct gpuvm_mem_bo *bo, uint64_t offset)
{
	uint64_t contig = 0, want_contig = 0, pa, want;

	if (offset >= gpuvm_mem_bo_size(bo))
		return;
	want = scan_pa(bo, offset, &want_contig);
	pa = gpuvm_mem_bo_pa(bo, offset, &contig);
	assert_int_equal(pa, want);
	assert_int_equal(contig, want_contig);
	assert_int_equal(gpuvm_mem_bo_pa(bo, offset, NULL), want);
}

/* Run layout invariants, and the lookup at every run boundary +- 1 page. */
static void check_bo(const struct gpuvm_mem *mem, const struct gpuvm_mem_bo *bo,
		     uint64_t size)
{
	const struct gpuvm_mem_run *r = gpuvm_mem_bo_runs(bo);
	unsigned int i, n = gpuvm_mem_bo_run_count(bo);
	uint64_t offset = 0, b, contig;

	assert_int_equal(gpuvm_mem_bo_size(bo), size);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].offset, offset);
		assert_true(r[i].size > 0);
		assert_int_equal(r[i].size % SZ_4K, 0);
		assert_int_equal(r[i].pa % SZ_4K, 0);
		assert_true(r[i].pa + r[i].size <= mem_stats_of(mem).size);
		if (i + 1 < n)
			assert_true(r[i].pa + r[i].size != r[i + 1].pa);
		offset += r[i].size;
	}
	assert_int_equal(offset, size);
	for (i = 0; i < n; i++) {
		b = r[i].offset;
		check_pa_at(bo, b);
		check_pa_at(bo, b + 1);
		check_pa_at(bo, b + SZ_4K);
		if (b) {
			check_pa_at(bo, b - 1);
			check_pa_at(bo, b - SZ_4K);
		}
	}
	check_pa_at(bo, size - 1);
	assert_int_equal(gpuvm_mem_bo_pa(bo, size, &contig), UINT64_MAX);
	assert_int_equal(contig, 0);
}

static void test_bo_contiguous(void **state)
{
	static const uint64_t sizes[] = {
		SZ_4K, 2 * SZ_4K, 3 * SZ_4K, 16 * SZ_4K, SZ_2M - SZ_4K, SZ_2M,
		SZ_2M + SZ_4K, 3 * SZ_1M + SZ_4K, SZ_1G - SZ_4K, SZ_1G,
		SZ_1G + SZ_2M + SZ_4K, 2 * SZ_1G + 3 * SZ_4K,
		3 * SZ_1G + 3 * SZ_4K,
	};
	const uint64_t msize = 3 * SZ_1G + 3 * SZ_4K;
	struct gpuvm_mem_bo *bo, *bos[3];
	const struct gpuvm_mem_run *r;
	struct gpuvm_mem *mem;
	struct gpuvm_mem_stats st;
	uint64_t size, contig;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = sizes[i];
		mem = mem_new(msize);
		bo = mem_bo_new(mem, size, 0);
		assert_int_equal(gpuvm_mem_bo_run_count(bo), 1);
		r = gpuvm_mem_bo_runs(bo);
		assert_int_equal(r->offset, 0);
		assert_int_equal(r->size, size);
		if (size >= SZ_2M)
			assert_int_equal(r->pa % SZ_2M, 0);
		if (size >= SZ_1G)
			assert_int_equal(r->pa % SZ_1G, 0);
		check_bo(mem, bo, size);
		assert_int_equal(gpuvm_mem_bo_pa(bo, size / 2 & ~7ull, &contig),
				 r->pa + (size / 2 & ~7ull));
		assert_int_equal(contig, size - (size / 2 & ~7ull));
		st = mem_stats_of(mem);
		assert_int_equal(st.frames_used, size / SZ_4K);
		assert_int_equal(st.frames_by_purpose[GPUVM_MEM_BO], size / SZ_4K);
		assert_int_equal(st.allocs, 1);
		mem_check(mem);
		gpuvm_mem_bo_destroy(bo);
		assert_int_equal(mem_used(mem), 0);
		mem_check(mem);
		gpuvm_mem_destroy(mem);
	}

	/* Several at once, each still one run, next to each other. */
	mem = mem_new(64 * SZ_1M);
	bos[0] = mem_bo_new(mem, 3 * SZ_1M, 0);
	bos[1] = mem_bo_new(mem, 5 * SZ_1M + SZ_4K, 0);
	bos[2] = mem_bo_new(mem, SZ_4K, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(gpuvm_mem_bo_run_count(bos[i]), 1);
	assert_int_equal(gpuvm_mem_bo_runs(bos[0])->pa, 0);
	assert_int_equal(gpuvm_mem_bo_runs(bos[1])->pa, 8 * SZ_1M);
	/* Best fit: the 4 KiB block left over right after B. */
	assert_int_equal(gpuvm_mem_bo_runs(bos[2])->pa, 13 * SZ_1M + SZ_4K);
	assert_int_equal(mem_used(mem), (8 * SZ_1M + 2 * SZ_4K) / SZ_4K);
	mem_check(mem);
	for (i = 0; i < 3; i++)
		gpuvm_mem_bo_destroy(bos[i]);
	mem_check(mem);
	gpuvm_mem_destroy(mem);
}

/* A BO over 1 GiB stays one run even when the 1 GiB lists are shuffled. */
static void test_bo_contiguous_after_reuse(void **state)
{
	struct gpuvm_mem *mem = *state;
	struct gpuvm_mem_bo *a, *b;
	uint64_t pa[4];
	int i;

	for (i = 0; i < 4; i++)
		pa[i] = mem_frame(mem, SZ_1G, GPUVM_MEM_BO);
	/* Freed in an order that leaves 3 GiB then 1 GiB at the list heads. */
	gpuvm_mem_free(mem, pa[1], SZ_1G, GPUVM_MEM_BO);
	gpuvm_mem_free(mem, pa[2], SZ_1G, GPUVM_MEM_BO);
	gpuvm_mem_free(mem, pa[0], SZ_1G, GPUVM_MEM_BO);
	gpuvm_mem_free(mem, pa[3], SZ_1G, GPUVM_MEM_BO);
	mem_check(mem);
	a = mem_bo_new(mem, 3 * SZ_1G + SZ_2M, 0);
	assert_int_equal(gpuvm_mem_bo_run_count(a), 1);
	assert_int_equal(gpuvm_mem_bo_runs(a)->pa, 0);
	check_bo(mem, a, 3 * SZ_1G + SZ_2M);
	b = mem_bo_new(mem, SZ_1G - SZ_2M, 0);
	assert_int_equal(gpuvm_mem_bo_run_count(b), 1);
	assert_int_equal(gpuvm_mem_bo_runs(b)->pa, 3 * SZ_1G + SZ_2M);
	assert_int_equal(mem_used(mem), mem_stats_of(mem).frames_total);
	mem_check(mem);
	gpuvm_mem_bo_destroy(a);
	gpuvm_mem_bo_destroy(b);
	mem_check(mem);
}

static void test_bo_fragmented(void **state)
{
	static const struct {
		uint64_t size;
		unsigned int chunks;
	} cases[] = {
		{ SZ_4K, 1 }, { 2 * SZ_4K, 2 }, { 3 * SZ_4K, 2 },
		{ 16 * SZ_4K, 16 }, { SZ_1M + 3 * SZ_4K, 3 },
		{ 3 * SZ_1M + SZ_4K, 7 }, { SZ_2M, 100 }, { 16 * SZ_1M, 5 },
		{ 5 * SZ_1M + 5 * SZ_4K, 33 }, { 40 * SZ_1M, 2 },
	};
	struct gpuvm_mem *mem = *state;
	const struct gpuvm_mem_run *r;
	struct gpuvm_mem_bo *bo;
	uint64_t frames, base, longer;
	unsigned int i, k, j, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = cases[i].chunks;
		frames = cases[i].size / SZ_4K;
		base = frames / n;
		bo = mem_bo_new(mem, cases[i].size, n);
		assert_int_equal(gpuvm_mem_bo_run_count(bo), n);
		check_bo(mem, bo, cases[i].size);
		r = gpuvm_mem_bo_runs(bo);
		longer = 0;
		for (k = 0; k < n; k++) {
			/* Equal sizes to a frame; runs pairwise disjoint. */
			assert_true(r[k].size == base * SZ_4K ||
				    r[k].size == (base + 1) * SZ_4K);
			longer += r[k].size != base * SZ_4K;
			for (j = k + 1; j < n; j++)
				assert_true(r[k].pa + r[k].size <= r[j].pa ||
					    r[j].pa + r[j].size <= r[k].pa);
		}
		assert_int_equal(longer, frames % n);
		assert_int_equal(mem_used(mem), frames);
		mem_check(mem);
		gpuvm_mem_bo_destroy(bo);
		assert_int_equal(mem_used(mem), 0);
		mem_check(mem);
	}
}

/* Runs over 1 GiB: each a range of several 1 GiB blocks. */
static void test_bo_fragmented_huge(void **state)
{
	struct gpuvm_mem *mem = *state;
	const struct gpuvm_mem_run *r;
	struct gpuvm_mem_bo *bo;
	uint64_t v = 0x1111111122222222ull;
	uint32_t lo = 0;

	bo = mem_bo_new(mem, 4 * SZ_1G + 2 * SZ_4K, 2);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 2);
	check_bo(mem, bo, 4 * SZ_1G + 2 * SZ_4K);
	r = gpuvm_mem_bo_runs(bo);
	assert_int_equal(r[0].size, 2 * SZ_1G + SZ_4K);
	assert_int_equal(r[1].size, 2 * SZ_1G + SZ_4K);
	assert_int_equal(r[1].pa, 0);
	/* Little-endian: the low half ends run 0, the high one starts run 1. */
	assert_int_equal(gpuvm_mem_bo_write(bo, r[1].offset - 4, &v, 8), 0);
	assert_int_equal(gpuvm_mem_read64(mem, 0), 0x11111111);
	assert_int_equal(gpuvm_mem_read(mem, r[0].pa + r[0].size - 4, &lo, 4),
			 0);
	assert_int_equal(lo, 0x22222222);
	mem_check(mem);
	gpuvm_mem_bo_destroy(bo);
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
}

/* Byte pattern of BO offset i. */
static uint8_t pat(uint64_t i)
{
	return (uint8_t)(i * 31 + 7 + (i >> 12));
}

static void test_bo_cpu_access(void **state)
{
	const uint64_t size = 16 * SZ_4K;
	struct gpuvm_mem *mem = *state;
	const struct gpuvm_mem_run *r;
	struct gpuvm_mem_bo *bo;
	uint8_t buf[16 * 4096], got[256], b;
	uint64_t i, pa;
	unsigned int k;

	bo = mem_bo_new(mem, size, 5);
	r = gpuvm_mem_bo_runs(bo);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 5);
	check_bo(mem, bo, size);
	for (i = 0; i < size; i++)
		buf[i] = pat(i);
	assert_int_equal(gpuvm_mem_bo_write(bo, 0, buf, size), 0);

	/* Every byte landed at the PA its run says. */
	for (i = 0; i < size; i += 509) {
		pa = gpuvm_mem_bo_pa(bo, i, NULL);
		assert_int_equal(gpuvm_mem_read(mem, pa, &b, 1), 0);
		assert_int_equal(b, pat(i));
	}
	for (k = 0; k < 5; k++) {
		assert_int_equal(gpuvm_mem_read(mem, r[k].pa, &b, 1), 0);
		assert_int_equal(b, pat(r[k].offset));
		assert_int_equal(gpuvm_mem_read(mem, r[k].pa + r[k].size - 1,
						&b, 1), 0);
		assert_int_equal(b, pat(r[k].offset + r[k].size - 1));
	}

	/* Whole and across each boundary. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(gpuvm_mem_bo_read(bo, 0, buf, size), 0);
	for (i = 0; i < size; i++)
		assert_int_equal(buf[i], pat(i));
	for (k = 1; k < 5; k++) {
		memset(got, 0, sizeof(got));
		assert_int_equal(gpuvm_mem_bo_read(bo, r[k].offset - 100, got,
						   200), 0);
		for (i = 0; i < 200; i++)
			assert_int_equal(got[i], pat(r[k].offset - 100 + i));
		memset(got, 0xcd, sizeof(got));
		assert_int_equal(gpuvm_mem_bo_write(bo, r[k].offset - 3, got, 7),
				 0);
		assert_int_equal(gpuvm_mem_read(mem, r[k - 1].pa + r[k - 1].size
						- 3, &b, 1), 0);
		assert_int_equal(b, 0xcd);
		assert_int_equal(gpuvm_mem_read(mem, r[k].pa + 3, &b, 1), 0);
		assert_int_equal(b, 0xcd);
		assert_int_equal(gpuvm_mem_read(mem, r[k].pa + 4, &b, 1), 0);
		assert_int_equal(b, pat(r[k].offset + 4));
	}

	/* Out of range: nothing copied. */
	assert_int_equal(gpuvm_mem_bo_read(bo, size, got, 1), -EINVAL);
	assert_int_equal(gpuvm_mem_bo_read(bo, size - 1, got, 2), -EINVAL);
	assert_int_equal(gpuvm_mem_bo_write(bo, size - 1, got, 2), -EINVAL);
	assert_int_equal(gpuvm_mem_bo_read(bo, UINT64_MAX, got, 2), -EINVAL);
	assert_int_equal(gpuvm_mem_bo_write(bo, 1, got, UINT64_MAX), -EINVAL);
	assert_int_equal(gpuvm_mem_bo_read(bo, size, got, 0), 0);
	assert_int_equal(gpuvm_mem_bo_read(bo, size - 1, &b, 1), 0);
	assert_int_equal(b, pat(size - 1));
	gpuvm_mem_bo_destroy(bo);
	mem_check(mem);
}

static void test_bo_bad_args(void **state)
{
	static const uint64_t bad[] = { 0, 1, 4095, 4097, 3 * SZ_4K + 5 };
	struct gpuvm_mem *mem = *state;
	struct gpuvm_mem_bo *bo = (struct gpuvm_mem_bo *)state, *half;
	struct gpuvm_mem_stats st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gpuvm_mem_bo_create(mem, bad[i], 0, &bo), -EINVAL);
		assert_int_equal(gpuvm_mem_bo_create(mem, bad[i], 1, &bo), -EINVAL);
	}
	assert_int_equal(gpuvm_mem_bo_create(mem, 2 * SZ_4K, 3, &bo), -EINVAL);
	assert_int_equal(gpuvm_mem_bo_create(mem, SZ_4K, 0, NULL), -EINVAL);
	assert_int_equal(gpuvm_mem_bo_create(NULL, SZ_4K, 0, &bo), -EINVAL);
	assert_ptr_equal(bo, (struct gpuvm_mem_bo *)state);
	st = mem_stats_of(mem);
	assert_int_equal(st.allocs, 0);
	assert_int_equal(st.alloc_failures, 0);

	/* Larger than memory, or than what is left of it. */
	assert_int_equal(gpuvm_mem_bo_create(mem, SZ_2M, 0, &bo), -ENOMEM);
	assert_int_equal(gpuvm_mem_bo_create(mem, SZ_1M + SZ_4K, 2, &bo),
			 -ENOMEM);
	assert_int_equal(gpuvm_mem_bo_create(mem, UINT64_MAX & ~(SZ_4K - 1), 0,
					     &bo), -ENOMEM);
	assert_int_equal(mem_used(mem), 0);
	half = mem_bo_new(mem, SZ_1M / 2, 0);
	assert_int_equal(gpuvm_mem_bo_create(mem, SZ_1M / 2 + SZ_4K, 0, &bo),
			 -ENOMEM);
	assert_ptr_equal(bo, (struct gpuvm_mem_bo *)state);
	st = mem_stats_of(mem);
	assert_int_equal(st.frames_used, 128);
	assert_int_equal(st.allocs, 1);
	assert_int_equal(st.alloc_failures, 4);
	mem_check(mem);
	gpuvm_mem_bo_destroy(NULL);
	gpuvm_mem_bo_destroy(half);
	mem_check(mem);
}

/*
 * 64 frames, every even one taken back: 32 isolated free frames. A
 * contiguous BO has to use one run per frame; a run of two cannot exist.
 */
static void test_bo_on_fragmented_memory(void **state)
{
	struct gpuvm_mem *mem = *state;
	const struct gpuvm_mem_run *r;
	struct gpuvm_mem_bo *bo;
	unsigned int i;

	for (i = 0; i < 64; i++)
		assert_int_equal(mem_frame(mem, SZ_4K, GPUVM_MEM_PT),
				 i * SZ_4K);
	for (i = 0; i < 64; i += 2)
		gpuvm_mem_free(mem, i * SZ_4K, SZ_4K, GPUVM_MEM_PT);
	mem_check(mem);

	bo = mem_bo_new(mem, 10 * SZ_4K, 0);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 10);
	check_bo(mem, bo, 10 * SZ_4K);
	r = gpuvm_mem_bo_runs(bo);
	for (i = 0; i < 10; i++) {
		assert_int_equal(r[i].size, SZ_4K);
		assert_int_equal(r[i].pa / SZ_4K % 2, 0);
	}
	assert_int_equal(mem_used(mem), 32 + 10);
	mem_check(mem);
	gpuvm_mem_bo_destroy(bo);

	assert_int_equal(gpuvm_mem_bo_create(mem, 2 * SZ_4K, 1, &bo), -ENOMEM);
	assert_int_equal(gpuvm_mem_bo_create(mem, 33 * SZ_4K, 0, &bo), -ENOMEM);
	assert_int_equal(mem_used(mem), 32);
	mem_check(mem);
	bo = mem_bo_new(mem, 32 * SZ_4K, 32);
	check_bo(mem, bo, 32 * SZ_4K);
	assert_int_equal(mem_used(mem), 64);
	gpuvm_mem_bo_destroy(bo);
	mem_check(mem);
}

/* A run made of several free blocks, none of them big enough alone. */
static void test_bo_run_across_blocks(void **state)
{
	struct gpuvm_mem *mem = *state;
	struct gpuvm_mem_bo *bo;
	unsigned int i;

	for (i = 0; i < 16; i++)
		assert_int_equal(mem_frame(mem, SZ_4K, GPUVM_MEM_PT),
				 i * SZ_4K);
	/* Frames 1..6 free: blocks 1, 2-3, 4-5, 6. */
	for (i = 1; i <= 6; i++)
		gpuvm_mem_free(mem, i * SZ_4K, SZ_4K, GPUVM_MEM_PT);
	mem_check(mem);
	assert_int_equal(gpuvm_mem_bo_create(mem, 7 * SZ_4K, 1, &bo), -ENOMEM);
	bo = mem_bo_new(mem, 6 * SZ_4K, 1);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 1);
	assert_int_equal(gpuvm_mem_bo_runs(bo)->pa, SZ_4K);
	check_bo(mem, bo, 6 * SZ_4K);
	assert_int_equal(mem_used(mem), 16);
	mem_check(mem);
	gpuvm_mem_bo_destroy(bo);
	assert_int_equal(mem_used(mem), 10);
	mem_check(mem);
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */

/*
 * Fails each allocation of one BO creation in turn; returns how many
 * there were. Nothing may stay allocated after a failure.
 */
static uint64_t fail_each(struct gpuvm_mem *mem, uint64_t size,
			  unsigned int chunks, struct gpuvm_mem_bo **out)
{
	struct gpuvm_mem_stats st0 = mem_stats_of(mem), st;
	uint64_t n;
	int ret;

	for (n = 1; n < 1000; n++) {
		gpuvm_mem_fail_nth_alloc(mem, n);
		ret = gpuvm_mem_bo_create(mem, size, chunks, out);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		st = mem_stats_of(mem);
		assert_int_equal(st.frames_used, st0.frames_used);
		assert_int_equal(st.frames_by_purpose[GPUVM_MEM_BO],
				 st0.frames_by_purpose[GPUVM_MEM_BO]);
		assert_int_equal(st.alloc_failures, st0.alloc_failures + n);
		assert_int_equal(st.allocs, st0.allocs);
		mem_check(mem);
	}
	assert_int_equal(mem_used(mem), st0.frames_used + size / SZ_4K);
	check_bo(mem, *out, size);
	mem_check(mem);
	/* Still armed, one short of its target: the next allocation fails. */
	assert_alloc_fails(mem, SZ_4K);
	return n - 1;
}

static void test_fail_nth_bo(void **state)
{
	struct gpuvm_mem *mem = mem_new(64 * SZ_1M);
	struct gpuvm_mem_bo *bo;
	unsigned int i;

	/* BO struct, run array, then 2 MiB + 1 MiB + 4 KiB blocks. */
	assert_int_equal(fail_each(mem, 3 * SZ_1M + SZ_4K, 0, &bo), 5);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 1);
	gpuvm_mem_bo_destroy(bo);
	mem_check(mem);

	/* BO struct, run array, one block per run of 4 frames. */
	assert_int_equal(fail_each(mem, 16 * SZ_4K, 4, &bo), 6);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 4);
	gpuvm_mem_bo_destroy(bo);
	/* Runs of 3 frames: 2 + 1 blocks each. */
	assert_int_equal(fail_each(mem, 6 * SZ_4K, 2, &bo), 6);
	gpuvm_mem_bo_destroy(bo);
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
	gpuvm_mem_destroy(mem);

	/*
	 * 32 isolated frames: struct, array of 4, 4 blocks, growth to 8,
	 * 4 blocks, growth to 16, 2 blocks.
	 */
	mem = mem_new(64 * SZ_4K);
	for (i = 0; i < 64; i++)
		mem_frame(mem, SZ_4K, GPUVM_MEM_PT);
	for (i = 0; i < 64; i += 2)
		gpuvm_mem_free(mem, i * SZ_4K, SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(fail_each(mem, 10 * SZ_4K, 0, &bo), 14);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 10);
	gpuvm_mem_bo_destroy(bo);
	assert_int_equal(mem_used(mem), 32);
	mem_check(mem);
	gpuvm_mem_destroy(mem);
}

static void test_fail_nth_alloc(void **state)
{
	struct gpuvm_mem *mem = *state;
	struct gpuvm_mem_stats st;
	uint64_t a, b, c;

	gpuvm_mem_fail_nth_alloc(mem, 3);
	a = mem_frame(mem, SZ_4K, GPUVM_MEM_PT);
	b = mem_frame(mem, SZ_1M, GPUVM_MEM_BO);
	assert_alloc_fails(mem, SZ_4K);
	c = mem_frame(mem, SZ_4K, GPUVM_MEM_PT);
	st = mem_stats_of(mem);
	assert_int_equal(st.frames_used, 2 + 256);
	assert_int_equal(st.allocs, 3);
	assert_int_equal(st.alloc_failures, 1);
	mem_check(mem);

	/* Bad arguments are not allocations. */
	gpuvm_mem_fail_nth_alloc(mem, 1);
	assert_int_equal(gpuvm_mem_alloc(mem, 5, GPUVM_MEM_PT, &a), -EINVAL);
	assert_alloc_fails(mem, SZ_4K);
	/* 0 disarms. */
	gpuvm_mem_fail_nth_alloc(mem, 1);
	gpuvm_mem_fail_nth_alloc(mem, 0);
	gpuvm_mem_free(mem, mem_frame(mem, SZ_4K, GPUVM_MEM_PT), SZ_4K,
		       GPUVM_MEM_PT);
	gpuvm_mem_free(mem, a, SZ_4K, GPUVM_MEM_PT);
	gpuvm_mem_free(mem, b, SZ_1M, GPUVM_MEM_BO);
	gpuvm_mem_free(mem, c, SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
}

/* ------------------------------------------------------------------ */
/* Physical access                                                     */

static void test_phys_rw(void **state)
{
	struct gpuvm_mem *mem = *state;
	uint64_t v = 0x0123456789abcdefull, w = 0;
	uint8_t buf[16];

	assert_int_equal(gpuvm_mem_write(mem, 0, &v, 8), 0);
	assert_int_equal(gpuvm_mem_write(mem, SZ_1M - 8, &v, 8), 0);
	assert_int_equal(gpuvm_mem_read(mem, SZ_1M - 8, &w, 8), 0);
	assert_int_equal(w, v);
	assert_int_equal(gpuvm_mem_read64(mem, 0), v);

	/* Partly outside: -EFAULT, nothing copied either way. */
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(gpuvm_mem_write(mem, SZ_1M - 4, buf, 8), -EFAULT);
	assert_int_equal(gpuvm_mem_read64(mem, SZ_1M - 8), v);
	assert_int_equal(gpuvm_mem_read(mem, SZ_1M - 4, buf, 8), -EFAULT);
	assert_int_equal(buf[0], 0xaa);
	assert_int_equal(gpuvm_mem_read(mem, SZ_1M, buf, 1), -EFAULT);
	assert_int_equal(gpuvm_mem_read(mem, UINT64_MAX - 3, buf, 8), -EFAULT);
	assert_int_equal(gpuvm_mem_write(mem, 8, buf, UINT64_MAX), -EFAULT);
	assert_int_equal(gpuvm_mem_write(mem, UINT64_MAX, buf, 2), -EFAULT);
	assert_int_equal(gpuvm_mem_read(mem, SZ_1M + 1, buf, 0), -EFAULT);
	assert_int_equal(gpuvm_mem_read(mem, SZ_1M, buf, 0), 0);

	/* ptr is base + pa, one linear range. */
	gpuvm_mem_write64(mem, 3 * SZ_4K + 16, 99);
	assert_int_equal(gpuvm_mem_read(mem, 3 * SZ_4K + 16, &w, 8), 0);
	assert_int_equal(w, 99);
	assert_ptr_equal(gpuvm_mem_ptr(mem, 3 * SZ_4K + 16),
			 (uint8_t *)gpuvm_mem_ptr(mem, 0) + 3 * SZ_4K + 16);
	assert_pa_zero(mem, SZ_4K, SZ_4K);
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
}

/* ------------------------------------------------------------------ */
/* Debug and teardown                                                  */

static void test_print_and_quiet_validate(void **state)
{
	struct gpuvm_mem *mem = mem_new(8 * SZ_1M + SZ_4K);
	FILE *f = tmpfile();
	char text[4096];
	size_t n;

	assert_non_null(f);
	assert_int_equal(gpuvm_mem_bo_run_count(mem_bo_new(mem, 3 * SZ_4K, 2)),
			 2);
	mem_frame(mem, SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(gpuvm_mem_validate(mem, f), 0);
	assert_int_equal(ftell(f), 0);
	gpuvm_mem_print(mem, f);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	assert_non_null(strstr(text, "mem: 8392704 bytes, 2049 frames: 4 used "
				     "(pt 1, bo 3), 2045 free"));
	assert_non_null(strstr(text, "1 BOs in 2 runs"));
	fclose(f);
	gpuvm_mem_destroy(mem); /* with the BO and the frame still live */
}

/* validate must fail with exactly this report. */
static void expect_report(struct gpuvm_mem *mem, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(gpuvm_mem_validate(mem, f), -EUCLEAN);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, want);
	free(buf);
}

/* Each kind of damage gpuvm_mem_validate looks for, made by hand. */
static void test_validate_catches_corruption(void **state)
{
	struct gpuvm_mem *mem = mem_new(4 * SZ_4K); /* one order-2 block at 0 */
	struct gpuvm_mem_bo *bo;
	char want[80];

	mem_check(mem);
	mem->frames_used++;                     /* used + free != total */
	assert_int_equal(gpuvm_mem_validate(mem, NULL), -EUCLEAN);
	mem->by_purpose[GPUVM_MEM_PT]++;        /* ... with sums right */
	assert_int_equal(gpuvm_mem_validate(mem, NULL), -EUCLEAN);
	mem->frames_used--;
	mem->by_purpose[GPUVM_MEM_PT]--;
	mem_check(mem);

	mem->free_blocks[2]++;                  /* list shorter than count */
	assert_int_equal(gpuvm_mem_validate(mem, NULL), -EUCLEAN);
	mem->free_blocks[2]--;
	mem->nonempty |= 1u << 5;               /* empty list marked used */
	assert_int_equal(gpuvm_mem_validate(mem, NULL), -EUCLEAN);
	mem->nonempty &= ~(1u << 5);
	mem->frame[0].state = ST_FREE | 1;      /* head with the wrong order */
	assert_int_equal(gpuvm_mem_validate(mem, NULL), -EUCLEAN);
	mem->frame[0].state = ST_FREE | 2;
	mem_check(mem);

	/* Frames 2-3 as a second free block, inside the first. */
	mem->frame[2] = (struct mem_frame){ MEM_NONE, MEM_NONE, ST_FREE | 1 };
	mem->free_head[1] = 2;
	mem->free_blocks[1] = 1;
	mem->nonempty |= 1u << 1;
	mem->frames_free += 2;
	mem->frames_used -= 2;
	assert_int_equal(gpuvm_mem_validate(mem, NULL), -EUCLEAN);
	mem->frame[2].state = 0;
	mem->free_head[1] = MEM_NONE;
	mem->free_blocks[1] = 0;
	mem->nonempty &= ~(1u << 1);
	mem->frames_free -= 2;
	mem->frames_used += 2;
	mem_check(mem);

	/*
	 * Damaged BOs. The reports name a BO by its place in the list and
	 * where its memory starts, never by its host address.
	 */
	bo = mem_bo_new(mem, 2 * SZ_4K, 0);
	mem_check(mem);
	assert_int_equal(gpuvm_mem_bo_runs(bo)->pa, 0);
	bo->nruns = bo->cap + 1;
	snprintf(want, sizeof(want), "gpuvm_mem: BO 0: %u runs, room for %u\n",
		 bo->cap + 1, bo->cap);
	expect_report(mem, want);
	bo->nruns = 1;
	bo->size += SZ_4K;
	expect_report(mem, "gpuvm_mem: BO 0 (at pa 0x0): runs cover 0x2000 of 0x3000\n"
			   "gpuvm_mem: BOs hold 3 frames, BO accounting says 2\n");
	bo->size -= SZ_4K;
	bo->prev = bo;
	expect_report(mem, "gpuvm_mem: BO list broken at BO 0\n");
	bo->prev = NULL;
	mem_check(mem);
	/* Its frames freed behind its back. */
	mem_free_frames(mem, (uint32_t)(gpuvm_mem_bo_runs(bo)->pa / SZ_4K), 2,
			GPUVM_MEM_BO);
	expect_report(mem, "gpuvm_mem: BO 0 (at pa 0x0) run 0 overlaps free memory\n"
			   "gpuvm_mem: BOs hold 2 frames, BO accounting says 0\n");
	gpuvm_mem_destroy(mem); /* frees the BO struct, not its frames */
}

/*
 * Random mix of everything against a shadow ownership map: nothing handed
 * out twice, everything handed out zero, validate after every step.
 */
struct live {
	uint64_t pa, size;
	struct gpuvm_mem_bo *bo;
	enum gpuvm_mem_purpose purpose;
};

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Marks [pa, pa + size) taken or released in the ownership map. */
static void own_range(uint8_t *owner, uint64_t pa, uint64_t size, bool take)
{
	uint64_t f;

	for (f = pa / SZ_4K; f < (pa + size) / SZ_4K; f++) {
		assert_int_equal(owner[f], take ? 0 : 1);
		owner[f] = take;
	}
}

static void own(uint8_t *owner, const struct live *l, bool take)
{
	const struct gpuvm_mem_run *r;
	unsigned int i;

	if (!l->bo) {
		own_range(owner, l->pa, l->size, take);
		return;
	}
	r = gpuvm_mem_bo_runs(l->bo);
	for (i = 0; i < gpuvm_mem_bo_run_count(l->bo); i++)
		own_range(owner, r[i].pa, r[i].size, take);
}

static void dirty(struct gpuvm_mem *mem, const struct live *l)
{
	uint8_t junk[64];

	memset(junk, 0xd7, sizeof(junk));
	if (l->bo) {
		assert_int_equal(gpuvm_mem_bo_write(l->bo, 0, junk, 64), 0);
		assert_int_equal(gpuvm_mem_bo_write(l->bo, l->size - 64, junk,
						    64), 0);
	} else {
		assert_int_equal(gpuvm_mem_write(mem, l->pa, junk, 64), 0);
		assert_int_equal(gpuvm_mem_write(mem, l->pa + l->size - 64,
						 junk, 64), 0);
	}
}

static void check_fresh(const struct gpuvm_mem *mem, const struct live *l)
{
	uint8_t buf[SZ_4K];
	unsigned int i;

	if (!l->bo) {
		assert_pa_zero(mem, l->pa, SZ_4K);
		assert_pa_zero(mem, l->pa + l->size - SZ_4K, SZ_4K);
		return;
	}
	assert_int_equal(gpuvm_mem_bo_read(l->bo, l->size - SZ_4K, buf,
					   SZ_4K), 0);
	for (i = 0; i < SZ_4K; i++)
		assert_int_equal(buf[i], 0);
}

static void test_random_mix(void **state)
{
	struct gpuvm_mem *mem = *state;
	const uint64_t msize = mem_stats_of(mem).size;
	uint8_t *owner = calloc(msize / SZ_4K, 1);
	struct live live[256], *l;
	uint64_t seed = 12345, frames = 0;
	unsigned int n = 0, step, k;
	int ret;

	assert_non_null(owner);
	for (step = 0; step < 3000; step++) {
		unsigned int op = (unsigned int)rnd(&seed) % 8;

		if (op <= 2 && n < 256) { /* frame */
			l = &live[n];
			l->bo = NULL;
			l->size = SZ_4K << (rnd(&seed) % 10);
			l->purpose = (enum gpuvm_mem_purpose)(rnd(&seed) % 2);
			ret = gpuvm_mem_alloc(mem, l->size, l->purpose, &l->pa);
		} else if (op <= 4 && n < 256) { /* BO */
			uint64_t fr = 1 + rnd(&seed) % 300;
			unsigned int c = rnd(&seed) % 2 ?
				0 : 1 + (unsigned int)(rnd(&seed) % 8);

			l = &live[n];
			l->size = fr * SZ_4K;
			l->purpose = GPUVM_MEM_BO;
			ret = gpuvm_mem_bo_create(mem, l->size,
						  c > fr ? (unsigned int)fr : c,
						  &l->bo);
		} else if (n) { /* free one */
			k = (unsigned int)(rnd(&seed) % n);
			l = &live[k];
			if (op == 5)
				dirty(mem, l);
			own(owner, l, false);
			frames -= l->size / SZ_4K;
			if (l->bo)
				gpuvm_mem_bo_destroy(l->bo);
			else
				gpuvm_mem_free(mem, l->pa, l->size, l->purpose);
			live[k] = live[--n];
			assert_int_equal(mem_used(mem), frames);
			mem_check(mem);
			continue;
		} else {
			continue;
		}
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
		} else {
			check_fresh(mem, l);
			own(owner, l, true);
			frames += l->size / SZ_4K;
			n++;
		}
		assert_int_equal(mem_used(mem), frames);
		mem_check(mem);
	}
	while (n) {
		l = &live[--n];
		if (l->bo)
			gpuvm_mem_bo_destroy(l->bo);
		else
			gpuvm_mem_free(mem, l->pa, l->size, l->purpose);
	}
	assert_int_equal(mem_used(mem), 0);
	mem_check(mem);
	assert_int_equal(mem_frame(mem, msize, GPUVM_MEM_PT), 0);
	free(owner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bad_sizes),
		MEM_TEST(test_alloc_every_size, 2 * SZ_1G + 3 * SZ_4K),
		MEM_TEST(test_alloc_bad_args, 4 * SZ_1M),
		cmocka_unit_test(test_bad_free_detected),
		MEM_TEST(test_buddy_coalescing, SZ_2M),
		MEM_TEST(test_exhaustion, 4 * SZ_1M + 2 * SZ_4K),
		MEM_TEST(test_odd_size_full, 3 * SZ_1G + 3 * SZ_4K),
		MEM_TEST(test_odd_size_merge_back, 6 * SZ_1M + 3 * SZ_4K),
		MEM_TEST(test_zero_after_reuse_frame, 2 * SZ_1G),
		MEM_TEST(test_zero_after_reuse_bo, 16 * SZ_1M),
		cmocka_unit_test(test_lazy_64g),
		cmocka_unit_test(test_bo_contiguous),
		MEM_TEST(test_bo_contiguous_after_reuse, 4 * SZ_1G),
		MEM_TEST(test_bo_fragmented, 64 * SZ_1M),
		MEM_TEST(test_bo_fragmented_huge, 5 * SZ_1G),
		MEM_TEST(test_bo_cpu_access, 16 * SZ_1M),
		MEM_TEST(test_bo_bad_args, SZ_1M),
		MEM_TEST(test_bo_on_fragmented_memory, 64 * SZ_4K),
		MEM_TEST(test_bo_run_across_blocks, 16 * SZ_4K),
		cmocka_unit_test(test_fail_nth_bo),
		MEM_TEST(test_fail_nth_alloc, SZ_2M),
		MEM_TEST(test_phys_rw, SZ_1M),
		cmocka_unit_test(test_print_and_quiet_validate),
		cmocka_unit_test(test_validate_catches_corruption),
		MEM_TEST(test_random_mix, 16 * SZ_1M),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
