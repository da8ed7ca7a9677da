"""Prints drgn's view of the interrupt descriptors as JSON: nr_irqs and, by number, each
struct irq_desc with its desc->action chain (irqaction, name, handler and its symbol). The
descriptors are read from irq_desc_tree with drgn's radix tree helper, from 6.5+'s sparse_irqs
with the oracles' own maple tree walk, or from the irq_desc array (run with the system python,
which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.radixtree import radix_tree_for_each

from maple_walk import maple_entries
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

nr = prog["nr_irqs"].value_()
descs = {}
try:
    tree = prog["sparse_irqs"]
    for first, last, e in maple_entries(prog, tree.address_of_().value_()):
        if e & 3 == 0:
            for irq in range(first, min(last, nr - 1) + 1):
                descs[irq] = e
    source = "sparse_irqs"
except KeyError:
    try:
        root = prog["irq_desc_tree"].address_of_()
        for irq, e in radix_tree_for_each(root):
            descs[irq] = e.value_()
        source = "irq_desc_tree"
    except KeyError:
        arr = prog["irq_desc"]
        descs = {i: arr[i].address_of_().value_() for i in range(nr)}
        source = "irq_desc"


def symbol(addr):
    try:
        return prog.symbol(addr).name
    except LookupError:
        return None


out = {}
for irq, d in sorted(descs.items()):
    if not d or irq >= nr:
        continue
    desc = drgn.Object(prog, "struct irq_desc *", d)
    actions, a = [], desc.action
    while a:
        actions.append({"action": hex(a.value_()), "name": a.name.string_().decode(errors="replace") if a.name else None,
                        "handler": hex(a.handler.value_()), "handler_symbol": symbol(a.handler.value_())})
        a = a.next
    out[irq] = {"desc": hex(d), "actions": actions}
print(json.dumps({"nr_irqs": nr, "source": source, "irqs": out}))
