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
# What drgn 0.0.22 says where it cannot unwind: 6.12's ORC has a new entry type.
DRGN_CANNOT = ("unknown ORC entry type",)
FRAME = re.compile(r"^ #\d+\s+\[[0-9a-f]+\] (\S+)\+0x[0-9a-f]+(?: \[\S+\])? at ([0-9a-f]+)")
SLOT = re.compile(r"^    ([0-9a-f]{16}): ([0-9a-f]{16})  saved (\w+)  (\w+) of (\S+)")


def annotated(dump):
    """[(function, pc of that function's frame, argument, value)] from `bt -f` of the panic task."""
    p = ktriage(dump, "bt", "-f", check=False)
    pcs, found, slots = {}, [], {}
    for line in p.stdout.splitlines():
        m = FRAME.match(line)
        if m:
            pcs.setdefault(m[1], int(m[2], 16))
        m = SLOT.match(line)
        if m:
            found.append((m[5], m[4], int(m[2], 16)))
            slots[int(m[1], 16)] = int(m[2], 16)
    return [(fn, pcs.get(fn), arg, value) for fn, arg, value in found], slots, p.stdout


def main():
    tap = Tap()
    for name in ("panic", "callforms", "kvm-svm", "vmx-sim-6.1"):
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump, vmlinux = os.path.join(d, "vmcore.kdump"), os.path.join(d, "vmlinux")
        args, slots, text = annotated(dump)
        tap.ok(len(args) >= 2, f"{name}: bt -f names arguments in saved-register slots ({len(args)})", text)
        p = subprocess.run(["/usr/bin/python3", ORACLE, dump, vmlinux], capture_output=True, text=True,
                           timeout=300)
        cannot = [m for m in DRGN_CANNOT if m in p.stderr]
        if p.returncode != 0 and cannot:
            # drgn 0.0.22 cannot unwind this kernel: it still reads memory. Each value must be the
            # word drgn reads at its slot; which argument a slot holds is checked against drgn's
            # own unwinding on the kernels it can unwind.
            print(f"# {name}: drgn 0.0.22 cannot unwind this kernel ({cannot[0]}): the slots' words "
                  "are compared with drgn's memory reads instead")
            w = subprocess.run(["/usr/bin/python3", ORACLE, dump, vmlinux, "--words",
                                *[f"{a:x}" for a in slots]], capture_output=True, text=True, timeout=300)
            words = json.loads(w.stdout) if w.returncode == 0 else {}
            bad = [(f"{a:x}", v) for a, v in slots.items() if int(words.get(f"{a:x}", "-1"), 16) != v]
            tap.ok(words and not bad, f"{name}: {len(slots)} argument slots hold what drgn reads there",
                   (bad[:3], w.stderr[-1500:]))
            continue
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
