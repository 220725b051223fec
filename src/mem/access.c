// SPDX-License-Identifier: MIT
/*
 * DOC: physical access and the written map
 *
 * Physical address pa lives at host address base + pa, in one lazily
 * backed mapping of the whole size (frames.c makes it). The host backs a
 * page when it is first touched, and on some hosts a read is a touch: the
 * kernel may have no shared zero page (a VM guest booted without one), so
 * reading 1 GiB of never-written memory costs 1 GiB of RAM. gpuvm
 * therefore never reads, copies or clears memory it has not written.
 *
 * It knows what it wrote from the written map: one bit per 4 KiB frame,
 * set by every write path (gpuvm_mem_write, gpuvm_mem_write64,
 * gpuvm_mem_wptr, BO writes) before the bytes are stored, and cleared when
 * the frame is freed and zeroed. A clear bit means the frame reads as
 * zero. Then:
 *
 *  - reads of a frame that was never written copy zeros out of nothing;
 *  - freeing zeroes only the frames that were written, and hands large
 *    ranges back with MADV_DONTNEED, which costs nothing for pages the
 *    host never backed;
 *  - eviction, checks and dumps ask for the written frames
 *    (gpuvm_mem_next_written) and skip the rest.
 *
 * The map costs one bit per 4 KiB (32 MiB for the 1 TiB maximum), in a
 * lazily backed mapping of its own, so only the words of frames that were
 * touched cost anything: 4 KiB of map per 128 MiB of memory.
 *
 * A shared memory (a memfd, mem.h) changes two things. Freeing must
 * remove the data from the file, not just from this process's view of
 * it: MADV_DONTNEED on a MAP_SHARED mapping only drops the page-table
 * entries, the file keeps the bytes and every other mapping (a client's
 * mmap of the next BO in those frames) would still read them. So large
 * frees punch holes (FALLOC_FL_PUNCH_HOLE) instead. And frames a client
 * maps for writing are marked written in advance, since its stores never
 * pass through here; the file knows which of them really hold data
 * (SEEK_DATA), so gpuvm_mem_next_written asks it and skips the holes.
 *
 * Threads: writers on different frames may share a word of the map, so
 * bits are set and cleared with atomic read-modify-writes. A writer sets
 * the bit before it stores the data, so whoever is ordered after the
 * store (by a lock or an acquire) sees the bit too; a reader racing with
 * the first write to a frame may see zeros, which is the value before the
 * write, as a racing read on hardware could.
 *
 * Caller-owned memory (a buffer or a backend, mem.h) fixes the map at
 * create: the caller writes behind gpuvm's back, so nothing can be known
 * about what it wrote. A buffer's map is all ones (every frame may hold
 * data; marking finds its bit set and stops), a backend's all zeros.
 * Backend accesses leave the built-in paths where those already branch:
 * a descriptor read where a clear bit used to give 0, gpuvm_mem_read/
 * write at their range test (a backend's host_size is 0, so every
 * access takes the cold path, which checks the real size and calls the
 * backend). So the built-in RAM's reads look at the backend nowhere;
 * descriptor writes, write pointers, BO copies and the allocator's
 * zeroing test the backend pointer once. Frames of
 * caller-owned memory are zeroed when the allocator hands them out
 * (mem_zero_taken) rather than when freed, since they are not zero to
 * begin with.
 */
#define _GNU_SOURCE /* fallocate, SEEK_DATA */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem/mem_internal.h"

#define FRAME_SIZE ((uint64_t)1 << MEM_FRAME_SHIFT)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
/* From this size on, freeing hands the host pages back instead of memset. */
#define ZERO_MADVISE_MIN (64ull << 10)

static uint32_t frame_of(uint64_t pa)
{
	return (uint32_t)(pa >> MEM_FRAME_SHIFT);
}

static uint64_t *map_word(const struct gpuvm_mem *mem, uint32_t f)
{
	return &mem->written[f / 64];
}

static void mark_frame(struct gpuvm_mem *mem, uint32_t f)
{
	uint64_t bit = 1ull << (f % 64), old;

	if (__atomic_load_n(map_word(mem, f), __ATOMIC_RELAXED) & bit)
		return;
	old = __atomic_fetch_or(map_word(mem, f), bit, __ATOMIC_RELAXED);
	if (!(old & bit))
		__atomic_fetch_add(&mem->frames_written, 1, __ATOMIC_RELAXED);
}

