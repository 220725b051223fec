/* SPDX-License-Identifier: MIT */
/*
 * DOC: gpuvm VA-space manager (module "va")
 *
 * Tracks what is mapped where in one GPU virtual address space and computes
 * the operations a driver must apply to its page tables, with the
 * split/merge semantics of Linux's drm_gpuvm. It owns no page tables and
 * allocates no physical memory.
 *
 * Use is two-phase, as in drm_gpuvm:
 *
 *  1. gpuvm_va_map_prepare() / gpuvm_va_unmap_prepare() check the request
 *     and build an ordered op list. This is the only step that can fail;
 *     it allocates every object the commit will need. On error nothing has
 *     changed.
 *  2. The driver applies the ops to its page tables, then calls
 *     gpuvm_va_ops_commit(), which updates the space and cannot fail.
 *  3. gpuvm_va_ops_free() releases the list, and with it the mappings the
 *     commit replaced (or, without a commit, the ones it would have added).
 *
 * Objects:
 *  - struct gpuvm_va_space: one address space (gpuvm_va_space_*).
 *  - struct gpuvm_va: one mapping (gpuvm_va_*). Its fields are public and
 *    read-only; a driver may use @priv freely.
 *  - struct gpuvm_va_ops: an op list (gpuvm_va_ops_*).
 *
 * Thread safety: none inside. A space and its op lists must be used by one
 * thread at a time; the caller serialises (the driver holds a VM lock).
 *
 * NULL pointers: a pointer argument may be NULL only where its function's
 * comment says so. Any other NULL is refused before anything is done:
 * -EINVAL from a function returning an errno, nothing done by a void one
 * (a print prints nothing), and from the lookups and accessors the value
 * their comment gives (NULL, 0 or UINT64_MAX).
 */
#ifndef GPUVM_VA_H
#define GPUVM_VA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; this is its API. */
#pragma GCC visibility push(default)

struct gpuvm_va_space;

/* What backs a mapping. */
enum gpuvm_va_kind {
	/* BO bytes [offset, offset + range), linearly. */
	GPUVM_VA_BO = 0,
	/* No BO: the driver realises it (dummy BO, NULL entries). */
	GPUVM_VA_SPARSE = 1,
	/*
	 * BO bytes [offset, offset + repeat) cyclically: VA x maps BO offset
	 * offset + ((x - addr + phase) mod repeat).
	 */
	GPUVM_VA_REPEAT = 2,
};

/*
 * A mapping. Also used as the request of gpuvm_va_map_prepare(), where
 * @priv is ignored.
 */
struct gpuvm_va {
	uint64_t addr;
	uint64_t range;
	enum gpuvm_va_kind kind;
	/*
	 * Driver-defined attributes (permissions, caching). The manager only
	 * compares them: PTEs are kept only if the flags are equal.
	 */
	uint32_t flags;
	/* BO identity chosen by the driver; 0 for sparse, non-zero otherwise. */
	uint64_t bo;
	/* BO offset of addr (BO) or start of the repeated region (REPEAT). */
	uint64_t offset;
	/* REPEAT only: size of the repeated region, and phase in [0, repeat). */
	uint64_t repeat;
	uint64_t phase;
	/* Driver data; carried from a mapping to the pieces that survive it. */
	void *priv;
};

/* End of the mapping (exclusive); 0 for a NULL va. */
static inline uint64_t gpuvm_va_end(const struct gpuvm_va *va)
{
	return va ? va->addr + va->range : 0;
}

/*
 * BO offset that VA address x (inside va) maps. Undefined for SPARSE,
 * which has no BO; returns UINT64_MAX then, and for a NULL va.
 */
uint64_t gpuvm_va_bo_offset_at(const struct gpuvm_va *va, uint64_t x);

struct gpuvm_va_space_cfg {
	uint64_t start;          /* first managed address */
	uint64_t range;          /* size of the managed range, > 0 */
	uint64_t reserved_start; /* kernel-reserved range, or range 0 for none */
	uint64_t reserved_range;
	uint64_t granule;        /* power of two >= 4 KiB; 0 means 4 KiB */
	/* Largest number of live mappings, 0 for no limit (-ENOSPC past it). */
	uint64_t max_mappings;
};

/* -EINVAL on a bad cfg, -ENOMEM; *out set only on success. */
int gpuvm_va_space_create(const struct gpuvm_va_space_cfg *cfg,
			  struct gpuvm_va_space **out);
/*
 * Frees the space and every mapping in it. NULL is allowed. Op lists of
 * the space not yet freed stay valid for gpuvm_va_ops_free() (the memory
 * goes when the last of them is freed).
 */
