// SPDX-License-Identifier: MIT
/*
 * DOC: the command-stream interpreter's speed
 *
 * Instructions per second of gpuvm_cs_queue_run() for two streams, both
 * fetched through the MMU like everything a stream touches:
 *
 *  - ALU/branch: a loop of ADD_IMMEDIATE32, ADD_IMMEDIATE64 and a
 *    conditional BRANCH back, so the figure is fetch (from the fetch
 *    line) + decode + execute with no data access;
 *  - load/store: loops copying a 256 KiB buffer 16 bytes at a time with
 *    LOAD_MULTIPLE and STORE_MULTIPLE of four registers, two address
 *    increments and the counted BRANCH: one MMU read and one MMU write
 *    every six instructions, all TLB hits (the code page and the 64
 *    pages of each buffer sit in distinct slots of the direct-mapped
 *    256-entry TLB; the note says the hit rate measured).
 *
 * The address space is built directly (pt tables from a linear source,
 * checked mode off, as the MMU benchmark does), so the figure is the
 * interpreter and the MMU, not the driver's locks. Setup and one warm-up
 * run are untimed; each repetition runs the stream once, start to end.
 * ns/op is per retired instruction.
 */
#include <errno.h>
#include <string.h>

#include "bench.h"
#include "gpuvm/cs.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"

#define GROUP "CS interpreter, through the MMU"
#define CODE_VA (1ull << 32)
/* TLB slots: code 0, source 16..79, destination 128..191: all hits. */
#define SRC_VA (CODE_VA + (4ull << 20) + (64ull << 10))
#define DST_VA (CODE_VA + (4ull << 20) + (512ull << 10))
#define BUF (256ull << 10)
#define SPAN (16ull << 20)

struct cs_env {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	struct gpuvm_mmu_as *as;
	struct gpuvm_cs_queue *q;
	uint64_t pa;
	uint64_t words;  /* of the stream at CODE_VA */
};

static int env_open(struct cs_env *c)
{
	struct gpuvm_mem_cfg mc = { .size = 64ull << 20 };
	struct gpuvm_pt_cfg pc = { .va_bits = 48,
				   .pgsizes = GPUVM_PT_PGSIZE_4K };
	struct gpuvm_mmu_as_cfg ac = { .va_bits = 48 };
	struct gpuvm_cs_queue_cfg qc = { .max_instrs = 1ull << 40 };
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	int ret = gpuvm_mem_create(&mc, &c->mem);

	pc.mem = ac.mem = c->mem;
	if (!ret)
		ret = gpuvm_mem_alloc(c->mem, SPAN, GPUVM_MEM_BO, &c->pa);
	if (!ret)
		ret = gpuvm_pt_create(&pc, &c->pt);
	if (ret)
		return ret;
	gpuvm_pt_linear_init(&lin, CODE_VA, c->pa);
	gpuvm_pt_gather_init(&g);
	ret = gpuvm_pt_map(c->pt, CODE_VA, SPAN, &lin.src, 0, &g);
	gpuvm_pt_gather_release(c->pt, &g);
	ac.root = gpuvm_pt_root(c->pt);
	if (!ret)
		ret = gpuvm_mmu_as_create(&ac, &c->as);
	qc.as = c->as;
	if (!ret)
		ret = gpuvm_cs_queue_create(&qc, &c->q);
	return ret;
}

static void env_close(struct cs_env *c)
{
	gpuvm_cs_queue_destroy(c->q);
	gpuvm_mmu_as_destroy(c->as);
	if (c->pt)
		gpuvm_pt_destroy(c->pt);
	gpuvm_mem_destroy(c->mem);
}

static int load_stream(struct cs_env *c, const uint64_t *w, uint64_t n)
{
	c->words = n;
	return gpuvm_mem_write(c->mem, c->pa, w, n * sizeof(*w));
}

/* One run of the stream, start to end; *executed its instructions. */
static int run_once(struct cs_env *c, uint64_t *executed)
{
	struct gpuvm_cs_result res;
	int ret = gpuvm_cs_queue_start(c->q, CODE_VA, c->words * 8);

	if (!ret)
		ret = gpuvm_cs_queue_run(c->q, &res);
	if (!ret && res.state != GPUVM_CS_QUEUE_IDLE)
		ret = -EIO;
	*executed = ret ? 0 : res.executed;
	return ret;
}

