// SPDX-License-Identifier: MIT
/*
 * Tests of the VA manager's indexes at sizes where they have depth
 * (src/va/va.c, util/btree.c, va/bo_index.c): thousands of mappings, so
 * every request lands in a B+tree several levels deep, splits and merges
 * nodes and crosses leaf boundaries, and BO lists hold hundreds of
 * mappings added out of order.
 *
 *  - random_* drive the space against a model (a sorted array of ranges
 *    with their BO) with maps and unmaps of every width, and check point
 *    lookups after every step, validate() every 32 steps, and the walk,
 *    by-hand stepping and the BO walks (membership and address order)
 *    every 512;
 *  - fail_every_allocation fails each allocation a request makes in turn
 *    (op list, op array, pieces, the mapping, index nodes, the bigger BO
 *    table) on a space whose leaves are full, and checks that each
 *    failure changes nothing and that the retry gives what a run without
 *    injection gives;
 *  - the rest: op lists outliving their space, host memory per mapping,
 *    stepping from mappings that are not (or no longer) in the space,
 *    BO walks after out-of-order maps and REMAPs.
 */
#include "va_test.h"

#include <string.h>

#include "../util/util_test.h"

/* Far more room than the shared fixture's SPACE_PAGES. */
#define BIG_PAGES (1ull << 20) /* 4 GiB */
#define NBO 9

static uint64_t rnd(uint64_t *s)
{
	return splitmix64(s);
}

static struct gpuvm_va_space *big_space(void)
{
	struct gpuvm_va_space_cfg cfg = { .start = BASE, .range = P(BIG_PAGES) };
	struct gpuvm_va_space *s = NULL;

	assert_int_equal(gpuvm_va_space_create(&cfg, &s), 0);
	return s;
}

/* A BO mapping (offset from the BO), or sparse for bo 0. */
static struct gpuvm_va req_of(uint64_t addr, uint64_t range, uint64_t bo)
{
	return bo ? mk_bo(addr, range, bo, P(bo * 16)) : mk_sparse(addr, range);
}

/*
 * map_fast() and unmap_fast() of va_test.h validate around every step, which
 * at thousands of mappings is most of the run; these only commit, and
 * the tests validate on their own schedule.
 */
static void map_fast(struct gpuvm_va_space *s, uint64_t addr, uint64_t range,
		     uint64_t bo)
{
	struct gpuvm_va r = req_of(addr, range, bo);
	struct gpuvm_va_ops *ops = NULL;

	assert_int_equal(gpuvm_va_map_prepare(s, &r, &ops), 0);
	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	gpuvm_va_ops_free(ops);
}

static void unmap_fast(struct gpuvm_va_space *s, uint64_t addr,
		       uint64_t range)
{
	struct gpuvm_va_ops *ops = NULL;

	assert_int_equal(gpuvm_va_unmap_prepare(s, addr, range, &ops), 0);
	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	gpuvm_va_ops_free(ops);
}

static char *dump(const struct gpuvm_va_space *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	gpuvm_va_space_print(s, f);
	fclose(f);
	return buf;
}

/* ------------------------------------------------------------------ */
/* The model                                                           */

struct mrange {
	uint64_t addr, end, bo;
};

struct model {
	struct mrange *r;
	size_t n, cap;
};

/* Index of the first range ending after x. */
static size_t model_first(const struct model *m, uint64_t x)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->r[mid].end <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Takes [a, e) out of the model, keeping the pieces around it. */
static void model_clear(struct model *m, uint64_t a, uint64_t e)
{
	size_t i = model_first(m, a), j = i, k;
	struct mrange keep[2];
	unsigned int nk = 0;

	while (j < m->n && m->r[j].addr < e)
		j++;
	if (i < j && m->r[i].addr < a)
		keep[nk++] = (struct mrange){ m->r[i].addr, a, m->r[i].bo };
	if (i < j && m->r[j - 1].end > e)
		keep[nk++] = (struct mrange){ e, m->r[j - 1].end,
					      m->r[j - 1].bo };
	memmove(&m->r[i + nk], &m->r[j], (m->n - j) * sizeof(*m->r));
	m->n = m->n - (j - i) + nk;
	for (k = 0; k < nk; k++)
		m->r[i + k] = keep[k];
}

