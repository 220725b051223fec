// SPDX-License-Identifier: MIT
/*
 * Matrix and reference-model tests of the page tables (src/pt/), in
 * the manner of the Linux io-pgtable self-tests and the generic_pt kunit
 * tests: sweep every VA width and page-size set, and check the tables
 * against the simplest possible model.
 *
 *  - test_matrix: for every VA width 32..48 and page-size set {4K},
 *    {4K,2M}, {4K,1G}, {4K,2M,1G}: map regions whose alignment allows
 *    4 KiB, 2 MiB and 1 GiB leaves, check translations (PA, leaf level,
 *    attributes), exact leaf and table counts (the tables a set of leaves
 *    implies, counted independently here), overlapping maps refused with
 *    -EEXIST and nothing changed, full unmap with exact gather ranges and
 *    freed counts, remap, the top of the VA range and maps past it.
 *  - test_matrix_overlap_covering_block: a map whose range could be one
 *    large leaf over an existing table that holds smaller leaves must be
 *    -EEXIST as well (kept apart so that the sweep above stays useful if
 *    this one fails).
 *  - test_split_2m / test_split_1g: partial unmaps of blocks at the start,
 *    middle and end: survivors keep their PAs and attributes, exact leaf
 *    and table counts, exact gather ranges, everything freed at the end.
 *  - test_diff_*: random maps and unmaps against a per-4-KiB-page model
 *    {mapped, pa, prot}, checking every page of the window after every
 *    step, plus exact leaf/table counts derived from the walks (a table
 *    exists iff some leaf below it does, since every unmap prunes).
 */
#include "pt_test.h"

/* ------------------------------------------------------------------ */
/* Leaves and translations                                             */

/* Level of the largest supported leaf size <= natural. */
static unsigned int leaf_level(uint64_t pgsizes, uint64_t natural)
{
	unsigned int level;

	for (level = 1; level < 3; level++)
		if (gpuvm_pt_level_size(level) <= natural &&
		    supported(pgsizes, level))
			return level;
	return 3;
}

static const uint64_t pgsets[4] = {
	GPUVM_PT_PGSIZE_4K,
	GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M,
	GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_1G,
	PG_ALL,
};

/* Leaf attributes as prot_attrs() must produce them. */
static void check_attrs(uint64_t desc, uint32_t prot)
{
	bool ro = prot & GPUVM_PT_PROT_READONLY;
	bool nx = prot & GPUVM_PT_PROT_NOEXEC;
	bool null = prot & GPUVM_PT_PROT_NULL;
	bool unc = prot & GPUVM_PT_PROT_UNCACHED;

	EXPECT_U64(!!(desc & GPUVM_PTE_AP_RDONLY), ro);
	EXPECT_U64(!!(desc & GPUVM_PTE_XN), nx);
	EXPECT_U64(!!(desc & GPUVM_PTE_PXN), nx);
	EXPECT_U64(!!(desc & GPUVM_PTE_SW_NULL), null);
	EXPECT_U64(!!(desc & GPUVM_PTE_AF), 1);
	EXPECT_U64((desc & GPUVM_PTE_ATTRINDX_MASK) >> GPUVM_PTE_ATTRINDX_SHIFT,
		   unc ? GPUVM_PT_ATTR_UNCACHED : GPUVM_PT_ATTR_CACHED);
}

/*
 * iova must translate to pa (ignored for NULL) through a leaf at `level`
 * with the attributes of prot.
 */
static void check_xlate(const struct env *e, uint64_t iova, uint64_t pa,
			unsigned int level, uint32_t prot)
{
	struct gpuvm_pt_walk w;
	uint64_t mask = gpuvm_pt_level_size(level) - 1;

	memset(&w, 0, sizeof(w));
	EXPECT_INT(gpuvm_pt_iova_to_phys(e->pt, iova, &w), 0);
	EXPECT_U64(w.level, level);
	EXPECT_TRUE(gpuvm_pte_is_leaf(w.desc, w.level));
	if (prot & GPUVM_PT_PROT_NULL) {
		EXPECT_U64(gpuvm_pte_addr(w.desc), 0);
		EXPECT_U64(w.pa, iova & mask);
	} else {
		EXPECT_U64(w.pa, pa);
		EXPECT_U64(gpuvm_pte_addr(w.desc), (pa & ~mask));
	}
	check_attrs(w.desc, prot);
}

/* ------------------------------------------------------------------ */
/* Independent table count                                             */

/* [s, e) is mapped with leaves at `level`. */
struct run {
	uint64_t s, e;
	unsigned int level;
};

#define MAX_RUNS 16

/*
 * Tables a set of leaf runs implies: the top table, plus for each level
 * l below the start level one table per level-(l-1) entry that holds a
 * leaf at level >= l.
 */
static uint64_t ref_tables(const struct run *runs, size_t n,
			   unsigned int start_level)
{
	uint64_t a[MAX_RUNS], b[MAX_RUNS], total = 1;
	unsigned int l;
	size_t i, j, k;

	assert_true(n <= MAX_RUNS);
	for (l = start_level + 1; l <= 3; l++) {
		unsigned int sh = gpuvm_pt_level_shift(l - 1);
		uint64_t hi;

		k = 0;
		for (i = 0; i < n; i++) {
			if (runs[i].level < l)
				continue;
			a[k] = runs[i].s >> sh;
			b[k] = (runs[i].e - 1) >> sh;
			/* insertion sort by a */
			for (j = k; j > 0 && a[j - 1] > a[j]; j--) {
				uint64_t t = a[j]; a[j] = a[j - 1]; a[j - 1] = t;
				t = b[j]; b[j] = b[j - 1]; b[j - 1] = t;
			}
			k++;
		}
		hi = 0;
		for (i = 0; i < k; i++) {
			uint64_t lo = a[i];

			if (i && lo <= hi) {
				if (b[i] > hi) {
					total += b[i] - hi;
					hi = b[i];
				}
				continue;
			}
			total += b[i] - lo + 1;
			hi = b[i];
		}
	}
	return total;
}

