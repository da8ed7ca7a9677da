#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (as root) and analyses a real dump:
# installs dependencies, builds ktriage, makes the lab's "nmi-stuck" vmcore if none is cached
# (a CPU that ignored the crash NMI, as in the case ktriage was built for), shows the call sites
# of that CPU proven from the disassembly, and ends with the triage report. What the setup
# prints goes to build/demo-setup.log, shown only if a step fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scenario=${1:-nmi-stuck}
mkdir -p build
log=$top/build/demo-setup.log
: > "$log"
step() { # WHAT COMMAND...: runs it into the log; on failure prints the log and stops
	local what=$1; shift
	printf '%s ... ' "$what" >&2
	if "$@" >> "$log" 2>&1; then
		echo done >&2
	else
		echo "failed; its output:" >&2
		tail -n 60 "$log" >&2
		exit 1
	fi
}
step "installing the Debian packages" scripts/install-deps.sh
[[ -f build/build.ninja ]] || step "configuring the build" meson setup build
step "building ktriage" ninja -C build
dirfile=$(mktemp)
trap 'rm -f "$dirfile"' EXIT
step "making the '$scenario' dump (Debian's kernel under QEMU; cached after the first time)" \
	sh -c 'lab/run.sh "$1" > "$2"' _ "$scenario" "$dirfile"
dir=$(head -1 "$dirfile")
dump=$dir/vmcore.kdump
# The test module has no BTF, as out-of-tree modules have none: its types come from its debug
# file's DWARF, found in the scenario's directory (the .ko files beside the dump).
echo
echo "== ktriage --debuginfo $dir $dump bt -c 1 --explain"
build/ktriage --debuginfo "$dir" "$dump" bt -c 1 --explain
echo
echo "== ktriage --debuginfo $dir $dump       (the triage report, the default command)"
build/ktriage --debuginfo "$dir" "$dump"
