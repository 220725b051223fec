/* SPDX-License-Identifier: MIT */
/*
 * DOC: mem internals shared by frames.c (allocator) and bo.c (BOs)
 *
 * Frames are numbered by pa >> 12; 1 TiB is 2^28 frames, so a frame number
 * fits in 32 bits and the per-frame metadata stays small: free-list links
 * and a state byte, 12 bytes per frame, in a MAP_NORESERVE mapping of its
 * own so that only the entries of touched frames cost host memory. Links
 * and state share an entry because free and alloc touch both.
 *
 * The state byte of a frame says what the frame heads, if anything:
 *
 *   0                 nothing: inside a block, or the head of BO backing
 *   ST_FREE | order   a free block of that order, on free list [order]
 *   ST_ALLOC(p) | o   a block from gpuvm_mem_alloc for purpose p (checked
 *                     on free)
 *
 * BO backing is carved from the free lists without a head mark: a BO run
 * is a range of frames, freed by splitting it into aligned blocks again,
 * and not necessarily along the blocks it was carved from.
 */
#ifndef GPUVM_MEM_INTERNAL_H
#define GPUVM_MEM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gpuvm/mem.h"

#define MEM_FRAME_SHIFT 12
#define MEM_MAX_ORDER 18 /* 4 KiB << 18 = 1 GiB */
#define MEM_ORDERS (MEM_MAX_ORDER + 1)
#define MEM_MAX_SIZE (1ull << 40)
#define MEM_NONE UINT32_MAX

#define ST_ORDER_MASK 0x1f
#define ST_FREE 0x20
#define ST_ALLOC(purpose) ((uint8_t)((2 + (purpose)) << 5))

/* Per-frame metadata; only meaningful for the head of a block. */
struct mem_frame {
	uint32_t next, prev; /* free-list neighbours, frame numbers */
	uint8_t state;       /* see above */
};

struct gpuvm_mem {
	/*
	 * Serialises the allocator, BO creation and destruction, and the
	 * accounting; not the physical reads and writes, which touch only
	 * their own bytes. Mutable through const pointers (stats, validate).
	 */
	pthread_mutex_t lock;
	uint8_t *base;          /* host reservation of size bytes */
	int fd;                 /* memfd behind base if shared, else -1 */
	/*
	 * Caller-owned memory (mem.h): base is the caller's buffer, or NULL
	 * with be set. Either way the written map is fixed at create and
	 * never changes: all ones for a buffer (reads copy from it, marking
	 * is a test of a set bit), all zeros for a backend (whose accesses
	 * leave the built-in paths where those already branch: access.c).
	 */
	bool caller_owned;
	bool no_alloc;          /* cfg.no_allocator: frame[] is NULL */
	const struct gpuvm_mem_backend *be;
	struct gpuvm_mem_backend be_store;
	void *be_cookie;
	uint64_t size;
	/*
	 * size, or 0 for a backend: gpuvm_mem_read/write's range test
	 * sends backend accesses to their slow path without a test of its
	 * own on the built-in RAM's path (access.c).
	 */
	uint64_t host_size;
	uint32_t nframes;
	size_t host_page;

	/* Per-frame metadata, one NORESERVE mapping of meta_len bytes. */
	struct mem_frame *frame;
	size_t meta_len;

	/* The written map (access.c): bit f set if frame f may be non-zero. */
	uint64_t *written;
	size_t written_len;
	uint64_t frames_written;

	uint32_t free_head[MEM_ORDERS];
	uint64_t free_blocks[MEM_ORDERS];
	uint32_t nonempty;      /* bit o set: free list o is not empty */
	uint64_t frames_free;

	uint64_t frames_used;
	uint64_t by_purpose[GPUVM_MEM_PURPOSES];
	uint64_t allocs;
	uint64_t alloc_failures;
	uint64_t fail_nth;      /* 0: disarmed */
	uint64_t bad_frees;     /* gpuvm_mem_free calls that matched no block */

	struct gpuvm_mem_bo *bos; /* live BOs, for destroy and validate */
};

struct gpuvm_mem_bo {
	struct gpuvm_mem *mem;
	struct gpuvm_mem_bo *prev, *next;
	uint64_t size;
	unsigned int nruns;
	unsigned int cap;
	struct gpuvm_mem_run *runs; /* sorted by offset, no gaps */
};

static inline unsigned int mem_ilog2(uint64_t x)
{
	return 63 - (unsigned int)__builtin_clzll(x);
}

static inline unsigned int mem_min(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/*
 * Order of the first block when [f, f + n) is split into naturally aligned
 * blocks, largest first: limited by f's alignment, by n and by 1 GiB.
 */
static inline unsigned int mem_order_at(uint32_t f, uint64_t n)
{
	unsigned int o = mem_min(mem_ilog2(n), MEM_MAX_ORDER);

	return f ? mem_min(o, (unsigned int)__builtin_ctz(f)) : o;
}

static inline void mem_lock(const struct gpuvm_mem *mem)
{
	pthread_mutex_lock((pthread_mutex_t *)&mem->lock);
}

static inline void mem_unlock(const struct gpuvm_mem *mem)
{
	pthread_mutex_unlock((pthread_mutex_t *)&mem->lock);
}

/* frames.c: allocation primitives for bo.c. */
int mem_report(FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool mem_fail_now(struct gpuvm_mem *mem);
void *mem_realloc(struct gpuvm_mem *mem, void *p, size_t size);
uint32_t mem_pick(const struct gpuvm_mem *mem, uint64_t want);
uint32_t mem_find_span(const struct gpuvm_mem *mem, uint64_t n,
		       bool anchored);
int mem_carve(struct gpuvm_mem *mem, uint32_t f, uint64_t want,
	      enum gpuvm_mem_purpose purpose, uint8_t mark, uint64_t *got);
void mem_free_frames(struct gpuvm_mem *mem, uint32_t f, uint64_t n,
		     enum gpuvm_mem_purpose purpose);
bool mem_frames_overlap_free(const struct gpuvm_mem *mem, uint32_t f,
			     uint64_t n);

/* access.c: the written map, zeroing, copies that honour the map. */
static inline bool mem_frame_written(const struct gpuvm_mem *mem, uint32_t f)
{
	return __atomic_load_n(&mem->written[f / 64], __ATOMIC_RELAXED) >>
	       (f % 64) & 1;
}
void mem_zero_frames(struct gpuvm_mem *mem, uint32_t f, uint64_t n);
void mem_zero_taken(struct gpuvm_mem *mem, uint32_t f, uint64_t n);
void mem_copy_out(const struct gpuvm_mem *mem, uint64_t pa, void *buf,
		  uint64_t len);
void mem_copy_in(struct gpuvm_mem *mem, uint64_t pa, const void *buf,
		 uint64_t len);

/* bo.c: hooks for destroy and validate. */
void mem_bo_free_all(struct gpuvm_mem *mem);
int mem_bo_validate(const struct gpuvm_mem *mem, FILE *err);

#endif /* GPUVM_MEM_INTERNAL_H */
