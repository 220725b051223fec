// SPDX-License-Identifier: MIT
/*
 * DOC: the command-stream interpreter, instruction by instruction
 *
 * Every test runs streams built with the gpuvm_cs_asm_*() encoders in
 * the environment of cs_test.h and checks exact results: registers,
 * memory words (holes in store masks untouched), instruction counts,
 * and for faults the exception, the instruction's address and word, the
 * faulting VA and the MMU's own report. Control flow (branches on every
 * condition, loops, CALL/JUMP nesting and overflow), sync objects (add,
 * set, status words, waits that block and resume when another queue
 * signals), sparse ranges (dummy and NULL pages), the instruction cap,
 * instructions needing shader cores, self-modifying streams and the
 * checked MMU's stale-TLB report.
 */
#include "cs_test.h"

/* ------------------------------------------------------------------ */
/* Moves and arithmetic                                                */

static void test_move_add(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_queue_status st;
	struct gpuvm_cs_result r;

	r = RUN(e, A_MOVE48(2, 0xfedcba987654ull),
		A_MOVE32(5, 0xffffffffu),
		A_ADD32(6, 5, 3),                 /* wraps: 2 */
		A_MOVE48(10, 0x100000000ull),
		A_ADD64(12, 10, -1),              /* sign-extended */
		A_ADD64(14, 2, 0x7fffffff),
		gpuvm_cs_asm_umin32(7, 5, 6),
		A_MOVE32(3, 0x11),                /* d2's high half */
		A_MOVE48(20, ~0ull),              /* 48 bits, zero-extended */
		gpuvm_cs_asm_nop());
	assert_done(&r, 10);
	assert_int_equal(reg64(e, 2), 0x11ba987654ull);
	assert_int_equal(reg(e, 5), 0xffffffffu);
	assert_int_equal(reg(e, 6), 2);
	assert_int_equal(reg(e, 7), 2);
	assert_int_equal(reg64(e, 10), 0x100000000ull);
	assert_int_equal(reg64(e, 12), 0xffffffffull);
	assert_int_equal(reg64(e, 14), 0xfedd3a987653ull);
	assert_int_equal(reg64(e, 20), 0xffffffffffffull);
	gpuvm_cs_queue_status(e->q, &st);
	assert_int_equal(st.state, GPUVM_CS_QUEUE_IDLE);
	assert_int_equal(st.ip, CODE_VA + 80);
	assert_int_equal(st.end, CODE_VA + 80);
	assert_int_equal(st.executed, 10);
	assert_int_equal(st.retired, 10);
	/* Registers carry over to the next stream. */
	r = RUN(e, A_ADD32(8, 6, 40));
	assert_done(&r, 1);
	assert_int_equal(reg(e, 8), 42);
}

/* ------------------------------------------------------------------ */
/* Loads and stores                                                    */

static void test_load_store(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_result r;
	unsigned int i;

	for (i = 0; i < 128; i++)
		poke32(e, DATA_VA + 4 * i, 0xa0000000u + i);
	r = RUN(e, A_MOVE48(0, DATA_VA + 0x100),
		A_MOVE32(10, 0x11111111), A_MOVE32(11, 0x22222222),
		A_MOVE32(13, 0x44444444), A_MOVE32(25, 0x99999999),
		A_STORE(10, 0, 0x000b, 8),     /* r10, r11, hole, r13 */
		A_STORE(10, 0, 0x8000, -4),    /* r25 at +56 */
		A_LOAD(40, 0, 0x000f, 8),
		A_LOAD(50, 0, 0x0001, -0x100), /* DATA_VA itself */
		A_LOAD(60, 0, 0x0000, 0));     /* nothing */
	assert_done(&r, 10);
	assert_int_equal(peek32(e, DATA_VA + 0x104), 0xa0000041u);
	assert_int_equal(peek32(e, DATA_VA + 0x108), 0x11111111);
	assert_int_equal(peek32(e, DATA_VA + 0x10c), 0x22222222);
	assert_int_equal(peek32(e, DATA_VA + 0x110), 0xa0000044u);
	assert_int_equal(peek32(e, DATA_VA + 0x114), 0x44444444);
	assert_int_equal(peek32(e, DATA_VA + 0x118), 0xa0000046u);
	assert_int_equal(peek32(e, DATA_VA + 0x134), 0xa000004du);
	assert_int_equal(peek32(e, DATA_VA + 0x138), 0x99999999u);
	assert_int_equal(peek32(e, DATA_VA + 0x13c), 0xa000004fu);
	assert_int_equal(reg(e, 40), 0x11111111);
	assert_int_equal(reg(e, 41), 0x22222222);
	assert_int_equal(reg(e, 42), 0xa0000044u);
	assert_int_equal(reg(e, 43), 0x44444444);
	assert_int_equal(reg(e, 50), 0xa0000000u);
	assert_int_equal(reg(e, 60), 0);
	/* A load may overwrite its own address register. */
	r = RUN(e, A_LOAD(0, 0, 0x3, 0x8));
	assert_done(&r, 1);
	assert_int_equal(reg64(e, 0), 0x2222222211111111ull);
}

/* ------------------------------------------------------------------ */
/* Control flow                                                        */

