/* SPDX-License-Identifier: MIT */
/*
 * Static call sites (CONFIG_HAVE_STATIC_CALL_INLINE): the kernel patches each call to a
 * __SCT__ trampoline into a direct call to the current target, and keeps the list of patched
 * sites (struct static_call_site, include/linux/static_call_types.h) in vmlinux between
 * __start_static_call_sites and __stop_static_call_sites and in each module's
 * static_call_sites. A direct call at one of them is a static call, whatever it calls now.
 */
#ifndef KT_CALLSITE_STATIC_CALLS_H
#define KT_CALLSITE_STATIC_CALLS_H

#include "program.h"

/* Whether the call instruction at addr is a patched static call site; *key_ret is its key
 * (struct static_call_key, named __SCK__NAME in kallsyms). */
bool kt_static_call_site(struct kt_program *prog, uint64_t addr, uint64_t *key_ret);

#endif
