// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the differential step engine (tests/fuzz/driver.c)
 * reads its decisions from the input, runs them on gpuvm's driver layer
 * and on the reference model (tests/fuzz/model.c), and aborts at the
 * first difference after printing it. The first value read picks one of
 * FZ_PRESETS device configurations.
 *
 * Bounded per input: 256 MiB of simulated RAM, at most 16 MiB of BOs
 * created per file (so the budget is never reached), 2000 steps.
 * Everything is destroyed before returning, so a leak is a finding.
 * GPUVM_FUZZ_VERBOSE=1 prints every step (to replay a crash file).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "driver.h"

#define FUZZ_RAM       (256ull << 20)
#define FUZZ_BO_BYTES  (16ull << 20)
#define FUZZ_MAX_STEPS 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_opts o;

	fz_default_opts(&o);
	o.ram = FUZZ_RAM;
	o.file_bo_bytes = FUZZ_BO_BYTES;
	o.max_steps = FUZZ_MAX_STEPS;
	o.sweep_every = 0;
	/* Replaying a crash file: every step as it runs. */
	o.verbose = getenv("GPUVM_FUZZ_VERBOSE") != NULL;
	/* The last byte's low bit picks the memory: gpuvm's own RAM or a
	 * buffer of ours (drv.h cfg.ram_buffer), so both are fuzzed. */
	o.caller_ram = size && (data[size - 1] & 1);
	if (fz_run_bytes(&o, data, size, NULL))
		abort();
	return 0;
}
