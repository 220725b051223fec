// SPDX-License-Identifier: MIT
/*
 * DOC: what the driver tests (tests/drv/) share
 *
 * Everything a driver test does besides its own checks, in one place:
 *
 *  - setup: devices, files, VMs and BOs created where that must succeed
 *    (a BO's page p holds pat(tag, p) in every word, so a read tells
 *    which BO page a VA reaches), and the fixture: DRV_TEST(f) and
 *    DRV_TEST_CFG(f, cfg fields...) run f with *state a struct drv_env
 *    (a device of that configuration, a file, a VM of it), whose
 *    teardown validates the memory and destroys the device;
 *  - ops and binds: op builders (op_map, op_sparse, ...), synchronous
 *    binds that must succeed (map_bo, map_sparse, unmap, ...) or return
 *    their errno (sbind, bind), queued ones (abind, queue1) and the
 *    queues and timelines (run, tl, ...);
 *  - what the GPU sees, through the MMU in checked mode (a missed TLB
 *    invalidation is -ESTALE, which every helper refuses): reads and
 *    writes that must succeed, accesses that must fault exactly there,
 *    the dummy signed with dsig(va) through the GPU so that a read tells
 *    which dummy offset a sparse VA reaches, lookups;
 *  - what a VM is: statistics, gpuvm_drv_vm_check(), the mapping list,
 *    the dump, and snapshots of all of them with the frames in use and
 *    the queue, so that "a failed op left no trace" is one call
 *    (snap_take, snap_expect_same); BO contents by word or checksum.
 *
 * Everything is a macro or a static inline function (one plain static
 * function, marked unused), so a test that does not use a helper does
 * not warn about it. Only the public API is used.
 *
 * Rules are cited by their number in docs/panthor.md (B5, M1, ...).
 */
#ifndef GPUVM_TESTS_DRV_TEST_H
#define GPUVM_TESTS_DRV_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../util/util_test.h"
#include "gpuvm/drv.h"
#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define SZ_4K GPUVM_SZ_4K
#define SZ_2M GPUVM_SZ_2M
#define SZ_1G GPUVM_SZ_1G
#define SZ_1M (1ull << 20)
#define SZ_512G (1ull << 39)
#define SZ_1T (1ull << 40)
#define PAGES_2M (SZ_2M / SZ_4K)
#define T_MAP    GPUVM_DRV_OP_TYPE_MAP
#define T_UNMAP  GPUVM_DRV_OP_TYPE_UNMAP
#define T_SYNC   GPUVM_DRV_OP_TYPE_SYNC_ONLY
#define F_RO     GPUVM_DRV_OP_MAP_READONLY
#define F_NX     GPUVM_DRV_OP_MAP_NOEXEC
#define F_UC     GPUVM_DRV_OP_MAP_UNCACHED
#define F_SPARSE GPUVM_DRV_OP_MAP_SPARSE
#define ASYNC    GPUVM_DRV_BIND_ASYNC

/* The flags a valid sparse map needs (B6). */
#define SPARSE   (F_SPARSE | F_NX)

/* Page sizes with 1 GiB blocks too (the default is 4 KiB + 2 MiB). */
#define PG_1G (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M | GPUVM_PT_PGSIZE_1G)

/* Default device: 48-bit VA, user VA = half of it. */
#define USER_VA  (1ull << 47)

/* ------------------------------------------------------------------ */
/* Devices, files, VMs                                                 */

static inline struct gpuvm_drv_device *
dev_new_cfg(const struct gpuvm_drv_device_cfg *cfg)
{
	struct gpuvm_drv_device *dev = NULL;

	assert_int_equal(gpuvm_drv_device_create(cfg, &dev), 0);
	assert_non_null(dev);
	return dev;
}

/* pgsizes 0: 4 KiB + 2 MiB. */
static inline struct gpuvm_drv_device *dev_new_sparse(enum gpuvm_drv_sparse
						      sparse, uint64_t pgsizes)
{
	struct gpuvm_drv_device_cfg cfg = { .sparse = sparse,
					    .pgsizes = pgsizes };

	return dev_new_cfg(&cfg);
}

