#!/usr/bin/env python3
"""The workqueue.stall finding. Every scenario of the lab must give none (no pool of theirs is
stalled). A stalled pool is made in a copy of the `panic` dump's ELF file: CPU 0's normal-priority
per-CPU pool gets a pending work item (CPU 0's own `vmstat_work`, linked onto the pool's worklist)
and a `watchdog_ts` two minutes before the dump's jiffies; the finding must name that pool, that
item with its function (vmstat_update), and how long it has stalled. The wq-stall scenario (a work
item that never returns, three more behind it) is checked against its ground truth where the lab
makes it. Each scenario the lab makes for its release is required; the same scenario of other
releases beside it (5.10, 6.12) is checked too when it is there."""
import json
import os
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "kvm"))
from kvm_test import ElfDump  # noqa: E402
from lockup_test import SCHEMA, check_commands, dumps, facts_of, findings_of, label_of  # noqa: E402
from render_test import validate  # noqa: E402
from tap import Tap, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

CODE = "workqueue.stall"


def h(v):
    return int(v, 16) if isinstance(v, str) else v


def check_stall(tap, counts, d):
    label = label_of(d)
    gt = ground_truth(d)["wq"]
    found = findings_of(tap, d)
    if found is None:
        return
    mine = [f for f in found if f["code"] == CODE]
    if not tap.ok(len(mine) == 1, f"{label}: exactly one {CODE} finding", [f["summary"] for f in mine]):
        return
    f = mine[0]
    facts = facts_of(f)
    tap.eq(f["cpu"], gt["cpu"], f"{label}: the finding is about CPU {gt['cpu']}'s pool")
    counts[0] += 1
    m = re.search(r"\bcpus=(\d+)\b", facts.get("pool", ""))
    tap.ok(m is not None and int(m.group(1)) == gt["cpu"], f"{label}: the pool is a per-CPU pool of CPU {gt['cpu']}",
           facts.get("pool"))
    counts[0] += 1
    tap.eq(h(f["task"]), h(gt["worker"]["task"]), f"{label}: the finding's task is the worker {gt['worker']['comm']}")
    counts[0] += 1
    # The busy worker that runs the spinner: its work item, function, pid and comm.
    busy = [v for k, v in facts.items() if re.fullmatch(r"busy\.\d+", k)]
    spinner = [v for v in busy if f"current_work {h(gt['spinner']['work']):#x} " in v]
    if tap.ok(len(spinner) == 1, f"{label}: one busy worker runs the spinner's work item", busy):
        v = spinner[0]
        tap.ok(f" {gt['spinner']['func']} " in v, f"{label}: its current_func is {gt['spinner']['func']}", v)
        tap.ok(f"pid {gt['worker']['pid']} \"{gt['worker']['comm']}\"" in v and f"{h(gt['worker']['task']):#x}" in v,
               f"{label}: its task is pid {gt['worker']['pid']} {gt['worker']['comm']}", v)
        counts[0] += 3
    frames = [v for k, v in facts.items() if re.fullmatch(r"busy\.\d+\.frames", k)]
    tap.ok(any(v.startswith(gt["spinner"]["func"] + "+") and "process_one_work" in v for v in frames),
           f"{label}: the worker's frames start at {gt['spinner']['func']}, called by process_one_work", frames)
    # Each pending item the guest queued, with its function; in queueing order.
    pending = [v for k, v in sorted(facts.items()) if re.fullmatch(r"pending\.\d+", k)]
    positions = []
    for i, p in enumerate(gt["pending"]):
        at = [n for n, v in enumerate(pending) if v.startswith(f"work {h(p['work']):#x}: {p['func']} ")]
        tap.ok(len(at) == 1, f"{label}: pending item {i} ({p['func']}) is listed with its address", pending)
        positions += at
        counts[0] += 1
    tap.eq(positions, sorted(positions), f"{label}: the pending items are listed in queueing order")
    n = re.match(r"(\d+) work items?", facts.get("pending", ""))
    tap.ok(n is not None and int(n.group(1)) >= len(gt["pending"]),
           f"{label}: the pending count covers the {len(gt['pending'])} items queued", facts.get("pending"))
    tap.ok(f["signature"] == f"workqueue stall: {gt['spinner']['func']} [ktest_wq] blocks the pool",
           f"{label}: the signature names the blocking function, without address or CPU", f["signature"])
    tap.ok(f["severity"] == "error", f"{label}: severity error (the panic is a sysrq crash)", f["severity"])
    check_commands(tap, label, f)


