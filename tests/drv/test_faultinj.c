// SPDX-License-Identifier: MIT
/*
 * Fault injection over a catalogue of driver operations: every allocation
 * site each one reaches is failed in turn, and each failure must be
 * -ENOMEM with nothing changed, until the operation succeeds, with the
 * same result as a reference run without injection.
 *
 * Two hooks reach the allocations (drv.h, "Test hooks"):
 *  - gpuvm_mem_fail_nth_alloc(): frames (BO backing, the dummy, page-table
 *    reservations, shared tables) and the BO's host structures;
 *  - gpuvm_drv_vm_fail_nth_alloc(): the host allocations of the VM's VA
 *    manager (op lists and the mappings they carry).
 * The scenario is run with the nth allocation failing for n = 1, 2, ...
 * Whether a mem injection fired is seen in gpuvm_mem_stats'
 * alloc_failures, so a site whose failure the operation absorbs (and
 * succeeds anyway) is counted and reported, not mistaken for the end.
 * The VA hook has no such counter: its loop ends at the first success.
 * The attempt whose nth allocation never comes is the retry without
 * injection (the countdown not reaching zero has no other effect); its
 * result is compared with a fresh reference run.
 *
 * "Nothing changed" is a full state text compared before and after each
 * failed attempt: frame accounting by purpose, every VM's statistics,
 * state, queue and gpuvm_drv_vm_dump, every BO's residency and contents
 * (checksum), every file's dummy residency, and GPU reads at the
 * scenario's probe addresses (value or fault kind; in checked mode, so a
 * stale TLB entry is -ESTALE); gpuvm_drv_vm_check() must be 0 for every
 * VM, which also verifies every TLB entry against the tables. Against the
 * reference the same text is compared with BO identities (host pointers
 * in the dump) renamed in order of appearance.
 *
 * Validate is documented to keep partial progress on -ENOMEM: for it each
 * attempt starts from a fresh environment, and a failed one must leave
 * every VM consistent, every probe either faulting (still evicted) or
 * reading its data (restored), and a later validate must complete with
 * every probe's data intact.
 *
 * Eviction allocates only host memory outside both hooks (the swap copy,
 * malloc, and the VM's evicted list, realloc), so its scenarios find no
 * site: they are kept to show that, and that the hooks stay harmless.
 * The same holds for a few host allocations elsewhere (the reservation's
 * page array in gpuvm_pt_resv_fill, a shared-table set's struct, a
 * queued job and its syncs, a BO's driver struct and handle table, a
 * VM's structs): no hook reaches them, so no scenario counts them.
 */
#include "drv_test.h"

/* ------------------------------------------------------------------ */
/* The environment of one scenario                                     */

#define F_FILES  2
#define F_VMS    4
#define F_BOS    8
#define F_PROBES 16
#define F_OPS    4

struct fenv;

enum run_kind { RUN_BIND, RUN_EVICT, RUN_EVICT_DUMMY, RUN_VALIDATE,
		RUN_BO_CREATE, RUN_VM_CREATE };

struct fenv {
	struct gpuvm_drv_device *dev;
	struct gpuvm_mem *mem;
	struct gpuvm_drv_file *file[F_FILES];
	unsigned int nfiles;
	struct { unsigned int file; uint32_t id; } vm[F_VMS];
	unsigned int nvm;
	struct { unsigned int file; uint32_t h; uint64_t size; } bo[F_BOS];
	unsigned int nbo;
	struct { unsigned int vm; uint64_t va; } probe[F_PROBES];
	unsigned int nprobe;
	/* The operation. */
	enum run_kind run;
	unsigned int op_vm;        /* vm[] index: bind, validate, VA hook */
	unsigned int op_file;      /* file[] index: dummy, BO and VM create */
	uint32_t bflags;
	struct gpuvm_drv_bind_op ops[F_OPS];
	uint32_t nops;
	struct gpuvm_drv_sync syncs[F_OPS];
	uint32_t handle;           /* evict */
	uint64_t size;             /* BO create */
	unsigned int chunks;
};

struct scenario {
	const char *name;
	struct gpuvm_drv_device_cfg cfg;
	void (*setup)(struct fenv *e);
	bool partial;              /* validate: progress stays on -ENOMEM */
	/*
	 * The op made room before it failed: the shrinker's evictions stand,
	 * as reclaim does in a kernel (drv.h). Then: consistent, each probe
	 * intact or evicted, and a retry plus validate gives everything back.
	 */
	bool reclaims;
};

static unsigned int f_file(struct fenv *e)
{
	assert_true(e->nfiles < F_FILES);
	assert_int_equal(gpuvm_drv_file_open(e->dev, &e->file[e->nfiles]), 0);
	return e->nfiles++;
}

static unsigned int f_vm(struct fenv *e, unsigned int file)
{
	uint32_t id = 0;

	assert_true(e->nvm < F_VMS);
	assert_int_equal(gpuvm_drv_vm_create(e->file[file], 0, &id), 0);
	e->vm[e->nvm].file = file;
	e->vm[e->nvm].id = id;
	return e->nvm++;
}

/* Records a BO the environment tracks (handle h of file). */
static uint32_t f_track(struct fenv *e, unsigned int file, uint32_t h,
			uint64_t size)
{
	assert_true(e->nbo < F_BOS);
	e->bo[e->nbo].file = file;
	e->bo[e->nbo].h = h;
	e->bo[e->nbo].size = size;
	e->nbo++;
	return h;
}

