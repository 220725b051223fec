/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the page-table files: pt.c (instances, sources),
 * resv.c (counting and reservations), apply.c (applying, splits,
 * pruning, links to shared tables), walk.c (walks and debug helpers) and
 * shared.c (building shared tables).
 *
 * What a walk does per entry or per page is static inline here, so every
 * file's loops keep it inlined; what runs once per call is an ordinary
 * function in the file that owns it, named pt_*.
 */
#ifndef GPUVM_PT_INTERNAL_H
#define GPUVM_PT_INTERNAL_H

#include "gpuvm/pt.h"

/* "No table here": PA 0 is a valid table address. */
#define NO_TABLE UINT64_MAX

/* ------------------------------------------------------------------ */
/* Shared table sets                                                   */

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
/* Page tables                                                         */

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
	/* &trace_store when a hook is set, else NULL: one test per write. */
	const struct gpuvm_pt_trace *trace;
	struct gpuvm_pt_trace trace_store;
};

#define PT_UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline struct pt_meta *meta_of(const struct gpuvm_pt *pt,
				      uint64_t table)
{
	return &pt->meta[table >> 12];
}

static inline uint64_t slot_pa(uint64_t table, uint64_t x, unsigned int level)
{
	return table + 8 * (uint64_t)gpuvm_pt_index(x, level);
}

static inline uint64_t rd(const struct gpuvm_pt *pt, uint64_t pa)
{
	return gpuvm_mem_read64(pt->mem, pa);
}

/* wr() with its event: only when a trace hook is set. */
void pt_wr_traced(struct gpuvm_pt *pt, uint64_t pa, unsigned int level,
		  uint64_t d);

/* Writes the descriptor at pa, in a table of the given level. */
static inline void wr(struct gpuvm_pt *pt, uint64_t pa, unsigned int level,
		      uint64_t d)
{
	if (PT_UNLIKELY(pt->trace)) {
		pt_wr_traced(pt, pa, level, d);
		return;
	}
	gpuvm_mem_write64(pt->mem, pa, d);
	pt->st.pte_writes++;
}

static inline unsigned int size_index(unsigned int level)
{
	return 3 - level; /* 4 KiB -> 0, 2 MiB -> 1, 1 GiB -> 2 */
}

/* End of the level-`level` entry containing x, clipped to e. */
static inline uint64_t entry_end(uint64_t x, unsigned int level, uint64_t e)
{
	uint64_t n = (x | (gpuvm_pt_level_size(level) - 1)) + 1;

	return n < e ? n : e;
}

/* 0, or -EINVAL if [iova, iova + size) is not a range pt can map. */
int pt_check_range(const struct gpuvm_pt *pt, uint64_t iova, uint64_t size);

/* ------------------------------------------------------------------ */
/* Links to shared tables (the linking itself is apply.c's)            */

/* The slot of the shared set whose table is at pa, or NULL. */
static inline struct pt_slot *shared_slot(const struct gpuvm_pt *pt,
					  uint64_t pa, unsigned int *level)
{
	unsigned int i;

	for (i = 0; i < PT_SLOTS; i++) {
		const struct pt_slot *sl = &pt->slots[i];

		if (sl->sh && (*level = pt_shared_level(sl->sh, pa)))
			return (struct pt_slot *)sl;
	}
	return NULL;
}

static inline bool is_shared(const struct gpuvm_pt *pt, uint64_t pa)
{
	unsigned int level;

	return shared_slot(pt, pa, &level) != NULL;
}

/* sh's slot, or a free one for it; NULL when all are taken. */
static inline struct pt_slot *slot_for(const struct gpuvm_pt *pt,
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

/* Drops the link at a descriptor pointing at the shared table child. */
void pt_unlink_shared(struct gpuvm_pt *pt, uint64_t child);

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
/* The leaf-fit rule (counting, applying, shared tables, validation)   */

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

/* ------------------------------------------------------------------ */
/* Counting (resv.c), used by applying (apply.c)                       */

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

/* pt_leaf_fits() for c's page table and source. */
static inline bool leaf_fits(struct map_ctx *c, unsigned int level,
			     uint64_t x, uint64_t nx)
{
	return pt_leaf_fits(c->pt->pgsizes, &c->cur, c->is_null, level, x, nx);
}

/*
 * The whole level-`level` entry [x, nx) can link to a shared table: the
 * source has one for the level below and this page table has a slot.
 */
static inline bool shareable(const struct map_ctx *c, unsigned int level,
			     uint64_t x, uint64_t nx)
{
	return c->sh && level < 3 && c->sh->table[level + 1] != NO_TABLE &&
	       nx - x == gpuvm_pt_level_size(level) && slot_for(c->pt, c->sh);
}

/* A map context for src and prot, or -EINVAL for bad ones. */
int pt_map_ctx_init(struct map_ctx *c, struct gpuvm_pt *pt,
		    const struct gpuvm_pt_src *src, uint32_t prot);

/*
 * Table pages mapping [s, e) inside the level-`level` table (NO_TABLE: not
 * there yet) can take. strict: an existing leaf is -EEXIST instead of
 * being counted as absent. -ENOMEM past c->limit.
 */
int64_t pt_need(struct map_ctx *c, unsigned int level, uint64_t table,
		uint64_t s, uint64_t e, bool strict);

/* Table pages unmapping [s, e) below the level-`level` table can take. */
int64_t pt_unmap_need(struct gpuvm_pt *pt, unsigned int level,
		      uint64_t table, uint64_t s, uint64_t e);

#endif
