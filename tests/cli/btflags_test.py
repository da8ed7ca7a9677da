#!/usr/bin/env python3
"""bt's crash flags on the lab's panic and hung-locks dumps: -t/-T (code addresses on the stack)
against drgn's reading of every task's stack, word by word, and crash's bt -T where crash reads
the dump; -e (pt_regs on the stack) against the segments drgn reads at the top of every stack and
crash's user-mode frames; -s against crash's bt -s frame lines; -F against crash's bt -F slots and
our own -f; -g/--group: the groups hold every task once, each task's own backtrace has its group's
frames, and no two groups are alike. Frame status stays visible in each mode."""
import json
import os
import re
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_stack_scan.py")
USER_SEGMENTS = ((0x33, 0x2b), (0x23, 0x2b))
CRASH_NEWEST = (6, 2)  # crash 8.0.2 reads kernels up to 6.2; newer ones it cannot



def h(s):
    return int(s, 16)


def check_text_scans(tap, name, dump, drgn, counts):
    """bt --all-tasks -T and -t against drgn's words in the kernel's text."""
    doc = json.loads(ktriage("--json", dump, "bt", "--all-tasks", "-T").stdout)
    scans = doc["stack_scans"]
    tap.ok(scans and all(s["kind"] == "text_all" and not s["from_sp"] for s in scans),
           f"{name}: bt -T searches every task's stack from its start ({len(scans)} tasks)")
    missing = extra = names = compared = 0
    diag = []
    for s in scans:
        e = drgn.get(h(s["task"]["address"]))
        if not e:
            continue  # idle tasks of other CPUs: drgn's for_each_task does not list them
        if e.get("error"):
            continue
        tap_stack = (h(s["start"]), h(s["end"])) == (h(e["start"]), h(e["end"]))
        if not tap_stack:
            diag.append(f"pid {s['task']['pid']}: stack {s['start']}-{s['end']}, drgn {e['start']}-{e['end']}")
            missing += 1
            continue
        ours = {(h(x["slot"]), h(x["value"])): x for x in s["text"]}
        theirs = {(h(a), h(b)): (n, st) for a, b, n, st in e["text"]}
        for k, (n, start) in theirs.items():
            x = ours.get(k)
            if not x:
                missing += 1
                diag.append(f"pid {s['task']['pid']}: drgn's {hex(k[1])} ({n}) at {hex(k[0])} missing")
                continue
            compared += 1
            # The same symbol, or a label inside drgn's (entry_SYSCALL_64_after_hwframe).
            if n is not None and x["function"] != n and not (start and k[1] - x["offset"] >= h(start)):
                names += 1
                diag.append(f"{hex(k[1])}: ktriage {x['function']}, drgn {n}")
        for k, x in ours.items():
            if k not in theirs and not x["module"]:
                extra += 1
                diag.append(f"pid {s['task']['pid']}: {hex(k[1])} ({x['function']}) not in drgn's text")
        # Every frame the backtrace read from the stack is marked with its status.
        for x in s["text"]:
            if x["frame"] is not None and x["status"] not in ("verified", "inferred"):
                names += 1
    tap.ok(compared > 0 and missing == 0 and extra == 0 and names == 0,
           f"{name}: bt -T lists the {compared} kernel code addresses drgn finds on every stack, named alike",
           "\n".join(diag[:20]))
    counts["text words against drgn"] += compared
    # -t: the same words from the lowest frame's stack pointer up.
    doc_t = json.loads(ktriage("--json", dump, "bt", "--all-tasks", "-t").stdout)
    bts = {b["task"]["address"]: b for b in
           json.loads(ktriage("--json", dump, "bt", "--all-tasks").stdout)["backtraces"]}
    all_words = {s["task"]["address"]: s["text"] for s in scans}
    bad = []
    n = 0
    for s in doc_t["stack_scans"]:
        b = bts[s["task"]["address"]]
        sps = [h(f["sp"]) for f in b["frames"] if h(s["start"]) <= h(f["sp"]) < h(s["end"])]
        want_from = min(sps) if sps else h(s["start"])
        want = [x for x in all_words[s["task"]["address"]] if h(x["slot"]) >= want_from]
        n += len(want)
        if h(s["from"]) != want_from or s["from_sp"] != bool(sps) or s["text"] != want:
            bad.append(f"pid {s['task']['pid']}: from {s['from']} (want {hex(want_from)})")
        # Each frame read from the stack is in -t with its status.
        marked = {(x["frame"], x["status"]) for x in s["text"] if x["frame"] is not None}
        for i, f in enumerate(b["frames"]):
            if f["slot"] and h(f["slot"]) >= want_from and (i, f["status"]) not in marked:
                bad.append(f"pid {s['task']['pid']}: frame #{i} {f['function']} not marked")
    tap.ok(n > 0 and not bad, f"{name}: bt -t is bt -T from the lowest frame's stack pointer, frames "
                              f"marked with their status ({n} words)", "\n".join(bad[:20]))
    text = ktriage(dump, "bt", "--all-tasks", "-t").stdout
    tap.ok(len(re.findall(r"  frame #\d+ (verified|inferred)$", text, re.M)) ==
           sum(1 for s in doc_t["stack_scans"] for x in s["text"] if x["frame"] is not None),
           f"{name}: bt -t text marks the same frames as its JSON")


