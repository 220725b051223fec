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
 * DOC: reservation counts
 *
 * need(L, T, [s, e)) is the number of table pages that mapping [s, e)
 * inside the level-L table T (existing, or not yet there) can take. For
 * each level-L entry the range touches, covering [x, nx):
 *
 *  - a leaf fits (the entry's size is supported, [x, nx) is the whole
 *    entry, the source is aligned to and contiguous over it): 0;
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
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pt/pt_internal.h"

/* Host-side record of one table page. */
struct pt_meta {
	uint32_t valid;  /* valid entries in the table */
	uint32_t next;   /* free-queue link: frame number + 1, 0 ends */
};

/*
 * A shared set this page table links to, and how many of its descriptors
 * do. A slot is taken on the first link and given back on the last.
 */
struct pt_slot {
	struct gpuvm_pt_shared *sh;
	uint64_t links;
};

#define PT_SLOTS 8

struct gpuvm_pt {
	struct gpuvm_mem *mem;
	struct pt_slot slots[PT_SLOTS];
	unsigned int va_bits;
	unsigned int start_level;
	uint64_t pgsizes;
	uint64_t root;
	struct pt_meta *meta;     /* indexed by frame number */
	size_t meta_bytes;
	struct gpuvm_pt_stats st;
};

struct map_ctx {
	struct gpuvm_pt *pt;
	uint64_t limit;              /* need() gives up past it: -ENOMEM */
	struct gpuvm_pt_shared *sh;  /* the source's shared tables, or NULL */
	struct cursor cur;
	uint64_t attrs;           /* leaf attributes */
	bool is_null;
	struct gpuvm_pt_resv *resv;
	struct gpuvm_pt_gather *gather;
};

static struct pt_meta *meta_of(const struct gpuvm_pt *pt, uint64_t table)
{
	return &pt->meta[table >> 12];
}

static uint64_t slot_pa(uint64_t table, uint64_t x, unsigned int level)
{
	return table + 8 * (uint64_t)gpuvm_pt_index(x, level);
}

static uint64_t rd(const struct gpuvm_pt *pt, uint64_t pa)
{
	return gpuvm_mem_read64(pt->mem, pa);
}

static void wr(struct gpuvm_pt *pt, uint64_t pa, uint64_t d)
{
	gpuvm_mem_write64(pt->mem, pa, d);
	pt->st.pte_writes++;
}

static unsigned int size_index(unsigned int level)
{
	return 3 - level; /* 4 KiB -> 0, 2 MiB -> 1, 1 GiB -> 2 */
}

/* End of the level-`level` entry containing x, clipped to e. */
static uint64_t entry_end(uint64_t x, unsigned int level, uint64_t e)
{
	uint64_t n = (x | (gpuvm_pt_level_size(level) - 1)) + 1;

	return n < e ? n : e;
}

static void gather_add(struct gpuvm_pt_gather *g, uint64_t s, uint64_t e)
{
	if (g->start == g->end) {
		g->start = s;
		g->end = e;
		return;
	}
	if (s < g->start)
		g->start = s;
	if (e > g->end)
		g->end = e;
}

/* ------------------------------------------------------------------ */
/* Links to shared tables                                              */

/* The slot of the shared set whose table is at pa, or NULL. */
static struct pt_slot *shared_slot(const struct gpuvm_pt *pt, uint64_t pa,
				   unsigned int *level)
{
	unsigned int i;

	for (i = 0; i < PT_SLOTS; i++) {
		const struct pt_slot *sl = &pt->slots[i];

		if (sl->sh && (*level = pt_shared_level(sl->sh, pa)))
			return (struct pt_slot *)sl;
	}
	return NULL;
}

static bool is_shared(const struct gpuvm_pt *pt, uint64_t pa)
{
	unsigned int level;

	return shared_slot(pt, pa, &level) != NULL;
}

/* sh's slot, or a free one for it; NULL when all are taken. */
static struct pt_slot *slot_for(const struct gpuvm_pt *pt,
				const struct gpuvm_pt_shared *sh)
{
	struct pt_slot *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < PT_SLOTS; i++) {
		struct pt_slot *sl = (struct pt_slot *)&pt->slots[i];

		if (sl->sh == sh)
			return sl;
		if (!sl->sh && !free_slot)
			free_slot = sl;
	}
	return free_slot;
}

