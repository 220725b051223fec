#!/bin/sh
# Runs a script that must fail and checks how: exit status 1 and a first
# stderr line "SCRIPT:LINE: ...TEXT..." as its "# error: LINE: TEXT"
# header says. Usage: expect_error.sh GPUVM SCRIPT
tool=$1
script=$2
want=$(sed -n 's/^# error: //p' "$script" | head -n 1)
[ -n "$want" ] || { echo "$script: no '# error: LINE: TEXT' header"; exit 1; }
line=${want%%: *}
text=${want#*: }
err=$("$tool" run "$script" 2>&1 >/dev/null)
status=$?
first=$(printf '%s\n' "$err" | head -n 1)
if [ "$status" -ne 1 ]; then
	echo "exit status $status, expected 1; stderr: $first"
	exit 1
fi
case "$first" in
"$script:$line: "*"$text"*)
	exit 0 ;;
esac
echo "stderr: $first"
echo "wanted: $script:$line: ...$text..."
exit 1
