#!/usr/bin/env python3
"""Damaged copies of a real lab dump (the panic scenario's kdump-compressed, ELF and flattened
files): truncations at several points, header, bitmap, page descriptor and note damage, VMCOREINFO
edits. Each runs on both the sanitizer build (KTRIAGE) and the release build (KTRIAGE_RELEASE,
else build-release/ beside KTRIAGE's tree): libkdumpfile's faults show in one and not the other.
Every run must end by itself within a time bound, without a signal or a sanitizer report, with
the documented exit status and a message that names the damage."""
import json
import mmap
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, lab_root  # noqa: E402

TIMEOUT = 60
SANITIZER = re.compile(r"AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:")

# kdump-compressed layout (makedumpfile diskdump.h, x86_64): header fields, sub-header (block 1)
HDR_VERSION, HDR_BLOCK_SIZE, HDR_SUB_HDR_SIZE, HDR_BITMAP_BLOCKS, HDR_MAX_MAPNR = 8, 428, 432, 436, 440
SUB_OFFSET_VMCOREINFO, SUB_SIZE_VMCOREINFO, SUB_OFFSET_NOTE, SUB_SIZE_NOTE, SUB_MAX_MAPNR_64 = 32, 40, 48, 56, 96
DESC_SIZE = 24


def binaries(tap):
    """(label, path) of the sanitizer and the release builds; a missing one fails."""
    asan = os.environ.get("KTRIAGE")
    release = os.environ.get("KTRIAGE_RELEASE")
    if not release and asan:
        tree = os.path.dirname(os.path.abspath(asan))
        release = os.path.join(os.path.dirname(tree), "build-release", "ktriage")
    found = []
    for label, path in (("KTRIAGE", asan), ("release", release)):
        if tap.ok(bool(path) and os.access(path, os.X_OK), f"the {label} binary exists",
                  f"{path!r}: build it (tests/run.sh builds build-asan and build-release)"):
            found.append((label, path))
    return found


def patched(src, dst, edits, head=None):
    """Copies src (its first head bytes) to dst and applies edits: (offset, bytes) pairs."""
    with open(src, "rb") as f:
        data = bytearray(f.read(head) if head else f.read())
    for off, b in edits:
        data[off:off + len(b)] = b
    with open(dst, "wb") as f:
        f.write(data)
    return dst


def kdump_fields(path):
    with open(path, "rb") as f:
        hdr = f.read(4096 + 104)
    sub_hdr_size, bitmap_blocks = struct.unpack_from("<iI", hdr, HDR_SUB_HDR_SIZE)
    return sub_hdr_size, bitmap_blocks


