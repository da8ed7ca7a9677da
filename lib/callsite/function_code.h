/* SPDX-License-Identifier: MIT */
/*
 * One function's code as the dump holds it, decoded once: its instructions, which instructions
 * can run just before each one, and the stack depth at each. The call-site slices walk this
 * backwards, as objtool's check.c walks its instruction list forwards.
 */
#ifndef KT_CALLSITE_FUNCTION_CODE_H
#define KT_CALLSITE_FUNCTION_CODE_H

#include "callsite/decode.h"
#include "program.h"

/* Bigger functions exist (vcpu_enter_guest is ~6 KiB in 6.1); a 64 KiB one is not code. */
enum { KT_FUNCTION_CODE_MAX = 64 * 1024 };

/* The depth of an instruction no path with a followable %rsp reaches. */
#define KT_DEPTH_UNKNOWN INT32_MIN

struct kt_function_code {
	uint64_t start, end;       /* [start, end): kallsyms extent, cut at the first undecodable byte */
	const char *name;
	struct kt_insn *insns;
	size_t n;
	int32_t *depth;            /* bytes pushed since entry, before insns[i]; KT_DEPTH_UNKNOWN */
	/* Jumps inside the function, sorted by target index: (target, source) pairs. */
	struct kt_jump { uint32_t target, source; } *jumps;
	size_t n_jumps;
	bool borrowed;             /* the arrays belong to the program's cache: deinit frees nothing */
};

/* Decodes the function that contains addr (a return address is inside its caller), or takes
 * it from the program's cache of decoded functions. Release with kt_function_code_deinit(). */
struct kt_error *kt_function_code_load(struct kt_program *prog, uint64_t addr,
				       struct kt_function_code *ret);
void kt_function_code_deinit(struct kt_function_code *code);
/* Decodes the code bytes buf (len, at most KT_FUNCTION_CODE_MAX) of the function name that starts
 * at start: what kt_function_code_load does once it has read them. */
struct kt_error *kt_function_code_decode(const char *name, uint64_t start, const uint8_t *buf,
					 size_t len, struct kt_function_code *ret);
/* The program's cache of decoded functions (kt_program_destroy()). */
struct kt_code_cache;
void kt_code_cache_destroy(struct kt_code_cache *cache);

/* The index of the instruction starting at addr, or -1. */
ssize_t kt_function_code_index(const struct kt_function_code *code, uint64_t addr);

/* Whether control can fall from insns[i] into insns[i + 1]. */
bool kt_insn_falls_through(const struct kt_insn *insn);

/*
 * The instructions that can run right before insns[i], up to max (fallthrough first, then
 * jumps); *entry is set if i is also where the function is entered (i == 0).
 */
size_t kt_function_code_preds(const struct kt_function_code *code, size_t i, uint32_t *preds,
			      size_t max, bool *entry);

#endif
