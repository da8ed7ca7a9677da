#!/usr/bin/env python3
"""Valgrind's memcheck over the CLI, one dump per format (kdump zlib and lzo, ELF, flattened, a
QEMU dump-guest-memory ELF) and once with the debug vmlinux: no invalid read or write, no use of
uninitialised memory, no definite leak. Valgrind sees what the sanitizers cannot (it runs the
uninstrumented build, with libkdumpfile, libdw and libbpf, as users run them), so it runs on
KTRIAGE unless that is the sanitizer build, and then on the release build (KTRIAGE_RELEASE)."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, lab_root  # noqa: E402

COMMANDS = "report; sys; bt -a; ps; log; mod"
TIMEOUT = 600


def uninstrumented(tap):
    """The ktriage binary to run under valgrind (ASan's runtime and valgrind exclude each other)."""
    exe = os.environ.get("KTRIAGE", "")
    with open(exe, "rb") as f:
        asan = b"__asan_init" in f.read()
    if asan:
        exe = os.environ.get("KTRIAGE_RELEASE") or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(exe))), "build-release", "ktriage")
    tap.ok(os.access(exe, os.X_OK), f"the binary run under valgrind exists: {exe}")
    return exe


def main():
    tap = Tap()
    lab = lab_root()
    if not tap.ok(shutil.which("valgrind") is not None, "valgrind is installed",
                  "apt-get install valgrind (scripts/install-deps.sh)"):
        tap.done()
    exe = uninstrumented(tap)
    runs = [
        ("panic", "vmcore.kdump", []),
        ("panic", "vmcore.lzo.kdump", []),
        ("panic", "vmcore.elf", []),
        ("panic", "vmcore.flat", []),
        ("qemu-dump", "vmcore.qemu.elf", []),
        ("nmi-stuck", "vmcore.kdump", []),
        ("nmi-stuck", "vmcore.kdump", ["--vmlinux", "vmlinux"]),
    ]
    checked = 0
    for scenario, name, extra in runs:
        path = os.path.join(lab, scenario, name)
        opts = [os.path.join(lab, scenario, x) if x == "vmlinux" else x for x in extra]
        label = f"{scenario}/{name}{' with the debug vmlinux' if extra else ''}"
        if not tap.ok(os.path.exists(path) and all(os.path.exists(o) for o in opts if o.startswith("/")),
                      f"{label}: the dump exists", path):
            continue
        cmd = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full", "--show-leak-kinds=definite",
               "--errors-for-leak-kinds=definite", "--track-origins=no", exe, *opts, path, "-c", COMMANDS]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            tap.ok(False, f"{label}: ended within {TIMEOUT} s under valgrind")
            continue
        reports = [line for line in r.stderr.splitlines() if line.startswith("==")]
        # The commands' own status (a dump without modules, a CPU without registers) is not
        # valgrind's: 99 is.
        tap.ok(r.returncode != 99 and not reports and r.stdout.count("\n") > 20,
               f"{label}: '{COMMANDS}' under memcheck: no errors, no definite leaks "
               f"({r.stdout.count(chr(10))} lines out)", "\n".join(reports[:40]) or r.stderr[-800:])
        checked += 1
    print(f"# compared: {checked} runs under valgrind")
    tap.ok(checked == len(runs), f"every format ran under valgrind ({checked} of {len(runs)})")
    tap.done()


if __name__ == "__main__":
    main()
