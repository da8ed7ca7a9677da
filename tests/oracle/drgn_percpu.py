"""Prints drgn's per_cpu_ptr() of a few per-CPU variables on every possible CPU, and the first 8
bytes there, as JSON (run with the system python, which has drgn)."""
import json
import sys

from drgn.helpers.linux.cpumask import for_each_possible_cpu
from drgn.helpers.linux.percpu import per_cpu_ptr
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

out = {}
for name in sys.argv[3:]:
    var = prog[name]
    cpus = []
    for cpu in for_each_possible_cpu(prog):
        addr = per_cpu_ptr(var.address_of_(), cpu).value_()
        cpus.append({"cpu": cpu, "address": hex(addr),
                     "value": hex(int.from_bytes(prog.read(addr, 8), "little"))})
    out[name] = {"offset": hex(var.address_), "cpus": cpus}
print(json.dumps(out))
