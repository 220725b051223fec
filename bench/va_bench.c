// SPDX-License-Identifier: MIT
/*
 * DOC: VA-manager churn and lookup benchmark, swept over the live set
 *
 * Holds N live mappings (one per 4 MiB slot, 4 KiB..2 MiB each, every
 * eighth sparse, the rest spread over 64 BOs) and then replaces random
 * ones: unmap the slot, map it again with a new size. Every request goes
 * through prepare/commit/free as a driver would. A lookup pass over
 * random slot addresses is timed separately. N sweeps 1K, 10K, 100K, 1M
 * and 10M, to show how the cost grows with the live set: what the index
 * costs in instructions shows at 1K, what it costs in cache misses at 1M.
 *
 * The same loops run the AVL manager the index replaced (va_ref.h, up
 * to 1M: at 10M it needs 1.4 GB and half a minute), so every figure has
 * a same-run baseline.
 *
 * Each live set is built once (not timed) for each manager; the
 * repetitions then churn and look up in turn on it, alternating between
 * the two managers so that a machine that gets busier or quieter during
 * the run weighs on both alike, and each row takes the median. For each
 * manager the first repetition runs exactly the sequence of the
 * benchmark's first version (fresh seed, build, churn, lookups), the one
 * drm_gpuvm was measured with for issue 13. Host memory per mapping is
 * read after the last repetition, at steady state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gpuvm/va.h"
#include "va_ref.h"

#define SLOT (4ull << 20)
#define GROUP "VA manager only (va_bench), live set swept"
#define SEED 0x9e3779b97f4a7c15ull
#define MAX_REPS 16

#define rng bench_rng

struct size {
	uint64_t live;
	const char *tag;   /* key suffix */
	bool ref;          /* the AVL baseline runs at this size too */
};

static const struct size sizes[] = {
	{ 1000, "1k", true },
	{ 10000, "10k", true },
	{ 100000, "100k", true },
	{ 1000000, "1m", true },
	{ 10000000, "10m", false },
};

/* The request for a slot: kind and BO fixed by the slot, size random. */
static struct gpuvm_va slot_req(uint64_t slot, uint64_t *seed)
{
	struct gpuvm_va req = {
		.addr = slot * SLOT,
		.range = ((rng(seed) % 512) + 1) << 12,
		.kind = GPUVM_VA_BO,
		.bo = 1 + slot % 64,
	};

	if (slot % 8 == 0) {
		req.kind = GPUVM_VA_SPARSE;
		req.bo = 0;
	}
	return req;
}

/*
 * The loops, once per implementation, calling it directly (an indirect
 * call per op would be charged to both, and the 1K figures are tens of
 * nanoseconds).
 */
#define VA_BENCH_IMPL(P, SPACE, OPS, MAP, UNMAP, COMMIT, FREE, FIND)         \
	static int P##_do(int ret, OPS **opsp)                                \
	{                                                                     \
		OPS *ops = *opsp;                                             \
		if (ret)                                                      \
			return ret;                                           \
		ret = COMMIT(ops);                                            \
		FREE(ops);                                                    \
		return ret;                                                   \
	}                                                                     \
	static int P##_map(SPACE *s, uint64_t slot, uint64_t *seed)          \
	{                                                                     \
		struct gpuvm_va req = slot_req(slot, seed);                   \
		OPS *ops = NULL;                                              \
		return P##_do(MAP(s, &req, &ops), &ops);                      \
	}                                                                     \
	static int P##_unmap(SPACE *s, uint64_t slot)                        \
	{                                                                     \
		OPS *ops = NULL;                                              \
		return P##_do(UNMAP(s, slot * SLOT, SLOT, &ops), &ops);       \
	}                                                                     \
	static int P##_build(SPACE *s, uint64_t live, uint64_t *seed)        \
	{                                                                     \
		uint64_t i;                                                   \
		int ret = 0;                                                  \
		for (i = 0; !ret && i < live; i++)                            \
			ret = P##_map(s, i, seed);                            \
		return ret;                                                   \
	}                                                                     \
	static int P##_churn(SPACE *s, uint64_t live, uint64_t iters,        \
			     uint64_t *seed, double *ns)                      \
	{                                                                     \
		uint64_t i, t0 = bench_now_ns();                              \
		int ret = 0;                                                  \
		for (i = 0; !ret && i < iters; i++) {                         \
			uint64_t slot = rng(seed) % live;                     \
			ret = P##_unmap(s, slot);                             \
			if (!ret)                                             \
				ret = P##_map(s, slot, seed);                 \
		}                                                             \
		*ns = (double)(bench_now_ns() - t0) / (double)(2 * iters);    \
		return ret;                                                   \
	}                                                                     \
	static int P##_lookup(SPACE *s, uint64_t live, uint64_t iters,       \
			      uint64_t *seed, double *ns)                     \
	{                                                                     \
		uint64_t i, t0 = bench_now_ns(), hits = 0;                    \
		for (i = 0; i < iters; i++)                                   \
			hits += FIND(s, (rng(seed) % live) * SLOT) != NULL;   \
		*ns = (double)(bench_now_ns() - t0) / (double)iters;          \
		return hits == iters ? 0 : -EUCLEAN;                          \
	}

