// SPDX-License-Identifier: MIT
/*
 * Tests of the simulated GPU MMU (src/mmu/).
 *
 * The page tables here are built by hand: table frames from
 * gpuvm_mem_alloc(), descriptors written with gpuvm_mem_write64() and the
 * pt.h format helpers. So the MMU is tested against the descriptor format
 * alone, independently of the page-table module, and a test can write
 * exactly the broken descriptor it wants (a block at level 0, a table
 * outside memory, a leaf without AF).
 *
 * Expected values are exact: physical addresses, fault kinds, levels and
 * addresses, and every counter after a known sequence of accesses.
 *
 * The tables, the expectations and the fixture are in mmu_test.h; most
 * tests run in a fresh environment from MMU_TEST (the address space's
 * VA width and TLB are named in main()); the long accesses, the address
 * space configuration and the fault names build their own.
 */
#include "mmu_test.h"
#include "flush_gather.h"

/* ------------------------------------------------------------------ */
/* Page sizes at every VA width                                        */

static void check_xlat(struct env *e, uint64_t va, uint64_t pa,
		       uint64_t size, uint64_t desc, uint64_t reads)
{
	struct gpuvm_mmu_stats before = stats(e), after;
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_fault f;

	assert_int_equal(gpuvm_mmu_translate(e->as, va, GPUVM_MMU_READ, &x,
					     &f), 0);
	assert_int_equal(x.pa, pa);
	assert_int_equal(x.page_size, size);
	assert_int_equal(x.desc, desc);
	assert_false(x.null);
	after = stats(e);
	assert_int_equal(after.misses - before.misses, 1);
	assert_int_equal(after.walk_reads - before.walk_reads, reads);

	/* The last byte: same leaf, now from the TLB. */
	assert_int_equal(gpuvm_mmu_translate(e->as, va + size - 1,
					     GPUVM_MMU_WRITE, &x, &f), 0);
	assert_int_equal(x.pa, pa + size - 1);
	assert_int_equal(stats(e).hits - after.hits, 1);
}

/* Writes through the MMU at va land at pa; reads see what mem has. */
static void check_rw(struct env *e, uint64_t va, uint64_t pa)
{
	unsigned char w[24], r[24];
	struct gpuvm_mmu_fault f;

	fill(w, sizeof(w), (unsigned int)va);
	assert_int_equal(gpuvm_mmu_write(e->as, va, w, sizeof(w), &f), 0);
	assert_pa_bytes(e->mem, pa, w, sizeof(w));

	fill(w, sizeof(w), 99);
	assert_int_equal(gpuvm_mem_write(e->mem, pa, w, sizeof(w)), 0);
	assert_int_equal(gpuvm_mmu_read(e->as, va, r, sizeof(r), &f), 0);
	assert_memory_equal(r, w, sizeof(w));
}

