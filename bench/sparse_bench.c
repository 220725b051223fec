// SPDX-License-Identifier: MIT
/*
 * DOC: huge sparse ranges
 *
 * One MAP_SPARSE op over 1 TiB, and over the whole user VA range (the
 * default device: 48-bit VA, user VA [0, 2^47) = 128 TiB), each four
 * ways: dummy with shared tables (the default), dummy with private tables
 * (cfg.private_sparse_tables), NULL with 4 KiB + 2 MiB pages, NULL with
 * 1 GiB blocks too. Panthor reserves ~2 GiB of table pages for 1 TiB
 * (docs/panthor.md M3); the pt_resv column is our answer to that.
 *
 * The 1 TiB range starts at 4 GiB: 1 GiB-aligned but not 512 GiB-
 * aligned, as an allocator would place it, so it is not a best case.
 *
 * Private tables cost what the range spans: 128 TiB of 2 MiB blocks is
 * 64M descriptors and 256 MiB of tables. A whole-range row therefore
 * runs only if the 1 TiB row of the same way, scaled by 128, predicts
 * one run within a few seconds (and its tables within the device's RAM);
 * otherwise it is a skipped row saying so. Once sharing makes the 1 TiB
 * row cheap, the prediction lets the whole-range row run, with no change
 * here.
 *
 * The dummy ways run twice with shared tables: as the file's first
 * sparse op (the bind makes the file's dummy, as on the real driver) and
 * with the dummy already made (a 4 KiB sparse bind and unmap, untimed,
 * first): the difference is what the first op pays once per file.
 *
 * Each run binds on a fresh device (creation untimed, checked mode off).
 * The first run of each row checks the VM against its VA space
 * afterwards, untimed; a check visits every leaf, shared or not, so
 * checking every run would double the whole-range rows' wall time.
 */
#include <errno.h>
#include <string.h>

#include "bench.h"

#define TIB (1ull << 40)
#define SPARSE_VA (1ull << 32)
#define SPARSE_RAM (4 * GPUVM_SZ_1G)
/* Largest predicted run for a whole-range row, in ns. */
#define LIMIT_NS 3e9
#define LIMIT_QUICK_NS 1e9

struct sparse_way {
	const char *key, *name;
	enum gpuvm_drv_sparse kind;
	bool private_tables, dummy_made;
	uint64_t pgsizes;
};

#define DUMMY GPUVM_DRV_SPARSE_DUMMY
#define PGS_1G (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M | GPUVM_PT_PGSIZE_1G)

static const struct sparse_way ways[] = {
	{ "cold", "dummy, shared, file's first sparse op", DUMMY, false, false,
	  0 },
	{ "shared", "dummy, shared tables, dummy made", DUMMY, false, true, 0 },
	{ "private", "dummy, private tables, dummy made", DUMMY, true, true,
	  0 },
	{ "null", "NULL, 4K|2M", GPUVM_DRV_SPARSE_NULL, false, false, 0 },
	{ "null1g", "NULL, 4K|2M|1G (1 GiB blocks)", GPUVM_DRV_SPARSE_NULL,
	  false, false, PGS_1G },
};

struct sparse_run {
	const struct sparse_way *way;
	uint64_t va, size;
	bool checked;
};

static int sparse_once(void *ctx, struct bench_sample *s)
{
	struct sparse_run *c = ctx;
	struct gpuvm_drv_device_cfg cfg = {
		.sparse = c->way->kind, .unchecked = true,
		.private_sparse_tables = c->way->private_tables,
		.pgsizes = c->way->pgsizes, .ram = SPARSE_RAM,
	};
	struct bench_sample before;
	struct bench_vm b;
	uint64_t t0;
	int ret = bench_vm_open(&b, &cfg);

	if (!ret && c->way->dummy_made)
		ret = bench_vm_make_dummy(&b);
	if (!ret)
		ret = bench_vm_counts(&b, &before);
	if (ret) {
		bench_vm_close(&b);
		return ret;
	}
	t0 = bench_now_ns();
	ret = bench_vm_bind1(&b, GPUVM_DRV_OP_MAP_SPARSE |
			     GPUVM_DRV_OP_MAP_NOEXEC, 0, 0, c->va, c->size);
	s->ns = (double)(bench_now_ns() - t0);
	s->ops = 1;
	if (!ret)
		ret = bench_vm_counts(&b, s);
	s->pte_writes -= before.pte_writes;
	if (!ret && !c->checked)
		ret = gpuvm_drv_vm_check(b.file, b.vm, stderr);
	c->checked = true;
	bench_vm_close(&b);
	return ret;
}

/*
 * Whether the whole-range run of a way may go: from its small-range row,
 * scaled. Writes the reason into why when not.
 */
static bool predict_ok(const struct bench_report *r, const char *small_key,
		       double scale, double limit, char *why, size_t len)
{
	const struct bench_row *row = bench_find(r, small_key);
	double ns, bytes;

	if (!row || row->skipped) {
		snprintf(why, len, "not run: the smaller-range row did not");
		return false;
	}
	ns = row->median_ns * scale;
	bytes = (double)row->pt_reserved * scale * (double)GPUVM_SZ_4K;
	if (ns <= limit && bytes <= (double)SPARSE_RAM * 0.75)
		return true;
	snprintf(why, len, "not run: its smaller-range row, scaled, predicts "
		 "%.1f s and %.0f MiB of tables a run (limit %.1f s)",
		 ns / 1e9, bytes / (double)(1u << 20), limit / 1e9);
	return false;
}

static int sparse_row(struct bench_report *r, const struct bench_opts *o,
		      const struct sparse_way *w, const char *range,
		      uint64_t va, uint64_t size, const char *small_key,
		      double scale)
{
	struct sparse_run c = { .way = w, .va = va, .size = size };
	char group[40], key[32], name[64], why[112];
	double limit = o->quick ? LIMIT_QUICK_NS : LIMIT_NS;

	snprintf(group, sizeof(group), "sparse %s", range);
	snprintf(key, sizeof(key), "sparse.%s.%s", small_key ? "all" : "small",
		 w->key);
	snprintf(name, sizeof(name), "%s", w->name);
	if (small_key && !predict_ok(r, small_key, scale, limit, why,
				     sizeof(why)))
		return bench_skip(r, group, key, name, why);
	return bench_repeat(r, bench_reps(o), group, key, name, sparse_once,
			    &c, NULL);
}

int bench_sparse(struct bench_report *r, const struct bench_opts *o)
{
	uint64_t small = o->quick ? 16 * GPUVM_SZ_1G : TIB;
	uint64_t whole = 1ull << 47; /* the default VM's user VA */
	double scale = (double)whole / (double)small;
	char range[40], small_key[32];
	unsigned int i;
	int ret = 0;

	if (small >= TIB)
		snprintf(range, sizeof(range), "%llu TiB at 4 GiB",
			 (unsigned long long)(small / TIB));
	else
		snprintf(range, sizeof(range), "%llu GiB at 4 GiB",
			 (unsigned long long)(small >> 30));
	for (i = 0; !ret && i < sizeof(ways) / sizeof(ways[0]); i++)
		ret = sparse_row(r, o, &ways[i], range, SPARSE_VA, small,
				 NULL, 0);
	for (i = 0; !ret && i < sizeof(ways) / sizeof(ways[0]); i++) {
		snprintf(small_key, sizeof(small_key), "sparse.small.%s",
			 ways[i].key);
		ret = sparse_row(r, o, &ways[i], "whole user VA (128 TiB)", 0,
				 whole, small_key, scale);
	}
	return ret;
}
