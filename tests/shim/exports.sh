#!/bin/sh
# SPDX-License-Identifier: MIT
# libgpuvm-shim.so exports exactly the libc functions its version script
# (src/shim/shim.map) lists: no gpuvm symbol, nothing a program could
# bind to by accident, none of them missing.
#
# usage: exports.sh LIBGPUVM_SHIM_SO SHIM_MAP
set -eu
lib=$1
map=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpuvm-exports-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWwiI]$/ { print $3 }' |
	sed 's/@.*//' | sort -u > "$tmp/exported"
sed -n '/global:/,/local:/p' "$map" | grep -v 'global:\|local:' |
	tr ';' '\n' | tr -d ' \t' | grep . | sort -u > "$tmp/listed"
if ! cmp -s "$tmp/exported" "$tmp/listed"; then
	echo "exported (<) and listed in $map (>) differ:"
	diff "$tmp/exported" "$tmp/listed" || true
	exit 1
fi
nm -D --defined-only "$lib" | grep -q gpuvm && {
	echo "a gpuvm symbol is exported"; exit 1; }
echo "$(wc -l < "$tmp/exported") functions exported, as listed"
