#!/usr/bin/env python3
"""`ktriage batch` and `ktriage store` over every lab dump of the kernel, with a copy of one dump,
a truncated dump and a file that is no dump beside them: each dump's signature is the one its own
`ktriage --json DUMP` report gives, the groups count them, known issues match, the store holds
each content once, a rerun analyses nothing, a worker killed mid-dump (and one past its time
limit) is reported while the rest finish, and a PostgreSQL store (a throwaway cluster on a local
socket) answers the queries as the SQLite one does."""
import collections
import concurrent.futures
import fnmatch
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from render_test import SCHEMA_FILE, validate  # noqa: E402
from tap import Tap, ktriage, scenario_dir, scenarios  # noqa: E402

with open(SCHEMA_FILE) as _f:
    SCHEMA = json.load(_f)
EXE = os.environ.get("KTRIAGE", "ktriage")
PG_BIN = "/usr/lib/postgresql/15/bin"


def run(*args, timeout=900):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=timeout)


def valid(tap, doc, kind, label):
    errs = validate(doc, SCHEMA["documents"][kind], SCHEMA["$defs"])
    tap.ok(not errs and doc.get("schema") == "ktriage/1",
           f"{label}: the JSON document validates against docs/json-schema.json ({kind})", errs[:8])


def batch_json(tap, label, *args):
    p = run("batch", "-j2", "--json", *args)
    tap.ok(p.returncode in (0, 3), f"{label}: ktriage batch exits 0 or 3 ({p.returncode})", p.stderr[-2000:])
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        tap.ok(False, f"{label}: batch JSON parses", f"{e}: {p.stdout[:400]}")
        return None
    valid(tap, doc, "batch", label)
    return doc["batch"]


def store_query(tap, store, *args):
    p = run("store", "--store", store, "--json", "query", *args)
    if not tap.ok(p.returncode == 0, f"store query {' '.join(args)} on {store.split('?')[0]}", p.stderr):
        return None
    doc = json.loads(p.stdout)
    valid(tap, doc, "store " + args[0], f"store query {args[0]}")
    return doc


def ere_escape(s):
    return re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", s)


def own_signature(dump):
    """(text, hash) of the dump's own report, or None when it cannot be analysed. A complete
    report counts even if the exit status is not 0: under LeakSanitizer, libkdumpfile's leak in
    kdump_read() on a truncated kdump file makes the status 1 after the report is printed."""
    p = ktriage("--json", dump, check=False)
    try:
        s = json.loads(p.stdout)["report"]["signature"]
    except (ValueError, KeyError):
        return None
    if p.returncode:
        print(f"# {dump}: exit status {p.returncode} after a complete report: "
              f"{p.stderr.strip().splitlines()[:1]}")
    return s["text"], s["hash"]


def pg_start(tap, tmp):
    """A throwaway PostgreSQL cluster on a socket in tmp; (url, stop function) or None."""
    initdb = os.path.join(PG_BIN, "initdb")
    if not tap.ok(os.access(initdb, os.X_OK), f"PostgreSQL server binaries in {PG_BIN}",
                  "install Debian's postgresql package (scripts/install-deps.sh)"):
        return None
    # The server refuses to run as root: as nobody, in a directory nobody owns.
    pre = []
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(tmp, nobody.pw_uid, nobody.pw_gid)
        os.chmod(tmp, 0o755)
        pre = ["runuser", "-u", "nobody", "--"]
    data = os.path.join(tmp, "data")
    p = subprocess.run(pre + [initdb, "-D", data, "-A", "trust", "-U", "ktriage", "--no-sync"],
                       capture_output=True, text=True)
    if not tap.ok(p.returncode == 0, "initdb of a throwaway cluster", p.stdout + p.stderr):
        return None
    ctl = pre + [os.path.join(PG_BIN, "pg_ctl"), "-D", data]
    p = subprocess.run(ctl + ["-o", f"-k {tmp} -c listen_addresses='' -c fsync=off", "-l",
                              os.path.join(tmp, "log"), "-w", "start"], capture_output=True, text=True)
    if not tap.ok(p.returncode == 0, "PostgreSQL starts on a local socket", p.stdout + p.stderr):
        return None
    return (f"postgresql://ktriage@/postgres?host={tmp}",
            lambda: subprocess.run(ctl + ["-m", "immediate", "stop"], capture_output=True))


