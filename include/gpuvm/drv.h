/* SPDX-License-Identifier: MIT */
/*
 * DOC: gpuvm driver layer (module "drv")
 *
 * A panthor-style GPU driver on top of the VA manager, the page tables and
 * the MMU: a device, file contexts (one per open of the DRM node), VMs,
 * BOs and VM_BIND. It mirrors the panthor uAPI (version 1.9) rules, with
 * the same errno for every rule, so that an ioctl layer could sit on top.
 *
 * Sparse mappings are realised the way the device says:
 *  - GPUVM_DRV_SPARSE_DUMMY (Mali): a 2 MiB dummy BO per file, mapped
 *    cyclically: VA x maps dummy offset x mod 2 MiB, so every 2 MiB-aligned
 *    chunk is one 2 MiB block and only the unaligned ends use 4 KiB pages.
 *    Per file, because GPU writes reach the dummy: a shared one would leak
 *    data between processes.
 *  - GPUVM_DRV_SPARSE_NULL (xe, nouveau, amdgpu): NULL leaves, which read
 *    as zero and drop writes, at the largest size alignment allows.
 *
 * A MAP may also carry a repeat range (gpuvm's generalisation of the
 * dropped upstream OP_MAP_REPEAT): BO bytes [offset, offset + repeat) are
 * mapped cyclically over the whole VA range.
 *
 * Every op is atomic: it is validated, its VA op list built and its page
 * tables reserved before anything changes; then it is applied, which
 * cannot fail. A batch runs op by op; on failure the earlier ops stay and
 * the index of the failing one is reported.
 *
 * Memory pressure: a device budget, an LRU shrinker, eviction to swap and
 * restore on validate (see gpuvm_drv_device_set_budget() and
 * gpuvm_drv_vm_validate()).
 *
 * Thread safety: every function may be called from several threads at
 * once, except gpuvm_drv_device_create/destroy, and no call may use a file
 * another thread is closing (a file is one process's: closing it races
 * with nothing in a real driver either).
 *  - Binds on different VMs, of the same file or not, run in parallel;
 *    binds on one VM are serialised. A bind that needs memory management
 *    (creating the dummy, restoring a BO, building shared tables, making
 *    room) briefly runs alone instead.
 *  - GPU accesses take no driver lock: they run concurrently with binds,
 *    with each other, and small reads that hit the TLB take no lock at
 *    all, even on one VM (mmu.h, concurrent mode). An op locks the region
 *    it changes (a naturally aligned power of two of at least 32 KiB
 *    around it, as panthor's AS lock), and so do eviction and restore:
 *    accesses touching it wait until the tables and TLB are updated, so
 *    an access sees the translations from before or after an op, never a
 *    mix. A VM must outlive the accesses to it: nobody destroys a VM, or
 *    closes its file, while accesses to it run (as a GPU job holds its
 *    VM).
 *  - CPU access to BOs and state queries run alongside everything.
 *  - Object creation and destruction, eviction, restore, budgets,
 *    timelines and the async queues run alone.
 * src/drv/api.c says which lock every call takes.
 *
 * NULL pointers: a pointer argument may be NULL only where its function's
 * comment says so. Any other NULL is refused before anything is done (no
 * lock taken, nothing created, nothing evicted): -EINVAL from a function
 * returning an errno, nothing done by a void one, NULL from the
 * accessors.
 */
#ifndef GPUVM_DRV_H
#define GPUVM_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gpuvm/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; this is its API. */
#pragma GCC visibility push(default)

struct gpuvm_drv_device;
struct gpuvm_drv_file;

enum gpuvm_drv_sparse {
	GPUVM_DRV_SPARSE_DUMMY = 0,
	GPUVM_DRV_SPARSE_NULL = 1,
};

