// SPDX-License-Identifier: MIT
/*
 * DOC: what the command-stream tests (tests/cs/) share
 *
 * The environment: a memory, page tables built with the pt module, a
 * checked MMU address space over them, and a queue on it. The layout
 * (all VAs fixed, so faults have exact addresses):
 *
 *   CODE_VA   64 KiB, read/write/exec: streams
 *   DATA_VA   64 KiB, read/write, no-exec
 *   RO_VA     4 KiB read-only, no-exec
 *   HOLE_VA   nothing mapped in its 2 MiB (a level-2 translation fault)
 *   DUMMY_VA  2 MiB sparse, every page the one dummy page (DUMMY_WORD
 *             at each page's offset 8)
 *   NULL_VA   2 MiB sparse, NULL leaves (zeros, writes dropped)
 *
 * Streams are written with the gpuvm_cs_asm_*() encoders into CODE_VA
 * through the tables (the host's view of the memory, not a GPU access);
 * run_stream() starts and runs one. CS_TEST(f) runs f with *state a
 * fresh env; teardown frees everything and validates the memory.
 */
#ifndef GPUVM_TESTS_CS_TEST_H
#define GPUVM_TESTS_CS_TEST_H

#include "../mem/mem_test.h"

#include "gpuvm/cs.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"
#include "../mmu/flush_gather.h"

#define CODE_VA  0x100000ull
#define DATA_VA  0x200000ull
#define RO_VA    0x300000ull
#define HOLE_VA  0x600000ull
#define DUMMY_VA 0x1000000ull
#define NULL_VA  0x1200000ull
#define REGION   0x10000ull
#define DUMMY_WORD 0xd0d0cafe12345678ull

struct env {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	struct gpuvm_mmu_as *as;
	struct gpuvm_cs_queue *q;
	uint64_t code_pa, data_pa, ro_pa, dummy_pa;
};

static inline void env_map(struct env *e, uint64_t va, uint64_t size,
			   const struct gpuvm_pt_src *src, uint32_t prot)
{
	struct gpuvm_pt_gather g;

	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(e->pt, va, size, src, prot, &g), 0);
	flush_gather(e->as, e->pt, &g);
}

static inline uint64_t env_map_bo(struct env *e, uint64_t va, uint64_t size,
				  uint32_t prot)
{
	struct gpuvm_pt_linear lin;
	uint64_t pa;

	assert_int_equal(gpuvm_mem_alloc(e->mem, size, GPUVM_MEM_BO, &pa), 0);
	gpuvm_pt_linear_init(&lin, va, pa);
	env_map(e, va, size, &lin.src, prot);
	return pa;
}

/* Every page of a range maps the one dummy page. */
static inline uint64_t dummy_pa_at(void *cookie, uint64_t iova,
				   uint64_t *contig)
{
	(void)iova;
	*contig = SZ_4K;
	return *(const uint64_t *)cookie;
}

static inline struct gpuvm_cs_queue *env_queue(struct env *e,
					       uint64_t max_instrs,
					       unsigned int max_calls)
{
	struct gpuvm_cs_queue_cfg qc = {
		.as = e->as, .max_instrs = max_instrs, .max_calls = max_calls,
	};
	struct gpuvm_cs_queue *q = NULL;

	assert_int_equal(gpuvm_cs_queue_create(&qc, &q), 0);
	return q;
}

static inline void env_init(struct env *e)
{
	struct gpuvm_pt_cfg pc = { .va_bits = 48,
				   .pgsizes = SZ_4K | SZ_2M };
	struct gpuvm_mmu_as_cfg ac = { .va_bits = 48, .checked = true };
	struct gpuvm_pt_src dummy = { .pa_at = dummy_pa_at,
				      .cookie = &e->dummy_pa };

	memset(e, 0, sizeof(*e));
	e->mem = mem_new(64 * SZ_1M);
	pc.mem = ac.mem = e->mem;
	assert_int_equal(gpuvm_pt_create(&pc, &e->pt), 0);
	ac.root = gpuvm_pt_root(e->pt);
	assert_int_equal(gpuvm_mmu_as_create(&ac, &e->as), 0);
	e->code_pa = env_map_bo(e, CODE_VA, REGION, 0);
	e->data_pa = env_map_bo(e, DATA_VA, REGION, GPUVM_PT_PROT_NOEXEC);
	e->ro_pa = env_map_bo(e, RO_VA, SZ_4K, GPUVM_PT_PROT_NOEXEC |
						GPUVM_PT_PROT_READONLY);
	assert_int_equal(gpuvm_mem_alloc(e->mem, SZ_4K, GPUVM_MEM_BO,
					 &e->dummy_pa), 0);
	gpuvm_mem_write64(e->mem, e->dummy_pa + 8, DUMMY_WORD);
	env_map(e, DUMMY_VA, SZ_2M, &dummy, GPUVM_PT_PROT_NOEXEC);
	env_map(e, NULL_VA, SZ_2M, NULL,
		GPUVM_PT_PROT_NULL | GPUVM_PT_PROT_NOEXEC);
	e->q = env_queue(e, 0, 0);
}

static inline void env_fini(struct env *e)
{
	gpuvm_cs_queue_destroy(e->q);
	gpuvm_pt_destroy(e->pt);
	gpuvm_mmu_as_destroy(e->as);
	gpuvm_mem_free(e->mem, e->code_pa, REGION, GPUVM_MEM_BO);
	gpuvm_mem_free(e->mem, e->data_pa, REGION, GPUVM_MEM_BO);
	gpuvm_mem_free(e->mem, e->ro_pa, SZ_4K, GPUVM_MEM_BO);
	gpuvm_mem_free(e->mem, e->dummy_pa, SZ_4K, GPUVM_MEM_BO);
	mem_check(e->mem);
	gpuvm_mem_destroy(e->mem);
}

