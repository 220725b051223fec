// SPDX-License-Identifier: MIT
/*
 * DOC: tiler heaps: TILER_HEAP_CREATE and TILER_HEAP_DESTROY
 *
 * As panthor, a VM's heaps live in a pool made at its first heap: one
 * context BO holding 128 heap contexts of 64 bytes (a GPU cache line),
 * and per heap a list of chunk BOs, all mapped in the VM's kernel range
 * (above the user range VM_CREATE returned, where binds cannot reach)
 * with NOEXEC. Each chunk starts with a 64-byte header whose first word
 * links the chunk made before it: its VA with the chunk size in 4 KiB
 * units in the low 12 bits (panthor's layout); first_heap_chunk_gpu_va
 * is the newest chunk. The handle is the VM id << 16 | the heap's slot.
 *
 * Nothing runs the tiler (RUN_IDVS and HEAP_OPERATION stop a stream, see
 * docs/cs.md), so chunks are never added after creation: the heap is
 * bookkeeping a stream can read, with panthor's checks and limits:
 *   CREATE: the VM (-EINVAL), initial_chunk_count 1..max_chunks,
 *     chunk_size a multiple of 4 KiB in [128 KiB, 8 MiB] (-EINVAL), then
 *     memory (-ENOMEM), then a free slot of 128 (-EBUSY). panthor makes
 *     the pool before checking the heap's arguments; here a refused
 *     call leaves no pool (only which errno wins when memory is out
 *     differs).
 *   DESTROY: pad and the VM (-EINVAL), a pool (-ENOENT), the heap
 *     (-EINVAL).
 * Kernel VAs are handed out upwards and never reused: the kernel range is
 * half the VA space. Everything is under the VM's queue lock (vmq.lock),
 * and goes with the VM (uapi_heaps_release).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/uapi_internal.h"

#define MAX_HEAPS       128u              /* MAX_HEAPS_PER_POOL */
#define CTX_STRIDE      64u
#define CHUNK_HDR       64u
#define MIN_CHUNK       (128u << 10)
#define MAX_CHUNK       (8u << 20)
#define SZ_2M           (2ull << 20)

struct uapi_kbo {
	uint32_t bo;                  /* driver handle */
	uint64_t va, size;
};

struct uapi_heap {
	uint32_t chunk_size, max_chunks, target_in_flight;
	uint32_t nchunks;
	struct uapi_kbo *chunks;      /* oldest first */
};

struct uapi_heap_pool {
	struct uapi_kbo ctx;
	uint64_t kva_next;
	struct uapi_heap *heaps[MAX_HEAPS];
};

/* Unmaps and drops a kernel BO made by kbo_new. */
static void kbo_free(struct gpuvm_uapi_file *f, uint32_t vm_id,
		     struct uapi_kbo *k, bool unmap)
{
	struct gpuvm_drv_bind_op op = {
		.flags = GPUVM_DRV_OP_TYPE_UNMAP, .va = k->va, .size = k->size,
	};

	if (unmap)
		gpuvm_drv_vm_bind(f->drv, vm_id, 0, &op, 1, NULL);
	gpuvm_drv_bo_close(f->drv, k->bo);
}

/* A zeroed BO of size bytes mapped NOEXEC at the pool's next kernel VA. */
static int kbo_new(struct gpuvm_uapi_file *f, uint32_t vm_id,
		   struct uapi_heap_pool *p, uint64_t size, struct uapi_kbo *k)
{
	uint64_t align = size >= SZ_2M ? SZ_2M : UAPI_PAGE;
	uint64_t va = (p->kva_next + align - 1) & ~(align - 1);
	struct gpuvm_drv_bind_op op = {
		.flags = GPUVM_DRV_OP_TYPE_MAP | GPUVM_DRV_OP_MAP_NOEXEC,
		.va = va, .size = size,
	};
	int ret = gpuvm_drv_bo_create(f->drv, size, vm_id, 0, &k->bo);

	if (ret)
		return ret;
	op.bo_handle = k->bo;
	ret = gpuvm_drv_vm_bind(f->drv, vm_id, 0, &op, 1, NULL);
	if (ret) {
		gpuvm_drv_bo_close(f->drv, k->bo);
		/* The kernel range is the driver's own: only memory fails. */
		return ret == -ENOSPC ? -ENOMEM : ret;
	}
	k->va = va;
	k->size = size;
	p->kva_next = va + size;
	return 0;
}

static void heap_free(struct gpuvm_uapi_file *f, uint32_t vm_id,
		      struct uapi_heap *h, bool unmap)
{
	uint32_t i;

	for (i = 0; i < h->nchunks; i++)
		kbo_free(f, vm_id, &h->chunks[i], unmap);
	free(h->chunks);
	free(h);
}

void uapi_heaps_release(struct gpuvm_uapi_file *f, uint32_t vm_id,
			bool unmap)
{
	struct uapi_heap_pool *p = f->vmq[vm_id].pool;
	uint32_t i;

	if (!p)
		return;
	for (i = 0; i < MAX_HEAPS; i++)
		if (p->heaps[i])
			heap_free(f, vm_id, p->heaps[i], unmap);
	kbo_free(f, vm_id, &p->ctx, unmap);
	free(p);
	f->vmq[vm_id].pool = NULL;
}

