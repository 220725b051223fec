/* SPDX-License-Identifier: MIT */
/*
 * DOC: gpuvm page tables (module "pt")
 *
 * GPU page tables in the VMSAv8-64 stage-1 format with a 4 KiB granule,
 * the format Mali CSF GPUs walk. Table pages live in simulated physical
 * memory (gpuvm/mem.h) and hold real 64-bit descriptors; the MMU module
 * walks them without looking at this module's data structures.
 *
 * A page-table instance has a VA width of 32..48 bits (fewer levels or a
 * smaller top table below 48) and a set of page sizes: 4 KiB always, plus
 * any of 2 MiB and 1 GiB.
 *
 * Every change is one transaction in four steps, so that applying it can
 * never fail and nothing is freed before the TLB forgets it:
 *
 *  1. reserve: gpuvm_pt_reserve_map()/_unmap() count the table pages the
 *     changes can need (exactly, for a fresh region: the formulas are in
 *     src/pt/resv.c) and gpuvm_pt_resv_fill() allocates them. Only this
 *     step fails.
 *  2. apply: gpuvm_pt_map_reserved()/gpuvm_pt_unmap_reserved() write
 *     descriptors, taking table pages only from the reservation. Every
 *     change to a valid entry widens the gather range.
 *  3. prune: gpuvm_pt_prune() unlinks the tables the transaction left
 *     empty and queues them on the gather.
 *  4. release: the caller invalidates the gather range in every TLB that
 *     may hold it, then gpuvm_pt_gather_release() frees the queued tables
 *     and gpuvm_pt_resv_release() returns the unused reserved pages.
 *     The order is the caller's to keep, as io-pgtable leaves it to its
 *     caller: the driver's flush (src/drv/vm.c) does all three.
 *
 * gpuvm_pt_map() and gpuvm_pt_unmap() run steps 1-3 for one change.
 *
 * Unmapping part of a block splits it: the block becomes a table of the
 * next supported size down, the survivors keep translating to the same
 * physical addresses. (Linux io-pgtable refuses this; panthor works
 * around it by unmapping the whole 2 MiB and remapping the rest.)
 *
 * Thread safety: one transaction at a time per instance; the caller
 * serialises. The MMU may walk concurrently: every descriptor is written
 * with one 64-bit store, and a table is linked only once it is complete.
 *
 * NULL pointers: a pointer argument may be NULL only where its function's
 * comment says so (a source with GPUVM_PT_PROT_NULL, validate's err, the
 * leaf walk's cookie, destroy, the trace setter's trace). Any other NULL is refused before anything
 * is done: -EINVAL from a function returning an errno, nothing done by a
 * void one (which then also frees nothing: a reservation or gather given
 * with a NULL pt keeps its pages), and from the accessors the value their
 * comment gives.
 */
#ifndef GPUVM_PT_H
#define GPUVM_PT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gpuvm/mem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; this is its API. */
#pragma GCC visibility push(default)

/* ------------------------------------------------------------------ */
/* Descriptor format: all the bit knowledge, in one place.             */

#define GPUVM_PT_LEVELS         4  /* levels 0..3 */
#define GPUVM_PT_ENTRIES        512
#define GPUVM_PTE_TYPE_MASK     0x3ull
#define GPUVM_PTE_TYPE_BLOCK    0x1ull /* levels 1, 2 */
#define GPUVM_PTE_TYPE_TABLE    0x3ull /* levels 0..2 */
#define GPUVM_PTE_TYPE_PAGE     0x3ull /* level 3 */
#define GPUVM_PTE_ATTRINDX_SHIFT 2     /* bits 4:2 */
#define GPUVM_PTE_ATTRINDX_MASK (0x7ull << 2)
#define GPUVM_PTE_NS            (1ull << 5)
#define GPUVM_PTE_AP_UNPRIV     (1ull << 6)
#define GPUVM_PTE_AP_RDONLY     (1ull << 7)
#define GPUVM_PTE_SH_SHIFT      8      /* bits 9:8 */
#define GPUVM_PTE_SH_MASK       (0x3ull << 8)
#define GPUVM_PTE_SH_IS         (0x3ull << 8) /* inner shareable */
#define GPUVM_PTE_SH_OS         (0x2ull << 8) /* outer shareable */
#define GPUVM_PTE_AF            (1ull << 10)
#define GPUVM_PTE_NG            (1ull << 11)
#define GPUVM_PTE_ADDR_MASK     0x0000fffffffff000ull /* bits 47:12 */
#define GPUVM_PTE_CONT          (1ull << 52)
#define GPUVM_PTE_PXN           (1ull << 53)
#define GPUVM_PTE_XN            (1ull << 54) /* UXN / XN */
/*
 * Software bit 55 marks a NULL leaf: valid, but backed by nothing; the
 * MMU reads zeros and drops writes (what xe, nouveau and amdgpu hardware
 * provide for sparse). Its output address is 0.
 */
