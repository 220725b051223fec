// SPDX-License-Identifier: MIT
/*
 * DOC: slab implementation
 *
 * A chunk starts with its header (one cache line); objects follow at
 * multiples of the object size from there, so 64-byte multiples stay
 * cache-line aligned. A chunk hands out objects from its free list
 * (objects returned, most recent first, so a freed object is reused
 * while still in cache) and then from its never-used tail (bump), which
 * the kernel gave us zeroed and which costs nothing until touched.
 *
 * The slab keeps every chunk on one list (for teardown and validation)
 * and those with a free object on a second, the partial list, from
 * which allocation takes the first. A chunk that gets its first free
 * object goes to the front, so allocation favours recently freed memory.
 *
 * In front of the chunks sits a magazine (as in Bonwick's slab
 * allocator): the last objects freed, up to GPUVM_SLAB_MAG, which the
 * next allocations take back first. Their chunks still count them as in
 * use; when the magazine is full, half of it goes back to the chunks.
 * So the common free-then-allocate cycle stays within the slab struct
 * and the object itself.
 *
 * New chunks are asked for right below the previous one: the kernel
 * usually grants that, which keeps them 64 KiB aligned without over-
 * mapping and lets it merge them into one mapping. When it does not,
 * twice the size is mapped and trimmed to an aligned chunk.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "util/slab.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_ASAN 1
#endif
#endif

#ifdef SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define HEADER 64u
#define PAGE 4096u

struct gpuvm_slab_chunk {
	struct gpuvm_slab *slab;
	void *free;             /* returned objects, a singly linked list */
	uint32_t used;          /* objects handed out and not returned */
	uint32_t bump;          /* objects ever handed out from the tail */
	struct gpuvm_slab_chunk *prev, *next;   /* all chunks */
	struct gpuvm_slab_chunk *pprev, *pnext; /* partial list */
};

_Static_assert(sizeof(struct gpuvm_slab_chunk) <= HEADER,
	       "a chunk header fits its cache line");

static struct gpuvm_slab_chunk *chunk_of(const void *obj)
{
	return (struct gpuvm_slab_chunk *)((uintptr_t)obj &
					   ~(uintptr_t)(GPUVM_SLAB_CHUNK - 1));
}

static char *first_obj(struct gpuvm_slab_chunk *c)
{
	return (char *)c + HEADER;
}

/* Pages of c touched once bump objects were handed out. */
static uint64_t touched_pages(const struct gpuvm_slab *s, uint32_t bump)
{
	return (HEADER + (uint64_t)bump * s->size + PAGE - 1) / PAGE;
}

void gpuvm_slab_init(struct gpuvm_slab *s, size_t size, void *owner)
{
	memset(s, 0, sizeof(*s));
	s->size = (size + 15) & ~(size_t)15;
	s->per_chunk = (uint32_t)((GPUVM_SLAB_CHUNK - HEADER) / s->size);
	s->owner = owner;
}

/* ------------------------------------------------------------------ */
/* Chunks                                                              */

