/* SPDX-License-Identifier: MIT */
/*
 * DOC: B+tree of disjoint ranges
 *
 * The ordered index behind the VA manager: a map from disjoint half-open
 * ranges [start, end) to non-NULL values, kept in start order, in the
 * manner of Linux's maple tree. Nodes are 256 bytes, four cache lines,
 * from a slab (util/slab.h):
 *
 *  - a leaf holds up to 10 entries {start, end, value} side by side, so
 *    "which range contains x" is answered from the leaf alone, and the
 *    line holding the start that matches also holds its end and value;
 *  - an inner node holds up to 16 {key, child} slots, key being the
 *    smallest start in that child's subtree (kept exact, so a descent
 *    for x always lands in the leaf holding the last start <= x).
 *
 * Unused slots hold the key UINT64_MAX, so a node is searched by one
 * branch-free count of keys <= x over the whole node: its four lines are
 * loaded together and no misprediction throws away the work of the CPU
 * running ahead into the next lookup. Starts must be below UINT64_MAX.
 *
 * With full nodes the depth is 4 at 10,000 entries and 6 at 1,000,000,
 * of which only the leaves and the level above them outgrow the caches.
 * Leaves are chained in order (next) for iteration; there are no parent pointers: every change
 * starts from a path recorded by a descent (struct gpuvm_btree_path), so
 * a split or merge never has to touch the children it moves.
 *
 * Changes never allocate except through a reservation: an insert of up
 * to GPUVM_BTREE_MAX_INSERT entries at one place splits at most one node
 * per level and adds at most a root, gpuvm_btree_insert_need() nodes in
 * all, which the caller reserves (gpuvm_btree_reserve()) beforehand, so
 * the insert itself cannot fail. Erase and replace never allocate.
 *
 * A node other than the root holds at least 4 entries (leaf) or 6
 * children (inner), except along the right edge of the tree: an insert
 * past the last entry splits the last leaf leaving it full, so entries
 * arriving in ascending order (the usual way VA is handed out) fill
 * their leaves completely.
 *
 * gpuvm_btree_validate() checks every invariant and gpuvm_btree_print()
 * draws the tree (keys, not addresses), as Mesa's util_vma_heap does.
 */
#ifndef GPUVM_UTIL_BTREE_H
#define GPUVM_UTIL_BTREE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/slab.h"

#define GPUVM_BTREE_LEAF_CAP 10
#define GPUVM_BTREE_LEAF_MIN 4
#define GPUVM_BTREE_FANOUT 16
#define GPUVM_BTREE_INNER_MIN 6
/* Most entries one gpuvm_btree_insert() adds. */
#define GPUVM_BTREE_MAX_INSERT 3
/*
 * Deeper than any tree can get: with 4 entries per leaf and 6 children
 * per node off the right edge, 24 levels would hold > 2^55 entries.
 */
#define GPUVM_BTREE_MAX_HEIGHT 24

struct gpuvm_btree_entry {
	uint64_t start;
	uint64_t end;
	void *val;
};

struct gpuvm_btree_leaf {
	struct gpuvm_btree_entry e[GPUVM_BTREE_LEAF_CAP];
	struct gpuvm_btree_leaf *next;
	uint32_t count;
	uint32_t pad_;
};

struct gpuvm_btree_slot {
	uint64_t key;
	void *child;
};

struct gpuvm_btree_inner {
	struct gpuvm_btree_slot s[GPUVM_BTREE_FANOUT];
};

_Static_assert(sizeof(struct gpuvm_btree_leaf) == 256, "leaf: 4 lines");
_Static_assert(sizeof(struct gpuvm_btree_inner) == 256, "inner: 4 lines");

struct gpuvm_btree {
	void *root;
	unsigned int height;    /* levels, leaves included; 0 when empty */
	uint64_t count;         /* entries */
	struct gpuvm_slab nodes;
};

/*
 * A root-to-leaf path: lvl[d] is the node at depth d and the index taken
 * there (lvl[height - 1] is the leaf and an entry index in it, which may
 * equal the leaf's count: the place after its last entry).
 */
