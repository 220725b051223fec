# The two commands a user needs: `make run` and `make test`.
# Everything else here is plumbing for those two (and `make bench`).

BUILD     ?= build
BUILD_SAN ?= build-san
BUILD_TSAN ?= build-tsan
BUILD_FUZZ ?= build-fuzz
# `make fuzz`: seconds per fuzzer, and libFuzzer's per-input limits.
FUZZ_SECONDS ?= 60
# A fixed seed and a fixed number of inputs make the timed runs repeat
# exactly: CI explores what a developer's run explored, and a red run is
# reproducible. FUZZ_SEED=0 asks libFuzzer for a fresh seed (exploring).
FUZZ_SEED ?= 1
FUZZ_DRV_RUNS ?= 1500
FUZZ_SCRIPT_RUNS ?= 30000
FUZZ_UAPI_RUNS ?= 20000
FUZZ_CS_RUNS ?= 30000
FUZZ_MMU_RUNS ?= 3000
FUZZ_RSS_MB ?= 2048
FUZZ_TIMEOUT ?= 60
MESON_TEST_ARGS ?= --print-errorlogs

.PHONY: run test bench deps build build-san build-tsan fuzz clean

run: build
	$(BUILD)/tools/gpuvm/gpuvm demo

# The suites first, so a fuzzing failure never hides their results.
test: build build-san build-tsan
	meson test -C $(BUILD) $(MESON_TEST_ARGS)
	meson test -C $(BUILD_SAN) $(MESON_TEST_ARGS)
	meson test -C $(BUILD_TSAN) $(MESON_TEST_ARGS) stress uapi_sync shim_client \
		uapi_group shim_groups_dummy drv_grow
	$(MAKE) --no-print-directory fuzz

bench: build
	$(BUILD)/tools/gpuvm/gpuvm bench

deps:
	@./scripts/install-deps.sh

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) --buildtype=debugoptimized
	ninja -C $(BUILD)

# ASan + UBSan; -O1 keeps stack traces readable and the suite quick.
build-san: deps
	@[ -f $(BUILD_SAN)/build.ninja ] || meson setup $(BUILD_SAN) \
		--buildtype=debug -Doptimization=1 \
		-Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(BUILD_SAN)

# ThreadSanitizer, for the concurrency tests (the driver's stress test,
# the uapi layer's threads): any report fails them.
build-tsan: deps
	@[ -f $(BUILD_TSAN)/build.ninja ] || meson setup $(BUILD_TSAN) \
		--buildtype=debug -Doptimization=1 \
		-Db_sanitize=thread -Db_lundef=false
	ninja -C $(BUILD_TSAN) tests/test_stress tests/test_uapi_sync \
		tests/test_shim_client tests/test_uapi_group tests/test_drv_grow \
		tests/test_shim_groups src/shim/libgpuvm-shim.so tools/gpuvm/gpuvm

# libFuzzer (docs/fuzzing.md): clang, ASan + UBSan, every object built
# with coverage instrumentation. Replays the four in-tree corpora, each
# file as its own run (a failing input fails the target), then runs the
# driver and script fuzzers side by side, then the ioctl and
# command-stream fuzzers side by side (the machine has two cores), each
# for at most FUZZ_SECONDS (and a fixed
# count of inputs from a fixed seed, see FUZZ_SEED). New inputs go to a
# temporary directory, never the source tree; crashes go to
# $(BUILD_FUZZ)/artifacts/, logs next to it.
FUZZ_LIMITS = -rss_limit_mb=$(FUZZ_RSS_MB) -timeout=$(FUZZ_TIMEOUT) \
	-artifact_prefix=$(BUILD_FUZZ)/artifacts/
FUZZERS = drv script uapi cs mmu
fuzz: deps
	@[ -f $(BUILD_FUZZ)/build.ninja ] || CC=clang meson setup $(BUILD_FUZZ) \
		-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link -Dtests=false
	ninja -C $(BUILD_FUZZ) $(addprefix fuzz/fuzz_,$(FUZZERS))
	@mkdir -p $(BUILD_FUZZ)/artifacts
	@bad=0; for f in $(FUZZERS); do \
		log=$(BUILD_FUZZ)/replay_$$f.log; \
		if $(BUILD_FUZZ)/fuzz/fuzz_$$f $(FUZZ_LIMITS) fuzz/corpus/$$f/* \
			> $$log 2>&1; then \
			echo "replay $$f corpus: $$(sed -n 's/.*Running \([0-9]*\) inputs.*/\1/p' $$log) inputs, all passed"; \
		else \
			bad=1; echo "replay $$f corpus FAILED ($$log):"; tail -n 40 $$log; \
		fi; \
	done; \
	[ $$bad = 0 ]
	@tmp=$$(mktemp -d) || exit 1; trap 'rm -rf "$$tmp"' EXIT INT TERM; \
	run() { f=$$1; runs=$$2; shift 2; mkdir "$$tmp/$$f" || exit 1; \
		$(BUILD_FUZZ)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
			-seed=$(FUZZ_SEED) -runs=$$runs -print_final_stats=1 \
			$(FUZZ_LIMITS) "$$@" "$$tmp/$$f" fuzz/corpus/$$f \
			> $(BUILD_FUZZ)/fuzz_$$f.log 2>&1; }; \
	report() { f=$$1; log=$(BUILD_FUZZ)/fuzz_$$f.log; \
		echo "fuzz_$$f ($(FUZZ_SECONDS) s): $$(grep -E 'stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' $$log | sed 's/stat:://' | tr -s ' \n' ' ')"; \
		[ $$2 = 0 ] || { echo "fuzz_$$f FAILED ($$log):"; tail -n 40 $$log; }; }; \
	run drv $(FUZZ_DRV_RUNS) & d=$$!; \
	run script $(FUZZ_SCRIPT_RUNS) -dict=fuzz/script.dict & s=$$!; \
	rd=0; rs=0; ru=0; rc=0; wait $$d || rd=1; wait $$s || rs=1; \
	run uapi $(FUZZ_UAPI_RUNS) & u=$$!; \
	run cs $(FUZZ_CS_RUNS) & c=$$!; \
	wait $$u || ru=1; wait $$c || rc=1; \
	rm=0; run mmu $(FUZZ_MMU_RUNS) || rm=1; \
	report drv $$rd; report script $$rs; report uapi $$ru; report cs $$rc; \
	report mmu $$rm; \
	[ $$rd = 0 ] && [ $$rs = 0 ] && [ $$ru = 0 ] && [ $$rc = 0 ] && [ $$rm = 0 ]

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_TSAN) $(BUILD_FUZZ)
