// SPDX-License-Identifier: MIT
/*
 * DOC: simulated GPU MMU
 *
 * An address space is a root PA, a VA width and a TLB. Everything the MMU
 * knows about mappings it reads from descriptors in simulated memory, the
 * way hardware does, so a page-table bug is seen exactly as the GPU would
 * see it (and the page-table module's bookkeeping cannot hide one).
 *
 * DOC: the walk
 *
 * One loop over levels, as in QEMU's smmu_ptw_64_s1(): index the current
 * table with the VA bits of the level, read one descriptor; a table at
 * levels 0-2 moves down, a block at 1-2 or a page at 3 is the leaf, and
 * anything else (invalid, a block type at level 0, the reserved type at
 * level 3) is a translation fault at that level. The top table may hold
 * fewer than 512 entries (40-bit VA: 2 at level 0), hence its own index
 * mask; VAs with bits at or above the width never get that far (address
 * size fault, no descriptor read).
 *
 * A table or output address outside simulated memory is an address-size
 * fault too (ARM's fault for an output address beyond the PA size): it
 * keeps a corrupt descriptor from turning into a host crash, and lets the
 * accesses copy without a second bounds check. A NULL leaf (software bit
 * 55) is valid with nothing behind it: reads and fetches see zeros and
 * writes vanish, but AF and permissions apply as to any leaf.
 *
 * The walk itself (walk_pure) is a function of memory alone: it counts
 * nothing and fills no fault, so the checked mode and the second pass of
 * an access can reuse it; walk() is the counted version.
 *
 * DOC: TLB use
 *
 * A translation that walked to a leaf with AF set is cached whatever the
 * access was (permissions are checked against the cached descriptor on
 * every access, as hardware does); faulting translations are never cached,
 * so fixing a descriptor that faulted needs no invalidation.
 *
 * Checked mode walks again on every hit and compares level, descriptor
 * and output address. A difference, or a fault on the fresh walk, means
 * the driver changed a descriptor without invalidating: the entry is
 * dropped, stale counts it and the caller gets -ESTALE, never the stale
 * data (translate also gets the fresh answer: the translation in *x, or
 * the fault the fresh walk met in *fault). Fresh walks in checked mode
 * count as walks; a stale hit is not counted as a fault.
 *
 * DOC: hooks
 *
 * The fault hook runs on the slow path only: an attempt (lock, wait for
 * the region, translate, copy, unlock) that ends in -EFAULT takes the
 * hook while still locked, unlocks, calls it, and on RETRY starts a new
 * attempt from scratch, so nothing of the first one (a half-filled
 * chunk array, a region that has since been locked) carries over. The
 * success path is the attempt alone. Retries are bounded per fault
 * address (mmu.h), so a hook that never fixes anything ends the loop.
 *
 * Trace hooks: as->trace is NULL unless some callback is set, and every
 * place that emits tests it once (the walk, the TLB insertion after a
 * miss, invalidations, faults); the traced walk is a separate, cold copy
 * of the loop (walk_core() with a trace pointer), so the untraced loop is
 * compiled exactly as before. Hits emit nothing.
 *
 * DOC: accesses
 *
 * An access is split at leaf boundaries (a 2 MiB block is one chunk, not
 * 512). Pass 1 translates every chunk, so a fault anywhere, reported at
 * the chunk's first byte, leaves memory and the caller's buffer untouched.
 * Pass 2 copies. The first ACCESS_CHUNKS translations are kept on the
 * stack for pass 2; longer accesses re-resolve the rest silently (TLB
 * probe, else walk_pure) so that every chunk is counted exactly once and
 * no access ever allocates. The one case where the two passes can
 * disagree is a write through the MMU into the AS's own page tables; the
 * copy then stops at the first chunk that no longer translates.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gpuvm/mmu.h"
#include "mmu/tlb.h"

#define TLB_DEFAULT_ENTRIES 256
#define ACCESS_CHUNKS 32

struct gpuvm_mmu_as {
	struct gpuvm_tlb tlb;
	struct gpuvm_mem *mem;
	struct gpuvm_mem_view view;   /* for the lock-free reads' copy */
	unsigned char *sink;          /* host pointers' NULL-leaf writes */
	uint64_t mem_size;
	uint64_t root;
	uint64_t top_mask;        /* index mask of the top table */
	unsigned int va_bits;
	unsigned int start_level;
	bool checked;
	struct gpuvm_mmu_stats st;
	/*
	 * Concurrent mode: lock serialises everything that changes the TLB,
	 * the counters but hits, and the locked region [lock_start, lock_end)
	 * (empty when equal), which holds back accesses that touch it, as a
	 * Mali AS_LOCK does during an update. useq (the update sequence) is
	 * odd while a region is locked and grows by 2 at every other change
	 * of the TLB: a lock-free reader that sees it unchanged across its
	 * access saw no update (see "lock-free reads" above).
	 */
	bool concurrent;
	bool lockfree;            /* small hits copy from the host base */
	pthread_mutex_t lock;
	pthread_cond_t unlocked;
	uint64_t lock_start, lock_end;
	uint64_t useq;
	/*
	 * Hooks, changed under the lock. trace points at trace_store when
	 * any callback is set and is NULL otherwise: one test on the paths
	 * that emit.
	 */
	const struct gpuvm_mmu_trace *trace;
	struct gpuvm_mmu_trace trace_store;
	gpuvm_mmu_fault_fn fault_fn;
	void *fault_cookie;
};

#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define RELAXED_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define RELAXED_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/*
 * Hits are counted by lock-free readers too: a relaxed load and store,
 * not an atomic add (which would cost more than the hit). Exact when
 * one thread accesses the AS; concurrent readers may lose increments.
 */
static void count_hits(struct gpuvm_mmu_as *as, uint64_t n)
{
	RELAXED_STORE(&as->st.hits, RELAXED_LOAD(&as->st.hits) + n);
}

