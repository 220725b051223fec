// SPDX-License-Identifier: MIT
/*
 * DOC: mapping 1 GiB with 4 KiB pages, against memset
 *
 * The floor for writing N descriptors is writing N x 8 bytes. Mapping
 * 1 GiB with 4 KiB pages only (a pt with pgsizes 4K, gpuvm_pt_map() from
 * a linear source) writes 262,144 descriptors into 512 fresh level-3
 * tables; memset() of 2 MiB of host memory writes the same bytes with
 * nothing else to do. The ratio of the two is what the page-table code
 * costs above the stores themselves: walking, table allocation (frames
 * are handed out zeroed), counting and the reservation step.
 *
 * A third row maps the same with a descriptor-write trace hook set to
 * an empty function: every descriptor is then stored and reported one by
 * one. The first row has no hook, which must cost nothing (one branch
 * per run of pages, docs/embedding.md).
 *
 * Both sides are warm, so neither pays for host page faults the other
 * does not: the simulated memory is created once and the tables of one
 * run are freed before the next takes the same frames; the memset buffer
 * is touched once before timing. Each run times only the map (table
 * creation and destruction are outside), or only the memset, whose
 * result is read back through a volatile pointer so it cannot be
 * dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gpuvm/pt.h"

#define MAP_VA (1ull << 32)

struct ptmap {
	struct gpuvm_mem *mem;
	uint64_t size, src_pa;
	unsigned char *buf;
	unsigned int run;
	unsigned char seen;
	bool traced;
	uint64_t writes_seen;
};

static void count_write(void *cookie, uint64_t pa, unsigned int level,
			uint64_t old, uint64_t desc)
{
	(void)pa;
	(void)level;
	(void)old;
	(void)desc;
	((struct ptmap *)cookie)->writes_seen++;
}

static int map_run(void *ctx, struct bench_sample *s)
{
	struct ptmap *c = ctx;
	struct gpuvm_pt_cfg pc = {
		.mem = c->mem, .va_bits = 48, .pgsizes = GPUVM_PT_PGSIZE_4K,
	};
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	struct gpuvm_pt_stats st;
	struct gpuvm_pt *pt;
	uint64_t t0;
	int ret = gpuvm_pt_create(&pc, &pt);

	if (ret)
		return ret;
	if (c->traced) {
		const struct gpuvm_pt_trace tr = { .cookie = c,
						   .desc_write = count_write };

		(void)gpuvm_pt_set_trace(pt, &tr); /* pt is not NULL */
	}
	gpuvm_pt_linear_init(&lin, MAP_VA, c->src_pa);
	gpuvm_pt_gather_init(&g);
	t0 = bench_now_ns();
	ret = gpuvm_pt_map(pt, MAP_VA, c->size, &lin.src, GPUVM_PT_PROT_NOEXEC,
			   &g);
	s->ns = (double)(bench_now_ns() - t0);
	gpuvm_pt_gather_release(pt, &g);
	gpuvm_pt_stats(pt, &st);
	s->ops = c->size / GPUVM_SZ_4K;
	s->pte_writes = (int64_t)st.pte_writes;
	s->pt_pages = (int64_t)st.table_pages;
	s->pt_reserved = (int64_t)st.reserved_peak;
	gpuvm_pt_destroy(pt);
	return ret;
}

static int memset_run(void *ctx, struct bench_sample *s)
{
	struct ptmap *c = ctx;
	uint64_t len = c->size / GPUVM_SZ_4K * 8, t0;
	int fill = 1 + (int)(c->run++ % 250);

	t0 = bench_now_ns();
	memset(c->buf, fill, len);
	s->ns = (double)(bench_now_ns() - t0);
	c->seen ^= ((volatile unsigned char *)c->buf)[c->run * 4099 % len];
	s->ops = c->size / GPUVM_SZ_4K;
	return 0;
}

static int ptmap_setup(struct ptmap *c)
{
	struct gpuvm_mem_cfg mc = { .size = 2 * GPUVM_SZ_1G };
	uint64_t len = c->size / GPUVM_SZ_4K * 8;
	int ret;

	c->buf = malloc(len);
	if (!c->buf)
		return -ENOMEM;
	memset(c->buf, 0, len); /* fault it in */
	ret = gpuvm_mem_create(&mc, &c->mem);
	if (!ret)
		ret = gpuvm_mem_alloc(c->mem, c->size, GPUVM_MEM_BO,
				      &c->src_pa);
	return ret;
}

int bench_ptmap(struct bench_report *r, const struct bench_opts *o)
{
	struct ptmap c = { .size = o->quick ? 256ull << 20 : GPUVM_SZ_1G };
	const char *group = "4 KiB pages vs memset of the descriptors";
	char name[64];
	int ret = ptmap_setup(&c);

	snprintf(name, sizeof(name), "pt map %llu %s, 4 KiB pages only",
		 (unsigned long long)(c.size >= GPUVM_SZ_1G ? c.size >> 30
							    : c.size >> 20),
		 c.size >= GPUVM_SZ_1G ? "GiB" : "MiB");
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), group, "ptmap.map", name,
				   map_run, &c, NULL);
	c.traced = true;
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), group, "ptmap.map_traced",
				   "pt map, 4 KiB pages, trace hook set",
				   map_run, &c, NULL);
	c.traced = false;
	snprintf(name, sizeof(name), "memset %llu KiB (same descriptor bytes)",
		 (unsigned long long)(c.size / GPUVM_SZ_4K * 8 >> 10));
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), group, "ptmap.memset",
				   name, memset_run, &c, NULL);
	gpuvm_mem_destroy(c.mem);
	free(c.buf);
	return ret;
}
