// SPDX-License-Identifier: MIT
/*
 * DOC: syncobjs
 *
 * A DRM syncobj holds a fence, or, used as a timeline, a chain of points
 * (dma_fence_chain): point P is signalled when its own fence and those of
 * every older point are. The rules reproduced here are drm_syncobj.c's:
 *
 *  - a wait on a point that is not there yet (no fence; a point above the
 *    newest one) is -EINVAL, unless WAIT_FOR_SUBMIT (wait for it to come,
 *    then for it to signal) or WAIT_AVAILABLE (wait for it to come);
 *  - a wait on point P takes the oldest point at or above P, which stands
 *    for itself and everything older (this file resolves that to the set
 *    of driver points still unreached, see sched.c);
 *  - adding a point no greater than the newest starts a new run of points
 *    (a new fence context) at the newest seqno, as dma_fence_chain_init
 *    does, and a query stops at a run's start;
 *  - a query gives the seqno of the newest point whose whole chain is
 *    signalled: the oldest unsignalled point's predecessor;
 *  - signalled points older than the newest are dropped as the chain's
 *    walks drop them, which keeps a chain as long as its unsignalled part.
 *
 * Fences are captured when a wait or a job starts: a syncobj changing
 * afterwards does not change what they wait for. Waits sleep on sched.cond
 * with the absolute CLOCK_MONOTONIC deadline DRM takes (0 polls).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/uapi_internal.h"

#define WAIT_FLAGS (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | \
		    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | \
		    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE)
#define TIMELINE_WAIT_FLAGS (WAIT_FLAGS | \
			     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)
/* find_fence's wait for a point to be submitted (drm_syncobj.c). */
#define SUBMIT_WAIT_NS 5000000000ll

/* ------------------------------------------------------------------ */
/* State                                                               */

static void drop_points(struct uapi_syncobj *s)
{
	uint32_t i;

	for (i = 0; i < s->npts; i++)
		uapi_fence_put(s->pts[i].fence);
	s->npts = 0;
}

void uapi_sobj_free(struct uapi_syncobj *s)
{
	if (!s)
		return;
	drop_points(s);
	free(s->pts);
	uapi_fence_put(s->fence);
	free(s);
}

/*
 * Promises room for extra more slots (a point takes up to two: itself and
 * a binary fence it turns into the chain's first run), so that installing
 * later, after a bind was queued, cannot fail. Promises add up: other
 * threads adding points in between get room of their own.
 */
