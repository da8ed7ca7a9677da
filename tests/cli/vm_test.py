#!/usr/bin/env python3
"""`ktriage vm` and `tree -t maple` on the lab's dumps: every user task's and a kernel thread's
address space against drgn (mm, pgd, total_vm, the resident pages crash counts, and each VMA's
address, range, flags, file and d_path; the VMAs of a 6.1+ mm come from a maple tree walk of the
oracle's own over drgn's memory reads, drgn 0.0.22 having none), against crash 8's `vm` text line
for line where crash reads the task (crash 8.0.2 knows no maple tree: it shows the VMAs of 5.10
only, and cannot read 6.12's dumps) and against what the guest did (the panicking shell is
busybox: lab/scenarios/panic.md). `tree -t maple` gives the VMAs of mm->mm_mt, and 6.5+'s
sparse_irqs as the oracle walks it. Text and JSON carry the same rows; the JSON validates against
docs/json-schema.json. Then damage in a copy of the ELF dump: a maple root naming an unreadable
node, or a VMA list that loops, stops the walk with the reason (exit 1)."""
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
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap, ground_truth, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs  # noqa: E402
from render_test import SCHEMA_FILE, validate  # noqa: E402
from files_test import elf_offset, offset_of  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_vm.py")
SCENARIOS = ("panic", "oops")
ROW = re.compile(r"^([0-9a-f]{16}) +([0-9a-f]+) +([0-9a-f]+) ([0-9a-f]+) (.*)$")
VM_EXEC = 0x4


def h(v):
    return "0x%016x" % int(v, 16)


def check_task(tap, schema, name, dump, pid, want, counts):
    label = f"{name}: vm {pid}"
    t = ktriage(dump, "vm", str(pid), check=False)
    j = ktriage("--json", dump, "vm", str(pid), check=False)
    if not tap.ok(t.returncode == 0 and j.returncode == 0, f"{label} succeeds", t.stderr + j.stderr):
        return None
    doc = json.loads(j.stdout)
    errs = validate(doc, schema["documents"]["vm"], schema["$defs"])
    tap.ok(not errs, f"{label}: the JSON validates against docs/json-schema.json", errs[:8])
    tap.eq(doc["task"]["task"], h(want["task"]), f"{label}: the task is drgn's")
    if want["mm"] is None:
        tap.ok(doc["mm"] is None and not doc["vmas"] and doc["rss_pages"] == 0,
               f"{label}: a kernel thread has no mm", doc)
        zero = [line.split() for line in t.stdout.splitlines()]
        tap.ok(["0", "0", "0k", "0k"] in zero and "VMA" not in t.stdout,
               f"{label}: the kernel thread's line is zeroes, as crash prints it", t.stdout)
        counts["kernel threads"] += 1
        return t.stdout, doc
    tap.eq((doc["mm"], doc["pgd"], doc["total_vm_pages"], doc["rss_pages"], doc["layout"]),
           (h(want["mm"]), h(want["pgd"]), want["total_vm"], want["rss"], want["layout"]),
           f"{label}: mm, pgd, total_vm, RSS and layout are drgn's")
    counts["mms against drgn"] += 1
    got = [(v["vma"], v["start"], v["end"], v["flags"], v["file"], v["path"]) for v in doc["vmas"]]
    exp = [(h(v["vma"]), h(v["start"]), h(v["end"]), v["flags"], h(v["file"]) if v["file"] else None, v["path"])
           for v in want["vmas"]]
    tap.eq(got, exp, f"{label}: the {len(exp)} VMAs (address, start, end, flags, file, path) are drgn's")
    counts["VMAs against drgn"] += len(exp)
    rows = [m.groups() for m in map(ROW.match, t.stdout.splitlines()) if m]
    mine = [(v["vma"][2:], "%x" % int(v["start"], 16), "%x" % int(v["end"], 16), "%x" % v["flags"], v["path"] or "")
            for v in doc["vmas"]]
    tap.eq(rows, mine, f"{label}: the text rows are the JSON's ({len(rows)})")
    return t.stdout, doc


def check_crash(tap, name, d, dump, ours, counts):
    """crash's vm of each task, asked by task address (crash 8.0.2 misses tasks by pid on Debian's
    6.1.19x, and reads no maple tree)."""
    pids = sorted(ours)
    out = crash_outputs(d, dump, [f"vm {ours[p][1]['task']['task'][2:]}" for p in pids])
    if not tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's vm)"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    for pid, text in zip(pids, out):
        theirs = [line.rstrip() for line in text.splitlines() if line.strip() and "WARNING" not in line]
        mine = [line.rstrip() for line in ours[pid][0].splitlines() if line.strip()]
        head = [line for line in theirs[:3] if not line.startswith("vm:")]
        if len(head) == 3 and "TOTAL_VM" in head[1] and any(line.startswith("vm:") for line in theirs):
            # crash 8.0.2 reads the mm of a 6.1+ task, then stops at the VMAs (no mm->mmap).
            tap.eq(mine[:3], head, f"{name}: vm {pid}'s task, MM, PGD, RSS and TOTAL_VM lines are crash's")
            counts["crash lines"] += 3
            counts["tasks crash cannot show"] += 1
            continue
        if not theirs or "invalid" in text or "vm:" in text or (ours[pid][1]["vmas"] and "VMA" not in text):
            print(f"# {name}: crash cannot show the VMAs of pid {pid}: {text.strip()[-200:]!r}")
            counts["tasks crash cannot show"] += 1
            continue
        tap.eq(mine, theirs, f"{name}: vm {pid} is crash's, line for line ({len(theirs)} lines)")
        counts["crash lines"] += len(theirs)


