// SPDX-License-Identifier: MIT
/*
 * DOC: GPU accesses through the MMU
 *
 * 8-byte reads through a translated address space, two patterns:
 *
 *  - TLB-hit-heavy: every read lands in a 16-page working set, which the
 *    TLB (256 direct-mapped 4 KiB entries by default) holds after the
 *    first pass: the figure is the hot path, a TLB probe and a copy;
 *  - TLB-miss-heavy: reads stride page by page over 4096 pages, 16 times
 *    what the TLB holds, so with direct mapping every read evicts the
 *    entry the next lap would need: every read is a four-level walk.
 *
 * The tables use 4 KiB pages only; with 2 MiB blocks the 16 MiB region
 * would be eight TLB entries and nothing would miss.
 *
 * Tracing: the direct rows run with no trace hook set, which must cost
 * nothing (docs/embedding.md: one branch on a walk, none on a hit); one
 * more row repeats the miss-heavy pattern with every MMU trace callback
 * set to an empty function, so the price of tracing when it is on shows
 * next to it.
 *
 * Twice each: through the driver (gpuvm_drv_gpu_access(), what a script
 * or test does: a VM lookup, then gpuvm_mmu_read()) and through the MMU
 * directly, an address space over tables built with gpuvm_pt_map() from
 * a linear source, so the hot path is measured without the driver's
 * lookup. Checked mode is off in both (the speed figure; checked mode
 * walks on every hit by design). Setup is untimed; one untimed pass warms
 * the TLB first, and every repetition is one timed pass.
 */
#include <errno.h>
#include <string.h>

#include "bench.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"

#define REGION_VA (1ull << 32)
#define REGION_PAGES 4096ull
#define REGION_SIZE (REGION_PAGES * GPUVM_SZ_4K)
#define HIT_PAGES 16ull
#define GROUP "GPU reads through the MMU (checked off)"

/* Where the i-th read of a pattern goes. */
static uint64_t hit_va(uint64_t i)
{
	return REGION_VA + (i % HIT_PAGES) * GPUVM_SZ_4K +
	       (i / HIT_PAGES % 512) * 8;
}

static uint64_t miss_va(uint64_t i)
{
	return REGION_VA + (i % REGION_PAGES) * GPUVM_SZ_4K +
	       (i / REGION_PAGES % 512) * 8;
}

struct access {
	uint64_t (*va_of)(uint64_t i);
	uint64_t n;
	/* One of the two paths. */
	struct bench_vm *b;
	struct gpuvm_mmu_as *as;
	int64_t pt_pages;
	uint64_t sink;
};

static int read8(struct access *a, uint64_t va, uint64_t *v)
{
	struct gpuvm_mmu_fault f;

	if (a->as)
		return gpuvm_mmu_read(a->as, va, v, sizeof(*v), &f);
	return gpuvm_drv_gpu_access(a->b->file, a->b->vm, GPUVM_MMU_READ, va,
				    v, sizeof(*v), &f);
}

static int pass(struct access *a)
{
	uint64_t i, v = 0, sum = 0;
	int ret = 0;

	for (i = 0; !ret && i < a->n; i++) {
		ret = read8(a, a->va_of(i), &v);
		sum += v;
	}
	a->sink += sum;
	return ret;
}

static int access_run(void *ctx, struct bench_sample *s)
{
	struct access *a = ctx;
	uint64_t t0 = bench_now_ns();
	int ret = pass(a);

	s->ns = (double)(bench_now_ns() - t0);
	s->ops = a->n;
	s->pt_pages = a->pt_pages;
	return ret;
}

/* ------------------------------------------------------------------ */
/* The two address spaces                                              */

static int drv_setup(struct bench_vm *b, int64_t *pt_pages)
{
	struct gpuvm_drv_device_cfg cfg = {
		.unchecked = true, .pgsizes = GPUVM_PT_PGSIZE_4K,
		.ram = 256ull << 20,
	};
	struct bench_sample s = { .pt_pages = -1 };
	uint32_t bo;
	int ret = bench_vm_open(b, &cfg);

	if (ret)
		return ret;
	ret = gpuvm_drv_bo_create(b->file, REGION_SIZE, 0, 0, &bo);
	if (!ret)
		ret = bench_vm_bind1(b, GPUVM_DRV_OP_TYPE_MAP |
				     GPUVM_DRV_OP_MAP_NOEXEC, bo, 0,
				     REGION_VA, REGION_SIZE);
	if (!ret)
		ret = bench_vm_counts(b, &s);
	*pt_pages = s.pt_pages;
	return ret;
}

