// SPDX-License-Identifier: MIT
/*
 * DOC: VM_BIND through the ioctl layer and through the shim
 *
 * What a program pays on top of the driver for going through panthor's
 * ioctls. One pattern, three ways, one run: N single-op VM_BINDs that
 * map a 4 KiB BO at N consecutive pages, then N that unmap them, made
 *
 *  - with gpuvm_drv_vm_bind() (the driver, the baseline);
 *  - with gpuvm_uapi_ioctl(DRM_IOCTL_PANTHOR_VM_BIND) in this process
 *    (the ioctl layer: the DRM core's copies, handle lookups, checks);
 *  - with ioctl(2) on /dev/dri/renderD128 in a child run under
 *    `gpuvm shim` (what a program sees: the libc wrapper, the fd table,
 *    then the ioctl layer). The child is this executable again
 *    (`gpuvm __bench-shim-child`), and prints its times on a pipe; if the
 *    shim cannot be found the row is skipped, not guessed.
 *
 * The arguments live on the caller's stack, as they do in a driver's
 * submit path, so the layer copies them without a system call (see
 * docs/shim.md, "Cost").
 *
 * GROUP_SUBMIT latency: a 3-instruction stream submitted with a signal
 * op, then SYNCOBJ_WAIT until its syncobj is signalled, again and again:
 * with no worker (the wait's own drain runs the job) and with the
 * device's worker (whichever gets there first).
 *
 * Then the seeds' 100e6-byte resource (REFERENCE.md §1) through ioctls:
 * 24,415 VM_BINDs of one page each over a 4 KiB dummy BO, the same ops
 * in one VM_BIND, and one MAP_SPARSE op.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "gpuvm/panthor_drm.h"
#include "gpuvm/uapi.h"
#include "seeds.h"

#define BIND_VA   (1ull << 30)
#define SEEDS_VA  (1ull << 32)
#define PAGE      4096ull
#define MAX_REPS  64

static unsigned int pattern_n(const struct bench_opts *o)
{
	return o->quick ? 256 : 4096;
}

/*
 * One way of binding: the driver, or ioctls through some function. Each
 * has its own device with one VM and a 4 KiB BO.
 */
typedef int (*ioctl_fn)(void *fd, unsigned long req, void *arg);

struct side {
	ioctl_fn fn;                /* NULL: the driver */
	void *fd;
	struct bench_vm drv;
	uint32_t vm, bo;
	/* Where the op goes: NULL, the stack; else this heap block, which
	 * the layer can only read with a system call (docs/shim.md, "Cost"). */
	struct drm_panthor_vm_bind_op *heap_op;
};

static int side_bind(struct side *sd, bool map, uint64_t va)
{
	struct drm_panthor_vm_bind_op op = {
		.flags = map ? DRM_PANTHOR_VM_BIND_OP_TYPE_MAP
			     : DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
		.bo_handle = map ? sd->bo : 0, .va = va, .size = PAGE,
	};
	struct drm_panthor_vm_bind b = {
		.vm_id = sd->vm, .ops = DRM_PANTHOR_OBJ_ARRAY(1, &op),
	};

	if (sd->heap_op) {
		*sd->heap_op = op;
		b.ops.array = (uintptr_t)sd->heap_op;
	}
	if (!sd->fn)
		return bench_vm_bind1(&sd->drv, op.flags, op.bo_handle, 0, va,
				      PAGE);
	return sd->fn(sd->fd, DRM_IOCTL_PANTHOR_VM_BIND, &b);
}

static int side_open(struct side *sd)
{
	struct gpuvm_drv_device_cfg cfg = { .ram = 256ull << 20 };
	struct drm_panthor_vm_create vc = { 0 };
	struct drm_panthor_bo_create bc = { .size = PAGE };
	int ret;

	if (!sd->fn) {
		ret = bench_vm_open(&sd->drv, &cfg);
		if (!ret)
			ret = gpuvm_drv_bo_create(sd->drv.file, PAGE, 0, 0,
						  &sd->bo);
		return ret;
	}
	ret = sd->fn(sd->fd, DRM_IOCTL_PANTHOR_VM_CREATE, &vc);
	if (!ret)
		ret = sd->fn(sd->fd, DRM_IOCTL_PANTHOR_BO_CREATE, &bc);
	sd->vm = vc.id;
	sd->bo = bc.handle;
	return ret;
}

