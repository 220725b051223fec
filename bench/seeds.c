// SPDX-License-Identifier: MIT
/*
 * DOC: the seeds' scenario, run
 *
 * Each run gets a fresh device (checked mode off: the figure is the
 * bind's cost, not the checker's), so no way benefits from tables or a
 * dummy another way left behind. Only gpuvm_drv_vm_bind() is timed: the
 * op array and the userspace dummy BO are built before the clock starts,
 * as a driver would have them ready. The kernel's per-file dummy is made
 * lazily by the first sparse bind, so it is inside the sparse ways' time,
 * as it is on the real driver. After the clock stops the VM is checked
 * against its VA space, so a fast but wrong bind fails the run.
 */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"
#include "seeds.h"

const char *const seed_way_names[SEED_WAYS] = {
	[SEED_4K_DUMMY] = "per-page ops, 4 KiB dummy BO",
	[SEED_2M_DUMMY] = "per-2 MiB ops, 2 MiB dummy BO (panvk)",
	[SEED_SPARSE] = "one sparse op, per-file dummy",
	[SEED_SPARSE_NULL] = "one sparse op, NULL entries",
};

static uint64_t resource_size(void)
{
	return (SEED_RESOURCE_BYTES + GPUVM_SZ_4K - 1) & ~(GPUVM_SZ_4K - 1);
}

/* The userspace ways: map a dummy BO of `chunk` bytes over every chunk. */
static int build_dummy_ops(struct gpuvm_drv_file *f, uint64_t va,
			   uint64_t chunk, struct gpuvm_drv_bind_op **out,
			   uint32_t *count)
{
	uint64_t size = resource_size(), n = (size + chunk - 1) / chunk, i;
	struct gpuvm_drv_bind_op *ops = calloc(n, sizeof(*ops));
	uint32_t bo;
	int ret;

	if (!ops)
		return -ENOMEM;
	ret = gpuvm_drv_bo_create(f, chunk, 0, 0, &bo);
	if (ret) {
		free(ops);
		return ret;
	}
	for (i = 0; i < n; i++) {
		ops[i].flags = GPUVM_DRV_OP_TYPE_MAP | GPUVM_DRV_OP_MAP_NOEXEC;
		ops[i].bo_handle = bo;
		ops[i].va = va + i * chunk;
		ops[i].size = size - i * chunk < chunk ? size - i * chunk : chunk;
	}
	*out = ops;
	*count = (uint32_t)n;
	return 0;
}

static int run_on(struct gpuvm_drv_file *f, uint32_t vm, enum seed_way way,
		  uint64_t va, struct seed_result *r)
{
	struct gpuvm_drv_bind_op sparse = {
		.flags = GPUVM_DRV_OP_TYPE_MAP | GPUVM_DRV_OP_MAP_SPARSE |
			 GPUVM_DRV_OP_MAP_NOEXEC,
		.va = va, .size = resource_size(),
	};
	struct gpuvm_drv_bind_op *ops = &sparse;
	struct gpuvm_drv_vm_stats st;
	uint32_t count = 1, failed;
	uint64_t t0;
	int ret = 0;

	if (way == SEED_4K_DUMMY)
		ret = build_dummy_ops(f, va, GPUVM_SZ_4K, &ops, &count);
	else if (way == SEED_2M_DUMMY)
		ret = build_dummy_ops(f, va, GPUVM_SZ_2M, &ops, &count);
	if (ret)
		return ret;
	t0 = bench_now_ns();
	ret = gpuvm_drv_vm_bind(f, vm, 0, ops, count, &failed);
	r->ns = (double)(bench_now_ns() - t0);
	if (ops != &sparse)
		free(ops);
	if (ret)
		return ret;
	gpuvm_drv_vm_stats(f, vm, &st);
	r->ops = count;
	r->pte_writes = st.pte_writes;
	r->pt_pages = st.pt_pages;
	r->pt_reserved_peak = st.pt_reserved_peak;
	return gpuvm_drv_vm_check(f, vm, NULL);
}

int seed_run(enum seed_way way, uint64_t va, struct seed_result *r)
{
	struct seed_cfg c = { .way = way, .va = va };

	return seed_run_cfg(&c, r);
}

int seed_run_cfg(const struct seed_cfg *c, struct seed_result *r)
{
	struct gpuvm_drv_device_cfg cfg = {
		.sparse = c->way == SEED_SPARSE_NULL ? GPUVM_DRV_SPARSE_NULL :
						       GPUVM_DRV_SPARSE_DUMMY,
		.unchecked = true,
		.private_sparse_tables = c->private_tables,
	};
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm;
	int ret = gpuvm_drv_device_create(&cfg, &dev);

	if (ret)
		return ret;
	ret = gpuvm_drv_file_open(dev, &f);
	if (!ret)
		ret = gpuvm_drv_vm_create(f, 0, &vm);
	if (!ret)
		ret = run_on(f, vm, c->way, c->va, r);
	gpuvm_drv_device_destroy(dev);
	return ret;
}
