// SPDX-License-Identifier: MIT
/*
 * Tests of the driver layer (src/drv/): VM_BIND with sparse, BO and
 * repeat mappings, seen from outside through the public API only.
 *
 * What the GPU sees is checked through the MMU (gpuvm_drv_gpu_access), so
 * a wrong descriptor, a missed TLB invalidation (the MMU runs in checked
 * mode: a stale hit is -ESTALE, and every helper wants 0) or a wrong
 * phase shows up as wrong data. BOs are filled from the CPU with one
 * 32-bit value per page, pat(tag, page), so a read tells which BO page a
 * VA reaches; the sparse dummy is "signed" through the GPU the same way,
 * dsig(va), so a read tells which dummy offset a sparse VA reaches.
 *
 * After every change gpuvm_drv_vm_check() must say the page tables, the
 * VA space and the TLB agree. Failed ops are compared with a snapshot
 * (frames in use, every VM statistic, the queue, the mapping list and the
 * text of gpuvm_drv_vm_dump) taken before them: "no trace" means all of
 * those identical. The bind rules are a table, each row citing its rule
 * in docs/panthor.md (vcases).
 *
 * Expected values are exact and, where they follow from a size, computed
 * from it in the test. Helpers and the DRV_TEST fixture: drv_test.h.
 */
#include "drv_test.h"

/* ------------------------------------------------------------------ */
/* The dump's page tables                                             */

/* The output address of the page-table run that starts at va. */
static uint64_t dump_leaf_pa(struct gpuvm_drv_file *f, uint32_t vm,
			     uint64_t va)
{
	char *d = dump_of(f, vm), key[64], *p;
	uint64_t pa;

	p = strstr(d, "page tables:");
	assert_non_null(p);
	snprintf(key, sizeof(key), "\n  [0x%" PRIx64 ", ", va);
	p = strstr(p, key);
	assert_non_null(p);
	p = strstr(p, ") -> ");
	assert_non_null(p);
	pa = strtoull(p + 5, NULL, 16);
	free(d);
	return pa;
}

/* ------------------------------------------------------------------ */
/* A page-granular model of a VA range, and its verification          */

struct pg {
	enum gpuvm_drv_backing kind;
	uint32_t handle;  /* BO */
	uint32_t tag;     /* BO: its pattern tag */
	uint64_t off;     /* BO offset of the page */
	uint32_t flags;   /* map flags lookup reports */
};

struct vctx {
	struct gpuvm_drv_file *file;
	uint32_t vm;
	bool sig;        /* sparse pages read dsig(); else zero */
	const char *what;
};

static void pg_set_none(struct pg *p)
{
	memset(p, 0, sizeof(*p));
	p->kind = GPUVM_DRV_NONE;
}

static void pg_set_sparse(struct pg *p, uint32_t flags)
{
	pg_set_none(p);
	p->kind = GPUVM_DRV_SPARSE;
	p->flags = flags;
}

static void pg_set_bo(struct pg *p, uint32_t h, uint32_t tag, uint64_t off,
		      uint32_t flags)
{
	pg_set_none(p);
	p->kind = GPUVM_DRV_BO;
	p->handle = h;
	p->tag = tag;
	p->off = off;
	p->flags = flags;
}

static uint32_t pg_value(const struct vctx *c, const struct pg *p,
			 uint64_t va)
{
	if (p->kind == GPUVM_DRV_BO)
		return pat(p->tag, p->off / SZ_4K);
	return c->sig ? dsig(va) : 0;
}

static const char *kind_name(enum gpuvm_drv_backing k)
{
	return k == GPUVM_DRV_NONE ? "none" :
	       k == GPUVM_DRV_SPARSE ? "sparse" : "bo";
}

/*
 * One page: lookup, and GPU reads of its first and last word. Returns
 * false after printing what differs.
 */
static bool page_ok(const struct vctx *c, uint64_t va, const struct pg *p)
{
	static const uint64_t probes[2] = { 0, SZ_4K - 4 };
	struct gpuvm_drv_lookup l;
	struct gpuvm_mmu_fault fault;
	unsigned int i;
	uint32_t v;
	int ret;

	memset(&l, 0x5a, sizeof(l));
	ret = gpuvm_drv_vm_lookup(c->file, c->vm, va, &l);
	if (ret || l.kind != p->kind || l.bo_handle != p->handle ||
	    l.bo_offset != p->off || l.flags != p->flags) {
		print_message("%s: lookup(0x%" PRIx64 ") = %d: %s handle %u "
			      "offset 0x%" PRIx64 " flags 0x%x; want %s handle"
			      " %u offset 0x%" PRIx64 " flags 0x%x\n",
			      c->what, va, ret, kind_name(l.kind), l.bo_handle,
			      l.bo_offset, l.flags, kind_name(p->kind),
			      p->handle, p->off, p->flags);
		return false;
	}
	for (i = 0; i < 2; i++) {
		uint64_t a = va + probes[i];

		v = 0xfefefefe;
		ret = gpu(c->file, c->vm, GPUVM_MMU_READ, a, &v, 4, &fault);
		if (p->kind == GPUVM_DRV_NONE) {
			if (ret != -EFAULT ||
			    fault.kind != GPUVM_MMU_FAULT_TRANSLATION ||
			    fault.addr != a) {
				print_message("%s: read 0x%" PRIx64 " = %d "
					      "(fault %d at 0x%" PRIx64 "), "
					      "want a translation fault\n",
					      c->what, a, ret, fault.kind,
					      fault.addr);
				return false;
			}
		} else if (ret || v != pg_value(c, p, a)) {
			print_message("%s: read 0x%" PRIx64 " = %d, 0x%08x; "
				      "want 0x%08x\n", c->what, a, ret, v,
				      pg_value(c, p, a));
			return false;
		}
	}
	return true;
}

/* An 8-byte read across the boundary between pages p (at va) and q. */
static bool boundary_ok(const struct vctx *c, uint64_t va, const struct pg *p,
			const struct pg *q)
{
	uint64_t a = va + SZ_4K - 4, v = 0, want;
	struct gpuvm_mmu_fault fault;
	int ret = gpu(c->file, c->vm, GPUVM_MMU_READ, a, &v, 8, &fault);

	if (p->kind == GPUVM_DRV_NONE || q->kind == GPUVM_DRV_NONE) {
		uint64_t at = p->kind == GPUVM_DRV_NONE ? a : va + SZ_4K;

		if (ret == -EFAULT && fault.kind == GPUVM_MMU_FAULT_TRANSLATION &&
		    fault.addr == at)
			return true;
		print_message("%s: read8 0x%" PRIx64 " = %d (fault %d at 0x%"
			      PRIx64 "), want a translation fault at 0x%"
			      PRIx64 "\n", c->what, a, ret, fault.kind,
			      fault.addr, at);
		return false;
	}
	want = pg_value(c, p, a) |
	       (uint64_t)pg_value(c, q, va + SZ_4K) << 32;
	if (!ret && v == want)
		return true;
	print_message("%s: read8 0x%" PRIx64 " = %d, 0x%016" PRIx64
		      "; want 0x%016" PRIx64 "\n", c->what, a, ret, v, want);
	return false;
}

/* Every page of [base, base + n * 4K) against m[0..n). */
static bool pages_ok(const struct vctx *c, uint64_t base, const struct pg *m,
		     uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (!page_ok(c, base + i * SZ_4K, &m[i]))
			return false;
		if (i + 1 < n &&
		    !boundary_ok(c, base + i * SZ_4K, &m[i], &m[i + 1]))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* 1. The seeds' case                                                  */

/* 100e6 bytes, in whole pages. */
#define SEED_SIZE ((100000000ull + SZ_4K - 1) & ~(SZ_4K - 1))

/* 2 MiB-aligned VA: whole blocks, then a tail of pages. */
static void seed_aligned(struct drv_env *e)
{
	const uint64_t size = SEED_SIZE;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	struct gpuvm_drv_bind_op op = { .flags = SPARSE, .size = size };
	struct gpuvm_drv_vm_stats st;
	uint64_t blocks, pages, pt0;
	uint32_t vm = e->vm;

	assert_int_equal(size, 100003840);
	blocks = size / SZ_2M;
	pages = (size % SZ_2M) / SZ_4K;
	assert_int_equal(blocks, 47);
	assert_int_equal(pages, 351);
	pt0 = frames_of(dev, GPUVM_MEM_PT);
	op.va = 2 * SZ_1G; /* the range stays inside one 1 GiB region */
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, &op, 1, NULL), 0);
	st = vstats(f, vm);
	assert_int_equal(st.mappings, 1);
	assert_int_equal(st.leaf_2m, blocks);
	assert_int_equal(st.leaf_4k, pages);
	assert_int_equal(st.leaf_1g, 0);
	/* L0 root, one L1, one L2, one L3 for the tail. */
	assert_int_equal(st.pt_pages, 4);
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT), pt0 + 3);
	/* The dummy: 2 MiB of BO frames, and nothing else. */
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), PAGES_2M);
	check_ok(f, vm);
	/* Cyclic over the whole range, first to last byte; nothing past it. */
	wr64(f, vm, op.va + 0x128, 0x1122334455667788ull);
	assert_int_equal(rd64(f, vm, op.va + 20 * SZ_2M + 0x128),
			 0x1122334455667788ull);
	assert_int_equal(rd64(f, vm, op.va + blocks * SZ_2M + 0x128),
			 0x1122334455667788ull);
	rd32(f, vm, op.va + size - 4);
	expect_fault(f, vm, GPUVM_MMU_READ, op.va + size, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, op.va + size);
	expect_fault(f, vm, GPUVM_MMU_READ, op.va - 4, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, op.va - 4);
}

/* Unaligned VA: a head of pages up to the first 2 MiB boundary. */
static void seed_unaligned(struct drv_env *e, uint32_t vm2)
{
	const uint64_t size = SEED_SIZE, va = 4 * SZ_1G + 0x5000;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	struct gpuvm_drv_bind_op op = { .flags = SPARSE, .va = va,
					.size = size };
	struct gpuvm_drv_vm_stats st;
	uint64_t head, rest, blocks, tail;

	head = (SZ_2M - (va & (SZ_2M - 1))) / SZ_4K;
	rest = size - head * SZ_4K;
	blocks = rest / SZ_2M;
	tail = (rest % SZ_2M) / SZ_4K;
	assert_int_equal(head, 507);
	assert_int_equal(head + blocks * PAGES_2M + tail, size / SZ_4K);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm2, 0, &op, 1, NULL), 0);
	st = vstats(f, vm2);
	assert_int_equal(st.mappings, 1);
	assert_int_equal(st.leaf_2m, blocks);
	assert_int_equal(st.leaf_4k, head + tail);
	assert_int_equal(st.leaf_1g, 0);
	/* L0, L1, L2, and one L3 each for head and tail. */
	assert_int_equal(st.pt_pages, 3 + (head != 0) + (tail != 0));
	assert_int_equal(st.pt_pages, 5);
	/* Same file, same dummy: no new BO frames. */
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), PAGES_2M);
	check_ok(f, vm2);
	check_ok(f, e->vm);
	/* Same dummy offset as the first range's write. */
	assert_int_equal(rd64(f, vm2, 4 * SZ_1G + 5 * SZ_2M + 0x128),
			 0x1122334455667788ull);
}

/*
 * 1 TiB from 512 GiB, one op: 2^19 blocks (counted through the shared
 * tables). Both 512 GiB slots are whole, so the root links them to the
 * file's shared level-1 table (which points at its shared level-2 table
 * of dummy blocks): no table of its own, none reserved. Panthor reserves
 * 525,314 pages for this (docs/panthor.md M3); without sharing it would
 * be one L1 per 512 GiB and one L2 per GiB, 1026.
 */
static void seed_1t_shared(struct drv_env *e)
{
	struct gpuvm_drv_file *f = e->f;
	struct gpuvm_drv_vm_stats st;
	uint32_t vm = vm_new(f);

	map_sparse(f, vm, 512 * SZ_1G, 1024 * SZ_1G);
	st = vstats(f, vm);
	assert_int_equal(st.leaf_2m, 1024 * SZ_1G / SZ_2M);
	assert_int_equal(st.leaf_4k, 0);
	assert_int_equal(st.pt_pages, 1);
	assert_int_equal(st.pt_reserved_peak, 0);
	assert_int_equal(st.shared_pt_pages, 2);
	assert_int_equal(rd64(f, vm, 1023 * SZ_1G + 1000 * SZ_2M + 0x128),
			 0x1122334455667788ull);
	check_ok(f, vm);
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm), 0);
}

/* One dummy per file, every range of it cyclic (B14). */
static void test_seed_100e6(void **state)
{
	struct drv_env *e = *state;
	uint32_t vm2 = vm_new(e->f);

	seed_aligned(e);
	seed_unaligned(e, vm2);
	seed_1t_shared(e);
}

/* NULL leaves with 1 GiB pages: a 3 GiB range is three leaves (B15). */
static void test_seed_null_1g(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	const uint64_t size = SEED_SIZE;
	struct gpuvm_drv_vm_stats st;
	uint32_t vm = e->vm;
	uint64_t pt0 = frames_used(dev);

	map_sparse(f, vm, 4 * SZ_1G, 3 * SZ_1G);
	st = vstats(f, vm);
	assert_int_equal(st.mappings, 1);
	assert_int_equal(st.leaf_1g, 3);
	assert_int_equal(st.leaf_2m, 0);
	assert_int_equal(st.leaf_4k, 0);
	assert_int_equal(st.pt_pages, 2); /* L0 root and one L1 */
	assert_int_equal(frames_used(dev), pt0 + 1);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), 0); /* no dummy */
	check_ok(f, vm);
	/* The seeds' size again, NULL: the same decomposition as the dummy. */
	map_sparse(f, vm, 8 * SZ_1G, size);
	expect_leaves(f, vm, size % SZ_2M / SZ_4K, size / SZ_2M, 3);
	assert_int_equal(vstats(f, vm).mappings, 2);
	check_ok(f, vm);
}

/* The dummy is 2 MiB: even with 1 GiB pages it maps in 2 MiB blocks. */
static void test_seed_dummy_1g(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm;

	map_sparse(f, vm, 4 * SZ_1G, 3 * SZ_1G);
	expect_leaves(f, vm, 0, 3 * SZ_1G / SZ_2M, 0);
	/* Each whole GiB links the shared L2 of 512 dummy blocks. */
	assert_int_equal(vstats(f, vm).pt_pages, 2);
	assert_int_equal(vstats(f, vm).shared_pt_pages, 2);
	check_ok(f, vm);
}

/* ------------------------------------------------------------------ */
/* 2. Dummy semantics                                                  */

/*
 * A dummy made when no 2 MiB block is free: fragmented backing, so the
 * range maps with pages; still cyclic, and check still passes.
 */
static void test_dummy_fragmented(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h, n, i;
	struct gpuvm_mem_stats ms = mstats(dev);
	uint64_t x;

	/*
	 * Every free frame in a 4 KiB BO (exactly as many as fit: past the
	 * budget, creation would evict older BOs rather than fail), then
	 * every other one freed.
	 */
	n = (uint32_t)(ms.frames_total - ms.frames_used);
	assert_true(n > 2000);
	for (i = 1; i <= n; i++) {
		assert_int_equal(gpuvm_drv_bo_create(f, SZ_4K, 0, 0, &h), 0);
		assert_int_equal(h, i);
	}
	assert_int_equal(frames_used(dev), ms.frames_total);
	for (i = 1; i <= n; i += 2)
		assert_int_equal(gpuvm_drv_bo_close(f, i), 0);
	map_sparse(f, vm, 2 * SZ_1G, 4 * SZ_1M);
	expect_leaves(f, vm, 2 * PAGES_2M, 0, 0);
	check_ok(f, vm);
	for (x = 0; x < PAGES_2M; x++)
		wr32(f, vm, 2 * SZ_1G + x * SZ_4K + 4 * (x % 1024),
		     0xf0000000u | (uint32_t)x);
	for (x = 0; x < 2 * PAGES_2M; x += 7)
		assert_int_equal(rd32(f, vm, 2 * SZ_1G + x * SZ_4K +
					 4 * (x % PAGES_2M % 1024)),
				 0xf0000000u | (uint32_t)(x % PAGES_2M));
	/* A BO page punched in the middle, and unmapped again. */
	map_bo(f, vm, 2, 0, 2 * SZ_1G + SZ_2M + 5 * SZ_4K, SZ_4K, 0);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + SZ_2M + 5 * SZ_4K), 0);
	unmap(f, vm, 2 * SZ_1G + SZ_2M + 5 * SZ_4K, SZ_4K);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + SZ_2M + 6 * SZ_4K + 24),
			 0xf0000006u);
	check_ok(f, vm);
}

