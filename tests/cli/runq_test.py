#!/usr/bin/env python3
"""`ktriage runq` on the lab's dumps with busy runqueues (lockup: two CPUs spinning with tasks
queued behind them; many-tasks: four thousand threads), against drgn's own rbtree and list helpers,
against the scheduler's on_rq flags (independent of the queues), against what the guest recorded
(which task runs where, and for how long at least), and against crash 8 where crash reads it
right: runq -t and -m whole, runq's current tasks and queue addresses; crash's queued tasks must
be among ktriage's (on 6.1.19x crash drops every task missing from its PID hash). Then damaged
trees in a copy of the lockup dump: a node whose child is itself, a parent link naming another
node, a child at an unreadable address: each walk stops with the reason and runq exits 1."""
import json
import mmap
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ground_truth, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_runq.py")
SCENARIOS = ("lockup", "many-tasks")



def task_lines(text):
    return re.findall(r'PID: (\d+) +TASK: ([0-9a-f]+)  COMMAND: "(.*)"', text)


def check_oracle(tap, name, d, dump, doc, counts):
    o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                       capture_output=True, text=True, timeout=600)
    if not tap.ok(o.returncode == 0, f"{name}: drgn reads the runqueues", o.stderr[-2000:]):
        return
    want = json.loads(o.stdout)
    tap.eq([c["cpu"] for c in doc["cpus"]], [w["cpu"] for w in want], f"{name}: the online CPUs are drgn's")
    for c, w in zip(doc["cpus"], want):
        label = f"{name}: CPU {c['cpu']}"
        tap.eq((c["rq"], c["clock"], c["nr_running"], c["current"]["task"], c["current"]["pid"],
                c["current"]["comm"], c["last_arrival"]),
               (w["rq"], w["clock"], w["nr_running"], w["current"]["task"], w["current"]["pid"],
                w["current"]["comm"], w["last_arrival"]),
               f"{label}: rq, clock, nr_running, current task and its last_arrival are drgn's")
        got = [(q["class"], q["task"]["task"] if q["task"] else None, q["prio"])
               for q in c["queued"] if q["class"] != "stop"]
        tap.eq(got, [(q["class"], q["task"], q["prio"]) for q in w["queued"]],
               f"{label}: the {len(got)} queued entities in drgn's order (deadline, RT by priority, CFS by vruntime)")
        counts["queued entities against drgn"] += len(got)
        # Not from the queues: every task the scheduler marks queued there, the stopper included.
        mine = sorted(q["task"]["task"] for q in c["queued"] if q["task"])
        tap.eq(mine, w["on_rq"], f"{label}: the queued tasks are those whose on_rq is TASK_ON_RQ_QUEUED "
                                 f"({len(w['on_rq'])})")
        counts["tasks against on_rq"] += len(w["on_rq"])
        running = 0 if c["current"]["comm"].startswith("swapper/") and c["current"]["pid"] == 0 else 1
        tap.eq(len(mine) + running, c["nr_running"], f"{label}: rq->nr_running counts the running task and "
                                                     f"the {len(mine)} queued")


def check_ground_truth(tap, name, doc, gt, counts):
    cpus = {c["cpu"]: c for c in doc["cpus"]}
    console = gt.get("console", {})
    if "panic_pid" in console:
        c = cpus.get(console["panic_cpu"], {}).get("current") or {}
        tap.eq((c.get("pid"), c.get("comm")), (console["panic_pid"], console["panic_comm"]),
               f"{name}: the panicking task runs on CPU {console['panic_cpu']}")
        counts["ground truth"] += 1
    lockup = gt.get("lockup")
    if lockup:
        for role in ("holder", "waiter"):
            t = lockup[role]
            c = cpus.get(t["cpu"], {})
            tap.eq(((c.get("current") or {}).get("pid"), (c.get("current") or {}).get("task")),
                   (t["pid"], "0x" + t["task"]), f"{name}: the lock {role} runs on CPU {t['cpu']}")
            counts["ground truth"] += 1
        # The soft-lockup watchdog fires after 2 * watchdog_thresh seconds on the CPU: the waiter
        # spun at least that long on the panicking CPU.
        c = cpus.get(lockup["waiter"]["cpu"], {})
        limit = 2 * lockup["watchdog_thresh"] * 10**9
        tap.ok((c.get("run_time") or 0) >= limit,
               f"{name}: the waiter has run {c.get('run_time')} ns, at least the soft-lockup threshold {limit}")
        counts["ground truth"] += 1


