#!/usr/bin/env bash
# Makes a real vmcore for one lab scenario: boots Debian's kernel under QEMU (TCG), runs
# lab/scenarios/NAME.sh in the guest, captures the dump (kdump in the guest, or QEMU's
# dump-guest-memory), and writes ground truth printed by the guest in the same run.
#
#   lab/run.sh [--force] NAME...     prints the output directory of each scenario
#
# The kernel is Debian's current 6.1 (linux-image-amd64) unless KTRIAGE_KERNEL names another
# release lab/kernel.sh can fetch (5.10.0-46-amd64, 6.12.95+deb12-amd64).
#
# Output (cached outside the repository, keyed by kernel release and a hash of lab/):
#   $KTRIAGE_CACHE/dumps/RELEASE-HASH/NAME/
#     vmcore.elf          makedumpfile -E -d 31 (ELF, filtered; -d 23 where VMCOREINFO
#                         lacks PG_slab, see dump_level below)
#     vmcore.kdump        makedumpfile -c -d 31 (kdump-compressed, zlib; same level)
#     serial.log          the guest's serial console
#     ground-truth.json   the KTGT lines of serial.log (lab/gt.py)
#     vmlinux, *.ko       links to the matching debug files
#   $KTRIAGE_CACHE/dumps/RELEASE-HASH/debug/lib/modules/RELEASE/extra/*.ko
#                         the test modules the guest loaded (with DWARF; BTF only where
#                         btf_modules below says), laid out like
#                         /usr/lib/debug: ktriage --debuginfo RELEASE-HASH/debug
#   (panic additionally: vmcore.full.elf (unfiltered /proc/vmcore), vmcore.lzo.kdump,
#    vmcore.plain.kdump (uncompressed), vmcore.flat (makedumpfile -F); qemu-dump*: vmcore.qemu.elf
#    instead of all the others)
# Dumps of older lab versions of the same kernel are removed (KTRIAGE_KEEP_OLD=1 keeps them).
set -euo pipefail
lab=$(cd "$(dirname "$0")" && pwd)
cache=${KTRIAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktriage}
force=
[[ ${1:-} == --force ]] && { force=1; shift; }
(($#)) || { sed -n '2,/^set/p' "$0" | sed '$d' >&2; exit 2; }

release=$("$lab/kernel.sh")
kdir=$cache/kernel/$release
image=$kdir/image
dbg=$kdir/dbg/usr/lib/debug
# The system's headers for the system's kernel, else the root kernel.sh unpacked them into.
headers=/usr/src/linux-headers-$release
[[ -d $kdir/headers/usr/src/linux-headers-$release ]] && headers=$kdir/headers/usr/src/linux-headers-$release
labhash=$("$lab/hash.sh")
build=$cache/build/$release-$labhash
outroot=$cache/dumps/$release-$labhash
log() { echo "lab: $*" >&2; }
# An output path that is a dangling symlink (its target pruned) is replaced by a directory.
drop_dangling() { [[ -L $1 && ! -e $1 ]] && rm -f "$1"; return 0; }
drop_dangling "$outroot"; drop_dangling "$build"

# Module BTF as kbuild adds it to Debian's own modules (scripts/Makefile.modfinal,
# CONFIG_DEBUG_INFO_BTF_MODULES): split BTF on top of the vmlinux's, with the flags of the
# kernel's own scripts/pahole-flags.sh for this pahole. kbuild skips it for out-of-tree modules
# (no vmlinux in the headers tree). The kernel validates it at load (kernel/bpf/btf.c);
# /sys/kernel/btf/MODULE exists in the guest once it is accepted.
# Only the modules listed here get it: out-of-tree modules as users build them have none, and
# their types must come from their DWARF; ktest_callforms keeps the BTF path tested.
# Kernels without CONFIG_DEBUG_INFO_BTF_MODULES (before 5.11) load no module BTF: none is added.
btf_modules=" ktest_callforms "
grep -q '^CONFIG_DEBUG_INFO_BTF_MODULES=y' "$headers/.config" 2>/dev/null || btf_modules=
# The pahole flags kbuild uses: scripts/pahole-flags.sh up to 6.6, then scripts/Makefile.btf
# (PAHOLE_FLAGS, evaluated with the kernel's config).
pahole_flags() {
	if [[ -f $headers/scripts/pahole-flags.sh ]]; then
		PAHOLE=pahole sh "$headers/scripts/pahole-flags.sh"
	else
		make -s -C "$headers" -f <(printf '%s\n' 'include include/config/auto.conf' \
			'include scripts/Makefile.btf' 'pahole-flags:' \
			'	@echo $(PAHOLE_FLAGS) $(MODULE_PAHOLE_FLAGS)') pahole-flags
	fi
}
add_module_btf() { # KO
	local vmlinux=$dbg/boot/vmlinux-$release flags
	flags=$(pahole_flags)
	# shellcheck disable=SC2086
	LLVM_OBJCOPY=objcopy pahole -J $flags --btf_base "$vmlinux" "$1" >&2
	readelf -S -W "$1" | grep -q ' \.BTF ' || { log "pahole wrote no .BTF into $1"; return 1; }
}

# A module folder with a KERNELS file (shell patterns, one a line, # comments) is built only for
# the releases it names; a scenario is made only for the releases of its KERNELS= (NAME.conf).
for_kernel() { # PATTERN...
	local p
	for p in "$@"; do
		# shellcheck disable=SC2053
		[[ $release == $p ]] && return 0
	done
	return 1
}
module_for_kernel() { # MODULE-DIR
	[[ -f $1/KERNELS ]] || return 0
	local pats
	read -ra pats <<<"$(grep -v '^#' "$1/KERNELS" | tr '\n' ' ')"
	for_kernel "${pats[@]}"
}

build_modules() {
	[[ -f $build/.modules ]] && return 0
	if [[ $btf_modules ]]; then
		command -v pahole >/dev/null ||
			{ log "pahole not found: install dwarves (scripts/install-deps.sh)"; return 1; }
		[[ -f $dbg/boot/vmlinux-$release ]] ||
			{ log "no debug vmlinux $dbg/boot/vmlinux-$release (module BTF is built on it)"; return 1; }
	fi
	mkdir -p "$build/modules"
	# The compiler the kernel was built with (CONFIG_CC_VERSION_TEXT, "gcc-10 (Debian ...)"):
	# when the host lacks it, the host's gcc-12 builds the modules (no flag it cannot take).
	local cc
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$headers/.config")
	local make_cc=()
	if [[ -n $cc ]] && ! command -v "$cc" >/dev/null; then
		log "the kernel was built with $cc, not on this host: building modules with gcc-12"
		make_cc=(CC=gcc-12)
	fi
	local d name ko
	for d in "$lab"/modules/*/; do
		[[ -f $d/Kbuild || -f $d/Makefile ]] || continue
		name=$(basename "$d")
		module_for_kernel "$d" || { log "module $name: not for $release (its KERNELS)"; continue; }
		rm -rf "$build/src/modules.$name"; mkdir -p "$build/src"
		cp -r "$lab/modules" "$build/src/modules.$name"   # relative includes between folders keep working
		log "building module $name"
		make -s -C "$headers" "${make_cc[@]}" M="$build/src/modules.$name/$name" modules >&2 ||
			{ log "module $name did not build"; return 1; }
		if [[ $btf_modules == *" $name "* ]]; then
			for ko in "$build/src/modules.$name/$name"/*.ko; do add_module_btf "$ko" || return 1; done
		fi
		cp "$build/src/modules.$name/$name"/*.ko "$build/modules/" || return 1
	done
	touch "$build/.modules"
}

# The test modules as the guest loads them (DWARF, and BTF for btf_modules), where a debuginfo search finds
# modules: DIR/lib/modules/RELEASE/extra/NAME.ko, DIR = the dumps tree's debug/.
install_debug_modules() {
	local dest=$outroot/debug/lib/modules/$release/extra ko tmp
	mkdir -p "$dest" || return 1
	for ko in "$build"/modules/*.ko; do
		[[ -f $ko ]] || continue
		cmp -s "$ko" "$dest/${ko##*/}" && continue
		# Lab runs of the same sources may install at the same time: each renames its own copy.
		tmp=$dest/.${ko##*/}.$$
		cp "$ko" "$tmp" && mv -f "$tmp" "$dest/${ko##*/}" || { rm -f "$tmp"; return 1; }
	done
	return 0
}

build_programs() {
	[[ -f $build/.programs ]] && return 0
	mkdir -p "$build/bin"
	local c
	for c in "$lab"/guest/*.c; do
		[[ -f $c ]] || continue
		log "building $(basename "$c")"
		gcc -static -O2 -g -pthread -Wall -o "$build/bin/$(basename "$c" .c)" "$c"
	done
	touch "$build/.programs"
}

# Finds a kernel module of the image by name ('_' and '-' are the same in module names). Some
# kernels ship them compressed (NAME.ko.xz, 6.12): busybox insmod takes plain .ko only.
kmods=$image/lib/modules/$release
kmod_path() { # NAME
	local path
	path=$(find "$kmods/kernel" \( -name "${1//-/_}.ko" -o -name "${1//_/-}.ko" \
		-o -name "${1//-/_}.ko.xz" -o -name "${1//_/-}.ko.xz" \) | head -1)
	[[ -n $path ]] || { log "no module $1 in $kmods"; return 1; }
	echo "$path"
}

# Built into the kernel (modules.builtin): nothing to load.
kmod_builtin() { # NAME
	grep -qE "/(${1//_/[-_]})\.ko\$" "$kmods/modules.builtin" 2>/dev/null
}

# Copies a module file as a plain .ko.
copy_ko() { # PATH DEST.ko
	if [[ $1 == *.xz ]]; then xz -dc "$1" > "$2"; else cp "$1" "$2"; fi
}

# Copies a kernel module and everything it depends on into a tree.
copy_kmod() { # NAME DESTROOT
	local dest=$2 path rel dep
	kmod_builtin "$1" && return 0
	path=$(kmod_path "$1") || return 1
	rel=${path#"$kmods"/}; rel=${rel%.xz}
	mkdir -p "$dest/lib/modules/$release/$(dirname "$rel")"
	copy_ko "$path" "$dest/lib/modules/$release/$rel"
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do copy_kmod "$dep" "$dest"; done
}

# Lists NAME and its dependencies, dependencies first (built-in ones left out).
kmod_order() { # NAME
	local path dep
	kmod_builtin "$1" && return 0
	path=$(kmod_path "$1") || return 1
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do kmod_order "$dep"; done
	echo "$1"
}

add_busybox() { # ROOT
	mkdir -p "$1/bin"
	cp /bin/busybox "$1/bin/"
	local a
	for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -sf busybox "$1/bin/$a"; done
}

make_cpio() { (cd "$1" && find . | cpio -o -H newc --quiet) > "$2"; }

build_capture_initrd() {
	[[ -f $build/capture.cpio ]] && return 0
	local root=$build/capture-root m
	rm -rf "$root"; mkdir -p "$root"/{proc,sys,dev,modules}
	add_busybox "$root"
	cp "$lab/guest/capture-init" "$root/init"; chmod +x "$root/init"
	: > "$root/modules/order"
	for m in $( (kmod_order virtio_pci; kmod_order virtio_blk) | awk '!seen[$0]++'); do
		copy_ko "$(kmod_path "$m")" "$root/modules/$m.ko"
		echo "$m" >> "$root/modules/order"
	done
	make_cpio "$root" "$build/capture.cpio"
}

build_initramfs() {
	[[ -f $build/initramfs.cpio ]] && return 0
	# Two lab runs of the same sources share the build tree: one builds, the other waits.
	mkdir -p "$build"
	exec 9>"$build.lock"
	flock 9
	if [[ -f $build/initramfs.cpio ]]; then flock -u 9; return 0; fi
	build_modules && build_programs && build_capture_initrd || { flock -u 9; return 1; }
	local root=$build/root lib m
	rm -rf "$root"; mkdir -p "$root"/{proc,sys,dev,tmp,boot,modules,scenarios,lib64,sbin}
	add_busybox "$root"
	cp /sbin/kexec "$root/sbin/"
	for lib in $(ldd /sbin/kexec | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
	done
	cp "$image/boot/vmlinuz-$release" "$root/boot/vmlinuz"
	cp "$build/capture.cpio" "$root/boot/"
	# KTRIAGE_LAB_KMODS: more of the kernel's own modules for the guest to load (bench/scale).
	# shellcheck disable=SC2086
	for m in kvm_amd kvm_intel qemu_fw_cfg virtio_pci virtio_blk ${KTRIAGE_LAB_KMODS:-}; do
		copy_kmod "$m" "$root" || log "module $m: not in $release's tree"
	done
	cp "$kmods"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$release/" 2>/dev/null || true
	depmod -b "$root" "$release"
	cp "$build"/modules/*.ko "$root/modules/" 2>/dev/null || true
	cp "$build"/bin/* "$root/bin/" 2>/dev/null || true
	cp "$lab"/scenarios/*.sh "$root/scenarios/" 2>/dev/null || true
	cp "$lab/guest/init" "$root/init"; chmod +x "$root/init"
	make_cpio "$root" "$build/initramfs.cpio.tmp" && mv "$build/initramfs.cpio.tmp" "$build/initramfs.cpio"
	flock -u 9
}

# A changed lab makes new dumps; the old ones only take space (a QEMU dump is ~800 MB).
prune_old() {
	[[ ${KTRIAGE_KEEP_OLD:-} ]] && return 0
	# Only those untouched for an hour: another lab run may be filling a newer one.
	find "$cache/dumps" "$cache/build" -mindepth 1 -maxdepth 1 -name "$release-*" -mmin +60 \
		! -path "$outroot" ! -path "$build" -exec rm -rf {} + 2>/dev/null || true
	# Links whose target is gone (of any release) point at nothing worth keeping.
	find "$cache/dumps" "$cache/build" -mindepth 1 -maxdepth 1 -xtype l -delete 2>/dev/null || true
	return 0
}

# The ELF vmcore written raw to the disk image ends at the largest p_offset + p_filesz.
cut_elf() { python3 "$lab/elfcut.py" "$1" "$2"; }

# makedumpfile's dump level. -d 31 leaves out user pages (bit 8) by telling them from the kernel's
# own pages with page flags VMCOREINFO names; where it has no NUMBER(PG_slab) (6.10 made the slab
# flag a page type), makedumpfile 1.7.2 takes slab pages for user pages and drops live kernel
# objects, so such dumps keep user pages (-d 23). VMCOREINFO is a note at the start of the file.
dump_level() { # RAW-ELF
	local n
	n=$(head -c 16M "$1" | grep -ac 'NUMBER(PG_slab)=' || true)
	if ((n > 0)); then echo 31; else echo 23; fi
}

run_scenario() { # NAME
	local name=$1 out=$outroot/$1
	[[ -f $lab/scenarios/$name.sh ]] || { log "unknown scenario '$name'"; return 1; }
	if [[ -z $force && -f $out/.done ]]; then install_debug_modules; echo "$out"; return 0; fi
	prune_old
	build_initramfs || return 1
	install_debug_modules || return 1
	local CMDLINE_EXTRA="" QEMU_CPU=qemu64 QEMU_EXTRA="" MEM=768 MODE=kdump TIMEOUT=600 KERNELS="*"
	# shellcheck disable=SC1090
	[[ -f $lab/scenarios/$name.conf ]] && . "$lab/scenarios/$name.conf"
	local pats; read -ra pats <<<"$KERNELS"
	for_kernel "${pats[@]}" || { log "$name: not made for $release (KERNELS=\"$KERNELS\")"; return 2; }
	rm -rf "$out"; mkdir -p "$out"
	local tmp=$out/tmp; mkdir -p "$tmp"
	local qemu=(timeout "$TIMEOUT" qemu-system-x86_64 -machine pc -accel tcg,thread=multi -smp 2
		-m "$MEM" -cpu "$QEMU_CPU" -kernel "$image/boot/vmlinuz-$release"
		-initrd "$build/initramfs.cpio" -serial "file:$out/serial.log" -display none
		-no-reboot -net none -monitor none)
	local append="console=ttyS0 ktscenario=$name ktmode=$MODE panic=1 $CMDLINE_EXTRA"
	if [[ $MODE == kdump ]]; then
		append+=" crashkernel=256M"
		truncate -s $((MEM + 64))M "$tmp/disk.img"
		qemu+=(-drive "file=$tmp/disk.img,format=raw,if=virtio")
	fi
	# shellcheck disable=SC2086
	log "$name: booting ($MODE)"
	local t0=$SECONDS rc=0
	if [[ $MODE == kdump ]]; then
		"${qemu[@]}" -append "$append" $QEMU_EXTRA || rc=$?
		((rc == 0)) || { log "$name: qemu exited $rc after $((SECONDS - t0)) s (see $out/serial.log)"; return 1; }
		grep -q 'KTLAB: capture done' "$out/serial.log" ||
			{ log "$name: the capture kernel did not write a dump (see $out/serial.log)"; return 1; }
		cut_elf "$tmp/disk.img" "$tmp/vmcore.raw"
	else
		# shellcheck disable=SC2086
		python3 "$lab/qemu_dump.py" --serial "$out/serial.log" --out "$out/vmcore.qemu.elf" \
			-- "${qemu[@]}" -append "$append" $QEMU_EXTRA ||
			{ log "$name: QEMU dump failed (see $out/serial.log)"; return 1; }
	fi
	log "$name: guest done in $((SECONDS - t0)) s"
	if [[ $MODE == kdump ]]; then
		local level; level=$(dump_level "$tmp/vmcore.raw")
		log "$name: makedumpfile -d $level"
		makedumpfile -E -d "$level" "$tmp/vmcore.raw" "$out/vmcore.elf" >"$tmp/mkd.log" 2>&1 ||
			{ cat "$tmp/mkd.log" >&2; return 1; }
		makedumpfile -c -d "$level" "$tmp/vmcore.raw" "$out/vmcore.kdump" >>"$tmp/mkd.log" 2>&1 ||
			{ cat "$tmp/mkd.log" >&2; return 1; }
		if [[ $name == panic ]]; then
			# Debian's makedumpfile has zlib and lzo; snappy (-p) and zstd (-z) are disabled in
			# its build (makedumpfile -v), and an uncompressed kdump file is a format of its own.
			makedumpfile -l -d "$level" "$tmp/vmcore.raw" "$out/vmcore.lzo.kdump" >>"$tmp/mkd.log" 2>&1
			makedumpfile -d "$level" "$tmp/vmcore.raw" "$out/vmcore.plain.kdump" >>"$tmp/mkd.log" 2>&1
			makedumpfile -F -c -d "$level" "$tmp/vmcore.raw" > "$out/vmcore.flat" 2>>"$tmp/mkd.log"
			mv "$tmp/vmcore.raw" "$out/vmcore.full.elf"
		fi
	fi
	python3 "$lab/gt.py" "$out/serial.log" > "$out/ground-truth.json"
	ln -sf "$dbg/boot/vmlinux-$release" "$out/vmlinux"
	local ko; for ko in "$build"/modules/*.ko; do [[ -f $ko ]] && ln -sf "$ko" "$out/"; done
	rm -rf "$tmp"
	touch "$out/.done"
	echo "$out"
}

rc=0
for s in "$@"; do
	if [[ $s == all ]]; then
		# Scenarios not made for this kernel (KERNELS=) are left out of "all".
		for f in "$lab"/scenarios/*.sh; do
			r=0; run_scenario "$(basename "$f" .sh)" || r=$?
			((r == 0 || r == 2)) || rc=1
		done
	else
		run_scenario "$s" || rc=1
	fi
done
exit $rc
