#!/usr/bin/env python3
"""Source lines and inlined frames (bt -l, dis -l) against eu-addr2line on the same debug files:
the debug vmlinux at the unrelocated address, module debug files at the section offset. Also the
notices: a module without a debug file, one whose build-id is not the loaded module's."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import Tap, dump_alone, ktriage, lab_root, scenario_dir  # noqa: E402

LINE = re.compile(r"^(.*?):(\d+)(?::\d+)?$")


def same_rows(got, want):
    """eu-addr2line prints the kernel's relative line-table names below its build directory
    ("debian/build/build_amd64_none_amd64/kernel/panic.c"); libdwfl's dwfl_lineinfo, which ktriage
    uses, gives "kernel/panic.c". Same file: equal, or one a suffix of the other at a '/'."""
    if got is None or len(got) != len(want):
        return False
    for (gf, gl), (wf, wl) in zip(got, want):
        if gl != wl or not (gf == wf or wf.endswith("/" + gf) or gf.endswith("/" + wf)):
            return False
    return True


def addr2line(elf, addrs, inlines, section=None):
    """eu-addr2line's answers, one list of (file, line) per address."""
    args = ["eu-addr2line", "-e", elf] + (["-i"] if inlines else []) + ([f"--section={section}"] if section else [])
    if not inlines:  # one line per address: all in one run
        p = subprocess.run(args + [hex(a) for a in addrs], capture_output=True, text=True, check=True)
        rows = [LINE.match(line.strip()) for line in p.stdout.splitlines()]
        return [[(m.group(1), int(m.group(2))) if m else ("??", 0)] for m in rows]
    # With -i an address prints a variable number of lines: run one address at a time.
    out = []
    for a in addrs:
        p = subprocess.run(args + [hex(a)], capture_output=True, text=True, check=True)
        rows = []
        for line in p.stdout.splitlines():
            m = LINE.match(line.strip())
            rows.append((m.group(1), int(m.group(2))) if m else (line, 0))
        out.append(rows)
    return out


def sys_json(dump, *opts):
    return json.loads(ktriage(*opts, "--json", dump, "sys").stdout)


def cache_kernel(release):
    cache = os.environ.get("KTRIAGE_CACHE", os.path.expanduser("~/.cache/ktriage"))
    return os.path.join(cache, "kernel", release, "dbg")


def vmlinux_of(dump):
    mode = sys_json(dump)["symbols"]
    m = re.match(r"vmlinux (\S+) ", mode)
    return m.group(1) if m else None


def frame_rows(f):
    """ktriage's answer in eu-addr2line -i's order: innermost inlined first, the frame's own last."""
    rows = [(i["file"], i["line"]) for i in f["inlined"]]
    if f["source"]:
        rows.append((f["source"]["file"], f["source"]["line"]))
    return rows


def check_bt_vmlinux(t, d):
    dump = os.path.join(d, "vmcore.elf")
    vm = vmlinux_of(dump)
    if not t.ok(vm is not None, "panic: the debug vmlinux is found"):
        return
    kaslr = int(sys_json(dump)["kaslr_offset"], 16)
    stacks = json.loads(ktriage("--json", dump, "bt", "-a", "-l").stdout)["backtraces"]
    frames = [f for s in stacks for f in s["frames"] if f["pc"] and f["function"] and not f["module"]]
    t.ok(len(frames) >= 5, f"panic: bt -a -l has vmlinux frames ({len(frames)})")
    addrs = []
    for f in frames:
        pc = int(f["pc"], 16)
        # Return addresses are looked up at the call (pc - 1); a CPU's own pc as it is.
        addrs.append((pc if f["slot"] is None else pc - 1) - kaslr)
    want = addr2line(vm, addrs, inlines=True)
    inlined = 0
    for f, a, w in zip(frames, addrs, want):
        got = frame_rows(f)
        inlined += len(f["inlined"])
        t.ok(same_rows(got, w), f"panic: {f['function']}+{f['offset']:#x} at {a:#x}: lines and inlined frames as eu-addr2line -i",
             f"got:  {got}\nwant: {w}")
    t.ok(inlined > 0, f"panic: some frames have inlined functions ({inlined})")
    text = ktriage(dump, "bt", "-l").stdout
    t.ok("(inlined) " in text and "source lines: vmlinux " in text,
         "panic: bt -l text shows (inlined) lines and names the debug file", text)


