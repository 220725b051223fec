// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes into the script runner
 * (tools/gpuvm/script.h), which promises never to crash, hang or leak on
 * any input. Host files are refused (no_files); output is discarded.
 *
 * Beyond not crashing, the result must have the documented form: the
 * exit status is 0 or 1, a 0 prints no error, and a 1 prints one whose
 * first line is "fuzz:LINE: ..." with LINE a line of the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

/* 1 + the number of newlines in the input: the last line a message can name. */
static unsigned long lines_of(const uint8_t *data, size_t size)
{
	unsigned long n = 1;
	size_t i;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void check_error(const uint8_t *data, size_t size, int ret,
			const char *err, size_t err_len)
{
	unsigned long line;
	char *end;

	if (ret != 0 && ret != 1) {
		fprintf(stderr, "fuzz_script: exit status %d\n", ret);
		abort();
	}
	if (ret == 0) {
		if (err_len) {
			fprintf(stderr, "fuzz_script: status 0 with an error: "
				"%.*s\n", (int)err_len, err);
			abort();
		}
		return;
	}
	if (err_len < 7 || memcmp(err, "fuzz:", 5) != 0)
		goto bad;
	line = strtoul(err + 5, &end, 10);
	if (end == err + 5 || *end != ':' || !line ||
	    line > lines_of(data, size))
		goto bad;
	return;
bad:
	fprintf(stderr, "fuzz_script: status 1, error without a valid "
		"FILE:LINE: prefix: %.*s\n", (int)(err_len < 200 ? err_len : 200),
		err);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpuvm_script_opts opts = { .no_files = true };
	char *err = NULL;
	size_t err_len = 0;
	FILE *ferr;
	int ret;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	ferr = open_memstream(&err, &err_len);
	if (!devnull || !ferr)
		abort();
	ret = gpuvm_script_run("fuzz", (const char *)data, size, devnull, ferr,
			       &opts);
	fclose(ferr);
	check_error(data, size, ret, err, err_len);
	free(err);
	return 0;
}
