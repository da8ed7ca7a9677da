#!/usr/bin/env python3
"""Call-site resolution (`bt --explain`, `callsite`) against what the test modules recorded: the
callforms catalogue (direct, retpoline, call *off(%reg), RIP-relative ops tables, a nested member
path, a patched static call, a tail call, a stale return address) and the ops-table call of the
NMI-stuck vCPU thread, with the debug files and with BTF/kallsyms only."""
import json
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, dump_alone, ground_truth, ktriage, scenario_dir  # noqa: E402

KINDS = {
    "direct": {"direct"},
    "retpoline": {"retpoline", "register"},  # the kernel may patch the thunk call to call *%reg
    "memory": {"memory"},
    "riprel_ptr": {"memory"},
    "riprel_struct": {"memory"},
    "nested": {"memory"},
    "static_call": {"static_call"},
    "tail": {"direct"},
}
# Forms whose pointer comes through a typed parameter: BTF alone names the members.
PARAM_FORMS = {"retpoline", "memory", "nested"}


def addr(v):
    return int(v, 16) if isinstance(v, str) else v


def explain(dump, pid, mode):
    p = ktriage("--json", *mode, dump, "bt", "--explain", "--stale", str(pid), check=False)
    if p.returncode:
        return None, p.stderr
    return json.loads(p.stdout)["backtraces"][0], p.stderr


def frame_at(stack, pc):
    for f in stack["frames"]:
        if f["pc"] and addr(f["pc"]) == pc:
            return f
    return None


def check_form(tap, label, dump, name, cf, mode, with_dwarf, module_btf=True):
    stack, err = explain(dump, cf["pid"], mode)
    if not tap.ok(stack is not None, f"{label}: bt --explain {cf['pid']}", err):
        return
    f = frame_at(stack, addr(cf["ret"]))
    if not tap.ok(f is not None and f.get("call_site"), f"{label}: frame returning to {cf['ret_sym']}",
                  json.dumps(stack["frames"], indent=1)[:3000]):
        return
    cs = f["call_site"]
    diag = json.dumps(cs, indent=1)
    tap.ok(cs["kind"] in KINDS[name], f"{label}: kind {cs['kind']} in {sorted(KINDS[name])}", diag)
    tap.eq(cs["caller"], cf["caller"], f"{label}: the call is in {cf['caller']}")
    target = addr(cs["target"]["address"]) if cs["target"] else None
    if name == "tail":
        tap.eq(target, addr(cf["via_addr"]), f"{label}: the call reaches {cf['via']}")
        tap.eq(cs["verdict"], "tail_call", f"{label}: {cf['via']} tail-called {cf['callee']}")
        tap.ok(cf["callee"] in cs["reason"] and cf["via"] in cs["reason"], f"{label}: the reason names both", diag)
        return
    tap.eq(target, addr(cf["callee_addr"]), f"{label}: target is {cf['callee']}")
    tap.eq(cs["verdict"], "matches", f"{label}: verdict", )
    values = {addr(v["value"]) for v in cs["values"]}
    if name == "static_call":
        tap.ok(cf["key"] in (cs["expression"] or ""), f"{label}: names the static call key {cf['key']}", diag)
    if name in ("riprel_ptr", "riprel_struct"):
        tap.ok(cf["global"] in (cs["expression"] or ""), f"{label}: expression names {cf['global']}", diag)
    if name in ("memory", "riprel_ptr", "nested", "retpoline"):
        tap.ok(addr(cf["object"]) in values, f"{label}: the object {cf['object']} holding the pointer is "
               f"among the values read", diag)
    if "outer_object" in cf:
        tap.ok(addr(cf["outer_object"]) in values, f"{label}: the outer object {cf['outer_object']} too", diag)
    # Without its BTF or DWARF the module's parameter types are unknown: no member path then.
    if "member" in cf and ((name in PARAM_FORMS and module_btf) or with_dwarf):
        tap.ok((cs["expression"] or "").endswith(cf["member"]),
               f"{label}: expression {cs['expression']!r} ends with the member path {cf['member']}", diag)


