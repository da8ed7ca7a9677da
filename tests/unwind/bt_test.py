#!/usr/bin/env python3
"""`ktriage bt` on every lab dump: the return addresses the test modules recorded, the NMI chain of
a CPU that saved no registers, stale values kept out of the chain, both symbol modes, and drgn's
traces of sleeping tasks."""
import bisect
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, dump_alone, dump_files, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_bt.py")
STATUSES = {"verified", "inferred", "stale"}


def vmlinux_functions(vmlinux, cache={}):
    """The vmlinux's text symbols (nm), link-time address order."""
    if vmlinux not in cache:
        out = subprocess.run(["nm", "-n", vmlinux], capture_output=True, text=True).stdout
        cache[vmlinux] = [(int(f[0], 16), f[2]) for f in (line.split() for line in out.splitlines())
                          if len(f) == 3 and f[1] in "tTwW"]
    return cache[vmlinux]


def vmlinux_functions_address(vmlinux, name):
    return next(a for a, n in vmlinux_functions(vmlinux) if n == name)


def returns_after_call(vmlinux, kaslr, pc):
    """Whether the instruction before return address PC (a vmlinux address) is a call: objdump
    of the vmlinux from the start of PC's function up to PC, not ktriage's own reading."""
    link = pc - kaslr
    funcs = vmlinux_functions(vmlinux)
    i = bisect.bisect_right([a for a, _ in funcs], link - 1) - 1
    if i < 0:
        return False
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--start-address={funcs[i][0]:#x}",
                          f"--stop-address={link:#x}", vmlinux], capture_output=True, text=True).stdout
    insns = [line for line in out.splitlines() if re.match(r"\s*[0-9a-f]+:\s", line)]
    # An alternative patched in at boot can be longer than the file's instruction, which the
    # file pads with nops (CALL_NOSPEC: "call *%rbx" + nops, run as a call to a retpoline thunk).
    while insns and re.match(r"\s*[0-9a-f]+:\s+nop", insns[-1]):
        insns.pop()
    return bool(insns) and re.match(r"\s*[0-9a-f]+:\s+call", insns[-1]) is not None


def task_address(task):
    """A task as the lab records it: an address, or an object with one (vmx.task.addr)."""
    if isinstance(task, dict):
        task = task.get("addr") or task.get("address")
    return task if isinstance(task, str) else hex(task)


def recorded_chains(node, path=""):
    """(path, task address, [{func, pc}...]) for every object with frames and a task."""
    if isinstance(node, dict):
        if isinstance(node.get("frames"), list) and "task" in node:
            yield path, task_address(node["task"]), node["frames"]
        for k, v in node.items():
            yield from recorded_chains(v, f"{path}.{k}" if path else k)


def module_debug_files(dump, d):
    """The debug file of every module loaded in the dump, for drgn: the lab's test modules (beside
    the dumps) and Debian's (the -dbg package in the kernel cache); [] if one is missing."""
    mods = json.loads(ktriage("--json", dump, "mod").stdout)["modules"]
    cache = os.environ.get("KTRIAGE_CACHE", os.path.expanduser("~/.cache/ktriage"))
    roots = [os.path.join(os.path.dirname(d), "debug")] + glob.glob(os.path.join(cache, "kernel", "*", "dbg"))
    files = {}
    for root in roots:
        for f in glob.glob(os.path.join(root, "**", "*.ko"), recursive=True):
            files.setdefault(os.path.basename(f)[:-3].replace("-", "_"), f)
    found = [files.get(m["name"].replace("-", "_")) for m in mods]
    return found if all(found) else []


def bt(dump, *args, mode=()):
    p = ktriage("--json", *mode, dump, "bt", *args, check=False)
    return (json.loads(p.stdout)["backtraces"] if p.returncode == 0 else None), p.stderr


def check_chain(tap, name, label, stacks, recorded):
    frames = stacks[0]["frames"] if stacks else []
    by_pc = {int(f["pc"], 16): f for f in frames if f["pc"]}
    last = -1
    for i, rec in enumerate(recorded):
        # vmx-sim records "ret" (the return address into func), the others "pc".
        where = rec.get("pc") or rec.get("ret")
        if not where:
            continue
        rec = dict(rec, pc=where)
        # A frame-pointer record (callforms cf.fp: func, ret, bp) holds func's own return
        # address, which is a pc in its caller: the next record's func, or the kthread code.
        want_func = rec["func"]
        if "bp" in rec:
            want_func = recorded[i + 1]["func"] if i + 1 < len(recorded) else None
        pc = int(where, 16)
        f = by_pc.get(pc)
        ok = f is not None and want_func in (None, f["function"]) and f["status"] != "stale"
        idx = frames.index(f) if f else -1
        tap.ok(ok and idx > last, f"{name}: {label} frame {i} {rec['func']} at {rec['pc']}",
               f"frames: {[(x['function'], x['pc'], x['status']) for x in frames]}")
        last = max(last, idx)