def check_exception_frames(tap, name, dump, drgn, counts):
    doc = json.loads(ktriage("--json", dump, "bt", "--all-tasks", "-e").stdout)
    diag = []
    n = 0
    for s in doc["stack_scans"]:
        e = drgn.get(h(s["task"]["address"]))
        if not e or e.get("error"):
            continue
        top = h(s["end"]) - 168
        user_top = (e["top_cs"], e["top_ss"]) in USER_SEGMENTS and e["top_ip"] < 1 << 47 and \
            e["top_sp"] < 1 << 47 and e["top_flags"] & 0x202 == 0x202
        ours = [f for f in s["frames"] if h(f["address"]) == top and f["mode"] == "user"]
        if user_top != bool(ours):
            diag.append(f"pid {s['task']['pid']}: drgn cs {e['top_cs']:#x} ss {e['top_ss']:#x} at the top; "
                        f"ktriage {[f['address'] for f in s['frames']]}")
        n += 1
        for f in s["frames"]:
            if f["mode"] == "user" and ("top of the stack" in f["proof"]) != (h(f["address"]) == top):
                diag.append(f"pid {s['task']['pid']}: {f['address']}: {f['proof']}")
    tap.ok(n > 0 and not diag, f"{name}: bt -e finds the user registers at the top of the {n} stacks "
                               "exactly where drgn reads user segments there", "\n".join(diag[:20]))
    counts["stack tops against drgn"] += n


def check_groups(tap, name, dump, counts):
    doc = json.loads(ktriage("--json", dump, "bt", "--all-tasks", "-g").stdout)
    each = json.loads(ktriage("--json", dump, "bt", "--all-tasks").stdout)["backtraces"]
    by_task = {b["task"]["address"]: b for b in each}
    groups = doc["groups"]
    seen = Counter(t["address"] for g in groups for t in g["tasks"])
    tap.ok(sorted(seen) == sorted(by_task) and max(seen.values()) == 1 and
           sum(g["count"] for g in groups) == len(each),
           f"{name}: bt --all-tasks -g holds each of the {len(each)} tasks once, in {len(groups)} groups")

    def key(b):
        return (b["note_code"], tuple((f["function"], f["module"], f["status"],
                                       None if f["function"] else f["pc"]) for f in b["frames"]))

    bad = [t["pid"] for g in groups for t in g["tasks"]
           if key(by_task[t["address"]]) != (g["note_code"], tuple((f["function"], f["module"], f["status"], f["pc"])
                                                                  for f in g["frames"]))]
    tap.ok(not bad, f"{name}: each task's own backtrace has its group's functions, modules and statuses",
           bad[:20])
    keys = [(g["note_code"], tuple((f["function"], f["module"], f["status"], f["pc"]) for f in g["frames"]))
            for g in groups]
    tap.ok(len(set(keys)) == len(keys), f"{name}: no two groups are alike")
    tap.ok([g["count"] for g in groups] == sorted((g["count"] for g in groups), reverse=True),
           f"{name}: largest group first")
    counts["grouped tasks"] += len(each)
    text = ktriage(dump, "bt", "--all-tasks", "-g").stdout
    heads = [int(m) for m in re.findall(r"^(\d+) tasks?:", text, re.M)]
    tap.eq(heads, [g["count"] for g in groups], f"{name}: bt -g text has the JSON's groups and counts")
    tap.ok(len(re.findall(r"^ #\d+ +.*  (verified|inferred)$", text, re.M)) ==
           sum(len(g["frames"]) for g in groups), f"{name}: every grouped frame line shows its status")
    # foreach ... bt -g: the same groups for the tasks foreach gives.
    fe = json.loads(ktriage("--json", dump, "foreach", "bt", "-g").stdout)["groups"]
    tap.eq(sorted((g["count"], k) for g, k in zip(fe, [(g["note_code"], str(g["frames"])) for g in fe])),
           sorted((g["count"], k) for g, k in zip(groups, [(g["note_code"], str(g["frames"])) for g in groups])),
           f"{name}: foreach bt -g groups as bt --all-tasks -g")


