#!/usr/bin/env python3
"""The panic.* finding (lib/findings/panic_cause.c) on every lab dump, against the ground truth
its guest printed: exactly one panic finding of the class the scenario's death is (a sysrq
crash, an oops, a soft lockup, a hung-task panic; none for a QEMU dump of a live guest), on the
CPU and task the ground truth names; for the oops the faulting function, its module, the
faulting pc, the fault address and the signature's frames; the plain sysrq panic gives no other
finding at all; the signatures of different deaths differ. Then copies of the panic and oops
dumps whose log lines are rewritten to other deaths' wording (machine check, NMI, hard lockup,
RCU stall, panics of their own, other page-fault wording, BUG(), general protection fault,
another die()) must be classed so, the oops ones signed at the same faulting frame."""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from render_test import SCHEMA_FILE, validate  # noqa: E402
from tap import Tap, dump_alone, ground_truth, ktriage, lab_root, scenario_dir, scenarios  # noqa: E402

with open(SCHEMA_FILE) as _f:
    SCHEMA = json.load(_f)

# The class each panic message of the lab's ground truth (console.panic_message, the kernel's own
# "Kernel panic - not syncing:" text) stands for.
CLASS_OF_MESSAGE = {
    "sysrq triggered crash": "panic.sysrq",
    "softlockup: hung tasks": "panic.soft_lockup",
    "hung_task: blocked tasks": "panic.hung_task",
}


def hexint(v):
    """A ground-truth address: "ffff..." or "0x..." as the guest printed it. An older lab turned
    an all-digit hex value ("0000000000000020") into a JSON number: its digits are still hex."""
    return int(str(v), 16)


def expected_class(gt):
    if "oops" in gt:
        return "panic.oops.page_fault"
    msg = gt.get("console", {}).get("panic_message")
    return CLASS_OF_MESSAGE.get(msg, f"unknown: {msg}") if msg is not None else None


def run_json(tap, args, name, document):
    p = ktriage("--json", *args, check=False)
    if not tap.ok(p.returncode == 0, f"{name} succeeds", p.stderr[-2000:]):
        return None
    doc = json.loads(p.stdout)
    if document in SCHEMA["documents"]:
        errs = validate(doc, SCHEMA["documents"][document], SCHEMA["$defs"])
        tap.ok(not errs, f"{name}: the document validates against the schema", errs[:8])
    return doc


def facts_of(f):
    return {x["key"]: x["value"] for x in f["facts"]}


def scenario_names():
    """Every scenario the lab makes for this kernel (a missing dump fails), and every other
    scenario dump KTRIAGE_LAB holds."""
    names = scenarios()
    for d in sorted(os.listdir(lab_root())):
        if d not in names and os.path.exists(os.path.join(lab_root(), d, ".done")):
            names.append(d)
    return names


