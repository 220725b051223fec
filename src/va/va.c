// SPDX-License-Identifier: MIT
/*
 * DOC: VA-space manager
 *
 * Mappings are 80-byte objects from the space's slab (util/slab.h): the
 * public struct gpuvm_va and two links for the per-BO list. Two indexes
 * point at them:
 *
 *  - by address, a B+tree of disjoint ranges (util/btree.h) holding each
 *    mapping's start, end and pointer in its leaves, so a lookup reads
 *    only tree nodes (the mapping itself only if the caller does);
 *  - by BO, the VM x BO link eviction walks (bo_index.h): one list per
 *    BO, sparse mappings under BO 0, appended to and unlinked from in
 *    O(1), sorted lazily when walked.
 *
 * Prepare descends once and records the path to the first mapping the
 * request touches (or to where it goes); commit applies the whole list
 * as one splice of the run of overlapped entries at that path: the old
 * run [m1..mk] becomes [m1's left piece, the new mapping, mk's right
 * piece] (whichever exist). Slots are overwritten in place where old and
 * new line up, so mapping over a mapping, or cutting one, moves nothing;
 * only a net gain or loss of entries inserts or erases. The generation
 * guard makes the recorded path safe to use: any commit in between
 * refuses the list.
 *
 * Commit must not fail, so prepare reserves what it may allocate: the
 * mappings (allocated outright), the tree nodes of one insert (height +
 * 1: one split per level and a new root), and a bigger BO table when the
 * new mapping's BO is new and the table is half full. Every one of those
 * goes through the gpuvm_va_space_fail_nth_alloc() hook.
 *
 * Op lists come from a one-entry cache in the space, with room for four
 * ops inside (a request cutting more mappings gets an array).
 *
 * DOC: split and merge
 *
 * A map request is compared with every existing mapping it overlaps. Each
 * becomes an UNMAP (fully covered) or a REMAP (a piece survives on the left
 * and/or right); then one MAP of the request follows. Only the first and
 * the last overlapped mapping can survive in part, so a list holds at most
 * two REMAPs. Nothing is ever coalesced with a neighbour.
 *
 * "keep" tells the driver the old PTEs under the overlap are already what
 * the request wants: same BO, kind and flags, and the two agree on the BO
 * offset at the first overlapped address (for REPEAT: same region and
 * phase). Sparse never keeps (it has no BO to agree on), and REPEAT never
 * keeps against BO: equal on one page says nothing of the next.
 *
 * Below, a and b are BOs, n and m BO offsets, the numbers page indices;
 * a' is a surviving piece of a. One existing mapping, one request:
 *
 *  1) identical, same BO and offset: UNMAP(a, keep), MAP(a)
 *       old: 0|---a---|2 (n)   req: 0|---a---|2 (n)   new: 0|---a---|2 (n)
 *
 *  2) identical, other offset: UNMAP(a), MAP(a)
 *       old: 0|---a---|2 (n)   req: 0|---a---|2 (m)   new: 0|---a---|2 (m)
 *
 *  3) identical, other BO: UNMAP(a), MAP(b)
 *       old: 0|---a---|2 (n)   req: 0|---b---|2 (n)   new: 0|---b---|2 (n)
 *
 *  4) old is a left-aligned subset of req: UNMAP(a, keep if same BO/n)
 *       old: 0|-a-|1     (n)   req: 0|---a---|2 (n)   new: 0|---a---|2 (n)
 *
 *  5) req is a left-aligned subset of old, other BO:
 *     REMAP(a, next=a'@1 offset n+1), MAP(b)
 *       old: 0|---a---|2 (n)   req: 0|-b-|1 (m)
 *       new: 0|-b-|-a'-|2 (b: m, a': n+1)
 *
 *  6) as 5, same BO and offset: the same ops, with keep
 *       old: 0|---a---|2 (n)   req: 0|-a-|1 (n)
 *       new: 0|-a-|-a'-|2 (a: n, a': n+1)
 *
 *  7) req is a right-aligned subset of old, other BO:
 *     REMAP(a, prev=a'@0 offset n), MAP(b)
 *       old: 0|---a---|2 (n)   req:     1|-b-|2 (m)
 *       new: 0|-a'-|-b-|2 (a': n, b: m)
 *
 *  8) as 7, same BO at the contiguous offset n+1: keep
 *       old: 0|---a---|2 (n)   req:     1|-a-|2 (n+1)
 *       new: 0|-a'-|-a-|2 (a': n, a: n+1)
 *
 *  9) req overlaps old's end, other BO: REMAP(a, prev=a'), MAP(b)
 *       old: 0|---a---|2     (n)   req:   1|---b---|3 (m)
 *       new: 0|-a'-|---b---|3 (a': n, b: m)
 *
 * 10) as 9, same BO contiguous (req offset n+1): keep
 *       old: 0|---a---|2     (n)   req:   1|---a---|3 (n+1)
 *       new: 0|-a'-|---a---|3 (a': n, a: n+1)
 *
 * 11) req is a centred subset of old, other BO:
 *     REMAP(a, prev=a'@0 n, next=a''@2 n+2), MAP(b)
 *       old: 0|-----a-----|3 (n)   req: 1|-b-|2 (m)
 *       new: 0|-a'-|-b-|-a''-|3 (a': n, b: m, a'': n+2)
 *
 * 12) as 11, same BO contiguous (req offset n+1): keep
 *
 * 13) old is a right-aligned subset of req: UNMAP(a, keep if contiguous)
 *       old:   1|-a-|2 (n+1)   req: 0|---a---|2 (n)   new: 0|---a---|2 (n)
 *
 * 14) old is a centred subset of req: UNMAP(a, keep if contiguous)
 *       old:   1|-a-|2 (n+1)   req: 0|----a----|3 (n) new: 0|----a----|3 (n)
 *
 * 15) req overlaps old's beginning, other BO:
 *     REMAP(a, next=a'@2 offset n+1), MAP(b)
 *       old:   1|---a---|3 (n)   req: 0|---b---|2 (m)
 *       new: 0|---b---|-a'-|3 (b: m, a': n+1)
 *
 * A surviving piece starting at s keeps the BO offset arithmetic: a BO
 * piece gets offset + (s - addr); a REPEAT piece keeps its offset and
 * region and gets phase (phase + s - addr) mod repeat, so every page still
 * maps the byte it mapped before (the upstream draft kept the old phase,
 * shifting the pattern unless s - addr was a multiple of the region); a
 * SPARSE piece stays sparse.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gpuvm/va.h"
#include "util/btree.h"
#include "util/slab.h"
#include "va/bo_index.h"

/* Ops kept inside the op list itself: enough for all but wide requests. */
#define OPS_INLINE 4

