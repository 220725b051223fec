// SPDX-License-Identifier: MIT
/*
 * DOC: dump svg=PATH, a picture of a VM's VA space
 *
 * One horizontal bar from 0 to the end of the user VA, cut into the
 * mappings (rectangles coloured by kind: BO, repeat, sparse) and the
 * holes between them, each mapping numbered; below it one line per
 * mapping with its range, size and what backs it.
 *
 * The bar is not to scale, on purpose: a 4 KiB page next to a 128 TiB
 * hole would be invisible on a linear axis. Each piece gets a width that
 * grows with the logarithm of its size (holes half as much), so every
 * mapping shows and a larger one still looks larger. The ranges in the
 * list below are exact.
 *
 * The mappings come from gpuvm_drv_vm_for_each_mapping(), collected
 * first (at most SVG_MAX_ITEMS) because the layout needs two passes.
 *
 * The picture is plain SVG written with fprintf: no dependencies. Every
 * string in it is a script name (letters, digits, _) or a number, so
 * nothing needs escaping. At most SVG_MAX_ITEMS mappings are drawn; the
 * rest are counted in a note, so the file stays small whatever the VM.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <stdlib.h>

#include "gpuvm/drv.h"
#include "script.h"

#define SVG_W         1200
#define SVG_MARGIN    10
#define SVG_BAR_Y     40
#define SVG_BAR_H     50
#define SVG_LIST_Y    130
#define SVG_LINE_H    18
#define SVG_MAX_ITEMS 512

enum svg_kind { SVG_BO, SVG_REPEAT, SVG_SPARSE };

static enum svg_kind kind_of(const struct gpuvm_drv_mapping *m)
{
	if (m->kind == GPUVM_DRV_SPARSE)
		return SVG_SPARSE;
	return m->repeat ? SVG_REPEAT : SVG_BO;
}

static const char *kind_colour(enum svg_kind kind)
{
	switch (kind) {
	case SVG_BO: return "#4e79a7";
	case SVG_REPEAT: return "#f28e2b";
	case SVG_SPARSE: return "#b0b0b0";
	}
	return "#000000";
}

static unsigned int ilog2_u64(uint64_t x)
{
	return x ? 63u - (unsigned int)__builtin_clzll(x) : 0;
}

/* Width weight of a piece: 1 + log2 of its size in pages. */
static double weight(uint64_t size, bool hole)
{
	double w = 1.0 + (double)ilog2_u64(size >> 12);

	return hole ? w / 2 : w;
}

struct svg {
	struct script *s;
	const struct script_name *vm;
	FILE *f;
	double scale, x;     /* pixels per weight unit, current x */
	uint64_t user_va;
	struct gpuvm_drv_mapping *items;
	unsigned int drawn;  /* mappings collected and drawn */
	uint64_t more;       /* mappings not drawn */
};

static int collect(void *cookie, const struct gpuvm_drv_mapping *m)
{
	struct svg *g = cookie;

	if (g->drawn == SVG_MAX_ITEMS)
		g->more++;
	else
		g->items[g->drawn++] = *m;
	return 0;
}

static void backing(const struct svg *g, const struct gpuvm_drv_mapping *m,
		    char *buf, size_t n)
{
	const char *name = m->bo_handle ?
		script_bo_name(g->s, g->vm->file, m->bo_handle) : NULL;

	if (!name)
		name = "(closed handle)";
	if (kind_of(m) == SVG_SPARSE)
		snprintf(buf, n, "sparse");
	else if (kind_of(m) == SVG_BO)
		snprintf(buf, n, "BO %s offset 0x%" PRIx64, name, m->bo_offset);
	else
		snprintf(buf, n, "repeat BO %s [0x%" PRIx64 ", +0x%" PRIx64 ") phase 0x%" PRIx64,
			 name, m->bo_offset, m->repeat, m->phase);
}

/* Exact, in the largest unit that divides it (sizes are pages). */
static void fmt_size(uint64_t size, char *buf, size_t n)
{
	static const char *const units[] = { "GiB", "MiB", "KiB" };
	unsigned int i, shift;

	for (i = 0, shift = 30; i < 3; i++, shift -= 10) {
		if (size >= (1ull << shift) && !(size & ((1ull << shift) - 1))) {
			snprintf(buf, n, "%" PRIu64 " %s", size >> shift, units[i]);
			return;
		}
	}
	snprintf(buf, n, "%" PRIu64 " bytes", size);
}

/* Range, size, backing and flags of a mapping: its label. */
static void label(const struct svg *g, const struct gpuvm_drv_mapping *m,
		  char *buf, size_t n)
{
	char what[128], size[32];

	backing(g, m, what, sizeof(what));
	fmt_size(m->size, size, sizeof(size));
	snprintf(buf, n, "[0x%" PRIx64 ", 0x%" PRIx64 ") %s, %s%s%s%s",
		 m->va, m->va + m->size, size, what,
		 m->flags & GPUVM_DRV_OP_MAP_READONLY ? ", readonly" : "",
		 m->flags & GPUVM_DRV_OP_MAP_NOEXEC ? ", noexec" : "",
		 m->flags & GPUVM_DRV_OP_MAP_UNCACHED ? ", uncached" : "");
}