int uapi_sobj_reserve(struct uapi_syncobj *s, uint32_t extra)
{
	uint32_t want = s->npts + s->reserved + extra, cap;
	struct uapi_point *p;

	if (want > s->cap) {
		cap = s->cap ? s->cap : 4;
		while (cap < want)
			cap *= 2;
		p = realloc(s->pts, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->pts = p;
		s->cap = cap;
	}
	s->reserved += extra;
	return 0;
}

void uapi_sobj_unreserve(struct uapi_syncobj *s, uint32_t extra)
{
	s->reserved -= extra;
}

static bool own_signalled(struct gpuvm_uapi_device *dev,
			  const struct uapi_point *p)
{
	return uapi_fence_signalled(dev, p->fence);
}

/* Drops signalled points older than the newest. */
static void prune(struct gpuvm_uapi_device *dev, struct uapi_syncobj *s)
{
	uint32_t i, j = 0;

	for (i = 0; i + 1 < s->npts; i++) {
		if (own_signalled(dev, &s->pts[i]))
			uapi_fence_put(s->pts[i].fence);
		else
			s->pts[j++] = s->pts[i];
	}
	if (s->npts)
		s->pts[j++] = s->pts[s->npts - 1];
	s->npts = j;
}

/* Installs a fence as the syncobj's only one (or none). */
void uapi_sobj_replace(struct uapi_syncobj *s, struct uapi_fence *fence)
{
	drop_points(s);
	s->chain = false;
	uapi_fence_put(s->fence);
	s->fence = uapi_fence_get(fence);
}

/* Adds timeline point `point`, using a uapi_sobj_reserve(s, 2). */
void uapi_sobj_add_point(struct gpuvm_uapi_device *dev,
			 struct uapi_syncobj *s, uint64_t point,
			 struct uapi_fence *fence)
{
	struct uapi_sched *sc = &dev->sched;
	struct uapi_point *head, n = { 0 };

	if (!s->chain) {
		/* A binary fence becomes the chain's first, separate run. */
		if (s->fence)
			s->pts[s->npts++] = (struct uapi_point){
				.ctx = sc->next_ctx++, .fence = s->fence,
			};
		s->fence = NULL;
		s->chain = true;
		n.ctx = sc->next_ctx++;
		n.seqno = point;
	} else {
		head = &s->pts[s->npts - 1];
		if (point > head->seqno) {
			n.ctx = head->ctx;
			n.prev_seqno = head->seqno;
			n.seqno = point;
		} else {
			n.ctx = sc->next_ctx++;
			n.seqno = head->seqno;
		}
	}
	n.fence = uapi_fence_get(fence);
	s->pts[s->npts++] = n;
	s->reserved -= 2;
	prune(dev, s);
}

/* ------------------------------------------------------------------ */
/* Finding the fence of a point                                        */

/* Adds the unreached points of f into u (one per timeline, the max). */
static void merge(struct gpuvm_uapi_device *dev, struct uapi_fence *u,
		  const struct uapi_fence *f)
{
	uint32_t i, j;
	uint64_t v;

	for (i = 0; i < f->n; i++) {
		v = 0;
		gpuvm_drv_timeline_point(dev->drv, f->e[i].tl, &v);
		if (v >= f->e[i].pt)
			continue;
		for (j = 0; j < u->n && u->e[j].tl != f->e[i].tl; j++)
			;
		if (j == u->n)
			u->e[u->n++] = f->e[i];
		else if (u->e[j].pt < f->e[i].pt)
			u->e[j].pt = f->e[i].pt;
	}
}

/* A fence for points[0..last] together: all of them reached. */
static int chain_fence(struct gpuvm_uapi_device *dev,
		       const struct uapi_syncobj *s, int64_t last,
		       struct uapi_fence **out)
{
	uint32_t total = 0;
	struct uapi_fence *u;
	int64_t i;

	for (i = 0; i <= last; i++)
		total += s->pts[i].fence->n;
	u = uapi_fence_new(total);
	if (!u)
		return -ENOMEM;
	u->n = 0;
	for (i = 0; i <= last; i++)
		merge(dev, u, s->pts[i].fence);
	*out = u;
	return 0;
}

int uapi_sobj_find(struct gpuvm_uapi_device *dev, struct uapi_syncobj *s,
		   uint64_t point, struct uapi_fence **out)
{
	const struct uapi_point *head;
	int64_t i, j;

	if (!s->chain) {
		if (!s->fence || point)
			return -EINVAL;
		*out = uapi_fence_get(s->fence);
		return 0;
	}
	head = &s->pts[s->npts - 1];
	if (!point)
		return chain_fence(dev, s, (int64_t)s->npts - 1, out);
	if (head->seqno < point)
		return -EINVAL;
	/* dma_fence_chain_find_seqno: walk the unsignalled points down
	 * from the newest until one's predecessor is below point. */
	for (i = (int64_t)s->npts - 1;;) {
		if (s->pts[i].ctx != head->ctx || s->pts[i].prev_seqno < point)
			return chain_fence(dev, s, i, out);
		for (j = i - 1; j >= 0 && own_signalled(dev, &s->pts[j]); j--)
			;
		if (j < 0)
			break;
		i = j;
	}
	*out = uapi_fence_stub();
	return *out ? 0 : -ENOMEM;
}

/* The query's answer for one syncobj. */
static uint64_t query_point(struct gpuvm_uapi_device *dev,
			    struct uapi_syncobj *s, bool last_submitted)
{
	const struct uapi_point *head, *last;
	int64_t i;
	bool all;

	if (!s->chain)
		return 0;
	head = &s->pts[s->npts - 1];
	if (last_submitted)
		return head->seqno;
	last = head;
	for (i = (int64_t)s->npts - 2; i >= 0; i--) {
		if (own_signalled(dev, &s->pts[i]))
			continue;
		if (s->pts[i].ctx != head->ctx)
			break;
		last = &s->pts[i];
	}
	all = true;
	for (i = 0; all && &s->pts[i] <= last; i++)
		all = own_signalled(dev, &s->pts[i]);
	return all ? last->seqno : last->prev_seqno;
}

/* ------------------------------------------------------------------ */
/* Arrays of handles                                                   */

static void put_all(struct gpuvm_uapi_file *f, struct uapi_syncobj **v,
		    uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		uapi_sobj_put(f, v[i]);
	free(v);
}

/* drm_syncobj_array_find: -EFAULT, then -ENOENT for a missing handle. */
static int find_all(struct gpuvm_uapi_file *f, uint64_t handles,
		    uint32_t count, struct uapi_syncobj ***out)
{
	uint32_t *h, i;
	struct uapi_syncobj **v = NULL;
	int ret;

	/* kmalloc_array's limits, in the kernel's order. */
	*out = NULL;
	if ((uint64_t)count * sizeof(*h) > UAPI_KMALLOC_MAX ||
	    !(h = malloc((size_t)count * sizeof(*h))))
		return -ENOMEM;
	ret = uapi_copy_in(h, handles, (size_t)count * sizeof(*h));
	if (!ret && ((uint64_t)count * sizeof(void *) > UAPI_KMALLOC_MAX ||
		     !(v = calloc(count, sizeof(*v)))))
		ret = -ENOMEM;
	for (i = 0; !ret && i < count; i++) {
		v[i] = uapi_sobj_get(f, h[i]);
		if (!v[i]) {
			put_all(f, v, i);
			v = NULL;
			ret = -ENOENT;
		}
	}
	free(h);
	*out = v;
	return ret;
}

/* Points of a timeline array: zeros for a NULL pointer. */
static int get_points(uint64_t user, uint32_t count, uint64_t **out)
{
	uint64_t *p = NULL;
	int ret = 0;

	if ((uint64_t)count * sizeof(*p) > UAPI_KMALLOC_MAX ||
	    !(p = calloc(count, sizeof(*p))))
		return -ENOMEM;
	if (user)
		ret = uapi_copy_in(p, user, (size_t)count * sizeof(*p));
	if (ret) {
		free(p);
		p = NULL;
	}
	*out = p;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Creation and destruction                                            */

int uapi_ioctl_syncobj_create(struct uapi_call *c)
{
	struct drm_syncobj_create *a = c->data;
	struct uapi_syncobj *s;
	int ret;

	if (a->flags & ~DRM_SYNCOBJ_CREATE_SIGNALED)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (a->flags & DRM_SYNCOBJ_CREATE_SIGNALED) {
		s->fence = uapi_fence_stub();
		if (!s->fence) {
			free(s);
			return -ENOMEM;
		}
	}
	ret = uapi_sobj_add(c->file, s, &a->handle);
	if (ret)
		uapi_sobj_free(s);
	return ret;
}

int uapi_ioctl_syncobj_destroy(struct uapi_call *c)
{
	struct drm_syncobj_destroy *a = c->data;
	struct uapi_syncobj *s;

	if (a->pad)
		return -EINVAL;
	s = uapi_sobj_remove(c->file, a->handle);
	if (!s)
		return -EINVAL;
	uapi_sobj_put(c->file, s);
	return 0;
}

/* Syncobj fds (sync files, eventfds) need kernel files: not emulated. */
int uapi_ioctl_syncobj_handle(struct uapi_call *c)
{
	struct drm_syncobj_handle *a = c->data;

	if (a->pad)
		return -EINVAL;
	if (a->flags & ~(DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE |
			 DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE))
		return -EINVAL;
	return -EOPNOTSUPP;
}

int uapi_ioctl_syncobj_eventfd(struct uapi_call *c)
{
	struct drm_syncobj_eventfd *a = c->data;
	struct uapi_syncobj *s;

	if (a->flags & ~DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE || a->pad)
		return -EINVAL;
	s = uapi_sobj_get(c->file, a->handle);
	if (!s)
		return -ENOENT;
	uapi_sobj_put(c->file, s);
	return -EOPNOTSUPP;
}

/* ------------------------------------------------------------------ */
/* Waiting                                                             */

struct wait_entry {
	struct uapi_syncobj *s;
	uint64_t point;
	struct uapi_fence *fence;      /* NULL: not submitted yet */
};

/* An entry counts as done: available, or its fence signalled. */
static bool entry_done(struct gpuvm_uapi_device *dev,
		       const struct wait_entry *e, uint32_t flags)
{
	return e->fence && ((flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) ||
			    uapi_fence_signalled(dev, e->fence));
}

/* A first look, as drm_syncobj_array_wait_timeout's: 1 done, 0 not. */
static int wait_start(struct gpuvm_uapi_device *dev, struct wait_entry *e,
		      uint32_t n, uint32_t flags, uint32_t *first)
{
	uint32_t i, done = 0;
	int ret;

	for (i = 0; i < n; i++) {
		ret = uapi_sobj_find(dev, e[i].s, e[i].point, &e[i].fence);
		if (ret == -EINVAL &&
		    (flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
			      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)))
			continue;
		if (ret)
			return ret;
		if (entry_done(dev, &e[i], flags)) {
			if (!done)
				*first = i;
			done++;
		}
	}
	return done == n ||
	       (done && !(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL));
}

/* One round of the wait loop: 1 done, 0 not, <0 error. */
static int wait_round(struct gpuvm_uapi_device *dev, struct wait_entry *e,
		      uint32_t n, uint32_t flags, uint32_t *first)
{
	uint32_t i, done = 0;
	int ret;

	for (i = 0; i < n; i++) {
		if (!e[i].fence &&
		    (flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
			      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE))) {
			ret = uapi_sobj_find(dev, e[i].s, e[i].point,
					     &e[i].fence);
			if (ret && ret != -EINVAL)
				return ret;
		}
		if (!entry_done(dev, &e[i], flags))
			continue;
		if (!(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL)) {
			*first = i;
			return 1;
		}
		done++;
	}
	return done == n;
}

