/* SPDX-License-Identifier: MIT */
/*
 * The step engine of the differential fuzzer: decodes a byte stream (a
 * libFuzzer input) or a PRNG seed into steps, runs each step on gpuvm's
 * driver layer and on the reference model (model.h), and compares.
 *
 * After every step, for every VM the step touched: gpuvm_drv_vm_check()
 * must pass, the VA space must hold what the model holds over the touched
 * ranges (every page, by gpuvm_drv_vm_for_each_mapping; lookups on the
 * pages themselves, all of them for small ranges, a sample for large
 * ones), and GPU reads of sampled touched pages must return the model's
 * bytes or fault where and how the model says. Every sweep_every steps
 * one VM is compared whole, every page read.
 *
 * The byte decoding is a plain reading of the values a PRNG run draws
 * (each value below n takes the bytes n - 1 needs, little-endian, taken
 * mod n), so fz_record() turns a PRNG run into a byte input that replays
 * it: that is how the in-tree corpus was made.
 */
#ifndef GPUVM_FUZZ_DRIVER_H
#define GPUVM_FUZZ_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Device configurations a run can take; the input or seed picks one. */
#define FZ_PRESETS 8

struct fz_opts {
	uint64_t seed;            /* PRNG runs */
	int preset;               /* 0..FZ_PRESETS-1; -1: drawn first */
	uint64_t ram;             /* device RAM, bytes */
	uint64_t file_bo_bytes;   /* BO bytes one file may create */
	unsigned long max_steps;
	unsigned int sweep_every; /* 0: only at the end */
	bool verbose;             /* log every step */
	/* The device's RAM is a buffer of ours (drv.h cfg.ram_buffer),
	 * not gpuvm's own memory. */
	bool caller_ram;
	FILE *log;                /* NULL: stderr */
};

struct fz_stats {
	int preset;
	unsigned long steps;
	unsigned long binds, ops, ops_failed, async_binds, jobs_run;
	unsigned long gpu, gpu_faults;
	unsigned long evictions, validates;
	unsigned long checks, lookups, pages_compared, reads;
	unsigned long files_closed, vms_created, bos_created;
	/* Coverage: ops that took effect, by kind (queued ones when run
	 * are not split out), and what sweeps saw in the page tables. */
	unsigned long ok_bo, ok_repeat, ok_sparse, ok_far, ok_unmap;
	unsigned long sweeps, sweep_mappings, sweep_2m, sweep_1g, sweep_shared;
	unsigned long sweep_evicted, sweep_unusable;
	unsigned long injected;   /* binds failed by an injected -ENOMEM */
	unsigned long run_failures; /* queued MAPs made to fail as they ran */
};

/* The options the tests and the fuzz target start from. */
void fz_default_opts(struct fz_opts *o);

/*
 * 0 if gpuvm and the model agreed all along; -1 after printing the first
 * difference (seed, preset, step, the step and what differed) to the log.
 */
int fz_run_prng(const struct fz_opts *o, struct fz_stats *st);
int fz_run_bytes(const struct fz_opts *o, const uint8_t *data, size_t len,
		 struct fz_stats *st);
/*
 * A PRNG run of o->max_steps whose draws are written out as a byte input
 * (malloc'd in *out) that fz_run_bytes() with the same options replays.
 */
int fz_record(const struct fz_opts *o, uint8_t **out, size_t *len,
	      struct fz_stats *st);

#endif
