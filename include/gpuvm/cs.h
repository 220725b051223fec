/* SPDX-License-Identifier: MIT */
/*
 * DOC: gpuvm CSF command-stream interpreter (module "cs")
 *
 * Executes Mali CSF command streams (the instruction set of a Mali-G610,
 * architecture v10) through a simulated MMU address space: every
 * instruction fetch, load, store and sync-object access is a GPU access
 * through gpuvm/mmu.h, so a stream sees exactly what the page tables
 * say, faults where they fault, and reads a sparse range's dummy or
 * zero pages without faulting.
 *
 * A queue (struct gpuvm_cs_queue) is the state a CSF command stream
 * interface has: 96 32-bit registers (paired as 64-bit d0, d2, ...),
 * the instruction pointer and the end of the current buffer, the CALL
 * stack, the scoreboard entries, the progress counter and the requested
 * resources. gpuvm_cs_queue_start() loads a stream (a buffer of 64-bit
 * instruction words), gpuvm_cs_queue_run() executes it until it ends,
 * blocks in a SYNC_WAIT whose condition does not hold (the wait is
 * reported, and a later run re-evaluates it: a scheduler resumes the
 * queue when memory changed), or stops on an exception.
 *
 * Exceptions are fatal, as CS faults are under panthor: the queue stays
 * FAULTED, with the exception kind (Mali's exception codes where Mali
 * has one: CS_INSTR_INVALID, TRANSLATION_FAULT_n, ...; gpuvm's own,
 * above 0xff, for what hardware has no code for), the instruction's
 * address and word, the faulting GPU VA and the MMU's fault, until
 * gpuvm_cs_queue_reset(). Instructions that need shader cores or the
 * tiler (RUN_COMPUTE, RUN_FRAGMENT, RUN_IDVS, ...) are not simulated:
 * they stop the stream with GPUVM_CS_EXC_UNSUPPORTED. A stream can
 * never crash or hang the process: unknown opcodes, bad registers, wild
 * jumps and CALL overflow are exceptions, and a stream that runs more
 * than cfg.max_instrs instructions stops with GPUVM_CS_EXC_INSTR_CAP.
 * docs/cs.md lists every instruction, its encoding and its source.
 *
 * The gpuvm_cs_asm_*() inline functions encode instruction words, for
 * tests, tools and drivers that build streams.
 *
 * Thread safety: a queue is used by one thread at a time. Several
 * queues may share an address space (created with cfg.concurrent when
 * they run on different threads); sync-object updates are then
 * read-modify-write accesses, atomic only among queues run by the same
 * thread.
 *
 * NULL pointers: a pointer argument may be NULL only where its
 * function's comment says so (gpuvm_cs_queue_run()'s result, destroy).
 * Any other NULL is refused before anything is done: -EINVAL from a
 * function returning an errno, nothing done by a void one.
 */
#ifndef GPUVM_CS_H
#define GPUVM_CS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpuvm/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; this is its API. */
#pragma GCC visibility push(default)

#define GPUVM_CS_REGS        96  /* 32-bit registers (Mali-G610) */
#define GPUVM_CS_SB_SLOTS    8   /* scoreboard entries */
#define GPUVM_CS_MAX_CALLS   7   /* nested CALLs: 8 frames with the root */
#define GPUVM_CS_DEFAULT_MAX_INSTRS (1ull << 24)