def check(tap, name, d, counts, signatures):
    gt = ground_truth(d)
    dump = os.path.join(d, "vmcore.kdump")
    if not os.path.exists(dump):
        dump = os.path.join(d, "vmcore.qemu.elf") if os.path.exists(os.path.join(d, "vmcore.qemu.elf")) else \
            os.path.join(d, "vmcore.elf")
    doc = run_json(tap, [dump, "findings"], f"{name}: findings", "findings")
    if doc is None:
        return
    want = expected_class(gt)
    panics = [f for f in doc["findings"] if f["code"].startswith("panic.")]
    if want is None:
        tap.eq([f["code"] for f in panics], [], f"{name}: no panic in the ground truth, no panic finding")
        counts[0] += 1
        return
    if not tap.eq([f["code"] for f in panics], [want], f"{name}: exactly one panic finding, {want}"):
        return
    counts[0] += 1
    f = panics[0]
    facts = facts_of(f)
    console = gt.get("console", {})
    # What the death is, by the ground truth alone: its class, and for an oops the faulting function.
    death = (want, gt["oops"]["fault_sym"].split("+")[0]) if "oops" in gt else (want, name)
    if want == "panic.sysrq":
        death = (want, "")  # every sysrq crash is the same death: by hand
    signatures[name] = (death, f["signature"])
    if want == "panic.sysrq":
        pairs = [("CPU", f["cpu"], console["panic_cpu"]), ("severity", f["severity"], "info"),
                 ("signature", f["signature"], "sysrq crash")]
        tap.ok(f'pid {console["panic_pid"]} "{console["panic_comm"]}" wrote \'c\' to /proc/sysrq-trigger'
               in facts.get("sysrq", ""), f"{name}: names the task that wrote sysrq-trigger", facts)
        counts[0] += 1
        if name == "panic":
            tap.eq([x["code"] for x in doc["findings"]], ["panic.sysrq"],
                   f"{name}: a plain sysrq crash gives the panic and no other finding")
            counts[0] += 1
        # What was reported before the crash by hand: the hung-task report of the mutex waiter.
        earlier = [v for k, v in facts.items() if k.startswith("earlier.")]
        waiter = gt.get("mutex", {}).get("waiter")
        if waiter:
            tap.ok(any(f'INFO: task {waiter["comm"]}:{waiter["pid"]} blocked' in v for v in earlier),
                   f"{name}: the hung-task report of the mutex waiter before the crash is quoted", earlier)
            counts[0] += 1
        elif name == "panic":
            tap.eq(earlier, [], f"{name}: nothing was reported before the crash")
    elif want == "panic.oops.page_fault":
        o = gt["oops"]
        module = o["fault_sym"].rsplit("[", 1)[1].rstrip("]") if "[" in o["fault_sym"] else None
        key = f'{o["fault_func"]} [{module}]' if module else o["fault_func"]
        pairs = [("CPU", f["cpu"], o["cpu"]), ("task", int(f["task"], 16), hexint(o["task"])),
                 ("severity", f["severity"], "critical"),
                 ("fault address", int(facts.get("fault_address", "-1"), 16), hexint(o["bad_addr"])),
                 ("signature", f["signature"], f"BUG: unable to handle page fault in {key}"),
                 ("signature frames", [s.split(" ")[0] for s in f["signature_frames"]],
                  [fr["func"].split(".")[0] for fr in o["frames"]][:len(f["signature_frames"])])]
        frame = facts.get("frame", "")
        tap.ok(frame.startswith("#") and f' {o["fault_func"]}+' in frame and f"[{module}]" in frame and
               f'at 0x{hexint(o["fault_pc"]):x}' in frame and "verified" in frame,
               f"{name}: the faulting frame is {o['fault_sym']} at the ground truth's pc, verified", frame)
        tap.ok(any(c.endswith(f"-c 'dis -r {o['fault_sym'].split('/')[0]}'") for c in f["commands"]),
               f"{name}: a command disassembles up to the faulting instruction", f["commands"])
        counts[0] += 2
    elif want == "panic.soft_lockup":
        pairs = [("CPU", f["cpu"], console["panic_cpu"]), ("severity", f["severity"], "critical")]
        tap.ok(f'pid {console["panic_pid"]} "{console["panic_comm"]}"' in facts.get("task", ""),
               f"{name}: the stuck CPU's task is the ground truth's", facts.get("task"))
        tap.ok(f'CPU#{console["panic_cpu"]} stuck' in facts.get("cause", ""),
               f"{name}: the watchdog's message names the CPU", facts.get("cause"))
        tap.ok(f["signature"].startswith("soft lockup in ") and not f["signature_corrupted"],
               f"{name}: signed from the interrupted frame ({f['signature']})")
        counts[0] += 3
        holder = gt.get("lockup", {}).get("holder")
        if holder and holder["cpu"] == console["panic_cpu"]:
            tap.eq(f["signature"].split(" in ", 1)[1].split(" ")[0], holder["frames"][0]["func"],
                   f"{name}: the holder's CPU spins in {holder['frames'][0]['func']}")
            counts[0] += 1
    elif want == "panic.hung_task":
        pairs = [("CPU", f["cpu"], console["panic_cpu"]), ("severity", f["severity"], "critical")]
        blocked = []
        for k, v in facts.items():
            m = re.search(r"INFO: task (.+):(\d+) blocked for .*in the dump: task (0x[0-9a-f]+) .* state (\w+)\)$", v)
            if k.startswith("blocked.") and tap.ok(m, f"{name}: {k} names the task and finds it in the dump", v):
                blocked.append((int(m.group(2)), m.group(1), int(m.group(3), 16), m.group(4)))
        # The detector reports TASK_UNINTERRUPTIBLE tasks (D in the guest's ps, UN in ktriage's)
        # that had waited past the timeout when it looked; which of them did depends on timing
        # (6.12 may panic after the first): the ones the guest's console shows reported.
        hung = {t["pid"]: (t["pid"], t["comm"], hexint(t["task"]), "UN") for t in gt.get("hung", {}).values()
                if isinstance(t, dict) and t.get("state") == "D"}
        with open(os.path.join(d, "serial.log"), errors="replace") as log:
            reported = {int(m.group(1)) for m in re.finditer(r"INFO: task .+?:(\d+) blocked for more than", log.read())}
        want_blocked = [hung[pid] for pid in sorted(reported) if pid in hung]
        tap.ok(want_blocked and len(want_blocked) == len(reported) and sorted(blocked) == want_blocked,
               f"{name}: every task the detector reported is named blocked, with its task and state as the "
               f"ground truth has it ({len(want_blocked)} of {len(hung)} in D state)", (blocked, want_blocked))
        counts[0] += 4 * len(want_blocked)
    else:
        tap.ok(False, f"{name}: a ground truth this test knows", want)
        return
    for what, got, exp in pairs:
        tap.eq(got, exp, f"{name}: {what}")
        counts[0] += 1
    # The same from the dump alone (kallsyms and BTF of Linux 6.0+), where it has them.
    if want != "panic.sysrq" and dump_alone(tap, name, dump):
        bare = run_json(tap, ["--no-debuginfo", dump, "findings"], f"{name}: findings --no-debuginfo", "findings")
        if bare:
            def key(x):
                return [(y["code"], y["cpu"], y["task"], y["signature"], y["signature_frames"])
                        for y in x["findings"] if y["code"].startswith("panic.")]
            tap.eq(key(bare), key(doc), f"{name}: the same panic finding without debug files")
            counts[0] += 1
    report = run_json(tap, [dump, "report"], f"{name}: report", "report")
    if report and f["severity"] == "critical" and f["signature"]:
        # The panic cause signs the dump unless a check that names what was stuck (a spinlock, a
        # cross-CPU call) signs it first: lib/findings/findings.c orders them so.
        r = report["report"]
        signer = next((x for x in r["findings"] if x["signature"]), None)
        tap.ok(signer is not None and r["signature"]["text"] == signer["signature"] and
               (signer["code"] == f["code"] or signer["severity"] == "critical"),
               f"{name}: the report is signed by the panic finding or a critical finding before it "
               f"({signer['code'] if signer else None})", r["signature"])
        counts[0] += 1


