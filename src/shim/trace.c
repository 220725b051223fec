// SPDX-License-Identifier: MIT
/*
 * DOC: the trace (`gpuvm shim --trace=FILE`)
 *
 * A script for `gpuvm run` (docs/script.md, "Ioctl-level commands") that
 * replays what the program did to the device with the same results: every
 * open, ioctl, mapping and close, in the order the device serialised them
 * (the uapi observer hooks run under the device's serial lock).
 *
 * An ioctl becomes an `ioctl` line: the argument's fields by name (those
 * that are not zero), `expect=ERRNO` when it failed and `out.FIELD=V` for
 * every field the call changed. What the argument points to is read from
 * the program's memory after the call (the kernel never writes to an
 * input array) and written before the line as `umem` buffers: arrays of
 * known elements as one `uset` line per element, the rest as `uhex`
 * bytes. A pointer the kernel could only partly read becomes a buffer of
 * the readable prefix followed by an unmapped page (`umem ... fault`); one
 * it could not read at all, `fault`. When a call failed with EFAULT and
 * the argument itself was readable, the buffers that are not writable are
 * marked `ro`; an argument whose copy-back faulted is `arg=ro`, one that
 * could not be read `arg=fault`.
 *
 * Each event is formatted into one buffer and written with one write(2)
 * as it happens, so a trace is complete up to the last call even if the
 * program is killed. Traces are for replay, not speed: every pointer is
 * read with process_vm_readv.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ioctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/shim_internal.h"

#define PAGE 4096ull
/* What one pointer may carry into a trace: longer arrays are cut (a
 * replay then faults where the program would have read on). */
#define MAX_ARRAY (64ull << 20)
#define MAX_STRING 65536ull
#define HEX_CHUNK 1024u
/* Elements with pointers of their own hold buffers one level down. */
#define MAX_DEPTH 2
/* Fields per layout (drm_panthor_group_create has 15). */
#define MAX_FIELDS 24

struct trace {
	int fd;
	char *buf;
	size_t len, cap;
	bool oom;
	unsigned int nmem;          /* umem names of the current ioctl */
	bool efault;                /* the current call failed with EFAULT */
};

static struct trace trace_state;

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void put(struct trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *b = realloc(t->buf, cap);

		if (!b) {
			t->oom = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}

static void flush(struct trace *t)
{
	size_t off = 0;
	ssize_t n;

	if (t->oom) {
		static const char msg[] = "# (trace out of memory here)\n";

		(void)!write(t->fd, msg, sizeof(msg) - 1);
		t->oom = false;
	}
	while (off < t->len) {
		n = write(t->fd, t->buf + off, t->len - off);
		if (n <= 0 && errno != EINTR)
			break;
		if (n > 0)
			off += (size_t)n;
	}
	t->len = 0;
}

/* A value as the scripts write it: small ones in decimal. */
static void put_num(struct trace *t, uint64_t v)
{
	if (v < 4096)
		put(t, "%" PRIu64, v);
	else
		put(t, "0x%" PRIx64, v);
}

static void put_errno(struct trace *t, int ret)
{
	const char *name = strerrorname_np(-ret);

	if (name)
		put(t, " expect=%s", name);
	else
		put(t, " expect=%d", -ret);
}

/* ------------------------------------------------------------------ */
/* The program's memory                                                */

/* How many bytes from p on can be read, at most len. */
static uint64_t readable(uint8_t *dst, uint64_t p, uint64_t len)
{
	uint64_t done = 0, n;

	if (!gpuvm_uapi_copy_from_user(dst, p, len))
		return len;
	while (done < len) {
		n = PAGE - ((p + done) & (PAGE - 1));
		if (n > len - done)
			n = len - done;
		if (gpuvm_uapi_copy_from_user(dst + done, p + done, n))
			break;
		done += n;
	}
	return done;
}

/* A NUL-terminated string's bytes (NUL included), or its readable
 * prefix; *cut when it faulted before the NUL. */
static uint64_t read_string(uint8_t *dst, uint64_t p, bool *cut)
{
	uint64_t done = 0, n, i, got;

	*cut = false;
	while (done < MAX_STRING) {
		n = PAGE - ((p + done) & (PAGE - 1));
		if (n > MAX_STRING - done)
			n = MAX_STRING - done;
		got = readable(dst + done, p + done, n);
		for (i = 0; i < got; i++)
			if (!dst[done + i])
				return done + i + 1;
		done += got;
		if (got < n) {
			*cut = true;
			return done;
		}
	}
	return done;
}

/* Every byte of [p, p + len) lies in a writable mapping. */
static bool writable(uint64_t p, uint64_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	uint64_t lo, hi, at = p;
	char perm[8], line[512];

	if (!f)
		return true;
	while (at < p + len && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", &lo, &hi,
			   perm) != 3)
			continue;
		if (hi <= at || lo > at)
			continue;
		if (perm[1] != 'w')
			break;
		at = hi;
	}
	fclose(f);
	return at >= p + len;
}

