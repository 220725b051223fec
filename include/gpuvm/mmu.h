/* SPDX-License-Identifier: MIT */
/*
 * DOC: gpuvm simulated GPU MMU (module "mmu")
 *
 * Address spaces, each bound to one page-table root in simulated physical
 * memory, the way a Mali AS is bound by writing its TRANSTAB register. The
 * MMU walks the VMSAv8-64 descriptors it finds in memory (gpuvm/pt.h has
 * the format); it never looks at the page-table module's own structures,
 * so a driver bug in the tables shows up as the hardware would show it.
 *
 * GPU accesses read, write or fetch 1/2/4/8 bytes or a byte range, which
 * may cross pages. An access that faults anywhere has no effect at all,
 * and reports the fault's kind and address; nothing crashes.
 *
 * Each address space has a TLB that caches leaf translations (pages and
 * blocks, by size) until invalidated by range or whole. Invalidating a
 * range drops every entry that overlaps it, so a cached 2 MiB block goes
 * even when only one 4 KiB page of it changed.
 *
 * Checked mode compares every TLB hit with a fresh walk. A driver that
 * forgets an invalidation is caught by its tests (the access returns
 * -ESTALE and the stale counter moves) instead of reading stale data.
 *
 * Thread safety: without cfg.concurrent an address space is used by one
 * thread at a time. With it, every function may be called from several
 * threads: accesses, invalidations and the counters share one mutex, and
 * an update can lock a region (gpuvm_mmu_lock_region()) so that accesses
 * touching it wait until it is unlocked, as on Mali: an access then sees
 * the translations from before or after an update, never a mix. The
 * caller updating the tables serialises lock/unlock per AS.
 *
 * NULL pointers: a pointer argument may be NULL only where its function's
 * comment says so (the fault and translation outputs, destroy). Any other
 * NULL is refused before anything is done: -EINVAL from a function
 * returning an errno, nothing done by a void one, 0 from
 * gpuvm_mmu_tlb_verify() and gpuvm_mmu_as_va_bits(). The access path pays one check per call.
 */
#ifndef GPUVM_MMU_H
#define GPUVM_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpuvm/mem.h"
#include "gpuvm/pt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; this is its API. */
#pragma GCC visibility push(default)

struct gpuvm_mmu_as;

enum gpuvm_mmu_access {
	GPUVM_MMU_READ,
	GPUVM_MMU_WRITE,
	GPUVM_MMU_EXEC,   /* instruction fetch */
};

enum gpuvm_mmu_fault_kind {
	GPUVM_MMU_FAULT_NONE = 0,
	GPUVM_MMU_FAULT_TRANSLATION,  /* no valid entry at some level */
	GPUVM_MMU_FAULT_PERMISSION,   /* write to read-only, fetch from XN */
	GPUVM_MMU_FAULT_ADDRESS_SIZE, /* VA beyond the AS width */
	GPUVM_MMU_FAULT_ACCESS_FLAG,  /* leaf with AF clear */
};

struct gpuvm_mmu_fault {
	enum gpuvm_mmu_fault_kind kind;
	enum gpuvm_mmu_access access;
	uint64_t addr;      /* the first faulting byte */
	unsigned int level; /* level of the walk that failed */
};

const char *gpuvm_mmu_fault_name(enum gpuvm_mmu_fault_kind kind);

struct gpuvm_mmu_as_cfg {
	struct gpuvm_mem *mem;
	uint64_t root;            /* PA of the top table */
	unsigned int va_bits;     /* 32..48 */
	unsigned int tlb_entries; /* 4 KiB-page entries, a power of two; 0: 256 */
	bool checked;             /* compare every TLB hit with a walk */
	/*
	 * Several threads use this AS: accesses, invalidations and the
	 * locked region go under one mutex. Off, the hit path takes no lock
	 * at all (a single-threaded simulator pays nothing).
	 */
	bool concurrent;
};

struct gpuvm_mmu_stats {
	uint64_t hits, misses, walks;
	uint64_t walk_reads;        /* descriptors read by walks */
	uint64_t invalidations;     /* range or whole invalidations */
	uint64_t entries_dropped;   /* TLB entries they removed */
	uint64_t faults;
	uint64_t stale;             /* checked mode: stale hits caught */
};

/* A translation: what one access to one address resolves to. */
struct gpuvm_mmu_xlat {
	uint64_t pa;
	uint64_t desc;        /* leaf descriptor */
	uint64_t page_size;   /* 4 KiB, 2 MiB or 1 GiB */
	bool null;            /* NULL leaf: reads zero, writes dropped */
};

/* -EINVAL on a bad cfg, -ENOMEM. */
int gpuvm_mmu_as_create(const struct gpuvm_mmu_as_cfg *cfg,
			struct gpuvm_mmu_as **out);
/* NULL is allowed. */
void gpuvm_mmu_as_destroy(struct gpuvm_mmu_as *as);

/* Rebinds the AS to another root (drops the whole TLB). */
void gpuvm_mmu_as_set_root(struct gpuvm_mmu_as *as, uint64_t root);
void gpuvm_mmu_set_checked(struct gpuvm_mmu_as *as, bool checked);
/*
 * The width the AS was created with (a fault past it is an input
 * address-size fault); 0 for a NULL as.
 */
