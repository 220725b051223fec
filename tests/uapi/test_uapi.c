// SPDX-License-Identifier: MIT
/*
 * DOC: the render node's ioctls, called directly (gpuvm_uapi_ioctl)
 *
 * DRM core (version, caps, unknown ioctls, permissions, struct sizes),
 * DEV_QUERY, VM and BO ioctls and synchronous VM_BIND, with exact values
 * and errnos, and the data behind them checked through GPU accesses and
 * CPU mappings of the RAM file. Syncobjs and asynchronous binds are in
 * test_uapi_sync.c, bad input in test_uapi_hostile.c.
 */
#include "uapi_test.h"

static struct gpuvm_uapi_device *dev;
static struct gpuvm_uapi_file *f;

static int setup(void **state)
{
	(void)state;
	dev = udev_new();
	f = ropen(dev);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gpuvm_uapi_close(f);
	gpuvm_uapi_device_destroy(dev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* DRM core                                                            */

static void test_version(void **state)
{
	char name[32], date[32], desc[64], small[4] = "zzzz";
	struct drm_version v = {
		.name = name, .name_len = sizeof(name),
		.date = date, .date_len = sizeof(date),
		.desc = desc, .desc_len = sizeof(desc),
	};

	(void)state;
	memset(name, 0, sizeof(name));
	memset(desc, 0, sizeof(desc));
	assert_int_equal(IOC(f, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(v.version_major, 1);
	assert_int_equal(v.version_minor, 9);
	assert_int_equal(v.version_patchlevel, 0);
	assert_int_equal(v.name_len, 7);
	assert_string_equal(name, "panthor");
	assert_int_equal(v.desc_len, strlen("Panthor DRM driver"));
	assert_string_equal(desc, "Panthor DRM driver");
	/* Truncated to the buffer, length set to the full one. */
	memset(&v, 0, sizeof(v));
	v.name = small;
	v.name_len = 3;
	assert_int_equal(IOC(f, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(v.name_len, 7);
	assert_memory_equal(small, "panz", 4);
	/* Lengths only (libdrm's first call). */
	memset(&v, 0, sizeof(v));
	assert_int_equal(IOC(f, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(v.name_len, 7);
	assert_int_equal(v.date_len, 1);
}

static void test_caps(void **state)
{
	struct drm_get_cap c = { .capability = DRM_CAP_SYNCOBJ_TIMELINE };
	struct gpuvm_uapi_file *p = uopen(dev, GPUVM_UAPI_PRIMARY);
	struct drm_set_client_cap cc = { .capability = DRM_CLIENT_CAP_ATOMIC,
					 .value = 1 };

	(void)state;
	assert_int_equal(IOC(f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 1);
	c.capability = DRM_CAP_SYNCOBJ;
	assert_int_equal(IOC(f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 1);
	c.capability = DRM_CAP_TIMESTAMP_MONOTONIC;
	assert_int_equal(IOC(f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 1);
	c.capability = DRM_CAP_PRIME;
	c.value = 77;
	assert_int_equal(IOC(f, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 0);
	c.capability = DRM_CAP_DUMB_BUFFER;
	assert_int_equal(IOC(f, DRM_IOCTL_GET_CAP, &c), -EOPNOTSUPP);
	/* Not render-allowed: -EACCES on the render node. */
	assert_int_equal(IOC(f, DRM_IOCTL_SET_CLIENT_CAP, &cc), -EACCES);
	assert_int_equal(IOC(p, DRM_IOCTL_SET_CLIENT_CAP, &cc), -EOPNOTSUPP);
	gpuvm_uapi_close(p);
}

static void test_unknown_ioctls(void **state)
{
	uint8_t buf[64] = { 0 };

	(void)state;
	/* Not a DRM ioctl at all. */
	assert_int_equal(IOC(f, _IOWR('x', 0x40, uint64_t), buf), -ENOTTY);
	/* Past panthor's last ioctl, inside the driver range. */
	assert_int_equal(IOC(f, _IOWR('d', 0x51, uint64_t), buf), -EINVAL);
	assert_int_equal(IOC(f, _IOWR('d', 0x9f, uint64_t), buf), -EINVAL);
	/* A core number with no ioctl, and past the core range. */
	assert_int_equal(IOC(f, _IOWR('d', 0x20, uint64_t), buf), -EINVAL);
	assert_int_equal(IOC(f, _IOWR('d', 0xe0, uint64_t), buf), -EINVAL);
	/* Modesetting: not on render nodes, and no KMS anyway. */
	assert_int_equal(IOC(f, _IOWR('d', 0xA0, buf), buf), -EACCES);
}

/* A struct shorter than the kernel's is zero-extended on the way in and
 * only its own bytes come back; a longer one keeps its extra bytes. */
static void test_struct_sizes(void **state)
{
	uint64_t small[2] = { DRM_CAP_SYNCOBJ, 0x1111 };
	uint64_t big[4] = { DRM_CAP_SYNCOBJ, 0x2222, 0x3333, 0x4444 };
	uint32_t q[6] = { DRM_PANTHOR_DEV_QUERY_GPU_INFO, 0xffff, 0, 0,
			  0x55, 0x66 };

	(void)state;
	assert_int_equal(IOC(f, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0c, 8),
			     small), 0);
	assert_int_equal(small[1], 0x1111);  /* value not copied back */
	assert_int_equal(IOC(f, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x0c, 32),
			     big), 0);
	assert_int_equal(big[1], 1);
	assert_int_equal(big[2], 0x3333);
	assert_int_equal(big[3], 0x4444);
	/* A DEV_QUERY cut before its pointer: pointer 0, a size query. */
	assert_int_equal(IOC(f, _IOC(_IOC_READ | _IOC_WRITE, 'd', 0x40, 8),
			     q), 0);
	assert_int_equal(q[1], sizeof(struct drm_panthor_gpu_info));
	assert_int_equal(q[4], 0x55);
	/* Read-only and write-only requests copy one way only. */
	small[1] = 0x1111;
	assert_int_equal(IOC(f, _IOC(_IOC_READ, 'd', 0x0c, 16), small),
			 -EOPNOTSUPP);   /* capability read as 0 */
	assert_int_equal(small[1], 0);
}

/* ------------------------------------------------------------------ */
/* DEV_QUERY                                                           */

static int query(uint32_t type, void *p, uint32_t size, uint32_t *size_out)
{
	struct drm_panthor_dev_query q = {
		.type = type, .size = size, .pointer = (uintptr_t)p,
	};
	int ret = IOC(f, DRM_IOCTL_PANTHOR_DEV_QUERY, &q);

	if (size_out)
		*size_out = q.size;
	return ret;
}

static void test_query_sizes(void **state)
{
	static const uint32_t expect[] = { 112, 24, 56, 4, 8 };
	uint32_t t, sz;

	(void)state;
	for (t = 0; t < 5; t++) {
		assert_int_equal(query(t, NULL, 0, &sz), 0);
		assert_int_equal(sz, expect[t]);
	}
	assert_int_equal(query(5, NULL, 0, &sz), -EINVAL);
	assert_int_equal(query(5, &sz, 4, NULL), -EINVAL);
}

static void test_query_gpu_info(void **state)
{
	struct drm_panthor_gpu_info g;
	uint8_t big[128];
	unsigned int i;

	(void)state;
	memset(&g, 0xcc, sizeof(g));
	assert_int_equal(query(DRM_PANTHOR_DEV_QUERY_GPU_INFO, &g, sizeof(g),
			       NULL), 0);
	assert_int_equal(g.gpu_id, 0xa8670000);
	assert_int_equal(DRM_PANTHOR_ARCH_MAJOR(g.gpu_id), 10);
	assert_int_equal(DRM_PANTHOR_MMU_VA_BITS(g.mmu_features), 48);
	assert_int_equal((g.mmu_features >> 8) & 0xff, 40);
	assert_int_equal(g.shader_present, 0x50005);
	assert_int_equal(g.tiler_present, 1);
	assert_int_equal(g.l2_present, 1);
	assert_int_equal(g.as_present, 0xff);
	assert_int_equal(g.selected_coherency, DRM_PANTHOR_GPU_COHERENCY_NONE);
	assert_int_equal(g.pad, 0);
	/* The 1.0 size (up to tiler_present) is the smallest allowed. */
	assert_int_equal(query(0, &g, 96, NULL), 0);
	assert_int_equal(query(0, &g, 95, NULL), -EINVAL);
	/* A larger buffer gets zeros past the structure. */
	memset(big, 0xcc, sizeof(big));
	assert_int_equal(query(0, big, sizeof(big), NULL), 0);
	for (i = 112; i < sizeof(big); i++)
		assert_int_equal(big[i], 0);
}

static void test_query_others(void **state)
{
	struct drm_panthor_csif_info csif;
	struct drm_panthor_mmu_info mmu;
	struct drm_panthor_group_priorities_info prio;
	struct drm_panthor_timestamp_info ts;

	(void)state;
	assert_int_equal(query(1, &csif, sizeof(csif), NULL), 0);
	assert_int_equal(csif.csg_slot_count, 8);
	assert_int_equal(csif.cs_slot_count, 8);
	assert_int_equal(query(1, &csif, 23, NULL), -EINVAL);
	assert_int_equal(query(4, &mmu, sizeof(mmu), NULL), 0);
	assert_int_equal(mmu.page_size_bitmap, SZ_4K | SZ_2M);
	assert_int_equal(query(3, &prio, sizeof(prio), NULL), 0);
	assert_int_equal(prio.allowed_mask, 0x3);  /* render: low, medium */
	/* Timestamps: flags 0 = GPU time, offset, frequency. */
	memset(&ts, 0, sizeof(ts));
	assert_int_equal(query(2, &ts, sizeof(ts), NULL), 0);
	assert_int_equal(ts.timestamp_frequency, 24000000);
	assert_true(ts.current_timestamp > 0);
	assert_int_equal(ts.cpu_timestamp_sec, 0);
	ts.flags = DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC |
		   DRM_PANTHOR_TIMESTAMP_DURATION;
	assert_int_equal(query(2, &ts, sizeof(ts), NULL), 0);
	assert_int_equal(ts.timestamp_frequency, 0);
	assert_int_equal(ts.current_timestamp, 0);
	assert_true(ts.cpu_timestamp_sec > 0 || ts.cpu_timestamp_nsec > 0);
	ts.flags = 3 << 1;           /* an unknown CPU clock */
	assert_int_equal(query(2, &ts, sizeof(ts), NULL), -EINVAL);
	ts.flags = 1u << 8;          /* an unknown bit */
	assert_int_equal(query(2, &ts, sizeof(ts), NULL), -EINVAL);
	/* The 1.1 structure (24 bytes) still works: flags read as 0. */
	assert_int_equal(query(2, &ts, 24, NULL), 0);
	assert_int_equal(ts.timestamp_frequency, 24000000);
	assert_int_equal(query(2, &ts, 15, NULL), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* VMs                                                                 */

static void test_vm_create_ranges(void **state)
{
	struct drm_panthor_vm_create a = { 0 };
	struct drm_panthor_vm_destroy d = { 0 };

	(void)state;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, &a), 0);
	assert_int_equal(a.user_va_range, 1ull << 47);
	d.id = a.id;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), 0);
	/* Asked for 1 TiB: the kernel range is the largest power of two
	 * that leaves it, and the user range is what is left below. */
	a = (struct drm_panthor_vm_create){ .user_va_range = 1ull << 40 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, &a), 0);
	assert_int_equal(a.user_va_range, 1ull << 47);
	d.id = a.id;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), 0);
	a = (struct drm_panthor_vm_create){
		.user_va_range = (1ull << 47) + SZ_4K };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, &a), 0);
	assert_int_equal(a.user_va_range, 3ull << 46);
	d.id = a.id;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), 0);
	/* All but 256 MiB is the most; flags must be 0. */
	a = (struct drm_panthor_vm_create){
		.user_va_range = (1ull << 48) - (256ull << 20) + 1 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, &a), -EINVAL);
	a = (struct drm_panthor_vm_create){ .flags = 1 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, &a), -EINVAL);
}

