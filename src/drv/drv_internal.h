/* SPDX-License-Identifier: MIT */
/* Internal structures of the driver layer, shared by its files. */
#ifndef GPUVM_DRV_INTERNAL_H
#define GPUVM_DRV_INTERNAL_H

#include "gpuvm/drv.h"
#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"
#include "gpuvm/va.h"

/*
 * A BO. Alive while its handle is open or any mapping uses it: refs
 * counts both, the way a GEM object is held by its handle and its VAs.
 */
struct drv_bo {
	struct gpuvm_drv_file *file;
	struct gpuvm_mem_bo *mem;
	uint64_t size;
	uint32_t handle;          /* 0 once closed, and for the dummy */
	uint64_t exclusive;       /* serial of the VM it is private to, or 0 */
	uint64_t refs;
};

struct drv_vm {
	struct gpuvm_drv_file *file;
	uint32_t id;
	uint64_t serial;          /* unique per device, never reused */
	uint64_t user_va;
	enum gpuvm_drv_vm_state state;
	struct gpuvm_va_space *va;
	struct gpuvm_pt *pt;
	struct gpuvm_mmu_as *as;
	uint64_t tlb_invalidations;
};

struct gpuvm_drv_file {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *prev, *next;   /* the device's open files */
	struct drv_vm *vms[GPUVM_DRV_MAX_VMS_PER_FILE + 1]; /* by id */
	struct drv_bo **bos;                  /* by handle - 1 */
	uint32_t nbos, bos_cap;
	struct drv_bo *dummy;                 /* sparse backing, lazily made */
};

struct gpuvm_drv_device {
	struct gpuvm_drv_device_cfg cfg;
	struct gpuvm_mem *mem;
	struct gpuvm_drv_file *files;
	uint64_t next_serial;
};

#define DRV_DUMMY_SIZE GPUVM_SZ_2M

/* device.c */
struct drv_bo *drv_bo_lookup(struct gpuvm_drv_file *file, uint32_t handle);
int drv_bo_new(struct gpuvm_drv_file *file, uint64_t size,
	       unsigned int chunks, struct drv_bo **out);
void drv_bo_get(struct drv_bo *bo);
void drv_bo_put(struct drv_bo *bo);
int drv_dummy_get(struct gpuvm_drv_file *file, struct drv_bo **out);

/* vm.c */
struct drv_vm *drv_vm_lookup(struct gpuvm_drv_file *file, uint32_t id);
void drv_vm_free(struct drv_vm *vm);

/*
 * The page-table source of a mapping and its attributes: what the driver
 * writes for it, and what check compares the tables against.
 */
struct drv_src {
	struct gpuvm_pt_src src;
	const struct gpuvm_va *va;
	struct gpuvm_mem_bo *mem;   /* BO or dummy backing; NULL for NULL */
};
uint32_t drv_src_init(struct drv_src *s, struct drv_vm *vm,
		      const struct gpuvm_va *va);

static inline struct drv_bo *drv_bo_of(const struct gpuvm_va *va)
{
	return (struct drv_bo *)(uintptr_t)va->bo;
}

#endif