/*
 * A BO whose page p starts with pat(tag, p); only the first and last 64
 * pages of a large BO are written (the rest stays zero, and untouched on
 * the host).
 */
static uint32_t f_bo(struct fenv *e, unsigned int file, uint64_t pages,
		     uint32_t tag, unsigned int chunks)
{
	uint32_t h = 0, v;
	uint64_t p;

	assert_int_equal(gpuvm_drv_bo_create(e->file[file], pages * SZ_4K, 0,
					     chunks, &h), 0);
	for (p = 0; p < pages; p++) {
		if (p == 64 && pages > 128)
			p = pages - 64;
		v = pat(tag, p);
		assert_int_equal(gpuvm_drv_bo_write(e->file[file], h,
						    p * SZ_4K, &v, 4), 0);
	}
	return f_track(e, file, h, pages * SZ_4K);
}

static struct gpuvm_drv_file *vm_file(const struct fenv *e, unsigned int vm)
{
	return e->file[e->vm[vm].file];
}

static void f_bind(struct fenv *e, unsigned int vm, uint32_t flags,
		   uint32_t h, uint64_t off, uint64_t va, uint64_t size,
		   uint64_t repeat)
{
	bind_ok(vm_file(e, vm), e->vm[vm].id, flags, h, off, va, size, repeat);
}

static void f_probe(struct fenv *e, unsigned int vm, uint64_t va)
{
	assert_true(e->nprobe < F_PROBES);
	e->probe[e->nprobe].vm = vm;
	e->probe[e->nprobe].va = va;
	e->nprobe++;
}

/* A GPU write: signs the dummy (or a BO) at va with its own address. */
static void f_sign(struct fenv *e, unsigned int vm, uint64_t va)
{
	struct gpuvm_mmu_fault fault;
	uint32_t v = 0x5a000000u | (uint32_t)(va >> 12 & 0xffffff);

	assert_int_equal(gpuvm_drv_gpu_access(vm_file(e, vm), e->vm[vm].id,
					      GPUVM_MMU_WRITE, va, &v, 4,
					      &fault), 0);
}

/* The op: one bind op into ops[nops]. */
static void f_op(struct fenv *e, unsigned int vm, uint32_t flags,
		 uint32_t h, uint64_t off, uint64_t va, uint64_t size,
		 uint64_t repeat)
{
	assert_true(e->nops < F_OPS);
	e->run = RUN_BIND;
	e->op_vm = vm;
	e->ops[e->nops++] = (struct gpuvm_drv_bind_op){
		.flags = flags, .bo_handle = h, .bo_offset = off, .va = va,
		.size = size, .repeat = repeat,
	};
}

static struct fenv *fenv_make(const struct scenario *sc)
{
	struct fenv *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(gpuvm_drv_device_create(&sc->cfg, &e->dev), 0);
	e->mem = gpuvm_drv_device_mem(e->dev);
	f_file(e);
	f_vm(e, 0);
	sc->setup(e);
	return e;
}

static void fenv_free(struct fenv *e)
{
	if (!e)
		return;
	gpuvm_drv_device_destroy(e->dev);
	free(e);
}

