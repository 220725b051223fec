// SPDX-License-Identifier: MIT
/*
 * DOC: concurrency stress test
 *
 * Threads over several files and VMs, binding, accessing and closing at
 * once, in the shapes the thread-safety contract in drv.h promises:
 *
 *  - flippers: each owns a VM and keeps replacing one 48 KiB range with
 *    BO A or BO B (one MAP op each time, never unmapped in between);
 *  - readers: read 16 bytes straddling a page boundary of a flipper's
 *    range and require every byte from the same BO: an access sees the
 *    tables from before or after an op, never a mix;
 *  - churners: random BO and sparse maps and unmaps in their own VMs
 *    (some of the same file as a flipper, so shared dummy tables and BO
 *    references are touched from several threads), checking each VM;
 *  - a closer: opens a file, creates VMs and BOs, binds, closes it;
 *  - a reclaimer: asks the shrinker for memory now and then, which
 *    evicts and so unmaps in everybody's VMs (flippers and readers then
 *    see faults until a validate, which the readers run themselves).
 *
 * The counts are fixed and small enough for ThreadSanitizer; the test
 * passes only if every read was whole, every check held and, at the end,
 * every frame is back.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gpuvm/drv.h"

#define SZ_4K   0x1000ull
#define SZ_2M   0x200000ull
#define SZ_1G   0x40000000ull
#define FLIP_VA (2 * SZ_1G + 0x3000)   /* deliberately unaligned */
#define FLIP_SZ (12 * SZ_4K)
#define FLIPS   1000
#define READS   16000
#define CHURN   2000
#define CLOSES  50
#define NFLIP   2

struct flip {
	struct gpuvm_drv_file *file;
	uint32_t vm, bo[2];
	int done;              /* atomic: set by the flipper */
	int reads_done;        /* atomic: set by the reader */
};

struct shared {
	struct gpuvm_drv_device *dev;
	struct flip flip[NFLIP];
	int errors;
	uint64_t seen[2];      /* whole reads of A and of B */
	uint64_t flipped, flip_nomem;
	pthread_mutex_t lock;
	char first_error[256];
};

