// SPDX-License-Identifier: MIT
/*
 * DOC: sources: what a mapping puts in the page tables
 *
 * The page-table code asks a source for the physical address behind
 * each VA and how far it runs contiguously (struct gpuvm_pt_src). A
 * mapping's source follows from its kind: a BO maps its offsets, a
 * repeat mapping wraps around its region, a sparse range maps the file's
 * dummy cyclically or writes NULL leaves. The same source says what the
 * tables must hold, so check compares them with it, and restore remaps
 * an evicted mapping from it exactly as it was.
 */
#include "drv/drv_internal.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t bo_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct drv_src *s = cookie;

	return gpuvm_mem_bo_pa(s->mem, s->va->offset + (iova - s->va->addr),
			       contig);
}

/* Contiguity stops where the repeated region wraps around. */
static uint64_t repeat_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct drv_src *s = cookie;
	const struct gpuvm_va *va = s->va;
	uint64_t r = (iova - va->addr + va->phase) % va->repeat, c, pa;

	pa = gpuvm_mem_bo_pa(s->mem, va->offset + r, &c);
	*contig = min_u64(c, va->repeat - r);
	return pa;
}

/* VA x maps dummy offset x mod 2 MiB: a property of the address alone,
 * so any piece of a sparse range stays cyclic without bookkeeping. */
static uint64_t dummy_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct drv_src *s = cookie;
	uint64_t r = iova & (DRV_DUMMY_SIZE - 1), c, pa;

	pa = gpuvm_mem_bo_pa(s->mem, r, &c);
	*contig = min_u64(c, DRV_DUMMY_SIZE - r);
	return pa;
}

uint32_t drv_prot_of(uint32_t flags)
{
	uint32_t prot = 0;

	if (flags & GPUVM_DRV_OP_MAP_READONLY)
		prot |= GPUVM_PT_PROT_READONLY;
	if (flags & GPUVM_DRV_OP_MAP_NOEXEC)
		prot |= GPUVM_PT_PROT_NOEXEC;
	if (flags & GPUVM_DRV_OP_MAP_UNCACHED)
		prot |= GPUVM_PT_PROT_UNCACHED;
	return prot;
}

/*
 * While a BO is evicted its physical addresses are unknown. To estimate
 * what a bind of it will need before bringing it back, count as if it
 * were one aligned run at PA 0: cheap (whole entries count in closed
 * form) and usually right. The real count follows once the BO is back,
 * so an estimate only decides how much room to make first. Such a source
 * is only ever counted with, never written.
 */
static uint64_t estimate_pa_at(void *cookie, uint64_t iova, uint64_t *contig)
{
	const struct drv_src *s = cookie;
	const struct gpuvm_va *va = s->va;
	uint64_t off = gpuvm_va_bo_offset_at(va, iova);

	if (va->kind == GPUVM_VA_REPEAT)
		*contig = va->offset + va->repeat - off;
	else if (va->kind == GPUVM_VA_BO)
		*contig = gpuvm_va_end(va) - iova;
	else
		*contig = DRV_DUMMY_SIZE - (off = iova & (DRV_DUMMY_SIZE - 1));
	return off;
}

uint32_t drv_src_init(struct drv_src *s, struct gpuvm_drv_file *file,
		      const struct gpuvm_va *va)
{
	uint32_t prot = drv_prot_of(va->flags);

	s->va = va;
	s->src.cookie = s;
	s->src.pa_at = bo_pa_at;
	s->src.shared = NULL;
	s->mem = NULL;
	switch (va->kind) {
	case GPUVM_VA_BO:
		s->mem = drv_bo_of(va)->mem;
		break;
	case GPUVM_VA_REPEAT:
		s->mem = drv_bo_of(va)->mem;
		s->src.pa_at = repeat_pa_at;
		break;
	case GPUVM_VA_SPARSE:
		s->src.shared = drv_sparse_tables(file, prot);
		if (file->dev->cfg.sparse == GPUVM_DRV_SPARSE_NULL) {
			s->src.pa_at = NULL;
			prot |= GPUVM_PT_PROT_NULL;
		} else {
			s->mem = file->dummy ? file->dummy->mem : NULL;
			s->src.pa_at = dummy_pa_at;
		}
		break;
	}
	if (!s->mem && s->src.pa_at) {
		s->src.pa_at = estimate_pa_at;
		s->src.shared = NULL;
	}
	return prot;
}
