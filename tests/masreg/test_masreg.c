// SPDX-License-Identifier: MIT
/*
 * Register-level tests of the Mali address-space model (src/masreg/).
 *
 * A device model's view: page tables written by hand into memory (as a
 * guest driver would, with mmu_test.h's helpers), the AS programmed and
 * driven only through gpuvm_masreg_read32()/write32(), accesses through
 * gpuvm_masreg_access(). Every register (reset value, read-back, halves,
 * read-only and write-only refusals, offsets that are not registers),
 * every command (NOP, UPDATE with each kind of TRANSCFG, LOCK with the
 * hardware's rounding, UNLOCK, FLUSH_PT, FLUSH_MEM, an unknown one),
 * every fault code the VMSAv8-64 walk can raise (translation at levels
 * 0-3, permission at 1-3, access flag at 1-3, input and output address
 * size) with its access type and source id, the first-fault latch and
 * its clearing, grow-on-fault through the model's hook, faults inside a
 * locked region, and STATUS.AS_ACTIVE while a command runs.
 *
 * Invalidations are observed exactly with the MMU's trace hook on the
 * model's address space.
 */
#include <pthread.h>
#include <time.h>

#include "../mmu/mmu_test.h"
#include "gpuvm/masreg.h"

#define TOP48 (1ull << 48)

/* xorshift64*: spreads the ranges of the encoding test. */
static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

struct t {
	struct env e;             /* memory, hand-built root */
	struct gpuvm_masreg *r;
};

static void t_init_cfg(struct t *t, bool concurrent)
{
	struct gpuvm_masreg_cfg c = { .concurrent = concurrent };

	env_init(&t->e, 48);
	c.mem = t->e.mem;
	assert_int_equal(gpuvm_masreg_create(&c, &t->r), 0);
}

static void t_init(struct t *t)
{
	t_init_cfg(t, false);
}

static void t_fini(struct t *t)
{
	gpuvm_masreg_destroy(t->r);
	env_fini(&t->e);
}

static uint32_t rd32(struct t *t, uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(gpuvm_masreg_read32(t->r, off, &v), 0);
	return v;
}

static uint64_t rd64(struct t *t, uint32_t lo)
{
	return rd32(t, lo) | (uint64_t)rd32(t, lo + 4) << 32;
}

static void wr32(struct t *t, uint32_t off, uint32_t v)
{
	assert_int_equal(gpuvm_masreg_write32(t->r, off, v), 0);
}

/* As panthor's 64-bit writes: low word, then high. */
static void wr64(struct t *t, uint32_t lo, uint64_t v)
{
	wr32(t, lo, (uint32_t)v);
	wr32(t, lo + 4, (uint32_t)(v >> 32));
}

static void command(struct t *t, uint32_t cmd)
{
	wr32(t, GPUVM_MASREG_COMMAND, cmd);
}

static uint64_t transcfg(unsigned int va_bits)
{
	return GPUVM_MASREG_ADRMODE_AARCH64_4K | GPUVM_MASREG_INA_BITS(va_bits);
}

/* What panthor's AS enable writes, then UPDATE. */
static void enable(struct t *t, uint64_t root, unsigned int va_bits)
{
	wr64(t, GPUVM_MASREG_TRANSTAB_LO, root);
	wr64(t, GPUVM_MASREG_MEMATTR_LO, 0x4c4c4c4c4c4c4c4cull);
	wr64(t, GPUVM_MASREG_TRANSCFG_LO, transcfg(va_bits));
	command(t, GPUVM_MASREG_CMD_UPDATE);
}

static int acc(struct t *t, enum gpuvm_mmu_access a, uint16_t src,
	       uint64_t va, void *buf, size_t len)
{
	return gpuvm_masreg_access(t->r, a, src, va, buf, len, NULL);
}

static void expect_latched(struct t *t, uint32_t code, uint32_t access,
			   uint16_t src, uint64_t addr)
{
	assert_true(gpuvm_masreg_fault_pending(t->r));
	assert_int_equal(rd32(t, GPUVM_MASREG_FAULTSTATUS),
			 code | access << 8 | (uint32_t)src << 16);
	assert_int_equal(rd64(t, GPUVM_MASREG_FAULTADDRESS_LO), addr);
}

/* ------------------------------------------------------------------ */
/* Registers                                                           */

