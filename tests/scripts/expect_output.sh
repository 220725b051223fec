#!/bin/sh
# Runs a script that must pass and compares everything it prints on
# stdout with the expected text kept next to it (NAME.out for NAME.gvs).
# OPTIONS go to `gpuvm run` before the script (--trace).
# Usage: expect_output.sh GPUVM SCRIPT [OPTION...]
tool=$1
script=$2
shift 2
want=${script%.gvs}.out
got=$(mktemp) || exit 1
trap 'rm -f "$got"' EXIT
"$tool" run "$@" "$script" >"$got"
status=$?
if [ "$status" -ne 0 ]; then
	echo "exit status $status, expected 0"
	exit 1
fi
diff -u "$want" "$got" || exit 1