/* Opcodes: the top byte of an instruction word. */
enum gpuvm_cs_opcode {
	GPUVM_CS_OP_NOP = 0,
	GPUVM_CS_OP_MOVE48 = 1,
	GPUVM_CS_OP_MOVE32 = 2,
	GPUVM_CS_OP_WAIT = 3,
	GPUVM_CS_OP_RUN_COMPUTE = 4,
	GPUVM_CS_OP_RUN_TILING = 5,
	GPUVM_CS_OP_RUN_IDVS = 6,
	GPUVM_CS_OP_RUN_FRAGMENT = 7,
	GPUVM_CS_OP_RUN_FULLSCREEN = 8,
	GPUVM_CS_OP_FINISH_TILING = 9,
	GPUVM_CS_OP_FINISH_FRAGMENT = 11,
	GPUVM_CS_OP_ADD_IMM32 = 16,
	GPUVM_CS_OP_ADD_IMM64 = 17,
	GPUVM_CS_OP_UMIN32 = 18,          /* COMPARE_SELECT32 */
	GPUVM_CS_OP_LOAD_MULTIPLE = 20,
	GPUVM_CS_OP_STORE_MULTIPLE = 21,
	GPUVM_CS_OP_BRANCH = 22,
	GPUVM_CS_OP_SET_SB_ENTRY = 23,
	GPUVM_CS_OP_PROGRESS_WAIT = 24,
	GPUVM_CS_OP_SET_EXCEPTION_HANDLER = 25,
	GPUVM_CS_OP_CALL = 32,
	GPUVM_CS_OP_JUMP = 33,
	GPUVM_CS_OP_REQ_RESOURCE = 34,
	GPUVM_CS_OP_FLUSH_CACHE2 = 36,
	GPUVM_CS_OP_SYNC_ADD32 = 37,
	GPUVM_CS_OP_SYNC_SET32 = 38,
	GPUVM_CS_OP_SYNC_WAIT32 = 39,
	GPUVM_CS_OP_STORE_STATE = 40,
	GPUVM_CS_OP_PROT_REGION = 41,
	GPUVM_CS_OP_PROGRESS_STORE = 42,
	GPUVM_CS_OP_PROGRESS_LOAD = 43,
	GPUVM_CS_OP_RUN_COMPUTE_INDIRECT = 44,
	GPUVM_CS_OP_ERROR_BARRIER = 47,
	GPUVM_CS_OP_HEAP_SET = 48,
	GPUVM_CS_OP_HEAP_OPERATION = 49,
	GPUVM_CS_OP_TRACE_POINT = 50,
	GPUVM_CS_OP_SYNC_ADD64 = 51,
	GPUVM_CS_OP_SYNC_SET64 = 52,
	GPUVM_CS_OP_SYNC_WAIT64 = 53,
};

/* BRANCH compares a register, as a signed 32-bit value, with zero. */
enum gpuvm_cs_cond {
	GPUVM_CS_COND_LEQUAL = 0,
	GPUVM_CS_COND_GREATER = 1,
	GPUVM_CS_COND_EQUAL = 2,
	GPUVM_CS_COND_NEQUAL = 3,
	GPUVM_CS_COND_LESS = 4,
	GPUVM_CS_COND_GEQUAL = 5,
	GPUVM_CS_COND_ALWAYS = 6,
};

/* STORE_STATE's state selector. */
enum gpuvm_cs_state_sel {
	GPUVM_CS_STATE_TIMESTAMP = 0,
	GPUVM_CS_STATE_CYCLE_COUNT = 1,
	GPUVM_CS_STATE_DISJOINT_COUNT = 2,
	GPUVM_CS_STATE_ERROR_STATUS = 3,
};

/*
 * Why a stream stopped. Values below 0x100 are Mali's exception codes
 * (the CS_FATAL exception type, and for MMU faults the AS fault code at
 * the faulting level); the ones above are gpuvm's, for stops hardware
 * has no code for.
 */
enum gpuvm_cs_exception {
	GPUVM_CS_EXC_OK = 0x00,
	GPUVM_CS_EXC_CS_INSTR_INVALID = 0x49,
	GPUVM_CS_EXC_CS_CALL_STACK_OVERFLOW = 0x4a,
	GPUVM_CS_EXC_TRANSLATION_FAULT_0 = 0xc0,  /* + level (0..3) */
	GPUVM_CS_EXC_PERM_FAULT_0 = 0xc8,         /* + level */
	GPUVM_CS_EXC_ACCESS_FLAG_0 = 0xd8,        /* + level (1..3) */
	GPUVM_CS_EXC_ADDR_SIZE_FAULT_IN = 0xe0,   /* VA beyond the AS */
	GPUVM_CS_EXC_ADDR_SIZE_FAULT_OUT0 = 0xe4, /* + level: PA too big */
	/* gpuvm's own */
	GPUVM_CS_EXC_INSTR_CAP = 0x100,     /* cfg.max_instrs retired */
	GPUVM_CS_EXC_UNSUPPORTED = 0x101,   /* needs shader cores/tiler */
	GPUVM_CS_EXC_SB_DEADLOCK = 0x102,   /* waits on its own slot */
	GPUVM_CS_EXC_STALE_TLB = 0x103,     /* checked MMU: a driver bug */
};