static void test_vm_limits_and_ids(void **state)
{
	struct drm_panthor_vm_create a = { 0 };
	struct drm_panthor_vm_destroy d = { 0 };
	struct drm_panthor_vm_get_state s = { 0 };
	uint32_t i;

	(void)state;
	for (i = 1; i <= 32; i++)
		assert_int_equal(vm_new(f), i);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_CREATE, &a), -EBUSY);
	/* The lowest free id comes back. */
	d.id = 7;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), 0);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), -EINVAL);
	s.vm_id = 7;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_GET_STATE, &s), -EINVAL);
	assert_int_equal(vm_new(f), 7);
	s.vm_id = 7;
	s.state = 99;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_GET_STATE, &s), 0);
	assert_int_equal(s.state, DRM_PANTHOR_VM_STATE_USABLE);
	d.pad = 1;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), -EINVAL);
	d = (struct drm_panthor_vm_destroy){ .id = 0xdeadbeef };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), -EINVAL);
	for (i = 1; i <= 32; i++) {
		d.id = i;
		assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), 0);
	}
}

/* ------------------------------------------------------------------ */
/* BOs                                                                 */

static void test_bo_create(void **state)
{
	struct drm_panthor_bo_create a = { .size = 5000 };
	struct drm_gem_close c = { 0 };
	uint32_t h1, h2, h3;

	(void)state;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &a), 0);
	assert_int_equal(a.size, 8192);
	h1 = a.handle;
	h2 = bo_new(f, SZ_4K);
	h3 = bo_new(f, SZ_4K);
	assert_int_equal(h2, h1 + 1);
	assert_int_equal(h3, h1 + 2);
	/* Handles are reused from the lowest free one. */
	c.handle = h2;
	assert_int_equal(IOC(f, DRM_IOCTL_GEM_CLOSE, &c), 0);
	assert_int_equal(IOC(f, DRM_IOCTL_GEM_CLOSE, &c), -EINVAL);
	assert_int_equal(bo_new(f, SZ_4K), h2);
	a = (struct drm_panthor_bo_create){ .size = 0 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &a), -EINVAL);
	a = (struct drm_panthor_bo_create){ .size = SZ_4K, .pad = 1 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &a), -EINVAL);
	a = (struct drm_panthor_bo_create){ .size = SZ_4K, .flags = 4 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &a), -EINVAL);
	a = (struct drm_panthor_bo_create){ .size = SZ_4K, .flags = 3 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &a), -EINVAL);
	a = (struct drm_panthor_bo_create){ .size = SZ_4K,
					    .exclusive_vm_id = 5 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &a), -EINVAL);
	/* Larger than the RAM (a kernel would fail at first use). */
	a = (struct drm_panthor_bo_create){ .size = 1ull << 40 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_CREATE, &a), -ENOMEM);
	/* Size written back only on success. */
	assert_int_equal(a.size, 1ull << 40);
}

