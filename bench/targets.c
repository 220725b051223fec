// SPDX-License-Identifier: MIT
/*
 * DOC: the targets
 *
 * The brief's goals, each evaluated on rows of the same run (found by
 * key, so quick mode's smaller sizes are evaluated the same way): a
 * target whose rows were skipped says SKIP rather than guessing, and no
 * figure here is typed in, only the limits.
 *
 * Where the brief allows either of two rows (1 TiB or the whole range;
 * the driver's or the MMU's own access path; the driver's or the VA
 * manager's churn) both are evaluated, one line each; so are a sparse
 * op that makes the file's dummy and one that finds it made.
 *
 * Issue 13's VA-index targets are the one place figures come from
 * outside the run: drm_gpuvm's ns/op, measured on another machine, set
 * the limits (1.5x faster). Each is also evaluated without the machine:
 * against this run's AVL baseline, scaled by how much faster drm_gpuvm
 * was than that same AVL code where both were measured.
 *
 * "Costs <= 16 table pages" counts the larger of the pages left and the
 * pages reserved at peak: a reservation that is returned afterwards was
 * still memory the bind needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static struct bench_target *target_add(struct bench_report *r,
				       const char *what, const char *limit)
{
	struct bench_target *t;

	if (r->ntargets == r->tcap) {
		unsigned int cap = r->tcap ? r->tcap * 2 : 16;
		void *p = realloc(r->targets, cap * sizeof(*r->targets));

		if (!p)
			return NULL;
		r->targets = p;
		r->tcap = cap;
	}
	t = &r->targets[r->ntargets++];
	memset(t, 0, sizeof(*t));
	snprintf(t->what, sizeof(t->what), "%s", what);
	snprintf(t->limit, sizeof(t->limit), "%s", limit);
	snprintf(t->measured, sizeof(t->measured), "not measured");
	return t;
}

static bool usable(const struct bench_row *row)
{
	return row && !row->skipped && row->median_ns > 0;
}

/* The caller has written t->measured. */
static void verdict(struct bench_target *t, bool pass)
{
	t->measurable = true;
	t->pass = pass;
}

#define MEASURED(t, ...) \
	snprintf((t)->measured, sizeof((t)->measured), __VA_ARGS__)

/* ------------------------------------------------------------------ */

static int seeds_speedup(struct bench_report *r, char va, const char *way,
			 const char *where)
{
	char k4[32], ks[32], what[96];
	const struct bench_row *slow, *fast;
	struct bench_target *t;

	snprintf(k4, sizeof(k4), "seeds.%c.4k", va);
	snprintf(ks, sizeof(ks), "seeds.%c.%s", va, way);
	snprintf(what, sizeof(what), "100e6 B, %s: one sparse op vs per-page "
		 "ops", where);
	slow = bench_find(r, k4);
	fast = bench_find(r, ks);
	t = target_add(r, what, ">= 1000x");
	if (!t)
		return -ENOMEM;
	if (!usable(slow) || !usable(fast))
		return 0;
	MEASURED(t, "%.0fx faster", slow->median_ns / fast->median_ns);
	verdict(t, slow->median_ns >= 1000 * fast->median_ns);
	return 0;
}

static int sparse_cost(struct bench_report *r, const char *key,
		       const char *how)
{
	const struct bench_row *row = bench_find(r, key);
	struct bench_target *t;
	char what[96];
	int64_t pages;

	snprintf(what, sizeof(what), "sparse %s, shared, %s: pages, time",
		 row ? row->group + strlen("sparse ") : key, how);
	t = target_add(r, what, "<= 16 pg, < 50 us");
	if (!t)
		return -ENOMEM;
	if (!usable(row))
		return 0;
	pages = row->pt_pages > row->pt_reserved ? row->pt_pages
						  : row->pt_reserved;
	MEASURED(t, "%lld pg, %.1f us", (long long)pages,
		 row->median_ns / 1e3);
	verdict(t, pages <= 16 && row->median_ns < 50e3);
	return 0;
}

/* The last row of a numbered family: churn.drv.0, .1, .2 ... */
static const struct bench_row *last_of(const struct bench_report *r,
				       const char *prefix)
{
	const struct bench_row *row, *last = NULL;
	char key[32];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "%s.%u", prefix, i);
		row = bench_find(r, key);
		if (row)
			last = row;
	}
	return last;
}