/* "CS_INSTR_INVALID", "TRANSLATION_FAULT_2", ...; "UNKNOWN" otherwise. */
const char *gpuvm_cs_exception_name(enum gpuvm_cs_exception exc);
/* "MOVE48", ...; NULL for an opcode the ISA does not define. */
const char *gpuvm_cs_opcode_name(unsigned int opcode);

/* A queue stopped by an exception. */
struct gpuvm_cs_fault {
	enum gpuvm_cs_exception exception;
	uint64_t instr_addr;  /* VA of the instruction */
	uint64_t instr;       /* its word; 0 when fetching it faulted */
	/*
	 * The GPU VA the exception is about: a memory fault's first
	 * faulting byte (instr_addr for a fetch), a bad CALL/JUMP/BRANCH
	 * target, else instr_addr.
	 */
	uint64_t addr;
	bool mmu;                       /* mmu_fault is the MMU's report */
	struct gpuvm_mmu_fault mmu_fault;
};

/* A queue blocked in SYNC_WAIT32/64: it goes on once the condition holds. */
struct gpuvm_cs_wait {
	uint64_t instr_addr;  /* the SYNC_WAIT */
	uint64_t addr;        /* the sync object's value (32 or 64 bits) */
	uint64_t ref;         /* the register operand */
	bool gt;              /* until value > ref; else until value <= ref */
	bool sync64;
};

enum gpuvm_cs_queue_state {
	GPUVM_CS_QUEUE_IDLE,     /* no stream, or it ran to its end */
	GPUVM_CS_QUEUE_READY,    /* a stream started, runnable */
	GPUVM_CS_QUEUE_BLOCKED,  /* in a SYNC_WAIT: wait says on what */
	GPUVM_CS_QUEUE_FAULTED,  /* stopped: fault says why; reset clears */
};

/* What gpuvm_cs_queue_run() did. */
struct gpuvm_cs_result {
	enum gpuvm_cs_queue_state state;  /* IDLE, BLOCKED or FAULTED */
	uint64_t executed;                /* instructions this run retired */
	struct gpuvm_cs_fault fault;      /* FAULTED; else zero */
	struct gpuvm_cs_wait wait;        /* BLOCKED; else zero */
};

/* A queue's state, for schedulers, tools and tests. */
struct gpuvm_cs_queue_status {
	enum gpuvm_cs_queue_state state;
	uint64_t ip;           /* next instruction (the blocked/faulting one) */
	uint64_t end;          /* end of the buffer being executed */
	unsigned int depth;    /* CALL frames active (0: the stream itself) */
	uint64_t executed;     /* instructions the current stream retired */
	uint64_t retired;      /* since create or reset: the virtual clock */
	unsigned int sb_endpoint, sb_other;  /* SET_SB_ENTRY */
	uint32_t resources;    /* REQ_RESOURCE: compute, fragment, tiler, idvs */
	uint64_t progress;     /* the progress counter */
	uint64_t heap_ctx;     /* HEAP_SET */
	uint64_t oom_handler;  /* SET_EXCEPTION_HANDLER (tiler OOM): address */
	uint32_t oom_handler_len;
	struct gpuvm_cs_fault fault;  /* FAULTED; else zero */
	struct gpuvm_cs_wait wait;    /* BLOCKED; else zero */
};

struct gpuvm_cs_queue_cfg {
	struct gpuvm_mmu_as *as;  /* every access goes through it */
	/* Instructions one stream may retire; 0: GPUVM_CS_DEFAULT_MAX_INSTRS. */
	uint64_t max_instrs;
	/* Nested CALLs allowed, 1..GPUVM_CS_MAX_CALLS; 0: the maximum. */
	unsigned int max_calls;
};

struct gpuvm_cs_queue;

/* -EINVAL on a bad cfg, -ENOMEM. The queue starts IDLE, registers zero. */
int gpuvm_cs_queue_create(const struct gpuvm_cs_queue_cfg *cfg,
			  struct gpuvm_cs_queue **out);
/* NULL is allowed. */
void gpuvm_cs_queue_destroy(struct gpuvm_cs_queue *q);

/*
 * Loads the stream [addr, addr + size) (8-byte aligned, size a multiple
 * of 8; 0 is an empty stream) into an IDLE queue: READY, the registers
 * as the last stream left them. Nothing is read yet. -EINVAL on bad
 * alignment or a range past 2^64, -EBUSY while a stream is READY or
 * BLOCKED, -EIO on a FAULTED queue.
 */
