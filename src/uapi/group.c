// SPDX-License-Identifier: MIT
/*
 * DOC: scheduling groups: GROUP_CREATE/DESTROY/GET_STATE/SUBMIT
 *
 * A group is a set of queues on one VM. Each queue owns a command-stream
 * interpreter (gpuvm/cs.h) on the VM's MMU address space, so a job's
 * stream, and every load, store and sync object it touches, go through
 * the VM's page tables. Each queue also gets a driver timeline, as a VM's
 * bind queue does (sched.c): its n-th job signals point n, so a job's
 * fence is one point, and a submit's waits resolve to point sets exactly
 * as a bind's do.
 *
 * Running: the scheduler's drain (the worker, or any ioctl) calls
 * uapi_groups_run() after the driver ran its ready binds, and loops until
 * neither made progress. A queue's oldest job starts once all its wait
 * points are reached: the VM's evicted BOs are made resident first
 * (gpuvm_drv_vm_validate, panthor's restore before a job runs), then the
 * stream is started and run. A stream that ends raises the job's point;
 * one blocked in a SYNC_WAIT stays the queue's head and is run again at
 * every drain (the worker polls while any is blocked, as firmware
 * re-evaluates a wait when memory changes); one that faults makes the
 * queue fatal and the group unusable: every job of the group still
 * queued is cancelled, every timeline point it holds raised (the fences
 * signal, with an error on the kernel), later submits are -EINVAL
 * (panthor's group_can_run), and GET_STATE reports FATAL_FAULT with the
 * fatal queues. A job that stays blocked longer than panthor's job
 * timeout (5 s, cfg.job_timeout_ms) makes the group TIMEDOUT the same
 * way.
 *
 * Everything here runs under sched.run_lock: the group table, the
 * queues' jobs and their interpreters, so a stream never runs while its
 * group, or its VM (vm_release takes run_lock too), goes away.
 *
 * Checks, in panthor's order (docs/panthor.md has the rules):
 *   GROUP_CREATE: queue count (1..32), the queue array, the priority
 *     (-EINVAL past REALTIME, -EACCES above MEDIUM unless master), pad,
 *     core masks within shader_present/tiler_present and holding at
 *     least max_*_cores cores, the VM, per queue its pad, ring-buffer
 *     size (a power of two, 4 KiB..64 KiB) and priority (0..15), then a
 *     free handle (-EBUSY past 128 groups per file).
 *   GROUP_SUBMIT: pad, the array; per job (panthor_job_create) pad, a
 *     stream address and size both zero or both not, the address 64-byte
 *     and the size 8-byte aligned, latest_flush bits 24-30 clear, the
 *     group (-EINVAL if missing or unusable), the queue index, then its
 *     syncs array; then the signal ops, then the wait ops (vm.c's rules).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/uapi_internal.h"

#define MAX_QUEUES          32              /* MAX_CS_PER_CSG */
#define MIN_RINGBUF         (4u << 10)
#define MAX_RINGBUF         (64u << 10)
#define MAX_QUEUE_PRIO      15              /* CSF_MAX_QUEUE_PRIO */
#define JOB_TIMEOUT_MS      5000            /* panthor's JOB_TIMEOUT_MS */

/* ------------------------------------------------------------------ */
/* Lookup, cancel, free (run_lock held)                                */

static struct uapi_group *group_find(struct gpuvm_uapi_file *f, uint32_t h)
{
	return h && h <= UAPI_MAX_GROUPS ? f->groups[h - 1] : NULL;
}

static bool group_can_run(const struct uapi_group *g)
{
	return !g->dead && !g->fatal_queues && !g->timedout;
}

static void job_free(struct uapi_job *j)
{
	free(j->waits);
	free(j);
}

/*
 * Drops every queued job of the group and raises every point its queues
 * gave out, so no fence of it stays unsignalled. Returns the jobs dropped.
 */
static uint32_t group_cancel(struct gpuvm_uapi_device *dev,
			     struct uapi_group *g)
{
	struct uapi_job *j;
	uint32_t i, n = 0;