/* The default device: dummy sparse, 4 KiB + 2 MiB pages. */
static inline struct gpuvm_drv_device *dev_new(void)
{
	return dev_new_sparse(GPUVM_DRV_SPARSE_DUMMY, 0);
}

static inline struct gpuvm_drv_file *file_new(struct gpuvm_drv_device *dev)
{
	struct gpuvm_drv_file *f = NULL;

	assert_int_equal(gpuvm_drv_file_open(dev, &f), 0);
	assert_non_null(f);
	return f;
}

static inline uint32_t vm_new(struct gpuvm_drv_file *f)
{
	uint32_t id = 0;

	assert_int_equal(gpuvm_drv_vm_create(f, 0, &id), 0);
	assert_true(id >= 1 && id <= GPUVM_DRV_MAX_VMS_PER_FILE);
	return id;
}

static inline enum gpuvm_drv_vm_state vm_state(struct gpuvm_drv_file *f,
					       uint32_t vm)
{
	enum gpuvm_drv_vm_state s = (enum gpuvm_drv_vm_state)77;

	assert_int_equal(gpuvm_drv_vm_get_state(f, vm, &s), 0);
	return s;
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

/* What DRV_TEST hands a test in *state. */
struct drv_env {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *f;
	uint32_t vm;            /* the file's first VM: 1 */
};

/* *state comes in pointing at the device's cfg, leaves as the env. */
static inline int drv_setup(void **state)
{
	const struct gpuvm_drv_device_cfg *cfg = *state;
	struct drv_env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->dev = dev_new_cfg(cfg);
	e->f = file_new(e->dev);
	e->vm = vm_new(e->f);
	*state = e;
	return 0;
}

/* Whatever the test left, the memory must still be consistent. */
static inline int drv_teardown(void **state)
{
	struct drv_env *e = *state;
	int ret = gpuvm_mem_validate(gpuvm_drv_device_mem(e->dev), stderr);

	gpuvm_drv_device_destroy(e->dev);
	free(e);
	return ret;
}

/* Use in main()'s test array: the cfg lives as long as main. */
#define DRV_TEST_CFG(f, ...)                                               \
	cmocka_unit_test_prestate_setup_teardown(                           \
		f, drv_setup, drv_teardown,                                 \
		(&(struct gpuvm_drv_device_cfg){ __VA_ARGS__ }))
#define DRV_TEST(f) DRV_TEST_CFG(f, .sparse = GPUVM_DRV_SPARSE_DUMMY)

/* ------------------------------------------------------------------ */
/* BOs and their contents                                              */

/* What BO page `page` holds in every word: tag < 4096, page < 2^20. */
static inline uint32_t pat(uint32_t tag, uint64_t page)
{
	return (tag << 20) | (uint32_t)page;
}

/* What a signed dummy holds at the offset VA va reaches: va mod 2 MiB. */
static inline uint32_t dsig(uint64_t va)
{
	return 0xd0000000u | (uint32_t)((va & (SZ_2M - 1)) >> 12);
}

static inline void fill_u32(uint32_t *buf, size_t n, uint32_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = v;
}

/* Fills page `page` of BO h with pat(tag, page). */
static inline void bo_fill_page(struct gpuvm_drv_file *f, uint32_t h,
				uint32_t tag, uint64_t page)
{
	static uint32_t buf[SZ_4K / 4];

	fill_u32(buf, SZ_4K / 4, pat(tag, page));
	assert_int_equal(gpuvm_drv_bo_write(f, h, page * SZ_4K, buf, SZ_4K),
			 0);
}

/*
 * A BO of `pages` pages, each filled with pat(tag, page); exclusive to
 * VM `exclusive` (0: shared), backed by `chunks` pieces (0: contiguous).
 */
static inline uint32_t bo_make(struct gpuvm_drv_file *f, uint64_t pages,
			       uint32_t tag, uint32_t exclusive,
			       unsigned int chunks)
{
	uint32_t h = 0;
	uint64_t p;

	assert_true(tag < 4096 && pages < (1u << 20));
	assert_int_equal(gpuvm_drv_bo_create(f, pages * SZ_4K, exclusive,
					     chunks, &h), 0);
	assert_int_not_equal(h, 0);
	for (p = 0; p < pages; p++)
		bo_fill_page(f, h, tag, p);
	return h;
}

static inline uint32_t bo_new(struct gpuvm_drv_file *f, uint64_t pages,
			      uint32_t tag)
{
	return bo_make(f, pages, tag, 0, 0);
}

static inline uint32_t bo_new_excl(struct gpuvm_drv_file *f, uint64_t pages,
				   uint32_t tag, uint32_t vm)
{
	return bo_make(f, pages, tag, vm, 0);
}

static inline uint32_t bo_new_chunks(struct gpuvm_drv_file *f,
				     uint64_t pages, uint32_t tag,
				     unsigned int chunks)
{
	return bo_make(f, pages, tag, 0, chunks);
}

static inline uint32_t bo_word(struct gpuvm_drv_file *f, uint32_t h,
			       uint64_t off)
{
	uint32_t v = 0;

	assert_int_equal(gpuvm_drv_bo_read(f, h, off, &v, 4), 0);
	return v;
}

static inline void bo_put_word(struct gpuvm_drv_file *f, uint32_t h,
			       uint64_t off, uint32_t v)
{
	assert_int_equal(gpuvm_drv_bo_write(f, h, off, &v, 4), 0);
}

static inline bool resident(struct gpuvm_drv_file *f, uint32_t h)
{
	bool r = false;

	assert_int_equal(gpuvm_drv_bo_resident(f, h, &r), 0);
	return r;
}

/* A checksum of n bytes (whole 8-byte words) continuing from h. */
#define SUM64_START 0xcbf29ce484222325ull
static inline uint64_t sum64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, c + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

/* BOs above 4 MiB are summed over their first and last 64 KiB only. */
#define BO_SUM_WHOLE (4 * SZ_1M)
#define BO_SUM_EDGE  (64 * 1024)

/* A checksum of what BO h holds, read by the CPU. */
static inline uint64_t bo_sum(struct gpuvm_drv_file *f, uint32_t h,
			      uint64_t size)
{
	uint64_t n = size <= BO_SUM_WHOLE ? size : BO_SUM_EDGE, s;
	uint8_t *buf = malloc(n);

	assert_non_null(buf);
	assert_int_equal(gpuvm_drv_bo_read(f, h, 0, buf, n), 0);
	s = sum64(SUM64_START, buf, n);
	if (size > BO_SUM_WHOLE) {
		assert_int_equal(gpuvm_drv_bo_read(f, h, size - n, buf, n), 0);
		s = sum64(s, buf, n);
	}
	free(buf);
	return s;
}

/* ------------------------------------------------------------------ */
/* Ops and binds                                                       */

static inline struct gpuvm_drv_bind_op op_map(uint32_t h, uint64_t off,
					      uint64_t va, uint64_t size)
{
	return (struct gpuvm_drv_bind_op){ .flags = T_MAP, .bo_handle = h,
					   .bo_offset = off, .va = va,
					   .size = size };
}

static inline struct gpuvm_drv_bind_op op_sparse(uint64_t va, uint64_t size)
{
	return (struct gpuvm_drv_bind_op){ .flags = SPARSE, .va = va,
					   .size = size };
}

static inline struct gpuvm_drv_bind_op op_unmap(uint64_t va, uint64_t size)
{
	return (struct gpuvm_drv_bind_op){ .flags = T_UNMAP, .va = va,
					   .size = size };
}

static inline struct gpuvm_drv_bind_op op_sync(void)
{
	return (struct gpuvm_drv_bind_op){ .flags = T_SYNC };
}

static inline struct gpuvm_drv_sync sy_wait(uint32_t t, uint64_t p)
{
	return (struct gpuvm_drv_sync){ .flags = GPUVM_DRV_SYNC_WAIT,
					.timeline = t, .point = p };
}

static inline struct gpuvm_drv_sync sy_signal(uint32_t t, uint64_t p)
{
	return (struct gpuvm_drv_sync){ .flags = GPUVM_DRV_SYNC_SIGNAL,
					.timeline = t, .point = p };
}

/* Attaches syncs[0..n) to op (the array must outlive the bind call). */
static inline struct gpuvm_drv_bind_op with(struct gpuvm_drv_bind_op op,
					    const struct gpuvm_drv_sync *syncs,
					    uint32_t n)
{
	op.syncs = syncs;
	op.n_syncs = n;
	return op;
}

/* One op, synchronously: 0 or its errno, and then it is op 0 (B8). */
static inline int sbind(struct gpuvm_drv_file *f, uint32_t vm,
			struct gpuvm_drv_bind_op op)
{
	uint32_t failed = 0xdead;
	int ret = gpuvm_drv_vm_bind(f, vm, 0, &op, 1, &failed);

	if (ret)
		assert_int_equal(failed, 0);
	return ret;
}

/* sbind() of an op given by its fields. */
static inline int bind(struct gpuvm_drv_file *f, uint32_t vm, uint32_t flags,
		       uint32_t handle, uint64_t bo_offset, uint64_t va,
		       uint64_t size, uint64_t repeat)
{
	struct gpuvm_drv_bind_op op = {
		.flags = flags, .bo_handle = handle, .bo_offset = bo_offset,
		.va = va, .size = size, .repeat = repeat,
	};

	return sbind(f, vm, op);
}

/*
 * Binds that must succeed. Macros, so that a failure names the test's
 * line: bind_ok() takes bind()'s arguments.
 */
#define bind_ok(...) assert_int_equal(bind(__VA_ARGS__), 0)
#define map_sparse(f, vm, va, size) \
	bind_ok(f, vm, SPARSE, 0, 0, va, size, 0)
#define map_bo(f, vm, h, off, va, size, flags) \
	bind_ok(f, vm, T_MAP | (flags), h, off, va, size, 0)
#define map_repeat(f, vm, h, off, repeat, va, size) \
	bind_ok(f, vm, T_MAP, h, off, va, size, repeat)
#define unmap(f, vm, va, size) bind_ok(f, vm, T_UNMAP, 0, 0, va, size, 0)

/* Queues ops as one ASYNC batch; 0 or the errno, *failed left to check. */
static inline int abind(struct gpuvm_drv_file *f, uint32_t vm,
			const struct gpuvm_drv_bind_op *ops, uint32_t n,
			uint32_t *failed)
{
	uint32_t dummy;

	if (!failed)
		failed = &dummy;
	*failed = 0xdead;
	return gpuvm_drv_vm_bind(f, vm, ASYNC, ops, n, failed);
}

/* One op, queued: 0 or its errno, and then it is op 0. */
static inline int qbind(struct gpuvm_drv_file *f, uint32_t vm,
			struct gpuvm_drv_bind_op op)
{
	uint32_t failed;
	int ret = abind(f, vm, &op, 1, &failed);

	if (ret)
		assert_int_equal(failed, 0);
	return ret;
}

/* Queues one op, which must be accepted (*failed untouched). */
static inline void queue1(struct gpuvm_drv_file *f, uint32_t vm,
			  struct gpuvm_drv_bind_op op)
{
	uint32_t failed;

	assert_int_equal(abind(f, vm, &op, 1, &failed), 0);
	assert_int_equal(failed, 0xdead);
}

static inline uint32_t queued(struct gpuvm_drv_file *f, uint32_t vm)
{
	uint32_t n = 0xdead;

	assert_int_equal(gpuvm_drv_vm_queued(f, vm, &n), 0);
	return n;
}

/* Drives the queues; returns how many jobs ran. */
static inline uint32_t run(struct gpuvm_drv_device *dev)
{
	uint32_t n = 0xdead;

	assert_int_equal(gpuvm_drv_run(dev, &n), 0);
	return n;
}

/* Timeline t's point. */
static inline uint64_t tl(struct gpuvm_drv_device *dev, uint32_t t)
{
	uint64_t p = 0xdead;

	assert_int_equal(gpuvm_drv_timeline_point(dev, t, &p), 0);
	return p;
}

static inline void signal_tl(struct gpuvm_drv_device *dev, uint32_t t,
			     uint64_t p)
{
	assert_int_equal(gpuvm_drv_timeline_signal(dev, t, p), 0);
}

/* ------------------------------------------------------------------ */
/* What the GPU sees                                                   */

static inline int gpu(struct gpuvm_drv_file *f, uint32_t vm,
		      enum gpuvm_mmu_access acc, uint64_t va, void *buf,
		      size_t len, struct gpuvm_mmu_fault *fault)
{
	memset(fault, 0, sizeof(*fault));
	return gpuvm_drv_gpu_access(f, vm, acc, va, buf, len, fault);
}

/* An access that must succeed; a failure names the fault. */
static inline void gpu_ok(struct gpuvm_drv_file *f, uint32_t vm,
			  enum gpuvm_mmu_access acc, uint64_t va, void *buf,
			  size_t len)
{
	struct gpuvm_mmu_fault fault;
	int ret = gpu(f, vm, acc, va, buf, len, &fault);

	if (ret)
		print_message("VM %u, access %d of %zu bytes at 0x%" PRIx64
			      ": %d (fault %s at 0x%" PRIx64 ")\n", vm, acc,
			      len, va, ret, gpuvm_mmu_fault_name(fault.kind),
			      fault.addr);
	assert_int_equal(ret, 0);
}

static inline uint32_t rd32(struct gpuvm_drv_file *f, uint32_t vm,
			    uint64_t va)
{
	uint32_t v = 0xfefefefe;

	gpu_ok(f, vm, GPUVM_MMU_READ, va, &v, 4);
	return v;
}

static inline uint64_t rd64(struct gpuvm_drv_file *f, uint32_t vm,
			    uint64_t va)
{
	uint64_t v = 0xfefefefefefefefeull;

	gpu_ok(f, vm, GPUVM_MMU_READ, va, &v, 8);
	return v;
}

static inline void wr32(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va,
			uint32_t v)
{
	gpu_ok(f, vm, GPUVM_MMU_WRITE, va, &v, 4);
}

static inline void wr64(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va,
			uint64_t v)
{
	gpu_ok(f, vm, GPUVM_MMU_WRITE, va, &v, 8);
}

/*
 * An access of len bytes at va that must fault with kind at exactly
 * addr, and (a read or fetch) leave the buffer alone.
 */
static inline void expect_fault(struct gpuvm_drv_file *f, uint32_t vm,
				enum gpuvm_mmu_access acc, uint64_t va,
				size_t len, enum gpuvm_mmu_fault_kind kind,
				uint64_t addr)
{
	struct gpuvm_mmu_fault fault;
	uint8_t buf[16], orig[16];
	int ret;

	assert_true(len <= sizeof(buf));
	memset(buf, 0x5c, sizeof(buf));
	memcpy(orig, buf, sizeof(buf));
	ret = gpu(f, vm, acc, va, buf, len, &fault);
	if (ret != -EFAULT || fault.kind != kind || fault.addr != addr)
		print_message("VM %u, access %d at 0x%" PRIx64 ": %d, fault %s"
			      " at 0x%" PRIx64 "; want -EFAULT, fault %s at 0x%"
			      PRIx64 "\n", vm, acc, va, ret,
			      gpuvm_mmu_fault_name(fault.kind), fault.addr,
			      gpuvm_mmu_fault_name(kind), addr);
	assert_int_equal(ret, -EFAULT);
	assert_int_equal(fault.kind, kind);
	assert_int_equal(fault.access, acc);
	assert_int_equal(fault.addr, addr);
	if (acc != GPUVM_MMU_WRITE)
		assert_memory_equal(buf, orig, sizeof(buf));
}

/* A read of an unmapped (or evicted) VA: a translation fault right there. */
static inline void expect_gone(struct gpuvm_drv_file *f, uint32_t vm,
			       uint64_t va)
{
	expect_fault(f, vm, GPUVM_MMU_READ, va, 4,
		     GPUVM_MMU_FAULT_TRANSLATION, va);
}

/* Writes dsig() over all 2 MiB of the file's dummy through a sparse VA. */
static inline void dummy_sign(struct gpuvm_drv_file *f, uint32_t vm,
			      uint64_t va)
{
	uint32_t *buf = malloc(SZ_2M);
	uint64_t p;

	assert_non_null(buf);
	assert_int_equal(va & (SZ_2M - 1), 0);
	for (p = 0; p < PAGES_2M; p++)
		fill_u32(buf + p * (SZ_4K / 4), SZ_4K / 4, dsig(p * SZ_4K));
	gpu_ok(f, vm, GPUVM_MMU_WRITE, va, buf, SZ_2M);
	free(buf);
}

/* What the VA space holds at va. */
static inline struct gpuvm_drv_lookup lookup_of(struct gpuvm_drv_file *f,
						uint32_t vm, uint64_t va)
{
	struct gpuvm_drv_lookup l;

	memset(&l, 0x5a, sizeof(l));
	assert_int_equal(gpuvm_drv_vm_lookup(f, vm, va, &l), 0);
	return l;
}

static inline enum gpuvm_drv_backing kind_at(struct gpuvm_drv_file *f,
					     uint32_t vm, uint64_t va)
{
	return lookup_of(f, vm, va).kind;
}

/* va maps BO h at offset off, and reads what page off / 4K holds. */
static inline void expect_bo(struct gpuvm_drv_file *f, uint32_t vm,
			     uint64_t va, uint32_t h, uint32_t tag,
			     uint64_t off)
{
	struct gpuvm_drv_lookup l = lookup_of(f, vm, va);

	assert_int_equal(l.kind, GPUVM_DRV_BO);
	assert_int_equal(l.bo_handle, h);
	assert_int_equal(l.bo_offset, off);
	assert_int_equal(rd32(f, vm, va), pat(tag, off / SZ_4K));
}

/* ------------------------------------------------------------------ */
/* What a VM is: statistics, check, mappings, dump                     */

static inline struct gpuvm_mem_stats mstats(struct gpuvm_drv_device *dev)
{
	struct gpuvm_mem_stats st;

	gpuvm_mem_stats(gpuvm_drv_device_mem(dev), &st);
	return st;
}

static inline uint64_t frames_used(struct gpuvm_drv_device *dev)
{
	return mstats(dev).frames_used;
}

static inline uint64_t frames_of(struct gpuvm_drv_device *dev,
				 enum gpuvm_mem_purpose purpose)
{
	return mstats(dev).frames_by_purpose[purpose];
}

static inline uint64_t pt_frames(struct gpuvm_drv_device *dev)
{
	return frames_of(dev, GPUVM_MEM_PT);
}

static inline struct gpuvm_drv_vm_stats vstats(struct gpuvm_drv_file *f,
					       uint32_t vm)
{
	struct gpuvm_drv_vm_stats st;

	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(gpuvm_drv_vm_stats(f, vm, &st), 0);
	return st;
}

/* The page tables, the VA space and the TLB agree. */
static inline void check_ok(struct gpuvm_drv_file *f, uint32_t vm)
{
	assert_int_equal(gpuvm_drv_vm_check(f, vm, stderr), 0);
}

static inline void expect_leaves(struct gpuvm_drv_file *f, uint32_t vm,
				 uint64_t l4k, uint64_t l2m, uint64_t l1g)
{
	struct gpuvm_drv_vm_stats st = vstats(f, vm);

	assert_int_equal(st.leaf_4k, l4k);
	assert_int_equal(st.leaf_2m, l2m);
	assert_int_equal(st.leaf_1g, l1g);
}

/*
 * The statistics that describe what a VM maps, not how it got there
 * (the counters pte_writes, tlb_invalidations and pt_reserved_peak):
 * what a restore must reproduce, and what the same ops give anywhere.
 */
static inline void expect_same_shape(const struct gpuvm_drv_vm_stats *now,
				     const struct gpuvm_drv_vm_stats *before)
{
	assert_int_equal(now->mappings, before->mappings);
	assert_int_equal(now->pt_pages, before->pt_pages);
	assert_int_equal(now->leaf_4k, before->leaf_4k);
	assert_int_equal(now->leaf_2m, before->leaf_2m);
	assert_int_equal(now->leaf_1g, before->leaf_1g);
	assert_int_equal(now->shared_pt_pages, before->shared_pt_pages);
}

/* Every mapping, as gpuvm_drv_vm_for_each_mapping() reports them. */
struct mlist {
	size_t n, cap;
	struct gpuvm_drv_mapping *m;
};

static inline int mlist_add(void *cookie, const struct gpuvm_drv_mapping *m)
{
	struct mlist *l = cookie;
	struct gpuvm_drv_mapping *slot;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *p = realloc(l->m, cap * sizeof(*l->m));

		if (!p)
			return -ENOMEM;
		l->m = p;
		l->cap = cap;
	}
	/* Field by field into a zeroed slot: lists compare with memcmp. */
	slot = &l->m[l->n++];
	memset(slot, 0, sizeof(*slot));
	slot->va = m->va;
	slot->size = m->size;
	slot->kind = m->kind;
	slot->bo_handle = m->bo_handle;
	slot->bo_offset = m->bo_offset;
	slot->repeat = m->repeat;
	slot->phase = m->phase;
	slot->flags = m->flags;
	return 0;
}