void gpuvm_va_space_destroy(struct gpuvm_va_space *space);

/* Live mappings and the configuration; 0 and NULL for a NULL space. */
uint64_t gpuvm_va_space_count(const struct gpuvm_va_space *space);
/*
 * Host memory the space holds: its mapping objects and index nodes
 * (whole pages of the chunks they come from, as touched), its BO table
 * and its own structure, allocator overhead included. Mappings owned by
 * op lists not yet freed are counted too. 0 for a NULL space.
 */
uint64_t gpuvm_va_space_mem_bytes(const struct gpuvm_va_space *space);
const struct gpuvm_va_space_cfg *
gpuvm_va_space_cfg(const struct gpuvm_va_space *space);

/*
 * 0 if [addr, addr + range) is a valid request range in this space:
 * non-empty, granule aligned, no overflow, inside the managed range and
 * not touching the reserved range. -EINVAL otherwise.
 */
int gpuvm_va_check_range(const struct gpuvm_va_space *space, uint64_t addr,
			 uint64_t range);

/* ------------------------------------------------------------------ */
/* Lookup and iteration. O(log n) to find; stepping is O(1) amortised  */
/* in the for_each macros and O(log n) through gpuvm_va_next_in().    */
/* A NULL space, va or iterator finds nothing (NULL).                  */

/* The mapping containing addr, or NULL. */
struct gpuvm_va *gpuvm_va_find(const struct gpuvm_va_space *space,
			       uint64_t addr);
/* First mapping that overlaps [addr, end), or NULL. */
struct gpuvm_va *gpuvm_va_first_in(const struct gpuvm_va_space *space,
				   uint64_t addr, uint64_t end);
/* Mapping after va (one of the space's) if it starts before end, or NULL. */
struct gpuvm_va *gpuvm_va_next_in(const struct gpuvm_va *va, uint64_t end);

/*
 * A place in the address index, for gpuvm_va_for_each_in(); its fields
 * are private. Valid until the space next changes. A NULL space gives an
 * iterator at the end.
 */
struct gpuvm_va_iter {
	const void *leaf_;
	unsigned int idx_;
	uint64_t end_;
};

struct gpuvm_va_iter gpuvm_va_iter_start(const struct gpuvm_va_space *space,
					 uint64_t addr, uint64_t end);
/* The mapping at the iterator if it starts before its end, or NULL. */
struct gpuvm_va *gpuvm_va_iter_get(struct gpuvm_va_iter *it);
/* Steps to the next mapping; nothing for a NULL iterator. */
void gpuvm_va_iter_next(struct gpuvm_va_iter *it);

/*
 * Iterates mappings overlapping [addr, end) in address order. va must be
 * a plain identifier naming an assignable struct gpuvm_va pointer (it
 * also names the loop's hidden iterator); the body must not change the
 * space (a commit, a free of the space) while the loop runs. A NULL space
 * iterates nothing.
 */
