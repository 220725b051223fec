// SPDX-License-Identifier: MIT
/*
 * DOC: binds into a fragmented BO
 *
 * Asahi measured 4.27 us per bind over 100k binds when finding a large
 * BO's backing pages meant walking its scatter list, 0.74 us with a
 * binary search (docs/panthor.md §7). Here: a BO of 100,000 runs of one
 * page each (~400 MB, gpuvm_drv_bo_create(chunks = 100000)), and random
 * single-page binds: MAP one page at a random BO offset to a random VA
 * in a 1 GiB window, then UNMAP it. Both are bind ops; ns/op is per op.
 * The same with a BO of one run, the same size, is the baseline: the
 * difference between the rows is what the runs cost.
 *
 * The device's RAM is sized for the BO; BO creation is untimed. Each
 * repetition is one batch of binds on the same device.
 */
#include <errno.h>

#include "bench.h"

#define WINDOW_VA (1ull << 32)
#define WINDOW_PAGES (GPUVM_SZ_1G / GPUVM_SZ_4K)

struct frag {
	struct bench_vm b;
	uint32_t bo;
	uint64_t pages, binds, seed;
};

static int frag_batch(void *ctx, struct bench_sample *s)
{
	struct frag *c = ctx;
	struct bench_sample before;
	uint64_t i, t0;
	int ret = bench_vm_counts(&c->b, &before);

	t0 = bench_now_ns();
	for (i = 0; !ret && i < c->binds; i++) {
		uint64_t off = bench_rng(&c->seed) % c->pages * GPUVM_SZ_4K;
		uint64_t va = WINDOW_VA + bench_rng(&c->seed) % WINDOW_PAGES *
					  GPUVM_SZ_4K;

		ret = bench_vm_bind1(&c->b, GPUVM_DRV_OP_TYPE_MAP |
				     GPUVM_DRV_OP_MAP_NOEXEC, c->bo, off, va,
				     GPUVM_SZ_4K);
		if (!ret)
			ret = bench_vm_bind1(&c->b, GPUVM_DRV_OP_TYPE_UNMAP, 0,
					     0, va, GPUVM_SZ_4K);
	}
	s->ns = (double)(bench_now_ns() - t0);
	s->ops = 2 * c->binds;
	if (!ret)
		ret = bench_vm_counts(&c->b, s);
	s->pte_writes -= before.pte_writes;
	return ret;
}

static int frag_one(struct bench_report *r, const struct bench_opts *o,
		    unsigned int runs, const char *key)
{
	uint64_t pages = o->quick ? 10000 : 100000;
	struct gpuvm_drv_device_cfg cfg = { .unchecked = true };
	struct frag c = {
		.pages = pages, .binds = o->quick ? 2000 : 100000,
		.seed = 0x2545f4914f6cdd1dull,
	};
	char name[64];
	int ret;

	cfg.ram = 64 * GPUVM_SZ_2M;
	while (cfg.ram < 2 * pages * GPUVM_SZ_4K)
		cfg.ram <<= 1;
	ret = bench_vm_open(&c.b, &cfg);
	if (!ret)
		ret = gpuvm_drv_bo_create(c.b.file, pages * GPUVM_SZ_4K, 0,
					  runs ? runs : (unsigned int)pages,
					  &c.bo);
	snprintf(name, sizeof(name), "1-page map/unmap, BO of %llu run%s",
		 (unsigned long long)(runs ? runs : pages),
		 runs == 1 ? "" : "s");
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), "binds into a fragmented "
				   "BO", key, name, frag_batch, &c, NULL);
	bench_vm_close(&c.b);
	return ret;
}

int bench_frag(struct bench_report *r, const struct bench_opts *o)
{
	int ret = frag_one(r, o, 0, "frag.runs");

	return ret ? ret : frag_one(r, o, 1, "frag.one");
}
