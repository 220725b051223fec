/* SPDX-License-Identifier: MIT */
/*
 * DOC: the command-stream interpreter's internals
 *
 * The queue holds what a CSF command stream interface holds (registers,
 * instruction pointer, the bounds of the buffer being executed, the CALL
 * stack, scoreboard entry selection, progress counter, requested
 * resources, heap context, the tiler-OOM handler), the state of the
 * stream (IDLE, READY, BLOCKED, FAULTED) with its fault or wait, and the
 * fetch line: up to CS_LINE_WORDS instruction words read with one MMU
 * fetch, never past the end of the page or of the buffer (access.c).
 *
 * exec.c runs instructions; access.c does every memory access through
 * the MMU and turns MMU faults into exceptions; queue.c is the API
 * around them.
 */
#ifndef GPUVM_CS_INTERNAL_H
#define GPUVM_CS_INTERNAL_H

#include <stdint.h>

#include "gpuvm/cs.h"

/* A fetch line: 32 words (256 bytes), and never across a 4 KiB page. */
#define CS_LINE_WORDS 32

/* A CALL's return: where to go on, in which buffer. */
struct cs_frame {
	uint64_t ret, start, end;
};

struct gpuvm_cs_queue {
	struct gpuvm_mmu_as *as;
	unsigned int va_bits;
	uint64_t max_instrs;
	unsigned int max_calls;

	enum gpuvm_cs_queue_state state;
	uint32_t regs[GPUVM_CS_REGS];
	uint64_t ip;
	uint64_t start, end;    /* the buffer being executed */
	unsigned int depth;     /* frames on the stack */
	struct cs_frame stack[GPUVM_CS_MAX_CALLS];
	uint64_t executed;      /* by the current stream */
	uint64_t retired;       /* since create/reset */
	unsigned int sb_endpoint, sb_other;
	uint32_t resources;
	uint64_t progress, heap_ctx, oom_handler;
	uint32_t oom_handler_len;
	struct gpuvm_cs_fault fault;
	struct gpuvm_cs_wait wait;
	uint64_t wait_instr;    /* the blocked SYNC_WAIT's word */

	uint64_t cur;           /* the instruction being executed */
	uint64_t line_va;
	unsigned int line_n;    /* valid words in line[]; 0: empty */
	uint64_t line[CS_LINE_WORDS];
};

/* access.c: 0, or -1 with the queue FAULTED. */
int cs_fetch(struct gpuvm_cs_queue *q, uint64_t *word);
int cs_read(struct gpuvm_cs_queue *q, uint64_t va, void *buf, size_t len);
int cs_write(struct gpuvm_cs_queue *q, uint64_t va, const void *buf,
	     size_t len);
/* Checks that a write of len bytes at va would not fault. */
int cs_probe_write(struct gpuvm_cs_queue *q, uint64_t va, size_t len);
/* The queue FAULTED with exc about addr (not an MMU fault); returns -1. */
int cs_fault(struct gpuvm_cs_queue *q, enum gpuvm_cs_exception exc,
	     uint64_t addr);

/* exec.c */
void cs_exec(struct gpuvm_cs_queue *q, struct gpuvm_cs_result *res);

#endif /* GPUVM_CS_INTERNAL_H */
