// SPDX-License-Identifier: MIT
/*
 * DOC: the split/merge specification of the VA-space manager, as a table
 *
 * Each row of va_cases[] below is one case: the mappings already in the
 * space (old), one or more steps, each a request (a map or an unmap) with
 * the exact op list it must produce and the exact space after its commit,
 * and a drawing of the whole. The rows cover the 15 cases of
 * docs/panthor.md (V8; docs/va.md), their same-BO/other-BO variants,
 * sparse and repeat mappings (phases of split pieces), the keep rules,
 * requests spanning several mappings, unmaps, priv, and max_mappings.
 *
 * Drawings. Page numbers run along the ruler; a mapping is a bar from its
 * first page to its end, |-----|, and mappings that touch share a '|'.
 * Bars may carry a name inside them (a, a' for a piece of a, b, ...);
 * after the bars, "x:o" says BO x is mapped from BO offset o (n and m are
 * two BO offsets far apart, n+1 is one page after n), "r:o/k@p" a repeat
 * mapping of the k-page region of BO r at o, entered at page p of it,
 * "~" a sparse mapping, "f=" the flags. Lines start with a tag:
 *
 *   old:   what is mapped before the first step;
 *   map:   a map request, or
 *   unmap: an unmap request;
 *   new:   the space after that request (no bars: it must not change).
 *
 * The drawing is checked too: the bars of every tagged line must be
 * exactly the pages of the row's data, so a drawing cannot drift from
 * what is tested.
 *
 * For every row the runner (run_case) maps old, checks the space is
 * exactly old, then for each step:
 *  - prepares the request and compares the op list with the row's, op by
 *    op and field by field (type, keep, and every field of va, prev and
 *    next, NULL where the row has none); the va of an UNMAP or REMAP must
 *    be the very object the space holds, that of a MAP a new one;
 *  - proves the comparison can fail: every field of every expected op
 *    and of every expected mapping is changed in turn, and each change
 *    must be reported as a mismatch;
 *  - steps that must fail (-ENOSPC) or are only prepared: *out, or the
 *    space (the same objects, the same values) must stay as they were;
 *  - otherwise prepares a twin list, commits the first (twice: the
 *    second is -EALREADY), and the twin must then be -ESTALE (the
 *    generation guard; an empty list changes nothing, so its twin still
 *    commits); validates after each of these and after each free;
 *  - compares the space with the row's (count, and every mapping in
 *    address order), asks gpuvm_va_find() about every page of the
 *    space, and checks every page that was mapped before and is outside
 *    the request still maps the same BO byte (from the formulas of
 *    docs/va.md, not from gpuvm_va_bo_offset_at()), and every page of a
 *    map request the byte the request asked for.
 * On a mismatch it prints the row's name and drawing and a diff of the
 * op list (or of the space).
 *
 * The tests after the table cover what is not a split: lookup and
 * iteration, the BO link, the op-list lifecycle, the offset formula and
 * gpuvm_va_space_validate() itself.
 */
#include <string.h>

#include "va_test.h"

/* ------------------------------------------------------------------ */
/* Writing rows                                                        */

/* Mappings, in pages: BO x from BO offset o, sparse, repeat. */
#define BO(pg, npg, x, o)                                                  \
	{ .addr = A(pg), .range = P(npg), .kind = GPUVM_VA_BO, .bo = (x),  \
	  .offset = (o) }
#define BOF(pg, npg, x, o, f)                                              \
	{ .addr = A(pg), .range = P(npg), .kind = GPUVM_VA_BO, .bo = (x),  \
	  .offset = (o), .flags = (f) }
#define BOP(pg, npg, x, o, p)                                              \
	{ .addr = A(pg), .range = P(npg), .kind = GPUVM_VA_BO, .bo = (x),  \
	  .offset = (o), .priv = (p) }
#define SP(pg, npg)                                                        \
	{ .addr = A(pg), .range = P(npg), .kind = GPUVM_VA_SPARSE }
/* Region of k pages of BO x at o, entered at page ph of the region. */
#define REP(pg, npg, x, o, k, ph)                                          \
	{ .addr = A(pg), .range = P(npg), .kind = GPUVM_VA_REPEAT,         \
	  .bo = (x), .offset = (o), .repeat = P(k), .phase = P(ph) }
/* No mapping: a REMAP without this piece. */
#define NONE { .range = 0 }

/* Lists end at the first entry of range 0. */
#define MAPS(...) ((const struct gpuvm_va[]){ __VA_ARGS__, NONE })
#define NO_MAPS ((const struct gpuvm_va[]){ NONE })

#define MAP(v) { GPUVM_VA_OP_MAP, false, v, NONE, NONE }
#define UNMAP(v) { GPUVM_VA_OP_UNMAP, false, v, NONE, NONE }
#define UNMAP_KEEP(v) { GPUVM_VA_OP_UNMAP, true, v, NONE, NONE }
#define REMAP(v, prev, next) { GPUVM_VA_OP_REMAP, false, v, prev, next }
#define REMAP_KEEP(v, prev, next) { GPUVM_VA_OP_REMAP, true, v, prev, next }
#define OPS(...) ((const struct want_op[]){ __VA_ARGS__, { .va = NONE } })
#define NO_OPS ((const struct want_op[]){ { .va = NONE } })

/* An unmap request: npg pages from page pg. */
#define PAGES(pg, npg) { A(pg), P(npg) }

/* priv values a driver could have set; named in failure messages. */
static int token, other;

#define MAX_OPS 8
#define MAX_STEPS 8

/* One expected op; a NONE prev or next must be NULL. */
struct want_op {
	enum gpuvm_va_op_type type;
	bool keep;
	struct gpuvm_va va, prev, next;
};

struct va_range {
	uint64_t addr, range;
};

/*
 * One request: .map, or .unmap (range > 0). err: what prepare must
 * return (0 or -ENOSPC); dry: the list is freed without a commit. ops:
 * the exact list (not for err); now: the space after the commit (only
 * when the step commits; otherwise the space must not change).
 */
struct va_step {
	struct gpuvm_va map;
	struct va_range unmap;
	int err;
	bool dry;
	const struct want_op *ops;
	const struct gpuvm_va *now;
};

struct va_case {
	const char *name;
	const char *drawing;
	uint64_t max_mappings;  /* 0: no limit */
	uint64_t pages;         /* size of the space; 0: SPACE_PAGES */
	const struct gpuvm_va *old; /* mapped in this order, priv set after */
	struct va_step step[MAX_STEPS]; /* up to the first empty one */
};

/* ------------------------------------------------------------------ */
/* The table                                                           */

