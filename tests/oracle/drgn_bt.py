"""Prints drgn's stack trace (pcs) of every sleeping task as JSON (system python with drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info(sys.argv[2:])  # the vmlinux, then any module debug files
out = {}
for t in for_each_task(prog):
    if t.on_cpu.value_():
        continue  # running tasks: drgn's view depends on its register source; compared elsewhere
    try:
        trace = prog.stack_trace(t)
        out[hex(t.value_())] = [hex(f.pc) for f in trace]
    except Exception as e:  # noqa: BLE001 - record drgn's failure, the test decides
        out[hex(t.value_())] = str(e)
print(json.dumps(out))
