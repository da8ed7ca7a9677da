#!/usr/bin/python3
"""drgn's reading of struct pages for `ktriage kmem -p`, as JSON: for each pfn given,
[page, phys, mapping, index, _refcount, flags] (null when drgn cannot read the page).
Usage: drgn_pages.py VMCORE VMLINUX PFNS (comma-separated hex)."""
import json
import sys

import drgn
from drgn.helpers.linux.mm import pfn_to_page

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
rows = []
for pfn in (int(x, 16) for x in sys.argv[3].split(",") if x):
    page = pfn_to_page(prog, pfn)
    try:
        rows.append([page.value_(), pfn << 12, page.mapping.value_(), page.index.value_(),
                     page._refcount.counter.value_(), page.flags.value_()])
    except drgn.FaultError:
        rows.append(None)
print(json.dumps(rows))
