#!/usr/bin/env python3
"""hung.* findings against the ground truth the lab's guests printed: nmi-stuck (a waiter in
mutex_lock on ktest_vm_lock, held by a sleeping holder), hung-locks (a two-mutex deadlock, an
rw_semaphore held by sleeping readers with a writer blocked, a completion nobody completes), and
no hung.* finding on the plain `panic` dump nor on `lockup` (whose only D task, a kworker in
synchronize_rcu, has waited less than the detector's threshold)."""
import json
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from render_test import SCHEMA_FILE, validate  # noqa: E402
from tap import LAB_SCENARIOS, Tap, dump_alone, dump_files, ground_truth, ktriage, scenario_dir  # noqa: E402

with open(SCHEMA_FILE) as _f:
    SCHEMA = json.load(_f)


def hexint(s):
    return int(s, 16) if isinstance(s, str) else s


def findings(tap, label, dump, *opts):
    p = ktriage("--json", *opts, dump, "findings", check=False)
    if not tap.ok(p.returncode == 0, f"{label}: findings succeeds", p.stderr[-2000:]):
        return []
    doc = json.loads(p.stdout)
    errs = validate(doc, SCHEMA["documents"]["findings"], SCHEMA["$defs"])
    tap.ok(not errs, f"{label}: the findings document validates against the schema", errs[:8])
    return [f for f in doc["findings"] if f["code"].startswith("hung.")]


def check_commands(tap, label, hung):
    """Every command a finding gives runs (ktriage DUMP -c '...')."""
    n = 0
    for f in hung:
        for line in f["commands"]:
            args = shlex.split(line)[1:]
            p = ktriage(*args, check=False)
            n += 1
            tap.ok(p.returncode == 0 and p.stdout.strip(), f"{label}: {f['code']}: `{args[-1]}` runs", p.stderr[-500:])
    tap.ok(n > 0, f"{label}: {n} commands of the findings run")


def facts(f):
    return {x["key"]: x["value"] for x in f["facts"]}


def first_hex(text):
    m = re.search(r"0x([0-9a-f]+)", text or "")
    return int(m.group(1), 16) if m else None


def owner_task(text):
    m = re.search(r": task 0x([0-9a-f]+)", text or "")
    return int(m.group(1), 16) if m else None


def pid_of(text):
    m = re.match(r"pid (\d+) ", text or "")
    return int(m.group(1)) if m else None


def symbol(dump, addr):
    """The symbol ktriage's `sym` names at addr (the lock's name in signatures)."""
    out = ktriage(dump, "sym", f"0x{addr:x}").stdout.split()
    return out[1] if len(out) > 1 else None


def check_lock(tap, label, fx, p, lock, waiter_task, counts):
    """The lock's address, found from the frames and from the stack, and the waiter on its list."""
    tap.eq(first_hex(fx.get(f"{p}.lock")), lock, f"{label}: {p}.lock is the ground truth's lock")
    tap.ok(fx.get(f"{p}.lock.agree", "").startswith("yes"),
           f"{label}: the frames and the waiter on the stack agree on the lock", fx.get(f"{p}.lock.agree"))
    frames = [fx.get(f"{p}.lock.from_dwarf", ""), fx.get(f"{p}.lock.from_call_site", "")]
    tap.ok(any(f"0x{lock:x}" in w for w in frames),
           f"{label}: the frames name the lock (its DWARF argument or the caller's call site)", frames)
    tap.ok(f"0x{lock:x}" in fx.get(f"{p}.lock.from_stack", ""),
           f"{label}: the waiter structure on the stack is linked into the lock's wait list",
           fx.get(f"{p}.lock.from_stack"))
    tap.ok("this task is on it" in fx.get(f"{p}.lock.waiters", ""),
           f"{label}: the task is on the lock's wait list", fx.get(f"{p}.lock.waiters"))
    counts[0] += 5


