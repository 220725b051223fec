// SPDX-License-Identifier: MIT
/*
 * DOC: the interpreter's memory accesses, all through the MMU
 *
 * Instruction fetch reads a line: from the instruction pointer up to 32
 * words, stopping at the end of the 4 KiB page and of the buffer being
 * executed, in one gpuvm_mmu_fetch(). A line never crosses a page, so a
 * fetch faults only when the page of the instruction about to run
 * faults: a stream that ends just before an unmapped page runs to its
 * end, and one that runs into it faults at the first word there, with
 * that word's address. The next instructions then come from the line
 * until the pointer leaves it (a branch or CALL elsewhere, or its end).
 *
 * A front end that prefetches must decide what a write into fetched
 * words does. Here a write by the queue itself that overlaps the line
 * drops it, so a stream that patches its own next instructions runs the
 * patched words; writes through another alias of the same memory, or by
 * other queues, are seen from the next line fill on, as with a
 * prefetching front end. Each gpuvm_cs_queue_run() starts with an empty
 * line: a run never executes words fetched through translations from
 * before it.
 *
 * Data accesses are one MMU access each, so each is all or nothing. An
 * MMU fault becomes the exception the AS would raise at that level
 * (TRANSLATION_FAULT_n, PERM_FAULT_n, ACCESS_FLAG_n, ADDR_SIZE_FAULT_IN
 * for a VA beyond the AS's width, ADDR_SIZE_FAULT_OUTn for a descriptor
 * pointing outside memory) with the MMU's report attached. A stale TLB
 * entry caught by the MMU's checked mode is the driver's bug, not the
 * stream's: it stops the stream with GPUVM_CS_EXC_STALE_TLB.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "cs/cs_internal.h"

#define PAGE 4096u

int cs_fault(struct gpuvm_cs_queue *q, enum gpuvm_cs_exception exc,
	     uint64_t addr)
{
	memset(&q->fault, 0, sizeof(q->fault));
	memset(&q->wait, 0, sizeof(q->wait));
	q->fault.exception = exc;
	q->fault.instr_addr = q->ip;
	q->fault.instr = q->cur;
	q->fault.addr = addr;
	q->state = GPUVM_CS_QUEUE_FAULTED;
	return -1;
}

static enum gpuvm_cs_exception mmu_exception(const struct gpuvm_cs_queue *q,
					     const struct gpuvm_mmu_fault *f)
{
	unsigned int level = f->level & 3;

	switch (f->kind) {
	case GPUVM_MMU_FAULT_TRANSLATION:
		return GPUVM_CS_EXC_TRANSLATION_FAULT_0 + level;
	case GPUVM_MMU_FAULT_PERMISSION:
		return GPUVM_CS_EXC_PERM_FAULT_0 + level;
	case GPUVM_MMU_FAULT_ACCESS_FLAG:
		return GPUVM_CS_EXC_ACCESS_FLAG_0 + level;
	case GPUVM_MMU_FAULT_ADDRESS_SIZE:
		if (q->va_bits < 64 && f->addr >> q->va_bits)
			return GPUVM_CS_EXC_ADDR_SIZE_FAULT_IN;
		return GPUVM_CS_EXC_ADDR_SIZE_FAULT_OUT0 + level;
	case GPUVM_MMU_FAULT_NONE:
		break;
	}
	return GPUVM_CS_EXC_STALE_TLB;
}

/* ret is the MMU's errno for an access at va that failed. */
static int mmu_failed(struct gpuvm_cs_queue *q, int ret,
		      const struct gpuvm_mmu_fault *f, uint64_t va)
{
	if (ret != -EFAULT)
		return cs_fault(q, GPUVM_CS_EXC_STALE_TLB, va);
	cs_fault(q, mmu_exception(q, f), f->addr);
	q->fault.mmu = true;
	q->fault.mmu_fault = *f;
	return -1;
}

static int fill_line(struct gpuvm_cs_queue *q)
{
	uint64_t words = (PAGE - (q->ip & (PAGE - 1))) / 8;
	uint64_t left = (q->end - q->ip) / 8;
	struct gpuvm_mmu_fault f;
	int ret;

	if (words > left)
		words = left;
	if (words > CS_LINE_WORDS)
		words = CS_LINE_WORDS;
	q->line_n = 0;
	ret = gpuvm_mmu_fetch(q->as, q->ip, q->line, words * 8, &f);
	if (ret) {
		q->cur = 0;
		return mmu_failed(q, ret, &f, q->ip);
	}
	q->line_va = q->ip;
	q->line_n = (unsigned int)words;
	return 0;
}

/* The caller made sure ip < end. */
int cs_fetch(struct gpuvm_cs_queue *q, uint64_t *word)
{
	uint64_t off = q->ip - q->line_va;

	if (off >= (uint64_t)q->line_n * 8) {
		if (fill_line(q))
			return -1;
		off = 0;
	}
	*word = le64toh(q->line[off / 8]);
	return 0;
}

int cs_read(struct gpuvm_cs_queue *q, uint64_t va, void *buf, size_t len)
{
	struct gpuvm_mmu_fault f;
	int ret = gpuvm_mmu_read(q->as, va, buf, len, &f);

	return ret ? mmu_failed(q, ret, &f, va) : 0;
}

int cs_write(struct gpuvm_cs_queue *q, uint64_t va, const void *buf,
	     size_t len)
{
	struct gpuvm_mmu_fault f;
	int ret;

	if (q->line_n && va < q->line_va + q->line_n * 8ull &&
	    q->line_va < va + len)
		q->line_n = 0;
	ret = gpuvm_mmu_write(q->as, va, buf, len, &f);
	return ret ? mmu_failed(q, ret, &f, va) : 0;
}

/* Each page the range touches, translated for a write. */
int cs_probe_write(struct gpuvm_cs_queue *q, uint64_t va, size_t len)
{
	uint64_t last = va + len - 1;
	struct gpuvm_mmu_fault f;
	int ret;

	for (;;) {
		ret = gpuvm_mmu_translate(q->as, va, GPUVM_MMU_WRITE, NULL,
					  &f);
		if (ret)
			return mmu_failed(q, ret, &f, va);
		if ((va | (PAGE - 1)) >= last)
			return 0;
		va = (va | (PAGE - 1)) + 1;
	}
}
