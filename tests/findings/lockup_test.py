#!/usr/bin/env python3
"""The lockup.spinlock, lockup.irqs_off and csd.wait findings on the lab's dumps, against the
ground truth each guest printed: lockup (one CPU spins on ktest_lockup_lock, held by a kthread on
the other CPU: exactly that CPU, the lock's address, the holder as the one candidate with its
evidence), csd-hang (a CPU waits in smp_call_function_single for a CPU that spins with interrupts
disabled: the target CPU, the function, the target's loop), and panic and nmi-stuck, which must
give none of these findings. Each scenario of the lab's release is required; the same scenario
of other releases beside it (5.10, 6.12) is checked too when it is there."""
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from render_test import SCHEMA_FILE, validate  # noqa: E402
from tap import Tap, dump_alone, ground_truth, ktriage, lab_root, scenario_dir  # noqa: E402

with open(SCHEMA_FILE) as _f:
    SCHEMA = json.load(_f)

CODES = ("lockup.spinlock", "lockup.irqs_off", "csd.wait")


def hexint(s):
    return int(s, 16) if isinstance(s, str) else s


def release_of(tree):
    return os.path.basename(os.path.normpath(tree)).rsplit("-", 1)[0]


def dumps(tap, name):
    """The scenario of the lab's release (a missing one fails), and of other releases beside it."""
    dirs = []
    d = scenario_dir(tap, name)
    if d:
        dirs.append(d)
    root = os.path.dirname(os.path.abspath(lab_root()))
    for other in sorted(glob.glob(os.path.join(root, "*", name, ".done"))):
        other = os.path.dirname(other)
        if release_of(os.path.dirname(other)) != release_of(lab_root()):
            dirs.append(other)
    return dirs


def label_of(d):
    return f"{os.path.basename(d)} {release_of(os.path.dirname(d))}"


def findings_of(tap, d, *options):
    """The findings document of the dump, validated against the schema; None on failure."""
    label = label_of(d) + "".join(" " + o for o in options)
    p = ktriage("--json", *options, os.path.join(d, "vmcore.kdump"), "findings", check=False)
    if not tap.ok(p.returncode == 0, f"{label}: findings succeeds", p.stderr[-2000:]):
        return None
    doc = json.loads(p.stdout)
    errs = validate(doc, SCHEMA["documents"]["findings"], SCHEMA["$defs"])
    tap.ok(not errs, f"{label}: the findings document validates against the schema", errs[:8])
    return doc["findings"]


def facts_of(f):
    return {x["key"]: x["value"] for x in f["facts"]}


def check_commands(tap, label, f):
    """Every command the finding gives runs."""
    ran = 0
    for cmd in f["commands"]:
        m = re.match(r"ktriage (\S+) -c '(.*)'$", cmd)
        if not tap.ok(m is not None, f"{label}: command has the form ktriage DUMP -c '...' ({cmd})"):
            continue
        p = ktriage(m.group(1), "-c", m.group(2), check=False)
        tap.ok(p.returncode == 0 and p.stdout, f"{label}: `{m.group(2)}` runs", p.stderr[-800:])
        ran += 1
    tap.ok(ran > 0, f"{label}: {ran} commands ran")


