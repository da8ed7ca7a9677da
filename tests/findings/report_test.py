#!/usr/bin/env python3
"""The triage report (`ktriage DUMP`, the default command) on every lab dump, against what each
scenario's ground truth implies: exactly the findings it should have (no more, no fewer), each tied
to the CPU, task, lock or function the guest recorded; findings ranked by severity; every online
CPU listed, the ones that ignored the crash NMI marked; and signatures that name the key frame,
agree across two boots of one bug (oops, oops-again) and differ between different bugs."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from render_test import SCHEMA_FILE, validate  # noqa: E402
from tap import Tap, ground_truth, ktriage, lab_root, scenario_dir, scenarios  # noqa: E402

with open(SCHEMA_FILE) as _f:
    SCHEMA = json.load(_f)

SEVERITY = {"info": 0, "warning": 1, "error": 2, "critical": 3}

# The findings each scenario's situation implies (lab/scenarios/NAME.md), as a multiset of codes.
EXPECTED = {
    # sysrq-c from a shell: the crash by hand, nothing else wrong.
    "panic": ["panic.sysrq"],
    "callforms": ["panic.sysrq"],
    "many-tasks": ["panic.sysrq"],
    "kvm-svm": ["panic.sysrq"],
    # CPU 1 spins in an NMI handler and ignores the crash NMI; a mutex waiter in D state on CPU 0
    # past the hung-task timeout (its report is in the log); sysrq-c.
    "nmi-stuck": ["panic.sysrq", "nmi.silent_cpu", "hung.mutex"],
    "nmi-printk": ["panic.sysrq", "nmi.silent_cpu", "hung.mutex"],
    # A VMX abort on the vCPU loaded on the CPU that ignored the NMI; sysrq-c.
    "vmx-sim-3.10": ["panic.sysrq", "vmx.abort_on_silent_cpu", "nmi.silent_cpu"],
    "vmx-sim-6.1": ["panic.sysrq", "vmx.abort_on_silent_cpu", "nmi.silent_cpu"],
    # A soft lockup on a spinlock whose holder spins on the other CPU.
    "lockup": ["panic.soft_lockup", "lockup.spinlock"],
    # CPU 0 waits in smp_call_function_single for CPU 1, which spins with interrupts disabled.
    "csd-hang": ["panic.soft_lockup", "csd.wait", "lockup.irqs_off"],
    # A NULL-based read in a module: page-fault oops, panic_on_oops.
    "oops": ["panic.oops.page_fault"],
    "oops-again": ["panic.oops.page_fault"],
    # Two mutexes taken in opposite orders, an rwsem held by readers with a writer waiting, a
    # completion nobody completes; the hung-task detector panics.
    "hung-locks": ["panic.hung_task", "hung.deadlock", "hung.rwsem", "hung.completion"],
    # A work item that never returns holds CPU 1's per-CPU worker pool, three more wait behind it
    # past the workqueue watchdog's threshold; sysrq-c. The worker calls cond_resched(), so no
    # lockup; nothing waits in D state long enough for the hung-task detector.
    "wq-stall": ["panic.sysrq", "workqueue.stall"],
    # Dumped from outside by QEMU while running: no panic, nothing stuck.
    "qemu-dump": [],
    "qemu-dump-vmcoreinfo": [],
}


def h(v):
    return int(v, 16) if isinstance(v, str) else v


def fact(f, key):
    for x in f["facts"]:
        if x["key"] == key:
            return x["value"]
    return ""


def facts_text(f):
    return "\n".join(f"{x['key']} {x['value']}" for x in f["facts"]) + "\n" + f["summary"]


def dump_of(d):
    for name in ("vmcore.kdump", "vmcore.qemu.elf"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    return os.path.join(d, "vmcore.kdump")


def report(tap, name, d):
    p = ktriage("--debuginfo", os.path.join(lab_root(), "debug"), "--json", dump_of(d), check=False)
    if not tap.ok(p.returncode == 0, f"{name}: the report succeeds", p.stderr[-2000:]):
        return None
    doc = json.loads(p.stdout)
    errs = validate(doc, SCHEMA["documents"]["report"], SCHEMA["$defs"])
    tap.ok(not errs, f"{name}: the report validates against docs/json-schema.json", errs[:6])
    return doc["report"]


def by_code(r, code):
    return [f for f in r["findings"] if f["code"] == code]


def check_ties(tap, name, r, gt, counts):
    """Each finding about the thing the ground truth recorded."""
    def tie(ok, what, diag=""):
        counts["ties"] += 1
        tap.ok(ok, f"{name}: {what}", diag)

    if name in ("nmi-stuck", "nmi-printk"):
        for f in by_code(r, "nmi.silent_cpu"):
            tie(f["cpu"] == gt["nmi"]["cpu"] and h(f["task"]) == h(gt["nmi"]["task"]),
                f"nmi.silent_cpu is CPU {gt['nmi']['cpu']}, task {gt['nmi']['comm']}", f)
            tie("NMI handler" in f["summary"] or "NMI stack" in facts_text(f),
                "nmi.silent_cpu says the CPU was already in an NMI handler", f["summary"])
            handler = gt["nmi"]["handler_func"].split()[0]
            tie(handler in fact(f, "nmi.handler") + fact(f, "nmi.handlers") + fact(f, "chain"),
                f"nmi.silent_cpu names the NMI handler {handler} (resolved, or among the registered ones)",
                facts_text(f)[:800])
        for f in by_code(r, "hung.mutex"):
            text = facts_text(f)
            tie(h(f["task"]) == h(gt["mutex"]["waiter"]["task"]),
                f"hung.mutex is about the waiter {gt['mutex']['waiter']['comm']}", f["task"])
            tie(f"{h(gt['mutex']['addr']):#x}" in text and gt["mutex"]["holder"]["comm"] in text,
                "hung.mutex names the mutex's address and its holder", text[:600])
    if name.startswith("vmx-sim"):
        silent = {f["cpu"] for f in by_code(r, "nmi.silent_cpu")}
        aborts = {f["cpu"] for f in by_code(r, "vmx.abort_on_silent_cpu")}
        tie(silent == aborts and len(silent) == 1, "the VMX abort is on the CPU that ignored the NMI",
            (silent, aborts))
        tie(r["signature"]["finding"] == "vmx.abort_on_silent_cpu",
            "the signature comes from the VMX abort", r["signature"])
    if name == "lockup":
        lock = h(gt["lockup"]["lock"])
        for f in by_code(r, "lockup.spinlock"):
            text = facts_text(f)
            tie(f"{lock:#x}" in text, "lockup.spinlock names the lock's address", text[:600])
            tie(f["cpu"] == gt["lockup"]["waiter"]["cpu"], f"lockup.spinlock is the waiter's CPU "
                f"{gt['lockup']['waiter']['cpu']}", f["cpu"])
            tie(gt["lockup"]["holder"]["comm"] in text, "lockup.spinlock names the holder as a candidate", text[:600])
    if name == "csd-hang":
        for f in by_code(r, "csd.wait"):
            text = facts_text(f)
            tie(gt["csd"]["func_name"].split()[0] in text, "csd.wait names the function", text[:600])
            tie(f"CPU {gt['csd']['target_cpu']}" in text, "csd.wait names the target CPU", text[:600])
        for f in by_code(r, "lockup.irqs_off"):
            tie(f["cpu"] == gt["csd"]["target"]["cpu"], "lockup.irqs_off is the target CPU, which never ran the "
                "call", f["cpu"])
    if name == "wq-stall":
        wq = gt["wq"]
        for f in by_code(r, "workqueue.stall"):
            text = facts_text(f)
            tie(f["cpu"] == wq["cpu"] and h(f["task"]) == h(wq["worker"]["task"]),
                f"workqueue.stall is CPU {wq['cpu']}'s pool, held by the worker {wq['worker']['comm']}",
                (f["cpu"], f["task"]))
            tie(all(f"work {h(p['work']):#x}: {p['func']} " in text for p in wq["pending"]),
                "workqueue.stall lists every pending item the guest queued, with its function", text[:800])
        sig = r["signature"]
        tie(sig["finding"] == "workqueue.stall" and wq["spinner"]["func"] in sig["text"],
            f"the signature comes from the stall and names {wq['spinner']['func']}", sig)
    if name in ("oops", "oops-again"):
        for f in by_code(r, "panic.oops.page_fault"):
            text = facts_text(f)
            tie(gt["oops"]["fault_func"] in text and "ktest_oops" in text,
                "the oops names the faulting function and its module", text[:600])
            tie(f"{h(gt['oops']['bad_addr']):x}" in text.lower(), "the oops names the fault address", text[:600])
        sig = r["signature"]
        tie(not sig["corrupted"] and gt["oops"]["fault_func"] in sig["text"] and "[ktest_oops]" in sig["text"],
            f"the signature names {gt['oops']['fault_func']} [ktest_oops]", sig)
    if name == "hung-locks":
        hl = gt["hung"]
        for f in by_code(r, "hung.deadlock"):
            text = facts_text(f)
            tie(all(hl[t]["comm"] in text for t in ("dla", "dlb")) and
                all(f"{h(hl['lock'][m]['addr']):#x}" in text for m in ("m1", "m2")),
                "the deadlock names both tasks and both mutexes", text[:600])
        for code, t in (("hung.rwsem", "wrtr"), ("hung.completion", "cmplw")):
            for f in by_code(r, code):
                tie(h(f["task"]) == h(hl[t]["task"]), f"{code} is about {hl[t]['comm']}", f["task"])


def main():
    tap = Tap()
    counts = {"findings": 0, "ties": 0, "cpus": 0}
    signatures = {}
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        r = report(tap, name, d)
        if r is None:
            continue
        gt = ground_truth(d)
        codes = sorted(f["code"] for f in r["findings"])
        want = sorted(EXPECTED.get(name, ["(no expectation written for this scenario)"]))
        counts["findings"] += len(codes)
        tap.ok(codes == want, f"{name}: exactly the findings its situation implies: {want}",
               [(f["code"], f["summary"][:160]) for f in r["findings"]])
        sev = [SEVERITY[f["severity"]] for f in r["findings"]]
        tap.ok(sev == sorted(sev, reverse=True), f"{name}: findings ranked most severe first", sev)
        # Every online CPU, each with a backtrace or why not; the silent ones marked.
        cpus = [c["cpu"] for c in r["cpus"]]
        counts["cpus"] += len(cpus)
        online = r["system"]["cpus_online"]
        tap.ok(online is not None and len(cpus) == online and all(c["backtrace"] or c["error"] for c in r["cpus"]),
               f"{name}: every online CPU ({online}) is listed with its backtrace or why not", cpus)
        silent = sorted(c["cpu"] for c in r["cpus"]
                        if c["backtrace"] and c["backtrace"]["registers_code"] == "regs.none.nmi_unanswered")
        tap.ok(silent == sorted(f["cpu"] for f in by_code(r, "nmi.silent_cpu")),
               f"{name}: each CPU that ignored the crash NMI has its finding", silent)
        pm = gt.get("console", {}).get("panic_message")
        if pm:
            tap.ok(r["system"]["panic_message"] == pm and r["system"]["panic_cpu"] == gt["console"]["panic_cpu"]
                   and r["panic_task"] and r["panic_task"]["pid"] == gt["console"]["panic_pid"],
                   f"{name}: the header's panic message, CPU and task are the guest's", r["system"])
        check_ties(tap, name, r, gt, counts)
        signatures[name] = r["signature"]
        if r["findings"]:
            tap.ok(r["signature"]["finding"] == r["findings"][0]["code"] or not r["findings"][0]["signature"],
                   f"{name}: the signature comes from the most severe finding that has one", r["signature"])
    # Signatures: one bug in two boots agrees; different bugs differ.
    if "oops" in signatures and "oops-again" in signatures:
        a, b = signatures["oops"], signatures["oops-again"]
        tap.ok(a["text"] == b["text"] and a["hash"] == b["hash"] and a["hash"],
               "oops and oops-again (one bug, two boots): the same signature and hash", (a, b))
    else:
        tap.ok(False, "oops and oops-again both reported, to compare their signatures", sorted(signatures))
    distinct = ["panic", "nmi-stuck", "vmx-sim-6.1", "lockup", "csd-hang", "oops", "hung-locks", "wq-stall"]
    have = {n: signatures[n]["text"] for n in distinct if n in signatures}
    tap.ok(len(set(have.values())) == len(have) >= 2, f"different bugs get different signatures ({len(have)} compared)",
           have)
    tap.ok(counts["findings"] > 0 and counts["ties"] > 0 and counts["cpus"] > 0,
           f"compared {counts['findings']} findings, {counts['ties']} ties to the ground truth, "
           f"{counts['cpus']} CPUs")
    tap.done()


if __name__ == "__main__":
    main()