static void ref_leaves(const struct run *runs, size_t n, uint64_t leaves[3])
{
	size_t i;

	leaves[0] = leaves[1] = leaves[2] = 0;
	for (i = 0; i < n; i++)
		leaves[3 - runs[i].level] += (runs[i].e - runs[i].s) /
					     gpuvm_pt_level_size(runs[i].level);
}

/* Stats must be what the runs imply, exactly. */
static void check_counts(const struct env *e, const struct run *runs,
			 size_t n, uint64_t null_leaves)
{
	struct gpuvm_pt_stats st;
	uint64_t leaves[3];

	get_stats(e, &st);
	ref_leaves(runs, n, leaves);
	EXPECT_U64(st.leaves[0], leaves[0]);
	EXPECT_U64(st.leaves[1], leaves[1]);
	EXPECT_U64(st.leaves[2], leaves[2]);
	EXPECT_U64(st.null_leaves, null_leaves);
	EXPECT_U64(st.table_pages,
		   ref_tables(runs, n, gpuvm_pt_start_level(e->pt)));
	check_quiescent(e);
}

/* ------------------------------------------------------------------ */
/* The matrix                                                          */

struct region {
	const char *name;
	uint64_t iova, size, pa;
	uint64_t natural;  /* largest leaf size iova, pa and size allow */
	uint32_t prot;
};

/* All below 2 GiB, so that they fit a 32-bit VA and leave its top free. */
static const struct region regions[] = {
	{ "4K", 0x5000, 0x3000, 0x12345000, SZ_4K, 0 },
	{ "2M", 0x600000, 0x400000, 0x40600000, SZ_2M,
	  GPUVM_PT_PROT_READONLY },
	{ "2M-iova-4K-pa", 0xa00000, 0x200000, 0x05001000, SZ_4K,
	  GPUVM_PT_PROT_NOEXEC },
	{ "null-2M", 0x1000000, 0x200000, 0, SZ_2M,
	  GPUVM_PT_PROT_NULL | GPUVM_PT_PROT_READONLY },
	{ "1G", 0x40000000, 0x40000000, 0x80000000, SZ_1G,
	  GPUVM_PT_PROT_UNCACHED | GPUVM_PT_PROT_NOEXEC },
};
#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

static uint64_t region_null_leaves(uint64_t pgsizes, const struct region *r)
{
	if (!(r->prot & GPUVM_PT_PROT_NULL))
		return 0;
	return r->size / gpuvm_pt_level_size(leaf_level(pgsizes, r->natural));
}

/* Runs and null-leaf count for the regions whose bit is set in mask. */
static size_t region_runs(uint64_t pgsizes, unsigned int mask,
			  struct run *runs, uint64_t *nulls)
{
	size_t i, n = 0;

	*nulls = 0;
	for (i = 0; i < NREGIONS; i++) {
		if (!(mask & (1u << i)))
			continue;
		runs[n].s = regions[i].iova;
		runs[n].e = regions[i].iova + regions[i].size;
		runs[n].level = leaf_level(pgsizes, regions[i].natural);
		*nulls += region_null_leaves(pgsizes, &regions[i]);
		n++;
	}
	return n;
}

static void check_region(const struct env *e, const struct region *r,
			 bool mapped)
{
	uint64_t offs[3] = { 0, r->size / 2 + 0x123, r->size - 1 };
	unsigned int level = leaf_level(e->pgsizes, r->natural);
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (mapped)
			check_xlate(e, r->iova + offs[i], r->pa + offs[i],
				    level, r->prot);
		else
			check_unmapped(e, r->iova + offs[i]);
	}
}

static void check_regions(const struct env *e, unsigned int mask)
{
	size_t i;

	for (i = 0; i < NREGIONS; i++)
		check_region(e, &regions[i], mask & (1u << i));
	/* Pages next to the regions are never mapped. */
	check_unmapped(e, 0x4000);
	check_unmapped(e, 0x8000);
	check_unmapped(e, 0x5ff000);
	check_unmapped(e, 0xc00000);
	check_unmapped(e, 0x1200000);
	check_unmapped(e, 0x3ffff000);
	check_unmapped(e, 0x80000000);
}

static void map_regions(const struct env *e, unsigned int *mask)
{
	struct run runs[MAX_RUNS];
	uint64_t nulls;
	size_t i, n;

	for (i = 0; i < NREGIONS; i++) {
		const struct region *r = &regions[i];

		CTX("%s, va_bits %u pgsizes %s: map region %s",
	    e->lname, e->va_bits, pgs_name(e->pgsizes), r->name);
		EXPECT_INT(do_map(e, r->iova, r->size, r->pa, r->prot), 0);
		*mask |= 1u << i;
		check_valid(e);
		check_regions(e, *mask);
		n = region_runs(e->pgsizes, *mask, runs, &nulls);
		check_counts(e, runs, n, nulls);
	}
}

/*
 * A map that overlaps something: -EEXIST, and nothing at all changes:
 * the stats include pte_writes, so equal stats mean no descriptor was
 * written. Callers validate and check translations afterwards.
 */
static void expect_eexist(const struct env *e, uint64_t iova, uint64_t size,
			  uint64_t pa, uint32_t prot)
{
	struct gpuvm_pt_stats before, after;
	uint64_t frames = pt_frames(e);

	get_stats(e, &before);
	EXPECT_INT(do_map(e, iova, size, pa, prot), -EEXIST);
	get_stats(e, &after);
	EXPECT_TRUE(memcmp(&before, &after, sizeof(before)) == 0);
	EXPECT_U64(pt_frames(e), frames);
}

