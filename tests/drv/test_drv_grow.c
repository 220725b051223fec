// SPDX-License-Identifier: MIT
/*
 * DOC: tests of grow-on-fault regions (gpuvm_drv_vm_set_grow, drv/grow.c)
 *
 * Writes into the unbacked part of a VM's region succeed after a chunk is
 * grown, exactly one chunk per chunk touched, and read back; past the
 * limit and outside the region they fault, at the first faulting byte,
 * having changed nothing; the configuration's rules, with their errnos;
 * faults while a bind holds the MMU region locked; and several threads
 * faulting on the same chunks at once grow each chunk once, every write
 * landing.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpuvm/drv.h"

#define SZ_4K GPUVM_SZ_4K
#define CHUNK (64 * SZ_4K)
#define RVA (1ull << 32)            /* the region */
#define RSIZE (16 * CHUNK)

struct env {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm;
};

static int setup(void **state)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = 256ull << 20 };
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(gpuvm_drv_device_create(&cfg, &e->dev), 0);
	assert_int_equal(gpuvm_drv_file_open(e->dev, &e->f), 0);
	assert_int_equal(gpuvm_drv_vm_create(e->f, 0, &e->vm), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	assert_int_equal(gpuvm_drv_vm_validate(e->f, e->vm), 0);
	gpuvm_drv_device_destroy(e->dev);
	free(e);
	return 0;
}

static void set_grow(struct env *e, uint64_t max_chunks, uint32_t flags)
{
	struct gpuvm_drv_grow g = { .va = RVA, .size = RSIZE, .chunk = CHUNK,
				    .max_chunks = max_chunks, .flags = flags };

	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &g), 0);
}

static uint64_t grown(struct env *e)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(gpuvm_drv_vm_grown(e->f, e->vm, &n), 0);
	return n;
}

static int gpu_w32(struct env *e, uint64_t va, uint32_t v,
		   struct gpuvm_mmu_fault *f)
{
	return gpuvm_drv_gpu_access(e->f, e->vm, GPUVM_MMU_WRITE, va, &v, 4, f);
}

static uint32_t gpu_r32(struct env *e, uint64_t va)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(gpuvm_drv_gpu_access(e->f, e->vm, GPUVM_MMU_READ, va,
					      &v, 4, NULL), 0);
	return v;
}

static struct gpuvm_drv_lookup look(struct env *e, uint64_t va)
{
	struct gpuvm_drv_lookup l;

	assert_int_equal(gpuvm_drv_vm_lookup(e->f, e->vm, va, &l), 0);
	return l;
}

