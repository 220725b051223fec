// SPDX-License-Identifier: MIT
/*
 * DOC: fences, the worker, and waiting
 *
 * The driver runs asynchronous bind jobs off its own monotonic timelines
 * (gpuvm_drv_timeline_*, drv.h): a job waits until timelines reach given
 * points and, once run, raises its signal points. This layer builds DRM's
 * fences on them. Each VM gets a driver timeline of its own, and its n-th
 * queued job signals point n of it: since a VM's jobs run in order, the
 * timeline reaching n means job n has run, which is exactly the job's
 * fence. A fence here is a set of such points (reached when all are):
 * one point for a job, several for a timeline syncobj's point, which
 * waits for every older point of the chain too. Timeline ids are reused
 * with their value when a VM goes (values only grow, so no old fence
 * changes meaning).
 *
 * The kernel's drm_sched runs a job as soon as its dependencies are
 * signalled. Here a worker thread per device does that: it sleeps until
 * something is queued (uapi_sched_kick) and then has the
 * driver run every ready job (gpuvm_drv_run), repeatedly, until none is.
 * Jobs only ever wait on fences of jobs submitted before them, so every
 * queued job becomes ready in turn and nothing waits forever.
 *
 * Determinism: every ioctl first runs whatever is ready itself
 * (uapi_sched_drain, cheap when nothing is pending). The worker still
 * makes binds happen without any further call, as the kernel's would, but
 * no ioctl's result depends on whether the worker got there first, so a
 * recorded sequence of ioctls replays with the same results.
 *
 * Waiting: syncobj waits sleep on sched.cond, which is broadcast whenever
 * jobs ran or a syncobj got a new fence, with DRM's absolute
 * CLOCK_MONOTONIC deadline.
 *
 * GPU jobs (GROUP_SUBMIT, group.c) fit the same frame: each queue of a
 * group has a driver timeline of its own, as a VM does, and its n-th job
 * signals point n; the job's waits are the fences of its sync ops,
 * resolved to point sets exactly as a bind's are, and its signal
 * syncobjs get its point. Only running it differs: a drain, after the
 * driver's ready binds, runs the groups' queues (uapi_groups_run), whose
 * finished jobs raise their points, which may make more binds ready, so
 * it loops until neither kind moves. A job blocked in a SYNC_WAIT on
 * memory stays pending: while one is, the worker drains every
 * millisecond even without a kick, since memory written by the CPU (or
 * a queue of another device) wakes nothing. Nothing in the fences,
 * syncobjs or waits changed for them.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "uapi/uapi_internal.h"

/* How often the worker re-runs GPU queues blocked on memory. */
#define POLL_NS 1000000

/* ------------------------------------------------------------------ */
/* Fences                                                              */

struct uapi_fence *uapi_fence_new(uint32_t n)
{
	struct uapi_fence *f = calloc(1, sizeof(*f) + n * sizeof(f->e[0]));

	if (f) {
		f->refs = 1;
		f->n = n;
	}
	return f;
}

