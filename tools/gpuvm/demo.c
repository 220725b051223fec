// SPDX-License-Identifier: MIT
/*
 * DOC: gpuvm demo
 *
 * The project's main job (`make run`). Until the driver layer exists it
 * walks the VA manager through the seeds' scenario: one sparse range for a
 * 100e6-byte resource, real BO memory bound into part of it, a repeat
 * mapping split at a point that is not a multiple of its region, and the
 * op lists each request produced.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gpuvm.h"
#include "gpuvm/va.h"

/* ops is read after ret is computed: the prepare call fills it. */
static int apply(const char *what, int ret, struct gpuvm_va_ops **opsp)
{
	struct gpuvm_va_ops *ops = *opsp;

	if (ret) {
		fprintf(stderr, "demo: %s failed: %s\n", what, strerror(-ret));
		return ret;
	}
	printf("\n> %s\n", what);
	gpuvm_va_ops_print(ops, stdout);
	ret = gpuvm_va_ops_commit(ops);
	gpuvm_va_ops_free(ops);
	return ret;
}

static int map(struct gpuvm_va_space *s, const char *what,
	       const struct gpuvm_va *req)
{
	struct gpuvm_va_ops *ops = NULL;

	return apply(what, gpuvm_va_map_prepare(s, req, &ops), &ops);
}

int gpuvm_cmd_demo(int argc, char **argv)
{
	/* A 48-bit space whose upper half is kernel-reserved, as panthor. */
	struct gpuvm_va_space_cfg cfg = {
		.start = 0, .range = 1ull << 48,
		.reserved_start = 1ull << 47, .reserved_range = 1ull << 47,
	};
	const uint64_t sparse_size = (100000000ull + 4095) & ~4095ull;
	struct gpuvm_va sparse = { .addr = 1ull << 32, .range = sparse_size,
				   .kind = GPUVM_VA_SPARSE };
	struct gpuvm_va bo = { .addr = (1ull << 32) + (6ull << 20),
			       .range = 4ull << 20, .kind = GPUVM_VA_BO,
			       .bo = 7, .offset = 1ull << 20 };
	struct gpuvm_va rep = { .addr = 1ull << 36, .range = 40 << 12,
				.kind = GPUVM_VA_REPEAT, .bo = 9,
				.repeat = 3 << 12 };
	struct gpuvm_va_space *s;
	struct gpuvm_va_ops *ops = NULL;
	int ret = gpuvm_va_space_create(&cfg, &s);

	if (ret)
		return 1;
	printf("gpuvm demo: the VA manager (driver layer to come)\n");
	printf("a 100e6-byte sparse resource is %llu bytes of VA: one request\n",
	       (unsigned long long)sparse_size);
	ret = map(s, "map 100e6 bytes sparse", &sparse);
	if (!ret)
		ret = map(s, "bind 4 MiB of BO 7 (offset 1 MiB) into the middle", &bo);
	if (!ret)
		ret = map(s, "map 40 pages repeating a 3-page region of BO 9", &rep);
	if (!ret)
		ret = apply("unmap 4 pages of the repeat at page 7",
			    gpuvm_va_unmap_prepare(s, rep.addr + (7 << 12),
						   4 << 12, &ops), &ops);
	if (!ret) {
		printf("\nfinal space:\n");
		gpuvm_va_space_print(s, stdout);
		ret = gpuvm_va_space_validate(s, stderr);
	}
	gpuvm_va_space_destroy(s);
	return ret ? 1 : 0;
}
