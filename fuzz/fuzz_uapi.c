// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the panthor ioctl layer (include/gpuvm/uapi.h) fed
 * ioctls whose requests, arguments and user memory come from the input,
 * as a hostile program would make them through the shim.
 *
 * The input is a sequence of steps (docs/fuzzing.md, "fuzz_uapi"): an
 * ioctl on one of four files (any request: the 42 known ones, a known one
 * with another size or direction, or any number; the argument's bytes
 * from the input, its pointer fields aimed at NULL, an unmapped page, a
 * read-only page, numbers no mapping can have, or a 64 KiB arena whose
 * bytes and array elements come from the input too), CPU mappings and
 * their ends, opening and closing files, writes into the arena, and GPU
 * work: command streams of instruction words from the input submitted
 * to a group (GROUP_SUBMIT), run through the VM's MMU by the next ioctl
 * (each job capped at 4096 instructions). The device has no worker
 * thread, so a run is a function of its input.
 *
 * Beyond not crashing, hanging or leaking (ASan, UBSan, libFuzzer), it
 * aborts when:
 *  - an ioctl returns anything but 0 or an errno the ioctl layer gives
 *    (never EINTR, EAGAIN or a positive value);
 *  - an ioctl wrote to the arena anywhere but through the pointers the
 *    ABI makes outputs (version strings, DEV_QUERY's buffer,
 *    SYNCOBJ_QUERY's points);
 *  - a VM's page tables disagree with its VA space
 *    (gpuvm_drv_vm_check), checked on request and at the end;
 *  - a frame is still in use once every mapping has ended and every
 *    file is closed;
 *  - GROUP_GET_STATE's fatal queues and the faults the group recorded
 *    (gpuvm_uapi_group_fault) disagree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/ioctl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gpuvm/drv.h"
#include "gpuvm/mem.h"
#include "gpuvm/panthor_drm.h"
#include "gpuvm/uapi.h"

#define PAGE        4096u
#define ARENA       (64u * 1024)
#define NFILES      4
#define NMAPS       8
#define NOFFSETS    8
#define MAX_STEPS   64
#define MAX_ELEMS   8
#define FUZZ_RAM    (64ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ------------------------------------------------------------------ */
/* The input                                                           */

struct src {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct src *s, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes && s->n; i++, s->p++, s->n--)
		v |= (uint64_t)*s->p << (8 * i);
	return v;
}

#define U8(s)  ((uint8_t)take(s, 1))
#define U16(s) ((uint16_t)take(s, 2))
#define U32(s) ((uint32_t)take(s, 4))
#define U64(s) take(s, 8)

/* ------------------------------------------------------------------ */
/* Memory the "program" owns                                           */

/* arena | guard | ro page | guard | argument page */
static uint8_t *region;
static uint8_t *arena, *guard, *ro, *argpage;
static uint8_t snapshot[ARENA];

static unsigned long known[64];
static unsigned int nknown;
static unsigned long mmap_offset_req;
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int nr;

	(void)argc;
	(void)argv;
	region = mmap(NULL, ARENA + 4 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		abort();
	arena = region;
	guard = region + ARENA;
	ro = guard + PAGE;
	argpage = ro + 2 * PAGE;
	if (mprotect(guard, PAGE, PROT_NONE) || mprotect(ro, PAGE, PROT_READ) ||
	    mprotect(ro + PAGE, PAGE, PROT_NONE))
		abort();
	mmap_offset_req = gpuvm_uapi_ioctl_request("PANTHOR_BO_MMAP_OFFSET");
	/* Replaying a crash file: every ioctl and its result. */
	verbose = getenv("GPUVM_FUZZ_VERBOSE") != NULL;
	for (nr = 0; nr < 256; nr++) {
		const char *name = gpuvm_uapi_ioctl_name(_IO('d', nr));

		if (name)
			known[nknown++] = gpuvm_uapi_ioctl_request(name);
	}
	return 0;
}

/* Outputs through pointers: where an ioctl may write in the arena. */
struct span {
	uint64_t p, n;
};

static bool out_field(unsigned int nr, const char *field)
{
	switch (nr) {
	case 0x00:   /* VERSION */
		return !strcmp(field, "name") || !strcmp(field, "date") ||
		       !strcmp(field, "desc");
	case 0x01:   /* GET_UNIQUE */
		return !strcmp(field, "unique");
	case 0x40:   /* PANTHOR_DEV_QUERY */
		return !strcmp(field, "pointer");
	case 0xCB:   /* SYNCOBJ_QUERY */
		return !strcmp(field, "points");
	default:
		return false;
	}
}

