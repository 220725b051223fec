// SPDX-License-Identifier: MIT
/*
 * DOC: simulated physical memory and its frame allocator
 *
 * Physical address pa lives at host address base + pa, in one
 * MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE mapping of the whole size.
 * The kernel backs a page only when it is first written, so a 64 GiB
 * device costs host memory for the frames in use, not for its size.
 * A shared memory (cfg.shared) is a memfd of the same size mapped
 * MAP_SHARED | MAP_NORESERVE instead: just as lazy (tmpfs backs a page on
 * first touch), and other mappings of the file see the same bytes.
 * Transparent huge pages are turned off on the mapping (MADV_NOHUGEPAGE):
 * with them a 4 KiB page-table page could pin 2 MiB of host memory, and
 * giving one freed frame back would split a huge page.
 *
 * DOC: buddy allocator
 *
 * Free memory is a set of naturally aligned power-of-two blocks, order 0
 * (4 KiB) to 18 (1 GiB), one doubly linked free list per order. The links
 * are not kept in the free memory itself (that would make free memory
 * non-zero and touch it) but in a per-frame array, next to a state byte
 * saying whether the frame heads a free block and of which order; see
 * mem_internal.h. The array sits in a NORESERVE mapping too, so only the
 * entries of block heads that were ever used cost host memory: one host
 * page per 1 GiB block when seeding (256 KiB for 64 GiB, 4 MiB for the
 * 1 TiB maximum). Allocator state proper is a few hundred bytes.
 *
 * Allocating order o takes the first block of the smallest non-empty list
 * >= o (a bitmask of non-empty lists makes that one instruction), keeps
 * its lower half and pushes the upper halves back down to order o. Freeing
 * merges with the buddy while the buddy is a free block of the same order
 * (one state-byte lookup per level). Both are O(log(1 GiB / 4 KiB)) = O(18)
 * worst case, O(1) typically.
 *
 * The lists are LIFO, and the seed blocks are pushed highest address
 * first, so on a fresh memory every list hands out its lowest block and a
 * split's lowest upper half is at the head of its list. That is what makes
 * successive allocations land next to each other, which bo.c turns into
 * contiguous runs. A size that is not a multiple of 1 GiB is seeded with
 * the largest aligned blocks that fit: 3 GiB + 12 KiB is three 1 GiB
 * blocks, an 8 KiB block and a 4 KiB block.
 *
 * DOC: zeroing
 *
 * Free memory is always zero: the mapping starts zero, and blocks are
 * zeroed when freed (mem_zero_frames in access.c), so whatever the next
 * owner gets reads as zero and nothing of the previous owner leaks. Only
 * frames the written map says were written are cleared; large ranges go
 * back to the host with madvise(MADV_DONTNEED). Freeing memory that was
 * never written touches none of it.
 *
 * DOC: fault injection
 *
 * gpuvm_mem_fail_nth_alloc() arms a countdown that every allocation in
 * this module decrements: each block taken from the free lists (one per
 * gpuvm_mem_alloc, one per block a BO is carved from) and each host
 * allocation a BO needs. The allocation that brings it to zero fails with
 * -ENOMEM and disarms it.
 *
 * DOC: locking
 *
 * None. The allocator and BO code rely on the caller's serialisation, as
 * the header says; physical reads and writes only use base and size,
 * which never change after create, and zeroing on free touches only the
 * freed block, which nobody else may be accessing.
 *
 * DOC: counters
 *
 * allocs and alloc_failures count calls of gpuvm_mem_alloc and
 * gpuvm_mem_bo_create that succeeded or returned -ENOMEM. A gpuvm_mem_free
 * that matches no allocated block (double free, wrong size or purpose)
 * changes nothing and is counted; gpuvm_mem_validate reports it.
 */
#define _GNU_SOURCE /* memfd_create */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem/mem_internal.h"

#define FRAME_SIZE ((uint64_t)1 << MEM_FRAME_SHIFT)