def check_nmi_stuck(tap, counts):
    d = scenario_dir(tap, "nmi-stuck")
    if not d:
        return
    gt = ground_truth(d)["mutex"]
    lock, waiter, holder = hexint(gt["addr"]), gt["waiter"], gt["holder"]
    dump = dump_files(d)[0]
    modes = [()] + ([("--no-debuginfo",)] if dump_alone(tap, "nmi-stuck", dump) else [])
    for opts in modes:
        label = " ".join([f"nmi-stuck {os.path.basename(dump)}", *opts])
        hung = findings(tap, label, dump, *opts)
        if not tap.eq([f["code"] for f in hung], ["hung.mutex"], f"{label}: one hung.mutex finding"):
            continue
        if not opts:
            check_commands(tap, label, hung)
        f = hung[0]
        fx = facts(f)
        tap.eq(hexint(f["task"]), hexint(waiter["task"]), f"{label}: the finding's task is the waiter")
        tap.eq(pid_of(fx.get("waiter")), waiter["pid"], f"{label}: waiter pid")
        check_lock(tap, label, fx, "waiter", lock, waiter["task"], counts)
        tap.eq(owner_task(fx.get("waiter.lock.owner")), hexint(gt["owner"]), f"{label}: the mutex owner (flags masked)")
        tap.eq(pid_of(fx.get("waiter.holder")), holder["pid"], f"{label}: the holder's pid")
        tap.ok(f"pid {waiter['pid']} " in f["summary"] and f"pid {holder['pid']} " in f["summary"],
               f"{label}: the summary names the waiter and the holder", f["summary"])
        name = symbol(dump, lock)
        want = f"hung task on mutex {name} held in {holder['frames'][0]['func']}"
        tap.ok(name and f["signature"].startswith(want), f"{label}: signature '{want} ...'", f["signature"])
        counts[0] += 6


def check_hung_locks(tap, counts):
    if not os.path.exists(os.path.join(LAB_SCENARIOS, "hung-locks.sh")):
        print("# hung-locks: not a scenario of this lab (lab/scenarios/hung-locks.sh)")
        return
    d = scenario_dir(tap, "hung-locks")
    if not d:
        return
    dump = dump_files(d)[0]
    check_hung_locks_mode(tap, counts, d, dump, f"hung-locks {os.path.basename(dump)}")
    # Without debug files (kallsyms and BTF from the dump, Linux 6.0+): no DWARF argument
    # locations, so the call sites (through a tail call for the completion) and the stack must do.
    if dump_alone(tap, "hung-locks", dump):
        check_hung_locks_mode(tap, counts, d, dump, f"hung-locks {os.path.basename(dump)} --no-debuginfo",
                              "--no-debuginfo")


