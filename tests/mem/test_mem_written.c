// SPDX-License-Identifier: MIT
/*
 * DOC: tests of the written map (src/mem/access.c)
 *
 * Memory that was never written must cost nothing, on hosts whose kernel
 * backs a page on its first read as on the rest. The map's contents are
 * checked exactly (frames_written, gpuvm_mem_written, next_written), and
 * host cost is checked by the process's resident set: reading, freeing
 * and scanning gigabytes that were never written must leave it where it
 * was, with margins far above what the bookkeeping itself costs.
 */
#include "mem_test.h"

static void test_marks_exact(void **state)
{
	struct gpuvm_mem *mem = *state;
	uint8_t b[SZ_4K + 16];
	uint64_t *p;

	memset(b, 0xab, sizeof(b));
	assert_int_equal(mem_written_frames(mem), 0);
	assert_false(gpuvm_mem_written(mem, 0x3000));

	/* 8 bytes inside one frame mark that frame only. */
	assert_int_equal(gpuvm_mem_write(mem, 0x3005, b, 8), 0);
	assert_int_equal(mem_written_frames(mem), 1);
	assert_true(gpuvm_mem_written(mem, 0x3000));
	assert_true(gpuvm_mem_written(mem, 0x3fff));
	assert_false(gpuvm_mem_written(mem, 0x2fff));
	assert_false(gpuvm_mem_written(mem, 0x4000));

	/* Across a frame boundary: both frames; again: nothing new. */
	assert_int_equal(gpuvm_mem_write(mem, 0x7ff8, b, 16), 0);
	assert_int_equal(mem_written_frames(mem), 3);
	assert_int_equal(gpuvm_mem_write(mem, 0x7000, b, 16), 0);
	assert_int_equal(mem_written_frames(mem), 3);

	/* A descriptor store and a write pointer mark too. */
	gpuvm_mem_write64(mem, 0x10008, 7);
	assert_int_equal(mem_written_frames(mem), 4);
	p = gpuvm_mem_wptr(mem, 0x20000, 3 * SZ_4K);
	p[0] = 1;
	assert_int_equal(mem_written_frames(mem), 7);
	assert_true(gpuvm_mem_written(mem, 0x22000));
	assert_false(gpuvm_mem_written(mem, 0x23000));

	/* Nothing is marked for a write that fails. */
	assert_int_equal(gpuvm_mem_write(mem, 64 * SZ_2M - 8, b, 16), -EFAULT);
	assert_int_equal(mem_written_frames(mem), 7);
	assert_false(gpuvm_mem_written(mem, 64 * SZ_2M - SZ_4K));
	assert_false(gpuvm_mem_written(mem, 64 * SZ_2M));
	assert_false(gpuvm_mem_written(NULL, 0));

	/* The scan finds exactly those frames, in order. */
	assert_int_equal(gpuvm_mem_next_written(mem, 0, 64 * SZ_2M), 0x3000);
	assert_int_equal(gpuvm_mem_next_written(mem, 0x3fff, 64 * SZ_2M),
			 0x3000);
	assert_int_equal(gpuvm_mem_next_written(mem, 0x4000, 64 * SZ_2M),
			 0x7000);
	assert_int_equal(gpuvm_mem_next_written(mem, 0x9000, 64 * SZ_2M),
			 0x10000);
	assert_int_equal(gpuvm_mem_next_written(mem, 0x11000, 64 * SZ_2M),
			 0x20000);
	assert_int_equal(gpuvm_mem_next_written(mem, 0x23000, 64 * SZ_2M),
			 64 * SZ_2M);
	/* end bounds the scan, and is clamped to the memory. */
	assert_int_equal(gpuvm_mem_next_written(mem, 0x4000, 0x7000), 0x7000);
	assert_int_equal(gpuvm_mem_next_written(mem, 0x23000, UINT64_MAX),
			 64 * SZ_2M);
	assert_int_equal(gpuvm_mem_next_written(NULL, 5, 9), 9);
}

/* Unwritten frames read as zero next to written ones in one read. */
static void test_read_mixes_zero_and_data(void **state)
{
	struct gpuvm_mem *mem = *state;
	uint8_t in[SZ_4K], out[3 * SZ_4K];
	size_t i;

	memset(in, 0x5a, sizeof(in));
	assert_int_equal(gpuvm_mem_write(mem, 0x2000, in, SZ_4K), 0);
	memset(out, 0xff, sizeof(out));
	assert_int_equal(gpuvm_mem_read(mem, 0x1800, out, sizeof(out)), 0);
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0x1800 + i >= 0x2000 &&
					 0x1800 + i < 0x3000 ? 0x5a : 0);
	assert_int_equal(mem_written_frames(mem), 1);
}

