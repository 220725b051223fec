/* SPDX-License-Identifier: MIT */
/*
 * DOC: benchmark harness
 *
 * Every benchmark case reports rows: what was done (ops, descriptor
 * writes, table pages at the end and reserved at peak) and the median
 * wall time over repeated runs. The table and JSON printers live here so
 * every case reports the same way, and so do the few helpers the cases
 * share (the repeat loop, a device with one file and one VM, a PRNG).
 *
 * A case runs its repetitions through bench_repeat(): each run times only
 * the part under test (device creation, BO creation and other setup stay
 * outside the clock), the row gets the median time and the counts of the
 * last run (they are deterministic, or nearly so for random churn).
 *
 * Every row has a stable key ("seeds.a.4k", "churn.drv.2", ...) so that
 * the targets (targets.c) find their rows whatever the sizes were, and a
 * JSON consumer need not parse the display names.
 *
 * Benchmarks write nothing to the source tree.
 */
#ifndef GPUVM_BENCH_H
#define GPUVM_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gpuvm/drv.h"

struct bench_row {
	char group[48];
	char key[32];          /* stable id for targets and JSON */
	char name[64];
	char note[112];        /* printed under the row; "" for none */
	bool skipped;          /* not measured: note says why */
	uint64_t ops;          /* operations issued (bind ops, accesses) */
	int64_t pte_writes;    /* descriptor writes, -1 if not applicable */
	int64_t pt_pages;      /* table pages at the end, -1 if n/a */
	int64_t pt_reserved;   /* table pages reserved at peak, -1 if n/a */
	int64_t peak_rss;      /* bytes the process's peak RSS grew, -1 n/a */
	double median_ns;      /* median wall time of one run */
	double ns_per_op;      /* median_ns / ops */
	double live;           /* live mappings of a sweep point, 0 if n/a */
	double bytes_per_map;  /* host memory per live mapping, -1 if n/a */
};

/* A target from the brief, evaluated on the rows of the same run. */
struct bench_target {
	char what[96];
	char measured[64];     /* the value, formatted with its unit */
	char limit[32];        /* e.g. ">= 1000x" */
	bool measurable;       /* false: a row was skipped or absent */
	bool pass;
};

struct bench_report {
	struct bench_row *rows;
	unsigned int count, cap;
	struct bench_target *targets;
	unsigned int ntargets, tcap;
};

struct bench_opts {
	bool json;
	bool quick;     /* smaller sizes, one repetition (smoke test) */
	unsigned int reps;
	const char *only;  /* comma-separated case names, NULL for all */
	const char *svg;   /* where to draw the VA sweep, NULL for nowhere */
};

/* What one run of a case measured. Counts are -1 when not applicable. */
struct bench_sample {
	double ns;             /* the timed part only */
	uint64_t ops;
	int64_t pte_writes, pt_pages, pt_reserved;
	int64_t peak_rss;      /* bytes; -1 if not measured */
	int64_t host_faults;   /* minor page faults timed; -1 if not measured */
};

uint64_t bench_now_ns(void);
/* The process's minor page faults so far (getrusage). */
uint64_t bench_host_faults(void);
/*
 * The process's peak resident set: reset to the current one (Linux
 * clear_refs), and read, in bytes. Where the reset is refused the peak
 * is the process's own, which only overstates growth.
 */
uint64_t bench_peak_rss_reset(void);
uint64_t bench_peak_rss(void);
double bench_median(double *v, unsigned int n);
/* --reps, else 1 with --quick, else 5. */
unsigned int bench_reps(const struct bench_opts *o);

/* xorshift64*: fast, and good enough to spread slots, sizes, offsets. */
static inline uint64_t bench_rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Appends a row; returns it for filling, or NULL on ENOMEM. */
struct bench_row *bench_add(struct bench_report *r, const char *group,
			    const char *key, const char *name);
