#!/usr/bin/env python3
"""`ktriage kvm`, `vmx`, `svm` and `findings` on the lab's KVM dumps, against the ground truth each
guest printed: kvm-svm (real kvm_amd, types from BTF), vmx-sim-3.10 and vmx-sim-6.1 (VMX objects
in the 3.10 and 6.1 layouts, types from module DWARF), and patched copies of the vmx-sim dumps
that must be flagged (FS base in the host list, reserved bits, an overflowed count, a shadow
VMCS) or must give no finding (abort indicator 0); and `bt` of the CPU that ignored the NMI,
unwound from the host stack pointer kvm saved at VM entry (moved, it must disagree)."""
import glob
import json
import os
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from render_test import SCHEMA_FILE, validate  # noqa: E402
from tap import Tap, ground_truth, ktriage, lab_root, scenario_dir, scenario_made  # noqa: E402

with open(SCHEMA_FILE) as _f:
    SCHEMA = json.load(_f)


def hexint(s):
    return int(s, 16) if isinstance(s, str) else s


def vmx_findings(doc):
    """The VMX findings of a findings document (the dump's panic finding is panic_cause_test's)."""
    return [f for f in doc["findings"] if f["code"].startswith("vmx.")]


def debuginfo_args(d):
    """The scenario directory (its modules) and the debug tree of its vmlinux."""
    vmlinux = os.path.realpath(os.path.join(d, "vmlinux"))
    dbg = vmlinux[:vmlinux.index("/dbg/") + 4] if "/dbg/" in vmlinux else os.path.dirname(vmlinux)
    return ["--debuginfo", d, "--debuginfo", dbg]


def run_json(tap, args, name, document=None):
    """The command's JSON document (of the last argument's kind, or document), validated against
    docs/json-schema.json."""
    p = ktriage("--json", *args, check=False)
    if not tap.ok(p.returncode == 0, f"{name} succeeds", p.stderr[-2000:]):
        return None
    doc = json.loads(p.stdout)
    errs = validate(doc, SCHEMA["documents"][document or args[-1]], SCHEMA["$defs"])
    tap.ok(not errs and doc.get("schema") == "ktriage/1", f"{name}: the document validates against the schema",
           errs[:8])
    return doc


def svm_dumps(tap):
    """kvm-svm of the lab's release (a missing one fails), and of every other release whose lab
    output sits beside it (5.10, 6.12: used once complete)."""
    dirs = []
    d = scenario_dir(tap, "kvm-svm")
    if d:
        dirs.append(d)
    root = os.path.dirname(os.path.abspath(lab_root()))
    for other in sorted(glob.glob(os.path.join(root, "*", "kvm-svm", ".done"))):
        other = os.path.dirname(other)
        if not d or os.path.realpath(other) != os.path.realpath(d):
            dirs.append(other)
    return dirs


