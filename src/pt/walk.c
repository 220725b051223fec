// SPDX-License-Identifier: MIT
/*
 * DOC: walks and debug helpers
 *
 * Read-only walks: gpuvm_pt_iova_to_phys() (one translation),
 * gpuvm_pt_for_each_leaf() (the leaves of a range, what the driver's
 * `check` uses), gpuvm_pt_validate() (recounts every table, leaf and
 * shared-table link from the descriptors and compares with the counters
 * kept while applying) and gpuvm_pt_print() (leaf runs). None of them
 * changes a table or a counter, so none of them needs apply.c's helpers.
 */
#include <errno.h>
#include <inttypes.h>

#include "pt/pt_internal.h"

int gpuvm_pt_iova_to_phys(const struct gpuvm_pt *pt, uint64_t iova,
			  struct gpuvm_pt_walk *w)
{
	uint64_t table, d;
	unsigned int level;

	if (!pt || !w || iova >> pt->va_bits)
		return -EINVAL;
	table = pt->root;
	for (level = pt->start_level; level < GPUVM_PT_LEVELS; level++) {
		d = rd(pt, slot_pa(table, iova, level));
		if (gpuvm_pte_is_leaf(d, level)) {
			uint64_t mask = gpuvm_pt_level_size(level) - 1;

			w->desc = d;
			w->level = level;
			w->pa = gpuvm_pte_addr(d) + (iova & mask);
			return 0;
		}
		if (!gpuvm_pte_is_table(d, level))
			return -ENOENT;
		table = gpuvm_pte_addr(d);
	}
	return -ENOENT;
}

static int leaves_in(const struct gpuvm_pt *pt, unsigned int level,
		     uint64_t table, uint64_t s, uint64_t e,
		     gpuvm_pt_leaf_fn fn, void *cookie)
{
	uint64_t x, nx, d, size = gpuvm_pt_level_size(level);
	int ret;

	for (x = s; x < e; x = nx) {
		nx = entry_end(x, level, e);
		d = rd(pt, slot_pa(table, x, level));
		if (gpuvm_pte_is_table(d, level))
			ret = leaves_in(pt, level + 1, gpuvm_pte_addr(d), x, nx,
					fn, cookie);
		else if (gpuvm_pte_is_leaf(d, level))
			ret = fn(cookie, x & ~(size - 1), size, d);
		else
			ret = 0;
		if (ret)
			return ret;
	}
	return 0;
}

int gpuvm_pt_for_each_leaf(const struct gpuvm_pt *pt, uint64_t start,
			   uint64_t end, gpuvm_pt_leaf_fn fn, void *cookie)
{
	uint64_t top;

	if (!pt || !fn)
		return -EINVAL;
	top = 1ull << pt->va_bits;
	if (end > top)
		end = top;
	if (start >= end)
		return 0;
	return leaves_in(pt, pt->start_level, pt->root, start, end, fn, cookie);
}

struct census {
	uint64_t tables, leaves[3], nulls;
	uint64_t links[PT_SLOTS];
	const char *why;
};

/* A pointer to a shared table: its leaves count, its pages do not. */
static void count_link(const struct gpuvm_pt *pt, struct census *cs,
		       uint64_t child)
{
	unsigned int level, k;
	const struct pt_slot *sl = shared_slot(pt, child, &level);

	cs->links[sl - pt->slots]++;
	for (k = 0; k < 3; k++) {
		cs->leaves[k] += sl->sh->leaves[level][k];
		if (sl->sh->attrs & GPUVM_PTE_SW_NULL)
			cs->nulls += sl->sh->leaves[level][k];
	}
}

static void count_table(const struct gpuvm_pt *pt, struct census *cs,
			unsigned int level, uint64_t table)
{
	uint32_t valid = 0;
	unsigned int i;

	cs->tables++;
	for (i = 0; i < GPUVM_PT_ENTRIES && !cs->why; i++) {
		uint64_t d = rd(pt, table + 8 * i);

		if (!gpuvm_pte_is_valid(d))
			continue;
		valid++;
		if (gpuvm_pte_is_table(d, level) &&
		    is_shared(pt, gpuvm_pte_addr(d))) {
			count_link(pt, cs, gpuvm_pte_addr(d));
		} else if (gpuvm_pte_is_table(d, level)) {
			count_table(pt, cs, level + 1, gpuvm_pte_addr(d));
		} else if (gpuvm_pte_is_leaf(d, level)) {
			if (!pt_size_ok(pt->pgsizes, level))
				cs->why = "leaf of an unsupported size";
			cs->leaves[size_index(level)]++;
			cs->nulls += gpuvm_pte_is_null(d);
		} else {
			cs->why = "reserved descriptor type";
		}
	}
	if (!cs->why && valid != meta_of(pt, table)->valid)
		cs->why = "valid-entry count out of date";
}