def check_stale(tap, label, dump, cf, mode):
    stack, err = explain(dump, cf["pid"], mode)
    if not tap.ok(stack is not None, f"{label}: bt --stale {cf['pid']}", err):
        return
    slot, value = addr(cf["slot"]), addr(cf["value"])
    stale = [s for s in stack["stale"] if s["slot"] and addr(s["slot"]) == slot]
    tap.ok(stale and addr(stale[0]["pc"]) == value and stale[0]["status"] == "stale",
           f"{label}: {cf['value_sym']} left at {cf['slot']} is reported stale",
           json.dumps(stack["stale"], indent=1)[:2000])
    tap.ok(not any(f["pc"] and addr(f["pc"]) == value and f["slot"] and addr(f["slot"]) == slot
                   for f in stack["frames"]), f"{label}: and is not a frame")


def saved_slots(dump, pid, mode):
    """{(slot, register)} that `bt -f` marks as saved by a prologue."""
    p = ktriage(*mode, dump, "bt", "-f", str(pid), check=False)
    return {(m[1], m[2]) for m in re.finditer(r"^\s+([0-9a-f]{16}): [0-9a-f]{16}\s+saved (\w+)", p.stdout, re.M)}


def check_saved_registers(tap, dump, cf):
    """The registers each callee saved, from the vmlinux's DWARF CFI and, without debug info, from
    the callee's own pushes: the same slots. The call-site values depend on them."""
    with_cfi = saved_slots(dump, cf["pid"], ())
    tap.ok(len(with_cfi) >= 6, f"bt -f {cf['pid']}: callee-saved registers found ({len(with_cfi)})")
    if dump_alone(tap, "callforms", dump):
        from_code = saved_slots(dump, cf["pid"], ("--no-debuginfo",))
        tap.eq(from_code, with_cfi, f"bt -f {cf['pid']}: prologue pushes give the slots DWARF CFI gives")


def check_dis_marks(tap, dump, cf, debug_args):
    """`dis` names what an indirect call reads and, for a global table, where it goes."""
    for name in ("riprel_ptr", "riprel_struct"):
        f = cf[name]
        p = ktriage("--json", *debug_args, dump, "dis", f["caller"], check=False)
        lines = json.loads(p.stdout)["instructions"] if p.returncode == 0 else []
        marked = [l["call_site"] for l in lines if "call_site" in l]
        ok = len(marked) == 1 and marked[0]["target"] and addr(marked[0]["target"]["address"]) == \
            addr(f["callee_addr"]) and marked[0]["expression"].endswith(f["member"])
        tap.ok(ok, f"dis {f['caller']}: the call through {f['path']} is marked with its target",
               json.dumps(marked, indent=1) + p.stderr)
        text = ktriage(*debug_args, dump, "dis", f["caller"], check=False).stdout
        tap.ok(f"<{f['callee']}>" in text and f["member"] in text, f"dis {f['caller']}: text marks it too", text)


def untyped(expression, offset):
    """The form a call through a member takes when no type names it: *(... + 0xOFF)."""
    return bool(re.fullmatch(r"\*\(.* \+ " + hex(offset) + r"\)", expression or ""))


def check_nmi(tap, label, dump, gt, mode, typed=True):
    nmi = gt["nmi"]
    p = ktriage("--json", *mode, dump, "bt", "-c", str(nmi["cpu"]), "--explain", check=False)
    if not tap.ok(p.returncode == 0, f"{label}: bt -c {nmi['cpu']} --explain", p.stderr):
        return
    frames = json.loads(p.stdout)["backtraces"][0]["frames"]
    caller = nmi["frames"][1]
    f = frame_at({"frames": frames}, addr(caller["pc"]))
    if not tap.ok(f is not None and f.get("call_site"), f"{label}: frame {caller['func']}"):
        return
    cs = f["call_site"]
    diag = json.dumps(cs, indent=1)
    tap.eq(addr(cs["target"]["address"]) if cs["target"] else None, addr(nmi["run"]),
           f"{label}: the ops call reaches {nmi['run_func']}")
    tap.eq(cs["verdict"], "matches", f"{label}: verdict")
    values = {addr(v["value"]) for v in cs["values"]}
    tap.ok(addr(nmi["vcpu"]) in values and addr(nmi["ops"]) in values,
           f"{label}: vcpu {nmi['vcpu']} and its ops table {nmi['ops']} are among the values", diag)
    if typed:
        tap.ok((cs["expression"] or "").endswith("ops->run"), f"{label}: expression {cs['expression']!r} "
               f"names the ops member (offset {nmi['run_offset']})", diag)
    else:  # a module without BTF and without its debug file has no types
        tap.ok(untyped(cs["expression"], nmi["run_offset"]), f"{label}: expression {cs['expression']!r} "
               f"reads the ops member at offset {nmi['run_offset']}, unnamed", diag)