#define GPUVM_PTE_SW_NULL       (1ull << 55)

/* MAIR indices the attributes use. */
#define GPUVM_PT_ATTR_CACHED    0
#define GPUVM_PT_ATTR_UNCACHED  1

/* VA bits an entry at each level covers: 39, 30, 21, 12. */
static inline unsigned int gpuvm_pt_level_shift(unsigned int level)
{
	return 12 + 9 * (3 - level);
}

/*
 * First level of a walk for a VA width: 48..40 bits start at level 0,
 * 39..31 at level 1. The top table then has 2^(va_bits - shift) entries.
 */
static inline unsigned int gpuvm_pt_start_level_for(unsigned int va_bits)
{
	return 4 - (va_bits - 12 + 8) / 9;
}

static inline uint64_t gpuvm_pt_level_size(unsigned int level)
{
	return 1ull << gpuvm_pt_level_shift(level);
}

static inline unsigned int gpuvm_pt_index(uint64_t iova, unsigned int level)
{
	return (unsigned int)(iova >> gpuvm_pt_level_shift(level)) & 511;
}

static inline bool gpuvm_pte_is_valid(uint64_t d)
{
	return d & 1;
}

static inline bool gpuvm_pte_is_table(uint64_t d, unsigned int level)
{
	return level < 3 && (d & GPUVM_PTE_TYPE_MASK) == GPUVM_PTE_TYPE_TABLE;
}

static inline bool gpuvm_pte_is_block(uint64_t d, unsigned int level)
{
	return (level == 1 || level == 2) &&
	       (d & GPUVM_PTE_TYPE_MASK) == GPUVM_PTE_TYPE_BLOCK;
}

static inline bool gpuvm_pte_is_page(uint64_t d, unsigned int level)
{
	return level == 3 && (d & GPUVM_PTE_TYPE_MASK) == GPUVM_PTE_TYPE_PAGE;
}

/* A valid leaf: a block at levels 1-2 or a page at level 3. */
static inline bool gpuvm_pte_is_leaf(uint64_t d, unsigned int level)
{
	return gpuvm_pte_is_block(d, level) || gpuvm_pte_is_page(d, level);
}

static inline bool gpuvm_pte_is_null(uint64_t d)
{
	return (d & GPUVM_PTE_SW_NULL) != 0;
}

static inline uint64_t gpuvm_pte_addr(uint64_t d)
{
	return d & GPUVM_PTE_ADDR_MASK;
}

static inline uint64_t gpuvm_pte_make_table(uint64_t table_pa)
{
	return (table_pa & GPUVM_PTE_ADDR_MASK) | GPUVM_PTE_TYPE_TABLE;
}

/* Leaf attributes without address and type: what a split must copy. */
static inline uint64_t gpuvm_pte_attrs(uint64_t d)
{
	return d & ~(GPUVM_PTE_ADDR_MASK | GPUVM_PTE_TYPE_MASK);
}

static inline uint64_t gpuvm_pte_make_leaf(uint64_t pa, uint64_t attrs,
					   unsigned int level)
{
	return (pa & GPUVM_PTE_ADDR_MASK) | attrs |
	       (level == 3 ? GPUVM_PTE_TYPE_PAGE : GPUVM_PTE_TYPE_BLOCK);
}

/* ------------------------------------------------------------------ */
/* Instances                                                           */

/* Page-size bits, as in Linux's pgsize_bitmap. */
#define GPUVM_PT_PGSIZE_4K GPUVM_SZ_4K
#define GPUVM_PT_PGSIZE_2M GPUVM_SZ_2M
#define GPUVM_PT_PGSIZE_1G GPUVM_SZ_1G

