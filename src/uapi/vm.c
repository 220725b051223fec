// SPDX-License-Identifier: MIT
/*
 * DOC: VM ioctls
 *
 * VM_CREATE picks the user VA range as panthor does: 0 asks for the
 * process's address-space size if the GPU's is larger, else half the
 * GPU's (all but 256 MiB below 4 GiB); the kernel keeps a power-of-two
 * range at the top, and what remains below it is the user range written
 * back, so the value returned is the start of the kernel range (2^47 for
 * a 48-bit GPU), whatever was asked.
 *
 * VM_BIND, synchronous: op by op as panthor_vm_bind_exec_sync_op, an op
 * with syncs is -EINVAL, a zero-size op does nothing and is not checked,
 * and on failure ops.count becomes the failing op's index (copied back
 * with the rest of the arguments).
 *
 * VM_BIND, ASYNC: the kernel's order of checks, then all ops queued in one
 * driver call or none:
 *   1. the VM (-EINVAL if missing or unusable), the ops array;
 *   2. per op, panthor_vm_bind_prepare_op_ctx's rules (below) and its
 *      syncs array;
 *   3. every signal op: its flags, its syncobj (-EINVAL if missing);
 *   4. every wait op: its flags, then its fence: a signal of an earlier
 *      op of the same call, else the syncobj's (-ENOENT, -EINVAL if not
 *      submitted).
 * Job n of a VM signals point n of the VM's driver timeline (sched.c);
 * its waits are the driver points of the fences it waits on. Signal
 * points are installed in the syncobjs once the jobs are queued, room for
 * them having been reserved before. A VM's submits hold its queue lock,
 * so the job numbers follow the driver's queue order.
 *
 * The rules of step 2 are checked here because the kernel checks them
 * before any sync op, and the driver (which checks them again) is called
 * only after the syncs are resolved. Where the driver is stricter than
 * panthor at queue time (a range outside the user VA, an unaligned BO
 * offset: panthor fails such a job when it runs and the VM becomes
 * unusable), the call fails with -EINVAL instead; docs/panthor.md lists
 * the differences.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/uapi_internal.h"

#define OP_TYPE(f)    ((f) & (uint32_t)DRM_PANTHOR_VM_BIND_OP_TYPE_MASK)
#define TYPE_MASK     ((uint32_t)DRM_PANTHOR_VM_BIND_OP_TYPE_MASK)
#define MAP_FLAGS     (DRM_PANTHOR_VM_BIND_OP_MAP_READONLY | \
		       DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC | \
		       DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED | \
		       DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE)
#define MIN_KERNEL_VA (256ull << 20)

/* The user address space of the process (the kernel's TASK_SIZE). */
#if defined(__x86_64__)
#define TASK_SIZE 0x7ffffffff000ull
#elif defined(__aarch64__)
#define TASK_SIZE (1ull << 48)
#else
#define TASK_SIZE (1ull << 47)
#endif

/* ------------------------------------------------------------------ */
/* VM_CREATE, VM_DESTROY, VM_GET_STATE                                 */

static uint64_t rounddown_pow2(uint64_t x)
{
	return x ? 1ull << (63 - __builtin_clzll(x)) : 0;
}

/* The start of the kernel range for a requested user range, or 0. */
static uint64_t kernel_va_start(unsigned int va_bits, uint64_t asked)
{
	uint64_t full = 1ull << va_bits, user;

	if (full < MIN_KERNEL_VA)
		return 0;
	if (asked)
		user = asked;
	else if (TASK_SIZE < full)
		user = TASK_SIZE;
	else
		user = full > (4ull << 30) ? full / 2 : full - MIN_KERNEL_VA;
	if (full - MIN_KERNEL_VA < user) {
		if (asked)
			return 0;
		user = full - MIN_KERNEL_VA;
	}
	return full - rounddown_pow2(full - user);
}

