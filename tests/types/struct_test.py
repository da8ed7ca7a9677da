#!/usr/bin/env python3
"""`ktriage struct / whatis / member-at / p` on the lab's dumps: values and layouts as drgn reads
them from the debug vmlinux's DWARF (ktriage reads the kernel's BTF), objects at the addresses the
guest printed in its ground truth, and bad input that must fail cleanly."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

# drgn's view, run with the system python that has drgn: argv = dump, vmlinux, request (JSON).
ORACLE = r'''
import json, sys
import drgn
from drgn import TypeKind, offsetof, sizeof
from drgn.helpers.linux.percpu import per_cpu_ptr
from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.pid import find_task

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
req = json.loads(sys.argv[3])

def size_of(t):
    try:
        return sizeof(t)
    except Exception:
        return 0

def strip(t):
    t = t.unqualified()
    while t.kind == TypeKind.TYPEDEF:
        t = t.type.unqualified()
    return t

def join(path, name):
    return path if not name else (path + "." + name if path else name)

def leaves(t, target, path, acc):
    t = strip(t)
    if t.kind in (TypeKind.STRUCT, TypeKind.UNION):
        for m in t.members:
            first = m.bit_offset // 8
            if m.bit_field_size:
                if first <= target <= (m.bit_offset + m.bit_field_size - 1) // 8:
                    acc.append(join(path, m.name))
                continue
            size = size_of(m.type)
            if size and first <= target < first + size:
                leaves(m.type, target - first, join(path, m.name), acc)
    elif t.kind == TypeKind.ARRAY and size_of(t.type):
        es = size_of(t.type)
        leaves(t.type, target % es, "%s[%d]" % (path, target // es), acc)
    else:
        acc.append(path)
    return acc

out = {"members": {}, "member_at": [], "offsets": []}
for name in req["types"]:
    t = prog.type(name)
    out["members"][name] = {"size": size_of(t), "members": [
        {"name": m.name or "", "offset": m.bit_offset // 8, "size": size_of(m.type),
         "bit_size": m.bit_field_size or 0, "type": m.type.type_name()} for m in t.members]}
for name, off in req["member_at"]:
    out["member_at"].append(sorted(set(leaves(prog.type(name), off, "", []))))
for name, path in req["offsets"]:
    out["offsets"].append(offsetof(prog.type(name), path))
task = find_task(prog, req["pid"])
out["task"] = {"address": hex(task.value_()), "comm": task.comm.string_().decode(),
               "pid": task.pid.value_(), "on_rq": task.se.on_rq.value_(),
               "tasks": offsetof(prog.type("struct task_struct"), "tasks"),
               "next": hex(task.tasks.next.value_()), "prev": hex(task.tasks.prev.value_()),
               "weight": task.se.load.weight.value_()}
out["jiffies"] = prog["jiffies_64"].value_()
out["init_comm"] = prog["init_task"].comm.string_().decode()
out["panic_cpu"] = prog["panic_cpu"].counter.value_()
rq = prog["runqueues"]
out["runqueues"] = {str(c): [hex(per_cpu_ptr(rq.address_of_(), c).value_()),
                             per_cpu_ptr(rq.address_of_(), c).nr_running.value_()]
                    for c in for_each_possible_cpu(prog)}
print(json.dumps(out))
'''

TYPES = ["struct list_head", "struct task_struct", "struct kvm_vcpu", "struct page", "struct rq",
         "struct mutex", "union kvm_mmu_page_role"]
# (type, offset): a nested member, union alternatives, array elements, bitfields.
MEMBER_AT = [("struct kvm_vcpu", 0x348), ("struct kvm_vcpu", 0x20), ("struct page", 0x10),
             ("struct page", 0x2c), ("struct page", 0x8), ("struct task_struct", 0x18),
             ("struct kvm_vcpu", 0x4b), ("union kvm_mmu_page_role", 1), ("struct rq", 0x100)]
# Members every kernel the lab runs has (5.10, 6.1, 6.12); offsets from drgn.
OFFSETS = [("struct kvm_vcpu", "arch.cr3"), ("struct task_struct", "se.on_rq"),
           ("struct kvm_vcpu", "arch.regs[2]"), ("struct page", "_refcount"),
           ("struct task_struct", "thread.sp")]


def run_oracle(tap, name, d, pid):
    req = {"types": TYPES, "member_at": MEMBER_AT, "offsets": OFFSETS, "pid": pid}
    p = subprocess.run(["/usr/bin/python3", "-c", ORACLE, os.path.join(d, "vmcore.kdump"),
                        os.path.join(d, "vmlinux"), json.dumps(req)],
                       capture_output=True, text=True, timeout=600)
    if not tap.ok(p.returncode == 0, f"{name}: drgn reads the dump", p.stderr[-2000:]):
        return None
    return json.loads(p.stdout)


def kt_json(dump, *args):
    p = ktriage("--json", dump, *args, check=False)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout), p.stderr


def values(obj):
    """{name: value} of a JSON value node's members."""
    return {m["name"]: m["value"] for m in obj["value"]}


