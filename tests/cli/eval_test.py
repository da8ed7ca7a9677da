#!/usr/bin/env python3
"""`ktriage eval`, crash's calculator: crash's own lines for the same expressions where crash
reads the dump (it cannot read 6.12's), and on every kernel the value Python computes for each
expression (crash's size suffixes: 1k = 1024, 3m = 3 << 20, 1g = 1 << 30), in every base of the
JSON document."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from crash_session import crash_outputs  # noqa: E402
from tap import Tap, ktriage, scenario_dir  # noqa: E402

M = (1 << 64) - 1
# (expression, its value as Python computes it, -b?). crash 8.0.2's eval applies one operator of
# an expression with several ("(1k | 0x7) ^ 2" is 0x407 there, 0x405 in C): such expressions are
# compared with Python's value only (CRASH_AGREES).
CASES = [
    ("1024", 1024, False),
    ("0x178", 0x178, True),
    ("(0x348 - 0x210)", 0x348 - 0x210, False),
    ("1g", 1 << 30, False),
    ("3m + 5", (3 << 20) + 5, False),
    ("3m", 3 << 20, True),
    ("-1", M, False),
    ("0x400 * 3", 0xc00, False),
    ("7 / 2", 3, False),
    ("1 << 63", 1 << 63, True),
    ("0", 0, True),
    ("0x100400", 0x100400, False),
    ("(1k | 0x7) ^ 2", (1024 | 7) ^ 2, True),
]
CRASH_AGREES = [c for c in CASES if c[0] != "(1k | 0x7) ^ 2"]


def command(expr, bits):
    return f"eval {'-b ' if bits else ''}{expr}"


def main():
    tap = Tap()
    d = scenario_dir(tap, "panic")
    if not d:
        tap.done()
        return
    dump = os.path.join(d, "vmcore.kdump")
    for expr, value, bits in CASES:
        p = ktriage("--json", dump, "eval", *(["-b"] if bits else []), *expr.split(), check=False)
        doc = json.loads(p.stdout) if p.returncode == 0 and p.stdout else {}
        want = {"value": hex(value), "decimal": str(value), "signed": str(value - (1 << 64) if value >> 63 else value),
                "octal": format(value, "o"), "binary": format(value, "064b"),
                "bits_set": [b for b in range(63, -1, -1) if value >> b & 1]}
        tap.eq({k: doc.get(k) for k in want}, want, f"eval {expr}: the value Python computes, in every base")
    print(f"# compared: {len(CASES)} values with Python's arithmetic")
    cmds = [command(e, b) for e, _, b in CRASH_AGREES]
    theirs = crash_outputs(d, dump, cmds)
    if not tap.ok(theirs is not None, "crash is installed (scripts/install-deps.sh)"):
        tap.done()
        return
    if not theirs:
        print("# crash 8.0.2 cannot read this kernel's dump: no comparison with crash")
        tap.done()
        return
    compared = 0
    for (expr, _, bits), cmd, want in zip(CRASH_AGREES, cmds, theirs):
        got = ktriage(dump, "eval", *(["-b"] if bits else []), *expr.split(), check=False).stdout
        # The session's first output carries crash's own start-up warnings.
        lines = [line for line in want.splitlines() if line and not line.startswith("WARNING:")]
        tap.eq(got.splitlines(), lines, f"{cmd}: crash's lines")
        compared += 1
    print(f"# compared: {compared} eval outputs with crash")
    tap.ok(compared > 0, "at least one eval compared with crash")
    p = ktriage(dump, "eval", "no_such_symbol_here + 1", check=False)
    tap.ok(p.returncode == 1 and "no_such_symbol_here" in p.stderr, "eval of an unknown symbol: the error names it",
           p.stderr)
    p = ktriage(dump, "eval", check=False)
    tap.eq(p.returncode, 2, "eval without an expression: a usage error")
    tap.done()


if __name__ == "__main__":
    main()
