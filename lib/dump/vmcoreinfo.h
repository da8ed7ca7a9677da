/* SPDX-License-Identifier: MIT */
/*
 * VMCOREINFO: the kernel's note describing itself to dump readers (kernel/crash_core.c).
 * libkdumpfile parses it into typed attributes; these helpers name the lookups and the errors.
 */
#ifndef KT_DUMP_VMCOREINFO_H
#define KT_DUMP_VMCOREINFO_H

#include "dump/dump.h"

bool kt_vmcoreinfo_present(struct kt_dump *dump);
/* SYMBOL(name) */
struct kt_error *kt_vmcoreinfo_symbol(struct kt_dump *dump, const char *name, uint64_t *ret);
/* OFFSET(type.member), e.g. "printk_info.seq" */
struct kt_error *kt_vmcoreinfo_offset(struct kt_dump *dump, const char *type_member, uint64_t *ret);
/* SIZE(type) */
struct kt_error *kt_vmcoreinfo_size(struct kt_dump *dump, const char *type, uint64_t *ret);
/* NUMBER(name) */
struct kt_error *kt_vmcoreinfo_number(struct kt_dump *dump, const char *name, uint64_t *ret);
/* A raw line's value ("OSRELEASE", "BUILD-ID", "CRASHTIME"); *ret is allocated. */
struct kt_error *kt_vmcoreinfo_line(struct kt_dump *dump, const char *key, char **ret);
/* A raw line's value parsed as an unsigned number in the given base. */
struct kt_error *kt_vmcoreinfo_line_number(struct kt_dump *dump, const char *key, int base,
					   uint64_t *ret);

#endif
