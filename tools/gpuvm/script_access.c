// SPDX-License-Identifier: MIT
/*
 * DOC: script commands: data and inspection
 *
 * cpu_read/cpu_write go through the BO (what an mmap of it gives),
 * gpu_read/gpu_write/gpu_exec through the VM's MMU, so a script can put
 * known bytes into a BO from the CPU and see where the GPU finds them.
 *
 * A value is one of u8=, u16=, u32=, u64= (little-endian, as on the GPU),
 * bytes=HEX (first byte first), or for reads zero=SIZE. zero= can cover
 * far more than a line can spell out (a whole sparse range), so it is
 * read in CHUNK-sized pieces from a fixed buffer: the cost is bounded by
 * SCRIPT_MAX_ZERO, not by memory. The whole range is read before any byte
 * is judged, so the line's result is the access's, then the data's: a read
 * that was expected to fault and did is not also blamed for its data.
 *
 * lookup, check, stats, dump and mem look at the driver's state. stats
 * and mem print one JSON object per line on the output stream, and also
 * assert any of their keys given on the line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "script.h"

#define CHUNK 16384u

enum data_kind { DATA_NONE, DATA_INT, DATA_BYTES, DATA_ZERO };

struct data {
	enum data_kind kind;
	const char *key, *text;  /* as written, for messages */
	size_t len;              /* DATA_INT, DATA_BYTES */
	uint64_t value;          /* DATA_INT */
	uint64_t zero;           /* DATA_ZERO */
	uint8_t bytes[SCRIPT_MAX_DATA];
};

static int parse_int_data(struct script *s, struct data *d, unsigned int i)
{
	const char *why;
	size_t k;

	d->kind = DATA_INT;
	d->len = (size_t)1 << i;
	if (script_parse_num(d->text, &d->value, &why))
		return script_error(s, "%s: bad number %s=%s: %s", s->what,
				    d->key, d->text, why);
	if (d->len < 8 && d->value >> (8 * d->len))
		return script_error(s, "%s: %s=%s does not fit in %zu bits",
				    s->what, d->key, d->text, 8 * d->len);
	for (k = 0; k < d->len; k++)
		d->bytes[k] = (uint8_t)(d->value >> (8 * k));
	return 0;
}

static int parse_one_data(struct script *s, struct data *d, unsigned int i)
{
	const char *why;

	if (i < 4)
		return parse_int_data(s, d, i);
	if (i == 4) {
		d->kind = DATA_BYTES;
		if (script_parse_hex(d->text, d->bytes, sizeof(d->bytes),
				     &d->len, &why))
			return script_error(s, "%s: bad bytes=%s: %s", s->what,
					    d->text, why);
		return 0;
	}
	d->kind = DATA_ZERO;
	if (script_parse_num(d->text, &d->zero, &why))
		return script_error(s, "%s: bad number zero=%s: %s", s->what,
				    d->text, why);
	if (d->zero > SCRIPT_MAX_ZERO)
		return script_error(s, "%s: zero=%s is more than the 256 MiB a line may check",
				    s->what, d->text);
	return 0;
}

/* Exactly one value key; the command's key list decides whether zero=
 * can be among them. */
static int parse_data(struct script *s, const struct script_args *a,
		      bool required, struct data *d)
{
	static const char *const keys[] = {
		"u8", "u16", "u32", "u64", "bytes", "zero",
	};
	unsigned int i, found = 0;

	d->kind = DATA_NONE;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = script_arg(a, keys[i]);

		if (!v)
			continue;
		if (found++)
			return script_error(s, "%s: give only one value (%s= and %s=)",
					    s->what, d->key, keys[i]);
		d->key = keys[i];
		d->text = v;
		if (parse_one_data(s, d, i))
			return -1;
	}
	if (!found && required)
		return script_error(s, "%s: missing the value (u8=, u16=, u32=, u64=, bytes=%s)",
				    s->what, script_in_list(a->cmd->keys, "zero") ?
				    " or zero=" : "");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading and judging                                                 */