static void model_map(struct model *m, uint64_t a, uint64_t e, uint64_t bo)
{
	size_t i;

	model_clear(m, a, e);
	assert_true(m->n < m->cap);
	i = model_first(m, a);
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(*m->r));
	m->r[i] = (struct mrange){ a, e, bo };
	m->n++;
}

/* ------------------------------------------------------------------ */
/* Comparing                                                           */

static void check_range_eq(const struct gpuvm_va *va, const struct mrange *r)
{
	if (va->addr != r->addr || gpuvm_va_end(va) != r->end ||
	    va->bo != r->bo)
		fail_msg("mapping [0x%" PRIx64 ", 0x%" PRIx64 ") bo %" PRIu64
			 ", model [0x%" PRIx64 ", 0x%" PRIx64 ") bo %" PRIu64,
			 va->addr, gpuvm_va_end(va), va->bo, r->addr, r->end,
			 r->bo);
}

static void check_walk(const struct gpuvm_va_space *s, const struct model *m)
{
	const struct gpuvm_va *va;
	size_t i = 0;

	assert_int_equal(gpuvm_va_space_count(s), m->n);
	gpuvm_va_for_each_in(va, s, A(0), A(BIG_PAGES)) {
		assert_true(i < m->n);
		check_range_eq(va, &m->r[i++]);
	}
	assert_int_equal(i, m->n);
}

/* first_in and next_in by hand over [a, e): what the model overlaps. */
static void check_window(const struct gpuvm_va_space *s,
			 const struct model *m, uint64_t a, uint64_t e)
{
	size_t i = model_first(m, a);
	const struct gpuvm_va *va = gpuvm_va_first_in(s, a, e);

	for (; va; va = gpuvm_va_next_in(va, e)) {
		assert_true(i < m->n && m->r[i].addr < e);
		check_range_eq(va, &m->r[i++]);
	}
	assert_true(i == m->n || m->r[i].addr >= e);
}

static void check_find(const struct gpuvm_va_space *s, const struct model *m,
		       uint64_t x)
{
	size_t i = model_first(m, x);
	const struct gpuvm_va *va = gpuvm_va_find(s, x);

	if (i < m->n && m->r[i].addr <= x) {
		assert_non_null(va);
		check_range_eq(va, &m->r[i]);
	} else if (va) {
		fail_msg("find(0x%" PRIx64 ") found [0x%" PRIx64 ", 0x%" PRIx64
			 "), model has nothing", x, va->addr, gpuvm_va_end(va));
	}
}

/* The BO walk is the model's ranges of that BO, in order. */
static void check_bo(const struct gpuvm_va_space *s, const struct model *m,
		     uint64_t bo)
{
	const struct gpuvm_va *va;
	size_t i = 0;

	gpuvm_va_for_each_of_bo(va, s, bo) {
		while (i < m->n && m->r[i].bo != bo)
			i++;
		assert_true(i < m->n);
		check_range_eq(va, &m->r[i++]);
	}
	while (i < m->n && m->r[i].bo != bo)
		i++;
	assert_int_equal(i, m->n);
}

/* Point lookups always; validate() often; the walks now and then. */
static void check_all(const struct gpuvm_va_space *s, const struct model *m,
		      uint64_t *seed, long step)
{
	bool full = step % 512 == 0;
	unsigned int k;
	uint64_t bo;

	if (full || step % 32 == 0)
		assert_int_equal(gpuvm_va_space_validate(s, stderr), 0);
	for (k = 0; k < 16; k++)
		check_find(s, m, A(rnd(seed) % BIG_PAGES) + rnd(seed) % PG);
	if (!full)
		return;
	check_walk(s, m);
	for (k = 0; k < 4; k++) {
		uint64_t a = A(rnd(seed) % BIG_PAGES);

		check_window(s, m, a, a + P(1 + rnd(seed) % 4096));
	}
	for (bo = 0; bo <= NBO; bo++)
		check_bo(s, m, bo);
}

