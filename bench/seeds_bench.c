// SPDX-License-Identifier: MIT
/*
 * DOC: the seeds' sparse resource, five ways, two VAs
 *
 * The 100e6-byte resource (docs/panthor.md §1) made resident-nothing the
 * ways it has been done: per page over a 4 KiB dummy (24,415 ops), per
 * 2 MiB over a 2 MiB dummy (panvk), one sparse op with private tables,
 * one with shared tables (the default), and one under NULL. Once at a
 * 2 MiB-aligned VA, where the middle of the range is 2 MiB blocks, and
 * once 20 KiB off it, where no block fits and every leaf is a 4 KiB page:
 * the two ends of what alignment can do to any of the ways.
 *
 * The sparse ways run as a file's first sparse op, which makes the file's
 * dummy inside the timed bind. A sixth row runs the shared way with the
 * dummy already made (a file's second sparse resource), which shows how
 * much of the first op's time is the dummy's.
 *
 * seeds.c does the work (the demo shows the same runs); this file only
 * repeats them and turns results into rows.
 */
#include <errno.h>

#include "bench.h"
#include "seeds.h"

#define SEEDS_VA (1ull << 32)      /* 4 GiB: 2 MiB- and 1 GiB-aligned */
#define SEEDS_SKEW 0x5000ull

struct seeds_way {
	const char *key, *name;
	enum seed_way way;
	bool private_tables, dummy_made;
};

static const struct seeds_way ways[] = {
	{ "4k", "per-page ops, 4 KiB dummy BO", SEED_4K_DUMMY, false, false },
	{ "2m", "per-2 MiB ops, 2 MiB dummy BO (panvk)", SEED_2M_DUMMY, false,
	  false },
	{ "private", "one sparse op, private tables", SEED_SPARSE, true,
	  false },
	{ "shared", "one sparse op, shared tables", SEED_SPARSE, false, false },
	{ "null", "one sparse op, NULL entries", SEED_SPARSE_NULL, false,
	  false },
	{ "warm", "one sparse op, shared, dummy already made", SEED_SPARSE,
	  false, true },
};

static int seeds_once(void *ctx, struct bench_sample *s)
{
	const struct seed_cfg *c = ctx;
	struct seed_result res;
	int ret = seed_run_cfg(c, &res);

	if (ret)
		return ret;
	s->ns = res.ns;
	s->ops = res.ops;
	s->pte_writes = (int64_t)res.pte_writes;
	s->pt_pages = (int64_t)res.pt_pages;
	s->pt_reserved = (int64_t)res.pt_reserved_peak;
	s->host_faults = (int64_t)res.host_faults;
	return 0;
}

static int seeds_at(struct bench_report *r, const struct bench_opts *o,
		    bool aligned)
{
	const char *group = aligned ? "seeds: 100e6 B sparse, 2 MiB-aligned VA"
				    : "seeds: 100e6 B sparse, VA + 0x5000";
	struct seed_cfg c = { .va = SEEDS_VA + (aligned ? 0 : SEEDS_SKEW) };
	char key[32];
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < sizeof(ways) / sizeof(ways[0]); i++) {
		c.way = ways[i].way;
		c.private_tables = ways[i].private_tables;
		c.dummy_made = ways[i].dummy_made;
		snprintf(key, sizeof(key), "seeds.%c.%s", aligned ? 'a' : 'u',
			 ways[i].key);
		ret = bench_repeat(r, bench_reps(o), group, key, ways[i].name,
				   seeds_once, &c, NULL);
	}
	return ret;
}

int bench_seeds(struct bench_report *r, const struct bench_opts *o)
{
	int ret = seeds_at(r, o, true);

	return ret ? ret : seeds_at(r, o, false);
}
