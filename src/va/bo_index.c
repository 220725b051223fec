// SPDX-License-Identifier: MIT
/*
 * DOC: BO index implementation
 *
 * Linear probing on a multiplicative hash of the BO key (drivers use
 * pointers or small integers; both spread well once multiplied by an odd
 * 64-bit constant and shifted down). The table is at most half full.
 *
 * The lazy sort (see bo_index.h) is a top-down merge sort of the tail,
 * threaded through bo_next, then one merge with the sorted prefix and a
 * pass that rebuilds bo_prev and the tail pointer.
 */
#include <stdlib.h>

#include "va/bo_index.h"

#define HASH_MUL 0x9e3779b97f4a7c15ull

void va_bo_init(struct va_bo_index *ix)
{
	ix->slot = NULL;
	ix->cap = 0;
	ix->used = 0;
}

void va_bo_fini(struct va_bo_index *ix)
{
	free(ix->slot);
	va_bo_init(ix);
}

static uint32_t home(uint64_t bo, uint32_t cap)
{
	/* The top bits of the product are the well-mixed ones. */
	return (uint32_t)((bo * HASH_MUL) >> 32) & (cap - 1);
}

/* The record of bo, or the free slot where it would go. */
static struct va_bo_rec *find_slot(const struct va_bo_index *ix, uint64_t bo)
{
	uint32_t i = home(bo, ix->cap);

	while (ix->slot[i].head && ix->slot[i].bo != bo)
		i = (i + 1) & (ix->cap - 1);
	return &ix->slot[i];
}

static struct va_bo_rec *find_rec(const struct va_bo_index *ix, uint64_t bo)
{
	struct va_bo_rec *r;

	if (!ix->cap)
		return NULL;
	r = find_slot(ix, bo);
	return r->head ? r : NULL;
}

uint32_t va_bo_cap_for(const struct va_bo_index *ix, uint64_t bo)
{
	if (find_rec(ix, bo) || 2 * (ix->used + 1) <= ix->cap)
		return ix->cap;
	return ix->cap ? 2 * ix->cap : 8;
}

void va_bo_grow(struct va_bo_index *ix, struct va_bo_rec *slot, uint32_t cap)
{
	struct va_bo_index old = *ix;
	uint32_t i;

	ix->slot = slot;
	ix->cap = cap;
	for (i = 0; i < old.cap; i++)
		if (old.slot[i].head)
			*find_slot(ix, old.slot[i].bo) = old.slot[i];
	free(old.slot);
}

/* Backward-shift deletion: no tombstones, probe chains stay unbroken. */
static void delete_rec(struct va_bo_index *ix, struct va_bo_rec *r)
{
	uint32_t mask = ix->cap - 1, i = (uint32_t)(r - ix->slot), j = i, k;

	for (;;) {
		j = (j + 1) & mask;
		if (!ix->slot[j].head)
			break;
		k = home(ix->slot[j].bo, ix->cap);
		/* Stays if its home lies cyclically in (i, j]. */
		if (((j - k) & mask) < ((j - i) & mask))
			continue;
		ix->slot[i] = ix->slot[j];
		i = j;
	}
	ix->slot[i] = (struct va_bo_rec){ 0 };
	ix->used--;
}

void va_bo_link(struct va_bo_index *ix, struct va_node *n)
{
	struct va_bo_rec *r = find_slot(ix, n->va.bo);
	struct va_node *t;

	if (!r->head) {
		*r = (struct va_bo_rec){ .bo = n->va.bo };
		ix->used++;
	}
	t = r->tail;
	n->bo_prev = t;
	n->bo_next = NULL;
	if (t)
		t->bo_next = n;
	else
		r->head = n;
	r->tail = n;
	if (!r->unsorted && t && t->va.addr > n->va.addr)
		r->unsorted = n;
}

void va_bo_unlink(struct va_bo_index *ix, struct va_node *n)
{
	struct va_bo_rec *r = find_slot(ix, n->va.bo);

	if (r->unsorted == n)
		r->unsorted = n->bo_next;
	if (n->bo_prev)
		n->bo_prev->bo_next = n->bo_next;
	else
		r->head = n->bo_next;
	if (n->bo_next)
		n->bo_next->bo_prev = n->bo_prev;
	else
		r->tail = n->bo_prev;
	n->bo_prev = n->bo_next = NULL;
	if (!r->head)
		delete_rec(ix, r);
}

void va_bo_replace(struct va_bo_index *ix, struct va_node *old,
		   struct va_node *prev, struct va_node *next)
{
	struct va_bo_rec *r = find_slot(ix, old->va.bo);
	struct va_node *first = prev ? prev : next, *last = next ? next : prev;

