"""Prints drgn's view of the module list as JSON (run with the system python, which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.list import list_for_each_entry

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])


def core(m):
    """The module's core: core_layout (4.5-6.3), or from 6.4 on the regions mem[] before
    MOD_INIT_TEXT (include/linux/module.h: text, data, rodata, ro_after_init), each allocated
    apart: base is the text region's, size the sum of the regions' sizes."""
    try:
        return m.core_layout.base.value_(), m.core_layout.size.value_()
    except AttributeError:
        pass
    first_init = prog.constant("MOD_INIT_TEXT").value_()
    regions = [m.mem[i] for i in range(first_init)]
    return regions[0].base.value_(), sum(r.size.value_() for r in regions)


mods = []
for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
    base, size = core(m)
    mods.append({"module": hex(m.value_()), "name": m.name.string_().decode(), "base": hex(base), "size": size})
print(json.dumps(mods))
