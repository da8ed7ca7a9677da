#!/usr/bin/env python3
"""The library as a user gets it: `meson install` into a temporary directory (library with its
soname, header, pkg-config file, program, man page), examples/task_member.c built there with
`cc $(pkg-config --cflags --libs ktriage)` against the installed library only, then run on every
lab dump: the same tasks (pid, comm) as `ktriage ps`, each task's pid read again through its
struct task_struct."""
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir, scenarios  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(TOP, "examples", "task_member.c")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def build_options(build):
    p = run(["meson", "introspect", "--buildoptions", build])
    return {o["name"]: o["value"] for o in json.loads(p.stdout)} if p.returncode == 0 else {}


def install(tap, build, dest):
    """meson install into dest; returns (prefix, libdir) inside dest, or None."""
    p = run(["meson", "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"])
    if not tap.ok(p.returncode == 0, "meson install succeeds", p.stdout + p.stderr):
        return None
    opts = build_options(build)
    prefix = dest + opts.get("prefix", "/usr/local")
    libdir = os.path.join(prefix, opts.get("libdir", "lib"))
    want = {
        "the library's soname link": os.path.join(libdir, "libktriage.so.0"),
        "the link for linking": os.path.join(libdir, "libktriage.so"),
        "the header": os.path.join(prefix, "include", "ktriage.h"),
        "the pkg-config file": os.path.join(libdir, "pkgconfig", "ktriage.pc"),
        "the program": os.path.join(prefix, "bin", "ktriage"),
        "the man page": os.path.join(prefix, opts.get("mandir", "share/man"), "man1", "ktriage.1"),
    }
    for what, path in want.items():
        tap.ok(os.path.exists(path), f"installs {what} ({os.path.relpath(path, dest)})")
    real = sorted(glob.glob(os.path.join(libdir, "libktriage.so.*.*")))
    soname = run(["readelf", "-d", real[0]]).stdout if real else ""
    tap.ok("Library soname: [libktriage.so.0]" in soname, "the library has a versioned soname", soname)
    return prefix, libdir


def main():
    tap = Tap()
    exe = os.environ.get("KTRIAGE")
    if not exe:
        sys.exit("KTRIAGE is not set: run the tests through tests/run.sh")
    build = os.path.dirname(os.path.abspath(exe))
    with tempfile.TemporaryDirectory(prefix="ktriage-install-") as dest:
        placed = install(tap, build, dest)
        if not placed:
            tap.done()
        prefix, libdir = placed
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(libdir, "pkgconfig"),
                   LD_LIBRARY_PATH=libdir)
        # The .pc file names the prefix it was configured for; the files are under dest.
        pc = run(["pkg-config", f"--define-variable=prefix={prefix}", "--cflags", "--libs", "ktriage"],
                 env=env)
        if not tap.ok(pc.returncode == 0 and "-lktriage" in pc.stdout, "pkg-config knows ktriage",
                      pc.stderr):
            tap.done()
        flags = shlex.split(pc.stdout)
        tap.ok(all(not f.startswith(("-I", "-L")) or f[2:].startswith(dest) or f[2:].startswith("/usr/")
                   for f in flags), "pkg-config points at the installed copy", pc.stdout)
        sanitize = build_options(build).get("b_sanitize", "none")
        san = [f"-fsanitize={sanitize}"] if sanitize not in ("none", "") else []
        prog = os.path.join(dest, "task_member")
        cc = run([os.environ.get("CC", "cc"), "-std=c17", "-Wall", "-Wextra", "-Werror", *san,
                  "-o", prog, EXAMPLE, *flags], env=env)
        if not tap.ok(cc.returncode == 0, "examples/task_member.c builds against the installed library",
                      cc.stderr):
            tap.done()
        ldd = run(["ldd", prog], env=env).stdout
        tap.ok(f"{libdir}/libktriage.so.0" in ldd, "the example runs with the installed library", ldd)

        compared = 0
        for name in scenarios():
            d = scenario_dir(tap, name)
            if not d:
                continue
            dump = os.path.join(d, "vmcore.kdump")
            if not os.path.exists(dump):
                dump = os.path.join(d, "vmcore.qemu.elf")
            vmlinux = os.path.join(d, "vmlinux")
            args = [dump, "pid"] + ([vmlinux] if os.path.exists(vmlinux) else [])
            ps = ktriage("--json", *(["--vmlinux", vmlinux] if os.path.exists(vmlinux) else []), dump, "ps",
                         check=False)
            if not tap.ok(ps.returncode == 0, f"{name}: ktriage ps succeeds", ps.stderr):
                continue
            want = [(t["pid"], t["comm"]) for t in json.loads(ps.stdout)["tasks"]]
            p = run([prog, *args], env=env)
            if not tap.ok(p.returncode == 0, f"{name}: task_member succeeds", p.stderr):
                continue
            rows = [line.split("\t") for line in p.stdout.splitlines()]
            got = [(int(r[0]), r[1]) for r in rows]
            tap.ok(got == want and len(got) > 0,
                   f"{name}: task_member lists the tasks of ktriage ps ({len(got)} tasks)",
                   "\n".join(f"{g} != {w}" for g, w in zip(got, want) if g != w)[:2000]
                   or f"{len(got)} tasks, ps has {len(want)}")
            typed = [r[2] for r in rows]
            bad = [(r[0], r[2]) for r in rows if r[2] != f"pid = {r[0]}"]
            tap.ok(not bad and len(typed) > 0,
                   f"{name}: each task's pid read through struct task_struct is the walk's ({len(typed)} tasks)",
                   bad[:10])
            # A char array through the same object: the comm the walk read, as a string.
            c = run([prog, dump, "comm", *args[2:]], env=env)
            crow = [line.split("\t") for line in c.stdout.splitlines()]
            cbad = [r for r in crow if len(r) != 3 or r[2] != f'comm = "{r[1]}"']
            tap.ok(c.returncode == 0 and not cbad and len(crow) == len(got) > 0,
                   f"{name}: each task's comm read as a typed char array is the walk's ({len(crow)} tasks)",
                   c.stderr + str(cbad[:10]))
            compared += len(got)
        tap.ok(compared > 0, f"tasks compared with ktriage ps over every dump: {compared}")
        check_python_module(tap, build, dest, libdir, env)
    tap.done()