struct gpuvm_btree_path {
	unsigned int height;
	struct {
		void *node;
		unsigned int idx;
	} lvl[GPUVM_BTREE_MAX_HEIGHT];
};

/* A place in the leaf chain, for iterating. */
struct gpuvm_btree_pos {
	const struct gpuvm_btree_leaf *leaf;
	unsigned int idx;
};

/* owner: what gpuvm_slab_owner() says for the tree's nodes. */
void gpuvm_btree_init(struct gpuvm_btree *t, void *owner);
/* Frees every node (not the values). */
void gpuvm_btree_fini(struct gpuvm_btree *t);

/* ------------------------------------------------------------------ */
/* Lookup                                                              */

/*
 * Number of keys of a node that are <= x: no branch on the data, and
 * four independent sums so the compares do not wait on each other.
 */
#define GPUVM_BTREE_LE4(a, i, k, x)                                        \
	do {                                                               \
		(a)[0] += (k)[(i) + 0].key <= (x);                         \
		(a)[1] += (k)[(i) + 1].key <= (x);                         \
		(a)[2] += (k)[(i) + 2].key <= (x);                         \
		(a)[3] += (k)[(i) + 3].key <= (x);                         \
	} while (0)

static inline unsigned int gpuvm_btree_leaf_rank(
	const struct gpuvm_btree_leaf *l, uint64_t x)
{
	const struct gpuvm_btree_entry *e = l->e;
	unsigned int a[2] = { 0, 0 };

	_Static_assert(GPUVM_BTREE_LEAF_CAP == 10, "unrolled for 10");
	a[0] += e[0].start <= x;
	a[1] += e[1].start <= x;
	a[0] += e[2].start <= x;
	a[1] += e[3].start <= x;
	a[0] += e[4].start <= x;
	a[1] += e[5].start <= x;
	a[0] += e[6].start <= x;
	a[1] += e[7].start <= x;
	a[0] += e[8].start <= x;
	a[1] += e[9].start <= x;
	return a[0] + a[1];
}

static inline unsigned int gpuvm_btree_inner_rank(
	const struct gpuvm_btree_inner *in, uint64_t x)
{
	const struct gpuvm_btree_slot *k = in->s;
	unsigned int a[4] = { 0, 0, 0, 0 };

	_Static_assert(GPUVM_BTREE_FANOUT == 16, "unrolled for 16");
	GPUVM_BTREE_LE4(a, 0, k, x);
	GPUVM_BTREE_LE4(a, 4, k, x);
	GPUVM_BTREE_LE4(a, 8, k, x);
	GPUVM_BTREE_LE4(a, 12, k, x);
	return a[0] + a[1] + a[2] + a[3];
}

/* The leaf that holds the last start <= x (the first leaf if none). */
static inline const struct gpuvm_btree_leaf *
gpuvm_btree_leaf_for(const struct gpuvm_btree *t, uint64_t x)
{
	const void *node = t->root;
	unsigned int d, n;

	for (d = 1; d < t->height; d++) {
		const struct gpuvm_btree_inner *in = node;

		n = gpuvm_btree_inner_rank(in, x);
		node = in->s[n ? n - 1 : 0].child;
	}
	return node;
}

/* The entry whose range contains x, or NULL. */
static inline const struct gpuvm_btree_entry *
gpuvm_btree_find(const struct gpuvm_btree *t, uint64_t x)
{
	const struct gpuvm_btree_leaf *l;
	unsigned int n;

	if (!t->height || x == UINT64_MAX)
		return NULL; /* no range reaches UINT64_MAX */
	l = gpuvm_btree_leaf_for(t, x);
	n = gpuvm_btree_leaf_rank(l, x);
	return n && x < l->e[n - 1].end ? &l->e[n - 1] : NULL;
}

/*
 * Records the path to the last start <= x: the leaf's idx is the number
 * of its starts <= x, so idx - 1 is that entry (if idx > 0) and idx is
 * where a range starting at x would be inserted.
 */
