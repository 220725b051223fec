/* SPDX-License-Identifier: MIT */
/*
 * Internal structures of the uapi module, shared by its files:
 *
 *   device.c   devices, files, GEM objects and handle tables, mmap offsets
 *   ioctl.c    drm_ioctl(): the ioctl table, sizes, permissions, copies
 *   copy.c     the caller's memory: reads and writes that fail with -EFAULT
 *   core.c     DRM core ioctls (version, caps, GEM close, masters)
 *   sched.c    fences on driver timelines, the worker, waiting
 *   syncobj.c  syncobjs and their ioctls
 *   query.c    DEV_QUERY
 *   vm.c       VM_CREATE/DESTROY/GET_STATE/BIND
 *   bo.c       BO ioctls
 *   heap.c     tiler heaps
 *   group.c    groups: GROUP_* ioctls, queues of CS jobs, running them
 *   mmap.c     CPU mappings
 *
 * Locks, outermost first: dev->serial (only with cfg.serialize), a VM's
 * submit lock (vmq.lock, also its tiler heaps), sched.run_lock (running
 * queued jobs; every group, its queues and jobs), dev->lock
 * (files, mmap offsets, timeline ids, mappings), sched.lock (syncobj
 * state, fences, waiting), file->lock (handle tables, object counts).
 * The driver's own locks are taken inside any of them. The worker takes
 * only sched.run_lock, then sched.lock once the run is over. A blocking
 * wait gives up dev->serial while it sleeps and takes it back before
 * sched.lock.
 */
#ifndef GPUVM_UAPI_INTERNAL_H
#define GPUVM_UAPI_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include "gpuvm/panthor_drm.h"
#include "gpuvm/uapi.h"

#define UAPI_PAGE           4096ull
#define UAPI_LABEL_MAX      4096u          /* bytes with the NUL */
#define UAPI_MAX_HANDLES    (1u << 24)     /* GEM or syncobj handles per file */
/* The kernel's allocation limits, which decide its -ENOMEM for huge
 * counts: kmalloc (KMALLOC_MAX_SIZE, 4 MiB with 4 KiB pages) and
 * kvmalloc (INT_MAX). */
#define UAPI_KMALLOC_MAX    (4ull << 20)
#define UAPI_KVMALLOC_MAX   0x7fffffffull
/* What DEV_QUERY reports, and GROUP_CREATE checks core masks against. */
#define UAPI_SHADER_PRESENT 0x50005ull
#define UAPI_TILER_PRESENT  0x1ull
#define UAPI_MAX_GROUPS     128u           /* per file: MAX_GROUPS_PER_POOL */

/* ------------------------------------------------------------------ */
/* Fences                                                              */

/* A point on a driver timeline: reached when the timeline's value is. */
struct uapi_tlpt {
	uint32_t tl;
	uint64_t pt;
};

/*
 * A fence: signalled when every point is reached. Immutable once made,
 * shared by reference (syncobjs, waiters). n == 0 is signalled from the
 * start (the kernel's stub fence).
 */
struct uapi_fence {
	uint32_t refs;                 /* atomic */
	uint32_t n;
	struct uapi_tlpt e[];
};

/* One point of a timeline syncobj (a dma_fence_chain node). */
struct uapi_point {
	uint64_t seqno;
	uint64_t prev_seqno;
	uint64_t ctx;                  /* nodes of one ordered run share it */
	struct uapi_fence *fence;
};

/*
 * A syncobj. Binary use holds one fence or none; timeline use a chain
 * of points, newest last; signalled points older than the newest are
 * dropped (the chain's garbage collection). State under sched.lock.
 */
struct uapi_syncobj {
	uint32_t refs;                 /* handle + users; under file->lock */
	bool chain;
	struct uapi_fence *fence;      /* !chain: the fence, or NULL */
	struct uapi_point *pts;        /* chain: npts >= 1 */
	uint32_t npts, cap;
	uint32_t reserved;             /* slots promised to coming points */
};

struct uapi_sched {
	pthread_mutex_t lock;          /* syncobj state; with cond */
	pthread_cond_t cond;           /* progress: jobs ran, fences came */
	pthread_mutex_t run_lock;      /* one runner of queued jobs at a time */
	uint64_t pending;              /* jobs queued, not known to have run */
	uint64_t progress;             /* bumped at every broadcast */
	uint64_t next_ctx;
	/* The worker. */
	pthread_t worker;
	bool has_worker, stop;
	pthread_cond_t kick;
	uint64_t kicks;
	uint32_t blocked;              /* GPU queues in a SYNC_WAIT (atomic) */
};