static void test_reset_and_offsets(void **state)
{
	static const uint32_t regs[] = {
		0x00, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x1c, 0x20, 0x24, 0x28,
		0x30, 0x34, 0x38, 0x3c,
	};
	struct t t;
	uint32_t v = 7;
	uint64_t buf = 0;

	(void)state;
	t_init(&t);
	for (unsigned int i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		assert_int_equal(rd32(&t, regs[i]), 0);
	/* Not registers: unaligned, the gap at 0x2c, past the block. */
	assert_int_equal(gpuvm_masreg_read32(t.r, 0x02, &v), -EINVAL);
	assert_int_equal(gpuvm_masreg_read32(t.r, 0x2c, &v), -EINVAL);
	assert_int_equal(gpuvm_masreg_read32(t.r, 0x40, &v), -EINVAL);
	assert_int_equal(gpuvm_masreg_write32(t.r, 0x2c, 1), -EINVAL);
	assert_int_equal(gpuvm_masreg_write32(t.r, 0x41, 1), -EINVAL);
	assert_int_equal(v, 7);
	/* COMMAND is write-only, the status registers read-only. */
	assert_int_equal(gpuvm_masreg_read32(t.r, GPUVM_MASREG_COMMAND, &v),
			 -EACCES);
	for (uint32_t off = 0x1c; off <= 0x3c; off += 4) {
		if (off == 0x2c || off == 0x30 || off == 0x34)
			continue;
		assert_int_equal(gpuvm_masreg_write32(t.r, off, 0xffffffff),
				 -EACCES);
		assert_int_equal(rd32(&t, off), 0);
	}
	/* Unknown commands are refused; NOP does nothing. */
	assert_int_equal(gpuvm_masreg_write32(t.r, GPUVM_MASREG_COMMAND, 6),
			 -EINVAL);
	assert_int_equal(gpuvm_masreg_write32(t.r, GPUVM_MASREG_COMMAND,
					      0x80000001), -EINVAL);
	command(&t, GPUVM_MASREG_CMD_NOP);
	/* Disabled until an UPDATE: no access, nothing latched. */
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 1, 0, &buf, 8), -ENXIO);
	assert_false(gpuvm_masreg_fault_pending(t.r));
	assert_int_equal(rd32(&t, GPUVM_MASREG_STATUS), 0);
	t_fini(&t);
}

/* The RW registers read back what was written, each half on its own. */
static void test_read_back(void **state)
{
	static const uint32_t rw[] = {
		GPUVM_MASREG_TRANSTAB_LO, GPUVM_MASREG_MEMATTR_LO,
		GPUVM_MASREG_LOCKADDR_LO, GPUVM_MASREG_TRANSCFG_LO,
	};
	struct t t;

	(void)state;
	t_init(&t);
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t v = 0x0123456789abcdefull + i * 0x1111;

		wr64(&t, rw[i], v);
		assert_int_equal(rd64(&t, rw[i]), v);
		wr32(&t, rw[i] + 4, 0xcafef00d);
		assert_int_equal(rd64(&t, rw[i]),
				 (v & 0xffffffffull) | 0xcafef00dull << 32);
		wr32(&t, rw[i], 0x12);
		assert_int_equal(rd64(&t, rw[i]), 0xcafef00d00000012ull);
	}
	/* Writing registers applies nothing: still disabled. */
	{
		uint64_t b;

		assert_int_equal(acc(&t, GPUVM_MMU_READ, 0, 0, &b, 8), -ENXIO);
	}
	t_fini(&t);
}

/* ------------------------------------------------------------------ */
/* UPDATE                                                              */

