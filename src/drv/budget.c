// SPDX-License-Identifier: MIT
/*
 * DOC: the device budget
 *
 * The device has a budget in bytes, by default its RAM. Everything the
 * driver allocates counts against it: BOs, the sparse dummy, page-table
 * pages, shared sparse tables, restores. What does not fit makes the
 * shrinker (evict.c) evict BOs first, or fails.
 *
 * Binds running side by side under the shared lock cannot make room
 * (that evicts, which needs the device alone); they claim the frames
 * they are about to allocate with drv_charge(), so that together they
 * cannot pass the budget, and give the claim back once the frames are
 * really taken (then the memory's own count holds them).
 */
#include <errno.h>

#include "drv/drv_internal.h"

uint64_t drv_frames_used(struct gpuvm_drv_device *dev)
{
	struct gpuvm_mem_stats st;

	gpuvm_mem_stats(dev->mem, &st);
	return st.frames_used;
}

bool drv_fits(struct gpuvm_drv_device *dev, uint64_t frames)
{
	uint64_t budget = dev->budget / GPUVM_SZ_4K;

	return frames <= budget && drv_frames_used(dev) <= budget - frames;
}

/* false means: go and make room, exclusively. */
bool drv_charge(struct gpuvm_drv_device *dev, uint64_t frames)
{
	uint64_t budget = dev->budget / GPUVM_SZ_4K, used;
	bool ok;

	pthread_mutex_lock(&dev->alloc);
	used = drv_frames_used(dev) + dev->charged;
	ok = frames <= budget && used <= budget - frames;
	if (ok)
		dev->charged += frames;
	pthread_mutex_unlock(&dev->alloc);
	return ok;
}

void drv_uncharge(struct gpuvm_drv_device *dev, uint64_t frames)
{
	pthread_mutex_lock(&dev->alloc);
	dev->charged -= frames;
	pthread_mutex_unlock(&dev->alloc);
}

int drv_impl_device_set_budget(const struct drv_excl *x, uint64_t bytes)
{
	struct gpuvm_drv_device *dev = x->dev;

	if (bytes & (GPUVM_SZ_4K - 1) || bytes > dev->cfg.ram)
		return -EINVAL;
	dev->budget = bytes ? bytes : dev->cfg.ram;
	return 0;
}