def without_offsets(node):
    """A value tree without its offsets, which count from the object printed."""
    if isinstance(node, list):
        return [without_offsets(n) for n in node]
    if isinstance(node, dict):
        return {k: without_offsets(v) for k, v in node.items() if k != "offset"}
    return node


def check_values(tap, name, dump, want):
    t = want["task"]
    got, err = kt_json(dump, "struct", "task_struct.comm,pid,se.on_rq", t["address"])
    tap.ok(got is not None and values(got) == {"comm": t["comm"], "pid": t["pid"], "se.on_rq": t["on_rq"]},
           f"{name}: struct task_struct.comm,pid,se.on_rq of the panicking task as drgn reads them",
           got or err)
    addr = hex(int(t["address"], 16) + t["tasks"])
    got, err = kt_json(dump, "struct", "list_head", addr)
    tap.ok(got is not None and values(got) == {"next": t["next"], "prev": t["prev"]},
           f"{name}: the whole struct list_head at its tasks member", got or err)
    got, err = kt_json(dump, "struct", "task_struct", t["address"])
    se = {m["name"]: m for m in got["value"]}.get("se") if got else None
    load = {m["name"]: m for m in se["value"]}.get("load") if se else None
    tap.ok(load is not None and values(load)["weight"] == t["weight"] and se["offset"] > 0,
           f"{name}: the whole task_struct nests se.load.weight as drgn reads it", load or err)
    text = ktriage(dump, "struct", "task_struct", t["address"]).stdout
    # makedumpfile drops zero-filled pages (-d bit 0): the FPU save area at the end of a task
    # (6.1: a 10 KiB task_struct) can end in one, which reads as excluded, as crash says too.
    unreadable = re.findall(r"<unreadable: ([^>]*)>", text)
    tap.ok(text.startswith("struct task_struct {\n") and f'  comm = "{t["comm"]}",' in text
           and all(u.startswith("page excluded from the dump") for u in unreadable),
           f"{name}: the text print-out of the task (unreadable only where a page was filtered out: "
           f"{len(unreadable)})", text[:300])

    # Arrays: capped with a count of the rest, runs of equal elements folded as gdb does.
    got, err = kt_json(dump, "struct", "-a", "4", "task_struct.cpus_mask.bits", t["address"])
    bits = got["value"][0] if got else {}
    tap.ok(got is not None and len(bits["value"]) == 4 and bits["omitted"] == bits["size"] // 8 - 4,
           f"{name}: struct -a 4 prints 4 elements of cpus_mask.bits and counts the others", got or err)
    text = ktriage(dump, "struct", "task_struct.cpus_mask.bits", t["address"]).stdout
    tap.ok(f"<repeats {bits.get('size', 0) // 8 - 1} times>}}" in text,
           f"{name}: cpus_mask.bits beyond the first word print as one run", text)
    text = ktriage(dump, "p", "-x", "init_task.flags").stdout
    tap.ok(text.startswith("init_task.flags = 0x"), f"{name}: p -x prints hex", text)

    got, err = kt_json(dump, "p", "jiffies")
    tap.ok(got is not None and got["value"] == want["jiffies"], f"{name}: p jiffies", got or err)
    got, err = kt_json(dump, "p", "init_task.comm")
    tap.ok(got is not None and got["value"] == want["init_comm"], f"{name}: p init_task.comm", got or err)
    # A path that crosses a pointer reads it: init_task is its own real_parent.
    got, err = kt_json(dump, "p", "init_task.real_parent->real_parent->comm")
    tap.ok(got is not None and got["value"] == want["init_comm"],
           f"{name}: p init_task.real_parent->real_parent->comm", got or err)
    got, err = kt_json(dump, "p", "panic_cpu")
    tap.ok(got is not None and values(got) == {"counter": want["panic_cpu"]}, f"{name}: p panic_cpu", got or err)
    rq = want["runqueues"]
    got, err = kt_json(dump, "p", "runqueues")
    tap.ok(got is not None and {str(c["cpu"]): c["address"] for c in got["percpu"]} == {c: v[0] for c, v in rq.items()},
           f"{name}: p runqueues lists the per-CPU addresses drgn computes", got or err)
    got, err = kt_json(dump, "p", "runqueues:a.nr_running")
    tap.ok(got is not None and [g["value"] for g in got["values"]] == [v[1] for _, v in sorted(rq.items())],
           f"{name}: p runqueues:a.nr_running", got or err)


