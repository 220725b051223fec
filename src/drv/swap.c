// SPDX-License-Identifier: MIT
/*
 * DOC: simulated swap
 *
 * An evicted BO's contents live in host memory outside the simulated RAM,
 * one 4 KiB page at a time, and only the pages that hold anything: an
 * all-zero page is stored as nothing and reads back as zeros. A freshly
 * created 4 GiB BO therefore swaps out into an array of 2^20 null
 * pointers (8 MiB), not 4 GiB of copied zeros, which is what a real
 * swap-backed shmem object would cost too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drv/drv_internal.h"

#define PAGE GPUVM_SZ_4K

struct drv_swap {
	uint64_t npages;
	uint8_t *page[];   /* NULL: all zero */
};

void drv_swap_free(struct drv_swap *sw)
{
	uint64_t i;

	if (!sw)
		return;
	for (i = 0; i < sw->npages; i++)
		free(sw->page[i]);
	free(sw);
}

static bool all_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE];

	return !memcmp(p, zero, PAGE);
}

int drv_swap_out(const struct gpuvm_mem_bo *mem, uint64_t size,
		 struct drv_swap **out)
{
	uint64_t n = size / PAGE, i;
	struct drv_swap *sw;
	uint8_t buf[PAGE];

	if (n > (SIZE_MAX - sizeof(*sw)) / sizeof(sw->page[0]))
		return -ENOMEM;
	sw = calloc(1, sizeof(*sw) + n * sizeof(sw->page[0]));
	if (!sw)
		return -ENOMEM;
	sw->npages = n;
	for (i = 0; i < n; i++) {
		gpuvm_mem_bo_read(mem, i * PAGE, buf, PAGE);
		if (all_zero(buf))
			continue;
		sw->page[i] = malloc(PAGE);
		if (!sw->page[i]) {
			drv_swap_free(sw);
			return -ENOMEM;
		}
		memcpy(sw->page[i], buf, PAGE);
	}
	*out = sw;
	return 0;
}

/* Into a fresh (zero-filled) BO: only the stored pages need writing. */
void drv_swap_in(const struct drv_swap *sw, struct gpuvm_mem_bo *mem)
{
	uint64_t i;

	for (i = 0; i < sw->npages; i++)
		if (sw->page[i])
			gpuvm_mem_bo_write(mem, i * PAGE, sw->page[i], PAGE);
}

void drv_swap_read(const struct drv_swap *sw, uint64_t offset, void *buf,
		   uint64_t len)
{
	uint8_t *dst = buf;
	uint64_t n;

	for (; len; len -= n, offset += n, dst += n) {
		const uint8_t *p = sw->page[offset / PAGE];

		n = PAGE - offset % PAGE;
		n = n < len ? n : len;
		if (p)
			memcpy(dst, p + offset % PAGE, n);
		else
			memset(dst, 0, n);
	}
}

/* Pages written for the first time are allocated first, all of them,
 * so a failure writes nothing. */
int drv_swap_write(struct drv_swap *sw, uint64_t offset, const void *buf,
		   uint64_t len)
{
	uint64_t first = offset / PAGE, last, i, n;
	const uint8_t *src = buf;

	if (!len)
		return 0;
	last = (offset + len - 1) / PAGE;
	for (i = first; i <= last; i++) {
		if (sw->page[i])
			continue;
		sw->page[i] = calloc(1, PAGE);
		if (!sw->page[i])
			return -ENOMEM;
	}
	for (; len; len -= n, offset += n, src += n) {
		n = PAGE - offset % PAGE;
		n = n < len ? n : len;
		memcpy(sw->page[offset / PAGE] + offset % PAGE, src, n);
	}
	return 0;
}
