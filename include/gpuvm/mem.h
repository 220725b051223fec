/* SPDX-License-Identifier: MIT */
/*
 * DOC: gpuvm simulated physical memory (module "mem")
 *
 * A GPU-visible physical address space [0, size), backed by host memory
 * that is reserved lazily: a 64 GiB device costs host memory only for the
 * pages that are touched. On it:
 *
 *  - a frame allocator (gpuvm_mem_alloc/free) handing out naturally
 *    aligned power-of-two blocks from 4 KiB to 1 GiB (buddy allocator),
 *    with per-purpose accounting;
 *  - buffer objects (gpuvm_mem_bo_*): any 4 KiB multiple, backed by a
 *    sorted list of physically contiguous runs, contiguous or deliberately
 *    fragmented;
 *  - physical reads and writes, for the page-table code and the MMU.
 *
 * Or on memory the caller owns (a simulator's guest RAM): a buffer, or a
 * backend of read and write calls every access goes through; and with
 * or without the frame allocator (gpuvm_mem_cfg).
 *
 * Every frame handed out reads as zero: memory freed by one owner is never
 * readable by the next. Running out of memory is -ENOMEM, never a crash.
 *
 * Thread safety: every function may be called from several threads at
 * once; the allocator, BO creation and destruction and the accounting
 * share one internal mutex. Physical accesses take no lock: concurrent
 * accesses to the same bytes are the callers' race, as on hardware, except
 * 64-bit descriptors, which gpuvm_mem_read64/write64 access atomically so a
 * concurrent walker sees a descriptor before or after a write, never torn.
 * The fail-nth hook and gpuvm_mem_destroy are for one thread.
 *
 * NULL pointers: a pointer argument may be NULL only where its function's
 * comment says so. Any other NULL is refused before anything is done:
 * -EINVAL from a function returning an errno, nothing done by a void one,
 * and from the accessors the value their comment gives (0 or NULL).
 */
#ifndef GPUVM_MEM_H
#define GPUVM_MEM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; this is its API. */
#pragma GCC visibility push(default)

#define GPUVM_SZ_4K (1ull << 12)
#define GPUVM_SZ_2M (1ull << 21)
#define GPUVM_SZ_1G (1ull << 30)

struct gpuvm_mem;
struct gpuvm_mem_bo;

/* What a frame is used for; accounting only. */
enum gpuvm_mem_purpose {
	GPUVM_MEM_PT = 0, /* page-table pages */
	GPUVM_MEM_BO = 1, /* buffer-object backing */
	GPUVM_MEM_PURPOSES
};

/*
 * A backend the caller provides (cfg.backend): gpuvm reaches physical
 * memory only through these calls, for memory that is not one linear
 * host range (a device model's guest RAM with holes and MMIO). pa and
 * [pa, pa + len) always lie inside the memory; len > 0. Every access
 * path goes through it: the MMU's walker (read64), GPU reads and writes
 * (read, write), BO copies, the allocator's zeroing (write). Calls may
 * come from several threads at once, as physical accesses do; 64-bit
 * descriptor accesses should be atomic if tables change under walks.
 * A backend cannot fail: a hole reads what the caller's bus would read.
 */
struct gpuvm_mem_backend {
	uint64_t (*read64)(void *cookie, uint64_t pa);            /* 8-aligned */
	void (*write64)(void *cookie, uint64_t pa, uint64_t v);   /* 8-aligned */
	void (*read)(void *cookie, uint64_t pa, void *buf, uint64_t len);
	void (*write)(void *cookie, uint64_t pa, const void *buf,
		      uint64_t len);
	/*
	 * Optional (may be NULL): a host pointer to pa valid up to the end
	 * of its 4 KiB frame, or NULL when there is none (MMIO, a hole).
	 * It is what gpuvm_mem_ptr/wptr and the MMU's host pointers hand
	 * out; without it they are NULL and gpuvm_mmu_hptr_get() refuses.
	 */
	void *(*direct)(void *cookie, uint64_t pa);
};

