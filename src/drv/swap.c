// SPDX-License-Identifier: MIT
/*
 * DOC: simulated swap
 *
 * An evicted BO's contents live in host memory outside the simulated RAM,
 * as a sorted array of the pages that hold anything: (page index, copy).
 * A page that is absent reads back as zeros.
 *
 * Swapping out asks the memory which pages of the BO were ever written
 * (gpuvm_mem_bo_next_written) and reads only those, keeping the ones that
 * are not all zero. A never-written 4 GiB BO therefore swaps out into an
 * empty array without reading a byte of it, and a BO with 1% of its pages
 * written costs those pages: what a swap-backed shmem object costs too.
 * Reading every page to look for data would make the host back all of it
 * on hosts without a shared zero page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drv/drv_internal.h"

#define PAGE GPUVM_SZ_4K

struct swap_page {
	uint64_t idx;
	uint8_t *data;
};

struct drv_swap {
	uint64_t npages;          /* of the BO */
	uint64_t n, cap;          /* stored pages, sorted by idx */
	struct swap_page *pg;
};

void drv_swap_free(struct drv_swap *sw)
{
	uint64_t i;

	if (!sw)
		return;
	for (i = 0; i < sw->n; i++)
		free(sw->pg[i].data);
	free(sw->pg);
	free(sw);
}

static bool all_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE];

	return !memcmp(p, zero, PAGE);
}

/* Room for n more entries. */
static int grow(struct drv_swap *sw, uint64_t more)
{
	uint64_t cap = sw->cap ? sw->cap : 16;
	struct swap_page *pg;

	if (sw->n + more <= sw->cap)
		return 0;
	while (cap < sw->n + more)
		cap *= 2;
	pg = realloc(sw->pg, cap * sizeof(*pg));
	if (!pg)
		return -ENOMEM;
	sw->pg = pg;
	sw->cap = cap;
	return 0;
}

/* Index of the first stored page with idx >= page. */
static uint64_t lower_bound(const struct drv_swap *sw, uint64_t page)
{
	uint64_t lo = 0, hi = sw->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sw->pg[mid].idx < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const uint8_t *find(const struct drv_swap *sw, uint64_t page)
{
	uint64_t i = lower_bound(sw, page);

	return i < sw->n && sw->pg[i].idx == page ? sw->pg[i].data : NULL;
}

/* Appends a copy of the BO page at off if it holds anything. */
static int keep_page(struct drv_swap *sw, const struct gpuvm_mem_bo *mem,
		     uint64_t off)
{
	uint8_t *p = malloc(PAGE);

	if (!p || grow(sw, 1)) {
		free(p);
		return -ENOMEM;
	}
	gpuvm_mem_bo_read(mem, off, p, PAGE);
	if (all_zero(p)) {
		free(p);
		return 0;
	}
	sw->pg[sw->n].idx = off / PAGE;
	sw->pg[sw->n++].data = p;
	return 0;
}

int drv_swap_out(const struct gpuvm_mem_bo *mem, uint64_t size,
		 struct drv_swap **out)
{
	struct drv_swap *sw = calloc(1, sizeof(*sw));
	uint64_t off;
	int ret = 0;

	if (!sw)
		return -ENOMEM;
	sw->npages = size / PAGE;
	for (off = gpuvm_mem_bo_next_written(mem, 0); !ret && off < size;
	     off = gpuvm_mem_bo_next_written(mem, off + PAGE))
		ret = keep_page(sw, mem, off);
	if (ret) {
		drv_swap_free(sw);
		return ret;
	}
	*out = sw;
	return 0;
}

/* Into a fresh (zero-filled) BO: only the stored pages need writing. */
void drv_swap_in(const struct drv_swap *sw, struct gpuvm_mem_bo *mem)
{
	uint64_t i;

	for (i = 0; i < sw->n; i++)
		gpuvm_mem_bo_write(mem, sw->pg[i].idx * PAGE, sw->pg[i].data,
				   PAGE);
}

void drv_swap_read(const struct drv_swap *sw, uint64_t offset, void *buf,
		   uint64_t len)
{
	uint8_t *dst = buf;
	uint64_t n;

	for (; len; len -= n, offset += n, dst += n) {
		const uint8_t *p = find(sw, offset / PAGE);

		n = PAGE - offset % PAGE;
		n = n < len ? n : len;
		if (p)
			memcpy(dst, p + offset % PAGE, n);
		else
			memset(dst, 0, n);
	}
}

/* Stores a zeroed page for every page of [first, last] not stored yet,
 * all or none. */
static int add_pages(struct drv_swap *sw, uint64_t first, uint64_t last)
{
	uint64_t page, missing = 0, i, added = 0;
	uint8_t **fresh;
	int ret = 0;

	for (page = first; page <= last; page++)
		missing += !find(sw, page);
	if (!missing)
		return 0;
	fresh = calloc(missing, sizeof(*fresh));
	if (!fresh || grow(sw, missing)) {
		free(fresh);
		return -ENOMEM;
	}
	for (i = 0; i < missing && !ret; i++)
		if (!(fresh[i] = calloc(1, PAGE)))
			ret = -ENOMEM;
	for (page = first; !ret && page <= last; page++) {
		i = lower_bound(sw, page);
		if (i < sw->n && sw->pg[i].idx == page)
			continue;
		memmove(&sw->pg[i + 1], &sw->pg[i], (sw->n - i) * sizeof(*sw->pg));
		sw->pg[i].idx = page;
		sw->pg[i].data = fresh[added++];
		sw->n++;
	}
	if (ret)
		for (i = 0; i < missing; i++)
			free(fresh[i]);
	free(fresh);
	return ret;
}

/* Pages written for the first time are allocated first, all of them,
 * so a failure writes nothing. */
int drv_swap_write(struct drv_swap *sw, uint64_t offset, const void *buf,
		   uint64_t len)
{
	const uint8_t *src = buf;
	uint64_t n;
	int ret;

	if (!len)
		return 0;
	ret = add_pages(sw, offset / PAGE, (offset + len - 1) / PAGE);
	if (ret)
		return ret;
	for (; len; len -= n, offset += n, src += n) {
		n = PAGE - offset % PAGE;
		n = n < len ? n : len;
		memcpy((uint8_t *)find(sw, offset / PAGE) + offset % PAGE, src, n);
	}
	return 0;
}