static void *map_at(uintptr_t hint, size_t len)
{
	void *p = mmap((void *)hint, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A fresh, GPUVM_SLAB_CHUNK-aligned chunk of zero pages, or NULL. */
static void *map_chunk(struct gpuvm_slab *s)
{
	const uintptr_t sz = GPUVM_SLAB_CHUNK;
	uintptr_t p = (uintptr_t)map_at(s->hint, sz), a;

	if (p && !(p & (sz - 1)))
		goto done;
	if (p)
		munmap((void *)p, sz);
	p = (uintptr_t)map_at(0, 2 * sz);
	if (!p)
		return NULL;
	a = (p + sz - 1) & ~(sz - 1);
	if (a > p)
		munmap((void *)p, a - p);
	if (p + 2 * sz > a + sz)
		munmap((void *)(a + sz), p + 2 * sz - (a + sz));
	p = a;
done:
	s->hint = p > sz ? p - sz : 0;
	return (void *)p;
}

static void partial_add(struct gpuvm_slab *s, struct gpuvm_slab_chunk *c)
{
	c->pprev = NULL;
	c->pnext = s->partial;
	if (s->partial)
		s->partial->pprev = c;
	s->partial = c;
}

static void partial_del(struct gpuvm_slab *s, struct gpuvm_slab_chunk *c)
{
	if (c->pprev)
		c->pprev->pnext = c->pnext;
	else
		s->partial = c->pnext;
	if (c->pnext)
		c->pnext->pprev = c->pprev;
	c->pprev = c->pnext = NULL;
}

static int add_chunk(struct gpuvm_slab *s)
{
	struct gpuvm_slab_chunk *c = map_chunk(s);

	if (!c)
		return -ENOMEM;
	c->slab = s;
	c->next = s->chunks;
	if (s->chunks)
		s->chunks->prev = c;
	s->chunks = c;
	partial_add(s, c);
	POISON(first_obj(c), (size_t)s->per_chunk * s->size);
	s->nchunks++;
	s->empty++;
	s->free += s->per_chunk;
	s->touched += touched_pages(s, 0) * PAGE;
	return 0;
}

static void release_chunk(struct gpuvm_slab *s, struct gpuvm_slab_chunk *c)
{
	partial_del(s, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->chunks = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nchunks--;
	s->empty--;
	s->free -= s->per_chunk;
	s->touched -= touched_pages(s, c->bump) * PAGE;
	UNPOISON(c, GPUVM_SLAB_CHUNK);
	munmap(c, GPUVM_SLAB_CHUNK);
}

void gpuvm_slab_fini(struct gpuvm_slab *s)
{
	struct gpuvm_slab_chunk *c = s->chunks, *next;

	for (; c; c = next) {
		next = c->next;
		UNPOISON(c, GPUVM_SLAB_CHUNK);
		munmap(c, GPUVM_SLAB_CHUNK);
	}
	gpuvm_slab_init(s, s->size, s->owner);
}

/* ------------------------------------------------------------------ */
/* Objects                                                             */

/* Takes an object from the first partial chunk; one must exist. */
static void *take(struct gpuvm_slab *s)
{
	struct gpuvm_slab_chunk *c = s->partial;
	void *obj;

	if (c->free) {
		obj = c->free;
		UNPOISON(obj, s->size);
		c->free = *(void **)obj;
		memset(obj, 0, s->size);
	} else {
		/* Never used: still the kernel's zero pages. */
		obj = first_obj(c) + (size_t)c->bump * s->size;
		UNPOISON(obj, s->size);
		s->touched += (touched_pages(s, c->bump + 1) -
			       touched_pages(s, c->bump)) * PAGE;
		c->bump++;
	}
	if (!c->used++)
		s->empty--;
	if (c->used == s->per_chunk)
		partial_del(s, c);
	s->free--;
	s->in_use++;
	return obj;
}

/* An object from the magazine, or from the first partial chunk. */
static void *get(struct gpuvm_slab *s)
{
	void *obj;

	if (!s->nmag)
		return take(s);
	obj = s->mag[--s->nmag];
	UNPOISON(obj, s->size);
	memset(obj, 0, s->size);
	s->free--;
	s->in_use++;
	return obj;
}

void *gpuvm_slab_alloc(struct gpuvm_slab *s)
{
	if (s->free <= s->reserved && add_chunk(s))
		return NULL;
	return get(s);
}

void *gpuvm_slab_alloc_reserved(struct gpuvm_slab *s)
{
	/* The reservation kept s->free > 0 for us. */
	s->reserved--;
	return get(s);
}

int gpuvm_slab_grow(struct gpuvm_slab *s, uint64_t n)
{
	while (s->free < s->reserved + n)
		if (add_chunk(s))
			return -ENOMEM;
	return 0;
}

/* Returns obj to its chunk (s->free already counts it). */
static void put(struct gpuvm_slab *s, void *obj)
{
	struct gpuvm_slab_chunk *c = chunk_of(obj);

	if (c->used == s->per_chunk)
		partial_add(s, c);
	UNPOISON(obj, sizeof(void *));
	*(void **)obj = c->free;
	POISON(obj, sizeof(void *));
	c->free = obj;
	if (--c->used)
		return;
	s->empty++;
	/* One empty chunk stays; reservations keep what they need. */
	if (s->empty > 1 && s->free - s->per_chunk >= s->reserved)
		release_chunk(s, c);
}

/* The oldest n objects of the magazine go back to their chunks. */
static void flush(struct gpuvm_slab *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		put(s, s->mag[i]);
	memmove(s->mag, &s->mag[n], (s->nmag - n) * sizeof(s->mag[0]));
	s->nmag -= n;
}

void gpuvm_slab_free(struct gpuvm_slab *s, void *obj)
{
	POISON(obj, s->size);
	s->free++;
	s->in_use--;
	if (s->nmag == GPUVM_SLAB_MAG)
		flush(s, GPUVM_SLAB_MAG / 2);
	s->mag[s->nmag++] = obj;
	/* Nothing left in use: let the chunks go too. */
	if (!s->in_use)
		flush(s, s->nmag);
}

void *gpuvm_slab_owner(const void *obj)
{
	return chunk_of(obj)->slab->owner;
}

uint64_t gpuvm_slab_bytes(const struct gpuvm_slab *s)
{
	return s->touched;
}

/* ------------------------------------------------------------------ */
/* Debug helpers                                                       */

static int bad(FILE *err, const char *what)
{
	if (err)
		fprintf(err, "gpuvm_slab: invariant broken: %s\n", what);
	return -EUCLEAN;
}

/* Length of c's free list, or UINT32_MAX if it runs past the chunk. */
static uint32_t free_list_len(const struct gpuvm_slab *s,
			      const struct gpuvm_slab_chunk *c)
{
	const char *lo = (const char *)c + HEADER;
	const char *hi = lo + (size_t)c->bump * s->size;
	void *p = c->free;
	uint32_t n = 0;

	while (p) {
		if ((const char *)p < lo || (const char *)p >= hi ||
		    ((const char *)p - lo) % s->size || n >= c->bump)
			return UINT32_MAX;
		n++;
		UNPOISON(p, sizeof(void *));
		{
			void *next = *(void **)p;

			POISON(p, sizeof(void *));
			p = next;
		}
	}
	return n;
}

static bool on_partial(const struct gpuvm_slab *s,
		       const struct gpuvm_slab_chunk *c)
{
	const struct gpuvm_slab_chunk *p;

	for (p = s->partial; p; p = p->pnext)
		if (p == c)
			return true;
	return false;
}

int gpuvm_slab_validate(const struct gpuvm_slab *s, FILE *err)
{
	const struct gpuvm_slab_chunk *c, *prev = NULL;
	uint64_t n = 0, empty = 0, free = 0, used = 0, touched = 0, np = 0;

	for (c = s->chunks; c; prev = c, c = c->next) {
		uint32_t fl = free_list_len(s, c);

		if (c->slab != s || c->prev != prev ||
		    ((uintptr_t)c & (GPUVM_SLAB_CHUNK - 1)))
			return bad(err, "chunk list");
		if (c->bump > s->per_chunk || fl == UINT32_MAX ||
		    c->used + fl != c->bump)
			return bad(err, "chunk counts or free list");
		if (on_partial(s, c) != (c->used < s->per_chunk))
			return bad(err, "partial list membership");
		n++;
		empty += !c->used;
		used += c->used;
		free += s->per_chunk - c->used;
		touched += touched_pages(s, c->bump) * PAGE;
	}
	for (c = s->partial; c; c = c->pnext)
		if (++np > n || (c->pnext && c->pnext->pprev != c))
			return bad(err, "partial list links");
	if (s->nmag > GPUVM_SLAB_MAG)
		return bad(err, "magazine");
	if (n != s->nchunks || empty != s->empty ||
	    free + s->nmag != s->free || used != s->in_use + s->nmag ||
	    touched != s->touched)
		return bad(err, "slab counts");
	if (s->reserved > s->free)
		return bad(err, "reservations exceed free objects");
	return 0;
}

void gpuvm_slab_print(const struct gpuvm_slab *s, FILE *f)
{
	fprintf(f, "slab: %zu-byte objects, %u per chunk; %llu chunks "
		"(%llu empty), %llu in use, %llu free (%u at hand), "
		"%llu reserved, %llu bytes touched\n", s->size, s->per_chunk,
		(unsigned long long)s->nchunks, (unsigned long long)s->empty,
		(unsigned long long)s->in_use, (unsigned long long)s->free,
		s->nmag, (unsigned long long)s->reserved,
		(unsigned long long)s->touched);
}
