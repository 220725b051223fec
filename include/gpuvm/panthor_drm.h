/* SPDX-License-Identifier: MIT */
/*
 * DOC: panthor uAPI 1.9, as the kernel lays it out (ABI replica)
 *
 * A client of gpuvm's render node (the shim, or gpuvm_uapi_ioctl() called
 * directly) needs the panthor ioctl numbers and argument structures. The
 * kernel's include/uapi/drm/panthor_drm.h is not in Debian 12 (libdrm
 * 2.4.114 predates panthor), so gpuvm carries its own, written for the
 * project from the published layout: every ioctl number, structure size,
 * field offset and flag value is the kernel's, so a program built against
 * this header runs against a real panthor kernel unchanged and the other
 * way round. tests/uapi/test_abi.c asserts all of them against the
 * upstream values.
 *
 * Version 1.9 is 1.7 (BO_SYNC, BO_QUERY_INFO, the WB_MMAP BO flag, the
 * selected coherency), 1.8 (timestamp query flags) and the sparse binding
 * flag, with the MMU information query.
 *
 * The header needs no library: it includes only <linux/ioctl.h> and
 * <linux/types.h>. It also carries the few DRM core definitions a panthor
 * client uses (version, capabilities, GEM close, client caps, syncobjs),
 * unless the system's drm.h was included before it: include <xf86drm.h>
 * or <drm.h> first when using both, since the core structures would
 * otherwise be defined twice.
 *
 * Conventions kept from the kernel: structures are 8-byte aligned with
 * explicit padding fields that must be zero; new fields are only ever
 * appended, and a caller passing a smaller (older) structure sees the
 * newer fields as zero; arrays of extensible objects travel as
 * struct drm_panthor_obj_array with the caller's element size as stride.
 */
#ifndef GPUVM_PANTHOR_DRM_H
#define GPUVM_PANTHOR_DRM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#if defined(__cplusplus)
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* DRM core (the subset panthor clients use)                          */

#ifndef _DRM_H_

#define DRM_IOCTL_BASE    'd'
#define DRM_IO(nr)        _IO(DRM_IOCTL_BASE, nr)
#define DRM_IOR(nr, t)    _IOR(DRM_IOCTL_BASE, nr, t)
#define DRM_IOW(nr, t)    _IOW(DRM_IOCTL_BASE, nr, t)
#define DRM_IOWR(nr, t)   _IOWR(DRM_IOCTL_BASE, nr, t)

/* Driver ioctls occupy numbers [DRM_COMMAND_BASE, DRM_COMMAND_END). */
#define DRM_COMMAND_BASE  0x40
#define DRM_COMMAND_END   0xA0

/* Each string comes back truncated to its *_len, which is then set to
 * the full length (without a terminator). */
struct drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	__kernel_size_t name_len;
	char *name;
	__kernel_size_t date_len;
	char *date;
	__kernel_size_t desc_len;
	char *desc;
};

struct drm_gem_close {
	__u32 handle;
	__u32 pad;
};

#define DRM_CAP_DUMB_BUFFER          0x1
#define DRM_CAP_PRIME                0x5
#define DRM_PRIME_CAP_IMPORT         0x1
#define DRM_PRIME_CAP_EXPORT         0x2
#define DRM_CAP_TIMESTAMP_MONOTONIC  0x6
#define DRM_CAP_SYNCOBJ              0x13
#define DRM_CAP_SYNCOBJ_TIMELINE     0x14

struct drm_get_cap {
	__u64 capability;
	__u64 value;
};

#define DRM_CLIENT_CAP_STEREO_3D            1
#define DRM_CLIENT_CAP_UNIVERSAL_PLANES     2
#define DRM_CLIENT_CAP_ATOMIC               3
#define DRM_CLIENT_CAP_ASPECT_RATIO         4
#define DRM_CLIENT_CAP_WRITEBACK_CONNECTORS 5
#define DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT 6

struct drm_set_client_cap {
	__u64 capability;
	__u64 value;
};