static void side_close(struct side *sd)
{
	struct drm_panthor_vm_destroy vd = { .id = sd->vm };
	struct drm_gem_close gc = { .handle = sd->bo };

	if (!sd->fn) {
		bench_vm_close(&sd->drv);
		return;
	}
	sd->fn(sd->fd, DRM_IOCTL_PANTHOR_VM_DESTROY, &vd);
	sd->fn(sd->fd, DRM_IOCTL_GEM_CLOSE, &gc);
}

/* One chunk of the pattern on one side, timed: CHUNK maps, CHUNK
 * unmaps. */
#define CHUNK 256u
#define MAX_CHUNKS (16u * MAX_REPS)

static int side_chunk(struct side *sd, double *ns)
{
	uint64_t t0 = bench_now_ns();
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < CHUNK; i++)
		ret = side_bind(sd, true, BIND_VA + i * PAGE);
	for (i = 0; !ret && i < CHUNK; i++)
		ret = side_bind(sd, false, BIND_VA + i * PAGE);
	*ns = (double)(bench_now_ns() - t0);
	return ret;
}

static unsigned int chunks_of(unsigned int n)
{
	return (n + CHUNK - 1) / CHUNK;
}

/*
 * Both sides, n maps and n unmaps each, in chunks taken in turn; each
 * chunk's time goes to ta[] and tb[] from *k on. A chunk is a fraction
 * of a millisecond, so on a shared machine whatever else runs meets both
 * sides alike, and a preemption spoils one chunk, which the median
 * drops.
 */
static int interleaved(struct side *a, struct side *b, unsigned int n,
		       double *ta, double *tb, unsigned int *k)
{
	unsigned int c;
	int ret = side_open(a);

	if (!ret)
		ret = side_open(b);
	for (c = 0; !ret && c < chunks_of(n) && *k < MAX_CHUNKS; c++) {
		ret = side_chunk(a, &ta[*k]);
		if (!ret)
			ret = side_chunk(b, &tb[*k]);
		if (!ret)
			(*k)++;
	}
	side_close(a);
	side_close(b);
	return ret;
}

static int uapi_call(void *f, unsigned long req, void *arg)
{
	return gpuvm_uapi_ioctl(f, req, arg);
}

static int open_uapi(struct gpuvm_uapi_device **dev,
		     struct gpuvm_uapi_file **f)
{
	struct gpuvm_uapi_device_cfg cfg = { .no_worker = true };
	int ret;

	cfg.drv.ram = 256ull << 20;
	ret = gpuvm_uapi_device_create(&cfg, dev);
	if (ret)
		return ret;
	ret = gpuvm_uapi_open(*dev, GPUVM_UAPI_RENDER, f);
	if (ret)
		gpuvm_uapi_device_destroy(*dev);
	return ret;
}

/* A row from chunk times: a repetition's worth of the median chunk. */
static int add_row(struct bench_report *r, const char *group,
		   const char *key, const char *name, unsigned int n,
		   double *ns, unsigned int count)
{
	struct bench_sample s = { .ops = 2ull * CHUNK * chunks_of(n),
				  .pte_writes = -1, .pt_pages = -1,
				  .pt_reserved = -1, .peak_rss = -1 };
	struct bench_row *row = bench_add(r, group, key, name);

	if (!row)
		return -ENOMEM;
	bench_row_fill(row, &s, bench_median(ns, count) * chunks_of(n));
	snprintf(row->note, sizeof(row->note), "median of %u chunks of %u "
		 "binds, taken in turn with the row it is compared with",
		 count, 2 * CHUNK);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Through the shim, in a child                                        */

static int sys_call(void *fd, unsigned long req, void *arg)
{
	return ioctl((int)(intptr_t)fd, req, arg) ? -errno : 0;
}

/* Prints a line "DRV SHIM" of chunk times (ns) per chunk. */
int bench_shim_child(int argc, char **argv)
{
	struct side drv = { 0 }, shim = { .fn = sys_call };
	static double ta[MAX_CHUNKS], tb[MAX_CHUNKS];
	unsigned int n, reps, r, k = 0, i;
	int fd, ret = 0;

	if (argc != 3 || !getenv("GPUVM_SHIM_SPARSE")) {
		fprintf(stderr, "gpuvm __bench-shim-child: for gpuvm bench, under gpuvm shim\n");
		return 2;
	}
	n = (unsigned int)strtoul(argv[1], NULL, 10);
	reps = (unsigned int)strtoul(argv[2], NULL, 10);
	fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("gpuvm __bench-shim-child: renderD128");
		return 1;
	}
	shim.fd = (void *)(intptr_t)fd;
	for (r = 0; !ret && r < reps; r++)
		ret = interleaved(&drv, &shim, n, ta, tb, &k);
	close(fd);
	if (ret) {
		fprintf(stderr, "gpuvm __bench-shim-child: %s\n",
			strerror(-ret));
		return 1;
	}
	for (i = 0; i < k; i++)
		printf("%.0f %.0f\n", ta[i], tb[i]);
	return 0;
}

