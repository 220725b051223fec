// SPDX-License-Identifier: MIT
/*
 * Tests of the B+tree of ranges (src/util/btree.c).
 *
 * The random tests drive the tree against the simplest reference there
 * is: an array of entries kept sorted by start. Every change is made the
 * way the VA manager makes it (descend, reserve gpuvm_btree_insert_need()
 * nodes, insert / erase / replace at the path), and after every step the
 * tree must match the array entry for entry, by iteration over the leaf
 * chain, by path stepping, and by point lookups around every range, and
 * gpuvm_btree_validate() must accept it.
 *
 * gpuvm_btree_validate() is itself under test, so each check here also
 * counts what the tree's nodes should be independently, and
 * validate_detects_corruption makes sure validate can say no. The fill
 * tests pin down the shapes: ascending inserts fill every leaf but the
 * last, and a tree emptied entry by entry gives every node back.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util_test.h"
#include "util/btree.h"

#define CAP GPUVM_BTREE_LEAF_CAP

/* Values: any non-NULL pointer; these encode the range's start. */
static void *val_of(uint64_t start)
{
	return (void *)(uintptr_t)(start + 1);
}

struct ref {
	struct gpuvm_btree_entry *e;
	size_t n, cap;
};

static void ref_init(struct ref *r, size_t cap)
{
	r->e = calloc(cap, sizeof(*r->e));
	assert_non_null(r->e);
	r->n = 0;
	r->cap = cap;
}

/* Index of the first entry starting after x. */
static size_t ref_upper(const struct ref *r, uint64_t x)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->e[mid].start <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t rnd(uint64_t *s)
{
	return splitmix64(s);
}

/* ------------------------------------------------------------------ */
/* Changing the tree the way its user does                             */

static unsigned int reserve_insert(struct gpuvm_btree *t)
{
	unsigned int need = gpuvm_btree_insert_need(t);

	assert_int_equal(gpuvm_btree_reserve(t, need), 0);
	return need;
}

/* Inserts e[0..n) at ref position i (which must fit there). */
static void do_insert(struct gpuvm_btree *t, struct ref *r, size_t i,
		      const struct gpuvm_btree_entry *e, unsigned int n)
{
	struct gpuvm_btree_path p;
	unsigned int need = reserve_insert(t), used;

	gpuvm_btree_descend(t, e[0].start, &p);
	used = gpuvm_btree_insert(t, &p, e, n);
	assert_true(used <= need);
	gpuvm_btree_unreserve(t, need - used);
	assert_true(r->n + n <= r->cap);
	memmove(&r->e[i + n], &r->e[i], (r->n - i) * sizeof(*r->e));
	memcpy(&r->e[i], e, n * sizeof(*e));
	r->n += n;
}

static void path_at(struct gpuvm_btree *t, uint64_t start,
		    struct gpuvm_btree_path *p)
{
	gpuvm_btree_descend(t, start, p);
	assert_true(p->lvl[p->height - 1].idx > 0);
	p->lvl[p->height - 1].idx--;
	assert_int_equal(gpuvm_btree_path_entry(p)->start, start);
}

static void do_erase(struct gpuvm_btree *t, struct ref *r, size_t i)
{
	struct gpuvm_btree_path p;

	path_at(t, r->e[i].start, &p);
	gpuvm_btree_erase(t, &p);
	memmove(&r->e[i], &r->e[i + 1], (r->n - i - 1) * sizeof(*r->e));
	r->n--;
}

static void do_replace(struct gpuvm_btree *t, struct ref *r, size_t i,
		       const struct gpuvm_btree_entry *e)
{
	struct gpuvm_btree_path p;

	path_at(t, r->e[i].start, &p);
	gpuvm_btree_replace(t, &p, e);
	r->e[i] = *e;
}

/* ------------------------------------------------------------------ */
/* Comparing                                                           */

struct shape {
	long leaves, inners, edge_leaves;
};

