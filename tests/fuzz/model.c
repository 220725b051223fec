// SPDX-License-Identifier: MIT
/*
 * DOC: the reference model
 *
 * See model.h for what it holds. The rules, each from the documentation
 * (drv.h, docs/drv.md, docs/panthor.md §2-3), never from the driver's code:
 *
 *  - a bind op is checked first, every rule -EINVAL: unknown flag bits or
 *    op types; SYNC_ONLY needs every field zero; UNMAP takes no map
 *    flags, BO, offset or repeat; a range is non-empty, 4 KiB aligned,
 *    does not overflow and ends at or below the VM's user_va; MAP is
 *    refused on an unusable VM; a sparse MAP needs NOEXEC and no BO,
 *    offset or repeat; a BO MAP needs an open handle of this file, an
 *    aligned offset and repeat, the span (repeat, or size) inside the BO,
 *    and the BO's own VM if it is exclusive; syncs only with ASYNC;
 *  - then the mapping limit: an op that would leave more than
 *    max_mappings mappings, counting the slots queued jobs hold, is
 *    -ENOSPC;
 *  - only then does anything change: a MAP brings its target back (an
 *    evicted BO, or the dummy, made on the first sparse MAP of a file),
 *    the pages take their new contents.
 *
 * A mapping count is the number of runs of pages written by one MAP that
 * are still contiguous: a MAP makes one mapping, cutting a hole into one
 * leaves two. No mapping crosses the window's ends; a far slot is one.
 *
 * Eviction marks every resident page of the BO (of the dummy: every
 * sparse page) in every VM of the file evicted and puts the BO on those
 * VMs' lists; validate brings back every BO on the VM's list and every
 * evicted page of the VM. A BO's contents survive all of it.
 *
 * Asynchronous binds check every op at queue time (nothing happens at
 * all if one fails), bring back and pin their targets, and run in queue
 * order per VM when their waits are met. Each queued op holds mapping
 * slots for the most it can add, whatever runs before it: 2 for a MAP
 * (inside one mapping: two pieces and itself), 1 for an UNMAP (a cut in
 * two), 0 for SYNC_ONLY. A batch whose slots, added op by op to the live
 * mappings and the slots already held, pass max_mappings is -ENOSPC at
 * the first op that does; a job gives its slots back when it runs or its
 * VM goes. So a queued job never fails on the limit; a failure when
 * running (MAP on an unusable VM, or a head job the engine made fail,
 * see model_vm_fail_head()) makes the VM unusable.
 * Signals fire whatever the outcome, and when a VM with queued jobs goes
 * away.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t n = *cap ? *cap : 4;
	void *q;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	q = realloc(*p, (size_t)n * elem);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

static struct m_file *file_of(struct model *m, unsigned int f)
{
	return f < M_MAX_FILES && m->files[f].live ? &m->files[f] : NULL;
}

static const struct m_file *cfile_of(const struct model *m, unsigned int f)
{
	return f < M_MAX_FILES && m->files[f].live ? &m->files[f] : NULL;
}

struct m_vm *model_vm(struct model *m, unsigned int f, uint32_t id)
{
	struct m_file *file = file_of(m, f);

	if (!file || !id || id > M_MAX_VMS || !file->vms[id].live)
		return NULL;
	return &file->vms[id];
}

static struct m_bo *bo_any(struct m_file *file, uint32_t id)
{
	return id && id <= file->nbos ? &file->bos[id - 1] : NULL;
}

struct m_bo *model_bo(struct model *m, unsigned int f, uint32_t handle)
{
	struct m_file *file = file_of(m, f);
	struct m_bo *bo = file ? bo_any(file, handle) : NULL;

	return bo && bo->open ? bo : NULL;
}

int model_far_slot(uint64_t va)
{
	if (va < M_FAR_START || va >= M_FAR_END)
		return -1;
	return (int)((va - M_FAR_START) / M_1G);
}

static bool in_window(uint64_t va)
{
	return va >= M_WIN_START && va < M_WIN_END;
}

static uint32_t win_page(uint64_t va)
{
	return (uint32_t)((va - M_WIN_START) / M_PAGE);
}

/* ------------------------------------------------------------------ */
/* BO contents                                                         */

static uint8_t bo_byte(const struct m_bo *bo, uint64_t off)
{
	const uint8_t *p = bo->pg[off / M_PAGE];

	return p ? p[off % M_PAGE] : 0;
}

static bool bo_set(struct m_bo *bo, uint64_t off, uint8_t v)
{
	uint8_t **p = &bo->pg[off / M_PAGE];

	if (!*p) {
		if (!v)
			return true;
		*p = calloc(1, M_PAGE);
		if (!*p)
			return false;
	}
	(*p)[off % M_PAGE] = v;
	return true;
}

