// SPDX-License-Identifier: MIT
/*
 * DOC: gpuvm shim
 *
 * `gpuvm shim [--sparse=dummy|null] [--ram=SIZE] [--trace=FILE] -- CMD
 * [ARGS]` runs CMD with libgpuvm-shim.so preloaded, so that it finds a
 * panthor render node backed by gpuvm (docs/shim.md). The options become
 * the environment the shim reads when the program first opens a node.
 *
 * The library is found, in order: $GPUVM_SHIM_LIB; the build tree this
 * gpuvm was built in; the install directory. It goes first in
 * LD_PRELOAD, before anything already there.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpuvm.h"

static int usage(void)
{
	fputs("usage: gpuvm shim [--sparse=dummy|null] [--ram=SIZE] "
	      "[--trace=FILE] -- CMD [ARGS]\n", stderr);
	return 2;
}

/* SIZE: a number with an optional K, M, G or T suffix, 4 KiB-aligned. */
static bool valid_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || s[0] == '-')
		return false;
	if (*end && (strchr("KMGT", *end) == NULL || end[1]))
		return false;
	return v && (*end || !(v & 4095));
}

static const char *shim_library(void)
{
	const char *env = getenv("GPUVM_SHIM_LIB");

	if (env && env[0])
		return env;
	if (!access(GPUVM_SHIM_BUILD_PATH, R_OK))
		return GPUVM_SHIM_BUILD_PATH;
	return GPUVM_SHIM_INSTALL_PATH;
}

static int set(const char *name, const char *value)
{
	if (setenv(name, value, 1)) {
		perror("gpuvm shim: setenv");
		return -1;
	}
	return 0;
}

/* The preload list with the shim first. */
static int preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *v = malloc(n);
	int ret;

	if (!v)
		return -1;
	snprintf(v, n, "%s%s%s", lib, old && old[0] ? ":" : "",
		 old ? old : "");
	ret = set("LD_PRELOAD", v);
	free(v);
	return ret;
}

#ifdef GPUVM_SHIM_ASAN
static int asan_options(void)
{
	static const char mine[] = "verify_asan_link_order=0";
	const char *old = getenv("ASAN_OPTIONS");
	char v[1024];

	snprintf(v, sizeof(v), "%s%s%s", old && old[0] ? old : "",
		 old && old[0] ? ":" : "", mine);
	return set("ASAN_OPTIONS", v);
}
#endif

int gpuvm_cmd_shim(int argc, char **argv)
{
	const char *sparse = "dummy", *ram = NULL, *trace = NULL, *lib;
	char cwd[PATH_MAX], abs_trace[PATH_MAX + 64], pid[24];
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strncmp(argv[i], "--sparse=", 9))
			sparse = argv[i] + 9;
		else if (!strncmp(argv[i], "--ram=", 6))
			ram = argv[i] + 6;
		else if (!strncmp(argv[i], "--trace=", 8))
			trace = argv[i] + 8;
		else
			return usage();
	}
	if (i + 1 >= argc)
		return usage();
	if (strcmp(sparse, "dummy") && strcmp(sparse, "null")) {
		fprintf(stderr, "gpuvm shim: --sparse is dummy or null\n");
		return 2;
	}
	if (ram && !valid_size(ram)) {
		fprintf(stderr, "gpuvm shim: bad --ram=%s\n", ram);
		return 2;
	}
	if (trace && !trace[0]) {
		fprintf(stderr, "gpuvm shim: --trace needs a file\n");
		return 2;
	}
	lib = shim_library();
	if (access(lib, R_OK)) {
		fprintf(stderr, "gpuvm shim: cannot find %s (set "
			"GPUVM_SHIM_LIB)\n", lib);
		return 1;
	}
	if (trace && trace[0] != '/') {
		/* The program may change directory before its first open. */
		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(abs_trace, sizeof(abs_trace), "%s/%s", cwd,
			     trace) >= (int)sizeof(abs_trace)) {
			fprintf(stderr, "gpuvm shim: --trace path too long\n");
			return 2;
		}
		trace = abs_trace;
	}
	/* exec keeps the pid: the trace of this process is FILE itself,
	 * those of other processes FILE.PID. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (set("GPUVM_SHIM_SPARSE", sparse) ||
	    (ram ? set("GPUVM_SHIM_RAM", ram) : unsetenv("GPUVM_SHIM_RAM")) ||
	    (trace ? set("GPUVM_SHIM_TRACE", trace)
		   : unsetenv("GPUVM_SHIM_TRACE")) ||
	    set("GPUVM_SHIM_TRACE_PID", pid) || preload(lib))
		return 1;
#ifdef GPUVM_SHIM_ASAN
	/* An instrumented shim is preloaded ahead of the ASan runtime. */
	if (asan_options())
		return 1;
#endif
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "gpuvm shim: cannot run %s: %s\n", argv[i + 1],
		strerror(errno));
	return 127;
}
