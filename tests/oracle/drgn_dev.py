"""Prints drgn's view of the registered device majors as JSON (run with the system python, which
has drgn): each chrdevs[] chain's char_device_struct (major, baseminor, name, its cdev or the one
cdev_map's probes map its first minor to, and that cdev's ops), and each major_names[] chain's
blk_major_name (major, name)."""
import json
import sys

import drgn

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])


def chain(head):
    while head:
        yield head
        head = head.next


def from_map(major, minor):
    try:
        cdev_map = prog["cdev_map"]
    except KeyError:
        return 0
    for p in chain(cdev_map.probes[major % 255]):
        if int(p.dev) == (major << 20) | minor:
            return p.data.value_()
    return 0


chrdevs = []
for head in prog["chrdevs"]:
    for cd in chain(head):
        cdev = cd.cdev.value_() or from_map(int(cd.major), int(cd.baseminor))
        ops = drgn.Object(prog, "struct cdev", address=cdev).ops.value_() if cdev else 0
        chrdevs.append({"char_device_struct": hex(cd.value_()), "major": int(cd.major),
                        "baseminor": int(cd.baseminor), "minorct": int(cd.minorct),
                        "name": cd.name.string_().decode(), "cdev": hex(cdev), "ops": hex(ops)})
blkdevs = []
for head in prog["major_names"]:
    for b in chain(head):
        blkdevs.append({"blk_major_name": hex(b.value_()), "major": int(b.major), "name": b.name.string_().decode()})
json.dump({"chrdevs": chrdevs, "blkdevs": blkdevs}, sys.stdout)
