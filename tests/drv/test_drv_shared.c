// SPDX-License-Identifier: MIT
/*
 * Tests of shared sparse page tables in the driver layer (src/drv/
 * sparse.c with src/pt/shared.c underneath), through the public API only.
 *
 * A sparse range maps the file's 2 MiB dummy cyclically; every whole
 * 1 GiB (and 512 GiB) slot of it links the file's shared tables instead
 * of getting tables of its own (with the NULL capability, the device's).
 * What the GPU sees is checked through the MMU in checked mode (a missed
 * invalidation is -ESTALE, which every helper refuses). The dummy is
 * signed through the GPU, dsig(va) in every word of the page at va mod
 * 2 MiB, so a read tells which dummy offset a sparse VA reaches; BO
 * pages hold pat(tag, page).
 *
 * Counts, with the default device (48-bit VA, 4 KiB + 2 MiB pages):
 *
 *  - [4 GiB + 12 KiB, 7 GiB + 52 KiB) (3 GiB + 40 KiB): the root, an L1
 *    for L0[0], an L2 and an L3 for the head GiB (509 pages, 511
 *    blocks), GiBs 5 and 6 linked (1024 blocks), an L2 and an L3 for the
 *    13 tail pages: 6 table pages of its own, 2 shared; privately 8.
 *  - [512 GiB, 1.5 TiB): two root entries linked, no table of its own;
 *    privately 2 L1 and 1024 L2, 1026.
 *  - A 4 KiB BO punched into a linked 512 GiB entry copies its L1 and
 *    the L2 below, and splits the block: 3 tables.
 */
#include "drv_test.h"

#define BLOCKS_1T (SZ_1T / SZ_2M)

/* The unaligned range of the header: 3 GiB + 40 KiB. */
#define EDGE_VA   (4 * SZ_1G + 12 * 1024)
#define EDGE_SIZE (3 * SZ_1G + 40 * 1024)
#define EDGE_4K   (509 + 13)
#define EDGE_2M   (511 + 1024)

/* ------------------------------------------------------------------ */
/* Expectations                                                        */

/* Table pages of the VM's own, shared pages it can link, leaves. */
static void expect_vm(struct gpuvm_drv_file *f, uint32_t vm, uint64_t pt,
		      uint64_t shared, uint64_t l4k, uint64_t l2m)
{
	struct gpuvm_drv_vm_stats st = vstats(f, vm);

	assert_int_equal(st.pt_pages, pt);
	assert_int_equal(st.shared_pt_pages, shared);
	assert_int_equal(st.leaf_4k, l4k);
	assert_int_equal(st.leaf_2m, l2m);
	assert_int_equal(st.leaf_1g, 0);
}

struct span {
	uint64_t s, e;
};

/*
 * The cyclic property over [s, e): at every stride-th 2 MiB block the
 * 32-bit word at dummy offset off reads val, except in the skipped spans.
 * Returns how many reads it made.
 */