static uint64_t frame_pa(uint32_t f)
{
	return (uint64_t)f << MEM_FRAME_SHIFT;
}

static bool is_free_head(uint8_t st)
{
	return (st & ~ST_ORDER_MASK) == ST_FREE;
}

static unsigned int ceil_log2(uint64_t x)
{
	return x <= 1 ? 0 : mem_ilog2(x - 1) + 1;
}

/* A block size gpuvm_mem_alloc accepts: a power of two, 4 KiB .. 1 GiB. */
static bool valid_block_size(uint64_t size)
{
	return size >= FRAME_SIZE && size <= GPUVM_SZ_1G &&
	       !(size & (size - 1));
}

int mem_report(FILE *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		fputs("gpuvm_mem: ", err);
		va_start(ap, fmt);
		vfprintf(err, fmt, ap);
		va_end(ap);
		fputc('\n', err);
	}
	return -EUCLEAN;
}

/* ------------------------------------------------------------------ */
/* Free lists                                                          */

static void list_add(struct gpuvm_mem *mem, uint32_t f, unsigned int o)
{
	uint32_t h = mem->free_head[o];

	mem->frame[f].prev = MEM_NONE;
	mem->frame[f].next = h;
	if (h != MEM_NONE)
		mem->frame[h].prev = f;
	mem->free_head[o] = f;
	mem->frame[f].state = ST_FREE | o;
	mem->free_blocks[o]++;
	mem->nonempty |= 1u << o;
	mem->frames_free += 1u << o;
}

static void list_del(struct gpuvm_mem *mem, uint32_t f, unsigned int o)
{
	uint32_t n = mem->frame[f].next, p = mem->frame[f].prev;

	if (p != MEM_NONE)
		mem->frame[p].next = n;
	else
		mem->free_head[o] = n;
	if (n != MEM_NONE)
		mem->frame[n].prev = p;
	mem->frame[f].state = 0;
	if (!--mem->free_blocks[o])
		mem->nonempty &= ~(1u << o);
	mem->frames_free -= 1u << o;
}

/* Returns block (f, o) to the lists, merging with free buddies. */
static void free_block(struct gpuvm_mem *mem, uint32_t f, unsigned int o)
{
	mem->frame[f].state = 0;
	while (o < MEM_MAX_ORDER) {
		uint32_t b = f ^ (1u << o);

		if (b >= mem->nframes || mem->frame[b].state != (ST_FREE | o))
			break;
		list_del(mem, b, o);
		f &= ~(1u << o);
		o++;
	}
	list_add(mem, f, o);
}

/* Head of the smallest free block of order >= o, or MEM_NONE. */
static uint32_t pick_at_least(const struct gpuvm_mem *mem, unsigned int o)
{
	uint32_t mask = mem->nonempty >> o << o;

	return mask ? mem->free_head[__builtin_ctz(mask)] : MEM_NONE;
}

/* Head of the free block that ends at frame e, or MEM_NONE. */
static uint32_t free_block_before(const struct gpuvm_mem *mem, uint32_t e)
{
	unsigned int o, top;

	if (!e)
		return MEM_NONE;
	top = mem_min((unsigned int)__builtin_ctz(e), MEM_MAX_ORDER);
	for (o = 0; o <= top; o++)
		if (mem->frame[e - (1u << o)].state == (ST_FREE | o))
			return e - (1u << o);
	return MEM_NONE;
}

/* Walks free blocks right from e until n frames from s are covered. */
static uint32_t free_end(const struct gpuvm_mem *mem, uint32_t s, uint32_t e,
			 uint64_t n)
{
	while (e - s < n && e < mem->nframes &&
	       is_free_head(mem->frame[e].state))
		e += 1u << (mem->frame[e].state & ST_ORDER_MASK);
	return e;
}

