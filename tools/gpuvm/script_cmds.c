// SPDX-License-Identifier: MIT
/*
 * DOC: script commands: the table, objects and VM_BIND
 *
 * The command table says, for each command, its positional words, the
 * keys and bare words it accepts and whether it needs the device; the
 * runner rejects anything else before a command runs, so a handler only
 * reads what it declared. This file has the commands that create and
 * destroy driver objects (device, files, VMs, BOs) and bind; the data and
 * inspection commands are in script_access.c.
 *
 * Names map to driver handles: a file name to its gpuvm_drv_file, a VM or
 * BO name to its file and id. Handles are per file, as in the uAPI, so a
 * bo= or exclusive= naming an object of another file is a script error
 * rather than a number silently reinterpreted in the wrong file; tests of
 * bogus handles use handle=N, which passes the number as it is.
 *
 * bind passes what the line says to the driver and nothing is checked on
 * the way: an unmap with bo= or readonly, a sync with a size, a map with
 * unknown bits in flags= all reach gpuvm_drv_vm_bind, whose errno is then
 * the result. That is how scripts test the uAPI's validation. The only
 * checks here are the ones without which the line means nothing (a map
 * with no va=, or with neither a BO nor sparse).
 *
 * async passes GPUVM_DRV_BIND_ASYNC. wait= and signal= (comma-separated
 * TIMELINE:POINT lists, script_async.c) become the op's syncs; without
 * async the driver refuses them, as panthor does.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "script.h"

/* ------------------------------------------------------------------ */
/* Arguments                                                           */

const char *script_arg(const struct script_args *a, const char *key)
{
	unsigned int i;

	for (i = 0; i < a->ntok; i++)
		if (a->tok[i].val && !strcmp(a->tok[i].key, key))
			return a->tok[i].val;
	return NULL;
}

bool script_word(const struct script_args *a, const char *word)
{
	unsigned int i;

	for (i = 0; i < a->ntok; i++)
		if (!a->tok[i].val && !strcmp(a->tok[i].key, word))
			return true;
	return false;
}

/* 1: given (in *v), 0: absent and optional, -1: error (reported). */
int script_num_arg(struct script *s, const struct script_args *a,
		   const char *key, bool required, uint64_t *v)
{
	const char *t = script_arg(a, key), *why;

	if (!t)
		return required ? script_error(s, "%s: missing %s=", s->what,
					       key) : 0;
	if (script_parse_num(t, v, &why))
		return script_error(s, "%s: bad number %s=%s: %s", s->what, key,
				    t, why);
	return 1;
}

static int bounded_arg(struct script *s, const struct script_args *a,
		       const char *key, bool required, uint64_t max,
		       uint64_t *v)
{
	int r = script_num_arg(s, a, key, required, v);

	if (r > 0 && *v > max)
		return script_error(s, "%s: %s=%s is too large", s->what, key,
				    script_arg(a, key));
	return r;
}

static int uint_arg(struct script *s, const struct script_args *a,
		    const char *key, bool required, unsigned int *v)
{
	uint64_t x;
	int r = bounded_arg(s, a, key, required, UINT_MAX, &x);

	if (r > 0)
		*v = (unsigned int)x;
	return r;
}

static const struct {
	const char *name;
	uint32_t flag;
} map_flags[] = {
	{ "readonly", GPUVM_DRV_OP_MAP_READONLY },
	{ "noexec", GPUVM_DRV_OP_MAP_NOEXEC },
	{ "uncached", GPUVM_DRV_OP_MAP_UNCACHED },
	{ "sparse", GPUVM_DRV_OP_MAP_SPARSE },
};

#define N_MAP_FLAGS (sizeof(map_flags) / sizeof(map_flags[0]))

static int flag_value(const char *name, size_t len, uint32_t *v)
{
	size_t i;

	if (len == 4 && !memcmp(name, "none", 4))
		return 0;
	for (i = 0; i < N_MAP_FLAGS; i++) {
		if (strlen(map_flags[i].name) == len &&
		    !memcmp(map_flags[i].name, name, len)) {
			*v |= map_flags[i].flag;
			return 0;
		}
	}
	return -1;
}

/*
 * flags=: a number (raw bits, for the driver's unknown-bit checks) or a
 * comma-separated list of readonly, noexec, uncached, sparse, none.
 * 1 given, 0 absent, -1 error.
 */