/* A TLB change lock-free readers must notice (lock held). */
static void tlb_changed(struct gpuvm_mmu_as *as)
{
	__atomic_store_n(&as->useq, RELAXED_LOAD(&as->useq) + 2,
			 __ATOMIC_RELEASE);
}

static void as_lock(const struct gpuvm_mmu_as *as)
{
	if (as->concurrent)
		pthread_mutex_lock((pthread_mutex_t *)&as->lock);
}

static void as_unlock(const struct gpuvm_mmu_as *as)
{
	if (as->concurrent)
		pthread_mutex_unlock((pthread_mutex_t *)&as->lock);
}

/* [va, last] touches the locked region (read lock-free as well). */
static bool region_overlaps(const struct gpuvm_mmu_as *as, uint64_t va,
			    uint64_t last)
{
	uint64_t s = RELAXED_LOAD(&as->lock_start);
	uint64_t e = RELAXED_LOAD(&as->lock_end);

	return s < e && va < e && last >= s;
}

/* Waits (lock held) until [va, va + len) is clear of the locked region. */
static inline void wait_region(struct gpuvm_mmu_as *as, uint64_t va,
			       uint64_t len)
{
	uint64_t last;

	if (!as->concurrent)
		return;
	last = va + len - 1 < va ? UINT64_MAX : va + len - 1;
	while (region_overlaps(as, va, last))
		pthread_cond_wait(&as->unlocked, &as->lock);
}

/* An invalidation of [va, last] happened (lock held): its event. */
static void trace_invalidate(const struct gpuvm_mmu_as *as, uint64_t va,
			     uint64_t last, uint64_t dropped)
{
	const struct gpuvm_mmu_trace *t = as->trace;

	if (t->tlb_invalidate)
		t->tlb_invalidate(t->cookie, va, last, dropped);
}

/* Drops the whole TLB, counted as one invalidation (lock held). */
static void drop_all(struct gpuvm_mmu_as *as)
{
	uint64_t n;

	tlb_changed(as);
	as->st.invalidations++;
	n = gpuvm_tlb_invalidate_all(&as->tlb);
	as->st.entries_dropped += n;
	if (UNLIKELY(as->trace))
		trace_invalidate(as, 0, UINT64_MAX, n);
}

/* What a successful walk (or a TLB entry) says about one VA. */
struct leaf {
	uint64_t pa;          /* output base; 0 for a NULL leaf */
	uint64_t desc;
	unsigned int level;   /* on a fault: the level that failed */
};

const char *gpuvm_mmu_fault_name(enum gpuvm_mmu_fault_kind kind)
{
	switch (kind) {
	case GPUVM_MMU_FAULT_NONE:
		return "none";
	case GPUVM_MMU_FAULT_TRANSLATION:
		return "translation";
	case GPUVM_MMU_FAULT_PERMISSION:
		return "permission";
	case GPUVM_MMU_FAULT_ADDRESS_SIZE:
		return "address size";
	case GPUVM_MMU_FAULT_ACCESS_FLAG:
		return "access flag";
	}
	return "unknown";
}

/* ------------------------------------------------------------------ */
/* Address spaces                                                      */

static int check_cfg(const struct gpuvm_mmu_as_cfg *c, uint64_t *mem_size)
{
	struct gpuvm_mem_stats ms;

	if (!c || !c->mem || c->va_bits < 32 || c->va_bits > 48)
		return -EINVAL;
	if (c->tlb_entries & (c->tlb_entries - 1))
		return -EINVAL;
	gpuvm_mem_stats(c->mem, &ms);
	if ((c->root & (GPUVM_SZ_4K - 1)) || c->root >= ms.size)
		return -EINVAL;
	*mem_size = ms.size;
	return 0;
}

int gpuvm_mmu_as_create(const struct gpuvm_mmu_as_cfg *cfg,
			struct gpuvm_mmu_as **out)
{
	struct gpuvm_mmu_as *as;
	uint64_t mem_size;
	unsigned int shift;
	int ret;

	if (!out)
		return -EINVAL;
	ret = check_cfg(cfg, &mem_size);
	if (ret)
		return ret;
	as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	ret = gpuvm_tlb_init(&as->tlb, cfg->tlb_entries ? cfg->tlb_entries
							: TLB_DEFAULT_ENTRIES);
	as->sink = ret ? NULL : calloc(1, GPUVM_SZ_4K);
	if (!ret && !as->sink) {
		gpuvm_tlb_fini(&as->tlb);
		ret = -ENOMEM;
	}
	if (ret) {
		free(as);
		return ret;
	}
	as->mem = cfg->mem;
	gpuvm_mem_get_view(cfg->mem, &as->view);
	as->mem_size = mem_size;
	as->root = cfg->root;
	as->va_bits = cfg->va_bits;
	as->start_level = gpuvm_pt_start_level_for(cfg->va_bits);
	shift = gpuvm_pt_level_shift(as->start_level);
	as->top_mask = (1ull << (cfg->va_bits - shift)) - 1;
	as->checked = cfg->checked;
	as->concurrent = cfg->concurrent;
	/*
	 * A backend memory has no base to copy from without the lock. With
	 * one, every AS takes the short TLB-hit path: it is what makes a
	 * concurrent AS's reads lock-free, and the cheapest hit for an AS
	 * used by one thread too.
	 */
	as->lockfree = !!as->view.base;
	if (as->concurrent) {
		pthread_mutex_init(&as->lock, NULL);
		pthread_cond_init(&as->unlocked, NULL);
	}
	*out = as;
	return 0;
}