#define DRM_SYNCOBJ_CREATE_SIGNALED (1 << 0)
struct drm_syncobj_create {
	__u32 handle;
	__u32 flags;
};

struct drm_syncobj_destroy {
	__u32 handle;
	__u32 pad;
};

#define DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE (1 << 0)
#define DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE         (1 << 1)
#define DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE (1 << 0)
#define DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE         (1 << 1)
struct drm_syncobj_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
	__u64 point;
};

struct drm_syncobj_transfer {
	__u32 src_handle;
	__u32 dst_handle;
	__u64 src_point;
	__u64 dst_point;
	__u32 flags;
	__u32 pad;
};

#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL       (1 << 0)
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT (1 << 1)
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE (1 << 2)
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE  (1 << 3)

/* timeout_nsec is an absolute CLOCK_MONOTONIC time; 0 polls. */
struct drm_syncobj_wait {
	__u64 handles;
	__s64 timeout_nsec;
	__u32 count_handles;
	__u32 flags;
	__u32 first_signaled;
	__u32 pad;
	__u64 deadline_nsec;
};

struct drm_syncobj_timeline_wait {
	__u64 handles;
	__u64 points;
	__s64 timeout_nsec;
	__u32 count_handles;
	__u32 flags;
	__u32 first_signaled;
	__u32 pad;
	__u64 deadline_nsec;
};

struct drm_syncobj_eventfd {
	__u32 handle;
	__u32 flags;
	__u64 point;
	__s32 fd;
	__u32 pad;
};

struct drm_syncobj_array {
	__u64 handles;
	__u32 count_handles;
	__u32 pad;
};

#define DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED (1 << 0)
struct drm_syncobj_timeline_array {
	__u64 handles;
	__u64 points;
	__u32 count_handles;
	__u32 flags;
};

#define DRM_IOCTL_VERSION              DRM_IOWR(0x00, struct drm_version)
#define DRM_IOCTL_GEM_CLOSE            DRM_IOW(0x09, struct drm_gem_close)
#define DRM_IOCTL_GET_CAP              DRM_IOWR(0x0c, struct drm_get_cap)
#define DRM_IOCTL_SET_CLIENT_CAP       DRM_IOW(0x0d, struct drm_set_client_cap)
#define DRM_IOCTL_SYNCOBJ_CREATE       DRM_IOWR(0xBF, struct drm_syncobj_create)
#define DRM_IOCTL_SYNCOBJ_DESTROY      DRM_IOWR(0xC0, struct drm_syncobj_destroy)
#define DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD DRM_IOWR(0xC1, struct drm_syncobj_handle)
#define DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE DRM_IOWR(0xC2, struct drm_syncobj_handle)
#define DRM_IOCTL_SYNCOBJ_WAIT         DRM_IOWR(0xC3, struct drm_syncobj_wait)
#define DRM_IOCTL_SYNCOBJ_RESET        DRM_IOWR(0xC4, struct drm_syncobj_array)
#define DRM_IOCTL_SYNCOBJ_SIGNAL       DRM_IOWR(0xC5, struct drm_syncobj_array)
#define DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT \
	DRM_IOWR(0xCA, struct drm_syncobj_timeline_wait)
#define DRM_IOCTL_SYNCOBJ_QUERY \
	DRM_IOWR(0xCB, struct drm_syncobj_timeline_array)
#define DRM_IOCTL_SYNCOBJ_TRANSFER     DRM_IOWR(0xCC, struct drm_syncobj_transfer)
#define DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL \
	DRM_IOWR(0xCD, struct drm_syncobj_timeline_array)
#define DRM_IOCTL_SYNCOBJ_EVENTFD      DRM_IOWR(0xCF, struct drm_syncobj_eventfd)

#endif /* _DRM_H_ */

/* ------------------------------------------------------------------ */
/* panthor                                                             */

/*
 * mmap offsets of the register pages userspace may map: one base for
 * 64-bit processes, one a 32-bit pgoff can reach.
 */