struct gpuvm_drv_device_cfg {
	unsigned int va_bits;      /* 32..48; 0: 48 */
	unsigned int pa_bits;      /* 32..48; 0: 40. RAM must fit. */
	uint64_t pgsizes;          /* 0: 4 KiB + 2 MiB, as Mali */
	uint64_t ram;              /* bytes of simulated RAM; 0: 4 GiB */
	enum gpuvm_drv_sparse sparse;
	bool unchecked;            /* turn off the MMU's checked mode */
	/* Back the simulated RAM with a memfd another mapping can alias
	 * (gpuvm_mem_fd(gpuvm_drv_device_mem(dev))): CPU mappings of BOs. */
	bool shared_ram;
	/* Give every sparse range private page tables instead of sharing
	 * the file's (or, for NULL, the device's) tables: for comparison. */
	bool private_sparse_tables;
	/* Limits; 0 means the largest the types allow. Past them: -ENOSPC. */
	uint32_t max_bos_per_file;      /* BOs created per file (handles) */
	/* Live mappings per VM, and slots queued binds hold (vm_bind). */
	uint64_t max_mappings_per_vm;
	unsigned int tlb_entries;  /* 0: the MMU's default */
	/*
	 * The device's RAM is the caller's: ram bytes (ram must be given)
	 * at ram_buffer, 8-byte aligned, never mapped or freed by gpuvm
	 * (gpuvm/mem.h, cfg.buffer): a device model's guest RAM. Not with
	 * shared_ram. The driver works as over its own RAM, but cannot know
	 * what the caller wrote, so eviction saves every page of a BO.
	 */
	void *ram_buffer;
};

/* uAPI constants, as panthor's. */
#define GPUVM_DRV_MAX_VMS_PER_FILE    32

#define GPUVM_DRV_OP_MAP_READONLY     (1u << 0)
#define GPUVM_DRV_OP_MAP_NOEXEC       (1u << 1)
#define GPUVM_DRV_OP_MAP_UNCACHED     (1u << 2)
#define GPUVM_DRV_OP_MAP_SPARSE       (1u << 3)
#define GPUVM_DRV_OP_TYPE_MASK        (0xfu << 28)
#define GPUVM_DRV_OP_TYPE_MAP         (0u << 28)
#define GPUVM_DRV_OP_TYPE_UNMAP       (1u << 28)
#define GPUVM_DRV_OP_TYPE_SYNC_ONLY   (2u << 28)

#define GPUVM_DRV_BIND_ASYNC          (1u << 0)

/*
 * A synchronisation point: wait until a timeline reaches a point, or
 * signal it there once the op has run. Timelines are the device's
 * (modelled in-process, like DRM timeline syncobjs), named by a non-zero
 * id; a timeline's value only grows.
 */
#define GPUVM_DRV_SYNC_WAIT           (0u << 31)
#define GPUVM_DRV_SYNC_SIGNAL         (1u << 31)

struct gpuvm_drv_sync {
	uint32_t flags;       /* GPUVM_DRV_SYNC_WAIT or _SIGNAL */
	uint32_t timeline;    /* non-zero */
	uint64_t point;       /* non-zero */
};

struct gpuvm_drv_bind_op {
	uint32_t flags;
	uint32_t bo_handle;
	uint64_t bo_offset;
	uint64_t va;
	uint64_t size;
	/* gpuvm extension, MAP only: repeat [bo_offset, bo_offset + repeat)
	 * cyclically; 0 for a plain map. */
	uint64_t repeat;
	/* Only with GPUVM_DRV_BIND_ASYNC (-EINVAL otherwise). */
	const struct gpuvm_drv_sync *syncs;
	uint32_t n_syncs;
};

enum gpuvm_drv_vm_state {
	GPUVM_DRV_VM_USABLE = 0,
	GPUVM_DRV_VM_UNUSABLE = 1,
};

struct gpuvm_drv_vm_stats {
	uint64_t user_va;
	uint64_t mappings;
	uint64_t pt_pages;
	uint64_t leaf_4k, leaf_2m, leaf_1g;
	uint64_t pte_writes;
	uint64_t tlb_invalidations;
	uint64_t pt_reserved_peak;
	/* Shared sparse tables this VM can link to (the file's, or for NULL
	 * the device's): counted once, not in pt_pages. */
	uint64_t shared_pt_pages;
};

/* What the VA space holds at one address. */
enum gpuvm_drv_backing {
	GPUVM_DRV_NONE,
	GPUVM_DRV_SPARSE,
	GPUVM_DRV_BO,
};

struct gpuvm_drv_lookup {
	enum gpuvm_drv_backing kind;
	uint32_t bo_handle;   /* GPUVM_DRV_BO */
	uint64_t bo_offset;   /* of the looked-up address */
	uint32_t flags;       /* map flags of the mapping */
};

/* ------------------------------------------------------------------ */