struct range {
	uint32_t vm_index;   /* into the vms of the test */
	uint64_t va, size;
};

static void test_dummy_cyclic(void **state)
{
	/* Ranges at 2 MiB-aligned and unaligned starts, large and small. */
	static const struct range ranges[] = {
		{ 0, 4 * SZ_1G + 12 * 1024, 10 * SZ_1M },
		{ 0, 64 * SZ_1G, SZ_2M },
		{ 1, SZ_1G + 12 * 1024, 16 * 1024 },
		{ 1, 100 * SZ_1G, SZ_1G },
	};
	/* Dummy offsets written, and through which range. */
	static const struct { uint64_t off; unsigned int via; } wr[] = {
		{ 12 * 1024 + 0x40, 0 },
		{ 16 * 1024, 2 },
		{ 28 * 1024 - 8, 1 },
		{ SZ_1M + 8, 3 },
		{ SZ_2M - 16, 0 },
	};
	struct drv_env *e = *state;
	struct gpuvm_drv_file *a = e->f, *b = file_new(e->dev);
	uint32_t avm[2], bvm;
	unsigned int i, j;
	uint64_t x, reads = 0;

	avm[0] = e->vm;
	avm[1] = vm_new(a);
	bvm = vm_new(b);
	for (i = 0; i < 4; i++) {
		map_sparse(a, avm[ranges[i].vm_index], ranges[i].va,
			   ranges[i].size);
		/* The same ranges in the other file, in one VM. */
		map_sparse(b, bvm, ranges[i].va, ranges[i].size);
	}
	assert_int_equal(frames_of(e->dev, GPUVM_MEM_BO), 2 * PAGES_2M);

	for (j = 0; j < 5; j++) {
		const struct range *r = &ranges[wr[j].via];
		uint64_t at = (r->va & ~(SZ_2M - 1)) + wr[j].off;

		if (at < r->va)
			at += SZ_2M;
		assert_true(at + 8 <= r->va + r->size);
		wr64(a, avm[r->vm_index], at, 0xa0a0000000000000ull | j);
	}
	/* Every congruent address of every range of file a reads it back;
	 * the same addresses in file b read zero. */
	for (i = 0; i < 4; i++) {
		const struct range *r = &ranges[i];

		for (j = 0; j < 5; j++) {
			for (x = (r->va & ~(SZ_2M - 1)) + wr[j].off;
			     x + 8 <= r->va + r->size; x += SZ_2M) {
				if (x < r->va)
					continue;
				assert_int_equal(rd64(a, avm[r->vm_index], x),
						 0xa0a0000000000000ull | j);
				assert_int_equal(rd64(b, bvm, x), 0);
				reads++;
			}
		}
		/* Offsets nobody wrote. */
		assert_int_equal(rd64(a, avm[r->vm_index],
				      r->va + r->size - 8 - 0x100), 0);
	}
	assert_true(reads > 5 * 512);

	/* A write from file b stays in file b. */
	wr64(b, bvm, 64 * SZ_1G + 12 * 1024 + 0x40, 0xbbbbull);
	assert_int_equal(rd64(b, bvm, 100 * SZ_1G + 7 * SZ_2M + 12 * 1024 +
				  0x40), 0xbbbbull);
	assert_int_equal(rd64(a, avm[1], 100 * SZ_1G + 7 * SZ_2M + 12 * 1024 +
				  0x40), 0xa0a0000000000000ull);

	/* A write across a 2 MiB boundary wraps around the dummy. */
	wr32(a, avm[0], 4 * SZ_1G + SZ_2M - 2, 0xa4a3a2a1);
	assert_int_equal(rd32(a, avm[0], 64 * SZ_1G + SZ_2M - 4) >> 16, 0xa2a1);
	assert_int_equal(rd32(a, avm[1], 100 * SZ_1G + 4 * SZ_2M) & 0xffff,
			 0xa4a3);
	for (i = 0; i < 2; i++)
		check_ok(a, avm[i]);
	check_ok(b, bvm);
}

/* sparse=null: reads zero, writes dropped, no dummy (B15). */
static void test_dummy_null(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *a = e->f;
	uint32_t vm = e->vm;

	map_sparse(a, vm, 4 * SZ_1G + 12 * 1024, 10 * SZ_1M);
	assert_int_equal(frames_of(e->dev, GPUVM_MEM_BO), 0);
	assert_int_equal(rd64(a, vm, 4 * SZ_1G + 12 * 1024 + 0x40), 0);
	wr64(a, vm, 4 * SZ_1G + 12 * 1024 + 0x40, 0x0123456789abcdefull);
	assert_int_equal(rd64(a, vm, 4 * SZ_1G + 12 * 1024 + 0x40), 0);
	assert_int_equal(rd64(a, vm, 4 * SZ_1G + SZ_2M + 12 * 1024 + 0x40),
			 0);
	assert_int_equal(frames_of(e->dev, GPUVM_MEM_BO), 0);
	/* 509 head pages, 4 blocks, 3 tail pages. */
	expect_leaves(a, vm, (PAGES_2M - 3) + 3, 4, 0);
	check_ok(a, vm);
}

/* ------------------------------------------------------------------ */
/* 3. BO maps punched into a sparse range                              */

#define PUNCH_BASE (2 * SZ_1G)
#define PUNCH_SIZE (8 * SZ_1M)
#define PUNCH_PAGES (PUNCH_SIZE / SZ_4K)
/* The model covers one page either side of the range. */
#define PUNCH_MODEL (PUNCH_PAGES + 2)

/* A BO map into [PUNCH_BASE, + PUNCH_SIZE), all sparse before it. */
struct punch {
	const char *name;
	uint64_t va_off, size, bo_off;
};

static const struct punch punches[] = {
	{ "left end", 0, SZ_2M + 12 * 1024, 0 },
	{ "right end", 7 * SZ_1M - 20 * 1024, SZ_1M + 20 * 1024, 4 * 1024 },
	{ "middle, across a block edge", 3 * SZ_1M + 8 * 1024, SZ_1M,
	  8 * 1024 },
	{ "whole", 0, PUNCH_SIZE, 0 },
	{ "first page of a block", 2 * SZ_1M, 4 * 1024, 12 * 1024 },
	{ "second page of a block", 2 * SZ_1M + 4 * 1024, 4 * 1024,
	  12 * 1024 },
	{ "two pages mid-block", 3 * SZ_1M, 8 * 1024, 0 },
	{ "last page of a block", 6 * SZ_1M - 4 * 1024, 4 * 1024, 0 },
	{ "last page of the range", PUNCH_SIZE - 4 * 1024, 4 * 1024, SZ_2M },
	{ "first page of the range", 0, 4 * 1024, SZ_2M - 4 * 1024 },
	{ "aligned block", 4 * SZ_1M, SZ_2M, 2 * SZ_2M },
};

/* One BO punched into sparse ranges, and the model of the range. */
struct punch_run {
	struct gpuvm_drv_file *f;
	uint32_t h, tag;
	unsigned int b;         /* which BO, for the messages */
	struct pg *m;
	char what[128];
	struct vctx c;
};

static void punch_apply(struct pg *m, const struct punch *p, uint32_t h,
			uint32_t tag)
{
	uint64_t i, first = p->va_off / SZ_4K + 1;

	for (i = 0; i < p->size / SZ_4K; i++)
		pg_set_bo(&m[first + i], h, tag, p->bo_off + i * SZ_4K, 0);
}

static void punch_model_init(struct pg *m)
{
	uint64_t i;

	pg_set_none(&m[0]);
	for (i = 1; i <= PUNCH_PAGES; i++)
		pg_set_sparse(&m[i], F_NX);
	pg_set_none(&m[PUNCH_MODEL - 1]);
}

/* A fresh VM with the sparse range, the model to match. */
static uint32_t punch_vm(struct punch_run *r)
{
	uint32_t vm = vm_new(r->f);

	r->c.vm = vm;
	map_sparse(r->f, vm, PUNCH_BASE, PUNCH_SIZE);
	punch_model_init(r->m);
	return vm;
}

/* Maps punch p, and checks every page of the range and around it. */
static void punch_one(struct punch_run *r, uint32_t vm,
		      const struct punch *p)
{
	map_bo(r->f, vm, r->h, p->bo_off, PUNCH_BASE + p->va_off, p->size, 0);
	punch_apply(r->m, p, r->h, r->tag);
	check_ok(r->f, vm);
	assert_true(pages_ok(&r->c, PUNCH_BASE - SZ_4K, r->m, PUNCH_MODEL));
}

/* Each punch alone, in a fresh VM. */
static void punch_each(struct punch_run *r)
{
	unsigned int i;
	uint32_t vm;

	for (i = 0; i < ARRAY_SIZE(punches); i++) {
		const struct punch *p = &punches[i];

		snprintf(r->what, sizeof(r->what), "bo %u, %s", r->b, p->name);
		vm = punch_vm(r);
		expect_leaves(r->f, vm, 0, 4, 0);
		punch_one(r, vm, p);
		/* Mappings: the BO, and a sparse piece each side. */
		assert_int_equal(vstats(r->f, vm).mappings,
				 1 + (p->va_off != 0) +
				 (p->va_off + p->size != PUNCH_SIZE));
		if (r->b == 0 && i == 0)
			/* BO: 1 block + 3 pages; sparse: the other 509
			 * pages of block 1, then 2 blocks. */
			expect_leaves(r->f, vm, 3 + 509, 1 + 2, 0);
		if (r->b == 0 && i == 3)
			expect_leaves(r->f, vm, 0, 4, 0);
		assert_int_equal(gpuvm_drv_vm_destroy(r->f, vm), 0);
	}
}

/* All punches, one after the other, in one VM; then GPU writes, and
 * sparse again over a punched range. */
static void punch_all(struct punch_run *r)
{
	const uint64_t w = PUNCH_BASE + 2 * SZ_1M + 4 * 1024 + 8;
	uint32_t vm = punch_vm(r);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(punches); i++) {
		if (punches[i].size == PUNCH_SIZE)
			continue;
		snprintf(r->what, sizeof(r->what), "bo %u, cumulative %s", r->b,
			 punches[i].name);
		punch_one(r, vm, &punches[i]);
	}
	/* GPU writes through a punched page reach the BO... */
	wr32(r->f, vm, w, 0xc0ffee00 | r->b);
	assert_int_equal(bo_word(r->f, r->h, 12 * 1024 + 8), 0xc0ffee00 | r->b);
	/* ...and put back, so the model still holds. */
	wr32(r->f, vm, w, pat(r->tag, 3));
	/* Sparse again over a punched BO range: cyclic again. */
	map_sparse(r->f, vm, PUNCH_BASE + 3 * SZ_1M, 8 * 1024);
	for (i = 0; i < 2; i++)
		pg_set_sparse(&r->m[1 + 3 * SZ_1M / SZ_4K + i], F_NX);
	check_ok(r->f, vm);
	snprintf(r->what, sizeof(r->what), "bo %u, sparse back", r->b);
	assert_true(pages_ok(&r->c, PUNCH_BASE - SZ_4K, r->m, PUNCH_MODEL));
	assert_int_equal(gpuvm_drv_vm_destroy(r->f, vm), 0);
}

/*
 * Every kind of punch into a signed sparse range (B13, B14), of a
 * contiguous BO (2 MiB blocks possible) and of one in 5 pieces.
 */
static void test_bo_punch_sparse(void **state)
{
	static const uint32_t tags[2] = { 0xa, 0xb };
	struct drv_env *e = *state;
	struct punch_run r = { .f = e->f };
	uint32_t hs[2];
	unsigned int b;

	r.c = (struct vctx){ .file = e->f, .sig = true, .what = r.what };
	r.m = calloc(PUNCH_MODEL, sizeof(*r.m));
	assert_non_null(r.m);
	map_sparse(e->f, e->vm, 64 * SZ_1G, SZ_2M);
	dummy_sign(e->f, e->vm, 64 * SZ_1G);
	hs[0] = bo_new(e->f, PUNCH_PAGES, tags[0]);
	hs[1] = bo_new_chunks(e->f, PUNCH_PAGES, tags[1], 5);
	for (b = 0; b < 2; b++) {
		r.b = b;
		r.h = hs[b];
		r.tag = tags[b];
		punch_each(&r);
		punch_all(&r);
	}
	check_ok(e->f, e->vm);
	free(r.m);
}

/* ------------------------------------------------------------------ */
/* 4. Repeat mappings                                                  */

static void test_repeat(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	const uint64_t start = 2 * SZ_1G + 8 * 1024;
	struct pg m[42];
	uint32_t vm = e->vm, h = bo_new(f, 5, 0x5);
	uint32_t h2 = bo_new(f, 4, 0x6), h3;
	struct vctx c = { .file = f, .vm = vm, .what = "repeat" };
	struct gpuvm_drv_vm_stats st;
	uint64_t x, i;

	map_repeat(f, vm, h, SZ_4K, 3 * SZ_4K, start, 40 * SZ_4K);
	pg_set_none(&m[0]);
	pg_set_none(&m[41]);
	for (x = 0; x < 40; x++) {
		pg_set_bo(&m[1 + x], h, 0x5, (1 + x % 3) * SZ_4K, 0);
		/* The rule, written out: page 1 + (x mod 3) of the BO. */
		assert_int_equal(rd32(f, vm, start + x * SZ_4K + 0x10),
				 pat(0x5, 1 + x % 3));
	}
	assert_true(pages_ok(&c, start - SZ_4K, m, 42));
	assert_int_equal(vstats(f, vm).mappings, 1);
	check_ok(f, vm);

	/* A hole [7, 11) and another BO over [20, 21). */
	unmap(f, vm, start + 7 * SZ_4K, 4 * SZ_4K);
	for (x = 7; x < 11; x++)
		pg_set_none(&m[1 + x]);
	check_ok(f, vm);
	map_bo(f, vm, h2, 2 * SZ_4K, start + 20 * SZ_4K, SZ_4K, 0);
	pg_set_bo(&m[21], h2, 0x6, 2 * SZ_4K, 0);
	check_ok(f, vm);
	c.what = "repeat, split";
	assert_true(pages_ok(&c, start - SZ_4K, m, 42));
	/* [0, 7), [11, 20), [20, 21), [21, 40) */
	assert_int_equal(vstats(f, vm).mappings, 4);
	for (x = 0; x < 40; x++) {
		if (x >= 7 && x < 11)
			continue;
		assert_int_equal(rd32(f, vm, start + x * SZ_4K),
				 x == 20 ? pat(0x6, 2) : pat(0x5, 1 + x % 3));
	}
	/* Unmap the other BO again and remap the repeat over [20, 21) with
	 * the phase it needs there: bo_offset 1 page + (20 mod 3) pages as
	 * a plain map. */
	map_bo(f, vm, h, (1 + 20 % 3) * SZ_4K, start + 20 * SZ_4K, SZ_4K, 0);
	pg_set_bo(&m[21], h, 0x5, (1 + 20 % 3) * SZ_4K, 0);
	check_ok(f, vm);
	assert_true(pages_ok(&c, start - SZ_4K, m, 42));
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm), 0);

	/* 2 MiB repeat over 2 MiB-aligned VA: one block per 2 MiB. */
	vm = vm_new(f);
	c.vm = vm;
	h3 = bo_new(f, 2 * PAGES_2M, 0x7);
	map_repeat(f, vm, h3, SZ_2M, SZ_2M, 4 * SZ_1G, 8 * SZ_1M);
	st = vstats(f, vm);
	assert_int_equal(st.leaf_2m, 4);
	assert_int_equal(st.leaf_4k, 0);
	check_ok(f, vm);
	for (i = 0; i < 4 * PAGES_2M; i += 37)
		assert_int_equal(rd32(f, vm, 4 * SZ_1G + i * SZ_4K),
				 pat(0x7, PAGES_2M + i % PAGES_2M));
	/* A hole in block 2 splits only that block; the phase survives. */
	unmap(f, vm, 4 * SZ_1G + 2 * SZ_2M + 5 * SZ_4K, 2 * SZ_4K);
	expect_leaves(f, vm, PAGES_2M - 2, 3, 0);
	check_ok(f, vm);
	for (i = 0; i < 4 * PAGES_2M; i++) {
		struct pg p;

		if (i == 2 * PAGES_2M + 5 || i == 2 * PAGES_2M + 6)
			pg_set_none(&p);
		else
			pg_set_bo(&p, h3, 0x7, SZ_2M + (i % PAGES_2M) * SZ_4K,
				  0);
		assert_true(page_ok(&c, 4 * SZ_1G + i * SZ_4K, &p));
	}
}