/* A set's total is shared by page tables updated in parallel: atomic. */
static void link_add(struct pt_slot *sl, struct gpuvm_pt_shared *sh,
		     uint64_t n)
{
	sl->sh = sh;
	sl->links += n;
	__atomic_add_fetch(&sh->links, n, __ATOMIC_RELAXED);
}

static void link_drop(struct pt_slot *sl, uint64_t n)
{
	sl->links -= n;
	__atomic_sub_fetch(&sl->sh->links, n, __ATOMIC_RELAXED);
	if (!sl->links)
		sl->sh = NULL;
}

/* Logical leaves gained or lost by linking or unlinking table[level]. */
static void count_shared(struct gpuvm_pt *pt, const struct gpuvm_pt_shared *sh,
			 unsigned int level, bool add)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = 0; k < 3; k++) {
		n += sh->leaves[level][k];
		if (add)
			pt->st.leaves[k] += sh->leaves[level][k];
		else
			pt->st.leaves[k] -= sh->leaves[level][k];
	}
	if (!(sh->attrs & GPUVM_PTE_SW_NULL))
		return;
	if (add)
		pt->st.null_leaves += n;
	else
		pt->st.null_leaves -= n;
}

/* ------------------------------------------------------------------ */
/* Sources                                                             */

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

/* ------------------------------------------------------------------ */
/* Counting                                                            */

/* pt_leaf_fits() for c's page table and source. */
static bool leaf_fits(struct map_ctx *c, unsigned int level, uint64_t x,
		      uint64_t nx)
{
	return pt_leaf_fits(c->pt->pgsizes, &c->cur, c->is_null, level, x, nx);
}

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

/*
 * The whole level-`level` entry [x, nx) can link to a shared table: the
 * source has one for the level below and this page table has a slot.
 */
