// SPDX-License-Identifier: MIT
/*
 * DOC: the VA sweep as an SVG chart
 *
 * `gpuvm bench --svg FILE` draws what the VA rows of the run measured:
 * ns per operation against live mappings, both axes logarithmic with a
 * line at every decade, one line per operation (map+unmap churn, lookup)
 * for the current index (solid) and the AVL baseline of the same run
 * (dashed), plus issue 13's drm_gpuvm figures as open markers (measured
 * on another machine: a reference, not part of this run). Every point
 * carries its value as a tooltip.
 *
 * The file is self-contained (no scripts, no external fonts or styles)
 * and written by hand here: a chart is a few lines, paths and labels.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define W 820
#define H 500
#define LEFT 80
#define RIGHT 250 /* room for the legend */
#define TOP 50
#define BOTTOM 70

struct axis {
	double lo, hi; /* log10 of the ends */
};

struct series {
	const char *kind, *who, *label, *color;
	bool dashed;
};

static const struct series series[] = {
	{ "churn", "va", "map+unmap, B+tree (this run)", "#c0392b", false },
	{ "lookup", "va", "lookup, B+tree (this run)", "#2471a3", false },
	{ "churn", "avl", "map+unmap, AVL (this run)", "#c0392b", true },
	{ "lookup", "avl", "lookup, AVL (this run)", "#2471a3", true },
};

static double px_x(const struct axis *a, double v)
{
	return LEFT + (log10(v) - a->lo) / (a->hi - a->lo) * (W - LEFT - RIGHT);
}

static double px_y(const struct axis *a, double v)
{
	return H - BOTTOM -
	       (log10(v) - a->lo) / (a->hi - a->lo) * (H - TOP - BOTTOM);
}

/* A row of the series at its nth point, or NULL. */
static const struct bench_row *row_at(const struct bench_report *r,
				      const struct series *s, unsigned int n)
{
	unsigned int i, seen = 0;
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "%s.%s.", s->kind, s->who);
	for (i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];

		if (strncmp(row->key, prefix, strlen(prefix)) || row->live <= 0 ||
		    row->ns_per_op <= 0)
			continue;
		if (seen++ == n)
			return row;
	}
	return NULL;
}

/* Decades spanning every value the chart shows. */
static void ranges(const struct bench_report *r, struct axis *x,
		   struct axis *y)
{
	double xlo = 1e30, xhi = 0, ylo = 1e30, yhi = 0;
	const struct bench_row *row;
	unsigned int s, n;

	for (s = 0; s < sizeof(series) / sizeof(series[0]); s++)
		for (n = 0; (row = row_at(r, &series[s], n)); n++) {
			xlo = fmin(xlo, row->live);
			xhi = fmax(xhi, row->live);
			ylo = fmin(ylo, row->ns_per_op);
			yhi = fmax(yhi, row->ns_per_op);
		}
	for (n = 0; n < 3; n++) {
		ylo = fmin(ylo, fmin(bench_issue13[n].drm_churn,
				     bench_issue13[n].drm_lookup));
		yhi = fmax(yhi, fmax(bench_issue13[n].drm_churn,
				     bench_issue13[n].drm_lookup));
	}
	if (xhi <= 0) {
		xlo = 1e3;
		xhi = 1e7;
	}
	x->lo = floor(log10(xlo));
	x->hi = fmax(ceil(log10(xhi)), x->lo + 1);
	y->lo = floor(log10(ylo));
	y->hi = fmax(ceil(log10(yhi)), y->lo + 1);
}

static void count_label(char *buf, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(buf, n, "%.0fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, n, "%.0fK", v / 1e3);
	else
		snprintf(buf, n, "%.0f", v);
}

/* A whole number with thousands separators: 10,000. */
static void thousands(char *buf, size_t n, double v)
{
	char digits[32];
	size_t len, i, o = 0;

	snprintf(digits, sizeof(digits), "%.0f", v);
	len = strlen(digits);
	for (i = 0; i < len && o + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

static void grid(FILE *f, const struct axis *x, const struct axis *y)
{
	char lab[16];
	double d, m, v;

	for (d = x->lo; d <= x->hi + 1e-9; d++) {
		v = pow(10, d);
		count_label(lab, sizeof(lab), v);
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' "
			"stroke='#ccc'/>\n", px_x(x, v), TOP, px_x(x, v),
			H - BOTTOM);
		fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>%s"
			"</text>\n", px_x(x, v), H - BOTTOM + 20, lab);
	}
	for (d = y->lo; d <= y->hi + 1e-9; d++) {
		v = pow(10, d);
		thousands(lab, sizeof(lab), v);
		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' "
			"stroke='#ccc'/>\n", LEFT, px_y(y, v), W - RIGHT,
			px_y(y, v));
		fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%s"
			"</text>\n", LEFT - 8, px_y(y, v) + 4, lab);
		for (m = 2; m < 10 && d < y->hi - 1e-9; m++)
			fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' "
				"stroke='#eee'/>\n", LEFT, px_y(y, m * v),
				W - RIGHT, px_y(y, m * v));
	}
	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' "
		"stroke='#444'/>\n", LEFT, TOP, W - LEFT - RIGHT,
		H - TOP - BOTTOM);
	fprintf(f, "<text x='%d' y='%d' text-anchor='middle'>live mappings"
		" (log scale)</text>\n", (LEFT + W - RIGHT) / 2, H - 25);
	fprintf(f, "<text x='20' y='%d' text-anchor='middle' "
		"transform='rotate(-90 20 %d)'>ns per operation (log scale)"
		"</text>\n", (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2);
}

