#!/usr/bin/env python3
"""`struct -p` (crash's): each pointer member with its type, and under it the struct it points
to, one level. Where crash reads the dump (5.10, 6.1) its lines for the same requests: every
declaration line ("struct mm_struct *mm = 0x..."), every "-> <symbol> {" line, the members of
each object pointed to (names and nesting) and where each closes. On every kernel the object
under each pointer is the object `struct TYPE ADDRESS` prints on its own (JSON)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from crash_session import crash_outputs  # noqa: E402
from tap import Tap, json_documents, ktriage, scenario_dir  # noqa: E402


def shape(text):
    """The lines struct -p adds (declarations, "->" lines, where each object pointed to closes) and
    every member's name with its indentation: what must agree with crash whatever each side's
    conventions for values (offsets in hex or decimal, chars, arrays of structs on one line)."""
    out, arrow = [], None
    for line in text.splitlines():
        m = re.match(r"^( *)((?:struct|union) [^=]*\*\w+) = (0x[0-9a-f]+)$", line)
        if m:
            out.append((len(m.group(1)), "decl", m.group(2), m.group(3)))
            continue
        m = re.match(r"^( *)-> (<\S+> )?\{$", line)
        if m:
            arrow = len(m.group(1))
            out.append((arrow, "->", m.group(2) or ""))
            continue
        m = re.match(r"^( *)(\w+) = ", line)
        if m:
            out.append((len(m.group(1)), "member", m.group(2)))
            continue
        m = re.match(r"^( *)\},?$", line)
        if m and arrow is not None and len(m.group(1)) == arrow + 3:
            out.append((len(m.group(1)), "}"))
    return out


def without_offsets(v):
    """A value tree without the members that depend on where the print-out started."""
    if isinstance(v, dict):
        return {k: without_offsets(x) for k, x in v.items() if k not in ("offset", "top", "name")}
    if isinstance(v, list):
        return [without_offsets(x) for x in v]
    return v


def main():
    tap = Tap()
    d = scenario_dir(tap, "panic")
    if not d:
        tap.done()
        return
    dump = os.path.join(d, "vmcore.kdump")
    task = json.loads(ktriage("--json", dump, "task").stdout)
    addr = task.get("task") or task.get("tasks", [{}])[0].get("task")
    head = json.loads(ktriage("--json", dump, "p", "&init_task.tasks").stdout)["value"]
    requests = [f"struct -p task_struct.parent,mm,pid {addr}", f"struct -p list_head {head}"]
    compared = 0
    for req in requests:
        p = ktriage("--json", dump, *req.split(), check=False)
        doc = json.loads(p.stdout) if p.returncode == 0 else {}
        nodes = doc["value"] if doc else []
        followed = [n for n in nodes if n.get("declaration") and n.get("target")]
        tap.ok(followed, f"{req}: at least one pointer followed", p.stdout[-400:] + p.stderr)
        for n in followed:
            t = n["target"]
            keyword, name = t["type"].split()  # "struct task_struct"
            alone = json.loads(ktriage("--json", dump, keyword, name, n["value"]).stdout)
            alone.pop("schema", None)
            tap.eq(without_offsets(t), without_offsets(alone),
                   f"{req}: {n['declaration']}: the object under it is what struct prints on its own")
            compared += 1
    print(f"# compared: {compared} followed pointers with struct's own print-out")
    tap.ok(compared > 0, "at least one followed pointer compared")
    theirs = crash_outputs(d, dump, requests)
    if not tap.ok(theirs is not None, "crash is installed (scripts/install-deps.sh)"):
        tap.done()
        return
    if not theirs:
        print("# crash 8.0.2 cannot read this kernel's dump: no comparison with crash")
        tap.done()
        return
    lines = 0
    for req, want in zip(requests, theirs):
        got = ktriage(dump, *req.split()).stdout
        w = [x for x in shape(want)]
        tap.eq(shape(got), w, f"{req}: crash's declarations, -> lines, members and braces")
        lines += len(w)
    print(f"# compared: {lines} struct -p lines with crash")
    tap.ok(lines > 0, "at least one line compared with crash")
    tap.done()


if __name__ == "__main__":
    main()
