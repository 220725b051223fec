# The two commands a user needs: `make run` and `make test`.
# Everything else here is plumbing for those two (and `make bench`).

BUILD     ?= build
BUILD_SAN ?= build-san
MESON_TEST_ARGS ?= --print-errorlogs

.PHONY: run test bench deps build build-san clean

run: build
	$(BUILD)/tools/gpuvm/gpuvm demo

test: build build-san
	meson test -C $(BUILD) $(MESON_TEST_ARGS)
	meson test -C $(BUILD_SAN) $(MESON_TEST_ARGS)

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

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