static void check_sizes(struct env *e)
{
	unsigned int va_bits = e->va_bits;
	uint64_t top = 1ull << va_bits;
	unsigned int levels = 4 - gpuvm_pt_start_level_for(va_bits);
	uint64_t va4k = 0x12345000, va2m = top / 2 + GPUVM_SZ_2M;
	uint64_t va1g = top - GPUVM_SZ_1G; /* the top table's last entry */
	uint64_t pa4k, pa2m, pa1g, d4k, d2m, d1g;
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_fault f;

	assert_int_equal(gpuvm_mmu_as_va_bits(e->as), va_bits);
	pa1g = frame(e, GPUVM_SZ_1G);
	pa2m = frame(e, GPUVM_SZ_2M);
	pa4k = frame(e, GPUVM_SZ_4K);
	d4k = map(e, va4k, pa4k, 3, ATTRS);
	d2m = map(e, va2m, pa2m, 2, ATTRS);
	d1g = map(e, va1g, pa1g, 1, ATTRS | GPUVM_PTE_XN);

	check_xlat(e, va4k, pa4k, GPUVM_SZ_4K, d4k, levels);
	check_xlat(e, va2m, pa2m, GPUVM_SZ_2M, d2m, levels - 1);
	check_xlat(e, va1g, pa1g, GPUVM_SZ_1G, d1g, levels - 2);

	check_rw(e, va4k + 0x100, pa4k + 0x100);
	check_rw(e, va2m + GPUVM_SZ_2M - 24, pa2m + GPUVM_SZ_2M - 24);
	check_rw(e, va1g + 0x12345678, pa1g + 0x12345678);
	check_rw(e, top - 24, pa1g + GPUVM_SZ_1G - 24);

	/* One past the top of the VA space. */
	assert_int_equal(gpuvm_mmu_translate(e->as, top, GPUVM_MMU_READ, &x,
					     &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_ADDRESS_SIZE, GPUVM_MMU_READ, top,
		     gpuvm_pt_start_level_for(va_bits));
}

static void test_sizes_48(void **state)
{
	check_sizes(*state);
}

static void test_sizes_40(void **state)
{
	check_sizes(*state); /* level 0 top table of 2 entries */
}

static void test_sizes_39(void **state)
{
	check_sizes(*state); /* start at level 1, 512 entries */
}

static void test_sizes_32(void **state)
{
	check_sizes(*state); /* start at level 1, 4 entries */
}

/* ------------------------------------------------------------------ */
/* Accesses                                                            */

static void test_le_bytes(void **state)
{
	static const unsigned char want[] = { 0x44, 0x33, 0x22, 0x11 };
	uint32_t v = 0x11223344, back = 0;
	struct gpuvm_mmu_fault f;
	struct env *e = *state;
	uint64_t pa;

	pa = frame(e, GPUVM_SZ_4K);
	map(e, 0x10000, pa, 3, ATTRS);
	assert_int_equal(gpuvm_mmu_write(e->as, 0x10003, &v, 4, &f), 0);
	assert_pa_bytes(e->mem, pa + 3, want, 4);
	assert_int_equal(gpuvm_mmu_read(e->as, 0x10003, &back, 4, &f), 0);
	assert_int_equal(back, v);
	/* A zero-length access touches nothing, even unmapped. */
	assert_int_equal(gpuvm_mmu_read(e->as, 0x990000, &back, 0, &f), 0);
	assert_counts(e, 1, 1, 1, 4);
}

static void test_cross_page(void **state)
{
	uint64_t va = 0x4000000, p1, p2, v = 0x0102030405060708ull, back;
	static const unsigned char lo[] = { 0x08, 0x07, 0x06 };
	static const unsigned char hi[] = { 0x05, 0x04, 0x03, 0x02, 0x01 };
	unsigned char w[16], r[16];
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	p2 = frame(e, GPUVM_SZ_4K);
	frame(e, GPUVM_SZ_4K); /* keep p1 and p2 apart */
	p1 = frame(e, GPUVM_SZ_4K);
	map(e, va, p1, 3, ATTRS);
	map(e, va + GPUVM_SZ_4K, p2, 3, ATTRS);

	fill(w, sizeof(w), 5);
	assert_int_equal(gpuvm_mmu_write(e->as, va + 4096 - 6, w, 16, &f), 0);
	assert_pa_bytes(e->mem, p1 + 4090, w, 6);
	assert_pa_bytes(e->mem, p2, w + 6, 10);
	assert_int_equal(gpuvm_mmu_read(e->as, va + 4096 - 6, r, 16, &f), 0);
	assert_memory_equal(r, w, 16);

	assert_int_equal(gpuvm_mmu_write(e->as, va + 4093, &v, 8, &f), 0);
	assert_pa_bytes(e->mem, p1 + 4093, lo, 3);
	assert_pa_bytes(e->mem, p2, hi, 5);
	assert_int_equal(gpuvm_mmu_read(e->as, va + 4093, &back, 8, &f), 0);
	assert_int_equal(back, v);
}

static void test_cross_block_to_page(void **state)
{
	uint64_t va = 0x80000000, blk, pg;
	unsigned char w[32], r[32];
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	blk = frame(e, GPUVM_SZ_2M);
	pg = frame(e, GPUVM_SZ_4K);
	map(e, va, blk, 2, ATTRS);
	map(e, va + GPUVM_SZ_2M, pg, 3, ATTRS);
	fill(w, sizeof(w), 1);
	assert_int_equal(gpuvm_mmu_write(e->as, va + GPUVM_SZ_2M - 12, w, 32,
					 &f), 0);
	assert_pa_bytes(e->mem, blk + GPUVM_SZ_2M - 12, w, 12);
	assert_pa_bytes(e->mem, pg, w + 12, 20);
	assert_int_equal(gpuvm_mmu_read(e->as, va + GPUVM_SZ_2M - 12, r, 32,
					&f), 0);
	assert_memory_equal(r, w, 32);
	/* Two chunks per access: a block walk (2 reads), a page walk (3). */
	assert_counts(e, 2, 2, 2, 5);
}

static void test_cross_into_unmapped(void **state)
{
	uint64_t va = 0x4000000, p1;
	unsigned char w[16], r[16], keep[16];
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	p1 = frame(e, GPUVM_SZ_4K);
	map(e, va, p1, 3, ATTRS);

	fill(w, sizeof(w), 3);
	assert_int_equal(gpuvm_mmu_write(e->as, va + 4096 - 8, w, 16, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_WRITE,
		     va + 4096, 3);
	assert_pa_zero(e->mem, p1, GPUVM_SZ_4K);

	memset(r, 0xaa, sizeof(r));
	memcpy(keep, r, sizeof(r));
	assert_int_equal(gpuvm_mmu_read(e->as, va + 4096 - 8, r, 16, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_READ,
		     va + 4096, 3);
	assert_memory_equal(r, keep, 16);
	assert_int_equal(stats(e).faults, 2);
}

/* Runs pages [0, n) of va to frames allocated high-to-low. */
static void map_scattered(struct env *e, uint64_t va, unsigned int n,
			  uint64_t *pas)
{
	for (unsigned int i = 0; i < n; i++) {
		pas[n - 1 - i] = frame(e, GPUVM_SZ_4K);
		frame(e, GPUVM_SZ_4K); /* a hole between neighbours */
	}
	for (unsigned int i = 0; i < n; i++)
		map(e, va + i * GPUVM_SZ_4K, pas[i], 3, ATTRS);
}

/*
 * Longer than the access's saved translations: later chunks are resolved
 * again in the copy pass, from the TLB or (tiny TLB) by a quiet walk; each
 * chunk must still be counted exactly once.
 */
static void check_long(unsigned int tlb_entries)
{
	enum { N = 80, OFF = 50 };
	uint64_t va = 0x200000, pas[N];
	size_t len = N * GPUVM_SZ_4K - OFF - 30;
	unsigned char *w = malloc(len), *r = malloc(len);
	struct gpuvm_mmu_fault f;
	struct env e;
	size_t done = 0;

	assert_non_null(w);
	assert_non_null(r);
	env_init_cfg(&e, 48, tlb_entries, false);
	map_scattered(&e, va, N, pas);
	fill(w, len, 11);
	assert_int_equal(gpuvm_mmu_write(e.as, va + OFF, w, len, &f), 0);
	assert_counts(&e, 0, N, N, 4 * N);
	for (unsigned int i = 0; i < N; i++) {
		uint64_t from = i ? 0 : OFF;
		uint64_t n = GPUVM_SZ_4K - from;

		if (n > len - done)
			n = len - done;
		assert_pa_bytes(e.mem, pas[i] + from, w + done, n);
		done += n;
	}
	assert_int_equal(done, len);
	assert_int_equal(gpuvm_mmu_read(e.as, va + OFF, r, len, &f), 0);
	assert_memory_equal(r, w, len);
	if (tlb_entries >= N)
		assert_counts(&e, N, N, N, 4 * N);
	else
		assert_int_equal(stats(&e).hits + stats(&e).misses, 2 * N);

	/* Unmap the last page: the whole write faults, nothing changes. */
	gpuvm_mem_write64(e.mem, slot(&e, va + (N - 1) * GPUVM_SZ_4K, 3), 0);
	gpuvm_mmu_invalidate_all(e.as);
	fill(r, len, 77);
	assert_int_equal(gpuvm_mmu_write(e.as, va + OFF, r, len, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_WRITE,
		     va + (N - 1) * GPUVM_SZ_4K, 3);
	assert_pa_bytes(e.mem, pas[0] + OFF, w, GPUVM_SZ_4K - OFF);
	assert_pa_bytes(e.mem, pas[40], w + 40 * GPUVM_SZ_4K - OFF,
			GPUVM_SZ_4K);
	env_fini(&e);
	free(w);
	free(r);
}

static void test_long_access(void **state)
{
	(void)state;
	check_long(256);
}

static void test_long_access_tiny_tlb(void **state)
{
	(void)state;
	check_long(16);
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

static void test_fault_translation_levels(void **state)
{
	/* L0 1, L1 1, L2 1, L3 3 */
	uint64_t va = (1ull << 39) | (1ull << 30) | (1ull << 21) | 0x3000;
	struct env *e = *state;

	map(e, va, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	expect_fault(e, 2ull << 39, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_TRANSLATION, 0, 1);
	expect_fault(e, (1ull << 39) | (2ull << 30), GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_TRANSLATION, 1, 2);
	expect_fault(e, (va & ~(GPUVM_SZ_2M - 1)) + 5 * GPUVM_SZ_2M,
		     GPUVM_MMU_WRITE, GPUVM_MMU_FAULT_TRANSLATION, 2, 3);
	expect_fault(e, va + GPUVM_SZ_4K, GPUVM_MMU_EXEC,
		     GPUVM_MMU_FAULT_TRANSLATION, 3, 4);

	/* Block type at level 0, reserved type (0b01) at level 3. */
	gpuvm_mem_write64(e->mem, slot(e, 3ull << 39, 0),
			  gpuvm_pte_make_leaf(0, ATTRS, 1));
	expect_fault(e, 3ull << 39, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_TRANSLATION, 0, 1);
	gpuvm_mem_write64(e->mem, slot(e, va + 2 * GPUVM_SZ_4K, 3),
			  frame(e, GPUVM_SZ_4K) | ATTRS |
			  GPUVM_PTE_TYPE_BLOCK);
	expect_fault(e, va + 2 * GPUVM_SZ_4K, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_TRANSLATION, 3, 4);
	/* Faults are not cached: every attempt walks. */
	assert_counts(e, 0, 6, 6, 15);
}

static void test_fault_translation_start_level1(void **state)
{
	struct env *e = *state;

	expect_fault(e, 0xc0000000, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_TRANSLATION, 1, 1);
	map(e, 0xc0000000, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	expect_fault(e, 0xc0400000, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_TRANSLATION, 2, 2);
}

static void test_fault_permission(void **state)
{
	uint64_t ro = 0x10000, xn = 0x20000, blk = 0x40000000, pro, pxn;
	unsigned char buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, r[8];
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	pro = frame(e, GPUVM_SZ_4K);
	pxn = frame(e, GPUVM_SZ_4K);
	map(e, ro, pro, 3, ATTRS | GPUVM_PTE_AP_RDONLY);
	map(e, ro + GPUVM_SZ_4K, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	map(e, xn, pxn, 3, ATTRS | GPUVM_PTE_XN);
	map(e, blk, frame(e, GPUVM_SZ_2M), 2,
	    ATTRS | GPUVM_PTE_AP_RDONLY | GPUVM_PTE_XN);

	assert_int_equal(gpuvm_mmu_read(e->as, ro, r, 8, &f), 0);
	assert_int_equal(gpuvm_mmu_fetch(e->as, ro, r, 8, &f), 0);
	assert_int_equal(gpuvm_mmu_write(e->as, ro + 5, buf, 8, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_WRITE, ro + 5,
		     3);
	assert_pa_zero(e->mem, pro, GPUVM_SZ_4K);
	/* Unmapped first page: the first byte is the faulting one. */
	assert_int_equal(gpuvm_mmu_write(e->as, ro - 4, buf, 8, &f), -EFAULT);
	assert_int_equal(f.kind, GPUVM_MMU_FAULT_TRANSLATION);
	assert_int_equal(f.addr, ro - 4);

	assert_int_equal(gpuvm_mmu_read(e->as, xn, r, 8, &f), 0);
	assert_int_equal(gpuvm_mmu_write(e->as, xn, buf, 8, &f), 0);
	assert_pa_bytes(e->mem, pxn, buf, 8);
	assert_int_equal(gpuvm_mmu_fetch(e->as, xn + 8, r, 8, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_EXEC, xn + 8,
		     3);
	assert_int_equal(gpuvm_mmu_fetch(e->as, xn - 4, r, 8, &f), -EFAULT);
	assert_int_equal(f.kind, GPUVM_MMU_FAULT_TRANSLATION);

	assert_int_equal(gpuvm_mmu_write(e->as, blk + 0x1000, buf, 1, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_WRITE,
		     blk + 0x1000, 2);
	assert_int_equal(gpuvm_mmu_fetch(e->as, blk + 0x1000, r, 1, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_EXEC,
		     blk + 0x1000, 2);
	assert_int_equal(stats(e).faults, 6);
}

static void test_fault_permission_second_page(void **state)
{
	uint64_t va = 0x10000, p1;
	unsigned char buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	p1 = frame(e, GPUVM_SZ_4K);
	map(e, va, p1, 3, ATTRS);
	map(e, va + GPUVM_SZ_4K, frame(e, GPUVM_SZ_4K), 3,
	    ATTRS | GPUVM_PTE_AP_RDONLY);
	assert_int_equal(gpuvm_mmu_write(e->as, va + 4092, buf, 8, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_WRITE,
		     va + GPUVM_SZ_4K, 3);
	assert_pa_zero(e->mem, p1, GPUVM_SZ_4K);
}

static void test_fault_address_size_32(void **state)
{
	unsigned char r[8], keep[8];
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	expect_fault(e, 1ull << 32, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 1, 0);
	expect_fault(e, UINT64_MAX, GPUVM_MMU_WRITE,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 1, 0);
	assert_counts(e, 0, 0, 0, 0);

	/* Crossing out of the VA space from its last page. */
	map(e, (1ull << 32) - GPUVM_SZ_4K, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	memset(r, 0x5a, sizeof(r));
	memcpy(keep, r, sizeof(r));
	assert_int_equal(gpuvm_mmu_read(e->as, (1ull << 32) - 4, r, 8, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_ADDRESS_SIZE, GPUVM_MMU_READ,
		     1ull << 32, 1);
	assert_memory_equal(r, keep, 8);
}

static void test_fault_address_size_48(void **state)
{
	struct env *e = *state;

	expect_fault(e, 1ull << 48, GPUVM_MMU_EXEC,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 0, 0);
	assert_counts(e, 0, 0, 0, 0);
}

/* Descriptors pointing outside memory fault; they never reach the host. */
static void test_fault_outside_memory(void **state)
{
	struct env *e = *state;

	gpuvm_mem_write64(e->mem, slot(e, 0, 0),
			  gpuvm_pte_make_table(2 * MEM_SIZE));
	expect_fault(e, 0x1000, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 1, 1);
	map(e, 1ull << 39, MEM_SIZE - GPUVM_SZ_4K, 3, ATTRS);
	map(e, (1ull << 39) + GPUVM_SZ_4K, MEM_SIZE, 3, ATTRS);
	map(e, (1ull << 39) + GPUVM_SZ_1G, MEM_SIZE - GPUVM_SZ_1G, 1, ATTRS);
	map(e, (1ull << 39) + 2 * GPUVM_SZ_1G, MEM_SIZE, 1, ATTRS);
	read_ok(e, (1ull << 39) + GPUVM_SZ_4K - 8, 8);
	expect_fault(e, (1ull << 39) + GPUVM_SZ_4K, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 3, 4);
	read_ok(e, (1ull << 39) + 2 * GPUVM_SZ_1G - 8, 8);
	expect_fault(e, (1ull << 39) + 2 * GPUVM_SZ_1G, GPUVM_MMU_READ,
		     GPUVM_MMU_FAULT_ADDRESS_SIZE, 1, 2);
}

static void test_fault_access_flag(void **state)
{
	uint64_t va = 0x7000, blk = 0x400000, pa, s;
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	pa = frame(e, GPUVM_SZ_4K);
	map(e, va, pa, 3, ATTRS & ~GPUVM_PTE_AF);
	map(e, blk, frame(e, GPUVM_SZ_2M), 2, ATTRS & ~GPUVM_PTE_AF);
	expect_fault(e, va + 9, GPUVM_MMU_READ, GPUVM_MMU_FAULT_ACCESS_FLAG,
		     3, 4);
	expect_fault(e, blk + 9, GPUVM_MMU_WRITE, GPUVM_MMU_FAULT_ACCESS_FLAG,
		     2, 3);

	/* Faults are not cached: setting AF needs no invalidation. */
	s = slot(e, va, 3);
	gpuvm_mem_write64(e->mem, s,
			  gpuvm_mem_read64(e->mem, s) | GPUVM_PTE_AF);
	assert_int_equal(gpuvm_mmu_translate(e->as, va + 9, GPUVM_MMU_READ, &x,
					     &f), 0);
	assert_int_equal(x.pa, pa + 9);
	assert_counts(e, 0, 3, 3, 11);
	assert_int_equal(stats(e).faults, 2);
}

static void test_null_leaf(void **state)
{
	uint64_t va = 0x30000, blk = 0x600000, ro = 0x50000;
	unsigned char page0[4096], after[4096], buf[32], w[32];
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_fault f;
	struct env *e = *state;
	uint64_t d;

	d = map(e, va, 0, 3, ATTRS | GPUVM_PTE_SW_NULL);
	map(e, blk, 0, 2, ATTRS | GPUVM_PTE_SW_NULL);
	map(e, ro, 0, 3, ATTRS | GPUVM_PTE_SW_NULL | GPUVM_PTE_AP_RDONLY |
	    GPUVM_PTE_XN);
	/* PA 0 holds something real (the root table): it must not change. */
	assert_int_equal(gpuvm_mem_read(e->mem, 0, page0, 4096), 0);

	assert_int_equal(gpuvm_mmu_translate(e->as, va + 5, GPUVM_MMU_READ, &x,
					     &f), 0);
	assert_true(x.null);
	assert_int_equal(x.pa, 0);
	assert_int_equal(x.desc, d);
	assert_int_equal(x.page_size, GPUVM_SZ_4K);

	fill(w, sizeof(w), 8);
	assert_int_equal(gpuvm_mmu_write(e->as, va + 100, w, 32, &f), 0);
	assert_int_equal(gpuvm_mmu_write(e->as, blk + 100, w, 32, &f), 0);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(gpuvm_mmu_read(e->as, va + 100, buf, 32, &f), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(gpuvm_mmu_fetch(e->as, blk + GPUVM_SZ_2M - 16, buf,
					 16, &f), 0);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(buf[i], 0);

	/* Permissions apply to NULL leaves as to any other. */
	assert_int_equal(gpuvm_mmu_read(e->as, ro, buf, 8, &f), 0);
	assert_int_equal(gpuvm_mmu_write(e->as, ro, w, 8, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_WRITE, ro, 3);
	assert_int_equal(gpuvm_mmu_fetch(e->as, ro, buf, 8, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_EXEC, ro, 3);

	assert_int_equal(gpuvm_mem_read(e->mem, 0, after, 4096), 0);
	assert_memory_equal(after, page0, 4096);
}

/* ------------------------------------------------------------------ */
/* TLB                                                                 */

static void test_tlb_counters(void **state)
{
	uint64_t a = 0x100000, x = 0x40000000, u = a + 5 * GPUVM_SZ_4K;
	struct gpuvm_mmu_stats st;
	unsigned char buf[8];
	struct gpuvm_mmu_xlat xl;
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	map(e, a, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	map(e, a + GPUVM_SZ_4K, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	map(e, x, frame(e, GPUVM_SZ_2M), 2, ATTRS);
	assert_counts(e, 0, 0, 0, 0);

	read_ok(e, a, 8);
	assert_counts(e, 0, 1, 1, 4);
	read_ok(e, a + 8, 8);
	assert_counts(e, 1, 1, 1, 4);
	read_ok(e, a + GPUVM_SZ_4K, 8);
	assert_counts(e, 1, 2, 2, 8);
	read_ok(e, a, 1);
	assert_counts(e, 2, 2, 2, 8);
	read_ok(e, x, 8);
	assert_counts(e, 2, 3, 3, 11);
	read_ok(e, x + GPUVM_SZ_2M / 2, 8);
	read_ok(e, x + GPUVM_SZ_2M - 1, 1);
	assert_counts(e, 4, 3, 3, 11);
	read_ok(e, a + GPUVM_SZ_4K - 4, 8); /* two chunks, both cached */
	assert_counts(e, 6, 3, 3, 11);
	assert_int_equal(gpuvm_mmu_read(e->as, u, buf, 8, &f), -EFAULT);
	assert_counts(e, 6, 4, 4, 15);
	assert_int_equal(gpuvm_mmu_translate(e->as, a, GPUVM_MMU_WRITE, &xl,
					     &f), 0);
	st = stats(e);
	assert_int_equal(st.hits, 7);
	assert_int_equal(st.misses, 4);
	assert_int_equal(st.faults, 1);
	assert_int_equal(st.invalidations, 0);
	assert_int_equal(st.entries_dropped, 0);
	assert_int_equal(st.stale, 0);
}

static void test_tlb_block_one_entry(void **state)
{
	uint64_t x = 0x40000000, g = 4 * GPUVM_SZ_1G;
	struct env *e = *state;

	map(e, x, frame(e, GPUVM_SZ_2M), 2, ATTRS);
	map(e, g, frame(e, GPUVM_SZ_1G), 1, ATTRS);
	read_ok(e, x, 8);
	for (unsigned int i = 0; i < 512; i++)
		read_ok(e, x + i * GPUVM_SZ_4K + 7, 8);
	assert_counts(e, 512, 1, 1, 3);

	read_ok(e, g + 12345, 8);
	for (unsigned int i = 0; i < 1000; i++)
		read_ok(e, g + i * 1048573ull, 4);
	assert_counts(e, 1512, 2, 2, 5);

	/* Two entries in all, however many pages were touched. */
	gpuvm_mmu_invalidate_all(e->as);
	assert_int_equal(stats(e).invalidations, 1);
	assert_int_equal(stats(e).entries_dropped, 2);
	read_ok(e, x + 99, 1);
	assert_counts(e, 1512, 3, 3, 8);
}

static void test_tlb_invalidate_range(void **state)
{
	uint64_t a = 0x10000000, x = 0x40000000;
	struct gpuvm_mmu_stats st;
	struct env *e = *state;

	for (unsigned int i = 0; i < 3; i++)
		map(e, a + i * GPUVM_SZ_4K, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	map(e, x, frame(e, GPUVM_SZ_2M), 2, ATTRS);
	for (unsigned int i = 0; i < 3; i++)
		read_ok(e, a + i * GPUVM_SZ_4K, 8);
	read_ok(e, x, 8);
	assert_counts(e, 0, 4, 4, 15);

	gpuvm_mmu_invalidate(e->as, a + GPUVM_SZ_4K, GPUVM_SZ_4K);
	assert_int_equal(stats(e).invalidations, 1);
	assert_int_equal(stats(e).entries_dropped, 1);
	read_ok(e, a, 8);
	read_ok(e, a + 2 * GPUVM_SZ_4K, 8);
	read_ok(e, x + 5, 8);
	assert_counts(e, 3, 4, 4, 15);
	read_ok(e, a + GPUVM_SZ_4K, 8);
	assert_counts(e, 3, 5, 5, 19);

	/* One byte inside the block drops the whole block. */
	gpuvm_mmu_invalidate(e->as, x + 5 * GPUVM_SZ_4K + 3, 1);
	assert_int_equal(stats(e).entries_dropped, 2);
	read_ok(e, a, 8);
	read_ok(e, x + GPUVM_SZ_2M / 2, 8);
	assert_counts(e, 4, 6, 6, 22);

	/* Two bytes straddling a page boundary: both pages. */
	gpuvm_mmu_invalidate(e->as, a + GPUVM_SZ_4K - 1, 2);
	assert_int_equal(stats(e).entries_dropped, 4);

	/* An empty range is no invalidation. */
	gpuvm_mmu_invalidate(e->as, a + 2 * GPUVM_SZ_4K, 0);
	assert_int_equal(stats(e).invalidations, 3);
	read_ok(e, a + 2 * GPUVM_SZ_4K, 8);
	assert_counts(e, 5, 6, 6, 22);

	/*
	 * Ranges larger than an array scan it: 300 pages around a (more
	 * than the 256 4 KiB entries), 64 MiB below x (more than the 32
	 * 2 MiB entries). Neither touches the other's entries.
	 */
	read_ok(e, a, 8);
	read_ok(e, a + GPUVM_SZ_4K, 8);
	gpuvm_mmu_invalidate(e->as, a - 150 * GPUVM_SZ_4K, 300 * GPUVM_SZ_4K);
	assert_int_equal(stats(e).entries_dropped, 7);
	read_ok(e, x, 8);
	assert_counts(e, 6, 8, 8, 30);
	gpuvm_mmu_invalidate(e->as, x - 64 * GPUVM_SZ_2M, 64 * GPUVM_SZ_2M);
	read_ok(e, x, 8);
	assert_counts(e, 7, 8, 8, 30);

	/* Everything, with an end past 2^64. */
	read_ok(e, a, 8);
	gpuvm_mmu_invalidate(e->as, 0x1000, UINT64_MAX);
	st = stats(e);
	assert_int_equal(st.invalidations, 6);
	assert_int_equal(st.entries_dropped, 9);
	read_ok(e, a, 8);
	read_ok(e, x, 8);
	assert_counts(e, 7, 11, 11, 41);
}

/* A direct-mapped 4 KiB array: pages 4 apart share a slot of 4. */
static void test_tlb_conflict(void **state)
{
	uint64_t a = 0x10000;
	struct env *e = *state;

	map(e, a, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	map(e, a + 4 * GPUVM_SZ_4K, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	map(e, a + GPUVM_SZ_4K, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	read_ok(e, a, 8);
	read_ok(e, a + GPUVM_SZ_4K, 8);
	read_ok(e, a + 4 * GPUVM_SZ_4K, 8);
	read_ok(e, a, 8);
	read_ok(e, a + GPUVM_SZ_4K, 8);
	assert_counts(e, 1, 4, 4, 16);
}

/* ------------------------------------------------------------------ */
/* Stale entries: the deliberate driver bug                            */

struct stale_env {
	struct env *e;
	uint64_t va, p_old, p_new, slot;
};

static const char old_data[8] = "old!old";
static const char new_data[8] = "new!new";

/* va maps p_old, read once (cached); then p_new is written behind it. */
static void stale_setup(struct stale_env *s, struct env *e)
{
	char buf[8];
	struct gpuvm_mmu_fault f;

	s->e = e;
	s->va = 0x123456000;
	s->p_old = frame(s->e, GPUVM_SZ_4K);
	s->p_new = frame(s->e, GPUVM_SZ_4K);
	gpuvm_mem_write(s->e->mem, s->p_old, old_data, 8);
	gpuvm_mem_write(s->e->mem, s->p_new, new_data, 8);
	map(s->e, s->va, s->p_old, 3, ATTRS);
	s->slot = slot(s->e, s->va, 3);
	assert_int_equal(gpuvm_mmu_read(s->e->as, s->va, buf, 8, &f), 0);
	assert_memory_equal(buf, old_data, 8);
	/* The bug: the descriptor changes and nobody invalidates. */
	gpuvm_mem_write64(s->e->mem, s->slot,
			  gpuvm_pte_make_leaf(s->p_new, ATTRS, 3));
}

static void test_stale_served_unchecked(void **state)
{
	struct stale_env s;
	struct gpuvm_mmu_fault f;
	char buf[8];

	stale_setup(&s, *state);
	/* What a real GPU does: the old page, silently. */
	assert_int_equal(gpuvm_mmu_read(s.e->as, s.va, buf, 8, &f), 0);
	assert_memory_equal(buf, old_data, 8);
	assert_int_equal(stats(s.e).stale, 0);
	assert_counts(s.e, 1, 1, 1, 4);
}

static void test_stale_caught_checked(void **state)
{
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_fault f;
	struct stale_env s;
	char buf[8];

	stale_setup(&s, *state);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(gpuvm_mmu_read(s.e->as, s.va, buf, 8, &f), -ESTALE);
	assert_memory_equal(buf, "zzzzzzzz", 8);
	assert_int_equal(stats(s.e).stale, 1);
	assert_int_equal(stats(s.e).faults, 0);
	/* The hit was walked again: 2 walks, 1 miss, 1 hit. */
	assert_counts(s.e, 1, 1, 2, 8);
	/* The stale entry is gone: the next access walks and is right. */
	assert_int_equal(gpuvm_mmu_read(s.e->as, s.va, buf, 8, &f), 0);
	assert_memory_equal(buf, new_data, 8);
	assert_counts(s.e, 1, 2, 3, 12);

	/* translate: -ESTALE with the fresh answer. */
	gpuvm_mem_write64(s.e->mem, s.slot,
			  gpuvm_pte_make_leaf(s.p_old, ATTRS, 3));
	assert_int_equal(gpuvm_mmu_translate(s.e->as, s.va + 4, GPUVM_MMU_READ,
					     &x, &f), -ESTALE);
	assert_int_equal(x.pa, s.p_old + 4);
	assert_int_equal(stats(s.e).stale, 2);

	/* Same page, now read-only: a stale hit would still allow writes. */
	read_ok(s.e, s.va, 8);
	gpuvm_mem_write64(s.e->mem, s.slot,
			  gpuvm_pte_make_leaf(s.p_old, ATTRS |
					      GPUVM_PTE_AP_RDONLY, 3));
	assert_int_equal(gpuvm_mmu_write(s.e->as, s.va, new_data, 8, &f),
			 -ESTALE);
	assert_pa_bytes(s.e->mem, s.p_old, old_data, 8);
	assert_int_equal(stats(s.e).stale, 3);
	assert_int_equal(gpuvm_mmu_write(s.e->as, s.va, new_data, 8, &f),
			 -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_WRITE, s.va, 3);

	/* A hit on what memory now says is unmapped is stale too. */
	read_ok(s.e, s.va, 8);
	gpuvm_mem_write64(s.e->mem, s.slot, 0);
	assert_int_equal(gpuvm_mmu_read(s.e->as, s.va, buf, 8, &f), -ESTALE);
	assert_fault(&f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_READ, s.va, 3);
	assert_int_equal(stats(s.e).stale, 4);
	assert_int_equal(gpuvm_mmu_read(s.e->as, s.va, buf, 8, &f), -EFAULT);
	assert_int_equal(stats(s.e).faults, 2);
}

static void test_stale_fixed_by_invalidation(void **state)
{
	struct gpuvm_mmu_fault f;
	struct stale_env s;
	char buf[8];

	stale_setup(&s, *state);
	gpuvm_mmu_invalidate(s.e->as, s.va, GPUVM_SZ_4K);
	assert_int_equal(gpuvm_mmu_read(s.e->as, s.va, buf, 8, &f), 0);
	assert_memory_equal(buf, new_data, 8);
	assert_int_equal(gpuvm_mmu_read(s.e->as, s.va + 4, buf, 4, &f), 0);
	assert_memory_equal(buf, new_data + 4, 4);
	assert_int_equal(stats(s.e).stale, 0);
	assert_int_equal(stats(s.e).entries_dropped, 1);
	/* Checked mode: the later hit walked too. */
	assert_counts(s.e, 1, 2, 3, 12);
}

/* ------------------------------------------------------------------ */
/* Address spaces                                                      */

static void test_as_cfg(void **state)
{
	struct gpuvm_mem_cfg mc = { .size = MEM_SIZE };
	struct gpuvm_mmu_as_cfg c;
	struct gpuvm_mmu_as *as;
	struct gpuvm_mem *mem;

	(void)state;
	assert_int_equal(gpuvm_mem_create(&mc, &mem), 0);
	c = (struct gpuvm_mmu_as_cfg){ .mem = mem, .va_bits = 48 };
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), 0);
	gpuvm_mmu_as_destroy(as);
	gpuvm_mmu_as_destroy(NULL);

	c.va_bits = 31;
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), -EINVAL);
	c.va_bits = 49;
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), -EINVAL);
	c.va_bits = 32;
	c.tlb_entries = 3;
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), -EINVAL);
	c.tlb_entries = 1;
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), 0);
	gpuvm_mmu_as_destroy(as);
	c.root = 0x800;
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), -EINVAL);
	c.root = MEM_SIZE;
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), -EINVAL);
	c.root = MEM_SIZE - GPUVM_SZ_4K;
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), 0);
	gpuvm_mmu_as_destroy(as);
	c.mem = NULL;
	assert_int_equal(gpuvm_mmu_as_create(&c, &as), -EINVAL);
	assert_int_equal(gpuvm_mmu_as_create(NULL, &as), -EINVAL);
	gpuvm_mem_destroy(mem);
}

static void test_fault_names(void **state)
{
	(void)state;
	assert_string_equal(gpuvm_mmu_fault_name(GPUVM_MMU_FAULT_NONE),
			    "none");
	assert_string_equal(gpuvm_mmu_fault_name(GPUVM_MMU_FAULT_TRANSLATION),
			    "translation");
	assert_string_equal(gpuvm_mmu_fault_name(GPUVM_MMU_FAULT_PERMISSION),
			    "permission");
	assert_string_equal(gpuvm_mmu_fault_name(GPUVM_MMU_FAULT_ADDRESS_SIZE),
			    "address size");
	assert_string_equal(gpuvm_mmu_fault_name(GPUVM_MMU_FAULT_ACCESS_FLAG),
			    "access flag");
	assert_string_equal(gpuvm_mmu_fault_name(
			    (enum gpuvm_mmu_fault_kind)42), "unknown");
}

static void test_set_root(void **state)
{
	uint64_t va = 0x5000, r2, p1, p2;
	uint32_t v1 = 0x11111111, v2 = 0x22222222, got;
	struct gpuvm_mmu_fault f;
	struct env *e = *state;

	r2 = table(e);
	p1 = frame(e, GPUVM_SZ_4K);
	p2 = frame(e, GPUVM_SZ_4K);
	gpuvm_mem_write(e->mem, p1, &v1, 4);
	gpuvm_mem_write(e->mem, p2, &v2, 4);
	map(e, va, p1, 3, ATTRS);
	gpuvm_mem_write64(e->mem, slot_in(e, r2, va, 3),
			  gpuvm_pte_make_leaf(p2, ATTRS, 3));

	assert_int_equal(gpuvm_mmu_read(e->as, va, &got, 4, &f), 0);
	assert_int_equal(got, v1);
	gpuvm_mmu_as_set_root(e->as, r2);
	assert_int_equal(stats(e).entries_dropped, 1);
	assert_int_equal(gpuvm_mmu_read(e->as, va, &got, 4, &f), 0);
	assert_int_equal(got, v2);
	assert_counts(e, 0, 2, 2, 8);

	/* A bad root cannot be refused here; every walk faults instead. */
	gpuvm_mmu_as_set_root(e->as, 0x10);
	assert_int_equal(gpuvm_mmu_read(e->as, va, &got, 4, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_ADDRESS_SIZE, GPUVM_MMU_READ, va, 0);
}

/*
 * Invalidating a real gather's range, then releasing it (what a driver's
 * flush does): only the gather's range goes, and the gather comes back
 * empty. The page-table instance only provides gpuvm_pt_gather_release()
 * here; the walked tables are still hand-built.
 */
static void test_flush_gather(void **state)
{
	uint64_t a = 0x10000;
	struct gpuvm_pt_cfg pc;
	struct gpuvm_pt_gather g;
	struct gpuvm_pt *pt;
	struct env *e = *state;

	pc = (struct gpuvm_pt_cfg){
		.mem = e->mem, .va_bits = 48, .pgsizes = GPUVM_PT_PGSIZE_4K,
	};
	assert_int_equal(gpuvm_pt_create(&pc, &pt), 0);
	map(e, a, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	map(e, a + GPUVM_SZ_4K, frame(e, GPUVM_SZ_4K), 3, ATTRS);
	read_ok(e, a, 8);
	read_ok(e, a + GPUVM_SZ_4K, 8);

	gpuvm_pt_gather_init(&g);
	flush_gather(e->as, pt, &g);
	assert_int_equal(stats(e).invalidations, 0);

	g.start = a;
	g.end = a + GPUVM_SZ_4K;
	flush_gather(e->as, pt, &g);
	assert_true(gpuvm_pt_gather_empty(&g));
	assert_int_equal(stats(e).invalidations, 1);
	assert_int_equal(stats(e).entries_dropped, 1);
	read_ok(e, a + GPUVM_SZ_4K, 8);
	read_ok(e, a, 8);
	assert_counts(e, 1, 3, 3, 12);
	gpuvm_pt_destroy(pt);
}

/*
 * Concurrent mode, unchecked: reads that hit the TLB take no lock and
 * count as hits like any other; a miss, a locked region in the way or a
 * change of the TLB during the read sends it down the locked path, which
 * gives the same answer. Values and counters are exact single-threaded.
 */
static void test_lockfree_reads(void **state)
{
	struct env *e = *state;
	struct gpuvm_mmu_as_cfg ac = {
		.mem = e->mem, .root = e->root, .va_bits = 48,
		.concurrent = true,
	};
	/* Two pages in different TLB slots, and far apart for the lock. */
	uint64_t a = 0x40000000, b = a + 0x100000 + SZ_4K;
	uint64_t pa = frame(e, SZ_4K), v = 0;
	uint64_t word = 0x1122334455667788ull;
	struct gpuvm_mmu_as *as;
	struct gpuvm_mmu_stats st;

	assert_int_equal(gpuvm_mmu_as_create(&ac, &as), 0);
	map(e, a, pa, 3, ATTRS);
	map(e, b, frame(e, SZ_4K), 3, ATTRS);
	assert_int_equal(gpuvm_mem_write(e->mem, pa + 8, &word, 8), 0);

	/* A miss walks under the lock, the hits after it need none. */
	assert_int_equal(gpuvm_mmu_read(as, a + 8, &v, 8, NULL), 0);
	assert_int_equal(v, word);
	v = 0;
	assert_int_equal(gpuvm_mmu_read(as, a + 8, &v, 8, NULL), 0);
	assert_int_equal(v, word);
	assert_int_equal(gpuvm_mmu_read(as, b, &v, 8, NULL), 0);
	gpuvm_mmu_stats(as, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 2);

	/* A region locked elsewhere does not hold it back; one over it
	 * sends it to the locked path (single-threaded: nothing to wait
	 * for once unlocked). */
	gpuvm_mmu_lock_region(as, b, SZ_4K);
	v = 0;
	assert_int_equal(gpuvm_mmu_read(as, a + 8, &v, 8, NULL), 0);
	assert_int_equal(v, word);
	gpuvm_mmu_unlock_region(as);
	gpuvm_mmu_stats(as, &st);
	assert_int_equal(st.hits, 2);

	/* Invalidated: the next read misses and walks again. */
	gpuvm_mmu_invalidate(as, a, SZ_4K);
	assert_int_equal(gpuvm_mmu_read(as, a + 8, &v, 8, NULL), 0);
	gpuvm_mmu_stats(as, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.entries_dropped, 1);

	/* Unwritten memory reads as zero on the lock-free path too. */
	assert_int_equal(gpuvm_mmu_read(as, b + 64, &v, 8, NULL), 0);
	assert_int_equal(v, 0);
	gpuvm_mmu_stats(as, &st);
	assert_int_equal(st.hits, 3);
	gpuvm_mmu_as_destroy(as);
}

/*
 * Host pointers: one translation, then a compare and an add per access,
 * valid until the address space's generation moves.
 */
static void test_hptr(void **state)
{
	struct env *e = *state;
	uint64_t a = 0x40000000, ro = a + 0x10000, nul = a + 0x20000;
	uint64_t pa = frame(e, SZ_4K), word = 0x0123456789abcdefull, v;
	struct gpuvm_mmu_hptr h, w, z;
	struct gpuvm_mmu_fault f;
	unsigned char *p;

	map(e, a, pa, 3, ATTRS);
	map(e, ro, frame(e, SZ_4K), 3, ATTRS | GPUVM_PTE_AP_RDONLY);
	map(e, nul, 0, 3, ATTRS | GPUVM_PTE_SW_NULL);
	assert_int_equal(gpuvm_mem_write(e->mem, pa + 16, &word, 8), 0);

	/* Read: the page's memory; in-page ranges only. */
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, a + 20, GPUVM_MMU_READ, &h,
					    &f), 0);
	assert_ptr_equal(h.host, gpuvm_mem_ptr(e->mem, pa));
	assert_int_equal(h.va_base, a);
	assert_int_equal(h.len, SZ_4K);
	p = gpuvm_mmu_hptr_at(&h, a + 16, 8);
	assert_ptr_equal(p, h.host + 16);
	memcpy(&v, p, 8);
	assert_int_equal(v, word);
	assert_null(gpuvm_mmu_hptr_at(&h, a + SZ_4K - 4, 8));
	assert_null(gpuvm_mmu_hptr_at(&h, a - 8, 8));
	assert_null(gpuvm_mmu_hptr_at(&h, a + SZ_4K, 1));

	/* Write: the frame is marked written; the MMU reads it back. */
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, a, GPUVM_MMU_WRITE, &w,
					    NULL), 0);
	word = 42;
	memcpy(gpuvm_mmu_hptr_at(&w, a + 512, 8), &word, 8);
	read_ok(e, a + 512, 8);
	assert_int_equal(gpuvm_mmu_read(e->as, a + 512, &v, 8, NULL), 0);
	assert_int_equal(v, 42);
	assert_true(gpuvm_mem_written(e->mem, pa));

	/* Permissions fault as the access would. */
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, ro, GPUVM_MMU_WRITE, &z,
					    &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_WRITE, ro, 3);

	/* A NULL leaf: zeros to read, a sink for writes that vanish. */
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, nul, GPUVM_MMU_WRITE, &z,
					    NULL), 0);
	memset(gpuvm_mmu_hptr_at(&z, nul, 64), 0xee, 64);
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, nul, GPUVM_MMU_READ, &z,
					    NULL), 0);
	memcpy(&v, gpuvm_mmu_hptr_at(&z, nul + 8, 8), 8);
	assert_int_equal(v, 0);
	assert_int_equal(gpuvm_mmu_read(e->as, nul + 8, &v, 8, NULL), 0);
	assert_int_equal(v, 0);

	/* Any invalidation moves the generation: get it again. */
	gpuvm_mmu_invalidate(e->as, ro, SZ_4K);
	assert_null(gpuvm_mmu_hptr_at(&h, a + 16, 8));
	assert_null(gpuvm_mmu_hptr_at(&w, a + 16, 8));
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, a, GPUVM_MMU_READ, &h,
					    NULL), 0);
	assert_non_null(gpuvm_mmu_hptr_at(&h, a + 16, 8));
	assert_null(gpuvm_mmu_hptr_at(NULL, a, 1));
}

