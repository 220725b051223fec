// SPDX-License-Identifier: MIT
/*
 * Tests of the VA-space manager's split/merge semantics (src/va/va.c).
 *
 * The first block has one test per case of the "split and merge" DOC
 * comment in va.c, in the same order and with the same page layout (page k
 * of the DOC is A(k) here, "n" is N and "m" is M). Each one checks the
 * exact op list a driver would see (count, types in order, keep, and every
 * field of va/prev/next, NULL where absent), then commits and checks the
 * exact contents of the space.
 *
 * The later blocks cover what the DOC states in prose: repeat mappings
 * keep their pattern when split at points that are not multiples of the
 * region, sparse pieces stay sparse and never keep, the keep rules, lists
 * touching several mappings, plain unmaps, priv, lookup and iteration,
 * the op-list lifecycle (free without commit, double commit, stale list)
 * and the max_mappings limit.
 *
 * Every commit is followed by gpuvm_va_space_validate(), so a broken tree
 * or BO index fails the test that caused it, not a later one.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpuvm/va.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PG 0x1000ull
/* n pages, as a size, offset, repeat or phase. */
#define P(n) ((uint64_t)(n) * PG)
/*
 * Address of page n. The space does not start at 0 so that an address
 * and an offset relative to the space start can never be confused.
 */
#define BASE 0x100000ull
#define A(n) (BASE + P(n))
#define SPACE_PAGES 256

/* BO identities; any non-zero value is a BO. */
#define BO_A 0xa
#define BO_B 0xb
#define BO_C 0xc
#define BO_R 0x7e /* the BO behind repeat mappings */

/* The DOC's BO offsets n and m; far apart so no case can alias them. */
#define N P(0x10)
#define M P(0x40)

/* ------------------------------------------------------------------ */
/* Building requests and expectations                                  */

static struct gpuvm_va mk_va(enum gpuvm_va_kind kind, uint64_t addr,
			     uint64_t range, uint64_t bo, uint64_t offset,
			     uint64_t repeat, uint64_t phase)
{
	struct gpuvm_va va = {
		.addr = addr,
		.range = range,
		.kind = kind,
		.bo = bo,
		.offset = offset,
		.repeat = repeat,
		.phase = phase,
	};

	return va;
}

static struct gpuvm_va mk_bo(uint64_t addr, uint64_t range, uint64_t bo,
			     uint64_t offset)
{
	return mk_va(GPUVM_VA_BO, addr, range, bo, offset, 0, 0);
}

static struct gpuvm_va mk_sparse(uint64_t addr, uint64_t range)
{
	return mk_va(GPUVM_VA_SPARSE, addr, range, 0, 0, 0, 0);
}

static struct gpuvm_va mk_repeat(uint64_t addr, uint64_t range, uint64_t bo,
				 uint64_t offset, uint64_t repeat,
				 uint64_t phase)
{
	return mk_va(GPUVM_VA_REPEAT, addr, range, bo, offset, repeat, phase);
}

static struct gpuvm_va with_flags(struct gpuvm_va va, uint32_t flags)
{
	va.flags = flags;
	return va;
}

static struct gpuvm_va with_priv(struct gpuvm_va va, void *priv)
{
	va.priv = priv;
	return va;
}

/* One expected op; NULL va/prev/next means "must be NULL". */
struct want_op {
	enum gpuvm_va_op_type type;
	bool keep;
	const struct gpuvm_va *va;
	const struct gpuvm_va *prev;
	const struct gpuvm_va *next;
};

/* ------------------------------------------------------------------ */
/* Comparing                                                           */

static bool va_equal(const struct gpuvm_va *a, const struct gpuvm_va *b)
{
	return a->addr == b->addr && a->range == b->range &&
	       a->kind == b->kind && a->flags == b->flags &&
	       a->bo == b->bo && a->offset == b->offset &&
	       a->repeat == b->repeat && a->phase == b->phase &&
	       a->priv == b->priv;
}

/* Every field, priv included; want == NULL means got must be NULL. */
static void assert_va(const struct gpuvm_va *got, const struct gpuvm_va *want,
		      const char *what, unsigned int idx)
{
	if (!want && !got)
		return;
	if (want && got && va_equal(got, want))
		return;
	fprintf(stderr, "%s %u:\n  want ", what, idx);
	if (want)
		gpuvm_va_print(want, stderr);
	else
		fputs("NULL\n", stderr);
	fputs("  got  ", stderr);
	if (got)
		gpuvm_va_print(got, stderr);
	else
		fputs("NULL\n", stderr);
	if (want && got)
		fprintf(stderr, "  (priv want %p got %p)\n", want->priv,
			got->priv);
	fail_msg("%s %u differs", what, idx);
}

/*
 * The list must be exactly want[]. Call before commit: the va of an
 * UNMAP/REMAP must then be the very object the space holds, and the va of
 * the MAP must be a new one not in the space yet.
 */
static void assert_ops(const struct gpuvm_va_space *s,
		       const struct gpuvm_va_ops *ops,
		       const struct want_op *want, unsigned int n)
{
	unsigned int i;

	if (ops->count != n) {
		gpuvm_va_ops_print(ops, stderr);
		fail_msg("op count: want %u got %u", n, ops->count);
	}
	assert_false(ops->committed);
	assert_ptr_equal(ops->space, s);
	for (i = 0; i < n; i++) {
		const struct gpuvm_va_op *op = &ops->op[i];

		if (op->type != want[i].type || op->keep != want[i].keep) {
			gpuvm_va_ops_print(ops, stderr);
			fail_msg("op %u: want type %d keep %d, got type %d keep %d",
				 i, want[i].type, want[i].keep, op->type,
				 op->keep);
		}
		assert_va(op->va, want[i].va, "op va", i);
		assert_va(op->prev, want[i].prev, "op prev", i);
		assert_va(op->next, want[i].next, "op next", i);
		if (op->type == GPUVM_VA_OP_MAP)
			assert_ptr_not_equal(gpuvm_va_find(s, op->va->addr),
					     op->va);
		else
			assert_ptr_equal(gpuvm_va_find(s, op->va->addr),
					 op->va);
	}
}

/* The space holds exactly want[], in address order, and nothing else. */
static void assert_space(const struct gpuvm_va_space *s,
			 const struct gpuvm_va *want, size_t n)
{
	const struct gpuvm_va_space_cfg *c = gpuvm_va_space_cfg(s);
	const struct gpuvm_va *va;
	size_t i = 0;

	assert_int_equal(gpuvm_va_space_count(s), n);
	gpuvm_va_for_each_in(va, s, c->start, c->start + c->range) {
		if (i >= n) {
			gpuvm_va_space_print(s, stderr);
			fail_msg("more mappings than the %zu expected", n);
		}
		assert_va(va, &want[i], "mapping", (unsigned int)i);
		i++;
	}
	assert_int_equal(i, n);
}

/* ------------------------------------------------------------------ */
/* Applying                                                            */

static void validate(const struct gpuvm_va_space *s)
{
	assert_int_equal(gpuvm_va_space_validate(s, stderr), 0);
}

static struct gpuvm_va_ops *map_prep(struct gpuvm_va_space *s,
				     const struct gpuvm_va *req)
{
	struct gpuvm_va_ops *ops = NULL;

	assert_int_equal(gpuvm_va_map_prepare(s, req, &ops), 0);
	assert_non_null(ops);
	return ops;
}

static struct gpuvm_va_ops *unmap_prep(struct gpuvm_va_space *s,
				       uint64_t addr, uint64_t range)
{
	struct gpuvm_va_ops *ops = NULL;

	assert_int_equal(gpuvm_va_unmap_prepare(s, addr, range, &ops), 0);
	assert_non_null(ops);
	return ops;
}