int uapi_ioctl_vm_create(struct uapi_call *c)
{
	struct drm_panthor_vm_create *a = c->data;
	struct gpuvm_uapi_file *f = c->file;
	const struct gpuvm_drv_device_cfg *cfg =
		gpuvm_drv_device_cfg(f->dev->drv);
	uint64_t start = kernel_va_start(cfg->va_bits, a->user_va_range);
	struct uapi_vmq *q;
	uint32_t id = 0;
	int ret;

	if (a->flags || !start)
		return -EINVAL;
	/* The driver's VM spans everything: the kernel range above start
	 * holds the VM's kernel objects (heap.c), and binds stop at start
	 * (checked here). */
	ret = gpuvm_drv_vm_create(f->drv, 1ull << cfg->va_bits, &id);
	if (ret)
		return ret;
	q = &f->vmq[id];
	pthread_mutex_lock(&q->lock);
	q->kva_start = start;
	q->tl = uapi_tl_get(f->dev, &q->seq);
	__atomic_add_fetch(&q->gen, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&q->live, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&q->lock);
	a->id = id;
	a->user_va_range = start;
	return 0;
}

/*
 * Destroys VM id of the file and forgets its queued jobs (the driver
 * drops them, their fences signal). -EINVAL if there is no such VM.
 */
static int vm_release(struct gpuvm_uapi_file *f, uint32_t id)
{
	struct gpuvm_uapi_device *dev = f->dev;
	struct uapi_vmq *q;
	uint32_t queued = 0;
	int ret;

	if (!id || id > GPUVM_DRV_MAX_VMS_PER_FILE)
		return -EINVAL;
	q = &f->vmq[id];
	pthread_mutex_lock(&q->lock);
	/* No drain in between: the count is exactly what is dropped. */
	pthread_mutex_lock(&dev->sched.run_lock);
	gpuvm_drv_vm_queued(f->drv, id, &queued);
	/* Its groups' interpreters use its address space: they go first. */
	if (__atomic_load_n(&q->live, __ATOMIC_ACQUIRE))
		uapi_groups_vm_gone(f, id);
	ret = gpuvm_drv_vm_destroy(f->drv, id);
	if (!ret) {
		uapi_sched_forget(dev, queued);
		__atomic_store_n(&q->live, false, __ATOMIC_RELEASE);
		uapi_heaps_release(f, id, false);
	}
	pthread_mutex_unlock(&dev->sched.run_lock);
	if (!ret && q->tl) {
		uapi_tl_put(dev, q->tl, q->seq);
		q->tl = 0;
	}
	pthread_mutex_unlock(&q->lock);
	if (!ret)
		uapi_sched_broadcast(dev);
	return ret;
}

void uapi_vm_release(struct gpuvm_uapi_file *f, uint32_t id)
{
	vm_release(f, id);
}

int uapi_ioctl_vm_destroy(struct uapi_call *c)
{
	struct drm_panthor_vm_destroy *a = c->data;

	if (a->pad)
		return -EINVAL;
	return vm_release(c->file, a->id);
}