/* The PA behind a mapped VA (the host's view, not a GPU access). */
static inline uint64_t env_pa(struct env *e, uint64_t va)
{
	struct gpuvm_pt_walk w;

	assert_int_equal(gpuvm_pt_iova_to_phys(e->pt, va, &w), 0);
	return w.pa;
}

/* Words at va (one page at most), through the tables. */
static inline void poke(struct env *e, uint64_t va, const uint64_t *w,
			size_t n)
{
	for (size_t i = 0; i < n; i++)
		gpuvm_mem_write64(e->mem, env_pa(e, va + 8 * i), w[i]);
}

static inline uint64_t peek64(struct env *e, uint64_t va)
{
	return gpuvm_mem_read64(e->mem, env_pa(e, va));
}

static inline uint32_t peek32(struct env *e, uint64_t va)
{
	uint32_t v;

	assert_int_equal(gpuvm_mem_read(e->mem, env_pa(e, va), &v, 4), 0);
	return v;
}

static inline void poke32(struct env *e, uint64_t va, uint32_t v)
{
	assert_int_equal(gpuvm_mem_write(e->mem, env_pa(e, va), &v, 4), 0);
}

/* Starts the stream w[0..n) written at va and runs it once. */
static inline struct gpuvm_cs_result run_at(struct env *e,
					    struct gpuvm_cs_queue *q,
					    uint64_t va, const uint64_t *w,
					    size_t n)
{
	struct gpuvm_cs_result r;

	poke(e, va, w, n);
	assert_int_equal(gpuvm_cs_queue_start(q, va, 8 * n), 0);
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(gpuvm_cs_queue_run(q, &r), 0);
	return r;
}

#define RUN(e, ...)                                                       \
	run_at((e), (e)->q, CODE_VA, (const uint64_t[]){ __VA_ARGS__ },   \
	       sizeof((const uint64_t[]){ __VA_ARGS__ }) / 8)

static inline uint32_t reg(struct env *e, unsigned int r)
{
	uint32_t v;

	assert_int_equal(gpuvm_cs_queue_get_regs(e->q, r, 1, &v), 0);
	return v;
}

static inline uint64_t reg64(struct env *e, unsigned int r)
{
	return reg(e, r) | (uint64_t)reg(e, r + 1) << 32;
}

static inline void assert_done(const struct gpuvm_cs_result *r,
			       uint64_t executed)
{
	assert_int_equal(r->state, GPUVM_CS_QUEUE_IDLE);
	assert_int_equal(r->executed, executed);
	assert_int_equal(r->fault.exception, 0);
}

/* A fault that is not the MMU's. */
static inline void assert_exc(const struct gpuvm_cs_result *r,
			      enum gpuvm_cs_exception exc,
			      uint64_t instr_addr, uint64_t instr,
			      uint64_t addr)
{
	assert_int_equal(r->state, GPUVM_CS_QUEUE_FAULTED);
	assert_int_equal(r->fault.exception, exc);
	assert_int_equal(r->fault.instr_addr, instr_addr);
	assert_int_equal(r->fault.instr, instr);
	assert_int_equal(r->fault.addr, addr);
	assert_false(r->fault.mmu);
}

/* An MMU fault: the exception, where, and the MMU's own report. */
static inline void assert_mmu_exc(const struct gpuvm_cs_result *r,
				  enum gpuvm_cs_exception exc,
				  uint64_t instr_addr, uint64_t instr,
				  uint64_t addr, enum gpuvm_mmu_fault_kind kind,
				  enum gpuvm_mmu_access acc,
				  unsigned int level)
{
	assert_int_equal(r->state, GPUVM_CS_QUEUE_FAULTED);
	assert_int_equal(r->fault.exception, exc);
	assert_int_equal(r->fault.instr_addr, instr_addr);
	assert_int_equal(r->fault.instr, instr);
	assert_int_equal(r->fault.addr, addr);
	assert_true(r->fault.mmu);
	assert_int_equal(r->fault.mmu_fault.kind, kind);
	assert_int_equal(r->fault.mmu_fault.access, acc);
	assert_int_equal(r->fault.mmu_fault.addr, addr);
	assert_int_equal(r->fault.mmu_fault.level, level);
}

static inline int cs_setup(void **state)
{
	struct env *e = malloc(sizeof(*e));

	assert_non_null(e);
	env_init(e);
	*state = e;
	return 0;
}

static inline int cs_teardown(void **state)
{
	env_fini(*state);
	free(*state);
	return 0;
}

#define CS_TEST(f) cmocka_unit_test_setup_teardown(f, cs_setup, cs_teardown)

/* Shorthands for the encoders. */
#define A_MOVE48 gpuvm_cs_asm_move48
#define A_MOVE32 gpuvm_cs_asm_move32
#define A_ADD32(d, s, i) gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM32, d, s, i)
#define A_ADD64(d, s, i) gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, d, s, i)
#define A_LOAD(b, a, m, o) \
	gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, b, a, m, o)
#define A_STORE(b, a, m, o) \
	gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, b, a, m, o)
#define A_BRANCH gpuvm_cs_asm_branch
#define A_CALL(a, l) gpuvm_cs_asm_call(GPUVM_CS_OP_CALL, a, l)
#define A_JUMP(a, l) gpuvm_cs_asm_call(GPUVM_CS_OP_JUMP, a, l)

#endif /* GPUVM_TESTS_CS_TEST_H */
