#!/usr/bin/env python3
"""Module types from the modules' DWARF: the lab's test modules carry no BTF (as out-of-tree
modules), so `whatis`, `whatis -r`, `struct`, `union`, `member-at` and `p` on their types and
globals come from their debug files, converted on demand. Layouts are compared member by member
with pahole reading the same .ko; values and offsets with what each module printed (ground
truth). Modes: the debug vmlinux with a plain directory of modules (the scenario's), the lab's
debug tree alone (kernel types from the dump's BTF), and the kernel's own types from DWARF too
(--types=dwarf: the vmlinux's BTF grows while module types are made). Also: the namesake module
(kvm_intel, ours, against Debian's kvm-intel.ko of another build-id in the kernel's debug tree)
and the messages for a module with neither BTF nor a debug file."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, dump_has_kallsyms, ground_truth, ktriage, lab_root, scenario_dir  # noqa: E402
from module_types_test import has_btf, kt_json, number, pahole, pahole_offset  # noqa: E402

# Scenario: (module, its own types and kernel types as its DWARF has them, a type for whatis -r).
MODULES = {
    "nmi-stuck": ("ktest_stuck", ["ktest_vcpu", "ktest_vcpu_ops", "task_struct", "timer_list"], "ktest_vcpu"),
    "kvm-svm": ("ktest_kvminfo", ["vcpu_svm_head", "kvm_vmcb_info", "kvm_files", "vmcb", "kvm_vcpu"],
                "vcpu_svm_head"),
    "vmx-sim-6.1": ("ktest_vmx61", ["vcpu_vmx", "loaded_vmcs", "vmcs", "vmcs_host_state", "vmx_uret_msr",
                                    "kvm_x86_ops_sim", "kvm_vcpu"], "loaded_vmcs"),
    "vmx-sim-3.10": ("kvm_intel", ["vcpu_vmx", "loaded_vmcs", "vmcs", "shared_msr_entry", "kvm_x86_ops_sim",
                                   "kvm_vcpu"], "vcpu_vmx"),
}


def kernel_dbg(d):
    """The directory the scenario's debug vmlinux was extracted to (.../RELEASE/dbg)."""
    vmlinux = os.path.realpath(os.path.join(d, "vmlinux"))
    return vmlinux[:vmlinux.index("/usr/lib/debug/")]


def pahole_bits(ko, struct):
    """{bitfield: its first bit from the start of struct} of the top level, as pahole prints them
    (the storage unit's offset, then the bit within it)."""
    out = subprocess.run(["pahole", "-C", struct, ko], capture_output=True, text=True, check=True).stdout
    bits = {}
    for line in out.split("\n}")[0].splitlines():
        m = re.match(r"^\t(?!\t).*?(\w+):\d+;\s*/\*\s*(\d+):\s*(\d+)\s", line)
        if m:
            bits[m.group(1)] = int(m.group(2)) * 8 + int(m.group(3))
    return bits


def check_layouts(tap, label, mode, module, ko, types):
    """Bitfields are compared by their first bit: ktriage gives the byte that holds it and the bit
    within that byte, pahole the storage unit's offset and the bit within the unit."""
    compared, diffs = 0, []
    # The module's types follow its kernel (kvm_vmcb_info, struct kvm_vmcb_info of 5.13 and later):
    # those its DWARF has.
    absent = [t for t in types if pahole(ko, t)[1] is None]
    if absent:
        print(f"# {label}: not in {os.path.basename(ko)} for this kernel: {' '.join(absent)}")
    types = [t for t in types if t not in absent]
    for t in types:
        members, size = pahole(ko, t)
        bits = pahole_bits(ko, t)
        got, err = kt_json(*mode, "whatis", f"{module}:{t}")
        if not got:
            diffs.append((t, err))
            continue
        mine = {m["name"]: (m["offset"] * 8 + m.get("bit_offset", 0) if m.get("bit_size") else m["offset"],
                            m["size"], m.get("bit_size", 0)) for m in got["members"] if m["name"]}
        theirs = {n: (bits[n] if b else o, s, b) for n, (o, s, _, b, _) in members.items()}
        compared += len(theirs)
        if got["size"] != size:
            diffs.append((t, "size", got["size"], size))
        diffs += [(t, n, mine.get(n), theirs[n]) for n in theirs if mine.get(n) != theirs[n]]
        raw = subprocess.run(["pahole", "-C", t, ko], capture_output=True, text=True, check=True).stdout
        diffs += [(t, n, "not in pahole") for n in mine if n not in theirs and not re.search(rf"\b{n}\[\]", raw)]
    tap.ok(compared > 0 and not diffs, f"{label}: whatis {module}:T for {len(types)} types: sizes and {compared} "
           f"members' offset, size and bit size as pahole reads {os.path.basename(ko)}", diffs[:8])


