// SPDX-License-Identifier: MIT
/*
 * Tests of memory pressure in the driver layer (src/drv/evict.c): the
 * device budget, the LRU shrinker, eviction to swap and restore on
 * validate, seen from outside through the public API only.
 *
 * What the GPU sees is checked through the MMU: BOs are filled from the
 * CPU with one 32-bit value per page, pat(tag, page), so a read tells
 * which BO page a VA reaches; the sparse dummy is signed through the GPU
 * with dsig(va), so a read tells which dummy offset a sparse VA reaches.
 * The MMU runs in checked mode, so a TLB entry an eviction forgot to
 * invalidate shows up as -ESTALE rather than as a translation fault.
 *
 * A restore gives a BO fresh frames, so physical addresses may change;
 * everything else must come back exactly: leaf counts, table pages, the
 * mappings and their attributes, and the page-table layout (the dump with
 * output addresses taken out, layout_of()). gpuvm_drv_vm_check() must
 * pass after every step, evicted or not.
 *
 * Frame counts are exact: an eviction frees the BO's frames and the
 * tables its unmapping emptied, nothing more, and reclaim reports that.
 */
#include "drv_test.h"

/* ------------------------------------------------------------------ */
/* Dumps                                                               */

struct run {
	bool open;
	uint64_t start, end;
	char attrs[64];
};

static void run_flush(FILE *mf, struct run *r)
{
	if (r->open)
		fprintf(mf, "  [0x%" PRIx64 ", 0x%" PRIx64 ") -> %s\n",
			r->start, r->end, r->attrs);
	r->open = false;
}

/*
 * The dump with physical addresses taken out: the VA-space part as it is
 * (a BO keeps its identity across eviction), then each page-table run as
 * its VA range, level and attributes, runs that continue one another at
 * the same level with the same attributes joined (where the dump breaks
 * a run depends on physical contiguity, which a restore may change).
 */
static char *layout_of(struct gpuvm_drv_file *f, uint32_t vm)
{
	char *d = dump_of(f, vm), *out = NULL, *pt, *line, *save = NULL;
	struct run r = { 0 };
	size_t len = 0;
	FILE *mf = open_memstream(&out, &len);

	assert_non_null(mf);
	pt = strstr(d, "page tables:");
	assert_non_null(pt);
	assert_int_equal(fwrite(d, 1, (size_t)(pt - d), mf), (size_t)(pt - d));
	for (line = strtok_r(pt, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t s, e;
		char kind[32], attrs[64];
		int n = 0;

		if (sscanf(line, "  [0x%" SCNx64 ", 0x%" SCNx64 ") -> %31s %n",
			   &s, &e, kind, &n) < 3 || !n) {
			run_flush(mf, &r);
			fprintf(mf, "%s\n", line);
			continue;
		}
		snprintf(attrs, sizeof(attrs), "%s %s",
			 strcmp(kind, "NULL") ? "PA" : "NULL", line + n);
		if (r.open && r.end == s && !strcmp(r.attrs, attrs)) {
			r.end = e;
			continue;
		}
		run_flush(mf, &r);
		r = (struct run){ .open = true, .start = s, .end = e };
		memcpy(r.attrs, attrs, sizeof(attrs));
	}
	run_flush(mf, &r);
	assert_int_equal(fclose(mf), 0);
	free(d);
	return out;
}

static void expect_layout(struct gpuvm_drv_file *f, uint32_t vm,
			  const char *before, const char *what)
{
	char *now = layout_of(f, vm);

	if (strcmp(now, before)) {
		print_message("%s: layout differs\nbefore:\n%s\nnow:\n%s\n",
			      what, before, now);
		free(now);
		fail_msg("%s: the page-table layout changed", what);
	}
	free(now);
}

/* ------------------------------------------------------------------ */
/* 1. Plain BO mappings                                                */

/* BO A mapped twice, BO B with a 2 MiB block; what was before eviction. */
struct plain {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm, a, b;
	struct gpuvm_drv_vm_stats st0;
	struct gpuvm_mem_stats m0;
	struct mlist ml0;
	char *lay0;
};

#define PV1 (2 * SZ_1G + 12 * 1024)   /* A, read-only */
#define PV2 (2 * SZ_1G + SZ_1M)       /* A from page 1, no-exec, uncached */

/* The mappings, every page of A in the TLB, and the state to come back. */
static void plain_map(struct plain *p)
{
	struct gpuvm_drv_file *f = p->f;
	uint32_t vm = p->vm;
	uint64_t x;

	map_bo(f, vm, p->a, 0, PV1, 16 * SZ_4K, F_RO);
	map_bo(f, vm, p->a, SZ_4K, PV2, 8 * SZ_4K, F_NX | F_UC);
	map_bo(f, vm, p->b, 0, 4 * SZ_1G, SZ_2M + 3 * SZ_4K, 0);
	expect_leaves(f, vm, 16 + 8 + 3, 1, 0);
	p->st0 = vstats(f, vm);
	/* L0, L1; for 2G: L2 and one L3; for 4G: L2 and the tail's L3. */
	assert_int_equal(p->st0.pt_pages, 6);
	assert_int_equal(p->st0.mappings, 3);
	check_ok(f, vm);
	for (x = 0; x < 16; x++)
		assert_int_equal(rd32(f, vm, PV1 + x * SZ_4K), pat(0xa, x));
	for (x = 0; x < 8; x++)
		assert_int_equal(rd32(f, vm, PV2 + x * SZ_4K), pat(0xa, 1 + x));
	p->lay0 = layout_of(f, vm);
	p->m0 = mstats(p->dev);
	mlist_take(f, vm, &p->ml0);
}

/*
 * Evicting A frees its 16 frames and the two tables of its region (L2
 * and L3), invalidates the TLB once, and leaves the mappings in the VA
 * space, faulting (M1); B is untouched. Evicting it again is a no-op.
 */
static void plain_evict(struct plain *p)
{
	struct gpuvm_drv_file *f = p->f;
	struct gpuvm_drv_vm_stats st;
	struct gpuvm_drv_lookup l;
	struct gpuvm_mem_stats m;
	uint32_t vm = p->vm;
	uint64_t x;

	assert_int_equal(gpuvm_drv_bo_evict(f, p->a), 0);
	m = mstats(p->dev);
	assert_int_equal(m.frames_by_purpose[GPUVM_MEM_BO],
			 p->m0.frames_by_purpose[GPUVM_MEM_BO] - 16);
	assert_int_equal(m.frames_by_purpose[GPUVM_MEM_PT],
			 p->m0.frames_by_purpose[GPUVM_MEM_PT] - 2);
	assert_int_equal(m.frames_used, p->m0.frames_used - 18);
	st = vstats(f, vm);
	assert_int_equal(st.pt_pages, 4);
	assert_int_equal(st.mappings, 3);
	assert_int_equal(st.leaf_4k, 3);
	assert_int_equal(st.leaf_2m, 1);
	assert_int_equal(st.tlb_invalidations, p->st0.tlb_invalidations + 1);
	check_ok(f, vm);
	assert_false(resident(f, p->a));
	assert_true(resident(f, p->b));
	/* Every page of A faults: no stale TLB entry, no leftover leaf. */
	for (x = 0; x < 16; x++)
		expect_gone(f, vm, PV1 + x * SZ_4K + 4 * x);
	for (x = 0; x < 8; x++)
		expect_gone(f, vm, PV2 + x * SZ_4K);
	expect_fault(f, vm, GPUVM_MMU_WRITE, PV2 + 8, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, PV2 + 8);
	expect_fault(f, vm, GPUVM_MMU_EXEC, PV1, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, PV1);
	/* The VA space still holds the mappings. */
	l = lookup_of(f, vm, PV1 + 5 * SZ_4K);
	assert_int_equal(l.kind, GPUVM_DRV_BO);
	assert_int_equal(l.bo_handle, p->a);
	assert_int_equal(l.bo_offset, 5 * SZ_4K);
	assert_int_equal(l.flags, F_RO);
	expect_mappings(f, vm, &p->ml0);
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + SZ_2M + 2 * SZ_4K),
			 pat(0xb, PAGES_2M + 2));
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 77 * SZ_4K), pat(0xb, 77));
	assert_int_equal(gpuvm_drv_bo_evict(f, p->a), 0);
	assert_int_equal(frames_used(p->dev), m.frames_used);
	assert_int_equal(vstats(f, vm).tlb_invalidations,
			 st.tlb_invalidations);
}

