/* SPDX-License-Identifier: MIT */
/* Internal structures of the driver layer, shared by its files. */
#ifndef GPUVM_DRV_INTERNAL_H
#define GPUVM_DRV_INTERNAL_H

#include <pthread.h>

#include "gpuvm/drv.h"
#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"
#include "gpuvm/va.h"

#define DRV_DUMMY_SIZE GPUVM_SZ_2M
#define DRV_PROT_VARIANTS 8  /* readonly x noexec x uncached */

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
	unsigned int chunks;      /* backing layout, kept across eviction */
	bool evicted;             /* mem is NULL, contents are in swap */
	struct drv_swap *swap;
	uint32_t pins;            /* the shrinker skips pinned BOs */
	bool user_pinned;
	struct drv_bo *lru_prev, *lru_next; /* device LRU, oldest first */
};

struct drv_vm {
	struct gpuvm_drv_file *file;
	pthread_mutex_t lock;     /* binds and inspection of this VM */
	uint32_t id;
	uint64_t serial;          /* unique per device, never reused */
	uint64_t user_va;
	enum gpuvm_drv_vm_state state;
	struct gpuvm_va_space *va;
	struct gpuvm_pt *pt;
	struct gpuvm_mmu_as *as;
	uint64_t tlb_invalidations;
	/* BOs (the dummy included) with evicted VAs here; each holds a ref. */
	struct drv_bo **evicted;
	uint32_t n_evicted, cap_evicted;
	/* The bind queue, oldest first. */
	struct drv_job *queue_head, *queue_tail;
	uint32_t queued;
};

/*
 * One queued asynchronous bind op: checked, its target BO pinned and
 * referenced, its page tables reserved for the worst case.
 */
struct drv_job {
	struct drv_job *next;
	struct gpuvm_drv_bind_op op;     /* syncs points at the copy below */
	struct gpuvm_va req;             /* MAP: the VA request */
	struct drv_bo *target;           /* MAP: pinned, one ref */
	bool restored;                   /* target brought back for it */
	int32_t hold;                    /* sparse MAP: protection held, or -1 */
	struct gpuvm_pt_resv resv;
	struct gpuvm_drv_sync *syncs;
};

struct drv_timeline {
	uint32_t id;
	uint64_t point;
};

struct gpuvm_drv_file {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *prev, *next;   /* the device's open files */
	struct drv_vm *vms[GPUVM_DRV_MAX_VMS_PER_FILE + 1]; /* by id */
	struct drv_bo **bos;                  /* by handle - 1 */
	uint32_t nbos, bos_cap;
	struct drv_bo *dummy;                 /* sparse backing, lazily made */
	/* Shared tables of the dummy, per protection (sparse.c). */
	struct gpuvm_pt_shared *sparse_tables[DRV_PROT_VARIANTS];
	uint32_t sparse_prots;                /* protections ever used */
	/* Queued sparse MAPs per protection: their sets must stay. */
	uint32_t sparse_holds[DRV_PROT_VARIANTS];
};

/*
 * Locking (api.c): rw is taken shared by per-VM work (binds, accesses,
 * inspection), each VM's lock serialising work on that VM, and
 * exclusively by everything that reaches across VMs (eviction, restore,
 * queues, object creation and destruction). alloc guards what shared
 * work on different VMs touches in common: BO references, pins, the LRU
 * and the budget charges.
 */
struct gpuvm_drv_device {
	pthread_rwlock_t rw;
	pthread_mutex_t alloc;
	uint64_t charged;                     /* frames claimed, not yet taken */
	struct gpuvm_drv_device_cfg cfg;
	struct gpuvm_mem *mem;
	struct gpuvm_drv_file *files;
	uint64_t next_serial;
	uint64_t budget;                      /* bytes */
	struct drv_bo *lru_head, *lru_tail;
	struct drv_timeline *timelines;
	uint32_t n_timelines, cap_timelines;
	/* NULL-capability shared tables: no data, so one set per device. */
	struct gpuvm_pt_shared *null_tables[DRV_PROT_VARIANTS];
	uint32_t null_holds[DRV_PROT_VARIANTS];  /* queued NULL sparse MAPs */
};


/* device.c */
struct drv_bo *drv_bo_lookup(struct gpuvm_drv_file *file, uint32_t handle);
int drv_bo_new(struct gpuvm_drv_file *file, uint64_t size,
	       unsigned int chunks, struct drv_bo **out);
void drv_bo_get(struct drv_bo *bo);
void drv_bo_pin_get(struct drv_bo *bo);
void drv_bo_pin_put(struct drv_bo *bo);
void drv_bo_put(struct drv_bo *bo);
int drv_dummy_get(struct gpuvm_drv_file *file, struct drv_bo **out);