static bool shareable(const struct map_ctx *c, unsigned int level,
		      uint64_t x, uint64_t nx)
{
	return c->sh && level < 3 && c->sh->table[level + 1] != NO_TABLE &&
	       nx - x == gpuvm_pt_level_size(level) && slot_for(c->pt, c->sh);
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
 * need() from the DOC comment. table is NO_TABLE for a table that does
 * not exist yet. strict: an existing leaf in the range is -EEXIST instead
 * of being counted as absent.
 */
static int64_t need(struct map_ctx *c, unsigned int level, uint64_t table,
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
			sub = need(c, level + 1, gpuvm_pte_addr(d), x, nx, false);
			if (sub >= 0)
				sub++;
		} else if (gpuvm_pte_is_table(d, level)) {
			sub = need(c, level + 1, gpuvm_pte_addr(d), x, nx, strict);
		} else if (nx - x == gpuvm_pt_level_size(level) &&
			   linear_over(c, x, nx, &pa)) {
			sub = 1 + (int64_t)full_need(c, level + 1, pa);
		} else {
			sub = need(c, level + 1, NO_TABLE, x, nx, false);
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

static int check_range(const struct gpuvm_pt *pt, uint64_t iova, uint64_t size)
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

static int map_ctx_init(struct map_ctx *c, struct gpuvm_pt *pt,
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

int gpuvm_pt_reserve_map(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			 const struct gpuvm_pt_src *src, uint32_t prot,
			 struct gpuvm_pt_resv *resv)
{
	struct map_ctx c;
	int64_t n;
	int ret;

	if (!pt || !resv)
		return -EINVAL;
	ret = check_range(pt, iova, size);
	if (!ret)
		ret = map_ctx_init(&c, pt, src, prot);
	if (ret)
		return ret;
	hold_slot(&c);
	set_limit(&c, resv);
	n = need(&c, pt->start_level, pt->root, iova, iova + size, false);
	if (n < 0)
		return (int)n;
	resv->need += (uint64_t)n;
	return 0;
}

/* Tables a split of the leaf d covering [ea, ea + size) can need. */
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
			n += need(c, level, NO_TABLE, x, nx, false);
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

static int64_t unmap_need(struct gpuvm_pt *pt, unsigned int level,
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
				n += 1 + unmap_need(pt, level + 1,
						    gpuvm_pte_addr(d), x, nx);
		} else if (gpuvm_pte_is_table(d, level))
			n += unmap_need(pt, level + 1, gpuvm_pte_addr(d), x, nx);
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
	ret = check_range(pt, iova, size);
	if (ret)
		return ret;
	resv->need += (uint64_t)unmap_need(pt, pt->start_level, pt->root, iova,
					   iova + size);
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
	struct map_ctx c;
	int64_t n;
	int ret;

	if (!pt || !resv)
		return -EINVAL;
	ret = check_range(pt, iova, size);
	if (!ret)
		ret = map_ctx_init(&c, pt, src, prot);
	if (ret)
		return ret;
	hold_slot(&c);
	set_limit(&c, resv);
	n = need(&c, pt->start_level, NO_TABLE, iova, iova + size, false);
	if (n < 0)
		return (int)n;
	resv->need += (uint64_t)n;
	return 0;
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
	ret = check_range(pt, iova, size);
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

/* A zeroed table page from the reservation, now counted as in use. */
static uint64_t take_table(struct map_ctx *c)
{
	uint64_t t = c->resv->pages[c->resv->used++];

	meta_of(c->pt, t)->valid = 0;
	meta_of(c->pt, t)->next = 0;
	c->pt->st.table_pages++;
	return t;
}

/* ------------------------------------------------------------------ */
/* Applying                                                            */

/* Puts a table on the gather's queue, to be freed after invalidation. */
static void queue_table(struct gpuvm_pt *pt, struct gpuvm_pt_gather *g,
			uint64_t table)
{
	meta_of(pt, table)->next = (uint32_t)g->freed_head;
	g->freed_head = (table >> 12) + 1;
	g->freed_count++;
	pt->st.table_pages--;
}

/* Queues a subtree that holds no leaves (only emptied tables). */
static void retire_subtree(struct gpuvm_pt *pt, struct gpuvm_pt_gather *g,
			   unsigned int level, uint64_t table)
{
	unsigned int i;

	for (i = 0; level < 3 && i < GPUVM_PT_ENTRIES; i++) {
		uint64_t d = rd(pt, table + 8 * i);

		if (gpuvm_pte_is_table(d, level))
			retire_subtree(pt, g, level + 1, gpuvm_pte_addr(d));
	}
	queue_table(pt, g, table);
}

/* Drops the link at a descriptor pointing at a shared table. */
static void unlink_shared(struct gpuvm_pt *pt, uint64_t child)
{
	unsigned int level;
	struct pt_slot *sl = shared_slot(pt, child, &level);

	count_shared(pt, sl->sh, level, false);
	link_drop(sl, 1);
}

/*
 * Writes the leaf for x. The slot is invalid, or holds a table a
 * preceding unmap of this transaction emptied: a block then takes its
 * place, and the old tables wait on the gather for the invalidation a
 * walk cache would need.
 */
static void put_leaf(struct map_ctx *c, uint64_t table, unsigned int level,
		     uint64_t x, uint64_t nx)
{
	uint64_t contig, pa = c->is_null ? 0 : cursor_pa(&c->cur, x, &contig);
	uint64_t slot = slot_pa(table, x, level), d = rd(c->pt, slot);

	if (gpuvm_pte_is_table(d, level)) {
		if (is_shared(c->pt, gpuvm_pte_addr(d)))
			unlink_shared(c->pt, gpuvm_pte_addr(d));
		else
			retire_subtree(c->pt, c->gather, level + 1,
				       gpuvm_pte_addr(d));
		gather_add(c->gather, x, nx);
	} else {
		meta_of(c->pt, table)->valid++;
	}
	wr(c->pt, slot, gpuvm_pte_make_leaf(pa, c->attrs, level));
	c->pt->st.leaves[size_index(level)]++;
	c->pt->st.null_leaves += c->is_null;
}

/* Points the entry at slot to the source's shared level-(level+1) table. */
static void link_table(struct map_ctx *c, uint64_t table, uint64_t slot,
		       unsigned int level)
{
	struct pt_slot *sl = slot_for(c->pt, c->sh);

	wr(c->pt, slot, gpuvm_pte_make_table(c->sh->table[level + 1]));
	meta_of(c->pt, table)->valid++;
	link_add(sl, c->sh, 1);
	count_shared(c->pt, c->sh, level + 1, true);
}

/*
 * Copy-on-write: gives the entry at slot, which points at a shared table,
 * a private copy of it. The copy maps exactly what the shared table did,
 * so swapping the pointer needs no TLB invalidation; whatever changes
 * beneath it next gathers its own range. Returns the new descriptor.
 */
static uint64_t copy_shared(struct map_ctx *c, uint64_t slot, uint64_t d)
{
	struct gpuvm_pt *pt = c->pt;
	uint64_t child = gpuvm_pte_addr(d), t = take_table(c);
	unsigned int level;
	struct pt_slot *sl = shared_slot(pt, child, &level);

	memcpy(gpuvm_mem_wptr(pt->mem, t, GPUVM_SZ_4K),
	       gpuvm_mem_ptr(pt->mem, child), GPUVM_SZ_4K);
	pt->st.pte_writes += GPUVM_PT_ENTRIES;
	meta_of(pt, t)->valid = GPUVM_PT_ENTRIES; /* shared tables are full */
	/* The copy's pointers to the level below are links too. */
	link_add(sl, sl->sh, sl->sh->ptrs[level]);
	d = gpuvm_pte_make_table(t);
	wr(pt, slot, d);
	link_drop(sl, 1);
	return d;
}

typedef uint64_t u64x2 __attribute__((vector_size(16)));

/*
 * n page descriptors from d on, step apart, into a table nobody can see
 * yet. A 1 GiB map of 4 KiB pages is this loop, store-bound: 16-byte
 * stores halve the stores (x86-64's baseline has no wider ones).
 */
static void fill_pages(uint64_t *p, uint64_t n, uint64_t d, uint64_t step)
{
	u64x2 v = { d, d + step }, inc = { 2 * step, 2 * step };
	uint64_t i;

	for (i = 0; i + 2 <= n; i += 2) {
		memcpy(&p[i], &v, sizeof(v));
		v += inc;
	}
	if (i < n)
		p[i] = v[0];
}

/*
 * Level 3 is where a big map spends its time, one page per descriptor:
 * write each physically linear stretch in one tight loop, straight into
 * the table, instead of deciding entry by entry. The slots are free (the
 * map checked), so nothing else about them changes.
 */
static void map_pages(struct map_ctx *c, uint64_t table, uint64_t s,
		      uint64_t e, bool fresh)
{
	uint64_t *slots = gpuvm_mem_wptr(c->pt->mem, table, GPUVM_SZ_4K);
	uint64_t x, n, i, pa, contig, d;
	unsigned int idx;

	for (x = s; x < e; x += n * GPUVM_SZ_4K) {
		pa = c->is_null ? 0 : cursor_pa(&c->cur, x, &contig);
		n = (e - x) / GPUVM_SZ_4K;
		if (!c->is_null && contig / GPUVM_SZ_4K < n)
			n = contig / GPUVM_SZ_4K;
		idx = gpuvm_pt_index(x, 3);
		d = gpuvm_pte_make_leaf(pa, c->attrs, 3);
		if (fresh) {
			/* Not linked yet, so no walker can see it: plain
			 * stores, two at a time. The release store that links
			 * the table publishes them. */
			fill_pages(&slots[idx], n, d,
				   c->is_null ? 0 : GPUVM_SZ_4K);
		} else {
			for (i = 0; i < n; i++) {
				__atomic_store_n(&slots[idx + i], d,
						 __ATOMIC_RELAXED);
				if (!c->is_null)
					d += GPUVM_SZ_4K;
			}
		}
		meta_of(c->pt, table)->valid += (uint32_t)n;
		c->pt->st.leaves[0] += n;
		c->pt->st.pte_writes += n;
		c->pt->st.null_leaves += c->is_null ? n : 0;
	}
}

/*
 * Maps [s, e) inside table at level, which is known to be free. fresh:
 * the table is not linked yet. A new table below is filled before it is
 * linked, so a concurrent walk sees nothing or all of it.
 */
static void map_level(struct map_ctx *c, unsigned int level, uint64_t table,
		      uint64_t s, uint64_t e, bool fresh)
{
	uint64_t x, nx, slot, d, t;

	if (level == 3) {
		map_pages(c, table, s, e, fresh);
		return;
	}
	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		if (leaf_fits(c, level, x, nx)) {
			put_leaf(c, table, level, x, nx);
			continue;
		}
		slot = slot_pa(table, x, level);
		d = rd(c->pt, slot);
		if (!gpuvm_pte_is_table(d, level) && shareable(c, level, x, nx)) {
			link_table(c, table, slot, level);
			continue;
		}
		if (!gpuvm_pte_is_table(d, level)) {
			t = take_table(c);
			map_level(c, level + 1, t, x, nx, true);
			wr(c->pt, slot, gpuvm_pte_make_table(t));
			meta_of(c->pt, table)->valid++;
			continue;
		}
		if (is_shared(c->pt, gpuvm_pte_addr(d)))
			d = copy_shared(c, slot, d);
		map_level(c, level + 1, gpuvm_pte_addr(d), x, nx, fresh);
	}
}

static uint64_t remaining(const struct gpuvm_pt_resv *r)
{
	return r->filled - r->used;
}

/*
 * Checks a map of [iova, iova + size) against the tables as they are:
 * the pages it needs, or -EINVAL, or -EEXIST if anything there is mapped.
 */
static int64_t map_need(struct map_ctx *c, struct gpuvm_pt *pt, uint64_t iova,
			uint64_t size, const struct gpuvm_pt_src *src,
			uint32_t prot)
{
	int ret = check_range(pt, iova, size);

	if (!ret)
		ret = map_ctx_init(c, pt, src, prot);
	if (ret)
		return ret;
	return need(c, pt->start_level, pt->root, iova, iova + size, true);
}

int gpuvm_pt_map_reserved(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			  const struct gpuvm_pt_src *src, uint32_t prot,
			  struct gpuvm_pt_resv *resv,
			  struct gpuvm_pt_gather *gather)
{
	struct map_ctx c;
	int64_t n;

	if (!pt || !resv || !gather)
		return -EINVAL;
	n = map_need(&c, pt, iova, size, src, prot);
	if (n < 0)
		return (int)n;
	if ((uint64_t)n > remaining(resv))
		return -ENOSPC;
	c.resv = resv;
	c.gather = gather;
	map_level(&c, pt->start_level, pt->root, iova, iova + size, false);
	return 0;
}

/*
 * Replaces the leaf d at slot, covering [ea, ea + size), by a table that
 * maps everything but [x, nx) the way d did. The table is complete before
 * it is linked, so a concurrent walk sees the block or the table, and the
 * survivors translate identically in both.
 */
static void split_leaf(struct map_ctx *c, uint64_t slot, uint64_t d,
		       unsigned int level, uint64_t x, uint64_t nx)
{
	uint64_t size = gpuvm_pt_level_size(level), ea = x & ~(size - 1);
	struct gpuvm_pt_linear lin;
	struct map_ctx s = *c;
	uint64_t t = take_table(c);

	gpuvm_pt_linear_init(&lin, ea, gpuvm_pte_addr(d));
	cursor_init(&s.cur, &lin.src);
	s.attrs = gpuvm_pte_attrs(d);
	s.is_null = gpuvm_pte_is_null(d);
	if (x > ea)
		map_level(&s, level + 1, t, ea, x, true);
	if (nx < ea + size)
		map_level(&s, level + 1, t, nx, ea + size, true);
	wr(c->pt, slot, gpuvm_pte_make_table(t));
}

static void drop_leaf(struct map_ctx *c, uint64_t d, unsigned int level)
{
	c->pt->st.leaves[size_index(level)]--;
	c->pt->st.null_leaves -= gpuvm_pte_is_null(d);
}

static void unmap_level(struct map_ctx *c, unsigned int level, uint64_t table,
			uint64_t s, uint64_t e)
{
	uint64_t x, nx, slot, d, size = gpuvm_pt_level_size(level);

	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		slot = slot_pa(table, x, level);
		d = rd(c->pt, slot);
		if (gpuvm_pte_is_table(d, level) &&
		    is_shared(c->pt, gpuvm_pte_addr(d))) {
			if (nx - x == size) {
				unlink_shared(c->pt, gpuvm_pte_addr(d));
				wr(c->pt, slot, 0);
				meta_of(c->pt, table)->valid--;
				gather_add(c->gather, x, nx);
				continue;
			}
			d = copy_shared(c, slot, d);
		}
		if (gpuvm_pte_is_table(d, level)) {
			unmap_level(c, level + 1, gpuvm_pte_addr(d), x, nx);
			continue;
		}
		if (!gpuvm_pte_is_leaf(d, level))
			continue;
		drop_leaf(c, d, level);
		gather_add(c->gather, x, nx);
		if (nx - x == size) {
			wr(c->pt, slot, 0);
			meta_of(c->pt, table)->valid--;
		} else {
			split_leaf(c, slot, d, level, x, nx);
		}
	}
}

int gpuvm_pt_unmap_reserved(struct gpuvm_pt *pt, uint64_t iova,
			    uint64_t size, struct gpuvm_pt_resv *resv,
			    struct gpuvm_pt_gather *gather)
{
	struct map_ctx c = { .pt = pt, .resv = resv, .gather = gather,
			     .limit = UINT64_MAX };
	int ret;

	if (!pt || !resv || !gather)
		return -EINVAL;
	ret = check_range(pt, iova, size);
	if (ret)
		return ret;
	if ((uint64_t)unmap_need(pt, pt->start_level, pt->root, iova,
				 iova + size) > remaining(resv))
		return -ENOSPC;
	unmap_level(&c, pt->start_level, pt->root, iova, iova + size);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pruning and freeing                                                 */

static void prune_level(struct gpuvm_pt *pt, struct gpuvm_pt_gather *g,
			unsigned int level, uint64_t table, uint64_t s,
			uint64_t e)
{
	uint64_t x, nx, slot, d, child;

	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		slot = slot_pa(table, x, level);
		d = rd(pt, slot);
		if (!gpuvm_pte_is_table(d, level))
			continue;
		child = gpuvm_pte_addr(d);
		if (is_shared(pt, child))
			continue; /* full by construction, and not ours */
		prune_level(pt, g, level + 1, child, x, nx);
		if (meta_of(pt, child)->valid)
			continue;
		wr(pt, slot, 0);
		meta_of(pt, table)->valid--;
		queue_table(pt, g, child);
	}
}

void gpuvm_pt_prune(struct gpuvm_pt *pt, struct gpuvm_pt_gather *gather)
{
	if (pt && !gpuvm_pt_gather_empty(gather))
		prune_level(pt, gather, pt->start_level, pt->root,
			    gather->start, gather->end);
}

void gpuvm_pt_gather_release(struct gpuvm_pt *pt,
			     struct gpuvm_pt_gather *gather)
{
	uint64_t f;

	if (!pt || !gather)
		return;
	f = gather->freed_head;
	while (f) {
		uint64_t pa = (f - 1) << 12;

		f = meta_of(pt, pa)->next;
		meta_of(pt, pa)->next = 0;
		gpuvm_mem_free(pt->mem, pa, GPUVM_SZ_4K, GPUVM_MEM_PT);
	}
	gpuvm_pt_gather_init(gather);
}

/* ------------------------------------------------------------------ */
/* One-change conveniences                                             */

int gpuvm_pt_map(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
		 const struct gpuvm_pt_src *src, uint32_t prot,
		 struct gpuvm_pt_gather *gather)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct map_ctx c;
	int64_t n;
	int ret;

	if (!pt || !gather)
		return -EINVAL;
	n = map_need(&c, pt, iova, size, src, prot);
	if (n < 0)
		return (int)n;
	resv.need = (uint64_t)n;
	ret = gpuvm_pt_resv_fill(pt, &resv);
	if (!ret)
		ret = gpuvm_pt_map_reserved(pt, iova, size, src, prot, &resv,
					    gather);
	gpuvm_pt_resv_release(pt, &resv);
	return ret;
}

