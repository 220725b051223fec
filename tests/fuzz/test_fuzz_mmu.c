// SPDX-License-Identifier: MIT
/*
 * DOC: fuzz_mmu in the suite
 *
 * The libFuzzer target fuzz/fuzz_mmu.c (the MMU over gpuvm's RAM, a
 * caller's buffer and backends, against a reference walker) on inputs
 * from a fixed seed, so that every build runs it, sanitizers included,
 * without clang: 2000 inputs of 64 to 1088 bytes, every memory kind,
 * allocator or not, VA width and mode among them, then the corpus.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Every file of the corpus directory; how many ran. */
static unsigned int replay(const char *dir)
{
	static uint8_t buf[1 << 16];
	unsigned int n = 0;
	struct dirent *de;
	char path[4096];
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		FILE *f;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	uint8_t in[1088];
	unsigned int i, n;

	for (i = 0; i < 2000; i++) {
		size_t len = 64 + next() % (sizeof(in) - 64);

		for (size_t k = 0; k < len; k++)
			in[k] = (uint8_t)next();
		in[0] = (uint8_t)i;        /* every kind and mode in turn */
		LLVMFuzzerTestOneInput(in, len);
	}
	n = argc > 1 ? replay(argv[1]) : 0;
	printf("fuzz_mmu: 2000 random inputs and %u corpus files passed\n", n);
	return argc > 1 && !n;
}
