// SPDX-License-Identifier: MIT
/*
 * DOC: NULL pointer arguments of the register model (gpuvm/masreg.h)
 *
 * Every function of the header, with each pointer argument NULL in turn:
 * the table says what the header documents for it, tests/null_args.h
 * runs each row in a child process and checks the result and, with a
 * snapshot, that nothing changed. The fixture: a register model enabled
 * over page tables mapping one page, its TLB warm, no fault pending.
 * The snapshot: every readable register, the fault interrupt, the
 * address space's statistics and TLB check, the page's contents and the
 * memory's statistics. The optional pointers (an access's fault, the
 * hook's callback and cookie) are exercised with their documented
 * effect. test_header_complete fails if masreg.h declares a function or
 * pointer argument the table does not list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gpuvm/masreg.h"
#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"
#include "null_args.h"

#define SZ_4K GPUVM_SZ_4K
#define SZ_1M (1ull << 20)

#define VA_PAGE 0x100000ull      /* mapped, warm in the TLB */
#define VA_HOLE 0x40000000ull    /* nothing mapped */
#define PAGE_WORD 0x0102030405060708ull

struct fx {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	uint64_t page;
	struct gpuvm_masreg *r;
};

static void wr64(struct fx *fx, uint32_t lo, uint64_t v)
{
	assert_int_equal(gpuvm_masreg_write32(fx->r, lo, (uint32_t)v), 0);
	assert_int_equal(gpuvm_masreg_write32(fx->r, lo + 4,
					      (uint32_t)(v >> 32)), 0);
}

static void fx_make(struct fx *fx)
{
	struct gpuvm_mem_cfg mc = { .size = 64 * SZ_1M };
	struct gpuvm_pt_cfg pc = { .va_bits = 48, .pgsizes = SZ_4K };
	struct gpuvm_masreg_cfg rc = { 0 };
	struct gpuvm_pt_linear lin;
	struct gpuvm_pt_gather g;
	uint64_t v = 0;

	memset(fx, 0, sizeof(*fx));
	assert_int_equal(gpuvm_mem_create(&mc, &fx->mem), 0);
	pc.mem = rc.mem = fx->mem;
	assert_int_equal(gpuvm_pt_create(&pc, &fx->pt), 0);
	assert_int_equal(gpuvm_mem_alloc(fx->mem, SZ_4K, GPUVM_MEM_BO,
					 &fx->page), 0);
	gpuvm_mem_write64(fx->mem, fx->page + 8, PAGE_WORD);
	gpuvm_pt_linear_init(&lin, VA_PAGE, fx->page);
	gpuvm_pt_gather_init(&g);
	assert_int_equal(gpuvm_pt_map(fx->pt, VA_PAGE, SZ_4K, &lin.src, 0,
				      &g), 0);
	assert_int_equal(gpuvm_masreg_create(&rc, &fx->r), 0);
	wr64(fx, GPUVM_MASREG_TRANSTAB_LO, gpuvm_pt_root(fx->pt));
	wr64(fx, GPUVM_MASREG_TRANSCFG_LO, GPUVM_MASREG_ADRMODE_AARCH64_4K |
	     GPUVM_MASREG_INA_BITS(48));
	assert_int_equal(gpuvm_masreg_write32(fx->r, GPUVM_MASREG_COMMAND,
					      GPUVM_MASREG_CMD_UPDATE), 0);
	assert_int_equal(gpuvm_masreg_access(fx->r, GPUVM_MMU_READ, 1,
					     VA_PAGE + 8, &v, 8, NULL), 0);
	assert_true(v == PAGE_WORD);
}

static void fx_free(struct fx *fx)
{
	gpuvm_masreg_destroy(fx->r);
	gpuvm_pt_destroy(fx->pt);
	gpuvm_mem_free(fx->mem, fx->page, SZ_4K, GPUVM_MEM_BO);
	gpuvm_mem_destroy(fx->mem);
}