/* Commit (must succeed), validate, free. */
static void commit_ok(struct gpuvm_va_ops *ops)
{
	struct gpuvm_va_space *s = ops->space;

	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	assert_true(ops->committed);
	validate(s);
	gpuvm_va_ops_free(ops);
	validate(s);
}

static void map_ok(struct gpuvm_va_space *s, const struct gpuvm_va *req)
{
	commit_ok(map_prep(s, req));
}

static void map_all(struct gpuvm_va_space *s, const struct gpuvm_va *vas,
		    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		map_ok(s, &vas[i]);
}

static void unmap_ok(struct gpuvm_va_space *s, uint64_t addr, uint64_t range)
{
	commit_ok(unmap_prep(s, addr, range));
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */

static struct gpuvm_va_space *new_space(uint64_t max_mappings)
{
	struct gpuvm_va_space_cfg cfg = {
		.start = BASE,
		.range = P(SPACE_PAGES),
		.max_mappings = max_mappings,
	};
	struct gpuvm_va_space *s = NULL;

	assert_int_equal(gpuvm_va_space_create(&cfg, &s), 0);
	assert_non_null(s);
	return s;
}

static int setup(void **state)
{
	*state = new_space(0);
	return 0;
}

static int teardown(void **state)
{
	struct gpuvm_va_space *s = *state;
	int ret = gpuvm_va_space_validate(s, stderr);

	gpuvm_va_space_destroy(s);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The 15 documented cases: one existing mapping, one request          */

/*
 * Maps old, checks the list for req is exactly want[], commits it and
 * checks the space is exactly after[].
 */
static void check_case(struct gpuvm_va_space *s, const struct gpuvm_va *old,
		       const struct gpuvm_va *req, const struct want_op *want,
		       unsigned int nwant, const struct gpuvm_va *after,
		       size_t nafter)
{
	struct gpuvm_va_ops *ops;

	map_ok(s, old);
	assert_space(s, old, 1);
	ops = map_prep(s, req);
	assert_ops(s, ops, want, nwant);
	commit_ok(ops);
	assert_space(s, after, nafter);
}

/* 1) identical, same BO and offset: UNMAP(a, keep), MAP(a) */
static void case01_identical_same(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, true, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 2) identical, other offset: UNMAP(a), MAP(a) */
static void case02_identical_other_offset(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_A, M);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 3) identical, other BO: UNMAP(a), MAP(b); same offset must not matter */
static void case03_identical_other_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_B, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 4) old is a left-aligned subset of req, same BO/n: UNMAP(a, keep) */
static void case04_old_left_subset(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(1), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, true, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 4b) as 4 with another BO: the same shape, without keep */
static void case04b_old_left_subset_other_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(1), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_B, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 5) req is a left-aligned subset of old, other BO: a' at 1 gets n+1 */
static void case05_req_left_subset_other_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(1), BO_B, M);
	const struct gpuvm_va a1 = mk_bo(A(1), P(1), BO_A, N + P(1));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, NULL, &a1 },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req, a1 };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 6) as 5, same BO and offset: the same ops, with keep */
static void case06_req_left_subset_same_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(1), BO_A, N);
	const struct gpuvm_va a1 = mk_bo(A(1), P(1), BO_A, N + P(1));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, true, &old, NULL, &a1 },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req, a1 };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 7) req is a right-aligned subset of old, other BO: a' keeps n */
static void case07_req_right_subset_other_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(1), P(1), BO_B, M);
	const struct gpuvm_va a1 = mk_bo(A(0), P(1), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, &a1, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { a1, req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 8) as 7, same BO at the contiguous offset n+1: keep */
static void case08_req_right_subset_same_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(1), P(1), BO_A, N + P(1));
	const struct gpuvm_va a1 = mk_bo(A(0), P(1), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, true, &old, &a1, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { a1, req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 9) req overlaps old's end, other BO: REMAP(a, prev=a'), MAP(b) */
static void case09_req_overlaps_end_other_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(1), P(2), BO_B, M);
	const struct gpuvm_va a1 = mk_bo(A(0), P(1), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, &a1, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { a1, req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 10) as 9, same BO contiguous (req offset n+1): keep */
static void case10_req_overlaps_end_same_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(1), P(2), BO_A, N + P(1));
	const struct gpuvm_va a1 = mk_bo(A(0), P(1), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, true, &old, &a1, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { a1, req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 11) req is a centred subset of old, other BO: a' keeps n, a'' gets n+2 */
static void case11_req_centred_other_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(3), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(1), P(1), BO_B, M);
	const struct gpuvm_va a1 = mk_bo(A(0), P(1), BO_A, N);
	const struct gpuvm_va a2 = mk_bo(A(2), P(1), BO_A, N + P(2));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, &a1, &a2 },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { a1, req, a2 };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 12) as 11, same BO contiguous (req offset n+1): keep */
static void case12_req_centred_same_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(3), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(1), P(1), BO_A, N + P(1));
	const struct gpuvm_va a1 = mk_bo(A(0), P(1), BO_A, N);
	const struct gpuvm_va a2 = mk_bo(A(2), P(1), BO_A, N + P(2));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, true, &old, &a1, &a2 },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { a1, req, a2 };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 13) old is a right-aligned subset of req, contiguous: UNMAP(a, keep) */
static void case13_old_right_subset(void **state)
{
	const struct gpuvm_va old = mk_bo(A(1), P(1), BO_A, N + P(1));
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, true, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/*
 * 13b) as 13 but old holds offset n, which req puts at page 0: not
 * contiguous at the overlap (page 1 wants n+1), so no keep. This is the
 * case where comparing the offsets at the wrong address would keep.
 */
static void case13b_old_right_subset_not_contiguous(void **state)
{
	const struct gpuvm_va old = mk_bo(A(1), P(1), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 14) old is a centred subset of req, contiguous: UNMAP(a, keep) */
static void case14_old_centred_subset(void **state)
{
	const struct gpuvm_va old = mk_bo(A(1), P(1), BO_A, N + P(1));
	const struct gpuvm_va req = mk_bo(A(0), P(3), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, true, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 14b) as 14 with another BO: no keep */
static void case14b_old_centred_subset_other_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(1), P(1), BO_A, N + P(1));
	const struct gpuvm_va req = mk_bo(A(0), P(3), BO_B, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 15) req overlaps old's beginning, other BO: a' at 2 gets n+1 */
static void case15_req_overlaps_begin_other_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(1), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_B, M);
	const struct gpuvm_va a1 = mk_bo(A(2), P(1), BO_A, N + P(1));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, NULL, &a1 },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req, a1 };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* 15b) as 15, same BO contiguous (req at 0 holds n-1, so page 1 is n) */
static void case15b_req_overlaps_begin_same_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(1), P(2), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(0), P(2), BO_A, N - P(1));
	const struct gpuvm_va a1 = mk_bo(A(2), P(1), BO_A, N + P(1));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, true, &old, NULL, &a1 },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req, a1 };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* ------------------------------------------------------------------ */
/* BO offset arithmetic, page by page                                  */

/*
 * Every page of [from, to) must be mapped, by bo, to the BO offset orig
 * (a snapshot of the mapping before any split) mapped it to. The expected
 * value is computed here from the formula, not by gpuvm_va_bo_offset_at().
 */
