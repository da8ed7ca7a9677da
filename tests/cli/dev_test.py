#!/usr/bin/env python3
"""`ktriage dev` on the lab's panic dump: the character devices against crash 8 where crash reads
the dump (5.10, 6.1: every CHRDEV line, cdev found through cdev_map included) and the block
device majors' names; against drgn on every kernel (each chrdevs[] and major_names[] chain
walked by drgn, cdevs looked up in cdev_map's probes by drgn too); the text against the JSON; a
chain that loops in a copy of the dump."""
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
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs  # noqa: E402
from timer_test import elf_offset  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_dev.py")


def check_damaged(tap, d, counts):
    """A char_device_struct in a copy of the ELF dump whose next link (its first member) is
    itself: the walk stops with a loop after it, the block devices are still listed, dev exits 1."""
    src = os.path.join(d, "vmcore.elf")
    if not tap.ok(os.path.exists(src), "the ELF dump exists (to damage a copy)"):
        return
    doc = json.loads(ktriage("--json", src, "dev").stdout)
    pob = int(ktriage(src, "rd", "page_offset_base").stdout.split()[1], 16)
    off = int(json.loads(ktriage("--json", src, "p", "offsetof(struct char_device_struct, next)").stdout)["value"])
    victims = []
    for i, c in enumerate(doc["chrdevs"]):
        try:
            va = int(c["char_device_struct"], 16)
            victims.append((i, va, elf_offset(src, va - pob)))
        except ValueError:  # not in the direct map
            pass
    if not tap.ok(victims and off == 0, f"a char_device_struct in the direct map to damage ({len(victims)})"):
        return
    i, va, _ = victims[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vmcore.elf")
        shutil.copyfile(src, path)
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            at = elf_offset(path, va - pob)
            m[at:at + 8] = struct.pack("<Q", va)
        p = ktriage("--json", path, "dev", check=False)
        t = ktriage(path, "dev", check=False)
    got = json.loads(p.stdout) if p.stdout else {}
    tap.ok(p.returncode == 1 and got.get("error_code") == "error.limit" and "loops" in (got.get("error") or "")
           and [c["char_device_struct"] for c in got.get("chrdevs", [])][:i + 1] ==
           [c["char_device_struct"] for c in doc["chrdevs"]][:i + 1] and got.get("blkdevs") == doc["blkdevs"],
           "a char_device_struct linked to itself: the walk stops with a loop after it, the block majors "
           "are listed, dev exits 1", f"exit {p.returncode} {got.get('error')} {p.stderr}")
    tap.ok(t.returncode == 1 and "[walk stopped: " in t.stdout, "the text says where the walk stopped", t.stdout[-800:])
    counts["damaged chains"] += 1


def main():
    tap = Tap()
    counts = Counter()
    d = scenario_dir(tap, "panic")
    if d:
        dump = os.path.join(d, "vmcore.kdump")
        p = ktriage("--json", dump, "dev", check=False)
        t = ktriage(dump, "dev", check=False)
        if tap.ok(p.returncode == 0 and t.returncode == 0, "dev succeeds", p.stderr + t.stderr):
            doc = json.loads(p.stdout)
            tap.ok(doc["error"] is None and doc["chrdevs"] and doc["blkdevs"],
                   f"dev lists {len(doc['chrdevs'])} character and {len(doc['blkdevs'])} block majors, whole")
            o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                               capture_output=True, text=True, timeout=600)
            if tap.ok(o.returncode == 0, "drgn reads the device tables", o.stderr[-2000:]):
                want = json.loads(o.stdout)
                keys = ("char_device_struct", "major", "baseminor", "minorct", "name", "cdev", "ops")
                got = [tuple(c[k] if k in ("major", "baseminor", "minorct", "name") else hex(int(c[k] or "0", 16))
                             for k in keys) for c in doc["chrdevs"]]
                tap.eq(got, [tuple(c[k] for k in keys) for c in want["chrdevs"]],
                       f"the {len(want['chrdevs'])} char_device_structs, cdevs and ops are drgn's")
                counts["chrdevs against drgn"] += len(want["chrdevs"])
                got = [(b["blk_major_name"], b["major"], b["name"]) for b in doc["blkdevs"]]
                tap.eq(got, [(b["blk_major_name"], b["major"], b["name"]) for b in want["blkdevs"]],
                       f"the {len(got)} blk_major_names are drgn's")
                counts["blkdevs against drgn"] += len(got)
            rows = [(int(m), n, c, o) for m, n, c, o in
                    re.findall(r"^ +(\d+)      (.{13}) (?: ([0-9a-f]{16})  (\S+)|      \(none\)     )$", t.stdout, re.M)]
            want = [(c["major"], c["name"].ljust(13), c["cdev"][2:] if c["ops"] else "",
                     (c["ops_symbol"] or c["ops"][2:]) if c["ops"] else "") for c in doc["chrdevs"]]
            tap.eq([(a, b.rstrip(), c, e) for a, b, c, e in rows], [(a, b.rstrip(), c, e) for a, b, c, e in want],
                   f"dev's CHRDEV rows are its JSON's ({len(want)})")
            counts["text rows against JSON"] += len(want)
            out = crash_outputs(d, dump, ["dev"])
            if tap.ok(out is not None, "crash is installed (the oracle for crash's dev)") and out:
                theirs = out[0].split("\nBLKDEV")[0].strip("\n").splitlines()
                theirs = theirs[theirs.index(next(x for x in theirs if x.startswith("CHRDEV"))):]
                mine = t.stdout.split("\nBLKDEV")[0].strip("\n").splitlines()
                tap.eq(mine, theirs, f"dev's CHRDEV lines are crash's ({len(theirs)})")
                counts["crash lines"] += len(theirs)
                blk = re.findall(r"^ +(\d+)      (\S+)", out[0].split("\nBLKDEV")[1], re.M)
                tap.eq([(str(b["major"]), b["name"]) for b in doc["blkdevs"]], blk,
                       f"the block majors and names are crash's ({len(blk)})")
                counts["crash lines"] += len(blk)
            elif out == []:
                counts["dumps crash cannot read"] += 1
        check_damaged(tap, d, counts)
        p = ktriage(dump, "dev", "-x", check=False)
        tap.ok(p.returncode == 2 and not p.stdout and p.stderr, "dev -x is refused", p.stdout + p.stderr)
    for what in ("chrdevs against drgn", "blkdevs against drgn", "crash lines", "text rows against JSON",
                 "damaged chains"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["chrdevs against drgn"] > 0 and counts["blkdevs against drgn"] > 0 and
           counts["text rows against JSON"] > 0 and counts["damaged chains"] > 0 and (counts["crash lines"] > 0 or counts["dumps crash cannot read"]),
           f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
