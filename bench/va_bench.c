// SPDX-License-Identifier: MIT
/*
 * DOC: VA-manager churn benchmark
 *
 * Holds N live mappings (one per 4 MiB slot, 4 KiB..2 MiB each) and then
 * replaces random ones: unmap the slot, map it again with a new size and
 * backing. Every request goes through prepare/commit/free as a driver
 * would. A lookup pass over random addresses is timed separately. The
 * figures show how cost grows with N: O(log n) means 1M live mappings cost
 * a small constant factor more than 1K (cache misses, not comparisons).
 */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"
#include "gpuvm/va.h"

#define SLOT (4ull << 20)
#define GROUP "churn: VA manager only (va_bench)"

#define rng bench_rng

/* ops is read after ret is computed: the prepare call fills it. */
static int do_ops(int ret, struct gpuvm_va_ops **opsp)
{
	struct gpuvm_va_ops *ops = *opsp;

	if (ret)
		return ret;
	ret = gpuvm_va_ops_commit(ops);
	gpuvm_va_ops_free(ops);
	return ret;
}

static int map_slot(struct gpuvm_va_space *s, uint64_t slot, uint64_t *seed)
{
	struct gpuvm_va req = {
		.addr = slot * SLOT,
		.range = ((rng(seed) % 512) + 1) << 12,
		.kind = GPUVM_VA_BO,
		.bo = 1 + slot % 64,
	};
	struct gpuvm_va_ops *ops = NULL;

	if (slot % 8 == 0) {
		req.kind = GPUVM_VA_SPARSE;
		req.bo = 0;
	}
	return do_ops(gpuvm_va_map_prepare(s, &req, &ops), &ops);
}

static int unmap_slot(struct gpuvm_va_space *s, uint64_t slot)
{
	struct gpuvm_va_ops *ops = NULL;

	return do_ops(gpuvm_va_unmap_prepare(s, slot * SLOT, SLOT, &ops), &ops);
}

static int churn_once(uint64_t live, uint64_t iters, double *ns,
		      double *lookup_ns)
{
	struct gpuvm_va_space_cfg cfg = { .start = 0, .range = 1ull << 47 };
	struct gpuvm_va_space *s;
	uint64_t seed = 0x9e3779b97f4a7c15ull, i, t0, hits = 0;
	int ret = gpuvm_va_space_create(&cfg, &s);

	for (i = 0; !ret && i < live; i++)
		ret = map_slot(s, i, &seed);
	t0 = bench_now_ns();
	for (i = 0; !ret && i < iters; i++) {
		uint64_t slot = rng(&seed) % live;

		ret = unmap_slot(s, slot);
		if (!ret)
			ret = map_slot(s, slot, &seed);
	}
	*ns = (double)(bench_now_ns() - t0) / (double)(2 * iters);
	t0 = bench_now_ns();
	for (i = 0; !ret && i < iters; i++)
		hits += gpuvm_va_find(s, (rng(&seed) % live) * SLOT) != NULL;
	*lookup_ns = (double)(bench_now_ns() - t0) / (double)iters;
	if (!ret && hits != iters)
		ret = -EUCLEAN;
	gpuvm_va_space_destroy(s);
	return ret;
}

int bench_va(struct bench_report *r, const struct bench_opts *o)
{
	static const uint64_t sizes[] = { 1000, 100000, 1000000 };
	unsigned int reps = bench_reps(o);
	uint64_t iters = o->quick ? 2000 : 200000;
	unsigned int i, k;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t live = o->quick && sizes[i] > 10000 ? 10000 : sizes[i];
		double churn[16], look[16];
		struct bench_row *row;
		char key[32], name[64];
		int ret;

		if (o->quick && i == 2)
			break; /* 10000 already ran */
		for (k = 0; k < reps && k < 16; k++) {
			ret = churn_once(live, iters, &churn[k], &look[k]);
			if (ret)
				return ret;
		}
		snprintf(key, sizeof(key), "churn.va.%u", i);
		snprintf(name, sizeof(name), "va map+unmap, %llu live",
			 (unsigned long long)live);
		row = bench_add(r, GROUP, key, name);
		if (!row)
			return -ENOMEM;
		row->ops = 2 * iters;
		row->ns_per_op = bench_median(churn, k);
		row->median_ns = row->ns_per_op * (double)row->ops;
		snprintf(key, sizeof(key), "lookup.va.%u", i);
		snprintf(name, sizeof(name), "va lookup, %llu live",
			 (unsigned long long)live);
		row = bench_add(r, GROUP, key, name);
		if (!row)
			return -ENOMEM;
		row->ops = iters;
		row->ns_per_op = bench_median(look, k);
		row->median_ns = row->ns_per_op * (double)row->ops;
	}
	return 0;
}
