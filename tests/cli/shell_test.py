#!/usr/bin/env python3
"""Command lists (-c), per-command --help, `help`, and the interactive shell fed from a pipe."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir  # noqa: E402


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
        p = ktriage(dump, "nosuchcommand", check=False)
        tap.ok(p.returncode == 2 and "unknown command" in p.stderr, "an unknown command is refused with status 2")
        exe = os.environ.get("KTRIAGE", "ktriage")
        s = subprocess.run([exe, dump, "shell"], input="sym schedule\nbogus\nps -S RU\nquit\n",
                           capture_output=True, text=True, timeout=120)
        tap.ok(s.returncode == 0 and " schedule\n" in s.stdout and "unknown command 'bogus'" in s.stderr
               and "PID" in s.stdout, "the shell runs commands read from its input until quit",
               s.stdout[-500:] + s.stderr)
    tap.done()


if __name__ == "__main__":
    main()