def check_nmi_cpu(tap, name, gt, dump):
    """The CPU that ignored the crash NMI (nmi-stuck, vmx-sim): chain through the NMI pt_regs."""
    for key in ("nmi", "vmx"):
        info = gt.get(key)
        task = info.get("task") if info else None
        cpu = info.get("cpu") if info else None
        if cpu is None and isinstance(task, dict):
            cpu = task.get("cpu")
        if cpu is None:
            continue
        cpu = str(cpu)
        stacks, err = bt(dump, "-c", cpu)
        if not tap.ok(stacks, f"{name}: bt -c {cpu}", err):
            return
        s = stacks[0]
        tap.ok(s["registers_code"] == "regs.none.nmi_unanswered",
               f"{name}: CPU {cpu} has no registers, and says why (regs.none.nmi_unanswered)",
               (s["registers_code"], s["note"]))
        frames = s["frames"]
        names = [f["function"] for f in frames]
        regs = [f for f in frames if "pt_regs" in f]
        tap.ok(regs and regs[0]["stack"] == "task stack" and regs[0]["status"] == "verified",
               f"{name}: the interrupted context starts at the NMI pt_regs", names)
        want_regs = info.get("regs") or info.get("nmi", {}).get("regs")
        if regs and want_regs:
            tap.eq(int(regs[0]["pt_regs"]["address"], 16), int(want_regs, 16),
                   f"{name}: pt_regs at the address the module recorded")
        pc = info.get("interrupted_pc") or info.get("nmi", {}).get("ip")
        if regs and pc:
            tap.eq(int(regs[0]["pc"], 16), int(pc, 16), f"{name}: the interrupted pc is exact")
        above = names[:frames.index(regs[0])] if regs else names
        tap.ok("exc_nmi" in above and "default_do_nmi" in above,
               f"{name}: exc_nmi and default_do_nmi above the pt_regs", above)
        tap.ok("__schedule" not in names, f"{name}: no leftover __schedule frame in the chain", names)
        stale = [f["function"] for f in s["stale"]]
        if key == "nmi":
            tap.ok("__schedule" in stale, f"{name}: the leftover __schedule is reported stale", stale)
        tap.ok(all(f["status"] in STATUSES and f["reason"] for f in frames + s["stale"]),
               f"{name}: every frame has a status and a reason")


def check_saved_registers(tap, dump):
    """bt -f names the slot where the crashing function's prologue pushed its first register:
    the push right after the ftrace call site saves that register at CFA - 16."""
    stacks, err = bt(dump)
    if not tap.ok(stacks and len(stacks[0]["frames"]) > 1, "panic: bt for bt -f", err):
        return
    f0, f1 = stacks[0]["frames"][0], stacks[0]["frames"][1]
    start = int(f0["pc"], 16) - f0["offset"]
    d = ktriage("--json", dump, "dis", hex(start), "4", check=False)
    insns = json.loads(d.stdout)["instructions"] if d.returncode == 0 else []
    # Its first push follows the ftrace call site, and on v6.2+ kernels a padding nop before it.
    # Before 5.19 the ftrace site is patched to 66 66 66 66 90 ("data16 ... xchg %ax,%ax", the
    # 5-byte nop of arch/x86/include/asm/nops.h), since then to "nopl 0x0(%rax,%rax,1)".
    def is_nop(i):
        words = [w for w in i["text"].split() if w not in ("data16", "cs")]
        return words[:1] in (["nop"], ["nopw"], ["nopl"]) or words == ["xchg", "%ax,%ax"]
    first = next((i for i in insns if not is_nop(i)), None)
    push = first["text"].split() if first else []
    if not tap.ok(push[:1] == ["push"], f"panic: {f0['function']} pushes a register after its nops", insns):
        return
    reg = push[1].lstrip("%")
    slot = int(f1["sp"], 16) - 16
    text = ktriage(dump, "bt", "-f", check=False).stdout
    line = next((l for l in text.splitlines() if l.strip().startswith(f"{slot:016x}:")), "")
    tap.ok(f"saved {reg}" in line, f"panic: bt -f marks {slot:016x} as saved {reg}", line or text[-800:])