static void assert_same_bytes(const struct gpuvm_va_space *s,
			      const struct gpuvm_va *orig, uint64_t from,
			      uint64_t to)
{
	uint64_t x;

	for (x = from; x < to; x += PG) {
		const struct gpuvm_va *va = gpuvm_va_find(s, x);
		uint64_t want;

		if (orig->kind == GPUVM_VA_REPEAT)
			want = orig->offset +
			       (x - orig->addr + orig->phase) % orig->repeat;
		else
			want = orig->offset + (x - orig->addr);
		assert_non_null(va);
		assert_int_equal(va->kind, orig->kind);
		assert_int_equal(va->bo, orig->bo);
		if (gpuvm_va_bo_offset_at(va, x) != want) {
			gpuvm_va_print(va, stderr);
			fail_msg("page 0x%" PRIx64 ": want offset 0x%" PRIx64
				 " got 0x%" PRIx64, x, want,
				 gpuvm_va_bo_offset_at(va, x));
		}
	}
}

/* BO pieces: each surviving page keeps its byte, on both sides. */
static void bo_split_keeps_bytes(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va orig = mk_bo(A(4), P(16), BO_A, N);
	const struct gpuvm_va hole = mk_bo(A(4 + 7), P(4), BO_B, M);

	map_ok(s, &orig);
	map_ok(s, &hole);
	assert_same_bytes(s, &orig, A(4), A(4 + 7));
	assert_same_bytes(s, &orig, A(4 + 11), A(4 + 16));
	assert_int_equal(gpuvm_va_bo_offset_at(gpuvm_va_find(s, A(12)), A(12)),
			 M + P(1));
}

/*
 * Region of 3 pages, split at 7 and 11 pages into a 16-page mapping, in
 * one centred request. Neither split point is a multiple of the region,
 * so keeping the old phase on the right piece (the upstream draft's bug)
 * would shift the pattern.
 */
