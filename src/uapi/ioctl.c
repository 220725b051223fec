// SPDX-License-Identifier: MIT
/*
 * DOC: drm_ioctl()
 *
 * One ioctl goes through the steps of the kernel's drm_ioctl():
 *
 *  1. A request whose type is not DRM's ('d') is -ENOTTY. Its number
 *     picks a core ioctl (below DRM_COMMAND_BASE, or from 0xA0) or a
 *     driver one; a number with no entry is -EINVAL, before anything is
 *     read.
 *  2. Sizes: the caller's size is the request's, the kernel's is the
 *     table's. The argument is read if both directions say so (in_size),
 *     written back if both say so (out_size), and the kernel-side copy is
 *     the larger of the three, zero-filled past what was read: a shorter
 *     (older) structure is zero-extended, a longer one truncated (its
 *     extra bytes go back unchanged).
 *  3. A read fault is -EFAULT and nothing else happens.
 *  4. Permissions (drm_ioctl_permit): an ioctl not marked render-allowed
 *     is -EACCES on the render node; DRM_AUTH needs the primary node's
 *     master; DRM_MASTER needs the master.
 *  5. The handler runs on the copy.
 *  6. The copy goes back to the caller (out_size bytes) whatever the
 *     handler returned, so outputs the handler set on failure reach the
 *     caller too (VM_BIND's ops.count); a write fault is -EFAULT.
 *
 * Before the handler, the device's ready jobs run (sched.c), so results
 * never depend on the worker's timing. With cfg.serialize, ioctls run one
 * at a time (a blocking syncobj wait still lets others in while it
 * sleeps).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uapi/uapi_internal.h"

/* drm_ioctl_desc flags. */
#define F_AUTH    0x1
#define F_MASTER  0x2
#define F_RENDER  0x20

#define IOC_IN_BIT  (_IOC_WRITE << _IOC_DIRSHIFT)
#define IOC_OUT_BIT (_IOC_READ << _IOC_DIRSHIFT)

#define CORE_COUNT 0xD1   /* core ioctl numbers the kernel knows */

struct entry {
	const char *name;
	unsigned long cmd;       /* the kernel's definition: sizes */
	unsigned int flags;
	uapi_handler fn;
};

#define CORE(nr, n, c, f, h) [nr] = { n, c, f, h }
#define DRV(id, n, t, h) \
	[DRM_PANTHOR_##id] = { n, DRM_IOCTL_PANTHOR(WR, id, t), F_RENDER, h }

static const struct entry core[CORE_COUNT] = {
	CORE(0x00, "VERSION", DRM_IOCTL_VERSION, F_RENDER,
	     uapi_ioctl_version),
	CORE(0x01, "GET_UNIQUE", _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x01, 16),
	     0, uapi_ioctl_unsupported),
	CORE(0x02, "GET_MAGIC", _IOC(_IOC_READ, 'd', 0x02, 4), 0,
	     uapi_ioctl_unsupported),
	CORE(0x09, "GEM_CLOSE", DRM_IOCTL_GEM_CLOSE, F_RENDER,
	     uapi_ioctl_gem_close),
	CORE(0x0a, "GEM_FLINK", _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0a, 8),
	     F_AUTH, uapi_ioctl_unsupported),
	CORE(0x0b, "GEM_OPEN", _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0b, 16),
	     F_AUTH, uapi_ioctl_unsupported),
	CORE(0x0c, "GET_CAP", DRM_IOCTL_GET_CAP, F_RENDER,
	     uapi_ioctl_get_cap),
	CORE(0x0d, "SET_CLIENT_CAP", DRM_IOCTL_SET_CLIENT_CAP, 0,
	     uapi_ioctl_set_client_cap),
	CORE(0x11, "AUTH_MAGIC", _IOC(_IOC_WRITE, 'd', 0x11, 4), F_MASTER,
	     uapi_ioctl_unsupported),
	CORE(0x1e, "SET_MASTER", _IO('d', 0x1e), 0, uapi_ioctl_set_master),
	CORE(0x1f, "DROP_MASTER", _IO('d', 0x1f), 0, uapi_ioctl_drop_master),
	CORE(0x2d, "PRIME_HANDLE_TO_FD",
	     _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x2d, 12), F_RENDER,
	     uapi_ioctl_unsupported),
	CORE(0x2e, "PRIME_FD_TO_HANDLE",
	     _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x2e, 12), F_RENDER,
	     uapi_ioctl_unsupported),
	CORE(0xBF, "SYNCOBJ_CREATE", DRM_IOCTL_SYNCOBJ_CREATE, F_RENDER,
	     uapi_ioctl_syncobj_create),
	CORE(0xC0, "SYNCOBJ_DESTROY", DRM_IOCTL_SYNCOBJ_DESTROY, F_RENDER,
	     uapi_ioctl_syncobj_destroy),
	CORE(0xC1, "SYNCOBJ_HANDLE_TO_FD", DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
	     F_RENDER, uapi_ioctl_syncobj_handle),
	CORE(0xC2, "SYNCOBJ_FD_TO_HANDLE", DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
	     F_RENDER, uapi_ioctl_syncobj_handle),
	CORE(0xC3, "SYNCOBJ_WAIT", DRM_IOCTL_SYNCOBJ_WAIT, F_RENDER,
	     uapi_ioctl_syncobj_wait),
	CORE(0xC4, "SYNCOBJ_RESET", DRM_IOCTL_SYNCOBJ_RESET, F_RENDER,
	     uapi_ioctl_syncobj_reset),
	CORE(0xC5, "SYNCOBJ_SIGNAL", DRM_IOCTL_SYNCOBJ_SIGNAL, F_RENDER,
	     uapi_ioctl_syncobj_signal),
	CORE(0xCA, "SYNCOBJ_TIMELINE_WAIT", DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
	     F_RENDER, uapi_ioctl_syncobj_timeline_wait),
	CORE(0xCB, "SYNCOBJ_QUERY", DRM_IOCTL_SYNCOBJ_QUERY, F_RENDER,
	     uapi_ioctl_syncobj_query),
	CORE(0xCC, "SYNCOBJ_TRANSFER", DRM_IOCTL_SYNCOBJ_TRANSFER, F_RENDER,
	     uapi_ioctl_syncobj_transfer),
	CORE(0xCD, "SYNCOBJ_TIMELINE_SIGNAL",
	     DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, F_RENDER,
	     uapi_ioctl_syncobj_timeline_signal),
	CORE(0xCF, "SYNCOBJ_EVENTFD", DRM_IOCTL_SYNCOBJ_EVENTFD, F_RENDER,
	     uapi_ioctl_syncobj_eventfd),
};

