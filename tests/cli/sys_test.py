#!/usr/bin/env python3
"""`ktriage DUMP sys` on every lab dump and format, against the guest's ground truth."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, dump_alone, dump_files, dump_has_kallsyms, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

QEMU_SLACK = 5  # seconds between the guest's last clock read and the dump


def vmlinux_stext(vmlinux, cache={}):
    """_stext's link-time address, from the vmlinux's symbol table."""
    if vmlinux not in cache:
        out = subprocess.run(["readelf", "-sW", vmlinux], capture_output=True, text=True).stdout
        cache[vmlinux] = next(int(line.split()[1], 16) for line in out.splitlines()
                              if line.endswith(" _stext"))
    return cache[vmlinux]


MODES = {"vmlinux": [], "dump-only": ["--no-debuginfo"]}


def check_dump(tap, name, path, gt, mode):
    label = f"{name}/{os.path.basename(path)} ({mode})"
    p = ktriage("--json", *MODES[mode], path, "sys", check=False)
    kdump_notes = not path.endswith(".qemu.elf")
    vmcoreinfo = kdump_notes or gt.get("qemu", {}).get("vmcoreinfo_device") == 1
    if not vmcoreinfo and mode == "dump-only":
        # Without VMCOREINFO (and without a vmlinux) the release cannot be known: the error must say so.
        tap.ok(p.returncode == 1 and "VMCOREINFO" in p.stderr, f"{label}: no VMCOREINFO is named as the gap",
               p.stderr)
        return
    if mode == "dump-only" and not dump_alone(tap, label, path):
        return
    if not tap.ok(p.returncode == 0, f"{label}: sys succeeds", p.stderr):
        return
    info = json.loads(p.stdout)
    want_source = "vmlinux " if mode == "vmlinux" else "kallsyms and BTF from the dump"
    tap.ok(info["symbols"].startswith(want_source), f"{label}: symbols from {want_source.strip()}",
           info["symbols"])
    tap.eq(info["release"], gt["sys"]["release"], f"{label}: release")
    if mode == "vmlinux" and tap.ok("stext" in gt["sys"], f"{label}: ground truth has sys.stext"):
        want = int(gt["sys"]["stext"], 16) - vmlinux_stext(os.path.join(os.path.dirname(path), "vmlinux"))
        tap.eq(info["kaslr_offset"], hex(want), f"{label}: KASLR offset (from the guest's _stext)")
    tap.eq(info["machine"], gt["sys"]["machine"], f"{label}: machine")
    if mode == "dump-only" and not dump_has_kallsyms(path):
        tap.ok(info["cpus_online"] is None and info["cpus_possible"] is None,
               f"{label}: online CPUs unknown without symbols (no kallsyms in VMCOREINFO)", info)
    else:
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
        # Without symbols (no kallsyms in VMCOREINFO) panic_cpu is unreadable; the panic line's
        # printk caller and the CPU notes' pids still name the CPU.
        how = " (from the log and the CPU notes)" if mode == "dump-only" and not dump_has_kallsyms(path) else ""
        tap.eq(info["panic_cpu"], console["panic_cpu"], f"{label}: panic CPU{how}")
    elif "oops" in gt:
        # oops_end() took the dump through crash_kexec() before panic() could print: as crash's
        # `sys`, the message is the oops's own first line, on the CPU that oopsed.
        tap.ok((info["panic_message"] or "").startswith("BUG: ") and "address" in info["panic_message"],
               f"{label}: the oops's BUG line is the panic message (no panic line)", info["panic_message"])
        if mode == "vmlinux" or dump_has_kallsyms(path):
            tap.eq(info["panic_cpu"], gt["oops"]["cpu"], f"{label}: panic CPU is the oops's")
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
            for mode in MODES:
                check_dump(tap, name, path, gt, mode)
    check_wrong_vmlinux(tap)
    tap.done()


def check_wrong_vmlinux(tap):
    """A debug file of another build is refused, with both identities named."""
    d = scenario_dir(tap, "panic")
    if not d:
        return
    dump = os.path.join(d, "vmcore.kdump")
    other = next((os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".ko")), None)
    if not tap.ok(other, "panic: a test module to pose as a wrong vmlinux"):
        return
    p = ktriage("--vmlinux", other, dump, "sys", check=False)
    gt = ground_truth(d)
    tap.ok(p.returncode == 1 and "does not match the dump" in p.stderr and gt["sys"]["release"] in p.stderr
           and "build-id" in p.stderr, "a wrong vmlinux is refused naming both builds", p.stderr)
    p = ktriage("--vmlinux", "/bin/sh", dump, "sys", check=False)
    tap.ok(p.returncode == 1 and "/bin/sh" in p.stderr, "a file that is no vmlinux is refused", p.stderr)


if __name__ == "__main__":
    main()