static void line(FILE *f, const struct bench_report *r, const struct axis *x,
		 const struct axis *y, const struct series *s,
		 unsigned int idx)
{
	const struct bench_row *row;
	unsigned int n;
	double ly = TOP + 20 + 22.0 * idx;

	fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='2'%s "
		"points='", s->color,
		s->dashed ? " stroke-dasharray='6 4'" : "");
	for (n = 0; (row = row_at(r, s, n)); n++)
		fprintf(f, "%s%.1f,%.1f", n ? " " : "", px_x(x, row->live),
			px_y(y, row->ns_per_op));
	fputs("'/>\n", f);
	for (n = 0; (row = row_at(r, s, n)); n++)
		fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3.5' fill='%s'>"
			"<title>%s: %.0f live, %.1f ns/op</title></circle>\n",
			px_x(x, row->live), px_y(y, row->ns_per_op), s->color,
			s->label, row->live, row->ns_per_op);
	fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='%s' "
		"stroke-width='2'%s/>\n", W - RIGHT + 15, ly, W - RIGHT + 45,
		ly, s->color, s->dashed ? " stroke-dasharray='6 4'" : "");
	fprintf(f, "<text x='%d' y='%.1f'>%s</text>\n", W - RIGHT + 52,
		ly + 4, s->label);
}

static void drm_marks(FILE *f, const struct axis *x, const struct axis *y)
{
	double ly = TOP + 20 + 22.0 * 4;
	unsigned int n;

	for (n = 0; n < 3; n++) {
		const struct bench_drm_ref *d = &bench_issue13[n];

		fprintf(f, "<rect x='%.1f' y='%.1f' width='8' height='8' "
			"fill='white' stroke='#c0392b' stroke-width='1.5'>"
			"<title>drm_gpuvm map+unmap (issue 13): %.0f live, "
			"%.0f ns/op</title></rect>\n", px_x(x, d->live) - 4,
			px_y(y, d->drm_churn) - 4, d->live, d->drm_churn);
		fprintf(f, "<rect x='%.1f' y='%.1f' width='8' height='8' "
			"fill='white' stroke='#2471a3' stroke-width='1.5'>"
			"<title>drm_gpuvm lookup (issue 13): %.0f live, "
			"%.0f ns/op</title></rect>\n", px_x(x, d->live) - 4,
			px_y(y, d->drm_lookup) - 4, d->live, d->drm_lookup);
	}
	fprintf(f, "<rect x='%d' y='%.1f' width='8' height='8' fill='white' "
		"stroke='#555' stroke-width='1.5'/>\n", W - RIGHT + 26, ly - 4);
	fprintf(f, "<text x='%d' y='%.1f'>drm_gpuvm (issue 13,</text>\n",
		W - RIGHT + 52, ly + 4);
	fprintf(f, "<text x='%d' y='%.1f'>another machine)</text>\n",
		W - RIGHT + 52, ly + 20);
}

int bench_svg_va(const struct bench_report *r, const char *path)
{
	FILE *f = fopen(path, "w");
	struct axis x, y;
	unsigned int s;
	int ret;

	if (!f)
		return -errno;
	ranges(r, &x, &y);
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
		"<svg xmlns='http://www.w3.org/2000/svg' width='%d' "
		"height='%d' viewBox='0 0 %d %d' font-family='sans-serif' "
		"font-size='12'>\n<rect width='100%%' height='100%%' "
		"fill='white'/>\n", W, H, W, H);
	fprintf(f, "<text x='%d' y='28' text-anchor='middle' "
		"font-size='15'>gpuvm VA manager: cost per operation as the "
		"live set grows</text>\n", (LEFT + W - RIGHT) / 2);
	grid(f, &x, &y);
	for (s = 0; s < sizeof(series) / sizeof(series[0]); s++)
		line(f, r, &x, &y, &series[s], s);
	drm_marks(f, &x, &y);
	fputs("</svg>\n", f);
	ret = ferror(f) ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}
