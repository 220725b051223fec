// SPDX-License-Identifier: MIT
/*
 * DOC: applying, splitting and pruning
 *
 * Steps 2, 3 and 5 of a transaction (docs/pt.md): gpuvm_pt_map_reserved()
 * and gpuvm_pt_unmap_reserved() change descriptors, taking table pages
 * only from the reservation and widening the gather over every valid
 * entry they change; gpuvm_pt_prune() unlinks the tables the transaction
 * emptied onto the gather's queue; gpuvm_pt_gather_release() frees them
 * once the caller has invalidated. gpuvm_pt_map()/_unmap() run the whole
 * transaction for one change.
 *
 * Both changes first run the count (resv.c's pt_need()/pt_unmap_need())
 * against what the reservation still holds, so a change that could run
 * out of pages is refused before it writes anything.
 *
 * Partly unmapping a block splits it into a table that maps the rest as
 * before (split_leaf), built completely and then linked with one store.
 *
 * Links to shared tables live here too: linking, copying on write and
 * unlinking are all done while applying. gpuvm_pt_destroy() (pt.c) is the
 * one other place that unlinks, through pt_unlink_shared(). Finding a
 * link (shared_slot(), is_shared()) is in pt_internal.h: every walk asks.
 *
 * The map loops (map_level, map_pages, fill_pages) run once per
 * descriptor of a large map: they stay in this file, static, together
 * with what they call per entry (pt_internal.h's inline helpers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt/pt_internal.h"

/* ------------------------------------------------------------------ */
/* Gathering and taking reserved pages                                 */

/* Widens the gather over [s, e), which the caller is about to change. */
static void gather_add(struct gpuvm_pt_gather *g, uint64_t s, uint64_t e)
{
	if (g->start == g->end) {
		g->start = s;
		g->end = e;
		return;
	}
	if (s < g->start)
		g->start = s;
	if (e > g->end)
		g->end = e;
}

/* A zeroed table page from the reservation, now counted as in use. */
static uint64_t take_table(struct map_ctx *c)
{
	uint64_t t = c->resv->pages[c->resv->used++];

	meta_of(c->pt, t)->valid = 0;
	meta_of(c->pt, t)->next = 0;
	c->pt->st.table_pages++;
	return t;
}

/* Pages the reservation holds that nothing has taken yet. */
static uint64_t remaining(const struct gpuvm_pt_resv *r)
{
	return r->filled - r->used;
}

/* ------------------------------------------------------------------ */
/* Links to shared tables                                              */

/* A set's total is shared by page tables updated in parallel: atomic. */
static void link_add(struct pt_slot *sl, struct gpuvm_pt_shared *sh,
		     uint64_t n)
{
	sl->sh = sh;
	sl->links += n;
	__atomic_add_fetch(&sh->links, n, __ATOMIC_RELAXED);
}

static void link_drop(struct pt_slot *sl, uint64_t n)
{
	sl->links -= n;
	__atomic_sub_fetch(&sl->sh->links, n, __ATOMIC_RELAXED);
	if (!sl->links)
		sl->sh = NULL;
}

/* Logical leaves gained or lost by linking or unlinking table[level]. */
static void count_shared(struct gpuvm_pt *pt, const struct gpuvm_pt_shared *sh,
			 unsigned int level, bool add)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = 0; k < 3; k++) {
		n += sh->leaves[level][k];
		if (add)
			pt->st.leaves[k] += sh->leaves[level][k];
		else
			pt->st.leaves[k] -= sh->leaves[level][k];
	}
	if (!(sh->attrs & GPUVM_PTE_SW_NULL))
		return;
	if (add)
		pt->st.null_leaves += n;
	else
		pt->st.null_leaves -= n;
}

/* Drops the link at a descriptor pointing at a shared table. */
void pt_unlink_shared(struct gpuvm_pt *pt, uint64_t child)
{
	unsigned int level;
	struct pt_slot *sl = shared_slot(pt, child, &level);

	count_shared(pt, sl->sh, level, false);
	link_drop(sl, 1);
}

/* ------------------------------------------------------------------ */
/* Applying                                                            */

/* Puts a table on the gather's queue, to be freed after invalidation. */
static void queue_table(struct gpuvm_pt *pt, struct gpuvm_pt_gather *g,
			uint64_t table)
{
	meta_of(pt, table)->next = (uint32_t)g->freed_head;
	g->freed_head = (table >> 12) + 1;
	g->freed_count++;
	pt->st.table_pages--;
}

