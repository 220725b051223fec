// SPDX-License-Identifier: MIT
/*
 * DOC: buffer objects
 *
 * A BO is an array of runs, each a physically contiguous range, sorted by
 * BO offset and covering [0, size) without gaps. Finding the PA behind an
 * offset is a binary search over the runs, O(log runs): the page-table
 * code asks for it once per contiguous piece it maps, and walking a
 * scatter list instead is what made large binds slow elsewhere.
 *
 * DOC: contiguous BOs (chunks = 0)
 *
 * Greedy, largest blocks first. A run starts in the smallest free block
 * that holds the whole remainder (or a 1 GiB block), else in the largest
 * free block, or the lowest of the free blocks of 2 MiB and more right
 * below it (mem_pick); blocks are naturally aligned, so a BO of 2 MiB or
 * more starts 2 MiB-aligned (1 GiB-aligned from 1 GiB) whenever such a
 * block is free.
 * The run then grows for as long as the frame just after it heads a free
 * block: carving a block pushes its unused upper halves back as free
 * blocks, so the next frame is free until the original block is used up,
 * and on a fresh memory the seed blocks follow each other. Only when the
 * next frame is taken does a new run start. A fresh memory therefore gives
 * every BO one run. Cost: O(blocks taken + runs), each block O(1).
 *
 * Over 1 GiB that is not enough: which 1 GiB block a list hands out first
 * depends on the order blocks were freed in, and the one after it may be
 * taken while a free range elsewhere would hold the whole BO. So such a BO
 * first looks for a free range starting at a 512 MiB or 1 GiB block and
 * holding all of it (mem_find_span, anchored), and starts there if found.
 *
 * DOC: fragmented BOs (chunks = N)
 *
 * The size is cut into N runs of equal size to a frame (the first
 * size % N frames longer), each allocated as one contiguous range
 * (mem_find_span), then the runs are ordered by descending PA. Run i + 1
 * then starts below run i, never where run i ends, so no two consecutive
 * runs merge, whatever the allocator hands out.
 *
 * Every allocation is undone if a later one fails: a failed create leaves
 * the memory as it found it, apart from the failure counter.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"

#define FRAME_SIZE ((uint64_t)1 << MEM_FRAME_SHIFT)

static uint32_t pa_frame(uint64_t pa)
{
	return (uint32_t)(pa >> MEM_FRAME_SHIFT);
}

/* Returns the frames taken so far; runs that failed midway count too. */
static void bo_release(struct gpuvm_mem_bo *bo)
{
	unsigned int i;

	for (i = 0; i < bo->nruns; i++)
		if (bo->runs[i].size)
			mem_free_frames(bo->mem, pa_frame(bo->runs[i].pa),
					bo->runs[i].size >> MEM_FRAME_SHIFT,
					GPUVM_MEM_BO);
	bo->nruns = 0;
}