def check_layouts(tap, name, dump, want):
    for tname in TYPES:
        got, err = kt_json(dump, "whatis", tname)
        w = want["members"][tname]
        if not tap.ok(got is not None, f"{name}: whatis {tname}", err):
            continue
        mine = [{"name": m["name"], "offset": m["offset"], "size": m["size"],
                 "bit_size": m.get("bit_size", 0)} for m in got["members"]]
        theirs = [{k: m[k] for k in ("name", "offset", "size", "bit_size")} for m in w["members"]]
        diffs = [(a, b) for a, b in zip(mine, theirs) if a != b]
        tap.ok(got["size"] == w["size"] and len(mine) == len(theirs) and not diffs,
               f"{name}: whatis {tname}: size and every member's offset and size as drgn's", diffs[:5])
        names = [(m["type"], w["type"]) for m, w in zip(got["members"], w["members"])
                 if "anonymous" not in w["type"] and m["type"] != w["type"]]
        tap.ok(not names, f"{name}: whatis {tname}: member types spelled as drgn spells them", names[:5])
    for (tname, off), paths in zip(MEMBER_AT, want["member_at"]):
        got, err = kt_json(dump, "member-at", tname, hex(off))
        mine = sorted({m["path"] for m in got["members"] if not m.get("padding")}) if got else None
        tap.eq(mine, paths, f"{name}: member-at {tname} {hex(off)} as drgn's layout says")
    got, _ = kt_json(dump, "member-at", "kvm_vcpu", "0x34")
    tap.ok(got and got["members"] == [{"path": "mode", "offset": 0x34, "size": 4,
                                       "type": "struct kvm_vcpu", "padding": True}],
           f"{name}: member-at kvm_vcpu 0x34 is the hole after mode", got)
    for (tname, path), off in zip(OFFSETS, want["offsets"]):
        got, err = kt_json(dump, "member-at", tname, str(off))
        tap.ok(got is not None and any(m["offset"] == off and (m["path"] + ".").startswith(path + ".")
                                       for m in got["members"]),
               f"{name}: member-at {tname} at offsetof({path}) = {off} finds {path}", got or err)