struct va_ops {
	struct gpuvm_va_ops pub;
	struct gpuvm_va_op inline_op[OPS_INLINE];
	/* What commit puts where the run of overlapped entries was. */
	struct gpuvm_btree_entry run[3];
	unsigned int run_new, run_old;
	unsigned int nodes;          /* index nodes reserved for commit */
	struct va_bo_rec *bo_table;  /* bigger BO table for commit */
	uint32_t bo_cap;
	/* The first overlapped mapping, or where the new one goes. */
	struct gpuvm_btree_path at;
};

struct gpuvm_va_space {
	struct gpuvm_va_space_cfg cfg;
	struct gpuvm_btree tree;     /* by address */
	struct va_bo_index bos;      /* by BO */
	struct gpuvm_slab vas;       /* struct va_node */
	uint64_t count;
	uint64_t generation;
	uint64_t fail_nth;           /* test hook: 0 disarmed */
	struct va_ops *spare;        /* a freed op list, for the next one */
	uint64_t live_ops;           /* op lists not yet freed */
	bool dying;                  /* destroyed, waiting for live_ops */
	gpuvm_va_bo_namer bo_namer;  /* how prints name a BO key, or NULL */
	void *bo_namer_cookie;
};

static struct va_node *to_node(const struct gpuvm_va *va)
{
	return (struct va_node *)(void *)va;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* [a, a + al) and [b, b + bl) intersect; both ends are known not to wrap. */
static bool overlaps(uint64_t a, uint64_t al, uint64_t b, uint64_t bl)
{
	return a < b + bl && b < a + al;
}

/* glibc's size for a malloc block of n bytes: header, 16-byte rounding. */
static uint64_t malloc_block(size_t n)
{
	return (n + 8 + 15) & ~(uint64_t)15;
}

/* ------------------------------------------------------------------ */
/* Space                                                               */

static int check_cfg(const struct gpuvm_va_space_cfg *c, uint64_t granule)
{
	if (!is_pow2(granule) || granule < 4096)
		return -EINVAL;
	if (!c->range || c->start + c->range < c->start ||
	    (c->start | c->range) & (granule - 1))
		return -EINVAL;
	if (!c->reserved_range)
		return 0;
	if (c->reserved_start + c->reserved_range < c->reserved_start ||
	    (c->reserved_start | c->reserved_range) & (granule - 1))
		return -EINVAL;
	return 0;
}

int gpuvm_va_space_create(const struct gpuvm_va_space_cfg *cfg,
			  struct gpuvm_va_space **out)
{
	struct gpuvm_va_space *s;
	uint64_t granule;
	int ret;