#define DRM_PANTHOR_USER_MMIO_OFFSET_32BIT (1ull << 43)
#define DRM_PANTHOR_USER_MMIO_OFFSET_64BIT (1ull << 56)
#define DRM_PANTHOR_USER_MMIO_OFFSET \
	(sizeof(unsigned long) < 8 ? DRM_PANTHOR_USER_MMIO_OFFSET_32BIT : \
				     DRM_PANTHOR_USER_MMIO_OFFSET_64BIT)
/* The LATEST_FLUSH_ID register page. */
#define DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET \
	(DRM_PANTHOR_USER_MMIO_OFFSET | 0)

/* Ioctl indices, from DRM_COMMAND_BASE; append only. */
enum drm_panthor_ioctl_id {
	DRM_PANTHOR_DEV_QUERY = 0,
	DRM_PANTHOR_VM_CREATE,
	DRM_PANTHOR_VM_DESTROY,
	DRM_PANTHOR_VM_BIND,
	DRM_PANTHOR_VM_GET_STATE,
	DRM_PANTHOR_BO_CREATE,
	DRM_PANTHOR_BO_MMAP_OFFSET,
	DRM_PANTHOR_GROUP_CREATE,
	DRM_PANTHOR_GROUP_DESTROY,
	DRM_PANTHOR_GROUP_SUBMIT,
	DRM_PANTHOR_GROUP_GET_STATE,
	DRM_PANTHOR_TILER_HEAP_CREATE,
	DRM_PANTHOR_TILER_HEAP_DESTROY,
	DRM_PANTHOR_BO_SET_LABEL,
	DRM_PANTHOR_SET_USER_MMIO_OFFSET,
	DRM_PANTHOR_BO_SYNC,
	DRM_PANTHOR_BO_QUERY_INFO,
};

/* An array of extensible objects: stride is the caller's element size. */
struct drm_panthor_obj_array {
	__u32 stride;
	__u32 count;
	__u64 array;
};

#define DRM_PANTHOR_OBJ_ARRAY(cnt, ptr) \
	{ .stride = sizeof((ptr)[0]), .count = (cnt), \
	  .array = (__u64)(unsigned long)(ptr) }

enum drm_panthor_sync_op_flags {
	DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK = 0xff,
	DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ = 0,
	DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ = 1,
	DRM_PANTHOR_SYNC_OP_WAIT = 0 << 31,
	DRM_PANTHOR_SYNC_OP_SIGNAL = (int)(1u << 31),
};

/* timeline_value must be 0 for a binary syncobj. */
struct drm_panthor_sync_op {
	__u32 flags;
	__u32 handle;
	__u64 timeline_value;
};

enum drm_panthor_dev_query_type {
	DRM_PANTHOR_DEV_QUERY_GPU_INFO = 0,
	DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
	DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
	DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
	DRM_PANTHOR_DEV_QUERY_MMU_INFO,
};

enum drm_panthor_gpu_coherency {
	DRM_PANTHOR_GPU_COHERENCY_ACE_LITE = 0,
	DRM_PANTHOR_GPU_COHERENCY_ACE = 1,
	DRM_PANTHOR_GPU_COHERENCY_NONE = 31,
};