	for (i = 0; i < g->nq; i++) {
		struct uapi_gqueue *q = &g->q[i];

		while ((j = q->head)) {
			q->head = j->next;
			job_free(j);
			n++;
		}
		q->tail = NULL;
		if (q->blocked) {
			q->blocked = false;
			__atomic_sub_fetch(&dev->sched.blocked, 1,
					   __ATOMIC_RELAXED);
		}
		if (q->seq)
			gpuvm_drv_timeline_signal(dev->drv, q->tl, q->seq);
	}
	uapi_sched_forget(dev, n);
	return n;
}

/* The interpreters go (the VM may go after this). */
static void group_drop_queues(struct uapi_group *g)
{
	uint32_t i;

	for (i = 0; i < g->nq; i++) {
		gpuvm_cs_queue_destroy(g->q[i].cs);
		g->q[i].cs = NULL;
	}
}

static void group_unlink(struct gpuvm_uapi_device *dev, struct uapi_group *g)
{
	if (g->dprev)
		g->dprev->dnext = g->dnext;
	else
		dev->groups = g->dnext;
	if (g->dnext)
		g->dnext->dprev = g->dprev;
	g->file->groups[g->handle - 1] = NULL;
}

static void group_free(struct gpuvm_uapi_device *dev, struct uapi_group *g)
{
	uint32_t i;

	group_drop_queues(g);
	for (i = 0; i < g->nq; i++)
		if (g->q[i].tl)
			uapi_tl_put(dev, g->q[i].tl, g->q[i].seq);
	free(g);
}

/* run_lock held: cancels, unlinks and frees. */
static void group_destroy(struct gpuvm_uapi_device *dev, struct uapi_group *g)
{
	group_cancel(dev, g);
	group_unlink(dev, g);
	group_free(dev, g);
}

void uapi_groups_release(struct gpuvm_uapi_file *f)
{
	struct gpuvm_uapi_device *dev = f->dev;
	uint32_t i;

	pthread_mutex_lock(&dev->sched.run_lock);
	for (i = 0; i < UAPI_MAX_GROUPS; i++)
		if (f->groups[i])
			group_destroy(dev, f->groups[i]);
	pthread_mutex_unlock(&dev->sched.run_lock);
	uapi_sched_broadcast(dev);
}

void uapi_groups_vm_gone(struct gpuvm_uapi_file *f, uint32_t vm_id)
{
	struct uapi_group *g;
	uint32_t i;

	for (i = 0; i < UAPI_MAX_GROUPS; i++) {
		g = f->groups[i];
		if (!g || g->vm_id != vm_id || g->dead)
			continue;
		group_cancel(f->dev, g);
		group_drop_queues(g);
		g->dead = true;
	}
}

/* ------------------------------------------------------------------ */
/* Running (run_lock held)                                             */

static bool waits_reached(struct gpuvm_uapi_device *dev,
			  const struct uapi_job *j)
{
	uint64_t v;
	uint32_t i;

	for (i = 0; i < j->nwaits; i++) {
		v = 0;
		gpuvm_drv_timeline_point(dev->drv, j->waits[i].tl, &v);
		if (v < j->waits[i].pt)
			return false;
	}
	return true;
}

/* Queue qi of g met an exception: the group is done for. */
static void group_fault(struct gpuvm_uapi_device *dev, struct uapi_group *g,
			uint32_t qi, const struct gpuvm_cs_fault *fault)
{
	g->q[qi].fault = *fault;
	g->fatal_queues |= 1u << qi;
	group_cancel(dev, g);
}

static void set_blocked(struct gpuvm_uapi_device *dev, struct uapi_gqueue *q,
			bool blocked)
{
	if (q->blocked == blocked)
		return;
	q->blocked = blocked;
	if (blocked)
		__atomic_add_fetch(&dev->sched.blocked, 1, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&dev->sched.blocked, 1, __ATOMIC_RELAXED);
}

static int64_t job_timeout_ns(const struct gpuvm_uapi_device *dev)
{
	uint32_t ms = dev->cfg.job_timeout_ms;

	return (int64_t)(ms ? ms : JOB_TIMEOUT_MS) * 1000000;
}

/* Starts the head job: the VM made whole, then the stream loaded. */
static int job_start(struct gpuvm_uapi_device *dev, struct uapi_group *g,
		     struct uapi_gqueue *q, struct uapi_job *j)
{
	int ret = gpuvm_drv_vm_validate(g->file->drv, g->vm_id);