struct uapi_fence *uapi_fence_get(struct uapi_fence *f)
{
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void uapi_fence_put(struct uapi_fence *f)
{
	if (f && !__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		free(f);
}

/* The always-signalled fence; NULL only when memory is out. */
struct uapi_fence *uapi_fence_stub(void)
{
	return uapi_fence_new(0);
}

bool uapi_fence_signalled(struct gpuvm_uapi_device *dev,
			  const struct uapi_fence *f)
{
	uint64_t v;
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		v = 0;
		gpuvm_drv_timeline_point(dev->drv, f->e[i].tl, &v);
		if (v < f->e[i].pt)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Running jobs                                                        */

int64_t uapi_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void uapi_sched_broadcast(struct gpuvm_uapi_device *dev)
{
	pthread_mutex_lock(&dev->sched.lock);
	dev->sched.progress++;
	pthread_cond_broadcast(&dev->sched.cond);
	pthread_mutex_unlock(&dev->sched.lock);
}

/* pending -= n, not below zero. */
static void pending_sub(uint64_t *p, uint64_t n)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED), v;

	do {
		v = old > n ? old - n : 0;
	} while (!__atomic_compare_exchange_n(p, &old, v, false,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
}

/* Runs every ready job; wakes the waiters if any ran. */
void uapi_sched_drain(struct gpuvm_uapi_device *dev)
{
	struct uapi_sched *s = &dev->sched;
	uint32_t ran = 0;
	bool any = false;

	if (!__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&s->run_lock);
	/* Binds, then GPU jobs, which may make more binds ready. */
	while (__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE)) {
		uint32_t binds = 0;
		bool moved;

		gpuvm_drv_run(dev->drv, &binds);
		pending_sub(&s->pending, binds);
		ran += binds;
		moved = uapi_groups_run(dev, &ran);
		if (!binds && !moved)
			break;
		any = true;
	}
	pthread_mutex_unlock(&s->run_lock);
	if (ran || any)
		uapi_sched_broadcast(dev);
}

/*
 * jobs are about to be queued: counted before the driver has them, so
 * that a drain never runs a job it did not count.
 */
void uapi_sched_expect(struct gpuvm_uapi_device *dev, uint64_t jobs)
{
	__atomic_add_fetch(&dev->sched.pending, jobs, __ATOMIC_RELEASE);
}

/* Jobs were queued: the worker runs them when it can. */
void uapi_sched_kick(struct gpuvm_uapi_device *dev)
{
	struct uapi_sched *s = &dev->sched;

	pthread_mutex_lock(&s->lock);
	s->kicks++;
	pthread_cond_signal(&s->kick);
	pthread_mutex_unlock(&s->lock);
}

/*
 * Expected jobs that will never run: the queueing failed, or their VM
 * went (under run_lock, so no drain counts them meanwhile).
 */
void uapi_sched_forget(struct gpuvm_uapi_device *dev, uint64_t jobs)
{
	pending_sub(&dev->sched.pending, jobs);
}

static void *worker(void *arg)
{
	struct gpuvm_uapi_device *dev = arg;
	struct uapi_sched *s = &dev->sched;
	uint64_t seen = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		if (s->kicks == seen &&
		    !__atomic_load_n(&s->blocked, __ATOMIC_RELAXED)) {
			pthread_cond_wait(&s->kick, &s->lock);
			continue;
		}
		if (s->kicks == seen) {
			/* A GPU queue waits on memory the CPU or another
			 * device may write: look again in a while. */
			struct timespec t;

			clock_gettime(CLOCK_MONOTONIC, &t);
			t.tv_nsec += POLL_NS;
			if (t.tv_nsec >= 1000000000) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&s->kick, &s->lock, &t);
		}
		seen = s->kicks;
		pthread_mutex_unlock(&s->lock);
		uapi_sched_drain(dev);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Waiting                                                             */

/* Set while this thread holds dev->serial (cfg.serialize). */
static __thread struct gpuvm_uapi_device *serial_held;

void uapi_serial_lock(struct gpuvm_uapi_device *dev)
{
	if (!dev->cfg.serialize)
		return;
	pthread_mutex_lock(&dev->serial);
	serial_held = dev;
}

void uapi_serial_unlock(struct gpuvm_uapi_device *dev)
{
	if (!dev->cfg.serialize)
		return;
	serial_held = NULL;
	pthread_mutex_unlock(&dev->serial);
}

bool uapi_sched_sleep(struct gpuvm_uapi_device *dev, int64_t deadline)
{
	bool serial = serial_held == dev;
	struct timespec t;
	bool woke;

	if (!deadline || uapi_now_ns() >= deadline)
		return false;
	t.tv_sec = deadline / 1000000000;
	t.tv_nsec = deadline % 1000000000;
	/* A serialised device lets other ioctls in while this one sleeps. */
	if (serial)
		uapi_serial_unlock(dev);
	woke = pthread_cond_timedwait(&dev->sched.cond, &dev->sched.lock,
				      &t) != ETIMEDOUT ||
	       uapi_now_ns() < deadline;
	if (serial) {
		/* The serial lock is outermost: drop ours to take it. */
		pthread_mutex_unlock(&dev->sched.lock);
		uapi_serial_lock(dev);
		pthread_mutex_lock(&dev->sched.lock);
	}
	return woke;
}

int uapi_sched_init(struct gpuvm_uapi_device *dev)
{
	struct uapi_sched *s = &dev->sched;
	pthread_condattr_t ca;

	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->run_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_cond_init(&s->kick, &ca);
	pthread_condattr_destroy(&ca);
	s->next_ctx = 1;
	if (dev->cfg.no_worker)
		return 0;
	if (pthread_create(&s->worker, NULL, worker, dev))
		return -ENOMEM;
	s->has_worker = true;
	return 0;
}

/* Ends the worker; jobs then run only when ioctls drain them. */
void uapi_sched_stop(struct gpuvm_uapi_device *dev)
{
	struct uapi_sched *s = &dev->sched;

	if (!s->has_worker)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->kick);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->worker, NULL);
	s->has_worker = false;
}

void uapi_sched_fini(struct gpuvm_uapi_device *dev)
{
	struct uapi_sched *s = &dev->sched;

	uapi_sched_stop(dev);
	pthread_cond_destroy(&s->kick);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->run_lock);
	pthread_mutex_destroy(&s->lock);
}