def check_svm(tap, counts, d):
    release = os.path.basename(os.path.dirname(d)).rsplit("-", 1)[0]
    label = f"kvm-svm {release}"
    gt = ground_truth(d)["svm"]
    dump = os.path.join(d, "vmcore.kdump")
    kvm = run_json(tap, [dump, "kvm"], f"{label}: kvm")
    if kvm:
        vms = kvm["vms"]
        if tap.eq(len(vms), 1, f"{label}: one VM"):
            vm = vms[0]
            vcpu = vm["vcpus"][0] if vm["vcpus"] else {}
            pairs = [
                ("VM address", hexint(vm["address"]), hexint(gt["kvm"])),
                ("VM on vm_list", vm["on_vm_list"], True),
                ("owner pid", vm["owner"]["pid"] if vm["owner"] else None, gt["user"]["pid"]),
                ("owner mm", hexint(vm["mm"]), hexint(gt["vm"]["mm"])),
                ("online vCPUs", vm["online_vcpus"], gt["vm"]["online_vcpus"]),
                ("vCPU count", len(vm["vcpus"]), gt["vm"]["online_vcpus"]),
                ("memslots: one slot of 64 KiB (16 pages)", (vm["memslots"]["count"], vm["memslots"]["pages"]), (1, 16)),
                ("vCPU address", hexint(vcpu.get("address")), hexint(gt["kvm_vcpu"])),
                ("vCPU id", vcpu.get("vcpu_id"), gt["vcpu"]["vcpu_id"]),
                ("vCPU idx", vcpu.get("vcpu_idx"), gt["vcpu"]["vcpu_idx"]),
                ("vCPU kvm", hexint(vcpu.get("kvm")), hexint(gt["vcpu"]["kvm"])),
                ("vCPU CPU", vcpu.get("cpu"), gt["observed"]["cpu"]),
                ("thread task", hexint(vcpu["thread"]["task"]), hexint(gt["task"]["addr"])),
                ("thread pid", vcpu["thread"]["pid"], gt["task"]["pid"]),
                ("thread tgid", vcpu["thread"]["tgid"], gt["task"]["tgid"]),
                ("thread comm", vcpu["thread"]["comm"], gt["task"]["comm"]),
                ("vendor", vcpu.get("vendor"), "svm"),
            ]
            for what, got, want in pairs:
                tap.eq(got, want, f"{label}: {what}")
                counts[0] += 1
            tap.ok(vcpu.get("mode_name") in ("OUTSIDE_GUEST_MODE", "IN_GUEST_MODE", "EXITING_GUEST_MODE"),
                   f"{label}: mode by name ({vcpu.get('mode_name')})")
            # The vCPU thread leaves the kernel at every I/O exit (kvm-svm.md), so the panic can
            # find it inside KVM_RUN or between two: kvm_running_vcpu of its CPU (set from vcpu_load
            # to vcpu_put) tells, read here as plain per-CPU memory.
            cpu = gt["observed"]["cpu"]
            per_cpu = ktriage(dump, "percpu", "-x", "kvm_running_vcpu", check=False).stdout
            m = re.search(rf"\[{cpu}\]: [0-9a-f]+:\s+([0-9a-f]+)", per_cpu)
            inside = bool(m) and int(m.group(1), 16) == hexint(gt["kvm_vcpu"])
            tap.ok(bool(m) and vcpu.get("running") is inside and
                   "kvm_running_vcpu" in vcpu.get("running_evidence", ""),
                   f"{label}: the vCPU is running on CPU {cpu} exactly when that CPU's kvm_running_vcpu "
                   f"points at it ({'inside' if inside else 'outside'} KVM_RUN at the panic)",
                   f"{vcpu.get('running_evidence')}\n{per_cpu}")
    # Without debug files ktriage needs the kallsyms VMCOREINFO of Linux 6.0+: compared there.
    if ktriage("--no-debuginfo", dump, "mod", check=False).returncode == 0:
        bare = run_json(tap, ["--no-debuginfo", dump, "kvm"], f"{label}: kvm --no-debuginfo")
        tap.ok(kvm is not None and bare == kvm, f"{label}: kvm reads the same from the dump's own BTF alone")
    else:
        print(f"# {label}: no --no-debuginfo comparison: `mod` fails without them (no kallsyms in VMCOREINFO)")
    svm = run_json(tap, [dump, "svm"], f"{label}: svm")
    in_guest = False
    if svm and tap.eq(len(svm["vcpus"]), 1, f"{label}: svm shows one vCPU"):
        v = svm["vcpus"][0]
        # The crash NMI may catch the vCPU in the guest (lab/scenarios/kvm-svm.md, step 5): its
        # #VMEXIT then records SVM_EXIT_NMI (0x61), not the IOIO exit of the sample, and the
        # thread's frames are in svm_vcpu_run.
        in_guest = hexint(v["control"]["exit_code"]) == 0x61
        pairs = [
            ("vcpu_svm", hexint(v["vcpu_svm"]), hexint(gt["vcpu_svm"])),
            ("VMCB in use", hexint(v["vmcb"]), hexint(gt["vmcb"]["addr"])),
            ("VMCB pa", hexint(v["vmcb_pa"]), hexint(gt["vmcb"]["pa"])),
        ]
        if in_guest:
            bt = ktriage(dump, "bt", str(gt["task"]["pid"]), check=False).stdout
            tap.ok(" svm_vcpu_run+" in bt, f"{label}: exit code 0x61 (NMI): the crash NMI caught the vCPU in the "
                   "guest, and its thread's frames are in svm_vcpu_run", bt)
            tap.eq(v["control"]["exit_name"], "NMI", f"{label}: exit code 0x61 by name")
        else:
            pairs += [
                ("exit code", hexint(v["control"]["exit_code"]), gt["observed"]["exit_code"]),
                ("exit_info_1", hexint(v["control"]["exit_info_1"]), hexint(gt["observed"]["exit_info_1"])),
            ]
        if "vmcb01" in gt:  # v5.13+: vmcb01 and current_vmcb
            pairs += [
                ("vmcb01.ptr", hexint(v["vmcb01"]["ptr"]) if v["vmcb01"] else None, hexint(gt["vmcb01"]["ptr"])),
                ("vmcb01.pa", hexint(v["vmcb01"]["pa"]) if v["vmcb01"] else None, hexint(gt["vmcb01"]["pa"])),
                ("vmcb01 is current_vmcb", v["vmcb01"]["current"] if v["vmcb01"] else None,
                 bool(gt["vmcb01"]["is_current"])),
            ]
        else:
            pairs.append(("no vmcb01 before v5.13", v["vmcb01"], None))
        for what, got, want in pairs:
            tap.eq(got, want, f"{label}: {what}")
            counts[0] += 1
        if not in_guest:
            tap.eq(v["control"]["exit_name"], "IOIO", f"{label}: exit code 0x7b by name")
    p = ktriage(dump, "svm", check=False)
    want_text = "exit_code 0x61 NMI" if in_guest else "exit_code 0x7b IOIO"
    tap.ok(p.returncode == 0 and want_text in p.stdout, f"{label}: svm text names the exit code ({want_text})",
           p.stdout + p.stderr)
    p = ktriage(dump, "vmx", check=False)
    tap.ok(p.returncode == 1 and "struct vcpu_vmx" in p.stderr, f"{label}: vmx says no module defines vcpu_vmx",
           p.stderr)


# ----------------------------------------------------------------------------------------------
# Patching a copy of an ELF dump: kernel virtual address -> file offset through the PT_LOAD
# segments (direct-map addresses: va - page_offset_base; the kernel image: va - __START_KERNEL_map
# + phys_base from VMCOREINFO).

