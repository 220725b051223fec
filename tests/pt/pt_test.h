// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the page-table tests in tests/pt/: the failure
 * context and EXPECT_* macros, size and page-size-set shorthands, the
 * struct env (one mem + one pt) with its statistics and teardown
 * helpers, and the random generator and fragmented source of the
 * randomized tests.
 *
 * Everything is a macro or a static inline function, so a test that
 * does not use a helper does not warn about it (ctx is the one static
 * object; each test is its own executable). A test whose helper of the
 * same name works differently defines PT_TEST_OWN_<NAME> before
 * including this header and keeps its own version; PT_TEST_OWN_ENV
 * drops the whole struct env section. PT_TEST_CTX_SIZE sets the size of
 * ctx (default 512).
 */
#ifndef GPUVM_TESTS_PT_TEST_H
#define GPUVM_TESTS_PT_TEST_H

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

#include "gpuvm/mem.h"
#include "gpuvm/pt.h"

#define SZ_4K GPUVM_SZ_4K
#define SZ_64K (1ull << 16)
#define SZ_1M (1ull << 20)
#define SZ_2M GPUVM_SZ_2M
#define SZ_1G GPUVM_SZ_1G
#define SZ_512G (1ull << 39)
#define SZ_1T (1ull << 40)
#define PG_4K GPUVM_PT_PGSIZE_4K
#define PG_4K_2M (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M)
#define PG_4K_1G (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_1G)
#define PG_ALL (GPUVM_PT_PGSIZE_4K | GPUVM_PT_PGSIZE_2M | GPUVM_PT_PGSIZE_1G)

#ifndef PT_TEST_CTX_SIZE
#define PT_TEST_CTX_SIZE 512
#endif

/* What the current check is about; every failure message starts with it. */
static char ctx[PT_TEST_CTX_SIZE];

#define CTX(...) snprintf(ctx, sizeof(ctx), __VA_ARGS__)

#define EXPECT_U64(actual, expected)                                         \
	do {                                                                 \
		uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected); \
		if (a_ != e_)                                                \
			fail_msg("%s:%d: [%s] %s = %" PRIu64 " (0x%" PRIx64  \
				 "), expected %" PRIu64 " (0x%" PRIx64 ")",  \
				 __FILE__, __LINE__, ctx, #actual, a_, a_,   \
				 e_, e_);                                    \
	} while (0)

