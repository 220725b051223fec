// SPDX-License-Identifier: MIT
/*
 * DOC: devices, files, GEM objects and their handles
 *
 * A device is a driver device on shared RAM (so BOs can be CPU-mapped)
 * plus what DRM keeps per device: the open files, the mmap offset space
 * and the first primary open's master. A file is one open of a node with
 * its driver file, its handle tables and its VMs' bind queues.
 *
 * Handles are DRM's: the lowest free number from 1, per file, reused
 * after a close (idr_alloc's rule). The driver numbers its BOs itself and
 * never reuses a number, so a GEM object here maps to the driver's
 * handle. A GEM object lives while its handle or a CPU mapping holds it:
 * GEM_CLOSE of a mapped BO drops the handle at once and the driver's BO
 * at the last unmap, as a kernel GEM object outlives its handle while a
 * VMA holds it. The file likewise: its last close tears down its VMs,
 * handles and syncobjs, and the driver file goes with the last mapping.
 *
 * mmap offsets are the device's, in pages, handed out upwards from just
 * above 4 GiB (DRM's offset space starts there) and never at an offset
 * whose low 32 bits are zero: clients that compare them as 32-bit ints
 * (IGT does) would take that one for "no offset".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/uapi_internal.h"

/* DRM's first file page offset, plus one page (see the DOC). */
#define FIRST_PGOFF ((1ull << 32) / UAPI_PAGE + 1)
/* The user MMIO range starts at 2^56: BO offsets stay below it. */
#define END_PGOFF   (DRM_PANTHOR_USER_MMIO_OFFSET_64BIT / UAPI_PAGE)

/* ------------------------------------------------------------------ */
/* Handle tables                                                       */

/* The lowest free slot of a table, grown if full. */
static int slot_take(void ***tab, uint32_t *n, void *obj, uint32_t *handle)
{
	uint32_t i, cap;
	void **t;

	for (i = 0; i < *n && (*tab)[i]; i++)
		;
	if (i == *n) {
		if (*n == UAPI_MAX_HANDLES)
			return -ENOSPC;
		cap = *n ? *n * 2 : 16;
		if (cap > UAPI_MAX_HANDLES)
			cap = UAPI_MAX_HANDLES;
		t = realloc(*tab, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + *n, 0, (cap - *n) * sizeof(*t));
		*tab = t;
		*n = cap;
	}
	(*tab)[i] = obj;
	*handle = i + 1;
	return 0;
}

static void *slot_at(void **tab, uint32_t n, uint32_t handle)
{
	return handle && handle <= n ? tab[handle - 1] : NULL;
}

/* ------------------------------------------------------------------ */
/* mmap offsets                                                        */