/* The CPU works on the saved contents, and A stays evicted. */
static void plain_cpu(struct plain *p)
{
	uint64_t used = frames_used(p->dev), x;

	for (x = 0; x < 16; x++)
		assert_int_equal(bo_word(p->f, p->a, x * SZ_4K + 0x20),
				 pat(0xa, x));
	bo_put_word(p->f, p->a, 2 * SZ_4K + 0x40, 0xc0dec0de);
	assert_int_equal(bo_word(p->f, p->a, 2 * SZ_4K + 0x40), 0xc0dec0de);
	assert_false(resident(p->f, p->a));
	assert_int_equal(frames_used(p->dev), used);
	check_ok(p->f, p->vm);
}

/*
 * Validate restores everything as it was (M2): frames, the VM's shape,
 * the page-table layout, the mappings, the data with the CPU's write,
 * the permissions.
 */
static void plain_restore(struct plain *p)
{
	struct gpuvm_drv_file *f = p->f;
	struct gpuvm_drv_vm_stats st;
	struct gpuvm_mem_stats m;
	uint32_t vm = p->vm;
	uint64_t x;

	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	assert_true(resident(f, p->a));
	m = mstats(p->dev);
	assert_int_equal(m.frames_used, p->m0.frames_used);
	assert_int_equal(m.frames_by_purpose[GPUVM_MEM_PT],
			 p->m0.frames_by_purpose[GPUVM_MEM_PT]);
	assert_int_equal(m.frames_by_purpose[GPUVM_MEM_BO],
			 p->m0.frames_by_purpose[GPUVM_MEM_BO]);
	st = vstats(f, vm);
	expect_same_shape(&st, &p->st0);
	expect_layout(f, vm, p->lay0, "plain, restored");
	expect_mappings(f, vm, &p->ml0);
	check_ok(f, vm);
	for (x = 0; x < 16; x++)
		assert_int_equal(rd32(f, vm, PV1 + x * SZ_4K + 0x20),
				 pat(0xa, x));
	assert_int_equal(rd32(f, vm, PV1 + 2 * SZ_4K + 0x40), 0xc0dec0de);
	assert_int_equal(rd32(f, vm, PV2 + SZ_4K + 0x40), 0xc0dec0de);
	for (x = 0; x < 8; x++)
		assert_int_equal(rd32(f, vm, PV2 + x * SZ_4K + 0xffc),
				 pat(0xa, 1 + x));
	expect_fault(f, vm, GPUVM_MMU_WRITE, PV1 + 8, 4,
		     GPUVM_MMU_FAULT_PERMISSION, PV1 + 8);
	expect_fault(f, vm, GPUVM_MMU_EXEC, PV2 + 8, 4,
		     GPUVM_MMU_FAULT_PERMISSION, PV2 + 8);
	wr32(f, vm, PV2 + 8, 0x600d600d);
	assert_int_equal(bo_word(f, p->a, SZ_4K + 8), 0x600d600d);
	assert_int_equal(rd32(f, vm, PV1 + SZ_4K + 8), 0x600d600d);
}

/* A second validate has nothing to do. */
static void plain_validate_again(struct plain *p)
{
	struct gpuvm_drv_vm_stats st0 = vstats(p->f, p->vm), st;

	assert_int_equal(gpuvm_drv_vm_validate(p->f, p->vm), 0);
	st = vstats(p->f, p->vm);
	assert_int_equal(st.pte_writes, st0.pte_writes);
	assert_int_equal(st.tlb_invalidations, st0.tlb_invalidations);
	assert_int_equal(frames_used(p->dev), p->m0.frames_used);
	check_ok(p->f, p->vm);
}

/*
 * A BO mapped twice with different permissions, and another BO with a
 * 2 MiB block in another 1 GiB region; the first evicted, written by the
 * CPU meanwhile, and restored.
 */
static void test_evict_plain(void **state)
{
	struct drv_env *e = *state;
	struct plain p = { .dev = e->dev, .f = e->f, .vm = e->vm };

	p.a = bo_new(p.f, 16, 0xa);
	p.b = bo_new(p.f, PAGES_2M + 3, 0xb);
	plain_map(&p);
	plain_evict(&p);
	plain_cpu(&p);
	plain_restore(&p);
	plain_validate_again(&p);
	free(p.lay0);
	mlist_free(&p.ml0);
}

/* Bad arguments of the memory-pressure calls. */
static void test_evict_args(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, a = bo_new(f, 4, 0x1);
	uint64_t freed = 77;
	bool r;

	assert_int_equal(gpuvm_drv_dummy_evict(f), -ENOENT);
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &r), -ENOENT);
	assert_int_equal(gpuvm_drv_bo_evict(f, 0), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_evict(f, a + 1), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_resident(f, a + 1, &r), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_pin(f, a + 1, true), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_pin(f, a, false), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_validate(f, 0), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm + 1), -EINVAL);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, SZ_4K + 1), -EINVAL);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, 4 * SZ_1G + SZ_4K),
			 -EINVAL);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, 4 * SZ_1G), 0);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, 0), 0);
	assert_int_equal(gpuvm_drv_reclaim(dev, 0x800, &freed), -EINVAL);
	assert_int_equal(gpuvm_drv_reclaim(dev, 0, &freed), 0);
	assert_int_equal(freed, 0);
	assert_true(resident(f, a));
	/* A closed handle is gone for these calls too. */
	assert_int_equal(gpuvm_drv_bo_close(f, a), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_pin(f, a, true), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_resident(f, a, &r), -EINVAL);
	/* Dummy: after the first sparse map it exists and is resident. */
	map_sparse(f, vm, 2 * SZ_1G, SZ_2M);
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &r), 0);
	assert_true(r);
	assert_int_equal(gpuvm_drv_dummy_evict(f), 0);
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &r), 0);
	assert_false(r);
	assert_int_equal(gpuvm_drv_dummy_evict(f), 0);
	check_ok(f, vm);
}

/* ------------------------------------------------------------------ */
/* 2. Repeat mappings split at odd points                              */

static uint32_t repeat_value(uint64_t page)
{
	return pat(0x5, 1 + page % 5);
}