/* ------------------------------------------------------------------ */
/* 5. Validation rules                                                 */

/* Handles in the validation file, in creation order. */
#define H_64K    1u  /* 64 KiB, shared */
#define H_EXCL   2u  /* 64 KiB, exclusive to VM 1 */
#define H_CLOSED 3u  /* closed */
#define H_NONE   4u  /* never created */

/* A bind op of VM vm that breaks rule (docs/panthor.md): err. */
struct vcase {
	const char *rule;
	const char *name;
	uint32_t vm;
	uint32_t flags;
	uint32_t handle;
	uint64_t off, va, size, repeat;
	int err;
};

#define VB (8 * SZ_1G)   /* an empty region of VM 1 */

static const struct vcase vcases[] = {
	/* B4: va and size are 4 KiB aligned (B5: bo_offset too). */
	{ "B4", "map va unaligned", 1, T_MAP, H_64K, 0, VB + 1, SZ_4K, 0,
	  -EINVAL },
	{ "B4", "map va unaligned 2K", 1, T_MAP, H_64K, 0, VB + 0x800, SZ_4K, 0,
	  -EINVAL },
	{ "B4", "sparse va unaligned", 1, SPARSE, 0, 0, VB + 0x800, SZ_4K, 0,
	  -EINVAL },
	{ "B4", "unmap va unaligned", 1, T_UNMAP, 0, 0, 2 * SZ_1G + 0x10, SZ_4K,
	  0, -EINVAL },
	{ "B4", "map size unaligned", 1, T_MAP, H_64K, 0, VB, SZ_4K + 1, 0,
	  -EINVAL },
	{ "B4", "sparse size unaligned", 1, SPARSE, 0, 0, VB, 0x1800, 0,
	  -EINVAL },
	{ "B4", "unmap size unaligned", 1, T_UNMAP, 0, 0, 2 * SZ_1G, 0x1800, 0,
	  -EINVAL },
	{ "B5", "map bo_offset unaligned", 1, T_MAP, H_64K, 0x800, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B5", "map bo_offset unaligned by 8", 1, T_MAP, H_64K, SZ_4K + 8, VB,
	  SZ_4K, 0, -EINVAL },
	/* B4: a range is not empty. */
	{ "B4", "map size 0", 1, T_MAP, H_64K, 0, VB, 0, 0, -EINVAL },
	{ "B4", "sparse size 0", 1, SPARSE, 0, 0, VB, 0, 0, -EINVAL },
	{ "B4", "unmap size 0", 1, T_UNMAP, 0, 0, 2 * SZ_1G, 0, 0, -EINVAL },
	/* B4: va + size does not overflow. */
	{ "B4", "map overflow", 1, T_MAP, H_64K, 0, 0xfffffffffffff000ull,
	  0x2000, 0, -EINVAL },
	{ "B4", "sparse overflow", 1, SPARSE, 0, 0, 0xfffffffffffff000ull,
	  0x2000, 0, -EINVAL },
	{ "B4", "unmap overflow", 1, T_UNMAP, 0, 0, 0xfffffffffffff000ull,
	  0x2000, 0, -EINVAL },
	{ "B4", "sparse huge size", 1, SPARSE, 0, 0, VB, 0xfffffffffffff000ull,
	  0, -EINVAL },
	{ "B4", "sparse at the top of u64", 1, SPARSE, 0, 0,
	  0xfffffffffffff000ull, 0x1000, 0, -EINVAL },
	/* B4, V2: the range lies in user VA, below the kernel-reserved
	 * range [2^47, 2^48) and the VA width. */
	{ "B4", "sparse across the kernel range start", 1, SPARSE, 0, 0,
	  USER_VA - SZ_4K, 2 * SZ_4K, 0, -EINVAL },
	{ "B4", "sparse in the kernel range", 1, SPARSE, 0, 0, USER_VA, SZ_4K,
	  0, -EINVAL },
	{ "B4", "map in the kernel range", 1, T_MAP, H_64K, 0, USER_VA + SZ_1G,
	  SZ_4K, 0, -EINVAL },
	{ "B4", "unmap in the kernel range", 1, T_UNMAP, 0, 0, USER_VA, SZ_4K,
	  0, -EINVAL },
	{ "B4", "unmap across the kernel range start", 1, T_UNMAP, 0, 0,
	  USER_VA - SZ_4K, 2 * SZ_4K, 0, -EINVAL },
	{ "B4", "sparse past the VA width", 1, SPARSE, 0, 0, 1ull << 48, SZ_4K,
	  0, -EINVAL },
	{ "B4", "sparse over all of user VA and more", 1, SPARSE, 0, 0, 0,
	  USER_VA + SZ_4K, 0, -EINVAL },
	/* B5: bo_offset + size fits in the BO. */
	{ "B5", "map past the BO end", 1, T_MAP, H_64K, 0, VB, 68 * 1024, 0,
	  -EINVAL },
	{ "B5", "map offset + size past the BO end", 1, T_MAP, H_64K, SZ_4K, VB,
	  64 * 1024, 0, -EINVAL },
	{ "B5", "map at the BO end", 1, T_MAP, H_64K, 64 * 1024, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B5", "map last page + 1", 1, T_MAP, H_64K, 60 * 1024, VB, 2 * SZ_4K,
	  0, -EINVAL },
	{ "B5", "map offset overflow", 1, T_MAP, H_64K, 0xfffffffffffff000ull,
	  VB, 2 * SZ_4K, 0, -EINVAL },
	/* V9, B5: the repeated region [bo_offset, + repeat) is 4 KiB
	 * aligned and fits in the BO. */
	{ "V9", "repeat unaligned", 1, T_MAP, H_64K, 0, VB, 64 * SZ_4K,
	  6 * 1024, -EINVAL },
	{ "V9", "repeat unaligned small", 1, T_MAP, H_64K, 0, VB, 64 * SZ_4K,
	  0x800, -EINVAL },
	{ "V9", "repeat past the BO end", 1, T_MAP, H_64K, 60 * 1024, VB,
	  64 * SZ_4K, 2 * SZ_4K, -EINVAL },
	{ "V9", "repeat larger than the BO", 1, T_MAP, H_64K, 0, VB, 64 * SZ_4K,
	  68 * 1024, -EINVAL },
	{ "V9", "repeat offset overflow", 1, T_MAP, H_64K,
	  0xfffffffffffff000ull, VB, 64 * SZ_4K, SZ_4K, -EINVAL },
	{ "V9", "repeat with unaligned bo_offset", 1, T_MAP, H_64K, 0x10, VB,
	  64 * SZ_4K, SZ_4K, -EINVAL },
	/* B5: a BO exclusive to one VM maps in no other. */
	{ "B5", "exclusive BO in another VM", 2, T_MAP, H_EXCL, 0, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B5", "exclusive BO repeat in another VM", 2, T_MAP, H_EXCL, 0, VB,
	  4 * SZ_4K, SZ_4K, -EINVAL },
	/* B6: MAP_SPARSE only with MAP and NOEXEC, no BO, offset or
	 * repeat. */
	{ "B6", "sparse with a BO", 1, SPARSE, H_64K, 0, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B6", "sparse with bo_offset", 1, SPARSE, 0, SZ_4K, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B6", "sparse without NOEXEC", 1, T_MAP | F_SPARSE, 0, 0, VB, SZ_4K,
	  0, -EINVAL },
	{ "B6", "sparse readonly without NOEXEC", 1, T_MAP | F_SPARSE | F_RO, 0,
	  0, VB, SZ_4K, 0, -EINVAL },
	{ "B6", "sparse with repeat", 1, SPARSE, 0, 0, VB, SZ_4K, SZ_4K,
	  -EINVAL },
	{ "B6", "sparse flag on unmap", 1, T_UNMAP | SPARSE, 0, 0, 2 * SZ_1G,
	  SZ_4K, 0, -EINVAL },
	/* B7: UNMAP carries no map flags, BO, offset or repeat. */
	{ "B7", "unmap with a BO", 1, T_UNMAP, H_64K, 0, 2 * SZ_1G, SZ_4K, 0,
	  -EINVAL },
	{ "B7", "unmap with bo_offset", 1, T_UNMAP, 0, SZ_4K, 2 * SZ_1G, SZ_4K,
	  0, -EINVAL },
	{ "B7", "unmap readonly", 1, T_UNMAP | F_RO, 0, 0, 2 * SZ_1G, SZ_4K, 0,
	  -EINVAL },
	{ "B7", "unmap noexec", 1, T_UNMAP | F_NX, 0, 0, 2 * SZ_1G, SZ_4K, 0,
	  -EINVAL },
	{ "B7", "unmap uncached", 1, T_UNMAP | F_UC, 0, 0, 2 * SZ_1G, SZ_4K, 0,
	  -EINVAL },
	{ "B7", "unmap with repeat", 1, T_UNMAP, 0, 0, 2 * SZ_1G, SZ_4K, SZ_4K,
	  -EINVAL },
	/* B7: SYNC_ONLY carries nothing at all. */
	{ "B7", "sync with va", 1, T_SYNC, 0, 0, 2 * SZ_1G, 0, 0, -EINVAL },
	{ "B7", "sync with size", 1, T_SYNC, 0, 0, 0, SZ_4K, 0, -EINVAL },
	{ "B7", "sync with va and size", 1, T_SYNC, 0, 0, 2 * SZ_1G, SZ_4K, 0,
	  -EINVAL },
	{ "B7", "sync with a BO", 1, T_SYNC, H_64K, 0, 0, 0, 0, -EINVAL },
	{ "B7", "sync with bo_offset", 1, T_SYNC, 0, SZ_4K, 0, 0, 0, -EINVAL },
	{ "B7", "sync with noexec", 1, T_SYNC | F_NX, 0, 0, 0, 0, 0, -EINVAL },
	{ "B7", "sync with sparse", 1, T_SYNC | F_SPARSE, 0, 0, 0, 0, 0,
	  -EINVAL },
	{ "B7", "sync with repeat", 1, T_SYNC, 0, 0, 0, 0, SZ_4K, -EINVAL },
	/* B2: unknown map flag bits; B1: undefined op types. */
	{ "B2", "map flag 1<<4", 1, T_MAP | (1u << 4), H_64K, 0, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B2", "map flag 1<<27", 1, T_MAP | (1u << 27), H_64K, 0, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B2", "sparse flag 1<<4", 1, SPARSE | (1u << 4), 0, 0, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B2", "unmap flag 1<<27", 1, T_UNMAP | (1u << 27), 0, 0, 2 * SZ_1G,
	  SZ_4K, 0, -EINVAL },
	{ "B2", "sync flag 1<<12", 1, T_SYNC | (1u << 12), 0, 0, 0, 0, 0,
	  -EINVAL },
	{ "B1", "type 3", 1, 3u << 28, H_64K, 0, VB, SZ_4K, 0, -EINVAL },
	{ "B1", "type 3 without fields", 1, 3u << 28, 0, 0, 0, 0, 0, -EINVAL },
	{ "B1", "type 15", 1, 0xfu << 28, 0, 0, VB, SZ_4K, 0, -EINVAL },
	/* B5: the handle names an open BO of the file. */
	{ "B5", "map handle 0", 1, T_MAP, 0, 0, VB, SZ_4K, 0, -EINVAL },
	{ "B5", "map handle never created", 1, T_MAP, H_NONE, 0, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B5", "map closed handle", 1, T_MAP, H_CLOSED, 0, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B5", "map handle ~0", 1, T_MAP, 0xffffffffu, 0, VB, SZ_4K, 0,
	  -EINVAL },
	{ "B5", "repeat closed handle", 1, T_MAP, H_CLOSED, 0, VB, SZ_4K, SZ_4K,
	  -EINVAL },
};

/* ------------------------------------------------------------------ */
/* The dump's text                                                     */

/* What gpuvm_drv_vm_dump_named() writes, as a string; free() it. */
static char *dump_named_of(struct gpuvm_drv_file *f, uint32_t vm,
			   gpuvm_drv_bo_name_fn name, void *cookie)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	assert_non_null(mf);
	assert_int_equal(gpuvm_drv_vm_dump_named(f, vm, mf, name, cookie), 0);
	assert_int_equal(fclose(mf), 0);
	assert_non_null(buf);
	return buf;
}

static void name_handle(void *cookie, uint32_t handle, FILE *f)
{
	unsigned int *calls = cookie;

	(*calls)++;
	fprintf(f, "B%u(%u)", handle + 10, handle);
}

static void expect_text(char *got, const char *want)
{
	if (strcmp(got, want))
		print_message("got:\n%swanted:\n%s", got, want);
	assert_string_equal(got, want);
	free(got);
}

/*
 * The dump names BOs by handle ("closed" once closed), sparse ranges by
 * what backs them, marks evicted mappings, and never prints a host
 * address: the whole text is compared. The VA layer keys mappings by the
 * host address of their struct drv_bo; none of it may leak.
 */
static void test_dump_text(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h1, h2;
	unsigned int calls = 0;
	FILE *null_f;

	h1 = bo_new(f, 2, 1);
	h2 = bo_new(f, 3, 2);
	map_bo(f, vm, h1, SZ_4K, SZ_1G, SZ_4K, F_RO);
	map_repeat(f, vm, h2, 0, 2 * SZ_4K, 2 * SZ_1G, 5 * SZ_4K);
	map_sparse(f, vm, 3 * SZ_1G, SZ_2M + SZ_4K);
	check_ok(f, vm);
	expect_text(dump_of(f, vm),
		"VM 1: user VA [0, 0x800000000000)\n"
		"va space [0x0, 0x1000000000000), 3 mappings\n"
		"  [0x40000000, 0x40001000) bo=1 offset=0x1000 flags=0x1\n"
		"  [0x80000000, 0x80005000) bo=2 offset=0x0 repeat=0x2000 phase=0x0 flags=0x0\n"
		"  [0xc0000000, 0xc0201000) sparse=dummy flags=0x2\n"
		"page tables: 48-bit VA, start level 0, 8 table pages\n"
		"  [0x40000000, 0x40001000) -> 0x3000 L3 ro\n"
		"  [0x80000000, 0x80002000) -> 0x4000 L3\n"
		"  [0x80002000, 0x80004000) -> 0x4000 L3\n"
		"  [0x80004000, 0x80005000) -> 0x4000 L3\n"
		"  [0xc0000000, 0xc0200000) -> 0x200000 L2 xn\n"
		"  [0xc0200000, 0xc0201000) -> 0x200000 L3 xn\n");

	/* A closed handle, an evicted BO, a name for the open ones. */
	assert_int_equal(gpuvm_drv_bo_close(f, h1), 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, h2), 0);
	check_ok(f, vm);
	expect_text(dump_named_of(f, vm, name_handle, &calls),
		"VM 1: user VA [0, 0x800000000000)\n"
		"va space [0x0, 0x1000000000000), 3 mappings\n"
		"  [0x40000000, 0x40001000) bo=closed offset=0x1000 flags=0x1\n"
		"  [0x80000000, 0x80005000) bo=B12(2) offset=0x0 repeat=0x2000 phase=0x0 flags=0x0 evicted\n"
		"  [0xc0000000, 0xc0201000) sparse=dummy flags=0x2\n"
		"page tables: 48-bit VA, start level 0, 6 table pages\n"
		"  [0x40000000, 0x40001000) -> 0x3000 L3 ro\n"
		"  [0xc0000000, 0xc0200000) -> 0x200000 L2 xn\n"
		"  [0xc0200000, 0xc0201000) -> 0x200000 L3 xn\n");
	assert_int_equal(calls, 1);

	/* A bad VM id writes nothing. */
	null_f = tmpfile();
	assert_non_null(null_f);
	assert_int_equal(gpuvm_drv_vm_dump(f, vm + 1, null_f), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_dump_named(f, 0, null_f, name_handle,
						 &calls), -EINVAL);
	assert_int_equal(ftell(null_f), 0);
	fclose(null_f);
	assert_int_equal(calls, 1);
}