static const struct va_case va_cases[] = {
	/* The 15 documented cases: one mapping, one request. */
	{
		.name = "1) identical, same BO and offset: keep",
		.drawing =
			"       0     1     2\n"
			"old:   |-----a-----|   a:n\n"
			"map:   |-----a-----|   a:n\n"
			"new:   |-----a-----|   a:n\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(0, 2, BO_A, N),
			.ops = OPS(UNMAP_KEEP(BO(0, 2, BO_A, N)),
				   MAP(BO(0, 2, BO_A, N))),
			.now = MAPS(BO(0, 2, BO_A, N)),
		} },
	},
	{
		.name = "2) identical, other offset",
		.drawing =
			"       0     1     2\n"
			"old:   |-----a-----|   a:n\n"
			"map:   |-----a-----|   a:m\n"
			"new:   |-----a-----|   a:m\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(0, 2, BO_A, M),
			.ops = OPS(UNMAP(BO(0, 2, BO_A, N)),
				   MAP(BO(0, 2, BO_A, M))),
			.now = MAPS(BO(0, 2, BO_A, M)),
		} },
	},
	{
		.name = "3) identical, other BO (the same offset does not "
			"matter)",
		.drawing =
			"       0     1     2\n"
			"old:   |-----a-----|   a:n\n"
			"map:   |-----b-----|   b:n\n"
			"new:   |-----b-----|   b:n\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(0, 2, BO_B, N),
			.ops = OPS(UNMAP(BO(0, 2, BO_A, N)),
				   MAP(BO(0, 2, BO_B, N))),
			.now = MAPS(BO(0, 2, BO_B, N)),
		} },
	},
	{
		.name = "4) old is a left-aligned subset of req, same BO: keep",
		.drawing =
			"       0     1     2\n"
			"old:   |--a--|         a:n\n"
			"map:   |-----a-----|   a:n\n"
			"new:   |-----a-----|   a:n\n",
		.old = MAPS(BO(0, 1, BO_A, N)),
		.step = { {
			.map = BO(0, 2, BO_A, N),
			.ops = OPS(UNMAP_KEEP(BO(0, 1, BO_A, N)),
				   MAP(BO(0, 2, BO_A, N))),
			.now = MAPS(BO(0, 2, BO_A, N)),
		} },
	},
	{
		.name = "4b) old is a left-aligned subset of req, other BO",
		.drawing =
			"       0     1     2\n"
			"old:   |--a--|         a:n\n"
			"map:   |-----b-----|   b:n\n"
			"new:   |-----b-----|   b:n\n",
		.old = MAPS(BO(0, 1, BO_A, N)),
		.step = { {
			.map = BO(0, 2, BO_B, N),
			.ops = OPS(UNMAP(BO(0, 1, BO_A, N)),
				   MAP(BO(0, 2, BO_B, N))),
			.now = MAPS(BO(0, 2, BO_B, N)),
		} },
	},
	{
		.name = "5) req is a left-aligned subset of old, other BO",
		.drawing =
			"       0     1     2\n"
			"old:   |-----a-----|   a:n\n"
			"map:   |--b--|         b:m\n"
			"new:   |--b--|--a'-|   b:m a':n+1\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(0, 1, BO_B, M),
			.ops = OPS(REMAP(BO(0, 2, BO_A, N), NONE,
					 BO(1, 1, BO_A, N + P(1))),
				   MAP(BO(0, 1, BO_B, M))),
			.now = MAPS(BO(0, 1, BO_B, M),
				    BO(1, 1, BO_A, N + P(1))),
		} },
	},
	{
		.name = "6) req is a left-aligned subset of old, same BO: keep",
		.drawing =
			"       0     1     2\n"
			"old:   |-----a-----|   a:n\n"
			"map:   |--a--|         a:n\n"
			"new:   |--a--|--a'-|   a:n a':n+1\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(0, 1, BO_A, N),
			.ops = OPS(REMAP_KEEP(BO(0, 2, BO_A, N), NONE,
					      BO(1, 1, BO_A, N + P(1))),
				   MAP(BO(0, 1, BO_A, N))),
			.now = MAPS(BO(0, 1, BO_A, N),
				    BO(1, 1, BO_A, N + P(1))),
		} },
	},
	{
		.name = "7) req is a right-aligned subset of old, other BO",
		.drawing =
			"       0     1     2\n"
			"old:   |-----a-----|   a:n\n"
			"map:         |--b--|   b:m\n"
			"new:   |--a'-|--b--|   a':n b:m\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(1, 1, BO_B, M),
			.ops = OPS(REMAP(BO(0, 2, BO_A, N),
					 BO(0, 1, BO_A, N), NONE),
				   MAP(BO(1, 1, BO_B, M))),
			.now = MAPS(BO(0, 1, BO_A, N), BO(1, 1, BO_B, M)),
		} },
	},
	{
		.name = "8) req is a right-aligned subset of old, same BO at "
			"the contiguous offset: keep",
		.drawing =
			"       0     1     2\n"
			"old:   |-----a-----|   a:n\n"
			"map:         |--a--|   a:n+1\n"
			"new:   |--a'-|--a--|   a':n a:n+1\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(1, 1, BO_A, N + P(1)),
			.ops = OPS(REMAP_KEEP(BO(0, 2, BO_A, N),
					      BO(0, 1, BO_A, N), NONE),
				   MAP(BO(1, 1, BO_A, N + P(1)))),
			.now = MAPS(BO(0, 1, BO_A, N),
				    BO(1, 1, BO_A, N + P(1))),
		} },
	},
	{
		.name = "9) req overlaps old's end, other BO",
		.drawing =
			"       0     1     2     3\n"
			"old:   |-----a-----|         a:n\n"
			"map:         |-----b-----|   b:m\n"
			"new:   |--a'-|-----b-----|   a':n b:m\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(1, 2, BO_B, M),
			.ops = OPS(REMAP(BO(0, 2, BO_A, N),
					 BO(0, 1, BO_A, N), NONE),
				   MAP(BO(1, 2, BO_B, M))),
			.now = MAPS(BO(0, 1, BO_A, N), BO(1, 2, BO_B, M)),
		} },
	},
	{
		.name = "10) req overlaps old's end, same BO contiguous: keep",
		.drawing =
			"       0     1     2     3\n"
			"old:   |-----a-----|         a:n\n"
			"map:         |-----a-----|   a:n+1\n"
			"new:   |--a'-|-----a-----|   a':n a:n+1\n",
		.old = MAPS(BO(0, 2, BO_A, N)),
		.step = { {
			.map = BO(1, 2, BO_A, N + P(1)),
			.ops = OPS(REMAP_KEEP(BO(0, 2, BO_A, N),
					      BO(0, 1, BO_A, N), NONE),
				   MAP(BO(1, 2, BO_A, N + P(1)))),
			.now = MAPS(BO(0, 1, BO_A, N),
				    BO(1, 2, BO_A, N + P(1))),
		} },
	},
	{
		.name = "11) req is a centred subset of old, other BO",
		.drawing =
			"       0     1     2     3\n"
			"old:   |--------a--------|   a:n\n"
			"map:         |--b--|         b:m\n"
			"new:   |--a'-|--b--|-a''-|   a':n b:m a'':n+2\n",
		.old = MAPS(BO(0, 3, BO_A, N)),
		.step = { {
			.map = BO(1, 1, BO_B, M),
			.ops = OPS(REMAP(BO(0, 3, BO_A, N), BO(0, 1, BO_A, N),
					 BO(2, 1, BO_A, N + P(2))),
				   MAP(BO(1, 1, BO_B, M))),
			.now = MAPS(BO(0, 1, BO_A, N), BO(1, 1, BO_B, M),
				    BO(2, 1, BO_A, N + P(2))),
		} },
	},
	{
		.name = "12) req is a centred subset of old, same BO "
			"contiguous: keep",
		.drawing =
			"       0     1     2     3\n"
			"old:   |--------a--------|   a:n\n"
			"map:         |--a--|         a:n+1\n"
			"new:   |--a'-|--a--|-a''-|   a':n a:n+1 a'':n+2\n",
		.old = MAPS(BO(0, 3, BO_A, N)),
		.step = { {
			.map = BO(1, 1, BO_A, N + P(1)),
			.ops = OPS(REMAP_KEEP(BO(0, 3, BO_A, N),
					      BO(0, 1, BO_A, N),
					      BO(2, 1, BO_A, N + P(2))),
				   MAP(BO(1, 1, BO_A, N + P(1)))),
			.now = MAPS(BO(0, 1, BO_A, N), BO(1, 1, BO_A, N + P(1)),
				    BO(2, 1, BO_A, N + P(2))),
		} },
	},
	{
		.name = "13) old is a right-aligned subset of req, "
			"contiguous: keep",
		.drawing =
			"       0     1     2\n"
			"old:         |--a--|   a:n+1\n"
			"map:   |-----a-----|   a:n\n"
			"new:   |-----a-----|   a:n\n",
		.old = MAPS(BO(1, 1, BO_A, N + P(1))),
		.step = { {
			.map = BO(0, 2, BO_A, N),
			.ops = OPS(UNMAP_KEEP(BO(1, 1, BO_A, N + P(1))),
				   MAP(BO(0, 2, BO_A, N))),
			.now = MAPS(BO(0, 2, BO_A, N)),
		} },
	},
	{
		/*
		 * Old holds n at page 1, where req wants n+1: comparing the
		 * offsets at req's start instead of old's would keep.
		 */
		.name = "13b) old is a right-aligned subset of req, "
			"not contiguous",
		.drawing =
			"       0     1     2\n"
			"old:         |--a--|   a:n\n"
			"map:   |-----a-----|   a:n\n"
			"new:   |-----a-----|   a:n\n",
		.old = MAPS(BO(1, 1, BO_A, N)),
		.step = { {
			.map = BO(0, 2, BO_A, N),
			.ops = OPS(UNMAP(BO(1, 1, BO_A, N)),
				   MAP(BO(0, 2, BO_A, N))),
			.now = MAPS(BO(0, 2, BO_A, N)),
		} },
	},
	{
		.name = "14) old is a centred subset of req, contiguous: keep",
		.drawing =
			"       0     1     2     3\n"
			"old:         |--a--|         a:n+1\n"
			"map:   |--------a--------|   a:n\n"
			"new:   |--------a--------|   a:n\n",
		.old = MAPS(BO(1, 1, BO_A, N + P(1))),
		.step = { {
			.map = BO(0, 3, BO_A, N),
			.ops = OPS(UNMAP_KEEP(BO(1, 1, BO_A, N + P(1))),
				   MAP(BO(0, 3, BO_A, N))),
			.now = MAPS(BO(0, 3, BO_A, N)),
		} },
	},
	{
		.name = "14b) old is a centred subset of req, other BO",
		.drawing =
			"       0     1     2     3\n"
			"old:         |--a--|         a:n+1\n"
			"map:   |--------b--------|   b:n\n"
			"new:   |--------b--------|   b:n\n",
		.old = MAPS(BO(1, 1, BO_A, N + P(1))),
		.step = { {
			.map = BO(0, 3, BO_B, N),
			.ops = OPS(UNMAP(BO(1, 1, BO_A, N + P(1))),
				   MAP(BO(0, 3, BO_B, N))),
			.now = MAPS(BO(0, 3, BO_B, N)),
		} },
	},
	{
		.name = "15) req overlaps old's beginning, other BO",
		.drawing =
			"       0     1     2     3\n"
			"old:         |-----a-----|   a:n\n"
			"map:   |-----b-----|         b:m\n"
			"new:   |-----b-----|--a'-|   b:m a':n+1\n",
		.old = MAPS(BO(1, 2, BO_A, N)),
		.step = { {
			.map = BO(0, 2, BO_B, M),
			.ops = OPS(REMAP(BO(1, 2, BO_A, N), NONE,
					 BO(2, 1, BO_A, N + P(1))),
				   MAP(BO(0, 2, BO_B, M))),
			.now = MAPS(BO(0, 2, BO_B, M),
				    BO(2, 1, BO_A, N + P(1))),
		} },
	},
	{
		.name = "15b) req overlaps old's beginning, same BO "
			"contiguous (page 1 is n in both): keep",
		.drawing =
			"       0     1     2     3\n"
			"old:         |-----a-----|   a:n\n"
			"map:   |-----a-----|         a:n-1\n"
			"new:   |-----a-----|--a'-|   a:n-1 a':n+1\n",
		.old = MAPS(BO(1, 2, BO_A, N)),
		.step = { {
			.map = BO(0, 2, BO_A, N - P(1)),
			.ops = OPS(REMAP_KEEP(BO(1, 2, BO_A, N), NONE,
					      BO(2, 1, BO_A, N + P(1))),
				   MAP(BO(0, 2, BO_A, N - P(1)))),
			.now = MAPS(BO(0, 2, BO_A, N - P(1)),
				    BO(2, 1, BO_A, N + P(1))),
		} },
	},

	/* BO bytes and repeat phases of the pieces. */
	{
		.name = "a BO mapping cut by a request: each surviving page "
			"keeps its byte",
		.drawing =
			"       4       8       12      16      20\n"
			"old:   |---------------a---------------|   a:n\n"
			"map:                 |---b---|             b:m\n"
			"new:   |-----a'------|---b---|---a''---|\n"
			"       a':n b:m a'':n+11\n",
		.old = MAPS(BO(4, 16, BO_A, N)),
		.step = { {
			.map = BO(11, 4, BO_B, M),
			.ops = OPS(REMAP(BO(4, 16, BO_A, N), BO(4, 7, BO_A, N),
					 BO(15, 5, BO_A, N + P(11))),
				   MAP(BO(11, 4, BO_B, M))),
			.now = MAPS(BO(4, 7, BO_A, N), BO(11, 4, BO_B, M),
				    BO(15, 5, BO_A, N + P(11))),
		} },
	},
	{
		/*
		 * Neither cut is a multiple of the region: keeping the old
		 * phase on the right piece (the upstream draft) would shift
		 * the pattern. Right piece: (1 + 11) % 3 = 0.
		 */
		.name = "a repeat mapping split around a request: the right "
			"piece's phase follows the cut",
		.drawing =
			"       4       8       12      16      20\n"
			"old:   |---------------r---------------|\n"
			"       r:0x20/3@1\n"
			"map:                 |---b---|             b:m\n"
			"new:   |------r------|---b---|----r----|\n"
			"       r@1 b:m r@0\n",
		.old = MAPS(REP(4, 16, BO_R, P(0x20), 3, 1)),
		.step = { {
			.map = BO(11, 4, BO_B, M),
			.ops = OPS(REMAP(REP(4, 16, BO_R, P(0x20), 3, 1),
					 REP(4, 7, BO_R, P(0x20), 3, 1),
					 REP(15, 5, BO_R, P(0x20), 3, 0)),
				   MAP(BO(11, 4, BO_B, M))),
			.now = MAPS(REP(4, 7, BO_R, P(0x20), 3, 1),
				    BO(11, 4, BO_B, M),
				    REP(15, 5, BO_R, P(0x20), 3, 0)),
		} },
	},
	{
		/*
		 * The middle piece [12, 20) is cut again, so its phase must
		 * compose: (2 + 8) % 3 = 1, then (1 + 4) % 3 = 2.
		 */
		.name = "a repeat mapping cut twice by unmaps: phases compose",
		.drawing =
			"       4       8       12      16      20\n"
			"old:   |---------------r---------------|\n"
			"       r:0x20/3@2\n"
			"unmap:               |-|\n"
			"new:   |------r------| |-------r-------|   r@2 r@1\n"
			"unmap:                       |-|\n"
			"new:   |------r------| |--r--| |---r---|\n"
			"       r@2 r@1 r@2\n",
		.old = MAPS(REP(4, 16, BO_R, P(0x20), 3, 2)),
		.step = { {
			.unmap = PAGES(11, 1),
			.ops = OPS(REMAP(REP(4, 16, BO_R, P(0x20), 3, 2),
					 REP(4, 7, BO_R, P(0x20), 3, 2),
					 REP(12, 8, BO_R, P(0x20), 3, 1))),
			.now = MAPS(REP(4, 7, BO_R, P(0x20), 3, 2),
				    REP(12, 8, BO_R, P(0x20), 3, 1)),
		}, {
			.unmap = PAGES(15, 1),
			.ops = OPS(REMAP(REP(12, 8, BO_R, P(0x20), 3, 1),
					 REP(12, 3, BO_R, P(0x20), 3, 1),
					 REP(16, 4, BO_R, P(0x20), 3, 2))),
			.now = MAPS(REP(4, 7, BO_R, P(0x20), 3, 2),
				    REP(12, 3, BO_R, P(0x20), 3, 1),
				    REP(16, 4, BO_R, P(0x20), 3, 2)),
		} },
	},
	{
		.name = "a repeat region larger than the piece left over: "
			"phase (0 + 7) % 5 = 2",
		.drawing =
			"       0   1   2   3   4   5   6   7   8   9\n"
			"old:   |-----------------r-----------------|\n"
			"       r:0x30/5@0\n"
			"unmap:             |---------------|\n"
			"new:   |-----r-----|               |---r---|\n"
			"       r@0 r@2\n",
		.old = MAPS(REP(0, 9, BO_R, P(0x30), 5, 0)),
		.step = { {
			.unmap = PAGES(3, 4),
			.ops = OPS(REMAP(REP(0, 9, BO_R, P(0x30), 5, 0),
					 REP(0, 3, BO_R, P(0x30), 5, 0),
					 REP(7, 2, BO_R, P(0x30), 5, 2))),
			.now = MAPS(REP(0, 3, BO_R, P(0x30), 5, 0),
				    REP(7, 2, BO_R, P(0x30), 5, 2)),
		} },
	},

	/* Sparse: pieces stay sparse (bo = offset = 0), never keep. */
	{
		.name = "sparse cut in the middle by an unmap: two sparse "
			"pieces",
		.drawing =
			"       0     1     2     3     4\n"
			"old:   |~~~~~~~~~~~~~~~~~~~~~~~|\n"
			"unmap:       |-----|\n"
			"new:   |~~~~~|     |~~~~~~~~~~~|\n",
		.old = MAPS(SP(0, 4)),
		.step = { {
			.unmap = PAGES(1, 1),
			.ops = OPS(REMAP(SP(0, 4), SP(0, 1), SP(2, 2))),
			.now = MAPS(SP(0, 1), SP(2, 2)),
		} },
	},
	{
		.name = "sparse cut by a BO map: the pieces stay sparse",
		.drawing =
			"       0     1     2     3     4\n"
			"old:   |~~~~~~~~~~~~~~~~~~~~~~~|\n"
			"map:         |-----a-----|         a:n\n"
			"new:   |~~~~~|-----a-----|~~~~~|   a:n\n",
		.old = MAPS(SP(0, 4)),
		.step = { {
			.map = BO(1, 2, BO_A, N),
			.ops = OPS(REMAP(SP(0, 4), SP(0, 1), SP(3, 1)),
				   MAP(BO(1, 2, BO_A, N))),
			.now = MAPS(SP(0, 1), BO(1, 2, BO_A, N), SP(3, 1)),
		} },
	},
	{
		.name = "sparse over identical sparse never keeps",
		.drawing =
			"       0     1     2\n"
			"old:   |~~~~~~~~~~~|\n"
			"map:   |~~~~~~~~~~~|\n"
			"new:   |~~~~~~~~~~~|\n",
		.old = MAPS(SP(0, 2)),
		.step = { {
			.map = SP(0, 2),
			.ops = OPS(UNMAP(SP(0, 2)), MAP(SP(0, 2))),
			.now = MAPS(SP(0, 2)),
		} },
	},
	{
		.name = "sparse inside sparse: REMAP, still no keep",
		.drawing =
			"       0     1     2     3     4\n"
			"old:   |~~~~~~~~~~~~~~~~~~~~~~~|\n"
			"map:         |~~~~~~~~~~~|\n"
			"new:   |~~~~~|~~~~~~~~~~~|~~~~~|\n",
		.old = MAPS(SP(0, 4)),
		.step = { {
			.map = SP(1, 2),
			.ops = OPS(REMAP(SP(0, 4), SP(0, 1), SP(3, 1)),
				   MAP(SP(1, 2))),
			.now = MAPS(SP(0, 1), SP(1, 2), SP(3, 1)),
		} },
	},

	/* Keep needs the same kind, BO, flags and byte. */
	{
		.name = "same BO and offset, other flags: no keep",
		.drawing =
			"       0     1     2\n"
			"old:   |-----a-----|   a:n f=1\n"
			"map:   |-----a-----|   a:n f=3\n"
			"new:   |-----a-----|   a:n f=3\n",
		.old = MAPS(BOF(0, 2, BO_A, N, 1)),
		.step = { {
			.map = BOF(0, 2, BO_A, N, 3),
			.ops = OPS(UNMAP(BOF(0, 2, BO_A, N, 1)),
				   MAP(BOF(0, 2, BO_A, N, 3))),
			.now = MAPS(BOF(0, 2, BO_A, N, 3)),
		} },
	},
	{
		.name = "case 12 with other flags: no keep, the pieces keep "
			"the old flags",
		.drawing =
			"       0     1     2     3\n"
			"old:   |--------a--------|   a:n f=1\n"
			"map:         |--a--|         a:n+1 f=2\n"
			"new:   |--a'-|--a--|-a''-|   f=1 f=2 f=1\n",
		.old = MAPS(BOF(0, 3, BO_A, N, 1)),
		.step = { {
			.map = BOF(1, 1, BO_A, N + P(1), 2),
			.ops = OPS(REMAP(BOF(0, 3, BO_A, N, 1),
					 BOF(0, 1, BO_A, N, 1),
					 BOF(2, 1, BO_A, N + P(2), 1)),
				   MAP(BOF(1, 1, BO_A, N + P(1), 2))),
			.now = MAPS(BOF(0, 1, BO_A, N, 1),
				    BOF(1, 1, BO_A, N + P(1), 2),
				    BOF(2, 1, BO_A, N + P(2), 1)),
		} },
	},
	{
		/* The region is the whole mapping: every page agrees. */
		.name = "repeat over BO never keeps, even byte for byte",
		.drawing =
			"       0     1     2     3     4\n"
			"old:   |-----------a-----------|   a:n\n"
			"map:   |-----------a-----------|   a:n/4@0\n"
			"new:   |-----------a-----------|   a:n/4@0\n",
		.old = MAPS(BO(0, 4, BO_A, N)),
		.step = { {
			.map = REP(0, 4, BO_A, N, 4, 0),
			.ops = OPS(UNMAP(BO(0, 4, BO_A, N)),
				   MAP(REP(0, 4, BO_A, N, 4, 0))),
			.now = MAPS(REP(0, 4, BO_A, N, 4, 0)),
		} },
	},
	{
		.name = "BO over repeat, agreeing on the first page, never "
			"keeps",
		.drawing =
			"       0     1     2     3     4\n"
			"old:   |-----------a-----------|   a:n/2@0\n"
			"map:   |--a--|                     a:n\n"
			"new:   |--a--|--------a'-------|   a:n a':n/2@1\n",
		.old = MAPS(REP(0, 4, BO_A, N, 2, 0)),
		.step = { {
			.map = BO(0, 1, BO_A, N),
			.ops = OPS(REMAP(REP(0, 4, BO_A, N, 2, 0), NONE,
					 REP(1, 3, BO_A, N, 2, 1)),
				   MAP(BO(0, 1, BO_A, N))),
			.now = MAPS(BO(0, 1, BO_A, N),
				    REP(1, 3, BO_A, N, 2, 1)),
		} },
	},
	{
		/* At page 2 old is at (1 + 2) % 3 = 0, as req is. */
		.name = "repeat over repeat in step: keep",
		.drawing =
			"       0     1     2     3     4     5     6\n"
			"old:   |-----------------r-----------------|   r@1\n"
			"map:               |--------r--------|         r@0\n"
			"new:   |-----r-----|--------r--------|--r--|   "
			"r@1 r@0 r@0\n"
			"       (r:0x20/3 throughout)\n",
		.old = MAPS(REP(0, 6, BO_R, P(0x20), 3, 1)),
		.step = { {
			.map = REP(2, 3, BO_R, P(0x20), 3, 0),
			.ops = OPS(REMAP_KEEP(REP(0, 6, BO_R, P(0x20), 3, 1),
					      REP(0, 2, BO_R, P(0x20), 3, 1),
					      REP(5, 1, BO_R, P(0x20), 3, 0)),
				   MAP(REP(2, 3, BO_R, P(0x20), 3, 0))),
			.now = MAPS(REP(0, 2, BO_R, P(0x20), 3, 1),
				    REP(2, 3, BO_R, P(0x20), 3, 0),
				    REP(5, 1, BO_R, P(0x20), 3, 0)),
		} },
	},
	{
		.name = "repeat over repeat out of step: no keep",
		.drawing =
			"       0     1     2     3     4     5     6\n"
			"old:   |-----------------r-----------------|   r@1\n"
			"map:               |--------r--------|         r@1\n"
			"new:   |-----r-----|--------r--------|--r--|   "
			"r@1 r@1 r@0\n"
			"       (r:0x20/3 throughout)\n",
		.old = MAPS(REP(0, 6, BO_R, P(0x20), 3, 1)),
		.step = { {
			.map = REP(2, 3, BO_R, P(0x20), 3, 1),
			.ops = OPS(REMAP(REP(0, 6, BO_R, P(0x20), 3, 1),
					 REP(0, 2, BO_R, P(0x20), 3, 1),
					 REP(5, 1, BO_R, P(0x20), 3, 0)),
				   MAP(REP(2, 3, BO_R, P(0x20), 3, 1))),
			.now = MAPS(REP(0, 2, BO_R, P(0x20), 3, 1),
				    REP(2, 3, BO_R, P(0x20), 3, 1),
				    REP(5, 1, BO_R, P(0x20), 3, 0)),
		} },
	},
	{
		/*
		 * Case 14 with repeats: old starts inside req, so they are
		 * compared at page 2. Phase 0 puts region page 2 there, old
		 * region page 0: no keep (only prepared). Phase 1 puts
		 * (1 + 2) % 3 = 0 there: keep. Comparing at req's start
		 * would evaluate old before its own start.
		 */
		.name = "repeat old inside a repeat req: compared where old "
			"starts",
		.drawing =
			"       0     1     2     3     4\n"
			"old:               |--r--|         r@0\n"
			"map:   |-----------r-----------|   r@0 (dry)\n"
			"new:   unchanged\n"
			"map:   |-----------r-----------|   r@1\n"
			"new:   |-----------r-----------|   r@1\n"
			"       (r:0x20/3 throughout)\n",
		.old = MAPS(REP(2, 1, BO_R, P(0x20), 3, 0)),
		.step = { {
			.map = REP(0, 4, BO_R, P(0x20), 3, 0),
			.dry = true,
			.ops = OPS(UNMAP(REP(2, 1, BO_R, P(0x20), 3, 0)),
				   MAP(REP(0, 4, BO_R, P(0x20), 3, 0))),
		}, {
			.map = REP(0, 4, BO_R, P(0x20), 3, 1),
			.ops = OPS(UNMAP_KEEP(REP(2, 1, BO_R, P(0x20), 3, 0)),
				   MAP(REP(0, 4, BO_R, P(0x20), 3, 1))),
			.now = MAPS(REP(0, 4, BO_R, P(0x20), 3, 1)),
		} },
	},
	{
		/* Other region sizes or offsets agree on page 0 only. */
		.name = "identical repeat re-maps keep only with the same "
			"region and phase",
		.drawing =
			"       0     1     2     3     4     5     6\n"
			"old:   |-----------------r-----------------|   "
			"r:0x20/3@1\n"
			"map:   |-----------------r-----------------|   "
			"r:0x20/3@1 (dry)\n"
			"new:   unchanged\n"
			"map:   |-----------------r-----------------|   "
			"r:0x20/4@1 (dry)\n"
			"new:   unchanged\n"
			"map:   |-----------------r-----------------|   "
			"r:0x21/3@0 (dry)\n"
			"new:   unchanged\n",
		.old = MAPS(REP(0, 6, BO_R, P(0x20), 3, 1)),
		.step = { {
			.map = REP(0, 6, BO_R, P(0x20), 3, 1),
			.dry = true,
			.ops = OPS(UNMAP_KEEP(REP(0, 6, BO_R, P(0x20), 3, 1)),
				   MAP(REP(0, 6, BO_R, P(0x20), 3, 1))),
		}, {
			.map = REP(0, 6, BO_R, P(0x20), 4, 1),
			.dry = true,
			.ops = OPS(UNMAP(REP(0, 6, BO_R, P(0x20), 3, 1)),
				   MAP(REP(0, 6, BO_R, P(0x20), 4, 1))),
		}, {
			.map = REP(0, 6, BO_R, P(0x21), 3, 0),
			.dry = true,
			.ops = OPS(UNMAP(REP(0, 6, BO_R, P(0x20), 3, 1)),
				   MAP(REP(0, 6, BO_R, P(0x21), 3, 0))),
		} },
	},

	/* Requests touching several mappings. */
	{
		.name = "a map over four mappings of all kinds: REMAP, UNMAP, "
			"UNMAP, REMAP, then MAP",
		.drawing =
			"       0   1   2   3   4   5   6   7   8   9   10\n"
			"old:   |---a---|   |-b-|   |~~~~~~~|   |---r---|"
			"   a:n b:m r:0x20/3@2\n"
			"map:       |---------------c---------------|    "
			"   c:0x100\n"
			"new:   |-a'|---------------c---------------|r'-|"
			"   a':n c:0x100 r':0x20/3@0\n",
		.old = MAPS(BO(0, 2, BO_A, N), BO(3, 1, BO_B, M), SP(5, 2),
			    REP(8, 2, BO_R, P(0x20), 3, 2)),
		.step = { {
			.map = BO(1, 8, BO_C, P(0x100)),
			.ops = OPS(REMAP(BO(0, 2, BO_A, N), BO(0, 1, BO_A, N),
					 NONE),
				   UNMAP(BO(3, 1, BO_B, M)),
				   UNMAP(SP(5, 2)),
				   REMAP(REP(8, 2, BO_R, P(0x20), 3, 2), NONE,
					 REP(9, 1, BO_R, P(0x20), 3, 0)),
				   MAP(BO(1, 8, BO_C, P(0x100)))),
			.now = MAPS(BO(0, 1, BO_A, N),
				    BO(1, 8, BO_C, P(0x100)),
				    REP(9, 1, BO_R, P(0x20), 3, 0)),
		} },
	},
	{
		.name = "keep is decided per op",
		.drawing =
			"       0   1   2   3   4   5   6\n"
			"old:   |---a---|---a---|---a---|   a:n a:m a:n+4\n"
			"map:       |-------a-------|       a:n+1\n"
			"new:   |-a'|-------a-------|a''|\n"
			"       a':n a:n+1 a'':n+5\n"
			"       (keep, no keep, keep)\n",
		.old = MAPS(BO(0, 2, BO_A, N), BO(2, 2, BO_A, M),
			    BO(4, 2, BO_A, N + P(4))),
		.step = { {
			.map = BO(1, 4, BO_A, N + P(1)),
			.ops = OPS(REMAP_KEEP(BO(0, 2, BO_A, N),
					      BO(0, 1, BO_A, N), NONE),
				   UNMAP(BO(2, 2, BO_A, M)),
				   REMAP_KEEP(BO(4, 2, BO_A, N + P(4)), NONE,
					      BO(5, 1, BO_A, N + P(5))),
				   MAP(BO(1, 4, BO_A, N + P(1)))),
			.now = MAPS(BO(0, 1, BO_A, N), BO(1, 4, BO_A, N + P(1)),
				    BO(5, 1, BO_A, N + P(5))),
		} },
	},
	{
		.name = "a map whose ends fall in gaps: only UNMAPs; touching "
			"neighbours stay",
		.drawing =
			"       0   1   2   3   4   5   6   7   8   9\n"
			"old:   |---a---|   |-b-|   |~~~|   |---c---|"
			"   a:n b:m c:0\n"
			"map:           |-------c-----------|        "
			"   c:0x200\n"
			"new:   |---a---|-------c-----------|---c---|"
			"   a:n c:0x200 c:0\n",
		.old = MAPS(BO(0, 2, BO_A, N), BO(3, 1, BO_B, M), SP(5, 1),
			    BO(7, 2, BO_C, 0)),
		.step = { {
			.map = BO(2, 5, BO_C, P(0x200)),
			.ops = OPS(UNMAP(BO(3, 1, BO_B, M)), UNMAP(SP(5, 1)),
				   MAP(BO(2, 5, BO_C, P(0x200)))),
			.now = MAPS(BO(0, 2, BO_A, N),
				    BO(2, 5, BO_C, P(0x200)),
				    BO(7, 2, BO_C, 0)),
		} },
	},
	{
		.name = "a map into a gap: a lone MAP",
		.drawing =
			"       0   1   2   3   4   5   6\n"
			"old:   |---a---|       |---b---|   a:n b:m\n"
			"map:           |---c---|           c:0\n"
			"new:   |---a---|---c---|---b---|   a:n c:0 b:m\n",
		.old = MAPS(BO(0, 2, BO_A, N), BO(4, 2, BO_B, M)),
		.step = { {
			.map = BO(2, 2, BO_C, 0),
			.ops = OPS(MAP(BO(2, 2, BO_C, 0))),
			.now = MAPS(BO(0, 2, BO_A, N), BO(2, 2, BO_C, 0),
				    BO(4, 2, BO_B, M)),
		} },
	},

	/* Unmaps: nothing to keep, no MAP. */
	{
		.name = "unmap exactly one mapping: UNMAP without keep",
		.drawing =
			"       0     1     2     3     4     5\n"
			"old:               |--------a--------|   a:n\n"
			"unmap:             |-----------------|\n"
			"new:   (empty)\n",
		.old = MAPS(BO(2, 3, BO_A, N)),
		.step = { {
			.unmap = PAGES(2, 3),
			.ops = OPS(UNMAP(BO(2, 3, BO_A, N))),
			.now = NO_MAPS,
		} },
	},
	{
		.name = "unmaps cutting on the left, the right and in the "
			"middle: REMAPs without keep",
		.drawing =
			"       0   1   2   3   4   5   6   7   8\n"
			"old:   |---------------a---------------|   a:n\n"
			"unmap: |---|\n"
			"new:       |-------------a-------------|   a:n+1\n"
			"unmap:                             |---|\n"
			"new:       |-----------a-----------|       a:n+1\n"
			"unmap:             |---|\n"
			"new:       |---a---|   |-----a-----|\n"
			"       a:n+1 a:n+4\n",
		.old = MAPS(BO(0, 8, BO_A, N)),
		.step = { {
			.unmap = PAGES(0, 1),
			.ops = OPS(REMAP(BO(0, 8, BO_A, N), NONE,
					 BO(1, 7, BO_A, N + P(1)))),
			.now = MAPS(BO(1, 7, BO_A, N + P(1))),
		}, {
			.unmap = PAGES(7, 1),
			.ops = OPS(REMAP(BO(1, 7, BO_A, N + P(1)),
					 BO(1, 6, BO_A, N + P(1)), NONE)),
			.now = MAPS(BO(1, 6, BO_A, N + P(1))),
		}, {
			.unmap = PAGES(3, 1),
			.ops = OPS(REMAP(BO(1, 6, BO_A, N + P(1)),
					 BO(1, 2, BO_A, N + P(1)),
					 BO(4, 3, BO_A, N + P(4)))),
			.now = MAPS(BO(1, 2, BO_A, N + P(1)),
				    BO(4, 3, BO_A, N + P(4))),
		} },
	},
	{
		.name = "an unmap across several mappings: REMAP, UNMAP, REMAP",
		.drawing =
			"       0   1   2   3   4   5   6   7   8   9\n"
			"old:   |---a---|~~~~~~~|   |-------r-------|"
			"   a:n r:0/3@0\n"
			"unmap:     |-----------------------|\n"
			"new:   |-a'|                       |--r'---|"
			"   a':n r':0/3@2\n",
		.old = MAPS(BO(0, 2, BO_A, N), SP(2, 2),
			    REP(5, 4, BO_R, 0, 3, 0)),
		.step = { {
			.unmap = PAGES(1, 6),
			.ops = OPS(REMAP(BO(0, 2, BO_A, N), BO(0, 1, BO_A, N),
					 NONE),
				   UNMAP(SP(2, 2)),
				   REMAP(REP(5, 4, BO_R, 0, 3, 0), NONE,
					 REP(7, 2, BO_R, 0, 3, 2))),
			.now = MAPS(BO(0, 1, BO_A, N),
				    REP(7, 2, BO_R, 0, 3, 2)),
		} },
	},
	{
		/* A 16-page space, so that "all of it" can be drawn. */
		.name = "unmapping nothing gives an empty list; so does all "
			"of an emptied space",
		.pages = 16,
		.drawing =
			"       0       4       8       12      16\n"
			"old:   |-a-|     |-b-|   a:n b:m\n"
			"unmap:     |-----|\n"
			"new:   |-a-|     |-b-|\n"
			"unmap: |---|\n"
			"new:             |-b-|\n"
			"unmap:           |---|\n"
			"new:   (empty)\n"
			"unmap: |-------------------------------|\n"
			"new:   (empty)\n",
		.old = MAPS(BO(0, 2, BO_A, N), BO(5, 2, BO_B, M)),
		.step = { {
			.unmap = PAGES(2, 3),
			.ops = NO_OPS,
			.now = MAPS(BO(0, 2, BO_A, N), BO(5, 2, BO_B, M)),
		}, {
			.unmap = PAGES(0, 2),
			.ops = OPS(UNMAP(BO(0, 2, BO_A, N))),
			.now = MAPS(BO(5, 2, BO_B, M)),
		}, {
			.unmap = PAGES(5, 2),
			.ops = OPS(UNMAP(BO(5, 2, BO_B, M))),
			.now = NO_MAPS,
		}, {
			.unmap = PAGES(0, 16),
			.ops = NO_OPS,
			.now = NO_MAPS,
		} },
	},

	/* priv is the driver's. */
	{
		.name = "priv: pieces carry it, a new mapping starts without "
			"it whatever the request held",
		.drawing =
			"       0     1     2     3     4\n"
			"old:   |-----------a-----------|   a:n priv=token\n"
			"map:         |-----b-----|         b:m priv=other\n"
			"new:   |--a'-|-----b-----|-a''-|\n"
			"       token, none, token\n"
			"unmap:                   |-----|\n"
			"new:   |--a'-|-----b-----|         token, none\n",
		.old = MAPS(BOP(0, 4, BO_A, N, &token)),
		.step = { {
			.map = BOP(1, 2, BO_B, M, &other),
			.ops = OPS(REMAP(BOP(0, 4, BO_A, N, &token),
					 BOP(0, 1, BO_A, N, &token),
					 BOP(3, 1, BO_A, N + P(3), &token)),
				   MAP(BO(1, 2, BO_B, M))),
			.now = MAPS(BOP(0, 1, BO_A, N, &token),
				    BO(1, 2, BO_B, M),
				    BOP(3, 1, BO_A, N + P(3), &token)),
		}, {
			.unmap = PAGES(3, 1),
			.ops = OPS(UNMAP(BOP(3, 1, BO_A, N + P(3), &token))),
			.now = MAPS(BOP(0, 1, BO_A, N, &token),
				    BO(1, 2, BO_B, M)),
		} },
	},

	/* The op-list lifecycle: the runner commits every list twice. */
	{
		.name = "a committed list does not commit again",
		.drawing =
			"       0     1     2     3     4\n"
			"old:   |-----------a-----------|   a:n\n"
			"map:         |--b--|               b:m\n"
			"new:   |--a'-|--b--|-----a''---|   a':n b:m a'':n+2\n",
		.old = MAPS(BO(0, 4, BO_A, N)),
		.step = { {
			.map = BO(1, 1, BO_B, M),
			.ops = OPS(REMAP(BO(0, 4, BO_A, N), BO(0, 1, BO_A, N),
					 BO(2, 2, BO_A, N + P(2))),
				   MAP(BO(1, 1, BO_B, M))),
			.now = MAPS(BO(0, 1, BO_A, N), BO(1, 1, BO_B, M),
				    BO(2, 2, BO_A, N + P(2))),
		} },
	},

	/* max_mappings counts what a list leads to, pieces included. */
	{
		.name = "max_mappings 3: maps past the limit are refused, "
			"maps that keep the count or lower it go through",
		.max_mappings = 3,
		.drawing =
			"       0   2   4   6   8   10  12  14\n"
			"old:   |--a--| |--b--| |~~~~~|\n"
			"map:                           |c|   +1: a new one\n"
			"new:   unchanged (-ENOSPC)\n"
			"map:     |c|   +2: a hole\n"
			"new:   unchanged (-ENOSPC)\n"
			"map:       |--c--|   +1: cutting two\n"
			"new:   unchanged (-ENOSPC)\n"
			"map:   |--c--|   0: replacing one\n"
			"new:   |--c--| |--b--| |~~~~~|\n"
			"map:       |----c----|   0: cut one, remove one\n"
			"new:   |-c-|----c----| |~~~~~|\n"
			"map:       |--------c--------|   -1: one over two\n"
			"new:   |-c-|--------c--------|\n"
			"map:                           |c|\n"
			"new:   |-c-|--------c--------| |c|\n"
			"map:                               |~|   +1\n"
			"new:   unchanged (-ENOSPC)\n",
		.old = MAPS(BO(0, 3, BO_A, 0), BO(4, 3, BO_B, 0), SP(8, 3)),
		.step = { {
			.map = BO(12, 1, BO_C, 0),
			.err = -ENOSPC,
		}, {
			.map = BO(1, 1, BO_C, 0),
			.err = -ENOSPC,
		}, {
			.map = BO(2, 3, BO_C, 0),
			.err = -ENOSPC,
		}, {
			.map = BO(0, 3, BO_C, 0),
			.ops = OPS(UNMAP(BO(0, 3, BO_A, 0)),
				   MAP(BO(0, 3, BO_C, 0))),
			.now = MAPS(BO(0, 3, BO_C, 0), BO(4, 3, BO_B, 0),
				    SP(8, 3)),
		}, {
			.map = BO(2, 5, BO_C, P(0x100)),
			.ops = OPS(REMAP(BO(0, 3, BO_C, 0), BO(0, 2, BO_C, 0),
					 NONE),
				   UNMAP(BO(4, 3, BO_B, 0)),
				   MAP(BO(2, 5, BO_C, P(0x100)))),
			.now = MAPS(BO(0, 2, BO_C, 0),
				    BO(2, 5, BO_C, P(0x100)), SP(8, 3)),
		}, {
			.map = BO(2, 9, BO_C, P(0x200)),
			.ops = OPS(UNMAP(BO(2, 5, BO_C, P(0x100))),
				   UNMAP(SP(8, 3)),
				   MAP(BO(2, 9, BO_C, P(0x200)))),
			.now = MAPS(BO(0, 2, BO_C, 0),
				    BO(2, 9, BO_C, P(0x200))),
		}, {
			.map = BO(12, 1, BO_C, 0),
			.ops = OPS(MAP(BO(12, 1, BO_C, 0))),
			.now = MAPS(BO(0, 2, BO_C, 0),
				    BO(2, 9, BO_C, P(0x200)),
				    BO(12, 1, BO_C, 0)),
		}, {
			.map = SP(14, 1),
			.err = -ENOSPC,
		} },
	},
	{
		/* The cfg: -ENOSPC past max_mappings, for any list. */
		.name = "max_mappings 2: an unmap that punches a hole is "
			"refused too",
		.max_mappings = 2,
		.drawing =
			"       0   1   2   3   4   5   6   7\n"
			"old:   |-----a-----|   |-----b-----|   a:0 b:0\n"
			"unmap:     |---|\n"
			"new:   unchanged (-ENOSPC)\n"
			"unmap: |---|\n"
			"new:       |---a---|   |-----b-----|   a:1\n"
			"unmap:                 |-----------|\n"
			"new:       |---a---|\n"
			"unmap:         |---|\n"
			"new:       |-a-|\n",
		.old = MAPS(BO(0, 3, BO_A, 0), BO(4, 3, BO_B, 0)),
		.step = { {
			.unmap = PAGES(1, 1),
			.err = -ENOSPC,
		}, {
			.unmap = PAGES(0, 1),
			.ops = OPS(REMAP(BO(0, 3, BO_A, 0), NONE,
					 BO(1, 2, BO_A, P(1)))),
			.now = MAPS(BO(1, 2, BO_A, P(1)), BO(4, 3, BO_B, 0)),
		}, {
			.unmap = PAGES(4, 3),
			.ops = OPS(UNMAP(BO(4, 3, BO_B, 0))),
			.now = MAPS(BO(1, 2, BO_A, P(1))),
		}, {
			.unmap = PAGES(2, 1),
			.ops = OPS(REMAP(BO(1, 2, BO_A, P(1)),
					 BO(1, 1, BO_A, P(1)), NONE)),
			.now = MAPS(BO(1, 1, BO_A, P(1))),
		} },
	},
};

