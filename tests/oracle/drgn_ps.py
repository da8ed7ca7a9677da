"""Prints drgn's view of every task as JSON (run with the system python, which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.sched import task_cpu, task_state_to_char

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
tasks = []
for t in for_each_task(prog):
    tasks.append({
        "task": hex(t.value_()),
        "pid": t.pid.value_(),
        "comm": t.comm.string_().decode(errors="replace"),
        "state": task_state_to_char(t),
        "cpu": task_cpu(t),
    })
print(json.dumps(tasks))
