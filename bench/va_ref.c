// SPDX-License-Identifier: MIT
/*
 * DOC: the AVL VA manager (baseline, see va_ref.h)
 *
 * src/util/avl.c and src/va/va.c as they stood before the B+tree, with
 * their names made local to the benchmark and the parts the benchmark
 * does not call (BO walks, debug helpers, the test hook's setter) left
 * out. The code that runs is the code that ran.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "va_ref.h"

/* ------------------------------------------------------------------ */
/* Intrusive AVL tree (was src/util/avl.c)                             */

struct ref_avl_node {
	struct ref_avl_node *parent;
	struct ref_avl_node *child[2]; /* [0] left, [1] right */
	int height;                    /* leaf = 1 */
};

struct ref_avl {
	struct ref_avl_node *root;
};

typedef int (*ref_avl_cmp_fn)(const struct ref_avl_node *a,
			      const struct ref_avl_node *b);

#define ref_avl_entry(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static void ref_avl_init(struct ref_avl *t)
{
	t->root = NULL;
}

static int height(const struct ref_avl_node *n)
{
	return n ? n->height : 0;
}

static void update_height(struct ref_avl_node *n)
{
	int l = height(n->child[0]), r = height(n->child[1]);

	n->height = (l > r ? l : r) + 1;
}

static int balance(const struct ref_avl_node *n)
{
	return height(n->child[1]) - height(n->child[0]);
}

/* Points whatever referenced old (parent slot or root) at new. */
static void replace_child(struct ref_avl *t, struct ref_avl_node *parent,
			  struct ref_avl_node *old, struct ref_avl_node *new)
{
	if (!parent)
		t->root = new;
	else if (parent->child[0] == old)
		parent->child[0] = new;
	else
		parent->child[1] = new;
	if (new)
		new->parent = parent;
}

/*
 * Rotates n down towards side dir (dir = 0: left rotation, its right child
 * comes up). Returns the node now in n's place.
 */
static struct ref_avl_node *rotate(struct ref_avl *t,
				     struct ref_avl_node *n, int dir)
{
	struct ref_avl_node *up = n->child[!dir];
	struct ref_avl_node *moved = up->child[dir];

	replace_child(t, n->parent, n, up);
	n->child[!dir] = moved;
	if (moved)
		moved->parent = n;
	up->child[dir] = n;
	n->parent = up;
	update_height(n);
	update_height(up);
	return up;
}

/* Restores balance at n; returns the subtree root now in n's place. */
static struct ref_avl_node *rebalance(struct ref_avl *t,
					struct ref_avl_node *n)
{
	int b = balance(n);

	if (b > 1) {
		if (balance(n->child[1]) < 0)
			rotate(t, n->child[1], 1);
		return rotate(t, n, 0);
	}
	if (b < -1) {
		if (balance(n->child[0]) > 0)
			rotate(t, n->child[0], 0);
		return rotate(t, n, 1);
	}
	update_height(n);
	return n;
}

static void retrace(struct ref_avl *t, struct ref_avl_node *n,
		    bool stop_when_unchanged)
{
	while (n) {
		int old = n->height;

		n = rebalance(t, n);
		if (stop_when_unchanged && n->height == old)
			return;
		n = n->parent;
	}
}

static void ref_avl_insert(struct ref_avl *t, struct ref_avl_node *n,
		      ref_avl_cmp_fn cmp)
{
	struct ref_avl_node *parent = NULL, **link = &t->root;

	while (*link) {
		parent = *link;
		link = &parent->child[cmp(n, parent) >= 0];
	}
	n->parent = parent;
	n->child[0] = n->child[1] = NULL;
	n->height = 1;
	*link = n;
	retrace(t, parent, true);
}

static void ref_avl_erase(struct ref_avl *t, struct ref_avl_node *n)
{
	struct ref_avl_node *fix;

	if (n->child[0] && n->child[1]) {
		/* Swap in the in-order successor, which has no left child. */
		struct ref_avl_node *s = n->child[1];

		while (s->child[0])
			s = s->child[0];
		if (s->parent == n) {
			fix = s;
		} else {
			fix = s->parent;
			replace_child(t, s->parent, s, s->child[1]);
			s->child[1] = n->child[1];
			s->child[1]->parent = s;
		}
		replace_child(t, n->parent, n, s);
		s->child[0] = n->child[0];
		s->child[0]->parent = s;
		s->height = n->height;
	} else {
		fix = n->parent;
		replace_child(t, n->parent, n, n->child[n->child[0] == NULL]);
	}
	retrace(t, fix, false);
}