/*
 * A pointer the input chooses: NULL, an unmapped page, somewhere in the
 * arena (possibly running into the guard page), in the read-only page,
 * or a number no mapping can have.
 */
static uint64_t pointer(struct src *s)
{
	switch (U8(s) % 6) {
	case 0: return 0;
	case 1: return (uintptr_t)guard;
	case 2: case 3: return (uintptr_t)arena + U16(s) % ARENA;
	case 4: return (uintptr_t)ro + U16(s) % PAGE;
	default: return U8(s) & 1 ? U16(s) % PAGE : U64(s) | (1ull << 48);
	}
}

static uint64_t field_of(const struct gpuvm_uapi_type *t, const char *name,
			 const void *obj)
{
	const struct gpuvm_uapi_field *fl =
		name ? gpuvm_uapi_field_find(t, name) : NULL;

	return fl ? gpuvm_uapi_field_get(fl, obj) : 0;
}

static bool in_arena(uint64_t p)
{
	return p >= (uintptr_t)arena && p < (uintptr_t)arena + ARENA;
}

/*
 * Aims obj's pointer fields; arrays of known elements in the arena get
 * their first elements' bytes and pointers from the input too. Output
 * spans go to outs.
 */
static void aim(struct src *s, const struct gpuvm_uapi_type *t, uint8_t *obj,
		uint32_t size, unsigned int nr, int depth, struct span *outs,
		unsigned int *nouts)
{
	unsigned int i, k;

	for (i = 0; i < t->nfields; i++) {
		const struct gpuvm_uapi_field *fl = &t->fields[i];
		uint64_t p, count, stride, room;

		if (fl->kind == GPUVM_UAPI_VALUE ||
		    fl->offset + fl->size > size)
			continue;
		p = pointer(s);
		gpuvm_uapi_field_set(fl, obj, p);
		if (!in_arena(p))
			continue;
		room = (uintptr_t)arena + ARENA - p;
		count = field_of(t, fl->count, obj);
		stride = fl->stride ? field_of(t, fl->stride, obj) : fl->elem;
		if (depth == 0 && out_field(nr, fl->name) && *nouts < 4) {
			outs[*nouts].p = p;
			outs[*nouts].n = fl->kind == GPUVM_UAPI_STRING ? room :
				(count && stride <= room / count ?
				 count * stride : room);
			(*nouts)++;
		}
		if (!fl->of || depth > 1 || stride < fl->of->size)
			continue;
		for (k = 0; k < count && k < MAX_ELEMS; k++) {
			uint8_t *e = (uint8_t *)(uintptr_t)p + k * stride;
			uint32_t n = U8(s);

			if ((k + 1) * stride > room)
				break;
			for (uint32_t b = 0; b < n && b < fl->of->size; b++)
				e[b] = U8(s);
			aim(s, fl->of, e, fl->of->size, nr, depth + 1, outs,
			    nouts);
		}
	}
}

/* ------------------------------------------------------------------ */
/* The run                                                             */

/* A file's GPU setup for the submit steps: made at the first one. */
struct gpu {
	bool made;
	uint32_t vm, group, sobj, nq;
};

struct run {
	struct gpuvm_uapi_device *dev;
	struct gpuvm_uapi_file *files[NFILES];
	struct gpu gpu[NFILES];
	struct gpuvm_uapi_mapping *maps[NMAPS];
	uint64_t offsets[NOFFSETS];
	unsigned int noffsets;
};

static bool allowed_errno(int ret)
{
	switch (-ret) {
	case 0: case EPERM: case ENOENT: case E2BIG: case EBADF:
	case ENOMEM: case EACCES: case EFAULT: case EBUSY: case EEXIST:
	case ENODEV: case EINVAL: case ENOSPC: case ERANGE: case ENOSYS:
	case EOVERFLOW: case EOPNOTSUPP: case ETIME: case ENOTTY:
		return true;
	default:
		return false;
	}
}

static void check_vms(struct run *r)
{
	unsigned int i, id;

	for (i = 0; i < NFILES; i++) {
		if (!r->files[i])
			continue;
		for (id = 1; id <= 32; id++) {
			int ret = gpuvm_drv_vm_check(
				gpuvm_uapi_file_drv(r->files[i]), id, stderr);

			if (ret == -EUCLEAN) {
				fprintf(stderr, "fuzz_uapi: VM %u of file %u: page tables and VA space differ\n",
					id, i);
				abort();
			}
		}
	}
}