/*
 * A descriptor changed without an invalidation: an unchecked pointer
 * serves the old page (as a stale TLB entry would); a checked one is
 * refused and counted as a stale hit.
 */
static void hptr_stale(struct env *e, bool checked)
{
	uint64_t a = 0x40000000, old = frame(e, SZ_4K), new = frame(e, SZ_4K);
	struct gpuvm_mmu_hptr h;

	map(e, a, old, 3, ATTRS);
	gpuvm_mmu_set_checked(e->as, checked);
	assert_int_equal(gpuvm_mmu_hptr_get(e->as, a, GPUVM_MMU_READ, &h,
					    NULL), 0);
	assert_non_null(gpuvm_mmu_hptr_at(&h, a, 8));
	map(e, a, new, 3, ATTRS); /* no invalidation: a driver bug */
	if (checked) {
		assert_null(gpuvm_mmu_hptr_at(&h, a, 8));
		assert_int_equal(stats(e).stale, 1);
	} else {
		assert_ptr_equal(gpuvm_mmu_hptr_at(&h, a, 8),
				 gpuvm_mem_ptr(e->mem, old));
		assert_int_equal(stats(e).stale, 0);
	}
}

static void test_hptr_stale_unchecked(void **state)
{
	hptr_stale(*state, false);
}