/* One read of len bytes at `at`: from a BO (cpu) or through a VM (gpu). */
typedef int (*read_fn)(const struct script_name *n, uint64_t at, void *buf,
		       size_t len, struct gpuvm_mmu_fault *f);

static int read_cpu(const struct script_name *n, uint64_t at, void *buf,
		    size_t len, struct gpuvm_mmu_fault *f)
{
	(void)f;
	return gpuvm_drv_bo_read(n->file, n->id, at, buf, len);
}

static int read_gpu(const struct script_name *n, uint64_t at, void *buf,
		    size_t len, struct gpuvm_mmu_fault *f)
{
	return gpuvm_drv_gpu_access(n->file, n->id, GPUVM_MMU_READ, at, buf,
				    len, f);
}

static int read_exec(const struct script_name *n, uint64_t at, void *buf,
		     size_t len, struct gpuvm_mmu_fault *f)
{
	return gpuvm_drv_gpu_access(n->file, n->id, GPUVM_MMU_EXEC, at, buf,
				    len, f);
}

static int judge_value(struct script *s, const struct data *d,
		       const uint8_t *buf, const char *where, uint64_t at)
{
	uint64_t v = 0;
	size_t i;

	if (d->kind == DATA_INT) {
		for (i = d->len; i--; )
			v = v << 8 | buf[i];
		if (v == d->value)
			return 0;
		return script_error(s, "%s: expected %s=0x%" PRIx64 " at %s 0x%" PRIx64 ", read 0x%" PRIx64,
				    s->what, d->key, d->value, where, at, v);
	}
	for (i = 0; i < d->len; i++)
		if (buf[i] != d->bytes[i])
			return script_error(s, "%s: expected bytes=%s at %s 0x%" PRIx64 ", byte %zu is 0x%02x, not 0x%02x",
					    s->what, d->text, where, at, i,
					    buf[i], d->bytes[i]);
	return 0;
}

static int judge_zero(struct script *s, read_fn rd,
		      const struct script_name *n, const struct data *d,
		      const char *where, uint64_t at, bool gpu)
{
	struct gpuvm_mmu_fault f = { 0 };
	uint8_t buf[CHUNK];
	uint64_t off = 0, bad = 0;
	bool nonzero = false;
	uint8_t bad_byte = 0;
	size_t len, i;
	int ret = 0, r;

	while (!ret && off < d->zero) {
		len = d->zero - off < CHUNK ? (size_t)(d->zero - off) : CHUNK;
		ret = rd(n, at + off, buf, len, &f);
		for (i = 0; !ret && !nonzero && i < len; i++) {
			if (buf[i]) {
				nonzero = true;
				bad = at + off + i;
				bad_byte = buf[i];
			}
		}
		off += len;
	}
	r = script_outcome(s, ret, gpu ? &f : NULL);
	if (r)
		return script_finish(r);
	if (nonzero)
		return script_error(s, "%s: expected zero=%s at %s 0x%" PRIx64 ", the byte at 0x%" PRIx64 " is 0x%02x",
				    s->what, d->text, where, at, bad, bad_byte);
	return 0;
}

static int read_and_judge(struct script *s, read_fn rd,
			  const struct script_name *n, const struct data *d,
			  const char *where, uint64_t at, bool gpu)
{
	struct gpuvm_mmu_fault f = { 0 };
	uint8_t buf[SCRIPT_MAX_DATA];
	int r;

	if (d->kind == DATA_ZERO)
		return judge_zero(s, rd, n, d, where, at, gpu);
	r = script_outcome(s, rd(n, at, buf, d->len, &f), gpu ? &f : NULL);
	if (r)
		return script_finish(r);
	return judge_value(s, d, buf, where, at);
}

/* ------------------------------------------------------------------ */
/* CPU and GPU accesses                                                */

