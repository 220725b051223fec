// SPDX-License-Identifier: MIT
/*
 * DOC: the step engine
 *
 * See driver.h. One run is one device with one of FZ_PRESETS
 * configurations (sparse dummy or NULL, page sizes, shared or private
 * sparse tables, TLB size, checked or unchecked MMU, VA width, limits),
 * up to M_MAX_FILES files, each with VMs and BOs, and a stream of steps:
 *
 *  - files: open, close (everything the file had must go: once no file
 *    is left, no frame may be in use);
 *  - VMs: create (default, window-cutting and bad user_va), destroy,
 *    fill to the 33rd (-EBUSY), state and queue queries;
 *  - BOs: create (sizes, chunks, exclusive, bad arguments), close, CPU
 *    reads and writes (in range and not);
 *  - VM_BIND, synchronous or queued: batches of MAP (plain, repeat,
 *    sparse, each protection), UNMAP, SYNC_ONLY and invalid ops (bad
 *    alignment, overflow, kernel range, beyond the VA width, unknown
 *    flags and types, bad handles, bad offsets and repeats, exclusive BOs
 *    in the wrong VM, syncs where they do not belong); queued binds wait
 *    and signal timelines, run and wait steps drive them;
 *  - eviction: evict a BO or the dummy, validate, pin, unpin, residency;
 *    the budget's and reclaim's error paths (the budget stays all of RAM);
 *  - GPU reads, writes and fetches of 1..16 bytes (sometimes many pages)
 *    anywhere: data must match, faults must match in kind and address;
 *  - allocation failures: now and then a bind runs with the VA manager's
 *    or the memory's nth allocation failing; a -ENOMEM at op k must have
 *    left exactly ops 0..k-1 done (a queued batch: nothing). In the
 *    presets with limits, now and then a queued MAP is made to fail as
 *    it runs (a VA allocation), which makes its VM unusable.
 *
 * Valid ops stay in the model's window and far slots; invalid ones go
 * anywhere. Memory never runs short: BO bytes per file are capped so the
 * device's budget is never reached and the shrinker never runs (the model
 * does not follow LRU order).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gpuvm/drv.h"
#include "gpuvm/mem.h"
#include "gpuvm/mmu.h"
#include "gpuvm/pt.h"

#include "driver.h"
#include "model.h"

/* The model's reading of the uAPI must be drv.h's. */
_Static_assert(M_OP_READONLY == GPUVM_DRV_OP_MAP_READONLY, "READONLY");
_Static_assert(M_OP_NOEXEC == GPUVM_DRV_OP_MAP_NOEXEC, "NOEXEC");
_Static_assert(M_OP_UNCACHED == GPUVM_DRV_OP_MAP_UNCACHED, "UNCACHED");
_Static_assert(M_OP_SPARSE == GPUVM_DRV_OP_MAP_SPARSE, "SPARSE");
_Static_assert(M_OP_TYPE_MASK == GPUVM_DRV_OP_TYPE_MASK, "TYPE_MASK");
_Static_assert(M_OP_MAP == GPUVM_DRV_OP_TYPE_MAP, "MAP");
_Static_assert(M_OP_UNMAP == GPUVM_DRV_OP_TYPE_UNMAP, "UNMAP");
_Static_assert(M_OP_SYNC_ONLY == GPUVM_DRV_OP_TYPE_SYNC_ONLY, "SYNC_ONLY");
_Static_assert(M_BIND_ASYNC == GPUVM_DRV_BIND_ASYNC, "ASYNC");
_Static_assert(M_SYNC_WAIT == GPUVM_DRV_SYNC_WAIT, "WAIT");
_Static_assert(M_SYNC_SIGNAL == GPUVM_DRV_SYNC_SIGNAL, "SIGNAL");
_Static_assert(M_MAX_VMS == GPUVM_DRV_MAX_VMS_PER_FILE, "VMs per file");
_Static_assert(M_DUMMY_SIZE == GPUVM_SZ_2M, "dummy size");

#define FZ_TOUCH        16    /* touched ranges per step */
#define FZ_ANCHORS      32
#define FZ_LOOKUP_ALL   64    /* ranges up to this many pages: every page */
#define FZ_MAX_JOBS     24    /* queued jobs in the device */
#define FZ_MAX_LIVE_VMS 4     /* per file, outside the 33rd-VM step */
#define FZ_BIG_ACCESS   (40 * M_PAGE)

#define FALLTHROUGH __attribute__((fallthrough))

/* ------------------------------------------------------------------ */
/* Presets                                                             */

struct fz_preset {
	const char *name;
	enum gpuvm_drv_sparse sparse;
	uint64_t pgsizes;
	unsigned int va_bits;
	bool private_sparse, unchecked;
	unsigned int tlb_entries;
	uint64_t max_mappings;
	uint32_t max_bos;
	bool far;   /* generate valid far-slot ops (not with 4 KiB pages) */
	/*
	 * Now and then make a queued MAP fail when it runs (see do_run()).
	 * Only where the mapping limit used to do it, before queued jobs
	 * held their slots: the other presets' inputs, the bug reproducers
	 * among them, keep the steps they were recorded with.
	 */
	bool runfail;
};

#define PG_4K GPUVM_PT_PGSIZE_4K
#define PG_2M GPUVM_PT_PGSIZE_2M
#define PG_1G GPUVM_PT_PGSIZE_1G

static const struct fz_preset presets[FZ_PRESETS] = {
	{ "dummy", GPUVM_DRV_SPARSE_DUMMY, 0, 0, false, false, 0, 0, 0, true,
	  false },
	{ "null-1g", GPUVM_DRV_SPARSE_NULL, PG_4K | PG_2M | PG_1G, 0, false,
	  false, 0, 0, 0, true, false },
	{ "dummy-1g-private-tlb4", GPUVM_DRV_SPARSE_DUMMY,
	  PG_4K | PG_2M | PG_1G, 0, true, false, 4, 0, 0, true, false },
	{ "dummy-4k", GPUVM_DRV_SPARSE_DUMMY, PG_4K, 0, false, false, 0, 0, 0,
	  false, false },
	{ "null-4k-unchecked", GPUVM_DRV_SPARSE_NULL, PG_4K, 0, false, true,
	  0, 0, 0, false, false },
	{ "dummy-39bit-limits", GPUVM_DRV_SPARSE_DUMMY, 0, 39, false, false,
	  0, 40, 24, true, true },
	{ "null-36bit-private-limits", GPUVM_DRV_SPARSE_NULL, 0, 36, true,
	  false, 16, 24, 0, true, true },
	{ "dummy-32bit-unchecked", GPUVM_DRV_SPARSE_DUMMY, 0, 32, false,
	  true, 16, 0, 0, true, false },
};

/* ------------------------------------------------------------------ */
/* The source of every decision                                        */