static uint64_t expect_cycle(struct gpuvm_drv_file *f, uint32_t vm,
			     uint64_t s, uint64_t e, uint64_t stride,
			     uint64_t off, const struct span *skip,
			     unsigned int nskip, uint32_t val)
{
	uint64_t b, va, n = 0;
	unsigned int i;
	bool skipped;

	for (b = s & ~(SZ_2M - 1); b < e; b += stride * SZ_2M) {
		va = b + off;
		if (va < s || va + 4 > e)
			continue;
		for (i = 0, skipped = false; i < nskip; i++)
			skipped |= va + 4 > skip[i].s && va < skip[i].e;
		if (skipped)
			continue;
		if (rd32(f, vm, va) != val)
			fail_msg("VM %u at 0x%" PRIx64 ": 0x%x, expected 0x%x",
				 vm, va, rd32(f, vm, va), val);
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* 1. Shared against private tables                                    */

static const struct {
	uint64_t va;
	uint64_t val;
} shared_writes[] = {
	{ EDGE_VA + 0x18, 0x1111000000000001ull },
	{ 5 * SZ_1G + 7 * SZ_2M + 0x1020, 0x2222000000000002ull },
	{ 600 * SZ_1G + SZ_2M - 0x10, 0x3333000000000003ull },
	{ SZ_1T + 400 * SZ_1G + 3 * SZ_2M + 0x80030, 0x4444000000000004ull },
	{ 7 * SZ_1G + 48 * 1024 + 8, 0x5555000000000005ull },
};

#define N_WRITES (sizeof(shared_writes) / sizeof(shared_writes[0]))

/* Reads every write back at congruent VAs of both ranges, and an offset
 * nobody wrote; appends every value read to out. */
static uint64_t read_back(struct gpuvm_drv_file *f, uint32_t vm,
			  uint64_t *out, uint64_t cap)
{
	static const struct span ranges[] = {
		{ EDGE_VA, EDGE_VA + EDGE_SIZE },
		{ SZ_512G, SZ_512G + SZ_1T },
	};
	static const uint64_t stride[] = { 7, 1021 };
	uint64_t n = 0, b, va, off, v;
	unsigned int r, j;

	for (r = 0; r < 2; r++) {
		for (j = 0; j <= N_WRITES; j++) {
			off = j < N_WRITES ?
			      shared_writes[j].va & (SZ_2M - 1) : 0x500;
			for (b = ranges[r].s & ~(SZ_2M - 1); b < ranges[r].e;
			     b += stride[r] * SZ_2M) {
				va = b + off;
				if (va < ranges[r].s || va + 8 > ranges[r].e)
					continue;
				v = rd64(f, vm, va);
				assert_int_equal(v, j < N_WRITES ?
						 shared_writes[j].val : 0);
				assert_true(n < cap);
				out[n++] = v;
			}
		}
	}
	return n;
}

static void test_shared_vs_private(void **state)
{
	const uint64_t cap = 1u << 16;
	uint64_t *res[2], nres[2];
	unsigned int mode, j;

	(void)state;
	for (mode = 0; mode < 2; mode++) {
		struct gpuvm_drv_device_cfg cfg = {
			.private_sparse_tables = mode == 1,
		};
		struct gpuvm_drv_device *dev = dev_new_cfg(&cfg);
		struct gpuvm_drv_file *f = file_new(dev);
		uint32_t vm = vm_new(f);
		struct gpuvm_drv_vm_stats st;

		map_sparse(f, vm, EDGE_VA, EDGE_SIZE);
		if (mode == 0) {
			expect_vm(f, vm, 6, 2, EDGE_4K, EDGE_2M);
			assert_int_equal(pt_frames(dev), 6 + 2);
		} else {
			/* GiBs 5 and 6 get an L2 each. */
			expect_vm(f, vm, 8, 0, EDGE_4K, EDGE_2M);
			assert_int_equal(pt_frames(dev), 8);
		}
		assert_int_equal(frames_of(dev, GPUVM_MEM_BO), PAGES_2M);
		check_ok(f, vm);

		map_sparse(f, vm, SZ_512G, SZ_1T);
		st = vstats(f, vm);
		if (mode == 0) {
			expect_vm(f, vm, 6, 2, EDGE_4K, EDGE_2M + BLOCKS_1T);
			assert_int_equal(pt_frames(dev), 6 + 2);
			assert_int_equal(st.pt_reserved_peak, 5);
		} else {
			expect_vm(f, vm, 8 + 1026, 0, EDGE_4K,
				  EDGE_2M + BLOCKS_1T);
			assert_int_equal(pt_frames(dev), 8 + 1026);
			assert_int_equal(st.pt_reserved_peak, 1026);
		}
		assert_int_equal(st.mappings, 2);
		check_ok(f, vm);

		for (j = 0; j < N_WRITES; j++)
			wr64(f, vm, shared_writes[j].va, shared_writes[j].val);
		res[mode] = calloc(cap, sizeof(uint64_t));
		assert_non_null(res[mode]);
		nres[mode] = read_back(f, vm, res[mode], cap);
		assert_true(nres[mode] > 4000);
		/* Nothing outside the ranges. */
		expect_gone(f, vm, EDGE_VA - 8);
		expect_gone(f, vm, EDGE_VA + EDGE_SIZE);
		expect_gone(f, vm, SZ_512G - 8);
		expect_gone(f, vm, SZ_512G + SZ_1T);
		check_ok(f, vm);
		gpuvm_drv_device_destroy(dev);
	}
	assert_int_equal(nres[0], nres[1]);
	assert_memory_equal(res[0], res[1], nres[0] * sizeof(uint64_t));
	free(res[0]);
	free(res[1]);
}

/* ------------------------------------------------------------------ */
/* 2. Copy-on-write under BO maps, and unmaps                          */

#define P1 (600 * SZ_1G + 3 * SZ_2M + 5 * SZ_4K)   /* 4 KiB BO */
#define P2 (700 * SZ_1G + 10 * SZ_2M)              /* 2 MiB BO */
#define P3 (800 * SZ_1G)                           /* 1 GiB BO */

struct penv {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm1, vm2;
	uint32_t h1, h2, h3;
};

/* Pages of the 1 GiB BO that hold a pattern; the rest is zero. */
static const uint64_t h3_pages[] = { 0, 1, 4095, 262143 };

/*
 * 1 TiB sparse at 512 GiB in two VMs of one file, the dummy signed,
 * and the three BOs punched into VM 1, with exact counts.
 */
static void penv_make(struct penv *p, struct drv_env *e)
{
	struct gpuvm_drv_vm_stats st;
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->dev = e->dev;
	p->f = e->f;
	p->vm1 = e->vm;
	p->vm2 = vm_new(p->f);
	map_sparse(p->f, p->vm1, SZ_512G, SZ_1T);
	map_sparse(p->f, p->vm2, SZ_512G, SZ_1T);
	expect_vm(p->f, p->vm1, 1, 2, 0, BLOCKS_1T);
	expect_vm(p->f, p->vm2, 1, 2, 0, BLOCKS_1T);
	assert_int_equal(pt_frames(p->dev), 2 + 2);
	dummy_sign(p->f, p->vm1, SZ_512G);

	p->h1 = bo_new(p->f, 1, 1);
	p->h2 = bo_new(p->f, PAGES_2M, 2);
	assert_int_equal(gpuvm_drv_bo_create(p->f, SZ_1G, 0, 0, &p->h3), 0);
	for (i = 0; i < 4; i++)
		bo_fill_page(p->f, p->h3, 3, h3_pages[i]);

	/* 4 KiB: copy L1 and L2, split the block. The reservation also
	 * counts the map's path before the unmap is applied: 3 + 3. */
	map_bo(p->f, p->vm1, p->h1, 0, P1, SZ_4K, 0);
	st = vstats(p->f, p->vm1);
	expect_vm(p->f, p->vm1, 4, 2, 512, BLOCKS_1T - 1);
	assert_int_equal(st.pt_reserved_peak, 6);
	assert_int_equal(st.mappings, 3);
	assert_int_equal(pt_frames(p->dev), 2 + 2 + 3);
	/* 2 MiB: the L1 copy is there; copy L2, a block replaces a block. */
	map_bo(p->f, p->vm1, p->h2, 0, P2, SZ_2M, 0);
	expect_vm(p->f, p->vm1, 5, 2, 512, BLOCKS_1T - 1);
	assert_int_equal(pt_frames(p->dev), 2 + 2 + 4);
	/* 1 GiB: the GiB is unlinked and gets an L2 of BO blocks. */
	map_bo(p->f, p->vm1, p->h3, 0, P3, SZ_1G, 0);
	expect_vm(p->f, p->vm1, 6, 2, 512, BLOCKS_1T - 1);
	assert_int_equal(vstats(p->f, p->vm1).mappings, 7);
	assert_int_equal(pt_frames(p->dev), 2 + 2 + 5);
	/* VM 2 is untouched. */
	expect_vm(p->f, p->vm2, 1, 2, 0, BLOCKS_1T);
	check_ok(p->f, p->vm1);
	check_ok(p->f, p->vm2);
}

static void test_cow_bo_punch(void **state)
{
	static const struct span bos[] = {
		{ P1, P1 + SZ_4K }, { P2, P2 + SZ_2M }, { P3, P3 + SZ_1G },
	};
	struct penv p;
	uint64_t n, k;
	unsigned int i;

	penv_make(&p, *state);

	/* BO data through VM 1, the dummy around it. */
	assert_int_equal(rd32(p.f, p.vm1, P1), pat(1, 0));
	assert_int_equal(rd32(p.f, p.vm1, P1 + SZ_4K - 4), pat(1, 0));
	for (k = 0; k < PAGES_2M; k += 73)
		assert_int_equal(rd32(p.f, p.vm1, P2 + k * SZ_4K + 8),
				 pat(2, k));
	assert_int_equal(rd32(p.f, p.vm1, P2 + SZ_2M - 4), pat(2, 511));
	for (i = 0; i < 4; i++)
		assert_int_equal(rd32(p.f, p.vm1, P3 + h3_pages[i] * SZ_4K),
				 pat(3, h3_pages[i]));
	assert_int_equal(rd32(p.f, p.vm1, P3 + 100 * SZ_4K), 0);
	assert_int_equal(rd32(p.f, p.vm1, P1 - 4), dsig(P1 - 4));
	assert_int_equal(rd32(p.f, p.vm1, P1 + SZ_4K), dsig(P1 + SZ_4K));
	assert_int_equal(rd32(p.f, p.vm1, P2 - 4), dsig(P2 - 4));
	assert_int_equal(rd32(p.f, p.vm1, P2 + SZ_2M), dsig(P2 + SZ_2M));
	assert_int_equal(rd32(p.f, p.vm1, P3 - 4), dsig(P3 - 4));
	assert_int_equal(rd32(p.f, p.vm1, P3 + SZ_1G), dsig(P3 + SZ_1G));
	assert_int_equal(kind_at(p.f, p.vm1, P1), GPUVM_DRV_BO);
	assert_int_equal(lookup_of(p.f, p.vm1, P1).bo_handle, p.h1);
	assert_int_equal(kind_at(p.f, p.vm1, P1 + SZ_4K),
			 GPUVM_DRV_SPARSE);

	/* VM 2 shares the tables VM 1 copied from: it sees the dummy, never
	 * the BOs. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(kind_at(p.f, p.vm2, bos[i].s),
				 GPUVM_DRV_SPARSE);
		assert_int_equal(rd32(p.f, p.vm2, bos[i].s),
				 dsig(bos[i].s));
		assert_int_equal(rd32(p.f, p.vm2, bos[i].e - 4),
				 dsig(bos[i].e - 4));
	}
	for (k = 0; k < PAGES_2M; k += 73)
		assert_int_equal(rd32(p.f, p.vm2, P2 + k * SZ_4K + 8),
				 dsig(P2 + k * SZ_4K));
	assert_int_equal(rd32(p.f, p.vm2, P3 + 4095 * SZ_4K),
			 dsig(4095 * SZ_4K));

	/* The signature, cyclic over what stays sparse, in both VMs. */
	n = expect_cycle(p.f, p.vm1, SZ_512G, SZ_512G + SZ_1T, 1021,
			 P1 & (SZ_2M - 1), bos, 3, dsig(P1));
	n += expect_cycle(p.f, p.vm2, SZ_512G, SZ_512G + SZ_1T, 1021,
			  P1 & (SZ_2M - 1), NULL, 0, dsig(P1));
	assert_true(n > 1000);

	/* A write at a sparse VA of VM 1 is at every congruent sparse VA
	 * of both VMs, and in no BO. */
	wr32(p.f, p.vm1, SZ_1T + 3 * SZ_2M + 0x40, 0xc0ffee01);
	n = expect_cycle(p.f, p.vm1, SZ_512G, SZ_512G + SZ_1T, 1021, 0x40,
			 bos, 3, 0xc0ffee01);
	n += expect_cycle(p.f, p.vm2, SZ_512G, SZ_512G + SZ_1T, 1021, 0x40,
			  NULL, 0, 0xc0ffee01);
	assert_true(n > 1000);
	assert_int_equal(rd32(p.f, p.vm2, P2 + 0x40), 0xc0ffee01);
	assert_int_equal(rd32(p.f, p.vm2, P3 + 0x40), 0xc0ffee01);
	assert_int_equal(rd32(p.f, p.vm1, P2 + 0x40), pat(2, 0));
	assert_int_equal(rd32(p.f, p.vm1, P3 + 0x40), pat(3, 0));
	/* A write through VM 2 where VM 1 has a BO reaches the dummy. */
	wr32(p.f, p.vm2, P2 + 0x80, 0xc0ffee02);
	assert_int_equal(rd32(p.f, p.vm1, P2 + 0x80), pat(2, 0));
	assert_int_equal(rd32(p.f, p.vm1, P2 + SZ_2M + 0x80), 0xc0ffee02);
	assert_int_equal(bo_word(p.f, p.h2, 0x80), pat(2, 0));
	/* A write to VM 1's BO stays in the BO. */
	wr32(p.f, p.vm1, P1 + 0x10, 0xc0ffee03);
	assert_int_equal(bo_word(p.f, p.h1, 0x10), 0xc0ffee03);
	assert_int_equal(rd32(p.f, p.vm2, P1 + 0x10), dsig(P1));
	assert_int_equal(rd32(p.f, p.vm1, P1 + SZ_2M + 0x10), dsig(P1));
	wr32(p.f, p.vm1, P3 + 0x44, 0xc0ffee04);
	assert_int_equal(bo_word(p.f, p.h3, 0x44), 0xc0ffee04);
	assert_int_equal(rd32(p.f, p.vm2, P3 + 0x44), dsig(0));

	expect_vm(p.f, p.vm1, 6, 2, 512, BLOCKS_1T - 1);
	expect_vm(p.f, p.vm2, 1, 2, 0, BLOCKS_1T);
	check_ok(p.f, p.vm1);
	check_ok(p.f, p.vm2);
}

static void test_unmaps(void **state)
{
	const uint64_t t1 = SZ_1T + 7 * SZ_1G;                  /* 1 GiB */
	const uint64_t t2 = SZ_1T + 9 * SZ_1G + SZ_2M;          /* 4 MiB */
	const uint64_t t3 = SZ_1T + 9 * SZ_1G + 200 * SZ_1M + SZ_4K; /* 8K */
	struct penv p;

	penv_make(&p, *state);

	/* Partial unmaps of VM 2's linked range: a whole GiB (copy L1,
	 * unlink), two blocks (copy L2), two pages (split). */
	unmap(p.f, p.vm2, t1, SZ_1G);
	expect_vm(p.f, p.vm2, 2, 2, 0, BLOCKS_1T - 512);
	unmap(p.f, p.vm2, t2, 4 * SZ_1M);
	expect_vm(p.f, p.vm2, 3, 2, 0, BLOCKS_1T - 514);
	unmap(p.f, p.vm2, t3, 2 * SZ_4K);
	expect_vm(p.f, p.vm2, 4, 2, 510, BLOCKS_1T - 515);
	assert_int_equal(vstats(p.f, p.vm2).mappings, 4);
	assert_int_equal(pt_frames(p.dev), 2 + 2 + 5 + 3);
	expect_gone(p.f, p.vm2, t1);
	expect_gone(p.f, p.vm2, t1 + SZ_1G - 8);
	expect_gone(p.f, p.vm2, t2);
	expect_gone(p.f, p.vm2, t2 + 4 * SZ_1M - 8);
	expect_gone(p.f, p.vm2, t3);
	expect_gone(p.f, p.vm2, t3 + 2 * SZ_4K - 8);
	assert_int_equal(rd32(p.f, p.vm2, t1 - 4), dsig(t1 - 4));
	assert_int_equal(rd32(p.f, p.vm2, t1 + SZ_1G), dsig(t1 + SZ_1G));
	assert_int_equal(rd32(p.f, p.vm2, t3 - 4), dsig(t3 - 4));
	assert_int_equal(rd32(p.f, p.vm2, t3 + 2 * SZ_4K),
			 dsig(t3 + 2 * SZ_4K));
	/* VM 1 still maps them all, through the shared tables. */
	assert_int_equal(rd32(p.f, p.vm1, t1), dsig(t1));
	assert_int_equal(rd32(p.f, p.vm1, t2), dsig(t2));
	assert_int_equal(rd32(p.f, p.vm1, t3), dsig(t3));
	check_ok(p.f, p.vm1);
	check_ok(p.f, p.vm2);

	/* VM 1: the GiB holding the 4 KiB BO: its L3 and L2 copy go. */
	unmap(p.f, p.vm1, 600 * SZ_1G, SZ_1G);
	expect_vm(p.f, p.vm1, 4, 2, 0, BLOCKS_1T - 512);
	assert_int_equal(pt_frames(p.dev), 2 + 2 + 3 + 3);
	assert_int_equal(kind_at(p.f, p.vm1, P1), GPUVM_DRV_NONE);
	expect_gone(p.f, p.vm1, P1);
	expect_gone(p.f, p.vm1, 600 * SZ_1G);
	assert_int_equal(rd32(p.f, p.vm2, P1), dsig(P1));
	assert_int_equal(rd32(p.f, p.vm1, 601 * SZ_1G), dsig(0));
	assert_int_equal(rd32(p.f, p.vm1, P2), pat(2, 0));
	check_ok(p.f, p.vm1);

	/* VM 1 whole: all of its tables go; VM 2 still links the set. */
	unmap(p.f, p.vm1, SZ_512G, SZ_1T);
	expect_vm(p.f, p.vm1, 1, 2, 0, 0);
	assert_int_equal(vstats(p.f, p.vm1).mappings, 0);
	assert_int_equal(pt_frames(p.dev), 2 + 2 + 3);
	expect_gone(p.f, p.vm1, P2);
	assert_int_equal(rd32(p.f, p.vm2, P2), dsig(P2));
	check_ok(p.f, p.vm1);
	check_ok(p.f, p.vm2);

	/* The last range using the set: it goes, and only roots are left. */
	unmap(p.f, p.vm2, SZ_512G, SZ_1T);
	expect_vm(p.f, p.vm2, 1, 0, 0, 0);
	expect_vm(p.f, p.vm1, 1, 0, 0, 0);
	assert_int_equal(pt_frames(p.dev), 2);
	check_ok(p.f, p.vm1);
	check_ok(p.f, p.vm2);

	/* A new linked range builds it again; unmapping drops it again. */
	map_sparse(p.f, p.vm1, 3 * SZ_1G, SZ_1G);
	expect_vm(p.f, p.vm1, 2, 2, 0, 512);
	assert_int_equal(pt_frames(p.dev), 2 + 1 + 2);
	assert_int_equal(rd32(p.f, p.vm1, 3 * SZ_1G + SZ_2M + 0x40),
			 dsig(0x40));
	unmap(p.f, p.vm1, 3 * SZ_1G, SZ_1G);
	expect_vm(p.f, p.vm1, 1, 0, 0, 0);
	assert_int_equal(pt_frames(p.dev), 2);
	/* The BOs live on with their handles; the dummy with the file. */
	assert_int_equal(frames_of(p.dev, GPUVM_MEM_BO),
			 PAGES_2M + 1 + PAGES_2M + SZ_1G / SZ_4K);
}

/* ------------------------------------------------------------------ */
/* 3. Evicting the dummy                                               */

/* VM 2's range, to 1 TiB + 4 GiB, and where it was written. */
#define DE_S3   (SZ_1T + SZ_1G + SZ_4K)
#define DE_V2VA (SZ_1T + 2 * SZ_1G + 5 * SZ_2M + 0x1008)

/* The dummy evicted: every sparse range faults, the BO does not (M1). */
static void dummy_evicted(struct drv_env *e, uint32_t vm2)
{
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm1 = e->vm;
	bool res;

	assert_int_equal(gpuvm_drv_dummy_evict(f), 0);
	assert_int_equal(gpuvm_drv_bo_resident(f, 0, &res), 0);
	assert_false(res);
	expect_gone(f, vm1, 600 * SZ_1G);
	expect_gone(f, vm1, SZ_512G + 0x40);
	expect_gone(f, vm1, 5 * SZ_1G + 0x40);
	expect_gone(f, vm1, EDGE_VA + 0x10);
	expect_gone(f, vm2, DE_S3);
	expect_gone(f, vm2, SZ_1T + 2 * SZ_1G + 0x40);
	expect_gone(f, vm1, P1 - 8);
	expect_gone(f, vm1, P1 + SZ_4K);
	assert_int_equal(rd32(f, vm1, 2 * SZ_1G), pat(7, 0));
	assert_int_equal(rd32(f, vm1, P1), pat(7, 0));
	/* Unlinked, the set destroyed, the emptied tables freed; the BO
	 * pages keep their paths (for the punch: the copies). */
	expect_vm(f, vm1, 7, 0, 2, 0);
	expect_vm(f, vm2, 1, 0, 0, 0);
	assert_int_equal(pt_frames(e->dev), 7 + 1);
	assert_int_equal(frames_of(e->dev, GPUVM_MEM_BO), 1);
	check_ok(f, vm1);
	check_ok(f, vm2);
}

/* Validating one VM brings the dummy and the set back (M2). */
static void dummy_validated(struct drv_env *e, uint32_t first,
			    uint32_t second)
{
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm1 = e->vm, vm2 = first == vm1 ? second : first;

	assert_int_equal(gpuvm_drv_vm_validate(f, first), 0);
	if (first == vm1) {
		expect_vm(f, vm1, 11, 2, EDGE_4K + 513,
			  EDGE_2M + BLOCKS_1T - 1);
		expect_vm(f, vm2, 1, 2, 0, 0);
		assert_int_equal(pt_frames(e->dev), 11 + 1 + 2);
		expect_gone(f, vm2, SZ_1T + 2 * SZ_1G + 0x40);
	} else {
		expect_vm(f, vm2, 4, 2, 511, 511 + 1024);
		expect_vm(f, vm1, 7, 2, 2, 0);
		assert_int_equal(pt_frames(e->dev), 4 + 7 + 2);
		expect_gone(f, vm1, SZ_512G + 0x40);
	}
	assert_int_equal(gpuvm_drv_vm_validate(f, second), 0);
	expect_vm(f, vm1, 11, 2, EDGE_4K + 513, EDGE_2M + BLOCKS_1T - 1);
	expect_vm(f, vm2, 4, 2, 511, 511 + 1024);
	assert_int_equal(pt_frames(e->dev), 11 + 4 + 2);
	assert_int_equal(frames_of(e->dev, GPUVM_MEM_BO), PAGES_2M + 1);
}

/* What was written before the eviction, everywhere. */
static void dummy_contents(struct drv_env *e, uint32_t vm2)
{
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm1 = e->vm;

	assert_true(expect_cycle(f, vm1, SZ_512G, SZ_512G + SZ_1T, 1021, 0x40,
				 NULL, 0, 0x11111111) > 200);
	assert_true(expect_cycle(f, vm1, EDGE_VA, EDGE_VA + EDGE_SIZE, 7,
				 0x40, NULL, 0, 0x11111111) > 200);
	assert_true(expect_cycle(f, vm2, DE_S3, SZ_1T + 4 * SZ_1G, 7, 0x40,
				 NULL, 0, 0x11111111) > 200);
	assert_true(expect_cycle(f, vm1, SZ_512G, SZ_512G + SZ_1T, 1021,
				 0x1008, NULL, 0, 0x22222222) > 200);
	assert_true(expect_cycle(f, vm2, DE_S3, SZ_1T + 4 * SZ_1G, 3, 0x1008,
				 NULL, 0, 0x22222222) > 200);
	assert_true(expect_cycle(f, vm1, EDGE_VA, EDGE_VA + EDGE_SIZE, 5,
				 0x3010, NULL, 0, 0x33333333) > 200);
	assert_true(expect_cycle(f, vm2, DE_S3, SZ_1T + 4 * SZ_1G, 5, 0x3010,
				 NULL, 0, 0x33333333) > 200);
	assert_int_equal(rd64(f, vm1, 7 * SZ_1G + 0x3010),
			 0x3333333333333333ull);
	assert_int_equal(rd64(f, vm2, DE_V2VA), 0x2222222222222222ull);
	assert_int_equal(rd32(f, vm1, 2 * SZ_1G), pat(7, 0));
	assert_int_equal(rd32(f, vm1, P1), pat(7, 0));
	assert_int_equal(rd32(f, vm1, P1 + SZ_4K), 0);
	check_ok(f, vm1);
	check_ok(f, vm2);
}

/*
 * Two VMs linking the file's shared tables, a BO page punched into one
 * of them; the dummy evicted and restored twice, VM 1 validated first,
 * then VM 2.
 */
static void test_dummy_evict(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm1 = e->vm, vm2 = vm_new(f), h;

	map_sparse(f, vm1, EDGE_VA, EDGE_SIZE);
	h = bo_new(f, 1, 7);
	map_bo(f, vm1, h, 0, 2 * SZ_1G, SZ_4K, 0);
	map_sparse(f, vm1, SZ_512G, SZ_1T);
	/* The same BO page punched into the linked TiB: L1 and L2 copies
	 * and the split's L3. */
	map_bo(f, vm1, h, 0, P1, SZ_4K, 0);
	map_sparse(f, vm2, DE_S3, SZ_1T + 4 * SZ_1G - DE_S3);
	/* VM 1: the edge range's 5 tables, the BO's L2 and L3, the punch's
	 * 3. VM 2: an L1, an L2 and L3 for the head GiB, two GiBs linked. */
	expect_vm(f, vm1, 11, 2, EDGE_4K + 513, EDGE_2M + BLOCKS_1T - 1);
	expect_vm(f, vm2, 4, 2, 511, 511 + 1024);
	assert_int_equal(pt_frames(dev), 11 + 4 + 2);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), PAGES_2M + 1);
	wr64(f, vm1, SZ_512G + 0x40, 0x1111111111111111ull);
	wr64(f, vm2, DE_V2VA, 0x2222222222222222ull);
	wr64(f, vm1, EDGE_VA + 0x10, 0x3333333333333333ull);

	dummy_evicted(e, vm2);
	dummy_validated(e, vm1, vm2);
	dummy_contents(e, vm2);
	dummy_evicted(e, vm2);
	dummy_validated(e, vm2, vm1);
	dummy_contents(e, vm2);
}

