/* SPDX-License-Identifier: MIT */
/*
 * DOC: gpuvm's panthor render node (module "uapi")
 *
 * The ioctl interface of panthor uAPI 1.9 over the driver layer: a DRM
 * device with a primary and a render node, files (one per open), and
 * gpuvm_uapi_ioctl(), which decodes and validates the caller's arguments
 * as the kernel's drm_ioctl() and panthor do, with the same errnos, then
 * calls drv.h. The argument layouts are include/gpuvm/panthor_drm.h.
 *
 * User memory: arg and every pointer inside it are the caller's own
 * addresses and are read and written as the kernel's copy_from_user and
 * copy_to_user would be: an unmapped or unwritable byte gives -EFAULT and
 * never a crash, without signals (docs/panthor.md, "Ioctl layer").
 *
 * DRM core semantics: a structure shorter than the ioctl's is
 * zero-extended, a longer one truncated; output fields are copied back
 * even when the ioctl fails; an unknown ioctl is -EINVAL (-ENOTTY if it
 * is not a DRM ioctl at all); -EINTR and -EAGAIN never come back.
 *
 * Asynchronous VM_BINDs and syncobjs: each device has a worker thread that
 * runs queued bind jobs as soon as their waits are met (in order per VM);
 * every ioctl also first runs whatever is ready, so the outcome of a
 * sequence of ioctls does not depend on the worker's timing (a trace
 * replays identically). Syncobj waits sleep on a condition variable with
 * DRM's absolute CLOCK_MONOTONIC timeouts and return -ETIME.
 *
 * GPU work (GROUP_CREATE/SUBMIT/GET_STATE/DESTROY): each queue of a
 * group runs its jobs' command streams with the CS interpreter
 * (gpuvm/cs.h) on the VM's MMU address space, after their waits, in the
 * same worker and drains as binds, evicted BOs made resident first; a
 * stream's exception makes the group unusable and is kept for
 * gpuvm_uapi_group_fault(). Tiler heaps live in the VM's kernel range.
 * docs/panthor.md G1-G9.
 *
 * CPU mappings (gpuvm_uapi_mmap_begin): the device's RAM is a memfd
 * (drv's shared_ram); a mapping of a BO is its runs of that file at
 * consecutive addresses, so CPU and GPU see the same bytes. A mapped BO
 * is pinned (never evicted) until its last mapping ends, and its memory
 * outlives GEM_CLOSE and the file's close until then, as a GEM object
 * held by a VMA does.
 *
 * Thread safety: every function may be called from several threads at
 * once, on one file or several, except gpuvm_uapi_device_create/destroy;
 * no call may use a file another thread is closing. Binds on different
 * VMs run in parallel, binds on one VM are ordered.
 *
 * NULL pointers, as in drv.h: a pointer argument may be NULL only where
 * its comment says so; any other NULL is refused before anything is
 * done: -EINVAL from a function returning an errno, nothing done by a
 * void one, NULL or 0 from the accessors. gpuvm_uapi_ioctl answers a
 * NULL file -EBADF, as a closed fd, and a NULL argument -EFAULT, as any
 * bad user pointer.
 */
#ifndef GPUVM_UAPI_H
#define GPUVM_UAPI_H

#include <stdbool.h>
#include <stdint.h>

#include "gpuvm/cs.h"
#include "gpuvm/drv.h"
#include "gpuvm/mem.h"

