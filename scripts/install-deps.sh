#!/usr/bin/env bash
# Installs every Debian package ktriage, its tests and its lab need (run as root on Debian 12).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

build_deps=(build-essential meson ninja-build pkg-config
            libkdumpfile-dev libdw-dev libelf-dev libbpf-dev libzydis-dev
            libedit-dev libjson-c-dev libcmocka-dev
            libdeflate-dev   # inflating kdump-compressed pages (lib/dump/kdump_pages.c)
            libsqlite3-dev libpq-dev libssl-dev   # the results store, content hashes
            python3-dev   # the Python module (python/)
            clang-14 libclang-rt-14-dev)   # the libFuzzer harnesses (fuzz/)
lab_deps=(qemu-system-x86 busybox-static kexec-tools makedumpfile cpio
          linux-headers-amd64 kmod xz-utils zstd python3 binutils
          dwarves)   # pahole: BTF for the test modules
oracle_deps=(crash python3-drgn dwarves
             elfutils    # eu-addr2line: the source-line oracle
             postgresql  # tests/batch: a throwaway PostgreSQL cluster for the store
             valgrind)   # tests/hostile/valgrind_test.py

missing=()
for p in "${build_deps[@]}" "${lab_deps[@]}" "${oracle_deps[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
