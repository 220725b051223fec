// SPDX-License-Identifier: MIT
/*
 * DOC: ioctl-level script commands (uapi_*, umem, uhex, uset, ioctl)
 *
 * These drive the panthor ioctl layer (gpuvm/uapi.h) the way a program
 * does through the shim, and are what `gpuvm shim --trace=FILE` writes
 * (src/shim/trace.c), so a trace replays with `gpuvm run FILE`. The
 * device is the uapi layer's own, with no worker thread: queued jobs run
 * when the next ioctl starts, which is when they would have run in the
 * traced program (every ioctl runs what is ready first).
 *
 * The program's memory is modelled by buffers (umem): page-backed
 * allocations of the runner, which may end at an unmapped page (the
 * readable prefix of what the program passed) or be read-only. A pointer
 * field takes a buffer's name, `fault` (an unmapped page), or a number
 * that can never be a mapping of the runner (below 4096, or from 2^48
 * on): a script must not be able to make the ioctl layer write into the
 * runner's own memory, since the runner is a fuzz target. For the same
 * reason every buffer and the argument end at an unmapped page, and the
 * pointers a call would follow that come from raw bytes (uhex into an
 * op array, arg=) are checked before the call. Buffers live until the
 * next `ioctl` line ends.
 *
 * An ioctl line builds the argument from its fields, runs the call on a
 * copy in a page of its own, and checks the result: the errno, and every
 * field of the argument as the call left it, against `out.FIELD=` where
 * given and against what was passed otherwise (the DRM core copies the
 * whole argument back, even on failure). Wait timeouts are replaced by 0:
 * nothing else runs during a replay, so a wait that would block has
 * nothing to wait for, and a script cannot hang the runner.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <linux/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gpuvm/uapi.h"
#include "script.h"

#define PAGE 4096ull
#define SCRIPT_MAX_UMEM       (64ull << 20)     /* one buffer */
#define SCRIPT_MAX_UMEM_TOTAL (256ull << 20)    /* every live buffer */
#define POINTER_SAFE_LOW      4096ull
#define POINTER_SAFE_HIGH     (1ull << 48)

struct script_umem {
	uint8_t *map;       /* the whole allocation, guard page included */
	size_t maplen;
	size_t datalen;     /* pages holding data (the rest is the guard) */
	uint8_t *p;         /* the buffer: ends where the guard starts */
	uint64_t size;
	bool ro;
};

/* ------------------------------------------------------------------ */
/* Buffers                                                             */

static void umem_free(struct script *s, struct script_umem *m)
{
	if (!m)
		return;
	s->umem_total -= m->size;
	munmap(m->map, m->maplen);
	free(m);
}

/* Every buffer goes: after an ioctl line, and at the end. */
void script_uapi_free_umem(struct script *s)
{
	int i;

	for (i = 0; i < SCRIPT_MAX_NAMES; i++) {
		struct script_name *n = &s->names[i];

		if (n->kind == SCRIPT_UMEM) {
			umem_free(s, n->obj);
			n->kind = SCRIPT_FREE;
			n->obj = NULL;
		}
	}
}

static void *guard_page(struct script *s)
{
	void *p;

	if (s->guard)
		return s->guard;
	p = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	s->guard = p;
	return p;
}

void script_uapi_cleanup(struct script *s)
{
	script_uapi_free_umem(s);
	gpuvm_uapi_device_destroy(s->udev);
	s->udev = NULL;
	if (s->guard)
		munmap(s->guard, PAGE);
	s->guard = NULL;
}

static void set_name(struct script *s, int slot, enum script_kind kind,
		     const char *name, void *obj)
{
	struct script_name *n = &s->names[slot];

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	strcpy(n->name, name); /* checked by script_new_name: it fits */
	n->obj = obj;
}

