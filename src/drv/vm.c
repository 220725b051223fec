// SPDX-License-Identifier: MIT
/*
 * DOC: VMs
 *
 * One VM = one VA space (va), one set of page tables (pt) and one MMU
 * address space (as). This file makes and frees them, and ends every
 * page-table change the same way (drv_vm_flush): the tables a change
 * emptied are pruned, the VM's TLB forgets everything the change touched,
 * and only then are those tables released. The order matters: a walker
 * or a TLB entry may still point into a table until the invalidation,
 * so freeing first would let a GPU access read reused memory. The MMU
 * only invalidates; releasing is the driver's part, as io-pgtable leaves
 * it to its caller.
 */
#include <errno.h>
#include <stdlib.h>

#include "drv/drv_internal.h"

static int vm_init(struct drv_vm *vm, struct gpuvm_drv_device *dev)
{
	uint64_t full = 1ull << dev->cfg.va_bits;
	struct gpuvm_va_space_cfg vc = {
		.start = 0, .range = full,
		.reserved_start = vm->user_va,
		.reserved_range = full - vm->user_va,
		.max_mappings = dev->cfg.max_mappings_per_vm,
	};
	struct gpuvm_pt_cfg pc = {
		.mem = dev->mem, .va_bits = dev->cfg.va_bits,
		.pgsizes = dev->cfg.pgsizes,
	};
	struct gpuvm_mmu_as_cfg ac = {
		.mem = dev->mem, .va_bits = dev->cfg.va_bits,
		.tlb_entries = dev->cfg.tlb_entries,
		.checked = !dev->cfg.unchecked,
		.concurrent = true,
	};
	int ret = gpuvm_va_space_create(&vc, &vm->va);

	if (!ret) {
		/* Its keys are struct drv_bo pointers: never print them. */
		gpuvm_va_space_set_bo_namer(vm->va, drv_va_bo_namer, NULL);
		ret = gpuvm_pt_create(&pc, &vm->pt);
	}
	if (!ret) {
		ac.root = gpuvm_pt_root(vm->pt);
		ret = gpuvm_mmu_as_create(&ac, &vm->as);
	}
	return ret;
}

/* Everything but the mappings' references, which only a live VM has. */
static void vm_release(struct drv_vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->n_evicted; i++)
		drv_bo_put(vm->evicted[i]);
	free(vm->evicted);
	gpuvm_mmu_as_destroy(vm->as);
	drv_grow_free(vm->grow);
	if (vm->pt)
		gpuvm_pt_destroy(vm->pt);
	gpuvm_va_space_destroy(vm->va);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

int drv_vm_new(struct gpuvm_drv_device *dev, uint64_t user_va,
	       struct drv_vm **out)
{
	struct drv_vm *vm = calloc(1, sizeof(*vm));
	int ret;

	if (!vm)
		return -ENOMEM;
	pthread_mutex_init(&vm->lock, NULL);
	vm->user_va = user_va;
	ret = vm_init(vm, dev);
	if (ret) {
		vm_release(vm);
		return ret;
	}
	vm->serial = dev->next_serial++;
	*out = vm;
	return 0;
}

void drv_vm_free(const struct drv_excl *x, struct drv_vm *vm)
{
	struct gpuvm_va *va;

	(void)x;
	gpuvm_va_for_each_in(va, vm->va, 0, vm->user_va)
		if (va->kind != GPUVM_VA_SPARSE)
			drv_bo_put(drv_bo_of(va));
	if (vm->file && vm->id)
		__atomic_store_n(&vm->file->vms[vm->id], NULL,
				 __ATOMIC_RELEASE);
	vm_release(vm);
}

void drv_vm_flush(struct drv_vm *vm, struct gpuvm_pt_gather *gather)
{
	gpuvm_pt_prune(vm->pt, gather);
	if (!gpuvm_pt_gather_empty(gather)) {
		vm->tlb_invalidations++;
		gpuvm_mmu_invalidate(vm->as, gather->start,
				     gather->end - gather->start);
	}
	gpuvm_pt_gather_release(vm->pt, gather);
}

/*
 * Mapping slots an op may still take: max_mappings_per_vm less the live
 * mappings and the slots queued ops hold. UINT64_MAX without a limit.
 */
uint64_t drv_slots_free(const struct drv_vm *vm)
{
	uint64_t limit = vm->file->dev->cfg.max_mappings_per_vm;
	uint64_t taken = gpuvm_va_space_count(vm->va) + vm->slots_held;

	if (!limit)
		return UINT64_MAX;
	return taken < limit ? limit - taken : 0;
}
