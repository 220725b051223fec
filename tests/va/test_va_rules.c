// SPDX-License-Identifier: MIT
/*
 * Tests of the VA-space manager's request and configuration rules
 * (src/va/va.c): every invalid map or unmap request is refused with
 * -EINVAL, leaves *out untouched, and leaves the space exactly as it was
 * (same count, same mapping objects, same field values). Requests that
 * merely abut the reserved range or the ends of the space are valid.
 *
 * The spaces used here are not empty: a refused request that half-applied
 * would show up as a changed mapping, not just as a changed count.
 *
 * Both spaces (4 KiB and 64 KiB granule) span 1 MiB from BASE with the
 * reserved range [BASE + 384 KiB, BASE + 512 KiB), and start out holding,
 * in granules g from BASE:
 *
 *   0 [bo] 2   3 [sparse] 5   ...   reserved   ...   10 [repeat] 13   ...
 *
 * so in the 4 KiB space the reserved range is pages [96, 128) and pages
 * 5..9 are free, which is where most requests below go (A(8)).
 */
#include "va_test.h"

#define SPACE_END A(SPACE_PAGES)
#define RESV_START A(96)  /* 64 KiB aligned */
#define RESV_END A(128)

#define G64K 0x10000ull

/* ------------------------------------------------------------------ */
/* Expectations                                                        */

/* Never a valid list: *out must still point here after a refusal. */
static struct gpuvm_va_ops sentinel;

static void print_req(const char *what, const struct gpuvm_va *req)
{
	fprintf(stderr, "%s: kind %d ", what, (int)req->kind);
	fprintf(stderr, "addr 0x%" PRIx64 " range 0x%" PRIx64
		" bo 0x%" PRIx64 " offset 0x%" PRIx64 " repeat 0x%" PRIx64
		" phase 0x%" PRIx64 "\n", req->addr, req->range, req->bo,
		req->offset, req->repeat, req->phase);
}

/* gpuvm_va_map_prepare(req) is refused and nothing moves. */
static void expect_map_einval(struct gpuvm_va_space *s,
			      const struct gpuvm_va *req)
{
	struct gpuvm_va_ops *ops = &sentinel;
	struct va_snapshot before;
	int ret;

	va_snapshot_take(s, &before);
	ret = gpuvm_va_map_prepare(s, req, &ops);
	if (ret != -EINVAL) {
		print_req("map accepted", req);
		if (!ret)
			gpuvm_va_ops_free(ops);
		fail_msg("map_prepare: want -EINVAL, got %d", ret);
	}
	assert_ptr_equal(ops, &sentinel);
	assert_unchanged(s, &before);
}

/* gpuvm_va_unmap_prepare(addr, range) is refused and nothing moves. */
static void expect_unmap_einval(struct gpuvm_va_space *s, uint64_t addr,
				uint64_t range)
{
	struct gpuvm_va_ops *ops = &sentinel;
	struct va_snapshot before;
	int ret;

	va_snapshot_take(s, &before);
	ret = gpuvm_va_unmap_prepare(s, addr, range, &ops);
	if (ret != -EINVAL) {
		fprintf(stderr, "unmap accepted: addr 0x%" PRIx64
			" range 0x%" PRIx64 "\n", addr, range);
		if (!ret)
			gpuvm_va_ops_free(ops);
		fail_msg("unmap_prepare: want -EINVAL, got %d", ret);
	}
	assert_ptr_equal(ops, &sentinel);
	assert_unchanged(s, &before);
}

/*
 * A bad range is bad whatever it maps and for unmap too: check_range,
 * a map of each kind with a valid backing, and an unmap all refuse it.
 */
static void expect_range_einval(struct gpuvm_va_space *s, uint64_t addr,
				uint64_t range)
{
	uint64_t g = gpuvm_va_space_cfg(s)->granule;
	const struct gpuvm_va reqs[] = {
		mk_bo(addr, range, BO_A, 0),
		mk_sparse(addr, range),
		mk_repeat(addr, range, BO_R, 0, 2 * g, g),
	};
	size_t i;

	assert_int_equal(gpuvm_va_check_range(s, addr, range), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(reqs); i++)
		expect_map_einval(s, &reqs[i]);
	expect_unmap_einval(s, addr, range);
}

