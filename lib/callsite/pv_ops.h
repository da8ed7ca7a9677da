/* SPDX-License-Identifier: MIT */
/*
 * Paravirt calls (CONFIG_PARAVIRT): "call *pv_ops+OFF(%rip)" sites, listed in .parainstructions
 * as struct paravirt_patch_site (arch/x86/include/asm/paravirt_types.h, before 6.8) or in
 * .altinstructions as direct-call alternatives (6.8+), are patched at boot into a direct call of
 * the current pv_ops member (or inline native code). The running kernel frees those tables with
 * its init memory; the debug vmlinux keeps them.
 */
#ifndef KT_CALLSITE_PV_OPS_H
#define KT_CALLSITE_PV_OPS_H

#include "program.h"

/* Whether the call instruction at addr is a patched paravirt call site; *member is the pv_ops
 * member it calls ("mmu.flush_tlb_multi"). False without the debug vmlinux. */
bool kt_pv_ops_site(struct kt_program *prog, uint64_t addr, char *member, size_t size);

#endif