VA_BENCH_IMPL(cur, struct gpuvm_va_space, struct gpuvm_va_ops,
	      gpuvm_va_map_prepare, gpuvm_va_unmap_prepare,
	      gpuvm_va_ops_commit, gpuvm_va_ops_free, gpuvm_va_find)
VA_BENCH_IMPL(ref, struct ref_va_space, struct ref_va_ops,
	      ref_va_map_prepare, ref_va_unmap_prepare, ref_va_ops_commit,
	      ref_va_ops_free, ref_va_find)

/* What one implementation measured at one size. */
struct point {
	double churn[MAX_REPS], look[MAX_REPS];
	unsigned int reps;
	double bytes_per_map;
};

static const struct gpuvm_va_space_cfg cfg = { .start = 0,
					       .range = 1ull << 47 };

/*
 * One live-set size: the current manager and, if sz->ref, the baseline.
 * Both are built from the same seed (so they see the same requests) and
 * their repetitions alternate, so that a machine that gets busier or
 * quieter during the run weighs on both alike.
 */
static int run_size(const struct size *sz, uint64_t iters, struct point *cur,
		    struct point *ref)
{
	uint64_t cseed = SEED, rseed = SEED, live = sz->live;
	struct gpuvm_va_space *cs = NULL;
	struct ref_va_space *rs = NULL;
	unsigned int k;
	int ret = gpuvm_va_space_create(&cfg, &cs);

	if (!ret)
		ret = cur_build(cs, live, &cseed);
	if (!ret && sz->ref) {
		ret = ref_va_space_create(&cfg, &rs);
		if (!ret)
			ret = ref_build(rs, live, &rseed);
	}
	for (k = 0; !ret && k < cur->reps; k++) {
		ret = cur_churn(cs, live, iters, &cseed, &cur->churn[k]);
		if (!ret && rs)
			ret = ref_churn(rs, live, iters, &rseed, &ref->churn[k]);
		if (!ret)
			ret = cur_lookup(cs, live, iters, &cseed, &cur->look[k]);
		if (!ret && rs)
			ret = ref_lookup(rs, live, iters, &rseed, &ref->look[k]);
	}
	if (cs)
		cur->bytes_per_map =
			(double)gpuvm_va_space_mem_bytes(cs) / (double)live;
	ref->bytes_per_map = (double)ref_va_bytes_per_mapping();
	gpuvm_va_space_destroy(cs);
	ref_va_space_destroy(rs);
	return ret;
}

static int add_row(struct bench_report *r, const char *kind, const char *who,
		   const struct size *sz, uint64_t ops, double *ns,
		   const struct point *pt, bool memory)
{
	char key[32], name[64];
	struct bench_row *row;

	snprintf(key, sizeof(key), "%s.%s.%s", kind, who, sz->tag);
	snprintf(name, sizeof(name), "%s %s, %llu live",
		 !strcmp(who, "va") ? "va" : "AVL baseline",
		 !strcmp(kind, "churn") ? "map+unmap" : "lookup",
		 (unsigned long long)sz->live);
	row = bench_add(r, GROUP, key, name);
	if (!row)
		return -ENOMEM;
	row->ops = ops;
	row->ns_per_op = bench_median(ns, pt->reps);
	row->median_ns = row->ns_per_op * (double)ops;
	row->live = (double)sz->live;
	if (memory) {
		row->bytes_per_map = pt->bytes_per_map;
		snprintf(row->note, sizeof(row->note),
			 "host memory %.1f bytes per live mapping%s",
			 pt->bytes_per_map,
			 !strcmp(who, "va") ? " (gpuvm_va_space_mem_bytes)"
					    : " (one malloc'd node each)");
	}
	return 0;
}

static int add_rows(struct bench_report *r, const struct size *sz,
		    uint64_t iters, struct point *pt, const char *who)
{
	int ret = add_row(r, "churn", who, sz, 2 * iters, pt->churn, pt, true);

	return ret ? ret : add_row(r, "lookup", who, sz, iters, pt->look, pt,
				   false);
}

int bench_va(struct bench_report *r, const struct bench_opts *o)
{
	enum { NSIZES = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned int reps = bench_reps(o), i, n;
	uint64_t iters = o->quick ? 2000 : 200000;
	struct point *cur, *ref;
	int ret = 0;

	if (reps > MAX_REPS)
		reps = MAX_REPS;
	cur = calloc(2 * NSIZES, sizeof(*cur));
	if (!cur)
		return -ENOMEM;
	ref = cur + NSIZES;
	for (n = 0; n < NSIZES && !(o->quick && sizes[n].live > 10000); n++)
		;
	for (i = 0; !ret && i < n; i++) {
		cur[i].reps = ref[i].reps = reps;
		ret = run_size(&sizes[i], iters, &cur[i], &ref[i]);
	}
	for (i = 0; !ret && i < n; i++)
		ret = add_rows(r, &sizes[i], iters, &cur[i], "va");
	for (i = 0; !ret && i < n; i++)
		if (sizes[i].ref)
			ret = add_rows(r, &sizes[i], iters, &ref[i], "avl");
	free(cur);
	return ret;
}
