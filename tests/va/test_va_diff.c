// SPDX-License-Identifier: MIT
/*
 * Differential test of the VA-space manager (src/va/va.c).
 *
 * The reference model is deliberately dumb: an array indexed by page saying
 * what backs that page (nothing, sparse, or a BO, the BO offset the page
 * maps, flags, and the priv tag of the mapping that wrote it). A map
 * overwrites the pages of its range, an unmap clears them. It knows
 * nothing of mappings, splits, pieces or phases; if the manager's
 * split/merge arithmetic is wrong anywhere, some page disagrees.
 *
 * Each run applies a long random sequence of requests to both. Ranges are
 * biased towards small sizes and towards the boundaries of earlier
 * requests (which is where existing mappings start and end), so most
 * requests cut or cover existing mappings; some are made invalid on
 * purpose. The model decides validity by its own reading of va.h, and an
 * invalid request must give -EINVAL and change nothing.
 *
 * After every request the whole space is compared page by page (a walk
 * over all mappings), the pages around the request by gpuvm_va_find(), and
 * every FIND_FULL_EVERY requests the whole space by gpuvm_va_find() (doing
 * that every request costs ~3x the run time, ~25 s under ASan). Every op
 * list is checked against the state it was built from, including the keep
 * flag (by the model's pages) and the mapping count it leads to; one run
 * has a mapping limit and expects -ENOSPC exactly when the count would
 * pass it. Some lists are freed without commit, some are made stale by
 * committing another list first, some are committed twice.
 *
 * On a mismatch the seed, step, request, op list and both states are
 * printed before the test fails.
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
#include "../util/util_test.h"

#define NPAGES 4096L
#define NBO 6 /* BO ids 1..NBO; NBO + 1 is never mapped */
#define NFLAGS 3
#define NBO_OFFSETS 1024 /* random BO offsets are below this many pages */
#define NANCHORS 32
#define NFIXED_ANCHORS 4
#define NHIST 8
#define WINDOW 8 /* pages either side of a request compared by find */
#define FIND_FULL_EVERY 64
#define BO_CHECK_EVERY 100
#define STEPS_PER_SEED 25000

enum page_kind { P_NONE, P_SPARSE, P_BO, P_REPEAT };

struct page {
	enum page_kind kind;
	uint32_t flags;
	uint64_t bo;
	uint64_t off;   /* BO offset this page maps */
	uintptr_t tag;  /* priv of the mapping that wrote the page */
};

struct stats {
	long maps[3]; /* valid map requests, by kind */
	long unmaps;
	long invalid;
	long aborted;    /* prepared, freed without commit */
	long stale;      /* a second list committed after the first */
	long empty_unmaps;
	long enospc;
	long double_commits;
	long unmap_ops, remap_ops, remap_both, keep_ops;
	long max_mappings;
};

/* One run: a seed and the space it runs in. */
struct run_cfg {
	uint64_t seed;
	uint64_t granule;
	uint64_t max_mappings; /* 0: no limit */
	bool dense; /* no requests over 32 pages: many more mappings */
};

struct run {
	uint64_t seed;
	long step;
	uint64_t rng;

	uint64_t g;     /* granule */
	uint64_t limit; /* max_mappings, 0 for none */
	bool dense;
	uint64_t start; /* address of page 0 */
	long rfirst, rlast; /* reserved pages [rfirst, rlast) */
	struct gpuvm_va_space *space;
	struct page pg[NPAGES];
	uintptr_t next_tag;

	/* The request being applied and its list, for failure messages. */
	bool is_map;
	struct gpuvm_va req;
	struct gpuvm_va_ops *ops;

	/* Page indices where earlier requests started or ended. */
	long anchor[NANCHORS];
	unsigned int nanchors, anchor_pos;
	/* Recent valid REPEAT requests, to build ones that can keep. */
	struct gpuvm_va hist[NHIST];
	unsigned int nhist, hist_pos;

	/* Distinct mappings the request overlaps, found before prepare. */
	struct gpuvm_va *over[NPAGES];
	bool seen[NPAGES];
	long nover;
	/* Mapping count the request leads to: pieces are counted. */
	uint64_t predicted;

	struct stats st;
};

/* ------------------------------------------------------------------ */
/* PRNG                                                                */

/* Uniform enough in [0, n) for n far below 2^64. */
static uint64_t rnd(struct run *r, uint64_t n)
{
	return splitmix64(&r->rng) % n;
}

/* ------------------------------------------------------------------ */
/* Addresses                                                           */

static uint64_t page_addr(const struct run *r, long p)
{
	/* Negative p wraps to below start, as intended. */
	return r->start + (uint64_t)p * r->g;
}

static uint64_t space_end(const struct run *r)
{
	return page_addr(r, NPAGES);
}

/* Page index of an address known to be inside the space. */
static long page_of(const struct run *r, uint64_t addr)
{
	return (long)((addr - r->start) / r->g);
}

/* ------------------------------------------------------------------ */
/* Failure reports                                                     */

static const char *kind_name(enum page_kind k)
{
	static const char *const names[] = { "none", "sparse", "bo", "repeat" };

	return names[k];
}

static void print_request(const struct run *r, FILE *f)
{
	const struct gpuvm_va *q = &r->req;

	if (r->is_map) {
		/* Every field, whatever the kind: an invalid one may set any. */
		fprintf(f, "map [0x%" PRIx64 ", +0x%" PRIx64 ") kind %d bo=%"
			PRIu64 " offset=0x%" PRIx64 " repeat=0x%" PRIx64
			" phase=0x%" PRIx64 " flags=0x%x\n", q->addr, q->range,
			(int)q->kind, q->bo, q->offset, q->repeat, q->phase,
			(unsigned int)q->flags);
	} else {
		fprintf(f, "unmap [0x%" PRIx64 ", +0x%" PRIx64 ")\n", q->addr,
			q->range);
	}
}

