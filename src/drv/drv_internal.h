/* SPDX-License-Identifier: MIT */
/*
 * DOC: the driver's internals, file by file
 *
 * The sections below follow the files of src/drv/ in dependency order: a
 * file uses only the sections above its own.
 *
 *   swap.c      simulated swap of evicted BOs
 *   timeline.c  the device's timelines (what syncobjs wait on)
 *   budget.c    the device budget: what fits, what binds claim
 *   bo.c        BOs: references, pins, the LRU, handles, CPU access
 *   src.c       what a mapping puts in the page tables
 *   sparse.c    shared sparse tables
 *   vm.c        VM objects, their flush (prune, invalidate, release)
 *   evict.c     the shrinker, eviction, restore, validate
 *   check.c     lookup, stats, check, dump
 *   bind.c      one bind op from request to cleanup (struct drv_op)
 *   async.c     queued binds: submission and running
 *   device.c    device, files, VM and BO creation and destruction
 *   api.c       the public entry points and every lock they take
 *
 * DOC: locks in signatures
 *
 * api.c takes every driver lock; nothing below it locks the device or a
 * VM (only the short-lived allocation mutex inside budget.c and bo.c, and
 * the MMU's own lock). What a function may assume is in its parameters:
 *
 *  - `const struct drv_excl *x`: the device lock is held exclusively.
 *    Only api.c makes one (dev_lock_x()), so a function that takes it can
 *    only be reached with the lock held. Whatever reaches across VMs or
 *    changes what others look up needs it: eviction, restore, creating
 *    the dummy or shared tables, destroying objects, the queues.
 *  - `struct drv_vm *vm` (without x): the device lock is held shared and
 *    the VM's own mutex is held (api.c's vm_lock()), or the device lock
 *    is held exclusively. Binds and inspection of one VM.
 *  - `struct gpuvm_drv_file *` or a BO, without either: the device lock
 *    is held shared at least; what the function touches in common with
 *    other VMs goes through the allocation mutex (refs, pins, LRU,
 *    budget charges).
 */
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

struct drv_op;
struct drv_swap;

/* Proof that the device lock is held exclusively (see above). */
struct drv_excl {
	struct gpuvm_drv_device *dev;
};

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
	/* The bind queue (bind.c), oldest first. */
	struct drv_op *queue_head, *queue_tail;
	uint32_t queued;
	/*
	 * Mapping slots the queued ops hold: the most mappings they can
	 * still add. The VA space's count plus these never passes
	 * max_mappings_per_vm, so a queued op cannot meet the limit when it
	 * runs.
	 */
	uint64_t slots_held;
	struct drv_grow *grow;    /* grow.c; NULL without a region */
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
 * rw is the device lock (api.c): shared for per-VM work, exclusive for
 * what reaches across VMs. alloc guards what shared work on different
 * VMs touches in common: BO references, pins, the LRU and the budget
 * charges.
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

/* ------------------------------------------------------------------ */
/* swap.c                                                              */

int drv_swap_out(const struct gpuvm_mem_bo *mem, uint64_t size,
		 struct drv_swap **out);
void drv_swap_in(const struct drv_swap *sw, struct gpuvm_mem_bo *mem);
void drv_swap_read(const struct drv_swap *sw, uint64_t offset, void *buf,
		   uint64_t len);
int drv_swap_write(struct drv_swap *sw, uint64_t offset, const void *buf,
		   uint64_t len);
void drv_swap_free(struct drv_swap *sw);

/* ------------------------------------------------------------------ */
/* timeline.c                                                          */

struct drv_timeline *drv_timeline_find(struct gpuvm_drv_device *dev,
				       uint32_t id);
int drv_timeline_get(const struct drv_excl *x, uint32_t id,
		     struct drv_timeline **out);
void drv_timeline_raise(struct drv_timeline *t, uint64_t point);
void drv_timelines_free(const struct drv_excl *x);
int drv_impl_timeline_signal(const struct drv_excl *x, uint32_t timeline,
			     uint64_t point);
int drv_impl_timeline_point(struct gpuvm_drv_device *dev, uint32_t timeline,
			    uint64_t *point);

/* ------------------------------------------------------------------ */
/* budget.c                                                            */

uint64_t drv_frames_used(struct gpuvm_drv_device *dev);
bool drv_fits(struct gpuvm_drv_device *dev, uint64_t frames);
bool drv_charge(struct gpuvm_drv_device *dev, uint64_t frames);
void drv_uncharge(struct gpuvm_drv_device *dev, uint64_t frames);
int drv_impl_device_set_budget(const struct drv_excl *x, uint64_t bytes);

