// SPDX-License-Identifier: MIT
/*
 * DOC: the layouts of the ioctl arguments, field by field
 *
 * A trace (docs/shim.md) prints every ioctl with its fields named, and
 * `gpuvm run` rebuilds the argument from them. Both read these tables:
 * one per argument structure, listing every byte (pads included, so a
 * non-zero pad is replayed as such), and for each user pointer where its
 * length comes from and what its elements are. The offsets are the
 * ABI's (tests/uapi/test_abi.c checks the structures themselves).
 */
#include <errno.h>
#include <string.h>

#include "uapi/uapi_internal.h"

#define V(n, o, s) { .name = n, .offset = o, .size = s, \
		     .kind = GPUVM_UAPI_VALUE }
#define P(n, o, cnt, str, el, t) { .name = n, .offset = o, .size = 8, \
		     .kind = GPUVM_UAPI_POINTER, .count = cnt, .stride = str, \
		     .elem = el, .of = t }
#define S(n, o) { .name = n, .offset = o, .size = 8, \
		  .kind = GPUVM_UAPI_STRING }
#define TYPE(var, nm, sz, ...)                                          \
	static const struct gpuvm_uapi_field var##_f[] = { __VA_ARGS__ }; \
	static const struct gpuvm_uapi_type var = {                     \
		nm, sz, sizeof(var##_f) / sizeof(var##_f[0]), var##_f }

TYPE(t_version, "drm_version", 64,
     V("version_major", 0, 4), V("version_minor", 4, 4),
     V("version_patchlevel", 8, 4), V("pad", 12, 4),
     V("name_len", 16, 8), P("name", 24, "name_len", NULL, 1, NULL),
     V("date_len", 32, 8), P("date", 40, "date_len", NULL, 1, NULL),
     V("desc_len", 48, 8), P("desc", 56, "desc_len", NULL, 1, NULL));
TYPE(t_gem_close, "drm_gem_close", 8,
     V("handle", 0, 4), V("pad", 4, 4));
TYPE(t_cap, "drm_get_cap", 16,
     V("capability", 0, 8), V("value", 8, 8));
TYPE(t_client_cap, "drm_set_client_cap", 16,
     V("capability", 0, 8), V("value", 8, 8));
TYPE(t_sobj_create, "drm_syncobj_create", 8,
     V("handle", 0, 4), V("flags", 4, 4));
TYPE(t_sobj_destroy, "drm_syncobj_destroy", 8,
     V("handle", 0, 4), V("pad", 4, 4));
TYPE(t_sobj_handle, "drm_syncobj_handle", 24,
     V("handle", 0, 4), V("flags", 4, 4), V("fd", 8, 4), V("pad", 12, 4),
     V("point", 16, 8));
TYPE(t_sobj_wait, "drm_syncobj_wait", 40,
     P("handles", 0, "count_handles", NULL, 4, NULL),
     V("timeout_nsec", 8, 8), V("count_handles", 16, 4), V("flags", 20, 4),
     V("first_signaled", 24, 4), V("pad", 28, 4),
     V("deadline_nsec", 32, 8));
TYPE(t_sobj_array, "drm_syncobj_array", 16,
     P("handles", 0, "count_handles", NULL, 4, NULL),
     V("count_handles", 8, 4), V("pad", 12, 4));
TYPE(t_sobj_twait, "drm_syncobj_timeline_wait", 48,
     P("handles", 0, "count_handles", NULL, 4, NULL),
     P("points", 8, "count_handles", NULL, 8, NULL),
     V("timeout_nsec", 16, 8), V("count_handles", 24, 4),
     V("flags", 28, 4), V("first_signaled", 32, 4), V("pad", 36, 4),
     V("deadline_nsec", 40, 8));
TYPE(t_sobj_tarray, "drm_syncobj_timeline_array", 24,
     P("handles", 0, "count_handles", NULL, 4, NULL),
     P("points", 8, "count_handles", NULL, 8, NULL),
     V("count_handles", 16, 4), V("flags", 20, 4));
TYPE(t_sobj_transfer, "drm_syncobj_transfer", 32,
     V("src_handle", 0, 4), V("dst_handle", 4, 4), V("src_point", 8, 8),
     V("dst_point", 16, 8), V("flags", 24, 4), V("pad", 28, 4));
TYPE(t_sobj_eventfd, "drm_syncobj_eventfd", 24,
     V("handle", 0, 4), V("flags", 4, 4), V("point", 8, 8),
     V("fd", 16, 4), V("pad", 20, 4));
TYPE(t_unique, "drm_unique", 16,
     V("unique_len", 0, 8), P("unique", 8, "unique_len", NULL, 1, NULL));
TYPE(t_auth, "drm_auth", 4, V("magic", 0, 4));
TYPE(t_flink, "drm_gem_flink", 8, V("handle", 0, 4), V("name", 4, 4));
TYPE(t_gem_open, "drm_gem_open", 16,
     V("name", 0, 4), V("handle", 4, 4), V("size", 8, 8));
TYPE(t_prime, "drm_prime_handle", 12,
     V("handle", 0, 4), V("flags", 4, 4), V("fd", 8, 4));
static const struct gpuvm_uapi_type t_none = { "none", 0, 0, NULL };

TYPE(t_dev_query, "drm_panthor_dev_query", 16,
     V("type", 0, 4), V("size", 4, 4),
     P("pointer", 8, "size", NULL, 1, NULL));
TYPE(t_vm_create, "drm_panthor_vm_create", 16,
     V("flags", 0, 4), V("id", 4, 4), V("user_va_range", 8, 8));
TYPE(t_vm_destroy, "drm_panthor_vm_destroy", 8,
     V("id", 0, 4), V("pad", 4, 4));
TYPE(t_sync_op, "drm_panthor_sync_op", 16,
     V("flags", 0, 4), V("handle", 4, 4), V("timeline_value", 8, 8));
TYPE(t_bind_op, "drm_panthor_vm_bind_op", 48,
     V("flags", 0, 4), V("bo_handle", 4, 4), V("bo_offset", 8, 8),
     V("va", 16, 8), V("size", 24, 8), V("syncs.stride", 32, 4),
     V("syncs.count", 36, 4),
     P("syncs.array", 40, "syncs.count", "syncs.stride", 0, &t_sync_op));
TYPE(t_vm_bind, "drm_panthor_vm_bind", 24,
     V("vm_id", 0, 4), V("flags", 4, 4), V("ops.stride", 8, 4),
     V("ops.count", 12, 4),
     P("ops.array", 16, "ops.count", "ops.stride", 0, &t_bind_op));
TYPE(t_vm_state, "drm_panthor_vm_get_state", 8,
     V("vm_id", 0, 4), V("state", 4, 4));
TYPE(t_bo_create, "drm_panthor_bo_create", 24,
     V("size", 0, 8), V("flags", 8, 4), V("exclusive_vm_id", 12, 4),
     V("handle", 16, 4), V("pad", 20, 4));
TYPE(t_bo_mmap, "drm_panthor_bo_mmap_offset", 16,
     V("handle", 0, 4), V("pad", 4, 4), V("offset", 8, 8));
TYPE(t_queue_create, "drm_panthor_queue_create", 8,
     V("priority", 0, 1), V("pad0", 1, 1), V("pad1", 2, 2),
     V("ringbuf_size", 4, 4));
TYPE(t_group_create, "drm_panthor_group_create", 56,
     V("queues.stride", 0, 4), V("queues.count", 4, 4),
     P("queues.array", 8, "queues.count", "queues.stride", 0,
       &t_queue_create),
     V("max_compute_cores", 16, 1), V("max_fragment_cores", 17, 1),
     V("max_tiler_cores", 18, 1), V("priority", 19, 1), V("pad", 20, 4),
     V("compute_core_mask", 24, 8), V("fragment_core_mask", 32, 8),
     V("tiler_core_mask", 40, 8), V("vm_id", 48, 4),
     V("group_handle", 52, 4));
TYPE(t_group_destroy, "drm_panthor_group_destroy", 8,
     V("group_handle", 0, 4), V("pad", 4, 4));
TYPE(t_queue_submit, "drm_panthor_queue_submit", 40,
     V("queue_index", 0, 4), V("stream_size", 4, 4),
     V("stream_addr", 8, 8), V("latest_flush", 16, 4), V("pad", 20, 4),
     V("syncs.stride", 24, 4), V("syncs.count", 28, 4),
     P("syncs.array", 32, "syncs.count", "syncs.stride", 0, &t_sync_op));
TYPE(t_group_submit, "drm_panthor_group_submit", 24,
     V("group_handle", 0, 4), V("pad", 4, 4),
     V("queue_submits.stride", 8, 4), V("queue_submits.count", 12, 4),
     P("queue_submits.array", 16, "queue_submits.count",
       "queue_submits.stride", 0, &t_queue_submit));
TYPE(t_group_state, "drm_panthor_group_get_state", 16,
     V("group_handle", 0, 4), V("state", 4, 4), V("fatal_queues", 8, 4),
     V("pad", 12, 4));
TYPE(t_heap_create, "drm_panthor_tiler_heap_create", 40,
     V("vm_id", 0, 4), V("initial_chunk_count", 4, 4),
     V("chunk_size", 8, 4), V("max_chunks", 12, 4),
     V("target_in_flight", 16, 4), V("handle", 20, 4),
     V("tiler_heap_ctx_gpu_va", 24, 8),
     V("first_heap_chunk_gpu_va", 32, 8));
TYPE(t_heap_destroy, "drm_panthor_tiler_heap_destroy", 8,
     V("handle", 0, 4), V("pad", 4, 4));
TYPE(t_label, "drm_panthor_bo_set_label", 16,
     V("handle", 0, 4), V("pad", 4, 4), S("label", 8));
TYPE(t_mmio, "drm_panthor_set_user_mmio_offset", 8,
     V("offset", 0, 8));
TYPE(t_bo_sync_op, "drm_panthor_bo_sync_op", 24,
     V("handle", 0, 4), V("type", 4, 4), V("offset", 8, 8),
     V("size", 16, 8));
TYPE(t_bo_sync, "drm_panthor_bo_sync", 16,
     V("ops.stride", 0, 4), V("ops.count", 4, 4),
     P("ops.array", 8, "ops.count", "ops.stride", 0, &t_bo_sync_op));
TYPE(t_bo_info, "drm_panthor_bo_query_info", 16,
     V("handle", 0, 4), V("extra_flags", 4, 4), V("create_flags", 8, 4),
     V("pad", 12, 4));

static const struct {
	unsigned int nr;
	const struct gpuvm_uapi_type *type;
} types[] = {
	{ 0x00, &t_version }, { 0x01, &t_unique }, { 0x02, &t_auth },
	{ 0x09, &t_gem_close }, { 0x0a, &t_flink }, { 0x0b, &t_gem_open },
	{ 0x0c, &t_cap }, { 0x11, &t_auth }, { 0x2d, &t_prime },
	{ 0x2e, &t_prime },
	{ 0x0d, &t_client_cap }, { 0x1e, &t_none }, { 0x1f, &t_none },
	{ 0xBF, &t_sobj_create }, { 0xC0, &t_sobj_destroy },
	{ 0xC1, &t_sobj_handle }, { 0xC2, &t_sobj_handle },
	{ 0xC3, &t_sobj_wait }, { 0xC4, &t_sobj_array },
	{ 0xC5, &t_sobj_array }, { 0xCA, &t_sobj_twait },
	{ 0xCB, &t_sobj_tarray }, { 0xCC, &t_sobj_transfer },
	{ 0xCD, &t_sobj_tarray }, { 0xCF, &t_sobj_eventfd },
	{ 0x40, &t_dev_query }, { 0x41, &t_vm_create },
	{ 0x42, &t_vm_destroy }, { 0x43, &t_vm_bind }, { 0x44, &t_vm_state },
	{ 0x45, &t_bo_create }, { 0x46, &t_bo_mmap },
	{ 0x47, &t_group_create }, { 0x48, &t_group_destroy },
	{ 0x49, &t_group_submit }, { 0x4a, &t_group_state },
	{ 0x4b, &t_heap_create }, { 0x4c, &t_heap_destroy },
	{ 0x4d, &t_label }, { 0x4e, &t_mmio }, { 0x4f, &t_bo_sync },
	{ 0x50, &t_bo_info },
};

const struct gpuvm_uapi_type *gpuvm_uapi_ioctl_type(unsigned long request)
{
	unsigned int i;

	if (!gpuvm_uapi_ioctl_name(request))
		return NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].nr == _IOC_NR(request))
			return types[i].type;
	return NULL;
}

