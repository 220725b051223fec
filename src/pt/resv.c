// SPDX-License-Identifier: MIT
/*
 * DOC: counting and reservations
 *
 * The first step of every transaction: how many table pages a change can
 * take (gpuvm_pt_reserve_map/_unmap and their _worst bounds), and the
 * reservation that holds them (gpuvm_pt_resv_fill/_release). Counting
 * only reads the tables. apply.c calls pt_need()/pt_unmap_need() before
 * it changes anything, to refuse a change the reservation does not cover;
 * taking a page out of a reservation is apply.c's own (take_table), the
 * only place that takes one, so it lives there.
 *
 * DOC: reservation counts
 *
 * need(L, T, [s, e)) is the number of table pages that mapping [s, e)
 * inside the level-L table T (existing, or not yet there) can take. For
 * each level-L entry the range touches, covering [x, nx):
 *
 *  - a leaf fits (pt_leaf_fits(): the entry's size is supported, [x, nx)
 *    is the whole entry, the source is aligned to and contiguous over
 *    it): 0;
 *  - otherwise, if T has a table there: need(L + 1, that table, [x, nx));
 *  - otherwise 1 (the new table) + need(L + 1, none, [x, nx)).
 *
 * For a fresh region mapped from a linear source this is exact, and for a
 * whole entry it has a closed form (full_need below): with page size P
 * the largest supported size <= the entry's that the PA alignment allows,
 * a 1 GiB-entry region needs 0 tables if P = 1 GiB, 1 if P = 2 MiB and
 * 1 + 512 if P = 4 KiB. A map of [s, s + n) at 2 MiB-aligned s and PA,
 * with 4 KiB + 2 MiB pages and nothing mapped near it, therefore takes
 * (tables missing on the path from the root down to level 2 for each
 * 1 GiB region it touches) + one level-3 table for each partial 2 MiB
 * region at its two ends. Panthor instead reserves one page per 512 GiB,
 * 1 GiB and 2 MiB region spanned: 525,314 for 1 TiB, against our 1,026.
 *
 * An existing leaf in the range counts as if it were absent. That makes
 * the sum over a transaction's steps an upper bound whatever their order:
 * an unmap that precedes the map removes the leaf, and nothing is pruned
 * before the transaction ends.
 *
 * Unmap needs pages only to split blocks: a block partially unmapped
 * becomes one table (1) holding the survivors, plus what they need below
 * it: need_hole() counts the block's range minus the unmapped hole, so an
 * entry the hole cuts costs one table however many survivors it keeps.
 * That count is exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt/pt_internal.h"

/* ------------------------------------------------------------------ */
/* Counting                                                            */

/*
 * Tables needed to fill a fresh level-`level` table completely from a
 * source that is linear over it, starting at PA pa.
 */
static uint64_t full_need(const struct map_ctx *c, unsigned int level,
			  uint64_t pa)
{
	uint64_t size = gpuvm_pt_level_size(level);

	if (level == 3 || (pt_size_ok(c->pt->pgsizes, level) &&
			   (c->is_null || !(pa & (size - 1)))))
		return 0;
	return GPUVM_PT_ENTRIES * (1 + full_need(c, level + 1, pa));
}

/* Any valid leaf in the subtree of table (a level-`level` table)? */
static bool has_leaves(const struct gpuvm_pt *pt, unsigned int level,
		       uint64_t table)
{
	unsigned int i;

	if (is_shared(pt, table))
		return true;
	if (!meta_of(pt, table)->valid)
		return false;
	for (i = 0; i < GPUVM_PT_ENTRIES; i++) {
		uint64_t d = rd(pt, table + 8 * i);

		if (gpuvm_pte_is_leaf(d, level) ||
		    (gpuvm_pte_is_table(d, level) &&
		     has_leaves(pt, level + 1, gpuvm_pte_addr(d))))
			return true;
	}
	return false;
}