unsigned int gpuvm_mmu_as_va_bits(const struct gpuvm_mmu_as *as);
/* A NULL as gives all-zero statistics. */
void gpuvm_mmu_stats(const struct gpuvm_mmu_as *as, struct gpuvm_mmu_stats *st);

/*
 * Translates one address for one kind of access, through the TLB.
 * 0, -EFAULT with *fault filled, or -ESTALE (checked mode caught a stale
 * TLB entry; *x then holds the fresh walk's answer). x and fault may be
 * NULL: that answer is then not reported (the errno still is).
 */
int gpuvm_mmu_translate(struct gpuvm_mmu_as *as, uint64_t va,
			enum gpuvm_mmu_access access,
			struct gpuvm_mmu_xlat *x,
			struct gpuvm_mmu_fault *fault);

/*
 * GPU accesses of len bytes at va (any alignment, any length, crossing
 * pages). Values are little-endian, as on the GPU. 0, -EFAULT (fault
 * filled, nothing read or written), -ESTALE (checked mode). fault may be
 * NULL (the errno alone); buf may not, even for len 0 (-EINVAL).
 */
int gpuvm_mmu_read(struct gpuvm_mmu_as *as, uint64_t va, void *buf,
		   size_t len, struct gpuvm_mmu_fault *fault);
int gpuvm_mmu_write(struct gpuvm_mmu_as *as, uint64_t va, const void *buf,
		    size_t len, struct gpuvm_mmu_fault *fault);
int gpuvm_mmu_fetch(struct gpuvm_mmu_as *as, uint64_t va, void *buf,
		    size_t len, struct gpuvm_mmu_fault *fault);

/*
 * Host pointers, for simulators' own execution units (QEMU's softmmu
 * TLB does the same): translate once, then turn every later access to
 * the same page into a compare and an add.
 *
 * gpuvm_mmu_hptr_get() translates va for one kind of access (faults as a
 * read, write or fetch would, 0 / -EFAULT / -ESTALE) and fills *h with
 * the host address of va's 4 KiB page (or of a NULL leaf's stand-in: a
 * zero page to read, a sink page for writes that vanish), which accesses
 * of that kind may use until the address space's generation moves: any
 * invalidation, locked region or root change moves it, so a pointer is
 * never used past a change of its translation. A write pointer marks its
 * frame written (gpuvm_mem_wptr). Reading a never-written frame through
 * a read pointer costs a host page, as any direct read of memory does.
 *
 * gpuvm_mmu_hptr_at() is the hit path: the host address for [va,
 * va + len), or NULL when the pointer went stale or the range leaves its
 * page (then get it again). In checked mode it also walks the tables and
 * returns NULL (counting a stale hit) when the translation changed
 * without an invalidation, as checked TLB hits do. Threads: h is the
 * caller's; many may be used at once against one address space. A NULL
 * h has no address (NULL), and gpuvm_mmu_hptr_get() refuses it.
 */
struct gpuvm_mmu_hptr {
	unsigned char *host;      /* host address of va_base */
	uint64_t va_base;         /* the page's first VA */
	uint64_t len;             /* bytes from va_base: the page */
	enum gpuvm_mmu_access access;
	uint64_t gen;             /* *genp when made */
	const uint64_t *genp;     /* the address space's generation */
	struct gpuvm_mmu_as *as;  /* non-NULL: checked mode, verify on use */
	uint64_t pa, desc;        /* what it was made from */
};

int gpuvm_mmu_hptr_get(struct gpuvm_mmu_as *as, uint64_t va,
		       enum gpuvm_mmu_access access, struct gpuvm_mmu_hptr *h,
		       struct gpuvm_mmu_fault *fault);
/* Checked mode's side of gpuvm_mmu_hptr_at(): 0, or -ESTALE. */
int gpuvm_mmu_hptr_verify(const struct gpuvm_mmu_hptr *h);

static inline void *gpuvm_mmu_hptr_at(const struct gpuvm_mmu_hptr *h,
				      uint64_t va, size_t len)
{
	uint64_t off;

	if (!h || !h->genp)
		return (void *)0;
	off = va - h->va_base;
	if (__atomic_load_n(h->genp, __ATOMIC_ACQUIRE) != h->gen ||
	    off >= h->len || len > h->len - off)
		return (void *)0;
	if (h->as && gpuvm_mmu_hptr_verify(h))
		return (void *)0;
	return h->host + off;
}

/*
 * Locks the naturally aligned power-of-two region (at least 32 KiB)
 * around [start, start + size) for an update: accesses touching it wait.
 * One region at a time; no effect on accesses without cfg.concurrent.
 */
void gpuvm_mmu_lock_region(struct gpuvm_mmu_as *as, uint64_t start,
			   uint64_t size);
void gpuvm_mmu_unlock_region(struct gpuvm_mmu_as *as);

/* Drops every TLB entry overlapping [va, va + size). */
void gpuvm_mmu_invalidate(struct gpuvm_mmu_as *as, uint64_t va, uint64_t size);
void gpuvm_mmu_invalidate_all(struct gpuvm_mmu_as *as);

/*
 * Walks afresh for every valid TLB entry and returns how many disagree
 * with the tables in memory (0 for a coherent TLB, or a NULL as). Counts
 * nothing: for checks and tests, not the access path.
 */
uint64_t gpuvm_mmu_tlb_verify(const struct gpuvm_mmu_as *as);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_MMU_H */
