// SPDX-License-Identifier: MIT
/*
 * DOC: B+tree implementation
 *
 * Inserts go into the leaf a descent found, or, when they land after the
 * last entry of a full leaf, into the next leaf if it has room. A leaf
 * that would overflow first shares its entries with a neighbour under the
 * same parent that has room; failing that it splits once, into two
 * halves, or, when the new entries go past the last entry of the last
 * leaf, into the old leaf left full and a new one with the new entries
 * (so ascending inserts pack leaves). The new node joins its parent right
 * after the split one, which may split the parent the same way (its right
 * edge keeping 15 children and giving two, so no node has one child), up
 * to a new root.
 *
 * Erase takes the entry out and, when a node falls under its minimum,
 * merges it with a neighbour under the same parent if both fit in one
 * node, or else shares their entries evenly; a merge may leave the
 * parent under its minimum in turn, and a root with one child gives way
 * to that child.
 *
 * Inner slot keys are the smallest start below them, exactly: whenever a
 * leaf's first start changes, the keys on the path above it are updated
 * up to the first ancestor where the path does not take the first slot.
 * With exact keys, moving slots between inner nodes carries the right
 * keys along and needs no key arithmetic.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "util/btree.h"

#define LEAF_CAP GPUVM_BTREE_LEAF_CAP
#define LEAF_MIN GPUVM_BTREE_LEAF_MIN
#define FANOUT GPUVM_BTREE_FANOUT
#define INNER_MIN GPUVM_BTREE_INNER_MIN

typedef struct gpuvm_btree_leaf leaf_t;
typedef struct gpuvm_btree_inner inner_t;
typedef struct gpuvm_btree_entry entry_t;
typedef struct gpuvm_btree_slot slot_t;

void gpuvm_btree_init(struct gpuvm_btree *t, void *owner)
{
	t->root = NULL;
	t->height = 0;
	t->count = 0;
	gpuvm_slab_init(&t->nodes, 256, owner);
}

void gpuvm_btree_fini(struct gpuvm_btree *t)
{
	gpuvm_slab_fini(&t->nodes);
	t->root = NULL;
	t->height = 0;
	t->count = 0;
}

/* ------------------------------------------------------------------ */
/* Nodes                                                               */

static void clear_entries(entry_t *e, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		e[i] = (entry_t){ .start = UINT64_MAX };
}

static void clear_slots(slot_t *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		s[i] = (slot_t){ .key = UINT64_MAX };
}

static leaf_t *new_leaf(struct gpuvm_btree *t)
{
	leaf_t *l = gpuvm_slab_alloc_reserved(&t->nodes);

	clear_entries(l->e, LEAF_CAP);
	return l;
}

static inner_t *new_inner(struct gpuvm_btree *t)
{
	inner_t *in = gpuvm_slab_alloc_reserved(&t->nodes);

	clear_slots(in->s, FANOUT);
	return in;
}

static void free_node(struct gpuvm_btree *t, void *node)
{
	gpuvm_slab_free(&t->nodes, node);
}

static unsigned int inner_count(const inner_t *in)
{
	unsigned int i, n = 0;

	for (i = 0; i < FANOUT; i++)
		n += in->s[i].child != NULL;
	return n;
}

/* Smallest start under node, a subtree of the given height. */
static uint64_t min_of(const void *node, unsigned int height)
{
	return height == 1 ? ((const leaf_t *)node)->e[0].start
			   : ((const inner_t *)node)->s[0].key;
}

