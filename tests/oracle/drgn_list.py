"""Prints drgn's view of a few kernel lists and trees as JSON (system python with drgn): the
modules list (struct module, name), every task from init_task.tasks (address, pid), the
real_parent chain of the newest task up to init_task, the free vmap areas' red-black tree in
order, and the entries of init_pid_ns's IDR (an XArray)."""
import json
import sys

import drgn
from drgn.helpers.linux.idr import idr_for_each
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.rbtree import rbtree_inorder_for_each_entry

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
init = prog["init_task"]
modules = [[hex(m.value_()), m.name.string_().decode()]
           for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list")]
tasks = [[hex(init.address_of_().value_()), init.pid.value_()]]
tasks += [[hex(t.value_()), t.pid.value_()]
          for t in list_for_each_entry("struct task_struct", init.tasks.address_of_(), "tasks")]
chain = []
t = drgn.Object(prog, "struct task_struct", address=int(tasks[-1][0], 16)).address_of_()
while True:
    chain.append(hex(t.value_()))
    if t.real_parent.value_() == t.value_():
        break
    t = t.real_parent
vmap = [hex(v.value_()) for v in rbtree_inorder_for_each_entry(
    "struct vmap_area", prog["free_vmap_area_root"].address_of_(), "rb_node")]
pids = [hex(entry.value_()) for _, entry in idr_for_each(prog["init_pid_ns"].idr.address_of_())]
print(json.dumps({"vmap": vmap, "pids": pids, "modules": modules, "tasks": tasks, "parents": chain,
                  "tasks_prev": hex(init.tasks.prev.address_of_().value_()),
                  "jiffies": hex(prog.symbol("jiffies").address)}))