static void overlap_regions(const struct env *e, unsigned int mask)
{
	size_t i;

	for (i = 0; i < NREGIONS; i++) {
		const struct region *r = &regions[i];
		uint64_t mid = (r->iova + r->size / 2) & ~(SZ_4K - 1);

		CTX("%s, va_bits %u pgsizes %s: overlap region %s",
	    e->lname, e->va_bits, pgs_name(e->pgsizes), r->name);
		/* the same range, the same or another PA, another prot */
		expect_eexist(e, r->iova, r->size, r->pa, r->prot);
		expect_eexist(e, r->iova, r->size, r->pa + SZ_1G, 0);
		/* one page inside */
		expect_eexist(e, mid, SZ_4K, 0x7000, 0);
		/* straddling the start, the end; a superset */
		expect_eexist(e, r->iova - SZ_4K, 2 * SZ_4K, 0x9000, 0);
		expect_eexist(e, r->iova + r->size - SZ_4K, 2 * SZ_4K, 0x9000,
			      0);
		expect_eexist(e, r->iova - 2 * SZ_4K, r->size + 4 * SZ_4K,
			      0x20000, 0);
		/* a large unaligned range ending inside */
		expect_eexist(e, r->iova - SZ_4K, SZ_2M, 0x101000, 0);
		check_valid(e);
		check_regions(e, mask);
	}
}

static void unmap_regions(const struct env *e, unsigned int *mask)
{
	struct run runs[MAX_RUNS];
	uint64_t nulls, before, after;
	struct gpuvm_pt_gather g;
	size_t i, n;

	for (i = 0; i < NREGIONS; i++) {
		const struct region *r = &regions[i];

		CTX("%s, va_bits %u pgsizes %s: unmap region %s",
	    e->lname, e->va_bits, pgs_name(e->pgsizes), r->name);
		n = region_runs(e->pgsizes, *mask, runs, &nulls);
		before = ref_tables(runs, n, gpuvm_pt_start_level(e->pt));
		*mask &= ~(1u << i);
		n = region_runs(e->pgsizes, *mask, runs, &nulls);
		after = ref_tables(runs, n, gpuvm_pt_start_level(e->pt));

		gpuvm_pt_gather_init(&g);
		EXPECT_INT(gpuvm_pt_unmap(e->pt, r->iova, r->size, &g), 0);
		EXPECT_U64(g.start, r->iova);
		EXPECT_U64(g.end, r->iova + r->size);
		EXPECT_U64(g.freed_count, before - after);
		EXPECT_U64(table_pages(e), after);
		/* Pruned tables stay allocated until the gather is released. */
		EXPECT_U64(pt_frames(e), before);
		check_valid(e);
		check_regions(e, *mask);
		gpuvm_pt_gather_release(e->pt, &g);
		EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
		EXPECT_U64(g.freed_count, 0);
		EXPECT_U64(g.freed_head, 0);
		check_counts(e, runs, n, nulls);
	}
}

/* Map [iova, iova + size) from pa, check it and unmap it again. */
static void map_check_unmap(const struct env *e, uint64_t iova, uint64_t size,
			    uint64_t pa, uint64_t natural, uint32_t prot)
{
	unsigned int level = leaf_level(e->pgsizes, natural);
	struct run run = { iova, iova + size, level };
	uint64_t offs[4] = { 0, size / 2 - 1, size - SZ_4K, size - 1 };
	struct gpuvm_pt_gather g;
	uint64_t tables;
	unsigned int i;

	EXPECT_INT(do_map(e, iova, size, pa, prot), 0);
	check_counts(e, &run, 1, 0);
	for (i = 0; i < 4; i++)
		check_xlate(e, iova + offs[i], pa + offs[i], level, prot);
	check_unmapped(e, iova - SZ_4K);
	tables = table_pages(e);

	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e->pt, iova, size, &g), 0);
	EXPECT_U64(g.start, iova);
	EXPECT_U64(g.end, iova + size);
	EXPECT_U64(g.freed_count, tables - 1);
	EXPECT_U64(table_pages(e), 1);
	EXPECT_U64(pt_frames(e), tables);
	gpuvm_pt_gather_release(e->pt, &g);
	check_counts(e, NULL, 0, 0);
	for (i = 0; i < 4; i++)
		check_unmapped(e, iova + offs[i]);
}

static void check_top(const struct env *e)
{
	uint64_t top = 1ull << e->va_bits;
	struct gpuvm_pt_stats before, after;
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	struct gpuvm_pt_walk w;
	uint64_t frames;

	CTX("%s, va_bits %u pgsizes %s: last 4 KiB page",
	    e->lname, e->va_bits, pgs_name(e->pgsizes));
	map_check_unmap(e, top - SZ_4K, SZ_4K, 0x76543000,
			SZ_4K, GPUVM_PT_PROT_READONLY);
	CTX("%s, va_bits %u pgsizes %s: last 2 MiB block",
	    e->lname, e->va_bits, pgs_name(e->pgsizes));
	map_check_unmap(e, top - SZ_2M, SZ_2M, 0x200200000ull, SZ_2M,
			GPUVM_PT_PROT_NOEXEC);
	CTX("%s, va_bits %u pgsizes %s: last 1 GiB block",
	    e->lname, e->va_bits, pgs_name(e->pgsizes));
	map_check_unmap(e, top - SZ_1G, SZ_1G, 0xc0000000ull, SZ_1G, 0);

	CTX("%s, va_bits %u pgsizes %s: outside the VA range",
	    e->lname, e->va_bits, pgs_name(e->pgsizes));
	frames = pt_frames(e);
	get_stats(e, &before);
	EXPECT_INT(do_map(e, top - SZ_4K, 2 * SZ_4K, 0x1000, 0), -EINVAL);
	EXPECT_INT(do_map(e, top, SZ_4K, 0x1000, 0), -EINVAL);
	EXPECT_INT(do_map(e, top - SZ_2M, 2 * SZ_2M, 0x200000, 0), -EINVAL);
	EXPECT_INT(do_map(e, top - SZ_1G, 2 * SZ_1G, 0x40000000, 0), -EINVAL);
	EXPECT_INT(do_map(e, 0, top + SZ_4K, 0, 0), -EINVAL);
	EXPECT_INT(do_map(e, 0xfffffffffffff000ull, SZ_4K, 0, 0), -EINVAL);
	EXPECT_INT(do_map(e, 0xfffffffffffff000ull, 2 * SZ_4K, 0, 0), -EINVAL);
	/* unaligned, empty */
	EXPECT_INT(do_map(e, 0x5800, SZ_4K, 0x1000, 0), -EINVAL);
	EXPECT_INT(do_map(e, 0x5000, 0x1800, 0x1000, 0), -EINVAL);
	EXPECT_INT(do_map(e, 0x5000, 0, 0x1000, 0), -EINVAL);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e->pt, top - SZ_4K, 2 * SZ_4K, &g), -EINVAL);
	EXPECT_INT(gpuvm_pt_unmap(e->pt, top, SZ_4K, &g), -EINVAL);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	EXPECT_INT(gpuvm_pt_iova_to_phys(e->pt, top, &w), -EINVAL);
	EXPECT_INT(gpuvm_pt_iova_to_phys(e->pt, top + SZ_2M + 5, &w), -EINVAL);
	EXPECT_INT(gpuvm_pt_iova_to_phys(e->pt, UINT64_MAX, &w), -EINVAL);
	EXPECT_INT(gpuvm_pt_iova_to_phys(e->pt, top - 1, &w), -ENOENT);
	/* a NULL source is refused unless the map is a NULL map */
	gpuvm_pt_linear_init(&lin, 0, 0);
	EXPECT_INT(gpuvm_pt_map(e->pt, 0x5000, SZ_4K, NULL, 0, &g), -EINVAL);
	EXPECT_INT(gpuvm_pt_map(e->pt, 0x5000, SZ_4K, &lin.src, 1u << 4, &g),
		   -EINVAL);
	get_stats(e, &after);
	EXPECT_TRUE(memcmp(&before, &after, sizeof(before)) == 0);
	EXPECT_U64(pt_frames(e), frames);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	check_valid(e);
}

