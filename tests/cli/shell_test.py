#!/usr/bin/env python3
"""Command lists (-c), per-command --help, `help`, and the interactive shell fed from a pipe."""
import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, dump_alone, ground_truth, ktriage, scenario_dir  # noqa: E402


def tty_session(exe, dump, keys):
    """Runs the shell on a pseudo-terminal (libedit completes only on a terminal), types keys,
    then quits; returns what the terminal showed."""
    master, slave = pty.openpty()
    p = subprocess.Popen([exe, dump, "shell"], stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)

    def drain(seconds):
        out, end = b"", time.time() + seconds
        while time.time() < end:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    break
        return out

    drain(3)
    for k in keys:
        os.write(master, k)
        time.sleep(0.3)
    out = drain(3)
    os.write(master, b"quit\n")
    drain(1)
    p.wait(timeout=30)
    os.close(master)
    return out.decode(errors="replace")


def check_completion(tap, dump, callforms):
    cases = [((dump, "complete", "me"), ["member-at"], "a command name"),
             ((dump, "complete", "struct", "task_st"), ["task_struct"], "a type after struct"),
             ((dump, "complete", "whatis", "-r", "mm_stru"), ["mm_struct"], "a type after an option"),
             ((dump, "complete", "sym", "__crash_k"), ["__crash_kexec"], "a kernel symbol"),
             ((dump, "complete", "bt -a; dis __crash_k"), ["__crash_kexec"], "in the second command of a list")]
    if callforms:
        # The kernel accepted ktest_callforms's BTF (btf.NAME, lab/README.md); 5.10 has no module BTF.
        if ground_truth(os.path.dirname(callforms)).get("btf", {}).get("ktest_callforms") == "yes":
            cases += [((callforms, "complete", "whatis", "ktcf_vcpu_a"), ["ktcf_vcpu_arch"], "a module's BTF type")]
        else:
            print("# callforms: ktest_callforms has no BTF on this kernel: no module BTF type to complete")
        cases += [((callforms, "complete", "dis", "ktcf_nested_ca"), ["ktcf_nested_callee", "ktcf_nested_caller"],
                   "module symbols, sorted")]
    # Type names: the kernel's BTF may hold more types of the prefix (6.12's BPF verifier types
    # task_struct__safe_rcu, mm_struct__safe_rcu_or_null): the wanted one is offered, and
    # every offer has the prefix.
    for args, want, what in cases:
        p = ktriage(*args, check=False)
        got = p.stdout.split()
        if what.startswith("a type"):
            prefix = args[-1]
            tap.ok(set(want) <= set(got) and all(g.startswith(prefix) for g in got),
                   f"complete offers {what}: {' '.join(args[2:])}", f"got:  {got}\nwant: {want} among them")
        else:
            tap.eq(got, want, f"complete offers {what}: {' '.join(args[2:])}")
    exe = os.environ.get("KTRIAGE", "ktriage")
    shown = tty_session(exe, dump, [b"sym __crash_ke\t", b"\n"])
    tap.ok("__crash_kexec" in shown and "ffffffff" in shown.split("__crash_ke", 1)[-1],
           "Tab in the shell completes a symbol and the command runs", shown[-500:])
    shown = tty_session(exe, dump, [b"struct task_stru\t", b"\n"])
    tap.ok("comm" in shown and "struct task_struct" in shown, "Tab completes a struct name", shown[-500:])


def main():
    tap = Tap()
    d = scenario_dir(tap, "panic")
    if d:
        dump = os.path.join(d, "vmcore.kdump")
        p = ktriage(dump, "-c", "sym schedule; mod", check=False)
        tap.ok(p.returncode == 0 and " schedule\n" in p.stdout and "MODULE" in p.stdout,
               "-c runs each command of the list", p.stdout[-500:] + p.stderr)
        p = ktriage(dump, "-c", "sym schedule --json", check=False)
        tap.ok(p.returncode == 0 and '"symbol": "schedule"' in p.stdout, "--json inside -c applies to that command",
               p.stdout)
        p = ktriage(dump, "bt", "--help", check=False)
        tap.ok(p.returncode == 0 and p.stdout.startswith("usage: bt"), "CMD --help prints its usage", p.stdout)
        p = ktriage(dump, "help", check=False)
        tap.ok(p.returncode == 0 and "member-at" in p.stdout and "dis" in p.stdout, "help lists the commands")
        if dump_alone(tap, "panic", dump):
            p = ktriage("--no-debuginfo", dump, "sym", "schedule", check=False)
            tap.ok(p.returncode == 0 and "kallsyms and BTF from the dump" in p.stderr and "no source lines" in p.stderr
                   and " schedule" in p.stdout,
                   "without a debug file, the mode and what it lacks are said once, on stderr", p.stderr)
        p = ktriage(dump, "sym", "schedule", check=False)
        tap.ok(p.returncode == 0 and "symbols and types" not in p.stderr, "with the vmlinux nothing is said", p.stderr)
        p = ktriage(dump, "nosuchcommand", check=False)
        tap.ok(p.returncode == 2 and "unknown command" in p.stderr, "an unknown command is refused with status 2")
        exe = os.environ.get("KTRIAGE", "ktriage")
        s = subprocess.run([exe, dump, "shell"], input="sym schedule\nbogus\nps --state=RU\nquit\n",
                           capture_output=True, text=True, timeout=120)
        tap.ok(s.returncode == 0 and " schedule\n" in s.stdout and "unknown command 'bogus'" in s.stderr
               and "PID" in s.stdout, "the shell runs commands read from its input until quit",
               s.stdout[-500:] + s.stderr)
        cf = scenario_dir(tap, "callforms")
        check_completion(tap, dump, os.path.join(cf, "vmcore.kdump") if cf else None)
    tap.done()


if __name__ == "__main__":
    main()
