#!/usr/bin/env python3
"""import ktriage (the Python module, python/) on every lab dump, against the CLI and drgn:
the report's system, findings and signature equal `ktriage --json DUMP`'s and the ground truth's
panic; every task of `ps --json` with the same pid, comm, address, state and CPU; every task's
backtrace equals `bt --all-tasks --json` frame by frame, each CPU's `bt -a --json`, and the
panicking task's call sites `bt --explain --json`'s; typed member reads equal `struct --json`'s
(value, type, address) and drgn's (init_task, each task's pid and bitfields, the processes on
init_task.tasks, per-CPU runqueue and timer_base fields, the module list); errors raise
ktriage.Error; objects keep their program alive and raise once it is closed; two threads on one
program get what one gets.

The module is imported from the build tree of $KTRIAGE (its python/ directory). An ASan build's
module needs the sanitizer's runtime loaded first: the driver runs itself again with it in
LD_PRELOAD and Python's allocator set to malloc, so that LeakSanitizer sees the module's
objects."""
import glob
import json
import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, dump_alone, ground_truth, json_documents, ktriage as run_cli, scenario_dir, scenarios  # noqa: E402

ORACLE = os.path.join(os.path.dirname(__file__), "..", "oracle", "drgn_object.py")
MODULES_COMPARED = []
MEMBERS = ["pid", "tgid", "comm", "prio", "se.sum_exec_runtime", "se.on_rq", "on_cpu",
           "thread.sp", "mm", "flags"]


def build_dir():
    exe = os.environ.get("KTRIAGE")
    if not exe:
        sys.exit("KTRIAGE is not set: run the tests through tests/run.sh")
    return os.path.dirname(os.path.abspath(exe))


def module_file():
    found = glob.glob(os.path.join(build_dir(), "python", "ktriage*.so"))
    return found[0] if found else None


def preload_sanitizer():
    """Runs this driver again with libasan preloaded if the module needs it."""
    so = module_file()
    if not so or "libasan" in os.environ.get("LD_PRELOAD", ""):
        return
    needed = subprocess.run(["readelf", "-d", so], capture_output=True, text=True).stdout
    if "libasan" not in needed:
        return
    cc = os.environ.get("CC", "cc")
    lib = subprocess.run([cc, "-print-file-name=libasan.so"], capture_output=True,
                         text=True).stdout.strip()
    # Python's own allocator hides objects from LeakSanitizer: plain malloc shows them.
    env = dict(os.environ, LD_PRELOAD=lib, PYTHONMALLOC="malloc")
    print(f"# the module is built with ASan: running again with LD_PRELOAD={lib}, "
          f"PYTHONMALLOC=malloc", flush=True)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def cli_places():
    """The debug places the CLI searches by default (cli/main.c, debuginfo_places)."""
    cache = os.environ.get("KTRIAGE_CACHE") or os.path.join(os.environ.get("HOME", "/"), ".cache", "ktriage")
    return ["/usr/lib/debug", *sorted(glob.glob(os.path.join(cache, "kernel", "*", "dbg")))]


def cli_json(*args):
    """Every JSON document a ktriage --json run prints."""
    return json_documents(run_cli("--json", *args).stdout)


def addr(v):
    return None if v is None else f"0x{v:016x}"


def frame_dict(f, explain=False):
    """A Frame as bt --json writes it."""
    d = {"pc": addr(f.pc), "function": f.symbol, "offset": f.offset, "module": f.module,
         "sp": addr(f.sp), "slot": addr(f.slot), "stack": f.stack, "status": f.status,
         "reason_code": f.reason_code, "reason": f.reason}
    if f.pt_regs is not None:
        d["pt_regs"] = {"address": addr(f.pt_regs_address), **{k: hex(v) for k, v in f.pt_regs.items()}}
    if explain:
        d["call_site"] = call_site_dict(f.call_site)
    return d


def call_site_dict(cs):
    if cs is None:
        return None
    return {"return_address": addr(cs.return_address), "address": addr(cs.address),
            "caller": cs.caller, "instruction": cs.instruction, "kind": cs.kind,
            "expression": cs.expression,
            "values": [{"name": v.name, "value": hex(v.value), "source": v.source} for v in cs.values],
            "target": None if cs.target is None else
            {"address": addr(cs.target), "symbol": cs.target_symbol, "offset": cs.target_offset,
             "module": cs.target_module},
            "verdict": cs.verdict, "reason_code": cs.reason_code, "reason": cs.reason}