static void test_bo_info_label_sync(void **state)
{
	uint32_t h = bo_new_flags(f, SZ_64K, DRM_PANTHOR_BO_WB_MMAP, 0);
	struct drm_panthor_bo_query_info q = { .handle = h, .pad = 9 };
	struct drm_panthor_bo_set_label l = { .handle = h,
					      .label = (uintptr_t)"tex0" };
	struct drm_panthor_bo_sync_op op = {
		.handle = h, .type = DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH,
		.offset = 4096, .size = SZ_64K - 4096,
	};
	struct drm_panthor_bo_sync s = { .ops = DRM_PANTHOR_OBJ_ARRAY(1, &op) };
	char *longlabel = malloc(4097);

	(void)state;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q), 0);
	assert_int_equal(q.create_flags, DRM_PANTHOR_BO_WB_MMAP);
	assert_int_equal(q.extra_flags, 0);
	assert_int_equal(q.pad, 0);
	q.handle = 999;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, &q), -ENOENT);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &l), 0);
	l.label = 0;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &l), 0);
	memset(longlabel, 'a', 4096);
	longlabel[4096] = 0;      /* 4096 characters: one too many */
	l.label = (uintptr_t)longlabel;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &l), -E2BIG);
	longlabel[4095] = 0;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &l), 0);
	l.pad = 1;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &l), -EINVAL);
	l = (struct drm_panthor_bo_set_label){ .handle = 999 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SET_LABEL, &l), -ENOENT);
	free(longlabel);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SYNC, &s), 0);
	op.size = SZ_64K;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SYNC, &s), -EINVAL);
	op.size = 0;
	op.type = 2;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SYNC, &s), -EINVAL);
	op.type = 0;
	op.handle = 999;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_SYNC, &s), -ENOENT);
}

