#!/usr/bin/env python3
"""More of crash's vocabulary, each against an oracle: foreach ... task (every selected task as
task prints it), ps -t (start, user and system times against drgn, run times against the
timekeeper's clock and crash's), sym -l, sym -m MODULE and wildcards (against crash's tables and
each other), mod -t (against crash and the kernel's own taint), log -t, -d, -c, -a (against crash and
the panicking task), "did you mean" for unknown symbols, help for every command, set and alias (against the commands
they stand for)."""
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ground_truth, ktriage, scenario_dir  # noqa: E402
from crash_session import crash_outputs, crash_prefetch  # noqa: E402

ORACLE_TIMES = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_times.py")
SCENARIOS = ("lockup", "hung-locks")



def check_foreach_task(tap, name, dump, counts):
    for sel in (["RU"], ["kernel", "IN"]) + ((["UN"],) if name == "hung-locks" else ()):
        p = ktriage("--json", dump, "foreach", *sel, "task", check=False)
        q = ktriage("--json", dump, "foreach", *sel, "ps", check=False)
        if not tap.ok(p.returncode == 0 and q.returncode == 0, f"{name}: foreach {' '.join(sel)} task succeeds",
                      p.stderr + q.stderr):
            continue
        details = json.loads(p.stdout)["task_details"]
        tasks = json.loads(q.stdout)["tasks"]
        tap.eq([t["task"] for t in details], [t["task"] for t in tasks],
               f"{name}: foreach {' '.join(sel)} task shows the {len(tasks)} tasks foreach ps lists")
        # Each as task ADDR shows it (a sample of at most 8: each task is a walk of its own).
        bad = []
        for t in details[:8]:
            one = json.loads(ktriage("--json", dump, "task", t["task"]).stdout)
            one.pop("schema")
            if one != t:
                bad.append((t, one))
        n = min(len(details), 8)
        tap.ok(n and not bad, f"{name}: foreach {' '.join(sel)} task: {n} tasks as task ADDR shows them", bad[:2])
        counts["foreach task against task"] += n
        text = ktriage(dump, "foreach", *sel, "task").stdout
        tap.eq(len(re.findall(r"^PID: ", text, re.M)), len(details),
               f"{name}: foreach {' '.join(sel)} task: one text block per task")