#define EXPECT_INT(actual, expected)                                         \
	do {                                                                 \
		long long a_ = (long long)(actual),                          \
			  e_ = (long long)(expected);                        \
		if (a_ != e_)                                                \
			fail_msg("%s:%d: [%s] %s = %lld, expected %lld",     \
				 __FILE__, __LINE__, ctx, #actual, a_, e_);  \
	} while (0)

#define EXPECT_TRUE(cond)                                                    \
	do {                                                                 \
		if (!(cond))                                                 \
			fail_msg("%s:%d: [%s] %s is false", __FILE__,        \
				 __LINE__, ctx, #cond);                      \
	} while (0)

#ifndef PT_TEST_OWN_ENV
/* ------------------------------------------------------------------ */
/* Environment                                                         */

/* lname (the layout's name for messages) is set by test_pt_matrix.c. */
struct env {
	struct gpuvm_mem *mem;
	struct gpuvm_pt *pt;
	unsigned int va_bits;
	uint64_t pgsizes;
	const char *lname;
};

/*
 * Where table pages go. PA 0 is a frame like any other, and code that
 * uses 0 as "no table" breaks only when a table lands there, so both
 * placements are set up deliberately rather than left to the allocator
 * (each test's env_init):
 *
 * LAYOUT_HIGH: 4 GiB + 64 MiB of memory whose first 4 GiB is taken by
 * 1 GiB BO blocks before the pt exists: every table lives above 4 GiB.
 * LAYOUT_ROOT0: 32 MiB of memory, every frame but PA 0 taken while the
 * pt is created: the top table is at PA 0; the rest is then freed.
 */
enum layout { LAYOUT_HIGH, LAYOUT_ROOT0 };

static inline const char *layout_name(enum layout l)
{
	return l == LAYOUT_HIGH ? "tables above 4 GiB" : "top table at PA 0";
}

#ifdef PT_TEST_OWN_PT_FRAMES
static uint64_t pt_frames(const struct env *e);
#else
static inline uint64_t pt_frames(const struct env *e)
{
	struct gpuvm_mem_stats ms;

	gpuvm_mem_stats(e->mem, &ms);
	return ms.frames_by_purpose[GPUVM_MEM_PT];
}
#endif

static inline void get_stats(const struct env *e, struct gpuvm_pt_stats *st)
{
	memset(st, 0, sizeof(*st));
	gpuvm_pt_stats(e->pt, st);
}

static inline uint64_t table_pages(const struct env *e)
{
	struct gpuvm_pt_stats st;

	get_stats(e, &st);
	return st.table_pages;
}

#ifdef PT_TEST_OWN_CHECK_VALID
static void check_valid(const struct env *e);
#else
static inline void check_valid(const struct env *e)
{
	EXPECT_INT(gpuvm_pt_validate(e->pt, stderr), 0);
}
#endif

/* No transaction open: every PT frame in mem is a table in use. */
static inline void check_quiescent(const struct env *e)
{
	EXPECT_U64(pt_frames(e), table_pages(e));
	check_valid(e);
}

static inline void env_fini(struct env *e)
{
	gpuvm_pt_destroy(e->pt);
	EXPECT_U64(pt_frames(e), 0);
	EXPECT_INT(gpuvm_mem_validate(e->mem, stderr), 0);
	gpuvm_mem_destroy(e->mem);
	e->pt = NULL;
	e->mem = NULL;
}

static inline void check_unmapped(const struct env *e, uint64_t iova)
{
	struct gpuvm_pt_walk w;

	EXPECT_INT(gpuvm_pt_iova_to_phys(e->pt, iova, &w), -ENOENT);
}
#endif /* PT_TEST_OWN_ENV */

/* ------------------------------------------------------------------ */
/* Page-size sets                                                      */

static inline bool supported(uint64_t pgsizes, unsigned int level)
{
	return level == 3 || (pgsizes & gpuvm_pt_level_size(level));
}

static inline const char *pgs_name(uint64_t pgsizes)
{
	switch (pgsizes) {
	case PG_4K: return "{4K}";
	case PG_4K_2M: return "{4K,2M}";
	case PG_4K_1G: return "{4K,1G}";
	case PG_ALL: return "{4K,2M,1G}";
	default: return "{?}";
	}
}

/* ------------------------------------------------------------------ */
/* Randomized tests: generator and fragmented source                   */

static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return n ? rng_next(s) % n : 0;
}

/* A fragmented source: up to MAX_PIECES linear pieces. */
#define MAX_PIECES 8
struct frag_src {
	struct gpuvm_pt_src src;
	unsigned int n;
	uint64_t iova[MAX_PIECES + 1]; /* piece i: [iova[i], iova[i + 1]) */
	uint64_t pa[MAX_PIECES];
};

static inline uint64_t frag_pa_at(void *cookie, uint64_t iova,
				  uint64_t *contig)
{
	const struct frag_src *f = cookie;
	unsigned int i;

	for (i = 0; i + 1 < f->n && iova >= f->iova[i + 1]; i++)
		;
	assert_true(iova >= f->iova[0] && iova < f->iova[f->n]);
	*contig = f->iova[i + 1] - iova;
	return f->pa[i] + (iova - f->iova[i]);
}

/* Per-4-KiB-page model entry. */
struct mpage {
	uint64_t pa;
	uint8_t mapped;
	uint8_t prot;
};

#endif /* GPUVM_TESTS_PT_TEST_H */