def backtrace_dict(bt, explain=False):
    return {"cpu": bt.cpu, "task": {"pid": bt.pid, "comm": bt.comm, "address": addr(bt.task)},
            "registers_code": bt.registers_code, "registers_source": bt.registers_source,
            "note_code": bt.note_code, "note": bt.note,
            "frames": [frame_dict(f, explain) for f in bt],
            "stale": [frame_dict(f) for f in bt.stale]}


def finding_dict(f):
    return {"code": f.code, "title": f.title, "severity": f.severity,
            "cpu": -1 if f.cpu is None else f.cpu, "vcpu": addr(f.vcpu), "task": addr(f.task),
            "abort": f.abort, "summary": f.summary,
            "facts": [{"key": k, "value": v} for k, v in f.facts],
            "commands": list(f.commands), "signature": f.signature,
            "signature_corrupted": f.signature_corrupted,
            "signature_frames": list(f.signature_frames)}


def check_report(tap, name, d, dump, prog):
    r = prog.report()
    want = cli_json(dump)[0]["report"]
    got_findings = [finding_dict(f) for f in r.findings]
    tap.eq(got_findings, want["findings"],
           f"{name}: report().findings = ktriage --json's ({len(want['findings'])} findings, "
           f"{sum(len(f['facts']) for f in want['findings'])} facts)")
    sig = r.signature
    tap.eq({"text": sig.text, "hash": sig.hash, "finding": sig.finding, "corrupted": sig.corrupted},
           want["signature"], f"{name}: report().signature = ktriage --json's")
    s = r.system
    got_sys = {"dump": s.dump, "dump_format": s.dump_format, "symbols": s.symbols,
               "release": s.release, "version": s.version, "machine": s.machine,
               "nodename": s.nodename, "cpus_online": s.cpus_online,
               "cpus_possible": s.cpus_possible, "cpus_with_registers": s.cpus_with_registers,
               "crash_time": s.crash_time, "panic_message": s.panic_message,
               "panic_cpu": s.panic_cpu}
    tap.eq(got_sys, want["system"], f"{name}: report().system = ktriage --json's ({len(got_sys)} fields)")
    pt = r.panic_task
    tap.eq(None if pt is None else {"pid": pt.pid, "comm": pt.comm, "address": addr(pt.address)},
           want["panic_task"], f"{name}: report().panic_task = ktriage --json's")
    tap.eq(None if r.taint is None else {"mask": r.taint.mask, "flags": r.taint.flags, "names": r.taint.names},
           want["taint"], f"{name}: report().taint = ktriage --json's")
    tap.eq([{"cpu": c.cpu, "answered_nmi": c.answered_nmi, "error": c.error,
             "backtrace": None if c.backtrace is None else backtrace_dict(c.backtrace)} for c in r.cpus],
           want["cpus"], f"{name}: report().cpus with their backtraces = ktriage --json's ({len(want['cpus'])})")
    tap.eq(list(r.gaps), want["gaps"], f"{name}: report().gaps = ktriage --json's")
    tap.eq([finding_dict(f) for f in prog.findings()], want["findings"],
           f"{name}: findings() = the report's")
    gt = ground_truth(d)
    if "panic" in gt and gt["panic"].get("pid") is not None and pt is not None:
        tap.eq((pt.pid, pt.comm, s.panic_cpu), (gt["panic"]["pid"], gt["panic"]["comm"], gt["panic"]["cpu"]),
               f"{name}: the panicking task and CPU as the guest recorded them")
    tap.eq(s.release, gt["sys"]["release"], f"{name}: the release as the guest recorded it")
    return r


def check_tasks(tap, name, dump, prog):
    tasks = list(prog.tasks())
    want = cli_json(dump, "ps")[0]["tasks"]
    got = [{"pid": t.pid, "tgid": t.tgid, "ppid": t.ppid, "cpu": t.cpu, "task": addr(t.address),
            "state": t.state, "state_value": t.state_value, "active": t.active, "idle": t.idle,
            "comm": t.comm} for t in tasks]
    tap.ok(len(want) > 0 and got == want,
           f"{name}: tasks() = ps --json, pid, comm, address, state, cpu ({len(want)} tasks)",
           next((f"got:  {g}\nwant: {w}" for g, w in zip(got, want) if g != w), f"{len(got)} vs {len(want)}"))
    by_pid = [t for t in tasks if t.pid > 0][:3]
    tap.ok(len(by_pid) > 0 and all(prog.task(t.pid) == t and prog.task(address=t.address).pid == t.pid
                                   for t in by_pid),
           f"{name}: task(pid) and task(address=) find the same tasks ({len(by_pid)})")
    return tasks