static void repeat_split_centred_map(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va orig =
		mk_repeat(A(4), P(16), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va req = mk_bo(A(4 + 7), P(4), BO_B, M);
	/* Left piece: phase unchanged. Right piece at 11: (1 + 11) % 3. */
	const struct gpuvm_va left =
		mk_repeat(A(4), P(7), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va right =
		mk_repeat(A(4 + 11), P(5), BO_R, P(0x20), P(3), P(0));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &orig, &left, &right },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { left, req, right };
	struct gpuvm_va_ops *ops;

	map_ok(s, &orig);
	ops = map_prep(s, &req);
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
	assert_same_bytes(s, &orig, A(4), A(4 + 7));
	assert_same_bytes(s, &orig, A(4 + 11), A(4 + 16));
}

/*
 * Same region, phase 2, cut by two one-page unmaps at 7 and 11: the
 * middle piece [8, 11) is itself split again, so its phase must compose.
 */
static void repeat_split_twice_by_unmap(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va orig =
		mk_repeat(A(4), P(16), BO_R, P(0x20), P(3), P(2));
	/* (2 + 0) % 3, (2 + 8) % 3 = 1, (2 + 12) % 3 = 2. */
	const struct gpuvm_va p0 =
		mk_repeat(A(4), P(7), BO_R, P(0x20), P(3), P(2));
	const struct gpuvm_va p8 =
		mk_repeat(A(4 + 8), P(8), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va p8short =
		mk_repeat(A(4 + 8), P(3), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va p12 =
		mk_repeat(A(4 + 12), P(4), BO_R, P(0x20), P(3), P(2));
	const struct want_op want1[] = {
		{ GPUVM_VA_OP_REMAP, false, &orig, &p0, &p8 },
	};
	const struct want_op want2[] = {
		{ GPUVM_VA_OP_REMAP, false, &p8, &p8short, &p12 },
	};
	const struct gpuvm_va after[] = { p0, p8short, p12 };
	struct gpuvm_va_ops *ops;

	map_ok(s, &orig);
	ops = unmap_prep(s, A(4 + 7), P(1));
	assert_ops(s, ops, want1, ARRAY_SIZE(want1));
	commit_ok(ops);
	ops = unmap_prep(s, A(4 + 11), P(1));
	assert_ops(s, ops, want2, ARRAY_SIZE(want2));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
	assert_same_bytes(s, &orig, A(4), A(4 + 7));
	assert_same_bytes(s, &orig, A(4 + 8), A(4 + 11));
	assert_same_bytes(s, &orig, A(4 + 12), A(4 + 16));
}

/* A region larger than the piece left over: phase (0 + 7) % 5 = 2. */
static void repeat_split_region_larger_than_piece(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va orig =
		mk_repeat(A(0), P(9), BO_R, P(0x30), P(5), P(0));
	const struct gpuvm_va left =
		mk_repeat(A(0), P(3), BO_R, P(0x30), P(5), P(0));
	const struct gpuvm_va right =
		mk_repeat(A(7), P(2), BO_R, P(0x30), P(5), P(2));

	map_ok(s, &orig);
	unmap_ok(s, A(3), P(4));
	assert_space(s, (const struct gpuvm_va[]){ left, right }, 2);
	assert_same_bytes(s, &orig, A(0), A(3));
	assert_same_bytes(s, &orig, A(7), A(9));
}

/* gpuvm_va_bo_offset_at() itself, including wrap-around and sparse. */
static void bo_offset_at_formula(void **state)
{
	const struct gpuvm_va bo = mk_bo(A(2), P(4), BO_A, N);
	const struct gpuvm_va rep =
		mk_repeat(A(2), P(8), BO_R, P(0x20), P(3), P(2));
	const struct gpuvm_va sp = mk_sparse(A(2), P(4));

	(void)state;
	assert_int_equal(gpuvm_va_bo_offset_at(&bo, A(2)), N);
	assert_int_equal(gpuvm_va_bo_offset_at(&bo, A(5) + 0x123),
			 N + P(3) + 0x123);
	/* Pages 0..3 of rep map region pages 2, 0, 1, 2. */
	assert_int_equal(gpuvm_va_bo_offset_at(&rep, A(2)), P(0x20) + P(2));
	assert_int_equal(gpuvm_va_bo_offset_at(&rep, A(3)), P(0x20));
	assert_int_equal(gpuvm_va_bo_offset_at(&rep, A(4) + 8), P(0x20) + P(1) + 8);
	assert_int_equal(gpuvm_va_bo_offset_at(&rep, A(5)), P(0x20) + P(2));
	assert_int_equal(gpuvm_va_bo_offset_at(&sp, A(3)), UINT64_MAX);
}

/* ------------------------------------------------------------------ */
/* Sparse                                                              */

/* Unmapping the middle of a sparse mapping leaves two sparse pieces. */
static void sparse_split_by_unmap(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va old = mk_sparse(A(0), P(4));
	const struct gpuvm_va left = mk_sparse(A(0), P(1));
	const struct gpuvm_va right = mk_sparse(A(2), P(2));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, &left, &right },
	};
	const struct gpuvm_va after[] = { left, right };
	struct gpuvm_va_ops *ops;

	map_ok(s, &old);
	ops = unmap_prep(s, A(1), P(1));
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
}

/* A BO mapped into a sparse one: pieces stay sparse with bo = offset = 0. */
static void sparse_split_by_bo_map(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va old = mk_sparse(A(0), P(4));
	const struct gpuvm_va req = mk_bo(A(1), P(2), BO_A, N);
	const struct gpuvm_va left = mk_sparse(A(0), P(1));
	const struct gpuvm_va right = mk_sparse(A(3), P(1));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, &left, &right },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { left, req, right };

	check_case(s, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* Identical sparse re-map: sparse never keeps, even against itself. */
static void sparse_identical_never_keeps(void **state)
{
	const struct gpuvm_va old = mk_sparse(A(0), P(2));
	const struct gpuvm_va req = mk_sparse(A(0), P(2));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* A sparse subset of a sparse mapping: REMAP, still no keep. */
static void sparse_subset_never_keeps(void **state)
{
	const struct gpuvm_va old = mk_sparse(A(0), P(4));
	const struct gpuvm_va req = mk_sparse(A(1), P(2));
	const struct gpuvm_va left = mk_sparse(A(0), P(1));
	const struct gpuvm_va right = mk_sparse(A(3), P(1));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, &left, &right },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { left, req, right };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* ------------------------------------------------------------------ */
/* Keep rules                                                          */

/* Same BO and offset but other flags (permissions): PTEs must change. */
static void keep_needs_equal_flags(void **state)
{
	const struct gpuvm_va old = with_flags(mk_bo(A(0), P(2), BO_A, N), 1);
	const struct gpuvm_va req = with_flags(mk_bo(A(0), P(2), BO_A, N), 3);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* As case 12 with other flags: no keep, and the pieces keep old flags. */
static void keep_needs_equal_flags_centred(void **state)
{
	const struct gpuvm_va old = with_flags(mk_bo(A(0), P(3), BO_A, N), 1);
	const struct gpuvm_va req =
		with_flags(mk_bo(A(1), P(1), BO_A, N + P(1)), 2);
	const struct gpuvm_va a1 = with_flags(mk_bo(A(0), P(1), BO_A, N), 1);
	const struct gpuvm_va a2 =
		with_flags(mk_bo(A(2), P(1), BO_A, N + P(2)), 1);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, &a1, &a2 },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { a1, req, a2 };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/*
 * REPEAT over plain BO: the repeat region is as large as the mapping, so
 * every page maps the same byte either way; still never keep.
 */
static void keep_never_repeat_over_bo(void **state)
{
	const struct gpuvm_va old = mk_bo(A(0), P(4), BO_A, N);
	const struct gpuvm_va req = mk_repeat(A(0), P(4), BO_A, N, P(4), 0);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* Plain BO over REPEAT, agreeing on the first page: never keep. */
static void keep_never_bo_over_repeat(void **state)
{
	const struct gpuvm_va old = mk_repeat(A(0), P(4), BO_A, N, P(2), 0);
	const struct gpuvm_va req = mk_bo(A(0), P(1), BO_A, N);
	const struct gpuvm_va next = mk_repeat(A(1), P(3), BO_A, N, P(2), P(1));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, NULL, &next },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req, next };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/*
 * REPEAT over REPEAT, same bo/offset/repeat, req at page 2 with phase
 * (1 + 2) % 3 = 0, i.e. in step with old: keep.
 */
static void keep_repeat_matching_phase(void **state)
{
	const struct gpuvm_va old =
		mk_repeat(A(0), P(6), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va req =
		mk_repeat(A(2), P(3), BO_R, P(0x20), P(3), P(0));
	const struct gpuvm_va left =
		mk_repeat(A(0), P(2), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va right =
		mk_repeat(A(5), P(1), BO_R, P(0x20), P(3), P(0));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, true, &old, &left, &right },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { left, req, right };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/* As above with phase 1: same region, out of step, so no keep. */
static void keep_repeat_mismatching_phase(void **state)
{
	const struct gpuvm_va old =
		mk_repeat(A(0), P(6), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va req =
		mk_repeat(A(2), P(3), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va left =
		mk_repeat(A(0), P(2), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va right =
		mk_repeat(A(5), P(1), BO_R, P(0x20), P(3), P(0));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, &left, &right },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { left, req, right };

	check_case(*state, &old, &req, want, ARRAY_SIZE(want), after,
		   ARRAY_SIZE(after));
}

/*
 * Case 14 with REPEAT: old [2, 3) starts inside req [0, 4), so the two
 * must be compared at old's start, page 2. req phase 1 maps page 2 to
 * region page (1 + 2) % 3 = 0, which is what old (phase 0) maps there:
 * keep. With req phase 0 (region page 2 there) they differ: no keep.
 * Comparing at req's start instead would evaluate old two pages before
 * its own start, where its phase arithmetic wraps and says region page 2.
 */
static void keep_repeat_old_inside_req(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va old =
		mk_repeat(A(2), P(1), BO_R, P(0x20), P(3), P(0));
	const struct gpuvm_va req =
		mk_repeat(A(0), P(4), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va off =
		mk_repeat(A(0), P(4), BO_R, P(0x20), P(3), P(0));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, true, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct want_op want_off[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &off, NULL, NULL },
	};
	const struct gpuvm_va after[] = { req };
	struct gpuvm_va_ops *ops;

	map_ok(s, &old);
	ops = map_prep(s, &off);
	assert_ops(s, ops, want_off, ARRAY_SIZE(want_off));
	gpuvm_va_ops_free(ops);
	ops = map_prep(s, &req);
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
}

/*
 * Identical REPEAT re-maps: keep only if region and phase all agree. The
 * second request has a different region size but the same first page;
 * the third a different region offset.
 */
static void keep_repeat_identical(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va old =
		mk_repeat(A(0), P(6), BO_R, P(0x20), P(3), P(1));
	const struct gpuvm_va other_repeat =
		mk_repeat(A(0), P(6), BO_R, P(0x20), P(4), P(1));
	const struct gpuvm_va other_offset =
		mk_repeat(A(0), P(6), BO_R, P(0x21), P(3), P(0));
	const struct want_op keep[] = {
		{ GPUVM_VA_OP_UNMAP, true, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &old, NULL, NULL },
	};
	const struct want_op no_keep_rep[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &other_repeat, NULL, NULL },
	};
	const struct want_op no_keep_off[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &other_offset, NULL, NULL },
	};
	struct gpuvm_va_ops *ops;

	map_ok(s, &old);
	ops = map_prep(s, &old);
	assert_ops(s, ops, keep, ARRAY_SIZE(keep));
	gpuvm_va_ops_free(ops);
	ops = map_prep(s, &other_repeat);
	assert_ops(s, ops, no_keep_rep, ARRAY_SIZE(no_keep_rep));
	gpuvm_va_ops_free(ops);
	ops = map_prep(s, &other_offset);
	assert_ops(s, ops, no_keep_off, ARRAY_SIZE(no_keep_off));
	gpuvm_va_ops_free(ops);
	assert_space(s, &old, 1);
}

/* ------------------------------------------------------------------ */
/* Requests touching several mappings                                  */

/*
 * Four mappings of all kinds under one request: the first and last are
 * cut (REMAP), the two in the middle go (UNMAP), MAP comes last.
 */
static void map_spanning_several(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_bo(A(3), P(1), BO_B, M),
		mk_sparse(A(5), P(2)),
		mk_repeat(A(8), P(2), BO_R, P(0x20), P(3), P(2)),
	};
	const struct gpuvm_va req = mk_bo(A(1), P(8), BO_C, P(0x100));
	const struct gpuvm_va first = mk_bo(A(0), P(1), BO_A, N);
	/* (2 + 1) % 3 = 0 */
	const struct gpuvm_va last =
		mk_repeat(A(9), P(1), BO_R, P(0x20), P(3), P(0));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &before[0], &first, NULL },
		{ GPUVM_VA_OP_UNMAP, false, &before[1], NULL, NULL },
		{ GPUVM_VA_OP_UNMAP, false, &before[2], NULL, NULL },
		{ GPUVM_VA_OP_REMAP, false, &before[3], NULL, &last },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { first, req, last };
	struct gpuvm_va_ops *ops;

	map_all(s, before, ARRAY_SIZE(before));
	ops = map_prep(s, &req);
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
}

/*
 * keep is decided per op: the request continues the first mapping's BO
 * (keep) and its own pages differ from the others' (no keep).
 */
static void map_spanning_keep_per_op(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_bo(A(2), P(2), BO_A, M),
		mk_bo(A(4), P(2), BO_A, N + P(4)),
	};
	const struct gpuvm_va req = mk_bo(A(1), P(4), BO_A, N + P(1));
	const struct gpuvm_va first = mk_bo(A(0), P(1), BO_A, N);
	const struct gpuvm_va last = mk_bo(A(5), P(1), BO_A, N + P(5));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, true, &before[0], &first, NULL },
		{ GPUVM_VA_OP_UNMAP, false, &before[1], NULL, NULL },
		{ GPUVM_VA_OP_REMAP, true, &before[2], NULL, &last },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { first, req, last };
	struct gpuvm_va_ops *ops;

	map_all(s, before, ARRAY_SIZE(before));
	ops = map_prep(s, &req);
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
}

/*
 * A request whose ends fall in gaps: only UNMAPs, and the neighbours just
 * outside (touching but not overlapping) are left alone.
 */
static void map_spanning_gaps_only_unmaps(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_bo(A(3), P(1), BO_B, M),
		mk_sparse(A(5), P(1)),
		mk_bo(A(7), P(2), BO_C, 0),
	};
	const struct gpuvm_va req = mk_bo(A(2), P(5), BO_C, P(0x200));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &before[1], NULL, NULL },
		{ GPUVM_VA_OP_UNMAP, false, &before[2], NULL, NULL },
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { before[0], req, before[3] };
	struct gpuvm_va_ops *ops;

	map_all(s, before, ARRAY_SIZE(before));
	ops = map_prep(s, &req);
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
}