int script_cmd_cpu_write(struct script *s, const struct script_args *a)
{
	struct script_name *bo = script_find(s, a->pos[0], SCRIPT_BO);
	struct data d;
	uint64_t off;

	if (!bo || script_num_arg(s, a, "offset", true, &off) < 0 ||
	    parse_data(s, a, true, &d))
		return -1;
	return script_finish(script_outcome(s, gpuvm_drv_bo_write(bo->file,
			     bo->id, off, d.bytes, d.len), NULL));
}

int script_cmd_cpu_read(struct script *s, const struct script_args *a)
{
	struct script_name *bo = script_find(s, a->pos[0], SCRIPT_BO);
	struct data d;
	uint64_t off;

	if (!bo || script_num_arg(s, a, "offset", true, &off) < 0 ||
	    parse_data(s, a, true, &d))
		return -1;
	return read_and_judge(s, read_cpu, bo, &d, "offset", off, false);
}

int script_cmd_gpu_write(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	struct gpuvm_mmu_fault f = { 0 };
	struct data d;
	uint64_t va;

	if (!vm || script_num_arg(s, a, "va", true, &va) < 0 ||
	    parse_data(s, a, true, &d))
		return -1;
	return script_finish(script_outcome(s, gpuvm_drv_gpu_access(vm->file,
			     vm->id, GPUVM_MMU_WRITE, va, d.bytes, d.len, &f),
			     &f));
}

int script_cmd_gpu_read(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	struct data d;
	uint64_t va;

	if (!vm || script_num_arg(s, a, "va", true, &va) < 0 ||
	    parse_data(s, a, true, &d))
		return -1;
	return read_and_judge(s, read_gpu, vm, &d, "va", va, true);
}

/* An instruction fetch of 4 bytes; u32= optionally asserts them. */
int script_cmd_gpu_exec(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	struct gpuvm_mmu_fault f = { 0 };
	uint8_t buf[4];
	struct data d;
	uint64_t va;
	int r;

	if (!vm || script_num_arg(s, a, "va", true, &va) < 0 ||
	    parse_data(s, a, false, &d))
		return -1;
	if (d.kind != DATA_NONE)
		return read_and_judge(s, read_exec, vm, &d, "va", va, true);
	r = script_outcome(s, read_exec(vm, va, buf, sizeof(buf), &f), &f);
	return script_finish(r);
}

/* ------------------------------------------------------------------ */
/* lookup                                                              */

static void describe_lookup(const struct script *s,
			    const struct script_name *vm,
			    const struct gpuvm_drv_lookup *l, char *buf,
			    size_t n)
{
	const char *name;

	switch (l->kind) {
	case GPUVM_DRV_NONE:
		snprintf(buf, n, "none");
		break;
	case GPUVM_DRV_SPARSE:
		snprintf(buf, n, "sparse");
		break;
	case GPUVM_DRV_BO:
		name = script_bo_name(s, vm->file, l->bo_handle);
		snprintf(buf, n, "bo=%s offset=0x%" PRIx64,
			 name ? name : "(closed handle)", l->bo_offset);
		break;
	}
}

/* What the line asserts: kind, and BO and offset for a BO. */
struct lookup_want {
	struct gpuvm_drv_lookup l;
	int has_flags;
	uint32_t flags;
};

static int parse_lookup(struct script *s, const struct script_args *a,
			const struct script_name *vm, struct lookup_want *w)
{
	const char *bo_name = script_arg(a, "bo");
	bool sparse = script_word(a, "sparse"), none = script_word(a, "none");
	struct script_name *bo;

	memset(w, 0, sizeof(*w));
	if ((bo_name != NULL) + sparse + none != 1)
		return script_error(s, "%s: give one of bo=B offset=O, sparse or none",
				    s->what);
	if (!bo_name && script_arg(a, "offset"))
		return script_error(s, "%s: offset= goes with bo=", s->what);
	w->l.kind = sparse ? GPUVM_DRV_SPARSE : none ? GPUVM_DRV_NONE :
		    GPUVM_DRV_BO;
	w->has_flags = script_flags_arg(s, a, "flags", &w->flags);
	if (w->has_flags < 0)
		return -1;
	if (!bo_name)
		return 0;
	bo = script_find(s, bo_name, SCRIPT_BO);
	if (!bo)
		return -1;
	if (bo->file != vm->file)
		return script_error(s, "%s: '%s' belongs to another file",
				    s->what, bo_name);
	w->l.bo_handle = bo->id;
	return script_num_arg(s, a, "offset", true, &w->l.bo_offset) < 0 ?
	       -1 : 0;
}