START_KERNEL_MAP = 0xffffffff80000000
MODULES_VADDR = 0xffffffffc0000000  # __START_KERNEL_map + KERNEL_IMAGE_SIZE (arch/x86/include/asm/pgtable_64_types.h)


class ElfDump:
    def __init__(self, path, page_offset_base):
        self.path = path
        self.page_offset_base = page_offset_base
        self.pgd_pa = None
        with open(path, "rb") as f:
            hdr = f.read(64)
            phoff, = struct.unpack_from("<Q", hdr, 32)
            phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
            self.loads = []
            notes = b""
            for i in range(phnum):
                p_type, _, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
                if p_type == 1:
                    self.loads.append((p_paddr, p_filesz, p_offset))
                elif p_type == 4:
                    f.seek(p_offset)
                    notes += f.read(p_filesz)
        m = re.search(rb"NUMBER\(phys_base\)=(-?\d+)", notes)
        self.phys_base = int(m.group(1)) if m else None

    def phys_offset(self, pa, size=8):
        for paddr, length, off in self.loads:
            if paddr <= pa and pa + size <= paddr + length:
                return off + pa - paddr
        raise ValueError(f"physical 0x{pa:x} is in no PT_LOAD segment")

    def read_phys(self, pa, size=8):
        with open(self.path, "rb") as f:
            f.seek(self.phys_offset(pa, size))
            return f.read(size)

    def module_pa(self, va):
        """A module address (vmalloc'd, above MODULES_VADDR) through the kernel's 4-level page
        tables, rooted at init_top_pgt: 2 MiB and 1 GiB pages end the walk early."""
        table = self.pgd_pa
        for level, shift in enumerate((39, 30, 21, 12)):
            entry, = struct.unpack("<Q", self.read_phys(table + ((va >> shift) & 511) * 8))
            if not entry & 1:
                raise ValueError(f"0x{va:x} is not mapped (level {level})")
            frame = entry & 0x000ffffffffff000
            if level in (1, 2) and entry & 0x80:
                return frame + (va & ((1 << shift) - 1))
            table = frame
        return table + (va & 0xfff)

    def offset(self, va):
        if va >= MODULES_VADDR and self.pgd_pa is not None:
            return self.phys_offset(self.module_pa(va))
        pa = va - START_KERNEL_MAP + self.phys_base if va >= START_KERNEL_MAP else va - self.page_offset_base
        for paddr, size, off in self.loads:
            if paddr <= pa and pa + 8 <= paddr + size:
                return off + pa - paddr
        raise ValueError(f"0x{va:x} is in no PT_LOAD segment")

    def write(self, va, data):
        at = self.offset(va)
        with open(self.path, "r+b") as f:
            f.seek(at)
            old = f.read(len(data))
            f.seek(at)
            f.write(data)
        return old


def whatis_offsets(args, type_name, bits=None):
    """Member offsets of a type from `whatis` (gdb's ptype /o layout); bitfields' first bit into
    bits (a dict) when given."""
    p = ktriage(*args, "whatis", type_name, check=False)
    offsets = {}
    for line in p.stdout.splitlines():
        m = re.match(r"/\*\s+0x([0-9a-f]+)(?::\s*(\d+))?\s+\|\s+\d+ \*/\s+.*?(\w+)(\[\d+\])?( : \d+)?;$", line)
        if m:
            offsets.setdefault(m.group(3), int(m.group(1), 16))
            if bits is not None and m.group(2):
                bits.setdefault(m.group(3), int(m.group(2)))
    return offsets