static inline void mlist_take(struct gpuvm_drv_file *f, uint32_t vm,
			      struct mlist *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(gpuvm_drv_vm_for_each_mapping(f, vm, 0, ~0ull,
						       mlist_add, l), 0);
}

static inline void mlist_free(struct mlist *l)
{
	free(l->m);
	memset(l, 0, sizeof(*l));
}

static inline bool mlist_same(const struct mlist *a, const struct mlist *b)
{
	return a->n == b->n &&
	       (!a->n || !memcmp(a->m, b->m, a->n * sizeof(a->m[0])));
}

/* The VM reports exactly the mappings of want. */
static inline void expect_mappings(struct gpuvm_drv_file *f, uint32_t vm,
				   const struct mlist *want)
{
	struct mlist now;

	mlist_take(f, vm, &now);
	assert_int_equal(now.n, want->n);
	if (now.n)
		assert_memory_equal(now.m, want->m, now.n * sizeof(now.m[0]));
	mlist_free(&now);
}

/*
 * What gpuvm_drv_vm_dump() writes, as a string; free() it. Not inlined:
 * GCC then mistakes the returned buffer for a local. Hence plain static
 * (GCC refuses noinline on an inline function), marked unused for the
 * tests that do not call it.
 */
__attribute__((noinline, unused))
static char *dump_of(struct gpuvm_drv_file *f, uint32_t vm)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	assert_non_null(mf);
	assert_int_equal(gpuvm_drv_vm_dump(f, vm, mf), 0);
	assert_int_equal(fclose(mf), 0);
	assert_non_null(buf);
	return buf;
}