def check_lockup(tap, gt, dump):
    """A panic from the soft-lockup watchdog runs on the IRQ stack: bt walks from there through
    the interrupt's pt_regs to the task stack, down to the thread's first frame."""
    stacks, err = bt(dump)
    if not tap.ok(stacks, "lockup: bt of the panic CPU", err):
        return
    frames = stacks[0]["frames"]
    where = [f["stack"] for f in frames]
    # The entry code called the handler from the task stack (its frame is there); the handler
    # switched to the IRQ stack; the interrupted function's pc comes from the pt_regs.
    crossing = where.index("task stack") if "task stack" in where else None
    interrupted = [f for f in frames[crossing or 0:] if "pt_regs" in f and f["stack"] == "task stack"]
    tap.ok(crossing and interrupted and all(w == "IRQ stack" for w in where[:crossing])
           and all(w == "task stack" for w in where[crossing:]),
           f"lockup: bt walks from the IRQ stack ({where.count('IRQ stack')} frames) through pt_regs to the "
           f"task stack ({where.count('task stack')} frames)",
           ([(f["function"], f["stack"]) for f in frames], stacks[0]["note"]))
    names = [f["function"] for f in frames]
    # Both threads spin with interrupts on; the watchdog fires on whichever CPU it catches first
    # (the waiter's on most runs, the holder's on some): the panic CPU's thread is the one to see.
    on_cpu = [r for r in ("waiter", "holder") if gt["lockup"][r].get("cpu") == gt["console"]["panic_cpu"]]
    want = [r["func"] for r in gt["lockup"][on_cpu[0] if on_cpu else "waiter"]["frames"]]
    tap.ok(all(w in names[crossing or 0:] for w in want) and stacks[0]["note_code"] == "stop.end_of_stack",
           f"lockup: the interrupted thread's frames {want} follow, to the end of its stack",
           (names, stacks[0]["note"]))
    tap.ok(all(f["status"] == "verified" for f in frames), "lockup: every frame verified",
           [(f["function"], f["status"], f["reason"]) for f in frames if f["status"] != "verified"])


# The code that starts a CPU's first stack: it either pushes an address for unwinders and
# far-returns (secondary_startup_64 until v6.x: stop.stack_start) or calls the C entry point
# (common_startup_64 in v6.12: its ORC entry ends the stack, stop.end_of_stack).
STARTUP_CODE = ("secondary_startup_64", "common_startup_64", "startup_64")


def check_idle_stacks(tap, name, all_stacks):
    """Idle tasks end at the code that started their CPU: the stack's normal end, not an error."""
    idle = [s for s in all_stacks if s["task"]["pid"] == 0]
    good = [s for s in idle if s["frames"] and (s["frames"][-1]["function"] or "").startswith(STARTUP_CODE)
            and (s["note_code"], s["frames"][-1]["reason_code"]) in
            (("stop.stack_start", "ret.stack_start"), ("stop.end_of_stack", "ret.call_fits"))]
    tap.ok(idle and len(good) == len(idle),
           f"{name}: {len(good)} of {len(idle)} idle tasks end at the CPU's startup code, the start of their stack",
           [(s["task"]["comm"], s["note_code"], s["note"]) for s in idle if s not in good])


