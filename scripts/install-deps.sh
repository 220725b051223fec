#!/bin/sh
# Installs the Debian 12 packages gpuvm needs to build and test, and nothing
# else. Run as root it installs what is missing; otherwise it names the
# packages and fails, so a user never wonders why the build broke.
set -eu

# clang and its runtimes (libFuzzer, ASan, UBSan) build the fuzz targets
# that `make test` runs (`make fuzz`, docs/fuzzing.md).
# libdrm-dev: the test client of the render node (tests/shim/) is a libdrm
# program, as the clients it stands for are.
PKGS="meson ninja-build pkg-config gcc libcmocka-dev clang libclang-rt-14-dev libdrm-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "gpuvm: missing Debian packages:$missing" >&2
	echo "gpuvm: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "gpuvm: installing$missing" >&2
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