static void test_branch_conditions(void **state)
{
	static const int32_t vals[] = { -5, 0, 7 };
	static const bool taken[7][3] = {
		[GPUVM_CS_COND_LEQUAL] = { 1, 1, 0 },
		[GPUVM_CS_COND_GREATER] = { 0, 0, 1 },
		[GPUVM_CS_COND_EQUAL] = { 0, 1, 0 },
		[GPUVM_CS_COND_NEQUAL] = { 1, 0, 1 },
		[GPUVM_CS_COND_LESS] = { 1, 0, 0 },
		[GPUVM_CS_COND_GEQUAL] = { 0, 1, 1 },
		[GPUVM_CS_COND_ALWAYS] = { 1, 1, 1 },
	};
	struct env *e = *state;
	struct gpuvm_cs_result r;

	for (unsigned int c = 0; c < 7; c++) {
		for (unsigned int v = 0; v < 3; v++) {
			r = RUN(e, A_MOVE32(1, (uint32_t)vals[v]),
				A_MOVE32(2, 0),
				A_BRANCH(c, 1, 1),
				A_MOVE32(2, 1),
				gpuvm_cs_asm_nop());
			assert_done(&r, taken[c][v] ? 4 : 5);
			assert_int_equal(reg(e, 2), !taken[c][v]);
		}
	}
	/* ALWAYS reads no register: any register field is fine. */
	r = RUN(e, A_BRANCH(GPUVM_CS_COND_ALWAYS, 200, 1), A_MOVE32(2, 9),
		gpuvm_cs_asm_nop());
	assert_done(&r, 2);
	assert_int_equal(reg(e, 2), 0);
	/* Branching to the end leaves the buffer: done. */
	r = RUN(e, A_BRANCH(GPUVM_CS_COND_ALWAYS, 0, 1), A_MOVE32(2, 9));
	assert_done(&r, 1);
	assert_int_equal(reg(e, 2), 0);
}

static void test_branch_loop(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_result r;

	r = RUN(e, A_MOVE32(0, 1000), A_MOVE32(1, 0),
		A_ADD32(1, 1, 3),                      /* loop: */
		A_ADD32(0, 0, -1),
		A_BRANCH(GPUVM_CS_COND_NEQUAL, 0, -3), /* to loop */
		gpuvm_cs_asm_nop());
	assert_done(&r, 2 + 3 * 1000 + 1);
	assert_int_equal(reg(e, 0), 0);
	assert_int_equal(reg(e, 1), 3000);
}

#define SUB1 (CODE_VA + 0x1000)
#define SUB2 (CODE_VA + 0x2000)
#define SUB3 (CODE_VA + 0x3000)
/* Records the order frames run in: r[reg] = r31++. */
#define MARK(reg) A_ADD32(reg, 31, 0), A_ADD32(31, 31, 1)

static void test_call_nesting(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_queue_status st;
	struct gpuvm_cs_result r;
	const uint64_t sub1[] = {
		MARK(42), A_MOVE48(24, SUB2), A_MOVE32(26, 6 * 8),
		A_CALL(24, 26), MARK(43),
	};
	const uint64_t sub2[] = {
		MARK(44), A_MOVE48(24, SUB3), A_MOVE32(26, 2 * 8),
		A_JUMP(24, 26),             /* sub3 returns to sub1 */
		A_MOVE32(60, 0xbad),
	};
	const uint64_t sub3[] = { MARK(45) };

	poke(e, SUB1, sub1, 7);
	poke(e, SUB2, sub2, 6);
	poke(e, SUB3, sub3, 2);
	r = RUN(e, A_MOVE48(20, SUB1), A_MOVE32(22, 7 * 8), A_CALL(20, 22),
		MARK(41));
	assert_done(&r, 5 + 7 + 5 + 2);
	assert_int_equal(reg(e, 42), 0);
	assert_int_equal(reg(e, 44), 1);
	assert_int_equal(reg(e, 45), 2);
	assert_int_equal(reg(e, 43), 3);
	assert_int_equal(reg(e, 41), 4);
	assert_int_equal(reg(e, 31), 5);
	assert_int_equal(reg(e, 60), 0);
	gpuvm_cs_queue_status(e->q, &st);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.ip, CODE_VA + 5 * 8);
	/* A CALL of an empty buffer returns at once. */
	r = RUN(e, A_MOVE48(20, SUB1), A_MOVE32(22, 0), A_CALL(20, 22),
		MARK(46));
	assert_done(&r, 5);
	assert_int_equal(reg(e, 46), 5);
}

/* A buffer that calls itself: the 8th frame overflows the stack. */
static void check_overflow(struct env *e, struct gpuvm_cs_queue *q,
			   unsigned int calls)
{
	const uint64_t sub[] = { A_ADD32(1, 1, 1), A_CALL(20, 22) };
	const uint64_t main_[] = {
		A_MOVE48(20, SUB1), A_MOVE32(22, 16), A_CALL(20, 22),
	};
	struct gpuvm_cs_queue_status st;
	struct gpuvm_cs_result r;

	poke(e, SUB1, sub, 2);
	r = run_at(e, q, CODE_VA, main_, 3);
	assert_exc(&r, GPUVM_CS_EXC_CS_CALL_STACK_OVERFLOW, SUB1 + 8, sub[1],
		   SUB1 + 8);
	assert_int_equal(r.executed, 3 + 2 * calls - 1);
	gpuvm_cs_queue_status(q, &st);
	assert_int_equal(st.depth, calls);
	assert_int_equal(st.ip, SUB1 + 8);
	assert_int_equal(st.state, GPUVM_CS_QUEUE_FAULTED);
}

static void test_call_overflow(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_queue *q2 = env_queue(e, 0, 2);

	check_overflow(e, e->q, GPUVM_CS_MAX_CALLS);
	assert_int_equal(reg(e, 1), GPUVM_CS_MAX_CALLS);
	check_overflow(e, q2, 2);
	gpuvm_cs_queue_destroy(q2);
}