static int pool_get(struct gpuvm_uapi_file *f, uint32_t vm_id,
		    struct uapi_heap_pool **out)
{
	struct uapi_vmq *q = &f->vmq[vm_id];
	struct uapi_heap_pool *p = q->pool;
	int ret;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->kva_next = q->kva_start;
		ret = kbo_new(f, vm_id, p, MAX_HEAPS * CTX_STRIDE, &p->ctx);
		if (ret) {
			free(p);
			return ret;
		}
		q->pool = p;
	}
	*out = p;
	return 0;
}

/* The chunks, each linking the one made before it. */
static int heap_chunks(struct gpuvm_uapi_file *f, uint32_t vm_id,
		       struct uapi_heap_pool *p, struct uapi_heap *h,
		       uint32_t count)
{
	uint8_t hdr[CHUNK_HDR];
	uint64_t next;
	uint32_t i;
	int ret;

	h->chunks = calloc(count, sizeof(*h->chunks));
	if (!h->chunks)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		ret = kbo_new(f, vm_id, p, h->chunk_size, &h->chunks[i]);
		if (ret)
			return ret;
		h->nchunks++;
		if (!i)
			continue;
		memset(hdr, 0, sizeof(hdr));
		next = h->chunks[i - 1].va | h->chunk_size >> 12;
		memcpy(hdr, &next, sizeof(next));
		ret = gpuvm_drv_bo_write(f->drv, h->chunks[i].bo, 0, hdr,
					 sizeof(hdr));
		if (ret)
			return ret;
	}
	return 0;
}

static bool vm_live(struct gpuvm_uapi_file *f, uint32_t id)
{
	return id && id <= GPUVM_DRV_MAX_VMS_PER_FILE &&
	       __atomic_load_n(&f->vmq[id].live, __ATOMIC_ACQUIRE);
}

int uapi_ioctl_tiler_heap_create(struct uapi_call *c)
{
	struct drm_panthor_tiler_heap_create *a = c->data;
	struct gpuvm_uapi_file *f = c->file;
	static const uint8_t zero[CTX_STRIDE];
	struct uapi_heap_pool *p;
	struct uapi_heap *h;
	struct uapi_vmq *q;
	uint32_t slot;
	bool fresh;
	int ret;

	if (!vm_live(f, a->vm_id))
		return -EINVAL;
	if (!a->initial_chunk_count || a->initial_chunk_count > a->max_chunks ||
	    a->chunk_size & (UAPI_PAGE - 1) || a->chunk_size < MIN_CHUNK ||
	    a->chunk_size > MAX_CHUNK)
		return -EINVAL;
	q = &f->vmq[a->vm_id];
	pthread_mutex_lock(&q->lock);
	fresh = !q->pool;
	ret = q->live ? pool_get(f, a->vm_id, &p) : -EINVAL;
	if (ret)
		goto out;
	ret = -ENOMEM;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto out;
	h->chunk_size = a->chunk_size;
	h->max_chunks = a->max_chunks;
	h->target_in_flight = a->target_in_flight;
	ret = heap_chunks(f, a->vm_id, p, h, a->initial_chunk_count);
	for (slot = 0; !ret && slot < MAX_HEAPS && p->heaps[slot]; slot++)
		;
	if (!ret && slot == MAX_HEAPS)
		ret = -EBUSY;
	if (!ret)
		ret = gpuvm_drv_bo_write(f->drv, p->ctx.bo, slot * CTX_STRIDE,
					 zero, sizeof(zero));
	if (ret) {
		heap_free(f, a->vm_id, h, true);
		goto out;
	}
	fresh = false;
	p->heaps[slot] = h;
	a->handle = a->vm_id << 16 | slot;
	a->tiler_heap_ctx_gpu_va = p->ctx.va + slot * CTX_STRIDE;
	a->first_heap_chunk_gpu_va = h->chunks[h->nchunks - 1].va;
out:
	/* A failed call leaves no pool behind. */
	if (ret && fresh)
		uapi_heaps_release(f, a->vm_id, true);
	pthread_mutex_unlock(&q->lock);
	return ret;
}

int uapi_ioctl_tiler_heap_destroy(struct uapi_call *c)
{
	struct drm_panthor_tiler_heap_destroy *a = c->data;
	struct gpuvm_uapi_file *f = c->file;
	uint32_t vm_id = a->handle >> 16, slot = a->handle & 0xffff;
	struct uapi_vmq *q;
	int ret = -EINVAL;

	if (a->pad || !vm_live(f, vm_id))
		return -EINVAL;
	q = &f->vmq[vm_id];
	pthread_mutex_lock(&q->lock);
	if (!q->live)
		ret = -EINVAL;
	else if (!q->pool)
		ret = -ENOENT;
	else if (slot < MAX_HEAPS && q->pool->heaps[slot]) {
		heap_free(f, vm_id, q->pool->heaps[slot], true);
		q->pool->heaps[slot] = NULL;
		ret = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return ret;
}
