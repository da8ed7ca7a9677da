"""Prints drgn's view of the module list as JSON (run with the system python, which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.list import list_for_each_entry

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])


def code(m):
    """The module's code: mem[MOD_TEXT] (6.4+, each region apart), else the core allocation."""
    try:
        text = m.mem[prog.constant("MOD_TEXT").value_()]
        return text.base.value_(), text.size.value_()
    except (AttributeError, LookupError):
        return m.core_layout.base.value_(), m.core_layout.size.value_()


mods = []
for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
    base, size = code(m)
    mods.append({"module": hex(m.value_()), "name": m.name.string_().decode(), "base": hex(base), "size": size})
print(json.dumps(mods))
