// SPDX-License-Identifier: MIT
/*
 * DOC: DEV_QUERY
 *
 * The device reports itself as a Mali-G610 (Valhall, CSF) like the one in
 * the RK3588: GPU_ID 0xa867 (arch 10.8, product 7), four shader cores, one
 * tiler, one L2, eight address spaces, and an MMU whose VA and PA widths
 * are the driver's (48 and 40 bits by default), so mmu_features agrees
 * with what VM_CREATE and VM_BIND accept. The page sizes it reports are
 * the driver's.
 *
 * The rules are panthor's: pointer 0 asks for the structure's size; a
 * smaller structure than the query's first version is -EINVAL, a larger
 * one gets zeros past the kernel's; an unknown type is -EINVAL. The
 * timestamp query (1.8) reads its flags from the caller's structure
 * first: 0 means GPU time, offset and frequency; an unknown bit or CPU
 * clock is -EINVAL. Timestamps count at 24 MHz from the monotonic clock.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "uapi/uapi_internal.h"

#define TIMESTAMP_HZ 24000000ull
#define TS_VALID (DRM_PANTHOR_TIMESTAMP_GPU | \
		  DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK | \
		  DRM_PANTHOR_TIMESTAMP_GPU_OFFSET | \
		  DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT | \
		  DRM_PANTHOR_TIMESTAMP_FREQ | DRM_PANTHOR_TIMESTAMP_DURATION)
#define TS_DEFAULT (DRM_PANTHOR_TIMESTAMP_GPU | \
		    DRM_PANTHOR_TIMESTAMP_GPU_OFFSET | \
		    DRM_PANTHOR_TIMESTAMP_FREQ)

/* Each type's first version ended here (PANTHOR_UOBJ_MIN_SIZE). */
#define END_OF(t, f) (offsetof(struct t, f) + sizeof(((struct t *)0)->f))

static void gpu_info(const struct gpuvm_drv_device_cfg *cfg,
		     struct drm_panthor_gpu_info *g)
{
	memset(g, 0, sizeof(*g));
	g->gpu_id = 0xa8670000;
	g->csf_id = 0x040a0412;
	g->l2_features = 0x07120206;
	g->tiler_features = 0x00000809;
	g->mem_features = 0x00000001;
	g->mmu_features = cfg->va_bits | cfg->pa_bits << 8;
	g->thread_features = 0x04000400;
	g->max_threads = 2048;
	g->thread_max_workgroup_size = 1024;
	g->thread_max_barrier_size = 1024;
	g->coherency_features = 1u << DRM_PANTHOR_GPU_COHERENCY_ACE_LITE;
	g->texture_features[0] = 0xc1ffff9e;
	g->as_present = 0xff;
	g->selected_coherency = DRM_PANTHOR_GPU_COHERENCY_NONE;
	g->shader_present = UAPI_SHADER_PRESENT;
	g->l2_present = 0x1;
	g->tiler_present = UAPI_TILER_PRESENT;
}

