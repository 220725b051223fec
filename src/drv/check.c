// SPDX-License-Identifier: MIT
/*
 * DOC: lookup, statistics, check and dump
 *
 * The dump and every message name a BO by its handle ("closed" once the
 * handle is gone) and a sparse range by what backs it, never by the VA
 * layer's key for it, which is the host address of its struct drv_bo:
 * printing that would hand a client an address of the driver's process.
 *
 * check is the driver-level oracle: the page tables must map exactly what
 * the VA space holds, leaf by leaf, and no TLB entry may disagree with the
 * tables. It walks each mapping's leaves (only existing tables, so a
 * sparse TiB costs its 2 MiB leaves, not its pages) and compares each leaf
 * with what the mapping's source says: the address, that the source is
 * linear over the whole leaf, and the attributes. Leaves outside every
 * mapping are caught by counting: the leaves seen inside mappings must be
 * all the leaves there are.
 */
#include <errno.h>
#include <inttypes.h>

#include "drv/drv_internal.h"

int drv_impl_vm_lookup(struct drv_vm *vm, uint64_t addr,
		       struct gpuvm_drv_lookup *out)
{
	const struct gpuvm_va *va;

	va = gpuvm_va_find(vm->va, addr);
	out->kind = GPUVM_DRV_NONE;
	out->bo_handle = 0;
	out->bo_offset = 0;
	out->flags = 0;
	if (!va)
		return 0;
	out->flags = va->flags;
	if (va->kind == GPUVM_VA_SPARSE) {
		out->kind = GPUVM_DRV_SPARSE;
		return 0;
	}
	out->kind = GPUVM_DRV_BO;
	out->bo_handle = drv_bo_of(va)->handle;
	out->bo_offset = gpuvm_va_bo_offset_at(va, addr);
	return 0;
}

int drv_impl_vm_stats(struct drv_vm *vm, struct gpuvm_drv_vm_stats *st)
{
	struct gpuvm_pt_stats ps;

	gpuvm_pt_stats(vm->pt, &ps);
	st->user_va = vm->user_va;
	st->mappings = gpuvm_va_space_count(vm->va);
	st->pt_pages = ps.table_pages;
	st->leaf_4k = ps.leaves[0];
	st->leaf_2m = ps.leaves[1];
	st->leaf_1g = ps.leaves[2];
	st->pte_writes = ps.pte_writes;
	st->tlb_invalidations = vm->tlb_invalidations;
	st->pt_reserved_peak = ps.reserved_peak;
	st->shared_pt_pages = drv_sparse_tables_pages(vm->file);
	return 0;
}

int drv_impl_vm_for_each_mapping(struct drv_vm *vm, uint64_t start,
				 uint64_t end, gpuvm_drv_mapping_fn fn,
				 void *cookie)
{
	const struct gpuvm_va *va;
	int ret;

	gpuvm_va_for_each_in(va, vm->va, start, end) {
		struct gpuvm_drv_mapping m = {
			.va = va->addr, .size = va->range, .flags = va->flags,
			.kind = va->kind == GPUVM_VA_SPARSE ? GPUVM_DRV_SPARSE :
							      GPUVM_DRV_BO,
			.bo_offset = va->offset, .repeat = va->repeat,
			.phase = va->phase,
		};

		if (va->kind != GPUVM_VA_SPARSE)
			m.bo_handle = drv_bo_of(va)->handle;
		ret = fn(cookie, &m);
		if (ret)
			return ret;
	}
	return 0;
}

struct check_ctx {
	struct drv_vm *vm;
	const struct gpuvm_va *va;
	struct drv_src src;
	uint64_t attrs;
	bool null;
	uint64_t covered, leaves;
	uint64_t bad_va;
	const char *why;
};

static int check_leaf(void *cookie, uint64_t addr, uint64_t size,
		      uint64_t desc)
{
	struct check_ctx *c = cookie;
	uint64_t pa, contig;

	c->bad_va = addr;
	if (c->va->priv == drv_va_evicted) {
		c->why = "an evicted mapping still has page-table entries";
		return 1;
	}
	if (addr < c->va->addr || addr + size > gpuvm_va_end(c->va)) {
		c->why = "a page-table leaf crosses the mapping's edge";
		return 1;
	}
	if (gpuvm_pte_attrs(desc) != c->attrs) {
		c->why = "leaf attributes differ from the mapping's flags";
		return 1;
	}
	if (!c->null) {
		pa = c->src.src.pa_at(c->src.src.cookie, addr, &contig);
		if (gpuvm_pte_addr(desc) != pa || contig < size) {
			c->why = "leaf maps other memory than the mapping";
			return 1;
		}
	}
	c->covered += size;
	c->leaves++;
	return 0;
}