/* The source maps [x, nx) linearly; *pa is the PA at x. */
static bool linear_over(struct map_ctx *c, uint64_t x, uint64_t nx,
			uint64_t *pa)
{
	uint64_t contig;

	if (c->is_null) {
		*pa = 0;
		return true;
	}
	*pa = cursor_pa(&c->cur, x, &contig);
	return contig >= nx - x;
}

/*
 * pt_need() from the DOC comment. table is NO_TABLE for a table that does
 * not exist yet. strict: an existing leaf in the range is -EEXIST instead
 * of being counted as absent.
 */
int64_t pt_need(struct map_ctx *c, unsigned int level, uint64_t table,
		    uint64_t s, uint64_t e, bool strict)
{
	int64_t n = 0, sub;
	uint64_t x, nx, d, pa;

	/* Nothing lives below a page: only existing leaves to look for. */
	if (level == 3 && (table == NO_TABLE || !strict))
		return 0;
	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		d = table != NO_TABLE ? rd(c->pt, slot_pa(table, x, level)) : 0;
		if (strict && gpuvm_pte_is_leaf(d, level))
			return -EEXIST;
		if (leaf_fits(c, level, x, nx)) {
			/* It will replace a table here, which must be empty. */
			if (strict && gpuvm_pte_is_table(d, level) &&
			    has_leaves(c->pt, level + 1, gpuvm_pte_addr(d)))
				return -EEXIST;
			continue;
		}
		if (!gpuvm_pte_is_table(d, level) && shareable(c, level, x, nx))
			continue;
		if (gpuvm_pte_is_table(d, level) &&
		    is_shared(c->pt, gpuvm_pte_addr(d))) {
			/* Copied before anything changes beneath it. */
			if (strict)
				return -EEXIST;
			sub = pt_need(c, level + 1, gpuvm_pte_addr(d), x, nx,
				      false);
			if (sub >= 0)
				sub++;
		} else if (gpuvm_pte_is_table(d, level)) {
			sub = pt_need(c, level + 1, gpuvm_pte_addr(d), x, nx,
				      strict);
		} else if (nx - x == gpuvm_pt_level_size(level) &&
			   linear_over(c, x, nx, &pa)) {
			sub = 1 + (int64_t)full_need(c, level + 1, pa);
		} else {
			sub = pt_need(c, level + 1, NO_TABLE, x, nx, false);
			if (sub >= 0)
				sub++;
		}
		if (sub < 0)
			return sub;
		n += sub;
		if ((uint64_t)n > c->limit)
			return -ENOMEM;
	}
	return n;
}

int pt_map_ctx_init(struct map_ctx *c, struct gpuvm_pt *pt,
			const struct gpuvm_pt_src *src, uint32_t prot)
{
	if (prot & ~GPUVM_PT_PROT_ALL)
		return -EINVAL;
	if (!(prot & GPUVM_PT_PROT_NULL) && (!src || !src->pa_at))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->pt = pt;
	c->limit = UINT64_MAX;
	c->attrs = gpuvm_pt_prot_attrs(prot);
	/* A set built for other attributes would map the wrong thing. */
	if (src && src->shared && src->shared->attrs == c->attrs)
		c->sh = (struct gpuvm_pt_shared *)src->shared;
	c->is_null = prot & GPUVM_PT_PROT_NULL;
	cursor_init(&c->cur, src);
	return 0;
}

/* What is left of the reservation's limit for this count. */
static void set_limit(struct map_ctx *c, const struct gpuvm_pt_resv *resv)
{
	if (resv->limit)
		c->limit = resv->need < resv->limit ? resv->limit - resv->need : 0;
}

/*
 * A count that relies on linking to c->sh takes a slot for it now, so a
 * later count of another set in the same transaction cannot rely on the
 * same free slot. Released with the reservation if nothing linked.
 */
static void hold_slot(struct map_ctx *c)
{
	struct pt_slot *sl;

	if (!c->sh)
		return;
	sl = slot_for(c->pt, c->sh);
	if (sl)
		sl->sh = c->sh;
}

