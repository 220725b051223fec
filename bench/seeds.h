/* SPDX-License-Identifier: MIT */
/*
 * DOC: the seeds' scenario
 *
 * One 100e6-byte sparse resource made resident-nothing, the ways
 * userspace and the kernel have done it. Shared by `gpuvm demo` (which
 * shows it) and `gpuvm bench` (which times it), so both report the same
 * thing.
 */
#ifndef GPUVM_BENCH_SEEDS_H
#define GPUVM_BENCH_SEEDS_H

#include <stdbool.h>
#include <stdint.h>

#include "gpuvm/drv.h"

#define SEED_RESOURCE_BYTES 100000000ull

enum seed_way {
	SEED_4K_DUMMY,   /* one op per page over a 4 KiB dummy BO */
	SEED_2M_DUMMY,   /* one op per 2 MiB over a 2 MiB dummy (panvk) */
	SEED_SPARSE,     /* one MAP_SPARSE op, dummy capability */
	SEED_SPARSE_NULL,/* one MAP_SPARSE op, NULL capability */
	SEED_WAYS
};

struct seed_result {
	uint64_t ops;
	uint64_t pte_writes;
	uint64_t pt_pages;
	uint64_t pt_reserved_peak;
	double ns;       /* time of the binds alone */
	/* Host page faults (minor) during the binds: first touches of the
	 * simulated RAM and of the host memory the structures grow into. */
	uint64_t host_faults;
};

extern const char *const seed_way_names[SEED_WAYS];

/* Runs one way on a fresh device at VA va. 0 or a negative errno. */
int seed_run(enum seed_way way, uint64_t va, struct seed_result *r);

/*
 * What the bench varies besides the way: the VA (2 MiB-aligned or not)
 * and, for the sparse ways, whether the device shares sparse tables
 * (the default) or gives each range private ones, and whether the file
 * already has its dummy (made by an earlier sparse bind, untimed) or
 * makes it in the timed bind, as a file's first sparse op does.
 * seed_run() is this with both false.
 */
struct seed_cfg {
	enum seed_way way;
	uint64_t va;
	bool private_tables;   /* gpuvm_drv_device_cfg.private_sparse_tables */
	bool dummy_made;       /* the file's dummy exists before the bind */
};

int seed_run_cfg(const struct seed_cfg *c, struct seed_result *r);

#endif
