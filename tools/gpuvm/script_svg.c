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
 * gpuvm/drv.h can say what backs one address but cannot list a VM's
 * mappings, and the picture needs their exact ends and kinds (a repeat
 * looks like a BO to gpuvm_drv_vm_lookup). So this file, and only this
 * file, reads the driver's internal structures (the tool links the
 * internal library, as the tests do), without changing anything.
 *
 * The picture is plain SVG written with fprintf: no dependencies. Every
 * string in it is a script name (letters, digits, _) or a number, so
 * nothing needs escaping. At most SVG_MAX_ITEMS mappings are drawn; the
 * rest are counted in a note, so the file stays small whatever the VM.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "drv/drv_internal.h"
#include "script.h"

#define SVG_W         1200
#define SVG_MARGIN    10
#define SVG_BAR_Y     40
#define SVG_BAR_H     50
#define SVG_LIST_Y    130
#define SVG_LINE_H    18
#define SVG_MAX_ITEMS 512

static const char *kind_colour(enum gpuvm_va_kind kind)
{
	switch (kind) {
	case GPUVM_VA_BO: return "#4e79a7";
	case GPUVM_VA_REPEAT: return "#f28e2b";
	case GPUVM_VA_SPARSE: return "#b0b0b0";
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
	struct drv_vm *v;
	FILE *f;
	double scale, x;     /* pixels per weight unit, current x */
	unsigned int drawn;  /* mappings drawn */
	uint64_t more;       /* mappings not drawn */
};

static void backing(const struct svg *g, const struct gpuvm_va *va,
		    char *buf, size_t n)
{
	const struct drv_bo *bo = va->kind == GPUVM_VA_SPARSE ? NULL :
				  drv_bo_of(va);
	const char *name = bo ? script_bo_name(g->s, g->vm->file, bo->handle) :
			   NULL;

	if (!name)
		name = "(closed handle)";
	if (va->kind == GPUVM_VA_SPARSE)
		snprintf(buf, n, "sparse");
	else if (va->kind == GPUVM_VA_BO)
		snprintf(buf, n, "BO %s offset 0x%" PRIx64, name, va->offset);
	else
		snprintf(buf, n, "repeat BO %s [0x%" PRIx64 ", +0x%" PRIx64 ") phase 0x%" PRIx64,
			 name, va->offset, va->repeat, va->phase);
}

/* Exact in the largest unit that divides it; else MiB with a decimal. */
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
	if (size >= (1ull << 20))
		snprintf(buf, n, "%.1f MiB", (double)size / (1024.0 * 1024.0));
	else
		snprintf(buf, n, "%" PRIu64 " bytes", size);
}

/* Range, size, backing and flags of a mapping: its label. */
static void label(const struct svg *g, const struct gpuvm_va *va, char *buf,
		  size_t n)
{
	char what[128], size[32];

	backing(g, va, what, sizeof(what));
	fmt_size(va->range, size, sizeof(size));
	snprintf(buf, n, "[0x%" PRIx64 ", 0x%" PRIx64 ") %s, %s%s%s%s",
		 va->addr, gpuvm_va_end(va), size, what,
		 va->flags & GPUVM_DRV_OP_MAP_READONLY ? ", readonly" : "",
		 va->flags & GPUVM_DRV_OP_MAP_NOEXEC ? ", noexec" : "",
		 va->flags & GPUVM_DRV_OP_MAP_UNCACHED ? ", uncached" : "");
}

static void piece(struct svg *g, uint64_t start, uint64_t end,
		  const struct gpuvm_va *va, int pass, double *sum)
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
		va ? kind_colour(va->kind) : "#f4f4f4",
		va ? "#202020" : "#c8c8c8", text);
	if (va && px >= 16)
		fprintf(g->f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" fill=\"#ffffff\">%u</text>\n",
			g->x + px / 2, SVG_BAR_Y + SVG_BAR_H / 2 + 5,
			g->drawn + 1);
	g->x += px;
}

/* Walks the pieces: pass 0 sums the weights, pass 1 draws. */
static double walk(struct svg *g, int pass)
{
	const struct gpuvm_va *va;
	uint64_t cursor = 0, end = g->v->user_va;
	double sum = 0;

	g->x = SVG_MARGIN;
	g->drawn = 0;
	g->more = 0;
	gpuvm_va_for_each_in(va, g->v->va, 0, end) {
		if (g->drawn == SVG_MAX_ITEMS) {
			g->more++;
			continue;
		}
		if (va->addr > cursor)
			piece(g, cursor, va->addr, NULL, pass, &sum);
		piece(g, va->addr, gpuvm_va_end(va), va, pass, &sum);
		cursor = gpuvm_va_end(va);
		g->drawn++;
	}
	if (end > cursor)
		piece(g, cursor, end, NULL, pass, &sum);
	return sum;
}

static void list(struct svg *g)
{
	const struct gpuvm_va *va;
	unsigned int i = 0;
	char text[256];
	int y;

	gpuvm_va_for_each_in(va, g->v->va, 0, g->v->user_va) {
		if (i == SVG_MAX_ITEMS)
			break;
		y = SVG_LIST_Y + (int)i * SVG_LINE_H;
		label(g, va, text, sizeof(text));
		fprintf(g->f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			SVG_MARGIN, y - 11, kind_colour(va->kind));
		fprintf(g->f, "<text x=\"%d\" y=\"%d\">%u: %s</text>\n",
			SVG_MARGIN + 18, y, ++i, text);
	}
	if (g->more)
		fprintf(g->f, "<text x=\"%d\" y=\"%d\">... and %" PRIu64 " more mappings, not drawn</text>\n",
			SVG_MARGIN, SVG_LIST_Y + (int)i * SVG_LINE_H, g->more);
}

static void legend(struct svg *g)
{
	static const struct {
		enum gpuvm_va_kind kind;
		const char *name;
	} k[] = {
		{ GPUVM_VA_BO, "BO" }, { GPUVM_VA_REPEAT, "repeat" },
		{ GPUVM_VA_SPARSE, "sparse" },
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
		SVG_MARGIN, g->vm->name, g->v->user_va,
		gpuvm_va_space_count(g->v->va));
	legend(g);
	walk(g, 1);
	fprintf(g->f, "<text x=\"%d\" y=\"%d\">0x0</text>\n", SVG_MARGIN,
		SVG_BAR_Y + SVG_BAR_H + 16);
	fprintf(g->f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0x%" PRIx64 "</text>\n",
		SVG_W - SVG_MARGIN, SVG_BAR_Y + SVG_BAR_H + 16, g->v->user_va);
	list(g);
	fputs("</svg>\n", g->f);
}

int script_svg_write(struct script *s, const struct script_name *vm,
		     const char *path)
{
	struct svg g = { .s = s, .vm = vm };
	int failed;

	g.v = drv_vm_lookup(vm->file, vm->id);
	if (!g.v)
		return script_error(s, "%s: no such VM in the driver", s->what);
	g.f = fopen(path, "w");
	if (!g.f)
		return script_error(s, "%s: cannot write %s: %s", s->what, path,
				    strerror(errno));
	draw(&g);
	failed = ferror(g.f);
	if (fclose(g.f) || failed)
		return script_error(s, "%s: cannot write %s", s->what, path);
	return 0;
}