/* Into an empty range: a lone MAP. */
static void map_into_gap(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_bo(A(4), P(2), BO_B, M),
	};
	const struct gpuvm_va req = mk_bo(A(2), P(2), BO_C, 0);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_MAP, false, &req, NULL, NULL },
	};
	const struct gpuvm_va after[] = { before[0], req, before[1] };
	struct gpuvm_va_ops *ops;

	map_all(s, before, ARRAY_SIZE(before));
	ops = map_prep(s, &req);
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
}

/* ------------------------------------------------------------------ */
/* Unmap                                                               */

/* Exactly covered: UNMAP without keep (an unmap has nothing to keep). */
static void unmap_exact(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va old = mk_bo(A(2), P(3), BO_A, N);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_UNMAP, false, &old, NULL, NULL },
	};
	struct gpuvm_va_ops *ops;

	map_ok(s, &old);
	ops = unmap_prep(s, A(2), P(3));
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, NULL, 0);
	assert_null(gpuvm_va_find(s, A(2)));
}

/* Cut on the left, on the right, in the middle: REMAP, keep = false. */
static void unmap_cuts(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va old = mk_bo(A(0), P(8), BO_A, N);
	const struct gpuvm_va r1 = mk_bo(A(1), P(7), BO_A, N + P(1));
	const struct gpuvm_va r2 = mk_bo(A(1), P(6), BO_A, N + P(1));
	const struct gpuvm_va r3a = mk_bo(A(1), P(2), BO_A, N + P(1));
	const struct gpuvm_va r3b = mk_bo(A(4), P(3), BO_A, N + P(4));
	const struct want_op left[] = {
		{ GPUVM_VA_OP_REMAP, false, &old, NULL, &r1 },
	};
	const struct want_op right[] = {
		{ GPUVM_VA_OP_REMAP, false, &r1, &r2, NULL },
	};
	const struct want_op centre[] = {
		{ GPUVM_VA_OP_REMAP, false, &r2, &r3a, &r3b },
	};
	const struct gpuvm_va after[] = { r3a, r3b };
	struct gpuvm_va_ops *ops;

	map_ok(s, &old);
	ops = unmap_prep(s, A(0), P(1));
	assert_ops(s, ops, left, ARRAY_SIZE(left));
	commit_ok(ops);
	ops = unmap_prep(s, A(7), P(1));
	assert_ops(s, ops, right, ARRAY_SIZE(right));
	commit_ok(ops);
	ops = unmap_prep(s, A(3), P(1));
	assert_ops(s, ops, centre, ARRAY_SIZE(centre));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
}

/* Across several mappings: REMAP, UNMAPs, REMAP; no MAP. */
static void unmap_spanning(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_sparse(A(2), P(2)),
		mk_repeat(A(5), P(4), BO_R, 0, P(3), 0),
	};
	const struct gpuvm_va first = mk_bo(A(0), P(1), BO_A, N);
	const struct gpuvm_va last = mk_repeat(A(7), P(2), BO_R, 0, P(3), P(2));
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &before[0], &first, NULL },
		{ GPUVM_VA_OP_UNMAP, false, &before[1], NULL, NULL },
		{ GPUVM_VA_OP_REMAP, false, &before[2], NULL, &last },
	};
	const struct gpuvm_va after[] = { first, last };
	struct gpuvm_va_ops *ops;

	map_all(s, before, ARRAY_SIZE(before));
	ops = unmap_prep(s, A(1), P(6));
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));
}

/* Nothing in the range (and mappings touching it on both sides). */
static void unmap_empty_range(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_bo(A(5), P(2), BO_B, M),
	};
	struct gpuvm_va_ops *ops;

	map_all(s, before, ARRAY_SIZE(before));
	ops = unmap_prep(s, A(2), P(3));
	assert_int_equal(ops->count, 0);
	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	validate(s);
	gpuvm_va_ops_free(ops);
	assert_space(s, before, ARRAY_SIZE(before));

	/* The whole of an empty space, too. */
	unmap_ok(s, A(0), P(2));
	unmap_ok(s, A(5), P(2));
	ops = unmap_prep(s, BASE, P(SPACE_PAGES));
	assert_int_equal(ops->count, 0);
	commit_ok(ops);
	assert_space(s, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* priv                                                                */

/*
 * priv is the driver's: surviving pieces carry it, a MAP's new va starts
 * with NULL whatever the request held.
 */
static void priv_carried_to_pieces(void **state)
{
	struct gpuvm_va_space *s = *state;
	static int token, other;
	const struct gpuvm_va old = mk_bo(A(0), P(4), BO_A, N);
	const struct gpuvm_va req = with_priv(mk_bo(A(1), P(2), BO_B, M), &other);
	const struct gpuvm_va old_p = with_priv(old, &token);
	const struct gpuvm_va left = with_priv(mk_bo(A(0), P(1), BO_A, N), &token);
	const struct gpuvm_va right =
		with_priv(mk_bo(A(3), P(1), BO_A, N + P(3)), &token);
	const struct gpuvm_va mapped = mk_bo(A(1), P(2), BO_B, M);
	const struct want_op want[] = {
		{ GPUVM_VA_OP_REMAP, false, &old_p, &left, &right },
		{ GPUVM_VA_OP_MAP, false, &mapped, NULL, NULL },
	};
	const struct gpuvm_va after[] = { left, mapped, right };
	struct gpuvm_va_ops *ops;

	map_ok(s, &old);
	assert_null(gpuvm_va_find(s, A(0))->priv);
	gpuvm_va_find(s, A(0))->priv = &token;
	ops = map_prep(s, &req);
	assert_ops(s, ops, want, ARRAY_SIZE(want));
	commit_ok(ops);
	assert_space(s, after, ARRAY_SIZE(after));

	/* And through a plain unmap. */
	unmap_ok(s, A(3), P(1));
	assert_ptr_equal(gpuvm_va_find(s, A(0))->priv, &token);
}

/* ------------------------------------------------------------------ */
/* Lookup and iteration                                                */

static void lookup_find(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(3), P(2), BO_A, N),
		mk_bo(A(6), P(2), BO_B, M),
		mk_sparse(A(8), P(1)),
	};
	struct gpuvm_va *a, *b, *c;

	map_all(s, before, ARRAY_SIZE(before));
	a = gpuvm_va_find(s, A(3));
	b = gpuvm_va_find(s, A(6));
	c = gpuvm_va_find(s, A(8));
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_va(a, &before[0], "find", 0);
	assert_va(b, &before[1], "find", 1);
	assert_va(c, &before[2], "find", 2);

	assert_null(gpuvm_va_find(s, BASE));
	assert_null(gpuvm_va_find(s, A(3) - 1));
	assert_ptr_equal(gpuvm_va_find(s, A(4) + 0x7ff), a);
	assert_ptr_equal(gpuvm_va_find(s, A(5) - 1), a);  /* last byte */
	assert_null(gpuvm_va_find(s, A(5)));              /* one past */
	assert_ptr_equal(gpuvm_va_find(s, A(8) - 1), b);
	assert_ptr_equal(gpuvm_va_find(s, A(8)), c);      /* adjacent */
	assert_ptr_equal(gpuvm_va_find(s, A(9) - 1), c);
	assert_null(gpuvm_va_find(s, A(9)));
	assert_null(gpuvm_va_find(s, 0));
	assert_null(gpuvm_va_find(s, UINT64_MAX));
}