/* Bytes as uhex lines of buffer M<name>, all-zero stretches left out. */
static void put_bytes(struct trace *t, unsigned int name, const uint8_t *b,
		      uint64_t n)
{
	uint64_t i, end, a, z;

	for (i = 0; i < n; i += HEX_CHUNK) {
		end = i + HEX_CHUNK < n ? i + HEX_CHUNK : n;
		for (a = i; a < end && !b[a]; a++)
			;
		if (a == end)
			continue;
		for (z = end; !b[z - 1]; z--)
			;
		put(t, "uhex M%u offset=", name);
		put_num(t, a);
		put(t, " bytes=");
		for (; a < z; a++)
			put(t, "%02x", b[a]);
		put(t, "\n");
	}
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */

static bool user_range(uint64_t p)
{
	return p >= PAGE && p < (1ull << 47);
}

static uint64_t field(const struct gpuvm_uapi_type *ty, const char *name,
		      const void *obj)
{
	const struct gpuvm_uapi_field *fl = gpuvm_uapi_field_find(ty, name);

	return fl ? gpuvm_uapi_field_get(fl, obj) : 0;
}

static void put_fields(struct trace *t, const struct gpuvm_uapi_type *ty,
		       const uint8_t *obj, uint32_t size, char vals[][24],
		       int depth);

/* The bytes a pointer field covers, from its count and stride. */
static uint64_t pointer_len(const struct gpuvm_uapi_type *ty,
			    const struct gpuvm_uapi_field *fl,
			    const void *obj, uint64_t *stride)
{
	uint64_t count = field(ty, fl->count, obj);

	*stride = fl->stride ? field(ty, fl->stride, obj) : fl->elem;
	if (*stride && count > MAX_ARRAY / *stride)
		return MAX_ARRAY;
	return count * *stride;
}

/*
 * Writes the buffer a pointer field points to as umem lines, and its
 * value for the field's key into v: a buffer name, "fault", or a number
 * that can never be a mapping.
 */
static void put_pointer(struct trace *t, const struct gpuvm_uapi_type *ty,
			const struct gpuvm_uapi_field *fl, const void *obj,
			char *v, size_t vn, int depth)
{
	uint64_t p = gpuvm_uapi_field_get(fl, obj), len, stride = 1, n, i;
	const struct gpuvm_uapi_type *of = fl->of;
	unsigned int name;
	uint8_t *data;
	bool cut;

	if (!user_range(p)) {
		snprintf(v, vn, "0x%" PRIx64, p);
		return;
	}
	if (depth > MAX_DEPTH) {
		snprintf(v, vn, "fault");
		return;
	}
	if (fl->kind == GPUVM_UAPI_STRING)
		len = MAX_STRING;
	else
		len = pointer_len(ty, fl, obj, &stride);
	if (!len) {
		/* Never read: where it points does not matter. */
		snprintf(v, vn, "fault");
		return;
	}
	data = malloc(len);
	if (!data) {
		t->oom = true;
		snprintf(v, vn, "fault");
		return;
	}
	if (fl->kind == GPUVM_UAPI_STRING) {
		n = read_string(data, p, &cut);
	} else {
		n = readable(data, p, len);
		cut = n < len;
	}
	if (!n) {
		free(data);
		snprintf(v, vn, "fault");
		return;
	}
	name = ++t->nmem;
	snprintf(v, vn, "M%u", name);
	put(t, "umem M%u size=", name);
	put_num(t, n);
	put(t, "%s%s\n", cut ? " fault" : "",
	    t->efault && !writable(p, n) ? " ro" : "");
	if (of && stride >= of->size && fl->kind == GPUVM_UAPI_POINTER) {
		char vals[MAX_FIELDS][24];

		for (i = 0; (i + 1) * stride <= n; i++) {
			uint8_t *e = data + i * stride;

			/* Its buffers first, then the element's line. */
			put_fields(t, of, e, of->size, vals, depth + 1);
			put(t, "uset M%u %s offset=", name, of->name);
			put_num(t, i * stride);
			for (unsigned int k = 0; k < of->nfields; k++) {
				const struct gpuvm_uapi_field *ef =
					&of->fields[k];
				uint64_t x = gpuvm_uapi_field_get(ef, e);

				if (ef->kind != GPUVM_UAPI_VALUE) {
					if (x)
						put(t, " %s=%s", ef->name,
						    vals[k]);
				} else if (x) {
					put(t, " %s=", ef->name);
					put_num(t, x);
				}
			}
			put(t, "\n");
			memset(e, 0, of->size);
		}
	}
	put_bytes(t, name, data, n);
	free(data);
}

/*
 * The buffers behind obj's pointer fields, written out now; vals[k] gets
 * the value of field k for the line that follows.
 */
static void put_fields(struct trace *t, const struct gpuvm_uapi_type *ty,
		       const uint8_t *obj, uint32_t size, char vals[][24],
		       int depth)
{
	unsigned int k;

	for (k = 0; k < ty->nfields && k < MAX_FIELDS; k++) {
		const struct gpuvm_uapi_field *fl = &ty->fields[k];

		vals[k][0] = '\0';
		if (fl->kind == GPUVM_UAPI_VALUE ||
		    fl->offset + fl->size > size ||
		    !gpuvm_uapi_field_get(fl, obj))
			continue;
		put_pointer(t, ty, fl, obj, vals[k], sizeof(vals[k]), depth);
	}
}

/* Bytes the argument has past its known layout, as a buffer: its name,
 * or 0 if they are all zero. */
static unsigned int put_tail(struct trace *t, const uint8_t *b, uint32_t n)
{
	unsigned int name;
	uint32_t i;

	for (i = 0; i < n && !b[i]; i++)
		;
	if (i == n)
		return 0;
	name = ++t->nmem;
	put(t, "umem M%u size=%u\n", name, n);
	put_bytes(t, name, b, n);
	return name;
}

/* ------------------------------------------------------------------ */
/* Hooks                                                               */

static void on_open(void *cookie, struct gpuvm_uapi_file *f)
{
	struct trace *t = cookie;

	put(t, "uapi_open F%u %s\n", gpuvm_uapi_file_id(f),
	    gpuvm_uapi_file_node(f) == GPUVM_UAPI_RENDER ? "render"
							 : "primary");
	flush(t);
}

static void on_close(void *cookie, struct gpuvm_uapi_file *f)
{
	struct trace *t = cookie;

	put(t, "uapi_close F%u\n", gpuvm_uapi_file_id(f));
	flush(t);
}

#define IOC_OUT_BIT (2u << 30)   /* _IOC_READ: the kernel writes back */

static void on_ioctl(void *cookie, struct gpuvm_uapi_file *f,
		     unsigned long request, const void *in_, const void *out_,
		     uint32_t ksize, void *arg, int ret, bool out_fault)
{
	struct trace *t = cookie;
	const uint8_t *in = in_, *out = out_;
	const char *name = gpuvm_uapi_ioctl_name(request);
	const struct gpuvm_uapi_type *ty = gpuvm_uapi_ioctl_type(request);
	unsigned long canon = name ? gpuvm_uapi_ioctl_request(name) : 0;
	uint32_t rs = _IOC_SIZE(request), out_size, k;
	char vals[MAX_FIELDS][24];
	unsigned int raw = 0, tail = 0;

	(void)arg;
	t->nmem = 0;
	t->efault = ret == -EFAULT && !out_fault;
	if (!in) {
		put(t, "ioctl F%u %s", gpuvm_uapi_file_id(f),
		    name ? name : "raw");
		if (!name || request != canon)
			put(t, " req=0x%lx", request);
		if (ret == -EFAULT)
			put(t, " arg=fault");
		goto result;
	}
	if (!ty) {
		/* No layout (the modeset stand-in): the bytes as they are. */
		raw = put_tail(t, in, rs);
		put(t, "ioctl F%u raw req=0x%lx", gpuvm_uapi_file_id(f),
		    request);
		if (raw)
			put(t, " arg=M%u", raw);
		if (out_fault)
			put(t, " arg=ro");
		goto result;
	}
	put_fields(t, ty, in, rs, vals, 1);
	if (rs > ty->size)
		tail = put_tail(t, in + ty->size, rs - ty->size);
	put(t, "ioctl F%u %s", gpuvm_uapi_file_id(f), name);
	if (request != canon)
		put(t, " req=0x%lx", request);
	if (out_fault)
		put(t, " arg=ro");
	if (tail)
		put(t, " tail=M%u", tail);
	for (k = 0; k < ty->nfields; k++) {
		const struct gpuvm_uapi_field *fl = &ty->fields[k];
		uint64_t x;

		if (fl->offset + fl->size > rs)
			continue;
		x = gpuvm_uapi_field_get(fl, in);
		if (!x)
			continue;
		if (fl->kind != GPUVM_UAPI_VALUE && k < MAX_FIELDS) {
			put(t, " %s=%s", fl->name, vals[k]);
		} else {
			put(t, " %s=", fl->name);
			put_num(t, x);
		}
	}
	/* What the program saw written back. */
	out_size = request & canon & IOC_OUT_BIT ? rs : 0;
	if (!out_fault) {
		for (k = 0; k < ty->nfields; k++) {
			const struct gpuvm_uapi_field *fl = &ty->fields[k];
			uint64_t x;

			if (fl->offset + fl->size > out_size || fl->offset +
			    fl->size > ksize)
				continue;
			x = gpuvm_uapi_field_get(fl, out);
			if (x == gpuvm_uapi_field_get(fl, in))
				continue;
			put(t, " out.%s=", fl->name);
			put_num(t, x);
		}
	}
result:
	if (ret)
		put_errno(t, ret);
	put(t, "\n");
	flush(t);
}

static void on_mmap(void *cookie, struct gpuvm_uapi_file *f,
		    const struct gpuvm_uapi_mapping *m, uint64_t offset,
		    uint64_t len, int prot, int flags, int ret)
{
	struct trace *t = cookie;

	put(t, "uapi_mmap F%u P%u offset=", gpuvm_uapi_file_id(f),
	    m ? gpuvm_uapi_mapping_id(m) : 0);
	put_num(t, offset);
	put(t, " size=");
	put_num(t, len);
	put(t, " prot=%d flags=0x%x", prot, (unsigned int)flags);
	if (ret)
		put_errno(t, ret);
	put(t, "\n");
	flush(t);
}

static void on_munmap(void *cookie, const struct gpuvm_uapi_mapping *m)
{
	struct trace *t = cookie;

	put(t, "uapi_munmap P%u\n", gpuvm_uapi_mapping_id(m));
	flush(t);
}

static const struct gpuvm_uapi_hooks hooks = {
	.open = on_open, .close = on_close, .ioctl = on_ioctl,
	.mmap = on_mmap, .munmap = on_munmap,
};

int shim_trace_start(const char *path, struct gpuvm_uapi_device_cfg *cfg)
{
	struct trace *t = &trace_state;
	char mine[4096];
	const char *first = getenv("GPUVM_SHIM_TRACE_PID");

	/* The program `gpuvm shim` started writes FILE; any other process
	 * (a fork, an exec'd child) FILE.PID. */
	if (!first || strtol(first, NULL, 10) != getpid()) {
		snprintf(mine, sizeof(mine), "%s.%d", path, (int)getpid());
		path = mine;
	}
	t->fd = shim_real.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			       0644);
	if (t->fd < 0) {
		int err = errno;

		dprintf(2, "gpuvm shim: cannot write the trace %s: %s\n",
			path, strerror(err));
		return -err;
	}
	put(t, "# gpuvm shim trace of process %d: replay with `gpuvm run %s`\n",
	    (int)getpid(), path);
	put(t, "uapi_device");
	if (cfg->drv.sparse == GPUVM_DRV_SPARSE_NULL)
		put(t, " sparse=null");
	if (cfg->drv.ram) {
		put(t, " ram=");
		put_num(t, cfg->drv.ram);
	}
	put(t, "\n");
	flush(t);
	cfg->hooks = &hooks;
	cfg->hooks_cookie = t;
	return 0;
}