/* ------------------------------------------------------------------ */
/* Issue 13: the VA index against drm_gpuvm                            */

const struct bench_drm_ref bench_issue13[3] = {
	{ 1000, 122, 58, 272, 56, 138, 144 },
	{ 100000, 458, 329, 999, 452, 128, 144 },
	{ 1000000, 1235, 1208, 2562, 1533, 128, 144 },
};

static const char *const size_tag[3] = { "1k", "100k", "1m" };

/*
 * 1.5x faster than drm_gpuvm, two ways: against its figure from issue
 * 13 (another machine), and, so that the machine cancels out, against
 * the AVL baseline of this run, scaled by how much faster drm_gpuvm was
 * than that same AVL code where both were measured.
 */
static int va_vs_drm(struct bench_report *r, unsigned int i, bool churn)
{
	const struct bench_drm_ref *d = &bench_issue13[i];
	const char *op = churn ? "churn" : "lookup";
	double drm = churn ? d->drm_churn : d->drm_lookup;
	double avl = churn ? d->avl_churn : d->avl_lookup;
	const struct bench_row *cur, *ref;
	char key[32], what[96], limit[32];
	struct bench_target *t;
	double q;

	snprintf(key, sizeof(key), "%s.va.%s", op, size_tag[i]);
	cur = bench_find(r, key);
	snprintf(key, sizeof(key), "%s.avl.%s", op, size_tag[i]);
	ref = bench_find(r, key);

	snprintf(what, sizeof(what), "VA %s, %.0f live: 1.5x drm_gpuvm's "
		 "%.0f ns (issue 13)", op, d->live, drm);
	snprintf(limit, sizeof(limit), "<= %.0f ns", drm / 1.5);
	t = target_add(r, what, limit);
	if (!t)
		return -ENOMEM;
	if (usable(cur)) {
		MEASURED(t, "%.1f ns", cur->ns_per_op);
		verdict(t, cur->ns_per_op <= drm / 1.5);
	}

	snprintf(what, sizeof(what), "VA %s, %.0f live: same, vs this "
		 "run's AVL", op, d->live);
	snprintf(limit, sizeof(limit), ">= %.2fx (1.5 x %.0f/%.0f)",
		 1.5 * avl / drm, avl, drm);
	t = target_add(r, what, limit);
	if (!t)
		return -ENOMEM;
	if (!usable(cur) || !usable(ref))
		return 0;
	q = ref->ns_per_op / cur->ns_per_op;
	MEASURED(t, "%.2fx (%.0f/%.0f ns)", q, ref->ns_per_op,
		 cur->ns_per_op);
	verdict(t, q >= 1.5 * avl / drm);
	return 0;
}

/* Cost at 1M live over cost at 1K live. */
static int va_growth(struct bench_report *r, const char *op, double limit)
{
	const struct bench_row *lo, *hi;
	char key[32], what[96], lim[32];
	struct bench_target *t;
	double q;

	snprintf(key, sizeof(key), "%s.va.1k", op);
	lo = bench_find(r, key);
	snprintf(key, sizeof(key), "%s.va.1m", op);
	hi = bench_find(r, key);
	snprintf(what, sizeof(what), "VA %s: ns/op at 1M live vs 1K live", op);
	snprintf(lim, sizeof(lim), "<= %.0fx", limit);
	t = target_add(r, what, lim);
	if (!t)
		return -ENOMEM;
	if (!usable(lo) || !usable(hi))
		return 0;
	q = hi->ns_per_op / lo->ns_per_op;
	MEASURED(t, "%.2fx (%.0f/%.0f ns)", q, hi->ns_per_op, lo->ns_per_op);
	verdict(t, q <= limit);
	return 0;
}

/* The largest bytes per mapping over every live set measured. */
static int va_memory(struct bench_report *r)
{
	const struct bench_row *worst = NULL;
	struct bench_target *t;
	unsigned int i;

	for (i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];

		if (!strncmp(row->key, "churn.va.", 9) &&
		    row->bytes_per_map >= 0 &&
		    (!worst || row->bytes_per_map > worst->bytes_per_map))
			worst = row;
	}
	t = target_add(r, "VA host memory per live mapping, worst live set",
		       "<= 128 B");
	if (!t)
		return -ENOMEM;
	if (!worst)
		return 0;
	MEASURED(t, "%.1f B (%.0f live)", worst->bytes_per_map, worst->live);
	verdict(t, worst->bytes_per_map <= 128);
	return 0;
}