int gpuvm_cs_queue_start(struct gpuvm_cs_queue *q, uint64_t addr,
			 uint64_t size);
/*
 * Runs the queue until its stream ends (IDLE), blocks (BLOCKED) or
 * stops (FAULTED); res (may be NULL) says which. A BLOCKED queue first
 * re-reads its sync object, and stays BLOCKED (executed 0) unless the
 * condition now holds. An IDLE or FAULTED queue does nothing and
 * reports its state. 0, or -EINVAL for a NULL q.
 */
int gpuvm_cs_queue_run(struct gpuvm_cs_queue *q, struct gpuvm_cs_result *res);

/* Back to the state of a new queue: IDLE, every register zero. */
void gpuvm_cs_queue_reset(struct gpuvm_cs_queue *q);

/* A NULL q fills nothing. */
void gpuvm_cs_queue_status(const struct gpuvm_cs_queue *q,
			   struct gpuvm_cs_queue_status *st);

/*
 * Registers [first, first + count) out of or into regs[]. -EINVAL past
 * GPUVM_CS_REGS; set: -EBUSY while a stream is READY or BLOCKED.
 */
int gpuvm_cs_queue_get_regs(const struct gpuvm_cs_queue *q,
			    unsigned int first, unsigned int count,
			    uint32_t *regs);
int gpuvm_cs_queue_set_regs(struct gpuvm_cs_queue *q, unsigned int first,
			    unsigned int count, const uint32_t *regs);

/* ------------------------------------------------------------------ */
/* Encoding instruction words (docs/cs.md has the layouts)             */

/* Any opcode with its 56 bits of operands as given. */
static inline uint64_t gpuvm_cs_asm_raw(unsigned int op, uint64_t data)
{
	return (uint64_t)(op & 0xff) << 56 | (data & ((1ull << 56) - 1));
}

static inline uint64_t gpuvm_cs_asm_field(uint64_t v, unsigned int start,
					  unsigned int bits)
{
	return (v & ((1ull << bits) - 1)) << start;
}

static inline uint64_t gpuvm_cs_asm_nop(void)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_NOP, 0);
}

/* d[dst] = imm (48 bits, zero-extended). */
static inline uint64_t gpuvm_cs_asm_move48(unsigned int dst, uint64_t imm)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_MOVE48,
				gpuvm_cs_asm_field(dst, 48, 8) |
				gpuvm_cs_asm_field(imm, 0, 48));
}

/* r[dst] = imm. */
static inline uint64_t gpuvm_cs_asm_move32(unsigned int dst, uint32_t imm)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_MOVE32,
				gpuvm_cs_asm_field(dst, 48, 8) | imm);
}

/* op: ADD_IMM32 (r[dst] = r[src] + imm) or ADD_IMM64 (d[], imm signed). */
static inline uint64_t gpuvm_cs_asm_add(unsigned int op, unsigned int dst,
					unsigned int src, int32_t imm)
{
	return gpuvm_cs_asm_raw(op, gpuvm_cs_asm_field(dst, 48, 8) |
				gpuvm_cs_asm_field(src, 40, 8) |
				(uint32_t)imm);
}

/* r[dst] = min(r[src0], r[src1]), unsigned. */
static inline uint64_t gpuvm_cs_asm_umin32(unsigned int dst, unsigned int src0,
					   unsigned int src1)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_UMIN32,
				gpuvm_cs_asm_field(dst, 48, 8) |
				gpuvm_cs_asm_field(src0, 40, 8) |
				gpuvm_cs_asm_field(src1, 32, 8));
}

/*
 * op: LOAD_MULTIPLE or STORE_MULTIPLE. Register base + i for each bit i
 * of mask, the 32-bit word at d[addr] + offset + 4 * i.
 */
static inline uint64_t gpuvm_cs_asm_ldst(unsigned int op, unsigned int base,
					 unsigned int addr, uint16_t mask,
					 int16_t offset)
{
	return gpuvm_cs_asm_raw(op, gpuvm_cs_asm_field(base, 48, 8) |
				gpuvm_cs_asm_field(addr, 40, 8) |
				gpuvm_cs_asm_field(mask, 16, 16) |
				(uint16_t)offset);
}