static void test_update(void **state)
{
	struct t t;
	struct env *e = &t.e;
	struct gpuvm_mmu_stats st;
	uint64_t pa, w = 0x1122334455667788ull, r = 0, root39;

	(void)state;
	t_init(&t);
	pa = frame(e, SZ_4K);
	map(e, 0x7000, pa, 3, ATTRS);
	/* TRANSTAB bits 3:0 are not address bits. */
	enable(&t, e->root | 0xf, 48);
	assert_int_equal(gpuvm_mmu_as_va_bits(gpuvm_masreg_as(t.r)), 48);
	assert_int_equal(acc(&t, GPUVM_MMU_WRITE, 3, 0x7010, &w, 8), 0);
	assert_int_equal(gpuvm_mem_read64(e->mem, pa + 0x10), w);
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 3, 0x7010, &r, 8), 0);
	assert_int_equal(r, w);
	assert_false(gpuvm_masreg_fault_pending(t.r));

	/* A 39-bit space over another root: the walk starts at level 1. */
	root39 = table(e);
	{
		uint64_t l2 = table(e), l3 = table(e);

		gpuvm_mem_write64(e->mem, root39 + 8, gpuvm_pte_make_table(l2));
		gpuvm_mem_write64(e->mem, l2, gpuvm_pte_make_table(l3));
		gpuvm_mem_write64(e->mem, l3 + 8,
				  gpuvm_pte_make_leaf(pa, ATTRS, 3));
	}
	gpuvm_mmu_stats(gpuvm_masreg_as(t.r), &st);
	assert_int_equal(st.entries_dropped, 0);
	enable(&t, root39, 39);
	gpuvm_mmu_stats(gpuvm_masreg_as(t.r), &st);
	assert_int_equal(st.entries_dropped, 1); /* UPDATE drops the TLB */
	assert_int_equal(gpuvm_mmu_as_va_bits(gpuvm_masreg_as(t.r)), 39);
	r = 0;
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 3, SZ_1G + 0x1010, &r, 8), 0);
	assert_int_equal(r, w);
	/* 0x7000 is not mapped in that space. */
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 3, 0x7010, &r, 8), -EFAULT);
	expect_latched(&t, GPUVM_MASREG_EXC_TRANSLATION(1),
		       GPUVM_MASREG_ACCESS_READ, 3, 0x7010);
	assert_int_equal(gpuvm_masreg_fault_clear(t.r), 0);

	/* Input sizes this model cannot walk: refused, nothing changes. */
	wr64(&t, GPUVM_MASREG_TRANSTAB_LO, e->root);
	wr64(&t, GPUVM_MASREG_TRANSCFG_LO, transcfg(31));
	assert_int_equal(gpuvm_masreg_write32(t.r, GPUVM_MASREG_COMMAND,
					      GPUVM_MASREG_CMD_UPDATE),
			 -EINVAL);
	wr64(&t, GPUVM_MASREG_TRANSCFG_LO, transcfg(49));
	assert_int_equal(gpuvm_masreg_write32(t.r, GPUVM_MASREG_COMMAND,
					      GPUVM_MASREG_CMD_UPDATE),
			 -EINVAL);
	wr64(&t, GPUVM_MASREG_TRANSCFG_LO, GPUVM_MASREG_ADRMODE_AARCH64_4K);
	assert_int_equal(gpuvm_masreg_write32(t.r, GPUVM_MASREG_COMMAND,
					      GPUVM_MASREG_CMD_UPDATE),
			 -EINVAL);
	assert_int_equal(gpuvm_mmu_as_va_bits(gpuvm_masreg_as(t.r)), 39);
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 3, SZ_1G + 0x1010, &r, 8), 0);

	/* Unmapped mode: disabled. Back to AArch64 4K: enabled again. */
	wr64(&t, GPUVM_MASREG_TRANSCFG_LO, GPUVM_MASREG_ADRMODE_UNMAPPED);
	command(&t, GPUVM_MASREG_CMD_UPDATE);
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 3, SZ_1G + 0x1010, &r, 8),
			 -ENXIO);
	wr64(&t, GPUVM_MASREG_TRANSCFG_LO, GPUVM_MASREG_ADRMODE_IDENTITY);
	command(&t, GPUVM_MASREG_CMD_UPDATE);
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 3, 0x7010, &r, 8), -ENXIO);
	enable(&t, e->root, 48);
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 3, 0x7010, &r, 8), 0);
	assert_false(gpuvm_masreg_fault_pending(t.r));
	t_fini(&t);
}

/* ------------------------------------------------------------------ */
/* The lock region                                                     */

static void expect_range(uint64_t lockaddr, uint64_t first, uint64_t last)
{
	uint64_t f = 1, l = 1;

	assert_int_equal(gpuvm_masreg_lock_range(lockaddr, &f, &l), 0);
	assert_int_equal(f, first);
	assert_int_equal(l, last);
}

/* Decoding, with the hardware's rounding, and panthor's encoding. */
static void test_lock_encoding(void **state)
{
	uint64_t seed = 0x1234567, f, l;

	(void)state;
	/* Size fields below 14 round up to 32 KiB. */
	expect_range(0x0, 0, 0x7fff);
	expect_range(0x12345678000ull | 11, 0x12345678000ull, 0x1234567ffffull);
	expect_range(0x5000 | 14, 0, 0x7fff);
	/* The base is aligned down to the size; bits 11:6 are not base. */
	expect_range(0x12345fc0ull | 15, 0x12340000, 0x1234ffff);
	expect_range(0x7f00200000ull | 20, 0x7f00200000ull, 0x7f003fffffull);
	expect_range(0xfedcba9876543000ull | 47, 0xfedc000000000000ull,
		     0xfedcffffffffffffull);
	expect_range(0xffffffffffff0000ull | 62, 0x8000000000000000ull,
		     UINT64_MAX);
	expect_range(0xffffffffffff0000ull | 63, 0, UINT64_MAX);

	assert_int_equal(gpuvm_masreg_lockaddr(0x5000, 0x1000), 14);
	assert_int_equal(gpuvm_masreg_lockaddr(0x10000, 0x10000), 0x1000f);
	assert_int_equal(gpuvm_masreg_lockaddr(0x1f000, 0x2000), 17);
	assert_int_equal(gpuvm_masreg_lockaddr(4 * SZ_1G + SZ_2M, SZ_2M),
			 4 * SZ_1G + SZ_2M + 20);
	assert_int_equal(gpuvm_masreg_lockaddr(0, TOP48), 47);
	assert_int_equal(gpuvm_masreg_lockaddr(0, UINT64_MAX), 63);
	/* Clamped at the top: the last 32 KiB. */
	assert_int_equal(gpuvm_masreg_lockaddr(UINT64_MAX - 10, 100),
			 0xffffffffffff8000ull | 14);
	assert_int_equal(gpuvm_masreg_lockaddr(0x1234, 0), 0);

	/* Any range: the region holds it, is minimal and aligned. */
	for (int i = 0; i < 20000; i++) {
		uint64_t s = rng(&seed) & (TOP48 - 1);
		uint64_t z = (rng(&seed) >>
			      (16 + rng(&seed) % 48)) + 1;
		uint64_t size, half;

		if (s + z > TOP48)
			z = TOP48 - s;
		assert_int_equal(gpuvm_masreg_lock_range(
					 gpuvm_masreg_lockaddr(s, z), &f, &l),
				 0);
		size = l - f + 1;
		assert_true(f <= s && s + z - 1 <= l);
		assert_true(size >= 0x8000 && !(size & (size - 1)));
		assert_int_equal(f & (size - 1), 0);
		half = size / 2;
		if (half >= 0x8000)
			assert_true((s & ~(half - 1)) !=
				    ((s + z - 1) & ~(half - 1)));
	}
	assert_int_equal(gpuvm_masreg_lock_range(0, NULL, &l), -EINVAL);
	assert_int_equal(gpuvm_masreg_lock_range(0, &f, NULL), -EINVAL);
}