	if (!ret)
		ret = gpuvm_cs_queue_start(q->cs, j->addr, j->size);
	if (!ret) {
		j->started = true;
		j->since = uapi_now_ns();
	}
	(void)dev;
	return ret;
}

/*
 * Runs queue qi's jobs as far as they go. *done counts the jobs that
 * finished; returns true if anything moved (instructions ran, a job
 * ended, the group stopped).
 */
static bool queue_run(struct gpuvm_uapi_device *dev, struct uapi_group *g,
		      uint32_t qi, uint32_t *done)
{
	struct uapi_gqueue *q = &g->q[qi];
	struct gpuvm_cs_result res;
	struct uapi_job *j;
	bool moved = false;

	while ((j = q->head) && group_can_run(g)) {
		if (!j->started) {
			if (!waits_reached(dev, j))
				break;
			if (job_start(dev, g, q, j)) {
				/* The VM could not be made whole: the job
				 * fails as a job whose BOs cannot be
				 * restored does. */
				struct gpuvm_cs_fault f = {
					.exception = GPUVM_CS_EXC_OK,
					.instr_addr = j->addr,
					.addr = j->addr,
				};

				group_fault(dev, g, qi, &f);
				return true;
			}
		}
		gpuvm_cs_queue_run(q->cs, &res);
		if (res.state == GPUVM_CS_QUEUE_BLOCKED) {
			set_blocked(dev, q, true);
			if (res.executed)
				moved = true;
			else if (uapi_now_ns() - j->since > job_timeout_ns(dev)) {
				g->timedout = true;
				group_cancel(dev, g);
				return true;
			}
			break;
		}
		set_blocked(dev, q, false);
		if (res.state == GPUVM_CS_QUEUE_FAULTED) {
			group_fault(dev, g, qi, &res.fault);
			return true;
		}
		/* IDLE: the job is done, its point raised. */
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		gpuvm_drv_timeline_signal(dev->drv, q->tl, j->point);
		job_free(j);
		uapi_sched_forget(dev, 1);
		(*done)++;
		moved = true;
	}
	return moved;
}

bool uapi_groups_run(struct gpuvm_uapi_device *dev, uint32_t *done)
{
	struct uapi_group *g;
	bool moved = false;
	uint32_t i;

	for (g = dev->groups; g; g = g->dnext) {
		if (!group_can_run(g))
			continue;
		for (i = 0; i < g->nq && group_can_run(g); i++)
			if (g->q[i].head && queue_run(dev, g, i, done))
				moved = true;
	}
	return moved;
}

/* ------------------------------------------------------------------ */
/* GROUP_CREATE                                                        */

static bool group_priority_ok(uint8_t p)
{
	return p <= PANTHOR_GROUP_PRIORITY_REALTIME;
}

static int check_masks(const struct drm_panthor_group_create *a)
{
	if (a->compute_core_mask & ~UAPI_SHADER_PRESENT ||
	    a->fragment_core_mask & ~UAPI_SHADER_PRESENT ||
	    a->tiler_core_mask & ~UAPI_TILER_PRESENT)
		return -EINVAL;
	if (__builtin_popcountll(a->compute_core_mask) < a->max_compute_cores ||
	    __builtin_popcountll(a->fragment_core_mask) <
	    a->max_fragment_cores ||
	    __builtin_popcountll(a->tiler_core_mask) < a->max_tiler_cores)
		return -EINVAL;
	return 0;
}

static int check_queue(const struct drm_panthor_queue_create *q)
{
	if (q->pad[0] || q->pad[1] || q->pad[2])
		return -EINVAL;
	if (q->ringbuf_size < MIN_RINGBUF || q->ringbuf_size > MAX_RINGBUF ||
	    q->ringbuf_size & (q->ringbuf_size - 1))
		return -EINVAL;
	return q->priority > MAX_QUEUE_PRIO ? -EINVAL : 0;
}

static int vm_lookup(struct gpuvm_uapi_file *f, uint32_t id)
{
	enum gpuvm_drv_vm_state st;

	return id && id <= GPUVM_DRV_MAX_VMS_PER_FILE &&
	       !gpuvm_drv_vm_get_state(f->drv, id, &st) ? 0 : -EINVAL;
}

