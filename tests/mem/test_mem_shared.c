// SPDX-License-Identifier: MIT
/*
 * DOC: tests of shared simulated memory (cfg.shared, gpuvm_mem_fd)
 *
 * A shared memory is a memfd that a client maps next to gpuvm: the bytes
 * must alias exactly, frees must take the data out of the file (not only
 * out of gpuvm's view), and scans must skip frames marked written that
 * hold nothing. Each test maps the file itself, as the shim does for a
 * BO, and checks through both views.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpuvm/mem.h"

#define SZ_4K GPUVM_SZ_4K
#define SZ_1M (1ull << 20)

static struct gpuvm_mem *mk_shared(uint64_t size)
{
	struct gpuvm_mem_cfg cfg = { .size = size, .shared = true };
	struct gpuvm_mem *mem = NULL;

	assert_int_equal(gpuvm_mem_create(&cfg, &mem), 0);
	assert_true(gpuvm_mem_fd(mem) >= 0);
	return mem;
}

static struct gpuvm_mem_bo *bo_new(struct gpuvm_mem *mem, uint64_t size)
{
	struct gpuvm_mem_bo *bo = NULL;

	assert_int_equal(gpuvm_mem_bo_create(mem, size, 0, &bo), 0);
	assert_int_equal(gpuvm_mem_bo_run_count(bo), 1);
	return bo;
}

/* A client's view of a contiguous BO: the file mapped at its address. */
static uint8_t *view(struct gpuvm_mem *mem, const struct gpuvm_mem_bo *bo)
{
	void *p = mmap(NULL, gpuvm_mem_bo_size(bo), PROT_READ | PROT_WRITE,
		       MAP_SHARED, gpuvm_mem_fd(mem),
		       (off_t)gpuvm_mem_bo_runs(bo)[0].pa);

	assert_true(p != MAP_FAILED);
	return p;
}

static void test_private_has_no_fd(void **state)
{
	struct gpuvm_mem_cfg cfg = { .size = SZ_1M };
	struct gpuvm_mem *mem = NULL;

	(void)state;
	assert_int_equal(gpuvm_mem_create(&cfg, &mem), 0);
	assert_int_equal(gpuvm_mem_fd(mem), -1);
	assert_int_equal(gpuvm_mem_fd(NULL), -1);
	gpuvm_mem_destroy(mem);
}

static void test_fd_is_cloexec_and_sized(void **state)
{
	struct gpuvm_mem *mem = mk_shared(64 * SZ_1M);
	int fd = gpuvm_mem_fd(mem);

	(void)state;
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(lseek(fd, 0, SEEK_END), 64 * SZ_1M);
	gpuvm_mem_destroy(mem);
}

/* Stores through the client's view reach gpuvm's reads, and back. */
static void test_alias_both_ways(void **state)
{
	struct gpuvm_mem *mem = mk_shared(64 * SZ_1M);
	struct gpuvm_mem_bo *bo = bo_new(mem, 64 * 1024);
	uint64_t pa = gpuvm_mem_bo_runs(bo)[0].pa, v = 0;
	uint8_t *p = view(mem, bo);
	uint32_t w = 0xfeedf00d;

	(void)state;
	/* What the shim does when it maps a BO writable. */
	gpuvm_mem_wptr(mem, pa, 64 * 1024);
	memset(p + 8192, 0x5a, 4096);
	assert_int_equal(gpuvm_mem_read(mem, pa + 8192 + 100, &v, 8), 0);
	assert_true(v == 0x5a5a5a5a5a5a5a5aull);
	assert_int_equal(gpuvm_mem_bo_write(bo, 60 * 1024, &w, 4), 0);
	assert_int_equal(memcmp(p + 60 * 1024, &w, 4), 0);
	munmap(p, 64 * 1024);
	gpuvm_mem_bo_destroy(bo);
	gpuvm_mem_destroy(mem);
}

/*
 * The next owner of freed frames reads zeros through every mapping, the
 * old one included, for a large free (holes) and a small one.
 */