void gpuvm_mmu_as_destroy(struct gpuvm_mmu_as *as)
{
	if (!as)
		return;
	if (as->concurrent) {
		pthread_cond_destroy(&as->unlocked);
		pthread_mutex_destroy(&as->lock);
	}
	gpuvm_tlb_fini(&as->tlb);
	free(as->sink);
	free(as);
}

/*
 * No error return here, so a bad root is not refused: it makes every walk
 * fail with an address-size fault instead, as a bad TRANSTAB would. The
 * TLB flush counts as one whole invalidation.
 */
void gpuvm_mmu_as_set_root(struct gpuvm_mmu_as *as, uint64_t root)
{
	if (!as)
		return;
	as_lock(as);
	as->root = root;
	drop_all(as);
	as_unlock(as);
}

int gpuvm_mmu_as_update(struct gpuvm_mmu_as *as, uint64_t root,
			unsigned int va_bits)
{
	unsigned int level;

	if (!as || va_bits < 32 || va_bits > 48)
		return -EINVAL;
	level = gpuvm_pt_start_level_for(va_bits);
	as_lock(as);
	as->root = root;
	/* Lock-free readers check the width without the lock. */
	RELAXED_STORE(&as->va_bits, va_bits);
	as->start_level = level;
	as->top_mask = (1ull << (va_bits - gpuvm_pt_level_shift(level))) - 1;
	drop_all(as);
	as_unlock(as);
	return 0;
}

void gpuvm_mmu_set_checked(struct gpuvm_mmu_as *as, bool checked)
{
	if (!as)
		return;
	as_lock(as);
	__atomic_store_n(&as->checked, checked, __ATOMIC_RELAXED);
	as_unlock(as);
}

void gpuvm_mmu_stats(const struct gpuvm_mmu_as *as, struct gpuvm_mmu_stats *st)
{
	if (!st)
		return;
	if (!as) {
		memset(st, 0, sizeof(*st));
		return;
	}
	as_lock(as);
	st->hits = RELAXED_LOAD(&as->st.hits);
	st->misses = as->st.misses;
	st->walks = as->st.walks;
	st->walk_reads = as->st.walk_reads;
	st->invalidations = as->st.invalidations;
	st->entries_dropped = as->st.entries_dropped;
	st->faults = as->st.faults;
	st->stale = as->st.stale;
	st->retries = as->st.retries;
	as_unlock(as);
}

unsigned int gpuvm_mmu_as_va_bits(const struct gpuvm_mmu_as *as)
{
	return as ? RELAXED_LOAD(&as->va_bits) : 0;
}

/* ------------------------------------------------------------------ */
/* The walk                                                            */

/*
 * Fills l from a leaf descriptor. AF is checked here, not with the
 * permissions, because it does not depend on the access: a leaf with AF
 * clear never enters the TLB.
 */
static enum gpuvm_mmu_fault_kind leaf_of(const struct gpuvm_mmu_as *as,
					 uint64_t d, unsigned int level,
					 struct leaf *l)
{
	uint64_t size = gpuvm_pt_level_size(level);

	l->desc = d;
	l->pa = 0;
	if (!gpuvm_pte_is_null(d)) {
		/* Low address bits of a block are RES0: ignore them. */
		l->pa = gpuvm_pte_addr(d) & ~(size - 1);
		if (l->pa + size > as->mem_size)
			return GPUVM_MMU_FAULT_ADDRESS_SIZE;
	}
	if (!(d & GPUVM_PTE_AF))
		return GPUVM_MMU_FAULT_ACCESS_FLAG;
	return GPUVM_MMU_FAULT_NONE;
}

/*
 * va is below 2^va_bits. Counts nothing: see the DOC above. With t set,
 * every descriptor read is reported to it; inlined into both callers, so
 * the untraced copy has no trace code at all.
 */
static inline __attribute__((always_inline)) enum gpuvm_mmu_fault_kind
walk_core(const struct gpuvm_mmu_as *as, uint64_t va, struct leaf *l,
	  unsigned int *reads, const struct gpuvm_mmu_trace *t)
{
	uint64_t table = as->root, mask = as->top_mask;
	unsigned int level = as->start_level;

	for (*reads = 0;; level++, mask = GPUVM_PT_ENTRIES - 1) {
		uint64_t idx = (va >> gpuvm_pt_level_shift(level)) & mask;
		uint64_t d;

		l->level = level;
		if ((table & (GPUVM_SZ_4K - 1)) || table >= as->mem_size)
			return GPUVM_MMU_FAULT_ADDRESS_SIZE;
		d = gpuvm_mem_read64(as->mem, table + idx * 8);
		++*reads;
		if (t && t->desc_read)
			t->desc_read(t->cookie, va, level, table + idx * 8, d);
		if (gpuvm_pte_is_table(d, level)) {
			table = gpuvm_pte_addr(d);
			continue;
		}
		if (!gpuvm_pte_is_leaf(d, level))
			return GPUVM_MMU_FAULT_TRANSLATION;
		return leaf_of(as, d, level, l);
	}
}

static enum gpuvm_mmu_fault_kind walk_pure(const struct gpuvm_mmu_as *as,
					   uint64_t va, struct leaf *l,
					   unsigned int *reads)
{
	return walk_core(as, va, l, reads, NULL);
}

/* walk_pure() with its events: only when some trace hook is set. */
static __attribute__((noinline, cold)) enum gpuvm_mmu_fault_kind
walk_traced(const struct gpuvm_mmu_as *as, uint64_t va,
	    enum gpuvm_mmu_access acc, struct leaf *l, unsigned int *reads)
{
	const struct gpuvm_mmu_trace *t = as->trace;
	enum gpuvm_mmu_fault_kind k;

	if (t->walk_start)
		t->walk_start(t->cookie, va, acc);
	k = walk_core(as, va, l, reads, t);
	if (t->walk_end)
		t->walk_end(t->cookie, va, k, l->level, *reads);
	return k;
}