def check_vmx(tap, scenario, counts, tmp):
    d = scenario_dir(tap, scenario)
    if not d:
        return
    gt = ground_truth(d)["vmx"]
    args = debuginfo_args(d)
    dump = os.path.join(d, "vmcore.kdump")
    layout = gt["layout"]
    kvm = run_json(tap, [*args, dump, "kvm"], f"{scenario}: kvm")
    if kvm:
        vm = next((v for v in kvm["vms"] if hexint(v["address"]) == hexint(gt["kvm"])), None)
        if tap.ok(vm is not None, f"{scenario}: the VM of the loaded vCPU is found", kvm):
            vcpu = vm["vcpus"][0] if vm["vcpus"] else {}
            pairs = [
                ("owner pid", vm["owner"]["pid"] if vm["owner"] else None, gt["user"]["pid"]),
                ("vCPU address", hexint(vcpu.get("address")), hexint(gt["kvm_vcpu"])),
                ("vCPU id", vcpu.get("vcpu_id"), gt["vcpu"]["vcpu_id"]),
                ("vCPU CPU", vcpu.get("cpu"), gt["vcpu"]["cpu"]),
                ("vCPU mode", vcpu.get("mode"), gt["vcpu"]["mode"]),
                ("vCPU mode name", vcpu.get("mode_name"), "IN_GUEST_MODE"),
                ("thread task", hexint(vcpu["thread"]["task"]), hexint(gt["task"]["addr"])),
                ("thread pid", vcpu["thread"]["pid"], gt["task"]["pid"]),
                ("thread tgid", vcpu["thread"]["tgid"], gt["task"]["tgid"]),
                ("thread comm", vcpu["thread"]["comm"], gt["task"]["comm"]),
                ("running on its CPU now", vcpu.get("running"), True),
                ("vendor", vcpu.get("vendor"), "vmx"),
            ]
            for what, got, want in pairs:
                tap.eq(got, want, f"{scenario}: {what}")
                counts[0] += 1
    vmx = run_json(tap, [*args, dump, "vmx"], f"{scenario}: vmx")
    if vmx and tap.eq(len(vmx["vcpus"]), 1, f"{scenario}: vmx shows one vCPU"):
        tap.eq(vmx["module"], gt["module"], f"{scenario}: struct vcpu_vmx from module {gt['module']} (DWARF)")
        v = vmx["vcpus"][0]
        lv = v["loaded_vmcs"][0]
        vmcs = lv["vmcs"]
        pairs = [
            ("vcpu_vmx", hexint(v["vcpu_vmx"]), hexint(gt["vcpu_vmx"])),
            ("loaded_vmcs", hexint(lv["address"]), hexint(gt["loaded_vmcs"]["addr"])),
            ("loaded_vmcs is vmcs01 and current", (lv["role"], lv["current"]), ("vmcs01", bool(gt["loaded_vmcs"]["is_vmcs01"]))),
            ("loaded_vmcs CPU", lv["cpu"], gt["loaded_vmcs"]["cpu"]),
            ("launched", lv["launched"], bool(gt["loaded_vmcs"]["launched"])),
            ("VMCS address", hexint(vmcs["address"]), hexint(gt["vmcs"]["addr"])),
            ("revision id", vmcs["revision_id"], gt["vmcs"]["revision_id"]),
            ("abort indicator", vmcs["abort"], gt["vmcs"]["abort"]),
            ("abort 4 decoded", vmcs["abort_name"], "LOAD_HOST_MSR_FAIL"),
            ("host RSP", hexint(v["host_rsp"]), hexint(gt["host_rsp"])),
        ]
        for what, got, want in pairs:
            tap.eq(got, want, f"{scenario}: {what}")
            counts[0] += 1
        tap.ok("§27.7" in vmcs["abort_source"] and "NMIs" in vmcs["abort_implies"],
               f"{scenario}: the abort's source and what it implies (no NMI)", vmcs)
        tap.ok(("one nr" in v["list_layout"]) == (layout == "3.10"), f"{scenario}: list layout {v['list_layout']}")
        lists = {lst["kind"]: lst for lst in v["msr_lists"]}
        for kind, side in (("vm_entry_msr_load", "guest"), ("vm_exit_msr_load", "host")):
            lst = lists.get(kind)
            want = gt["msr_autoload"][side]
            if not tap.ok(lst is not None, f"{scenario}: {kind} list read"):
                continue
            live = [e for e in lst["entries"] if not e["beyond_count"]]
            tap.eq(hexint(lst["address"]), hexint(want["addr"]), f"{scenario}: {kind} address")
            tap.eq(lst["count"], want["nr"], f"{scenario}: {kind} count")
            tap.eq([(hexint(e["index"]), hexint(e["value"])) for e in live],
                   [(e["index"], e["value"]) for e in want["entry"]], f"{scenario}: {kind} entries (index, value)")
            counts[0] += 3 + len(live)
            for e in live:
                results = {c["code"]: c["result"] for c in e["checks"]}
                tap.ok(len(results) == 6 and all(r == "pass" for c, r in results.items() if c != "msr.value_reserved"),
                       f"{scenario}: {kind} 0x{hexint(e['index']):x} evaluated against 6 rules, the SDM's fixed ones pass",
                       results)
            pebs = [e for e in live if hexint(e["index"]) == 0x3F1]
            tap.ok(pebs and pebs[0]["name"] == "IA32_PEBS_ENABLE" and pebs[0]["decoded"],
                   f"{scenario}: {kind}: 0x3F1 named IA32_PEBS_ENABLE and its bits explained ({pebs[0]['decoded'] if pebs else ''})")
            tap.ok(all(c["result"] == "pass" for c in lst["checks"]) and len(lst["checks"]) == 4,
                   f"{scenario}: {kind}: the 4 list rules pass", lst["checks"])
        tap.ok(v["pebs"] is not None and v["pebs"]["cpu"] == 1 and v["pebs"]["pebs_enabled"] is not None,
               f"{scenario}: the host perf state of CPU 1 behind 0x3F1 is read", v["pebs"])
        cpu1 = next((c for c in vmx["cpus"] if c["cpu"] == gt["percpu"]["cpu"]), None)
        if tap.ok(cpu1 is not None, f"{scenario}: per-CPU state of CPU 1"):
            tap.eq(hexint(cpu1["current_vmcs"]), hexint(gt["percpu"]["current_vmcs_value"]),
                   f"{scenario}: CPU 1's current_vmcs")
            tap.eq(hexint(cpu1["current_vcpu"]), hexint(gt["kvm_vcpu"]), f"{scenario}: current_vmcs matched to the vCPU")
            tap.eq([(hexint(x["loaded_vmcs"]), hexint(x["vcpu"])) for x in cpu1["loaded"]],
                   [(hexint(gt["loaded_vmcs"]["addr"]), hexint(gt["kvm_vcpu"]))],
                   f"{scenario}: CPU 1's loaded_vmcss_on_cpu, matched to the vCPU")
            counts[0] += 3
    p = ktriage(*args, dump, "vmx", check=False)
    tap.ok(p.returncode == 0 and "processor-specific format" in p.stdout and "cannot be decoded from memory" in p.stdout,
           f"{scenario}: vmx says the rest of the VMCS region cannot be decoded from memory", p.stderr)
    findings = run_json(tap, [*args, dump, "findings"], f"{scenario}: findings")
    if findings:
        fs = [f for f in findings["findings"] if f["code"] == "vmx.abort_on_silent_cpu"]
        if tap.eq(len(fs), 1, f"{scenario}: one VMX-abort finding"):
            f = fs[0]
            facts = {x["key"]: x["value"] for x in f["facts"]}
            pairs = [("CPU", f["cpu"], gt["nmi"]["cpu"]), ("vCPU", hexint(f["vcpu"]), hexint(gt["kvm_vcpu"])),
                     ("thread", hexint(f["task"]), hexint(gt["task"]["addr"])), ("abort", f["abort"], 4)]
            for what, got, want in pairs:
                tap.eq(got, want, f"{scenario}: finding's {what}")
                counts[0] += 1
            tap.ok("did not answer the crash NMI" in facts.get("cpu", ""), f"{scenario}: tied to the NMI-silent CPU", facts)
            tap.ok(f"pid {gt['user']['pid']}" in facts.get("vm", ""), f"{scenario}: the VM's owner", facts.get("vm"))
            tap.ok(any(k.startswith("msr.host.") and "IA32_PEBS_ENABLE" in v for k, v in facts.items()),
                   f"{scenario}: the host list's 0x3F1 entry with its rules", facts)
            tap.ok("perf.pebs_enabled" in facts, f"{scenario}: the perf state behind it", facts)
            want = " < ".join(w["func"] for w in gt["frames"][1:])
            tap.ok(want in re.sub(r"\+0x[0-9a-f]+", "", facts.get("stack", "")),
                   f"{scenario}: the finding's stack is the guest's chain, unwound from the host stack pointer",
                   facts.get("stack"))
            ok_cmds = 0
            for cmd in f["commands"]:
                inner = re.search(r"-c '(.*)'$", cmd).group(1)
                p = ktriage(*args, dump, "-c", inner, check=False)
                ok_cmds += p.returncode == 0 and bool(p.stdout.strip())
            tap.ok(f["commands"] and ok_cmds == len(f["commands"]),
                   f"{scenario}: each of the finding's {len(f['commands'])} commands runs and shows something")
    check_patched(tap, scenario, d, gt, args, counts, tmp)