static void matrix_one(enum layout layout, unsigned int va_bits,
		       uint64_t pgsizes)
{
	struct gpuvm_pt_stats first, second;
	unsigned int mask = 0;
	struct env e;

	CTX("%s, va_bits %u pgsizes %s: create", layout_name(layout),
	    va_bits, pgs_name(pgsizes));
	env_init(&e, layout, va_bits, pgsizes);
	EXPECT_U64(gpuvm_pt_va_bits(e.pt), va_bits);
	EXPECT_U64(gpuvm_pt_pgsizes(e.pt), pgsizes);
	EXPECT_U64(gpuvm_pt_start_level(e.pt), va_bits >= 40 ? 0 : 1);
	EXPECT_U64(gpuvm_pt_start_level(e.pt),
		   gpuvm_pt_start_level_for(va_bits));
	EXPECT_U64(table_pages(&e), 1);
	EXPECT_U64(pt_frames(&e), 1);
	check_counts(&e, NULL, 0, 0);
	check_regions(&e, 0);

	map_regions(&e, &mask);
	get_stats(&e, &first);
	overlap_regions(&e, mask);
	unmap_regions(&e, &mask);
	EXPECT_U64(table_pages(&e), 1);
	EXPECT_U64(pt_frames(&e), 1);

	/* Remapping the same gives the same tables. */
	map_regions(&e, &mask);
	get_stats(&e, &second);
	CTX("%s, va_bits %u pgsizes %s: remap", e.lname, va_bits,
	    pgs_name(pgsizes));
	EXPECT_U64(second.table_pages, first.table_pages);
	EXPECT_U64(second.leaves[0], first.leaves[0]);
	EXPECT_U64(second.leaves[1], first.leaves[1]);
	EXPECT_U64(second.leaves[2], first.leaves[2]);
	EXPECT_U64(second.null_leaves, first.null_leaves);
	unmap_regions(&e, &mask);

	check_top(&e);
	env_fini(&e);
}

static void test_matrix(void **state)
{
	unsigned int va_bits, i;

	(void)state;
	for (va_bits = 32; va_bits <= 48; va_bits++)
		for (i = 0; i < 4; i++)
			matrix_one(LAYOUT_HIGH, va_bits, pgsets[i]);
}

/* The same with the top table at PA 0, a valid frame like any other. */
static void test_matrix_root_at_pa0(void **state)
{
	unsigned int va_bits, i;

	(void)state;
	for (va_bits = 32; va_bits <= 48; va_bits++)
		for (i = 0; i < 4; i++)
			matrix_one(LAYOUT_ROOT0, va_bits, pgsets[i]);
}

static void test_bad_cfg(void **state)
{
	struct gpuvm_mem_cfg mc = { .size = 64 * SZ_1M };
	struct gpuvm_pt_cfg pc = { .va_bits = 48, .pgsizes = SZ_4K };
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt = NULL;

	(void)state;
	CTX("bad cfg");
	EXPECT_INT(gpuvm_mem_create(&mc, &mem), 0);
	EXPECT_INT(gpuvm_pt_create(&pc, &pt), -EINVAL); /* no mem */
	pc.mem = mem;
	pc.va_bits = 31;
	EXPECT_INT(gpuvm_pt_create(&pc, &pt), -EINVAL);
	pc.va_bits = 49;
	EXPECT_INT(gpuvm_pt_create(&pc, &pt), -EINVAL);
	pc.va_bits = 48;
	pc.pgsizes = SZ_2M;
	EXPECT_INT(gpuvm_pt_create(&pc, &pt), -EINVAL);
	pc.pgsizes = SZ_4K | SZ_64K;
	EXPECT_INT(gpuvm_pt_create(&pc, &pt), -EINVAL);
	pc.pgsizes = SZ_4K | (1ull << 39);
	EXPECT_INT(gpuvm_pt_create(&pc, &pt), -EINVAL);
	EXPECT_TRUE(pt == NULL);
	{
		struct gpuvm_mem_stats ms;

		gpuvm_mem_stats(mem, &ms);
		EXPECT_U64(ms.frames_by_purpose[GPUVM_MEM_PT], 0);
	}
	/* creation fails cleanly without memory for the top table */
	pc.pgsizes = SZ_4K;
	gpuvm_mem_fail_nth_alloc(mem, 1);
	EXPECT_INT(gpuvm_pt_create(&pc, &pt), -ENOMEM);
	gpuvm_mem_fail_nth_alloc(mem, 0);
	EXPECT_TRUE(pt == NULL);
	gpuvm_mem_destroy(mem);
}

