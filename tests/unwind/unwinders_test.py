#!/usr/bin/env python3
"""Each unwinder on its own (`bt --unwinder=`): ORC and DWARF CFI traces of every sleeping task
agree frame for frame as far as CFI covers the code (vmlinux, not modules); the frame-pointer
unwinder follows the callforms module's frame-pointer chain exactly as the module recorded it."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ground_truth, ktriage, scenario_dir  # noqa: E402

# The scenarios with kdump files and the debug vmlinux (CFI); callforms adds module frames.
SCENARIOS = ["panic", "nmi-stuck", "many-tasks", "callforms"]
# How a frame-pointer walk ends: the chain's end, or an rbp that is no frame record.
FP_STOPS = ("stop.end_of_stack", "stop.bad_frame_pointer", "stop.loop", "stop.user_mode")


def bt(dump, *args):
    p = ktriage("--json", dump, "bt", *args, check=False)
    return (json.loads(p.stdout)["backtraces"] if p.returncode == 0 else None), p.stderr


def key(f):
    return (f["pc"], f["sp"], f["slot"])


def orc_vs_cfi(tap, name, dump):
    orc, err = bt(dump, "--all-tasks", "--unwinder=orc")
    cfi, err2 = bt(dump, "--all-tasks", "--unwinder=cfi")
    if not tap.ok(orc and cfi, f"{name}: bt --all-tasks with ORC only and with CFI only", err + err2):
        return
    by_task = {s["task"]["address"]: s for s in cfi}
    compared = frames = 0
    bad = []
    for o in orc:
        if o["cpu"] is not None:
            continue  # running tasks start in __crash_kexec, which ORC does not describe
        c = by_task.get(o["task"]["address"])
        if c is None:
            bad.append((o["task"]["pid"], "no CFI trace"))
            continue
        of, cf = [key(f) for f in o["frames"]], [key(f) for f in c["frames"]]
        # CFI may stop earlier, where it has no row (module code, entry code), and must say so.
        if cf != of[:len(cf)] or (len(cf) < len(of) and c["note_code"] != "stop.no_unwind_info"):
            bad.append((o["task"]["pid"], of, cf, c["note"]))
        compared += 1
        frames += len(cf)
    tap.ok(compared and not bad, f"{name}: {compared} sleeping tasks, {frames} frames: ORC and CFI "
           "agree where both cover the code", bad[:3])
    tap.ok(frames > 2 * compared, f"{name}: CFI unwinds past the switch frame ({frames} frames)")


def fp_chain(tap, dump, gt):
    fp = gt.get("cf", {}).get("fp") if gt else None
    if not tap.ok(fp and fp.get("frames"), "callforms: ground truth has cf.fp.frames", sorted((gt or {}).get("cf", {}))):
        return
    stacks, err = bt(dump, "--unwinder=fp", str(fp["pid"]))
    if not tap.ok(stacks, f"callforms: bt --unwinder=fp {fp['pid']}", err):
        return
    frames = stacks[0]["frames"]
    got = [(int(f["pc"], 16), int(f["slot"], 16) if f["slot"] else 0, f["function"]) for f in frames if f["pc"]]
    # Frame N recorded its return address and its rbp: the return address sits at rbp + 8, in
    # the function that called it (the next recorded frame, or the kthread code).
    want = []
    for i, rec in enumerate(fp["frames"]):
        caller = fp["frames"][i + 1]["func"] if i + 1 < len(fp["frames"]) else None
        want.append((int(rec["ret"], 16), int(rec["bp"], 16) + 8, caller))
    at = next((i for i, g in enumerate(got) if g[:2] == want[0][:2]), None)
    seq = got[at:at + len(want)] if at is not None else []
    ok = len(seq) == len(want) and all(g[:2] == w[:2] and (w[2] is None or g[2] == w[2]) for g, w in zip(seq, want))
    tap.ok(ok, "callforms: the frame-pointer chain is the module's recorded frames, in order",
           f"got:  {[(hex(a), hex(b), c) for a, b, c in got]}\nwant: {[(hex(a), hex(b), c) for a, b, c in want]}")
    tap.ok(all(f["status"] in ("verified", "inferred") and f["reason"] for f in frames),
           "callforms: every frame-pointer frame has a status and a reason")
    tap.ok(stacks[0]["note_code"] in FP_STOPS, "callforms: the frame-pointer walk says why it ended",
           (stacks[0]["note_code"], stacks[0]["note"]))
    auto, err = bt(dump, str(fp["pid"]))
    names = [f["function"] for f in (auto or [{}])[0].get("frames", [])]
    tap.ok(auto and all(r["func"] in names for r in fp["frames"]),
           "callforms: the default unwinder has every function of the chain", names)


def main():
    tap = Tap()
    for name in SCENARIOS:
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        orc_vs_cfi(tap, name, dump)
        if name == "callforms":
            fp_chain(tap, dump, ground_truth(d))
    bad = ktriage("--json", "/dev/null", "bt", "--unwinder=nope", check=False)
    tap.ok(bad.returncode != 0, "an unknown unwinder is refused")
    tap.done()


if __name__ == "__main__":
    main()