/* ------------------------------------------------------------------ */
/* Objects                                                             */

struct uapi_bo {
	struct gpuvm_uapi_file *file;
	uint32_t refs;                 /* handle, lookups, mappings; file->lock */
	uint32_t maps;                 /* CPU mappings: pinned while > 0 */
	bool open;                     /* still has its handle */
	uint32_t drv_handle;
	uint64_t size;
	uint32_t flags;                /* creation flags */
	uint32_t excl_vm;              /* exclusive VM id, 0 if none */
	uint64_t excl_gen;             /* ... and its generation */
	uint64_t pgoff;                /* mmap offset in pages, 0 if none */
	char *label;
};

/* A VM's bind queue as this layer sees it. */
struct uapi_vmq {
	pthread_mutex_t lock;          /* async submits: queue order = seqs */
	uint32_t tl;                   /* driver timeline of its jobs, 0 none */
	uint64_t seq;                  /* last job number given out */
	uint64_t gen;                  /* bumped by every VM_CREATE of the id */
	bool live;                     /* the VM exists (atomic) */
	uint64_t kva_start;            /* the kernel range: binds stop below */
	struct uapi_heap_pool *pool;   /* tiler heaps (heap.c), or NULL */
};

/* A GROUP_SUBMIT job, queued on its group's queue (group.c). */
struct uapi_job {
	struct uapi_job *next;
	uint64_t addr;                 /* the stream */
	uint32_t size;
	uint64_t point;                /* signalled on the queue's timeline */
	struct uapi_tlpt *waits;       /* reached before it starts */
	uint32_t nwaits;
	bool started;
	int64_t since;                 /* started at, CLOCK_MONOTONIC ns */
};

struct uapi_gqueue {
	struct gpuvm_cs_queue *cs;     /* NULL once the VM is gone */
	uint32_t tl;                   /* driver timeline of its jobs */
	uint64_t seq;                  /* last job number given out */
	struct uapi_job *head, *tail;  /* queued, oldest first */
	bool blocked;                  /* the head is in a SYNC_WAIT */
	struct gpuvm_cs_fault fault;   /* why it is fatal */
};

/* A scheduling group: everything under sched.run_lock. */
struct uapi_group {
	struct gpuvm_uapi_file *file;
	struct uapi_group *dprev, *dnext;  /* the device's groups */
	uint32_t handle, vm_id;
	uint32_t fatal_queues;
	bool timedout;
	bool dead;                     /* its VM was destroyed */
	uint32_t nq;
	struct uapi_gqueue q[];
};

struct gpuvm_uapi_file {
	struct gpuvm_uapi_device *dev;
	struct gpuvm_uapi_file *prev, *next;    /* dev->lock */
	struct gpuvm_drv_file *drv;
	enum gpuvm_uapi_node node;
	uint32_t id;                   /* open order on the device */
	bool master;
	bool closed;                   /* the fd is gone; mappings hold it */
	uint32_t refs;                 /* the open + CPU mappings; dev->lock */
	pthread_mutex_t lock;          /* the handle tables */
	struct uapi_bo **bos;          /* by handle - 1 */
	uint32_t nbos;
	struct uapi_syncobj **sobjs;   /* by handle - 1 */
	uint32_t nsobjs;
	uint64_t mmio_offset;          /* SET_USER_MMIO_OFFSET */
	struct uapi_vmq vmq[GPUVM_DRV_MAX_VMS_PER_FILE + 1];
	struct uapi_group *groups[UAPI_MAX_GROUPS];  /* by handle - 1 */
};

/* An mmap offset: the object whose offset range starts at pgoff. */
struct uapi_offset {
	uint64_t pgoff, pages;
	struct uapi_bo *bo;
};