/* Marks the frames of [pa, pa + len) written; len > 0, inside memory. */
static void mark_range(struct gpuvm_mem *mem, uint64_t pa, uint64_t len)
{
	uint32_t f = frame_of(pa), last = frame_of(pa + len - 1);

	for (; f <= last; f++)
		mark_frame(mem, f);
}

/* Clears the bits of [f, f + n); returns how many were set. */
static uint64_t unmark_range(struct gpuvm_mem *mem, uint32_t f, uint64_t n)
{
	uint64_t e = f + n, cleared = 0, mask, old;

	while (f < e) {
		unsigned int b = f % 64;
		uint64_t take = 64 - b < e - f ? 64 - b : e - f;

		mask = (take == 64 ? ~0ull : ((1ull << take) - 1)) << b;
		/* Never-touched words stay untouched: read before writing. */
		if (__atomic_load_n(map_word(mem, f), __ATOMIC_RELAXED) & mask) {
			old = __atomic_fetch_and(map_word(mem, f), ~mask,
						 __ATOMIC_RELAXED);
			cleared += (uint64_t)__builtin_popcountll(old & mask);
		}
		f += (uint32_t)take;
	}
	if (cleared)
		__atomic_fetch_sub(&mem->frames_written, cleared,
				   __ATOMIC_RELAXED);
	return cleared;
}

/* First written frame in [f, e), or e. Skips clear words 64 at a time. */
static uint32_t next_written_frame(const struct gpuvm_mem *mem, uint32_t f,
				   uint32_t e)
{
	while (f < e) {
		uint64_t w = __atomic_load_n(map_word(mem, f),
					     __ATOMIC_RELAXED) >> (f % 64);

		if (w) {
			f += (uint32_t)__builtin_ctzll(w);
			return f < e ? f : e;
		}
		f = (f | 63) + 1;
	}
	return e;
}

/*
 * First frame in [f, e) that is marked and, in a shared memory, holds data
 * in the file: marked frames that are holes read as zero.
 */
static uint32_t next_data_frame(const struct gpuvm_mem *mem, uint32_t f,
				uint32_t e)
{
	off_t d = 0;

	for (f = next_written_frame(mem, f, e); f < e && mem->fd >= 0;
	     f = next_written_frame(mem, frame_of((uint64_t)d), e)) {
		d = lseek(mem->fd, (off_t)((uint64_t)f << MEM_FRAME_SHIFT),
			  SEEK_DATA);
		if (d < 0)
			return errno == ENXIO ? e : f; /* ENXIO: no more data */
		if (frame_of((uint64_t)d) == f)
			return f;
		if ((uint64_t)d >= (uint64_t)e << MEM_FRAME_SHIFT)
			return e;
	}
	return f;
}

uint64_t gpuvm_mem_next_written(const struct gpuvm_mem *mem, uint64_t pa,
				uint64_t end)
{
	if (!mem || pa >= end)
		return end;
	if (end > mem->size)
		end = mem->size;
	if (pa >= end)
		return end;
	if (mem->be) /* every frame may hold data */
		return pa & ~(FRAME_SIZE - 1);
	return (uint64_t)next_data_frame(mem, frame_of(pa),
					 frame_of(end + FRAME_SIZE - 1))
	       << MEM_FRAME_SHIFT;
}

int gpuvm_mem_fd(const struct gpuvm_mem *mem)
{
	return mem ? mem->fd : -1;
}

/* ------------------------------------------------------------------ */
/* Zeroing on free                                                     */

/* Clears the written frames of [f, f + n), one memset each. */
static void zero_written(struct gpuvm_mem *mem, uint32_t f, uint64_t n)
{
	uint32_t e = f + (uint32_t)n;

	for (f = next_written_frame(mem, f, e); f < e;
	     f = next_written_frame(mem, f + 1, e))
		memset(mem->base + ((uint64_t)f << MEM_FRAME_SHIFT), 0,
		       FRAME_SIZE);
}

/*
 * Gives the host pages of [lo, hi) back; afterwards they read as zero
 * through every mapping. For a shared memory that takes a hole in the
 * file (see the DOC above).
 */
static bool release_pages(struct gpuvm_mem *mem, uint64_t lo, uint64_t hi)
{
	if (mem->fd >= 0)
		return !fallocate(mem->fd,
				  FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)lo, (off_t)(hi - lo));
	return !madvise(mem->base + lo, hi - lo, MADV_DONTNEED);
}

