#!/usr/bin/python3
"""How the cost of ktriage, crash and drgn grows with the dump: tasks (1k to 64k threads), the
guest's memory (768 MiB to 8 GiB) and loaded modules, on real dumps of Debian's 6.1 kernel.

    bench/scale.py make [SCENARIO...]     make the dumps (all of bench/scale/scenarios by default)
    bench/scale.py run [SCENARIO...]      time the jobs on the made dumps -> results.json
                  [--tool ktriage]      re-measure one tool's rows, keeping the others
    bench/scale.py table                  a Markdown table of the medians from results.json
    bench/scale.py plot [--out DIR]       PNG plots from results.json (default docs/perf/)

The dumps come from the lab (lab/run.sh) with the scenarios of bench/scale/scenarios added: a copy
of lab/ with them is run under $KTRIAGE_CACHE/scale, so that these large dumps are kept apart from
the test suite's (which prunes other lab versions) and the lab's hash is untouched. The kernel
packages are shared with the test lab. Making all of them takes about an hour of TCG here and
~15 GB of disk.

Each job (bench.py's, the same commands) runs --runs times after a warm-up; the median is
plotted, with min and max kept in results.json. A job that takes longer than --timeout seconds
is recorded as such and left out of the plot.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "bench"))
import bench  # noqa: E402

CACHE = os.environ.get("KTRIAGE_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "ktriage"))
SCALE = os.path.join(CACHE, "scale")
SCENARIOS = os.path.join(TOP, "bench", "scale", "scenarios")
RESULTS = os.path.join(SCALE, "results.json")

# Jobs timed at every size: bench.py's job names, and per tool the rows kept.
JOBS = ("sys", "bt -a", "report", "ps", "kmem -i", "bt --all-tasks")
TOOLS = {
    "ktriage": ("ktriage (vmlinux found in the lab cache)", "ktriage (vmlinux: ELF symbols, BTF, CFI)",
                "ktriage (vmlinux, module DWARF)", "ktriage (vmlinux)"),
    "ktriage, no debug files": ("ktriage (kallsyms+BTF from the dump)",),
    "crash": ("crash 8.0.2 (DWARF)",),
    "drgn": ("drgn 0.0.22 (DWARF)",),
}
# The quantity each family of scenarios varies, as ground truth or the scenario's name says.
DIMENSIONS = {
    "tasks": ("tasks in the dump", lambda gt, name: gt.get("manytasks", {}).get("tasks")),
    "mem": ("guest memory (MiB)", lambda gt, name: {"768m": 768, "4g": 4096, "8g": 8192}.get(name[4:])),
    "modules": ("loaded modules", lambda gt, name: gt.get("modules", {}).get("loaded")),
}


def scenarios():
    return sorted(f[:-3] for f in os.listdir(SCENARIOS) if f.endswith(".sh") and not f.startswith("_"))


def kernel_modules():
    """Names of the kernel's file-system and networking modules, for the guest's initramfs
    (lab/run.sh, KTRIAGE_LAB_KMODS): the modules-N scenarios load them."""
    kdirs = [os.path.join(CACHE, "kernel", d) for d in os.listdir(os.path.join(CACHE, "kernel"))
             if d.startswith("6.1.")]
    names = []
    for kdir in kdirs:
        for root, _, files in os.walk(os.path.join(kdir, "image", "lib", "modules")):
            if re.search(r"/kernel/(fs|net)(/|$)", root):
                names += [re.sub(r"\.ko(\.xz|\.zst)?$", "", f) for f in files if ".ko" in f]
    return sorted(set(names))


def make(names):
    """The lab, with bench/scale/scenarios added, run under $KTRIAGE_CACHE/scale."""
    lab = os.path.join(SCALE, "lab")
    if os.path.exists(lab):
        shutil.rmtree(lab)
    shutil.copytree(os.path.join(TOP, "lab"), lab, ignore=shutil.ignore_patterns("build"))
    for f in os.listdir(SCENARIOS):
        shutil.copy(os.path.join(SCENARIOS, f), os.path.join(lab, "scenarios", f))
    # The kernel packages (about 1 GB unpacked) are the test lab's.
    kernel = os.path.join(SCALE, "kernel")
    if not os.path.lexists(kernel):
        os.makedirs(os.path.join(CACHE, "kernel"), exist_ok=True)
        os.symlink(os.path.join(CACHE, "kernel"), kernel)
    env = dict(os.environ, KTRIAGE_CACHE=SCALE, KTRIAGE_KEEP_OLD="1")
    # Unpack the kernel first (lab/kernel.sh), so that its modules can be listed.
    subprocess.run([os.path.join(lab, "kernel.sh")], env=env, check=True, stdout=subprocess.DEVNULL)
    env["KTRIAGE_LAB_KMODS"] = " ".join(kernel_modules())
    failed = 0
    for name in names or scenarios():
        r = subprocess.run([os.path.join(lab, "run.sh"), name], env=env, stdout=subprocess.PIPE,
                           text=True)
        print(f"{name}: {r.stdout.strip() or 'failed'}", flush=True)
        failed += r.returncode != 0
    return 1 if failed else 0


def made():
    """(scenario, directory) of every finished scale dump."""
    out = []
    dumps = os.path.join(SCALE, "dumps")
    for tree in sorted(os.listdir(dumps)) if os.path.isdir(dumps) else []:
        for name in scenarios():
            d = os.path.join(dumps, tree, name)
            if os.path.exists(os.path.join(d, ".done")):
                out.append((name, d))
    return out


def run(names, runs, timeout, kt, only_tool):
    results = {}
    if names and os.path.exists(RESULTS):  # a subset updates the others' results
        with open(RESULTS) as f:
            results = json.load(f)
    for name, d in made():
        if names and name not in names:
            continue
        with open(os.path.join(d, "ground-truth.json")) as f:
            gt = json.load(f)
        jobs = [j for j in bench.peer_jobs(kt, d) if j[0] in JOBS and j[1].startswith(only_tool or "")]
        size = os.path.getsize(os.path.join(d, "vmcore.kdump"))
        print(f"\n## {name}: {d}, kdump file {size >> 20} MiB, {len(jobs)} jobs x {runs} runs\n",
              flush=True)
        rows = bench.run_jobs(jobs, runs, timeout)
        bench.print_table(rows)
        if only_tool and name in results:  # the other tools' rows stay as measured before
            redone = {(r["job"], r["tool"]) for r in rows}
            rows = [r for r in results[name]["jobs"] if (r["job"], r["tool"]) not in redone] + rows
        results[name] = {"dir": d, "kdump_bytes": size, "ground_truth": gt, "runs": runs,
                         "timeout": timeout, "jobs": rows}
        with open(RESULTS, "w") as f:  # after each dump: a long run keeps what it measured
            json.dump(results, f, indent=1)
    if not results:
        print("no scale dumps: bench/scale.py make", file=sys.stderr)
        return 1
    return 0


def plot(out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with open(RESULTS) as f:
        results = json.load(f)
    os.makedirs(out, exist_ok=True)
    for dim, (xlabel, xof) in DIMENSIONS.items():
        points = [(xof(r["ground_truth"], name), r) for name, r in results.items()
                  if name.startswith(dim + "-")]
        points = sorted((x, r) for x, r in points if x) if points else []
        if not points:
            continue
        fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
        for ax, job in zip(axes.flat, JOBS):
            for (tool, rows), color in zip(TOOLS.items(), ("C0", "C1", "C2", "C3")):
                xs, ys, over = [], [], []
                for x, r in points:
                    t = median_of(r, job, rows)
                    if t is not None:
                        xs.append(x)
                        ys.append(t)
                    elif any(j["job"] == job and j["tool"] in rows and (j["error"] or "").startswith("over")
                             for j in r["jobs"]):
                        over.append(x)
                if xs:
                    ax.plot(xs, ys, marker="o", color=color, label=tool)
                if over:  # still running at the time limit: drawn at the limit, pointing up
                    limit = results[next(iter(results))].get("timeout") or 120
                    ax.plot(over, [limit] * len(over), marker="^", linestyle="none", color=color,
                            label=f"{tool}: over {limit:.0f} s")
            ax.set_title(job)
            ax.set_xlabel(xlabel)
            ax.set_ylabel("median wall time (s)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.3)
        for ax in axes.flat:
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
        fig.suptitle(f"Cost against {xlabel}: Debian 6.1 kdump-compressed dumps, 2-core machine")
        fig.tight_layout()
        path = os.path.join(out, f"scale-{dim}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        print(path)
    return 0


def median_of(r, job, rows):
    return next((j["median"] for j in r["jobs"] if j["job"] == job and j["tool"] in rows
                 and j["median"] is not None), None)


def table():
    """Markdown: per scenario, each job's median for ktriage (with the vmlinux), crash and drgn."""
    with open(RESULTS) as f:
        results = json.load(f)
    print("| dump | kdump file | " + " | ".join(JOBS) + " |")
    print("|---|---|" + "---|" * len(JOBS))
    order = []
    for dim, (_, xof) in DIMENSIONS.items():
        order += sorted((xof(r["ground_truth"], n) or 0, n) for n, r in results.items() if n.startswith(dim + "-"))
    for _, name in order:
        r = results[name]
        cells = []
        for job in JOBS:
            vals = []
            for tool in ("ktriage", "crash", "drgn"):
                t = median_of(r, job, TOOLS[tool])
                err = next((j["error"] for j in r["jobs"] if j["job"] == job and j["tool"] in TOOLS[tool]
                            and j["median"] is None), None)
                vals.append(f"{t:.3f}" if t is not None else (err.replace("over ", ">") if err else "-"))
            cells.append(" / ".join(vals))
        print(f"| {name} | {r['kdump_bytes'] >> 20} MiB | " + " | ".join(cells) + " |")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("scenario", nargs="*")
    r = sub.add_parser("run")
    r.add_argument("scenario", nargs="*")
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--timeout", type=float, default=600)
    r.add_argument("--tool", help="only the rows of this tool (ktriage, crash, drgn), the others kept")
    r.add_argument("--ktriage", default=os.path.join(TOP, "build-release", "ktriage"))
    sub.add_parser("table")
    p = sub.add_parser("plot")
    p.add_argument("--out", default=os.path.join(TOP, "docs", "perf"))
    a = ap.parse_args()
    if a.cmd == "make":
        return make(a.scenario)
    if a.cmd == "run":
        return run(a.scenario, a.runs, a.timeout, a.ktriage, a.tool)
    if a.cmd == "table":
        return table()
    return plot(a.out)


if __name__ == "__main__":
    sys.exit(main())
