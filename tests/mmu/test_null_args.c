// SPDX-License-Identifier: MIT
/*
 * DOC: NULL pointer arguments of the MMU (gpuvm/mmu.h)
 *
 * Every function of the header, with each pointer argument NULL in turn:
 * the table says what the header documents for it, tests/null_args.h
 * runs each row in a child process and checks the result and, with a
 * snapshot, that nothing changed. The fixture: an address space over
 * page tables mapping a 2 MiB block, its TLB warm, and a gather holding
 * queued tables for flush_gather(). The snapshot: the AS's
 * statistics and TLB check, the block's contents, the page tables'
 * print and statistics, the gather and the memory's statistics.
 * The optional fault (and translation) pointers are exercised on a
 * faulting access: the errno, no fill, the access done as documented.
 * test_header_complete fails if mmu.h declares a function or pointer
 * argument the table does not list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"
#include "null_args.h"
#include "flush_gather.h"

#define SZ_4K GPUVM_SZ_4K
#define SZ_2M GPUVM_SZ_2M
#define SZ_1G GPUVM_SZ_1G
#define SZ_1M (1ull << 20)

#define VA_BLOCK  SZ_2M          /* the 2 MiB block, warm in the TLB */
#define VA_QUEUED SZ_1G          /* unmapped, its tables queued */
#define VA_HOLE   (8 * SZ_1G)    /* nothing mapped */
#define BLOCK_WORD 0x1122334455667788ull

struct fx {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	uint64_t blk;
	struct gpuvm_mmu_as *as;     /* checked, over pt */
	struct gpuvm_pt_gather g;    /* [VA_QUEUED, +16 KiB), tables queued */
};

static void map_pages(struct fx *fx, uint64_t va, uint64_t size)
{
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;

	gpuvm_pt_linear_init(&lin, va, fx->blk);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(fx->pt, va, size, &lin.src, 0, &g), 0);
	flush_gather(fx->as, fx->pt, &g);
}

static void fx_make(struct fx *fx)
{
	struct gpuvm_mem_cfg mc = { .size = 64 * SZ_1M };
	struct gpuvm_pt_cfg pc = { .va_bits = 48,
				   .pgsizes = SZ_4K | SZ_2M };
	struct gpuvm_mmu_as_cfg ac = { .va_bits = 48, .checked = true };
	uint64_t v = 0;

	memset(fx, 0, sizeof(*fx));
	assert_int_equal(gpuvm_mem_create(&mc, &fx->mem), 0);
	pc.mem = ac.mem = fx->mem;
	assert_int_equal(gpuvm_pt_create(&pc, &fx->pt), 0);
	ac.root = gpuvm_pt_root(fx->pt);
	assert_int_equal(gpuvm_mmu_as_create(&ac, &fx->as), 0);
	assert_int_equal(gpuvm_mem_alloc(fx->mem, SZ_2M, GPUVM_MEM_BO,
					 &fx->blk), 0);
	gpuvm_mem_write64(fx->mem, fx->blk + 8, BLOCK_WORD);
	map_pages(fx, VA_BLOCK, SZ_2M);
	map_pages(fx, VA_QUEUED, 4 * SZ_4K);
	gpuvm_pt_gather_init(&fx->g);
	assert_int_equal(gpuvm_pt_unmap(fx->pt, VA_QUEUED, 4 * SZ_4K, &fx->g),
			 0);
	assert_int_equal(fx->g.freed_count, 2);
	assert_int_equal(gpuvm_mmu_read(fx->as, VA_BLOCK + 8, &v, 8, NULL), 0);
	assert_true(v == BLOCK_WORD);
}

static void fx_free(struct fx *fx)
{
	flush_gather(fx->as, fx->pt, &fx->g);
	gpuvm_mmu_as_destroy(fx->as);
	gpuvm_pt_destroy(fx->pt);
	gpuvm_mem_free(fx->mem, fx->blk, SZ_2M, GPUVM_MEM_BO);
	gpuvm_mem_destroy(fx->mem);
}