/* Counts nodes independently of validate, checking depth on the way. */
static void count_nodes(const struct gpuvm_btree *t, const void *node,
			unsigned int depth, bool edge, struct shape *sh)
{
	const struct gpuvm_btree_inner *in = node;
	unsigned int i;

	if (depth + 1 == t->height) {
		sh->leaves++;
		sh->edge_leaves += edge;
		return;
	}
	sh->inners++;
	for (i = 0; i < GPUVM_BTREE_FANOUT && in->s[i].child; i++)
		count_nodes(t, in->s[i].child, depth + 1,
			    edge && (i + 1 == GPUVM_BTREE_FANOUT ||
				     !in->s[i + 1].child), sh);
}

static struct shape shape_of(const struct gpuvm_btree *t)
{
	struct shape sh = { 0, 0, 0 };

	if (t->root)
		count_nodes(t, t->root, 0, true, &sh);
	return sh;
}

static void check_lookup(const struct gpuvm_btree *t, const struct ref *r,
			 uint64_t x)
{
	size_t i = ref_upper(r, x);
	const struct gpuvm_btree_entry *want =
		i && x < r->e[i - 1].end ? &r->e[i - 1] : NULL;
	const struct gpuvm_btree_entry *got = gpuvm_btree_find(t, x);

	if (!want) {
		if (got)
			fail_msg("find(0x%" PRIx64 ") gave [0x%" PRIx64
				 ", 0x%" PRIx64 "), want nothing", x,
				 got->start, got->end);
		return;
	}
	if (!got || got->start != want->start || got->end != want->end ||
	    got->val != want->val)
		fail_msg("find(0x%" PRIx64 ") wrong, want [0x%" PRIx64
			 ", 0x%" PRIx64 ")", x, want->start, want->end);
}

static void check_tree(const struct gpuvm_btree *t, const struct ref *r,
		       bool lookups)
{
	const struct gpuvm_btree_entry *e;
	struct gpuvm_btree_path p;
	struct gpuvm_btree_pos pos;
	struct shape sh = shape_of(t);
	size_t i;

	assert_int_equal(gpuvm_btree_validate(t, stderr), (long)r->n);
	assert_int_equal(t->count, r->n);
	assert_int_equal(t->nodes.in_use, sh.leaves + sh.inners);
	assert_int_equal(t->nodes.reserved, 0);
	/* Every leaf but those on the right edge is at least 40% full. */
	assert_true(sh.leaves <= 1 || (long)r->n >= (sh.leaves - sh.edge_leaves) *
				       GPUVM_BTREE_LEAF_MIN);

	gpuvm_btree_descend(t, 0, &p);
	pos = gpuvm_btree_pos_of(&p);
	pos.idx = 0;
	for (i = 0; (e = gpuvm_btree_pos_entry(&pos)); i++) {
		assert_true(i < r->n);
		assert_memory_equal(e, &r->e[i], sizeof(*e));
		gpuvm_btree_pos_step(&pos);
	}
	assert_int_equal(i, r->n);

	if (r->n) {
		gpuvm_btree_descend(t, 0, &p);
		p.lvl[p.height - 1].idx = 0;
		for (i = 0; i < r->n; i++) {
			assert_memory_equal(gpuvm_btree_path_entry(&p), &r->e[i],
					    sizeof(*e));
			assert_int_equal(gpuvm_btree_path_next(&p), i + 1 < r->n);
		}
	}
	if (!lookups)
		return;
	for (i = 0; i < r->n; i++) {
		check_lookup(t, r, r->e[i].start - 1);
		check_lookup(t, r, r->e[i].start);
		check_lookup(t, r, r->e[i].end - 1);
		check_lookup(t, r, r->e[i].end);
	}
	check_lookup(t, r, 0);
	check_lookup(t, r, UINT64_MAX);
}

/* ------------------------------------------------------------------ */
/* Shapes                                                              */

static void test_empty(void **state)
{
	struct gpuvm_btree t;
	struct gpuvm_btree_path p;
	struct ref r;

	(void)state;
	gpuvm_btree_init(&t, NULL);
	ref_init(&r, 1);
	check_tree(&t, &r, true);
	assert_int_equal(gpuvm_btree_insert_need(&t), 1);
	gpuvm_btree_descend(&t, 5, &p);
	assert_int_equal(p.height, 0);
	assert_false(gpuvm_btree_path_next(&p));
	gpuvm_btree_fini(&t);
	free(r.e);
}