def check_backtraces(tap, name, dump, prog, tasks, report):
    want = cli_json(dump, "bt", "--all-tasks")[0]["backtraces"]
    by_task = {b["task"]["address"]: b for b in want}
    mismatch, frames = [], 0
    for t in tasks:
        got = backtrace_dict(t.backtrace())
        w = by_task.get(addr(t.address))
        frames += len(got["frames"])
        if got != w:
            mismatch.append(f"pid {t.pid}:\ngot:  {got}\nwant: {w}")
    tap.ok(len(want) > 0 and frames > 0 and not mismatch and len(want) == len(tasks),
           f"{name}: every task's backtrace() = bt --all-tasks --json ({len(want)} backtraces, "
           f"{frames} frames)", "\n".join(mismatch[:2]))
    cpus = cli_json(dump, "bt", "-a")[0]["backtraces"]
    got = [backtrace_dict(prog.cpu_backtrace(b["cpu"])) for b in cpus]
    tap.ok(len(cpus) > 0 and got == cpus,
           f"{name}: cpu_backtrace(cpu) = bt -a --json ({len(cpus)} CPUs, "
           f"{sum(len(b['frames']) for b in cpus)} frames)",
           next((f"got:  {g}\nwant: {w}" for g, w in zip(got, cpus) if g != w), None))
    if report.panic_task is None:
        return
    pid = report.panic_task.pid
    task = prog.task(address=report.panic_task.address)
    want = cli_json(dump, "bt", "--explain", addr(task.address))[0]["backtraces"][0]
    got = backtrace_dict(task.backtrace(explain=True), explain=True)
    sites = sum(1 for f in want["frames"] if f.get("call_site"))
    tap.ok(sites > 0 and got == want,
           f"{name}: the panicking task's backtrace(explain=True) = bt --explain --json (pid {pid}, "
           f"{sites} call sites)",
           next((f"got:  {g}\nwant: {w}" for g, w in zip(got["frames"], want["frames"]) if g != w),
                f"got:  {got}\nwant: {want}"))


def member_value(obj):
    """A member's value as struct --json writes it: strings for char arrays, pointers in hex."""
    if obj.kind == "array":
        return obj.string()
    if obj.kind == "pointer":
        return hex(obj.value())
    return obj.value()


def check_members(tap, name, dump, prog, tasks):
    """Typed member reads against struct --json, for up to 100 tasks in one ktriage run."""
    some = tasks[:100]
    members = [m for m in MEMBERS if not isinstance(getattr_or_error(some[0].object(), m), Exception)]
    docs = []
    for i in range(0, len(some), 8):  # the CLI's command line has a length limit
        docs += cli_json(dump, "-c", "; ".join(f"struct task_struct.{','.join(members)} {addr(t.address)}"
                                               for t in some[i:i + 8]))
    compared, bad = 0, []
    for t, doc in zip(some, docs):
        obj = t.object()
        for m in doc["value"]:
            o = obj[m["name"]]
            got = {"name": m["name"], "type": o.type_name, "offset": o.address - t.address,
                   "size": o.size, "value": member_value(o)}
            want = {k: m[k] for k in got}
            compared += 1
            if got != want:
                bad.append(f"pid {t.pid}: got {got}, want {want}")
    tap.ok(len(docs) == len(some) and compared > 0 and not bad,
           f"{name}: obj[path] of each task = struct --json ({len(some)} tasks, {compared} members: "
           f"value, type, address)", "\n".join(bad[:3]) or f"{len(docs)} documents for {len(some)} tasks")
    p = cli_json(dump, "p", "init_task.se.sum_exec_runtime")[0]
    o = prog.object("init_task")["se.sum_exec_runtime"]
    tap.eq((int(o), o.type_name, addr(o.address)), (p["value"], p["type"], p["address"]),
           f"{name}: object('init_task')['se.sum_exec_runtime'] = p --json's")
    t = some[-1].object()
    tap.ok(t.comm.string() == some[-1].comm and t.member("comm").string() == some[-1].comm
           and int(t.pid) == some[-1].pid and t.se.sum_exec_runtime.address == t["se.sum_exec_runtime"].address
           and prog.read(t.comm.address, 16) == t.comm.bytes(),
           f"{name}: attribute, member() and [path] reach the same members; read() = bytes()")
    tk = some[-1]
    ops = {"address_of().deref()": t.address_of().deref().address == tk.address,
           "container_of(se)": t.se.container_of("struct task_struct", "se").address == tk.address,
           "container_of(&se)": t.se.address_of().container_of("struct task_struct", "se").address == tk.address,
           "cast": t.cast("struct task_struct").type_name == "struct task_struct",
           "comm[0]": int(t.comm[0]) == ord(tk.comm[0]),
           "hex": hex(t.pid) == hex(tk.pid),
           "bool": bool(t.mm) == (t.mm.value() != 0) and bool(t),
           "kind": (t.kind, t.pid.kind, t.mm.kind, t.comm.kind) == ("struct", "int", "pointer", "array")}
    tap.ok(all(ops.values()), f"{name}: address_of, deref, container_of, cast, [i], hex(), bool(), kind "
           f"({len(ops)} operations)", [k for k, v in ops.items() if not v])