/* The opposite: a valid range, and the mapping lands where asked. */
static void map_placed(struct gpuvm_va_space *s, const struct gpuvm_va *req)
{
	const struct gpuvm_va *va;

	assert_int_equal(gpuvm_va_check_range(s, req->addr, req->range), 0);
	map_ok(s, req);
	va = gpuvm_va_find(s, req->addr);
	assert_non_null(va);
	assert_int_equal(va->addr, req->addr);
	assert_int_equal(va->range, req->range);
}

/* An unmap that succeeds and leaves nothing in its range. */
static void unmap_gone(struct gpuvm_va_space *s, uint64_t addr,
		       uint64_t range)
{
	unmap_ok(s, addr, range);
	assert_null(gpuvm_va_first_in(s, addr, addr + range));
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */

/* A space per cfg, holding one mapping of each kind away from the edges. */
static struct gpuvm_va_space *populated_space(uint64_t granule)
{
	struct gpuvm_va_space_cfg cfg = {
		.start = BASE,
		.range = P(SPACE_PAGES),
		.reserved_start = RESV_START,
		.reserved_range = RESV_END - RESV_START,
		.granule = granule,
	};
	struct gpuvm_va_space *s = NULL;
	uint64_t g = granule ? granule : 0x1000;

	assert_int_equal(gpuvm_va_space_create(&cfg, &s), 0);
	assert_non_null(s);
	assert_int_equal(gpuvm_va_space_cfg(s)->granule, g);
	map_placed(s, (const struct gpuvm_va[]){ mk_bo(BASE, 2 * g, BO_A, g) });
	map_placed(s, (const struct gpuvm_va[]){
			   mk_sparse(BASE + 3 * g, 2 * g) });
	map_placed(s, (const struct gpuvm_va[]){
		       mk_repeat(BASE + 10 * g, 3 * g, BO_R, g, 2 * g, g) });
	assert_int_equal(gpuvm_va_space_count(s), 3);
	return s;
}

static int setup_4k(void **state)
{
	*state = populated_space(0);
	return 0;
}

static int setup_64k(void **state)
{
	*state = populated_space(G64K);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Range rules (map and unmap)                                         */

static void range_zero(void **state)
{
	expect_range_einval(*state, A(8), 0);
	/* Zero is refused even where a mapping lives. */
	expect_range_einval(*state, A(0), 0);
}

static void range_unaligned_4k(void **state)
{
	expect_range_einval(*state, A(8) + 0x800, P(1));
	expect_range_einval(*state, A(8) + 1, P(1));
	expect_range_einval(*state, A(8), P(1) + 0x800);
	expect_range_einval(*state, A(8), 0x800);
	expect_range_einval(*state, A(8) + 0x800, P(1) - 0x800);
}

/* 4 KiB-aligned is not enough in a 64 KiB space. */
static void range_unaligned_64k(void **state)
{
	expect_range_einval(*state, BASE + P(1), G64K);
	expect_range_einval(*state, BASE + G64K * 8, P(1));
	expect_range_einval(*state, BASE + G64K * 8, G64K + P(1));
	expect_range_einval(*state, BASE + G64K * 8 + P(15), G64K);
}

/*
 * addr + range past 2^64. The wrapped ends land inside the space (at or
 * below addr), so only the overflow check can catch these.
 */
static void range_overflow(void **state)
{
	struct gpuvm_va_space *s = *state;

	/* Ends at A(7) after wrapping. */
	expect_range_einval(s, A(8), (uint64_t)0 - P(1));
	/* Ends exactly at 2^64, i.e. 0. */
	expect_range_einval(s, A(8), (uint64_t)0 - A(8));
	/* Ends at BASE. */
	expect_range_einval(s, A(8), (uint64_t)0 - P(8));
	expect_range_einval(s, A(8), UINT64_MAX & ~(P(1) - 1));
}

/* The same at the top of the address space, where the space itself ends. */
static void range_overflow_top_of_space(void **state)
{
	const uint64_t start = (uint64_t)0 - (1ull << 24);
	struct gpuvm_va_space_cfg cfg = {
		.start = start,
		.range = (1ull << 24) - P(1), /* ends at 2^64 - 4 KiB */
	};
	struct gpuvm_va_space *s = NULL;
	const uint64_t end = start + cfg.range;

	(void)state;
	assert_int_equal(gpuvm_va_space_create(&cfg, &s), 0);
	map_placed(s, (const struct gpuvm_va[]){ mk_bo(start, P(2), BO_A, 0) });
	/* The last page is fine; one more wraps to 0. */
	map_placed(s, (const struct gpuvm_va[]){
			   mk_bo(end - P(1), P(1), BO_A, 0) });
	expect_range_einval(s, end - P(1), P(2));
	expect_range_einval(s, end, P(1));
	/* Wraps to start + P(4): inside the space, below addr. */
	expect_range_einval(s, start + P(8), (uint64_t)0 - P(4));
	assert_int_equal(gpuvm_va_space_count(s), 2);
	gpuvm_va_space_destroy(s);
}

static void range_below_start(void **state)
{
	struct gpuvm_va_space *s = *state;

	expect_range_einval(s, BASE - P(2), P(1));
	expect_range_einval(s, BASE - P(1), P(2)); /* straddles start */
	expect_range_einval(s, BASE - P(1), P(SPACE_PAGES + 2));
	expect_range_einval(s, 0, P(1));
}

static void range_past_end(void **state)
{
	struct gpuvm_va_space *s = *state;

	expect_range_einval(s, SPACE_END, P(1));
	expect_range_einval(s, SPACE_END - P(1), P(2)); /* straddles end */
	expect_range_einval(s, SPACE_END + P(8), P(1));
	expect_range_einval(s, A(200), P(SPACE_PAGES));
}

/*
 * Any overlap with the reserved range is refused, one granule being the
 * smallest overlap there is. Run in both spaces.
 */
static void range_touches_reserved(void **state)
{
	struct gpuvm_va_space *s = *state;
	const uint64_t g = gpuvm_va_space_cfg(s)->granule;
	const uint64_t len = RESV_END - RESV_START;

	expect_range_einval(s, RESV_START - g, 2 * g); /* across its start */
	expect_range_einval(s, RESV_START, g);         /* its first granule */
	expect_range_einval(s, RESV_END - g, 2 * g);   /* across its end */
	expect_range_einval(s, RESV_END - g, g);       /* its last granule */
	expect_range_einval(s, RESV_START + g, g);     /* inside it */
	expect_range_einval(s, RESV_START, len);       /* exactly it */
	expect_range_einval(s, RESV_START - g, len + 2 * g); /* containing */
	expect_range_einval(s, BASE, P(SPACE_PAGES));  /* the whole space */
}

/* The same granule by granule in the 64 KiB space. */
static void range_touches_reserved_64k(void **state)
{
	assert_int_equal(gpuvm_va_space_cfg(*state)->granule, G64K);
	range_touches_reserved(state);
}

/* ------------------------------------------------------------------ */
/* Backing rules (map only)                                            */

static void bo_needs_bo(void **state)
{
	expect_map_einval(*state,
			  (const struct gpuvm_va[]){ mk_bo(A(8), P(1), 0, 0) });
	expect_map_einval(*state, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(1), 0, 0, P(1), 0) });
}

