#!/usr/bin/env python3
"""`ktriage kmem -S CACHE`, `kmem ADDR`'s allocated/free, `kmem -v` and `kmem -p` on the lab's hung-locks
dump: each
slab SLUB keeps on a CPU or a node's partial list, and each of its objects allocated or free,
against drgn (a walk of the freelists through drgn's types, and drgn's own slab_object_info()
where drgn 0.0.22 understands the kernel) and against crash 8's `kmem -S CACHE` and `kmem ADDR`
text line by line (crash 8.0.2 reads the 5.10 and 6.1 dumps, not 6.12's); every busy vmalloc area
with its vm_struct, range and caller as drgn lists them, and crash's kmem -v columns; every struct
page of kmem -p as crash lists them and a sample as drgn reads them. The JSON documents validate
against docs/json-schema.json."""
import json
import os
import re
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap, ktriage, lab_release, scenario_dir  # noqa: E402
from render_test import validate  # noqa: E402

CACHES = ("kmalloc-64", "dentry", "task_struct", "kmem_cache_node", "vmap_area")
ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_slab.py")
VMALLOC = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_vmalloc.py")
PAGES = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_pages.py")
PAGE_STEP = 251  # every 251st page of kmem -p is read by drgn
SCHEMA = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "json-schema.json")))
MARK = "987654321987"
SAMPLE = 2  # objects of each state and cache asked of kmem ADDR


def doc_of(tap, label, kind, dump, *args):
    p = ktriage("--json", dump, *args, check=False)
    if not tap.ok(p.returncode == 0, f"{label}: {' '.join(args[:3])} succeeds", p.stderr[-2000:]):
        return None
    d = json.loads(p.stdout)
    errs = validate(d, SCHEMA["documents"][kind], SCHEMA["$defs"])
    tap.ok(not errs, f"{label}: {kind} validates against docs/json-schema.json", errs[:8])
    return d


def crash_reads(release):
    """crash 8.0.2 predates 6.12's dumps: it starts and prints nothing for them."""
    m = re.match(r"(\d+)\.(\d+)", release)
    return bool(m) and (int(m.group(1)), int(m.group(2))) < (6, 12)


def lines(text):
    return [x for x in text.splitlines() if x.strip() and not x.startswith(("WARNING", "("))]


