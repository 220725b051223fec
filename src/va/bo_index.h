/* SPDX-License-Identifier: MIT */
/*
 * DOC: the VM x BO link (internal to va)
 *
 * Which mappings of a space use a BO: what eviction walks. One record
 * per BO in an open-addressing hash table, each holding an intrusive
 * doubly linked list of that BO's mappings (sparse mappings under BO 0).
 * Adding a mapping appends it, removing it unlinks it, and the pieces a
 * REMAP leaves take the old mapping's place: all O(1), with no search
 * and no rebalancing, which is what drm_gpuvm does with its per-BO list.
 *
 * gpuvm_va_for_each_of_bo() promises address order, which appending
 * breaks. Each list is therefore a sorted prefix followed by a tail that
 * may be out of order (the record's "unsorted", the first node of that
 * tail, NULL when the whole list is sorted). An append that lands in
 * order keeps the list sorted (mappings handed out bottom-up do); the
 * first walk of a BO after out-of-order appends sorts the tail and
 * merges it in: O(k + t log t) for a list of k with t unsorted, where
 * the walk itself is O(k) anyway. Pieces of a REMAP are in order by
 * construction, and unlinking never disorders a list.
 *
 * The table grows (doubles) only through a table the caller allocated in
 * advance (va_bo_grow()), so that commit, which installs it, allocates
 * nothing. Records whose list empties are deleted (backward-shift
 * deletion, so lookups never need tombstones); the table never shrinks.
 */
#ifndef GPUVM_VA_BO_INDEX_H
#define GPUVM_VA_BO_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpuvm/va.h"

/* A mapping as the space holds it: 80 bytes. */
struct va_node {
	struct gpuvm_va va;        /* first: a gpuvm_va * is a va_node * */
	struct va_node *bo_next;
	struct va_node *bo_prev;
};

_Static_assert(offsetof(struct va_node, va) == 0, "va first");
_Static_assert(sizeof(struct va_node) == 80, "80-byte mappings");

struct va_bo_rec {
	uint64_t bo;
	struct va_node *head;      /* NULL: free slot */
	struct va_node *tail;
	struct va_node *unsorted;  /* first node of the unsorted tail */
};

struct va_bo_index {
	struct va_bo_rec *slot;
	uint32_t cap;              /* 0 or a power of two >= 8 */
	uint32_t used;
};

void va_bo_init(struct va_bo_index *ix);
void va_bo_fini(struct va_bo_index *ix);

/*
 * Capacity the table needs before a mapping of bo can be added: the
 * current one, or double (8 at first) when bo has no record and one more
 * would pass half full.
 */
uint32_t va_bo_cap_for(const struct va_bo_index *ix, uint64_t bo);
/* Moves every record into slot[0..cap) (zeroed), frees the old table. */
void va_bo_grow(struct va_bo_index *ix, struct va_bo_rec *slot, uint32_t cap);

/* Appends n to its BO's list; the record must exist or have room. */
void va_bo_link(struct va_bo_index *ix, struct va_node *n);
/* Unlinks n; a record left empty is deleted. */
void va_bo_unlink(struct va_bo_index *ix, struct va_node *n);
/* prev and/or next (non-NULL ones, in that order) take old's place. */
void va_bo_replace(struct va_bo_index *ix, struct va_node *old,
		   struct va_node *prev, struct va_node *next);

/* First mapping of bo in address order (sorting the list if needed). */
struct va_node *va_bo_first(struct va_bo_index *ix, uint64_t bo);

/* Host memory of the table. */
uint64_t va_bo_bytes(const struct va_bo_index *ix);

/* Whether n is one of the space's mappings. */
typedef bool (*va_bo_member_fn)(const void *ctx, const struct va_node *n);

/*
 * Checks the table and every list (at most max_nodes mappings, each a
 * member); *nodes gets the number listed. NULL if all is well, else what
 * is wrong, with *bad the mapping where it showed (or NULL).
 */
const char *va_bo_check(const struct va_bo_index *ix, uint64_t max_nodes,
			uint64_t *nodes, const struct gpuvm_va **bad,
			va_bo_member_fn member, const void *ctx);

#endif