static void piece(struct svg *g, uint64_t start, uint64_t end,
		  const struct gpuvm_drv_mapping *va, int pass, double *sum,
		  unsigned int number)
{
	double w = weight(end - start, !va);
	double px = w * g->scale;
	char text[256];

	*sum += w;
	if (!pass)
		return;
	if (va)
		label(g, va, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "[0x%" PRIx64 ", 0x%" PRIx64 ") unmapped",
			 start, end);
	/* The title shows the exact range when hovering in a browser. */
	fprintf(g->f, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" stroke=\"%s\"><title>%s</title></rect>\n",
		g->x, SVG_BAR_Y, px, SVG_BAR_H,
		va ? kind_colour(kind_of(va)) : "#f4f4f4",
		va ? "#202020" : "#c8c8c8", text);
	if (va && px >= 16)
		fprintf(g->f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" fill=\"#ffffff\">%u</text>\n",
			g->x + px / 2, SVG_BAR_Y + SVG_BAR_H / 2 + 5, number);
	g->x += px;
}

/* Walks the pieces: pass 0 sums the weights, pass 1 draws. */
static double walk(struct svg *g, int pass)
{
	uint64_t cursor = 0, end = g->user_va;
	double sum = 0;
	unsigned int i;

	g->x = SVG_MARGIN;
	for (i = 0; i < g->drawn; i++) {
		const struct gpuvm_drv_mapping *m = &g->items[i];

		if (m->va > cursor)
			piece(g, cursor, m->va, NULL, pass, &sum, 0);
		piece(g, m->va, m->va + m->size, m, pass, &sum, i + 1);
		cursor = m->va + m->size;
	}
	if (end > cursor)
		piece(g, cursor, end, NULL, pass, &sum, 0);
	return sum;
}

static void list(struct svg *g)
{
	unsigned int i;
	char text[256];
	int y;

	for (i = 0; i < g->drawn; i++) {
		y = SVG_LIST_Y + (int)i * SVG_LINE_H;
		label(g, &g->items[i], text, sizeof(text));
		fprintf(g->f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			SVG_MARGIN, y - 11, kind_colour(kind_of(&g->items[i])));
		fprintf(g->f, "<text x=\"%d\" y=\"%d\">%u: %s</text>\n",
			SVG_MARGIN + 18, y, i + 1, text);
	}
	if (g->more)
		fprintf(g->f, "<text x=\"%d\" y=\"%d\">... and %" PRIu64 " more mappings, not drawn</text>\n",
			SVG_MARGIN, SVG_LIST_Y + (int)i * SVG_LINE_H, g->more);
}

static void legend(struct svg *g)
{
	static const struct {
		enum svg_kind kind;
		const char *name;
	} k[] = {
		{ SVG_BO, "BO" }, { SVG_REPEAT, "repeat" },
		{ SVG_SPARSE, "sparse" },
	};
	size_t i;
	int x = SVG_W - 260;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++, x += 80) {
		fprintf(g->f, "<rect x=\"%d\" y=\"9\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			x, kind_colour(k[i].kind));
		fprintf(g->f, "<text x=\"%d\" y=\"20\">%s</text>\n", x + 16,
			k[i].name);
	}
}

static void draw(struct svg *g)
{
	double sum = walk(g, 0);
	unsigned int lines = g->drawn + (g->more ? 1 : 0);

	g->scale = (SVG_W - 2 * SVG_MARGIN) / (sum > 0 ? sum : 1);
	fprintf(g->f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"monospace\" font-size=\"12\">\n",
		SVG_W, SVG_LIST_Y + (int)lines * SVG_LINE_H + SVG_MARGIN);
	fprintf(g->f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	fprintf(g->f, "<text x=\"%d\" y=\"20\">VM %s: user VA [0, 0x%" PRIx64 "), %" PRIu64 " mappings (widths grow with log2 of size)</text>\n",
		SVG_MARGIN, g->vm->name, g->user_va, g->drawn + g->more);
	legend(g);
	walk(g, 1);
	fprintf(g->f, "<text x=\"%d\" y=\"%d\">0x0</text>\n", SVG_MARGIN,
		SVG_BAR_Y + SVG_BAR_H + 16);
	fprintf(g->f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0x%" PRIx64 "</text>\n",
		SVG_W - SVG_MARGIN, SVG_BAR_Y + SVG_BAR_H + 16, g->user_va);
	list(g);
	fputs("</svg>\n", g->f);
}

/*
 * A write that failed while drawing shows only as ferror(); the flush
 * and the close that follow give the reason (the rest of the picture
 * fails the same way), which the message keeps.
 */
static int svg_to_file(struct script *s, struct svg *g, const char *path)
{
	bool failed;
	int err = 0;

	g->f = fopen(path, "w");
	if (!g->f)
		return script_error(s, "%s: cannot write %s: %s", s->what, path,
				    strerror(errno));
	draw(g);
	if (fflush(g->f) == EOF)
		err = errno;
	failed = err || ferror(g->f);
	if (fclose(g->f) == EOF) {
		failed = true;
		if (!err)
			err = errno;
	}
	if (failed)
		return script_error(s, "%s: cannot write %s: %s", s->what, path,
				    err ? strerror(err) : "write error");
	return 0;
}

int script_svg_write(struct script *s, const struct script_name *vm,
		     const char *path)
{
	struct svg g = { .s = s, .vm = vm };
	struct gpuvm_drv_vm_stats st;
	int ret;

	if (gpuvm_drv_vm_stats(vm->file, vm->id, &st))
		return script_error(s, "%s: no such VM in the driver", s->what);
	g.user_va = st.user_va;
	g.items = calloc(SVG_MAX_ITEMS, sizeof(*g.items));
	if (!g.items)
		return script_error(s, "%s: out of memory", s->what);
	ret = gpuvm_drv_vm_for_each_mapping(vm->file, vm->id, 0, g.user_va,
					    collect, &g);
	if (!ret)
		ret = svg_to_file(s, &g, path);
	free(g.items);
	return ret;
}