static void test_evict_repeat(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, r = bo_new(f, 7, 0x5);
	uint32_t o = bo_new(f, 1, 0x6), r2 = bo_new(f, 2 * PAGES_2M, 0x7);
	const uint64_t base = 2 * SZ_1G + SZ_4K, big = 8 * SZ_1G;
	struct gpuvm_drv_vm_stats st0, st;
	struct mlist ml0;
	uint64_t x, m0;
	char *lay0;

	/* BO pages 1..5 over 300 pages, holes and another BO at odd pages. */
	map_repeat(f, vm, r, SZ_4K, 5 * SZ_4K, base, 300 * SZ_4K);
	unmap(f, vm, base + 13 * SZ_4K, 4 * SZ_4K);
	unmap(f, vm, base + 101 * SZ_4K, SZ_4K);
	map_bo(f, vm, o, 0, base + 200 * SZ_4K, SZ_4K, 0);
	/* A 2 MiB repeat: blocks, and holes splitting two of them. */
	map_repeat(f, vm, r2, SZ_2M, SZ_2M, big, 8 * SZ_1M);
	unmap(f, vm, big + SZ_2M + 5 * SZ_4K, 2 * SZ_4K);
	unmap(f, vm, big + 5 * SZ_1M + 3 * SZ_4K, SZ_4K);
	/* 300 - 5 - 1 pages of repeat + 1 of O; 2 whole blocks, and the
	 * two split blocks as 510 + 511 pages. */
	expect_leaves(f, vm, 294 + 1 + 510 + 511, 2, 0);
	/* [0,13) [17,101) [101+1,200) [200] [201,300); 4 pieces of r2. */
	st0 = vstats(f, vm);
	assert_int_equal(st0.mappings, 5 + 3);
	check_ok(f, vm);
	for (x = 0; x < 300; x++)
		if ((x < 13 || x >= 17) && x != 101 && x != 200)
			assert_int_equal(rd32(f, vm, base + x * SZ_4K),
					 repeat_value(x));
	lay0 = layout_of(f, vm);
	mlist_take(f, vm, &ml0);
	m0 = frames_used(dev);

	assert_int_equal(gpuvm_drv_bo_evict(f, r), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, r2), 0);
	check_ok(f, vm);
	/* Only O's page is left: its table path (L1, L2, L3) and the root. */
	expect_leaves(f, vm, 1, 0, 0);
	assert_int_equal(vstats(f, vm).pt_pages, 4);
	assert_int_equal(frames_used(dev),
			 m0 - 7 - 2 * PAGES_2M - (st0.pt_pages - 4));
	assert_int_equal(rd32(f, vm, base + 200 * SZ_4K), pat(0x6, 0));
	for (x = 0; x < 300; x += 7)
		if (x != 200)
			expect_gone(f, vm, base + x * SZ_4K);
	expect_gone(f, vm, big);
	expect_gone(f, vm, big + 8 * SZ_1M - 4);
	/* A CPU write into R's page 3 while it is in swap. */
	bo_put_word(f, r, 3 * SZ_4K + 0x10, 0x3e3e3e3e);

	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	st = vstats(f, vm);
	expect_same_shape(&st, &st0);
	expect_layout(f, vm, lay0, "repeat, restored");
	expect_mappings(f, vm, &ml0);
	assert_int_equal(frames_used(dev), m0);
	/* Every page, with its phase: page x reads BO page 1 + x mod 5. */
	for (x = 0; x < 300; x++) {
		uint64_t va = base + x * SZ_4K;

		if ((x >= 13 && x < 17) || x == 101) {
			expect_gone(f, vm, va);
			continue;
		}
		if (x == 200) {
			assert_int_equal(rd32(f, vm, va), pat(0x6, 0));
			continue;
		}
		assert_int_equal(rd32(f, vm, va), repeat_value(x));
		assert_int_equal(rd32(f, vm, va + 0x10),
				 1 + x % 5 == 3 ? 0x3e3e3e3e : repeat_value(x));
	}
	for (x = 0; x < 4 * PAGES_2M; x++) {
		uint64_t va = big + x * SZ_4K;

		if (x == PAGES_2M + 5 || x == PAGES_2M + 6 ||
		    x == 5 * SZ_1M / SZ_4K + 3) {
			expect_gone(f, vm, va);
			continue;
		}
		assert_int_equal(rd32(f, vm, va + 4 * (x % 1024)),
				 pat(0x7, PAGES_2M + x % PAGES_2M));
	}
	free(lay0);
	mlist_free(&ml0);
}

/* ------------------------------------------------------------------ */
/* 3. Sparse ranges of several GiB, with the dummy evicted            */

/* Sparse range S1 of VM 1, and the BO maps punched into it. */
#define S1_VA   (4 * SZ_1G + 20 * 1024)
#define S1_SIZE (3 * SZ_1G + 20 * 1024)
#define S1_END  (S1_VA + S1_SIZE)

static const struct {
	uint64_t va, size, off;
} punches[] = {
	{ S1_VA + 5 * SZ_1M + 8 * 1024, 12 * 1024, 0 },  /* mid-block */
	{ 5 * SZ_1G + SZ_2M, SZ_2M, SZ_2M },             /* a whole block */
	{ S1_END - 16 * 1024, 8 * 1024, 4 * 1024 },      /* in the tail */
};

#define NPUNCH (sizeof(punches) / sizeof(punches[0]))
#define P_TAG 0xe

/* What a GPU read of VM 1 finds at va in S1: a punched BO page or dsig. */
static uint32_t s1_value(uint64_t va)
{
	unsigned int i;

	for (i = 0; i < NPUNCH; i++)
		if (va >= punches[i].va && va < punches[i].va + punches[i].size)
			return pat(P_TAG, (punches[i].off + va -
					   punches[i].va) / SZ_4K);
	return dsig(va);
}

static bool punched(uint64_t va, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < NPUNCH; i++)
		if (va < punches[i].va + punches[i].size &&
		    punches[i].va < va + len)
			return true;
	return false;
}

/* Reads of S1 at a spread of addresses, the first and last pages too. */
static void s1_verify(struct gpuvm_drv_file *f, uint32_t vm)
{
	uint64_t x, i;

	for (x = S1_VA, i = 0; x < S1_END; x += 511 * SZ_4K + 0x44, i++)
		assert_int_equal(rd32(f, vm, x & ~3ull), s1_value(x & ~3ull));
	assert_true(i > 1500);
	for (i = 0; i < NPUNCH; i++)
		for (x = 0; x < punches[i].size; x += SZ_4K)
			assert_int_equal(rd32(f, vm, punches[i].va + x + 0x80),
					 s1_value(punches[i].va + x));
	assert_int_equal(rd32(f, vm, S1_VA), dsig(S1_VA));
	assert_int_equal(rd32(f, vm, S1_END - 4), dsig(S1_END - 4));
	expect_gone(f, vm, S1_VA - 4);
	expect_gone(f, vm, S1_END);
}

/* Sparse range S1 of VM 1 with the punches, VM 2's 4 MiB at ES_S2. */
struct esp {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t v1, v2, p;
	bool private;
	struct gpuvm_drv_vm_stats st1, st2;
	struct gpuvm_mem_stats m0;
	char *lay1, *lay2;
	uint64_t wo;            /* the dummy offset es_cyclic() wrote */
};

#define ES_S2 (64 * SZ_1G)

static void es_map(struct esp *s)
{
	struct gpuvm_drv_file *f = s->f;
	unsigned int i;

	/* The dummy signed through VM 2, before anything else maps it. */
	map_sparse(f, s->v2, ES_S2, 4 * SZ_1M);
	dummy_sign(f, s->v2, ES_S2);
	map_sparse(f, s->v1, S1_VA, S1_SIZE);
	s->p = bo_new(f, 2 * PAGES_2M, P_TAG);
	for (i = 0; i < NPUNCH; i++)
		map_bo(f, s->v1, s->p, punches[i].off, punches[i].va,
		       punches[i].size, 0);
	check_ok(f, s->v1);
	check_ok(f, s->v2);
	s1_verify(f, s->v1);
	s->st1 = vstats(f, s->v1);
	s->st2 = vstats(f, s->v2);
	/* Head (507 pages), tail (10 pages): 4 KiB; the mid-block punch
	 * splits one block into 509 sparse + 3 BO pages; the aligned punch
	 * is a BO block instead of a dummy one. */
	assert_int_equal(s->st1.leaf_4k, 507 + 10 + 512);
	assert_int_equal(s->st1.leaf_2m, (S1_SIZE - 507 * SZ_4K - 10 * SZ_4K) /
					 SZ_2M - 1);
	assert_int_equal(s->st1.leaf_2m, 1534);
	/* [6G, 7G) is a whole 1 GiB slot of dummy blocks: shared, unless
	 * asked not to; VM 2's 4 MiB never is. */
	if (s->private)
		assert_int_equal(s->st1.shared_pt_pages, 0);
	else
		assert_true(s->st1.shared_pt_pages > 0);
	assert_int_equal(s->st1.mappings, 1 + 2 * NPUNCH);
	s->lay1 = layout_of(f, s->v1);
	s->lay2 = layout_of(f, s->v2);
	s->m0 = mstats(s->dev);
}

/*
 * The dummy evicted: sparse VAs fault in both VMs, the punched BO still
 * reads. VM 2 had only the sparse range: just its root is left. The
 * file's shared sparse tables, which map the dummy's old frames, go too.
 */
