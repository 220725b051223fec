// SPDX-License-Identifier: MIT
/*
 * DOC: benchmark harness: rows, repetitions, printing
 *
 * The table groups rows under "-- group" headers and prints a row's note
 * on the line below it, so a qualified or skipped figure is never read
 * without its qualification. --json prints one array: every row as an
 * object, then every target as an object with a "target" key, so one
 * parse gets both and the two are told apart by their keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t status_bytes(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t klen = strlen(key);
	unsigned long long kib = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			kib = strtoull(line + klen + 1, NULL, 10);
	fclose(f);
	return (uint64_t)kib * 1024;
}

uint64_t bench_host_faults(void)
{
	struct rusage u;

	return getrusage(RUSAGE_SELF, &u) ? 0 : (uint64_t)u.ru_minflt;
}

uint64_t bench_peak_rss_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f) {
		fputs("5", f);
		fclose(f);
	}
	return bench_peak_rss();
}

uint64_t bench_peak_rss(void)
{
	return status_bytes("VmHWM");
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

unsigned int bench_reps(const struct bench_opts *o)
{
	if (o->reps)
		return o->reps;
	return o->quick ? 1 : 5;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */

struct bench_row *bench_add(struct bench_report *r, const char *group,
			    const char *key, const char *name)
{
	struct bench_row *row;

	if (r->count == r->cap) {
		unsigned int cap = r->cap ? r->cap * 2 : 32;
		void *p = realloc(r->rows, cap * sizeof(*r->rows));

		if (!p)
			return NULL;
		r->rows = p;
		r->cap = cap;
	}
	row = &r->rows[r->count++];
	memset(row, 0, sizeof(*row));
	snprintf(row->group, sizeof(row->group), "%s", group);
	snprintf(row->key, sizeof(row->key), "%s", key);
	snprintf(row->name, sizeof(row->name), "%s", name);
	row->pte_writes = row->pt_pages = row->pt_reserved = -1;
	row->peak_rss = -1;
	row->bytes_per_map = -1;
	return row;
}

int bench_skip(struct bench_report *r, const char *group, const char *key,
	       const char *name, const char *why)
{
	struct bench_row *row = bench_add(r, group, key, name);

	if (!row)
		return -ENOMEM;
	row->skipped = true;
	snprintf(row->note, sizeof(row->note), "%s", why);
	return 0;
}

const struct bench_row *bench_find(const struct bench_report *r,
				   const char *key)
{
	unsigned int i;

	for (i = 0; i < r->count; i++)
		if (!strcmp(r->rows[i].key, key))
			return &r->rows[i];
	return NULL;
}

void bench_row_fill(struct bench_row *row, const struct bench_sample *s,
		    double median_ns)
{
	row->ops = s->ops;
	row->pte_writes = s->pte_writes;
	row->pt_pages = s->pt_pages;
	row->pt_reserved = s->pt_reserved;
	row->peak_rss = s->peak_rss;
	row->median_ns = median_ns;
	row->ns_per_op = s->ops ? median_ns / (double)s->ops : 0;
}

int bench_repeat(struct bench_report *r, unsigned int reps,
		 const char *group, const char *key, const char *name,
		 bench_run_fn fn, void *ctx, struct bench_row **out)
{
	double *ns = calloc(reps ? reps : 1, sizeof(*ns));
	int64_t fmin = INT64_MAX, fmax = -1;
	struct bench_sample s;
	struct bench_row *row;
	unsigned int k;
	int ret = ns ? 0 : -ENOMEM;

	for (k = 0; !ret && k < reps; k++) {
		memset(&s, 0, sizeof(s));
		s.pte_writes = s.pt_pages = s.pt_reserved = s.peak_rss = -1;
		s.host_faults = -1;
		ret = fn(ctx, &s);
		ns[k] = s.ns;
		if (s.host_faults >= 0) {
			fmin = s.host_faults < fmin ? s.host_faults : fmin;
			fmax = s.host_faults > fmax ? s.host_faults : fmax;
		}
	}
	row = ret ? NULL : bench_add(r, group, key, name);
	if (!ret && !row)
		ret = -ENOMEM;
	if (!ret)
		bench_row_fill(row, &s, bench_median(ns, reps));
	/* Cold rows pay for first touches of host memory: say how many. */
	if (!ret && fmax >= 0 && fmin == fmax)
		snprintf(row->note, sizeof(row->note),
			 "host page faults in the timed part: %lld",
			 (long long)fmax);
	else if (!ret && fmax >= 0)
		snprintf(row->note, sizeof(row->note),
			 "host page faults in the timed part: %lld to %lld",
			 (long long)fmin, (long long)fmax);
	if (out)
		*out = row;
	free(ns);
	return ret;
}