def gt_tasks(node, found):
    """Tasks the guest printed: {task, pid, comm} or {addr, pid, comm} under a "task" key."""
    if isinstance(node, dict):
        if isinstance(node.get("task"), str) and "pid" in node and "comm" in node:
            found.append((node["task"], node["pid"], node["comm"]))
        t = node.get("task")
        if isinstance(t, dict) and {"addr", "pid", "comm"} <= t.keys():
            found.append((t["addr"], t["pid"], t["comm"]))
        for v in node.values():
            gt_tasks(v, found)
    elif isinstance(node, list):
        for v in node:
            gt_tasks(v, found)
    return found


def check_ground_truth(tap, name, dump, gt):
    for addr, pid, comm in sorted(set(gt_tasks(gt, []))):
        got, err = kt_json(dump, "struct", "task_struct.pid,comm", addr)
        tap.ok(got is not None and values(got)["pid"] == pid and values(got)["comm"].startswith(comm),
               f"{name}: struct task_struct.pid,comm {addr} is {pid} ({comm}) as the guest printed", got or err)
    nmi = gt.get("nmi", {})
    if "regs" in nmi and "interrupted_pc" in nmi:
        got, err = kt_json(dump, "struct", "pt_regs.ip,sp", nmi["regs"])
        tap.ok(got is not None and values(got) == {"ip": int(nmi["interrupted_pc"], 16),
                                                    "sp": int(nmi["interrupted_sp"], 16)},
               f"{name}: struct pt_regs.ip,sp at the NMI's regs is where the guest says it stopped", got or err)
    mutex = gt.get("mutex", {})
    if "addr" in mutex:
        got, err = kt_json(dump, "struct", "mutex.owner.counter", mutex["addr"])
        owner = values(got)["owner.counter"] if got else None
        # atomic_long_t: signed; the low bits are flags (MUTEX_FLAGS).
        tap.ok(owner is not None and owner & ~7 & (2**64 - 1) == int(mutex["owner"], 16),
               f"{name}: struct mutex.owner at {mutex['addr']} is the holder the guest printed", got or err)
    kvm = gt.get("svm") or (gt.get("vmx") if gt.get("vmx", {}).get("layout") == "6.1" else None)
    if not kvm:
        return  # vmx-sim-3.10 lays out its own old kvm_vcpu: not the kernel's type
    vcpu, off = kvm["vcpu"], kvm["offset"]
    got, err = kt_json(dump, "struct", "kvm_vcpu.vcpu_id,cpu,mode,kvm,run,vcpu_idx", kvm["kvm_vcpu"])
    v = values(got) if got else {}
    want = {k: vcpu[k] for k in ("vcpu_id", "cpu", "mode", "vcpu_idx") if k in vcpu}
    want.update({k: "0x" + vcpu[k] for k in ("kvm", "run") if k in vcpu})
    tap.ok(got is not None and all(v.get(k) == w for k, w in want.items()),
           f"{name}: struct kvm_vcpu at {kvm['kvm_vcpu']} holds what the guest printed", (v, want))
    # The union command on a union inside the vcpu: the same bits as the path through the struct.
    # kvm_mmu.root_role since 5.19 (commit 7a7ae8292391), mmu_role.base before: the layout says.
    mmu, err = kt_json(dump, "whatis", "struct kvm_mmu")
    role_path = "root_role" if mmu and any(m["name"] == "root_role" for m in mmu["members"]) else "mmu_role.base"
    got, err = kt_json(dump, "struct", f"kvm_vcpu.arch.root_mmu.{role_path}", kvm["kvm_vcpu"])
    role = got["value"][0] if got else None
    union = None
    if role:
        union, err = kt_json(dump, "union", "kvm_mmu_page_role", hex(int(kvm["kvm_vcpu"], 16) + role["offset"]))
    tap.ok(union is not None and union["type"] == "union kvm_mmu_page_role"
           and without_offsets(union["value"]) == without_offsets(role["value"]),
           f"{name}: union kvm_mmu_page_role at arch.root_mmu.{role_path} reads as the member path does", err)
    for member in ("cpu", "mode", "vcpu_id"):
        if f"kvm_vcpu_{member}" in off:
            got, err = kt_json(dump, "member-at", "kvm_vcpu", str(off[f"kvm_vcpu_{member}"]))
            tap.ok(got is not None and [m["path"] for m in got["members"]] == [member],
                   f"{name}: member-at kvm_vcpu {off[f'kvm_vcpu_{member}']} is {member} (guest's offsetof)", got or err)
    got, err = kt_json(dump, "whatis", "kvm_vcpu")
    tap.ok(got is not None and got["size"] == kvm["sizeof"]["kvm_vcpu"], f"{name}: sizeof(struct kvm_vcpu)", got or err)


