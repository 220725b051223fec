#!/bin/sh
# SPDX-License-Identifier: MIT
# The trace of a program replays with the same results (docs/shim.md):
# runs the libdrm client under `gpuvm shim --trace=FILE`, then every trace
# it left (the client's, and FILE.PID of its forked child) through
# `gpuvm run`. Also checks that a replay compares: the same trace with one
# result changed must fail, at that line.
#
# usage: trace_replay.sh GPUVM CLIENT
set -eu
gpuvm=$1
client=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/gpuvm-trace-XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$gpuvm" shim --ram=64M --trace="$dir/client.gvs" -- "$client" \
	> "$dir/client.log" 2>&1 || { cat "$dir/client.log"; exit 1; }

n=0
for t in "$dir"/client.gvs*; do
	"$gpuvm" run "$t" || { echo "replay of $t failed"; exit 1; }
	n=$((n + 1))
done
[ "$n" -ge 2 ] || { echo "expected the client's trace and its child's"; exit 1; }

# What the client does must be in the trace: faults, read-only memory,
# a tail, a raw request, syncobj waits, mappings, several files.
for want in 'arg=fault' 'arg=ro' ' fault$' ' ro$' 'tail=M' ' raw req=' \
	    'SYNCOBJ_WAIT' 'expect=ETIME' 'uapi_mmap' 'uapi_munmap' \
	    'uset M1 drm_panthor_vm_bind_op' 'uset M2 drm_panthor_sync_op'; do
	grep -q -e "$want" "$dir/client.gvs" ||
		{ echo "trace lacks '$want'"; exit 1; }
done

# One result changed: the replay must fail on that line.
line=$(grep -n 'out.handle=1$' "$dir/client.gvs" | head -n 1 | cut -d: -f1)
sed "${line}s/out.handle=1\$/out.handle=77/" "$dir/client.gvs" \
	> "$dir/changed.gvs"
if "$gpuvm" run "$dir/changed.gvs" 2> "$dir/changed.err"; then
	echo "a changed result replayed"; exit 1
fi
grep -q "changed.gvs:$line: ioctl" "$dir/changed.err" ||
	{ cat "$dir/changed.err"; exit 1; }
echo "replayed $n traces"