#ifdef __cplusplus
extern "C" {
#endif

struct gpuvm_uapi_device;
struct gpuvm_uapi_file;
struct gpuvm_uapi_mapping;

/* What the driver reports: panthor 1.9. */
#define GPUVM_UAPI_NAME          "panthor"
#define GPUVM_UAPI_DESC          "Panthor DRM driver"
#define GPUVM_UAPI_DATE          "0"
#define GPUVM_UAPI_MAJOR         1
#define GPUVM_UAPI_MINOR         9
#define GPUVM_UAPI_PATCHLEVEL    0

/* The two device nodes, as the kernel numbers their minors. */
enum gpuvm_uapi_node {
	GPUVM_UAPI_PRIMARY = 0,      /* /dev/dri/card0 */
	GPUVM_UAPI_RENDER = 128,     /* /dev/dri/renderD128 */
};

struct gpuvm_uapi_hooks;

struct gpuvm_uapi_device_cfg {
	/* The driver device; shared_ram is forced on (CPU mappings). */
	struct gpuvm_drv_device_cfg drv;
	/* Observers of every ioctl, open, close and mapping (tracing);
	 * they imply serialize and are called in that order. */
	const struct gpuvm_uapi_hooks *hooks;
	void *hooks_cookie;
	/* No worker thread: queued jobs run only when an ioctl runs what
	 * is ready. For tests that want no second thread. */
	bool no_worker;
	/* Serialise ioctls device-wide (a blocking wait still sleeps
	 * unlocked): what a trace needs so that its order is an order
	 * that replays identically. */
	bool serialize;
	/* Instructions one GROUP_SUBMIT job may retire before its group
	 * faults (GPUVM_CS_EXC_INSTR_CAP); 0: the interpreter's default,
	 * GPUVM_CS_DEFAULT_MAX_INSTRS. Fuzzers lower it. */
	uint64_t cs_max_instrs;
	/* How long a job may stay blocked in a SYNC_WAIT before its group
	 * times out (DRM_PANTHOR_GROUP_STATE_TIMEDOUT), in ms; 0: 5000,
	 * panthor's job timeout. */
	uint32_t job_timeout_ms;
};

/* cfg NULL: every default. -EINVAL (bad configuration, as
 * gpuvm_drv_device_create), -ENOMEM. */
int gpuvm_uapi_device_create(const struct gpuvm_uapi_device_cfg *cfg,
			     struct gpuvm_uapi_device **out);
/* Closes every file and ends every mapping's hold. NULL is allowed. */
void gpuvm_uapi_device_destroy(struct gpuvm_uapi_device *dev);
struct gpuvm_drv_device *gpuvm_uapi_device_drv(struct gpuvm_uapi_device *dev);

/* An open of a node: -EINVAL (no such node), -ENOMEM. */
int gpuvm_uapi_open(struct gpuvm_uapi_device *dev, enum gpuvm_uapi_node node,
		    struct gpuvm_uapi_file **out);
/*
 * The last close of a file: its VMs, BOs and syncobjs go, as at the
 * kernel's postclose. Memory still mapped by the CPU lives on until its
 * mappings end. NULL is allowed.
 */
void gpuvm_uapi_close(struct gpuvm_uapi_file *file);
/* The driver file behind a file: for inspection and GPU accesses. */
struct gpuvm_drv_file *gpuvm_uapi_file_drv(struct gpuvm_uapi_file *file);
enum gpuvm_uapi_node gpuvm_uapi_file_node(const struct gpuvm_uapi_file *file);

/*
 * One ioctl(fd, request, arg) on the file: 0 or a negative errno, with
 * every output the kernel would write written to the caller's memory.
 */
int gpuvm_uapi_ioctl(struct gpuvm_uapi_file *file, unsigned long request,
		     void *arg);

/* ------------------------------------------------------------------ */
/* CPU mappings                                                        */

/* One piece of a mapping: map `size` bytes of file `fd` at `pa` to
 * address start + offset. */
struct gpuvm_uapi_map_run {
	uint64_t offset;
	uint64_t pa;
	uint64_t size;
};

/* What mmap(2) must put at its address for an accepted mapping. */
struct gpuvm_uapi_map_plan {
	enum {
		GPUVM_UAPI_MAP_BO,     /* runs of the RAM file */
		GPUVM_UAPI_MAP_MMIO,   /* one read-only zero page: LATEST_FLUSH_ID */
	} kind;
	int fd;                        /* the RAM memfd (GPUVM_UAPI_MAP_BO) */
	uint64_t size;                 /* the mapping's length, page-rounded */
	unsigned int nruns;
	const struct gpuvm_uapi_map_run *runs;
};

/* mmap's prot and flags bits this layer looks at (Linux values). */
#define GPUVM_UAPI_PROT_WRITE  0x2
#define GPUVM_UAPI_PROT_EXEC   0x4
#define GPUVM_UAPI_MAP_SHARED  0x1
#define GPUVM_UAPI_MAP_SHARED_VALIDATE 0x3

/*
 * Accepts or refuses mmap(len, prot, flags, fd, offset) of the file, as
 * panthor's mmap does: -EINVAL unless MAP_SHARED, for an unaligned or
 * unknown offset, or a length past the object; -EACCES for another
 * file's object; -EINVAL for a writable or executable flush-ID page.
 * On success the BO is pinned and held, the frames a writable mapping
 * reaches are marked written, and *plan says what to map (valid until
 * gpuvm_uapi_mmap_end). -ENOMEM if the BO cannot be brought back.
 */
int gpuvm_uapi_mmap_begin(struct gpuvm_uapi_file *file, uint64_t offset,
			  uint64_t len, int prot, int flags,
			  struct gpuvm_uapi_mapping **out,
			  struct gpuvm_uapi_map_plan *plan);
/* The mapping became writable (mprotect): mark its frames written. */
void gpuvm_uapi_mmap_writable(struct gpuvm_uapi_mapping *m);
/* The last of the mapping is gone: unpin, release. NULL is allowed. */
void gpuvm_uapi_mmap_end(struct gpuvm_uapi_mapping *m);

/* ------------------------------------------------------------------ */
/* Ioctl descriptions (for tracing and replay)                         */

/* The name of a known ioctl request ("PANTHOR_VM_BIND"), or NULL. */
const char *gpuvm_uapi_ioctl_name(unsigned long request);
/* The request of a name, 0 if unknown. */
unsigned long gpuvm_uapi_ioctl_request(const char *name);

/*
 * The layout of an ioctl's argument, field by field, so that a tracer can
 * print it and a replayer rebuild it. A pointer field names the sibling
 * fields that give its element count and stride (or fixed values), and
 * the layout of its elements when they hold pointers themselves.
 */
enum gpuvm_uapi_field_kind {
	GPUVM_UAPI_VALUE,      /* an unsigned integer of 1, 2, 4 or 8 bytes */
	GPUVM_UAPI_POINTER,    /* a user pointer to count x stride bytes */
	GPUVM_UAPI_STRING,     /* a user pointer to a NUL-terminated string */
};

struct gpuvm_uapi_type;

struct gpuvm_uapi_field {
	const char *name;
	uint16_t offset, size;
	enum gpuvm_uapi_field_kind kind;
	const char *count;     /* POINTER: field giving the count, or NULL */
	const char *stride;    /* POINTER: field giving the stride, or NULL */
	uint32_t elem;         /* POINTER: fixed stride when stride is NULL */
	const struct gpuvm_uapi_type *of;  /* POINTER: element layout */
};

struct gpuvm_uapi_type {
	const char *name;
	uint32_t size;
	unsigned int nfields;
	const struct gpuvm_uapi_field *fields;
};

/* The layout of a request's argument, by its number; NULL if unknown. */
const struct gpuvm_uapi_type *gpuvm_uapi_ioctl_type(unsigned long request);
/* An argument or element layout by its name ("drm_panthor_sync_op"). */
const struct gpuvm_uapi_type *gpuvm_uapi_type_find(const char *name);
/* A field's value in a struct laid out as t. */
uint64_t gpuvm_uapi_field_get(const struct gpuvm_uapi_field *fl,
			      const void *obj);
void gpuvm_uapi_field_set(const struct gpuvm_uapi_field *fl, void *obj,
			  uint64_t v);
const struct gpuvm_uapi_field *
gpuvm_uapi_field_find(const struct gpuvm_uapi_type *t, const char *name);

/* Reads the caller's memory as the ioctls do: 0 or -EFAULT, no crash. */
int gpuvm_uapi_copy_from_user(void *dst, uint64_t src, uint64_t n);
int gpuvm_uapi_copy_to_user(uint64_t dst, const void *src, uint64_t n);

/* ------------------------------------------------------------------ */
/* Observers                                                           */

/* A file's number: 1, 2, ... in open order on its device. */
uint32_t gpuvm_uapi_file_id(const struct gpuvm_uapi_file *file);
uint32_t gpuvm_uapi_mapping_id(const struct gpuvm_uapi_mapping *m);

/*
 * What made queue `queue` of the file's group `group` fatal (GROUP_GET_STATE
 * reports only which queues): the CS exception, the instruction, the GPU
 * VA and the MMU's fault (gpuvm/cs.h). An exception of
 * GPUVM_CS_EXC_OK means the job could not start: its VM's evicted BOs
 * could not be made resident. -EINVAL (NULL argument, no such group or
 * queue), -ENODATA (the queue is not fatal).
 */
int gpuvm_uapi_group_fault(struct gpuvm_uapi_file *file, uint32_t group,
			   uint32_t queue, struct gpuvm_cs_fault *fault);

/*
 * Called with the device's ioctls serialised, so the order of the calls
 * is an order that replays with the same results.
 */
struct gpuvm_uapi_hooks {
	void (*open)(void *cookie, struct gpuvm_uapi_file *f);
	void (*close)(void *cookie, struct gpuvm_uapi_file *f);
	/*
	 * After an ioctl: in is the argument as read (NULL if reading it
	 * faulted), out as written back (out_fault: writing it faulted),
	 * both ksize bytes; size is the request's own size.
	 */
	void (*ioctl)(void *cookie, struct gpuvm_uapi_file *f,
		      unsigned long request, const void *in, const void *out,
		      uint32_t ksize, void *arg, int ret, bool out_fault);
	void (*mmap)(void *cookie, struct gpuvm_uapi_file *f,
		     const struct gpuvm_uapi_mapping *m, uint64_t offset,
		     uint64_t len, int prot, int flags, int ret);
	void (*munmap)(void *cookie, const struct gpuvm_uapi_mapping *m);
};

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_UAPI_H */