int script_flags_arg(struct script *s, const struct script_args *a,
		     const char *key, uint32_t *v)
{
	const char *t = script_arg(a, key), *p, *e;
	uint64_t x;

	*v = 0;
	if (!t)
		return 0;
	if (t[0] >= '0' && t[0] <= '9') {
		if (bounded_arg(s, a, key, true, UINT32_MAX, &x) < 0)
			return -1;
		*v = (uint32_t)x;
		return 1;
	}
	for (p = t; ; p = e + 1) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if (flag_value(p, (size_t)(e - p), v))
			return script_error(s, "%s: bad %s=%s (a number, or readonly, noexec, uncached, sparse, none joined by commas)",
					    s->what, key, t);
		if (!*e)
			return 1;
	}
}

struct script_name *script_vm_arg(struct script *s, const char *name)
{
	return script_find(s, name, SCRIPT_VM);
}

static struct script_name *need_name(struct script *s,
				     const struct script_args *a,
				     const char *key, enum script_kind kind)
{
	const char *v = script_arg(a, key);

	if (!v) {
		script_error(s, "%s: missing %s=", s->what, key);
		return NULL;
	}
	return script_find(s, v, kind);
}

/* A VM or BO named for use with objects of file: same file only. */
static int same_file(struct script *s, const struct script_name *n,
		     const struct gpuvm_drv_file *file)
{
	if (n->file == file)
		return 0;
	return script_error(s, "%s: '%s' belongs to another file (handles are per file)",
			    s->what, n->name);
}

static void set_name(struct script *s, int slot, enum script_kind kind,
		     const char *name, struct gpuvm_drv_file *file, uint32_t id)
{
	struct script_name *n = &s->names[slot];

	n->kind = kind;
	strcpy(n->name, name); /* checked by script_new_name: it fits */
	n->file = file;
	n->id = id;
}

/* ------------------------------------------------------------------ */
/* Device                                                              */

static int pgsizes_arg(struct script *s, const struct script_args *a,
		       uint64_t *pgsizes)
{
	const char *t = script_arg(a, "pgsizes"), *p, *e, *why;
	char one[32];
	uint64_t v;

	for (p = t; p; p = *e ? e + 1 : NULL) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) >= sizeof(one))
			return script_error(s, "%s: bad pgsizes=%s", s->what, t);
		memcpy(one, p, (size_t)(e - p));
		one[e - p] = '\0';
		if (script_parse_num(one, &v, &why))
			return script_error(s, "%s: bad pgsizes=%s: %s", s->what,
					    t, why);
		*pgsizes |= v;
	}
	return 0;
}

static int sparse_arg(struct script *s, const struct script_args *a,
		      enum gpuvm_drv_sparse *sparse)
{
	const char *v = script_arg(a, "sparse");

	if (!v || !strcmp(v, "dummy"))
		*sparse = GPUVM_DRV_SPARSE_DUMMY;
	else if (!strcmp(v, "null"))
		*sparse = GPUVM_DRV_SPARSE_NULL;
	else
		return script_error(s, "%s: sparse= is dummy or null, not '%s'",
				    s->what, v);
	return 0;
}

static int cmd_device(struct script *s, const struct script_args *a)
{
	struct gpuvm_drv_device_cfg cfg = { 0 };
	struct gpuvm_drv_device *dev = NULL;
	int ret;

	if (s->dev)
		return script_error(s, "%s: the device exists already (device must come before every command that uses it)",
				    s->what);
	if (uint_arg(s, a, "va_bits", false, &cfg.va_bits) < 0 ||
	    uint_arg(s, a, "pa_bits", false, &cfg.pa_bits) < 0 ||
	    uint_arg(s, a, "tlb_entries", false, &cfg.tlb_entries) < 0 ||
	    script_num_arg(s, a, "ram", false, &cfg.ram) < 0 ||
	    script_num_arg(s, a, "max_mappings", false,
			   &cfg.max_mappings_per_vm) < 0 ||
	    pgsizes_arg(s, a, &cfg.pgsizes) || sparse_arg(s, a, &cfg.sparse))
		return -1;
	cfg.unchecked = script_word(a, "unchecked");
	ret = gpuvm_drv_device_create(&cfg, &dev);
	if (!ret)
		s->dev = dev;
	return script_finish(script_outcome(s, ret, NULL));
}

/* ------------------------------------------------------------------ */
/* Files, VMs, BOs                                                     */