def getattr_or_error(obj, path):
    try:
        return obj[path]
    except Exception as e:  # noqa: BLE001 - a member this kernel lacks
        return e


def check_drgn(tap, name, d, dump, prog):
    """What drgn reads (tests/oracle/drgn_object.py) through typed objects."""
    if not dump.endswith(".kdump"):
        return  # drgn 0.0.22 cannot translate kernel addresses in QEMU's dump-guest-memory files
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONMALLOC")}
    p = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                       capture_output=True, text=True, timeout=600, env=env)
    if not tap.ok(p.returncode == 0, f"{name}: drgn reads the dump", p.stderr[-2000:]):
        return
    want = json.loads(p.stdout)
    it = prog.object("init_task")
    tap.eq({"address": it.address, "pid": int(it.pid), "comm": it.comm.string()}, want["init_task"],
           f"{name}: init_task as drgn reads it")
    got = [{"address": t.address, "pid": int(t.object().pid),
            "bits": [int(t.object()[b]) for b in want["bitfields"]]} for t in prog.tasks()
           if not t.idle or t.pid == 0 and t.cpu == 0]
    got_by = {g["address"]: g for g in got}
    missing = [w for w in want["tasks"] if got_by.get(w["address"]) != w]
    tap.ok(len(want["tasks"]) > 0 and not missing,
           f"{name}: each task's pid and bitfields as drgn reads them ({len(want['tasks'])} tasks, "
           f"{len(want['bitfields'])} bitfields)", str(missing[:3]))
    procs = [int(t.pid) for t in it.tasks.list_for_each("struct task_struct", "tasks")]
    tap.ok(len(procs) > 0 and procs == want["processes"],
           f"{name}: init_task.tasks.list_for_each() = drgn's list_for_each_entry ({len(procs)})")
    rq, tb = prog.object("runqueues"), prog.object("timer_bases")
    cpus = []
    for c in want["cpus"]:
        r, b = rq.per_cpu(c["cpu"]), tb.per_cpu(c["cpu"])
        cpus.append({"cpu": c["cpu"], "rq.cpu": int(r.cpu), "rq.nr_running": int(r.nr_running),
                     "rq.curr": int(r.curr), "rq.clock": int(r.clock),
                     "timer_bases[0].cpu": int(b[0].cpu), "timer_bases[1].clk": int(b[1].clk),
                     "timer_bases[1].lock.raw_lock.locked": int(b[1]["lock.raw_lock.locked"]),
                     "timer_bases[1].lock.raw_lock.val.counter": int(b[1]["lock.raw_lock.val.counter"])})
    tap.ok(len(cpus) > 0 and cpus == want["cpus"],
           f"{name}: per_cpu() runqueue and timer_base fields as drgn reads them ({len(cpus)} CPUs)",
           f"got:  {cpus}\nwant: {want['cpus']}")
    mods = [{"address": m.address, "name": m.name.string(), "state": int(m.state),
             "state_name": m.state.enumerator()}
            for m in prog.object("modules").list_for_each("struct module", "list")]
    # Some scenarios load no module: their lists are compared too, and main() checks that some
    # scenario had modules.
    tap.ok(mods == want["modules"],
           f"{name}: the module list through list_for_each() as drgn reads it ({len(mods)} modules)",
           f"got:  {mods}\nwant: {want['modules']}")
    MODULES_COMPARED.append(len(mods))
    tap.eq([(m.address, m.name) for m in prog.modules()], [(m["address"], m["name"]) for m in want["modules"]],
           f"{name}: modules() as drgn reads them ({len(mods)})")