/* If r[reg] cond 0: skip offset instructions (from the next one). */
static inline uint64_t gpuvm_cs_asm_branch(enum gpuvm_cs_cond cond,
					   unsigned int reg, int16_t offset)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_BRANCH,
				gpuvm_cs_asm_field(reg, 40, 8) |
				gpuvm_cs_asm_field(cond, 28, 3) |
				(uint16_t)offset);
}

/* op: CALL or JUMP to the buffer at d[addr], r[len] bytes long. */
static inline uint64_t gpuvm_cs_asm_call(unsigned int op, unsigned int addr,
					 unsigned int len)
{
	return gpuvm_cs_asm_raw(op, gpuvm_cs_asm_field(addr, 40, 8) |
				gpuvm_cs_asm_field(len, 32, 8));
}

static inline uint64_t gpuvm_cs_asm_wait(uint8_t mask, bool progress_inc)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_WAIT,
				gpuvm_cs_asm_field(mask, 16, 8) |
				gpuvm_cs_asm_field(progress_inc, 32, 1));
}

static inline uint64_t gpuvm_cs_asm_set_sb_entry(unsigned int endpoint,
						 unsigned int other)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_SET_SB_ENTRY,
				gpuvm_cs_asm_field(endpoint, 0, 4) |
				gpuvm_cs_asm_field(other, 4, 4));
}

/* mask: bit 0 compute, 1 fragment, 2 tiler, 3 IDVS. */
static inline uint64_t gpuvm_cs_asm_req_resource(unsigned int mask)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_REQ_RESOURCE,
				gpuvm_cs_asm_field(mask, 0, 4));
}

/* Modes: l2/lsc 0 none, 1 clean, 3 clean+invalidate; other 0 or 2. */
static inline uint64_t gpuvm_cs_asm_flush_cache2(unsigned int l2,
						 unsigned int lsc,
						 unsigned int other,
						 unsigned int flush_id,
						 uint16_t wait_mask,
						 unsigned int signal)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_FLUSH_CACHE2,
				gpuvm_cs_asm_field(l2, 0, 4) |
				gpuvm_cs_asm_field(lsc, 4, 4) |
				gpuvm_cs_asm_field(other, 8, 4) |
				gpuvm_cs_asm_field(wait_mask, 16, 16) |
				gpuvm_cs_asm_field(flush_id, 40, 8) |
				gpuvm_cs_asm_field(signal, 48, 4));
}

/*
 * op: SYNC_ADD32/SET32 (value r[data]) or SYNC_ADD64/SET64 (d[data]) on
 * the sync object at d[addr].
 */
static inline uint64_t gpuvm_cs_asm_sync(unsigned int op, unsigned int data,
					 unsigned int addr, bool propagate,
					 uint16_t wait_mask,
					 unsigned int signal)
{
	return gpuvm_cs_asm_raw(op, gpuvm_cs_asm_field(propagate, 0, 1) |
				gpuvm_cs_asm_field(wait_mask, 16, 16) |
				gpuvm_cs_asm_field(data, 32, 8) |
				gpuvm_cs_asm_field(addr, 40, 8) |
				gpuvm_cs_asm_field(signal, 48, 4));
}

/*
 * op: SYNC_WAIT32 or SYNC_WAIT64 until the sync object at d[addr] is
 * <= (LEQUAL) or > (GREATER) r[data] (d[data] for 64).
 */
static inline uint64_t gpuvm_cs_asm_sync_wait(unsigned int op,
					      enum gpuvm_cs_cond cond,
					      unsigned int data,
					      unsigned int addr, bool reject)
{
	return gpuvm_cs_asm_raw(op, gpuvm_cs_asm_field(reject, 0, 1) |
				gpuvm_cs_asm_field(cond, 28, 4) |
				gpuvm_cs_asm_field(data, 32, 8) |
				gpuvm_cs_asm_field(addr, 40, 8));
}

static inline uint64_t gpuvm_cs_asm_store_state(enum gpuvm_cs_state_sel state,
						unsigned int addr,
						int16_t offset,
						uint16_t wait_mask,
						unsigned int signal)
{
	return gpuvm_cs_asm_raw(GPUVM_CS_OP_STORE_STATE,
				(uint16_t)offset |
				gpuvm_cs_asm_field(wait_mask, 16, 16) |
				gpuvm_cs_asm_field(state, 32, 2) |
				gpuvm_cs_asm_field(addr, 40, 8) |
				gpuvm_cs_asm_field(signal, 48, 4));
}

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_CS_H */
