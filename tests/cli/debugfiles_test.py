#!/usr/bin/env python3
"""Debug files as users keep them, on the lab dumps: a plain directory of the lab's module debug
files (nested, renamed NAME.ko.debug, NAME.debug and with '-' for '_'), with a symlink loop and a
namesake of another build in it; files given one by one (a module's, the vmlinux);
--debuginfo adding to the default places and --no-default-debuginfo dropping them; `mod` naming
each module's debug file or why none; `mod -s NAME [FILE]` and `mod -S [DIR]`. Every file's
build-id is compared with what readelf reads from it and with the loaded module's."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import NO_KALLSYMS, Tap, ktriage, lab_root, scenario_dir  # noqa: E402

# The namesake (the lab's kvm_intel against the distribution's kvm-intel.ko) and the files given
# one by one, mod -s and mod -S are checked on these; the plain directory on every dump made.
NAMESAKE, SINGLE = "vmx-sim-3.10", "callforms"


def made_dumps():
    """Every scenario of this kernel's lab whose kdump file was made."""
    root = lab_root()
    return sorted(n for n in os.listdir(root) if os.path.exists(os.path.join(root, n, ".done"))
                  and os.path.exists(os.path.join(root, n, "vmcore.kdump")))


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


def kernel_dbg(d):
    vmlinux = os.path.realpath(os.path.join(d, "vmlinux"))
    return vmlinux[:vmlinux.index("/usr/lib/debug/")]


def mods(*args):
    """{name: module object} from `mod` (and whatever -c runs first), JSON, and the status."""
    p = ktriage("--json", *args, check=False)
    docs = [json.loads(doc) for doc in re.findall(r'^\{"schema".*?^\]\}$', p.stdout, re.S | re.M)]
    last = docs[-1]["modules"] if docs else []
    return {m["name"]: m for m in last}, p


def sys_symbols(*args):
    p = ktriage("--json", *args, "sys", check=False)
    return json.loads(p.stdout)["symbols"] if p.returncode == 0 else p.stderr


def plain_tree(tmp, extra):
    """The lab's module debug files in a user's kind of directory: nested at several depths and
    named every way a module's debug file is, with a symlink loop and a dangling link."""
    root = os.path.join(tmp, "mine")
    names = sorted(f for f in os.listdir(extra) if f.endswith(".ko"))
    forms = [lambda n: n, lambda n: n + ".debug", lambda n: n[:-3] + ".debug",
             lambda n: n.replace("_", "-")]
    placed = {}
    for i, name in enumerate(names):
        sub = os.path.join(root, *(["build", "out"] + [f"d{j}" for j in range(i % 4)]))
        os.makedirs(sub, exist_ok=True)
        dest = os.path.join(sub, forms[i % len(forms)](name))
        shutil.copy(os.path.join(extra, name), dest)
        placed[name[:-3]] = dest
    os.symlink(root, os.path.join(root, "build", "loop"))
    os.symlink(os.path.join(tmp, "nowhere"), os.path.join(root, "dangling"))
    return root, placed


def check_plain_directory(tap, d, root, placed):
    dump = os.path.join(d, "vmcore.kdump")
    name = os.path.basename(d)
    before, _ = mods(dump, "mod")
    if not any(n in placed for n in before):
        print(f"# {name}: no lab module is loaded ({len(before)} modules): nothing of ours to find")
        return 0
    tap.ok(all(m["debug"]["status"] == "not_searched" for m in before.values()),
           f"{name}: mod before any lookup: every module `not_searched` ({len(before)})",
           {n: m["debug"] for n, m in before.items()})
    got, p = mods("--debuginfo", root, dump, "mod", "-S")
    if not tap.ok(p.returncode == 0 and got, f"{name}: mod -S with a plain directory", p.stderr):
        return 0
    compared, bad = 0, []
    for mod, m in got.items():
        if mod not in placed:
            continue
        dbg = m["debug"]
        compared += 1
        if dbg["status"] != "loaded" or dbg["file"] != placed[mod] or \
                dbg["build_id"] != build_id(placed[mod]) or "matches" not in (dbg["checked"] or ""):
            bad.append((mod, dbg, placed[mod]))
    tap.ok(compared > 0 and not bad, f"{name}: {compared} lab module(s) loaded from the plain directory, "
           f"the file's build-id (readelf) the loaded module's", bad)
    # The defaults stay: the vmlinux is still found, and Debian's modules from its tree.
    tap.ok(sys_symbols("--debuginfo", root, dump).startswith("vmlinux "),
           f"{name}: --debuginfo DIR adds to the default places (the vmlinux is still found)")
    debian = {n: m for n, m in got.items() if n not in placed}
    if debian:
        tap.ok(all(m["debug"]["status"] == "loaded" and "/usr/lib/debug/lib/modules/" in m["debug"]["file"]
                   for m in debian.values()),
               f"{name}: {len(debian)} distribution module(s) from the default places beside it",
               {n: m["debug"] for n, m in debian.items()})
    # Without the defaults: no vmlinux, Debian's modules have none, each with why. (The vmlinux
    # given as a file: before 6.0 the module list needs its symbols.)
    vmlinux = os.path.realpath(os.path.join(d, "vmlinux"))
    alone, p = mods("--no-default-debuginfo", "--debuginfo", vmlinux, "--debuginfo", root, dump, "mod", "-S")
    tap.ok(not sys_symbols("--no-default-debuginfo", "--debuginfo", root, dump).startswith("vmlinux "),
           f"{name}: --no-default-debuginfo: no vmlinux outside the places given")
    why = [(n, m["debug"]) for n, m in alone.items() if n not in placed]
    if why:
        tap.ok(all(m["status"] == "none" and m["reason"].startswith(f"no file with build-id {m['build_id']}, "
                                                                     f"nor named {n}.ko") and root in m["reason"]
                   for n, m in why),
               f"{name}: --no-default-debuginfo: {len(why)} distribution module(s) without a file, each "
               f"saying which build-id and name were looked for where", why)
    ours = [n for n in placed if n in alone]
    tap.ok(ours and all(alone[n]["debug"]["status"] == "loaded" for n in ours),
           f"{name}: --no-default-debuginfo: the lab modules still load from the directory ({len(ours)})",
           p.stderr)
    text = ktriage("--debuginfo", root, dump, "-c", "mod -S", check=False).stdout
    tap.ok("DEBUG FILE" in text and all(placed[n] in text for n in got if n in placed),
           f"{name}: mod -S text names each debug file", text)
    return compared


