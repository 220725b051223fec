/* SPDX-License-Identifier: MIT */
/*
 * DOC: fixed-size object slab with reservations
 *
 * Where the VA manager gets its mapping objects and index nodes: many
 * small objects of one size, allocated and freed all the time, which
 * malloc would pad (16 bytes a block, 11% of an 144-byte mapping) and
 * scatter among unrelated allocations.
 *
 * Objects are carved from 64 KiB chunks mapped straight from the kernel
 * at 64 KiB alignment, so the chunk of an object is its address with
 * the low bits cleared: freeing needs no lookup, and a chunk header
 * can name the slab's owner (gpuvm_slab_owner()), which is how a mapping
 * finds its space without storing a pointer to it. A chunk whose objects
 * are all free goes back to the kernel, except one kept so that a
 * workload hovering at a chunk boundary does not map and unmap forever.
 * Objects never handed out were never touched: the pages behind them
 * cost nothing, and gpuvm_slab_bytes() counts only pages touched.
 *
 * Reservations make "cannot fail" steps possible: gpuvm_slab_reserve(n)
 * guarantees that n later gpuvm_slab_alloc_reserved() calls succeed
 * without asking the kernel for memory, by keeping enough free objects
 * in the chunks it has (mapping one more if needed). The VA manager
 * reserves in prepare what its commit may allocate.
 *
 * Freed objects are poisoned for AddressSanitizer, so a use after free
 * is reported as it would be with malloc. Allocation zeroes the object.
 *
 * Single-threaded: the owner serialises.
 */
#ifndef GPUVM_UTIL_SLAB_H
#define GPUVM_UTIL_SLAB_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Chunk size and alignment; a power of two. */
#define GPUVM_SLAB_CHUNK ((size_t)64 * 1024)
/* Freed objects kept at hand before they go back to their chunks. */
#define GPUVM_SLAB_MAG 32

struct gpuvm_slab_chunk;

struct gpuvm_slab {
	size_t size;          /* object size, a multiple of 16 */
	uint32_t per_chunk;   /* objects one chunk holds */
	void *owner;          /* what gpuvm_slab_owner() returns */
	struct gpuvm_slab_chunk *chunks;   /* every chunk */
	struct gpuvm_slab_chunk *partial;  /* chunks with a free object */
	uint64_t nchunks;
	uint64_t empty;       /* chunks with no object in use */
	uint64_t free;        /* objects free in all chunks */
	uint64_t reserved;    /* of those, promised to reservations */
	uint64_t in_use;
	uint64_t touched;     /* bytes of chunk pages ever touched */
	uintptr_t hint;       /* where the next chunk would be adjacent */
	/*
	 * Recently freed objects, still counted as used by their chunks:
	 * a free followed by an alloc (unmap then map) touches neither
	 * chunk header, which in a big slab would be a cache miss each.
	 */
	unsigned int nmag;
	void *mag[GPUVM_SLAB_MAG];
};

/* size: object size, at most a quarter of a chunk. */
void gpuvm_slab_init(struct gpuvm_slab *s, size_t size, void *owner);
/* Releases every chunk, and with them every object still in use. */
void gpuvm_slab_fini(struct gpuvm_slab *s);

/* A zeroed object, or NULL when the kernel has no memory. */
void *gpuvm_slab_alloc(struct gpuvm_slab *s);
void gpuvm_slab_free(struct gpuvm_slab *s, void *obj);

/* Maps chunks until n more objects than reserved are free. */
int gpuvm_slab_grow(struct gpuvm_slab *s, uint64_t n);

/* Makes n more objects available to gpuvm_slab_alloc_reserved(). */
static inline int gpuvm_slab_reserve(struct gpuvm_slab *s, uint64_t n)
{
	if (s->free < s->reserved + n && gpuvm_slab_grow(s, n))
		return -ENOMEM;
	s->reserved += n;
	return 0;
}

/* Gives back n objects of a reservation that were not used. */
static inline void gpuvm_slab_unreserve(struct gpuvm_slab *s, uint64_t n)
{
	s->reserved -= n;
}
/* A zeroed object from a reservation; never fails. */
void *gpuvm_slab_alloc_reserved(struct gpuvm_slab *s);

/* The owner given to gpuvm_slab_init() of the slab obj came from. */
void *gpuvm_slab_owner(const void *obj);

/* Host memory held: pages of chunks touched so far, headers included. */
uint64_t gpuvm_slab_bytes(const struct gpuvm_slab *s);

/*
 * Checks the chunk lists and every count against the chunks. 0, or
 * -EUCLEAN describing the first problem on err (if non-NULL).
 */
int gpuvm_slab_validate(const struct gpuvm_slab *s, FILE *err);
/* One line: sizes and counts (no addresses). */
void gpuvm_slab_print(const struct gpuvm_slab *s, FILE *f);

#endif