struct gpuvm_uapi_device {
	struct gpuvm_uapi_device_cfg cfg;
	struct gpuvm_drv_device *drv;
	struct gpuvm_mem *mem;
	int ram_fd;
	pthread_mutex_t lock;          /* files, offsets, timeline ids */
	pthread_mutex_t serial;        /* cfg.serialize */
	struct gpuvm_uapi_file *files;
	bool master_taken;             /* a primary open holds the master */
	struct uapi_offset *offsets;   /* sorted by pgoff */
	uint32_t noffsets, cap_offsets;
	uint64_t next_pgoff;
	uint32_t next_tl;              /* driver timeline ids handed out */
	uint32_t next_file_id, next_map_id;
	struct uapi_tlpt *free_tls;    /* released ids and their last point */
	uint32_t nfree_tls, cap_free_tls;
	struct uapi_sched sched;
	struct uapi_group *groups;     /* every file's; sched.run_lock */
	struct gpuvm_uapi_mapping *maps; /* live CPU mappings */
};

struct gpuvm_uapi_mapping {
	struct gpuvm_uapi_mapping *prev, *next;  /* dev->lock */
	struct gpuvm_uapi_file *file;
	uint32_t id;
	struct uapi_bo *bo;                      /* NULL: the MMIO page */
	bool writable;
	unsigned int nruns;
	struct gpuvm_uapi_map_run *runs;
};

/* ------------------------------------------------------------------ */
/* An ioctl in progress                                                */

struct uapi_call {
	struct gpuvm_uapi_file *file;
	void *data;                    /* the kernel-side copy of arg */
	uint32_t in_size, out_size;    /* what the caller's struct holds */
};

typedef int (*uapi_handler)(struct uapi_call *c);

/* copy.c */
int uapi_copy_in(void *dst, uint64_t user, size_t n);
int uapi_copy_out(uint64_t user, const void *src, size_t n);
int uapi_clear_out(uint64_t user, size_t n);
/* Elements of an obj_array, each zero-extended or truncated to size;
 * *out is NULL for count 0. -EINVAL (stride below min), -ENOMEM, -EFAULT. */
int uapi_get_array(const struct drm_panthor_obj_array *a, uint32_t min,
		   uint32_t size, void **out);
/* The same into room when the elements fit there (*out == room: nothing
 * to free), the heap otherwise. */
int uapi_get_array_in(const struct drm_panthor_obj_array *a, uint32_t min,
		      uint32_t size, void *room, size_t room_len, void **out);
/* A NUL-terminated string of at most max bytes with the NUL:
 * -EFAULT, -EINVAL if longer (strndup_user's rules). */
int uapi_get_string(uint64_t user, size_t max, char **out);
/* The kernel's PANTHOR_UOBJ_SET: min(usr, kern) bytes, zeros past kern. */
int uapi_set_obj(uint64_t user, uint32_t usr_size, uint32_t min_size,
		 const void *obj, uint32_t kern_size);

/* device.c */
/*
 * The driver's handle of a GEM handle, without holding the object: for a
 * call that only passes it to the driver, which looks it up itself (a
 * GEM_CLOSE racing with it is then ordered before or after it, as in the
 * kernel). -ENOENT if the handle names nothing.
 */
int uapi_bo_drv_handle(struct gpuvm_uapi_file *f, uint32_t handle,
		       uint32_t *drv_handle);
struct uapi_bo *uapi_bo_get(struct gpuvm_uapi_file *f, uint32_t handle);
void uapi_bo_put(struct uapi_bo *bo);
int uapi_bo_add(struct gpuvm_uapi_file *f, struct uapi_bo *bo,
		uint32_t *handle);
int uapi_bo_remove(struct gpuvm_uapi_file *f, uint32_t handle);
int uapi_bo_offset(struct uapi_bo *bo, uint64_t *offset);
struct uapi_bo *uapi_offset_lookup(struct gpuvm_uapi_device *dev,
				   uint64_t pgoff);
struct uapi_syncobj *uapi_sobj_get(struct gpuvm_uapi_file *f,
				   uint32_t handle);
void uapi_sobj_put(struct gpuvm_uapi_file *f, struct uapi_syncobj *s);
int uapi_sobj_add(struct gpuvm_uapi_file *f, struct uapi_syncobj *s,
		  uint32_t *handle);
struct uapi_syncobj *uapi_sobj_remove(struct gpuvm_uapi_file *f,
				      uint32_t handle);
uint32_t uapi_tl_get(struct gpuvm_uapi_device *dev, uint64_t *seq);
void uapi_tl_put(struct gpuvm_uapi_device *dev, uint32_t tl, uint64_t seq);
void uapi_file_ref(struct gpuvm_uapi_file *f);
void uapi_file_unref(struct gpuvm_uapi_file *f);

