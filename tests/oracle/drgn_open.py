"""The oracles' one way to open a dump in drgn: the core dump, then the vmlinux's debug info
(a module's missing debug info is not needed by them)."""
import drgn


def open_program(dump, vmlinux):
    prog = drgn.Program()
    prog.set_core_dump(dump)
    try:
        prog.load_debug_info([vmlinux])
    except drgn.MissingDebugInfoError:
        pass
    return prog