/* Counting stops past the budget: nothing bigger could be had anyway. */
static inline void drv_resv_limit(const struct gpuvm_drv_device *dev,
				  struct gpuvm_pt_resv *r)
{
	r->limit = dev->budget / GPUVM_SZ_4K;
}

/* ------------------------------------------------------------------ */
/* bo.c                                                                */

struct drv_bo *drv_bo_lookup(struct gpuvm_drv_file *file, uint32_t handle);
/* A BO of the file without a handle; the caller made room for it. */
int drv_bo_new(struct gpuvm_drv_file *file, uint64_t size,
	       unsigned int chunks, struct drv_bo **out);
void drv_bo_get(struct drv_bo *bo);
void drv_bo_put(struct drv_bo *bo);
void drv_bo_pin_get(struct drv_bo *bo);
void drv_bo_pin_put(struct drv_bo *bo);
void drv_bo_touch(struct drv_bo *bo);
int drv_bo_add_handle(struct gpuvm_drv_file *file, struct drv_bo *bo);
/* Its handle (or name(), or "closed"): never the host address. */
void drv_bo_print(FILE *f, const struct drv_bo *bo, gpuvm_drv_bo_name_fn name,
		  void *cookie);
/* Names a VA key (a struct drv_bo *) in the VA layer's messages. */
void drv_va_bo_namer(FILE *f, uint64_t key, void *cookie);
int drv_impl_bo_read(struct gpuvm_drv_file *file, uint32_t handle,
		     uint64_t offset, void *buf, uint64_t len);
int drv_impl_bo_write(struct gpuvm_drv_file *file, uint32_t handle,
		      uint64_t offset, const void *buf, uint64_t len);

static inline struct drv_bo *drv_bo_of(const struct gpuvm_va *va)
{
	return (struct drv_bo *)(uintptr_t)va->bo;
}

/* The VA-manager key of bo's mappings: the dummy backs the sparse ones. */
static inline uint64_t drv_va_key(const struct drv_bo *bo)
{
	return bo == bo->file->dummy ? 0 : (uint64_t)(uintptr_t)bo;
}

/* ------------------------------------------------------------------ */
/* src.c                                                               */

/*
 * The page-table source of a mapping and its attributes: what the driver
 * writes for it, and what check compares the tables against. A mapping
 * whose backing is not resident gets an estimating source, only ever
 * counted with, never written.
 */
struct drv_src {
	struct gpuvm_pt_src src;
	const struct gpuvm_va *va;
	struct gpuvm_mem_bo *mem;   /* BO or dummy backing; NULL for NULL */
};
uint32_t drv_src_init(struct drv_src *s, struct gpuvm_drv_file *file,
		      const struct gpuvm_va *va);
uint32_t drv_prot_of(uint32_t flags);

/* ------------------------------------------------------------------ */
/* sparse.c                                                            */

const struct gpuvm_pt_shared *drv_sparse_tables(struct gpuvm_drv_file *file,
						uint32_t prot);
uint64_t drv_sparse_tables_need(struct gpuvm_drv_file *file, uint32_t prot,
				uint64_t addr, uint64_t range);
int drv_sparse_tables_get(const struct drv_excl *x,
			  struct gpuvm_drv_file *file, uint32_t prot,
			  uint64_t addr, uint64_t range);
void drv_sparse_tables_trim(const struct drv_excl *x,
			    struct gpuvm_drv_file *file);
void drv_sparse_tables_hold(const struct drv_excl *x,
			    struct gpuvm_drv_file *file, uint32_t prot,
			    bool hold);
bool drv_sparse_tables_idle(struct gpuvm_drv_file *file);
void drv_sparse_tables_rebuild(const struct drv_excl *x,
			       struct gpuvm_drv_file *file);
void drv_sparse_tables_drop(const struct drv_excl *x,
			    struct gpuvm_drv_file *file);
void drv_null_tables_drop(const struct drv_excl *x);
uint64_t drv_sparse_tables_pages(struct gpuvm_drv_file *file);

/* ------------------------------------------------------------------ */
/* grow.c                                                              */

struct drv_grow;
int drv_impl_vm_set_grow(const struct drv_excl *x, struct drv_vm *vm,
			 const struct gpuvm_drv_grow *cfg);
uint64_t drv_grow_chunks(const struct drv_vm *vm);
void drv_grow_free(struct drv_grow *g);