static void snap_print(void *p, FILE *t)
{
	static const uint32_t regs[] = {
		0x00, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x1c, 0x20, 0x24, 0x28,
		0x30, 0x34, 0x38, 0x3c,
	};
	struct fx *fx = p;
	struct gpuvm_mmu_as *as = gpuvm_masreg_as(fx->r);
	struct gpuvm_mmu_stats st;
	struct gpuvm_mem_stats ms;
	unsigned char buf[SZ_4K];
	uint32_t v;

	for (unsigned int i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		assert_int_equal(gpuvm_masreg_read32(fx->r, regs[i], &v), 0);
		fprintf(t, "reg %02x %08x\n", regs[i], v);
	}
	fprintf(t, "pending %d\n", gpuvm_masreg_fault_pending(fx->r));
	gpuvm_mmu_stats(as, &st);
	fprintf(t, "hits %" PRIu64 " misses %" PRIu64 " walks %" PRIu64
		" invalidations %" PRIu64 " faults %" PRIu64 " retries %"
		PRIu64 " va bits %u\n", st.hits, st.misses, st.walks,
		st.invalidations, st.faults, st.retries,
		gpuvm_mmu_as_va_bits(as));
	fprintf(t, "tlb stale entries %" PRIu64 "\n", gpuvm_mmu_tlb_verify(as));
	assert_int_equal(gpuvm_mem_read(fx->mem, fx->page, buf, SZ_4K), 0);
	fprintf(t, "page sum %016" PRIx64 "\n", na_sum(buf, SZ_4K));
	gpuvm_mem_stats(fx->mem, &ms);
	fprintf(t, "mem used %" PRIu64 " allocs %" PRIu64 "\n", ms.frames_used,
		ms.allocs);
}

