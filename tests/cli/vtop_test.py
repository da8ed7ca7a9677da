#!/usr/bin/env python3
"""`ktriage vtop` on the lab's dumps. On a kdump dump with a module loaded (callforms), addresses
of every kind (kernel text and data in the image's 2 MiB pages and its 4 KiB tail, direct-map
task_structs and a page table, vmalloc'd stacks and vmap areas, a module, the per-CPU runqueues,
addresses that are not mapped, user addresses of a user task with -u -c PID) against drgn: the walk
the oracle reads itself from physical memory (each entry's physical address and value), the
physical address (drgn's virt_to_phys for the direct map; the bytes drgn reads at the virtual
address are those at the physical one), the page size and drgn's struct page; and against crash
8's vtop where crash reads the dump (not 6.12's; user addresses only where crash's vtop gets past
the VMAs, 5.10): its physical address, the PML4E/PDPTE/PDE/PTE entries and their addresses, and
the struct page. On the QEMU dump (no VMCOREINFO: the walk starts at a CPU's CR3), kernel symbols
and task_structs against the kernel's own layout (symbol - __START_KERNEL_map + phys_base,
address - page_offset_base) and against crash where crash reads it. Text and JSON carry the same
numbers; the JSON validates against docs/json-schema.json; a not-mapped address sets exit status
1 and the other addresses are still shown."""
import json
import os
import re
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs  # noqa: E402
from render_test import SCHEMA_FILE, validate  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_vtop.py")
START_KERNEL_MAP = 0xffffffff80000000
TEXT_ROW = re.compile(r"^  (PML5E|PML4E|PDPTE|PDE|PTE) +([0-9a-f]+) +(\d+) +([0-9a-f]+) +([0-9a-f]{16}|\(unreadable\))$")
CRASH_ENTRY = re.compile(r"^ +(PUD|PMD|PTE): ([0-9a-f]+) => ([0-9a-f]+)$", re.M)
CRASH_LEVEL = {"PUD": "PDPTE", "PMD": "PDE", "PTE": "PTE"}


def hexnum(s):
    return None if s is None else int(s, 16)


def text_blocks(text):
    """[(virtual, physical or None, [(level, table, index, entry address, entry)])] of vtop's text."""
    blocks = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("VIRTUAL ") and i + 1 < len(lines):
            va, pa = lines[i + 1].split(None, 1)
            blocks.append((int(va, 16), None if pa.startswith("(") else int(pa, 16), []))
        m = TEXT_ROW.match(line)
        if m and blocks:
            blocks[-1][2].append((m.group(1), int(m.group(2), 16), int(m.group(3)), int(m.group(4), 16),
                                  None if m.group(5).startswith("(") else int(m.group(5), 16)))
    return blocks


def check_text_matches_json(tap, label, text, doc):
    want = [(hexnum(t["address"]), hexnum(t["physical"]),
             [(s["level"], hexnum(s["table"]), s["index"], hexnum(s["entry_address"]), hexnum(s["entry"]))
              for s in t["walk"]]) for t in doc["translations"]]
    tap.eq(text_blocks(text), want, f"{label}: the text shows the JSON's translations and walks ({len(want)})")


def run_vtop(tap, schema, label, dump, args):
    """vtop's JSON document and text for args (both with the same exit status), or None."""
    j = ktriage("--json", dump, "vtop", *args, check=False)
    t = ktriage(dump, "vtop", *args, check=False)
    if not tap.ok(j.returncode in (0, 1) and t.returncode == j.returncode and j.stdout,
                  f"{label}: vtop runs (status {j.returncode})", j.stderr + t.stderr):
        return None
    doc = json.loads(j.stdout)
    errs = validate(doc, schema["documents"]["vtop"], schema["$defs"])
    tap.ok(not errs, f"{label}: the JSON validates against docs/json-schema.json", errs[:8])
    check_text_matches_json(tap, label, t.stdout, doc)
    unmapped = sum(not x["mapped"] for x in doc["translations"])
    tap.eq(j.returncode, 1 if unmapped else 0, f"{label}: exit status {j.returncode} ({unmapped} not mapped)")
    return doc