static void bo_free(struct m_bo *bo)
{
	uint32_t i;

	for (i = 0; bo->pg && i < bo->npages; i++)
		free(bo->pg[i]);
	free(bo->pg);
	bo->pg = NULL;
}

/* ------------------------------------------------------------------ */
/* Model and files                                                     */

struct model *model_new(const struct m_cfg *cfg)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = *cfg;
	m->full = 1ull << cfg->va_bits;
	m->next_serial = 1;
	m->next_map_id = 1;
	return m;
}

void model_free(struct model *m)
{
	unsigned int f;

	if (!m)
		return;
	for (f = 0; f < M_MAX_FILES; f++)
		model_file_close(m, f);
	free(m->tl);
	free(m);
}

int model_file_open(struct model *m, unsigned int f)
{
	if (f >= M_MAX_FILES || m->files[f].live)
		return -EINVAL;
	memset(&m->files[f], 0, sizeof(m->files[f]));
	m->files[f].live = true;
	return 0;
}

static struct m_timeline *tl_find(const struct model *m, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < m->n_tl; i++)
		if (m->tl[i].id == id)
			return &m->tl[i];
	return NULL;
}

static struct m_timeline *tl_get(struct model *m, uint32_t id)
{
	struct m_timeline *t = tl_find(m, id);

	if (t)
		return t;
	if (!grow((void **)&m->tl, &m->cap_tl, m->n_tl + 1, sizeof(*m->tl)))
		abort();
	t = &m->tl[m->n_tl++];
	t->id = id;
	t->point = 0;
	return t;
}

static void job_signal(struct model *m, const struct m_job *job)
{
	struct m_timeline *t;
	uint32_t i;

	for (i = 0; i < job->op.n_syncs; i++) {
		if (job->op.syncs[i].flags != M_SYNC_SIGNAL)
			continue;
		t = tl_get(m, job->op.syncs[i].timeline);
		if (job->op.syncs[i].point > t->point)
			t->point = job->op.syncs[i].point;
	}
}

static void unpin(struct m_file *file, uint32_t target)
{
	struct m_bo *bo;

	if (target == M_TARGET_DUMMY) {
		file->dummy_job_pins--;
	} else if (target) {
		bo = bo_any(file, target);
		bo->job_pins--;
	}
}

static void vm_free(struct model *m, struct m_file *file, struct m_vm *vm)
{
	uint32_t i;

	/* A destroyed VM's jobs never run; their signals still fire. */
	for (i = 0; i < vm->n_jobs; i++) {
		job_signal(m, &vm->jobs[i]);
		unpin(file, vm->jobs[i].target);
	}
	free(vm->jobs);
	free(vm->evl);
	free(vm->pages);
	memset(vm, 0, sizeof(*vm));
}

void model_file_close(struct model *m, unsigned int f)
{
	struct m_file *file = file_of(m, f);
	uint32_t i;

	if (!file)
		return;
	for (i = 1; i <= M_MAX_VMS; i++)
		if (file->vms[i].live)
			vm_free(m, file, &file->vms[i]);
	for (i = 0; i < file->nbos; i++)
		bo_free(&file->bos[i]);
	free(file->bos);
	free(file->dummy);
	memset(file, 0, sizeof(*file));
}

/* ------------------------------------------------------------------ */
/* VMs                                                                 */

int model_vm_create(const struct model *m, unsigned int f, uint64_t user_va)
{
	const struct m_file *file = cfile_of(m, f);
	uint32_t i, n = 0;

	if (!file)
		return -EINVAL;
	if (!user_va)
		user_va = m->full / 2;
	if (user_va % M_PAGE || user_va > m->full)
		return -EINVAL;
	for (i = 1; i <= M_MAX_VMS; i++)
		n += file->vms[i].live;
	return n == M_MAX_VMS ? -EBUSY : 0;
}

bool model_vm_add(struct model *m, unsigned int f, uint32_t id,
		  uint64_t user_va)
{
	struct m_file *file = file_of(m, f);
	struct m_vm *vm;

	if (!file || !id || id > M_MAX_VMS || file->vms[id].live)
		return false;
	vm = &file->vms[id];
	memset(vm, 0, sizeof(*vm));
	vm->pages = calloc(M_WIN_PAGES, sizeof(*vm->pages));
	if (!vm->pages)
		abort();
	vm->live = true;
	vm->serial = m->next_serial++;
	vm->user_va = user_va ? user_va : m->full / 2;
	return true;
}

int model_vm_destroy(struct model *m, unsigned int f, uint32_t id)
{
	struct m_vm *vm = model_vm(m, f, id);

	if (!vm)
		return -EINVAL;
	vm_free(m, &m->files[f], vm);
	return 0;
}