def check_threads(tap, name, prog, tasks):
    """Two threads on one program (the module serializes them) get what one thread gets."""
    some = tasks[:50]
    alone = [backtrace_dict(t.backtrace()) for t in some]
    results, errors = [None, None], []

    def work(i):
        try:
            results[i] = [backtrace_dict(t.backtrace()) for t in some]
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    tap.ok(not errors and results[0] == alone and results[1] == alone,
           f"{name}: two threads' backtraces on one program = one thread's ({len(some)} tasks each)",
           str(errors))


def check_lifetime(tap, name, dump, ktriage):
    prog = ktriage.open(dump, cli_places())
    task = next(prog.tasks())
    obj = prog.object("init_task")
    bt = task.backtrace()
    pid = int(obj.pid)
    del prog
    tap.ok(int(obj.pid) == pid and obj.program.report().system.release and len(task.backtrace()) == len(bt),
           f"{name}: objects keep their program alive after the last reference to it goes")
    prog = obj.program
    with prog:
        pass
    tap.ok(prog.closed, f"{name}: the with block closes the program")
    raised = []
    for what, fn in [("obj.pid", lambda: obj.pid), ("int(obj)", lambda: int(obj["pid"])),
                     ("task.backtrace()", task.backtrace), ("prog.tasks()", prog.tasks),
                     ("prog.report()", prog.report), ("prog.read()", lambda: prog.read(obj.address, 8)),
                     ("task.object()", task.object)]:
        try:
            fn()
            raised.append(f"{what}: no error")
        except ktriage.Error as e:
            if "closed" not in str(e):
                raised.append(f"{what}: {e}")
    tap.ok(not raised, f"{name}: every use of a closed program raises ktriage.Error (7 uses)", raised)
    prog.close()
    tap.ok(len(bt) > 0 and bt[0].symbol is not None, f"{name}: results made before close() stay readable")


def check_options(tap, name, d, dump, ktriage):
    """vmlinux= and no_debuginfo= open the dump as --vmlinux and --no-debuginfo do."""
    want = [(t["pid"], t["task"]) for t in cli_json(dump, "ps")[0]["tasks"]]
    with ktriage.open(dump, vmlinux=os.path.join(d, "vmlinux")) as prog:
        got = [(t.pid, addr(t.address)) for t in prog.tasks()]
        tap.ok(prog.has_debuginfo and "vmlinux" in prog.debuginfo_mode and got == want,
               f"{name}: open(vmlinux=) uses that vmlinux and finds the same tasks ({len(got)})",
               prog.debuginfo_mode)
    if dump_alone(tap, name, dump):
        with ktriage.open(dump, no_debuginfo=True) as prog:
            got = [(t.pid, addr(t.address)) for t in prog.tasks()]
            tap.ok(not prog.has_debuginfo and got == want,
                   f"{name}: open(no_debuginfo=True) reads the dump alone and finds the same tasks "
                   f"({len(got)})", prog.debuginfo_mode)


def check_cut_dump(tap, ktriage, prog, path):
    """A dump whose headers open but whose memory is cut away: the report's gaps and the task
    list's error are the CLI's."""
    want = cli_json(path)[0]["report"]["gaps"]
    tap.ok(len(want) > 0 and list(prog.report().gaps) == want,
           f"a dump cut after 4 KiB: report().gaps = ktriage --json's ({len(want)} gaps)")
    cli = run_cli(path, "ps", check=False)
    try:
        prog.tasks()
        tap.ok(False, "a dump cut after 4 KiB: tasks() raises ktriage.Error")
    except ktriage.Error as e:
        tap.ok(cli.returncode != 0 and f"ktriage: {e}" in cli.stderr,
               f"a dump cut after 4 KiB: tasks() raises ktriage.Error with ps's message ({e.code})", cli.stderr)


