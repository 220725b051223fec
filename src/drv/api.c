// SPDX-License-Identifier: MIT
/*
 * DOC: the driver's entry points and their locks
 *
 * Every public gpuvm_drv_* call lands here, takes the locks its kind of
 * work needs and calls the implementation (drv_impl_*), which assumes
 * them. Keeping the choice in one file makes the contract in drv.h
 * checkable at a glance:
 *
 *  - shared (S): per-object work that other threads may do alongside:
 *    GPU accesses (which wait only on the locked region of an update in
 *    their VM), CPU access to BOs, state queries;
 *  - shared + the VM's lock (SV): binds and inspection of one VM, in
 *    parallel with the same on other VMs;
 *  - exclusive (X): what reaches across VMs or changes what others look
 *    up: files, VMs and BOs coming and going, eviction and restore,
 *    budgets, the async queues and timelines.
 *
 * A synchronous bind op first tries the fast path under SV; when it needs
 * more than that path may do (a dummy to create, a BO to restore, shared
 * tables to build, room to make), it is run again from the start under
 * X, where the full path does all of it. The retry is safe because the
 * fast path changes nothing before it answers -EAGAIN.
 */
#include <errno.h>

#include "drv/drv_internal.h"

static void lock_x(struct gpuvm_drv_device *dev)
{
	pthread_rwlock_wrlock(&dev->rw);
}

static void lock_s(struct gpuvm_drv_device *dev)
{
	pthread_rwlock_rdlock(&dev->rw);
}

static void unlock(struct gpuvm_drv_device *dev)
{
	pthread_rwlock_unlock(&dev->rw);
}

/* Shared lock plus the VM's; NULL (and nothing held) for a bad id. */
static struct drv_vm *lock_vm(struct gpuvm_drv_file *file, uint32_t id)
{
	struct drv_vm *vm;

	lock_s(file->dev);
	vm = drv_vm_lookup(file, id);
	if (!vm) {
		unlock(file->dev);
		return NULL;
	}
	pthread_mutex_lock(&vm->lock);
	return vm;
}

static void unlock_vm(struct gpuvm_drv_file *file, struct drv_vm *vm)
{
	pthread_mutex_unlock(&vm->lock);
	unlock(file->dev);
}

#define X_DEV(dev, call)                      \
	do {                                  \
		int ret_;                     \
		lock_x(dev);                  \
		ret_ = (call);                \
		unlock(dev);                  \
		return ret_;                  \
	} while (0)

#define S_DEV(dev, call) \
	do {                                  \
		int ret_;                     \
		lock_s(dev);                  \
		ret_ = (call);                \
		unlock(dev);                  \
		return ret_;                  \
	} while (0)

#define SV(file, id, call)                                  \
	do {                                                \
		struct drv_vm *vm_ = lock_vm((file), (id)); \
		int ret_;                                   \
		if (!vm_)                                   \
			return -EINVAL;                     \
		ret_ = (call);                              \
		unlock_vm((file), vm_);                     \
		return ret_;                                \
	} while (0)

/* ------------------------------------------------------------------ */
/* Files, VMs, BOs (X), CPU access (S)                                 */

int gpuvm_drv_file_open(struct gpuvm_drv_device *dev,
			struct gpuvm_drv_file **out)
{
	X_DEV(dev, drv_impl_file_open(dev, out));
}

void gpuvm_drv_file_close(struct gpuvm_drv_file *file)
{
	struct gpuvm_drv_device *dev;

	if (!file)
		return;
	dev = file->dev;
	lock_x(dev);
	drv_impl_file_close(file);
	unlock(dev);
}

int gpuvm_drv_vm_create(struct gpuvm_drv_file *file, uint64_t user_va,
			uint32_t *id)
{
	X_DEV(file->dev, drv_impl_vm_create(file, user_va, id));
}

int gpuvm_drv_vm_destroy(struct gpuvm_drv_file *file, uint32_t id)
{
	X_DEV(file->dev, drv_impl_vm_destroy(file, id));
}

int gpuvm_drv_vm_get_state(struct gpuvm_drv_file *file, uint32_t id,
			   enum gpuvm_drv_vm_state *state)
{
	S_DEV(file->dev, drv_impl_vm_get_state(file, id, state));
}