/* Invalidations seen through the trace. */
struct inv {
	unsigned int n;
	uint64_t va[8], last[8], dropped[8];
	struct gpuvm_masreg *r;
	uint32_t status[8];       /* STATUS read during the invalidation */
};

static void on_inval(void *ck, uint64_t va, uint64_t last, uint64_t dropped)
{
	struct inv *iv = ck;

	assert_true(iv->n < 8);
	iv->va[iv->n] = va;
	iv->last[iv->n] = last;
	iv->dropped[iv->n] = dropped;
	/* The command is running: STATUS says so (read without a lock). */
	assert_int_equal(gpuvm_masreg_read32(iv->r, GPUVM_MASREG_STATUS,
					     &iv->status[iv->n]), 0);
	iv->n++;
}

static void trace_inval(struct t *t, struct inv *iv)
{
	struct gpuvm_mmu_trace tr = { .cookie = iv,
				      .tlb_invalidate = on_inval };

	memset(iv, 0, sizeof(*iv));
	iv->r = t->r;
	assert_int_equal(gpuvm_mmu_set_trace(gpuvm_masreg_as(t->r), &tr), 0);
}

/* Reads one word at each va: warms the TLB. */
static void touch(struct t *t, const uint64_t *va, unsigned int n)
{
	uint64_t v;

	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(acc(t, GPUVM_MMU_READ, 0, va[i], &v, 8), 0);
}

static uint64_t hits(struct t *t)
{
	struct gpuvm_mmu_stats st;

	gpuvm_mmu_stats(gpuvm_masreg_as(t->r), &st);
	return st.hits;
}

/*
 * LOCK takes LOCKADDR's region; UNLOCK, FLUSH_PT and FLUSH_MEM drop the
 * TLB entries overlapping it (exactly it: the pages just outside stay
 * cached) and release it. Without a LOCK they use LOCKADDR as it is.
 */