int script_cmd_umem(struct script *s, const struct script_args *a)
{
	bool fault = script_word(a, "fault");
	struct script_umem *m;
	uint64_t size, pages;
	int slot = script_new_name(s, a->pos[0]);

	if (slot < 0 || script_num_arg(s, a, "size", true, &size) < 0)
		return -1;
	if (size > SCRIPT_MAX_UMEM)
		return script_error(s, "%s: size=%s is too large (at most 64M)",
				    s->what, script_arg(a, "size"));
	if (s->umem_total + size > SCRIPT_MAX_UMEM_TOTAL)
		return script_error(s, "%s: more than 256M of buffers",
				    s->what);
	m = calloc(1, sizeof(*m));
	if (!m)
		return script_error(s, "%s: out of memory", s->what);
	pages = (size + PAGE - 1) / PAGE;
	m->datalen = pages * PAGE;
	/* Every buffer ends at an unmapped page: a call that runs past it
	 * faults there, never in memory of the runner that happens to
	 * follow. With `fault`, the data ends right at it. */
	m->maplen = m->datalen + PAGE;
	m->map = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->map == MAP_FAILED) {
		size_t len = m->maplen;

		free(m);
		return script_error(s, "%s: cannot map %zu bytes", s->what,
				    len);
	}
	if (mprotect(m->map + m->datalen, PAGE, PROT_NONE)) {
		munmap(m->map, m->maplen);
		free(m);
		return script_error(s, "%s: mprotect failed", s->what);
	}
	m->p = fault ? m->map + m->datalen - size : m->map;
	m->size = size;
	m->ro = script_word(a, "ro");
	s->umem_total += size;
	set_name(s, slot, SCRIPT_UMEM, a->pos[0], m);
	return 0;
}

static struct script_umem *umem_arg(struct script *s, const char *name)
{
	struct script_name *n = script_find(s, name, SCRIPT_UMEM);

	return n ? n->obj : NULL;
}

int script_cmd_uhex(struct script *s, const struct script_args *a)
{
	struct script_umem *m = umem_arg(s, a->pos[0]);
	uint8_t buf[SCRIPT_MAX_DATA];
	const char *hex, *why;
	uint64_t off;
	size_t n;

	if (!m || script_num_arg(s, a, "offset", true, &off) < 0)
		return -1;
	hex = script_arg(a, "bytes");
	if (!hex)
		return script_error(s, "%s: missing bytes=", s->what);
	if (script_parse_hex(hex, buf, sizeof(buf), &n, &why))
		return script_error(s, "%s: bad bytes=: %s", s->what, why);
	if (off > m->size || n > m->size - off)
		return script_error(s, "%s: bytes past the buffer's %" PRIu64,
				    s->what, m->size);
	memcpy(m->p + off, buf, n);
	return 0;
}

/* A pointer field's value: a buffer, fault, or a number no mapping of
 * the runner can have. */