int script_cmd_lookup(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	struct gpuvm_drv_lookup got = { 0 };
	struct lookup_want want;
	char ws[96], gs[96];
	uint64_t va;
	int r;

	if (!vm || script_num_arg(s, a, "va", true, &va) < 0 ||
	    parse_lookup(s, a, vm, &want))
		return -1;
	r = script_outcome(s, gpuvm_drv_vm_lookup(vm->file, vm->id, va, &got),
			   NULL);
	if (r)
		return script_finish(r);
	describe_lookup(s, vm, &want.l, ws, sizeof(ws));
	describe_lookup(s, vm, &got, gs, sizeof(gs));
	if (got.kind != want.l.kind || (got.kind == GPUVM_DRV_BO &&
	    (got.bo_handle != want.l.bo_handle ||
	     got.bo_offset != want.l.bo_offset)))
		return script_error(s, "%s: expected %s at va 0x%" PRIx64 ", found %s",
				    s->what, ws, va, gs);
	if (want.has_flags && got.flags != want.flags)
		return script_error(s, "%s: expected flags=0x%x at va 0x%" PRIx64 ", found flags=0x%x",
				    s->what, want.flags, va, got.flags);
	return 0;
}

/* ------------------------------------------------------------------ */
/* check, stats, dump, mem                                             */

/* The driver's one-line reason, captured for the FILE:LINE message. */
static void keep_detail(struct script *s, char *buf)
{
	size_t n = strlen(buf);

	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	snprintf(s->detail, sizeof(s->detail), "%s", buf);
}

int script_cmd_check(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	char buf[sizeof(s->detail)] = "";
	FILE *m;
	int ret;

	if (!vm)
		return -1;
	m = fmemopen(buf, sizeof(buf) - 1, "w");
	ret = gpuvm_drv_vm_check(vm->file, vm->id, m ? m : s->err);
	if (m) {
		fclose(m);
		buf[sizeof(buf) - 1] = '\0';
		keep_detail(s, buf);
	}
	return script_finish(script_outcome(s, ret, NULL));
}

static const struct {
	const char *key;
	size_t off;
} stat_keys[] = {
	{ "mappings", offsetof(struct gpuvm_drv_vm_stats, mappings) },
	{ "pt_pages", offsetof(struct gpuvm_drv_vm_stats, pt_pages) },
	{ "leaf_4k", offsetof(struct gpuvm_drv_vm_stats, leaf_4k) },
	{ "leaf_2m", offsetof(struct gpuvm_drv_vm_stats, leaf_2m) },
	{ "leaf_1g", offsetof(struct gpuvm_drv_vm_stats, leaf_1g) },
	{ "pte_writes", offsetof(struct gpuvm_drv_vm_stats, pte_writes) },
	{ "tlb_invalidations",
	  offsetof(struct gpuvm_drv_vm_stats, tlb_invalidations) },
	{ "pt_reserved_peak",
	  offsetof(struct gpuvm_drv_vm_stats, pt_reserved_peak) },
};

#define N_STAT_KEYS (sizeof(stat_keys) / sizeof(stat_keys[0]))

static uint64_t stat_value(const struct gpuvm_drv_vm_stats *st, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)st + stat_keys[i].off, sizeof(v));
	return v;
}

