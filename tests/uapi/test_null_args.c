// SPDX-License-Identifier: MIT
/*
 * DOC: NULL pointer arguments of the ioctl layer (gpuvm/uapi.h)
 *
 * Every function of the header, with each pointer argument NULL in turn:
 * the table says what the header documents for it, tests/null_args.h
 * runs each row in a child process and checks the result and, with a
 * snapshot, that nothing changed. The fixture: a render file with a VM
 * mapping a patterned BO, a group on it, and a CPU mapping of that BO
 * begun. The snapshot: the VM's dump, the BO's first word read by the
 * GPU, the file's and the mapping's numbers, the VM's state and the
 * group's fault (none). An ioctl's argument NULL is a user pointer like
 * any other: -EFAULT, as the kernel's copy_from_user answers.
 * test_header_complete fails if uapi.h declares a function or pointer
 * argument the table does not list.
 */
#include "uapi_test.h"

#include "gpuvm/drv.h"
#include "null_args.h"

#define VA_BO 0x100000ull
#define BO_WORD 0x5a5a0000u

struct fx {
	struct gpuvm_uapi_device *dev;
	struct gpuvm_uapi_file *f;
	uint32_t vm, bo;
	uint32_t group;   /* one queue, never run: not fatal */
	struct gpuvm_uapi_mapping *m;
};

static uint32_t group_new(struct fx *fx)
{
	struct drm_panthor_queue_create q = { .ringbuf_size = 4096 };
	struct drm_panthor_group_create a = {
		.queues = DRM_PANTHOR_OBJ_ARRAY(1, &q),
		.max_compute_cores = 1, .max_fragment_cores = 1,
		.max_tiler_cores = 1, .compute_core_mask = 1,
		.fragment_core_mask = 1, .tiler_core_mask = 1,
		.priority = PANTHOR_GROUP_PRIORITY_MEDIUM, .vm_id = fx->vm,
	};

	assert_int_equal(IOC(fx->f, DRM_IOCTL_PANTHOR_GROUP_CREATE, &a), 0);
	return a.group_handle;
}

static void fx_make(struct fx *fx)
{
	struct gpuvm_uapi_map_plan plan;

	memset(fx, 0, sizeof(*fx));
	fx->dev = udev_new_cfg(false, 64 * SZ_1M);
	fx->f = ropen(fx->dev);
	fx->vm = vm_new(fx->f);
	fx->bo = bo_new(fx->f, SZ_64K);
	assert_int_equal(bind1(fx->f, fx->vm, OP_MAP, fx->bo, 0, VA_BO,
			       SZ_64K), 0);
	gpu_wr32(fx->f, fx->vm, VA_BO, BO_WORD);
	fx->group = group_new(fx);
	assert_int_equal(gpuvm_uapi_mmap_begin(fx->f, mmap_offset(fx->f, fx->bo),
					       SZ_64K, 0, MAP_SHARED, &fx->m,
					       &plan), 0);
}

static void fx_free(struct fx *fx)
{
	gpuvm_uapi_mmap_end(fx->m);
	gpuvm_uapi_device_destroy(fx->dev);
}

static void snap_print(void *p, FILE *t)
{
	struct fx *fx = p;
	struct drm_panthor_vm_get_state st = { .vm_id = fx->vm };
	struct gpuvm_cs_fault fl;

	assert_int_equal(gpuvm_drv_vm_dump(gpuvm_uapi_file_drv(fx->f), fx->vm,
					   t), 0);
	fprintf(t, "word %08x\n", gpu_rd32(fx->f, fx->vm, VA_BO));
	fprintf(t, "file %u node %d mapping %u\n", gpuvm_uapi_file_id(fx->f),
		(int)gpuvm_uapi_file_node(fx->f), gpuvm_uapi_mapping_id(fx->m));
	assert_int_equal(IOC(fx->f, DRM_IOCTL_PANTHOR_VM_GET_STATE, &st), 0);
	fprintf(t, "vm state %u\n", st.state);
	fprintf(t, "group fault %d\n",
		gpuvm_uapi_group_fault(fx->f, fx->group, 0, &fl));
}