int model_vm_state(struct model *m, unsigned int f, uint32_t id,
		   bool *unusable)
{
	struct m_vm *vm = model_vm(m, f, id);

	if (!vm)
		return -EINVAL;
	*unusable = vm->unusable;
	return 0;
}

int model_vm_queued(struct model *m, unsigned int f, uint32_t id,
		    uint32_t *jobs)
{
	struct m_vm *vm = model_vm(m, f, id);

	if (!vm)
		return -EINVAL;
	*jobs = vm->n_jobs;
	return 0;
}

static bool page_starts_run(const struct m_page *p, uint32_t i)
{
	return p[i].kind != M_NONE &&
	       (i == 0 || p[i - 1].map_id != p[i].map_id);
}

uint64_t model_mapping_count(const struct m_vm *vm)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < M_WIN_PAGES; i++)
		n += page_starts_run(vm->pages, i);
	for (i = 0; i < M_FAR_SLOTS; i++)
		n += vm->far[i].mapped;
	return n;
}

/* ------------------------------------------------------------------ */
/* BOs                                                                 */

int model_bo_create(struct model *m, unsigned int f, uint64_t size,
		    uint32_t exclusive_vm, unsigned int chunks,
		    uint32_t *handle)
{
	struct m_file *file = file_of(m, f);
	struct m_vm *vm = NULL;
	struct m_bo *bo;

	if (!file)
		return -EINVAL;
	if (!size || size % M_PAGE)
		return -EINVAL;
	if (exclusive_vm && !(vm = model_vm(m, f, exclusive_vm)))
		return -EINVAL;
	if (m->cfg.max_bos && file->nbos == m->cfg.max_bos)
		return -ENOSPC;
	/* chunks = N: N runs, so at most one per page (mem.h). */
	if (chunks > size / M_PAGE)
		return -EINVAL;
	if (!grow((void **)&file->bos, &file->cap_bos, file->nbos + 1,
		  sizeof(*file->bos)))
		abort();
	bo = &file->bos[file->nbos++];
	memset(bo, 0, sizeof(*bo));
	bo->size = size;
	bo->npages = (uint32_t)(size / M_PAGE);
	bo->open = true;
	bo->excl = vm ? vm->serial : 0;
	bo->pg = calloc(bo->npages, sizeof(*bo->pg));
	if (!bo->pg)
		abort();
	file->bo_bytes += size;
	*handle = file->nbos;
	return 0;
}

int model_bo_close(struct model *m, unsigned int f, uint32_t handle)
{
	struct m_bo *bo = model_bo(m, f, handle);

	if (!bo)
		return -EINVAL;
	bo->open = false;
	return 0;
}

static struct m_bo *bo_range(struct model *m, unsigned int f,
			     uint32_t handle, uint64_t offset, uint64_t len)
{
	struct m_bo *bo = model_bo(m, f, handle);

	if (!bo || offset > bo->size || len > bo->size - offset)
		return NULL;
	return bo;
}

int model_bo_read(struct model *m, unsigned int f, uint32_t handle,
		  uint64_t offset, uint8_t *buf, uint64_t len)
{
	struct m_bo *bo = bo_range(m, f, handle, offset, len);
	uint64_t i;

	if (!bo)
		return -EINVAL;
	for (i = 0; i < len; i++)
		buf[i] = bo_byte(bo, offset + i);
	return 0;
}

int model_bo_write(struct model *m, unsigned int f, uint32_t handle,
		   uint64_t offset, const uint8_t *buf, uint64_t len)
{
	struct m_bo *bo = bo_range(m, f, handle, offset, len);
	uint64_t i;

	if (!bo)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!bo_set(bo, offset + i, buf[i]))
			abort();
	return 0;
}

/* ------------------------------------------------------------------ */
/* Eviction                                                            */

static bool evl_has(const struct m_vm *vm, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < vm->n_evl; i++)
		if (vm->evl[i] == id)
			return true;
	return false;
}

static void evl_add(struct m_vm *vm, uint32_t id)
{
	if (evl_has(vm, id))
		return;
	if (!grow((void **)&vm->evl, &vm->cap_evl, vm->n_evl + 1,
		  sizeof(*vm->evl)))
		abort();
	vm->evl[vm->n_evl++] = id;
}