static int issue13(struct bench_report *r)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < 3; i++) {
		ret = va_vs_drm(r, i, true);
		if (!ret)
			ret = va_vs_drm(r, i, false);
	}
	if (!ret)
		ret = va_growth(r, "churn", 4);
	if (!ret)
		ret = va_growth(r, "lookup", 6);
	return ret ? ret : va_memory(r);
}

/* ------------------------------------------------------------------ */

static int churn_growth(struct bench_report *r, const char *prefix,
			const char *who)
{
	char key[32], what[96];
	const struct bench_row *first, *last = last_of(r, prefix);
	struct bench_target *t;
	double q;

	snprintf(key, sizeof(key), "%s.0", prefix);
	first = bench_find(r, key);
	snprintf(what, sizeof(what), "%s churn: ns/op, largest vs smallest "
		 "live set", who);
	t = target_add(r, what, "<= 2x");
	if (!t)
		return -ENOMEM;
	if (!usable(first) || !usable(last) || first == last)
		return 0;
	q = last->ns_per_op / first->ns_per_op;
	MEASURED(t, "%.2fx (%.0f/%.0f ns)", q, last->ns_per_op,
		 first->ns_per_op);
	verdict(t, q <= 2);
	return 0;
}

static int tlb_hit(struct bench_report *r, const char *key, const char *who,
		   double limit)
{
	const struct bench_row *row = bench_find(r, key);
	struct bench_target *t;
	char what[96], lim[32];

	snprintf(what, sizeof(what), "TLB-hit 8-byte read, %s", who);
	snprintf(lim, sizeof(lim), "<= %g ns", limit);
	t = target_add(r, what, lim);
	if (!t)
		return -ENOMEM;
	if (!usable(row))
		return 0;
	MEASURED(t, "%.1f ns", row->ns_per_op);
	verdict(t, row->ns_per_op <= limit);
	return 0;
}

/*
 * Issue 13's driver churn: faster than the figures the README carried
 * before the B+tree and the op context (2026-11-21, same machine kind),
 * at every live-set size. Those figures are the limits, typed in once.
 */
static int drv_churn_vs_before(struct bench_report *r)
{
	static const double before[] = { 931.8, 1355.7, 2104.9 };
	const struct bench_row *row;
	struct bench_target *t;
	char key[32], what[96], lim[32];
	unsigned int i;

	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		snprintf(key, sizeof(key), "churn.drv.%u", i);
		row = bench_find(r, key);
		snprintf(what, sizeof(what), "driver churn vs 2026-11-21, %s",
			 row ? row->name + strlen("drv map+unmap, ") : key);
		snprintf(lim, sizeof(lim), "< %.0f ns", before[i]);
		t = target_add(r, what, lim);
		if (!t)
			return -ENOMEM;
		if (!usable(row))
			continue;
		MEASURED(t, "%.0f ns", row->ns_per_op);
		verdict(t, row->ns_per_op < before[i]);
	}
	return 0;
}

static int frag_binds(struct bench_report *r)
{
	const struct bench_row *row = bench_find(r, "frag.runs");
	struct bench_target *t;

	t = target_add(r, "bind op into a BO of 1-page runs", "< 1 us");
	if (!t)
		return -ENOMEM;
	if (!usable(row))
		return 0;
	MEASURED(t, "%.0f ns", row->ns_per_op);
	verdict(t, row->ns_per_op < 1000);
	return 0;
}

static int ptmap_ratio(struct bench_report *r)
{
	const struct bench_row *map = bench_find(r, "ptmap.map");
	const struct bench_row *set = bench_find(r, "ptmap.memset");
	struct bench_target *t;
	double q;

	t = target_add(r, "map with 4 KiB pages vs memset of its descriptors",
		       "<= 4x");
	if (!t)
		return -ENOMEM;
	if (!usable(map) || !usable(set))
		return 0;
	q = map->median_ns / set->median_ns;
	MEASURED(t, "%.1fx", q);
	verdict(t, q <= 4);
	return 0;
}