def check_dis_vmlinux(t, d):
    dump = os.path.join(d, "vmcore.elf")
    vm = vmlinux_of(dump)
    kaslr = int(sys_json(dump)["kaslr_offset"], 16)
    for fn in ("panic", "__crash_kexec"):
        insns = json.loads(ktriage("--json", dump, "dis", "-l", fn).stdout)["instructions"]
        addrs = [int(i["address"], 16) - kaslr for i in insns]
        want = [rows[0] for rows in addr2line(vm, addrs, inlines=False)]
        got = [(i["source"]["file"], i["source"]["line"]) if i["source"] else None for i in insns]
        t.ok(all(same_rows([g] if g else None, [w]) for g, w in zip(got, want)) and len(got) == len(want),
             f"panic: dis -l {fn}: the line of each of its {len(insns)} instructions as eu-addr2line",
             f"got:  {got}\nwant: {want}")
    text = ktriage(dump, "dis", "-l", "panic", "3").stdout.splitlines()
    t.ok(re.match(r"^\S+\.c: \d+$", text[0]) is not None, "panic: dis -l text starts with FILE: LINE", text)


def module_dis(t, dump, opts, module, fn, ko, label):
    """dis -l of a module function against eu-addr2line on its debug file at the .text offset."""
    nm = subprocess.run(["nm", ko], capture_output=True, text=True, check=True).stdout
    value = next(int(l.split()[0], 16) for l in nm.splitlines() if l.split()[-1] == fn)
    insns = json.loads(ktriage(*opts, "--json", dump, "dis", "-l", fn).stdout)["instructions"]
    text_base = int(insns[0]["address"], 16) - value
    want = [rows[0] for rows in addr2line(ko, [int(i["address"], 16) - text_base for i in insns], False, ".text")]
    got = [(i["source"]["file"], i["source"]["line"]) if i["source"] else i.get("source_unavailable") for i in insns]
    t.ok(all(isinstance(g, tuple) and same_rows([g], [w]) for g, w in zip(got, want)) and len(got) == len(want),
         f"{label}: dis -l {fn} [{module}]: lines of its {len(insns)} instructions as eu-addr2line on {os.path.basename(ko)}",
         f"got:  {got}\nwant: {want}")