/*
 * A range that could be one large leaf, over a table holding smaller
 * leaves (or over an existing table at a higher level): "anything already
 * mapped in the range" is -EEXIST.
 */
static void test_matrix_overlap_covering_block(void **state)
{
	unsigned int va_bits, i, mask;
	size_t r;
	struct env e;

	(void)state;
	for (va_bits = 32; va_bits <= 48; va_bits += 8) {
		for (i = 0; i < 4; i++) {
			mask = 0;
			env_init(&e, LAYOUT_HIGH, va_bits, pgsets[i]);
			map_regions(&e, &mask);
			for (r = 0; r < NREGIONS; r++) {
				uint64_t b2 = regions[r].iova & ~(SZ_2M - 1);
				uint64_t b1 = regions[r].iova & ~(SZ_1G - 1);

				CTX("%s, va_bits %u pgsizes %s: 2 MiB-aligned "
				    "map [0x%" PRIx64 ", +2M) from PA "
				    "0x40000000 over region %s", e.lname,
				    va_bits,
				    pgs_name(pgsets[i]), b2, regions[r].name);
				expect_eexist(&e, b2, SZ_2M, 0x40000000, 0);
				check_valid(&e);
				check_regions(&e, mask);
				CTX("%s, va_bits %u pgsizes %s: 1 GiB-aligned "
				    "map [0x%" PRIx64 ", +1G) from PA "
				    "0x40000000 over region %s", e.lname,
				    va_bits,
				    pgs_name(pgsets[i]), b1, regions[r].name);
				expect_eexist(&e, b1, SZ_1G, 0x40000000, 0);
				check_valid(&e);
				check_regions(&e, mask);
				CTX("%s, va_bits %u pgsizes %s: NULL map of the "
				    "same range as region %s", e.lname, va_bits,
				    pgs_name(pgsets[i]), regions[r].name);
				expect_eexist(&e, regions[r].iova,
					      regions[r].size, 0,
					      GPUVM_PT_PROT_NULL);
				check_valid(&e);
				check_regions(&e, mask);
			}
			unmap_regions(&e, &mask);
			env_fini(&e);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Partial unmaps of blocks                                            */

/* Unmap [cut_s, cut_e) (offsets in the block) and check the exact result. */
struct cut {
	const char *name;
	uint64_t s, e;
};

/*
 * Expected state after cutting [c->s, c->e) out of a block of `bsize` at
 * level `blevel`: for each entry of the next level down, the survivors
 * are one leaf of that size if it survives whole and the size is
 * supported, else 4 KiB pages in a level-3 table (when blevel is 1 and the
 * next level is 2). Fills leaves[] and returns the extra tables.
 */
static uint64_t split_expect(uint64_t pgsizes, unsigned int blevel,
			     const struct cut *c, uint64_t leaves[3])
{
	uint64_t bsize = gpuvm_pt_level_size(blevel);
	uint64_t esize = gpuvm_pt_level_size(blevel + 1);
	uint64_t x, tables = 1;

	leaves[0] = leaves[1] = leaves[2] = 0;
	for (x = 0; x < bsize; x += esize) {
		uint64_t lo = c->s > x ? c->s : x;
		uint64_t hi = c->e < x + esize ? c->e : x + esize;
		uint64_t cut = hi > lo ? hi - lo : 0;
		uint64_t surv = esize - cut;

		if (!surv)
			continue;
		if (surv == esize && supported(pgsizes, blevel + 1)) {
			leaves[3 - (blevel + 1)]++;
			continue;
		}
		if (blevel + 1 == 3) {
			leaves[0] += surv / SZ_4K;
			continue;
		}
		tables++;
		leaves[0] += surv / SZ_4K;
	}
	return tables;
}

/* Level of the leaf that must translate block offset off after the cut. */
static unsigned int split_level(uint64_t pgsizes, unsigned int blevel,
				const struct cut *c, uint64_t off)
{
	uint64_t esize = gpuvm_pt_level_size(blevel + 1);
	uint64_t x = off & ~(esize - 1);

	if (blevel + 1 < 3 && supported(pgsizes, blevel + 1) &&
	    (c->e <= x || c->s >= x + esize))
		return blevel + 1;
	return 3;
}

static void split_one(enum layout layout, unsigned int va_bits,
		      uint64_t pgsizes,
		      unsigned int blevel, uint64_t base, uint64_t pa,
		      uint32_t prot, const struct cut *c, uint64_t *samples,
		      size_t nsamples)
{
	uint64_t bsize = gpuvm_pt_level_size(blevel), leaves[3], extra;
	uint64_t tables0, attrs0, nulls, lo, hi, off;
	struct gpuvm_pt_gather g;
	struct gpuvm_pt_stats st;
	struct gpuvm_pt_walk w;
	struct env e;
	size_t i;

	CTX("split, %s, va_bits %u pgsizes %s prot 0x%x: block [0x%" PRIx64
	    ", +0x%" PRIx64 ") pa 0x%" PRIx64 ", cut %s [+0x%" PRIx64
	    ", +0x%" PRIx64 ")", layout_name(layout), va_bits,
	    pgs_name(pgsizes), prot, base, bsize, pa, c->name, c->s, c->e);
	env_init(&e, layout, va_bits, pgsizes);
	EXPECT_INT(do_map(&e, base, bsize, pa, prot), 0);
	memset(&w, 0, sizeof(w));
	EXPECT_INT(gpuvm_pt_iova_to_phys(e.pt, base, &w), 0);
	EXPECT_U64(w.level, blevel);
	attrs0 = gpuvm_pte_attrs(w.desc);
	tables0 = table_pages(&e);

	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e.pt, base + c->s, c->e - c->s, &g), 0);
	/* The gather covers exactly what was unmapped. */
	EXPECT_U64(g.start, base + c->s);
	EXPECT_U64(g.end, base + c->e);
	EXPECT_U64(g.freed_count, 0);
	extra = split_expect(pgsizes, blevel, c, leaves);
	get_stats(&e, &st);
	EXPECT_U64(st.leaves[0], leaves[0]);
	EXPECT_U64(st.leaves[1], leaves[1]);
	EXPECT_U64(st.leaves[2], leaves[2]);
	nulls = (prot & GPUVM_PT_PROT_NULL) ?
		leaves[0] + leaves[1] + leaves[2] : 0;
	EXPECT_U64(st.null_leaves, nulls);
	EXPECT_U64(st.table_pages, tables0 + extra);
	check_valid(&e);
	gpuvm_pt_gather_release(e.pt, &g);
	check_quiescent(&e);

	for (i = 0; i < nsamples; i++) {
		off = samples[i];
		if (off >= c->s && off < c->e) {
			check_unmapped(&e, base + off);
			continue;
		}
		check_xlate(&e, base + off, pa + off,
			    split_level(pgsizes, blevel, c, off), prot);
		memset(&w, 0, sizeof(w));
		EXPECT_INT(gpuvm_pt_iova_to_phys(e.pt, base + off, &w), 0);
		EXPECT_U64(gpuvm_pte_attrs(w.desc), attrs0);
	}
	check_unmapped(&e, base - SZ_4K);
	check_unmapped(&e, base + bsize);

	/* Unmap the survivors: all tables but the top one go. */
	lo = c->s ? 0 : c->e;
	hi = c->e < bsize ? bsize : c->s;
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(e.pt, base, bsize, &g), 0);
	EXPECT_U64(g.start, base + lo);
	EXPECT_U64(g.end, base + hi);
	EXPECT_U64(g.freed_count, tables0 + extra - 1);
	EXPECT_U64(table_pages(&e), 1);
	EXPECT_U64(pt_frames(&e), tables0 + extra);
	check_valid(&e);
	gpuvm_pt_gather_release(e.pt, &g);
	EXPECT_U64(pt_frames(&e), 1);
	check_counts(&e, NULL, 0, 0);
	env_fini(&e);
}