static void step_ioctl(struct run *r, struct src *s)
{
	struct gpuvm_uapi_file *f = r->files[U8(s) % NFILES];
	unsigned int sel = U8(s), mode, i, nouts = 0;
	const struct gpuvm_uapi_type *t;
	struct span outs[4];
	unsigned long req;
	uint32_t size, n;
	uint8_t *obj = argpage;
	void *arg;
	int ret;

	if (!f)
		return;
	sel %= nknown + 2;
	if (sel < nknown)
		req = known[sel];
	else if (sel == nknown)
		/* A known number with another size or direction. */
		req = (known[U8(s) % nknown] & 0x3fffu) |
		      ((unsigned long)U16(s) << 16);
	else
		req = U32(s);
	t = gpuvm_uapi_ioctl_type(req);
	size = _IOC_SIZE(req);
	if (size > PAGE)
		size = PAGE;
	memset(argpage, 0, PAGE);
	n = U8(s);
	for (i = 0; i < n && i < size; i++)
		obj[i] = U8(s);
	if (t)
		aim(s, t, obj, size, _IOC_NR(req), 0, outs, &nouts);
	/* A wait must not block: nothing else runs. */
	if (t && gpuvm_uapi_field_find(t, "timeout_nsec") &&
	    _IOC_TYPE(req) == 'd')
		gpuvm_uapi_field_set(gpuvm_uapi_field_find(t, "timeout_nsec"),
				     obj, 0);
	mode = U8(s) % 8;
	arg = mode == 0 ? (void *)guard : mode == 1 ? NULL : (void *)obj;
	if (mode == 2) {
		/* Read-only: copied in, not back. */
		if (mprotect(ro, PAGE, PROT_READ | PROT_WRITE))
			abort();
		memcpy(ro, obj, size);
		if (mprotect(ro, PAGE, PROT_READ))
			abort();
		arg = ro;
	}
	memcpy(snapshot, arena, ARENA);
	ret = gpuvm_uapi_ioctl(f, req, arg);
	if (verbose)
		fprintf(stderr, "ioctl %s (0x%lx) = %d\n",
			gpuvm_uapi_ioctl_name(req) ? gpuvm_uapi_ioctl_name(req)
						   : "?", req, ret);
	if (ret > 0 || !allowed_errno(ret)) {
		fprintf(stderr, "fuzz_uapi: ioctl 0x%lx returned %d\n", req,
			ret);
		abort();
	}
	/* memcmp first: a byte loop here is most of a run's time. */
	for (i = memcmp(snapshot, arena, ARENA) ? 0 : ARENA; i < ARENA; i++) {
		uint64_t a = (uintptr_t)arena + i;
		bool ok = false;

		if (snapshot[i] == arena[i])
			continue;
		for (unsigned int k = 0; k < nouts; k++)
			ok |= a >= outs[k].p && a - outs[k].p < outs[k].n;
		if (!ok) {
			fprintf(stderr, "fuzz_uapi: ioctl 0x%lx wrote arena byte %u\n",
				req, i);
			abort();
		}
	}
	/* Mmap offsets, for the mapping steps. */
	if (!ret && req == mmap_offset_req && arg == obj) {
		uint64_t off;

		memcpy(&off, obj + 8, 8);
		r->offsets[r->noffsets++ % NOFFSETS] = off;
	}
}

static void step_mmap(struct run *r, struct src *s)
{
	struct gpuvm_uapi_file *f = r->files[U8(s) % NFILES];
	struct gpuvm_uapi_map_plan plan;
	struct gpuvm_uapi_mapping *m = NULL;
	unsigned int slot = U8(s) % NMAPS, how = U8(s);
	uint64_t off = r->offsets[U8(s) % NOFFSETS];
	uint64_t len = (uint64_t)(U8(s) + 1) * PAGE;
	int prot = U8(s) & 7, flags = how & 1 ? 0x1 : how & 2 ? 0x2 : 0x3;
	int ret;

	if (!f || r->maps[slot])
		return;
	if (how & 4)
		off += (uint64_t)U8(s) * PAGE;
	if (how & 8)
		off = U64(s);
	if (how & 16)
		len = U64(s);
	ret = gpuvm_uapi_mmap_begin(f, off, len, prot, flags, &m, &plan);
	if (verbose)
		fprintf(stderr, "mmap 0x%llx+0x%llx = %d\n",
			(unsigned long long)off, (unsigned long long)len, ret);
	if (!ret) {
		r->maps[slot] = m;
		if (how & 32)
			gpuvm_uapi_mmap_writable(m);
	}
}