def anchor_moved(tap, scenario, gt, args, copy, elf, counts):
    """The host stack pointer moved 0x100 bytes down, into dead frames: bt unwinds from it all the
    same (the anchor wins) and says that the reconstruction disagrees."""
    vmx_addr = hexint(gt["vcpu_vmx"])
    rsp = hexint(gt["host_rsp"])
    with open(copy, "rb") as f:
        f.seek(elf.offset(vmx_addr))
        blob = f.read(gt["sizeof"]["vcpu_vmx"])
    at = blob.find(struct.pack("<Q", rsp))
    if not tap.ok(at >= 0 and at % 8 == 0, f"{scenario}: the host stack pointer is found in vcpu_vmx"):
        return
    moved = rsp - 0x100
    old = elf.write(vmx_addr + at, struct.pack("<Q", moved))
    try:
        cpu = gt["vcpu"]["cpu"]
        doc = run_json(tap, [*args, copy, "bt", "-c", str(cpu)], f"{scenario} patched: bt -c {cpu}", "bt")
    finally:
        elf.write(vmx_addr + at, old)
    if not doc:
        return
    bt = doc["backtraces"][0]
    tap.ok("DISAGREES" in bt["note"] and f"0x{moved:016x}" in bt["note"],
           f"{scenario}: a host stack pointer in dead frames disagrees with the reconstruction, said in the note",
           bt["note"])
    anchored = [f for f in bt["frames"] if f["reason_code"] == "rebuilt.vmentry_host_rsp"]
    tap.ok(anchored and hexint(anchored[0]["sp"]) == moved
           and all(hexint(f.get("slot") or f["sp"]) >= moved for f in anchored),
           f"{scenario}: the frames shown at and above it are the anchor's", anchored[:2])
    counts[1] += 1