/* ------------------------------------------------------------------ */
/* vm.c                                                                */

/* Atomic: GPU accesses look VMs up without the device lock (api.c). */
static inline struct drv_vm *drv_vm_lookup(struct gpuvm_drv_file *file,
					   uint32_t id)
{
	if (!id || id > GPUVM_DRV_MAX_VMS_PER_FILE)
		return NULL;
	return __atomic_load_n(&file->vms[id], __ATOMIC_ACQUIRE);
}
int drv_vm_new(struct gpuvm_drv_device *dev, uint64_t user_va,
	       struct drv_vm **out);
/* Drops the mappings' BO references and frees the VM; queue empty. */
void drv_vm_free(const struct drv_excl *x, struct drv_vm *vm);
/*
 * The end of every page-table change: prunes the tables it emptied,
 * invalidates the VM's TLB over everything it changed, and only then
 * releases those tables (io-pgtable leaves the same to its caller).
 */
void drv_vm_flush(struct drv_vm *vm, struct gpuvm_pt_gather *gather);
/* Mapping slots the limit still allows, queued ops' slots taken. */
uint64_t drv_slots_free(const struct drv_vm *vm);

/* ------------------------------------------------------------------ */
/* evict.c                                                             */

extern void *const drv_va_evicted;   /* VA priv of an evicted mapping */
int drv_make_room(const struct drv_excl *x, uint64_t frames);
int drv_bo_evict(const struct drv_excl *x, struct drv_bo *bo);
int drv_bo_restore(const struct drv_excl *x, struct drv_bo *bo,
		   bool *restored);
void drv_bo_restore_done(struct drv_bo *bo);
void drv_bo_restore_undo(const struct drv_excl *x, struct drv_bo *bo);
int drv_bo_make_resident(const struct drv_excl *x, struct drv_bo *bo);
int drv_impl_reclaim(const struct drv_excl *x, uint64_t bytes,
		     uint64_t *freed);
int drv_impl_bo_evict(const struct drv_excl *x, struct gpuvm_drv_file *file,
		      uint32_t handle);
int drv_impl_dummy_evict(const struct drv_excl *x,
			 struct gpuvm_drv_file *file);
int drv_impl_bo_resident(struct gpuvm_drv_file *file, uint32_t handle,
			 bool *resident);
int drv_impl_bo_pin(const struct drv_excl *x, struct gpuvm_drv_file *file,
		    uint32_t handle, bool pin);
int drv_impl_vm_validate(const struct drv_excl *x, struct drv_vm *vm);

/* ------------------------------------------------------------------ */
/* check.c: the VM is locked (see above)                               */

int drv_impl_vm_lookup(struct drv_vm *vm, uint64_t va,
		       struct gpuvm_drv_lookup *out);
int drv_impl_vm_stats(struct drv_vm *vm, struct gpuvm_drv_vm_stats *st);
int drv_impl_vm_for_each_mapping(struct drv_vm *vm, uint64_t start,
				 uint64_t end, gpuvm_drv_mapping_fn fn,
				 void *cookie);
int drv_impl_vm_check(struct drv_vm *vm, FILE *err);
int drv_impl_vm_dump(struct drv_vm *vm, FILE *f, gpuvm_drv_bo_name_fn name,
		     void *cookie);
int drv_impl_vm_fail_nth_alloc(struct drv_vm *vm, uint64_t nth);

/* ------------------------------------------------------------------ */
/* bind.c                                                              */

/*
 * One bind op from request to cleanup, as panthor's panthor_vm_op_ctx:
 * every step records what it did here, and drv_op_finish() is the one
 * place that undoes it (on failure) or completes it (on success).
 *
 *   check   the uAPI rules; a MAP's request and its BO (referenced)
 *   target  what the MAP puts in the tables: the BO, the file's dummy or
 *           NULL entries; pinned; the frames it still needs (extra)
 *   admit   room in the budget for the op's tables and its target, and
 *           the target made present (dummy, shared tables, restore)
 *   reserve the page tables, exactly (or for the worst case, queued)
 *   apply   tables, VA space, references; cannot fail
 *   finish  undo or complete; always runs, once
 *
 * The synchronous path runs them all under one lock; the fast path runs
 * them under the VM's lock and gives up (-EAGAIN) at the first step that
 * needs the device alone; queued ops run check..reserve at submission
 * and apply when their waits are met.
 */