/*
 * Adds to resv what mapping [iova, iova + size) can take, counted from the
 * level-start table root (NO_TABLE: as if no table existed).
 */
static int reserve_map_from(struct gpuvm_pt *pt, uint64_t root, uint64_t iova,
			    uint64_t size, const struct gpuvm_pt_src *src,
			    uint32_t prot, struct gpuvm_pt_resv *resv)
{
	struct map_ctx c;
	int64_t n;
	int ret;

	if (!pt || !resv)
		return -EINVAL;
	ret = pt_check_range(pt, iova, size);
	if (!ret)
		ret = pt_map_ctx_init(&c, pt, src, prot);
	if (ret)
		return ret;
	hold_slot(&c);
	set_limit(&c, resv);
	n = pt_need(&c, pt->start_level, root, iova, iova + size, false);
	if (n < 0)
		return (int)n;
	resv->need += (uint64_t)n;
	return 0;
}

int gpuvm_pt_reserve_map(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			 const struct gpuvm_pt_src *src, uint32_t prot,
			 struct gpuvm_pt_resv *resv)
{
	return reserve_map_from(pt, pt ? pt->root : NO_TABLE, iova, size, src,
				prot, resv);
}

/*
 * Tables needed below a fresh level-`level` table mapping [s, e) except
 * the hole [hs, he) (which lies inside [s, e)). An entry the hole cuts
 * holds survivors on one or both sides: one table for both.
 */
static int64_t need_hole(struct map_ctx *c, unsigned int level, uint64_t s,
			 uint64_t e, uint64_t hs, uint64_t he)
{
	uint64_t x, nx;
	int64_t n = 0;

	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		if (nx <= hs || x >= he)
			n += pt_need(c, level, NO_TABLE, x, nx, false);
		else if (x < hs || nx > he)
			n += 1 + need_hole(c, level + 1, x, nx, x > hs ? x : hs,
					   nx < he ? nx : he);
	}
	return n;
}

/* Tables a split of the leaf d at level, punching [x, nx), can need. */
static int64_t split_need(struct gpuvm_pt *pt, uint64_t d, unsigned int level,
			  uint64_t ea, uint64_t x, uint64_t nx)
{
	struct gpuvm_pt_linear lin;
	struct map_ctx c = { .pt = pt, .attrs = gpuvm_pte_attrs(d),
			     .is_null = gpuvm_pte_is_null(d),
			     .limit = UINT64_MAX };

	gpuvm_pt_linear_init(&lin, ea, gpuvm_pte_addr(d));
	cursor_init(&c.cur, &lin.src);
	return 1 + need_hole(&c, level + 1, ea, ea + gpuvm_pt_level_size(level),
			     x, nx);
}

int64_t pt_unmap_need(struct gpuvm_pt *pt, unsigned int level,
			  uint64_t table, uint64_t s, uint64_t e)
{
	uint64_t x, nx, d, size = gpuvm_pt_level_size(level);
	int64_t n = 0;

	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		d = rd(pt, slot_pa(table, x, level));
		if (gpuvm_pte_is_table(d, level) &&
		    is_shared(pt, gpuvm_pte_addr(d))) {
			/* Unlinked whole; copied first if only partly. */
			if (nx - x != size)
				n += 1 + pt_unmap_need(pt, level + 1,
						    gpuvm_pte_addr(d), x, nx);
		} else if (gpuvm_pte_is_table(d, level))
			n += pt_unmap_need(pt, level + 1, gpuvm_pte_addr(d),
					   x, nx);
		else if (gpuvm_pte_is_leaf(d, level) && nx - x != size)
			n += split_need(pt, d, level, x & ~(size - 1), x, nx);
	}
	return n;
}