int gpuvm_pt_validate(const struct gpuvm_pt *pt, FILE *err)
{
	struct census cs = { 0 };
	unsigned int i;

	if (!pt)
		return -EINVAL;
	count_table(pt, &cs, pt->start_level, pt->root);
	if (!cs.why && cs.tables != pt->st.table_pages)
		cs.why = "table page count";
	for (i = 0; !cs.why && i < PT_SLOTS; i++)
		if (cs.links[i] != pt->slots[i].links)
			cs.why = "shared-table link count";
	if (!cs.why && (cs.leaves[0] != pt->st.leaves[0] ||
			cs.leaves[1] != pt->st.leaves[1] ||
			cs.leaves[2] != pt->st.leaves[2] ||
			cs.nulls != pt->st.null_leaves))
		cs.why = "leaf counters";
	if (!cs.why)
		return 0;
	if (err)
		fprintf(err, "gpuvm_pt: invariant broken: %s\n", cs.why);
	return -EUCLEAN;
}

struct printer {
	FILE *f;
	bool open;
	uint64_t va, end, pa, attrs;
	unsigned int level;
};

static void flush_run(struct printer *p)
{
	if (!p->open)
		return;
	fprintf(p->f, "  [0x%" PRIx64 ", 0x%" PRIx64 ") -> ", p->va, p->end);
	if (p->attrs & GPUVM_PTE_SW_NULL)
		fputs("NULL", p->f);
	else
		fprintf(p->f, "0x%" PRIx64, p->pa);
	fprintf(p->f, " L%u%s%s%s\n", p->level,
		p->attrs & GPUVM_PTE_AP_RDONLY ? " ro" : "",
		p->attrs & GPUVM_PTE_XN ? " xn" : "",
		(p->attrs & GPUVM_PTE_ATTRINDX_MASK) ? " uncached" : "");
	p->open = false;
}

static void print_leaf(struct printer *p, uint64_t va, uint64_t d,
		       unsigned int level)
{
	uint64_t size = gpuvm_pt_level_size(level), pa = gpuvm_pte_addr(d);
	bool null = gpuvm_pte_is_null(d);

	if (p->open && p->end == va && p->level == level &&
	    p->attrs == gpuvm_pte_attrs(d) &&
	    (null || p->pa + (va - p->va) == pa)) {
		p->end += size;
		return;
	}
	flush_run(p);
	*p = (struct printer){ .f = p->f, .open = true, .va = va,
			       .end = va + size, .pa = pa,
			       .attrs = gpuvm_pte_attrs(d), .level = level };
}

static void print_table(const struct gpuvm_pt *pt, struct printer *p,
			unsigned int level, uint64_t table, uint64_t base)
{
	unsigned int i;

	for (i = 0; i < GPUVM_PT_ENTRIES; i++) {
		uint64_t d = rd(pt, table + 8 * i);
		uint64_t va = base + (uint64_t)i * gpuvm_pt_level_size(level);

		if (gpuvm_pte_is_table(d, level))
			print_table(pt, p, level + 1, gpuvm_pte_addr(d), va);
		else if (gpuvm_pte_is_leaf(d, level))
			print_leaf(p, va, d, level);
	}
}

void gpuvm_pt_print(const struct gpuvm_pt *pt, FILE *f)
{
	struct printer p = { .f = f };

	if (!pt || !f)
		return;
	fprintf(f, "page tables: %u-bit VA, start level %u, %" PRIu64
		" table pages\n", pt->va_bits, pt->start_level,
		pt->st.table_pages);
	print_table(pt, &p, pt->start_level, pt->root, 0);
	flush_run(&p);
}
