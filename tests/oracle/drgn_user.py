"""Prints what drgn reads of tasks' user memory, as JSON (run with the system python, which has
drgn): for every task with an mm, its command line and environment (drgn.helpers.linux.mm
cmdline/environ) and the first 64 bytes at mm->arg_start (access_remote_vm); and the pids of the
tasks without one; linux_banner's physical address and first word."""
import json
import sys

import drgn
from drgn.helpers.linux.mm import access_remote_vm, cmdline, environ
from drgn.helpers.linux.pid import for_each_task
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

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
            "aligned": hex(start & ~7),
            "aligned_word": hex(int.from_bytes(access_remote_vm(mm, start & ~7, 8), "little")),
        })
    except drgn.FaultError as e:
        out["errors"].append({"pid": pid, "error": str(e)})
# linux_banner's physical address (the kernel image is mapped at __START_KERNEL_map + phys_base)
# and its first word, for search -p.
banner = prog["linux_banner"].address_
phys = (banner - 0xffffffff80000000 + prog.read_u64(prog.symbol("phys_base").address)) & (1 << 64) - 1
out["banner_phys"] = hex(phys)
out["banner_word"] = hex(prog.read_u64(phys, True))
print(json.dumps(out))