static void test_mmap_offsets(void **state)
{
	uint32_t a = bo_new(f, SZ_4K), b = bo_new(f, SZ_1M);
	uint32_t nm = bo_new_flags(f, SZ_4K, DRM_PANTHOR_BO_NO_MMAP, 0);
	struct drm_panthor_bo_mmap_offset o = { .handle = nm };
	uint64_t oa = mmap_offset(f, a), ob = mmap_offset(f, b);

	(void)state;
	/* Above 4 GiB, page aligned, low 32 bits never zero, stable. */
	assert_true(oa > (1ull << 32) && ob > oa);
	assert_int_equal(oa & (SZ_4K - 1), 0);
	assert_true((uint32_t)oa != 0 && (uint32_t)ob != 0);
	assert_int_equal(mmap_offset(f, a), oa);
	assert_true(ob >= oa + SZ_4K);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &o), -EPERM);
	o.handle = 0xdeadbeef;
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &o),
			 -ENOENT);
	assert_int_equal(o.offset, 0);
	o = (struct drm_panthor_bo_mmap_offset){ .handle = a, .pad = 1 };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, &o),
			 -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Synchronous binds                                                   */

static void test_bind_sync_data(void **state)
{
	uint32_t vm = vm_new(f), bo = bo_new(f, SZ_2M);
	struct cpu_map c;
	uint32_t v;

	(void)state;
	assert_int_equal(bind1(f, vm, OP_MAP, bo, 0, SZ_1G, SZ_2M), 0);
	assert_int_equal(backing(f, vm, SZ_1G + SZ_1M), GPUVM_DRV_BO);
	/* CPU writes through the mapping, GPU reads through the MMU. */
	assert_int_equal(cpu_map(f, mmap_offset(f, bo), SZ_2M,
				 PROT_READ | PROT_WRITE, &c), 0);
	v = 0x12345678;
	memcpy(c.p + SZ_1M + 8, &v, 4);
	assert_int_equal(gpu_rd32(f, vm, SZ_1G + SZ_1M + 8), 0x12345678);
	gpu_wr32(f, vm, SZ_1G + 64, 0xabcdef01);
	memcpy(&v, c.p + 64, 4);
	assert_int_equal(v, 0xabcdef01);
	assert_int_equal(bind1(f, vm, OP_UNMAP, 0, 0, SZ_1G, SZ_2M), 0);
	assert_int_equal(backing(f, vm, SZ_1G), GPUVM_DRV_NONE);
	cpu_unmap(&c);
}

static void test_bind_sync_rules(void **state)
{
	uint32_t vm = vm_new(f), bo = bo_new(f, SZ_64K), count = 0;
	struct drm_panthor_sync_op sync = { .handle = 1 };
	struct drm_panthor_vm_bind_op ops[4] = {
		{ .flags = OP_MAP, .bo_handle = bo, .va = SZ_1G,
		  .size = SZ_64K },
		{ .flags = OP_MAP, .bo_handle = bo, .va = 2 * SZ_1G,
		  .size = SZ_64K },
		{ .flags = OP_MAP, .bo_handle = bo, .va = 3 * SZ_1G + 1,
		  .size = SZ_64K },
		{ .flags = OP_MAP, .bo_handle = bo, .va = 4 * SZ_1G,
		  .size = SZ_64K },
	};

	(void)state;
	/* The third op fails: two applied, ops.count says 2. */
	assert_int_equal(bind_ops(f, vm, 0, ops, 4, &count), -EINVAL);
	assert_int_equal(count, 2);
	assert_int_equal(backing(f, vm, 2 * SZ_1G), GPUVM_DRV_BO);
	assert_int_equal(backing(f, vm, 4 * SZ_1G), GPUVM_DRV_NONE);
	/* A zero-size op is not even checked. */
	ops[0] = (struct drm_panthor_vm_bind_op){ .flags = 0xffffffff,
						   .va = 1 };
	assert_int_equal(bind_ops(f, vm, 0, ops, 1, &count), 0);
	assert_int_equal(count, 1);
	/* Syncs on a synchronous bind. */
	ops[0] = (struct drm_panthor_vm_bind_op){
		.flags = OP_UNMAP, .va = SZ_1G, .size = SZ_64K,
		.syncs = DRM_PANTHOR_OBJ_ARRAY(1, &sync) };
	assert_int_equal(bind_ops(f, vm, 0, ops, 1, &count), -EINVAL);
	assert_int_equal(count, 0);
	/* IGT's vm_unbind_invalid_address: UNMAP with a BO handle. */
	assert_int_equal(bind1(f, vm, OP_UNMAP, bo, 0, 5 * SZ_1G, SZ_4K),
			 -EINVAL);
	assert_int_equal(bind1(f, vm, OP_UNMAP, 0, 0, 5 * SZ_1G, SZ_4K), 0);
	/* The kernel range, past the BO, bad handles, sparse rules. */
	assert_int_equal(bind1(f, vm, OP_MAP, bo, 0, 1ull << 47, SZ_4K),
			 -EINVAL);
	assert_int_equal(bind1(f, vm, OP_MAP, bo, SZ_4K, SZ_1G, SZ_64K),
			 -EINVAL);
	assert_int_equal(bind1(f, vm, OP_MAP, 777, 0, SZ_1G, SZ_4K), -EINVAL);
	assert_int_equal(bind1(f, vm, OP_MAP | OP_SPARSE, bo, 0, SZ_1G,
			       SZ_4K), -EINVAL);
	assert_int_equal(bind1(f, vm, OP_MAP | 8, 0, 0, SZ_1G, SZ_4K),
			 -EINVAL);   /* sparse without NOEXEC */
	assert_int_equal(bind1(f, vm, OP_MAP | OP_SPARSE, 0, 0, 8 * SZ_1G,
			       4 * SZ_4K), 0);
	assert_int_equal(backing(f, vm, 8 * SZ_1G + SZ_4K), GPUVM_DRV_SPARSE);
	/* Unknown VM. */
	assert_int_equal(bind1(f, 31, OP_UNMAP, 0, 0, SZ_1G, SZ_4K), -EINVAL);
	assert_int_equal(bind_ops(f, 31, 0, NULL, 0, NULL), -EINVAL);
	assert_int_equal(bind_ops(f, vm, 0, NULL, 0, NULL), 0);
}

