/* SPDX-License-Identifier: MIT */
/*
 * Finding the KASLR offset of a dump that does not record it (no VMCOREINFO KERNELOFFSET, e.g.
 * QEMU's dump-guest-memory without -device vmcoreinfo): the kernel image moves as one block, in
 * steps of CONFIG_PHYSICAL_ALIGN (2 MiB on x86_64 distribution kernels), within
 * KERNEL_IMAGE_SIZE (1 GiB) of its link address (arch/x86/boot/compressed/kaslr.c). The offset
 * is the one at which the dump holds the vmlinux's own linux_banner.
 */
#ifndef KT_SYM_KASLR_H
#define KT_SYM_KASLR_H

#include "dump/reader.h"
#include "sym/vmlinux.h"

struct kt_error *kt_kaslr_find(struct kt_reader *reader, const struct kt_vmlinux *vm,
			       uint64_t *ret);

#endif
