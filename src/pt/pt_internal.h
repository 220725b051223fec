/* SPDX-License-Identifier: MIT */
/* Internals shared by pt.c and shared.c. */
#ifndef GPUVM_PT_INTERNAL_H
#define GPUVM_PT_INTERNAL_H

#include "gpuvm/pt.h"

/* "No table here": PA 0 is a valid table address. */
#define NO_TABLE UINT64_MAX

/*
 * A set of shared tables: table[L] is the level-L table that maps one
 * whole level-(L-1) entry, or NO_TABLE where that entry is a leaf
 * itself or cannot be shared. leaves[L] counts the logical leaves below
 * table[L] by size, ptrs[L] its entries that point at table[L+1].
 */
struct gpuvm_pt_shared {
	struct gpuvm_mem *mem;
	uint64_t attrs;
	uint64_t table[GPUVM_PT_LEVELS];
	uint64_t leaves[GPUVM_PT_LEVELS][3];
	uint64_t ptrs[GPUVM_PT_LEVELS];
	uint64_t pages;
	uint64_t links;       /* descriptors pointing at its tables, anywhere */
};

/* The level of sh's table at pa, or 0 if pa is not one of them. */
static inline unsigned int pt_shared_level(const struct gpuvm_pt_shared *sh,
					   uint64_t pa)
{
	unsigned int level;

	for (level = 1; level < GPUVM_PT_LEVELS; level++)
		if (sh->table[level] == pa)
			return level;
	return 0;
}

#endif