struct fz_src {
	const uint8_t *data;
	size_t len, pos;
	bool prng, done;
	uint64_t rng;
	bool rec;
	uint8_t *buf;
	size_t buf_len, buf_cap;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int width_of(uint64_t max)
{
	unsigned int w = 1;

	while (w < 8 && (max >> (8 * w)))
		w++;
	return w;
}

static void src_record(struct fz_src *s, uint64_t v, unsigned int w)
{
	unsigned int i;
	uint8_t *p;

	if (!s->rec)
		return;
	if (s->buf_len + w > s->buf_cap) {
		size_t cap = s->buf_cap ? s->buf_cap * 2 : 4096;

		p = realloc(s->buf, cap);
		if (!p)
			abort();
		s->buf = p;
		s->buf_cap = cap;
	}
	for (i = 0; i < w; i++)
		s->buf[s->buf_len++] = (uint8_t)(v >> (8 * i));
}

/* w bytes of the input, or of the PRNG. */
static uint64_t src_raw(struct fz_src *s, unsigned int w)
{
	uint64_t v = 0;
	unsigned int i;

	if (s->prng)
		return w == 8 ? splitmix(&s->rng) :
				splitmix(&s->rng) & ((1ull << (8 * w)) - 1);
	for (i = 0; i < w; i++) {
		if (s->pos >= s->len) {
			s->done = true;
			break;
		}
		v |= (uint64_t)s->data[s->pos++] << (8 * i);
	}
	return v;
}

/* A value in [0, n); n >= 1. */
static uint64_t below(struct fz_src *s, uint64_t n)
{
	unsigned int w;
	uint64_t v;

	if (n <= 1)
		return 0;
	w = width_of(n - 1);
	v = s->prng ? splitmix(&s->rng) % n : src_raw(s, w) % n;
	src_record(s, v, w);
	return v;
}

static uint64_t any64(struct fz_src *s)
{
	uint64_t v = src_raw(s, 8);

	src_record(s, v, 8);
	return v;
}

static bool chance(struct fz_src *s, unsigned int pct)
{
	return below(s, 100) < pct;
}

/* [lo, hi] */
static uint64_t range(struct fz_src *s, uint64_t lo, uint64_t hi)
{
	return lo + below(s, hi - lo + 1);
}

/* ------------------------------------------------------------------ */
/* The engine                                                          */

struct fz_touch {
	unsigned int f;
	uint32_t vm;
	uint64_t s, e;     /* s == e: the VM as a whole (check, samples) */
};

struct fz {
	struct fz_opts o;
	struct fz_src src;
	/* Where comparisons sample: a PRNG in every mode. Sampling changes
	 * nothing, so inputs only carry what the steps do. */
	struct fz_src vsrc;
	const struct fz_preset *p;
	int preset;
	void *ram_buf;            /* o.caller_ram: the device RAM */
	struct model *m;
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *file[M_MAX_FILES];
	unsigned long step;
	char what[1024];
	size_t what_len;
	struct fz_touch touch[FZ_TOUCH];
	unsigned int n_touch;
	uint64_t anchor[FZ_ANCHORS];
	unsigned int n_anchor, anchor_pos;
	/* When the costly steps last ran: an input may ask for them at
	 * every step, and must still finish far inside libFuzzer's timeout. */
	unsigned long last_limit, last_sweep, last_far_4k;
	struct fz_stats st;
	bool failed;
	FILE *log;
};

static void what(struct fz *z, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void what(struct fz *z, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (z->what_len >= sizeof(z->what) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(z->what + z->what_len, sizeof(z->what) - z->what_len,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		z->what_len += (size_t)n;
	if (z->what_len > sizeof(z->what) - 1)
		z->what_len = sizeof(z->what) - 1;
}

static void fail(struct fz *z, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The first difference only: everything after it follows from it. */
static void fail(struct fz *z, const char *fmt, ...)
{
	va_list ap;

	if (z->failed)
		return;
	z->failed = true;
	if (z->src.prng)
		fprintf(z->log, "gpuvm fuzz: MISMATCH seed 0x%" PRIx64
			" preset %d (%s) step %lu\n", z->o.seed, z->preset,
			z->p->name, z->step);
	else
		fprintf(z->log, "gpuvm fuzz: MISMATCH input of %zu bytes, "
			"preset %d (%s) step %lu\n", z->src.len, z->preset,
			z->p->name, z->step);
	fprintf(z->log, "  step: %s\n  differs: ", z->what);
	va_start(ap, fmt);
	vfprintf(z->log, fmt, ap);
	va_end(ap);
	fputc('\n', z->log);
	fflush(z->log);
}

static const char *err_name(int err)
{
	static char buf[16];

	switch (err) {
	case 0: return "0";
	case -EINVAL: return "-EINVAL";
	case -EBUSY: return "-EBUSY";
	case -ENOSPC: return "-ENOSPC";
	case -ENOMEM: return "-ENOMEM";
	case -ENOENT: return "-ENOENT";
	case -EFAULT: return "-EFAULT";
	case -ESTALE: return "-ESTALE";
	case -ETIMEDOUT: return "-ETIMEDOUT";
	case -EUCLEAN: return "-EUCLEAN";
	}
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

/* Compares a return value; false (after reporting) if they differ. */
static bool same_ret(struct fz *z, const char *call, int got, int want)
{
	if (got == want)
		return true;
	fail(z, "%s returned %s, the model says %s", call, err_name(got),
	     err_name(want));
	return false;
}

static void touch(struct fz *z, unsigned int f, uint32_t vm, uint64_t s,
		  uint64_t e)
{
	if (z->n_touch < FZ_TOUCH) {
		z->touch[z->n_touch++] = (struct fz_touch){ f, vm, s, e };
		return;
	}
	/* Full: the VM as a whole is still checked. */
	z->touch[FZ_TOUCH - 1] = (struct fz_touch){ f, vm, 0, 0 };
}

static void touch_file(struct fz *z, unsigned int f)
{
	uint32_t v;

	for (v = 1; v <= M_MAX_VMS; v++)
		if (model_vm(z->m, f, v))
			touch(z, f, v, 0, 0);
}

static void add_anchor(struct fz *z, uint64_t va)
{
	if (va < M_WIN_START || va > M_WIN_END)
		return;
	z->anchor[z->anchor_pos] = va;
	z->anchor_pos = (z->anchor_pos + 1) % FZ_ANCHORS;
	if (z->n_anchor < FZ_ANCHORS)
		z->n_anchor++;
}

/* ------------------------------------------------------------------ */
/* Picking                                                             */

static int pick_file(struct fz *z)
{
	unsigned int live[M_MAX_FILES], n = 0, f;

	for (f = 0; f < M_MAX_FILES; f++)
		if (z->m->files[f].live)
			live[n++] = f;
	return n ? (int)live[below(&z->src, n)] : -1;
}

static unsigned int vm_count(struct fz *z, unsigned int f)
{
	unsigned int n = 0;
	uint32_t v;

	for (v = 1; v <= M_MAX_VMS; v++)
		n += model_vm(z->m, f, v) != NULL;
	return n;
}

/* A live VM of f, or 0. */
static uint32_t pick_vm(struct fz *z, unsigned int f)
{
	uint32_t live[M_MAX_VMS], n = 0, v;

	for (v = 1; v <= M_MAX_VMS; v++)
		if (model_vm(z->m, f, v))
			live[n++] = v;
	return n ? live[below(&z->src, n)] : 0;
}

/* Mostly a live VM; sometimes an id that names none. */
static uint32_t pick_vm_or_bad(struct fz *z, unsigned int f)
{
	uint32_t v = pick_vm(z, f);

	if (!v || chance(&z->src, 3))
		return (uint32_t)below(&z->src, M_MAX_VMS + 3);
	return v;
}

/* An open BO of f, or 0. */
static uint32_t pick_bo(struct fz *z, unsigned int f)
{
	const struct m_file *file = &z->m->files[f];
	uint32_t n = 0, h, i, k;

	for (h = 1; h <= file->nbos; h++)
		n += file->bos[h - 1].open;
	if (!n)
		return 0;
	k = (uint32_t)below(&z->src, n);
	for (h = 1, i = 0; h <= file->nbos; h++) {
		if (!file->bos[h - 1].open)
			continue;
		if (i++ == k)
			return h;
	}
	return 0;
}

/* Mostly an open BO; sometimes a closed, unknown or absurd handle. */
static uint32_t pick_bo_or_bad(struct fz *z, unsigned int f)
{
	uint32_t h = pick_bo(z, f), nbos = z->m->files[f].nbos;

	if (h && !chance(&z->src, 5))
		return h;
	switch (below(&z->src, 4)) {
	case 0:
		return 0;
	case 1:
		return nbos + 1 + (uint32_t)below(&z->src, 4);
	case 2:
		return UINT32_MAX;
	default:
		return nbos ? 1 + (uint32_t)below(&z->src, nbos) : 1;
	}
}

/* ------------------------------------------------------------------ */
/* Comparing the VA space                                              */

static const char *kind_name(enum m_kind k)
{
	return k == M_NONE ? "none" : k == M_SPARSE ? "sparse" : "bo";
}

static enum m_kind kind_of(enum gpuvm_drv_backing b)
{
	return b == GPUVM_DRV_NONE ? M_NONE :
	       b == GPUVM_DRV_SPARSE ? M_SPARSE : M_BO;
}

static bool same_lookup(struct fz *z, unsigned int f, uint32_t vm,
			uint64_t va, const struct m_lookup *want,
			enum m_kind kind, uint32_t handle, uint64_t offset,
			uint32_t flags, const char *how)
{
	if (kind == want->kind && flags == want->flags &&
	    (kind != M_BO || (handle == want->bo_handle &&
			      offset == want->bo_offset)))
		return true;
	fail(z, "%s: file %u VM %u va 0x%" PRIx64 ": gpuvm has %s handle %u "
	     "offset 0x%" PRIx64 " flags 0x%x, the model %s handle %u offset "
	     "0x%" PRIx64 " flags 0x%x%s", how, f, vm, va, kind_name(kind),
	     handle, offset, flags, kind_name(want->kind), want->bo_handle,
	     want->bo_offset, want->flags, want->evicted ? " (evicted)" : "");
	return false;
}

static bool lookup_one(struct fz *z, unsigned int f, uint32_t vm,
		       uint64_t va)
{
	struct gpuvm_drv_lookup l;
	struct m_lookup want;
	int ret;

	memset(&l, 0xa5, sizeof(l));
	ret = gpuvm_drv_vm_lookup(z->file[f], vm, va, &l);
	if (!same_ret(z, "gpuvm_drv_vm_lookup", ret,
		      model_lookup(z->m, f, vm, va, &want)))
		return false;
	z->st.lookups++;
	if (ret)
		return true;
	return same_lookup(z, f, vm, va, &want, kind_of(l.kind), l.bo_handle,
			   l.bo_offset, l.flags, "lookup");
}

struct cmp {
	struct fz *z;
	unsigned int f;
	uint32_t vm;
	uint64_t lo, hi;      /* compared range, page aligned */
	uint64_t cursor;      /* window: compared up to here */
	unsigned int far_seen;
	uint64_t mappings;
	bool bad;
};

/* Window pages [from, to) must hold nothing in the model. */
static bool cmp_empty(struct cmp *c, uint64_t from, uint64_t to)
{
	struct m_lookup want;
	uint64_t x;

	for (x = from; x < to; x += M_PAGE) {
		model_lookup(c->z->m, c->f, c->vm, x, &want);
		c->z->st.pages_compared++;
		if (want.kind != M_NONE)
			return same_lookup(c->z, c->f, c->vm, x, &want, M_NONE,
					   0, 0, 0, "mappings");
	}
	return true;
}

static int cmp_mapping(void *cookie, const struct gpuvm_drv_mapping *mp)
{
	struct cmp *c = cookie;
	struct fz *z = c->z;
	uint64_t end = mp->va + mp->size, s, e, x, off;
	struct m_lookup want;
	int slot = model_far_slot(mp->va);

	c->mappings++;
	if (slot >= 0) {
		const struct m_far *far =
			&model_vm(z->m, c->f, c->vm)->far[slot];

		if (mp->va % M_1G || mp->size != M_1G ||
		    mp->kind != GPUVM_DRV_SPARSE || !far->mapped ||
		    mp->flags != far->flags) {
			fail(z, "mappings: file %u VM %u: gpuvm has [0x%" PRIx64
			     ", 0x%" PRIx64 ") kind %d flags 0x%x in far slot "
			     "%d, the model %s flags 0x%x", c->f, c->vm, mp->va,
			     end, mp->kind, mp->flags, slot,
			     far->mapped ? "a whole sparse slot" : "nothing",
			     far->flags);
			c->bad = true;
			return 1;
		}
		c->far_seen |= 1u << slot;
		return 0;
	}
	if (mp->va < M_WIN_START || end > M_WIN_END || end <= mp->va ||
	    mp->va % M_PAGE || mp->size % M_PAGE) {
		fail(z, "mappings: file %u VM %u: gpuvm has [0x%" PRIx64 ", 0x%"
		     PRIx64 ") where the model never mapped anything", c->f,
		     c->vm, mp->va, end);
		c->bad = true;
		return 1;
	}
	s = mp->va > c->lo ? mp->va : c->lo;
	e = end < c->hi ? end : c->hi;
	if (s < c->cursor) {
		fail(z, "mappings: file %u VM %u: [0x%" PRIx64 ", 0x%" PRIx64
		     ") overlaps the one before", c->f, c->vm, mp->va, end);
		c->bad = true;
		return 1;
	}
	if (!cmp_empty(c, c->cursor, s)) {
		c->bad = true;
		return 1;
	}
	for (x = s; x < e; x += M_PAGE) {
		model_lookup(z->m, c->f, c->vm, x, &want);
		z->st.pages_compared++;
		if (mp->kind == GPUVM_DRV_SPARSE) {
			if (!same_lookup(z, c->f, c->vm, x, &want, M_SPARSE, 0,
					 0, mp->flags, "mappings")) {
				c->bad = true;
				return 1;
			}
			continue;
		}
		off = mp->repeat ?
		      mp->bo_offset + (x - mp->va + mp->phase) % mp->repeat :
		      mp->bo_offset + (x - mp->va);
		if (!same_lookup(z, c->f, c->vm, x, &want, M_BO, mp->bo_handle,
				 off, mp->flags, "mappings")) {
			c->bad = true;
			return 1;
		}
	}
	if (e > c->cursor)
		c->cursor = e;
	return 0;
}

/*
 * Every page of [lo, hi) by for_each_mapping, which must report nothing
 * the model does not hold; with whole, also the mapping count.
 */
static bool cmp_mappings(struct fz *z, unsigned int f, uint32_t vm,
			 uint64_t lo, uint64_t hi, bool whole)
{
	struct cmp c = { .z = z, .f = f, .vm = vm, .lo = lo, .hi = hi };
	struct m_vm *mvm = model_vm(z->m, f, vm);
	uint64_t wlo = lo > M_WIN_START ? lo : M_WIN_START;
	uint64_t whi = hi < M_WIN_END ? hi : M_WIN_END;
	unsigned int i;
	int ret;

	c.cursor = wlo;
	ret = gpuvm_drv_vm_for_each_mapping(z->file[f], vm, lo, hi,
					    cmp_mapping, &c);
	if (c.bad)
		return false;
	if (!same_ret(z, "gpuvm_drv_vm_for_each_mapping", ret, 0))
		return false;
	if (wlo < whi && !cmp_empty(&c, c.cursor, whi))
		return false;
	for (i = 0; i < M_FAR_SLOTS; i++) {
		uint64_t s = M_FAR_START + i * M_1G;

		if (s < hi && lo < s + M_1G && mvm->far[i].mapped &&
		    !(c.far_seen & (1u << i))) {
			fail(z, "mappings: file %u VM %u: far slot %u is a "
			     "sparse range in the model, gpuvm has not got it "
			     "whole", f, vm, i);
			return false;
		}
	}
	if (whole && c.mappings != model_mapping_count(mvm)) {
		fail(z, "mappings: file %u VM %u: gpuvm has %" PRIu64
		     " mappings, the model %" PRIu64, f, vm, c.mappings,
		     model_mapping_count(mvm));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* GPU accesses                                                        */

static enum m_fault_kind fault_of(enum gpuvm_mmu_fault_kind k)
{
	switch (k) {
	case GPUVM_MMU_FAULT_NONE:
		return M_FAULT_NONE;
	case GPUVM_MMU_FAULT_TRANSLATION:
		return M_FAULT_TRANSLATION;
	case GPUVM_MMU_FAULT_PERMISSION:
		return M_FAULT_PERMISSION;
	case GPUVM_MMU_FAULT_ADDRESS_SIZE:
		return M_FAULT_ADDRESS_SIZE;
	case GPUVM_MMU_FAULT_ACCESS_FLAG:
		break;
	}
	return (enum m_fault_kind)99;
}

static const char *fault_name(enum m_fault_kind k)
{
	switch (k) {
	case M_FAULT_NONE: return "none";
	case M_FAULT_TRANSLATION: return "translation";
	case M_FAULT_PERMISSION: return "permission";
	case M_FAULT_ADDRESS_SIZE: return "address size";
	}
	return "other";
}

static const char *access_name(unsigned int a)
{
	return a == M_READ ? "read" : a == M_WRITE ? "write" :
	       a == M_EXEC ? "exec" : "bad access";
}

/*
 * One GPU access on both. For a write, data is what is written; reads
 * compare what comes back. False after reporting a difference.
 */
static bool gpu_access(struct fz *z, unsigned int f, uint32_t vm,
		       unsigned int access, uint64_t va, const uint8_t *data,
		       size_t len)
{
	static uint8_t got[FZ_BIG_ACCESS], want[FZ_BIG_ACCESS];
	struct gpuvm_mmu_fault gf;
	struct m_fault mf = { M_FAULT_NONE, 0 };
	size_t i;
	int ret, exp;

	if (len > FZ_BIG_ACCESS)
		abort();
	memset(&gf, 0, sizeof(gf));
	if (access == M_WRITE) {
		memcpy(got, data, len);
		memcpy(want, data, len);
	} else {
		memset(got, 0xee, len);
		memset(want, 0xee, len);
	}
	exp = model_gpu_access(z->m, f, vm, access, va, want, len, &mf);
	ret = gpuvm_drv_gpu_access(z->file[f], vm,
				   (enum gpuvm_mmu_access)access, va, got, len,
				   &gf);
	z->st.reads++;
	if (ret != exp) {
		if (ret == -EFAULT)
			fail(z, "GPU %s file %u VM %u va 0x%" PRIx64 " len %zu: "
			     "gpuvm faults (%s at 0x%" PRIx64 "), the model "
			     "says %s", access_name(access), f, vm, va, len,
			     gpuvm_mmu_fault_name(gf.kind), gf.addr,
			     err_name(exp));
		else if (exp == -EFAULT)
			fail(z, "GPU %s file %u VM %u va 0x%" PRIx64 " len %zu: "
			     "gpuvm returns %s, the model faults (%s at 0x%"
			     PRIx64 ")", access_name(access), f, vm, va, len,
			     err_name(ret), fault_name(mf.kind), mf.addr);
		else
			same_ret(z, "gpuvm_drv_gpu_access", ret, exp);
		return false;
	}
	if (ret == -EFAULT) {
		z->st.gpu_faults++;
		if (fault_of(gf.kind) != mf.kind || gf.addr != mf.addr ||
		    gf.access != (enum gpuvm_mmu_access)access) {
			fail(z, "GPU %s file %u VM %u va 0x%" PRIx64 " len %zu: "
			     "gpuvm faults %s at 0x%" PRIx64 " (access %d), the "
			     "model %s at 0x%" PRIx64, access_name(access), f,
			     vm, va, len, gpuvm_mmu_fault_name(gf.kind),
			     gf.addr, gf.access, fault_name(mf.kind), mf.addr);
			return false;
		}
		return true;
	}
	if (ret || access == M_WRITE)
		return true;
	for (i = 0; i < len; i++) {
		if (got[i] == want[i])
			continue;
		fail(z, "GPU %s file %u VM %u va 0x%" PRIx64 " len %zu: byte "
		     "%zu (va 0x%" PRIx64 ") is 0x%02x, the model says 0x%02x",
		     access_name(access), f, vm, va, len, i, va + i, got[i],
		     want[i]);
		return false;
	}
	return true;
}

/* An 8-byte read somewhere in the page at x. */
static bool read_page(struct fz *z, unsigned int f, uint32_t vm, uint64_t x)
{
	uint64_t off = below(&z->vsrc, 4) ? 0 : below(&z->vsrc, M_PAGE - 8);

	return gpu_access(z, f, vm, M_READ, x + off, NULL, 8);
}

/* ------------------------------------------------------------------ */
/* After every step                                                    */

static bool check_vm(struct fz *z, unsigned int f, uint32_t vm)
{
	int ret = gpuvm_drv_vm_check(z->file[f], vm, z->log);

	z->st.checks++;
	if (ret) {
		fail(z, "gpuvm_drv_vm_check(file %u, VM %u) = %s", f, vm,
		     err_name(ret));
		return false;
	}
	return true;
}

/* Compares one touched range (clipped to what the model tracks). */
static bool verify_range(struct fz *z, unsigned int f, uint32_t vm,
			 uint64_t s, uint64_t e)
{
	uint64_t lo, hi, n, i, x;
	unsigned int slot;

	if (e < s) /* an op that wraps: all of the window */
		e = UINT64_MAX;
	lo = s > M_WIN_START ? s & ~(M_PAGE - 1) : M_WIN_START;
	hi = e < M_WIN_END ? (e + M_PAGE - 1) & ~(M_PAGE - 1) : M_WIN_END;
	if (lo < hi) {
		if (!cmp_mappings(z, f, vm, lo, hi, false))
			return false;
		n = (hi - lo) / M_PAGE;
		/* The pages either side too: where a split would show. */
		if (lo > M_WIN_START && !lookup_one(z, f, vm, lo - M_PAGE))
			return false;
		if (hi < M_WIN_END && !lookup_one(z, f, vm, hi))
			return false;
		for (i = 0; i < n && i < FZ_LOOKUP_ALL; i++) {
			x = n <= FZ_LOOKUP_ALL ? lo + i * M_PAGE :
			    i < 8 ? lo + i * M_PAGE :
			    i < 16 ? hi - (i - 7) * M_PAGE :
			    lo + below(&z->vsrc, n) * M_PAGE;
			if (!lookup_one(z, f, vm, x + below(&z->vsrc, M_PAGE)))
				return false;
		}
		for (i = 0; i < 4 && i < n; i++) {
			x = i == 0 ? lo : i == 1 ? hi - M_PAGE :
			    lo + below(&z->vsrc, n) * M_PAGE;
			if (!read_page(z, f, vm, x))
				return false;
		}
	}
	for (slot = 0; slot < M_FAR_SLOTS; slot++) {
		uint64_t fs = M_FAR_START + slot * M_1G;

		if (!(fs < e && s < fs + M_1G))
			continue;
		if (!cmp_mappings(z, f, vm, fs, fs + M_1G, false))
			return false;
		x = fs + below(&z->vsrc, M_1G / M_PAGE) * M_PAGE;
		if (!lookup_one(z, f, vm, x) || !read_page(z, f, vm, x))
			return false;
	}
	return true;
}

/* A VM as a whole after eviction and the like: samples. */
static bool verify_samples(struct fz *z, unsigned int f, uint32_t vm)
{
	uint64_t x;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		x = M_WIN_START + below(&z->vsrc, M_WIN_PAGES) * M_PAGE;
		if (z->n_anchor && chance(&z->vsrc, 50))
			x = z->anchor[below(&z->vsrc, z->n_anchor)] &
			    ~(M_PAGE - 1);
		if (x >= M_WIN_END)
			x = M_WIN_END - M_PAGE;
		if (!lookup_one(z, f, vm, x) || !read_page(z, f, vm, x))
			return false;
	}
	x = M_FAR_START + below(&z->vsrc, M_FAR_END / M_PAGE -
				M_FAR_START / M_PAGE) * M_PAGE;
	return read_page(z, f, vm, x);
}

static bool verify(struct fz *z)
{
	uint32_t checked[M_MAX_FILES] = { 0 };
	unsigned int i;

	for (i = 0; i < z->n_touch && !z->failed; i++) {
		const struct fz_touch *t = &z->touch[i];
		struct gpuvm_drv_lookup l;

		if (!z->m->files[t->f].live)
			continue;
		if (!model_vm(z->m, t->f, t->vm)) {
			/* Gone (or never there): gpuvm must agree. */
			same_ret(z, "gpuvm_drv_vm_lookup of a VM that is not "
				 "there", gpuvm_drv_vm_lookup(z->file[t->f],
				 t->vm, M_WIN_START, &l), -EINVAL);
			continue;
		}
		if (!(checked[t->f] & (1u << (t->vm - 1)))) {
			checked[t->f] |= 1u << (t->vm - 1);
			if (!check_vm(z, t->f, t->vm))
				break;
		}
		if (t->s == t->e)
			verify_samples(z, t->f, t->vm);
		else
			verify_range(z, t->f, t->vm, t->s, t->e);
	}
	return !z->failed;
}

/* Everything about one VM, every page read. */
static bool sweep_vm(struct fz *z, unsigned int f, uint32_t vm)
{
	struct m_vm *mvm = model_vm(z->m, f, vm);
	uint64_t user_va = mvm->user_va, x;
	enum gpuvm_drv_vm_state state;
	struct gpuvm_drv_vm_stats vs;
	uint32_t queued = 0, i;
	int ret;

	if (!check_vm(z, f, vm) ||
	    !cmp_mappings(z, f, vm, 0, user_va, true))
		return false;
	for (i = 0; i < M_WIN_PAGES; i++) {
		x = M_WIN_START + (uint64_t)i * M_PAGE;
		if ((mvm->pages[i].kind != M_NONE || i % 64 == 0) &&
		    !gpu_access(z, f, vm, M_READ, x + (i * 40) % 4088, NULL, 8))
			return false;
	}
	for (i = 0; i < M_FAR_SLOTS; i++) {
		x = M_FAR_START + i * M_1G + below(&z->vsrc, M_1G / 8) * 8;
		if (!gpu_access(z, f, vm, M_READ, x, NULL, 8))
			return false;
	}
	ret = gpuvm_drv_vm_stats(z->file[f], vm, &vs);
	if (!same_ret(z, "gpuvm_drv_vm_stats", ret, 0))
		return false;
	z->st.sweeps++;
	z->st.sweep_mappings += vs.mappings;
	z->st.sweep_2m += vs.leaf_2m > 0;
	z->st.sweep_1g += vs.leaf_1g > 0;
	z->st.sweep_shared += vs.shared_pt_pages > 0;
	z->st.sweep_unusable += mvm->unusable;
	for (i = 0; i < M_WIN_PAGES; i++) {
		if (mvm->pages[i].evicted) {
			z->st.sweep_evicted++;
			break;
		}
	}
	ret = gpuvm_drv_vm_get_state(z->file[f], vm, &state);
	if (!same_ret(z, "gpuvm_drv_vm_get_state", ret, 0))
		return false;
	if ((state == GPUVM_DRV_VM_UNUSABLE) != mvm->unusable) {
		fail(z, "file %u VM %u: gpuvm says %s, the model %s", f, vm,
		     state ? "unusable" : "usable",
		     mvm->unusable ? "unusable" : "usable");
		return false;
	}
	ret = gpuvm_drv_vm_queued(z->file[f], vm, &queued);
	if (!same_ret(z, "gpuvm_drv_vm_queued", ret, 0))
		return false;
	if (queued != mvm->n_jobs) {
		fail(z, "file %u VM %u: gpuvm has %u jobs queued, the model %u",
		     f, vm, queued, mvm->n_jobs);
		return false;
	}
	return true;
}

static bool residency(struct fz *z, unsigned int f, uint32_t h)
{
	bool got = false, want = false;
	int ret = gpuvm_drv_bo_resident(z->file[f], h, &got);

	if (!same_ret(z, "gpuvm_drv_bo_resident", ret,
		      model_bo_resident(z->m, f, h, &want)))
		return false;
	if (!ret && got != want) {
		fail(z, "file %u %s %u: gpuvm says %s, the model %s", f,
		     h ? "BO" : "dummy", h, got ? "resident" : "evicted",
		     want ? "resident" : "evicted");
		return false;
	}
	return true;
}

static bool sweep_file(struct fz *z, unsigned int f)
{
	uint32_t v, h;

	for (v = 1; v <= M_MAX_VMS; v++)
		if (model_vm(z->m, f, v) && !sweep_vm(z, f, v))
			return false;
	for (h = 0; h <= z->m->files[f].nbos; h++)
		if ((!h || z->m->files[f].bos[h - 1].open) &&
		    !residency(z, f, h))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Files, VMs, BOs                                                     */

static void do_file_open(struct fz *z, unsigned int f)
{
	int ret;

	what(z, "open file %u", f);
	model_file_open(z->m, f);
	ret = gpuvm_drv_file_open(z->dev, &z->file[f]);
	if (same_ret(z, "gpuvm_drv_file_open", ret, 0))
		return;
	z->file[f] = NULL;
	model_file_close(z->m, f);
}

static void do_file_close(struct fz *z, unsigned int f)
{
	struct gpuvm_mem_stats ms;
	unsigned int g;

	what(z, "close file %u", f);
	model_file_close(z->m, f);
	gpuvm_drv_file_close(z->file[f]);
	z->file[f] = NULL;
	z->st.files_closed++;
	for (g = 0; g < M_MAX_FILES; g++)
		if (z->m->files[g].live)
			return;
	/* No file left: file_close "returns every frame". */
	gpuvm_mem_stats(gpuvm_drv_device_mem(z->dev), &ms);
	if (ms.frames_used)
		fail(z, "%" PRIu64 " frames still in use with every file "
		     "closed", ms.frames_used);
}

static uint32_t do_vm_create(struct fz *z, unsigned int f, uint64_t user_va)
{
	uint32_t id = 0;
	int exp = model_vm_create(z->m, f, user_va);
	int ret = gpuvm_drv_vm_create(z->file[f], user_va, &id);

	what(z, "vm_create file %u user_va 0x%" PRIx64 " -> %s id %u", f,
	     user_va, err_name(ret), id);
	if (!same_ret(z, "gpuvm_drv_vm_create", ret, exp) || ret)
		return 0;
	if (!model_vm_add(z->m, f, id, user_va)) {
		fail(z, "gpuvm_drv_vm_create gave id %u, out of range or in use",
		     id);
		return 0;
	}
	z->st.vms_created++;
	touch(z, f, id, 0, 0);
	return id;
}

static uint64_t gen_user_va(struct fz *z)
{
	uint64_t full = z->m->full;

	switch (below(&z->src, 16)) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		return 0;
	case 7: case 8:
		/* The kernel range starts inside the window. */
		return M_WIN_START + range(&z->src, 1, M_WIN_PAGES) * M_PAGE;
	case 9:
		return M_1G;
	case 10:
		/* Inside or past the far slots. */
		return M_FAR_START + range(&z->src, 1, M_FAR_SLOTS + 1) * M_1G;
	case 11:
		return full;
	case 12:
		return 1 + below(&z->src, full - 1) ;  /* mostly unaligned */
	case 13:
		return full + M_PAGE * range(&z->src, 1, 4);
	case 14:
		return UINT64_MAX - below(&z->src, 2) * (M_PAGE - 1);
	default:
		return M_PAGE * range(&z->src, 1, 16);
	}
}

static void step_vm_create(struct fz *z, unsigned int f)
{
	uint64_t user_va = gen_user_va(z);

	/* EINVAL and EBUSY together: the docs give no order. */
	if (vm_count(z, f) == M_MAX_VMS)
		user_va = 0;
	do_vm_create(z, f, user_va);
}

static void do_vm_destroy(struct fz *z, unsigned int f, uint32_t vm)
{
	int ret;

	what(z, "vm_destroy file %u VM %u", f, vm);
	ret = gpuvm_drv_vm_destroy(z->file[f], vm);
	same_ret(z, "gpuvm_drv_vm_destroy", ret,
		 model_vm_destroy(z->m, f, vm));
	touch(z, f, vm, 0, 0);
}

/* Fills the file to 32 VMs, asks for a 33rd, destroys what it made. */
static void step_vm_limit(struct fz *z, unsigned int f)
{
	uint32_t made[M_MAX_VMS], n = 0, id, i;

	what(z, "vm_limit file %u: ", f);
	while (!z->failed && vm_count(z, f) < M_MAX_VMS) {
		id = do_vm_create(z, f, 0);
		if (!id)
			return;
		made[n++] = id;
	}
	do_vm_create(z, f, 0);
	for (i = 0; i < n && !z->failed; i++)
		do_vm_destroy(z, f, made[i]);
	z->n_touch = 0;
	touch_file(z, f);
}

static void step_vm_query(struct fz *z, unsigned int f)
{
	uint32_t vm = pick_vm_or_bad(z, f), q = 0, mq = 0;
	enum gpuvm_drv_vm_state state = GPUVM_DRV_VM_USABLE;
	bool unusable = false;
	int ret;

	what(z, "vm_query file %u VM %u", f, vm);
	ret = gpuvm_drv_vm_get_state(z->file[f], vm, &state);
	if (!same_ret(z, "gpuvm_drv_vm_get_state", ret,
		      model_vm_state(z->m, f, vm, &unusable)))
		return;
	if (!ret && (state == GPUVM_DRV_VM_UNUSABLE) != unusable) {
		fail(z, "VM %u: gpuvm says %s, the model %s", vm,
		     state ? "unusable" : "usable",
		     unusable ? "unusable" : "usable");
		return;
	}
	ret = gpuvm_drv_vm_queued(z->file[f], vm, &q);
	if (!same_ret(z, "gpuvm_drv_vm_queued", ret,
		      model_vm_queued(z->m, f, vm, &mq)))
		return;
	if (!ret && q != mq)
		fail(z, "VM %u: gpuvm has %u jobs queued, the model %u", vm, q,
		     mq);
}

/*
 * A BO of distinct pages: a 16-byte tag at the start of each, so a read
 * tells which BO page a VA reaches. In big BOs every 8th page only, plus
 * both ends (each first touch of a page costs a host page fault).
 */
static void tag_bo(struct fz *z, unsigned int f, uint32_t h, uint32_t pages)
{
	uint8_t tag[16];
	uint32_t p;
	int ret;

	for (p = 0; p < pages && !z->failed; p++) {
		if (pages > 64 && p % 8 && p >= 8 && p + 8 < pages)
			continue;
		uint64_t v = 0x7a6700000000ull ^ ((uint64_t)f << 56) ^
			     ((uint64_t)h << 32) ^ p;

		memcpy(tag, &v, 8);
		v = ~v * 0x9e3779b97f4a7c15ull;
		memcpy(tag + 8, &v, 8);
		ret = gpuvm_drv_bo_write(z->file[f], h, (uint64_t)p * M_PAGE,
					 tag, sizeof(tag));
		same_ret(z, "gpuvm_drv_bo_write", ret,
			 model_bo_write(z->m, f, h, (uint64_t)p * M_PAGE, tag,
					sizeof(tag)));
	}
}

static uint64_t gen_bo_pages(struct fz *z)
{
	switch (below(&z->src, 20)) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
	case 8: case 9:
		return range(&z->src, 1, 16);
	case 10: case 11: case 12: case 13: case 14: case 15:
		return range(&z->src, 17, 256);
	case 16: case 17:
		return 512;
	case 18:
		return 1024;
	default:
		return range(&z->src, 500, 1100);
	}
}

static void step_bo_create(struct fz *z, unsigned int f)
{
	struct m_file *file = &z->m->files[f];
	uint64_t pages = gen_bo_pages(z), size = pages * M_PAGE;
	uint32_t excl = 0, h = 0, want = 0;
	unsigned int chunks = 0;
	bool at_limit = z->m->cfg.max_bos && file->nbos == z->m->cfg.max_bos;
	int ret, exp;

	if (chance(&z->src, 20))
		excl = pick_vm(z, f);
	if (chance(&z->src, 2))
		excl = M_MAX_VMS + 1 + (uint32_t)below(&z->src, 4);
	if (chance(&z->src, 25))
		chunks = (unsigned int)range(&z->src, 1, pages < 16 ? pages : 16);
	if (!at_limit && chance(&z->src, 3))
		chunks = (unsigned int)(pages + 1 + below(&z->src, 4));
	switch (below(&z->src, 40)) {
	case 0:
		size = 0;
		break;
	case 1:
		size += range(&z->src, 1, M_PAGE - 1);
		break;
	case 2:
		/* Refused for its bad VM before anything is allocated. */
		size = UINT64_MAX & ~(M_PAGE - 1);
		excl = M_MAX_VMS + 1;
		break;
	}
	/* Stay far from the budget: the shrinker must never run. */
	if (size && size % M_PAGE == 0 && size < UINT64_MAX / 2 &&
	    file->bo_bytes + size > z->o.file_bo_bytes) {
		what(z, "bo_create file %u: over the file's BO bytes, skipped",
		     f);
		return;
	}
	exp = model_bo_create(z->m, f, size, excl, chunks, &want);
	ret = gpuvm_drv_bo_create(z->file[f], size, excl, chunks, &h);
	what(z, "bo_create file %u size 0x%" PRIx64 " excl %u chunks %u -> %s "
	     "handle %u", f, size, excl, chunks, err_name(ret), h);
	if (!same_ret(z, "gpuvm_drv_bo_create", ret, exp) || ret)
		return;
	if (h != want) {
		fail(z, "gpuvm_drv_bo_create gave handle %u, the model %u", h,
		     want);
		return;
	}
	z->st.bos_created++;
	tag_bo(z, f, h, (uint32_t)pages);
}

static void step_bo_close(struct fz *z, unsigned int f)
{
	uint32_t h = pick_bo_or_bad(z, f), vm;
	int ret;

	what(z, "bo_close file %u handle %u", f, h);
	ret = gpuvm_drv_bo_close(z->file[f], h);
	same_ret(z, "gpuvm_drv_bo_close", ret, model_bo_close(z->m, f, h));
	/* Mappings keep the memory (lookups now say handle 0), and the page
	 * tables do not change: one VM is enough, sweeps see the rest. */
	vm = pick_vm(z, f);
	if (vm)
		touch(z, f, vm, 0, 0);
}

static void step_cpu(struct fz *z, unsigned int f)
{
	static uint8_t got[8192], want[8192];
	uint32_t h = pick_bo_or_bad(z, f);
	struct m_bo *bo = model_bo(z->m, f, h);
	uint64_t size = bo ? bo->size : M_PAGE, off, len;
	bool write = chance(&z->src, 50);
	uint64_t i;
	int ret, exp;

	len = chance(&z->src, 80) ? range(&z->src, 1, 64) :
				    range(&z->src, 0, sizeof(got));
	off = below(&z->src, size);
	if (chance(&z->src, 50))
		off &= ~(M_PAGE - 1);
	if (off + len > size && chance(&z->src, 80))
		off = size > len ? size - len : 0;
	if (chance(&z->src, 3))
		off = chance(&z->src, 50) ? UINT64_MAX - below(&z->src, 16) :
					    size + below(&z->src, 3);
	if (len > size && off == 0 && chance(&z->src, 50))
		len = size;
	what(z, "cpu_%s file %u handle %u offset 0x%" PRIx64 " len %" PRIu64,
	     write ? "write" : "read", f, h, off, len);
	if (write) {
		for (i = 0; i < len; i++)
			got[i] = (uint8_t)below(&z->src, 256);
		exp = model_bo_write(z->m, f, h, off, got, len);
		ret = gpuvm_drv_bo_write(z->file[f], h, off, got, len);
		same_ret(z, "gpuvm_drv_bo_write", ret, exp);
		return;
	}
	memset(got, 0xee, len);
	memset(want, 0xee, len);
	exp = model_bo_read(z->m, f, h, off, want, len);
	ret = gpuvm_drv_bo_read(z->file[f], h, off, got, len);
	if (!same_ret(z, "gpuvm_drv_bo_read", ret, exp) || ret)
		return;
	for (i = 0; i < len; i++) {
		if (got[i] != want[i]) {
			fail(z, "cpu_read byte %" PRIu64 " is 0x%02x, the model "
			     "says 0x%02x", i, got[i], want[i]);
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Bind ops                                                            */

static uint64_t gen_va(struct fz *z)
{
	uint64_t va;

	switch (below(&z->src, 10)) {
	case 0: case 1: case 2: case 3:
		if (z->n_anchor) {
			va = z->anchor[below(&z->src, z->n_anchor)];
			va += (below(&z->src, 5) - 2) * M_PAGE;
			break;
		}
		FALLTHROUGH;
	case 4: case 5:
		va = M_WIN_START + below(&z->src, M_WIN_PAGES / 512) * M_2M;
		break;
	case 6:
		va = M_1G + (below(&z->src, 16) - 8) * M_PAGE;
		break;
	default:
		va = M_WIN_START + below(&z->src, M_WIN_PAGES) * M_PAGE;
		break;
	}
	va &= ~(M_PAGE - 1);
	if (va < M_WIN_START || va >= M_WIN_END)
		va = M_WIN_START;
	return va;
}

/* Pages for an op at va: at least 1, at most max. */
static uint64_t gen_pages(struct fz *z, uint64_t max)
{
	uint64_t n;

	switch (below(&z->src, 20)) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
	case 8:
		n = range(&z->src, 1, 8);
		break;
	case 9: case 10: case 11: case 12: case 13:
		n = range(&z->src, 1, 64);
		break;
	case 14: case 15: case 16:
		n = 512 * range(&z->src, 1, 4);
		break;
	case 17: case 18:
		n = range(&z->src, 1, 2048);
		break;
	default:
		n = range(&z->src, 1, M_WIN_PAGES);
		break;
	}
	return n < max ? n : max;
}

static uint32_t gen_prot(struct fz *z)
{
	uint32_t f = 0;

	if (chance(&z->src, 25))
		f |= M_OP_READONLY;
	if (chance(&z->src, 33))
		f |= M_OP_NOEXEC;
	if (chance(&z->src, 20))
		f |= M_OP_UNCACHED;
	return f;
}

static uint64_t pages_left(uint64_t va)
{
	return (M_WIN_END - va) / M_PAGE;
}

/* A valid-looking op; the model has the last word. */
static void gen_op(struct fz *z, unsigned int f, const struct m_vm *vm,
		   struct m_op *op)
{
	uint32_t h = pick_bo(z, f);
	const struct m_bo *bo = h ? &z->m->files[f].bos[h - 1] : NULL;
	unsigned int kind = (unsigned int)below(&z->src, 100);
	uint64_t P = bo ? bo->npages : 0, n, off, r;

	memset(op, 0, sizeof(*op));
	op->va = gen_va(z);
	if (!bo && kind < 60)
		kind = 60;
	if (!z->p->far && kind >= 95 && kind < 97)
		kind = 80;
	if (kind < 45) {
		/* plain BO map, 2 MiB aligned for blocks now and then */
		n = gen_pages(z, P < pages_left(op->va) ? P : pages_left(op->va));
		off = below(&z->src, P - n + 1);
		if (P >= 512 && chance(&z->src, 35)) {
			op->va &= ~(M_2M - 1);
			if (op->va < M_WIN_START)
				op->va = M_WIN_START;
			off &= ~(uint64_t)511;
			if (n > pages_left(op->va))
				n = pages_left(op->va);
		}
		op->flags = M_OP_MAP | gen_prot(z);
		op->bo_handle = h;
		op->bo_offset = off * M_PAGE;
		op->size = n * M_PAGE;
	} else if (kind < 60) {
		/* repeat */
		r = range(&z->src, 1, P < 600 ? P : 600);
		if (P >= 512 && chance(&z->src, 25))
			r = 512;
		off = below(&z->src, P - r + 1);
		if (chance(&z->src, 30))
			off &= ~(uint64_t)511;
		op->flags = M_OP_MAP | gen_prot(z);
		op->bo_handle = h;
		op->bo_offset = off * M_PAGE;
		op->repeat = r * M_PAGE;
		op->size = gen_pages(z, pages_left(op->va)) * M_PAGE;
	} else if (kind < 75) {
		op->flags = M_OP_MAP | M_OP_SPARSE | M_OP_NOEXEC |
			    (gen_prot(z) & ~M_OP_NOEXEC);
		op->size = gen_pages(z, pages_left(op->va)) * M_PAGE;
	} else if (kind < 93) {
		op->flags = M_OP_UNMAP;
		op->size = gen_pages(z, pages_left(op->va)) * M_PAGE;
	} else if (kind < 95) {
		op->flags = M_OP_SYNC_ONLY;
		op->va = 0;
	} else if (kind < 97) {
		op->flags = M_OP_MAP | M_OP_SPARSE | M_OP_NOEXEC |
			    (gen_prot(z) & ~M_OP_NOEXEC);
		op->va = M_FAR_START + below(&z->src, M_FAR_SLOTS) * M_1G;
		op->size = M_1G;
	} else if (kind < 99 || chance(&z->src, 50)) {
		op->flags = M_OP_UNMAP;
		n = below(&z->src, M_FAR_SLOTS);
		op->va = M_FAR_START + n * M_1G;
		op->size = range(&z->src, 1, M_FAR_SLOTS - n) * M_1G;
	} else {
		/* everything */
		op->flags = M_OP_UNMAP;
		op->va = 0;
		op->size = vm->user_va;
	}
}

/*
 * The rules mutate() breaks, a group of them per function (cited by
 * their number in docs/panthor.md). Each takes the choice mutate() drew
 * and draws what else it needs: the draws, their order and their ranges
 * are what the recorded corpora (fuzz/corpus/drv) replay, so a change
 * here is a change of every recorded input.
 */

/* B4: alignment, size 0, overflow, the kernel range; past the VA width. */
static void break_range(struct fz *z, const struct m_vm *vm, struct m_op *op,
			unsigned int rule)
{
	struct fz_src *s = &z->src;

	switch (rule) {
	case 0:
		op->va += range(s, 1, M_PAGE - 1);
		break;
	case 1:
		op->size += range(s, 1, M_PAGE - 1);
		break;
	case 2:
		op->size = 0;
		break;
	case 3:
		op->va = (UINT64_MAX & ~(M_PAGE - 1)) - below(s, 4) * M_PAGE;
		op->size = range(s, 2, 8) * M_PAGE;
		break;
	case 4:
		/* into the kernel range */
		op->va = vm->user_va - below(s, 4) * M_PAGE;
		op->size = range(s, 5, 12) * M_PAGE;
		break;
	default:
		/* past the VA width */
		op->va = z->m->full + below(s, 4) * M_1G;
		break;
	}
}

/* B1, B2: an unknown flag bit, an undefined op type. */
static void break_bits(struct fz *z, struct m_op *op, unsigned int rule)
{
	struct fz_src *s = &z->src;

	if (rule == 5)
		op->flags |= 1u << range(s, 4, 27);
	else
		op->flags = (op->flags & ~M_OP_TYPE_MASK) |
			    ((uint32_t)range(s, 3, 15) << 28);
}

/* B5 and V9: the handle, the offset, the repeat; an exclusive BO. */
static void break_bo(struct fz *z, unsigned int f, const struct m_vm *vm,
		     struct m_op *op, unsigned int rule)
{
	const struct m_file *file = &z->m->files[f];
	struct fz_src *s = &z->src;
	uint32_t h;

	switch (rule) {
	case 7:
		op->flags &= ~M_OP_SPARSE;
		op->bo_handle = pick_bo_or_bad(z, f);
		break;
	case 8:
		op->bo_offset |= range(s, 1, M_PAGE - 1);
		break;
	case 9:
		op->bo_offset = chance(s, 50) ? (UINT64_MAX & ~(M_PAGE - 1)) :
			op->bo_offset + range(s, 1, 1024) * M_PAGE;
		break;
	case 10:
		op->repeat = chance(s, 50) ? range(s, 1, 8 * M_PAGE) :
					     range(s, 1, 2048) * M_PAGE;
		break;
	default:
		/* an exclusive BO of another VM */
		for (h = 1; h <= file->nbos; h++) {
			const struct m_bo *bo = &file->bos[h - 1];

			if (bo->open && bo->excl && bo->excl != vm->serial) {
				op->flags = M_OP_MAP;
				op->bo_handle = h;
				op->bo_offset = 0;
				op->repeat = 0;
				op->size = M_PAGE;
				break;
			}
		}
		break;
	}
}

/* B6: MAP_SPARSE only with MAP and NOEXEC, and no BO or offset. */
static void break_sparse(struct fz *z, unsigned int f, struct m_op *op,
			 unsigned int rule)
{
	uint32_t type = op->flags & M_OP_TYPE_MASK;
	struct fz_src *s = &z->src;

	if (rule == 11) {
		if (type == M_OP_MAP && (op->flags & M_OP_SPARSE))
			op->flags &= ~M_OP_NOEXEC;
		else
			op->flags |= M_OP_SPARSE;
		return;
	}
	op->flags = M_OP_MAP | M_OP_SPARSE | M_OP_NOEXEC;
	if (chance(s, 50))
		op->bo_handle = pick_bo_or_bad(z, f);
	else
		op->bo_offset = range(s, 1, 16) * M_PAGE;
}

/* B7: an UNMAP with map flags, a BO or an offset. */
static void break_unmap(struct fz *z, unsigned int f, struct m_op *op)
{
	struct fz_src *s = &z->src;

	op->flags = M_OP_UNMAP;
	switch (below(s, 3)) {
	case 0:
		op->flags |= 1u << below(s, 4);
		break;
	case 1:
		op->bo_handle = pick_bo_or_bad(z, f);
		op->bo_handle += !op->bo_handle;
		break;
	default:
		op->bo_offset = range(s, 1, 16) * M_PAGE;
		break;
	}
}

/* B7: a SYNC_ONLY with one field set. */
static void break_sync_only(struct fz *z, struct m_op *op)
{
	op->flags = M_OP_SYNC_ONLY;
	op->va = 0;
	op->size = 0;
	switch (below(&z->src, 5)) {
	case 0:
		op->va = M_WIN_START;
		break;
	case 1:
		op->size = M_PAGE;
		break;
	case 2:
		op->bo_handle = 1;
		break;
	case 3:
		op->flags |= M_OP_NOEXEC;
		break;
	default:
		op->repeat = M_PAGE;
		break;
	}
}

/* B9: syncs, wrong on a synchronous bind, malformed otherwise. */
static void break_syncs(struct fz *z, struct m_op *op, bool async)
{
	struct fz_src *s = &z->src;

	op->n_syncs = (uint32_t)range(s, 1, 2);
	op->syncs[0].flags = async ? (uint32_t)any64(s) : M_SYNC_SIGNAL;
	op->syncs[0].timeline = (uint32_t)below(s, 3);
	op->syncs[0].point = below(s, 3);
	op->syncs[1] = op->syncs[0];
	if (async && chance(s, 30))
		op->syncs_null = true;
}

/* Breaks one rule (or, by chance, none: the model decides). */
static void mutate(struct fz *z, unsigned int f, const struct m_vm *vm,
		   struct m_op *op, bool async)
{
	unsigned int rule = (unsigned int)below(&z->src, 18);

	switch (rule) {
	case 5: case 6:
		break_bits(z, op, rule);
		break;
	case 7: case 8: case 9: case 10: case 16:
		break_bo(z, f, vm, op, rule);
		break;
	case 11: case 12:
		break_sparse(z, f, op, rule);
		break;
	case 13:
		break_unmap(z, f, op);
		break;
	case 14:
		break_sync_only(z, op);
		break;
	case 15:
		break_syncs(z, op, async);
		break;
	default:
		break_range(z, vm, op, rule);
		break;
	}
}

static void put_op(struct fz *z, const struct m_op *op)
{
	uint32_t i;

	what(z, " [%s%s flags 0x%x h %u off 0x%" PRIx64 " va 0x%" PRIx64
	     " size 0x%" PRIx64 " rep 0x%" PRIx64,
	     (op->flags & M_OP_TYPE_MASK) == M_OP_MAP ? "map" :
	     (op->flags & M_OP_TYPE_MASK) == M_OP_UNMAP ? "unmap" :
	     (op->flags & M_OP_TYPE_MASK) == M_OP_SYNC_ONLY ? "sync" : "type?",
	     op->flags & M_OP_SPARSE ? " sparse" : "", op->flags,
	     op->bo_handle, op->bo_offset, op->va, op->size, op->repeat);
	for (i = 0; i < op->n_syncs; i++)
		what(z, " %s %u:%" PRIu64, op->syncs[i].flags == M_SYNC_WAIT ?
		     "wait" : op->syncs[i].flags == M_SYNC_SIGNAL ? "signal" :
		     "sync?", op->syncs[i].timeline, op->syncs[i].point);
	what(z, "%s]", op->syncs_null ? " syncs=NULL" : "");
}

static uint32_t jobs_queued(struct fz *z)
{
	uint32_t n = 0, f, v;

	for (f = 0; f < M_MAX_FILES; f++)
		for (v = 1; v <= M_MAX_VMS; v++)
			if (model_vm(z->m, f, v))
				n += model_vm(z->m, f, v)->n_jobs;
	return n;
}

static void gen_syncs(struct fz *z, struct m_op *op)
{
	uint32_t i, tl;
	uint64_t now;

	op->n_syncs = (uint32_t)below(&z->src, 4);
	for (i = 0; i < op->n_syncs; i++) {
		tl = (uint32_t)range(&z->src, 1, 3);
		model_timeline_point(z->m, tl, &now);
		if (chance(&z->src, 50)) {
			op->syncs[i].flags = M_SYNC_WAIT;
			op->syncs[i].point = now + below(&z->src, 3);
		} else {
			op->syncs[i].flags = M_SYNC_SIGNAL;
			op->syncs[i].point = now + range(&z->src, 1, 3);
		}
		op->syncs[i].point += !op->syncs[i].point;
		op->syncs[i].timeline = tl;
	}
}

static void touch_jobs(struct fz *z)
{
	uint32_t f, v, j;

	for (f = 0; f < M_MAX_FILES; f++) {
		for (v = 1; v <= M_MAX_VMS; v++) {
			struct m_vm *vm = model_vm(z->m, f, v);

			for (j = 0; vm && j < vm->n_jobs; j++)
				touch(z, f, v, vm->jobs[j].op.va,
				      vm->jobs[j].op.va + vm->jobs[j].op.size);
		}
	}
}

/*
 * Picks a VM whose head job can be made to fail (model_vm_fail_head())
 * and arms it in both: gpuvm's VA manager of that VM fails its next
 * allocation, which the head MAP makes first when it runs. *vm_out: the
 * VM armed, 0 for none.
 */
static void arm_run_failure(struct fz *z, unsigned int *f_out,
			    uint32_t *vm_out)
{
	uint32_t n = 0, k, v;
	unsigned int f;

	*vm_out = 0;
	for (f = 0; f < M_MAX_FILES; f++)
		for (v = 1; v <= M_MAX_VMS; v++)
			n += model_vm_fail_head(z->m, f, v, false);
	if (!n)
		return;
	k = (uint32_t)below(&z->src, n);
	for (f = 0; f < M_MAX_FILES; f++) {
		for (v = 1; v <= M_MAX_VMS; v++) {
			if (!model_vm_fail_head(z->m, f, v, false) || k--)
				continue;
			model_vm_fail_head(z->m, f, v, true);
			what(z, " [file %u VM %u: its head job fails]", f, v);
			gpuvm_drv_vm_fail_nth_alloc(z->file[f], v, 1);
			*f_out = f;
			*vm_out = v;
			return;
		}
	}
}

static void do_run(struct fz *z)
{
	uint32_t got = 0, want = 0, armed = 0;
	unsigned int af = 0;
	int ret;

	touch_jobs(z);
	if (z->p->runfail && chance(&z->src, 20))
		arm_run_failure(z, &af, &armed);
	what(z, " run");
	model_run(z->m, &want);
	ret = gpuvm_drv_run(z->dev, &got);
	if (armed) {
		gpuvm_drv_vm_fail_nth_alloc(z->file[af], armed, 0);
		z->st.run_failures++;
	}
	if (!same_ret(z, "gpuvm_drv_run", ret, 0))
		return;
	what(z, " (%u jobs)", got);
	z->st.jobs_run += got;
	if (got != want)
		fail(z, "gpuvm_drv_run ran %u jobs, the model %u", got, want);
}

static void count_ok(struct fz *z, const struct m_op *op)
{
	uint32_t type = op->flags & M_OP_TYPE_MASK;

	if (type == M_OP_UNMAP)
		z->st.ok_unmap++;
	else if (type != M_OP_MAP)
		return;
	else if (model_far_slot(op->va) >= 0)
		z->st.ok_far++;
	else if (op->flags & M_OP_SPARSE)
		z->st.ok_sparse++;
	else if (op->repeat)
		z->st.ok_repeat++;
	else
		z->st.ok_bo++;
}

/*
 * gpuvm ran out of memory at op k of a bind, by injection. That is fine
 * if the ops before k are what the model would have done and op k is one
 * it would have tried (valid; -ENOSPC may come first or not): then the
 * model applies ops[0..k) of a synchronous batch, nothing of a queued
 * one. Returns what the driver must have returned: -ENOMEM, or the
 * model's errno for an op gpuvm should have refused before allocating.
 */
static int injected_enomem(struct fz *z, unsigned int f, uint32_t vm,
			   uint32_t flags, const struct m_op *ops,
			   uint32_t count, uint32_t k)
{
	bool async = flags & M_BIND_ASYNC;
	struct m_vm *mvm = model_vm(z->m, f, vm);
	uint32_t i, failed;
	int ret;

	if (k >= count) {
		fail(z, "gpuvm_drv_vm_bind: -ENOMEM with *failed = %u of %u ops",
		     k, count);
		return 0;
	}
	if (async) {
		/* Allocation comes after every op's check and slots. */
		ret = model_check_queue(z->m, f, mvm, ops, count, &i);
		return ret ? ret : -ENOMEM;
	}
	ret = model_bind(z->m, f, vm, flags, ops, false, k, &failed);
	if (ret)
		return ret;
	ret = model_check_op(z->m, f, mvm, &ops[k], false);
	return ret ? ret : -ENOMEM;
}

/*
 * One VM_BIND step, in the order its decisions are drawn (the recorded
 * corpora replay that order): the VM, the batch's shape, its ops, the
 * call on both sides (an allocation failing now and then), the results.
 */
struct bind_step {
	unsigned int f;
	uint32_t vm, count, flags;
	struct m_vm *mvm, bad_vm;  /* mvm: &bad_vm for a VM id not in use */
	bool ops_null;
	struct m_op ops[8];
	struct gpuvm_drv_bind_op dops[8];
	struct gpuvm_drv_sync dsyncs[8][M_MAX_SYNCS];
	int ret, exp;
	uint32_t failed, want_failed;
};

/* How many ops, the VM_BIND flags, and now and then ops = NULL. */
static void gen_bind_shape(struct fz *z, struct bind_step *b)
{
	switch (below(&z->src, 20)) {
	case 0:
		b->count = 0;
		break;
	case 1: case 2:
		b->count = (uint32_t)range(&z->src, 5, 8);
		break;
	case 3: case 4: case 5: case 6: case 7:
		b->count = (uint32_t)range(&z->src, 2, 4);
		break;
	default:
		b->count = 1;
		break;
	}
	if (chance(&z->src, 15) && jobs_queued(z) + b->count <= FZ_MAX_JOBS)
		b->flags = M_BIND_ASYNC;
	if (chance(&z->src, 1))
		b->flags |= 1u << range(&z->src, 1, 31);
	if (b->count && chance(&z->src, 1))
		b->ops_null = true;
}

/* The ops: valid-looking, 15% broken, queued ones with syncs. */
static void gen_bind_ops(struct fz *z, struct bind_step *b)
{
	bool async = b->flags & M_BIND_ASYNC;
	struct m_op *op;
	uint32_t i;

	for (i = 0; i < b->count; i++) {
		op = &b->ops[i];
		gen_op(z, b->f, b->mvm, op);
		if (chance(&z->src, 15))
			mutate(z, b->f, b->mvm, op, async);
		if (async && !op->n_syncs && chance(&z->src, 60))
			gen_syncs(z, op);
		/* Valid but beyond the model: make it break a rule. */
		if (!model_check_op(z->m, b->f, b->mvm, op, async) &&
		    !model_op_tracked(z->m, op))
			op->flags |= 1u << 20;
		/* 1 GiB of 4 KiB pages is 262,144 PTEs: now and then only. */
		if (!z->p->far && (op->flags & M_OP_TYPE_MASK) == M_OP_MAP &&
		    model_far_slot(op->va) >= 0 && !(op->flags & (1u << 20))) {
			if (z->last_far_4k && z->step - z->last_far_4k < 256)
				op->flags |= 1u << 20;
			else
				z->last_far_4k = z->step;
		}
	}
}

/* The driver's form of the ops (no decisions drawn). */
static void put_drv_ops(struct bind_step *b)
{
	uint32_t i, j;

	for (i = 0; i < b->count; i++) {
		const struct m_op *op = &b->ops[i];

		b->dops[i] = (struct gpuvm_drv_bind_op){
			.flags = op->flags, .bo_handle = op->bo_handle,
			.bo_offset = op->bo_offset, .va = op->va,
			.size = op->size, .repeat = op->repeat,
			.n_syncs = op->n_syncs,
			.syncs = op->syncs_null ? NULL : b->dsyncs[i],
		};
		for (j = 0; j < op->n_syncs; j++)
			b->dsyncs[i][j] = (struct gpuvm_drv_sync){
				.flags = op->syncs[j].flags,
				.timeline = op->syncs[j].timeline,
				.point = op->syncs[j].point,
			};
	}
}

/*
 * The bind with its nth allocation failing: a clean -ENOMEM must leave
 * no trace; anything else must be what the model says of the batch.
 */
static void bind_injected(struct fz *z, struct bind_step *b)
{
	struct gpuvm_mem *mem = gpuvm_drv_device_mem(z->dev);
	uint64_t nth = range(&z->src, 1, 6);

	if (chance(&z->src, 50)) {
		what(z, " [VA allocation %" PRIu64 " fails]", nth);
		gpuvm_drv_vm_fail_nth_alloc(z->file[b->f], b->vm, nth);
	} else {
		what(z, " [memory allocation %" PRIu64 " fails]", nth);
		gpuvm_mem_fail_nth_alloc(mem, nth);
	}
	b->ret = gpuvm_drv_vm_bind(z->file[b->f], b->vm, b->flags, b->dops,
				   b->count, &b->failed);
	gpuvm_drv_vm_fail_nth_alloc(z->file[b->f], b->vm, 0);
	gpuvm_mem_fail_nth_alloc(mem, 0);
	if (b->ret == -ENOMEM) {
		z->st.injected++;
		b->exp = injected_enomem(z, b->f, b->vm, b->flags, b->ops,
					 b->count, b->failed);
		b->want_failed = b->failed;
	} else {
		b->exp = model_bind(z->m, b->f, b->vm, b->flags, b->ops, false,
				    b->count, &b->want_failed);
	}
}

/* The bind on both sides; 4% of the plain ones with an injection. */
static void bind_both(struct fz *z, struct bind_step *b)
{
	uint32_t i;

	what(z, "bind file %u VM %u flags 0x%x%s:", b->f, b->vm, b->flags,
	     b->ops_null ? " ops=NULL" : "");
	for (i = 0; i < b->count; i++)
		put_op(z, &b->ops[i]);
	if (z->o.verbose) /* before the call: a crash in it shows the step */
		fprintf(z->log, "%lu: (running) %s\n", z->step, z->what);
	if (b->mvm != &b->bad_vm && !b->ops_null && b->count &&
	    !(b->flags & ~M_BIND_ASYNC) && chance(&z->src, 4)) {
		bind_injected(z, b);
		return;
	}
	b->exp = model_bind(z->m, b->f, b->vm, b->flags, b->ops, b->ops_null,
			    b->count, &b->want_failed);
	b->ret = gpuvm_drv_vm_bind(z->file[b->f], b->vm, b->flags,
				   b->ops_null ? NULL : b->dops, b->count,
				   &b->failed);
}

/* The results: errno, *failed, what to verify, coverage; maybe a run. */
static void bind_results(struct fz *z, struct bind_step *b)
{
	uint32_t i;

	what(z, " -> %s", err_name(b->ret));
	z->st.binds++;
	z->st.ops += b->count;
	z->st.async_binds += !!(b->flags & M_BIND_ASYNC);
	if (!same_ret(z, "gpuvm_drv_vm_bind", b->ret, b->exp))
		return;
	if (b->ret && b->want_failed != UINT32_MAX) {
		z->st.ops_failed++;
		if (b->failed != b->want_failed) {
			fail(z, "gpuvm_drv_vm_bind: *failed = %u, the model says "
			     "op %u failed", b->failed, b->want_failed);
			return;
		}
	}
	for (i = 0; i < b->count; i++) {
		const struct m_op *op = &b->ops[i];

		touch(z, b->f, b->vm, op->va, op->va + op->size);
		if (b->ret && i >= b->want_failed)
			continue;
		add_anchor(z, op->va);
		add_anchor(z, op->va + op->size);
		count_ok(z, op);
	}
	if (!b->count)
		touch(z, b->f, b->vm, 0, 0);
	if ((b->flags & M_BIND_ASYNC) && !b->ret && chance(&z->src, 50))
		do_run(z);
}

static void step_bind(struct fz *z, unsigned int f)
{
	struct bind_step b = { .f = f, .failed = 0xdeadbeef };

	b.vm = pick_vm_or_bad(z, f);
	b.mvm = model_vm(z->m, f, b.vm);
	if (!b.mvm) {
		b.bad_vm.user_va = z->m->full / 2;
		b.mvm = &b.bad_vm;
	}
	gen_bind_shape(z, &b);
	gen_bind_ops(z, &b);
	put_drv_ops(&b);
	bind_both(z, &b);
	bind_results(z, &b);
}

/* ------------------------------------------------------------------ */
/* Eviction, timelines                                                 */

/*
 * The budget's error paths, and calls that change nothing: the budget
 * always ends at all of RAM (the shrinker must never run: the model does
 * not follow LRU order). drv.h: -EINVAL if unaligned or above RAM, 0 is
 * all of RAM; reclaim -EINVAL if unaligned, and 0 bytes frees nothing.
 */
static void step_budget(struct fz *z)
{
	uint64_t ram = z->o.ram, bytes, freed = 1;
	int ret;

	switch (below(&z->src, 4)) {
	case 0:
		/* One draw per statement: the byte decoding must not depend
		 * on the compiler's order of evaluation. */
		if (chance(&z->src, 50)) {
			bytes = ram + M_PAGE * range(&z->src, 1, 4);
		} else {
			bytes = range(&z->src, 1, M_PAGE - 1);
			bytes += M_PAGE * below(&z->src, 4);
		}
		what(z, "set_budget 0x%" PRIx64, bytes);
		same_ret(z, "gpuvm_drv_device_set_budget",
			 gpuvm_drv_device_set_budget(z->dev, bytes), -EINVAL);
		break;
	case 1:
		bytes = chance(&z->src, 50) ? 0 : ram;
		what(z, "set_budget 0x%" PRIx64, bytes);
		same_ret(z, "gpuvm_drv_device_set_budget",
			 gpuvm_drv_device_set_budget(z->dev, bytes), 0);
		break;
	case 2:
		bytes = M_PAGE * below(&z->src, 4);
		bytes += range(&z->src, 1, M_PAGE - 1);
		what(z, "reclaim 0x%" PRIx64, bytes);
		same_ret(z, "gpuvm_drv_reclaim",
			 gpuvm_drv_reclaim(z->dev, bytes, &freed), -EINVAL);
		break;
	default:
		what(z, "reclaim 0");
		ret = gpuvm_drv_reclaim(z->dev, 0, &freed);
		if (same_ret(z, "gpuvm_drv_reclaim", ret, 0) && freed)
			fail(z, "gpuvm_drv_reclaim(0) freed 0x%" PRIx64, freed);
		break;
	}
}

static void step_evict(struct fz *z, unsigned int f)
{
	uint32_t h, vm;
	bool pin;
	int ret;

	switch (below(&z->src, 13)) {
	case 12:
		step_budget(z);
		break;
	case 0: case 1: case 2: case 3:
		h = pick_bo_or_bad(z, f);
		what(z, "evict file %u handle %u", f, h);
		ret = gpuvm_drv_bo_evict(z->file[f], h);
		if (same_ret(z, "gpuvm_drv_bo_evict", ret,
			     model_bo_evict(z->m, f, h)))
			residency(z, f, h);
		z->st.evictions++;
		touch_file(z, f);
		break;
	case 4:
		what(z, "evict dummy of file %u", f);
		ret = gpuvm_drv_dummy_evict(z->file[f]);
		if (same_ret(z, "gpuvm_drv_dummy_evict", ret,
			     model_dummy_evict(z->m, f)))
			residency(z, f, 0);
		z->st.evictions++;
		touch_file(z, f);
		break;
	case 5: case 6: case 7: case 8:
		vm = pick_vm_or_bad(z, f);
		what(z, "validate file %u VM %u", f, vm);
		ret = gpuvm_drv_vm_validate(z->file[f], vm);
		same_ret(z, "gpuvm_drv_vm_validate", ret,
			 model_vm_validate(z->m, f, vm));
		z->st.validates++;
		touch(z, f, vm, 0, 0);
		break;
	case 9: case 10:
		h = pick_bo_or_bad(z, f);
		pin = chance(&z->src, 60);
		what(z, "%s file %u handle %u", pin ? "pin" : "unpin", f, h);
		ret = gpuvm_drv_bo_pin(z->file[f], h, pin);
		if (same_ret(z, "gpuvm_drv_bo_pin", ret,
			     model_bo_pin(z->m, f, h, pin)))
			residency(z, f, h);
		break;
	default:
		h = chance(&z->src, 25) ? 0 : pick_bo_or_bad(z, f);
		what(z, "resident file %u handle %u", f, h);
		residency(z, f, h);
		break;
	}
}

static void step_timeline(struct fz *z)
{
	uint32_t tl = (uint32_t)below(&z->src, 4);
	uint64_t now = 0, got = 0, point;
	int ret;

	model_timeline_point(z->m, tl ? tl : 1, &now);
	point = now + below(&z->src, 3);
	if (chance(&z->src, 5))
		point = 0;
	switch (below(&z->src, 4)) {
	case 0:
		what(z, "timeline_signal %u %" PRIu64, tl, point);
		ret = gpuvm_drv_timeline_signal(z->dev, tl, point);
		same_ret(z, "gpuvm_drv_timeline_signal", ret,
			 model_timeline_signal(z->m, tl, point));
		break;
	case 1:
		what(z, "wait %u %" PRIu64, tl, point);
		touch_jobs(z);
		ret = gpuvm_drv_wait(z->dev, tl, point);
		same_ret(z, "gpuvm_drv_wait", ret, model_wait(z->m, tl, point));
		break;
	case 2:
		what(z, "timeline_point %u", tl);
		ret = gpuvm_drv_timeline_point(z->dev, tl, &got);
		if (same_ret(z, "gpuvm_drv_timeline_point", ret,
			     model_timeline_point(z->m, tl, &now)) &&
		    !ret && got != now)
			fail(z, "timeline %u at %" PRIu64 ", the model %" PRIu64,
			     tl, got, now);
		break;
	default:
		what(z, "run");
		do_run(z);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* GPU accesses                                                        */

static uint64_t gen_access_va(struct fz *z, const struct m_vm *vm)
{
	uint64_t va, full = z->m->full;

	switch (below(&z->src, 20)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		if (z->n_anchor) {
			va = z->anchor[below(&z->src, z->n_anchor)];
			return va - 16 + below(&z->src, 32);
		}
		FALLTHROUGH;
	case 6: case 7: case 8: case 9: case 10: case 11:
		return M_WIN_START + below(&z->src, M_WIN_PAGES * M_PAGE);
	case 12: case 13:
		/* crossing a page */
		va = M_WIN_START + range(&z->src, 1, M_WIN_PAGES - 1) * M_PAGE;
		return va - range(&z->src, 1, 15);
	case 14: case 15:
		return M_FAR_START + below(&z->src, M_FAR_END - M_FAR_START);
	case 16:
		return vm->user_va - below(&z->src, 16);
	case 17:
		return full - below(&z->src, 16);
	case 18:
		return any64(&z->src);
	default:
		return M_1G - below(&z->src, 32);
	}
}

static void step_gpu(struct fz *z, unsigned int f)
{
	static uint8_t data[FZ_BIG_ACCESS];
	uint32_t vm = pick_vm_or_bad(z, f);
	struct m_vm *mvm = model_vm(z->m, f, vm), bad_vm = { 0 };
	unsigned int access;
	uint64_t va;
	size_t len, i;
	uint32_t r = (uint32_t)below(&z->src, 100);

	if (!mvm) {
		bad_vm.user_va = z->m->full / 2;
		mvm = &bad_vm;
	}
	access = r < 50 ? M_READ : r < 85 ? M_WRITE : M_EXEC;
	if (chance(&z->src, 1))
		access = 3;
	va = gen_access_va(z, mvm);
	len = (size_t)range(&z->src, 1, 16);
	if (chance(&z->src, 8))
		len = (size_t)range(&z->src, 17, 3 * M_PAGE);
	if (chance(&z->src, 1))
		len = (size_t)range(&z->src, 33 * M_PAGE, FZ_BIG_ACCESS);
	if (chance(&z->src, 1))
		len = 0;
	if (access == M_WRITE) {
		if (chance(&z->src, 50)) {
			/* a tag of the address: shows where it lands */
			for (i = 0; i < len; i++)
				data[i] = (uint8_t)((va + i) >> (8 * (i % 4))) ^
					  (uint8_t)z->step;
		} else {
			for (i = 0; i < len && i < 16; i++)
				data[i] = (uint8_t)below(&z->src, 256);
			for (; i < len; i++)
				data[i] = (uint8_t)(i * 7 + z->step);
		}
	}
	what(z, "gpu_%s file %u VM %u va 0x%" PRIx64 " len %zu",
	     access_name(access), f, vm, va, len);
	z->st.gpu++;
	if (!gpu_access(z, f, vm, access, va, data, len))
		return;
	if (access == M_WRITE && len && mvm != &bad_vm)
		touch(z, f, vm, va, va + len);
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */

enum step_kind {
	S_FILE_OPEN, S_FILE_CLOSE, S_VM_CREATE, S_VM_DESTROY, S_VM_LIMIT,
	S_VM_QUERY, S_BO_CREATE, S_BO_CLOSE, S_CPU, S_BIND, S_EVICT,
	S_TIMELINE, S_GPU, S_SWEEP, S_KINDS
};

/* Out of 256: one byte picks a step. */
static const uint8_t weight[S_KINDS] = {
	[S_FILE_OPEN] = 3, [S_FILE_CLOSE] = 1, [S_VM_CREATE] = 4,
	[S_VM_DESTROY] = 2, [S_VM_LIMIT] = 1, [S_VM_QUERY] = 3,
	[S_BO_CREATE] = 12, [S_BO_CLOSE] = 4, [S_CPU] = 10, [S_BIND] = 110,
	[S_EVICT] = 14, [S_TIMELINE] = 8, [S_GPU] = 83, [S_SWEEP] = 1,
};

static enum step_kind pick_step(struct fz *z)
{
	unsigned int r = (unsigned int)below(&z->src, 256), k;

	for (k = 0; k < S_KINDS; k++) {
		if (r < weight[k])
			return (enum step_kind)k;
		r -= weight[k];
	}
	return S_GPU;
}

static void one_step(struct fz *z)
{
	enum step_kind k = pick_step(z);
	int f = pick_file(z);
	unsigned int g;

	if (f < 0)
		k = S_FILE_OPEN;
	switch (k) {
	case S_FILE_OPEN:
		for (g = 0; g < M_MAX_FILES; g++) {
			if (!z->m->files[g].live) {
				do_file_open(z, g);
				if (!z->failed && z->file[g])
					do_vm_create(z, g, 0);
				return;
			}
		}
		what(z, "open: every slot in use");
		return;
	case S_FILE_CLOSE:
		do_file_close(z, (unsigned int)f);
		return;
	case S_VM_CREATE:
		if (vm_count(z, (unsigned int)f) < FZ_MAX_LIVE_VMS)
			step_vm_create(z, (unsigned int)f);
		else
			do_vm_destroy(z, (unsigned int)f,
				      pick_vm(z, (unsigned int)f));
		return;
	case S_VM_DESTROY:
		do_vm_destroy(z, (unsigned int)f,
			      pick_vm_or_bad(z, (unsigned int)f));
		return;
	case S_VM_LIMIT:
		/* 31 VMs made and destroyed: rarer than one in 256. */
		if (chance(&z->src, 25) &&
		    (!z->last_limit || z->step - z->last_limit >= 64)) {
			z->last_limit = z->step;
			step_vm_limit(z, (unsigned int)f);
			return;
		}
		step_vm_query(z, (unsigned int)f);
		return;
	case S_VM_QUERY:
		step_vm_query(z, (unsigned int)f);
		return;
	case S_BO_CREATE:
		step_bo_create(z, (unsigned int)f);
		return;
	case S_BO_CLOSE:
		step_bo_close(z, (unsigned int)f);
		return;
	case S_CPU:
		step_cpu(z, (unsigned int)f);
		return;
	case S_BIND:
		step_bind(z, (unsigned int)f);
		return;
	case S_EVICT:
		step_evict(z, (unsigned int)f);
		return;
	case S_TIMELINE:
		step_timeline(z);
		return;
	case S_GPU:
		step_gpu(z, (unsigned int)f);
		return;
	case S_SWEEP:
	case S_KINDS:
		break;
	}
	if (z->last_sweep && z->step - z->last_sweep < 32) {
		step_vm_query(z, (unsigned int)f);
		return;
	}
	z->last_sweep = z->step;
	what(z, "sweep file %u", f);
	sweep_file(z, (unsigned int)f);
}

/* The caller-owned RAM, once the device that used it is gone. */
static void ram_buf_free(struct fz *z)
{
	if (z->ram_buf)
		munmap(z->ram_buf, z->o.ram);
	z->ram_buf = NULL;
}

static int setup(struct fz *z, const struct fz_opts *o)
{
	struct gpuvm_drv_device_cfg cfg = { 0 };
	struct m_cfg mc = { 0 };
	int ret;

	z->o = *o;
	z->log = o->log ? o->log : stderr;
	z->vsrc.prng = true;
	z->vsrc.rng = o->seed ^ 0x76657269667921ull;
	z->preset = o->preset >= 0 ? o->preset % FZ_PRESETS :
				     (int)below(&z->src, FZ_PRESETS);
	z->p = &presets[z->preset];
	z->st.preset = z->preset;
	cfg.sparse = z->p->sparse;
	cfg.pgsizes = z->p->pgsizes;
	cfg.va_bits = z->p->va_bits;
	cfg.ram = o->ram;
	cfg.private_sparse_tables = z->p->private_sparse;
	cfg.unchecked = z->p->unchecked;
	cfg.tlb_entries = z->p->tlb_entries;
	cfg.max_mappings_per_vm = z->p->max_mappings;
	cfg.max_bos_per_file = z->p->max_bos;
	if (o->caller_ram) {
		z->ram_buf = mmap(NULL, o->ram, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);
		if (z->ram_buf == MAP_FAILED) {
			z->ram_buf = NULL;
			return -1;
		}
		cfg.ram_buffer = z->ram_buf;
	}
	ret = gpuvm_drv_device_create(&cfg, &z->dev);
	if (ret) {
		ram_buf_free(z);
		fprintf(z->log, "gpuvm fuzz: device_create: %s\n",
			err_name(ret));
		return -1;
	}
	mc.sparse_null = z->p->sparse == GPUVM_DRV_SPARSE_NULL;
	mc.va_bits = z->p->va_bits ? z->p->va_bits : 48;
	mc.max_mappings = z->p->max_mappings;
	mc.max_bos = z->p->max_bos;
	z->m = model_new(&mc);
	if (!z->m) {
		gpuvm_drv_device_destroy(z->dev);
		ram_buf_free(z);
		return -1;
	}
	do_file_open(z, 0);
	if (!z->failed)
		do_vm_create(z, 0, 0);
	return z->failed ? -1 : 0;
}

static int run(struct fz *z, const struct fz_opts *o, struct fz_stats *st)
{
	unsigned int f;
	int ret = setup(z, o);

	while (!ret && !z->failed && z->step < o->max_steps) {
		if (z->src.done || (!z->src.prng && z->src.pos >= z->src.len))
			break;
		z->step++;
		z->what_len = 0;
		z->what[0] = '\0';
		z->n_touch = 0;
		one_step(z);
		if (!z->failed)
			verify(z);
		if (o->verbose && !z->failed)
			fprintf(z->log, "%lu: %s\n", z->step, z->what);
		if (!z->failed && o->sweep_every &&
		    z->step % o->sweep_every == 0) {
			int g = pick_file(z);

			if (g >= 0)
				sweep_file(z, (unsigned int)g);
		}
	}
	if (!ret && !z->failed) {
		/* A recording ends with the steps: the replay sweeps too. */
		z->src.rec = false;
		z->what_len = 0;
		what(z, "final sweep; ");
		for (f = 0; f < M_MAX_FILES && !z->failed; f++)
			if (z->m->files[f].live)
				sweep_file(z, f);
		for (f = 0; f < M_MAX_FILES && !z->failed; f++)
			if (z->m->files[f].live)
				do_file_close(z, f);
	}
	z->st.steps = z->step;
	if (st)
		*st = z->st;
	gpuvm_drv_device_destroy(z->dev);
	ram_buf_free(z);
	model_free(z->m);
	return ret || z->failed ? -1 : 0;
}

void fz_default_opts(struct fz_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->preset = -1;
	o->ram = 1ull << 30;
	o->file_bo_bytes = 48ull << 20;
	o->max_steps = 10000;
	o->sweep_every = 1000;
}

int fz_run_prng(const struct fz_opts *o, struct fz_stats *st)
{
	struct fz *z = calloc(1, sizeof(*z));
	int ret;

	if (!z)
		return -1;
	z->src.prng = true;
	z->src.rng = o->seed;
	ret = run(z, o, st);
	free(z);
	return ret;
}

int fz_run_bytes(const struct fz_opts *o, const uint8_t *data, size_t len,
		 struct fz_stats *st)
{
	struct fz *z = calloc(1, sizeof(*z));
	int ret;

	if (!z)
		return -1;
	z->src.data = data;
	z->src.len = len;
	ret = run(z, o, st);
	free(z);
	return ret;
}

int fz_record(const struct fz_opts *o, uint8_t **out, size_t *len,
	      struct fz_stats *st)
{
	struct fz *z = calloc(1, sizeof(*z));
	int ret;

	if (!z)
		return -1;
	z->src.prng = true;
	z->src.rng = o->seed;
	z->src.rec = true;
	ret = run(z, o, st);
	*out = z->src.buf;
	*len = z->src.buf_len;
	free(z);
	return ret;
}
