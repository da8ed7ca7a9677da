"""Prints what drgn reads for `rd` tests, as JSON (run with the system python, which has drgn):
words of a few symbols, linux_banner through its physical address, an excluded physical page
right after a present one, and an unmapped direct-map address."""
import json
import sys

import drgn
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

PAGE = 4096
SYMBOLS = ["linux_banner", "init_task", "sysrq_crash_op", "init_uts_ns"]


def readable(addr, phys):
    try:
        prog.read(addr, 8, phys)
        return True
    except drgn.FaultError:
        return False


# Read before the page scan below: after it, this drgn's libkdumpfile has been seen to fail
# decompressing pages it read fine before.
page_offset_base = prog["page_offset_base"].value_()
out = {"symbols": {}, "page_offset_base": hex(page_offset_base)}
for name in SYMBOLS:
    addr = prog[name].address_
    out["symbols"][name] = {"address": hex(addr), "bytes": prog.read(addr, 64).hex()}
op = prog["sysrq_crash_op"]
out["sysrq_crash_op_handler"] = prog.symbol(op.handler.value_()).name

# The kernel image is mapped at __START_KERNEL_map + phys_base (arch/x86/include/asm/page_64.h).
banner_phys = (prog["linux_banner"].address_ - 0xffffffff80000000
               + prog.read_u64(prog.symbol("phys_base").address)) & (1 << 64) - 1
out["banner_phys"] = hex(banner_phys)
out["banner_phys_bytes"] = prog.read(banner_phys, 64, True).hex()

# Physical memory from 16 MiB on, a page at a time: the first present page followed by an
# excluded one (makedumpfile drops free, cache and user pages).
excluded = None
for addr in range(16 << 20, (1 << 30), PAGE):
    if not readable(addr, True) and readable(addr - PAGE, True):
        excluded = addr
        break
out["phys_excluded"] = hex(excluded) if excluded is not None else None
# Far beyond any RAM the lab's guests have, yet in the direct map's range: not mapped.
unmapped = page_offset_base + (16 << 40)
out["unmapped"] = hex(unmapped)
out["unmapped_readable"] = readable(unmapped, False)
print(json.dumps(out))