/* Queues a subtree that holds no leaves (only emptied tables). */
static void retire_subtree(struct gpuvm_pt *pt, struct gpuvm_pt_gather *g,
			   unsigned int level, uint64_t table)
{
	unsigned int i;

	for (i = 0; level < 3 && i < GPUVM_PT_ENTRIES; i++) {
		uint64_t d = rd(pt, table + 8 * i);

		if (gpuvm_pte_is_table(d, level))
			retire_subtree(pt, g, level + 1, gpuvm_pte_addr(d));
	}
	queue_table(pt, g, table);
}

/*
 * Writes the leaf for x. The slot is invalid, or holds a table a
 * preceding unmap of this transaction emptied: a block then takes its
 * place, and the old tables wait on the gather for the invalidation a
 * walk cache would need.
 */
static void put_leaf(struct map_ctx *c, uint64_t table, unsigned int level,
		     uint64_t x, uint64_t nx)
{
	uint64_t contig, pa = c->is_null ? 0 : cursor_pa(&c->cur, x, &contig);
	uint64_t slot = slot_pa(table, x, level), d = rd(c->pt, slot);

	if (gpuvm_pte_is_table(d, level)) {
		if (is_shared(c->pt, gpuvm_pte_addr(d)))
			pt_unlink_shared(c->pt, gpuvm_pte_addr(d));
		else
			retire_subtree(c->pt, c->gather, level + 1,
				       gpuvm_pte_addr(d));
		gather_add(c->gather, x, nx);
	} else {
		meta_of(c->pt, table)->valid++;
	}
	wr(c->pt, slot, level, gpuvm_pte_make_leaf(pa, c->attrs, level));
	c->pt->st.leaves[size_index(level)]++;
	c->pt->st.null_leaves += c->is_null;
}

/* Points the entry at slot to the source's shared level-(level+1) table. */
static void link_table(struct map_ctx *c, uint64_t table, uint64_t slot,
		       unsigned int level)
{
	struct pt_slot *sl = slot_for(c->pt, c->sh);

	wr(c->pt, slot, level, gpuvm_pte_make_table(c->sh->table[level + 1]));
	meta_of(c->pt, table)->valid++;
	link_add(sl, c->sh, 1);
	count_shared(c->pt, c->sh, level + 1, true);
}

/*
 * The traced form of a batch: n descriptors from slot 0 of table on,
 * copied from the table at src, each reported with the value it
 * replaced. Only when a trace hook is set.
 */
static __attribute__((noinline, cold)) void
trace_run(struct gpuvm_pt *pt, uint64_t table, unsigned int level, uint64_t n,
	  uint64_t src)
{
	const struct gpuvm_pt_trace *t = pt->trace;
	uint64_t i, pa, old, d;

	for (i = 0; i < n; i++) {
		pa = table + 8 * i;
		old = gpuvm_mem_read64(pt->mem, pa);
		d = gpuvm_mem_read64(pt->mem, src + 8 * i);
		gpuvm_mem_write64(pt->mem, pa, d);
		t->desc_write(t->cookie, pa, level, old, d);
	}
}

/*
 * Copy-on-write: gives the entry at slot, which points at a shared table,
 * a private copy of it. The copy maps exactly what the shared table did,
 * so swapping the pointer needs no TLB invalidation; whatever changes
 * beneath it next gathers its own range. Returns the new descriptor.
 */
static uint64_t copy_shared(struct map_ctx *c, uint64_t slot, uint64_t d)
{
	struct gpuvm_pt *pt = c->pt;
	uint64_t child = gpuvm_pte_addr(d), t = take_table(c);
	unsigned int level;
	struct pt_slot *sl = shared_slot(pt, child, &level);

	if (PT_UNLIKELY(pt->trace))
		trace_run(pt, t, level, GPUVM_PT_ENTRIES, child);
	else
		memcpy(gpuvm_mem_wptr(pt->mem, t, GPUVM_SZ_4K),
		       gpuvm_mem_ptr(pt->mem, child), GPUVM_SZ_4K);
	pt->st.pte_writes += GPUVM_PT_ENTRIES;
	meta_of(pt, t)->valid = GPUVM_PT_ENTRIES; /* shared tables are full */
	/* The copy's pointers to the level below are links too. */
	link_add(sl, sl->sh, sl->sh->ptrs[level]);
	d = gpuvm_pte_make_table(t);
	wr(pt, slot, level - 1, d);
	link_drop(sl, 1);
	return d;
}

