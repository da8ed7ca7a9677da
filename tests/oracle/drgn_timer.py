"""Prints drgn's view of each online CPU's timers as JSON (run with the system python, which has
drgn): the timer wheel bases (per-CPU timer_bases, each vectors[] bucket walked with drgn's
hlist helper) and the hrtimer clock bases (per-CPU hrtimer_bases, each timerqueue walked with
drgn's rbtree helper), with each timer's address, expiry and function."""
import json
import sys

import drgn
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.list import hlist_for_each_entry
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.rbtree import rbtree_inorder_for_each_entry

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])


def has(obj, member):
    try:
        obj.member_(member)
        return True
    except LookupError:
        return False


# jiffies is the linker's alias of jiffies_64: a symbol without a DWARF variable.
jiffies = drgn.Object(prog, "unsigned long", address=prog.symbol("jiffies").address)
out = {"jiffies": int(jiffies), "bases": [], "hrtimer_bases": []}
for cpu in for_each_online_cpu(prog):
    bases = per_cpu(prog["timer_bases"], cpu)
    for i in range(len(bases)):
        base = bases[i]
        timers = []
        for v in range(len(base.vectors)):
            for t in hlist_for_each_entry("struct timer_list", base.vectors[v].address_of_(), "entry"):
                timers.append({"address": hex(t.value_()), "expires": int(t.expires),
                               "function": hex(t.function.value_())})
        out["bases"].append({"cpu": cpu, "index": i, "address": hex(base.address_of_().value_()),
                             "timers": timers})
    cpu_base = per_cpu(prog["hrtimer_bases"], cpu)
    for i in range(len(cpu_base.clock_base)):
        clock = cpu_base.clock_base[i]
        active = clock.active
        root = active.rb_root.rb_root.address_of_() if has(active, "rb_root") else active.head.address_of_()
        timers = []
        for t in rbtree_inorder_for_each_entry("struct hrtimer", root, "node.node"):
            timers.append({"address": hex(t.value_()), "expires": int(t.node.expires),
                           "softexpires": int(t._softexpires), "function": hex(t.function.value_())})
        out["hrtimer_bases"].append({"cpu": cpu, "index": i, "address": hex(clock.address_of_().value_()),
                                     "cpu_base": hex(cpu_base.address_of_().value_()), "timers": timers})
json.dump(out, sys.stdout)
