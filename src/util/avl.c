// SPDX-License-Identifier: MIT
/*
 * DOC: AVL tree implementation
 *
 * Standard AVL with parent pointers. Both insert and erase retrace from the
 * changed node to the root, fixing heights and rotating where the balance
 * factor reaches +-2. Insert stops early once a height is unchanged; erase
 * simply retraces to the root, which is O(log n) anyway and keeps the one
 * subtle case (a rotation that leaves the height unchanged) obviously
 * right.
 */
#include "util/avl.h"

static int height(const struct gpuvm_avl_node *n)
{
	return n ? n->height : 0;
}

static void update_height(struct gpuvm_avl_node *n)
{
	int l = height(n->child[0]), r = height(n->child[1]);

	n->height = (l > r ? l : r) + 1;
}

static int balance(const struct gpuvm_avl_node *n)
{
	return height(n->child[1]) - height(n->child[0]);
}

/* Points whatever referenced old (parent slot or root) at new. */
static void replace_child(struct gpuvm_avl *t, struct gpuvm_avl_node *parent,
			  struct gpuvm_avl_node *old, struct gpuvm_avl_node *new)
{
	if (!parent)
		t->root = new;
	else if (parent->child[0] == old)
		parent->child[0] = new;
	else
		parent->child[1] = new;
	if (new)
		new->parent = parent;
}

/*
 * Rotates n down towards side dir (dir = 0: left rotation, its right child
 * comes up). Returns the node now in n's place.
 */
static struct gpuvm_avl_node *rotate(struct gpuvm_avl *t,
				     struct gpuvm_avl_node *n, int dir)
{
	struct gpuvm_avl_node *up = n->child[!dir];
	struct gpuvm_avl_node *moved = up->child[dir];

	replace_child(t, n->parent, n, up);
	n->child[!dir] = moved;
	if (moved)
		moved->parent = n;
	up->child[dir] = n;
	n->parent = up;
	update_height(n);
	update_height(up);
	return up;
}

/* Restores balance at n; returns the subtree root now in n's place. */
static struct gpuvm_avl_node *rebalance(struct gpuvm_avl *t,
					struct gpuvm_avl_node *n)
{
	int b = balance(n);

	if (b > 1) {
		if (balance(n->child[1]) < 0)
			rotate(t, n->child[1], 1);
		return rotate(t, n, 0);
	}
	if (b < -1) {
		if (balance(n->child[0]) > 0)
			rotate(t, n->child[0], 0);
		return rotate(t, n, 1);
	}
	update_height(n);
	return n;
}

static void retrace(struct gpuvm_avl *t, struct gpuvm_avl_node *n,
		    bool stop_when_unchanged)
{
	while (n) {
		int old = n->height;

		n = rebalance(t, n);
		if (stop_when_unchanged && n->height == old)
			return;
		n = n->parent;
	}
}

void gpuvm_avl_insert(struct gpuvm_avl *t, struct gpuvm_avl_node *n,
		      gpuvm_avl_cmp_fn cmp)
{
	struct gpuvm_avl_node *parent = NULL, **link = &t->root;

	while (*link) {
		parent = *link;
		link = &parent->child[cmp(n, parent) >= 0];
	}
	n->parent = parent;
	n->child[0] = n->child[1] = NULL;
	n->height = 1;
	*link = n;
	retrace(t, parent, true);
}

void gpuvm_avl_erase(struct gpuvm_avl *t, struct gpuvm_avl_node *n)
{
	struct gpuvm_avl_node *fix;

	if (n->child[0] && n->child[1]) {
		/* Swap in the in-order successor, which has no left child. */
		struct gpuvm_avl_node *s = n->child[1];

		while (s->child[0])
			s = s->child[0];
		if (s->parent == n) {
			fix = s;
		} else {
			fix = s->parent;
			replace_child(t, s->parent, s, s->child[1]);
			s->child[1] = n->child[1];
			s->child[1]->parent = s;
		}
		replace_child(t, n->parent, n, s);
		s->child[0] = n->child[0];
		s->child[0]->parent = s;
		s->height = n->height;
	} else {
		fix = n->parent;
		replace_child(t, n->parent, n, n->child[n->child[0] == NULL]);
	}
	retrace(t, fix, false);
}

static struct gpuvm_avl_node *extreme(struct gpuvm_avl_node *n, int dir)
{
	if (n)
		while (n->child[dir])
			n = n->child[dir];
	return n;
}

struct gpuvm_avl_node *gpuvm_avl_first(const struct gpuvm_avl *t)
{
	return extreme(t->root, 0);
}

struct gpuvm_avl_node *gpuvm_avl_last(const struct gpuvm_avl *t)
{
	return extreme(t->root, 1);
}

static struct gpuvm_avl_node *step(const struct gpuvm_avl_node *n, int dir)
{
	const struct gpuvm_avl_node *p;

	if (n->child[dir])
		return extreme(n->child[dir], !dir);
	for (p = n->parent; p && n == p->child[dir]; p = p->parent)
		n = p;
	return (struct gpuvm_avl_node *)p;
}

struct gpuvm_avl_node *gpuvm_avl_next(const struct gpuvm_avl_node *n)
{
	return step(n, 1);
}

struct gpuvm_avl_node *gpuvm_avl_prev(const struct gpuvm_avl_node *n)
{
	return step(n, 0);
}

static int check_node(const struct gpuvm_avl_node *n,
		      const struct gpuvm_avl_node *parent, long *count)
{
	int l, r;

	if (!n)
		return 0;
	if (n->parent != parent)
		return -1;
	l = check_node(n->child[0], n, count);
	r = check_node(n->child[1], n, count);
	if (l < 0 || r < 0 || l - r > 1 || r - l > 1)
		return -1;
	if (n->height != (l > r ? l : r) + 1)
		return -1;
	(*count)++;
	return n->height;
}

long gpuvm_avl_check(const struct gpuvm_avl *t, gpuvm_avl_cmp_fn cmp)
{
	const struct gpuvm_avl_node *n, *prev = NULL;
	long count = 0, walked = 0;

	if (check_node(t->root, NULL, &count) < 0)
		return -1;
	for (n = gpuvm_avl_first(t); n; n = gpuvm_avl_next(n)) {
		if (prev && cmp(prev, n) > 0)
			return -1;
		prev = n;
		walked++;
	}
	return walked == count ? count : -1;
}