static const uint32_t split_prots[] = {
	GPUVM_PT_PROT_READONLY | GPUVM_PT_PROT_NOEXEC |
		GPUVM_PT_PROT_UNCACHED,
	GPUVM_PT_PROT_NULL,
	0,
};

static void test_split_2m(void **state)
{
	static const struct cut cuts[] = {
		{ "first page", 0, SZ_4K },
		{ "middle page", SZ_1M, SZ_1M + SZ_4K },
		{ "last page", SZ_2M - SZ_4K, SZ_2M },
		{ "first 400 KiB", 0, 100 * SZ_4K },
		{ "middle run", 3 * SZ_4K, 303 * SZ_4K },
		{ "last 448 KiB", 400 * SZ_4K, SZ_2M },
		{ "all but the last page", 0, SZ_2M - SZ_4K },
		{ "all but the first page", SZ_4K, SZ_2M },
	};
	static const unsigned int vas[] = { 39, 48 };
	uint64_t samples[512], leaves[3];
	size_t c, p, s, v;

	(void)state;
	/* The helper against the numbers by hand: the middle 4 KiB of a
	 * 2 MiB block leaves 511 pages in one new L3 table. */
	CTX("split_expect, middle page of a 2 MiB block");
	EXPECT_U64(split_expect(SZ_4K | SZ_2M, 2, &cuts[1], leaves), 1);
	EXPECT_U64(leaves[0], 511);
	EXPECT_U64(leaves[1], 0);
	EXPECT_U64(leaves[2], 0);
	for (s = 0; s < 512; s++)
		samples[s] = s * SZ_4K + ((s * 0x39) & 0xfff);
	for (v = 0; v < 4; v++)
		for (p = 0; p < 3; p++)
			for (c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
				enum layout l = v < 2 ? LAYOUT_HIGH :
						LAYOUT_ROOT0;

				split_one(l, vas[v % 2], SZ_4K | SZ_2M, 2,
					  0x140600000ull, 0x300400000ull,
					  split_prots[p], &cuts[c], samples,
					  512);
				split_one(l, vas[v % 2], PG_ALL, 2,
					  0x140600000ull, 0x300400000ull,
					  split_prots[p], &cuts[c], samples,
					  512);
			}
}

static void test_split_1g(void **state)
{
	static const struct cut cuts[] = {
		{ "first page", 0, SZ_4K },
		{ "middle page", 0x20013000, 0x20014000 },
		{ "last page", SZ_1G - SZ_4K, SZ_1G },
		{ "middle 2 MiB", 0x20000000, 0x20200000 },
		{ "2 MiB boundary straddle", 0x20000000 - 2 * SZ_4K,
		  0x20000000 + 3 * SZ_4K },
		{ "all but the first and last page", SZ_4K, SZ_1G - SZ_4K },
		{ "first 3 MiB", 0, 3 * SZ_1M },
		{ "last 5 MiB + 4 KiB", SZ_1G - 5 * SZ_1M - SZ_4K, SZ_1G },
	};
	static const uint64_t sets[] = { PG_ALL, SZ_4K | SZ_1G };
	uint64_t samples[2304], seed = 0x1ee7, leaves[3];
	size_t c, p, s, n, k;

	(void)state;
	/* By hand: the first 4 KiB of a 1 GiB block leaves 511 2 MiB blocks
	 * and 511 pages (new L2 and L3 tables); without 2 MiB pages, 262,143
	 * pages in an L2 and 512 L3 tables. */
	CTX("split_expect, first page of a 1 GiB block");
	EXPECT_U64(split_expect(PG_ALL, 1, &cuts[0], leaves), 2);
	EXPECT_U64(leaves[0], 511);
	EXPECT_U64(leaves[1], 511);
	EXPECT_U64(leaves[2], 0);
	EXPECT_U64(split_expect(SZ_4K | SZ_1G, 1, &cuts[0], leaves), 513);
	EXPECT_U64(leaves[0], 262143);
	EXPECT_U64(leaves[1], 0);
	for (c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		/*
		 * Samples: first and last page of every 2 MiB entry, every
		 * page of the 2 MiB entries around the cut's ends, and some
		 * pseudo-random pages.
		 */
		n = 0;
		for (s = 0; s < 512; s++) {
			samples[n++] = s * SZ_2M;
			samples[n++] = s * SZ_2M + SZ_2M - 1;
		}
		for (k = 0; k < 2; k++) {
			uint64_t at = (k ? cuts[c].e - 1 : cuts[c].s) &
				      ~(SZ_2M - 1);

			for (s = 0; s < 512; s++)
				samples[n++] = at + s * SZ_4K + 0x10;
		}
		while (n < 2304) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			samples[n++] = (seed >> 20) & (SZ_1G - 1);
		}
		for (s = 0; s < 2; s++)
			for (p = 0; p < 2; p++)
				split_one(LAYOUT_HIGH, 39, sets[s], 1,
					  0xc0000000ull,
					  0x1c0000000ull, split_prots[p],
					  &cuts[c], samples, n);
	}
}

