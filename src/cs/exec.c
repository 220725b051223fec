// SPDX-License-Identifier: MIT
/*
 * DOC: executing CSF instructions
 *
 * The loop: while the instruction pointer is at the end of the buffer,
 * return from a CALL (or, with no CALL active, the stream is done);
 * stop with INSTR_CAP once the stream retired cfg.max_instrs
 * instructions; fetch; execute. An instruction either retires (the
 * pointer moves on by one word, or to where a BRANCH, CALL or JUMP
 * sends it), blocks (SYNC_WAIT whose condition does not hold: the
 * pointer stays on it) or faults (the pointer stays on it and nothing
 * it would have changed is changed).
 *
 * Every handler checks its operands before it changes anything:
 * register numbers (96 registers; a 64-bit operand is an even pair),
 * scoreboard slots (8), conditions and modes the ISA defines. A bad one
 * is CS_INSTR_INVALID. Unknown opcodes are CS_INSTR_INVALID too;
 * instructions that need shader cores or the tiler are UNSUPPORTED.
 *
 * Scoreboards: every operation here completes before the next
 * instruction starts, so a scoreboard entry is never pending when an
 * instruction looks at it and WAIT never waits. What the scoreboards
 * still decide is checked: the slots must exist, and an asynchronous
 * operation that waits on the slot it signals (incremented before its
 * wait, per Mesa's cs_builder.h) would wait forever on hardware; here
 * it stops with SB_DEADLOCK instead of hanging.
 *
 * Fields are decoded as docs/cs.md lists them (Mesa's v10.xml).
 */
#include <endian.h>
#include <string.h>

#include "cs/cs_internal.h"

enum step { STEP_NEXT, STEP_JUMPED, STEP_STOP };

static inline unsigned int fld(uint64_t w, unsigned int start,
			       unsigned int bits)
{
	return (unsigned int)((w >> start) & ((1ull << bits) - 1));
}

static inline int64_t sfld16(uint64_t w)
{
	return (int16_t)(uint16_t)w;
}

static inline uint64_t d_get(const struct gpuvm_cs_queue *q, unsigned int r)
{
	return q->regs[r] | (uint64_t)q->regs[r + 1] << 32;
}

static inline void d_set(struct gpuvm_cs_queue *q, unsigned int r,
			 uint64_t v)
{
	q->regs[r] = (uint32_t)v;
	q->regs[r + 1] = (uint32_t)(v >> 32);
}

/* Little-endian values of 4 or 8 bytes, whatever the host's order. */
static uint64_t get_le(const uint8_t *b, size_t size)
{
	uint64_t v = 0;

	while (size--)
		v = v << 8 | b[size];
	return v;
}

static void put_le(uint8_t *b, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++, v >>= 8)
		b[i] = (uint8_t)v;
}

static enum step invalid(struct gpuvm_cs_queue *q)
{
	cs_fault(q, GPUVM_CS_EXC_CS_INSTR_INVALID, q->ip);
	return STEP_STOP;
}

/* count registers from r exist. */
static inline bool bad_regs(unsigned int r, unsigned int count)
{
	return r + count > GPUVM_CS_REGS;
}

static inline bool bad_pair(unsigned int r)
{
	return (r & 1) || bad_regs(r, 2);
}

/*
 * The scoreboard operands of an asynchronous operation (always: the
 * operation is asynchronous even without a wait mask). 0, or -1 with
 * the queue FAULTED.
 */