static void test_lock_commands(void **state)
{
	static const uint32_t release[] = {
		GPUVM_MASREG_CMD_UNLOCK, GPUVM_MASREG_CMD_FLUSH_PT,
		GPUVM_MASREG_CMD_FLUSH_MEM,
	};
	/* Region [0x40000, 0x4ffff] (64 KiB): two pages in, two out. */
	const uint64_t in[2] = { 0x40000, 0x4f000 };
	const uint64_t out[2] = { 0x3f000, 0x50000 };
	struct t t;
	struct inv iv;
	uint64_t before;

	(void)state;
	t_init(&t);
	for (unsigned int i = 0; i < 2; i++) {
		map(&t.e, in[i], frame(&t.e, SZ_4K), 3, ATTRS);
		map(&t.e, out[i], frame(&t.e, SZ_4K), 3, ATTRS);
	}
	enable(&t, t.e.root, 48);
	trace_inval(&t, &iv);
	for (unsigned int c = 0; c < 3; c++) {
		touch(&t, in, 2);
		touch(&t, out, 2);
		iv.n = 0;
		/* An unaligned base: the hardware aligns it down. */
		wr64(&t, GPUVM_MASREG_LOCKADDR_LO, 0x4a000 | 15);
		command(&t, GPUVM_MASREG_CMD_LOCK);
		assert_int_equal(iv.n, 0);
		command(&t, release[c]);
		assert_int_equal(iv.n, 1);
		assert_int_equal(iv.va[0], 0x40000);
		assert_int_equal(iv.last[0], 0x4ffff);
		assert_int_equal(iv.dropped[0], 2);
		assert_int_equal(iv.status[0], GPUVM_MASREG_STATUS_ACTIVE);
		assert_int_equal(rd32(&t, GPUVM_MASREG_STATUS), 0);
		before = hits(&t);
		touch(&t, out, 2);
		assert_int_equal(hits(&t) - before, 2);
		touch(&t, in, 2);
		assert_int_equal(hits(&t) - before, 2); /* both walked */
	}

	/* No LOCK: the flush takes LOCKADDR's region as it is now. */
	iv.n = 0;
	wr64(&t, GPUVM_MASREG_LOCKADDR_LO, 0x3f000 | 14); /* [0x38000, +32K) */
	command(&t, GPUVM_MASREG_CMD_FLUSH_PT);
	assert_int_equal(iv.n, 1);
	assert_int_equal(iv.va[0], 0x38000);
	assert_int_equal(iv.last[0], 0x3ffff);
	assert_int_equal(iv.dropped[0], 1);

	/* The whole space. */
	iv.n = 0;
	touch(&t, in, 2);
	wr64(&t, GPUVM_MASREG_LOCKADDR_LO, 63);
	command(&t, GPUVM_MASREG_CMD_LOCK);
	command(&t, GPUVM_MASREG_CMD_FLUSH_MEM);
	assert_int_equal(iv.n, 1);
	assert_int_equal(iv.va[0], 0);
	assert_int_equal(iv.last[0], UINT64_MAX);
	assert_int_equal(iv.dropped[0], 3);

	/* NOP and UPDATE of the same config: UPDATE drops everything. */
	iv.n = 0;
	touch(&t, out, 2);
	command(&t, GPUVM_MASREG_CMD_NOP);
	assert_int_equal(iv.n, 0);
	command(&t, GPUVM_MASREG_CMD_UPDATE);
	assert_int_equal(iv.n, 1);
	assert_int_equal(iv.dropped[0], 2);
	t_fini(&t);
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

/* Acknowledge, so the next fault latches. */
static void clear(struct t *t)
{
	assert_int_equal(gpuvm_masreg_fault_clear(t->r), 0);
	assert_false(gpuvm_masreg_fault_pending(t->r));
}

/* One faulting access, latched as code with its access type and unit. */
static void expect_fault_code(struct t *t, enum gpuvm_mmu_access a,
			      uint64_t va, uint32_t code)
{
	static const uint32_t types[] = {
		[GPUVM_MMU_READ] = GPUVM_MASREG_ACCESS_READ,
		[GPUVM_MMU_WRITE] = GPUVM_MASREG_ACCESS_WRITE,
		[GPUVM_MMU_EXEC] = GPUVM_MASREG_ACCESS_EX,
	};
	uint16_t src = (uint16_t)(0x100 + code);
	uint64_t buf = 0;

	assert_int_equal(acc(t, a, src, va, &buf, 8), -EFAULT);
	expect_latched(t, code, types[a], src, va);
	clear(t);
}

/*
 * Every code the walk can raise, each from a descriptor written for it,
 * with its access type and the unit's source id.
 */
static void test_fault_codes(void **state)
{
	struct t t;
	struct env *e = &t.e;
	uint64_t pa4k, pa2m, pa1g, l3;

	(void)state;
	t_init(&t);
	pa4k = frame(e, SZ_4K);
	pa2m = frame(e, SZ_2M);
	pa1g = frame(e, SZ_1G);
	/* Level 0 entry 0 -> level 1 table; entry 1 of level 0 empty. */
	map(e, 0x1000, pa4k, 3, ATTRS | GPUVM_PTE_AP_RDONLY);
	map(e, 0x2000, pa4k, 3, ATTRS & ~GPUVM_PTE_AF);
	map(e, 0x200000000ull, pa2m, 2, ATTRS | GPUVM_PTE_AP_RDONLY);
	map(e, 0x200200000ull, pa2m, 2, ATTRS & ~GPUVM_PTE_AF);
	map(e, 0x4000000000ull, pa1g, 1, ATTRS | GPUVM_PTE_XN);
	map(e, 0x4040000000ull, pa1g, 1, ATTRS & ~GPUVM_PTE_AF);
	/* A level-3 table holding a page beyond memory, a level-2 block
	 * beyond memory, a level-1 entry pointing at a table beyond it
	 * (the walk then fails reading level 2). */
	l3 = gpuvm_pte_addr(gpuvm_mem_read64(e->mem, slot(e, 0x1000, 2)));
	gpuvm_mem_write64(e->mem, l3 + 8 * 5,
			  gpuvm_pte_make_leaf(MEM_SIZE, ATTRS, 3));
	gpuvm_mem_write64(e->mem, slot(e, 0x200400000ull, 2),
			  gpuvm_pte_make_leaf(MEM_SIZE + SZ_2M, ATTRS, 2));
	gpuvm_mem_write64(e->mem, slot(e, 0x4080000000ull, 1),
			  gpuvm_pte_make_table(MEM_SIZE));
	/* And a level-0 entry pointing at a table beyond memory. */
	gpuvm_mem_write64(e->mem, e->root + 8 * 2,
			  gpuvm_pte_make_table(MEM_SIZE));
	enable(&t, e->root, 48);

	/* Translation faults, by the level whose entry is empty. */
	expect_fault_code(&t, GPUVM_MMU_READ, 0x8000000000ull,
			  GPUVM_MASREG_EXC_TRANSLATION(0));
	expect_fault_code(&t, GPUVM_MMU_WRITE, 0x1000000000ull,
			  GPUVM_MASREG_EXC_TRANSLATION(1));
	expect_fault_code(&t, GPUVM_MMU_EXEC, 0x400000,
			  GPUVM_MASREG_EXC_TRANSLATION(2));
	expect_fault_code(&t, GPUVM_MMU_READ, 0x3000,
			  GPUVM_MASREG_EXC_TRANSLATION(3));
	/* Permission: read-only page and block, fetch from an XN block. */
	expect_fault_code(&t, GPUVM_MMU_WRITE, 0x1008,
			  GPUVM_MASREG_EXC_PERMISSION(3));
	expect_fault_code(&t, GPUVM_MMU_WRITE, 0x200000100ull,
			  GPUVM_MASREG_EXC_PERMISSION(2));
	expect_fault_code(&t, GPUVM_MMU_EXEC, 0x4000000040ull,
			  GPUVM_MASREG_EXC_PERMISSION(1));
	/* Access flag clear at each leaf level. */
	expect_fault_code(&t, GPUVM_MMU_READ, 0x2010,
			  GPUVM_MASREG_EXC_ACCESS_FLAG(3));
	expect_fault_code(&t, GPUVM_MMU_WRITE, 0x200200000ull,
			  GPUVM_MASREG_EXC_ACCESS_FLAG(2));
	expect_fault_code(&t, GPUVM_MMU_EXEC, 0x4040000000ull,
			  GPUVM_MASREG_EXC_ACCESS_FLAG(1));
	/* Address size: the input, and outputs at levels 1, 2, 3. */
	expect_fault_code(&t, GPUVM_MMU_READ, TOP48 + 0x10,
			  GPUVM_MASREG_EXC_ADDR_SIZE_IN);
	expect_fault_code(&t, GPUVM_MMU_READ, 0x10000000000ull,
			  GPUVM_MASREG_EXC_ADDR_SIZE_OUT(1));
	expect_fault_code(&t, GPUVM_MMU_READ, 0x4080000000ull,
			  GPUVM_MASREG_EXC_ADDR_SIZE_OUT(2));
	expect_fault_code(&t, GPUVM_MMU_READ, 0x200400000ull,
			  GPUVM_MASREG_EXC_ADDR_SIZE_OUT(2));
	expect_fault_code(&t, GPUVM_MMU_READ, 0x5000,
			  GPUVM_MASREG_EXC_ADDR_SIZE_OUT(3));
	/* A root beyond memory: the first table is out, at level 0. */
	wr64(&t, GPUVM_MASREG_TRANSTAB_LO, MEM_SIZE);
	command(&t, GPUVM_MASREG_CMD_UPDATE);
	expect_fault_code(&t, GPUVM_MMU_READ, 0x1000,
			  GPUVM_MASREG_EXC_ADDR_SIZE_OUT(0));
	/* 39 bits: the input fault past 2^39, the walk starting at 1. */
	wr64(&t, GPUVM_MASREG_TRANSTAB_LO, e->root);
	wr64(&t, GPUVM_MASREG_TRANSCFG_LO, transcfg(39));
	command(&t, GPUVM_MASREG_CMD_UPDATE);
	expect_fault_code(&t, GPUVM_MMU_WRITE, 1ull << 39,
			  GPUVM_MASREG_EXC_ADDR_SIZE_IN);
	t_fini(&t);
}

/*
 * The first fault stays latched until cleared; later ones do not
 * overwrite it. Faults of accesses made straight on the address space
 * latch too, with source id 0.
 */
static void test_fault_latch(void **state)
{
	struct t t;
	uint64_t v = 0;
	struct gpuvm_mmu_fault f;

	(void)state;
	t_init(&t);
	enable(&t, t.e.root, 48);
	assert_int_equal(gpuvm_masreg_access(t.r, GPUVM_MMU_READ, 0xbeef,
					     0x1234, &v, 8, &f), -EFAULT);
	assert_fault(&f, GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_READ, 0x1234, 0);
	expect_latched(&t, 0xc0, GPUVM_MASREG_ACCESS_READ, 0xbeef, 0x1234);
	assert_int_equal(acc(&t, GPUVM_MMU_WRITE, 7, 0x9999000, &v, 8),
			 -EFAULT);
	expect_latched(&t, 0xc0, GPUVM_MASREG_ACCESS_READ, 0xbeef, 0x1234);
	clear(&t);
	/* Cleared: the registers keep the old fault until the next one. */
	assert_int_equal(rd32(&t, GPUVM_MASREG_FAULTSTATUS),
			 0xc0 | 2 << 8 | 0xbeefu << 16);
	assert_int_equal(gpuvm_mmu_write(gpuvm_masreg_as(t.r), 0xabc000, &v, 8,
					 NULL), -EFAULT);
	expect_latched(&t, 0xc0, GPUVM_MASREG_ACCESS_WRITE, 0, 0xabc000);
	clear(&t);
	/* Host pointers fault and latch the same way. */
	{
		struct gpuvm_mmu_hptr h;

		assert_int_equal(gpuvm_mmu_hptr_get(gpuvm_masreg_as(t.r),
						    TOP48, GPUVM_MMU_EXEC, &h,
						    NULL), -EFAULT);
		expect_latched(&t, 0xe0, GPUVM_MASREG_ACCESS_EX, 0, TOP48);
	}
	t_fini(&t);
}

/* ------------------------------------------------------------------ */
/* Fault hooks                                                         */

struct grow {
	struct t *t;
	uint64_t backing;
	unsigned int calls;
	uint32_t status;          /* FAULTSTATUS when the hook ran */
	bool pending;
};

/*
 * A driver's grow-on-fault handler, in registers: read the fault, write
 * the page's descriptor, LOCK, FLUSH_PT (which unlocks), acknowledge.
 */
static int grow_hook(void *cookie, struct gpuvm_mmu_as *as,
		     const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct grow *g = cookie;
	struct t *t = g->t;
	uint64_t addr = rd64(t, GPUVM_MASREG_FAULTADDRESS_LO);
	uint64_t page = addr & ~(SZ_4K - 1);

	(void)as;
	(void)retries;
	assert_int_equal(addr, f->addr);
	g->calls++;
	g->status = rd32(t, GPUVM_MASREG_FAULTSTATUS);
	g->pending = gpuvm_masreg_fault_pending(t->r);
	if ((g->status & 0xf8) != 0xc0 || page >= 0x10000)
		return GPUVM_MMU_FAULT_REPORT;
	map(&t->e, page, g->backing + page, 3, ATTRS);
	wr64(t, GPUVM_MASREG_LOCKADDR_LO, gpuvm_masreg_lockaddr(page, SZ_4K));
	command(t, GPUVM_MASREG_CMD_LOCK);
	command(t, GPUVM_MASREG_CMD_FLUSH_PT);
	clear(t);
	return GPUVM_MMU_FAULT_RETRY;
}

static void test_hook_grow(void **state)
{
	struct t t;
	struct grow g = { .t = &t };
	uint64_t v = 0x600df00d, r = 0;

	(void)state;
	t_init(&t);
	g.backing = frame(&t.e, 0x10000);
	map(&t.e, 0x20000, frame(&t.e, SZ_4K), 3, ATTRS); /* tables */
	enable(&t, t.e.root, 48);
	assert_int_equal(gpuvm_masreg_set_fault_hook(t.r, grow_hook, &g), 0);
	assert_int_equal(acc(&t, GPUVM_MMU_WRITE, 9, 0x3008, &v, 8), 0);
	assert_int_equal(g.calls, 1);
	assert_true(g.pending);
	assert_int_equal(g.status, 0xc3 | 3 << 8 | 9 << 16);
	assert_false(gpuvm_masreg_fault_pending(t.r));
	assert_int_equal(gpuvm_mem_read64(t.e.mem, g.backing + 0x3008), v);
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 9, 0x3008, &r, 8), 0);
	assert_int_equal(r, v);
	/* Past what the handler grows: the fault stands, latched. */
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 4, 0x10000, &r, 8), -EFAULT);
	assert_int_equal(g.calls, 2);
	expect_latched(&t, 0xc3, GPUVM_MASREG_ACCESS_READ, 4, 0x10000);
	/* Removed: faults are latched and returned, no call. */
	clear(&t);
	assert_int_equal(gpuvm_masreg_set_fault_hook(t.r, NULL, &g), 0);
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 4, 0x5000, &r, 8), -EFAULT);
	assert_int_equal(g.calls, 2);
	expect_latched(&t, 0xc3, GPUVM_MASREG_ACCESS_READ, 4, 0x5000);
	t_fini(&t);
}