/*
 * Makes [f, f + n) read as zero again and forgets it was written. Large
 * ranges go back to the host whole, which for pages it never backed is a
 * page-table walk and nothing more; a host page larger than a frame may be
 * shared with a live frame, so the unaligned ends are cleared by hand.
 */
void mem_zero_frames(struct gpuvm_mem *mem, uint32_t f, uint64_t n)
{
	uint64_t pa = (uint64_t)f << MEM_FRAME_SHIFT;
	uint64_t end = pa + (n << MEM_FRAME_SHIFT), hp = mem->host_page;
	uint64_t lo = (pa + hp - 1) & ~(hp - 1), hi = end & ~(hp - 1);

	if (mem->caller_owned) /* zeroed when taken: mem_zero_taken */
		return;
	if (next_written_frame(mem, f, f + (uint32_t)n) == f + n)
		return;
	/* Small ranges are cleared in place, shared memory too: a hole
	 * punch costs a TLB shootdown and a fault on the next use, far
	 * more than clearing a few frames (page-table frames come and go
	 * one at a time). A cleared page of the file reads as zeros through
	 * every mapping as surely as a hole. */
	if (end - pa < ZERO_MADVISE_MIN || lo >= hi ||
	    !release_pages(mem, lo, hi)) {
		zero_written(mem, f, n);
	} else {
		zero_written(mem, f, (lo - pa) >> MEM_FRAME_SHIFT);
		zero_written(mem, frame_of(hi), (end - hi) >> MEM_FRAME_SHIFT);
	}
	unmark_range(mem, f, n);
}

/*
 * Caller-owned memory: [f, f + n) was just taken from the free lists and
 * must read as zero for its new owner; the caller's memory was never
 * zeroed by gpuvm (see the DOC above). Only for caller-owned memory.
 */
void mem_zero_taken(struct gpuvm_mem *mem, uint32_t f, uint64_t n)
{
	static const uint8_t zero[FRAME_SIZE];
	uint64_t pa = (uint64_t)f << MEM_FRAME_SHIFT;

	if (!mem->be) {
		memset(mem->base + pa, 0, n << MEM_FRAME_SHIFT);
		return;
	}
	for (; n; n--, pa += FRAME_SIZE)
		mem->be->write(mem->be_cookie, pa, zero, FRAME_SIZE);
}

/* ------------------------------------------------------------------ */
/* Reads and writes                                                    */

static bool in_memory(const struct gpuvm_mem *mem, uint64_t pa, uint64_t len)
{
	return pa <= mem->size && len <= mem->size - pa;
}

/*
 * Copies [pa, pa + len) out, frame by frame: unwritten frames are zeros.
 * An access inside one frame (nearly every GPU access) is one test and
 * one copy, inlined into the callers. The loop bounds each copy by a
 * frame, which lets the compiler inline it as a string instruction with
 * a slow start; the single-frame path calls the library's small-copy
 * code instead.
 */
static inline bool copy_out_frame(const struct gpuvm_mem *mem, uint64_t pa,
				  void *buf, uint64_t len)
{
	if ((pa & (FRAME_SIZE - 1)) + len > FRAME_SIZE)
		return false;
	if (mem_frame_written(mem, frame_of(pa)))
		memcpy(buf, mem->base + pa, len);
	else
		memset(buf, 0, len);
	return true;
}

void mem_copy_out(const struct gpuvm_mem *mem, uint64_t pa, void *buf,
		  uint64_t len)
{
	uint8_t *p = buf;
	uint64_t n;

	if (UNLIKELY(mem->be)) {
		mem->be->read(mem->be_cookie, pa, buf, len);
		return;
	}
	if (copy_out_frame(mem, pa, buf, len))
		return;
	for (; len; pa += n, p += n, len -= n) {
		n = FRAME_SIZE - (pa & (FRAME_SIZE - 1));
		n = n < len ? n : len;
		if (mem_frame_written(mem, frame_of(pa)))
			memcpy(p, mem->base + pa, n);
		else
			memset(p, 0, n);
	}
}

static inline void copy_in_host(struct gpuvm_mem *mem, uint64_t pa,
				const void *buf, uint64_t len)
{
	mark_range(mem, pa, len);
	memcpy(mem->base + pa, buf, len);
}