/* Marks the resident pages of id (a BO, or the dummy) in every VM. */
static void evict_pages(struct m_file *file, uint32_t id)
{
	bool dummy = id == M_TARGET_DUMMY, any;
	uint32_t v, i;

	for (v = 1; v <= M_MAX_VMS; v++) {
		struct m_vm *vm = &file->vms[v];

		if (!vm->live)
			continue;
		any = false;
		for (i = 0; i < M_WIN_PAGES; i++) {
			struct m_page *p = &vm->pages[i];

			if (p->evicted || p->kind == M_NONE ||
			    (dummy ? p->kind != M_SPARSE :
				     p->kind != M_BO || p->bo != id))
				continue;
			p->evicted = 1;
			any = true;
		}
		for (i = 0; dummy && i < M_FAR_SLOTS; i++) {
			if (vm->far[i].mapped && !vm->far[i].evicted) {
				vm->far[i].evicted = true;
				any = true;
			}
		}
		if (any)
			evl_add(vm, id);
	}
}

int model_bo_evict(struct model *m, unsigned int f, uint32_t handle)
{
	struct m_bo *bo = model_bo(m, f, handle);

	if (!bo)
		return -EINVAL;
	if (bo->evicted)
		return 0;
	if (bo->user_pinned || bo->job_pins)
		return -EBUSY;
	evict_pages(&m->files[f], handle);
	bo->evicted = true;
	return 0;
}

int model_dummy_evict(struct model *m, unsigned int f)
{
	struct m_file *file = file_of(m, f);

	if (!file)
		return -EINVAL;
	if (!file->has_dummy)
		return -ENOENT;
	if (file->dummy_evicted)
		return 0;
	if (file->dummy_job_pins)
		return -EBUSY;
	evict_pages(file, M_TARGET_DUMMY);
	file->dummy_evicted = true;
	return 0;
}

int model_bo_resident(struct model *m, unsigned int f, uint32_t handle,
		      bool *resident)
{
	struct m_file *file = file_of(m, f);
	struct m_bo *bo;

	if (!file)
		return -EINVAL;
	if (!handle) {
		if (!file->has_dummy)
			return -ENOENT;
		*resident = !file->dummy_evicted;
		return 0;
	}
	bo = model_bo(m, f, handle);
	if (!bo)
		return -EINVAL;
	*resident = !bo->evicted;
	return 0;
}

int model_bo_pin(struct model *m, unsigned int f, uint32_t handle, bool pin)
{
	struct m_bo *bo = model_bo(m, f, handle);

	if (!bo)
		return -EINVAL;
	if (!pin) {
		if (!bo->user_pinned)
			return -EINVAL;
		bo->user_pinned = false;
		return 0;
	}
	/* Pinning an evicted BO brings it back (not its VAs). */
	bo->evicted = false;
	bo->user_pinned = true;
	return 0;
}