#define gpuvm_va_for_each_in(va, space, addr, end)                         \
	for (struct gpuvm_va_iter gpuvm_va_it_##va =                       \
		     gpuvm_va_iter_start((space), (addr), (end));          \
	     ((va) = gpuvm_va_iter_get(&gpuvm_va_it_##va)) != NULL;        \
	     gpuvm_va_iter_next(&gpuvm_va_it_##va))

/*
 * Mappings of one BO (the VM x BO link eviction needs), in address order.
 * Repeat mappings of the BO are included; bo = 0 gives the sparse
 * mappings (what a per-file dummy backs). The macro's precondition is
 * gpuvm_va_for_each_in()'s; a NULL space iterates nothing. bo_first() is
 * O(1) when the BO's mappings were added in address order and otherwise
 * sorts the ones added out of order (O(k + t log t)), which changes the
 * space's private state: like every call here it must not run
 * concurrently with another on the same space. bo_next() is O(1).
 */
struct gpuvm_va *gpuvm_va_bo_first(const struct gpuvm_va_space *space,
				   uint64_t bo);
struct gpuvm_va *gpuvm_va_bo_next(const struct gpuvm_va *va);

#define gpuvm_va_for_each_of_bo(va, space, bo)                  \
	for ((va) = gpuvm_va_bo_first((space), (bo)); (va);     \
	     (va) = gpuvm_va_bo_next(va))

/* ------------------------------------------------------------------ */
/* Op lists.                                                           */

enum gpuvm_va_op_type {
	GPUVM_VA_OP_MAP,
	GPUVM_VA_OP_REMAP,
	GPUVM_VA_OP_UNMAP,
};

/*
 * One step. @va is the existing mapping for UNMAP and REMAP, the new one
 * for MAP. A REMAP removes @va and puts back the surviving pieces @prev
 * (left) and/or @next (right); at least one is non-NULL. @keep says the
 * old PTEs of the range that the request overlaps already hold what the
 * new mapping needs (same BO, kind, flags, and contiguous offset or
 * matching repeat phase); sparse mappings never keep.
 *
 * The new mappings (@va of MAP, @prev, @next) are allocated by prepare and
 * become the space's own at commit.
 */
struct gpuvm_va_op {
	enum gpuvm_va_op_type type;
	bool keep;
	struct gpuvm_va *va;
	struct gpuvm_va *prev;
	struct gpuvm_va *next;
};

struct gpuvm_va_ops {
	struct gpuvm_va_space *space;
	uint64_t generation; /* space state the list was built against */
	bool committed;
	unsigned int count;
	struct gpuvm_va_op *op;
};

/*
 * Builds the op list that maps req (its @priv is ignored). Any existing
 * mapping overlapping req is unmapped or remapped around it first; MAP is
 * always last. Errors: -EINVAL for a bad request (range rules above; BO
 * kinds need a non-zero bo and a granule-aligned offset with no overflow;
 * REPEAT needs a non-zero granule-aligned repeat and a granule-aligned
 * phase < repeat; BO and SPARSE need repeat = phase = 0; SPARSE needs
 * bo = offset = 0), -ENOSPC past max_mappings, -ENOMEM.
 * On error *out is untouched and nothing changed.
 */
int gpuvm_va_map_prepare(struct gpuvm_va_space *space,
			 const struct gpuvm_va *req,
			 struct gpuvm_va_ops **out);

/*
 * Builds the op list that unmaps [addr, addr + range): UNMAP for mappings
 * inside it, REMAP for those it cuts. An empty range gives an empty list.
 * Errors: -EINVAL for a bad range, -ENOSPC if cutting a mapping in two
 * would pass max_mappings, -ENOMEM.
 */
int gpuvm_va_unmap_prepare(struct gpuvm_va_space *space, uint64_t addr,
			   uint64_t range, struct gpuvm_va_ops **out);

/*
 * Applies the list to the space. Cannot fail for a list built against
 * the space's current state. Caller bugs change nothing and return
 * -ESTALE (the space changed since prepare) or -EALREADY (committed
 * already).
 */
int gpuvm_va_ops_commit(struct gpuvm_va_ops *ops);

/* Frees the list and the mappings it owns. NULL is allowed. */
void gpuvm_va_ops_free(struct gpuvm_va_ops *ops);

/*
 * Test hook: the nth allocation an op list makes from now on (1 = the
 * next) fails with -ENOMEM, so every allocation site can be failed in
 * turn. 0 disarms; it disarms itself after firing.
 */
void gpuvm_va_space_fail_nth_alloc(struct gpuvm_va_space *space,
				   uint64_t nth);

/* ------------------------------------------------------------------ */
/* Debug helpers, in the spirit of Mesa's util_vma_heap.                */

/*
 * Checks every invariant (tree shape and order, no overlap, alignment,
 * inside the range, BO index consistent, count). Returns 0 or -EUCLEAN,
 * describing the first problem on err if non-NULL (err may be NULL).
 */
int gpuvm_va_space_validate(const struct gpuvm_va_space *space, FILE *err);

/*
 * Writes to f what stands for BO key bo (never 0) where a mapping is
 * printed. The key is the driver's; a driver whose keys are host pointers
 * sets a namer, so that no host address is ever printed.
 */
typedef void (*gpuvm_va_bo_namer)(FILE *f, uint64_t bo, void *cookie);

/*
 * The namer the space's messages and prints use (validate,
 * gpuvm_va_space_print, gpuvm_va_ops_print); NULL, the default, prints
 * the key as a decimal number. Nothing happens for a NULL space.
 */
void gpuvm_va_space_set_bo_namer(struct gpuvm_va_space *space,
				 gpuvm_va_bo_namer fn, void *cookie);

/* One line per mapping, in address order. NULL anything: no output. */
void gpuvm_va_space_print(const struct gpuvm_va_space *space, FILE *f);
/* One mapping; its key as a number (it knows no space, hence no namer). */
void gpuvm_va_print(const struct gpuvm_va *va, FILE *f);
void gpuvm_va_ops_print(const struct gpuvm_va_ops *ops, FILE *f);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* GPUVM_VA_H */