static void test_grow_to_limit(void **state)
{
	struct env *e = *state;
	struct gpuvm_mmu_fault f = { 0 };
	struct gpuvm_drv_vm_stats st;
	uint8_t big[2 * SZ_4K];

	set_grow(e, 3, GPUVM_DRV_OP_MAP_NOEXEC);
	assert_int_equal(grown(e), 0);
	assert_int_equal(look(e, RVA).kind, GPUVM_DRV_NONE);

	/* A write into chunk 5: one chunk grown, private, mapped whole. */
	assert_int_equal(gpu_w32(e, RVA + 5 * CHUNK + 100, 0x11, &f), 0);
	assert_int_equal(grown(e), 1);
	assert_int_equal(gpu_r32(e, RVA + 5 * CHUNK + 100), 0x11);
	assert_int_equal(gpu_r32(e, RVA + 5 * CHUNK + CHUNK - 4), 0);
	assert_int_equal(look(e, RVA + 5 * CHUNK).kind, GPUVM_DRV_BO);
	assert_int_equal(look(e, RVA + 5 * CHUNK).flags,
			 GPUVM_DRV_OP_MAP_NOEXEC);
	assert_int_equal(look(e, RVA + 6 * CHUNK).kind, GPUVM_DRV_NONE);
	assert_int_equal(look(e, RVA + 4 * CHUNK + CHUNK - 1).kind,
			 GPUVM_DRV_NONE);

	/* More writes into it grow nothing. */
	assert_int_equal(gpu_w32(e, RVA + 5 * CHUNK, 0x22, NULL), 0);
	assert_int_equal(grown(e), 1);

	/* An access over two unbacked chunks grows both (chunks 0 and 1). */
	memset(big, 0x5c, sizeof(big));
	assert_int_equal(gpuvm_drv_gpu_access(e->f, e->vm, GPUVM_MMU_WRITE,
					      RVA + CHUNK - SZ_4K, big,
					      sizeof(big), NULL), 0);
	assert_int_equal(grown(e), 3);
	assert_int_equal(gpu_r32(e, RVA + CHUNK), 0x5c5c5c5c);

	/* The limit: chunk 9 faults, where the write began, nothing done. */
	assert_int_equal(gpu_w32(e, RVA + 9 * CHUNK + 8, 0x33, &f), -EFAULT);
	assert_int_equal(f.kind, GPUVM_MMU_FAULT_TRANSLATION);
	assert_int_equal(f.addr, RVA + 9 * CHUNK + 8);
	assert_int_equal(grown(e), 3);
	assert_int_equal(look(e, RVA + 9 * CHUNK).kind, GPUVM_DRV_NONE);

	/* Outside the region: a plain fault even below the limit. */
	assert_int_equal(gpuvm_drv_vm_stats(e->f, e->vm, &st), 0);
	assert_int_equal(st.mappings, 3);
	assert_int_equal(gpu_w32(e, RVA + RSIZE, 1, &f), -EFAULT);
	assert_int_equal(f.addr, RVA + RSIZE);
	assert_int_equal(gpu_w32(e, RVA - 4, 1, &f), -EFAULT);
	assert_int_equal(f.addr, RVA - 4);
	assert_int_equal(gpuvm_drv_vm_stats(e->f, e->vm, &st), 0);
	assert_int_equal(st.mappings, 3);
}

/* A read-only region: reads grow, writes then meet a permission fault. */
static void test_grow_readonly(void **state)
{
	struct env *e = *state;
	struct gpuvm_mmu_fault f = { 0 };

	set_grow(e, 8, GPUVM_DRV_OP_MAP_READONLY);
	assert_int_equal(gpu_r32(e, RVA + 3 * CHUNK), 0);
	assert_int_equal(grown(e), 1);
	assert_int_equal(gpu_w32(e, RVA + 3 * CHUNK, 1, &f), -EFAULT);
	assert_int_equal(f.kind, GPUVM_MMU_FAULT_PERMISSION);
	assert_int_equal(grown(e), 1);
}

static void test_grow_rules(void **state)
{
	struct env *e = *state;
	struct gpuvm_drv_grow g = { .va = RVA, .size = RSIZE, .chunk = CHUNK,
				    .max_chunks = 1 };
	struct gpuvm_drv_grow bad;
	uint64_t n = 7;

	bad = g; bad.chunk = 0;
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &bad), -EINVAL);
	bad = g; bad.chunk = SZ_4K + 8;
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &bad), -EINVAL);
	bad = g; bad.va = RVA + SZ_4K;
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &bad), -EINVAL);
	bad = g; bad.size = CHUNK + SZ_4K;
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &bad), -EINVAL);
	bad = g; bad.size = 0;
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &bad), -EINVAL);
	bad = g; bad.va = 1ull << 47;            /* kernel VA */
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &bad), -EINVAL);
	bad = g; bad.flags = GPUVM_DRV_OP_MAP_SPARSE;
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &bad), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, 9, &g), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_grown(e->f, 9, &n), -EINVAL);
	assert_int_equal(n, 7);
	/* Nothing was set by any of them: a fault stays a fault. */
	assert_int_equal(gpu_w32(e, RVA, 1, NULL), -EFAULT);
	assert_int_equal(grown(e), 0);
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &g), 0);
	assert_int_equal(gpuvm_drv_vm_set_grow(e->f, e->vm, &g), -EBUSY);
	assert_int_equal(gpu_w32(e, RVA, 1, NULL), 0);
	assert_int_equal(grown(e), 1);
}

/*
 * A chunk unmapped by the user is VA again: the next fault grows a new,
 * zeroed chunk (the old data went with the old BO), counted again.
 */