# Copies of real dumps whose log says another death: log records' text is rewritten in place in
# the ELF dump (same length, padded with spaces), so that every other part of the dump stays the
# kernel's own. Each variant: the rewrites [(old, new)], the expected code and signature
# ("{key}": the ground truth's faulting function and module; None: only signed).
PANIC_LINE = b"Kernel panic - not syncing: "
SYSRQ = PANIC_LINE + b"sysrq triggered crash"
NULL_BUG = b"BUG: kernel NULL pointer dereference, address: "
PAGE_FAULT_BUG = b"BUG: unable to handle page fault for address: "


def oops_lines(dump):
    """The oops dump's own page-fault BUG line and die header ("Oops: 0000 [#1] SMP NOPTI", with
    PREEMPT or not as the kernel was built), from its log."""
    p = ktriage("--json", dump, "log", check=False)
    texts = [r["text"].encode() for r in json.loads(p.stdout)["records"]] if p.returncode == 0 else []
    bug = next((t for t in texts if t.startswith(NULL_BUG)), None)
    header = next((t for t in texts if t.startswith(b"Oops: ") and b" [#" in t), None)
    return bug, header


def variants(name, d):
    """[(rewrites [(old, new)], expected code, expected signature or None)] for base scenario name."""
    if name == "panic":
        return [
            ([(SYSRQ, PANIC_LINE + b"Fatal machine check")], "panic.mce", "machine check: Fatal machine check"),
            ([(SYSRQ, PANIC_LINE + b"NMI: Not continuing")], "panic.nmi", "NMI: NMI: Not continuing"),
            ([(SYSRQ, PANIC_LINE + b"Hard LOCKUP")], "panic.hard_lockup", None),
            ([(SYSRQ, PANIC_LINE + b"RCU Stall")], "panic.rcu_stall", None),
            # "Fatal exception" without an oops before it is a panic of its own.
            ([(SYSRQ, PANIC_LINE + b"Fatal exception")], "panic.other", None),
            ([(SYSRQ, PANIC_LINE + b"ktest: gave up")], "panic.other", None),
        ]
    bug, header = oops_lines(os.path.join(d, "vmcore.kdump"))
    if not bug or not header:
        return []
    no_header = header.replace(b" [#", b" (#", 1)  # no longer a die header
    return [
        # show_fault_oops() (5.0+) for an address above the first page.
        ([(bug, PAGE_FAULT_BUG + bug[len(NULL_BUG):])], "panic.oops.page_fault",
         "BUG: unable to handle page fault in {key}"),
        ([(bug, b"kernel BUG at drivers/ktest/ktest_oops.c:42!")], "panic.bug", "kernel BUG in {key}"),
        # die("general protection fault") before 5.5, the header its own report.
        ([(bug, b"general protection fault: 0000 [#1] SMP"), (header, no_header)], "panic.oops.gpf",
         "general protection fault in {key}"),
        # Any other die(): the generic oops class.
        ([(bug, b"ktest: about to die"), (header, b"invalid opcode: 0000 [#1]")], "panic.oops", "oops in {key}"),
    ]


