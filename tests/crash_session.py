"""crash (the oracle) run once per dump: every command a driver compares, in one session.

crash takes seconds to start on a debug vmlinux (more under load) and the drivers ask it several
things per dump, so the outputs are kept per (dump, command): crash_prefetch() runs all of a
driver's commands in one session and the checks that follow read them from the cache."""
import os
import re
import subprocess

MARK = "987654321987"  # printed between crash's commands by `p MARK` (crash strips quotes)
_cache = {}


def _session(vmlinux, dump, commands):
    """{command: output}, None if crash is not installed, {} if crash read nothing of the dump
    (crash 8.0.2 cannot read 6.12's dumps)."""
    script = "".join(f"{c}\np {MARK}\n" for c in commands) + "quit\n"
    try:
        r = subprocess.run(["crash", "-s", vmlinux, dump], input=script, capture_output=True, text=True,
                           timeout=900)
    except FileNotFoundError:
        return None
    if MARK not in r.stdout:
        print(f"# crash ran none of its commands on {dump}: no comparison with crash there")
        return {}
    # Not anchored at a line start: rd -a ends without a newline, and the mark follows on its line.
    parts = re.split(r"\$\d+ = " + MARK + r"\n", r.stdout)
    parts += [""] * (len(commands) - len(parts))
    return dict(zip(commands, parts))


def crash_prefetch(d, dump, commands):
    """Runs the commands not yet cached for dump in one crash session (d holds the vmlinux)."""
    key = os.path.abspath(dump)
    known = _cache.setdefault(key, {})
    if known.get(None) is not None:  # crash is missing, or read nothing: no point asking again
        return
    todo = [c for c in dict.fromkeys(commands) if c not in known]
    if not todo:
        return
    got = _session(os.path.join(d, "vmlinux"), dump, todo)
    if not got:
        known[None] = "missing" if got is None else "unreadable"
        return
    known.update(got)


def crash_outputs(d, dump, commands):
    """crash's output of each command (a list, in order); None if crash is not installed, [] if
    crash cannot read the dump."""
    crash_prefetch(d, dump, commands)
    known = _cache[os.path.abspath(dump)]
    if known.get(None) == "missing":
        return None
    if known.get(None) == "unreadable":
        return []
    return [known[c] for c in commands]