static int cs_run(void *ctx, struct bench_sample *s)
{
	struct cs_env *c = ctx;
	uint64_t t0 = bench_now_ns(), n;
	int ret = run_once(c, &n);

	s->ns = (double)(bench_now_ns() - t0);
	s->ops = n;
	return ret;
}

static int measure(struct bench_report *r, const struct bench_opts *o,
		   struct cs_env *c, const char *key, const char *name)
{
	struct bench_row *row;
	uint64_t n;
	int ret = run_once(c, &n); /* warm-up, untimed */

	if (!ret)
		ret = bench_repeat(r, bench_reps(o), GROUP, key, name, cs_run,
				   c, &row);
	if (!ret)
		snprintf(row->note, sizeof(row->note), "%.1f million "
			 "instructions per second",
			 row->median_ns > 0 ?
			 (double)row->ops * 1e3 / row->median_ns : 0);
	return ret;
}

/* iters times: r1 += 3, d2 += 8, r0 -= 1, branch back while r0 != 0. */
static int alu(struct bench_report *r, const struct bench_opts *o,
	       struct cs_env *c)
{
	uint32_t iters = o->quick ? 100000 : 2000000;
	const uint64_t w[] = {
		gpuvm_cs_asm_move32(0, iters),
		gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM32, 1, 1, 3),
		gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, 2, 2, 8),
		gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM32, 0, 0, -1),
		gpuvm_cs_asm_branch(GPUVM_CS_COND_NEQUAL, 0, -4),
	};
	int ret = load_stream(c, w, 5);

	return ret ? ret : measure(r, o, c, "cs.alu",
				   "ALU/branch loop (4 instructions)");
}

/* Copies BUF bytes from SRC_VA to DST_VA, 16 per iteration, laps times. */
static int ldst(struct bench_report *r, const struct bench_opts *o,
		struct cs_env *c)
{
	uint32_t laps = o->quick ? 4 : 64;
	const uint64_t w[] = {
		gpuvm_cs_asm_move32(11, laps),
		gpuvm_cs_asm_move48(0, SRC_VA),            /* lap: */
		gpuvm_cs_asm_move48(2, DST_VA),
		gpuvm_cs_asm_move32(10, (uint32_t)(BUF / 16)),
		gpuvm_cs_asm_ldst(GPUVM_CS_OP_LOAD_MULTIPLE, 4, 0, 0xf, 0), /* copy: */
		gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 4, 2, 0xf, 0),
		gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, 0, 0, 16),
		gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM64, 2, 2, 16),
		gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM32, 10, 10, -1),
		gpuvm_cs_asm_branch(GPUVM_CS_COND_NEQUAL, 10, -6), /* copy */
		gpuvm_cs_asm_add(GPUVM_CS_OP_ADD_IMM32, 11, 11, -1),
		gpuvm_cs_asm_branch(GPUVM_CS_COND_NEQUAL, 11, -11), /* lap */
	};
	struct gpuvm_mmu_stats before, after;
	int ret = load_stream(c, w, 12);

	gpuvm_mmu_stats(c->as, &before);
	if (!ret)
		ret = measure(r, o, c, "cs.ldst",
			      "load/store copy, 16 B per 6 instructions");
	gpuvm_mmu_stats(c->as, &after);
	if (!ret) {
		struct bench_row *row = &r->rows[r->count - 1];
		double hits = (double)(after.hits - before.hits);
		double all = hits + (double)(after.misses - before.misses);
		size_t len = strlen(row->note);

		snprintf(row->note + len, sizeof(row->note) - len,
			 ", TLB hit rate %.2f%%", all > 0 ? 100 * hits / all : 0);
	}
	return ret;
}

int bench_cs(struct bench_report *r, const struct bench_opts *o)
{
	struct cs_env c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = env_open(&c);
	if (!ret)
		ret = alu(r, o, &c);
	if (!ret)
		ret = ldst(r, o, &c);
	env_close(&c);
	return ret;
}