/* ------------------------------------------------------------------ */
/* 4. NULL capability: the device's sets, shared by every file         */

static void test_null_files(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *fa = e->f, *fb = file_new(dev);
	uint32_t va = e->vm, vb = vm_new(fb);

	/* L1 of 512 pointers and L2 of 512 NULL blocks, once. */
	map_sparse(fa, va, SZ_512G, SZ_512G);
	expect_vm(fa, va, 1, 2, 0, SZ_512G / SZ_2M);
	assert_int_equal(pt_frames(dev), 2 + 2);
	map_sparse(fb, vb, 3 * SZ_1G, 2 * SZ_1G);
	expect_vm(fb, vb, 2, 2, 0, 1024);
	expect_vm(fa, va, 1, 2, 0, SZ_512G / SZ_2M);
	assert_int_equal(pt_frames(dev), 2 + 2 + 1);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), 0);

	/* Reads zero, writes vanish, in both files. */
	assert_int_equal(rd64(fa, va, 600 * SZ_1G + 0x10), 0);
	wr64(fa, va, 600 * SZ_1G + 0x10, 0x0123456789abcdefull);
	assert_int_equal(rd64(fa, va, 600 * SZ_1G + 0x10), 0);
	assert_int_equal(rd64(fa, va, 600 * SZ_1G + SZ_2M + 0x10), 0);
	wr64(fb, vb, 3 * SZ_1G + 5 * SZ_2M + 8, 0xfedcba9876543210ull);
	assert_int_equal(rd64(fb, vb, 3 * SZ_1G + 5 * SZ_2M + 8), 0);
	assert_int_equal(rd64(fb, vb, 5 * SZ_1G - 8), 0);
	expect_gone(fb, vb, 5 * SZ_1G);
	check_ok(fa, va);
	check_ok(fb, vb);

	/* The set stays while either file links it. */
	unmap(fa, va, SZ_512G, SZ_512G);
	expect_vm(fa, va, 1, 2, 0, 0);
	expect_vm(fb, vb, 2, 2, 0, 1024);
	assert_int_equal(pt_frames(dev), 2 + 2 + 1);
	unmap(fb, vb, 3 * SZ_1G, 2 * SZ_1G);
	expect_vm(fb, vb, 1, 0, 0, 0);
	expect_vm(fa, va, 1, 0, 0, 0);
	assert_int_equal(pt_frames(dev), 2);

	/* Another protection is another set; both are the device's. */
	map_sparse(fa, va, SZ_512G, SZ_512G);
	assert_int_equal(bind(fb, vb, SPARSE | F_RO, 0, 0, 3 * SZ_1G, SZ_1G, 0),
			 0);
	expect_vm(fa, va, 1, 4, 0, SZ_512G / SZ_2M);
	expect_vm(fb, vb, 2, 4, 0, 512);
	assert_int_equal(pt_frames(dev), 2 + 4 + 1);
	expect_fault(fb, vb, GPUVM_MMU_WRITE, 3 * SZ_1G + 0x100, 8,
		     GPUVM_MMU_FAULT_PERMISSION, 3 * SZ_1G + 0x100);
	assert_int_equal(rd64(fb, vb, 3 * SZ_1G + 0x100), 0);
	check_ok(fa, va);
	check_ok(fb, vb);

	/* Destroying file a's VM drops the set only it linked. */
	assert_int_equal(gpuvm_drv_vm_destroy(fa, va), 0);
	expect_vm(fb, vb, 2, 2, 0, 512);
	assert_int_equal(pt_frames(dev), 1 + 2 + 1);
	va = vm_new(fa);
	map_sparse(fa, va, SZ_512G, SZ_512G);
	expect_vm(fb, vb, 2, 4, 0, 512);
	assert_int_equal(pt_frames(dev), 2 + 4 + 1);
	check_ok(fb, vb);

	/* So does closing file a: "a set exists exactly while some range
	 * links to it" (sparse.c). */
	gpuvm_drv_file_close(fa);
	print_message("after closing the only file linking a NULL set: "
		      "shared_pt_pages %" PRIu64 ", PT frames %" PRIu64 "\n",
		      vstats(fb, vb).shared_pt_pages, pt_frames(dev));
	check_ok(fb, vb);
	expect_vm(fb, vb, 2, 2, 0, 512);
	assert_int_equal(pt_frames(dev), 1 + 2 + 1);
}

