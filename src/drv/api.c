// SPDX-License-Identifier: MIT
/*
 * DOC: the driver's entry points and their locks
 *
 * Every public gpuvm_drv_* call lands here, takes the locks its kind of
 * work needs and calls the implementation, whose parameters say what it
 * assumes (drv_internal.h, "locks in signatures"). The whole policy:
 *
 *   exclusive (dev_lock_x, hands out struct drv_excl)
 *       files, VMs and BOs coming and going; eviction, restore, pins,
 *       budgets; queued binds, timelines, running the queues; the full
 *       path of a synchronous bind
 *   shared + the VM's mutex (vm_lock, hands out the locked VM)
 *       the fast path of a synchronous bind; inspection of one VM
 *   shared (dev_lock_s)
 *       GPU accesses (the MMU serialises each address space itself and
 *       makes accesses wait only on the locked region of an update),
 *       CPU access to BOs, state queries
 *
 * A synchronous bind op first tries the fast path under its VM's lock;
 * when that needs more (a dummy to create, a BO to restore, shared tables
 * to build, room to make) it parks the op (drv_op_park: only the check
 * stays), retakes the device exclusively and resumes it on the full path.
 */
#include <errno.h>

#include "drv/drv_internal.h"

static const struct drv_excl *dev_lock_x(struct gpuvm_drv_device *dev,
					 struct drv_excl *x)
{
	pthread_rwlock_wrlock(&dev->rw);
	x->dev = dev;
	return x;
}

static void dev_unlock_x(const struct drv_excl *x)
{
	pthread_rwlock_unlock(&x->dev->rw);
}

static void dev_lock_s(struct gpuvm_drv_device *dev)
{
	pthread_rwlock_rdlock(&dev->rw);
}

static void dev_unlock_s(struct gpuvm_drv_device *dev)
{
	pthread_rwlock_unlock(&dev->rw);
}

/* The shared lock plus the VM's; NULL, with nothing held, for a bad id. */
static struct drv_vm *vm_lock(struct gpuvm_drv_file *file, uint32_t id)
{
	struct drv_vm *vm;

	dev_lock_s(file->dev);
	vm = drv_vm_lookup(file, id);
	if (!vm) {
		dev_unlock_s(file->dev);
		return NULL;
	}
	pthread_mutex_lock(&vm->lock);
	return vm;
}

static void vm_unlock(struct drv_vm *vm)
{
	struct gpuvm_drv_device *dev = vm->file->dev;

	pthread_mutex_unlock(&vm->lock);
	dev_unlock_s(dev);
}

/* ------------------------------------------------------------------ */
/* Files, VMs, BOs                                                     */

int gpuvm_drv_file_open(struct gpuvm_drv_device *dev,
			struct gpuvm_drv_file **out)
{
	struct drv_excl x;
	int ret;

	if (!dev || !out)
		return -EINVAL;
	ret = drv_impl_file_open(dev_lock_x(dev, &x), out);
	dev_unlock_x(&x);
	return ret;
}

void gpuvm_drv_file_close(struct gpuvm_drv_file *file)
{
	struct drv_excl x;

	if (!file)
		return;
	drv_impl_file_close(dev_lock_x(file->dev, &x), file);
	dev_unlock_x(&x);
}

