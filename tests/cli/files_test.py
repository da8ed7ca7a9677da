#!/usr/bin/env python3
"""`ktriage files` on the lab's dumps: every user task's and a kernel thread's root, cwd and open
files against drgn (for_each_file, d_path, the dentry's inode and its i_mode), against what the
guest did (the panicking shell writes to /proc/sysrq-trigger on its stdout: lab/scenarios/panic.md)
and against crash 8's `files` text where crash reads the task (crash 8.0.2 cannot read 6.12's
dumps, and on Debian's 6.1.19x finds few tasks by pid). Text and JSON carry the same rows; the
JSON validates against docs/json-schema.json. Then damage in a copy of the ELF dump: an unreadable
descriptor table stops the walk with the reason (exit 1); a loop in a d_parent chain stops that
file's path, not the command."""
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

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_files.py")
SCENARIOS = ("panic", "oops")
ROW = re.compile(r"^ *(\d+) ([0-9a-f]{16}) ([0-9a-f]{16}) ([0-9a-f]{16}) (\S+) +(.*)$")



def rows_of_json(doc):
    return [(str(f["fd"]), f["file"][2:], f["dentry"][2:], f["inode"][2:], f["type"], f["path"])
            for f in doc["files"]]


def check_task(tap, schema, name, dump, pid, want, counts):
    label = f"{name}: files {pid}"
    t = ktriage(dump, "files", str(pid), check=False)
    j = ktriage("--json", dump, "files", str(pid), check=False)
    if not tap.ok(t.returncode == 0 and j.returncode == 0, f"{label} succeeds", t.stderr + j.stderr):
        return None
    doc = json.loads(j.stdout)
    errs = validate(doc, schema["documents"]["files"], schema["$defs"])
    tap.ok(not errs, f"{label}: the JSON validates against docs/json-schema.json", errs[:8])
    got = [(f["fd"], f["file"], f["dentry"], f["vfsmount"], f["inode"], f["mode"], f["path"])
           for f in doc["files"]]
    exp = [(f["fd"], "0x%016x" % int(f["file"], 16), "0x%016x" % int(f["dentry"], 16),
            "0x%016x" % int(f["vfsmount"], 16), "0x%016x" % int(f["inode"], 16), f["mode"], f["path"])
           for f in want["files"]]
    tap.eq(got, exp, f"{label}: the {len(exp)} open files (fd, file, dentry, vfsmount, inode, mode, path) are drgn's")
    counts["files against drgn"] += len(exp)
    tap.eq((doc["task"]["task"], doc["root"], doc["cwd"]),
           ("0x%016x" % int(want["task"], 16), want["root"], want["cwd"]), f"{label}: task, ROOT and CWD are drgn's")
    counts["roots against drgn"] += 1
    rows = [m.groups() for m in map(ROW.match, t.stdout.splitlines()) if m]
    tap.eq(rows, rows_of_json(doc), f"{label}: the text rows are the JSON's ({len(rows)})")
    if not doc["files"]:
        tap.ok("No open files" in t.stdout, f"{label}: no open files is said", t.stdout)
    return t.stdout, doc


def check_crash(tap, name, d, dump, ours, counts):
    """crash's files of each task, asked by task address (crash 8.0.2 misses tasks by pid on
    Debian's 6.1.19x)."""
    pids = sorted(ours)
    out = crash_outputs(d, dump, [f"files {ours[p][1]['task']['task'][2:]}" for p in pids])
    if not tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's files)"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    for pid, text in zip(pids, out):
        theirs = [line.rstrip() for line in text.splitlines() if line.strip() and "WARNING" not in line]
        if not theirs or "invalid task" in text:
            print(f"# {name}: crash cannot show pid {pid}: {text.strip()[:200]}")
            continue
        mine = [line.rstrip() for line in ours[pid][0].splitlines() if line.strip()]
        tap.eq(mine, theirs, f"{name}: files {pid} is crash's, line for line ({len(theirs)} lines)")
        counts["crash lines"] += len(theirs)