static void step_files(struct run *r, struct src *s)
{
	unsigned int slot = U8(s) % NFILES, how = U8(s);

	if (r->files[slot]) {
		gpuvm_uapi_close(r->files[slot]);
		r->files[slot] = NULL;
		memset(&r->gpu[slot], 0, sizeof(r->gpu[slot]));
		return;
	}
	if (gpuvm_uapi_open(r->dev, how & 1 ? GPUVM_UAPI_PRIMARY
					    : GPUVM_UAPI_RENDER,
			    &r->files[slot]))
		r->files[slot] = NULL;
}

/* ------------------------------------------------------------------ */
/* GPU work                                                            */

#define GPU_STREAM_VA 0x100000ull     /* a 64 KiB BO, streams at its start */
#define GPU_SPARSE_VA 0x40000000ull   /* 4 MiB sparse */
#define GPU_MAX_WORDS 32

static int uioc(struct gpuvm_uapi_file *f, const char *name, void *arg)
{
	return gpuvm_uapi_ioctl(f, gpuvm_uapi_ioctl_request(name), arg);
}

/* A VM with the stream BO and a sparse range, a group, a syncobj. */
static bool gpu_make(struct gpuvm_uapi_file *f, struct gpu *g, uint32_t nq)
{
	struct drm_panthor_vm_create vc = { 0 };
	struct drm_panthor_bo_create bc = { .size = 0x10000 };
	struct drm_panthor_vm_bind_op ops[2] = {
		{ .flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, .va = GPU_STREAM_VA,
		  .size = 0x10000 },
		{ .flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP |
			   DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE |
			   DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
		  .va = GPU_SPARSE_VA, .size = 4u << 20 },
	};
	struct drm_panthor_vm_bind vb = {
		.ops = DRM_PANTHOR_OBJ_ARRAY(2, ops),
	};
	struct drm_panthor_queue_create qc[2] = {
		{ .ringbuf_size = 4096 }, { .ringbuf_size = 4096 },
	};
	struct drm_panthor_group_create gc = {
		.queues = DRM_PANTHOR_OBJ_ARRAY(nq, qc),
		.compute_core_mask = 1, .fragment_core_mask = 1,
		.tiler_core_mask = 1,
	};
	struct drm_syncobj_create sc = { 0 };

	if (uioc(f, "PANTHOR_VM_CREATE", &vc) ||
	    uioc(f, "PANTHOR_BO_CREATE", &bc))
		return false;
	ops[0].bo_handle = bc.handle;
	vb.vm_id = vc.id;
	gc.vm_id = vc.id;
	if (uioc(f, "PANTHOR_VM_BIND", &vb) ||
	    uioc(f, "PANTHOR_GROUP_CREATE", &gc) ||
	    uioc(f, "SYNCOBJ_CREATE", &sc))
		return false;
	*g = (struct gpu){ true, vc.id, gc.group_handle, sc.handle, nq };
	return true;
}

/* The group's state and its recorded faults agree. */
static void gpu_check(struct gpuvm_uapi_file *f, const struct gpu *g)
{
	struct drm_panthor_group_get_state gs = { .group_handle = g->group };
	struct gpuvm_cs_fault fault;
	uint32_t q;
	int ret;

	if (uioc(f, "PANTHOR_GROUP_GET_STATE", &gs))
		return;
	if (verbose)
		fprintf(stderr, "group %u: state 0x%x, fatal queues 0x%x\n",
			g->group, gs.state, gs.fatal_queues);
	for (q = 0; q < g->nq; q++) {
		ret = gpuvm_uapi_group_fault(f, g->group, q, &fault);
		if (ret != (gs.fatal_queues & 1u << q ? 0 : -ENODATA) ||
		    !gs.fatal_queues != !(gs.state &
					  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT)) {
			fprintf(stderr, "fuzz_uapi: group %u: state 0x%x, fatal 0x%x, queue %u's fault %d\n",
				g->group, gs.state, gs.fatal_queues, q, ret);
			abort();
		}
	}
}

/*
 * file, flags (bit 0: two queues, bit 1: queue 1, bit 2: evict the
 * stream BO first, bit 3: signal the syncobj), a word count, the words.
 */
