"""Prints drgn's view of the tasks given by address or pid (the task_struct members `ktriage task`
shows), as JSON (run with the system python, which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.pid import find_task
from drgn.helpers.linux.sched import task_cpu, task_state_to_char
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

out = {}
for key in sys.argv[3:]:
    if key.startswith("0x"):
        t = drgn.Object(prog, "struct task_struct *", int(key, 16))
    else:
        t = find_task(prog, int(key))
    out[key] = {
        "task": hex(t.value_()),
        "pid": t.pid.value_(),
        "tgid": t.tgid.value_(),
        "ppid": t.real_parent.tgid.value_(),
        "parent": hex(t.real_parent.value_()),
        "parent_comm": t.real_parent.comm.string_().decode(errors="replace"),
        "comm": t.comm.string_().decode(errors="replace"),
        "state": task_state_to_char(t),
        "cpu": task_cpu(t),
        "flags": t.flags.value_(),
        "stack": hex(t.stack.value_()),
        "sp": hex(t.thread.sp.value_()),
        "mm": hex(t.mm.value_()),
        "active_mm": hex(t.active_mm.value_()),
    }
print(json.dumps(out))
