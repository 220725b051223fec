// SPDX-License-Identifier: MIT
/*
 * Setup helpers shared by the driver tests in tests/drv/: device, file,
 * VM and BO creation asserting success, memory and VM statistics, GPU
 * access through the MMU, and the size and bind-flag shorthands.
 *
 * Everything is a macro or a static inline function, so a test that
 * does not use a helper does not warn about it. A test whose helper of
 * the same name works differently defines DRV_TEST_OWN_<NAME> before
 * including this header and keeps its own version.
 *
 * cmocka needs <setjmp.h>, <stdarg.h>, <stddef.h> and <stdint.h> first.
 */
#ifndef GPUVM_TESTS_DRV_TEST_H
#define GPUVM_TESTS_DRV_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpuvm/drv.h"
#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"

#define SZ_4K GPUVM_SZ_4K
#define SZ_2M GPUVM_SZ_2M
#define SZ_1G GPUVM_SZ_1G
#define SZ_1M (1ull << 20)
#define PAGES_2M (SZ_2M / SZ_4K)
#define T_MAP    GPUVM_DRV_OP_TYPE_MAP
#define T_UNMAP  GPUVM_DRV_OP_TYPE_UNMAP
#define T_SYNC   GPUVM_DRV_OP_TYPE_SYNC_ONLY
#define F_RO     GPUVM_DRV_OP_MAP_READONLY
#define F_NX     GPUVM_DRV_OP_MAP_NOEXEC
#define F_UC     GPUVM_DRV_OP_MAP_UNCACHED
#define F_SPARSE GPUVM_DRV_OP_MAP_SPARSE

/* The flags a valid sparse map needs. */
#define SPARSE   (F_SPARSE | F_NX)

/* Default device: 48-bit VA, user VA = half of it. */
#define USER_VA  (1ull << 47)

static inline struct gpuvm_drv_device *
dev_new_cfg(const struct gpuvm_drv_device_cfg *cfg)
{
	struct gpuvm_drv_device *dev = NULL;

	assert_int_equal(gpuvm_drv_device_create(cfg, &dev), 0);
	assert_non_null(dev);
	return dev;
}

#ifndef DRV_TEST_OWN_DEV_NEW
static inline struct gpuvm_drv_device *dev_new(void)
{
	struct gpuvm_drv_device_cfg cfg = { .sparse = GPUVM_DRV_SPARSE_DUMMY };

	return dev_new_cfg(&cfg);
}
#endif

static inline struct gpuvm_drv_file *file_new(struct gpuvm_drv_device *dev)
{
	struct gpuvm_drv_file *f = NULL;

	assert_int_equal(gpuvm_drv_file_open(dev, &f), 0);
	assert_non_null(f);
	return f;
}

static inline uint32_t vm_new(struct gpuvm_drv_file *f)
{
	uint32_t id = 0;

	assert_int_equal(gpuvm_drv_vm_create(f, 0, &id), 0);
	assert_true(id >= 1 && id <= GPUVM_DRV_MAX_VMS_PER_FILE);
	return id;
}

static inline struct gpuvm_mem_stats mstats(struct gpuvm_drv_device *dev)
{
	struct gpuvm_mem_stats st;

	gpuvm_mem_stats(gpuvm_drv_device_mem(dev), &st);
	return st;
}

static inline uint64_t frames_used(struct gpuvm_drv_device *dev)
{
	return mstats(dev).frames_used;
}

static inline uint64_t frames_of(struct gpuvm_drv_device *dev,
			  enum gpuvm_mem_purpose purpose)
{
	return mstats(dev).frames_by_purpose[purpose];
}

static inline struct gpuvm_drv_vm_stats vstats(struct gpuvm_drv_file *f, uint32_t vm)
{
	struct gpuvm_drv_vm_stats st;

	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(gpuvm_drv_vm_stats(f, vm, &st), 0);
	return st;
}

static inline void check_ok(struct gpuvm_drv_file *f, uint32_t vm)
{
	assert_int_equal(gpuvm_drv_vm_check(f, vm, stderr), 0);
}