/* Collects gpuvm_va_for_each_in(addr, end) into out[], returns the count. */
static size_t collect_in(const struct gpuvm_va_space *s, uint64_t addr,
			 uint64_t end, const struct gpuvm_va **out, size_t max)
{
	const struct gpuvm_va *va;
	size_t n = 0;

	gpuvm_va_for_each_in(va, s, addr, end) {
		assert_true(n < max);
		out[n++] = va;
	}
	return n;
}

static void lookup_iterate_in(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_bo(A(3), P(1), BO_B, M),
		mk_sparse(A(6), P(2)),
	};
	const struct gpuvm_va *x, *y, *z, *got[4];

	map_all(s, before, ARRAY_SIZE(before));
	x = gpuvm_va_find(s, A(0));
	y = gpuvm_va_find(s, A(3));
	z = gpuvm_va_find(s, A(6));

	/* Starting inside x, ending inside z: all three. */
	assert_int_equal(collect_in(s, A(1) + 0x10, A(7), got, 4), 3);
	assert_ptr_equal(got[0], x);
	assert_ptr_equal(got[1], y);
	assert_ptr_equal(got[2], z);

	/* [end of x, start of z): only y; touching is not overlapping. */
	assert_int_equal(collect_in(s, A(2), A(6), got, 4), 1);
	assert_ptr_equal(got[0], y);

	/* The gaps alone. */
	assert_int_equal(collect_in(s, A(2), A(3), got, 4), 0);
	assert_int_equal(collect_in(s, A(4), A(6), got, 4), 0);
	assert_int_equal(collect_in(s, A(8), A(SPACE_PAGES), got, 4), 0);
	assert_null(gpuvm_va_first_in(s, A(4) + 1, A(5)));

	/* From the last byte of x. */
	assert_ptr_equal(gpuvm_va_first_in(s, A(2) - 1, A(2)), x);
	assert_int_equal(collect_in(s, A(2) - 1, A(3) + 1, got, 4), 2);
	assert_ptr_equal(got[0], x);
	assert_ptr_equal(got[1], y);

	/* One byte in the middle of z. */
	assert_ptr_equal(gpuvm_va_first_in(s, A(7) + 5, A(7) + 6), z);
	assert_null(gpuvm_va_next_in(z, A(SPACE_PAGES)));

	/* Stepping by hand, with next_in's end cutting z off. */
	assert_ptr_equal(gpuvm_va_first_in(s, BASE, A(6)), x);
	assert_ptr_equal(gpuvm_va_next_in(x, A(6)), y);
	assert_null(gpuvm_va_next_in(y, A(6)));
	assert_ptr_equal(gpuvm_va_next_in(y, A(6) + 1), z);
}

/* Collects gpuvm_va_for_each_of_bo(bo) into out[], returns the count. */
static size_t collect_bo(const struct gpuvm_va_space *s, uint64_t bo,
			 const struct gpuvm_va **out, size_t max)
{
	const struct gpuvm_va *va;
	size_t n = 0;

	gpuvm_va_for_each_of_bo(va, s, bo) {
		assert_true(n < max);
		out[n++] = va;
	}
	return n;
}

/*
 * The VM x BO link: mapped out of address order, interleaved with other
 * BOs and sparse ranges, and the BO's repeat mapping included.
 */
static void lookup_of_bo(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(8), P(1), 5, 0),
		mk_sparse(A(2), P(1)),
		mk_bo(A(10), P(1), 3, 0),
		mk_repeat(A(6), P(2), 5, P(4), P(1), 0),
		mk_bo(A(4), P(1), 7, 0),
		mk_bo(A(0), P(1), 5, P(2)),
		mk_bo(A(12), P(1), 9, 0),
	};
	const struct gpuvm_va *got[8];

	map_all(s, before, ARRAY_SIZE(before));
	assert_int_equal(collect_bo(s, 5, got, 8), 3);
	assert_va(got[0], &before[5], "bo 5", 0);
	assert_va(got[1], &before[3], "bo 5", 1);
	assert_va(got[2], &before[0], "bo 5", 2);
	assert_int_equal(collect_bo(s, 7, got, 8), 1);
	assert_va(got[0], &before[4], "bo 7", 0);
	assert_int_equal(collect_bo(s, 3, got, 8), 1);
	assert_va(got[0], &before[2], "bo 3", 0);
	assert_int_equal(collect_bo(s, 9, got, 8), 1);
	assert_int_equal(collect_bo(s, 4, got, 8), 0);
	assert_int_equal(collect_bo(s, 6, got, 8), 0);
	assert_int_equal(collect_bo(s, 10, got, 8), 0);

	/* Split pieces join the link; a BO replaced by sparse leaves it. */
	map_ok(s, (const struct gpuvm_va[]){ mk_bo(A(6), P(1), 3, 0) });
	map_ok(s, (const struct gpuvm_va[]){ mk_sparse(A(8), P(1)) });
	assert_int_equal(collect_bo(s, 5, got, 8), 2);
	assert_va(got[0], &before[5], "bo 5 after", 0);
	assert_va(got[1],
		  (const struct gpuvm_va[]){
			  mk_repeat(A(7), P(1), 5, P(4), P(1), 0) },
		  "bo 5 after", 1);
	assert_int_equal(collect_bo(s, 3, got, 8), 2);
	assert_int_equal(got[0]->addr, A(6));
	assert_int_equal(got[1]->addr, A(10));

	/* bo 0 is the sparse ranges, in address order: what a dummy backs. */
	assert_int_equal(collect_bo(s, 0, got, 8), 2);
	assert_va(got[0], &before[1], "sparse", 0);
	assert_va(got[1], (const struct gpuvm_va[]){ mk_sparse(A(8), P(1)) },
		  "sparse", 1);
}

/* ------------------------------------------------------------------ */
/* Op-list lifecycle                                                   */

