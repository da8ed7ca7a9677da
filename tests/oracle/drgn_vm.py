"""Prints drgn's view of tasks' address spaces as JSON keyed by pid: mm, pgd, total_vm, the
resident pages crash counts (MM_FILEPAGES + MM_ANONPAGES of mm->rss_stat, plus the thread group's
task->rss_stat where the kernel has one) and each VMA with its file's d_path. The VMAs of a 6.1+
mm are read from mm->mm_mt by a maple tree walk of its own here (drgn 0.0.22 has no maple tree
helper), over raw memory reads with member offsets from drgn's types; before 6.1 from the mmap
list. With --maple SYMBOL it also prints the pointer entries of that global maple tree under
"maple" (run with the system python, which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.fs import d_path
from drgn.helpers.linux.percpu import percpu_counter_sum
from drgn.helpers.linux.pid import find_task
from drgn.helpers.linux.pid import for_each_task

from maple_walk import maple_entries
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])
args = sys.argv[3:]
maple_symbol = None
if args and args[0] == "--maple":
    maple_symbol, args = args[1], args[2:]


def rss_pages(task, mm):
    counts = mm.rss_stat
    if counts.type_.kind == drgn.TypeKind.ARRAY:  # 6.2+: struct percpu_counter each
        pages = percpu_counter_sum(counts[0]) + percpu_counter_sum(counts[1])
    else:
        pages = counts.count[0].counter.value_() + counts.count[1].counter.value_()
    if prog.type("struct task_struct").has_member("rss_stat"):
        tgid = task.tgid.value_()
        for t in for_each_task(prog):
            if t.tgid.value_() == tgid:
                pages += t.rss_stat.count[0].value_() + t.rss_stat.count[1].value_()
    return max(pages, 0)


def vmas_of(mm):
    maple = mm.type_.type.has_member("mm_mt")
    if maple:
        addrs = [e for _, _, e in maple_entries(prog, mm.mm_mt.address_of_().value_()) if e & 3 == 0]
        vmas = [drgn.Object(prog, "struct vm_area_struct *", a) for a in addrs]
    else:
        vmas, v = [], mm.mmap
        while v:
            vmas.append(v)
            v = v.vm_next
    out = []
    for v in vmas:
        f = v.vm_file
        out.append({"vma": hex(v.value_()), "start": hex(v.vm_start.value_()), "end": hex(v.vm_end.value_()),
                    "flags": v.vm_flags.value_(), "file": hex(f.value_()) if f else None,
                    "path": d_path(f.f_path).decode(errors="replace") if f else None})
    return "maple" if maple else "list", out


out = {}
for pid in args:
    t = find_task(prog, int(pid))
    mm = t.mm
    if not mm:
        out[pid] = {"task": hex(t.value_()), "mm": None}
        continue
    layout, vmas = vmas_of(mm)
    out[pid] = {"task": hex(t.value_()), "mm": hex(mm.value_()), "pgd": hex(mm.pgd.value_()),
                "total_vm": mm.total_vm.value_(), "rss": rss_pages(t, mm), "layout": layout, "vmas": vmas}
if maple_symbol:
    try:
        tree = prog[maple_symbol]
    except KeyError:
        out["maple"] = None
    else:
        is_maple = tree.type_.kind == drgn.TypeKind.STRUCT and tree.type_.tag == "maple_tree"
        out["maple"] = [hex(e) for _, _, e in maple_entries(prog, tree.address_of_().value_()) if e & 3 == 0] \
            if is_maple else None
print(json.dumps(out))
