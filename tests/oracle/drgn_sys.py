"""Prints what drgn reads for `sys` from a dump, as JSON (run with the system python, which has drgn)."""
import json
import sys

from drgn.helpers.linux.cpumask import for_each_online_cpu, for_each_possible_cpu
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])
uts = prog["init_uts_ns"].name
print(json.dumps({
    "release": uts.release.string_().decode(),
    "machine": uts.machine.string_().decode(),
    "cpus_online": len(list(for_each_online_cpu(prog))),
    "cpus_possible": len(list(for_each_possible_cpu(prog))),
    "panic_cpu": prog["panic_cpu"].counter.value_(),
}))