def check_patched(tap, scenario, d, gt, args, counts, tmp):
    """Negative and model variants on a copy of the ELF dump, patched and restored in turn."""
    copy = os.path.join(tmp, f"{scenario}.elf")
    shutil.copyfile(os.path.join(d, "vmcore.elf"), copy)
    elf = ElfDump(copy, hexint(gt["vmcs"]["addr"]) - hexint(gt["vmcs"]["pa"]))
    host = hexint(gt["msr_autoload"]["host"]["addr"])
    vmx_addr = hexint(gt["vcpu_vmx"])
    host_nr = vmx_addr + gt["offset"]["msr_autoload_host_nr"]
    vmcs = hexint(gt["vmcs"]["addr"])

    # Module globals (vmcs_config) are in vmalloc space: patched through the page tables.
    sym = ktriage(*args, copy, "sym", "init_top_pgt", check=False)
    m = re.search(r"([0-9a-f]{16})", sym.stdout)
    if tap.ok(m is not None and elf.phys_base is not None, f"{scenario}: init_top_pgt placed", sym.stdout):
        elf.pgd_pa = int(m.group(1), 16) - START_KERNEL_MAP + elf.phys_base

    def run(patches, command):
        olds = [(va, elf.write(va, data)) for va, data in patches]
        try:
            return run_json(tap, [*args, copy, command], f"{scenario} patched: {command}")
        finally:
            for va, old in reversed(olds):
                elf.write(va, old)

    def host_entry_checks(doc):
        v = doc["vcpus"][0]
        lst = next(x for x in v["msr_lists"] if x["kind"] == "vm_exit_msr_load")
        return lst, {c["code"]: c["result"] for c in lst["entries"][0]["checks"]}

    anchor_moved(tap, scenario, gt, args, copy, elf, counts)
    doc = run([(vmcs + 4, struct.pack("<I", 0))], "findings")
    if doc is not None:
        tap.eq(vmx_findings(doc), [], f"{scenario}: abort indicator 0 gives no VMX finding")
        counts[1] += 1
    doc = run([(host, struct.pack("<I", 0xC0000100))], "vmx")
    if doc:
        lst, res = host_entry_checks(doc)
        tap.ok(res.get("msr.fs_gs_base") == "fail" and lst["failed"] >= 1 and
               lst["entries"][0]["name"] == "IA32_FS_BASE",
               f"{scenario}: IA32_FS_BASE in the host list is flagged", res)
        counts[1] += 1
    doc = run([(host + 4, struct.pack("<I", 0x10))], "vmx")
    if doc:
        _, res = host_entry_checks(doc)
        tap.eq(res.get("msr.entry_reserved"), "fail", f"{scenario}: non-zero reserved bits are flagged")
        counts[1] += 1
    doc = run([(host_nr, struct.pack("<I", 9))], "vmx")
    if doc:
        lst, _ = host_entry_checks(doc)
        res = {c["code"]: c["result"] for c in lst["checks"]}
        tap.ok(res.get("list.count_capacity") == "fail" and lst["count"] == 9,
               f"{scenario}: a count of 9 for an array of 8 is flagged", lst["checks"])
        counts[1] += 1
    # A live entry past the count: the count lowered to 0 over a list that holds entries.
    doc = run([(host_nr, struct.pack("<I", 0))], "vmx")
    if doc:
        lst = next(x for x in doc["vcpus"][0]["msr_lists"] if x["kind"] == "vm_exit_msr_load")
        res = {c["code"]: c["result"] for c in lst["checks"]}
        tap.ok(res.get("list.live_beyond_count") == "unknown" and lst["entries"] and lst["entries"][0]["beyond_count"],
               f"{scenario}: entries past a lowered count are listed and flagged (unknown: leftover or lowered count)",
               lst)
        counts[1] += 1
    # The VMCS header's shadow bit on an ordinary VMCS (the revision check's other half).
    doc = run([(vmcs, struct.pack("<I", gt["vmcs"]["revision_id"] | 0x80000000))], "vmx")
    if doc:
        rc = doc["vcpus"][0]["loaded_vmcs"][0]["vmcs"]["revision_check"]
        tap.ok(rc["result"] == "fail" and "shadow" in rc["detail"], f"{scenario}: a shadow bit on vmcs01 is flagged", rc)
        counts[1] += 1
    # The revision id against the one kvm_intel read from IA32_VMX_BASIC (vmcs_config.revision_id,
    # which the fixture keeps as kvm_intel does): equal in the dump, then made to differ.
    config = gt.get("vmcs_config")
    if tap.ok(config is not None and "addr" in config, f"{scenario}: the fixture printed its vmcs_config", gt.keys()):
        doc = run([], "vmx")
        if doc:
            rc = doc["vcpus"][0]["loaded_vmcs"][0]["vmcs"]["revision_check"]
            tap.ok(rc["result"] == "pass" and str(config["revision_id"]) in rc["detail"],
                   f"{scenario}: revision id {config['revision_id']} = vmcs_config.revision_id", rc)
            counts[0] += 1
            misc = config.get("misc")
            lists = {x["kind"]: x for x in doc["vcpus"][0]["msr_lists"]}
            detail = next((c["detail"] for c in lists["vm_exit_msr_load"]["checks"]
                           if c["code"] == "list.count_recommended"), "")
            if misc is not None:
                # IA32_VMX_MISC bits 27:25 = N: at most 512 * (N + 1) entries recommended.
                misc = misc if isinstance(misc, int) else int(misc, 16)
                most = 512 * (((misc >> 25) & 7) + 1)
                tap.ok(str(most) in detail and "unknown" not in detail,
                       f"{scenario}: the recommended maximum ({most}) from vmcs_config.misc", detail)
            else:
                tap.ok("IA32_VMX_MISC" in detail and "unknown" in detail,
                       f"{scenario}: without vmcs_config.misc (v3.10) the recommended maximum is unknown, said",
                       detail)
            counts[0] += 1
        # revision_id is at offset 8 in both layouts (v3.10 vmx.c, v6.1 vmx/capabilities.h).
        doc = run([(hexint(config["addr"]) + 8, struct.pack("<I", config["revision_id"] + 1))], "vmx")
        if doc:
            rc = doc["vcpus"][0]["loaded_vmcs"][0]["vmcs"]["revision_check"]
            tap.ok(rc["result"] == "fail", f"{scenario}: a revision id that differs from vmcs_config is flagged", rc)
            counts[1] += 1
    # The case's CPU: family 6 model 0x5E (boot_cpu_data patched): 0x3F1 = 2 is PEBS on PMC1 and
    # every rule passes; 0x10 sets a bit reserved on Skylake.
    if elf.phys_base is None:
        tap.ok(False, f"{scenario}: VMCOREINFO has phys_base")
        return
    sym = ktriage(*args, copy, "sym", "boot_cpu_data", check=False)
    m = re.search(r"([0-9a-f]{16})", sym.stdout)
    off = whatis_offsets([*args, copy], "struct cpuinfo_x86")
    if not tap.ok(m and {"x86", "x86_model", "x86_vendor_id"} <= off.keys(), f"{scenario}: boot_cpu_data placed",
                  sym.stdout + str(off)):
        return
    bcd = int(m.group(1), 16)
    step = "x86_stepping" if "x86_stepping" in off else "x86_mask"
    skylake = [(bcd + off["x86"], bytes([6])), (bcd + off["x86_model"], bytes([0x5E])),
               (bcd + off[step], bytes([3])), (bcd + off["x86_vendor_id"], b"GenuineIntel\0")]
    pebs_host = host + 16 * next(i for i, e in enumerate(gt["msr_autoload"]["host"]["entry"]) if e["index"] == 0x3F1)
    doc = run(skylake, "vmx")
    if doc:
        cm = doc["cpu_model"]
        tap.ok(cm["family"] == 6 and cm["model"] == 0x5E and cm["linux_name"] == "INTEL_FAM6_SKYLAKE",
               f"{scenario}: patched to family 6 model 0x5E: Skylake client", cm)
        lst = next(x for x in doc["vcpus"][0]["msr_lists"] if x["kind"] == "vm_exit_msr_load")
        e = next(x for x in lst["entries"] if hexint(x["index"]) == 0x3F1)
        tap.ok("bit 1 PEBS_EN_PMC1" in e["decoded"] and all(c["result"] == "pass" for c in e["checks"]),
               f"{scenario}: on model 0x5E, 0x3F1 = 2 is PEBS on PMC1 and passes every rule ({e['decoded']})", e)
        counts[1] += 2
    doc = run([*skylake, (pebs_host + 8, struct.pack("<Q", 0x12))], "vmx")
    if doc:
        lst = next(x for x in doc["vcpus"][0]["msr_lists"] if x["kind"] == "vm_exit_msr_load")
        e = next(x for x in lst["entries"] if hexint(x["index"]) == 0x3F1)
        res = {c["code"]: c["result"] for c in e["checks"]}
        tap.eq(res.get("msr.value_reserved"), "fail", f"{scenario}: on model 0x5E, 0x3F1 = 0x12 sets reserved bit 4")
        counts[1] += 1
    # The chain behind 0x3F1 = 2: a host PEBS event on PMC1 of CPU 1, owned by a task, built in
    # a copy (cpu_hw_events.pebs_enabled = 2, events[1] = a perf_event made in the unused part of
    # the VMCS page, precise_ip 2, owner the vCPU thread's process leader).
    pebs_chain(tap, scenario, gt, args, copy, run, counts)
    doc = run(skylake, "findings")
    if doc and tap.eq(len(vmx_findings(doc)), 1, f"{scenario}: model 0x5E: one VMX finding"):
        f = vmx_findings(doc)[0]
        facts = {x["key"]: x["value"] for x in f["facts"]}
        tap.ok(any(k.startswith("open.") for k in facts) and "what remains possible is listed" in f["summary"],
               f"{scenario}: no rule fails, so the finding lists what remains possible", facts)
        counts[1] += 1


