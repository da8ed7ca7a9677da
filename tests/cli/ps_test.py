#!/usr/bin/env python3
"""`ktriage ps` on every lab dump: the same tasks as drgn's for_each_task, and the panicking task
as the guest kernel itself named it on the console."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, check_dump_only, dump_alone, dump_has_kallsyms, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_ps.py")
# drgn's task_state_to_char letters and crash's two-letter names.
DRGN_STATE = {"R": "RU", "S": "IN", "D": "UN", "T": "ST", "t": "TR", "X": "DE", "Z": "ZO",
              "P": "PA", "I": "ID"}


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        gt = ground_truth(d)
        dump = os.path.join(d, "vmcore.kdump")
        vmcoreinfo = True
        if not os.path.exists(dump):
            dump = os.path.join(d, "vmcore.qemu.elf")
            vmcoreinfo = gt.get("qemu", {}).get("vmcoreinfo_device") == 1
        p = ktriage("--json", dump, "ps", check=False)
        if not tap.ok(p.returncode == 0, f"{name}: ps succeeds", p.stderr):
            continue
        tasks = json.loads(p.stdout)["tasks"]
        by_addr = {t["task"]: t for t in tasks}
        tap.ok(len(by_addr) == len(tasks), f"{name}: no task is listed twice")
        q = ktriage("--json", "--no-debuginfo", dump, "ps", check=False)
        if vmcoreinfo:
            check_dump_only(tap, f"{name}: ps (kallsyms and BTF from the dump)", dump, q,
                            lambda: json.loads(q.stdout)["tasks"] == tasks)
        else:
            tap.ok(q.returncode == 1 and "VMCOREINFO" in q.stderr,
                   f"{name}: without debug info or VMCOREINFO, the gap is named", q.stderr)
        spinner = gt.get("qemu", {}).get("spinner_pid")
        if spinner:
            mine = [t for t in tasks if t["pid"] == spinner]
            tap.ok(len(mine) == 1 and mine[0]["active"] and mine[0]["cpu"] == gt["qemu"]["spinner_cpu"],
                   f"{name}: the spinning shell (pid {spinner}) is current on CPU {gt['qemu']['spinner_cpu']}",
                   mine)

        console = gt.get("console", {})
        if "panic_pid" in console:
            mine = [t for t in tasks if t["pid"] == console["panic_pid"] and not t["idle"]]
            tap.ok(len(mine) == 1 and mine[0]["comm"] == console["panic_comm"] and mine[0]["active"]
                   and mine[0]["cpu"] == console["panic_cpu"],
                   f"{name}: the panicking task is pid {console['panic_pid']} "
                   f"({console['panic_comm']}), active on CPU {console['panic_cpu']}", mine)

        if dump.endswith(".qemu.elf"):
            continue  # drgn 0.0.22 cannot read these (see drgn_oracle_test.py)
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                           capture_output=True, text=True, timeout=600)
        if not tap.ok(o.returncode == 0, f"{name}: drgn lists the tasks", o.stderr[-2000:]):
            continue
        want = json.loads(o.stdout)
        missing = [w for w in want if w["task"] not in by_addr]
        tap.ok(not missing, f"{name}: every task drgn finds ({len(want)}) is listed", missing[:5])
        extra = [t for t in tasks if not t["idle"] and t["task"] not in {w["task"] for w in want}]
        tap.ok(not extra, f"{name}: no task drgn does not find (idle tasks aside)", extra[:5])
        diffs = []
        for w in want:
            t = by_addr.get(w["task"])
            if t and (t["pid"], t["comm"], t["cpu"], t["state"]) != (
                    w["pid"], w["comm"], w["cpu"], DRGN_STATE.get(w["state"], "?")):
                diffs.append((t, w))
        tap.ok(not diffs, f"{name}: pid, comm, cpu and state agree with drgn", diffs[:5])
    tap.done()


if __name__ == "__main__":
    main()
