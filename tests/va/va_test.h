// SPDX-License-Identifier: MIT
/*
 * DOC: what the VA-space tests (tests/va/) share
 *
 * The page shorthands every VA test draws with (P(n) pages, A(n) the
 * address of page n from BASE), the BO identities, request builders, the
 * comparisons (every field of a mapping, the whole space), the two-phase
 * steps that must succeed (prepare, commit, validate, free), snapshots of
 * a space (the mapping objects and their values) and the fixture: a space
 * of SPACE_PAGES pages at BASE that teardown validates and destroys.
 *
 * Everything is a macro or a static inline function, so a test that does
 * not use a helper does not warn about it; each test is its own
 * executable. Only the public API (gpuvm/va.h) is used.
 */
#ifndef GPUVM_TESTS_VA_TEST_H
#define GPUVM_TESTS_VA_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gpuvm/va.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PG 0x1000ull
/* n pages, as a size, offset, repeat or phase. */
#define P(n) ((uint64_t)(n) * PG)
/*
 * Address of page n. The space does not start at 0 so that an address
 * and an offset relative to the space start can never be confused; 1 MiB
 * is aligned to every granule the tests use.
 */
#define BASE 0x100000ull
#define A(n) (BASE + P(n))
#define SPACE_PAGES 256

/* BO identities; any non-zero value is a BO. */
#define BO_A 0xa
#define BO_B 0xb
#define BO_C 0xc
#define BO_R 0x7e /* the BO behind repeat mappings */

/* Two BO offsets ("n" and "m" in the drawings), far apart. */
#define N P(0x10)
#define M P(0x40)

/* Large enough for every space a test snapshots. */
#define VA_SNAP_MAX 16

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static inline struct gpuvm_va mk_va(enum gpuvm_va_kind kind, uint64_t addr,
				    uint64_t range, uint64_t bo,
				    uint64_t offset, uint64_t repeat,
				    uint64_t phase)
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

static inline struct gpuvm_va mk_bo(uint64_t addr, uint64_t range,
				    uint64_t bo, uint64_t offset)
{
	return mk_va(GPUVM_VA_BO, addr, range, bo, offset, 0, 0);
}

static inline struct gpuvm_va mk_sparse(uint64_t addr, uint64_t range)
{
	return mk_va(GPUVM_VA_SPARSE, addr, range, 0, 0, 0, 0);
}

static inline struct gpuvm_va mk_repeat(uint64_t addr, uint64_t range,
					uint64_t bo, uint64_t offset,
					uint64_t repeat, uint64_t phase)
{
	return mk_va(GPUVM_VA_REPEAT, addr, range, bo, offset, repeat, phase);
}

/* ------------------------------------------------------------------ */
/* Comparing                                                           */

/* Every field, priv included. */
static inline bool va_equal(const struct gpuvm_va *a, const struct gpuvm_va *b)
{
	return a->addr == b->addr && a->range == b->range &&
	       a->kind == b->kind && a->flags == b->flags &&
	       a->bo == b->bo && a->offset == b->offset &&
	       a->repeat == b->repeat && a->phase == b->phase &&
	       a->priv == b->priv;
}

/* got must equal want in every field; want == NULL: got must be NULL. */
static inline void assert_va(const struct gpuvm_va *got,
			     const struct gpuvm_va *want, const char *what,
			     unsigned int idx)
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
	if (want && got && want->priv != got->priv)
		fprintf(stderr, "  (priv differs: want %s, got %s)\n",
			want->priv ? "set" : "NULL",
			got->priv ? "set" : "NULL");
	fail_msg("%s %u differs", what, idx);
}