def pebs_chain(tap, scenario, gt, args, copy, run, counts):
    cpu = gt["percpu"]["cpu"]
    pc = ktriage(*args, copy, "percpu", "cpu_hw_events", str(cpu), check=False)
    m = re.search(r"\[%d\]: ([0-9a-f]{16})" % cpu, pc.stdout)
    cpuc_off = whatis_offsets([*args, copy], "struct cpu_hw_events")
    ev_off = whatis_offsets([*args, copy], "struct perf_event")
    attr_bits = {}
    attr_off = whatis_offsets([*args, copy], "struct perf_event_attr", attr_bits)
    if not tap.ok(m and {"events", "pebs_enabled"} <= cpuc_off.keys() and {"attr", "owner"} <= ev_off.keys()
                  and {"config", "precise_ip"} <= attr_off.keys(), f"{scenario}: perf types and CPU {cpu}'s cpu_hw_events",
                  pc.stdout + pc.stderr):
        return
    cpuc = int(m.group(1), 16)
    event = hexint(gt["vmcs"]["addr"]) + 0x800
    leader = ktriage("--json", *args, copy, "task", str(gt["user"]["pid"]), check=False)
    owner = hexint(json.loads(leader.stdout)["task"]) if leader.returncode == 0 else 0
    attr = event + ev_off["attr"]
    byte = attr + attr_off["precise_ip"]
    word = byte & ~7
    precise = 2 << ((byte - word) * 8 + attr_bits.get("precise_ip", 0))
    patches = [(cpuc + cpuc_off["pebs_enabled"], struct.pack("<Q", 2)),
               (cpuc + cpuc_off["events"] + 8, struct.pack("<Q", event)),
               (attr + attr_off["config"], struct.pack("<Q", 0x1c0)),
               (word, struct.pack("<Q", precise)),
               (event + ev_off["owner"], struct.pack("<Q", owner))]
    doc = run(patches, "vmx")
    if doc:
        p = doc["vcpus"][0]["pebs"]
        ev = p["events"][0] if p and p["events"] else {}
        tap.ok(p and hexint(p["pebs_enabled"]) == 2 and ev.get("counter") == 1 and hexint(ev.get("event", "0x0")) == event
               and ev.get("precise_ip") == 2 and hexint(ev.get("config", "0x0")) == 0x1c0 and ev.get("owner")
               and ev["owner"]["pid"] == gt["user"]["pid"],
               f"{scenario}: a host PEBS event on PMC1 of CPU {cpu}, its config, precise_ip and owner", p)
        counts[1] += 1
    doc = run(patches, "findings")
    if doc and vmx_findings(doc):
        facts = {x["key"]: x["value"] for x in vmx_findings(doc)[0]["facts"]}
        tap.ok("equal to the host value" in facts.get("perf.pebs_enabled", "") and
               f"pid {gt['user']['pid']}" in facts.get("perf.event.1", ""),
               f"{scenario}: the finding ties 0x3F1 = 2 to the event on PMC1 and its owner", facts)
        counts[1] += 1