/*
 * DRM's drm_timeout_abs_to_jiffies: 0 polls, a time already past polls,
 * anything else is a deadline.
 */
static int64_t deadline_of(int64_t timeout_nsec)
{
	return timeout_nsec > uapi_now_ns() ? timeout_nsec : 0;
}

static int wait_array(struct uapi_call *c, uint64_t handles, uint64_t points,
		      uint32_t count, uint32_t flags, int64_t timeout,
		      uint32_t *first_signaled)
{
	struct gpuvm_uapi_device *dev = c->file->dev;
	int64_t deadline = deadline_of(timeout);
	struct uapi_syncobj **v = NULL;
	struct wait_entry *e = NULL;
	uint32_t i, first = ~0u;
	uint64_t *pts = NULL;
	int ret;

	ret = find_all(c->file, handles, count, &v);
	if (!ret)
		ret = get_points(points, count, &pts);
	/* The kernel's wait entries are 64 bytes, kcalloc'ed. */
	if (!ret && ((uint64_t)count * 64 > UAPI_KMALLOC_MAX ||
		     !(e = calloc(count, sizeof(*e)))))
		ret = -ENOMEM;
	if (ret)
		goto out;
	for (i = 0; i < count; i++) {
		e[i].s = v[i];
		e[i].point = pts[i];
	}
	pthread_mutex_lock(&dev->sched.lock);
	ret = wait_start(dev, e, count, flags, &first);
	while (!ret) {
		if (!uapi_sched_sleep(dev, deadline)) {
			/* A last look: what the deadline raced with. */
			ret = wait_round(dev, e, count, flags, &first);
			if (!ret)
				ret = -ETIME;
			break;
		}
		ret = wait_round(dev, e, count, flags, &first);
	}
	pthread_mutex_unlock(&dev->sched.lock);
	if (ret == 1) {
		*first_signaled = first;
		ret = 0;
	}
	for (i = 0; i < count; i++)
		uapi_fence_put(e[i].fence);
out:
	free(e);
	free(pts);
	if (v)
		put_all(c->file, v, count);
	return ret;
}