struct drv_op {
	struct drv_vm *vm;
	uint64_t vm_serial;               /* to find the VM again (resume) */
	struct gpuvm_drv_bind_op op;      /* the request */
	uint32_t type;                    /* GPUVM_DRV_OP_TYPE_* */
	struct gpuvm_drv_sync *syncs;     /* queued: own copy of op.syncs */
	struct gpuvm_va req;              /* MAP: the VA request */
	struct drv_bo *bo;                /* MAP of a BO: referenced (check) */
	/* target */
	struct drv_bo *target;            /* pinned; the dummy is referenced */
	uint64_t extra;                   /* frames the target still needs */
	bool made_dummy;                  /* admit created the file's dummy */
	bool restored;                    /* admit brought the target back */
	bool recount;                     /* counted before the target was */
	int32_t hold;                     /* queued sparse MAP: prot held, -1 */
	/* admit, reserve */
	struct gpuvm_va_ops *ops;
	struct gpuvm_pt_resv resv;
	uint64_t charged;                 /* fast path: frames claimed */
	uint32_t slots;                   /* queued: mapping slots held */
	bool queued;
	struct drv_op *next;              /* the VM's bind queue */
};

int drv_op_check(struct drv_op *o, struct drv_vm *vm,
		 const struct gpuvm_drv_bind_op *op, bool queued);
void drv_op_target(struct drv_op *o);
int drv_op_admit(const struct drv_excl *x, struct drv_op *o);
int drv_op_reserve(struct drv_op *o);
void drv_op_apply(struct drv_op *o);
void drv_op_finish(const struct drv_excl *x, struct drv_op *o, int ret);

/* Synchronous ops: the fast path (VM locked) and the full one. */
int drv_bind_fast(struct drv_op *o);
void drv_op_park(struct drv_op *o);
int drv_op_resume(const struct drv_excl *x, struct drv_op *o,
		  struct gpuvm_drv_file *file, uint32_t vm_id);
int drv_bind_full(const struct drv_excl *x, struct drv_op *o);

/* Queued ops: the worst case at submission, the real list when run. */
int drv_op_count_worst(struct drv_op *o);
void drv_op_release_count(struct drv_op *o);
int drv_op_admit_queued(const struct drv_excl *x, struct drv_op *o);
int drv_op_reserve_worst(const struct drv_excl *x, struct drv_op *o);
void drv_op_keep(struct drv_op *o);
int drv_op_run(struct drv_op *o);

/* The bind queue. */
void drv_op_enqueue(struct drv_op *o);
struct drv_op *drv_op_dequeue(struct drv_vm *vm);
void drv_op_signal(const struct drv_excl *x, const struct drv_op *o);
/* A destroyed VM's queued ops never run; their signals still fire. */
void drv_vm_cancel_queue(const struct drv_excl *x, struct drv_vm *vm);

/* ------------------------------------------------------------------ */
/* async.c                                                             */

int drv_bind_async(const struct drv_excl *x, struct drv_vm *vm,
		   const struct gpuvm_drv_bind_op *ops, uint32_t count,
		   uint32_t *failed);
int drv_impl_run(const struct drv_excl *x, uint32_t *executed);
int drv_impl_wait(const struct drv_excl *x, uint32_t timeline,
		  uint64_t point);
int drv_impl_vm_queued(struct drv_vm *vm, uint32_t *jobs);

/* ------------------------------------------------------------------ */
/* device.c                                                            */

int drv_impl_file_open(const struct drv_excl *x, struct gpuvm_drv_file **out);
void drv_impl_file_close(const struct drv_excl *x,
			 struct gpuvm_drv_file *file);
int drv_impl_vm_create(const struct drv_excl *x, struct gpuvm_drv_file *file,
		       uint64_t user_va, uint32_t *id);
int drv_impl_vm_destroy(const struct drv_excl *x,
			struct gpuvm_drv_file *file, uint32_t id);
int drv_impl_bo_create(const struct drv_excl *x, struct gpuvm_drv_file *file,
		       uint64_t size, uint32_t exclusive_vm,
		       unsigned int chunks, uint32_t *handle);
int drv_impl_bo_close(const struct drv_excl *x, struct gpuvm_drv_file *file,
		      uint32_t handle);
/* The device lock shared: a resident BO's runs, for CPU mappings. */
int drv_impl_bo_runs(struct gpuvm_drv_file *file, uint32_t handle,
		     struct gpuvm_mem_run *runs, unsigned int cap,
		     unsigned int *count);

#endif
