// SPDX-License-Identifier: MIT
/*
 * DOC: VA-space manager
 *
 * Mappings live in two intrusive AVL trees: one by address (never
 * overlapping, so ordering by start orders by end too) and one by
 * (bo, address), which is the VM x BO link that eviction walks. Sparse
 * mappings sit in the second under bo 0, so a driver can find every
 * sparse range (and its dummy's users) the same way. Both give O(log n) lookup; iterating k results costs
 * O(log n + k).
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
#include "util/avl.h"

struct va_node {
	struct gpuvm_va va;
	struct gpuvm_avl_node by_addr;
	struct gpuvm_avl_node by_bo;
};

struct gpuvm_va_space {
	struct gpuvm_va_space_cfg cfg;
	struct gpuvm_avl by_addr;
	struct gpuvm_avl by_bo;
	uint64_t count;
	uint64_t generation;
	uint64_t fail_nth;   /* test hook: 0 disarmed */
	gpuvm_va_bo_namer bo_namer;   /* how prints name a BO key, or NULL */
	void *bo_namer_cookie;
};

static struct va_node *to_node(const struct gpuvm_va *va)
{
	return gpuvm_avl_entry(va, struct va_node, va);
}

static struct va_node *addr_node(const struct gpuvm_avl_node *n)
{
	return n ? gpuvm_avl_entry(n, struct va_node, by_addr) : NULL;
}

