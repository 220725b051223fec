/* SPDX-License-Identifier: MIT */
/*
 * DOC: benchmark harness
 *
 * Every benchmark case reports one row: what was done (ops, descriptor
 * writes, table pages) and the median wall time over repeated runs. The
 * table and JSON printers live here so every case reports the same way.
 * Benchmarks write nothing to the source tree.
 */
#ifndef GPUVM_BENCH_H
#define GPUVM_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct bench_row {
	char group[32];
	char name[64];
	uint64_t ops;          /* operations issued (bind ops, requests) */
	int64_t pte_writes;    /* descriptor writes, -1 if not applicable */
	int64_t pt_pages;      /* table pages at the end, -1 if n/a */
	int64_t pt_reserved;   /* table pages reserved at peak, -1 if n/a */
	double median_ns;      /* median wall time of one run */
	double ns_per_op;      /* median_ns / ops */
};

struct bench_report {
	struct bench_row *rows;
	unsigned int count, cap;
};

struct bench_opts {
	bool json;
	bool quick;     /* smaller sizes, fewer repetitions (smoke test) */
	unsigned int reps;
};

uint64_t bench_now_ns(void);
double bench_median(double *v, unsigned int n);

/* Appends a row; returns it for filling, or NULL on ENOMEM. */
struct bench_row *bench_add(struct bench_report *r, const char *group,
			    const char *name);
void bench_print(const struct bench_report *r, const struct bench_opts *o,
		 FILE *f);
void bench_report_free(struct bench_report *r);

/* Cases. Each returns 0 or a negative errno. */
int bench_va(struct bench_report *r, const struct bench_opts *o);

/* Runs every case. */
int bench_all(const struct bench_opts *o, FILE *f);

#endif
