/* SPDX-License-Identifier: MIT */
/*
 * The reference model of the differential fuzzer (tests/fuzz/).
 *
 * Deliberately simple: what docs/drv.md, include/gpuvm/drv.h and
 * docs/panthor.md §2-3 say a panthor-style driver does, written down page by
 * page. Per file and VM it holds an array indexed by VA page saying what
 * backs the page (nothing, a BO page, the sparse dummy or NULL) with its
 * permissions and whether it is evicted; BOs are byte arrays; each file
 * has a 2 MiB dummy content array. It knows nothing of mappings, splits,
 * page tables, TLBs or runs: if the driver's arithmetic is wrong anywhere,
 * some page or some byte disagrees.
 *
 * It calls no gpuvm function and includes no gpuvm header: its uAPI
 * constants are written down here from the reference, and driver.c
 * checks at compile time that drv.h agrees.
 *
 * What it tracks, per VM:
 *  - the window: M_WIN_PAGES pages from M_WIN_START (64 MiB around the
 *    1 GiB boundary, so 2 MiB blocks and two level-1 slots are in play);
 *  - M_FAR_SLOTS far slots of 1 GiB from M_FAR_START, each either empty
 *    or one whole sparse range (what links the shared sparse tables).
 * Nothing else is ever mapped. A valid op the model cannot track (a MAP
 * outside both, an UNMAP cutting a far slot in part) is refused by
 * model_op_tracked(); the engine never sends one. Invalid ops may be
 * anywhere: the model knows their errno from the rules alone.
 *
 * Every function returns what the driver must return (0 or -errno) and
 * applies the change the driver must make. Memory never runs out in the
 * model: the engine keeps the driver well inside its RAM.
 */
#ifndef GPUVM_FUZZ_MODEL_H
#define GPUVM_FUZZ_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define M_PAGE          4096ull
#define M_2M            (1ull << 21)
#define M_1G            (1ull << 30)
#define M_DUMMY_SIZE    M_2M

#define M_WIN_PAGES     16384u
#define M_WIN_START     (M_1G - 32ull * (1ull << 20))
#define M_WIN_END       (M_WIN_START + (uint64_t)M_WIN_PAGES * M_PAGE)
#define M_FAR_SLOTS     4u
#define M_FAR_START     (4 * M_1G)
#define M_FAR_END       (M_FAR_START + M_FAR_SLOTS * M_1G)

#define M_MAX_FILES     4u
#define M_MAX_VMS       32u     /* per file, ids 1..32 */
#define M_MAX_SYNCS     4u

/* uAPI (docs/panthor.md B1-B7, panthor 1.9, plus gpuvm's repeat). */
#define M_OP_READONLY   (1u << 0)
#define M_OP_NOEXEC     (1u << 1)
#define M_OP_UNCACHED   (1u << 2)
#define M_OP_SPARSE     (1u << 3)
#define M_OP_PROT       (M_OP_READONLY | M_OP_NOEXEC | M_OP_UNCACHED)
#define M_OP_MAP_FLAGS  (M_OP_PROT | M_OP_SPARSE)
#define M_OP_TYPE_MASK  (0xfu << 28)
#define M_OP_MAP        (0u << 28)
#define M_OP_UNMAP      (1u << 28)
#define M_OP_SYNC_ONLY  (2u << 28)
#define M_BIND_ASYNC    (1u << 0)
#define M_SYNC_WAIT     (0u << 31)
#define M_SYNC_SIGNAL   (1u << 31)

enum m_access { M_READ, M_WRITE, M_EXEC };

enum m_fault_kind {
	M_FAULT_NONE,
	M_FAULT_TRANSLATION,
	M_FAULT_PERMISSION,
	M_FAULT_ADDRESS_SIZE,
};

enum m_kind { M_NONE, M_SPARSE, M_BO };

struct m_cfg {
	bool sparse_null;        /* NULL leaves instead of the dummy */
	unsigned int va_bits;    /* 32..48 */
	uint64_t max_mappings;   /* per VM; 0: no limit */
	uint32_t max_bos;        /* handles per file; 0: no limit */
};