static int check_async(struct gpuvm_cs_queue *q, unsigned int wait_mask,
		       unsigned int signal, bool always)
{
	if (wait_mask >> GPUVM_CS_SB_SLOTS)
		return cs_fault(q, GPUVM_CS_EXC_CS_INSTR_INVALID, q->ip);
	if (!always && !wait_mask)
		return 0;
	if (signal >= GPUVM_CS_SB_SLOTS)
		return cs_fault(q, GPUVM_CS_EXC_CS_INSTR_INVALID, q->ip);
	if (wait_mask & (1u << signal))
		return cs_fault(q, GPUVM_CS_EXC_SB_DEADLOCK, q->ip);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Moves and arithmetic                                                */

static enum step op_move48(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int d = fld(w, 48, 8);

	if (bad_pair(d))
		return invalid(q);
	d_set(q, d, w & ((1ull << 48) - 1));
	return STEP_NEXT;
}

static enum step op_move32(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int d = fld(w, 48, 8);

	if (bad_regs(d, 1))
		return invalid(q);
	q->regs[d] = (uint32_t)w;
	return STEP_NEXT;
}

static enum step op_add32(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int d = fld(w, 48, 8), s = fld(w, 40, 8);

	if (bad_regs(d, 1) || bad_regs(s, 1))
		return invalid(q);
	q->regs[d] = q->regs[s] + (uint32_t)w;
	return STEP_NEXT;
}

static enum step op_add64(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int d = fld(w, 48, 8), s = fld(w, 40, 8);

	if (bad_pair(d) || bad_pair(s))
		return invalid(q);
	d_set(q, d, d_get(q, s) + (uint64_t)(int64_t)(int32_t)(uint32_t)w);
	return STEP_NEXT;
}

static enum step op_umin32(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int d = fld(w, 48, 8), s0 = fld(w, 40, 8), s1 = fld(w, 32, 8);
	uint32_t a, b;

	if (bad_regs(d, 1) || bad_regs(s0, 1) || bad_regs(s1, 1))
		return invalid(q);
	a = q->regs[s0];
	b = q->regs[s1];
	q->regs[d] = a < b ? a : b;
	return STEP_NEXT;
}

/* ------------------------------------------------------------------ */
/* Loads and stores                                                    */

/* Decoded LOAD_MULTIPLE / STORE_MULTIPLE. */
struct ldst {
	unsigned int base, mask;
	uint64_t va;
};

static int ldst_decode(struct gpuvm_cs_queue *q, uint64_t w, struct ldst *l)
{
	unsigned int a = fld(w, 40, 8), top;

	l->base = fld(w, 48, 8);
	l->mask = fld(w, 16, 16);
	top = l->mask ? 32 - (unsigned int)__builtin_clz(l->mask) : 0;
	if (bad_pair(a) || bad_regs(l->base, top))
		return cs_fault(q, GPUVM_CS_EXC_CS_INSTR_INVALID, q->ip);
	l->va = d_get(q, a) + (uint64_t)sfld16(w);
	return 0;
}

/* The next run of set bits at or above *i: [*i, end). false: none. */
static bool next_run(unsigned int mask, unsigned int *i, unsigned int *end)
{
	mask >>= *i;
	if (!mask)
		return false;
	*i += (unsigned int)__builtin_ctz(mask);
	mask >>= __builtin_ctz(mask);
	*end = *i + (unsigned int)__builtin_ctz(~mask);
	return true;
}

/* Only the words the mask names are read: holes are not accessed. */
static enum step op_load(struct gpuvm_cs_queue *q, uint64_t w)
{
	uint32_t v[16];
	unsigned int i = 0, end;
	struct ldst l;

	if (ldst_decode(q, w, &l))
		return STEP_STOP;
	for (; next_run(l.mask, &i, &end); i = end)
		if (cs_read(q, l.va + 4ull * i, &v[i], 4ull * (end - i)))
			return STEP_STOP;
	for (i = 0; i < 16; i++)
		if (l.mask & (1u << i))
			q->regs[l.base + i] = le32toh(v[i]);
	return STEP_NEXT;
}

/*
 * A mask with holes is several writes: every page they touch is
 * translated for writing first, so a fault leaves memory unchanged.
 */
static enum step op_store(struct gpuvm_cs_queue *q, uint64_t w)
{
	uint32_t v[16];
	unsigned int i = 0, end, runs = 0;
	struct ldst l;

	if (ldst_decode(q, w, &l))
		return STEP_STOP;
	for (; next_run(l.mask, &i, &end); i = end) {
		if (!runs++ && !(l.mask >> end))
			break;
		if (cs_probe_write(q, l.va + 4ull * i, 4ull * (end - i)))
			return STEP_STOP;
	}
	for (i = 0; i < 16; i++)
		v[i] = htole32(l.mask & (1u << i) ? q->regs[l.base + i] : 0);
	for (i = 0; next_run(l.mask, &i, &end); i = end)
		if (cs_write(q, l.va + 4ull * i, &v[i], 4ull * (end - i)))
			return STEP_STOP;
	return STEP_NEXT;
}

/* ------------------------------------------------------------------ */
/* Control flow                                                        */

static bool cond_holds(unsigned int cond, int32_t v)
{
	switch (cond) {
	case GPUVM_CS_COND_LEQUAL:
		return v <= 0;
	case GPUVM_CS_COND_GREATER:
		return v > 0;
	case GPUVM_CS_COND_EQUAL:
		return v == 0;
	case GPUVM_CS_COND_NEQUAL:
		return v != 0;
	case GPUVM_CS_COND_LESS:
		return v < 0;
	case GPUVM_CS_COND_GEQUAL:
		return v >= 0;
	default:
		return true;
	}
}

/*
 * The offset counts instructions from the one after the BRANCH. The
 * target must lie in the buffer being executed (its end included:
 * branching there leaves the buffer); elsewhere is CS_INSTR_INVALID
 * about the target.
 */
static enum step op_branch(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int cond = fld(w, 28, 3), r = fld(w, 40, 8);
	uint64_t target = q->ip + 8 + 8 * (uint64_t)sfld16(w);

	if (cond > GPUVM_CS_COND_ALWAYS ||
	    (cond != GPUVM_CS_COND_ALWAYS && bad_regs(r, 1)))
		return invalid(q);
	if (cond != GPUVM_CS_COND_ALWAYS &&
	    !cond_holds(cond, (int32_t)q->regs[r]))
		return STEP_NEXT;
	if (target < q->start || target > q->end) {
		cs_fault(q, GPUVM_CS_EXC_CS_INSTR_INVALID, target);
		return STEP_STOP;
	}
	q->ip = target;
	return STEP_JUMPED;
}

/* CALL/JUMP's target buffer: 8-byte aligned, not past 2^64. */
static int call_target(struct gpuvm_cs_queue *q, uint64_t w, uint64_t *addr,
		       uint64_t *len)
{
	unsigned int a = fld(w, 40, 8), l = fld(w, 32, 8);

	if (bad_pair(a) || bad_regs(l, 1))
		return cs_fault(q, GPUVM_CS_EXC_CS_INSTR_INVALID, q->ip);
	*addr = d_get(q, a);
	*len = q->regs[l];
	if ((*addr | *len) & 7 || *addr + *len < *addr)
		return cs_fault(q, GPUVM_CS_EXC_CS_INSTR_INVALID, *addr);
	return 0;
}

static enum step op_call(struct gpuvm_cs_queue *q, uint64_t w, bool call)
{
	uint64_t addr = 0, len = 0;

	if (call_target(q, w, &addr, &len))
		return STEP_STOP;
	if (call) {
		if (q->depth >= q->max_calls) {
			cs_fault(q, GPUVM_CS_EXC_CS_CALL_STACK_OVERFLOW, q->ip);
			return STEP_STOP;
		}
		q->stack[q->depth++] = (struct cs_frame){
			.ret = q->ip + 8, .start = q->start, .end = q->end,
		};
	}
	q->ip = q->start = addr;
	q->end = addr + len;
	return STEP_JUMPED;
}

/* ------------------------------------------------------------------ */
/* Sync objects                                                        */

/*
 * SYNC_ADD32/SET32 (value r[data]) and SYNC_ADD64/SET64 (d[data]) on
 * the sync object at d[addr]. With error propagation the stream's error
 * status goes into the object's status word after the value (+4 or +8,
 * as Mesa's v10.xml notes): 0, since every exception here is fatal and
 * a running stream has none. Value and status are one write.
 */
static enum step op_sync_update(struct gpuvm_cs_queue *q, uint64_t w,
				bool is64, bool add)
{
	unsigned int data = fld(w, 32, 8), a = fld(w, 40, 8);
	bool propagate = w & 1;
	size_t size = is64 ? 8 : 4;
	uint8_t buf[12] = { 0 };
	uint64_t va, v;

	if ((is64 ? bad_pair(data) : bad_regs(data, 1)) || bad_pair(a))
		return invalid(q);
	if (check_async(q, fld(w, 16, 16), fld(w, 48, 4), false))
		return STEP_STOP;
	va = d_get(q, a);
	v = is64 ? d_get(q, data) : q->regs[data];
	if (add) {
		if (cs_read(q, va, buf, size))
			return STEP_STOP;
		v += get_le(buf, size);
	}
	put_le(buf, v, size);
	if (cs_write(q, va, buf, size + (propagate ? 4 : 0)))
		return STEP_STOP;
	return STEP_NEXT;
}

/* 0 and *met, or -1 with the queue FAULTED. */
static int wait_eval(struct gpuvm_cs_queue *q, const struct gpuvm_cs_wait *wt,
		     bool *met)
{
	size_t size = wt->sync64 ? 8 : 4;
	uint8_t buf[8];
	uint64_t v;

	if (cs_read(q, wt->addr, buf, size))
		return -1;
	v = get_le(buf, size);
	*met = wt->gt ? v > wt->ref : v <= wt->ref;
	return 0;
}

/* Only LEQUAL and GREATER exist for SYNC_WAIT (cs_builder.h, panthor). */
static enum step op_sync_wait(struct gpuvm_cs_queue *q, uint64_t w, bool is64)
{
	unsigned int cond = fld(w, 28, 4), data = fld(w, 32, 8);
	unsigned int a = fld(w, 40, 8);
	struct gpuvm_cs_wait wt;
	bool met;

	if ((cond != GPUVM_CS_COND_LEQUAL && cond != GPUVM_CS_COND_GREATER) ||
	    (is64 ? bad_pair(data) : bad_regs(data, 1)) || bad_pair(a))
		return invalid(q);
	wt = (struct gpuvm_cs_wait){
		.instr_addr = q->ip, .addr = d_get(q, a),
		.ref = is64 ? d_get(q, data) : q->regs[data],
		.gt = cond == GPUVM_CS_COND_GREATER, .sync64 = is64,
	};
	if (wait_eval(q, &wt, &met))
		return STEP_STOP;
	if (met)
		return STEP_NEXT;
	q->wait = wt;
	q->wait_instr = w;
	q->state = GPUVM_CS_QUEUE_BLOCKED;
	return STEP_STOP;
}

/* ------------------------------------------------------------------ */
/* State, scoreboards, resources, caches                               */

static enum step op_wait(struct gpuvm_cs_queue *q, uint64_t w)
{
	if (w & (1ull << 32))
		q->progress++;
	return STEP_NEXT;
}

static enum step op_set_sb_entry(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int ep = fld(w, 0, 4), other = fld(w, 4, 4);

	if (ep >= GPUVM_CS_SB_SLOTS || other >= GPUVM_CS_SB_SLOTS)
		return invalid(q);
	q->sb_endpoint = ep;
	q->sb_other = other;
	return STEP_NEXT;
}

/*
 * Memory here has no caches: nothing to clean. The modes and the flush
 * ID register are checked; invalidating "other" caches drops the fetch
 * line, the one cache the interpreter has.
 */
static enum step op_flush_cache2(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int l2 = fld(w, 0, 4), lsc = fld(w, 4, 4);
	unsigned int other = fld(w, 8, 4);

	if (l2 == 2 || l2 > 3 || lsc == 2 || lsc > 3 ||
	    (other != 0 && other != 2) || bad_regs(fld(w, 40, 8), 1))
		return invalid(q);
	if (check_async(q, fld(w, 16, 16), fld(w, 48, 4), true))
		return STEP_STOP;
	if (other)
		q->line_n = 0;
	return STEP_NEXT;
}

/*
 * The timestamp and the cycle count are the queue's virtual clock (one
 * tick per retired instruction, 64 bits); the disjoint count and the
 * error status are 0 (32 bits): nothing here is ever disjoint, and no
 * running stream has an error.
 */
static enum step op_store_state(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int sel = fld(w, 32, 2), a = fld(w, 40, 8);
	size_t size = sel <= GPUVM_CS_STATE_CYCLE_COUNT ? 8 : 4;
	uint8_t buf[8];

	if (bad_pair(a))
		return invalid(q);
	if (check_async(q, fld(w, 16, 16), fld(w, 48, 4), false))
		return STEP_STOP;
	put_le(buf, size == 8 ? q->retired : 0, size);
	if (cs_write(q, d_get(q, a) + (uint64_t)sfld16(w), buf, size))
		return STEP_STOP;
	return STEP_NEXT;
}

/* PROGRESS_STORE (d[40:47] into the counter), PROGRESS_LOAD, HEAP_SET. */
static enum step op_d_state(struct gpuvm_cs_queue *q, uint64_t w,
			    unsigned int op)
{
	unsigned int r = fld(w, op == GPUVM_CS_OP_PROGRESS_LOAD ? 48 : 40, 8);

	if (bad_pair(r))
		return invalid(q);
	if (op == GPUVM_CS_OP_PROGRESS_LOAD)
		d_set(q, r, q->progress);
	else if (op == GPUVM_CS_OP_PROGRESS_STORE)
		q->progress = d_get(q, r);
	else
		q->heap_ctx = d_get(q, r);
	return STEP_NEXT;
}

/* Only the tiler-OOM handler exists (type 2); with no tiler it never runs. */
static enum step op_set_exception_handler(struct gpuvm_cs_queue *q,
					  uint64_t w)
{
	unsigned int a = fld(w, 40, 8), l = fld(w, 32, 8);

	if (fld(w, 0, 8) != 2 || bad_pair(a) || bad_regs(l, 1))
		return invalid(q);
	q->oom_handler = d_get(q, a);
	q->oom_handler_len = q->regs[l];
	return STEP_NEXT;
}

/* No trace buffer is ever configured (panthor leaves it off): no effect. */
static enum step op_trace_point(struct gpuvm_cs_queue *q, uint64_t w)
{
	if (bad_regs(fld(w, 32, 8), fld(w, 40, 8)))
		return invalid(q);
	if (check_async(q, fld(w, 16, 16), fld(w, 48, 4), false))
		return STEP_STOP;
	return STEP_NEXT;
}

static enum step unsupported(struct gpuvm_cs_queue *q)
{
	cs_fault(q, GPUVM_CS_EXC_UNSUPPORTED, q->ip);
	return STEP_STOP;
}

static enum step exec_one(struct gpuvm_cs_queue *q, uint64_t w)
{
	unsigned int op = (unsigned int)(w >> 56);

	switch (op) {
	case GPUVM_CS_OP_NOP:
	case GPUVM_CS_OP_ERROR_BARRIER: /* no error state to clear */
		return STEP_NEXT;
	case GPUVM_CS_OP_MOVE48:
		return op_move48(q, w);
	case GPUVM_CS_OP_MOVE32:
		return op_move32(q, w);
	case GPUVM_CS_OP_WAIT:
		return op_wait(q, w);
	case GPUVM_CS_OP_ADD_IMM32:
		return op_add32(q, w);
	case GPUVM_CS_OP_ADD_IMM64:
		return op_add64(q, w);
	case GPUVM_CS_OP_UMIN32:
		return op_umin32(q, w);
	case GPUVM_CS_OP_LOAD_MULTIPLE:
		return op_load(q, w);
	case GPUVM_CS_OP_STORE_MULTIPLE:
		return op_store(q, w);
	case GPUVM_CS_OP_BRANCH:
		return op_branch(q, w);
	case GPUVM_CS_OP_SET_SB_ENTRY:
		return op_set_sb_entry(q, w);
	case GPUVM_CS_OP_SET_EXCEPTION_HANDLER:
		return op_set_exception_handler(q, w);
	case GPUVM_CS_OP_CALL:
	case GPUVM_CS_OP_JUMP:
		return op_call(q, w, op == GPUVM_CS_OP_CALL);
	case GPUVM_CS_OP_REQ_RESOURCE:
		q->resources = fld(w, 0, 4);
		return STEP_NEXT;
	case GPUVM_CS_OP_FLUSH_CACHE2:
		return op_flush_cache2(q, w);
	case GPUVM_CS_OP_SYNC_ADD32:
	case GPUVM_CS_OP_SYNC_SET32:
		return op_sync_update(q, w, false, op == GPUVM_CS_OP_SYNC_ADD32);
	case GPUVM_CS_OP_SYNC_ADD64:
	case GPUVM_CS_OP_SYNC_SET64:
		return op_sync_update(q, w, true, op == GPUVM_CS_OP_SYNC_ADD64);
	case GPUVM_CS_OP_SYNC_WAIT32:
	case GPUVM_CS_OP_SYNC_WAIT64:
		return op_sync_wait(q, w, op == GPUVM_CS_OP_SYNC_WAIT64);
	case GPUVM_CS_OP_STORE_STATE:
		return op_store_state(q, w);
	case GPUVM_CS_OP_PROGRESS_STORE:
	case GPUVM_CS_OP_PROGRESS_LOAD:
	case GPUVM_CS_OP_HEAP_SET:
		return op_d_state(q, w, op);
	case GPUVM_CS_OP_TRACE_POINT:
		return op_trace_point(q, w);
	case GPUVM_CS_OP_RUN_COMPUTE:
	case GPUVM_CS_OP_RUN_TILING:
	case GPUVM_CS_OP_RUN_IDVS:
	case GPUVM_CS_OP_RUN_FRAGMENT:
	case GPUVM_CS_OP_RUN_FULLSCREEN:
	case GPUVM_CS_OP_RUN_COMPUTE_INDIRECT:
	case GPUVM_CS_OP_FINISH_TILING:
	case GPUVM_CS_OP_FINISH_FRAGMENT:
	case GPUVM_CS_OP_HEAP_OPERATION:
	case GPUVM_CS_OP_PROGRESS_WAIT:
	case GPUVM_CS_OP_PROT_REGION:
		return unsupported(q);
	default:
		return invalid(q);
	}
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */

static void retire(struct gpuvm_cs_queue *q, uint64_t *executed)
{
	q->executed++;
	q->retired++;
	(*executed)++;
}

/* A blocked queue: on if its sync object now says so. */
static bool resume(struct gpuvm_cs_queue *q, uint64_t *executed)
{
	struct gpuvm_cs_wait wt = q->wait;
	bool met;

	q->cur = q->wait_instr;
	if (wait_eval(q, &wt, &met))
		return false;
	if (!met)
		return false;
	memset(&q->wait, 0, sizeof(q->wait));
	q->state = GPUVM_CS_QUEUE_READY;
	q->ip += 8;
	retire(q, executed);
	return true;
}

/* At the end of a buffer: back to the caller. false: the stream is done. */
static bool leave_buffers(struct gpuvm_cs_queue *q)
{
	while (q->ip == q->end) {
		const struct cs_frame *f;

		if (!q->depth)
			return false;
		f = &q->stack[--q->depth];
		q->ip = f->ret;
		q->start = f->start;
		q->end = f->end;
	}
	return true;
}

static void run_stream(struct gpuvm_cs_queue *q, uint64_t *executed)
{
	uint64_t w;

	for (;;) {
		if (!leave_buffers(q)) {
			q->state = GPUVM_CS_QUEUE_IDLE;
			return;
		}
		if (q->executed >= q->max_instrs) {
			q->cur = 0;
			cs_fault(q, GPUVM_CS_EXC_INSTR_CAP, q->ip);
			return;
		}
		if (cs_fetch(q, &w))
			return;
		q->cur = w;
		switch (exec_one(q, w)) {
		case STEP_NEXT:
			q->ip += 8;
			break;
		case STEP_JUMPED:
			break;
		case STEP_STOP:
			return;
		}
		retire(q, executed);
	}
}

void cs_exec(struct gpuvm_cs_queue *q, struct gpuvm_cs_result *res)
{
	uint64_t executed = 0;

	q->line_n = 0;
	if (q->state == GPUVM_CS_QUEUE_BLOCKED)
		resume(q, &executed);
	if (q->state == GPUVM_CS_QUEUE_READY)
		run_stream(q, &executed);
	if (!res)
		return;
	memset(res, 0, sizeof(*res));
	res->state = q->state;
	res->executed = executed;
	if (q->state == GPUVM_CS_QUEUE_FAULTED)
		res->fault = q->fault;
	else if (q->state == GPUVM_CS_QUEUE_BLOCKED)
		res->wait = q->wait;
}