def check_namesake(tap, d, root, placed, tmp):
    """kvm_intel is the lab's (3.10 layout); Debian's kvm-intel.ko is a namesake of another build."""
    dump = os.path.join(d, "vmcore.kdump")
    kdbg = kernel_dbg(d)
    debian = [os.path.join(r, f) for r, _, fs in os.walk(os.path.join(kdbg, "usr/lib/debug/lib/modules"))
              for f in fs if f == "kvm-intel.ko"]
    if not tap.ok(len(debian) == 1, "Debian's kvm-intel.ko is in the kernel's debug tree", kdbg):
        return
    theirs, ours = build_id(debian[0]), build_id(placed["kvm_intel"])
    tap.ok(theirs and ours and theirs != ours, f"the namesake's build-id {theirs} is not ours {ours}")
    # The default places hold only the namesake: refused, both build-ids named.
    got, p = mods(dump, "mod", "-S")
    dbg = got.get("kvm_intel", {}).get("debug", {})
    tap.eq((dbg.get("status"), dbg.get("reason"), dbg.get("build_id")),
           ("none", f"build-id mismatch: {debian[0]} has {theirs}, module has {ours}", ours),
           "namesake alone: mod says none, `build-id mismatch: FILE has ..., module has ...`")
    text = ktriage(dump, "-c", "mod -S", check=False).stdout
    tap.ok(f"(none: build-id mismatch: {debian[0]} has {theirs}, module has {ours})" in text,
           "namesake alone: the text says why", text)
    # A copy of the namesake first in a directory of the user's, ours deeper: ours is used.
    first = os.path.join(tmp, "namesake")
    os.makedirs(os.path.join(first, "z", "y"))
    shutil.copy(debian[0], os.path.join(first, "kvm-intel.ko"))
    shutil.copy(placed["kvm_intel"], os.path.join(first, "z", "y", "kvm_intel.ko.debug"))
    got, p = mods("--debuginfo", first, dump, "mod", "-S")
    dbg = got.get("kvm_intel", {}).get("debug", {})
    tap.eq((dbg.get("status"), dbg.get("file")), ("loaded", os.path.join(first, "z", "y", "kvm_intel.ko.debug")),
           "namesake first, ours further on: the mismatch moves on to ours")
    size = json.loads(open(os.path.join(d, "ground-truth.json")).read())["vmx"]["sizeof"]["vcpu_vmx"]
    w = ktriage("--json", "--debuginfo", first, dump, "whatis", "kvm_intel:vcpu_vmx", check=False)
    tap.eq(json.loads(w.stdout)["size"] if w.returncode == 0 else w.stderr, size,
           "namesake first: whatis kvm_intel:vcpu_vmx has our size (the 3.10 layout)")
    # mod -s: the namesake refused with why, then ours taken, and its types follow.
    p = ktriage(dump, "-c", f"whatis kvm_intel:vcpu_vmx; mod -s kvm_intel {debian[0]}; "
                f"mod -s kvm_intel {placed['kvm_intel']}; whatis kvm_intel:vcpu_vmx", check=False)
    tap.ok(f"build-id mismatch: {debian[0]} has {theirs}, module has {ours}" in p.stderr
           and f"  {placed['kvm_intel']}\n" in p.stdout and "type = struct vcpu_vmx {" in p.stdout,
           "mod -s NAME FILE: a namesake refused naming both build-ids, then ours loaded and typed", p.stdout + p.stderr)
    p = ktriage(dump, "mod", "-s", "kvm_intel", debian[0], check=False)
    tap.ok(p.returncode == 1 and "refused" in p.stderr, "mod -s with the wrong file fails (status 1)", p.stderr)
    p = ktriage(dump, "-c", f"mod -s kvm_intel {placed['kvm_intel']}; mod -s kvm_intel {debian[0]}", check=False)
    tap.ok(p.returncode == 1 and "uses " + placed["kvm_intel"] + " already" in p.stderr,
           "mod -s: a module with its debug file keeps it", p.stderr)


