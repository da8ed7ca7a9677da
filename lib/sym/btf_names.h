/* SPDX-License-Identifier: MIT */
/*
 * Types of one BTF by kind and name. libbpf (1.1) finds a type by name with a scan of every type
 * (~100,000 in vmlinux, 0.5-2.5 M instructions a lookup, every miss a whole scan); the index
 * answers as that scan would, the lowest id of that kind and name, from one pass over the types.
 * A BTF that grows (types made from DWARF, added at its end) is indexed up to its current count
 * before each lookup.
 */
#ifndef KT_SYM_BTF_NAMES_H
#define KT_SYM_BTF_NAMES_H

#include <stdint.h>

struct btf;
struct kt_btf_names;

/* An index of btf's types from id first on (a split BTF's own types); kt_btf_find_by_name_kind
 * finds its base's types through base (the base's index, or NULL to scan them). NULL without
 * memory. */
struct kt_btf_names *kt_btf_names_create(const struct btf *btf, uint32_t first,
					 struct kt_btf_names *base);
void kt_btf_names_destroy(struct kt_btf_names *names);

/* The lowest id >= first of that kind named name, or -1: what a scan of those types in id order
 * finds first. Without memory to grow the index it scans. */
int32_t kt_btf_names_find(struct kt_btf_names *names, const char *name, int kind);

/* btf__find_by_name_kind (every id from 1, a split BTF's base first), through names when there
 * are (NULL: libbpf's scan). */
int32_t kt_btf_find_by_name_kind(const struct btf *btf, struct kt_btf_names *names,
				 const char *name, int kind);

#endif
