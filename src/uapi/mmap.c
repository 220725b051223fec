// SPDX-License-Identifier: MIT
/*
 * DOC: CPU mappings
 *
 * mmap of a DRM fd at a BO's offset gives the BO's pages; here it gives
 * the BO's runs of the device's RAM file, which the caller (the shim)
 * maps MAP_FIXED at consecutive addresses of one reserved range, so the
 * CPU sees exactly the bytes GPU accesses read and write. The checks are
 * the kernel's (drm_gem_mmap, panthor_mmap):
 *
 *  - the mapping must be MAP_SHARED (a private one would be
 *    copy-on-write): -EINVAL;
 *  - the offset must start an object's offset range, and the length fit
 *    in it: -EINVAL; an object of another file: -EACCES;
 *  - at the user MMIO offset (SET_USER_MMIO_OFFSET moves it) only the
 *    LATEST_FLUSH_ID page exists, one page, neither writable nor
 *    executable: -EINVAL otherwise. It reads as zero (no flush ever
 *    needs skipping).
 *
 * Eviction: a mapped BO is pinned (gpuvm_drv_bo_pin) from its first
 * mapping to the end of its last, so the shrinker never moves it under
 * the CPU's feet and nothing written through a mapping is lost; mapping
 * an evicted BO brings it back, as a fault on it would. This is the
 * simple choice: the kernel instead zaps the CPU mappings on eviction
 * and refaults them, which would need page-fault handling here.
 *
 * The written map (mem.md): the client's stores never pass through
 * gpuvm, so every frame a writable mapping reaches is marked written
 * when the mapping is made (or made writable); scans skip those that
 * stay holes of the file.
 *
 * A mapping holds its BO (GEM_CLOSE does not free it) and its file (the
 * last close does not free it), until gpuvm_uapi_mmap_end.
 */
#include <errno.h>
#include <stdlib.h>

#include "uapi/uapi_internal.h"

#define MAP_TYPE_MASK 0x0f

static int check_shared(int flags)
{
	int type = flags & MAP_TYPE_MASK;

	return type == GPUVM_UAPI_MAP_SHARED ||
	       type == GPUVM_UAPI_MAP_SHARED_VALIDATE ? 0 : -EINVAL;
}

static void link_map(struct gpuvm_uapi_device *dev,
		     struct gpuvm_uapi_mapping *m)
{
	pthread_mutex_lock(&dev->lock);
	m->id = ++dev->next_map_id;
	m->next = dev->maps;
	if (dev->maps)
		dev->maps->prev = m;
	dev->maps = m;
	pthread_mutex_unlock(&dev->lock);
}

/* The LATEST_FLUSH_ID page. */
static int map_mmio(struct gpuvm_uapi_file *f, uint64_t offset, uint64_t len,
		    int prot, struct gpuvm_uapi_mapping **out,
		    struct gpuvm_uapi_map_plan *plan)
{
	uint64_t base = __atomic_load_n(&f->mmio_offset, __ATOMIC_ACQUIRE);
	struct gpuvm_uapi_mapping *m;

	if (offset - base != 0 || len != UAPI_PAGE ||
	    prot & (GPUVM_UAPI_PROT_WRITE | GPUVM_UAPI_PROT_EXEC))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->file = f;
	uapi_file_ref(f);
	link_map(f->dev, m);
	plan->kind = GPUVM_UAPI_MAP_MMIO;
	plan->fd = -1;
	plan->size = UAPI_PAGE;
	plan->nruns = 0;
	plan->runs = NULL;
	*out = m;
	return 0;
}

/* The object at the offset, held and counted as mapped (and pinned). */
static int hold_bo(struct gpuvm_uapi_file *f, uint64_t offset, uint64_t len,
		   struct uapi_bo **out)
{
	struct gpuvm_uapi_device *dev = f->dev;
	struct uapi_bo *bo;
	int ret = 0;

	pthread_mutex_lock(&dev->lock);
	bo = uapi_offset_lookup(dev, offset / UAPI_PAGE);
	if (!bo) {
		ret = -EINVAL;
	} else if (bo->file != f) {
		ret = -EACCES;
	} else if (len > bo->size) {
		ret = -EINVAL;
	} else {
		pthread_mutex_lock(&f->lock);
		/* A BO whose last hold is going cannot come back. */
		if (bo->refs)
			bo->refs++;
		else
			ret = -EINVAL;
		pthread_mutex_unlock(&f->lock);
	}
	pthread_mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	pthread_mutex_lock(&f->lock);
	if (!bo->maps++) {
		ret = gpuvm_drv_bo_pin(f->drv, bo->drv_handle, true);
		if (ret)
			bo->maps--;
	}
	pthread_mutex_unlock(&f->lock);
	if (ret)
		uapi_bo_put(bo);
	else
		*out = bo;
	return ret;
}

static void release_bo(struct uapi_bo *bo)
{
	struct gpuvm_uapi_file *f = bo->file;

	pthread_mutex_lock(&f->lock);
	if (!--bo->maps)
		gpuvm_drv_bo_pin(f->drv, bo->drv_handle, false);
	pthread_mutex_unlock(&f->lock);
	uapi_bo_put(bo);
}