static int cmd_open(struct script *s, const struct script_args *a)
{
	struct gpuvm_drv_file *file = NULL;
	int slot = script_new_name(s, a->pos[0]), r;

	if (slot < 0)
		return -1;
	r = script_outcome(s, gpuvm_drv_file_open(s->dev, &file), NULL);
	if (r)
		return script_finish(r);
	set_name(s, slot, SCRIPT_FILE, a->pos[0], file, 0);
	return 0;
}

static int cmd_close(struct script *s, const struct script_args *a)
{
	struct script_name *f = script_find(s, a->pos[0], SCRIPT_FILE);
	struct gpuvm_drv_file *file;

	if (!f)
		return -1;
	file = f->file;
	gpuvm_drv_file_close(file);
	script_forget_file(s, file);
	return script_finish(script_outcome(s, 0, NULL));
}

static int cmd_vm(struct script *s, const struct script_args *a)
{
	int slot = script_new_name(s, a->pos[0]), r;
	struct script_name *f;
	uint64_t user_va = 0;
	uint32_t id = 0;

	if (slot < 0 || !(f = need_name(s, a, "file", SCRIPT_FILE)) ||
	    script_num_arg(s, a, "user_va", false, &user_va) < 0)
		return -1;
	r = script_outcome(s, gpuvm_drv_vm_create(f->file, user_va, &id), NULL);
	if (r)
		return script_finish(r);
	set_name(s, slot, SCRIPT_VM, a->pos[0], f->file, id);
	if (s->opts.trace && (r = script_trace_vm(s, slot)))
		return script_error(s, "%s: cannot trace the VM: %s", s->what,
				    strerror(-r));
	return 0;
}

static int cmd_vm_destroy(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	int r;

	if (!vm)
		return -1;
	r = script_outcome(s, gpuvm_drv_vm_destroy(vm->file, vm->id), NULL);
	if (!r)
		vm->kind = SCRIPT_FREE;
	return script_finish(r);
}

static int cmd_vm_state(struct script *s, const struct script_args *a)
{
	static const char *const names[] = { "usable", "unusable" };
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	enum gpuvm_drv_vm_state state = GPUVM_DRV_VM_USABLE, want;
	int r;

	if (!vm)
		return -1;
	if (!strcmp(a->pos[1], names[0]))
		want = GPUVM_DRV_VM_USABLE;
	else if (!strcmp(a->pos[1], names[1]))
		want = GPUVM_DRV_VM_UNUSABLE;
	else
		return script_error(s, "%s: the state is usable or unusable",
				    s->what);
	r = script_outcome(s, gpuvm_drv_vm_get_state(vm->file, vm->id, &state),
			   NULL);
	if (r)
		return script_finish(r);
	if (state != want)
		return script_error(s, "%s: expected %s, the VM is %s", s->what,
				    names[want],
				    state == GPUVM_DRV_VM_USABLE ? names[0] : names[1]);
	return 0;
}

static int cmd_bo(struct script *s, const struct script_args *a)
{
	int slot = script_new_name(s, a->pos[0]), r;
	struct script_name *f, *excl = NULL;
	const char *ev = script_arg(a, "exclusive");
	unsigned int chunks = 0;
	uint64_t size;
	uint32_t handle = 0;

	if (slot < 0 || !(f = need_name(s, a, "file", SCRIPT_FILE)) ||
	    script_num_arg(s, a, "size", true, &size) < 0 ||
	    uint_arg(s, a, "chunks", false, &chunks) < 0)
		return -1;
	if (ev && (!(excl = script_vm_arg(s, ev)) ||
		   same_file(s, excl, f->file)))
		return -1;
	r = script_outcome(s, gpuvm_drv_bo_create(f->file, size,
						  excl ? excl->id : 0, chunks,
						  &handle), NULL);
	if (r)
		return script_finish(r);
	set_name(s, slot, SCRIPT_BO, a->pos[0], f->file, handle);
	return 0;
}

static int cmd_bo_close(struct script *s, const struct script_args *a)
{
	struct script_name *bo = script_find(s, a->pos[0], SCRIPT_BO);
	int r;

	if (!bo)
		return -1;
	r = script_outcome(s, gpuvm_drv_bo_close(bo->file, bo->id), NULL);
	if (!r)
		bo->kind = SCRIPT_FREE;
	return script_finish(r);
}

/* ------------------------------------------------------------------ */
/* bind                                                                */