struct drv_job;
struct drv_swap;

/* swap.c */
int drv_swap_out(const struct gpuvm_mem_bo *mem, uint64_t size,
		 struct drv_swap **out);
void drv_swap_in(const struct drv_swap *sw, struct gpuvm_mem_bo *mem);
void drv_swap_read(const struct drv_swap *sw, uint64_t offset, void *buf,
		   uint64_t len);
int drv_swap_write(struct drv_swap *sw, uint64_t offset, const void *buf,
		   uint64_t len);
void drv_swap_free(struct drv_swap *sw);

/* vm.c */
struct drv_vm *drv_vm_lookup(struct gpuvm_drv_file *file, uint32_t id);
void drv_vm_free(struct drv_vm *vm);
/* Prunes, invalidates the VM's TLB over the gather, frees tables. */
void drv_vm_flush(struct drv_vm *vm, struct gpuvm_pt_gather *gather);
/* The steps of a bind op, shared by the synchronous and queued paths. */
int drv_check_op(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op,
		 struct gpuvm_va *req);
struct drv_bo *drv_op_target(struct drv_vm *vm, const struct gpuvm_va *req,
			     uint32_t type, uint64_t *extra);
int drv_target_get(struct drv_vm *vm, const struct gpuvm_va *req,
		   uint32_t type, struct drv_bo **out, bool *restored);
int drv_prepare_op(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op,
		   const struct gpuvm_va *req, struct gpuvm_va_ops **ops);
int drv_count_ops(struct drv_vm *vm, const struct gpuvm_va_ops *ops,
		  struct gpuvm_pt_resv *resv);
void drv_apply_and_commit(struct drv_vm *vm, struct gpuvm_va_ops *ops,
			  struct gpuvm_pt_resv *resv);
int drv_bind_op(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op);
int drv_bind_fast(struct drv_vm *vm, const struct gpuvm_drv_bind_op *op);
/* Undoes the lazy creation of the file's dummy after a failed op. */
void drv_drop_new_dummy(struct gpuvm_drv_file *file, bool had_dummy);

/*
 * The implementations behind the public entry points of api.c, which
 * takes the locks they assume.
 */
int drv_impl_file_open(struct gpuvm_drv_device *dev,
		       struct gpuvm_drv_file **out);
void drv_impl_file_close(struct gpuvm_drv_file *file);
int drv_impl_vm_create(struct gpuvm_drv_file *file, uint64_t user_va,
		       uint32_t *id);
int drv_impl_vm_destroy(struct gpuvm_drv_file *file, uint32_t id);
int drv_impl_vm_get_state(struct gpuvm_drv_file *file, uint32_t id,
			  enum gpuvm_drv_vm_state *state);
int drv_impl_bo_create(struct gpuvm_drv_file *file, uint64_t size,
		       uint32_t exclusive_vm, unsigned int chunks,
		       uint32_t *handle);
int drv_impl_bo_close(struct gpuvm_drv_file *file, uint32_t handle);
int drv_impl_bo_runs(struct gpuvm_drv_file *file, uint32_t handle,
		     struct gpuvm_mem_run *runs, unsigned int cap,
		     unsigned int *count);
int drv_impl_bo_read(struct gpuvm_drv_file *file, uint32_t handle,
		     uint64_t offset, void *buf, uint64_t len);
int drv_impl_bo_write(struct gpuvm_drv_file *file, uint32_t handle,
		      uint64_t offset, const void *buf, uint64_t len);
int drv_impl_gpu_access(struct gpuvm_drv_file *file, uint32_t vm_id,
			enum gpuvm_mmu_access access, uint64_t va, void *buf,
			size_t len, struct gpuvm_mmu_fault *fault);
int drv_impl_vm_lookup(struct gpuvm_drv_file *file, uint32_t vm_id,
		       uint64_t va, struct gpuvm_drv_lookup *out);
int drv_impl_vm_stats(struct gpuvm_drv_file *file, uint32_t vm_id,
		      struct gpuvm_drv_vm_stats *st);
int drv_impl_vm_for_each_mapping(struct gpuvm_drv_file *file,
				 uint32_t vm_id, uint64_t start, uint64_t end,
				 gpuvm_drv_mapping_fn fn, void *cookie);
int drv_impl_vm_check(struct gpuvm_drv_file *file, uint32_t vm_id,
		      FILE *err);
int drv_impl_vm_dump(struct gpuvm_drv_file *file, uint32_t vm_id, FILE *f);
int drv_impl_vm_fail_nth_alloc(struct gpuvm_drv_file *file, uint32_t vm_id,
			       uint64_t nth);
int drv_impl_device_set_budget(struct gpuvm_drv_device *dev, uint64_t bytes);
int drv_impl_reclaim(struct gpuvm_drv_device *dev, uint64_t bytes,
		     uint64_t *freed);
