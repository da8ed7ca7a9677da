#!/usr/bin/env python3
"""`ktriage timer` and `timer -r` on the lab's dumps: against crash 8 where crash reads the dump
(5.10, 6.1: the whole text, line for line), against drgn's own hlist and rbtree helpers on every
kernel (each CPU's wheel bases and hrtimer clock bases, every timer's address, expiry and
function), the text against the JSON, -C against the full list, and damaged buckets and trees in a copy of
the dump: a timer_list whose next link is itself, one whose next is unreadable, an hrtimer that
is its own left child: the walk stops with the reason, the other bases stay whole, timer exits 1."""
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

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_timer.py")
SCENARIOS = ("panic", "lockup")


def h(s):
    return int(s, 16)


def check_drgn(tap, name, d, dump, wheels, clocks, counts):
    o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                       capture_output=True, text=True, timeout=600)
    if not tap.ok(o.returncode == 0, f"{name}: drgn reads the timers", o.stderr[-2000:]):
        return
    want = json.loads(o.stdout)
    tap.eq(wheels["jiffies"], want["jiffies"], f"{name}: jiffies is drgn's")
    got = [(b["cpu"], b["index"], h(b["address"])) for b in wheels["bases"]]
    tap.eq(got, [(b["cpu"], b["index"], h(b["address"])) for b in want["bases"]],
           f"{name}: the {len(got)} wheel bases are drgn's")
    for b, w in zip(wheels["bases"], want["bases"]):
        mine = sorted((h(t["address"]), t["expires"], h(t["function"])) for t in b["timers"])
        theirs = sorted((h(t["address"]), t["expires"], h(t["function"])) for t in w["timers"])
        tap.eq(mine, theirs, f"{name}: CPU {b['cpu']} {b['name']}: the {len(theirs)} timer_lists are drgn's")
        tap.eq([t["expires"] for t in b["timers"]], sorted(t["expires"] for t in b["timers"]),
               f"{name}: CPU {b['cpu']} {b['name']}: by expiry")
        tap.ok(all(t["tte"] == t["expires"] - wheels["jiffies"] for t in b["timers"]),
               f"{name}: CPU {b['cpu']} {b['name']}: TTE is expires - jiffies")
        counts["timer_lists against drgn"] += len(theirs)
    got = [(b["cpu"], b["index"], h(b["address"]), h(b["cpu_base"])) for b in clocks["hrtimer_bases"]]
    tap.eq(got, [(b["cpu"], b["index"], h(b["address"]), h(b["cpu_base"])) for b in want["hrtimer_bases"]],
           f"{name}: the {len(got)} hrtimer clock bases are drgn's")
    for b, w in zip(clocks["hrtimer_bases"], want["hrtimer_bases"]):
        mine = [(h(t["address"]), t["expires"], t["softexpires"], h(t["function"])) for t in b["timers"]]
        theirs = [(h(t["address"]), t["expires"], t["softexpires"], h(t["function"])) for t in w["timers"]]
        tap.eq(mine, theirs, f"{name}: CPU {b['cpu']} clock {b['index']}: the {len(theirs)} hrtimers in drgn's order")
        counts["hrtimers against drgn"] += len(theirs)


def check_crash(tap, name, d, dump, counts):
    out = crash_outputs(d, dump, ["timer", "timer -r"])
    if not tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's timer)"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    for i, args in enumerate(([], ["-r"])):
        mine = ktriage(dump, "timer", *args).stdout.splitlines()
        # crash's warnings (a task missing from its PID hash) come before the first command.
        theirs = [line for line in out[i].splitlines() if not line.startswith("WARNING")]
        while theirs and not theirs[0]:
            theirs.pop(0)
        # Timers of equal expiry: crash's qsort leaves them in no set order, ktriage by address.
        tap.eq(sorted(mine), sorted(theirs), f"{name}: timer {' '.join(args)} is crash's ({len(theirs)} lines)")
        tap.eq([re.sub(r"  \S+  \S+  <.*", "", line) for line in mine],
               [re.sub(r"  \S+  \S+  <.*", "", line) for line in theirs],
               f"{name}: timer {' '.join(args)}: crash's order of expiry")
        counts["crash lines"] += len(theirs)