/* ------------------------------------------------------------------ */
/* Reference-model differential test                                   */

/* A random size in pages, at most max. */
static uint64_t diff_pages(struct pt_model *d, uint64_t max)
{
	uint64_t r = rng_below(&d->seed, 100), n;

	if (d->big && r < 25) {
		n = rng_below(&d->seed, 2) ? SZ_1G / SZ_4K :
		    1 + rng_below(&d->seed, 3 * SZ_1G / 2 / SZ_4K);
	} else if (r < 35) {
		n = 1 + rng_below(&d->seed, 16);
	} else if (r < 65) {
		n = 1 + rng_below(&d->seed, 2048);
	} else if (r < 85) {
		n = 512 * (1 + rng_below(&d->seed, 4));
	} else {
		n = 512 * (1 + rng_below(&d->seed, 4)) + 1 +
		    rng_below(&d->seed, 3);
		if (rng_below(&d->seed, 2))
			n -= 2 + rng_below(&d->seed, 2);
	}
	return n > max ? max : n;
}

static uint64_t diff_iova(struct pt_model *d, uint64_t pages)
{
	uint64_t r = rng_below(&d->seed, 100), align, span;

	if (d->big && r < 10)
		align = SZ_1G;
	else if (r < 35)
		align = SZ_4K;
	else if (r < 50)
		align = SZ_64K;
	else
		align = SZ_2M;
	span = (d->npages - pages) * SZ_4K;
	return d->base + rng_below(&d->seed, span / align + 1) * align;
}

/* A PA for iova: congruent modulo the block size (so blocks can fit), or
 * aligned to a block but not congruent, or any 4 KiB page. */
static uint64_t diff_pa(struct pt_model *d, uint64_t iova)
{
	uint64_t r = rng_below(&d->seed, 100);
	uint64_t blk = rng_below(&d->seed, (1ull << 40) / SZ_1G) * SZ_1G;

	if (r < 55)
		return blk + (iova & (d->pa_align - 1));
	if (r < 75)
		return blk + rng_below(&d->seed, SZ_1G / SZ_2M) * SZ_2M +
		       (rng_below(&d->seed, 2) ? 0 : SZ_4K *
			(1 + rng_below(&d->seed, 511)));
	return rng_below(&d->seed, (1ull << 40) / SZ_4K) * SZ_4K;
}

static uint64_t diff_pa_cb(void *d, uint64_t iova)
{
	return diff_pa(d, iova);
}

static void diff_map(struct pt_model *d)
{
	uint64_t pages = diff_pages(d, d->npages), iova = diff_iova(d, pages);
	uint64_t size = pages * SZ_4K, first = (iova - d->base) / SZ_4K, i;
	uint32_t prot = (uint32_t)rng_below(&d->seed, 8);
	struct gpuvm_pt_stats before, after;
	const struct gpuvm_pt_src *src;
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	struct frag_src frag;
	bool busy = false;
	uint64_t frames;
	int ret;

	memset(&frag, 0, sizeof(frag));
	if (!rng_below(&d->seed, 8))
		prot |= GPUVM_PT_PROT_NULL;
	gpuvm_pt_linear_init(&lin, iova, diff_pa(d, iova));
	src = &lin.src;
	if (!(prot & GPUVM_PT_PROT_NULL) && pages > 1 &&
	    rng_below(&d->seed, 100) < 15) {
		/* fragmented: pieces at random page boundaries */
		frag_build(&frag, iova, pages, &d->seed, diff_pa_cb, d);
		src = &frag.src;
	}

	CTX("diff, %s, va_bits %u pgsizes %s seed 0x%" PRIx64 " step %"
	    PRIu64 ": map [0x%" PRIx64 ", +0x%" PRIx64 ") pa 0x%" PRIx64
	    "%s prot 0x%x", d->e.lname, d->e.va_bits,
	    pgs_name(d->e.pgsizes), d->seed0,
	    d->step, iova, size, src == &lin.src ? lin.pa : frag.pa[0],
	    src == &lin.src ? "" : " (fragmented)", prot);
	if (d->trace)
		fprintf(stderr, "%s\n", ctx);
	for (i = 0; i < pages && !busy; i++)
		busy = d->m[first + i].mapped;
	get_stats(&d->e, &before);
	frames = pt_frames(&d->e);
	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_map(d->e.pt, iova, size, src, prot, &g);
	EXPECT_TRUE(gpuvm_pt_gather_empty(&g));
	if (d->trace)
		gpuvm_pt_print(d->e.pt, stderr);
	if (busy) {
		EXPECT_INT(ret, -EEXIST);
		get_stats(&d->e, &after);
		EXPECT_TRUE(memcmp(&before, &after, sizeof(before)) == 0);
		EXPECT_U64(pt_frames(&d->e), frames);
		return;
	}
	EXPECT_INT(ret, 0);
	for (i = 0; i < pages; i++) {
		struct mpage *p = &d->m[first + i];
		uint64_t c;

		p->mapped = 1;
		p->prot = (uint8_t)prot;
		p->pa = (prot & GPUVM_PT_PROT_NULL) ? 0 :
			src->pa_at(src->cookie, iova + i * SZ_4K, &c);
	}
}

