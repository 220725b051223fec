// SPDX-License-Identifier: MIT
/*
 * DOC: timelines
 *
 * Timelines model timeline syncobjs in-process: a value per non-zero id
 * that only grows. Queued binds wait for points on them and raise them
 * when they have run (async.c); the host raises them too. They live as
 * long as the device: a small array searched linearly, since a test or a
 * client uses a handful.
 *
 * A timeline is created by whoever first needs it to exist: a signal
 * from the host, or the submission of an op that will signal it (so that
 * running the op later cannot fail on an allocation). Waiting on one that
 * does not exist is waiting on point 0.
 */
#include <errno.h>
#include <stdlib.h>

#include "drv/drv_internal.h"

struct drv_timeline *drv_timeline_find(struct gpuvm_drv_device *dev,
				       uint32_t id)
{
	uint32_t i;

	for (i = 0; i < dev->n_timelines; i++)
		if (dev->timelines[i].id == id)
			return &dev->timelines[i];
	return NULL;
}

int drv_timeline_get(const struct drv_excl *x, uint32_t id,
		     struct drv_timeline **out)
{
	struct gpuvm_drv_device *dev = x->dev;
	struct drv_timeline *t = drv_timeline_find(dev, id);
	uint32_t cap;

	if (!t) {
		if (dev->n_timelines == dev->cap_timelines) {
			cap = dev->cap_timelines ? dev->cap_timelines * 2 : 8;
			t = realloc(dev->timelines, cap * sizeof(*t));
			if (!t)
				return -ENOMEM;
			dev->timelines = t;
			dev->cap_timelines = cap;
		}
		t = &dev->timelines[dev->n_timelines++];
		t->id = id;
		t->point = 0;
	}
	*out = t;
	return 0;
}

void drv_timeline_raise(struct drv_timeline *t, uint64_t point)
{
	if (point > t->point)
		t->point = point;
}

void drv_timelines_free(const struct drv_excl *x)
{
	struct gpuvm_drv_device *dev = x->dev;

	free(dev->timelines);
	dev->timelines = NULL;
	dev->n_timelines = dev->cap_timelines = 0;
}

int drv_impl_timeline_signal(const struct drv_excl *x, uint32_t timeline,
			     uint64_t point)
{
	struct drv_timeline *t;
	int ret;

	if (!timeline || !point)
		return -EINVAL;
	ret = drv_timeline_get(x, timeline, &t);
	if (!ret)
		drv_timeline_raise(t, point);
	return ret;
}

int drv_impl_timeline_point(struct gpuvm_drv_device *dev, uint32_t timeline,
			    uint64_t *point)
{
	struct drv_timeline *t;

	if (!timeline)
		return -EINVAL;
	t = drv_timeline_find(dev, timeline);
	*point = t ? t->point : 0;
	return 0;
}
