#!/bin/sh
# Fails unless every symbol a shared library exports starts with the
# given prefix (gpuvm_ for libgpuvm.so): internals such as drv_bo_new
# must not clash with other libraries' symbols in a program that loads
# both. Also fails on a library that exports nothing, which would mean
# the check looked at the wrong file.
#
# usage: check-exports.sh LIBRARY PREFIX
set -eu
lib=$1 prefix=$2
syms=$(nm -D --defined-only "$lib" | awk '{ print $3 }')
[ -n "$syms" ] || { echo "$lib: exports nothing"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -v "^$prefix" || true)
if [ -n "$bad" ]; then
	echo "$lib exports symbols without the $prefix prefix:"
	printf '  %s\n' $bad
	exit 1
fi
echo "$lib: $(printf '%s\n' "$syms" | wc -l) symbols, all $prefix*"