/* cfg NULL: every default. -EINVAL for a bad cfg, -ENOMEM. */
int gpuvm_drv_device_create(const struct gpuvm_drv_device_cfg *cfg,
			    struct gpuvm_drv_device **out);
/* Closes every file still open. NULL is allowed. */
void gpuvm_drv_device_destroy(struct gpuvm_drv_device *dev);
/* The device's memory and configuration; NULL for a NULL dev. */
struct gpuvm_mem *gpuvm_drv_device_mem(struct gpuvm_drv_device *dev);
const struct gpuvm_drv_device_cfg *
gpuvm_drv_device_cfg(const struct gpuvm_drv_device *dev);

int gpuvm_drv_file_open(struct gpuvm_drv_device *dev,
			struct gpuvm_drv_file **out);
/*
 * Destroys every VM and BO of the file and returns every frame. NULL is
 * allowed.
 */
void gpuvm_drv_file_close(struct gpuvm_drv_file *file);

/*
 * Creates a VM with user VA [0, user_va); 0 means half of 2^va_bits. The
 * rest up to 2^va_bits is kernel-reserved. -EINVAL (user_va unaligned or
 * too large), -EBUSY (the file has 32 VMs), -ENOMEM.
 */
int gpuvm_drv_vm_create(struct gpuvm_drv_file *file, uint64_t user_va,
			uint32_t *id);
int gpuvm_drv_vm_destroy(struct gpuvm_drv_file *file, uint32_t id);
int gpuvm_drv_vm_get_state(struct gpuvm_drv_file *file, uint32_t id,
			   enum gpuvm_drv_vm_state *state);

/*
 * Creates a zero-filled BO. exclusive_vm: 0, or a VM of this file the BO
 * is private to. chunks: 0 for contiguous backing where memory allows,
 * N for N discontiguous runs. -EINVAL, -ENOMEM, -ENOSPC once the file
 * has created max_bos_per_file BOs (handles are never reused).
 */
int gpuvm_drv_bo_create(struct gpuvm_drv_file *file, uint64_t size,
			uint32_t exclusive_vm, unsigned int chunks,
			uint32_t *handle);
/* Drops the handle; the memory lives on while mappings use it. */
int gpuvm_drv_bo_close(struct gpuvm_drv_file *file, uint32_t handle);
/*
 * CPU access. An evicted BO is read and written in swap, not restored.
 * buf must not be NULL, even for len 0.
 */
int gpuvm_drv_bo_read(struct gpuvm_drv_file *file, uint32_t handle,
		      uint64_t offset, void *buf, uint64_t len);
int gpuvm_drv_bo_write(struct gpuvm_drv_file *file, uint32_t handle,
		       uint64_t offset, const void *buf, uint64_t len);

/* ------------------------------------------------------------------ */
/* Memory pressure                                                     */

/*
 * Sets the device's memory budget in bytes (0: all of RAM, the default).
 * Allocations that would pass it make the shrinker evict unpinned BOs,
 * least recently used first (use = creation, bind, CPU access, restore);
 * page tables count against it too. -EINVAL if unaligned or above RAM.
 * Lowering it evicts nothing by itself: the next allocation does.
 */
int gpuvm_drv_device_set_budget(struct gpuvm_drv_device *dev, uint64_t bytes);

/*
 * Asks the shrinker for bytes: evicts LRU-first until that much is free
 * or nothing is left to evict. *freed gets what it freed (BO frames and
 * the page tables their unmapping emptied); freed may be NULL. -EINVAL if
 * unaligned.
 */
int gpuvm_drv_reclaim(struct gpuvm_drv_device *dev, uint64_t bytes,
		      uint64_t *freed);

/*
 * Evicts a BO now: its contents go to swap, every VA using it in every VM
 * of the file is unmapped and marked evicted. 0 if already evicted,
 * -EBUSY if pinned, -EINVAL for a bad handle, -ENOMEM (swap).
 */
int gpuvm_drv_bo_evict(struct gpuvm_drv_file *file, uint32_t handle);
/* The same for the file's sparse dummy; -ENOENT if it has none yet. */
int gpuvm_drv_dummy_evict(struct gpuvm_drv_file *file);
/* handle 0 asks about the dummy. */
int gpuvm_drv_bo_resident(struct gpuvm_drv_file *file, uint32_t handle,
			  bool *resident);