int gpuvm_drv_bo_create(struct gpuvm_drv_file *file, uint64_t size,
			uint32_t exclusive_vm, unsigned int chunks,
			uint32_t *handle)
{
	X_DEV(file->dev, drv_impl_bo_create(file, size, exclusive_vm, chunks,
					    handle));
}

int gpuvm_drv_bo_close(struct gpuvm_drv_file *file, uint32_t handle)
{
	X_DEV(file->dev, drv_impl_bo_close(file, handle));
}

int gpuvm_drv_bo_read(struct gpuvm_drv_file *file, uint32_t handle,
		      uint64_t offset, void *buf, uint64_t len)
{
	S_DEV(file->dev, drv_impl_bo_read(file, handle, offset, buf, len));
}

int gpuvm_drv_bo_runs(struct gpuvm_drv_file *file, uint32_t handle,
		      struct gpuvm_mem_run *runs, unsigned int cap,
		      unsigned int *count)
{
	/* Refused before the lock, as every NULL argument (drv.h). */
	if (!file || !count || (cap && !runs))
		return -EINVAL;
	S_DEV(file->dev, drv_impl_bo_runs(file, handle, runs, cap, count));
}

int gpuvm_drv_bo_write(struct gpuvm_drv_file *file, uint32_t handle,
		       uint64_t offset, const void *buf, uint64_t len)
{
	S_DEV(file->dev, drv_impl_bo_write(file, handle, offset, buf, len));
}

/* ------------------------------------------------------------------ */
/* VM_BIND                                                             */

/* Drops shared tables an unmap left without links (exclusive work). */
static void trim_idle(struct gpuvm_drv_file *file)
{
	lock_s(file->dev);
	if (!drv_sparse_tables_idle(file)) {
		unlock(file->dev);
		return;
	}
	unlock(file->dev);
	lock_x(file->dev);
	drv_sparse_tables_trim(file);
	unlock(file->dev);
}

static int bind_op(struct gpuvm_drv_file *file, uint32_t vm_id,
		   const struct gpuvm_drv_bind_op *op)
{
	struct drv_vm *vm = lock_vm(file, vm_id);
	int ret;

	if (!vm)
		return -EINVAL;
	ret = drv_bind_fast(vm, op);
	unlock_vm(file, vm);
	if (ret == -EAGAIN) {
		lock_x(file->dev);
		vm = drv_vm_lookup(file, vm_id);
		ret = vm ? drv_bind_op(vm, op) : -EINVAL;
		unlock(file->dev);
	}
	return ret;
}

static int bind_async(struct gpuvm_drv_file *file, uint32_t vm_id,
		      const struct gpuvm_drv_bind_op *ops, uint32_t count,
		      uint32_t *failed)
{
	struct drv_vm *vm;
	int ret;

	lock_x(file->dev);
	vm = drv_vm_lookup(file, vm_id);
	ret = vm ? drv_bind_async(vm, ops, count, failed) : -EINVAL;
	unlock(file->dev);
	return ret;
}

int gpuvm_drv_vm_bind(struct gpuvm_drv_file *file, uint32_t vm_id,
		      uint32_t flags, const struct gpuvm_drv_bind_op *ops,
		      uint32_t count, uint32_t *failed)
{
	struct drv_vm *vm = lock_vm(file, vm_id);
	uint32_t i;
	int ret = 0;

	/* A bad VM or batch is the call's error, not an op's. */
	if (!vm)
		return -EINVAL;
	unlock_vm(file, vm);
	if ((count && !ops) || (flags & ~GPUVM_DRV_BIND_ASYNC))
		return -EINVAL;
	if (flags & GPUVM_DRV_BIND_ASYNC)
		return bind_async(file, vm_id, ops, count, failed);
	for (i = 0; i < count && !ret; i++) {
		ret = bind_op(file, vm_id, &ops[i]);
		if (ret && failed)
			*failed = i;
	}
	trim_idle(file);
	return ret;
}

int gpuvm_drv_gpu_access(struct gpuvm_drv_file *file, uint32_t vm_id,
			 enum gpuvm_mmu_access access, uint64_t va, void *buf,
			 size_t len, struct gpuvm_mmu_fault *fault)
{
	S_DEV(file->dev, drv_impl_gpu_access(file, vm_id, access, va, buf, len,
					     fault));
}