def check_vmx_ops(tap, label, dump, vmx, mode, typed=True):
    """The seed's call: vcpu_enter_guest -> kvm_x86_ops->run (3.10: through a global pointer to
    the ops table; the simulated 6.1 layout keeps the same form) on the CPU the vCPU thread ran."""
    frames = vmx["frames"]
    caller = next(f for f in frames if f["func"] == "vcpu_enter_guest")
    p = ktriage("--json", *mode, dump, "bt", str(vmx["task"]["pid"]), "--explain", check=False)
    if not tap.ok(p.returncode == 0, f"{label}: bt {vmx['task']['pid']} --explain", p.stderr):
        return
    stack = json.loads(p.stdout)["backtraces"][0]
    f = frame_at(stack, addr(caller["ret"]))
    cs = f.get("call_site") if f else None
    if not tap.ok(cs is not None, f"{label}: vcpu_enter_guest's call site"):
        return
    diag = json.dumps(cs, indent=1)
    ops = vmx["ops"]
    tap.eq(addr(cs["target"]["address"]) if cs["target"] else None, addr(ops["run"]), f"{label}: ops->run reaches vmx_vcpu_run")
    tap.eq(cs["verdict"], "matches", f"{label}: verdict")
    values = {addr(v["value"]) for v in cs["values"]}
    tap.ok(addr(ops["table"]) in values, f"{label}: the ops table pointer {ops['table']} read from {ops['ptr']}", diag)
    if typed:
        tap.ok((cs["expression"] or "").endswith("->run"), f"{label}: {cs['expression']!r} is the pointer's run "
               f"member (offset {ops['run_offset']})", diag)
    else:
        tap.ok(untyped(cs["expression"], ops["run_offset"]), f"{label}: {cs['expression']!r} reads the run member "
               f"at offset {ops['run_offset']}, unnamed (no types for the module)", diag)


def check_pv_ops(tap, dump):
    """A paravirt call patched into a direct call: flush_tlb_mm_range calls flush_tlb_multi(),
    which is PVOP_VCALL2(mmu.flush_tlb_multi, ...) (arch/x86/include/asm/paravirt.h, 6.1; the
    op was flush_tlb_others before 5.11, whichever of the two the kernel has)."""
    op = "flush_tlb_multi"
    if ktriage(dump, "sym", "native_flush_tlb_multi", check=False).returncode != 0:
        op = "flush_tlb_others"
    p = ktriage("--json", dump, "dis", "flush_tlb_mm_range", check=False)
    lines = json.loads(p.stdout)["instructions"] if p.returncode == 0 else []
    calls = [l for l in lines if l["kind"] == "call" and f"<native_{op}>" in l["text"]]
    if not tap.ok(len(calls) == 1, f"flush_tlb_mm_range calls native_{op} once", p.stderr):
        return
    ret = hex(addr(calls[0]["address"]) + len(calls[0]["bytes"].split()))
    cs = json.loads(ktriage("--json", dump, "callsite", ret).stdout)
    tap.ok(cs["kind"] == "pv_ops" and cs["expression"] == f"pv_ops.mmu.{op}",
           f"the direct call is the patched pv_ops.mmu.{op} site (the vmlinux records paravirt sites: .parainstructions, or .altinstructions from 6.8)",
           json.dumps(cs, indent=1))
    if not dump_alone(tap, "panic", dump):
        return
    cs = json.loads(ktriage("--json", "--no-debuginfo", dump, "callsite", ret).stdout)
    tap.ok(cs["kind"] == "direct" and cs["target"]["symbol"] == f"native_{op}",
           "without the vmlinux (the kernel freed the table) it is a direct call", json.dumps(cs, indent=1))


