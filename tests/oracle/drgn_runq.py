"""Prints drgn's view of each online CPU's runqueue as JSON (run with the system python, which has
drgn): the current task, the clock, nr_running, every queued task found by drgn's own rbtree and
list helpers (group queues walked into), and, independently of the queues, every task whose
on_rq says it is queued (TASK_ON_RQ_QUEUED) on that CPU."""
import json
import sys

import drgn
from drgn import Object, cast, container_of
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.rbtree import rbtree_inorder_for_each_entry
from drgn.helpers.linux.sched import task_cpu

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])


def has(obj, member):
    try:
        obj.member_(member)
        return True
    except LookupError:
        return False


def tree_root(obj, name):
    t = obj.member_(name)
    return t.rb_root.address_of_() if has(t, "rb_root") else t.address_of_()


def fair(cfs_rq, out):
    for se in rbtree_inorder_for_each_entry("struct sched_entity", tree_root(cfs_rq, "tasks_timeline"),
                                            "run_node"):
        if has(se, "my_q") and se.my_q:
            fair(se.my_q, out)
        else:
            out.append(("fair", container_of(se, "struct task_struct", "se")))
    if has(cfs_rq, "curr") and cfs_rq.curr and has(cfs_rq.curr, "my_q") and cfs_rq.curr.my_q:
        fair(cfs_rq.curr.my_q, out)


def rt(rt_rq, out):
    for head in rt_rq.active.queue:
        for rse in list_for_each_entry("struct sched_rt_entity", head.address_of_(), "run_list"):
            if has(rse, "my_q") and rse.my_q:
                rt(rse.my_q, out)
            else:
                out.append(("rt", container_of(rse, "struct task_struct", "rt")))


def dl(rq, out):
    for dse in rbtree_inorder_for_each_entry("struct sched_dl_entity", tree_root(rq.dl, "root"), "rb_node"):
        if (has(dse, "dl_server") and dse.dl_server) or (has(rq, "fair_server") and
                                                          dse.address_ == rq.fair_server.address_):
            out.append(("deadline", None))
        else:
            out.append(("deadline", container_of(dse, "struct task_struct", "dl")))


cpus = []
for cpu in for_each_online_cpu(prog):
    rq = per_cpu(prog["runqueues"], cpu)
    queued = []
    dl(rq, queued)
    rt(rq.rt, queued)
    fair(rq.cfs, queued)
    curr = rq.curr
    cpus.append({
        "cpu": cpu,
        "rq": hex(rq.address_),
        "clock": rq.clock.value_(),
        "nr_running": rq.nr_running.value_(),
        "current": {"task": hex(curr.value_()), "pid": curr.pid.value_(),
                    "comm": curr.comm.string_().decode(errors="replace")},
        "last_arrival": curr.sched_info.last_arrival.value_(),
        "queued": [{"class": c, "task": hex(t.value_()) if t is not None else None,
                    "pid": t.pid.value_() if t is not None else None,
                    "prio": t.prio.value_() if t is not None else None} for c, t in queued],
    })
# Independently of the queues: tasks the scheduler marks queued (on_rq == TASK_ON_RQ_QUEUED) and
# not running, by CPU.
on_rq = {}
currents = {c["current"]["task"] for c in cpus}
for t in for_each_task(prog):
    if t.on_rq.value_() == 1 and hex(t.value_()) not in currents:
        on_rq.setdefault(task_cpu(t), []).append(hex(t.value_()))
for c in cpus:
    c["on_rq"] = sorted(on_rq.get(c["cpu"], []))
print(json.dumps(cpus))
