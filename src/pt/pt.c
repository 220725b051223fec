// SPDX-License-Identifier: MIT
/*
 * DOC: page tables
 *
 * Descriptors live in simulated memory; the only host-side state is one
 * small record per table page (its count of valid entries and a link for
 * the free queue), kept in an array indexed by frame number and reserved
 * lazily like the memory itself. The counts make "is this table empty"
 * O(1), which is what lets unmap free tables without rescanning them.
 *
 * Every operation is a walk over levels that visits only the entries of
 * its range, and only the tables that exist: mapping or unmapping costs
 * what it changes, not what the VM holds.
 *
 * The work is split by step, one file each (docs/pt.md): resv.c counts
 * and reserves, apply.c applies, splits, prunes and releases, walk.c
 * reads (translations, leaf walks, validation, printing), shared.c builds
 * shared tables. This file keeps what every step starts from: creating
 * and destroying an instance and its accessors, the linear source, the
 * prot-to-attributes mapping and the range check every change makes.
 * The host-side records and the per-entry helpers are in pt_internal.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pt/pt_internal.h"

/* ------------------------------------------------------------------ */
/* Sources, ranges and attributes                                      */

static uint64_t linear_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct gpuvm_pt_linear *l = cookie;

	*contig = UINT64_MAX - iova;
	return l->pa + (iova - l->iova);
}

void gpuvm_pt_linear_init(struct gpuvm_pt_linear *l, uint64_t iova,
			  uint64_t pa)
{
	if (!l)
		return;
	l->src.pa_at = linear_pa_at;
	l->src.cookie = l;
	l->src.shared = NULL;
	l->iova = iova;
	l->pa = pa;
}

int pt_check_range(const struct gpuvm_pt *pt, uint64_t iova, uint64_t size)
{
	uint64_t end = iova + size;

	if (!size || end < iova || ((iova | size) & (GPUVM_SZ_4K - 1)))
		return -EINVAL;
	if (pt->va_bits < 64 && end > (1ull << pt->va_bits))
		return -EINVAL;
	return 0;
}

uint64_t gpuvm_pt_prot_attrs(uint32_t prot)
{
	uint64_t a = GPUVM_PTE_AF | GPUVM_PTE_NG | GPUVM_PTE_AP_UNPRIV;

	if (prot & GPUVM_PT_PROT_UNCACHED)
		a |= (uint64_t)GPUVM_PT_ATTR_UNCACHED << GPUVM_PTE_ATTRINDX_SHIFT |
		     GPUVM_PTE_SH_OS;
	else
		a |= (uint64_t)GPUVM_PT_ATTR_CACHED << GPUVM_PTE_ATTRINDX_SHIFT |
		     GPUVM_PTE_SH_IS;
	if (prot & GPUVM_PT_PROT_READONLY)
		a |= GPUVM_PTE_AP_RDONLY;
	if (prot & GPUVM_PT_PROT_NOEXEC)
		a |= GPUVM_PTE_XN | GPUVM_PTE_PXN;
	if (prot & GPUVM_PT_PROT_NULL)
		a |= GPUVM_PTE_SW_NULL;
	return a;
}

/* ------------------------------------------------------------------ */
/* Instances                                                           */

static int check_cfg(const struct gpuvm_pt_cfg *cfg)
{
	uint64_t allowed = GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M |
			   GPUVM_PT_PGSIZE_1G;

	struct gpuvm_mem_view v;

	if (!cfg->mem || cfg->va_bits < 32 || cfg->va_bits > 48)
		return -EINVAL;
	/* Tables are written through host pointers (apply.c's runs). */
	gpuvm_mem_get_view(cfg->mem, &v);
	if (!v.base)
		return -EOPNOTSUPP;
	if (!(cfg->pgsizes & GPUVM_PT_PGSIZE_4K) || (cfg->pgsizes & ~allowed))
		return -EINVAL;
	return 0;
}