def check_python_module(tap, build, dest, libdir, env):
    """The Python module is installed too, runs with the installed library, and reads a dump."""
    mods = glob.glob(os.path.join(dest, "**", "ktriage.cpython-*.so"), recursive=True)
    if not tap.ok(len(mods) == 1, "installs the Python module (import ktriage)", mods):
        return
    ldd = run(["ldd", mods[0]], env=env).stdout
    tap.ok(f"{libdir}/libktriage.so.0" in ldd, "the Python module runs with the installed library", ldd)
    penv = dict(env, PYTHONPATH=os.path.dirname(mods[0]))
    if build_options(build).get("b_sanitize", "none") not in ("none", ""):
        # An ASan-built extension needs the sanitizer's runtime first in a plain interpreter.
        lib = run([os.environ.get("CC", "cc"), "-print-file-name=libasan.so"]).stdout.strip()
        penv.update(LD_PRELOAD=lib, ASAN_OPTIONS="detect_leaks=0")
    for name in scenarios():
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        if not os.path.exists(dump):
            continue
        ps = ktriage("--json", "--vmlinux", os.path.join(d, "vmlinux"), dump, "ps", check=False)
        want = [[t["pid"], t["comm"]] for t in json.loads(ps.stdout)["tasks"]] if ps.returncode == 0 else None
        code = ("import json, sys, ktriage\n"
                "with ktriage.open(sys.argv[1], vmlinux=sys.argv[2]) as p:\n"
                "    print(json.dumps([ktriage.__file__, [[t.pid, t.comm] for t in p.tasks()]]))\n")
        p = run([sys.executable, "-c", code, dump, os.path.join(d, "vmlinux")], env=penv)
        got = json.loads(p.stdout) if p.returncode == 0 else [None, None]
        tap.ok(got[0] == mods[0] and got[1] == want and len(want) > 0,
               f"{name}: the installed module imports and lists the tasks of ktriage ps "
               f"({len(want or [])} tasks)", p.stderr[-2000:] or f"{got[0]}: {got[1]}")
        return


if __name__ == "__main__":
    main()
