// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: random instruction words through the command-stream
 * interpreter.
 *
 * The input is the stream: its first byte picks the configuration (the
 * nesting limit, and whether the registers start pointing at the
 * mapped regions, which lets random LOAD/STORE/CALL/SYNC words reach
 * real memory), the rest are 64-bit little-endian instruction words, up
 * to 4 KiB of them, written at CODE_VA and run. The address space maps
 * code (read/write/exec), data, a read-only page and a 2 MiB sparse
 * range of NULL leaves, and leaves holes around them.
 *
 * A run that blocks in SYNC_WAIT is resumed, up to four times, after the
 * host writes a value that satisfies the wait (when the sync object is
 * writable), as another queue would. Then the checks: the queue is
 * IDLE, BLOCKED or FAULTED; no stream retired more than the cap; a
 * fault has a named exception and an instruction address; the status
 * agrees with the result; the checked MMU's TLB agrees with the tables;
 * reset leaves an IDLE queue with zero registers; the memory validates.
 * Any breach aborts. Everything is freed per input, so a leak is a
 * finding. GPUVM_FUZZ_VERBOSE=1 prints each run's result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpuvm/cs.h"
#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"

#define SZ_4K 4096ull
#define SZ_2M (2ull << 20)
#define REGION 0x10000ull
#define CODE_VA 0x100000ull
#define DATA_VA 0x200000ull
#define RO_VA 0x300000ull
#define NULL_VA 0x1200000ull
#define MAX_INSTRS 20000u
#define MAX_WORDS (REGION / 8)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	struct gpuvm_mmu_as *as;
	struct gpuvm_cs_queue *q;
	uint64_t pa[3];
};

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_cs: %s\n", what);
		abort();
	}
}

static uint64_t map_bo(struct fz *f, unsigned int i, uint64_t va,
		       uint64_t size, uint32_t prot)
{
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;

	check(!gpuvm_mem_alloc(f->mem, size, GPUVM_MEM_BO, &f->pa[i]),
	      "alloc");
	gpuvm_pt_linear_init(&lin, va, f->pa[i]);
	gpuvm_pt_gather_init(&g);
	check(!gpuvm_pt_map(f->pt, va, size, &lin.src, prot, &g), "map");
	gpuvm_pt_gather_release(f->pt, &g);
	return f->pa[i];
}

static void fz_open(struct fz *f, unsigned int max_calls)
{
	struct gpuvm_mem_cfg mc = { .size = 16ull << 20 };
	struct gpuvm_pt_cfg pc = { .va_bits = 48, .pgsizes = SZ_4K | SZ_2M };
	struct gpuvm_mmu_as_cfg ac = { .va_bits = 48, .checked = true };
	struct gpuvm_cs_queue_cfg qc = { .max_instrs = MAX_INSTRS,
					 .max_calls = max_calls };
	struct gpuvm_pt_gather g;

	memset(f, 0, sizeof(*f));
	check(!gpuvm_mem_create(&mc, &f->mem), "mem");
	pc.mem = ac.mem = f->mem;
	check(!gpuvm_pt_create(&pc, &f->pt), "pt");
	map_bo(f, 0, CODE_VA, REGION, 0);
	map_bo(f, 1, DATA_VA, REGION, GPUVM_PT_PROT_NOEXEC);
	map_bo(f, 2, RO_VA, SZ_4K, GPUVM_PT_PROT_READONLY |
				  GPUVM_PT_PROT_NOEXEC);
	gpuvm_pt_gather_init(&g);
	check(!gpuvm_pt_map(f->pt, NULL_VA, SZ_2M, NULL, GPUVM_PT_PROT_NULL |
			    GPUVM_PT_PROT_NOEXEC, &g), "null map");
	gpuvm_pt_gather_release(f->pt, &g);
	ac.root = gpuvm_pt_root(f->pt);
	check(!gpuvm_mmu_as_create(&ac, &f->as), "as");
	qc.as = f->as;
	check(!gpuvm_cs_queue_create(&qc, &f->q), "queue");
}

static void fz_close(struct fz *f)
{
	gpuvm_cs_queue_destroy(f->q);
	gpuvm_mmu_as_destroy(f->as);
	gpuvm_pt_destroy(f->pt);
	gpuvm_mem_free(f->mem, f->pa[0], REGION, GPUVM_MEM_BO);
	gpuvm_mem_free(f->mem, f->pa[1], REGION, GPUVM_MEM_BO);
	gpuvm_mem_free(f->mem, f->pa[2], SZ_4K, GPUVM_MEM_BO);
	check(!gpuvm_mem_validate(f->mem, stderr), "mem validate");
	gpuvm_mem_destroy(f->mem);
}