int uapi_ioctl_syncobj_wait(struct uapi_call *c)
{
	struct drm_syncobj_wait *a = c->data;

	if (a->flags & ~WAIT_FLAGS || !a->count_handles)
		return -EINVAL;
	return wait_array(c, a->handles, 0, a->count_handles, a->flags,
			  a->timeout_nsec, &a->first_signaled);
}

int uapi_ioctl_syncobj_timeline_wait(struct uapi_call *c)
{
	struct drm_syncobj_timeline_wait *a = c->data;

	if (a->flags & ~TIMELINE_WAIT_FLAGS || !a->count_handles)
		return -EINVAL;
	return wait_array(c, a->handles, a->points, a->count_handles,
			  a->flags, a->timeout_nsec, &a->first_signaled);
}

/* ------------------------------------------------------------------ */
/* Signalling, resetting, querying, transferring                       */

/* reset (fence NULL) or signal (the stub) every syncobj of an array. */
static int replace_all(struct uapi_call *c, struct uapi_fence *fence)
{
	struct drm_syncobj_array *a = c->data;
	struct gpuvm_uapi_device *dev = c->file->dev;
	struct uapi_syncobj **v;
	uint32_t i;
	int ret;

	if (a->pad || !a->count_handles)
		return -EINVAL;
	ret = find_all(c->file, a->handles, a->count_handles, &v);
	if (ret)
		return ret;
	pthread_mutex_lock(&dev->sched.lock);
	for (i = 0; i < a->count_handles; i++)
		uapi_sobj_replace(v[i], fence);
	dev->sched.progress++;
	pthread_cond_broadcast(&dev->sched.cond);
	pthread_mutex_unlock(&dev->sched.lock);
	put_all(c->file, v, a->count_handles);
	return 0;
}