/* Pinned BOs are never evicted; pinning an evicted BO brings it back. */
int gpuvm_drv_bo_pin(struct gpuvm_drv_file *file, uint32_t handle, bool pin);

/*
 * The physical runs backing a resident BO, in BO order: copies up to cap
 * of them to runs and sets *count to how many there are (call again with
 * a larger cap if it is bigger). What a CPU mapping of the BO maps; pin
 * the BO first, or eviction may move it. runs may be NULL when cap is
 * 0 (a count query). -EINVAL (bad handle or arguments, a NULL file or
 * count), -ENODATA (evicted).
 */
int gpuvm_drv_bo_runs(struct gpuvm_drv_file *file, uint32_t handle,
		      struct gpuvm_mem_run *runs, unsigned int cap,
		      unsigned int *count);

/*
 * What a driver runs before a job: brings back every evicted BO of the VM
 * and remaps every evicted VA exactly as it was. -ENOMEM leaves the VM
 * consistent (what was restored stays, the rest stays evicted) and a
 * later validate continues.
 */
int gpuvm_drv_vm_validate(struct gpuvm_drv_file *file, uint32_t vm_id);

/*
 * The mapping limit: a MAP or UNMAP that would leave a VM with more than
 * max_mappings_per_vm mappings fails with -ENOSPC. Queued jobs hold
 * slots for the mappings they may add: 2 per MAP (one inside a mapping
 * leaves two pieces and itself), 1 per UNMAP (it may cut one in two), 0
 * per SYNC_ONLY, whatever the VM holds when they run. The live mappings
 * plus the held slots never pass the limit: an op of either kind that
 * would need a held slot is -ENOSPC, so a queued job never fails on the
 * limit. A job gives its slots back when it runs (what it added is then
 * in the live count) or when its VM is destroyed or its file closed.
 *
 * ops may be NULL when count is 0 (nothing to do); failed may be NULL
 * (the errno alone).
 *
 * Synchronous (flags 0): runs ops[0..count) in order. Returns 0, or the
 * failing op's errno with *failed set to its index (earlier ops stay
 * applied, the failing op left no trace in the VM, its mappings or its
 * target). One thing stands, as reclaim does in a kernel: BOs the
 * shrinker evicted to make room for it stay evicted, contents intact,
 * until a validate. An op that could not fit even with everything
 * evicted fails before evicting anything.
 *
 * GPUVM_DRV_BIND_ASYNC: checks every op and reserves its page tables and
 * mapping slots now, so every error the caller can cause comes back at
 * once, and queues one job per op on the VM's bind queue; nothing is
 * queued if any op fails (*failed says which). Per op, in batch order:
 * the rules (-EINVAL), then its slots added to the batch's before it
 * (-ENOSPC once the live mappings, the slots held and the batch's pass
 * the limit), then its page tables; the batch's memory last (-ENOMEM,
 * *failed 0). Reserving the worst case refuses some batches that would
 * have fitted: with one slot left, a MAP that would only add one
 * mapping is -ENOSPC, and a full VM takes no queued UNMAP (unmap it
 * synchronously: a whole mapping needs no slot). Jobs run in queue order
 * once their waits are signalled, when gpuvm_drv_run() or
 * gpuvm_drv_wait() drives the queues. A job that fails while running (a
 * host allocation) makes the VM unusable: MAP is then refused with
 * -EINVAL (queued MAPs fail too), UNMAP still works so the user can
 * clean up. A job's signals fire even when it fails, as a DRM fence
 * signals with an error, so nothing waits forever on it.
 */
int gpuvm_drv_vm_bind(struct gpuvm_drv_file *file, uint32_t vm_id,
		      uint32_t flags, const struct gpuvm_drv_bind_op *ops,
		      uint32_t count, uint32_t *failed);

/* Host-side timeline operations. point must be non-zero. */
int gpuvm_drv_timeline_signal(struct gpuvm_drv_device *dev,
			      uint32_t timeline, uint64_t point);
int gpuvm_drv_timeline_point(struct gpuvm_drv_device *dev, uint32_t timeline,
			     uint64_t *point);
/*
 * Runs every queued job that is ready, in each VM's queue order, until
 * none is. *executed (optional) counts the jobs run.
 */
