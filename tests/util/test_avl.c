// SPDX-License-Identifier: MIT
/*
 * Tests of the intrusive AVL tree (src/util/avl.c).
 *
 * The random tests drive the tree against the simplest possible reference:
 * an array of node pointers kept in the order the tree must produce. Equal
 * keys go to the right of existing ones, so a new node belongs after every
 * node with a key <= its own; erase removes one node and keeps the order of
 * the rest. Comparing node identities (not keys) makes the duplicate-key
 * order part of what is checked.
 *
 * gpuvm_avl_check() is itself under test, so every step is also checked
 * by an independent walk here (parent links, heights, balance), and
 * test_check_detects_corruption makes sure gpuvm_avl_check() can say no.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/avl.h"
#include "util_test.h"

struct item {
	struct gpuvm_avl_node node;
	int key;
	int id; /* position in the pool, for messages */
};

static struct item *to_item(const struct gpuvm_avl_node *n)
{
	return n ? gpuvm_avl_entry(n, struct item, node) : NULL;
}

static int cmp_item(const struct gpuvm_avl_node *a,
		    const struct gpuvm_avl_node *b)
{
	int x = to_item(a)->key, y = to_item(b)->key;

	return (x > y) - (x < y);
}

/* ------------------------------------------------------------------ */
/* Independent structural check                                        */

/*
 * Returns the height of the subtree at n, checking parent links, stored
 * heights and the AVL balance on the way; counts nodes into *count.
 * Uses cmocka asserts so a failure names the broken node.
 */
static int walk_check(const struct gpuvm_avl_node *n,
		      const struct gpuvm_avl_node *parent, long *count)
{
	int l, r, h;

	if (!n)
		return 0;
	if (n->parent != parent)
		fail_msg("node key %d id %d: parent link wrong",
			 to_item(n)->key, to_item(n)->id);
	l = walk_check(n->child[0], n, count);
	r = walk_check(n->child[1], n, count);
	if (l - r > 1 || r - l > 1)
		fail_msg("node key %d id %d: unbalanced (%d vs %d)",
			 to_item(n)->key, to_item(n)->id, l, r);
	h = (l > r ? l : r) + 1;
	if (n->height != h)
		fail_msg("node key %d id %d: height %d, should be %d",
			 to_item(n)->key, to_item(n)->id, n->height, h);
	(*count)++;
	return h;
}

/*
 * Largest height an AVL tree of n nodes can have: the largest h whose
 * minimal (Fibonacci) tree, N(h) = N(h-1) + N(h-2) + 1, has <= n nodes.
 * About 1.44 log2(n + 2).
 */
static int max_avl_height(long n)
{
	long a = 0, b = 1; /* N(h - 1), N(h) */
	int h = 1;

	if (!n)
		return 0;
	while (a + b + 1 <= n) {
		long c = a + b + 1;

		a = b;
		b = c;
		h++;
	}
	return h;
}

/*
 * Compares the tree with ref[0..n): the library's own check, an
 * independent structural walk, forward and reverse traversal by node
 * identity, first/last/empty, and the height bound.
 */
static void check_tree(const struct gpuvm_avl *t, struct item *const *ref,
		       long n)
{
	const struct gpuvm_avl_node *it;
	long count = 0, i;
	int h;

	assert_int_equal(gpuvm_avl_check(t, cmp_item), n);
	h = walk_check(t->root, NULL, &count);
	assert_int_equal(count, n);
	assert_true(h <= max_avl_height(n));
	assert_int_equal(gpuvm_avl_empty(t), n == 0);

	if (!n) {
		assert_null(t->root);
		assert_null(gpuvm_avl_first(t));
		assert_null(gpuvm_avl_last(t));
		return;
	}
	assert_ptr_equal(gpuvm_avl_first(t), &ref[0]->node);
	assert_ptr_equal(gpuvm_avl_last(t), &ref[n - 1]->node);

	for (i = 0, it = gpuvm_avl_first(t); it; it = gpuvm_avl_next(it), i++) {
		assert_true(i < n);
		if (it != &ref[i]->node)
			fail_msg("forward walk: position %ld is id %d key %d, "
				 "expected id %d key %d", i, to_item(it)->id,
				 to_item(it)->key, ref[i]->id, ref[i]->key);
	}
	assert_int_equal(i, n);

	for (i = n - 1, it = gpuvm_avl_last(t); it; it = gpuvm_avl_prev(it), i--) {
		assert_true(i >= 0);
		if (it != &ref[i]->node)
			fail_msg("reverse walk: position %ld is id %d key %d, "
				 "expected id %d key %d", i, to_item(it)->id,
				 to_item(it)->key, ref[i]->id, ref[i]->key);
	}
	assert_int_equal(i, -1);
}

