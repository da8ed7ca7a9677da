"""Prints, for every frame of the crashed thread, the arguments drgn can read (DWARF locations,
registers unwound by drgn's own unwinder) as JSON {"frame index": {"name": value}}; with
--words ADDR..., the words at those addresses instead."""
import json
import sys

import drgn

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
if sys.argv[3:4] == ["--words"]:
    # Where drgn cannot unwind: the 8-byte words at the given addresses, as drgn reads memory.
    print(json.dumps({a: hex(prog.read_u64(int(a, 16))) for a in sys.argv[4:]}))
    sys.exit(0)
out = {}
for i, frame in enumerate(prog.crashed_thread().stack_trace()):
    try:
        fn = frame.function_name
    except Exception:  # noqa: BLE001
        fn = None
    values = {}
    for name in frame.locals():
        try:
            obj = frame[name]
            if obj.absent_:
                continue
            t = obj.type_
            while t.kind == drgn.TypeKind.TYPEDEF:
                t = t.type
            kind = t.kind
            values[name] = obj.value_() if kind in (drgn.TypeKind.INT, drgn.TypeKind.POINTER) else None
        except Exception:  # noqa: BLE001 - optimised out, or a type drgn cannot read
            continue
    out[str(i)] = {"function": fn, "pc": hex(frame.pc), "values": values}
print(json.dumps(out))