static void es_evict_dummy(struct esp *s)
{
	struct gpuvm_drv_file *f = s->f;
	struct gpuvm_drv_vm_stats st;
	struct gpuvm_mem_stats m;
	bool r;

	assert_int_equal(gpuvm_drv_dummy_evict(f), 0);
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &r), 0);
	assert_false(r);
	check_ok(f, s->v1);
	check_ok(f, s->v2);
	expect_gone(f, s->v1, S1_VA);
	expect_gone(f, s->v1, S1_VA + SZ_1G);
	expect_gone(f, s->v1, S1_END - 4);
	expect_gone(f, s->v2, ES_S2 + 0x100);
	assert_int_equal(rd32(f, s->v1, punches[1].va + 0x40),
			 s1_value(punches[1].va));
	m = mstats(s->dev);
	assert_int_equal(m.frames_by_purpose[GPUVM_MEM_BO],
			 s->m0.frames_by_purpose[GPUVM_MEM_BO] - PAGES_2M);
	st = vstats(f, s->v1);
	assert_int_equal(st.leaf_4k, 3 + 2);
	assert_int_equal(st.leaf_2m, 1);
	assert_int_equal(vstats(f, s->v2).pt_pages, 1);
	assert_int_equal(st.shared_pt_pages, 0);
	assert_int_equal(vstats(f, s->v2).shared_pt_pages, 0);
	assert_int_equal(m.frames_by_purpose[GPUVM_MEM_PT],
			 s->m0.frames_by_purpose[GPUVM_MEM_PT] -
			 (s->st1.pt_pages - st.pt_pages) -
			 (s->st2.pt_pages - 1) - s->st1.shared_pt_pages);
}

/* The punched BO evicted too: nothing left but roots; the CPU writes
 * the BO in swap. */
static void es_evict_bo(struct esp *s)
{
	struct gpuvm_drv_file *f = s->f;
	struct gpuvm_mem_stats m;
	unsigned int i;

	assert_int_equal(gpuvm_drv_bo_evict(f, s->p), 0);
	check_ok(f, s->v1);
	expect_leaves(f, s->v1, 0, 0, 0);
	assert_int_equal(vstats(f, s->v1).pt_pages, 1);
	m = mstats(s->dev);
	assert_int_equal(m.frames_used, s->m0.frames_used - PAGES_2M -
			 2 * PAGES_2M - (s->st1.pt_pages - 1) -
			 (s->st2.pt_pages - 1) - s->st1.shared_pt_pages);
	for (i = 0; i < NPUNCH; i++)
		expect_gone(f, s->v1, punches[i].va);
	bo_put_word(f, s->p, SZ_2M + 0x100, 0x7a7a7a7a);
}

/* A new sparse map brings the dummy back, contents intact; the old
 * ranges stay evicted until validate. */
static void es_new_sparse_map(struct esp *s)
{
	struct gpuvm_drv_file *f = s->f;
	uint64_t x;
	bool r;

	map_sparse(f, s->v1, 100 * SZ_1G, 4 * SZ_1M);
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &r), 0);
	assert_true(r);
	for (x = 0; x < 4 * SZ_1M; x += 97 * SZ_4K + 8)
		assert_int_equal(rd32(f, s->v1, 100 * SZ_1G + x), dsig(x));
	expect_gone(f, s->v1, S1_VA + SZ_1G);
	expect_gone(f, s->v2, ES_S2);
	check_ok(f, s->v1);
	check_ok(f, s->v2);
	unmap(f, s->v1, 100 * SZ_1G, 4 * SZ_1M);
	check_ok(f, s->v1);
}

/* Restore VM 1 only: as before, with the CPU's write; VM 2 waits. */
static void es_restore_vm1(struct esp *s)
{
	struct gpuvm_drv_file *f = s->f;
	struct gpuvm_drv_vm_stats st;

	assert_int_equal(gpuvm_drv_vm_validate(f, s->v1), 0);
	check_ok(f, s->v1);
	check_ok(f, s->v2);
	st = vstats(f, s->v1);
	expect_same_shape(&st, &s->st1);
	expect_layout(f, s->v1, s->lay1, "sparse VM 1, restored");
	assert_int_equal(rd32(f, s->v1, punches[1].va + 0x100), 0x7a7a7a7a);
	bo_put_word(f, s->p, SZ_2M + 0x100, pat(P_TAG, PAGES_2M));
	s1_verify(f, s->v1);
	expect_gone(f, s->v2, ES_S2);
	expect_gone(f, s->v2, ES_S2 + 4 * SZ_1M - 4);
}

/*
 * The cyclic property over the whole 3 GiB (B14): a write at x reads
 * back at x + k * 2 MiB for every k that stays in the range and off the
 * punched pages, the last 2 MiB included; and the signature the dummy
 * held before eviction, at other offsets, everywhere.
 */
static void es_cyclic(struct esp *s)
{
	struct gpuvm_drv_file *f = s->f;
	uint64_t x = S1_VA + SZ_2M + 0x1230, k, last, o;

	s->wo = x & (SZ_2M - 1);
	wr64(f, s->v1, x, 0x0123456789abcdefull);
	last = (S1_END - 8 - x) / SZ_2M;
	assert_true(x + last * SZ_2M >= S1_END - SZ_2M);
	for (k = 0; k <= last + 1; k++) {
		uint64_t a = x - SZ_2M + k * SZ_2M;

		if (a >= S1_VA && !punched(a, 8))
			assert_int_equal(rd64(f, s->v1, a),
					 0x0123456789abcdefull);
	}
	for (o = 0; o < SZ_2M; o += 0x3f000 + 0x128) {
		uint64_t a0 = (S1_VA & ~(SZ_2M - 1)) + o;

		if (o + 4 > s->wo && o < s->wo + 8)
			continue; /* the word written above */
		for (a0 = a0 < S1_VA ? a0 + SZ_2M : a0; a0 + 4 <= S1_END;
		     a0 += SZ_2M)
			if (!punched(a0, 4))
				assert_int_equal(rd32(f, s->v1, a0 & ~3ull),
						 dsig(a0));
	}
	/* A read across a 2 MiB boundary wraps around the dummy. */
	assert_int_equal(rd64(f, s->v1, 6 * SZ_1G - 4),
			 dsig(SZ_2M - 4) | (uint64_t)dsig(0) << 32);
}

/* Now VM 2: its own validate, the same dummy. */
static void es_restore_vm2(struct esp *s)
{
	struct gpuvm_drv_file *f = s->f;
	struct gpuvm_drv_vm_stats st;
	uint64_t x;

	assert_int_equal(gpuvm_drv_vm_validate(f, s->v2), 0);
	check_ok(f, s->v2);
	st = vstats(f, s->v2);
	expect_same_shape(&st, &s->st2);
	expect_layout(f, s->v2, s->lay2, "sparse VM 2, restored");
	assert_int_equal(rd64(f, s->v2, ES_S2 + SZ_2M + s->wo),
			 0x0123456789abcdefull);
	for (x = 0; x < 4 * SZ_1M; x += 33 * SZ_4K + 4)
		if ((x & (SZ_2M - 1)) >> 12 != s->wo >> 12)
			assert_int_equal(rd32(f, s->v2, ES_S2 + x), dsig(x));
	assert_int_equal(frames_used(s->dev), s->m0.frames_used);
}

/*
 * The dummy and then the punched BO evicted, VM 1 and VM 2 restored in
 * turn. private: every range got its own tables (private_sparse_tables);
 * otherwise whole 1 GiB slots link the file's shared sparse tables.
 */
static void evict_sparse_case(struct drv_env *e, bool private)
{
	struct esp s = { .dev = e->dev, .f = e->f, .v1 = e->vm,
			 .private = private };

	s.v2 = vm_new(s.f);
	es_map(&s);
	es_evict_dummy(&s);
	es_evict_bo(&s);
	es_new_sparse_map(&s);
	es_restore_vm1(&s);
	es_cyclic(&s);
	es_restore_vm2(&s);
	free(s.lay1);
	free(s.lay2);
}

static void test_evict_sparse(void **state)
{
	evict_sparse_case(*state, false);
}

static void test_evict_sparse_private(void **state)
{
	evict_sparse_case(*state, true);
}

/* ------------------------------------------------------------------ */
/* 4. LRU order, pinning, reclaim                                      */

/* Three BOs of 16 pages, each alone in its 1 GiB region of vm. */
static void three_bos(struct gpuvm_drv_file *f, uint32_t vm, uint32_t h[3])
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		h[i] = bo_new(f, 16, 0xa + i);
	for (i = 0; i < 3; i++)
		map_bo(f, vm, h[i], 0, (2 + i) * SZ_1G + 12 * 1024,
		       16 * SZ_4K, 0);
	for (i = 0; i < 3; i++)
		check_ok(f, vm);
}