static void snap_print(void *p, FILE *t)
{
	struct fx *fx = p;
	struct gpuvm_mmu_stats st;
	struct gpuvm_mem_stats ms;
	struct gpuvm_pt_stats ps;
	uint8_t *buf = malloc(SZ_2M);

	assert_non_null(buf);
	gpuvm_mmu_stats(fx->as, &st);
	fprintf(t, "hits %" PRIu64 " misses %" PRIu64 " walks %" PRIu64
		" reads %" PRIu64 " invalidations %" PRIu64 " dropped %"
		PRIu64 " faults %" PRIu64 " stale %" PRIu64 " retries %"
		PRIu64 "\n", st.hits, st.misses, st.walks, st.walk_reads,
		st.invalidations, st.entries_dropped, st.faults, st.stale,
		st.retries);
	fprintf(t, "va bits %u\n", gpuvm_mmu_as_va_bits(fx->as));
	fprintf(t, "tlb stale entries %" PRIu64 "\n",
		gpuvm_mmu_tlb_verify(fx->as));
	assert_int_equal(gpuvm_mem_read(fx->mem, fx->blk, buf, SZ_2M), 0);
	fprintf(t, "block sum %016" PRIx64 "\n", na_sum(buf, SZ_2M));
	free(buf);
	gpuvm_pt_stats(fx->pt, &ps);
	fprintf(t, "tables %" PRIu64 " leaves %" PRIu64 "/%" PRIu64
		" writes %" PRIu64 "\n", ps.table_pages, ps.leaves[0],
		ps.leaves[1], ps.pte_writes);
	gpuvm_pt_print(fx->pt, t);
	fprintf(t, "gather [%" PRIx64 ", %" PRIx64 ") head %" PRIx64
		" count %" PRIu64 "\n", fx->g.start, fx->g.end,
		fx->g.freed_head, fx->g.freed_count);
	gpuvm_mem_stats(fx->mem, &ms);
	fprintf(t, "mem used %" PRIu64 " allocs %" PRIu64 " failures %"
		PRIu64 " validate %d\n", ms.frames_used, ms.allocs,
		ms.alloc_failures, gpuvm_mem_validate(fx->mem, stderr));
}