def check_panic_chain(tap, dump):
    """The panicking task's chain crosses a .cold part (__handle_sysrq -> __handle_sysrq.cold, a
    jump) and two tail calls (x64_sys_call -> __x64_sys_write -> ksys_write): every call site
    must still agree with the frame above."""
    stack = json.loads(ktriage("--json", dump, "bt", "--explain").stdout)["backtraces"][0]
    sites = [f["call_site"] for f in stack["frames"] if f.get("call_site") and f["call_site"]["kind"] != "none"]
    bad = [(s["caller"], s["verdict"], s["reason"]) for s in sites if s["verdict"] not in ("matches", "tail_call")]
    tap.ok(len(sites) >= 8 and not bad, f"panic task: all {len(sites)} call sites agree with the frame above", bad)
    cold = [s for s in sites if ".cold" in s["reason"]]
    if ktriage(dump, "sym", "__handle_sysrq.cold", check=False).returncode == 0:
        tap.ok(len(cold) == 1 and cold[0]["verdict"] == "matches", "the call into __handle_sysrq matches its .cold part",
               json.dumps(cold, indent=1))
    else:  # the compiler kept __handle_sysrq whole (6.12's Debian build): the call matches it directly
        print("# panic: the kernel has no __handle_sysrq.cold: the chain crosses no .cold part")
        into = [s for s in sites if s["caller"] == "write_sysrq_trigger"]
        tap.ok(not cold and len(into) == 1 and into[0]["verdict"] == "matches"
               and into[0]["target"]["symbol"] == "__handle_sysrq",
               "the call into __handle_sysrq matches it, no .cold part named", json.dumps(into + cold, indent=1))
    two = [s for s in sites if s["caller"] == "do_syscall_64"]
    tap.ok(len(two) == 1 and two[0]["verdict"] == "tail_call" and "__x64_sys_write" in two[0]["reason"],
           "do_syscall_64 reaches ksys_write through two tail calls", json.dumps(two, indent=1))


def check_hostile_addresses(tap, dump):
    """Any address at all: text, data, module space, garbage. Each answer is a call site or an
    error that says why, never a crash (the ASan build runs this too)."""
    rng = random.Random(7)
    text = int(ktriage(dump, "sym", "_stext").stdout.split()[0], 16)
    addrs = [text + rng.randrange(0, 0x1400000) for _ in range(150)]
    addrs += [rng.getrandbits(64) for _ in range(50)] + [0, 1, 0xffffffffffffffff, 0xffff800000000000]
    exe = os.environ.get("KTRIAGE", "ktriage")
    p = subprocess.run([exe, dump, "shell"], input="".join(f"callsite {a:#x}\n" for a in addrs) + "quit\n",
                       capture_output=True, text=True, timeout=600)
    answers = p.stdout.count("call site:") + len([l for l in p.stderr.splitlines() if l.startswith("ktriage: ")])
    tap.ok(p.returncode == 0 and answers >= len(addrs), f"callsite on {len(addrs)} arbitrary addresses: "
           f"each answered ({answers}), no crash", p.stderr[-1500:])


def modes_with_dwarf(tap, d, dump, debug):
    """--debuginfo for the lab's debug tree; where the dump alone has no kallsyms (before 6.0)
    the kernel's debug tree too, as the vmlinux is then needed."""
    if dump_alone(tap, os.path.basename(d), dump):
        return ("--no-default-debuginfo", "--debuginfo", debug)
    return ("--no-default-debuginfo", "--debuginfo", kernel_dbg(d), "--debuginfo", debug)


def kernel_dbg(d):
    """The directory the scenario's debug vmlinux was extracted to (.../RELEASE/dbg)."""
    vmlinux = os.path.realpath(os.path.join(d, "vmlinux"))
    return vmlinux[:vmlinux.index("/usr/lib/debug/")]