/* ------------------------------------------------------------------ */
/* 5. Atomicity                                                        */

/*
 * Maps [va, va + size) sparse under gpuvm_mem_fail_nth_alloc(n) for
 * n = 1, 2, ... until it succeeds: every failure is -ENOMEM and leaves
 * no trace, and no set. Returns the n that succeeded.
 */
static uint64_t atomic_map(struct gpuvm_drv_device *dev,
			   struct gpuvm_drv_file *f, uint32_t vm, uint64_t va,
			   uint64_t size, bool dummy_before)
{
	struct gpuvm_mem *mem = gpuvm_drv_device_mem(dev);
	struct snap s;
	uint64_t n;
	bool res;
	int ret;

	snap_take(dev, f, vm, &s);
	assert_int_equal(s.st.shared_pt_pages, 0);
	for (n = 1; n < 64; n++) {
		gpuvm_mem_fail_nth_alloc(mem, n);
		ret = bind(f, vm, SPARSE, 0, 0, va, size, 0);
		gpuvm_mem_fail_nth_alloc(mem, 0);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		snap_expect_same(dev, f, vm, &s, "failed sparse map");
		assert_int_equal(vstats(f, vm).shared_pt_pages, 0);
		if (dev && gpuvm_drv_device_cfg(dev)->sparse ==
		    GPUVM_DRV_SPARSE_DUMMY) {
			if (dummy_before) {
				assert_int_equal(gpuvm_drv_bo_resident(f, 0,
								       &res),
						 0);
				assert_true(res);
			} else {
				assert_int_equal(gpuvm_drv_bo_resident(f, 0,
								       &res),
						 -ENOENT);
			}
		}
	}
	snap_free(&s);
	assert_true(n < 64);
	check_ok(f, vm);
	return n;
}