/* ------------------------------------------------------------------ */
/* Random requests against the model                                   */

struct rnd_run {
	uint64_t seed;
	long steps;
	uint64_t span;       /* pages where requests go */
	uint64_t max_pages;  /* request size: 1..max_pages */
	int unmap_pct, wide_pct;
	long live_max;       /* above this many, unmap */
};

static void random_run(const struct rnd_run *run)
{
	struct gpuvm_va_space *s = big_space();
	struct model m = { calloc(200000, sizeof(struct mrange)), 0, 200000 };
	uint64_t seed = run->seed;
	long i;

	assert_non_null(m.r);
	for (i = 0; i < run->steps; i++) {
		uint64_t pages = 1 + rnd(&seed) % run->max_pages;
		uint64_t a, bo = rnd(&seed) % (NBO + 1);

		if ((int)(rnd(&seed) % 100) < run->wide_pct)
			pages *= 64;
		a = rnd(&seed) % (run->span - pages);
		if ((long)m.n > run->live_max ||
		    (int)(rnd(&seed) % 100) < run->unmap_pct) {
			unmap_fast(s, A(a), P(pages));
			model_clear(&m, A(a), A(a + pages));
		} else {
			map_fast(s, A(a), P(pages), bo);
			model_map(&m, A(a), A(a + pages), bo);
		}
		check_all(s, &m, &seed, i + 1);
	}
	check_all(s, &m, &seed, 0);
	/* Then clear it all at once: one unmap, every node merged away. */
	unmap_fast(s, A(0), P(BIG_PAGES));
	m.n = 0;
	check_all(s, &m, &seed, 0);
	free(m.r);
	gpuvm_va_space_destroy(s);
}

/* Grows to ~20,000 mappings (five levels), small requests. */
static void random_grow(void **state)
{
	const struct rnd_run run = { 0xfeed, 30000, 200000, 8, 15, 0, 20000 };

	(void)state;
	random_run(&run);
}

/* Holds ~3,000 while requests of up to 512 pages cut many at once. */
static void random_wide(void **state)
{
	const struct rnd_run run = { 0xbeef, 20000, 60000, 8, 45, 5, 3000 };

	(void)state;
	random_run(&run);
}

/* ------------------------------------------------------------------ */
/* Failing each allocation in turn                                     */

/*
 * The base: 3-page mappings at every fourth page, ascending (so leaves
 * are full and a new entry in the middle splits one), over NBO - 1 BOs
 * (so one more BO grows the BO table).
 */
#define BASE_N 3000

static struct gpuvm_va_space *base_space(void)
{
	struct gpuvm_va_space *s = big_space();
	uint64_t i;

	for (i = 0; i < BASE_N; i++)
		map_fast(s, A(4 * i), P(3), 1 + i % (NBO - 1));
	return s;
}

struct request {
	const char *what;
	bool unmap;
	uint64_t addr, range, bo;
};

static int prepare(struct gpuvm_va_space *s, const struct request *rq,
		   struct gpuvm_va_ops **ops)
{
	struct gpuvm_va r = req_of(rq->addr, rq->range, rq->bo);

	return rq->unmap ? gpuvm_va_unmap_prepare(s, rq->addr, rq->range, ops)
			 : gpuvm_va_map_prepare(s, &r, ops);
}

static char *result_of(const struct request *rq)
{
	struct gpuvm_va_space *s = base_space();
	struct gpuvm_va_ops *ops = NULL;
	char *text;

	assert_int_equal(prepare(s, rq, &ops), 0);
	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	gpuvm_va_ops_free(ops);
	text = dump(s);
	gpuvm_va_space_destroy(s);
	return text;
}

