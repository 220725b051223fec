// SPDX-License-Identifier: MIT
/*
 * DOC: DRM core ioctls
 *
 * What drm_ioctl.c and friends answer for a render-only driver with GEM
 * and timeline syncobjs (panthor's driver features): VERSION, GET_CAP
 * (the caps such a driver has; every other one needs modesetting,
 * -EOPNOTSUPP), GEM_CLOSE, SET_CLIENT_CAP (all of its caps need
 * modesetting), and the master ioctls of the primary node, where the
 * first open is master.
 *
 * PRIME (dma-buf fds), GEM names (flink/open) and syncobj fds need kernel
 * files gpuvm cannot make: they are -EOPNOTSUPP, and DRM_CAP_PRIME says 0
 * so that clients do not try.
 */
#include <errno.h>
#include <string.h>

#include "uapi/uapi_internal.h"

/* drm_copy_field: truncated to the caller's length, which becomes the
 * full one. */
static int copy_field(char *user, __kernel_size_t *len, const char *value)
{
	size_t n = strlen(value), cp = n < *len ? n : *len;

	*len = n;
	return cp && user ? uapi_copy_out((uintptr_t)user, value, cp) : 0;
}

int uapi_ioctl_version(struct uapi_call *c)
{
	struct drm_version *v = c->data;
	int ret;

	v->version_major = GPUVM_UAPI_MAJOR;
	v->version_minor = GPUVM_UAPI_MINOR;
	v->version_patchlevel = GPUVM_UAPI_PATCHLEVEL;
	ret = copy_field(v->name, &v->name_len, GPUVM_UAPI_NAME);
	if (!ret)
		ret = copy_field(v->date, &v->date_len, GPUVM_UAPI_DATE);
	if (!ret)
		ret = copy_field(v->desc, &v->desc_len, GPUVM_UAPI_DESC);
	return ret;
}

int uapi_ioctl_get_cap(struct uapi_call *c)
{
	struct drm_get_cap *a = c->data;

	a->value = 0;
	switch (a->capability) {
	case DRM_CAP_TIMESTAMP_MONOTONIC:
	case DRM_CAP_SYNCOBJ:
	case DRM_CAP_SYNCOBJ_TIMELINE:
		a->value = 1;
		return 0;
	case DRM_CAP_PRIME:
		return 0;
	default:
		return -EOPNOTSUPP;   /* the rest needs modesetting */
	}
}

int uapi_ioctl_set_client_cap(struct uapi_call *c)
{
	(void)c;
	return -EOPNOTSUPP;           /* every client cap needs modesetting */
}

int uapi_ioctl_gem_close(struct uapi_call *c)
{
	struct drm_gem_close *a = c->data;

	return uapi_bo_remove(c->file, a->handle);
}

int uapi_ioctl_set_master(struct uapi_call *c)
{
	struct gpuvm_uapi_file *f = c->file;
	int ret = 0;

	pthread_mutex_lock(&f->dev->lock);
	if (!f->master) {
		if (f->dev->master_taken)
			ret = -EBUSY;
		else
			f->master = f->dev->master_taken = true;
	}
	pthread_mutex_unlock(&f->dev->lock);
	return ret;
}

int uapi_ioctl_drop_master(struct uapi_call *c)
{
	struct gpuvm_uapi_file *f = c->file;
	int ret = 0;

	pthread_mutex_lock(&f->dev->lock);
	if (f->master)
		f->master = f->dev->master_taken = false;
	else
		ret = -EINVAL;
	pthread_mutex_unlock(&f->dev->lock);
	return ret;
}

int uapi_ioctl_no_modeset(struct uapi_call *c)
{
	(void)c;
	return -EOPNOTSUPP;
}

int uapi_ioctl_unsupported(struct uapi_call *c)
{
	(void)c;
	return -EOPNOTSUPP;
}

int uapi_ioctl_invalid(struct uapi_call *c)
{
	(void)c;
	return -EINVAL;
}
