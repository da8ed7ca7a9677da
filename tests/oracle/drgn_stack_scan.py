"""Prints drgn's view of every task's kernel stack as JSON (system python with drgn): per task its
stack (task->stack, THREAD_SIZE), every word that lies in the kernel's text (_stext.._etext, and
the init code _sinittext.._einittext, freed after boot but still named by the vmlinux: a word
there is a leftover of boot) with the symbol drgn names for it, and the code and stack segments of the pt_regs at the top of the
stack (task_pt_regs), where entry from user mode saves the user registers."""
import json
import struct
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
text = [(prog.symbol(a).address, prog.symbol(b).address)
        for a, b in (("_stext", "_etext"), ("_sinittext", "_einittext"))]
# THREAD_SIZE from a vmalloc'ed stack (CONFIG_VMAP_STACK): its pages, as the kernel allocated them.
size = next(t.stack_vm_area.nr_pages.value_() * prog["PAGE_SIZE"].value_()
            for t in for_each_task(prog) if t.stack_vm_area)
out = []
for t in for_each_task(prog):
    base = t.stack.value_()
    entry = {"task": hex(t.value_()), "pid": t.pid.value_(), "start": hex(base), "end": hex(base + size),
             "text": [], "top_cs": None, "top_ss": None}
    try:
        data = prog.read(base, size)
    except drgn.FaultError:
        entry["error"] = "unreadable"
        out.append(entry)
        continue
    words = struct.unpack(f"<{size // 8}Q", data)
    for i, v in enumerate(words):
        if any(start <= v < end for start, end in text):
            try:
                sym = prog.symbol(v)
                name, start = sym.name, hex(sym.address)
            except LookupError:
                name = start = None
            entry["text"].append([hex(base + 8 * i), hex(v), name, start])
    top = size - 168  # sizeof(struct pt_regs) on x86_64
    entry["top_cs"] = words[(top + 136) // 8]
    entry["top_ss"] = words[(top + 160) // 8]
    entry["top_flags"] = words[(top + 144) // 8]
    entry["top_ip"] = words[(top + 128) // 8]
    entry["top_sp"] = words[(top + 152) // 8]
    out.append(entry)
print(json.dumps(out))