typedef uint64_t u64x2 __attribute__((vector_size(16)));

/*
 * n page descriptors from d on, step apart, into a table nobody can see
 * yet. A 1 GiB map of 4 KiB pages is this loop, store-bound: 16-byte
 * stores halve the stores (x86-64's baseline has no wider ones).
 */
static void fill_pages(uint64_t *p, uint64_t n, uint64_t d, uint64_t step)
{
	u64x2 v = { d, d + step }, inc = { 2 * step, 2 * step };
	uint64_t i;

	for (i = 0; i + 2 <= n; i += 2) {
		memcpy(&p[i], &v, sizeof(v));
		v += inc;
	}
	if (i < n)
		p[i] = v[0];
}

/*
 * map_pages()'s stores with their events: n page descriptors from d on,
 * step apart, at pa on. Each is one atomic store whether or not the
 * table is linked yet; only when a trace hook is set.
 */
static __attribute__((noinline, cold)) void
trace_pages(struct gpuvm_pt *pt, uint64_t pa, uint64_t n, uint64_t d,
	    uint64_t step)
{
	const struct gpuvm_pt_trace *t = pt->trace;
	uint64_t *p = gpuvm_mem_wptr(pt->mem, pa, n * 8);
	uint64_t i, old;

	for (i = 0; i < n; i++, d += step) {
		old = __atomic_load_n(&p[i], __ATOMIC_RELAXED);
		__atomic_store_n(&p[i], d, __ATOMIC_RELAXED);
		t->desc_write(t->cookie, pa + 8 * i, 3, old, d);
	}
}

/*
 * Level 3 is where a big map spends its time, one page per descriptor:
 * write each physically linear stretch in one tight loop, straight into
 * the table, instead of deciding entry by entry. The slots are free (the
 * map checked), so nothing else about them changes.
 */
static void map_pages(struct map_ctx *c, uint64_t table, uint64_t s,
		      uint64_t e, bool fresh)
{
	uint64_t *slots = gpuvm_mem_wptr(c->pt->mem, table, GPUVM_SZ_4K);
	uint64_t x, n, i, pa, contig, d;
	unsigned int idx;

	for (x = s; x < e; x += n * GPUVM_SZ_4K) {
		pa = c->is_null ? 0 : cursor_pa(&c->cur, x, &contig);
		n = (e - x) / GPUVM_SZ_4K;
		if (!c->is_null && contig / GPUVM_SZ_4K < n)
			n = contig / GPUVM_SZ_4K;
		idx = gpuvm_pt_index(x, 3);
		d = gpuvm_pte_make_leaf(pa, c->attrs, 3);
		if (PT_UNLIKELY(c->pt->trace)) {
			trace_pages(c->pt, table + 8ull * idx, n, d,
				    c->is_null ? 0 : GPUVM_SZ_4K);
		} else if (fresh) {
			/* Not linked yet, so no walker can see it: plain
			 * stores, two at a time. The release store that links
			 * the table publishes them. */
			fill_pages(&slots[idx], n, d,
				   c->is_null ? 0 : GPUVM_SZ_4K);
		} else {
			for (i = 0; i < n; i++) {
				__atomic_store_n(&slots[idx + i], d,
						 __ATOMIC_RELAXED);
				if (!c->is_null)
					d += GPUVM_SZ_4K;
			}
		}
		meta_of(c->pt, table)->valid += (uint32_t)n;
		c->pt->st.leaves[0] += n;
		c->pt->st.pte_writes += n;
		c->pt->st.null_leaves += c->is_null ? n : 0;
	}
}

/*
 * Maps [s, e) inside table at level, which is known to be free. fresh:
 * the table is not linked yet. A new table below is filled before it is
 * linked, so a concurrent walk sees nothing or all of it.
 */