/* Freeing clears the marks; the next owner reads zeros. */
static void test_free_forgets(void **state)
{
	struct gpuvm_mem *mem = *state;
	uint64_t pa, pa2, v = 0x1234, i;

	assert_int_equal(gpuvm_mem_alloc(mem, SZ_2M, GPUVM_MEM_BO, &pa), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(gpuvm_mem_write(mem, pa + i * 97 * SZ_4K, &v,
						 8), 0);
	assert_int_equal(mem_written_frames(mem), 5);
	gpuvm_mem_free(mem, pa, SZ_2M, GPUVM_MEM_BO);
	assert_int_equal(mem_written_frames(mem), 0);
	assert_int_equal(gpuvm_mem_next_written(mem, 0, 64 * SZ_2M),
			 64 * SZ_2M);
	assert_int_equal(gpuvm_mem_alloc(mem, SZ_2M, GPUVM_MEM_BO, &pa2), 0);
	assert_int_equal(pa2, pa);
	for (i = 0; i < 5; i++) {
		v = 1;
		assert_int_equal(gpuvm_mem_read(mem, pa + i * 97 * SZ_4K, &v,
						8), 0);
		assert_int_equal(v, 0);
		/* The host page really is zero, not just reported so. */
		assert_int_equal(*(uint64_t *)gpuvm_mem_ptr(mem, pa + i * 97 *
							    SZ_4K), 0);
	}
	/* Small frees (memset path) forget as well. */
	assert_int_equal(gpuvm_mem_alloc(mem, SZ_4K, GPUVM_MEM_PT, &pa), 0);
	gpuvm_mem_write64(mem, pa + 8, 99);
	assert_int_equal(mem_written_frames(mem), 1);
	gpuvm_mem_free(mem, pa, SZ_4K, GPUVM_MEM_PT);
	assert_int_equal(mem_written_frames(mem), 0);
	assert_int_equal(gpuvm_mem_alloc(mem, SZ_4K, GPUVM_MEM_PT, &pa2), 0);
	assert_int_equal(pa2, pa);
	assert_int_equal(gpuvm_mem_read64(mem, pa + 8), 0);
}

/* Scanning a fragmented BO reports BO offsets, run by run. */
static void test_bo_next_written(void **state)
{
	struct gpuvm_mem *mem = *state;
	static const uint64_t at[] = { 0, 5 * SZ_4K, 63 * SZ_4K, 64 * SZ_4K,
				       200 * SZ_4K + 17, 255 * SZ_4K };
	struct gpuvm_mem_bo *bo, *other;
	uint64_t off, v = 3;
	size_t i;

	assert_int_equal(gpuvm_mem_bo_create(mem, 256 * SZ_4K, 7, &bo), 0);
	assert_int_equal(gpuvm_mem_bo_create(mem, 8 * SZ_4K, 0, &other), 0);
	assert_int_equal(gpuvm_mem_bo_write(other, 0, &v, 8), 0);
	assert_int_equal(gpuvm_mem_bo_next_written(bo, 0), 256 * SZ_4K);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		assert_int_equal(gpuvm_mem_bo_write(bo, at[i], &v, 8), 0);
	off = gpuvm_mem_bo_next_written(bo, 0);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		assert_int_equal(off, at[i] & ~(SZ_4K - 1));
		off = gpuvm_mem_bo_next_written(bo, off + SZ_4K);
	}
	assert_int_equal(off, 256 * SZ_4K);
	assert_int_equal(gpuvm_mem_bo_next_written(bo, 64 * SZ_4K + 3),
			 64 * SZ_4K);
	assert_int_equal(gpuvm_mem_bo_next_written(bo, 1u << 30), 256 * SZ_4K);
	assert_int_equal(gpuvm_mem_bo_next_written(NULL, 0), 0);
	gpuvm_mem_bo_destroy(bo);
	gpuvm_mem_bo_destroy(other);
	assert_int_equal(mem_written_frames(mem), 0);
}

/*
 * Gigabytes that were never written: read, freed and scanned, the host
 * backs none of it. Without the map, the read alone costs 1 GiB on hosts
 * without a shared zero page.
 */
static void test_untouched_costs_nothing(void **state)
{
	struct gpuvm_mem *mem = *state;
	struct gpuvm_mem_bo *bo;
	uint64_t rss0, off, pa;
	uint8_t *buf = malloc(SZ_1M);
	size_t i;

	assert_non_null(buf);
	memset(buf, 1, SZ_1M); /* the buffer's own pages, before measuring */
	rss0 = rss_bytes();
	assert_int_equal(gpuvm_mem_bo_create(mem, 4 * SZ_1G, 0, &bo), 0);
	for (off = 0; off < SZ_1G; off += SZ_1M) {
		assert_int_equal(gpuvm_mem_bo_read(bo, off, buf, SZ_1M), 0);
		for (i = 0; i < SZ_1M; i += 512)
			assert_int_equal(buf[i], 0);
	}
	for (pa = 5 * SZ_1G; pa < 6 * SZ_1G; pa += SZ_1M)
		assert_int_equal(gpuvm_mem_read(mem, pa, buf, SZ_1M), 0);
	assert_int_equal(gpuvm_mem_bo_next_written(bo, 0), 4 * SZ_1G);
	gpuvm_mem_bo_destroy(bo);
	assert_int_equal(gpuvm_mem_alloc(mem, SZ_1G, GPUVM_MEM_BO, &pa), 0);
	gpuvm_mem_free(mem, pa, SZ_1G, GPUVM_MEM_BO);
	assert_int_equal(mem_written_frames(mem), 0);
	/* The map and allocator metadata of 8 GiB are well under this. */
	assert_true(rss_bytes() - rss0 < 16 * SZ_1M);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MEM_TEST(test_marks_exact, 64 * SZ_2M),
		MEM_TEST(test_read_mixes_zero_and_data, SZ_2M),
		MEM_TEST(test_free_forgets, 64 * SZ_2M),
		MEM_TEST(test_bo_next_written, 64 * SZ_2M),
		MEM_TEST(test_untouched_costs_nothing, 8 * SZ_1G),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