/* Ascending inserts leave every leaf full except the last. */
static void test_ascending_fill(void **state)
{
	const long n = 10000;
	struct gpuvm_btree t;
	struct shape sh;
	struct ref r;
	long i;

	(void)state;
	gpuvm_btree_init(&t, NULL);
	ref_init(&r, (size_t)n);
	for (i = 0; i < n; i++) {
		struct gpuvm_btree_entry e = { 16 * (uint64_t)i + 16,
					       16 * (uint64_t)i + 24,
					       val_of(16 * (uint64_t)i + 16) };

		do_insert(&t, &r, (size_t)i, &e, 1);
	}
	check_tree(&t, &r, true);
	sh = shape_of(&t);
	assert_int_equal(sh.leaves, n / CAP);
	/*
	 * An inner node split at the right edge keeps 15 children (its new
	 * neighbour takes two, so no node is ever left with one): 1000
	 * leaves under 67 nodes, under 5, under the root.
	 */
	assert_int_equal(sh.inners, 67 + 5 + 1);
	assert_int_equal(t.height, 4);
	gpuvm_btree_fini(&t);
	free(r.e);
}

/* Descending and middle inserts split in halves: at least half full. */
static void test_descending(void **state)
{
	const long n = 5000;
	struct gpuvm_btree t;
	struct ref r;
	long i;

	(void)state;
	gpuvm_btree_init(&t, NULL);
	ref_init(&r, (size_t)n);
	for (i = n; i > 0; i--) {
		struct gpuvm_btree_entry e = { 16 * (uint64_t)i, 16 * (uint64_t)i + 8,
					       val_of(16 * (uint64_t)i) };

		do_insert(&t, &r, 0, &e, 1);
		if (i % 997 == 0)
			check_tree(&t, &r, false);
	}
	check_tree(&t, &r, true);
	assert_true(shape_of(&t).leaves <= n / (CAP / 2) + 1);
	gpuvm_btree_fini(&t);
	free(r.e);
}

/* Emptying the tree from either end gives every node back. */
static void test_erase_all(void **state)
{
	const long n = 3000;
	struct gpuvm_btree t;
	struct ref r;
	int pass;
	long i;

	(void)state;
	for (pass = 0; pass < 3; pass++) {
		gpuvm_btree_init(&t, NULL);
		ref_init(&r, (size_t)n);
		for (i = 0; i < n; i++) {
			struct gpuvm_btree_entry e = { 8 * (uint64_t)i + 8,
						       8 * (uint64_t)i + 12,
						       val_of(8 * (uint64_t)i + 8) };

			do_insert(&t, &r, (size_t)i, &e, 1);
		}
		while (r.n) {
			size_t at = pass == 0 ? 0 : pass == 1 ? r.n - 1 : r.n / 2;

			do_erase(&t, &r, at);
			if (r.n % 401 == 0)
				check_tree(&t, &r, false);
		}
		check_tree(&t, &r, true);
		assert_int_equal(t.height, 0);
		assert_null(t.root);
		assert_int_equal(t.nodes.in_use, 0);
		gpuvm_btree_fini(&t);
		free(r.e);
	}
}

/* Three entries at once into full leaves: one split, within the need. */
static void test_insert_three(void **state)
{
	struct gpuvm_btree t;
	struct ref r;
	uint64_t i, k;

	(void)state;
	gpuvm_btree_init(&t, NULL);
	ref_init(&r, 4000);
	for (i = 0; i < 1000; i++) {
		struct gpuvm_btree_entry e = { 64 * i + 64, 64 * i + 72,
					       val_of(64 * i + 64) };

		do_insert(&t, &r, (size_t)i, &e, 1);
	}
	/* Full leaves everywhere: every triple splits one. */
	for (k = 0; k < 900; k += 3) {
		uint64_t base = 64 * k + 64 + 16;
		struct gpuvm_btree_entry e[3] = {
			{ base, base + 8, val_of(base) },
			{ base + 8, base + 16, val_of(base + 8) },
			{ base + 24, base + 32, val_of(base + 24) },
		};

		do_insert(&t, &r, ref_upper(&r, base), e, 3);
	}
	check_tree(&t, &r, true);
	gpuvm_btree_fini(&t);
	free(r.e);
}