/* ------------------------------------------------------------------ */
/* Printing rows and lists                                             */

static unsigned int count_maps(const struct gpuvm_va *v)
{
	unsigned int n = 0;

	while (v && v[n].range)
		n++;
	return n;
}

static unsigned int count_ops(const struct want_op *w)
{
	unsigned int n = 0;

	while (w && w[n].va.range)
		n++;
	return n;
}

static unsigned int count_steps(const struct va_case *c)
{
	unsigned int n = 0;

	while (n < MAX_STEPS &&
	       (c->step[n].map.range || c->step[n].unmap.range))
		n++;
	return n;
}

/* Names for the priv values rows use; never a host address. */
static const char *priv_name(const void *p)
{
	if (!p)
		return "NULL";
	if (p == &token)
		return "token";
	if (p == &other)
		return "other";
	return "(another)";
}

/* Page number of an address in the drawings, or the address itself. */
static void fmt_addr(char *buf, size_t len, uint64_t addr)
{
	if (addr >= BASE && !((addr - BASE) % PG))
		snprintf(buf, len, "%" PRIu64, (uint64_t)((addr - BASE) / PG));
	else
		snprintf(buf, len, "0x%" PRIx64, addr);
}

/* Every field; "-" for no mapping. */
static void fmt_va(char *buf, size_t len, const struct gpuvm_va *v)
{
	static const char *const kinds[] = { "BO", "SPARSE", "REPEAT" };
	char from[24], to[24];

	if (!v->range && v->kind <= GPUVM_VA_REPEAT) {
		snprintf(buf, len, "-");
		return;
	}
	fmt_addr(from, sizeof(from), v->addr);
	fmt_addr(to, sizeof(to), v->addr + v->range);
	snprintf(buf, len, "%s [%s, %s) bo=0x%" PRIx64 " off=0x%" PRIx64
		 " repeat=0x%" PRIx64 " phase=0x%" PRIx64 " flags=0x%x priv=%s",
		 v->kind <= GPUVM_VA_REPEAT ? kinds[v->kind] : "KIND?", from,
		 to, v->bo, v->offset, v->repeat, v->phase,
		 (unsigned int)v->flags, priv_name(v->priv));
}