def flatten(members, prefix=""):
    for m in members:
        if not m.get("name"):
            continue
        path = prefix + m["name"]
        yield path, m
        if m.get("members"):
            yield from flatten(m["members"], path + ".")


def check_expanded(tap, label, mode, module, ko, t):
    """whatis -r: every nested member, at its offset from the start of the outer type."""
    got, err = kt_json(*mode, "whatis", "-r", f"{module}:{t}")
    if not tap.ok(got is not None, f"{label}: whatis -r {module}:{t}", err):
        return
    compared, diffs = 0, []
    for path, m in flatten(got["members"]):
        if "." not in path:
            continue
        try:
            want = pahole_offset(ko, t, path)
        except (KeyError, TypeError, subprocess.CalledProcessError):
            continue  # a member of an anonymous struct or union: pahole_offset names only named levels
        compared += 1
        if m["offset"] != want:
            diffs.append((path, m["offset"], want))
    tap.ok(compared >= 5 and not diffs, f"{label}: whatis -r {module}:{t}: {compared} nested members at the "
           f"offsets pahole gives", diffs[:8])
    text = ktriage(*mode, "whatis", "-r", f"{module}:{t}", check=False).stdout
    tap.ok(text.count("{") > 1 and f"type = struct {t} {{" in text, f"{label}: whatis -r text expands nested types",
           text[:400])


def members_at(mode, t, off):
    got, err = kt_json(*mode, "member-at", t, str(off))
    return [m["path"] for m in got["members"]] if got else [err]


def check_offsets(tap, label, mode, module, checks):
    """member-at MODULE:TYPE OFF names the member the module printed the offset of."""
    bad = [(t, off, path, members_at(mode, f"{module}:{t}", off)) for t, off, path in checks]
    bad = [b for b in bad if not any(p == b[2] or p.startswith(b[2] + ".") for p in b[3])]
    tap.ok(checks and not bad, f"{label}: member-at on {module}'s types: {len(checks)} offsets the module printed "
           f"name their members", bad)


def check_vmx(tap, label, mode, module, gt):
    vmx = gt["vmx"]
    off, size = vmx["offset"], vmx["sizeof"]
    for t, key in (("vcpu_vmx", "vcpu_vmx"), ("kvm_vcpu", "kvm_vcpu"), ("loaded_vmcs", "loaded_vmcs"),
                   ("vmx_msr_entry", "vmx_msr_entry")):
        got, err = kt_json(*mode, "whatis", f"{module}:{t}")
        tap.eq(got["size"] if got else err, size[key], f"{label}: sizeof(struct {t}) is what {module} printed")
    checks = [("vcpu_vmx", off["loaded_vmcs"], "loaded_vmcs"), ("vcpu_vmx", off["vmcs01"], "vmcs01"),
              ("loaded_vmcs", off["loaded_vmcs_cpu"], "cpu"), ("loaded_vmcs", off["loaded_vmcs_launched"], "launched"),
              ("loaded_vmcs", off["loaded_vmcs_link"], "loaded_vmcss_on_cpu_link.next"),
              ("vmcs", off["vmcs_abort"], "abort"), ("kvm_vcpu", off["kvm_vcpu_cpu"], "cpu"),
              ("kvm_vcpu", off["kvm_vcpu_mode"], "mode"), ("kvm_vcpu", off["kvm_vcpu_vcpu_id"], "vcpu_id")]
    if "host_rsp" in off and vmx["layout"] == "3.10":
        checks.append(("vcpu_vmx", off["host_rsp"], "host_rsp"))
    check_offsets(tap, label, mode, module, checks)
    # Values: the objects the module printed, read through its types.
    lv = vmx["loaded_vmcs"]
    got, err = kt_json(*mode, "struct", f"{module}:loaded_vmcs.cpu,launched", "0x" + lv["addr"])
    v = {m["name"]: number(m["value"]) for m in got["value"]} if got else err
    tap.eq(v, {"cpu": lv["cpu"], "launched": bool(lv["launched"])},
           f"{label}: struct {module}:loaded_vmcs at {lv['addr']} holds what the module printed")
    got, err = kt_json(*mode, "struct", f"{module}:vcpu_vmx.loaded_vmcs,vcpu.vcpu_id,vcpu.cpu", "0x" + vmx["vcpu_vmx"])
    v = {m["name"]: number(m["value"]) for m in got["value"]} if got else err
    tap.eq(v, {"loaded_vmcs": int(lv["addr"], 16), "vcpu.vcpu_id": vmx["vcpu"]["vcpu_id"],
               "vcpu.cpu": vmx["vcpu"]["cpu"]}, f"{label}: struct {module}:vcpu_vmx at {vmx['vcpu_vmx']}")
    vmcs = vmx["vmcs"]
    p = ktriage(*mode, "p", f"*(struct {module}:vmcs *)0x{vmcs['addr']}->abort", check=False)
    tap.eq(p.stdout.strip().rsplit(" = ", 1)[-1], str(vmcs["abort"]), f"{label}: p of a cast to {module}'s vmcs")
    # A global of the module, typed from its DWARF.
    ops = vmx["ops"]
    p = ktriage(*mode, "p", "kvm_x86_ops_sim", check=False)
    tap.eq(p.stdout.strip(), f"kvm_x86_ops_sim = 0x{addr(ops['table']):x}", f"{label}: p kvm_x86_ops_sim (a "
           f"{module} global)")
    got, err = kt_json(*mode, "whatis", "kvm_x86_ops_sim")
    tap.ok(got and got.get("kind") == "struct" and got["size"] == 16, f"{label}: whatis kvm_x86_ops_sim", err)