def dump_file(d):
    """The scenario's dump: kdump-compressed, or QEMU's ELF for the scenarios dumped from outside."""
    for name in ("vmcore.kdump", "vmcore.qemu.elf"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    return os.path.join(d, "vmcore.kdump")


def any_findings_of(tap, d):
    label = label_of(d)
    p = ktriage("--json", dump_file(d), "findings", check=False)
    if not tap.ok(p.returncode == 0, f"{label}: findings succeeds", p.stderr[-2000:]):
        return None
    doc = json.loads(p.stdout)
    errs = validate(doc, SCHEMA["documents"]["findings"], SCHEMA["$defs"])
    tap.ok(not errs, f"{label}: the findings document validates against the schema", errs[:8])
    return doc["findings"]


def check_none(tap, d):
    label = label_of(d)
    found = any_findings_of(tap, d)
    if found is not None:
        tap.eq([x["summary"] for x in found if x["code"] == CODE], [], f"{label}: no {CODE} finding")


def first_hex(text):
    m = re.search(r"(0x)?([0-9a-f]{16})", text)
    return int(m.group(2), 16) if m else None


def member_offsets(dump, type_name):
    doc = json.loads(ktriage("--json", dump, "whatis", type_name).stdout)
    return {m["name"]: m["offset"] for m in doc["members"]}


def check_patched(tap, counts):
    """A stall made in a copy of the panic dump: CPU 0's first per-CPU pool, one pending item."""
    d = scenario_dir(tap, "panic")
    if not d:
        return
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "panic.elf")
        shutil.copyfile(os.path.join(d, "vmcore.elf"), copy)
        q = ktriage(copy, "-c", "p -x page_offset_base; p jiffies; percpu cpu_worker_pools 0; "
                    "percpu vmstat_work 0", check=False)
        lines = q.stdout.splitlines()
        if not tap.ok(q.returncode == 0 and len(lines) == 6, "panic: the pool, the work item and jiffies are found",
                      q.stdout + q.stderr):
            return
        pob = first_hex(lines[0])
        jiffies = int(lines[1].split("=")[1])
        pool = first_hex(lines[3])
        work = first_hex(lines[5])  # struct delayed_work: its work_struct first
        wp = member_offsets(copy, "struct worker_pool")
        ws = member_offsets(copy, "struct work_struct")
        hz = 250  # Debian's CONFIG_HZ; the check derives it from tick_nsec itself
        elf = ElfDump(copy, pob)
        head = pool + wp["worklist"]
        entry = work + ws["entry"]
        elf.write(head, struct.pack("<QQ", entry, entry))
        elf.write(entry, struct.pack("<QQ", head, head))
        elf.write(pool + wp["watchdog_ts"], struct.pack("<Q", (jiffies - 120 * hz) & (2**64 - 1)))
        p = ktriage("--json", copy, "findings", check=False)
        if not tap.ok(p.returncode == 0, "panic, patched: findings succeeds", p.stderr[-2000:]):
            return
        doc = json.loads(p.stdout)
        errs = validate(doc, SCHEMA["documents"]["findings"], SCHEMA["$defs"])
        tap.ok(not errs, "panic, patched: the findings document validates against the schema", errs[:8])
        mine = [f for f in doc["findings"] if f["code"] == CODE]
        if not tap.ok(len(mine) == 1, f"panic, patched: exactly one {CODE} finding",
                      [(f["code"], f["summary"][:200]) for f in doc["findings"]]):
            return
        f = mine[0]
        facts = facts_of(f)
        text = json.dumps(facts)
        pairs = [
            ("the pool's address", f"{pool:#x}" in facts.get("pool", ""), facts.get("pool")),
            ("CPU 0's pool", f["cpu"] == 0 and re.search(r"\bcpus=0\b", facts.get("pool", "")) is not None,
             facts.get("pool")),
            ("the pending item and its function", f"{work:#x}" in text and "vmstat_update" in text,
             {k: v for k, v in facts.items() if k.startswith("pending")}),
            ("stalled about 120 s", re.search(r"\b(119|12[01])(\.\d+)? s", facts.get("stalled", "")) is not None,
             facts.get("stalled")),
        ]
        for what, ok, diag in pairs:
            tap.ok(ok, f"panic, patched: the finding names {what}", diag)
            counts[0] += 1
        check_commands(tap, "panic, patched", f)


def main():
    tap = Tap()
    counts = [0]
    check_patched(tap, counts)
    for d in dumps(tap, "wq-stall"):
        check_stall(tap, counts, d)
    others = 0
    for name in scenarios():
        if name == "wq-stall":
            continue
        for d in dumps(tap, name):
            check_none(tap, d)
            others += 1
    tap.ok(others > 0, f"{others} dumps of other scenarios checked for no {CODE} finding")
    tap.ok(counts[0] > 0, f"compared {counts[0]} values with what the dump was patched to hold or the guest printed")
    tap.done()


if __name__ == "__main__":
    main()