struct gpuvm_mem_cfg {
	/* Bytes of physical memory, a non-zero multiple of 4 KiB. */
	uint64_t size;
	/*
	 * Back the memory with a memfd mapped MAP_SHARED instead of private
	 * anonymous memory, so that other mappings of the file (a client's
	 * CPU mapping of a BO) alias it byte for byte: see gpuvm_mem_fd().
	 */
	bool shared;
	/*
	 * No frame allocator: the caller (a guest driver) decides what lives
	 * at which physical address and writes its own tables there.
	 * gpuvm_mem_alloc, _alloc_frames and _bo_create answer -EOPNOTSUPP
	 * (so does gpuvm_pt_create, which needs a root frame), and
	 * gpuvm_mem_free does nothing.
	 */
	bool no_allocator;
	/*
	 * Caller-owned memory, at most one of these two (and not shared):
	 *
	 * buffer: physical address pa is buffer + pa, size bytes the caller
	 * owns (8-byte aligned). gpuvm never maps, unmaps or frees it. The
	 * caller writes it behind gpuvm's back, so the written map counts
	 * every frame as written: reads always copy from the buffer, scans
	 * (gpuvm_mem_next_written) visit everything, and frames the
	 * allocator hands out are zeroed when taken rather than when freed.
	 *
	 * backend: every access goes through *backend (copied) with cookie.
	 * gpuvm_mem_get_view() gives base NULL; the MMU then takes no
	 * lock-free path, and the page-table module refuses the memory
	 * (it writes tables through host pointers). Frames count as written
	 * and are zeroed when taken, as for a buffer.
	 */
	void *buffer;
	const struct gpuvm_mem_backend *backend;
	void *cookie;
};

struct gpuvm_mem_stats {
	uint64_t size;                          /* bytes */
	uint64_t frames_total;                  /* 4 KiB frames */
	uint64_t frames_used;
	uint64_t frames_by_purpose[GPUVM_MEM_PURPOSES];
	/* Frames written since they were last freed (the rest read 0). */
	uint64_t frames_written;
	/* Calls to gpuvm_mem_alloc and gpuvm_mem_bo_create, not blocks. */
	uint64_t allocs;                        /* successful */
	uint64_t alloc_failures;                /* -ENOMEM returned */
};

/*
 * -EINVAL on a bad size (0, unaligned, larger than 1 TiB), a misaligned
 * buffer, a backend lacking one of its four required calls, or more than
 * one of shared, buffer and backend; -ENOMEM.
 */
int gpuvm_mem_create(const struct gpuvm_mem_cfg *cfg, struct gpuvm_mem **out);
/* Frees everything, including BOs not yet destroyed. NULL is allowed. */
void gpuvm_mem_destroy(struct gpuvm_mem *mem);

/*
 * The memfd behind a shared memory (cfg.shared), or -1 (a private
 * memory, a NULL mem): physical address pa is file offset pa. It stays
 * owned by the memory (closed by gpuvm_mem_destroy) and is close-on-exec.
 *
 * Whoever maps it for writing must mark the frames it may write
 * (gpuvm_mem_wptr): stores through another mapping are invisible to the
 * written map, and an unmarked frame reads as zero. Marked frames that
 * stay holes of the file (mapped writable, never written) are skipped by
 * the scans (gpuvm_mem_next_written asks the file with SEEK_DATA).
 * Freeing clears the file, not only this process's view of it (large
 * ranges become holes, FALLOC_FL_PUNCH_HOLE; small ones are cleared in
 * place), so the next owner of the frames reads zeros through any
 * mapping.
 */
int gpuvm_mem_fd(const struct gpuvm_mem *mem);

/* A NULL mem gives all-zero statistics. */
void gpuvm_mem_stats(const struct gpuvm_mem *mem, struct gpuvm_mem_stats *st);

/*
 * Allocates a naturally aligned block of size bytes (a power of two from
 * 4 KiB to 1 GiB), zero-filled. -EINVAL for a bad size, -ENOMEM.
 */
int gpuvm_mem_alloc(struct gpuvm_mem *mem, uint64_t size,
		    enum gpuvm_mem_purpose purpose, uint64_t *pa);