int uapi_ioctl_syncobj_reset(struct uapi_call *c)
{
	return replace_all(c, NULL);
}

int uapi_ioctl_syncobj_signal(struct uapi_call *c)
{
	struct uapi_fence *stub = uapi_fence_stub();
	int ret;

	if (!stub)
		return -ENOMEM;
	ret = replace_all(c, stub);
	uapi_fence_put(stub);
	return ret;
}

int uapi_ioctl_syncobj_timeline_signal(struct uapi_call *c)
{
	struct drm_syncobj_timeline_array *a = c->data;
	struct gpuvm_uapi_device *dev = c->file->dev;
	struct uapi_fence *stub = NULL;
	struct uapi_syncobj **v;
	uint64_t *pts = NULL;
	uint32_t i, j;
	int ret;

	if (a->flags || !a->count_handles)
		return -EINVAL;
	ret = find_all(c->file, a->handles, a->count_handles, &v);
	if (ret)
		return ret;
	ret = get_points(a->points, a->count_handles, &pts);
	if (!ret && !(stub = uapi_fence_stub()))
		ret = -ENOMEM;
	pthread_mutex_lock(&dev->sched.lock);
	/* Room first: all or nothing. */
	for (i = 0; !ret && i < a->count_handles; i++)
		ret = uapi_sobj_reserve(v[i], 2);
	if (ret) {
		/* v[i - 1] had no room: give back what the ones before got. */
		for (j = 0; j + 1 < i; j++)
			uapi_sobj_unreserve(v[j], 2);
	}
	for (i = 0; !ret && i < a->count_handles; i++)
		uapi_sobj_add_point(dev, v[i], pts[i], stub);
	dev->sched.progress++;
	pthread_cond_broadcast(&dev->sched.cond);
	pthread_mutex_unlock(&dev->sched.lock);
	uapi_fence_put(stub);
	free(pts);
	put_all(c->file, v, a->count_handles);
	return ret;
}

int uapi_ioctl_syncobj_query(struct uapi_call *c)
{
	struct drm_syncobj_timeline_array *a = c->data;
	struct gpuvm_uapi_device *dev = c->file->dev;
	struct uapi_syncobj **v;
	uint64_t point;
	uint32_t i;
	int ret;

	if (a->flags & ~DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED ||
	    !a->count_handles)
		return -EINVAL;
	ret = find_all(c->file, a->handles, a->count_handles, &v);
	if (ret)
		return ret;
	for (i = 0; !ret && i < a->count_handles; i++) {
		pthread_mutex_lock(&dev->sched.lock);
		point = query_point(dev, v[i], a->flags &
				    DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED);
		pthread_mutex_unlock(&dev->sched.lock);
		ret = uapi_copy_out(a->points + (uint64_t)i * sizeof(point),
				    &point, sizeof(point));
	}
	put_all(c->file, v, a->count_handles);
	return ret;
}