static int group_new(struct gpuvm_uapi_file *f, uint32_t vm_id,
		     uint32_t nq, struct uapi_group **out)
{
	struct gpuvm_cs_queue_cfg cfg = {
		.as = gpuvm_drv_vm_as(f->drv, vm_id),
		.max_instrs = f->dev->cfg.cs_max_instrs,
	};
	struct uapi_group *g;
	uint32_t i;
	int ret;

	if (!cfg.as)
		return -EINVAL;
	g = calloc(1, sizeof(*g) + nq * sizeof(g->q[0]));
	if (!g)
		return -ENOMEM;
	g->file = f;
	g->vm_id = vm_id;
	g->nq = nq;
	for (i = 0; i < nq; i++) {
		ret = gpuvm_cs_queue_create(&cfg, &g->q[i].cs);
		if (ret) {
			group_drop_queues(g);
			free(g);
			return ret;
		}
	}
	*out = g;
	return 0;
}

int uapi_ioctl_group_create(struct uapi_call *c)
{
	struct drm_panthor_group_create *a = c->data;
	struct gpuvm_uapi_file *f = c->file;
	struct gpuvm_uapi_device *dev = f->dev;
	struct drm_panthor_queue_create *qa = NULL;
	struct uapi_group *g = NULL;
	uint32_t i, h = 0;
	int ret;

	if (!a->queues.count || a->queues.count > MAX_QUEUES)
		return -EINVAL;
	ret = uapi_get_array(&a->queues, sizeof(*qa), sizeof(*qa),
			     (void **)&qa);
	if (ret)
		return ret;
	if (!group_priority_ok(a->priority))
		ret = -EINVAL;
	/* Above medium: CAP_SYS_NICE or the master (only the latter here). */
	else if (a->priority > PANTHOR_GROUP_PRIORITY_MEDIUM && !f->master)
		ret = -EACCES;
	else if (a->pad)
		ret = -EINVAL;
	else
		ret = check_masks(a);
	if (!ret)
		ret = vm_lookup(f, a->vm_id);
	for (i = 0; i < a->queues.count && !ret; i++)
		ret = check_queue(&qa[i]);
	free(qa);
	if (ret)
		return ret;
	pthread_mutex_lock(&dev->sched.run_lock);
	for (i = 0; i < UAPI_MAX_GROUPS && !h; i++)
		if (!f->groups[i])
			h = i + 1;
	if (!h)
		ret = -EBUSY;
	else
		ret = group_new(f, a->vm_id, a->queues.count, &g);
	if (!ret) {
		for (i = 0; i < g->nq; i++)
			g->q[i].tl = uapi_tl_get(dev, &g->q[i].seq);
		g->handle = h;
		f->groups[h - 1] = g;
		g->dnext = dev->groups;
		if (dev->groups)
			dev->groups->dprev = g;
		dev->groups = g;
		a->group_handle = h;
	}
	pthread_mutex_unlock(&dev->sched.run_lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* GROUP_DESTROY, GROUP_GET_STATE                                      */

int uapi_ioctl_group_destroy(struct uapi_call *c)
{
	struct drm_panthor_group_destroy *a = c->data;
	struct gpuvm_uapi_device *dev = c->file->dev;
	struct uapi_group *g;

	if (a->pad)
		return -EINVAL;
	pthread_mutex_lock(&dev->sched.run_lock);
	g = group_find(c->file, a->group_handle);
	if (g)
		group_destroy(dev, g);
	pthread_mutex_unlock(&dev->sched.run_lock);
	if (!g)
		return -EINVAL;
	uapi_sched_broadcast(dev);
	return 0;
}

int uapi_ioctl_group_get_state(struct uapi_call *c)
{
	struct drm_panthor_group_get_state *a = c->data;
	struct gpuvm_uapi_device *dev = c->file->dev;
	struct uapi_group *g;
	uint32_t h = a->group_handle;

	if (a->pad)
		return -EINVAL;
	pthread_mutex_lock(&dev->sched.run_lock);
	g = group_find(c->file, h);
	if (g) {
		memset(a, 0, sizeof(*a));
		a->group_handle = h;
		if (g->timedout)
			a->state |= DRM_PANTHOR_GROUP_STATE_TIMEDOUT;
		if (g->fatal_queues)
			a->state |= DRM_PANTHOR_GROUP_STATE_FATAL_FAULT;
		a->fatal_queues = g->fatal_queues;
	}
	pthread_mutex_unlock(&dev->sched.run_lock);
	return g ? 0 : -EINVAL;
}

int gpuvm_uapi_group_fault(struct gpuvm_uapi_file *file, uint32_t group,
			   uint32_t queue, struct gpuvm_cs_fault *fault)
{
	struct uapi_group *g;
	int ret = -EINVAL;

	if (!file || !fault)
		return -EINVAL;
	pthread_mutex_lock(&file->dev->sched.run_lock);
	g = group_find(file, group);
	if (g && queue < g->nq) {
		ret = g->fatal_queues & 1u << queue ? 0 : -ENODATA;
		if (!ret)
			*fault = g->q[queue].fault;
	}
	pthread_mutex_unlock(&file->dev->sched.run_lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* GROUP_SUBMIT                                                        */

/* A (handle, point) some job of the call signals, and its fence so far. */
struct gsubmit {
	struct gpuvm_uapi_file *file;
	struct uapi_group *g;
	uint32_t count;
	const struct drm_panthor_queue_submit *qs;
	struct drm_panthor_sync_op **syncs;   /* per job */
	struct uapi_job **jobs;               /* per job, until queued */
	struct uapi_fence **fences;           /* per job */
	struct uapi_sigset sigs;
};

static void gsubmit_free(struct gsubmit *b)
{
	uint32_t i;

	for (i = 0; i < b->count; i++) {
		if (b->syncs)
			free(b->syncs[i]);
		if (b->jobs && b->jobs[i])
			job_free(b->jobs[i]);
		if (b->fences)
			uapi_fence_put(b->fences[i]);
	}
	uapi_sigset_release(b->file, &b->sigs);
	free(b->syncs);
	free(b->jobs);
	free(b->fences);
}

/* panthor_job_create's checks on one job. */
static int check_job(const struct drm_panthor_queue_submit *q)
{
	if (q->pad)
		return -EINVAL;
	if (!q->stream_size != !q->stream_addr)
		return -EINVAL;
	if (q->stream_addr & 63 || q->stream_size & 7)
		return -EINVAL;
	return q->latest_flush & 0x7f000000u ? -EINVAL : 0;
}

/* Per job: its checks, the group, its syncs array. */
static int load_jobs(struct gsubmit *b, uint32_t handle)
{
	uint32_t i;
	int ret;

	b->syncs = calloc(b->count, sizeof(*b->syncs));
	b->jobs = calloc(b->count, sizeof(*b->jobs));
	b->fences = calloc(b->count, sizeof(*b->fences));
	if (!b->syncs || !b->jobs || !b->fences)
		return -ENOMEM;
	for (i = 0; i < b->count; i++) {
		ret = check_job(&b->qs[i]);
		if (ret)
			return ret;
		b->g = group_find(b->file, handle);
		if (!b->g || !group_can_run(b->g) ||
		    b->qs[i].queue_index >= b->g->nq)
			return -EINVAL;
		b->jobs[i] = calloc(1, sizeof(*b->jobs[i]));
		if (!b->jobs[i])
			return -ENOMEM;
		ret = uapi_get_array(&b->qs[i].syncs,
				     sizeof(struct drm_panthor_sync_op),
				     sizeof(struct drm_panthor_sync_op),
				     (void **)&b->syncs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* panthor_submit_ctx_collect_jobs_signal_ops. */
static int collect_sigs(struct gsubmit *b)
{
	uint32_t i;
	int ret = 0;

	for (i = 0; i < b->count && !ret; i++)
		ret = uapi_sigset_collect(&b->sigs, b->file, b->syncs[i],
					  b->qs[i].syncs.count);
	return ret;
}

/* Appends a fence's points to job j's waits. */
static int add_waits(struct uapi_job *j, const struct uapi_fence *f)
{
	struct uapi_tlpt *w;

	if (!f->n)
		return 0;
	w = realloc(j->waits, (j->nwaits + f->n) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	memcpy(w + j->nwaits, f->e, f->n * sizeof(*w));
	j->waits = w;
	j->nwaits += f->n;
	return 0;
}

/* Job i's waits, its point, and the fences its signals get. */
static int job_deps(struct gsubmit *b, uint32_t i, uint64_t point)
{
	const struct drm_panthor_sync_op *s;
	struct uapi_gqueue *q = &b->g->q[b->qs[i].queue_index];
	struct uapi_job *job = b->jobs[i];
	struct uapi_fence *fence;
	uint32_t j;
	int ret;

	for (j = 0; j < b->qs[i].syncs.count; j++) {
		s = &b->syncs[i][j];
		if (uapi_sync_op_signals(s))
			continue;
		ret = uapi_sigset_wait_fence(&b->sigs, b->file, s, &fence);
		if (ret)
			return ret;
		ret = add_waits(job, fence);
		uapi_fence_put(fence);
		if (ret)
			return ret;
	}
	job->addr = b->qs[i].stream_addr;
	job->size = b->qs[i].stream_size;
	job->point = point;
	b->fences[i] = uapi_fence_new(1);
	if (!b->fences[i])
		return -ENOMEM;
	b->fences[i]->e[0] = (struct uapi_tlpt){ q->tl, point };
	uapi_sigset_take(&b->sigs, b->syncs[i], b->qs[i].syncs.count,
			 b->fences[i]);
	return 0;
}

/* Under sched.lock: every job's deps, room for the timeline points. */
static int resolve(struct gsubmit *b)
{
	struct gpuvm_uapi_device *dev = b->file->dev;
	uint64_t next[MAX_QUEUES];
	uint32_t i, qi;
	int ret = 0;

	for (i = 0; i < b->g->nq; i++)
		next[i] = b->g->q[i].seq;
	pthread_mutex_lock(&dev->sched.lock);
	uapi_sigset_note(dev, &b->sigs);
	for (i = 0; i < b->count && !ret; i++) {
		qi = b->qs[i].queue_index;
		ret = job_deps(b, i, ++next[qi]);
	}
	if (!ret)
		ret = uapi_sigset_reserve(&b->sigs);
	pthread_mutex_unlock(&dev->sched.lock);
	return ret;
}

/* The jobs join their queues; the syncobjs get their fences. */
static void push(struct gsubmit *b)
{
	struct gpuvm_uapi_device *dev = b->file->dev;
	struct uapi_gqueue *q;
	uint32_t i;

	uapi_sched_expect(dev, b->count);
	for (i = 0; i < b->count; i++) {
		q = &b->g->q[b->qs[i].queue_index];
		if (q->tail)
			q->tail->next = b->jobs[i];
		else
			q->head = b->jobs[i];
		q->tail = b->jobs[i];
		q->seq = b->jobs[i]->point;
		b->jobs[i] = NULL;
	}
	pthread_mutex_lock(&dev->sched.lock);
	uapi_sigset_publish(dev, &b->sigs);
	dev->sched.progress++;
	pthread_cond_broadcast(&dev->sched.cond);
	pthread_mutex_unlock(&dev->sched.lock);
}

int uapi_ioctl_group_submit(struct uapi_call *c)
{
	struct drm_panthor_group_submit *a = c->data;
	struct gpuvm_uapi_file *f = c->file;
	struct drm_panthor_queue_submit *qs = NULL;
	struct gsubmit b = { .file = f };
	int ret;

	if (a->pad)
		return -EINVAL;
	ret = uapi_get_array(&a->queue_submits, sizeof(*qs), sizeof(*qs),
			     (void **)&qs);
	if (ret)
		return ret;
	b.count = a->queue_submits.count;
	b.qs = qs;
	if (!b.count) {
		free(qs);
		return 0;
	}
	pthread_mutex_lock(&f->dev->sched.run_lock);
	ret = load_jobs(&b, a->group_handle);
	if (!ret)
		ret = collect_sigs(&b);
	if (!ret)
		ret = resolve(&b);
	if (!ret)
		push(&b);
	pthread_mutex_unlock(&f->dev->sched.run_lock);
	gsubmit_free(&b);
	free(qs);
	if (!ret)
		uapi_sched_kick(f->dev);
	return ret;
}