void mem_copy_in(struct gpuvm_mem *mem, uint64_t pa, const void *buf,
		 uint64_t len)
{
	if (UNLIKELY(mem->be))
		mem->be->write(mem->be_cookie, pa, buf, len);
	else
		copy_in_host(mem, pa, buf, len);
}

/* Inside host-addressed memory: never true of a backend (host_size 0). */
static bool in_host(const struct gpuvm_mem *mem, uint64_t pa, uint64_t len)
{
	return pa <= mem->host_size && len <= mem->host_size - pa;
}

/* Outside host-addressed memory: -EFAULT, or a backend's access. */
static __attribute__((noinline, cold)) int
access_slow(const struct gpuvm_mem *mem, uint64_t pa, void *rbuf,
	    const void *wbuf, uint64_t len)
{
	if (!in_memory(mem, pa, len))
		return -EFAULT;
	if (!len)
		return 0;
	if (rbuf)
		mem->be->read(mem->be_cookie, pa, rbuf, len);
	else
		mem->be->write(mem->be_cookie, pa, wbuf, len);
	return 0;
}

int gpuvm_mem_read(const struct gpuvm_mem *mem, uint64_t pa, void *buf,
		   uint64_t len)
{
	if (!mem || !buf)
		return -EINVAL;
	if (UNLIKELY(!in_host(mem, pa, len)))
		return access_slow(mem, pa, buf, NULL, len);
	if (len && !copy_out_frame(mem, pa, buf, len))
		mem_copy_out(mem, pa, buf, len);
	return 0;
}

int gpuvm_mem_write(struct gpuvm_mem *mem, uint64_t pa, const void *buf,
		    uint64_t len)
{
	if (!mem || !buf)
		return -EINVAL;
	if (UNLIKELY(!in_host(mem, pa, len)))
		return access_slow(mem, pa, NULL, buf, len);
	if (len)
		copy_in_host(mem, pa, buf, len);
	return 0;
}

uint64_t gpuvm_mem_read64(const struct gpuvm_mem *mem, uint64_t pa)
{
	if (!mem)
		return 0;
	assert(pa < mem->size && !(pa & 7));
	if (!mem_frame_written(mem, frame_of(pa)))
		return UNLIKELY(mem->be) ? mem->be->read64(mem->be_cookie, pa) : 0;
	/* Acquire: a table read through a descriptor is seen complete. */
	return __atomic_load_n((const uint64_t *)(const void *)(mem->base + pa),
			       __ATOMIC_ACQUIRE);
}

void gpuvm_mem_write64(struct gpuvm_mem *mem, uint64_t pa, uint64_t v)
{
	if (!mem)
		return;
	assert(pa < mem->size && !(pa & 7));
	if (UNLIKELY(mem->be)) {
		mem->be->write64(mem->be_cookie, pa, v);
		return;
	}
	mark_frame(mem, frame_of(pa));
	/* Release: what a descriptor links to is published with it. */
	__atomic_store_n((uint64_t *)(void *)(mem->base + pa), v,
			 __ATOMIC_RELEASE);
}

void *gpuvm_mem_ptr(const struct gpuvm_mem *mem, uint64_t pa)
{
	if (!mem)
		return NULL;
	assert(pa < mem->size);
	if (UNLIKELY(mem->be))
		return mem->be->direct ? mem->be->direct(mem->be_cookie, pa) :
		       NULL;
	return mem->base + pa;
}

void *gpuvm_mem_wptr(struct gpuvm_mem *mem, uint64_t pa, uint64_t len)
{
	if (!mem)
		return NULL;
	assert(in_memory(mem, pa, len));
	if (UNLIKELY(mem->be))
		return (pa & (FRAME_SIZE - 1)) + len <= FRAME_SIZE ?
		       gpuvm_mem_ptr(mem, pa) : NULL;
	if (len)
		mark_range(mem, pa, len);
	return mem->base + pa;
}

bool gpuvm_mem_written(const struct gpuvm_mem *mem, uint64_t pa)
{
	return mem && pa < mem->size &&
	       (mem->be || mem_frame_written(mem, frame_of(pa)));
}

void gpuvm_mem_get_view(const struct gpuvm_mem *mem, struct gpuvm_mem_view *v)
{
	if (!v)
		return;
	if (!mem) {
		memset(v, 0, sizeof(*v));
		return;
	}
	v->base = mem->base;
	v->written = mem->written;
	v->size = mem->size;
}