/*
 * Where to start a run for want frames: the smallest block that holds
 * them all (or a 1 GiB block), else the largest block there is. Blocks
 * are naturally aligned, so a run of 2 MiB or more starts 2 MiB-aligned
 * whenever memory has such a block.
 *
 * The largest block may have free blocks just below it (a split leaves
 * them in ascending sizes). Starting at the lowest of those lets the run
 * grow through the largest block instead of beginning a new run after
 * it; only blocks of 2 MiB and more qualify for a run that big, so its
 * start stays 2 MiB-aligned.
 */
uint32_t mem_pick(const struct gpuvm_mem *mem, uint64_t want)
{
	unsigned int c = mem_min(ceil_log2(want), MEM_MAX_ORDER);
	unsigned int min_order = want >= GPUVM_SZ_2M / FRAME_SIZE ? 9 : 0;
	uint32_t f = pick_at_least(mem, c), e, p;

	if (f != MEM_NONE || !mem->nonempty)
		return f;
	f = mem->free_head[mem_ilog2(mem->nonempty)];
	e = free_end(mem, f, f, want);
	while (e - f < want && (p = free_block_before(mem, f)) != MEM_NONE &&
	       (mem->frame[p].state & ST_ORDER_MASK) >= min_order)
		f = p;
	return f;
}

/*
 * Start of n free frames around free block f, or MEM_NONE. Prefers f
 * itself as the start (it is the best aligned), extending left, if
 * allowed, only when the blocks right of it are not enough.
 */
static uint32_t span_around(const struct gpuvm_mem *mem, uint32_t f,
			    uint64_t n, bool anchored)
{
	uint32_t s = f, e = free_end(mem, f, f, n), p;

	while (!anchored && e - s < n &&
	       (p = free_block_before(mem, s)) != MEM_NONE)
		s = p;
	return e - s >= n ? s : MEM_NONE;
}

/*
 * First frame of n physically contiguous free frames, or MEM_NONE.
 *
 * Fast path: one block big enough, O(1). Otherwise the frames must span
 * several free blocks. Any free range of n frames contains a naturally
 * aligned block of order m = log2(n + 1) - 1, and with full coalescing
 * that block lies in one free block of order >= m; so trying the blocks
 * of orders >= m as anchors finds a range if there is one. That costs
 * O(free blocks of those orders * log n), acceptable for what uses it:
 * deliberately fragmented test BOs, and ranges over 1 GiB (m >= 17, so
 * only the 512 MiB and 1 GiB lists are walked).
 *
 * anchored: the range must start at an anchor, so at least 2^m-aligned;
 * then a range is found only if one starts at such a block.
 */
uint32_t mem_find_span(const struct gpuvm_mem *mem, uint64_t n,
		       bool anchored)
{
	unsigned int c = ceil_log2(n), m, o;
	uint32_t f, s;

	if (c <= MEM_MAX_ORDER) {
		f = pick_at_least(mem, c);
		if (f != MEM_NONE)
			return f;
	}
	if (n > mem->frames_free)
		return MEM_NONE;
	m = mem_min(mem_ilog2(n + 1) - 1, MEM_MAX_ORDER);
	for (o = MEM_MAX_ORDER + 1; o-- > m;) {
		f = mem->free_head[o];
		for (; f != MEM_NONE; f = mem->frame[f].next) {
			s = span_around(mem, f, n, anchored);
			if (s != MEM_NONE)
				return s;
		}
	}
	return MEM_NONE;
}

/* ------------------------------------------------------------------ */
/* Taking and returning frames                                         */

bool mem_fail_now(struct gpuvm_mem *mem)
{
	return mem->fail_nth && !--mem->fail_nth;
}

void *mem_realloc(struct gpuvm_mem *mem, void *p, size_t size)
{
	return mem_fail_now(mem) ? NULL : realloc(p, size);
}

/*
 * If frame f heads a free block, takes the largest power of two <= want
 * frames from its start (the rest goes back to the lists, upper halves
 * first so the next frame is a free head again) and stores the count in
 * *got. *got = 0 if f is not a free head. The head gets mark | order,
 * or 0 for BO backing, which is freed by range instead.
 */