/*
 * n 4 KiB frames at once, under one lock: all or none (-ENOMEM, nothing
 * kept). Each counts as one allocation for the fail-nth hook. For callers
 * that need many table pages in one go.
 */
int gpuvm_mem_alloc_frames(struct gpuvm_mem *mem, uint64_t n,
			   enum gpuvm_mem_purpose purpose, uint64_t *pas);

/* Frees a block from gpuvm_mem_alloc with the same size and purpose. */
void gpuvm_mem_free(struct gpuvm_mem *mem, uint64_t pa, uint64_t size,
		    enum gpuvm_mem_purpose purpose);

/*
 * Test hook: the nth allocation from now (1 = the next one) fails with
 * -ENOMEM, as do BO creations that need it. 0 disarms. Host allocations
 * inside this module count too, so every allocation site can be failed.
 */
void gpuvm_mem_fail_nth_alloc(struct gpuvm_mem *mem, uint64_t nth);

/*
 * Physical access. Every byte of [pa, pa + len) must lie inside the
 * memory (-EFAULT otherwise, nothing copied); -EINVAL for a NULL mem or
 * a NULL buf, even for len 0.
 *
 * Memory that was never written costs nothing, on any host: the module
 * keeps a map of the 4 KiB frames written since they were last freed, and
 * a read of a frame that was never written copies zeros without touching
 * it (some hosts back a page on its first read). Every write path below
 * marks what it writes; writing through gpuvm_mem_ptr() does not.
 */
int gpuvm_mem_read(const struct gpuvm_mem *mem, uint64_t pa, void *buf,
		   uint64_t len);
int gpuvm_mem_write(struct gpuvm_mem *mem, uint64_t pa, const void *buf,
		    uint64_t len);

/*
 * The frame holding pa was written since it was last freed (false: it
 * reads as zero). False for a NULL mem or pa outside the memory.
 */
bool gpuvm_mem_written(const struct gpuvm_mem *mem, uint64_t pa);

/*
 * Start of the first written frame from pa's frame up to end, or end if
 * there is none (end is clamped to the memory's size): how eviction,
 * checks and dumps skip what was never written. O(frames / 64).
 */
uint64_t gpuvm_mem_next_written(const struct gpuvm_mem *mem, uint64_t pa,
				uint64_t end);

/*
 * For hot paths that cannot afford a call per access (the MMU's lock-free
 * reads, a simulator's own loads): where the memory lives on the host and
 * its written map. Both stay valid for the memory's life. A frame whose
 * bit is clear reads as zero and must not be read through base (that
 * costs a host page); writers must go through the write paths above, or
 * gpuvm_mem_wptr(), so that the map stays right.
 */
struct gpuvm_mem_view {
	uint8_t *base;            /* physical address 0; NULL: a backend */
	const uint64_t *written;  /* bit f: frame f was written */
	uint64_t size;            /* bytes */
};

/* Fills *v; all zero for a NULL mem. */
void gpuvm_mem_get_view(const struct gpuvm_mem *mem, struct gpuvm_mem_view *v);

/* The frame holding pa (inside the memory) was written; false for NULL. */
static inline bool gpuvm_mem_view_written(const struct gpuvm_mem_view *v,
					  uint64_t pa)
{
	uint64_t f = pa >> 12;

	if (!v || !v->written)
		return false;
	return __atomic_load_n(&v->written[f / 64], __ATOMIC_RELAXED) >>
	       (f % 64) & 1;
}

/*
 * Host pointer to physical address pa, valid up to the end of its 4 KiB
 * frame (and further, up to the end of the memory: the host reservation
 * is one linear range). pa must be inside the memory. For reading
 * descriptors of tables that were written; reading a frame that was never
 * written through it costs a host page. NULL for a NULL mem. A backend
 * memory answers its direct() hook (valid to the end of the frame only),
 * or NULL.
 */
void *gpuvm_mem_ptr(const struct gpuvm_mem *mem, uint64_t pa);