static void print_op(FILE *f, char mark, unsigned int i,
		     const struct want_op *op)
{
	static const char *const types[] = { "MAP", "REMAP", "UNMAP" };
	char va[200], prev[200], next[200];

	fmt_va(va, sizeof(va), &op->va);
	fmt_va(prev, sizeof(prev), &op->prev);
	fmt_va(next, sizeof(next), &op->next);
	fprintf(f, "%c %u: %s%s\n%c      va   %s\n%c      prev %s\n"
		"%c      next %s\n", mark, i,
		op->type <= GPUVM_VA_OP_UNMAP ? types[op->type] : "TYPE?",
		op->keep ? " keep" : "", mark, va, mark, prev, mark, next);
}

static void print_map(FILE *f, char mark, unsigned int i,
		      const struct gpuvm_va *v)
{
	char buf[200];

	fmt_va(buf, sizeof(buf), v);
	fprintf(f, "%c %u: %s\n", mark, i, buf);
}

/* The row's name and drawing, before any complaint about it. */
static void print_case(FILE *f, const struct va_case *c, unsigned int step)
{
	fprintf(f, "\ncase \"%s\", step %u of %u:\n%s\n", c->name, step + 1,
		count_steps(c), c->drawing);
}

/* ------------------------------------------------------------------ */
/* Comparing (these report; the runner asserts)                        */