static void expect_resident3(struct gpuvm_drv_file *f, const uint32_t h[3],
			     bool a, bool b, bool c)
{
	const bool want[3] = { a, b, c };
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (resident(f, h[i]) != want[i])
			fail_msg("BO %u: resident %d, want %d", i,
				 !want[i], want[i]);
}

/* What evicting one of three_bos' BOs frees: 16 frames, its L2 and L3. */
#define ONE_OF_THREE ((16 + 2) * SZ_4K)

static void test_evict_lru(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h[3];
	uint64_t freed, used;

	three_bos(f, vm, h);
	/* Use order: A, B, C (created, then bound). A CPU read uses A. */
	assert_int_equal(bo_word(f, h[0], 0), pat(0xa, 0));
	/* GPU accesses are not a use the shrinker sees. */
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + 12 * 1024), pat(0xb, 0));
	used = frames_used(dev);
	freed = 1;
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, ONE_OF_THREE);
	expect_resident3(f, h, true, false, true);
	assert_int_equal(frames_used(dev), used - ONE_OF_THREE / SZ_4K);
	expect_gone(f, vm, 3 * SZ_1G + 12 * 1024);
	check_ok(f, vm);
	/* Next oldest: C. */
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, ONE_OF_THREE);
	expect_resident3(f, h, true, false, false);
	check_ok(f, vm);

	/* Restore is a use, in list order: B, then C; A is oldest now. */
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	expect_resident3(f, h, true, true, true);
	assert_int_equal(frames_used(dev), used);
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, ONE_OF_THREE);
	expect_resident3(f, h, false, true, true);
	/* A CPU write uses B: C goes next. */
	bo_put_word(f, h[1], 4, 0xb0b0b0b0);
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, ONE_OF_THREE);
	expect_resident3(f, h, false, true, false);
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	/* Validate restored A, then C: B is the oldest. A bind uses B... */
	map_bo(f, vm, h[1], 0, 3 * SZ_1G + SZ_1M, SZ_4K, 0);
	/* ...so asking for 20 pages takes A (18), then C (18). */
	assert_int_equal(gpuvm_drv_reclaim(dev, 20 * SZ_4K, &freed), 0);
	assert_int_equal(freed, 2 * ONE_OF_THREE);
	expect_resident3(f, h, false, true, false);
	/* Everything: B, and then L1 empties too. */
	assert_int_equal(gpuvm_drv_reclaim(dev, 64 * SZ_1M, &freed), 0);
	assert_int_equal(freed, ONE_OF_THREE + SZ_4K);
	expect_resident3(f, h, false, false, false);
	assert_int_equal(vstats(f, vm).pt_pages, 1);
	/* Nothing left to evict. */
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, 0);
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + 12 * 1024 + 4), 0xb0b0b0b0);
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + SZ_1M), pat(0xb, 0));
}

/* The dummy is a BO like any other: oldest goes first. */
static void test_evict_lru_dummy(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, d;
	uint64_t freed;
	bool r;

	map_sparse(f, vm, 2 * SZ_1G, SZ_2M);
	wr32(f, vm, 2 * SZ_1G + 0x40, 0xd1d1d1d1);
	d = bo_new(f, 16, 0x1);
	map_bo(f, vm, d, 0, 3 * SZ_1G, 16 * SZ_4K, 0);
	/* The dummy's 2 MiB, and its region's L2 (a 2 MiB block needs no
	 * L3). */
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, (PAGES_2M + 1) * SZ_4K);
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &r), 0);
	assert_false(r);
	assert_true(resident(f, d));
	check_ok(f, vm);
	/* Another sparse map uses the dummy again (and restores it). */
	map_sparse(f, vm, 4 * SZ_1G, SZ_2M);
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 0x40), 0xd1d1d1d1);
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, (16 + 2) * SZ_4K);
	assert_false(resident(f, d));
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &r), 0);
	assert_true(r);
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + 0x40), 0xd1d1d1d1);
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + 5 * SZ_4K), pat(0x1, 5));
}

static void test_evict_pinned(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h[3], d;
	uint64_t freed, used;

	three_bos(f, vm, h);
	assert_int_equal(gpuvm_drv_bo_pin(f, h[1], true), 0);
	assert_int_equal(gpuvm_drv_bo_pin(f, h[1], true), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, h[1]), -EBUSY);
	assert_true(resident(f, h[1]));
	/* The shrinker skips it: everything else goes, B stays. */
	used = frames_used(dev);
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_1G, &freed), 0);
	assert_int_equal(freed, 2 * ONE_OF_THREE);
	assert_int_equal(frames_used(dev), used - 2 * ONE_OF_THREE / SZ_4K);
	expect_resident3(f, h, false, true, false);
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + 12 * 1024 + 5 * SZ_4K),
			 pat(0xb, 5));
	check_ok(f, vm);

	/* With the budget full and only B left, a new BO cannot fit. */
	used = frames_used(dev);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, used * SZ_4K), 0);
	assert_int_equal(gpuvm_drv_bo_create(f, 16 * SZ_4K, 0, 0, &d),
			 -ENOMEM);
	assert_int_equal(frames_used(dev), used);
	assert_true(resident(f, h[1]));
	/* Unpinned (once is enough: pinning is a flag), it can go. */
	assert_int_equal(gpuvm_drv_bo_pin(f, h[1], false), 0);
	assert_int_equal(gpuvm_drv_bo_pin(f, h[1], false), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_create(f, 16 * SZ_4K, 0, 0, &d), 0);
	assert_false(resident(f, h[1]));
	/* B's 16 frames and its three tables (L1 emptied too) made room
	 * for D's 16. */
	assert_int_equal(frames_used(dev), used - 3);
	check_ok(f, vm);

	/* Pinning an evicted BO brings it back (evicting D for it), but
	 * not its mappings: those wait for validate. */
	bo_put_word(f, h[1], 0x44, 0x12344321);
	assert_int_equal(gpuvm_drv_bo_pin(f, h[1], true), 0);
	assert_true(resident(f, h[1]));
	assert_false(resident(f, d));
	assert_int_equal(bo_word(f, h[1], 0x44), 0x12344321);
	assert_int_equal(bo_word(f, h[1], 15 * SZ_4K), pat(0xb, 15));
	expect_gone(f, vm, 3 * SZ_1G + 12 * 1024);
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, 0), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + 12 * 1024 + 0x44),
			 0x12344321);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + 12 * 1024), pat(0xa, 0));
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 12 * 1024), pat(0xc, 0));
	/* Still pinned after all that. */
	assert_int_equal(gpuvm_drv_bo_evict(f, h[1]), -EBUSY);
	assert_int_equal(gpuvm_drv_bo_evict(f, d), 0);
}

/* ------------------------------------------------------------------ */
/* 5. Two VMs, closed handles                                          */

static void test_evict_two_vms(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t v1 = e->vm, v2 = vm_new(f), a = bo_new(f, 16, 0xa);
	const uint64_t va1 = 2 * SZ_1G, va2 = 3 * SZ_1G + SZ_4K;
	struct gpuvm_drv_vm_stats st1, st2;
	uint64_t x;

	map_bo(f, v1, a, 0, va1, 16 * SZ_4K, 0);
	map_bo(f, v2, a, 4 * SZ_4K, va2, 8 * SZ_4K, F_RO);
	assert_int_equal(rd32(f, v1, va1 + 4 * SZ_4K), pat(0xa, 4));
	assert_int_equal(rd32(f, v2, va2), pat(0xa, 4));
	st1 = vstats(f, v1);
	st2 = vstats(f, v2);

	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	check_ok(f, v1);
	check_ok(f, v2);
	expect_gone(f, v1, va1 + 4 * SZ_4K);
	expect_gone(f, v2, va2);
	assert_int_equal(vstats(f, v1).tlb_invalidations,
			 st1.tlb_invalidations + 1);
	assert_int_equal(vstats(f, v2).tlb_invalidations,
			 st2.tlb_invalidations + 1);

	/* VM 1 alone: it reads, VM 2 still faults. */
	assert_int_equal(gpuvm_drv_vm_validate(f, v1), 0);
	assert_true(resident(f, a));
	check_ok(f, v1);
	check_ok(f, v2);
	for (x = 0; x < 16; x++)
		assert_int_equal(rd32(f, v1, va1 + x * SZ_4K), pat(0xa, x));
	for (x = 0; x < 8; x++)
		expect_gone(f, v2, va2 + x * SZ_4K);
	/* A GPU write through VM 1 reaches what VM 2 will see. */
	wr32(f, v1, va1 + 5 * SZ_4K + 0x10, 0x55aa55aa);
	assert_int_equal(gpuvm_drv_vm_validate(f, v2), 0);
	check_ok(f, v2);
	{
		struct gpuvm_drv_vm_stats s1 = vstats(f, v1),
					  s2 = vstats(f, v2);

		expect_same_shape(&s1, &st1);
		expect_same_shape(&s2, &st2);
	}
	assert_int_equal(rd32(f, v2, va2 + SZ_4K + 0x10), 0x55aa55aa);
	expect_fault(f, v2, GPUVM_MMU_WRITE, va2, 4,
		     GPUVM_MMU_FAULT_PERMISSION, va2);

	/* The other way round, and VM 1 destroyed while it still has A on
	 * its evicted list. */
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, v2), 0);
	assert_int_equal(rd32(f, v2, va2 + 7 * SZ_4K), pat(0xa, 11));
	expect_gone(f, v1, va1);
	check_ok(f, v1);
	assert_int_equal(gpuvm_drv_vm_destroy(f, v1), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, v2), 0);
	assert_int_equal(rd32(f, v2, va2 + 7 * SZ_4K), pat(0xa, 11));
	check_ok(f, v2);
}

