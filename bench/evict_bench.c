// SPDX-License-Identifier: MIT
/*
 * DOC: memory that was never written
 *
 * A 4 GiB BO nobody wrote goes through the whole life the driver can
 * give it: created, mapped, evicted, restored (validate remaps it),
 * unmapped and freed. Nothing of it was written, so none of that should
 * read or clear its pages: the time is bookkeeping, and the process's
 * peak resident set barely moves (hosts without a shared zero page back
 * a page on its first read, so a path that reads every page costs 4 GiB
 * and seconds). The second row does the same with 1% of the pages
 * written (every 100th, written before the clock starts): eviction
 * copies those and nothing else.
 *
 * Each repetition uses a fresh device, so it pays for first-touching
 * its own metadata, as a real first eviction would.
 */
#include <errno.h>

#include "bench.h"

#define BO_SIZE (4 * GPUVM_SZ_1G)
#define BO_VA (64 * GPUVM_SZ_1G)

struct life {
	uint64_t size;
	unsigned int stride;   /* write every stride-th page; 0: none */
};

static int write_pages(struct bench_vm *b, uint32_t bo, uint64_t size,
		       unsigned int stride)
{
	uint64_t off, v;
	int ret = 0;

	for (off = 0; stride && !ret && off < size;
	     off += stride * GPUVM_SZ_4K) {
		v = off | 1;
		ret = gpuvm_drv_bo_write(b->file, bo, off, &v, sizeof(v));
	}
	return ret;
}

static int life_steps(struct bench_vm *b, uint32_t bo, uint64_t size)
{
	int ret = bench_vm_bind1(b, GPUVM_DRV_OP_TYPE_MAP, bo, 0, BO_VA, size);

	if (!ret)
		ret = gpuvm_drv_bo_evict(b->file, bo);
	if (!ret)
		ret = gpuvm_drv_vm_validate(b->file, b->vm);
	if (!ret)
		ret = bench_vm_bind1(b, GPUVM_DRV_OP_TYPE_UNMAP, 0, 0, BO_VA,
				     size);
	return ret;
}

static int life_run(void *ctx, struct bench_sample *s)
{
	const struct life *c = ctx;
	struct gpuvm_drv_device_cfg cfg = {
		.unchecked = true, .ram = 2 * c->size,
	};
	struct bench_vm b;
	uint64_t base, t0, tw;
	uint32_t bo = 0;
	int ret = bench_vm_open(&b, &cfg);

	if (ret)
		return ret;
	base = bench_peak_rss_reset();
	t0 = bench_now_ns();
	ret = gpuvm_drv_bo_create(b.file, c->size, 0, 0, &bo);
	if (!ret && c->stride) {
		/* The writes are the workload's, not the driver's: untimed. */
		tw = bench_now_ns();
		ret = write_pages(&b, bo, c->size, c->stride);
		t0 += bench_now_ns() - tw;
	}
	if (!ret)
		ret = life_steps(&b, bo, c->size);
	if (!ret)
		ret = gpuvm_drv_bo_close(b.file, bo);
	s->ns = (double)(bench_now_ns() - t0);
	s->ops = 1;
	s->peak_rss = (int64_t)(bench_peak_rss() - base);
	bench_vm_close(&b);
	return ret;
}

static int life_row(struct bench_report *r, const struct bench_opts *o,
		    const struct life *c, const char *key, const char *name)
{
	struct bench_row *row;
	int ret = bench_repeat(r, bench_reps(o), "never-written memory", key,
			       name, life_run, (void *)c, &row);

	if (!ret)
		snprintf(row->note, sizeof(row->note),
			 "peak RSS grew %.1f MiB (%llu MiB BO)",
			 (double)row->peak_rss / (1 << 20),
			 (unsigned long long)(c->size >> 20));
	return ret;
}

int bench_evict(struct bench_report *r, const struct bench_opts *o)
{
	const struct life cold = { .size = BO_SIZE, .stride = 0 };
	const struct life pct = { .size = BO_SIZE, .stride = 100 };
	int ret = life_row(r, o, &cold, "evict.cold",
			   "4 GiB BO never written: create..free");

	return ret ? ret : life_row(r, o, &pct, "evict.pct",
				    "4 GiB BO, 1% written: create..free");
}