struct drm_panthor_gpu_info {
	__u32 gpu_id;
#define DRM_PANTHOR_ARCH_MAJOR(x)        ((x) >> 28)
#define DRM_PANTHOR_ARCH_MINOR(x)        (((x) >> 24) & 0xf)
#define DRM_PANTHOR_ARCH_REV(x)          (((x) >> 20) & 0xf)
#define DRM_PANTHOR_PRODUCT_MAJOR(x)     (((x) >> 16) & 0xf)
#define DRM_PANTHOR_VERSION_MAJOR(x)     (((x) >> 12) & 0xf)
#define DRM_PANTHOR_VERSION_MINOR(x)     (((x) >> 4) & 0xff)
#define DRM_PANTHOR_VERSION_STATUS(x)    ((x) & 0xf)
	__u32 gpu_rev;
	__u32 csf_id;
#define DRM_PANTHOR_CSHW_MAJOR(x)        (((x) >> 26) & 0x3f)
#define DRM_PANTHOR_CSHW_MINOR(x)        (((x) >> 20) & 0x3f)
#define DRM_PANTHOR_CSHW_REV(x)          (((x) >> 16) & 0xf)
#define DRM_PANTHOR_MCU_MAJOR(x)         (((x) >> 10) & 0x3f)
#define DRM_PANTHOR_MCU_MINOR(x)         (((x) >> 4) & 0x3f)
#define DRM_PANTHOR_MCU_REV(x)           ((x) & 0xf)
	__u32 l2_features;
	__u32 tiler_features;
	__u32 mem_features;
	__u32 mmu_features;
#define DRM_PANTHOR_MMU_VA_BITS(x)       ((x) & 0xff)
	__u32 thread_features;
	__u32 max_threads;
	__u32 thread_max_workgroup_size;
	__u32 thread_max_barrier_size;
	__u32 coherency_features;
	__u32 texture_features[4];
	__u32 as_present;
	__u32 selected_coherency;   /* one of drm_panthor_gpu_coherency */
	__u64 shader_present;
	__u64 l2_present;
	__u64 tiler_present;
	__u32 core_features;
	__u32 pad;
	__u64 gpu_features;
};

struct drm_panthor_csif_info {
	__u32 csg_slot_count;
	__u32 cs_slot_count;
	__u32 cs_reg_count;
	__u32 scoreboard_slot_count;
	__u32 unpreserved_cs_reg_count;
	__u32 pad;
};

/* What a timestamp query samples; flags 0 means GPU | GPU_OFFSET | FREQ. */
enum drm_panthor_timestamp_info_flags {
	DRM_PANTHOR_TIMESTAMP_GPU = 1 << 0,
	DRM_PANTHOR_TIMESTAMP_CPU_NONE = 0 << 1,
	DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC = 1 << 1,
	DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW = 2 << 1,
	DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK = 7 << 1,
	DRM_PANTHOR_TIMESTAMP_GPU_OFFSET = 1 << 4,
	DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT = 1 << 5,
	DRM_PANTHOR_TIMESTAMP_FREQ = 1 << 6,
	DRM_PANTHOR_TIMESTAMP_DURATION = 1 << 7,
};

struct drm_panthor_timestamp_info {
	__u64 timestamp_frequency;
	__u64 current_timestamp;
	__u64 timestamp_offset;
	__u32 flags;                /* in: drm_panthor_timestamp_info_flags */
	__u32 duration_nsec;
	__u64 cycle_count;
	__u64 cpu_timestamp_sec;
	__u64 cpu_timestamp_nsec;
};

struct drm_panthor_mmu_info {
	__u64 page_size_bitmap;
};

struct drm_panthor_group_priorities_info {
	__u8 allowed_mask;          /* bit n: drm_panthor_group_priority n */
	__u8 pad[3];
};

/* pointer == 0 asks for the size of the type's structure. */
struct drm_panthor_dev_query {
	__u32 type;
	__u32 size;
	__u64 pointer;
};

/* user_va_range 0: the kernel picks; the chosen range comes back. */
struct drm_panthor_vm_create {
	__u32 flags;
	__u32 id;
	__u64 user_va_range;
};

struct drm_panthor_vm_destroy {
	__u32 id;
	__u32 pad;
};

enum drm_panthor_vm_bind_op_flags {
	DRM_PANTHOR_VM_BIND_OP_MAP_READONLY = 1 << 0,
	DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC = 1 << 1,
	DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED = 1 << 2,
	/* MAP only: the range is backed cyclically by a per-file dummy;
	 * bo_handle and bo_offset 0, NOEXEC set. */
	DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE = 1 << 3,
	DRM_PANTHOR_VM_BIND_OP_TYPE_MASK = (int)(0xfu << 28),
	DRM_PANTHOR_VM_BIND_OP_TYPE_MAP = 0 << 28,
	DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP = 1 << 28,
	DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY = 2 << 28,
};