static void test_grow_after_unmap(void **state)
{
	struct env *e = *state;
	struct gpuvm_drv_bind_op op = { .flags = GPUVM_DRV_OP_TYPE_UNMAP,
					.va = RVA + 2 * CHUNK, .size = CHUNK };

	set_grow(e, 4, 0);
	assert_int_equal(gpu_w32(e, RVA + 2 * CHUNK + 16, 0x77, NULL), 0);
	assert_int_equal(gpuvm_drv_vm_bind(e->f, e->vm, 0, &op, 1, NULL), 0);
	assert_int_equal(gpu_r32(e, RVA + 2 * CHUNK + 16), 0);
	assert_int_equal(grown(e), 2);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

#define THREADS 4
#define TOUCHED 6                    /* chunks each thread writes */

struct worker {
	struct env *e;
	unsigned int id;
	int failures;
};

static void *worker(void *p)
{
	struct worker *w = p;
	uint32_t v;

	for (unsigned int c = 0; c < TOUCHED; c++) {
		uint64_t va = RVA + c * CHUNK + w->id * SZ_4K + 4 * c;

		v = w->id << 8 | c;
		if (gpuvm_drv_gpu_access(w->e->f, w->e->vm, GPUVM_MMU_WRITE,
					 va, &v, 4, NULL))
			w->failures++;
	}
	return NULL;
}

/*
 * Four threads fault on the same six chunks at once, while the main
 * thread binds elsewhere in the VM (each bind locks its MMU region):
 * every chunk is grown once, and every write lands.
 */
static void test_grow_threads(void **state)
{
	struct env *e = *state;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	uint32_t h = 0;

	set_grow(e, TOUCHED, 0);
	assert_int_equal(gpuvm_drv_bo_create(e->f, SZ_4K, 0, 0, &h), 0);
	for (unsigned int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .e = e, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (unsigned int k = 0; k < 64; k++) {
		struct gpuvm_drv_bind_op op = {
			.flags = k & 1 ? GPUVM_DRV_OP_TYPE_UNMAP :
					 GPUVM_DRV_OP_TYPE_MAP,
			.bo_handle = k & 1 ? 0 : h,
			.va = RVA + RSIZE + CHUNK, .size = SZ_4K,
		};

		assert_int_equal(gpuvm_drv_vm_bind(e->f, e->vm, 0, &op, 1,
						   NULL), 0);
	}
	for (unsigned int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(grown(e), TOUCHED);
	for (unsigned int i = 0; i < THREADS; i++)
		for (unsigned int c = 0; c < TOUCHED; c++)
			assert_int_equal(gpu_r32(e, RVA + c * CHUNK +
						 i * SZ_4K + 4 * c),
					 i << 8 | c);
}

struct late_write {
	struct env *e;
	int ret;
};

static void *late_write(void *p)
{
	struct late_write *w = p;

	w->ret = gpu_w32(w->e, RVA + 3 * CHUNK + 40, 0xabc, NULL);
	return NULL;
}

/*
 * A fault inside a locked region: the access waits for the region (an
 * update in progress, here locked by hand on the VM's address space),
 * and only then walks, faults, grows and lands. While the region is
 * locked nothing has grown.
 */
static void test_grow_locked_region(void **state)
{
	struct env *e = *state;
	struct gpuvm_mmu_as *as = gpuvm_drv_vm_as(e->f, e->vm);
	struct late_write w = { .e = e, .ret = 1 };
	pthread_t t;

	set_grow(e, 4, 0);
	gpuvm_mmu_lock_region(as, RVA + 3 * CHUNK, CHUNK);
	assert_int_equal(pthread_create(&t, NULL, late_write, &w), 0);
	usleep(20000);
	assert_int_equal(grown(e), 0);
	gpuvm_mmu_unlock_region(as);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.ret, 0);
	assert_int_equal(grown(e), 1);
	assert_int_equal(gpu_r32(e, RVA + 3 * CHUNK + 40), 0xabc);
}

#define GROW_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		GROW_TEST(test_grow_to_limit),
		GROW_TEST(test_grow_readonly),
		GROW_TEST(test_grow_rules),
		GROW_TEST(test_grow_after_unmap),
		GROW_TEST(test_grow_threads),
		GROW_TEST(test_grow_locked_region),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