static int op_type(struct script *s, const char *name, uint32_t *flags)
{
	if (!strcmp(name, "map"))
		*flags = GPUVM_DRV_OP_TYPE_MAP;
	else if (!strcmp(name, "unmap"))
		*flags = GPUVM_DRV_OP_TYPE_UNMAP;
	else if (!strcmp(name, "sync"))
		*flags = GPUVM_DRV_OP_TYPE_SYNC_ONLY;
	else
		return script_error(s, "%s: the op is map, unmap or sync, not '%s'",
				    s->what, name);
	return 0;
}

static int bind_bo(struct script *s, const struct script_args *a,
		   const struct script_name *vm, struct gpuvm_drv_bind_op *op)
{
	const char *name = script_arg(a, "bo");
	struct script_name *bo;
	uint64_t h = 0;

	if (name && script_arg(a, "handle"))
		return script_error(s, "%s: give bo= or handle=, not both",
				    s->what);
	if (bounded_arg(s, a, "handle", false, UINT32_MAX, &h) < 0)
		return -1;
	op->bo_handle = (uint32_t)h;
	if (!name)
		return 0;
	bo = script_find(s, name, SCRIPT_BO);
	if (!bo || same_file(s, bo, vm->file))
		return -1;
	op->bo_handle = bo->id;
	return 0;
}

static int bind_op(struct script *s, const struct script_args *a,
		   const struct script_name *vm, struct gpuvm_drv_bind_op *op)
{
	bool range = strcmp(a->pos[1], "sync") != 0;
	uint32_t extra;
	size_t i;

	if (op_type(s, a->pos[1], &op->flags))
		return -1;
	for (i = 0; i < N_MAP_FLAGS; i++)
		if (script_word(a, map_flags[i].name))
			op->flags |= map_flags[i].flag;
	if (script_flags_arg(s, a, "flags", &extra) < 0 ||
	    script_num_arg(s, a, "va", range, &op->va) < 0 ||
	    script_num_arg(s, a, "size", range, &op->size) < 0 ||
	    script_num_arg(s, a, "offset", false, &op->bo_offset) < 0 ||
	    script_num_arg(s, a, "repeat", false, &op->repeat) < 0 ||
	    bind_bo(s, a, vm, op))
		return -1;
	op->flags |= extra;
	if (!strcmp(a->pos[1], "map") && !script_arg(a, "bo") &&
	    !script_arg(a, "handle") && !script_word(a, "sparse"))
		return script_error(s, "%s: a map needs bo=, handle= or sparse",
				    s->what);
	return 0;
}

static int cmd_bind(struct script *s, const struct script_args *a)
{
	struct script_name *vm = script_vm_arg(s, a->pos[0]);
	struct gpuvm_drv_sync syncs[SCRIPT_MAX_SYNCS];
	struct gpuvm_drv_bind_op op = { 0 };
	bool async = script_word(a, "async");
	uint32_t failed = 0;
	int ret;

	if (!vm || bind_op(s, a, vm, &op) ||
	    script_syncs_arg(s, a, "wait", GPUVM_DRV_SYNC_WAIT, syncs,
			     &op.n_syncs) ||
	    script_syncs_arg(s, a, "signal", GPUVM_DRV_SYNC_SIGNAL, syncs,
			     &op.n_syncs))
		return -1;
	/* Passed through even without async: the driver refuses them. */
	op.syncs = op.n_syncs ? syncs : NULL;
	ret = gpuvm_drv_vm_bind(vm->file, vm->id,
				async ? GPUVM_DRV_BIND_ASYNC : 0, &op, 1,
				&failed);
	return script_finish(script_outcome(s, ret, NULL));
}

/* ------------------------------------------------------------------ */
/* The table                                                           */

#define DATA_KEYS "u8 u16 u32 u64 bytes"