struct drm_panthor_vm_bind_op {
	__u32 flags;
	__u32 bo_handle;
	__u64 bo_offset;
	__u64 va;
	__u64 size;
	struct drm_panthor_obj_array syncs; /* of drm_panthor_sync_op */
};

enum drm_panthor_vm_bind_flags {
	DRM_PANTHOR_VM_BIND_ASYNC = 1 << 0,
};

/* On a synchronous failure ops.count is set to the failing op's index. */
struct drm_panthor_vm_bind {
	__u32 vm_id;
	__u32 flags;
	struct drm_panthor_obj_array ops;   /* of drm_panthor_vm_bind_op */
};

enum drm_panthor_vm_state {
	DRM_PANTHOR_VM_STATE_USABLE,
	DRM_PANTHOR_VM_STATE_UNUSABLE,
};

struct drm_panthor_vm_get_state {
	__u32 vm_id;
	__u32 state;
};

enum drm_panthor_bo_flags {
	DRM_PANTHOR_BO_NO_MMAP = (1 << 0),
	DRM_PANTHOR_BO_WB_MMAP = (1 << 1),
};

/* size comes back rounded up to a page. */
struct drm_panthor_bo_create {
	__u64 size;
	__u32 flags;
	__u32 exclusive_vm_id;
	__u32 handle;
	__u32 pad;
};

