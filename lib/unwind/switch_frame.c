// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "callsite/function_code.h"
#include "core/error.h"
#include "kernel/tasks.h"
#include "unwind/switch_frame.h"
#include "unwind/unwind_ctx.h"

struct kt_error *kt_switch_layout_detect(struct kt_types *types, struct kt_switch_layout *ret)
{
	struct kt_switch_layout l = {0};
	struct kt_member_info sp, ra, bp;
	struct kt_error *err;
	if ((err = kt_types_member(types, "task_struct", "thread.sp", &sp)))
		return kt_error_prefix(err, "switch frame: task_struct.thread.sp");
	l.sp_off = sp.offset;
	struct kt_member_info stack;
	err = kt_types_member(types, "task_struct", "stack", &stack);
	if (err == &kt_enomem)
		return err;
	l.stack_off = err ? UINT64_MAX : stack.offset;
	kt_error_destroy(err);
	err = kt_types_size(types, "inactive_task_frame", &l.frame_size);
	if (err == &kt_enomem)
		return err;
	bool has_frame = !err;
	kt_error_destroy(err);
	if (has_frame) {
		if ((err = kt_types_member(types, "inactive_task_frame", "ret_addr", &ra)) ||
		    (err = kt_types_member(types, "inactive_task_frame", "bp", &bp)))
			return kt_error_prefix(err, "switch frame: struct inactive_task_frame without "
					       "ret_addr and bp");
		l.how = KT_SWITCH_INACTIVE_FRAME;
		l.ret_off = ra.offset;
		l.bp_off = bp.offset;
	} else {
		l.how = KT_SWITCH_SAVED_RBP;
		l.frame_size = 8;
	}
	*ret = l;
	return NULL;
}

static struct kt_error *layout_get(struct kt_program *prog, struct kt_switch_layout **ret)
{
	if (!prog->unwind->switch_layout) {
		struct kt_types *types;
		struct kt_switch_layout l;
		struct kt_error *err;
		if ((err = kt_program_types(prog, &types)) || (err = kt_switch_layout_detect(types, &l)))
			return err;
		if (!(prog->unwind->switch_layout = malloc(sizeof(l))))
			return &kt_enomem;
		*prog->unwind->switch_layout = l;
	}
	*ret = prog->unwind->switch_layout;
	return NULL;
}

/* Where a task switched out by the rbp-only switch_to() resumes: thread_return where the kernel
 * names it, else right after __schedule's (or, older, schedule's) direct call to __switch_to. */
static struct kt_error *resume_pc_find(struct kt_program *prog, uint64_t *ret)
{
	if (!kt_program_symbol_address(prog, "thread_return", ret))
		return NULL;
	uint64_t switch_to;
	struct kt_error *err = kt_program_symbol_address(prog, "__switch_to", &switch_to);
	if (err)
		return kt_error_prefix(err, "switch frame without struct inactive_task_frame");
	static const char *const schedulers[] = {"__schedule", "schedule"};
	for (size_t s = 0; s < sizeof(schedulers) / sizeof(schedulers[0]); s++) {
		uint64_t start;
		struct kt_function_code code;
		if ((err = kt_program_symbol_address(prog, schedulers[s], &start)) ||
		    (err = kt_function_code_load(prog, start, &code))) {
			if (err == &kt_enomem)
				return err;
			kt_error_destroy(err);
			continue;
		}
		bool found = false;
		for (size_t i = 0; i < code.n && !found; i++) {
			const struct kt_insn *in = &code.insns[i];
			if (in->kind == KT_INSN_CALL && in->has_target && in->target == switch_to) {
				*ret = in->address + in->length;
				found = true;
			}
		}
		kt_function_code_deinit(&code);
		if (found)
			return NULL;
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "switch frame without struct inactive_task_frame: "
			       "no thread_return symbol and no call to __switch_to in __schedule or "
			       "schedule");
}