/* The BO's runs cut to the mapping's length. */
static int plan_runs(struct gpuvm_uapi_file *f, struct uapi_bo *bo,
		     uint64_t len, struct gpuvm_uapi_mapping *m)
{
	struct gpuvm_mem_run *runs;
	unsigned int n = 0, i;
	int ret;

	ret = gpuvm_drv_bo_runs(f->drv, bo->drv_handle, NULL, 0, &n);
	if (ret)
		return ret;
	runs = calloc(n, sizeof(*runs));
	m->runs = calloc(n, sizeof(*m->runs));
	if (!runs || !m->runs) {
		free(runs);
		return -ENOMEM;
	}
	ret = gpuvm_drv_bo_runs(f->drv, bo->drv_handle, runs, n, &n);
	for (i = 0; !ret && i < n && runs[i].offset < len; i++) {
		m->runs[i].offset = runs[i].offset;
		m->runs[i].pa = runs[i].pa;
		m->runs[i].size = runs[i].size < len - runs[i].offset ?
				  runs[i].size : len - runs[i].offset;
		m->nruns = i + 1;
	}
	free(runs);
	return ret;
}

static int begin(struct gpuvm_uapi_file *f, uint64_t offset, uint64_t len,
		 int prot, int flags, struct gpuvm_uapi_mapping **out,
		 struct gpuvm_uapi_map_plan *plan);

int gpuvm_uapi_mmap_begin(struct gpuvm_uapi_file *f, uint64_t offset,
			  uint64_t len, int prot, int flags,
			  struct gpuvm_uapi_mapping **out,
			  struct gpuvm_uapi_map_plan *plan)
{
	int ret;

	if (!f || !out || !plan)
		return -EINVAL;
	uapi_serial_lock(f->dev);
	ret = begin(f, offset, len, prot, flags, out, plan);
	UAPI_HOOK(f->dev, mmap, f, ret ? NULL : *out, offset, len, prot, flags,
		  ret);
	uapi_serial_unlock(f->dev);
	return ret;
}

/* gpuvm_uapi_mmap_begin under the device's serial lock. */
static int begin(struct gpuvm_uapi_file *f, uint64_t offset, uint64_t len,
		 int prot, int flags, struct gpuvm_uapi_mapping **out,
		 struct gpuvm_uapi_map_plan *plan)
{
	struct gpuvm_uapi_mapping *m;
	struct uapi_bo *bo = NULL;
	int ret;

	if (!len || offset & (UAPI_PAGE - 1) || len > UINT64_MAX - UAPI_PAGE)
		return -EINVAL;
	len = (len + UAPI_PAGE - 1) & ~(UAPI_PAGE - 1);
	ret = check_shared(flags);
	if (ret)
		return ret;
	if (offset >= __atomic_load_n(&f->mmio_offset, __ATOMIC_ACQUIRE))
		return map_mmio(f, offset, len, prot, out, plan);
	ret = hold_bo(f, offset, len, &bo);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	ret = m ? plan_runs(f, bo, len, m) : -ENOMEM;
	if (ret) {
		if (m)
			free(m->runs);
		free(m);
		release_bo(bo);
		return ret;
	}
	m->file = f;
	m->bo = bo;
	uapi_file_ref(f);
	link_map(f->dev, m);
	if (prot & GPUVM_UAPI_PROT_WRITE)
		gpuvm_uapi_mmap_writable(m);
	plan->kind = GPUVM_UAPI_MAP_BO;
	plan->fd = f->dev->ram_fd;
	plan->size = len;
	plan->nruns = m->nruns;
	plan->runs = m->runs;
	*out = m;
	return 0;
}

void gpuvm_uapi_mmap_writable(struct gpuvm_uapi_mapping *m)
{
	unsigned int i;

	if (!m || !m->bo || m->writable)
		return;
	for (i = 0; i < m->nruns; i++)
		gpuvm_mem_wptr(m->file->dev->mem, m->runs[i].pa,
			       m->runs[i].size);
	m->writable = true;
}

void gpuvm_uapi_mmap_end(struct gpuvm_uapi_mapping *m)
{
	struct gpuvm_uapi_device *dev;
	struct gpuvm_uapi_file *f;

	if (!m)
		return;
	f = m->file;
	dev = f->dev;
	uapi_serial_lock(dev);
	UAPI_HOOK(dev, munmap, m);
	pthread_mutex_lock(&dev->lock);
	if (m->prev)
		m->prev->next = m->next;
	else
		dev->maps = m->next;
	if (m->next)
		m->next->prev = m->prev;
	pthread_mutex_unlock(&dev->lock);
	if (m->bo)
		release_bo(m->bo);
	free(m->runs);
	free(m);
	uapi_serial_unlock(dev);
	uapi_file_unref(f);
}

uint32_t gpuvm_uapi_mapping_id(const struct gpuvm_uapi_mapping *m)
{
	return m ? m->id : 0;
}
