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
 */
#ifndef GPUVM_UAPI_H
#define GPUVM_UAPI_H

#include <stdbool.h>
#include <stdint.h>

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

struct gpuvm_uapi_device_cfg {
	/* The driver device; shared_ram is forced on (CPU mappings). */
	struct gpuvm_drv_device_cfg drv;
	/* No worker thread: queued jobs run only when an ioctl runs what
	 * is ready. For tests that want no second thread. */
	bool no_worker;
	/* Serialise ioctls device-wide (a blocking wait still sleeps
	 * unlocked): what a trace needs so that its order is an order
	 * that replays identically. */
	bool serialize;
};

/* -EINVAL (bad configuration, as gpuvm_drv_device_create), -ENOMEM. */
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

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_UAPI_H */
