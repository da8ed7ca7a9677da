#!/usr/bin/python3
"""drgn's reading of what `ktriage kmem -i`, `kmem ADDR` and `search -t` report, as JSON: the
kernel's memory counters, slab_object_info() of each address given, and every task's stack words
equal to each value given. Usage: drgn_kmem.py VMCORE VMLINUX ADDRS VALUES (comma-separated hex)."""
import json
import struct
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.percpu import percpu_counter_sum
from drgn.helpers.linux.mm import compound_head, page_to_virt, virt_to_page
from drgn.helpers.linux.slab import find_slab_cache, slab_cache_for_each_allocated_object, slab_object_info

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
addrs = [int(a, 16) for a in sys.argv[3].split(",") if a]
values = [int(v, 16) for v in sys.argv[4].split(",") if v]


def node(name):
    return prog["vm_node_stat"][prog.constant(name)].counter.value_()


out = {"total": prog["_totalram_pages"].counter.value_(),
       "free": prog["vm_zone_stat"][prog.constant("NR_FREE_PAGES")].counter.value_(),
       "slab": node("NR_SLAB_RECLAIMABLE_B") + node("NR_SLAB_UNRECLAIMABLE_B"),
       "file": node("NR_FILE_PAGES"),
       "total_swap": prog["total_swap_pages"].value_(),
       "nr_swap": prog["nr_swap_pages"].counter.value_(),
       "committed": prog["vm_committed_as"].count.value_(),
       "committed_sum": percpu_counter_sum(prog["vm_committed_as"].address_of_())}
try:
    out["swapcache"] = node("NR_SWAPCACHE")
except LookupError:
    out["swapcache"] = None


def slab_object_by_page_type(a):
    """drgn 0.0.22's slab_object_info() predates 6.11's page types (PGTY_slab in the top byte
    of page_type): the same reading by drgn's own page helpers."""
    try:
        pgty = prog.constant("PGTY_slab").value_()
    except LookupError:
        return None
    head = compound_head(virt_to_page(prog, a))
    if head.page_type.value_() >> 24 != pgty:
        return None
    slab = drgn.cast("struct slab *", head)
    cache = slab.slab_cache
    base = page_to_virt(head).value_()
    index = (a - base) // cache.size.value_()
    return {"cache": cache.name.string_().decode(),
            "object": base + index * cache.size.value_() + cache.red_left_pad.value_(), "allocated": None}


objs = []
for a in addrs:
    info = slab_object_info(prog, a)
    if info is None:
        objs.append(slab_object_by_page_type(a))
        continue
    objs.append(None if info is None else {"cache": info.slab_cache.name.string_().decode(),
                                            "object": info.address, "allocated": info.allocated})
out["slab_objects"] = objs
# THREAD_SIZE: the init task's stack, between the linker's symbols (renamed in 6.x).
for a, b in (("__start_init_stack", "__end_init_stack"), ("__start_init_task", "__end_init_task")):
    try:
        thread_size = prog.symbol(b).address - prog.symbol(a).address
        break
    except LookupError:
        pass
hits = []
for t in for_each_task(prog):
    stack = t.stack.value_()
    try:
        data = prog.read(stack, thread_size)
    except drgn.FaultError:
        continue
    for i in range(0, thread_size, 8):
        (w,) = struct.unpack_from("<Q", data, i)
        if w in values:
            hits.append([stack + i, w, t.pid.value_()])
out["stack_hits"] = hits
out["stacks"] = {str(t.pid.value_()): t.stack.value_() for t in for_each_task(prog)}
out["thread_size"] = thread_size
# The nodes' counters of a few caches, and their allocated objects as drgn walks the slabs
# (None where drgn's helpers do not know the kernel's slab layout).
caches = {}
for name in sys.argv[5].split(",") if len(sys.argv) > 5 else []:
    c = find_slab_cache(prog, name)
    if c is None:
        continue
    total = slabs = 0
    for n in range(prog["nr_node_ids"].value_()):
        node = c.node[n]
        if node:
            total += node.total_objects.counter.value_()
            slabs += node.nr_slabs.counter.value_()
    try:
        allocated = sum(1 for _ in slab_cache_for_each_allocated_object(c, "void"))
    except Exception:
        allocated = None
    caches[name] = {"total": total, "slabs": slabs, "allocated": allocated}
out["caches"] = caches
print(json.dumps(out))
