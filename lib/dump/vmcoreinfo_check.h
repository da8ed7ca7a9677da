/* SPDX-License-Identifier: MIT */
/*
 * VMCOREINFO values checked in the raw note text before libkdumpfile parses it: 0.5.1 takes
 * PAGESIZE as it is (0 divides by zero once the OS type is set; other values resize its page
 * buffers), so an absurd value is refused with its line; and it faults on a line whose key starts
 * with '.', which is refused too.
 */
#ifndef KT_DUMP_VMCOREINFO_CHECK_H
#define KT_DUMP_VMCOREINFO_CHECK_H

#include <stddef.h>

#include "ktriage.h"

/* text: the note's descriptor, len bytes, not necessarily NUL-terminated. */
struct kt_error *kt_vmcoreinfo_check(const char *text, size_t len);

#endif