/* Runs the child under the shim: its chunk times in drv[] and ns[]
 * (*count of them), or why not. */
static int run_child(unsigned int n, unsigned int reps, double *drv,
		     double *ns, unsigned int *count, char *why, size_t whyn)
{
	char cmd[512], line[64];
	unsigned int got = 0;
	FILE *p;
	int st;

	/* A program that embeds the bench and is not gpuvm would start
	 * itself again and again: one level only. */
	if (getenv("GPUVM_BENCH_CHILD")) {
		snprintf(why, whyn, "already in a child of the bench");
		return -1;
	}
	/* /proc/self/exe: this very gpuvm, which knows where its shim is. */
	snprintf(cmd, sizeof(cmd), "GPUVM_BENCH_CHILD=1 exec /proc/%d/exe "
		 "shim --ram=256M -- /proc/%d/exe __bench-shim-child %u %u 2>&1",
		 (int)getpid(), (int)getpid(), n, reps);
	p = popen(cmd, "r");
	if (!p) {
		snprintf(why, whyn, "cannot start the child: %s",
			 strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), p)) {
		char *end, *end2;
		double d = strtod(line, &end), v = strtod(end, &end2);

		if (end != line && end2 != end &&
		    (*end2 == '\n' || !*end2) && got < MAX_CHUNKS) {
			drv[got] = d;
			ns[got++] = v;
		} else {
			snprintf(why, whyn, "%.*s", (int)strcspn(line, "\n"),
				 line);
		}
	}
	st = pclose(p);
	if (st || !got) {
		if (!why[0])
			snprintf(why, whyn, "the child failed (status %d)", st);
		return -1;
	}
	*count = got;
	return 0;
}

static int shim_rows(struct bench_report *r, const char *group,
		     unsigned int n, unsigned int reps)
{
	static const char drv_name[] = "child: gpuvm_drv_vm_bind";
	static const char shim_name[] = "child: ioctl(2) under gpuvm shim";
	static double drv[MAX_CHUNKS], ns[MAX_CHUNKS];
	unsigned int count = 0;
	char why[112] = "";
	int ret;

	if (run_child(n, reps, drv, ns, &count, why, sizeof(why))) {
		ret = bench_skip(r, group, "uapi.bind.child_drv", drv_name,
				 why);
		return ret ? ret : bench_skip(r, group, "uapi.bind.shim",
					      shim_name, why);
	}
	ret = add_row(r, group, "uapi.bind.child_drv", drv_name, n, drv,
		      count);
	return ret ? ret : add_row(r, group, "uapi.bind.shim", shim_name, n,
				   ns, count);
}