def crash_vtop(out):
    """crash's vtop text: (physical or None, {level: (entry address, entry)}, PML4E value, struct page)."""
    m = re.search(r"^VIRTUAL +PHYSICAL *\n([0-9a-f]+) +(\S+)", out, re.M)
    if not m:
        return None
    pa = None if m.group(2).startswith("(") else int(m.group(2), 16)
    entries = {CRASH_LEVEL[k]: (int(a, 16), int(v, 16)) for k, a, v in CRASH_ENTRY.findall(out)}
    pml4 = re.search(r"^PAGE DIRECTORY: ([0-9a-f]+)$", out, re.M)
    page = re.search(r"^ +PAGE +PHYSICAL +MAPPING.*\n([0-9a-f]+) ", out, re.M)
    return (pa, entries, int(pml4.group(1), 16) if pml4 else None, int(page.group(1), 16) if page else None)


def compare_crash(tap, label, got, theirs):
    """got: vtop's JSON translation; theirs: crash_vtop(). True when compared."""
    pa, entries, pml4, page = theirs
    walk = {s["level"]: (hexnum(s["entry_address"]), hexnum(s["entry"])) for s in got["walk"]}
    mine = {k: v for k, v in walk.items() if k in entries}
    ok = tap.eq(mine, entries, f"{label}: {got['address']}: the entries (address => value) are crash's")
    if pml4 is not None:
        ok &= tap.eq(walk.get("PML4E", (0, 0))[1], pml4, f"{label}: {got['address']}: the PML4E is crash's")
    # crash gives a kernel-image address that is not mapped its image-relative physical address
    # anyway: compare the physical address only where crash's walk ends at a present entry.
    last_present = got["walk"] and entries and list(entries.values())[-1][1] & 1
    if last_present or not got["mapped"] and pa is None:
        ok &= tap.eq(hexnum(got["physical"]), pa, f"{label}: {got['address']}: the physical address is crash's")
    # The struct page only below max_pfn, where vtop gives one (the oracle drgn checks which).
    if page is not None and got["page"]:
        ok &= tap.eq(hexnum(got["page"]), page, f"{label}: {got['address']}: the struct page is crash's")
    return ok


def check_kdump(tap, schema, counts, name):
    d = scenario_dir(tap, name)
    if not d:
        return
    dump = os.path.join(d, "vmcore.kdump")
    o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                       capture_output=True, text=True, timeout=600)
    if not tap.ok(o.returncode == 0, f"{name}: drgn reads the addresses and their page tables", o.stderr[-2000:]):
        return
    want = json.loads(o.stdout)
    kernel = [x for x in want["items"] if "pid" not in x]
    user = [x for x in want["items"] if "pid" in x]
    tap.ok(user, f"{name}: the oracle found a user task to walk")
    got = {}
    docs = []
    doc = run_vtop(tap, schema, f"{name} kernel", dump, [x["address"] for x in kernel])
    if doc:
        docs.append(doc)
    if user:
        doc = run_vtop(tap, schema, f"{name} user", dump, ["-u", "-c", str(user[0]["pid"])] +
                       [x["address"] for x in user])
        if doc:
            docs.append(doc)
    for doc in docs:
        for t in doc["translations"]:
            got[(t["address"], t["user"])] = t
    for x in want["items"]:
        key = ("0x%016x" % int(x["address"], 16), "pid" in x)
        t = got.get(key)
        if not tap.ok(t, f"{name}: {x['kind']} {key[0]} is translated"):
            continue
        mine = {"root": hexnum(t["root"]), "mapped": t["mapped"], "physical": hexnum(t["physical"]),
                "page_size": t["page_size"], "page": hexnum(t["page"]),
                "walk": [(s["level"], hexnum(s["entry_address"]), hexnum(s["entry"])) for s in t["walk"]]}
        exp = {"root": hexnum(x["root"]), "mapped": x["physical"] is not None, "physical": hexnum(x["physical"]),
               "page_size": x["page_size"], "page": hexnum(x["page"]),
               "walk": [(lvl, hexnum(a), hexnum(e)) for lvl, a, e in x["walk"]]}
        tap.eq(mine, exp, f"{name}: {x['kind']} {key[0]}: the walk, physical address, page size and struct page "
               "are drgn's")
        if x["virt_to_phys"]:
            tap.eq(mine["physical"], hexnum(x["virt_to_phys"]), f"{name}: {key[0]} is drgn's virt_to_phys")
        if x["same_bytes"] is not None:
            tap.ok(x["same_bytes"], f"{name}: drgn reads at {key[0]} the bytes at its physical address")
        if t["mapped"]:
            tap.ok(t["flag_names"] and t["flag_names"][0] == "present",
                   f"{name}: {key[0]}: the flags begin with present", t["flag_names"])
        else:
            tap.ok(t["error"] and "not mapped" in t["error"] and t["walk"][-1]["level"] in t["error"],
                   f"{name}: {key[0]}: not mapped, naming the level", t["error"])
        counts[f"against drgn ({x['kind'].split()[0]})"] += 1
    kinds = {x["kind"].split()[0] for x in want["items"]}
    for k in ("symbol", "direct", "vmalloc", "vmap", "module", "per-cpu", "unmapped", "user"):
        tap.ok(k in kinds, f"{name}: the oracle gave {k} addresses", sorted(kinds))
    commands = [f"vtop {x['address'][2:]}" for x in kernel] + \
               [f"vtop -u -c {x['task'][2:]} {x['address'][2:]}" for x in user]
    outs = crash_outputs(d, dump, commands)
    if not tap.ok(outs is not None, f"{name}: crash is installed (the oracle for crash's vtop)"):
        return
    if not outs:
        print(f"# {name}: crash cannot read this dump: no comparison with crash")
        return
    for x, out in zip(kernel + user, outs):
        theirs = crash_vtop(out)
        if theirs is None:
            print(f"# {name}: crash's vtop gave no translation of {x['address']}: {out.strip()[:120]!r}")
            continue
        t = got.get(("0x%016x" % int(x["address"], 16), "pid" in x))
        if t and compare_crash(tap, name, t, theirs):
            counts["against crash"] += 1
    tap.ok(counts["against crash"] > 0, f"{name}: crash read the dump and its translations were compared")