int gpuvm_pt_unmap(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
		   struct gpuvm_pt_gather *gather)
{
	struct gpuvm_pt_resv resv = { 0 };
	int ret;

	if (!pt || !gather)
		return -EINVAL;
	ret = gpuvm_pt_reserve_unmap(pt, iova, size, &resv);
	if (!ret)
		ret = gpuvm_pt_resv_fill(pt, &resv);
	if (!ret)
		ret = gpuvm_pt_unmap_reserved(pt, iova, size, &resv, gather);
	if (!ret)
		gpuvm_pt_prune(pt, gather);
	gpuvm_pt_resv_release(pt, &resv);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Instances                                                           */

static int check_cfg(const struct gpuvm_pt_cfg *cfg)
{
	uint64_t allowed = GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M |
			   GPUVM_PT_PGSIZE_1G;

	if (!cfg->mem || cfg->va_bits < 32 || cfg->va_bits > 48)
		return -EINVAL;
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
			unlink_shared(pt, gpuvm_pte_addr(d));
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

/* ------------------------------------------------------------------ */
/* Walks and debug helpers                                             */

int gpuvm_pt_iova_to_phys(const struct gpuvm_pt *pt, uint64_t iova,
			  struct gpuvm_pt_walk *w)
{
	uint64_t table, d;
	unsigned int level;

	if (!pt || !w || iova >> pt->va_bits)
		return -EINVAL;
	table = pt->root;
	for (level = pt->start_level; level < GPUVM_PT_LEVELS; level++) {
		d = rd(pt, slot_pa(table, iova, level));
		if (gpuvm_pte_is_leaf(d, level)) {
			uint64_t mask = gpuvm_pt_level_size(level) - 1;

			w->desc = d;
			w->level = level;
			w->pa = gpuvm_pte_addr(d) + (iova & mask);
			return 0;
		}
		if (!gpuvm_pte_is_table(d, level))
			return -ENOENT;
		table = gpuvm_pte_addr(d);
	}
	return -ENOENT;
}

static int leaves_in(const struct gpuvm_pt *pt, unsigned int level,
		     uint64_t table, uint64_t s, uint64_t e,
		     gpuvm_pt_leaf_fn fn, void *cookie)
{
	uint64_t x, nx, d, size = gpuvm_pt_level_size(level);
	int ret;

	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		d = rd(pt, slot_pa(table, x, level));
		if (gpuvm_pte_is_table(d, level))
			ret = leaves_in(pt, level + 1, gpuvm_pte_addr(d), x, nx,
					fn, cookie);
		else if (gpuvm_pte_is_leaf(d, level))
			ret = fn(cookie, x & ~(size - 1), size, d);
		else
			ret = 0;
		if (ret)
			return ret;
	}
	return 0;
}

int gpuvm_pt_for_each_leaf(const struct gpuvm_pt *pt, uint64_t start,
			   uint64_t end, gpuvm_pt_leaf_fn fn, void *cookie)
{
	uint64_t top;

	if (!pt || !fn)
		return -EINVAL;
	top = 1ull << pt->va_bits;
	if (end > top)
		end = top;
	if (start >= end)
		return 0;
	return leaves_in(pt, pt->start_level, pt->root, start, end, fn, cookie);
}

struct census {
	uint64_t tables, leaves[3], nulls;
	uint64_t links[PT_SLOTS];
	const char *why;
};

/* A pointer to a shared table: its leaves count, its pages do not. */
static void count_link(const struct gpuvm_pt *pt, struct census *cs,
		       uint64_t child)
{
	unsigned int level, k;
	const struct pt_slot *sl = shared_slot(pt, child, &level);

	cs->links[sl - pt->slots]++;
	for (k = 0; k < 3; k++) {
		cs->leaves[k] += sl->sh->leaves[level][k];
		if (sl->sh->attrs & GPUVM_PTE_SW_NULL)
			cs->nulls += sl->sh->leaves[level][k];
	}
}

static void count_table(const struct gpuvm_pt *pt, struct census *cs,
			unsigned int level, uint64_t table)
{
	uint32_t valid = 0;
	unsigned int i;

	cs->tables++;
	for (i = 0; i < GPUVM_PT_ENTRIES && !cs->why; i++) {
		uint64_t d = rd(pt, table + 8 * i);

		if (!gpuvm_pte_is_valid(d))
			continue;
		valid++;
		if (gpuvm_pte_is_table(d, level) &&
		    is_shared(pt, gpuvm_pte_addr(d))) {
			count_link(pt, cs, gpuvm_pte_addr(d));
		} else if (gpuvm_pte_is_table(d, level)) {
			count_table(pt, cs, level + 1, gpuvm_pte_addr(d));
		} else if (gpuvm_pte_is_leaf(d, level)) {
			if (!pt_size_ok(pt->pgsizes, level))
				cs->why = "leaf of an unsupported size";
			cs->leaves[size_index(level)]++;
			cs->nulls += gpuvm_pte_is_null(d);
		} else {
			cs->why = "reserved descriptor type";
		}
	}
	if (!cs->why && valid != meta_of(pt, table)->valid)
		cs->why = "valid-entry count out of date";
}

int gpuvm_pt_validate(const struct gpuvm_pt *pt, FILE *err)
{
	struct census cs = { 0 };
	unsigned int i;

	if (!pt)
		return -EINVAL;
	count_table(pt, &cs, pt->start_level, pt->root);
	if (!cs.why && cs.tables != pt->st.table_pages)
		cs.why = "table page count";
	for (i = 0; !cs.why && i < PT_SLOTS; i++)
		if (cs.links[i] != pt->slots[i].links)
			cs.why = "shared-table link count";
	if (!cs.why && (cs.leaves[0] != pt->st.leaves[0] ||
			cs.leaves[1] != pt->st.leaves[1] ||
			cs.leaves[2] != pt->st.leaves[2] ||
			cs.nulls != pt->st.null_leaves))
		cs.why = "leaf counters";
	if (!cs.why)
		return 0;
	if (err)
		fprintf(err, "gpuvm_pt: invariant broken: %s\n", cs.why);
	return -EUCLEAN;
}

struct printer {
	FILE *f;
	bool open;
	uint64_t va, end, pa, attrs;
	unsigned int level;
};

static void flush_run(struct printer *p)
{
	if (!p->open)
		return;
	fprintf(p->f, "  [0x%" PRIx64 ", 0x%" PRIx64 ") -> ", p->va, p->end);
	if (p->attrs & GPUVM_PTE_SW_NULL)
		fputs("NULL", p->f);
	else
		fprintf(p->f, "0x%" PRIx64, p->pa);
	fprintf(p->f, " L%u%s%s%s\n", p->level,
		p->attrs & GPUVM_PTE_AP_RDONLY ? " ro" : "",
		p->attrs & GPUVM_PTE_XN ? " xn" : "",
		(p->attrs & GPUVM_PTE_ATTRINDX_MASK) ? " uncached" : "");
	p->open = false;
}

static void print_leaf(struct printer *p, uint64_t va, uint64_t d,
		       unsigned int level)
{
	uint64_t size = gpuvm_pt_level_size(level), pa = gpuvm_pte_addr(d);
	bool null = gpuvm_pte_is_null(d);

	if (p->open && p->end == va && p->level == level &&
	    p->attrs == gpuvm_pte_attrs(d) &&
	    (null || p->pa + (va - p->va) == pa)) {
		p->end += size;
		return;
	}
	flush_run(p);
	*p = (struct printer){ .f = p->f, .open = true, .va = va,
			       .end = va + size, .pa = pa,
			       .attrs = gpuvm_pte_attrs(d), .level = level };
}

static void print_table(const struct gpuvm_pt *pt, struct printer *p,
			unsigned int level, uint64_t table, uint64_t base)
{
	unsigned int i;

	for (i = 0; i < GPUVM_PT_ENTRIES; i++) {
		uint64_t d = rd(pt, table + 8 * i);
		uint64_t va = base + (uint64_t)i * gpuvm_pt_level_size(level);

		if (gpuvm_pte_is_table(d, level))
			print_table(pt, p, level + 1, gpuvm_pte_addr(d), va);
		else if (gpuvm_pte_is_leaf(d, level))
			print_leaf(p, va, d, level);
	}
}

void gpuvm_pt_print(const struct gpuvm_pt *pt, FILE *f)
{
	struct printer p = { .f = f };

	if (!pt || !f)
		return;
	fprintf(f, "page tables: %u-bit VA, start level %u, %" PRIu64
		" table pages\n", pt->va_bits, pt->start_level,
		pt->st.table_pages);
	print_table(pt, &p, pt->start_level, pt->root, 0);
	flush_run(&p);
}
