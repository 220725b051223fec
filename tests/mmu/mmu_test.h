// SPDX-License-Identifier: MIT
/*
 * DOC: what the simulated-MMU tests (tests/mmu/) share
 *
 * The environment (a memory, a root table, an address space over it),
 * page tables built by hand (table and data frames from the allocator,
 * descriptors written with gpuvm_mem_write64() and the pt.h format
 * helpers, so the MMU is tested against the descriptor format alone),
 * the counters and faults with their exact expectations, and the
 * fixture: MMU_TEST(f, va_bits) and MMU_TEST_CFG(f, va_bits,
 * tlb_entries, checked) run f with *state a fresh struct env, whose
 * teardown validates the memory and destroys both.
 *
 * Everything is a macro or a static inline function: a test that does
 * not use a helper does not warn about it.
 */
#ifndef GPUVM_TESTS_MMU_TEST_H
#define GPUVM_TESTS_MMU_TEST_H

#include "../mem/mem_test.h"

#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"

#define MEM_SIZE (4 * GPUVM_SZ_1G)
#define ATTRS (GPUVM_PTE_AF | GPUVM_PTE_SH_IS | \
	       ((uint64_t)GPUVM_PT_ATTR_CACHED << GPUVM_PTE_ATTRINDX_SHIFT))

struct env {
	struct gpuvm_mem *mem;
	struct gpuvm_mmu_as *as;
	uint64_t root;
	unsigned int va_bits;
};

/* ------------------------------------------------------------------ */
/* Hand-built page tables                                              */

/* A data frame of size bytes. */
static inline uint64_t frame(struct env *e, uint64_t size)
{
	uint64_t pa;

	assert_int_equal(gpuvm_mem_alloc(e->mem, size, GPUVM_MEM_BO, &pa), 0);
	return pa;
}

static inline uint64_t table(struct env *e)
{
	uint64_t pa;

	assert_int_equal(gpuvm_mem_alloc(e->mem, GPUVM_SZ_4K, GPUVM_MEM_PT,
					 &pa), 0);
	return pa;
}

static inline void env_init_cfg(struct env *e, unsigned int va_bits,
				unsigned int tlb_entries, bool checked)
{
	struct gpuvm_mmu_as_cfg ac;

	memset(e, 0, sizeof(*e));
	e->mem = mem_new(MEM_SIZE);
	e->va_bits = va_bits;
	e->root = table(e);
	ac = (struct gpuvm_mmu_as_cfg){
		.mem = e->mem, .root = e->root, .va_bits = va_bits,
		.tlb_entries = tlb_entries, .checked = checked,
	};
	assert_int_equal(gpuvm_mmu_as_create(&ac, &e->as), 0);
}

static inline void env_init(struct env *e, unsigned int va_bits)
{
	env_init_cfg(e, va_bits, 0, false);
}

/* The hand-built tables came from the allocator like anything else. */
static inline void env_fini(struct env *e)
{
	gpuvm_mmu_as_destroy(e->as);
	mem_check(e->mem);
	gpuvm_mem_destroy(e->mem);
}

/* PA of va's descriptor slot at level, creating the tables above it. */
static inline uint64_t slot_in(struct env *e, uint64_t root, uint64_t va,
			       unsigned int level)
{
	uint64_t t = root;

	for (unsigned int l = gpuvm_pt_start_level_for(e->va_bits);; l++) {
		uint64_t pa = t + gpuvm_pt_index(va, l) * 8;
		uint64_t d;

		if (l == level)
			return pa;
		d = gpuvm_mem_read64(e->mem, pa);
		if (!gpuvm_pte_is_table(d, l)) {
			d = gpuvm_pte_make_table(table(e));
			gpuvm_mem_write64(e->mem, pa, d);
		}
		t = gpuvm_pte_addr(d);
	}
}

static inline uint64_t slot(struct env *e, uint64_t va, unsigned int level)
{
	return slot_in(e, e->root, va, level);
}

