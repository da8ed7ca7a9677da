#!/usr/bin/env python3
"""`ktriage rd` on the lab dumps: words as drgn reads them (virtual and physical, every value
size, every address syntax), names for pointers with -s, and a fault ends the output with the
reader's reason and status 1, never with zeros."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, dump_alone, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_rd.py")


def rd_bytes(*args):
    """The bytes `rd --json` shows, or the failed process."""
    p = ktriage("--json", *args, check=False)
    if p.returncode != 0:
        return p
    out = json.loads(p.stdout)
    size = out["size"]
    return b"".join(int(v, 16).to_bytes(size, "little") for v in out["values"])


def banner_head(gt):
    """The first 16 bytes of linux_banner, as rd's ASCII column shows them: "Linux version " and
    the release the guest printed (uname -r)."""
    return ("Linux version " + gt["sys"]["release"])[:16]


def check_faults(tap, name, dump, o):
    excl = o["phys_excluded"]
    if tap.ok(excl, f"{name}: drgn finds an excluded page after a present one"):
        p = ktriage(dump, "rd", "-p", excl, "4", check=False)
        tap.ok(p.returncode == 1 and "page excluded from the dump" in p.stderr
               and f"{int(excl, 16):016x}" in p.stderr and not p.stdout,
               f"{name}: rd -p of excluded page {excl} fails with the reason, prints no value",
               f"rc={p.returncode}\nstdout={p.stdout}\nstderr={p.stderr}")
        # The word before the page is shown, then the fault: never zeros for the rest.
        before = hex(int(excl, 16) - 8)
        p = ktriage(dump, "rd", "-p", before, "4", check=False)
        lines = p.stdout.splitlines()
        tap.ok(p.returncode == 1 and len(lines) == 1 and len(lines[0].split()) == 3
               and "page excluded" in p.stderr,
               f"{name}: rd -p across the excluded page shows the readable word, then the reason",
               f"rc={p.returncode}\nstdout={p.stdout}\nstderr={p.stderr}")
        p = ktriage("--json", dump, "rd", "-p", before, "4", check=False)
        j = json.loads(p.stdout) if p.stdout else {}
        tap.ok(p.returncode == 1 and len(j.get("values", [])) == 1 and "excluded" in (j.get("error") or ""),
               f"{name}: rd --json across the fault: one value and the error", p.stdout + p.stderr)
        virt = hex(int(o["page_offset_base"], 16) + int(excl, 16))
        p = ktriage(dump, "rd", virt, check=False)
        tap.ok(p.returncode == 1 and "page excluded from the dump" in p.stderr,
               f"{name}: rd of the same page through the direct map ({virt}) fails the same way", p.stderr)
    tap.ok(not o["unmapped_readable"], f"{name}: drgn cannot read {o['unmapped']} either")
    p = ktriage(dump, "rd", o["unmapped"], check=False)
    tap.ok(p.returncode == 1 and "does not translate" in p.stderr and not p.stdout,
           f"{name}: rd of unmapped {o['unmapped']} fails: no page table mapping", p.stderr)
    p = ktriage(dump, "rd", "0xdead000000000000", check=False)
    tap.ok(p.returncode == 1 and "not a canonical address" in p.stderr, f"{name}: non-canonical address",
           p.stderr)


def check_symbols(tap, name, dump, o, gt):
    handler = o["sysrq_crash_op_handler"]
    p = ktriage(dump, "rd", "-s", "sysrq_crash_op", "2", check=False)
    tap.ok(p.returncode == 0 and p.stdout.split()[1] == handler,
           f"{name}: rd -s sysrq_crash_op names its handler {handler}", p.stdout + p.stderr)
    j = json.loads(ktriage("--json", dump, "rd", "-s", "sysrq_crash_op", "2").stdout)
    tap.eq((j["symbols"][0] or {}).get("symbol"), handler, f"{name}: rd -s --json names the handler too")
    nmi = gt.get("nmi", {})
    if "ops" in nmi and "run_func" in nmi:
        # A module's function pointer, in a module's data.
        expr = f"0x{nmi['ops']}+{nmi['ops_offset']}"
        j = json.loads(ktriage("--json", dump, "rd", "-s", expr).stdout)
        sym = j["symbols"][0] or {}
        tap.ok(sym.get("symbol") == nmi["run_func"] and sym.get("offset") == 0 and sym.get("module"),
               f"{name}: rd -s {expr} names the module function {nmi['run_func']}", j)


def check_dump(tap, name, d, gt):
    dump = os.path.join(d, "vmcore.kdump")
    o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                       capture_output=True, text=True, timeout=300)
    if not tap.ok(o.returncode == 0, f"{name}: drgn reads the dump", o.stderr[-2000:]):
        return
    o = json.loads(o.stdout)
    p = ktriage(dump, "rd", "linux_banner", "4", check=False)
    tap.ok(p.returncode == 0 and p.stdout.splitlines()[0].endswith(banner_head(gt)),
           f"{name}: rd linux_banner shows 'Linux version' in the ASCII column", p.stdout + p.stderr)
    for sym, w in o["symbols"].items():
        want = bytes.fromhex(w["bytes"])
        tap.eq(rd_bytes(dump, "rd", sym, "8"), want, f"{name}: rd {sym} 8 = drgn's prog.read()")
    banner = bytes.fromhex(o["symbols"]["linux_banner"]["bytes"])
    addr = int(o["symbols"]["linux_banner"]["address"], 16)
    for size in ("-8", "-16", "-32", "-64"):
        n = 64 * 8 // int(size[1:])
        tap.eq(rd_bytes(dump, "rd", size, "linux_banner", str(n)), banner, f"{name}: rd {size} linux_banner")
    for expr in ("linux_banner+0x10", "linux_banner+16", "linux_banner+24-8", f"{addr + 16:x}",
                 f"0x{addr + 16:x}"):
        tap.eq(rd_bytes(dump, "rd", expr, "2"), banner[16:32], f"{name}: rd {expr}")
    tap.eq(rd_bytes(dump, "x", "linux_banner", "8"), banner, f"{name}: x is rd")
    if dump_alone(tap, name, dump):
        tap.eq(rd_bytes("--no-debuginfo", dump, "rd", "linux_banner", "8"), banner,
               f"{name}: the same words without debug info")
    want = bytes.fromhex(o["banner_phys_bytes"])
    tap.eq(rd_bytes(dump, "rd", "-p", o["banner_phys"], "8"), want,
           f"{name}: rd -p {o['banner_phys']} = drgn's prog.read(addr, n, True)")
    p = ktriage(dump, "rd", "-p", o["banner_phys"], "2", check=False)
    tap.ok(p.stdout.splitlines()[0].endswith(banner_head(gt)), f"{name}: rd -p shows the banner's text",
           p.stdout)
    check_faults(tap, name, dump, o)
    check_symbols(tap, name, dump, o, gt)
    p = ktriage(dump, "rd", "no_such_symbol_here", check=False)
    tap.ok(p.returncode == 1 and "no symbol 'no_such_symbol_here'" in p.stderr, f"{name}: unknown symbol",
           p.stderr)
    p = ktriage(dump, "rd", "-s", "-32", "linux_banner", check=False)
    tap.eq(p.returncode, 2, f"{name}: -s with 32-bit values is a usage error")


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        gt = ground_truth(d)
        if os.path.exists(os.path.join(d, "vmcore.kdump")):
            check_dump(tap, name, d, gt)
            continue
        # QEMU dumps: drgn 0.0.22 cannot read them; the banner is still the banner.
        dump = os.path.join(d, "vmcore.qemu.elf")
        p = ktriage(dump, "rd", "linux_banner", "2", check=False)
        tap.ok(p.returncode == 0 and p.stdout.splitlines()[0].endswith(banner_head(ground_truth(d))),
               f"{name}: rd linux_banner shows 'Linux version'", p.stdout + p.stderr)
    tap.done()


if __name__ == "__main__":
    main()