/* The counted walk; inlined, as it was before tracing had a branch here. */
static inline __attribute__((always_inline)) enum gpuvm_mmu_fault_kind
walk(struct gpuvm_mmu_as *as, uint64_t va, enum gpuvm_mmu_access acc,
     struct leaf *l)
{
	unsigned int reads;
	enum gpuvm_mmu_fault_kind k;

	if (UNLIKELY(as->trace))
		k = walk_traced(as, va, acc, l, &reads);
	else
		k = walk_pure(as, va, l, &reads);
	as->st.walks++;
	as->st.walk_reads += reads;
	return k;
}

/* ------------------------------------------------------------------ */
/* Translation                                                         */

static void set_fault(struct gpuvm_mmu_fault *f, enum gpuvm_mmu_fault_kind k,
		      enum gpuvm_mmu_access acc, uint64_t va,
		      unsigned int level)
{
	if (!f)
		return;
	f->kind = k;
	f->access = acc;
	f->addr = va;
	f->level = level;
}

static __attribute__((noinline, cold)) void
trace_fault(const struct gpuvm_mmu_as *as, enum gpuvm_mmu_fault_kind k,
	    enum gpuvm_mmu_access acc, uint64_t va, unsigned int level)
{
	const struct gpuvm_mmu_trace *t = as->trace;
	struct gpuvm_mmu_fault f;

	set_fault(&f, k, acc, va, level);
	if (t->fault)
		t->fault(t->cookie, &f);
}

static int fault(struct gpuvm_mmu_as *as, struct gpuvm_mmu_fault *f,
		 enum gpuvm_mmu_fault_kind k, enum gpuvm_mmu_access acc,
		 uint64_t va, unsigned int level)
{
	as->st.faults++;
	if (UNLIKELY(as->trace))
		trace_fault(as, k, acc, va, level);
	set_fault(f, k, acc, va, level);
	return -EFAULT;
}

static void set_xlat(struct gpuvm_mmu_xlat *x, const struct leaf *l,
		     uint64_t va)
{
	uint64_t size = gpuvm_pt_level_size(l->level);

	x->null = gpuvm_pte_is_null(l->desc);
	x->pa = x->null ? 0 : l->pa + (va & (size - 1));
	x->desc = l->desc;
	x->page_size = size;
}

/* Checked mode: is the hit in *hit still what memory says? */
static int check_hit(struct gpuvm_mmu_as *as, uint64_t va,
		     enum gpuvm_mmu_access acc, const struct gpuvm_tlb_hit *e,
		     const struct leaf *hit, struct gpuvm_mmu_xlat *x,
		     struct gpuvm_mmu_fault *f)
{
	struct leaf fresh;
	enum gpuvm_mmu_fault_kind k = walk(as, va, acc, &fresh);

	if (!k && fresh.level == hit->level && fresh.desc == hit->desc &&
	    fresh.pa == hit->pa)
		return 0;
	as->st.stale++;
	if (gpuvm_tlb_drop(e->e, e->tag))
		tlb_changed(as);
	if (k)
		set_fault(f, k, acc, va, fresh.level);
	else
		set_xlat(x, &fresh, va);
	return -ESTALE;
}

/* Write to read-only, fetch from execute-never; reads always pass. */
static bool denied(uint64_t desc, enum gpuvm_mmu_access acc)
{
	static const uint64_t deny[] = {
		[GPUVM_MMU_READ] = 0,
		[GPUVM_MMU_WRITE] = GPUVM_PTE_AP_RDONLY,
		[GPUVM_MMU_EXEC] = GPUVM_PTE_XN,
	};

	return desc & deny[acc];
}

static __attribute__((noinline, cold)) void
trace_insert(const struct gpuvm_mmu_as *as, uint64_t va, const struct leaf *l)
{
	const struct gpuvm_mmu_trace *t = as->trace;
	uint64_t size = gpuvm_pt_level_size(l->level);

	if (t->tlb_insert)
		t->tlb_insert(t->cookie, va & ~(size - 1), size, l->pa, l->desc);
}

/*
 * Everything but a plain hit: a miss walks and fills the TLB, a hit in
 * checked mode walks to confirm. Apart, so that xlate() reads as the hit
 * path it mostly is.
 */
static int xlate_slow(struct gpuvm_mmu_as *as, uint64_t va,
		      enum gpuvm_mmu_access acc, const struct gpuvm_tlb_hit *e,
		      struct leaf *l, struct gpuvm_mmu_xlat *x,
		      struct gpuvm_mmu_fault *f)
{
	enum gpuvm_mmu_fault_kind k;

	if (e) {
		count_hits(as, 1);
		return check_hit(as, va, acc, e, l, x, f);
	}
	as->st.misses++;
	k = walk(as, va, acc, l);
	if (k)
		return fault(as, f, k, acc, va, l->level);
	gpuvm_tlb_insert(&as->tlb, l->level, va, l->pa, l->desc);
	if (UNLIKELY(as->trace))
		trace_insert(as, va, l);
	return 0;
}

static int xlate(struct gpuvm_mmu_as *as, uint64_t va,
		 enum gpuvm_mmu_access acc, struct gpuvm_mmu_xlat *x,
		 struct gpuvm_mmu_fault *f)
{
	struct gpuvm_tlb_hit h;
	struct leaf l;
	bool hit;