static int fenv_run(struct fenv *e)
{
	struct gpuvm_drv_file *f = e->op_vm < e->nvm ? vm_file(e, e->op_vm) :
						       NULL;
	uint32_t failed = 0xdead, h = 0, id = 0;
	int ret = -EINVAL;

	switch (e->run) {
	case RUN_BIND:
		ret = gpuvm_drv_vm_bind(f, e->vm[e->op_vm].id, e->bflags,
					e->ops, e->nops, &failed);
		if (ret && failed >= e->nops)
			fail_msg("bind = %d with *failed = %u", ret, failed);
		break;
	case RUN_EVICT:
		ret = gpuvm_drv_bo_evict(f, e->handle);
		break;
	case RUN_EVICT_DUMMY:
		ret = gpuvm_drv_dummy_evict(f);
		break;
	case RUN_VALIDATE:
		ret = gpuvm_drv_vm_validate(f, e->vm[e->op_vm].id);
		break;
	case RUN_BO_CREATE:
		ret = gpuvm_drv_bo_create(e->file[e->op_file], e->size, 0,
					  e->chunks, &h);
		if (!ret)
			f_track(e, e->op_file, h, e->size);
		break;
	case RUN_VM_CREATE:
		ret = gpuvm_drv_vm_create(e->file[e->op_file], 0, &id);
		if (!ret) {
			assert_true(e->nvm < F_VMS);
			e->vm[e->nvm].file = e->op_file;
			e->vm[e->nvm].id = id;
			e->nvm++;
		}
		break;
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* The state text                                                      */

/* Renames "bo=<host pointer>" to "bo=#k", k in order of appearance. */
static void put_normalized(FILE *t, const char *d)
{
	char ids[F_BOS + 4][24];
	unsigned int n = 0, k;
	const char *p;
	size_t len;

	while ((p = strstr(d, "bo="))) {
		fwrite(d, 1, (size_t)(p - d) + 3, t);
		p += 3;
		len = strspn(p, "0123456789");
		assert_true(len > 0 && len < sizeof(ids[0]));
		for (k = 0; k < n; k++)
			if (strlen(ids[k]) == len && !memcmp(ids[k], p, len))
				break;
		if (k == n) {
			assert_true(n < F_BOS + 4);
			memcpy(ids[n], p, len);
			ids[n++][len] = '\0';
		}
		fprintf(t, "#%u", k);
		d = p + len;
	}
	fputs(d, t);
}

static void state_vm(FILE *t, struct fenv *e, unsigned int i, bool norm)
{
	struct gpuvm_drv_file *f = vm_file(e, i);
	struct gpuvm_drv_vm_stats st;
	char *d;

	fprintf(t, "file %u ", e->vm[i].file);
	put_vm_state(t, f, e->vm[i].id, &st);
	/*
	 * The high-water mark of reservations, except for an async batch:
	 * refused after its first jobs filled theirs, it legitimately
	 * remembers them (as test_drv.c's async validation says).
	 */
	if (e->run != RUN_BIND || !(e->bflags & ASYNC))
		fprintf(t, "  reserved peak %" PRIu64 "\n",
			st.pt_reserved_peak);
	d = dump_of(f, e->vm[i].id);
	if (norm)
		put_normalized(t, d);
	else
		fputs(d, t);
	free(d);
}

static char *state_of(struct fenv *e, bool norm)
{
	struct gpuvm_mmu_fault fault;
	struct gpuvm_mem_stats ms;
	char *text = NULL;
	size_t len = 0;
	unsigned int i;
	uint32_t v;
	bool res;
	FILE *t;
	int ret;

	t = open_memstream(&text, &len);
	assert_non_null(t);
	gpuvm_mem_stats(e->mem, &ms);
	fprintf(t, "frames %" PRIu64 " (pt %" PRIu64 ", bo %" PRIu64 ")\n",
		ms.frames_used, ms.frames_by_purpose[GPUVM_MEM_PT],
		ms.frames_by_purpose[GPUVM_MEM_BO]);
	for (i = 0; i < e->nvm; i++)
		state_vm(t, e, i, norm);
	for (i = 0; i < e->nbo; i++) {
		struct gpuvm_drv_file *f = e->file[e->bo[i].file];

		assert_int_equal(gpuvm_drv_bo_resident(f, e->bo[i].h, &res), 0);
		fprintf(t, "bo %u/%u: resident %d, sum %016" PRIx64 "\n",
			e->bo[i].file, e->bo[i].h, res,
			bo_sum(f, e->bo[i].h, e->bo[i].size));
	}
	for (i = 0; i < e->nfiles; i++) {
		res = false;
		ret = gpuvm_drv_bo_resident(e->file[i], 0, &res);
		fprintf(t, "dummy %u: %d, resident %d\n", i, ret, res);
	}
	for (i = 0; i < e->nprobe; i++) {
		unsigned int vm = e->probe[i].vm;

		v = 0;
		memset(&fault, 0, sizeof(fault));
		ret = gpuvm_drv_gpu_access(vm_file(e, vm), e->vm[vm].id,
					   GPUVM_MMU_READ, e->probe[i].va, &v,
					   4, &fault);
		fprintf(t, "probe 0x%" PRIx64 ": %d %s 0x%08x\n",
			e->probe[i].va, ret, gpuvm_mmu_fault_name(fault.kind),
			v);
	}
	assert_int_equal(gpuvm_mem_validate(e->mem, stderr), 0);
	assert_int_equal(fclose(t), 0);
	return text;
}

static uint64_t alloc_failures(struct fenv *e)
{
	struct gpuvm_mem_stats ms;

	gpuvm_mem_stats(e->mem, &ms);
	return ms.alloc_failures;
}

/* ------------------------------------------------------------------ */
/* Running a scenario                                                  */

enum hook { HOOK_MEM, HOOK_VA };

static void arm(struct fenv *e, enum hook hook, uint64_t n)
{
	unsigned int vm = e->op_vm;

	if (hook == HOOK_MEM)
		gpuvm_mem_fail_nth_alloc(e->mem, n);
	else if (vm < e->nvm)
		assert_int_equal(gpuvm_drv_vm_fail_nth_alloc(vm_file(e, vm),
							     e->vm[vm].id, n),
				 0);
}

/* An async batch queued: signal what its first op waits for, run it. */
static void settle(struct fenv *e)
{
	uint32_t ran = 0;

	if (e->run != RUN_BIND || !(e->bflags & ASYNC))
		return;
	assert_int_equal(gpuvm_drv_timeline_signal(e->dev, 1, 1), 0);
	assert_int_equal(gpuvm_drv_run(e->dev, &ran), 0);
	assert_int_equal(ran, e->nops);
}

/*
 * A reference run: the scenario's op without injection, on a fresh
 * environment that took one state snapshot first (reading BOs orders the
 * LRU, and the injected runs read them the same way before their op).
 */
static struct fenv *reference(const struct scenario *sc)
{
	struct fenv *ref = fenv_make(sc);
	char *s = state_of(ref, false);

	free(s);
	assert_int_equal(fenv_run(ref), 0);
	return ref;
}

static bool same_text(struct fenv *e, struct fenv *ref, const char *what)
{
	char *a = state_of(ref, true), *b = state_of(e, true);
	bool ok = !strcmp(a, b);

	if (!ok) {
		print_error("%s: the state differs\n", what);
		print_text_diff(a, b, 8);
	}
	free(a);
	free(b);
	return ok;
}

/* The state e reached equals a reference run's (then both settled). */
static bool same_as_ref(const struct scenario *sc, struct fenv *e,
			const char *what)
{
	struct fenv *ref = reference(sc);
	bool ok = same_text(e, ref, what);

	if (ok && e->run == RUN_BIND && (e->bflags & ASYNC)) {
		settle(e);
		settle(ref);
		ok = same_text(e, ref, what);
	}
	fenv_free(ref);
	return ok;
}

/*
 * Every VM consistent (state_of checks them), and each probe reads what
 * the reference reads there, or (if evicted_ok) faults as still evicted.
 */
static bool probes_ok(const struct scenario *sc, struct fenv *e,
		      bool evicted_ok, const char *what)
{
	struct fenv *ref = reference(sc);
	struct gpuvm_mmu_fault fault;
	char *text = state_of(e, false);
	uint32_t v, want;
	unsigned int i;
	bool ok = true;
	int ret;

	free(text);
	for (i = 0; ok && i < e->nprobe; i++) {
		unsigned int vm = e->probe[i].vm;

		ret = gpuvm_drv_gpu_access(vm_file(ref, vm), ref->vm[vm].id,
					   GPUVM_MMU_READ, ref->probe[i].va,
					   &want, 4, &fault);
		assert_int_equal(ret, 0);
		v = 0;
		memset(&fault, 0, sizeof(fault));
		ret = gpuvm_drv_gpu_access(vm_file(e, vm), e->vm[vm].id,
					   GPUVM_MMU_READ, e->probe[i].va, &v,
					   4, &fault);
		if (evicted_ok && ret == -EFAULT &&
		    fault.kind == GPUVM_MMU_FAULT_TRANSLATION)
			continue; /* still evicted */
		if (ret || v != want) {
			print_error("%s: probe 0x%" PRIx64 " = %d, 0x%08x; want"
				    " %s0x%08x\n", what, e->probe[i].va, ret, v,
				    evicted_ok ? "a translation fault or " : "",
				    want);
			ok = false;
		}
	}
	fenv_free(ref);
	return ok;
}

/* Validate's -ENOMEM: consistent, each probe evicted or intact, and a
 * later validate completes with the data intact. */
static bool partial_ok(const struct scenario *sc, struct fenv *e,
		       const char *what)
{
	bool ok = probes_ok(sc, e, true, what);

	assert_int_equal(fenv_run(e), 0);
	return probes_ok(sc, e, false, what) && ok;
}

/*
 * A failed op that had evicted to make room (see scenario.reclaims): it
 * must be consistent, and the retry must end exactly where the reference
 * ends (whose own run evicts the same way).
 */
static bool reclaim_ok(const struct scenario *sc, struct fenv *e,
		       const char *what)
{
	unsigned int i;

	for (i = 0; i < e->nvm; i++)
		assert_int_equal(gpuvm_drv_vm_check(vm_file(e, i), e->vm[i].id,
						    stderr), 0);
	assert_int_equal(fenv_run(e), 0);
	return same_as_ref(sc, e, what);
}

struct tally {
	uint64_t mem_sites, va_sites, absorbed;
};

/*
 * Fails the nth allocation of one hook for n = 1, 2, ... on scenario sc.
 * Returns the sites found; *absorbed counts mem injections that fired
 * yet the operation succeeded.
 */
static uint64_t inject(const struct scenario *sc, enum hook hook,
		       uint64_t *absorbed, bool *ok)
{
	const char *hname = hook == HOOK_MEM ? "mem" : "VA";
	struct fenv *e = NULL;
	uint64_t n, sites = 0, f0;
	char *before = NULL, *after, what[160];
	bool fired;
	int ret;

	for (n = 1;; n++) {
		if (n > 2000)
			fail_msg("%s: still failing after %" PRIu64 " %s "
				 "injections", sc->name, n, hname);
		if (!e) {
			e = fenv_make(sc);
			free(before);
			before = state_of(e, false);
		}
		snprintf(what, sizeof(what), "%s, %s allocation %" PRIu64
			 " failing", sc->name, hname, n);
		f0 = alloc_failures(e);
		arm(e, hook, n);
		ret = fenv_run(e);
		arm(e, hook, 0);
		fired = hook == HOOK_MEM ? alloc_failures(e) != f0 : ret != 0;
		if (!fired) {
			if (ret)
				fail_msg("%s: = %d without an injection", what,
					 ret);
			break;
		}
		sites++;
		if (!ret) {
			/*
			 * Absorbed. Validate documents a best-effort site (the
			 * shared-table rebuild: private tables instead), so
			 * its result need only be consistent with the data
			 * intact; anything else must be the reference's.
			 */
			++*absorbed;
			print_message("  %s: absorbed (the op succeeded)\n",
				      what);
			if (sc->partial ? !probes_ok(sc, e, false, what) :
					  !same_as_ref(sc, e, what))
				*ok = false;
			fenv_free(e);
			e = NULL;
			continue;
		}
		if (ret != -ENOMEM)
			fail_msg("%s: = %d, want -ENOMEM", what, ret);
		if (sc->partial || sc->reclaims) {
			if (!(sc->partial ? partial_ok(sc, e, what) :
					    reclaim_ok(sc, e, what)))
				*ok = false;
			fenv_free(e);
			e = NULL;
			continue;
		}
		after = state_of(e, false);
		if (strcmp(before, after)) {
			print_error("%s: the state differs\n", what);
			print_text_diff(before, after, 8);
			*ok = false;
			/* Go on from a fresh environment. */
			fenv_free(e);
			e = NULL;
		}
		free(after);
	}
	/* The retry without injection: the reference's result. */
	snprintf(what, sizeof(what), "%s, after %" PRIu64 " %s injections",
		 sc->name, sites, hname);
	if (!same_as_ref(sc, e, what))
		*ok = false;
	if (sc->partial && !probes_ok(sc, e, false, what))
		*ok = false;
	free(before);
	fenv_free(e);
	return sites;
}

static bool run_scenario(const struct scenario *sc, struct tally *t)
{
	uint64_t mem, va, absorbed = 0;
	bool ok = true;

	mem = inject(sc, HOOK_MEM, &absorbed, &ok);
	va = inject(sc, HOOK_VA, &absorbed, &ok);
	print_message("  %-44s %3" PRIu64 " mem + %2" PRIu64 " VA sites%s\n",
		      sc->name, mem, va, absorbed ? " (some absorbed)" : "");
	t->mem_sites += mem;
	t->va_sites += va;
	t->absorbed += absorbed;
	return ok;
}

/* ------------------------------------------------------------------ */
/* Scenarios                                                           */

/* A BO map into the middle of a sparse 2 MiB block: split it. */
static void sc_bo_over_sparse(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, 4, 0x1, 0);

	f_bind(e, 0, SPARSE, 0, 0, 2 * SZ_1G, 8 * SZ_1M, 0);
	f_sign(e, 0, 2 * SZ_1G + SZ_2M + 0x40);
	f_op(e, 0, T_MAP, h, 0, 2 * SZ_1G + SZ_2M + SZ_4K, 4 * SZ_4K, 0);
	f_probe(e, 0, 2 * SZ_1G + SZ_2M);
	f_probe(e, 0, 2 * SZ_1G + SZ_2M + SZ_4K);
	f_probe(e, 0, 2 * SZ_1G + SZ_2M + 5 * SZ_4K);
	f_probe(e, 0, 2 * SZ_1G + 5 * SZ_2M + 0x40);
}

/* A sparse map over a sparse range, a BO and another sparse range. */
static void sc_sparse_over_mixed(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, 16, 0x2, 0);

	f_bind(e, 0, SPARSE, 0, 0, 2 * SZ_1G, 4 * SZ_1M, 0);
	f_bind(e, 0, T_MAP, h, 0, 2 * SZ_1G + 4 * SZ_1M, 16 * SZ_4K, 0);
	f_bind(e, 0, SPARSE, 0, 0, 2 * SZ_1G + 4 * SZ_1M + 16 * SZ_4K, SZ_2M,
	       0);
	f_sign(e, 0, 2 * SZ_1G + 0x80);
	f_op(e, 0, SPARSE, 0, 0, 2 * SZ_1G + SZ_1M, 6 * SZ_1M, 0);
	f_probe(e, 0, 2 * SZ_1G + SZ_1M - SZ_4K);
	f_probe(e, 0, 2 * SZ_1G + 4 * SZ_1M);
	f_probe(e, 0, 2 * SZ_1G + 7 * SZ_1M - SZ_4K);
	f_probe(e, 0, 2 * SZ_1G + 7 * SZ_1M);
}

