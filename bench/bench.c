// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct bench_row *bench_add(struct bench_report *r, const char *group,
			    const char *name)
{
	struct bench_row *row;

	if (r->count == r->cap) {
		unsigned int cap = r->cap ? r->cap * 2 : 16;
		void *p = realloc(r->rows, cap * sizeof(*r->rows));

		if (!p)
			return NULL;
		r->rows = p;
		r->cap = cap;
	}
	row = &r->rows[r->count++];
	memset(row, 0, sizeof(*row));
	snprintf(row->group, sizeof(row->group), "%s", group);
	snprintf(row->name, sizeof(row->name), "%s", name);
	row->pte_writes = row->pt_pages = row->pt_reserved = -1;
	return row;
}

void bench_report_free(struct bench_report *r)
{
	free(r->rows);
	r->rows = NULL;
	r->count = r->cap = 0;
}

static void print_opt(FILE *f, int64_t v, int width)
{
	if (v < 0)
		fprintf(f, " %*s", width, "-");
	else
		fprintf(f, " %*lld", width, (long long)v);
}

static void print_time(FILE *f, double ns)
{
	if (ns >= 1e9)
		fprintf(f, " %10.2f s ", ns / 1e9);
	else if (ns >= 1e6)
		fprintf(f, " %10.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		fprintf(f, " %10.2f us", ns / 1e3);
	else
		fprintf(f, " %10.1f ns", ns);
}

static void print_table(const struct bench_report *r, FILE *f)
{
	const char *group = "";
	unsigned int i;

	fprintf(f, "%-44s %10s %10s %8s %9s %13s %10s\n", "case", "ops",
		"pte_wr", "pt_pages", "pt_resv", "median", "ns/op");
	for (i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];

		if (strcmp(group, row->group)) {
			group = row->group;
			fprintf(f, "-- %s\n", group);
		}
		fprintf(f, "  %-42s %10llu", row->name,
			(unsigned long long)row->ops);
		print_opt(f, row->pte_writes, 10);
		print_opt(f, row->pt_pages, 8);
		print_opt(f, row->pt_reserved, 9);
		print_time(f, row->median_ns);
		fprintf(f, " %10.1f\n", row->ns_per_op);
	}
}

static void print_json(const struct bench_report *r, FILE *f)
{
	unsigned int i;

	fputs("[\n", f);
	for (i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];

		fprintf(f, "  {\"group\": \"%s\", \"case\": \"%s\", \"ops\": %llu, "
			"\"pte_writes\": %lld, \"pt_pages\": %lld, "
			"\"pt_reserved_peak\": %lld, \"median_ns\": %.1f, "
			"\"ns_per_op\": %.2f}%s\n",
			row->group, row->name, (unsigned long long)row->ops,
			(long long)row->pte_writes, (long long)row->pt_pages,
			(long long)row->pt_reserved, row->median_ns,
			row->ns_per_op, i + 1 < r->count ? "," : "");
	}
	fputs("]\n", f);
}

void bench_print(const struct bench_report *r, const struct bench_opts *o,
		 FILE *f)
{
	if (o->json)
		print_json(r, f);
	else
		print_table(r, f);
}

int bench_all(const struct bench_opts *o, FILE *f)
{
	struct bench_report r = { 0 };
	int ret = bench_va(&r, o);

	if (!ret)
		bench_print(&r, o, f);
	bench_report_free(&r);
	return ret;
}