static const struct script_cmd cmds[] = {
	{ "device", 0, "",
	  "va_bits pa_bits pgsizes ram sparse tlb_entries max_mappings",
	  "unchecked",
	  false, false, cmd_device },
	{ "open", 1, "FILE name", "", "", true, false, cmd_open },
	{ "close", 1, "FILE", "", "", false, false, cmd_close },
	{ "vm", 1, "VM name", "file user_va", "", false, false, cmd_vm },
	{ "vm_destroy", 1, "VM", "", "", false, false, cmd_vm_destroy },
	{ "vm_state", 2, "VM|state (usable or unusable)", "", "", false,
	  false, cmd_vm_state },
	{ "bo", 1, "BO name", "file size chunks exclusive", "", false, false,
	  cmd_bo },
	{ "bo_close", 1, "BO", "", "", false, false, cmd_bo_close },
	{ "bind", 2, "VM|op (map, unmap or sync)",
	  "va size bo handle offset repeat flags wait signal",
	  "readonly noexec uncached sparse async", false, false, cmd_bind },
	{ "cpu_write", 1, "BO", "offset " DATA_KEYS, "", false, false,
	  script_cmd_cpu_write },
	{ "cpu_read", 1, "BO", "offset zero " DATA_KEYS, "", false, false,
	  script_cmd_cpu_read },
	{ "gpu_write", 1, "VM", "va " DATA_KEYS, "", false, true,
	  script_cmd_gpu_write },
	{ "gpu_read", 1, "VM", "va zero " DATA_KEYS, "", false, true,
	  script_cmd_gpu_read },
	{ "gpu_exec", 1, "VM", "va u32", "", false, true,
	  script_cmd_gpu_exec },
	{ "lookup", 1, "VM", "va bo offset flags", "sparse none", false,
	  false, script_cmd_lookup },
	{ "check", 1, "VM", "", "", false, false, script_cmd_check },
	{ "stats", 1, "VM",
	  "mappings pt_pages leaf_4k leaf_2m leaf_1g pte_writes tlb_invalidations pt_reserved_peak",
	  "", false, false, script_cmd_stats },
	{ "dump", 1, "VM", "svg", "", false, false, script_cmd_dump },
	{ "mem", 0, "", "used frames pt bo", "", true, false,
	  script_cmd_mem },
	{ "budget", 1, "SIZE", "", "", true, false, script_cmd_budget },
	{ "reclaim", 1, "SIZE", "freed", "", true, false, script_cmd_reclaim },
	{ "evict", 1, "BO", "", "", false, false, script_cmd_evict },
	{ "evict_dummy", 1, "FILE", "", "", false, false,
	  script_cmd_evict_dummy },
	{ "resident", 2, "BO|yes or no", "", "", false, false,
	  script_cmd_resident },
	{ "resident_dummy", 2, "FILE|yes or no", "", "", false, false,
	  script_cmd_resident_dummy },
	{ "pin", 1, "BO", "", "", false, false, script_cmd_pin },
	{ "unpin", 1, "BO", "", "", false, false, script_cmd_unpin },
	{ "validate", 1, "VM", "", "", false, false, script_cmd_validate },
	{ "signal", 1, "TIMELINE:POINT", "", "", true, false,
	  script_cmd_signal },
	{ "wait", 1, "TIMELINE:POINT", "", "", true, false, script_cmd_wait },
	{ "run", 0, "", "jobs", "", true, false, script_cmd_run },
	{ "queued", 1, "VM", "jobs", "", false, false, script_cmd_queued },
	{ "fail_alloc", 1, "N", "vm", "", true, false, script_cmd_fail_alloc },
	/* Command streams (script_cs.c). */
	{ "cs", 1, "instruction (MOVE48, STORE_MULTIPLE, ...)", "*", "",
	  false, false, script_cmd_cs },
	{ "cs_run", 1, "VM",
	  "va size max state exception fault_va executed", "", false, true,
	  script_cmd_cs_run },
	/* The ioctl level (script_uapi.c). */
	{ "uapi_device", 0, "", "ram sparse", "", false, false,
	  script_cmd_uapi_device },
	{ "uapi_open", 2, "FILE name|node (render or primary)", "", "", false,
	  false, script_cmd_uapi_open },
	{ "uapi_close", 1, "FILE", "", "", false, false,
	  script_cmd_uapi_close },
	{ "uapi_mmap", 2, "FILE|mapping name", "offset size prot flags", "",
	  false, false, script_cmd_uapi_mmap },
	{ "uapi_munmap", 1, "mapping", "", "", false, false,
	  script_cmd_uapi_munmap },
	{ "umem", 1, "buffer name", "size", "fault ro", false, false,
	  script_cmd_umem },
	{ "uhex", 1, "buffer", "offset bytes", "", false, false,
	  script_cmd_uhex },
	{ "uset", 2, "buffer|layout", "*", "", false, false, script_cmd_uset },
	{ "ioctl", 2, "FILE|ioctl name (or raw)", "*", "", false, false,
	  script_cmd_ioctl },
};

const struct script_cmd *script_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}
