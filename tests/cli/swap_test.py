#!/usr/bin/env python3
"""`ktriage swap` on the lab's panic dump (the lab's guests run without swap): nr_swapfiles and
every area in use against drgn's reading of swap_info[], their pages against the kernel's own
total_swap_pages and kmem -i's swap total, the "no swap" line exactly when there is none, and
crash 8's swap where crash reads the dump (5.10, 6.1): the same header and the same rows."""
import json
import os
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_swap.py")


def main():
    tap = Tap()
    counts = Counter()
    d = scenario_dir(tap, "panic")
    if d:
        dump = os.path.join(d, "vmcore.kdump")
        p = ktriage("--json", dump, "swap", check=False)
        t = ktriage(dump, "swap", check=False)
        if tap.ok(p.returncode == 0 and t.returncode == 0, "swap succeeds", p.stderr + t.stderr):
            doc = json.loads(p.stdout)
            o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                               capture_output=True, text=True, timeout=600)
            if tap.ok(o.returncode == 0, "drgn reads swap_info", o.stderr[-2000:]):
                want = json.loads(o.stdout)
                tap.eq(doc["nr_swapfiles"], want["nr_swapfiles"], f"nr_swapfiles is drgn's ({want['nr_swapfiles']})")
                keys = ("swap_info_struct", "type", "pages", "inuse_pages", "prio", "path")
                got = [tuple(a[k] for k in keys) for a in doc["areas"]]
                tap.eq(got, [tuple(a[k] for k in keys) for a in want["areas"]],
                       f"the {len(got)} areas in use are drgn's")
                tap.eq(sum(a["pages"] for a in doc["areas"]), want["total_swap_pages"],
                       f"their pages add up to the kernel's total_swap_pages ({want['total_swap_pages']})")
                counts["facts against drgn"] += 2 + len(got)
            kmem = json.loads(ktriage("--json", dump, "kmem", "-i").stdout)
            tap.eq(sum(a["pages"] for a in doc["areas"]), kmem["swap"]["total"], "the pages are kmem -i's swap total")
            counts["facts against kmem -i"] += 1
            lines = t.stdout.splitlines()
            tap.eq(len([x for x in lines[1:] if not x.startswith(("(", "  ["))]), len(doc["areas"]),
                   f"one text row per area ({len(doc['areas'])})")
            none = "(no swap configured: nr_swapfiles is 0)" in lines
            tap.eq(none, doc["nr_swapfiles"] == 0, "the text says there is no swap exactly when nr_swapfiles is 0")
            out = crash_outputs(d, dump, ["swap"])
            if tap.ok(out is not None, "crash is installed (the oracle for crash's swap)") and out:
                theirs = [x for x in out[0].splitlines() if x and not x.startswith("WARNING")]
                tap.eq([x for x in lines if not x.startswith("(")], theirs,
                       f"swap's header and {len(theirs) - 1} rows are crash's")
                counts["crash lines"] += len(theirs)
            elif out == []:
                counts["dumps crash cannot read"] += 1
        p = ktriage(dump, "swap", "-x", check=False)
        tap.ok(p.returncode == 2 and not p.stdout and p.stderr, "swap -x is refused", p.stdout + p.stderr)
    for what in ("facts against drgn", "facts against kmem -i", "crash lines"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["facts against drgn"] > 0 and counts["facts against kmem -i"] > 0 and
           (counts["crash lines"] > 0 or counts["dumps crash cannot read"]), f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