/* NULL sparse ranges say so. */
static void test_dump_text_null(void **state)
{
	struct drv_env *e = *state;
	char *d;

	map_sparse(e->f, e->vm, SZ_1G, SZ_2M);
	d = dump_of(e->f, e->vm);
	assert_non_null(strstr(d, "\n  [0x40000000, 0x40200000) sparse=null flags=0x2\npage tables:"));
	free(d);
}

/* Bad VM ids: every call on the VM fails, -EINVAL, before any op. */
static void expect_bad_vm(struct gpuvm_drv_file *f, uint32_t vm)
{
	struct gpuvm_drv_bind_op op = { .flags = SPARSE, .va = VB,
					.size = SZ_4K };
	struct gpuvm_drv_vm_stats st;
	struct gpuvm_drv_lookup l;
	struct gpuvm_mmu_fault fault;
	enum gpuvm_drv_vm_state state;
	uint32_t v;

	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, &op, 1, NULL), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_stats(f, vm, &st), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_lookup(f, vm, VB, &l), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_check(f, vm, NULL), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_get_state(f, vm, &state), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm), -EINVAL);
	assert_int_equal(gpuvm_drv_gpu_access(f, vm, GPUVM_MMU_READ, VB, &v,
					      4, &fault), -EINVAL);
	assert_null(gpuvm_drv_vm_as(f, vm));
}

/*
 * A device over the caller's RAM (cfg.ram_buffer): BO contents live in
 * the caller's bytes at the BO's physical addresses, GPU writes land
 * there, a BO handed out reads zero whatever the caller left, and an
 * eviction and restore round trip keeps the data. The buffer is the
 * caller's after the device is gone.
 */
static void test_caller_ram(void **state)
{
	const uint64_t ram = 64 * SZ_1M;
	uint8_t *buf = aligned_alloc(SZ_4K, ram);
	struct gpuvm_drv_device_cfg cfg = { .ram = ram, .ram_buffer = buf };
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	struct gpuvm_drv_bind_op op;
	struct gpuvm_mem_run run;
	uint32_t vm, h = 0, v = 0x600df00d, w = 0;
	unsigned int n = 0;

	(void)state;
	assert_non_null(buf);
	memset(buf, 0xee, ram);
	cfg.ram = 0;
	assert_int_equal(gpuvm_drv_device_create(&cfg, &dev), -EINVAL);
	cfg.ram = ram;
	cfg.shared_ram = true;
	assert_int_equal(gpuvm_drv_device_create(&cfg, &dev), -EINVAL);
	cfg.shared_ram = false;
	assert_int_equal(gpuvm_drv_device_create(&cfg, &dev), 0);
	assert_int_equal(gpuvm_drv_file_open(dev, &f), 0);
	assert_int_equal(gpuvm_drv_vm_create(f, 0, &vm), 0);
	assert_int_equal(gpuvm_drv_bo_create(f, 2 * SZ_4K, 0, 0, &h), 0);
	op = op_map(h, 0, VB, 2 * SZ_4K);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, &op, 1, NULL), 0);
	assert_int_equal(gpuvm_drv_bo_read(f, h, SZ_4K + 12, &w, 4), 0);
	assert_int_equal(w, 0);
	assert_int_equal(gpuvm_drv_gpu_access(f, vm, GPUVM_MMU_WRITE,
					      VB + SZ_4K + 12, &v, 4, NULL), 0);
	assert_int_equal(gpuvm_drv_bo_runs(f, h, &run, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(buf + run.pa + SZ_4K + 12, &v, 4);

	/* Evicted and brought back: the same bytes, maybe elsewhere. */
	assert_int_equal(gpuvm_drv_bo_evict(f, h), 0);
	assert_int_equal(gpuvm_drv_vm_validate(f, vm), 0);
	w = 0;
	assert_int_equal(gpuvm_drv_gpu_access(f, vm, GPUVM_MMU_READ,
					      VB + SZ_4K + 12, &w, 4, NULL), 0);
	assert_int_equal(w, v);
	assert_int_equal(gpuvm_drv_bo_runs(f, h, &run, 1, &n), 0);
	assert_memory_equal(buf + run.pa + SZ_4K + 12, &v, 4);
	gpuvm_drv_device_destroy(dev);
	buf[0] = 1;                     /* still the caller's */
	free(buf);
}

/*
 * gpuvm_drv_vm_as: the VM's own address space, one per VM, the same
 * through binds; what it reads and where host pointers point is what the
 * driver's accesses see; gone with the VM.
 */
static void test_vm_as(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm2 = vm_new(f), h = bo_new(f, 2, 7), v = 0, w = 0;
	struct gpuvm_drv_bind_op op = op_map(h, 0, VB, 2 * SZ_4K);
	struct gpuvm_mmu_as *as = gpuvm_drv_vm_as(f, e->vm);
	struct gpuvm_mmu_hptr hp;
	uint32_t *p;

	assert_non_null(as);
	assert_non_null(gpuvm_drv_vm_as(f, vm2));
	assert_ptr_not_equal(as, gpuvm_drv_vm_as(f, vm2));
	assert_int_equal(gpuvm_drv_vm_bind(f, e->vm, 0, &op, 1, NULL), 0);
	assert_ptr_equal(gpuvm_drv_vm_as(f, e->vm), as);
	assert_int_equal(gpuvm_mmu_read(as, VB + SZ_4K + 8, &v, 4, NULL), 0);
	assert_int_equal(v, pat(7, 1));
	assert_int_equal(gpuvm_drv_gpu_access(f, e->vm, GPUVM_MMU_READ,
					      VB + SZ_4K + 8, &w, 4, NULL), 0);
	assert_int_equal(w, v);
	/* A store through a host pointer is the BO's, and is seen. */
	assert_int_equal(gpuvm_mmu_hptr_get(as, VB + 12, GPUVM_MMU_WRITE, &hp,
					    NULL), 0);
	p = gpuvm_mmu_hptr_at(&hp, VB + 12, 4);
	assert_non_null(p);
	*p = 0xfeedbeef;
	assert_int_equal(bo_word(f, h, 12), 0xfeedbeef);
	/* An unbind moves the generation: the pointer is not used again. */
	op = op_unmap(VB, SZ_4K);
	assert_int_equal(gpuvm_drv_vm_bind(f, e->vm, 0, &op, 1, NULL), 0);
	assert_null(gpuvm_mmu_hptr_at(&hp, VB + 12, 4));
	assert_int_equal(gpuvm_mmu_read(as, VB, &v, 4, NULL), -EFAULT);
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm2), 0);
	assert_null(gpuvm_drv_vm_as(f, vm2));
}

/*
 * The validation file: VM 1 (the env's) and VM 2 with BO, repeat and
 * sparse mappings and warm TLBs, for failed ops not to disturb, and the
 * BOs the handles H_* name. Returns VM 2.
 */
static uint32_t vfile_make(struct drv_env *e)
{
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm1 = e->vm, vm2 = vm_new(f);

	assert_int_equal(vm1, 1);
	assert_int_equal(vm2, 2);
	assert_int_equal(bo_new(f, 16, 0x1), H_64K);
	assert_int_equal(bo_new_excl(f, 16, 0x2, vm1), H_EXCL);
	assert_int_equal(bo_new(f, 16, 0x3), H_CLOSED);
	assert_int_equal(gpuvm_drv_bo_close(f, H_CLOSED), 0);
	map_sparse(f, vm1, 2 * SZ_1G, 4 * SZ_1M);
	map_bo(f, vm1, H_64K, 0, 3 * SZ_1G, 64 * 1024, 0);
	map_repeat(f, vm2, H_64K, 0, 2 * SZ_4K, 2 * SZ_1G, 16 * SZ_4K);
	map_sparse(f, vm2, 3 * SZ_1G, SZ_2M);
	rd32(f, vm1, 2 * SZ_1G);
	rd32(f, vm1, 3 * SZ_1G);
	rd32(f, vm2, 2 * SZ_1G);
	check_ok(f, vm1);
	check_ok(f, vm2);
	return vm2;
}

/* Each row of vcases: its errno, op 0 failed, neither VM touched. */
static void test_bind_rules(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm1 = e->vm, vm2 = vfile_make(e), failed;
	struct gpuvm_drv_bind_op op;
	struct snap s1, s2;
	char what[96];
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vcases); i++) {
		const struct vcase *c = &vcases[i];

		snprintf(what, sizeof(what), "%s, %s", c->rule, c->name);
		snap_take(e->dev, f, vm1, &s1);
		snap_take(e->dev, f, vm2, &s2);
		op = (struct gpuvm_drv_bind_op){
			.flags = c->flags, .bo_handle = c->handle,
			.bo_offset = c->off, .va = c->va, .size = c->size,
			.repeat = c->repeat,
		};
		failed = 0xdead;
		ret = gpuvm_drv_vm_bind(f, c->vm, 0, &op, 1, &failed);
		if (ret != c->err || failed != 0)
			fail_msg("%s: bind = %d, failed = %u; want %d, 0",
				 what, ret, failed, c->err);
		snap_expect_same(e->dev, f, vm1, &s1, what);
		snap_expect_same(e->dev, f, vm2, &s2, what);
		snap_free(&s1);
		snap_free(&s2);
	}
}

/* A VM id that names no VM of the file: every call refuses it. */
static void test_bad_vm_ids(void **state)
{
	struct drv_env *e = *state;

	vfile_make(e);
	expect_bad_vm(e->f, 0);
	expect_bad_vm(e->f, 3);
	expect_bad_vm(e->f, GPUVM_DRV_MAX_VMS_PER_FILE + 1);
	expect_bad_vm(e->f, 0xffffffffu);
}

/*
 * B3: unknown VM_BIND flags and a NULL ops array are -EINVAL; an empty
 * batch, a SYNC_ONLY op and unmapping nothing (V6) are 0; none of them
 * changes anything.
 */
static void test_bind_call_rules(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	struct gpuvm_drv_bind_op op = op_sparse(VB, SZ_4K);
	uint32_t vm1 = e->vm;
	struct snap s1;

	vfile_make(e);
	snap_take(e->dev, f, vm1, &s1);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm1, 1u << 1, &op, 1, NULL),
			 -EINVAL);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm1, 1u << 31, &op, 1, NULL),
			 -EINVAL);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm1, 0, NULL, 1, NULL), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm1, 0, NULL, 0, NULL), 0);
	assert_int_equal(bind(f, vm1, T_SYNC, 0, 0, 0, 0, 0), 0);
	assert_int_equal(bind(f, vm1, T_UNMAP, 0, 0, VB, 64 * SZ_1M, 0), 0);
	snap_expect_same(e->dev, f, vm1, &s1, "bad flags, empty, sync, unmap "
			 "nothing");
	snap_free(&s1);
}

/* The boundary cases that are legal. */
static void test_bind_legal_edges(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm1 = e->vm, vm2 = vfile_make(e);
	uint64_t x;

	/* B4: the last user page. */
	map_sparse(f, vm1, USER_VA - SZ_4K, SZ_4K);
	assert_int_equal(kind_at(f, vm1, USER_VA - SZ_4K), GPUVM_DRV_SPARSE);
	/* B5: the last BO page; an exclusive BO in its own VM. */
	map_bo(f, vm1, H_64K, 60 * 1024, VB, SZ_4K, 0);
	assert_int_equal(rd32(f, vm1, VB), pat(0x1, 15));
	map_bo(f, vm1, H_EXCL, 0, VB + SZ_4K, 64 * 1024, 0);
	assert_int_equal(rd32(f, vm1, VB + 2 * SZ_4K), pat(0x2, 1));
	/* V9: a repeat region that fits, over a range larger than the BO. */
	map_repeat(f, vm1, H_64K, 56 * 1024, 2 * SZ_4K, VB + SZ_1M, SZ_1M);
	assert_int_equal(rd32(f, vm1, VB + 2 * SZ_1M - SZ_4K), pat(0x1, 15));
	/* repeat = 0 is a plain map: linear offsets. */
	map_repeat(f, vm1, H_64K, SZ_4K, 0, VB + 4 * SZ_1M, 8 * SZ_4K);
	for (x = 0; x < 8; x++)
		expect_bo(f, vm1, VB + 4 * SZ_1M + x * SZ_4K, H_64K, 0x1,
			  (1 + x) * SZ_4K);
	/* B6: sparse may be read-only or uncached too. */
	assert_int_equal(bind(f, vm1, SPARSE | F_RO | F_UC, 0, 0,
			      VB + 8 * SZ_1M, SZ_4K, 0), 0);
	check_ok(f, vm1);
	check_ok(f, vm2);
	assert_int_equal(vm_state(f, vm1), GPUVM_DRV_VM_USABLE);
}

/* BO creation and close: sizes, the exclusive VM, handles. */
static void test_bo_create_rules(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t h;

	vfile_make(e);
	assert_int_equal(gpuvm_drv_bo_create(f, 0, 0, 0, &h), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_create(f, SZ_4K + 1, 0, 0, &h),
			 -EINVAL);
	assert_int_equal(gpuvm_drv_bo_create(f, SZ_4K, 9, 0, &h), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_close(f, H_CLOSED), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_close(f, 0), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_close(f, 100), -EINVAL);
}

/* B12: VM ids, and the limit of 32 per file. */
static void test_vm_limit(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *g = file_new(e->dev);
	uint32_t ids[GPUVM_DRV_MAX_VMS_PER_FILE], id;
	unsigned int i;

	vfile_make(e);
	for (i = 0; i < GPUVM_DRV_MAX_VMS_PER_FILE; i++) {
		ids[i] = vm_new(g);
		assert_int_equal(ids[i], i + 1);
	}
	assert_int_equal(gpuvm_drv_vm_create(g, 0, &id), -EBUSY);
	assert_int_equal(gpuvm_drv_vm_destroy(g, 7), 0);
	assert_int_equal(gpuvm_drv_vm_destroy(g, 7), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_create(g, 0, &id), 0);
	assert_int_equal(id, 7);
	assert_int_equal(gpuvm_drv_vm_create(g, 0, &id), -EBUSY);
	/* The other file is not affected by this one's count. */
	assert_int_equal(gpuvm_drv_vm_create(e->f, 0, &id), 0);
	assert_int_equal(id, 3);
	gpuvm_drv_file_close(g);
}

/*
 * B5: a BO exclusive to a destroyed VM is not mappable in the VM that
 * reuses its id. user_va = 2^48: no reserved range.
 */
static void test_vm_id_reuse(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *g = file_new(e->dev);
	uint32_t id, h;

	vfile_make(e);
	id = vm_new(g);
	h = bo_new_excl(g, 4, 0x4, id);
	map_bo(g, id, h, 0, VB, 4 * SZ_4K, 0);
	assert_int_equal(gpuvm_drv_vm_destroy(g, id), 0);
	assert_int_equal(vm_new(g), id);
	assert_int_equal(bind(g, id, T_MAP, h, 0, VB, SZ_4K, 0), -EINVAL);
	check_ok(g, id);
	assert_int_equal(gpuvm_drv_vm_create(g, 1ull << 48, &id), 0);
	map_sparse(g, id, (1ull << 48) - SZ_2M, SZ_2M);
	assert_int_equal(bind(g, id, SPARSE, 0, 0, (1ull << 48) - SZ_2M,
			      SZ_2M + SZ_4K, 0), -EINVAL);
	assert_int_equal(rd32(g, id, (1ull << 48) - 4), 0);
	check_ok(g, id);
	gpuvm_drv_file_close(g);
}

/*
 * user_va rules, and a smaller user VA's reserved range (B4). A file
 * that never mapped sparse has no dummy, and a failed sparse map does
 * not make one (B14).
 */