def check_crash(tap, name, d, dump, counts):
    out = crash_outputs(d, dump, ["runq", "runq -t", "runq -m", "runq -g"])
    if not tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's runq)"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    ours = [ktriage(dump, "runq", *a, check=False).stdout for a in ([], ["-t"], ["-m"], ["-g"])]
    # -t and -m: the clock, last_arrival and run time of each CPU's task, line for line.
    for i, flag in ((1, "-t"), (2, "-m")):
        want = [line for line in out[i].splitlines() if line.startswith(" ")]
        tap.ok(want and ours[i].splitlines() == want, f"{name}: runq {flag} is crash's ({len(want)} lines)",
               f"ktriage:\n{ours[i]}\ncrash:\n{out[i]}")
        counts["crash lines"] += len(want)
    # runq: the runqueue, current task and queue addresses lines are crash's; crash's queued tasks
    # are among ours, in our order.
    heads = re.compile(r"^(CPU \d+ RUNQUEUE|  CURRENT|  RT PRIO_ARRAY|  CFS RB_ROOT): .*$", re.M)
    want = [m.group(0) for m in heads.finditer(out[0])]
    got = [m.group(0) for m in heads.finditer(ours[0])]
    tap.ok(want and got == want, f"{name}: runq's runqueues, current tasks and queue roots are crash's ({len(want)})",
           f"ktriage {got}\ncrash {want}")
    counts["crash lines"] += len(want)
    queued = re.compile(r"^     \[ *\d+\] (PID.*)$", re.M)
    theirs, mine = queued.findall(out[0]), queued.findall(ours[0])
    it = iter(mine)
    tap.ok(all(t in it for t in theirs), f"{name}: crash's {len(theirs)} queued tasks are among ktriage's "
                                         f"{len(mine)}, in the same order", f"crash {theirs}\nktriage {mine}")
    if "not found in PID hash" not in out[0]:
        tap.eq(mine, theirs, f"{name}: crash reads every task here: the same queued tasks")
    counts["crash queued tasks"] += len(theirs)
    # -g: crash's task lines are among ours.
    theirs_g, mine_g = Counter(task_lines(out[3])), Counter(task_lines(ours[3]))
    tap.ok(sum(theirs_g.values()) and not theirs_g - mine_g,
           f"{name}: runq -g: crash's {sum(theirs_g.values())} task lines are among ktriage's",
           f"crash {theirs_g}\nktriage {mine_g}")


def check_refusals(tap, name, dump, n_cpus):
    for args, status, what in ((["-c", str(n_cpus)], 2, "a CPU the dump lacks"),
                               (["-t", "-m"], 2, "two views at once"), (["-x"], 2, "an unknown flag"),
                               (["1"], 2, "an argument")):
        p = ktriage(dump, "runq", *args, check=False)
        tap.ok(p.returncode == status and not p.stdout and p.stderr,
               f"{name}: runq {' '.join(args)} is refused ({what}), status {status}", p.stderr + p.stdout)
    p = ktriage("--json", dump, "runq", "-c", "1", check=False)
    cpus = json.loads(p.stdout)["cpus"] if p.returncode == 0 else []
    tap.eq([c["cpu"] for c in cpus], [1], f"{name}: runq -c 1 shows CPU 1 alone")


def elf_offset(path, pa):
    """The file offset of physical address pa in an ELF dump."""
    with open(path, "rb") as f:
        hdr = f.read(64)
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
        if p_type == 1 and p_paddr <= pa < p_paddr + p_filesz:
            return p_offset + pa - p_paddr
    raise ValueError(f"{path}: physical 0x{pa:x} is in no PT_LOAD")