struct drm_panthor_bo_mmap_offset {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

struct drm_panthor_queue_create {
	__u8 priority;
	__u8 pad[3];
	__u32 ringbuf_size;
};

enum drm_panthor_group_priority {
	PANTHOR_GROUP_PRIORITY_LOW = 0,
	PANTHOR_GROUP_PRIORITY_MEDIUM,
	PANTHOR_GROUP_PRIORITY_HIGH,
	PANTHOR_GROUP_PRIORITY_REALTIME,
};

struct drm_panthor_group_create {
	struct drm_panthor_obj_array queues; /* of drm_panthor_queue_create */
	__u8 max_compute_cores;
	__u8 max_fragment_cores;
	__u8 max_tiler_cores;
	__u8 priority;
	__u32 pad;
	__u64 compute_core_mask;
	__u64 fragment_core_mask;
	__u64 tiler_core_mask;
	__u32 vm_id;
	__u32 group_handle;
};

struct drm_panthor_group_destroy {
	__u32 group_handle;
	__u32 pad;
};

struct drm_panthor_queue_submit {
	__u32 queue_index;
	__u32 stream_size;
	__u64 stream_addr;
	__u32 latest_flush;
	__u32 pad;
	struct drm_panthor_obj_array syncs;  /* of drm_panthor_sync_op */
};

struct drm_panthor_group_submit {
	__u32 group_handle;
	__u32 pad;
	struct drm_panthor_obj_array queue_submits;
};

enum drm_panthor_group_state_flags {
	DRM_PANTHOR_GROUP_STATE_TIMEDOUT = 1 << 0,
	DRM_PANTHOR_GROUP_STATE_FATAL_FAULT = 1 << 1,
	DRM_PANTHOR_GROUP_STATE_INNOCENT = 1 << 2,
};

struct drm_panthor_group_get_state {
	__u32 group_handle;
	__u32 state;
	__u32 fatal_queues;
	__u32 pad;
};

struct drm_panthor_tiler_heap_create {
	__u32 vm_id;
	__u32 initial_chunk_count;
	__u32 chunk_size;
	__u32 max_chunks;
	__u32 target_in_flight;
	__u32 handle;
	__u64 tiler_heap_ctx_gpu_va;
	__u64 first_heap_chunk_gpu_va;
};

struct drm_panthor_tiler_heap_destroy {
	__u32 handle;
	__u32 pad;
};

/* label: 0 clears it, or a NUL-terminated string shorter than 4096. */
struct drm_panthor_bo_set_label {
	__u32 handle;
	__u32 pad;
	__u64 label;
};

struct drm_panthor_set_user_mmio_offset {
	__u64 offset;   /* DRM_PANTHOR_USER_MMIO_OFFSET_32BIT or _64BIT */
};

enum drm_panthor_bo_sync_op_type {
	DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH = 0,
	DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE = 1,
};

struct drm_panthor_bo_sync_op {
	__u32 handle;
	__u32 type;
	__u64 offset;
	__u64 size;
};

struct drm_panthor_bo_sync {
	struct drm_panthor_obj_array ops;    /* of drm_panthor_bo_sync_op */
};

enum drm_panthor_bo_extra_flags {
	DRM_PANTHOR_BO_IS_IMPORTED = (1 << 0),
};

struct drm_panthor_bo_query_info {
	__u32 handle;
	__u32 extra_flags;
	__u32 create_flags;
	__u32 pad;
};

#define DRM_IOCTL_PANTHOR(dir, id, type) \
	DRM_IO##dir(DRM_COMMAND_BASE + DRM_PANTHOR_##id, \
		    struct drm_panthor_##type)

/* Defines rather than the kernel's enum: the values do not fit an int. */
#define DRM_IOCTL_PANTHOR_DEV_QUERY \
	DRM_IOCTL_PANTHOR(WR, DEV_QUERY, dev_query)
#define DRM_IOCTL_PANTHOR_VM_CREATE \
	DRM_IOCTL_PANTHOR(WR, VM_CREATE, vm_create)
#define DRM_IOCTL_PANTHOR_VM_DESTROY \
	DRM_IOCTL_PANTHOR(WR, VM_DESTROY, vm_destroy)
#define DRM_IOCTL_PANTHOR_VM_BIND \
	DRM_IOCTL_PANTHOR(WR, VM_BIND, vm_bind)
#define DRM_IOCTL_PANTHOR_VM_GET_STATE \
	DRM_IOCTL_PANTHOR(WR, VM_GET_STATE, vm_get_state)
#define DRM_IOCTL_PANTHOR_BO_CREATE \
	DRM_IOCTL_PANTHOR(WR, BO_CREATE, bo_create)
#define DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET \
	DRM_IOCTL_PANTHOR(WR, BO_MMAP_OFFSET, bo_mmap_offset)
#define DRM_IOCTL_PANTHOR_GROUP_CREATE \
	DRM_IOCTL_PANTHOR(WR, GROUP_CREATE, group_create)
#define DRM_IOCTL_PANTHOR_GROUP_DESTROY \
	DRM_IOCTL_PANTHOR(WR, GROUP_DESTROY, group_destroy)
#define DRM_IOCTL_PANTHOR_GROUP_SUBMIT \
	DRM_IOCTL_PANTHOR(WR, GROUP_SUBMIT, group_submit)
#define DRM_IOCTL_PANTHOR_GROUP_GET_STATE \
	DRM_IOCTL_PANTHOR(WR, GROUP_GET_STATE, group_get_state)
#define DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE \
	DRM_IOCTL_PANTHOR(WR, TILER_HEAP_CREATE, tiler_heap_create)
#define DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY \
	DRM_IOCTL_PANTHOR(WR, TILER_HEAP_DESTROY, tiler_heap_destroy)
#define DRM_IOCTL_PANTHOR_BO_SET_LABEL \
	DRM_IOCTL_PANTHOR(WR, BO_SET_LABEL, bo_set_label)
#define DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET \
	DRM_IOCTL_PANTHOR(WR, SET_USER_MMIO_OFFSET, set_user_mmio_offset)
#define DRM_IOCTL_PANTHOR_BO_SYNC \
	DRM_IOCTL_PANTHOR(WR, BO_SYNC, bo_sync)
#define DRM_IOCTL_PANTHOR_BO_QUERY_INFO \
	DRM_IOCTL_PANTHOR(WR, BO_QUERY_INFO, bo_query_info)

#if defined(__cplusplus)
}
#endif

#endif /* GPUVM_PANTHOR_DRM_H */