int mem_carve(struct gpuvm_mem *mem, uint32_t f, uint64_t want,
	      enum gpuvm_mem_purpose purpose, uint8_t mark, uint64_t *got)
{
	unsigned int o, t;

	*got = 0;
	if (f >= mem->nframes || !is_free_head(mem->frame[f].state))
		return 0;
	if (mem_fail_now(mem))
		return -ENOMEM;
	o = mem->frame[f].state & ST_ORDER_MASK;
	list_del(mem, f, o);
	t = mem_min(o, mem_ilog2(want));
	while (o > t) {
		o--;
		list_add(mem, f + (1u << o), o);
	}
	mem->frame[f].state = mark ? mark | t : 0;
	if (__builtin_expect(mem->caller_owned, 0))
		mem_zero_taken(mem, f, 1u << t);
	mem->frames_used += 1u << t;
	mem->by_purpose[purpose] += 1u << t;
	*got = 1u << t;
	return 0;
}

/* Frees [f, f + n), any range, as the aligned blocks it splits into. */
void mem_free_frames(struct gpuvm_mem *mem, uint32_t f, uint64_t n,
		     enum gpuvm_mem_purpose purpose)
{
	unsigned int o;

	mem_zero_frames(mem, f, n);
	mem->frames_used -= n;
	mem->by_purpose[purpose] -= n;
	while (n) {
		o = mem_order_at(f, n);
		free_block(mem, f, o);
		f += 1u << o;
		n -= 1u << o;
	}
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */

static void *map_lazy(size_t len, int fd)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       (fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED) |
		       MAP_NORESERVE, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_NOHUGEPAGE
	/* Best effort: without it the memory still works, just less lazily. */
	madvise(p, len, MADV_NOHUGEPAGE);
#endif
	return p;
}