def check_lab_module(t, d, debug, kernel):
    dump = os.path.join(d, "vmcore.elf")
    ko = glob.glob(os.path.join(debug, "lib/modules/*/extra/ktest_callforms.ko"))
    if not t.ok(len(ko) == 1, "callforms: the lab's ktest_callforms.ko with DWARF exists", debug):
        return
    opts = ["--debuginfo", debug, "--debuginfo", kernel]
    module_dis(t, dump, opts, "ktest_callforms", "ktcf_direct_callee", ko[0], "callforms")
    text = ktriage(*opts, dump, "bt", "-a", "-l").stdout
    t.ok(re.search(r"source lines: module ktest_callforms: \S+ktest_callforms\.ko \(build-id [0-9a-f]+ matches", text)
         is not None or "ktest_callforms" not in text, "callforms: bt -l names the module's debug file and its check", text)

    # No debug file for the module: a notice, and the symbols still come from its kallsyms.
    p = ktriage("--debuginfo", kernel, dump, "dis", "-l", "ktcf_direct_callee", "2")
    t.ok("no debug file" in p.stdout and "ktest_callforms" in p.stdout and "<ktcf_direct_callee>" in p.stdout,
         "callforms: a module without a debug file: notice, kallsyms symbols kept", p.stdout)
    j = json.loads(ktriage("--debuginfo", kernel, "--json", dump, "dis", "-l", "ktcf_direct_callee", "1").stdout)["instructions"]
    t.ok(j[0]["source"] is None and "no debug file" in j[0]["source_unavailable"],
         "callforms: JSON says why there is no source", j)

    # A copy with another build-id: refused, both ids named.
    with tempfile.TemporaryDirectory() as tmp:
        rel = os.path.relpath(ko[0], debug)
        bad = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(bad))
        shutil.copy(ko[0], bad)
        notes = subprocess.run(["readelf", "-n", ko[0]], capture_output=True, text=True, check=True).stdout
        real = re.search(r"Build ID: ([0-9a-f]+)", notes).group(1)
        data = bytearray(open(bad, "rb").read())
        at = data.find(bytes.fromhex(real))
        data[at:at + 4] = bytes(b ^ 0xff for b in data[at:at + 4])
        open(bad, "wb").write(data)
        fake = bytes(data[at:at + len(real) // 2]).hex()
        p = ktriage("--debuginfo", tmp, "--debuginfo", kernel, dump, "dis", "-l", "ktcf_direct_callee", "1")
        t.ok("refused" in p.stdout and real in p.stdout and fake in p.stdout and bad in p.stdout,
             f"callforms: a debug file with build-id {fake} for the module's {real} is refused, both named", p.stdout)


def check_debian_module(t, d):
    """kvm_amd's code, with Debian's debug file found in the default places."""
    dump = os.path.join(d, "vmcore.elf")
    release = sys_json(dump)["release"]
    ko = glob.glob(os.path.join(cache_kernel(release), "usr/lib/debug/lib/modules", release, "**", "kvm-amd.ko"),
                   recursive=True)
    if not t.ok(len(ko) == 1, "kvm-svm: Debian's kvm-amd.ko debug file is in the lab cache"):
        return
    module_dis(t, dump, [], "kvm_amd", "svm_vcpu_run", ko[0], "kvm-svm")
    p = ktriage("--json", dump, "p", "kvm_x86_ops")
    t.ok(p.returncode == 0, "kvm-svm: p kvm_x86_ops prints without -t (type from DWARF)", p.stderr)
    p = ktriage(dump, "whatis", "kvm_x86_ops")
    t.ok(p.returncode == 0, "kvm-svm: whatis kvm_x86_ops", p.stderr)


def check_no_dwarf(t, d):
    dump = os.path.join(d, "vmcore.elf")
    if not dump_alone(t, "panic", dump):
        return
    p = ktriage("--no-debuginfo", dump, "bt", "-l")
    t.ok("need the debug vmlinux" in p.stdout, "panic: --no-debuginfo: bt -l says source lines need the debug files",
         p.stdout)
    p = ktriage("--no-debuginfo", dump, "dis", "-l", "panic", "1")
    t.ok("need the debug vmlinux" in p.stdout and "<panic>" in p.stdout,
         "panic: --no-debuginfo: dis -l says so and still disassembles", p.stdout)


def main():
    t = Tap()
    if shutil.which("eu-addr2line") is None:
        t.ok(False, "eu-addr2line is installed (elfutils; scripts/install-deps.sh)")
        t.done()
    d = scenario_dir(t, "panic")
    if d:
        check_bt_vmlinux(t, d)
        check_dis_vmlinux(t, d)
        check_no_dwarf(t, d)
    d = scenario_dir(t, "callforms")
    if d:
        release = sys_json(os.path.join(d, "vmcore.elf"))["release"]
        check_lab_module(t, d, os.path.join(lab_root(), "debug"), cache_kernel(release))
    d = scenario_dir(t, "kvm-svm")
    if d:
        check_debian_module(t, d)
    t.done()


main()
