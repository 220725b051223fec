// SPDX-License-Identifier: MIT
/*
 * DOC: NULL pointer arguments of the VA-space manager (gpuvm/va.h)
 *
 * Every function of the header, with each pointer argument NULL in turn:
 * the table says what the header documents for it, tests/null_args.h
 * runs each row in a child process and checks the result and, with a
 * snapshot (the space's count, print and validation, and a prepared but
 * uncommitted op list), that nothing changed. test_header_complete fails
 * if va.h declares a function or pointer argument the table does not
 * list. The iterator macros are not functions: test_iterators_null_space
 * checks what their documented precondition promises for a NULL space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gpuvm/va.h"
#include "null_args.h"

#define PG 0x1000ull
#define BASE 0x100000ull
#define A(n) (BASE + (uint64_t)(n) * PG)
#define BO_A 0xa

struct fx {
	struct gpuvm_va_space *space; /* [BASE, BASE + 1 MiB), 3 mappings */
	struct gpuvm_va *va;          /* the BO mapping [A(0), A(4)) */
	struct gpuvm_va_ops *ops;     /* prepared (unmap [A(1), A(2))), kept */
};

static void map(struct gpuvm_va_space *s, const struct gpuvm_va *req)
{
	struct gpuvm_va_ops *ops = NULL;

	assert_int_equal(gpuvm_va_map_prepare(s, req, &ops), 0);
	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	gpuvm_va_ops_free(ops);
}

static void fx_make(struct fx *fx)
{
	const struct gpuvm_va_space_cfg cfg = {
		.start = BASE, .range = 256 * PG,
		.reserved_start = A(128), .reserved_range = 32 * PG,
	};
	const struct gpuvm_va reqs[] = {
		{ .addr = A(0), .range = 4 * PG, .kind = GPUVM_VA_BO,
		  .bo = BO_A, .offset = 2 * PG, .flags = 1 },
		{ .addr = A(8), .range = 8 * PG, .kind = GPUVM_VA_SPARSE },
		{ .addr = A(20), .range = 6 * PG, .kind = GPUVM_VA_REPEAT,
		  .bo = BO_A, .repeat = 2 * PG, .phase = PG },
	};
	size_t i;

	assert_int_equal(gpuvm_va_space_create(&cfg, &fx->space), 0);
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		map(fx->space, &reqs[i]);
	fx->va = gpuvm_va_find(fx->space, A(1));
	assert_non_null(fx->va);
	assert_int_equal(gpuvm_va_unmap_prepare(fx->space, A(1), PG, &fx->ops),
			 0);
	assert_int_equal(fx->ops->count, 1);
}

static void snap_print(void *p, FILE *t)
{
	struct fx *fx = p;

	fprintf(t, "count %" PRIu64 "\n", gpuvm_va_space_count(fx->space));
	gpuvm_va_space_print(fx->space, t);
	fprintf(t, "validate %d\n",
		gpuvm_va_space_validate(fx->space, stderr));
	fprintf(t, "ops %u committed %d generation %" PRIu64 "\n",
		fx->ops->count, fx->ops->committed, fx->ops->generation);
	gpuvm_va_ops_print(fx->ops, t);
}

static char *snap(void *p)
{
	return na_text(snap_print, p);
}

/* Runs a print into a memory stream; NULL objects print nothing. */
static void print_check(void (*print)(void *fx, FILE *f), void *fx,
			const char *object)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	print(fx, NA(f, f));
	assert_int_equal(fclose(f), 0);
	free(buf);
	if (na_is(object))
		NA_EXPECT(len == 0);
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */

static int64_t c_end(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_va_end(NA(va, fx->va));
}

static int64_t c_bo_offset_at(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_va_bo_offset_at(NA(va, fx->va), A(1));
}

static int64_t c_space_create(void *p)
{
	const struct gpuvm_va_space_cfg cfg = { .start = 0, .range = PG };
	struct gpuvm_va_space *s = NULL;
	int ret = gpuvm_va_space_create(NA(cfg, &cfg), NA(out, &s));

	NA_EXPECT(!s);
	gpuvm_va_space_destroy(s);
	return ret;
}

static int64_t c_space_destroy(void *p)
{
	struct fx *fx = p;

	gpuvm_va_space_destroy(NA(space, fx->space));
	return NA_VOID;
}

static int64_t c_space_count(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_va_space_count(NA(space, fx->space));
}

static int64_t c_mem_bytes(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_va_space_mem_bytes(NA(space, fx->space));
}

static int64_t c_space_cfg(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_va_space_cfg(NA(space, fx->space));
}

