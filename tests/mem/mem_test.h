// SPDX-License-Identifier: MIT
/*
 * DOC: what the simulated-memory tests (tests/mem/) share
 *
 * Size shorthands, creating a memory and allocating from it where that
 * must succeed, the statistics, checks of physical bytes (zero, or equal
 * to a buffer), the process's resident set, and the fixture: MEM_TEST(f,
 * size) runs f with *state a fresh memory of that size, which teardown
 * validates and destroys.
 *
 * The layers above (tests/mmu, tests/pt) include this header too, so
 * its helpers are prefixed (mem_, _pa) where a short name would clash
 * with theirs. Everything is a macro or a static inline function: a
 * test that does not use a helper does not warn about it.
 */
#ifndef GPUVM_TESTS_MEM_TEST_H
#define GPUVM_TESTS_MEM_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpuvm/mem.h"

#define SZ_4K GPUVM_SZ_4K
#define SZ_2M GPUVM_SZ_2M
#define SZ_1G GPUVM_SZ_1G
#define SZ_1M (1ull << 20)
#define SZ_1T (1ull << 40)

static inline struct gpuvm_mem *mem_new(uint64_t size)
{
	struct gpuvm_mem_cfg cfg = { .size = size };
	struct gpuvm_mem *mem = NULL;

	assert_int_equal(gpuvm_mem_create(&cfg, &mem), 0);
	assert_non_null(mem);
	return mem;
}

static inline void mem_check(const struct gpuvm_mem *mem)
{
	assert_int_equal(gpuvm_mem_validate(mem, stderr), 0);
}

static inline struct gpuvm_mem_stats mem_stats_of(const struct gpuvm_mem *mem)
{
	struct gpuvm_mem_stats st;

	gpuvm_mem_stats(mem, &st);
	return st;
}

static inline uint64_t mem_used(const struct gpuvm_mem *mem)
{
	return mem_stats_of(mem).frames_used;
}

static inline uint64_t mem_written_frames(const struct gpuvm_mem *mem)
{
	return mem_stats_of(mem).frames_written;
}

static inline struct gpuvm_mem_bo *mem_bo_new(struct gpuvm_mem *mem,
					      uint64_t size,
					      unsigned int chunks)
{
	struct gpuvm_mem_bo *bo = NULL;

	assert_int_equal(gpuvm_mem_bo_create(mem, size, chunks, &bo), 0);
	assert_non_null(bo);
	return bo;
}

/* An allocation that must succeed, naturally aligned; returns its PA. */
static inline uint64_t mem_frame(struct gpuvm_mem *mem, uint64_t size,
				 enum gpuvm_mem_purpose purpose)
{
	uint64_t pa = UINT64_MAX;

	assert_int_equal(gpuvm_mem_alloc(mem, size, purpose, &pa), 0);
	assert_int_equal(pa % size, 0);
	return pa;
}

/* -ENOMEM, and the PA left alone. */
static inline void assert_alloc_fails(struct gpuvm_mem *mem, uint64_t size)
{
	uint64_t pa = 0x1234;

	assert_int_equal(gpuvm_mem_alloc(mem, size, GPUVM_MEM_PT, &pa),
			 -ENOMEM);
	assert_int_equal(pa, 0x1234);
}

/* Every byte of [pa, pa + len) reads as zero; names the first that does not. */
static inline void assert_pa_zero(const struct gpuvm_mem *mem, uint64_t pa,
				  uint64_t len)
{
	static uint8_t buf[64 << 10];
	uint64_t n, i;

	for (; len; pa += n, len -= n) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		assert_int_equal(gpuvm_mem_read(mem, pa, buf, n), 0);
		for (i = 0; i < n; i++)
			if (buf[i])
				fail_msg("byte at pa %#" PRIx64 " is %#x",
					 pa + i, buf[i]);
	}
}

/* [pa, pa + len) holds exactly want. */
static inline void assert_pa_bytes(const struct gpuvm_mem *mem, uint64_t pa,
				   const void *want, size_t len)
{
	unsigned char *got = malloc(len);

	assert_non_null(got);
	assert_int_equal(gpuvm_mem_read(mem, pa, got, len), 0);
	assert_memory_equal(got, want, len);
	free(got);
}

/* Writes byte v over [pa, pa + len). */
static inline void fill_pa(struct gpuvm_mem *mem, uint64_t pa, uint64_t len,
			   uint8_t v)
{
	static uint8_t buf[64 << 10];
	uint64_t n;

	memset(buf, v, sizeof(buf));
	for (; len; pa += n, len -= n) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		assert_int_equal(gpuvm_mem_write(mem, pa, buf, n), 0);
	}
}

/* The process's resident set, in bytes. */
static inline uint64_t rss_bytes(void)
{
	unsigned long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &pages, &resident), 2);
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

/* *state comes in pointing at the size and leaves as the memory. */
static inline int mem_setup(void **state)
{
	*state = mem_new(*(const uint64_t *)*state);
	return 0;
}

/* Whatever the test left allocated, the allocator must be consistent. */
static inline int mem_teardown(void **state)
{
	struct gpuvm_mem *mem = *state;
	int ret = gpuvm_mem_validate(mem, stderr);

	gpuvm_mem_destroy(mem);
	return ret;
}

/* Use in main()'s test array: the size lives as long as main. */
#define MEM_TEST(f, size)                                                 \
	cmocka_unit_test_prestate_setup_teardown(f, mem_setup, mem_teardown, \
						 &(uint64_t){ (size) })

#endif /* GPUVM_TESTS_MEM_TEST_H */