def check_lockup(tap, counts, d):
    label = label_of(d)
    gt = ground_truth(d)
    lk = gt["lockup"]
    found = findings_of(tap, d)
    if found is None:
        return
    spins = [f for f in found if f["code"] == "lockup.spinlock"]
    if not tap.eq(len(spins), 1, f"{label}: exactly one lockup.spinlock finding (the waiter's CPU)"):
        return
    f = spins[0]
    facts = facts_of(f)
    waiter, holder = lk["waiter"], lk["holder"]
    lock = re.match(r"0x([0-9a-f]+)", facts.get("lock", ""))
    pairs = [
        ("spinning CPU", f["cpu"], waiter["cpu"]),
        ("spinning task", hexint(f["task"]), hexint(waiter["task"])),
        ("lock address", int(lock.group(1), 16) if lock else None, hexint(lk["lock"])),
    ]
    for what, got, want in pairs:
        tap.eq(got, want, f"{label}: {what}")
        counts[0] += 1
    tap.ok("ktest_lockup_lock" in facts.get("lock", ""), f"{label}: the lock named by its symbol", facts.get("lock"))
    tap.ok(facts.get("lock.source", "").startswith("DWARF: parameter lock of "),
           f"{label}: the lock's address from DWARF's location of the lock parameter", facts.get("lock.source"))
    tap.ok("records no owner" in facts.get("lock.owner", ""), f"{label}: says a spinlock records no owner",
           facts.get("lock.owner"))
    tap.ok(re.search(r"locked byte 0x0*[1-9a-f]", facts.get("lock.word", "")) is not None,
           f"{label}: the lock word is decoded and held", facts.get("lock.word"))
    # The waiter's own frames: the key frame below the lock functions is its first one.
    tap.eq(f["signature"], f"soft lockup in {waiter['frames'][0]['func']} [ktest_lockup]", f"{label}: signature")
    counts[0] += 1
    tap.ok(f"in {waiter['frames'][0]['func']}+" in facts.get("spin", ""),
           f"{label}: the spin is taken in the waiter's frame", facts.get("spin"))
    candidates = sorted(k for k in facts if re.fullmatch(r"holder\.candidate\.\d+", k))
    if tap.eq(len(candidates), 1, f"{label}: exactly one holder candidate"):
        c = facts[candidates[0]]
        m = re.match(r"CPU (\d+), pid (\d+) \"([^\"]*)\", task 0x([0-9a-f]+)[^:]*: (.+)$", c)
        if tap.ok(m is not None, f"{label}: the candidate names CPU, pid, comm, task and evidence", c):
            for what, got, want in [("CPU", int(m.group(1)), holder["cpu"]), ("pid", int(m.group(2)), holder["pid"]),
                                    ("comm", m.group(3), holder["comm"]),
                                    ("task", int(m.group(4), 16), hexint(holder["task"]))]:
                tap.eq(got, want, f"{label}: holder candidate's {what}")
                counts[0] += 1
            tap.ok(re.search(r"pt_regs at 0x[0-9a-f]+ \(|stack slot 0x[0-9a-f]+|registers \(", m.group(5)) is not None,
                   f"{label}: the evidence names where the holder's frames hold the lock's address", m.group(5))
        tap.ok(holder["frames"][0]["func"] in facts.get(candidates[0] + ".frames", ""),
               f"{label}: the candidate's frames show where it spins", facts.get(candidates[0] + ".frames"))
    reports = [v for k, v in facts.items() if k == "watchdog" or k.endswith(".watchdog")]
    panic_cpu = gt["console"]["panic_cpu"]
    tap.ok(any(f"soft lockup - CPU#{panic_cpu} stuck" in r for r in reports),
           f"{label}: tied to the watchdog's report of CPU {panic_cpu}", reports)
    tap.eq(f["severity"], "critical", f"{label}: critical (the machine panicked on the soft lockup)")
    tap.eq([x["code"] for x in found if x["code"] in CODES], ["lockup.spinlock"],
           f"{label}: no other lockup or CSD finding")
    check_commands(tap, label, f)
    # Without debug files there is no DWARF location of the lock parameter: the spinning
    # registers must give the same lock, and the same candidate.
    if dump_alone(tap, label, os.path.join(d, "vmcore.kdump")):
        bare = findings_of(tap, d, "--no-debuginfo")
        spins = [x for x in bare or [] if x["code"] == "lockup.spinlock"]
        if tap.eq(len(spins), 1, f"{label}: one lockup.spinlock without debug files"):
            b = facts_of(spins[0])
            tap.eq((spins[0]["cpu"], b.get("lock"), b.get("holder.candidate.0", "").split(":")[0]),
                   (f["cpu"], facts.get("lock"), facts.get(candidates[0], "").split(":")[0] if candidates else None),
                   f"{label}: the same CPU, lock and candidate without debug files")
            counts[0] += 1


