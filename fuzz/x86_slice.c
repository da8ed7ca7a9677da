// SPDX-License-Identifier: MIT
/*
 * Arbitrary bytes as a function's code: the x86-64 decoder (callsite/decode.c, AT&T formatting
 * in decode_att.c), the function's instruction list, jumps and stack depths
 * (kt_function_code_decode), and a backward slice (callsite/slice.c) of every call's target and
 * argument registers, as call-site analysis makes them.
 */
#include <stdlib.h>

#include "callsite/slice.h"

enum { CODE_START = 0xffffffff81000000ull, CALLS_MAX = 32 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > KT_FUNCTION_CODE_MAX)
		size = KT_FUNCTION_CODE_MAX;
	// Every offset as an instruction start, as disassembly at an arbitrary address does.
	for (size_t at = 0; at < size && at < 64; at++) {
		struct kt_insn insn;
		struct kt_error *err = kt_insn_decode(CODE_START + at, data + at, size - at, &insn);
		if (!err) {
			char text[128];
			if (insn.length == 0 || insn.length > size - at)
				__builtin_trap();  // a length the bytes do not have
			kt_error_destroy(kt_insn_format(&insn, text, sizeof(text)));
		}
		kt_error_destroy(err);
	}
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_decode("fuzz_function", CODE_START, data, size, &code);
	if (err) {
		kt_error_destroy(err);
		return 0;
	}
	uint32_t preds[16];
	bool entry;
	for (size_t i = 0; i < code.n; i++)
		kt_function_code_preds(&code, i, preds, 16, &entry);
	struct kt_slice *slice = malloc(sizeof(*slice));
	size_t calls = 0;
	for (size_t i = 0; slice && i < code.n && calls < CALLS_MAX; i++) {
		if (code.insns[i].kind != KT_INSN_CALL)
			continue;
		calls++;
		kt_slice_init(slice, NULL, &code, i);
		kt_slice_call_target(slice);
		kt_slice_register(slice, KT_X86_RDI, i);
		kt_slice_register(slice, KT_X86_RSI, i);
	}
	free(slice);
	kt_function_code_deinit(&code);
	return 0;
}
