// SPDX-License-Identifier: MIT
/*
 * The ABI replica (include/gpuvm/panthor_drm.h) against the kernel's
 * layout: every structure's size and every field's offset, every ioctl
 * number and every flag value, written here as the literal upstream
 * values for x86_64 (LP64), so a change to the header that breaks binary
 * compatibility fails here rather than in a client.
 *
 * The numbers come from the kernel's include/uapi/drm/panthor_drm.h and
 * drm.h at panthor uAPI 1.9; the panthor ones were cross-checked against
 * an independent copy of the 1.5 header for the structures 1.5 has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gpuvm/panthor_drm.h"

#define SIZE(t, n) assert_int_equal(sizeof(struct t), n)
#define OFF(t, f, n) assert_int_equal(offsetof(struct t, f), n)
#define NUM(x, n) assert_int_equal((unsigned long)(x), (unsigned long)(n))

static void test_core_structs(void **state)
{
	(void)state;
	SIZE(drm_version, 64);
	OFF(drm_version, version_minor, 4);
	OFF(drm_version, version_patchlevel, 8);
	OFF(drm_version, name_len, 16);
	OFF(drm_version, name, 24);
	OFF(drm_version, date_len, 32);
	OFF(drm_version, date, 40);
	OFF(drm_version, desc_len, 48);
	OFF(drm_version, desc, 56);
	SIZE(drm_gem_close, 8);
	OFF(drm_gem_close, pad, 4);
	SIZE(drm_get_cap, 16);
	OFF(drm_get_cap, value, 8);
	SIZE(drm_set_client_cap, 16);
	OFF(drm_set_client_cap, value, 8);
	SIZE(drm_syncobj_create, 8);
	OFF(drm_syncobj_create, flags, 4);
	SIZE(drm_syncobj_destroy, 8);
	SIZE(drm_syncobj_handle, 24);
	OFF(drm_syncobj_handle, fd, 8);
	OFF(drm_syncobj_handle, pad, 12);
	OFF(drm_syncobj_handle, point, 16);
	SIZE(drm_syncobj_transfer, 32);
	OFF(drm_syncobj_transfer, dst_handle, 4);
	OFF(drm_syncobj_transfer, src_point, 8);
	OFF(drm_syncobj_transfer, dst_point, 16);
	OFF(drm_syncobj_transfer, flags, 24);
	OFF(drm_syncobj_transfer, pad, 28);
	SIZE(drm_syncobj_wait, 40);
	OFF(drm_syncobj_wait, timeout_nsec, 8);
	OFF(drm_syncobj_wait, count_handles, 16);
	OFF(drm_syncobj_wait, flags, 20);
	OFF(drm_syncobj_wait, first_signaled, 24);
	OFF(drm_syncobj_wait, pad, 28);
	OFF(drm_syncobj_wait, deadline_nsec, 32);
	SIZE(drm_syncobj_timeline_wait, 48);
	OFF(drm_syncobj_timeline_wait, points, 8);
	OFF(drm_syncobj_timeline_wait, timeout_nsec, 16);
	OFF(drm_syncobj_timeline_wait, count_handles, 24);
	OFF(drm_syncobj_timeline_wait, flags, 28);
	OFF(drm_syncobj_timeline_wait, first_signaled, 32);
	OFF(drm_syncobj_timeline_wait, pad, 36);
	OFF(drm_syncobj_timeline_wait, deadline_nsec, 40);
	SIZE(drm_syncobj_eventfd, 24);
	OFF(drm_syncobj_eventfd, point, 8);
	OFF(drm_syncobj_eventfd, fd, 16);
	SIZE(drm_syncobj_array, 16);
	OFF(drm_syncobj_array, count_handles, 8);
	OFF(drm_syncobj_array, pad, 12);
	SIZE(drm_syncobj_timeline_array, 24);
	OFF(drm_syncobj_timeline_array, points, 8);
	OFF(drm_syncobj_timeline_array, count_handles, 16);
	OFF(drm_syncobj_timeline_array, flags, 20);
}

static void test_core_numbers(void **state)
{
	(void)state;
	NUM(DRM_IOCTL_VERSION, 0xc0406400);
	NUM(DRM_IOCTL_GEM_CLOSE, 0x40086409);
	NUM(DRM_IOCTL_GET_CAP, 0xc010640c);
	NUM(DRM_IOCTL_SET_CLIENT_CAP, 0x4010640d);
	NUM(DRM_IOCTL_SYNCOBJ_CREATE, 0xc00864bf);
	NUM(DRM_IOCTL_SYNCOBJ_DESTROY, 0xc00864c0);
	NUM(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, 0xc01864c1);
	NUM(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, 0xc01864c2);
	NUM(DRM_IOCTL_SYNCOBJ_WAIT, 0xc02864c3);
	NUM(DRM_IOCTL_SYNCOBJ_RESET, 0xc01064c4);
	NUM(DRM_IOCTL_SYNCOBJ_SIGNAL, 0xc01064c5);
	NUM(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, 0xc03064ca);
	NUM(DRM_IOCTL_SYNCOBJ_QUERY, 0xc01864cb);
	NUM(DRM_IOCTL_SYNCOBJ_TRANSFER, 0xc02064cc);
	NUM(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, 0xc01864cd);
	NUM(DRM_IOCTL_SYNCOBJ_EVENTFD, 0xc01864cf);
	NUM(DRM_COMMAND_BASE, 0x40);
	NUM(DRM_COMMAND_END, 0xa0);
	NUM(DRM_CAP_PRIME, 0x5);
	NUM(DRM_CAP_TIMESTAMP_MONOTONIC, 0x6);
	NUM(DRM_CAP_SYNCOBJ, 0x13);
	NUM(DRM_CAP_SYNCOBJ_TIMELINE, 0x14);
	NUM(DRM_CLIENT_CAP_ATOMIC, 3);
	NUM(DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, 6);
	NUM(DRM_SYNCOBJ_CREATE_SIGNALED, 1);
	NUM(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, 1);
	NUM(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 2);
	NUM(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 4);
	NUM(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE, 8);
	NUM(DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED, 1);
	NUM(DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE, 1);
	NUM(DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE, 2);
}

static void test_panthor_structs(void **state)
{
	(void)state;
	SIZE(drm_panthor_obj_array, 16);
	OFF(drm_panthor_obj_array, count, 4);
	OFF(drm_panthor_obj_array, array, 8);
	SIZE(drm_panthor_sync_op, 16);
	OFF(drm_panthor_sync_op, handle, 4);
	OFF(drm_panthor_sync_op, timeline_value, 8);

	SIZE(drm_panthor_gpu_info, 112);
	OFF(drm_panthor_gpu_info, gpu_rev, 4);
	OFF(drm_panthor_gpu_info, csf_id, 8);
	OFF(drm_panthor_gpu_info, l2_features, 12);
	OFF(drm_panthor_gpu_info, tiler_features, 16);
	OFF(drm_panthor_gpu_info, mem_features, 20);
	OFF(drm_panthor_gpu_info, mmu_features, 24);
	OFF(drm_panthor_gpu_info, thread_features, 28);
	OFF(drm_panthor_gpu_info, max_threads, 32);
	OFF(drm_panthor_gpu_info, thread_max_workgroup_size, 36);
	OFF(drm_panthor_gpu_info, thread_max_barrier_size, 40);
	OFF(drm_panthor_gpu_info, coherency_features, 44);
	OFF(drm_panthor_gpu_info, texture_features, 48);
	OFF(drm_panthor_gpu_info, as_present, 64);
	OFF(drm_panthor_gpu_info, selected_coherency, 68);
	OFF(drm_panthor_gpu_info, shader_present, 72);
	OFF(drm_panthor_gpu_info, l2_present, 80);
	OFF(drm_panthor_gpu_info, tiler_present, 88);
	OFF(drm_panthor_gpu_info, core_features, 96);
	OFF(drm_panthor_gpu_info, pad, 100);
	OFF(drm_panthor_gpu_info, gpu_features, 104);

	SIZE(drm_panthor_csif_info, 24);
	OFF(drm_panthor_csif_info, cs_slot_count, 4);
	OFF(drm_panthor_csif_info, cs_reg_count, 8);
	OFF(drm_panthor_csif_info, scoreboard_slot_count, 12);
	OFF(drm_panthor_csif_info, unpreserved_cs_reg_count, 16);
	OFF(drm_panthor_csif_info, pad, 20);

	SIZE(drm_panthor_timestamp_info, 56);
	OFF(drm_panthor_timestamp_info, current_timestamp, 8);
	OFF(drm_panthor_timestamp_info, timestamp_offset, 16);
	OFF(drm_panthor_timestamp_info, flags, 24);
	OFF(drm_panthor_timestamp_info, duration_nsec, 28);
	OFF(drm_panthor_timestamp_info, cycle_count, 32);
	OFF(drm_panthor_timestamp_info, cpu_timestamp_sec, 40);
	OFF(drm_panthor_timestamp_info, cpu_timestamp_nsec, 48);
	SIZE(drm_panthor_mmu_info, 8);
	SIZE(drm_panthor_group_priorities_info, 4);
	OFF(drm_panthor_group_priorities_info, pad, 1);

	SIZE(drm_panthor_dev_query, 16);
	OFF(drm_panthor_dev_query, size, 4);
	OFF(drm_panthor_dev_query, pointer, 8);
	SIZE(drm_panthor_vm_create, 16);
	OFF(drm_panthor_vm_create, id, 4);
	OFF(drm_panthor_vm_create, user_va_range, 8);
	SIZE(drm_panthor_vm_destroy, 8);
	OFF(drm_panthor_vm_destroy, pad, 4);
	SIZE(drm_panthor_vm_bind_op, 48);
	OFF(drm_panthor_vm_bind_op, bo_handle, 4);
	OFF(drm_panthor_vm_bind_op, bo_offset, 8);
	OFF(drm_panthor_vm_bind_op, va, 16);
	OFF(drm_panthor_vm_bind_op, size, 24);
	OFF(drm_panthor_vm_bind_op, syncs, 32);
	SIZE(drm_panthor_vm_bind, 24);
	OFF(drm_panthor_vm_bind, flags, 4);
	OFF(drm_panthor_vm_bind, ops, 8);
	SIZE(drm_panthor_vm_get_state, 8);
	OFF(drm_panthor_vm_get_state, state, 4);
	SIZE(drm_panthor_bo_create, 24);
	OFF(drm_panthor_bo_create, flags, 8);
	OFF(drm_panthor_bo_create, exclusive_vm_id, 12);
	OFF(drm_panthor_bo_create, handle, 16);
	OFF(drm_panthor_bo_create, pad, 20);
	SIZE(drm_panthor_bo_mmap_offset, 16);
	OFF(drm_panthor_bo_mmap_offset, pad, 4);
	OFF(drm_panthor_bo_mmap_offset, offset, 8);

	SIZE(drm_panthor_queue_create, 8);
	OFF(drm_panthor_queue_create, ringbuf_size, 4);
	SIZE(drm_panthor_group_create, 56);
	OFF(drm_panthor_group_create, max_compute_cores, 16);
	OFF(drm_panthor_group_create, max_fragment_cores, 17);
	OFF(drm_panthor_group_create, max_tiler_cores, 18);
	OFF(drm_panthor_group_create, priority, 19);
	OFF(drm_panthor_group_create, pad, 20);
	OFF(drm_panthor_group_create, compute_core_mask, 24);
	OFF(drm_panthor_group_create, fragment_core_mask, 32);
	OFF(drm_panthor_group_create, tiler_core_mask, 40);
	OFF(drm_panthor_group_create, vm_id, 48);
	OFF(drm_panthor_group_create, group_handle, 52);
	SIZE(drm_panthor_group_destroy, 8);
	SIZE(drm_panthor_queue_submit, 40);
	OFF(drm_panthor_queue_submit, stream_size, 4);
	OFF(drm_panthor_queue_submit, stream_addr, 8);
	OFF(drm_panthor_queue_submit, latest_flush, 16);
	OFF(drm_panthor_queue_submit, pad, 20);
	OFF(drm_panthor_queue_submit, syncs, 24);
	SIZE(drm_panthor_group_submit, 24);
	OFF(drm_panthor_group_submit, queue_submits, 8);
	SIZE(drm_panthor_group_get_state, 16);
	OFF(drm_panthor_group_get_state, state, 4);
	OFF(drm_panthor_group_get_state, fatal_queues, 8);
	OFF(drm_panthor_group_get_state, pad, 12);
	SIZE(drm_panthor_tiler_heap_create, 40);
	OFF(drm_panthor_tiler_heap_create, initial_chunk_count, 4);
	OFF(drm_panthor_tiler_heap_create, chunk_size, 8);
	OFF(drm_panthor_tiler_heap_create, max_chunks, 12);
	OFF(drm_panthor_tiler_heap_create, target_in_flight, 16);
	OFF(drm_panthor_tiler_heap_create, handle, 20);
	OFF(drm_panthor_tiler_heap_create, tiler_heap_ctx_gpu_va, 24);
	OFF(drm_panthor_tiler_heap_create, first_heap_chunk_gpu_va, 32);
	SIZE(drm_panthor_tiler_heap_destroy, 8);
	SIZE(drm_panthor_bo_set_label, 16);
	OFF(drm_panthor_bo_set_label, pad, 4);
	OFF(drm_panthor_bo_set_label, label, 8);
	SIZE(drm_panthor_set_user_mmio_offset, 8);
	SIZE(drm_panthor_bo_sync_op, 24);
	OFF(drm_panthor_bo_sync_op, type, 4);
	OFF(drm_panthor_bo_sync_op, offset, 8);
	OFF(drm_panthor_bo_sync_op, size, 16);
	SIZE(drm_panthor_bo_sync, 16);
	SIZE(drm_panthor_bo_query_info, 16);
	OFF(drm_panthor_bo_query_info, extra_flags, 4);
	OFF(drm_panthor_bo_query_info, create_flags, 8);
	OFF(drm_panthor_bo_query_info, pad, 12);
}

static void test_panthor_numbers(void **state)
{
	(void)state;
	NUM(DRM_IOCTL_PANTHOR_DEV_QUERY, 0xc0106440);
	NUM(DRM_IOCTL_PANTHOR_VM_CREATE, 0xc0106441);
	NUM(DRM_IOCTL_PANTHOR_VM_DESTROY, 0xc0086442);
	NUM(DRM_IOCTL_PANTHOR_VM_BIND, 0xc0186443);
	NUM(DRM_IOCTL_PANTHOR_VM_GET_STATE, 0xc0086444);
	NUM(DRM_IOCTL_PANTHOR_BO_CREATE, 0xc0186445);
	NUM(DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, 0xc0106446);
	NUM(DRM_IOCTL_PANTHOR_GROUP_CREATE, 0xc0386447);
	NUM(DRM_IOCTL_PANTHOR_GROUP_DESTROY, 0xc0086448);
	NUM(DRM_IOCTL_PANTHOR_GROUP_SUBMIT, 0xc0186449);
	NUM(DRM_IOCTL_PANTHOR_GROUP_GET_STATE, 0xc010644a);
	NUM(DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE, 0xc028644b);
	NUM(DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, 0xc008644c);
	NUM(DRM_IOCTL_PANTHOR_BO_SET_LABEL, 0xc010644d);
	NUM(DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET, 0xc008644e);
	NUM(DRM_IOCTL_PANTHOR_BO_SYNC, 0xc010644f);
	NUM(DRM_IOCTL_PANTHOR_BO_QUERY_INFO, 0xc0106450);
}

static void test_panthor_flags(void **state)
{
	(void)state;
	NUM(DRM_PANTHOR_USER_MMIO_OFFSET_32BIT, 1ull << 43);
	NUM(DRM_PANTHOR_USER_MMIO_OFFSET_64BIT, 1ull << 56);
	NUM(DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET, 1ull << 56);
	NUM(DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK, 0xff);
	NUM(DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ, 0);
	NUM(DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ, 1);
	NUM(DRM_PANTHOR_SYNC_OP_WAIT, 0);
	NUM((uint32_t)DRM_PANTHOR_SYNC_OP_SIGNAL, 0x80000000u);
	NUM(DRM_PANTHOR_DEV_QUERY_GPU_INFO, 0);
	NUM(DRM_PANTHOR_DEV_QUERY_CSIF_INFO, 1);
	NUM(DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO, 2);
	NUM(DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO, 3);
	NUM(DRM_PANTHOR_DEV_QUERY_MMU_INFO, 4);
	NUM(DRM_PANTHOR_GPU_COHERENCY_NONE, 31);
	NUM(DRM_PANTHOR_TIMESTAMP_GPU, 0x1);
	NUM(DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC, 0x2);
	NUM(DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW, 0x4);
	NUM(DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK, 0xe);
	NUM(DRM_PANTHOR_TIMESTAMP_GPU_OFFSET, 0x10);
	NUM(DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT, 0x20);
	NUM(DRM_PANTHOR_TIMESTAMP_FREQ, 0x40);
	NUM(DRM_PANTHOR_TIMESTAMP_DURATION, 0x80);
	NUM(DRM_PANTHOR_VM_BIND_OP_MAP_READONLY, 0x1);
	NUM(DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC, 0x2);
	NUM(DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED, 0x4);
	NUM(DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE, 0x8);
	NUM((uint32_t)DRM_PANTHOR_VM_BIND_OP_TYPE_MASK, 0xf0000000u);
	NUM(DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 0);
	NUM(DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, 0x10000000);
	NUM(DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY, 0x20000000);
	NUM(DRM_PANTHOR_VM_BIND_ASYNC, 1);
	NUM(DRM_PANTHOR_VM_STATE_USABLE, 0);
	NUM(DRM_PANTHOR_VM_STATE_UNUSABLE, 1);
	NUM(DRM_PANTHOR_BO_NO_MMAP, 1);
	NUM(DRM_PANTHOR_BO_WB_MMAP, 2);
	NUM(PANTHOR_GROUP_PRIORITY_REALTIME, 3);
	NUM(DRM_PANTHOR_GROUP_STATE_INNOCENT, 4);
	NUM(DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE, 1);
	NUM(DRM_PANTHOR_BO_IS_IMPORTED, 1);
	NUM(DRM_PANTHOR_BO_QUERY_INFO, 16);
	NUM(DRM_PANTHOR_MMU_VA_BITS(0x2830u), 0x30);
	NUM(DRM_PANTHOR_ARCH_MAJOR(0xa8670000u), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_structs),
		cmocka_unit_test(test_core_numbers),
		cmocka_unit_test(test_panthor_structs),
		cmocka_unit_test(test_panthor_numbers),
		cmocka_unit_test(test_panthor_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