static void bo_offset_unaligned(void **state)
{
	struct gpuvm_va_space *s = *state;

	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_bo(A(8), P(1), BO_A, 0x200) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_bo(A(8), P(1), BO_A, P(3) + 1) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(1), BO_R, 0x800, P(2), 0) });
}

static void bo_offset_unaligned_64k(void **state)
{
	struct gpuvm_va_space *s = *state;
	const uint64_t a = BASE + 8 * G64K;

	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_bo(a, G64K, BO_A, P(1)) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(a, G64K, BO_R, P(1), G64K, 0) });
	/* ... and repeat and phase must be granule aligned too. */
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(a, G64K, BO_R, 0, P(3), 0) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(a, G64K, BO_R, 0, 2 * G64K, P(1)) });
	/* The granule-aligned versions are fine. */
	map_placed(s, (const struct gpuvm_va[]){ mk_bo(a, G64K, BO_A, G64K) });
	map_placed(s, (const struct gpuvm_va[]){
		       mk_repeat(a + G64K, G64K, BO_R, G64K, 2 * G64K, G64K) });
}

/* offset + range past 2^64: the BO bytes cannot exist. */
static void bo_offset_overflow(void **state)
{
	struct gpuvm_va_space *s = *state;

	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_bo(A(8), P(2), BO_A, (uint64_t)0 - P(1)) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_bo(A(8), P(16), BO_A, (uint64_t)0 - P(8)) });
	/* For REPEAT the region is what must fit. */
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(1), BO_R, (uint64_t)0 - P(1),
					    P(2), 0) });
}