static void map_level(struct map_ctx *c, unsigned int level, uint64_t table,
		      uint64_t s, uint64_t e, bool fresh)
{
	uint64_t x, nx, slot, d, t;

	if (level == 3) {
		map_pages(c, table, s, e, fresh);
		return;
	}
	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		if (leaf_fits(c, level, x, nx)) {
			put_leaf(c, table, level, x, nx);
			continue;
		}
		slot = slot_pa(table, x, level);
		d = rd(c->pt, slot);
		if (!gpuvm_pte_is_table(d, level) && shareable(c, level, x, nx)) {
			link_table(c, table, slot, level);
			continue;
		}
		if (!gpuvm_pte_is_table(d, level)) {
			t = take_table(c);
			map_level(c, level + 1, t, x, nx, true);
			wr(c->pt, slot, level, gpuvm_pte_make_table(t));
			meta_of(c->pt, table)->valid++;
			continue;
		}
		if (is_shared(c->pt, gpuvm_pte_addr(d)))
			d = copy_shared(c, slot, d);
		map_level(c, level + 1, gpuvm_pte_addr(d), x, nx, fresh);
	}
}

/*
 * Checks a map of [iova, iova + size) against the tables as they are:
 * the pages it needs, or -EINVAL, or -EEXIST if anything there is mapped.
 */
static int64_t map_need(struct map_ctx *c, struct gpuvm_pt *pt, uint64_t iova,
			uint64_t size, const struct gpuvm_pt_src *src,
			uint32_t prot)
{
	int ret = pt_check_range(pt, iova, size);

	if (!ret)
		ret = pt_map_ctx_init(c, pt, src, prot);
	if (ret)
		return ret;
	return pt_need(c, pt->start_level, pt->root, iova, iova + size, true);
}

int gpuvm_pt_map_reserved(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
			  const struct gpuvm_pt_src *src, uint32_t prot,
			  struct gpuvm_pt_resv *resv,
			  struct gpuvm_pt_gather *gather)
{
	struct map_ctx c;
	int64_t n;

	if (!pt || !resv || !gather)
		return -EINVAL;
	n = map_need(&c, pt, iova, size, src, prot);
	if (n < 0)
		return (int)n;
	if ((uint64_t)n > remaining(resv))
		return -ENOSPC;
	c.resv = resv;
	c.gather = gather;
	map_level(&c, pt->start_level, pt->root, iova, iova + size, false);
	return 0;
}

/*
 * Replaces the leaf d at slot, covering [ea, ea + size), by a table that
 * maps everything but [x, nx) the way d did. The table is complete before
 * it is linked, so a concurrent walk sees the block or the table, and the
 * survivors translate identically in both.
 */
static void split_leaf(struct map_ctx *c, uint64_t slot, uint64_t d,
		       unsigned int level, uint64_t x, uint64_t nx)
{
	uint64_t size = gpuvm_pt_level_size(level), ea = x & ~(size - 1);
	struct gpuvm_pt_linear lin;
	struct map_ctx s = *c;
	uint64_t t = take_table(c);

	gpuvm_pt_linear_init(&lin, ea, gpuvm_pte_addr(d));
	cursor_init(&s.cur, &lin.src);
	s.attrs = gpuvm_pte_attrs(d);
	s.is_null = gpuvm_pte_is_null(d);
	if (x > ea)
		map_level(&s, level + 1, t, ea, x, true);
	if (nx < ea + size)
		map_level(&s, level + 1, t, nx, ea + size, true);
	wr(c->pt, slot, level, gpuvm_pte_make_table(t));
}

static void drop_leaf(struct map_ctx *c, uint64_t d, unsigned int level)
{
	c->pt->st.leaves[size_index(level)]--;
	c->pt->st.null_leaves -= gpuvm_pte_is_null(d);
}

static void unmap_level(struct map_ctx *c, unsigned int level, uint64_t table,
			uint64_t s, uint64_t e)
{
	uint64_t x, nx, slot, d, size = gpuvm_pt_level_size(level);

	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		slot = slot_pa(table, x, level);
		d = rd(c->pt, slot);
		if (gpuvm_pte_is_table(d, level) &&
		    is_shared(c->pt, gpuvm_pte_addr(d))) {
			if (nx - x == size) {
				pt_unlink_shared(c->pt, gpuvm_pte_addr(d));
				wr(c->pt, slot, level, 0);
				meta_of(c->pt, table)->valid--;
				gather_add(c->gather, x, nx);
				continue;
			}
			d = copy_shared(c, slot, d);
		}
		if (gpuvm_pte_is_table(d, level)) {
			unmap_level(c, level + 1, gpuvm_pte_addr(d), x, nx);
			continue;
		}
		if (!gpuvm_pte_is_leaf(d, level))
			continue;
		drop_leaf(c, d, level);
		gather_add(c->gather, x, nx);
		if (nx - x == size) {
			wr(c->pt, slot, level, 0);
			meta_of(c->pt, table)->valid--;
		} else {
			split_leaf(c, slot, d, level, x, nx);
		}
	}
}

