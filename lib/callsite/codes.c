// SPDX-License-Identifier: MIT
/* The stable codes of call-site reasons (docs/json.md, "Codes"). */
#include "ktriage.h"
#include "core/util.h"

const char *kt_call_reason_code_name(enum kt_call_reason_code code)
{
	static const char *const names[] = {
		[KT_CALL_REASON_TARGET_UNKNOWN] = "undetermined.target_unknown",
		[KT_CALL_REASON_NO_CALL] = "undetermined.no_call",
		[KT_CALL_REASON_NO_CALLEE] = "undetermined.no_callee",
		[KT_CALL_REASON_INNERMOST] = "undetermined.innermost",
		[KT_CALL_REASON_INTERRUPTED] = "undetermined.interrupted",
		[KT_CALL_REASON_ERROR] = "undetermined.error",
		[KT_CALL_REASON_REACHES_CALLEE] = "matches.callee",
		[KT_CALL_REASON_REACHES_COLD_PART] = "matches.cold_part",
		[KT_CALL_REASON_TAIL_CALL] = "tail_call.one",
		[KT_CALL_REASON_TWO_TAIL_CALLS] = "tail_call.two",
		[KT_CALL_REASON_OTHER_FUNCTION] = "differs.other_function",
	};
	return (unsigned int)code < KT_ARRAY_SIZE(names) && names[code] ? names[code] : "?";
}