def check_qemu(tap, schema, counts):
    name = "qemu-dump"
    d = scenario_dir(tap, name)
    if not d:
        return
    dump = os.path.join(d, "vmcore.qemu.elf")
    ps = json.loads(ktriage("--json", dump, "ps").stdout)["tasks"]
    tasks = [p["task"] for p in ps if not p["task"].startswith("0xffffffff")][:6]
    symbols = ["jiffies", "init_task", "linux_banner", "_text"]
    doc = run_vtop(tap, schema, name, dump, symbols + tasks)
    if not doc:
        return
    base = {}
    for sym in ("phys_base", "page_offset_base"):
        r = json.loads(ktriage("--json", dump, "rd", sym).stdout)
        base[sym] = int(r["values"][0], 16)
    tr = doc["translations"]
    tap.ok(all(t["root_source"] == "cr3" for t in tr), f"{name}: the walks start at a CPU's CR3")
    for t in tr[:len(symbols)]:
        va = hexnum(t["address"])
        if tap.eq(hexnum(t["physical"]), (va - START_KERNEL_MAP + base["phys_base"]) & (1 << 64) - 1,
                  f"{name}: {t['address']} is its image address less __START_KERNEL_map plus phys_base"):
            counts["QEMU dump against the layout"] += 1
    for t in tr[len(symbols):]:
        va = hexnum(t["address"])
        if tap.eq(hexnum(t["physical"]), va - base["page_offset_base"],
                  f"{name}: task {t['address']} is its address less page_offset_base"):
            counts["QEMU dump against the layout"] += 1
    outs = crash_outputs(d, dump, [f"vtop {t['address'][2:]}" for t in tr])
    if outs:
        for t, out in zip(tr, outs):
            theirs = crash_vtop(out)
            if theirs and compare_crash(tap, name, t, theirs):
                counts["QEMU dump against crash"] += 1
    else:
        print(f"# {name}: crash cannot read this dump: no comparison with crash")


def check_usage(tap):
    d = scenario_dir(tap, "callforms")
    if not d:
        return
    dump = os.path.join(d, "vmcore.kdump")
    for args, what in ((["-x", "jiffies"], "an unknown flag"), ([], "no address"),
                       (["-u", "-k", "jiffies"], "-u with -k")):
        p = ktriage(dump, "vtop", *args, check=False)
        tap.ok(p.returncode == 2 and not p.stdout and p.stderr, f"vtop {' '.join(args)} is refused ({what})",
               p.stderr + p.stdout)
    p = ktriage(dump, "vtop", "-u", "-c", "2", "0x1000", check=False)
    tap.ok(p.returncode == 1 and "no user address space" in p.stderr,
           "vtop -u of a kernel thread says it has no user address space", p.stderr + p.stdout)


def main():
    tap = Tap()
    counts = Counter()
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    check_kdump(tap, schema, counts, "callforms")
    check_qemu(tap, schema, counts)
    check_usage(tap)
    for what, n in sorted(counts.items()):
        print(f"# compared: {n} {what}")
    drgn = sum(n for k, n in counts.items() if k.startswith("against drgn"))
    tap.ok(drgn > 0 and counts["QEMU dump against the layout"] > 0, f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