static const struct entry driver[] = {
	DRV(DEV_QUERY, "PANTHOR_DEV_QUERY", dev_query, uapi_ioctl_dev_query),
	DRV(VM_CREATE, "PANTHOR_VM_CREATE", vm_create, uapi_ioctl_vm_create),
	DRV(VM_DESTROY, "PANTHOR_VM_DESTROY", vm_destroy,
	    uapi_ioctl_vm_destroy),
	DRV(VM_BIND, "PANTHOR_VM_BIND", vm_bind, uapi_ioctl_vm_bind),
	DRV(VM_GET_STATE, "PANTHOR_VM_GET_STATE", vm_get_state,
	    uapi_ioctl_vm_get_state),
	DRV(BO_CREATE, "PANTHOR_BO_CREATE", bo_create, uapi_ioctl_bo_create),
	DRV(BO_MMAP_OFFSET, "PANTHOR_BO_MMAP_OFFSET", bo_mmap_offset,
	    uapi_ioctl_bo_mmap_offset),
	DRV(GROUP_CREATE, "PANTHOR_GROUP_CREATE", group_create,
	    uapi_ioctl_group_create),
	DRV(GROUP_DESTROY, "PANTHOR_GROUP_DESTROY", group_destroy,
	    uapi_ioctl_group_destroy),
	DRV(GROUP_SUBMIT, "PANTHOR_GROUP_SUBMIT", group_submit,
	    uapi_ioctl_group_submit),
	DRV(GROUP_GET_STATE, "PANTHOR_GROUP_GET_STATE", group_get_state,
	    uapi_ioctl_group_get_state),
	DRV(TILER_HEAP_CREATE, "PANTHOR_TILER_HEAP_CREATE", tiler_heap_create,
	    uapi_ioctl_tiler_heap_create),
	DRV(TILER_HEAP_DESTROY, "PANTHOR_TILER_HEAP_DESTROY",
	    tiler_heap_destroy, uapi_ioctl_tiler_heap_destroy),
	DRV(BO_SET_LABEL, "PANTHOR_BO_SET_LABEL", bo_set_label,
	    uapi_ioctl_bo_set_label),
	DRV(SET_USER_MMIO_OFFSET, "PANTHOR_SET_USER_MMIO_OFFSET",
	    set_user_mmio_offset, uapi_ioctl_set_user_mmio_offset),
	DRV(BO_SYNC, "PANTHOR_BO_SYNC", bo_sync, uapi_ioctl_bo_sync),
	DRV(BO_QUERY_INFO, "PANTHOR_BO_QUERY_INFO", bo_query_info,
	    uapi_ioctl_bo_query_info),
};

#define NDRIVER (sizeof(driver) / sizeof(driver[0]))

