#!/usr/bin/env python3
"""`ktriage sig` on the lab's panic dump: every user task's and a kernel thread's signal state
(signal_struct, nr_threads, each signal's k_sigaction with handler, mask and flags, TIF_SIGPENDING,
blocked, the private and shared pending sets and queues) against drgn, and the text against
crash 8's sig line for line where crash reads the task (asked by task address: crash 8.0.2 misses
tasks by pid on Debian's 6.1.19x and cannot read 6.12's dumps). Text and JSON carry the same
handler rows; the JSON validates against docs/json-schema.json; bad arguments are refused."""
import json
import os
import re
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from render_test import SCHEMA_FILE, validate  # noqa: E402
from files_test import crash_outputs  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_sig.py")
ROW = re.compile(r"^ ?\[(\d+)\] ([0-9a-f]+) +(\S+) ([0-9a-f]{16}) ([0-9a-f]+) ")


def h(v):
    return int(v, 16)


def main():
    tap = Tap()
    counts = Counter()
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    name = "panic"
    d = scenario_dir(tap, name)
    if d:
        dump = os.path.join(d, "vmcore.kdump")
        ps = json.loads(ktriage("--json", dump, "ps", "-u").stdout)["tasks"]
        pids = sorted({t["pid"] for t in ps} | {2})
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux"), *map(str, pids)],
                           capture_output=True, text=True, timeout=600)
        want = json.loads(o.stdout) if tap.ok(o.returncode == 0, f"{name}: drgn reads the signal state of {pids}",
                                              o.stderr[-2000:]) else {}
        texts = {}
        for pid in pids:
            label = f"{name}: sig {pid}"
            t = ktriage(dump, "sig", str(pid), check=False)
            j = ktriage("--json", dump, "sig", str(pid), check=False)
            if not tap.ok(t.returncode == 0 and j.returncode == 0, f"{label} succeeds", t.stderr + j.stderr):
                continue
            texts[pid] = t.stdout
            doc = json.loads(j.stdout)
            errs = validate(doc, schema["documents"]["sig"], schema["$defs"])
            tap.ok(not errs, f"{label}: the JSON validates against docs/json-schema.json", errs[:8])
            rows = [m.groups() for m in map(ROW.match, t.stdout.splitlines()) if m]
            tap.eq([(int(r[0]), h(r[1]), r[3], h(r[4])) for r in rows],
                   [(a["signal"], h(a["sigaction"]), a["mask"][2:], h(a["flags"])) for a in doc["actions"]],
                   f"{label}: the text's {len(rows)} handler rows are the JSON's")
            w = want.get(str(pid))
            if not w:
                continue
            got = [(a["signal"], h(a["sigaction"]), h(a["handler"]), h(a["mask"]), h(a["flags"])) for a in doc["actions"]]
            exp = [(a["signal"], h(a["sigaction"]), a["handler"], a["mask"], a["flags"]) for a in w["actions"]]
            tap.eq(got, exp, f"{label}: the {len(exp)} handlers (k_sigaction, sa_handler, sa_mask, sa_flags) are drgn's")
            counts["handlers against drgn"] += len(exp)
            got = (h(doc["signal_struct"]), doc["nr_threads"], h(doc["sighand"]), doc["sigpending"], h(doc["blocked"]),
                   h(doc["private_signal"]), doc["private_queue"], h(doc["shared_signal"]), doc["shared_queue"])
            exp = (h(w["signal_struct"]), w["nr_threads"], h(w["sighand"]), w["sigpending"], w["blocked"],
                   w["private_signal"], [{"signo": q["signo"], "info": "0x%016x" % h(q["info"])} for q in w["private_queue"]],
                   w["shared_signal"], [{"signo": q["signo"], "info": "0x%016x" % h(q["info"])} for q in w["shared_queue"]])
            tap.eq(got, exp, f"{label}: signal_struct, nr_threads, sighand, SIGPENDING, BLOCKED, the pending sets and queues are drgn's")
            counts["states against drgn"] += 1
        addrs = [json.loads(ktriage("--json", dump, "sig", str(p)).stdout)["task"]["task"][2:] for p in sorted(texts)]
        out = crash_outputs(d, dump, [f"sig {a}" for a in addrs])
        if tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's sig)"):
            if out == []:
                counts["dumps crash cannot read"] += 1
            for pid, text in zip(sorted(texts), out or []):
                theirs = [line.rstrip() for line in text.splitlines() if line.strip() and "WARNING" not in line]
                if not theirs or "invalid task" in text:
                    print(f"# {name}: crash cannot show pid {pid}: {text.strip()[:200]}")
                    continue
                mine = [line.rstrip() for line in texts[pid].splitlines() if line.strip()]
                tap.eq(mine, theirs, f"{name}: sig {pid} is crash's, line for line ({len(theirs)} lines)")
                counts["crash lines"] += len(theirs)
        for args, status, what in ((["-x"], 2, "an unknown flag"), (["1", "2"], 2, "two tasks"),
                                   (["999999"], 1, "a pid no task has")):
            p = ktriage(dump, "sig", *args, check=False)
            tap.ok(p.returncode == status and not p.stdout and p.stderr,
                   f"{name}: sig {' '.join(args)} is refused ({what}), status {status}", p.stderr + p.stdout)
    for what in ("handlers against drgn", "states against drgn", "crash lines"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["handlers against drgn"] > 0 and counts["states against drgn"] > 0
           and (counts["crash lines"] > 0 or counts["dumps crash cannot read"]), f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