/* Pairs pointing at each region, lengths and small counters. */
static void preset_regs(struct fz *f)
{
	static const uint64_t ptrs[] = {
		DATA_VA, CODE_VA, RO_VA, NULL_VA, 0x600000, CODE_VA + 0x800,
		DATA_VA + REGION - 8, 1ull << 48,
	};
	uint32_t r[GPUVM_CS_REGS];

	for (unsigned int i = 0; i < GPUVM_CS_REGS; i++)
		r[i] = i * 8;
	for (unsigned int i = 0; i < 8; i++) {
		r[2 * i] = (uint32_t)ptrs[i];
		r[2 * i + 1] = (uint32_t)(ptrs[i] >> 32);
	}
	check(!gpuvm_cs_queue_set_regs(f->q, 0, GPUVM_CS_REGS, r), "regs");
}

/* What another queue would do: make the wait's condition true. */
static void satisfy(struct fz *f, const struct gpuvm_cs_wait *w)
{
	uint64_t v = w->gt ? w->ref + 1 : 0;

	gpuvm_mmu_write(f->as, w->addr, &v, w->sync64 ? 8 : 4, NULL);
}

static void check_result(struct fz *f, const struct gpuvm_cs_result *r)
{
	struct gpuvm_cs_queue_status st;

	gpuvm_cs_queue_status(f->q, &st);
	check(r->state == st.state, "status state");
	check(st.executed <= MAX_INSTRS, "cap");
	check(r->state == GPUVM_CS_QUEUE_IDLE ||
	      r->state == GPUVM_CS_QUEUE_BLOCKED ||
	      r->state == GPUVM_CS_QUEUE_FAULTED, "state");
	if (r->state == GPUVM_CS_QUEUE_FAULTED) {
		check(strcmp(gpuvm_cs_exception_name(r->fault.exception),
			     "UNKNOWN") != 0, "exception name");
		check(r->fault.exception != GPUVM_CS_EXC_OK, "exception ok");
		check(r->fault.exception != GPUVM_CS_EXC_STALE_TLB, "stale");
		check(r->fault.instr_addr == st.ip, "fault address");
	}
	if (r->state == GPUVM_CS_QUEUE_BLOCKED)
		check(r->wait.instr_addr == st.ip, "wait address");
	check(gpuvm_mmu_tlb_verify(f->as) == 0, "tlb");
}

static void run(struct fz *f, size_t words, bool verbose)
{
	struct gpuvm_cs_result r;

	check(!gpuvm_cs_queue_start(f->q, CODE_VA, words * 8), "start");
	check(!gpuvm_cs_queue_run(f->q, &r), "run");
	check_result(f, &r);
	for (int i = 0; i < 4 && r.state == GPUVM_CS_QUEUE_BLOCKED; i++) {
		satisfy(f, &r.wait);
		check(!gpuvm_cs_queue_run(f->q, &r), "resume");
		check_result(f, &r);
	}
	if (verbose)
		fprintf(stderr, "state %d exception %s at 0x%llx\n", r.state,
			gpuvm_cs_exception_name(r.fault.exception),
			(unsigned long long)r.fault.instr_addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t words = size ? (size - 1) / 8 : 0;
	uint32_t regs[GPUVM_CS_REGS];
	struct gpuvm_cs_queue_status st;
	struct fz f;

	if (!size)
		return 0;
	if (words > MAX_WORDS)
		words = MAX_WORDS;
	fz_open(&f, data[0] % (GPUVM_CS_MAX_CALLS + 1));
	if (data[0] & 0x80)
		preset_regs(&f);
	check(!gpuvm_mem_write(f.mem, f.pa[0], data + 1, words * 8),
	      "write stream");
	run(&f, words, getenv("GPUVM_FUZZ_VERBOSE") != NULL);
	gpuvm_cs_queue_reset(f.q);
	gpuvm_cs_queue_status(f.q, &st);
	check(st.state == GPUVM_CS_QUEUE_IDLE && !st.retired, "reset");
	check(!gpuvm_cs_queue_get_regs(f.q, 0, GPUVM_CS_REGS, regs), "regs");
	for (unsigned int i = 0; i < GPUVM_CS_REGS; i++)
		check(!regs[i], "reset regs");
	fz_close(&f);
	return 0;
}