/* drm_syncobj_find_fence with its flags: WAIT_FOR_SUBMIT waits 5 s. */
static int find_fence_flags(struct gpuvm_uapi_device *dev,
			    struct uapi_syncobj *s, uint64_t point,
			    uint64_t flags, struct uapi_fence **out)
{
	int64_t deadline = uapi_now_ns() + SUBMIT_WAIT_NS;
	int ret;

	pthread_mutex_lock(&dev->sched.lock);
	ret = uapi_sobj_find(dev, s, point, out);
	while (ret == -EINVAL &&
	       (flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT)) {
		if (!uapi_sched_sleep(dev, deadline)) {
			ret = uapi_sobj_find(dev, s, point, out);
			if (ret == -EINVAL)
				ret = -ETIME;
			break;
		}
		ret = uapi_sobj_find(dev, s, point, out);
	}
	pthread_mutex_unlock(&dev->sched.lock);
	return ret;
}

int uapi_ioctl_syncobj_transfer(struct uapi_call *c)
{
	struct drm_syncobj_transfer *a = c->data;
	struct gpuvm_uapi_device *dev = c->file->dev;
	struct uapi_syncobj *dst, *src;
	struct uapi_fence *fence = NULL;
	int ret;

	if (a->pad)
		return -EINVAL;
	dst = uapi_sobj_get(c->file, a->dst_handle);
	if (!dst)
		return -ENOENT;
	src = uapi_sobj_get(c->file, a->src_handle);
	ret = src ? find_fence_flags(dev, src, a->src_point, a->flags, &fence)
		  : -ENOENT;
	pthread_mutex_lock(&dev->sched.lock);
	if (!ret && a->dst_point) {
		ret = uapi_sobj_reserve(dst, 2);
		if (!ret)
			uapi_sobj_add_point(dev, dst, a->dst_point, fence);
	} else if (!ret) {
		uapi_sobj_replace(dst, fence);
	}
	if (!ret) {
		dev->sched.progress++;
		pthread_cond_broadcast(&dev->sched.cond);
	}
	pthread_mutex_unlock(&dev->sched.lock);
	uapi_fence_put(fence);
	if (src)
		uapi_sobj_put(c->file, src);
	uapi_sobj_put(c->file, dst);
	return ret;
}

/* ------------------------------------------------------------------ */
/* A submission's signal operations                                    */

#define SYNC_FLAGS (DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK | \
		    (uint32_t)DRM_PANTHOR_SYNC_OP_SIGNAL)

/* panthor_check_sync_op. */
int uapi_sync_op_check(const struct drm_panthor_sync_op *s)
{
	uint32_t type = s->flags & DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK;

	if (s->flags & ~SYNC_FLAGS)
		return -EINVAL;
	if (type != DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ &&
	    type != DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ)
		return -EINVAL;
	return type == DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ &&
	       s->timeline_value ? -EINVAL : 0;
}

bool uapi_sync_op_signals(const struct drm_panthor_sync_op *s)
{
	return s->flags & (uint32_t)DRM_PANTHOR_SYNC_OP_SIGNAL;
}

struct uapi_signal *uapi_sigset_find(struct uapi_sigset *set, uint32_t h,
				     uint64_t pt)
{
	uint32_t i;

	for (i = 0; i < set->n; i++)
		if (set->sig[i].handle == h && set->sig[i].point == pt)
			return &set->sig[i];
	return NULL;
}