/*
 * A mapping pointer as a value: NULL is NONE. A non-NULL mapping of
 * range 0 (never valid) gets an impossible kind, so it cannot pass for
 * NONE.
 */
static struct gpuvm_va va_value(const struct gpuvm_va *v)
{
	struct gpuvm_va none = NONE, x;

	if (!v)
		return none;
	x = *v;
	if (!x.range)
		x.kind = (enum gpuvm_va_kind)99;
	return x;
}

static struct want_op op_value(const struct gpuvm_va_op *op)
{
	struct want_op w = {
		.type = op->type,
		.keep = op->keep,
		.va = va_value(op->va),
		.prev = va_value(op->prev),
		.next = va_value(op->next),
	};

	return w;
}

static bool want_op_equal(const struct want_op *a, const struct want_op *b)
{
	return a->type == b->type && a->keep == b->keep &&
	       va_equal(&a->va, &b->va) && va_equal(&a->prev, &b->prev) &&
	       va_equal(&a->next, &b->next);
}

/*
 * The list is exactly want[] (n entries). On a mismatch, and if diff is
 * set, prints the list as a diff: "-" what the row wants, "+" what the
 * list holds, unmarked where they agree.
 */
static bool ops_match(const struct gpuvm_va_ops *ops,
		      const struct want_op *want, unsigned int n, FILE *diff)
{
	unsigned int i, max = ops->count > n ? ops->count : n;
	bool same = ops->count == n;
	struct want_op got;

	for (i = 0; same && i < n; i++) {
		got = op_value(&ops->op[i]);
		same = want_op_equal(&got, &want[i]);
	}
	if (same || !diff)
		return same;
	fprintf(diff, "op list (- the row, + prepare's list; %u vs %u ops):\n",
		n, ops->count);
	for (i = 0; i < max; i++) {
		if (i < ops->count)
			got = op_value(&ops->op[i]);
		if (i < n && i < ops->count && want_op_equal(&got, &want[i])) {
			print_op(diff, ' ', i, &got);
			continue;
		}
		if (i < n)
			print_op(diff, '-', i, &want[i]);
		if (i < ops->count)
			print_op(diff, '+', i, &got);
	}
	return false;
}

