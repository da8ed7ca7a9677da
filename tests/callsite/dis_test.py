#!/usr/bin/env python3
"""`ktriage dis` against objdump: functions of the panic dump and of the nmi-stuck dump's test
module are disassembled by ktriage, their bytes (from its JSON) are disassembled again by
objdump, and both must agree on every instruction's address, mnemonic and operands. Then crash's
habits (whole function for a name, one instruction for an address, -r), symbolic targets, the
code as it ran rather than as vmlinux has it, call sites of the recorded return addresses, and
clear failures."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ground_truth, ktriage, scenario_dir  # noqa: E402

PANIC_FUNCS = ["schedule", "__schedule", "sysrq_handle_crash", "panic", "copy_process"]
LINE = re.compile(r"^0x([0-9a-f]{16})(?: <([^>+]+)(?:\+(\d+))?>)?:\t(.+)$")


def norm(text):
    """An instruction's text without annotations (objdump's "# addr <sym>", "<sym+0x10>") and
    with whitespace collapsed."""
    text = re.sub(r"\s+#.*$", "", text)
    text = re.sub(r"\s+<[^>]*>$", "", text)
    return " ".join(text.split())


def objdump_bytes(code, vma):
    """objdump's reading of raw bytes at vma: [(address, text)]."""
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(code)
        f.flush()
        out = subprocess.run(["objdump", "-D", "-z", "-b", "binary", "-m", "i386:x86-64",
                              f"--adjust-vma=0x{vma:x}", "--no-show-raw-insn", f.name],
                             capture_output=True, text=True, check=True).stdout
    lines = []
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t(.*)$", line)
        if m:
            lines.append((int(m.group(1), 16), norm(m.group(2))))
    return lines


def dis_json(tap, dump, label, *args):
    p = ktriage("--json", dump, "dis", *args, check=False)
    if not tap.ok(p.returncode == 0, f"{label}: dis {' '.join(args)} succeeds", p.stderr):
        return None
    try:
        return json.loads(p.stdout)["instructions"]
    except ValueError as e:
        tap.ok(False, f"{label}: dis {' '.join(args)} --json parses", e)
        return None


def check_against_objdump(tap, label, lines, start=None):
    """The lines follow each other from start; objdump reads their bytes the same way."""
    if not tap.ok(bool(lines), f"{label}: has instructions"):
        return
    addrs = [int(l["address"], 16) for l in lines]
    code = b"".join(bytes.fromhex(l["bytes"]) for l in lines)
    gaps = [hex(a) for a, l, n in zip(addrs, lines, addrs[1:]) if a + len(bytes.fromhex(l["bytes"])) != n]
    tap.ok(not gaps and (start is None or addrs[0] == start),
           f"{label}: {len(lines)} instructions, contiguous from the function's start", gaps[:5])
    want = objdump_bytes(code, addrs[0])
    got = [(a, norm(l["text"])) for a, l in zip(addrs, lines)]
    diff = next(((g, w) for g, w in zip(got, want) if g != w), None)
    if diff is None and len(got) != len(want):
        diff = (got[len(want):len(want) + 1], want[len(got):len(got) + 1])
    tap.ok(diff is None, f"{label}: every instruction reads as objdump reads it ({len(want)})",
           f"ktriage: {diff[0]}\nobjdump: {diff[1]}" if diff else None)