def first_compressed_descriptor(path):
    """File offset of the first page descriptor whose page is compressed."""
    sub_hdr_size, bitmap_blocks = kdump_fields(path)
    off = (1 + sub_hdr_size + bitmap_blocks) * 4096
    with open(path, "rb") as f:
        f.seek(off)
        table = f.read(DESC_SIZE * 4096)
    for i in range(len(table) // DESC_SIZE):
        _, _, flags = struct.unpack_from("<QII", table, i * DESC_SIZE)
        if flags:
            return off + i * DESC_SIZE
    raise ValueError(f"{path}: no compressed page in the first 4096 descriptors")


def elf_phdrs(path):
    with open(path, "rb") as f:
        hdr = f.read(64)
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return [(phoff + i * phentsize, *struct.unpack_from("<IIQQQQ", table, i * phentsize))
            for i in range(phnum)]


def find_in_head(path, needle, size=1 << 22):
    with open(path, "rb") as f:
        i = f.read(size).find(needle)
    if i < 0:
        raise ValueError(f"{path}: {needle!r} not in its first {size} bytes")
    return i


def inputs(tmp, panic):
    """(name, path, commands, expect): expect is ("error", regex) for a file that must be refused
    with exit status 1 and a message matching regex, or ("damaged", regex) for one that opens but
    whose `sys` must exit 1 and say what is missing (regex), the other commands ending cleanly."""
    kdump = os.path.join(panic, "vmcore.kdump")
    elf = os.path.join(panic, "vmcore.elf")
    flat = os.path.join(panic, "vmcore.flat")
    lzo = os.path.join(panic, "vmcore.lzo.kdump")
    out = []

    def p(name):
        return os.path.join(tmp, name)

    def refused(name, path, regex):
        out.append((name, path, ["sys"], ("error", regex)))

    def damaged(name, path, regex):
        out.append((name, path, ["sys"], ("damaged", regex)))
        out.append((name + " (log; bt -a; ps)", path, ["-c", "log; bt -a; ps"], ("ends", None)))

    # The 12 bytes that crashed the release build in kdump_free.
    with open(p("k12"), "wb") as f:
        f.write(b"KDUMP   \x06\x00\x00\x00")
    refused("12-byte kdump header", p("k12"), r"truncated.*kdump header")
    refused("kdump bitmap_blocks 0x7fffffff",
            patched(kdump, p("bb.kdump"), [(HDR_BITMAP_BLOCKS, struct.pack("<I", 0x7fffffff))]),
            r"kdump header is corrupt: its page bitmap")
    refused("kdump max_mapnr 0xffffffff",
            patched(kdump, p("mm.kdump"), [(HDR_MAX_MAPNR, struct.pack("<I", 0xffffffff))]),
            r"kdump header is corrupt: max_mapnr 4294967295")
    refused("kdump max_mapnr_64 0xffffffff",
            patched(kdump, p("mm64.kdump"), [(4096 + SUB_MAX_MAPNR_64, struct.pack("<Q", 0xffffffff))]),
            r"kdump header is corrupt: max_mapnr 4294967295")
    refused("kdump block_size 8192",
            patched(kdump, p("bs.kdump"), [(HDR_BLOCK_SIZE, struct.pack("<i", 8192))]),
            r"kdump header is corrupt: block_size 8192")
    refused("kdump header_version -1",
            patched(kdump, p("ver.kdump"), [(HDR_VERSION, struct.pack("<i", -1))]),
            r"kdump header is corrupt: header_version -1")
    refused("kdump sub_hdr_size 0x7fffffff",
            patched(kdump, p("sub.kdump"), [(HDR_SUB_HDR_SIZE, struct.pack("<i", 0x7fffffff))]),
            r"kdump header is corrupt: sub_hdr_size")
    refused("kdump note size 2 TiB",
            patched(kdump, p("note.kdump"), [(4096 + SUB_SIZE_NOTE, struct.pack("<Q", 2 << 40))]),
            r"kdump header is corrupt: its ELF notes")
    refused("kdump VMCOREINFO size 2 TiB",
            patched(kdump, p("vmci.kdump"), [(4096 + SUB_SIZE_VMCOREINFO, struct.pack("<Q", 2 << 40))]),
            r"kdump header is corrupt: its VMCOREINFO")
    desc = first_compressed_descriptor(kdump)
    refused("kdump page descriptor of 4097 bytes",
            patched(kdump, p("desc.kdump"), [(desc + 8, struct.pack("<I", 4097))]),
            r"page descriptor of PFN 0x[0-9a-f]+ .*compressed size 4097 is larger than a page")
    ps = find_in_head(kdump, b"PAGESIZE=4096")
    refused("kdump VMCOREINFO PAGESIZE=0",
            patched(kdump, p("ps0.kdump"), [(ps, b"PAGESIZE=0000")]), r"VMCOREINFO is corrupt: PAGESIZE=0000")
    refused("kdump VMCOREINFO PAGESIZE=8192",
            patched(kdump, p("ps8k.kdump"), [(ps, b"PAGESIZE=8192")]), r"VMCOREINFO is corrupt: PAGESIZE=8192")
    refused("kdump cut to 4 KiB", patched(kdump, p("head4k.kdump"), [], head=4096),
            r"dump file is truncated.*kdump sub-header")
    size = os.path.getsize(kdump)
    for pct in (5, 25, 50, 90):
        damaged(f"kdump cut to {pct} %", patched(kdump, p(f"cut{pct}.kdump"), [], head=size * pct // 100),
                r"DAMAGE: the dump file is truncated: \d+ of \d+ bytes present")
    damaged("lzo kdump cut to 30 %",
            patched(lzo, p("cut30.lzo.kdump"), [], head=os.path.getsize(lzo) * 30 // 100),
            r"DAMAGE: the dump file is truncated")
    refused("flattened cut to 20 %",
            patched(flat, p("cut20.flat"), [], head=os.path.getsize(flat) * 20 // 100),
            r"flattened dump truncated at byte \d+")

    # ELF: header damage fails at open, so a head of the file is enough for those.
    head = 8 << 20
    refused("ELF EI_CLASS 32-bit", patched(elf, p("class.elf"), [(4, b"\x01")], head=head),
            r"ELF header: class 1 is not 64-bit")
    refused("ELF e_machine i386", patched(elf, p("machine.elf"), [(18, struct.pack("<H", 3))], head=head),
            r"ELF header: machine 3 is not x86_64")
    note = next(ph for ph in elf_phdrs(elf) if ph[1] == 4)
    refused("ELF PT_NOTE p_filesz 2 TiB",
            patched(elf, p("note.elf"), [(note[0] + 32, struct.pack("<Q", 2 << 40))], head=head),
            r"ELF header is corrupt: its notes \(PT_NOTE \d+\) claim 2199023255552 bytes")
    # The second CPU's NT_PRSTATUS note claims 64 bytes where it has 336: the walk of the notes
    # goes astray inside it, and VMCOREINFO, the last note, is lost with it. An ELF file has no
    # other copy: sys says where the notes end, and what cannot be done without them.
    prstatus = [off - note[3] - 20 for off in prstatus_descs(elf)]
    refused("ELF NT_PRSTATUS size field 64", patched(elf, p("prstatus.elf"),
            [(note[3] + prstatus[1] + 4, struct.pack("<I", 64))], head=head),
            r"DAMAGE: .*the ELF notes end at record \d+ \(offset \d+ of \d+ bytes\).*"
            r"VMCOREINFO was not before it: the dump names no kernel release")
    refused("ELF program header size 0", patched(elf, p("phentsize.elf"), [(54, struct.pack("<H", 0))], head=head),
            r"ELF header is corrupt: program headers of 0 bytes")
    refused("ELF section headers past the end",
            patched(elf, p("shoff.elf"), [(40, struct.pack("<Q", 1 << 40)), (58, struct.pack("<HH", 64, 1))],
                    head=head),
            r"ELF header is corrupt: section headers at offset 1099511627776")
    refused("ELF program headers past the end",
            patched(elf, p("phoff.elf"), [(32, struct.pack("<Q", 1 << 40))], head=head),
            r"ELF header is corrupt: no readable program headers|program header")
    ps = find_in_head(elf, b"PAGESIZE=4096")
    refused("ELF VMCOREINFO PAGESIZE=0", patched(elf, p("ps0.elf"), [(ps, b"PAGESIZE=0000")], head=head),
            r"VMCOREINFO is corrupt: PAGESIZE=0000")
    refused("ELF VMCOREINFO PAGESIZE=abcd", patched(elf, p("psx.elf"), [(ps, b"PAGESIZE=abcd")], head=head),
            r"VMCOREINFO is corrupt: PAGESIZE=abcd")
    refused("ELF cut inside its notes", patched(elf, p("head.elf"), [], head=note[3] + 16),
            r"dump file is truncated: its notes")
    size = os.path.getsize(elf)
    for pct in (5, 40):
        damaged(f"ELF cut to {pct} %", patched(elf, p(f"cut{pct}.elf"), [], head=size * pct // 100),
                r"DAMAGE: the dump file is truncated")
    return out


NT_PRSTATUS_NOTE = 12 + 8 + 336  # Elf64_Nhdr, "CORE" padded, struct elf_prstatus


def short_prstatus(notes, at):
    """notes with the NT_PRSTATUS note at offset at rewritten as one of 64 bytes followed by a
    padding note, so that the notes after it stay where they were: one bad note, nothing else."""
    pad_desc = NT_PRSTATUS_NOTE - (12 + 8 + 64) - (12 + 4)
    return (struct.pack("<III", 5, 64, 1) + b"CORE\0\0\0\0" + notes[at + 20:at + 84] +
            struct.pack("<III", 4, pad_desc, 0x4b54) + b"PAD\0" + b"\0" * pad_desc)


def bad_note_copies(tmp, panic):
    """Copies of the panic dump (ELF and kdump-compressed) whose second CPU's NT_PRSTATUS note is
    64 bytes long: libkdumpfile refuses such a file whole ("Wrong PRSTATUS size")."""
    elf = os.path.join(panic, "vmcore.elf")
    note = next(ph for ph in elf_phdrs(elf) if ph[1] == 4)
    at = prstatus_descs(elf)[1] - 20
    with open(elf, "rb") as f:
        f.seek(at)
        old = f.read(NT_PRSTATUS_NOTE)
    assert note[3] <= at < note[3] + note[6]
    elf_copy = patched(elf, os.path.join(tmp, "short-prstatus.elf"), [(at, short_prstatus(old, 0))])
    kdump = os.path.join(panic, "vmcore.kdump")
    off, notes, pos = kdump_second_prstatus(kdump)
    kdump_copy = patched(kdump, os.path.join(tmp, "short-prstatus.kdump"),
                         [(off + pos, short_prstatus(notes, pos))])
    return [elf_copy, kdump_copy]


def kdump_second_prstatus(kdump):
    """A kdump-compressed file's notes (their offset in the file and their bytes) and where in
    them the second NT_PRSTATUS note starts."""
    with open(kdump, "rb") as f:
        f.seek(4096 + SUB_OFFSET_NOTE)
        off, size = struct.unpack("<QQ", f.read(16))
        f.seek(off)
        notes = f.read(size)
    pos, seen = 0, 0
    while pos + 12 <= len(notes):
        namesz, descsz, ntype = struct.unpack_from("<III", notes, pos)
        if ntype == 1 and notes[pos + 12:pos + 16] == b"CORE":
            seen += 1
            if seen == 2:
                return off, notes, pos
        pos += 12 + (namesz + 3 & ~3) + (descsz + 3 & ~3)
    raise AssertionError(f"{kdump}: fewer than 2 NT_PRSTATUS notes")


def check_vmcoreinfo_copy(tap, label, exe, tmp, panic):
    """Only the size field of the second NT_PRSTATUS note is damaged (64 for 336): the walk of
    the notes goes astray inside it and never reaches VMCOREINFO. A kdump-compressed file keeps
    another copy, the sub-header's offset_vmcoreinfo, which libkdumpfile does not read when the
    file has notes: ktriage reads it, says so, and loses nothing that VMCOREINFO gives, kallsyms
    included."""
    kdump = os.path.join(panic, "vmcore.kdump")
    off, _, pos = kdump_second_prstatus(kdump)
    path = patched(kdump, os.path.join(tmp, "prstatus-size.kdump"), [(off + pos + 4, struct.pack("<I", 64))])
    r = subprocess.run([exe, path, "sys"], capture_output=True, text=True, timeout=TIMEOUT)
    tap.ok(r.returncode == 1
           and re.search(r"DAMAGE: .*the ELF notes end at record \d+ .*VMCOREINFO was not before it; "
                         r"VMCOREINFO is read from the kdump sub-header's copy instead", r.stdout)
           and re.search(r"PANIC: .*sysrq triggered crash", r.stdout) and re.search(r"KASLR OFFS: 0x", r.stdout)
           and not SANITIZER.search(r.stderr),
           f"{label}: NT_PRSTATUS size field 64 (kdump): VMCOREINFO from the sub-header; sys names the lost "
           "notes, finds the panic and exits 1", f"exit {r.returncode}\n{r.stdout[-1500:]}\n{r.stderr[-1500:]}")
    # Without a debug file the symbols come from the kallsyms tables VMCOREINFO locates (Linux
    # 6.0 and later): CPU 0's backtrace is the undamaged file's, frame for frame.
    def bt(dump):
        return subprocess.run([exe, "--no-debuginfo", dump, "bt", "-c", "0"], capture_output=True, text=True,
                              timeout=TIMEOUT)
    r, whole = bt(path), bt(kdump)
    named = re.findall(r"^ *#\d+ +\[[0-9a-f]+\] ([a-z_][a-z0-9_.]*)\+0x", r.stdout, re.M)
    tap.ok(r.returncode == whole.returncode and r.stdout == whole.stdout and not SANITIZER.search(r.stderr)
           and (len(named) >= 3 or "SYMBOL(kallsyms_names)" not in vmcoreinfo_text(kdump)),
           f"{label}: NT_PRSTATUS size field 64 (kdump): without debug info, CPU 0's backtrace is the undamaged "
           f"file's ({len(named)} frames named from the kallsyms VMCOREINFO locates)",
           f"exit {r.returncode}\n{r.stdout[-1500:]}\n{r.stderr[-800:]}\nundamaged:\n{whole.stdout[-1500:]}")


def vmcoreinfo_text(kdump):
    """The VMCOREINFO a kdump-compressed file's sub-header points to."""
    with open(kdump, "rb") as f:
        f.seek(4096 + SUB_OFFSET_VMCOREINFO)
        off, size = struct.unpack("<QQ", f.read(16))
        f.seek(off)
        return f.read(size).decode("ascii", "replace")


def check_bad_note(tap, label, exe, path):
    """The file opens without the bad note: sys names it and still finds the panic, and CPU 1's
    backtrace comes from its registers in crash_notes (kernel memory), which the note does not
    hold for ktriage."""
    name = os.path.basename(path)
    r = subprocess.run([exe, path, "sys"], capture_output=True, text=True, timeout=TIMEOUT)
    tap.ok(r.returncode == 1 and re.search(r"DAMAGE: ELF note \d+ \(NT_PRSTATUS, the registers of CPU 1 "
                                           r"in note order\) is corrupt: 64 bytes, x86_64's are 336; skipped",
                                           r.stdout)
           and re.search(r"PANIC: .*sysrq triggered crash", r.stdout) and not SANITIZER.search(r.stderr),
           f"{label}: {name}: opened without the bad NT_PRSTATUS note; sys names it and exits 1",
           f"exit {r.returncode}\n{r.stdout[-1500:]}\n{r.stderr[-1500:]}")
    r = subprocess.run([exe, path, "bt", "-c", "1"], capture_output=True, text=True, timeout=TIMEOUT)
    tap.ok(r.returncode == 0 and re.search(r"CPU: 1 ", r.stdout) and re.search(r"#1 ", r.stdout),
           f"{label}: {name}: CPU 1's backtrace is still made", f"exit {r.returncode}\n{r.stdout[-1500:]}\n{r.stderr[-800:]}")
    j = subprocess.run([exe, "--json", path, "sys"], capture_output=True, text=True, timeout=TIMEOUT)
    doc = json.loads(j.stdout) if j.stdout.strip().startswith("{") else {}
    tap.ok("NT_PRSTATUS" in str(doc.get("damage", "")) and doc.get("incomplete") is True,
           f"{label}: {name}: the JSON says the same (damage, incomplete)", j.stdout[-800:])


def check_run(tap, label, exe, name, path, commands, expect):
    try:
        r = subprocess.run([exe, path, *commands], capture_output=True, text=True, timeout=TIMEOUT,
                           errors="replace")
    except subprocess.TimeoutExpired:
        return tap.ok(False, f"{label}: {name}: ends within {TIMEOUT} s")
    rc, err = r.returncode, r.stderr
    diag = f"exit {rc}\nstderr: {err[-1500:]}\nstdout: {r.stdout[-800:]}"
    if not tap.ok(0 <= rc < 128 and not SANITIZER.search(err), f"{label}: {name}: no signal, no sanitizer report",
                  diag):
        return False
    kind, regex = expect
    if kind == "error":
        return tap.ok(rc == 1 and re.search(regex, err) and "Cannot set" not in err,
                      f"{label}: {name}: refused with exit 1, naming the damage", diag)
    if kind == "damaged":
        # Opened, sys names the damage; or, with too little left to translate addresses, refused
        # with a message that names the truncation.
        return tap.ok(rc == 1 and (re.search(regex, r.stdout) or re.search(r"dump file is truncated", err)),
                      f"{label}: {name}: sys exits 1 and says what is missing", diag)
    return tap.ok(rc in (0, 1) and "Cannot set" not in err, f"{label}: {name}: ends with status 0 or 1", diag)


def check_exit_codes(tap, label, exe, dump):
    """Exit statuses as docs/ktriage.1 documents them."""
    def run(*args, stdin=None):
        return subprocess.run([exe, dump, *args], capture_output=True, text=True, timeout=TIMEOUT, input=stdin)
    n = 0
    r = run("-c", "rd 0x30; bt -Z")
    n += tap.eq(r.returncode, 2, f"{label}: -c with a failed and a bad-usage command exits 2 (the worst), not 3")
    r = run("-c", "sys; rd 0x30")
    n += tap.eq(r.returncode, 1, f"{label}: -c with a failed command exits 1")
    r = run("help", "%n")
    n += tap.ok(r.returncode == 2 and "unknown command '%n'" in r.stderr, f"{label}: help of an unknown command exits 2",
                r.stderr)
    r = run("shell", stdin="rd 0x30\nrd 0x38\n")
    n += tap.ok(r.returncode == 1, f"{label}: a shell in which every command failed exits 1", r.returncode)
    r = run("shell", stdin="rd 0x30\nsys\n")
    n += tap.eq(r.returncode, 0, f"{label}: a shell in which a command succeeded exits 0")
    r = run("complete", "zzzzqqqq_no_such_name")
    n += tap.ok(r.returncode == 0 and not SANITIZER.search(r.stderr) and not r.stdout.strip(),
                f"{label}: completing a word nothing matches lists nothing", r.stderr[-1000:])
    return n


def elf_file_offset(path, pa, size):
    for _, p_type, _, p_offset, _, p_paddr, p_filesz in elf_phdrs(path):
        if p_type == 1 and p_paddr <= pa and pa + size <= p_paddr + p_filesz:
            return p_offset + pa - p_paddr
    raise ValueError(f"{path}: physical 0x{pa:x} is in no PT_LOAD")


RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def control_characters_copy(tmp, exe, elf):
    """A copy of the ELF dump whose kthreadd is named "kt<ESC>[31m<CR><BEL>hr" and whose log says
    "sysrq <ESC>[1m<CR><BEL>red crash" where it said "sysrq triggered crash"."""
    def run(*args):
        return subprocess.run([exe, elf, *args], capture_output=True, text=True, timeout=TIMEOUT).stdout
    pob = int(run("rd", "page_offset_base").split()[1], 16)
    comm_off = int(re.search(r"0x([0-9a-f]+) \|\s+16 \*/\s+char comm\[16\];", run("whatis", "task_struct")).group(1), 16)
    task = next(int(line.split()[3], 16) for line in run("ps").splitlines()[1:] if line.split()[-1] == "kthreadd")
    comm_file = elf_file_offset(elf, task + comm_off - pob, 16)
    dst = os.path.join(tmp, "control.elf")
    shutil.copyfile(elf, dst)
    n = 0
    with open(dst, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        m[comm_file:comm_file + 16] = b"kt\x1b[31m\r\x07hr".ljust(16, b"\0")
        at = m.find(b"sysrq triggered crash")
        while at >= 0:
            m[at:at + 21] = b"sysrq \x1b[1m\r\x07red crash"
            n += 1
            at = m.find(b"sysrq triggered crash", at + 21)
    return dst, n


def check_control_characters(tap, label, exe, path, n_log):
    r = subprocess.run([exe, path, "-c", "ps; log; bt 2; task 2; sys"], capture_output=True, text=True,
                       timeout=TIMEOUT, errors="replace")
    tap.ok(r.returncode == 0 and not RAW_CONTROL.search(r.stdout) and not SANITIZER.search(r.stderr),
           f"{label}: ps, log, bt, task, sys write no raw control characters from the dump",
           f"exit {r.returncode}: {[m.group(0) for m in RAW_CONTROL.finditer(r.stdout)][:5]} {r.stderr[-500:]}")
    tap.ok(r.stdout.count("kt\\x1b[31m\\x0d\\x07hr") >= 3,
           f"{label}: the task name is shown escaped in ps, bt and task", r.stdout[:1500])
    tap.ok(n_log > 0 and "sysrq \\x1b[1m\\x0d\\x07red crash" in r.stdout,
           f"{label}: the log and panic line are shown escaped ({n_log} copies in the file)", r.stdout[-1500:])
    j = subprocess.run([exe, "--json", path, "ps"], capture_output=True, text=True, timeout=TIMEOUT)
    tap.ok(j.returncode == 0 and '"kt\\u001b[31m\\u000d\\u0007hr"' in j.stdout,
           f"{label}: JSON keeps the name, escaped as JSON", j.stdout[:600])


def damage_log_record(path, text):
    """Overwrites the owner id of every printk text block holding text (the 8 bytes before it):
    the record's descriptor then points at a block another record owns. Returns how many."""
    n = 0
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        at = m.find(text)
        while at >= 0:
            m[at - 8:at] = b"\xee" * 8
            n += 1
            at = m.find(text, at + len(text))
    return n


def prstatus_descs(path):
    """File offsets of each NT_PRSTATUS note's descriptor (struct elf_prstatus) in an ELF dump."""
    note = next(ph for ph in elf_phdrs(path) if ph[1] == 4)
    with open(path, "rb") as f:
        f.seek(note[3])
        notes = f.read(note[6])
    pos, descs = 0, []
    while pos + 12 <= len(notes):
        namesz, descsz, ntype = struct.unpack_from("<III", notes, pos)
        if ntype == 1 and notes[pos + 12:pos + 16] == b"CORE":
            descs.append(note[3] + pos + 12 + (namesz + 3 & ~3))
        pos += 12 + (namesz + 3 & ~3) + (descsz + 3 & ~3)
    return descs


PR_REG, RIP, RSP = 112, 16, 19  # struct elf_prstatus.pr_reg; user_regs_struct's rip and rsp


def check_stack_pointers(tap, bins, path):
    """Garbage where a backtrace starts: kthreadd's thread.sp (non-canonical, NULL, another object,
    the bottom of its own stack) and every CPU's saved rip/rsp. bt names what is wrong, the other
    tasks' backtraces still come out, nothing is marked verified that was read from garbage."""
    exe = bins[-1][1]

    def run(*args):
        return subprocess.run([exe, path, *args], capture_output=True, text=True, timeout=TIMEOUT)
    pob = int(run("rd", "page_offset_base").stdout.split()[1], 16)
    kthreadd = int(run("ps", "2").stdout.splitlines()[1].split()[3], 16)
    sp_off = int(run("p", "offsetof(struct task_struct, thread.sp)").stdout.split()[-1])
    init_task = int(run("sym", "init_task").stdout.split()[0], 16)
    at = elf_file_offset(path, kthreadd + sp_off - pob, 8)
    with open(path, "rb") as f:
        f.seek(at)
        good, = struct.unpack("<Q", f.read(8))
    bottom = good & ~0x3fff  # the lowest address of its 16 KiB stack (the end-of-stack magic)
    cases = [(0xdead000000000000, r"thread\.sp 0xdead000000000000 is not on the task's stack"),
             (0, r"thread\.sp 0x0 is not on the task's stack"),
             (init_task, r"is not on the task's stack .*: the task_struct is damaged"),
             (bottom, r"its return address 0x[0-9a-f]+ is in no function")]
    for value, regex in cases:
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            m[at:at + 8] = struct.pack("<Q", value)
        for label, exe_ in bins:
            r = subprocess.run([exe_, path, "bt", "2"], capture_output=True, text=True, timeout=TIMEOUT)
            tap.ok(r.returncode == 1 and re.search(regex, r.stderr) and "verified" not in r.stdout
                   and not SANITIZER.search(r.stderr),
                   f"{label}: bt of a task whose thread.sp is 0x{value:x}: exit 1, says why", r.stderr[-500:])
            r = subprocess.run([exe_, path, "bt", "--all-tasks"], capture_output=True, text=True, timeout=TIMEOUT)
            n = r.stdout.count("PID:")
            tap.ok(r.returncode == 1 and n > 10 and "kthreadd" not in r.stdout and re.search(regex, r.stderr)
                   and not SANITIZER.search(r.stderr),
                   f"{label}: bt --all-tasks with it: the other {n} backtraces, the error, exit 1", r.stderr[-500:])
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        m[at:at + 8] = struct.pack("<Q", good)
        # ktriage reads the registers from the kernel's crash_notes (the notes in the file are
        # their copies): damage both, found as the same bytes in the memory the file holds.
        data_start = min(ph[3] for ph in elf_phdrs(path) if ph[1] == 1)
        descs = []
        for note in prstatus_descs(path):
            want, copies, at_ = bytes(m[note:note + 336]), [note], data_start
            while (at_ := m.find(want, at_)) >= 0:
                copies.append(at_)
                at_ += 336
            for d in copies if len(copies) > 1 else ():
                m[d + PR_REG + 8 * RIP:d + PR_REG + 8 * RIP + 8] = struct.pack("<Q", 0x4141414141414141)
                m[d + PR_REG + 8 * RSP:d + PR_REG + 8 * RSP + 8] = struct.pack("<Q", 0xdead000000000000)
                descs.append(d)
    for label, exe_ in bins:
        for args in (["bt", "-a"], ["report"], ["bt", "-a", "-f"]):
            r = subprocess.run([exe_, path, *args], capture_output=True, text=True, timeout=TIMEOUT)
            bad = [line for line in r.stdout.splitlines() if "4141414141414141" in line and "verified" in line]
            tap.ok(r.returncode in (0, 1) and len(descs) >= 4 and not bad and "4141414141414141" in r.stdout
                   and not SANITIZER.search(r.stderr),
                   f"{label}: {' '.join(args)} with garbage rip/rsp in {len(descs)} CPU notes and crash_notes: ends, "
                   f"exit {r.returncode}, no verified frame from them", "\n".join(bad[:5]) + r.stderr[-500:])


def check_page_flips(tap, bins, path, flips=200000, seed=1717):
    """Random bytes of memory overwritten all over the dump (the way a machine with bad memory
    leaves it): every command still ends by itself, without a signal, with status 0 or 1."""
    import random
    rng = random.Random(seed)
    loads = [(ph[3], ph[6]) for ph in elf_phdrs(path) if ph[1] == 1 and ph[6]]
    total = sum(size for _, size in loads)
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        for _ in range(flips):
            pick = rng.randrange(total)
            for off, size in loads:
                if pick < size:
                    m[off + pick] = rng.randrange(256)
                    break
                pick -= size
    commands = ["report", "bt --all-tasks", "ps", "log", "mod", "runq", "foreach UN bt", "bt -a -f"]
    for label, exe in bins:
        for cmd in commands:
            try:
                r = subprocess.run([exe, path, *cmd.split()], capture_output=True, text=True, timeout=TIMEOUT,
                                   errors="replace")
            except subprocess.TimeoutExpired:
                tap.ok(False, f"{label}: {cmd} on a dump with {flips} random bytes: ends within {TIMEOUT} s")
                continue
            tap.ok(r.returncode in (0, 1) and not SANITIZER.search(r.stderr),
                   f"{label}: {cmd} on a dump with {flips} random bytes: ends, status {r.returncode}",
                   r.stderr[-800:])


def check_damaged_log(tap, bins, path):
    """A record whose text block is overwritten: log and sys say which record could not be read;
    with the panic line's record damaged, sys must not say there is no panic in the log."""
    n = damage_log_record(path, b"sysrq: Trigger a crash")
    for label, exe in bins:
        r = subprocess.run([exe, path, "log"], capture_output=True, text=True, timeout=TIMEOUT)
        tap.ok(n > 0 and r.returncode == 1 and re.search(r"\(record \d+ unreadable: its text block .* belongs to "
                                                         r"record id 0xeeeeeeeeeeeeeeee", r.stdout)
               and "1 record could not be read" in r.stderr,
               f"{label}: log names the record whose text is overwritten and exits 1", r.stderr)
        j = subprocess.run([exe, "--json", path, "log"], capture_output=True, text=True, timeout=TIMEOUT)
        recs = [x for x in json.loads(j.stdout)["records"] if "damage" in x] if j.stdout else []
        tap.ok(j.returncode == 1 and len(recs) == 1 and "belongs to record id" in recs[0]["damage"],
               f"{label}: log --json marks the record with damage", j.stdout[-600:])
    n = damage_log_record(path, b"Kernel panic - not syncing: sysrq")
    for label, exe in bins:
        r = subprocess.run([exe, path, "sys"], capture_output=True, text=True, timeout=TIMEOUT)
        tap.ok(n > 0 and r.returncode == 1 and "none in the kernel log" not in r.stdout
               and re.search(r"PANIC: \(unknown: the kernel log cannot be read: 2 records could not be read", r.stdout),
               f"{label}: with the panic line's record damaged, sys says the log could not be read", r.stdout)
        j = subprocess.run([exe, "--json", path, "sys"], capture_output=True, text=True, timeout=TIMEOUT)
        doc = json.loads(j.stdout) if j.stdout else {}
        tap.ok(j.returncode == 1 and doc.get("incomplete") is True and doc.get("panic_message") is None
               and "could not be read" in (doc.get("log_error") or ""),
               f"{label}: sys --json: incomplete, log_error says why", j.stdout[-800:])


def check_task_lists(tap, bins, path):
    """init_task.tasks looped back into itself, then emptied: ps must stop at the loop without
    listing a task twice, and must call an empty list damaged, never exit 0 with idle tasks."""
    exe = bins[-1][1]

    def run(*args):
        return subprocess.run([exe, path, *args], capture_output=True, text=True, timeout=TIMEOUT)
    with open(path, "rb") as f:
        phys_base = int(re.search(rb"NUMBER\(phys_base\)=(-?\d+)", f.read(1 << 20)).group(1))
    pob = int(run("rd", "page_offset_base").stdout.split()[1], 16)
    tasks_off = int(re.search(r"0x([0-9a-f]+) \|\s+16 \*/\s+struct list_head tasks;",
                              run("whatis", "task_struct").stdout).group(1), 16)
    init_task = int(run("sym", "init_task").stdout.split()[0], 16)
    # Processes follow init_task.tasks: the tenth's next goes back to the second.
    leaders = []
    node = init_task + tasks_off
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        def kphys(va):
            return va - 0xffffffff80000000 + phys_base if va >= 0xffffffff80000000 else va - pob

        def at(va):
            return elf_file_offset(path, kphys(va), 8)
        for _ in range(10):
            node, = struct.unpack_from("<Q", m, at(node))
            leaders.append(node)
        m[at(leaders[9]):at(leaders[9]) + 8] = struct.pack("<Q", leaders[1])
    for label, exe in bins:
        r = subprocess.run([exe, path, "ps"], capture_output=True, text=True, timeout=TIMEOUT)
        addrs = [line.split()[-3] for line in r.stdout.splitlines()[1:]]
        dup = sorted({a for a in addrs if addrs.count(a) > 1 and a != f"{init_task:016x}"})
        tap.ok(r.returncode == 1 and "loops" in r.stderr and not dup and len(addrs) > 3,
               f"{label}: a looping task list stops at the loop, no task listed twice ({len(addrs)} listed)",
               f"exit {r.returncode} {r.stderr} duplicates {dup}")
    # The partial lists say so in JSON too, and still validate.
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
    from render_test import SCHEMA_FILE, validate
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    for label, exe in bins:
        for args, document, key in ((["ps"], "ps", "tasks"), (["bt", "--all-tasks"], "bt", "backtraces"),
                                    (["bt", "-r", "--all-tasks"], "bt -r", "raw_stacks")):
            r = subprocess.run([exe, "--json", path, *args], capture_output=True, text=True, timeout=TIMEOUT)
            try:
                doc = json.loads(r.stdout)
            except ValueError:
                doc = {}
            errs = validate(doc, schema["documents"][document], schema["$defs"]) if doc else ["no document"]
            why = doc.get("incomplete", {}).get("error", "")
            tap.ok(r.returncode == 1 and "loops" in why and len(doc.get(key, [])) > 3 and not errs,
                   f"{label}: {' '.join(args)} --json of a looping task list: {len(doc.get(key, []))} "
                   f"items, marked incomplete with why, validates",
                   f"exit {r.returncode} {errs[:4]} {r.stdout[-300:]}")
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        head = at(init_task + tasks_off)
        m[head:head + 16] = struct.pack("<QQ", init_task + tasks_off, init_task + tasks_off)
    for label, exe in bins:
        r = subprocess.run([exe, path, "ps"], capture_output=True, text=True, timeout=TIMEOUT)
        tap.ok(r.returncode == 1 and "task list is damaged: init_task.tasks" in r.stderr,
               f"{label}: an emptied task list is reported as damaged", f"exit {r.returncode} {r.stderr}")


def check_module_lists(tap, bins, tmp, lab):
    """The module list (kvm-svm: kvm_amd and what it needs, five or six modules) looped back, cut by
    a NULL, and a module's symbol table pointer made garbage: mod stops at the damage and says so
    (text and JSON), lists no module twice; sym, bt -a and the report still end by themselves with
    status 0 or 1."""
    src = os.path.join(lab, "kvm-svm", "vmcore.elf")
    if not tap.ok(os.path.exists(src), "the kvm-svm dump exists (several modules)", src):
        return
    path = os.path.join(tmp, "modules.elf")
    shutil.copyfile(src, path)
    exe = bins[-1][1]

    def run(*args):
        return subprocess.run([exe, path, *args], capture_output=True, text=True, timeout=TIMEOUT)
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
    from render_test import SCHEMA_FILE, validate
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    mods = [int(m["module"], 16) for m in json.loads(run("--json", "mod").stdout)["modules"]]
    list_off = int(run("p", "offsetof(struct module, list)").stdout.split()[-1])
    kallsyms_off = int(run("p", "offsetof(struct module, kallsyms)").stdout.split()[-1])

    def at(va):  # struct module is in the module area: kmem names the page that holds it
        out = run("kmem", f"0x{va:x}").stdout.splitlines()
        row = out[next(i for i, line in enumerate(out) if "PHYSICAL" in line) + 1].split()
        return elf_file_offset(path, int(row[1], 16) + (va & 0xfff), 8)
    if not tap.ok(len(mods) >= 4, f"kvm-svm has at least four modules ({len(mods)})"):
        return
    cases = (
        ("a module list looped back to its second module", mods[-2] + list_off, mods[1] + list_off, "loops"),
        ("a module list cut by a NULL next", mods[2] + list_off, 0, "module list"),
        ("a module whose kallsyms pointer is garbage", mods[1] + kallsyms_off, 0x4141414141414141, None),
    )
    for name, where, value, says in cases:
        off = at(where)
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            old = m[off:off + 8]
            m[off:off + 8] = struct.pack("<Q", value)
        for label, exe in bins:
            r = subprocess.run([exe, path, "mod"], capture_output=True, text=True, timeout=TIMEOUT)
            listed = [line.split()[0] for line in r.stdout.splitlines()[1:] if line.strip()]
            dup = sorted({a for a in listed if listed.count(a) > 1})
            ok = 0 <= r.returncode < 128 and not SANITIZER.search(r.stderr) and not dup
            if says:
                ok = ok and r.returncode == 1 and says in r.stderr and 0 < len(listed) < len(mods)
            tap.ok(ok, f"{label}: {name}: mod stops at the damage, says so, no module twice "
                       f"({len(listed)} listed)", f"exit {r.returncode} {r.stderr[-600:]} {dup}")
            if says:
                j = subprocess.run([exe, "--json", path, "mod"], capture_output=True, text=True, timeout=TIMEOUT)
                doc = json.loads(j.stdout) if j.stdout.strip().startswith("{") else {}
                errs = validate(doc, schema["documents"]["mod"], schema["$defs"]) if doc else ["no document"]
                tap.ok(j.returncode == 1 and says in str(doc.get("incomplete", "")) and not errs
                       and len(doc.get("modules", [])) == len(listed),
                       f"{label}: {name}: the JSON lists the same modules, is marked incomplete with why, "
                       f"validates", f"{errs[:3]} {j.stdout[-400:]}")
            for args in (["sym", "kvm_vcpu_ioctl"], ["bt", "-a"], ["report"]):
                r = subprocess.run([exe, path, *args], capture_output=True, text=True, timeout=TIMEOUT,
                                   errors="replace")
                tap.ok(r.returncode in (0, 1) and not SANITIZER.search(r.stderr),
                       f"{label}: {name}: {' '.join(args)} ends with status 0 or 1",
                       f"exit {r.returncode} {r.stderr[-600:]}")
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            m[off:off + 8] = old


def check_incomplete_json(tap, label, exe, path):
    """A list whose walk stopped says so in JSON, and the document still validates."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
    from render_test import SCHEMA_FILE, validate
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    r = subprocess.run([exe, "--json", path, "log"], capture_output=True, text=True, timeout=TIMEOUT)
    doc = json.loads(r.stdout) if r.stdout.strip() else {}
    errs = validate(doc, schema["documents"]["log"], schema["$defs"]) if doc else ["no document"]
    tap.ok(r.returncode == 1 and "truncated" in doc.get("incomplete", {}).get("error", "") and not errs,
           f"{label}: log --json of a truncated dump is marked incomplete, with why, and validates",
           f"exit {r.returncode} {errs[:4]} {r.stdout[-400:]}")


def check_kallsyms(tap, bins, tmp, panic):
    """kallsyms tables that decode to wrong addresses (VMCOREINFO's SYMBOL(kallsyms_offsets)
    moved one page on): the error names the damaged tables, never a kernel built without BTF."""
    kdump = os.path.join(panic, "vmcore.kdump")
    with open(kdump, "rb") as f:
        head = f.read(1 << 22)
    found = [m for m in re.finditer(rb"SYMBOL\(kallsyms_offsets\)=([0-9a-f]{16})", head)]
    if not found:
        # Linux 6.0 (5fd8fea935a1) put the tables in VMCOREINFO: before it there are none to damage.
        release = re.search(rb"OSRELEASE=([^\n]+)", head)
        tap.ok(release and release.group(1).decode() < "6.", "no kallsyms tables in VMCOREINFO before 6.0",
               release.group(1).decode() if release else "no OSRELEASE")
        return
    edits = []
    for m in found:
        moved = f"{int(m.group(1), 16) + 0x1000:016x}".encode()
        edits.append((m.start(1), moved))
    path = patched(kdump, os.path.join(tmp, "kallsyms.kdump"), edits)
    for label, exe in bins:
        for args in (["sym", "schedule"], ["bt"]):
            r = subprocess.run([exe, "--no-debuginfo", path, *args], capture_output=True, text=True,
                               timeout=TIMEOUT)
            tap.ok(r.returncode == 1 and "kallsyms tables VMCOREINFO locates are damaged" in r.stderr and
                   "CONFIG_DEBUG_INFO_BTF" not in r.stderr and not SANITIZER.search(r.stderr),
                   f"{label}: {' '.join(args)} with kallsyms_offsets moved: the damaged tables are named",
                   f"exit {r.returncode} {r.stderr[-600:]}")


def check_low_addresses(tap, label, exe, lab):
    """In a QEMU dump libkdumpfile maps low virtual addresses onto physical memory: below the
    kernel's address space nothing may be read (rd 0x30 gave the BIOS interrupt table)."""
    n = 0
    for scenario in ("qemu-dump-vmcoreinfo", "qemu-dump"):
        dump = os.path.join(lab, scenario, "vmcore.qemu.elf")
        if not tap.ok(os.path.exists(dump), f"{scenario}: dump exists", dump):
            continue
        r = subprocess.run([exe, dump, "rd", "0x30", "2"], capture_output=True, text=True, timeout=TIMEOUT)
        n += tap.ok(r.returncode == 1 and not r.stdout and "below the kernel's address space" in r.stderr,
                    f"{label}: {scenario}: rd 0x30 is refused, no memory shown", r.stdout + r.stderr)
        r = subprocess.run([exe, dump, "bt", "-a"], capture_output=True, text=True, timeout=TIMEOUT)
        n += tap.ok("f000d42e" not in r.stdout and not SANITIZER.search(r.stderr),
                    f"{label}: {scenario}: bt -a shows no frame read from the BIOS vectors", r.stdout[-800:])
    return n


def main():
    tap = Tap()
    panic = os.path.join(lab_root(), "panic")
    bins = binaries(tap)
    needed = ["vmcore.kdump", "vmcore.elf", "vmcore.flat", "vmcore.lzo.kdump"]
    missing = [n for n in needed if not os.path.exists(os.path.join(panic, n))]
    if not tap.ok(not missing, "the panic scenario's dump files exist", f"missing in {panic}: {missing}"):
        tap.done()
    checked = runs = 0
    with tempfile.TemporaryDirectory(prefix="ktriage-hostile-") as tmp:
        cases = inputs(tmp, panic)
        for label, exe in bins:
            for name, path, commands, expect in cases:
                check_run(tap, label, exe, name, path, commands, expect)
                runs += 1
            check_exit_codes(tap, label, exe, os.path.join(panic, "vmcore.kdump"))
            check_low_addresses(tap, label, exe, lab_root())
            check_incomplete_json(tap, label, exe, os.path.join(tmp, "cut25.kdump"))
        bad_notes = bad_note_copies(tmp, panic)
        for label, exe in bins:
            for path in bad_notes:
                check_bad_note(tap, label, exe, path)
            check_vmcoreinfo_copy(tap, label, exe, tmp, panic)
        control, n_log = control_characters_copy(tmp, bins[-1][1], os.path.join(panic, "vmcore.elf"))
        for label, exe in bins:
            check_control_characters(tap, label, exe, control, n_log)
        check_stack_pointers(tap, bins, control)
        check_damaged_log(tap, bins, control)
        check_task_lists(tap, bins, control)
        check_kallsyms(tap, bins, tmp, panic)
        check_module_lists(tap, bins, tmp, lab_root())
        check_page_flips(tap, bins, control)
        checked = len({path for _, path, _, _ in cases}) + 2 + len(bad_notes)
    print(f"# {checked} damaged files, {runs} runs on {len(bins)} builds")
    tap.ok(checked > 0 and len(bins) == 2, "damaged files were checked on both builds", f"{checked} files, {len(bins)} builds")
    tap.done()


if __name__ == "__main__":
    main()
