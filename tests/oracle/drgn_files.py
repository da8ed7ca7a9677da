"""Prints drgn's view of tasks' open files (drgn.helpers.linux.fs: for_each_file, d_path), their
root and cwd, as JSON keyed by pid (run with the system python, which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.fs import d_path, for_each_file
from drgn.helpers.linux.pid import find_task
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])


def text(b):
    return b.decode(errors="replace")


out = {}
for pid in sys.argv[3:]:
    t = find_task(prog, int(pid))
    files = []
    if t.files:
        for fd, f in for_each_file(t):
            dentry = f.f_path.dentry
            inode = dentry.d_inode
            files.append({"fd": fd, "file": hex(f.value_()), "dentry": hex(dentry.value_()),
                          "vfsmount": hex(f.f_path.mnt.value_()), "inode": hex(inode.value_()),
                          "mode": inode.i_mode.value_() if inode else None,
                          "path": text(d_path(f.f_path))})
    fs = t.fs
    out[pid] = {"task": hex(t.value_()), "files": files,
                "root": text(d_path(fs.root)) if fs else None,
                "cwd": text(d_path(fs.pwd)) if fs else None}
print(json.dumps(out))