static void test_atomic(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f, *f2 = file_new(dev);
	uint32_t vm = e->vm, vm2 = vm_new(f2);

	/* A fresh file: the dummy (a BO record, its run list, one block),
	 * the set (2 tables) and 5 tables: 10 allocations can fail. */
	assert_int_equal(atomic_map(dev, f, vm, EDGE_VA, EDGE_SIZE, false),
			 11);
	expect_vm(f, vm, 6, 2, EDGE_4K, EDGE_2M);
	assert_int_equal(pt_frames(dev), 1 + 6 + 2);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), PAGES_2M);
	wr32(f, vm, 5 * SZ_1G + 0x40, 0xabcd0001);
	assert_int_equal(rd32(f, vm, 6 * SZ_1G + 9 * SZ_2M + 0x40),
			 0xabcd0001);

	/* A file whose dummy exists but has no set; the small range made
	 * the L1 already: 2 + 4. */
	map_sparse(f2, vm2, SZ_1G, 2 * SZ_4K);
	expect_vm(f2, vm2, 4, 0, 2, 0);
	assert_int_equal(atomic_map(dev, f2, vm2, EDGE_VA, EDGE_SIZE, true),
			 7);
	expect_vm(f2, vm2, 8, 2, EDGE_4K + 2, EDGE_2M);
	/* 1 TiB needs the set alone: nothing of the VM's own. */
	map_sparse(f2, vm2, SZ_512G, SZ_1T);
	expect_vm(f2, vm2, 8, 2, EDGE_4K + 2, EDGE_2M + BLOCKS_1T);
	check_ok(f2, vm2);
}