/* ------------------------------------------------------------------ */
/* Sync objects                                                        */

static void test_sync_update(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_result r;

	poke32(e, DATA_VA, 0xfffffffe);
	poke32(e, DATA_VA + 4, 0x77777777);
	gpuvm_mem_write64(e->mem, env_pa(e, DATA_VA + 0x10), 0x1000000000ull);
	gpuvm_mem_write64(e->mem, env_pa(e, DATA_VA + 0x18),
			  0x5555555566666666ull);
	gpuvm_mem_write64(e->mem, env_pa(e, DATA_VA + 0x20), ~0ull);
	gpuvm_mem_write64(e->mem, env_pa(e, DATA_VA + 0x28), ~0ull);
	gpuvm_mem_write64(e->mem, env_pa(e, DATA_VA + 0x30), ~0ull);
	gpuvm_mem_write64(e->mem, env_pa(e, DATA_VA + 0x38), ~0ull);
	r = RUN(e, A_MOVE48(0, DATA_VA), A_MOVE48(2, DATA_VA + 0x10),
		A_MOVE48(4, DATA_VA + 0x20), A_MOVE48(6, DATA_VA + 0x30),
		A_MOVE32(10, 5), A_MOVE48(12, 0x100000003ull),
		gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_ADD32, 10, 0, false, 0, 0),
		gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_ADD64, 12, 2, true, 0x3, 2),
		gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_SET32, 10, 4, true, 0, 0),
		gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_SET64, 12, 6, false, 0x80,
				  0));
	assert_done(&r, 10);
	assert_int_equal(peek32(e, DATA_VA), 3);            /* wrapped */
	assert_int_equal(peek32(e, DATA_VA + 4), 0x77777777);
	assert_int_equal(peek64(e, DATA_VA + 0x10), 0x1100000003ull);
	assert_int_equal(peek64(e, DATA_VA + 0x18), 0x5555555500000000ull);
	assert_int_equal(peek64(e, DATA_VA + 0x20), 5);     /* status 0 */
	assert_int_equal(peek64(e, DATA_VA + 0x28), ~0ull);
	assert_int_equal(peek64(e, DATA_VA + 0x30), 0x100000003ull);
	assert_int_equal(peek64(e, DATA_VA + 0x38), ~0ull);
}

#define WAIT32 GPUVM_CS_OP_SYNC_WAIT32
#define WAIT64 GPUVM_CS_OP_SYNC_WAIT64

static void assert_blocked(const struct gpuvm_cs_result *r, uint64_t executed,
			   uint64_t instr_addr, uint64_t addr, uint64_t ref,
			   bool gt, bool sync64)
{
	assert_int_equal(r->state, GPUVM_CS_QUEUE_BLOCKED);
	assert_int_equal(r->executed, executed);
	assert_int_equal(r->wait.instr_addr, instr_addr);
	assert_int_equal(r->wait.addr, addr);
	assert_int_equal(r->wait.ref, ref);
	assert_int_equal(r->wait.gt, gt);
	assert_int_equal(r->wait.sync64, sync64);
	assert_int_equal(r->fault.exception, 0);
}

/* Queue A waits until the object > 4; queue B adds 1 to it. */
static void test_sync_wait_resume(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_queue *b = env_queue(e, 0, 0);
	const uint64_t sig[] = {
		A_MOVE48(0, DATA_VA), A_MOVE32(4, 1),
		gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_ADD32, 4, 0, false, 0, 0),
	};
	struct gpuvm_cs_queue_status st;
	struct gpuvm_cs_result r;
	uint32_t v = 1;

	poke32(e, DATA_VA, 4);
	r = RUN(e, A_MOVE48(0, DATA_VA), A_MOVE32(2, 4),
		gpuvm_cs_asm_sync_wait(WAIT32, GPUVM_CS_COND_GREATER, 2, 0,
				       false),
		A_MOVE32(3, 0x600d), A_STORE(3, 0, 0x1, 0x40));
	assert_blocked(&r, 2, CODE_VA + 16, DATA_VA, 4, true, false);
	gpuvm_cs_queue_status(e->q, &st);
	assert_int_equal(st.state, GPUVM_CS_QUEUE_BLOCKED);
	assert_int_equal(st.ip, CODE_VA + 16);
	assert_int_equal(st.wait.addr, DATA_VA);
	assert_int_equal(gpuvm_cs_queue_start(e->q, CODE_VA, 8), -EBUSY);
	assert_int_equal(gpuvm_cs_queue_set_regs(e->q, 0, 1, &v), -EBUSY);
	/* Nothing changed: still blocked, nothing executed. */
	assert_int_equal(gpuvm_cs_queue_run(e->q, &r), 0);
	assert_blocked(&r, 0, CODE_VA + 16, DATA_VA, 4, true, false);
	r = run_at(e, b, CODE_VA + 0x800, sig, 3);
	assert_done(&r, 3);
	assert_int_equal(gpuvm_cs_queue_run(e->q, &r), 0);
	assert_done(&r, 3);
	assert_int_equal(peek32(e, DATA_VA + 0x40), 0x600d);
	gpuvm_cs_queue_destroy(b);
}

