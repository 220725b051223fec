// SPDX-License-Identifier: MIT
/*
 * DOC: the bind pipeline, counted
 *
 * Every bind op goes through one op context (src/drv/bind.c): checked
 * once, targeted once and counted once per attempt. These tests count
 * the calls that say so, by wrapping them at link time (meson passes
 * -Wl,--wrap for drv_op_check and gpuvm_pt_reserve_map): a synchronous
 * sparse bind checks its op once whichever path it takes, and counts its
 * tables once; only an op whose target came into being after its count
 * (a restored BO) counts again.
 *
 * The budget covers everything a sparse bind allocates: the file's
 * dummy, its shared tables and the VM's own tables. A sparse TiB under a
 * budget one frame short of what it needs fails with -ENOMEM and leaves
 * nothing behind; with exactly enough it succeeds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drv_test.h"

struct drv_op;
struct drv_vm;
struct gpuvm_pt;
struct gpuvm_pt_src;
struct gpuvm_pt_resv;

static unsigned int n_check, n_count, n_worst;

int __real_drv_op_check(struct drv_op *o, struct drv_vm *vm,
			const struct gpuvm_drv_bind_op *op, bool queued);
int __wrap_drv_op_check(struct drv_op *o, struct drv_vm *vm,
			const struct gpuvm_drv_bind_op *op, bool queued);
int __real_gpuvm_pt_reserve_map(struct gpuvm_pt *pt, uint64_t iova,
				uint64_t size, const struct gpuvm_pt_src *src,
				uint32_t prot, struct gpuvm_pt_resv *resv);
int __wrap_gpuvm_pt_reserve_map(struct gpuvm_pt *pt, uint64_t iova,
				uint64_t size, const struct gpuvm_pt_src *src,
				uint32_t prot, struct gpuvm_pt_resv *resv);

int __real_gpuvm_pt_reserve_map_worst(struct gpuvm_pt *pt, uint64_t iova,
				      uint64_t size,
				      const struct gpuvm_pt_src *src,
				      uint32_t prot,
				      struct gpuvm_pt_resv *resv);
int __wrap_gpuvm_pt_reserve_map_worst(struct gpuvm_pt *pt, uint64_t iova,
				      uint64_t size,
				      const struct gpuvm_pt_src *src,
				      uint32_t prot,
				      struct gpuvm_pt_resv *resv);

int __wrap_gpuvm_pt_reserve_map_worst(struct gpuvm_pt *pt, uint64_t iova,
				      uint64_t size,
				      const struct gpuvm_pt_src *src,
				      uint32_t prot,
				      struct gpuvm_pt_resv *resv)
{
	n_worst++;
	return __real_gpuvm_pt_reserve_map_worst(pt, iova, size, src, prot,
						 resv);
}

int __wrap_drv_op_check(struct drv_op *o, struct drv_vm *vm,
			const struct gpuvm_drv_bind_op *op, bool queued)
{
	n_check++;
	return __real_drv_op_check(o, vm, op, queued);
}

int __wrap_gpuvm_pt_reserve_map(struct gpuvm_pt *pt, uint64_t iova,
				uint64_t size, const struct gpuvm_pt_src *src,
				uint32_t prot, struct gpuvm_pt_resv *resv)
{
	n_count++;
	return __real_gpuvm_pt_reserve_map(pt, iova, size, src, prot, resv);
}

#define TIB (1ull << 40)
#define SPARSE_VA (4 * SZ_1G)

static int bind1(struct gpuvm_drv_file *f, uint32_t vm, uint32_t flags,
		 uint32_t bo, uint64_t va, uint64_t size)
{
	struct gpuvm_drv_bind_op op = {
		.flags = flags, .bo_handle = bo, .va = va, .size = size,
	};

	n_check = n_count = 0;
	return gpuvm_drv_vm_bind(f, vm, 0, &op, 1, NULL);
}

static void expect_calls(unsigned int checks, unsigned int counts)
{
	assert_int_equal(n_check, checks);
	assert_int_equal(n_count, counts);
}

static void test_sparse_bind_checked_once(void **state)
{
	struct gpuvm_drv_device *dev = dev_new();
	struct gpuvm_drv_file *f = file_new(dev);
	uint32_t vm = vm_new(f), bo = 0;

	(void)state;
	/* The file's first: the full path makes the dummy and the tables. */
	assert_int_equal(bind1(f, vm, T_MAP | SPARSE, 0, SPARSE_VA, TIB), 0);
	expect_calls(1, 1);
	/* The dummy and shared tables there: the fast path. */
	assert_int_equal(bind1(f, vm, T_MAP | SPARSE, 0, 2 * TIB, TIB), 0);
	expect_calls(1, 1);
	/*
	 * A fast attempt that cannot claim room gives up, and the full path
	 * evicts an idle BO to make it: still one check, and one count per
	 * attempt: the fast one, the full one that finds no room, and the
	 * one after the shrinker ran (it prunes what a count relied on).
	 */
	assert_int_equal(gpuvm_drv_bo_create(f, SZ_2M, 0, 0, &bo), 0);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, frames_used(dev) *
						     SZ_4K), 0);
	assert_int_equal(bind1(f, vm, T_MAP | SPARSE, 0, 8 * TIB + SZ_4K,
			       64 * SZ_2M), 0);
	expect_calls(1, 3);
	assert_false(resident(f, bo));
	check_ok(f, vm);
	/* UNMAP and a bad op: checked once, nothing counted for a map. */
	assert_int_equal(bind1(f, vm, T_UNMAP, 0, SPARSE_VA, TIB), 0);
	expect_calls(1, 0);
	assert_int_equal(bind1(f, vm, T_MAP, 0, SPARSE_VA, SZ_4K), -EINVAL);
	expect_calls(1, 0);
	gpuvm_drv_file_close(f);
	gpuvm_drv_device_destroy(dev);
}