/* Mapping attributes. */
#define GPUVM_PT_PROT_READONLY  (1u << 0)
#define GPUVM_PT_PROT_NOEXEC    (1u << 1)
#define GPUVM_PT_PROT_UNCACHED  (1u << 2)
/* NULL leaves: no memory behind them (the source is ignored). */
#define GPUVM_PT_PROT_NULL      (1u << 3)
#define GPUVM_PT_PROT_ALL       0xfu

struct gpuvm_pt;

struct gpuvm_pt_cfg {
	struct gpuvm_mem *mem;   /* where table pages live */
	unsigned int va_bits;    /* 32..48 */
	uint64_t pgsizes;        /* GPUVM_PT_PGSIZE_4K | optional 2M, 1G */
};

struct gpuvm_pt_stats {
	uint64_t table_pages;     /* tables in use, the top table included */
	uint64_t leaves[3];       /* valid leaves: [0] 4 KiB, [1] 2 MiB, [2] 1 GiB */
	uint64_t null_leaves;     /* of those, NULL leaves */
	uint64_t pte_writes;      /* descriptor writes, cumulative */
	uint64_t reserved_peak;   /* largest reservation filled, in pages */
};

/*
 * -EINVAL on a bad cfg, -ENOMEM. The top table is allocated here.
 * -EOPNOTSUPP for a memory without a frame allocator or with a backend
 * (gpuvm/mem.h): page tables need frames and host pointers to them.
 */
int gpuvm_pt_create(const struct gpuvm_pt_cfg *cfg, struct gpuvm_pt **out);
/*
 * Frees every table (the caller has made sure no TLB holds them). NULL is
 * allowed.
 */
void gpuvm_pt_destroy(struct gpuvm_pt *pt);

/*
 * The top table's PA, the walk's first level, the VA width and the page
 * sizes. A NULL pt gives values no instance has: UINT64_MAX (not a
 * table's address), GPUVM_PT_LEVELS (not a level), 0 and 0.
 */
uint64_t gpuvm_pt_root(const struct gpuvm_pt *pt);
unsigned int gpuvm_pt_start_level(const struct gpuvm_pt *pt);
unsigned int gpuvm_pt_va_bits(const struct gpuvm_pt *pt);
uint64_t gpuvm_pt_pgsizes(const struct gpuvm_pt *pt);
/* A NULL pt gives all-zero statistics. */
void gpuvm_pt_stats(const struct gpuvm_pt *pt, struct gpuvm_pt_stats *st);

/*
 * What a range maps. pa_at() returns the physical address behind iova and
 * stores in *contig how many bytes from iova on are physically contiguous
 * (at least 4 KiB). A BO with several runs, a repeat mapping or a cyclic
 * dummy are all sources; leaves are chosen from what pa_at reports.
 */
struct gpuvm_pt_shared;

struct gpuvm_pt_src {
	uint64_t (*pa_at)(void *cookie, uint64_t iova, uint64_t *contig);
	void *cookie;
	/*
	 * Optional: tables built for this source and protection that any
	 * whole, aligned entry of the range may link to instead of getting
	 * a table of its own (see gpuvm_pt_shared_create()).
	 */
	const struct gpuvm_pt_shared *shared;
};

/* A source for [iova, ...) -> [pa, ...), linear. */
struct gpuvm_pt_linear {
	struct gpuvm_pt_src src;
	uint64_t iova, pa;
};
void gpuvm_pt_linear_init(struct gpuvm_pt_linear *l, uint64_t iova,
			  uint64_t pa);

/* ------------------------------------------------------------------ */
/* Shared tables                                                       */

/*
 * Tables shared between entries, like the Linux KASAN zero shadow or
 * i915's scratch tables. A source is periodic when what VA x maps depends
 * only on x mod period (a cyclic 2 MiB dummy: period 2 MiB; NULL leaves:
 * any). Then a table mapping one whole level-L entry maps every aligned
 * level-L entry of such a range identically, so one table per level
 * serves every slot of every range of every page table that uses it.
 *
 * A page table links whole entries to these tables instead of building
 * its own (a sparse TiB costs a handful of descriptors), copies a shared
 * table before changing anything beneath it (copy-on-write: the copy maps
 * the same, so it needs no invalidation; the change after it gathers as
 * usual), and never frees one with its parents. Logical leaf counts
 * (gpuvm_pt_stats) include the leaves reached through shared tables;
 * table_pages counts only the page table's own tables.
 *
 * gpuvm_pt_shared_create() builds the tables of every level whose entries
 * cannot be leaves themselves, from src at VA 0 with prot; -EINVAL if
 * period is not a power of two of at least 4 KiB, -ENOMEM. A set built
 * for one source must only be given with that source (or one equal to it
 * modulo period) and the same prot: the prot is checked, the source is
 * the caller's promise. src may be NULL with GPUVM_PT_PROT_NULL only.
 */
