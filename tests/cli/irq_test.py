#!/usr/bin/env python3
"""`ktriage irq` on the lab's dumps: every IRQ number's descriptor and handlers against drgn (the
radix tree irq_desc_tree by drgn's helper, 6.5+'s maple tree sparse_irqs by the oracles' own
walk: each desc, irqaction, name, handler and its symbol), against crash 8's `irq` text line for
line where crash reads the dump (crash 8.0.2 cannot read 6.12's), and against what the guest said
(serial.log: the 8250 driver names ttyS0's irq, whose handler must be named ttyS0). Text and JSON
carry the same rows; the JSON validates against docs/json-schema.json."""
import json
import os
import re
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs  # noqa: E402
from render_test import SCHEMA_FILE, validate  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_irq.py")
ROW = re.compile(r"^ *(\d+) +([0-9a-f]{16})  ([0-9a-f]{16})  \"(.*)\"$")
SERIAL = re.compile(r"ttyS0 at I/O 0x[0-9a-f]+ \(irq = (\d+)")


def main():
    tap = Tap()
    counts = Counter()
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    name = "panic"
    d = scenario_dir(tap, name)
    if d:
        dump = os.path.join(d, "vmcore.kdump")
        t = ktriage(dump, "irq", check=False)
        j = ktriage("--json", dump, "irq", check=False)
        if tap.ok(t.returncode == 0 and j.returncode == 0, f"{name}: irq succeeds", t.stderr + j.stderr):
            doc = json.loads(j.stdout)
            errs = validate(doc, schema["documents"]["irq"], schema["$defs"])
            tap.ok(not errs, f"{name}: the JSON validates against docs/json-schema.json", errs[:8])
            o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                               capture_output=True, text=True, timeout=600)
            if tap.ok(o.returncode == 0, f"{name}: drgn reads the interrupt descriptors", o.stderr[-2000:]):
                want = json.loads(o.stdout)
                tap.eq((doc["nr_irqs"], doc["source"]), (want["nr_irqs"], want["source"]),
                       f"{name}: nr_irqs and where the descriptors are kept are drgn's")
                got = {str(x["irq"]): {"desc": x["desc"], "actions": [
                    {k: a[k] for k in ("action", "name", "handler", "handler_symbol")} for a in x["actions"]]}
                    for x in doc["irqs"]}
                exp = {k: {"desc": "0x%016x" % int(v["desc"], 16), "actions": [
                    dict(a, action="0x%016x" % int(a["action"], 16), handler="0x%016x" % int(a["handler"], 16))
                    for a in v["actions"]]} for k, v in want["irqs"].items()}
                n_actions = sum(len(v["actions"]) for v in exp.values())
                tap.eq(got, exp, f"{name}: the {len(exp)} descriptors and {n_actions} handlers (irqaction, name, "
                       "handler, symbol) are drgn's")
                counts["descriptors against drgn"] += len(exp)
                counts["handlers against drgn"] += n_actions
            rows = [m.groups() for m in map(ROW.match, t.stdout.splitlines()) if m]
            mine = [(str(x["irq"]), x["desc"][2:], x["actions"][0]["action"][2:], x["actions"][0]["name"])
                    for x in doc["irqs"] if x["actions"]]
            tap.eq(rows, mine, f"{name}: the text's handler rows are the JSON's ({len(rows)})")
            lines = t.stdout.splitlines()
            tap.eq(len(lines), 1 + doc["nr_irqs"] + sum(max(len(x["actions"]) - 1, 0) for x in doc["irqs"]),
                   f"{name}: a line for each of the {doc['nr_irqs']} numbers, as crash lists them")
            with open(os.path.join(d, "serial.log"), errors="replace") as f:
                serial = SERIAL.search(f.read())
            if tap.ok(serial, f"{name}: serial.log names ttyS0's irq"):
                irq = int(serial.group(1))
                names = [a["name"] for x in doc["irqs"] if x["irq"] == irq for a in x["actions"]]
                tap.ok("ttyS0" in names, f"{name}: irq {irq} (serial.log's ttyS0) has the handler ttyS0", names)
                one = ktriage(dump, "irq", str(irq), check=False)
                tap.ok(one.returncode == 0 and one.stdout.splitlines()[1:] ==
                       [line for line in lines if re.match(rf"^ *{irq} ", line)],
                       f"{name}: irq {irq} is its line of irq", one.stdout + one.stderr)
                counts["ground truth"] += 1
            out = crash_outputs(d, dump, ["irq"])
            if tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's irq)"):
                if not out:
                    print(f"# {name}: crash cannot read this dump: no comparison with crash")
                else:
                    theirs = [line for line in out[0].splitlines() if line.strip() and "WARNING" not in line]
                    tap.eq(lines, theirs, f"{name}: irq is crash's, line for line ({len(theirs)} lines)")
                    counts["crash lines"] += len(theirs)
            for args, status, what in ((["-x"], 2, "an unknown flag"), (["x"], 2, "a number that is none"),
                                       ([str(doc["nr_irqs"])], 1, "a number past nr_irqs")):
                p = ktriage(dump, "irq", *args, check=False)
                tap.ok(p.returncode == status and not p.stdout and p.stderr,
                       f"{name}: irq {' '.join(args)} is refused ({what}), status {status}", p.stderr + p.stdout)
    for what in ("descriptors against drgn", "handlers against drgn", "ground truth", "crash lines"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["descriptors against drgn"] > 0 and counts["handlers against drgn"] > 0
           and counts["ground truth"] > 0, f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