def check_hung_locks_mode(tap, counts, d, dump, label, *opts):
    gt = ground_truth(d)["hung"]
    locks = {k: hexint(v["addr"]) for k, v in gt["lock"].items()}
    hung = findings(tap, label, dump, *opts)
    if not opts:
        check_commands(tap, label, hung)
    codes = sorted(f["code"] for f in hung)
    tap.eq(codes, ["hung.completion", "hung.deadlock", "hung.rwsem"],
           f"{label}: one deadlock, one rwsem and one completion finding")
    by_code = {f["code"]: f for f in hung}
    dl = by_code.get("hung.deadlock")
    if dl:
        fx = facts(dl)
        tap.eq(dl["severity"], "critical", f"{label}: a deadlock is critical")
        pids = sorted(pid_of(fx.get(f"task.{i}")) or 0 for i in range(2))
        tap.eq(pids, sorted([gt["dla"]["pid"], gt["dlb"]["pid"]]), f"{label}: the cycle's two tasks")
        tap.ok("task.2" not in fx, f"{label}: no third task in the cycle")
        for i in range(2):
            who = next((k for k in ("dla", "dlb") if gt[k]["pid"] == pid_of(fx.get(f"task.{i}"))), None)
            if not who:
                continue
            t = gt[who]
            other = gt["dlb" if who == "dla" else "dla"]
            p = f"task.{i}"
            check_lock(tap, f"{label} {t['comm']}", fx, p, hexint(t["waits"]), t["task"], counts)
            tap.eq(owner_task(fx.get(f"{p}.lock.owner")), hexint(other["task"]),
                   f"{label} {t['comm']}: its mutex's owner is the other task")
            tap.eq(pid_of(fx.get(f"{p}.holder")), other["pid"], f"{label} {t['comm']}: the holder")
            counts[0] += 2
        tap.eq(sorted(first_hex(fx.get(f"task.{i}.lock")) or 0 for i in range(2)), sorted([locks["m1"], locks["m2"]]),
               f"{label}: the cycle's two mutexes")
        first = gt["dla"] if gt["dla"]["pid"] < gt["dlb"]["pid"] else gt["dlb"]
        second = gt["dlb"] if first is gt["dla"] else gt["dla"]
        m = re.match(r"hung task on mutex (\S+) held in (\S+)", dl["signature"])
        tap.ok(m and m.group(1) == first["waits_name"] and m.group(2) in [x["func"] for x in second["frames"]],
               f"{label}: deadlock signature names {first['waits_name']} and a frame of its holder", dl["signature"])
        counts[0] += 4
    rw = by_code.get("hung.rwsem")
    if rw:
        fx, t = facts(rw), gt["wrtr"]
        tap.eq(hexint(rw["task"]), hexint(t["task"]), f"{label}: the rwsem finding is the writer's")
        tap.ok("for writing" in fx.get("waiter.blocked_in", ""), f"{label}: the writer waits for writing",
               fx.get("waiter.blocked_in"))
        check_lock(tap, f"{label} {t['comm']}", fx, "waiter", locks["rwsem"], t["task"], counts)
        tap.ok("RWSEM_READER_OWNED" in fx.get("waiter.lock.owner", ""), f"{label}: the rwsem is reader-owned",
               fx.get("waiter.lock.owner"))
        readers = {gt[k]["pid"] for k in gt if k.startswith("rdr")}
        cands = [pid_of(v) for k, v in fx.items() if k.startswith("waiter.reader_candidate.")]
        tap.ok(set(cands) == readers, f"{label}: the reader candidates are the ground truth's readers",
               f"candidates {cands}, readers {sorted(readers)}")
        nreaders = re.search(r"(\d+) reader\(s\)", fx.get("waiter.lock.count", ""))
        tap.eq(int(nreaders.group(1)) if nreaders else None, len(readers), f"{label}: the reader count")
        counts[0] += 5
    c = by_code.get("hung.completion")
    if c:
        fx, t = facts(c), gt["cmplw"]
        tap.eq(hexint(c["task"]), hexint(t["task"]), f"{label}: the completion finding is the waiter's")
        check_lock(tap, f"{label} {t['comm']}", fx, "waiter", locks["done"], t["task"], counts)
        tap.ok(fx.get("waiter.lock.count", "").startswith("done = 0"), f"{label}: done is 0",
               fx.get("waiter.lock.count"))
        counts[0] += 2
    for f in hung:
        fx = facts(f)
        for k, v in fx.items():
            if k.endswith("waited"):
                secs = float(v.split()[0])
                tap.ok(secs >= gt["timeout_secs"], f"{label}: {k} {secs} s >= the detector's {gt['timeout_secs']} s")
                counts[0] += 1


def check_none(tap, name):
    d = scenario_dir(tap, name)
    if not d:
        return
    for dump in dump_files(d)[:1]:
        label = f"{name} {os.path.basename(dump)}"
        hung = findings(tap, label, dump)
        tap.eq([f["code"] for f in hung], [], f"{label}: no hung.* finding")


def main():
    tap = Tap()
    counts = [0]
    check_nmi_stuck(tap, counts)
    check_hung_locks(tap, counts)
    for name in ("panic", "lockup"):
        check_none(tap, name)
    tap.ok(counts[0] > 0, f"compared {counts[0]} values with the ground truth")
    tap.done()


if __name__ == "__main__":
    main()