def check_nmi_printk(tap):
    """CPU 1's NMI handler printed a line, printk returned, and it spins: the handler is the
    innermost frame the stack proves, printk only a candidate, with the log record as evidence."""
    d = scenario_dir(tap, "nmi-printk")
    if not d:
        return
    gt = ground_truth(d)
    info = gt["nmi"]
    p = info["printk"]
    handler = p["handler_func"].split()[0]  # "%ps" adds " [module]"
    dump = os.path.join(d, "vmcore.kdump")
    cpu = str(info.get("cpu", 1))
    stacks, err = bt(dump, "-c", cpu)
    if not tap.ok(stacks and len(stacks[0]["frames"]) > 2, f"nmi-printk: bt -c {cpu}", err):
        return
    frames = stacks[0]["frames"]
    top, holder = frames[0], frames[1]
    tap.ok(top["function"] == p["callee"] and top["reason_code"] == "rebuilt.candidate_callee"
           and top["status"] == "inferred" and not top["pc"],
           f"nmi-printk: #0 {p['callee']} is only a candidate (rebuilt.candidate_callee, pc unknown)",
           (top["function"], top["reason_code"], top["reason"]))
    tap.ok(holder["function"] == handler and int(holder["pc"], 16) == int(p["ret"], 16)
           and int(holder["slot"], 16) == int(p["ret_slot"], 16)
           and "innermost frame the stack proves" in holder["reason"],
           f"nmi-printk: #1 {handler} at the recorded return address {p['ret']} (slot "
           f"{p['ret_slot']}) is the innermost frame the stack proves",
           (holder["function"], holder["pc"], holder["slot"], holder["reason"]))
    log = json.loads(ktriage("--json", dump, "log").stdout)["records"]
    tap.ok(any(r["text"] == p["line"] for r in log), f"nmi-printk: the log holds the line: {p['line']}")
    # Until v5.15 printk from NMI context went through a per-CPU buffer that the panicking CPU
    # flushed (printk_safe_flush_on_panic): the record then carries that CPU's caller id.
    flushed = ktriage(dump, "sym", "printk_safe_flush_on_panic", check=False).returncode == 0
    if not flushed:
        tap.ok("complete record" in top["reason"] and p["line"][:40] in top["reason"],
               "nmi-printk: the candidate's reason cites the complete log record CPU 1 wrote", top["reason"])
    names = [f["function"] for f in frames]
    tap.ok("exc_nmi" in names and any("pt_regs" in f for f in frames),
           "nmi-printk: the chain goes on through exc_nmi and the NMI pt_regs", names)


def check_read_ahead(tap, name, d):
    """Every file format (zlib, lzo, uncompressed, flattened, ELF, QEMU): the same traces of every
    task whether a second thread reads ahead (forced on ELF files too) or not."""
    for path in dump_files(d):
        label = f"{name}/{os.path.basename(path)}"
        one, err1 = bt(path, "--all-tasks", mode=["--read-ahead=never"])
        two, err2 = bt(path, "--all-tasks", mode=["--read-ahead=always"])
        # Every task of the dump (as many as ps lists: 46 to 64 in the lab's guests), not a few.
        p = ktriage("--json", path, "ps", check=False)
        tasks = {int(t["task"], 16) for t in json.loads(p.stdout)["tasks"]} if p.returncode == 0 else set()
        traced = {int(s["task"]["address"], 16) for s in one or []}
        tap.ok(one is not None and tasks and traced == tasks and one == two,
               f"{label}: bt --all-tasks the same reading ahead or not ({len(one or [])} tasks, "
               f"ps lists {len(tasks)})", (err1 + err2 + p.stderr)[-1500:])


# What drgn 0.0.22 says on kernels it cannot unwind: 6.4+ modules (struct module has mem[], no
# core_size) and 6.12's ORC (a new entry type).
DRGN_CANNOT = ("'struct module' has no member 'core_size'", "unknown ORC entry type")


