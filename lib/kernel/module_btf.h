/* SPDX-License-Identifier: MIT */
/*
 * Modules' BTF as the kernel keeps it (kernel/bpf/btf.c, CONFIG_DEBUG_INFO_BTF_MODULES): the
 * static list btf_modules holds a struct btf_module for each loaded module with .BTF, whose
 * struct btf has the split BTF's bytes (data, data_size) and the module's name. The module's
 * own copy (mod->btf_data) is freed after init, so this is the one to read. Modules without BTF
 * (out-of-tree modules, kernels before 5.11) are typed from their debug files' DWARF.
 */
#ifndef KT_KERNEL_MODULE_BTF_H
#define KT_KERNEL_MODULE_BTF_H

#include "program.h"

/* A kt_types_modules_fn: adds every loaded module to types, in the kernel's list order, with its
 * BTF from memory, else its debug file's DWARF opened on first need (sym/types_dwarf.h); arg is
 * the struct kt_program. */
struct kt_error *kt_module_btf_read(struct kt_types *types, void *arg);

#endif
