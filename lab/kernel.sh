#!/usr/bin/env bash
# Fetches Debian's kernel image and its debug info into the lab cache and prints the release.
#
# The release is resolved from the linux-image-amd64 metapackage, so a newer ABI (6.1.0-N) is picked
# up without edits. Everything is extracted outside the repository:
#   $KTRIAGE_CACHE/kernel/RELEASE/image   vmlinuz + modules (boot/, lib/modules/RELEASE/)
#   $KTRIAGE_CACHE/kernel/RELEASE/dbg     usr/lib/debug/{boot/vmlinux-RELEASE,lib/modules/RELEASE/...}
set -euo pipefail
cache=${KTRIAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktriage}

release=${KTRIAGE_KERNEL:-}
if [[ -z $release ]]; then
	pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
	[[ -n $pkg ]] || { echo "kernel.sh: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 1; }
	release=${pkg#linux-image-}
fi
dir=$cache/kernel/$release

fetch_extract() { # PACKAGE DEST
	local pkg=$1 dest=$2
	[[ -f $dest/.done ]] && return 0
	mkdir -p "$dir/deb" "$dest"
	if ! ls "$dir/deb/${pkg}_"*.deb >/dev/null 2>&1; then
		(cd "$dir/deb" && apt-get download -qq "$pkg") >&2
	fi
	dpkg-deb -x "$dir"/deb/"${pkg}"_*.deb "$dest"
	rm -f "$dir"/deb/"${pkg}"_*.deb
	touch "$dest/.done"
}

fetch_extract "linux-image-$release" "$dir/image"
[[ ${KTRIAGE_NO_DBG:-} ]] || fetch_extract "linux-image-$release-dbg" "$dir/dbg"

# Module builds need the matching headers installed on the host.
if [[ ! -d /usr/src/linux-headers-$release ]]; then
	apt-get install -y -qq --no-install-recommends "linux-headers-$release" >&2
fi
echo "$release"