/* Two VMs dump the same text but for their "VM n:" header lines. */
static inline void expect_dumps_match(struct gpuvm_drv_file *f, uint32_t vm,
				      struct gpuvm_drv_file *g, uint32_t vm2)
{
	char *a = dump_of(f, vm), *b = dump_of(g, vm2);

	assert_string_equal(strchr(a, '\n'), strchr(b, '\n'));
	free(a);
	free(b);
}

/*
 * One line of what a VM is (its state, queue and statistics but the
 * reservation high-water mark, left in *st for the caller), after
 * checking it: for the tests that compare whole environments as text.
 */
static inline void put_vm_state(FILE *t, struct gpuvm_drv_file *f,
				uint32_t vm, struct gpuvm_drv_vm_stats *st)
{
	enum gpuvm_drv_vm_state state;
	uint32_t jobs = 0;

	assert_int_equal(gpuvm_drv_vm_check(f, vm, stderr), 0);
	assert_int_equal(gpuvm_drv_vm_get_state(f, vm, &state), 0);
	assert_int_equal(gpuvm_drv_vm_queued(f, vm, &jobs), 0);
	assert_int_equal(gpuvm_drv_vm_stats(f, vm, st), 0);
	fprintf(t, "vm %u: state %d, %u queued, user_va 0x%" PRIx64 ", %"
		PRIu64 " mappings, %" PRIu64 " pt pages, leaves %" PRIu64 "/%"
		PRIu64 "/%" PRIu64 ", %" PRIu64 " pte writes, %" PRIu64
		" invalidations, %" PRIu64 " shared\n", vm, (int)state, jobs,
		st->user_va, st->mappings, st->pt_pages, st->leaf_4k,
		st->leaf_2m, st->leaf_1g, st->pte_writes, st->tlb_invalidations,
		st->shared_pt_pages);
}