static inline void expect_leaves(struct gpuvm_drv_file *f, uint32_t vm,
			  uint64_t l4k, uint64_t l2m, uint64_t l1g)
{
	struct gpuvm_drv_vm_stats st = vstats(f, vm);

	assert_int_equal(st.leaf_4k, l4k);
	assert_int_equal(st.leaf_2m, l2m);
	assert_int_equal(st.leaf_1g, l1g);
}

#ifndef DRV_TEST_OWN_PAT
static inline uint32_t pat(uint32_t tag, uint64_t page)
{
	return (tag << 20) | (uint32_t)page;
}
#endif

/* What a signed dummy holds at the offset VA va reaches: va mod 2 MiB. */
static inline uint32_t dsig(uint64_t va)
{
	return 0xd0000000u | (uint32_t)((va & (SZ_2M - 1)) >> 12);
}

static inline void fill_u32(uint32_t *buf, size_t n, uint32_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = v;
}

static inline uint32_t bo_word(struct gpuvm_drv_file *f, uint32_t h, uint64_t off)
{
	uint32_t v = 0;

	assert_int_equal(gpuvm_drv_bo_read(f, h, off, &v, 4), 0);
	return v;
}

static inline int gpu(struct gpuvm_drv_file *f, uint32_t vm,
	       enum gpuvm_mmu_access acc, uint64_t va, void *buf, size_t len,
	       struct gpuvm_mmu_fault *fault)
{
	memset(fault, 0, sizeof(*fault));
	return gpuvm_drv_gpu_access(f, vm, acc, va, buf, len, fault);
}

#ifndef DRV_TEST_OWN_RD32
static inline uint32_t rd32(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va)
{
	struct gpuvm_mmu_fault fault;
	uint32_t v = 0xfefefefe;

	assert_int_equal(gpu(f, vm, GPUVM_MMU_READ, va, &v, 4, &fault), 0);
	return v;
}
#endif

#ifndef DRV_TEST_OWN_RD64
static inline uint64_t rd64(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va)
{
	struct gpuvm_mmu_fault fault;
	uint64_t v = 0xfefefefefefefefeull;

	assert_int_equal(gpu(f, vm, GPUVM_MMU_READ, va, &v, 8, &fault), 0);
	return v;
}
#endif

static inline void wr32(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va,
		 uint32_t v)
{
	struct gpuvm_mmu_fault fault;

	assert_int_equal(gpu(f, vm, GPUVM_MMU_WRITE, va, &v, 4, &fault), 0);
}

static inline void wr64(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va,
		 uint64_t v)
{
	struct gpuvm_mmu_fault fault;

	assert_int_equal(gpu(f, vm, GPUVM_MMU_WRITE, va, &v, 8, &fault), 0);
}

/* Writes dsig() over all 2 MiB of the file's dummy through a sparse VA. */
static inline void dummy_sign(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va)
{
	struct gpuvm_mmu_fault fault;
	uint32_t *buf = malloc(SZ_2M);
	uint64_t p;

	assert_non_null(buf);
	assert_int_equal(va & (SZ_2M - 1), 0);
	for (p = 0; p < PAGES_2M; p++)
		fill_u32(buf + p * (SZ_4K / 4), SZ_4K / 4,
			 dsig(p * SZ_4K));
	assert_int_equal(gpu(f, vm, GPUVM_MMU_WRITE, va, buf, SZ_2M, &fault),
			 0);
	free(buf);
}

/*
 * Not inlined: GCC then mistakes the returned buffer for a local. Hence
 * plain static (GCC refuses noinline on an inline function), marked
 * unused for the tests that do not call it.
 */
__attribute__((noinline, unused))
static char *dump_of(struct gpuvm_drv_file *f, uint32_t vm)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	assert_non_null(mf);
	assert_int_equal(gpuvm_drv_vm_dump(f, vm, mf), 0);
	assert_int_equal(fclose(mf), 0);
	assert_non_null(buf);
	return buf;
}

static inline bool resident(struct gpuvm_drv_file *f, uint32_t h)
{
	bool r = false;

	assert_int_equal(gpuvm_drv_bo_resident(f, h, &r), 0);
	return r;
}
#define ASYNC    GPUVM_DRV_BIND_ASYNC

#endif /* GPUVM_TESTS_DRV_TEST_H */