struct m_sync {
	uint32_t flags;
	uint32_t timeline;
	uint64_t point;
};

/* A bind op as the uAPI has it; syncs_null: n_syncs with no array. */
struct m_op {
	uint32_t flags;
	uint32_t bo_handle;
	uint64_t bo_offset, va, size, repeat;
	uint32_t n_syncs;
	bool syncs_null;
	struct m_sync syncs[M_MAX_SYNCS];
};

/* What one VA page holds. bo is the BO's handle (its id in the model,
 * kept after the handle is closed); bo_page the BO page it maps. */
struct m_page {
	uint8_t kind;
	uint8_t flags;      /* M_OP_PROT bits */
	uint8_t evicted;
	uint8_t pad;
	uint32_t bo;
	uint32_t bo_page;
	uint32_t map_id;    /* the MAP that wrote it: mapping counts */
};

struct m_far {
	bool mapped;        /* a whole-slot sparse range */
	bool evicted;
	uint8_t flags;
};

struct m_job {
	struct m_op op;
	uint32_t target;    /* BO id, M_TARGET_DUMMY or 0: what it pins */
};

#define M_TARGET_DUMMY  UINT32_MAX

struct m_vm {
	bool live;
	uint64_t serial;    /* never reused: exclusive BOs name it */
	uint64_t user_va;
	bool unusable;
	struct m_page *pages;
	struct m_far far[M_FAR_SLOTS];
	/* BOs with evicted VAs here, which validate brings back (the dummy
	 * as M_TARGET_DUMMY). */
	uint32_t *evl;
	uint32_t n_evl, cap_evl;
	struct m_job *jobs; /* bind queue, oldest first */
	uint32_t n_jobs, cap_jobs;
	/* Mapping slots the queued jobs hold (2 per MAP, 1 per UNMAP). */
	uint64_t slots_held;
	bool head_fails;    /* the head job fails when it runs (armed) */
};

struct m_bo {
	uint64_t size;
	uint32_t npages;
	bool open;          /* the handle */
	bool evicted;
	bool user_pinned;
	uint32_t job_pins;  /* queued jobs that target it */
	uint64_t excl;      /* serial of the VM it is private to, or 0 */
	uint8_t **pg;       /* contents, a page at a time; NULL reads 0 */
};

struct m_file {
	bool live;
	struct m_vm vms[M_MAX_VMS + 1];
	struct m_bo *bos;   /* by handle - 1 */
	uint32_t nbos, cap_bos;
	bool has_dummy, dummy_evicted;
	uint32_t dummy_job_pins;
	uint8_t *dummy;     /* 2 MiB, while has_dummy */
	uint64_t bo_bytes;  /* BO bytes created since the open */
};

struct m_timeline {
	uint32_t id;
	uint64_t point;
};

struct model {
	struct m_cfg cfg;
	uint64_t full;      /* 2^va_bits */
	struct m_file files[M_MAX_FILES];
	uint64_t next_serial;
	uint32_t next_map_id;
	struct m_timeline *tl;
	uint32_t n_tl, cap_tl;
};

struct m_fault {
	enum m_fault_kind kind;
	uint64_t addr;
};

struct m_lookup {
	enum m_kind kind;
	uint32_t bo_handle;  /* 0 once the handle is closed */
	uint64_t bo_offset;
	uint32_t flags;
	bool evicted;
};

/* NULL if out of host memory. */
struct model *model_new(const struct m_cfg *cfg);
void model_free(struct model *m);

/* Files are named by a slot 0..M_MAX_FILES-1 the engine chooses. */
int model_file_open(struct model *m, unsigned int f);
void model_file_close(struct model *m, unsigned int f);

/*
 * VM ids are the driver's to choose: model_vm_create() gives the errno,
 * and on 0 model_vm_add() records the id the driver returned (false if
 * that id is out of range or in use: a driver bug).
 */
int model_vm_create(const struct model *m, unsigned int f, uint64_t user_va);
bool model_vm_add(struct model *m, unsigned int f, uint32_t id,
		  uint64_t user_va);
