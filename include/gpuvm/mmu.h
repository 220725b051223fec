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
 * Hooks: a fault hook sees every fault before it is returned and may map
 * something and ask for the access to walk again (grow-on-fault);
 * trace hooks observe walks, descriptor reads, TLB insertions and
 * invalidations and faults. Both are optional and cost nothing unset
 * (see "Fault hooks" and "Trace hooks" below, docs/embedding.md).
 *
 * NULL pointers: a pointer argument may be NULL only where its function's
 * comment says so (the fault and translation outputs, destroy, the hook
 * setters' callbacks and cookies). Any other
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
	uint64_t faults;            /* every fault, those a hook resolved too */
	uint64_t stale;             /* checked mode: stale hits caught */
	uint64_t retries;           /* walks again a fault hook asked for */
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
/*
 * Rebinds the AS to another root and VA width at once (drops the whole
 * TLB), as a Mali AS_COMMAND_UPDATE applies TRANSTAB and TRANSCFG.
 * -EINVAL (nothing changed) for a NULL as or va_bits outside 32..48.
 */
int gpuvm_mmu_as_update(struct gpuvm_mmu_as *as, uint64_t root,
			unsigned int va_bits);
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
 * Over a memory backend (gpuvm/mem.h) a page has a host address only
 * if the backend's direct() hook gives one; otherwise
 * gpuvm_mmu_hptr_get() answers -EOPNOTSUPP (no fault, *h unusable).
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

/* ------------------------------------------------------------------ */
/* Fault hooks                                                         */

/*
 * A fault hook sees every fault an access, translation or host-pointer
 * get meets, before it is returned: translation, permission, access flag
 * and address size faults, with the access kind, the first faulting
 * byte's address and the walk's level (struct gpuvm_mmu_fault). A fault
 * checked mode turns into -ESTALE is not shown (it is a missed
 * invalidation, not a fault). It answers:
 *
 *  - GPUVM_MMU_FAULT_REPORT: the fault stands; the call returns -EFAULT
 *    with it, having done nothing.
 *  - GPUVM_MMU_FAULT_RETRY: the hook resolved it (typically by mapping
 *    something through gpuvm/pt.h): the call starts again from scratch,
 *    waiting for a locked region and walking anew, and succeeds or meets
 *    the next fault, which the hook sees in turn.
 *
 * retries counts the retries the call already made for this fault
 * address or a lower one: it starts at 0 and goes back to 0 whenever a
 * retry moved the fault to a higher address (the hook made progress, so
 * an access over several unbacked pages can grow them one by one). Once
 * it reaches GPUVM_MMU_FAULT_RETRIES the hook is still called, but a
 * RETRY answer is ignored and the fault stands: a hook that keeps asking
 * without fixing anything cannot hang the caller.
 *
 * The hook runs in the faulting thread with no lock of the address space
 * held (in concurrent mode too), so it may call back into gpuvm: map or
 * unmap with the page-table module, lock and unlock regions, invalidate,
 * set the root, read statistics, use other address spaces. It must not:
 * access through this address space (read, write, fetch, translate,
 * hptr_get: a fault there would nest hooks), destroy it, or return with
 * a region of it still locked (the retry would wait for it forever in
 * concurrent mode).
 *
 * Invalidation: a translation that faulted is never cached, so making an
 * invalid, access-flag-clear or out-of-range entry valid needs no TLB
 * invalidation before the retry. A permission fault is different: the
 * leaf was valid and is cached; a hook that changes it (making a page
 * writable) must invalidate it, as any change to a valid entry, or the
 * retry sees the cached descriptor and faults again (in checked mode it
 * gets -ESTALE). Everything else it changes follows the usual rule.
 *
 * Other threads: while the hook runs, other accesses go on, and may
 * fault on the same address and call the hook too; a hook for a shared
 * heap serialises itself and finds the work already done (a map that
 * returns -EEXIST).
 */
#define GPUVM_MMU_FAULT_REPORT  0
#define GPUVM_MMU_FAULT_RETRY   1
#define GPUVM_MMU_FAULT_RETRIES 4

typedef int (*gpuvm_mmu_fault_fn)(void *cookie, struct gpuvm_mmu_as *as,
				  const struct gpuvm_mmu_fault *fault,
				  unsigned int retries);

/*
 * Sets the address space's fault hook; fn NULL removes it. cookie is
 * fn's own and may be NULL. -EINVAL for a NULL as. Calls already running
 * use the hook they found at their fault.
 */
int gpuvm_mmu_set_fault_hook(struct gpuvm_mmu_as *as, gpuvm_mmu_fault_fn fn,
			     void *cookie);

/* ------------------------------------------------------------------ */
/* Trace hooks                                                         */

/*
 * Events, like QEMU's trace_smmu_ptw_* points. Every callback is
 * optional (NULL: not called); cookie is passed to each.
 *
 *  - walk_start, desc_read (one per descriptor the walk reads: its level,
 *    its PA, its value), walk_end (the result: GPUVM_MMU_FAULT_NONE or
 *    the fault kind, the level it stopped at, the descriptors read): for
 *    every walk the statistics count (TLB misses and checked mode's
 *    confirmations). The silent re-resolutions of long accesses, host
 *    pointer verification and gpuvm_mmu_tlb_verify() are not traced, as
 *    they are not counted.
 *  - tlb_insert: a translation entered the TLB: the leaf's first VA, its
 *    size, its output address (0 for a NULL leaf) and descriptor.
 *  - tlb_invalidate: an invalidation of [va, last] (inclusive; [0,
 *    UINT64_MAX] for invalidate_all and a root change) and how many
 *    entries it dropped.
 *  - fault: every fault, as the fault hook sees it, before it.
 *
 * A TLB hit emits nothing: the hit path stays as it is. The callbacks run
 * with the address space's internal lock held in concurrent mode (so the
 * events of one address space never overlap and come in order): they
 * must not call any function on this address space, and should be
 * short. Unset, tracing costs one predictable branch on a walk, a TLB
 * insertion, an invalidation and a fault, and nothing on a hit.
 */
struct gpuvm_mmu_trace {
	void *cookie;
	void (*walk_start)(void *cookie, uint64_t va,
			   enum gpuvm_mmu_access access);
	void (*desc_read)(void *cookie, uint64_t va, unsigned int level,
			  uint64_t pa, uint64_t desc);
	void (*walk_end)(void *cookie, uint64_t va,
			 enum gpuvm_mmu_fault_kind result, unsigned int level,
			 unsigned int reads);
	void (*tlb_insert)(void *cookie, uint64_t va, uint64_t size,
			   uint64_t pa, uint64_t desc);
	void (*tlb_invalidate)(void *cookie, uint64_t va, uint64_t last,
			       uint64_t dropped);
	void (*fault)(void *cookie, const struct gpuvm_mmu_fault *fault);
};

/*
 * Sets the trace hooks (*trace is copied); NULL, or a trace with no
 * callback, removes them. -EINVAL for a NULL as.
 */
int gpuvm_mmu_set_trace(struct gpuvm_mmu_as *as,
			const struct gpuvm_mmu_trace *trace);

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