static void diff_unmap(struct pt_model *d)
{
	uint64_t pages, iova, size, first, i, lo = 0, hi = 0, frames;
	struct gpuvm_pt_gather g;

	if (!rng_below(&d->seed, 33)) {
		pages = d->npages;
		iova = d->base;
	} else {
		pages = diff_pages(d, d->npages);
		iova = diff_iova(d, pages);
	}
	size = pages * SZ_4K;
	first = (iova - d->base) / SZ_4K;
	CTX("diff, %s, va_bits %u pgsizes %s seed 0x%" PRIx64 " step %"
	    PRIu64 ": unmap [0x%" PRIx64 ", +0x%" PRIx64 ")", d->e.lname,
	    d->e.va_bits,
	    pgs_name(d->e.pgsizes), d->seed0, d->step, iova, size);
	for (i = 0; i < pages; i++) {
		struct mpage *p = &d->m[first + i];

		if (!p->mapped)
			continue;
		if (lo == hi)
			lo = iova + i * SZ_4K;
		hi = iova + (i + 1) * SZ_4K;
		p->mapped = 0;
	}
	if (d->trace)
		fprintf(stderr, "%s\n", ctx);
	gpuvm_pt_gather_init(&g);
	EXPECT_INT(gpuvm_pt_unmap(d->e.pt, iova, size, &g), 0);
	/* exactly the hull of the mapped pages in the range */
	EXPECT_U64(g.start, lo);
	EXPECT_U64(g.end, hi);
	if (lo == hi)
		EXPECT_U64(g.freed_count, 0);
	frames = pt_frames(&d->e);
	EXPECT_U64(frames, table_pages(&d->e) + g.freed_count);
	gpuvm_pt_gather_release(d->e.pt, &g);
	EXPECT_U64(pt_frames(&d->e), table_pages(&d->e));
}

/*
 * Failure messages name the initial seed and the step: the run is
 * deterministic, so that pair replays it.
 */
static void diff_run(enum layout layout, unsigned int va_bits,
		     uint64_t pgsizes, uint64_t base, uint64_t size,
		     uint64_t seed, uint64_t steps, bool big)
{
	struct pt_model d;

	pt_model_init(&d, layout, va_bits, pgsizes, base, size, seed, big);
	CTX("diff, %s, va_bits %u pgsizes %s initial seed 0x%" PRIx64,
	    layout_name(layout), va_bits, pgs_name(pgsizes), seed);
	pt_model_check(&d, true);
	for (d.step = 0; d.step < steps; d.step++) {
		if (rng_below(&d.seed, 100) < 58)
			diff_map(&d);
		else
			diff_unmap(&d);
		pt_model_check(&d, true);
	}
	/* Unmap everything: back to the top table alone. */
	CTX("diff, %s, va_bits %u pgsizes %s initial seed 0x%" PRIx64
	    ": final unmap", d.e.lname, va_bits, pgs_name(pgsizes), seed);
	{
		struct gpuvm_pt_gather g;

		gpuvm_pt_gather_init(&g);
		EXPECT_INT(gpuvm_pt_unmap(d.e.pt, base, size, &g), 0);
		gpuvm_pt_gather_release(d.e.pt, &g);
		memset(d.m, 0, d.npages * sizeof(*d.m));
		pt_model_check(&d, true);
		EXPECT_U64(table_pages(&d.e), 1);
		EXPECT_U64(pt_frames(&d.e), 1);
	}
	pt_model_fini(&d);
}

/* 64 MiB at 13 GiB + 0: an odd GiB offset. */
static void test_diff_2m(void **state)
{
	(void)state;
	diff_run(LAYOUT_HIGH, 39, SZ_4K | SZ_2M, 13 * SZ_1G, 64 * SZ_1M,
		 0x5eed0001ull, 1500, false);
	diff_run(LAYOUT_HIGH, 48, SZ_4K | SZ_2M,
		 0x7f0000000000ull + 13 * SZ_1G, 64 * SZ_1M, 0x5eed0002ull,
		 500, false);
}

static void test_diff_1g(void **state)
{
	(void)state;
	diff_run(LAYOUT_HIGH, 39, PG_ALL, 13 * SZ_1G, 64 * SZ_1M,
		 0x5eed0003ull, 1500, false);
	/* 1 GiB-scale window: 2 GiB at 13 GiB, 1 GiB blocks and splits. */
	diff_run(LAYOUT_HIGH, 39, PG_ALL, 13 * SZ_1G, 2 * SZ_1G,
		 0x5eed0004ull, 60, true);
}

static void test_diff_root_at_pa0(void **state)
{
	(void)state;
	diff_run(LAYOUT_ROOT0, 39, SZ_4K | SZ_2M, 13 * SZ_1G, 64 * SZ_1M,
		 0x5eed0005ull, 1000, false);
	diff_run(LAYOUT_ROOT0, 48, PG_ALL, 13 * SZ_1G, 64 * SZ_1M,
		 0x5eed0006ull, 500, false);
}

/* An optional argument selects tests by name (cmocka's glob filter). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_cfg),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_matrix_root_at_pa0),
		cmocka_unit_test(test_matrix_overlap_covering_block),
		cmocka_unit_test(test_split_2m),
		cmocka_unit_test(test_split_1g),
		cmocka_unit_test(test_diff_2m),
		cmocka_unit_test(test_diff_1g),
		cmocka_unit_test(test_diff_root_at_pa0),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
