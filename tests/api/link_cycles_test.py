#!/usr/bin/env python3
"""libktriage's object files reference each other without cycles, and each folder only the ones
below it (scripts/link_cycles.py on the build that KTRIAGE belongs to)."""
import importlib.util
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
spec = importlib.util.spec_from_file_location("link_cycles", os.path.join(TOP, "scripts", "link_cycles.py"))
link_cycles = importlib.util.module_from_spec(spec)
spec.loader.exec_module(link_cycles)

# References up the layers that are known and have a reason; any other one fails. None today:
# what a lower layer needs from a higher one it reaches through the program's upcalls (program.h).
KNOWN_UP = set()

def main():
    tap = Tap()
    exe = os.environ.get("KTRIAGE")
    if not exe:
        sys.exit("KTRIAGE is not set: run the tests through tests/run.sh")
    build = os.path.dirname(os.path.abspath(exe))
    objects = link_cycles.library_objects(build)
    if not tap.ok(len(objects) > 0, f"the library's objects are listed ({len(objects)} files)"):
        tap.done()
    g = link_cycles.graph(objects)
    n_refs = sum(len(v) for v in g.values())
    tap.ok(n_refs > 0, f"references between them are read ({n_refs})")
    # The search itself finds a cycle where there is one (a -> b -> c -> a, d apart).
    sample = {"a": {"b": ["f"]}, "b": {"c": ["g"]}, "c": {"a": ["h"], "d": ["i"]}, "d": {}}
    tap.eq(sorted(c for c in link_cycles.components(sample) if len(c) > 1), [["a", "b", "c"]],
           "the search finds the cycle of a sample graph")
    cycles = [c for c in link_cycles.components(g) if len(c) > 1]
    tap.ok(not cycles, f"no cycle of references between the {len(objects)} files",
           "\n".join(f"{a} -> {b}: {' '.join(g[a][b])}" for c in cycles for a in c for b in c if b in g[a]))
    up = [(a, b) for a in g for b in g[a]
          if (ra := link_cycles.RANKS.get(link_cycles.layer(a))) is not None
          and (rb := link_cycles.RANKS.get(link_cycles.layer(b))) is not None and rb > ra]
    new = sorted(set(up) - KNOWN_UP)
    tap.ok(not new, f"no folder references one above it ({n_refs} references, {len(up)} known exceptions)",
           "\n".join(f"{a} -> {b}: {' '.join(g[a][b])}" for a, b in new))
    tap.done()


if __name__ == "__main__":
    main()