/*
 * A fault inside a locked region (one thread: the region does not hold
 * the access back): latched as any fault; the handler maps the page,
 * FLUSH_MEM drops the region's entries and releases it, the retry
 * succeeds.
 */
static int locked_hook(void *cookie, struct gpuvm_mmu_as *as,
		       const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	struct grow *g = cookie;

	(void)as;
	(void)retries;
	g->calls++;
	g->status = rd32(g->t, GPUVM_MASREG_FAULTSTATUS);
	map(&g->t->e, f->addr & ~(SZ_4K - 1), g->backing, 3, ATTRS);
	command(g->t, GPUVM_MASREG_CMD_FLUSH_MEM);
	clear(g->t);
	return GPUVM_MMU_FAULT_RETRY;
}

static void test_fault_in_locked_region(void **state)
{
	struct t t;
	struct grow g = { .t = &t };
	struct inv iv;
	uint64_t v = 0x1f, r = 0;

	(void)state;
	t_init(&t);
	g.backing = frame(&t.e, SZ_4K);
	map(&t.e, 0x80000, frame(&t.e, SZ_4K), 3, ATTRS); /* tables */
	enable(&t, t.e.root, 48);
	trace_inval(&t, &iv);
	assert_int_equal(gpuvm_masreg_set_fault_hook(t.r, locked_hook, &g), 0);
	wr64(&t, GPUVM_MASREG_LOCKADDR_LO, gpuvm_masreg_lockaddr(0x88000,
								 0x2000));
	command(&t, GPUVM_MASREG_CMD_LOCK);
	assert_int_equal(acc(&t, GPUVM_MMU_WRITE, 2, 0x89000, &v, 8), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 0xc3 | 3 << 8 | 2 << 16);
	assert_int_equal(iv.n, 1);
	assert_int_equal(iv.va[0], 0x88000);
	assert_int_equal(iv.last[0], 0x8ffff);
	assert_int_equal(acc(&t, GPUVM_MMU_READ, 2, 0x89000, &r, 8), 0);
	assert_int_equal(r, v);
	t_fini(&t);
}