/* A BO whose handle is closed can still be evicted (by the shrinker:
 * nobody can name it) and restored; its memory goes with its last user. */
static void test_evict_closed_handle(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, a = bo_new(f, 16, 0xa), v2;
	struct gpuvm_drv_lookup l;
	struct gpuvm_drv_vm_stats st0;
	uint64_t freed, used, x;
	bool r;

	map_bo(f, vm, a, 0, 2 * SZ_1G, 16 * SZ_4K, 0);
	map_bo(f, vm, a, 8 * SZ_4K, 3 * SZ_1G + SZ_2M, 8 * SZ_4K, 0);
	st0 = vstats(f, vm);
	assert_int_equal(gpuvm_drv_bo_close(f, a), 0);
	assert_int_equal(gpuvm_drv_bo_resident(f, a, &r), -EINVAL);
	used = frames_used(dev);
	/* Only the root is left: everything else was A's. */
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, (16 + st0.pt_pages - 1) * SZ_4K);
	assert_int_equal(frames_used(dev), used - 16 - (st0.pt_pages - 1));
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), 0);
	check_ok(f, vm);
	expect_gone(f, vm, 2 * SZ_1G);
	expect_gone(f, vm, 3 * SZ_1G + SZ_2M + 7 * SZ_4K);
	assert_int_equal(gpuvm_drv_vm_lookup(f, vm, 2 * SZ_1G + SZ_4K, &l), 0);
	assert_int_equal(l.kind, GPUVM_DRV_BO);
	assert_int_equal(l.bo_handle, 0);
	assert_int_equal(l.bo_offset, SZ_4K);

	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	assert_int_equal(frames_used(dev), used);
	for (x = 0; x < 16; x++)
		assert_int_equal(rd32(f, vm, 2 * SZ_1G + x * SZ_4K),
				 pat(0xa, x));
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + SZ_2M), pat(0xa, 8));

	/* Evicted again, then every mapping unmapped while evicted: the
	 * swap copy lives until validate lets go of it. */
	assert_int_equal(gpuvm_drv_reclaim(dev, SZ_4K, &freed), 0);
	assert_int_equal(freed, (16 + st0.pt_pages - 1) * SZ_4K);
	unmap(f, vm, 2 * SZ_1G, 16 * SZ_4K);
	unmap(f, vm, 3 * SZ_1G + SZ_2M, 8 * SZ_4K);
	check_ok(f, vm);
	assert_int_equal(vstats(f, vm).mappings, 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), 0);
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT), 1);

	/* Closed, evicted and still mapped when its VM goes: nothing left
	 * behind (the sanitizer build checks the swap copy is freed). */
	a = bo_new(f, 16, 0xb);
	v2 = vm_new(f);
	map_bo(f, v2, a, 0, 5 * SZ_1G, 16 * SZ_4K, 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	assert_int_equal(gpuvm_drv_bo_close(f, a), 0);
	assert_int_equal(gpuvm_drv_vm_destroy(f, v2), 0);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), 0);
	assert_int_equal(frames_used(dev), 1);
	assert_int_equal(gpuvm_mem_validate(gpuvm_drv_device_mem(dev), stderr),
			 0);
}

/* ------------------------------------------------------------------ */
/* 6. Budget exhaustion                                                */

/*
 * A batch whose op 1 needs page tables that do not fit and that nothing
 * can be evicted for: op 0 stays, op 1 fails with -ENOMEM at index 1 and
 * leaves nothing, op 2 does not run.
 */
static void test_budget_batch(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, a = bo_new(f, 16, 0xa), b, failed;
	struct gpuvm_drv_bind_op ops[3];
	struct gpuvm_drv_lookup l;
	struct gpuvm_drv_vm_stats st0, st;
	uint64_t used;

	map_bo(f, vm, a, 0, 2 * SZ_1G, 4 * SZ_4K, 0);
	assert_int_equal(gpuvm_drv_bo_pin(f, a, true), 0);
	used = frames_used(dev);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, used * SZ_4K), 0);
	st0 = vstats(f, vm);
	/* Same L3 table: no new frame. */
	ops[0] = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = a,
					     .bo_offset = 4 * SZ_4K,
					     .va = 2 * SZ_1G + 64 * 1024,
					     .size = 4 * SZ_4K };
	/* A new 1 GiB region: an L2 and an L3. */
	ops[1] = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = a,
					     .va = 8 * SZ_1G + SZ_4K,
					     .size = 4 * SZ_4K };
	ops[2] = (struct gpuvm_drv_bind_op){ .flags = T_UNMAP,
					     .va = 2 * SZ_1G,
					     .size = 4 * SZ_4K };
	failed = 0xdead;
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, ops, 3, &failed),
			 -ENOMEM);
	assert_int_equal(failed, 1);
	check_ok(f, vm);
	assert_int_equal(frames_used(dev), used);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + 64 * 1024), pat(0xa, 4));
	assert_int_equal(rd32(f, vm, 2 * SZ_1G), pat(0xa, 0));
	assert_int_equal(gpuvm_drv_vm_lookup(f, vm, 8 * SZ_1G + SZ_4K, &l), 0);
	assert_int_equal(l.kind, GPUVM_DRV_NONE);
	st = vstats(f, vm);
	assert_int_equal(st.mappings, st0.mappings + 1);
	assert_int_equal(st.pt_pages, st0.pt_pages);
	assert_int_equal(st.leaf_4k, st0.leaf_4k + 4);
	assert_true(resident(f, a));

	/*
	 * With an unpinned BO to take, the shrinker makes room instead: op
	 * 1 evicts B (its 16 frames and its region's 2 tables pay for op 1's
	 * 2 tables), and the whole batch runs.
	 */
	assert_int_equal(gpuvm_drv_device_set_budget(dev, 0), 0);
	b = bo_new(f, 16, 0xb);
	map_bo(f, vm, b, 0, 16 * SZ_1G + SZ_4K, 16 * SZ_4K, 0);
	used = frames_used(dev);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, used * SZ_4K), 0);
	failed = 0xdead;
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, ops + 1, 2, &failed), 0);
	assert_int_equal(failed, 0xdead);
	check_ok(f, vm);
	assert_false(resident(f, b));
	assert_int_equal(frames_used(dev), used - 16);
	assert_int_equal(rd32(f, vm, 8 * SZ_1G + SZ_4K), pat(0xa, 0));
	expect_gone(f, vm, 2 * SZ_1G);
	expect_gone(f, vm, 16 * SZ_1G + SZ_4K);

	/*
	 * op 1 maps the evicted B: restoring it needs 16 frames, the budget
	 * has room for the op-0 map but not for B, and A is pinned.
	 */
	used = frames_used(dev);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, used * SZ_4K), 0);
	ops[0] = (struct gpuvm_drv_bind_op){ .flags = T_UNMAP,
					     .va = 2 * SZ_1G + 64 * 1024,
					     .size = SZ_4K };
	ops[1] = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = b,
					     .va = 8 * SZ_1G + SZ_1M,
					     .size = SZ_4K };
	ops[2] = ops[0];
	failed = 0xdead;
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, ops, 3, &failed),
			 -ENOMEM);
	assert_int_equal(failed, 1);
	check_ok(f, vm);
	assert_false(resident(f, b));
	assert_int_equal(frames_used(dev), used);
	expect_gone(f, vm, 2 * SZ_1G + 64 * 1024);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + 64 * 1024 + SZ_4K),
			 pat(0xa, 5));
	assert_int_equal(gpuvm_drv_vm_lookup(f, vm, 8 * SZ_1G + SZ_1M, &l), 0);
	assert_int_equal(l.kind, GPUVM_DRV_NONE);
}

