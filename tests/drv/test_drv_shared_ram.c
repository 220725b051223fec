// SPDX-License-Identifier: MIT
/*
 * DOC: the driver on shared RAM (cfg.shared_ram) and gpuvm_drv_bo_runs()
 *
 * What the render node's CPU mappings rest on: a BO's runs, mapped from
 * the RAM's memfd, alias what GPU accesses through a VM read and write.
 * Runs are reported exactly (count, offsets, addresses, truncation to
 * the caller's capacity), an evicted BO has none until it is pinned back,
 * and a private-RAM device has no file to map.
 */
#define _GNU_SOURCE
#include "drv_test.h"

#include <errno.h>
#include <sys/mman.h>

static struct gpuvm_drv_device *shared_dev(void)
{
	struct gpuvm_drv_device_cfg cfg = {
		.sparse = GPUVM_DRV_SPARSE_DUMMY,
		.ram = 256ull << 20,
		.shared_ram = true,
	};

	return dev_new_cfg(&cfg);
}

static void test_private_ram_has_no_file(void **state)
{
	struct gpuvm_drv_device *dev = dev_new();

	(void)state;
	assert_int_equal(gpuvm_mem_fd(gpuvm_drv_device_mem(dev)), -1);
	gpuvm_drv_device_destroy(dev);
}

static void test_runs_exact(void **state)
{
	struct gpuvm_drv_device *dev = shared_dev();
	struct gpuvm_drv_file *f = file_new(dev);
	struct gpuvm_mem_run runs[4];
	unsigned int n = 0, i;
	uint64_t off = 0;
	uint32_t h = 0;

	(void)state;
	assert_int_equal(gpuvm_drv_bo_create(f, 12 * SZ_4K, 0, 3, &h), 0);
	/* Capacity 1: one copied, all counted. */
	memset(runs, 0, sizeof(runs));
	assert_int_equal(gpuvm_drv_bo_runs(f, h, runs, 1, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(runs[0].offset, 0);
	assert_int_equal(runs[1].size, 0);
	assert_int_equal(gpuvm_drv_bo_runs(f, h, NULL, 0, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(gpuvm_drv_bo_runs(f, h, runs, 4, &n), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(runs[i].offset, off);
		assert_int_equal(runs[i].size, 4 * SZ_4K);
		off += runs[i].size;
	}
	assert_int_equal(gpuvm_drv_bo_runs(f, h + 1, runs, 4, &n), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_runs(f, h, NULL, 4, &n), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_runs(f, h, runs, 4, NULL), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_runs(NULL, h, runs, 4, &n), -EINVAL);
	assert_int_equal(gpuvm_mem_fd(NULL), -1);
	gpuvm_drv_file_close(f);
	gpuvm_drv_device_destroy(dev);
}

/* A CPU mapping of every run, at consecutive addresses, is the BO. */
static uint8_t *cpu_map_bo(struct gpuvm_drv_device *dev,
			   struct gpuvm_drv_file *f, uint32_t h, uint64_t size)
{
	int fd = gpuvm_mem_fd(gpuvm_drv_device_mem(dev));
	struct gpuvm_mem_run runs[8];
	unsigned int n = 0, i;
	uint8_t *base;

	assert_int_equal(gpuvm_drv_bo_runs(f, h, runs, 8, &n), 0);
	base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(base != MAP_FAILED);
	for (i = 0; i < n; i++) {
		void *p = mmap(base + runs[i].offset, runs[i].size,
			       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			       fd, (off_t)runs[i].pa);

		assert_true(p == base + runs[i].offset);
		gpuvm_mem_wptr(gpuvm_drv_device_mem(dev), runs[i].pa,
			       runs[i].size);
	}
	return base;
}

static void test_cpu_map_aliases_gpu(void **state)
{
	struct gpuvm_drv_device *dev = shared_dev();
	struct gpuvm_drv_file *f = file_new(dev);
	uint32_t vm = vm_new(f), h = 0, v;
	struct gpuvm_drv_bind_op op = { 0 };
	uint64_t size = 16 * SZ_4K, i;
	uint8_t *cpu;

	(void)state;
	assert_int_equal(gpuvm_drv_bo_create(f, size, 0, 4, &h), 0);
	assert_int_equal(gpuvm_drv_bo_pin(f, h, true), 0);
	cpu = cpu_map_bo(dev, f, h, size);
	op.flags = T_MAP;
	op.bo_handle = h;
	op.va = SZ_1G;
	op.size = size;
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, &op, 1, NULL), 0);
	for (i = 0; i < size / SZ_4K; i++)
		memcpy(cpu + i * SZ_4K + 8, &(uint32_t){ pat(7, i) }, 4);
	for (i = 0; i < size / SZ_4K; i++)
		assert_int_equal(rd32(f, vm, SZ_1G + i * SZ_4K + 8), pat(7, i));
	wr32(f, vm, SZ_1G + 5 * SZ_4K + 64, 0xc0ffee);
	memcpy(&v, cpu + 5 * SZ_4K + 64, 4);
	assert_int_equal(v, 0xc0ffee);
	assert_int_equal(bo_word(f, h, 5 * SZ_4K + 64), 0xc0ffee);
	check_ok(f, vm);
	munmap(cpu, size);
	gpuvm_drv_file_close(f);
	gpuvm_drv_device_destroy(dev);
}

static void test_evicted_has_no_runs(void **state)
{
	struct gpuvm_drv_device *dev = shared_dev();
	struct gpuvm_drv_file *f = file_new(dev);
	struct gpuvm_mem_run run;
	unsigned int n = 0;
	uint32_t h = 0;

	(void)state;
	assert_int_equal(gpuvm_drv_bo_create(f, SZ_4K, 0, 0, &h), 0);
	assert_int_equal(gpuvm_drv_bo_write(f, h, 0, "gpuvm", 5), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, h), 0);
	assert_int_equal(gpuvm_drv_bo_runs(f, h, &run, 1, &n), -ENODATA);
	assert_int_equal(gpuvm_drv_bo_pin(f, h, true), 0);
	assert_int_equal(gpuvm_drv_bo_runs(f, h, &run, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(bo_word(f, h, 0), 0x76757067); /* "gpuv" */
	gpuvm_drv_file_close(f);
	gpuvm_drv_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_ram_has_no_file),
		cmocka_unit_test(test_runs_exact),
		cmocka_unit_test(test_cpu_map_aliases_gpu),
		cmocka_unit_test(test_evicted_has_no_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