void bench_report_free(struct bench_report *r)
{
	free(r->rows);
	free(r->targets);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------------ */
/* A device with one file and one VM                                   */

int bench_vm_open(struct bench_vm *b, const struct gpuvm_drv_device_cfg *cfg)
{
	int ret = gpuvm_drv_device_create(cfg, &b->dev);

	if (ret) {
		b->dev = NULL;
		return ret;
	}
	ret = gpuvm_drv_file_open(b->dev, &b->file);
	if (!ret)
		ret = gpuvm_drv_vm_create(b->file, 0, &b->vm);
	if (ret)
		bench_vm_close(b);
	return ret;
}

void bench_vm_close(struct bench_vm *b)
{
	gpuvm_drv_device_destroy(b->dev);
	b->dev = NULL;
	b->file = NULL;
}

int bench_vm_counts(const struct bench_vm *b, struct bench_sample *s)
{
	struct gpuvm_drv_vm_stats st;
	int ret = gpuvm_drv_vm_stats(b->file, b->vm, &st);

	if (ret)
		return ret;
	s->pte_writes = (int64_t)st.pte_writes;
	s->pt_pages = (int64_t)st.pt_pages;
	s->pt_reserved = (int64_t)st.pt_reserved_peak;
	return 0;
}

int bench_vm_bind1(const struct bench_vm *b, uint32_t flags, uint32_t bo,
		   uint64_t bo_offset, uint64_t va, uint64_t size)
{
	struct gpuvm_drv_bind_op op = {
		.flags = flags, .bo_handle = bo, .bo_offset = bo_offset,
		.va = va, .size = size,
	};

	return gpuvm_drv_vm_bind(b->file, b->vm, 0, &op, 1, NULL);
}

int bench_vm_make_dummy(const struct bench_vm *b)
{
	int ret = bench_vm_bind1(b, GPUVM_DRV_OP_TYPE_MAP |
				 GPUVM_DRV_OP_MAP_SPARSE |
				 GPUVM_DRV_OP_MAP_NOEXEC, 0, 0, 0, GPUVM_SZ_4K);

	return ret ? ret : bench_vm_bind1(b, GPUVM_DRV_OP_TYPE_UNMAP, 0, 0, 0,
					  GPUVM_SZ_4K);
}

/* ------------------------------------------------------------------ */
/* Printing                                                            */

#define NAME_W 46

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
		fprintf(f, " %9.2f s ", ns / 1e9);
	else if (ns >= 1e6)
		fprintf(f, " %9.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		fprintf(f, " %9.2f us", ns / 1e3);
	else
		fprintf(f, " %9.1f ns", ns);
}

static void print_row(FILE *f, const struct bench_row *row)
{
	fprintf(f, "  %-*s", NAME_W, row->name);
	if (row->skipped) {
		fprintf(f, " %10s\n", "skipped");
		fprintf(f, "      %s\n", row->note);
		return;
	}
	fprintf(f, " %10llu", (unsigned long long)row->ops);
	print_opt(f, row->pte_writes, 10);
	print_opt(f, row->pt_pages, 8);
	print_opt(f, row->pt_reserved, 8);
	print_time(f, row->median_ns);
	fprintf(f, row->ns_per_op < 1e4 ? " %10.1f\n" : " %10.0f\n",
		row->ns_per_op);
	if (row->note[0])
		fprintf(f, "      %s\n", row->note);
}

static void print_targets(const struct bench_report *r, FILE *f)
{
	unsigned int i;

	if (!r->ntargets)
		return;
	fputs("\ntargets (from this run):\n", f);
	for (i = 0; i < r->ntargets; i++) {
		const struct bench_target *t = &r->targets[i];
		const char *v = !t->measurable ? "SKIP" :
				t->pass ? "PASS" : "MISS";

		fprintf(f, "  %s  %-62s %18s  (target %s)\n", v, t->what,
			t->measured, t->limit);
	}
}

static void print_table(const struct bench_report *r, FILE *f)
{
	const char *group = "";
	unsigned int i;

	fprintf(f, "  %-*s %10s %10s %8s %8s %12s %10s\n", NAME_W, "case",
		"ops", "pte_wr", "pt_pages", "pt_resv", "median", "ns/op");
	for (i = 0; i < r->count; i++) {
		if (strcmp(group, r->rows[i].group)) {
			group = r->rows[i].group;
			fprintf(f, "-- %s\n", group);
		}
		print_row(f, &r->rows[i]);
	}
	print_targets(r, f);
}

/* Our strings are plain ASCII; quotes and backslashes are all we meet. */
static void json_str(FILE *f, const char *key, const char *s)
{
	fprintf(f, "\"%s\": \"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void json_row(FILE *f, const struct bench_row *row)
{
	fputs("  {", f);
	json_str(f, "group", row->group);
	fputs(", ", f);
	json_str(f, "key", row->key);
	fputs(", ", f);
	json_str(f, "case", row->name);
	fprintf(f, ", \"skipped\": %s, \"ops\": %llu, \"pte_writes\": %lld, "
		"\"pt_pages\": %lld, \"pt_reserved_peak\": %lld, "
		"\"peak_rss\": %lld, "
		"\"median_ns\": %.1f, \"ns_per_op\": %.2f, ",
		row->skipped ? "true" : "false", (unsigned long long)row->ops,
		(long long)row->pte_writes, (long long)row->pt_pages,
		(long long)row->pt_reserved, (long long)row->peak_rss,
		row->median_ns, row->ns_per_op);
	if (row->live > 0)
		fprintf(f, "\"live\": %.0f, ", row->live);
	if (row->bytes_per_map >= 0)
		fprintf(f, "\"bytes_per_mapping\": %.1f, ", row->bytes_per_map);
	json_str(f, "note", row->note);
	fputc('}', f);
}

static void json_target(FILE *f, const struct bench_target *t)
{
	fputs("  {", f);
	json_str(f, "target", t->what);
	fputs(", ", f);
	json_str(f, "measured", t->measured);
	fputs(", ", f);
	json_str(f, "limit", t->limit);
	fprintf(f, ", \"result\": \"%s\"}",
		!t->measurable ? "skip" : t->pass ? "pass" : "miss");
}

static void print_json(const struct bench_report *r, FILE *f)
{
	unsigned int i, n = r->count + r->ntargets;

	fputs("[\n", f);
	for (i = 0; i < r->count; i++) {
		json_row(f, &r->rows[i]);
		fputs(i + 1 < n ? ",\n" : "\n", f);
	}
	for (i = 0; i < r->ntargets; i++) {
		json_target(f, &r->targets[i]);
		fputs(r->count + i + 1 < n ? ",\n" : "\n", f);
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

/* ------------------------------------------------------------------ */

const char *const bench_case_names[] = {
	"seeds", "sparse", "churn", "va", "mmu", "frag", "ptmap", "evict",
	"cs", "uapi", NULL,
};

/* name is in the comma-separated list (NULL: every name is). */
static bool selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return true;
	while (p && *p) {
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return false;
}

bool bench_only_valid(const char *list)
{
	const char *p = list;
	unsigned int i;

	while (*p) {
		size_t n = strcspn(p, ",");

		for (i = 0; bench_case_names[i]; i++)
			if (strlen(bench_case_names[i]) == n &&
			    !strncmp(p, bench_case_names[i], n))
				break;
		if (!n || !bench_case_names[i])
			return false;
		p += n + (p[n] == ',');
	}
	return true;
}

int bench_all(const struct bench_opts *o, FILE *f)
{
	static int (*const cases[])(struct bench_report *,
				    const struct bench_opts *) = {
		bench_seeds, bench_sparse, bench_churn, bench_va, bench_mmu,
		bench_frag, bench_ptmap, bench_evict, bench_cs, bench_uapi,
	};
	struct bench_report r = { 0 };
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < sizeof(cases) / sizeof(cases[0]); i++)
		if (selected(o->only, bench_case_names[i]))
			ret = cases[i](&r, o);
	if (!ret)
		ret = bench_targets(&r);
	if (!ret)
		bench_print(&r, o, f);
	if (!ret && o->svg)
		ret = bench_svg_va(&r, o->svg);
	bench_report_free(&r);
	return ret;
}
