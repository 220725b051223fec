/* SPDX-License-Identifier: MIT */
/*
 * DOC: the simulated MMU's TLB (internal)
 *
 * Leaf translations, cached by page size in three direct-mapped arrays:
 * 4 KiB pages (as many entries as the AS asks for), 2 MiB blocks and
 * 1 GiB blocks (small fixed arrays, as real TLBs have fewer large-page
 * entries). A block is one entry however many of its pages are used,
 * which is the whole point of mapping with blocks.
 *
 * Direct-mapped because the hit path is then one load and one compare
 * per array, no replacement state to update, and it is easy to reason
 * about which entry an invalidation must look at: an entry for page
 * number p can only sit in slot p & mask.
 *
 * The valid bit lives in bit 0 of the tag (VA bases are at least 4 KiB
 * aligned, so the bit is free): a probe compares the tag with
 * "base | valid" and a single compare answers both "is it valid" and "is
 * it this page". An invalid entry's tag is 0, which never matches.
 *
 * The TLB keeps no counters and never walks; the MMU does both.
 */
#ifndef GPUVM_MMU_TLB_H
#define GPUVM_MMU_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "gpuvm/pt.h"

#define GPUVM_TLB_VALID     1ull
/* Array 0 holds level-3 pages, 1 level-2 blocks, 2 level-1 blocks. */
#define GPUVM_TLB_SIZES     3
#define GPUVM_TLB_2M_ENTRIES 32
#define GPUVM_TLB_1G_ENTRIES 8

/*
 * Entries are read without a lock by concurrent readers (mmu.c), so each
 * is a seqlock: a writer makes seq odd, stores the fields and makes seq
 * even again; a reader that sees seq change across its loads, or odd,
 * treats the entry as a miss. The ordering comes from acquire loads and
 * release stores of the fields themselves rather than fences (which
 * ThreadSanitizer does not model); on x86-64 all of them are plain moves.
 */
struct gpuvm_tlb_entry {
	uint64_t seq;  /* odd while being written */
	uint64_t tag;  /* VA base | GPUVM_TLB_VALID; 0 when invalid */
	uint64_t pa;   /* output base (0 for a NULL leaf) */
	uint64_t desc; /* the leaf descriptor, for permission checks */
};

/* What a lookup found: a consistent copy of one entry. */
struct gpuvm_tlb_hit {
	struct gpuvm_tlb_entry *e;
	unsigned int idx;      /* its array */
	uint64_t tag, pa, desc;
};

struct gpuvm_tlb_array {
	struct gpuvm_tlb_entry *e;
	uint64_t mask;       /* entries - 1 */
};

struct gpuvm_tlb {
	struct gpuvm_tlb_array a[GPUVM_TLB_SIZES];
	struct gpuvm_tlb_entry *mem; /* one allocation behind all three */
};

/* Array index for a leaf level (3, 2, 1) and back. */
static inline unsigned int gpuvm_tlb_size_idx(unsigned int level)
{
	return 3 - level;
}

static inline unsigned int gpuvm_tlb_level(unsigned int idx)
{
	return 3 - idx;
}

/* log2 of an array's page size: 12, 21, 30. */
static inline unsigned int gpuvm_tlb_shift(unsigned int idx)
{
	return gpuvm_pt_level_shift(gpuvm_tlb_level(idx));
}

/* entries4k: a power of two. 0 or -ENOMEM. */
int gpuvm_tlb_init(struct gpuvm_tlb *t, unsigned int entries4k);
void gpuvm_tlb_fini(struct gpuvm_tlb *t);

static inline struct gpuvm_tlb_entry *
gpuvm_tlb_slot(const struct gpuvm_tlb *t, unsigned int idx, uint64_t va)
{
	const struct gpuvm_tlb_array *a = &t->a[idx];

	return &a->e[(va >> gpuvm_tlb_shift(idx)) & a->mask];
}

#define TLB_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define TLB_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/*
 * Finds the entry translating va and copies it to *h; false on a miss.
 * Inline so a hit costs no call: three probes at most, small pages first
 * because they are the common case. Safe against a concurrent writer: a
 * torn entry reads as a miss.
 */
static inline bool gpuvm_tlb_lookup(const struct gpuvm_tlb *t, uint64_t va,
				    struct gpuvm_tlb_hit *h)
{
	for (unsigned int i = 0; i < GPUVM_TLB_SIZES; i++) {
		struct gpuvm_tlb_entry *e = gpuvm_tlb_slot(t, i, va);
		unsigned int shift = gpuvm_tlb_shift(i);
		uint64_t want = (va >> shift << shift) | GPUVM_TLB_VALID;
		uint64_t s = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);

		if (__atomic_load_n(&e->tag, __ATOMIC_ACQUIRE) != want)
			continue;
		h->pa = __atomic_load_n(&e->pa, __ATOMIC_ACQUIRE);
		h->desc = __atomic_load_n(&e->desc, __ATOMIC_ACQUIRE);
		if ((s & 1) || TLB_LOAD(&e->seq) != s)
			continue;
		h->e = e;
		h->idx = i;
		h->tag = want;
		return true;
	}
	return false;
}

/* A writer's bracket around changing an entry (writers are serialised). */
static inline void gpuvm_tlb_write_begin(struct gpuvm_tlb_entry *e)
{
	TLB_STORE(&e->seq, TLB_LOAD(&e->seq) + 1);
}

/* Release: a field's store is not seen before the odd seq above. */
#define TLB_STORE_FIELD(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static inline void gpuvm_tlb_write_end(struct gpuvm_tlb_entry *e)
{
	__atomic_store_n(&e->seq, TLB_LOAD(&e->seq) + 1, __ATOMIC_RELEASE);
}

/* Caches the leaf at `level` translating va, evicting the slot's entry. */
static inline void gpuvm_tlb_insert(struct gpuvm_tlb *t, unsigned int level,
				    uint64_t va, uint64_t pa, uint64_t desc)
{
	unsigned int idx = gpuvm_tlb_size_idx(level);
	struct gpuvm_tlb_entry *e = gpuvm_tlb_slot(t, idx, va);
	unsigned int shift = gpuvm_tlb_shift(idx);

	gpuvm_tlb_write_begin(e);
	TLB_STORE_FIELD(&e->tag, (va >> shift << shift) | GPUVM_TLB_VALID);
	TLB_STORE_FIELD(&e->pa, pa);
	TLB_STORE_FIELD(&e->desc, desc);
	gpuvm_tlb_write_end(e);
}

/* Drops the entry if it still holds tag (a hit found earlier). */
static inline bool gpuvm_tlb_drop(struct gpuvm_tlb_entry *e, uint64_t tag)
{
	if (TLB_LOAD(&e->tag) != tag)
		return false;
	gpuvm_tlb_write_begin(e);
	TLB_STORE_FIELD(&e->tag, 0);
	gpuvm_tlb_write_end(e);
	return true;
}

/*
 * Drops every entry overlapping [va, last] (last inclusive, so a range
 * reaching the top of the address space needs no wrapping end). Returns
 * how many valid entries went.
 */
uint64_t gpuvm_tlb_invalidate(struct gpuvm_tlb *t, uint64_t va, uint64_t last);
uint64_t gpuvm_tlb_invalidate_all(struct gpuvm_tlb *t);

#endif /* GPUVM_MMU_TLB_H */