/* Appends a row that was not measured, with the reason. 0 or -ENOMEM. */
int bench_skip(struct bench_report *r, const char *group, const char *key,
	       const char *name, const char *why);
const struct bench_row *bench_find(const struct bench_report *r,
				   const char *key);
void bench_row_fill(struct bench_row *row, const struct bench_sample *s,
		    double median_ns);

/*
 * Runs fn reps times and adds one row with the median time and the last
 * run's counts. *out (optional) gets the row. 0 or fn's negative errno.
 */
typedef int (*bench_run_fn)(void *ctx, struct bench_sample *s);
int bench_repeat(struct bench_report *r, unsigned int reps,
		 const char *group, const char *key, const char *name,
		 bench_run_fn fn, void *ctx, struct bench_row **out);

/* A device with one open file and one VM, as every driver case needs. */
struct bench_vm {
	struct gpuvm_drv_device *dev;
	struct gpuvm_drv_file *file;
	uint32_t vm;
};

int bench_vm_open(struct bench_vm *b, const struct gpuvm_drv_device_cfg *cfg);
void bench_vm_close(struct bench_vm *b);
/* Fills the sample's counts from the VM's statistics. */
int bench_vm_counts(const struct bench_vm *b, struct bench_sample *s);
/*
 * Makes the file's sparse dummy the way a first sparse bind does: a
 * 4 KiB sparse MAP at VA 0 and its UNMAP. The dummy stays (it lives as
 * long as the file); no mapping or table does.
 */
int bench_vm_make_dummy(const struct bench_vm *b);
/* One bind op, synchronous. */
int bench_vm_bind1(const struct bench_vm *b, uint32_t flags, uint32_t bo,
		   uint64_t bo_offset, uint64_t va, uint64_t size);

void bench_print(const struct bench_report *r, const struct bench_opts *o,
		 FILE *f);
void bench_report_free(struct bench_report *r);

/* Cases, in the order they print. Each returns 0 or a negative errno. */
int bench_seeds(struct bench_report *r, const struct bench_opts *o);
int bench_sparse(struct bench_report *r, const struct bench_opts *o);
int bench_churn(struct bench_report *r, const struct bench_opts *o);
int bench_va(struct bench_report *r, const struct bench_opts *o);
int bench_mmu(struct bench_report *r, const struct bench_opts *o);
int bench_frag(struct bench_report *r, const struct bench_opts *o);
int bench_ptmap(struct bench_report *r, const struct bench_opts *o);
int bench_evict(struct bench_report *r, const struct bench_opts *o);
int bench_cs(struct bench_report *r, const struct bench_opts *o);
int bench_uapi(struct bench_report *r, const struct bench_opts *o);
/* `gpuvm __bench-shim-child N REPS`: bench_uapi's child under the shim. */
int bench_shim_child(int argc, char **argv);

/* Evaluates the brief's targets on the rows; 0 or -ENOMEM. */
int bench_targets(struct bench_report *r);

/*
 * Draws the VA sweep (ns/op against live mappings, log-log, one line per
 * operation and implementation) as a self-contained SVG file. 0, or a
 * negative errno if the file cannot be written.
 */
int bench_svg_va(const struct bench_report *r, const char *path);

/*
 * Issue 13's side-by-side figures (another machine): upstream
 * drm_gpuvm.c compiled in userspace and gpuvm's AVL manager, running
 * this benchmark's workload; median ns per op and bytes per mapping.
 */
struct bench_drm_ref {
	double live;
	double drm_churn, drm_lookup, avl_churn, avl_lookup;
	double drm_bytes, avl_bytes;
};
extern const struct bench_drm_ref bench_issue13[3];

/* Case names for --only, in the order they run; NULL-terminated. */
extern const char *const bench_case_names[];
/* Every name in the comma-separated list is a case. */
bool bench_only_valid(const char *list);

/* Runs every case. */
int bench_all(const struct bench_opts *o, FILE *f);

#endif
