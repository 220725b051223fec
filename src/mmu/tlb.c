// SPDX-License-Identifier: MIT
/*
 * DOC: TLB allocation and invalidation
 *
 * Lookups and inserts are inline in tlb.h; what is left here is the part
 * that is allowed to cost: setting up and invalidating.
 *
 * An invalidation looks at each array in whichever way is cheaper: a
 * range spanning fewer pages of that array's size than it has entries
 * probes only the slots those pages map to (an entry for page p can only
 * be in slot p & mask); a larger range scans the whole array once. So
 * invalidating one page costs three probes, and invalidating everything
 * costs one pass, never more than a full flush.
 */
#include <errno.h>
#include <stdlib.h>

#include "mmu/tlb.h"

int gpuvm_tlb_init(struct gpuvm_tlb *t, unsigned int entries4k)
{
	const uint64_t n[GPUVM_TLB_SIZES] = {
		entries4k, GPUVM_TLB_2M_ENTRIES, GPUVM_TLB_1G_ENTRIES,
	};
	struct gpuvm_tlb_entry *e;

	/* calloc: a zero tag is an invalid entry. */
	e = calloc(n[0] + n[1] + n[2], sizeof(*e));
	if (!e)
		return -ENOMEM;
	t->mem = e;
	for (unsigned int i = 0; i < GPUVM_TLB_SIZES; i++) {
		t->a[i].e = e;
		t->a[i].mask = n[i] - 1;
		e += n[i];
	}
	return 0;
}

void gpuvm_tlb_fini(struct gpuvm_tlb *t)
{
	free(t->mem);
	t->mem = NULL;
}

static uint64_t drop_if(struct gpuvm_tlb_entry *e, unsigned int shift,
			uint64_t first, uint64_t lastp)
{
	uint64_t tag = TLB_LOAD(&e->tag), p = tag >> shift;

	if (!(tag & GPUVM_TLB_VALID) || p < first || p > lastp)
		return 0;
	return gpuvm_tlb_drop(e, tag);
}

/* Pages first..lastp (of this array's page size), inclusive. */
static uint64_t invalidate_array(struct gpuvm_tlb_array *a, unsigned int shift,
				 uint64_t first, uint64_t lastp)
{
	uint64_t dropped = 0;

	if (lastp - first >= a->mask) {
		for (uint64_t i = 0; i <= a->mask; i++)
			dropped += drop_if(&a->e[i], shift, first, lastp);
		return dropped;
	}
	for (uint64_t p = first; p <= lastp; p++)
		dropped += drop_if(&a->e[p & a->mask], shift, first, lastp);
	return dropped;
}

uint64_t gpuvm_tlb_invalidate(struct gpuvm_tlb *t, uint64_t va, uint64_t last)
{
	uint64_t dropped = 0;

	for (unsigned int i = 0; i < GPUVM_TLB_SIZES; i++) {
		unsigned int shift = gpuvm_tlb_shift(i);

		dropped += invalidate_array(&t->a[i], shift, va >> shift,
					    last >> shift);
	}
	return dropped;
}

uint64_t gpuvm_tlb_invalidate_all(struct gpuvm_tlb *t)
{
	return gpuvm_tlb_invalidate(t, 0, UINT64_MAX);
}