/* The space holds exactly want[] (n), in address order; diff as above. */
static bool space_match(const struct gpuvm_va_space *s,
			const struct gpuvm_va *want, unsigned int n,
			FILE *diff)
{
	const struct gpuvm_va_space_cfg *c = gpuvm_va_space_cfg(s);
	struct gpuvm_va got[VA_SNAP_MAX + 1];
	const struct gpuvm_va *va;
	unsigned int i, k = 0;
	bool same;

	gpuvm_va_for_each_in(va, s, c->start, c->start + c->range) {
		if (k < ARRAY_SIZE(got))
			got[k] = *va;
		k++;
	}
	same = k == n && gpuvm_va_space_count(s) == n;
	for (i = 0; same && i < n; i++)
		same = va_equal(&got[i], &want[i]);
	if (same || !diff)
		return same;
	fprintf(diff, "space (- the row, + the space; %u vs %u mappings, "
		"count %" PRIu64 "):\n", n, k, gpuvm_va_space_count(s));
	for (i = 0; i < (k > n ? k : n) && i < ARRAY_SIZE(got); i++) {
		if (i < n && i < k && va_equal(&got[i], &want[i])) {
			print_map(diff, ' ', i, &got[i]);
			continue;
		}
		if (i < n)
			print_map(diff, '-', i, &want[i]);
		if (i < k)
			print_map(diff, '+', i, &got[i]);
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Every field is compared: each change to a row must be noticed       */

/* Ways to change one mapping; returns false past the last. */
static bool mutate_va(struct gpuvm_va *v, unsigned int how)
{
	if (!v->range) {
		/* NONE becomes a mapping. */
		if (how)
			return false;
		*v = mk_bo(A(1), P(1), BO_A, 0);
		return true;
	}
	switch (how) {
	case 0: v->addr += PG; break;
	case 1: v->range += PG; break;
	case 2: v->kind = (v->kind + 1) % 3; break;
	case 3: v->flags ^= 1; break;
	case 4: v->bo ^= 1; break;
	case 5: v->offset += PG; break;
	case 6: v->repeat += PG; break;
	case 7: v->phase += PG; break;
	case 8: v->priv = v->priv ? NULL : (void *)&other; break;
	case 9: v->range = 0; break; /* a mapping becomes NONE */
	default: return false;
	}
	return true;
}

/* want[] matches the list; every single change to want[] must not. */
static void assert_ops_sensitive(const struct gpuvm_va_ops *ops,
				 const struct want_op *want, unsigned int n)
{
	struct want_op w[MAX_OPS + 1];
	unsigned int i, how, part;

	assert_true(n <= MAX_OPS);
	for (i = 0; i < n; i++) {
		for (how = 0; how < 2; how++) {
			memcpy(w, want, n * sizeof(*w));
			if (how)
				w[i].keep = !w[i].keep;
			else
				w[i].type = (w[i].type + 1) % 3;
			if (ops_match(ops, w, n, NULL))
				fail_msg("op %u: changing its %s went "
					 "unnoticed", i, how ? "keep" : "type");
		}
		for (part = 0; part < 3; part++) {
			for (how = 0;; how++) {
				struct gpuvm_va *v;

				memcpy(w, want, n * sizeof(*w));
				v = part == 0 ? &w[i].va :
				    part == 1 ? &w[i].prev : &w[i].next;
				if (!mutate_va(v, how))
					break;
				if (part == 0 && !v->range)
					continue; /* an op always has a va */
				if (ops_match(ops, w, n, NULL))
					fail_msg("op %u: change %u of its %s "
						 "went unnoticed", i, how,
						 part == 0 ? "va" :
						 part == 1 ? "prev" : "next");
			}
		}
	}
	/* One op fewer, one more. */
	if (n && ops_match(ops, want, n - 1, NULL))
		fail_msg("a missing op went unnoticed");
	if (n) {
		memcpy(w, want, n * sizeof(*w));
		w[n] = w[n - 1];
		if (ops_match(ops, w, n + 1, NULL))
			fail_msg("an extra op went unnoticed");
	}
}

static void assert_space_sensitive(const struct gpuvm_va_space *s,
				   const struct gpuvm_va *want, unsigned int n)
{
	struct gpuvm_va w[VA_SNAP_MAX + 1];
	unsigned int i, how;

	assert_true(n < VA_SNAP_MAX);
	for (i = 0; i < n; i++) {
		for (how = 0;; how++) {
			memcpy(w, want, n * sizeof(*w));
			if (!mutate_va(&w[i], how))
				break;
			if (!w[i].range)
				continue; /* that is "one fewer", below */
			if (space_match(s, w, n, NULL))
				fail_msg("mapping %u: change %u went "
					 "unnoticed", i, how);
		}
	}
	if (n && space_match(s, want, n - 1, NULL))
		fail_msg("a missing mapping went unnoticed");
	memcpy(w, want, n * sizeof(*w));
	w[n] = mk_sparse(A(SPACE_PAGES - 1), P(1));
	if (space_match(s, w, n + 1, NULL))
		fail_msg("an extra mapping went unnoticed");
}

/* ------------------------------------------------------------------ */
/* Drawings must show the row's data                                   */

/*
 * The first line is the ruler: its first two numbers, at their columns,
 * fix the scale (columns per page, or pages per column).
 */
struct ruler {
	long col0, pg0;   /* page pg0 is at column col0 */
	long dcol, dpg;   /* dpg pages per dcol columns */
};

#define MAX_BARS 16

/* One line of a drawing, [s, e) of the string. */
struct line {
	const char *s;
	size_t len;
};

static bool next_line(const char **p, struct line *l)
{
	const char *nl;

	if (!**p)
		return false;
	nl = strchr(*p, '\n');
	l->s = *p;
	l->len = nl ? (size_t)(nl - *p) : strlen(*p);
	*p = nl ? nl + 1 : *p + l->len;
	return true;
}

static bool parse_ruler(const struct line *l, struct ruler *r, FILE *why)
{
	long col[2], num[2];
	size_t i = 0;
	int k;

	for (k = 0; k < 2; k++) {
		while (i < l->len && (l->s[i] < '0' || l->s[i] > '9'))
			i++;
		if (i == l->len) {
			fprintf(why, "the ruler needs two page numbers\n");
			return false;
		}
		col[k] = (long)i;
		num[k] = 0;
		while (i < l->len && l->s[i] >= '0' && l->s[i] <= '9')
			num[k] = num[k] * 10 + (l->s[i++] - '0');
	}
	r->col0 = col[0];
	r->pg0 = num[0];
	r->dcol = col[1] - col[0];
	r->dpg = num[1] - num[0];
	if (r->dcol <= 0 || r->dpg <= 0) {
		fprintf(why, "the ruler's numbers must grow to the right\n");
		return false;
	}
	return true;
}

static bool starts_with(const struct line *l, const char *tag)
{
	size_t n = strlen(tag);

	return l->len >= n && !memcmp(l->s, tag, n);
}

/*
 * The bars of a line as page ranges [from[i], to[i]): between two '|' a
 * stretch of spaces is a gap, one without spaces a mapping. Returns the
 * count, or -1 for a line that does not parse.
 */
static int parse_bars(const struct line *l, const struct ruler *r,
		      long from[], long to[], FILE *why)
{
	long bar[MAX_BARS * 2 + 1], page[MAX_BARS * 2 + 1];
	int nbars = 0, n = 0, i;
	size_t c;
	long k;

	for (c = 0; c < l->len; c++) {
		if (l->s[c] != '|')
			continue;
		if (nbars == (int)ARRAY_SIZE(bar)) {
			fprintf(why, "too many bars\n");
			return -1;
		}
		bar[nbars] = (long)c;
		k = ((long)c - r->col0) * r->dpg;
		if (k % r->dcol) {
			fprintf(why, "column %zu is between two pages\n", c);
			return -1;
		}
		page[nbars++] = r->pg0 + k / r->dcol;
	}
	for (i = 0; i + 1 < nbars; i++) {
		size_t spaces = 0;

		for (c = (size_t)bar[i] + 1; c < (size_t)bar[i + 1]; c++)
			spaces += l->s[c] == ' ';
		if (bar[i + 1] - bar[i] < 2) {
			fprintf(why, "an empty bar at column %ld\n", bar[i]);
			return -1;
		}
		if (spaces == (size_t)(bar[i + 1] - bar[i] - 1))
			continue; /* a gap */
		if (spaces) {
			fprintf(why, "a bar with a space in it at column "
				"%ld\n", bar[i]);
			return -1;
		}
		from[n] = page[i];
		to[n++] = page[i + 1];
	}
	if (nbars == 1) {
		fprintf(why, "a lone '|'\n");
		return -1;
	}
	return n;
}

static long page_of(uint64_t addr)
{
	return (long)((addr - BASE) / PG);
}

/* The bars of l are exactly the n ranges of vas[]. */
static bool bars_match(const struct line *l, const struct ruler *r,
		       const struct gpuvm_va *vas, unsigned int n, FILE *why)
{
	long from[MAX_BARS], to[MAX_BARS];
	int got = parse_bars(l, r, from, to, why);
	unsigned int i;

	if (got < 0)
		goto bad;
	if ((unsigned int)got != n) {
		fprintf(why, "%d bars drawn, %u in the row\n", got, n);
		goto bad;
	}
	for (i = 0; i < n; i++) {
		if (from[i] != page_of(vas[i].addr) ||
		    to[i] != page_of(vas[i].addr + vas[i].range)) {
			fprintf(why, "bar %u is [%ld, %ld), the row has "
				"[%ld, %ld)\n", i, from[i], to[i],
				page_of(vas[i].addr),
				page_of(vas[i].addr + vas[i].range));
			goto bad;
		}
	}
	return true;
bad:
	fprintf(why, "in \"%.*s\"\n", (int)l->len, l->s);
	return false;
}

static bool step_commits(const struct va_step *st)
{
	return !st->err && !st->dry;
}

/*
 * old: first; then per step its request (map: or unmap:) and new:, in
 * order. Lines with no tag are notes.
 */
static bool drawing_matches(const struct va_case *c, FILE *why)
{
	unsigned int nsteps = count_steps(c), step = 0;
	const char *p = c->drawing;
	bool seen_old = false, want_new = false;
	struct gpuvm_va req;
	struct ruler r;
	struct line l;

	if (!next_line(&p, &l) || !parse_ruler(&l, &r, why))
		return false;
	while (next_line(&p, &l)) {
		const struct va_step *st = &c->step[step];

		if (starts_with(&l, "old:")) {
			if (seen_old || step) {
				fprintf(why, "old: comes once, first\n");
				return false;
			}
			if (!bars_match(&l, &r, c->old, count_maps(c->old),
					 why))
				return false;
			seen_old = true;
		} else if (starts_with(&l, "map:") ||
			   starts_with(&l, "unmap:")) {
			bool unmap = starts_with(&l, "unmap:");

			if (!seen_old || want_new || step == nsteps) {
				fprintf(why, "a request out of place\n");
				return false;
			}
			if (unmap != !!st->unmap.range) {
				fprintf(why, "step %u is %s an unmap\n",
					step + 1, unmap ? "not" : "");
				return false;
			}
			req = st->map;
			if (unmap)
				req = mk_sparse(st->unmap.addr,
						st->unmap.range);
			if (!bars_match(&l, &r, &req, 1, why))
				return false;
			want_new = true;
		} else if (starts_with(&l, "new:")) {
			if (!want_new) {
				fprintf(why, "new: without a request\n");
				return false;
			}
			if (!bars_match(&l, &r, st->now,
					step_commits(st) ? count_maps(st->now) :
							   0, why))
				return false;
			want_new = false;
			step++;
		}
	}
	if (!seen_old || want_new || step != nsteps) {
		fprintf(why, "%u of %u steps drawn\n", step, nsteps);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Pages                                                               */

/*
 * The BO offset page x of v maps, from docs/va.md's formulas (not from
 * gpuvm_va_bo_offset_at(), which is what is checked against it).
 */
static uint64_t want_offset(const struct gpuvm_va *v, uint64_t x)
{
	switch (v->kind) {
	case GPUVM_VA_BO:
		return v->offset + (x - v->addr);
	case GPUVM_VA_REPEAT:
		return v->offset + (x - v->addr + v->phase) % v->repeat;
	default:
		return UINT64_MAX; /* what va.h returns for sparse */
	}
}

static const struct gpuvm_va *containing(const struct gpuvm_va *vas,
					 uint64_t x)
{
	unsigned int i;

	for (i = 0; vas[i].range; i++)
		if (x >= vas[i].addr && x - vas[i].addr < vas[i].range)
			return &vas[i];
	return NULL;
}

/* Page x (and its middle) is mapped by a mapping like want, or by none. */
static void assert_find(const struct gpuvm_va_space *s, uint64_t x,
			const struct gpuvm_va *want)
{
	const struct gpuvm_va *got = gpuvm_va_find(s, x);

	assert_va(got, want, "gpuvm_va_find at page", (unsigned int)page_of(x));
	assert_ptr_equal(gpuvm_va_find(s, x + PG / 2), got);
}

/* Page x maps the byte v mapped there: same backing, same BO offset. */
static void assert_same_byte(const struct gpuvm_va_space *s, uint64_t x,
			     const struct gpuvm_va *v)
{
	const struct gpuvm_va *got = gpuvm_va_find(s, x);

	if (!got)
		fail_msg("page %ld is not mapped", page_of(x));
	assert_int_equal(got->kind, v->kind);
	assert_int_equal(got->bo, v->bo);
	assert_int_equal(got->flags, v->flags);
	if (gpuvm_va_bo_offset_at(got, x) != want_offset(v, x)) {
		gpuvm_va_print(got, stderr);
		fail_msg("page %ld: BO offset 0x%" PRIx64 ", want 0x%" PRIx64,
			 page_of(x), gpuvm_va_bo_offset_at(got, x),
			 want_offset(v, x));
	}
}

/*
 * After a committed step: every page of the space is found where the row
 * says; pages mapped before and outside the request keep their byte (and
 * priv); a map request's pages map what it asked for, without priv.
 */
static void check_pages(const struct gpuvm_va_space *s, uint64_t pages,
			const struct va_snapshot *before,
			const struct va_step *st)
{
	uint64_t ra = st->unmap.range ? st->unmap.addr : st->map.addr;
	uint64_t rr = st->unmap.range ? st->unmap.range : st->map.range;
	uint64_t x, p;
	size_t i;

	for (p = 0; p < pages; p++)
		assert_find(s, A(p), containing(st->now, A(p)));
	for (i = 0; i < before->n; i++) {
		const struct gpuvm_va *v = &before->val[i];

		for (x = v->addr; x - v->addr < v->range; x += PG) {
			if (x - ra < rr)
				continue;
			assert_same_byte(s, x, v);
			assert_ptr_equal(gpuvm_va_find(s, x)->priv, v->priv);
		}
	}
	for (x = ra; x - ra < rr; x += PG) {
		if (st->unmap.range) {
			assert_null(gpuvm_va_find(s, x));
			continue;
		}
		assert_same_byte(s, x, &st->map);
		assert_null(gpuvm_va_find(s, x)->priv);
	}
}

/* ------------------------------------------------------------------ */
/* Running a row                                                       */

struct case_fx {
	const struct va_case *c;
	struct gpuvm_va_space *s;
	uint64_t pages;
};

static int case_setup(void **state)
{
	const struct va_case *c = *state;
	struct gpuvm_va_space_cfg cfg = { .start = BASE };
	struct case_fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->c = c;
	fx->pages = c->pages ? c->pages : SPACE_PAGES;
	cfg.range = P(fx->pages);
	cfg.max_mappings = c->max_mappings;
	assert_int_equal(gpuvm_va_space_create(&cfg, &fx->s), 0);
	*state = fx;
	return 0;
}

static int case_teardown(void **state)
{
	struct case_fx *fx = *state;
	int ret = gpuvm_va_space_validate(fx->s, stderr);

	gpuvm_va_space_destroy(fx->s);
	free(fx);
	return ret;
}

static int prepare(struct gpuvm_va_space *s, const struct va_step *st,
		   struct gpuvm_va_ops **out)
{
	if (st->unmap.range)
		return gpuvm_va_unmap_prepare(s, st->unmap.addr,
					      st->unmap.range, out);
	return gpuvm_va_map_prepare(s, &st->map, out);
}

/* Maps old, sets each mapping's priv as a driver would, checks. */
static void map_old(const struct case_fx *fx)
{
	const struct gpuvm_va *old = fx->c->old;
	unsigned int i, n = count_maps(old);
	struct gpuvm_va *va;

	for (i = 0; i < n; i++) {
		map_ok(fx->s, &old[i]);
		va = gpuvm_va_find(fx->s, old[i].addr);
		assert_non_null(va);
		assert_null(va->priv);
		va->priv = old[i].priv;
	}
	if (!space_match(fx->s, old, n, stderr)) {
		print_case(stderr, fx->c, 0);
		fail_msg("the old mappings did not map as drawn");
	}
}

/*
 * A prepared list is exactly the row's: the fields, the objects, and
 * every change to the row would have been noticed.
 */
static void check_list(const struct case_fx *fx, unsigned int k,
		       const struct gpuvm_va_ops *ops)
{
	const struct want_op *want = fx->c->step[k].ops;
	unsigned int i, n = count_ops(want);

	assert_non_null(want);
	assert_ptr_equal(ops->space, fx->s);
	assert_false(ops->committed);
	if (!ops_match(ops, want, n, stderr)) {
		print_case(stderr, fx->c, k);
		fail_msg("the op list differs from the row");
	}
	for (i = 0; i < n; i++) {
		const struct gpuvm_va *va = ops->op[i].va;

		if (ops->op[i].type == GPUVM_VA_OP_MAP)
			assert_ptr_not_equal(gpuvm_va_find(fx->s, va->addr),
					     va);
		else
			assert_ptr_equal(gpuvm_va_find(fx->s, va->addr), va);
	}
	assert_ops_sensitive(ops, want, n);
}

/* A step that must fail, or is only prepared: nothing may change. */
static void run_refused_step(const struct case_fx *fx, unsigned int k)
{
	const struct va_step *st = &fx->c->step[k];
	static struct gpuvm_va_ops sentinel;
	struct gpuvm_va_ops *ops = &sentinel;
	struct va_snapshot before;
	int ret;

	va_snapshot_take(fx->s, &before);
	ret = prepare(fx->s, st, &ops);
	if (ret != st->err) {
		print_case(stderr, fx->c, k);
		fail_msg("prepare returned %d, the row says %d", ret, st->err);
	}
	if (st->err) {
		assert_ptr_equal(ops, &sentinel);
	} else {
		check_list(fx, k, ops);
		gpuvm_va_ops_free(ops);
	}
	assert_unchanged(fx->s, &before);
}

static void assert_space_is(const struct case_fx *fx, unsigned int k)
{
	const struct gpuvm_va *now = fx->c->step[k].now;

	if (!space_match(fx->s, now, count_maps(now), stderr)) {
		print_case(stderr, fx->c, k);
		fail_msg("the space after the commit differs from the row");
	}
}

/*
 * A committed step, with a twin list prepared alongside: the first
 * commit applies, a second is -EALREADY, and the twin is then stale.
 */
static void run_committed_step(const struct case_fx *fx, unsigned int k)
{
	const struct va_step *st = &fx->c->step[k];
	struct gpuvm_va_ops *ops = NULL, *twin = NULL;
	struct va_snapshot before;

	va_snapshot_take(fx->s, &before);
	assert_non_null(st->now);
	assert_int_equal(prepare(fx->s, st, &ops), 0);
	assert_int_equal(prepare(fx->s, st, &twin), 0);
	check_list(fx, k, ops);
	check_list(fx, k, twin);

	assert_int_equal(gpuvm_va_ops_commit(ops), 0);
	assert_true(ops->committed);
	validate(fx->s);
	assert_int_equal(gpuvm_va_ops_commit(ops), -EALREADY);
	assert_true(ops->committed);
	validate(fx->s);
	assert_space_is(fx, k);
	if (ops->count) {
		assert_int_equal(gpuvm_va_ops_commit(twin), -ESTALE);
		assert_false(twin->committed);
	} else {
		assert_int_equal(gpuvm_va_ops_commit(twin), 0);
	}
	validate(fx->s);
	gpuvm_va_ops_free(ops);
	validate(fx->s);
	gpuvm_va_ops_free(twin);
	validate(fx->s);

	assert_space_is(fx, k);
	assert_space_sensitive(fx->s, st->now, count_maps(st->now));
	check_pages(fx->s, fx->pages, &before, st);
}

static void run_case(void **state)
{
	const struct case_fx *fx = *state;
	unsigned int k, n = count_steps(fx->c);

	if (!drawing_matches(fx->c, stderr)) {
		print_case(stderr, fx->c, 0);
		fail_msg("the drawing does not show the row");
	}
	assert_true(n > 0);
	map_old(fx);
	for (k = 0; k < n; k++) {
		if (step_commits(&fx->c->step[k]))
			run_committed_step(fx, k);
		else
			run_refused_step(fx, k);
	}
}

/* The drawing check can say no: rows with one bar moved. */
static void drawing_check_can_fail(void **state)
{
	FILE *null = fopen("/dev/null", "w");
	struct va_case c;
	size_t i;

	(void)state;
	assert_non_null(null);
	for (i = 0; strncmp(va_cases[i].name, "5)", 2); i++)
		assert_true(i + 1 < ARRAY_SIZE(va_cases));
	c = va_cases[i];
	assert_true(drawing_matches(&c, null));
	c.drawing = "       0     1     2\n"
		    "old:   |-----a-----|\n"
		    "map:   |-----b-----|\n" /* the request is one page */
		    "new:   |--b--|--a'-|\n";
	assert_false(drawing_matches(&c, null));
	c.drawing = "       0     1     2\n"
		    "old:   |-----a-----|\n"
		    "map:   |--b--|\n"
		    "new:   |-----b-----|\n"; /* two mappings after */
	assert_false(drawing_matches(&c, null));
	c.drawing = "       0     1     2\n"
		    "old:   |-----a-----|\n"
		    "unmap: |--b--|\n" /* it is a map */
		    "new:   |--b--|--a'-|\n";
	assert_false(drawing_matches(&c, null));
	c.drawing = "       0     1     2\n"
		    "old:   |-----a-----|\n"; /* the step is not drawn */
	assert_false(drawing_matches(&c, null));
	c.drawing = "       0     1     2\n"
		    "old:   |-----a-----|\n"
		    "map:   |--b-|\n" /* between two pages */
		    "new:   |--b--|--a'-|\n";
	assert_false(drawing_matches(&c, null));
	fclose(null);
}

/* ------------------------------------------------------------------ */
/* Beyond the table                                                    */

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
	assert_int_equal(gpuvm_va_bo_offset_at(&rep, A(4) + 8),
			 P(0x20) + P(1) + 8);
	assert_int_equal(gpuvm_va_bo_offset_at(&rep, A(5)), P(0x20) + P(2));
	assert_int_equal(gpuvm_va_bo_offset_at(&sp, A(3)), UINT64_MAX);
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

/* A sparse mapping of [A(6), A(8)) with flags 0x2. */
static struct gpuvm_va sparse_flags2(void)
{
	struct gpuvm_va va = mk_sparse(A(6), P(2));

	va.flags = 0x2;
	return va;
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
		sparse_flags2(),
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

#define NCASES ARRAY_SIZE(va_cases)

static const struct CMUnitTest others[] = {
	cmocka_unit_test(drawing_check_can_fail),
	cmocka_unit_test(bo_offset_at_formula),
	VA_TEST(lookup_find),
	VA_TEST(lookup_iterate_in),
	VA_TEST(lookup_of_bo),
	VA_TEST(ops_free_uncommitted),
	VA_TEST(ops_stale),
	VA_TEST(validate_detects_corruption),
	VA_TEST(print_names_bo_keys),
};

/* One cmocka test per row, named by the row, then the others. */
int main(void)
{
	struct CMUnitTest tests[NCASES + ARRAY_SIZE(others)];
	size_t i;

	for (i = 0; i < NCASES; i++) {
		tests[i] = (struct CMUnitTest){
			.name = va_cases[i].name,
			.test_func = run_case,
			.setup_func = case_setup,
			.teardown_func = case_teardown,
			.initial_state = (void *)(uintptr_t)&va_cases[i],
		};
	}
	for (i = 0; i < ARRAY_SIZE(others); i++)
		tests[NCASES + i] = others[i];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
