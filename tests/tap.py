"""A minimal TAP producer for the Python test drivers (tests/run.sh counts the results)."""
import fnmatch
import json
import os
import re
import subprocess
import sys

LAB_SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab", "scenarios")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {name}")
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines():
                    print(f"#   {line}")
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, f"got:  {got!r}\nwant: {want!r}")

    def done(self):
        print(f"1..{self.n}")
        sys.exit(1 if self.failed else 0)


def lab_root():
    root = os.environ.get("KTRIAGE_LAB")
    if not root:
        sys.exit("KTRIAGE_LAB is not set: run the tests through tests/run.sh")
    return root


def lab_release():
    """The kernel release of the dumps tree: KTRIAGE_LAB is .../dumps/RELEASE-LABHASH."""
    return os.path.basename(os.path.normpath(lab_root())).rsplit("-", 1)[0]


def scenario_kernels(name):
    """The release patterns a scenario is made for (KERNELS= in its .conf, lab/run.sh)."""
    conf = os.path.join(LAB_SCENARIOS, name + ".conf")
    if os.path.exists(conf):
        with open(conf) as f:
            for line in f:
                m = re.match(r'\s*KERNELS="?([^"#]*)"?', line)
                if m:
                    return m.group(1).split()
    return ["*"]


def scenario_made(name):
    """Whether the lab makes this scenario for the dumps tree's kernel."""
    return any(fnmatch.fnmatchcase(lab_release(), p) for p in scenario_kernels(name))


def scenarios():
    """Every scenario the lab makes for this kernel (a missing dump is a failure, not a skip).
    Scenarios the lab does not make for it (KERNELS=) are named in a TAP comment."""
    names = sorted(f[:-3] for f in os.listdir(LAB_SCENARIOS) if f.endswith(".sh"))
    left = [n for n in names if not scenario_made(n)]
    if left:
        print(f"# not made for {lab_release()} (KERNELS= in their .conf): {' '.join(left)}")
    return [n for n in names if scenario_made(n)]


def scenario_dir(tap, name):
    """The scenario's dump directory, or None after recording a failure that says why (or,
    for a scenario the lab does not make for this kernel, after a TAP comment saying so)."""
    if not scenario_made(name):
        print(f"# {name}: not made for {lab_release()} (KERNELS= in lab/scenarios/{name}.conf)")
        return None
    d = os.path.join(lab_root(), name)
    if not os.path.exists(os.path.join(d, ".done")):
        tap.ok(False, f"{name}: dump exists", f"lab/run.sh {name} did not produce {d}; see its serial.log")
        return None
    return d


def ground_truth(d):
    with open(os.path.join(d, "ground-truth.json")) as f:
        return json.load(f)


def ktriage(*args, check=True):
    exe = os.environ.get("KTRIAGE", "ktriage")
    p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise RuntimeError(f"ktriage {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def dump_has_kallsyms(path):
    """Whether the dump's VMCOREINFO locates the kernel's kallsyms tables (Linux 6.0+ writes them): without
    them and without a debug vmlinux there are no symbols at all."""
    with open(path, "rb") as f:
        return b"SYMBOL(kallsyms_names)=" in f.read(1 << 22)


def check_dump_only(tap, label, dump, q, same):
    """q: a --no-debuginfo run. Where VMCOREINFO has kallsyms, same() must hold; before Linux 6.0 the error
    must say what is missing and what to give."""
    if dump_has_kallsyms(dump):
        return tap.ok(q.returncode == 0 and same(), f"{label}: the same without debug info", q.stderr)
    return tap.ok(q.returncode == 1 and "no kernel symbols" in q.stderr and "kallsyms" in q.stderr
                  and "debug vmlinux" in q.stderr,
                  f"{label}: without debug info nor kallsyms in VMCOREINFO, the error names both", q.stderr)


def dump_files(d):
    """Every dump file of a scenario directory, by format."""
    names = ["vmcore.elf", "vmcore.kdump", "vmcore.lzo.kdump", "vmcore.plain.kdump", "vmcore.flat", "vmcore.full.elf",
             "vmcore.qemu.elf"]
    return [os.path.join(d, n) for n in names if os.path.exists(os.path.join(d, n))]


# What ktriage says when a dump cannot be read without debug files: kallsyms is in VMCOREINFO
# from Linux 6.0 on only (lib/program.c, dump_kallsyms).
NO_KALLSYMS = "the kallsyms tables (SYMBOL(kallsyms_names)"
_alone = {}


def dump_alone(tap, label, dump):
    """Whether ktriage reads DUMP without debug files (--no-debuginfo: kallsyms and BTF from the
    dump). Where the dump carries no kallsyms, the first ask checks once that ktriage says so,
    a TAP comment says that the dump-only comparison does not apply, and the answer is False.
    Any other failure answers True, so that the comparison itself fails with its error."""
    if dump not in _alone:
        p = ktriage("--no-debuginfo", dump, "sym", "_stext", check=False)
        _alone[dump] = not (p.returncode != 0 and NO_KALLSYMS in p.stderr)
        if not _alone[dump]:
            tap.ok(True, f"{label}: without debug files ktriage says the dump has no kallsyms ({NO_KALLSYMS})")
    if not _alone[dump]:
        print(f"# {label}: no kallsyms in the dump's VMCOREINFO (before Linux 6.0): "
              "the comparison without debug files does not apply")
    return _alone[dump]


def json_documents(text):
    """Every JSON document in text, one after another (a -c list prints one per command)."""
    dec, docs, at = json.JSONDecoder(), [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return docs
        doc, at = dec.raw_decode(text, at)
        docs.append(doc)