/* A repeat of 2 MiB blocks, unmapped in its middle: block split and a
 * REMAP whose right piece carries the phase. */
static void sc_repeat_unmap(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, 1024, 0x3, 0);

	f_bind(e, 0, T_MAP, h, SZ_2M, 4 * SZ_1G, 8 * SZ_1M, SZ_2M);
	f_op(e, 0, T_UNMAP, 0, 0, 4 * SZ_1G + 3 * SZ_1M, 2 * SZ_4K, 0);
	f_probe(e, 0, 4 * SZ_1G + 3 * SZ_1M - SZ_4K);
	f_probe(e, 0, 4 * SZ_1G + 3 * SZ_1M);
	f_probe(e, 0, 4 * SZ_1G + 3 * SZ_1M + 2 * SZ_4K);
	f_probe(e, 0, 4 * SZ_1G + 6 * SZ_1M);
}

/* A BO mapped into the middle of a repeat of three pages. */
static void sc_repeat_bo_middle(struct fenv *e)
{
	uint32_t r = f_bo(e, 0, 5, 0x4, 2), h = f_bo(e, 0, 2, 0x5, 0);

	f_bind(e, 0, T_MAP, r, SZ_4K, 4 * SZ_1G, 40 * SZ_4K, 3 * SZ_4K);
	f_op(e, 0, T_MAP | F_RO, h, 0, 4 * SZ_1G + 17 * SZ_4K, 2 * SZ_4K, 0);
	f_probe(e, 0, 4 * SZ_1G + 16 * SZ_4K);
	f_probe(e, 0, 4 * SZ_1G + 17 * SZ_4K);
	f_probe(e, 0, 4 * SZ_1G + 19 * SZ_4K);
	f_probe(e, 0, 4 * SZ_1G + 39 * SZ_4K);
}

