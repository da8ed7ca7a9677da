#!/usr/bin/env python3
"""`ktriage task` on the lab dumps: the panicking task and the tasks the test modules recorded,
found by pid, address and CPU, with the task_struct members drgn reads."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, check_dump_only, dump_alone, dump_has_kallsyms, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_task.py")
DRGN_STATE = {"R": "RU", "S": "IN", "D": "UN", "T": "ST", "t": "TR", "X": "DE", "Z": "ZO",
              "P": "PA", "I": "ID"}
FIELDS = ["pid", "tgid", "ppid", "comm", "cpu", "parent", "parent_comm", "stack", "sp", "mm", "active_mm"]


def recorded_tasks(node, path=""):
    """Every {task, pid, comm} object the ground truth holds, with where it is."""
    if isinstance(node, dict):
        if "task" in node and "pid" in node and "comm" in node:
            yield path, node
        for k, v in node.items():
            yield from recorded_tasks(v, f"{path}.{k}" if path else k)


def task_json(dump, *args):
    p = ktriage("--json", dump, "task", *args, check=False)
    return (json.loads(p.stdout) if p.returncode == 0 else None), p


def agrees(got, want):
    """The fields that differ between ktriage's and drgn's view."""
    diffs = {}
    for f in FIELDS:
        g, w = got[f], want[f]
        if f in ("parent", "stack", "sp", "mm", "active_mm"):
            g, w = int(g, 16), int(w, 16)
        if g != w:
            diffs[f] = (g, w)
    if int(got["flags"], 16) != want["flags"]:
        diffs["flags"] = (got["flags"], hex(want["flags"]))
    if got["state"] != DRGN_STATE.get(want["state"]):
        diffs["state"] = (got["state"], want["state"])
    return diffs


def check_kdump(tap, name, d, gt):
    dump = os.path.join(d, "vmcore.kdump")
    console = gt.get("console", {})
    keys = {}
    if "panic_pid" in console:
        panic, p = task_json(dump)
        if tap.ok(panic, f"{name}: task without arguments succeeds", p.stderr):
            tap.ok((panic["pid"], panic["comm"], panic["cpu"], panic["active"]) ==
                   (console["panic_pid"], console["panic_comm"], console["panic_cpu"], True),
                   f"{name}: it is the panicking task, pid {console['panic_pid']} ({console['panic_comm']}) "
                   f"current on CPU {console['panic_cpu']}", panic)
            for args in ([str(console["panic_pid"])], [panic["task"]], ["-c", str(console["panic_cpu"])]):
                tap.eq(task_json(dump, *args)[0], panic, f"{name}: task {' '.join(args)} is the same task")
            keys[panic["task"]] = f"panicking task (pid {panic['pid']})"
    for where, rec in recorded_tasks(gt):
        got, p = task_json(dump, "0x" + rec["task"])
        if tap.ok(got, f"{name}: task 0x{rec['task']} ({where}) succeeds", p.stderr):
            tap.eq((got["pid"], got["comm"]), (rec["pid"], rec["comm"]), f"{name}: {where}: pid and comm")
            if "cpu" in rec and where == "nmi":
                tap.ok(got["active"] and got["cpu"] == rec["cpu"],
                       f"{name}: {where}: current on CPU {rec['cpu']} (the NMI interrupted it)", got)
            keys[got["task"]] = where
    if not keys:
        return
    o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux"), *keys],
                       capture_output=True, text=True, timeout=300)
    if not tap.ok(o.returncode == 0, f"{name}: drgn reads the tasks", o.stderr[-2000:]):
        return
    want = json.loads(o.stdout)
    for addr, label in keys.items():
        got, _ = task_json(dump, addr)
        diffs = agrees(got, want[addr])
        tap.ok(not diffs, f"{name}: {label}: pid, tgid, ppid, comm, state, cpu, flags, stack, sp, mm, "
               "active_mm and parent as drgn reads them", diffs)
        nodbg = ktriage("--json", "--no-debuginfo", dump, "task", addr, check=False)
        check_dump_only(tap, f"{name}: {label}", dump, nodbg, lambda: json.loads(nodbg.stdout) == got)
    p = ktriage(dump, "task", "4000000", check=False)
    tap.ok(p.returncode == 1 and "no task with pid 4000000" in p.stderr, f"{name}: an unknown pid", p.stderr)
    p = ktriage(dump, "task", "linux_banner", check=False)
    tap.ok(p.returncode == 1 and "is not a task" in p.stderr, f"{name}: an address that is no task", p.stderr)


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        gt = ground_truth(d)
        if os.path.exists(os.path.join(d, "vmcore.kdump")):
            check_kdump(tap, name, d, gt)
            continue
        # QEMU dumps, taken with no panic: the spinning shell is current on its CPU.
        dump = os.path.join(d, "vmcore.qemu.elf")
        q = gt.get("qemu", {})
        got, p = task_json(dump, str(q.get("spinner_pid")))
        tap.ok(got and got["active"] and got["cpu"] == q.get("spinner_cpu"),
               f"{name}: task {q.get('spinner_pid')}: the spinner, current on CPU {q.get('spinner_cpu')}",
               p.stdout + p.stderr)
        got2, p = task_json(dump, "-c", str(q.get("spinner_cpu")))
        tap.eq(got2, got, f"{name}: task -c {q.get('spinner_cpu')} is the spinner")
        p = ktriage(dump, "task", check=False)
        tap.ok(p.returncode == 1 and "no CPU panicked" in p.stderr, f"{name}: no panicking task to show",
               p.stderr)
    tap.done()


if __name__ == "__main__":
    main()
