// SPDX-License-Identifier: MIT
/*
 * DOC: gpuvm demo
 *
 * The project's main job (`make run`): the seeds' case in numbers. One
 * 100e6-byte sparse resource is created the three ways it has been done
 * (per page over a 4 KiB dummy, per 2 MiB over a 2 MiB dummy, one sparse
 * op) plus the NULL-entry way, then real memory is bound into it and GPU
 * accesses show what sparse means on each kind of hardware: cyclic dummy
 * memory private to the file on Mali, zeros on NULL-capable GPUs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gpuvm.h"
#include "gpuvm/drv.h"
#include "seeds.h"

#define RES_VA (1ull << 32)

struct demo {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *file;
	uint32_t vm;
};

static void print_time(double ns)
{
	if (ns >= 1e6)
		printf("%9.2f ms", ns / 1e6);
	else
		printf("%9.1f us", ns / 1e3);
}

static int print_ways(void)
{
	struct seed_result r;
	int way, ret;

	printf("%-40s %8s %11s %12s %12s\n", "way", "ops", "pte writes",
	       "table pages", "time");
	for (way = 0; way < SEED_WAYS; way++) {
		ret = seed_run((enum seed_way)way, RES_VA, &r);
		if (ret)
			return ret;
		printf("%-40s %8" PRIu64 " %11" PRIu64 " %12" PRIu64 " ",
		       seed_way_names[way], r.ops, r.pte_writes, r.pt_pages);
		print_time(r.ns);
		putchar('\n');
	}
	return 0;
}

static int demo_open(struct demo *d, enum gpuvm_drv_sparse sparse)
{
	struct gpuvm_drv_device_cfg cfg = { .sparse = sparse };
	struct gpuvm_drv_bind_op op = {
		.flags = GPUVM_DRV_OP_MAP_SPARSE | GPUVM_DRV_OP_MAP_NOEXEC,
		.va = RES_VA,
		.size = (SEED_RESOURCE_BYTES + 4095) & ~4095ull,
	};
	int ret;

	if (!d->dev) {
		ret = gpuvm_drv_device_create(&cfg, &d->dev);
		if (ret)
			return ret;
	}
	ret = gpuvm_drv_file_open(d->dev, &d->file);
	if (!ret)
		ret = gpuvm_drv_vm_create(d->file, 0, &d->vm);
	return ret ? ret : gpuvm_drv_vm_bind(d->file, d->vm, 0, &op, 1, NULL);
}

static void say(const char *what, uint64_t v, const char *why)
{
	printf("  %-62s 0x%016" PRIx64 "  (%s)\n", what, v, why);
}

static int gpu_rw(struct demo *d, enum gpuvm_mmu_access acc, uint64_t off,
		  uint64_t *v)
{
	struct gpuvm_mmu_fault f;

	return gpuvm_drv_gpu_access(d->file, d->vm, acc, RES_VA + off, v,
				    sizeof(*v), &f);
}

/* Binds 4 MiB of a BO holding a pattern at +6 MiB and reads it back. */
static int show_bind(struct demo *a)
{
	struct gpuvm_drv_bind_op op = { .va = RES_VA + (6ull << 20),
					.size = 4ull << 20 };
	uint64_t pattern = 0x600dda7a00000000ull | 0x10, v = 0;
	int ret = gpuvm_drv_bo_create(a->file, 4ull << 20, 0, 0, &op.bo_handle);

	if (!ret)
		ret = gpuvm_drv_bo_write(a->file, op.bo_handle, 0x10, &pattern, 8);
	if (!ret)
		ret = gpuvm_drv_vm_bind(a->file, a->vm, 0, &op, 1, NULL);
	if (!ret)
		ret = gpu_rw(a, GPUVM_MMU_READ, (6ull << 20) + 0x10, &v);
	if (!ret)
		say("A binds 4 MiB of a BO at +6 MiB (one op), GPU reads +6 MiB+0x10",
		    v, "the BO's data");
	return ret;
}

static int show_isolation(struct demo *a, struct demo *b)
{
	uint64_t secret = 0x5ec7e75ec7e75ec7ull, v = 0, w = 0;
	int ret = gpu_rw(a, GPUVM_MMU_WRITE, 1ull << 20, &secret);

	if (!ret)
		ret = gpu_rw(a, GPUVM_MMU_READ, (3ull << 20), &v);
	if (!ret)
		ret = gpu_rw(b, GPUVM_MMU_READ, 1ull << 20, &w);
	if (ret)
		return ret;
	say("A's GPU writes sparse +1 MiB, then reads sparse +3 MiB", v,
	    "cyclic: x mod 2 MiB");
	say("B's GPU reads its own sparse resource at +1 MiB", w,
	    "B's own dummy: no leak");
	return 0;
}

static int show_null(struct demo *n)
{
	uint64_t secret = 0x5ec7e75ec7e75ec7ull, v = 1;
	int ret = gpu_rw(n, GPUVM_MMU_WRITE, 1ull << 20, &secret);

	if (!ret)
		ret = gpu_rw(n, GPUVM_MMU_READ, 1ull << 20, &v);
	if (!ret)
		say("N's GPU writes then reads sparse +1 MiB", v,
		    "NULL: reads 0, writes dropped");
	return ret;
}

static int check_all(struct demo *d, unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = gpuvm_drv_vm_check(d[i].file, d[i].vm, stderr);
	if (!ret)
		printf("  check: page tables, TLBs and VA spaces agree exactly in "
		       "all %u VMs\n", n);
	return ret;
}

static int show_access(void)
{
	struct demo d[3] = { { 0 } };
	int ret;

	ret = demo_open(&d[0], GPUVM_DRV_SPARSE_DUMMY);
	if (!ret) {
		d[1].dev = d[0].dev;
		ret = demo_open(&d[1], GPUVM_DRV_SPARSE_DUMMY);
	}
	if (!ret)
		ret = demo_open(&d[2], GPUVM_DRV_SPARSE_NULL);
	if (!ret)
		ret = show_bind(&d[0]);
	if (!ret)
		ret = show_isolation(&d[0], &d[1]);
	if (!ret)
		ret = show_null(&d[2]);
	if (!ret)
		ret = check_all(d, 3);
	gpuvm_drv_device_destroy(d[0].dev);
	gpuvm_drv_device_destroy(d[2].dev);
	return ret;
}

int gpuvm_cmd_demo(int argc, char **argv)
{
	int ret;

	printf("gpuvm demo: one 100e6-byte Vulkan sparse resource, GPU with "
	       "4 KiB + 2 MiB pages\n\n");
	ret = print_ways();
	if (!ret) {
		printf("\nthen, in the sparse resource (files A and B: dummy "
		       "capability, file N: NULL):\n");
		ret = show_access();
	}
	if (ret) {
		fprintf(stderr, "gpuvm demo: failed: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}
