#!/usr/bin/python3
"""drgn's reading of what `ktriage kmem -S CACHE` lists, as JSON: for each cache named, each
slab on a CPU (kmem_cache_cpu's slab and partial chain) or on a node's partial list, with one
letter per object: 'a' allocated, 'f' free. Free objects are found by walking the slab's
freelist and the owning CPU's lockless freelist with drgn's types (the freelist_ptr() decoding
of mm/slub.c written here in Python), and, where drgn's own slab_object_info() understands the
kernel (before 6.8's page types), each object is also asked of it (`drgn` letters).
Usage: drgn_slab.py VMCORE VMLINUX CACHES (comma-separated names)."""
import json
import sys

import drgn
from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.mm import page_to_virt
from drgn.helpers.linux.percpu import per_cpu_ptr
from drgn.helpers.linux.slab import find_slab_cache, slab_object_info

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
try:
    slab_type = prog.type("struct slab")
    cpu_member = "slab"
except LookupError:
    slab_type = prog.type("struct page")
    cpu_member = "page"


def swab(x):
    return int.from_bytes(x.to_bytes(8, "little"), "big")


def letters(cache, slab, cpu_freelist):
    hardened = any(m.name == "random" for m in cache.type_.type.members)
    size = cache.size.value_()
    first = page_to_virt(drgn.cast("struct page *", slab)).value_() + cache.red_left_pad.value_()
    n = slab.objects.value_()
    free = set()
    for head in (slab.freelist.value_(), cpu_freelist):
        p = head
        while p and p not in free and first <= p < first + n * size:
            free.add(p)
            at = p + cache.offset.value_()
            stored = prog.read_u64(at)
            p = stored ^ cache.random.value_() ^ swab(at) if hardened else stored
    return first, size, "".join("f" if first + i * size in free else "a" for i in range(n))


def drgn_letters(first, size, n):
    out = ""
    for i in range(n):
        info = slab_object_info(prog, first + i * size)
        if info is None:
            return None
        out += "a" if info.allocated else "f"
    return out


out = {}
for name in sys.argv[3].split(","):
    cache = find_slab_cache(prog, name)
    slabs = {}

    def add(slab, cpu_freelist):
        first, size, mine = letters(cache, slab, cpu_freelist)
        try:
            theirs = drgn_letters(first, size, len(mine))
        except (LookupError, ValueError, drgn.FaultError):
            theirs = None
        slabs[hex(slab.value_())] = {"walk": mine, "drgn": theirs}

    for cpu in for_each_possible_cpu(prog):
        c = per_cpu_ptr(cache.cpu_slab, cpu)
        slab = getattr(c, cpu_member)
        if slab:
            add(slab, c.freelist.value_())
        p = c.partial
        while p:
            add(p, 0)
            p = p.next
    for nid in range(prog["nr_node_ids"].value_()):
        node = cache.node[nid]
        if node:
            for slab in list_for_each_entry(slab_type, node.partial.address_of_(), "slab_list"):
                add(slab, 0)
    out[name] = slabs
print(json.dumps(out))
