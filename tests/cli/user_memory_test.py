#!/usr/bin/env python3
"""User memory through a task's page tables: `ps -a` (command line and environment) and `rd -u`.
On the unfiltered dump (panic's vmcore.full.elf) every user task's arguments, environment and
the bytes at mm->arg_start against drgn's cmdline(), environ() and access_remote_vm(); on the
filtered kdump file the reader's reason (user pages are left out) and exit 1; on QEMU's dump the
lab's own facts (the init script's interpreter, the kernel command line's parameters that the
kernel hands init as environment) and, where crash reads the kernel, crash's ps -a."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from crash_session import crash_outputs  # noqa: E402
from tap import Tap, json_documents, ktriage, scenario_dir  # noqa: E402

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ORACLE = os.path.join(TOP, "tests", "oracle", "drgn_user.py")
SEARCH_ORACLE = os.path.join(TOP, "tests", "oracle", "drgn_search_user.py")


def args_json(dump, *sel):
    p = ktriage("--json", dump, "ps", "-a", *sel, check=False)
    return p, (json.loads(p.stdout)["task_args"] if p.stdout else [])


def check_full(tap, d):
    """Every user task of the unfiltered dump against drgn."""
    dump = os.path.join(d, "vmcore.full.elf")
    o = subprocess.run(["/usr/bin/python3", ORACLE, dump, os.path.join(d, "vmlinux")],
                       capture_output=True, text=True, timeout=300)
    if not tap.ok(o.returncode == 0, "drgn reads the user tasks of panic/vmcore.full.elf", o.stderr[-2000:]):
        return None
    want = json.loads(o.stdout)
    tap.ok(not want["errors"], "drgn reads every user task's arguments", str(want["errors"]))
    p, got = args_json(dump)
    tap.eq(p.returncode, 0, "ps -a on the unfiltered dump: exit 0")
    by_pid = {t["pid"]: t for t in got}
    compared = 0
    for w in want["tasks"]:
        g = by_pid.get(w["pid"])
        if not tap.ok(g is not None, f"pid {w['pid']}: in ps -a"):
            continue
        tap.eq((g["args"], g["env"], int(g["arg_start"], 16)), (w["args"], w["env"], int(w["arg_start"], 16)),
               f"pid {w['pid']}: arguments, environment and arg_start as drgn reads them")
        compared += 1
    print(f"# compared: {compared} user tasks' arguments and environment against drgn")
    tap.ok(compared > 0, "at least one user task compared")
    kthreads = [p for p in want["kernel_threads"] if p in by_pid]
    tap.ok(kthreads and all(by_pid[p]["error"] and not by_pid[p]["args"] for p in kthreads),
           f"{len(kthreads)} kernel threads: no user address space, no arguments",
           str([by_pid[p] for p in kthreads[:2]]))
    # rd -u: the words at arg_start, in the context of the task they belong to.
    words = 0
    for w in want["tasks"][:3]:
        p = ktriage("--json", dump, "-c", f"set {w['pid']}; rd -u -x {w['arg_start']} 8", check=False)
        rows = [x for x in json_documents(p.stdout) if "values" in x]
        got_bytes = b"".join(int(v, 16).to_bytes(8, "little") for v in rows[0]["values"]) if rows else b""
        tap.ok(p.returncode == 0 and rows and rows[0]["space"] == "user" and rows[0]["task"] == w["task"],
               f"pid {w['pid']}: rd -u --json says whose user memory it read", p.stdout[-600:] + p.stderr)
        tap.eq(got_bytes.hex(), w["arg_bytes"], f"pid {w['pid']}: rd -u {w['arg_start']} 8 = drgn's access_remote_vm")
        words += 8
    # search -u: the aligned word before arg_start, found where drgn read it.
    hits = 0
    for w in want["tasks"][:3]:
        p = ktriage("--json", dump, "-c", f"set {w['pid']}; search -u -s {w['aligned']} -l 0x1000 "
                    f"{w['aligned_word'][2:]}", check=False)
        docs = [x for x in json_documents(p.stdout) if "hits" in x]
        found = [int(h["address"], 16) for h in docs[0]["hits"]] if docs else []
        tap.ok(p.returncode == 0 and int(w["aligned"], 16) in found,
               f"pid {w['pid']}: search -u finds {w['aligned_word']} at {w['aligned']}", p.stdout[-600:] + p.stderr)
        hits += 1
    # search -u without a range: every VMA of the task, hit for hit as drgn finds them.
    spaces = 0
    for w in want["tasks"][:2]:
        o = subprocess.run(["/usr/bin/python3", SEARCH_ORACLE, dump, os.path.join(d, "vmlinux"), str(w["pid"]),
                            w["aligned_word"]], capture_output=True, text=True, timeout=300)
        if not tap.ok(o.returncode == 0, f"pid {w['pid']}: drgn searches its user memory", o.stderr[-2000:]):
            continue
        oracle = json.loads(o.stdout)
        p = ktriage("--json", dump, "-c", f"set {w['pid']}; search -u {w['aligned_word'][2:]}", check=False)
        docs = [x for x in json_documents(p.stdout) if "hits" in x]
        got = docs[0] if docs else {}
        found = [hex(int(h["address"], 16)) for h in got.get("hits", [])]
        tap.ok(p.returncode == 0 and got.get("stopped") is None and w["aligned"] in found,
               f"pid {w['pid']}: search -u without a range finds {w['aligned_word']} at {w['aligned']}",
               p.stdout[-600:] + p.stderr)
        tap.eq((found, got.get("vmas"), got.get("bytes_read"), got.get("bytes_unreadable")),
               (oracle["hits"], oracle["vmas"], oracle["bytes_read"], oracle["bytes_unreadable"]),
               f"pid {w['pid']}: search -u over its {oracle['vmas']} VMAs: the hits and the bytes read as drgn's")
        spaces += 1
    tap.ok(spaces > 0, f"{spaces} whole user address spaces searched and compared against drgn")
    kthread = want["kernel_threads"][-1]
    p = ktriage(dump, "-c", f"set {kthread}; search -u 0", check=False)
    tap.ok(p.returncode == 1 and "has no user address space" in p.stderr,
           f"pid {kthread} (a kernel thread): search -u says it has no user address space, exit 1", p.stderr[-600:])
    p = ktriage(dump, "search", "-u", "-s", w["aligned"], "0", check=False)
    tap.ok(p.returncode == 2, "search -u -s without -e or -l: bad usage, exit 2", p.stderr[-600:])
    phys = int(want["banner_phys"], 16)
    p = ktriage("--json", dump, "search", "-p", "-s", hex(phys & ~0xfff), "-l", "0x2000", want["banner_word"][2:],
                check=False)
    found = [int(h["address"], 16) for h in json.loads(p.stdout)["hits"]] if p.returncode == 0 else []
    tap.ok(phys in found, f"search -p finds linux_banner's first word at physical {want['banner_phys']}",
           p.stdout[-600:] + p.stderr)
    print(f"# compared: {words} words of user memory and {hits + 1} search hits against drgn")
    tap.ok(words > 0, "at least one rd -u compared")
    return next((w for w in want["tasks"] if w["pid"] == 1), None)


def check_filtered(tap, d, init):
    """makedumpfile -d 31 leaves user pages out where it recognises them (its page flag
    tables lag the kernel: on some kernels it keeps them): the same strings as the whole
    memory holds, or the reason, never made-up strings."""
    dump = os.path.join(d, "vmcore.kdump")
    p, got = args_json(dump, "1")
    text = ktriage(dump, "ps", "-a", "1", check=False).stdout
    if got and got[0]["args"]:
        tap.ok(p.returncode == 0 and init and (got[0]["args"], got[0]["env"]) == (init["args"], init["env"]),
               "ps -a 1 on the kdump file (user pages kept): what drgn read in the whole memory",
               p.stdout + p.stderr)
        tap.ok(re.search(r"^ARG: /", text, re.M) is not None, "ps -a 1 text: the ARG line", text)
    else:
        tap.ok(p.returncode == 1 and len(got) == 1 and "excluded from the dump" in (got[0]["args_error"] or ""),
               "ps -a 1 on the filtered kdump file: no arguments, the page excluded, exit 1",
               p.stdout + p.stderr)
        tap.ok(re.search(r"^ARG: \(.*excluded from the dump", text, re.M) is not None,
               "ps -a 1 text: ARG says why it is missing", text)
    p = ktriage(dump, "-c", "set 2; rd -u 0x400000", check=False)
    tap.ok(p.returncode == 1 and "no user address space" in p.stderr,
           "rd -u in a kernel thread's context: no user address space", p.stderr)
    p = ktriage(dump, "-c", "set 1; rd -u linux_banner", check=False)
    tap.ok(p.returncode == 1 and "is not a user address" in p.stderr,
           "rd -u of a kernel address: not a user address", p.stderr)
    p = ktriage(dump, "rd", "-p", "-u", "0x1000", check=False)
    tap.eq(p.returncode, 2, "rd -p -u: a usage error")


def check_qemu(tap, d):
    """QEMU's dump keeps every page: init's arguments and environment as the lab set them up."""
    dump = os.path.join(d, "vmcore.qemu.elf")
    with open(os.path.join(TOP, "lab", "guest", "init")) as f:
        interpreter = f.readline()[2:].split()[0]  # "#!/bin/sh"
    with open(os.path.join(d, "serial.log"), errors="replace") as f:
        cmdline = re.search(r"Kernel command line: (.*)", f.read()).group(1).split()
    # Parameters the kernel does not know, with a value, go to init's environment
    # (init/main.c: unknown_bootoption).
    lab_env = [w for w in cmdline if w.startswith("kt") and "=" in w]
    p, got = args_json(dump, "1")
    tap.ok(p.returncode == 0 and len(got) == 1, "qemu-dump: ps -a 1 exits 0", p.stderr)
    if not got:
        return
    tap.eq(got[0]["args"], [interpreter, "/init"], "qemu-dump: init's arguments: the script's interpreter and /init")
    tap.ok(lab_env and all(e in got[0]["env"] for e in lab_env),
           f"qemu-dump: init's environment has the kernel command line's {lab_env}", str(got[0]["env"]))
    text = ktriage(dump, "ps", "-a", "1", check=False).stdout
    out = crash_outputs(d, dump, ["ps -a 1"])
    if not tap.ok(out is not None, "crash is installed (scripts/install-deps.sh)"):
        return
    theirs = out[0] if out else None
    if not out:
        print("# qemu-dump: crash 8.0.2 cannot read this kernel's dump: no comparison with crash")
        return
    if "ARG:" not in theirs:
        print("# qemu-dump: crash does not find pid 1 on this kernel (struct pid changed in 6.1.19x): "
              "no comparison with crash")
        return
    norm = lambda s: [line.rstrip() for line in s.splitlines() if line.strip()]  # noqa: E731
    tap.eq(norm(text), norm(theirs), "qemu-dump: ps -a 1 as crash prints it")
    print("# compared: 1 task's ps -a against crash")


def main():
    tap = Tap()
    d = scenario_dir(tap, "panic")
    if d:
        init = check_full(tap, d)
        check_filtered(tap, d, init)
    d = scenario_dir(tap, "qemu-dump")
    if d:
        check_qemu(tap, d)
    tap.done()


if __name__ == "__main__":
    main()