/* Partial unmap of a 2 MiB BO block. */
static void sc_unmap_2m(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, 1024, 0x6, 0);

	f_bind(e, 0, T_MAP, h, 0, 2 * SZ_1G, 4 * SZ_1M, 0);
	f_op(e, 0, T_UNMAP, 0, 0, 2 * SZ_1G + SZ_1M, SZ_4K, 0);
	f_probe(e, 0, 2 * SZ_1G);
	f_probe(e, 0, 2 * SZ_1G + SZ_1M);
	f_probe(e, 0, 2 * SZ_1G + SZ_1M + SZ_4K);
	f_probe(e, 0, 2 * SZ_1G + 4 * SZ_1M - SZ_4K);
}

/* Partial unmap of a 1 GiB BO block: 1 GiB -> 2 MiB table -> 4 KiB. */
static void sc_unmap_1g(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, SZ_1G / SZ_4K, 0x7, 0);
	struct gpuvm_drv_vm_stats st;

	f_bind(e, 0, T_MAP, h, 0, SZ_1G, SZ_1G, 0);
	assert_int_equal(gpuvm_drv_vm_stats(e->file[0], e->vm[0].id, &st), 0);
	assert_int_equal(st.leaf_1g, 1);
	f_op(e, 0, T_UNMAP, 0, 0, SZ_1G + 5 * SZ_2M + SZ_4K, SZ_4K, 0);
	f_probe(e, 0, SZ_1G);
	f_probe(e, 0, SZ_1G + 5 * SZ_2M);
	f_probe(e, 0, SZ_1G + 5 * SZ_2M + SZ_4K);
	f_probe(e, 0, 2 * SZ_1G - SZ_4K);
}

