#!/usr/bin/env python3
"""`ktriage sys` agrees with drgn (with the debug vmlinux) on what both read from kernel memory."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_sys.py")


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        if not os.path.exists(dump):
            # drgn 0.0.22 cannot translate kernel addresses in QEMU's dump-guest-memory files
            # ("recursive address translation; page table may be missing"): no oracle there.
            continue
        p = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                           capture_output=True, text=True, timeout=300)
        if not tap.ok(p.returncode == 0, f"{name}: drgn reads the dump", p.stderr[-2000:]):
            continue
        want = json.loads(p.stdout)
        got = json.loads(ktriage("--json", dump, "sys").stdout)
        for key in ("release", "machine", "cpus_online", "cpus_possible"):
            tap.eq(got[key], want[key], f"{name}: {key} as drgn reads it")
        want_panic = want["panic_cpu"] if want["panic_cpu"] >= 0 else None
        tap.eq(got["panic_cpu"], want_panic, f"{name}: panic_cpu as drgn reads it")
    tap.done()


if __name__ == "__main__":
    main()
