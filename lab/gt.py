#!/usr/bin/env python3
"""Turns the KTGT lines of a guest's serial log into ground-truth JSON (see CONTRACT.md).

    KTGT <dotted.key> <value>

Integers in decimal become numbers; everything else stays a string. Objects whose keys are
exactly 0..n-1 become arrays. Lines the guest printed as "KTLAB: ..." (lab driver events) are
kept under "lab" as a list. The guest kernel's own panic line and the CPU/PID/Comm line that
follows it go under "console" (panic_message, panic_cpu, panic_pid, panic_comm).
"""
import json
import re
import sys

KTGT = re.compile(r"KTGT (\S+)(?: (.*))?$")
PANIC = re.compile(r"Kernel panic - not syncing: (.*?)\s*$")
# The "CPU: 1 PID: 42 Comm: sh ..." line dump_stack() prints right after the panic line
# ("CPU: 1 UID: 0 PID: 42 Comm: sh ..." since 6.10).
DUMP_STACK_CPU = re.compile(r"\] CPU: ([0-9]+) (?:UID: [0-9]+ )?PID: ([0-9]+) Comm: (\S+)")


def convert(value):
    return int(value) if re.fullmatch(r"-?[0-9]+", value) else value


def arrays(node):
    if not isinstance(node, dict):
        return node
    node = {k: arrays(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node) and \
            sorted(int(k) for k in node) == list(range(len(node))):
        return [node[str(i)] for i in range(len(node))]
    return node


def main():
    truth, events, console = {}, [], {}
    after_panic = False
    with open(sys.argv[1], "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if "KTLAB: " in line:
                events.append(line.split("KTLAB: ", 1)[1])
            m = PANIC.search(line)
            if m:
                console["panic_message"] = m.group(1)
                after_panic = True
                continue
            m = DUMP_STACK_CPU.search(line)
            if m and after_panic:
                console.update(panic_cpu=int(m.group(1)), panic_pid=int(m.group(2)),
                               panic_comm=m.group(3))
                after_panic = False
                continue
            m = KTGT.search(line)
            if not m:
                continue
            node = truth
            parts = m.group(1).split(".")
            for part in parts[:-1]:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[parts[-1]] = convert((m.group(2) or "").strip())
    truth = arrays(truth)
    truth["lab"] = events
    # What the guest kernel itself printed about its panic (the last one wins).
    truth["console"] = console
    json.dump(truth, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