static void repeat_zero(void **state)
{
	expect_map_einval(*state, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(4), BO_R, 0, 0, 0) });
}

static void repeat_unaligned(void **state)
{
	struct gpuvm_va_space *s = *state;

	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(4), BO_R, 0, 0x800, 0) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(4), BO_R, 0, P(3) + 0x10, 0) });
}

static void repeat_phase_out_of_range(void **state)
{
	struct gpuvm_va_space *s = *state;

	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(4), BO_R, 0, P(3), P(3)) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(4), BO_R, 0, P(3), P(4)) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(4), BO_R, 0, P(1), P(1)) });
	/* Just below the region is valid. */
	map_placed(s, (const struct gpuvm_va[]){
		       mk_repeat(A(8), P(4), BO_R, 0, P(3), P(2)) });
}

static void repeat_phase_unaligned(void **state)
{
	struct gpuvm_va_space *s = *state;

	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(4), BO_R, 0, P(3), 0x800) });
	expect_map_einval(s, (const struct gpuvm_va[]){
				  mk_repeat(A(8), P(4), BO_R, 0, P(3),
					    P(1) + 8) });
}

static void sparse_with_bo_or_offset(void **state)
{
	struct gpuvm_va_space *s = *state;
	struct gpuvm_va req = mk_sparse(A(8), P(1));

	req.bo = BO_A;
	expect_map_einval(s, &req);
	req.bo = 0;
	req.offset = P(1);
	expect_map_einval(s, &req);
	req.bo = BO_A;
	expect_map_einval(s, &req);
	/* Sparse over an existing mapping must not have half-happened. */
	req.addr = A(0);
	expect_map_einval(s, &req);
}

static void unknown_kind(void **state)
{
	struct gpuvm_va_space *s = *state;
	struct gpuvm_va req = mk_bo(A(8), P(1), BO_A, 0);

	req.kind = (enum gpuvm_va_kind)3;
	expect_map_einval(s, &req);
	req = mk_sparse(A(0), P(1));
	req.kind = (enum gpuvm_va_kind)3;
	expect_map_einval(s, &req);
}

/* ------------------------------------------------------------------ */
/* Boundaries that are valid                                           */

/*
 * Touching is not overlapping: the pages right before and after the
 * reserved range, and the first and last pages of the space, all map and
 * unmap. So do the two whole stretches around the reserved range.
 */
static void abutting_requests_succeed(void **state)
{
	struct gpuvm_va_space *s = *state;
	const struct gpuvm_va edges[] = {
		mk_bo(BASE, P(1), BO_A, 0),
		mk_bo(RESV_START - P(1), P(1), BO_A, P(1)),
		mk_sparse(RESV_END, P(1)),
		mk_repeat(SPACE_END - P(1), P(1), BO_R, 0, P(1), 0),
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		map_placed(s, &edges[i]);
		assert_int_equal(gpuvm_va_find(s, edges[i].addr)->kind,
				 edges[i].kind);
	}
	assert_ptr_equal(gpuvm_va_find(s, SPACE_END - 1),
			 gpuvm_va_find(s, SPACE_END - P(1)));
	for (i = 0; i < ARRAY_SIZE(edges); i++)
		unmap_gone(s, edges[i].addr, edges[i].range);

	map_placed(s, (const struct gpuvm_va[]){
		       mk_bo(BASE, RESV_START - BASE, BO_A, 0) });
	map_placed(s, (const struct gpuvm_va[]){
		       mk_sparse(RESV_END, SPACE_END - RESV_END) });
	assert_int_equal(gpuvm_va_space_count(s), 2);
	unmap_gone(s, BASE, RESV_START - BASE);
	unmap_gone(s, RESV_END, SPACE_END - RESV_END);
	assert_int_equal(gpuvm_va_space_count(s), 0);
}