def addr(v):
    return int(v, 16) if isinstance(v, str) else v


def check_stuck(tap, label, mode, gt):
    nmi = gt["nmi"]
    checks = [("ktest_vcpu", 0x18, "ops"), ("ktest_vcpu_ops", nmi["run_offset"], "run")]
    check_offsets(tap, label, mode, "ktest_stuck", checks)
    sym = ktriage(*mode, "sym", "0x" + nmi["vcpu"], check=False).stdout.split()
    name = sym[1] if len(sym) > 1 else "?"
    got, err = kt_json(*mode, "p", f"{name}")
    v = {m["name"]: number(m["value"]) for m in got["value"]} if got and "value" in got else (got, err)
    tap.ok(isinstance(v, dict) and v.get("ops") == addr(nmi["ops"]) and v.get("cpu") == nmi["cpu"],
           f"{label}: p {name} (a ktest_stuck global): ops {nmi['ops']} and cpu {nmi['cpu']} as the module printed", v)
    p = ktriage(*mode, "p", f"{name}.ops", check=False)
    tap.eq((p.stdout.strip().rsplit(" = ", 1)[-1].split() or [p.stderr])[0], "0x" + nmi["ops"].lstrip("0"),
           f"{label}: p {name}.ops")
    # An anonymous struct: typed by the variable, as no name can find it.
    p = ktriage(*mode, "p", "ktest_trace", check=False)
    funcs = [f["func"] for f in nmi["frames"]]
    tap.ok(p.returncode == 0 and all(f'"{f}"' in p.stdout for f in funcs),
           f"{label}: p ktest_trace names the {len(funcs)} functions the module recorded", p.stdout + p.stderr)
    # The call site through the module's types: the member names come from its DWARF.
    ret = nmi["frames"][1]["pc"]
    got, err = kt_json(*mode, "callsite", "0x" + ret)
    tap.ok(got and (got.get("expression") or "").endswith("vcpu->ops->run"),
           f"{label}: callsite 0x{ret} is vcpu->ops->run", got.get("expression") if got else err)


def check_kvminfo(tap, label, mode, gt):
    svm = gt["svm"]
    off = svm["offset"]
    # vmcb01 and current_vmcb since 5.13 (vmcb_pa before): what the module printed for its kernel.
    checks = [("vcpu_svm_head", off["vmcb"], "vmcb"), ("vmcb", off["vmcb_exit_code"], "control.exit_code"),
              ("kvm_vcpu", off["kvm_vcpu_cpu"], "cpu"), ("kvm_vcpu", off["kvm_vcpu_mode"], "mode")]
    want = {"vmcb": addr(svm["vmcb"]["addr"])}
    if "vmcb01" in svm:
        checks += [("vcpu_svm_head", off["vmcb01"], "vmcb01.ptr"), ("vcpu_svm_head", off["current_vmcb"],
                                                                    "current_vmcb")]
        want.update({"vmcb01.ptr": addr(svm["vmcb01"]["ptr"]), "vmcb01.pa": int(svm["vmcb01"]["pa"], 16),
                     "current_vmcb": addr(svm["current_vmcb"]), "asid": svm["asid"]})
    else:
        want["vmcb_pa"] = int(svm["vmcb_pa"], 16)
    check_offsets(tap, label, mode, "ktest_kvminfo", checks)
    got, err = kt_json(*mode, "struct", "ktest_kvminfo:vcpu_svm_head." + ",".join(want), "0x" + svm["vcpu_svm"])
    v = {m["name"]: number(m["value"]) for m in got["value"]} if got else err
    tap.eq(v, want, f"{label}: struct ktest_kvminfo:vcpu_svm_head holds what the module printed ({', '.join(want)})")