/* 64 bits, LEQUAL: until the object <= ref; met at once, or later. */
static void test_sync_wait64(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_result r;

	gpuvm_mem_write64(e->mem, env_pa(e, DATA_VA), 0x500000000ull);
	r = RUN(e, A_MOVE48(0, DATA_VA), A_MOVE48(2, 0x500000000ull),
		gpuvm_cs_asm_sync_wait(WAIT64, GPUVM_CS_COND_LEQUAL, 2, 0,
				       true),
		A_MOVE48(2, 0x4ffffffffull),
		gpuvm_cs_asm_sync_wait(WAIT64, GPUVM_CS_COND_LEQUAL, 2, 0,
				       true),
		A_MOVE32(9, 1));
	assert_blocked(&r, 4, CODE_VA + 32, DATA_VA, 0x4ffffffffull, false,
		       true);
	gpuvm_mem_write64(e->mem, env_pa(e, DATA_VA), 0x4fffffffeull);
	assert_int_equal(gpuvm_cs_queue_run(e->q, &r), 0);
	assert_done(&r, 2);
	assert_int_equal(reg(e, 9), 1);
}

/* The object's page goes away while blocked: the resume faults. */
static void test_sync_wait_unmapped(void **state)
{
	struct env *e = *state;
	uint64_t wait = gpuvm_cs_asm_sync_wait(WAIT32, GPUVM_CS_COND_GREATER,
					       2, 0, false);
	struct gpuvm_pt_gather g;
	struct gpuvm_cs_result r;

	r = RUN(e, A_MOVE48(0, DATA_VA + 0x1000), A_MOVE32(2, 0), wait);
	assert_blocked(&r, 2, CODE_VA + 16, DATA_VA + 0x1000, 0, true, false);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_unmap(e->pt, DATA_VA + 0x1000, SZ_4K, &g),
			 0);
	flush_gather(e->as, e->pt, &g);
	assert_int_equal(gpuvm_cs_queue_run(e->q, &r), 0);
	assert_mmu_exc(&r, GPUVM_CS_EXC_TRANSLATION_FAULT_0 + 3, CODE_VA + 16,
		       wait, DATA_VA + 0x1000, GPUVM_MMU_FAULT_TRANSLATION,
		       GPUVM_MMU_READ, 3);
	assert_int_equal(r.executed, 0);
	assert_int_equal(r.wait.addr, 0);
}

/* ------------------------------------------------------------------ */
/* MMU faults                                                          */

static void test_fault_load_store(void **state)
{
	struct env *e = *state;
	uint64_t ld = A_LOAD(4, 0, 0x1, 0), st = A_STORE(4, 0, 0x1, 0x20);
	uint64_t holes = A_STORE(4, 0, 0x5, 0);
	struct gpuvm_cs_result r;

	r = RUN(e, A_MOVE48(0, HOLE_VA + 0x10), ld);
	assert_mmu_exc(&r, GPUVM_CS_EXC_TRANSLATION_FAULT_0 + 2, CODE_VA + 8,
		       ld, HOLE_VA + 0x10, GPUVM_MMU_FAULT_TRANSLATION,
		       GPUVM_MMU_READ, 2);
	assert_int_equal(r.executed, 1);
	assert_int_equal(reg(e, 4), 0);
	gpuvm_cs_queue_reset(e->q);
	r = RUN(e, A_MOVE48(0, RO_VA), A_MOVE32(4, 9), st);
	assert_mmu_exc(&r, GPUVM_CS_EXC_PERM_FAULT_0 + 3, CODE_VA + 16, st,
		       RO_VA + 0x20, GPUVM_MMU_FAULT_PERMISSION,
		       GPUVM_MMU_WRITE, 3);
	assert_int_equal(peek32(e, RO_VA + 0x20), 0);
	/* Holes: the first word is mapped, the third is not: neither. */
	gpuvm_cs_queue_reset(e->q);
	poke32(e, DATA_VA + REGION - 4, 0x1234);
	r = RUN(e, A_MOVE48(0, DATA_VA + REGION - 4), A_MOVE32(4, 7),
		A_MOVE32(6, 8), holes);
	assert_mmu_exc(&r, GPUVM_CS_EXC_TRANSLATION_FAULT_0 + 3, CODE_VA + 24,
		       holes, DATA_VA + REGION + 4,
		       GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_WRITE, 3);
	assert_int_equal(peek32(e, DATA_VA + REGION - 4), 0x1234);
	/* A sync object on read-only memory: read, but not written. */
	gpuvm_cs_queue_reset(e->q);
	poke32(e, RO_VA, 41);
	r = RUN(e, A_MOVE48(0, RO_VA), A_MOVE32(4, 1),
		gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_ADD32, 4, 0, false, 0, 0));
	assert_int_equal(r.fault.exception, GPUVM_CS_EXC_PERM_FAULT_0 + 3);
	assert_int_equal(peek32(e, RO_VA), 41);
	/* Beyond the 48-bit VA space: an input address-size fault. */
	gpuvm_cs_queue_reset(e->q);
	r = RUN(e, A_MOVE48(0, 0xffffffffffffull), A_ADD64(0, 0, 1), ld);
	assert_mmu_exc(&r, GPUVM_CS_EXC_ADDR_SIZE_FAULT_IN, CODE_VA + 16, ld,
		       1ull << 48, GPUVM_MMU_FAULT_ADDRESS_SIZE,
		       GPUVM_MMU_READ, 0);
}