struct direct {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	struct gpuvm_mmu_as *as;
};

static int direct_tables(struct direct *d)
{
	struct gpuvm_pt_cfg pc = {
		.mem = d->mem, .va_bits = 48, .pgsizes = GPUVM_PT_PGSIZE_4K,
	};
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	uint64_t pa;
	int ret = gpuvm_mem_alloc(d->mem, REGION_SIZE, GPUVM_MEM_BO, &pa);

	if (!ret)
		ret = gpuvm_pt_create(&pc, &d->pt);
	if (ret)
		return ret;
	gpuvm_pt_linear_init(&lin, REGION_VA, pa);
	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_map(d->pt, REGION_VA, REGION_SIZE, &lin.src,
			   GPUVM_PT_PROT_NOEXEC, &g);
	gpuvm_pt_gather_release(d->pt, &g);
	return ret;
}

static int direct_setup(struct direct *d, int64_t *pt_pages)
{
	struct gpuvm_mem_cfg mc = { .size = 64ull << 20 };
	struct gpuvm_mmu_as_cfg ac = { .va_bits = 48, .checked = false };
	struct gpuvm_pt_stats ps;
	int ret = gpuvm_mem_create(&mc, &d->mem);

	if (!ret)
		ret = direct_tables(d);
	if (ret)
		return ret;
	ac.mem = d->mem;
	ac.root = gpuvm_pt_root(d->pt);
	gpuvm_pt_stats(d->pt, &ps);
	*pt_pages = (int64_t)ps.table_pages;
	return gpuvm_mmu_as_create(&ac, &d->as);
}

static void direct_free(struct direct *d)
{
	gpuvm_mmu_as_destroy(d->as);
	if (d->pt)
		gpuvm_pt_destroy(d->pt);
	gpuvm_mem_destroy(d->mem);
}

/* ------------------------------------------------------------------ */

/* What the MMU counted over the timed runs, per read. */
static void hit_note(struct bench_row *row, struct gpuvm_mmu_as *as,
		     const struct gpuvm_mmu_stats *before, unsigned int reps)
{
	struct gpuvm_mmu_stats st;
	double hits, all, reads = (double)row->ops * reps;

	gpuvm_mmu_stats(as, &st);
	hits = (double)(st.hits - before->hits);
	all = hits + (double)(st.misses - before->misses);
	snprintf(row->note, sizeof(row->note), "TLB hit rate %.2f%%, %.2f "
		 "walks and %.2f descriptor reads per read",
		 all > 0 ? 100 * hits / all : 0,
		 (double)(st.walks - before->walks) / reads,
		 (double)(st.walk_reads - before->walk_reads) / reads);
}

static int patterns(struct bench_report *r, const struct bench_opts *o,
		    struct access *a, const char *path)
{
	static const char *const what[2] = { "hit", "miss" };
	uint64_t (*const va_of[2])(uint64_t) = { hit_va, miss_va };
	struct gpuvm_mmu_stats before = { 0 };
	struct bench_row *row;
	char key[32], name[64];
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < 2; i++) {
		a->va_of = va_of[i];
		a->n = o->quick ? 100000 : (i ? 1000000 : 4000000);
		ret = pass(a); /* warm-up, untimed */
		snprintf(key, sizeof(key), "mmu.%s.%s", path, what[i]);
		snprintf(name, sizeof(name), "%s: 8-byte reads, TLB-%s-heavy",
			 path, what[i]);
		if (!ret && a->as)
			gpuvm_mmu_stats(a->as, &before);
		if (!ret)
			ret = bench_repeat(r, bench_reps(o), GROUP, key, name,
					   access_run, a, &row);
		if (!ret && a->as)
			hit_note(row, a->as, &before, bench_reps(o));
	}
	return ret;
}

/*
 * A simulator's own loads through host pointers: one pointer per page it
 * uses (a softmmu TLB in miniature), refreshed when it goes stale; the
 * hit is gpuvm_mmu_hptr_at() and a load.
 */