int model_vm_destroy(struct model *m, unsigned int f, uint32_t id);
struct m_vm *model_vm(struct model *m, unsigned int f, uint32_t id);
int model_vm_state(struct model *m, unsigned int f, uint32_t id,
		   bool *unusable);
int model_vm_queued(struct model *m, unsigned int f, uint32_t id,
		    uint32_t *jobs);
/* The mappings the VA space must hold. */
uint64_t model_mapping_count(const struct m_vm *vm);

/* *handle: the handle the driver must return (1, 2, ... never reused). */
int model_bo_create(struct model *m, unsigned int f, uint64_t size,
		    uint32_t exclusive_vm, unsigned int chunks,
		    uint32_t *handle);
int model_bo_close(struct model *m, unsigned int f, uint32_t handle);
int model_bo_read(struct model *m, unsigned int f, uint32_t handle,
		  uint64_t offset, uint8_t *buf, uint64_t len);
int model_bo_write(struct model *m, unsigned int f, uint32_t handle,
		   uint64_t offset, const uint8_t *buf, uint64_t len);
/* The open BO behind a handle, or NULL. */
struct m_bo *model_bo(struct model *m, unsigned int f, uint32_t handle);

int model_bo_evict(struct model *m, unsigned int f, uint32_t handle);
int model_dummy_evict(struct model *m, unsigned int f);
int model_bo_resident(struct model *m, unsigned int f, uint32_t handle,
		      bool *resident);
int model_bo_pin(struct model *m, unsigned int f, uint32_t handle, bool pin);
int model_vm_validate(struct model *m, unsigned int f, uint32_t id);

/* The errno op gets on vm (no side effect). */
int model_check_op(const struct model *m, unsigned int f,
		   const struct m_vm *vm, const struct m_op *op, bool async);
/* A valid op the model can follow (see the top of this file). */
bool model_op_tracked(const struct model *m, const struct m_op *op);
/*
 * The errno an asynchronous batch of count ops gets at queue time, *failed
 * the failing op (no side effect): each op's rules, then its mapping
 * slots against the limit.
 */
int model_check_queue(const struct model *m, unsigned int f,
		      const struct m_vm *vm, const struct m_op *ops,
		      uint32_t count, uint32_t *failed);
/*
 * VM_BIND. On an op's failure *failed is its index; on a failure of the
 * whole call (bad VM, bad flags, no ops array) it is UINT32_MAX.
 */
int model_bind(struct model *m, unsigned int f, uint32_t id, uint32_t flags,
	       const struct m_op *ops, bool ops_null, uint32_t count,
	       uint32_t *failed);

/*
 * Whether the VM's head job can be made to fail, and with arm, arms it:
 * the next run fails that job (the VM becomes unusable, its signals
 * fire). The engine causes it in gpuvm by failing the VM's next
 * VA-manager allocation, so the head must be a MAP on a usable VM (sure
 * to make that allocation before anything else does) and ready (sure to
 * run in the next run). false, arming nothing, otherwise.
 */
bool model_vm_fail_head(struct model *m, unsigned int f, uint32_t id,
			bool arm);

int model_timeline_signal(struct model *m, uint32_t timeline, uint64_t point);
int model_timeline_point(const struct model *m, uint32_t timeline,
			 uint64_t *point);
int model_run(struct model *m, uint32_t *executed);
int model_wait(struct model *m, uint32_t timeline, uint64_t point);

/*
 * A GPU access of len bytes at va: 0 (buf read or written), -EFAULT
 * with *fault (nothing done), -EINVAL (bad VM or access kind).
 */
int model_gpu_access(struct model *m, unsigned int f, uint32_t id,
		     unsigned int access, uint64_t va, uint8_t *buf,
		     size_t len, struct m_fault *fault);
int model_lookup(struct model *m, unsigned int f, uint32_t id, uint64_t va,
		 struct m_lookup *out);

/* The far slot holding va, or -1. */
int model_far_slot(uint64_t va);

#endif
