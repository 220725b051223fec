// SPDX-License-Identifier: MIT
/*
 * The deterministic form of the differential fuzzer: the step engine
 * (driver.c) against the reference model (model.c), driven by a PRNG from
 * fixed seeds, one seed per device preset. 1,000,000 steps in all in a
 * normal build, 100,000 under AddressSanitizer (and with
 * GPUVM_FUZZ_QUICK set); each seed prints its step count and time.
 *
 * A failure prints the seed, the preset, the step number, the step and
 * the first difference. To reproduce one (see docs/fuzzing.md):
 *
 *   GPUVM_FUZZ_SEED=0x5eed0003 GPUVM_FUZZ_PRESET=3 GPUVM_FUZZ_STEPS=N \
 *   GPUVM_FUZZ_VERBOSE=1 build/tests/test_fuzz_diff
 *
 * GPUVM_FUZZ_GEN=DIR writes libFuzzer seed inputs for fuzz_drv instead:
 * short PRNG runs recorded as the bytes that replay them (driver.h).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "driver.h"

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_SANITIZED 1
#endif
#endif
#ifndef FUZZ_SANITIZED
#define FUZZ_SANITIZED 0
#endif

#define TOTAL_STEPS      1000000ul
#define TOTAL_STEPS_SAN  100000ul
#define SEED_BASE        0x5eed0000ull

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static int run_seed(uint64_t seed, int preset, unsigned long steps,
		    bool verbose)
{
	struct fz_opts o;
	struct fz_stats st;
	double t = now_s();
	int ret;

	fz_default_opts(&o);
	o.seed = seed;
	o.preset = preset;
	o.max_steps = steps;
	o.verbose = verbose;
	/* Odd presets run over a RAM buffer of ours (drv.h ram_buffer). */
	o.caller_ram = preset >= 0 && (preset & 1);
	ret = fz_run_prng(&o, &st);
	print_message("  seed 0x%" PRIx64 " preset %d%s: %lu steps in %.1f s "
		      "(%lu binds, %lu ops, %lu failed as expected, %lu async, "
		      "%lu jobs; %lu GPU accesses, %lu faults; %lu evictions, "
		      "%lu validates; %lu checks, %lu lookups, %lu pages "
		      "compared, %lu reads; %lu VMs, %lu BOs, %lu file closes)"
		      "%s\n", seed, st.preset,
		      o.caller_ram ? " (caller RAM)" : "", st.steps,
		      now_s() - t, st.binds,
		      st.ops, st.ops_failed, st.async_binds, st.jobs_run,
		      st.gpu, st.gpu_faults, st.evictions, st.validates,
		      st.checks, st.lookups, st.pages_compared, st.reads,
		      st.vms_created, st.bos_created, st.files_closed,
		      ret ? " FAILED" : "");
	print_message("    ops done: %lu BO, %lu repeat, %lu sparse, %lu far "
		      "sparse, %lu unmap; %lu VM sweeps: %.1f mappings on "
		      "average, %lu with 2M leaves, %lu with 1G leaves, %lu "
		      "with shared tables, %lu with evicted pages, %lu "
		      "unusable; %lu binds failed by injected -ENOMEM, %lu "
		      "queued MAPs made to fail as they ran\n",
		      st.ok_bo, st.ok_repeat, st.ok_sparse,
		      st.ok_far, st.ok_unmap, st.sweeps,
		      st.sweeps ? (double)st.sweep_mappings / (double)st.sweeps :
				  0.0, st.sweep_2m, st.sweep_1g, st.sweep_shared,
		      st.sweep_evicted, st.sweep_unusable, st.injected,
		      st.run_failures);
	return ret;
}

static void test_fuzz_diff(void **state)
{
	unsigned long total = FUZZ_SANITIZED || getenv("GPUVM_FUZZ_QUICK") ?
			      TOTAL_STEPS_SAN : TOTAL_STEPS;
	unsigned long per = total / FZ_PRESETS, done = 0;
	double t = now_s();
	int p, failed = 0;

	(void)state;
	if (getenv("GPUVM_FUZZ_SEED")) {
		/* One seed, to reproduce a failure. */
		p = (int)env_u64("GPUVM_FUZZ_PRESET", (uint64_t)-1);
		assert_int_equal(run_seed(env_u64("GPUVM_FUZZ_SEED", 0), p,
					  env_u64("GPUVM_FUZZ_STEPS", per),
					  getenv("GPUVM_FUZZ_VERBOSE") != NULL),
				 0);
		return;
	}
	print_message("fuzz_diff: %lu steps over %d seeds%s\n", total,
		      FZ_PRESETS, FUZZ_SANITIZED ? " (sanitizer build)" : "");
	for (p = 0; p < FZ_PRESETS; p++) {
		failed |= run_seed(SEED_BASE + (uint64_t)p, p, per, false);
		done += per;
	}
	print_message("fuzz_diff: %lu steps in %.1f s\n", done, now_s() - t);
	assert_int_equal(failed, 0);
}

/* GPUVM_FUZZ_GEN=DIR: seed inputs for fuzz/fuzz_drv.c. */
static int gen_corpus(const char *dir)
{
	static const unsigned long steps[] = { 20, 50, 100, 200, 400 };
	struct fz_opts o;
	struct fz_stats st, replay;
	char path[4096];
	unsigned int i;

	for (i = 0; i < 40; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		FILE *f;

		fz_default_opts(&o);
		/* What fuzz/fuzz_drv.c runs with. */
		o.ram = 256ull << 20;
		o.file_bo_bytes = 16ull << 20;
		o.sweep_every = 0;
		o.seed = 0xc0de0000ull + i;
		o.max_steps = steps[i % 5];
		if (fz_record(&o, &buf, &len, &st) ||
		    fz_run_bytes(&o, buf, len, &replay)) {
			free(buf);
			return 1;
		}
		/* The bytes must replay the run, not just any run. */
		if (replay.steps != st.steps || replay.binds != st.binds ||
		    replay.ops != st.ops || replay.ops_failed != st.ops_failed ||
		    replay.gpu != st.gpu || replay.gpu_faults != st.gpu_faults ||
		    replay.evictions != st.evictions) {
			fprintf(stderr, "seed 0x%" PRIx64 ": the recording does "
				"not replay the run\n", o.seed);
			free(buf);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/prng-%02u-p%d-%lu", dir, i,
			 st.preset, st.steps);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
			perror(path);
			free(buf);
			return 1;
		}
		free(buf);
		printf("%s: %zu bytes\n", path, len);
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_diff),
	};

	if (getenv("GPUVM_FUZZ_GEN"))
		return gen_corpus(getenv("GPUVM_FUZZ_GEN"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