/*
 * A sleeping task's thread.sp points into its own stack: one that does not comes from a damaged
 * task_struct (or an address that is no task), and the frame read there would be anything at all.
 */
static struct kt_error *sp_on_stack_check(struct kt_program *prog, const struct kt_switch_layout *l,
					  uint64_t task, uint64_t sp)
{
	uint64_t stack, size;
	struct kt_error *err;
	if (l->stack_off == UINT64_MAX)
		return NULL;
	if ((err = kt_read_u64(&prog->reader, task + l->stack_off, &stack)))
		return kt_error_prefix(err, "task_struct.stack");
	if (!stack)
		return kt_error_create(KT_ERROR_NOT_FOUND, "the task has no stack (task_struct.stack is "
				       "NULL: it has exited and its stack was freed)");
	if ((err = kt_task_stack_size(prog, &size))) {
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);
		return NULL;  // no bound to check against
	}
	if (sp < stack || sp >= stack + size || stack + size < stack)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "thread.sp 0x%llx is not on the task's stack (task_struct.stack "
				       "0x%llx, %llu bytes): the task_struct is damaged, or 0x%llx is no task",
				       (unsigned long long)sp, (unsigned long long)stack,
				       (unsigned long long)size, (unsigned long long)task);
	return NULL;
}

struct kt_error *kt_switch_state(struct kt_program *prog, uint64_t task, struct kt_unwind_state *ret,
				 uint64_t *thread_sp_ret, const char **source_ret)
{
	struct kt_switch_layout *l;
	uint64_t sp;
	struct kt_error *err;
	if ((err = layout_get(prog, &l)) || (err = kt_read_u64(&prog->reader, task + l->sp_off, &sp)) ||
	    (err = sp_on_stack_check(prog, l, task, sp)))
		return err;
	struct kt_unwind_state st = {.bp_known = true};
	if (l->how == KT_SWITCH_INACTIVE_FRAME) {
		st.sp = sp + l->frame_size;
		st.slot = sp + l->ret_off;
		if ((err = kt_read_u64(&prog->reader, sp + l->ret_off, &st.ip)) ||
		    (err = kt_read_u64(&prog->reader, sp + l->bp_off, &st.bp)))
			return kt_error_prefix(err, "switch frame at thread.sp 0x%llx", (unsigned long long)sp);
		// A task that never ran "returns" to the start of ret_from_fork: an exact pc.
		const char *fn, *mod;
		uint64_t fn_off;
		struct kt_error *serr = kt_program_symbolize(prog, st.ip, &fn, &fn_off, &mod);
		if (serr == &kt_enomem)
			return serr;
		// The switch returns into __schedule (or ret_from_fork): a saved pc in no function
		// means the frame is not one (thread.sp at the wrong place in the stack).
		if (serr) {
			kt_error_destroy(serr);
			return kt_error_create(KT_ERROR_BAD_DATA, "switch frame at thread.sp 0x%llx: its "
					       "return address 0x%llx is in no function",
					       (unsigned long long)sp, (unsigned long long)st.ip);
		}
		if (fn_off == 0)
			st.exact = true;
		*source_ret = "switch frame (thread.sp, struct inactive_task_frame)";
	} else {
		if (!l->resume_pc && (err = resume_pc_find(prog, &l->resume_pc)))
			return err;
		// The pc is a return address (of the call to __switch_to) that no slot holds: the
		// call pushed it on the next task's stack. rsp is as the compiler knows it once the
		// asm has popped rbp.
		st.ip = l->resume_pc;
		st.sp = sp + 8;
		if ((err = kt_read_u64(&prog->reader, sp, &st.bp)))
			return kt_error_prefix(err, "saved rbp at thread.sp 0x%llx", (unsigned long long)sp);
		*source_ret = "switch frame (thread.sp: the rbp switch_to() pushed; the pc after "
			      "__schedule's call to __switch_to)";
	}
	*ret = st;
	*thread_sp_ret = sp;
	return NULL;
}