int gpuvm_pt_shared_create(struct gpuvm_mem *mem, uint64_t pgsizes,
			   const struct gpuvm_pt_src *src, uint32_t prot,
			   uint64_t period, struct gpuvm_pt_shared **out);
/*
 * -EBUSY (nothing freed) while any page table still links to it. NULL is
 * allowed (0).
 */
int gpuvm_pt_shared_destroy(struct gpuvm_pt_shared *sh);
/* Table pages and links; 0 for a NULL set. */
uint64_t gpuvm_pt_shared_pages(const struct gpuvm_pt_shared *sh);
uint64_t gpuvm_pt_shared_links(const struct gpuvm_pt_shared *sh);

/* ------------------------------------------------------------------ */
/* Transactions                                                        */

struct gpuvm_pt_resv {
	/*
	 * Set by the caller, 0 for none: the most pages worth counting.
	 * A count that would pass it stops early with -ENOMEM, so a map too
	 * big for the memory fails in time bounded by the memory, not by
	 * the size of the request.
	 */
	uint64_t limit;
	uint64_t need;    /* pages counted by reserve_* */
	uint64_t filled;  /* pages held */
	uint64_t used;    /* pages taken by apply */
	uint64_t *pages;  /* PAs of the held pages */
};

struct gpuvm_pt_gather {
	uint64_t start, end;   /* range to invalidate; start == end: none */
	uint64_t freed_head;   /* queued tables (internal list), 0: none */
	uint64_t freed_count;
};

/* Does nothing for a NULL g. */
static inline void gpuvm_pt_gather_init(struct gpuvm_pt_gather *g)
{
	if (!g)
		return;
	g->start = g->end = 0;
	g->freed_head = 0;
	g->freed_count = 0;
}

/* Nothing to invalidate? True for a NULL g. */
static inline bool gpuvm_pt_gather_empty(const struct gpuvm_pt_gather *g)
{
	return !g || g->start == g->end;
}

/*
 * Step 1. Adds to resv->need the table pages mapping [iova, iova + size)
 * from src can need, or splitting blocks for unmapping it. Counts add up
 * over several calls; the sum is an upper bound for applying them in any
 * order within one transaction. -EINVAL for an unaligned range or one
 * outside the VA width. Here and in every map below, src may be NULL
 * with GPUVM_PT_PROT_NULL (NULL leaves have no source), -EINVAL without.
 */
int gpuvm_pt_reserve_map(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			 const struct gpuvm_pt_src *src, uint32_t prot,
			 struct gpuvm_pt_resv *resv);
int gpuvm_pt_reserve_unmap(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			   struct gpuvm_pt_resv *resv);
/*
 * The same counts as bounds that hold whatever the tables look like when
 * the change is applied, for changes reserved now and applied after
 * others (asynchronous binds). Exact counts need the current state; these
 * need none.
 */
int gpuvm_pt_reserve_map_worst(struct gpuvm_pt *pt, uint64_t iova,
			       uint64_t size, const struct gpuvm_pt_src *src,
			       uint32_t prot, struct gpuvm_pt_resv *resv);
int gpuvm_pt_reserve_unmap_worst(struct gpuvm_pt *pt, uint64_t iova,
				 uint64_t size, struct gpuvm_pt_resv *resv);

/*
 * Allocates the counted pages. -ENOMEM takes none of them; the
 * reservation must still be released, as always. A reservation that was
 * only counted must be released too, and before any shared set its count
 * relied on can be destroyed: counting holds a page-table slot for it.
 */
int gpuvm_pt_resv_fill(struct gpuvm_pt *pt, struct gpuvm_pt_resv *resv);
/* Returns the pages not taken, and frees the bookkeeping. */
void gpuvm_pt_resv_release(struct gpuvm_pt *pt, struct gpuvm_pt_resv *resv);

/*
 * Step 2. Cannot fail given a sufficient reservation: a range that is
 * not free (map) is a caller bug, reported as -EEXIST with nothing done;
 * -ENOSPC if the reservation ran out (also a bug, nothing done).
 */
