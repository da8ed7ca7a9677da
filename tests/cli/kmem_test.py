#!/usr/bin/env python3
"""`ktriage kmem -i`, `kmem ADDR` and `search` on the lab's hung-locks dump (two kthreads
deadlocked on two mutexes of a test module): the memory counters against drgn's reading of
the same kernel variables and against crash 8 (kmem -i line by line where crash reads the
counter right: crash 8.0.2 misreads SLAB from vm_node_stat on these kernels); every task's
task_struct placed in its slab cache and object as drgn's slab_object_info() places it; a
module's mutex named as its symbol with the module's vmap_area and caller (and crash's VMAP_AREA
and PAGE lines); a stack address given to its task; `search -t` and `search -s/-e` hits equal to a
scan of every task's stack by drgn, `search -k` bounded and Ctrl-C stopping a long search;
`kmem -s` against crash line by line and against drgn's node counters and allocated objects. The
JSON documents validate against docs/json-schema.json."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from render_test import validate  # noqa: E402

CACHES = ("task_struct", "vmap_area", "mm_struct", "kmalloc-64", "dentry")
ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_kmem.py")
SCHEMA = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "json-schema.json")))
MARK = "987654321987"


def doc_of(tap, label, kind, dump, *args):
    p = ktriage("--json", dump, *args, check=False)
    if not tap.ok(p.returncode == 0, f"{label}: {' '.join(args)} succeeds", p.stderr[-2000:]):
        return None
    d = json.loads(p.stdout)
    errs = validate(d, SCHEMA["documents"][kind], SCHEMA["$defs"])
    tap.ok(not errs, f"{label}: {kind} validates against docs/json-schema.json", errs[:8])
    return d


def crash_start(d, dump, commands):
    """crash running the commands, started early: it reads the dump while the rest runs."""
    script = "".join(f"{c}\np {MARK}\n" for c in commands) + "quit\n"
    p = subprocess.Popen(["crash", "-s", os.path.join(d, "vmlinux"), dump], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p, script


def crash_outputs(dump, started):
    p, script = started
    out, _ = p.communicate(script, timeout=600)
    parts = re.split(r"^\$\d+ = " + MARK + r"\n", out, flags=re.M)
    if len(parts) == 1:
        print(f"# crash ran none of its commands on {dump}: no comparison with crash there")
        return []
    return parts


def h(s):
    return int(s, 16)


def main():
    tap = Tap()
    counts = Counter()
    name = "hung-locks"
    d = scenario_dir(tap, name)
    if not d:
        tap.done()
    dump = os.path.join(d, "vmcore.kdump")
    m1 = ktriage(dump, "sym", "ktest_m1").stdout.split()[0]
    crash = crash_start(d, dump, ["kmem -i", f"kmem {m1}", "kmem -s"])
    ps = json.loads(ktriage("--json", dump, "ps").stdout)
    tasks = ps["tasks"] if isinstance(ps, dict) and "tasks" in ps else ps
    tasks = [t for t in tasks if not (t["pid"] == 0)]
    dl = [t for t in tasks if t["comm"] in ("ktest_dlA", "ktest_dlB")]
    tap.eq(len(dl), 2, f"{name}: the two deadlocked kthreads are listed")
    m2 = ktriage(dump, "sym", "ktest_m2").stdout.split()[0]
    addrs = [t["task"] for t in tasks]
    values = [m2, dl[0]["task"][2:] if dl else "0"]
    o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux"),
                        ",".join(a[2:] if a.startswith("0x") else a for a in addrs), ",".join(values),
                        ",".join(CACHES)],
                       capture_output=True, text=True, timeout=600)
    if not tap.ok(o.returncode == 0, f"{name}: drgn reads the counters, slabs and stacks", o.stderr[-2000:]):
        tap.done()
    want = json.loads(o.stdout)

    # kmem -i against drgn.
    info = doc_of(tap, name, "kmem -i", dump, "kmem", "-i")
    if info:
        cached = max(want["file"] - (want["swapcache"] or 0) - info["buffers"], 0)
        got = (info["total"], info["free"], info["used"], info["slab"], info["swap"]["total"],
               info["swap"]["used"], info["commit"]["committed"], info["commit"]["committed_sum"])
        tap.eq(got, (want["total"], want["free"], want["total"] - want["free"], want["slab"],
                     want["total_swap"], want["total_swap"] - want["nr_swap"], max(want["committed"], 0),
                     want["committed_sum"]),
               f"{name}: TOTAL MEM, FREE, USED, SLAB, swap and COMMITTED are drgn's")
        if want["swapcache"] is not None:
            tap.eq(info["cached"], cached, f"{name}: CACHED is NR_FILE_PAGES - NR_SWAPCACHE - BUFFERS")
            counts["counters against drgn"] += 1
        tap.ok(info["pages_walked"] >= info["total"] and info["shared"] < info["total"],
               f"{name}: SHARED from a walk over every node's mem_map ({info['pages_walked']} pages)")
        counts["counters against drgn"] += 8

    # kmem ADDR of every task: its slab cache and object as drgn's slab_object_info().
    doc = doc_of(tap, name, "kmem", dump, "kmem", *addrs)
    if doc:
        for t, a, w in zip(tasks, doc["addresses"], want["slab_objects"]):
            if w is None:
                continue
            got = (a["slab"]["name"], h(a["slab"]["object"])) if a["slab"] else None
            tap.eq(got, (w["cache"], w["object"]), f"{name}: task {t['pid']}: slab cache and object are drgn's")
            tap.eq(a["task"] and (a["task"]["pid"], a["task"]["stack"]), (t["pid"], False),
                   f"{name}: task {t['pid']}: kmem names the task")
            counts["slab objects against drgn"] += 1
    # A stack address: its task and its vmap_area; the module's mutex: symbol and vmap_area.
    for t in dl:
        stack = want["stacks"][str(t["pid"])]
        a = doc_of(tap, name, "kmem", dump, "kmem", hex(stack + 0x100))
        if a:
            a = a["addresses"][0]
            tap.ok(a["task"] and a["task"]["pid"] == t["pid"] and a["task"]["stack"] and a["vmalloc"] and
                   h(a["vmalloc"]["start"]) == stack,
                   f"{name}: {t['comm']}'s stack address is its kernel stack, in a vmap_area at its base", a)
            counts["stack addresses"] += 1
    a = doc_of(tap, name, "kmem", dump, "kmem", m1)
    if a:
        a = a["addresses"][0]
        tap.ok(a["symbol"] and a["symbol"]["name"] == "ktest_m1" and a["symbol"]["module"] == "ktest_hunglocks"
               and a["vmalloc"] and a["page"] and a["slab"] is None,
               f"{name}: ktest_m1 is a module symbol in a vmap_area with its page", a)

    # search -t and search -s/-e against drgn's scan of every stack.
    s = doc_of(tap, name, "search", dump, "search", "-t", *values)
    if s:
        got = sorted((h(x["address"]), h(x["value"]), x["task"]["pid"]) for x in s["hits"])
        wanted = sorted(tuple(x) for x in want["stack_hits"])
        tap.eq(got, wanted, f"{name}: search -t finds drgn's {len(wanted)} stack words")
        tap.ok(len(wanted) > 0, f"{name}: the mutex and the task are on some stack")
        counts["stack hits against drgn"] += len(wanted)
    for t in dl:
        stack = want["stacks"][str(t["pid"])]
        s = doc_of(tap, name, "search", dump, "search", "-s", hex(stack), "-e", hex(stack + want["thread_size"]),
                   *values)
        if s:
            got = sorted((h(x["address"]), h(x["value"])) for x in s["hits"])
            wanted = sorted((x[0], x[1]) for x in want["stack_hits"] if x[2] == t["pid"])
            tap.eq(got, wanted, f"{name}: search -s/-e over {t['comm']}'s stack finds drgn's {len(wanted)} words")
            counts["range hits against drgn"] += len(wanted)

    # search -k: bounded, and every hit is the value under the mask; Ctrl-C stops a long search.
    s = doc_of(tap, name, "search", dump, "search", "-k", "-m", "fff", m2)
    if s:
        tap.ok(s["hits"] and all(h(x["value"]) & ~0xfff == h(m2) & ~0xfff for x in s["hits"]) and
               s["bytes_read"] + s["bytes_unreadable"] <= 256 << 20,
               f"{name}: search -k -m fff finds {len(s['hits'])} words equal to {m2} but the low 12 bits, "
               f"within 256 MiB", s["stopped"])
    p = subprocess.Popen([os.environ.get("KTRIAGE", "ktriage"), dump, "search", "-s", "ffff800000000000",
                          "-e", "ffffffffff000000", "deadbeef"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    # Interrupt once the search catches SIGINT (SigCgt bit 1), not while the dump is being opened.
    for _ in range(600):
        try:
            with open(f"/proc/{p.pid}/status") as f:
                cgt = int(re.search(r"^SigCgt:\s*([0-9a-f]+)", f.read(), re.M).group(1), 16)
        except (OSError, AttributeError):
            cgt = 0
        if cgt & (1 << (signal.SIGINT - 1)) or p.poll() is not None:
            break
        time.sleep(0.1)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out_, err_ = p.communicate(timeout=60)
    tap.ok(p.returncode == 1 and "stopped (interrupted)" in out_,
           f"{name}: Ctrl-C stops a search of the whole kernel half with what it found", (p.returncode, out_[-300:], err_))

    # kmem -s: the nodes' counters and the objects drgn finds allocated; every task_struct but the
    # init task's is an object of its cache.
    slabs = doc_of(tap, name, "kmem -s", dump, "kmem", "-s")
    if slabs:
        mine = {c["name"]: c for c in slabs["caches"]}
        for cname, w in want["caches"].items():
            c = mine.get(cname)
            tap.eq(c and (c["total"], c["slabs"]), (w["total"], w["slabs"]),
                   f"{name}: kmem -s {cname}: TOTAL and SLABS are the nodes' total_objects and nr_slabs")
            counts["slab caches against drgn"] += 1
            if w["allocated"] is not None:
                tap.eq(c and c["allocated"], w["allocated"], f"{name}: kmem -s {cname}: ALLOCATED is drgn's count")
                counts["slab caches against drgn"] += 1
        ts = mine.get("task_struct")
        tap.ok(ts and ts["allocated"] >= len(tasks) - 1 and ts["allocated"] <= ts["total"],
               f"{name}: kmem -s: task_struct's ALLOCATED ({ts and ts['allocated']}) holds the {len(tasks) - 1} "
               f"tasks off the init task's static one")
        one = doc_of(tap, name, "kmem -s", dump, "kmem", "-s", "task_struct")
        tap.eq(one and one["caches"], [ts], f"{name}: kmem -s task_struct is its line of kmem -s")

    # crash: kmem -i whole but SLAB, kmem -s whole, and kmem of the module's mutex.
    out = crash_outputs(dump, crash)
    if out:
        mine = ktriage(dump, "kmem", "-i").stdout.splitlines()
        theirs = [line for line in out[0].splitlines() if line.strip() and not line.startswith("WARNING")]
        mine = [line for line in mine if line.strip()]
        keep = [i for i, line in enumerate(theirs) if "SLAB" not in line]
        tap.eq([mine[i] for i in keep if i < len(mine)], [theirs[i] for i in keep],
               f"{name}: kmem -i is crash's line by line ({len(keep)} lines; SLAB from the kernel's counter)")
        counts["crash lines"] += len(keep)
        mine = ktriage(dump, "kmem", m1).stdout
        for head in ("VMAP_AREA", "PAGE"):
            c = re.search(r"^ *" + head + r".*\n(.*)\n", out[1], flags=re.M)
            m = re.search(r"^ *" + head + r".*\n(.*)\n", mine, flags=re.M)
            tap.eq(m and m.group(1).split(), c and c.group(1).split(), f"{name}: kmem {m1}: crash's {head} line")
            counts["crash lines"] += 1
        mine = [line for line in ktriage(dump, "kmem", "-s").stdout.splitlines() if line.strip()]
        theirs = [line for line in out[2].splitlines() if line.strip() and not line.startswith("WARNING")]
        tap.eq(mine, theirs, f"{name}: kmem -s is crash's ({len(theirs) - 1} caches)")
        counts["crash lines"] += len(theirs)
    for what in ("counters against drgn", "slab caches against drgn", "slab objects against drgn", "stack addresses",
                 "stack hits against drgn", "range hits against drgn", "crash lines"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(all(counts[w] > 0 for w in ("counters against drgn", "slab objects against drgn", "slab caches against drgn", "stack addresses",
                                       "stack hits against drgn")), f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
