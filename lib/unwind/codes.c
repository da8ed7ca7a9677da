// SPDX-License-Identifier: MIT
/* The stable codes of frame reasons, stop reasons and register sources (docs/json.md, "Codes"). */
#include "ktriage.h"
#include "core/util.h"

const char *kt_frame_reason_code_name(enum kt_frame_reason_code code)
{
	static const char *const names[] = {
		[KT_FRAME_REASON_CPU_REGISTERS] = "pc.cpu_registers",
		[KT_FRAME_REASON_SWITCH_FRAME] = "pc.switch_frame",
		[KT_FRAME_REASON_PT_REGS] = "pc.pt_regs",
		[KT_FRAME_REASON_PROVEN_PT_REGS] = "pc.proven_pt_regs",
		[KT_FRAME_REASON_CALL_FITS] = "ret.call_fits",
		[KT_FRAME_REASON_FP_UNPROVEN] = "ret.fp_unproven",
		[KT_FRAME_REASON_TAIL_CALL] = "ret.tail_call",
		[KT_FRAME_REASON_FP_SKIPPED] = "ret.fp_skipped",
		[KT_FRAME_REASON_RUNNING_CALLEE] = "rebuilt.running_callee",
		[KT_FRAME_REASON_INDIRECT_CALLEE] = "rebuilt.indirect_callee",
		[KT_FRAME_REASON_LINKED] = "rebuilt.linked",
		[KT_FRAME_REASON_OUTERMOST] = "rebuilt.outermost",
		[KT_FRAME_REASON_CALL_TARGET] = "rebuilt.call_target",
		[KT_FRAME_REASON_CALL_CONTRADICTS] = "inferred.call_contradicts",
		[KT_FRAME_REASON_STALE_IN_FRAME] = "stale.in_frame",
		[KT_FRAME_REASON_STALE_DEAD_STACK] = "stale.dead_stack",
		[KT_FRAME_REASON_STALE_BELOW_LIVE] = "stale.below_live",
		[KT_FRAME_REASON_STACK_START] = "ret.stack_start",
		[KT_FRAME_REASON_CALL_UNCHECKED] = "ret.call_unchecked",
		[KT_FRAME_REASON_CANDIDATE_CALLEE] = "rebuilt.candidate_callee",
		[KT_FRAME_REASON_VMENTRY_HOST_RSP] = "rebuilt.vmentry_host_rsp",
	};
	return (unsigned int)code < KT_ARRAY_SIZE(names) && names[code] ? names[code] : "?";
}

const char *kt_stop_code_name(enum kt_stop_code code)
{
	static const char *const names[] = {
		[KT_STOP_NONE] = "stop.none",
		[KT_STOP_END_OF_STACK] = "stop.end_of_stack",
		[KT_STOP_USER_MODE] = "stop.user_mode",
		[KT_STOP_OFF_STACK] = "stop.off_stack",
		[KT_STOP_LOOP] = "stop.loop",
		[KT_STOP_NO_UNWIND_INFO] = "stop.no_unwind_info",
		[KT_STOP_BAD_UNWIND_INFO] = "stop.bad_unwind_info",
		[KT_STOP_REGISTER_UNKNOWN] = "stop.register_unknown",
		[KT_STOP_BAD_FRAME_POINTER] = "stop.bad_frame_pointer",
		[KT_STOP_NOT_RETURN_ADDRESS] = "stop.not_return_address",
		[KT_STOP_READ_ERROR] = "stop.read_error",
		[KT_STOP_FRAME_LIMIT] = "stop.frame_limit",
		[KT_STOP_REBUILT] = "stop.rebuilt",
		[KT_STOP_NO_ENTRY_FRAME] = "stop.no_entry_frame",
		[KT_STOP_STACK_UNREADABLE] = "stop.stack_unreadable",
		[KT_STOP_STACK_START] = "stop.stack_start",
	};
	return (unsigned int)code < KT_ARRAY_SIZE(names) && names[code] ? names[code] : "?";
}

const char *kt_registers_code_name(enum kt_registers_code code)
{
	static const char *const names[] = {
		[KT_REGISTERS_NONE] = "regs.none",
		[KT_REGISTERS_CRASH_NOTES] = "regs.crash_notes",
		[KT_REGISTERS_QEMU_NOTE] = "regs.qemu_note",
		[KT_REGISTERS_SWITCH_FRAME] = "regs.switch_frame",
		[KT_REGISTERS_NMI_UNANSWERED] = "regs.none.nmi_unanswered",
		[KT_REGISTERS_CPU_OFFLINE] = "regs.none.cpu_offline",
		[KT_REGISTERS_NO_CRASH_NOTES] = "regs.none.no_crash_notes",
		[KT_REGISTERS_NO_QEMU_NOTE] = "regs.none.no_qemu_note",
		[KT_REGISTERS_DAMAGED] = "regs.none.damaged",
	};
	return (unsigned int)code < KT_ARRAY_SIZE(names) && names[code] ? names[code] : "?";
}
