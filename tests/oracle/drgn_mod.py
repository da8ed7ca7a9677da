"""Prints drgn's view of the module list as JSON (run with the system python, which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.list import list_for_each_entry

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
mods = [{"module": hex(m.value_()), "name": m.name.string_().decode(),
         "base": hex(m.core_layout.base.value_()), "size": m.core_layout.size.value_()}
        for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list")]
print(json.dumps(mods))