/* Modesetting ioctls answer -EOPNOTSUPP for a driver without it. */
static const struct entry modeset = {
	"MODE", 0, 0, uapi_ioctl_no_modeset,
};

static bool is_syncobj_nr(unsigned int nr)
{
	return (nr >= 0xBF && nr <= 0xC5) || (nr >= 0xCA && nr <= 0xCD) ||
	       nr == 0xCF;
}

static const struct entry *lookup(unsigned int nr)
{
	if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END)
		return nr - DRM_COMMAND_BASE < NDRIVER ?
		       &driver[nr - DRM_COMMAND_BASE] : NULL;
	if (nr >= CORE_COUNT)
		return NULL;
	if (core[nr].fn)
		return &core[nr];
	return nr >= 0xA0 && !is_syncobj_nr(nr) ? &modeset : NULL;
}

static int permit(const struct gpuvm_uapi_file *f, unsigned int flags)
{
	if ((flags & F_AUTH) && f->node != GPUVM_UAPI_RENDER && !f->master)
		return -EACCES;
	if ((flags & F_MASTER) && !f->master)
		return -EACCES;
	if (!(flags & F_RENDER) && f->node == GPUVM_UAPI_RENDER)
		return -EACCES;
	return 0;
}

/* Runs the call on its kernel-side copy; 1 if the copy-back faulted. */
static int call(const struct entry *e, struct uapi_call *c, uint64_t user,
		uint8_t *kdata, uint32_t ksize, bool *out_fault)
{
	int ret = permit(c->file, e->flags);

	memset(kdata + c->in_size, 0, ksize - c->in_size);
	if (!ret) {
		uapi_sched_drain(c->file->dev);
		ret = e->fn(c);
	}
	*out_fault = uapi_copy_out(user, kdata, c->out_size) != 0;
	return *out_fault ? -EFAULT : ret;
}

int gpuvm_uapi_ioctl(struct gpuvm_uapi_file *file, unsigned long request,
		     void *arg)
{
	struct gpuvm_uapi_device *dev;
	const struct entry *e;
	uint8_t stack[256], *kdata = stack, *in = NULL;
	struct uapi_call c = { .file = file };
	uint32_t ksize = 0, kern;
	uint64_t user = (uintptr_t)arg;
	bool out_fault = false;
	int ret;

	if (!file)
		return -EBADF;
	dev = file->dev;
	request = (uint32_t)request;
	uapi_serial_lock(dev);
	if (_IOC_TYPE(request) != DRM_IOCTL_BASE) {
		ret = -ENOTTY;
		goto out;
	}
	e = lookup(_IOC_NR(request));
	if (!e) {
		ret = -EINVAL;
		goto out;
	}
	/* The modeset stand-in has no size of its own: the caller's. */
	kern = e->cmd ? _IOC_SIZE(e->cmd) : _IOC_SIZE(request);
	c.in_size = c.out_size = _IOC_SIZE(request);
	if (!(request & (e->cmd ? e->cmd : request) & IOC_IN_BIT))
		c.in_size = 0;
	if (!(request & (e->cmd ? e->cmd : request) & IOC_OUT_BIT))
		c.out_size = 0;
	ksize = c.in_size > c.out_size ? c.in_size : c.out_size;
	ksize = ksize > kern ? ksize : kern;
	if (ksize > sizeof(stack) && !(kdata = malloc(ksize))) {
		ret = -ENOMEM;
		goto out;
	}
	c.data = kdata;
	ret = uapi_copy_in(kdata, user, c.in_size);
	if (!ret) {
		/* What the call read, for an observer. */
		if (dev->cfg.hooks && (in = malloc(ksize ? ksize : 1))) {
			memcpy(in, kdata, c.in_size);
			memset(in + c.in_size, 0, ksize - c.in_size);
		}
		ret = call(e, &c, user, kdata, ksize, &out_fault);
	}
out:
	UAPI_HOOK(dev, ioctl, file, request, in, kdata, ksize, arg, ret,
		  out_fault);
	uapi_serial_unlock(dev);
	free(in);
	if (kdata != stack)
		free(kdata);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

const char *gpuvm_uapi_ioctl_name(unsigned long request)
{
	const struct entry *e;

	if (_IOC_TYPE(request) != DRM_IOCTL_BASE)
		return NULL;
	e = lookup(_IOC_NR(request));
	return e && e != &modeset ? e->name : NULL;
}

unsigned long gpuvm_uapi_ioctl_request(const char *name)
{
	unsigned int i;

	if (!name)
		return 0;
	for (i = 0; i < NDRIVER; i++)
		if (!strcmp(driver[i].name, name))
			return driver[i].cmd;
	for (i = 0; i < CORE_COUNT; i++)
		if (core[i].name && !strcmp(core[i].name, name))
			return core[i].cmd;
	return 0;
}