static void test_fault_fetch(void **state)
{
	struct env *e = *state;
	const uint64_t nops[] = { gpuvm_cs_asm_nop(), gpuvm_cs_asm_nop() };
	struct gpuvm_cs_queue_status st;
	struct gpuvm_cs_result r;

	/* Fetching from no-exec memory. */
	r = RUN(e, A_MOVE48(20, DATA_VA), A_MOVE32(22, 8), A_JUMP(20, 22));
	assert_mmu_exc(&r, GPUVM_CS_EXC_PERM_FAULT_0 + 3, DATA_VA, 0, DATA_VA,
		       GPUVM_MMU_FAULT_PERMISSION, GPUVM_MMU_EXEC, 3);
	assert_int_equal(r.executed, 3);
	/* A stream running off its mapping: its two words run first. */
	gpuvm_cs_queue_reset(e->q);
	poke(e, CODE_VA + REGION - 16, nops, 2);
	assert_int_equal(gpuvm_cs_queue_start(e->q, CODE_VA + REGION - 16, 32),
			 0);
	assert_int_equal(gpuvm_cs_queue_run(e->q, &r), 0);
	assert_mmu_exc(&r, GPUVM_CS_EXC_TRANSLATION_FAULT_0 + 3,
		       CODE_VA + REGION, 0, CODE_VA + REGION,
		       GPUVM_MMU_FAULT_TRANSLATION, GPUVM_MMU_EXEC, 3);
	assert_int_equal(r.executed, 2);
	gpuvm_cs_queue_status(e->q, &st);
	assert_int_equal(st.state, GPUVM_CS_QUEUE_FAULTED);
	assert_int_equal(st.fault.addr, CODE_VA + REGION);
	assert_int_equal(gpuvm_cs_queue_start(e->q, CODE_VA, 8), -EIO);
	/* Running a faulted queue reports the fault again. */
	assert_int_equal(gpuvm_cs_queue_run(e->q, &r), 0);
	assert_int_equal(r.state, GPUVM_CS_QUEUE_FAULTED);
	assert_int_equal(r.executed, 0);
	assert_int_equal(r.fault.addr, CODE_VA + REGION);
}

/* ------------------------------------------------------------------ */
/* Bad instructions                                                    */

#define RAW gpuvm_cs_asm_raw
#define SYNC32(wait, sig) \
	gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_ADD32, 4, 0, false, wait, sig)

/* One instruction at CODE_VA stops with exc about addr. */
struct bad_case {
	uint64_t word;
	enum gpuvm_cs_exception exc;
	uint64_t addr;
};

static void test_bad_instructions(void **state)
{
	const struct bad_case cases[] = {
		{ .word = RAW(10, 0) }, { .word = RAW(12, 0) }, { .word = RAW(19, 0) }, { .word = RAW(26, 0) },
		{ .word = RAW(35, 0) }, { .word = RAW(45, 0) }, { .word = RAW(54, 0) },
		{ .word = RAW(0xff, ~0ull) },
		{ .word = A_MOVE32(96, 1) }, { .word = A_MOVE48(95, 1) }, { .word = A_MOVE48(3, 1) },
		{ .word = A_ADD32(1, 200, 1) }, { .word = A_ADD64(3, 0, 1) },
		{ .word = gpuvm_cs_asm_umin32(1, 2, 96) },
		{ .word = A_LOAD(90, 0, 0x80, 0) }, { .word = A_STORE(0, 1, 0x1, 0) },
		{ .word = RAW(GPUVM_CS_OP_BRANCH, 7ull << 28) },
		{ .word = A_BRANCH(GPUVM_CS_COND_EQUAL, 96, 0) },
		{ .word = gpuvm_cs_asm_sync_wait(WAIT32, GPUVM_CS_COND_EQUAL, 2, 0,
					 false) },
		{ .word = gpuvm_cs_asm_sync_wait(WAIT64, GPUVM_CS_COND_GREATER, 3, 0,
					 false) },
		{ .word = SYNC32(0x100, 0) }, { .word = SYNC32(0x1, 9) },
		{ .word = gpuvm_cs_asm_set_sb_entry(8, 0) },
		{ .word = gpuvm_cs_asm_set_sb_entry(0, 15) },
		{ .word = gpuvm_cs_asm_flush_cache2(2, 0, 0, 0, 0, 0) },
		{ .word = gpuvm_cs_asm_flush_cache2(0, 0, 1, 0, 0, 0) },
		{ .word = gpuvm_cs_asm_flush_cache2(0, 0, 0, 96, 0, 0) },
		{ .word = RAW(GPUVM_CS_OP_SET_EXCEPTION_HANDLER, 1) },
		{ .word = RAW(GPUVM_CS_OP_TRACE_POINT, 90ull << 32 | 10ull << 40) },
		{ .word = A_CALL(1, 0) }, { .word = A_JUMP(0, 96) },
		{ .word = RAW(GPUVM_CS_OP_PROGRESS_LOAD, 1ull << 48) },
		{ .word = gpuvm_cs_asm_store_state(0, 5, 0, 0, 0) },
		/* Targets outside the buffer, about the target. */
		{ .word = A_BRANCH(GPUVM_CS_COND_ALWAYS, 0, 5),
		  .exc = GPUVM_CS_EXC_CS_INSTR_INVALID, .addr = CODE_VA + 48 },
		{ .word = A_BRANCH(GPUVM_CS_COND_ALWAYS, 0, -2),
		  .exc = GPUVM_CS_EXC_CS_INSTR_INVALID, .addr = CODE_VA - 8 },
		/* Waiting on the slot it signals. */
		{ .word = SYNC32(0x2, 1), .exc = GPUVM_CS_EXC_SB_DEADLOCK },
		{ .word = gpuvm_cs_asm_flush_cache2(1, 1, 0, 0, 0x1, 0),
		  .exc = GPUVM_CS_EXC_SB_DEADLOCK },
	};
	struct env *e = *state;
	struct gpuvm_cs_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		gpuvm_cs_queue_reset(e->q);
		r = run_at(e, e->q, CODE_VA, &c->word, 1);
		assert_exc(&r, c->exc ? c->exc : GPUVM_CS_EXC_CS_INSTR_INVALID,
			   CODE_VA, c->word, c->addr ? c->addr : CODE_VA);
		assert_int_equal(r.executed, 0);
	}
}