def main():
    tap = Tap()
    d = scenario_dir(tap, "callforms")
    if d:
        gt = ground_truth(d)
        dump = os.path.join(d, "vmcore.kdump")
        debug = os.path.join(os.path.dirname(d), "debug")
        # The kernel accepted the module's BTF (btf.NAME, lab/README.md); 5.10 has no module BTF.
        module_btf = gt.get("btf", {}).get("ktest_callforms") == "yes"
        if not module_btf:
            print("# callforms: ktest_callforms has no BTF on this kernel: member paths need its DWARF")
        debug_args = modes_with_dwarf(tap, d, dump, debug)
        modes = [((), False, "vmlinux"), (debug_args, True, "module DWARF")]
        if dump_alone(tap, "callforms", dump):
            modes.append((("--no-debuginfo",), False, "no debuginfo"))
        for mode, with_dwarf, tag in modes:
            for name in KINDS:
                if name in gt["cf"]:
                    check_form(tap, f"callforms {name} ({tag})", dump, name, gt["cf"][name], mode, with_dwarf,
                               module_btf)
                else:
                    tap.ok(False, f"callforms: ground truth has cf.{name}")
            check_stale(tap, f"callforms stale ({tag})", dump, gt["cf"]["stale"], mode)
        check_saved_registers(tap, dump, gt["cf"]["memory"])
        check_dis_marks(tap, dump, gt["cf"], debug_args)
        # Without a stack only globals are known: the RIP-relative table resolves, an argument not.
        rs = gt["cf"]["riprel_struct"]
        p = ktriage("--json", dump, "callsite", rs["ret"], rs["callee"], check=False)
        cs = json.loads(p.stdout) if p.returncode == 0 else {}
        tap.ok(cs.get("target") and addr(cs["target"]["address"]) == addr(rs["callee_addr"])
               and cs["verdict"] == "matches", "callsite: a RIP-relative ops table without a stack", p.stdout + p.stderr)
        mem = gt["cf"]["memory"]
        p = ktriage("--json", dump, "callsite", mem["ret"], check=False)
        cs = json.loads(p.stdout) if p.returncode == 0 else {}
        tap.ok(cs.get("verdict") == "undetermined" and cs.get("reason_code") == "undetermined.target_unknown"
               and "entered" in cs.get("reason", ""),
               "callsite: an argument without a stack is named as what is missing", p.stdout + p.stderr)
    for name in ("vmx-sim-3.10", "vmx-sim-6.1"):
        d = scenario_dir(tap, name)
        if d:
            vmx = ground_truth(d)["vmx"]
            # The module (no BTF) has types where its debug file is: the lab's debug tree, or the
            # scenario's directory of modules given beside the kernel's debug tree.
            for mode, tag, typed in (((), "vmlinux", False), (("--no-debuginfo",), "no debuginfo", False),
                                     (("--no-default-debuginfo", "--debuginfo",
                                       os.path.join(os.path.dirname(d), "debug")), "module DWARF",
                                      True),
                                     (("--debuginfo", kernel_dbg(d), "--debuginfo", d), "vmlinux, module DWARF",
                                      True)):
                check_vmx_ops(tap, f"{name} ({tag})", os.path.join(d, "vmcore.kdump"), vmx, mode, typed)
    d = scenario_dir(tap, "panic")
    if d:
        check_pv_ops(tap, os.path.join(d, "vmcore.kdump"))
        check_hostile_addresses(tap, os.path.join(d, "vmcore.kdump"))
        check_panic_chain(tap, os.path.join(d, "vmcore.kdump"))
    d = scenario_dir(tap, "nmi-stuck")
    if d:
        gt = ground_truth(d)
        dump = os.path.join(d, "vmcore.kdump")
        alone = dump_alone(tap, "nmi-stuck", dump)
        # Where the kernel's headers ship a vmlinux (6.12), kbuild gives every out-of-tree module
        # BTF: the kernel accepted it (btf.ktest_stuck) and member names come from it.
        btf = gt.get("btf", {}).get("ktest_stuck") == "yes"
        for mode, tag, typed in (((), "vmlinux", btf), (("--no-debuginfo",), "no debuginfo", btf),
                                 (("--debuginfo", kernel_dbg(d), "--debuginfo", d), "vmlinux, module DWARF", True),
                                 (("--no-default-debuginfo", "--debuginfo", os.path.join(os.path.dirname(d), "debug")),
                                  "module DWARF", True)):
            # Without kallsyms in the dump, only modes that name the vmlinux apply.
            if alone or (mode and kernel_dbg(d) in mode):
                check_nmi(tap, f"nmi-stuck ({tag})", dump, gt, mode, typed)
    tap.done()


if __name__ == "__main__":
    main()