static leaf_t *path_leaf(const struct gpuvm_btree_path *p)
{
	return p->lvl[p->height - 1].node;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

void gpuvm_btree_descend(const struct gpuvm_btree *t, uint64_t x,
			 struct gpuvm_btree_path *path)
{
	const void *node = t->root;
	unsigned int d, n;

	/* No start is UINT64_MAX: the sentinels must never count. */
	if (x == UINT64_MAX)
		x--;
	path->height = t->height;
	for (d = 0; d + 1 < t->height; d++) {
		const inner_t *in = node;

		n = gpuvm_btree_inner_rank(in, x);
		path->lvl[d].node = (void *)in;
		path->lvl[d].idx = n ? n - 1 : 0;
		node = in->s[path->lvl[d].idx].child;
	}
	if (t->height) {
		path->lvl[d].node = (void *)node;
		path->lvl[d].idx = gpuvm_btree_leaf_rank(node, x);
	}
}

bool gpuvm_btree_path_next(struct gpuvm_btree_path *path)
{
	unsigned int h = path->height, d, e;
	void *node;

	if (!h)
		return false;
	if (path->lvl[h - 1].idx + 1 < path_leaf(path)->count) {
		path->lvl[h - 1].idx++;
		return true;
	}
	for (d = h - 1; d-- > 0;) {
		inner_t *in = path->lvl[d].node;

		if (path->lvl[d].idx + 1 >= inner_count(in))
			continue;
		node = in->s[++path->lvl[d].idx].child;
		for (e = d + 1; e < h; e++) {
			path->lvl[e].node = node;
			path->lvl[e].idx = 0;
			if (e + 1 < h)
				node = ((inner_t *)node)->s[0].child;
		}
		return true;
	}
	return false;
}

/*
 * The node at depth d now starts at min: update the keys above it, up
 * to the first ancestor that does not reach it through its first slot.
 */
static void fix_min(const struct gpuvm_btree_path *path, unsigned int d,
		    uint64_t min)
{
	while (d-- > 0) {
		inner_t *in = path->lvl[d].node;
		unsigned int i = path->lvl[d].idx;

		in->s[i].key = min;
		if (i)
			return;
	}
}

/* The node at depth d is the last of its level. */
static bool is_last(const struct gpuvm_btree_path *path, unsigned int d)
{
	unsigned int e;

	for (e = 0; e < d; e++)
		if (path->lvl[e].idx + 1 != inner_count(path->lvl[e].node))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Insert                                                              */

/*
 * Adds child (smallest start key) right after the slot the path takes
 * at depth d, splitting that node if full; d < 0 means above the root.
 * Returns the nodes it allocated.
 */
static unsigned int add_child(struct gpuvm_btree *t,
			      const struct gpuvm_btree_path *path, int d,
			      uint64_t key, void *child)
{
	slot_t tmp[FANOUT + 1];
	unsigned int q, cnt, keep;
	inner_t *in, *r;

	if (d < 0) {
		in = new_inner(t);
		in->s[0] = (slot_t){ min_of(t->root, t->height), t->root };
		in->s[1] = (slot_t){ key, child };
		t->root = in;
		t->height++;
		return 1;
	}
	in = path->lvl[d].node;
	q = path->lvl[d].idx + 1;
	cnt = inner_count(in);
	if (cnt < FANOUT) {
		memmove(&in->s[q + 1], &in->s[q], (cnt - q) * sizeof(slot_t));
		in->s[q] = (slot_t){ key, child };
		return 0;
	}
	memcpy(tmp, in->s, q * sizeof(slot_t));
	tmp[q] = (slot_t){ key, child };
	memcpy(&tmp[q + 1], &in->s[q], (cnt - q) * sizeof(slot_t));
	/* Past the last child of the last node: keep this one full. */
	keep = q == cnt && is_last(path, (unsigned int)d) ? FANOUT - 1
							 : (FANOUT + 2) / 2;
	r = new_inner(t);
	memcpy(in->s, tmp, keep * sizeof(slot_t));
	clear_slots(&in->s[keep], FANOUT - keep);
	memcpy(r->s, &tmp[keep], (FANOUT + 1 - keep) * sizeof(slot_t));
	return 1 + add_child(t, path, d - 1, r->s[0].key, r);
}

/* l takes tmp[0..keep) (its old entries and the new ones, in order). */
static void leaf_take(leaf_t *l, const entry_t *tmp, unsigned int keep)
{
	memcpy(l->e, tmp, keep * sizeof(entry_t));
	clear_entries(&l->e[keep], LEAF_CAP - keep);
	l->count = keep;
}

/*
 * The full leaf l, with the new entries, holds tmp[0..total): if a
 * neighbour under the same parent has room, share the entries with it
 * instead of splitting (no node needed; it also keeps leaves full where
 * a key lands at the end of a full leaf whose right neighbour has room,
 * as one that was erased from the front of that neighbour does).
 */
static bool shift_leaf(const struct gpuvm_btree_path *path,
		       const entry_t *tmp, unsigned int total)
{
	unsigned int h = path->height, ci, pc, sc, nl, mv;
	inner_t *p;
	leaf_t *l = path_leaf(path), *s, *ls, *rs;

	if (h < 2)
		return false;
	p = path->lvl[h - 2].node;
	ci = path->lvl[h - 2].idx;
	pc = inner_count(p);
	ls = ci ? p->s[ci - 1].child : NULL;
	rs = ci + 1 < pc ? p->s[ci + 1].child : NULL;
	s = !ls || (rs && rs->count < ls->count) ? rs : ls;
	if (!s || s->count + total > 2 * LEAF_CAP)
		return false;
	sc = s->count;
	if (s == rs) {
		nl = (total + sc + 1) / 2;
		mv = total - nl;
		memmove(&s->e[mv], s->e, sc * sizeof(entry_t));
		memcpy(s->e, &tmp[nl], mv * sizeof(entry_t));
		s->count += mv;
		leaf_take(l, tmp, nl);
		p->s[ci + 1].key = s->e[0].start;
	} else {
		mv = (total + sc) / 2 - sc;
		memcpy(&s->e[sc], tmp, mv * sizeof(entry_t));
		s->count += mv;
		leaf_take(l, &tmp[mv], total - mv);
	}
	fix_min(path, h - 1, l->e[0].start);
	return true;
}

/* Inserts e[0..n) at p of a full leaf l: shares or splits. */
static unsigned int split_leaf(struct gpuvm_btree *t,
			       struct gpuvm_btree_path *path,
			       const entry_t *e, unsigned int n)
{
	entry_t tmp[LEAF_CAP + GPUVM_BTREE_MAX_INSERT];
	unsigned int h = path->height, p = path->lvl[h - 1].idx;
	leaf_t *l = path_leaf(path), *r;
	unsigned int total = l->count + n, keep;

	memcpy(tmp, l->e, p * sizeof(entry_t));
	memcpy(&tmp[p], e, n * sizeof(entry_t));
	memcpy(&tmp[p + n], &l->e[p], (l->count - p) * sizeof(entry_t));
	if (shift_leaf(path, tmp, total))
		return 0;
	/* Past the end of the last leaf: keep this one full. */
	keep = !l->next && p == l->count ? l->count : (total + 1) / 2;
	r = new_leaf(t);
	leaf_take(l, tmp, keep);
	memcpy(r->e, &tmp[keep], (total - keep) * sizeof(entry_t));
	r->count = total - keep;
	r->next = l->next;
	l->next = r;
	if (!p)
		fix_min(path, h - 1, l->e[0].start);
	return 1 + add_child(t, path, (int)h - 2, r->e[0].start, r);
}

unsigned int gpuvm_btree_insert(struct gpuvm_btree *t,
				struct gpuvm_btree_path *path,
				const struct gpuvm_btree_entry *e,
				unsigned int n)
{
	unsigned int h = path->height, p;
	leaf_t *l;

	t->count += n;
	if (!h) {
		l = new_leaf(t);
		memcpy(l->e, e, n * sizeof(entry_t));
		l->count = n;
		t->root = l;
		t->height = 1;
		return 1;
	}
	l = path_leaf(path);
	p = path->lvl[h - 1].idx;
	/*
	 * After the last entry of a full leaf is also before the first of
	 * the next one: go there if it has room (a descent always picks
	 * the left one of the two).
	 */
	if (l->count + n > LEAF_CAP && p == l->count && l->next &&
	    l->next->count + n <= LEAF_CAP) {
		gpuvm_btree_path_next(path);
		l = l->next;
		p = 0;
	}
	if (l->count + n > LEAF_CAP)
		return split_leaf(t, path, e, n);
	memmove(&l->e[p + n], &l->e[p], (l->count - p) * sizeof(entry_t));
	memcpy(&l->e[p], e, n * sizeof(entry_t));
	l->count += n;
	if (!p)
		fix_min(path, h - 1, l->e[0].start);
	return 0;
}

void gpuvm_btree_replace(struct gpuvm_btree *t,
			 const struct gpuvm_btree_path *path,
			 const struct gpuvm_btree_entry *e)
{
	unsigned int h = path->height, p = path->lvl[h - 1].idx;

	(void)t;
	path_leaf(path)->e[p] = *e;
	if (!p)
		fix_min(path, h - 1, e->start);
}

/* ------------------------------------------------------------------ */
/* Erase                                                               */

static void remove_slot(inner_t *in, unsigned int i)
{
	unsigned int cnt = inner_count(in);

	memmove(&in->s[i], &in->s[i + 1], (cnt - i - 1) * sizeof(slot_t));
	clear_slots(&in->s[cnt - 1], 1);
}

static void after_remove(struct gpuvm_btree *t,
			 const struct gpuvm_btree_path *path, unsigned int d);

/*
 * The inner node at depth d (> 0) is under its minimum: merge it with a
 * neighbour or share their slots. Keys travel with their slots; only the
 * parent's key of the right node can change.
 */
static void rebalance_inner(struct gpuvm_btree *t,
			    const struct gpuvm_btree_path *path, unsigned int d)
{
	inner_t *g = path->lvl[d - 1].node, *l, *r;
	unsigned int ci = path->lvl[d - 1].idx, li, lc, rc, nl;

	li = ci + 1 < inner_count(g) ? ci : ci - 1;
	l = g->s[li].child;
	r = g->s[li + 1].child;
	lc = inner_count(l);
	rc = inner_count(r);
	if (lc + rc <= FANOUT) {
		memcpy(&l->s[lc], r->s, rc * sizeof(slot_t));
		free_node(t, r);
		remove_slot(g, li + 1);
		after_remove(t, path, d - 1);
		return;
	}
	nl = (lc + rc + 1) / 2;
	if (lc < nl) {
		memcpy(&l->s[lc], r->s, (nl - lc) * sizeof(slot_t));
		memmove(r->s, &r->s[nl - lc], (rc - (nl - lc)) * sizeof(slot_t));
		clear_slots(&r->s[rc - (nl - lc)], nl - lc);
	} else {
		memmove(&r->s[lc - nl], r->s, rc * sizeof(slot_t));
		memcpy(r->s, &l->s[nl], (lc - nl) * sizeof(slot_t));
		clear_slots(&l->s[nl], lc - nl);
	}
	g->s[li + 1].key = r->s[0].key;
}

/* The inner node at depth d lost a child. */
static void after_remove(struct gpuvm_btree *t,
			 const struct gpuvm_btree_path *path, unsigned int d)
{
	inner_t *in = path->lvl[d].node;
	unsigned int cnt = inner_count(in);

	if (d == 0) {
		if (cnt == 1) {
			t->root = in->s[0].child;
			t->height--;
			free_node(t, in);
		}
		return;
	}
	if (cnt < INNER_MIN)
		rebalance_inner(t, path, d);
}

/* The path's leaf is under its minimum (maybe empty); its parent exists. */
static void rebalance_leaf(struct gpuvm_btree *t,
			   const struct gpuvm_btree_path *path)
{
	unsigned int d = path->height - 2, ci = path->lvl[d].idx, li, nl, mv;
	inner_t *p = path->lvl[d].node;
	bool merged;
	leaf_t *l, *r;

	li = ci + 1 < inner_count(p) ? ci : ci - 1;
	l = p->s[li].child;
	r = p->s[li + 1].child;
	merged = l->count + r->count <= LEAF_CAP;
	if (merged) {
		memcpy(&l->e[l->count], r->e, r->count * sizeof(entry_t));
		l->count += r->count;
		l->next = r->next;
		free_node(t, r);
		remove_slot(p, li + 1);
	} else {
		nl = (l->count + r->count + 1) / 2;
		if (l->count < nl) {
			mv = nl - l->count;
			memcpy(&l->e[l->count], r->e, mv * sizeof(entry_t));
			memmove(r->e, &r->e[mv], (r->count - mv) * sizeof(entry_t));
			clear_entries(&r->e[r->count - mv], mv);
			r->count -= mv;
		} else {
			mv = l->count - nl;
			memmove(&r->e[mv], r->e, r->count * sizeof(entry_t));
			memcpy(r->e, &l->e[nl], mv * sizeof(entry_t));
			clear_entries(&l->e[nl], mv);
			r->count += mv;
		}
		l->count = nl;
		p->s[li + 1].key = r->e[0].start;
	}
	/* l may have been the emptied leaf and taken r's entries. */
	if (p->s[li].key != l->e[0].start) {
		p->s[li].key = l->e[0].start;
		if (!li)
			fix_min(path, d, l->e[0].start);
	}
	if (merged)
		after_remove(t, path, d);
}

void gpuvm_btree_erase(struct gpuvm_btree *t, struct gpuvm_btree_path *path)
{
	unsigned int h = path->height, p = path->lvl[h - 1].idx;
	leaf_t *l = path_leaf(path);

	memmove(&l->e[p], &l->e[p + 1], (l->count - p - 1) * sizeof(entry_t));
	clear_entries(&l->e[--l->count], 1);
	t->count--;
	if (h == 1) {
		if (!l->count) {
			free_node(t, l);
			t->root = NULL;
			t->height = 0;
		}
		return;
	}
	if (!p && l->count)
		fix_min(path, h - 1, l->e[0].start);
	if (l->count < LEAF_MIN)
		rebalance_leaf(t, path);
}

/* ------------------------------------------------------------------ */
/* Debug helpers                                                       */

struct check {
	FILE *err;
	const struct gpuvm_btree *t;
	const leaf_t *last;     /* previous leaf in order */
	uint64_t prev_end;      /* end of the previous entry */
	long entries, nodes;
	const char *why;
};

static bool fail_at(struct check *c, const char *why)
{
	if (!c->why)
		c->why = why;
	return false;
}

static bool check_leaf(struct check *c, const leaf_t *l, bool root,
		       bool edge)
{
	unsigned int i;

	if (l->count > LEAF_CAP || !l->count ||
	    (!root && !edge && l->count < LEAF_MIN))
		return fail_at(c, "leaf fill");
	for (i = 0; i < l->count; i++) {
		const entry_t *e = &l->e[i];

		if (e->start == UINT64_MAX || e->start >= e->end || !e->val)
			return fail_at(c, "bad entry");
		if ((c->entries || i) && e->start < c->prev_end)
			return fail_at(c, "entries out of order or overlapping");
		c->prev_end = e->end;
	}
	for (; i < LEAF_CAP; i++)
		if (l->e[i].start != UINT64_MAX || l->e[i].end || l->e[i].val)
			return fail_at(c, "leaf sentinel");
	if (c->last && c->last->next != l)
		return fail_at(c, "leaf chain");
	c->last = l;
	c->entries += l->count;
	return true;
}

static bool check_node(struct check *c, const void *node, unsigned int depth,
		       bool edge)
{
	const inner_t *in = node;
	unsigned int i, cnt;

	c->nodes++;
	if (depth + 1 == c->t->height)
		return check_leaf(c, node, !depth, edge);
	cnt = inner_count(in);
	if (cnt < 2 || (depth && !edge && cnt < INNER_MIN))
		return fail_at(c, "inner fill");
	for (i = 0; i < FANOUT; i++) {
		if (i >= cnt) {
			if (in->s[i].child || in->s[i].key != UINT64_MAX)
				return fail_at(c, "inner sentinel");
			continue;
		}
		if (!in->s[i].child)
			return fail_at(c, "hole among children");
		if (i && in->s[i].key <= in->s[i - 1].key)
			return fail_at(c, "inner keys out of order");
		if (in->s[i].key != min_of(in->s[i].child,
					   c->t->height - depth - 1))
			return fail_at(c, "inner key is not its child's first");
		if (!check_node(c, in->s[i].child, depth + 1,
				edge && i + 1 == cnt))
			return false;
	}
	return true;
}

long gpuvm_btree_validate(const struct gpuvm_btree *t, FILE *err)
{
	struct check c = { .err = err, .t = t };
	bool ok = true;

	if (t->height > GPUVM_BTREE_MAX_HEIGHT || !t->root != !t->height)
		ok = fail_at(&c, "height");
	else if (t->root)
		ok = check_node(&c, t->root, 0, true);
	if (ok && c.last && c.last->next)
		ok = fail_at(&c, "last leaf has a successor");
	if (ok && (uint64_t)c.entries != t->count)
		ok = fail_at(&c, "entry count");
	if (ok && (uint64_t)c.nodes != t->nodes.in_use)
		ok = fail_at(&c, "nodes in the slab that are not in the tree");
	if (ok && gpuvm_slab_validate(&t->nodes, err))
		ok = fail_at(&c, "node slab");
	if (ok)
		return c.entries;
	if (err)
		fprintf(err, "gpuvm_btree: invariant broken: %s\n", c.why);
	return -1;
}

static void print_node(const struct gpuvm_btree *t, const void *node,
		       unsigned int depth, FILE *f)
{
	unsigned int i, cnt;

	fprintf(f, "%*s", 2 * (int)depth + 2, "");
	if (depth + 1 == t->height) {
		const leaf_t *l = node;

		fputs("leaf", f);
		for (i = 0; i < l->count; i++)
			fprintf(f, " [0x%" PRIx64 ", 0x%" PRIx64 ")",
				l->e[i].start, l->e[i].end);
		fputc('\n', f);
		return;
	}
	cnt = inner_count(node);
	fputs("inner", f);
	for (i = 0; i < cnt; i++)
		fprintf(f, " 0x%" PRIx64, ((const inner_t *)node)->s[i].key);
	fputc('\n', f);
	for (i = 0; i < cnt; i++)
		print_node(t, ((const inner_t *)node)->s[i].child, depth + 1, f);
}

void gpuvm_btree_print(const struct gpuvm_btree *t, FILE *f)
{
	fprintf(f, "btree: %" PRIu64 " entries, height %u\n", t->count,
		t->height);
	if (t->root)
		print_node(t, t->root, 0, f);
}