static void check_no_leak(uint64_t size)
{
	struct gpuvm_mem *mem = mk_shared(64 * SZ_1M);
	struct gpuvm_mem_bo *bo = bo_new(mem, size), *again;
	uint64_t pa = gpuvm_mem_bo_runs(bo)[0].pa, i;
	uint8_t *p = view(mem, bo), *buf = malloc(size);

	assert_non_null(buf);
	gpuvm_mem_wptr(mem, pa, size);
	memset(p, 0xa7, size);
	gpuvm_mem_bo_destroy(bo);
	again = bo_new(mem, size);
	/* The allocator hands the same frames back: the case that leaks. */
	assert_true(gpuvm_mem_bo_runs(again)[0].pa == pa);
	for (i = 0; i < size; i++)
		if (p[i])
			fail_msg("byte %llu of the old mapping reads 0x%02x",
				 (unsigned long long)i, p[i]);
	assert_int_equal(gpuvm_mem_bo_read(again, 0, buf, size), 0);
	for (i = 0; i < size; i++)
		assert_int_equal(buf[i], 0);
	free(buf);
	munmap(p, size);
	gpuvm_mem_bo_destroy(again);
	gpuvm_mem_destroy(mem);
}

static void test_free_leaks_nothing_large(void **state)
{
	(void)state;
	check_no_leak(4 * SZ_1M);
}

static void test_free_leaks_nothing_small(void **state)
{
	(void)state;
	check_no_leak(3 * SZ_4K);
}

/* Freeing a large range leaves holes: the file holds no data there. */
static void test_free_punches_holes(void **state)
{
	struct gpuvm_mem *mem = mk_shared(64 * SZ_1M);
	struct gpuvm_mem_bo *bo = bo_new(mem, 2 * SZ_1M);
	uint64_t pa = gpuvm_mem_bo_runs(bo)[0].pa;
	uint8_t *p = view(mem, bo);
	off_t d;

	(void)state;
	gpuvm_mem_wptr(mem, pa, 2 * SZ_1M);
	memset(p, 1, 2 * SZ_1M);
	assert_int_equal(lseek(gpuvm_mem_fd(mem), (off_t)pa, SEEK_DATA), pa);
	gpuvm_mem_bo_destroy(bo);
	d = lseek(gpuvm_mem_fd(mem), (off_t)pa, SEEK_DATA);
	assert_true(d < 0 || (uint64_t)d >= pa + 2 * SZ_1M);
	munmap(p, 2 * SZ_1M);
	gpuvm_mem_destroy(mem);
}

/* Marked frames that stay holes are skipped by the scans. */
static void test_scans_skip_holes(void **state)
{
	struct gpuvm_mem *mem = mk_shared(64 * SZ_1M);
	struct gpuvm_mem_bo *bo = bo_new(mem, SZ_1M);
	uint64_t pa = gpuvm_mem_bo_runs(bo)[0].pa;
	struct gpuvm_mem_stats st;
	uint8_t *p = view(mem, bo);

	(void)state;
	gpuvm_mem_wptr(mem, pa, SZ_1M);
	gpuvm_mem_stats(mem, &st);
	assert_int_equal(st.frames_written, SZ_1M / SZ_4K);
	assert_int_equal(gpuvm_mem_bo_next_written(bo, 0), SZ_1M);
	assert_int_equal(gpuvm_mem_next_written(mem, pa, pa + SZ_1M),
			 pa + SZ_1M);
	p[300 * 1024 + 5] = 9;
	assert_int_equal(gpuvm_mem_bo_next_written(bo, 0), 300 * 1024);
	assert_int_equal(gpuvm_mem_bo_next_written(bo, 300 * 1024 + SZ_4K),
			 SZ_1M);
	p[SZ_1M - 1] = 1;
	assert_int_equal(gpuvm_mem_bo_next_written(bo, 300 * 1024 + SZ_4K),
			 SZ_1M - SZ_4K);
	munmap(p, SZ_1M);
	gpuvm_mem_bo_destroy(bo);
	gpuvm_mem_destroy(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_has_no_fd),
		cmocka_unit_test(test_fd_is_cloexec_and_sized),
		cmocka_unit_test(test_alias_both_ways),
		cmocka_unit_test(test_free_leaks_nothing_large),
		cmocka_unit_test(test_free_leaks_nothing_small),
		cmocka_unit_test(test_free_punches_holes),
		cmocka_unit_test(test_scans_skip_holes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