/* sched.c */
int uapi_sched_init(struct gpuvm_uapi_device *dev);
void uapi_sched_stop(struct gpuvm_uapi_device *dev);
void uapi_sched_fini(struct gpuvm_uapi_device *dev);
void uapi_sched_drain(struct gpuvm_uapi_device *dev);
void uapi_sched_expect(struct gpuvm_uapi_device *dev, uint64_t jobs);
void uapi_sched_kick(struct gpuvm_uapi_device *dev);
void uapi_sched_forget(struct gpuvm_uapi_device *dev, uint64_t jobs);
void uapi_sched_broadcast(struct gpuvm_uapi_device *dev);
/*
 * The signal operations of one submission (a VM_BIND or a GROUP_SUBMIT),
 * one entry per distinct (syncobj, point): panthor's
 * panthor_submit_ctx_collect_jobs_signal_ops, which both ioctls share,
 * as does what happens to them after (syncobj.c).
 */
struct uapi_signal {
	uint32_t handle;
	uint64_t point;
	struct uapi_syncobj *s;
	struct uapi_fence *fence;  /* what the point holds, then the new */
	bool reserved;             /* a timeline point's room, taken */
};

struct uapi_sigset {
	struct uapi_signal *sig;
	uint32_t n, cap;
};

int uapi_sync_op_check(const struct drm_panthor_sync_op *s);
bool uapi_sync_op_signals(const struct drm_panthor_sync_op *s);
struct uapi_signal *uapi_sigset_find(struct uapi_sigset *set, uint32_t h,
				     uint64_t pt);
int uapi_sigset_collect(struct uapi_sigset *set, struct gpuvm_uapi_file *f,
			const struct drm_panthor_sync_op *ops, uint32_t n);
/* Under sched.lock: the fence wait op s waits for (checked). */
int uapi_sigset_wait_fence(struct uapi_sigset *set, struct gpuvm_uapi_file *f,
			   const struct drm_panthor_sync_op *s,
			   struct uapi_fence **out);
/* The signal ops among ops now signal fence (a job's). */
void uapi_sigset_take(struct uapi_sigset *set,
		      const struct drm_panthor_sync_op *ops, uint32_t n,
		      struct uapi_fence *fence);
/* Under sched.lock: what each point holds before this submission. */
void uapi_sigset_note(struct gpuvm_uapi_device *dev, struct uapi_sigset *set);
/* Under sched.lock: room for every timeline point (0 or -ENOMEM). */
int uapi_sigset_reserve(struct uapi_sigset *set);
/* Under sched.lock: every syncobj gets the fence its entry now holds. */
void uapi_sigset_publish(struct gpuvm_uapi_device *dev,
			 struct uapi_sigset *set);
void uapi_sigset_release(struct gpuvm_uapi_file *f, struct uapi_sigset *set);
struct uapi_fence *uapi_fence_new(uint32_t n);
struct uapi_fence *uapi_fence_get(struct uapi_fence *f);
void uapi_fence_put(struct uapi_fence *f);
struct uapi_fence *uapi_fence_stub(void);
bool uapi_fence_signalled(struct gpuvm_uapi_device *dev,
			  const struct uapi_fence *f);
/* Waits on sched.cond until *deadline (CLOCK_MONOTONIC ns; 0 = do not
 * sleep). Called and returns with sched.lock held. false: timed out. */
bool uapi_sched_sleep(struct gpuvm_uapi_device *dev, int64_t deadline);
int64_t uapi_now_ns(void);
#define UAPI_HOOK(dev, fn, ...) do {                                  \
		if ((dev)->cfg.hooks && (dev)->cfg.hooks->fn)         \
			(dev)->cfg.hooks->fn((dev)->cfg.hooks_cookie,   \
					     __VA_ARGS__);              \
	} while (0)
void uapi_serial_lock(struct gpuvm_uapi_device *dev);
void uapi_serial_unlock(struct gpuvm_uapi_device *dev);

/* syncobj.c */
void uapi_sobj_free(struct uapi_syncobj *s);
/* The fence a wait on (s, point) takes, sched.lock held: -EINVAL if
 * none is there (no fence, point not submitted). */