/* Room for one more run; the array grows by doubling. */
static int reserve_run(struct gpuvm_mem_bo *bo)
{
	unsigned int cap = bo->cap ? 2 * bo->cap : 4;
	struct gpuvm_mem_run *runs;

	if (bo->nruns < bo->cap)
		return 0;
	runs = mem_realloc(bo->mem, bo->runs, cap * sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	bo->runs = runs;
	bo->cap = cap;
	return 0;
}

/* Starts a run at free frame f, the next left frames of the BO. */
static int new_run(struct gpuvm_mem_bo *bo, uint32_t f, uint64_t left,
		   uint64_t *got)
{
	struct gpuvm_mem_run *run;
	int ret;

	if (f == MEM_NONE)
		return -ENOMEM;
	ret = mem_carve(bo->mem, f, left, GPUVM_MEM_BO, 0, got);
	if (ret)
		return ret;
	if (!*got) /* mem_pick only returns free heads */
		return -ENOMEM;
	run = &bo->runs[bo->nruns++];
	run->offset = bo->size - (left << MEM_FRAME_SHIFT);
	run->pa = (uint64_t)f << MEM_FRAME_SHIFT;
	run->size = *got << MEM_FRAME_SHIFT;
	return 0;
}

static int fill_contig(struct gpuvm_mem_bo *bo)
{
	struct gpuvm_mem *mem = bo->mem;
	uint64_t left = bo->size >> MEM_FRAME_SHIFT, got = 0;
	uint32_t next = MEM_NONE, hint = MEM_NONE;
	int ret;

	/*
	 * Over 1 GiB, where the 1 GiB blocks come from depends on the order
	 * they were freed in; look for an aligned range holding it all.
	 */
	if (left > 1u << MEM_MAX_ORDER)
		hint = mem_find_span(mem, left, true);
	while (left) {
		ret = reserve_run(bo);
		/* Grow the current run if the frame after it is free. */
		if (!ret)
			ret = mem_carve(mem, next, left, GPUVM_MEM_BO, 0, &got);
		if (!ret && got) {
			bo->runs[bo->nruns - 1].size += got << MEM_FRAME_SHIFT;
		} else if (!ret) {
			next = hint != MEM_NONE ? hint : mem_pick(mem, left);
			hint = MEM_NONE;
			ret = new_run(bo, next, left, &got);
		}
		if (ret)
			return ret;
		next += (uint32_t)got;
		left -= got;
	}
	return 0;
}

/* Allocates one physically contiguous run of n frames. */
static int alloc_run(struct gpuvm_mem_bo *bo, uint64_t n)
{
	struct gpuvm_mem *mem = bo->mem;
	struct gpuvm_mem_run *run;
	uint32_t f = mem_find_span(mem, n, false);
	uint64_t done = 0, got;
	int ret;

	if (f == MEM_NONE)
		return -ENOMEM;
	run = &bo->runs[bo->nruns++];
	run->pa = (uint64_t)f << MEM_FRAME_SHIFT;
	run->size = 0;
	while (done < n) {
		ret = mem_carve(mem, f + (uint32_t)done, n - done, GPUVM_MEM_BO,
				0, &got);
		if (ret)
			return ret;
		if (!got) /* mem_find_span promised free frames */
			return -ENOMEM;
		done += got;
		run->size = done << MEM_FRAME_SHIFT;
	}
	return 0;
}

static int cmp_pa_desc(const void *a, const void *b)
{
	const struct gpuvm_mem_run *x = a, *y = b;

	return (x->pa < y->pa) - (x->pa > y->pa);
}

static int fill_chunks(struct gpuvm_mem_bo *bo, unsigned int chunks)
{
	uint64_t n = bo->size >> MEM_FRAME_SHIFT, offset = 0;
	uint64_t base = n / chunks, extra = n % chunks;
	unsigned int i;
	int ret;

	bo->runs = mem_realloc(bo->mem, NULL, chunks * sizeof(*bo->runs));
	if (!bo->runs)
		return -ENOMEM;
	bo->cap = chunks;
	for (i = 0; i < chunks; i++) {
		ret = alloc_run(bo, base + (i < extra));
		if (ret)
			return ret;
	}
	qsort(bo->runs, chunks, sizeof(*bo->runs), cmp_pa_desc);
	for (i = 0; i < chunks; i++) {
		bo->runs[i].offset = offset;
		offset += bo->runs[i].size;
	}
	return 0;
}

static void bo_link(struct gpuvm_mem *mem, struct gpuvm_mem_bo *bo)
{
	bo->prev = NULL;
	bo->next = mem->bos;
	if (mem->bos)
		mem->bos->prev = bo;
	mem->bos = bo;
}

static void bo_unlink(struct gpuvm_mem_bo *bo)
{
	if (bo->prev)
		bo->prev->next = bo->next;
	else
		bo->mem->bos = bo->next;
	if (bo->next)
		bo->next->prev = bo->prev;
}

static int gpuvm_mem_bo_create_unlocked(struct gpuvm_mem *mem, uint64_t size,
			unsigned int chunks, struct gpuvm_mem_bo **out)
{
	struct gpuvm_mem_bo *bo;
	int ret;

	if (!mem || !out || !size || size & (FRAME_SIZE - 1) ||
	    chunks > size >> MEM_FRAME_SHIFT)
		return -EINVAL;
	/* Also keeps sizes beyond 32-bit frame counts out of what follows. */
	if (size >> MEM_FRAME_SHIFT > mem->frames_free) {
		mem->alloc_failures++;
		return -ENOMEM;
	}
	bo = mem_realloc(mem, NULL, sizeof(*bo));
	if (!bo) {
		mem->alloc_failures++;
		return -ENOMEM;
	}
	memset(bo, 0, sizeof(*bo));
	bo->mem = mem;
	bo->size = size;
	ret = chunks ? fill_chunks(bo, chunks) : fill_contig(bo);
	if (ret) {
		bo_release(bo);
		free(bo->runs);
		free(bo);
		mem->alloc_failures++;
		return ret;
	}
	bo_link(mem, bo);
	mem->allocs++;
	*out = bo;
	return 0;
}

void gpuvm_mem_bo_destroy(struct gpuvm_mem_bo *bo)
{
	struct gpuvm_mem *mem;

	if (!bo)
		return;
	mem = bo->mem;
	mem_lock(mem);
	bo_unlink(bo);
	bo_release(bo);
	free(bo->runs);
	free(bo);
	mem_unlock(mem);
}

/* On destroy of the memory: the frames go away with the mapping. */
void mem_bo_free_all(struct gpuvm_mem *mem)
{
	struct gpuvm_mem_bo *bo, *next;

	for (bo = mem->bos; bo; bo = next) {
		next = bo->next;
		free(bo->runs);
		free(bo);
	}
	mem->bos = NULL;
}

uint64_t gpuvm_mem_bo_size(const struct gpuvm_mem_bo *bo)
{
	return bo ? bo->size : 0;
}

unsigned int gpuvm_mem_bo_run_count(const struct gpuvm_mem_bo *bo)
{
	return bo ? bo->nruns : 0;
}

const struct gpuvm_mem_run *gpuvm_mem_bo_runs(const struct gpuvm_mem_bo *bo)
{
	return bo ? bo->runs : NULL;
}

/* Index of the run holding offset (< size): the last run starting <= it. */
static unsigned int run_index(const struct gpuvm_mem_bo *bo, uint64_t offset)
{
	unsigned int lo = 0, hi = bo->nruns, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (bo->runs[mid].offset <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Out of range offsets (or no BO) give UINT64_MAX and no contiguous bytes. */
uint64_t gpuvm_mem_bo_pa(const struct gpuvm_mem_bo *bo, uint64_t offset,
			 uint64_t *contig)
{
	const struct gpuvm_mem_run *r;

	if (!bo || offset >= bo->size) {
		if (contig)
			*contig = 0;
		return UINT64_MAX;
	}
	r = &bo->runs[run_index(bo, offset)];
	if (contig)
		*contig = r->offset + r->size - offset;
	return r->pa + (offset - r->offset);
}

/* Copies between buf and the BO, run by run. */
static int bo_copy(const struct gpuvm_mem_bo *bo, uint64_t offset, void *buf,
		   uint64_t len, bool to_bo)
{
	const struct gpuvm_mem_run *r;
	uint8_t *p = buf;
	uint64_t in, n;
	unsigned int i;

	if (offset > bo->size || len > bo->size - offset)
		return -EINVAL;
	if (!len)
		return 0;
	for (i = run_index(bo, offset); len; i++) {
		r = &bo->runs[i];
		in = offset - r->offset;
		n = r->size - in < len ? r->size - in : len;
		if (to_bo)
			mem_copy_in(bo->mem, r->pa + in, p, n);
		else
			mem_copy_out(bo->mem, r->pa + in, p, n);
		p += n;
		offset += n;
		len -= n;
	}
	return 0;
}

uint64_t gpuvm_mem_bo_next_written(const struct gpuvm_mem_bo *bo,
				   uint64_t offset)
{
	const struct gpuvm_mem_run *r;
	uint64_t pa;
	unsigned int i;

	if (!bo || offset >= bo->size)
		return bo ? bo->size : 0;
	offset &= ~(FRAME_SIZE - 1);
	for (i = run_index(bo, offset); i < bo->nruns; i++) {
		r = &bo->runs[i];
		if (offset < r->offset)
			offset = r->offset;
		pa = gpuvm_mem_next_written(bo->mem, r->pa + (offset - r->offset),
					    r->pa + r->size);
		if (pa < r->pa + r->size)
			return r->offset + (pa - r->pa);
	}
	return bo->size;
}

int gpuvm_mem_bo_read(const struct gpuvm_mem_bo *bo, uint64_t offset,
		      void *buf, uint64_t len)
{
	if (!bo || !buf)
		return -EINVAL;
	return bo_copy(bo, offset, buf, len, false);
}

int gpuvm_mem_bo_write(struct gpuvm_mem_bo *bo, uint64_t offset,
		       const void *buf, uint64_t len)
{
	if (!bo || !buf)
		return -EINVAL;
	/* bo_copy only writes through buf when to_bo is false. */
	return bo_copy(bo, offset, (void *)(uintptr_t)buf, len, true);
}

/* ------------------------------------------------------------------ */
/* Debug                                                               */

/*
 * How a report names a BO: its place in the BO list (0 is the newest)
 * and, when its run array can be trusted, the physical address its
 * memory starts at. Never the struct's host address.
 */
static void bo_name(const struct gpuvm_mem_bo *bo, uint64_t index,
		    char *buf, size_t n)
{
	if (bo->nruns && bo->nruns <= bo->cap)
		snprintf(buf, n, "BO %" PRIu64 " (at pa 0x%" PRIx64 ")", index,
			 bo->runs[0].pa);
	else
		snprintf(buf, n, "BO %" PRIu64, index);
}

static int check_bo(const struct gpuvm_mem *mem,
		    const struct gpuvm_mem_bo *bo, uint64_t index, FILE *err)
{
	const struct gpuvm_mem_run *r;
	uint64_t offset = 0;
	unsigned int i;
	char name[64];
	int ret = 0;

	bo_name(bo, index, name, sizeof(name));
	if (!bo->nruns || bo->nruns > bo->cap)
		return mem_report(err, "%s: %u runs, room for %u", name,
				  bo->nruns, bo->cap);
	for (i = 0; i < bo->nruns; i++) {
		r = &bo->runs[i];
		if (r->offset != offset || !r->size ||
		    (r->pa | r->size) & (FRAME_SIZE - 1) ||
		    r->pa > mem->size || r->size > mem->size - r->pa)
			return mem_report(err, "%s run %u bad: offset %#"
					  PRIx64 " pa %#" PRIx64 " size %#"
					  PRIx64, name, i, r->offset, r->pa,
					  r->size);
		if (mem_frames_overlap_free(mem, pa_frame(r->pa),
					    r->size >> MEM_FRAME_SHIFT))
			ret = mem_report(err, "%s run %u overlaps free memory",
					 name, i);
		offset += r->size;
	}
	if (offset != bo->size)
		ret = mem_report(err, "%s: runs cover %#" PRIx64 " of %#"
				 PRIx64, name, offset, bo->size);
	return ret;
}

int mem_bo_validate(const struct gpuvm_mem *mem, FILE *err)
{
	const struct gpuvm_mem_bo *bo, *prev = NULL;
	uint64_t frames = 0, index = 0;
	int ret = 0;

	for (bo = mem->bos; bo; prev = bo, bo = bo->next, index++) {
		if (bo->prev != prev || bo->mem != mem)
			return mem_report(err, "BO list broken at BO %" PRIu64,
					  index);
		if (check_bo(mem, bo, index, err))
			ret = -EUCLEAN;
		frames += bo->size >> MEM_FRAME_SHIFT;
	}
	if (frames > mem->by_purpose[GPUVM_MEM_BO])
		ret = mem_report(err, "BOs hold %" PRIu64 " frames, BO "
				 "accounting says %" PRIu64, frames,
				 mem->by_purpose[GPUVM_MEM_BO]);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Locked entry points: one mutex per memory (see mem.h).              */

int gpuvm_mem_bo_create(struct gpuvm_mem *mem, uint64_t size,
			unsigned int chunks, struct gpuvm_mem_bo **out)
{
	int ret;

	if (!mem || !out)
		return -EINVAL;
	if (mem->no_alloc)
		return -EOPNOTSUPP;
	mem_lock(mem);
	ret = gpuvm_mem_bo_create_unlocked(mem, size, chunks, out);
	mem_unlock(mem);
	return ret;
}