/* The same in the 64 KiB space, at granule size. */
static void abutting_requests_succeed_64k(void **state)
{
	struct gpuvm_va_space *s = *state;

	map_placed(s, (const struct gpuvm_va[]){ mk_bo(BASE, G64K, BO_A, 0) });
	map_placed(s, (const struct gpuvm_va[]){
		       mk_bo(RESV_START - G64K, G64K, BO_A, 0) });
	map_placed(s, (const struct gpuvm_va[]){ mk_sparse(RESV_END, G64K) });
	map_placed(s, (const struct gpuvm_va[]){
		       mk_sparse(SPACE_END - G64K, G64K) });
	unmap_gone(s, RESV_START - G64K, G64K);
	unmap_gone(s, RESV_END, G64K);
	assert_int_equal(gpuvm_va_space_count(s), 5);
}

/* ------------------------------------------------------------------ */
/* Space configuration                                                 */

/* gpuvm_va_space_create(cfg) is refused and *out left alone. */
static void expect_cfg_einval(const struct gpuvm_va_space_cfg *cfg)
{
	/* Any recognisable non-NULL value; it is never dereferenced. */
	struct gpuvm_va_space *const poison =
		(struct gpuvm_va_space *)(void *)&sentinel;
	struct gpuvm_va_space *s = poison;
	int ret = gpuvm_va_space_create(cfg, &s);

	if (ret != -EINVAL) {
		fprintf(stderr, "cfg accepted: start 0x%" PRIx64 " range 0x%"
			PRIx64 " resv 0x%" PRIx64 "+0x%" PRIx64
			" granule 0x%" PRIx64 "\n", cfg->start, cfg->range,
			cfg->reserved_start, cfg->reserved_range,
			cfg->granule);
		if (!ret)
			gpuvm_va_space_destroy(s);
		fail_msg("space_create: want -EINVAL, got %d", ret);
	}
	assert_ptr_equal(s, poison);
}

/* A valid cfg to derive bad ones from. */
static struct gpuvm_va_space_cfg good_cfg(void)
{
	struct gpuvm_va_space_cfg cfg = {
		.start = BASE,
		.range = P(SPACE_PAGES),
		.reserved_start = RESV_START,
		.reserved_range = RESV_END - RESV_START,
		.granule = 0,
	};

	return cfg;
}

static void cfg_bad_range(void **state)
{
	struct gpuvm_va_space_cfg cfg = good_cfg();

	(void)state;
	cfg.range = 0;
	expect_cfg_einval(&cfg);
	cfg = good_cfg();
	cfg.start = (uint64_t)0 - P(4);
	cfg.range = P(8); /* start + range wraps */
	expect_cfg_einval(&cfg);
	cfg = good_cfg();
	cfg.range = (uint64_t)0 - P(1); /* wraps from BASE */
	expect_cfg_einval(&cfg);
}

static void cfg_bad_granule(void **state)
{
	static const uint64_t bad[] = {
		0x800, 0x400, 1, 2, 3 * 0x1000, 0x1000 + 0x800, 0x3000,
		0x10000 + 0x1000, UINT64_MAX,
	};
	struct gpuvm_va_space_cfg cfg = good_cfg();
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cfg.granule = bad[i];
		expect_cfg_einval(&cfg);
	}
}