static struct va_node *bo_node(const struct gpuvm_avl_node *n)
{
	return n ? gpuvm_avl_entry(n, struct va_node, by_bo) : NULL;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_addr(const struct gpuvm_avl_node *a,
		    const struct gpuvm_avl_node *b)
{
	return cmp_u64(addr_node(a)->va.addr, addr_node(b)->va.addr);
}

static int cmp_bo(const struct gpuvm_avl_node *a,
		  const struct gpuvm_avl_node *b)
{
	const struct gpuvm_va *x = &bo_node(a)->va, *y = &bo_node(b)->va;

	return x->bo != y->bo ? cmp_u64(x->bo, y->bo) : cmp_u64(x->addr, y->addr);
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
	gpuvm_avl_init(&s->by_addr);
	gpuvm_avl_init(&s->by_bo);
	*out = s;
	return 0;
}

void gpuvm_va_space_destroy(struct gpuvm_va_space *space)
{
	struct gpuvm_avl_node *n, *p;

	if (!space)
		return;
	/* Post-order teardown: no rebalancing, O(n). */
	n = space->by_addr.root;
	while (n) {
		if (n->child[0] || n->child[1]) {
			n = n->child[n->child[0] == NULL];
			continue;
		}
		p = n->parent;
		if (p)
			p->child[p->child[1] == n] = NULL;
		free(addr_node(n));
		n = p;
	}
	free(space);
}

uint64_t gpuvm_va_space_count(const struct gpuvm_va_space *space)
{
	return space ? space->count : 0;
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

/* The mapping with the greatest addr <= x. */
static struct va_node *floor_node(const struct gpuvm_va_space *space,
				  uint64_t x)
{
	struct gpuvm_avl_node *n = space->by_addr.root;
	struct va_node *best = NULL;

	while (n) {
		struct va_node *v = addr_node(n);

		if (v->va.addr <= x) {
			best = v;
			n = n->child[1];
		} else {
			n = n->child[0];
		}
	}
	return best;
}

struct gpuvm_va *gpuvm_va_find(const struct gpuvm_va_space *space,
			       uint64_t addr)
{
	struct va_node *v;

	if (!space)
		return NULL;
	v = floor_node(space, addr);
	return v && addr < gpuvm_va_end(&v->va) ? &v->va : NULL;
}

struct gpuvm_va *gpuvm_va_first_in(const struct gpuvm_va_space *space,
				   uint64_t addr, uint64_t end)
{
	struct va_node *v;

	if (!space)
		return NULL;
	v = floor_node(space, addr);
	if (!v)
		v = addr_node(gpuvm_avl_first(&space->by_addr));
	else if (gpuvm_va_end(&v->va) <= addr)
		v = addr_node(gpuvm_avl_next(&v->by_addr));
	return v && v->va.addr < end ? &v->va : NULL;
}

struct gpuvm_va *gpuvm_va_next_in(const struct gpuvm_va *va, uint64_t end)
{
	struct va_node *v;

	if (!va)
		return NULL;
	v = addr_node(gpuvm_avl_next(&to_node(va)->by_addr));
	return v && v->va.addr < end ? &v->va : NULL;
}

struct gpuvm_va *gpuvm_va_bo_first(const struct gpuvm_va_space *space,
				   uint64_t bo)
{
	struct gpuvm_avl_node *n;
	struct va_node *best = NULL;

	if (!space)
		return NULL;
	n = space->by_bo.root;
	while (n) {
		struct va_node *v = bo_node(n);

		if (v->va.bo >= bo) {
			best = v;
			n = n->child[0];
		} else {
			n = n->child[1];
		}
	}
	return best && best->va.bo == bo ? &best->va : NULL;
}

struct gpuvm_va *gpuvm_va_bo_next(const struct gpuvm_va *va)
{
	struct va_node *v;

	if (!va)
		return NULL;
	v = bo_node(gpuvm_avl_next(&to_node(va)->by_bo));
	return v && v->va.bo == va->bo ? &v->va : NULL;
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

/* Every allocation an op list makes goes through here, for the hook. */
static void *va_alloc(struct gpuvm_va_space *s, size_t n, size_t size)
{
	if (s->fail_nth && !--s->fail_nth)
		return NULL;
	return calloc(n, size);
}

void gpuvm_va_space_fail_nth_alloc(struct gpuvm_va_space *space, uint64_t nth)
{
	if (space)
		space->fail_nth = nth;
}

static struct gpuvm_va *new_va(struct gpuvm_va_space *s,
			       const struct gpuvm_va *init)
{
	struct va_node *n = va_alloc(s, 1, sizeof(*n));

	if (!n)
		return NULL;
	n->va = *init;
	return &n->va;
}

static void free_va(struct gpuvm_va *va)
{
	if (va)
		free(to_node(va));
}

static struct gpuvm_va_ops *ops_alloc(struct gpuvm_va_space *space,
				      unsigned int max)
{
	struct gpuvm_va_ops *ops = va_alloc(space, 1, sizeof(*ops));

	if (!ops)
		return NULL;
	ops->space = space;
	ops->generation = space->generation;
	if (max) {
		ops->op = va_alloc(space, max, sizeof(*ops->op));
		if (!ops->op) {
			free(ops);
			return NULL;
		}
	}
	return ops;
}

static unsigned int count_overlaps(const struct gpuvm_va_space *space,
				   uint64_t addr, uint64_t end)
{
	const struct gpuvm_va *va;
	unsigned int k = 0;

	gpuvm_va_for_each_in(va, space, addr, end)
		k++;
	return k;
}

/*
 * Appends the UNMAP or REMAP that clears [addr, end) out of va. The
 * surviving pieces are allocated here so that commit cannot fail.
 */
static int add_clear_op(struct gpuvm_va_ops *ops, struct gpuvm_va *va,
			uint64_t addr, uint64_t end, bool keep)
{
	struct gpuvm_va_op *op = &ops->op[ops->count];
	struct gpuvm_va prev, next;

	op->va = va;
	op->keep = keep;
	op->type = GPUVM_VA_OP_UNMAP;
	if (va->addr < addr) {
		prev = piece(va, va->addr, addr);
		op->prev = new_va(ops->space, &prev);
		if (!op->prev)
			return -ENOMEM;
		op->type = GPUVM_VA_OP_REMAP;
	}
	if (gpuvm_va_end(va) > end) {
		next = piece(va, end, gpuvm_va_end(va));
		op->next = new_va(ops->space, &next);
		if (!op->next) {
			free_va(op->prev);
			op->prev = NULL;
			return -ENOMEM;
		}
		op->type = GPUVM_VA_OP_REMAP;
	}
	ops->count++;
	return 0;
}

/*
 * Builds the UNMAP/REMAP ops for everything overlapping [addr, end). With
 * req, keep is computed against it; without (a plain unmap), never.
 */
static int build_clear(struct gpuvm_va_ops *ops, uint64_t addr, uint64_t end,
		       const struct gpuvm_va *req)
{
	struct gpuvm_va *va;
	int ret;

	gpuvm_va_for_each_in(va, ops->space, addr, end) {
		ret = add_clear_op(ops, va, addr, end, req && can_keep(va, req));
		if (ret)
			return ret;
	}
	return 0;
}

/* Mappings this list adds minus those it removes, for the limit check. */
static int64_t net_new(const struct gpuvm_va_ops *ops)
{
	int64_t d = 0;
	unsigned int i;

	for (i = 0; i < ops->count; i++) {
		const struct gpuvm_va_op *op = &ops->op[i];

		d += op->type == GPUVM_VA_OP_MAP ? 1 : -1;
		d += (op->prev != NULL) + (op->next != NULL);
	}
	return d;
}

static int check_limit(const struct gpuvm_va_ops *ops)
{
	const struct gpuvm_va_space *s = ops->space;

	if (s->cfg.max_mappings &&
	    (int64_t)s->count + net_new(ops) > (int64_t)s->cfg.max_mappings)
		return -ENOSPC;
	return 0;
}

static int finish_prepare(struct gpuvm_va_ops *ops, int ret,
			  struct gpuvm_va_ops **out)
{
	if (!ret)
		ret = check_limit(ops);
	if (ret) {
		gpuvm_va_ops_free(ops);
		return ret;
	}
	*out = ops;
	return 0;
}

int gpuvm_va_map_prepare(struct gpuvm_va_space *space,
			 const struct gpuvm_va *req,
			 struct gpuvm_va_ops **out)
{
	uint64_t end;
	struct gpuvm_va_ops *ops;
	struct gpuvm_va init;
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
	ops = ops_alloc(space, count_overlaps(space, req->addr, end) + 1);
	if (!ops)
		return -ENOMEM;
	ret = build_clear(ops, req->addr, end, req);
	if (!ret) {
		init.priv = NULL;
		ops->op[ops->count].type = GPUVM_VA_OP_MAP;
		ops->op[ops->count].va = new_va(space, &init);
		if (ops->op[ops->count].va)
			ops->count++;
		else
			ret = -ENOMEM;
	}
	return finish_prepare(ops, ret, out);
}

int gpuvm_va_unmap_prepare(struct gpuvm_va_space *space, uint64_t addr,
			   uint64_t range, struct gpuvm_va_ops **out)
{
	struct gpuvm_va_ops *ops;
	int ret;

	if (!space || !out)
		return -EINVAL;
	ret = gpuvm_va_check_range(space, addr, range);
	if (ret)
		return ret;
	ops = ops_alloc(space, count_overlaps(space, addr, addr + range));
	if (!ops)
		return -ENOMEM;
	ret = build_clear(ops, addr, addr + range, NULL);
	return finish_prepare(ops, ret, out);
}

static void link_va(struct gpuvm_va_space *s, struct gpuvm_va *va)
{
	struct va_node *n = to_node(va);

	gpuvm_avl_insert(&s->by_addr, &n->by_addr, cmp_addr);
	gpuvm_avl_insert(&s->by_bo, &n->by_bo, cmp_bo);
	s->count++;
}

static void unlink_va(struct gpuvm_va_space *s, struct gpuvm_va *va)
{
	struct va_node *n = to_node(va);

	gpuvm_avl_erase(&s->by_addr, &n->by_addr);
	gpuvm_avl_erase(&s->by_bo, &n->by_bo);
	s->count--;
}

int gpuvm_va_ops_commit(struct gpuvm_va_ops *ops)
{
	struct gpuvm_va_space *s;
	unsigned int i;

	if (!ops)
		return -EINVAL;
	s = ops->space;
	if (ops->committed)
		return -EALREADY;
	if (ops->generation != s->generation)
		return -ESTALE;
	for (i = 0; i < ops->count; i++) {
		struct gpuvm_va_op *op = &ops->op[i];

		if (op->type == GPUVM_VA_OP_MAP) {
			link_va(s, op->va);
			continue;
		}
		unlink_va(s, op->va);
		if (op->prev)
			link_va(s, op->prev);
		if (op->next)
			link_va(s, op->next);
	}
	ops->committed = true;
	if (ops->count)
		s->generation++;
	return 0;
}

void gpuvm_va_ops_free(struct gpuvm_va_ops *ops)
{
	unsigned int i;

	if (!ops)
		return;
	for (i = 0; i < ops->count; i++) {
		struct gpuvm_va_op *op = &ops->op[i];

		if (op->type == GPUVM_VA_OP_MAP) {
			if (!ops->committed)
				free_va(op->va);
		} else if (ops->committed) {
			free_va(op->va);
		} else {
			free_va(op->prev);
			free_va(op->next);
		}
	}
	free(ops->op);
	free(ops);
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
			     const struct gpuvm_va *va)
{
	if (gpuvm_va_check_range(s, va->addr, va->range))
		return "bad range";
	if (check_backing(s, va))
		return "bad backing";
	return NULL;
}

int gpuvm_va_space_validate(const struct gpuvm_va_space *s, FILE *err)
{
	const struct gpuvm_va *va, *prev = NULL;
	uint64_t n = 0, nbo = 0;
	const char *why;
	long bo_count;

	if (!s)
		return -EINVAL;
	if (gpuvm_avl_check(&s->by_addr, cmp_addr) != (long)s->count)
		return fail(s, err, NULL, "address tree shape or count");
	gpuvm_va_for_each_in(va, s, s->cfg.start, s->cfg.start + s->cfg.range) {
		why = check_one(s, va);
		if (why)
			return fail(s, err, va, why);
		if (prev && gpuvm_va_end(prev) > va->addr)
			return fail(s, err, va, "overlaps its predecessor");
		if (gpuvm_va_bo_first(s, va->bo) == NULL)
			return fail(s, err, va, "missing from the BO index");
		nbo++;
		prev = va;
		n++;
	}
	if (n != s->count)
		return fail(s, err, NULL, "mappings outside the managed range");
	bo_count = gpuvm_avl_check(&s->by_bo, cmp_bo);
	if (bo_count < 0 || (uint64_t)bo_count != nbo)
		return fail(s, err, NULL, "BO index shape or count");
	return 0;
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
