// SPDX-License-Identifier: MIT
/*
 * DOC: the gpuvm tool
 *
 * One binary, several subcommands; `gpuvm --help` lists them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gpuvm.h"

static int usage(FILE *f, int status)
{
	fputs("usage: gpuvm COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  demo                 show the VA manager at work (what `make run` runs)\n"
	      "  run [--trace] FILE.gvs\n"
	      "                       run a script (docs/script.md); exit 0 if every line held;\n"
	      "                       --trace prints each VM's MMU and page-table events\n"
	      "  bench [--json] [--quick] [--reps=N] [--only=CASE,...] [--svg FILE]\n"
	      "                       run the benchmark suite and print a table;\n"
	      "                       CASE: seeds sparse churn va mmu frag ptmap evict cs uapi;\n"
	      "                       --svg draws the VA sweep (ns/op vs live mappings)\n"
	      "  shim [--sparse=dummy|null] [--ram=SIZE] [--trace=FILE] -- CMD [ARGS]\n"
	      "                       run CMD with a panthor render node backed by gpuvm\n"
	      "  help, --help         this text\n", f);
	return status;
}

static int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = { 0 };
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			o.json = true;
		else if (!strcmp(argv[i], "--quick"))
			o.quick = true;
		else if (!strncmp(argv[i], "--reps=", 7) && atoi(argv[i] + 7) > 0)
			o.reps = (unsigned int)atoi(argv[i] + 7);
		else if (!strncmp(argv[i], "--only=", 7) &&
			 bench_only_valid(argv[i] + 7) && argv[i][7])
			o.only = argv[i] + 7;
		else if (!strncmp(argv[i], "--svg=", 6) && argv[i][6])
			o.svg = argv[i] + 6;
		else if (!strcmp(argv[i], "--svg") && i + 1 < argc)
			o.svg = argv[++i];
		else {
			fprintf(stderr, "gpuvm bench: unknown argument '%s'\n",
				argv[i]);
			return 2;
		}
	}
	/*
	 * The report is printed at the end, tens of KiB: buffered whole, a
	 * write error shows when stdout is closed, with its reason (stdio
	 * keeps no errno from a flush that failed halfway through). glibc
	 * ignores the size when it picks the buffer itself, hence our own.
	 */
	static char report_buf[1 << 20];

	setvbuf(stdout, report_buf, _IOFBF, sizeof(report_buf));
	ret = bench_all(&o, stdout);
	if (ret) {
		fprintf(stderr, "gpuvm bench: failed: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}

static int run_command(int argc, char **argv, int *write_errno)
{
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "demo"))
		return gpuvm_cmd_demo(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return gpuvm_cmd_run(argc - 1, argv + 1, write_errno);
	if (!strcmp(argv[1], "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (!strcmp(argv[1], "shim"))
		return gpuvm_cmd_shim(argc - 1, argv + 1);
	/* Not for users: what `gpuvm bench` runs under the shim. */
	if (!strcmp(argv[1], "__bench-shim-child"))
		return bench_shim_child(argc - 1, argv + 1);
	fprintf(stderr, "gpuvm: unknown command '%s'\n", argv[1]);
	return usage(stderr, 2);
}

/*
 * What coreutils' close_stdout does: output that never reached its file
 * (a full disk, /dev/full, a closed pipe with SIGPIPE ignored) must not
 * pass for success. stdio reports a failed write only through ferror()
 * and the flush that fails, so stdout is flushed and closed here and
 * every failure turns into "gpuvm: write error: REASON" and status 1
 * (or the command's own failure status). err is a reason the command
 * kept from a write that failed earlier, when stdio no longer has one.
 */
static int close_stdout(int status, int err)
{
	bool failed = err || ferror(stdout);

	if (fflush(stdout) == EOF) {
		failed = true;
		if (!err)
			err = errno;
	}
	if (fclose(stdout) == EOF) {
		failed = true;
		if (!err)
			err = errno;
	}
	if (failed) {
		if (err)
			fprintf(stderr, "gpuvm: write error: %s\n",
				strerror(err));
		else
			fputs("gpuvm: write error\n", stderr);
		status = status ? status : 1;
	}
	/* Nothing can be said if stderr fails too; the status still can. */
	if (fflush(stderr) == EOF || ferror(stderr))
		status = status ? status : 1;
	return status;
}

int main(int argc, char **argv)
{
	int write_errno = 0;
	int status = run_command(argc, argv, &write_errno);

	return close_stdout(status, write_errno);
}
