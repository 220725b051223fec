/* SPDX-License-Identifier: MIT */
/*
 * The gpuvm script language (`gpuvm run FILE.gvs`): the entry points, and
 * what the runner's files (script.c, script_lex.c, script_cmds.c,
 * script_access.c, script_svg.c) share. docs/script.md is the language
 * reference.
 */
#ifndef GPUVM_SCRIPT_H
#define GPUVM_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gpuvm/drv.h"

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

struct gpuvm_script_opts {
	/* Refuse commands that write host files (dump svg=): for fuzzing. */
	bool no_files;
	/*
	 * If set: where to store the errno of a failed write to out (0 if
	 * none failed). stdio forgets it once the failed buffer is dropped,
	 * so the runner keeps it for a caller that reports write errors.
	 */
	int *write_errno;
	/* Print every VM's MMU and page-table events (script_trace.c). */
	bool trace;
};

/*
 * Runs the script text[0..len) (any bytes, no NUL terminator needed).
 * name is used in error messages (FILE:LINE: ...). Command output goes
 * to out, errors to err. Returns 0 if every line held, 1 otherwise: the
 * exit status of `gpuvm run` if its output was written. Never crashes, hangs or leaks on any input;
 * everything it creates is gone when it returns. out is flushed on
 * return; whether it took every byte is the caller's to check (ferror,
 * and opts->write_errno for the reason), as `gpuvm run` does.
 */
int gpuvm_script_run(const char *name, const char *text, size_t len,
		     FILE *out, FILE *err, const struct gpuvm_script_opts *opts);

/* gpuvm_script_run with default options (host files allowed). */
int gpuvm_script_run_buffer(const char *name, const char *text, size_t len,
			    FILE *out, FILE *err);

/* ------------------------------------------------------------------ */
/* Limits. Each bounds what one line or one script can cost.           */

#define SCRIPT_MAX_LINE   4096              /* bytes, newline excluded */
#define SCRIPT_MAX_TOKENS 32                /* words per line */
#define SCRIPT_MAX_NAMES  256               /* live files, VMs and BOs */
#define SCRIPT_NAME_LEN   32                /* name bytes, NUL included */
#define SCRIPT_MAX_TIMELINES 64             /* named timelines */
#define SCRIPT_MAX_SYNCS  16                /* waits + signals per bind */
#define SCRIPT_MAX_DATA   (SCRIPT_MAX_LINE / 2) /* bytes= payload */
#define SCRIPT_MAX_ZERO   (256ull << 20)    /* zero=SIZE */
#define SCRIPT_MAX_FILE   (16ull << 20)     /* script file size */
#define SCRIPT_MAX_CS_WORDS 256             /* instructions per cs_run */
#define SCRIPT_MAX_CS_INSTRS (1ull << 26)   /* retired by a script's runs */

/* ------------------------------------------------------------------ */
/* Shared between the runner's files                                   */

enum script_kind {
	SCRIPT_FREE = 0,
	SCRIPT_FILE,
	SCRIPT_VM,
	SCRIPT_BO,
	SCRIPT_UFILE,     /* an ioctl-level file (uapi_open) */
	SCRIPT_UMAP,      /* a CPU mapping of one (uapi_mmap) */
	SCRIPT_UMEM,      /* a buffer of "user" memory (umem) */
};

/* A name the script gave to a driver object. */
struct script_name {
	enum script_kind kind;
	char name[SCRIPT_NAME_LEN];
	struct gpuvm_drv_file *file; /* the file, or the file it belongs to */
	uint32_t id;                 /* VM id or BO handle */
	void *obj;                   /* UFILE, UMAP, UMEM: the object */
};

/* One word of a line: key=value, or a bare word (val == NULL). */
struct script_tok {
	const char *key;
	const char *val;
};

struct script;
struct script_cmd;

/* A tokenised line, positional words split off. */
struct script_args {
	const struct script_cmd *cmd;
	const char *pos[2];
	unsigned int npos;
	struct script_tok tok[SCRIPT_MAX_TOKENS];
	unsigned int ntok;
};

struct script_cmd {
	const char *name;
	unsigned int npos;       /* positional words after the name */
	const char *pos_names;   /* for "missing" messages, '|' separated */
	const char *keys;        /* allowed keys, space separated; "*": any
				  * (the command checks them) */
	const char *words;       /* allowed bare words, space separated */
	bool needs_dev;          /* creates the default device first */
	bool gpu;                /* a GPU access: expect=fault:KIND allowed */
	int (*run)(struct script *s, const struct script_args *a);
};

enum script_expect_kind {
	SCRIPT_EXPECT_OK = 0,
	SCRIPT_EXPECT_ERRNO,
	SCRIPT_EXPECT_FAULT,
};

struct script_expect {
	enum script_expect_kind kind;
	int err;                          /* positive errno */
	enum gpuvm_mmu_fault_kind fault;
};

/* A traced VM's hook cookie: the script and the VM's name slot. */
struct script_trace {
	struct script *s;
	int slot;
};

struct gpuvm_uapi_device;