/*
 * The same, for writing [pa, pa + len): marks those frames written first.
 * The range must be inside the memory; NULL for a NULL mem. A backend
 * memory answers direct(pa) for a range inside one frame, else NULL.
 */
void *gpuvm_mem_wptr(struct gpuvm_mem *mem, uint64_t pa, uint64_t len);

/*
 * An atomic (acquire) load of the 64-bit descriptor at pa (8-byte
 * aligned): a table read through a descriptor is seen complete. A frame
 * never written reads as 0 (invalid) without being touched, so walking
 * or counting over a fresh table costs no host page. 0 for a NULL mem.
 */
uint64_t gpuvm_mem_read64(const struct gpuvm_mem *mem, uint64_t pa);

/*
 * An atomic (release) store of a descriptor; pa 8-byte aligned. Does
 * nothing for a NULL mem.
 */
void gpuvm_mem_write64(struct gpuvm_mem *mem, uint64_t pa, uint64_t v);

/* ------------------------------------------------------------------ */
/* Buffer objects                                                      */

/* One physically contiguous piece of a BO. */
struct gpuvm_mem_run {
	uint64_t offset; /* BO offset of the run's first byte */
	uint64_t pa;
	uint64_t size;
};

/*
 * Creates a BO of size bytes (a non-zero multiple of 4 KiB), zero-filled.
 * chunks = 0: as contiguous as memory allows, preferring 2 MiB- and
 * 1 GiB-aligned blocks so the page tables can use large pages.
 * chunks = N: exactly N runs, no two consecutive runs physically adjacent
 * (N <= size / 4 KiB), for tests of fragmented backing.
 * -EINVAL for a bad size or chunks, -ENOMEM (nothing kept allocated).
 */
int gpuvm_mem_bo_create(struct gpuvm_mem *mem, uint64_t size,
			unsigned int chunks, struct gpuvm_mem_bo **out);
/* Frees the BO and returns its frames. NULL is allowed. */
void gpuvm_mem_bo_destroy(struct gpuvm_mem_bo *bo);

/* Size, runs and their number; 0, 0 and NULL for a NULL bo. */
uint64_t gpuvm_mem_bo_size(const struct gpuvm_mem_bo *bo);
unsigned int gpuvm_mem_bo_run_count(const struct gpuvm_mem_bo *bo);
const struct gpuvm_mem_run *gpuvm_mem_bo_runs(const struct gpuvm_mem_bo *bo);

/*
 * Physical address behind BO offset `offset` (< size), found by binary
 * search over the runs: O(log runs). If contig is non-NULL it receives the
 * number of bytes physically contiguous from there to the run's end.
 * An offset at or past the size, or a NULL bo, gives UINT64_MAX (and
 * *contig = 0).
 */
uint64_t gpuvm_mem_bo_pa(const struct gpuvm_mem_bo *bo, uint64_t offset,
			 uint64_t *contig);

/* CPU access to the contents (what an mmap of the BO gives). -EINVAL if
 * [offset, offset + len) leaves the BO (or buf is NULL, even for len 0). */
int gpuvm_mem_bo_read(const struct gpuvm_mem_bo *bo, uint64_t offset,
		      void *buf, uint64_t len);
int gpuvm_mem_bo_write(struct gpuvm_mem_bo *bo, uint64_t offset,
		       const void *buf, uint64_t len);

/*
 * BO offset of the first page at or after offset's page that was written
 * (see gpuvm_mem_written()), or the BO's size if none was: pages it skips
 * read as zero.
 */
uint64_t gpuvm_mem_bo_next_written(const struct gpuvm_mem_bo *bo,
				   uint64_t offset);

/*
 * Debug: consistency check of the allocator (0 or -EUCLEAN, describing
 * what it finds on err if non-NULL) and a dump. A BO is named by its
 * place in the BO list (0 the newest) and its first physical address,
 * never by a host address.
 */
int gpuvm_mem_validate(const struct gpuvm_mem *mem, FILE *err);
void gpuvm_mem_print(const struct gpuvm_mem *mem, FILE *f);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_MEM_H */
