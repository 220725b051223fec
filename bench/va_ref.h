/* SPDX-License-Identifier: MIT */
/*
 * DOC: the AVL VA manager, kept as the benchmark's baseline
 *
 * The VA manager as it was before its index became a B+tree (two
 * intrusive AVL trees per mapping, by address and by (BO, address), one
 * malloc per mapping), frozen here so that `gpuvm bench` can measure it
 * in the same run as the current one: figures from another machine or
 * day say little, a ratio from one run says what changed. It implements
 * the same semantics (same ops, same checks) and is not part of the
 * library. Do not tune it.
 */
#ifndef GPUVM_BENCH_VA_REF_H
#define GPUVM_BENCH_VA_REF_H

#include <stdint.h>

#include "gpuvm/va.h"

struct ref_va_space;

struct ref_va_ops {
	struct ref_va_space *space;
	uint64_t generation;
	bool committed;
	unsigned int count;
	struct gpuvm_va_op *op;
};

int ref_va_space_create(const struct gpuvm_va_space_cfg *cfg,
			struct ref_va_space **out);
void ref_va_space_destroy(struct ref_va_space *space);
struct gpuvm_va *ref_va_find(const struct ref_va_space *space, uint64_t addr);
int ref_va_map_prepare(struct ref_va_space *space, const struct gpuvm_va *req,
		       struct ref_va_ops **out);
int ref_va_unmap_prepare(struct ref_va_space *space, uint64_t addr,
			 uint64_t range, struct ref_va_ops **out);
int ref_va_ops_commit(struct ref_va_ops *ops);
void ref_va_ops_free(struct ref_va_ops *ops);

/* Host memory per mapping: one malloc'd node (glibc block size). */
uint64_t ref_va_bytes_per_mapping(void);

#endif
