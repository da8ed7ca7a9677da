"""Prints, as JSON, what drgn reads for tests/cli/expr_test.py: sizes and top-level member offsets
of the types named (argv[3], comma-separated), offsetof of member paths (argv[4]: TYPE:PATH,...),
init_task's address, pid, prio and comm, jiffies, each possible CPU's runqueue (address, cpu,
nr_running, curr) and 64 bytes at init_task (run with the system python, which has drgn)."""
import json
import sys

from drgn import offsetof, sizeof
from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.percpu import per_cpu
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

out = {"types": {}, "offsetof": {}, "cpus": []}
for name in filter(None, sys.argv[3].split(",")):
    t = prog.type(name)
    out["types"][name] = {"size": sizeof(t),
                          "members": [[m.name, m.bit_offset // 8] for m in t.members if m.name]}
for spec in filter(None, sys.argv[4].split(",")):
    tname, path = spec.split(":", 1)
    out["offsetof"][spec] = offsetof(prog.type(tname), path)
init_task = prog["init_task"]
out["init_task"] = {"address": init_task.address_, "pid": init_task.pid.value_(),
                    "prio": init_task.prio.value_(), "comm": init_task.comm.string_().decode(),
                    "bytes": prog.read(init_task.address_, 64).hex()}
out["jiffies"] = prog["jiffies_64"].value_()  # jiffies is a linker alias of it
for cpu in for_each_possible_cpu(prog):
    rq = per_cpu(prog["runqueues"], cpu)
    out["cpus"].append({"cpu": cpu, "address": rq.address_, "rq.cpu": rq.cpu.value_(),
                        "nr_running": rq.nr_running.value_(), "curr": rq.curr.value_()})
print(json.dumps(out))