static void fail_at(struct shared *sh, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&sh->lock);
	if (!sh->errors++) {
		va_start(ap, fmt);
		vsnprintf(sh->first_error, sizeof(sh->first_error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&sh->lock);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint32_t new_bo(struct gpuvm_drv_file *f, uint64_t size, uint8_t fill)
{
	static uint8_t buf[SZ_4K];
	uint32_t bo = 0;
	uint64_t off;

	memset(buf, fill, sizeof(buf));
	if (gpuvm_drv_bo_create(f, size, 0, 0, &bo))
		return 0;
	for (off = 0; off < size; off += SZ_4K)
		gpuvm_drv_bo_write(f, bo, off, buf, SZ_4K);
	return bo;
}

static int map(struct gpuvm_drv_file *f, uint32_t vm, uint32_t bo,
	       uint64_t va, uint64_t size, uint32_t flags)
{
	struct gpuvm_drv_bind_op op = {
		.flags = flags, .bo_handle = bo, .va = va, .size = size,
	};

	return gpuvm_drv_vm_bind(f, vm, 0, &op, 1, NULL);
}

static int unmap(struct gpuvm_drv_file *f, uint32_t vm, uint64_t va,
		 uint64_t size)
{
	struct gpuvm_drv_bind_op op = {
		.flags = GPUVM_DRV_OP_TYPE_UNMAP, .va = va, .size = size,
	};

	return gpuvm_drv_vm_bind(f, vm, 0, &op, 1, NULL);
}

static void *flipper(void *arg)
{
	struct shared *sh = ((void **)arg)[0];
	struct flip *fl = ((void **)arg)[1];
	int i, ret;

	/* At least FLIPS, and on until the reader is through. */
	for (i = 0; i < FLIPS ||
		    !__atomic_load_n(&fl->reads_done, __ATOMIC_ACQUIRE); i++) {
		ret = map(fl->file, fl->vm, fl->bo[i & 1], FLIP_VA, FLIP_SZ, 0);
		/* The shrinker may leave no room for a moment: retry later. */
		if (ret && ret != -ENOMEM)
			fail_at(sh, "flip %d: %d", i, ret);
		__atomic_add_fetch(ret ? &sh->flip_nomem : &sh->flipped, 1,
				   __ATOMIC_RELAXED);
	}
	__atomic_store_n(&fl->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *reader(void *arg)
{
	struct shared *sh = ((void **)arg)[0];
	struct flip *fl = ((void **)arg)[1];
	struct gpuvm_mmu_fault fault;
	uint8_t buf[16];
	int i, k, ret;

	for (i = 0; i < READS; i++) {
		/* 8 bytes each side of the boundary between pages 5 and 6. */
		ret = gpuvm_drv_gpu_access(fl->file, fl->vm, GPUVM_MMU_READ,
					   FLIP_VA + 6 * SZ_4K - 8, buf,
					   sizeof(buf), &fault);
		if (ret == -EFAULT) {
			/* Evicted by the reclaimer: bring the VM back. */
			gpuvm_drv_vm_validate(fl->file, fl->vm);
			continue;
		}
		if (ret) {
			fail_at(sh, "read %d: %d", i, ret);
			continue;
		}
		for (k = 1; k < 16; k++)
			if (buf[k] != buf[0] || (buf[0] != 0xaa && buf[0] != 0xbb))
				fail_at(sh, "torn read: %02x then %02x", buf[0],
					buf[k]);
		__atomic_add_fetch(&sh->seen[buf[0] == 0xbb], 1,
				   __ATOMIC_RELAXED);
	}
	__atomic_store_n(&fl->reads_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *churner(void *arg)
{
	struct shared *sh = ((void **)arg)[0];
	struct gpuvm_drv_file *f = ((void **)arg)[1];
	uint64_t seed = (uint64_t)(uintptr_t)arg | 1, va, size;
	uint32_t vm, bo;
	int i, ret;

	if (gpuvm_drv_vm_create(f, 0, &vm) || !(bo = new_bo(f, SZ_2M, 0x5a))) {
		fail_at(sh, "churner setup");
		return NULL;
	}
	for (i = 0; i < CHURN; i++) {
		va = SZ_1G + (rng(&seed) % 1024) * SZ_4K * 7;
		size = (1 + rng(&seed) % 64) * SZ_4K;
		switch (rng(&seed) % 3) {
		case 0:
			ret = map(f, vm, bo, va, size, 0);
			break;
		case 1:
			ret = map(f, vm, 0, va, size + SZ_1G,
				  GPUVM_DRV_OP_MAP_SPARSE |
				  GPUVM_DRV_OP_MAP_NOEXEC);
			break;
		default:
			ret = unmap(f, vm, va, size);
		}
		if (ret && ret != -ENOMEM)
			fail_at(sh, "churn op %d: %d", i, ret);
		if (!(i % 50) && gpuvm_drv_vm_check(f, vm, stderr))
			fail_at(sh, "churn check at %d", i);
	}
	gpuvm_drv_vm_destroy(f, vm);
	return NULL;
}

static void *closer(void *arg)
{
	struct shared *sh = arg;
	struct gpuvm_drv_file *f;
	uint32_t vm, bo;
	int i;

	for (i = 0; i < CLOSES; i++) {
		if (gpuvm_drv_file_open(sh->dev, &f)) {
			fail_at(sh, "open");
			return NULL;
		}
		if (!gpuvm_drv_vm_create(f, 0, &vm) &&
		    (bo = new_bo(f, 16 * SZ_4K, 0x11))) {
			map(f, vm, bo, SZ_1G, 16 * SZ_4K, 0);
			map(f, vm, 0, 3 * SZ_1G, SZ_1G + SZ_4K,
			    GPUVM_DRV_OP_MAP_SPARSE | GPUVM_DRV_OP_MAP_NOEXEC);
		}
		gpuvm_drv_file_close(f);
	}
	return NULL;
}

static void *reclaimer(void *arg)
{
	struct shared *sh = arg;
	uint64_t freed;
	int i;

	for (i = 0; i < 20; i++) {
		gpuvm_drv_reclaim(sh->dev, 64 * SZ_4K, &freed);
		if (__atomic_load_n(&sh->flip[0].done, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&sh->flip[1].done, __ATOMIC_ACQUIRE))
			break;
	}
	return NULL;
}

/*
 * unchecked: the MMU's checked mode off, so that readers take its
 * lock-free path (checked mode walks on every hit, under the AS's lock);
 * two readers per flipper then read one VM side by side.
 */
static void stress(bool unchecked)
{
	struct gpuvm_drv_device_cfg cfg = {
		.ram = 256ull << 20, .unchecked = unchecked,
	};
	unsigned int readers = unchecked ? 2 : 1, r;
	struct gpuvm_drv_file *churn_file[2];
	pthread_t t[16];
	void *args[16][2];
	struct shared sh = { 0 };
	struct gpuvm_mem_stats ms;
	unsigned int n = 0, i;

	pthread_mutex_init(&sh.lock, NULL);
	assert_int_equal(gpuvm_drv_device_create(&cfg, &sh.dev), 0);
	for (i = 0; i < NFLIP; i++) {
		struct flip *fl = &sh.flip[i];

		assert_int_equal(gpuvm_drv_file_open(sh.dev, &fl->file), 0);
		assert_int_equal(gpuvm_drv_vm_create(fl->file, 0, &fl->vm), 0);
		fl->bo[0] = new_bo(fl->file, FLIP_SZ, 0xaa);
		fl->bo[1] = new_bo(fl->file, FLIP_SZ, 0xbb);
		assert_true(fl->bo[0] && fl->bo[1]);
		assert_int_equal(map(fl->file, fl->vm, fl->bo[0], FLIP_VA,
				     FLIP_SZ, 0), 0);
		churn_file[i] = fl->file; /* churners share the flippers' files */
	}
	for (i = 0; i < NFLIP; i++) {
		args[n][0] = &sh;
		args[n][1] = &sh.flip[i];
		pthread_create(&t[n], NULL, flipper, args[n]);
		n++;
		for (r = 0; r < readers; r++) {
			args[n][0] = &sh;
			args[n][1] = &sh.flip[i];
			pthread_create(&t[n], NULL, reader, args[n]);
			n++;
		}
		args[n][0] = &sh;
		args[n][1] = churn_file[i];
		pthread_create(&t[n], NULL, churner, args[n]);
		n++;
	}
	pthread_create(&t[n++], NULL, closer, &sh);
	pthread_create(&t[n++], NULL, reclaimer, &sh);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (sh.errors)
		fail_msg("%d errors; first: %s", sh.errors, sh.first_error);
	for (i = 0; i < NFLIP; i++) {
		assert_int_equal(gpuvm_drv_vm_validate(sh.flip[i].file,
						       sh.flip[i].vm), 0);
		assert_int_equal(gpuvm_drv_vm_check(sh.flip[i].file,
						    sh.flip[i].vm, stderr), 0);
		gpuvm_drv_file_close(sh.flip[i].file);
	}
	gpuvm_mem_stats(gpuvm_drv_device_mem(sh.dev), &ms);
	assert_int_equal(ms.frames_used, 0);
	print_message("stress: %" PRIu64 " flips (%" PRIu64 " -ENOMEM)\n",
		      sh.flipped, sh.flip_nomem);
	/* Reads of both sides prove the flips and reads overlapped. */
	assert_true(sh.flipped >= NFLIP * FLIPS / 2);
	print_message("stress%s: %u threads, >= %d flips, %u reads (%" PRIu64
		      " of A, %" PRIu64 " of B, all whole), %d churn ops, %d "
		      "file closes\n", unchecked ? " (lock-free reads)" : "", n,
		      NFLIP * FLIPS, NFLIP * readers * READS, sh.seen[0],
		      sh.seen[1], NFLIP * CHURN, CLOSES);
	gpuvm_drv_device_destroy(sh.dev);
	pthread_mutex_destroy(&sh.lock);
}

static void test_stress(void **state)
{
	(void)state;
	stress(false);
}

static void test_stress_lockfree(void **state)
{
	(void)state;
	stress(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
		cmocka_unit_test(test_stress_lockfree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