static void step_gpu(struct run *r, struct src *s)
{
	unsigned int slot = U8(s) % NFILES, flags = U8(s);
	unsigned int n = U8(s) % (GPU_MAX_WORDS + 1), i;
	struct gpuvm_uapi_file *f = r->files[slot];
	struct gpu *g = &r->gpu[slot];
	uint64_t words[GPU_MAX_WORDS];
	struct drm_panthor_sync_op so;
	struct drm_panthor_queue_submit qs = {
		.stream_addr = n ? GPU_STREAM_VA : 0, .stream_size = n * 8,
	};
	struct drm_panthor_group_submit sub = {
		.queue_submits = DRM_PANTHOR_OBJ_ARRAY(1, &qs),
	};
	struct gpuvm_drv_lookup l;
	struct gpuvm_drv_file *d;
	int ret;

	for (i = 0; i < n; i++)
		words[i] = U64(s);
	if (!f || (!g->made && !gpu_make(f, g, flags & 1 ? 2 : 1)))
		return;
	d = gpuvm_uapi_file_drv(f);
	/* The stream goes in as a CPU write would: the fuzzed ioctls may
	 * have unmapped or replaced it, so it may not be there. */
	if (n && gpuvm_drv_vm_lookup(d, g->vm, GPU_STREAM_VA, &l) == 0 &&
	    l.kind == GPUVM_DRV_BO)
		gpuvm_drv_bo_write(d, l.bo_handle, l.bo_offset, words, n * 8);
	if (flags & 4 && gpuvm_drv_vm_lookup(d, g->vm, GPU_STREAM_VA, &l) == 0 &&
	    l.kind == GPUVM_DRV_BO)
		gpuvm_drv_bo_evict(d, l.bo_handle);
	qs.queue_index = flags & 2 ? 1 : 0;
	if (flags & 8) {
		so = (struct drm_panthor_sync_op){
			.flags = DRM_PANTHOR_SYNC_OP_SIGNAL, .handle = g->sobj,
		};
		qs.syncs = (struct drm_panthor_obj_array)
			DRM_PANTHOR_OBJ_ARRAY(1, &so);
	}
	sub.group_handle = g->group;
	ret = uioc(f, "PANTHOR_GROUP_SUBMIT", &sub);
	if (verbose)
		fprintf(stderr, "submit %u words to group %u = %d\n", n,
			g->group, ret);
	if (ret > 0 || !allowed_errno(ret)) {
		fprintf(stderr, "fuzz_uapi: GROUP_SUBMIT returned %d\n", ret);
		abort();
	}
	/* GET_STATE runs the job first, as every ioctl does. */
	gpu_check(f, g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpuvm_uapi_device_cfg cfg = { .no_worker = true };
	struct src s = { data, size };
	struct gpuvm_mem_stats st;
	struct run r;
	unsigned int steps, i;

	memset(&r, 0, sizeof(r));
	cfg.drv.ram = FUZZ_RAM;
	cfg.cs_max_instrs = 4096;
	if (U8(&s) & 1)
		cfg.drv.sparse = GPUVM_DRV_SPARSE_NULL;
	if (gpuvm_uapi_device_create(&cfg, &r.dev))
		abort();
	if (gpuvm_uapi_open(r.dev, GPUVM_UAPI_RENDER, &r.files[0]))
		abort();
	memset(arena, 0, ARENA);
	for (steps = 0; steps < MAX_STEPS && s.n; steps++) {
		unsigned int op = U8(&s) % 16, k;

		if (op < 10) {
			step_ioctl(&r, &s);
		} else if (op == 10) {
			step_mmap(&r, &s);
		} else if (op == 11) {
			k = U8(&s) % NMAPS;
			gpuvm_uapi_mmap_end(r.maps[k]);
			r.maps[k] = NULL;
		} else if (op == 12) {
			step_files(&r, &s);
		} else if (op == 13) {
			check_vms(&r);
		} else if (op == 15) {
			step_gpu(&r, &s);
		} else {
			/* Bytes into the arena. */
			uint32_t at = U16(&s) % ARENA, n = U8(&s);

			for (k = 0; k < n && at + k < ARENA; k++)
				arena[at + k] = U8(&s);
		}
	}
	check_vms(&r);
	for (i = 0; i < NMAPS; i++)
		gpuvm_uapi_mmap_end(r.maps[i]);
	for (i = 0; i < NFILES; i++)
		gpuvm_uapi_close(r.files[i]);
	gpuvm_mem_stats(gpuvm_drv_device_mem(gpuvm_uapi_device_drv(r.dev)),
			&st);
	if (st.frames_used) {
		fprintf(stderr, "fuzz_uapi: %llu frames in use with every file closed\n",
			(unsigned long long)st.frames_used);
		abort();
	}
	gpuvm_uapi_device_destroy(r.dev);
	return 0;
}