	if (va >> as->va_bits)
		return fault(as, f, GPUVM_MMU_FAULT_ADDRESS_SIZE, acc, va,
			     as->start_level);
	hit = gpuvm_tlb_lookup(&as->tlb, va, &h);
	if (hit) {
		l.pa = h.pa;
		l.desc = h.desc;
		l.level = gpuvm_tlb_level(h.idx);
	}
	if (!hit || as->checked) {
		int ret = xlate_slow(as, va, acc, hit ? &h : NULL, &l, x, f);

		if (ret)
			return ret;
	} else {
		count_hits(as, 1);
	}
	if (denied(l.desc, acc))
		return fault(as, f, GPUVM_MMU_FAULT_PERMISSION, acc, va,
			     l.level);
	set_xlat(x, &l, va);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Fault hooks                                                         */

/* A call's hook, taken at its fault, and where its retries stand. */
struct hook {
	gpuvm_mmu_fault_fn fn;
	void *cookie;
	unsigned int retries;
	uint64_t high;        /* the highest fault address so far */
	bool started;
};

/*
 * After an attempt ended in ret with *f (lock held): whether to call the
 * hook, which is then copied to h, so that the call uses the hook it
 * faulted with even if it is replaced meanwhile.
 */
static bool hook_take(const struct gpuvm_mmu_as *as, int ret,
		      struct hook *h)
{
	if (ret != -EFAULT || !as->fault_fn)
		return false;
	h->fn = as->fault_fn;
	h->cookie = as->fault_cookie;
	return true;
}

/*
 * The lock is dropped: shows *f to the hook. True when the call is to be
 * tried again (see mmu.h for the bound).
 */
static bool hook_call(struct gpuvm_mmu_as *as, struct hook *h,
		      const struct gpuvm_mmu_fault *f)
{
	int want;

	if (!h->started || f->addr > h->high) {
		h->started = true;
		h->high = f->addr;
		h->retries = 0;
	}
	want = h->fn(h->cookie, as, f, h->retries);
	if (want != GPUVM_MMU_FAULT_RETRY ||
	    h->retries >= GPUVM_MMU_FAULT_RETRIES)
		return false;
	h->retries++;
	as_lock(as);
	as->st.retries++;
	as_unlock(as);
	return true;
}

/*
 * The caller's fault output: what the last attempt filled, if anything
 * (a checked-mode -ESTALE fills it only when the fresh walk faulted).
 */
static int report(int ret, const struct gpuvm_mmu_fault *lf,
		  struct gpuvm_mmu_fault *out)
{
	if (out && lf->kind != GPUVM_MMU_FAULT_NONE)
		*out = *lf;
	return ret;
}

int gpuvm_mmu_set_fault_hook(struct gpuvm_mmu_as *as, gpuvm_mmu_fault_fn fn,
			     void *cookie)
{
	if (!as)
		return -EINVAL;
	as_lock(as);
	as->fault_fn = fn;
	as->fault_cookie = fn ? cookie : NULL;
	as_unlock(as);
	return 0;
}

int gpuvm_mmu_set_trace(struct gpuvm_mmu_as *as,
			const struct gpuvm_mmu_trace *trace)
{
	const struct gpuvm_mmu_trace none = { 0 };
	const struct gpuvm_mmu_trace *t = trace ? trace : &none;
	bool any = t->walk_start || t->desc_read || t->walk_end ||
		   t->tlb_insert || t->tlb_invalidate || t->fault;

	if (!as)
		return -EINVAL;
	as_lock(as);
	as->trace_store = *t;
	as->trace = any ? &as->trace_store : NULL;
	as_unlock(as);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Translation entry point                                             */

static int translate_once(struct gpuvm_mmu_as *as, uint64_t va,
			  enum gpuvm_mmu_access acc, struct gpuvm_mmu_xlat *x,
			  struct gpuvm_mmu_fault *lf, struct hook *h,
			  bool *again)
{
	int ret;

	lf->kind = GPUVM_MMU_FAULT_NONE;
	as_lock(as);
	wait_region(as, va, 1);
	ret = xlate(as, va, acc, x, lf);
	*again = hook_take(as, ret, h);
	as_unlock(as);
	return ret;
}

int gpuvm_mmu_translate(struct gpuvm_mmu_as *as, uint64_t va,
			enum gpuvm_mmu_access access,
			struct gpuvm_mmu_xlat *x,
			struct gpuvm_mmu_fault *fault_out)
{
	struct gpuvm_mmu_xlat dummy;
	struct gpuvm_mmu_fault lf;
	struct hook h = { 0 };
	bool again;
	int ret;

	if (!as || (unsigned int)access > GPUVM_MMU_EXEC)
		return -EINVAL;
	do
		ret = translate_once(as, va, access, x ? x : &dummy, &lf, &h,
				     &again);
	while (again && hook_call(as, &h, &lf));
	return report(ret, &lf, fault_out);
}

/* ------------------------------------------------------------------ */
/* Accesses                                                            */

/* Bytes from va to the end of its leaf, at most len. */
static uint64_t chunk_len(uint64_t va, uint64_t page_size, uint64_t len)
{
	uint64_t room = page_size - (va & (page_size - 1));

	return room < len ? room : len;
}

/* Pass 1: every chunk translates, or nothing is done. */
static int translate_all(struct gpuvm_mmu_as *as, uint64_t va, uint64_t len,
			 enum gpuvm_mmu_access acc,
			 struct gpuvm_mmu_xlat *xs, struct gpuvm_mmu_fault *f)
{
	for (size_t i = 0; len; i++) {
		struct gpuvm_mmu_xlat spill;
		/* In place: copying a just-stored struct stalls on forwarding. */
		struct gpuvm_mmu_xlat *x = i < ACCESS_CHUNKS ? &xs[i] : &spill;
		uint64_t n;
		int ret = xlate(as, va, acc, x, f);

		if (ret)
			return ret;
		n = chunk_len(va, x->page_size, len);
		va += n;
		len -= n;
	}
	return 0;
}

/* Pass 2 beyond the saved chunks: pass 1 has proven va translates. */
static bool resolve_quiet(const struct gpuvm_mmu_as *as, uint64_t va,
			  struct gpuvm_mmu_xlat *x)
{
	struct gpuvm_tlb_hit h;
	unsigned int reads;
	struct leaf l;

	if (gpuvm_tlb_lookup(&as->tlb, va, &h)) {
		l.pa = h.pa;
		l.desc = h.desc;
		l.level = gpuvm_tlb_level(h.idx);
	} else if (walk_pure(as, va, &l, &reads)) {
		return false;
	}
	set_xlat(x, &l, va);
	return true;
}

static void copy_chunk(struct gpuvm_mmu_as *as,
		       const struct gpuvm_mmu_xlat *x, void *rbuf,
		       const void *wbuf, uint64_t n)
{
	/* Leaves were range-checked by the walk: these cannot fail. */
	if (wbuf) {
		if (!x->null)
			(void)gpuvm_mem_write(as->mem, x->pa, wbuf, n);
	} else if (x->null) {
		memset(rbuf, 0, n);
	} else {
		(void)gpuvm_mem_read(as->mem, x->pa, rbuf, n);
	}
}

/* Pass 2. Exactly one of rbuf and wbuf is set. */
static void copy_all(struct gpuvm_mmu_as *as, uint64_t va, uint64_t len,
		     const struct gpuvm_mmu_xlat *xs, unsigned char *rbuf,
		     const unsigned char *wbuf)
{
	for (size_t i = 0; len; i++) {
		struct gpuvm_mmu_xlat spill;
		const struct gpuvm_mmu_xlat *x = &spill;
		uint64_t n;

		if (i < ACCESS_CHUNKS)
			x = &xs[i];
		else if (!resolve_quiet(as, va, &spill))
			return;
		n = chunk_len(va, x->page_size, len);
		copy_chunk(as, x, rbuf, wbuf, n);
		if (rbuf)
			rbuf += n;
		else
			wbuf += n;
		va += n;
		len -= n;
	}
}

/* ------------------------------------------------------------------ */
/* Lock-free reads                                                     */

/*
 * The data copy of a lock-free read. It may race with an update freeing
 * and zeroing what it reads (or with a GPU write), which the reader then
 * detects and throws away (see read_lockfree), so it is a seqlock's data
 * read: not instrumented by ThreadSanitizer, and written out by hand so
 * the compiler does not turn it into an intercepted memcpy. Frames never
 * written read as zero without being touched, as gpuvm_mem_read() does.
 */
__attribute__((no_sanitize("thread")))
static void copy_frame_racy(const volatile unsigned char *src,
			    unsigned char *dst, uint64_t k, uint64_t pa)
{
	uint64_t i = 0, head = (8 - (pa & 7)) & 7, w;

	/* Bytes up to a word boundary, whole words, the rest. */
	for (; i < k && i < head; i++)
		dst[i] = src[i];
	for (; i + 8 <= k; i += 8) {
		w = *(const volatile uint64_t *)(const volatile void *)(src + i);
		memcpy(dst + i, &w, sizeof(w));
	}
	for (; i < k; i++)
		dst[i] = src[i];
}

/*
 * Zeros for a never-written frame. These reads are small (at most
 * LOCKFREE_MAX bytes); left to memset(), GCC expands it inline as
 * `rep stos`, whose start-up alone costs more than the rest of a TLB
 * hit (callgrind does not show it; a profile does: it was 14 of the
 * 21 ns of a driver read). So words are stored one by one, with a
 * compiler barrier that keeps the loop from being turned back into a
 * memset.
 */
static void zero_small(unsigned char *dst, uint64_t k)
{
	const uint64_t zero = 0;

	for (; k >= 8; k -= 8, dst += 8) {
		memcpy(dst, &zero, sizeof(zero));
		__asm__ volatile("" : : : "memory");
	}
	for (; k; k--)
		*dst++ = 0;
}

static void copy_racy(const struct gpuvm_mmu_as *as, uint64_t pa,
		      unsigned char *dst, uint64_t n)
{
	uint64_t k;

	for (; n; pa += k, dst += k, n -= k) {
		k = GPUVM_SZ_4K - (pa & (GPUVM_SZ_4K - 1));
		k = k < n ? k : n;
		if (gpuvm_mem_view_written(&as->view, pa))
			copy_frame_racy(as->view.base + pa, dst, k, pa);
		else
			zero_small(dst, k);
	}
}

/*
 * Orders the copy's loads before the second look at useq. The copy is
 * not atomic, so this needs a fence; ThreadSanitizer does not model
 * fences (nor does it see the copy), and its builds run on x86-64, where
 * loads are not reordered with loads: a compiler barrier does there.
 */
#if defined(__SANITIZE_THREAD__)
#define MMU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MMU_TSAN 1
#endif
#endif

static inline void copy_done_fence(void)
{
#ifdef MMU_TSAN
	__atomic_signal_fence(__ATOMIC_ACQUIRE);
#else
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
}

/* Accesses the lock-free path takes: small reads and fetches. */
#define LOCKFREE_MAX 256

/*
 * A read that every chunk of hits the TLB needs no lock: it notes the
 * update sequence, translates through the TLB alone, copies, and checks
 * the sequence again. Unchanged, no update touched the TLB or locked a
 * region meanwhile, so what it read is before any update it overlaps;
 * changed (or a miss, a fault, a region in the way), it answers -EAGAIN
 * having changed nothing (the copy goes to a bounce buffer), and the
 * caller takes the locked path, which waits for the region and walks on
 * a miss.
 * Readers of one AS so run side by side, and an update still appears to
 * them as before or after, never a mix.
 */
__attribute__((noinline))
static int read_lockfree(struct gpuvm_mmu_as *as, uint64_t va,
			 unsigned char *buf, size_t len,
			 enum gpuvm_mmu_access acc)
{
	uint64_t s = __atomic_load_n(&as->useq, __ATOMIC_ACQUIRE), n, chunks;
	uint64_t size, pa, done;
	unsigned char tmp[LOCKFREE_MAX];
	struct gpuvm_tlb_hit h;

	if ((s & 1) && region_overlaps(as, va, va + len - 1))
		return -EAGAIN;
	if (va >> RELAXED_LOAD(&as->va_bits) || va + len - 1 < va)
		return -EAGAIN;
	for (chunks = done = 0; done < len; chunks++, va += n, done += n) {
		if (!gpuvm_tlb_lookup(&as->tlb, va, &h) || denied(h.desc, acc))
			return -EAGAIN;
		size = 1ull << gpuvm_tlb_shift(h.idx);
		n = chunk_len(va, size, len - done);
		if (gpuvm_pte_is_null(h.desc)) {
			zero_small(tmp + done, n);
			continue;
		}
		pa = h.pa + (va & (size - 1));
		copy_racy(as, pa, tmp + done, n);
	}
	copy_done_fence();
	if (RELAXED_LOAD(&as->useq) != s)
		return -EAGAIN;
	/* Only now: an access that fails leaves the caller's buffer alone. */
	memcpy(buf, tmp, len);
	count_hits(as, chunks);
	return 0;
}

/* Reads that may try the lock-free path first: small, unchecked. */
static bool lockfree_ok(const struct gpuvm_mmu_as *as, size_t len)
{
	return as->lockfree && len && len <= LOCKFREE_MAX &&
	       !__atomic_load_n(&as->checked, __ATOMIC_RELAXED);
}

/*
 * An attempt failed with ret, the lock still held: takes the hook, if
 * one is set, unlocks and shows it the fault. True when the access is to
 * be tried again. Apart, so that do_access() stays the success path.
 */
static __attribute__((noinline)) bool
access_failed(struct gpuvm_mmu_as *as, int ret, struct hook *h,
	      const struct gpuvm_mmu_fault *lf)
{
	bool hooked = hook_take(as, ret, h);

	as_unlock(as);
	return hooked && hook_call(as, h, lf);
}

static int do_access(struct gpuvm_mmu_as *as, uint64_t va, void *rbuf,
		     const void *wbuf, size_t len, enum gpuvm_mmu_access acc,
		     struct gpuvm_mmu_fault *f)
{
	struct gpuvm_mmu_xlat xs[ACCESS_CHUNKS];
	struct gpuvm_mmu_fault lf;
	struct hook h;
	int ret;

	if (!len)
		return 0;
	h.started = false;
	do {
		lf.kind = GPUVM_MMU_FAULT_NONE;
		as_lock(as);
		wait_region(as, va, len);
		ret = translate_all(as, va, len, acc, xs, &lf);
		if (!ret) {
			copy_all(as, va, len, xs, rbuf, wbuf);
			as_unlock(as);
			return 0;
		}
	} while (access_failed(as, ret, &h, &lf));
	return report(ret, &lf, f);
}

int gpuvm_mmu_read(struct gpuvm_mmu_as *as, uint64_t va, void *buf,
		   size_t len, struct gpuvm_mmu_fault *fault_out)
{
	if (!as || !buf)
		return -EINVAL;
	if (lockfree_ok(as, len) &&
	    !read_lockfree(as, va, buf, len, GPUVM_MMU_READ))
		return 0;
	return do_access(as, va, buf, NULL, len, GPUVM_MMU_READ, fault_out);
}

int gpuvm_mmu_write(struct gpuvm_mmu_as *as, uint64_t va, const void *buf,
		    size_t len, struct gpuvm_mmu_fault *fault_out)
{
	if (!as || !buf)
		return -EINVAL;
	return do_access(as, va, NULL, buf, len, GPUVM_MMU_WRITE, fault_out);
}

int gpuvm_mmu_fetch(struct gpuvm_mmu_as *as, uint64_t va, void *buf,
		    size_t len, struct gpuvm_mmu_fault *fault_out)
{
	if (!as || !buf)
		return -EINVAL;
	if (lockfree_ok(as, len) &&
	    !read_lockfree(as, va, buf, len, GPUVM_MMU_EXEC))
		return 0;
	return do_access(as, va, buf, NULL, len, GPUVM_MMU_EXEC, fault_out);
}

/* ------------------------------------------------------------------ */
/* Host pointers                                                       */

/* What a NULL leaf reads as through a host pointer. */
static const unsigned char zero_page[GPUVM_SZ_4K];

/* h's host address: the page's memory, or a NULL leaf's stand-in. */
static unsigned char *hptr_host(struct gpuvm_mmu_as *as,
				const struct gpuvm_mmu_xlat *x,
				enum gpuvm_mmu_access acc, uint64_t page_pa)
{
	if (x->null)
		return acc == GPUVM_MMU_WRITE ? as->sink :
		       (unsigned char *)(uintptr_t)zero_page;
	if (acc == GPUVM_MMU_WRITE)
		return gpuvm_mem_wptr(as->mem, page_pa, GPUVM_SZ_4K);
	return gpuvm_mem_ptr(as->mem, page_pa);
}

/* One attempt of gpuvm_mmu_hptr_get(), as translate_once(). */
static int hptr_once(struct gpuvm_mmu_as *as, uint64_t va,
		     enum gpuvm_mmu_access access, struct gpuvm_mmu_hptr *h,
		     struct gpuvm_mmu_fault *lf, struct hook *hk, bool *again)
{
	struct gpuvm_mmu_xlat x;
	uint64_t off = va & (GPUVM_SZ_4K - 1);
	int ret;

	lf->kind = GPUVM_MMU_FAULT_NONE;
	as_lock(as);
	wait_region(as, va, 1);
	ret = xlate(as, va, access, &x, lf);
	if (!ret) {
		/* Under the lock, so no change is half seen. */
		h->gen = RELAXED_LOAD(&as->useq);
		h->genp = &as->useq;
		h->va_base = va - off;
		h->len = GPUVM_SZ_4K;
		h->access = access;
		h->as = as->checked ? as : NULL;
		h->pa = x.null ? 0 : x.pa - off;
		h->desc = x.desc;
		h->host = hptr_host(as, &x, access, h->pa);
		if (!h->host) { /* a backend without a direct pointer there */
			h->genp = NULL; /* so gpuvm_mmu_hptr_at() says NULL */
			ret = -EOPNOTSUPP;
		}
	}
	*again = hook_take(as, ret, hk);
	as_unlock(as);
	return ret;
}

int gpuvm_mmu_hptr_get(struct gpuvm_mmu_as *as, uint64_t va,
		       enum gpuvm_mmu_access access, struct gpuvm_mmu_hptr *h,
		       struct gpuvm_mmu_fault *fault_out)
{
	struct gpuvm_mmu_fault lf;
	struct hook hk = { 0 };
	bool again;
	int ret;

	if (!as || !h || (unsigned int)access > GPUVM_MMU_EXEC)
		return -EINVAL;
	do
		ret = hptr_once(as, va, access, h, &lf, &hk, &again);
	while (again && hook_call(as, &hk, &lf));
	return report(ret, &lf, fault_out);
}

/*
 * Checked mode: the page still translates as when h was made. A stale
 * pointer counts as a stale hit, as a stale TLB entry does.
 */
int gpuvm_mmu_hptr_verify(const struct gpuvm_mmu_hptr *h)
{
	struct gpuvm_mmu_as *as;
	unsigned int reads;
	struct leaf l;
	uint64_t pa;

	if (!h || !h->as)
		return h ? 0 : -EINVAL;
	as = h->as;
	if (!walk_pure(as, h->va_base, &l, &reads)) {
		pa = gpuvm_pte_is_null(l.desc) ? 0 :
		     l.pa + (h->va_base & (gpuvm_pt_level_size(l.level) - 1));
		if (l.desc == h->desc && pa == h->pa)
			return 0;
	}
	as_lock(as);
	as->st.stale++;
	as_unlock(as);
	return -ESTALE;
}

/* ------------------------------------------------------------------ */
/* Invalidation                                                        */

/* An empty range invalidates nothing and is not counted. */
void gpuvm_mmu_invalidate(struct gpuvm_mmu_as *as, uint64_t va, uint64_t size)
{
	uint64_t last = va + size - 1, n;

	if (!as || !size)
		return;
	if (last < va) /* the range runs past 2^64: clamp, don't wrap */
		last = UINT64_MAX;
	as_lock(as);
	tlb_changed(as);
	as->st.invalidations++;
	n = gpuvm_tlb_invalidate(&as->tlb, va, last);
	as->st.entries_dropped += n;
	if (UNLIKELY(as->trace))
		trace_invalidate(as, va, last, n);
	as_unlock(as);
}

void gpuvm_mmu_invalidate_all(struct gpuvm_mmu_as *as)
{
	if (!as)
		return;
	as_lock(as);
	drop_all(as);
	as_unlock(as);
}

/*
 * The update region, rounded out as panthor's AS_LOCK does: a naturally
 * aligned power of two of at least 32 KiB holding the whole range.
 */
void gpuvm_mmu_lock_region(struct gpuvm_mmu_as *as, uint64_t start,
			   uint64_t size)
{
	uint64_t last = start + size - 1, span = 32 * 1024;

	if (!as || !size)
		return;
	if (last < start)
		last = UINT64_MAX;
	while (span && (start & ~(span - 1)) != (last & ~(span - 1)))
		span <<= 1;
	as_lock(as);
	RELAXED_STORE(&as->lock_start, span ? start & ~(span - 1) : 0);
	RELAXED_STORE(&as->lock_end, span && (start & ~(span - 1)) + span ?
			     (start & ~(span - 1)) + span : UINT64_MAX);
	/* Odd: the region above is set; readers inside it take the lock. */
	__atomic_store_n(&as->useq, (RELAXED_LOAD(&as->useq) | 1),
			 __ATOMIC_RELEASE);
	as_unlock(as);
}

void gpuvm_mmu_unlock_region(struct gpuvm_mmu_as *as)
{
	if (!as)
		return;
	as_lock(as);
	RELAXED_STORE(&as->lock_start, 0);
	RELAXED_STORE(&as->lock_end, 0);
	/* Even again, and past every value a reader saw meanwhile. */
	__atomic_store_n(&as->useq, (RELAXED_LOAD(&as->useq) | 1) + 1,
			 __ATOMIC_RELEASE);
	if (as->concurrent)
		pthread_cond_broadcast(&as->unlocked);
	as_unlock(as);
}

/* ------------------------------------------------------------------ */
/* Verification                                                        */

uint64_t gpuvm_mmu_tlb_verify(const struct gpuvm_mmu_as *as)
{
	uint64_t stale = 0, i;
	unsigned int idx, reads;

	if (!as)
		return 0;
	as_lock(as);
	for (idx = 0; idx < GPUVM_TLB_SIZES; idx++) {
		const struct gpuvm_tlb_array *a = &as->tlb.a[idx];

		for (i = 0; i <= a->mask; i++) {
			const struct gpuvm_tlb_entry *e = &a->e[i];
			uint64_t tag = TLB_LOAD(&e->tag);
			uint64_t va = tag & ~GPUVM_TLB_VALID;
			struct leaf l;

			if (!(tag & GPUVM_TLB_VALID))
				continue;
			if (walk_pure(as, va, &l, &reads) ||
			    l.level != gpuvm_tlb_level(idx) ||
			    l.desc != TLB_LOAD(&e->desc) ||
			    l.pa != TLB_LOAD(&e->pa))
				stale++;
		}
	}
	as_unlock(as);
	return stale;
}
