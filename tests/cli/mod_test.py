#!/usr/bin/env python3
"""`ktriage mod` and `sym` on every lab dump: the module list as drgn reads it, and every code
address a test module recorded names the function it was recorded in (kernel or module).
Debug files (`mod -s`, `mod -S`): tests/cli/debugfiles_test.py."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, check_dump_only, dump_alone, dump_has_kallsyms, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_mod.py")


def recorded_frames(node):
    """Every {func, pc} object anywhere in the ground truth."""
    if isinstance(node, dict):
        if "func" in node and "pc" in node:
            yield node
        for v in node.values():
            yield from recorded_frames(v)
    elif isinstance(node, list):
        for v in node:
            yield from recorded_frames(v)


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        if not os.path.exists(dump):
            continue  # QEMU dumps: covered by ps_test; drgn cannot read them
        gt = ground_truth(d)
        p = ktriage("--json", dump, "mod", check=False)
        if not tap.ok(p.returncode == 0, f"{name}: mod succeeds", p.stderr):
            continue
        mods = json.loads(p.stdout)["modules"]
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                           capture_output=True, text=True, timeout=300)
        if tap.ok(o.returncode == 0, f"{name}: drgn lists the modules", o.stderr[-2000:]):
            def norm(m):
                return (hex(int(m["module"], 16)), m["name"], hex(int(m["base"], 16)), m["size"])
            want = [norm(w) for w in json.loads(o.stdout)]
            tap.eq([norm(m) for m in mods], want, f"{name}: module list as drgn reads it ({len(want)})")
        alone = dump_has_kallsyms(dump)
        q = ktriage("--json", "--no-debuginfo", dump, "mod", check=False)
        def listed(ms):
            """The module list without the debug file's state (which differs by design)."""
            return [{k: v for k, v in m.items() if k != "debug"} for m in ms]
        check_dump_only(tap, f"{name}: the module list", dump, q,
                        lambda: listed(json.loads(q.stdout)["modules"]) == listed(mods))
        if mods:
            tap.ok(all(m["debug"]["status"] == "not_searched" for m in mods),
                   f"{name}: mod alone searches no debug file ({len(mods)} modules `not_searched`)")
        for frame in recorded_frames(gt):
            for mode in ([], ["--no-debuginfo"]) if alone else ([],):
                r = ktriage("--json", *mode, dump, "sym", frame["pc"], check=False)
                if mode and not dump_has_kallsyms(dump):
                    check_dump_only(tap, f"{name}: sym {frame['pc']}", dump, r, lambda: False)
                    continue
                got = json.loads(r.stdout)["symbol"] if r.returncode == 0 else r.stderr.strip()
                tap.eq(got, frame["func"],
                       f"{name}: {frame['pc']} is in {frame['func']}{' (no debuginfo)' if mode else ''}")
    tap.done()


if __name__ == "__main__":
    main()
