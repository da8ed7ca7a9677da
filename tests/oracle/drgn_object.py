"""Prints, as JSON, what drgn reads of a few kernel objects, for tests/kernel/object_test.c: init_task,
every task with some bitfields, the processes on init_task.tasks, per-CPU runqueue and timer_base
fields, and the modules with their state (run with the system python, which has drgn)."""
import json
import sys

from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.pid import for_each_task
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

BITFIELDS = ["sched_reset_on_fork", "sched_contributes_to_load", "sched_migrated",
             "sched_remote_wakeup", "in_execve", "in_iowait", "restore_sigmask",
             "brk_randomized", "no_cgroup_migration", "frozen"]
task_type = prog.type("struct task_struct")
bitfields = [b for b in BITFIELDS if task_type.has_member(b)]


def enumerator(obj):
    v = obj.value_()
    for e in obj.type_.enumerators:
        if e.value == v:
            return e.name
    return None


init_task = prog["init_task"]
out = {
    "init_task": {"address": init_task.address_, "pid": init_task.pid.value_(),
                  "comm": init_task.comm.string_().decode()},
    "bitfields": bitfields,
    "tasks": [{"address": t.value_(), "pid": t.pid.value_(),
               "bits": [getattr(t, b).value_() for b in bitfields]} for t in for_each_task(prog)],
    "processes": [t.pid.value_() for t in
                  list_for_each_entry("struct task_struct", init_task.tasks.address_of_(), "tasks")],
    "cpus": [],
    "modules": [],
    "init_net.ns.inum": prog["init_net"].ns.inum.value_(),
    "system_state": {"value": prog["system_state"].value_(),
                     "name": enumerator(prog["system_state"])},
}
for cpu in for_each_possible_cpu(prog):
    rq = per_cpu(prog["runqueues"], cpu)
    tb = per_cpu(prog["timer_bases"], cpu)
    out["cpus"].append({
        "cpu": cpu, "rq.cpu": rq.cpu.value_(), "rq.nr_running": rq.nr_running.value_(),
        "rq.curr": rq.curr.value_(), "rq.clock": rq.clock.value_(),
        "timer_bases[0].cpu": tb[0].cpu.value_(), "timer_bases[1].clk": tb[1].clk.value_(),
        "timer_bases[1].lock.raw_lock.locked": tb[1].lock.raw_lock.locked.value_(),
        "timer_bases[1].lock.raw_lock.val.counter": tb[1].lock.raw_lock.val.counter.value_(),
    })
for mod in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
    out["modules"].append({"address": mod.value_(), "name": mod.name.string_().decode(),
                           "state": mod.state.value_(), "state_name": enumerator(mod.state)})
print(json.dumps(out))
