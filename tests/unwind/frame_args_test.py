#!/usr/bin/env python3
"""`bt -f` names the arguments that sit in stack slots (a callee-saved register the callee pushed,
or the frame base), as a person does by hand from the prologue and DWARF; each value must be the
one drgn reads for that argument of the crashed thread through its own unwinder and DWARF."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_args.py")
FRAME = re.compile(r"^ #\d+\s+\[[0-9a-f]+\] (\S+)\+0x[0-9a-f]+(?: \[\S+\])? at ([0-9a-f]+)")
SLOT = re.compile(r"^    ([0-9a-f]{16}): ([0-9a-f]{16})  saved (\w+)  (\w+) of (\S+)")


def annotated(dump):
    """[(function, pc of that function's frame, argument, value)] from `bt -f` of the panic task."""
    p = ktriage(dump, "bt", "-f", check=False)
    pcs, found = {}, []
    for line in p.stdout.splitlines():
        m = FRAME.match(line)
        if m:
            pcs.setdefault(m[1], int(m[2], 16))
        m = SLOT.match(line)
        if m:
            found.append((m[5], m[4], int(m[2], 16)))
    return [(fn, pcs.get(fn), arg, value) for fn, arg, value in found], p.stdout


def main():
    tap = Tap()
    for name in ("panic", "callforms", "kvm-svm", "vmx-sim-6.1"):
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump, vmlinux = os.path.join(d, "vmcore.kdump"), os.path.join(d, "vmlinux")
        args, text = annotated(dump)
        tap.ok(len(args) >= 2, f"{name}: bt -f names arguments in saved-register slots ({len(args)})", text)
        p = subprocess.run(["/usr/bin/python3", ORACLE, dump, vmlinux], capture_output=True, text=True,
                           timeout=300)
        if not tap.ok(p.returncode == 0, f"{name}: drgn reads the crashed thread's arguments", p.stderr[-2000:]):
            continue
        drgn = json.loads(p.stdout)
        for fn, pc, arg, value in args:
            seen = [f["values"][arg] for f in drgn.values()
                    if pc is not None and int(f["pc"], 16) == pc and f["values"].get(arg) is not None]
            if not seen:
                continue  # drgn cannot read it (optimised out for drgn, or a type it skips)
            tap.eq(value, seen[-1], f"{name}: {arg} of {fn} = 0x{value:x}, as drgn reads it")
    tap.done()


if __name__ == "__main__":
    main()