/*
 * NULL: the device's set (2) and 5 tables; then 1 TiB of a new
 * protection needs just its set.
 */
static void test_atomic_null(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm;

	assert_int_equal(atomic_map(dev, f, vm, EDGE_VA, EDGE_SIZE, false),
			 8);
	expect_vm(f, vm, 6, 2, EDGE_4K, EDGE_2M);
	assert_int_equal(pt_frames(dev), 6 + 2);
	unmap(f, vm, EDGE_VA, EDGE_SIZE);
	expect_vm(f, vm, 1, 0, 0, 0);
	assert_int_equal(atomic_map(dev, f, vm, SZ_512G, SZ_1T, false), 3);
	expect_vm(f, vm, 1, 2, 0, BLOCKS_1T);
	assert_int_equal(rd64(f, vm, 700 * SZ_1G), 0);
}

/* ------------------------------------------------------------------ */
/* 6. Asynchronous binds                                               */

/*
 * The pages a queued op reserves (async.c: the worst-case unmap count of
 * its range, plus for a map the worst-case map count), computed with the
 * public page-table API on a scratch instance of the default device's
 * configuration: the counts depend on no state.
 */
static uint64_t queued_worst(uint64_t va, uint64_t size, bool map)
{
	struct gpuvm_mem_cfg mc = { .size = 64 * SZ_1M };
	struct gpuvm_pt_cfg pc = {
		.va_bits = 48,
		.pgsizes = GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M,
	};
	struct gpuvm_pt_resv r = { 0 };
	struct gpuvm_pt_linear lin;
	struct gpuvm_mem *mem = NULL;
	struct gpuvm_pt *pt = NULL;
	uint64_t n;

	assert_int_equal(gpuvm_mem_create(&mc, &mem), 0);
	pc.mem = mem;
	assert_int_equal(gpuvm_pt_create(&pc, &pt), 0);
	gpuvm_pt_linear_init(&lin, va, 0);
	assert_int_equal(gpuvm_pt_reserve_unmap_worst(pt, va, size, &r), 0);
	if (map)
		assert_int_equal(gpuvm_pt_reserve_map_worst(pt, va, size,
							    &lin.src, 0, &r),
				 0);
	n = r.need;
	gpuvm_pt_resv_release(pt, &r);
	gpuvm_pt_destroy(pt);
	gpuvm_mem_destroy(mem);
	return n;
}