int uapi_sobj_find(struct gpuvm_uapi_device *dev, struct uapi_syncobj *s,
		   uint64_t point, struct uapi_fence **out);
/* With sched.lock held: the syncobj's fence becomes fence (or none),
 * or a timeline point is added, after uapi_sobj_reserve(s, 2) made room
 * (installing cannot fail then). */
void uapi_sobj_replace(struct uapi_syncobj *s, struct uapi_fence *fence);
void uapi_sobj_add_point(struct gpuvm_uapi_device *dev,
			 struct uapi_syncobj *s, uint64_t point,
			 struct uapi_fence *fence);
int uapi_sobj_reserve(struct uapi_syncobj *s, uint32_t extra);
void uapi_sobj_unreserve(struct uapi_syncobj *s, uint32_t extra);
int uapi_ioctl_syncobj_create(struct uapi_call *c);
int uapi_ioctl_syncobj_destroy(struct uapi_call *c);
int uapi_ioctl_syncobj_handle(struct uapi_call *c);
int uapi_ioctl_syncobj_wait(struct uapi_call *c);
int uapi_ioctl_syncobj_timeline_wait(struct uapi_call *c);
int uapi_ioctl_syncobj_reset(struct uapi_call *c);
int uapi_ioctl_syncobj_signal(struct uapi_call *c);
int uapi_ioctl_syncobj_timeline_signal(struct uapi_call *c);
int uapi_ioctl_syncobj_query(struct uapi_call *c);
int uapi_ioctl_syncobj_transfer(struct uapi_call *c);
int uapi_ioctl_syncobj_eventfd(struct uapi_call *c);

/* core.c */
int uapi_ioctl_version(struct uapi_call *c);
int uapi_ioctl_get_cap(struct uapi_call *c);
int uapi_ioctl_set_client_cap(struct uapi_call *c);
int uapi_ioctl_gem_close(struct uapi_call *c);
int uapi_ioctl_set_master(struct uapi_call *c);
int uapi_ioctl_drop_master(struct uapi_call *c);
int uapi_ioctl_no_modeset(struct uapi_call *c);
int uapi_ioctl_unsupported(struct uapi_call *c);
int uapi_ioctl_invalid(struct uapi_call *c);

/* query.c */
int uapi_ioctl_dev_query(struct uapi_call *c);

/* vm.c */
int uapi_ioctl_vm_create(struct uapi_call *c);
int uapi_ioctl_vm_destroy(struct uapi_call *c);
int uapi_ioctl_vm_bind(struct uapi_call *c);
int uapi_ioctl_vm_get_state(struct uapi_call *c);
void uapi_vm_release(struct gpuvm_uapi_file *f, uint32_t id);

/* bo.c */
int uapi_ioctl_bo_create(struct uapi_call *c);
int uapi_ioctl_bo_mmap_offset(struct uapi_call *c);
int uapi_ioctl_bo_set_label(struct uapi_call *c);
int uapi_ioctl_set_user_mmio_offset(struct uapi_call *c);
int uapi_ioctl_bo_sync(struct uapi_call *c);
int uapi_ioctl_bo_query_info(struct uapi_call *c);

/* heap.c */
int uapi_ioctl_tiler_heap_create(struct uapi_call *c);
int uapi_ioctl_tiler_heap_destroy(struct uapi_call *c);
/* vmq.lock held: the VM's heaps go (unmap: the VM stays). */
void uapi_heaps_release(struct gpuvm_uapi_file *f, uint32_t vm_id,
			bool unmap);

/* group.c */
int uapi_ioctl_group_create(struct uapi_call *c);
int uapi_ioctl_group_destroy(struct uapi_call *c);
int uapi_ioctl_group_submit(struct uapi_call *c);
int uapi_ioctl_group_get_state(struct uapi_call *c);
/* run_lock held: runs what the groups' queues can; *done += jobs that
 * finished. true if anything moved. */
bool uapi_groups_run(struct gpuvm_uapi_device *dev, uint32_t *done);
/* Destroys every group of the file. */
void uapi_groups_release(struct gpuvm_uapi_file *f);
/* run_lock held, before VM vm_id goes: its groups stop for good. */
void uapi_groups_vm_gone(struct gpuvm_uapi_file *f, uint32_t vm_id);

#endif /* GPUVM_UAPI_INTERNAL_H */