/* The driver and the ioctl layer, interleaved, in this process. */
static int inproc_rows(struct bench_report *r, const char *group,
		       unsigned int n, unsigned int reps)
{
	static double drv_ns[MAX_CHUNKS], ns[MAX_CHUNKS], heap_ns[MAX_CHUNKS];
	static double drv2_ns[MAX_CHUNKS];
	struct drm_panthor_vm_bind_op *op = malloc(sizeof(*op));
	struct side drv = { 0 }, layer = { .fn = uapi_call };
	struct side heap = { .fn = uapi_call, .heap_op = op };
	struct gpuvm_uapi_device *dev;
	unsigned int k = 0, kh = 0, i;
	int ret = op ? 0 : -ENOMEM;

	if (!ret)
		ret = open_uapi(&dev, (struct gpuvm_uapi_file **)&layer.fd);
	heap.fd = layer.fd;
	for (i = 0; !ret && i < reps; i++)
		ret = interleaved(&drv, &layer, n, drv_ns, ns, &k);
	/* The same calls with the op array on the heap, taken in turn with
	 * the driver again (drv2_ns, not reported: drv_ns has it). */
	for (i = 0; !ret && i < reps; i++)
		ret = interleaved(&drv, &heap, n, drv2_ns, heap_ns, &kh);
	if (layer.fd) {
		gpuvm_uapi_close(layer.fd);
		gpuvm_uapi_device_destroy(dev);
	}
	free(op);
	if (!ret)
		ret = add_row(r, group, "uapi.bind.drv",
			      "gpuvm_drv_vm_bind (baseline)", n, drv_ns, k);
	if (!ret)
		ret = add_row(r, group, "uapi.bind.ioctl",
			      "gpuvm_uapi_ioctl (the ioctl layer)", n, ns, k);
	return ret ? ret : add_row(r, group, "uapi.bind.heap",
				   "gpuvm_uapi_ioctl, op array on the heap",
				   n, heap_ns, kh);
}

/* ------------------------------------------------------------------ */
/* The seeds through ioctls                                            */

enum seeds_way { PER_IOCTL, ONE_BATCH, SPARSE_OP, SPARSE_WARM };

static int one_bind(struct gpuvm_uapi_file *f, uint32_t vm, uint32_t bo,
		    uint64_t va)
{
	struct drm_panthor_vm_bind_op op = {
		.flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, .bo_handle = bo,
		.va = va, .size = PAGE,
	};
	struct drm_panthor_vm_bind b = {
		.vm_id = vm, .ops = DRM_PANTHOR_OBJ_ARRAY(1, &op),
	};

	return gpuvm_uapi_ioctl(f, DRM_IOCTL_PANTHOR_VM_BIND, &b);
}

struct seeds_ctx {
	enum seeds_way way;
};

static int seeds_once(void *ctx, struct bench_sample *s)
{
	const struct seeds_ctx *c = ctx;
	uint64_t pages = (SEED_RESOURCE_BYTES + PAGE - 1) / PAGE, i, t0;
	struct drm_panthor_vm_create vc = { 0 };
	struct drm_panthor_bo_create bc = { .size = PAGE };
	struct drm_panthor_vm_bind_op *ops = NULL, one = {
		.flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP |
			 DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE |
			 DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
		.va = SEEDS_VA, .size = pages * PAGE,
	};
	struct drm_panthor_vm_bind b = { 0 };
	struct gpuvm_uapi_device *dev;
	struct gpuvm_uapi_file *f;
	int ret = open_uapi(&dev, &f);

	if (ret)
		return ret;
	ret = gpuvm_uapi_ioctl(f, DRM_IOCTL_PANTHOR_VM_CREATE, &vc);
	if (!ret)
		ret = gpuvm_uapi_ioctl(f, DRM_IOCTL_PANTHOR_BO_CREATE, &bc);
	if (!ret && c->way == ONE_BATCH) {
		ops = calloc(pages, sizeof(*ops));
		ret = ops ? 0 : -ENOMEM;
		for (i = 0; ops && i < pages; i++)
			ops[i] = (struct drm_panthor_vm_bind_op){
				.flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
				.bo_handle = bc.handle,
				.va = SEEDS_VA + i * PAGE, .size = PAGE,
			};
	}
	b.vm_id = vc.id;
	if (!ret && c->way == SPARSE_WARM) {
		/* The file's dummy made by an earlier sparse op, untimed. */
		struct drm_panthor_vm_bind_op warm = one;

		warm.va = 0;
		warm.size = PAGE;
		b.ops = (struct drm_panthor_obj_array)
			DRM_PANTHOR_OBJ_ARRAY(1, &warm);
		ret = gpuvm_uapi_ioctl(f, DRM_IOCTL_PANTHOR_VM_BIND, &b);
		warm.flags = DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP;
		if (!ret)
			ret = gpuvm_uapi_ioctl(f, DRM_IOCTL_PANTHOR_VM_BIND,
					       &b);
	}
	t0 = bench_now_ns();
	switch (ret ? -1 : (int)c->way) {
	case PER_IOCTL:
		for (i = 0; !ret && i < pages; i++)
			ret = one_bind(f, vc.id, bc.handle, SEEDS_VA + i * PAGE);
		s->ops = pages;
		break;
	case ONE_BATCH:
		b.ops = (struct drm_panthor_obj_array)
			DRM_PANTHOR_OBJ_ARRAY((uint32_t)pages, ops);
		ret = gpuvm_uapi_ioctl(f, DRM_IOCTL_PANTHOR_VM_BIND, &b);
		s->ops = pages;
		break;
	case SPARSE_OP:
	case SPARSE_WARM:
		b.ops = (struct drm_panthor_obj_array)
			DRM_PANTHOR_OBJ_ARRAY(1, &one);
		ret = gpuvm_uapi_ioctl(f, DRM_IOCTL_PANTHOR_VM_BIND, &b);
		s->ops = 1;
		break;
	default:
		break;
	}
	s->ns = (double)(bench_now_ns() - t0);
	free(ops);
	gpuvm_uapi_close(f);
	gpuvm_uapi_device_destroy(dev);
	return ret;
}