static int64_t c_check_range(void *p)
{
	struct fx *fx = p;

	return gpuvm_va_check_range(NA(space, fx->space), A(40), PG);
}

static int64_t c_find(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_va_find(NA(space, fx->space), A(1));
}

static int64_t c_first_in(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_va_first_in(NA(space, fx->space),
						    A(0), A(64));
}

static int64_t c_next_in(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_va_next_in(NA(va, fx->va), A(64));
}

/* A NULL space gives an iterator at the end: it yields nothing. */
static int64_t c_iter_start(void *p)
{
	struct fx *fx = p;
	struct gpuvm_va_iter it = gpuvm_va_iter_start(NA(space, fx->space),
						      A(0), A(64));

	return (int64_t)(intptr_t)gpuvm_va_iter_get(&it);
}

static int64_t c_iter_get(void *p)
{
	struct fx *fx = p;
	struct gpuvm_va_iter it = gpuvm_va_iter_start(fx->space, A(0), A(64));

	return (int64_t)(intptr_t)gpuvm_va_iter_get(NA(it, &it));
}

static int64_t c_iter_next(void *p)
{
	struct fx *fx = p;
	struct gpuvm_va_iter it = gpuvm_va_iter_start(fx->space, A(0), A(64));

	gpuvm_va_iter_next(NA(it, &it));
	return NA_VOID;
}

static int64_t c_bo_first(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_va_bo_first(NA(space, fx->space),
						    BO_A);
}

static int64_t c_bo_next(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_va_bo_next(NA(va, fx->va));
}

static int64_t c_map_prepare(void *p)
{
	struct fx *fx = p;
	const struct gpuvm_va req = { .addr = A(40), .range = PG,
				      .kind = GPUVM_VA_SPARSE };
	struct gpuvm_va_ops *ops = NULL;
	int ret = gpuvm_va_map_prepare(NA(space, fx->space), NA(req, &req),
				       NA(out, &ops));

	NA_EXPECT(!ops);
	gpuvm_va_ops_free(ops);
	return ret;
}

static int64_t c_unmap_prepare(void *p)
{
	struct fx *fx = p;
	struct gpuvm_va_ops *ops = NULL;
	int ret = gpuvm_va_unmap_prepare(NA(space, fx->space), A(0), PG,
					 NA(out, &ops));

	NA_EXPECT(!ops);
	gpuvm_va_ops_free(ops);
	return ret;
}

static int64_t c_ops_commit(void *p)
{
	struct fx *fx = p;

	return gpuvm_va_ops_commit(NA(ops, fx->ops));
}

static int64_t c_ops_free(void *p)
{
	struct fx *fx = p;

	gpuvm_va_ops_free(NA(ops, fx->ops));
	return NA_VOID;
}

static int64_t c_fail_nth(void *p)
{
	struct fx *fx = p;

	gpuvm_va_space_fail_nth_alloc(NA(space, fx->space), 1);
	return NA_VOID;
}

static int64_t c_validate(void *p)
{
	struct fx *fx = p;

	return gpuvm_va_space_validate(NA(space, fx->space), NA(err, stderr));
}

static void do_space_print(void *p, FILE *f)
{
	struct fx *fx = p;

	gpuvm_va_space_print(NA(space, fx->space), f);
}

static int64_t c_space_print(void *p)
{
	print_check(do_space_print, p, "space");
	return NA_VOID;
}

static void do_va_print(void *p, FILE *f)
{
	struct fx *fx = p;

	gpuvm_va_print(NA(va, fx->va), f);
}

static int64_t c_va_print(void *p)
{
	print_check(do_va_print, p, "va");
	return NA_VOID;
}

static void do_ops_print(void *p, FILE *f)
{
	struct fx *fx = p;

	gpuvm_va_ops_print(NA(ops, fx->ops), f);
}

static int64_t c_ops_print(void *p)
{
	print_check(do_ops_print, p, "ops");
	return NA_VOID;
}

static void count_key(FILE *f, uint64_t bo, void *cookie)
{
	(void)bo;
	(void)cookie;
	fputs("named", f);
}

/*
 * A NULL space: nothing happens. A NULL namer is the default (keys as
 * numbers) and a NULL cookie is just passed on: both change the namer,
 * which the space's print shows.
 */
static int64_t c_set_namer(void *p)
{
	struct fx *fx = p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	gpuvm_va_space_set_bo_namer(NA(space, fx->space), NA(fn, count_key),
				    NA(cookie, fx));
	if (na_is("space"))
		return NA_VOID;
	f = open_memstream(&buf, &len);
	NA_EXPECT(f != NULL);
	gpuvm_va_space_print(fx->space, f);
	fclose(f);
	NA_EXPECT((strstr(buf, "named") != NULL) == !na_is("fn"));
	free(buf);
	return NA_VOID;
}