def main():
    tap = Tap()
    counts = Counter()
    name = "hung-locks"
    d = scenario_dir(tap, name)
    if not d:
        tap.done()
    dump = os.path.join(d, "vmcore.kdump")
    vmlinux = os.path.join(d, "vmlinux")
    oracle = subprocess.Popen(["/usr/bin/python3", ORACLE, dump, vmlinux, ",".join(CACHES)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    vmalloc = subprocess.Popen(["/usr/bin/python3", VMALLOC, dump, vmlinux], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)

    # kmem -S: every slab and object, and a sample of objects of each state for kmem ADDR.
    mine = {}
    sample = []
    for cache in CACHES:
        doc = doc_of(tap, name, "kmem -S", dump, "kmem", "-S", cache)
        if not doc:
            continue
        c = doc["caches"][0]
        tap.eq(c["name"], cache, f"{name}: kmem -S {cache} lists that cache")
        ok = all(s["objects"] is not None and len(s["objects"]) == s["total"] and
                 s["objects"].count("a") == s["allocated"] and s["allocated"] + s["free"] == s["total"]
                 for s in c["slabs"])
        tap.ok(ok and c["slabs"], f"{name}: kmem -S {cache}: {len(c['slabs'])} slabs, each with its objects "
               f"marked and its ALLOCATED and FREE their counts", c["slabs"][:2])
        mine[cache] = {s["slab"]: s for s in c["slabs"] if s["list"] != "node-full"}
        picked = Counter()
        for s in c["slabs"]:
            for i, m in enumerate(s["objects"] or ""):
                state = "a" if m == "a" else "f"
                if picked[state] < SAMPLE:
                    picked[state] += 1
                    sample.append((cache, int(s["first_object"], 16) + i * s["stride"], m))
    tasks = [t["task"] for t in json.loads(ktriage("--json", dump, "ps").stdout)["tasks"] if t["pid"] != 0]
    crash = None
    if crash_reads(lab_release()):
        script = "".join(f"{c}\np {MARK}\n" for c in
                         [f"kmem -S {x}" for x in CACHES] + [f"kmem {a:x}" for _, a, _ in sample] + ["kmem -v", "kmem -p"]) + "quit\n"
        crash = subprocess.Popen(["crash", "-s", vmlinux, dump], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        crash_out, _ = crash.communicate(script, timeout=600)

    # kmem ADDR: every task's task_struct is allocated; the sample's states are kmem -S's.
    doc = doc_of(tap, name, "kmem", dump, "kmem", *tasks)
    if doc:
        bad = [a for a in doc["addresses"] if not a["slab"] or a["slab"]["state"] != "allocated"]
        tap.ok(not bad and doc["addresses"], f"{name}: kmem ADDR: all {len(tasks)} task_structs are allocated "
               f"objects", bad[:3])
        counts["task_structs allocated"] += len(doc["addresses"])
    doc = doc_of(tap, name, "kmem", dump, "kmem", *[hex(a) for _, a, _ in sample])
    if doc:
        got = [(a["slab"]["name"], int(a["slab"]["object"], 16), a["slab"]["state"]) for a in doc["addresses"]]
        want = [(c, a, {"a": "allocated", "f": "free", "c": "cpu-free"}[m]) for c, a, m in sample]
        tap.eq(got, want, f"{name}: kmem ADDR of {len(sample)} objects: cache, object and state as kmem -S")

    # drgn: the same slabs, the same free objects.
    out, err = oracle.communicate(timeout=600)
    if tap.ok(oracle.returncode == 0, f"{name}: drgn walks the caches' slabs", err[-2000:]):
        want = json.loads(out)
        state_of = {}
        for cache in CACHES:
            theirs = want[cache]
            m = mine.get(cache, {})
            tap.eq(sorted(m), sorted(theirs), f"{name}: kmem -S {cache}: drgn's {len(theirs)} CPU and partial slabs")
            for slab, w in theirs.items():
                got = m.get(slab, {}).get("objects") or ""
                got = got.replace("c", "f")
                tap.eq(got, w["walk"], f"{name}: {cache} slab {slab}: objects free as drgn's freelist walk")
                counts["objects against drgn's walk"] += len(w["walk"])
                if w["drgn"] is not None:
                    tap.eq(got, w["drgn"], f"{name}: {cache} slab {slab}: objects as drgn's slab_object_info()")
                    counts["objects against slab_object_info"] += len(w["drgn"])
                s = m.get(slab)
                for i, letter in enumerate(w["walk"]):
                    if s:
                        state_of[int(s["first_object"], 16) + i * s["stride"]] = letter
        got = [state_of.get(a) for _, a, _ in sample]
        tap.eq(got, ["a" if m == "a" else "f" for _, _, m in sample],
               f"{name}: kmem ADDR's states of {len(sample)} objects are drgn's")
        counts["kmem ADDR states against drgn"] += len(sample)

    # kmem -v: drgn's areas, in address order, with their callers.
    out, err = vmalloc.communicate(timeout=600)
    doc = doc_of(tap, name, "kmem -v", dump, "kmem", "-v")
    if tap.ok(vmalloc.returncode == 0, f"{name}: drgn lists the vmap_areas", err[-2000:]) and doc:
        want = json.loads(out)
        got = [[int(a["vmap_area"], 16), int(a["vm_struct"] or "0", 16), int(a["start"], 16), int(a["end"], 16),
                int(a["caller"] or "0", 16), a["caller_symbol"] and a["caller_symbol"]["name"]] for a in doc["areas"]]
        tap.eq(got, want, f"{name}: kmem -v lists drgn's {len(want)} vmap_areas with vm_struct, range and caller")
        tap.ok(len(want) > 0 and doc["limits"] is None, f"{name}: kmem -v walked every area", doc["limits"])
        counts["vmap areas against drgn"] += len(want)
        text = ktriage(dump, "kmem", "-v").stdout.splitlines()
        tap.eq(len(text), len(want) + 1, f"{name}: kmem -v's text has a line per area")

    # kmem -p: a sample of the pages as drgn reads them; one page and a range as the listing has them.
    page_text = lines(ktriage(dump, "kmem", "-p").stdout)
    rows = [x.split() for x in page_text[1:]]
    tap.ok(len(rows) > 1000 and all(len(r) >= 6 for r in rows), f"{name}: kmem -p lists {len(rows)} pages",
           [r for r in rows if len(r) < 6][:3])
    picked = rows[::PAGE_STEP]
    p = subprocess.run(["/usr/bin/python3", PAGES, dump, vmlinux, ",".join(f"{int(r[1], 16) >> 12:x}" for r in picked)],
                       capture_output=True, text=True, timeout=600)
    if tap.ok(p.returncode == 0, f"{name}: drgn reads {len(picked)} struct pages", p.stderr[-2000:]):
        want = json.loads(p.stdout)
        got = [[int(r[0], 16), int(r[1], 16), int(r[2], 16), int(r[3], 16), int(r[4]), int(r[5], 16)] for r in picked]
        bad = [(g, w) for g, w in zip(got, want) if g != w]
        tap.ok(not bad and len(got) == len(want), f"{name}: kmem -p: {len(want)} pages' PAGE PHYSICAL MAPPING INDEX "
               f"CNT FLAGS are drgn's", bad[:3])
        counts["pages against drgn"] += len(want)
    if rows:
        mid = rows[len(rows) // 2]
        one = lines(ktriage(dump, "kmem", "-p", mid[1]).stdout)
        tap.eq(one[1:], [x for x in page_text if x.split()[:1] == [mid[0]]],
               f"{name}: kmem -p {mid[1]}: its line of the listing")
        one = lines(ktriage(dump, "kmem", "-p", mid[0]).stdout)
        tap.eq(one[1:], [x for x in page_text if x.split()[:1] == [mid[0]]],
               f"{name}: kmem -p {mid[0]} (its struct page): the same line")
        i = len(rows) // 3
        start, end = int(rows[i][1], 16), int(rows[i][1], 16) + 8 * 4096
        doc = doc_of(tap, name, "kmem -p", dump, "kmem", "-p", hex(start), hex(end))
        if doc:
            tap.eq([[int(x["page"], 16), int(x["phys"], 16)] for x in doc["pages"]],
                   [[int(r[0], 16), int(r[1], 16)] for r in rows[i:i + 8]], f"{name}: kmem -p START END: 8 pages")

    # crash: kmem -S CACHE line by line (blank lines and ktriage's closing note aside), and the
    # slab block of kmem ADDR.
    if crash:
        parts = re.split(r"^\$\d+ = " + MARK + r"\n", crash_out, flags=re.M)
        tap.ok(len(parts) > len(CACHES) + len(sample) + 2, f"{name}: crash ran its {len(CACHES) + len(sample) + 2} commands",
               crash_out[-1000:])
        for i, cache in enumerate(CACHES):
            if i >= len(parts):
                break
            theirs = lines(parts[i])
            got = lines(ktriage(dump, "kmem", "-S", cache).stdout)
            tap.eq(got, theirs, f"{name}: kmem -S {cache} is crash's ({len(theirs)} lines)")
            counts["crash lines"] += len(theirs)
        for j, (cache, a, _) in enumerate(sample):
            k = len(CACHES) + j
            if k >= len(parts):
                break
            block = re.compile(r"^CACHE .*?FREE / \[ALLOCATED\]\n.*?\n", re.S | re.M)
            t = block.search(parts[k])
            g = block.search(ktriage(dump, "kmem", hex(a)).stdout)
            tap.eq(g and g.group(0), t and t.group(0), f"{name}: kmem {a:x} ({cache}): crash's slab lines")
            counts["crash lines"] += 6
        k = len(CACHES) + len(sample)
        if k < len(parts):
            theirs = [x.split() for x in lines(parts[k])]
            got = [x.split()[:6] for x in lines(ktriage(dump, "kmem", "-v").stdout)]
            got[0] = got[0][:5]
            tap.eq(got, theirs, f"{name}: kmem -v is crash's, CALLER aside ({len(theirs) - 1} areas)")
            counts["crash lines"] += len(theirs)
        if k + 1 < len(parts):
            theirs = lines(parts[k + 1])
            tap.eq(page_text, theirs, f"{name}: kmem -p is crash's ({len(theirs) - 1} pages)")
            counts["crash lines"] += len(theirs)
    else:
        print(f"# crash 8.0.2 cannot read {lab_release()}'s dumps: no comparison with crash")

    for what in ("pages against drgn", "vmap areas against drgn", "objects against drgn's walk", "objects against slab_object_info", "kmem ADDR states against drgn",
                 "task_structs allocated", "crash lines"):
        print(f"# compared: {counts[what]} {what}")
    need = ["pages against drgn", "vmap areas against drgn", "objects against drgn's walk", "kmem ADDR states against drgn", "task_structs allocated"]
    if crash:
        need += ["crash lines", "objects against slab_object_info"]
    tap.ok(all(counts[w] > 0 for w in need), f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
