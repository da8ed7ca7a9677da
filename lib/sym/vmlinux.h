/* SPDX-License-Identifier: MIT */
/*
 * The debug vmlinux: its identity (GNU build-id, linux_banner), its ELF symbol table relocated
 * by the KASLR offset, and its .BTF section. Opening it reads only section headers, the symbol
 * table and a few bytes; the DWARF is left for the layers that need it.
 */
#ifndef KT_SYM_VMLINUX_H
#define KT_SYM_VMLINUX_H

#include "sym/kallsyms.h"

struct kt_vmlinux;

struct kt_error *kt_vmlinux_open(const char *path, struct kt_vmlinux **ret);
void kt_vmlinux_destroy(struct kt_vmlinux *vm);

const char *kt_vmlinux_path(const struct kt_vmlinux *vm);
/* Hex GNU build-id, or NULL if the file has none. */
const char *kt_vmlinux_build_id(const struct kt_vmlinux *vm);
/* linux_banner as the file holds it ("Linux version RELEASE (...) ..."), or NULL. */
const char *kt_vmlinux_banner(const struct kt_vmlinux *vm);
/* The link-time address of a symbol. */
/* Section name's contents as the file has them (link-time addresses; the file's mapping keeps
 * them valid as long as vm), its size and its link-time address. */
struct kt_error *kt_vmlinux_section(const struct kt_vmlinux *vm, const char *name, const void **data_ret,
				    size_t *size_ret, uint64_t *addr_ret);
struct kt_error *kt_vmlinux_symbol(const struct kt_vmlinux *vm, const char *name, uint64_t *ret);
/* The symbol table with kernel-image addresses moved by kaslr_offset (per-CPU and absolute
 * symbols stay as they are). */
struct kt_error *kt_vmlinux_symbols(const struct kt_vmlinux *vm, uint64_t kaslr_offset,
				    struct kt_kallsyms **ret);

#endif