/* ------------------------------------------------------------------ */
/* Reference (sorted array of node pointers)                           */

/* Insert position: after every node whose key is <= key. */
static long ref_upper_bound(struct item *const *ref, long n, int key)
{
	long lo = 0, hi = n;

	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;

		if (ref[mid]->key <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void ref_insert(struct item **ref, long *n, struct item *x)
{
	long pos = ref_upper_bound(ref, *n, x->key);

	memmove(&ref[pos + 1], &ref[pos], (size_t)(*n - pos) * sizeof(*ref));
	ref[pos] = x;
	(*n)++;
}

static void ref_erase_at(struct item **ref, long *n, long pos)
{
	memmove(&ref[pos], &ref[pos + 1], (size_t)(*n - pos - 1) * sizeof(*ref));
	(*n)--;
}

/* ------------------------------------------------------------------ */
/* Small fixed cases                                                   */

#define SMALL 64

struct small {
	struct gpuvm_avl t;
	struct item items[SMALL];
	struct item *ref[SMALL];
	long n;
	int next_id;
};

static void small_init(struct small *s)
{
	memset(s, 0, sizeof(*s));
	gpuvm_avl_init(&s->t);
}

static struct item *small_insert(struct small *s, int key)
{
	struct item *x;

	assert_true(s->next_id < SMALL);
	x = &s->items[s->next_id];
	x->key = key;
	x->id = s->next_id++;
	gpuvm_avl_insert(&s->t, &x->node, cmp_item);
	ref_insert(s->ref, &s->n, x);
	check_tree(&s->t, s->ref, s->n);
	return x;
}

static void small_erase(struct small *s, struct item *x)
{
	long i;

	for (i = 0; i < s->n && s->ref[i] != x; i++)
		;
	assert_true(i < s->n);
	gpuvm_avl_erase(&s->t, &x->node);
	ref_erase_at(s->ref, &s->n, i);
	check_tree(&s->t, s->ref, s->n);
}

static int key_of(const struct gpuvm_avl_node *n)
{
	assert_non_null(n);
	return to_item(n)->key;
}

/* Asserts the exact shape of a node: its key, children's keys, height. */
static void assert_shape(const struct gpuvm_avl_node *n, int key, int left,
			 int right, int height)
{
	assert_non_null(n);
	assert_int_equal(to_item(n)->key, key);
	if (left < 0)
		assert_null(n->child[0]);
	else
		assert_int_equal(key_of(n->child[0]), left);
	if (right < 0)
		assert_null(n->child[1]);
	else
		assert_int_equal(key_of(n->child[1]), right);
	assert_int_equal(n->height, height);
}

static void test_empty(void **state)
{
	struct small s;

	(void)state;
	small_init(&s);
	check_tree(&s.t, s.ref, 0);
}

static void test_single(void **state)
{
	struct small s;
	struct item *x;

	(void)state;
	small_init(&s);
	x = small_insert(&s, 5);
	assert_ptr_equal(s.t.root, &x->node);
	assert_shape(s.t.root, 5, -1, -1, 1);
	assert_null(gpuvm_avl_next(&x->node));
	assert_null(gpuvm_avl_prev(&x->node));
	small_erase(&s, x);
	assert_null(s.t.root);
}

/*
 * Ascending inserts are the classic worst case for an unbalanced tree:
 * every insert goes to the far right. 1..7 must end as the perfect tree.
 */
static void test_ascending(void **state)
{
	struct small s;
	int k;

	(void)state;
	small_init(&s);
	for (k = 1; k <= 7; k++)
		small_insert(&s, k);
	assert_shape(s.t.root, 4, 2, 6, 3);
	assert_shape(s.t.root->child[0], 2, 1, 3, 2);
	assert_shape(s.t.root->child[1], 6, 5, 7, 2);

	for (k = 8; k <= SMALL; k++)
		small_insert(&s, k);
	/* 64 nodes: a balanced tree needs 7 levels, AVL allows 8. */
	assert_true(s.t.root->height <= 8);
}

static void test_descending(void **state)
{
	struct small s;
	int k;

	(void)state;
	small_init(&s);
	for (k = 7; k >= 1; k--)
		small_insert(&s, k);
	assert_shape(s.t.root, 4, 2, 6, 3);
	assert_shape(s.t.root->child[0], 2, 1, 3, 2);
	assert_shape(s.t.root->child[1], 6, 5, 7, 2);

	for (k = 0; k > 7 - SMALL; k--)
		small_insert(&s, k);
	assert_true(s.t.root->height <= 8);
}

/* The two double rotations: left-right and right-left. */
static void test_double_rotations(void **state)
{
	struct small s;

	(void)state;
	small_init(&s);
	small_insert(&s, 3);
	small_insert(&s, 1);
	small_insert(&s, 2);
	assert_shape(s.t.root, 2, 1, 3, 2);

	small_init(&s);
	small_insert(&s, 1);
	small_insert(&s, 3);
	small_insert(&s, 2);
	assert_shape(s.t.root, 2, 1, 3, 2);
}

/* Equal keys keep insertion order, even across rotations. */
static void test_duplicates(void **state)
{
	struct small s;
	int i;

	(void)state;
	small_init(&s);
	for (i = 0; i < 20; i++)
		small_insert(&s, 7);
	for (i = 0; i < 20; i++)
		small_insert(&s, i % 3 ? 7 : (i % 2 ? 3 : 9));
	/* check_tree already compared identities; spot-check the order. */
	assert_int_equal(s.ref[0]->key, 3);
	assert_int_equal(s.ref[s.n - 1]->key, 9);
	/* Erase duplicates from the middle of the run. */
	small_erase(&s, &s.items[10]);
	small_erase(&s, &s.items[0]);
	small_erase(&s, &s.items[19]);
}

/* Builds 4 (2 (1, 3), 6 (5, 7)) and returns the items by key. */
static void build_perfect7(struct small *s, struct item *by_key[8])
{
	static const int order[] = { 4, 2, 6, 1, 3, 5, 7 };
	unsigned int i;

	small_init(s);
	for (i = 0; i < 7; i++)
		by_key[order[i]] = small_insert(s, order[i]);
	assert_shape(s->t.root, 4, 2, 6, 3);
}

/*
 * Root with two children whose successor (5) is deeper than the right
 * child: 5 is unlinked from under 6 and takes the root's place.
 */
static void test_erase_root_successor_deep(void **state)
{
	struct small s;
	struct item *k[8];

	(void)state;
	build_perfect7(&s, k);
	small_erase(&s, k[4]);
	assert_ptr_equal(s.t.root, &k[5]->node);
	assert_null(k[5]->node.parent);
	assert_shape(s.t.root, 5, 2, 6, 3);
	assert_shape(s.t.root->child[0], 2, 1, 3, 2);
	assert_shape(s.t.root->child[1], 6, -1, 7, 2);
	assert_ptr_equal(k[6]->node.parent, &k[5]->node);
	assert_ptr_equal(k[2]->node.parent, &k[5]->node);
}

/* Two children, successor (3) is the right child itself. */
static void test_erase_successor_direct_child(void **state)
{
	struct small s;
	struct item *k[8];

	(void)state;
	build_perfect7(&s, k);
	small_erase(&s, k[2]);
	assert_shape(s.t.root, 4, 3, 6, 3);
	assert_shape(s.t.root->child[0], 3, 1, -1, 2);
	assert_ptr_equal(k[3]->node.parent, &k[4]->node);
	assert_ptr_equal(k[1]->node.parent, &k[3]->node);
}

/* The root's successor is its direct right child. */
static void test_erase_root_successor_direct(void **state)
{
	struct small s;
	struct item *k[8];

	(void)state;
	small_init(&s);
	k[2] = small_insert(&s, 2);
	k[1] = small_insert(&s, 1);
	k[3] = small_insert(&s, 3);
	small_erase(&s, k[2]);
	assert_shape(s.t.root, 3, 1, -1, 2);
	assert_null(k[3]->node.parent);
	small_erase(&s, k[3]);
	assert_shape(s.t.root, 1, -1, -1, 1);
	small_erase(&s, k[1]);
}

/*
 * The successor is deep and has a right child, which must be relinked to
 * the successor's old parent: 8 (4 (2, 6), 12 (10 (-, 11), 14)) minus 8.
 */
static void test_erase_successor_with_right_child(void **state)
{
	static const int order[] = { 8, 4, 12, 2, 6, 10, 14, 11 };
	struct small s;
	struct item *k[16];
	unsigned int i;

	(void)state;
	small_init(&s);
	for (i = 0; i < 8; i++)
		k[order[i]] = small_insert(&s, order[i]);
	assert_shape(k[10]->node.parent, 12, 10, 14, 3);
	small_erase(&s, k[8]);
	assert_shape(s.t.root, 10, 4, 12, 3);
	assert_shape(s.t.root->child[1], 12, 11, 14, 2);
	assert_ptr_equal(k[11]->node.parent, &k[12]->node);
}

/*
 * Erase must keep retracing after a rotation: removing the only leaf on
 * the short side of a minimal (Fibonacci) AVL tree unbalances the parent,
 * and the rotation shortens that subtree, which unbalances the root.
 */
static void test_erase_cascade(void **state)
{
	/* The minimal AVL tree of height 5: 12 nodes, every inner node leaning left. */
	static const int order[] = { 8, 5, 11, 3, 7, 10, 12, 2, 4, 6, 9, 1 };
	struct small s;
	struct item *k[13];
	unsigned int i;

	(void)state;
	small_init(&s);
	for (i = 0; i < 12; i++)
		k[order[i]] = small_insert(&s, order[i]);
	assert_int_equal(s.t.root->height, 5);
	assert_int_equal(key_of(s.t.root), 8);
	/* Removing 12 rotates at 11, then the root is left-heavy by 2. */
	small_erase(&s, k[12]);
	assert_int_equal(key_of(s.t.root), 5);
	assert_int_equal(s.t.root->height, 4);
}

static void test_erase_all_orders(void **state)
{
	struct small s;
	struct item *k[8];
	int first;

	(void)state;
	/* Every node of the perfect tree erased first, then the rest. */
	for (first = 1; first <= 7; first++) {
		int j;

		build_perfect7(&s, k);
		small_erase(&s, k[first]);
		for (j = 7; j >= 1; j--)
			if (j != first)
				small_erase(&s, k[j]);
		assert_null(s.t.root);
	}
}

/* gpuvm_avl_check() must notice each kind of damage. */
static void test_check_detects_corruption(void **state)
{
	struct small s;
	struct item *k[8];
	int saved;

	(void)state;
	build_perfect7(&s, k);

	k[1]->node.height = 2; /* wrong height */
	assert_int_equal(gpuvm_avl_check(&s.t, cmp_item), -1);
	k[1]->node.height = 1;

	k[3]->node.parent = &k[4]->node; /* wrong parent */
	assert_int_equal(gpuvm_avl_check(&s.t, cmp_item), -1);
	k[3]->node.parent = &k[2]->node;

	saved = k[5]->key; /* out of order */
	k[5]->key = 100;
	assert_int_equal(gpuvm_avl_check(&s.t, cmp_item), -1);
	k[5]->key = saved;

	/* Repaired, the same tree is accepted again. */
	assert_int_equal(gpuvm_avl_check(&s.t, cmp_item), 7);
}

/* A right-leaning chain 1 -> 2 -> 3: ordered, linked, heights right. */
static void test_check_detects_imbalance(void **state)
{
	struct item k[3];
	struct gpuvm_avl t;
	int i;

	(void)state;
	memset(k, 0, sizeof(k));
	for (i = 0; i < 3; i++) {
		k[i].key = i + 1;
		k[i].node.height = 3 - i;
		if (i)
			k[i].node.parent = &k[i - 1].node;
		if (i < 2)
			k[i].node.child[1] = &k[i + 1].node;
	}
	t.root = &k[0].node;
	assert_int_equal(gpuvm_avl_check(&t, cmp_item), -1);

	/* The same three nodes balanced are accepted. */
	k[0].node.child[1] = NULL;
	k[1].node.parent = NULL;
	k[1].node.child[0] = &k[0].node;
	k[0].node.parent = &k[1].node;
	k[0].node.height = 1;
	k[1].node.height = 2;
	t.root = &k[1].node;
	assert_int_equal(gpuvm_avl_check(&t, cmp_item), 3);
}

/* ------------------------------------------------------------------ */
/* Random differential test                                            */

static uint64_t rnd(uint64_t *s, uint64_t n)
{
	return splitmix64(s) % n;
}

#define POOL 600

struct rnd_run {
	uint64_t seed;
	long steps;
	int key_range; /* small: many duplicates */
};

static void run_random(const struct rnd_run *run)
{
	struct item *pool = calloc(POOL, sizeof(*pool));
	struct item **ref = calloc(POOL, sizeof(*ref));
	struct item **free_list = calloc(POOL, sizeof(*free_list));
	struct gpuvm_avl t;
	uint64_t s = run->seed;
	long n = 0, nfree = POOL, step, i;
	int target = 0;

	assert_non_null(pool);
	assert_non_null(ref);
	assert_non_null(free_list);
	for (i = 0; i < POOL; i++) {
		pool[i].id = (int)i;
		free_list[i] = &pool[i];
	}
	gpuvm_avl_init(&t);

	for (step = 0; step < run->steps; step++) {
		bool insert;

		/*
		 * Drift towards a target size that is re-drawn now and then,
		 * so the tree both grows large and drains to empty.
		 */
		if (step % 500 == 0)
			target = (int)rnd(&s, 4) == 0 ? 0 : (int)rnd(&s, POOL);
		if (n == 0)
			insert = true;
		else if (nfree == 0)
			insert = false;
		else
			insert = rnd(&s, 100) < (n < target ? 75u : 25u);

		if (insert) {
			long f = (long)rnd(&s, (uint64_t)nfree);
			struct item *x = free_list[f];

			free_list[f] = free_list[--nfree];
			x->key = (int)rnd(&s, (uint64_t)run->key_range);
			gpuvm_avl_insert(&t, &x->node, cmp_item);
			ref_insert(ref, &n, x);
		} else {
			long pos = (long)rnd(&s, (uint64_t)n);
			struct item *x = ref[pos];

			gpuvm_avl_erase(&t, &x->node);
			ref_erase_at(ref, &n, pos);
			free_list[nfree++] = x;
		}
		/* Cheap per-step checks; the O(n) ones on a stride. */
		if (n < 64 || step % 7 == 0)
			check_tree(&t, ref, n);
		else
			assert_int_equal(gpuvm_avl_check(&t, cmp_item), n);
	}
	check_tree(&t, ref, n);
	free(free_list);
	free(ref);
	free(pool);
}

static void test_random_dup_keys(void **state)
{
	static const struct rnd_run runs[] = {
		{ 0x1, 40000, 16 },
		{ 0x2545f4914f6cdd1dULL, 40000, 64 },
		{ 0xdeadbeef, 40000, 3 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		run_random(&runs[i]);
}

static void test_random_wide_keys(void **state)
{
	static const struct rnd_run runs[] = {
		{ 0x9e3779b97f4a7c15ULL, 40000, INT_MAX },
		{ 42, 40000, 100000 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		run_random(&runs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_ascending),
		cmocka_unit_test(test_descending),
		cmocka_unit_test(test_double_rotations),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_erase_root_successor_deep),
		cmocka_unit_test(test_erase_successor_direct_child),
		cmocka_unit_test(test_erase_root_successor_direct),
		cmocka_unit_test(test_erase_successor_with_right_child),
		cmocka_unit_test(test_erase_cascade),
		cmocka_unit_test(test_erase_all_orders),
		cmocka_unit_test(test_check_detects_corruption),
		cmocka_unit_test(test_check_detects_imbalance),
		cmocka_unit_test(test_random_dup_keys),
		cmocka_unit_test(test_random_wide_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
