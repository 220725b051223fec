// SPDX-License-Identifier: MIT
/*
 * DOC: building shared tables
 *
 * Built top-down by need: a level-L table is made only where a whole
 * level-(L-1) entry cannot be one leaf (no such page size, or the source
 * is not aligned or contiguous over it), and it holds leaves where they
 * fit and pointers to the level-(L+1) table where they do not. For a
 * contiguous 2 MiB-aligned dummy with 4 KiB + 2 MiB pages that is two
 * pages: a level-2 table of 512 blocks and a level-1 table of 512
 * pointers to it, which together map 512 GiB.
 *
 * Building a table needs its period to divide the range it covers (the
 * whole point is that every aligned slot looks the same); a level whose
 * range is shorter than the period gets no table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt/pt_internal.h"

static void destroy_tables(struct gpuvm_pt_shared *sh)
{
	unsigned int level;

	for (level = 1; level < GPUVM_PT_LEVELS; level++)
		if (sh->table[level] != NO_TABLE)
			gpuvm_mem_free(sh->mem, sh->table[level], GPUVM_SZ_4K,
				       GPUVM_MEM_PT);
}

/*
 * Builds table[level] (mapping [0, level_size(level - 1))) and what it
 * needs below. 0, -ENOENT if it cannot be built, -ENOMEM.
 */
static int build(struct gpuvm_pt_shared *sh, struct cursor *cur, bool null,
		 uint64_t pgsizes, uint64_t period, unsigned int level)
{
	uint64_t size = gpuvm_pt_level_size(level), x, pa, contig, t, d;
	unsigned int i, k;
	int ret;

	if (level >= GPUVM_PT_LEVELS || gpuvm_pt_level_size(level - 1) < period)
		return -ENOENT;
	ret = gpuvm_mem_alloc(sh->mem, GPUVM_SZ_4K, GPUVM_MEM_PT, &t);
	if (ret)
		return ret;
	sh->table[level] = t;
	sh->pages++;
	for (i = 0; i < GPUVM_PT_ENTRIES; i++) {
		x = i * size;
		if (pt_leaf_fits(pgsizes, cur, null, level, x, x + size)) {
			pa = null ? 0 : cursor_pa(cur, x, &contig);
			d = gpuvm_pte_make_leaf(pa, sh->attrs, level);
			sh->leaves[level][3 - level]++;
		} else {
			if (sh->table[level + 1] == NO_TABLE) {
				ret = build(sh, cur, null, pgsizes, period,
					    level + 1);
				if (ret)
					return ret;
			}
			d = gpuvm_pte_make_table(sh->table[level + 1]);
			sh->ptrs[level]++;
			for (k = 0; k < 3; k++)
				sh->leaves[level][k] +=
					sh->leaves[level + 1][k];
		}
		gpuvm_mem_write64(sh->mem, t + 8ull * i, d);
	}
	return 0;
}

int gpuvm_pt_shared_create(struct gpuvm_mem *mem, uint64_t pgsizes,
			   const struct gpuvm_pt_src *src, uint32_t prot,
			   uint64_t period, struct gpuvm_pt_shared **out)
{
	bool null = prot & GPUVM_PT_PROT_NULL;
	struct gpuvm_pt_shared *sh;
	struct cursor cur;
	unsigned int level;
	int ret;

	if (!mem || !out)
		return -EINVAL;
	if (!period || period & (period - 1) || period < GPUVM_SZ_4K ||
	    (!null && (!src || !src->pa_at)) || (prot & ~GPUVM_PT_PROT_ALL))
		return -EINVAL;
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	sh->mem = mem;
	sh->attrs = gpuvm_pt_prot_attrs(prot);
	for (level = 0; level < GPUVM_PT_LEVELS; level++)
		sh->table[level] = NO_TABLE;
	cursor_init(&cur, src);
	/* Level-0 entries are never leaves: start from the top. */
	ret = build(sh, &cur, null, pgsizes, period, 1);
	if (ret == -ENOENT) {
		/* Some level's range is shorter than the period: the chain
		 * cannot reach the leaves, so share nothing at all. */
		destroy_tables(sh);
		for (level = 0; level < GPUVM_PT_LEVELS; level++)
			sh->table[level] = NO_TABLE;
		memset(sh->leaves, 0, sizeof(sh->leaves));
		memset(sh->ptrs, 0, sizeof(sh->ptrs));
		sh->pages = 0;
		ret = 0;
	}
	if (ret) {
		destroy_tables(sh);
		free(sh);
		return ret;
	}
	*out = sh;
	return 0;
}

int gpuvm_pt_shared_destroy(struct gpuvm_pt_shared *sh)
{
	if (!sh)
		return 0;
	if (gpuvm_pt_shared_links(sh))
		return -EBUSY;
	destroy_tables(sh);
	free(sh);
	return 0;
}

uint64_t gpuvm_pt_shared_pages(const struct gpuvm_pt_shared *sh)
{
	return sh ? sh->pages : 0;
}

uint64_t gpuvm_pt_shared_links(const struct gpuvm_pt_shared *sh)
{
	return sh ? __atomic_load_n(&sh->links, __ATOMIC_RELAXED) : 0;
}