	first->bo_prev = old->bo_prev;
	last->bo_next = old->bo_next;
	if (prev && next) {
		prev->bo_next = next;
		next->bo_prev = prev;
	}
	if (old->bo_prev)
		old->bo_prev->bo_next = first;
	else
		r->head = first;
	if (old->bo_next)
		old->bo_next->bo_prev = last;
	else
		r->tail = last;
	if (r->unsorted == old)
		r->unsorted = first;
	old->bo_prev = old->bo_next = NULL;
}

/* ------------------------------------------------------------------ */
/* Sorting                                                             */

/* Merges two bo_next chains sorted by address. */
static struct va_node *merge(struct va_node *a, struct va_node *b)
{
	struct va_node head, *t = &head;

	while (a && b) {
		if (a->va.addr < b->va.addr) {
			t->bo_next = a;
			a = a->bo_next;
		} else {
			t->bo_next = b;
			b = b->bo_next;
		}
		t = t->bo_next;
	}
	t->bo_next = a ? a : b;
	return head.bo_next;
}

static struct va_node *sort_chain(struct va_node *a)
{
	struct va_node *slow = a, *fast, *b;

	if (!a || !a->bo_next)
		return a;
	for (fast = a->bo_next; fast && fast->bo_next;
	     fast = fast->bo_next->bo_next)
		slow = slow->bo_next;
	b = slow->bo_next;
	slow->bo_next = NULL;
	return merge(sort_chain(a), sort_chain(b));
}

static void sort_rec(struct va_bo_rec *r)
{
	struct va_node *tail = r->unsorted, *sorted = r->head, *n, *p = NULL;

	if (tail->bo_prev)
		tail->bo_prev->bo_next = NULL;
	else
		sorted = NULL;
	r->head = merge(sorted, sort_chain(tail));
	for (n = r->head; n; p = n, n = n->bo_next)
		n->bo_prev = p;
	r->tail = p;
	r->unsorted = NULL;
}

struct va_node *va_bo_first(struct va_bo_index *ix, uint64_t bo)
{
	struct va_bo_rec *r = find_rec(ix, bo);

	if (!r)
		return NULL;
	if (r->unsorted)
		sort_rec(r);
	return r->head;
}

uint64_t va_bo_bytes(const struct va_bo_index *ix)
{
	/* malloc's per-block overhead counted as 16 bytes. */
	return ix->cap ? (uint64_t)ix->cap * sizeof(*ix->slot) + 16 : 0;
}

/* ------------------------------------------------------------------ */
/* Checking                                                            */

/* Walks r's list; NULL or what is wrong. */
static const char *check_list(const struct va_bo_rec *r, uint64_t max,
			      uint64_t *n, const struct gpuvm_va **bad,
			      va_bo_member_fn member, const void *ctx)
{
	const struct va_node *v, *p = NULL;
	bool in_tail = false;

	for (v = r->head; v; p = v, v = v->bo_next) {
		*bad = &v->va;
		if (++*n > max)
			return "BO list longer than the space";
		if (v->bo_prev != p)
			return "BO list links";
		if (v->va.bo != r->bo)
			return "mapping listed under another BO";
		if (!member(ctx, v))
			return "BO list holds a mapping the space does not";
		in_tail |= v == r->unsorted;
		if (!in_tail && p && p->va.addr >= v->va.addr)
			return "BO list out of order before its unsorted tail";
	}
	*bad = NULL;
	if (r->tail != p)
		return "BO list tail";
	if (r->unsorted && !in_tail)
		return "unsorted mark outside its list";
	return NULL;
}

const char *va_bo_check(const struct va_bo_index *ix, uint64_t max_nodes,
			uint64_t *nodes, const struct gpuvm_va **bad,
			va_bo_member_fn member, const void *ctx)
{
	uint32_t i, used = 0;
	const char *why;

	*nodes = 0;
	*bad = NULL;
	if (ix->cap & (ix->cap - 1) || 2 * ix->used > ix->cap)
		return "BO table size";
	for (i = 0; i < ix->cap; i++) {
		const struct va_bo_rec *r = &ix->slot[i];

		if (!r->head) {
			if (r->tail || r->unsorted || r->bo)
				return "free BO slot not clear";
			continue;
		}
		used++;
		if (find_rec(ix, r->bo) != r)
			return "BO record not where lookups find it";
		why = check_list(r, max_nodes, nodes, bad, member, ctx);
		if (why)
			return why;
	}
	return used == ix->used ? NULL : "BO record count";
}
