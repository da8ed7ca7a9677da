#!/usr/bin/env python3
"""`ktriage net` on the lab's panic dump: init_net's devices (struct net_device, name, IPv4
addresses) against drgn's for_each_netdev, against crash 8's net text where crash reads the dump
(crash 8.0.2 cannot read 6.12's), the loopback device present (every kernel registers lo), and on a
damaged copy (init_net.dev_base_head made unreadable: the walk stops with the reason, exit 1).
Text and JSON carry the same rows; the JSON validates against docs/json-schema.json."""
import json
import mmap
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
from tap import Tap, ktriage, scenario_dir  # noqa: E402
from render_test import SCHEMA_FILE, validate  # noqa: E402
from files_test import crash_outputs, elf_offset, offset_of  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_net.py")
ROW = re.compile(r"^([0-9a-f]{16})  (\S+) *(.*)$")


def main():
    tap = Tap()
    counts = Counter()
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    name = "panic"
    d = scenario_dir(tap, name)
    if d:
        dump = os.path.join(d, "vmcore.kdump")
        t = ktriage(dump, "net", check=False)
        j = ktriage("--json", dump, "net", check=False)
        if tap.ok(t.returncode == 0 and j.returncode == 0, f"{name}: net succeeds", t.stderr + j.stderr):
            doc = json.loads(j.stdout)
            errs = validate(doc, schema["documents"]["net"], schema["$defs"])
            tap.ok(not errs, f"{name}: the JSON validates against docs/json-schema.json", errs[:8])
            mine = [(x["net_device"], x["name"], x["ipv4"]) for x in doc["devices"]]
            rows = [m.groups() for m in map(ROW.match, t.stdout.splitlines()) if m]
            tap.eq([("0x" + a, n, [i for i in ips.split(", ") if i]) for a, n, ips in rows], mine,
                   f"{name}: the text rows are the JSON's ({len(rows)})")
            tap.ok(any(x["name"] == "lo" for x in doc["devices"]), f"{name}: the loopback device lo is listed")
            o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                               capture_output=True, text=True, timeout=600)
            if tap.ok(o.returncode == 0, f"{name}: drgn reads the network devices", o.stderr[-2000:]):
                want = json.loads(o.stdout)
                exp = [("0x%016x" % int(x["net_device"], 16), x["name"], x["ipv4"]) for x in want["devices"]]
                tap.eq(mine, exp, f"{name}: the {len(exp)} devices (net_device, name, IPv4 addresses) are drgn's, in order")
                tap.eq(doc["net"], "0x%016x" % int(want["net"], 16), f"{name}: init_net is drgn's")
                counts["devices against drgn"] += len(exp)
            out = crash_outputs(d, dump, ["net"])
            if tap.ok(out is not None, f"{name}: crash is installed (the oracle for crash's net)") and out:
                theirs = [line.rstrip() for line in out[0].splitlines() if line.strip() and "WARNING" not in line]
                tap.eq([line.rstrip() for line in t.stdout.splitlines()], theirs,
                       f"{name}: net is crash's, line for line ({len(theirs)})")
                counts["crash lines"] += len(theirs)
            elif out == []:
                counts["dumps crash cannot read"] += 1
            p = ktriage(dump, "net", "1", check=False)
            tap.ok(p.returncode == 2 and not p.stdout and p.stderr, f"{name}: net 1 is refused, status 2", p.stderr)
            src = os.path.join(d, "vmcore.elf")
            off = offset_of(src, "struct net", "dev_base_head")
            if tap.ok(os.path.exists(src) and off is not None, f"{name}: the ELF dump and net.dev_base_head exist"):
                sym = int(ktriage(src, "sym", "init_net").stdout.split()[0], 16)
                # init_net is in the kernel image: its physical address is its offset from
                # __START_KERNEL_map plus phys_base, which rd -p confirms by reading it back.
                phys_base = int(ktriage(src, "rd", "phys_base").stdout.split()[1], 16)
                pa = (sym + off - 0xffffffff80000000 + phys_base) % 2**64  # phys_base may be "negative"
                v = ktriage(src, "rd", "-64", "0x%x" % (sym + off), check=False).stdout.split()
                w = ktriage(src, "rd", "-p", "-64", "0x%x" % pa, check=False).stdout.split()
                if tap.ok(len(v) > 1 and len(w) > 1 and v[1] == w[1], f"{name}: the physical address of init_net.dev_base_head",
                          (v, w)):
                    with tempfile.TemporaryDirectory() as tmp:
                        path = os.path.join(tmp, "vmcore.elf")
                        shutil.copyfile(src, path)
                        with open(path, "r+b") as fh, mmap.mmap(fh.fileno(), 0) as mm:
                            at = elf_offset(path, pa)
                            mm[at:at + 8] = struct.pack("<Q", 0xffffc90000000000)
                        p = ktriage(path, "net", check=False)
                        tap.ok(p.returncode == 1 and "[walk stopped: " in p.stdout,
                               f"{name}: an unreadable init_net.dev_base_head stops the walk, exit 1", p.stdout + p.stderr)
                        counts["damaged"] += 1
    for what in ("devices against drgn", "crash lines", "damaged"):
        print(f"# compared: {counts[what]} {what}")
    tap.ok(counts["devices against drgn"] > 0 and counts["damaged"] > 0
           and (counts["crash lines"] > 0 or counts["dumps crash cannot read"]), f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