int drv_impl_bo_evict(struct gpuvm_drv_file *file, uint32_t handle);
int drv_impl_dummy_evict(struct gpuvm_drv_file *file);
int drv_impl_bo_resident(struct gpuvm_drv_file *file, uint32_t handle,
			 bool *resident);
int drv_impl_bo_pin(struct gpuvm_drv_file *file, uint32_t handle, bool pin);
int drv_impl_vm_validate(struct gpuvm_drv_file *file, uint32_t vm_id);
int drv_impl_timeline_signal(struct gpuvm_drv_device *dev, uint32_t timeline,
			     uint64_t point);
int drv_impl_timeline_point(struct gpuvm_drv_device *dev, uint32_t timeline,
			    uint64_t *point);
int drv_impl_run(struct gpuvm_drv_device *dev, uint32_t *executed);
int drv_impl_wait(struct gpuvm_drv_device *dev, uint32_t timeline,
		  uint64_t point);
int drv_impl_vm_queued(struct gpuvm_drv_file *file, uint32_t vm_id,
		       uint32_t *jobs);

/* async.c */
int drv_bind_async(struct drv_vm *vm, const struct gpuvm_drv_bind_op *ops,
		   uint32_t count, uint32_t *failed);
void drv_vm_cancel_jobs(struct drv_vm *vm);
void drv_timelines_free(struct gpuvm_drv_device *dev);

/* evict.c */
extern void *const drv_va_evicted;   /* VA priv of an evicted mapping */
void drv_lru_add(struct gpuvm_drv_device *dev, struct drv_bo *bo);
void drv_lru_del(struct gpuvm_drv_device *dev, struct drv_bo *bo);
void drv_bo_touch(struct drv_bo *bo);
bool drv_fits(struct gpuvm_drv_device *dev, uint64_t frames);
bool drv_charge(struct gpuvm_drv_device *dev, uint64_t frames);
void drv_uncharge(struct gpuvm_drv_device *dev, uint64_t frames);
int drv_make_room(struct gpuvm_drv_device *dev, uint64_t frames);
int drv_bo_evict(struct drv_bo *bo);
int drv_bo_make_resident(struct drv_bo *bo);
int drv_bo_restore(struct drv_bo *bo, bool *restored);
void drv_bo_restore_done(struct drv_bo *bo);
void drv_bo_restore_undo(struct drv_bo *bo);
uint64_t drv_va_key(const struct drv_bo *bo);
int drv_reserve_room(struct drv_vm *vm,
		     int (*count)(struct drv_vm *, struct drv_bo *,
				  struct gpuvm_pt_resv *),
		     struct drv_bo *bo, struct gpuvm_pt_resv *resv);

/*
 * The page-table source of a mapping and its attributes: what the driver
 * writes for it, and what check compares the tables against.
 */
struct drv_src {
	struct gpuvm_pt_src src;
	const struct gpuvm_va *va;
	struct gpuvm_mem_bo *mem;   /* BO or dummy backing; NULL for NULL */
};
uint32_t drv_src_init(struct drv_src *s, struct gpuvm_drv_file *file,
		      const struct gpuvm_va *va);
uint32_t drv_prot_of(uint32_t flags);

/* sparse.c */
const struct gpuvm_pt_shared *drv_sparse_tables(struct gpuvm_drv_file *file,
						uint32_t prot);
uint64_t drv_sparse_tables_need(struct gpuvm_drv_file *file, uint32_t prot,
				uint64_t addr, uint64_t range);
int drv_sparse_tables_get(struct gpuvm_drv_file *file, uint32_t prot,
			  uint64_t addr, uint64_t range);
void drv_sparse_tables_trim(struct gpuvm_drv_file *file);
void drv_sparse_tables_hold(struct gpuvm_drv_file *file, uint32_t prot,
			    bool hold);
bool drv_sparse_tables_idle(struct gpuvm_drv_file *file);
void drv_sparse_tables_rebuild(struct gpuvm_drv_file *file);
void drv_sparse_tables_drop(struct gpuvm_drv_file *file);
void drv_null_tables_drop(struct gpuvm_drv_device *dev);
uint64_t drv_sparse_tables_pages(struct gpuvm_drv_file *file);

/* Counting stops past the budget: nothing bigger could be had anyway. */
static inline void drv_resv_limit(const struct gpuvm_drv_device *dev,
				  struct gpuvm_pt_resv *r)
{
	r->limit = dev->budget / GPUVM_SZ_4K;
}

static inline struct drv_bo *drv_bo_of(const struct gpuvm_va *va)
{
	return (struct drv_bo *)(uintptr_t)va->bo;
}

#endif
