/* SPDX-License-Identifier: MIT */
/*
 * The end of a page-table transaction, as a driver does it (src/drv/vm.c,
 * drv_vm_flush): the MMU forgets the changed range, then the tables the
 * transaction unlinked go back. The MMU only invalidates; freeing is the
 * caller's, as io-pgtable leaves it to its caller.
 */
#ifndef GPUVM_TESTS_FLUSH_GATHER_H
#define GPUVM_TESTS_FLUSH_GATHER_H

#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"

static inline void flush_gather(struct gpuvm_mmu_as *as, struct gpuvm_pt *pt,
				struct gpuvm_pt_gather *g)
{
	if (!gpuvm_pt_gather_empty(g))
		gpuvm_mmu_invalidate(as, g->start, g->end - g->start);
	gpuvm_pt_gather_release(pt, g);
}

#endif