/* ------------------------------------------------------------------ */
/* Random changes against the reference                                */

struct rnd_run {
	uint64_t seed;
	long steps;
	size_t max;        /* entries at most */
	uint64_t space;    /* starts below this */
	int erase_pct;     /* how often a step erases */
};

/* A random gap-fitting run of 1..3 entries; false if none fits at x. */
static bool random_run(const struct ref *r, uint64_t *s, uint64_t space,
		       struct gpuvm_btree_entry *e, unsigned int *n,
		       size_t *at)
{
	uint64_t x = rnd(s) % space + 1, lo, hi, len;
	unsigned int i, want = 1 + (unsigned int)(rnd(s) % 3);
	size_t u = ref_upper(r, x);

	lo = u ? r->e[u - 1].end : 1;
	hi = u < r->n ? r->e[u].start : space + 64;
	if (lo < x)
		lo = x;
	if (hi <= lo || hi - lo < 2 * want)
		return false;
	len = (hi - lo) / want;
	for (i = 0; i < want; i++) {
		uint64_t a = lo + i * len, b = a + 1 + rnd(s) % (len - 1);

		e[i] = (struct gpuvm_btree_entry){ a, b, val_of(a) };
	}
	*n = want;
	*at = u;
	return true;
}

static void random_step(struct gpuvm_btree *t, struct ref *r,
			const struct rnd_run *run, uint64_t *s)
{
	struct gpuvm_btree_entry e[3];
	unsigned int n;
	size_t at;

	if (r->n && (r->n + 3 > run->max ||
		     (int)(rnd(s) % 100) < run->erase_pct)) {
		at = rnd(s) % r->n;
		if (rnd(s) % 4) {
			do_erase(t, r, at);
			return;
		}
		/* Replace: same slot, a range anywhere in its gap. */
		e[0].start = at ? r->e[at - 1].end : 1;
		e[0].end = at + 1 < r->n ? r->e[at + 1].start : run->space + 64;
		e[0].start += rnd(s) % (e[0].end - e[0].start);
		e[0].end = e[0].start + 1 + rnd(s) % (e[0].end - e[0].start);
		e[0].val = val_of(e[0].start);
		do_replace(t, r, at, &e[0]);
		return;
	}
	if (random_run(r, s, run->space, e, &n, &at))
		do_insert(t, r, at, e, n);
}

static void run_random(const struct rnd_run *run)
{
	struct gpuvm_btree t;
	uint64_t s = run->seed;
	struct ref r;
	long i;

	gpuvm_btree_init(&t, NULL);
	ref_init(&r, run->max);
	for (i = 0; i < run->steps; i++) {
		random_step(&t, &r, run, &s);
		check_tree(&t, &r, i % 64 == 0);
	}
	check_tree(&t, &r, true);
	/* Then empty it at random. */
	while (r.n) {
		do_erase(&t, &r, rnd(&s) % r.n);
		check_tree(&t, &r, r.n % 64 == 0);
	}
	assert_int_equal(t.nodes.in_use, 0);
	gpuvm_btree_fini(&t);
	free(r.e);
}

/* Grows to ~2000 entries (height 4), churning at every size on the way. */
static void test_random_grow(void **state)
{
	const struct rnd_run run = { 0x1234567, 6000, 4000, 1ull << 20, 30 };

	(void)state;
	run_random(&run);
}

/* Around one leaf's worth: splits and merges at the root all the time. */
static void test_random_small(void **state)
{
	const struct rnd_run run = { 0xabcdef, 20000, 24, 1ull << 12, 50 };

	(void)state;
	run_random(&run);
}

/* Balanced churn near 400 entries: merges and shares at every level. */
static void test_random_churn(void **state)
{
	const struct rnd_run run = { 0x5eed, 20000, 400, 1ull << 16, 50 };

	(void)state;
	run_random(&run);
}

