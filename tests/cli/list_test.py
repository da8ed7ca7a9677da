#!/usr/bin/env python3
"""`ktriage list` and `tree` on the lab's panic and hung-locks dumps, against drgn's own list,
rbtree and IDR helpers (every task from init_task.tasks with -h, the modules list with -H, a
chain of real_parent pointers, the free vmap areas' rbtree, init_pid_ns's IDR) and
against crash's list where crash reads the dump; then walks that must stop with the reason: a
list_head that is not on the circle it points into (a loop), and a next pointer that is no
address."""
import json
import os
import re
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_list.py")
CRASH_NEWEST = (6, 2)  # crash 8.0.2 reads kernels up to 6.2; newer ones it cannot



def crash_reads(dump):
    release = json.loads(ktriage("--json", dump, "sys").stdout)["release"]
    m = re.match(r"(\d+)\.(\d+)", release)
    return m and (int(m.group(1)), int(m.group(2))) <= CRASH_NEWEST


def entries(dump, *args):
    if args[0] != "tree":
        args = ("list",) + args
    p = ktriage("--json", dump, *args, check=False)
    return p, (json.loads(p.stdout) if p.stdout else None)


def check_drgn(tap, name, dump, want, counts):
    p, doc = entries(dump, "task_struct.tasks", "-s", "task_struct.pid", "-h", "init_task")
    got = [[e["address"], e["value"]["value"][0]["value"]] for e in doc["entries"]] if doc else None
    tap.ok(p.returncode == 0 and doc["stop"] is None and got == [["0x" + a[2:].rjust(16, "0"), pid]
                                                                 for a, pid in want["tasks"]],
           f"{name}: list task_struct.tasks -h init_task: drgn's {len(want['tasks'])} tasks and pids",
           f"{p.stderr}\n{got and got[:5]}\n{want['tasks'][:5]}")
    counts["entries against drgn"] += len(want["tasks"])
    # The same by number: -o with the member's offset.
    offset = str(json.loads(ktriage("--json", dump, "p", "offsetof(struct task_struct, tasks)").stdout)["value"])
    p2, doc2 = entries(dump, "-o", offset, "-h", "init_task")
    tap.ok(doc2 and [e["address"] for e in doc2["entries"]] == [e["address"] for e in doc["entries"]],
           f"{name}: list -o {offset} -h init_task is the same list", p2.stderr)
    # -H modules: the modules, not the head.
    p, doc = entries(dump, "-H", "modules", "-o", "module.list", "-s", "module.name")
    got = [[e["address"], e["value"]["value"][0]["value"]] for e in doc["entries"]] if doc else None
    tap.ok(p.returncode == 0 and got == [["0x" + a[2:].rjust(16, "0"), n] for a, n in want["modules"]],
           f"{name}: list -H modules -o module.list -s module.name: drgn's {len(want['modules'])} modules",
           f"{p.stderr}\n{got}\n{want['modules']}")
    counts["entries against drgn"] += len(want["modules"])
    text = ktriage(dump, "list", "-H", "modules", "-o", "module.list", "-s", "module.name").stdout
    tap.ok(text == ("(empty)\n" if not want["modules"] else "".join(
        f"{a[2:].rjust(16, '0')}\n  name = \"{n}\"\n" for a, n in want["modules"])),
        f"{name}: list -H modules text", text)
    # Next pointers: real_parent up to init_task, which is its own parent (crash's end (d)).
    p, doc = entries(dump, "task_struct.real_parent", want["parents"][0])
    tap.ok(p.returncode == 0 and doc["stop"] is None and
           [int(e["address"], 16) for e in doc["entries"]] == [int(a, 16) for a in want["parents"]],
           f"{name}: list task_struct.real_parent: drgn's chain of {len(want['parents'])} parents",
           f"{p.stderr}\n{doc}\n{want['parents']}")
    counts["entries against drgn"] += len(want["parents"])