/* CALL/JUMP targets: 8-byte aligned address and length, no wrap. */
static void test_bad_call_targets(void **state)
{
	static const uint64_t addrs[] = { SUB1 + 4, SUB1, ~7ull };
	static const uint32_t lens[] = { 8, 12, 16 };
	struct env *e = *state;
	struct gpuvm_cs_result r;

	for (unsigned int i = 0; i < 3; i++) {
		gpuvm_cs_queue_reset(e->q);
		r = RUN(e, A_MOVE32(20, (uint32_t)addrs[i]),
			A_MOVE32(21, (uint32_t)(addrs[i] >> 32)),
			A_MOVE32(22, lens[i]), A_CALL(20, 22));
		assert_exc(&r, GPUVM_CS_EXC_CS_INSTR_INVALID, CODE_VA + 24,
			   A_CALL(20, 22), addrs[i]);
	}
}

static void test_unsupported(void **state)
{
	static const unsigned int ops[] = {
		GPUVM_CS_OP_RUN_COMPUTE, GPUVM_CS_OP_RUN_TILING,
		GPUVM_CS_OP_RUN_IDVS, GPUVM_CS_OP_RUN_FRAGMENT,
		GPUVM_CS_OP_RUN_FULLSCREEN, GPUVM_CS_OP_RUN_COMPUTE_INDIRECT,
		GPUVM_CS_OP_FINISH_TILING, GPUVM_CS_OP_FINISH_FRAGMENT,
		GPUVM_CS_OP_HEAP_OPERATION, GPUVM_CS_OP_PROGRESS_WAIT,
		GPUVM_CS_OP_PROT_REGION,
	};
	struct env *e = *state;
	struct gpuvm_cs_result r;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		gpuvm_cs_queue_reset(e->q);
		r = RUN(e, A_MOVE32(1, 7), RAW(ops[i], 0x1234),
			A_MOVE32(2, 7));
		assert_exc(&r, GPUVM_CS_EXC_UNSUPPORTED, CODE_VA + 8,
			   RAW(ops[i], 0x1234), CODE_VA + 8);
		assert_int_equal(r.executed, 1);
		assert_int_equal(reg(e, 1), 7);
		assert_int_equal(reg(e, 2), 0);
	}
}

/* An endless loop stops after exactly max_instrs instructions. */
static void test_instr_cap(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_queue *q = env_queue(e, 1000, 0);
	const uint64_t loop[] = {
		A_MOVE32(0, 0), A_ADD32(0, 0, 1),
		A_BRANCH(GPUVM_CS_COND_ALWAYS, 0, -2),
	};
	const uint64_t exact[] = { A_MOVE32(0, 0), A_ADD32(0, 0, 1) };
	struct gpuvm_cs_queue_status st;
	struct gpuvm_cs_result r;

	r = run_at(e, q, CODE_VA, loop, 3);
	assert_exc(&r, GPUVM_CS_EXC_INSTR_CAP, CODE_VA + 16, 0, CODE_VA + 16);
	assert_int_equal(r.executed, 1000);
	gpuvm_cs_queue_status(q, &st);
	assert_int_equal(st.executed, 1000);
	gpuvm_cs_queue_destroy(q);
	/* A stream of exactly the cap ends normally. */
	q = env_queue(e, 2, 0);
	r = run_at(e, q, CODE_VA, exact, 2);
	assert_done(&r, 2);
	gpuvm_cs_queue_destroy(q);
}

/* ------------------------------------------------------------------ */
/* Sparse ranges, self-modifying streams, stale TLB entries            */

static void test_sparse(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_result r;

	r = RUN(e, A_MOVE48(0, DUMMY_VA + 5 * SZ_4K + 8),
		A_LOAD(4, 0, 0x3, 0),
		A_LOAD(6, 0, 0x3, (int16_t)(0x7000 - 0x5000)),
		A_MOVE48(2, NULL_VA + 0x1230),
		A_MOVE32(10, 0x5a5a5a5a), A_MOVE32(11, 0x5a5a5a5a),
		A_LOAD(10, 2, 0x3, 0),
		A_MOVE32(12, 77), A_STORE(12, 2, 0x1, 0), /* dropped */
		A_LOAD(13, 2, 0x1, 0),
		gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_ADD32, 12, 2, true, 0, 0),
		A_LOAD(14, 2, 0x1, 0));
	assert_done(&r, 12);
	assert_int_equal(reg64(e, 4), DUMMY_WORD);
	assert_int_equal(reg64(e, 6), DUMMY_WORD);
	assert_int_equal(reg64(e, 10), 0);
	assert_int_equal(reg(e, 13), 0);
	assert_int_equal(reg(e, 14), 0);
}

/* A store over the stream's own next instruction: the new one runs. */
static void test_self_modifying(void **state)
{
	struct env *e = *state;
	uint64_t patch = A_MOVE32(9, 0x5e1f);
	struct gpuvm_cs_result r;

	r = RUN(e, A_MOVE48(0, CODE_VA + 6 * 8),
		A_MOVE32(2, (uint32_t)patch), A_MOVE32(3, patch >> 32),
		A_STORE(2, 0, 0x3, 0), gpuvm_cs_asm_nop(), gpuvm_cs_asm_nop(),
		gpuvm_cs_asm_nop());
	assert_done(&r, 7);
	assert_int_equal(reg(e, 9), 0x5e1f);
	assert_int_equal(peek64(e, CODE_VA + 48), patch);
}

