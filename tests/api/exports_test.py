#!/usr/bin/env python3
"""libktriage exports its public API and nothing else: every dynamic symbol it defines has the kt_
prefix and is declared KT_PUBLIC in include/ktriage.h, and every KT_PUBLIC function is exported
(the library is built with -fvisibility=hidden)."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    tap = Tap()
    exe = os.environ.get("KTRIAGE")
    if not exe:
        sys.exit("KTRIAGE is not set: run the tests through tests/run.sh")
    lib = os.path.join(os.path.dirname(os.path.abspath(exe)), "libktriage.so")
    p = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True)
    if not tap.ok(p.returncode == 0, f"nm -D reads {lib}", p.stderr):
        tap.done()
    exported = {f[2] for f in (line.split() for line in p.stdout.splitlines()) if len(f) == 3}
    with open(os.path.join(TOP, "include", "ktriage.h")) as f:
        header = f.read()
    # KT_PUBLIC TYPE NAME(  — the name is the identifier right before the first parenthesis.
    declared = set(re.findall(r"^KT_PUBLIC\b[^(;]*?\b(\w+)\s*\(", header, re.M))
    tap.ok(len(exported) > 0, f"the library exports symbols ({len(exported)})")
    tap.ok(len(declared) > 0, f"the header declares public functions ({len(declared)})")
    foreign = sorted(s for s in exported if not s.startswith("kt_"))
    tap.ok(not foreign, f"every exported symbol has the kt_ prefix ({len(exported)} checked)", foreign)
    hidden_missing = sorted(exported - declared)
    tap.ok(not hidden_missing, "every exported symbol is declared KT_PUBLIC in ktriage.h", hidden_missing)
    unexported = sorted(declared - exported)
    tap.ok(not unexported, f"every KT_PUBLIC function is exported ({len(declared)} checked)", unexported)
    tap.done()


if __name__ == "__main__":
    main()