static void test_hptr_stale_checked(void **state)
{
	hptr_stale(*state, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MMU_TEST(test_sizes_48, 48),
		MMU_TEST(test_sizes_40, 40),
		MMU_TEST(test_sizes_39, 39),
		MMU_TEST(test_sizes_32, 32),
		MMU_TEST(test_le_bytes, 48),
		MMU_TEST(test_cross_page, 48),
		MMU_TEST(test_cross_block_to_page, 39),
		MMU_TEST(test_cross_into_unmapped, 48),
		cmocka_unit_test(test_long_access),
		cmocka_unit_test(test_long_access_tiny_tlb),
		MMU_TEST(test_fault_translation_levels, 48),
		MMU_TEST(test_fault_translation_start_level1, 32),
		MMU_TEST(test_fault_permission, 48),
		MMU_TEST(test_fault_permission_second_page, 48),
		MMU_TEST(test_fault_address_size_32, 32),
		MMU_TEST(test_fault_address_size_48, 48),
		MMU_TEST(test_fault_outside_memory, 48),
		MMU_TEST(test_fault_access_flag, 48),
		MMU_TEST(test_null_leaf, 48),
		MMU_TEST(test_tlb_counters, 48),
		MMU_TEST(test_tlb_block_one_entry, 48),
		MMU_TEST(test_tlb_invalidate_range, 48),
		MMU_TEST_CFG(test_tlb_conflict, 48, 4, false),
		MMU_TEST_CFG(test_stale_served_unchecked, 48, 0, false),
		MMU_TEST_CFG(test_stale_caught_checked, 48, 0, true),
		MMU_TEST_CFG(test_stale_fixed_by_invalidation, 48, 0, true),
		cmocka_unit_test(test_as_cfg),
		cmocka_unit_test(test_fault_names),
		MMU_TEST(test_set_root, 48),
		MMU_TEST(test_lockfree_reads, 48),
		MMU_TEST(test_hptr, 48),
		MMU_TEST(test_hptr_stale_unchecked, 48),
		MMU_TEST(test_hptr_stale_checked, 48),
		MMU_TEST(test_flush_gather, 48),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