int gpuvm_drv_vm_create(struct gpuvm_drv_file *file, uint64_t user_va,
			uint32_t *id)
{
	struct drv_excl x;
	int ret;

	if (!file || !id)
		return -EINVAL;
	ret = drv_impl_vm_create(dev_lock_x(file->dev, &x), file, user_va, id);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_vm_destroy(struct gpuvm_drv_file *file, uint32_t id)
{
	struct drv_excl x;
	int ret;

	if (!file)
		return -EINVAL;
	ret = drv_impl_vm_destroy(dev_lock_x(file->dev, &x), file, id);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_vm_get_state(struct gpuvm_drv_file *file, uint32_t id,
			   enum gpuvm_drv_vm_state *state)
{
	struct drv_vm *vm;

	if (!file || !state)
		return -EINVAL;
	vm = vm_lock(file, id);
	if (!vm)
		return -EINVAL;
	*state = vm->state;
	vm_unlock(vm);
	return 0;
}

int gpuvm_drv_bo_create(struct gpuvm_drv_file *file, uint64_t size,
			uint32_t exclusive_vm, unsigned int chunks,
			uint32_t *handle)
{
	struct drv_excl x;
	int ret;

	if (!file || !handle)
		return -EINVAL;
	ret = drv_impl_bo_create(dev_lock_x(file->dev, &x), file, size,
				 exclusive_vm, chunks, handle);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_bo_close(struct gpuvm_drv_file *file, uint32_t handle)
{
	struct drv_excl x;
	int ret;

	if (!file)
		return -EINVAL;
	ret = drv_impl_bo_close(dev_lock_x(file->dev, &x), file, handle);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_bo_read(struct gpuvm_drv_file *file, uint32_t handle,
		      uint64_t offset, void *buf, uint64_t len)
{
	int ret;

	if (!file || !buf)
		return -EINVAL;
	dev_lock_s(file->dev);
	ret = drv_impl_bo_read(file, handle, offset, buf, len);
	dev_unlock_s(file->dev);
	return ret;
}

int gpuvm_drv_bo_runs(struct gpuvm_drv_file *file, uint32_t handle,
		      struct gpuvm_mem_run *runs, unsigned int cap,
		      unsigned int *count)
{
	int ret;

	/* Refused before the lock, as every NULL argument (drv.h). */
	if (!file || !count || (cap && !runs))
		return -EINVAL;
	dev_lock_s(file->dev);
	ret = drv_impl_bo_runs(file, handle, runs, cap, count);
	dev_unlock_s(file->dev);
	return ret;
}

int gpuvm_drv_bo_write(struct gpuvm_drv_file *file, uint32_t handle,
		       uint64_t offset, const void *buf, uint64_t len)
{
	int ret;

	if (!file || !buf)
		return -EINVAL;
	dev_lock_s(file->dev);
	ret = drv_impl_bo_write(file, handle, offset, buf, len);
	dev_unlock_s(file->dev);
	return ret;
}

/* ------------------------------------------------------------------ */
/* VM_BIND                                                             */

/* Drops shared tables an unmap left without links (exclusive work). */
static void trim_idle(struct gpuvm_drv_file *file)
{
	struct drv_excl x;
	bool idle;

	dev_lock_s(file->dev);
	idle = drv_sparse_tables_idle(file);
	dev_unlock_s(file->dev);
	if (!idle)
		return;
	drv_sparse_tables_trim(dev_lock_x(file->dev, &x), file);
	dev_unlock_x(&x);
}

/* One synchronous op: the fast path, else the full one (see above). */
static int bind_sync(struct gpuvm_drv_file *file, uint32_t vm_id,
		     const struct gpuvm_drv_bind_op *op)
{
	struct drv_vm *vm = vm_lock(file, vm_id);
	struct drv_excl x;
	struct drv_op o;
	int ret;

	if (!vm)
		return -EINVAL;
	ret = drv_op_check(&o, vm, op, false);
	if (!ret)
		ret = drv_bind_fast(&o);
	if (ret != -EAGAIN) {
		drv_op_finish(NULL, &o, ret);
		vm_unlock(vm);
		return ret;
	}
	drv_op_park(&o);
	vm_unlock(vm);
	ret = drv_op_resume(dev_lock_x(file->dev, &x), &o, file, vm_id);
	if (!ret)
		ret = drv_bind_full(&x, &o);
	drv_op_finish(&x, &o, ret);
	dev_unlock_x(&x);
	return ret;
}

static int bind_async(struct gpuvm_drv_file *file, uint32_t vm_id,
		      const struct gpuvm_drv_bind_op *ops, uint32_t count,
		      uint32_t *failed)
{
	struct drv_excl x;
	struct drv_vm *vm;
	int ret;

	dev_lock_x(file->dev, &x);
	vm = drv_vm_lookup(file, vm_id);
	ret = vm ? drv_bind_async(&x, vm, ops, count, failed) : -EINVAL;
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_vm_bind(struct gpuvm_drv_file *file, uint32_t vm_id,
		      uint32_t flags, const struct gpuvm_drv_bind_op *ops,
		      uint32_t count, uint32_t *failed)
{
	struct drv_vm *vm;
	uint32_t i;
	int ret = 0;

	if (!file)
		return -EINVAL;
	/* A bad VM or batch is the call's error, not an op's. */
	vm = vm_lock(file, vm_id);
	if (!vm)
		return -EINVAL;
	vm_unlock(vm);
	if ((count && !ops) || (flags & ~GPUVM_DRV_BIND_ASYNC))
		return -EINVAL;
	if (flags & GPUVM_DRV_BIND_ASYNC)
		return bind_async(file, vm_id, ops, count, failed);
	for (i = 0; i < count && !ret; i++) {
		ret = bind_sync(file, vm_id, &ops[i]);
		if (ret && failed)
			*failed = i;
	}
	trim_idle(file);
	return ret;
}

/*
 * No driver lock: the MMU orders accesses with updates (an update locks
 * the region it changes; reads that hit the TLB take no lock at all and
 * see an update as before or after), so accesses to one VM run side by
 * side, and with binds. The VM must outlive the call: nobody destroys a
 * VM (or closes its file) while accesses to it run, as a GPU job holds
 * its VM (drv.h).
 */
int gpuvm_drv_gpu_access(struct gpuvm_drv_file *file, uint32_t vm_id,
			 enum gpuvm_mmu_access access, uint64_t va, void *buf,
			 size_t len, struct gpuvm_mmu_fault *fault)
{
	struct drv_vm *vm;

	if (!file || !buf || !(vm = drv_vm_lookup(file, vm_id)))
		return -EINVAL;
	switch (access) {
	case GPUVM_MMU_READ:
		return gpuvm_mmu_read(vm->as, va, buf, len, fault);
	case GPUVM_MMU_WRITE:
		return gpuvm_mmu_write(vm->as, va, buf, len, fault);
	case GPUVM_MMU_EXEC:
		return gpuvm_mmu_fetch(vm->as, va, buf, len, fault);
	}
	return -EINVAL;
}

struct gpuvm_mmu_as *gpuvm_drv_vm_as(struct gpuvm_drv_file *file,
				     uint32_t vm_id)
{
	struct drv_vm *vm;

	if (!file || !(vm = drv_vm_lookup(file, vm_id)))
		return NULL;
	return vm->as;
}

/* ------------------------------------------------------------------ */
/* Inspection: one VM, locked                                          */

int gpuvm_drv_vm_lookup(struct gpuvm_drv_file *file, uint32_t vm_id,
			uint64_t va, struct gpuvm_drv_lookup *out)
{
	struct drv_vm *vm;
	int ret;

	if (!file || !out || !(vm = vm_lock(file, vm_id)))
		return -EINVAL;
	ret = drv_impl_vm_lookup(vm, va, out);
	vm_unlock(vm);
	return ret;
}

int gpuvm_drv_vm_stats(struct gpuvm_drv_file *file, uint32_t vm_id,
		       struct gpuvm_drv_vm_stats *st)
{
	struct drv_vm *vm;
	int ret;

	if (!file || !st || !(vm = vm_lock(file, vm_id)))
		return -EINVAL;
	ret = drv_impl_vm_stats(vm, st);
	vm_unlock(vm);
	return ret;
}

int gpuvm_drv_vm_for_each_mapping(struct gpuvm_drv_file *file,
				  uint32_t vm_id, uint64_t start, uint64_t end,
				  gpuvm_drv_mapping_fn fn, void *cookie)
{
	struct drv_vm *vm;
	int ret;

	if (!file || !fn || !(vm = vm_lock(file, vm_id)))
		return -EINVAL;
	ret = drv_impl_vm_for_each_mapping(vm, start, end, fn, cookie);
	vm_unlock(vm);
	return ret;
}

int gpuvm_drv_vm_check(struct gpuvm_drv_file *file, uint32_t vm_id,
		       FILE *err)
{
	struct drv_vm *vm;
	int ret;

	if (!file || !(vm = vm_lock(file, vm_id)))
		return -EINVAL;
	ret = drv_impl_vm_check(vm, err);
	vm_unlock(vm);
	return ret;
}

int gpuvm_drv_vm_dump_named(struct gpuvm_drv_file *file, uint32_t vm_id,
			    FILE *f, gpuvm_drv_bo_name_fn name, void *cookie)
{
	struct drv_vm *vm;
	int ret;

	if (!file || !f || !(vm = vm_lock(file, vm_id)))
		return -EINVAL;
	ret = drv_impl_vm_dump(vm, f, name, cookie);
	vm_unlock(vm);
	return ret;
}

int gpuvm_drv_vm_dump(struct gpuvm_drv_file *file, uint32_t vm_id, FILE *f)
{
	return gpuvm_drv_vm_dump_named(file, vm_id, f, NULL, NULL);
}

int gpuvm_drv_vm_fail_nth_alloc(struct gpuvm_drv_file *file, uint32_t vm_id,
				uint64_t nth)
{
	struct drv_vm *vm;
	int ret;

	if (!file || !(vm = vm_lock(file, vm_id)))
		return -EINVAL;
	ret = drv_impl_vm_fail_nth_alloc(vm, nth);
	vm_unlock(vm);
	return ret;
}

/* Exclusive: binds change the page tables under the VM lock alone. */
int gpuvm_drv_vm_set_trace(struct gpuvm_drv_file *file, uint32_t vm_id,
			   const struct gpuvm_mmu_trace *mmu,
			   const struct gpuvm_pt_trace *pt)
{
	struct drv_excl x;
	struct drv_vm *vm;
	int ret = -EINVAL;

	if (!file)
		return -EINVAL;
	dev_lock_x(file->dev, &x);
	vm = drv_vm_lookup(file, vm_id);
	if (vm) {
		ret = gpuvm_mmu_set_trace(vm->as, mmu);
		if (!ret)
			ret = gpuvm_pt_set_trace(vm->pt, pt);
	}
	dev_unlock_x(&x);
	return ret;
}

/* Exclusive, as set_trace: the hook is set while nothing accesses. */
int gpuvm_drv_vm_set_grow(struct gpuvm_drv_file *file, uint32_t vm_id,
			  const struct gpuvm_drv_grow *cfg)
{
	struct drv_excl x;
	struct drv_vm *vm;
	int ret = -EINVAL;

	if (!file || !cfg)
		return -EINVAL;
	dev_lock_x(file->dev, &x);
	vm = drv_vm_lookup(file, vm_id);
	if (vm)
		ret = drv_impl_vm_set_grow(&x, vm, cfg);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_vm_grown(struct gpuvm_drv_file *file, uint32_t vm_id,
		       uint64_t *chunks)
{
	struct drv_vm *vm;

	if (!file || !chunks || !(vm = vm_lock(file, vm_id)))
		return -EINVAL;
	*chunks = drv_grow_chunks(vm);
	vm_unlock(vm);
	return 0;
}

int gpuvm_drv_vm_queued(struct gpuvm_drv_file *file, uint32_t vm_id,
			uint32_t *jobs)
{
	struct drv_vm *vm;
	int ret;

	if (!file || !jobs || !(vm = vm_lock(file, vm_id)))
		return -EINVAL;
	ret = drv_impl_vm_queued(vm, jobs);
	vm_unlock(vm);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Memory pressure (residency queries shared)                          */

int gpuvm_drv_device_set_budget(struct gpuvm_drv_device *dev, uint64_t bytes)
{
	struct drv_excl x;
	int ret;

	if (!dev)
		return -EINVAL;
	ret = drv_impl_device_set_budget(dev_lock_x(dev, &x), bytes);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_reclaim(struct gpuvm_drv_device *dev, uint64_t bytes,
		      uint64_t *freed)
{
	struct drv_excl x;
	int ret;

	if (!dev)
		return -EINVAL;
	ret = drv_impl_reclaim(dev_lock_x(dev, &x), bytes, freed);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_bo_evict(struct gpuvm_drv_file *file, uint32_t handle)
{
	struct drv_excl x;
	int ret;

	if (!file)
		return -EINVAL;
	ret = drv_impl_bo_evict(dev_lock_x(file->dev, &x), file, handle);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_dummy_evict(struct gpuvm_drv_file *file)
{
	struct drv_excl x;
	int ret;

	if (!file)
		return -EINVAL;
	ret = drv_impl_dummy_evict(dev_lock_x(file->dev, &x), file);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_bo_resident(struct gpuvm_drv_file *file, uint32_t handle,
			  bool *resident)
{
	int ret;

	if (!file || !resident)
		return -EINVAL;
	dev_lock_s(file->dev);
	ret = drv_impl_bo_resident(file, handle, resident);
	dev_unlock_s(file->dev);
	return ret;
}

int gpuvm_drv_bo_pin(struct gpuvm_drv_file *file, uint32_t handle, bool pin)
{
	struct drv_excl x;
	int ret;

	if (!file)
		return -EINVAL;
	ret = drv_impl_bo_pin(dev_lock_x(file->dev, &x), file, handle, pin);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_vm_validate(struct gpuvm_drv_file *file, uint32_t vm_id)
{
	struct drv_excl x;
	struct drv_vm *vm;
	int ret = -EINVAL;

	if (!file)
		return -EINVAL;
	dev_lock_x(file->dev, &x);
	vm = drv_vm_lookup(file, vm_id);
	if (vm)
		ret = drv_impl_vm_validate(&x, vm);
	dev_unlock_x(&x);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Timelines and queues (queries shared)                               */

int gpuvm_drv_timeline_signal(struct gpuvm_drv_device *dev,
			      uint32_t timeline, uint64_t point)
{
	struct drv_excl x;
	int ret;

	if (!dev)
		return -EINVAL;
	ret = drv_impl_timeline_signal(dev_lock_x(dev, &x), timeline, point);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_timeline_point(struct gpuvm_drv_device *dev, uint32_t timeline,
			     uint64_t *point)
{
	int ret;

	if (!dev || !point)
		return -EINVAL;
	dev_lock_s(dev);
	ret = drv_impl_timeline_point(dev, timeline, point);
	dev_unlock_s(dev);
	return ret;
}

int gpuvm_drv_run(struct gpuvm_drv_device *dev, uint32_t *executed)
{
	struct drv_excl x;
	int ret;

	if (!dev)
		return -EINVAL;
	ret = drv_impl_run(dev_lock_x(dev, &x), executed);
	dev_unlock_x(&x);
	return ret;
}

int gpuvm_drv_wait(struct gpuvm_drv_device *dev, uint32_t timeline,
		   uint64_t point)
{
	struct drv_excl x;
	int ret;

	if (!dev)
		return -EINVAL;
	ret = drv_impl_wait(dev_lock_x(dev, &x), timeline, point);
	dev_unlock_x(&x);
	return ret;
}