def check_union(tap, label, mode, module, ko):
    """A union with an anonymous struct of bitfields: every field at the bit pahole gives."""
    out = subprocess.run(["pahole", "-C", "kvm_mmu_page_role", ko], capture_output=True, text=True,
                         check=True).stdout
    theirs = {m.group(1): int(m.group(2)) * 8 + int(m.group(3) or 0)
              for m in re.finditer(r"\s(\w+)(?::\d+)?;\s*/\*\s*(\d+)(?::\s*(\d+))?\s+\d+\s*\*/", out)}
    text = ktriage(*mode, "union", f"{module}:kvm_mmu_page_role", check=False).stdout
    mine = {m.group(3): int(m.group(1), 16) * 8 + int(m.group(2) or 0)
            for m in re.finditer(r"/\*\s+0x([0-9a-f]+)(?::\s*(\d+))?\s*\|\s*\d+ \*/\s+[^;]*?(\w+)(?: : \d+)?;", text)}
    tap.ok("type = union kvm_mmu_page_role {" in text and len(theirs) > 5 and mine == theirs,
           f"{label}: union {module}:kvm_mmu_page_role: {len(theirs)} members and bitfields at the bits pahole gives",
           (sorted(set(mine.items()) ^ set(theirs.items())), text[:300]))


def check_namesake(tap, d, gt):
    """kvm_intel is ours (3.10 layout); Debian's kvm-intel.ko in the kernel's debug tree is a namesake
    with another build-id, and comes first in the search: its layout must never be used."""
    dump = os.path.join(d, "vmcore.kdump")
    kdbg = kernel_dbg(d)
    size = gt["vmx"]["sizeof"]["vcpu_vmx"]
    debian = [os.path.join(r, f) for r, _, fs in os.walk(os.path.join(kdbg, "usr/lib/debug/lib/modules"))
              for f in fs if f == "kvm-intel.ko"]
    if not tap.ok(debian, "Debian's debug kvm-intel.ko is in the kernel's debug tree", kdbg):
        return
    theirs = pahole(debian[0], "vcpu_vmx")[1]
    tap.ok(theirs != size, f"the namesake's vcpu_vmx ({theirs} bytes) differs from ours ({size})")
    ours = os.path.join(lab_root(), "debug")
    for dirs in ((kdbg, ours), (ours, kdbg), (kdbg, d)):
        mode = [a for x in dirs for a in ("--debuginfo", x)] + [dump]
        for t in ("kvm_intel:vcpu_vmx", "vcpu_vmx", "struct vcpu_vmx"):
            got, err = kt_json(*mode, "whatis", t)
            tap.eq(got["size"] if got else err, size, f"namesake ({', '.join(os.path.basename(x) for x in dirs)}): "
                                                      f"whatis {t} is ours, the 3.10 layout")
        got, err = kt_json(*mode, "member-at", "vcpu_vmx", str(gt["vmx"]["offset"]["host_rsp"]))
        tap.eq([m["path"] for m in got["members"]] if got else err, ["host_rsp"],
               "namesake: member-at vcpu_vmx at 3.10's host_rsp")
    # Only the namesake at hand: refused, both build-ids named.
    p = ktriage("--debuginfo", kdbg, dump, "whatis", "kvm_intel:vcpu_vmx", check=False)
    ids = re.findall(r"\b[0-9a-f]{40}\b", p.stderr)
    tap.ok(p.returncode == 1 and "refused" in p.stderr and debian[0] in p.stderr and len(set(ids)) == 2,
           "namesake alone: refused, naming the loaded module's build-id and the file's", p.stderr)


