"""Prints drgn's view of a few kernel lists as JSON (system python with drgn): the modules list
(struct module, name), every task from init_task.tasks (address, pid), and the real_parent chain
of the newest task up to init_task."""
import json
import sys

import drgn
from drgn.helpers.linux.list import list_for_each_entry

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
print(json.dumps({"modules": modules, "tasks": tasks, "parents": chain,
                  "tasks_prev": hex(init.tasks.prev.address_of_().value_()),
                  "jiffies": hex(prog.symbol("jiffies").address)}))