	if (!cfg || !out)
		return -EINVAL;
	granule = cfg->granule ? cfg->granule : 4096;
	ret = check_cfg(cfg, granule);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->cfg.granule = granule;
	gpuvm_btree_init(&s->tree, s);
	va_bo_init(&s->bos);
	gpuvm_slab_init(&s->vas, sizeof(struct va_node), s);
	*out = s;
	return 0;
}

/* Every mapping lives in the slab: releasing it frees them all at once. */
static void teardown(struct gpuvm_va_space *s)
{
	gpuvm_slab_fini(&s->vas);
	gpuvm_btree_fini(&s->tree);
	va_bo_fini(&s->bos);
	free(s->spare);
	free(s);
}

void gpuvm_va_space_destroy(struct gpuvm_va_space *space)
{
	if (!space)
		return;
	space->dying = true;
	if (!space->live_ops)
		teardown(space);
}

uint64_t gpuvm_va_space_count(const struct gpuvm_va_space *space)
{
	return space ? space->count : 0;
}

uint64_t gpuvm_va_space_mem_bytes(const struct gpuvm_va_space *space)
{
	if (!space)
		return 0;
	return gpuvm_slab_bytes(&space->vas) + gpuvm_btree_bytes(&space->tree) +
	       va_bo_bytes(&space->bos) + malloc_block(sizeof(*space)) +
	       (space->spare ? malloc_block(sizeof(*space->spare)) : 0);
}

const struct gpuvm_va_space_cfg *
gpuvm_va_space_cfg(const struct gpuvm_va_space *space)
{
	return space ? &space->cfg : NULL;
}

int gpuvm_va_check_range(const struct gpuvm_va_space *space, uint64_t addr,
			 uint64_t range)
{
	const struct gpuvm_va_space_cfg *c;
	uint64_t end = addr + range;

	if (!space)
		return -EINVAL;
	c = &space->cfg;
	if (!range || end < addr || (addr | range) & (c->granule - 1))
		return -EINVAL;
	if (addr < c->start || end > c->start + c->range)
		return -EINVAL;
	if (c->reserved_range &&
	    overlaps(addr, range, c->reserved_start, c->reserved_range))
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */

struct gpuvm_va *gpuvm_va_find(const struct gpuvm_va_space *space,
			       uint64_t addr)
{
	const struct gpuvm_btree_entry *e;

	if (!space)
		return NULL;
	e = gpuvm_btree_find(&space->tree, addr);
	return e ? e->val : NULL;
}

/* Index (in l) of the first entry ending after addr: the floor if it
 * still covers addr, else the one after it (maybe l->count). */
static unsigned int first_after(const struct gpuvm_btree_leaf *l,
				uint64_t addr)
{
	unsigned int n = gpuvm_btree_leaf_rank(l, addr);

	return n && l->e[n - 1].end > addr ? n - 1 : n;
}

struct gpuvm_va_iter gpuvm_va_iter_start(const struct gpuvm_va_space *space,
					 uint64_t addr, uint64_t end)
{
	struct gpuvm_va_iter it = { NULL, 0, end };
	const struct gpuvm_btree_leaf *l;

	if (!space || !space->tree.height)
		return it;
	if (addr == UINT64_MAX)
		addr--; /* no start is UINT64_MAX; see the btree's sentinels */
	l = gpuvm_btree_leaf_for(&space->tree, addr);
	it.leaf_ = l;
	it.idx_ = first_after(l, addr);
	return it;
}

struct gpuvm_va *gpuvm_va_iter_get(struct gpuvm_va_iter *it)
{
	struct gpuvm_btree_pos pos;
	const struct gpuvm_btree_entry *e;

	if (!it)
		return NULL;
	pos = (struct gpuvm_btree_pos){ it->leaf_, it->idx_ };
	e = gpuvm_btree_pos_entry(&pos);
	it->leaf_ = pos.leaf;
	it->idx_ = pos.idx;
	return e && e->start < it->end_ ? e->val : NULL;
}

void gpuvm_va_iter_next(struct gpuvm_va_iter *it)
{
	if (it)
		it->idx_++;
}

struct gpuvm_va *gpuvm_va_first_in(const struct gpuvm_va_space *space,
				   uint64_t addr, uint64_t end)
{
	struct gpuvm_va_iter it = gpuvm_va_iter_start(space, addr, end);

	return gpuvm_va_iter_get(&it);
}

struct gpuvm_va *gpuvm_va_next_in(const struct gpuvm_va *va, uint64_t end)
{
	const struct gpuvm_va_space *s;
	const struct gpuvm_btree_leaf *l;
	struct gpuvm_va_iter it = { NULL, 0, end };
	unsigned int n;

	if (!va)
		return NULL;
	/* The slab chunk a mapping lives in knows its space. */
	s = gpuvm_slab_owner(to_node(va));
	if (!s->tree.height)
		return NULL;
	l = gpuvm_btree_leaf_for(&s->tree, va->addr);
	n = gpuvm_btree_leaf_rank(l, va->addr);
	if (!n || l->e[n - 1].val != va)
		return NULL; /* not (or no longer) in the space */
	it.leaf_ = l;
	it.idx_ = n;
	return gpuvm_va_iter_get(&it);
}

struct gpuvm_va *gpuvm_va_bo_first(const struct gpuvm_va_space *space,
				   uint64_t bo)
{
	struct va_node *n;

	if (!space)
		return NULL;
	/* Sorting a BO's list is private state (see va.h). */
	n = va_bo_first((struct va_bo_index *)&space->bos, bo);
	return n ? &n->va : NULL;
}

struct gpuvm_va *gpuvm_va_bo_next(const struct gpuvm_va *va)
{
	struct va_node *n;

	if (!va)
		return NULL;
	n = to_node(va)->bo_next;
	return n ? &n->va : NULL;
}

uint64_t gpuvm_va_bo_offset_at(const struct gpuvm_va *va, uint64_t x)
{
	if (!va)
		return UINT64_MAX;
	switch (va->kind) {
	case GPUVM_VA_BO:
		return va->offset + (x - va->addr);
	case GPUVM_VA_REPEAT:
		return va->offset + (x - va->addr + va->phase) % va->repeat;
	case GPUVM_VA_SPARSE:
		break;
	}
	return UINT64_MAX;
}

/* ------------------------------------------------------------------ */
/* Op lists                                                            */

static int check_backing(const struct gpuvm_va_space *space,
			 const struct gpuvm_va *r)
{
	uint64_t g = space->cfg.granule;

	switch (r->kind) {
	case GPUVM_VA_SPARSE:
		return r->bo || r->offset || r->repeat || r->phase ? -EINVAL : 0;
	case GPUVM_VA_BO:
		if (r->repeat || r->phase)
			return -EINVAL;
		if (r->offset + r->range < r->offset)
			return -EINVAL;
		break;
	case GPUVM_VA_REPEAT:
		if (!r->repeat || r->repeat & (g - 1) || r->phase >= r->repeat ||
		    r->offset + r->repeat < r->offset)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return r->bo && !((r->offset | r->phase) & (g - 1)) ? 0 : -EINVAL;
}

/* The part of va covering [s, e), with offset or phase moved along. */
static struct gpuvm_va piece(const struct gpuvm_va *va, uint64_t s, uint64_t e)
{
	struct gpuvm_va p = *va;

	p.addr = s;
	p.range = e - s;
	if (va->kind == GPUVM_VA_BO)
		p.offset += s - va->addr;
	else if (va->kind == GPUVM_VA_REPEAT)
		p.phase = (va->phase + (s - va->addr)) % va->repeat;
	return p;
}

/* Old PTEs under the overlap of va and req already map what req wants. */
static bool can_keep(const struct gpuvm_va *va, const struct gpuvm_va *req)
{
	uint64_t at = va->addr > req->addr ? va->addr : req->addr;

	if (va->kind == GPUVM_VA_SPARSE || va->kind != req->kind ||
	    va->bo != req->bo || va->flags != req->flags)
		return false;
	if (va->kind == GPUVM_VA_REPEAT &&
	    (va->offset != req->offset || va->repeat != req->repeat))
		return false;
	return gpuvm_va_bo_offset_at(va, at) == gpuvm_va_bo_offset_at(req, at);
}

/* Every allocation an op list makes asks here first, for the hook. */
static bool alloc_fails(struct gpuvm_va_space *s)
{
	return s->fail_nth && !--s->fail_nth;
}

void gpuvm_va_space_fail_nth_alloc(struct gpuvm_va_space *space, uint64_t nth)
{
	if (space)
		space->fail_nth = nth;
}

static struct gpuvm_va *new_va(struct gpuvm_va_space *s,
			       const struct gpuvm_va *init)
{
	struct va_node *n = alloc_fails(s) ? NULL : gpuvm_slab_alloc(&s->vas);

	if (!n)
		return NULL;
	n->va = *init;
	return &n->va;
}

static void free_va(struct gpuvm_va_space *s, struct gpuvm_va *va)
{
	if (va)
		gpuvm_slab_free(&s->vas, to_node(va));
}

static struct va_ops *ops_of(struct gpuvm_va_ops *ops)
{
	return (struct va_ops *)(void *)ops;
}

static void ops_release(struct gpuvm_va_space *s, struct va_ops *o)
{
	if (o->pub.op != o->inline_op)
		free(o->pub.op);
	s->live_ops--;
	if (!s->spare && !s->dying)
		s->spare = o;
	else
		free(o);
}

/* An empty op list, with room for OPS_INLINE ops. */
static struct va_ops *ops_alloc(struct gpuvm_va_space *s)
{
	struct va_ops *o;

	if (alloc_fails(s))
		return NULL;
	o = s->spare ? s->spare : malloc(sizeof(*o));
	if (!o)
		return NULL;
	s->spare = NULL;
	s->live_ops++;
	o->pub = (struct gpuvm_va_ops){ .space = s, .generation = s->generation,
					.op = o->inline_op };
	o->run_new = o->run_old = 0;
	o->nodes = 0;
	o->bo_table = NULL;
	o->bo_cap = 0;
	return o;
}

/* Room for max ops: past OPS_INLINE, an array of their own. */
static int ops_room(struct va_ops *o, unsigned int max)
{
	if (max <= OPS_INLINE)
		return 0;
	o->pub.op = alloc_fails(o->pub.space) ? NULL
					       : malloc(max * sizeof(*o->pub.op));
	if (o->pub.op)
		return 0;
	o->pub.op = o->inline_op;
	return -ENOMEM;
}

/*
 * Finds what [addr, end) overlaps: *at gets the path to the first
 * overlapped mapping (or, if none, to where a mapping at addr goes);
 * returns how many mappings overlap.
 */
static unsigned int locate(const struct gpuvm_va_space *s, uint64_t addr,
			   uint64_t end, struct gpuvm_btree_path *at)
{
	const struct gpuvm_btree_entry *e;
	const struct gpuvm_btree_leaf *l;
	struct gpuvm_btree_pos pos;
	unsigned int k = 0, h = s->tree.height, n;

	gpuvm_btree_descend(&s->tree, addr, at);
	if (!h)
		return 0;
	/* The descent counted the starts <= addr: the floor is n - 1. */
	l = at->lvl[h - 1].node;
	n = at->lvl[h - 1].idx;
	if (n && l->e[n - 1].end > addr)
		at->lvl[h - 1].idx = --n;
	pos = gpuvm_btree_pos_of(at);
	for (e = gpuvm_btree_pos_entry(&pos); e && e->start < end;
	     gpuvm_btree_pos_step(&pos), e = gpuvm_btree_pos_entry(&pos))
		k++;
	/* Past the leaf's last entry: the first overlapped is in the next. */
	if (k && n == l->count)
		gpuvm_btree_path_next(at);
	return k;
}

/*
 * Appends the UNMAP or REMAP that clears [addr, end) out of the mapping
 * of index entry e. The surviving pieces are allocated here so that
 * commit cannot fail. The entry says whether there are pieces: a mapping
 * cleared whole is not read here at all.
 */
static int add_clear_op(struct va_ops *o, const struct gpuvm_btree_entry *e,
			uint64_t addr, uint64_t end, bool keep)
{
	struct gpuvm_va_op *op = &o->pub.op[o->pub.count];
	struct gpuvm_va_space *s = o->pub.space;
	struct gpuvm_va *va = e->val;
	struct gpuvm_va prev, next;

	*op = (struct gpuvm_va_op){ .type = GPUVM_VA_OP_UNMAP, .keep = keep,
				    .va = va };
	if (e->start < addr) {
		prev = piece(va, e->start, addr);
		op->prev = new_va(s, &prev);
		if (!op->prev)
			return -ENOMEM;
		op->type = GPUVM_VA_OP_REMAP;
	}
	if (e->end > end) {
		next = piece(va, end, e->end);
		op->next = new_va(s, &next);
		if (!op->next) {
			free_va(s, op->prev);
			op->prev = NULL;
			return -ENOMEM;
		}
		op->type = GPUVM_VA_OP_REMAP;
	}
	o->pub.count++;
	return 0;
}

/*
 * Builds the UNMAP/REMAP ops for the k mappings overlapping [addr, end),
 * from o->at on. With req, keep is computed against it; without (a
 * plain unmap), never, and the mappings are only prefetched: commit
 * unlinks them from their BO lists.
 */
static int build_clear(struct va_ops *o, unsigned int k, uint64_t addr,
		       uint64_t end, const struct gpuvm_va *req)
{
	struct gpuvm_btree_pos pos = gpuvm_btree_pos_of(&o->at);
	const struct gpuvm_btree_entry *e;
	unsigned int i;
	int ret;

	for (i = 0; i < k; i++, gpuvm_btree_pos_step(&pos)) {
		e = gpuvm_btree_pos_entry(&pos);
		__builtin_prefetch(e->val);
		ret = add_clear_op(o, e, addr, end, req && can_keep(e->val, req));
		if (ret)
			return ret;
	}
	return 0;
}

/* Clear ops (UNMAP/REMAP) of a list: all but a final MAP. */
static unsigned int clear_count(const struct gpuvm_va_ops *ops)
{
	return ops->count && ops->op[ops->count - 1].type == GPUVM_VA_OP_MAP
		       ? ops->count - 1 : ops->count;
}

/*
 * What commit puts in the place of the run of overlapped entries (the
 * k = run_old cleared mappings): the left piece of the first, the new
 * mapping, the right piece of the last, whichever exist.
 */
static void plan_run(struct va_ops *o)
{
	const struct gpuvm_va_ops *ops = &o->pub;
	unsigned int k = clear_count(ops), i, j = 0;
	const struct gpuvm_va *v[3] = {
		k ? ops->op[0].prev : NULL,
		k < ops->count ? ops->op[k].va : NULL,
		k ? ops->op[k - 1].next : NULL,
	};

	for (i = 0; i < 3; i++)
		if (v[i])
			o->run[j++] = (struct gpuvm_btree_entry){
				v[i]->addr, gpuvm_va_end(v[i]), (void *)v[i] };
	o->run_new = j;
	o->run_old = k;
}

/* Mappings this list adds minus those it removes is run_new - run_old. */
static int check_limit(const struct va_ops *o)
{
	const struct gpuvm_va_space *s = o->pub.space;

	if (s->cfg.max_mappings &&
	    s->count + o->run_new - o->run_old > s->cfg.max_mappings)
		return -ENOSPC;
	return 0;
}

/*
 * What commit will allocate, reserved now: index nodes when the list
 * adds more entries than it removes, and a bigger BO table when the new
 * mapping's BO is new to a half-full table.
 */
static int reserve_for_commit(struct va_ops *o)
{
	struct gpuvm_va_space *s = o->pub.space;
	const struct gpuvm_va *map = o->pub.count ?
		o->pub.op[o->pub.count - 1].va : NULL;
	unsigned int need = 0;

	if (o->run_new > o->run_old)
		need = gpuvm_btree_insert_need(&s->tree);
	if (need) {
		if (alloc_fails(s) || gpuvm_btree_reserve(&s->tree, need))
			return -ENOMEM;
		o->nodes = need;
	}
	if (!map || o->pub.op[o->pub.count - 1].type != GPUVM_VA_OP_MAP)
		return 0;
	o->bo_cap = va_bo_cap_for(&s->bos, map->bo);
	if (o->bo_cap == s->bos.cap)
		return 0;
	o->bo_table = alloc_fails(s) ? NULL
				     : calloc(o->bo_cap, sizeof(*o->bo_table));
	return o->bo_table ? 0 : -ENOMEM;
}

static int finish_prepare(struct va_ops *o, int ret,
			  struct gpuvm_va_ops **out)
{
	if (!ret) {
		plan_run(o);
		ret = check_limit(o);
	}
	if (!ret)
		ret = reserve_for_commit(o);
	if (ret) {
		gpuvm_va_ops_free(&o->pub);
		return ret;
	}
	*out = &o->pub;
	return 0;
}

int gpuvm_va_map_prepare(struct gpuvm_va_space *space,
			 const struct gpuvm_va *req,
			 struct gpuvm_va_ops **out)
{
	uint64_t end;
	struct gpuvm_va init;
	struct gpuvm_va_op *op;
	struct va_ops *o;
	unsigned int k;
	int ret;

	if (!space || !req || !out)
		return -EINVAL;
	end = req->addr + req->range;
	init = *req;
	ret = gpuvm_va_check_range(space, req->addr, req->range);
	if (!ret)
		ret = check_backing(space, req);
	if (ret)
		return ret;
	o = ops_alloc(space);
	if (!o)
		return -ENOMEM;
	k = locate(space, req->addr, end, &o->at);
	ret = ops_room(o, k + 1);
	if (!ret)
		ret = build_clear(o, k, req->addr, end, req);
	if (!ret) {
		init.priv = NULL;
		op = &o->pub.op[o->pub.count];
		*op = (struct gpuvm_va_op){ .type = GPUVM_VA_OP_MAP,
					    .va = new_va(space, &init) };
		if (op->va)
			o->pub.count++;
		else
			ret = -ENOMEM;
	}
	return finish_prepare(o, ret, out);
}

int gpuvm_va_unmap_prepare(struct gpuvm_va_space *space, uint64_t addr,
			   uint64_t range, struct gpuvm_va_ops **out)
{
	struct va_ops *o;
	unsigned int k;
	int ret;

	if (!space || !out)
		return -EINVAL;
	ret = gpuvm_va_check_range(space, addr, range);
	if (ret)
		return ret;
	o = ops_alloc(space);
	if (!o)
		return -ENOMEM;
	k = locate(space, addr, addr + range, &o->at);
	ret = ops_room(o, k);
	if (!ret)
		ret = build_clear(o, k, addr, addr + range, NULL);
	return finish_prepare(o, ret, out);
}

/* ------------------------------------------------------------------ */
/* Commit                                                              */

/* Path to the entry of va, which is in the tree. */
static void path_to(const struct gpuvm_btree *t, const struct gpuvm_va *va,
		    struct gpuvm_btree_path *p)
{
	gpuvm_btree_descend(t, va->addr, p);
	p->lvl[p->height - 1].idx--;
}

/*
 * More old entries than new (k > j): erase old ones until j are left,
 * then overwrite those. The first is kept and the last j - 1, so every
 * overwrite keeps the order: a new run starts no later than the old one
 * (a left piece starts where its mapping did) and only its last entry,
 * a right piece, can start past an old start, and it takes the last
 * old slot.
 */
static void shrink(struct gpuvm_btree *t, struct va_ops *o, unsigned int k,
		   const struct gpuvm_btree_entry *e, unsigned int j)
{
	const struct gpuvm_va_op *op = o->pub.op;
	unsigned int first = j ? 1 : 0, i;
	struct gpuvm_btree_path p;

	/* The list's own path reaches op[0]; one step reaches op[1]. */
	if (first)
		gpuvm_btree_path_next(&o->at);
	gpuvm_btree_erase(t, &o->at);
	for (i = first + 1; i < first + k - j; i++) {
		path_to(t, op[i].va, &p);
		gpuvm_btree_erase(t, &p);
	}
	for (i = 0; i < j; i++) {
		path_to(t, op[i ? k - j + i : 0].va, &p);
		gpuvm_btree_replace(t, &p, &e[i]);
	}
}

/*
 * As many new entries as old or more (k <= j): overwrite the k old ones
 * in order (keys change in place, the path stays good), then insert the
 * rest after them.
 */
static unsigned int grow(struct gpuvm_btree *t, struct va_ops *o,
			 unsigned int k, const struct gpuvm_btree_entry *e,
			 unsigned int j)
{
	struct gpuvm_btree_path *p = &o->at;
	unsigned int i;

	for (i = 0; i < k; i++) {
		if (i)
			gpuvm_btree_path_next(p);
		gpuvm_btree_replace(t, p, &e[i]);
	}
	if (j == k)
		return 0;
	if (k)
		p->lvl[p->height - 1].idx++;
	return gpuvm_btree_insert(t, p, &e[k], j - k);
}

/*
 * The overlapped run of k entries at o->at becomes the new run: left
 * piece of the first, the new mapping, right piece of the last.
 */
static void commit_tree(struct gpuvm_va_space *s, struct va_ops *o)
{
	unsigned int j = o->run_new, k = o->run_old, used = 0;

	if (k > j)
		shrink(&s->tree, o, k, o->run, j);
	else
		used = grow(&s->tree, o, k, o->run, j);
	gpuvm_btree_unreserve(&s->tree, o->nodes - used);
	o->nodes = 0;
}

/* The BO-list neighbours commit_bos() will write, while the tree changes. */
static void prefetch_bos(const struct va_ops *o)
{
	unsigned int i;

	for (i = 0; i < o->run_old && i < OPS_INLINE; i++) {
		const struct va_node *n = to_node(o->pub.op[i].va);

		__builtin_prefetch(n->bo_prev, 1);
		__builtin_prefetch(n->bo_next, 1);
	}
}

static void commit_bos(struct gpuvm_va_space *s, struct va_ops *o)
{
	unsigned int i;

	if (o->bo_table) {
		va_bo_grow(&s->bos, o->bo_table, o->bo_cap);
		o->bo_table = NULL;
	}
	for (i = 0; i < o->pub.count; i++) {
		struct gpuvm_va_op *op = &o->pub.op[i];

		if (op->type == GPUVM_VA_OP_MAP)
			va_bo_link(&s->bos, to_node(op->va));
		else if (op->type == GPUVM_VA_OP_REMAP)
			va_bo_replace(&s->bos, to_node(op->va),
				      op->prev ? to_node(op->prev) : NULL,
				      op->next ? to_node(op->next) : NULL);
		else
			va_bo_unlink(&s->bos, to_node(op->va));
	}
}

int gpuvm_va_ops_commit(struct gpuvm_va_ops *ops)
{
	struct gpuvm_va_space *s;
	struct va_ops *o;

	if (!ops)
		return -EINVAL;
	s = ops->space;
	o = ops_of(ops);
	if (ops->committed)
		return -EALREADY;
	if (ops->generation != s->generation)
		return -ESTALE;
	ops->committed = true;
	if (!ops->count)
		return 0;
	prefetch_bos(o);
	commit_tree(s, o);
	commit_bos(s, o);
	s->count = s->count + o->run_new - o->run_old;
	s->generation++;
	return 0;
}

void gpuvm_va_ops_free(struct gpuvm_va_ops *ops)
{
	struct gpuvm_va_space *s;
	struct va_ops *o;
	unsigned int i;

	if (!ops)
		return;
	s = ops->space;
	o = ops_of(ops);
	for (i = 0; i < ops->count; i++) {
		struct gpuvm_va_op *op = &ops->op[i];

		if (op->type == GPUVM_VA_OP_MAP) {
			if (!ops->committed)
				free_va(s, op->va);
		} else if (ops->committed) {
			free_va(s, op->va);
		} else {
			free_va(s, op->prev);
			free_va(s, op->next);
		}
	}
	if (o->nodes)
		gpuvm_btree_unreserve(&s->tree, o->nodes);
	free(o->bo_table);
	ops_release(s, o);
	if (s->dying && !s->live_ops)
		teardown(s);
}

/* ------------------------------------------------------------------ */
/* Debug helpers                                                       */

static void print_va(const struct gpuvm_va_space *s,
		     const struct gpuvm_va *va, FILE *f);

static int fail(const struct gpuvm_va_space *s, FILE *err,
		const struct gpuvm_va *va, const char *what)
{
	if (err) {
		fprintf(err, "gpuvm_va: invariant broken: %s at ", what);
		if (va)
			print_va(s, va, err);
		else
			fputs("(space)\n", err);
	}
	return -EUCLEAN;
}

static const char *check_one(const struct gpuvm_va_space *s,
			     const struct gpuvm_btree_entry *e)
{
	const struct gpuvm_va *va = e->val;

	if (e->start != va->addr || e->end != gpuvm_va_end(va))
		return "mapping differs from its index entry";
	if (gpuvm_va_check_range(s, va->addr, va->range))
		return "bad range";
	if (check_backing(s, va))
		return "bad backing";
	return NULL;
}

static bool in_space(const void *ctx, const struct va_node *n)
{
	return gpuvm_va_find(ctx, n->va.addr) == &n->va;
}

int gpuvm_va_space_validate(const struct gpuvm_va_space *s, FILE *err)
{
	const struct gpuvm_btree_entry *e;
	const struct gpuvm_va *bad;
	struct gpuvm_btree_pos pos;
	struct gpuvm_btree_path p;
	uint64_t listed;
	const char *why;
	long n;

	if (!s)
		return -EINVAL;
	n = gpuvm_btree_validate(&s->tree, err);
	if (n < 0 || (uint64_t)n != s->count)
		return fail(s, err, NULL, "address index shape or count");
	gpuvm_btree_descend(&s->tree, 0, &p);
	pos = gpuvm_btree_pos_of(&p);
	for (pos.idx = 0; (e = gpuvm_btree_pos_entry(&pos));
	     gpuvm_btree_pos_step(&pos)) {
		why = check_one(s, e);
		if (why)
			return fail(s, err, e->val, why);
	}
	if (gpuvm_slab_validate(&s->vas, err) || s->vas.in_use < s->count)
		return fail(s, err, NULL, "mapping slab");
	why = va_bo_check(&s->bos, s->count, &listed, &bad, in_space, s);
	if (!why && listed != s->count)
		why = "BO index misses mappings";
	return why ? fail(s, err, bad, why) : 0;
}

void gpuvm_va_space_set_bo_namer(struct gpuvm_va_space *s,
				 gpuvm_va_bo_namer fn, void *cookie)
{
	if (!s)
		return;
	s->bo_namer = fn;
	s->bo_namer_cookie = cookie;
}

static void print_bo(const struct gpuvm_va_space *s, uint64_t bo, FILE *f)
{
	fputs(" bo=", f);
	if (s && s->bo_namer)
		s->bo_namer(f, bo, s->bo_namer_cookie);
	else
		fprintf(f, "%" PRIu64, bo);
}

/* s may be NULL: the key is printed as it is. */
static void print_va(const struct gpuvm_va_space *s,
		     const struct gpuvm_va *va, FILE *f)
{
	if (!va || !f)
		return;
	fprintf(f, "[0x%" PRIx64 ", 0x%" PRIx64 ")", va->addr, gpuvm_va_end(va));
	switch (va->kind) {
	case GPUVM_VA_SPARSE:
		fputs(" sparse", f);
		break;
	case GPUVM_VA_BO:
		print_bo(s, va->bo, f);
		fprintf(f, " offset=0x%" PRIx64, va->offset);
		break;
	case GPUVM_VA_REPEAT:
		print_bo(s, va->bo, f);
		fprintf(f, " offset=0x%" PRIx64 " repeat=0x%" PRIx64
			" phase=0x%" PRIx64, va->offset, va->repeat, va->phase);
		break;
	}
	fprintf(f, " flags=0x%x\n", (unsigned int)va->flags);
}

void gpuvm_va_print(const struct gpuvm_va *va, FILE *f)
{
	print_va(NULL, va, f);
}

void gpuvm_va_space_print(const struct gpuvm_va_space *s, FILE *f)
{
	const struct gpuvm_va *va;

	if (!s || !f)
		return;
	fprintf(f, "va space [0x%" PRIx64 ", 0x%" PRIx64 "), %" PRIu64
		" mappings\n", s->cfg.start, s->cfg.start + s->cfg.range,
		s->count);
	gpuvm_va_for_each_in(va, s, s->cfg.start, s->cfg.start + s->cfg.range) {
		fputs("  ", f);
		print_va(s, va, f);
	}
}

void gpuvm_va_ops_print(const struct gpuvm_va_ops *ops, FILE *f)
{
	static const char *const names[] = { "MAP", "REMAP", "UNMAP" };
	unsigned int i;

	if (!ops || !f)
		return;
	for (i = 0; i < ops->count; i++) {
		const struct gpuvm_va_op *op = &ops->op[i];

		fprintf(f, "%s%s ", names[op->type], op->keep ? " keep" : "");
		print_va(ops->space, op->va, f);
		if (op->prev) {
			fputs("  prev ", f);
			print_va(ops->space, op->prev, f);
		}
		if (op->next) {
			fputs("  next ", f);
			print_va(ops->space, op->next, f);
		}
	}
}