def check_damaged_trees(tap, name, d, counts):
    """CPU 0's CFS tree in a copy of the ELF dump, damaged three ways; CPU 1 stays whole."""
    src = os.path.join(d, "vmcore.elf")
    if not tap.ok(os.path.exists(src), f"{name}: the ELF dump exists (to damage a copy)"):
        return
    doc = json.loads(ktriage("--json", src, "runq").stdout)
    cpu0 = doc["cpus"][0]
    fair = [q for q in cpu0["queued"] if q["class"] == "fair"]
    if not tap.ok(len(fair) >= 2, f"{name}: CPU 0 has queued CFS tasks to damage ({len(fair)})"):
        return
    pob = int(ktriage(src, "rd", "page_offset_base").stdout.split()[1], 16)
    root_va = int(json.loads(ktriage("--json", src, "rd", cpu0["cfs_root"]).stdout)["values"][0], 16)
    # struct rb_node: __rb_parent_color, rb_right, rb_left (include/linux/rbtree_types.h).
    cases = (("a node that is its own left child", root_va + 16, root_va, "error.limit", "loops"),
             ("a parent link naming another node", int(fair[0]["entity"], 16) + 16, 0xffff888000001000 | 1,
              "error.bad_data", "as its parent"),
             ("a child at an unreadable address", root_va + 8, 0xffffc90000000000, "error.fault", ""))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vmcore.elf")
        shutil.copyfile(src, path)
        for what, va, value, code, words in cases:
            with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
                at = elf_offset(path, va - pob)
                saved = m[at:at + 8]
                m[at:at + 8] = struct.pack("<Q", value)
            try:
                p = subprocess.run([os.environ.get("KTRIAGE", "ktriage"), "--json", path, "runq"],
                                   capture_output=True, text=True, timeout=120)
                t = ktriage(path, "runq", check=False)
            finally:
                with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
                    m[at:at + 8] = saved
            cpus = json.loads(p.stdout)["cpus"] if p.stdout else []
            c0 = cpus[0] if cpus else {}
            tap.ok(p.returncode == 1 and c0.get("error_code") == code and words in (c0.get("error") or "")
                   and all(c["error"] is None for c in cpus[1:]) and len(cpus) == len(doc["cpus"]),
                   f"{name}: {what}: CPU 0's walk stops ({code}), the other CPUs are whole, runq exits 1",
                   f"exit {p.returncode} {c0.get('error')} {p.stderr}")
            tap.ok(t.returncode == 1 and "[walk stopped: " in t.stdout,
                   f"{name}: {what}: the text says where the walk stopped", t.stdout[-800:])
            counts["damaged trees"] += 1


def main():
    tap = Tap()
    counts = Counter()
    for name in SCENARIOS:
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        p = ktriage("--json", dump, "runq", check=False)
        if not tap.ok(p.returncode == 0, f"{name}: runq succeeds", p.stderr):
            continue
        doc = json.loads(p.stdout)
        tap.ok(doc["cpus"] and all(c["error"] is None for c in doc["cpus"]),
               f"{name}: every CPU's queues are walked whole", [c["error"] for c in doc["cpus"]])
        check_oracle(tap, name, d, dump, doc, counts)
        check_ground_truth(tap, name, doc, ground_truth(d), counts)
        check_crash(tap, name, d, dump, counts)
        check_refusals(tap, name, dump, len(doc["cpus"]))
        if name == "lockup":
            check_damaged_trees(tap, name, d, counts)
    for what in ("queued entities against drgn", "tasks against on_rq", "ground truth", "crash lines",
                 "crash queued tasks", "damaged trees"):
        print(f"# compared: {counts[what]} {what}")
    crash_read = counts["dumps crash cannot read"] < len(SCENARIOS)
    tap.ok(counts["queued entities against drgn"] > 0 and counts["tasks against on_rq"] > 0 and
           counts["ground truth"] > 0 and (counts["crash lines"] > 0 or not crash_read) and
           counts["damaged trees"] > 0,
           f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