def check_anchor(tap, scenario, counts):
    """`bt -c CPU` of the CPU that ignored the NMI: the frames at and above the host stack pointer
    kvm saved at VM entry are unwound from it (rebuilt.vmentry_host_rsp), exactly the frames
    and slots the guest printed, and the note says the reconstruction agrees."""
    d = scenario_dir(tap, scenario)
    if not d:
        return
    gt = ground_truth(d)["vmx"]
    cpu = gt["vcpu"]["cpu"]
    host_rsp = hexint(gt["host_rsp"])
    doc = run_json(tap, [*debuginfo_args(d), os.path.join(d, "vmcore.kdump"), "bt", "-c", str(cpu)],
                   f"{scenario}: bt -c {cpu}", "bt")
    if not doc or not tap.eq(len(doc["backtraces"]), 1, f"{scenario}: bt -c {cpu} gives one backtrace"):
        return
    bt = doc["backtraces"][0]
    frames = bt["frames"]
    want = gt["frames"]
    first = next((i for i, f in enumerate(frames) if f.get("slot") and hexint(f["slot"]) == hexint(want[1]["slot"])),
                 None)
    if not tap.ok(first is not None and first >= 1, f"{scenario}: the anchored chain starts at the slot of "
                  f"{want[1]['func']}", [(f["function"], f.get("slot")) for f in frames]):
        return
    compared = 0
    entry = frames[first - 1]
    tap.eq(entry["function"], want[0]["func"], f"{scenario}: the VM-entry function {want[0]['func']} below it")
    tap.ok(f"0x{host_rsp:016x}" in entry["reason"], f"{scenario}: its reason names the host stack pointer",
           entry["reason"])
    compared += 1
    got = frames[first:first + len(want) - 1]
    tap.eq([(f["function"], hexint(f["slot"])) for f in got],
           [(w["func"], hexint(w["slot"])) for w in want[1:]],
           f"{scenario}: frames 1..{len(want) - 1} (function, slot) as the ground truth")
    for f, w in zip(got, want[1:]):
        tap.ok(f["reason_code"] == "rebuilt.vmentry_host_rsp" and f"0x{host_rsp:016x}" in f["reason"],
               f"{scenario}: {w['func']} at {w['slot']} is from the anchor 0x{host_rsp:x}",
               (f["reason_code"], f["reason"]))
        tap.eq(hexint(f["pc"]), hexint(w["ret"]), f"{scenario}: {w['func']} return address")
        compared += 1
    tap.ok("agrees on all" in bt["note"], f"{scenario}: the note says the reconstruction agrees", bt["note"])
    print(f"# {scenario}: compared {compared} frames of bt -c {cpu} with the ground truth's")
    tap.ok(compared > 0, f"{scenario}: compared {compared} anchored frames")
    counts[0] += compared


def main():
    tap = Tap()
    counts = [0, 0]
    for d in svm_dumps(tap):
        check_svm(tap, counts, d)
    with tempfile.TemporaryDirectory(prefix="ktriage-kvm-") as tmp:
        for scenario in ("vmx-sim-3.10", "vmx-sim-6.1"):
            check_vmx(tap, scenario, counts, tmp)
            check_anchor(tap, scenario, counts)
    print(f"# compared {counts[0]} values with the ground truth; {counts[1]} patched variants judged")
    # The patched variants are made from the vmx-sim fixtures, where the lab makes them for this kernel.
    vmx_made = any(scenario_made(s) for s in ("vmx-sim-3.10", "vmx-sim-6.1"))
    tap.ok(counts[0] > 0 and (counts[1] > 0 or not vmx_made),
           f"compared {counts[0]} values and {counts[1]} patched variants"
           f"{'' if vmx_made else ' (no vmx-sim fixture is made for this kernel)'}")
    tap.done()


if __name__ == "__main__":
    main()
