"""Prints the timekeeper's offs_real (CLOCK_REALTIME - CLOCK_MONOTONIC, ns) as drgn reads it,
as JSON (run with the system python, which has drgn)."""
import json
import sys

from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])
print(json.dumps({"offs_real": prog["tk_core"].timekeeper.offs_real.value_()}))
