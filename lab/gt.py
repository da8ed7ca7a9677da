#!/usr/bin/env python3
"""Turns the KTGT lines of a guest's serial log into ground-truth JSON (see CONTRACT.md).

    KTGT <dotted.key> <value>

Integers in decimal become numbers; everything else stays a string. Objects whose keys are
exactly 0..n-1 become arrays. Lines the guest printed as "KTLAB: ..." (lab driver events) are
kept under "lab" as a list.
"""
import json
import re
import sys

KTGT = re.compile(r"KTGT (\S+)(?: (.*))?$")


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
    truth, events = {}, []
    with open(sys.argv[1], "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if "KTLAB: " in line:
                events.append(line.split("KTLAB: ", 1)[1])
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
    json.dump(truth, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