def check_ground_truth(tap, name, ours, gt, counts):
    if name != "panic":
        return
    pid = gt["panic"]["pid"]
    doc = ours.get(pid, (None, {}))[1]
    code = [v["path"] for v in doc.get("vmas", []) if v["flags"] & VM_EXEC and v["path"]]
    tap.ok(doc.get("mm") and code and all(p.endswith("/busybox") for p in code),
           f"{name}: the panicking shell (pid {pid}, {gt['panic']['comm']}) runs busybox's code", code)
    counts["ground truth"] += 1


def check_tree(tap, name, dump, ours, want, counts):
    """tree -t maple: pid 1's mm->mm_mt entries are its VMAs; sparse_irqs (6.5+) as the oracle
    walks it; on a kernel without maple trees it says so."""
    doc = ours.get(1, (None, {}))[1]
    if doc.get("layout") == "maple":
        p = ktriage(dump, "tree", "-t", "maple", "-r", "mm_struct.mm_mt", doc["mm"], check=False)
        tap.eq(p.stdout.split(), [v["vma"][2:] for v in doc["vmas"]],
               f"{name}: tree -t maple of pid 1's mm_mt gives its {len(doc['vmas'])} VMAs")
        counts["maple entries"] += len(doc["vmas"])
    elif doc.get("layout") == "list":
        p = ktriage(dump, "tree", "-t", "maple", "init_mm", check=False)
        tap.ok(p.returncode != 0 and "maple" in p.stderr, f"{name}: tree -t maple on a kernel without maple "
               "trees says so", p.stderr)
    if want.get("maple") is not None:
        p = ktriage(dump, "tree", "-t", "maple", "sparse_irqs", check=False)
        tap.eq(p.stdout.split(), [e[2:].rjust(16, "0") for e in want["maple"]],
               f"{name}: tree -t maple sparse_irqs gives the {len(want['maple'])} irq_descs the oracle walks")
        counts["maple entries"] += len(want["maple"])


def check_refusals(tap, name, dump):
    for args, status, what in ((["-x"], 2, "an unknown flag"), (["1", "2"], 2, "two tasks"),
                               (["999999"], 1, "a pid no task has")):
        p = ktriage(dump, "vm", *args, check=False)
        tap.ok(p.returncode == status and not p.stdout and p.stderr,
               f"{name}: vm {' '.join(args)} is refused ({what}), status {status}", p.stderr + p.stdout)


def check_damage(tap, name, d, counts):
    src = os.path.join(d, "vmcore.elf")
    if not tap.ok(os.path.exists(src), f"{name}: the ELF dump exists (to damage a copy)"):
        return
    doc = json.loads(ktriage("--json", src, "vm", "1").stdout)
    pob = int(ktriage(src, "rd", "page_offset_base").stdout.split()[1], 16)
    if doc["layout"] == "maple":
        # The root names an arange_64 node at an unreadable address.
        at = int(doc["mm"], 16) + offset_of(src, "struct mm_struct", "mm_mt.ma_root")
        what, value, words = "a maple root naming an unreadable node", 0xffffc90000000000 | 0x1e, "maple tree"
    else:
        # The second VMA's vm_next names the first: a loop.
        at = int(doc["vmas"][1]["vma"], 16) + offset_of(src, "struct vm_area_struct", "vm_next")
        what, value, words = "a VMA list that loops", int(doc["vmas"][0]["vma"], 16), "a loop"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vmcore.elf")
        shutil.copyfile(src, path)
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
            off = elf_offset(path, at - pob)
            mm[off:off + 8] = struct.pack("<Q", value)
        t = ktriage(path, "vm", "1", check=False)
        j = ktriage("--json", path, "vm", "1", check=False)
    tap.ok(t.returncode == 1 and "[walk stopped: " in t.stdout and words in t.stdout and j.returncode == 1
           and json.loads(j.stdout)["error"], f"{name}: {what}: vm says why and exits 1", t.stdout[-600:] + t.stderr)
    counts["damaged"] += 1


def main():
    tap = Tap()
    counts = Counter()
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    for name in SCENARIOS:
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        ps = json.loads(ktriage("--json", dump, "ps", "-u").stdout)["tasks"]
        pids = sorted({t["pid"] for t in ps} | {2})
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux"), "--maple", "sparse_irqs",
                            *map(str, pids)], capture_output=True, text=True, timeout=600)
        if not tap.ok(o.returncode == 0, f"{name}: drgn reads the address spaces of pids {pids}", o.stderr[-2000:]):
            continue
        want = json.loads(o.stdout)
        ours = {}
        for pid in pids:
            r = check_task(tap, schema, name, dump, pid, want[str(pid)], counts)
            if r:
                ours[pid] = r
        check_ground_truth(tap, name, ours, ground_truth(d), counts)
        check_refusals(tap, name, dump)
        if name == "panic":
            check_tree(tap, name, dump, ours, want, counts)
            check_crash(tap, name, d, dump, ours, counts)
            check_damage(tap, name, d, counts)
    for what in ("mms against drgn", "VMAs against drgn", "kernel threads", "ground truth", "crash lines",
                 "maple entries", "damaged"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["mms against drgn"] > 0 and counts["VMAs against drgn"] > 0 and counts["kernel threads"] > 0
           and counts["ground truth"] > 0 and counts["damaged"] > 0, f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
