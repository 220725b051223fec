#!/bin/sh
# Fails when a file of module X includes the header of a module that X may
# not use. The modules and what each may use (README, "Layout"): va and pt
# are siblings, neither uses the other; every other module uses only the
# ones below it. A header nobody mapped to a module fails too, so a new
# module cannot slip past the check.
#
# usage: check-layering.sh [SOURCE_ROOT]
set -eu
root=${1:-$(dirname "$0")/..}
cd "$root"

# module: the modules it may use
allowed() {
	case $1 in
	util) echo "" ;;
	mem) echo "util" ;;
	va) echo "util mem" ;;
	pt) echo "util mem" ;;
	mmu) echo "util mem va pt" ;;
	masreg) echo "util mem va pt mmu" ;;
	cs) echo "util mem va pt mmu masreg" ;;
	drv) echo "util mem va pt mmu masreg cs" ;;
	uapi) echo "util mem va pt mmu masreg cs drv" ;;
	shim) echo "util mem va pt mmu masreg cs drv uapi" ;;
	*) return 1 ;;
	esac
}

# Module of an include path: "gpuvm/pt.h" -> pt, "mmu/tlb.h" -> mmu.
module_of() {
	case $1 in
	gpuvm/panthor_drm.h) echo uapi ;;
	gpuvm/*.h) basename "$1" .h ;;
	*/*) echo "${1%%/*}" ;;
	*) echo "" ;;  # same-folder include
	esac
}

bad=0
check_file() {
	file=$1 mod=$2
	ok=$(allowed "$mod") || { echo "$file: unknown module '$mod'"; bad=1; return; }
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
	sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1 \2/' |
	while read -r line inc; do
		dep=$(module_of "$inc")
		[ -z "$dep" ] || [ "$dep" = "$mod" ] && continue
		if ! allowed "$dep" >/dev/null; then
			echo "$file:$line: includes \"$inc\": no module '$dep' in the layering"
			echo fail
			continue
		fi
		case " $ok " in
		*" $dep "*) ;;
		*) echo "$file:$line: module $mod may not use $dep (\"$inc\")"; echo fail ;;
		esac
	done
}

out=$(
	for f in $(find src -name '*.[ch]' | sort); do
		mod=${f#src/}; mod=${mod%%/*}
		check_file "$f" "$mod"
	done
	for f in include/gpuvm/*.h; do
		check_file "$f" "$(module_of "gpuvm/${f##*/}")"
	done
)
printf '%s\n' "$out" | grep -v '^fail$' | grep . && bad=1
printf '%s\n' "$out" | grep -q '^fail$' && bad=1
[ $bad = 0 ] && echo "layering: every include follows the module order"
exit $bad
