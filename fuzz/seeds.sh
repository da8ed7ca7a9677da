#!/usr/bin/env bash
# Seed corpora for the harnesses, from the lab's dumps and debug vmlinux in the cache: the heads
# of each dump format (headers, bitmap, descriptors, notes), VMCOREINFO texts, kallsyms records,
# the code of a few kernel functions, ORC entries, and BTF made by clang from struct layouts the
# parsers look for. Written to $KTRIAGE_CACHE/fuzz/seeds/HARNESS/ (outside the repository);
# fuzz/run uses them when they are there.
#
#   fuzz/seeds.sh [DUMPS_DIR]    default: the 6.1 dumps of this lab version (lab/hash.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KTRIAGE_CACHE:-$HOME/.cache/ktriage}
dumps=${1:-$(ls -d "$cache"/dumps/6.1.*-"$("$top"/lab/hash.sh)"/ 2>/dev/null | head -1)}
dumps=${dumps%/}
[[ -d $dumps/panic ]] || { echo "seeds: no lab dumps (give DUMPS_DIR with panic/ and qemu-dump/)" >&2; exit 1; }
out=$cache/fuzz/seeds
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# BTF of the layouts the parsers read (struct orc_entry as v6.1 and v6.4 have it, a task_struct
# with a list, a function), as a kernel's BTF describes them.
cat > "$tmp/types.c" <<'C'
struct list_head { struct list_head *next, *prev; };
typedef unsigned long u64;
struct orc_entry { short sp_offset; short bp_offset; unsigned sp_reg:4; unsigned bp_reg:4;
		   unsigned type:2; unsigned end:1; } __attribute__((packed));
struct orc_entry_v64 { short sp_offset; short bp_offset; unsigned sp_reg:4; unsigned bp_reg:4;
		       unsigned type:3; unsigned signal:1; } __attribute__((packed));
struct task_struct { volatile long __state; void *stack; struct list_head tasks; int pid;
		     char comm[16]; union { u64 a; int b[2]; } u; struct task_struct *parent; };
int schedule(struct task_struct *t, int n) { return t->pid + n; }
struct orc_entry orc; struct orc_entry_v64 orc64; struct task_struct task;
C
clang-14 -target bpf -g -c "$tmp/types.c" -o "$tmp/types.o"
llvm-objcopy-14 --dump-section .BTF="$tmp/types.btf" "$tmp/types.o"

python3 - "$dumps" "$out" "$tmp/types.btf" <<'PY'
import hashlib, os, re, struct, subprocess, sys
dumps, out, btf_path = sys.argv[1:4]

def save(harness, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), 'wb') as f:
        f.write(data)

def head(path, n):
    with open(path, 'rb') as f:
        return f.read(n)

def elf_notes_end(data):
    """The ELF header, program headers and notes: where the last PT_NOTE ends."""
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    end = phoff + phentsize * phnum
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', data, phoff + i * phentsize)
        if p_type == 4:
            end = max(end, p_offset + p_filesz)
    return end

formats = [f for f in ('panic/vmcore.kdump', 'panic/vmcore.lzo.kdump', 'panic/vmcore.plain.kdump',
                       'panic/vmcore.elf', 'panic/vmcore.flat', 'qemu-dump/vmcore.qemu.elf',
                       'qemu-dump-vmcoreinfo/vmcore.qemu.elf') if os.path.exists(os.path.join(dumps, f))]
for f in formats:
    path = os.path.join(dumps, f)
    data = head(path, 1 << 20)
    for n in (4096, 65536):
        save('dump_open', data[:n])
    if data[:4] == b'\x7fELF':
        notes = head(path, elf_notes_end(data))
        save('dump_open', notes)
        if 'qemu' in f:
            save('qemu_notes', notes)
    m = re.search(rb'OSRELEASE=[^\0]*', data)
    if m:
        save('vmcoreinfo', m.group(0))

vmlinux = os.path.join(dumps, 'panic/vmlinux')
nm = subprocess.run(['nm', '-S', '-n', vmlinux], capture_output=True, text=True, check=True).stdout
syms = [l.split() for l in nm.splitlines()]
# Section contents by address from the section headers.
with open(vmlinux, 'rb') as f:
    elf = f.read()
shoff, = struct.unpack_from('<Q', elf, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)
sections = []
for i in range(shnum):
    name, _, _, addr, offset, size = struct.unpack_from('<IIQQQQ', elf, shoff + i * shentsize)
    sections.append((name, addr, offset, size))
strtab = sections[shstrndx][2]
def section(wanted):
    for name, addr, offset, size in sections:
        if elf[strtab + name:].split(b'\0', 1)[0] == wanted:
            return addr, offset, size
text_addr, text_off, text_size = section(b'.text')
sized = {s[-1]: (int(s[0], 16), int(s[1], 16)) for s in syms if len(s) == 4}
for fn in ('__schedule', 'schedule', 'panic', 'do_syscall_64', 'mutex_lock', 'queue_work_on',
           'smp_call_function_many_cond', 'vprintk_emit'):
    if fn in sized:
        addr, size = sized[fn]
        if text_addr <= addr < text_addr + text_size:
            save('x86_slice', elf[text_off + addr - text_addr:][:size])

# The kernel's compressed kallsyms tables, cut to the harness's 4096 symbols at most.
addrs = {x[-1]: int(x[0], 16) for x in syms if len(x) >= 3}
def at(name, length):
    a = addrs[name]
    for _, addr, offset, size in sections:
        if addr <= a < addr + size and offset:
            return elf[offset + a - addr:][:length]
    raise KeyError(name)
if all(k in addrs for k in ('kallsyms_num_syms', 'kallsyms_relative_base', 'kallsyms_token_index',
                            'kallsyms_token_table', 'kallsyms_offsets', 'kallsyms_names')):
    total, = struct.unpack('<I', at('kallsyms_num_syms', 4))
    index = at('kallsyms_token_index', 512)
    table_len = min(max(struct.unpack('<256H', index)) + 64, 65535)
    for n in (min(total, 4096), min(total, 300)):
        save('kallsyms', struct.pack('<H', n - 1) + at('kallsyms_relative_base', 8) + index +
             struct.pack('<H', table_len) + at('kallsyms_token_table', table_len) +
             at('kallsyms_offsets', 4 * n) + at('kallsyms_names', 24 * n))

btf = open(btf_path, 'rb').read()
save('btf', struct.pack('<H', len(btf)) + btf)
orc = section(b'.orc_unwind')
entries = elf[orc[1]:orc[1] + 600] if orc else b''
save('orc', struct.pack('<H', len(btf)) + btf + entries)
save('orc', struct.pack('<H', 0) + entries)
PY
for d in "$out"/*/; do echo "seeds $(basename "$d"): $(ls "$d" | wc -l)"; done