static void test_user_va_rules(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *g = file_new(dev);
	struct snap s1;
	uint32_t id;

	vfile_make(e);
	assert_int_equal(gpuvm_drv_vm_create(g, SZ_4K + 1, &id), -EINVAL);
	assert_int_equal(gpuvm_drv_vm_create(g, (1ull << 48) + SZ_4K, &id),
			 -EINVAL);
	assert_int_equal(gpuvm_drv_vm_create(g, SZ_1G, &id), 0);
	assert_int_equal(id, 1);
	snap_take(dev, g, id, &s1);
	assert_int_equal(bind(g, id, SPARSE, 0, 0, SZ_1G, SZ_4K, 0), -EINVAL);
	assert_int_equal(bind(g, id, SPARSE, 0, 0, SZ_1G - SZ_4K, 2 * SZ_4K,
			      0), -EINVAL);
	assert_int_equal(bind(g, id, T_MAP | F_SPARSE, 0, 0, 0, SZ_4K, 0),
			 -EINVAL);
	snap_expect_same(dev, g, id, &s1, "failed sparse on a fresh file");
	snap_free(&s1);
	map_sparse(g, id, SZ_1G - SZ_4K, SZ_4K);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), 2 * 16 + PAGES_2M +
			 PAGES_2M);
	check_ok(g, id);
	gpuvm_drv_file_close(g);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), 2 * 16 + PAGES_2M);
}

/*
 * ASYNC (drv.h): every op is checked and its tables reserved at once, so
 * an invalid op fails the call with *failed set and nothing queued, not
 * even the valid ops before it; valid ops queue jobs that change nothing
 * until the queues run. Sync points need ASYNC.
 */
static void test_async_validation(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h = bo_new(f, 16, 0x1), failed, jobs;
	struct gpuvm_drv_sync sig = { .flags = GPUVM_DRV_SYNC_SIGNAL,
				      .timeline = 1, .point = 1 };
	struct gpuvm_drv_bind_op ops[3];
	struct gpuvm_drv_lookup l;
	struct snap s;
	unsigned int i;

	map_sparse(f, vm, 2 * SZ_1G, SZ_2M);
	snap_take(dev, f, vm, &s);
	/* A sync point without ASYNC. */
	ops[0] = (struct gpuvm_drv_bind_op){ .flags = SPARSE, .va = VB,
					     .size = SZ_4K, .syncs = &sig,
					     .n_syncs = 1 };
	assert_int_equal(sbind(f, vm, ops[0]), -EINVAL);
	/* Every invalid case of the table, as the 2nd op of an async
	 * batch: the same errno, at index 1, nothing queued. */
	ops[0] = (struct gpuvm_drv_bind_op){ .flags = SPARSE, .va = VB,
					     .size = SZ_4K };
	ops[2] = ops[0];
	ops[2].va = VB + SZ_2M;
	for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		const struct vcase *c = &vcases[i];

		if (c->vm != 1 || c->handle != 0)
			continue; /* handles of another file's numbering */
		ops[1] = (struct gpuvm_drv_bind_op){
			.flags = c->flags, .bo_offset = c->off, .va = c->va,
			.size = c->size, .repeat = c->repeat };
		failed = 0xdead;
		if (gpuvm_drv_vm_bind(f, vm, GPUVM_DRV_BIND_ASYNC, ops, 3,
				      &failed) != c->err || failed != 1)
			fail_msg("async %s: failed = %u", c->name, failed);
		assert_int_equal(gpuvm_drv_vm_queued(f, vm, &jobs), 0);
		assert_int_equal(jobs, 0);
		/* The valid ops' tables were reserved, then returned: only
		 * the high-water mark remembers them. */
		snap_expect_same_but_peak(dev, f, vm, &s, c->name);
	}
	snap_free(&s);
	/* Valid: queued, applied only when run. */
	ops[1] = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = h,
					     .va = VB + SZ_1M,
					     .size = 16 * SZ_4K };
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, GPUVM_DRV_BIND_ASYNC, ops, 3,
					   &failed), 0);
	assert_int_equal(gpuvm_drv_vm_queued(f, vm, &jobs), 0);
	assert_int_equal(jobs, 3);
	assert_int_equal(gpuvm_drv_vm_lookup(f, vm, VB + SZ_1M, &l), 0);
	assert_int_equal(l.kind, GPUVM_DRV_NONE);
	assert_int_equal(gpuvm_drv_run(dev, &jobs), 0);
	assert_int_equal(jobs, 3);
	assert_int_equal(rd32(f, vm, VB + SZ_1M + 5 * SZ_4K), pat(0x1, 5));
	assert_int_equal(gpuvm_drv_vm_lookup(f, vm, VB + SZ_2M, &l), 0);
	assert_int_equal(l.kind, GPUVM_DRV_SPARSE);
	assert_int_equal(vstats(f, vm).mappings, 4);
	check_ok(f, vm);
}

/* ------------------------------------------------------------------ */
/* 6. Batches                                                          */

/*
 * B8: a synchronous batch runs op by op; at the first failure it stops,
 * reports the op's index, and the ops before it stay applied. The phases
 * below run in one VM, each on what the one before left.
 */

/* An op given by its fields, for the ops the builders do not make. */
#define OPF(fl, va_, sz) \
	((struct gpuvm_drv_bind_op){ .flags = (fl), .va = (va_), .size = (sz) })

/* Op 0 maps sparse, op 1 overruns the BO, op 2 would unmap op 0. */
static void batch_fails_at_op1(struct drv_env *e, uint32_t ref, uint32_t h)
{
	struct gpuvm_drv_file *f = e->f;
	const struct gpuvm_drv_bind_op ops[3] = {
		op_sparse(2 * SZ_1G, 4 * SZ_1M),
		op_map(h, 0, 2 * SZ_1G + SZ_1M, 32 * SZ_4K),
		op_unmap(2 * SZ_1G, 4 * SZ_1M),
	};
	struct gpuvm_drv_vm_stats a, b;
	uint32_t vm = e->vm, failed = 0xdead;

	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, ops, 3, &failed), -EINVAL);
	assert_int_equal(failed, 1);
	check_ok(f, vm);
	/* Op 0 applied, op 1 left nothing, op 2 did not run. */
	assert_int_equal(kind_at(f, vm, 2 * SZ_1G + SZ_1M), GPUVM_DRV_SPARSE);
	assert_int_equal(kind_at(f, vm, 2 * SZ_1G + 4 * SZ_1M - SZ_4K),
			 GPUVM_DRV_SPARSE);
	rd32(f, vm, 2 * SZ_1G + SZ_1M);
	/* Exactly what op 0 alone gives in another VM. */
	assert_int_equal(sbind(f, ref, ops[0]), 0);
	rd32(f, ref, 2 * SZ_1G + SZ_1M);
	a = vstats(f, vm);
	b = vstats(f, ref);
	assert_int_equal(a.mappings, 1);
	assert_int_equal(a.leaf_2m, 2);
	expect_same_shape(&a, &b);
	assert_int_equal(a.pte_writes, b.pte_writes);
	assert_int_equal(a.tlb_invalidations, b.tlb_invalidations);
	expect_dumps_match(f, vm, f, ref);
}

/* The first op failing: nothing applied, failed = 0. */
static void batch_fails_at_op0(struct drv_env *e)
{
	const struct gpuvm_drv_bind_op ops[2] = {
		OPF(T_UNMAP | F_RO, 2 * SZ_1G, SZ_4K),
		op_unmap(2 * SZ_1G, SZ_4K),
	};
	uint32_t failed = 0xdead;
	struct snap s;

	snap_take(e->dev, e->f, e->vm, &s);
	assert_int_equal(gpuvm_drv_vm_bind(e->f, e->vm, 0, ops, 2, &failed),
			 -EINVAL);
	assert_int_equal(failed, 0);
	snap_expect_same(e->dev, e->f, e->vm, &s, "batch failing at op 0");
	snap_free(&s);
}

/* The last of four failing: three applied, in order. */
static void batch_fails_at_op3(struct drv_env *e, uint32_t h)
{
	struct gpuvm_drv_file *f = e->f;
	struct gpuvm_drv_bind_op ops[4] = {
		op_sync(),
		op_map(h, SZ_4K, 2 * SZ_1G + SZ_1M, 2 * SZ_4K),
		op_unmap(2 * SZ_1G + SZ_1M + SZ_4K, SZ_4K),
		op_map(h, 0, 2 * SZ_1G + SZ_1M, 32 * SZ_4K),
	};
	uint32_t vm = e->vm, failed = 0xdead;

	ops[3].flags |= 1u << 4;
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, ops, 4, &failed), -EINVAL);
	assert_int_equal(failed, 3);
	check_ok(f, vm);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + SZ_1M), pat(0x1, 1));
	expect_gone(f, vm, 2 * SZ_1G + SZ_1M + SZ_4K);
	assert_int_equal(vstats(f, vm).mappings, 3);
}

/*
 * Op 1 failing for memory: op 0 (an unmap of pages in an existing page
 * table, which needs no allocation) stays, op 1 (a map in a fresh 1 GiB
 * region, which needs tables) fails with -ENOMEM on the first
 * allocation, op 2 does not run.
 */
static void batch_enomem_at_op1(struct drv_env *e)
{
	struct gpuvm_mem *mem = gpuvm_drv_device_mem(e->dev);
	struct gpuvm_drv_file *f = e->f;
	const struct gpuvm_drv_bind_op ops[3] = {
		op_unmap(2 * SZ_1G + SZ_1M, SZ_4K),
		op_sparse(16 * SZ_1G, SZ_2M),
		op_sparse(2 * SZ_1G + SZ_1M, SZ_4K),
	};
	uint32_t vm = e->vm, failed = 0xdead;
	struct gpuvm_drv_vm_stats a = vstats(f, vm), b;

	gpuvm_mem_fail_nth_alloc(mem, 1);
	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, ops, 3, &failed), -ENOMEM);
	gpuvm_mem_fail_nth_alloc(mem, 0);
	assert_int_equal(failed, 1);
	check_ok(f, vm);
	b = vstats(f, vm);
	assert_int_equal(b.mappings, a.mappings - 1);
	assert_int_equal(b.pt_pages, a.pt_pages);
	assert_int_equal(b.leaf_4k, a.leaf_4k - 1);
	assert_int_equal(kind_at(f, vm, 16 * SZ_1G), GPUVM_DRV_NONE);
	assert_int_equal(kind_at(f, vm, 2 * SZ_1G + SZ_1M), GPUVM_DRV_NONE);
	expect_gone(f, vm, 2 * SZ_1G + SZ_1M);
}

/* Later ops see earlier ones: map sparse, punch it, unmap a piece. */
static void batch_sees_earlier_ops(struct drv_env *e, uint32_t h)
{
	struct gpuvm_drv_file *f = e->f;
	const struct gpuvm_drv_bind_op ops[3] = {
		op_sparse(32 * SZ_1G, 4 * SZ_1M),
		op_map(h, 3 * SZ_4K, 32 * SZ_1G + SZ_2M - SZ_4K, 2 * SZ_4K),
		op_unmap(32 * SZ_1G + SZ_2M, SZ_2M),
	};
	uint32_t vm = e->vm, failed = 0xdead;

	assert_int_equal(gpuvm_drv_vm_bind(f, vm, 0, ops, 3, &failed), 0);
	check_ok(f, vm);
	assert_int_equal(rd32(f, vm, 32 * SZ_1G + SZ_2M - SZ_4K), pat(0x1, 3));
	expect_gone(f, vm, 32 * SZ_1G + SZ_2M);
	assert_int_equal(kind_at(f, vm, 32 * SZ_1G + SZ_2M - 2 * SZ_4K),
			 GPUVM_DRV_SPARSE);
}

static void test_batches(void **state)
{
	struct drv_env *e = *state;
	uint32_t ref = vm_new(e->f), h = bo_new(e->f, 16, 0x1);

	batch_fails_at_op1(e, ref, h);
	batch_fails_at_op0(e);
	batch_fails_at_op3(e, h);
	batch_enomem_at_op1(e);
	batch_sees_earlier_ops(e, h);
}

/* ------------------------------------------------------------------ */
/* 7. Atomicity under memory failure                                   */

struct aenv {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *file;
	uint32_t vm;
};

typedef void (*aset_fn)(struct aenv *e, struct gpuvm_drv_bind_op *op);

static void aset_sparse_fresh(struct aenv *e, struct gpuvm_drv_bind_op *op)
{
	/* No sparse map yet: the op creates the dummy. */
	*op = (struct gpuvm_drv_bind_op){ .flags = SPARSE,
					  .va = 2 * SZ_1G + 12 * 1024,
					  .size = 6 * SZ_1M };
	(void)e;
}

static void aset_sparse_wide(struct aenv *e, struct gpuvm_drv_bind_op *op)
{
	/* Across a 512 GiB boundary: tables at every level, plus the dummy. */
	*op = (struct gpuvm_drv_bind_op){ .flags = SPARSE,
					  .va = 512 * SZ_1G - SZ_2M - 8 * 1024,
					  .size = 4 * SZ_1M + 16 * 1024 };
	(void)e;
}

static void aset_bo_split_sparse(struct aenv *e, struct gpuvm_drv_bind_op *op)
{
	uint32_t h;

	map_sparse(e->file, e->vm, 2 * SZ_1G, 8 * SZ_1M);
	h = bo_new(e->file, 16, 0x1);
	*op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = h,
					  .bo_offset = SZ_4K,
					  .va = 2 * SZ_1G + 3 * SZ_1M,
					  .size = 2 * SZ_4K };
}

static void aset_unmap_split_sparse(struct aenv *e,
				    struct gpuvm_drv_bind_op *op)
{
	map_sparse(e->file, e->vm, 2 * SZ_1G, 8 * SZ_1M);
	*op = (struct gpuvm_drv_bind_op){ .flags = T_UNMAP,
					  .va = 2 * SZ_1G + SZ_2M + SZ_4K,
					  .size = 2 * SZ_4K };
}

static void aset_unmap_split_bo(struct aenv *e, struct gpuvm_drv_bind_op *op)
{
	uint32_t h = bo_new(e->file, 2 * PAGES_2M, 0x2);

	map_bo(e->file, e->vm, h, 0, 2 * SZ_1G, 4 * SZ_1M, 0);
	*op = (struct gpuvm_drv_bind_op){ .flags = T_UNMAP,
					  .va = 2 * SZ_1G + SZ_1M,
					  .size = SZ_4K };
}

static void aset_repeat_over_sparse(struct aenv *e,
				    struct gpuvm_drv_bind_op *op)
{
	uint32_t h;

	map_sparse(e->file, e->vm, 2 * SZ_1G, 4 * SZ_1M);
	h = bo_new(e->file, 5, 0x3);
	*op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = h,
					  .bo_offset = SZ_4K,
					  .repeat = 3 * SZ_4K,
					  .va = 2 * SZ_1G + SZ_2M - 20 * 1024,
					  .size = 40 * SZ_4K };
}

static void aset_repeat_fresh(struct aenv *e, struct gpuvm_drv_bind_op *op)
{
	uint32_t h = bo_new_chunks(e->file, 2 * PAGES_2M, 0x4, 3);

	*op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = h,
					  .bo_offset = SZ_2M,
					  .repeat = SZ_2M,
					  .va = 4 * SZ_1G,
					  .size = 8 * SZ_1M };
}

static void aset_replace_many(struct aenv *e, struct gpuvm_drv_bind_op *op)
{
	uint32_t h1, h2;

	map_sparse(e->file, e->vm, 2 * SZ_1G, 4 * SZ_1M);
	h1 = bo_new(e->file, 16, 0x5);
	map_bo(e->file, e->vm, h1, 0, 2 * SZ_1G + 4 * SZ_1M, 16 * SZ_4K, 0);
	map_sparse(e->file, e->vm, 2 * SZ_1G + 4 * SZ_1M + 16 * SZ_4K,
		   SZ_2M);
	h2 = bo_new(e->file, 4 * PAGES_2M, 0x6);
	/* REMAP the first sparse range, UNMAP the BO, REMAP the second. */
	*op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = h2,
					  .va = 2 * SZ_1G + SZ_1M,
					  .size = 5 * SZ_1M };
}