def main():
    tap = Tap()
    check_nmi_printk(tap)
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        gt = ground_truth(d)
        dump = os.path.join(d, "vmcore.kdump")
        qemu = not os.path.exists(dump)
        if qemu:
            dump = os.path.join(d, "vmcore.qemu.elf")
        check_read_ahead(tap, name, d)
        stacks, err = bt(dump, "-a")
        if not tap.ok(stacks is not None and len(stacks) == gt["sys"]["cpus"], f"{name}: bt -a", err):
            continue
        for s in stacks:
            if s["registers_source"].startswith("none"):
                continue
            tap.ok(s["frames"] and s["frames"][0]["status"] == "verified",
                   f"{name}: CPU {s['cpu']} starts from its saved registers ({s['registers_source']})",
                   s["note"])
            if qemu:
                tap.ok("QEMU" in s["registers_source"], f"{name}: CPU {s['cpu']} registers from QEMU's note")
        if (qemu and "vmcoreinfo" not in name) or dump_alone(tap, name, dump):
            plain, _ = bt(dump, "-a", mode=["--no-debuginfo"]) if not (qemu and "vmcoreinfo" not in name) else (stacks, "")
            tap.eq([[f["pc"] for f in s["frames"]] for s in plain or []],
                   [[f["pc"] for f in s["frames"]] for s in stacks], f"{name}: bt -a without debug info: same frames")
        if not qemu:
            check_nmi_cpu(tap, name, gt, dump)
        if name == "panic":
            check_saved_registers(tap, dump)
        if name == "lockup":
            check_lockup(tap, gt, dump)
        for label, task, frames in recorded_chains(gt):
            stacks, err = bt(dump, task)
            if tap.ok(stacks, f"{name}: bt {label}.task", err):
                check_chain(tap, name, label, stacks, frames)
        if qemu:
            continue
        module_debug = module_debug_files(dump, d)
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux"), *module_debug],
                           capture_output=True, text=True, timeout=600)
        cannot = [m for m in DRGN_CANNOT if m in o.stderr]
        if o.returncode != 0 and cannot:
            n = len(list(recorded_chains(gt)))
            print(f"# {name}: drgn 0.0.22 cannot trace this kernel's tasks ({cannot[0]}): "
                  f"no drgn comparison; the guest's ground truth is compared instead ({n} recorded chains above)")
            continue
        if not tap.ok(o.returncode == 0, f"{name}: drgn traces the sleeping tasks", o.stderr[-1500:]):
            continue
        # drgn repeats a pc for each inlined function there and ends with the user-space pc.
        def kernel_frames(pcs):
            out = []
            for p in pcs:
                if int(p, 16) >= 0xffff800000000000 and (not out or out[-1] != p):
                    out.append(p)
            return out
        want = {k: kernel_frames(v) for k, v in json.loads(o.stdout).items() if isinstance(v, list)}
        all_stacks, err = bt(dump, "--all-tasks")
        check_idle_stacks(tap, name, all_stacks or [])
        # kdump-compressed files are read ahead on a second thread: the same answer as on one.
        one_thread, err1 = bt(dump, "--all-tasks", mode=["--read-ahead=never"])
        tap.ok(all_stacks is not None and all_stacks == one_thread,
               f"{name}: bt --all-tasks reading ahead on a second thread equals reading on one", err1)
        text = [ktriage(*m, dump, "bt", "--all-tasks", "-f", check=False).stdout
                for m in ([], ["--read-ahead=never"], ["--read-ahead=always"])]
        tap.ok(len(text[0]) > 1000 and text[0] == text[1] == text[2],
               f"{name}: bt --all-tasks -f text the same reading ahead (auto, always) or not")
        got_by_task = {hex(int(st["task"]["address"], 16)): [hex(int(f["pc"], 16)) for f in st["frames"] if f["pc"]]
                       for st in all_stacks or []}
        # Tasks whose chains the modules recorded are checked against that above; drgn 0.0.22
        # gets some of them wrong (from a module frame it continues into another stack).
        recorded = {hex(int(t, 16)) for _, t, _ in recorded_chains(gt)}
        mism, beyond_drgn = [], []
        vmlinux = os.path.join(d, "vmlinux")
        kaslr = int(gt["sys"]["stext"], 16) - vmlinux_functions_address(vmlinux, "_stext")
        for task, pcs in want.items():
            if hex(int(task, 16)) in recorded:
                continue
            got = got_by_task.get(hex(int(task, 16)), err)
            # drgn given only the vmlinux has no unwind data for module code: at the first module
            # frame it stops, or guesses from %rbp (which these kernels do not keep as a frame
            # pointer) and continues into garbage. Its pcs count up to that frame only; the rest
            # of such chains is checked against what the modules recorded (callsite_test).
            # With the modules' debug files (module_debug_files) it unwinds them too.
            first_module = next((i for i, p in enumerate(pcs) if int(p, 16) >= 0xffffffffc0000000), None)
            if first_module is not None and not module_debug:
                pcs = pcs[:first_module + 1]
                got = got[:first_module + 1] if isinstance(got, list) else got
            # drgn 0.0.22 stops at a module function entered by a tail call (5.10's
            # kvm_vm_worker_thread jumps to kvm_nx_lpage_recovery_worker, which returns into
            # kthread): where ktriage agrees up to drgn's last frame and goes on, each further
            # return address must follow a call instruction (objdump of the vmlinux).
            if (isinstance(got, list) and pcs and len(got) > len(pcs) and got[:len(pcs)] == pcs and
                    all(int(p, 16) < 0xffffffffc0000000 and returns_after_call(vmlinux, kaslr, int(p, 16))
                        for p in got[len(pcs):])):
                beyond_drgn.append(task)
                continue
            if got != pcs:
                mism.append((task, got, pcs))
        if beyond_drgn:
            print(f"# {name}: drgn stops early on {len(beyond_drgn)} tasks ({', '.join(beyond_drgn[:3])}); "
                  "ktriage's further frames each return after a call in the vmlinux (objdump)")
        tap.ok(not mism, f"{name}: {len(want)} sleeping tasks unwind as drgn unwinds them "
               f"({len(beyond_drgn)} further than drgn, proven by the calls before their return addresses)",
               mism[:3])
    tap.done()


if __name__ == "__main__":
    main()