/* Concurrent mode: an access into a locked region waits for the flush. */
struct reader {
	struct t *t;
	uint64_t va, value;
	int ret;
	bool done;
};

static void *reader_main(void *p)
{
	struct reader *rd = p;

	rd->ret = acc(rd->t, GPUVM_MMU_READ, 5, rd->va, &rd->value, 8);
	__atomic_store_n(&rd->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void test_locked_region_waits(void **state)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 20 * 1000000 };
	struct reader in = { 0 }, out = { 0 };
	pthread_t ti, to;
	uint64_t pa;
	struct t t;

	(void)state;
	t_init_cfg(&t, true);
	pa = frame(&t.e, SZ_4K);
	gpuvm_mem_write64(t.e.mem, pa + 8, 0x5eed);
	map(&t.e, 0x200000, frame(&t.e, SZ_4K), 3, ATTRS);
	enable(&t, t.e.root, 48);
	wr64(&t, GPUVM_MASREG_LOCKADDR_LO, gpuvm_masreg_lockaddr(0x100000,
								 SZ_4K));
	command(&t, GPUVM_MASREG_CMD_LOCK);
	in.t = out.t = &t;
	in.va = 0x100008;
	out.va = 0x200008;
	assert_int_equal(pthread_create(&ti, NULL, reader_main, &in), 0);
	/* Outside the region: done while it is locked. */
	assert_int_equal(pthread_create(&to, NULL, reader_main, &out), 0);
	assert_int_equal(pthread_join(to, NULL), 0);
	assert_int_equal(out.ret, 0);
	nanosleep(&ts, NULL);
	assert_false(__atomic_load_n(&in.done, __ATOMIC_ACQUIRE));
	map(&t.e, 0x100000, pa, 3, ATTRS);
	command(&t, GPUVM_MASREG_CMD_FLUSH_MEM);
	assert_int_equal(pthread_join(ti, NULL), 0);
	assert_int_equal(in.ret, 0);
	assert_int_equal(in.value, 0x5eed);
	assert_false(gpuvm_masreg_fault_pending(t.r));
	t_fini(&t);
}