static void aset_map_evicted_bo(struct aenv *e, struct gpuvm_drv_bind_op *op)
{
	uint32_t h = bo_new(e->file, 16, 0x7);

	map_bo(e->file, e->vm, h, 0, 2 * SZ_1G, 16 * SZ_4K, 0);
	assert_int_equal(gpuvm_drv_bo_evict(e->file, h), 0);
	*op = (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = h,
					  .bo_offset = 4 * SZ_4K,
					  .va = 3 * SZ_1G,
					  .size = 8 * SZ_4K };
}

static void aset_sparse_evicted_dummy(struct aenv *e,
				      struct gpuvm_drv_bind_op *op)
{
	map_sparse(e->file, e->vm, 2 * SZ_1G, SZ_2M);
	assert_int_equal(gpuvm_drv_dummy_evict(e->file), 0);
	*op = (struct gpuvm_drv_bind_op){ .flags = SPARSE,
					  .va = 3 * SZ_1G + 8 * SZ_4K,
					  .size = SZ_2M };
}

static void aset_null_sparse(struct aenv *e, struct gpuvm_drv_bind_op *op)
{
	*op = (struct gpuvm_drv_bind_op){ .flags = SPARSE,
					  .va = SZ_1G - SZ_4K,
					  .size = SZ_2M + 2 * SZ_4K };
	(void)e;
}

static void aenv_make(struct aenv *e, enum gpuvm_drv_sparse sparse,
		      aset_fn setup, struct gpuvm_drv_bind_op *op)
{
	e->dev = dev_new_sparse(sparse, 0);
	e->file = file_new(e->dev);
	e->vm = vm_new(e->file);
	setup(e, op);
	check_ok(e->file, e->vm);
}

/* Reads at a few addresses of the op: return code, fault, value. */
struct probe {
	int ret[3];
	enum gpuvm_mmu_fault_kind kind[3];
	uint32_t v[3];
};

static void probe_take(struct aenv *e, const struct gpuvm_drv_bind_op *op,
		       struct probe *p)
{
	const uint64_t at[3] = { op->va, op->va + op->size / 2,
				 op->va + op->size - 4 };
	struct gpuvm_mmu_fault fault;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		p->v[i] = 0;
		p->ret[i] = gpu(e->file, e->vm, GPUVM_MMU_READ, at[i],
				&p->v[i], 4, &fault);
		p->kind[i] = fault.kind;
	}
}

/*
 * The two hooks that fail allocations: simulated memory and the mem
 * module's own allocations, and the VM's VA-manager host allocations
 * (the mem hook does not reach those).
 */
enum hook { HOOK_MEM, HOOK_VA };

static void arm(struct aenv *e, enum hook hook, uint64_t n)
{
	if (hook == HOOK_MEM)
		gpuvm_mem_fail_nth_alloc(gpuvm_drv_device_mem(e->dev), n);
	else
		assert_int_equal(gpuvm_drv_vm_fail_nth_alloc(e->file, e->vm,
							     n), 0);
}

/*
 * Binds op with the nth allocation of hook failing, n = 1, 2, ..., until
 * it succeeds: every failure must be -ENOMEM and leave no trace, the GPU
 * seeing what it saw (no stale TLB entry either). other: a device to
 * destroy before failing, that ASan shows only the failure. Returns the
 * failures injected: the op needed memory, so at least one.
 */
static uint64_t inject_until_success(const char *name, enum hook hook,
				     struct aenv *e,
				     const struct gpuvm_drv_bind_op *op,
				     struct gpuvm_drv_device *other)
{
	const char *hn = hook == HOOK_VA ? "VA " : "";
	struct probe p0, p1;
	struct snap s;
	char what[96];
	uint64_t n;
	int ret;

	probe_take(e, op, &p0);
	snap_take(e->dev, e->file, e->vm, &s);
	for (n = 1;; n++) {
		if (n > 10000)
			fail_msg("%s: still failing after %" PRIu64 " %s"
				 "injections", name, n, hn);
		arm(e, hook, n);
		ret = sbind(e->file, e->vm, *op);
		arm(e, hook, 0);
		if (!ret)
			break;
		if (ret != -ENOMEM)
			fail_msg("%s: %sallocation %" PRIu64 " failing: bind = "
				 "%d", name, hn, n, ret);
		snprintf(what, sizeof(what), "%s, %sallocation %" PRIu64
			 " failing", name, hn, n);
		if (!snap_same(e->dev, e->file, e->vm, &s, what)) {
			snap_free(&s);
			gpuvm_drv_device_destroy(e->dev);
			if (other)
				gpuvm_drv_device_destroy(other);
			fail_msg("%s left a trace", what);
		}
		check_ok(e->file, e->vm);
		probe_take(e, op, &p1);
		assert_memory_equal(&p0, &p1, sizeof(p0));
	}
	snap_free(&s);
	if (n < 2)
		fail_msg("%s: no %sallocation failed", name, hn);
	print_message("  %s: %" PRIu64 " %sallocation failures injected\n",
		      name, n - 1, hn);
	check_ok(e->file, e->vm);
	return n - 1;
}

/*
 * V7, M3: an op failing for memory at any allocation leaves no trace,
 * and once it succeeds, the result is what it is without injection.
 */
static void atomic_case(const char *name, enum gpuvm_drv_sparse sparse,
			aset_fn setup)
{
	struct gpuvm_drv_bind_op op, rop;
	struct gpuvm_drv_vm_stats st, rst;
	struct aenv e, ref;
	struct probe p0, p1;

	aenv_make(&e, sparse, setup, &op);
	aenv_make(&ref, sparse, setup, &rop);
	assert_int_equal(sbind(ref.file, ref.vm, rop), 0);
	inject_until_success(name, HOOK_MEM, &e, &op, ref.dev);
	/* The same result as without injected failures. */
	st = vstats(e.file, e.vm);
	rst = vstats(ref.file, ref.vm);
	assert_int_equal(st.mappings, rst.mappings);
	assert_int_equal(st.pt_pages, rst.pt_pages);
	assert_int_equal(st.leaf_4k, rst.leaf_4k);
	assert_int_equal(st.leaf_2m, rst.leaf_2m);
	assert_int_equal(st.leaf_1g, rst.leaf_1g);
	assert_int_equal(frames_used(e.dev), frames_used(ref.dev));
	probe_take(&e, &op, &p0);
	probe_take(&ref, &rop, &p1);
	assert_memory_equal(&p0, &p1, sizeof(p0));
	gpuvm_drv_device_destroy(e.dev);
	gpuvm_drv_device_destroy(ref.dev);
	/* The VA manager's allocations, on a fresh environment. */
	aenv_make(&e, sparse, setup, &op);
	inject_until_success(name, HOOK_VA, &e, &op, NULL);
	gpuvm_drv_device_destroy(e.dev);
}

static int create_vm(struct gpuvm_drv_file *f, uint32_t *id)
{
	return gpuvm_drv_vm_create(f, 0, id);
}

static int create_bo(struct gpuvm_drv_file *f, uint32_t *h)
{
	return gpuvm_drv_bo_create(f, 3 * SZ_2M + 5 * SZ_4K, 0, 0, h);
}

/*
 * create() under gpuvm_mem_fail_nth_alloc(n), n = 1, 2, ... until it
 * succeeds: each failure -ENOMEM, taking no frame. At least one fails.
 */
static uint32_t create_failing(struct gpuvm_drv_device *dev,
			       struct gpuvm_drv_file *f,
			       int (*create)(struct gpuvm_drv_file *f,
					     uint32_t *out))
{
	struct gpuvm_mem *mem = gpuvm_drv_device_mem(dev);
	uint64_t used = frames_used(dev), n;
	uint32_t out = 0;
	int ret;

	for (n = 1;; n++) {
		assert_true(n < 100);
		gpuvm_mem_fail_nth_alloc(mem, n);
		ret = create(f, &out);
		gpuvm_mem_fail_nth_alloc(mem, 0);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(frames_used(dev), used);
	}
	assert_true(n > 1);
	return out;
}

/* VM and BO creation: -ENOMEM takes nothing. */
static void atomic_create(void)
{
	struct gpuvm_drv_device *dev = dev_new();
	struct gpuvm_drv_file *f = file_new(dev);
	uint64_t used;
	uint32_t id;

	id = create_failing(dev, f, create_vm);
	assert_int_equal(id, 1);
	used = frames_used(dev);
	create_failing(dev, f, create_bo);
	assert_int_equal(frames_used(dev), used + 3 * PAGES_2M + 5);
	check_ok(f, id);
	gpuvm_drv_device_destroy(dev);
}

static void test_atomic_enomem(void **state)
{
	(void)state;
	atomic_case("sparse map creating the dummy", GPUVM_DRV_SPARSE_DUMMY,
		    aset_sparse_fresh);
	atomic_case("sparse map across 512 GiB creating the dummy",
		    GPUVM_DRV_SPARSE_DUMMY, aset_sparse_wide);
	atomic_case("BO map splitting a sparse block", GPUVM_DRV_SPARSE_DUMMY,
		    aset_bo_split_sparse);
	atomic_case("unmap splitting a sparse block", GPUVM_DRV_SPARSE_DUMMY,
		    aset_unmap_split_sparse);
	atomic_case("unmap splitting a BO block", GPUVM_DRV_SPARSE_DUMMY,
		    aset_unmap_split_bo);
	atomic_case("repeat map over sparse blocks", GPUVM_DRV_SPARSE_DUMMY,
		    aset_repeat_over_sparse);
	atomic_case("repeat map of 2 MiB on a fresh VM",
		    GPUVM_DRV_SPARSE_DUMMY, aset_repeat_fresh);
	atomic_case("BO map replacing three mappings", GPUVM_DRV_SPARSE_DUMMY,
		    aset_replace_many);
	atomic_case("NULL sparse map", GPUVM_DRV_SPARSE_NULL,
		    aset_null_sparse);
	atomic_create();
}

/*
 * With eviction, a MAP brings its evicted target back before reserving
 * page tables. If the op then fails, the restore must not stay behind:
 * it holds frames (and under a budget it can evict other BOs for them).
 */
static void test_atomic_enomem_evicted_bo(void **state)
{
	(void)state;
	atomic_case("BO map of an evicted BO", GPUVM_DRV_SPARSE_DUMMY,
		    aset_map_evicted_bo);
}

/*
 * The same without fault injection, through the budget: restoring A fits
 * once B (another VM's BO) is evicted, the page tables of the map then do
 * not, so the bind fails with -ENOMEM. A failed op leaves no trace, and
 * evict.c says a request that cannot succeed must not cost other BOs
 * their residency: B must still be resident and mapped, A still evicted.
 */
static void test_bind_evicted_over_budget(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t v1 = e->vm, v2 = vm_new(f);
	uint32_t a = bo_new(f, 16, 0xa), b = bo_new(f, 16, 0xb);
	struct gpuvm_mem_stats before;
	bool res_a, res_b;
	int ret;

	map_bo(f, v1, a, 0, 2 * SZ_1G, 16 * SZ_4K, 0);
	map_bo(f, v2, b, 0, 2 * SZ_1G, 16 * SZ_4K, 0);
	assert_int_equal(gpuvm_drv_bo_evict(f, a), 0);
	before = mstats(dev);
	assert_int_equal(gpuvm_drv_device_set_budget(dev, before.frames_used *
						     SZ_4K), 0);
	/* Across 512 GiB: six new tables in v1, which has only its root. */
	ret = bind(f, v1, T_MAP, a, 0, 512 * SZ_1G - 4 * SZ_4K, 8 * SZ_4K, 0);
	assert_int_equal(ret, -ENOMEM);
	check_ok(f, v1);
	check_ok(f, v2);
	assert_int_equal(gpuvm_drv_bo_resident(f, a, &res_a), 0);
	assert_int_equal(gpuvm_drv_bo_resident(f, b, &res_b), 0);
	if (res_b != true || res_a != false ||
	    frames_used(dev) != before.frames_used) {
		uint64_t used = frames_used(dev);

		fail_msg("failed bind left a trace: A resident %d (was 0), B "
			 "resident %d (was 1), frames_used %" PRIu64 " (was %"
			 PRIu64 ")", res_a, res_b, used, before.frames_used);
	}
	assert_int_equal(rd32(f, v2, 2 * SZ_1G + 3 * SZ_4K), pat(0xb, 3));
}

static void test_atomic_enomem_evicted_dummy(void **state)
{
	(void)state;
	atomic_case("sparse map with an evicted dummy",
		    GPUVM_DRV_SPARSE_DUMMY, aset_sparse_evicted_dummy);
}

/* ------------------------------------------------------------------ */
/* 8. Lifetimes                                                        */

static void test_bo_lifetime(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_device *dev = e->dev;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, vm2 = vm_new(f), h, h2, v;
	struct gpuvm_drv_lookup l;
	uint64_t used, bo0, x;

	/* Sparse pages next to the BO maps keep their tables alive, so
	 * frame counts below move by BO frames only. */
	map_sparse(f, vm, 2 * SZ_1G + SZ_1M, SZ_4K);
	map_sparse(f, vm, 3 * SZ_1G + SZ_1M, SZ_4K);
	bo0 = frames_of(dev, GPUVM_MEM_BO);
	h = bo_new(f, 16, 0xc1);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), bo0 + 16);
	map_bo(f, vm, h, 0, 2 * SZ_1G, 16 * SZ_4K, 0);
	map_bo(f, vm, h, 0, 3 * SZ_1G, 16 * SZ_4K, 0);
	used = frames_used(dev);

	/* Closing the handle while mapped. */
	assert_int_equal(gpuvm_drv_bo_close(f, h), 0);
	assert_int_equal(gpuvm_drv_bo_close(f, h), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_read(f, h, 0, &v, 4), -EINVAL);
	assert_int_equal(gpuvm_drv_bo_write(f, h, 0, &v, 4), -EINVAL);
	assert_int_equal(bind(f, vm, T_MAP, h, 0, 4 * SZ_1G, SZ_4K, 0),
			 -EINVAL);
	assert_int_equal(frames_used(dev), used);
	for (x = 0; x < 16; x++) {
		assert_int_equal(rd32(f, vm, 2 * SZ_1G + x * SZ_4K),
				 pat(0xc1, x));
		assert_int_equal(rd32(f, vm, 3 * SZ_1G + x * SZ_4K),
				 pat(0xc1, x));
	}
	/* Still a BO mapping; its handle is gone (0). */
	assert_int_equal(gpuvm_drv_vm_lookup(f, vm, 2 * SZ_1G + 5 * SZ_4K, &l),
			 0);
	assert_int_equal(l.kind, GPUVM_DRV_BO);
	assert_int_equal(l.bo_handle, 0);
	assert_int_equal(l.bo_offset, 5 * SZ_4K);
	/* GPU writes still land in it. */
	wr32(f, vm, 2 * SZ_1G + 5 * SZ_4K, 0x51515151);
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + 5 * SZ_4K), 0x51515151);
	check_ok(f, vm);

	/* Unmap one mapping whole, the other piece by piece: the pieces of
	 * a split mapping each hold the BO. */
	unmap(f, vm, 3 * SZ_1G, 16 * SZ_4K);
	assert_int_equal(frames_used(dev), used);
	unmap(f, vm, 2 * SZ_1G + 6 * SZ_4K, 4 * SZ_4K);
	assert_int_equal(vstats(f, vm).mappings, 2 + 2);
	assert_int_equal(frames_used(dev), used);
	unmap(f, vm, 2 * SZ_1G, 6 * SZ_4K);
	assert_int_equal(frames_used(dev), used);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + 15 * SZ_4K), pat(0xc1, 15));
	check_ok(f, vm);
	unmap(f, vm, 2 * SZ_1G + 10 * SZ_4K, 6 * SZ_4K);
	/* The last mapping gone: exactly the BO's frames return. */
	assert_int_equal(frames_used(dev), used - 16);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), bo0);
	assert_int_equal(vstats(f, vm).mappings, 2);
	check_ok(f, vm);

	/* vm_destroy drops the references of its mappings, repeat ones
	 * too, and frees the VM's tables. */
	h = bo_new(f, 8, 0xc2);
	h2 = bo_new_chunks(f, 4, 0xc3, 2);
	map_bo(f, vm, h, 0, 5 * SZ_1G, 8 * SZ_4K, 0);
	map_bo(f, vm2, h, SZ_4K, 5 * SZ_1G, 4 * SZ_4K, F_RO);
	map_repeat(f, vm2, h2, SZ_4K, 2 * SZ_4K, 6 * SZ_1G, 64 * SZ_4K);
	map_sparse(f, vm2, 7 * SZ_1G, 5 * SZ_1M);
	assert_int_equal(gpuvm_drv_bo_close(f, h), 0);
	assert_int_equal(gpuvm_drv_bo_close(f, h2), 0);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), bo0 + 12);
	x = frames_of(dev, GPUVM_MEM_PT);
	used = vstats(f, vm2).pt_pages;
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm2), 0);
	/* h2 only had vm2; h still has vm. The dummy is the file's. */
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), bo0 + 8);
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT), x - used);
	assert_int_equal(rd32(f, vm, 5 * SZ_1G + 7 * SZ_4K), pat(0xc2, 7));
	check_ok(f, vm);
	x = frames_of(dev, GPUVM_MEM_PT);
	used = vstats(f, vm).pt_pages;
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm), 0);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), bo0);
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT), x - used);
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT), 0);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO), PAGES_2M); /* dummy */
	gpuvm_drv_file_close(f);
	assert_int_equal(frames_used(dev), 0);
	assert_int_equal(gpuvm_mem_validate(gpuvm_drv_device_mem(dev), stderr),
			 0);
}