int gpuvm_pt_unmap_reserved(struct gpuvm_pt *pt, uint64_t iova,
			    uint64_t size, struct gpuvm_pt_resv *resv,
			    struct gpuvm_pt_gather *gather)
{
	struct map_ctx c = { .pt = pt, .resv = resv, .gather = gather,
			     .limit = UINT64_MAX };
	int ret;

	if (!pt || !resv || !gather)
		return -EINVAL;
	ret = pt_check_range(pt, iova, size);
	if (ret)
		return ret;
	if ((uint64_t)pt_unmap_need(pt, pt->start_level, pt->root, iova,
				 iova + size) > remaining(resv))
		return -ENOSPC;
	unmap_level(&c, pt->start_level, pt->root, iova, iova + size);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pruning and freeing                                                 */

static void prune_level(struct gpuvm_pt *pt, struct gpuvm_pt_gather *g,
			unsigned int level, uint64_t table, uint64_t s,
			uint64_t e)
{
	uint64_t x, nx, slot, d, child;

	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		slot = slot_pa(table, x, level);
		d = rd(pt, slot);
		if (!gpuvm_pte_is_table(d, level))
			continue;
		child = gpuvm_pte_addr(d);
		if (is_shared(pt, child))
			continue; /* full by construction, and not ours */
		prune_level(pt, g, level + 1, child, x, nx);
		if (meta_of(pt, child)->valid)
			continue;
		wr(pt, slot, level, 0);
		meta_of(pt, table)->valid--;
		queue_table(pt, g, child);
	}
}

void gpuvm_pt_prune(struct gpuvm_pt *pt, struct gpuvm_pt_gather *gather)
{
	if (pt && !gpuvm_pt_gather_empty(gather))
		prune_level(pt, gather, pt->start_level, pt->root,
			    gather->start, gather->end);
}

void gpuvm_pt_gather_release(struct gpuvm_pt *pt,
			     struct gpuvm_pt_gather *gather)
{
	uint64_t f;

	if (!pt || !gather)
		return;
	f = gather->freed_head;
	while (f) {
		uint64_t pa = (f - 1) << 12;

		f = meta_of(pt, pa)->next;
		meta_of(pt, pa)->next = 0;
		gpuvm_mem_free(pt->mem, pa, GPUVM_SZ_4K, GPUVM_MEM_PT);
	}
	gpuvm_pt_gather_init(gather);
}

/* ------------------------------------------------------------------ */
/* One-change conveniences                                             */

int gpuvm_pt_map(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
		 const struct gpuvm_pt_src *src, uint32_t prot,
		 struct gpuvm_pt_gather *gather)
{
	struct gpuvm_pt_resv resv = { 0 };
	struct map_ctx c;
	int64_t n;
	int ret;

	if (!pt || !gather)
		return -EINVAL;
	n = map_need(&c, pt, iova, size, src, prot);
	if (n < 0)
		return (int)n;
	resv.need = (uint64_t)n;
	ret = gpuvm_pt_resv_fill(pt, &resv);
	if (!ret)
		ret = gpuvm_pt_map_reserved(pt, iova, size, src, prot, &resv,
					    gather);
	gpuvm_pt_resv_release(pt, &resv);
	return ret;
}

int gpuvm_pt_unmap(struct gpuvm_pt *pt, uint64_t iova, uint64_t size,
		   struct gpuvm_pt_gather *gather)
{
	struct gpuvm_pt_resv resv = { 0 };
	int ret;

	if (!pt || !gather)
		return -EINVAL;
	ret = gpuvm_pt_reserve_unmap(pt, iova, size, &resv);
	if (!ret)
		ret = gpuvm_pt_resv_fill(pt, &resv);
	if (!ret)
		ret = gpuvm_pt_unmap_reserved(pt, iova, size, &resv, gather);
	if (!ret)
		gpuvm_pt_prune(pt, gather);
	gpuvm_pt_resv_release(pt, &resv);
	return ret;
}