int uapi_ioctl_vm_get_state(struct uapi_call *c)
{
	struct drm_panthor_vm_get_state *a = c->data;
	enum gpuvm_drv_vm_state st;
	int ret = gpuvm_drv_vm_get_state(c->file->drv, a->vm_id, &st);

	if (!ret)
		a->state = st == GPUVM_DRV_VM_USABLE ?
			   DRM_PANTHOR_VM_STATE_USABLE :
			   DRM_PANTHOR_VM_STATE_UNUSABLE;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Op rules                                                            */

/* An op of size 0 touches nothing; others stay below the kernel range. */
static bool in_user_range(struct gpuvm_uapi_file *f, uint32_t vm_id,
			  const struct drm_panthor_vm_bind_op *op)
{
	uint64_t end = f->vmq[vm_id].kva_start;

	return !op->size || (op->va < end && op->size <= end - op->va);
}

/*
 * panthor_vm_bind_prepare_op_ctx (with 1.9's sparse rules): all -EINVAL.
 * For a BO map, *bo gets the held object.
 */
static int check_op(struct gpuvm_uapi_file *f, uint32_t vm_id,
		    const struct drm_panthor_vm_bind_op *op,
		    struct uapi_bo **bo)
{
	uint32_t type = OP_TYPE(op->flags);
	struct uapi_bo *b;

	*bo = NULL;
	if ((op->va | op->size) & (UAPI_PAGE - 1) ||
	    !in_user_range(f, vm_id, op))
		return -EINVAL;
	if (type == DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP ||
	    type == DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY) {
		if (op->flags & ~TYPE_MASK || op->bo_handle || op->bo_offset)
			return -EINVAL;
		if (type == DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP)
			return 0;
		return op->va || op->size || !op->syncs.count ? -EINVAL : 0;
	}
	if (type != DRM_PANTHOR_VM_BIND_OP_TYPE_MAP ||
	    op->flags & ~(TYPE_MASK | MAP_FLAGS))
		return -EINVAL;
	if (op->flags & DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE)
		return op->bo_handle || op->bo_offset ||
		       !(op->flags & DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC) ?
		       -EINVAL : 0;
	b = uapi_bo_get(f, op->bo_handle);
	if (!b)
		return -EINVAL;
	if (op->size > b->size || op->bo_offset > b->size - op->size ||
	    (b->excl_vm && (b->excl_vm != vm_id ||
			    b->excl_gen != __atomic_load_n(&f->vmq[vm_id].gen,
							   __ATOMIC_ACQUIRE)))) {
		uapi_bo_put(b);
		return -EINVAL;
	}
	*bo = b;
	return 0;
}

/* The driver's op for a uAPI op; bo is the op's BO, if any. */
static struct gpuvm_drv_bind_op drv_op(const struct drm_panthor_vm_bind_op *op,
				       const struct uapi_bo *bo)
{
	struct gpuvm_drv_bind_op d = {
		.flags = op->flags,
		.bo_handle = bo ? bo->drv_handle : op->bo_handle,
		.bo_offset = op->bo_offset,
		.va = op->va,
		.size = op->size,
	};

	return d;
}

/* ------------------------------------------------------------------ */
/* Synchronous                                                         */

/* The handle of a BO map, as the driver knows it (0 for none). */
static int sync_op(struct gpuvm_uapi_file *f, uint32_t vm_id,
		   const struct drm_panthor_vm_bind_op *op)
{
	struct gpuvm_drv_bind_op d = drv_op(op, NULL);

	if (op->syncs.count)
		return -EINVAL;
	if (!op->size)
		return 0;
	if (!in_user_range(f, vm_id, op))
		return -EINVAL;
	/* A handle that names nothing is -EINVAL for every op type; one
	 * that names a BO goes to the driver as its own handle. */
	if (op->bo_handle && uapi_bo_drv_handle(f, op->bo_handle,
						&d.bo_handle))
		return -EINVAL;
	return gpuvm_drv_vm_bind(f->drv, vm_id, 0, &d, 1, NULL);
}

static int bind_sync(struct gpuvm_uapi_file *f, struct drm_panthor_vm_bind *a,
		     const struct drm_panthor_vm_bind_op *ops)
{
	uint32_t i;
	int ret = 0;

	for (i = 0; i < a->ops.count && !ret; i++) {
		ret = sync_op(f, a->vm_id, &ops[i]);
		if (ret)
			a->ops.count = i;
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Asynchronous                                                        */

/* A (handle, point) some op of the call signals, and its fence so far. */
struct batch {
	struct gpuvm_uapi_file *file;
	uint32_t vm_id, count;
	const struct drm_panthor_vm_bind_op *ops;
	struct drm_panthor_sync_op **syncs;   /* per op, may be NULL */
	struct uapi_bo **bos;                 /* per op, may be NULL */
	struct uapi_sigset sigs;
	struct gpuvm_drv_bind_op *dops;
	struct gpuvm_drv_sync **dsyncs;       /* per op */
	struct uapi_fence **fences;           /* per op: its job's fence */
};

static void batch_free(struct batch *b)
{
	uint32_t i;

	for (i = 0; i < b->count; i++) {
		if (b->syncs)
			free(b->syncs[i]);
		if (b->bos)
			uapi_bo_put(b->bos[i]);
		if (b->dsyncs)
			free(b->dsyncs[i]);
		if (b->fences)
			uapi_fence_put(b->fences[i]);
	}
	uapi_sigset_release(b->file, &b->sigs);
	free(b->syncs);
	free(b->bos);
	free(b->dops);
	free(b->dsyncs);
	free(b->fences);
}

/* Step 2: every op's rules and syncs array. */
static int load_ops(struct batch *b)
{
	uint32_t i;
	int ret = 0;

	b->syncs = calloc(b->count, sizeof(*b->syncs));
	b->bos = calloc(b->count, sizeof(*b->bos));
	if (!b->syncs || !b->bos)
		return -ENOMEM;
	for (i = 0; i < b->count && !ret; i++) {
		ret = check_op(b->file, b->vm_id, &b->ops[i], &b->bos[i]);
		if (!ret)
			ret = uapi_get_array(&b->ops[i].syncs,
					     sizeof(struct drm_panthor_sync_op),
					     sizeof(struct drm_panthor_sync_op),
					     (void **)&b->syncs[i]);
	}
	return ret;
}

/* Step 3: panthor_submit_ctx_collect_jobs_signal_ops. */
static int collect_signals(struct batch *b)
{
	uint32_t i;
	int ret = 0;

	for (i = 0; i < b->count && !ret; i++)
		ret = uapi_sigset_collect(&b->sigs, b->file, b->syncs[i],
					  b->ops[i].syncs.count);
	return ret;
}

/* The driver syncs of op i: its waits' unreached points, its signal. */
static int job_syncs(struct batch *b, uint32_t i, struct uapi_vmq *q)
{
	const struct drm_panthor_sync_op *s;
	struct uapi_fence *fence;
	struct gpuvm_drv_sync *d;
	uint32_t j, k, n = 0, cap = 1;
	int ret;

	for (j = 0; j < b->ops[i].syncs.count; j++)
		if (!uapi_sync_op_signals(&b->syncs[i][j]))
			cap += 8;
	d = calloc(cap, sizeof(*d));
	if (!d)
		return -ENOMEM;
	b->dsyncs[i] = d;
	for (j = 0; j < b->ops[i].syncs.count; j++) {
		s = &b->syncs[i][j];
		if (uapi_sync_op_signals(s))
			continue;
		ret = uapi_sigset_wait_fence(&b->sigs, b->file, s, &fence);
		if (ret)
			return ret;
		for (k = 0; k < fence->n; k++) {
			if (n + 1 == cap) {
				struct gpuvm_drv_sync *g;

				cap *= 2;
				g = realloc(d, cap * sizeof(*d));
				if (!g) {
					uapi_fence_put(fence);
					return -ENOMEM;
				}
				d = b->dsyncs[i] = g;
			}
			d[n++] = (struct gpuvm_drv_sync){
				.flags = GPUVM_DRV_SYNC_WAIT,
				.timeline = fence->e[k].tl,
				.point = fence->e[k].pt,
			};
		}
		uapi_fence_put(fence);
	}
	/* The job's own fence, and what it signals from now on. */
	b->fences[i] = uapi_fence_new(1);
	if (!b->fences[i])
		return -ENOMEM;
	b->fences[i]->e[0] = (struct uapi_tlpt){ q->tl, q->seq + i + 1 };
	d[n++] = (struct gpuvm_drv_sync){
		.flags = GPUVM_DRV_SYNC_SIGNAL,
		.timeline = q->tl,
		.point = q->seq + i + 1,
	};
	uapi_sigset_take(&b->sigs, b->syncs[i], b->ops[i].syncs.count,
			 b->fences[i]);
	b->dops[i] = drv_op(&b->ops[i], b->bos[i]);
	b->dops[i].syncs = d;
	b->dops[i].n_syncs = n;
	/* An empty MAP or UNMAP is a job that changes nothing. */
	if (!b->ops[i].size)
		b->dops[i] = (struct gpuvm_drv_bind_op){
			.flags = DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY,
			.syncs = d, .n_syncs = n,
		};
	return 0;
}

/* Step 4, under sched.lock: fences, and room for the timeline points. */
static int resolve(struct batch *b, struct uapi_vmq *q)
{
	struct gpuvm_uapi_device *dev = b->file->dev;
	uint32_t i;
	int ret = 0;

	b->dops = calloc(b->count, sizeof(*b->dops));
	b->dsyncs = calloc(b->count, sizeof(*b->dsyncs));
	b->fences = calloc(b->count, sizeof(*b->fences));
	if (!b->dops || !b->dsyncs || !b->fences)
		return -ENOMEM;
	pthread_mutex_lock(&dev->sched.lock);
	/* What each signalled point holds before this call's jobs. */
	uapi_sigset_note(dev, &b->sigs);
	for (i = 0; i < b->count && !ret; i++)
		ret = job_syncs(b, i, q);
	if (!ret)
		ret = uapi_sigset_reserve(&b->sigs);
	pthread_mutex_unlock(&dev->sched.lock);
	return ret;
}

/* The jobs are queued: the syncobjs get their new fences. */
static void push_fences(struct batch *b)
{
	struct gpuvm_uapi_device *dev = b->file->dev;

	pthread_mutex_lock(&dev->sched.lock);
	uapi_sigset_publish(dev, &b->sigs);
	dev->sched.progress++;
	pthread_cond_broadcast(&dev->sched.cond);
	pthread_mutex_unlock(&dev->sched.lock);
}

static int bind_async(struct gpuvm_uapi_file *f, struct drm_panthor_vm_bind *a,
		      const struct drm_panthor_vm_bind_op *ops)
{
	struct batch b = {
		.file = f, .vm_id = a->vm_id, .count = a->ops.count, .ops = ops,
	};
	struct uapi_vmq *q = &f->vmq[a->vm_id];
	int ret;

	if (!b.count)
		return 0;
	ret = load_ops(&b);
	if (!ret)
		ret = collect_signals(&b);
	if (ret) {
		batch_free(&b);
		return ret;
	}
	pthread_mutex_lock(&q->lock);
	ret = q->tl ? resolve(&b, q) : -EINVAL;
	if (!ret) {
		uapi_sched_expect(f->dev, b.count);
		ret = gpuvm_drv_vm_bind(f->drv, a->vm_id,
					GPUVM_DRV_BIND_ASYNC, b.dops, b.count,
					NULL);
		if (ret) {
			uapi_sched_forget(f->dev, b.count);
		} else {
			q->seq += b.count;
			push_fences(&b);
		}
	}
	pthread_mutex_unlock(&q->lock);
	if (!ret)
		uapi_sched_kick(f->dev);
	batch_free(&b);
	return ret;
}

/* ------------------------------------------------------------------ */
/* VM_BIND                                                             */

int uapi_ioctl_vm_bind(struct uapi_call *c)
{
	struct drm_panthor_vm_bind *a = c->data;
	struct drm_panthor_vm_bind_op *ops = NULL;
	/* Most binds are a few ops: no allocation for them. */
	struct drm_panthor_vm_bind_op room[4];
	enum gpuvm_drv_vm_state st = GPUVM_DRV_VM_USABLE;
	bool async = a->flags & DRM_PANTHOR_VM_BIND_ASYNC;
	int ret;

	/* A synchronous bind needs the VM to exist (the driver sees to its
	 * state); the file's own record answers that without a lookup. */
	if (a->vm_id > GPUVM_DRV_MAX_VMS_PER_FILE ||
	    !__atomic_load_n(&c->file->vmq[a->vm_id].live, __ATOMIC_ACQUIRE) ||
	    (async && gpuvm_drv_vm_get_state(c->file->drv, a->vm_id, &st)))
		return -EINVAL;
	if (async && st != GPUVM_DRV_VM_USABLE)
		return -EINVAL;
	ret = uapi_get_array_in(&a->ops, sizeof(*ops), sizeof(*ops), room,
				sizeof(room), (void **)&ops);
	if (!ret)
		ret = async ? bind_async(c->file, a, ops)
			    : bind_sync(c->file, a, ops);
	if (ops != room)
		free(ops);
	return ret;
}