/* A restored target is counted from an estimate, then for real. */
static void test_restore_counts_twice(void **state)
{
	struct gpuvm_drv_device *dev = dev_new();
	struct gpuvm_drv_file *f = file_new(dev);
	uint32_t vm = vm_new(f), bo = 0;

	(void)state;
	assert_int_equal(gpuvm_drv_bo_create(f, 4 * SZ_2M, 0, 0, &bo), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, bo), 0);
	assert_int_equal(bind1(f, vm, T_MAP, bo, SZ_1G, 4 * SZ_2M), 0);
	expect_calls(1, 2);
	assert_true(resident(f, bo));
	check_ok(f, vm);
	gpuvm_drv_file_close(f);
	gpuvm_drv_device_destroy(dev);
}

/* A queued batch checks each op once and counts each for the worst case
 * once, as long as it fits without making room. */
static void test_async_batch_checked_once(void **state)
{
	struct gpuvm_drv_device *dev = dev_new();
	struct gpuvm_drv_file *f = file_new(dev);
	uint32_t vm = vm_new(f), bo = 0, failed = 7;
	struct gpuvm_drv_bind_op ops[3] = {
		{ .flags = T_MAP, .va = SZ_1G, .size = SZ_2M },
		{ .flags = T_MAP | SPARSE, .va = 2 * SZ_1G, .size = SZ_1G },
		{ .flags = T_UNMAP, .va = SZ_1G, .size = SZ_4K },
	};

	(void)state;
	assert_int_equal(gpuvm_drv_bo_create(f, SZ_2M, 0, 0, &bo), 0);
	ops[0].bo_handle = bo;
	n_check = n_count = n_worst = 0;
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, ASYNC, ops, 3, &failed), 0);
	assert_int_equal(n_check, 3);
	/* The two MAPs, and the sparse one again once its dummy exists. */
	assert_int_equal(n_worst, 3);
	assert_int_equal(n_count, 0);
	assert_int_equal(failed, 7);
	assert_int_equal(gpuvm_drv_run(dev, NULL), 0);
	check_ok(f, vm);
	gpuvm_drv_file_close(f);
	gpuvm_drv_device_destroy(dev);
}

/*
 * Frames a sparse TiB bind takes on a fresh file, measured without a
 * budget: the dummy, the shared tables and the VM's own tables.
 */
static uint64_t sparse_tib_frames(enum gpuvm_drv_sparse kind, uint64_t *base)
{
	struct gpuvm_drv_device_cfg cfg = { .sparse = kind };
	struct gpuvm_drv_device *dev = dev_new_cfg(&cfg);
	struct gpuvm_drv_file *f = file_new(dev);
	uint32_t vm = vm_new(f);
	uint64_t before = frames_used(dev), need;

	assert_int_equal(bind1(f, vm, T_MAP | SPARSE, 0, SPARSE_VA, TIB), 0);
	need = frames_used(dev) - before;
	*base = before;
	gpuvm_drv_file_close(f);
	gpuvm_drv_device_destroy(dev);
	return need;
}

/* One device with budget base + frames: the bind's result and cost. */
static int sparse_tib_under(enum gpuvm_drv_sparse kind, uint64_t frames,
			    uint64_t *used, uint64_t *budget)
{
	struct gpuvm_drv_device_cfg cfg = { .sparse = kind };
	struct gpuvm_drv_device *dev = dev_new_cfg(&cfg);
	struct gpuvm_drv_file *f = file_new(dev);
	uint32_t vm = vm_new(f);
	uint64_t before = frames_used(dev);
	int ret;

	*budget = before + frames;
	assert_int_equal(gpuvm_drv_device_set_budget(dev, *budget * SZ_4K), 0);
	ret = bind1(f, vm, T_MAP | SPARSE, 0, SPARSE_VA, TIB);
	*used = frames_used(dev);
	if (ret) {
		/* Nothing left behind: no dummy, no shared tables. */
		assert_int_equal(*used, before);
		assert_int_equal(vstats(f, vm).shared_pt_pages, 0);
		assert_int_equal(vstats(f, vm).mappings, 0);
	} else {
		check_ok(f, vm);
	}
	gpuvm_drv_file_close(f);
	gpuvm_drv_device_destroy(dev);
	return ret;
}

static void budget_boundary(enum gpuvm_drv_sparse kind)
{
	uint64_t base, need = sparse_tib_frames(kind, &base), used, budget;
	uint64_t short_by;

	/* The dummy (if any) and shared tables are part of it. */
	assert_true(need >= (kind == GPUVM_DRV_SPARSE_DUMMY ? 512 + 2 : 2));
	for (short_by = 1; short_by <= 4; short_by++) {
		assert_int_equal(sparse_tib_under(kind, need - short_by,
						  &used, &budget), -ENOMEM);
		assert_true(used <= budget);
	}
	assert_int_equal(sparse_tib_under(kind, need, &used, &budget), 0);
	assert_int_equal(used, budget);
}

static void test_budget_covers_sparse_dummy(void **state)
{
	(void)state;
	budget_boundary(GPUVM_DRV_SPARSE_DUMMY);
}

static void test_budget_covers_sparse_null(void **state)
{
	(void)state;
	budget_boundary(GPUVM_DRV_SPARSE_NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparse_bind_checked_once),
		cmocka_unit_test(test_restore_counts_twice),
		cmocka_unit_test(test_async_batch_checked_once),
		cmocka_unit_test(test_budget_covers_sparse_dummy),
		cmocka_unit_test(test_budget_covers_sparse_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