static int never_written(struct bench_report *r)
{
	const struct bench_row *row = bench_find(r, "evict.cold");
	struct bench_target *t;

	t = target_add(r, "never-written 4 GiB BO: create..free time, peak RSS",
		       "<= 50 ms, <= 64 MiB");
	if (!t)
		return -ENOMEM;
	if (!usable(row) || row->peak_rss < 0)
		return 0;
	MEASURED(t, "%.1f ms, %.1f MiB", row->median_ns / 1e6,
		 (double)row->peak_rss / (1 << 20));
	verdict(t, row->median_ns <= 50e6 && row->peak_rss <= 64 << 20);
	return 0;
}

/* The ioctl path against the driver's, same pattern, same run. */
static int uapi_overhead(struct bench_report *r, const char *base_key,
			 const char *key, const char *what)
{
	const struct bench_row *base = bench_find(r, base_key);
	const struct bench_row *row = bench_find(r, key);
	struct bench_target *t = target_add(r, what, "<= 1.2x");

	if (!t)
		return -ENOMEM;
	if (!usable(base) || !usable(row))
		return 0;
	MEASURED(t, "%.2fx", row->median_ns / base->median_ns);
	verdict(t, row->median_ns <= 1.2 * base->median_ns);
	return 0;
}

static int uapi_seeds(struct bench_report *r, const char *key,
		      const char *what)
{
	const struct bench_row *slow = bench_find(r, "uapi.seeds.4k");
	const struct bench_row *fast = bench_find(r, key);
	struct bench_target *t = target_add(r, what, ">= 1000x");

	if (!t)
		return -ENOMEM;
	if (!usable(slow) || !usable(fast))
		return 0;
	MEASURED(t, "%.0fx faster", slow->median_ns / fast->median_ns);
	verdict(t, slow->median_ns >= 1000 * fast->median_ns);
	return 0;
}

int bench_targets(struct bench_report *r)
{
	int ret = seeds_speedup(r, 'a', "shared", "aligned VA");

	if (!ret)
		ret = seeds_speedup(r, 'u', "shared", "VA + 0x5000");
	if (!ret)
		ret = seeds_speedup(r, 'a', "warm", "aligned, dummy made");
	if (!ret)
		ret = sparse_cost(r, "sparse.small.cold", "first op");
	if (!ret)
		ret = sparse_cost(r, "sparse.small.shared", "dummy made");
	if (!ret)
		ret = sparse_cost(r, "sparse.all.cold", "first op");
	if (!ret)
		ret = sparse_cost(r, "sparse.all.shared", "dummy made");
	if (!ret)
		ret = churn_growth(r, "churn.drv", "driver");
	if (!ret)
		ret = issue13(r);
	if (!ret)
		ret = drv_churn_vs_before(r);
	if (!ret)
		ret = tlb_hit(r, "mmu.mmu.hit", "MMU directly", 20);
	if (!ret)
		ret = tlb_hit(r, "mmu.drv.hit", "through the driver", 12);
	if (!ret)
		ret = tlb_hit(r, "mmu.hptr.hit", "host pointer", 3);
	if (!ret)
		ret = frag_binds(r);
	if (!ret)
		ret = ptmap_ratio(r);
	if (!ret)
		ret = never_written(r);
	if (!ret)
		ret = uapi_overhead(r, "uapi.bind.child_drv", "uapi.bind.shim",
				    "VM_BIND via the shim vs gpuvm_drv_vm_bind");
	if (!ret)
		ret = uapi_overhead(r, "uapi.bind.drv", "uapi.bind.ioctl",
				    "VM_BIND via gpuvm_uapi_ioctl vs the driver");
	if (!ret)
		ret = uapi_seeds(r, "uapi.seeds.sparse", "100e6 B via ioctls: "
				 "one MAP_SPARSE vs 24,415 VM_BINDs");
	return ret ? ret : uapi_seeds(r, "uapi.seeds.warm",
				      "100e6 B via ioctls, dummy made: one "
				      "MAP_SPARSE vs 24,415 VM_BINDs");
}
