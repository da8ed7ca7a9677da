#!/usr/bin/env python3
"""`ktriage DUMP sys` on every lab dump and format, against the guest's ground truth."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, dump_files, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

QEMU_SLACK = 5  # seconds between the guest's last clock read and the dump


def check_dump(tap, name, path, gt):
    label = f"{name}/{os.path.basename(path)}"
    p = ktriage("--json", path, "sys", check=False)
    kdump_notes = not path.endswith(".qemu.elf")
    vmcoreinfo = kdump_notes or gt.get("qemu", {}).get("vmcoreinfo_device") == 1
    if not vmcoreinfo:
        # Without VMCOREINFO (and without a vmlinux) the release cannot be known: the error must say so.
        tap.ok(p.returncode == 1 and "VMCOREINFO" in p.stderr, f"{label}: no VMCOREINFO is named as the gap",
               p.stderr)
        return
    if not tap.ok(p.returncode == 0, f"{label}: sys succeeds", p.stderr):
        return
    info = json.loads(p.stdout)
    tap.eq(info["release"], gt["sys"]["release"], f"{label}: release")
    tap.eq(info["machine"], gt["sys"]["machine"], f"{label}: machine")
    tap.eq(info["cpus_online"], gt["sys"]["cpus"], f"{label}: online CPUs")
    console = gt.get("console", {})
    if kdump_notes:
        t0 = gt["sys"]["time_before_scenario"]
        t_dump = os.path.getmtime(os.path.join(os.path.dirname(path), "serial.log"))
        tap.ok(info["crash_time"] is not None and t0 <= info["crash_time"] <= t_dump + QEMU_SLACK,
               f"{label}: crash time between scenario start and capture",
               f"crash_time={info['crash_time']} start={t0} capture={t_dump:.0f}")
    if "panic_message" in console:
        tap.eq(info["panic_message"], console["panic_message"], f"{label}: panic message")
        tap.eq(info["panic_cpu"], console["panic_cpu"], f"{label}: panic CPU")
    else:
        tap.eq(info["panic_message"], None, f"{label}: no panic message in a live dump")


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        gt = ground_truth(d)
        files = dump_files(d)
        if not tap.ok(files, f"{name}: has dump files", os.listdir(d)):
            continue
        for path in files:
            check_dump(tap, name, path, gt)
    tap.done()


if __name__ == "__main__":
    main()