/* ------------------------------------------------------------------ */
/* GROUP_SUBMIT to a signalled syncobj                                 */

#define SUBMIT_VA 0x1000000ull

struct submit_ctx {
	bool worker;       /* the device's worker runs jobs, or the wait */
	unsigned int n;    /* submits per sample */
};

static int ioc(struct gpuvm_uapi_file *f, unsigned long req, void *arg)
{
	return gpuvm_uapi_ioctl(f, req, arg);
}

/* A VM with a 3-instruction stream (a constant stored), a group, a
 * syncobj. */
static int submit_setup(struct gpuvm_uapi_file *f, uint32_t *group,
			uint32_t *sobj)
{
	struct drm_panthor_vm_create vc = { 0 };
	struct drm_panthor_bo_create bc = { .size = 0x10000 };
	struct drm_panthor_vm_bind_op op = {
		.flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, .va = SUBMIT_VA,
		.size = 0x10000,
	};
	struct drm_panthor_vm_bind b = { .ops = DRM_PANTHOR_OBJ_ARRAY(1, &op) };
	struct drm_panthor_queue_create qc = { .ringbuf_size = 4096 };
	struct drm_panthor_group_create gc = {
		.queues = DRM_PANTHOR_OBJ_ARRAY(1, &qc),
		.compute_core_mask = 1, .fragment_core_mask = 1,
		.tiler_core_mask = 1,
	};
	struct drm_syncobj_create sc = { 0 };
	uint64_t w[3] = {
		gpuvm_cs_asm_move48(68, SUBMIT_VA + 0x800),
		gpuvm_cs_asm_move32(70, 0xc0ffee),
		gpuvm_cs_asm_ldst(GPUVM_CS_OP_STORE_MULTIPLE, 70, 68, 1, 0),
	};
	int ret = ioc(f, DRM_IOCTL_PANTHOR_VM_CREATE, &vc);

	if (!ret)
		ret = ioc(f, DRM_IOCTL_PANTHOR_BO_CREATE, &bc);
	op.bo_handle = bc.handle;
	b.vm_id = gc.vm_id = vc.id;
	if (!ret)
		ret = ioc(f, DRM_IOCTL_PANTHOR_VM_BIND, &b);
	if (!ret)
		ret = gpuvm_drv_gpu_access(gpuvm_uapi_file_drv(f), vc.id,
					   GPUVM_MMU_WRITE, SUBMIT_VA, w,
					   sizeof(w), NULL);
	if (!ret)
		ret = ioc(f, DRM_IOCTL_PANTHOR_GROUP_CREATE, &gc);
	if (!ret)
		ret = ioc(f, DRM_IOCTL_SYNCOBJ_CREATE, &sc);
	*group = gc.group_handle;
	*sobj = sc.handle;
	return ret;
}