/* ------------------------------------------------------------------ */
/* Names and codes                                                     */

static void test_exception_names(void **state)
{
	struct gpuvm_mmu_fault f = { .kind = GPUVM_MMU_FAULT_PERMISSION,
				     .level = 2, .addr = 0x1000 };

	(void)state;
	assert_string_equal(gpuvm_masreg_exception_name(0xc0),
			    "TRANSLATION_FAULT_0");
	assert_string_equal(gpuvm_masreg_exception_name(0xc3),
			    "TRANSLATION_FAULT_3");
	assert_string_equal(gpuvm_masreg_exception_name(0xcb), "PERM_FAULT_3");
	assert_string_equal(gpuvm_masreg_exception_name(0xd9),
			    "ACCESS_FLAG_1");
	assert_string_equal(gpuvm_masreg_exception_name(0xe0),
			    "ADDR_SIZE_FAULT_IN");
	assert_string_equal(gpuvm_masreg_exception_name(0xe6),
			    "ADDR_SIZE_FAULT_OUT2");
	assert_string_equal(gpuvm_masreg_exception_name(0xc5), "UNKNOWN");
	assert_string_equal(gpuvm_masreg_exception_name(0x1c0), "UNKNOWN");
	assert_int_equal(gpuvm_masreg_exception(&f, 48), 0xca);
	f.kind = GPUVM_MMU_FAULT_ADDRESS_SIZE;
	assert_int_equal(gpuvm_masreg_exception(&f, 48), 0xe6);
	f.addr = 1ull << 40;
	assert_int_equal(gpuvm_masreg_exception(&f, 40), 0xe0);
	f.kind = GPUVM_MMU_FAULT_NONE;
	assert_int_equal(gpuvm_masreg_exception(&f, 40), 0);
	assert_int_equal(gpuvm_masreg_exception(NULL, 40), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_and_offsets),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_lock_encoding),
		cmocka_unit_test(test_lock_commands),
		cmocka_unit_test(test_fault_codes),
		cmocka_unit_test(test_fault_latch),
		cmocka_unit_test(test_hook_grow),
		cmocka_unit_test(test_fault_in_locked_region),
		cmocka_unit_test(test_locked_region_waits),
		cmocka_unit_test(test_exception_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