/* Asserts each key of the line against the value it names. */
static int judge_stats(struct script *s, const struct script_args *a,
		       const struct gpuvm_drv_vm_stats *st)
{
	uint64_t want;
	size_t i;
	int r;

	for (i = 0; i < N_STAT_KEYS; i++) {
		r = script_num_arg(s, a, stat_keys[i].key, false, &want);
		if (r < 0)
			return -1;
		if (r && want != stat_value(st, i))
			return script_error(s, "%s: expected %s=%" PRIu64 ", got %" PRIu64,
					    s->what, stat_keys[i].key, want,
					    stat_value(st, i));
	}
	return 0;
}

int script_cmd_stats(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	struct gpuvm_drv_vm_stats st = { 0 };
	size_t i;
	int r;

	if (!vm)
		return -1;
	r = script_outcome(s, gpuvm_drv_vm_stats(vm->file, vm->id, &st), NULL);
	if (r)
		return script_finish(r);
	fprintf(s->out, "{\"vm\":\"%s\"", vm->name);
	for (i = 0; i < N_STAT_KEYS; i++)
		fprintf(s->out, ",\"%s\":%" PRIu64, stat_keys[i].key,
			stat_value(&st, i));
	fputs("}\n", s->out);
	return judge_stats(s, a, &st);
}

struct dump_names {
	const struct script *s;
	const struct gpuvm_drv_file *file;
};

/* A BO in the dump: its script name and handle, "Tex(3)". */
static void name_bo(void *cookie, uint32_t handle, FILE *f)
{
	const struct dump_names *n = cookie;
	const char *name = script_bo_name(n->s, n->file, handle);

	if (name)
		fprintf(f, "%s(%" PRIu32 ")", name, handle);
	else
		fprintf(f, "%" PRIu32, handle);
}

int script_cmd_dump(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	const char *svg = script_arg(a, "svg");
	struct dump_names names = { .s = s };
	int r;

	if (!vm)
		return -1;
	if (svg && s->opts.no_files)
		return script_error(s, "%s: svg= is disabled (no host files)",
				    s->what);
	names.file = vm->file;
	r = script_outcome(s, gpuvm_drv_vm_dump_named(vm->file, vm->id, s->out,
						      name_bo, &names),
			   NULL);
	if (r || !svg)
		return script_finish(r);
	return script_svg_write(s, vm, svg);
}

/* used=, pt=, bo= are bytes (frames x 4 KiB); frames= counts frames. */
static int judge_mem(struct script *s, const struct script_args *a,
		     const struct gpuvm_mem_stats *st)
{
	const struct {
		const char *key;
		uint64_t frames, unit;
	} k[] = {
		{ "used", st->frames_used, GPUVM_SZ_4K },
		{ "frames", st->frames_used, 1 },
		{ "pt", st->frames_by_purpose[GPUVM_MEM_PT], GPUVM_SZ_4K },
		{ "bo", st->frames_by_purpose[GPUVM_MEM_BO], GPUVM_SZ_4K },
	};
	uint64_t want;
	size_t i;
	int r;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		r = script_num_arg(s, a, k[i].key, false, &want);
		if (r < 0)
			return -1;
		if (r && want != (uint64_t)(k[i].frames * k[i].unit))
			return script_error(s, "%s: expected %s=%s, got %" PRIu64 " frames (0x%" PRIx64 " bytes)",
					    s->what, k[i].key,
					    script_arg(a, k[i].key), k[i].frames,
					    (uint64_t)(k[i].frames * GPUVM_SZ_4K));
	}
	return 0;
}

int script_cmd_mem(struct script *s, const struct script_args *a)
{
	struct gpuvm_mem_stats st;

	gpuvm_mem_stats(gpuvm_drv_device_mem(s->dev), &st);
	fprintf(s->out, "{\"size\":%" PRIu64 ",\"frames_total\":%" PRIu64
		",\"frames_used\":%" PRIu64 ",\"frames_pt\":%" PRIu64
		",\"frames_bo\":%" PRIu64 "}\n", st.size, st.frames_total,
		st.frames_used, st.frames_by_purpose[GPUVM_MEM_PT],
		st.frames_by_purpose[GPUVM_MEM_BO]);
	return judge_mem(s, a, &st);
}