static bool same_run(const struct page *a, const struct page *b, uint64_t g)
{
	if (a->kind != b->kind || a->bo != b->bo || a->flags != b->flags ||
	    a->tag != b->tag)
		return false;
	/* A repeat pattern wraps; one tag is one request, good enough. */
	return a->kind != P_BO || b->off == a->off + g;
}

/* The model as runs of pages that one mapping could hold. */
static void print_model(const struct run *r, FILE *f)
{
	long p = 0, q;

	fprintf(f, "model [0x%" PRIx64 ", 0x%" PRIx64 "), reserved "
		"[0x%" PRIx64 ", 0x%" PRIx64 "), granule 0x%" PRIx64
		", max_mappings %" PRIu64 "\n", r->start, space_end(r),
		page_addr(r, r->rfirst), page_addr(r, r->rlast), r->g,
		r->limit);
	while (p < NPAGES) {
		const struct page *a = &r->pg[p];

		for (q = p + 1; q < NPAGES && same_run(&r->pg[q - 1], &r->pg[q], r->g); q++)
			;
		if (a->kind != P_NONE) {
			fprintf(f, "  [0x%" PRIx64 ", 0x%" PRIx64 ") %s",
				page_addr(r, p), page_addr(r, q),
				kind_name(a->kind));
			if (a->kind != P_SPARSE)
				fprintf(f, " bo=%" PRIu64 " first offset=0x%" PRIx64,
					a->bo, a->off);
			fprintf(f, " flags=0x%x tag=%lu\n", (unsigned int)a->flags,
				(unsigned long)a->tag);
		}
		p = q;
	}
}

static void dump(const struct run *r)
{
	fprintf(stderr, "\n=== va_diff mismatch: seed 0x%" PRIx64 ", step %ld\n",
		r->seed, r->step);
	fputs("request: ", stderr);
	print_request(r, stderr);
	if (r->ops) {
		fprintf(stderr, "op list (%u ops%s):\n", r->ops->count,
			r->ops->committed ? ", committed" : "");
		gpuvm_va_ops_print(r->ops, stderr);
	}
	print_model(r, stderr);
	gpuvm_va_space_print(r->space, stderr);
	gpuvm_va_space_validate(r->space, stderr);
}