/* The signal operations of one array of sync ops, each checked. */
int uapi_sigset_collect(struct uapi_sigset *set, struct gpuvm_uapi_file *f,
			const struct drm_panthor_sync_op *ops, uint32_t n)
{
	struct uapi_signal *e;
	uint32_t j;
	int ret;

	for (j = 0; j < n; j++) {
		if (!uapi_sync_op_signals(&ops[j]))
			continue;
		ret = uapi_sync_op_check(&ops[j]);
		if (ret)
			return ret;
		if (uapi_sigset_find(set, ops[j].handle, ops[j].timeline_value))
			continue;
		if (set->n == set->cap) {
			set->cap = set->cap ? set->cap * 2 : 4;
			e = realloc(set->sig, set->cap * sizeof(*e));
			if (!e)
				return -ENOMEM;
			set->sig = e;
		}
		e = &set->sig[set->n];
		memset(e, 0, sizeof(*e));
		e->handle = ops[j].handle;
		e->point = ops[j].timeline_value;
		e->s = uapi_sobj_get(f, ops[j].handle);
		if (!e->s)
			return -EINVAL;
		set->n++;
	}
	return 0;
}

/*
 * A wait on a point this very submission signals waits for the job that
 * signals it (earlier in the submission: otherwise -EINVAL); any other
 * waits for what the syncobj holds.
 */
int uapi_sigset_wait_fence(struct uapi_sigset *set, struct gpuvm_uapi_file *f,
			   const struct drm_panthor_sync_op *s,
			   struct uapi_fence **out)
{
	struct uapi_signal *sig;
	struct uapi_syncobj *so;
	int ret = uapi_sync_op_check(s);

	if (ret)
		return ret;
	sig = uapi_sigset_find(set, s->handle, s->timeline_value);
	if (sig) {
		if (!sig->fence)
			return -EINVAL;
		*out = uapi_fence_get(sig->fence);
		return 0;
	}
	so = uapi_sobj_get(f, s->handle);
	if (!so)
		return -ENOENT;
	ret = uapi_sobj_find(f->dev, so, s->timeline_value, out);
	uapi_sobj_put(f, so);
	return ret;
}

void uapi_sigset_take(struct uapi_sigset *set,
		      const struct drm_panthor_sync_op *ops, uint32_t n,
		      struct uapi_fence *fence)
{
	struct uapi_signal *sig;
	uint32_t j;

	for (j = 0; j < n; j++) {
		if (!uapi_sync_op_signals(&ops[j]))
			continue;
		sig = uapi_sigset_find(set, ops[j].handle,
				       ops[j].timeline_value);
		uapi_fence_put(sig->fence);
		sig->fence = uapi_fence_get(fence);
	}
}

void uapi_sigset_note(struct gpuvm_uapi_device *dev, struct uapi_sigset *set)
{
	uint32_t i;

	for (i = 0; i < set->n; i++)
		if (uapi_sobj_find(dev, set->sig[i].s, set->sig[i].point,
				   &set->sig[i].fence))
			set->sig[i].fence = NULL;
}

int uapi_sigset_reserve(struct uapi_sigset *set)
{
	uint32_t i;
	int ret = 0;

	for (i = 0; i < set->n && !ret; i++) {
		if (!set->sig[i].point)
			continue;
		ret = uapi_sobj_reserve(set->sig[i].s, 2);
		set->sig[i].reserved = !ret;
	}
	return ret;
}

void uapi_sigset_publish(struct gpuvm_uapi_device *dev,
			 struct uapi_sigset *set)
{
	struct uapi_signal *e;
	uint32_t i;

	for (i = 0; i < set->n; i++) {
		e = &set->sig[i];
		if (e->point) {
			uapi_sobj_add_point(dev, e->s, e->point, e->fence);
			e->reserved = false;
		} else {
			uapi_sobj_replace(e->s, e->fence);
		}
	}
}

void uapi_sigset_release(struct gpuvm_uapi_file *f, struct uapi_sigset *set)
{
	struct gpuvm_uapi_device *dev = f->dev;
	uint32_t i;

	pthread_mutex_lock(&dev->sched.lock);
	for (i = 0; i < set->n; i++)
		if (set->sig[i].reserved)
			uapi_sobj_unreserve(set->sig[i].s, 2);
	pthread_mutex_unlock(&dev->sched.lock);
	for (i = 0; i < set->n; i++) {
		uapi_fence_put(set->sig[i].fence);
		uapi_sobj_put(f, set->sig[i].s);
	}
	free(set->sig);
}