def check_no_debug_file(tap, d, btf):
    """A module with neither BTF nor a debug file is named with why. A module with BTF has its types
    without one, and a miss says that its BTF was searched."""
    dump = os.path.join(d, "vmcore.kdump")
    if btf:
        p = ktriage("--debuginfo", kernel_dbg(d), dump, "whatis", "ktest_stuck:ktest_vcpu", check=False)
        tap.ok(p.returncode == 0 and "type = struct ktest_vcpu {" in p.stdout,
               "no debug file: ktest_stuck's types come from its BTF", p.stderr)
        p = ktriage("--debuginfo", kernel_dbg(d), dump, "whatis", "ktest_stuck:no_such_type", check=False)
        tap.ok(p.returncode == 1 and "no type 'no_such_type' in module ktest_stuck's BTF" in p.stderr,
               "a miss in a module's BTF says where it looked", p.stderr)
        return
    p = ktriage("--debuginfo", kernel_dbg(d), dump, "whatis", "struct ktest_vcpu", check=False)
    tap.ok(p.returncode == 1 and "ktest_stuck (no types)" in p.stderr and "no debug file" in p.stderr
           and "--debuginfo" not in p.stderr, "no debug file: the not-found message names the module and why", p.stderr)
    p = ktriage("--debuginfo", kernel_dbg(d), dump, "whatis", "ktest_stuck:ktest_vcpu", check=False)
    tap.ok(p.returncode == 1 and "module ktest_stuck has no types" in p.stderr and "ktest_stuck.ko" in p.stderr,
           "no debug file: MODULE:TYPE says the module has no types and where its file was looked for", p.stderr)
    p = ktriage("--debuginfo", kernel_dbg(d), "--debuginfo", d, dump, "whatis", "ktest_stuck:no_such_type", check=False)
    tap.ok(p.returncode == 1 and "no type 'no_such_type' in module ktest_stuck's types (from its DWARF)" in p.stderr,
           "a miss in a module's DWARF says where it looked", p.stderr)


def check_complete(tap, d):
    """Names a module's DWARF can make are offered once its DWARF is open."""
    dump = os.path.join(d, "vmcore.kdump")
    p = ktriage("--debuginfo", kernel_dbg(d), "--debuginfo", d, dump, "-c",
                "whatis ktest_stuck:ktest_vcpu_ops; complete struct ktest_vc", check=False)
    tap.ok("ktest_vcpu\n" in p.stdout and "ktest_vcpu_ops\n" in p.stdout,
           "complete: struct names from a module's DWARF index", p.stdout + p.stderr)


def main():
    tap = Tap()
    for scenario, (module, types, expand) in MODULES.items():
        d = scenario_dir(tap, scenario)
        if not d:
            continue
        gt = ground_truth(d)
        dump = os.path.join(d, "vmcore.kdump")
        ko = os.path.join(d, module + ".ko")
        # kbuild gives out-of-tree modules BTF where the kernel's headers ship a vmlinux (6.12's
        # do): the module's globals are then still typed from its DWARF, as BTF has no VAR for them.
        btf = has_btf(ko)
        tap.eq(gt.get("btf", {}).get(module), "yes" if btf else "no",
               f"{scenario}: {module} was built {'with' if btf else 'without'} BTF (its .BTF section), "
               f"as the guest recorded")
        # Before Linux 6.0 the dump has no kallsyms: the lab's debug tree then comes with the
        # debug vmlinux, for the kernel's symbols (its types still come from the dump's BTF).
        lab_tree = ["--no-default-debuginfo", "--debuginfo", os.path.join(lab_root(), "debug")]
        if not dump_has_kallsyms(dump):
            lab_tree += ["--vmlinux", os.path.join(d, "vmlinux")]
        modes = [("vmlinux, modules directory", ["--debuginfo", kernel_dbg(d), "--debuginfo", d, dump]),
                 ("lab debug tree", lab_tree + [dump])]
        if scenario == "nmi-stuck":
            modes.append(("kernel types from DWARF", ["--types=dwarf", "--debuginfo", kernel_dbg(d), "--debuginfo", d,
                                                      dump]))
        for tag, mode in modes:
            label = f"{scenario} ({tag})"
            check_layouts(tap, label, mode, module, ko, types)
            check_expanded(tap, label, mode, module, ko, expand)
            if scenario.startswith("vmx-sim"):
                check_vmx(tap, label, mode, module, gt)
                check_union(tap, label, mode, module, ko)
            elif scenario == "nmi-stuck":
                check_stuck(tap, label, mode, gt)
            else:
                check_kvminfo(tap, label, mode, gt)
        if scenario == "vmx-sim-3.10":
            check_namesake(tap, d, gt)
        if scenario == "nmi-stuck":
            check_no_debug_file(tap, d, btf)
            check_complete(tap, d)
    tap.done()


if __name__ == "__main__":
    main()