int gpuvm_pt_map_reserved(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			  const struct gpuvm_pt_src *src, uint32_t prot,
			  struct gpuvm_pt_resv *resv,
			  struct gpuvm_pt_gather *gather);
int gpuvm_pt_unmap_reserved(struct gpuvm_pt *pt, uint64_t iova,
			    uint64_t size, struct gpuvm_pt_resv *resv,
			    struct gpuvm_pt_gather *gather);

/* Step 3: unlinks tables left empty inside the gather range. */
void gpuvm_pt_prune(struct gpuvm_pt *pt, struct gpuvm_pt_gather *gather);

/* Step 5, after the TLB invalidation: frees the queued tables. */
void gpuvm_pt_gather_release(struct gpuvm_pt *pt,
			     struct gpuvm_pt_gather *gather);

/*
 * One-change conveniences (steps 1-3 plus returning unused pages).
 * gpuvm_pt_map: -EINVAL (alignment, VA width, prot), -EEXIST (anything
 * already mapped in the range), -ENOMEM; nothing changed on error.
 * gpuvm_pt_unmap: unmapping nothing is fine; -EINVAL, -ENOMEM (a block
 * split needs a table). The caller still owes the invalidation and
 * gpuvm_pt_gather_release().
 */
int gpuvm_pt_map(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
		 const struct gpuvm_pt_src *src, uint32_t prot,
		 struct gpuvm_pt_gather *gather);
int gpuvm_pt_unmap(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
		   struct gpuvm_pt_gather *gather);

/* ------------------------------------------------------------------ */
/* Tracing                                                             */

/*
 * A trace hook for descriptor writes: desc_write is called after every
 * descriptor this page table writes (maps, unmaps, splits, links to and
 * copies of shared tables, pruning), with the descriptor's PA, the level
 * of the table it is in, the value before and the value written. Batched
 * writes (a run of level-3 pages, a shared table copied) report each
 * descriptor in slot order, the copy's 512 included. The
 * shared tables themselves (gpuvm_pt_shared_create()) belong to no page
 * table and are not traced; the top table is handed out zeroed, with no
 * write. desc_write runs in the thread applying the change, under the
 * caller's serialisation (one transaction at a time): it must not change
 * this page table. Unset, tracing costs one predictable branch per
 * descriptor write outside the level-3 fill loop and one per filled run.
 */
struct gpuvm_pt_trace {
	void *cookie;
	void (*desc_write)(void *cookie, uint64_t pa, unsigned int level,
			   uint64_t old, uint64_t desc);
};

/*
 * Sets the trace hook (*trace is copied); NULL, or a NULL desc_write,
 * removes it. -EINVAL for a NULL pt.
 */
int gpuvm_pt_set_trace(struct gpuvm_pt *pt, const struct gpuvm_pt_trace *trace);

/* ------------------------------------------------------------------ */
/* Walks and debug helpers                                             */

struct gpuvm_pt_walk {
	uint64_t pa;          /* output address for the iova */
	uint64_t desc;        /* the leaf descriptor */
	unsigned int level;   /* leaf level */
};

/* 0 and *w filled, or -ENOENT (nothing mapped), -EINVAL (outside). */
int gpuvm_pt_iova_to_phys(const struct gpuvm_pt *pt, uint64_t iova,
			  struct gpuvm_pt_walk *w);

/* The leaf attributes (no address, no type) a map with prot writes. */
uint64_t gpuvm_pt_prot_attrs(uint32_t prot);

/*
 * Calls fn for every leaf overlapping [start, end), in VA order, with the
 * leaf's whole range. Stops at the first non-zero return and returns it.
 * Visits only tables that exist. cookie is fn's own and may be NULL.
 */
typedef int (*gpuvm_pt_leaf_fn)(void *cookie, uint64_t va, uint64_t size,
				uint64_t desc);
int gpuvm_pt_for_each_leaf(const struct gpuvm_pt *pt, uint64_t start,
			   uint64_t end, gpuvm_pt_leaf_fn fn, void *cookie);

/*
 * Recounts everything from the descriptors; 0 or -EUCLEAN, with the
 * reason on err if it is not NULL.
 */
int gpuvm_pt_validate(const struct gpuvm_pt *pt, FILE *err);
/* One line per leaf run (merged when contiguous), in VA order. */
void gpuvm_pt_print(const struct gpuvm_pt *pt, FILE *f);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_PT_H */