int gpuvm_drv_run(struct gpuvm_drv_device *dev, uint32_t *executed);
/*
 * Runs ready jobs until timeline reaches point. -ETIMEDOUT if it cannot
 * (what would block forever on hardware).
 */
int gpuvm_drv_wait(struct gpuvm_drv_device *dev, uint32_t timeline,
		   uint64_t point);
/* Jobs queued on a VM, not yet run. */
int gpuvm_drv_vm_queued(struct gpuvm_drv_file *file, uint32_t vm_id,
			uint32_t *jobs);

/*
 * Test hook: the nth host allocation the VM's VA manager makes from now
 * on fails (see gpuvm_va_space_fail_nth_alloc()); 0 disarms. With the
 * memory's own hook (frames, BO structures) it reaches the allocations
 * a bind's success depends on; small host bookkeeping (reservation
 * arrays, job and swap buffers) is not injectable.
 */
int gpuvm_drv_vm_fail_nth_alloc(struct gpuvm_drv_file *file, uint32_t vm_id,
				uint64_t nth);

/*
 * Trace hooks on the VM's MMU address space and page tables (gpuvm/mmu.h
 * and gpuvm/pt.h, "Trace hooks"/"Tracing"): each is copied, NULL removes
 * it. The callbacks run in whatever thread walks or binds (a GPU access,
 * a bind, an eviction); one VM's MMU events never overlap each other,
 * nor do its page-table events, but the two kinds may come from two
 * threads at once. The shared sparse tables of a file are built without
 * a page table and are not traced. -EINVAL for a NULL file or a bad VM.
 */
int gpuvm_drv_vm_set_trace(struct gpuvm_drv_file *file, uint32_t vm_id,
			   const struct gpuvm_mmu_trace *mmu,
			   const struct gpuvm_pt_trace *pt);

/*
 * A grow-on-fault region (opt-in, one per VM, for the VM's life): GPU
 * accesses that meet a translation fault in [va, va + size) get the
 * faulting chunk backed by a fresh chunk-sized BO private to the VM
 * (mapped with flags, as any MAP: READONLY, NOEXEC, UNCACHED), and walk
 * again, until max_chunks chunks were grown; past that, or outside the
 * region, the fault stands. va and size are multiples of chunk, a
 * non-zero multiple of 4 KiB, inside the user VA. Chunks are ordinary
 * mappings: unmapping one gives its VA back to the region (a new chunk
 * on the next fault, counted again). Concurrent faults on one chunk
 * grow it once.
 *
 * Growing binds through the driver's entry points in the faulting
 * thread, so accesses to such a VM must not be made while holding a
 * driver lock (none of the driver's own paths does). It uses the VM's
 * MMU fault hook (gpuvm/mmu.h), which is then the driver's.
 * -EINVAL for a NULL file or cfg, a bad VM or region; -EBUSY if the VM
 * has one; -ENOMEM.
 */
struct gpuvm_drv_grow {
	uint64_t va, size;        /* the region */
	uint64_t chunk;           /* bytes per growth */
	uint64_t max_chunks;      /* the limit */
	uint32_t flags;           /* map flags of every chunk */
};

int gpuvm_drv_vm_set_grow(struct gpuvm_drv_file *file, uint32_t vm_id,
			  const struct gpuvm_drv_grow *cfg);
/* Chunks the VM's region has grown (0 without one); -EINVAL, bad VM. */
int gpuvm_drv_vm_grown(struct gpuvm_drv_file *file, uint32_t vm_id,
		       uint64_t *chunks);

/*
 * GPU accesses through the VM's MMU address space, as gpuvm_mmu_read()
 * and the others: fault may be NULL, buf may not.
 */
int gpuvm_drv_gpu_access(struct gpuvm_drv_file *file, uint32_t vm_id,
			 enum gpuvm_mmu_access access, uint64_t va, void *buf,
			 size_t len, struct gpuvm_mmu_fault *fault);

