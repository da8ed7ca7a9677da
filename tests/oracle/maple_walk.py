"""A maple tree walk of the oracles' own (drgn 0.0.22 has no maple tree helper), over drgn's raw
memory reads with member offsets from its types: node encoding as include/linux/maple_tree.h
defines it (address under the low 8 bits, type in bits 3-6; leaf_64 the leaves), the data end as
lib/maple_tree.c's ma_data_end() reads it."""
from drgn import offsetof, sizeof


def maple_entries(prog, tree_address):
    """(first, last, entry) of every non-NULL leaf slot, in index order."""
    node_t = prog.type("struct maple_node")
    node_size = sizeof(node_t)
    kinds = {}
    for t, member in ((1, "mr64"), (2, "mr64"), (3, "ma64")):
        inner = node_t.member(member).type
        npiv = sizeof(inner.member("pivot").type) // 8
        kinds[t] = (offsetof(node_t, member + ".pivot"), offsetof(node_t, member + ".slot"), npiv,
                    offsetof(node_t, member + ".meta.end"))
    out = []

    def u64(buf, off):
        return int.from_bytes(buf[off:off + 8], "little")

    def walk(enode, lo, hi, depth):
        assert depth < 32, "too deep"
        node = enode & ~0xff
        kind = (enode >> 3) & 0xf
        assert kind in kinds, f"node {node:#x} of type {kind}"
        buf = prog.read(node, node_size)
        piv_off, slot_off, npiv, end_off = kinds[kind]
        piv = [u64(buf, piv_off + 8 * i) for i in range(npiv)]
        slots = [u64(buf, slot_off + 8 * i) for i in range(npiv + 1)]
        if kind == 3 or piv[-1] == 0:
            end = buf[end_off]
        elif piv[-1] == hi:
            end = npiv - 1
        else:
            end = npiv
        start = lo
        for i in range(end + 1):
            last = piv[i] if i < npiv else hi
            if kind == 1:
                if slots[i]:
                    out.append((start, last, slots[i]))
            elif slots[i]:
                walk(slots[i], start, last, depth + 1)
            if last >= hi:
                break
            start = last + 1

    root = prog.read_u64(tree_address + offsetof(prog.type("struct maple_tree"), "ma_root"))
    if root & 3 == 2 and root > 4096:
        walk(root, 0, 2**64 - 1, 0)
    elif root:
        out.append((0, 0, root))
    return out