struct script {
	const char *file;
	unsigned long line;
	FILE *out, *err;
	struct gpuvm_script_opts opts;
	struct gpuvm_drv_device *dev;
	struct script_name names[SCRIPT_MAX_NAMES];
	struct script_trace traces[SCRIPT_MAX_NAMES]; /* by name slot */
	char timelines[SCRIPT_MAX_TIMELINES][SCRIPT_NAME_LEN];
	unsigned int n_timelines;
	/* The ioctl level (script_uapi.c). */
	struct gpuvm_uapi_device *udev;
	void *guard;                      /* an unmapped page */
	uint64_t umem_total;              /* bytes of live buffers */
	/* The stream cs lines are building (script_cs.c). */
	uint64_t cs_words[SCRIPT_MAX_CS_WORDS];
	unsigned int cs_n;
	uint64_t cs_retired;              /* against SCRIPT_MAX_CS_INSTRS */
	/* The current line. */
	char what[96];                    /* "bind V1", for messages */
	struct script_expect expect;
	bool outcome_seen;
	char detail[256];                 /* more about a failure, or "" */
	int out_errno;                    /* first failed write to out */
};

/* script.c: reporting and names */
int script_error(struct script *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int script_outcome(struct script *s, int ret,
		   const struct gpuvm_mmu_fault *fault);
int script_new_name(struct script *s, const char *name);
struct script_name *script_find(struct script *s, const char *name,
				enum script_kind kind);
const char *script_bo_name(const struct script *s,
			   const struct gpuvm_drv_file *file, uint32_t handle);
void script_forget_file(struct script *s, const struct gpuvm_drv_file *file);

/* script_trace.c: --trace; 0 or the driver's errno */
int script_trace_vm(struct script *s, int slot);

/* script_lex.c: numbers, data, names of errnos and faults */
int script_parse_num(const char *text, uint64_t *out, const char **why);
int script_parse_hex(const char *text, uint8_t *buf, size_t cap,
		     size_t *len, const char **why);
bool script_valid_name(const char *name);
bool script_in_list(const char *list, const char *word);
int script_errno_parse(const char *name);
const char *script_errno_name(int err);
int script_fault_parse(const char *name, enum gpuvm_mmu_fault_kind *kind);
const char *script_fault_name(enum gpuvm_mmu_fault_kind kind);

/* script_cmds.c: the command table, argument helpers, object commands */
const struct script_cmd *script_cmd_find(const char *name);
const char *script_arg(const struct script_args *a, const char *key);
bool script_word(const struct script_args *a, const char *word);
int script_num_arg(struct script *s, const struct script_args *a,
		   const char *key, bool required, uint64_t *v);
int script_flags_arg(struct script *s, const struct script_args *a,
		     const char *key, uint32_t *v);
struct script_name *script_vm_arg(struct script *s, const char *name);

/* A command's return value after script_outcome: -1 failed, 0 held. */
static inline int script_finish(int outcome)
{
	return outcome < 0 ? -1 : 0;
}

/* script_access.c: data and inspection commands */
int script_cmd_cpu_write(struct script *s, const struct script_args *a);
int script_cmd_cpu_read(struct script *s, const struct script_args *a);
int script_cmd_gpu_write(struct script *s, const struct script_args *a);
int script_cmd_gpu_read(struct script *s, const struct script_args *a);
int script_cmd_gpu_exec(struct script *s, const struct script_args *a);
int script_cmd_lookup(struct script *s, const struct script_args *a);
int script_cmd_check(struct script *s, const struct script_args *a);
int script_cmd_stats(struct script *s, const struct script_args *a);
int script_cmd_dump(struct script *s, const struct script_args *a);
int script_cmd_mem(struct script *s, const struct script_args *a);

/* script_mem.c: memory pressure */
int script_cmd_budget(struct script *s, const struct script_args *a);
int script_cmd_reclaim(struct script *s, const struct script_args *a);
int script_cmd_evict(struct script *s, const struct script_args *a);
int script_cmd_evict_dummy(struct script *s, const struct script_args *a);
int script_cmd_resident(struct script *s, const struct script_args *a);
int script_cmd_resident_dummy(struct script *s, const struct script_args *a);
int script_cmd_pin(struct script *s, const struct script_args *a);
int script_cmd_unpin(struct script *s, const struct script_args *a);
int script_cmd_validate(struct script *s, const struct script_args *a);

/* script_async.c: queued binds and timelines */
int script_syncs_arg(struct script *s, const struct script_args *a,
		     const char *key, uint32_t flags,
		     struct gpuvm_drv_sync *syncs, uint32_t *n);
int script_cmd_signal(struct script *s, const struct script_args *a);
int script_cmd_wait(struct script *s, const struct script_args *a);
int script_cmd_run(struct script *s, const struct script_args *a);
int script_cmd_queued(struct script *s, const struct script_args *a);
int script_cmd_fail_alloc(struct script *s, const struct script_args *a);

/* script_uapi.c: the ioctl level */
int script_cmd_uapi_device(struct script *s, const struct script_args *a);
int script_cmd_uapi_open(struct script *s, const struct script_args *a);
int script_cmd_uapi_close(struct script *s, const struct script_args *a);
int script_cmd_uapi_mmap(struct script *s, const struct script_args *a);
int script_cmd_uapi_munmap(struct script *s, const struct script_args *a);
int script_cmd_umem(struct script *s, const struct script_args *a);
int script_cmd_uhex(struct script *s, const struct script_args *a);
int script_cmd_uset(struct script *s, const struct script_args *a);
int script_cmd_ioctl(struct script *s, const struct script_args *a);
void script_uapi_free_umem(struct script *s);
void script_uapi_cleanup(struct script *s);

/* script_cs.c: command streams */
int script_cmd_cs(struct script *s, const struct script_args *a);
int script_cmd_cs_run(struct script *s, const struct script_args *a);

/* script_svg.c */
int script_svg_write(struct script *s, const struct script_name *vm,
		     const char *path);

#endif
