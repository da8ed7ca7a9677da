#!/usr/bin/env python3
"""`bt -E`: the exception frames on every stack of every CPU. nmi-stuck: the NMI's pt_regs on
CPU 1's NMI stack hold the interrupted pc the module recorded; panic: every other CPU stopped by
the crash NMI has its pt_regs on its NMI stack, with the registers its crash_notes hold."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ground_truth, ktriage, scenario_dir  # noqa: E402


def search(tap, name, dump):
    p = ktriage("--json", dump, "bt", "-E", check=False)
    out = json.loads(p.stdout)["stacks"] if p.returncode == 0 else None
    tap.ok(out, f"{name}: bt -E", p.stderr)
    return out or []


def nmi_frames(stacks, cpu):
    return [f for s in stacks if s["cpu"] == cpu and s["stack"] == "NMI exception stack" for f in s["frames"]]


def check_common(tap, name, dump, stacks, n_cpus):
    kinds = {(s["cpu"], s["stack"]) for s in stacks}
    want = {(c, k) for c in range(n_cpus) for k in ("task stack", "IRQ stack", "NMI exception stack",
                                                     "double fault exception stack", "entry trampoline stack")}
    tap.ok(want <= kinds, f"{name}: every CPU's task, IRQ, IST and entry stacks are searched",
           sorted(want - kinds))
    frames = [f for s in stacks for f in s["frames"]]
    tap.ok(all(f["proof"] and int(f["pt_regs"]["rip"], 16) == int(f["pc"], 16) for f in frames),
           f"{name}: every exception frame has its proof and registers")
    text = ktriage(dump, "bt", "-E", check=False).stdout
    tap.ok("NMI exception stack" in text and "exception RIP" in text, f"{name}: bt -E text", text[-600:])


def main():
    tap = Tap()
    d = scenario_dir(tap, "nmi-stuck")
    if d:
        gt = ground_truth(d)
        dump = os.path.join(d, "vmcore.kdump")
        stacks = search(tap, "nmi-stuck", dump)
        cpu, pc = gt["nmi"].get("cpu", 1), int(gt["nmi"]["interrupted_pc"], 16)
        found = [f for f in nmi_frames(stacks, cpu) if int(f["pc"], 16) == pc]
        tap.ok(found and found[0]["mode"] == "kernel",
               f"nmi-stuck: CPU {cpu}'s NMI pt_regs hold the interrupted pc {pc:#x}",
               [(f["address"], f["pc"], f["function"]) for f in nmi_frames(stacks, cpu)])
        regs = gt["nmi"].get("regs")
        if found and regs:
            tap.eq(int(found[0]["address"], 16), int(regs, 16), "nmi-stuck: at the address the module recorded")
        check_common(tap, "nmi-stuck", dump, stacks, gt["sys"]["cpus"])
    d = scenario_dir(tap, "panic")
    if d:
        gt = ground_truth(d)
        dump = os.path.join(d, "vmcore.kdump")
        stacks = search(tap, "panic", dump)
        cpus = json.loads(ktriage("--json", dump, "bt", "-a").stdout)["backtraces"]
        panicked = json.loads(ktriage("--json", dump, "bt").stdout)["backtraces"][0]["cpu"]
        others = [c for c in cpus if c["cpu"] != panicked and c["registers_source"].startswith("crash_notes")]
        tap.ok(others, "panic: a CPU other than the panicking one saved registers")
        for c in others:
            f0 = c["frames"][0]
            got = [(f["pc"], f["pt_regs"]["rsp"]) for f in nmi_frames(stacks, c["cpu"])]
            tap.ok((f0["pc"], hex(int(f0["sp"], 16))) in got,
                   f"panic: CPU {c['cpu']}'s NMI pt_regs hold its crash_notes pc and sp",
                   f"crash_notes {f0['pc']} {f0['sp']}; NMI pt_regs {got}")
        tap.ok(not nmi_frames(stacks, panicked), f"panic: nothing on the panicking CPU {panicked}'s NMI stack")
        check_common(tap, "panic", dump, stacks, gt["sys"]["cpus"])
    tap.done()


if __name__ == "__main__":
    main()
