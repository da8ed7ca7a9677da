"""Prints, as JSON, addresses of every kind for vtop and what drgn reads of each (run with the
system python, which has drgn): kernel image symbols, direct-map task_structs and page tables,
vmalloc'd stacks and vmap areas, module bases, per-CPU runqueues, addresses that are not mapped,
and user addresses of a user task. For each: the walk read here from physical memory (the root
init_top_pgt at symbol - __START_KERNEL_map + phys_base, or the task's mm->pgd less
page_offset_base; each entry's physical address and value down to a page or an entry that is not
present), the physical address it gives, where drgn has its own answer that answer (virt_to_phys
for the direct map; the first 64 bytes drgn reads at the virtual address, to compare with those at
the physical one), and the struct page drgn's phys_to_page gives for frames below max_pfn."""
import json
import sys

import drgn
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.mm import access_remote_vm, phys_to_page, virt_to_phys
from drgn.helpers.linux.percpu import for_each_online_cpu, per_cpu_ptr
from drgn.helpers.linux.pid import for_each_task
from drgn_open import open_program

START_KERNEL_MAP = 0xffffffff80000000
ADDR_MASK = 0x000ffffffffff000
LEVELS = ["PML5E", "PML4E", "PDPTE", "PDE", "PTE"]

prog = open_program(sys.argv[1], sys.argv[2])


def u64(name):
    return prog.read_u64(prog.symbol(name).address)


phys_base = u64("phys_base")
page_offset = u64("page_offset_base")
max_pfn = u64("max_pfn")
try:
    la57 = bool(prog["__pgtable_l5_enabled"].value_())
except KeyError:
    la57 = False
top = "init_top_pgt"
try:
    top_addr = prog.symbol(top).address
except LookupError:
    top = "init_level4_pgt"
    top_addr = prog.symbol(top).address
kernel_root = (top_addr - START_KERNEL_MAP + phys_base) & ((1 << 64) - 1)  # phys_base may be "negative"


def walk(root, va):
    """[(level, entry address, entry)], the physical address or None, the page size."""
    steps, table = [], root & ADDR_MASK
    for level in range(4 if la57 else 3, -1, -1):
        shift = 12 + 9 * level
        at = table + ((va >> shift) & 511) * 8
        try:
            entry = prog.read_u64(at, True)
        except drgn.FaultError:
            steps.append((LEVELS[4 - level], at, None))
            return steps, None, None
        steps.append((LEVELS[4 - level], at, entry))
        if not entry & 1:
            return steps, None, None
        if level == 0 or (level in (1, 2) and entry & 0x80):
            size = 1 << shift
            return steps, (entry & ADDR_MASK & ~(size - 1)) | (va & (size - 1)), size
        table = entry & ADDR_MASK
    return steps, None, None


items = []


def add(kind, va, mm=None, task=None, pid=None):
    va &= (1 << 64) - 1
    root = kernel_root if mm is None else mm.pgd.value_() - page_offset
    steps, pa, size = walk(root, va)
    item = {"kind": kind, "address": hex(va), "root": hex(root),
            "walk": [[lvl, hex(at), None if e is None else hex(e)] for lvl, at, e in steps],
            "physical": None if pa is None else hex(pa), "page_size": size,
            "page": None, "virt_to_phys": None, "same_bytes": None}
    if task is not None:
        item["task"], item["pid"] = hex(task), pid
    if pa is not None:
        if pa >> 12 < max_pfn:
            item["page"] = hex(phys_to_page(prog, pa).value_())
        if kind == "direct map":
            item["virt_to_phys"] = hex(virt_to_phys(drgn.Object(prog, "void *", va)).value_())
        try:
            n = min(64, 4096 - (va & 4095))
            by_va = access_remote_vm(mm, va, n) if mm is not None else prog.read(va, n)
            item["same_bytes"] = by_va == prog.read(pa, n, True)
        except drgn.FaultError:
            pass  # the page is not in the dump (kdump leaves user pages out)
    items.append(item)


for name in ("jiffies", "init_task", "linux_banner", "_text", top, "__per_cpu_offset", "_etext"):
    try:
        add("symbol " + name, prog.symbol(name).address)
    except LookupError:
        pass
tasks = list(for_each_task(prog))
for task in tasks[:4] + tasks[-2:]:
    add("direct map", task.value_())
stacks = [t for t in tasks if t.stack.value_() < START_KERNEL_MAP and t.stack.value_() >= u64("vmalloc_base")]
for task in stacks[:3]:
    add("vmalloc stack", task.stack.value_() + 0x100)
try:
    busy = [prog["vmap_area_list"].address_of_()]
except KeyError:  # 6.9+: a busy list per vmap node
    busy = [prog["vmap_nodes"][n].busy.head.address_of_() for n in range(prog["nr_vmap_nodes"].value_())]
areas = [va for head in busy for va in list_for_each_entry("struct vmap_area", head, "list")]
for va in areas[:4]:
    add("vmap area", va.va_start.value_())
for i, mod in enumerate(list_for_each_entry("struct module", prog["modules"].address_of_(), "list")):
    if i >= 3:
        break
    try:
        base = mod.mem[0].base.value_()  # 6.4+
    except (AttributeError, LookupError):
        base = mod.core_layout.base.value_()
    add("module", base)
for cpu in for_each_online_cpu(prog):
    add("per-cpu", per_cpu_ptr(prog["runqueues"].address_of_(), cpu).value_())
add("unmapped", u64("vmalloc_base") + (1 << 44) + 0x123000)
add("unmapped", 0xffffffffff000000 - 0x40000000)
user = next((t for t in tasks if t.mm and t.pid.value_() > 0), None)
if user is not None:
    mm, pid = user.mm, user.pid.value_()
    add("direct map", mm.pgd.value_())  # a page table page
    for what in ("arg_start", "start_stack", "start_code", "start_data", "start_brk"):
        add("user " + what, getattr(mm, what).value_(), mm, user.value_(), pid)
    add("user unmapped", 0x1000, mm, user.value_(), pid)
print(json.dumps({"la57": la57, "root_source": top, "items": items}))