static void test_file_close(void **state)
{
	struct gpuvm_drv_device *dev = dev_new();
	struct gpuvm_drv_file *keep = file_new(dev), *f, *g;
	struct gpuvm_mem_stats before;
	uint32_t kvm = vm_new(keep), kh = bo_new(keep, 4, 0x77);
	uint32_t vms[3], h[4], fvm, gvm;
	uint64_t pa_f, pa_g;
	unsigned int i;

	(void)state;
	map_sparse(keep, kvm, SZ_1G, SZ_2M);
	map_bo(keep, kvm, kh, 0, 2 * SZ_1G, 4 * SZ_4K, 0);
	wr32(keep, kvm, SZ_1G + 0x40, 0x4b4b4b4b);
	before = mstats(dev);

	/* A file with a bit of everything in it. */
	f = file_new(dev);
	for (i = 0; i < 3; i++)
		vms[i] = vm_new(f);
	h[0] = bo_new(f, PAGES_2M + 3, 0x10);
	h[1] = bo_new_excl(f, 40, 0x11, vms[1]);
	h[2] = bo_new_chunks(f, 9, 0x12, 4);
	h[3] = bo_new(f, 2, 0x13);  /* never mapped */
	for (i = 0; i < 3; i++) {
		map_sparse(f, vms[i], 4 * SZ_1G + i * SZ_4K, 9 * SZ_1M);
		map_bo(f, vms[i], h[0], SZ_4K, 4 * SZ_1G + SZ_2M, SZ_2M, 0);
		map_repeat(f, vms[i], h[2], 2 * SZ_4K, 5 * SZ_4K,
			   4 * SZ_1G + 5 * SZ_1M + 8 * 1024, 77 * SZ_4K);
		unmap(f, vms[i], 4 * SZ_1G + 7 * SZ_1M, 12 * SZ_4K);
	}
	map_bo(f, vms[1], h[1], 0, 8 * SZ_1G, 40 * SZ_4K, F_RO | F_NX);
	map_repeat(f, vms[2], h[0], 0, SZ_2M, 16 * SZ_1G, 16 * SZ_1M);
	assert_int_equal(gpuvm_drv_bo_close(f, h[0]), 0);
	assert_int_equal(gpuvm_drv_vm_destroy(f, vms[0]), 0);
	for (i = 1; i < 3; i++)
		check_ok(f, vms[i]);
	assert_true(frames_used(dev) > before.frames_used);
	gpuvm_drv_file_close(f);
	assert_int_equal(frames_used(dev), before.frames_used);
	assert_int_equal(frames_of(dev, GPUVM_MEM_PT),
			 before.frames_by_purpose[GPUVM_MEM_PT]);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO),
			 before.frames_by_purpose[GPUVM_MEM_BO]);
	/* The other file is untouched. */
	assert_int_equal(rd32(keep, kvm, SZ_1G + 0x40), 0x4b4b4b4b);
	assert_int_equal(rd32(keep, kvm, SZ_1G + SZ_2M - SZ_4K), 0);
	assert_int_equal(rd32(keep, kvm, 2 * SZ_1G + 3 * SZ_4K), pat(0x77, 3));
	check_ok(keep, kvm);

	/* Two files, two dummies: other frames, other data. */
	f = file_new(dev);
	g = file_new(dev);
	fvm = vm_new(f);
	gvm = vm_new(g);
	map_sparse(f, fvm, 4 * SZ_1G, SZ_2M);
	map_sparse(g, gvm, 4 * SZ_1G, SZ_2M);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO),
			 before.frames_by_purpose[GPUVM_MEM_BO] + 2 * PAGES_2M);
	pa_f = dump_leaf_pa(f, fvm, 4 * SZ_1G);
	pa_g = dump_leaf_pa(g, gvm, 4 * SZ_1G);
	assert_int_not_equal(pa_f, pa_g);
	assert_int_not_equal(pa_f, dump_leaf_pa(keep, kvm, SZ_1G));
	/* 2 MiB blocks: each dummy is 2 MiB-aligned, and they do not
	 * overlap. */
	assert_int_equal(pa_f & (SZ_2M - 1), 0);
	assert_int_equal(pa_g & (SZ_2M - 1), 0);
	wr32(f, fvm, 4 * SZ_1G + 0x80, 0xf1f1f1f1);
	assert_int_equal(rd32(g, gvm, 4 * SZ_1G + 0x80), 0);
	gpuvm_drv_file_close(f);
	assert_int_equal(frames_of(dev, GPUVM_MEM_BO),
			 before.frames_by_purpose[GPUVM_MEM_BO] + PAGES_2M);
	assert_int_equal(rd32(g, gvm, 4 * SZ_1G + 0x80), 0);
	check_ok(g, gvm);
	gpuvm_drv_file_close(g);
	assert_int_equal(frames_used(dev), before.frames_used);
	gpuvm_drv_file_close(NULL);
	/* Destroying the device closes the file still open. */
	gpuvm_drv_device_destroy(dev);
	gpuvm_drv_device_destroy(NULL);
}

/* ------------------------------------------------------------------ */
/* 9. Permissions and faults                                           */

static void test_faults(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	struct gpuvm_mmu_fault fault;
	uint32_t vm = e->vm, h = bo_new(f, 16, 0x9), v;
	uint64_t w;

	/* Read-only. */
	map_bo(f, vm, h, 0, 2 * SZ_1G, 4 * SZ_4K, F_RO);
	assert_int_equal(rd32(f, vm, 2 * SZ_1G + 8), pat(0x9, 0));
	expect_fault(f, vm, GPUVM_MMU_WRITE, 2 * SZ_1G + 8, 4,
		     GPUVM_MMU_FAULT_PERMISSION, 2 * SZ_1G + 8);
	assert_int_equal(bo_word(f, h, 8), pat(0x9, 0));
	/* Executable: no NOEXEC. */
	v = 0;
	assert_int_equal(gpu(f, vm, GPUVM_MMU_EXEC, 2 * SZ_1G + SZ_4K, &v, 4,
			     &fault), 0);
	assert_int_equal(v, pat(0x9, 1));

	/* No-exec. */
	map_bo(f, vm, h, 4 * SZ_4K, 3 * SZ_1G, 4 * SZ_4K, F_NX);
	expect_fault(f, vm, GPUVM_MMU_EXEC, 3 * SZ_1G + 0x10, 4,
		     GPUVM_MMU_FAULT_PERMISSION, 3 * SZ_1G + 0x10);
	assert_int_equal(rd32(f, vm, 3 * SZ_1G + 0x10), pat(0x9, 4));
	wr32(f, vm, 3 * SZ_1G + 0x10, 0x12345678);
	assert_int_equal(bo_word(f, h, 4 * SZ_4K + 0x10), 0x12345678);

	/* Sparse is always no-exec; readable and writable. */
	map_sparse(f, vm, 4 * SZ_1G, SZ_2M);
	expect_fault(f, vm, GPUVM_MMU_EXEC, 4 * SZ_1G + SZ_1M, 4,
		     GPUVM_MMU_FAULT_PERMISSION, 4 * SZ_1G + SZ_1M);
	wr32(f, vm, 4 * SZ_1G + SZ_1M, 0xabcdabcd);
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + SZ_1M), 0xabcdabcd);
	/* Read-only sparse refuses writes. */
	assert_int_equal(bind(f, vm, SPARSE | F_RO, 0, 0, 5 * SZ_1G, SZ_2M, 0),
			 0);
	expect_fault(f, vm, GPUVM_MMU_WRITE, 5 * SZ_1G + SZ_1M, 4,
		     GPUVM_MMU_FAULT_PERMISSION, 5 * SZ_1G + SZ_1M);
	assert_int_equal(rd32(f, vm, 5 * SZ_1G + SZ_1M), 0xabcdabcd);

	/* A write from a writable page into a read-only one: nothing
	 * written, the fault at the first read-only byte. */
	map_bo(f, vm, h, 8 * SZ_4K, 6 * SZ_1G, SZ_4K, 0);
	map_bo(f, vm, h, 9 * SZ_4K, 6 * SZ_1G + SZ_4K, SZ_4K, F_RO);
	w = 0x1111111122222222ull;
	assert_int_equal(gpu(f, vm, GPUVM_MMU_WRITE, 6 * SZ_1G + SZ_4K - 4, &w,
			     8, &fault), -EFAULT);
	assert_int_equal(fault.kind, GPUVM_MMU_FAULT_PERMISSION);
	assert_int_equal(fault.addr, 6 * SZ_1G + SZ_4K);
	assert_int_equal(bo_word(f, h, 9 * SZ_4K - 4), pat(0x9, 8));
	assert_int_equal(bo_word(f, h, 9 * SZ_4K), pat(0x9, 9));

	/* Unmapped: translation faults at the first unmapped byte. */
	expect_fault(f, vm, GPUVM_MMU_READ, 7 * SZ_1G + 0x123, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, 7 * SZ_1G + 0x123);
	expect_fault(f, vm, GPUVM_MMU_WRITE, 7 * SZ_1G, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, 7 * SZ_1G);
	expect_fault(f, vm, GPUVM_MMU_EXEC, 7 * SZ_1G, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, 7 * SZ_1G);
	expect_fault(f, vm, GPUVM_MMU_READ, 2 * SZ_1G + 4 * SZ_4K - 4, 8,
		     GPUVM_MMU_FAULT_TRANSLATION, 2 * SZ_1G + 4 * SZ_4K);
	expect_fault(f, vm, GPUVM_MMU_READ, 4 * SZ_1G - 2, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, 4 * SZ_1G - 2);
	expect_fault(f, vm, GPUVM_MMU_READ, 0, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, 0);
	/* The kernel range holds nothing the user mapped. */
	expect_fault(f, vm, GPUVM_MMU_READ, USER_VA + SZ_1G, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, USER_VA + SZ_1G);
	/* At and above 2^va_bits. */
	expect_fault(f, vm, GPUVM_MMU_READ, 1ull << 48, 4,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 1ull << 48);
	expect_fault(f, vm, GPUVM_MMU_WRITE, 0xfffffffffffff000ull, 4,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 0xfffffffffffff000ull);
	expect_fault(f, vm, GPUVM_MMU_EXEC, 1ull << 52, 4,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 1ull << 52);
	check_ok(f, vm);
}

/* A 39-bit device: user VA is [0, 2^38). */
static void test_faults_39bit(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm;

	map_sparse(f, vm, (1ull << 38) - SZ_2M, SZ_2M);
	assert_int_equal(bind(f, vm, SPARSE, 0, 0, 1ull << 38, SZ_4K, 0),
			 -EINVAL);
	assert_int_equal(bind(f, vm, SPARSE, 0, 0, 1ull << 39, SZ_4K, 0),
			 -EINVAL);
	assert_int_equal(rd32(f, vm, (1ull << 38) - 4), 0);
	expect_fault(f, vm, GPUVM_MMU_READ, 1ull << 38, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, 1ull << 38);
	expect_fault(f, vm, GPUVM_MMU_READ, 1ull << 39, 4,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 1ull << 39);
	expect_fault(f, vm, GPUVM_MMU_READ, 1ull << 47, 4,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 1ull << 47);
	check_ok(f, vm);
}

/* ------------------------------------------------------------------ */
/* 10. TLB coherence                                                   */

/* A 1 GiB BO block, cached, then split by a one-page hole. */
static void test_tlb_1g_bo(void **state)
{
	static const uint64_t pages[] = { 0, 1, 511, 512, 300 * PAGES_2M + 8,
					  300 * PAGES_2M + 10, 262143 };
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, h, v;
	const uint64_t hole = 300 * PAGES_2M + 9;
	unsigned int i;

	/* Only a few pages written: the rest of the GiB stays untouched. */
	assert_int_equal(gpuvm_drv_bo_create(f, SZ_1G, 0, 0, &h), 0);
	for (i = 0; i < 7; i++) {
		v = pat(0x1a, pages[i]);
		assert_int_equal(gpuvm_drv_bo_write(f, h, pages[i] * SZ_4K, &v,
						    4), 0);
	}
	map_bo(f, vm, h, 0, 4 * SZ_1G, SZ_1G, 0);
	expect_leaves(f, vm, 0, 0, 1);
	for (i = 0; i < 7; i++)
		assert_int_equal(rd32(f, vm, 4 * SZ_1G + pages[i] * SZ_4K),
				 pat(0x1a, pages[i]));
	unmap(f, vm, 4 * SZ_1G + hole * SZ_4K, SZ_4K);
	expect_leaves(f, vm, PAGES_2M - 1, PAGES_2M - 1, 0);
	check_ok(f, vm);
	for (i = 0; i < 7; i++)
		assert_int_equal(rd32(f, vm, 4 * SZ_1G + pages[i] * SZ_4K),
				 pat(0x1a, pages[i]));
	expect_fault(f, vm, GPUVM_MMU_READ, 4 * SZ_1G + hole * SZ_4K, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, 4 * SZ_1G + hole * SZ_4K);
	/* Map the hole back: pages, not a block again (no merging). */
	map_bo(f, vm, h, hole * SZ_4K, 4 * SZ_1G + hole * SZ_4K, SZ_4K, 0);
	expect_leaves(f, vm, PAGES_2M, PAGES_2M - 1, 0);
	assert_int_equal(vstats(f, vm).mappings, 3);
	check_ok(f, vm);
}