static uint32_t offset_index(const struct gpuvm_uapi_device *dev,
			     uint64_t pgoff)
{
	uint32_t lo = 0, hi = dev->noffsets, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (dev->offsets[mid].pgoff < pgoff)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The BO whose offset range starts exactly at pgoff, under dev->lock. */
struct uapi_bo *uapi_offset_lookup(struct gpuvm_uapi_device *dev,
				   uint64_t pgoff)
{
	uint32_t i = offset_index(dev, pgoff);

	return i < dev->noffsets && dev->offsets[i].pgoff == pgoff ?
	       dev->offsets[i].bo : NULL;
}

int uapi_bo_offset(struct uapi_bo *bo, uint64_t *offset)
{
	struct gpuvm_uapi_device *dev = bo->file->dev;
	uint64_t pages = bo->size / UAPI_PAGE, start;
	struct uapi_offset *o;
	int ret = 0;

	pthread_mutex_lock(&dev->lock);
	if (bo->pgoff)
		goto done;
	start = dev->next_pgoff;
	if (!((start * UAPI_PAGE) & 0xffffffffull))
		start++;
	if (start + pages > END_PGOFF || start + pages < start) {
		ret = -ENOSPC;
		goto done;
	}
	if (dev->noffsets == dev->cap_offsets) {
		o = realloc(dev->offsets, (dev->cap_offsets ?
					   dev->cap_offsets * 2 : 64) *
			    sizeof(*o));
		if (!o) {
			ret = -ENOMEM;
			goto done;
		}
		dev->offsets = o;
		dev->cap_offsets = dev->cap_offsets ? dev->cap_offsets * 2 : 64;
	}
	/* Offsets only grow: the new one goes last. */
	dev->offsets[dev->noffsets++] = (struct uapi_offset){
		.pgoff = start, .pages = pages, .bo = bo,
	};
	bo->pgoff = start;
	dev->next_pgoff = start + pages;
done:
	if (!ret)
		*offset = bo->pgoff * UAPI_PAGE;
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

static void offset_drop(struct uapi_bo *bo)
{
	struct gpuvm_uapi_device *dev = bo->file->dev;
	uint32_t i;

	if (!bo->pgoff)
		return;
	pthread_mutex_lock(&dev->lock);
	i = offset_index(dev, bo->pgoff);
	if (i < dev->noffsets && dev->offsets[i].bo == bo) {
		memmove(&dev->offsets[i], &dev->offsets[i + 1],
			(dev->noffsets - i - 1) * sizeof(dev->offsets[0]));
		dev->noffsets--;
	}
	pthread_mutex_unlock(&dev->lock);
}

/* ------------------------------------------------------------------ */
/* GEM objects                                                         */

/* The object behind a handle, held; NULL if there is none. */
struct uapi_bo *uapi_bo_get(struct gpuvm_uapi_file *f, uint32_t handle)
{
	struct uapi_bo *bo;

	pthread_mutex_lock(&f->lock);
	bo = slot_at((void **)f->bos, f->nbos, handle);
	if (bo)
		bo->refs++;
	pthread_mutex_unlock(&f->lock);
	return bo;
}

int uapi_bo_drv_handle(struct gpuvm_uapi_file *f, uint32_t handle,
		       uint32_t *drv_handle)
{
	struct uapi_bo *bo;

	pthread_mutex_lock(&f->lock);
	bo = slot_at((void **)f->bos, f->nbos, handle);
	if (bo)
		*drv_handle = bo->drv_handle;
	pthread_mutex_unlock(&f->lock);
	return bo ? 0 : -ENOENT;
}

/* The last hold gone: the driver's BO goes too. */
static void bo_free(struct uapi_bo *bo)
{
	offset_drop(bo);
	gpuvm_drv_bo_close(bo->file->drv, bo->drv_handle);
	free(bo->label);
	free(bo);
}

void uapi_bo_put(struct uapi_bo *bo)
{
	struct gpuvm_uapi_file *f;
	bool last;

	if (!bo)
		return;
	f = bo->file;
	pthread_mutex_lock(&f->lock);
	last = !--bo->refs;
	pthread_mutex_unlock(&f->lock);
	if (last)
		bo_free(bo);
}

int uapi_bo_add(struct gpuvm_uapi_file *f, struct uapi_bo *bo,
		uint32_t *handle)
{
	int ret;

	pthread_mutex_lock(&f->lock);
	ret = slot_take((void ***)&f->bos, &f->nbos, bo, handle);
	if (!ret) {
		bo->refs = 1;
		bo->open = true;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

/* GEM_CLOSE: -EINVAL for a handle that is not open. */
int uapi_bo_remove(struct gpuvm_uapi_file *f, uint32_t handle)
{
	struct uapi_bo *bo;

	pthread_mutex_lock(&f->lock);
	bo = slot_at((void **)f->bos, f->nbos, handle);
	if (bo) {
		f->bos[handle - 1] = NULL;
		bo->open = false;
	}
	pthread_mutex_unlock(&f->lock);
	if (!bo)
		return -EINVAL;
	uapi_bo_put(bo);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Syncobjs                                                            */

struct uapi_syncobj *uapi_sobj_get(struct gpuvm_uapi_file *f,
				   uint32_t handle)
{
	struct uapi_syncobj *s;

	pthread_mutex_lock(&f->lock);
	s = slot_at((void **)f->sobjs, f->nsobjs, handle);
	if (s)
		s->refs++;
	pthread_mutex_unlock(&f->lock);
	return s;
}

void uapi_sobj_put(struct gpuvm_uapi_file *f, struct uapi_syncobj *s)
{
	bool last;

	pthread_mutex_lock(&f->lock);
	last = !--s->refs;
	pthread_mutex_unlock(&f->lock);
	if (last)
		uapi_sobj_free(s);
}

int uapi_sobj_add(struct gpuvm_uapi_file *f, struct uapi_syncobj *s,
		  uint32_t *handle)
{
	int ret;

	pthread_mutex_lock(&f->lock);
	ret = slot_take((void ***)&f->sobjs, &f->nsobjs, s, handle);
	if (!ret)
		s->refs = 1;
	pthread_mutex_unlock(&f->lock);
	return ret;
}

/* Takes the handle away; the caller owns the handle's reference. */
struct uapi_syncobj *uapi_sobj_remove(struct gpuvm_uapi_file *f,
				      uint32_t handle)
{
	struct uapi_syncobj *s;

	pthread_mutex_lock(&f->lock);
	s = slot_at((void **)f->sobjs, f->nsobjs, handle);
	if (s)
		f->sobjs[handle - 1] = NULL;
	pthread_mutex_unlock(&f->lock);
	return s;
}

/* ------------------------------------------------------------------ */
/* Driver timelines for VM queues                                      */

uint32_t uapi_tl_get(struct gpuvm_uapi_device *dev, uint64_t *seq)
{
	uint32_t tl;

	pthread_mutex_lock(&dev->lock);
	if (dev->nfree_tls) {
		dev->nfree_tls--;
		tl = dev->free_tls[dev->nfree_tls].tl;
		*seq = dev->free_tls[dev->nfree_tls].pt;
	} else {
		tl = dev->next_tl++;
		*seq = 0;
	}
	pthread_mutex_unlock(&dev->lock);
	return tl;
}

/* Back to the pool with its last point: its values only grow. */
void uapi_tl_put(struct gpuvm_uapi_device *dev, uint32_t tl, uint64_t seq)
{
	struct uapi_tlpt *t;
	uint32_t cap;

	pthread_mutex_lock(&dev->lock);
	if (dev->nfree_tls == dev->cap_free_tls) {
		cap = dev->cap_free_tls ? dev->cap_free_tls * 2 : 16;
		t = realloc(dev->free_tls, cap * sizeof(*t));
		if (!t) {
			/* Leaking an id costs nothing but the id. */
			pthread_mutex_unlock(&dev->lock);
			return;
		}
		dev->free_tls = t;
		dev->cap_free_tls = cap;
	}
	dev->free_tls[dev->nfree_tls++] = (struct uapi_tlpt){ tl, seq };
	pthread_mutex_unlock(&dev->lock);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

void uapi_file_ref(struct gpuvm_uapi_file *f)
{
	pthread_mutex_lock(&f->dev->lock);
	f->refs++;
	pthread_mutex_unlock(&f->dev->lock);
}

static void file_free(struct gpuvm_uapi_file *f)
{
	uint32_t i;

	gpuvm_drv_file_close(f->drv);
	for (i = 0; i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		pthread_mutex_destroy(&f->vmq[i].lock);
	pthread_mutex_destroy(&f->lock);
	free(f->bos);
	free(f->sobjs);
	free(f);
}

void uapi_file_unref(struct gpuvm_uapi_file *f)
{
	struct gpuvm_uapi_device *dev = f->dev;
	bool last;

	pthread_mutex_lock(&dev->lock);
	last = !--f->refs;
	if (last) {
		if (f->prev)
			f->prev->next = f->next;
		else
			dev->files = f->next;
		if (f->next)
			f->next->prev = f->prev;
	}
	pthread_mutex_unlock(&dev->lock);
	if (last)
		file_free(f);
}

int gpuvm_uapi_open(struct gpuvm_uapi_device *dev, enum gpuvm_uapi_node node,
		    struct gpuvm_uapi_file **out)
{
	struct gpuvm_uapi_file *f;
	uint32_t i;
	int ret;

	if (!dev || !out ||
	    (node != GPUVM_UAPI_PRIMARY && node != GPUVM_UAPI_RENDER))
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	ret = gpuvm_drv_file_open(dev->drv, &f->drv);
	if (ret) {
		free(f);
		return ret;
	}
	f->dev = dev;
	f->node = node;
	f->refs = 1;
	f->mmio_offset = DRM_PANTHOR_USER_MMIO_OFFSET;
	pthread_mutex_init(&f->lock, NULL);
	for (i = 0; i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		pthread_mutex_init(&f->vmq[i].lock, NULL);
	uapi_serial_lock(dev);
	pthread_mutex_lock(&dev->lock);
	f->id = ++dev->next_file_id;
	/* The first primary open becomes master (drm_master_open). */
	if (node == GPUVM_UAPI_PRIMARY && !dev->master_taken)
		f->master = dev->master_taken = true;
	f->next = dev->files;
	if (dev->files)
		dev->files->prev = f;
	dev->files = f;
	pthread_mutex_unlock(&dev->lock);
	UAPI_HOOK(dev, open, f);
	uapi_serial_unlock(dev);
	*out = f;
	return 0;
}

/* What the kernel's postclose releases, in its order. */
void gpuvm_uapi_close(struct gpuvm_uapi_file *f)
{
	struct uapi_syncobj *s;
	uint32_t i;

	if (!f)
		return;
	uapi_serial_lock(f->dev);
	UAPI_HOOK(f->dev, close, f);
	uapi_sched_drain(f->dev);
	uapi_groups_release(f);
	for (i = 1; i <= GPUVM_DRV_MAX_VMS_PER_FILE; i++)
		uapi_vm_release(f, i);
	for (i = 1; i <= f->nbos; i++)
		uapi_bo_remove(f, i);
	for (i = 1; i <= f->nsobjs; i++) {
		s = uapi_sobj_remove(f, i);
		if (s)
			uapi_sobj_put(f, s);
	}
	pthread_mutex_lock(&f->dev->lock);
	f->closed = true;
	if (f->master)
		f->dev->master_taken = f->master = false;
	pthread_mutex_unlock(&f->dev->lock);
	uapi_serial_unlock(f->dev);
	uapi_file_unref(f);
}

struct gpuvm_drv_file *gpuvm_uapi_file_drv(struct gpuvm_uapi_file *file)
{
	return file ? file->drv : NULL;
}

enum gpuvm_uapi_node gpuvm_uapi_file_node(const struct gpuvm_uapi_file *file)
{
	return file ? file->node : GPUVM_UAPI_PRIMARY;
}

uint32_t gpuvm_uapi_file_id(const struct gpuvm_uapi_file *file)
{
	return file ? file->id : 0;
}

/* ------------------------------------------------------------------ */
/* Devices                                                             */

int gpuvm_uapi_device_create(const struct gpuvm_uapi_device_cfg *cfg,
			     struct gpuvm_uapi_device **out)
{
	struct gpuvm_uapi_device *dev;
	struct gpuvm_drv_device_cfg dc;
	int ret;

	if (!out)
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	if (cfg)
		dev->cfg = *cfg;
	/* Observers need one order of events. */
	if (dev->cfg.hooks)
		dev->cfg.serialize = true;
	dc = dev->cfg.drv;
	dc.shared_ram = true;
	ret = gpuvm_drv_device_create(&dc, &dev->drv);
	if (ret) {
		free(dev);
		return ret;
	}
	dev->mem = gpuvm_drv_device_mem(dev->drv);
	dev->ram_fd = gpuvm_mem_fd(dev->mem);
	pthread_mutex_init(&dev->lock, NULL);
	pthread_mutex_init(&dev->serial, NULL);
	dev->next_pgoff = FIRST_PGOFF;
	dev->next_tl = 1;
	ret = uapi_sched_init(dev);
	if (ret) {
		uapi_sched_fini(dev);
		pthread_mutex_destroy(&dev->serial);
		pthread_mutex_destroy(&dev->lock);
		gpuvm_drv_device_destroy(dev->drv);
		free(dev);
		return ret;
	}
	*out = dev;
	return 0;
}

/* A file not yet closed, or NULL. */
static struct gpuvm_uapi_file *open_file(struct gpuvm_uapi_device *dev)
{
	struct gpuvm_uapi_file *f;

	pthread_mutex_lock(&dev->lock);
	for (f = dev->files; f && f->closed; f = f->next)
		;
	pthread_mutex_unlock(&dev->lock);
	return f;
}

void gpuvm_uapi_device_destroy(struct gpuvm_uapi_device *dev)
{
	struct gpuvm_uapi_file *f;

	if (!dev)
		return;
	uapi_sched_stop(dev);
	while ((f = open_file(dev)))
		gpuvm_uapi_close(f);
	/* Mappings still held end with the device; the last one of a
	 * closed file frees it. */
	while (dev->maps)
		gpuvm_uapi_mmap_end(dev->maps);
	gpuvm_drv_device_destroy(dev->drv);
	uapi_sched_fini(dev);
	free(dev->offsets);
	free(dev->free_tls);
	pthread_mutex_destroy(&dev->serial);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

struct gpuvm_drv_device *gpuvm_uapi_device_drv(struct gpuvm_uapi_device *dev)
{
	return dev ? dev->drv : NULL;
}
