#!/usr/bin/env python3
"""Cuts the ELF vmcore that the capture kernel wrote raw to a disk image.

The file ends at the largest p_offset + p_filesz of its program headers; everything after that
is the unwritten rest of the disk.
"""
import struct
import sys


def elf_end(f):
    ident = f.read(64)
    if ident[:4] != b"\x7fELF" or ident[4] != 2:
        raise SystemExit("elfcut: the disk does not start with an ELF64 header (no dump written?)")
    phoff, = struct.unpack_from("<Q", ident, 32)
    phentsize, phnum = struct.unpack_from("<HH", ident, 54)
    end = phoff + phentsize * phnum
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        p_type, _flags, p_offset, _va, _pa, p_filesz = struct.unpack("<IIQQQQ", f.read(40))
        end = max(end, p_offset + p_filesz)
    return end


def main():
    src, dst = sys.argv[1:3]
    with open(src, "rb") as f, open(dst, "wb") as out:
        left = elf_end(f)
        f.seek(0)
        while left:
            chunk = f.read(min(left, 1 << 22))
            if not chunk:
                raise SystemExit("elfcut: the disk image is shorter than the ELF says")
            out.write(chunk)
            left -= len(chunk)


if __name__ == "__main__":
    main()