static void test_async(void **state)
{
	const uint64_t p = 3 * SZ_1G + 5 * SZ_2M + 3 * SZ_4K;
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h = bo_new(f, 1, 5), jobs = 0, ran = 0,
		 failed = 0xdead;
	const struct gpuvm_drv_sync wait = {
		.flags = GPUVM_DRV_SYNC_WAIT, .timeline = 9, .point = 1,
	};
	struct gpuvm_drv_bind_op ops[2] = {
		{ .flags = SPARSE, .va = 3 * SZ_1G, .size = SZ_1G },
		{ .flags = T_MAP, .bo_handle = h, .va = p, .size = SZ_4K,
		  .syncs = &wait, .n_syncs = 1 },
	};
	enum gpuvm_drv_vm_state vs;

	assert_int_equal(gpuvm_drv_vm_bind(f, vm, GPUVM_DRV_BIND_ASYNC, ops, 2,
					   &failed), 0);
	assert_int_equal(gpuvm_drv_vm_queued(f, vm, &jobs), 0);
	assert_int_equal(jobs, 2);
	expect_gone(f, vm, 3 * SZ_1G);
	/* The sparse map runs; the punch waits. The GiB links the set. */
	assert_int_equal(gpuvm_drv_run(dev, &ran), 0);
	assert_int_equal(ran, 1);
	assert_int_equal(gpuvm_drv_vm_get_state(f, vm, &vs), 0);
	assert_int_equal(vs, GPUVM_DRV_VM_USABLE);
	expect_vm(f, vm, 2, 2, 0, 512);
	/* Root, L1, the set, and the queued punch's worst-case
	 * reservation: a fresh map (3), a split at each end (2) and
	 * whatever copies of shared tables the bound adds. */
	assert_true(queued_worst(p, SZ_4K, true) >= 5);
	assert_int_equal(pt_frames(dev), 2 + 2 + queued_worst(p, SZ_4K, true));
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_timeline_signal(dev, 9, 1), 0);
	assert_int_equal(gpuvm_drv_run(dev, &ran), 0);
	assert_int_equal(ran, 1);
	assert_int_equal(gpuvm_drv_vm_get_state(f, vm, &vs), 0);
	assert_int_equal(vs, GPUVM_DRV_VM_USABLE);
	check_ok(f, vm);
	/* Root, L1, the L2 copy, the split's L3. The copy took the only
	 * link, so the set went with it. */
	expect_vm(f, vm, 4, 0, 512, 511);
	assert_int_equal(pt_frames(dev), 4);
	assert_int_equal(rd32(f, vm, p), pat(5, 0));
	wr32(f, vm, 3 * SZ_1G + 0x40, 0x5a5a0001);
	assert_true(expect_cycle(f, vm, 3 * SZ_1G, 4 * SZ_1G, 1, 0x40, NULL,
				 0, 0x5a5a0001) == 512);
	assert_int_equal(rd32(f, vm, p + SZ_4K), 0);

	/* Queued unmaps of both, run. */
	ops[0] = (struct gpuvm_drv_bind_op){ .flags = T_UNMAP, .va = p,
					     .size = SZ_4K };
	ops[1] = (struct gpuvm_drv_bind_op){ .flags = T_UNMAP,
					     .va = 3 * SZ_1G, .size = SZ_1G };
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, GPUVM_DRV_BIND_ASYNC, ops, 2,
					   &failed), 0);
	assert_int_equal(gpuvm_drv_run(dev, &ran), 0);
	assert_int_equal(ran, 2);
	assert_int_equal(gpuvm_drv_vm_get_state(f, vm, &vs), 0);
	assert_int_equal(vs, GPUVM_DRV_VM_USABLE);
	expect_vm(f, vm, 1, 0, 0, 0);
	check_ok(f, vm);
}

/* Queues op alone and runs it; returns the VM's state then. */
static enum gpuvm_drv_vm_state run_alone(struct drv_env *e, uint32_t vm,
					 struct gpuvm_drv_bind_op op)
{
	enum gpuvm_drv_vm_state vs;
	uint32_t ran = 0, failed = 0;

	assert_int_equal(gpuvm_drv_vm_bind(e->f, vm, GPUVM_DRV_BIND_ASYNC, &op,
					   1, &failed), 0);
	assert_int_equal(gpuvm_drv_run(e->dev, &ran), 0);
	assert_int_equal(ran, 1);
	assert_int_equal(gpuvm_drv_vm_get_state(e->f, vm, &vs), 0);
	check_ok(e->f, vm);
	return vs;
}

/*
 * Queued changes inside a sparse range whose 512 GiB entry is linked:
 * the job reserves a worst case when queued, and copy-on-write of the
 * shared L1 and L2 must fit in it (async.c: "The worst case cannot be
 * exceeded"). First a queued 4 KiB unmap.
 */
static void test_async_unmap_linked_512g(void **state)
{
	const uint64_t q = 700 * SZ_1G + 7 * SZ_4K;
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm;
	struct gpuvm_drv_bind_op op = op_unmap(q, SZ_4K);
	enum gpuvm_drv_vm_state vs;

	bo_new(f, 1, 6);
	map_sparse(f, vm, SZ_512G, SZ_512G);
	expect_vm(f, vm, 1, 2, 0, SZ_512G / SZ_2M);
	vs = run_alone(e, vm, op);
	print_message("queued 4 KiB unmap in a linked 512 GiB entry: VM %s\n",
		      vs ? "unusable" : "usable");
	assert_int_equal(vs, GPUVM_DRV_VM_USABLE);
}

/* A queued 4 KiB BO punch in another GiB of such an entry. */
static void test_async_punch_linked_512g(void **state)
{
	const uint64_t p = 600 * SZ_1G + 3 * SZ_2M + 5 * SZ_4K;
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h = bo_new(f, 1, 6);
	struct gpuvm_drv_bind_op op = op_map(h, 0, p, SZ_4K);
	enum gpuvm_drv_vm_state vs;

	map_sparse(f, vm, SZ_512G, SZ_512G);
	vs = run_alone(e, vm, op);
	print_message("queued 4 KiB BO map in a linked 512 GiB entry: VM %s\n",
		      vs ? "unusable" : "usable");
	assert_int_equal(vs, GPUVM_DRV_VM_USABLE);
	assert_int_equal(kind_at(f, vm, p), GPUVM_DRV_BO);
	assert_int_equal(rd32(f, vm, p), pat(6, 0));
	expect_vm(f, vm, 4, 2, 512, SZ_512G / SZ_2M - 1);
}