/* A mapping changed without invalidating: the checked MMU says so. */
static void test_stale_tlb(void **state)
{
	struct env *e = *state;
	uint64_t ld = A_LOAD(4, 0, 0x1, 0), pa;
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	struct gpuvm_cs_result r;

	r = RUN(e, A_MOVE48(0, DATA_VA + 0x3000), ld);
	assert_done(&r, 2);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_unmap(e->pt, DATA_VA + 0x3000, SZ_4K, &g),
			 0);
	gpuvm_pt_gather_release(e->pt, &g);     /* no invalidation */
	assert_int_equal(gpuvm_mem_alloc(e->mem, SZ_4K, GPUVM_MEM_BO, &pa), 0);
	gpuvm_pt_linear_init(&lin, DATA_VA + 0x3000, pa);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(e->pt, DATA_VA + 0x3000, SZ_4K,
				      &lin.src, GPUVM_PT_PROT_NOEXEC, &g), 0);
	gpuvm_pt_gather_release(e->pt, &g);
	r = RUN(e, A_MOVE48(0, DATA_VA + 0x3000), ld);
	assert_exc(&r, GPUVM_CS_EXC_STALE_TLB, CODE_VA + 8, ld,
		   DATA_VA + 0x3000);
	gpuvm_mmu_invalidate_all(e->as);
	gpuvm_mem_free(e->mem, pa, SZ_4K, GPUVM_MEM_BO);
}

/* ------------------------------------------------------------------ */
/* Queue state and API                                                 */

static void test_state_instructions(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_queue_status st;
	struct gpuvm_cs_result r;

	poke32(e, DATA_VA + 0x24, 0xeeeeeeee);
	poke32(e, DATA_VA + 0x28, 0xdddddddd);
	r = RUN(e, gpuvm_cs_asm_set_sb_entry(3, 5),
		gpuvm_cs_asm_req_resource(0xb),
		gpuvm_cs_asm_wait(0x3, true), gpuvm_cs_asm_wait(0xff, false),
		A_MOVE48(10, 0x1234567890ull),
		RAW(GPUVM_CS_OP_HEAP_SET, 10ull << 40),
		RAW(GPUVM_CS_OP_PROGRESS_STORE, 10ull << 40),
		gpuvm_cs_asm_wait(0, true),
		RAW(GPUVM_CS_OP_PROGRESS_LOAD, 12ull << 48),
		A_MOVE32(14, 0x40),
		RAW(GPUVM_CS_OP_SET_EXCEPTION_HANDLER,
		    2 | 10ull << 40 | 14ull << 32),
		A_MOVE48(0, DATA_VA),
		gpuvm_cs_asm_store_state(GPUVM_CS_STATE_TIMESTAMP, 0, 0x10,
					 0, 0),
		gpuvm_cs_asm_store_state(GPUVM_CS_STATE_ERROR_STATUS, 0, 0x24,
					 0x1, 2),
		gpuvm_cs_asm_flush_cache2(3, 1, 2, 14, 0x4, 0),
		RAW(GPUVM_CS_OP_TRACE_POINT, 80ull << 32 | 16ull << 40),
		RAW(GPUVM_CS_OP_ERROR_BARRIER, 0));
	assert_done(&r, 17);
	gpuvm_cs_queue_status(e->q, &st);
	assert_int_equal(st.sb_endpoint, 3);
	assert_int_equal(st.sb_other, 5);
	assert_int_equal(st.resources, 0xb);
	assert_int_equal(st.progress, 0x1234567891ull);
	assert_int_equal(reg64(e, 12), 0x1234567891ull);
	assert_int_equal(st.heap_ctx, 0x1234567890ull);
	assert_int_equal(st.oom_handler, 0x1234567890ull);
	assert_int_equal(st.oom_handler_len, 0x40);
	/* The virtual clock: 12 instructions retired before it. */
	assert_int_equal(peek64(e, DATA_VA + 0x10), 12);
	assert_int_equal(peek32(e, DATA_VA + 0x24), 0);
	assert_int_equal(peek32(e, DATA_VA + 0x28), 0xdddddddd);
	assert_int_equal(st.retired, 17);
	/* The clock runs on across streams; reset stops it. */
	r = RUN(e, gpuvm_cs_asm_store_state(GPUVM_CS_STATE_CYCLE_COUNT, 0,
					    0x30, 0, 0));
	assert_done(&r, 1);
	assert_int_equal(peek64(e, DATA_VA + 0x30), 17);
}

