#!/usr/bin/env bash
# Fetches one of Debian's kernels, its debug info and its headers into the lab cache and prints
# the release.
#
#   KTRIAGE_KERNEL=RELEASE lab/kernel.sh
#
# Without KTRIAGE_KERNEL the release is resolved from the system's linux-image-amd64 metapackage,
# so a newer ABI (6.1.0-N) is picked up without edits. Kernels of other suites come from the
# suites listed in kernel-sources.list, through a private apt state in the cache: the system's
# sources are never changed. Everything is extracted outside the repository:
#   $KTRIAGE_CACHE/kernel/RELEASE/image    vmlinuz + modules (boot/, lib/modules/RELEASE/)
#   $KTRIAGE_CACHE/kernel/RELEASE/dbg      usr/lib/debug/{boot/vmlinux-RELEASE,lib/modules/RELEASE/...}
#   $KTRIAGE_CACHE/kernel/RELEASE/headers  usr/src/linux-headers-RELEASE with its -common tree and
#                                          linux-kbuild in the same root (kernels not in the
#                                          system's suites; the system's kernel uses the installed
#                                          linux-headers-RELEASE)
set -euo pipefail
lab=$(cd "$(dirname "$0")" && pwd)
cache=${KTRIAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktriage}

release=${KTRIAGE_KERNEL:-}
if [[ -z $release ]]; then
	pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
	[[ -n $pkg ]] || { echo "kernel.sh: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 1; }
	release=${pkg#linux-image-}
fi
dir=$cache/kernel/$release

# apt with the system's state, or with the private one once the system does not know the kernel.
apt_opts=()
if ! apt-cache show "linux-image-$release" >/dev/null 2>&1; then
	state=$cache/apt
	mkdir -p "$state/lists/partial"
	cp "$lab/kernel-sources.list" "$state/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache")
	mkdir -p "$state/cache/archives/partial"
	# One update a day is enough: the security suite moves, but not within a lab run.
	if [[ -z $(find "$state/lists" -name '*_Packages*' -mmin -1440 2>/dev/null | head -1) ]]; then
		apt-get "${apt_opts[@]}" update -qq >&2
	fi
	apt-cache "${apt_opts[@]}" show "linux-image-$release" >/dev/null 2>&1 ||
		{ echo "kernel.sh: no package linux-image-$release in the system's suites nor in $lab/kernel-sources.list" >&2; exit 1; }
fi

fetch_extract() { # PACKAGE DEST
	local pkg=$1 dest=$2
	[[ -f $dest/.done.$pkg ]] && return 0
	mkdir -p "$dir/deb" "$dest"
	if ! ls "$dir/deb/${pkg}_"*.deb >/dev/null 2>&1; then
		(cd "$dir/deb" && apt-get "${apt_opts[@]}" download -qq "$pkg") >&2
	fi
	dpkg-deb -x "$dir"/deb/"${pkg}"_*.deb "$dest"
	rm -f "$dir"/deb/"${pkg}"_*.deb
	touch "$dest/.done.$pkg"
}
# Trees extracted by earlier versions of this script carry a plain .done.
extracted() { [[ -f $2/.done.$1 || -f $2/.done ]]; }

extracted "linux-image-$release" "$dir/image" || fetch_extract "linux-image-$release" "$dir/image"
if [[ -z ${KTRIAGE_NO_DBG:-} ]]; then
	extracted "linux-image-$release-dbg" "$dir/dbg" || fetch_extract "linux-image-$release-dbg" "$dir/dbg"
fi

# Module builds need the matching headers.
if ((${#apt_opts[@]} == 0)); then
	if [[ ! -d /usr/src/linux-headers-$release ]]; then
		apt-get install -y -qq --no-install-recommends "linux-headers-$release" >&2
	fi
else
	# linux-headers-RELEASE links into linux-headers-*-common and linux-kbuild-*: all in one root.
	hdr=$dir/headers
	deps=$(apt-cache "${apt_opts[@]}" depends "linux-headers-$release" |
		sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p' | sort -u)
	for p in "linux-headers-$release" $deps; do fetch_extract "$p" "$hdr"; done
	# The headers' Makefile includes the -common tree by its absolute /usr/src path.
	grep -rlZ --include=Makefile '/usr/src/' "$hdr/usr/src" 2>/dev/null |
		xargs -0 -r sed -i "s|\([ =]\)/usr/src/|\1$hdr/usr/src/|g"
fi
echo "$release"