static int pointer_value(struct script *s, const char *key, const char *v,
			 uint64_t *out)
{
	const char *why;
	void *g;
	int i;

	if (!strcmp(v, "fault")) {
		g = guard_page(s);
		if (!g)
			return script_error(s, "%s: cannot map a guard page",
					    s->what);
		*out = (uintptr_t)g;
		return 0;
	}
	if ((v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z') ||
	    v[0] == '_') {
		for (i = 0; i < SCRIPT_MAX_NAMES; i++) {
			struct script_name *n = &s->names[i];

			if (n->kind == SCRIPT_UMEM && !strcmp(n->name, v)) {
				*out = (uintptr_t)((struct script_umem *)
						   n->obj)->p;
				return 0;
			}
		}
		return script_error(s, "%s: %s=%s: unknown buffer", s->what,
				    key, v);
	}
	if (script_parse_num(v, out, &why))
		return script_error(s, "%s: bad number %s=%s: %s", s->what,
				    key, v, why);
	if (*out >= POINTER_SAFE_LOW && *out < POINTER_SAFE_HIGH)
		return script_error(s, "%s: %s=%s could be memory of the runner (a pointer is a buffer, fault, or a number below 4096 or from 2^48 on)",
				    s->what, key, v);
	return 0;
}

/* key=value into obj laid out as ty; "out." keys are skipped. */
static int set_field(struct script *s, const struct gpuvm_uapi_type *ty,
		     uint8_t *obj, const char *key, const char *v)
{
	const struct gpuvm_uapi_field *fl = gpuvm_uapi_field_find(ty, key);
	const char *why;
	uint64_t x;

	if (!fl)
		return script_error(s, "%s: %s has no field '%s'", s->what,
				    ty->name, key);
	if (!v)
		return script_error(s, "%s: %s needs a value", s->what, key);
	if (fl->kind != GPUVM_UAPI_VALUE) {
		if (pointer_value(s, key, v, &x))
			return -1;
	} else {
		if (script_parse_num(v, &x, &why))
			return script_error(s, "%s: bad number %s=%s: %s",
					    s->what, key, v, why);
		if (fl->size < 8 && x >> (8 * fl->size))
			return script_error(s, "%s: %s=%s does not fit in %u bytes",
					    s->what, key, v, fl->size);
	}
	gpuvm_uapi_field_set(fl, obj, x);
	return 0;
}

int script_cmd_uset(struct script *s, const struct script_args *a)
{
	struct script_umem *m = umem_arg(s, a->pos[0]);
	const struct gpuvm_uapi_type *ty;
	uint64_t off;
	unsigned int i;

	if (!m)
		return -1;
	ty = gpuvm_uapi_type_find(a->pos[1]);
	if (!ty)
		return script_error(s, "%s: unknown layout '%s'", s->what,
				    a->pos[1]);
	if (script_num_arg(s, a, "offset", true, &off) < 0)
		return -1;
	if (off > m->size || ty->size > m->size - off)
		return script_error(s, "%s: a %s at %" PRIu64 " does not fit in the buffer's %" PRIu64 " bytes",
				    s->what, ty->name, off, m->size);
	for (i = 0; i < a->ntok; i++) {
		if (!strcmp(a->tok[i].key, "offset"))
			continue;
		if (set_field(s, ty, m->p + off, a->tok[i].key,
			      a->tok[i].val))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Device, files, mappings                                             */

static int make_device(struct script *s, uint64_t ram, bool null_sparse)
{
	struct gpuvm_uapi_device_cfg cfg = { .no_worker = true };
	int ret;

	cfg.drv.ram = ram;
	if (null_sparse)
		cfg.drv.sparse = GPUVM_DRV_SPARSE_NULL;
	ret = gpuvm_uapi_device_create(&cfg, &s->udev);
	if (ret)
		s->udev = NULL;
	return ret;
}

int script_cmd_uapi_device(struct script *s, const struct script_args *a)
{
	const char *sp = script_arg(a, "sparse");
	uint64_t ram = 0;

	if (s->udev)
		return script_error(s, "%s: the ioctl device exists already (uapi_device must come before every command that uses it)",
				    s->what);
	if (script_num_arg(s, a, "ram", false, &ram) < 0)
		return -1;
	if (sp && strcmp(sp, "null") && strcmp(sp, "dummy"))
		return script_error(s, "%s: sparse= is dummy or null",
				    s->what);
	return script_finish(script_outcome(s, make_device(s, ram, sp &&
						!strcmp(sp, "null")), NULL));
}

int script_cmd_uapi_open(struct script *s, const struct script_args *a)
{
	struct gpuvm_uapi_file *f = NULL;
	enum gpuvm_uapi_node node;
	int slot = script_new_name(s, a->pos[0]), ret, r;

	if (slot < 0)
		return -1;
	if (!strcmp(a->pos[1], "render"))
		node = GPUVM_UAPI_RENDER;
	else if (!strcmp(a->pos[1], "primary"))
		node = GPUVM_UAPI_PRIMARY;
	else
		return script_error(s, "%s: the node is render or primary",
				    s->what);
	if (!s->udev) {
		ret = make_device(s, 0, false);
		if (ret)
			return script_error(s, "%s: cannot create the ioctl device: %s",
					    s->what, strerror(-ret));
	}
	r = script_outcome(s, gpuvm_uapi_open(s->udev, node, &f), NULL);
	if (r)
		return script_finish(r);
	set_name(s, slot, SCRIPT_UFILE, a->pos[0], f);
	return 0;
}

int script_cmd_uapi_close(struct script *s, const struct script_args *a)
{
	struct script_name *n = script_find(s, a->pos[0], SCRIPT_UFILE);

	if (!n)
		return -1;
	gpuvm_uapi_close(n->obj);
	n->kind = SCRIPT_FREE;
	n->obj = NULL;
	return script_finish(script_outcome(s, 0, NULL));
}

static int int_arg(struct script *s, const struct script_args *a,
		   const char *key, int *v)
{
	uint64_t x;

	if (script_num_arg(s, a, key, true, &x) < 0)
		return -1;
	if (x > 0x7fffffff)
		return script_error(s, "%s: %s= is too large", s->what, key);
	*v = (int)x;
	return 0;
}

int script_cmd_uapi_mmap(struct script *s, const struct script_args *a)
{
	struct script_name *fn = script_find(s, a->pos[0], SCRIPT_UFILE);
	struct gpuvm_uapi_mapping *m = NULL;
	struct gpuvm_uapi_map_plan plan;
	uint64_t off, size;
	int prot = 0, flags = 0, slot, r;

	if (!fn)
		return -1;
	slot = script_new_name(s, a->pos[1]);
	if (slot < 0 || script_num_arg(s, a, "offset", true, &off) < 0 ||
	    script_num_arg(s, a, "size", true, &size) < 0 ||
	    int_arg(s, a, "prot", &prot) || int_arg(s, a, "flags", &flags))
		return -1;
	r = script_outcome(s, gpuvm_uapi_mmap_begin(fn->obj, off, size, prot,
						    flags, &m, &plan), NULL);
	if (r)
		return script_finish(r);
	set_name(s, slot, SCRIPT_UMAP, a->pos[1], m);
	return 0;
}

int script_cmd_uapi_munmap(struct script *s, const struct script_args *a)
{
	struct script_name *n = script_find(s, a->pos[0], SCRIPT_UMAP);

	if (!n)
		return -1;
	gpuvm_uapi_mmap_end(n->obj);
	n->kind = SCRIPT_FREE;
	n->obj = NULL;
	return script_finish(script_outcome(s, 0, NULL));
}

/* ------------------------------------------------------------------ */
/* ioctl                                                               */

/* The argument in memory of its own: read-only, or an unmapped page. */
struct placed {
	uint8_t *map;
	size_t len;
	uint8_t *p;
};

static int place_arg(struct script *s, const uint8_t *obj, size_t n,
		     const char *how, struct placed *pl)
{
	memset(pl, 0, sizeof(*pl));
	if (how && !strcmp(how, "fault")) {
		pl->p = guard_page(s);
		return pl->p ? 0 : script_error(s, "%s: cannot map a guard page",
						s->what);
	}
	pl->len = (n + PAGE - 1) / PAGE * PAGE + PAGE;    /* and a guard */
	pl->map = mmap(NULL, pl->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pl->map == MAP_FAILED) {
		pl->map = NULL;
		return script_error(s, "%s: cannot map the argument", s->what);
	}
	if (mprotect(pl->map + pl->len - PAGE, PAGE, PROT_NONE))
		return script_error(s, "%s: mprotect failed", s->what);
	pl->p = pl->map;
	memcpy(pl->p, obj, n);
	if (how && !strcmp(how, "ro") &&
	    mprotect(pl->map, pl->len - PAGE, PROT_READ))
		return script_error(s, "%s: mprotect failed", s->what);
	return 0;
}

/* The live buffer whose pages hold p, or NULL. */
static struct script_umem *umem_at(struct script *s, uint64_t p)
{
	int i;

	for (i = 0; i < SCRIPT_MAX_NAMES; i++) {
		struct script_name *n = &s->names[i];
		struct script_umem *m = n->obj;

		if (n->kind == SCRIPT_UMEM && p >= (uintptr_t)m->map &&
		    p < (uintptr_t)m->map + m->maplen)
			return m;
	}
	return NULL;
}

/*
 * Every pointer the call will follow, in the argument and in the
 * elements of its arrays (bytes from uhex or arg= included), must be a
 * buffer, the unmapped page or a number no mapping can have: otherwise
 * the call could read or write the runner's own memory.
 */
static int check_pointers(struct script *s, const struct gpuvm_uapi_type *ty,
			  const uint8_t *obj, uint32_t size, int depth)
{
	unsigned int i;

	for (i = 0; i < ty->nfields; i++) {
		const struct gpuvm_uapi_field *fl = &ty->fields[i];
		const struct gpuvm_uapi_field *cf, *sf;
		struct script_umem *m;
		uint64_t p, count, stride, k;

		if (fl->kind == GPUVM_UAPI_VALUE ||
		    fl->offset + fl->size > size)
			continue;
		p = gpuvm_uapi_field_get(fl, obj);
		if (p < POINTER_SAFE_LOW || p >= POINTER_SAFE_HIGH ||
		    (s->guard && p - (uintptr_t)s->guard < PAGE))
			continue;
		m = umem_at(s, p);
		if (!m)
			return script_error(s, "%s: %s=0x%" PRIx64 " points outside every buffer",
					    s->what, fl->name, p);
		if (!fl->of || depth >= 2)
			continue;
		cf = gpuvm_uapi_field_find(ty, fl->count);
		sf = fl->stride ? gpuvm_uapi_field_find(ty, fl->stride) : NULL;
		count = cf ? gpuvm_uapi_field_get(cf, obj) : 0;
		stride = sf ? gpuvm_uapi_field_get(sf, obj) : fl->elem;
		/* The elements the call can read: up to the guard page. */
		for (k = 0; k < count && stride &&
		     p + (k + 1) * stride <= (uintptr_t)m->map + m->datalen;
		     k++)
			if (check_pointers(s, fl->of,
					   (const uint8_t *)(uintptr_t)p +
					   k * stride,
					   stride < fl->of->size ?
					   (uint32_t)stride : fl->of->size,
					   depth + 1))
				return -1;
	}
	return 0;
}

/* Buffers marked ro become read-only now that they are filled. */
static int protect_buffers(struct script *s)
{
	int i;

	for (i = 0; i < SCRIPT_MAX_NAMES; i++) {
		struct script_name *n = &s->names[i];
		struct script_umem *m = n->obj;

		if (n->kind == SCRIPT_UMEM && m->ro && m->datalen &&
		    mprotect(m->map, m->datalen, PROT_READ))
			return script_error(s, "%s: mprotect failed", s->what);
	}
	return 0;
}

/* The argument as the call left it, field by field. */
static int check_out(struct script *s, const struct script_args *a,
		     const struct gpuvm_uapi_type *ty, const uint8_t *passed,
		     const uint8_t *now, uint32_t rs)
{
	unsigned int i;

	for (i = 0; i < ty->nfields; i++) {
		const struct gpuvm_uapi_field *fl = &ty->fields[i];
		char key[64];
		const char *v;
		uint64_t want, got;

		if (fl->offset + fl->size > rs)
			continue;
		snprintf(key, sizeof(key), "out.%s", fl->name);
		v = script_arg(a, key);
		want = gpuvm_uapi_field_get(fl, passed);
		if (v && script_num_arg(s, a, key, true, &want) < 0)
			return -1;
		got = gpuvm_uapi_field_get(fl, now);
		if (got != want)
			return script_error(s, "%s: %s is 0x%" PRIx64 ", expected 0x%" PRIx64,
					    s->what, fl->name, got, want);
	}
	return 0;
}

static bool is_wait(unsigned long req)
{
	return _IOC_NR(req) == 0xC3 || _IOC_NR(req) == 0xCA;
}

static int ioctl_line(struct script *s, const struct script_args *a,
		      uint8_t *obj, size_t objlen, struct placed *pl)
{
	struct script_name *fn = script_find(s, a->pos[0], SCRIPT_UFILE);
	const struct gpuvm_uapi_type *ty = NULL;
	const char *how = script_arg(a, "arg"), *tail = script_arg(a, "tail");
	const struct gpuvm_uapi_field *tf;
	struct script_umem *m;
	unsigned long canon = 0, req;
	uint64_t x;
	uint32_t rs;
	unsigned int i;
	int r;

	if (!fn)
		return -1;
	if (strcmp(a->pos[1], "raw")) {
		canon = gpuvm_uapi_ioctl_request(a->pos[1]);
		if (!canon)
			return script_error(s, "%s: unknown ioctl '%s'",
					    s->what, a->pos[1]);
		ty = gpuvm_uapi_ioctl_type(canon);
	}
	r = script_num_arg(s, a, "req", !canon, &x);
	if (r < 0)
		return -1;
	if (r && x > UINT32_MAX)
		return script_error(s, "%s: req= is a 32-bit number", s->what);
	req = r ? (unsigned long)x : canon;
	if (canon && (_IOC_TYPE(req) != 'd' || _IOC_NR(req) != _IOC_NR(canon)))
		return script_error(s, "%s: req=0x%lx is not %s's number",
				    s->what, req, a->pos[1]);
	rs = _IOC_SIZE(req);
	if (rs > objlen || (ty && ty->size > objlen))
		return script_error(s, "%s: argument too large", s->what);
	/* The bytes: a buffer's, then the tail, then the fields. */
	if (how && strcmp(how, "fault") && strcmp(how, "ro")) {
		if (!(m = umem_arg(s, how)))
			return -1;
		memcpy(obj, m->p, m->size < objlen ? m->size : objlen);
		how = NULL;
	}
	if (tail) {
		if (!ty)
			return script_error(s, "%s: tail= needs a known ioctl",
					    s->what);
		if (!(m = umem_arg(s, tail)))
			return -1;
		memcpy(obj + ty->size, m->p, m->size < objlen - ty->size ?
		       m->size : objlen - ty->size);
	}
	for (i = 0; i < a->ntok; i++) {
		const char *k = a->tok[i].key;

		if (!strcmp(k, "req") || !strcmp(k, "arg") ||
		    !strcmp(k, "tail"))
			continue;
		if (!ty)
			return script_error(s, "%s: a raw ioctl has no fields ('%s')",
					    s->what, k);
		if (!strncmp(k, "out.", 4)) {
			tf = gpuvm_uapi_field_find(ty, k + 4);
			if (!tf || tf->offset + tf->size > rs)
				return script_error(s, "%s: '%s' is not a field the call writes back",
						    s->what, k);
			continue;
		}
		if (set_field(s, ty, obj, k, a->tok[i].val))
			return -1;
	}
	/* By the request's number, so that a raw one cannot wait either. */
	if (is_wait(req) && gpuvm_uapi_ioctl_type(req) &&
	    (tf = gpuvm_uapi_field_find(gpuvm_uapi_ioctl_type(req),
					"timeout_nsec")))
		gpuvm_uapi_field_set(tf, obj, 0);
	if (gpuvm_uapi_ioctl_type(req) &&
	    check_pointers(s, gpuvm_uapi_ioctl_type(req), obj, rs, 0))
		return -1;
	if (protect_buffers(s) || place_arg(s, obj, rs, how, pl))
		return -1;
	r = script_outcome(s, gpuvm_uapi_ioctl(fn->obj, req, pl->p), NULL);
	if (r < 0)
		return -1;
	/* The DRM core writes the argument back even when the call fails. */
	if (ty && pl->map && !(how && !strcmp(how, "ro")))
		return check_out(s, a, ty, obj, pl->p, rs);
	return 0;
}

int script_cmd_ioctl(struct script *s, const struct script_args *a)
{
	/* Every request size fits: 14 bits. */
	size_t objlen = 1u << 14;
	uint8_t *obj = calloc(1, objlen);
	struct placed pl = { 0 };
	int r;

	if (!obj)
		return script_error(s, "%s: out of memory", s->what);
	r = ioctl_line(s, a, obj, objlen, &pl);
	if (pl.map)
		munmap(pl.map, pl.len);
	free(obj);
	script_uapi_free_umem(s);
	return r;
}
