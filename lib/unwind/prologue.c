// SPDX-License-Identifier: MIT
/*
 * The last resort for a pc that neither ORC nor DWARF CFI describes (no debug vmlinux, and a
 * STACK_FRAME_NON_STANDARD function such as __crash_kexec): follow the function's control flow
 * from its start to the pc, as objtool does, adding up what each instruction does to %rsp. Only
 * pushes, pops and immediate add/sub of %rsp are understood; any other write to %rsp, or two
 * paths reaching the pc with different depths, makes the answer unknown rather than guessed.
 */
#include <stdio.h>

#include "callsite/decode.h"
#include "core/error.h"
#include "unwind/prologue.h"

enum { PROLOGUE_MAX_BYTES = 1024 };

/* Bytes -> change of the stack depth; false if the instruction moves %rsp some other way. */
static bool stack_effect(const struct kt_insn *insn, int64_t *delta)
{
	const uint8_t *b = insn->bytes;
	unsigned int i = 0;
	*delta = 0;
	if (insn->length == 1 && b[0] >= 0x50 && b[0] <= 0x57)
		return *delta = 8, true;                   /* push %reg */
	if (insn->length == 1 && b[0] >= 0x58 && b[0] <= 0x5f)
		return *delta = -8, true;                  /* pop %reg */
	if (insn->length == 2 && b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57)
		return *delta = 8, true;                   /* push %r8-%r15 */
	if (insn->length == 2 && b[0] == 0x41 && b[1] >= 0x58 && b[1] <= 0x5f)
		return *delta = -8, true;
	if (insn->length == 1 && b[0] == 0x9c)
		return *delta = 8, true;                   /* pushf */
	if (insn->length == 1 && b[0] == 0x9d)
		return *delta = -8, true;                  /* popf */
	if (b[0] == 0x8f)
		return *delta = -8, true;                  /* pop to memory */
	if (b[0] == 0x6a || b[0] == 0x68 || (b[0] == 0xff && insn->length >= 2 && ((b[1] >> 3) & 7) == 6))
		return *delta = 8, true;                   /* push imm, push mem */
	if (b[i] == 0x48 && insn->length >= 4 && (b[1] == 0x83 || b[1] == 0x81) &&
	    (b[2] == 0xec || b[2] == 0xc4)) {          /* sub/add $imm,%rsp */
		int64_t imm = b[1] == 0x83 ? (int8_t)b[3]
					   : (int32_t)(b[3] | b[4] << 8 | b[5] << 16 | (uint32_t)b[6] << 24);
		*delta = b[2] == 0xec ? imm : -imm;
		return true;
	}
	// Any other write to %rsp (mov, lea, and for alignment): not followed.
	if ((b[0] == 0x48 || b[0] == 0x49) && insn->length >= 3 && (b[2] & 0xc7) == 0xc4 &&
	    (b[1] == 0x89 || b[1] == 0x8d || b[1] == 0x83 || b[1] == 0x81))
		return (b[2] & 0x38) == 0x20 ? false : true; /* mov %rsp,%reg is fine; and $x,%rsp not */
	return true;
}

struct kt_error *kt_prologue_depth(struct kt_program *prog, uint64_t start, uint64_t pc,
				   uint64_t *depth_ret)
{
	if (pc < start || pc - start >= PROLOGUE_MAX_BYTES)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "pc too far from the function start");
	uint8_t code[PROLOGUE_MAX_BYTES + KT_INSN_MAX_LENGTH];
	struct kt_error *err = kt_read(&prog->reader, start, code, sizeof(code));
	if (err)
		return err;
	// depth_at[off]: stack depth on entry to the instruction at start + off, -1 if unvisited.
	static const int32_t UNVISITED = -1;
	int32_t depth_at[PROLOGUE_MAX_BYTES];
	uint16_t work[PROLOGUE_MAX_BYTES];
	size_t n_work = 0;
	for (size_t i = 0; i < PROLOGUE_MAX_BYTES; i++)
		depth_at[i] = UNVISITED;
	depth_at[0] = 0;
	work[n_work++] = 0;
	while (n_work) {
		uint64_t at = start + work[--n_work];
		int32_t depth = depth_at[at - start];
		while (at < start + PROLOGUE_MAX_BYTES) {
			if (at == pc)
				break;
			struct kt_insn insn;
			if ((err = kt_insn_decode(at, code + (at - start), sizeof(code) - (at - start), &insn)))
				return err;
			int64_t delta;
			if (!stack_effect(&insn, &delta))
				return kt_error_create(KT_ERROR_UNSUPPORTED, "%%rsp changed in a way not "
						       "followed at 0x%016llx", (unsigned long long)at);
			depth += (int32_t)delta;
			uint64_t next = at + insn.length;
			if (insn.kind == KT_INSN_RET)
				break;
			if ((insn.kind == KT_INSN_JMP || insn.kind == KT_INSN_JCC) && insn.has_target &&
			    insn.target >= start && insn.target < start + PROLOGUE_MAX_BYTES) {
				int32_t *d = &depth_at[insn.target - start];
				if (*d == UNVISITED) {
					*d = depth;
					work[n_work++] = (uint16_t)(insn.target - start);
				} else if (*d != depth) {
					return kt_error_create(KT_ERROR_UNSUPPORTED, "two stack depths at 0x%016llx",
							       (unsigned long long)insn.target);
				}
			}
			if (insn.kind == KT_INSN_JMP)
				break;  // a jump elsewhere (or a tail call): this path ends
			if (next >= start + PROLOGUE_MAX_BYTES)
				break;
			int32_t *d = &depth_at[next - start];
			if (*d != UNVISITED) {
				if (*d != depth)
					return kt_error_create(KT_ERROR_UNSUPPORTED, "two stack depths at 0x%016llx",
							       (unsigned long long)next);
				break;
			}
			*d = depth;
			at = next;
		}
	}
	int32_t depth = depth_at[pc - start];
	if (depth == UNVISITED || depth < 0)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "no path from the function start reaches the pc");
	*depth_ret = (uint64_t)depth;
	return NULL;
}
