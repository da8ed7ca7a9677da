"""Prints drgn's view of the mounts of pid 1's mount namespace (drgn.helpers.linux.fs:
for_each_mount, or on 6.8+ drgn's rbtree walk of mnt_ns->mounts; mount_src, mount_dst; the type
without a subtype, as crash prints it), as JSON (run with the system python, which has drgn)."""
import json
import sys

import drgn
from drgn.helpers.linux.fs import for_each_mount, mount_dst, mount_src
from drgn.helpers.linux.pid import find_task
from drgn.helpers.linux.rbtree import rbtree_inorder_for_each_entry
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

ns = find_task(prog, 1).nsproxy.mnt_ns
out = []
if ns.type_.type.has_member("nr_mounts"):
    # Linux 6.8+ keeps them in an rbtree, which drgn 0.0.22's for_each_mount does not know yet.
    mounts = rbtree_inorder_for_each_entry("struct mount", ns.mounts.address_of_(), "mnt_node")
else:
    mounts = for_each_mount(ns)
for mnt in mounts:
    sb = mnt.mnt.mnt_sb
    if not sb:
        continue  # a /proc/PID/mounts reader's cursor
    out.append({"mount": hex(mnt.value_()), "super_block": hex(sb.value_()),
                "type": sb.s_type.name.string_().decode(), "devname": mount_src(mnt).decode(),
                "dirname": mount_dst(mnt).decode()})
print(json.dumps({"mnt_ns": hex(ns.value_()), "mounts": out}))