def check_text(tap, name, dump, wheels, clocks, counts):
    text = ktriage(dump, "timer").stdout
    rows = re.findall(r"^  +(\d+) +(-?\d+)  ([0-9a-f]{16})  ([0-9a-f]+)  <", text, re.M)
    want = [(str(t["expires"]), str(t["tte"]), t["address"][2:], t["function"][2:])
            for b in wheels["bases"] for t in b["timers"]]
    tap.eq(rows, want, f"{name}: timer's text rows are its JSON's ({len(want)})")
    counts["text rows against JSON"] += len(rows)
    text = ktriage(dump, "timer", "-r").stdout
    rows = re.findall(r"^  +(\d+)  +(\d+)  +(-?\d+)  ([0-9a-f]+)  ([0-9a-f]+)  <", text, re.M)
    want = [(str(t["softexpires"]), str(t["expires"]), str(t["tte"]), t["address"][2:], t["function"][2:])
            for b in clocks["hrtimer_bases"] for t in b["timers"]]
    tap.eq(rows, want, f"{name}: timer -r's text rows are its JSON's ({len(want)})")
    counts["text rows against JSON"] += len(rows)
    one = json.loads(ktriage("--json", dump, "timer", "-C", "1").stdout)
    tap.eq(one["bases"], [b for b in wheels["bases"] if b["cpu"] == 1], f"{name}: timer -C 1 is CPU 1's bases alone")
    one = json.loads(ktriage("--json", dump, "timer", "-r", "-C", "1").stdout)
    tap.eq(one["hrtimer_bases"], [b for b in clocks["hrtimer_bases"] if b["cpu"] == 1],
           f"{name}: timer -r -C 1 is CPU 1's clock bases alone")
    for args in (["-x"], ["1"], ["-C", "99"]):
        p = ktriage(dump, "timer", *args, check=False)
        tap.ok(p.returncode == 2 and not p.stdout and p.stderr, f"{name}: timer {' '.join(args)} is refused",
               p.stdout + p.stderr)


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


