#!/usr/bin/python3
"""drgn's reading of what `ktriage kmem -v` lists, as JSON: each busy vmap_area (vmap_area_list,
or 6.9+'s vmap_nodes[i].busy.root trees) as [vmap_area, vm, va_start, va_end, caller, caller's
symbol name or null], sorted by va_start. Usage: drgn_vmalloc.py VMCORE VMLINUX."""
import json
import sys

import drgn
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.rbtree import rbtree_inorder_for_each_entry

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])

try:
    areas = list(list_for_each_entry("struct vmap_area", prog["vmap_area_list"].address_of_(), "list"))
except KeyError:
    areas = []
    for i in range(prog["nr_vmap_nodes"].value_()):
        root = prog["vmap_nodes"][i].busy.root.address_of_()
        areas += rbtree_inorder_for_each_entry("struct vmap_area", root, "rb_node")
rows = []
for va in areas:
    vm = va.vm.value_()
    caller = va.vm.caller.value_() if vm else 0
    try:
        name = prog.symbol(caller).name if caller else None
    except LookupError:
        name = None
    rows.append([va.value_(), vm, va.va_start.value_(), va.va_end.value_(), caller, name])
rows.sort(key=lambda r: r[2])
print(json.dumps(rows))