/* Freeing a prepared list without committing changes nothing. */
static void ops_free_uncommitted(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(4), BO_A, N),
		mk_sparse(A(4), P(2)),
	};
	const struct gpuvm_va req = mk_bo(A(1), P(4), BO_B, M);
	struct gpuvm_va *x, *y;

	map_all(s, before, ARRAY_SIZE(before));
	x = gpuvm_va_find(s, A(0));
	y = gpuvm_va_find(s, A(4));
	gpuvm_va_ops_free(map_prep(s, &req));
	gpuvm_va_ops_free(unmap_prep(s, A(1), P(4)));
	gpuvm_va_ops_free(NULL);
	validate(s);
	assert_space(s, before, ARRAY_SIZE(before));
	assert_ptr_equal(gpuvm_va_find(s, A(0)), x);
	assert_ptr_equal(gpuvm_va_find(s, A(4)), y);

	/* The space still takes the same request afterwards. */
	map_ok(s, &req);
	assert_int_equal(gpuvm_va_space_count(s), 3);
}

static void ops_commit_twice(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va old = mk_bo(A(0), P(4), BO_A, N);
	const struct gpuvm_va req = mk_bo(A(1), P(1), BO_B, M);
	const struct gpuvm_va after[] = {
		mk_bo(A(0), P(1), BO_A, N),
		req,
		mk_bo(A(2), P(2), BO_A, N + P(2)),
	};
	struct gpuvm_va_ops *ops;

	map_ok(s, &old);
	ops = map_prep(s, &req);
	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	validate(s);
	assert_int_equal(gpuvm_va_ops_commit(ops), -EALREADY);
	assert_true(ops->committed);
	validate(s);
	assert_space(s, after, ARRAY_SIZE(after));
	gpuvm_va_ops_free(ops);
	validate(s);
	assert_space(s, after, ARRAY_SIZE(after));
}

/* A list built before another commit is stale and must not apply. */
static void ops_stale(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va old = mk_bo(A(0), P(4), BO_A, N);
	const struct gpuvm_va req_a = mk_bo(A(1), P(1), BO_B, M);
	const struct gpuvm_va req_b = mk_bo(A(2), P(4), BO_C, 0);
	const struct gpuvm_va after[] = {
		mk_bo(A(0), P(2), BO_A, N),
		req_b,
	};
	struct gpuvm_va_ops *a, *b, *u;

	map_ok(s, &old);
	a = map_prep(s, &req_a);
	u = unmap_prep(s, A(0), P(1));
	b = map_prep(s, &req_b);
	assert_int_equal(gpuvm_va_ops_commit(b), 0);
	validate(s);
	gpuvm_va_ops_free(b);
	assert_space(s, after, ARRAY_SIZE(after));

	assert_int_equal(gpuvm_va_ops_commit(a), -ESTALE);
	assert_false(a->committed);
	validate(s);
	assert_space(s, after, ARRAY_SIZE(after));
	assert_int_equal(gpuvm_va_ops_commit(u), -ESTALE);
	validate(s);
	assert_space(s, after, ARRAY_SIZE(after));
	gpuvm_va_ops_free(a);
	gpuvm_va_ops_free(u);
	validate(s);
	assert_space(s, after, ARRAY_SIZE(after));
}

/*
 * Every test here leans on gpuvm_va_space_validate() returning 0, so make
 * sure it can return anything else: break one invariant at a time through
 * the (read-only by contract) public fields, then put it back.
 */
static void validate_detects_corruption(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_bo(A(2), P(2), BO_B, M),
		mk_sparse(A(6), P(2)),
	};
	struct gpuvm_va *x;

	map_all(s, before, ARRAY_SIZE(before));
	x = gpuvm_va_find(s, A(0));

	x->range = P(3); /* overlaps its successor */
	assert_int_equal(gpuvm_va_space_validate(s, NULL), -EUCLEAN);
	x->range = P(2);
	x->offset = N + 1; /* unaligned offset */
	assert_int_equal(gpuvm_va_space_validate(s, NULL), -EUCLEAN);
	x->offset = N;
	x->bo = 0x99; /* not where the BO index has it */
	assert_int_equal(gpuvm_va_space_validate(s, NULL), -EUCLEAN);
	x->bo = BO_A;
	gpuvm_va_find(s, A(6))->bo = BO_A; /* sparse with a BO */
	assert_int_equal(gpuvm_va_space_validate(s, NULL), -EUCLEAN);
	gpuvm_va_find(s, A(6))->bo = 0;

	validate(s);
	assert_space(s, before, ARRAY_SIZE(before));
}

/* ------------------------------------------------------------------ */
/* Printing BO keys                                                    */

/*
 * Names a key the way a driver whose keys are host pointers must: by
 * something of its own (here a letter), never by the key's value.
 */
static void name_key(FILE *f, uint64_t bo, void *cookie)
{
	unsigned int *calls = cookie;

	(*calls)++;
	fprintf(f, "<%c>", bo == BO_A ? 'A' : bo == BO_R ? 'R' : '?');
}