/* Returns the number of allocations the request made. */
static unsigned int fail_each(const struct request *rq)
{
	char *want = result_of(rq), *before, *after;
	struct gpuvm_va_ops *ops;
	unsigned int n;
	int ret;

	for (n = 1;; n++) {
		struct gpuvm_va_space *s = base_space();

		assert_true(n < 64);
		before = dump(s);
		gpuvm_va_space_fail_nth_alloc(s, n);
		ops = NULL;
		ret = prepare(s, rq, &ops);
		gpuvm_va_space_fail_nth_alloc(s, 0);
		if (ret) {
			if (ret != -ENOMEM)
				fail_msg("%s, allocation %u failing: %d",
					 rq->what, n, ret);
			assert_null(ops);
			assert_int_equal(gpuvm_va_space_validate(s, stderr), 0);
			after = dump(s);
			assert_string_equal(after, before);
			free(after);
		} else {
			assert_int_equal(gpuvm_va_ops_commit(ops), 0);
			gpuvm_va_ops_free(ops);
			assert_int_equal(gpuvm_va_space_validate(s, stderr), 0);
			after = dump(s);
			assert_string_equal(after, want);
			free(after);
		}
		free(before);
		gpuvm_va_space_destroy(s);
		if (!ret)
			break;
	}
	free(want);
	return n - 1;
}

static void fail_every_allocation(void **state)
{
	/* mapping i is [4i, 4i + 3) */
	static const struct request reqs[] = {
		/* op list, the mapping, index nodes (the leaf is full) */
		{ "map into a gap", false, A(4 * 1500 + 3), P(1), 1 },
		/* op list, left piece, right piece, the mapping, nodes */
		{ "map in the middle of one", false, A(4 * 1500 + 1), P(1), 2 },
		/* op list, left piece, right piece, nodes */
		{ "unmap the middle of one", true, A(4 * 1500 + 1), P(1), 0 },
		/* op list, op array, left piece, right piece, the mapping */
		{ "map over 1000", false, A(4 * 100 + 1), P(4000), 3 },
		{ "unmap 1000", true, A(4 * 100 + 1), P(4000), 0 },
		/* op list, the mapping, nodes, a bigger BO table */
		{ "map a new BO", false, A(4 * 1500 + 3), P(1), NBO },
		/* op list, the mapping, nodes (a new leaf past the end) */
		{ "map past the end", false, A(4 * BASE_N), P(1), 1 },
	};
	static const unsigned int allocs[] = { 3, 5, 4, 5, 4, 4, 3 };
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		if (fail_each(&reqs[i]) != allocs[i])
			fail_msg("%s: %u allocations, want %u", reqs[i].what,
				 fail_each(&reqs[i]), allocs[i]);
}

/* ------------------------------------------------------------------ */
/* Lifetimes, memory, stepping, BO order                               */

/* Op lists freed after their space: the memory goes with the last. */
static void ops_outlive_space(void **state)
{
	struct gpuvm_va_space *s = base_space();
	struct gpuvm_va r = req_of(A(4 * 10 + 3), P(1), 1);
	struct gpuvm_va_ops *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	assert_int_equal(gpuvm_va_map_prepare(s, &r, &a), 0);
	assert_int_equal(gpuvm_va_unmap_prepare(s, A(0), P(400), &b), 0);
	assert_int_equal(gpuvm_va_ops_commit(b), 0);
	assert_int_equal(gpuvm_va_unmap_prepare(s, A(800), P(4), &c), 0);
	gpuvm_va_space_destroy(s);
	/* b's replaced mappings are b's until it is freed. */
	assert_int_equal(b->count, 100);
	assert_int_equal(b->op[99].va->addr, A(4 * 99));
	assert_int_equal(b->op[99].va->range, P(3));
	gpuvm_va_ops_free(a);
	gpuvm_va_ops_free(b);
	gpuvm_va_ops_free(c);
}

static void memory_per_mapping(void **state)
{
	struct gpuvm_va_space *s = big_space();
	uint64_t i, n = 100000, bytes;

	(void)state;
	assert_true(gpuvm_va_space_mem_bytes(s) < 1024);
	for (i = 0; i < n; i++)
		map_fast(s, A(2 * i), P(1), 1 + i % NBO);
	bytes = gpuvm_va_space_mem_bytes(s);
	/* 80-byte mappings, full leaves of 10 (25.6 each), some inner. */
	assert_true(bytes >= 80 * n + 256 * n / 10);
	assert_true(bytes <= 110 * n);
	unmap_fast(s, A(0), P(2 * n));
	assert_int_equal(gpuvm_va_space_count(s), 0);
	/* One chunk kept per slab, the table, the space itself. */
	assert_true(gpuvm_va_space_mem_bytes(s) <= 2 * 65536 + 4096);
	assert_int_equal(gpuvm_va_space_validate(s, stderr), 0);
	gpuvm_va_space_destroy(s);
}

