/* SPDX-License-Identifier: MIT */
/*
 * Disassembly of the dump's code (kt_disassemble() in ktriage.h), and the pieces later call-site
 * layers share with it: symbol extents and crash-style rendering of one instruction.
 */
#ifndef KT_CALLSITE_DISASM_H
#define KT_CALLSITE_DISASM_H

#include "callsite/decode.h"
#include "sym/kallsyms.h"

struct kt_modules;

/* Where code gets its names: the kernel's kallsyms and the modules' symbol tables. */
struct kt_code_symbols {
	const struct kt_kallsyms *kernel;   /* NULL if it cannot be read: no names from it */
	const struct kt_modules *modules;   /* NULL likewise */
};

/* Loads both tables of prog; fails only for lack of memory. */
struct kt_error *kt_code_symbols_get(struct kt_program *prog, struct kt_code_symbols *ret);

/*
 * The symbol whose extent holds addr, kallsyms having no sizes: from its address to where the
 * next symbol starts (*end_ret, may be NULL), a module's last symbol to the module's end. NULL
 * if no symbol covers addr, or only the kernel's last one, whose end is unknown.
 */
const struct kt_symbol *kt_code_symbol(const struct kt_code_symbols *cs, uint64_t addr,
				       uint64_t *end_ret);

/* Whether the code at part is the unlikely part GCC split off the function at function: the
 * symbol there is NAME.cold, NAME being the function's (reached by a jump, never a call). */
bool kt_is_cold_part(struct kt_program *prog, uint64_t function, uint64_t part);

/* Whether sym is code by its nm type (t, T, w, W). */
bool kt_symbol_is_text(const struct kt_symbol *sym);

/*
 * insn as crash prints it: AT&T text (kt_insn_format()), a direct target followed by
 * "<sym+off>" (decimal offset, as gdb), a RIP-relative memory operand followed by
 * "        # 0xADDR <sym+off>". LIMIT if buf is too small.
 */
struct kt_error *kt_insn_render(const struct kt_code_symbols *cs, const struct kt_insn *insn,
				char *buf, size_t size);

#endif