static struct ref_avl_node *extreme(struct ref_avl_node *n, int dir)
{
	if (n)
		while (n->child[dir])
			n = n->child[dir];
	return n;
}

static struct ref_avl_node *ref_avl_first(const struct ref_avl *t)
{
	return extreme(t->root, 0);
}

static struct ref_avl_node *step(const struct ref_avl_node *n, int dir)
{
	const struct ref_avl_node *p;

	if (n->child[dir])
		return extreme(n->child[dir], !dir);
	for (p = n->parent; p && n == p->child[dir]; p = p->parent)
		n = p;
	return (struct ref_avl_node *)p;
}

static struct ref_avl_node *ref_avl_next(const struct ref_avl_node *n)
{
	return step(n, 1);
}

/* ------------------------------------------------------------------ */
/* The VA manager (was src/va/va.c)                                    */

/* The old gpuvm_va_for_each_in(). */
#define ref_for_each_in(va, space, addr, end)                  \
	for ((va) = ref_first_in((space), (addr), (end)); (va); \
	     (va) = ref_next_in((va), (end)))

struct va_node {
	struct gpuvm_va va;
	struct ref_avl_node by_addr;
	struct ref_avl_node by_bo;
};

struct ref_va_space {
	struct gpuvm_va_space_cfg cfg;
	struct ref_avl by_addr;
	struct ref_avl by_bo;
	uint64_t count;
	uint64_t generation;
	uint64_t fail_nth;   /* test hook: 0 disarmed */
};

static struct va_node *to_node(const struct gpuvm_va *va)
{
	return ref_avl_entry(va, struct va_node, va);
}

static struct va_node *addr_node(const struct ref_avl_node *n)
{
	return n ? ref_avl_entry(n, struct va_node, by_addr) : NULL;
}