def check_given_files(tap, d, placed):
    dump = os.path.join(d, "vmcore.kdump")
    name = os.path.basename(d)
    vmlinux = os.path.realpath(os.path.join(d, "vmlinux"))
    files = [placed[m] for m in sorted(placed)]
    args = ["--no-default-debuginfo", "--debuginfo", vmlinux] + [a for f in files for a in ("--debuginfo", f)]
    tap.eq(sys_symbols(*args, dump), f"vmlinux {vmlinux} (ELF symbols, BTF types)",
           f"{name}: the vmlinux given as a file, among module files, is taken by its build-id")
    got, p = mods(*args, dump, "mod", "-S")
    lab = {n: m["debug"] for n, m in got.items() if n in placed}
    tap.ok(lab and all(m["status"] == "loaded" and m["file"] == placed[n] for n, m in lab.items()),
           f"{name}: {len(lab)} module file(s) given one by one, each matched by build-id", lab)


def check_mod_s(tap, d, root, placed):
    dump = os.path.join(d, "vmcore.kdump")
    name = os.path.basename(d)
    lab = [n for n in placed if n in mods(dump, "mod")[0]]
    if not tap.ok(lab, f"{name}: a lab module is loaded"):
        return
    mod = lab[0]
    # mod -s NAME: searched in the places (here the defaults: none there).
    p = ktriage(dump, "mod", "-s", mod, check=False)
    tap.ok(p.returncode == 1 and f"module {mod}: no debug file (no file with build-id" in p.stderr,
           f"{name}: mod -s {mod} without a file in the places: none, and why", p.stderr)
    p = ktriage("--debuginfo", root, dump, "mod", "-s", mod, check=False)
    tap.ok(p.returncode == 0 and placed[mod] in p.stdout and p.stdout.count("\n") == 2,
           f"{name}: mod -s {mod} searched in --debuginfo: the one module's row with its file", p.stdout + p.stderr)
    # mod -S DIR: only DIR, whatever the places.
    vmlinux = os.path.realpath(os.path.join(d, "vmlinux"))
    got, p = mods("--no-default-debuginfo", "--debuginfo", vmlinux, dump, "-c", f"mod; mod -S {root}")
    tap.ok(p.returncode == 0 and got[mod]["debug"]["file"] == placed[mod],
           f"{name}: mod -S DIR loads from DIR", got.get(mod))
    # Source lines follow a module loaded by mod -s.
    p = ktriage(dump, "-c", f"mod -s {mod} {placed[mod]}; mod", check=False)
    tap.ok(p.returncode == 0 and p.stdout.count(placed[mod]) == 2, f"{name}: mod shows the file mod -s loaded",
           p.stdout)
    p = ktriage("--no-debuginfo", "--json", dump, "mod", check=False)
    if NO_KALLSYMS in p.stderr:
        # Before 6.0 the dump alone names no symbol: the module list needs the vmlinux.
        tap.ok(p.returncode == 1, f"{name}: --no-debuginfo before 6.0: mod fails naming the missing kallsyms")
    else:
        listed = json.loads(p.stdout)["modules"] if p.returncode == 0 else []
        tap.ok(listed and all(m["debug"]["reason"] == "the program was opened without debug files"
                              for m in listed),
               f"{name}: --no-debuginfo: mod says why no module has a debug file ({len(listed)})", p.stderr)
    p = ktriage(dump, "mod", "-s", "no_such_module", check=False)
    tap.ok(p.returncode == 1 and "no module no_such_module is loaded" in p.stderr, "mod -s of no module", p.stderr)
    p = ktriage(dump, "mod", "-x", check=False)
    tap.ok(p.returncode == 2 and "mod -s NAME [FILE]" in p.stderr, "mod with a bad option: usage", p.stderr)


def main():
    tap = Tap()
    extra = os.path.join(lab_root(), "debug", "lib", "modules")
    releases = os.listdir(extra) if os.path.isdir(extra) else []
    if not tap.ok(len(releases) == 1, "the lab's debug tree holds one release's modules", extra):
        tap.done()
    extra = os.path.join(extra, releases[0], "extra")
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        root, placed = plain_tree(tmp, extra)
        tap.ok(placed and len(placed) == len([f for f in os.listdir(extra) if f.endswith(".ko")]),
               f"{len(placed)} lab debug files copied into a plain directory")
        dumps = made_dumps()
        for name in dumps:
            total += check_plain_directory(tap, scenario_dir(tap, name), root, placed)
        d = scenario_dir(tap, NAMESAKE)
        if d:
            check_namesake(tap, d, root, placed, tmp)
        d = scenario_dir(tap, SINGLE)
        if d:
            check_given_files(tap, d, placed)
            check_mod_s(tap, d, root, placed)
    tap.ok(total > 0, f"{total} modules' debug files compared with readelf over {len(dumps)} dumps")
    tap.done()


if __name__ == "__main__":
    main()