int gpuvm_pt_create(const struct gpuvm_pt_cfg *cfg, struct gpuvm_pt **out)
{
	struct gpuvm_mem_stats ms;
	struct gpuvm_pt *pt;
	void *meta;
	int ret;

	if (!cfg || !out)
		return -EINVAL;
	ret = check_cfg(cfg);
	if (ret)
		return ret;
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	gpuvm_mem_stats(cfg->mem, &ms);
	pt->meta_bytes = ms.frames_total * sizeof(struct pt_meta);
	meta = mmap(NULL, pt->meta_bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (meta == MAP_FAILED) {
		free(pt);
		return -ENOMEM;
	}
	pt->meta = meta;
	pt->mem = cfg->mem;
	pt->va_bits = cfg->va_bits;
	pt->start_level = gpuvm_pt_start_level_for(cfg->va_bits);
	pt->pgsizes = cfg->pgsizes;
	ret = gpuvm_mem_alloc(pt->mem, GPUVM_SZ_4K, GPUVM_MEM_PT, &pt->root);
	if (ret) {
		munmap(pt->meta, pt->meta_bytes);
		free(pt);
		return ret;
	}
	pt->st.table_pages = 1;
	*out = pt;
	return 0;
}

static void free_tables(struct gpuvm_pt *pt, unsigned int level,
			uint64_t table)
{
	unsigned int i;

	for (i = 0; level < 3 && i < GPUVM_PT_ENTRIES; i++) {
		uint64_t d = rd(pt, table + 8 * i);

		if (!gpuvm_pte_is_table(d, level))
			continue;
		if (is_shared(pt, gpuvm_pte_addr(d)))
			pt_unlink_shared(pt, gpuvm_pte_addr(d));
		else
			free_tables(pt, level + 1, gpuvm_pte_addr(d));
	}
	gpuvm_mem_free(pt->mem, table, GPUVM_SZ_4K, GPUVM_MEM_PT);
}

void gpuvm_pt_destroy(struct gpuvm_pt *pt)
{
	if (!pt)
		return;
	free_tables(pt, pt->start_level, pt->root);
	munmap(pt->meta, pt->meta_bytes);
	free(pt);
}

/* The NULL answers are pt.h's: no table, no level, no width, no sizes. */
uint64_t gpuvm_pt_root(const struct gpuvm_pt *pt)
{
	return pt ? pt->root : UINT64_MAX;
}

unsigned int gpuvm_pt_start_level(const struct gpuvm_pt *pt)
{
	return pt ? pt->start_level : GPUVM_PT_LEVELS;
}

unsigned int gpuvm_pt_va_bits(const struct gpuvm_pt *pt)
{
	return pt ? pt->va_bits : 0;
}

uint64_t gpuvm_pt_pgsizes(const struct gpuvm_pt *pt)
{
	return pt ? pt->pgsizes : 0;
}

/* ------------------------------------------------------------------ */
/* Tracing                                                             */

int gpuvm_pt_set_trace(struct gpuvm_pt *pt, const struct gpuvm_pt_trace *trace)
{
	if (!pt)
		return -EINVAL;
	if (trace && trace->desc_write) {
		pt->trace_store = *trace;
		pt->trace = &pt->trace_store;
	} else {
		pt->trace = NULL;
		memset(&pt->trace_store, 0, sizeof(pt->trace_store));
	}
	return 0;
}

__attribute__((cold)) void pt_wr_traced(struct gpuvm_pt *pt, uint64_t pa,
					unsigned int level, uint64_t d)
{
	uint64_t old = gpuvm_mem_read64(pt->mem, pa);

	gpuvm_mem_write64(pt->mem, pa, d);
	pt->st.pte_writes++;
	pt->trace->desc_write(pt->trace->cookie, pa, level, old, d);
}

void gpuvm_pt_stats(const struct gpuvm_pt *pt, struct gpuvm_pt_stats *st)
{
	if (!st)
		return;
	if (!pt) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = pt->st;
}