static char *snap(void *p)
{
	return na_text(snap_print, p);
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */

static int64_t c_fault_name(void *p)
{
	(void)p;
	return strcmp(gpuvm_mmu_fault_name(GPUVM_MMU_FAULT_PERMISSION),
		      "permission");
}

static int64_t c_as_create(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mmu_as_cfg ac = { .mem = fx->mem, .va_bits = 48,
				       .root = gpuvm_pt_root(fx->pt) };
	struct gpuvm_mmu_as *as = NULL;
	int ret = gpuvm_mmu_as_create(NA(cfg, &ac), NA(out, &as));

	NA_EXPECT(!as);
	gpuvm_mmu_as_destroy(as);
	return ret;
}

static int64_t c_as_destroy(void *p)
{
	struct fx *fx = p;

	gpuvm_mmu_as_destroy(NA(as, fx->as));
	return NA_VOID;
}

static int64_t c_set_root(void *p)
{
	struct fx *fx = p;

	gpuvm_mmu_as_set_root(NA(as, fx->as), 0);
	return NA_VOID;
}

static int64_t c_as_update(void *p)
{
	struct fx *fx = p;

	return gpuvm_mmu_as_update(NA(as, fx->as), gpuvm_pt_root(fx->pt), 48);
}

/* A fault hook that counts its calls and the cookie it got. */
static unsigned int hook_calls;
static void *hook_cookie;

static int count_hook(void *cookie, struct gpuvm_mmu_as *as,
		      const struct gpuvm_mmu_fault *f, unsigned int retries)
{
	(void)as;
	(void)f;
	(void)retries;
	hook_calls++;
	hook_cookie = cookie;
	return GPUVM_MMU_FAULT_REPORT;
}

static int hook_fault(struct fx *fx)
{
	uint64_t v;

	return gpuvm_mmu_read(fx->as, VA_HOLE, &v, 8, NULL);
}

/*
 * A NULL as is refused. fn NULL removes the hook (a fault then calls
 * nothing); cookie NULL is the hook's own business (it gets NULL).
 */
static int64_t c_set_fault_hook(void *p)
{
	struct fx *fx = p;
	int ret;

	if (na_is("fn"))
		assert_int_equal(gpuvm_mmu_set_fault_hook(fx->as, count_hook,
							  fx), 0);
	ret = gpuvm_mmu_set_fault_hook(NA(as, fx->as), NA(fn, count_hook),
				       NA(cookie, fx));
	hook_calls = 0;
	hook_cookie = p;
	if (na_is("as"))
		return ret;
	NA_EXPECT(hook_fault(fx) == -EFAULT);
	if (na_is("fn")) {
		NA_EXPECT(hook_calls == 0);
	} else {
		NA_EXPECT(hook_calls == 1);
		NA_EXPECT(hook_cookie == NULL);
	}
	return ret;
}

/* A NULL trace removes the hooks: a walk then reports nothing. */
static unsigned int trace_events;

static void count_walk(void *cookie, uint64_t va, enum gpuvm_mmu_access acc)
{
	(void)cookie;
	(void)va;
	(void)acc;
	trace_events++;
}

static int64_t c_set_trace(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mmu_trace t = { .walk_start = count_walk };
	int ret;

	if (na_is("trace"))
		assert_int_equal(gpuvm_mmu_set_trace(fx->as, &t), 0);
	ret = gpuvm_mmu_set_trace(NA(as, fx->as), NA(trace, &t));
	trace_events = 0;
	if (na_is("trace")) {
		NA_EXPECT(hook_fault(fx) == -EFAULT);
		NA_EXPECT(trace_events == 0);
	}
	return ret;
}

static int64_t c_set_checked(void *p)
{
	struct fx *fx = p;

	gpuvm_mmu_set_checked(NA(as, fx->as), false);
	return NA_VOID;
}

static int64_t c_va_bits(void *p)
{
	struct fx *fx = p;

	return gpuvm_mmu_as_va_bits(NA(as, fx->as));
}

static int64_t c_stats(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mmu_stats st;

	na_poison(&st, sizeof(st));
	gpuvm_mmu_stats(NA(as, fx->as), NA(st, &st));
	return na_fill(&st, sizeof(st));
}

/* A read of the warm block; x is optional: the errno alone. */
static int64_t c_translate(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mmu_fault f;
	struct gpuvm_mmu_xlat x;
	int ret;

	na_poison(&f, sizeof(f));
	ret = gpuvm_mmu_translate(NA(as, fx->as), VA_BLOCK + 8,
				  GPUVM_MMU_READ, NA(x, &x), NA(fault, &f));
	NA_EXPECT(na_fill(&f, sizeof(f)) == NA_UNTOUCHED);
	return ret;
}

/* A translation fault with fault optional: the errno, nothing filled. */
static int64_t c_translate_fault(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mmu_stats st;
	struct gpuvm_mmu_fault f;
	struct gpuvm_mmu_xlat x;
	int ret;

	na_poison(&x, sizeof(x));
	ret = gpuvm_mmu_translate(fx->as, VA_HOLE, GPUVM_MMU_READ, &x,
				  NA(fault, &f));
	gpuvm_mmu_stats(fx->as, &st);
	NA_EXPECT(st.faults == 1);
	NA_EXPECT(na_fill(&x, sizeof(x)) == NA_UNTOUCHED);
	return ret;
}

/* An access of 8 bytes at va: the errno; nothing filled or read. */
static int64_t gpu_access(void *p, enum gpuvm_mmu_access acc, uint64_t va)
{
	struct fx *fx = p;
	struct gpuvm_mmu_stats st;
	struct gpuvm_mmu_fault f;
	uint8_t buf[8];
	int ret = -ENOSYS;

	na_poison(&f, sizeof(f));
	na_poison(buf, sizeof(buf));
	switch (acc) {
	case GPUVM_MMU_READ:
		ret = gpuvm_mmu_read(NA(as, fx->as), va, NA(buf, buf),
				     sizeof(buf), NA(fault, &f));
		break;
	case GPUVM_MMU_WRITE:
		ret = gpuvm_mmu_write(NA(as, fx->as), va, NA(buf, buf),
				      sizeof(buf), NA(fault, &f));
		break;
	case GPUVM_MMU_EXEC:
		ret = gpuvm_mmu_fetch(NA(as, fx->as), va, NA(buf, buf),
				      sizeof(buf), NA(fault, &f));
		break;
	}
	NA_EXPECT(na_fill(&f, sizeof(f)) == NA_UNTOUCHED);
	NA_EXPECT(na_fill(buf, sizeof(buf)) == NA_UNTOUCHED);
	gpuvm_mmu_stats(fx->as, &st);
	NA_EXPECT(st.faults == (va == VA_HOLE));
	return ret;
}

static int64_t c_read(void *p)
{
	return gpu_access(p, GPUVM_MMU_READ, VA_BLOCK + 8);
}

static int64_t c_write(void *p)
{
	return gpu_access(p, GPUVM_MMU_WRITE, VA_BLOCK + 8);
}

static int64_t c_fetch(void *p)
{
	return gpu_access(p, GPUVM_MMU_EXEC, VA_BLOCK + 8);
}

/* Optional fault pointers: a faulting access, its errno, nothing done. */
static int64_t c_read_fault(void *p)
{
	return gpu_access(p, GPUVM_MMU_READ, VA_HOLE);
}

static int64_t c_write_fault(void *p)
{
	return gpu_access(p, GPUVM_MMU_WRITE, VA_HOLE);
}

static int64_t c_fetch_fault(void *p)
{
	return gpu_access(p, GPUVM_MMU_EXEC, VA_HOLE);
}

static int64_t c_lock_region(void *p)
{
	struct fx *fx = p;

	gpuvm_mmu_lock_region(NA(as, fx->as), VA_BLOCK, SZ_4K);
	return NA_VOID;
}

static int64_t c_unlock_region(void *p)
{
	struct fx *fx = p;

	gpuvm_mmu_unlock_region(NA(as, fx->as));
	return NA_VOID;
}

static int64_t c_invalidate(void *p)
{
	struct fx *fx = p;

	gpuvm_mmu_invalidate(NA(as, fx->as), VA_BLOCK, SZ_2M);
	return NA_VOID;
}

static int64_t c_invalidate_all(void *p)
{
	struct fx *fx = p;

	gpuvm_mmu_invalidate_all(NA(as, fx->as));
	return NA_VOID;
}

static int64_t c_tlb_verify(void *p)
{
	struct fx *fx = p;

	return (int64_t)gpuvm_mmu_tlb_verify(NA(as, fx->as));
}

/*
 * Host pointers. get: NULL as or h is refused; fault is optional (a
 * success fills nothing there). verify: a NULL h is refused. at: a NULL
 * h has no address.
 */
static int64_t c_hptr_get(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mmu_hptr h;
	struct gpuvm_mmu_fault f;
	int ret;

	na_poison(&f, sizeof(f));
	ret = gpuvm_mmu_hptr_get(NA(as, fx->as), VA_BLOCK + 8, GPUVM_MMU_READ,
				 NA(h, &h), NA(fault, &f));
	NA_EXPECT(na_fill(&f, sizeof(f)) == NA_UNTOUCHED);
	return ret;
}

static int64_t c_hptr_verify(void *p)
{
	(void)p;
	return gpuvm_mmu_hptr_verify(NA(h, (struct gpuvm_mmu_hptr *)NULL));
}

static int64_t c_hptr_at(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mmu_hptr h;

	assert_int_equal(gpuvm_mmu_hptr_get(fx->as, VA_BLOCK, GPUVM_MMU_READ,
					    &h, NULL), 0);
	return (int64_t)(intptr_t)gpuvm_mmu_hptr_at(NA(h, &h), VA_BLOCK + 8,
						    8);
}

/* ------------------------------------------------------------------ */
/* The table: every (function, pointer argument) of gpuvm/mmu.h        */

#define EINV (-EINVAL)
#define EFAULT_CHANGES(f, a, c) NA_ROW(f, a, -EFAULT, c, .flags = NA_CHANGES)

static const struct na_case cases[] = {
	NA_NONE(gpuvm_mmu_fault_name, 0, c_fault_name),
	NA_ROW(gpuvm_mmu_as_create, cfg, EINV, c_as_create),
	NA_ROW(gpuvm_mmu_as_create, out, EINV, c_as_create),
	NA_ROW(gpuvm_mmu_as_destroy, as, NA_VOID, c_as_destroy),
	NA_ROW(gpuvm_mmu_as_set_root, as, NA_VOID, c_set_root),
	NA_ROW(gpuvm_mmu_as_update, as, EINV, c_as_update),
	NA_ROW(gpuvm_mmu_set_checked, as, NA_VOID, c_set_checked),
	NA_ROW(gpuvm_mmu_set_fault_hook, as, EINV, c_set_fault_hook),
	/* Optional: fn removes the hook, cookie is the hook's. */
	NA_ROW(gpuvm_mmu_set_fault_hook, fn, 0, c_set_fault_hook,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_mmu_set_fault_hook, cookie, 0, c_set_fault_hook,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_mmu_set_trace, as, EINV, c_set_trace),
	/* Optional: removes the hooks. */
	NA_ROW(gpuvm_mmu_set_trace, trace, 0, c_set_trace,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_mmu_as_va_bits, as, 0, c_va_bits),
	NA_ROW(gpuvm_mmu_stats, as, NA_ZEROED, c_stats),
	NA_ROW(gpuvm_mmu_stats, st, NA_UNTOUCHED, c_stats),
	NA_ROW(gpuvm_mmu_translate, as, EINV, c_translate),
	/* Optional: a hit, counted as one. */
	NA_ROW(gpuvm_mmu_translate, x, 0, c_translate, .flags = NA_CHANGES),
	NA_ROW(gpuvm_mmu_hptr_get, as, EINV, c_hptr_get),
	NA_ROW(gpuvm_mmu_hptr_get, h, EINV, c_hptr_get),
	NA_ROW(gpuvm_mmu_hptr_get, fault, 0, c_hptr_get, .flags = NA_CHANGES),
	NA_ROW(gpuvm_mmu_hptr_verify, h, EINV, c_hptr_verify),
	NA_ROW(gpuvm_mmu_hptr_at, h, NA_NULLPTR, c_hptr_at,
	       .flags = NA_CHANGES),
	EFAULT_CHANGES(gpuvm_mmu_translate, fault, c_translate_fault),
	NA_ROW(gpuvm_mmu_read, as, EINV, c_read),
	NA_ROW(gpuvm_mmu_read, buf, EINV, c_read),
	EFAULT_CHANGES(gpuvm_mmu_read, fault, c_read_fault),
	NA_ROW(gpuvm_mmu_write, as, EINV, c_write),
	NA_ROW(gpuvm_mmu_write, buf, EINV, c_write),
	EFAULT_CHANGES(gpuvm_mmu_write, fault, c_write_fault),
	NA_ROW(gpuvm_mmu_fetch, as, EINV, c_fetch),
	NA_ROW(gpuvm_mmu_fetch, buf, EINV, c_fetch),
	EFAULT_CHANGES(gpuvm_mmu_fetch, fault, c_fetch_fault),
	NA_ROW(gpuvm_mmu_lock_region, as, NA_VOID, c_lock_region),
	NA_ROW(gpuvm_mmu_unlock_region, as, NA_VOID, c_unlock_region),
	NA_ROW(gpuvm_mmu_invalidate, as, NA_VOID, c_invalidate),
	NA_ROW(gpuvm_mmu_invalidate_all, as, NA_VOID, c_invalidate_all),
	NA_ROW(gpuvm_mmu_tlb_verify, as, 0, c_tlb_verify),
};

NA_MAIN("gpuvm/mmu.h", struct fx, fx_make, fx_free)
