"""Prints drgn's view of wait queues: the tasks on a struct wait_queue_head (entries linked by
wait_queue_entry.entry, the task in private) or a struct swait_queue_head (swait_queue.task_list,
the task in task), as JSON: argv[3:] are NAME=SYMBOL or NAME=ADDRESS:completion (run with the system
python, which has drgn). ADDRESS:completion is the wait of the struct completion there."""
import json
import sys

import drgn
from drgn.helpers.linux.list import list_for_each_entry
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

out = {}
for arg in sys.argv[3:]:
    name, what = arg.split("=", 1)
    if what.endswith(":completion"):
        head = drgn.Object(prog, "struct completion", address=int(what.split(":")[0], 16)).wait
        tasks = [hex(e.task.value_()) for e in
                 list_for_each_entry("struct swait_queue", head.task_list.address_of_(), "task_list")]
    else:
        head = prog[what]
        tasks = [hex(e.private.value_()) for e in
                 list_for_each_entry("struct wait_queue_entry", head.head.address_of_(), "entry")]
    out[name] = {"head": hex(head.address_of_().value_()), "tasks": tasks}
print(json.dumps(out))