static void cfg_unaligned(void **state)
{
	struct gpuvm_va_space_cfg cfg = good_cfg();

	(void)state;
	cfg.start = BASE + 0x800;
	expect_cfg_einval(&cfg);
	cfg = good_cfg();
	cfg.range = P(SPACE_PAGES) + 0x10;
	expect_cfg_einval(&cfg);
	cfg = good_cfg();
	cfg.reserved_start = RESV_START + 0x800;
	expect_cfg_einval(&cfg);
	cfg = good_cfg();
	cfg.reserved_range = P(3) + 1;
	expect_cfg_einval(&cfg);
	/* Reserved range wrapping past 2^64. */
	cfg = good_cfg();
	cfg.reserved_start = (uint64_t)0 - P(1);
	cfg.reserved_range = P(2);
	expect_cfg_einval(&cfg);

	/* 4 KiB aligned is not enough with a 64 KiB granule. */
	cfg = good_cfg();
	cfg.granule = G64K;
	cfg.start = BASE + P(1);
	expect_cfg_einval(&cfg);
	cfg = good_cfg();
	cfg.granule = G64K;
	cfg.range = G64K * 4 + P(1);
	expect_cfg_einval(&cfg);
	cfg = good_cfg();
	cfg.granule = G64K;
	cfg.reserved_start = RESV_START + P(1);
	expect_cfg_einval(&cfg);
	cfg = good_cfg();
	cfg.granule = G64K;
	cfg.reserved_range = P(4);
	expect_cfg_einval(&cfg);
}

/* The ones that must be accepted, including the edge values. */
static void cfg_valid(void **state)
{
	struct gpuvm_va_space_cfg cfg = good_cfg();
	struct gpuvm_va_space *s = NULL;

	(void)state;
	/* granule 0 means 4 KiB; the stored cfg says so. */
	assert_int_equal(gpuvm_va_space_create(&cfg, &s), 0);
	assert_int_equal(gpuvm_va_space_cfg(s)->granule, 0x1000);
	assert_int_equal(gpuvm_va_space_cfg(s)->start, BASE);
	assert_int_equal(gpuvm_va_space_cfg(s)->range, P(SPACE_PAGES));
	assert_int_equal(gpuvm_va_space_count(s), 0);
	gpuvm_va_space_destroy(s);

	/* No reserved range: an unaligned reserved_start is ignored. */
	cfg = good_cfg();
	cfg.reserved_start = 0x123;
	cfg.reserved_range = 0;
	s = NULL;
	assert_int_equal(gpuvm_va_space_create(&cfg, &s), 0);
	map_placed(s, (const struct gpuvm_va[]){
		       mk_bo(BASE, P(SPACE_PAGES), BO_A, 0) });
	gpuvm_va_space_destroy(s);

	/* From 0 to the last granule below 2^64, 2 MiB granule. */
	cfg = good_cfg();
	cfg.start = 0;
	cfg.range = (uint64_t)0 - (1ull << 21);
	cfg.reserved_range = 0;
	cfg.granule = 1ull << 21;
	s = NULL;
	assert_int_equal(gpuvm_va_space_create(&cfg, &s), 0);
	assert_int_equal(gpuvm_va_space_cfg(s)->granule, 1ull << 21);
	gpuvm_va_space_destroy(s);

	gpuvm_va_space_destroy(NULL);
}

/* ------------------------------------------------------------------ */

#define T4K(f) cmocka_unit_test_setup_teardown(f, setup_4k, va_teardown)
#define T64K(f) cmocka_unit_test_setup_teardown(f, setup_64k, va_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T4K(range_zero),
		T4K(range_unaligned_4k),
		T64K(range_unaligned_64k),
		T4K(range_overflow),
		cmocka_unit_test(range_overflow_top_of_space),
		T4K(range_below_start),
		T4K(range_past_end),
		T4K(range_touches_reserved),
		T64K(range_touches_reserved_64k),

		T4K(bo_needs_bo),
		T4K(bo_offset_unaligned),
		T64K(bo_offset_unaligned_64k),
		T4K(bo_offset_overflow),
		T4K(repeat_zero),
		T4K(repeat_unaligned),
		T4K(repeat_phase_out_of_range),
		T4K(repeat_phase_unaligned),
		T4K(sparse_with_bo_or_offset),
		T4K(unknown_kind),

		T4K(abutting_requests_succeed),
		T64K(abutting_requests_succeed_64k),

		cmocka_unit_test(cfg_bad_range),
		cmocka_unit_test(cfg_bad_granule),
		cmocka_unit_test(cfg_unaligned),
		cmocka_unit_test(cfg_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