static void test_tlb_coherence(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, v0 = vm_new(f), vm2;
	uint32_t ha = bo_new(f, 2 * PAGES_2M, 0xa);
	uint32_t hb = bo_new(f, 16, 0xb);
	const uint64_t base = 2 * SZ_1G;
	uint64_t inv;

	map_sparse(f, v0, 64 * SZ_1G, SZ_2M);
	dummy_sign(f, v0, 64 * SZ_1G);
	map_sparse(f, vm, base, 4 * SZ_1M);

	/* A cached 2 MiB sparse block, then a BO page inside it. */
	assert_int_equal(rd32(f, vm, base + 8 * 1024), dsig(8 * 1024));
	assert_int_equal(rd32(f, vm, base + SZ_1M), dsig(SZ_1M));
	inv = vstats(f, vm).tlb_invalidations;
	map_bo(f, vm, hb, 3 * SZ_4K, base + 8 * 1024, SZ_4K, 0);
	assert_true(vstats(f, vm).tlb_invalidations > inv);
	assert_int_equal(rd32(f, vm, base + 8 * 1024), pat(0xb, 3));
	/* The rest of the block, now pages, reads the dummy as before. */
	assert_int_equal(rd32(f, vm, base + SZ_1M), dsig(SZ_1M));
	assert_int_equal(rd32(f, vm, base + 12 * 1024), dsig(12 * 1024));
	check_ok(f, vm);

	/* Another BO over the same page. */
	map_bo(f, vm, ha, 7 * SZ_4K, base + 8 * 1024, SZ_4K, 0);
	assert_int_equal(rd32(f, vm, base + 8 * 1024), pat(0xa, 7));
	/* Sparse back over it. */
	map_sparse(f, vm, base + 8 * 1024, SZ_4K);
	assert_int_equal(rd32(f, vm, base + 8 * 1024), dsig(8 * 1024));
	check_ok(f, vm);

	/* Unmap a cached page: it must fault, not read stale data. */
	assert_int_equal(rd32(f, vm, base + SZ_2M + 4 * SZ_4K),
			 dsig(4 * SZ_4K));
	unmap(f, vm, base + SZ_2M + 4 * SZ_4K, SZ_4K);
	expect_fault(f, vm, GPUVM_MMU_READ, base + SZ_2M + 4 * SZ_4K, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, base + SZ_2M + 4 * SZ_4K);
	assert_int_equal(rd32(f, vm, base + SZ_2M + 5 * SZ_4K),
			 dsig(5 * SZ_4K));
	check_ok(f, vm);

	/* A BO 2 MiB block replaced by a sparse range. */
	map_bo(f, vm, ha, SZ_2M, 8 * SZ_1G, SZ_2M, 0);
	/* Both sparse blocks are pages now; the BO block is one. */
	expect_leaves(f, vm, 2 * PAGES_2M - 1, 1, 0);
	assert_int_equal(rd32(f, vm, 8 * SZ_1G + 0x100), pat(0xa, PAGES_2M));
	map_sparse(f, vm, 8 * SZ_1G, SZ_2M);
	assert_int_equal(rd32(f, vm, 8 * SZ_1G + 0x100), dsig(0));
	/* Then unmapped whole: tables pruned, the cached block gone. */
	unmap(f, vm, 8 * SZ_1G, SZ_2M);
	expect_fault(f, vm, GPUVM_MMU_READ, 8 * SZ_1G + 0x100, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, 8 * SZ_1G + 0x100);
	check_ok(f, vm);

	/* Unmapping everything after filling the TLB everywhere. */
	rd32(f, vm, base);
	rd32(f, vm, base + 3 * SZ_1M);
	unmap(f, vm, base, 4 * SZ_1M);
	expect_fault(f, vm, GPUVM_MMU_READ, base, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, base);
	expect_fault(f, vm, GPUVM_MMU_READ, base + 3 * SZ_1M, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, base + 3 * SZ_1M);
	check_ok(f, vm);
	assert_int_equal(vstats(f, vm).pt_pages, 1);

	/* A destroyed VM's id reused: a new address space, nothing cached. */
	map_sparse(f, vm, base, SZ_2M);
	rd32(f, vm, base);
	assert_int_equal(gpuvm_drv_vm_destroy(f, vm), 0);
	vm2 = vm_new(f);
	assert_int_equal(vm2, vm);
	expect_fault(f, vm2, GPUVM_MMU_READ, base, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, base);
	check_ok(f, vm2);
}

/* NULL 1 GiB leaves, cached, then split down to one BO page. */
static void test_tlb_null_1g(void **state)
{
	struct drv_env *e = *state;
	struct gpuvm_drv_file *f = e->f;
	uint32_t vm = e->vm, hb = bo_new(f, 16, 0xb);

	map_sparse(f, vm, 4 * SZ_1G, 2 * SZ_1G);
	expect_leaves(f, vm, 0, 0, 2);
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 300 * SZ_2M + 0x40), 0);
	assert_int_equal(rd32(f, vm, 5 * SZ_1G + 0x40), 0);
	map_bo(f, vm, hb, 2 * SZ_4K, 4 * SZ_1G + 300 * SZ_2M + 9 * SZ_4K,
	       SZ_4K, 0);
	/* 1 GiB -> 511 blocks + 1 table -> 511 NULL pages + the BO page. */
	expect_leaves(f, vm, PAGES_2M, PAGES_2M - 1, 1);
	check_ok(f, vm);
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 300 * SZ_2M + 9 * SZ_4K),
			 pat(0xb, 2));
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 300 * SZ_2M + 0x40), 0);
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 0x40), 0);
	assert_int_equal(rd32(f, vm, 5 * SZ_1G + 0x40), 0);
	/* Writes to the NULL pages around it still go nowhere. */
	wr32(f, vm, 4 * SZ_1G + 300 * SZ_2M + 8 * SZ_4K, 0x77777777);
	assert_int_equal(rd32(f, vm, 4 * SZ_1G + 300 * SZ_2M + 8 * SZ_4K), 0);
	/* Unmap the BO page: a hole, the rest still NULL. */
	unmap(f, vm, 4 * SZ_1G + 300 * SZ_2M + 9 * SZ_4K, SZ_4K);
	expect_fault(f, vm, GPUVM_MMU_READ, 4 * SZ_1G + 300 * SZ_2M +
		     9 * SZ_4K, 4, GPUVM_MMU_FAULT_TRANSLATION,
		     4 * SZ_1G + 300 * SZ_2M + 9 * SZ_4K);
	expect_leaves(f, vm, PAGES_2M - 1, PAGES_2M - 1, 1);
	check_ok(f, vm);
}

/* ------------------------------------------------------------------ */
/* 11. Randomised binds against a page model                           */

#define RW_BASE  (SZ_1G - 32 * SZ_1M)   /* crosses a 1 GiB boundary */
#define RW_PAGES (64 * SZ_1M / SZ_4K)
#define R_NBO    7

struct rbo {
	uint32_t handle, tag;
	uint64_t pages;
};

struct rstate {
	uint64_t seed, rng;
	unsigned int step;
	struct gpuvm_drv_file *file;
	uint32_t vm;
	struct rbo bo[R_NBO];
	struct pg *m;
	char last[160];
};

static uint64_t rnd(struct rstate *r)
{
	return splitmix64(&r->rng);
}

static uint64_t rnd_below(struct rstate *r, uint64_t n)
{
	return rnd(r) % n;
}

static uint64_t rnd_pages(struct rstate *r)
{
	switch (rnd_below(r, 5)) {
	case 0:
		return 1 + rnd_below(r, 8);
	case 1:
		return 1 + rnd_below(r, 64);
	case 2:
		return 1 + rnd_below(r, 1024);
	case 3:
		return PAGES_2M * (1 + rnd_below(r, 4));
	default:
		return 1 + rnd_below(r, 4096);
	}
}

static uint32_t rnd_prot(struct rstate *r)
{
	uint32_t f = 0;

	if (!rnd_below(r, 4))
		f |= F_RO;
	if (!rnd_below(r, 3))
		f |= F_NX;
	if (!rnd_below(r, 5))
		f |= F_UC;
	return f;
}

static bool rpage_ok(struct rstate *r, uint64_t page)
{
	struct vctx c = { .file = r->file, .vm = r->vm, .what = "random" };

	if (page_ok(&c, RW_BASE + page * SZ_4K, &r->m[page]))
		return true;
	print_message("random: seed %" PRIu64 " step %u, page %" PRIu64
		      ", after %s\n", r->seed, r->step, page, r->last);
	return false;
}

/* One random op, applied to the VM and to the model. */
static void rstep(struct rstate *r)
{
	struct gpuvm_drv_bind_op op = { 0 };
	uint64_t n = rnd_pages(r), s, i, off = 0, rp = 0;
	unsigned int kind = (unsigned int)rnd_below(r, 10), b = 0;
	uint32_t flags = 0;
	int ret;

	if (n > RW_PAGES)
		n = RW_PAGES;
	s = rnd_below(r, RW_PAGES - n + 1);
	if (!rnd_below(r, 3))
		s &= ~(PAGES_2M - 1);
	if (kind < 4) {
		/* 0-3: BO map */
		b = (unsigned int)rnd_below(r, R_NBO);
		if (n > r->bo[b].pages)
			n = r->bo[b].pages;
		off = rnd_below(r, r->bo[b].pages - n + 1);
		if (!rnd_below(r, 3))
			off &= ~(PAGES_2M - 1);
		flags = rnd_prot(r);
		op = (struct gpuvm_drv_bind_op){
			.flags = T_MAP | flags, .bo_handle = r->bo[b].handle,
			.bo_offset = off * SZ_4K, .va = RW_BASE + s * SZ_4K,
			.size = n * SZ_4K };
		snprintf(r->last, sizeof(r->last), "map bo %u offset %" PRIu64
			 " pages [%" PRIu64 ", +%" PRIu64 ") flags 0x%x", b,
			 off, s, n, flags);
	} else if (kind < 6) {
		/* 4-5: sparse */
		flags = F_NX | (rnd_below(r, 4) ? 0 : F_RO);
		op = (struct gpuvm_drv_bind_op){
			.flags = T_MAP | F_SPARSE | flags,
			.va = RW_BASE + s * SZ_4K, .size = n * SZ_4K };
		snprintf(r->last, sizeof(r->last), "sparse pages [%" PRIu64
			 ", +%" PRIu64 ") flags 0x%x", s, n, flags);
	} else if (kind < 8) {
		/* 6-7: repeat */
		b = (unsigned int)rnd_below(r, R_NBO);
		rp = 1 + rnd_below(r, r->bo[b].pages < 600 ?
				   r->bo[b].pages : 600);
		if (r->bo[b].pages >= PAGES_2M && !rnd_below(r, 4))
			rp = PAGES_2M;
		off = rnd_below(r, r->bo[b].pages - rp + 1);
		if (!rnd_below(r, 3))
			off &= ~(PAGES_2M - 1);
		flags = rnd_prot(r);
		op = (struct gpuvm_drv_bind_op){
			.flags = T_MAP | flags, .bo_handle = r->bo[b].handle,
			.bo_offset = off * SZ_4K, .va = RW_BASE + s * SZ_4K,
			.size = n * SZ_4K, .repeat = rp * SZ_4K };
		snprintf(r->last, sizeof(r->last), "repeat bo %u offset %"
			 PRIu64 " repeat %" PRIu64 " pages [%" PRIu64 ", +%"
			 PRIu64 ") flags 0x%x", b, off, rp, s, n, flags);
	} else {
		op = (struct gpuvm_drv_bind_op){
			.flags = T_UNMAP, .va = RW_BASE + s * SZ_4K,
			.size = n * SZ_4K };
		snprintf(r->last, sizeof(r->last), "unmap pages [%" PRIu64
			 ", +%" PRIu64 ")", s, n);
	}
	ret = gpuvm_drv_vm_bind(r->file, r->vm, 0, &op, 1, NULL);
	if (ret)
		fail_msg("random: seed %" PRIu64 " step %u: %s = %d", r->seed,
			 r->step, r->last, ret);
	for (i = 0; i < n; i++) {
		struct pg *p = &r->m[s + i];

		if (kind < 4)
			pg_set_bo(p, r->bo[b].handle, r->bo[b].tag,
				  (off + i) * SZ_4K, flags);
		else if (kind < 6)
			pg_set_sparse(p, flags);
		else if (kind < 8)
			pg_set_bo(p, r->bo[b].handle, r->bo[b].tag,
				  (off + i % rp) * SZ_4K, flags);
		else
			pg_set_none(p);
	}
	if (gpuvm_drv_vm_check(r->file, r->vm, stderr))
		fail_msg("random: seed %" PRIu64 " step %u: check failed after"
			 " %s", r->seed, r->step, r->last);
	/* The edges of the op, and a few pages anywhere. */
	{
		const uint64_t probe[4] = { s - 1, s, s + n - 1, s + n };

		for (i = 0; i < 4; i++)
			if (probe[i] < RW_PAGES && !rpage_ok(r, probe[i]))
				fail();
	}
	for (i = 0; i < 4; i++)
		if (!rpage_ok(r, rnd_below(r, RW_PAGES)))
			fail();
}

static void random_run(uint64_t seed, enum gpuvm_drv_sparse sparse,
		       uint64_t pgsizes, unsigned int steps)
{
	static const struct { uint64_t pages; unsigned int chunks; } bos[] = {
		{ 1, 0 }, { 5, 0 }, { 64, 0 }, { PAGES_2M + 1, 0 },
		{ 4 * PAGES_2M, 0 }, { 4 * PAGES_2M, 13 }, { 2 * PAGES_2M, 3 },
	};
	struct gpuvm_drv_device *dev = dev_new_sparse(sparse, pgsizes);
	struct rstate r = { .seed = seed, .rng = seed };
	struct gpuvm_drv_vm_stats st;
	struct vctx c;
	uint64_t i;
	unsigned int b;

	r.file = file_new(dev);
	r.vm = vm_new(r.file);
	r.m = calloc(RW_PAGES, sizeof(*r.m));
	assert_non_null(r.m);
	for (i = 0; i < RW_PAGES; i++)
		pg_set_none(&r.m[i]);
	for (b = 0; b < R_NBO; b++) {
		r.bo[b].tag = 0x100 + b;
		r.bo[b].pages = bos[b].pages;
		r.bo[b].handle = bo_new_chunks(r.file, bos[b].pages,
					       r.bo[b].tag, bos[b].chunks);
	}
	snprintf(r.last, sizeof(r.last), "nothing");
	c = (struct vctx){ .file = r.file, .vm = r.vm, .what = "random sweep" };
	for (r.step = 0; r.step < steps; r.step++) {
		rstep(&r);
		if ((r.step + 1) % 250 == 0 &&
		    !pages_ok(&c, RW_BASE, r.m, RW_PAGES)) {
			fail_msg("random: seed %" PRIu64 " step %u: sweep "
				 "failed after %s", seed, r.step, r.last);
		}
	}
	st = vstats(r.file, r.vm);
	print_message("  random seed 0x%" PRIx64 ": %u binds, %" PRIu64
		      " mappings, %" PRIu64 " 4K + %" PRIu64 " 2M leaves at "
		      "the end\n", seed, steps, st.mappings, st.leaf_4k,
		      st.leaf_2m);
	free(r.m);
	gpuvm_drv_device_destroy(dev);
}

static void test_random(void **state)
{
	(void)state;
	random_run(0x5eed0001, GPUVM_DRV_SPARSE_DUMMY, 0, 2000);
	random_run(0x5eed0002, GPUVM_DRV_SPARSE_DUMMY, 0, 2000);
	random_run(0x5eed0003, GPUVM_DRV_SPARSE_DUMMY, GPUVM_PT_PGSIZE_4K, 1000);
	random_run(0x5eed0004, GPUVM_DRV_SPARSE_NULL, PG_1G, 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		DRV_TEST(test_seed_100e6),
		DRV_TEST_CFG(test_seed_null_1g, .sparse = GPUVM_DRV_SPARSE_NULL,
			     .pgsizes = PG_1G),
		DRV_TEST_CFG(test_seed_dummy_1g, .pgsizes = PG_1G),
		DRV_TEST(test_dummy_cyclic),
		DRV_TEST_CFG(test_dummy_null, .sparse = GPUVM_DRV_SPARSE_NULL),
		DRV_TEST_CFG(test_dummy_fragmented, .ram = 8 * SZ_1M),
		DRV_TEST(test_bo_punch_sparse),
		DRV_TEST(test_repeat),
		DRV_TEST(test_dump_text),
		DRV_TEST_CFG(test_dump_text_null,
			     .sparse = GPUVM_DRV_SPARSE_NULL),
		DRV_TEST(test_bind_rules),
		DRV_TEST(test_bad_vm_ids),
		DRV_TEST(test_vm_as),
		DRV_TEST(test_caller_ram),
		DRV_TEST(test_bind_call_rules),
		DRV_TEST(test_bind_legal_edges),
		DRV_TEST(test_bo_create_rules),
		DRV_TEST(test_vm_limit),
		DRV_TEST(test_vm_id_reuse),
		DRV_TEST(test_user_va_rules),
		DRV_TEST(test_async_validation),
		DRV_TEST(test_batches),
		cmocka_unit_test(test_atomic_enomem),
		cmocka_unit_test(test_atomic_enomem_evicted_bo),
		cmocka_unit_test(test_atomic_enomem_evicted_dummy),
		DRV_TEST(test_bind_evicted_over_budget),
		DRV_TEST(test_bo_lifetime),
		cmocka_unit_test(test_file_close),
		DRV_TEST(test_faults),
		DRV_TEST_CFG(test_faults_39bit, .va_bits = 39),
		DRV_TEST(test_tlb_coherence),
		DRV_TEST_CFG(test_tlb_null_1g, .sparse = GPUVM_DRV_SPARSE_NULL,
			     .pgsizes = PG_1G),
		DRV_TEST_CFG(test_tlb_1g_bo, .pgsizes = PG_1G),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
