// SPDX-License-Identifier: MIT
/*
 * DOC: CPU mappings of BOs
 *
 * mmap of a node fd asks the uapi layer for a plan (gpuvm_uapi_mmap_begin:
 * the kernel's checks, the BO pinned) and carries it out: one range of
 * the requested size is reserved (at the caller's address if MAP_FIXED),
 * then each run of the BO is mapped MAP_SHARED | MAP_FIXED from the RAM
 * file at its offset in the range, so the range is the BO byte for byte
 * and CPU stores are what GPU reads see. The LATEST_FLUSH_ID page is a
 * read-only page of zeros.
 *
 * The shim remembers which parts of each mapping are still mapped:
 * munmap, and a MAP_FIXED mapping placed over one, take parts away, and
 * when nothing is left the BO is released (unpinned, and freed if its
 * handle is gone). mprotect adding PROT_WRITE marks the BO's frames
 * written (the written map must know, see docs/mem.md). mremap of a BO
 * mapping is refused (-EINVAL): moving a mapping of several runs is not
 * one operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "shim/shim_internal.h"

struct piece {
	uintptr_t start, end;
};

struct shim_map {
	struct shim_map *next;
	struct gpuvm_uapi_mapping *m;
	struct piece *live;        /* what is still mapped */
	unsigned int n, cap;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct shim_map *maps;

static void track(struct gpuvm_uapi_mapping *m, uintptr_t start, size_t len)
{
	struct shim_map *sm = calloc(1, sizeof(*sm));

	/* Untracked, the mapping stays held: a leak, never a wrong free. */
	if (!sm || !(sm->live = malloc(sizeof(*sm->live)))) {
		free(sm);
		return;
	}
	sm->m = m;
	sm->live[0] = (struct piece){ start, start + len };
	sm->n = sm->cap = 1;
	pthread_mutex_lock(&lock);
	sm->next = maps;
	__atomic_store_n(&maps, sm, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
}

/* Removes [s, e) from sm's live pieces; false if out of memory. */
static bool cut(struct shim_map *sm, uintptr_t s, uintptr_t e)
{
	unsigned int i;
	struct piece *p;

	for (i = 0; i < sm->n; i++) {
		p = &sm->live[i];
		if (p->end <= s || p->start >= e)
			continue;
		if (p->start < s && p->end > e) {
			/* A hole in the middle: one piece becomes two. */
			if (sm->n == sm->cap) {
				p = realloc(sm->live,
					    2 * sm->cap * sizeof(*p));
				if (!p)
					return false;
				sm->live = p;
				sm->cap *= 2;
				p = &sm->live[i];
			}
			sm->live[sm->n++] = (struct piece){ e, p->end };
			p->end = s;
		} else if (p->start < s) {
			p->end = s;
		} else if (p->end > e) {
			p->start = e;
		} else {
			sm->live[i--] = sm->live[--sm->n];
		}
	}
	return true;
}

void shim_unmapped(void *addr, size_t len)
{
	uintptr_t s = (uintptr_t)addr, e = s + len;
	struct shim_map **pp, *sm, *done = NULL;

	/* The common case, and the only one while runtimes start up. */
	if (!__atomic_load_n(&maps, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&lock);
	for (pp = &maps; (sm = *pp);) {
		cut(sm, s, e);
		if (!sm->n) {
			if (pp == &maps)
				__atomic_store_n(&maps, sm->next,
						 __ATOMIC_RELEASE);
			else
				*pp = sm->next;
			sm->next = done;
			done = sm;
		} else {
			pp = &sm->next;
		}
	}
	pthread_mutex_unlock(&lock);
	while ((sm = done)) {
		done = sm->next;
		shim_enter();
		gpuvm_uapi_mmap_end(sm->m);
		shim_leave();
		free(sm->live);
		free(sm);
	}
}

static bool overlaps(const struct shim_map *sm, uintptr_t s, uintptr_t e)
{
	unsigned int i;

	for (i = 0; i < sm->n; i++)
		if (sm->live[i].start < e && sm->live[i].end > s)
			return true;
	return false;
}

void shim_protected(void *addr, size_t len, int prot)
{
	uintptr_t s = (uintptr_t)addr;
	struct shim_map *sm;

	if (!(prot & PROT_WRITE) || !__atomic_load_n(&maps, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&lock);
	for (sm = maps; sm; sm = sm->next) {
		if (overlaps(sm, s, s + len)) {
			shim_enter();
			gpuvm_uapi_mmap_writable(sm->m);
			shim_leave();
		}
	}
	pthread_mutex_unlock(&lock);
}

bool shim_touches_map(void *addr, size_t len)
{
	uintptr_t s = (uintptr_t)addr;
	struct shim_map *sm;
	bool hit = false;

	if (!__atomic_load_n(&maps, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&lock);
	for (sm = maps; sm && !hit; sm = sm->next)
		hit = overlaps(sm, s, s + len);
	pthread_mutex_unlock(&lock);
	return hit;
}

/* Maps the plan into a reserved range; the range's start, or NULL. */
static void *carry_out(void *addr, int prot, int flags,
		       const struct gpuvm_uapi_map_plan *plan)
{
	int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	unsigned int i;
	uint8_t *base;

	base = shim_real.mmap(addr, plan->size, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			      fixed, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	if (plan->kind == GPUVM_UAPI_MAP_MMIO) {
		if (shim_real.mmap(base, plan->size, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   -1, 0) != base)
			goto fail;
		return base;
	}
	for (i = 0; i < plan->nruns; i++)
		if (shim_real.mmap(base + plan->runs[i].offset,
				   plan->runs[i].size, prot,
				   MAP_SHARED | MAP_FIXED, plan->fd,
				   (off_t)plan->runs[i].pa) !=
		    base + plan->runs[i].offset)
			goto fail;
	return base;
fail:
	shim_real.munmap(base, plan->size);
	return NULL;
}

void *shim_mmap_node(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	struct shim_file *sf = shim_file_get(fd);
	struct gpuvm_uapi_file *f = sf ? shim_file_uapi(sf) : NULL;
	struct gpuvm_uapi_map_plan plan;
	struct gpuvm_uapi_mapping *m;
	int ret, err = 0;
	void *base;

	if (!sf) {
		errno = EBADF;
		return MAP_FAILED;
	}
	shim_enter();
	if (!f) {
		ret = -ENODEV;
	} else {
		ret = gpuvm_uapi_mmap_begin(f, (uint64_t)off, len, prot, flags,
					    &m, &plan);
	}
	base = ret ? NULL : carry_out(addr, prot, flags, &plan);
	if (!ret && !base) {
		err = errno;
		gpuvm_uapi_mmap_end(m);
	}
	shim_leave();
	shim_file_put(sf);
	if (ret || !base) {
		errno = ret ? -ret : err;
		return MAP_FAILED;
	}
	/* A fixed mapping replaced whatever was there. */
	if (flags & MAP_FIXED)
		shim_unmapped(base, plan.size);
	track(m, (uintptr_t)base, plan.size);
	return base;
}
