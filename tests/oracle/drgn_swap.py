"""Prints drgn's view of the swap areas as JSON (run with the system python, which has drgn):
nr_swapfiles, total_swap_pages (the kernel's own sum of the areas in use), and each swap_info[]
entry in use (SWP_USED) with its pages, inuse_pages, prio and path (drgn's d_path)."""
import json
import sys

import drgn
from drgn.helpers.linux.fs import d_path

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])

nr = int(prog["nr_swapfiles"])
areas = []
for i in range(nr):
    si = prog["swap_info"][i]
    if not si or not (int(si.flags) & 1):  # SWP_USED
        continue
    areas.append({"swap_info_struct": hex(si.value_()), "type": i, "pages": int(si.pages),
                  "inuse_pages": int(si.inuse_pages), "prio": int(si.prio),
                  "path": d_path(si.swap_file.f_path.address_of_()).decode()})
json.dump({"nr_swapfiles": nr, "total_swap_pages": int(prog["total_swap_pages"]), "areas": areas}, sys.stdout)