static void fail_run(const struct run *r, int line, const char *cond,
		     const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(4, 5);

static void fail_run(const struct run *r, int line, const char *cond,
		     const char *fmt, ...)
{
	va_list ap;

	dump(r);
	fprintf(stderr, "check failed (line %d): %s: ", line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fail_msg("va_diff: seed 0x%" PRIx64 " step %ld: %s", r->seed, r->step,
		 cond);
}

/* Checks cond; on failure dumps everything and fails the test. */
#define CHECK(r, cond, ...)                                              \
	do {                                                             \
		if (!(cond))                                             \
			fail_run((r), __LINE__, #cond, __VA_ARGS__);     \
	} while (0)

/* ------------------------------------------------------------------ */
/* Model                                                               */

/* Range rules of va.h, written out independently of va.c. */
static bool model_range_ok(const struct run *r, uint64_t addr, uint64_t range)
{
	uint64_t end = addr + range;

	if (!range || end < addr || addr % r->g || range % r->g)
		return false;
	if (addr < r->start || end > space_end(r))
		return false;
	/* Touching the reserved range means sharing a byte with it. */
	return end <= page_addr(r, r->rfirst) || addr >= page_addr(r, r->rlast);
}

static bool no_overflow(uint64_t a, uint64_t b)
{
	return a <= UINT64_MAX - b;
}

static bool model_backing_ok(const struct run *r, const struct gpuvm_va *q)
{
	switch (q->kind) {
	case GPUVM_VA_SPARSE:
		return !q->bo && !q->offset;
	case GPUVM_VA_BO:
		return q->bo && !(q->offset % r->g) &&
		       no_overflow(q->offset, q->range);
	case GPUVM_VA_REPEAT:
		/* A page can only map a granule-aligned BO offset. */
		return q->bo && !(q->offset % r->g) && q->repeat &&
		       !(q->repeat % r->g) && q->phase < q->repeat &&
		       !(q->phase % r->g) && no_overflow(q->offset, q->repeat);
	}
	return false;
}

static bool model_valid(const struct run *r)
{
	if (!model_range_ok(r, r->req.addr, r->req.range))
		return false;
	return !r->is_map || model_backing_ok(r, &r->req);
}

/* What a request maps at page p: straight from the formula in va.h. */
static struct page req_page(const struct run *r, const struct gpuvm_va *q,
			    long p, uintptr_t tag)
{
	struct page x = { .flags = q->flags, .bo = q->bo, .tag = tag };
	uint64_t d = page_addr(r, p) - q->addr;

	switch (q->kind) {
	case GPUVM_VA_SPARSE:
		x.kind = P_SPARSE;
		x.bo = 0;
		break;
	case GPUVM_VA_BO:
		x.kind = P_BO;
		x.off = q->offset + d;
		break;
	case GPUVM_VA_REPEAT:
		x.kind = P_REPEAT;
		x.off = q->offset + (d + q->phase) % q->repeat;
		break;
	}
	return x;
}

static void model_map(struct run *r, const struct gpuvm_va *q, uintptr_t tag)
{
	long p, first = page_of(r, q->addr);

	for (p = first; p < first + (long)(q->range / r->g); p++)
		r->pg[p] = req_page(r, q, p, tag);
}

static void model_unmap(struct run *r, uint64_t addr, uint64_t range)
{
	long p, first = page_of(r, addr);

	for (p = first; p < first + (long)(range / r->g); p++)
		memset(&r->pg[p], 0, sizeof(r->pg[p]));
}

/* ------------------------------------------------------------------ */
/* Comparing states                                                    */

static enum page_kind va_page_kind(enum gpuvm_va_kind k)
{
	return k == GPUVM_VA_SPARSE ? P_SPARSE :
	       k == GPUVM_VA_BO ? P_BO : P_REPEAT;
}

/* Model page p against mapping va, which contains it. */
static void compare_page_va(const struct run *r, long p,
			    const struct gpuvm_va *va)
{
	const struct page *m = &r->pg[p];
	uint64_t x = page_addr(r, p);

	CHECK(r, m->kind != P_NONE, "page 0x%" PRIx64 " mapped, model has none", x);
	CHECK(r, va_page_kind(va->kind) == m->kind,
	      "page 0x%" PRIx64 ": kind %d, model %s", x, (int)va->kind,
	      kind_name(m->kind));
	CHECK(r, va->flags == m->flags, "page 0x%" PRIx64 ": flags 0x%x, model 0x%x",
	      x, (unsigned int)va->flags, (unsigned int)m->flags);
	CHECK(r, (uintptr_t)va->priv == m->tag,
	      "page 0x%" PRIx64 ": priv %lu, model %lu", x,
	      (unsigned long)(uintptr_t)va->priv, (unsigned long)m->tag);
	if (m->kind == P_SPARSE) {
		CHECK(r, va->bo == 0, "page 0x%" PRIx64 ": sparse with bo", x);
		CHECK(r, gpuvm_va_bo_offset_at(va, x) == UINT64_MAX,
		      "page 0x%" PRIx64 ": sparse has a BO offset", x);
		return;
	}
	CHECK(r, va->bo == m->bo, "page 0x%" PRIx64 ": bo %" PRIu64
	      ", model %" PRIu64, x, va->bo, m->bo);
	CHECK(r, gpuvm_va_bo_offset_at(va, x) == m->off,
	      "page 0x%" PRIx64 ": BO offset 0x%" PRIx64 ", model 0x%" PRIx64,
	      x, gpuvm_va_bo_offset_at(va, x), m->off);
}

/* Model page p against what gpuvm_va_find() says. */
static void compare_page_find(const struct run *r, long p)
{
	uint64_t x = page_addr(r, p);
	const struct gpuvm_va *va = gpuvm_va_find(r->space, x);

	if (r->pg[p].kind == P_NONE) {
		CHECK(r, va == NULL, "page 0x%" PRIx64 ": find gives a mapping, "
		      "model has none", x);
		return;
	}
	CHECK(r, va != NULL, "page 0x%" PRIx64 ": find gives NULL, model %s",
	      x, kind_name(r->pg[p].kind));
	CHECK(r, va->addr <= x && x < gpuvm_va_end(va),
	      "page 0x%" PRIx64 ": find gives a mapping not containing it", x);
	compare_page_va(r, p, va);
}

static void compare_find(const struct run *r, long first, long last)
{
	long p;

	if (first < 0)
		first = 0;
	if (last > NPAGES)
		last = NPAGES;
	for (p = first; p < last; p++)
		compare_page_find(r, p);
}

/*
 * Every page, by one walk over all mappings in address order: O(pages +
 * mappings), cheap enough for every step.
 */
static void compare_walk(const struct run *r)
{
	const struct gpuvm_va *va;
	uint64_t n = 0;
	long p = 0, first, last;

	gpuvm_va_for_each_in(va, r->space, r->start, space_end(r)) {
		CHECK(r, va->addr >= page_addr(r, p) && va->range &&
		      gpuvm_va_end(va) <= space_end(r) &&
		      !(va->addr % r->g) && !(va->range % r->g),
		      "walk: mapping 0x%" PRIx64 " misplaced", va->addr);
		first = page_of(r, va->addr);
		last = page_of(r, gpuvm_va_end(va));
		for (; p < first; p++)
			CHECK(r, r->pg[p].kind == P_NONE, "page 0x%" PRIx64
			      ": not mapped, model %s", page_addr(r, p),
			      kind_name(r->pg[p].kind));
		for (; p < last; p++)
			compare_page_va(r, p, va);
		n++;
	}
	for (; p < NPAGES; p++)
		CHECK(r, r->pg[p].kind == P_NONE, "page 0x%" PRIx64
		      ": not mapped, model %s", page_addr(r, p),
		      kind_name(r->pg[p].kind));
	CHECK(r, n == gpuvm_va_space_count(r->space), "walk saw %" PRIu64
	      " mappings, count says %" PRIu64, n,
	      gpuvm_va_space_count(r->space));
}

/* Nothing outside the managed range, ever. */
static void compare_outside(const struct run *r)
{
	CHECK(r, gpuvm_va_find(r->space, r->start - 1) == NULL, "below start");
	CHECK(r, gpuvm_va_find(r->space, space_end(r)) == NULL, "at end");
	CHECK(r, gpuvm_va_first_in(r->space, 0, r->start) == NULL, "below start");
	CHECK(r, gpuvm_va_first_in(r->space, space_end(r), UINT64_MAX) == NULL,
	      "past end");
}

/*
 * gpuvm_va_for_each_of_bo visits exactly the mappings of that BO, in
 * address order: counts must match a walk over all mappings.
 */
static void check_bo_index(const struct run *r)
{
	long all[NBO + 2] = { 0 };
	const struct gpuvm_va *va;
	uint64_t b;

	gpuvm_va_for_each_in(va, r->space, r->start, space_end(r)) {
		if (va->kind == GPUVM_VA_SPARSE) {
			CHECK(r, va->bo == 0, "sparse mapping with a bo");
			continue;
		}
		CHECK(r, va->bo >= 1 && va->bo <= NBO, "bo %" PRIu64
		      " never mapped", va->bo);
		all[va->bo]++;
	}
	for (b = 1; b <= NBO + 1; b++) {
		uint64_t prev_end = 0;
		long n = 0;

		gpuvm_va_for_each_of_bo(va, r->space, b) {
			CHECK(r, va->bo == b, "bo %" PRIu64 " walk gives bo %"
			      PRIu64, b, va->bo);
			CHECK(r, va->kind != GPUVM_VA_SPARSE, "bo walk gives sparse");
			CHECK(r, va->addr >= prev_end, "bo %" PRIu64
			      " walk out of order at 0x%" PRIx64, b, va->addr);
			CHECK(r, gpuvm_va_find(r->space, va->addr) == va,
			      "bo %" PRIu64 " walk gives a mapping not in the "
			      "space at 0x%" PRIx64, b, va->addr);
			prev_end = gpuvm_va_end(va);
			n++;
		}
		CHECK(r, n == all[b], "bo %" PRIu64 ": walk saw %ld, all "
		      "mappings have %ld", b, n, all[b]);
	}
}

/* After a request over pages [first, last); full: every check there is. */
static void check_state(struct run *r, long first, long last, bool full)
{
	CHECK(r, gpuvm_va_space_validate(r->space, stderr) == 0, "validate");
	compare_walk(r);
	compare_find(r, first - WINDOW, last + WINDOW);
	if (full || r->step % FIND_FULL_EVERY == 0) {
		compare_find(r, 0, NPAGES);
		compare_outside(r);
	}
	if (full || r->step % BO_CHECK_EVERY == 0)
		check_bo_index(r);
	if ((long)gpuvm_va_space_count(r->space) > r->st.max_mappings)
		r->st.max_mappings = (long)gpuvm_va_space_count(r->space);
}

/* ------------------------------------------------------------------ */
/* Op lists                                                            */

/* The distinct mappings over [addr, addr + range), by find, page by page. */
static void collect_overlaps(struct run *r, uint64_t addr, uint64_t range)
{
	struct gpuvm_va *va, *last = NULL;
	long p, first = page_of(r, addr);

	r->nover = 0;
	for (p = first; p < first + (long)(range / r->g); p++) {
		va = gpuvm_va_find(r->space, page_addr(r, p));
		if (va && va != last) {
			r->seen[r->nover] = false;
			r->over[r->nover++] = va;
		}
		last = va;
	}
}

/*
 * gpuvm_va_for_each_in over the request must list the same mappings as
 * find did, in the same order. Then the count after the request follows:
 * the overlapped ones go, the first and last may leave a piece each, and
 * a map adds one.
 */
static void check_overlaps(struct run *r)
{
	uint64_t a = r->req.addr, e = r->req.addr + r->req.range;
	const struct gpuvm_va *va;
	long i = 0;

	gpuvm_va_for_each_in(va, r->space, a, e) {
		CHECK(r, i < r->nover && va == r->over[i],
		      "for_each_in [0x%" PRIx64 ", 0x%" PRIx64 "): mapping %ld "
		      "at 0x%" PRIx64 " is not what find gives", a, e, i,
		      va->addr);
		i++;
	}
	CHECK(r, i == r->nover, "for_each_in saw %ld mappings, find %ld", i,
	      r->nover);
	r->predicted = gpuvm_va_space_count(r->space) - (uint64_t)r->nover +
		       (uint64_t)r->is_map;
	if (r->nover) {
		r->predicted += r->over[0]->addr < a;
		r->predicted += gpuvm_va_end(r->over[r->nover - 1]) > e;
	}
}

/* Marks op->va as handled; it must be one of the overlapped mappings. */
static void claim_overlap(struct run *r, const struct gpuvm_va *va)
{
	long i;

	for (i = 0; i < r->nover && r->over[i] != va; i++)
		;
	CHECK(r, i < r->nover, "op for a mapping the request does not overlap");
	CHECK(r, !r->seen[i], "two ops for one mapping");
	r->seen[i] = true;
}

/*
 * Whether the old PTEs under the overlap of va and the request already
 * hold what the request maps, by va.h's definition: same BO, kind and
 * flags, for REPEAT the same region, and every overlapped page of the
 * model mapping the BO offset the request would. Sparse never keeps.
 */
static bool expect_keep(const struct run *r, const struct gpuvm_va *va)
{
	const struct gpuvm_va *q = &r->req;
	uint64_t lo = va->addr > q->addr ? va->addr : q->addr;
	uint64_t hi = gpuvm_va_end(va) < gpuvm_va_end(q) ? gpuvm_va_end(va) :
							   gpuvm_va_end(q);
	long p;

	if (!r->is_map || va->kind == GPUVM_VA_SPARSE || va->kind != q->kind ||
	    va->bo != q->bo || va->flags != q->flags)
		return false;
	if (va->kind == GPUVM_VA_REPEAT &&
	    (va->offset != q->offset || va->repeat != q->repeat))
		return false;
	for (p = page_of(r, lo); p < page_of(r, hi); p++)
		if (r->pg[p].off != req_page(r, q, p, 0).off)
			return false;
	return true;
}

/* A surviving piece: same backing as va, placed at [s, e). */
static void check_piece(const struct run *r, const struct gpuvm_va *va,
			const struct gpuvm_va *piece, uint64_t s, uint64_t e)
{
	CHECK(r, piece->addr == s && gpuvm_va_end(piece) == e,
	      "piece [0x%" PRIx64 ", 0x%" PRIx64 "), expected [0x%" PRIx64
	      ", 0x%" PRIx64 ")", piece->addr, gpuvm_va_end(piece), s, e);
	CHECK(r, piece->kind == va->kind && piece->bo == va->bo &&
	      piece->flags == va->flags && piece->priv == va->priv,
	      "piece at 0x%" PRIx64 " differs from its mapping", s);
	CHECK(r, gpuvm_va_bo_offset_at(piece, s) == gpuvm_va_bo_offset_at(va, s) &&
	      gpuvm_va_bo_offset_at(piece, e - r->g) ==
	      gpuvm_va_bo_offset_at(va, e - r->g),
	      "piece at 0x%" PRIx64 " maps other BO offsets", s);
}

static void check_clear_op(struct run *r, const struct gpuvm_va_op *op)
{
	const struct gpuvm_va *va = op->va;
	uint64_t a = r->req.addr, e = r->req.addr + r->req.range;
	bool left = va->addr < a, right = gpuvm_va_end(va) > e;

	CHECK(r, op->type == GPUVM_VA_OP_UNMAP || op->type == GPUVM_VA_OP_REMAP,
	      "op type %d before the end", (int)op->type);
	claim_overlap(r, va);
	if (!left && !right) {
		CHECK(r, op->type == GPUVM_VA_OP_UNMAP && !op->prev && !op->next,
		      "covered mapping 0x%" PRIx64 " not a plain UNMAP", va->addr);
		r->st.unmap_ops++;
	} else {
		CHECK(r, op->type == GPUVM_VA_OP_REMAP, "cut mapping 0x%" PRIx64
		      " not a REMAP", va->addr);
		CHECK(r, !op->prev == !left && !op->next == !right,
		      "REMAP of 0x%" PRIx64 ": wrong pieces", va->addr);
		r->st.remap_ops++;
		r->st.remap_both += left && right;
	}
	/* The pieces lie outside the request, exactly where va sticks out. */
	if (op->prev)
		check_piece(r, va, op->prev, va->addr, a);
	if (op->next)
		check_piece(r, va, op->next, e, gpuvm_va_end(va));
	if (va->kind == GPUVM_VA_SPARSE)
		CHECK(r, !op->keep, "keep on sparse");
	CHECK(r, op->keep == expect_keep(r, va), "keep is %d for 0x%" PRIx64,
	      op->keep, va->addr);
	r->st.keep_ops += op->keep;
}

/* MAP comes last and is exactly the request, whose priv is ignored. */
static void check_map_op(const struct run *r, const struct gpuvm_va_op *m)
{
	const struct gpuvm_va *v = m->va;
	const struct gpuvm_va *q = &r->req;

	CHECK(r, m->type == GPUVM_VA_OP_MAP && !m->prev && !m->next,
	      "last op not a MAP");
	CHECK(r, v->addr == q->addr && v->range == q->range &&
	      v->kind == q->kind && v->flags == q->flags && v->bo == q->bo &&
	      v->offset == q->offset && v->repeat == q->repeat &&
	      v->phase == q->phase, "MAP differs from the request");
	CHECK(r, v->priv != q->priv, "MAP took the request's priv");
}

/*
 * The list against the state it was built from: one UNMAP or REMAP per
 * overlapped mapping (UNMAP if covered, REMAP with exactly the pieces
 * that stick out), at most two REMAPs, then MAP.
 */
static void check_ops(struct run *r)
{
	const struct gpuvm_va_ops *ops = r->ops;
	unsigned int n_clear = r->is_map ? ops->count - 1 : ops->count;
	unsigned int i, nremap = 0;

	CHECK(r, ops->space == r->space && !ops->committed, "list header");
	CHECK(r, ops->count == (unsigned int)r->nover + r->is_map,
	      "%u ops for %ld overlapped mappings", ops->count, r->nover);
	for (i = 0; i < n_clear; i++) {
		check_clear_op(r, &ops->op[i]);
		nremap += ops->op[i].type == GPUVM_VA_OP_REMAP;
	}
	CHECK(r, nremap <= 2, "%u REMAPs", nremap);
	if (r->is_map)
		check_map_op(r, &ops->op[ops->count - 1]);
	else
		r->st.empty_unmaps += !ops->count;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static void add_anchor(struct run *r, long p)
{
	unsigned int ring = NANCHORS - NFIXED_ANCHORS;

	r->anchor[NFIXED_ANCHORS + r->anchor_pos] = p;
	r->anchor_pos = (r->anchor_pos + 1) % ring;
	if (r->nanchors < NANCHORS)
		r->nanchors++;
}

/* Mostly small: most mappings are, and small ones cut more. */
static long pick_size(struct run *r)
{
	uint64_t x = rnd(r, 100);

	if (x < 50)
		return 1 + (long)rnd(r, 4);
	if (x < 80 || r->dense)
		return 1 + (long)rnd(r, 32);
	if (x < 95)
		return 1 + (long)rnd(r, 256);
	return 1 + (long)rnd(r, NPAGES);
}

/* First page: anywhere (a little outside too), or at/across a boundary. */
static long pick_first(struct run *r, long size)
{
	uint64_t x = rnd(r, 100);
	long a;

	if (x < 30)
		return (long)rnd(r, NPAGES + 8) - 4;
	a = r->anchor[rnd(r, r->nanchors)];
	if (x < 50)
		return a;        /* starts where something started or ended */
	if (x < 65)
		return a - size; /* ends there */
	return a - (long)rnd(r, (uint64_t)size); /* contains it */
}

/*
 * Makes a BO request likely to keep: same BO and flags as the model at
 * some page of the request, with the offset that continues it.
 */
static void make_bo_keepable(struct run *r, struct gpuvm_va *q, long first,
			     long size)
{
	long p = first + (long)rnd(r, (uint64_t)size);
	const struct page *m;
	uint64_t back = (uint64_t)(p - first) * r->g;

	if (p < 0 || p >= NPAGES)
		return;
	m = &r->pg[p];
	if (m->kind != P_BO || m->off < back)
		return;
	q->bo = m->bo;
	q->offset = m->off - back;
	if (rnd(r, 8))
		q->flags = m->flags;
}

/* The same for REPEAT, continuing the phase of a recent request. */
static void make_repeat_keepable(struct run *r, struct gpuvm_va *q)
{
	const struct gpuvm_va *h;
	int64_t d, ph;

	if (!r->nhist)
		return;
	h = &r->hist[rnd(r, r->nhist)];
	d = (int64_t)(q->addr - h->addr);
	ph = ((int64_t)h->phase + d) % (int64_t)h->repeat;
	if (ph < 0)
		ph += (int64_t)h->repeat;
	q->bo = h->bo;
	q->offset = h->offset;
	q->repeat = h->repeat;
	q->phase = (uint64_t)ph;
	if (rnd(r, 8))
		q->flags = h->flags;
}

static void gen_map(struct run *r, enum gpuvm_va_kind kind, long first,
		    long size)
{
	struct gpuvm_va *q = &r->req;

	q->kind = kind;
	q->flags = (uint32_t)rnd(r, NFLAGS);
	/* Garbage the manager must ignore. */
	q->priv = (void *)&r->req;
	if (kind == GPUVM_VA_SPARSE)
		return;
	q->bo = 1 + rnd(r, NBO);
	q->offset = rnd(r, NBO_OFFSETS) * r->g;
	if (kind == GPUVM_VA_REPEAT) {
		q->repeat = (1 + rnd(r, 8)) * r->g;
		q->phase = rnd(r, q->repeat / r->g) * r->g;
		if (rnd(r, 100) < 40)
			make_repeat_keepable(r, q);
	} else if (rnd(r, 100) < 40) {
		make_bo_keepable(r, q, first, size);
	}
}

/*
 * Breaks one rule (or tries to: the model has the last word). Two things
 * va.h does not specify are avoided: offset + length wrapping to exactly
 * 2^64, and non-zero repeat/phase on BO or SPARSE requests (va.c rejects
 * them; va.h only calls the fields "REPEAT only").
 */
static void make_invalid(struct run *r)
{
	struct gpuvm_va *q = &r->req;
	uint64_t g = r->g, top = UINT64_MAX - g + 1;
	unsigned int n = !r->is_map ? 7 :
			 q->kind == GPUVM_VA_REPEAT ? 15 : 10;

	switch (rnd(r, n)) {
	case 0: /* unaligned start (aligned to 4 KiB for larger granules) */
		q->addr += g > 4096 ? 4096 : g / 2;
		break;
	case 1:
		q->range += g > 4096 ? 4096 : g / 2;
		break;
	case 2:
		q->range = 0;
		break;
	case 3: /* starts below the space */
		q->addr = r->start - g * (1 + rnd(r, 2));
		break;
	case 4: /* runs past the end */
		q->addr = space_end(r) - g;
		q->range = 2 * g;
		break;
	case 5: /* wraps around 2^64 */
		q->addr = top;
		q->range = 2 * g;
		break;
	case 6: /* inside or across the reserved range */
		q->addr = page_addr(r, r->rfirst - 1 + (long)rnd(r, 2 +
				(uint64_t)(r->rlast - r->rfirst)));
		q->range = g * (1 + rnd(r, 3));
		break;
	case 7:
		q->bo = q->kind == GPUVM_VA_SPARSE ? 1 + rnd(r, NBO) : 0;
		break;
	case 8:
		q->offset += g > 4096 ? 4096 : g / 2;
		break;
	case 9: /* offset + length overflows */
		q->offset = top - g;
		if (q->kind == GPUVM_VA_BO && q->range < 3 * g)
			q->range = 3 * g;
		if (q->kind == GPUVM_VA_REPEAT && q->repeat < 3 * g) {
			q->repeat = 3 * g;
			q->phase = 0;
		}
		break;
	case 10: /* REPEAT only from here */
		q->repeat = 0;
		break;
	case 11:
		q->repeat += g / 2;
		break;
	case 12:
		q->phase = q->repeat;
		break;
	case 13:
		q->phase = g / 2;
		break;
	case 14:
		q->repeat = q->phase; /* phase == repeat, or both zero */
		break;
	}
}

static void gen_request(struct run *r)
{
	uint64_t x = rnd(r, 100);
	long size = pick_size(r), first = pick_first(r, size);

	memset(&r->req, 0, sizeof(r->req));
	r->req.addr = page_addr(r, first);
	r->req.range = (uint64_t)size * r->g;
	r->is_map = x >= 30;
	if (x >= 30 && x < 65)
		gen_map(r, GPUVM_VA_BO, first, size);
	else if (x >= 65 && x < 85)
		gen_map(r, GPUVM_VA_REPEAT, first, size);
	else if (x >= 85)
		gen_map(r, GPUVM_VA_SPARSE, first, size);
	if (rnd(r, 100) < 6)
		make_invalid(r);
}

/* ------------------------------------------------------------------ */
/* Applying one request to both                                        */

static int prepare(struct run *r, struct gpuvm_va_ops **out)
{
	if (r->is_map)
		return gpuvm_va_map_prepare(r->space, &r->req, out);
	return gpuvm_va_unmap_prepare(r->space, r->req.addr, r->req.range, out);
}

static void model_apply(struct run *r, uintptr_t tag)
{
	if (r->is_map)
		model_map(r, &r->req, tag);
	else
		model_unmap(r, r->req.addr, r->req.range);
}

/* Commits the request's list; it cannot fail. */
static void commit(struct run *r)
{
	int ret = gpuvm_va_ops_commit(r->ops);

	CHECK(r, ret == 0 && r->ops->committed, "commit gave %d", ret);
	CHECK(r, gpuvm_va_space_count(r->space) == r->predicted,
	      "%" PRIu64 " mappings, expected %" PRIu64,
	      gpuvm_va_space_count(r->space), r->predicted);
}

/*
 * Another list is prepared before the request's list is committed; once
 * the space has changed, committing it must give -ESTALE and do nothing.
 */
static void stale_commit(struct run *r)
{
	struct gpuvm_va_ops *other = NULL;
	long p = (long)rnd(r, NPAGES);
	uint64_t x;
	const struct gpuvm_va *va;
	bool splits;
	int ret;

	if (p >= r->rfirst && p < r->rlast)
		p = r->rlast < NPAGES ? r->rlast : 0;
	x = page_addr(r, p);
	/* Unmapping one page from inside a mapping adds one. */
	va = gpuvm_va_find(r->space, x);
	splits = va && va->addr < x && gpuvm_va_end(va) > x + r->g;
	ret = gpuvm_va_unmap_prepare(r->space, x, r->g, &other);
	if (r->limit && gpuvm_va_space_count(r->space) + splits > r->limit) {
		CHECK(r, ret == -ENOSPC, "second prepare past the limit: %d",
		      ret);
		commit(r);
		return;
	}
	CHECK(r, ret == 0, "second prepare: %d", ret);
	commit(r);
	ret = gpuvm_va_ops_commit(other);
	if (r->ops->count) {
		CHECK(r, ret == -ESTALE, "stale commit gave %d", ret);
	} else {
		/* An empty list changed nothing, so the other is current. */
		CHECK(r, ret == 0, "commit after an empty one gave %d", ret);
		model_unmap(r, x, r->g);
	}
	gpuvm_va_ops_free(other);
	r->st.stale++;
}

/* The model follows a committed request; later requests aim at it. */
static void record(struct run *r)
{
	if (r->is_map) {
		/* A driver may use priv freely; it must follow the pieces. */
		r->ops->op[r->ops->count - 1].va->priv = (void *)r->next_tag;
		r->st.maps[r->req.kind]++;
	} else {
		r->st.unmaps++;
	}
	model_apply(r, r->next_tag++);
	add_anchor(r, page_of(r, r->req.addr));
	add_anchor(r, page_of(r, r->req.addr + r->req.range));
	if (r->is_map && r->req.kind == GPUVM_VA_REPEAT) {
		r->hist[r->hist_pos] = r->req;
		r->hist_pos = (r->hist_pos + 1) % NHIST;
		r->nhist += r->nhist < NHIST;
	}
}

/* A valid request's list: checked, then committed (mostly) and freed. */
static void apply(struct run *r, struct gpuvm_va_ops *ops)
{
	uint64_t x = rnd(r, 100);
	int ret;

	r->ops = ops;
	check_ops(r);
	if (x < 3) {
		/* Prepared but never committed: nothing changes. */
		r->st.aborted++;
	} else if (x < 6) {
		stale_commit(r);
	} else {
		commit(r);
		/*
		 * A second commit is a caller bug that must change nothing;
		 * va.h promises -ESTALE, va.c says -EALREADY, so only
		 * failure is asserted.
		 */
		if (ops->count && x < 9) {
			ret = gpuvm_va_ops_commit(ops);
			CHECK(r, ret < 0, "second commit gave %d", ret);
			r->st.double_commits++;
		}
	}
	if (ops->committed)
		record(r);
	gpuvm_va_ops_free(ops);
	r->ops = NULL;
}

static void step(struct run *r)
{
	struct gpuvm_va_ops *const poison = (struct gpuvm_va_ops *)&r->ops;
	struct gpuvm_va_ops *ops = poison;
	bool valid;
	long first, last;
	int ret;

	gen_request(r);
	valid = model_valid(r);
	ret = gpuvm_va_check_range(r->space, r->req.addr, r->req.range);
	CHECK(r, ret == (model_range_ok(r, r->req.addr, r->req.range) ?
			 0 : -EINVAL), "check_range gave %d", ret);
	if (valid) {
		collect_overlaps(r, r->req.addr, r->req.range);
		check_overlaps(r);
	}
	ret = prepare(r, &ops);
	if (!valid) {
		CHECK(r, ret == -EINVAL, "invalid request gave %d", ret);
		CHECK(r, ops == poison, "failed prepare wrote *out");
		r->st.invalid++;
	} else if (r->limit && r->predicted > r->limit) {
		/*
		 * va.h: "-ENOSPC past" max_mappings. That holds for an unmap
		 * that splits a mapping too, though gpuvm_va_unmap_prepare()
		 * does not list -ENOSPC among its errors.
		 */
		CHECK(r, ret == -ENOSPC, "request past the limit gave %d", ret);
		CHECK(r, ops == poison, "failed prepare wrote *out");
		r->st.enospc++;
	} else {
		CHECK(r, ret == 0, "valid request gave %d", ret);
		apply(r, ops);
	}

	/* Pages of the request, if it lies anywhere near the space. */
	first = last = 0;
	if (r->req.addr >= r->start && r->req.addr < space_end(r)) {
		first = page_of(r, r->req.addr);
		last = first + (long)(r->req.range / r->g) + 1;
	}
	check_state(r, first, last, false);
}

/* ------------------------------------------------------------------ */
/* Runs                                                                */

static void run_seed(const struct run_cfg *rc, long steps)
{
	struct gpuvm_va_space_cfg cfg = { 0 };
	struct run *r = calloc(1, sizeof(*r));
	const struct stats *st;
	int ret;

	assert_non_null(r);
	r->seed = rc->seed;
	r->rng = rc->seed;
	r->next_tag = 1;
	r->g = rc->granule;
	r->limit = rc->max_mappings;
	r->dense = rc->dense;
	/* Non-zero, and only granule aligned (not 2 MiB aligned). */
	r->start = 0x100000000ULL + r->g * (1 + rnd(r, 64));
	r->rfirst = 2048 + (long)rnd(r, 1024);
	r->rlast = r->rfirst + 1 + (long)rnd(r, 6);
	r->anchor[0] = 0;
	r->anchor[1] = NPAGES;
	r->anchor[2] = r->rfirst;
	r->anchor[3] = r->rlast;
	r->nanchors = NFIXED_ANCHORS;

	cfg.start = r->start;
	cfg.range = (uint64_t)NPAGES * r->g;
	cfg.reserved_start = page_addr(r, r->rfirst);
	cfg.reserved_range = (uint64_t)(r->rlast - r->rfirst) * r->g;
	cfg.granule = r->g;
	cfg.max_mappings = r->limit;
	ret = gpuvm_va_space_create(&cfg, &r->space);
	assert_int_equal(ret, 0);

	for (r->step = 0; r->step < steps; r->step++)
		step(r);
	check_state(r, 0, 0, true);

	st = &r->st;
	print_message("seed 0x%" PRIx64 " granule 0x%" PRIx64 ": %ld requests: "
		      "maps bo %ld repeat %ld sparse %ld, unmaps %ld (%ld "
		      "empty), invalid %ld, aborted %ld, stale %ld, double "
		      "commits %ld, enospc %ld; ops: unmap %ld remap %ld (%ld "
		      "two-sided) keep %ld; peak %ld mappings\n", r->seed, r->g,
		      steps, st->maps[GPUVM_VA_BO], st->maps[GPUVM_VA_REPEAT],
		      st->maps[GPUVM_VA_SPARSE], st->unmaps, st->empty_unmaps,
		      st->invalid, st->aborted, st->stale, st->double_commits,
		      st->enospc, st->unmap_ops, st->remap_ops, st->remap_both,
		      st->keep_ops, st->max_mappings);
	/* The run must have reached what it claims to test. */
	assert_true(st->maps[GPUVM_VA_BO] > steps / 10);
	assert_true(st->maps[GPUVM_VA_REPEAT] > steps / 20);
	assert_true(st->maps[GPUVM_VA_SPARSE] > steps / 20);
	assert_true(st->unmaps > steps / 10);
	assert_true(st->invalid > steps / 50);
	assert_true(st->empty_unmaps > 0);
	assert_true(st->remap_both > 0);
	assert_true(st->keep_ops > steps / 100);
	assert_true(st->aborted > 0 && st->stale > 0 && st->double_commits > 0);
	if (r->limit) {
		assert_true(st->enospc > steps / 100);
		assert_true(st->max_mappings == (long)r->limit);
	} else {
		assert_int_equal(st->enospc, 0);
	}

	gpuvm_va_space_destroy(r->space);
	free(r);
}

/*
 * Several fixed seeds, each in a space of its own granule (the small one
 * most); one makes only small requests, so that the space holds some
 * 500 mappings (the others peak near 200), and the last has a mapping
 * limit it keeps running into.
 */
static const struct run_cfg runs[] = {
	{ 0x1, 4096, 0, false },
	{ 0x5eed0002, 4096, 0, false },
	{ 0xdeadbeefcafef00dULL, 16384, 0, false },
	{ 0x9e3779b97f4a7c15ULL, 65536, 0, false },
	{ 20240601, 4096, 0, true },
	{ 0x11a11, 4096, 120, false },
};

static void test_run(void **state)
{
	run_seed(*state, STEPS_PER_SEED);
}

int main(void)
{
	/* One cmocka test per run, each given its run_cfg as state. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_run, (void *)&runs[0]),
		cmocka_unit_test_prestate(test_run, (void *)&runs[1]),
		cmocka_unit_test_prestate(test_run, (void *)&runs[2]),
		cmocka_unit_test_prestate(test_run, (void *)&runs[3]),
		cmocka_unit_test_prestate(test_run, (void *)&runs[4]),
		cmocka_unit_test_prestate(test_run, (void *)&runs[5]),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