static char *snap(void *p)
{
	return na_text(snap_print, p);
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */

static int64_t c_create(void *p)
{
	struct fx *fx = p;
	struct gpuvm_masreg_cfg rc = { .mem = fx->mem };
	struct gpuvm_masreg *r = NULL;
	int ret = gpuvm_masreg_create(NA(cfg, &rc), NA(out, &r));

	NA_EXPECT(!r);
	gpuvm_masreg_destroy(r);
	return ret;
}

static int64_t c_destroy(void *p)
{
	struct fx *fx = p;

	gpuvm_masreg_destroy(NA(r, fx->r));
	return NA_VOID;
}

static int64_t c_read32(void *p)
{
	struct fx *fx = p;
	uint32_t v = 0xa5a5a5a5;
	int ret = gpuvm_masreg_read32(NA(r, fx->r), GPUVM_MASREG_TRANSTAB_LO,
				      NA(value, &v));

	NA_EXPECT(v == 0xa5a5a5a5);
	return ret;
}

static int64_t c_write32(void *p)
{
	struct fx *fx = p;

	return gpuvm_masreg_write32(NA(r, fx->r), GPUVM_MASREG_COMMAND,
				    GPUVM_MASREG_CMD_UPDATE);
}

/* A read of the warm page: nothing filled when refused. */
static int64_t c_access(void *p)
{
	struct fx *fx = p;
	struct gpuvm_mmu_fault f;
	uint8_t buf[8];
	int ret;

	na_poison(&f, sizeof(f));
	na_poison(buf, sizeof(buf));
	ret = gpuvm_masreg_access(NA(r, fx->r), GPUVM_MMU_READ, 1,
				  VA_PAGE + 8, NA(buf, buf), 8, NA(fault, &f));
	NA_EXPECT(na_fill(&f, sizeof(f)) == NA_UNTOUCHED);
	NA_EXPECT(na_fill(buf, sizeof(buf)) == NA_UNTOUCHED);
	return ret;
}

/* fault optional: a faulting access, its errno, latched, no fill. */
static int64_t c_access_fault(void *p)
{
	struct fx *fx = p;
	uint32_t status = 0;
	uint8_t buf[8];
	int ret;

	na_poison(buf, sizeof(buf));
	ret = gpuvm_masreg_access(fx->r, GPUVM_MMU_WRITE, 0x42, VA_HOLE, buf,
				  8, NA(fault, (struct gpuvm_mmu_fault *)NULL));
	NA_EXPECT(gpuvm_masreg_fault_pending(fx->r));
	assert_int_equal(gpuvm_masreg_read32(fx->r, GPUVM_MASREG_FAULTSTATUS,
					     &status), 0);
	/* VA_HOLE's level-1 entry is empty: TRANSLATION_FAULT_1, a write. */
	NA_EXPECT(status == (0xc1u | 3u << 8 | 0x42u << 16));
	return ret;
}

static int64_t c_as(void *p)
{
	struct fx *fx = p;

	return (int64_t)(intptr_t)gpuvm_masreg_as(NA(r, fx->r));
}

static int64_t c_fault_pending(void *p)
{
	struct fx *fx = p;

	return gpuvm_masreg_fault_pending(NA(r, fx->r));
}

static int64_t c_fault_clear(void *p)
{
	struct fx *fx = p;

	return gpuvm_masreg_fault_clear(NA(r, fx->r));
}

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

/* fn NULL removes the hook; cookie NULL reaches the hook as NULL. */
static int64_t c_set_fault_hook(void *p)
{
	struct fx *fx = p;
	uint64_t v;
	int ret;

	if (na_is("fn"))
		assert_int_equal(gpuvm_masreg_set_fault_hook(fx->r, count_hook,
							     fx), 0);
	ret = gpuvm_masreg_set_fault_hook(NA(r, fx->r), NA(fn, count_hook),
					  NA(cookie, fx));
	if (na_is("r"))
		return ret;
	hook_calls = 0;
	hook_cookie = fx;
	NA_EXPECT(gpuvm_masreg_access(fx->r, GPUVM_MMU_READ, 0, VA_HOLE, &v, 8,
				      NULL) == -EFAULT);
	if (na_is("fn")) {
		NA_EXPECT(hook_calls == 0);
	} else {
		NA_EXPECT(hook_calls == 1);
		NA_EXPECT(hook_cookie == NULL);
	}
	return ret;
}

static int64_t c_lock_range(void *p)
{
	uint64_t first = 7, last = 7;
	int ret;

	(void)p;
	ret = gpuvm_masreg_lock_range(0x12345000 | 16, NA(first, &first),
				      NA(last, &last));
	NA_EXPECT(first == 7 && last == 7);
	return ret;
}

static int64_t c_lockaddr(void *p)
{
	(void)p;
	return (int64_t)gpuvm_masreg_lockaddr(0x5000, 0x1000);
}

static int64_t c_exception(void *p)
{
	struct gpuvm_mmu_fault f = { .kind = GPUVM_MMU_FAULT_TRANSLATION,
				     .level = 3 };

	(void)p;
	return gpuvm_masreg_exception(NA(fault, &f), 48);
}

static int64_t c_exception_name(void *p)
{
	(void)p;
	return strcmp(gpuvm_masreg_exception_name(0xc8), "PERM_FAULT_0");
}

/* ------------------------------------------------------------------ */
/* The table: every (function, pointer argument) of gpuvm/masreg.h     */

#define EINV (-EINVAL)

static const struct na_case cases[] = {
	NA_ROW(gpuvm_masreg_create, cfg, EINV, c_create),
	NA_ROW(gpuvm_masreg_create, out, EINV, c_create),
	NA_ROW(gpuvm_masreg_destroy, r, NA_VOID, c_destroy),
	NA_ROW(gpuvm_masreg_read32, r, EINV, c_read32),
	NA_ROW(gpuvm_masreg_read32, value, EINV, c_read32),
	NA_ROW(gpuvm_masreg_write32, r, EINV, c_write32),
	NA_ROW(gpuvm_masreg_access, r, EINV, c_access),
	NA_ROW(gpuvm_masreg_access, buf, EINV, c_access),
	/* Optional: a faulting access latches, the errno alone. */
	NA_ROW(gpuvm_masreg_access, fault, -EFAULT, c_access_fault,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_masreg_as, r, NA_NULLPTR, c_as),
	NA_ROW(gpuvm_masreg_fault_pending, r, false, c_fault_pending),
	NA_ROW(gpuvm_masreg_fault_clear, r, EINV, c_fault_clear),
	NA_ROW(gpuvm_masreg_set_fault_hook, r, EINV, c_set_fault_hook),
	NA_ROW(gpuvm_masreg_set_fault_hook, fn, 0, c_set_fault_hook,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_masreg_set_fault_hook, cookie, 0, c_set_fault_hook,
	       .flags = NA_CHANGES),
	NA_ROW(gpuvm_masreg_lock_range, first, EINV, c_lock_range),
	NA_ROW(gpuvm_masreg_lock_range, last, EINV, c_lock_range),
	NA_NONE(gpuvm_masreg_lockaddr, 14, c_lockaddr),
	NA_ROW(gpuvm_masreg_exception, fault, 0, c_exception),
	NA_NONE(gpuvm_masreg_exception_name, 0, c_exception_name),
};

NA_MAIN("gpuvm/masreg.h", struct fx, fx_make, fx_free)