/* The element layouts (what pointer fields point to), by name. */
static const struct gpuvm_uapi_type *const elems[] = {
	&t_sync_op, &t_bind_op, &t_queue_create, &t_queue_submit,
	&t_bo_sync_op,
};

const struct gpuvm_uapi_type *gpuvm_uapi_type_find(const char *name)
{
	unsigned int i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].type->name, name))
			return types[i].type;
	for (i = 0; i < sizeof(elems) / sizeof(elems[0]); i++)
		if (!strcmp(elems[i]->name, name))
			return elems[i];
	return NULL;
}

uint64_t gpuvm_uapi_field_get(const struct gpuvm_uapi_field *fl,
			      const void *obj)
{
	uint64_t v = 0;

	if (fl && obj)              /* little-endian: the low bytes */
		memcpy(&v, (const uint8_t *)obj + fl->offset, fl->size);
	return v;
}

void gpuvm_uapi_field_set(const struct gpuvm_uapi_field *fl, void *obj,
			  uint64_t v)
{
	if (fl && obj)
		memcpy((uint8_t *)obj + fl->offset, &v, fl->size);
}

const struct gpuvm_uapi_field *
gpuvm_uapi_field_find(const struct gpuvm_uapi_type *t, const char *name)
{
	unsigned int i;

	for (i = 0; t && name && i < t->nfields; i++)
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}

int gpuvm_uapi_copy_from_user(void *dst, uint64_t src, uint64_t n)
{
	if (!dst && n)
		return -EINVAL;
	return uapi_copy_in(dst, src, n);
}

int gpuvm_uapi_copy_to_user(uint64_t dst, const void *src, uint64_t n)
{
	if (!src && n)
		return -EINVAL;
	return uapi_copy_out(dst, src, n);
}