def check_variants(tap, counts):
    copies = {}
    cases = []
    for name in ("panic", "oops"):
        d = os.path.join(lab_root(), name)
        if os.path.exists(os.path.join(d, ".done")):  # else reported missing above
            vs = variants(name, d)
            tap.ok(vs, f"{name}: the log lines to rewrite are in its log")
            cases += [(name, d, *v) for v in vs]
    with tempfile.TemporaryDirectory() as tmp:
        for name, d, rewrites, code, signature in cases:
            src = os.path.join(d, "vmcore.elf")
            if name not in copies:
                if not tap.ok(os.path.exists(src), f"{name}: vmcore.elf exists to patch"):
                    copies[name] = None
                    continue
                copies[name] = os.path.join(tmp, f"{name}.elf")
                shutil.copyfile(src, copies[name])
            copy = copies[name]
            if not copy:
                continue
            with open(copy, "rb") as fh:
                data = fh.read()
            places = []
            for old, new in rewrites:
                at = data.find(old)
                while at >= 0:
                    places.append((at, old, new.ljust(len(old))))
                    at = data.find(old, at + 1)
            del data
            label = f"{name} with " + ", ".join(f'"{new.decode()}"' for _, new in rewrites)
            if not tap.ok(places, f"{label}: the log lines to rewrite are in the dump ({len(places)} copies)"):
                continue
            with open(copy, "r+b") as fh:
                for at, _, text in places:
                    fh.seek(at)
                    fh.write(text)
            doc = run_json(tap, [copy, "findings"], label, "findings")
            with open(copy, "r+b") as fh:
                for at, old, _ in places:
                    fh.seek(at)
                    fh.write(old)
            if not doc:
                continue
            gt = ground_truth(d)
            key = ""
            if "oops" in gt:
                o = gt["oops"]
                key = f'{o["fault_func"]} [{o["fault_sym"].rsplit("[", 1)[1].rstrip("]")}]'
            panics = [f for f in doc["findings"] if f["code"].startswith("panic.")]
            if tap.eq([f["code"] for f in panics], [code], f"{label}: one {code} finding"):
                f = panics[0]
                if signature:
                    tap.eq(f["signature"], signature.format(key=key), f"{label}: signature")
                else:
                    # Without a RIP line nor an exception frame a lockup or stall has no key frame.
                    keyless = code in ("panic.hard_lockup", "panic.rcu_stall")
                    tap.ok(f["signature"] and (not f["signature_corrupted"] or keyless),
                           f"{label}: signed ({f['signature']})")
                counts[0] += 2


def main():
    tap = Tap()
    counts = [0]
    signatures = {}
    for name in scenario_names():
        d = scenario_dir(tap, name)
        if d:
            check(tap, name, d, counts, signatures)
    # One bucket per death: dumps of the same death (the lab's second run of an oops) share a
    # signature, dumps of different deaths (a soft lockup in a spinning module, one in a CSD
    # wait) do not. A hung-task panic leaves its signature to the blocked tasks' findings.
    buckets = {}
    for name, (death, sig) in signatures.items():
        if sig:
            buckets.setdefault(death, set()).add(sig)
    tap.ok(all(len(sigs) == 1 for sigs in buckets.values()), f"each of {len(buckets)} deaths has one signature",
           buckets)
    every = [next(iter(sigs)) for sigs in buckets.values()]
    tap.ok(len(every) >= 2 and len(set(every)) == len(every), f"the {len(every)} deaths have different signatures",
           buckets)
    check_variants(tap, counts)
    tap.ok(counts[0] > 0, f"{counts[0]} facts compared with the ground truth")
    tap.done()


if __name__ == "__main__":
    main()
