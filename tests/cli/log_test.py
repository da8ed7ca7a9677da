#!/usr/bin/env python3
"""`ktriage log -T` and `log -m` on the lab dumps: the wall-clock time of each record is its
timestamp plus the timekeeper's offs_real as drgn reads it; the newest record falls in the
scenario's crash window and beside VMCOREINFO's CRASHTIME; -m shows each record's level."""
import datetime
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, check_dump_only, dump_alone, dump_has_kallsyms, ground_truth, ktriage, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_timekeeper.py")
SLACK = 5          # seconds between the guest's last record and the host's last write of serial.log
CRASHTIME_SLACK = 2  # CRASHTIME is whole seconds, written just after the last record
TEXT_TIME = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}) UTC\] ")


def epoch(stamp):
    """'2026-11-25 13:17:40.860702' (or with T, Z) -> seconds since the epoch."""
    stamp = stamp.replace("T", " ").rstrip("Z")
    dt = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def wall(ts_nsec, offs_real):
    """The time ktriage must print, to the microsecond."""
    ns = ts_nsec + offs_real
    dt = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 10**9 // 1000:06d}Z"


def check_dump(tap, name, d, dump, gt):
    p = ktriage("--json", dump, "log", "-T", check=False)
    if not tap.ok(p.returncode == 0, f"{name}: log -T succeeds", p.stderr):
        return
    recs = json.loads(p.stdout)["records"]
    plain = json.loads(ktriage("--json", dump, "log").stdout)["records"]
    tap.eq([{k: v for k, v in r.items() if k != "time"} for r in recs], plain,
           f"{name}: log -T --json: the same records as log --json, each with its time")
    text = ktriage(dump, "log", "-T").stdout.splitlines()
    times = [m.group(1) for m in map(TEXT_TIME.match, text) if m]
    tap.eq(len(text), len(ktriage(dump, "log").stdout.splitlines()), f"{name}: log -T prints as many lines as log")
    tap.ok(times and times[-1] == recs[-1]["time"].replace("T", " ").rstrip("Z"),
           f"{name}: text and JSON give the newest record the same time", (times[-1:], recs[-1]["time"]))
    last = epoch(recs[-1]["time"])
    t0 = gt["sys"]["time_before_scenario"]
    t_dump = os.path.getmtime(os.path.join(d, "serial.log"))
    tap.ok(t0 <= last <= t_dump + SLACK, f"{name}: the newest record's time is in the scenario's window",
           f"newest={recs[-1]['time']} ({last:.3f}) start={t0} capture={t_dump:.0f}")
    if dump.endswith(".kdump"):
        crash = json.loads(ktriage("--json", dump, "sys").stdout)["crash_time"]
        tap.ok(abs(last - crash) <= CRASHTIME_SLACK, f"{name}: the newest record is within "
               f"{CRASHTIME_SLACK} s of CRASHTIME", f"newest={last:.3f} CRASHTIME={crash}")
        o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                           capture_output=True, text=True, timeout=300)
        if tap.ok(o.returncode == 0, f"{name}: drgn reads the timekeeper", o.stderr[-2000:]):
            offs_real = json.loads(o.stdout)["offs_real"]
            bad = [(r["time"], wall(r["ts_nsec"], offs_real)) for r in recs
                   if r["time"] != wall(r["ts_nsec"], offs_real)]
            tap.ok(not bad, f"{name}: every time is ts_nsec + tk_core.timekeeper.offs_real", bad[:3])
        q = ktriage("--json", "--no-debuginfo", dump, "log", "-T", check=False)
        if dump_has_kallsyms(dump):
            tap.ok(q.returncode == 0 and json.loads(q.stdout)["records"] == recs,
                   f"{name}: the same times without debug info", q.stderr)
        else:
            # Before Linux 6.0 there are no symbols without the vmlinux: no timekeeper, so the times are
            # estimated from CRASHTIME, and stderr says so; the records are the same.
            tap.ok(q.returncode == 0 and "CRASHTIME" in q.stderr and
                   [r["text"] for r in json.loads(q.stdout)["records"]] == [r["text"] for r in recs],
                   f"{name}: without debug info nor kallsyms, the same records, times from CRASHTIME (said)",
                   q.stderr)
    levels = [m.group(1) for m in (re.match(r"^\[[^]]*\] <(\d)>", line) for line in
                                   ktriage(dump, "log", "-m").stdout.splitlines()) if m]
    tap.eq([int(x) for x in levels], [r["level"] for r in recs], f"{name}: log -m shows each record's level as <N>")
    p = ktriage(dump, "log", "-q", check=False)
    tap.eq(p.returncode, 2, f"{name}: an unknown option is a usage error")


def main():
    tap = Tap()
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        gt = ground_truth(d)
        dump = os.path.join(d, "vmcore.kdump")
        if not os.path.exists(dump):
            dump = os.path.join(d, "vmcore.qemu.elf")
        check_dump(tap, name, d, dump, gt)
    tap.done()


if __name__ == "__main__":
    main()