/* Exclusive BOs, and a destroyed VM's id reused by a new VM. */
static void test_bind_exclusive(void **state)
{
	uint32_t vm1 = vm_new(f), vm2 = vm_new(f), bo;
	struct drm_panthor_vm_destroy d = { .id = vm1 };

	(void)state;
	bo = bo_new_flags(f, SZ_64K, 0, vm1);
	assert_int_equal(bind1(f, vm2, OP_MAP, bo, 0, SZ_1G, SZ_64K), -EINVAL);
	assert_int_equal(bind1(f, vm1, OP_MAP, bo, 0, SZ_1G, SZ_64K), 0);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_DESTROY, &d), 0);
	assert_int_equal(vm_new(f), vm1);
	assert_int_equal(bind1(f, vm1, OP_MAP, bo, 0, SZ_1G, SZ_64K), -EINVAL);
}

/* The stride of the ops array, both ways. */
static void test_bind_strides(void **state)
{
	uint32_t vm = vm_new(f), bo = bo_new(f, SZ_64K), count;
	uint8_t buf[2 * 64];
	struct drm_panthor_vm_bind_op op = {
		.flags = OP_MAP, .bo_handle = bo, .va = SZ_1G, .size = SZ_4K,
	};
	struct drm_panthor_vm_bind a = { .vm_id = vm };

	(void)state;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &op, sizeof(op));
	op.va = 2 * SZ_1G;
	memcpy(buf + 64, &op, sizeof(op));
	a.ops = (struct drm_panthor_obj_array){ 64, 2, (uintptr_t)buf };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &a), 0);
	assert_int_equal(backing(f, vm, 2 * SZ_1G), GPUVM_DRV_BO);
	/* Non-zero bytes past the kernel's op: -E2BIG, nothing done. */
	buf[64 + 50] = 1;
	a.ops = (struct drm_panthor_obj_array){ 64, 2, (uintptr_t)buf };
	assert_int_equal(bind1(f, vm, OP_UNMAP, 0, 0, SZ_1G, 3 * SZ_1G), 0);
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &a), -E2BIG);
	assert_int_equal(backing(f, vm, SZ_1G), GPUVM_DRV_NONE);
	/* Smaller than the 1.0 op: -EINVAL. */
	a.ops = (struct drm_panthor_obj_array){ 40, 1, (uintptr_t)buf };
	assert_int_equal(IOC(f, DRM_IOCTL_PANTHOR_VM_BIND, &a), -EINVAL);
	count = a.ops.count;
	assert_int_equal(count, 1);
}

/* ------------------------------------------------------------------ */
/* CPU mappings                                                        */

static void test_mmap_rules(void **state)
{
	struct gpuvm_uapi_file *g = ropen(dev);
	uint32_t bo = bo_new(f, SZ_64K), other = bo_new(g, SZ_4K);
	uint64_t off = mmap_offset(f, bo);
	struct gpuvm_uapi_mapping *m;
	struct gpuvm_uapi_map_plan plan;
	struct cpu_map c;

	(void)state;
	assert_int_equal(gpuvm_uapi_mmap_begin(f, off, SZ_4K, PROT_READ,
					       MAP_PRIVATE, &m, &plan),
			 -EINVAL);
	assert_int_equal(gpuvm_uapi_mmap_begin(f, off + SZ_4K, SZ_4K,
					       PROT_READ, MAP_SHARED, &m,
					       &plan), -EINVAL);
	assert_int_equal(gpuvm_uapi_mmap_begin(f, off, SZ_64K + 1, PROT_READ,
					       MAP_SHARED, &m, &plan),
			 -EINVAL);
	assert_int_equal(gpuvm_uapi_mmap_begin(f, mmap_offset(g, other),
					       SZ_4K, PROT_READ, MAP_SHARED,
					       &m, &plan), -EACCES);
	/* A shorter mapping of the start is fine. */
	assert_int_equal(cpu_map(f, off, SZ_4K, PROT_READ, &c), 0);
	assert_int_equal(c.size, SZ_4K);
	cpu_unmap(&c);
	/* The flush-ID page: one read-only page at the MMIO offset. */
	assert_int_equal(gpuvm_uapi_mmap_begin(
		f, DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET, SZ_4K, PROT_READ,
		MAP_SHARED, &m, &plan), 0);
	assert_int_equal(plan.kind, GPUVM_UAPI_MAP_MMIO);
	gpuvm_uapi_mmap_end(m);
	assert_int_equal(gpuvm_uapi_mmap_begin(
		f, DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET, SZ_4K,
		PROT_READ | PROT_WRITE, MAP_SHARED, &m, &plan), -EINVAL);
	assert_int_equal(gpuvm_uapi_mmap_begin(
		f, DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET + SZ_4K, SZ_4K,
		PROT_READ, MAP_SHARED, &m, &plan), -EINVAL);
	gpuvm_uapi_close(g);
}