static void test_queue_api(void **state)
{
	struct env *e = *state;
	struct gpuvm_cs_queue_status st, zero;
	struct gpuvm_cs_queue_cfg qc = { .as = e->as };
	struct gpuvm_cs_queue *q = NULL;
	struct gpuvm_cs_result r;
	uint32_t regs[GPUVM_CS_REGS], two[2] = { 1, 2 };

	qc.max_calls = GPUVM_CS_MAX_CALLS + 1;
	assert_int_equal(gpuvm_cs_queue_create(&qc, &q), -EINVAL);
	qc = (struct gpuvm_cs_queue_cfg){ 0 };
	assert_int_equal(gpuvm_cs_queue_create(&qc, &q), -EINVAL);
	assert_null(q);
	assert_int_equal(gpuvm_cs_queue_start(e->q, CODE_VA + 4, 8), -EINVAL);
	assert_int_equal(gpuvm_cs_queue_start(e->q, CODE_VA, 12), -EINVAL);
	assert_int_equal(gpuvm_cs_queue_start(e->q, ~7ull, 16), -EINVAL);
	/* Nothing to run: IDLE, nothing executed. */
	assert_int_equal(gpuvm_cs_queue_run(e->q, &r), 0);
	assert_done(&r, 0);
	assert_int_equal(gpuvm_cs_queue_run(e->q, NULL), 0);
	/* An empty stream ends at once. */
	assert_int_equal(gpuvm_cs_queue_start(e->q, CODE_VA, 0), 0);
	assert_int_equal(gpuvm_cs_queue_set_regs(e->q, 0, 1, two), -EBUSY);
	assert_int_equal(gpuvm_cs_queue_run(e->q, &r), 0);
	assert_done(&r, 0);
	/* Registers: ranges, and what set writes get reads. */
	assert_int_equal(gpuvm_cs_queue_set_regs(e->q, 94, 2, two), 0);
	assert_int_equal(gpuvm_cs_queue_get_regs(e->q, 95, 2, regs), -EINVAL);
	assert_int_equal(gpuvm_cs_queue_set_regs(e->q, 97, 0, two), -EINVAL);
	assert_int_equal(gpuvm_cs_queue_get_regs(e->q, 96, 0, regs), 0);
	assert_int_equal(gpuvm_cs_queue_get_regs(e->q, 0, 96, regs), 0);
	assert_int_equal(regs[94], 1);
	assert_int_equal(regs[95], 2);
	r = RUN(e, A_ADD32(0, 95, 40));
	assert_done(&r, 1);
	assert_int_equal(reg(e, 0), 42);
	/* Reset: a new queue again. */
	r = RUN(e, RAW(10, 0));
	assert_int_equal(r.state, GPUVM_CS_QUEUE_FAULTED);
	assert_int_equal(gpuvm_cs_queue_set_regs(e->q, 0, 1, two), 0);
	gpuvm_cs_queue_reset(e->q);
	gpuvm_cs_queue_status(e->q, &st);
	q = env_queue(e, 0, 0);
	gpuvm_cs_queue_status(q, &zero);
	assert_memory_equal(&st, &zero, sizeof(st));
	assert_int_equal(gpuvm_cs_queue_get_regs(e->q, 0, 96, regs), 0);
	for (unsigned int i = 0; i < GPUVM_CS_REGS; i++)
		assert_int_equal(regs[i], 0);
	assert_int_equal(gpuvm_cs_queue_start(e->q, CODE_VA, 8), 0);
	gpuvm_cs_queue_destroy(q);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(gpuvm_cs_exception_name(GPUVM_CS_EXC_OK), "OK");
	assert_string_equal(gpuvm_cs_exception_name(0x49), "CS_INSTR_INVALID");
	assert_string_equal(gpuvm_cs_exception_name(0x4a),
			    "CS_CALL_STACK_OVERFLOW");
	assert_string_equal(gpuvm_cs_exception_name(0xc2),
			    "TRANSLATION_FAULT_2");
	assert_string_equal(gpuvm_cs_exception_name(0xcb), "PERM_FAULT_3");
	assert_string_equal(gpuvm_cs_exception_name(0xd9), "ACCESS_FLAG_1");
	assert_string_equal(gpuvm_cs_exception_name(0xd8), "UNKNOWN");
	assert_string_equal(gpuvm_cs_exception_name(0xe0),
			    "ADDR_SIZE_FAULT_IN");
	assert_string_equal(gpuvm_cs_exception_name(0xe7),
			    "ADDR_SIZE_FAULT_OUT3");
	assert_string_equal(gpuvm_cs_exception_name(0xe8), "UNKNOWN");
	assert_string_equal(gpuvm_cs_exception_name(0x100), "INSTR_CAP");
	assert_string_equal(gpuvm_cs_exception_name(0x101), "UNSUPPORTED");
	assert_string_equal(gpuvm_cs_exception_name(0x102), "SB_DEADLOCK");
	assert_string_equal(gpuvm_cs_exception_name(0x103), "STALE_TLB");
	assert_string_equal(gpuvm_cs_opcode_name(1), "MOVE48");
	assert_string_equal(gpuvm_cs_opcode_name(18), "UMIN32");
	assert_string_equal(gpuvm_cs_opcode_name(53), "SYNC_WAIT64");
	assert_null(gpuvm_cs_opcode_name(10));
	assert_null(gpuvm_cs_opcode_name(54));
	assert_null(gpuvm_cs_opcode_name(0x1ff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CS_TEST(test_move_add),
		CS_TEST(test_load_store),
		CS_TEST(test_branch_conditions),
		CS_TEST(test_branch_loop),
		CS_TEST(test_call_nesting),
		CS_TEST(test_call_overflow),
		CS_TEST(test_sync_update),
		CS_TEST(test_sync_wait_resume),
		CS_TEST(test_sync_wait64),
		CS_TEST(test_sync_wait_unmapped),
		CS_TEST(test_fault_load_store),
		CS_TEST(test_fault_fetch),
		CS_TEST(test_bad_instructions),
		CS_TEST(test_bad_call_targets),
		CS_TEST(test_unsupported),
		CS_TEST(test_instr_cap),
		CS_TEST(test_sparse),
		CS_TEST(test_self_modifying),
		CS_TEST(test_stale_tlb),
		CS_TEST(test_state_instructions),
		CS_TEST(test_queue_api),
		CS_TEST(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