/* The space holds exactly want[], in address order, and nothing else. */
static inline void assert_space(const struct gpuvm_va_space *s,
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
/* Snapshots: the whole observable state of a space                    */

struct va_snapshot {
	uint64_t count;
	size_t n;
	const struct gpuvm_va *obj[VA_SNAP_MAX]; /* identities */
	struct gpuvm_va val[VA_SNAP_MAX];        /* and values */
};

static inline void va_snapshot_take(const struct gpuvm_va_space *s,
				    struct va_snapshot *snap)
{
	const struct gpuvm_va_space_cfg *c = gpuvm_va_space_cfg(s);
	const struct gpuvm_va *va;

	snap->count = gpuvm_va_space_count(s);
	snap->n = 0;
	gpuvm_va_for_each_in(va, s, c->start, c->start + c->range) {
		assert_true(snap->n < VA_SNAP_MAX);
		snap->obj[snap->n] = va;
		snap->val[snap->n] = *va;
		snap->n++;
	}
	assert_int_equal(snap->n, snap->count);
}

/* The space validates and holds the very same objects, unchanged. */
static inline void assert_unchanged(const struct gpuvm_va_space *s,
				    const struct va_snapshot *before)
{
	struct va_snapshot now;
	size_t i;

	assert_int_equal(gpuvm_va_space_validate(s, stderr), 0);
	va_snapshot_take(s, &now);
	assert_int_equal(now.count, before->count);
	assert_int_equal(now.n, before->n);
	for (i = 0; i < now.n; i++) {
		assert_ptr_equal(now.obj[i], before->obj[i]);
		if (!va_equal(&now.val[i], &before->val[i])) {
			fputs("want ", stderr);
			gpuvm_va_print(&before->val[i], stderr);
			fputs("got  ", stderr);
			gpuvm_va_print(&now.val[i], stderr);
			fail_msg("mapping %zu changed", i);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Steps that must succeed                                             */

static inline void validate(const struct gpuvm_va_space *s)
{
	assert_int_equal(gpuvm_va_space_validate(s, stderr), 0);
}

static inline struct gpuvm_va_ops *map_prep(struct gpuvm_va_space *s,
					    const struct gpuvm_va *req)
{
	struct gpuvm_va_ops *ops = NULL;

	assert_int_equal(gpuvm_va_map_prepare(s, req, &ops), 0);
	assert_non_null(ops);
	return ops;
}

static inline struct gpuvm_va_ops *unmap_prep(struct gpuvm_va_space *s,
					      uint64_t addr, uint64_t range)
{
	struct gpuvm_va_ops *ops = NULL;

	assert_int_equal(gpuvm_va_unmap_prepare(s, addr, range, &ops), 0);
	assert_non_null(ops);
	return ops;
}

/* Commit (must succeed), validate, free, validate. */
static inline void commit_ok(struct gpuvm_va_ops *ops)
{
	struct gpuvm_va_space *s = ops->space;

	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	assert_true(ops->committed);
	validate(s);
	gpuvm_va_ops_free(ops);
	validate(s);
}

static inline void map_ok(struct gpuvm_va_space *s,
			  const struct gpuvm_va *req)
{
	commit_ok(map_prep(s, req));
}

static inline void map_all(struct gpuvm_va_space *s,
			   const struct gpuvm_va *vas, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		map_ok(s, &vas[i]);
}

static inline void unmap_ok(struct gpuvm_va_space *s, uint64_t addr,
			    uint64_t range)
{
	commit_ok(unmap_prep(s, addr, range));
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

/* SPACE_PAGES pages at BASE, 4 KiB granule, no reserved range. */
static inline struct gpuvm_va_space *new_space(uint64_t max_mappings)
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

/* cmocka fixture: *state is an empty new_space(0). */
static inline int va_setup(void **state)
{
	*state = new_space(0);
	return 0;
}

/* Whatever a test left in the space must still validate. */
static inline int va_teardown(void **state)
{
	struct gpuvm_va_space *s = *state;
	int ret = gpuvm_va_space_validate(s, stderr);

	gpuvm_va_space_destroy(s);
	return ret;
}

#define VA_TEST(f) cmocka_unit_test_setup_teardown(f, va_setup, va_teardown)

#endif /* GPUVM_TESTS_VA_TEST_H */
