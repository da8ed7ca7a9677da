#!/usr/bin/env python3
"""`ktriage mount` on the lab's dumps: pid 1's mount namespace against drgn (for_each_mount,
mount_src, mount_dst, the super block and its type), against crash 8's mount text where crash reads
the dump (crash 8.0.2 cannot read 6.12's), against `files` (the mount that /proc/sysrq-trigger is
open through, in the panicking shell, is the proc mount listed here) and on a damaged copy (the
namespace's list or rbtree head made unreadable: the walk stops with the reason, exit 1). Text and
JSON carry the same rows; the JSON validates against docs/json-schema.json."""
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
from render_test import SCHEMA_FILE, validate  # noqa: E402
from files_test import crash_outputs, elf_offset, offset_of  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_mounts.py")
ROW = re.compile(r"^([0-9a-f]{16}) ([0-9a-f]{16}) (\S+) +(\S+) +(\S.*?) *$")


def hx(v):
    return "0x%016x" % int(v, 16)


def main():
    tap = Tap()
    counts = Counter()
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    name = "panic"
    d = scenario_dir(tap, name)
    if d:
        dump = os.path.join(d, "vmcore.kdump")
        t = ktriage(dump, "mount", check=False)
        j = ktriage("--json", dump, "mount", check=False)
        if tap.ok(t.returncode == 0 and j.returncode == 0, f"{name}: mount succeeds", t.stderr + j.stderr):
            doc = json.loads(j.stdout)
            errs = validate(doc, schema["documents"]["mount"], schema["$defs"])
            tap.ok(not errs, f"{name}: the JSON validates against docs/json-schema.json", errs[:8])
            mine = [(m["mount"], m["super_block"], m["type"], m["devname"], m["dirname"]) for m in doc["mounts"]]
            rows = [m.groups() for m in map(ROW.match, t.stdout.splitlines()) if m]
            tap.eq(rows, [(a[2:], b[2:], c, e, f) for a, b, c, e, f in mine], f"{name}: the text rows are the JSON's ({len(rows)})")
            o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                               capture_output=True, text=True, timeout=600)
            if tap.ok(o.returncode == 0, f"{name}: drgn reads the mounts", o.stderr[-2000:]):
                want = json.loads(o.stdout)
                tap.eq(doc["mnt_ns"], hx(want["mnt_ns"]), f"{name}: pid 1's mount namespace is drgn's")
                exp = [(hx(m["mount"]), hx(m["super_block"]), m["type"], m["devname"], m["dirname"]) for m in want["mounts"]]
                tap.eq(mine, exp, f"{name}: the {len(exp)} mounts (mount, super block, type, device, mount point) are drgn's, in order")
                counts["mounts against drgn"] += len(exp)
            # The panicking shell's /proc/sysrq-trigger is open through the proc mount listed here.
            pid = ground_truth(d)["panic"]["pid"]
            f = json.loads(ktriage("--json", dump, "files", str(pid)).stdout)
            vfsmnt = [x["vfsmount"] for x in f["files"] if x["path"] == "/proc/sysrq-trigger"]
            proc = [m for m in doc["mounts"] if m["dirname"] == "/proc"]
            mnt_off = offset_of(dump, "struct mount", "mnt")
            tap.ok(vfsmnt and proc and mnt_off is not None and int(vfsmnt[0], 16) == int(proc[0]["mount"], 16) + mnt_off
                   and proc[0]["type"] == "proc",
                   f"{name}: pid {pid}'s /proc/sysrq-trigger is open through the proc mount listed at /proc", (vfsmnt, proc))
            counts["ground truth"] += 1
            out = crash_outputs(d, dump, ["mount"])
            if tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's mount)") and out:
                theirs = [line for line in out[0].splitlines() if line.strip() and "WARNING" not in line]
                tap.eq(t.stdout.splitlines(), theirs, f"{name}: mount is crash's, line for line ({len(theirs)})")
                counts["crash lines"] += len(theirs)
            elif out == []:
                counts["dumps crash cannot read"] += 1
            for args, status, what in ((["-x"], 2, "an unknown flag"), (["1"], 2, "an argument"),
                                       (["-n", "999999"], 1, "a pid no task has")):
                p = ktriage(dump, "mount", *args, check=False)
                tap.ok(p.returncode == status and not p.stdout and p.stderr,
                       f"{name}: mount {' '.join(args)} is refused ({what}), status {status}", p.stderr + p.stdout)
            p = ktriage("--json", dump, "mount", "-n", str(pid), check=False)
            tap.ok(p.returncode == 0 and json.loads(p.stdout)["mnt_ns"] == doc["mnt_ns"],
                   f"{name}: mount -n {pid}: the shell shares init's namespace")
            # Damage: the namespace's list or rbtree head made unreadable in a copy of the ELF dump.
            src = os.path.join(d, "vmcore.elf")
            head = "mounts" if doc["layout"] == "rbtree" else "list"
            off = offset_of(src, "struct mnt_namespace", head)
            if tap.ok(os.path.exists(src) and off is not None, f"{name}: the ELF dump and mnt_namespace.{head} exist"):
                pob = int(ktriage(src, "rd", "page_offset_base").stdout.split()[1], 16)
                with tempfile.TemporaryDirectory() as tmp:
                    path = os.path.join(tmp, "vmcore.elf")
                    shutil.copyfile(src, path)
                    with open(path, "r+b") as fh, mmap.mmap(fh.fileno(), 0) as mm:
                        at = elf_offset(path, int(doc["mnt_ns"], 16) + off - pob)
                        mm[at:at + 8] = struct.pack("<Q", 0xffffc90000000000)
                    p = ktriage(path, "mount", check=False)
                    tap.ok(p.returncode == 1 and "[walk stopped: " in p.stdout,
                           f"{name}: an unreadable mnt_namespace.{head} ({doc['layout']}) stops the walk, exit 1",
                           p.stdout + p.stderr)
                    counts["damaged"] += 1
    for what in ("mounts against drgn", "ground truth", "crash lines", "damaged"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["mounts against drgn"] > 0 and counts["ground truth"] > 0 and counts["damaged"] > 0
           and (counts["crash lines"] > 0 or counts["dumps crash cannot read"]), f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
