/* SPDX-License-Identifier: MIT */
/*
 * DOC: intrusive AVL tree
 *
 * The ordered index behind the VA manager (and anything else in gpuvm that
 * needs O(log n) ordered lookup). Intrusive, like the kernel's rbtree: the
 * caller embeds a struct gpuvm_avl_node in its own object and does its own
 * descent for lookups, so the tree never allocates and can never fail.
 *
 * AVL rather than red-black because lookups dominate (every GPU fault-free
 * access path in the driver and every bind looks up before it changes), and
 * AVL trees are shallower. Parent pointers make next/prev O(1) amortised and
 * erase need no search.
 */
#ifndef GPUVM_UTIL_AVL_H
#define GPUVM_UTIL_AVL_H

#include <stddef.h>
#include <stdbool.h>

struct gpuvm_avl_node {
	struct gpuvm_avl_node *parent;
	struct gpuvm_avl_node *child[2]; /* [0] left, [1] right */
	int height;                      /* leaf = 1 */
};

struct gpuvm_avl {
	struct gpuvm_avl_node *root;
};

/* Returns <0, 0, >0 as a sorts before, equal to, after b. */
typedef int (*gpuvm_avl_cmp_fn)(const struct gpuvm_avl_node *a,
				const struct gpuvm_avl_node *b);

#define gpuvm_avl_entry(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void gpuvm_avl_init(struct gpuvm_avl *t) { t->root = NULL; }
static inline bool gpuvm_avl_empty(const struct gpuvm_avl *t) { return !t->root; }

/* Inserts n; equal keys go to the right of existing ones. */
void gpuvm_avl_insert(struct gpuvm_avl *t, struct gpuvm_avl_node *n,
		      gpuvm_avl_cmp_fn cmp);
void gpuvm_avl_erase(struct gpuvm_avl *t, struct gpuvm_avl_node *n);

struct gpuvm_avl_node *gpuvm_avl_first(const struct gpuvm_avl *t);
struct gpuvm_avl_node *gpuvm_avl_last(const struct gpuvm_avl *t);
struct gpuvm_avl_node *gpuvm_avl_next(const struct gpuvm_avl_node *n);
struct gpuvm_avl_node *gpuvm_avl_prev(const struct gpuvm_avl_node *n);

/*
 * Checks heights, balance, parent links and ordering; returns the node
 * count, or -1 if any invariant is broken. O(n): for validate() helpers.
 */
long gpuvm_avl_check(const struct gpuvm_avl *t, gpuvm_avl_cmp_fn cmp);

#endif