static void csif_info(struct drm_panthor_csif_info *i)
{
	memset(i, 0, sizeof(*i));
	i->csg_slot_count = 8;
	i->cs_slot_count = 8;
	i->cs_reg_count = 96;
	i->scoreboard_slot_count = 8;
	i->unpreserved_cs_reg_count = 4;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int timestamp(struct drm_panthor_dev_query *a)
{
	struct drm_panthor_timestamp_info t;
	uint32_t cpu, flags;
	uint64_t start, ns;
	struct timespec ts;
	int ret;

	/* Its flags are an input: read the caller's structure first. */
	memset(&t, 0, sizeof(t));
	if (a->size > sizeof(t)) {
		uint8_t tail[64];
		uint64_t off;
		size_t step, k;

		for (off = sizeof(t); off < a->size; off += step) {
			step = a->size - off < sizeof(tail) ?
			       a->size - off : sizeof(tail);
			ret = uapi_copy_in(tail, a->pointer + off, step);
			if (ret)
				return ret;
			for (k = 0; k < step; k++)
				if (tail[k])
					return -E2BIG;
		}
	}
	ret = uapi_copy_in(&t, a->pointer,
			   a->size < sizeof(t) ? a->size : sizeof(t));
	if (ret)
		return ret;
	flags = t.flags ? t.flags : TS_DEFAULT;
	cpu = flags & DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK;
	if (cpu != DRM_PANTHOR_TIMESTAMP_CPU_NONE &&
	    cpu != DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC &&
	    cpu != DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW)
		return -EINVAL;
	if (flags & ~TS_VALID)
		return -EINVAL;
	start = clock_ns(CLOCK_MONOTONIC_RAW);
	ns = clock_ns(CLOCK_MONOTONIC);
	t.timestamp_frequency = flags & DRM_PANTHOR_TIMESTAMP_FREQ ?
				TIMESTAMP_HZ : 0;
	t.timestamp_offset = 0;
	t.current_timestamp = flags & DRM_PANTHOR_TIMESTAMP_GPU ?
			      ns / 1000 * (TIMESTAMP_HZ / 1000000) : 0;
	t.cycle_count = flags & DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT ? ns : 0;
	t.cpu_timestamp_sec = t.cpu_timestamp_nsec = 0;
	if (cpu) {
		clock_gettime(cpu == DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC ?
			      CLOCK_MONOTONIC : CLOCK_MONOTONIC_RAW, &ts);
		t.cpu_timestamp_sec = (uint64_t)ts.tv_sec;
		t.cpu_timestamp_nsec = (uint64_t)ts.tv_nsec;
	}
	t.duration_nsec = flags & DRM_PANTHOR_TIMESTAMP_DURATION ?
			  (uint32_t)(clock_ns(CLOCK_MONOTONIC_RAW) - start) : 0;
	return uapi_set_obj(a->pointer, a->size,
			    END_OF(drm_panthor_timestamp_info,
				   current_timestamp), &t, sizeof(t));
}

int uapi_ioctl_dev_query(struct uapi_call *c)
{
	struct drm_panthor_dev_query *a = c->data;
	const struct gpuvm_drv_device_cfg *cfg =
		gpuvm_drv_device_cfg(c->file->dev->drv);
	struct drm_panthor_group_priorities_info prio = { 0 };
	struct drm_panthor_mmu_info mmu = { 0 };
	struct drm_panthor_csif_info csif;
	struct drm_panthor_gpu_info gpu;
	static const uint32_t sizes[] = {
		[DRM_PANTHOR_DEV_QUERY_GPU_INFO] = sizeof(gpu),
		[DRM_PANTHOR_DEV_QUERY_CSIF_INFO] = sizeof(csif),
		[DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO] =
			sizeof(struct drm_panthor_timestamp_info),
		[DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO] = sizeof(prio),
		[DRM_PANTHOR_DEV_QUERY_MMU_INFO] = sizeof(mmu),
	};

	if (a->type >= sizeof(sizes) / sizeof(sizes[0]))
		return -EINVAL;
	if (!a->pointer) {
		a->size = sizes[a->type];
		return 0;
	}
	switch (a->type) {
	case DRM_PANTHOR_DEV_QUERY_GPU_INFO:
		gpu_info(cfg, &gpu);
		return uapi_set_obj(a->pointer, a->size,
				    END_OF(drm_panthor_gpu_info, tiler_present),
				    &gpu, sizeof(gpu));
	case DRM_PANTHOR_DEV_QUERY_CSIF_INFO:
		csif_info(&csif);
		return uapi_set_obj(a->pointer, a->size, sizeof(csif), &csif,
				    sizeof(csif));
	case DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO:
		return timestamp(a);
	case DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO:
		/* Above medium needs CAP_SYS_NICE or the master: the master. */
		prio.allowed_mask = c->file->master ? 0xf : 0x3;
		return uapi_set_obj(a->pointer, a->size, sizeof(prio), &prio,
				    sizeof(prio));
	default:
		mmu.page_size_bitmap = cfg->pgsizes;
		return uapi_set_obj(a->pointer, a->size, sizeof(mmu), &mmu,
				    sizeof(mmu));
	}
}