/*
 * A queued sparse map that links a set built when it was queued: the set
 * must still be there when the job runs, whatever runs in between (a
 * synchronous bind of the same file, or another VM's job), or the job
 * needs private tables its worst-case reservation did not count. The job
 * waits on a timeline so the state in between can be seen.
 */
static void test_async_set_kept(void **state)
{
	const struct gpuvm_drv_sync wait = {
		.flags = GPUVM_DRV_SYNC_WAIT, .timeline = 3, .point = 1,
	};
	struct gpuvm_drv_bind_op sp = {
		.flags = SPARSE, .va = 3 * SZ_1G, .size = SZ_1G,
		.syncs = &wait, .n_syncs = 1,
	};
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	enum gpuvm_drv_vm_state vs[3];
	uint64_t queued[3], between[3];
	uint32_t vm, vm0, h, ran = 0, failed = 0;
	struct gpuvm_drv_bind_op bo;
	unsigned int c;

	(void)state;
	for (c = 0; c < 3; c++) {
		dev = dev_new();
		f = file_new(dev);
		vm0 = vm_new(f);
		vm = vm_new(f);
		h = bo_new(f, 1, 8);
		bo = (struct gpuvm_drv_bind_op){ .flags = T_MAP,
						 .bo_handle = h,
						 .va = 600 * SZ_1G,
						 .size = SZ_4K };
		assert_int_equal(gpuvm_drv_vm_bind(f, vm, GPUVM_DRV_BIND_ASYNC,
						   &sp, 1, &failed), 0);
		queued[c] = vstats(f, vm).shared_pt_pages;
		if (c == 0) {
			/* A synchronous bind in between. */
			map_bo(f, vm, h, 0, 600 * SZ_1G, SZ_4K, 0);
		} else if (c == 1) {
			/* Another VM's job runs first. */
			assert_int_equal(gpuvm_drv_vm_bind(f, vm0,
							   GPUVM_DRV_BIND_ASYNC,
							   &bo, 1, &failed),
					 0);
			assert_int_equal(gpuvm_drv_run(dev, &ran), 0);
			assert_int_equal(ran, 1);
		}
		between[c] = vstats(f, vm).shared_pt_pages;
		assert_int_equal(gpuvm_drv_timeline_signal(dev, 3, 1), 0);
		assert_int_equal(gpuvm_drv_run(dev, &ran), 0);
		assert_int_equal(ran, 1);
		assert_int_equal(gpuvm_drv_vm_get_state(f, vm, &vs[c]), 0);
		check_ok(f, vm);
		if (vs[c] == GPUVM_DRV_VM_USABLE) {
			assert_int_equal(rd32(f, vm, 3 * SZ_1G + 8), 0);
			assert_int_equal(vstats(f, vm).shared_pt_pages, 2);
		}
		gpuvm_drv_device_destroy(dev);
	}
	print_message("queued sparse map (set pages when queued / just before "
		      "it runs / VM after): after a sync bind %" PRIu64
		      "/%" PRIu64 "/%s; after another VM's job %" PRIu64
		      "/%" PRIu64 "/%s; alone %" PRIu64 "/%" PRIu64 "/%s\n",
		      queued[0], between[0], vs[0] ? "unusable" : "usable",
		      queued[1], between[1], vs[1] ? "unusable" : "usable",
		      queued[2], between[2], vs[2] ? "unusable" : "usable");
	/* The control: nothing in between. */
	assert_int_equal(queued[2], 2);
	assert_int_equal(vs[2], GPUVM_DRV_VM_USABLE);
	assert_int_equal(vs[0], GPUVM_DRV_VM_USABLE);
	assert_int_equal(vs[1], GPUVM_DRV_VM_USABLE);
}

/*
 * An asynchronous batch refused at queue time leaves no trace: nothing
 * of it may keep pointing at a set that later goes. VM A links the set;
 * VM B's batch counts a sparse map that would link it (page-table counts
 * claim a slot for the set they rely on) and is refused for its second
 * op; then A's link, the set's last, goes and the set is destroyed. B's
 * page tables must not reach the destroyed set (under ASan a stale slot
 * is a use after free in gpuvm_pt_validate() or gpuvm_pt_destroy()).
 * Last in the list: an ASan report ends the process.
 */
static void test_async_refused_batch(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vma = e->vm, vmb = vm_new(f), h = bo_new(f, 1, 9);
	uint32_t failed = 0xdead, jobs = 1;
	struct gpuvm_drv_bind_op ops[2] = {
		{ .flags = SPARSE, .va = 5 * SZ_1G, .size = SZ_1G },
		{ .flags = T_MAP | (1u << 27), .bo_handle = h,
		  .va = 700 * SZ_1G, .size = SZ_4K },
	};

	map_sparse(f, vma, 3 * SZ_1G, SZ_1G);
	map_bo(f, vmb, h, 0, 600 * SZ_1G, SZ_4K, 0);
	expect_vm(f, vmb, 4, 2, 1, 0);
	assert_int_equal(gpuvm_drv_vm_bind(f, vmb, GPUVM_DRV_BIND_ASYNC, ops, 2,
					   &failed), -EINVAL);
	assert_int_equal(failed, 1);
	assert_int_equal(gpuvm_drv_vm_queued(f, vmb, &jobs), 0);
	assert_int_equal(jobs, 0);
	expect_vm(f, vmb, 4, 2, 1, 0);
	check_ok(f, vmb);
	/* The set's last link goes, and the set with it. */
	unmap(f, vma, 3 * SZ_1G, SZ_1G);
	expect_vm(f, vma, 1, 0, 0, 0);
	assert_int_equal(pt_frames(dev), 1 + 4);
	/* B walks its tables (validate asks of every table pointer whether
	 * it is a shared table), maps, and goes. */
	check_ok(f, vmb);
	map_sparse(f, vmb, 8 * SZ_1G, SZ_1G);
	expect_vm(f, vmb, 5, 2, 1, 512);   /* an L1 for L0[0], one link */
	check_ok(f, vmb);
	assert_int_equal(rd32(f, vmb, 600 * SZ_1G), pat(9, 0));
	assert_int_equal(gpuvm_drv_vm_destroy(f, vmb), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_vs_private),
		DRV_TEST(test_cow_bo_punch),
		DRV_TEST(test_unmaps),
		DRV_TEST(test_dummy_evict),
		DRV_TEST_CFG(test_null_files, .sparse = GPUVM_DRV_SPARSE_NULL),
		DRV_TEST(test_atomic),
		DRV_TEST_CFG(test_atomic_null, .sparse = GPUVM_DRV_SPARSE_NULL),
		DRV_TEST(test_async),
		DRV_TEST(test_async_unmap_linked_512g),
		DRV_TEST(test_async_punch_linked_512g),
		cmocka_unit_test(test_async_set_kept),
		DRV_TEST(test_async_refused_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
