// SPDX-License-Identifier: MIT
/*
 * DOC: NULL pointer arguments of the interpreter (gpuvm/cs.h)
 *
 * Every function of the header, with each pointer argument NULL in turn:
 * the table says what the header documents for it, tests/null_args.h
 * runs each row in a child process and checks the result and, with a
 * snapshot, that nothing changed. The fixture: the environment of
 * cs_test.h with a stream started (READY) on its queue and registers
 * set. The snapshot: the queue's status and registers, the code and
 * data pages and the MMU's statistics. The optional result of
 * gpuvm_cs_queue_run() is exercised by running the stream without it.
 * The encoders take no pointer: each row checks one word against its
 * layout in docs/cs.md, written out by hand. test_header_complete fails
 * if cs.h declares a function or pointer argument the table lacks.
 */
#include "cs_test.h"
#include "null_args.h"

static const uint64_t stream[] = {
	0x0204000000000007ull,  /* MOVE32 r4, #7 */
	0x1005040000000001ull,  /* ADD_IMMEDIATE32 r5, r4, #1 */
};

static void fx_make(struct env *e)
{
	uint32_t r = 0x5a5a;

	env_init(e);
	poke(e, CODE_VA, stream, 2);
	assert_int_equal(gpuvm_cs_queue_set_regs(e->q, 90, 1, &r), 0);
	assert_int_equal(gpuvm_cs_queue_start(e->q, CODE_VA, 16), 0);
}

static void snap_print(void *p, FILE *t)
{
	struct env *e = p;
	struct gpuvm_cs_queue_status st;
	struct gpuvm_mmu_stats ms;
	uint32_t regs[GPUVM_CS_REGS];
	uint8_t page[SZ_4K];

	gpuvm_cs_queue_status(e->q, &st);
	fprintf(t, "state %d ip %" PRIx64 " end %" PRIx64 " depth %u "
		"executed %" PRIu64 " retired %" PRIu64 " fault %x\n",
		st.state, st.ip, st.end, st.depth, st.executed, st.retired,
		st.fault.exception);
	assert_int_equal(gpuvm_cs_queue_get_regs(e->q, 0, GPUVM_CS_REGS,
						 regs), 0);
	fprintf(t, "regs %016" PRIx64 "\n", na_sum(regs, sizeof(regs)));
	assert_int_equal(gpuvm_mem_read(e->mem, e->code_pa, page, SZ_4K), 0);
	fprintf(t, "code %016" PRIx64 "\n", na_sum(page, SZ_4K));
	assert_int_equal(gpuvm_mem_read(e->mem, e->data_pa, page, SZ_4K), 0);
	fprintf(t, "data %016" PRIx64 "\n", na_sum(page, SZ_4K));
	gpuvm_mmu_stats(e->as, &ms);
	fprintf(t, "mmu hits %" PRIu64 " misses %" PRIu64 " faults %" PRIu64
		"\n", ms.hits, ms.misses, ms.faults);
}

static char *snap(void *p)
{
	return na_text(snap_print, p);
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */

static int64_t c_exception_name(void *p)
{
	(void)p;
	return strcmp(gpuvm_cs_exception_name(0xc1), "TRANSLATION_FAULT_1");
}

static int64_t c_opcode_name(void *p)
{
	(void)p;
	return strcmp(gpuvm_cs_opcode_name(37), "SYNC_ADD32");
}

static int64_t c_create(void *p)
{
	struct env *e = p;
	struct gpuvm_cs_queue_cfg qc = { .as = e->as };
	struct gpuvm_cs_queue *q = NULL;
	int ret = gpuvm_cs_queue_create(NA(cfg, &qc), NA(out, &q));

	NA_EXPECT(!q);
	gpuvm_cs_queue_destroy(q);
	return ret;
}

static int64_t c_destroy(void *p)
{
	struct env *e = p;

	gpuvm_cs_queue_destroy(NA(q, e->q));
	return NA_VOID;
}

static int64_t c_start(void *p)
{
	struct env *e = p;

	return gpuvm_cs_queue_start(NA(q, e->q), CODE_VA, 8);
}

/* With res NULL the stream still runs: r5 = 8, the queue IDLE. */
static int64_t c_run(void *p)
{
	struct env *e = p;
	struct gpuvm_cs_queue_status st;
	struct gpuvm_cs_result r;
	int ret = gpuvm_cs_queue_run(NA(q, e->q), NA(res, &r));

	if (na_is("res")) {
		gpuvm_cs_queue_status(e->q, &st);
		NA_EXPECT(st.state == GPUVM_CS_QUEUE_IDLE);
		NA_EXPECT(reg(e, 5) == 8);
	}
	return ret;
}

static int64_t c_reset(void *p)
{
	struct env *e = p;

	gpuvm_cs_queue_reset(NA(q, e->q));
	return NA_VOID;
}

static int64_t c_status(void *p)
{
	struct env *e = p;
	struct gpuvm_cs_queue_status st;

	na_poison(&st, sizeof(st));
	gpuvm_cs_queue_status(NA(q, e->q), NA(st, &st));
	return na_fill(&st, sizeof(st));
}

static int64_t c_get_regs(void *p)
{
	struct env *e = p;
	uint32_t regs[4];

	na_poison(regs, sizeof(regs));
	return gpuvm_cs_queue_get_regs(NA(q, e->q), 0, 4, NA(regs, regs));
}

static int64_t c_set_regs(void *p)
{
	struct env *e = p;
	uint32_t regs[4] = { 1, 2, 3, 4 };

	return gpuvm_cs_queue_set_regs(NA(q, e->q), 0, 4, NA(regs, regs));
}

/* The encoders: 0 when the word is the hand-written one. */
#define ENC(name, got, want)                        \
	static int64_t name(void *p)                \
	{                                           \
		(void)p;                            \
		return (got) != (want);             \
	}

ENC(c_raw, gpuvm_cs_asm_raw(0x1ff, ~0ull), 0xffffffffffffffffull)
ENC(c_field, gpuvm_cs_asm_field(0x1ff, 40, 8), 0x0000ff0000000000ull)
ENC(c_nop, gpuvm_cs_asm_nop(), 0)
ENC(c_move48, gpuvm_cs_asm_move48(2, 0x123456789abcull),
    0x0102123456789abcull)
ENC(c_move32, gpuvm_cs_asm_move32(95, 0xdeadbeef), 0x025f0000deadbeefull)
ENC(c_add, gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, 4, 6, -2),
    0x11040600fffffffeull)