def check_bad_input(tap, name, dump, task):
    past_ram = hex(int(task, 16) + (64 << 30))  # the direct map of RAM the guest never had
    cases = [
        (["struct", "no_such_type", task], "no type 'struct no_such_type'"),
        (["struct", "task_struct.no_such_member", task], "has no member 'no_such_member'"),
        (["struct", "task_struct.se.nope", task], "struct sched_entity has no member 'nope'"),
        (["struct", "task_struct.comm[99]", task], "out of range"),
        (["struct", "task_struct", "0xffff800000000000"], "0xffff800000000000: address does not translate"),
        (["struct", "task_struct", "0x8000000000000000"], "not a canonical address"),
        (["struct", "task_struct", past_ram], f"0x{int(past_ram, 16):016x}: address does not translate"),
        (["member-at", "kvm_vcpu", "0x100000"], "past the end of struct kvm_vcpu"),
        (["whatis", "no_such_thing"], "neither a type"),
        (["p", "no_such_symbol"], "no symbol 'no_such_symbol'"),
        (["p", "jiffies:1"], "not a per-CPU variable"),
        (["p", "(struct task_struct)0x1000"], "pointer type"),
    ]
    for args, message in cases:
        p = ktriage(dump, *args, check=False)
        tap.ok(p.returncode == 1 and message in p.stderr and p.stderr.startswith("ktriage: ")
               and "Sanitizer" not in p.stderr and not p.stdout,
               f"{name}: {' '.join(args)} fails with exit status 1: {message}", (p.returncode, p.stderr))
    # A global BTF has no VAR for: typed from the debug vmlinux's DWARF where one is at hand and
    # BTF has its array type (char [N]), else refused with why.
    p = ktriage(dump, "p", "linux_banner", check=False)
    tap.ok((p.returncode == 0 and p.stdout.startswith('linux_banner = "Linux version ')) or
           (p.returncode == 1 and "has no type here" in p.stderr and not p.stdout and "Sanitizer" not in p.stderr),
           f"{name}: p linux_banner prints the banner, or fails with exit status 1: has no type here",
           (p.returncode, p.stdout[:200], p.stderr))
    # A member without an address: its offset, as crash's struct TYPE.member prints it.
    p = ktriage(dump, "struct", "task_struct.comm", check=False)
    tap.ok(p.returncode == 0 and re.search(r"^\s+\[\d+\] char comm\[16\];$", p.stdout, re.M)
           and p.stdout.startswith("struct task_struct {"),
           f"{name}: struct task_struct.comm without an address prints the member's offset", p.stdout + p.stderr)


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        if not os.path.exists(dump):
            continue  # QEMU dumps: drgn 0.0.22 cannot read them (see drgn_oracle_test.py)
        gt = ground_truth(d)
        # The task that took the machine down: the panic's, or the oops's that took the dump itself.
        pid = gt.get("console", {}).get("panic_pid", gt.get("oops", {}).get("pid"))
        if pid is None:
            print(f"# {name}: no panicking task to compare with drgn")
            continue
        want = run_oracle(tap, name, d, pid)
        if not want:
            continue
        check_values(tap, name, dump, want)
        check_layouts(tap, name, dump, want)
        check_ground_truth(tap, name, dump, gt)
        check_bad_input(tap, name, dump, want["task"]["address"])
    tap.done()


if __name__ == "__main__":
    main()
