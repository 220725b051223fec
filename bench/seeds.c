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
 * as it is on the real driver, unless seed_cfg.dummy_made asks for the
 * dummy to exist first (a file's second sparse resource): a 4 KiB sparse
 * bind and its unmap, untimed, far from the resource, make it; their
 * descriptor writes are not counted. After the clock stops the VM is checked
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

/* The bind(s) a way makes, built before the clock starts. */
static int build_ops(struct gpuvm_drv_file *f, const struct seed_cfg *c,
		     struct gpuvm_drv_bind_op *sparse,
		     struct gpuvm_drv_bind_op **ops, uint32_t *count)
{
	sparse->flags = GPUVM_DRV_OP_TYPE_MAP | GPUVM_DRV_OP_MAP_SPARSE |
			GPUVM_DRV_OP_MAP_NOEXEC;
	sparse->va = c->va;
	sparse->size = resource_size();
	*ops = sparse;
	*count = 1;
	if (c->way == SEED_4K_DUMMY)
		return build_dummy_ops(f, c->va, GPUVM_SZ_4K, ops, count);
	if (c->way == SEED_2M_DUMMY)
		return build_dummy_ops(f, c->va, GPUVM_SZ_2M, ops, count);
	return 0;
}

static int run_on(struct gpuvm_drv_file *f, uint32_t vm,
		  const struct seed_cfg *c, struct seed_result *r)
{
	struct bench_vm b = { .file = f, .vm = vm };
	struct gpuvm_drv_bind_op sparse = { 0 }, *ops;
	struct gpuvm_drv_vm_stats before, st;
	uint32_t count, failed;
	uint64_t t0, faults;
	int ret = c->dummy_made ? bench_vm_make_dummy(&b) : 0;

	if (!ret)
		ret = build_ops(f, c, &sparse, &ops, &count);
	if (ret)
		return ret;
	gpuvm_drv_vm_stats(f, vm, &before);
	faults = bench_host_faults();
	t0 = bench_now_ns();
	ret = gpuvm_drv_vm_bind(f, vm, 0, ops, count, &failed);
	r->ns = (double)(bench_now_ns() - t0);
	r->host_faults = bench_host_faults() - faults;
	if (ops != &sparse)
		free(ops);
	if (ret)
		return ret;
	gpuvm_drv_vm_stats(f, vm, &st);
	r->ops = count;
	r->pte_writes = st.pte_writes - before.pte_writes;
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
		ret = run_on(f, vm, c, r);
	gpuvm_drv_device_destroy(dev);
	return ret;
}