/* Partial unmap of a NULL sparse 1 GiB leaf. */
static void sc_null_unmap_1g(struct fenv *e)
{
	f_bind(e, 0, SPARSE, 0, 0, SZ_1G, 2 * SZ_1G, 0);
	f_op(e, 0, T_UNMAP, 0, 0, SZ_1G + SZ_2M + SZ_4K, SZ_4K, 0);
	f_probe(e, 0, SZ_1G + SZ_2M);
	f_probe(e, 0, SZ_1G + SZ_2M + SZ_4K);
	f_probe(e, 0, 3 * SZ_1G - SZ_4K);
}

/* A BO map over NULL sparse 1 GiB leaves. */
static void sc_bo_over_null(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, 4, 0x8, 0);

	f_bind(e, 0, SPARSE, 0, 0, SZ_1G, 2 * SZ_1G, 0);
	f_op(e, 0, T_MAP, h, 0, 2 * SZ_1G - SZ_4K, 4 * SZ_4K, 0);
	f_probe(e, 0, 2 * SZ_1G - 2 * SZ_4K);
	f_probe(e, 0, 2 * SZ_1G - SZ_4K);
	f_probe(e, 0, 2 * SZ_1G + 3 * SZ_4K);
}

/* A sparse map holding a whole 1 GiB slot on a file without a dummy:
 * the dummy, its shared tables and the edges' private tables. */
static void sc_sparse_fresh_1g(struct fenv *e)
{
	f_op(e, 0, SPARSE, 0, 0, SZ_1G - SZ_4K, SZ_1G + 2 * SZ_4K, 0);
	f_probe(e, 0, SZ_1G - SZ_4K);
	f_probe(e, 0, SZ_1G + 7 * SZ_2M);
	f_probe(e, 0, 2 * SZ_1G);
}

/* A read-only sparse map across 512 GiB: a second protection's set. */
static void sc_sparse_512g(struct fenv *e)
{
	f_bind(e, 0, SPARSE, 0, 0, 2 * SZ_1G, SZ_2M, 0);
	f_sign(e, 0, 2 * SZ_1G + 0x100);
	f_op(e, 0, SPARSE | F_RO, 0, 0, 512 * SZ_1G - SZ_2M - SZ_4K,
	     2 * SZ_1G + SZ_2M + SZ_4K, 0);
	f_probe(e, 0, 512 * SZ_1G - SZ_2M - SZ_4K);
	f_probe(e, 0, 512 * SZ_1G + 0x100);
	f_probe(e, 0, 513 * SZ_1G + 77 * SZ_2M + 0x100);
}

/* A NULL sparse map holding whole 1 GiB slots: the device's tables. */
static void sc_null_whole_1g(struct fenv *e)
{
	f_op(e, 0, SPARSE, 0, 0, SZ_1G - SZ_4K, 2 * SZ_1G + 2 * SZ_4K, 0);
	f_probe(e, 0, SZ_1G - SZ_4K);
	f_probe(e, 0, 2 * SZ_1G + 0x40);
	f_probe(e, 0, 3 * SZ_1G);
}

/* A map of an evicted BO: the bind restores it first. */
static void sc_map_evicted(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, 16, 0x9, 3);

	f_bind(e, 0, T_MAP, h, 0, 2 * SZ_1G, 16 * SZ_4K, 0);
	assert_int_equal(gpuvm_drv_bo_evict(e->file[0], h), 0);
	f_op(e, 0, T_MAP, h, 4 * SZ_4K, 3 * SZ_1G, 8 * SZ_4K, 0);
	f_probe(e, 0, 2 * SZ_1G);
	f_probe(e, 0, 3 * SZ_1G);
	f_probe(e, 0, 3 * SZ_1G + 7 * SZ_4K);
}