static int submit_once(void *ctx, struct bench_sample *s)
{
	const struct submit_ctx *c = ctx;
	struct gpuvm_uapi_device_cfg cfg = { .no_worker = !c->worker };
	struct gpuvm_uapi_device *dev;
	struct gpuvm_uapi_file *f;
	uint32_t group = 0, sobj = 0, i;
	struct drm_panthor_sync_op so = { .flags = DRM_PANTHOR_SYNC_OP_SIGNAL };
	struct drm_panthor_queue_submit qs = {
		.stream_addr = SUBMIT_VA, .stream_size = 24,
		.syncs = DRM_PANTHOR_OBJ_ARRAY(1, &so),
	};
	struct drm_panthor_group_submit gs = {
		.queue_submits = DRM_PANTHOR_OBJ_ARRAY(1, &qs),
	};
	struct drm_syncobj_wait wt = { .count_handles = 1 };
	uint64_t t0;
	int ret;

	cfg.drv.ram = 64ull << 20;
	ret = gpuvm_uapi_device_create(&cfg, &dev);
	if (ret)
		return ret;
	ret = gpuvm_uapi_open(dev, GPUVM_UAPI_RENDER, &f);
	if (!ret)
		ret = submit_setup(f, &group, &sobj);
	so.handle = sobj;
	gs.group_handle = group;
	wt.handles = (uintptr_t)&sobj;
	t0 = bench_now_ns();
	for (i = 0; !ret && i < c->n; i++) {
		ret = ioc(f, DRM_IOCTL_PANTHOR_GROUP_SUBMIT, &gs);
		/* Waits for the job's fence: a new one every submit. */
		wt.timeout_nsec = (int64_t)bench_now_ns() + 10000000000ll;
		if (!ret)
			ret = ioc(f, DRM_IOCTL_SYNCOBJ_WAIT, &wt);
	}
	s->ns = (double)(bench_now_ns() - t0);
	s->ops = c->n;
	if (!ret)
		gpuvm_uapi_close(f);
	gpuvm_uapi_device_destroy(dev);
	return ret;
}

static int submit_rows(struct bench_report *r, const struct bench_opts *o)
{
	static const char group[] =
		"uapi: submit to signalled syncobj, 3 instrs";
	struct submit_ctx c = { .worker = false, .n = o->quick ? 256 : 4096 };
	int ret;

	ret = bench_repeat(r, bench_reps(o), group, "uapi.submit.drain",
			   "no worker: SYNCOBJ_WAIT runs the job",
			   submit_once, &c, NULL);
	c.worker = true;
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), group,
				   "uapi.submit.worker",
				   "worker thread: the device's default",
				   submit_once, &c, NULL);
	return ret;
}

int bench_uapi(struct bench_report *r, const struct bench_opts *o)
{
	static const char bind_group[] =
		"uapi: 4 KiB VM_BIND map+unmap, one op per call";
	static const char seeds_group[] =
		"uapi: 100e6 B sparse through VM_BIND ioctls";
	unsigned int n = pattern_n(o);
	struct seeds_ctx sc;
	int ret;

	ret = inproc_rows(r, bind_group, n, bench_reps(o));
	if (!ret)
		ret = shim_rows(r, bind_group, n, bench_reps(o));
	if (!ret)
		ret = submit_rows(r, o);
	sc.way = PER_IOCTL;
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), seeds_group,
				   "uapi.seeds.4k",
				   "24,415 VM_BINDs, 4 KiB dummy BO",
				   seeds_once, &sc, NULL);
	sc.way = ONE_BATCH;
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), seeds_group,
				   "uapi.seeds.batch",
				   "one VM_BIND of the 24,415 ops",
				   seeds_once, &sc, NULL);
	sc.way = SPARSE_OP;
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), seeds_group,
				   "uapi.seeds.sparse",
				   "one VM_BIND, one MAP_SPARSE op",
				   seeds_once, &sc, NULL);
	sc.way = SPARSE_WARM;
	if (!ret)
		ret = bench_repeat(r, bench_reps(o), seeds_group,
				   "uapi.seeds.warm",
				   "one MAP_SPARSE op, the dummy already made",
				   seeds_once, &sc, NULL);
	return ret;
}
