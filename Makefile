# The two commands a user needs: `make run` and `make test`.
# Everything else here is plumbing for those two (and `make bench`).

BUILD     ?= build
BUILD_SAN ?= build-san
BUILD_TSAN ?= build-tsan
MESON_TEST_ARGS ?= --print-errorlogs

.PHONY: run test bench deps build build-san build-tsan clean

run: build
	$(BUILD)/tools/gpuvm/gpuvm demo

test: build build-san build-tsan
	meson test -C $(BUILD) $(MESON_TEST_ARGS)
	meson test -C $(BUILD_SAN) $(MESON_TEST_ARGS)
	meson test -C $(BUILD_TSAN) $(MESON_TEST_ARGS) stress

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

# ThreadSanitizer, for the concurrency stress test: any report fails it.
build-tsan: deps
	@[ -f $(BUILD_TSAN)/build.ninja ] || meson setup $(BUILD_TSAN) \
		--buildtype=debug -Doptimization=1 \
		-Db_sanitize=thread -Db_lundef=false
	ninja -C $(BUILD_TSAN) tests/test_stress

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_TSAN)