def hms(ns):
    s = ns // 10**9
    return (f"{s // 86400} days, " if s >= 86400 else "") + f"{s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def check_ps_times(tap, name, d, dump, counts):
    p = ktriage("--json", dump, "ps", "-t", check=False)
    if not tap.ok(p.returncode == 0, f"{name}: ps -t succeeds", p.stderr):
        return
    doc = json.loads(p.stdout)
    o = subprocess.run(["/usr/bin/python3", ORACLE_TIMES, dump, os.path.join(d, "vmlinux")],
                       capture_output=True, text=True, timeout=600)
    if tap.ok(o.returncode == 0, f"{name}: drgn reads the times", o.stderr[-2000:]):
        want = json.loads(o.stdout)
        tap.eq(doc["now"], want["now"], f"{name}: ps -t's clock is the timekeeper's tkr_mono.base, as drgn reads it")
        got = {t["task"]: [t["start_time"], t["utime"], t["stime"]] for t in doc["tasks"] if not t["idle"]}
        same = sum(got.get(k) == v for k, v in want["tasks"].items())
        tap.ok(same and same == len(want["tasks"]) == len(got),
               f"{name}: start_time, utime and stime of {same} of drgn's {len(want['tasks'])} tasks agree",
               [(k, got.get(k), v) for k, v in want["tasks"].items() if got.get(k) != v][:4])
        counts["ps -t tasks against drgn"] += same
        tap.ok(all(t["run_time"] == doc["now"] - t["start_time"] for t in doc["tasks"]),
               f"{name}: every run time is the clock minus start_time")
    # The text: the same times; crash's where it reads the tasks (crash takes start_time in whole
    # seconds first, so its RUN TIME is ours or one second more).
    text = ktriage(dump, "ps", "-t", "1", "2").stdout
    blocks = re.findall(r'^PID: (\d+) +TASK: ([0-9a-f]{16}).*\n    RUN TIME: (.*)\n  START TIME: (\d+)\n'
                        r'       UTIME: (\d+)\n       STIME: (\d+)$', text, re.M)
    mine = {t["pid"]: t for t in doc["tasks"] if t["pid"] in (1, 2) and not t["idle"]}
    tap.eq([(int(b[0]), b[2], int(b[3]), int(b[4]), int(b[5])) for b in blocks],
           [(pid, hms(t["run_time"]), t["start_time"], t["utime"], t["stime"]) for pid, t in sorted(mine.items())],
           f"{name}: ps -t 1 2: text and JSON agree")
    out = crash_outputs(d, dump, ["ps -t 1 2"])
    if not tap.ok(out is not None, f"{name}: crash is installed"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    theirs = re.findall(r'^PID: (\d+) +TASK: ([0-9a-f]+).*\n    RUN TIME: (.*)\n  START TIME: (\d+)\n'
                        r'       UTIME: (\d+)\n       STIME: (\d+)$', out[0], re.M)
    if not theirs:
        tap.ok("not found in PID hash" in out[0] or "invalid task" in out[0],
               f"{name}: crash does not find pids 1 and 2 here (its known failure on 6.1.19x task lists)",
               out[0][:500])
        return
    ok = len(theirs) == len(blocks)
    for c, m in zip(theirs, blocks):
        ok &= c[:2] == m[:2] and c[3:] == m[3:]
        sec = lambda v: sum(int(x) * k for x, k in zip(v.split(":"), (3600, 60, 1)))  # noqa: E731
        ok &= sec(c[2]) - sec(m[2]) in (0, 1)
    tap.ok(ok, f"{name}: ps -t 1 2 is crash's ({len(theirs)} tasks; RUN TIME ours or one second less)",
           f"crash {theirs}\nktriage {blocks}")
    counts["ps -t tasks against crash"] += len(theirs)


def sym_lines(text):
    return re.findall(r"^([0-9a-f]+) \((.)\) (\S+)(?: \[(\S+)\])?$", text, re.M)


def check_sym(tap, name, d, dump, counts):
    mod = "ktest_lockup" if name == "lockup" else "ktest_hunglocks"
    p = ktriage(dump, "sym", "-m", mod, check=False)
    mine = sym_lines(p.stdout)
    tap.ok(p.returncode == 0 and mine and p.stdout.splitlines()[0].endswith(f"MODULE START: {mod}")
           and p.stdout.splitlines()[-1].endswith(f"MODULE END: {mod}"),
           f"{name}: sym -m {mod}: {len(mine)} symbols between MODULE START and MODULE END", p.stderr)
    whole = sym_lines(ktriage(dump, "sym", "-l").stdout)
    tap.ok(all((a, t, n, mod) in whole for a, t, n, _ in mine),
           f"{name}: sym -l lists the module's {len(mine)} symbols too, named [{mod}]")
    addrs = [int(a, 16) for a, *_ in whole]
    tap.ok(len(whole) > 10000 and addrs == sorted(addrs),
           f"{name}: sym -l: {len(whole)} symbols in address order")
    for pattern in ("ktest_*", "*_thread", "schedul?"):
        got = sym_lines(ktriage(dump, "sym", pattern, check=False).stdout)
        want = [w for w in whole if fnmatch.fnmatchcase(w[2], pattern)]
        tap.ok(got and sorted(got) == sorted(want),
               f"{name}: sym '{pattern}' lists the {len(want)} symbols of sym -l it matches")
        counts["sym wildcard symbols"] += len(got)
    p = ktriage(dump, "sym", "zz_no_such_*", check=False)
    tap.ok(p.returncode == 1 and not p.stdout and "no symbol matches" in p.stderr,
           f"{name}: a wildcard that matches nothing is an error", p.stderr)
    p = ktriage(dump, "sym", "-m", "no_such_module", check=False)
    tap.ok(p.returncode == 1 and "no module 'no_such_module'" in p.stderr, f"{name}: sym -m of a module not loaded "
           "is an error", p.stderr)
    out = crash_outputs(d, dump, [f"sym -m {mod}"])
    if not tap.ok(out is not None, f"{name}: crash is installed"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    # crash types module data (?); addresses and names must be ours, START and END too.
    theirs = re.findall(r"^([0-9a-f]+) \((.)\) (\S+)$", out[0], re.M)
    tap.eq([(a, n) for a, _, n in theirs], [(a, n) for a, _, n, _ in mine],
           f"{name}: sym -m {mod}: crash's {len(theirs)} symbols")
    ends = re.findall(r"^([0-9a-f]+) MODULE (START|END): ", out[0], re.M)
    tap.eq(ends, re.findall(r"^([0-9a-f]+) MODULE (START|END): ", p.stdout if False else
                            ktriage(dump, "sym", "-m", mod).stdout, re.M), f"{name}: sym -m {mod}: crash's MODULE START and END")
    counts["sym -m symbols against crash"] += len(theirs)


def check_mod_taints(tap, name, d, dump, counts):
    p = ktriage("--json", dump, "mod", "-t", check=False)
    if not tap.ok(p.returncode == 0, f"{name}: mod -t succeeds", p.stderr):
        return
    mods = json.loads(p.stdout)["modules"]
    names = [m["name"] for m in json.loads(ktriage("--json", dump, "mod").stdout)["modules"]]
    tap.eq([m["name"] for m in mods], names, f"{name}: mod -t has every module mod lists ({len(names)})")
    # A module taints the kernel with its own flags when it loads: each is among the kernel's.
    doc = json.loads(ktriage("--json", dump, "report").stdout)
    kernel = (doc.get("report") or doc)["taint"]["flags"]
    tainted = [m for m in mods if m["taints"]]
    tap.ok(tainted and all(set(m["letters"]) <= set(kernel) for m in tainted),
           f"{name}: the {len(tainted)} tainted modules' flags are among the kernel's ({kernel})",
           [(m["name"], m["letters"]) for m in tainted])
    text = ktriage(dump, "mod", "-t").stdout
    out = crash_outputs(d, dump, ["mod -t"])
    if not tap.ok(out is not None, f"{name}: crash is installed"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    want = [line.split() for line in out[0].splitlines() if line.strip() and not line.startswith("WARNING:")]
    tap.eq([line.split() for line in text.splitlines()], want, f"{name}: mod -t is crash's ({len(want) - 1} modules)")
    counts["mod -t modules against crash"] += len(want) - 1


def check_log_flags(tap, name, d, dump, counts):
    records = json.loads(ktriage("--json", dump, "log").stdout)["records"]
    # The panic line was printed by the panicking task, or from an interrupt on the panicking CPU.
    console = ground_truth(d).get("console", {})
    panic = [r for r in records if "Kernel panic - not syncing" in r["text"]]
    tap.ok(panic and panic[-1]["caller"] in (f"T{console.get('panic_pid')}", f"C{console.get('panic_cpu')}"),
           f"{name}: the panic record's caller is pid {console.get('panic_pid')} or CPU {console.get('panic_cpu')}",
           panic[-1:])
    counts["log callers against the ground truth"] += 1
    text = ktriage(dump, "log", "-c").stdout.splitlines()
    first = [line for line in text if line.startswith("[")]
    tap.eq([re.match(r"^\[[ \d.]+\] \[ *(\w*)\] ", line).group(1) for line in first[:50]],
           [r["caller"] or "" for r in records[:50]], f"{name}: log -c: the callers of the JSON")
    devs = [r for r in records if r["subsystem"]]
    tap.ok(devs, f"{name}: {len(devs)} records carry a device (dev_printk)")
    out = crash_outputs(d, dump, ["log -t", "log -d", "log -a"])
    if not tap.ok(out is not None, f"{name}: crash is installed"):
        return
    if not out:
        counts["dumps crash cannot read"] += 1
        return
    def lines(text):
        """crash's output without the warnings it prints before it (6.1.19x task lists)."""
        out = text.splitlines()
        while out and (out[0].startswith("WARNING:") or not out[0]):
            out.pop(0)
        return out

    def first_difference(a, b):
        i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return f"{len(a)} lines against {len(b)}; line {i}: {a[i:i + 1]} / {b[i:i + 1]}"
    mine_t, theirs_t = ktriage(dump, "log", "-t").stdout.splitlines(), lines(out[0])
    tap.ok(mine_t == theirs_t, f"{name}: log -t is crash's ({len(records)} records)",
           first_difference(mine_t, theirs_t))
    # crash indents a record's later lines under its text; ktriage prints them as they are.
    mine_d = [line.strip() for line in ktriage(dump, "log", "-d").stdout.splitlines()]
    theirs_d = [line.strip() for line in lines(out[1])]
    tap.ok(mine_d == theirs_d, f"{name}: log -d is crash's ({sum(1 for t in theirs_d if t.startswith('SUBSYSTEM='))} "
                               f"SUBSYSTEM lines), indentation aside", first_difference(mine_d, theirs_d))
    counts["log lines against crash"] += len(theirs_d)
    mine_a = json.loads(ktriage("--json", dump, "log", "-a").stdout)["audit"]
    tap.ok(("audit log is empty" in out[2]) == (not mine_a),
           f"{name}: log -a: {len(mine_a)} audit records, as crash finds", out[2][:300])


def check_did_you_mean(tap, name, dump, counts):
    """A module function asked for without its prefix, or with two letters swapped: the error names
    it; a name near nothing suggests nothing."""
    funcs = [n for _, t, n, _ in sym_lines(ktriage(dump, "sym", "ktest_*").stdout) if t in "tT" and "." not in n]
    if not tap.ok(funcs, f"{name}: the test module has functions ({len(funcs)})"):
        return
    full = max(funcs, key=len)
    short = full[len("ktest_"):]
    swapped = full[:-3] + full[-2] + full[-3] + full[-1]
    for cmd, asked in ((["dis", "-l"], short), (["sym"], swapped), (["rd"], short)):
        p = ktriage(dump, *cmd, asked, check=False)
        m = re.search(r"did you mean (.*)\?$", p.stderr, re.M)
        tap.ok(p.returncode == 1 and f"no symbol '{asked}'" in p.stderr and m and full in m.group(1).split(", "),
               f"{name}: {' '.join(cmd)} {asked}: did you mean {full}?", p.stderr)
        counts["did-you-mean suggestions"] += 1
    p = ktriage(dump, "sym", "zqxjvw_kpfh", check=False)
    tap.ok(p.returncode == 1 and "did you mean" not in p.stderr, f"{name}: a name near nothing suggests nothing",
           p.stderr)


def check_help(tap, dump, counts):
    """help CMD and CMD --help: the same text, a usage line, every flag of the usage line explained
    on a line of its own, and examples, for every command help lists."""
    listing = ktriage(dump, "help").stdout
    names = [m.split()[0] for m in re.findall(r"^  (\S+)", listing, re.M) if m != "help"]
    bad = []
    for cmd in names:
        a, b = ktriage(dump, "help", cmd, check=False), ktriage(dump, cmd, "--help", check=False)
        usage = re.search(r"^usage: (.*)$", a.stdout, re.M)
        flags = set(re.findall(r"(?<![\w-])(-[a-zA-Z0-9]+)", usage.group(1))) if usage else set()
        explained = {f for f in flags if re.search(r"^\s+(?:[\w-]+, )*" + re.escape(f) + r"\b", a.stdout, re.M)}
        if a.returncode or b.returncode or a.stdout != b.stdout or not usage or "examples:" not in a.stdout \
                or explained != flags:
            bad.append((cmd, a.returncode, b.returncode, sorted(flags - explained), a.stdout[:200]))
    tap.ok(names and not bad, f"help CMD and CMD --help: usage, every flag and examples for all {len(names)} "
                              f"commands", bad[:4])
    counts["commands with help"] += len(names) - len(bad)


def check_set_alias(tap, name, dump, counts):
    gt = ground_truth(os.path.dirname(dump))
    console = gt.get("console", {})
    pid = 2  # kthreadd: on every kernel, never the panicking task
    same = [
        (f"set {pid}; bt", ["bt", str(pid)]),
        (f"set {pid}; task", ["task", str(pid)]),
        ("set -c 1; task", ["task", "-c", "1"]),
        (f"set {pid}; set -p; task", ["task"]),
        (f"alias btf bt -f; btf {pid}", ["bt", "-f", str(pid)]),
        ("alias bt bt -l; bt", ["bt", "-l"]),
        ("alias t task; alias tt t; tt -c 0", ["task", "-c", "0"]),
    ]
    for line, want_args in same:
        got = ktriage(dump, "-c", line, check=False)
        want = ktriage(dump, *want_args, check=False)
        body = got.stdout
        if line.startswith("set"):
            # set prints the context first, crash's five lines per set
            body = "\n".join(body.splitlines()[5 * line.count("set "):]) + "\n"
        tap.ok(got.returncode == want.returncode == 0 and body == want.stdout,
               f"{name}: -c '{line}' shows what {' '.join(want_args)} shows", got.stderr + body[:300])
        counts["set and alias lines"] += 1
    got = ktriage(dump, "-c", f"set {pid}", check=False)
    tap.ok(got.returncode == 0 and re.search(rf"^    PID: {pid}$", got.stdout, re.M) and "COMMAND: " in got.stdout,
           f"{name}: set {pid} prints crash's context lines", got.stdout)
    got = ktriage(dump, "-c", "set 999999", check=False)
    tap.ok(got.returncode == 1 and got.stderr, f"{name}: set of a pid no task has is an error", got.stderr)
    if console.get("panic_pid") is not None:
        got = ktriage(dump, "-c", "set -p", check=False)
        tap.ok(re.search(rf"^    PID: {console['panic_pid']}$", got.stdout, re.M),
               f"{name}: set -p is the panicking task, pid {console['panic_pid']}", got.stdout)


def main():
    tap = Tap()
    counts = Counter()
    for name in SCENARIOS:
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        # One crash session for every comparison below (sym -m takes check_sym's module).
        mod = "ktest_lockup" if name == "lockup" else "ktest_hunglocks"
        crash_prefetch(d, dump, ["ps -t 1 2", f"sym -m {mod}", "mod -t", "log -t", "log -d", "log -a"])
        check_foreach_task(tap, name, dump, counts)
        check_ps_times(tap, name, d, dump, counts)
        check_sym(tap, name, d, dump, counts)
        check_mod_taints(tap, name, d, dump, counts)
        check_log_flags(tap, name, d, dump, counts)
        check_did_you_mean(tap, name, dump, counts)
        check_set_alias(tap, name, dump, counts)
    if os.path.exists(os.path.join(os.environ.get("KTRIAGE_LAB", ""), "lockup", "vmcore.kdump")):
        check_help(tap, os.path.join(os.environ["KTRIAGE_LAB"], "lockup", "vmcore.kdump"), counts)
    for what, n in sorted(counts.items()):
        print(f"# compared: {n} {what}")
    tap.ok(counts["foreach task against task"] > 0 and counts["ps -t tasks against drgn"] > 0,
           f"compared: {dict(counts)}")
    tap.done()


if __name__ == "__main__":
    main()