static bool evicted_backing(const struct drv_vm *vm, const struct gpuvm_va *va)
{
	if (va->kind != GPUVM_VA_SPARSE)
		return drv_bo_of(va)->evicted;
	return vm->file->dummy && vm->file->dummy->evicted;
}

static int check_mappings(struct check_ctx *c)
{
	const struct gpuvm_va *va;
	uint32_t prot;

	gpuvm_va_for_each_in(va, c->vm->va, 0, c->vm->user_va) {
		c->va = va;
		if (evicted_backing(c->vm, va)) {
			/* No source to compare with; it must have no leaves. */
			if (va->priv != drv_va_evicted) {
				c->bad_va = va->addr;
				c->why = "a mapping of an evicted BO is not marked evicted";
				return -EUCLEAN;
			}
		}
		prot = drv_src_init(&c->src, c->vm->file, va);
		c->attrs = gpuvm_pt_prot_attrs(prot);
		c->null = prot & GPUVM_PT_PROT_NULL;
		c->covered = 0;
		if (gpuvm_pt_for_each_leaf(c->vm->pt, va->addr, gpuvm_va_end(va),
					   check_leaf, c))
			return -EUCLEAN;
		if (va->priv != drv_va_evicted && c->covered != va->range) {
			c->bad_va = va->addr;
			c->why = "part of a mapping has no page-table entries";
			return -EUCLEAN;
		}
	}
	return 0;
}

int drv_impl_vm_check(struct drv_vm *vm, FILE *err)
{
	struct check_ctx c = { .vm = vm };
	struct gpuvm_pt_stats ps;
	int ret;

	ret = gpuvm_va_space_validate(c.vm->va, err);
	if (!ret)
		ret = gpuvm_pt_validate(c.vm->pt, err);
	if (ret)
		return ret;
	ret = check_mappings(&c);
	gpuvm_pt_stats(c.vm->pt, &ps);
	if (!ret && c.leaves != ps.leaves[0] + ps.leaves[1] + ps.leaves[2]) {
		c.why = "page-table leaves outside every mapping";
		c.bad_va = 0;
		ret = -EUCLEAN;
	}
	if (!ret && gpuvm_mmu_tlb_verify(c.vm->as)) {
		c.why = "a TLB entry disagrees with the page tables";
		ret = -EUCLEAN;
	}
	if (ret && err)
		fprintf(err, "check: VM %u: %s (at 0x%" PRIx64 ")\n", vm->id,
			c.why, c.bad_va);
	return ret;
}

static void dump_mapping(const struct drv_vm *vm, const struct gpuvm_va *va,
			 FILE *f, gpuvm_drv_bo_name_fn name, void *cookie)
{
	bool null = vm->file->dev->cfg.sparse == GPUVM_DRV_SPARSE_NULL;

	fprintf(f, "  [0x%" PRIx64 ", 0x%" PRIx64 ")", va->addr,
		gpuvm_va_end(va));
	if (va->kind == GPUVM_VA_SPARSE) {
		fprintf(f, " sparse=%s", null ? "null" : "dummy");
	} else {
		fputs(" bo=", f);
		drv_bo_print(f, drv_bo_of(va), name, cookie);
		fprintf(f, " offset=0x%" PRIx64, va->offset);
		if (va->kind == GPUVM_VA_REPEAT)
			fprintf(f, " repeat=0x%" PRIx64 " phase=0x%" PRIx64,
				va->repeat, va->phase);
	}
	fprintf(f, " flags=0x%x%s\n", (unsigned int)va->flags,
		va->priv == drv_va_evicted ? " evicted" : "");
}

int drv_impl_vm_dump(struct drv_vm *vm, FILE *f, gpuvm_drv_bo_name_fn name,
		     void *cookie)
{
	const struct gpuvm_va_space_cfg *vc;
	const struct gpuvm_va *va;

	vc = gpuvm_va_space_cfg(vm->va);
	fprintf(f, "VM %u: user VA [0, 0x%" PRIx64 ")%s\n", vm->id, vm->user_va,
		vm->state == GPUVM_DRV_VM_UNUSABLE ? " (unusable)" : "");
	fprintf(f, "va space [0x%" PRIx64 ", 0x%" PRIx64 "), %" PRIu64
		" mappings\n", vc->start, vc->start + vc->range,
		gpuvm_va_space_count(vm->va));
	gpuvm_va_for_each_in(va, vm->va, vc->start, vc->start + vc->range)
		dump_mapping(vm, va, f, name, cookie);
	gpuvm_pt_print(vm->pt, f);
	return 0;
}

int drv_impl_vm_fail_nth_alloc(struct drv_vm *vm, uint64_t nth)
{
	gpuvm_va_space_fail_nth_alloc(vm->va, nth);
	return 0;
}