/* A sparse map while the dummy is evicted: restored, tables rebuilt. */
static void sc_sparse_evicted_dummy(struct fenv *e)
{
	f_bind(e, 0, SPARSE, 0, 0, 2 * SZ_1G, SZ_2M, 0);
	f_sign(e, 0, 2 * SZ_1G + 8 * SZ_4K);
	assert_int_equal(gpuvm_drv_dummy_evict(e->file[0]), 0);
	f_op(e, 0, SPARSE, 0, 0, 3 * SZ_1G + 8 * SZ_4K, SZ_1G + SZ_2M, 0);
	f_probe(e, 0, 2 * SZ_1G + 8 * SZ_4K);
	f_probe(e, 0, 3 * SZ_1G + 8 * SZ_4K);
	f_probe(e, 0, 4 * SZ_1G + 8 * SZ_4K);
}

/* An async batch, at queue time: a BO map waiting on timeline 1, a
 * sparse map building shared tables, an unmap splitting a block. */
static void sc_async_batch(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, 16, 0xa, 0);

	f_bind(e, 0, SPARSE, 0, 0, 2 * SZ_1G, 4 * SZ_1M, 0);
	f_op(e, 0, T_MAP, h, 0, 2 * SZ_1G + SZ_1M, 16 * SZ_4K, 0);
	f_op(e, 0, SPARSE, 0, 0, 4 * SZ_1G, SZ_1G + 2 * SZ_4K, 0);
	f_op(e, 0, T_UNMAP, 0, 0, 2 * SZ_1G + 3 * SZ_1M, SZ_4K, 0);
	e->bflags = ASYNC;
	e->syncs[0] = (struct gpuvm_drv_sync){
		.flags = GPUVM_DRV_SYNC_WAIT, .timeline = 1, .point = 1 };
	e->syncs[1] = (struct gpuvm_drv_sync){
		.flags = GPUVM_DRV_SYNC_SIGNAL, .timeline = 2, .point = 1 };
	e->syncs[2] = (struct gpuvm_drv_sync){
		.flags = GPUVM_DRV_SYNC_SIGNAL, .timeline = 3, .point = 7 };
	e->ops[0].syncs = &e->syncs[0];
	e->ops[0].n_syncs = 1;
	e->ops[1].syncs = &e->syncs[1];
	e->ops[1].n_syncs = 1;
	e->ops[2].syncs = &e->syncs[2];
	e->ops[2].n_syncs = 1;
	f_probe(e, 0, 2 * SZ_1G + SZ_1M);
	f_probe(e, 0, 2 * SZ_1G + 3 * SZ_1M);
	f_probe(e, 0, 4 * SZ_1G + 0x40);
	f_probe(e, 0, 5 * SZ_1G + SZ_4K);
}

/*
 * A map under a budget that only fits once the shrinker evicts the least
 * recently used BO (the state snapshot reads L first, so L is oldest).
 * drv.h: the failing op leaves no trace, so an allocation failing after
 * the shrinker made room must not leave L evicted.
 */
static void sc_budget_evicts(struct fenv *e)
{
	uint32_t l = f_bo(e, 0, 16, 0xb, 0), t = f_bo(e, 0, 16, 0xc, 0);
	struct gpuvm_mem_stats ms;

	f_bind(e, 0, T_MAP, l, 0, 3 * SZ_1G, 16 * SZ_4K, 0);
	gpuvm_mem_stats(e->mem, &ms);
	assert_int_equal(gpuvm_drv_device_set_budget(e->dev, (ms.frames_used +
							      1) * SZ_4K), 0);
	/* A fresh 512 GiB region: three new tables, one frame free. */
	f_op(e, 0, T_MAP, t, 0, 512 * SZ_1G, 16 * SZ_4K, 0);
	f_probe(e, 0, 3 * SZ_1G);
	f_probe(e, 0, 512 * SZ_1G + 15 * SZ_4K);
}

/* Eviction of a BO mapped plainly and as a repeat in two VMs. */
static void sc_evict_bo(struct fenv *e)
{
	uint32_t h = f_bo(e, 0, 16, 0xd, 0);
	unsigned int v2 = f_vm(e, 0);

	f_bind(e, 0, T_MAP, h, 0, 2 * SZ_1G, 16 * SZ_4K, 0);
	f_bind(e, v2, T_MAP, h, SZ_4K, 2 * SZ_1G, SZ_2M + SZ_4K, 3 * SZ_4K);
	e->run = RUN_EVICT;
	e->handle = h;
	f_probe(e, 0, 2 * SZ_1G);
	f_probe(e, v2, 2 * SZ_1G + SZ_2M);
}

/* Eviction of the dummy behind shared tables in two VMs. */
static void sc_evict_dummy(struct fenv *e)
{
	unsigned int v2 = f_vm(e, 0);

	f_bind(e, 0, SPARSE, 0, 0, SZ_1G, SZ_1G, 0);
	f_bind(e, v2, SPARSE, 0, 0, 2 * SZ_1G - SZ_4K, SZ_1G + 2 * SZ_4K, 0);
	f_sign(e, 0, SZ_1G + 0x40);
	e->run = RUN_EVICT_DUMMY;
	f_probe(e, 0, SZ_1G + 0x40);
	f_probe(e, v2, 2 * SZ_1G + 0x40);
}

/*
 * Validate of a VM whose BOs and dummy are evicted; the second VM keeps
 * its own evicted VAs of A (validate is per VM).
 */
