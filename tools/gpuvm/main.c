// SPDX-License-Identifier: MIT
/*
 * DOC: the gpuvm tool
 *
 * One binary, several subcommands; `gpuvm --help` lists them.
 */
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
	      "  run FILE.gvs         run a script (docs/script.md); exit 0 if every line held\n"
	      "  bench [--json] [--quick] [--reps=N]\n"
	      "                       run the benchmark suite and print a table\n"
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
		else {
			fprintf(stderr, "gpuvm bench: unknown argument '%s'\n",
				argv[i]);
			return 2;
		}
	}
	ret = bench_all(&o, stdout);
	if (ret) {
		fprintf(stderr, "gpuvm bench: failed: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "demo"))
		return gpuvm_cmd_demo(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return gpuvm_cmd_run(argc - 1, argv + 1);
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