void gpuvm_btree_descend(const struct gpuvm_btree *t, uint64_t x,
			 struct gpuvm_btree_path *path);

/*
 * Moves path to the next entry (to the first one of the next leaf when
 * idx reached the leaf's count). false, path unchanged, past the last.
 */
bool gpuvm_btree_path_next(struct gpuvm_btree_path *path);

/* The entry path points at; the path must point at one. */
static inline struct gpuvm_btree_entry *
gpuvm_btree_path_entry(const struct gpuvm_btree_path *path)
{
	struct gpuvm_btree_leaf *l = path->lvl[path->height - 1].node;

	return &l->e[path->lvl[path->height - 1].idx];
}

/* Iteration by position: NULL entry when past the end. */
static inline struct gpuvm_btree_pos
gpuvm_btree_pos_of(const struct gpuvm_btree_path *p)
{
	struct gpuvm_btree_pos pos = { NULL, 0 };

	if (p->height) {
		pos.leaf = p->lvl[p->height - 1].node;
		pos.idx = p->lvl[p->height - 1].idx;
	}
	return pos;
}
static inline const struct gpuvm_btree_entry *
gpuvm_btree_pos_entry(struct gpuvm_btree_pos *pos)
{
	if (pos->leaf && pos->idx >= pos->leaf->count) {
		pos->leaf = pos->leaf->next;
		pos->idx = 0;
	}
	return pos->leaf ? &pos->leaf->e[pos->idx] : NULL;
}

static inline void gpuvm_btree_pos_step(struct gpuvm_btree_pos *pos)
{
	pos->idx++;
}

/* ------------------------------------------------------------------ */
/* Changes                                                             */

/* Nodes an insert may allocate now (reserve them first). */
static inline unsigned int gpuvm_btree_insert_need(const struct gpuvm_btree *t)
{
	return t->height + 1;
}

static inline int gpuvm_btree_reserve(struct gpuvm_btree *t,
				      unsigned int nodes)
{
	return gpuvm_slab_reserve(&t->nodes, nodes);
}

static inline void gpuvm_btree_unreserve(struct gpuvm_btree *t,
					 unsigned int nodes)
{
	gpuvm_slab_unreserve(&t->nodes, nodes);
}

/*
 * Inserts e[0..n) (n <= GPUVM_BTREE_MAX_INSERT, sorted, disjoint) at the
 * path's leaf index; they must fit between the entries around it. Takes
 * its nodes from the reservation and returns how many it took.
 */
unsigned int gpuvm_btree_insert(struct gpuvm_btree *t,
				struct gpuvm_btree_path *path,
				const struct gpuvm_btree_entry *e,
				unsigned int n);

/* Removes the entry the path points at. The path is stale afterwards. */
void gpuvm_btree_erase(struct gpuvm_btree *t, struct gpuvm_btree_path *path);

/*
 * Overwrites the entry the path points at; e must still sort between
 * its neighbours. The path stays valid (only keys change).
 */
void gpuvm_btree_replace(struct gpuvm_btree *t,
			 const struct gpuvm_btree_path *path,
			 const struct gpuvm_btree_entry *e);

/* ------------------------------------------------------------------ */
/* Accounting and debug helpers                                        */

/* Host memory of the nodes (whole touched pages of their chunks). */
static inline uint64_t gpuvm_btree_bytes(const struct gpuvm_btree *t)
{
	return gpuvm_slab_bytes(&t->nodes);
}

/*
 * Checks every invariant: uniform depth, exact inner keys, order and
 * disjointness, sentinels, fill, the leaf chain, the count, the slab.
 * Returns the entry count, or -1 describing the first problem on err
 * (if non-NULL).
 */
long gpuvm_btree_validate(const struct gpuvm_btree *t, FILE *err);

/* The tree level by level: starts of inner slots, ranges in leaves. */
void gpuvm_btree_print(const struct gpuvm_btree *t, FILE *f);

#endif