def crash_frames(text):
    """(slot, function+offset) of each frame line of crash's bt -s."""
    return re.findall(r"^ ?#\d+ \[([0-9a-f]+)\] (\S+) at [0-9a-f]+", text, re.M)


def crash_reads(dump):
    release = json.loads(ktriage("--json", dump, "sys").stdout)["release"]
    m = re.match(r"(\d+)\.(\d+)", release)
    return m and (int(m.group(1)), int(m.group(2))) <= CRASH_NEWEST


def check_crash(tap, name, d, dump, counts):
    if not crash_reads(dump):
        print(f"# {name}: crash 8.0.2 reads kernels up to {CRASH_NEWEST}: no comparison with crash")
        counts["dumps crash cannot read"] += 1
        return
    out = crash_outputs(d, dump, ["bt -T", "bt -e", "bt -s", "bt -F", "bt -FF"])
    if not tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's bt flags)"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    # bt -T: crash's words are ours, slot for slot.
    theirs = re.findall(r"^  \[([0-9a-f]+)\] (\S+) at ([0-9a-f]+)", out[0], re.M)
    ours = re.findall(r"^  \[([0-9a-f]+)\] (\S+?)(?:\+0x[0-9a-f]+)? at ([0-9a-f]+)",
                      ktriage(dump, "bt", "-T").stdout, re.M)
    tap.ok(theirs and [(a, v) for a, _, v in theirs] == [(a, v) for a, _, v in ours],
           f"{name}: bt -T lists crash's {len(theirs)} code addresses", f"crash {theirs}\nktriage {ours}")
    counts["crash lines"] += len(theirs)
    # bt -e: crash's user-mode frames are ours.
    theirs = re.findall(r"USER-MODE EXCEPTION FRAME AT: ([0-9a-f]+)", out[1])
    text = ktriage(dump, "bt", "-e").stdout
    ours = re.findall(r"USER-MODE EXCEPTION FRAME AT: ([0-9a-f]+)", text)
    tap.ok(theirs and ours == theirs, f"{name}: bt -e finds crash's {len(theirs)} user-mode frames",
           f"crash {theirs}\nktriage {ours}")
    regs = re.findall(r"USER-MODE EXCEPTION FRAME AT: [0-9a-f]+\n((?:    .*\n){7})", out[1])
    ours_regs = re.findall(r"USER-MODE EXCEPTION FRAME AT: [0-9a-f]+\n((?:    .*\n){7})", text)
    tap.ok(regs and regs == ours_regs, f"{name}: bt -e prints crash's registers of each user-mode frame",
           f"crash {regs}\nktriage {ours_regs}")
    counts["crash lines"] += len(theirs) * 8
    # bt -s: where a frame is read from the same slot, the same function+decimal offset.
    theirs = dict(crash_frames(out[2]))
    ours = re.findall(r"^ #\d+ +\[([0-9a-f]+)\] (\S+) at [0-9a-f]+  (verified|inferred)$",
                      ktriage(dump, "bt", "-s").stdout, re.M)
    both = [(a, f) for a, f, _ in ours if a in theirs]
    tap.ok(len(both) >= 3 and all(theirs[a] == f for a, f in both),
           f"{name}: bt -s names {len(both)} frames as crash's bt -s does, each with its status",
           f"crash {theirs}\nktriage {ours}")
    counts["crash lines"] += len(both)
    # bt -F: each slot crash shows as a symbol or as a slab object's cache, ours shows alike;
    # bt -FF: each slab object as [VALUE:cache].
    for flag, text in (("-F", out[3]), ("-FF", out[4])):
        theirs = {}
        for line in text.splitlines():
            m = re.match(r"^    ([0-9a-f]{16}): (.*)$", line)
            if m:
                for i, w in enumerate(m.group(2).split()):
                    theirs[int(m.group(1), 16) + 8 * i] = w
        ours = dict((int(a, 16), w) for a, w in
                    re.findall(r"^    ([0-9a-f]{16}): (\S+)", ktriage(dump, "bt", flag).stdout, re.M))
        # crash also names data by the assembler's local labels (.LC3+673: a string literal),
        # which are no symbols of the kernel's; those are left out.
        named = [(a, w) for a, w in theirs.items() if a in ours and not re.fullmatch(r"[0-9a-f]{16}", w)
                 and not w.startswith(".L")]
        wrong = [(hex(a), w, ours[a]) for a, w in named if ours[a] != w]
        slabs = sum(w.startswith("[") for _, w in named)
        tap.ok(len(named) >= 3 and not wrong, f"{name}: bt {flag} names the {len(named)} slots crash names "
                                               f"by symbol or slab cache ({slabs} slab objects) alike", wrong[:20])
        counts["crash lines"] += len(named)
        counts["slab objects named as crash names them"] += slabs