/*
 * Restore under a tight budget: -ENOMEM, the VM consistent and still
 * restorable; what was restored stays, the rest waits for a later
 * validate, which finds the data intact.
 */
static void test_restore_enomem(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, a = bo_new(f, 16, 0xa);
	uint32_t b = bo_new(f, 16, 0xb), p;
	struct gpuvm_drv_vm_stats st0, st;
	uint64_t used, x;

	map_bo(f, vm, a, 0, 2 * SZ_1G + 12 * 1024, 16 * SZ_4K, 0);
	map_bo(f, vm, b, 0, 3 * SZ_1G + 12 * 1024, 16 * SZ_4K, F_RO);
	wr32(f, vm, 2 * SZ_1G + 12 * 1024 + 0x10, 0xaaaa0010);
	st0 = vstats(f, vm);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, b), 0);
	check_ok(f, vm);

	/* The budget full of a pinned BO: nothing can be restored. */
	p = bo_new(f, 16, 0xc);
	assert_int_equal(gpuvm_drv_bo_pin(f, p, true), 0);
	used = frames_used(dev);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, used * SZ_4K), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), -ENOMEM);
	check_ok(f, vm);
	assert_int_equal(frames_used(dev), used);
	assert_false(resident(f, a));
	assert_false(resident(f, b));
	assert_true(resident(f, p));
	expect_gone(f, vm, 2 * SZ_1G + 12 * 1024);
	expect_gone(f, vm, 3 * SZ_1G + 12 * 1024);
	/* Still -ENOMEM the second time: nothing was lost on the way. */
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), -ENOMEM);
	check_ok(f, vm);

	/*
	 * P unpinned: A comes back in P's 16 frames, but then A's three
	 * page tables (L1, L2, L3: evicting both emptied L1 too) do not
	 * fit (A itself is held for the rest of the validate), so A is
	 * resident and its VAs still evicted.
	 */
	assert_int_equal(gpuvm_drv_bo_pin(f, p, false), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), -ENOMEM);
	check_ok(f, vm);
	assert_false(resident(f, p));
	assert_true(resident(f, a));
	assert_false(resident(f, b));
	assert_int_equal(frames_used(dev), used);
	expect_gone(f, vm, 2 * SZ_1G + 12 * 1024);
	expect_gone(f, vm, 3 * SZ_1G + 12 * 1024);

	/* Three frames more: A's tables fit, B does not. */
	assert_int_equal(gpuvm_drv_device_set_budget(dev, (used + 3) * SZ_4K),
			 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), -ENOMEM);
	check_ok(f, vm);
	assert_int_equal(frames_used(dev), used + 3);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + 12 * 1024 + 0x10),
			 0xaaaa0010);
	expect_gone(f, vm, 3 * SZ_1G + 12 * 1024);
	assert_false(resident(f, b));

	/* Room for everything: the rest comes back, data intact. */
	assert_int_equal(gpuvm_drv_device_set_budget(dev, 0), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	st = vstats(f, vm);
	expect_same_shape(&st, &st0);
	for (x = 0; x < 16; x++) {
		assert_int_equal(rd32(f, vm, 3 * SZ_1G + 12 * 1024 + x * SZ_4K),
				 pat(0xb, x));
		assert_int_equal(rd32(f, vm, 2 * SZ_1G + 12 * 1024 + x * SZ_4K +
				      0x20), pat(0xa, x));
	}
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + 12 * 1024 + 0x10), 0xaaaa0010);
	expect_fault(f, vm, GPUVM_MMU_WRITE, 3 * SZ_1G + 12 * 1024, 4,
		     GPUVM_MMU_FAULT_PERMISSION, 3 * SZ_1G + 12 * 1024);
	/* P lost nothing either. */
	assert_int_equal(bo_word(f, p, 15 * SZ_4K), pat(0xc, 15));
}

/*
 * The shrinker runs on allocation: a BO created past the budget evicts
 * the least recently used BOs, page tables count against the budget, and
 * a request that cannot fit even with everything evicted evicts nothing.
 */
static void test_budget_shrinker(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h[3], d, big;
	uint64_t used;

	three_bos(f, vm, h);
	used = frames_used(dev);
	/* Lowering the budget evicts nothing by itself. */
	assert_int_equal(gpuvm_drv_device_set_budget(dev, (used - 20) * SZ_4K),
			 0);
	expect_resident3(f, h, true, true, true);
	/* 16 more frames, 36 to free: A and B go (18 each), C stays. */
	assert_int_equal(gpuvm_drv_bo_create(f, 16 * SZ_4K, 0, 0, &d), 0);
	expect_resident3(f, h, false, false, true);
	assert_int_equal(frames_used(dev), used - 2 * 18 + 16);
	check_ok(f, vm);
	/* Too big for the whole budget: -ENOMEM, and C and D stay. */
	assert_int_equal(gpuvm_drv_bo_create(f, used * SZ_4K, 0, 0, &big),
			 -ENOMEM);
	expect_resident3(f, h, false, false, true);
	assert_true(resident(f, d));
	assert_int_equal(frames_used(dev), used - 2 * 18 + 16);
	/*
	 * Page tables count: a map into a new region needs an L2 and an L3
	 * and evicts C for them (the oldest: D was created after it). That
	 * empties L1 too (19 frames back), so the map, counted again, takes
	 * three tables.
	 */
	used = frames_used(dev);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, used * SZ_4K), 0);
	map_bo(f, vm, d, 0, 9 * SZ_1G + SZ_4K, SZ_4K, 0);
	expect_resident3(f, h, false, false, false);
	assert_true(resident(f, d));
	assert_int_equal(frames_used(dev), used - 19 + 3);
	check_ok(f, vm);
	assert_int_equal(rd32(f, vm, 9 * SZ_1G + SZ_4K), 0);
	/* Validate under that budget cannot bring all three back. */
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), -ENOMEM);
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, 0), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	expect_resident3(f, h, true, true, true);
	assert_true(resident(f, d));
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 12 * 1024 + 15 * SZ_4K),
			 pat(0xc, 15));
	assert_int_equal(rd32(f, vm, 9 * SZ_1G + SZ_4K), 0);
}

/*
 * Restore under every budget from "nothing fits" to "everything fits":
 * a sparse range with a whole 1 GiB slot (shared tables) and BO maps
 * punched into it, a repeat mapping and a plain one, all evicted. Under
 * each budget validate either finishes or stops with -ENOMEM; either way
 * check passes, and what is mapped reads right. Then, with room, it
 * finishes and everything is as before: leaves, tables, layout, data.
 */
struct rb_env {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm, p, r;
};

#define RB_S   (4 * SZ_1G + 20 * 1024)
#define RB_SZ  (2 * SZ_1G + 8 * 1024)

static void rb_evict_all(struct rb_env *e)
{
	assert_int_equal(gpuvm_drv_dummy_evict(e->f), 0);
	assert_int_equal(gpuvm_drv_bo_evict(e->f, e->p), 0);
	assert_int_equal(gpuvm_drv_bo_evict(e->f, e->r), 0);
	check_ok(e->f, e->vm);
	expect_leaves(e->f, e->vm, 0, 0, 0);
}

