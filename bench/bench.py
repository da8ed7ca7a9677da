#!/usr/bin/env python3
"""Times ktriage against crash and drgn doing the same job on the same dump, in one run.

    bench/bench.py DUMP_DIR [--runs N]
    bench/bench.py --batch LAB_DIR [--jobs 1,2]


DUMP_DIR is a lab scenario directory (vmcore.kdump, vmlinux; vmcore.elf is timed too for all-task
backtraces). Each command runs N times after one warm-up run (page cache warm); the table gives the
median, minimum and maximum wall time, the peak RSS, and how many times the fastest ktriage
variant's median each row's median is (crash and drgn measured in the same run). Last, ktriage's
all-task backtrace rate from the medians: tasks per second beyond start-up, where start-up is the
time of `bt` (one trace) on the same file, and over the whole run; on the kdump-compressed file
also with --read-ahead=never (one thread). bench/scale.py runs these jobs on dumps of growing size.
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(cmd, runs, stdin=None, timeout=None):
    """Runs cmd once to warm the page cache, then runs times: ((median, min, max) wall seconds,
    peak RSS in MiB, None), or (None, None, [why]) if a run failed or took longer than timeout."""
    times, rss = [], 0
    for i in range(runs + 1):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        timer = threading.Timer(timeout, p.kill) if timeout else None
        if timer:
            timer.start()
        if stdin:
            p.stdin.write(stdin)
        p.stdin.close()
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)  # this process's own peak RSS
        dt = time.perf_counter() - t0
        if timer:
            timer.cancel()
            if dt >= timeout:
                return None, None, [f"over {timeout:.0f} s"]
        if os.waitstatus_to_exitcode(status) != 0:
            return None, None, err.strip().splitlines()[-1:] or ["failed"]
        if i:
            times.append(dt)
        rss = max(rss, usage.ru_maxrss)
    return (statistics.median(times), min(times), max(times)), rss / 1024, None


def batch_bench(lab, kt, jobs):
    """`ktriage batch` over every finished scenario of a lab dumps tree, into a fresh SQLite store
    for each worker count: dumps per second, hashing's share, the store's size per dump, the
    peak memory of the largest and the median worker, and of the whole process tree (wait4's
    ru_maxrss covers the waited-for descendants: the rerun's, where workers only hash, is about
    the parent's own); then a rerun, which only hashes."""
    import json
    import tempfile
    dirs = sorted(os.path.join(lab, d) for d in os.listdir(lab)
                  if os.path.exists(os.path.join(lab, d, ".done")))
    print(f"ktriage batch over {len(dirs)} scenario directories of {lab}")
    print(f"{'run':<12} {'dumps':>5} {'analysed':>8} {'wall s':>7} {'dumps/s':>7} {'hash s':>7} "
          f"{'store KB/dump':>13} {'worker MB max':>13} {'median':>6} {'tree MB':>9}")
    for j in jobs:
        with tempfile.TemporaryDirectory() as tmp:
            store = os.path.join(tmp, "store.db")
            for label in (f"-j{j}", f"-j{j} rerun"):
                t0 = time.perf_counter()
                p = subprocess.Popen([kt, "batch", f"-j{j}", "--json", "--store", store, *dirs],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                out = p.stdout.read()
                _, status, usage = os.wait4(p.pid, 0)
                wall = time.perf_counter() - t0
                b = json.loads(out)["batch"]
                rss = sorted(d["max_rss_kb"] for d in b["dumps"] if d["max_rss_kb"])
                n = len(b["dumps"])
                print(f"{label:<12} {n:>5} {b['analysed']:>8} {wall:>7.1f} {n / wall:>7.2f} "
                      f"{b['hash_seconds']:>7.1f} {os.path.getsize(store) / 1024 / max(n, 1):>13.1f} "
                      f"{(rss[-1] / 1024 if rss else 0):>13.1f} "
                      f"{(rss[len(rss) // 2] / 1024 if rss else 0):>6.1f} {usage.ru_maxrss / 1024:>9.1f}")


def peer_jobs(kt, dump_dir):
    """(job, tool, command, stdin) of ktriage, crash and drgn on DUMP_DIR's kdump-compressed file:
    the same job side by side."""
    dump = os.path.join(dump_dir, "vmcore.kdump")
    vmlinux = os.path.join(dump_dir, "vmlinux")
    drgn_sys = ("import drgn,sys; p=drgn.Program(); p.set_core_dump(sys.argv[1]); "
                "p.load_debug_info([sys.argv[2]]); print(p['init_uts_ns'].name.release.string_())")
    drgn_ps = ("import drgn,sys; from drgn.helpers.linux.pid import for_each_task; "
               "p=drgn.Program(); p.set_core_dump(sys.argv[1]); p.load_debug_info([sys.argv[2]]); "
               "[print(t.pid.value_(), t.comm.string_()) for t in for_each_task(p)]")
    drgn_bt = ("import drgn,sys; p=drgn.Program(); p.set_core_dump(sys.argv[1]); "
               "p.load_debug_info([sys.argv[2]]); print(p.crashed_thread().stack_trace())")
    drgn_all = ("import drgn,sys; from drgn.helpers.linux.pid import for_each_task; "
                "p=drgn.Program(); p.set_core_dump(sys.argv[1]); p.load_debug_info([sys.argv[2]]); "
                "[str(p.stack_trace(t)) for t in for_each_task(p)]")
    debug = os.path.join(os.path.dirname(os.path.realpath(dump_dir)), "debug")
    jobs = [
        ("report", "ktriage (vmlinux, module DWARF)", [kt, "--debuginfo", debug, dump, "--no-color"], None),
        ("report", "ktriage (kallsyms+BTF from the dump)", [kt, "--no-debuginfo", dump, "--no-color"], None),
        ("sys", "ktriage (vmlinux found in the lab cache)", [kt, dump, "sys"], None),
        ("sys", "ktriage (kallsyms+BTF from the dump)", [kt, "--no-debuginfo", dump, "sys"], None),
        ("sys", "crash 8.0.2 (DWARF)", ["crash", "-s", vmlinux, dump], "sys\nquit\n"),
        ("sys", "drgn 0.0.22 (DWARF)", ["/usr/bin/python3", "-c", drgn_sys, dump, vmlinux], None),
        ("ps", "ktriage (vmlinux)", [kt, dump, "ps"], None),
        ("ps", "ktriage (kallsyms+BTF from the dump)", [kt, "--no-debuginfo", dump, "ps"], None),
        ("ps", "crash 8.0.2 (DWARF)", ["crash", "-s", vmlinux, dump], "ps\nquit\n"),
        ("ps", "drgn 0.0.22 (DWARF)", ["/usr/bin/python3", "-c", drgn_ps, dump, vmlinux], None),
        ("bt -a", "ktriage (vmlinux: ELF symbols, BTF, CFI)", [kt, dump, "bt", "-a"], None),
        ("bt -a", "ktriage (kallsyms+BTF from the dump)", [kt, "--no-debuginfo", dump, "bt", "-a"], None),
        ("bt -a --explain", "ktriage (vmlinux; every call site resolved)", [kt, dump, "bt", "-a", "--explain"], None),
        ("bt -a --explain", "ktriage (kallsyms+BTF; every call site resolved)",
         [kt, "--no-debuginfo", dump, "bt", "-a", "--explain"], None),
        ("bt -a", "crash 8.0.2 (DWARF)", ["crash", "-s", vmlinux, dump], "bt -a\nquit\n"),
        ("bt (crashed thread)", "drgn 0.0.22 (DWARF)", ["/usr/bin/python3", "-c", drgn_bt, dump, vmlinux], None),
        ("bt --all-tasks", "ktriage (vmlinux)", [kt, dump, "bt", "--all-tasks"], None),
        ("bt --all-tasks", "crash 8.0.2 (DWARF)", ["crash", "-s", vmlinux, dump], "foreach bt\nquit\n"),
        ("bt --all-tasks", "drgn 0.0.22 (DWARF)", ["/usr/bin/python3", "-c", drgn_all, dump, vmlinux], None),
    ]
    # crash's everyday commands, each with its start-up, against crash doing the same.
    for cmd in ("kmem -i", "runq", "foreach UN bt"):
        jobs += [
            (cmd, "ktriage (vmlinux)", [kt, dump, *cmd.split()], None),
            (cmd, "ktriage (kallsyms+BTF from the dump)", [kt, "--no-debuginfo", dump, *cmd.split()], None),
            (cmd, "crash 8.0.2 (DWARF)", ["crash", "-s", vmlinux, dump], f"{cmd}\nquit\n"),
        ]
    return jobs


def run_jobs(jobs, runs, timeout=None):
    """Each (job, tool, cmd, stdin) measured: a list of dicts with job, tool, median, min, max
    (seconds; None if it failed), rss (MiB) and error."""
    results = []
    for job, tool, cmd, stdin in jobs:
        t, rss, err = measure(cmd, runs, stdin, timeout)
        results.append({"job": job, "tool": tool, "median": t and t[0], "min": t and t[1],
                        "max": t and t[2], "rss": rss, "error": err and err[0][:80]})
    return results


def print_table(results):
    """Markdown: one row per (job, tool), with the ratio of its median to the fastest ktriage
    median of the same job (crash and drgn rows say how many times slower they were)."""
    fastest = {}
    for r in results:
        if r["tool"].startswith("ktriage") and r["median"] is not None:
            fastest[r["job"]] = min(fastest.get(r["job"], r["median"]), r["median"])
    print("| job | tool | median wall (s) | min (s) | max (s) | peak RSS (MiB) | / fastest ktriage |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        if r["median"] is None:
            print(f"| {r['job']} | {r['tool']} | failed: {r['error']} | | | | |")
            continue
        ratio = f"{r['median'] / fastest[r['job']]:.1f}x" if r["job"] in fastest else ""
        print(f"| {r['job']} | {r['tool']} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | "
              f"{r['rss']:.0f} | {ratio} |")
    sys.stdout.flush()


def main():
    if "--batch" in sys.argv[1:]:
        ap = argparse.ArgumentParser()
        ap.add_argument("--batch", required=True, metavar="LAB_DIR")
        ap.add_argument("--jobs", default="1,2")
        ap.add_argument("--ktriage", default=os.path.join(TOP, "build", "ktriage"))
        a = ap.parse_args()
        return batch_bench(a.batch, a.ktriage, [int(x) for x in a.jobs.split(",")])
    ap = argparse.ArgumentParser()
    ap.add_argument("dump_dir")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", help="run only the jobs whose name starts with this")
    ap.add_argument("--ktriage", default=os.path.join(TOP, "build", "ktriage"))
    a = ap.parse_args()
    jobs = peer_jobs(a.ktriage, a.dump_dir)
    dump = os.path.join(a.dump_dir, "vmcore.kdump")
    elf = os.path.join(a.dump_dir, "vmcore.elf")
    kt = a.ktriage
    # All-task backtraces per second: start-up (one trace) and all tasks, on each file.
    rates = [(name, path) for name, path in (("kdump", dump), ("ELF", elf)) if os.path.exists(path)]
    for name, path in rates:
        jobs.append(("bt (start-up)", f"ktriage (vmlinux), {name} file", [kt, path, "bt"], None))
        jobs.append(("bt --all-tasks", f"ktriage (vmlinux), {name} file", [kt, path, "bt", "--all-tasks"],
                     None))
        if name == "kdump":
            jobs.append(("bt --all-tasks", f"ktriage (vmlinux), {name} file, one thread",
                         [kt, "--read-ahead=never", path, "bt", "--all-tasks"], None))
    print(f"dump: {dump} ({os.path.getsize(dump) >> 20} MiB), {a.runs} runs after a warm-up\n")
    results = run_jobs([j for j in jobs if not a.only or j[0].startswith(a.only)], a.runs)
    print_table(results)
    med = {(r["job"], r["tool"]): r["median"] for r in results if r["median"] is not None}
    for name, path in rates:
        tool = f"ktriage (vmlinux), {name} file"
        start = med.get(("bt (start-up)", tool))
        ps = subprocess.run([kt, path, "ps"], capture_output=True, text=True)
        tasks = max(len(ps.stdout.splitlines()) - 1, 0)  # less the header
        for label in (tool, f"{tool}, one thread"):
            total = med.get(("bt --all-tasks", label))
            if start is None or total is None:
                continue
            if tasks < 1000 or total - start < 0.01:
                print(f"\n{label}: {tasks} tasks: too few to measure a per-task rate")
                continue
            print(f"\n{label[len('ktriage (vmlinux), '):]}: {tasks} tasks in {total:.3f} s (median), "
                  f"start-up {start:.3f} s: {tasks / (total - start):,.0f} tasks per second beyond "
                  f"start-up, {tasks / total:,.0f} over the whole run")


if __name__ == "__main__":
    main()