/* A mapped BO is pinned: the shrinker passes it by; unmapped, it goes,
 * and what the CPU wrote comes back with it. */
static void test_mmap_pins(void **state)
{
	uint32_t bo = bo_new(f, SZ_1M);
	struct gpuvm_drv_file *d = gpuvm_uapi_file_drv(f);
	uint64_t freed = 0, off = mmap_offset(f, bo);
	struct cpu_map c;
	bool res;

	(void)state;
	assert_int_equal(cpu_map(f, off, SZ_1M, PROT_READ | PROT_WRITE, &c),
			 0);
	memset(c.p + 4096, 0x3c, 4096);
	assert_int_equal(gpuvm_drv_reclaim(gpuvm_uapi_device_drv(dev),
					   256ull << 20, &freed), 0);
	assert_int_equal(gpuvm_drv_bo_resident(d, 1, &res), 0);
	assert_true(res);
	cpu_unmap(&c);
	assert_int_equal(gpuvm_drv_reclaim(gpuvm_uapi_device_drv(dev),
					   256ull << 20, &freed), 0);
	assert_true(freed >= SZ_1M);
	assert_int_equal(gpuvm_drv_bo_resident(d, 1, &res), 0);
	assert_false(res);
	/* Mapping it again brings it back, contents intact. */
	assert_int_equal(cpu_map(f, off, SZ_1M, PROT_READ, &c), 0);
	assert_int_equal(c.p[4096], 0x3c);
	assert_int_equal(c.p[8191], 0x3c);
	assert_int_equal(c.p[8192], 0);
	cpu_unmap(&c);
}

/* GEM_CLOSE and the file's close while mapped: the memory stays the
 * BO's until the mapping ends, then it is freed and zero for the next. */