/* Prints, by position, up to max lines where texts a and b differ. */
static inline void print_text_diff(const char *a, const char *b,
				   unsigned int max)
{
	unsigned int line = 1, shown = 0;
	size_t la, lb;

	while ((*a || *b) && shown < max) {
		la = strcspn(a, "\n");
		lb = strcspn(b, "\n");
		if (la != lb || memcmp(a, b, la)) {
			print_message("  line %u was: %.*s\n  line %u now: "
				      "%.*s\n", line, (int)la, a, line,
				      (int)lb, b);
			shown++;
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
		line++;
	}
}

/* ------------------------------------------------------------------ */
/* Snapshots: "a failed op left no trace"                              */

/*
 * Everything observable about one VM and the device's memory: frames in
 * use, every VM statistic, the queue, the mapping list and the dump.
 */
struct snap {
	struct gpuvm_mem_stats mem;
	struct gpuvm_drv_vm_stats st;
	uint32_t queued;
	struct mlist maps;
	char *dump;
};

static inline void snap_take(struct gpuvm_drv_device *dev,
			     struct gpuvm_drv_file *f, uint32_t vm,
			     struct snap *s)
{
	s->mem = mstats(dev);
	s->st = vstats(f, vm);
	s->queued = queued(f, vm);
	mlist_take(f, vm, &s->maps);
	s->dump = dump_of(f, vm);
}

static inline void snap_free(struct snap *s)
{
	mlist_free(&s->maps);
	free(s->dump);
	s->dump = NULL;
}

#define SNAP_SAME(field)                                                  \
	do {                                                              \
		if (now.field != s->field) {                              \
			print_message("%s: " #field " %" PRIu64           \
				      " != %" PRIu64 " before\n", what,   \
				      (uint64_t)now.field,                \
				      (uint64_t)s->field);                \
			ok = false;                                       \
		}                                                         \
	} while (0)

/*
 * Everything as in s (the reservation high-water mark only if `peak`)?
 * Prints what differs.
 */
static inline bool snap_diff(struct gpuvm_drv_device *dev,
			     struct gpuvm_drv_file *f, uint32_t vm,
			     const struct snap *s, const char *what,
			     bool peak)
{
	struct snap now;
	bool ok = true;

	snap_take(dev, f, vm, &now);
	SNAP_SAME(mem.frames_used);
	SNAP_SAME(mem.frames_by_purpose[GPUVM_MEM_PT]);
	SNAP_SAME(mem.frames_by_purpose[GPUVM_MEM_BO]);
	SNAP_SAME(st.user_va);
	SNAP_SAME(st.mappings);
	SNAP_SAME(st.pt_pages);
	SNAP_SAME(st.leaf_4k);
	SNAP_SAME(st.leaf_2m);
	SNAP_SAME(st.leaf_1g);
	SNAP_SAME(st.pte_writes);
	SNAP_SAME(st.tlb_invalidations);
	SNAP_SAME(st.shared_pt_pages);
	if (peak)
		SNAP_SAME(st.pt_reserved_peak);
	SNAP_SAME(queued);
	if (!mlist_same(&now.maps, &s->maps)) {
		print_message("%s: the mapping list differs\n", what);
		ok = false;
	}
	if (strcmp(now.dump, s->dump)) {
		print_message("%s: dump differs\nbefore:\n%s\nafter:\n%s\n",
			      what, s->dump, now.dump);
		ok = false;
	}
	snap_free(&now);
	return ok;
}

static inline bool snap_same(struct gpuvm_drv_device *dev,
			     struct gpuvm_drv_file *f, uint32_t vm,
			     const struct snap *s, const char *what)
{
	return snap_diff(dev, f, vm, s, what, true);
}

/* Everything as in s, and check == 0. */
static inline void snap_expect_same(struct gpuvm_drv_device *dev,
				    struct gpuvm_drv_file *f, uint32_t vm,
				    const struct snap *s, const char *what)
{
	if (!snap_same(dev, f, vm, s, what))
		fail_msg("%s left a trace", what);
	check_ok(f, vm);
}

/*
 * The same, the reservation high-water mark aside: a refused async batch
 * reserved its earlier ops' tables and gave them back (B11).
 */
static inline void snap_expect_same_but_peak(struct gpuvm_drv_device *dev,
					     struct gpuvm_drv_file *f,
					     uint32_t vm, const struct snap *s,
					     const char *what)
{
	if (!snap_diff(dev, f, vm, s, what, false))
		fail_msg("%s left a trace", what);
	check_ok(f, vm);
}

#endif /* GPUVM_TESTS_DRV_TEST_H */
