"""Prints, as JSON, what a search of one task's whole user address space for one 64-bit word
finds when drgn does it: the task's VMAs (mm->mm_mt by maple_walk's own walk on 6.1+, the mmap
list before), each read a page at a time with access_remote_vm (a page the dump lacks counted as
unreadable), and the address of every aligned word equal to the value (run with the system
python, which has drgn).

    drgn_search_user.py DUMP VMLINUX PID WORD"""
import json
import sys

import drgn
from drgn.helpers.linux.mm import access_remote_vm
from drgn.helpers.linux.pid import find_task

from maple_walk import maple_entries
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])
task = find_task(prog, int(sys.argv[3]))
word = int(sys.argv[4], 16)
mm = task.mm

if mm.type_.type.has_member("mm_mt"):
    vmas = [drgn.Object(prog, "struct vm_area_struct *", e)
            for _, _, e in maple_entries(prog, mm.mm_mt.address_of_().value_()) if e & 3 == 0]
else:
    vmas, v = [], mm.mmap
    while v:
        vmas.append(v)
        v = v.vm_next
ranges = [(v.vm_start.value_(), v.vm_end.value_()) for v in vmas]

hits, read, unreadable = [], 0, 0
for start, end in ranges:
    for page in range(start, end, 4096):
        try:
            data = access_remote_vm(mm, page, 4096)
        except drgn.FaultError:
            unreadable += 4096
            continue
        read += 4096
        for i in range(0, 4096, 8):
            if int.from_bytes(data[i:i + 8], "little") == word:
                hits.append(hex(page + i))
print(json.dumps({"vmas": len(ranges), "hits": hits, "bytes_read": read, "bytes_unreadable": unreadable}))