/* What print(s or ops) writes, as a string; free() it. */
static char *printed(const struct gpuvm_va_space *s,
		     const struct gpuvm_va_ops *ops, bool validate_fails)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (validate_fails)
		assert_int_equal(gpuvm_va_space_validate(s, f), -EUCLEAN);
	else if (ops)
		gpuvm_va_ops_print(ops, f);
	else
		gpuvm_va_space_print(s, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

static void expect_printed(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

/*
 * Every print of a space goes through its namer: the space, an op list
 * built against it and validate's message. Without one the key is
 * printed as a number.
 */
static void print_names_bo_keys(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va before[] = {
		mk_bo(A(0), P(2), BO_A, N),
		mk_repeat(A(2), P(3), BO_R, 0, P(2), P(1)),
		with_flags(mk_sparse(A(6), P(2)), 0x2),
	};
	struct gpuvm_va_ops *ops;
	unsigned int calls = 0;

	map_all(s, before, ARRAY_SIZE(before));
	expect_printed(printed(s, NULL, false),
		"va space [0x100000, 0x200000), 3 mappings\n"
		"  [0x100000, 0x102000) bo=10 offset=0x10000 flags=0x0\n"
		"  [0x102000, 0x105000) bo=126 offset=0x0 repeat=0x2000 phase=0x1000 flags=0x0\n"
		"  [0x106000, 0x108000) sparse flags=0x2\n");

	gpuvm_va_space_set_bo_namer(s, name_key, &calls);
	expect_printed(printed(s, NULL, false),
		"va space [0x100000, 0x200000), 3 mappings\n"
		"  [0x100000, 0x102000) bo=<A> offset=0x10000 flags=0x0\n"
		"  [0x102000, 0x105000) bo=<R> offset=0x0 repeat=0x2000 phase=0x1000 flags=0x0\n"
		"  [0x106000, 0x108000) sparse flags=0x2\n");
	assert_int_equal(calls, 2);

	ops = unmap_prep(s, A(1), P(2));
	expect_printed(printed(s, ops, false),
		"REMAP [0x100000, 0x102000) bo=<A> offset=0x10000 flags=0x0\n"
		"  prev [0x100000, 0x101000) bo=<A> offset=0x10000 flags=0x0\n"
		"REMAP [0x102000, 0x105000) bo=<R> offset=0x0 repeat=0x2000 phase=0x1000 flags=0x0\n"
		"  next [0x103000, 0x105000) bo=<R> offset=0x0 repeat=0x2000 phase=0x0 flags=0x0\n");
	gpuvm_va_ops_free(ops);
	assert_int_equal(calls, 6);

	gpuvm_va_find(s, A(0))->offset = N + 1;
	expect_printed(printed(s, NULL, true),
		"gpuvm_va: invariant broken: bad backing at [0x100000, 0x102000) bo=<A> offset=0x10001 flags=0x0\n");
	gpuvm_va_find(s, A(0))->offset = N;
	assert_int_equal(calls, 7);

	gpuvm_va_space_set_bo_namer(s, NULL, NULL);
	expect_printed(printed(s, NULL, false),
		"va space [0x100000, 0x200000), 3 mappings\n"
		"  [0x100000, 0x102000) bo=10 offset=0x10000 flags=0x0\n"
		"  [0x102000, 0x105000) bo=126 offset=0x0 repeat=0x2000 phase=0x1000 flags=0x0\n"
		"  [0x106000, 0x108000) sparse flags=0x2\n");
	validate(s);
	assert_space(s, before, ARRAY_SIZE(before));
}

/* ------------------------------------------------------------------ */
/* max_mappings                                                        */

/* prepare must fail with -ENOSPC, leaving *out and the space alone. */
static void expect_enospc(struct gpuvm_va_space *s, const struct gpuvm_va *req,
			  const struct gpuvm_va *now, size_t n)
{
	static struct gpuvm_va_ops sentinel;
	struct gpuvm_va_ops *ops = &sentinel;

	assert_int_equal(gpuvm_va_map_prepare(s, req, &ops), -ENOSPC);
	assert_ptr_equal(ops, &sentinel);
	validate(s);
	assert_space(s, now, n);
}

static void max_mappings_map(void **state)
{
	struct gpuvm_va_space *s = new_space(3);
	const struct gpuvm_va three[] = {
		mk_bo(A(0), P(3), BO_A, 0),
		mk_bo(A(4), P(3), BO_B, 0),
		mk_sparse(A(8), P(3)),
	};
	const struct gpuvm_va c03 = mk_bo(A(0), P(3), BO_C, 0);
	const struct gpuvm_va c27 = mk_bo(A(2), P(5), BO_C, P(0x100));
	const struct gpuvm_va c211 = mk_bo(A(2), P(9), BO_C, P(0x200));
	const struct gpuvm_va c12 = mk_bo(A(12), P(1), BO_C, 0);
	const struct gpuvm_va step2[] = { c03, three[1], three[2] };
	const struct gpuvm_va step3[] = { mk_bo(A(0), P(2), BO_C, 0), c27,
					  three[2] };
	const struct gpuvm_va step4[] = { step3[0], c211 };
	const struct gpuvm_va step5[] = { step3[0], c211, c12 };

	(void)state;
	map_all(s, three, ARRAY_SIZE(three)); /* reaching the limit is fine */
	assert_space(s, three, ARRAY_SIZE(three));

	/* +1: a new mapping in a gap. */
	expect_enospc(s, &c12, three, ARRAY_SIZE(three));
	/* +2: a hole in the middle of one. */
	expect_enospc(s, (const struct gpuvm_va[]){ mk_bo(A(1), P(1), BO_C, 0) },
		      three, ARRAY_SIZE(three));
	/* +1: cutting two, each leaving a piece. */
	expect_enospc(s, (const struct gpuvm_va[]){ mk_bo(A(2), P(3), BO_C, 0) },
		      three, ARRAY_SIZE(three));

	/* 0: replacing one exactly. */
	map_ok(s, &c03);
	assert_space(s, step2, ARRAY_SIZE(step2));
	/* 0: cutting one and removing another. */
	map_ok(s, &c27);
	assert_space(s, step3, ARRAY_SIZE(step3));
	/* -1: one request over two. */
	map_ok(s, &c211);
	assert_space(s, step4, ARRAY_SIZE(step4));
	/* Room again for one more, and then no more. */
	map_ok(s, &c12);
	assert_space(s, step5, ARRAY_SIZE(step5));
	expect_enospc(s, (const struct gpuvm_va[]){ mk_sparse(A(14), P(1)) },
		      step5, ARRAY_SIZE(step5));
	gpuvm_va_space_destroy(s);
}

/*
 * A plain unmap that punches a hole adds a mapping, so the limit applies
 * to it too (the cfg says -ENOSPC past max_mappings, for any list).
 */
static void max_mappings_unmap(void **state)
{
	struct gpuvm_va_space *s = new_space(2);
	const struct gpuvm_va two[] = {
		mk_bo(A(0), P(3), BO_A, 0),
		mk_bo(A(4), P(3), BO_B, 0),
	};
	static struct gpuvm_va_ops sentinel;
	struct gpuvm_va_ops *ops = &sentinel;

	(void)state;
	map_all(s, two, ARRAY_SIZE(two));
	assert_int_equal(gpuvm_va_unmap_prepare(s, A(1), P(1), &ops), -ENOSPC);
	assert_ptr_equal(ops, &sentinel);
	assert_space(s, two, ARRAY_SIZE(two));
	/* Trimming an end keeps the count; removing one lowers it. */
	unmap_ok(s, A(0), P(1));
	assert_int_equal(gpuvm_va_space_count(s), 2);
	unmap_ok(s, A(4), P(3));
	assert_int_equal(gpuvm_va_space_count(s), 1);
	unmap_ok(s, A(2), P(1));
	assert_space(s, (const struct gpuvm_va[]){ mk_bo(A(1), P(1), BO_A, P(1)) },
		     1);
	gpuvm_va_space_destroy(s);
}

/* ------------------------------------------------------------------ */

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(case01_identical_same),
		T(case02_identical_other_offset),
		T(case03_identical_other_bo),
		T(case04_old_left_subset),
		T(case04b_old_left_subset_other_bo),
		T(case05_req_left_subset_other_bo),
		T(case06_req_left_subset_same_bo),
		T(case07_req_right_subset_other_bo),
		T(case08_req_right_subset_same_bo),
		T(case09_req_overlaps_end_other_bo),
		T(case10_req_overlaps_end_same_bo),
		T(case11_req_centred_other_bo),
		T(case12_req_centred_same_bo),
		T(case13_old_right_subset),
		T(case13b_old_right_subset_not_contiguous),
		T(case14_old_centred_subset),
		T(case14b_old_centred_subset_other_bo),
		T(case15_req_overlaps_begin_other_bo),
		T(case15b_req_overlaps_begin_same_bo),

		T(bo_split_keeps_bytes),
		T(repeat_split_centred_map),
		T(repeat_split_twice_by_unmap),
		T(repeat_split_region_larger_than_piece),
		T(bo_offset_at_formula),

		T(sparse_split_by_unmap),
		T(sparse_split_by_bo_map),
		T(sparse_identical_never_keeps),
		T(sparse_subset_never_keeps),

		T(keep_needs_equal_flags),
		T(keep_needs_equal_flags_centred),
		T(keep_never_repeat_over_bo),
		T(keep_never_bo_over_repeat),
		T(keep_repeat_matching_phase),
		T(keep_repeat_mismatching_phase),
		T(keep_repeat_old_inside_req),
		T(keep_repeat_identical),

		T(map_spanning_several),
		T(map_spanning_keep_per_op),
		T(map_spanning_gaps_only_unmaps),
		T(map_into_gap),

		T(unmap_exact),
		T(unmap_cuts),
		T(unmap_spanning),
		T(unmap_empty_range),

		T(priv_carried_to_pieces),

		T(lookup_find),
		T(lookup_iterate_in),
		T(lookup_of_bo),

		T(ops_free_uncommitted),
		T(ops_commit_twice),
		T(ops_stale),
		T(validate_detects_corruption),
		T(print_names_bo_keys),

		cmocka_unit_test(max_mappings_map),
		cmocka_unit_test(max_mappings_unmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
