#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (as root) and analyses a real dump:
# installs dependencies, builds ktriage, makes the lab's "nmi-stuck" vmcore if none is cached
# (a CPU that ignored the crash NMI, as in the case ktriage was built for), and prints what
# ktriage finds in it: the system summary, the verified backtrace of every CPU, and the call
# sites of the CPU that left no registers resolved as a person proves them from the disassembly.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scenario=${1:-nmi-stuck}
scripts/install-deps.sh
[[ -f build/build.ninja ]] || meson setup build >/dev/null
ninja -C build >/dev/null
dir=$(lab/run.sh "$scenario")
echo "== ktriage $dir/vmcore.kdump sys"
build/ktriage "$dir/vmcore.kdump" sys
echo
echo "== ktriage $dir/vmcore.kdump bt -a --stale"
build/ktriage "$dir/vmcore.kdump" bt -a --stale
echo
# The test module has no BTF, as out-of-tree modules have none: its types come from its debug
# file's DWARF, found in the scenario's directory (the .ko files beside the dump).
echo "== ktriage --vmlinux $dir/vmlinux --debuginfo $dir $dir/vmcore.kdump bt -c 1 --explain"
build/ktriage --vmlinux "$dir/vmlinux" --debuginfo "$dir" "$dir/vmcore.kdump" bt -c 1 --explain