def check_trees(tap, name, dump, want, counts):
    p, doc = entries(dump, "tree", "-t", "rbtree", "-o", "vmap_area.rb_node", "free_vmap_area_root")
    got = [int(e["address"], 16) for e in doc["entries"]] if doc else None
    tap.ok(p.returncode == 0 and doc["stop"] is None and got == [int(a, 16) for a in want["vmap"]],
           f"{name}: tree -t rbtree free_vmap_area_root: drgn's {len(want['vmap'])} vmap areas in order",
           f"{p.stderr}\n{got and got[:4]}\n{want['vmap'][:4]}")
    counts["entries against drgn"] += len(want["vmap"])
    for kind in ("xarray", "radix"):
        p, doc = entries(dump, "tree", "-t", kind, "-r", "pid_namespace.idr.idr_rt", "-s", "pid.level",
                         "init_pid_ns")
        got = [int(e["address"], 16) for e in doc["entries"]] if doc else None
        tap.ok(p.returncode == 0 and doc["stop"] is None and got == [int(a, 16) for a in want["pids"]] and
               all(e["value"]["value"][0]["value"] == 0 for e in doc["entries"]),
               f"{name}: tree -t {kind} of init_pid_ns's IDR: drgn's {len(want['pids'])} struct pids, level 0",
               f"{p.stderr}\n{got and got[:4]}\n{want['pids'][:4]}")
        counts["entries against drgn"] += len(want["pids"])
    # A tree walked from a node that is not its root: the parent links say so.
    p, doc = entries(dump, "tree", "-t", "rbtree", hex(int(want["vmap"][len(want["vmap"]) // 2], 16) + 8))
    tap.ok(p.returncode in (0, 1) and doc is not None, f"{name}: tree from an inner node ends", p.stderr)
    for args in (["-t", "btree", "init_pid_ns"], ["-t", "xarray", "-o", "8", "init_pid_ns"], ["init_pid_ns"]):
        q = ktriage(dump, "tree", *args, check=False)
        tap.ok(q.returncode == 2 and q.stderr, f"{name}: tree {' '.join(args)} is refused", q.stderr)


def check_stops(tap, name, dump, want, counts):
    # A list_head outside the circle it points into: init_task.tasks.prev's word points at the
    # last task's list_head, and the circle never comes back to it.
    for args, kind in ((["-H", want["tasks_prev"]], "-H"), (["-o", "0", want["tasks_prev"]], "next pointers")):
        p, doc = entries(dump, *args)
        tap.ok(p.returncode == 1 and doc and doc["stop"] and "loops" in doc["stop"] and
               doc["stop_code"] == "error.limit" and len(doc["entries"]) >= len(want["tasks"]) - 1,
               f"{name}: list {kind} from a list_head off the circle stops at the loop after "
               f"{len(doc['entries']) if doc else 0} entries", f"{p.stderr} {doc and doc['stop']}")
        t = ktriage(dump, "list", *args, check=False)
        tap.ok(t.returncode == 1 and "[walk stopped: " in t.stdout and "loops" in t.stdout,
               f"{name}: list {kind}: the text says where the walk stopped", t.stdout[-300:])
        counts["stopped walks"] += 1
    # jiffies holds a number, not an address: the walk stops at it with the reason.
    p, doc = entries(dump, want["jiffies"])
    tap.ok(p.returncode == 1 and doc and doc["stop"] and len(doc["entries"]) == 2 and
           "next pointer of entry" in doc["stop"],
           f"{name}: list jiffies stops at a next pointer that is no address", f"{p.stderr} {doc}")
    counts["stopped walks"] += 1
    for args in (["-h", "-H", "init_task"], ["-o", "no_such_type.x", "init_task"], []):
        p = ktriage(dump, "list", *args, check=False)
        tap.ok(p.returncode in (1, 2) and p.stderr, f"{name}: list {' '.join(args)} is refused", p.stderr)


def check_crash(tap, name, d, dump, want, counts):
    if not crash_reads(dump):
        print(f"# {name}: crash 8.0.2 reads kernels up to {CRASH_NEWEST}: no comparison with crash")
        return
    out = crash_outputs(d, dump, ["list task_struct.tasks -s task_struct.pid -h init_task",
                                  "list -H modules -o module.list -s module.name"])
    if not tap.ok(out, f"{name}: crash reads the dump"):
        return
    theirs = re.findall(r"^([0-9a-f]{16})\n  pid = (\d+),", out[0], re.M)
    ours = re.findall(r"^([0-9a-f]{16})\n  pid = (\d+)$",
                      ktriage(dump, "list", "task_struct.tasks", "-s", "task_struct.pid", "-h",
                              "init_task").stdout, re.M)
    tap.ok(theirs and ours == theirs, f"{name}: crash's list -h init_task ({len(theirs)} tasks)",
           f"crash {theirs[:5]}\nktriage {ours[:5]}")
    counts["crash entries"] += len(theirs)
    # crash prints the whole char array, NULs as \000.
    theirs = [(a, n.split("\\000")[0] + ('"' if "\\000" in n else ""))
              for a, n in re.findall(r"^([0-9a-f]{16})\n  name = (\".*\"),?$", out[1], re.M)]
    ours = re.findall(r"^([0-9a-f]{16})\n  name = (\".*\")",
                      ktriage(dump, "list", "-H", "modules", "-o", "module.list", "-s", "module.name").stdout,
                      re.M)
    tap.ok(ours == theirs and (theirs or "(empty)" in out[1]),
           f"{name}: crash's list -H modules ({len(theirs)} modules)", f"crash {out[1]}\nktriage {ours}")
    counts["crash entries"] += len(theirs)


def main():
    tap = Tap()
    counts = Counter()
    for name in ("panic", "hung-locks"):
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                           capture_output=True, text=True, timeout=600)
        if not tap.ok(o.returncode == 0, f"{name}: drgn walks the lists", o.stderr[-2000:]):
            continue
        want = json.loads(o.stdout)
        check_drgn(tap, name, dump, want, counts)
        check_trees(tap, name, dump, want, counts)
        check_stops(tap, name, dump, want, counts)
        check_crash(tap, name, d, dump, want, counts)
    for what in ("entries against drgn", "stopped walks", "crash entries"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["entries against drgn"] > 0 and counts["stopped walks"] > 0, f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
