#!/usr/bin/env python3
"""Types converted from the debug vmlinux's DWARF (`--types=dwarf`, what kernels before BTF get)
against the kernel's own BTF (the default): on these kernels pahole made the BTF from the same
DWARF, so every layout must print byte for byte the same, and so must the commands that read
member offsets through the type system. The one line allowed to differ is SYMBOLS, which names the
source of the types."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir  # noqa: E402

SCENARIOS = ["panic", "kvm-svm"]
TYPES = ["task_struct", "mm_struct", "inactive_task_frame", "pt_regs", "list_head",
         "module_sect_attrs", "printk_ringbuffer", "orc_entry", "rq"]
# Offsets in task_struct: thread_info, __state, a bitfield's byte, lists, the thread struct.
TASK_OFFSETS = ["0x0", "0x18", "0x64", "0x9a8", "0x1000", "0x5c0"]
COMMANDS = [["ps"], ["bt", "-a"], ["bt", "-a", "--explain"], ["log", "-T"], ["sys"]]


def both(dump, *args):
    btf = ktriage(dump, *args, check=False)
    dwarf = ktriage("--types=dwarf", dump, *args, check=False)
    return btf, dwarf


CALL_SITE = re.compile(r"call site: 0x[0-9a-f]+ <([^>+]+)")


def btf_lacks_prototype(dump, func, cache={}):
    """Whether the kernel's BTF has no prototype of func while its DWARF has one: pahole leaves
    some functions out of the kernel's BTF (5.10's noinstr do_syscall_64), and a call site in
    such a caller can then name its parameters only from the DWARF."""
    if (dump, func) not in cache:
        btf = ktriage(dump, "whatis", func, check=False)
        dwarf = ktriage("--types=dwarf", dump, "whatis", func, check=False)
        cache[(dump, func)] = (btf.returncode != 0 and "neither BTF" in btf.stderr and
                               dwarf.returncode == 0 and "type from DWARF" in dwarf.stdout)
    return cache[(dump, func)]


def same(tap, name, btf, dwarf, keep=lambda line: True, dump=None):
    a = [line for line in btf.stdout.splitlines() if keep(line)]
    b = [line for line in dwarf.stdout.splitlines() if keep(line)]
    diff = [f"- {x}\n+ {y}" for x, y in zip(a, b) if x != y][:5]
    if dump and len(a) == len(b) and a != b:
        # Lines may differ only under the call site of a caller the BTF has no prototype of.
        caller, explained, unexplained = None, set(), []
        for x, y in zip(a, b):
            m = CALL_SITE.search(x)
            if m:
                caller = m.group(1)
            if x != y:
                if caller and btf_lacks_prototype(dump, caller):
                    explained.add(caller)
                else:
                    unexplained.append(f"- {x}\n+ {y}")
        if not unexplained:
            print(f"# {name}: differs only under call sites in {', '.join(sorted(explained))}, "
                  "which the kernel's BTF has no prototype of (named from DWARF)")
            a = b
        diff = unexplained[:5]
    tap.ok(btf.returncode == 0 and dwarf.returncode == 0 and a == b and a,
           f"{name}: same output from DWARF types as from BTF ({len(a)} lines)",
           f"exit {btf.returncode}/{dwarf.returncode}; {dwarf.stderr.strip()}\n"
           f"{len(a)} vs {len(b)} lines\n" + "\n".join(diff))


def main():
    tap = Tap()
    for scenario in SCENARIOS:
        d = scenario_dir(tap, scenario)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        for t in TYPES:
            btf, dwarf = both(dump, "whatis", "-r", t)
            same(tap, f"{scenario}: whatis -r {t}", btf, dwarf)
        btf, dwarf = both(dump, "whatis", "list_head")
        tap.ok("total size (bytes): 16 */" in dwarf.stdout and "struct list_head *next;" in dwarf.stdout,
               f"{scenario}: list_head from DWARF is 16 bytes with next", dwarf.stdout)
        for off in TASK_OFFSETS:
            btf, dwarf = both(dump, "member-at", "task_struct", off)
            same(tap, f"{scenario}: member-at task_struct {off}", btf, dwarf)
        # The task state member, "__state" since 5.14 ("state" before), where BTF puts it.
        members = {m["name"]: m["offset"] for m in
                   json.loads(ktriage("--json", dump, "whatis", "task_struct").stdout)["members"]}
        state = "__state" if "__state" in members else "state"
        off = hex(members.get(state, -1))
        btf, dwarf = both(dump, "member-at", "task_struct", off)
        tap.ok(state in members and re.search(rf"\b{state}\b", dwarf.stdout),
               f"{scenario}: task_struct+{off} is {state} in DWARF too", dwarf.stdout)
        for cmd in COMMANDS:
            btf, dwarf = both(dump, *cmd)
            same(tap, f"{scenario}: {' '.join(cmd)}", btf, dwarf,
                 keep=lambda line: not line.lstrip().startswith("SYMBOLS:"),
                 dump=dump if "--explain" in cmd else None)
            if cmd == ["sys"]:
                tap.ok("DWARF types" in dwarf.stdout and "BTF types" in btf.stdout,
                       f"{scenario}: sys names the source of the types", dwarf.stdout)
        btf, dwarf = both(dump, "log")
        btf.stdout = "\n".join(btf.stdout.splitlines()[-20:])
        dwarf.stdout = "\n".join(dwarf.stdout.splitlines()[-20:])
        same(tap, f"{scenario}: log | tail", btf, dwarf)
        ps = ktriage(dump, "ps", check=False).stdout.splitlines()
        task = next((line.split()[3] for line in ps if line.split()[:1] == ["1"]), None)
        if tap.ok(task is not None, f"{scenario}: ps lists pid 1"):
            btf, dwarf = both(dump, "struct", "task_struct", task, "-x")
            same(tap, f"{scenario}: struct task_struct (pid 1) -x", btf, dwarf)
    bad = ktriage("--types=ctf", "/dev/null", check=False)
    tap.ok(bad.returncode == 2 and "--types is btf or dwarf" in bad.stderr, "--types=ctf is refused",
           bad.stderr)
    tap.done()


if __name__ == "__main__":
    main()