static void test_mmap_outlives_handle(void **state)
{
	struct gpuvm_uapi_file *g = ropen(dev);
	uint32_t bo = bo_new(g, SZ_64K);
	struct drm_gem_close cl = { .handle = bo };
	struct gpuvm_mem_stats st0, st1;
	struct cpu_map c;

	(void)state;
	gpuvm_mem_stats(gpuvm_drv_device_mem(gpuvm_uapi_device_drv(dev)),
			&st0);
	assert_int_equal(cpu_map(g, mmap_offset(g, bo), SZ_64K,
				 PROT_READ | PROT_WRITE, &c), 0);
	assert_int_equal(IOC(g, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	gpuvm_uapi_close(g);
	memset(c.p, 0x77, SZ_64K);
	gpuvm_mem_stats(gpuvm_drv_device_mem(gpuvm_uapi_device_drv(dev)),
			&st1);
	assert_int_equal(st1.frames_by_purpose[GPUVM_MEM_BO],
			 st0.frames_by_purpose[GPUVM_MEM_BO]);
	cpu_unmap(&c);
	gpuvm_mem_stats(gpuvm_drv_device_mem(gpuvm_uapi_device_drv(dev)),
			&st1);
	assert_int_equal(st1.frames_by_purpose[GPUVM_MEM_BO],
			 st0.frames_by_purpose[GPUVM_MEM_BO] - 16);
	/* The next owner of those frames sees zeros. */
	bo = bo_new(f, SZ_64K);
	assert_int_equal(cpu_map(f, mmap_offset(f, bo), SZ_64K, PROT_READ,
				 &c), 0);
	assert_int_equal(c.p[0], 0);
	assert_int_equal(c.p[SZ_64K - 1], 0);
	cpu_unmap(&c);
}

/* ------------------------------------------------------------------ */
/* Argument layouts and observers                                      */

/* Every field of t within its size, every byte covered exactly once, and
 * every pointer's count and stride naming value fields of t. */
static void check_type(const struct gpuvm_uapi_type *t)
{
	uint8_t cover[256] = { 0 };
	unsigned int i, b;

	assert_true(t->size <= sizeof(cover));
	for (i = 0; i < t->nfields; i++) {
		const struct gpuvm_uapi_field *fl = &t->fields[i];

		assert_true(fl->size == 1 || fl->size == 2 || fl->size == 4 ||
			    fl->size == 8);
		assert_true(fl->offset + fl->size <= t->size);
		assert_int_equal(fl->offset % fl->size, 0);
		for (b = fl->offset; b < fl->offset + fl->size; b++)
			cover[b]++;
		assert_ptr_equal(gpuvm_uapi_field_find(t, fl->name), fl);
		if (fl->kind != GPUVM_UAPI_POINTER)
			continue;
		assert_non_null(fl->count);
		assert_int_equal(gpuvm_uapi_field_find(t, fl->count)->kind,
				 GPUVM_UAPI_VALUE);
		if (fl->stride)
			assert_int_equal(gpuvm_uapi_field_find(t, fl->stride)
					 ->kind, GPUVM_UAPI_VALUE);
		else
			assert_true(fl->elem > 0);
		if (fl->of)
			check_type(fl->of);
	}
	for (b = 0; b < t->size; b++)
		assert_int_equal(cover[b], 1);
}

static void test_layouts(void **state)
{
	unsigned int nr, known = 0;

	(void)state;
	for (nr = 0; nr < 0x100; nr++) {
		const char *name = gpuvm_uapi_ioctl_name(_IO('d', nr));
		const struct gpuvm_uapi_type *t;
		unsigned long req;

		if (!name)
			continue;
		known++;
		req = gpuvm_uapi_ioctl_request(name);
		assert_int_equal(_IOC_NR(req), nr);
		assert_string_equal(gpuvm_uapi_ioctl_name(req), name);
		t = gpuvm_uapi_ioctl_type(req);
		assert_non_null(t);
		assert_int_equal(t->size, _IOC_SIZE(req));
		check_type(t);
		assert_ptr_equal(gpuvm_uapi_type_find(t->name), t);
	}
	/* 13 core, 12 syncobj, 17 panthor (1.9). */
	assert_int_equal(known, 42);
	assert_int_equal(gpuvm_uapi_ioctl_request("PANTHOR_VM_BIND"),
			 DRM_IOCTL_PANTHOR_VM_BIND);
	assert_int_equal(gpuvm_uapi_ioctl_request("NOPE"), 0);
	assert_null(gpuvm_uapi_ioctl_type(_IO('x', 0x40)));
	assert_int_equal(gpuvm_uapi_type_find("drm_panthor_sync_op")->size,
			 sizeof(struct drm_panthor_sync_op));
	assert_int_equal(gpuvm_uapi_type_find("drm_panthor_queue_create")
			 ->size, sizeof(struct drm_panthor_queue_create));
	assert_int_equal(gpuvm_uapi_type_find("drm_panthor_bo_sync_op")
			 ->size, sizeof(struct drm_panthor_bo_sync_op));
	assert_null(gpuvm_uapi_type_find("drm_nope"));
}

struct event {
	char what;        /* o, c, i, m, u */
	uint32_t file;
	unsigned long req;
	int ret;
	bool in, out_fault;
	uint64_t in0, out0;
	uint32_t ksize;
};

static struct event events[32];
static unsigned int nevents;

static struct event *ev(char what, struct gpuvm_uapi_file *file)
{
	struct event *e = &events[nevents++];

	assert_true(nevents <= 32);
	*e = (struct event){ .what = what };
	if (file)
		e->file = gpuvm_uapi_file_id(file);
	return e;
}

static void h_open(void *c, struct gpuvm_uapi_file *file)
{
	assert_ptr_equal(c, events);
	ev('o', file);
}

static void h_close(void *c, struct gpuvm_uapi_file *file)
{
	(void)c;
	ev('c', file);
}

static void h_ioctl(void *c, struct gpuvm_uapi_file *file,
		    unsigned long request, const void *in, const void *out,
		    uint32_t ksize, void *arg, int ret, bool out_fault)
{
	struct event *e = ev('i', file);

	(void)c;
	(void)arg;
	e->req = request;
	e->ret = ret;
	e->in = in != NULL;
	e->out_fault = out_fault;
	e->ksize = ksize;
	if (in && ksize >= 8)
		memcpy(&e->in0, in, 8);
	if (ksize >= 16)
		memcpy(&e->out0, (const uint8_t *)out + 8, 8);
}

static void h_mmap(void *c, struct gpuvm_uapi_file *file,
		   const struct gpuvm_uapi_mapping *m, uint64_t offset,
		   uint64_t len, int prot, int flags, int ret)
{
	struct event *e = ev('m', file);

	(void)c;
	(void)prot;
	(void)flags;
	e->ret = ret;
	e->in0 = offset;
	e->out0 = len;
	e->req = m ? gpuvm_uapi_mapping_id(m) : 0;
}

static void h_munmap(void *c, const struct gpuvm_uapi_mapping *m)
{
	(void)c;
	ev('u', NULL)->req = gpuvm_uapi_mapping_id(m);
}

static const struct gpuvm_uapi_hooks hooks = {
	h_open, h_close, h_ioctl, h_mmap, h_munmap,
};

/* The observers see every call, in order, with what the call read and
 * wrote; a fault reading the argument shows as no input. */
static void test_hooks(void **state)
{
	struct gpuvm_uapi_device_cfg cfg = {
		.hooks = &hooks, .hooks_cookie = events,
	};
	struct gpuvm_uapi_device *d = NULL;
	struct gpuvm_uapi_file *a, *b;
	struct gpuvm_uapi_mapping *m = NULL;
	struct gpuvm_uapi_map_plan plan;
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };
	uint32_t bo;

	(void)state;
	nevents = 0;
	cfg.drv.ram = 64ull << 20;
	assert_int_equal(gpuvm_uapi_device_create(&cfg, &d), 0);
	a = ropen(d);
	b = ropen(d);
	assert_int_equal(IOC(b, DRM_IOCTL_GET_CAP, &cap), 0);
	assert_int_equal(IOC(a, DRM_IOCTL_GET_CAP, (void *)16), -EFAULT);
	assert_int_equal(IOC(a, _IOWR('x', 1, uint64_t), &cap), -ENOTTY);
	bo = bo_new(a, SZ_4K);
	assert_int_equal(gpuvm_uapi_mmap_begin(a, mmap_offset(a, bo), SZ_4K,
					       3, 1, &m, &plan), 0);
	assert_int_equal(gpuvm_uapi_mmap_begin(a, 0x1000, SZ_4K, 3, 1, &m,
					       &plan), -EINVAL);
	gpuvm_uapi_mmap_end(m);
	gpuvm_uapi_close(b);
	gpuvm_uapi_close(a);
	gpuvm_uapi_device_destroy(d);

	assert_int_equal(nevents, 12);
	assert_int_equal(events[0].what, 'o');
	assert_int_equal(events[0].file, 1);
	assert_int_equal(events[1].file, 2);
	assert_int_equal(events[2].what, 'i');
	assert_int_equal(events[2].file, 2);
	assert_int_equal(events[2].req, DRM_IOCTL_GET_CAP);
	assert_true(events[2].in && !events[2].out_fault);
	assert_int_equal(events[2].in0, DRM_CAP_SYNCOBJ);
	assert_int_equal(events[2].out0, 1);
	assert_int_equal(events[3].ret, -EFAULT);
	assert_false(events[3].in);
	assert_int_equal(events[4].ret, -ENOTTY);
	assert_false(events[4].in);
	assert_int_equal(events[5].req, DRM_IOCTL_PANTHOR_BO_CREATE);
	assert_int_equal(events[5].in0, SZ_4K);
	assert_int_equal(events[6].req, DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET);
	assert_int_equal(events[7].what, 'm');
	assert_int_equal(events[7].ret, 0);
	assert_int_equal(events[7].req, 1);
	assert_int_equal(events[7].out0, SZ_4K);
	assert_int_equal(events[8].ret, -EINVAL);
	assert_int_equal(events[8].req, 0);
	assert_int_equal(events[9].what, 'u');
	assert_int_equal(events[9].req, 1);
	assert_int_equal(events[10].what, 'c');
	assert_int_equal(events[10].file, 2);
	assert_int_equal(events[11].file, 1);
}

/* ------------------------------------------------------------------ */
/* NULL arguments                                                      */

/* Every function of uapi.h with each pointer argument NULL: refused with
 * its documented answer, nothing done (uapi.h, "NULL pointers"). */
static void test_null_args(void **state)
{
	struct gpuvm_uapi_device *d = NULL;
	struct gpuvm_uapi_file *file = NULL;
	struct gpuvm_uapi_mapping *m = NULL;
	struct gpuvm_uapi_map_plan plan;
	const struct gpuvm_uapi_type *t =
		gpuvm_uapi_ioctl_type(DRM_IOCTL_GET_CAP);
	const struct gpuvm_uapi_field *fl = gpuvm_uapi_field_find(t, "value");
	uint64_t obj[2] = { 0, 7 };
	uint8_t b = 0;

	(void)state;
	/* cfg NULL is every default; out NULL is refused. */
	assert_int_equal(gpuvm_uapi_device_create(NULL, NULL), -EINVAL);
	assert_int_equal(gpuvm_uapi_device_create(NULL, &d), 0);
	gpuvm_uapi_device_destroy(NULL);
	assert_null(gpuvm_uapi_device_drv(NULL));
	assert_int_equal(gpuvm_uapi_open(NULL, GPUVM_UAPI_RENDER, &file),
			 -EINVAL);
	assert_null(file);
	assert_int_equal(gpuvm_uapi_open(d, GPUVM_UAPI_RENDER, NULL),
			 -EINVAL);
	gpuvm_uapi_close(NULL);
	assert_null(gpuvm_uapi_file_drv(NULL));
	assert_int_equal(gpuvm_uapi_file_node(NULL), GPUVM_UAPI_PRIMARY);
	assert_int_equal(gpuvm_uapi_file_id(NULL), 0);
	assert_int_equal(gpuvm_uapi_ioctl(NULL, DRM_IOCTL_GET_CAP, obj),
			 -EBADF);
	file = ropen(d);
	/* A NULL argument is a bad user pointer, as in the kernel. */
	assert_int_equal(IOC(file, DRM_IOCTL_GET_CAP, NULL), -EFAULT);
	assert_int_equal(gpuvm_uapi_mmap_begin(NULL, 0x100001000ull, SZ_4K,
					       3, 1, &m, &plan), -EINVAL);
	assert_int_equal(gpuvm_uapi_mmap_begin(file, 0x100001000ull, SZ_4K,
					       3, 1, NULL, &plan), -EINVAL);
	assert_int_equal(gpuvm_uapi_mmap_begin(file, 0x100001000ull, SZ_4K,
					       3, 1, &m, NULL), -EINVAL);
	assert_null(m);
	gpuvm_uapi_mmap_writable(NULL);
	gpuvm_uapi_mmap_end(NULL);
	assert_int_equal(gpuvm_uapi_mapping_id(NULL), 0);
	assert_int_equal(gpuvm_uapi_ioctl_request(NULL), 0);
	assert_null(gpuvm_uapi_type_find(NULL));
	assert_null(gpuvm_uapi_field_find(NULL, "value"));
	assert_null(gpuvm_uapi_field_find(t, NULL));
	assert_int_equal(gpuvm_uapi_field_get(NULL, obj), 0);
	assert_int_equal(gpuvm_uapi_field_get(fl, NULL), 0);
	gpuvm_uapi_field_set(NULL, obj, 9);
	gpuvm_uapi_field_set(fl, NULL, 9);
	assert_int_equal(obj[1], 7);
	assert_int_equal(gpuvm_uapi_copy_from_user(NULL, (uintptr_t)&b, 1),
			 -EINVAL);
	assert_int_equal(gpuvm_uapi_copy_to_user((uintptr_t)&b, NULL, 1),
			 -EINVAL);
	assert_int_equal(gpuvm_uapi_copy_from_user(&b, 0, 1), -EFAULT);
	gpuvm_uapi_close(file);
	gpuvm_uapi_device_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ioctls, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_struct_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_query_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_query_gpu_info, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_query_others, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vm_create_ranges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vm_limits_and_ids, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bo_create, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bo_info_label_sync, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mmap_offsets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bind_sync_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bind_sync_rules, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bind_exclusive, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bind_strides, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mmap_rules, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mmap_pins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mmap_outlives_handle,
						setup, teardown),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_null_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
