#!/usr/bin/env python3
"""`ktriage percpu` on the lab dumps: each possible CPU's copy of a per-CPU variable where drgn's
per_cpu_ptr() puts it, and its first 8 bytes there."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, check_dump_only, dump_alone, dump_has_kallsyms, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_percpu.py")
VARIABLES = ["runqueues", "hrtimer_bases", "cpu_tss_rw"]


def check_dump(tap, name, d):
    dump = os.path.join(d, "vmcore.kdump")
    o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux"), *VARIABLES],
                       capture_output=True, text=True, timeout=300)
    if not tap.ok(o.returncode == 0, f"{name}: drgn reads the dump", o.stderr[-2000:]):
        return
    want = json.loads(o.stdout)
    for var in VARIABLES:
        p = ktriage("--json", dump, "percpu", "-x", var, check=False)
        if not tap.ok(p.returncode == 0, f"{name}: percpu -x {var} succeeds", p.stderr):
            continue
        got = json.loads(p.stdout)
        tap.eq(int(got["offset"], 16), int(want[var]["offset"], 16), f"{name}: {var}'s per-CPU offset")
        tap.eq([(c["cpu"], int(c["address"], 16)) for c in got["cpus"]],
               [(c["cpu"], int(c["address"], 16)) for c in want[var]["cpus"]],
               f"{name}: {var} on every possible CPU = drgn's per_cpu_ptr()")
        tap.eq([int(c["value"], 16) for c in got["cpus"]], [int(c["value"], 16) for c in want[var]["cpus"]],
               f"{name}: {var}'s first 8 bytes on each CPU = drgn's")
        q = ktriage("--json", "--no-debuginfo", dump, "percpu", "-x", var, check=False)
        check_dump_only(tap, f"{name}: {var}", dump, q, lambda: json.loads(q.stdout) == got)
    last = want["runqueues"]["cpus"][-1]
    p = ktriage(dump, "percpu", "runqueues", str(last["cpu"]), check=False)
    lines = p.stdout.splitlines()
    want_line = [f"[{last['cpu']}]:", f"{int(last['address'], 16):016x}"]
    tap.ok(p.returncode == 0 and len(lines) == 2 and lines[1].split() == want_line,
           f"{name}: percpu runqueues {last['cpu']} shows that CPU alone", p.stdout + p.stderr)
    p = ktriage(dump, "percpu", "runqueues", "4095", check=False)
    tap.ok(p.returncode == 1 and "not a possible CPU" in p.stderr, f"{name}: an impossible CPU is refused",
           p.stderr)
    p = ktriage(dump, "percpu", "linux_banner", check=False)
    tap.ok(p.returncode == 1 and "not a per-CPU variable" in p.stderr, f"{name}: a global is not per-CPU",
           p.stderr)


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        if os.path.exists(os.path.join(d, "vmcore.kdump")):
            check_dump(tap, name, d)
            continue
        # QEMU dumps (drgn 0.0.22 cannot read them): one runqueue per CPU the guest had.
        gt = ground_truth(d)
        p = ktriage("--json", os.path.join(d, "vmcore.qemu.elf"), "percpu", "runqueues", check=False)
        cpus = json.loads(p.stdout)["cpus"] if p.returncode == 0 else []
        tap.ok(len(cpus) == gt["sys"]["cpus"] and len({c["address"] for c in cpus}) == len(cpus),
               f"{name}: percpu runqueues: {gt['sys']['cpus']} distinct addresses", p.stdout + p.stderr)
    tap.done()


if __name__ == "__main__":
    main()
