#!/bin/sh
# Runs a command with its stdout sent to OUT (/dev/full to make every
# write fail, /dev/null to drop it) and checks its exit status and the
# whole of its stderr, one line given without its newline.
# Usage: expect_stderr.sh STATUS STDERR OUT COMMAND [ARGS...]
want_status=$1
want_err=$2
out=$3
shift 3
err=$("$@" 2>&1 >"$out")
status=$?
if [ "$status" -ne "$want_status" ]; then
	echo "exit status $status, expected $want_status; stderr: $err"
	exit 1
fi
if [ "$err" != "$want_err" ]; then
	echo "stderr: $err"
	echo "wanted: $want_err"
	exit 1
fi