/* Reads that hold whatever is restored: a mapped VA reads its data. */
static void rb_probe(struct rb_env *e, uint64_t va, uint32_t want)
{
	struct gpuvm_mmu_fault fault;
	uint32_t v = 0;
	int ret = gpu(e->f, e->vm, GPUVM_MMU_READ, va, &v, 4, &fault);

	if (ret == -EFAULT && fault.kind == GPUVM_MMU_FAULT_TRANSLATION &&
	    fault.addr == va)
		return;
	if (ret || v != want)
		fail_msg("read 0x%" PRIx64 ": ret %d, 0x%08x; want 0x%08x or a "
			 "translation fault", va, ret, v, want);
}

static void rb_verify(struct rb_env *e, bool all)
{
	static const uint64_t at[] = { RB_S, 4 * SZ_1G + SZ_2M + 0x40,
				       5 * SZ_1G + 0x40, 5 * SZ_1G + SZ_1G / 2,
				       6 * SZ_1G + 0x40, RB_S + RB_SZ - 4 };
	unsigned int i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		if (all)
			assert_int_equal(rd32(e->f, e->vm, at[i]), dsig(at[i]));
		else
			rb_probe(e, at[i], dsig(at[i]));
	}
	if (all) {
		assert_int_equal(rd32(e->f, e->vm, 5 * SZ_1G + SZ_2M + 4),
				 pat(0xe, PAGES_2M));
		assert_int_equal(rd32(e->f, e->vm, 8 * SZ_1G + 7 * SZ_4K),
				 pat(0xf, 1 + 7 % 3));
	} else {
		rb_probe(e, 5 * SZ_1G + SZ_2M + 4, pat(0xe, PAGES_2M));
		rb_probe(e, 8 * SZ_1G + 7 * SZ_4K, pat(0xf, 1 + 7 % 3));
	}
}

static void test_restore_every_budget(void **state)
{
	struct drv_env *env = *state;
	struct rb_env e = { .dev = env->dev, .f = env->f, .vm = env->vm };
	struct gpuvm_drv_vm_stats st0, st;
	uint64_t used, extra, need, nomem = 0;
	char *lay0;
	int ret;

	map_sparse(e.f, e.vm, RB_S, RB_SZ);
	dummy_sign(e.f, e.vm, 4 * SZ_1G + SZ_2M);
	e.p = bo_new(e.f, 2 * PAGES_2M, 0xe);
	e.r = bo_new(e.f, 4, 0xf);
	map_bo(e.f, e.vm, e.p, SZ_2M, 5 * SZ_1G + SZ_2M, SZ_2M, 0);
	map_bo(e.f, e.vm, e.p, 0, 4 * SZ_1G + 3 * SZ_1M, 3 * SZ_4K, 0);
	map_repeat(e.f, e.vm, e.r, SZ_4K, 3 * SZ_4K, 8 * SZ_1G, 40 * SZ_4K);
	check_ok(e.f, e.vm);
	rb_verify(&e, true);
	st0 = vstats(e.f, e.vm);
	lay0 = layout_of(e.f, e.vm);
	used = frames_used(e.dev);
	rb_evict_all(&e);
	need = used - frames_used(e.dev);
	assert_true(need > PAGES_2M + 2 * PAGES_2M + 4);

	/* Every budget near the ends, every 37th frame in between. */
	for (extra = 0; extra <= need + 2;
	     extra += extra < 48 || extra + 48 >= need ? 1 : 37) {
		uint64_t base = frames_used(e.dev);

		assert_int_equal(gpuvm_drv_device_set_budget(e.dev, (base +
					extra) * SZ_4K), 0);
		ret = gpuvm_drv_vm_validate(e.f, e.vm);
		if (ret != 0 && ret != -ENOMEM)
			fail_msg("budget +%" PRIu64 ": validate = %d", extra,
				 ret);
		nomem += ret == -ENOMEM;
		if (gpuvm_drv_vm_check(e.f, e.vm, stderr))
			fail_msg("budget +%" PRIu64 ": check failed after "
				 "validate = %d", extra, ret);
		assert_true(frames_used(e.dev) <= base + extra);
		rb_verify(&e, false);
		/* With room, the rest. */
		assert_int_equal(gpuvm_drv_device_set_budget(e.dev, 0), 0);
		assert_int_equal(gpuvm_drv_vm_validate(e.f, e.vm), 0);
		check_ok(e.f, e.vm);
		rb_verify(&e, true);
		st = vstats(e.f, e.vm);
		assert_int_equal(st.mappings, st0.mappings);
		assert_int_equal(st.pt_pages, st0.pt_pages);
		assert_int_equal(st.leaf_4k, st0.leaf_4k);
		assert_int_equal(st.leaf_2m, st0.leaf_2m);
		assert_int_equal(st.leaf_1g, st0.leaf_1g);
		/* Shared tables left without links are
		 * test_restore_no_stray_shared_tables' business: counted
		 * here, not judged. */
		assert_int_equal(frames_used(e.dev), used + st.shared_pt_pages -
				 st0.shared_pt_pages);
		expect_layout(e.f, e.vm, lay0, "restored after a tight budget");
		rb_evict_all(&e);
	}
	/* The small budgets failed, the last ones did not. */
	assert_true(nomem >= 48);
	free(lay0);
}

/*
 * A sparse range whose only whole 1 GiB slot has a BO block punched in
 * it: no range links the file's shared sparse tables, so none exist
 * (sparse.c: "a set exists exactly while some range links to it").
 * Evicting the dummy and restoring it must come back to exactly that:
 * no shared tables, the same frames.
 */
static void test_restore_no_stray_shared_tables(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, p;
	struct gpuvm_drv_vm_stats st0, st;
	uint64_t used;

	map_sparse(f, vm, RB_S, RB_SZ);
	assert_true(vstats(f, vm).shared_pt_pages > 0);
	p = bo_new(f, 2 * PAGES_2M, 0xe);
	map_bo(f, vm, p, SZ_2M, 5 * SZ_1G + SZ_2M, SZ_2M, 0);
	st0 = vstats(f, vm);
	assert_int_equal(st0.shared_pt_pages, 0);
	used = frames_used(dev);
	assert_int_equal(gpuvm_drv_dummy_evict(f), 0);
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	check_ok(f, vm);
	st = vstats(f, vm);
	assert_int_equal(st.pt_pages, st0.pt_pages);
	if (st.shared_pt_pages != 0 || frames_used(dev) != used) {
		uint64_t now = frames_used(dev);

		fail_msg("after restoring the dummy: %" PRIu64 " shared table "
			 "pages nothing links to (were 0), frames_used %"
			 PRIu64 " (was %" PRIu64 ")", st.shared_pt_pages, now,
			 used);
	}
}

/*
 * Validate on VMs that never had anything evicted: nothing to do, 0, no
 * change. Last in the list: in the sanitizer build a finding aborts the
 * process, and should not hide the other tests.
 */
static void test_validate_nothing_evicted(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, v2 = vm_new(f), a = bo_new(f, 4, 0x1);
	struct gpuvm_drv_vm_stats st0, st;
	uint64_t used;

	map_bo(f, v2, a, 0, 2 * SZ_1G, 4 * SZ_4K, 0);
	used = frames_used(dev);
	st0 = vstats(f, v2);
	/* An empty VM, and one with a resident mapping. */
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, v2), 0);
	st = vstats(f, v2);
	expect_same_shape(&st, &st0);
	assert_int_equal(st.pte_writes, st0.pte_writes);
	assert_int_equal(frames_used(dev), used);
	check_ok(f, vm);
	check_ok(f, v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		DRV_TEST(test_evict_plain),
		DRV_TEST(test_evict_args),
		DRV_TEST(test_evict_repeat),
		DRV_TEST(test_evict_sparse),
		DRV_TEST_CFG(test_evict_sparse_private,
			     .private_sparse_tables = true),
		DRV_TEST(test_evict_lru),
		DRV_TEST(test_evict_lru_dummy),
		DRV_TEST(test_evict_pinned),
		DRV_TEST(test_evict_two_vms),
		DRV_TEST(test_evict_closed_handle),
		DRV_TEST(test_budget_batch),
		DRV_TEST(test_restore_enomem),
		DRV_TEST(test_budget_shrinker),
		DRV_TEST(test_restore_every_budget),
		DRV_TEST(test_restore_no_stray_shared_tables),
		DRV_TEST(test_validate_nothing_evicted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
