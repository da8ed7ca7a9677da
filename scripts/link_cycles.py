#!/usr/bin/env python3
"""Cycles of references between libktriage's object files, and references that go up the layers.

Reads every object of the shared library from a meson build directory (compile_commands.json),
takes each one's defined and undefined symbols from `nm`, and draws an edge A -> B when A uses a
global symbol that B defines. Prints each strongly connected component of more than one file with
the symbols that tie it (a cycle: none of its files can be understood, tested or linked without
the others), then, with --layers, each reference from a folder to one above it in the pipeline
(core < arch < dump < sym < program.c < kernel < callsite < unwind < kvm < findings < report <
ktriage.c, the file that assembles them < store < batch: consumers of the report).

  scripts/link_cycles.py [--layers] [BUILD_DIR]      (default: build)

Exit status 1 if there is a cycle (or, with --layers, an upward reference); the last line counts
the files and references read.
"""
import collections
import json
import os
import subprocess
import sys

RANKS = {"core": 0, "arch": 1, "dump": 2, "sym": 3, "program.c": 3.5, "kernel": 4, "callsite": 5,
         "unwind": 6, "kvm": 7, "findings": 8, "report": 9, "ktriage.c": 10, "store": 11,
         "batch": 12}


def library_objects(build):
    """{source path relative to the project: object path} for the shared library's objects."""
    with open(os.path.join(build, "compile_commands.json")) as f:
        commands = json.load(f)
    objects = {}
    for c in commands:
        out = c["output"]
        if not os.path.dirname(out).startswith("libktriage.so"):
            continue
        src = os.path.normpath(os.path.join(c["directory"], c["file"]))
        top = os.path.dirname(os.path.normpath(c["directory"]))
        objects[os.path.relpath(src, top)] = os.path.join(c["directory"], out)
    return objects


def symbols(obj):
    """(defined globals, undefined) of one object file."""
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if f[1] == "U":
            undefined.add(f[0])
        elif f[1].isupper():
            defined.add(f[0])
    return defined, undefined


def graph(objects):
    """{file: {file it uses: [symbols]}}"""
    owner, uses = {}, {}
    for src, obj in objects.items():
        defined, undefined = symbols(obj)
        for s in defined:
            owner[s] = src
        uses[src] = undefined
    g = {src: collections.defaultdict(list) for src in objects}
    for src, undefined in uses.items():
        for s in sorted(undefined):
            if s in owner and owner[s] != src:
                g[src][owner[s]].append(s)
    return g


def components(g):
    """Strongly connected components (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    for root in sorted(g):
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(g[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def layer(src):
    parts = src.split("/")
    return parts[1] if len(parts) > 2 else parts[-1]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    layers = "--layers" in sys.argv[1:]
    build = args[0] if args else "build"
    objects = library_objects(build)
    if not objects:
        sys.exit(f"{build}: no objects of libktriage in compile_commands.json (build it first)")
    g = graph(objects)
    problems = 0
    for comp in components(g):
        if len(comp) < 2:
            continue
        problems += 1
        print(f"cycle of {len(comp)} files:")
        for a in comp:
            for b in comp:
                if b in g[a]:
                    print(f"  {a} -> {b}: {' '.join(g[a][b])}")
    if layers:
        for a in sorted(g):
            for b in sorted(g[a]):
                ra, rb = RANKS.get(layer(a)), RANKS.get(layer(b))
                if ra is not None and rb is not None and rb > ra:
                    problems += 1
                    print(f"up: {a} -> {b}: {' '.join(g[a][b])}")
    n_refs = sum(len(v) for v in g.values())
    print(f"{len(objects)} files, {n_refs} references between them, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