def check_damaged(tap, name, d, counts):
    """A timer_list in the direct map, in a copy of the ELF dump: its entry.next (offset 0 of
    struct timer_list and of its hlist_node) made to point at itself, then at an unmapped address."""
    src = os.path.join(d, "vmcore.elf")
    if not tap.ok(os.path.exists(src), f"{name}: the ELF dump exists (to damage a copy)"):
        return
    doc = json.loads(ktriage("--json", src, "timer").stdout)
    pob = int(ktriage(src, "rd", "page_offset_base").stdout.split()[1], 16)
    entry = int(json.loads(ktriage("--json", src, "p", "offsetof(struct timer_list, entry)").stdout)["value"])
    victims = []
    for i, b in enumerate(doc["bases"]):
        for t in b["timers"]:
            try:
                if h(t["address"]) >= pob:
                    elf_offset(src, h(t["address"]) - pob)
                    victims.append((i, h(t["address"])))
            except ValueError:  # not in the direct map
                pass
    if not tap.ok(victims and entry == 0, f"{name}: a timer_list in the direct map to damage ({len(victims)})"):
        return
    base, va = victims[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vmcore.elf")
        shutil.copyfile(src, path)
        for what, value, code, words in (("a timer_list linked to itself", va, "error.limit", "loops"),
                                         ("a next link to an unreadable address", 0xffffc90000000000,
                                          "error.fault", "")):
            with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
                at = elf_offset(path, va - pob)
                m[at:at + 8] = struct.pack("<Q", value)
            p = ktriage("--json", path, "timer", check=False)
            t = ktriage(path, "timer", check=False)
            bases = json.loads(p.stdout)["bases"] if p.stdout else []
            hit = bases[base] if len(bases) > base else {}
            tap.ok(p.returncode == 1 and hit.get("error_code") == code and words in (hit.get("error") or "")
                   and any(h(x["address"]) == va for x in hit.get("timers", []))
                   and all(b["error"] is None for i, b in enumerate(bases) if i != base)
                   and len(bases) == len(doc["bases"]),
                   f"{name}: {what}: that base's walk stops ({code}) after the timer, the others are whole, "
                   f"timer exits 1", f"exit {p.returncode} {hit.get('error')} {p.stderr}")
            tap.ok(t.returncode == 1 and "[walk stopped: " in t.stdout,
                   f"{name}: {what}: the text says where the walk stopped", t.stdout[-800:])
            counts["damaged buckets and trees"] += 1
        check_damaged_tree(tap, name, src, path, pob, counts)


def check_damaged_tree(tap, name, src, path, pob, counts):
    """An hrtimer in a fresh copy whose rb_node (node.node, at offset 0 of struct hrtimer and of
    its timerqueue_node) has itself as its left child (struct rb_node: __rb_parent_color,
    rb_right, rb_left): timer -r stops that clock base's walk with a loop, the others are whole."""
    shutil.copyfile(src, path)
    doc = json.loads(ktriage("--json", path, "timer", "-r").stdout)
    victims = []
    for i, b in enumerate(doc["hrtimer_bases"]):
        for t in b["timers"]:
            try:
                if h(t["address"]) >= pob:
                    victims.append((i, h(t["address"]), elf_offset(path, h(t["address"]) - pob)))
            except ValueError:  # not in the direct map
                pass
    if not tap.ok(victims, f"{name}: an hrtimer in the direct map to damage ({len(victims)})"):
        return
    base, va, at = victims[0]
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        m[at + 16:at + 24] = struct.pack("<Q", va)
    p = ktriage("--json", path, "timer", "-r", check=False)
    bases = json.loads(p.stdout)["hrtimer_bases"] if p.stdout else []
    hit = bases[base] if len(bases) > base else {}
    tap.ok(p.returncode == 1 and hit.get("error_code") == "error.limit" and "loops" in (hit.get("error") or "")
           and all(b["error"] is None for i, b in enumerate(bases) if i != base) and len(bases) == len(doc["hrtimer_bases"]),
           f"{name}: an hrtimer that is its own left child: that clock base's walk stops (error.limit), "
           f"the others are whole, timer -r exits 1", f"exit {p.returncode} {hit.get('error')} {p.stderr}")
    counts["damaged buckets and trees"] += 1


def main():
    tap = Tap()
    counts = Counter()
    for name in SCENARIOS:
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        p = ktriage("--json", dump, "timer", check=False)
        r = ktriage("--json", dump, "timer", "-r", check=False)
        if not tap.ok(p.returncode == 0 and r.returncode == 0, f"{name}: timer and timer -r succeed",
                      p.stderr + r.stderr):
            continue
        wheels, clocks = json.loads(p.stdout), json.loads(r.stdout)
        tap.ok(all(b["error"] is None for b in wheels["bases"] + clocks["hrtimer_bases"]),
               f"{name}: every base is walked whole")
        check_drgn(tap, name, d, dump, wheels, clocks, counts)
        if name == "panic":  # crash takes 20 s a dump (more where it fails): one is enough
            check_crash(tap, name, d, dump, counts)
        check_text(tap, name, dump, wheels, clocks, counts)
        if name == "panic":
            check_damaged(tap, name, d, counts)
    for what in ("timer_lists against drgn", "hrtimers against drgn", "crash lines", "text rows against JSON",
                 "damaged buckets and trees"):
        print(f"# compared: {counts[what]} {what}")
    crash_read = counts["dumps crash cannot read"] == 0
    tap.ok(counts["timer_lists against drgn"] > 0 and counts["hrtimers against drgn"] > 0 and
           (counts["crash lines"] > 0 or not crash_read) and counts["text rows against JSON"] > 0 and
           counts["damaged buckets and trees"] > 0, f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