def check_symbolic_slots(tap, name, dump, counts):
    """-F prints, for every slot -f's JSON gives a symbol, that symbol with a decimal offset."""
    doc = json.loads(ktriage("--json", dump, "bt", "-a", "-f").stdout)
    want = {}
    for b in doc["backtraces"]:
        for f in b["frames"]:
            for s in f.get("slots", []):
                sym = s["symbol"]
                text = sym and (sym["name"] + (f"+{sym['offset']}" if sym["offset"] else "") +
                                (f" [{sym['module']}]" if sym["module"] else ""))
                want[s["address"][2:]] = text or s["value"][2:]
    got = dict(re.findall(r"^    ([0-9a-f]{16}): (\S+(?: \[\S+\])?)", ktriage(dump, "bt", "-a", "-F").stdout,
                          re.M))
    bad = [(a, w, got.get(a)) for a, w in want.items()
           if got.get(a, "").split("  ")[0] != w and not got.get(a, "").startswith("[")]
    tap.ok(want and not bad, f"{name}: bt -a -F shows the {len(want)} slots of bt -f, named by symbol "
                             "where they point into one", bad[:10])
    counts["symbolic slots"] += len(want)
    # -F names a slot by its slab cache where -f's JSON has none: with -F the JSON gives it.
    doc = json.loads(ktriage("--json", dump, "bt", "-a", "-F").stdout)
    slabs = {s["address"][2:]: s["slab"]["cache"] for b in doc["backtraces"] for f in b["frames"]
             for s in f.get("slots", []) if s.get("slab")}
    bad = [(a, c, got.get(a)) for a, c in slabs.items() if got.get(a, "").split("  ")[0] != f"[{c}]"]
    tap.ok(not bad, f"{name}: bt -a -F shows the {len(slabs)} slab objects of its JSON as [cache]", bad[:10])


def check_refusals(tap, name, dump):
    for args in (["-t", "-e"], ["-t", "-f"], ["-g", "-r"], ["-E", "-g"], ["-T", "-g"]):
        p = ktriage(dump, "bt", *args, check=False)
        tap.ok(p.returncode == 2 and p.stderr.startswith("bt: "), f"{name}: bt {' '.join(args)} is refused",
               p.stderr)
    for flag, want in (("-s", r"\+\d+ at"), ("-x", r"\+0x[0-9a-f]+ at")):
        p = ktriage(dump, "bt", flag)
        tap.ok(re.search(r"^ #0 +\[[0-9a-f]+\] \S+" + want, p.stdout, re.M),
               f"{name}: bt {flag} shows offsets in {'decimal' if flag == '-s' else 'hex'}", p.stdout[:400])


def main():
    tap = Tap()
    counts = Counter()
    # many-tasks (4,060 tasks) is left out: drgn alone needs minutes to read every stack there.
    for name in ("panic", "hung-locks"):
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                           capture_output=True, text=True, timeout=600)
        if not tap.ok(o.returncode == 0, f"{name}: drgn reads every task's stack", o.stderr[-2000:]):
            continue
        drgn = {h(e["task"]): e for e in json.loads(o.stdout)}
        check_text_scans(tap, name, dump, drgn, counts)
        check_exception_frames(tap, name, dump, drgn, counts)
        check_groups(tap, name, dump, counts)
        if name == "panic":
            check_crash(tap, name, d, dump, counts)
            check_symbolic_slots(tap, name, dump, counts)
            check_refusals(tap, name, dump)
    for what in ("text words against drgn", "stack tops against drgn", "grouped tasks", "symbolic slots",
                 "crash lines", "slab objects named as crash names them"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["text words against drgn"] > 0 and counts["stack tops against drgn"] > 0 and
           counts["grouped tasks"] > 0 and counts["symbolic slots"] > 0 and
           ((counts["crash lines"] > 0 and counts["slab objects named as crash names them"] > 0)
            or counts["dumps crash cannot read"] > 0),
           f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
