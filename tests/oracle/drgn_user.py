"""Prints what drgn reads of tasks' user memory, as JSON (run with the system python, which has
drgn): for every task with an mm, its command line and environment (drgn.helpers.linux.mm
cmdline/environ) and the first 64 bytes at mm->arg_start (access_remote_vm); and the pids of the
tasks without one."""
import json
import sys

import drgn
from drgn.helpers.linux.mm import access_remote_vm, cmdline, environ
from drgn.helpers.linux.pid import for_each_task

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
try:
    prog.load_debug_info([sys.argv[2]])
except drgn.MissingDebugInfoError:
    pass  # module debug info is not needed here

out = {"tasks": [], "kernel_threads": [], "errors": []}
for task in for_each_task(prog):
    pid = task.pid.value_()
    mm = task.mm
    if not mm:
        out["kernel_threads"].append(pid)
        continue
    try:
        start = mm.arg_start.value_()
        out["tasks"].append({
            "pid": pid,
            "task": hex(task.value_()),
            "arg_start": hex(start),
            "args": [a.decode("latin-1") for a in cmdline(task)],
            "env": [e.decode("latin-1") for e in environ(task)],
            "arg_bytes": access_remote_vm(mm, start, 64).hex(),
        })
    except drgn.FaultError as e:
        out["errors"].append({"pid": pid, "error": str(e)})
print(json.dumps(out))
