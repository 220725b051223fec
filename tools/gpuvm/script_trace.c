// SPDX-License-Identifier: MIT
/*
 * DOC: `gpuvm run --trace`
 *
 * With --trace, every VM a script creates gets trace hooks on its MMU
 * address space and page tables (gpuvm_drv_vm_set_trace()), and each
 * event is printed on the script's output as one line, "trace VM EVENT
 * key=value...", between the lines of the script's own output; the
 * format is in docs/script.md ("Tracing"). Addresses are the simulated
 * GPU's (VAs and physical addresses of its memory), never the host's.
 *
 * A hook's cookie is the VM's trace slot in struct script, which names
 * the VM: the slot lives as long as the script, and a VM's hooks go with
 * the VM, so no event outlives its name.
 */
#include <inttypes.h>

#include "script.h"

static const char *access_name(enum gpuvm_mmu_access acc)
{
	switch (acc) {
	case GPUVM_MMU_READ:
		return "read";
	case GPUVM_MMU_WRITE:
		return "write";
	case GPUVM_MMU_EXEC:
		return "exec";
	}
	return "unknown";
}

static const char *result_name(enum gpuvm_mmu_fault_kind k)
{
	switch (k) {
	case GPUVM_MMU_FAULT_NONE:
		return "ok";
	case GPUVM_MMU_FAULT_TRANSLATION:
		return "translation";
	case GPUVM_MMU_FAULT_PERMISSION:
		return "permission";
	case GPUVM_MMU_FAULT_ADDRESS_SIZE:
		return "address_size";
	case GPUVM_MMU_FAULT_ACCESS_FLAG:
		return "access_flag";
	}
	return "unknown";
}

static const char *size_name(uint64_t size)
{
	switch (size) {
	case GPUVM_SZ_4K:
		return "4K";
	case GPUVM_SZ_2M:
		return "2M";
	case GPUVM_SZ_1G:
		return "1G";
	}
	return "?";
}

/* "trace VM " before each event; the caller writes the rest. */
static FILE *begin(void *cookie)
{
	const struct script_trace *t = cookie;

	fprintf(t->s->out, "trace %s ", t->s->names[t->slot].name);
	return t->s->out;
}

static void on_walk_start(void *ck, uint64_t va, enum gpuvm_mmu_access acc)
{
	fprintf(begin(ck), "walk.start va=0x%" PRIx64 " access=%s\n", va,
		access_name(acc));
}

static void on_desc_read(void *ck, uint64_t va, unsigned int level,
			 uint64_t pa, uint64_t desc)
{
	(void)va;
	fprintf(begin(ck), "walk.read level=%u pa=0x%" PRIx64 " desc=0x%016"
		PRIx64 "\n", level, pa, desc);
}

static void on_walk_end(void *ck, uint64_t va, enum gpuvm_mmu_fault_kind k,
			unsigned int level, unsigned int reads)
{
	fprintf(begin(ck), "walk.end va=0x%" PRIx64 " result=%s level=%u "
		"reads=%u\n", va, result_name(k), level, reads);
}

static void on_tlb_insert(void *ck, uint64_t va, uint64_t size, uint64_t pa,
			  uint64_t desc)
{
	fprintf(begin(ck), "tlb.insert va=0x%" PRIx64 " size=%s pa=0x%" PRIx64
		" desc=0x%016" PRIx64 "\n", va, size_name(size), pa, desc);
}

static void on_tlb_invalidate(void *ck, uint64_t va, uint64_t last,
			      uint64_t dropped)
{
	fprintf(begin(ck), "tlb.invalidate va=0x%" PRIx64 " last=0x%" PRIx64
		" dropped=%" PRIu64 "\n", va, last, dropped);
}

static void on_fault(void *ck, const struct gpuvm_mmu_fault *f)
{
	fprintf(begin(ck), "fault kind=%s access=%s va=0x%" PRIx64
		" level=%u\n", result_name(f->kind), access_name(f->access),
		f->addr, f->level);
}

static void on_desc_write(void *ck, uint64_t pa, unsigned int level,
			  uint64_t old, uint64_t desc)
{
	fprintf(begin(ck), "pte.write level=%u pa=0x%" PRIx64 " old=0x%016"
		PRIx64 " new=0x%016" PRIx64 "\n", level, pa, old, desc);
}

int script_trace_vm(struct script *s, int slot)
{
	struct script_trace *t = &s->traces[slot];
	const struct script_name *n = &s->names[slot];
	const struct gpuvm_mmu_trace mt = {
		.cookie = t, .walk_start = on_walk_start,
		.desc_read = on_desc_read, .walk_end = on_walk_end,
		.tlb_insert = on_tlb_insert,
		.tlb_invalidate = on_tlb_invalidate, .fault = on_fault,
	};
	const struct gpuvm_pt_trace pt = {
		.cookie = t, .desc_write = on_desc_write,
	};

	t->s = s;
	t->slot = slot;
	return gpuvm_drv_vm_set_trace(n->file, n->id, &mt, &pt);
}