static char *snap(void *p)
{
	return na_text(snap_print, p);
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */

/* cfg NULL is every default: a device made and destroyed again. */
static int64_t c_device_create(void *p)
{
	struct gpuvm_uapi_device_cfg cfg = { .no_worker = true };
	struct gpuvm_uapi_device *d = NULL;
	int ret;

	(void)p;
	ret = gpuvm_uapi_device_create(NA(cfg, &cfg), NA(out, &d));
	NA_EXPECT(na_is("out") ? !d : !!d);
	gpuvm_uapi_device_destroy(d);
	return ret;
}

static int64_t c_device_destroy(void *p)
{
	struct fx *fx = p;

	gpuvm_uapi_device_destroy(NA(dev, fx->dev));
	return NA_VOID;
}

static int64_t c_device_drv(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_uapi_device_drv(NA(dev, fx->dev));
}

static int64_t c_open(void *p)
{
	struct fx *fx = p;
	struct gpuvm_uapi_file *f = NULL;
	int ret = gpuvm_uapi_open(NA(dev, fx->dev), GPUVM_UAPI_RENDER,
				  NA(out, &f));

	NA_EXPECT(!f);
	return ret;
}

static int64_t c_close(void *p)
{
	struct fx *fx = p;

	gpuvm_uapi_close(NA(file, fx->f));
	return NA_VOID;
}

static int64_t c_file_drv(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_uapi_file_drv(NA(file, fx->f));
}

static int64_t c_file_node(void *p)
{
	struct fx *fx = p;

	return gpuvm_uapi_file_node(NA(file, fx->f));
}

/* A request that writes back: nothing may land anywhere. */
static int64_t c_ioctl(void *p)
{
	struct fx *fx = p;
	struct drm_panthor_vm_get_state st = { .vm_id = fx->vm, .state = 77 };
	int ret = gpuvm_uapi_ioctl(NA(file, fx->f),
				   DRM_IOCTL_PANTHOR_VM_GET_STATE,
				   NA(arg, &st));

	NA_EXPECT(st.state == 77);
	return ret;
}

static int64_t c_mmap_begin(void *p)
{
	struct fx *fx = p;
	struct gpuvm_uapi_map_plan plan;
	struct gpuvm_uapi_mapping *m = NULL;
	int ret;

	na_poison(&plan, sizeof(plan));
	ret = gpuvm_uapi_mmap_begin(NA(file, fx->f),
				    mmap_offset(fx->f, fx->bo), SZ_64K, 0,
				    MAP_SHARED, NA(out, &m), NA(plan, &plan));
	NA_EXPECT(!m);
	NA_EXPECT(na_fill(&plan, sizeof(plan)) == NA_UNTOUCHED);
	return ret;
}

static int64_t c_mmap_writable(void *p)
{
	struct fx *fx = p;

	gpuvm_uapi_mmap_writable(NA(m, fx->m));
	return NA_VOID;
}

static int64_t c_mmap_end(void *p)
{
	struct fx *fx = p;

	gpuvm_uapi_mmap_end(NA(m, fx->m));
	return NA_VOID;
}

static int64_t c_ioctl_name(void *p)
{
	(void)p;
	return strcmp(gpuvm_uapi_ioctl_name(DRM_IOCTL_PANTHOR_VM_BIND),
		      "PANTHOR_VM_BIND");
}

static int64_t c_ioctl_request(void *p)
{
	(void)p;
	return (int64_t)gpuvm_uapi_ioctl_request(NA(name, "PANTHOR_VM_BIND"));
}

static int64_t c_ioctl_type(void *p)
{
	(void)p;
	return strcmp(gpuvm_uapi_ioctl_type(DRM_IOCTL_PANTHOR_VM_BIND)->name,
		      "drm_panthor_vm_bind");
}

static int64_t c_type_find(void *p)
{
	(void)p;
	return (int64_t)(intptr_t)gpuvm_uapi_type_find(NA(name,
							  "drm_panthor_vm_bind"));
}

static const struct gpuvm_uapi_field *vm_id_field(void)
{
	return gpuvm_uapi_field_find(
		gpuvm_uapi_type_find("drm_panthor_vm_bind"), "vm_id");
}

static int64_t c_field_get(void *p)
{
	struct drm_panthor_vm_bind b = { .vm_id = 9 };

	(void)p;
	return (int64_t)gpuvm_uapi_field_get(NA(fl, vm_id_field()), NA(obj, &b));
}

static int64_t c_field_set(void *p)
{
	struct drm_panthor_vm_bind b;

	(void)p;
	na_poison(&b, sizeof(b));
	gpuvm_uapi_field_set(NA(fl, vm_id_field()), NA(obj, &b), 9);
	NA_EXPECT(na_fill(&b, sizeof(b)) == NA_UNTOUCHED);
	return NA_VOID;
}

static int64_t c_field_find(void *p)
{
	(void)p;
	return (int64_t)(intptr_t)gpuvm_uapi_field_find(
		NA(t, gpuvm_uapi_type_find("drm_panthor_vm_bind")),
		NA(name, "vm_id"));
}

static int64_t c_copy_from_user(void *p)
{
	uint64_t src = 0x0123456789abcdefull;

	(void)p;
	return gpuvm_uapi_copy_from_user(NA(dst, (void *)NULL),
					 (uintptr_t)&src, sizeof(src));
}

static int64_t c_copy_to_user(void *p)
{
	uint64_t dst = 7;
	int ret;

	(void)p;
	ret = gpuvm_uapi_copy_to_user((uintptr_t)&dst,
				      NA(src, (const void *)NULL), sizeof(dst));
	NA_EXPECT(dst == 7);
	return ret;
}

static int64_t c_file_id(void *p)
{
	struct fx *fx = p;

	return gpuvm_uapi_file_id(NA(file, fx->f));
}

static int64_t c_mapping_id(void *p)
{
	struct fx *fx = p;

	return gpuvm_uapi_mapping_id(NA(m, fx->m));
}

static int64_t c_group_fault(void *p)
{
	struct fx *fx = p;
	struct gpuvm_cs_fault fl;
	int ret;

	na_poison(&fl, sizeof(fl));
	/* Not fatal: -ENODATA with both arguments, so -EINVAL is the NULL's. */
	ret = gpuvm_uapi_group_fault(NA(file, fx->f), fx->group, 0,
				     NA(fault, &fl));
	NA_EXPECT(na_fill(&fl, sizeof(fl)) == NA_UNTOUCHED);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The table: every (function, pointer argument) of gpuvm/uapi.h       */

#define EINV (-EINVAL)

static const struct na_case cases[] = {
	/* Optional: the defaults. */
	NA_ROW(gpuvm_uapi_device_create, cfg, 0, c_device_create),
	NA_ROW(gpuvm_uapi_device_create, out, EINV, c_device_create),
	NA_ROW(gpuvm_uapi_device_destroy, dev, NA_VOID, c_device_destroy),
	NA_ROW(gpuvm_uapi_device_drv, dev, NA_NULLPTR, c_device_drv),
	NA_ROW(gpuvm_uapi_open, dev, EINV, c_open),
	NA_ROW(gpuvm_uapi_open, out, EINV, c_open),
	NA_ROW(gpuvm_uapi_close, file, NA_VOID, c_close),
	NA_ROW(gpuvm_uapi_file_drv, file, NA_NULLPTR, c_file_drv),
	NA_ROW(gpuvm_uapi_file_node, file, GPUVM_UAPI_PRIMARY, c_file_node),
	/* No file behind the call: what ioctl(2) on a closed fd says. */
	NA_ROW(gpuvm_uapi_ioctl, file, -EBADF, c_ioctl),
	NA_ROW(gpuvm_uapi_ioctl, arg, -EFAULT, c_ioctl),
	NA_ROW(gpuvm_uapi_mmap_begin, file, EINV, c_mmap_begin),
	NA_ROW(gpuvm_uapi_mmap_begin, out, EINV, c_mmap_begin),
	NA_ROW(gpuvm_uapi_mmap_begin, plan, EINV, c_mmap_begin),
	NA_ROW(gpuvm_uapi_mmap_writable, m, NA_VOID, c_mmap_writable),
	NA_ROW(gpuvm_uapi_mmap_end, m, NA_VOID, c_mmap_end),
	NA_NONE(gpuvm_uapi_ioctl_name, 0, c_ioctl_name),
	NA_ROW(gpuvm_uapi_ioctl_request, name, 0, c_ioctl_request),
	NA_NONE(gpuvm_uapi_ioctl_type, 0, c_ioctl_type),
	NA_ROW(gpuvm_uapi_type_find, name, NA_NULLPTR, c_type_find),
	NA_ROW(gpuvm_uapi_field_get, fl, 0, c_field_get),
	NA_ROW(gpuvm_uapi_field_get, obj, 0, c_field_get),
	NA_ROW(gpuvm_uapi_field_set, fl, NA_VOID, c_field_set),
	NA_ROW(gpuvm_uapi_field_set, obj, NA_VOID, c_field_set),
	NA_ROW(gpuvm_uapi_field_find, t, NA_NULLPTR, c_field_find),
	NA_ROW(gpuvm_uapi_field_find, name, NA_NULLPTR, c_field_find),
	NA_ROW(gpuvm_uapi_copy_from_user, dst, EINV, c_copy_from_user),
	NA_ROW(gpuvm_uapi_copy_to_user, src, EINV, c_copy_to_user),
	NA_ROW(gpuvm_uapi_file_id, file, 0, c_file_id),
	NA_ROW(gpuvm_uapi_mapping_id, m, 0, c_mapping_id),
	NA_ROW(gpuvm_uapi_group_fault, file, EINV, c_group_fault),
	NA_ROW(gpuvm_uapi_group_fault, fault, EINV, c_group_fault),
};

NA_MAIN("gpuvm/uapi.h", struct fx, fx_make, fx_free)