def check_panic(tap, d):
    dump = os.path.join(d, "vmcore.kdump")
    funcs = {}
    for name in PANIC_FUNCS:
        lines = dis_json(tap, dump, "panic", name)
        if lines is None:
            continue
        funcs[name] = lines
        tap.ok(all(l["symbol"] == name for l in lines) and lines[0]["offset"] == 0,
               f"panic: dis {name} is the whole of {name}, from offset 0",
               [(l["address"], l["symbol"], l["offset"]) for l in lines if l["symbol"] != name][:3])
        check_against_objdump(tap, f"panic: {name}", lines)
        kinds = {l["kind"] for l in lines}
        tap.ok(kinds <= {"call", "jmp", "jcc", "ret", "other"} and
               all((l["target"] is None) == (l["kind"] not in ("call", "jmp", "jcc") or "*" in l["text"])
                   for l in lines),
               f"panic: {name}: kinds are known and direct transfers have a target")
    if "schedule" not in funcs or "__schedule" not in funcs:
        return
    sched = funcs["schedule"]
    target = funcs["__schedule"][0]["address"]
    calls = [l for l in sched if l["kind"] == "call" and l["target"] == target]
    tap.ok(len(calls) == 1 and calls[0]["text"].endswith(f"call   {int(target, 16):#x} <__schedule>"),
           "panic: schedule calls __schedule, named <__schedule>", calls)

    # RIP-relative data is named, per-CPU variables (%gs-relative) by their offset.
    riprel = [l["text"] for l in funcs["panic"] if "(%rip)" in l["text"]]
    unnamed = [t for t in riprel if not re.search(r"        # 0x[0-9a-f]+ <[^>]+>$", t)]
    tap.ok(any("%gs:" in t for t in riprel) and not unnamed,
           f"panic: panic's {len(riprel)} RIP-relative operands are named, per-CPU ones too", unnamed[:5])

    # The text form is crash's: address, <symbol+decimal offset>, a tab, the instruction.
    p = ktriage(dump, "dis", "schedule", check=False)
    text = p.stdout.splitlines()
    parsed = [LINE.match(t) for t in text]
    tap.ok(p.returncode == 0 and len(text) == len(sched) and all(parsed) and
           all(int(m.group(1), 16) == int(l["address"], 16) and m.group(2) == "schedule" and
               int(m.group(3) or 0) == l["offset"] and m.group(4) == l["text"]
               for m, l in zip(parsed, sched)),
           "panic: dis schedule prints crash's lines: 0xADDR <schedule+OFF>:<tab>TEXT", text[:3])

    # crash: an address alone is one instruction, with a count that many; -r ends at ADDR.
    if calls:
        call = calls[0]
        idx = sched.index(call)
        one = ktriage(dump, "dis", call["address"][2:], check=False).stdout.splitlines()
        tap.ok(len(one) == 1 and one[0] == text[idx], "panic: dis ADDR (hex, no 0x) is one instruction", one)
        three = dis_json(tap, dump, "panic", call["address"], "3")
        tap.ok(three == sched[idx:idx + 3], "panic: dis ADDR 3 is three instructions", three)
        rev = dis_json(tap, dump, "panic", "-r", f"schedule+{call['offset']}")
        tap.ok(rev == sched[:idx + 1], f"panic: dis -r schedule+{call['offset']} runs from the start to the call")
        rev_mid = dis_json(tap, dump, "panic", "-r", f"schedule+{call['offset'] + 2:#x}")
        tap.ok(rev_mid == sched[:idx + 1], "panic: dis -r on an address inside an instruction includes it")

    # ftrace patched the compiler's call to __fentry__ into a NOP: the dump's code, not vmlinux's.
    sysinfo = json.loads(ktriage("--json", dump, "sys").stdout)
    kaslr = int(sysinfo["kaslr_offset"], 16) if sysinfo.get("kaslr_offset") else 0
    # With CONFIG_X86_KERNEL_IBT (6.2+) the function starts with endbr64 and the call follows it.
    first = 1 if sched[0]["text"] == "endbr64" and len(sched) > 1 else 0
    start = int(sched[first]["address"], 16) - kaslr
    o = subprocess.run(["objdump", "-d", f"--start-address=0x{start:x}", f"--stop-address=0x{start + 5:x}",
                        os.path.join(d, "vmlinux")], capture_output=True, text=True)
    # The kernel's 5-byte NOP (arch/x86/include/asm/nops.h): BYTES_NOP5 since 5.15; before, the
    # "ideal" NOP for the CPU, K8_NOP5_ATOMIC on AMD CPUs such as QEMU's qemu64.
    nop5 = {"0f 1f 44 00 00": "nopl   0x0(%rax,%rax,1)", "66 66 66 66 90": "data16 data16 data16 xchg %ax,%ax"}
    tap.ok("__fentry__" in o.stdout and nop5.get(sched[first]["bytes"]) == sched[first]["text"],
           "panic: schedule starts with ftrace's NOP where vmlinux calls __fentry__",
           f"dump: {sched[first]}\nvmlinux: {o.stdout[-300:]}")

    # Addresses without code fail with the reason and status 1; bad usage is status 2.
    for args, why in [(["jiffies"], "data symbol"), (["0xffff800000000000"], "0xffff800000000000"),
                      (["no_such_function_xyz"], "no_such_function_xyz")]:
        p = ktriage(dump, "dis", *args, check=False)
        tap.ok(p.returncode == 1 and why in p.stderr and not p.stdout.strip(),
               f"panic: dis {args[0]} fails with status 1 saying '{why}'", p.stderr or p.stdout)
    for args in [[], ["schedule", "0"], ["-r", "-f", "schedule"], ["schedule", "x"]]:
        p = ktriage(dump, "dis", *args, check=False)
        tap.ok(p.returncode == 2, f"panic: dis {' '.join(args)} is a usage error", p.stderr)


def call_before(tap, dump, label, pc):
    """The instruction that ends at return address pc is a call."""
    lines = dis_json(tap, dump, label, "-r", f"{pc - 1:#x}")
    if lines:
        last = lines[-1]
        end = int(last["address"], 16) + len(bytes.fromhex(last["bytes"]))
        tap.ok(last["kind"] == "call" and end == pc,
               f"{label}: the instruction before return address {pc:#x} is a call ({last['text']})", last)


def check_nmi_stuck(tap, d):
    dump = os.path.join(d, "vmcore.kdump")
    nmi = ground_truth(d).get("nmi")
    if not tap.ok(bool(nmi), "nmi-stuck: ground truth records the NMI"):
        return
    # handler_func is "%ps" of the handler: "NAME [MODULE]".
    for func, addr in [(nmi["handler_func"].split()[0], nmi["handler"]), (nmi["run_func"], nmi["run"])]:
        lines = dis_json(tap, dump, "nmi-stuck", func)
        if lines is not None:
            tap.ok(all(l["symbol"] == func for l in lines), f"nmi-stuck: dis {func} names the module's function")
            check_against_objdump(tap, f"nmi-stuck: {func} (ktest_stuck)", lines, int(addr, 16))
    # Where the NMI interrupted it: -r ends on that instruction, inside ktest_svm_vcpu_run.
    pc = int(nmi["interrupted_pc"], 16)
    lines = dis_json(tap, dump, "nmi-stuck", "-r", nmi["interrupted_pc"])
    if lines:
        tap.ok(int(lines[-1]["address"], 16) == pc and lines[-1]["symbol"] == nmi["run_func"] and
               int(lines[0]["address"], 16) == int(nmi["run"], 16),
               f"nmi-stuck: dis -r {nmi['interrupted_pc']} runs from {nmi['run_func']} to the interrupted instruction",
               lines[-1])
    for frame in nmi["frames"][1:]:
        if "pc" in frame:
            call_before(tap, dump, "nmi-stuck", int(frame["pc"], 16))


def main():
    tap = Tap()
    d = scenario_dir(tap, "panic")
    if d:
        check_panic(tap, d)
    d = scenario_dir(tap, "nmi-stuck")
    if d:
        check_nmi_stuck(tap, d)
    tap.done()


if __name__ == "__main__":
    main()