struct hptr_run {
	struct gpuvm_mmu_as *as;
	struct gpuvm_mmu_hptr h[HIT_PAGES];
	uint64_t n, sink;
};

static int hptr_pass(struct hptr_run *hr)
{
	uint64_t i, v, sum = 0;

	for (i = 0; i < hr->n; i++) {
		uint64_t va = hit_va(i);
		struct gpuvm_mmu_hptr *h = &hr->h[i % HIT_PAGES];
		void *p = gpuvm_mmu_hptr_at(h, va, sizeof(v));

		if (!p) {
			int ret = gpuvm_mmu_hptr_get(hr->as, va, GPUVM_MMU_READ,
						     h, NULL);

			if (ret)
				return ret;
			p = gpuvm_mmu_hptr_at(h, va, sizeof(v));
		}
		memcpy(&v, p, sizeof(v));
		sum += v;
	}
	hr->sink += sum;
	return 0;
}

static int hptr_run(void *ctx, struct bench_sample *s)
{
	struct hptr_run *hr = ctx;
	uint64_t t0 = bench_now_ns();
	int ret = hptr_pass(hr);

	s->ns = (double)(bench_now_ns() - t0);
	s->ops = hr->n;
	return ret;
}

static int hptr_row(struct bench_report *r, const struct bench_opts *o,
		    struct gpuvm_mmu_as *as)
{
	struct hptr_run hr;
	int ret;

	memset(&hr, 0, sizeof(hr));
	hr.as = as;
	hr.n = o->quick ? 100000 : 4000000;
	ret = hptr_pass(&hr); /* warm-up: gets the pointers */
	return ret ? ret : bench_repeat(r, bench_reps(o), GROUP,
					"mmu.hptr.hit",
					"host pointers: 8-byte reads, hits",
					hptr_run, &hr, NULL);
}

/* Empty trace callbacks: what any tracing costs, printing apart. */
static void nop_start(void *ck, uint64_t va, enum gpuvm_mmu_access acc)
{
	(void)ck;
	(void)va;
	(void)acc;
}

static void nop_read(void *ck, uint64_t va, unsigned int level, uint64_t pa,
		     uint64_t desc)
{
	(void)ck;
	(void)va;
	(void)level;
	(void)pa;
	(void)desc;
}

static void nop_end(void *ck, uint64_t va, enum gpuvm_mmu_fault_kind k,
		    unsigned int level, unsigned int reads)
{
	(void)ck;
	(void)va;
	(void)k;
	(void)level;
	(void)reads;
}

static void nop_insert(void *ck, uint64_t va, uint64_t size, uint64_t pa,
		       uint64_t desc)
{
	(void)ck;
	(void)va;
	(void)size;
	(void)pa;
	(void)desc;
}

/* The miss-heavy pattern again, with every walk event delivered. */
static int traced_misses(struct bench_report *r, const struct bench_opts *o,
			 struct access *a)
{
	const struct gpuvm_mmu_trace t = {
		.walk_start = nop_start, .desc_read = nop_read,
		.walk_end = nop_end, .tlb_insert = nop_insert,
	};
	int ret = gpuvm_mmu_set_trace(a->as, &t);

	a->va_of = miss_va;
	a->n = o->quick ? 100000 : 1000000;
	if (!ret)
		ret = pass(a);
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), GROUP, "mmu.mmu.miss_traced",
				   "mmu: TLB-miss-heavy, trace hooks set",
				   access_run, a, NULL);
	gpuvm_mmu_set_trace(a->as, NULL);
	return ret;
}

int bench_mmu(struct bench_report *r, const struct bench_opts *o)
{
	struct access a;
	struct bench_vm b;
	struct direct d = { 0 };
	int ret;

	memset(&a, 0, sizeof(a));
	a.b = &b;
	ret = drv_setup(&b, &a.pt_pages);
	if (!ret)
		ret = patterns(r, o, &a, "drv");
	bench_vm_close(&b);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	ret = direct_setup(&d, &a.pt_pages);
	a.as = d.as;
	if (!ret)
		ret = patterns(r, o, &a, "mmu");
	if (!ret)
		ret = hptr_row(r, o, d.as);
	if (!ret)
		ret = traced_misses(r, o, &a);
	direct_free(&d);
	return ret;
}