def check_errors(tap, d, dump, ktriage):
    try:
        ktriage.open(os.path.join(d, "no-such-vmcore"))
        tap.ok(False, "opening a missing file raises ktriage.Error")
    except ktriage.Error as e:
        tap.ok("no-such-vmcore" in str(e) and e.code == "error.os",
               f"opening a missing file raises ktriage.Error naming it ({e.code}: {e})")
    try:
        ktriage.open(os.path.join(d, "ground-truth.json"))
        tap.ok(False, "opening a file that is no dump raises ktriage.Error")
    except ktriage.Error as e:
        tap.ok(len(str(e)) > 0, f"opening a file that is no dump raises ktriage.Error ({e.code}: {e})")
    with tempfile.NamedTemporaryFile(suffix=".vmcore") as f:
        with open(dump, "rb") as src:
            f.write(src.read(4096))
        f.flush()
        # A kdump file's sub-header lies past 4 KiB: the open itself is refused, as the CLI refuses
        # it. An ELF file's headers open; what needs the rest is missing, as the CLI says.
        try:
            prog = ktriage.open(f.name, cli_places())
        except ktriage.Error as e:
            cli = run_cli(f.name, "sys", check=False)
            tap.ok(cli.returncode == 1 and f"{e}" in cli.stderr and "truncated" in f"{e}",
                   f"a dump cut after 4 KiB: open() raises ktriage.Error with the CLI's message ({e.code}: {e})",
                   cli.stderr)
        else:
            with prog:
                check_cut_dump(tap, ktriage, prog, f.name)
    with ktriage.open(dump, cli_places()) as prog:
        it = prog.object("init_task")
        try:
            it["no_such_member"]
            tap.ok(False, "a missing member raises ktriage.Error")
        except ktriage.Error as e:
            tap.ok(e.code == "error.not_found" and "no_such_member" in str(e),
                   f"a missing member raises ktriage.Error naming it ({e})")
        tap.ok(not hasattr(it, "no_such_member") and getattr(it, "no_such_member", 7) == 7,
               "a missing member is an AttributeError to getattr() and hasattr()")
        for what, fn, code in [("an unknown symbol", lambda: prog.object("no_such_symbol_x"), "error.not_found"),
                               ("an unknown type", lambda: prog.object(it.address, "struct no_such_type"),
                                "error.not_found"),
                               ("a pid no task has", lambda: prog.task(999999), "error.not_found"),
                               ("an integer from a struct", lambda: int(it), "error.invalid_argument")]:
            try:
                fn()
                tap.ok(False, f"{what} raises ktriage.Error")
            except ktriage.Error as e:
                tap.ok(e.code == code, f"{what} raises ktriage.Error {code} ({e})")
        try:
            prog.read(0x10, 8)
            tap.ok(False, "reading an unmapped address raises ktriage.Error")
        except ktriage.Error as e:
            tap.ok(e.code == "error.fault" and e.address == 0x10,
                   f"reading an unmapped address raises ktriage.Error with the address ({e})")
        try:
            prog.cpu_backtrace(0, unwinder="bogus")
            tap.ok(False, "an unknown unwinder raises ktriage.Error")
        except ktriage.Error as e:
            tap.ok("unwinder" in str(e), f"an unknown unwinder raises ktriage.Error ({e})")


def main():
    preload_sanitizer()
    tap = Tap()
    so = module_file()
    if not tap.ok(so is not None, f"the module is built ({os.path.join(build_dir(), 'python')})"):
        tap.done()
    sys.path.insert(0, os.path.dirname(so))
    import ktriage
    tap.ok(os.path.dirname(ktriage.__file__) == os.path.dirname(so),
           f"import ktriage loads the build tree's module ({ktriage.__version__})")
    first = None
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        if not os.path.exists(dump):
            dump = sorted(glob.glob(os.path.join(d, "vmcore*")))[0]
        with ktriage.open(dump, cli_places()) as prog:
            report = check_report(tap, name, d, dump, prog)
            tasks = check_tasks(tap, name, dump, prog)
            check_backtraces(tap, name, dump, prog, tasks, report)
            check_members(tap, name, dump, prog, tasks)
            check_drgn(tap, name, d, dump, prog)
            if first is None:
                check_threads(tap, name, prog, tasks)
        if first is None:
            first = (d, dump)
            check_lifetime(tap, name, dump, ktriage)
            check_options(tap, name, d, dump, ktriage)
    if MODULES_COMPARED:
        tap.ok(sum(MODULES_COMPARED) > 0, f"modules were compared with drgn's ({sum(MODULES_COMPARED)} "
               f"in {len(MODULES_COMPARED)} dumps)")
    if tap.ok(first is not None, "at least one lab dump was read"):
        check_errors(tap, *first, ktriage)
    tap.done()


if __name__ == "__main__":
    main()