def kill_one_worker(tap, tmp, dumps):
    """Runs batch on dumps and kills the first analysing worker it sees with SIGKILL."""
    store = os.path.join(tmp, "kill.db")
    proc = subprocess.Popen([EXE, "batch", "-j2", "--json", "--store", store, *dumps],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.time() + 120
    while killed is None and proc.poll() is None and time.time() < deadline:
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                children = [int(c) for c in f.read().split()]
        except OSError:
            children = []
        for c in children:
            try:
                with open(f"/proc/{c}/comm") as f:
                    if f.read().strip() != "kt-analyse":
                        continue
                os.kill(c, signal.SIGKILL)
                killed = c
                break
            except (OSError, ProcessLookupError):
                continue
        time.sleep(0.005)
    out, err = proc.communicate(timeout=300)
    if not tap.ok(killed is not None, "a worker analysing a dump was seen and killed", err[-1000:]):
        return
    doc = json.loads(out)["batch"]
    crashed = [d for d in doc["dumps"] if d["status"] == "crashed"]
    tap.ok(len(crashed) == 1 and crashed[0]["error"] == "killed by SIGKILL",
           "the killed worker's dump is reported as killed by SIGKILL",
           json.dumps(doc["dumps"], indent=1)[:3000])
    rest = [d for d in doc["dumps"] if d["status"] != "crashed"]
    tap.ok(len(rest) == len(dumps) - 1 and all(d["status"] == "analysed" for d in rest),
           f"the other {len(dumps) - 1} dumps are analysed all the same",
           json.dumps(rest, indent=1)[:3000])


def main():
    tap = Tap()
    dirs = [d for d in (scenario_dir(tap, n) for n in scenarios()) if d]
    tap.ok(len(dirs) > 0, f"{len(dirs)} scenario directories with dumps")
    # Every file the lab wrote as a dump (vmcore, vmcore.elf, vmcore.kdump, ...).
    lab_dumps = sorted(os.path.join(d, f) for d in dirs for f in os.listdir(d)
                       if f.startswith("vmcore") and os.path.isfile(os.path.join(d, f)))
    tap.ok(len(lab_dumps) >= len(dirs), f"{len(lab_dumps)} dump files in them")
    tmp = tempfile.mkdtemp(prefix="ktriage-batch-")
    pg_dir = tempfile.mkdtemp(prefix="ktriage-pg-")
    stop_pg = None
    try:
        extra = os.path.join(tmp, "extra")
        os.mkdir(extra)
        small = min(lab_dumps, key=os.path.getsize)
        copy = os.path.join(extra, "copy-of-a-dump")
        shutil.copyfile(small, copy)
        truncated = os.path.join(extra, "truncated")
        with open(small, "rb") as src, open(truncated, "wb") as dst:
            dst.write(src.read(1 << 20))
        notes = os.path.join(extra, "notes.txt")
        with open(notes, "w") as f:
            f.write("capture host notes, no dump here\n")

        # Each dump's own report, two at a time.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            own = dict(zip(lab_dumps + [truncated], pool.map(own_signature, lab_dumps + [truncated])))
        own[copy] = own[small]
        sigs = sorted({s for s in own.values() if s})
        tap.ok(len(sigs) > 0, f"{len(sigs)} distinct signatures among the dumps' own reports")

        # Known issues: a glob on one signature, a regex on another, a hash for a third.
        picks = [s for s in sigs if s[1]][:3]
        known = os.path.join(tmp, "known")
        with open(known, "w") as f:
            f.write("# made by batch_test.py from the dumps' own signatures\n")
            kinds = []
            for i, (text, h) in enumerate(picks):
                if i == 0:
                    kinds.append(("match", text[:-1] + "*"))
                elif i == 1:
                    kinds.append(("regex", "^" + ere_escape(text) + "$"))
                else:
                    kinds.append(("hash", h))
                f.write(f"{kinds[-1][0]}: {kinds[-1][1]}\nbug: https://bugs.example/{i}\nnote: issue {i}\n\n")

        def expected_bug(sig):
            if not sig:
                return None
            for i, (kind, pat) in enumerate(kinds):
                if (kind == "match" and fnmatch.fnmatchcase(sig[0], pat)) or \
                   (kind == "regex" and re.search(pat, sig[0])) or (kind == "hash" and sig[1] == pat):
                    return f"https://bugs.example/{i}"
            return None

        store = os.path.join(tmp, "store.db")
        t0 = time.time()
        b = batch_json(tap, "first run", "--store", store, "--known", known, *dirs, extra, notes)
        print(f"# first run: {time.time() - t0:.1f} s")
        if b is None:
            return tap.done()
        by_path = {d["path"]: d for d in b["dumps"]}
        expected = lab_dumps + [copy, truncated, notes]
        missing = [p for p in expected if p not in by_path]
        tap.ok(not missing, f"every file is reported: {len(expected)} compared", "\n".join(missing))
        others = [p for p in by_path if p not in expected]
        tap.ok(not others, "nothing else is taken for a dump (modules, vmlinux, logs)", "\n".join(others))
        tap.ok(b["skipped"] > 0, f"{b['skipped']} files in the directories were recognised as no dump")

        n = 0
        wrong = []
        for p in lab_dumps + [copy]:
            d = by_path.get(p)
            if not d or not own.get(p):
                wrong.append(f"{p}: {d and d['status']} / own report {own.get(p)}")
                continue
            n += 1
            if (d["signature"], d["signature_hash"]) != own[p]:
                wrong.append(f"{p}: batch {d['signature']} [{d['signature_hash']}], own {own[p]}")
        tap.ok(n and not wrong, f"each dump's signature is its own report's: {n} compared", "\n".join(wrong))

        d = by_path.get(copy, {})
        tap.ok(d.get("status") == "duplicate" and d.get("same_as") in lab_dumps
               and d.get("sha256") == by_path.get(d.get("same_as"), {}).get("sha256"),
               "the copy is one content with its original: analysed once", json.dumps(d))
        d = by_path.get(notes, {})
        tap.ok(d.get("status") == "not_a_dump" and (d.get("error") or "").startswith("not a dump: "),
               f"the file that is no dump says so: {d.get('error')}", json.dumps(d))
        d = by_path.get(truncated, {})
        tap.ok(d.get("status") in ("analysed", "failed") and
               (d.get("status") == "failed") == (own.get(truncated) is None),
               f"the truncated dump is reported ({d.get('status')}: {d.get('error') or d.get('signature')})",
               json.dumps(d))

        want_groups = collections.Counter(own[p][0] for p in lab_dumps + [copy, truncated] if own.get(p))
        got_groups = {g["signature"]: g["count"] for g in b["groups"]}
        tap.eq(got_groups, dict(want_groups), f"groups by signature: {len(want_groups)} compared")

        n_known, wrong = 0, []
        for p in lab_dumps + [copy]:
            want = expected_bug(own.get(p))
            got = (by_path.get(p, {}).get("known") or {}).get("bug")
            n_known += want is not None
            if want != got:
                wrong.append(f"{p}: got {got}, want {want}")
        tap.ok(n_known and not wrong, f"known issues match: {n_known} dumps of {len(kinds)} issues",
               "\n".join(wrong))
        k = next((p for p in lab_dumps if expected_bug(own.get(p))), None)
        if k:
            t = ktriage("--known", known, k).stdout
            tap.ok(f"known      {expected_bug(own[k])}" in t, "the report names the known issue", t[:1500])
            j = json.loads(ktriage("--json", "--known", known, k).stdout)
            valid(tap, j, "report", "report --known")
            tap.eq((j["report"]["known"] or {}).get("bug"), expected_bug(own[k]), "the report's JSON names it")

        contents = {by_path[p]["sha256"] for p in lab_dumps + [truncated] if p in by_path}
        dumps_doc = store_query(tap, store, "dumps")
        if dumps_doc:
            shas = [r["sha256"] for r in dumps_doc["dumps"]]
            tap.ok(sorted(shas) == sorted(contents),
                   f"the store holds every content once: {len(contents)} compared",
                   f"store {len(shas)} rows, {len(set(shas))} distinct; run {len(contents)}")
        sig_doc = store_query(tap, store, "signatures")
        if sig_doc:
            per_content = collections.Counter(own[p][0] for p in
                                              {by_path[q]["sha256"]: q for q in lab_dumps + [truncated]}.values()
                                              if own.get(p))
            tap.eq({s["text"]: s["count"] for s in sig_doc["signatures"]}, dict(per_content),
                   f"signature counts in the store: {len(per_content)} compared")
        if sigs:
            text, h = picks[0] if picks else sigs[0]
            q = store_query(tap, store, "dumps", "--signature", h or text)
            want = {by_path[p]["sha256"] for p in lab_dumps if own.get(p) and own[p][0] == text}
            if q:
                tap.ok(want and {r["sha256"] for r in q["dumps"]} == want,
                       f"dumps of one signature: {len(want)} compared")
            rel = next((by_path[p]["release"] for p in lab_dumps if by_path.get(p, {}).get("release")), None)
            q = store_query(tap, store, "dumps", "--kernel", rel or "?")
            want = {by_path[p]["sha256"] for p in lab_dumps + [truncated] if by_path[p].get("release") == rel}
            if q:
                tap.ok(want and {r["sha256"] for r in q["dumps"]} == want,
                       f"dumps of kernel {rel}: {len(want)} compared")

        t0 = time.time()
        again = batch_json(tap, "rerun", "--store", store, "--known", known, *dirs, extra)
        if again:
            tap.ok(again["analysed"] == 0 and all(d["status"] in ("stored", "duplicate") for d in again["dumps"]),
                   f"a rerun analyses nothing: {len(again['dumps'])} dumps from the store "
                   f"({time.time() - t0:.1f} s)",
                   json.dumps([d for d in again["dumps"] if d["status"] not in ("stored", "duplicate")])[:2000])

        # Shards: every dump in exactly one, none analysed again (the store has them all).
        kdumps = [p for p in lab_dumps if p.endswith(".kdump")]
        shards = [batch_json(tap, f"shard {i}/2", "--store", store, "--shard", f"{i}/2", extra, *kdumps)
                  for i in range(2)]
        if all(shards):
            got = [sorted(d["path"] for d in sh["dumps"]) for sh in shards]
            want = sorted(kdumps + [copy, truncated])
            tap.ok(sorted(got[0] + got[1]) == want and not set(got[0]) & set(got[1]) and got[0] and got[1],
                   f"--shard 0/2 and 1/2 split {len(want)} dumps between them ({len(got[0])} + {len(got[1])})",
                   f"{got}")
            tap.ok([sh["other_shards"] for sh in shards] == [len(got[1]), len(got[0])]
                   and all(sh["analysed"] == 0 for sh in shards),
                   "each shard counts the other's dumps and analyses nothing stored")

        kill_one_worker(tap, tmp, [p for p in lab_dumps if p.endswith(".kdump")][:4] or lab_dumps[:4])
        t = batch_json(tap, "time limit", "--store", os.path.join(tmp, "timeout.db"), "--timeout", "0.001", small)
        if t:
            tap.ok([d["status"] for d in t["dumps"]] == ["timeout"] and
                   t["dumps"][0]["error"] == "timed out after 0.001 s",
                   "a dump past its time limit is reported as timed out", json.dumps(t["dumps"]))

        started = pg_start(tap, pg_dir)
        if started:
            url, stop_pg = started
            pg = batch_json(tap, "PostgreSQL store", "--store", url, "--known", known, *dirs, extra, notes)
            if pg:
                tap.eq(sorted(d["status"] for d in pg["dumps"]), sorted(d["status"] for d in b["dumps"]),
                       f"the same outcome on PostgreSQL: {len(pg['dumps'])} dumps compared")
            keys = ("sha256", "size", "format", "status", "release", "crash_time", "panic_message",
                    "signature", "signature_hash", "known_bug")
            n = 0
            for args in (["signatures"], ["dumps"], ["dumps", "--kernel", rel or "?"],
                         ["dumps", "--signature", (picks[0][1] if picks else sigs[0][0])]):
                a, c = store_query(tap, store, *args), store_query(tap, url, *args)
                if not a or not c:
                    continue
                rows = "signatures" if args[0] == "signatures" else "dumps"
                # A dump without a crash time is seen when it was analysed: not the same moment
                # in the two runs.
                undated = {by_path[p]["signature"] for p in by_path if by_path[p].get("signature")
                           and by_path[p].get("crash_time") is None}
                strip = ((lambda r: {k: v for k, v in r.items()
                                     if r["text"] not in undated or k not in ("first_seen", "last_seen")})
                         if rows == "signatures" else (lambda r: {k: r[k] for k in keys}))
                la, lc = [strip(r) for r in a[rows]], [strip(r) for r in c[rows]]
                if rows == "dumps":
                    # Dumps without a crash time sort by their analysis time: not the two runs'.
                    la.sort(key=lambda r: r["sha256"])
                    lc.sort(key=lambda r: r["sha256"])
                n += len(la)
                tap.eq(lc, la, f"PostgreSQL answers query {' '.join(args)} as SQLite: {len(la)} rows")
            tap.ok(n > 0, f"{n} query rows compared between the two stores")
    finally:
        if stop_pg:
            stop_pg()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(pg_dir, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()