def check_ground_truth(tap, name, ours, gt, counts):
    if name != "panic":
        return
    pid = gt["panic"]["pid"]
    doc = ours.get(pid, (None, {}))[1]
    fds = {f["fd"]: (f["type"], f["path"]) for f in doc.get("files", [])}
    tap.eq(fds.get(1), ("REG", "/proc/sysrq-trigger"),
           f"{name}: the panicking shell (pid {pid}) has /proc/sysrq-trigger open on fd 1 (echo c > ...)")
    counts["ground truth"] += 1


def check_refusals(tap, name, dump):
    for args, status, what in ((["-x"], 2, "an unknown flag"), (["1", "2"], 2, "two tasks"),
                               (["999999"], 1, "a pid no task has"), (["0x1234"], 1, "an address that is no task")):
        p = ktriage(dump, "files", *args, check=False)
        tap.ok(p.returncode == status and not p.stdout and p.stderr,
               f"{name}: files {' '.join(args)} is refused ({what}), status {status}", p.stderr + p.stdout)


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


def offset_of(dump, type_, member):
    """A member's offset, from ktriage's own `p offsetof(...)`."""
    p = ktriage(dump, "p", "-x", f"offsetof({type_}, {member})", check=False)
    m = re.search(r"= (0x[0-9a-f]+)", p.stdout)
    return int(m.group(1), 16) if m else None


def check_damage(tap, name, d, counts):
    src = os.path.join(d, "vmcore.elf")
    if not tap.ok(os.path.exists(src), f"{name}: the ELF dump exists (to damage a copy)"):
        return
    doc = json.loads(ktriage("--json", src, "files", "1").stdout)
    # A file two names deep in one mount (/scenarios/NAME.sh): its directory's d_parent is made
    # the file's own dentry, a loop that never reaches the mount's root.
    deep = [f for f in doc["files"] if f["path"].count("/") >= 2 and not f["path"].startswith("/dev/")]
    if not tap.ok(deep, f"{name}: init has a file two directories deep to damage"):
        return
    pob = int(ktriage(src, "rd", "page_offset_base").stdout.split()[1], 16)
    fdt_off = offset_of(src, "struct files_struct", "fdt")
    parent_off = offset_of(src, "struct dentry", "d_parent")
    dentry = deep[0]["dentry"]
    p = ktriage(src, "p", "-x", f"((struct dentry *){dentry})->d_parent", check=False)
    m = re.search(r"= (0x[0-9a-f]{16})", p.stdout)
    if not tap.ok(fdt_off is not None and parent_off is not None and m, f"{name}: the addresses to damage are found",
                  p.stdout + p.stderr):
        return
    fdt_at = int(doc["files_struct"], 16) + fdt_off
    parent_at = int(m.group(1), 16) + parent_off
    cases = (("an unreadable descriptor table", fdt_at, 0xffffc90000000000, 1, "[walk stopped: "),
             ("a d_parent loop", parent_at, int(dentry, 16), 1, "(unreadable: the path of dentry"))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vmcore.elf")
        shutil.copyfile(src, path)
        for what, va, value, status, words in cases:
            with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
                at = elf_offset(path, va - pob)
                saved = mm[at:at + 8]
                mm[at:at + 8] = struct.pack("<Q", value)
            try:
                t = ktriage(path, "files", "1", check=False)
                j = ktriage("--json", path, "files", "1", check=False)
            finally:
                with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
                    mm[at:at + 8] = saved
            tap.ok(t.returncode == status and words in t.stdout and j.returncode == status,
                   f"{name}: {what}: files says why ('{words}') and exits {status}", t.stdout[-600:] + t.stderr)
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
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux"), *map(str, pids)],
                           capture_output=True, text=True, timeout=600)
        if not tap.ok(o.returncode == 0, f"{name}: drgn reads the files of pids {pids}", o.stderr[-2000:]):
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
            # crash takes ~15 s a session: one scenario is enough for its layout.
            check_crash(tap, name, d, dump, ours, counts)
            check_damage(tap, name, d, counts)
    for what in ("files against drgn", "roots against drgn", "ground truth", "crash lines", "damaged"):
        print(f"# compared: {counts[what]} {what}")
    crash_read = counts["dumps crash cannot read"] == 0
    tap.ok(counts["files against drgn"] > 0 and counts["roots against drgn"] > 0 and counts["ground truth"] > 0
           and (counts["crash lines"] > 0 or not crash_read) and counts["damaged"] > 0, f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