ENC(c_umin32, gpuvm_cs_asm_umin32(1, 2, 3), 0x1201020300000000ull)
ENC(c_ldst, gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 8, 2, 0x00ff, -8),
    0x1508020000fffff8ull)
ENC(c_branch, gpuvm_cs_asm_branch(GPUVM_CS_COND_NEQUAL, 7, -3),
    0x160007003000fffdull)
ENC(c_call, gpuvm_cs_asm_call(GPUVM_CS_OP_CALL, 20, 22),
    0x2000141600000000ull)
ENC(c_wait, gpuvm_cs_asm_wait(0x81, true), 0x0300000100810000ull)
ENC(c_set_sb_entry, gpuvm_cs_asm_set_sb_entry(2, 5), 0x1700000000000052ull)
ENC(c_req_resource, gpuvm_cs_asm_req_resource(0xb), 0x220000000000000bull)
ENC(c_flush_cache2, gpuvm_cs_asm_flush_cache2(3, 1, 2, 9, 0x10, 4),
    0x2404090000100213ull)
ENC(c_sync, gpuvm_cs_asm_sync(GPUVM_CS_OP_SYNC_ADD64, 6, 8, true, 0x3, 1),
    0x3301080600030001ull)
ENC(c_sync_wait, gpuvm_cs_asm_sync_wait(GPUVM_CS_OP_SYNC_WAIT32,
					GPUVM_CS_COND_GREATER, 3, 10, true),
    0x27000a0310000001ull)
ENC(c_store_state, gpuvm_cs_asm_store_state(GPUVM_CS_STATE_CYCLE_COUNT, 12,
					    0x40, 0x2, 3),
    0x28030c0100020040ull)

/* ------------------------------------------------------------------ */
/* The table: every (function, pointer argument) of gpuvm/cs.h         */

#define EINV (-EINVAL)

static const struct na_case cases[] = {
	NA_NONE(gpuvm_cs_exception_name, 0, c_exception_name),
	NA_NONE(gpuvm_cs_opcode_name, 0, c_opcode_name),
	NA_ROW(gpuvm_cs_queue_create, cfg, EINV, c_create),
	NA_ROW(gpuvm_cs_queue_create, out, EINV, c_create),
	NA_ROW(gpuvm_cs_queue_destroy, q, NA_VOID, c_destroy),
	NA_ROW(gpuvm_cs_queue_start, q, EINV, c_start),
	NA_ROW(gpuvm_cs_queue_run, q, EINV, c_run),
	NA_ROW(gpuvm_cs_queue_run, res, 0, c_run, .flags = NA_CHANGES),
	NA_ROW(gpuvm_cs_queue_reset, q, NA_VOID, c_reset),
	NA_ROW(gpuvm_cs_queue_status, q, NA_UNTOUCHED, c_status),
	NA_ROW(gpuvm_cs_queue_status, st, NA_UNTOUCHED, c_status),
	NA_ROW(gpuvm_cs_queue_get_regs, q, EINV, c_get_regs),
	NA_ROW(gpuvm_cs_queue_get_regs, regs, EINV, c_get_regs),
	NA_ROW(gpuvm_cs_queue_set_regs, q, EINV, c_set_regs),
	NA_ROW(gpuvm_cs_queue_set_regs, regs, EINV, c_set_regs),
	NA_NONE(gpuvm_cs_asm_raw, 0, c_raw),
	NA_NONE(gpuvm_cs_asm_field, 0, c_field),
	NA_NONE(gpuvm_cs_asm_nop, 0, c_nop),
	NA_NONE(gpuvm_cs_asm_move48, 0, c_move48),
	NA_NONE(gpuvm_cs_asm_move32, 0, c_move32),
	NA_NONE(gpuvm_cs_asm_add, 0, c_add),
	NA_NONE(gpuvm_cs_asm_umin32, 0, c_umin32),
	NA_NONE(gpuvm_cs_asm_ldst, 0, c_ldst),
	NA_NONE(gpuvm_cs_asm_branch, 0, c_branch),
	NA_NONE(gpuvm_cs_asm_call, 0, c_call),
	NA_NONE(gpuvm_cs_asm_wait, 0, c_wait),
	NA_NONE(gpuvm_cs_asm_set_sb_entry, 0, c_set_sb_entry),
	NA_NONE(gpuvm_cs_asm_req_resource, 0, c_req_resource),
	NA_NONE(gpuvm_cs_asm_flush_cache2, 0, c_flush_cache2),
	NA_NONE(gpuvm_cs_asm_sync, 0, c_sync),
	NA_NONE(gpuvm_cs_asm_sync_wait, 0, c_sync_wait),
	NA_NONE(gpuvm_cs_asm_store_state, 0, c_store_state),
};

NA_MAIN("gpuvm/cs.h", struct env, fx_make, env_fini)