/* ------------------------------------------------------------------ */
/* The table: every (function, pointer argument) of gpuvm/va.h         */

#define EINV (-EINVAL)

static const struct na_case cases[] = {
	NA_ROW(gpuvm_va_end, va, 0, c_end),
	NA_ROW(gpuvm_va_bo_offset_at, va, -1, c_bo_offset_at),
	NA_ROW(gpuvm_va_space_create, cfg, EINV, c_space_create),
	NA_ROW(gpuvm_va_space_create, out, EINV, c_space_create),
	NA_ROW(gpuvm_va_space_destroy, space, NA_VOID, c_space_destroy),
	NA_ROW(gpuvm_va_space_count, space, 0, c_space_count),
	NA_ROW(gpuvm_va_space_mem_bytes, space, 0, c_mem_bytes),
	NA_ROW(gpuvm_va_space_cfg, space, NA_NULLPTR, c_space_cfg),
	NA_ROW(gpuvm_va_check_range, space, EINV, c_check_range),
	NA_ROW(gpuvm_va_find, space, NA_NULLPTR, c_find),
	NA_ROW(gpuvm_va_first_in, space, NA_NULLPTR, c_first_in),
	NA_ROW(gpuvm_va_next_in, va, NA_NULLPTR, c_next_in),
	NA_ROW(gpuvm_va_iter_start, space, NA_NULLPTR, c_iter_start),
	NA_ROW(gpuvm_va_iter_get, it, NA_NULLPTR, c_iter_get),
	NA_ROW(gpuvm_va_iter_next, it, NA_VOID, c_iter_next),
	NA_ROW(gpuvm_va_bo_first, space, NA_NULLPTR, c_bo_first),
	NA_ROW(gpuvm_va_bo_next, va, NA_NULLPTR, c_bo_next),
	NA_ROW(gpuvm_va_map_prepare, space, EINV, c_map_prepare),
	NA_ROW(gpuvm_va_map_prepare, req, EINV, c_map_prepare),
	NA_ROW(gpuvm_va_map_prepare, out, EINV, c_map_prepare),
	NA_ROW(gpuvm_va_unmap_prepare, space, EINV, c_unmap_prepare),
	NA_ROW(gpuvm_va_unmap_prepare, out, EINV, c_unmap_prepare),
	NA_ROW(gpuvm_va_ops_commit, ops, EINV, c_ops_commit),
	NA_ROW(gpuvm_va_ops_free, ops, NA_VOID, c_ops_free),
	NA_ROW(gpuvm_va_space_fail_nth_alloc, space, NA_VOID, c_fail_nth),
	NA_ROW(gpuvm_va_space_validate, space, EINV, c_validate),
	/* Optional: no report, the verdict alone. */
	NA_ROW(gpuvm_va_space_validate, err, 0, c_validate),
	NA_ROW(gpuvm_va_space_set_bo_namer, space, NA_VOID, c_set_namer),
	NA_ROW(gpuvm_va_space_set_bo_namer, fn, NA_VOID, c_set_namer,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_va_space_set_bo_namer, cookie, NA_VOID, c_set_namer,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_va_space_print, space, NA_VOID, c_space_print),
	NA_ROW(gpuvm_va_space_print, f, NA_VOID, c_space_print),
	NA_ROW(gpuvm_va_print, va, NA_VOID, c_va_print),
	NA_ROW(gpuvm_va_print, f, NA_VOID, c_va_print),
	NA_ROW(gpuvm_va_ops_print, ops, NA_VOID, c_ops_print),
	NA_ROW(gpuvm_va_ops_print, f, NA_VOID, c_ops_print),
};

static void fx_free(struct fx *fx)
{
	gpuvm_va_ops_free(fx->ops);
	gpuvm_va_space_destroy(fx->space);
}

NA_TABLE_TESTS("gpuvm/va.h", struct fx, fx_make, fx_free)

/* The iterators' documented precondition: a NULL space iterates nothing. */
static void test_iterators_null_space(void **state)
{
	struct gpuvm_va *va = (struct gpuvm_va *)&va;
	unsigned int n = 0;

	(void)state;
	gpuvm_va_for_each_in(va, NULL, 0, UINT64_MAX)
		n++;
	assert_null(va);
	va = (struct gpuvm_va *)&va;
	gpuvm_va_for_each_of_bo(va, NULL, BO_A)
		n++;
	assert_null(va);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_complete),
		cmocka_unit_test(test_null_args),
		cmocka_unit_test(test_iterators_null_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