/* Ranges up against 0 and UINT64_MAX. */
static void test_extremes(void **state)
{
	struct gpuvm_btree t;
	struct ref r;
	const struct gpuvm_btree_entry lo = { 0, 4, val_of(0) };
	const struct gpuvm_btree_entry hi = { UINT64_MAX - 8, UINT64_MAX,
					      val_of(1) };

	(void)state;
	gpuvm_btree_init(&t, NULL);
	ref_init(&r, 4);
	do_insert(&t, &r, 0, &lo, 1);
	do_insert(&t, &r, 1, &hi, 1);
	check_tree(&t, &r, true);
	assert_ptr_equal(gpuvm_btree_find(&t, UINT64_MAX - 1)->val, val_of(1));
	assert_null(gpuvm_btree_find(&t, UINT64_MAX));
	assert_ptr_equal(gpuvm_btree_find(&t, 0)->val, val_of(0));
	gpuvm_btree_fini(&t);
	free(r.e);
}

/* ------------------------------------------------------------------ */
/* Debug helpers                                                       */

static void test_print(void **state)
{
	struct gpuvm_btree t;
	char *buf = NULL;
	size_t len = 0;
	struct ref r;
	FILE *f;
	uint64_t i;

	(void)state;
	gpuvm_btree_init(&t, NULL);
	ref_init(&r, 16);
	for (i = 0; i < 12; i++) {
		struct gpuvm_btree_entry e = { 0x1000 * (i + 1),
					       0x1000 * (i + 1) + 0x800,
					       val_of(i) };

		do_insert(&t, &r, (size_t)i, &e, 1);
	}
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	gpuvm_btree_print(&t, f);
	fclose(f);
	assert_string_equal(buf,
		"btree: 12 entries, height 2\n"
		"  inner 0x1000 0xb000\n"
		"    leaf [0x1000, 0x1800) [0x2000, 0x2800) [0x3000, 0x3800)"
		" [0x4000, 0x4800) [0x5000, 0x5800) [0x6000, 0x6800)"
		" [0x7000, 0x7800) [0x8000, 0x8800) [0x9000, 0x9800)"
		" [0xa000, 0xa800)\n"
		"    leaf [0xb000, 0xb800) [0xc000, 0xc800)\n");
	free(buf);
	gpuvm_btree_fini(&t);
	free(r.e);
}

/* Breaks one invariant at a time and puts it back. */
static void test_validate_detects_corruption(void **state)
{
	struct gpuvm_btree_inner *root;
	struct gpuvm_btree_leaf *a, *b;
	struct gpuvm_btree t;
	struct ref r;
	uint64_t i, k;

	(void)state;
	gpuvm_btree_init(&t, NULL);
	ref_init(&r, 16);
	for (i = 0; i < 12; i++) {
		struct gpuvm_btree_entry e = { 0x10 * (i + 1),
					       0x10 * (i + 1) + 8, val_of(i) };

		do_insert(&t, &r, (size_t)i, &e, 1);
	}
	root = t.root;
	a = root->s[0].child;
	b = root->s[1].child;
	assert_int_equal(gpuvm_btree_validate(&t, NULL), 12);

	k = a->e[3].end;
	a->e[3].end = a->e[4].start + 1;        /* overlaps the next */
	assert_int_equal(gpuvm_btree_validate(&t, NULL), -1);
	a->e[3].end = k;
	k = root->s[1].key;
	root->s[1].key = k - 1;                 /* not the child's first */
	assert_int_equal(gpuvm_btree_validate(&t, NULL), -1);
	root->s[1].key = k;
	a->next = NULL;                         /* chain broken */
	assert_int_equal(gpuvm_btree_validate(&t, NULL), -1);
	a->next = b;
	b->e[5].val = val_of(7);                /* value past the count */
	assert_int_equal(gpuvm_btree_validate(&t, NULL), -1);
	b->e[5].val = NULL;
	t.count++;                              /* count */
	assert_int_equal(gpuvm_btree_validate(&t, NULL), -1);
	t.count--;
	k = b->e[0].start;
	b->e[0].start = a->e[9].start;          /* out of order */
	assert_int_equal(gpuvm_btree_validate(&t, NULL), -1);
	b->e[0].start = k;

	check_tree(&t, &r, true);
	gpuvm_btree_fini(&t);
	free(r.e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_ascending_fill),
		cmocka_unit_test(test_descending),
		cmocka_unit_test(test_erase_all),
		cmocka_unit_test(test_insert_three),
		cmocka_unit_test(test_random_grow),
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_churn),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_validate_detects_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
