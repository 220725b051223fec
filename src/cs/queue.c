// SPDX-License-Identifier: MIT
/*
 * DOC: command-stream queues: creation, streams, state, names
 *
 * A queue is created IDLE with every register zero, as a CSF command
 * stream interface is when its group is created. Registers, scoreboard
 * entries, the progress counter and the rest carry over from one stream
 * to the next, as they do between the jobs of one panthor queue; only
 * gpuvm_cs_queue_reset() clears them. A FAULTED queue takes no stream
 * until it is reset, as a faulted panthor group takes no job.
 *
 * Every function checks its arguments first and changes nothing when it
 * refuses them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cs/cs_internal.h"

static void queue_clear(struct gpuvm_cs_queue *q)
{
	struct gpuvm_mmu_as *as = q->as;
	unsigned int va_bits = q->va_bits, max_calls = q->max_calls;
	uint64_t max_instrs = q->max_instrs;

	memset(q, 0, sizeof(*q));
	q->as = as;
	q->va_bits = va_bits;
	q->max_instrs = max_instrs;
	q->max_calls = max_calls;
}

int gpuvm_cs_queue_create(const struct gpuvm_cs_queue_cfg *cfg,
			  struct gpuvm_cs_queue **out)
{
	struct gpuvm_cs_queue *q;

	if (!cfg || !out || !cfg->as || cfg->max_calls > GPUVM_CS_MAX_CALLS)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->as = cfg->as;
	q->va_bits = gpuvm_mmu_as_va_bits(cfg->as);
	q->max_instrs = cfg->max_instrs ? cfg->max_instrs :
					  GPUVM_CS_DEFAULT_MAX_INSTRS;
	q->max_calls = cfg->max_calls ? cfg->max_calls : GPUVM_CS_MAX_CALLS;
	*out = q;
	return 0;
}

void gpuvm_cs_queue_destroy(struct gpuvm_cs_queue *q)
{
	free(q);
}

int gpuvm_cs_queue_start(struct gpuvm_cs_queue *q, uint64_t addr,
			 uint64_t size)
{
	if (!q || (addr | size) & 7 || addr + size < addr)
		return -EINVAL;
	if (q->state == GPUVM_CS_QUEUE_FAULTED)
		return -EIO;
	if (q->state != GPUVM_CS_QUEUE_IDLE)
		return -EBUSY;
	q->ip = q->start = addr;
	q->end = addr + size;
	q->depth = 0;
	q->executed = 0;
	q->state = GPUVM_CS_QUEUE_READY;
	return 0;
}

int gpuvm_cs_queue_run(struct gpuvm_cs_queue *q, struct gpuvm_cs_result *res)
{
	if (!q)
		return -EINVAL;
	cs_exec(q, res);
	return 0;
}

void gpuvm_cs_queue_reset(struct gpuvm_cs_queue *q)
{
	if (q)
		queue_clear(q);
}

void gpuvm_cs_queue_status(const struct gpuvm_cs_queue *q,
			   struct gpuvm_cs_queue_status *st)
{
	if (!q || !st)
		return;
	*st = (struct gpuvm_cs_queue_status){
		.state = q->state, .ip = q->ip, .end = q->end,
		.depth = q->depth, .executed = q->executed,
		.retired = q->retired, .sb_endpoint = q->sb_endpoint,
		.sb_other = q->sb_other, .resources = q->resources,
		.progress = q->progress, .heap_ctx = q->heap_ctx,
		.oom_handler = q->oom_handler,
		.oom_handler_len = q->oom_handler_len,
	};
	if (q->state == GPUVM_CS_QUEUE_FAULTED)
		st->fault = q->fault;
	else if (q->state == GPUVM_CS_QUEUE_BLOCKED)
		st->wait = q->wait;
}

static bool bad_range(unsigned int first, unsigned int count)
{
	return first > GPUVM_CS_REGS || count > GPUVM_CS_REGS - first;
}

int gpuvm_cs_queue_get_regs(const struct gpuvm_cs_queue *q,
			    unsigned int first, unsigned int count,
			    uint32_t *regs)
{
	if (!q || !regs || bad_range(first, count))
		return -EINVAL;
	memcpy(regs, &q->regs[first], count * sizeof(*regs));
	return 0;
}

int gpuvm_cs_queue_set_regs(struct gpuvm_cs_queue *q, unsigned int first,
			    unsigned int count, const uint32_t *regs)
{
	if (!q || !regs || bad_range(first, count))
		return -EINVAL;
	if (q->state == GPUVM_CS_QUEUE_READY ||
	    q->state == GPUVM_CS_QUEUE_BLOCKED)
		return -EBUSY;
	memcpy(&q->regs[first], regs, count * sizeof(*regs));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

const char *gpuvm_cs_exception_name(enum gpuvm_cs_exception exc)
{
	static const char *const mmu[] = {
		[0] = "TRANSLATION_FAULT_0", "TRANSLATION_FAULT_1",
		"TRANSLATION_FAULT_2", "TRANSLATION_FAULT_3",
		[8] = "PERM_FAULT_0", "PERM_FAULT_1", "PERM_FAULT_2",
		"PERM_FAULT_3",
		[0x19] = "ACCESS_FLAG_1", "ACCESS_FLAG_2", "ACCESS_FLAG_3",
		[0x20] = "ADDR_SIZE_FAULT_IN",
		[0x24] = "ADDR_SIZE_FAULT_OUT0", "ADDR_SIZE_FAULT_OUT1",
		"ADDR_SIZE_FAULT_OUT2", "ADDR_SIZE_FAULT_OUT3",
	};

	switch (exc) {
	case GPUVM_CS_EXC_OK:
		return "OK";
	case GPUVM_CS_EXC_CS_INSTR_INVALID:
		return "CS_INSTR_INVALID";
	case GPUVM_CS_EXC_CS_CALL_STACK_OVERFLOW:
		return "CS_CALL_STACK_OVERFLOW";
	case GPUVM_CS_EXC_INSTR_CAP:
		return "INSTR_CAP";
	case GPUVM_CS_EXC_UNSUPPORTED:
		return "UNSUPPORTED";
	case GPUVM_CS_EXC_SB_DEADLOCK:
		return "SB_DEADLOCK";
	case GPUVM_CS_EXC_STALE_TLB:
		return "STALE_TLB";
	default:
		break;
	}
	if ((unsigned int)exc >= 0xc0 &&
	    (unsigned int)exc < 0xc0 + sizeof(mmu) / sizeof(mmu[0]) &&
	    mmu[exc - 0xc0])
		return mmu[exc - 0xc0];
	return "UNKNOWN";
}

const char *gpuvm_cs_opcode_name(unsigned int opcode)
{
	static const char *const names[] = {
		[GPUVM_CS_OP_NOP] = "NOP",
		[GPUVM_CS_OP_MOVE48] = "MOVE48",
		[GPUVM_CS_OP_MOVE32] = "MOVE32",
		[GPUVM_CS_OP_WAIT] = "WAIT",
		[GPUVM_CS_OP_RUN_COMPUTE] = "RUN_COMPUTE",
		[GPUVM_CS_OP_RUN_TILING] = "RUN_TILING",
		[GPUVM_CS_OP_RUN_IDVS] = "RUN_IDVS",
		[GPUVM_CS_OP_RUN_FRAGMENT] = "RUN_FRAGMENT",
		[GPUVM_CS_OP_RUN_FULLSCREEN] = "RUN_FULLSCREEN",
		[GPUVM_CS_OP_FINISH_TILING] = "FINISH_TILING",
		[GPUVM_CS_OP_FINISH_FRAGMENT] = "FINISH_FRAGMENT",
		[GPUVM_CS_OP_ADD_IMM32] = "ADD_IMMEDIATE32",
		[GPUVM_CS_OP_ADD_IMM64] = "ADD_IMMEDIATE64",
		[GPUVM_CS_OP_UMIN32] = "UMIN32",
		[GPUVM_CS_OP_LOAD_MULTIPLE] = "LOAD_MULTIPLE",
		[GPUVM_CS_OP_STORE_MULTIPLE] = "STORE_MULTIPLE",
		[GPUVM_CS_OP_BRANCH] = "BRANCH",
		[GPUVM_CS_OP_SET_SB_ENTRY] = "SET_SB_ENTRY",
		[GPUVM_CS_OP_PROGRESS_WAIT] = "PROGRESS_WAIT",
		[GPUVM_CS_OP_SET_EXCEPTION_HANDLER] = "SET_EXCEPTION_HANDLER",
		[GPUVM_CS_OP_CALL] = "CALL",
		[GPUVM_CS_OP_JUMP] = "JUMP",
		[GPUVM_CS_OP_REQ_RESOURCE] = "REQ_RESOURCE",
		[GPUVM_CS_OP_FLUSH_CACHE2] = "FLUSH_CACHE2",
		[GPUVM_CS_OP_SYNC_ADD32] = "SYNC_ADD32",
		[GPUVM_CS_OP_SYNC_SET32] = "SYNC_SET32",
		[GPUVM_CS_OP_SYNC_WAIT32] = "SYNC_WAIT32",
		[GPUVM_CS_OP_STORE_STATE] = "STORE_STATE",
		[GPUVM_CS_OP_PROT_REGION] = "PROT_REGION",
		[GPUVM_CS_OP_PROGRESS_STORE] = "PROGRESS_STORE",
		[GPUVM_CS_OP_PROGRESS_LOAD] = "PROGRESS_LOAD",
		[GPUVM_CS_OP_RUN_COMPUTE_INDIRECT] = "RUN_COMPUTE_INDIRECT",
		[GPUVM_CS_OP_ERROR_BARRIER] = "ERROR_BARRIER",
		[GPUVM_CS_OP_HEAP_SET] = "HEAP_SET",
		[GPUVM_CS_OP_HEAP_OPERATION] = "HEAP_OPERATION",
		[GPUVM_CS_OP_TRACE_POINT] = "TRACE_POINT",
		[GPUVM_CS_OP_SYNC_ADD64] = "SYNC_ADD64",
		[GPUVM_CS_OP_SYNC_SET64] = "SYNC_SET64",
		[GPUVM_CS_OP_SYNC_WAIT64] = "SYNC_WAIT64",
	};

	return opcode < sizeof(names) / sizeof(names[0]) ? names[opcode] :
							   NULL;
}