/*
 * The VM's MMU address space, for a simulator's own execution units (the
 * command-stream queues of src/uapi use it so):
 * gpuvm_mmu_read/write/fetch, gpuvm_mmu_translate and the host-pointer
 * fast path (gpuvm_mmu_hptr_get/at) on it are the accesses
 * gpuvm_drv_gpu_access() makes, without a call into the driver per
 * access. NULL for a NULL file or a VM id that names no VM.
 *
 * Lifetime: valid until the VM is destroyed (gpuvm_drv_vm_destroy, the
 * file's close, the device's destroy), which must not race with its use,
 * as for gpuvm_drv_gpu_access(): a VM outlives the jobs running on it.
 * Eviction, restore and binds never replace it.
 *
 * Locking: none to take. Accesses through it run concurrently with
 * binds, eviction and restore (the address space is in concurrent mode:
 * an op locks the region it changes, and accesses touching it wait), and
 * small TLB hits take no lock. A host pointer stays usable until the
 * address space's generation moves, which every op's invalidation does;
 * gpuvm_mmu_hptr_at() then answers NULL and the unit gets it again. In
 * checked mode (the device default) each gpuvm_mmu_hptr_at() walks too.
 *
 * The driver owns the address space's configuration: do not destroy it,
 * set its root, lock or unlock regions, invalidate, or set its fault or
 * trace hooks (gpuvm_drv_vm_set_trace() does the latter for the VM).
 */
struct gpuvm_mmu_as *gpuvm_drv_vm_as(struct gpuvm_drv_file *file,
				     uint32_t vm_id);
int gpuvm_drv_vm_lookup(struct gpuvm_drv_file *file, uint32_t vm_id,
			uint64_t va, struct gpuvm_drv_lookup *out);
int gpuvm_drv_vm_stats(struct gpuvm_drv_file *file, uint32_t vm_id,
		       struct gpuvm_drv_vm_stats *st);

/* One mapping of a VM, as gpuvm_drv_vm_for_each_mapping reports it. */
struct gpuvm_drv_mapping {
	uint64_t va, size;
	enum gpuvm_drv_backing kind;  /* GPUVM_DRV_SPARSE or GPUVM_DRV_BO */
	uint32_t bo_handle;           /* 0 if sparse or the handle is closed */
	uint64_t bo_offset;           /* of va; for repeat, the region start */
	uint64_t repeat;              /* repeated region size, 0 if plain */
	uint64_t phase;               /* repeat phase at va */
	uint32_t flags;               /* map flags */
};

typedef int (*gpuvm_drv_mapping_fn)(void *cookie,
				    const struct gpuvm_drv_mapping *m);

/*
 * Calls fn for every mapping overlapping [start, end) in address order,
 * stopping at the first non-zero return, which it returns. cookie is
 * fn's own and may be NULL.
 */
int gpuvm_drv_vm_for_each_mapping(struct gpuvm_drv_file *file,
				  uint32_t vm_id, uint64_t start, uint64_t end,
				  gpuvm_drv_mapping_fn fn, void *cookie);

/*
 * Checks that the page tables map exactly what the VA space holds, that
 * every TLB entry agrees with the tables, and the invariants of each
 * layer. 0 or -EUCLEAN with the first difference written to err, which
 * may be NULL.
 */
int gpuvm_drv_vm_check(struct gpuvm_drv_file *file, uint32_t vm_id,
		       FILE *err);
/*
 * A readable map of the VM: a header line "VM n: user VA [0, 0x...)"
 * (with " (unusable)" for an unusable VM), the VA space, one line per
 * mapping in address order, then the page tables, one line per run of
 * leaves. A mapping line is its range, then its backing: "bo=H
 * offset=0x..." with H the BO's handle, or "closed" once the handle is
 * closed ("repeat=0x... phase=0x..." follow for a repeat mapping), or
 * "sparse=dummy" / "sparse=null" for a sparse range; then "flags=0x..."
 * (the map flags) and " evicted" if its BO is evicted (it has no
 * page-table entries then). No host address is ever printed. -EINVAL
 * for a bad VM id.
 */
int gpuvm_drv_vm_dump(struct gpuvm_drv_file *file, uint32_t vm_id, FILE *f);

/* Writes to f what stands for the open BO handle in a dump's text. */
typedef void (*gpuvm_drv_bo_name_fn)(void *cookie, uint32_t handle, FILE *f);

/*
 * gpuvm_drv_vm_dump() with name(cookie, handle, f) writing each open BO's
 * name in place of its handle number (a closed one is still "closed").
 * name runs with the VM's lock held: it must not call the driver.
 */
int gpuvm_drv_vm_dump_named(struct gpuvm_drv_file *file, uint32_t vm_id,
			    FILE *f, gpuvm_drv_bo_name_fn name, void *cookie);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_DRV_H */