static void sc_validate(struct fenv *e)
{
	uint32_t a = f_bo(e, 0, 16, 0xe, 2), b = f_bo(e, 0, 8, 0xf, 0);
	unsigned int v2 = f_vm(e, 0);

	f_bind(e, 0, T_MAP, a, 0, 2 * SZ_1G, 16 * SZ_4K, 0);
	f_bind(e, 0, T_MAP | F_RO, b, 2 * SZ_4K, 3 * SZ_1G - SZ_4K,
	       SZ_2M + 3 * SZ_4K, 4 * SZ_4K);
	f_bind(e, 0, SPARSE, 0, 0, 4 * SZ_1G - SZ_4K, SZ_1G + SZ_2M, 0);
	f_bind(e, v2, T_MAP, a, 4 * SZ_4K, 2 * SZ_1G, 4 * SZ_4K, 0);
	f_sign(e, 0, 4 * SZ_1G + 0x40);
	assert_int_equal(gpuvm_drv_bo_evict(e->file[0], a), 0);
	assert_int_equal(gpuvm_drv_bo_evict(e->file[0], b), 0);
	assert_int_equal(gpuvm_drv_dummy_evict(e->file[0]), 0);
	e->run = RUN_VALIDATE;
	e->op_vm = 0;
	f_probe(e, 0, 2 * SZ_1G + 15 * SZ_4K);
	f_probe(e, 0, 3 * SZ_1G - SZ_4K);
	f_probe(e, 0, 3 * SZ_1G + SZ_2M);
	f_probe(e, 0, 4 * SZ_1G + 0x40);
	f_probe(e, 0, 5 * SZ_1G + SZ_2M - 2 * SZ_4K);
}

static void sc_bo_create_chunks(struct fenv *e)
{
	e->run = RUN_BO_CREATE;
	e->size = SZ_2M + 5 * SZ_4K;
	e->chunks = 5;
}

static void sc_bo_create_contig(struct fenv *e)
{
	f_bo(e, 0, 3, 0x10, 0);
	e->run = RUN_BO_CREATE;
	e->size = 4 * SZ_1M + 2 * SZ_4K;
}

static void sc_vm_create(struct fenv *e)
{
	e->run = RUN_VM_CREATE;
	e->op_vm = F_VMS; /* no VA hook: the VM does not exist yet */
}

#define RAM_SMALL (256 * SZ_1M)
#define DUMMY   { .ram = RAM_SMALL, .sparse = GPUVM_DRV_SPARSE_DUMMY }
#define NULLS   { .ram = RAM_SMALL, .sparse = GPUVM_DRV_SPARSE_NULL }
#define NULL_1G { .ram = RAM_SMALL, .sparse = GPUVM_DRV_SPARSE_NULL, \
		  .pgsizes = PG_1G }
#define BIG_1G  { .ram = 4 * SZ_1G, .pgsizes = PG_1G }
#define SC(n, c, fn) { .name = n, .cfg = c, .setup = fn }

static const struct scenario scenarios[] = {
	SC("BO map splitting a sparse 2M block", DUMMY, sc_bo_over_sparse),
	SC("sparse map over sparse, BO, sparse", DUMMY, sc_sparse_over_mixed),
	SC("unmap splitting a repeat of 2M blocks", DUMMY, sc_repeat_unmap),
	SC("BO map into a repeat (phase split)", DUMMY, sc_repeat_bo_middle),
	SC("partial unmap of a 2M BO block", DUMMY, sc_unmap_2m),
	SC("partial unmap of a 1G BO block", BIG_1G, sc_unmap_1g),
	SC("partial unmap of a NULL 1G leaf", NULL_1G, sc_null_unmap_1g),
	SC("BO map over NULL 1G leaves", NULL_1G, sc_bo_over_null),
	SC("sparse 1G slot, fresh dummy + shared", DUMMY, sc_sparse_fresh_1g),
	SC("sparse RO across 512G, second shared set", DUMMY, sc_sparse_512g),
	SC("NULL sparse 1G slots, device shared set", NULLS, sc_null_whole_1g),
	SC("map of an evicted BO (restore)", DUMMY, sc_map_evicted),
	SC("sparse map, dummy evicted (restore)", DUMMY,
	   sc_sparse_evicted_dummy),
	SC("async batch of 3 at queue time", DUMMY, sc_async_batch),
	{ .name = "map under a budget evicting the LRU BO", .cfg = DUMMY,
	  .setup = sc_budget_evicts, .reclaims = true },
	SC("evict a BO mapped in two VMs", DUMMY, sc_evict_bo),
	SC("evict the dummy behind shared tables", DUMMY, sc_evict_dummy),
	{ .name = "validate: two BOs and the dummy", .cfg = DUMMY,
	  .setup = sc_validate, .partial = true },
	SC("BO create, 5 chunks", DUMMY, sc_bo_create_chunks),
	SC("BO create, contiguous", DUMMY, sc_bo_create_contig),
	SC("VM create", DUMMY, sc_vm_create),
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static void test_faultinj(void **state)
{
	struct tally t = { 0 };
	unsigned int i, bad = 0;

	(void)state;
	print_message("allocation sites failed per scenario:\n");
	for (i = 0; i < N_SCENARIOS; i++)
		if (!run_scenario(&scenarios[i], &t))
			bad++;
	print_message("fault injection: %zu scenarios, %" PRIu64 " sites "
		      "(%" PRIu64 " mem, %" PRIu64 " VA), %" PRIu64
		      " absorbed\n", N_SCENARIOS,
		      t.mem_sites + t.va_sites, t.mem_sites, t.va_sites,
		      t.absorbed);
	if (bad)
		fail_msg("%u of %zu scenarios failed", bad, N_SCENARIOS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faultinj),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