int model_vm_validate(struct model *m, unsigned int f, uint32_t id)
{
	struct m_vm *vm = model_vm(m, f, id);
	struct m_file *file = &m->files[f];
	uint32_t i;

	if (!vm)
		return -EINVAL;
	for (i = 0; i < vm->n_evl; i++) {
		if (vm->evl[i] == M_TARGET_DUMMY)
			file->dummy_evicted = false;
		else
			bo_any(file, vm->evl[i])->evicted = false;
	}
	vm->n_evl = 0;
	for (i = 0; i < M_WIN_PAGES; i++)
		vm->pages[i].evicted = 0;
	for (i = 0; i < M_FAR_SLOTS; i++)
		vm->far[i].evicted = false;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Bind ops                                                            */

static int check_range(const struct m_vm *vm, uint64_t va, uint64_t size)
{
	if (!size || va % M_PAGE || size % M_PAGE)
		return -EINVAL;
	if (va + size < va || va + size > vm->user_va)
		return -EINVAL;
	return 0;
}

static int check_map_bo(const struct model *m, unsigned int f,
			const struct m_vm *vm, const struct m_op *op)
{
	const struct m_file *file = cfile_of(m, f);
	const struct m_bo *bo;
	uint64_t span = op->repeat ? op->repeat : op->size;

	if (!op->bo_handle || op->bo_handle > file->nbos)
		return -EINVAL;
	bo = &file->bos[op->bo_handle - 1];
	if (!bo->open || op->bo_offset % M_PAGE || op->repeat % M_PAGE)
		return -EINVAL;
	if (bo->excl && bo->excl != vm->serial)
		return -EINVAL;
	if (span > bo->size || op->bo_offset > bo->size - span)
		return -EINVAL;
	return 0;
}

static int check_syncs(const struct m_op *op)
{
	uint32_t i;

	if (op->n_syncs && op->syncs_null)
		return -EINVAL;
	for (i = 0; i < op->n_syncs; i++) {
		const struct m_sync *s = &op->syncs[i];

		if ((s->flags != M_SYNC_WAIT && s->flags != M_SYNC_SIGNAL) ||
		    !s->timeline || !s->point)
			return -EINVAL;
	}
	return 0;
}

int model_check_op(const struct model *m, unsigned int f,
		   const struct m_vm *vm, const struct m_op *op, bool async)
{
	uint32_t type = op->flags & M_OP_TYPE_MASK;
	uint32_t mf = op->flags & ~M_OP_TYPE_MASK;
	int ret;

	if (!async && op->n_syncs)
		return -EINVAL;
	if (async && (ret = check_syncs(op)))
		return ret;
	if (mf & ~M_OP_MAP_FLAGS)
		return -EINVAL;
	switch (type) {
	case M_OP_SYNC_ONLY:
		return mf || op->bo_handle || op->bo_offset || op->va ||
		       op->size || op->repeat ? -EINVAL : 0;
	case M_OP_UNMAP:
		if (mf || op->bo_handle || op->bo_offset || op->repeat)
			return -EINVAL;
		return check_range(vm, op->va, op->size);
	case M_OP_MAP:
		break;
	default:
		return -EINVAL;
	}
	if (vm->unusable)
		return -EINVAL;
	ret = check_range(vm, op->va, op->size);
	if (ret)
		return ret;
	if (mf & M_OP_SPARSE)
		return op->bo_handle || op->bo_offset || op->repeat ||
		       !(mf & M_OP_NOEXEC) ? -EINVAL : 0;
	return check_map_bo(m, f, vm, op);
}

bool model_op_tracked(const struct model *m, const struct m_op *op)
{
	uint32_t type = op->flags & M_OP_TYPE_MASK;
	uint64_t end = op->va + op->size, s;
	unsigned int i;

	(void)m;
	if (type == M_OP_SYNC_ONLY)
		return true;
	if (type == M_OP_MAP) {
		if (op->va >= M_WIN_START && end <= M_WIN_END)
			return true;
		return (op->flags & M_OP_SPARSE) && op->size == M_1G &&
		       model_far_slot(op->va) >= 0 && op->va % M_1G == 0;
	}
	/* UNMAP: anywhere, but a far slot goes whole or not at all. */
	for (i = 0; i < M_FAR_SLOTS; i++) {
		s = M_FAR_START + i * M_1G;
		if (op->va < s + M_1G && s < end &&
		    (op->va > s || end < s + M_1G))
			return false;
	}
	return true;
}

/* The window pages [*lo, *hi) the range covers; false if none. */
static bool win_span(uint64_t va, uint64_t size, uint32_t *lo, uint32_t *hi)
{
	uint64_t s = va > M_WIN_START ? va : M_WIN_START;
	uint64_t e = va + size < M_WIN_END ? va + size : M_WIN_END;

	if (s >= e)
		return false;
	*lo = win_page(s);
	*hi = win_page(e);
	return true;
}

/* How the mapping count changes if op (tracked, valid) is applied. */
static int64_t count_delta(const struct m_vm *vm, const struct m_op *op)
{
	bool map = (op->flags & M_OP_TYPE_MASK) == M_OP_MAP;
	uint32_t lo, hi, i, last, prev, cur;
	int64_t d = 0;
	int slot;

	if (win_span(op->va, op->size, &lo, &hi)) {
		/* Run starts can change on [lo, hi], nowhere else. */
		last = hi < M_WIN_PAGES ? hi : M_WIN_PAGES - 1;
		for (i = lo; i <= last; i++) {
			bool before = page_starts_run(vm->pages, i), after;
			bool in = i < hi;

			cur = in ? (map ? UINT32_MAX : 0) :
				   (vm->pages[i].kind ? vm->pages[i].map_id : 0);
			if (i == 0)
				prev = 0;
			else if (i - 1 >= lo)
				prev = map ? UINT32_MAX : 0;
			else
				prev = vm->pages[i - 1].kind ?
				       vm->pages[i - 1].map_id : 0;
			after = cur && cur != prev;
			d += (int64_t)after - (int64_t)before;
		}
	}
	for (i = 0; i < M_FAR_SLOTS; i++) {
		uint64_t s = M_FAR_START + i * M_1G;

		if (op->va <= s && op->va + op->size >= s + M_1G &&
		    op->va + op->size > op->va)
			d -= vm->far[i].mapped;
	}
	slot = model_far_slot(op->va);
	if (map && slot >= 0 && (op->flags & M_OP_SPARSE) &&
	    op->size == M_1G)
		d += 1;
	return d;
}

/* Slots held by queued jobs are as good as taken. */
static bool over_limit(const struct model *m, const struct m_vm *vm,
		       const struct m_op *op)
{
	int64_t n;

	if (!m->cfg.max_mappings ||
	    (op->flags & M_OP_TYPE_MASK) == M_OP_SYNC_ONLY)
		return false;
	n = (int64_t)model_mapping_count(vm) + (int64_t)vm->slots_held +
	    count_delta(vm, op);
	return n > (int64_t)m->cfg.max_mappings;
}

/* What a queued op holds: the most mappings it can add. */
static uint64_t worst_slots(const struct m_op *op)
{
	switch (op->flags & M_OP_TYPE_MASK) {
	case M_OP_MAP:
		return 2;
	case M_OP_UNMAP:
		return 1;
	default:
		return 0;
	}
}

int model_check_queue(const struct model *m, unsigned int f,
		      const struct m_vm *vm, const struct m_op *ops,
		      uint32_t count, uint32_t *failed)
{
	uint64_t taken = 0;
	uint32_t i;
	int ret;

	if (m->cfg.max_mappings && count)
		taken = model_mapping_count(vm) + vm->slots_held;
	for (i = 0; i < count; i++) {
		ret = model_check_op(m, f, vm, &ops[i], true);
		taken += worst_slots(&ops[i]);
		if (!ret && m->cfg.max_mappings && taken > m->cfg.max_mappings)
			ret = -ENOSPC;
		if (ret) {
			*failed = i;
			return ret;
		}
	}
	return 0;
}

/* Makes the dummy if needed; brings it back if evicted. */
static void dummy_get(struct m_file *file)
{
	if (!file->has_dummy) {
		file->dummy = calloc(1, M_DUMMY_SIZE);
		if (!file->dummy)
			abort();
		file->has_dummy = true;
		file->dummy_evicted = false;
	}
	file->dummy_evicted = false;
}

/* The op's target, brought back: a BO id, the dummy, or 0. */
static uint32_t target_get(struct model *m, struct m_file *file,
			   const struct m_op *op)
{
	struct m_bo *bo;

	if ((op->flags & M_OP_TYPE_MASK) != M_OP_MAP)
		return 0;
	if (op->flags & M_OP_SPARSE) {
		if (m->cfg.sparse_null)
			return 0;
		dummy_get(file);
		return M_TARGET_DUMMY;
	}
	bo = bo_any(file, op->bo_handle);
	bo->evicted = false;
	return op->bo_handle;
}

/* Applies a valid, tracked op whose target is present. bo: its BO id. */
static void apply(struct model *m, struct m_vm *vm, const struct m_op *op,
		  uint32_t bo)
{
	bool map = (op->flags & M_OP_TYPE_MASK) == M_OP_MAP;
	bool sparse = op->flags & M_OP_SPARSE;
	uint8_t prot = (uint8_t)(op->flags & M_OP_PROT);
	uint32_t lo, hi, i, id = m->next_map_id++;
	int slot;

	if ((op->flags & M_OP_TYPE_MASK) == M_OP_SYNC_ONLY)
		return;
	if (win_span(op->va, op->size, &lo, &hi)) {
		for (i = lo; i < hi; i++) {
			struct m_page *p = &vm->pages[i];
			uint64_t x = M_WIN_START + (uint64_t)i * M_PAGE;
			uint64_t rel = x - op->va;

			memset(p, 0, sizeof(*p));
			if (!map)
				continue;
			p->kind = sparse ? M_SPARSE : M_BO;
			p->flags = prot;
			p->map_id = id;
			if (sparse)
				continue;
			if (op->repeat)
				rel %= op->repeat;
			p->bo = bo;
			p->bo_page = (uint32_t)((op->bo_offset + rel) / M_PAGE);
		}
	}
	for (i = 0; i < M_FAR_SLOTS; i++) {
		uint64_t s = M_FAR_START + i * M_1G;

		if (op->va <= s && op->va + op->size >= s + M_1G &&
		    op->va + op->size > op->va)
			memset(&vm->far[i], 0, sizeof(vm->far[i]));
	}
	slot = model_far_slot(op->va);
	if (map && sparse && slot >= 0 && op->size == M_1G) {
		vm->far[slot].mapped = true;
		vm->far[slot].evicted = false;
		vm->far[slot].flags = prot;
	}
}

static int bind_sync(struct model *m, unsigned int f, struct m_vm *vm,
		     const struct m_op *ops, uint32_t count, uint32_t *failed)
{
	struct m_file *file = &m->files[f];
	uint32_t i, bo;
	int ret;

	for (i = 0; i < count; i++) {
		ret = model_check_op(m, f, vm, &ops[i], false);
		if (!ret && over_limit(m, vm, &ops[i]))
			ret = -ENOSPC;
		if (ret) {
			*failed = i;
			return ret;
		}
		if (!model_op_tracked(m, &ops[i]))
			abort(); /* the engine's bug: it must not send it */
		bo = target_get(m, file, &ops[i]);
		apply(m, vm, &ops[i], bo == M_TARGET_DUMMY ? 0 : bo);
	}
	return 0;
}

static int bind_async(struct model *m, unsigned int f, struct m_vm *vm,
		      const struct m_op *ops, uint32_t count,
		      uint32_t *failed)
{
	struct m_file *file = &m->files[f];
	struct m_job *job;
	uint32_t i;
	int ret;

	/* Every op is checked first: nothing happens if one fails. */
	ret = model_check_queue(m, f, vm, ops, count, failed);
	if (ret)
		return ret;
	for (i = 0; i < count; i++)
		if (!model_op_tracked(m, &ops[i]))
			abort();
	for (i = 0; i < count; i++) {
		if (!grow((void **)&vm->jobs, &vm->cap_jobs, vm->n_jobs + 1,
			  sizeof(*vm->jobs)))
			abort();
		job = &vm->jobs[vm->n_jobs++];
		job->op = ops[i];
		vm->slots_held += worst_slots(&ops[i]);
		job->target = target_get(m, file, &ops[i]);
		if (job->target == M_TARGET_DUMMY)
			file->dummy_job_pins++;
		else if (job->target)
			bo_any(file, job->target)->job_pins++;
	}
	return 0;
}

int model_bind(struct model *m, unsigned int f, uint32_t id, uint32_t flags,
	       const struct m_op *ops, bool ops_null, uint32_t count,
	       uint32_t *failed)
{
	struct m_vm *vm = model_vm(m, f, id);

	*failed = UINT32_MAX;
	if (!vm || (count && ops_null) || (flags & ~M_BIND_ASYNC))
		return -EINVAL;
	if (flags & M_BIND_ASYNC)
		return bind_async(m, f, vm, ops, count, failed);
	return bind_sync(m, f, vm, ops, count, failed);
}

/* ------------------------------------------------------------------ */
/* Timelines and the bind queues                                       */

int model_timeline_signal(struct model *m, uint32_t timeline, uint64_t point)
{
	struct m_timeline *t;

	if (!timeline || !point)
		return -EINVAL;
	t = tl_get(m, timeline);
	if (point > t->point)
		t->point = point;
	return 0;
}

int model_timeline_point(const struct model *m, uint32_t timeline,
			 uint64_t *point)
{
	const struct m_timeline *t;

	if (!timeline)
		return -EINVAL;
	t = tl_find(m, timeline);
	*point = t ? t->point : 0;
	return 0;
}

static bool job_ready(const struct model *m, const struct m_job *job)
{
	const struct m_timeline *t;
	uint32_t i;

	for (i = 0; i < job->op.n_syncs; i++) {
		if (job->op.syncs[i].flags != M_SYNC_WAIT)
			continue;
		t = tl_find(m, job->op.syncs[i].timeline);
		if (!t || t->point < job->op.syncs[i].point)
			return false;
	}
	return true;
}

static void job_exec(struct model *m, struct m_file *file, struct m_vm *vm,
		     const struct m_job *job)
{
	uint32_t type = job->op.flags & M_OP_TYPE_MASK;
	bool ok = true;

	/* Never the limit: the job held its slots until now. */
	if (type == M_OP_MAP && vm->unusable)
		ok = false;
	if (vm->head_fails) {
		vm->head_fails = false;
		ok = false;
	}
	if (ok)
		apply(m, vm, &job->op,
		      job->target == M_TARGET_DUMMY ? 0 : job->target);
	else
		vm->unusable = true;
	job_signal(m, job);
	unpin(file, job->target);
}

bool model_vm_fail_head(struct model *m, unsigned int f, uint32_t id,
			bool arm)
{
	struct m_vm *vm = model_vm(m, f, id);

	if (!vm || vm->unusable || !vm->n_jobs ||
	    (vm->jobs[0].op.flags & M_OP_TYPE_MASK) != M_OP_MAP ||
	    !job_ready(m, &vm->jobs[0]))
		return false;
	if (arm)
		vm->head_fails = true;
	return true;
}

int model_run(struct model *m, uint32_t *executed)
{
	uint32_t n = 0, f, v;
	bool progress = true;

	/* The order across VMs cannot matter: timelines only grow. */
	while (progress) {
		progress = false;
		for (f = 0; f < M_MAX_FILES; f++) {
			struct m_file *file = &m->files[f];

			for (v = 1; file->live && v <= M_MAX_VMS; v++) {
				struct m_vm *vm = &file->vms[v];

				while (vm->live && vm->n_jobs &&
				       job_ready(m, &vm->jobs[0])) {
					struct m_job job = vm->jobs[0];

					memmove(vm->jobs, vm->jobs + 1,
						(vm->n_jobs - 1) *
						sizeof(*vm->jobs));
					vm->n_jobs--;
					vm->slots_held -= worst_slots(&job.op);
					job_exec(m, file, vm, &job);
					n++;
					progress = true;
				}
			}
		}
	}
	if (executed)
		*executed = n;
	return 0;
}

int model_wait(struct model *m, uint32_t timeline, uint64_t point)
{
	uint64_t now;

	if (!timeline || !point)
		return -EINVAL;
	model_run(m, NULL);
	model_timeline_point(m, timeline, &now);
	return now >= point ? 0 : -ETIMEDOUT;
}

/* ------------------------------------------------------------------ */
/* GPU accesses and lookup                                             */

/* What the page at va holds; evicted and flags included. */
static struct m_page page_at(const struct m_vm *vm, uint64_t va)
{
	struct m_page p = { 0 };
	int slot;

	if (va >= vm->user_va)
		return p;
	if (in_window(va))
		return vm->pages[win_page(va)];
	slot = model_far_slot(va);
	if (slot >= 0 && vm->far[slot].mapped) {
		p.kind = M_SPARSE;
		p.flags = vm->far[slot].flags;
		p.evicted = vm->far[slot].evicted;
	}
	return p;
}

static enum m_fault_kind xlate(const struct model *m, const struct m_vm *vm,
			       uint64_t va, unsigned int access,
			       struct m_page *out)
{
	if (va >> m->cfg.va_bits)
		return M_FAULT_ADDRESS_SIZE;
	*out = page_at(vm, va);
	if (out->kind == M_NONE || out->evicted)
		return M_FAULT_TRANSLATION;
	if (access == M_WRITE && (out->flags & M_OP_READONLY))
		return M_FAULT_PERMISSION;
	if (access == M_EXEC && (out->flags & M_OP_NOEXEC))
		return M_FAULT_PERMISSION;
	return M_FAULT_NONE;
}

int model_gpu_access(struct model *m, unsigned int f, uint32_t id,
		     unsigned int access, uint64_t va, uint8_t *buf,
		     size_t len, struct m_fault *fault)
{
	struct m_vm *vm = model_vm(m, f, id);
	struct m_file *file = &m->files[f];
	struct m_page p;
	enum m_fault_kind k;
	uint64_t x, rem, n, i;

	if (!vm || access > M_EXEC)
		return -EINVAL;
	/* Pass 1: every page translates, or nothing happens. */
	for (x = va, rem = len; rem; rem -= n, x += n) {
		n = M_PAGE - x % M_PAGE;
		if (n > rem)
			n = rem;
		k = xlate(m, vm, x, access, &p);
		if (k) {
			fault->kind = k;
			fault->addr = x;
			return -EFAULT;
		}
	}
	/* Pass 2. */
	for (x = va, rem = len; rem; rem -= n, x += n, buf += n) {
		n = M_PAGE - x % M_PAGE;
		if (n > rem)
			n = rem;
		xlate(m, vm, x, access, &p);
		for (i = 0; i < n; i++) {
			uint64_t in = (x + i) % M_PAGE;

			if (p.kind == M_SPARSE && m->cfg.sparse_null) {
				if (access != M_WRITE)
					buf[i] = 0;
			} else if (p.kind == M_SPARSE) {
				uint8_t *d = &file->dummy[(x + i) % M_DUMMY_SIZE];

				if (access == M_WRITE)
					*d = buf[i];
				else
					buf[i] = *d;
			} else {
				struct m_bo *bo = bo_any(file, p.bo);
				uint64_t off = (uint64_t)p.bo_page * M_PAGE + in;

				if (access == M_WRITE) {
					if (!bo_set(bo, off, buf[i]))
						abort();
				} else {
					buf[i] = bo_byte(bo, off);
				}
			}
		}
	}
	return 0;
}

int model_lookup(struct model *m, unsigned int f, uint32_t id, uint64_t va,
		 struct m_lookup *out)
{
	struct m_vm *vm = model_vm(m, f, id);
	struct m_file *file = &m->files[f];
	struct m_page p;

	if (!vm)
		return -EINVAL;
	p = page_at(vm, va);
	memset(out, 0, sizeof(*out));
	out->kind = p.kind;
	out->evicted = p.evicted;
	if (p.kind == M_NONE)
		return 0;
	out->flags = p.flags;
	if (p.kind == M_BO) {
		out->bo_handle = bo_any(file, p.bo)->open ? p.bo : 0;
		out->bo_offset = (uint64_t)p.bo_page * M_PAGE + va % M_PAGE;
	}
	return 0;
}
