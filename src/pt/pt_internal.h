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

/* ------------------------------------------------------------------ */
/* Sources: the cursor                                                 */

/* Where a walk's source is, cached over one physically linear stretch. */
struct cursor {
	const struct gpuvm_pt_src *src;
	uint64_t iova, pa, end;   /* [iova, end) maps linearly from pa */
};

static inline void cursor_init(struct cursor *c,
			       const struct gpuvm_pt_src *src)
{
	c->src = src;
	c->iova = c->end = 0;
	c->pa = 0;
}

/* PA behind x, and the bytes from x on that are physically linear. */
static inline uint64_t cursor_pa(struct cursor *c, uint64_t x,
				 uint64_t *contig)
{
	if (x < c->iova || x >= c->end) {
		uint64_t n;

		c->pa = c->src->pa_at(c->src->cookie, x, &n);
		c->iova = x;
		c->end = x + n < x ? UINT64_MAX : x + n;
	}
	*contig = c->end - x;
	return c->pa + (x - c->iova);
}

/* ------------------------------------------------------------------ */
/* The leaf-fit rule (pt.c's counting, applying, validation; shared.c) */

/*
 * Whether a page table with page sizes pgsizes may hold a leaf at level:
 * level 3 always (4 KiB pages are mandatory), levels 1 and 2 if their
 * block size is supported, level 0 never (the format has no 512 GiB
 * blocks).
 */
static inline bool pt_size_ok(uint64_t pgsizes, unsigned int level)
{
	return level == 3 ||
	       (level > 0 && (pgsizes & gpuvm_pt_level_size(level)));
}

/*
 * One leaf of this level can map exactly [x, nx): its page size is
 * supported, [x, nx) is one whole aligned entry of the level, and either
 * the leaf is a NULL leaf (no address) or the source maps the entry
 * linearly from a PA aligned to the entry's size. The cursor is read only
 * when the shape fits, so a range that cannot hold a leaf costs no source
 * lookup.
 */
static inline bool pt_leaf_fits(uint64_t pgsizes, struct cursor *cur,
				bool null, unsigned int level, uint64_t x,
				uint64_t nx)
{
	uint64_t size = gpuvm_pt_level_size(level), pa, contig;

	if (!pt_size_ok(pgsizes, level) || nx - x != size || (x & (size - 1)))
		return false;
	if (null)
		return true;
	pa = cursor_pa(cur, x, &contig);
	return !(pa & (size - 1)) && contig >= size;
}

#endif