def check_csd(tap, counts, d):
    label = label_of(d)
    gt = ground_truth(d)
    csd = gt["csd"]
    target = csd["target"]
    found = findings_of(tap, d)
    if found is None:
        return
    waits = [f for f in found if f["code"] == "csd.wait"]
    if not tap.eq(len(waits), 1, f"{label}: exactly one csd.wait finding"):
        return
    f = waits[0]
    facts = facts_of(f)
    caller_cpu = csd["caller"]["cpu"] if "caller" in csd else gt["console"]["panic_cpu"]
    m = re.match(r"CPU (\d+): (.*)", facts.get("target", ""))
    pairs = [("waiting CPU", f["cpu"], caller_cpu), ("target CPU", int(m.group(1)) if m else None, target["cpu"])]
    if "caller" in csd:
        pairs.append(("waiting task", hexint(f["task"]), hexint(csd["caller"]["task"])))
    if "target_cpu" in csd:
        pairs.append(("target CPU (the call's)", int(m.group(1)) if m else None, csd["target_cpu"]))
    if "func_name" in csd:
        pairs.append(("function", facts.get("function"), csd["func_name"]))
    for what, got, want in pairs:
        tap.eq(got, want, f"{label}: {what}")
        counts[0] += 1
    tap.ok(m is not None and "call_single_queue" in m.group(2),
           f"{label}: the target proven by the call_single_queue that holds the csd", facts.get("target"))
    if "func" in csd:
        tap.ok(f"func 0x{hexint(csd['func']):x} " in facts.get("csd", ""), f"{label}: the csd's func", facts.get("csd"))
        counts[0] += 1
    if "info" in csd:
        tap.ok(f"info 0x{hexint(csd['info']):x}" in facts.get("csd", ""), f"{label}: the csd's info", facts.get("csd"))
        counts[0] += 1
    tap.ok("CSD_FLAG_LOCK set" in facts.get("csd", ""), f"{label}: the csd is still locked", facts.get("csd"))
    state = facts.get("target.state", "")
    tap.ok(state.startswith(target["spin_func"] + "+") and "interrupts disabled" in state and "in a loop" in state,
           f"{label}: the target spins with interrupts disabled in {target['spin_func']}", state)
    tap.ok(f"pid {target['pid']} " in facts.get("target.task", ""), f"{label}: the target's task", facts.get("target.task"))
    counts[0] += 1
    tap.ok(f"CPU {target['cpu']} never ran the function" in f["summary"], f"{label}: the summary says so", f["summary"])
    sig = f["signature"]
    tap.ok(sig.startswith("CSD wait for ") and not re.search(r"0x|CPU \d|\bpid\b", sig),
           f"{label}: signature without addresses, CPUs or pids ({sig})")
    if "func_name" in csd:
        fname = csd["func_name"].split(" ")[0]
        tap.ok(sig.startswith(f"CSD wait for {fname}"), f"{label}: the signature names the function", sig)
    tap.eq(f["severity"], "critical", f"{label}: critical (the machine panicked on the soft lockup)")
    irqs = [x for x in found if x["code"] == "lockup.irqs_off"]
    if tap.eq(len(irqs), 1, f"{label}: one lockup.irqs_off (the target CPU)"):
        tap.eq(irqs[0]["cpu"], target["cpu"], f"{label}: lockup.irqs_off on the target CPU")
        counts[0] += 1
    tap.eq([x for x in found if x["code"] == "lockup.spinlock"], [], f"{label}: no spinlock finding (no lock)")
    check_commands(tap, label, f)


def check_none(tap, d):
    label = label_of(d)
    found = findings_of(tap, d)
    if found is not None:
        tap.eq([x["code"] for x in found if x["code"] in CODES], [], f"{label}: no lockup or CSD finding")


def main():
    tap = Tap()
    counts = [0]
    for d in dumps(tap, "lockup"):
        check_lockup(tap, counts, d)
    for d in dumps(tap, "csd-hang"):
        check_csd(tap, counts, d)
    for name in ("panic", "nmi-stuck"):
        for d in dumps(tap, name):
            check_none(tap, d)
    print(f"# compared {counts[0]} values with the ground truth")
    tap.ok(counts[0] > 0, f"compared {counts[0]} values with the ground truth")
    tap.done()


if __name__ == "__main__":
    main()
