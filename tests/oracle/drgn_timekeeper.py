"""Prints the timekeeper's offs_real (CLOCK_REALTIME - CLOCK_MONOTONIC, ns) as drgn reads it,
as JSON (run with the system python, which has drgn)."""
import json
import sys

import drgn

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
try:
    prog.load_debug_info([sys.argv[2]])
except drgn.MissingDebugInfoError:
    pass  # module debug info is not needed here
print(json.dumps({"offs_real": prog["tk_core"].timekeeper.offs_real.value_()}))