static struct va_node *bo_node(const struct ref_avl_node *n)
{
	return n ? ref_avl_entry(n, struct va_node, by_bo) : NULL;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_addr(const struct ref_avl_node *a,
		    const struct ref_avl_node *b)
{
	return cmp_u64(addr_node(a)->va.addr, addr_node(b)->va.addr);
}

static int cmp_bo(const struct ref_avl_node *a,
		  const struct ref_avl_node *b)
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

int ref_va_space_create(const struct gpuvm_va_space_cfg *cfg,
			  struct ref_va_space **out)
{
	struct ref_va_space *s;
	uint64_t granule = cfg->granule ? cfg->granule : 4096;
	int ret = check_cfg(cfg, granule);

	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->cfg.granule = granule;
	ref_avl_init(&s->by_addr);
	ref_avl_init(&s->by_bo);
	*out = s;
	return 0;
}

void ref_va_space_destroy(struct ref_va_space *space)
{
	struct ref_avl_node *n, *p;

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

static int ref_check_range(const struct ref_va_space *space, uint64_t addr,
			 uint64_t range)
{
	const struct gpuvm_va_space_cfg *c = &space->cfg;
	uint64_t end = addr + range;

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
static struct va_node *floor_node(const struct ref_va_space *space,
				  uint64_t x)
{
	struct ref_avl_node *n = space->by_addr.root;
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

struct gpuvm_va *ref_va_find(const struct ref_va_space *space,
			       uint64_t addr)
{
	struct va_node *v = floor_node(space, addr);

	return v && addr < gpuvm_va_end(&v->va) ? &v->va : NULL;
}

static struct gpuvm_va *ref_first_in(const struct ref_va_space *space,
				   uint64_t addr, uint64_t end)
{
	struct va_node *v = floor_node(space, addr);

	if (!v)
		v = addr_node(ref_avl_first(&space->by_addr));
	else if (gpuvm_va_end(&v->va) <= addr)
		v = addr_node(ref_avl_next(&v->by_addr));
	return v && v->va.addr < end ? &v->va : NULL;
}

static struct gpuvm_va *ref_next_in(const struct gpuvm_va *va, uint64_t end)
{
	struct va_node *v = addr_node(ref_avl_next(&to_node(va)->by_addr));

	return v && v->va.addr < end ? &v->va : NULL;
}

static uint64_t ref_bo_offset_at(const struct gpuvm_va *va, uint64_t x)
{
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

static int check_backing(const struct ref_va_space *space,
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
	return ref_bo_offset_at(va, at) == ref_bo_offset_at(req, at);
}

/* Every allocation an op list makes goes through here, for the hook. */
static void *va_alloc(struct ref_va_space *s, size_t n, size_t size)
{
	if (s->fail_nth && !--s->fail_nth)
		return NULL;
	return calloc(n, size);
}

static struct gpuvm_va *new_va(struct ref_va_space *s,
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

static struct ref_va_ops *ops_alloc(struct ref_va_space *space,
				      unsigned int max)
{
	struct ref_va_ops *ops = va_alloc(space, 1, sizeof(*ops));

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

static unsigned int count_overlaps(const struct ref_va_space *space,
				   uint64_t addr, uint64_t end)
{
	const struct gpuvm_va *va;
	unsigned int k = 0;

	ref_for_each_in(va, space, addr, end)
		k++;
	return k;
}

/*
 * Appends the UNMAP or REMAP that clears [addr, end) out of va. The
 * surviving pieces are allocated here so that commit cannot fail.
 */
static int add_clear_op(struct ref_va_ops *ops, struct gpuvm_va *va,
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
static int build_clear(struct ref_va_ops *ops, uint64_t addr, uint64_t end,
		       const struct gpuvm_va *req)
{
	struct gpuvm_va *va;
	int ret;

	ref_for_each_in(va, ops->space, addr, end) {
		ret = add_clear_op(ops, va, addr, end, req && can_keep(va, req));
		if (ret)
			return ret;
	}
	return 0;
}

/* Mappings this list adds minus those it removes, for the limit check. */
static int64_t net_new(const struct ref_va_ops *ops)
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

static int check_limit(const struct ref_va_ops *ops)
{
	const struct ref_va_space *s = ops->space;

	if (s->cfg.max_mappings &&
	    (int64_t)s->count + net_new(ops) > (int64_t)s->cfg.max_mappings)
		return -ENOSPC;
	return 0;
}

static int finish_prepare(struct ref_va_ops *ops, int ret,
			  struct ref_va_ops **out)
{
	if (!ret)
		ret = check_limit(ops);
	if (ret) {
		ref_va_ops_free(ops);
		return ret;
	}
	*out = ops;
	return 0;
}

int ref_va_map_prepare(struct ref_va_space *space,
			 const struct gpuvm_va *req,
			 struct ref_va_ops **out)
{
	uint64_t end = req->addr + req->range;
	struct ref_va_ops *ops;
	struct gpuvm_va init = *req;
	int ret = ref_check_range(space, req->addr, req->range);

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

int ref_va_unmap_prepare(struct ref_va_space *space, uint64_t addr,
			   uint64_t range, struct ref_va_ops **out)
{
	struct ref_va_ops *ops;
	int ret = ref_check_range(space, addr, range);

	if (ret)
		return ret;
	ops = ops_alloc(space, count_overlaps(space, addr, addr + range));
	if (!ops)
		return -ENOMEM;
	ret = build_clear(ops, addr, addr + range, NULL);
	return finish_prepare(ops, ret, out);
}

static void link_va(struct ref_va_space *s, struct gpuvm_va *va)
{
	struct va_node *n = to_node(va);

	ref_avl_insert(&s->by_addr, &n->by_addr, cmp_addr);
	ref_avl_insert(&s->by_bo, &n->by_bo, cmp_bo);
	s->count++;
}

static void unlink_va(struct ref_va_space *s, struct gpuvm_va *va)
{
	struct va_node *n = to_node(va);

	ref_avl_erase(&s->by_addr, &n->by_addr);
	ref_avl_erase(&s->by_bo, &n->by_bo);
	s->count--;
}

int ref_va_ops_commit(struct ref_va_ops *ops)
{
	struct ref_va_space *s = ops->space;
	unsigned int i;

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

void ref_va_ops_free(struct ref_va_ops *ops)
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

uint64_t ref_va_bytes_per_mapping(void)
{
	/* glibc: the request plus an 8-byte header, in 16-byte steps. */
	return (sizeof(struct va_node) + 8 + 15) & ~(uint64_t)15;
}