int gpuvm_pt_reserve_unmap(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			   struct gpuvm_pt_resv *resv)
{
	int ret;

	if (!pt || !resv)
		return -EINVAL;
	ret = pt_check_range(pt, iova, size);
	if (ret)
		return ret;
	resv->need += (uint64_t)pt_unmap_need(pt, pt->start_level, pt->root,
					      iova, iova + size);
	return 0;
}

/*
 * State-independent bounds, for changes reserved now and applied later
 * (asynchronous binds): a map counted as if no table existed, an unmap as
 * if a block of every supported size straddled each end of the range.
 */
int gpuvm_pt_reserve_map_worst(struct gpuvm_pt *pt, uint64_t iova,
			       uint64_t size, const struct gpuvm_pt_src *src,
			       uint32_t prot, struct gpuvm_pt_resv *resv)
{
	return reserve_map_from(pt, NO_TABLE, iova, size, src, prot, resv);
}

/* A block at level covering b, cut at b (b not aligned to it). */
static int64_t worst_cut(struct gpuvm_pt *pt, unsigned int level, uint64_t b)
{
	uint64_t size = gpuvm_pt_level_size(level), ea = b & ~(size - 1);
	uint64_t d = gpuvm_pte_make_leaf(ea, gpuvm_pt_prot_attrs(0), level);

	return split_need(pt, d, level, ea, b, ea + size);
}

int gpuvm_pt_reserve_unmap_worst(struct gpuvm_pt *pt, uint64_t iova,
				 uint64_t size, struct gpuvm_pt_resv *resv)
{
	uint64_t ends[2] = { iova, iova + size };
	unsigned int level, i;
	int64_t n = 0, worst;
	int ret;

	if (!pt || !resv)
		return -EINVAL;
	ret = pt_check_range(pt, iova, size);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		worst = 0;
		for (level = 1; level < 3; level++) {
			uint64_t bs = gpuvm_pt_level_size(level);
			int64_t w;

			if (!pt_size_ok(pt->pgsizes, level) ||
			    !(ends[i] & (bs - 1)) || level < pt->start_level)
				continue;
			w = worst_cut(pt, level, ends[i]);
			if (w > worst)
				worst = w;
		}
		/*
		 * Copies of shared tables a change at this end may pass: the
		 * level-L table of each level-(L-1) entry the end cuts.
		 */
		for (level = 1; level < GPUVM_PT_LEVELS; level++)
			n += !!(ends[i] & (gpuvm_pt_level_size(level - 1) - 1));
		n += worst;
	}
	resv->need += (uint64_t)n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reservations                                                        */

int gpuvm_pt_resv_fill(struct gpuvm_pt *pt, struct gpuvm_pt_resv *resv)
{
	uint64_t want, *pages;
	int ret;

	if (!pt || !resv)
		return -EINVAL;
	want = resv->need;
	if (want <= resv->filled)
		return 0;
	if (want > SIZE_MAX / sizeof(*pages))
		return -ENOMEM;
	pages = realloc(resv->pages, want * sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	resv->pages = pages;
	ret = gpuvm_mem_alloc_frames(pt->mem, want - resv->filled, GPUVM_MEM_PT,
				     pages + resv->filled);
	if (ret)
		return ret;
	resv->filled = want;
	if (want > pt->st.reserved_peak)
		pt->st.reserved_peak = want;
	return 0;
}

void gpuvm_pt_resv_release(struct gpuvm_pt *pt, struct gpuvm_pt_resv *resv)
{
	uint64_t i;

	if (!pt || !resv)
		return;
	/* Slots held for counting that nothing came to link. */
	for (i = 0; i < PT_SLOTS; i++)
		if (pt->slots[i].sh && !pt->slots[i].links)
			pt->slots[i].sh = NULL;

	for (i = resv->used; i < resv->filled; i++)
		gpuvm_mem_free(pt->mem, resv->pages[i], GPUVM_SZ_4K,
			       GPUVM_MEM_PT);
	free(resv->pages);
	memset(resv, 0, sizeof(*resv));
}
