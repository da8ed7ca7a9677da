"""Prints drgn's view of every task's times as JSON (run with the system python, which has drgn):
start_time, utime, stime, and the timekeeper's CLOCK_MONOTONIC at its last update."""
import json
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
try:
    tk = prog["tk_core"].timekeeper
except KeyError:
    tk = prog["timekeeper_data"][0].timekeeper
tasks = {hex(t.value_()): [t.start_time.value_(), t.utime.value_(), t.stime.value_()] for t in for_each_task(prog)}
print(json.dumps({"now": tk.tkr_mono.base.value_(), "tasks": tasks}))