/* ------------------------------------------------------------------ */
/* Inspection (SV)                                                     */

int gpuvm_drv_vm_lookup(struct gpuvm_drv_file *file, uint32_t vm_id,
			uint64_t va, struct gpuvm_drv_lookup *out)
{
	SV(file, vm_id, drv_impl_vm_lookup(file, vm_id, va, out));
}

int gpuvm_drv_vm_stats(struct gpuvm_drv_file *file, uint32_t vm_id,
		       struct gpuvm_drv_vm_stats *st)
{
	SV(file, vm_id, drv_impl_vm_stats(file, vm_id, st));
}

int gpuvm_drv_vm_for_each_mapping(struct gpuvm_drv_file *file,
				  uint32_t vm_id, uint64_t start, uint64_t end,
				  gpuvm_drv_mapping_fn fn, void *cookie)
{
	SV(file, vm_id, drv_impl_vm_for_each_mapping(file, vm_id, start, end,
						     fn, cookie));
}

int gpuvm_drv_vm_check(struct gpuvm_drv_file *file, uint32_t vm_id,
		       FILE *err)
{
	SV(file, vm_id, drv_impl_vm_check(file, vm_id, err));
}

int gpuvm_drv_vm_dump(struct gpuvm_drv_file *file, uint32_t vm_id, FILE *f)
{
	SV(file, vm_id, drv_impl_vm_dump(file, vm_id, f));
}

int gpuvm_drv_vm_fail_nth_alloc(struct gpuvm_drv_file *file, uint32_t vm_id,
				uint64_t nth)
{
	SV(file, vm_id, drv_impl_vm_fail_nth_alloc(file, vm_id, nth));
}

/* ------------------------------------------------------------------ */
/* Memory pressure (X, residency queries S)                            */

int gpuvm_drv_device_set_budget(struct gpuvm_drv_device *dev, uint64_t bytes)
{
	X_DEV(dev, drv_impl_device_set_budget(dev, bytes));
}

int gpuvm_drv_reclaim(struct gpuvm_drv_device *dev, uint64_t bytes,
		      uint64_t *freed)
{
	X_DEV(dev, drv_impl_reclaim(dev, bytes, freed));
}

int gpuvm_drv_bo_evict(struct gpuvm_drv_file *file, uint32_t handle)
{
	X_DEV(file->dev, drv_impl_bo_evict(file, handle));
}

int gpuvm_drv_dummy_evict(struct gpuvm_drv_file *file)
{
	X_DEV(file->dev, drv_impl_dummy_evict(file));
}

int gpuvm_drv_bo_resident(struct gpuvm_drv_file *file, uint32_t handle,
			  bool *resident)
{
	S_DEV(file->dev, drv_impl_bo_resident(file, handle, resident));
}

int gpuvm_drv_bo_pin(struct gpuvm_drv_file *file, uint32_t handle, bool pin)
{
	X_DEV(file->dev, drv_impl_bo_pin(file, handle, pin));
}

int gpuvm_drv_vm_validate(struct gpuvm_drv_file *file, uint32_t vm_id)
{
	X_DEV(file->dev, drv_impl_vm_validate(file, vm_id));
}

/* ------------------------------------------------------------------ */
/* Timelines and queues (X, queries S)                                 */

int gpuvm_drv_timeline_signal(struct gpuvm_drv_device *dev,
			      uint32_t timeline, uint64_t point)
{
	X_DEV(dev, drv_impl_timeline_signal(dev, timeline, point));
}

int gpuvm_drv_timeline_point(struct gpuvm_drv_device *dev, uint32_t timeline,
			     uint64_t *point)
{
	S_DEV(dev, drv_impl_timeline_point(dev, timeline, point));
}

int gpuvm_drv_run(struct gpuvm_drv_device *dev, uint32_t *executed)
{
	X_DEV(dev, drv_impl_run(dev, executed));
}

int gpuvm_drv_wait(struct gpuvm_drv_device *dev, uint32_t timeline,
		   uint64_t point)
{
	X_DEV(dev, drv_impl_wait(dev, timeline, point));
}

int gpuvm_drv_vm_queued(struct gpuvm_drv_file *file, uint32_t vm_id,
			uint32_t *jobs)
{
	S_DEV(file->dev, drv_impl_vm_queued(file, vm_id, jobs));
}