/* next_in from a mapping that is not, or no longer, in the space. */
static void step_from_outsiders(void **state)
{
	struct gpuvm_va_space *s = base_space();
	struct gpuvm_va r = req_of(A(4 * 7), P(3), 5);
	struct gpuvm_va_ops *ops = NULL, *gone = NULL;
	const struct gpuvm_va *va;

	(void)state;
	/* Same start as mapping 7: a lookup finds 7, not this one. */
	assert_int_equal(gpuvm_va_map_prepare(s, &r, &ops), 0);
	va = ops->op[ops->count - 1].va;
	assert_null(gpuvm_va_next_in(va, A(BIG_PAGES)));
	gpuvm_va_ops_free(ops);

	assert_int_equal(gpuvm_va_unmap_prepare(s, A(4 * 9), P(3), &gone), 0);
	assert_int_equal(gpuvm_va_ops_commit(gone), 0);
	assert_null(gpuvm_va_next_in(gone->op[0].va, A(BIG_PAGES)));
	gpuvm_va_ops_free(gone);

	/* And from one that is: mapping 8 is followed by 10 now. */
	va = gpuvm_va_find(s, A(4 * 8));
	assert_int_equal(gpuvm_va_next_in(va, A(BIG_PAGES))->addr, A(40));
	assert_null(gpuvm_va_next_in(va, A(40)));
	gpuvm_va_space_destroy(s);
}

/* BO lists appended out of order, cut, unlinked: walks stay in order. */
static void bo_order_after_churn(void **state)
{
	struct gpuvm_va_space *s = big_space();
	struct model m = { calloc(4096, sizeof(struct mrange)), 0, 4096 };
	uint64_t seed = 42, i, slot[1000];

	(void)state;
	for (i = 0; i < 1000; i++)
		slot[i] = i;
	for (i = 999; i > 0; i--) {
		uint64_t j = rnd(&seed) % (i + 1), t = slot[i];

		slot[i] = slot[j];
		slot[j] = t;
	}
	for (i = 0; i < 1000; i++) {
		map_fast(s, A(8 * slot[i]), P(4), 5 + slot[i] % 2);
		model_map(&m, A(8 * slot[i]), A(8 * slot[i] + 4),
			  5 + slot[i] % 2);
	}
	check_bo(s, &m, 5);
	check_bo(s, &m, 6);
	check_bo(s, &m, 5); /* sorted now: the same walk again */
	for (i = 0; i < 300; i++) {
		uint64_t k = rnd(&seed) % 1000;

		if (i % 3 == 0) {
			unmap_fast(s, A(8 * k + 1), P(2)); /* a REMAP: two pieces */
			model_clear(&m, A(8 * k + 1), A(8 * k + 3));
		} else if (i % 3 == 1) {
			unmap_fast(s, A(8 * k), P(8));
			model_clear(&m, A(8 * k), A(8 * k + 8));
		} else {
			map_fast(s, A(8 * k + 5), P(2), 5);
			model_map(&m, A(8 * k + 5), A(8 * k + 7), 5);
		}
		if (i % 50 == 0) {
			check_bo(s, &m, 5);
			check_bo(s, &m, 6);
		}
	}
	check_bo(s, &m, 5);
	check_bo(s, &m, 6);
	check_walk(s, &m);
	assert_int_equal(gpuvm_va_space_validate(s, stderr), 0);
	free(m.r);
	gpuvm_va_space_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_grow),
		cmocka_unit_test(random_wide),
		cmocka_unit_test(fail_every_allocation),
		cmocka_unit_test(ops_outlive_space),
		cmocka_unit_test(memory_per_mapping),
		cmocka_unit_test(step_from_outsiders),
		cmocka_unit_test(bo_order_after_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