/* The memfd of a shared memory, sized; -1 if it cannot be had. */
static int ram_file(uint64_t size)
{
	int fd = memfd_create("gpuvm-ram", MFD_CLOEXEC);

	if (fd >= 0 && ftruncate(fd, (off_t)size)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Seeds the lists with [0, nframes) as the largest aligned blocks: the
 * 1 GiB blocks, then the binary digits of the remainder. Pushed highest
 * first so that every list hands out its lowest block first.
 */
static void seed(struct gpuvm_mem *mem)
{
	uint32_t e = mem->nframes, f;
	unsigned int o;

	for (o = 0; o < MEM_MAX_ORDER; o++) {
		if (mem->nframes & (1u << o)) {
			e -= 1u << o;
			list_add(mem, e, o);
		}
	}
	for (f = e; f; ) {
		f -= 1u << MEM_MAX_ORDER;
		list_add(mem, f, MEM_MAX_ORDER);
	}
}

/*
 * Every memory's first allocations split the block its lists hand out
 * first, and a split writes the free-list entry of each half it pushes
 * back: frames f + 1, f + 2, f + 4, ... up to half the block, a dozen
 * host pages of metadata apart, each a page fault the first time. They
 * are the same pages for every memory, touched by every first bind, so
 * they are touched here, at creation, as is the written map's first
 * page: about 50 KiB, what any device's first allocation costs anyway.
 */
static void prefault_first_split(struct gpuvm_mem *mem)
{
	uint32_t f = mem->free_head[mem_ilog2(mem->nonempty)];
	unsigned int o = mem->frame[f].state & ST_ORDER_MASK, k;

	for (k = 0; k < o; k++)
		__atomic_store_n(&mem->frame[f + (1u << k)].state, 0,
				 __ATOMIC_RELAXED);
	if (!mem->caller_owned) /* whose map is fixed (access.c) */
		__atomic_store_n(&mem->written[f / 64], 0, __ATOMIC_RELAXED);
}

static size_t host_page_size(void)
{
	long hp = sysconf(_SC_PAGESIZE);

	if (hp < (long)FRAME_SIZE || (hp & (hp - 1)))
		return FRAME_SIZE;
	return (size_t)hp;
}

/* One source of memory at most; a backend with every required call. */
static bool valid_source(const struct gpuvm_mem_cfg *cfg)
{
	const struct gpuvm_mem_backend *b = cfg->backend;

	if (cfg->shared + !!cfg->buffer + !!b > 1)
		return false;
	if (cfg->buffer && ((uintptr_t)cfg->buffer & 7))
		return false;
	return !b || (b->read64 && b->write64 && b->read && b->write);
}

/*
 * Where the bytes live: the built-in lazily backed RAM (shared or not),
 * or the caller's buffer or backend, whose written map is fixed here
 * (see access.c): all ones for a buffer, all zeros for a backend.
 */
static bool set_source(struct gpuvm_mem *mem, const struct gpuvm_mem_cfg *cfg)
{
	if (cfg->buffer || cfg->backend) {
		mem->caller_owned = true;
		mem->frames_written = mem->nframes;
		if (cfg->buffer) {
			mem->base = cfg->buffer;
			memset(mem->written, 0xff,
			       (size_t)(mem->nframes + 63) / 64 * 8);
		} else {
			mem->be_store = *cfg->backend;
			mem->be = &mem->be_store;
			mem->be_cookie = cfg->cookie;
			mem->host_size = 0;
		}
		return true;
	}
	if (cfg->shared)
		mem->fd = ram_file(mem->size);
	if (!cfg->shared || mem->fd >= 0)
		mem->base = map_lazy(mem->size, mem->fd);
	return mem->base;
}

int gpuvm_mem_create(const struct gpuvm_mem_cfg *cfg, struct gpuvm_mem **out)
{
	struct gpuvm_mem *mem;
	unsigned int o;

	if (!cfg || !out || !cfg->size || cfg->size & (FRAME_SIZE - 1) ||
	    cfg->size > MEM_MAX_SIZE || !valid_source(cfg))
		return -EINVAL;
	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	pthread_mutex_init(&mem->lock, NULL);
	mem->fd = -1;
	mem->size = cfg->size;
	mem->host_size = cfg->size;
	mem->nframes = (uint32_t)(cfg->size >> MEM_FRAME_SHIFT);
	mem->no_alloc = cfg->no_allocator;
	mem->host_page = host_page_size();
	mem->meta_len = ((size_t)mem->nframes * sizeof(*mem->frame) +
			 mem->host_page - 1) & ~(mem->host_page - 1);
	mem->written_len = ((size_t)(mem->nframes + 63) / 64 * 8 +
			    mem->host_page - 1) & ~(mem->host_page - 1);
	mem->written = map_lazy(mem->written_len, -1);
	if (!mem->no_alloc)
		mem->frame = map_lazy(mem->meta_len, -1);
	if (!mem->written || (!mem->no_alloc && !mem->frame) ||
	    !set_source(mem, cfg)) {
		gpuvm_mem_destroy(mem);
		return -ENOMEM;
	}
	for (o = 0; o < MEM_ORDERS; o++)
		mem->free_head[o] = MEM_NONE;
	if (!mem->no_alloc) {
		seed(mem);
		prefault_first_split(mem);
	}
	*out = mem;
	return 0;
}

void gpuvm_mem_destroy(struct gpuvm_mem *mem)
{
	if (!mem)
		return;
	mem_bo_free_all(mem);
	if (mem->frame)
		munmap(mem->frame, mem->meta_len);
	if (mem->written)
		munmap(mem->written, mem->written_len);
	if (mem->base && !mem->caller_owned)
		munmap(mem->base, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	pthread_mutex_destroy(&mem->lock);
	free(mem);
}

static void gpuvm_mem_stats_unlocked(const struct gpuvm_mem *mem, struct gpuvm_mem_stats *st)
{
	unsigned int p;

	st->size = mem->size;
	st->frames_total = mem->nframes;
	st->frames_used = mem->frames_used;
	for (p = 0; p < GPUVM_MEM_PURPOSES; p++)
		st->frames_by_purpose[p] = mem->by_purpose[p];
	st->frames_written = __atomic_load_n(&mem->frames_written,
					     __ATOMIC_RELAXED);
	st->allocs = mem->allocs;
	st->alloc_failures = mem->alloc_failures;
}

static int gpuvm_mem_alloc_unlocked(struct gpuvm_mem *mem, uint64_t size,
		    enum gpuvm_mem_purpose purpose, uint64_t *pa)
{
	unsigned int o;
	uint64_t got;
	uint32_t f;
	int ret;

	if (!valid_block_size(size) ||
	    (unsigned int)purpose >= GPUVM_MEM_PURPOSES || !pa)
		return -EINVAL;
	o = mem_ilog2(size) - MEM_FRAME_SHIFT;
	f = pick_at_least(mem, o);
	ret = f == MEM_NONE ? -ENOMEM :
	      mem_carve(mem, f, 1u << o, purpose, ST_ALLOC(purpose), &got);
	if (ret) {
		mem->alloc_failures++;
		return ret;
	}
	mem->allocs++;
	*pa = frame_pa(f);
	return 0;
}

static void gpuvm_mem_free_unlocked(struct gpuvm_mem *mem, uint64_t pa, uint64_t size,
		    enum gpuvm_mem_purpose purpose)
{
	uint32_t f = (uint32_t)(pa >> MEM_FRAME_SHIFT);
	unsigned int o;

	if (mem->no_alloc)
		return;
	if (!valid_block_size(size) ||
	    (unsigned int)purpose >= GPUVM_MEM_PURPOSES ||
	    pa & (size - 1) || pa >= mem->size) {
		mem->bad_frees++;
		return;
	}
	o = mem_ilog2(size) - MEM_FRAME_SHIFT;
	if (mem->frame[f].state != (ST_ALLOC(purpose) | o)) {
		mem->bad_frees++;
		return;
	}
	mem_free_frames(mem, f, 1u << o, purpose);
}

static void gpuvm_mem_fail_nth_alloc_unlocked(struct gpuvm_mem *mem, uint64_t nth)
{
	mem->fail_nth = nth;
}

/* ------------------------------------------------------------------ */
/* Debug                                                               */

/* Free block (f, o) lies inside another free block, or next to its buddy. */
static int check_block_alone(const struct gpuvm_mem *mem, uint32_t f,
			     unsigned int o, FILE *err)
{
	uint32_t a, b = f ^ (1u << o);
	unsigned int k;
	int ret = 0;

	for (k = o + 1; k <= MEM_MAX_ORDER; k++) {
		a = f & ~((1u << k) - 1);
		if (mem->frame[a].state == (ST_FREE | k))
			ret = mem_report(err, "free block %#" PRIx64
					 " order %u inside free block %#" PRIx64
					 " order %u", frame_pa(f), o,
					 frame_pa(a), k);
	}
	if (o < MEM_MAX_ORDER && b < mem->nframes &&
	    mem->frame[b].state == (ST_FREE | o))
		ret = mem_report(err, "free buddies %#" PRIx64 " and %#" PRIx64
				 " order %u not merged", frame_pa(f),
				 frame_pa(b), o);
	return ret;
}

static int check_list(const struct gpuvm_mem *mem, unsigned int o,
		      uint64_t *frames, FILE *err)
{
	uint32_t f, prev = MEM_NONE, sz = 1u << o;
	uint64_t count = 0;
	int ret = 0;

	for (f = mem->free_head[o]; f != MEM_NONE;
	     prev = f, f = mem->frame[f].next) {
		if (++count > mem->free_blocks[o] || f >= mem->nframes ||
		    f & (sz - 1) || (uint64_t)f + sz > mem->nframes)
			return mem_report(err, "free list %u broken at frame %#"
					  PRIx32 " (entry %" PRIu64 ")", o, f,
					  count);
		if (mem->frame[f].state != (ST_FREE | o))
			ret = mem_report(err, "free block %#" PRIx64
					 " order %u has state %#x",
					 frame_pa(f), o, mem->frame[f].state);
		if (mem->frame[f].prev != prev)
			ret = mem_report(err, "free block %#" PRIx64
					 " has a bad prev link", frame_pa(f));
		if (check_block_alone(mem, f, o, err))
			ret = -EUCLEAN;
		*frames += sz;
	}
	if (count != mem->free_blocks[o])
		ret = mem_report(err, "free list %u: %" PRIu64 " blocks, "
				 "count says %" PRIu64, o, count,
				 mem->free_blocks[o]);
	if (!(mem->nonempty & (1u << o)) != !count)
		ret = mem_report(err, "free list %u: non-empty bit wrong", o);
	return ret;
}

static int check_accounting(const struct gpuvm_mem *mem, uint64_t free_frames,
			    FILE *err)
{
	uint64_t sum = 0;
	unsigned int p;
	int ret = 0;

	for (p = 0; p < GPUVM_MEM_PURPOSES; p++)
		sum += mem->by_purpose[p];
	if (sum != mem->frames_used)
		ret = mem_report(err, "per-purpose frames %" PRIu64
				 " != used %" PRIu64, sum, mem->frames_used);
	if (free_frames != mem->frames_free)
		ret = mem_report(err, "free lists hold %" PRIu64
				 " frames, count says %" PRIu64, free_frames,
				 mem->frames_free);
	if (free_frames + mem->frames_used != mem->nframes)
		ret = mem_report(err, "free %" PRIu64 " + used %" PRIu64
				 " != total %" PRIu32, free_frames,
				 mem->frames_used, mem->nframes);
	if (mem->bad_frees)
		ret = mem_report(err, "%" PRIu64 " frees matched no allocated "
				 "block", mem->bad_frees);
	return ret;
}

/* Some free block overlaps [f, f + n)? Checks heads and enclosing blocks. */
bool mem_frames_overlap_free(const struct gpuvm_mem *mem, uint32_t f,
			     uint64_t n)
{
	unsigned int o, k;
	uint32_t a;

	for (; n; f += 1u << o, n -= 1u << o) {
		o = mem_order_at(f, n);
		if (is_free_head(mem->frame[f].state))
			return true;
		for (k = o + 1; k <= MEM_MAX_ORDER; k++) {
			a = f & ~((1u << k) - 1);
			if (mem->frame[a].state == (ST_FREE | k))
				return true;
		}
	}
	return false;
}

static int gpuvm_mem_validate_unlocked(const struct gpuvm_mem *mem, FILE *err)
{
	uint64_t free_frames = 0;
	unsigned int o;
	int ret = 0;

	if (mem->no_alloc) /* nothing allocated, nothing to check */
		return 0;
	for (o = 0; o < MEM_ORDERS; o++)
		if (check_list(mem, o, &free_frames, err))
			ret = -EUCLEAN;
	if (check_accounting(mem, free_frames, err))
		ret = -EUCLEAN;
	if (mem_bo_validate(mem, err))
		ret = -EUCLEAN;
	return ret;
}

static void gpuvm_mem_print_unlocked(const struct gpuvm_mem *mem, FILE *f)
{
	const struct gpuvm_mem_bo *bo;
	uint64_t nbo = 0, nruns = 0;
	unsigned int o;

	if (mem->no_alloc) {
		fprintf(f, "mem: %" PRIu64 " bytes, %" PRIu32
			" frames, no allocator\n", mem->size, mem->nframes);
		return;
	}
	for (bo = mem->bos; bo; bo = bo->next) {
		nbo++;
		nruns += bo->nruns;
	}
	fprintf(f, "mem: %" PRIu64 " bytes, %" PRIu32 " frames: %" PRIu64
		" used (pt %" PRIu64 ", bo %" PRIu64 "), %" PRIu64 " free\n",
		mem->size, mem->nframes, mem->frames_used,
		mem->by_purpose[GPUVM_MEM_PT], mem->by_purpose[GPUVM_MEM_BO],
		mem->frames_free);
	fprintf(f, "mem: %" PRIu64 " allocs, %" PRIu64 " failures, %" PRIu64
		" bad frees, %" PRIu64 " BOs in %" PRIu64 " runs\n",
		mem->allocs, mem->alloc_failures, mem->bad_frees, nbo, nruns);
	for (o = 0; o < MEM_ORDERS; o++) {
		if (!mem->free_blocks[o])
			continue;
		fprintf(f, "mem: free order %2u (%7" PRIu64 " KiB): %" PRIu64
			" blocks, first at %#" PRIx64 "\n", o,
			(FRAME_SIZE << o) >> 10, mem->free_blocks[o],
			frame_pa(mem->free_head[o]));
	}
}

/* ------------------------------------------------------------------ */
/* Locked entry points: one mutex per memory (see mem.h).              */

void gpuvm_mem_stats(const struct gpuvm_mem *mem, struct gpuvm_mem_stats *st)
{
	if (!st)
		return;
	if (!mem) {
		memset(st, 0, sizeof(*st));
		return;
	}
	mem_lock(mem);
	gpuvm_mem_stats_unlocked(mem, st);
	mem_unlock(mem);
}

int gpuvm_mem_alloc(struct gpuvm_mem *mem, uint64_t size,
		    enum gpuvm_mem_purpose purpose, uint64_t *pa)
{
	int ret;

	if (!mem || !pa)
		return -EINVAL;
	if (mem->no_alloc)
		return -EOPNOTSUPP;
	mem_lock(mem);
	ret = gpuvm_mem_alloc_unlocked(mem, size, purpose, pa);
	mem_unlock(mem);
	return ret;
}

void gpuvm_mem_free(struct gpuvm_mem *mem, uint64_t pa, uint64_t size,
		    enum gpuvm_mem_purpose purpose)
{
	if (!mem)
		return;
	mem_lock(mem);
	gpuvm_mem_free_unlocked(mem, pa, size, purpose);
	mem_unlock(mem);
}

void gpuvm_mem_fail_nth_alloc(struct gpuvm_mem *mem, uint64_t nth)
{
	if (!mem)
		return;
	mem_lock(mem);
	gpuvm_mem_fail_nth_alloc_unlocked(mem, nth);
	mem_unlock(mem);
}

int gpuvm_mem_validate(const struct gpuvm_mem *mem, FILE *err)
{
	int ret;

	if (!mem)
		return -EINVAL;
	mem_lock(mem);
	ret = gpuvm_mem_validate_unlocked(mem, err);
	mem_unlock(mem);
	return ret;
}

void gpuvm_mem_print(const struct gpuvm_mem *mem, FILE *f)
{
	if (!mem || !f)
		return;
	mem_lock(mem);
	gpuvm_mem_print_unlocked(mem, f);
	mem_unlock(mem);
}

int gpuvm_mem_alloc_frames(struct gpuvm_mem *mem, uint64_t n,
			   enum gpuvm_mem_purpose purpose, uint64_t *pas)
{
	uint64_t i;
	int ret = 0;

	if (!mem || !pas)
		return -EINVAL;
	if (mem->no_alloc)
		return -EOPNOTSUPP;
	mem_lock(mem);
	for (i = 0; i < n && !ret; i++)
		ret = gpuvm_mem_alloc_unlocked(mem, GPUVM_SZ_4K, purpose, &pas[i]);
	if (ret) {
		for (i--; i-- > 0;)
			gpuvm_mem_free_unlocked(mem, pas[i], GPUVM_SZ_4K, purpose);
	}
	mem_unlock(mem);
	return ret;
}