/* Maps va -> pa with a leaf at level; returns the descriptor. */
static inline uint64_t map(struct env *e, uint64_t va, uint64_t pa,
			   unsigned int level, uint64_t attrs)
{
	uint64_t d = gpuvm_pte_make_leaf(pa, attrs, level);

	gpuvm_mem_write64(e->mem, slot(e, va, level), d);
	return d;
}

/* ------------------------------------------------------------------ */
/* Expectations                                                        */

static inline struct gpuvm_mmu_stats stats(struct env *e)
{
	struct gpuvm_mmu_stats st;

	gpuvm_mmu_stats(e->as, &st);
	return st;
}

static inline void assert_counts(struct env *e, uint64_t hits,
				 uint64_t misses, uint64_t walks,
				 uint64_t walk_reads)
{
	struct gpuvm_mmu_stats st = stats(e);

	assert_int_equal(st.hits, hits);
	assert_int_equal(st.misses, misses);
	assert_int_equal(st.walks, walks);
	assert_int_equal(st.walk_reads, walk_reads);
}

static inline void assert_fault(const struct gpuvm_mmu_fault *f,
				enum gpuvm_mmu_fault_kind kind,
				enum gpuvm_mmu_access acc, uint64_t addr,
				unsigned int level)
{
	assert_int_equal(f->kind, kind);
	assert_int_equal(f->access, acc);
	assert_int_equal(f->addr, addr);
	assert_int_equal(f->level, level);
}

/* A translation of va for acc faults as said, walking `reads` entries. */
static inline void expect_fault(struct env *e, uint64_t va,
				enum gpuvm_mmu_access acc,
				enum gpuvm_mmu_fault_kind kind,
				unsigned int level, uint64_t reads)
{
	struct gpuvm_mmu_stats before = stats(e);
	struct gpuvm_mmu_xlat x;
	struct gpuvm_mmu_fault f;

	memset(&f, 0, sizeof(f));
	assert_int_equal(gpuvm_mmu_translate(e->as, va, acc, &x, &f),
			 -EFAULT);
	assert_fault(&f, kind, acc, va, level);
	assert_int_equal(stats(e).walk_reads - before.walk_reads, reads);
	assert_int_equal(stats(e).faults - before.faults, 1);
}

/* A byte pattern that differs with seed and along the buffer. */
static inline void fill(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i * 7 + (i >> 8));
}

static inline void read_ok(struct env *e, uint64_t va, size_t len)
{
	unsigned char buf[64];
	struct gpuvm_mmu_fault f;

	assert_true(len <= sizeof(buf));
	assert_int_equal(gpuvm_mmu_read(e->as, va, buf, len, &f), 0);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

struct mmu_cfg {
	unsigned int va_bits, tlb_entries;
	bool checked;
};

/* *state comes in pointing at a struct mmu_cfg, leaves as the env. */
static inline int mmu_setup(void **state)
{
	const struct mmu_cfg *c = *state;
	struct env *e = malloc(sizeof(*e));

	assert_non_null(e);
	env_init_cfg(e, c->va_bits, c->tlb_entries, c->checked);
	*state = e;
	return 0;
}

static inline int mmu_teardown(void **state)
{
	struct env *e = *state;

	env_fini(e);
	free(e);
	return 0;
}

/* Use in main()'s test array: the cfg lives as long as main. */
#define MMU_TEST_CFG(f, bits, tlb, chk)                                    \
	cmocka_unit_test_prestate_setup_teardown(                           \
		f, mmu_setup, mmu_teardown,                                 \
		(&(struct mmu_cfg){ .va_bits = (bits), .tlb_entries = (tlb), \
				    .checked = (chk) }))
#define MMU_TEST(f, bits) MMU_TEST_CFG(f, bits, 0, false)

#endif /* GPUVM_TESTS_MMU_TEST_H */
