/* SPDX-License-Identifier: MIT */
/* A kt_program: one dump and the symbols and types that describe it. */
#ifndef KT_PROGRAM_H
#define KT_PROGRAM_H

#include "dump/dump.h"
#include "dump/reader.h"
#include "sym/kallsyms.h"

struct kt_program {
	struct kt_dump *dump;
	struct kt_reader reader;
	struct kt_open_options opts;
	struct kt_kallsyms *kallsyms;   /* loaded on first use */
	struct kt_error *kallsyms_err;  /* why it could not be, remembered */
};

/* The kernel's symbol table from the dump, loaded on first use. */
struct kt_error *kt_program_kallsyms(struct kt_program *prog, struct kt_kallsyms **ret);

#endif
