// SPDX-License-Identifier: MIT
/*
 * Backtraces (bt) as text like crash's, and as JSON (docs/json.md, "bt"). The lines printed once
 * per frame of every task are built without printf (core/text.h): bt --all-tasks prints tens of
 * thousands of tasks a second.
 */
#include <string.h>

#include "core/text.h"
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

enum { LINE_MAX_BYTES = 1024 };

static void text_symbol_as(struct kt_text *t, const char *function, uint64_t offset,
			   const char *module, bool decimal)
{
	if (function) {
		kt_text_str(t, function);
		if (decimal) {
			kt_text_str(t, "+");
			kt_text_dec(t, (int64_t)offset, 0);
		} else {
			kt_text_str(t, "+0x");
			kt_text_hex(t, offset, 0);
		}
	} else {
		kt_text_str(t, "?");
	}
	if (module) {
		kt_text_str(t, " [");
		kt_text_str(t, module);
		kt_text_str(t, "]");
	}
}

static void text_symbol(struct kt_text *t, const char *function, uint64_t offset,
			const char *module)
{
	text_symbol_as(t, function, offset, module, false);
}

void kt_symbol_text(FILE *out, const char *function, uint64_t offset, const char *module)
{
	char line[LINE_MAX_BYTES];
	struct kt_text t = kt_text_start(line, sizeof(line));
	text_symbol(&t, function, offset, module);
	fputs(line, out);
}

void kt_symbol_text_as(FILE *out, const char *function, uint64_t offset, const char *module,
		       bool decimal)
{
	char line[LINE_MAX_BYTES];
	struct kt_text t = kt_text_start(line, sizeof(line));
	text_symbol_as(&t, function, offset, module, decimal);
	fputs(line, out);
}

/* " #N  [slot] function+0xOFF [module] at PC  status" */
static void frame_line(FILE *out, size_t i, const struct kt_frame *f, bool decimal)
{
	char line[LINE_MAX_BYTES];
	struct kt_text t = kt_text_start(line, sizeof(line));
	kt_text_str(&t, " #");
	kt_text_dec(&t, (int64_t)i, -2);
	kt_text_str(&t, " [");
	kt_text_hex(&t, f->slot ? f->slot : f->sp, 16);
	kt_text_str(&t, "] ");
	text_symbol_as(&t, f->function, f->offset, f->module, decimal);
	if (f->pc) {
		kt_text_str(&t, " at ");
		kt_text_hex(&t, f->pc, 16);
	} else {
		kt_text_str(&t, " (pc unknown)");
	}
	kt_text_str(&t, "  ");
	kt_text_str(&t, kt_frame_status_name(f->status));
	kt_text_str(&t, "\n");
	fputs(line, out);
}

/* "PID: N  TASK: ADDR  CPU: N  COMMAND: "comm"" and where the registers came from. */
static void task_header(FILE *out, const struct kt_backtrace *bt)
{
	char line[LINE_MAX_BYTES];
	struct kt_text t = kt_text_start(line, sizeof(line));
	kt_text_str(&t, "PID: ");
	kt_text_dec(&t, bt->pid, -7);
	kt_text_str(&t, " TASK: ");
	kt_text_hex(&t, bt->task, 16);
	kt_text_str(&t, "  CPU: ");
	if (bt->cpu >= 0)
		kt_text_dec(&t, bt->cpu, -3);
	else
		kt_text_str(&t, "-  ");
	kt_text_str(&t, " COMMAND: \"");
	kt_text_escaped(&t, bt->comm, strnlen(bt->comm, sizeof(bt->comm)), false);
	kt_text_str(&t, "\"\n");
	if (bt->cpu >= 0) {
		kt_text_str(&t, "  CPU ");
		kt_text_dec(&t, bt->cpu, 0);
		kt_text_str(&t, ", registers: ");
	} else {
		kt_text_str(&t, "  not running; registers: ");
	}
	kt_text_str(&t, bt->registers_source);
	kt_text_str(&t, "\n");
	fputs(line, out);
}

static void pt_regs_text(FILE *out, const uint64_t *regs)
{
	for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
		fprintf(out, "%s%8s: %016llx", r % 3 ? "  " : "\n    ", kt_pt_regs_name(r),
			(unsigned long long)regs[r]);
	fputc('\n', out);
}

static void slot_marks_text(FILE *out, const struct kt_stack_slot *s)
{
	for (size_t m = 0; m < s->n_marks; m++) {
		const struct kt_stack_slot_mark *k = &s->marks[m];
		if (k->kind == KT_SLOT_STALE_RETURN)
			fputs("  stale return address", out);
		else if (k->kind == KT_SLOT_SAVED_REGISTER)
			fprintf(out, "  saved %s", k->name);
		else
			fprintf(out, "  %s of %s", k->name, k->function ? k->function : "?");
	}
}

static void slots_text(FILE *out, const struct kt_frame_slots *fs,
		       const struct kt_backtrace_render_options *o)
{
	for (size_t j = 0; j < fs->n_slots; j++) {
		const struct kt_stack_slot *s = &fs->slots[j];
		fprintf(out, "    %016llx: ", (unsigned long long)s->address);
		// bt -F: the symbol in place of the value, as crash shows it (name+decimal offset).
		if (o->slot_symbols && s->symbol) {
			if (s->symbol_offset)
				kt_symbol_text_as(out, s->symbol, s->symbol_offset, s->module, true);
			else
				fprintf(out, "%s%s%s%s", s->symbol, s->module ? " [" : "",
					s->module ? s->module : "", s->module ? "]" : "");
			slot_marks_text(out, s);
			fputc('\n', out);
			continue;
		}
		// bt -F, -FF: a slab object's cache, as crash names it.
		if (o->slot_symbols && s->slab_cache) {
			if (o->slot_slab_values)
				fprintf(out, "[%016llx:%s]", (unsigned long long)s->value, s->slab_cache);
			else
				fprintf(out, "[%s]", s->slab_cache);
			slot_marks_text(out, s);
			fputc('\n', out);
			continue;
		}
		fprintf(out, "%016llx", (unsigned long long)s->value);
		slot_marks_text(out, s);
		if (s->symbol)
			fprintf(out, "  %s+0x%llx%s%s%s", s->symbol, (unsigned long long)s->symbol_offset,
				s->module ? " [" : "", s->module ? s->module : "", s->module ? "]" : "");
		fputc('\n', out);
	}
	if (fs->error)
		fprintf(out, "    %016llx: <%s>\n", (unsigned long long)fs->error_address, fs->error);
}

static void backtrace_text(FILE *out, struct kt_program *prog, const struct kt_backtrace *bt,
			   const struct kt_backtrace_render_options *o)
{
	task_header(out, bt);
	const char *stack = NULL;
	for (size_t i = 0; i < bt->n_frames; i++) {
		const struct kt_frame *f = &bt->frames[i];
		if (stack && f->stack && strcmp(stack, f->stack))
			fprintf(out, " --- <%s> ---\n", stack);
		if (f->has_pt_regs) {
			fprintf(out, "    [exception frame: pt_regs at %016llx]",
				(unsigned long long)f->pt_regs_address);
			pt_regs_text(out, f->pt_regs);
		}
		stack = f->stack;
		if (o->lines)
			kt_source_inlined_text(out, prog, f, "       ");
		frame_line(out, i, f, o->decimal_offsets);
		if (o->lines)
			kt_source_text(out, prog, f, "       ");
		if (o->reasons || f->status != KT_FRAME_VERIFIED) {
			fputs("       ", out);
			fputs(f->reason, out);
			fputc('\n', out);
		}
		if (o->call_sites && o->call_sites[i].kind != KT_CALL_NONE)
			kt_call_site_text(out, &o->call_sites[i], "       ");
		if (o->slots && i < o->slots->n_frames)
			slots_text(out, &o->slots->frames[i], o);
	}
	if (bt->note[0])
		fprintf(out, "  (%s)\n", bt->note);
	if (o->lines)
		kt_source_notices(out, prog, bt->frames, bt->n_frames, "  ");
	if ((o->stale || o->slots) && bt->n_stale) {
		fputs("  stale values on the stack, not frames:\n", out);
		for (size_t i = 0; i < bt->n_stale; i++) {
			const struct kt_frame *f = &bt->stale[i];
			fprintf(out, "    [%016llx] ", (unsigned long long)f->slot);
			kt_symbol_text(out, f->function, f->offset, f->module);
			fprintf(out, " at %016llx\n       %s\n", (unsigned long long)f->pc, f->reason);
		}
	}
	fputc('\n', out);
}

void kt_pt_regs_json(FILE *out, const uint64_t *regs, bool first)
{
	for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
		fprintf(out, "%s\"%s\": \"0x%llx\"", r || !first ? ", " : "", kt_pt_regs_name(r),
			(unsigned long long)regs[r]);
}

static void slots_json(FILE *out, const struct kt_frame_slots *fs)
{
	fputs(", \"slots\": [", out);
	for (size_t j = 0; j < fs->n_slots; j++) {
		const struct kt_stack_slot *s = &fs->slots[j];
		fprintf(out, "%s{\"address\": \"0x%016llx\", \"value\": \"0x%016llx\", \"marks\": [",
			j ? ", " : "", (unsigned long long)s->address, (unsigned long long)s->value);
		for (size_t m = 0; m < s->n_marks; m++) {
			const struct kt_stack_slot_mark *k = &s->marks[m];
			static const char *const kinds[] = {"stale_return", "saved_register", "argument"};
			fprintf(out, "%s{\"kind\": \"%s\", \"name\": ", m ? ", " : "", kinds[k->kind]);
			kt_json_string(out, k->name);
			kt_json_key(out, "function");
			kt_json_string(out, k->function);
			putc('}', out);
		}
		fputs("], \"symbol\": ", out);
		if (s->symbol) {
			fputs("{\"name\": ", out);
			kt_json_string(out, s->symbol);
			fprintf(out, ", \"offset\": %llu, \"module\": ", (unsigned long long)s->symbol_offset);
			kt_json_string(out, s->module);
			putc('}', out);
		} else {
			fputs("null", out);
		}
		if (s->slab_cache) {
			fputs(", \"slab\": {\"cache\": ", out);
			kt_json_string(out, s->slab_cache);
			kt_json_key(out, "object");
			kt_json_address(out, s->slab_object);
			putc('}', out);
		}
		putc('}', out);
	}
	fputs("], \"slots_error\": ", out);
	kt_json_string(out, fs->error);
	kt_json_key(out, "slots_error_code");
	if (fs->error)
		fprintf(out, "\"%s\"", kt_error_code_name(fs->error_code));
	else
		fputs("null", out);
}

static void frame_json(FILE *out, struct kt_program *prog, size_t i, const struct kt_frame *f,
		       const struct kt_backtrace_render_options *o, bool stale)
{
	fputs("{\"pc\": ", out);
	kt_json_address_or_null(out, f->pc);
	kt_json_key(out, "function");
	kt_json_string(out, f->function);
	fprintf(out, ", \"offset\": %llu, \"module\": ", (unsigned long long)f->offset);
	kt_json_string(out, f->module);
	kt_json_key(out, "sp");
	kt_json_address(out, f->sp);
	kt_json_key(out, "slot");
	kt_json_address_or_null(out, f->slot);
	kt_json_key(out, "stack");
	kt_json_string(out, f->stack);
	fprintf(out, ", \"status\": \"%s\", \"reason_code\": \"%s\", \"reason\": ",
		kt_frame_status_name(f->status), kt_frame_reason_code_name(f->reason_code));
	kt_json_string(out, f->reason);
	if (f->has_pt_regs) {
		fprintf(out, ", \"pt_regs\": {\"address\": \"0x%016llx\"",
			(unsigned long long)f->pt_regs_address);
		kt_pt_regs_json(out, f->pt_regs, false);
		putc('}', out);
	}
	if (stale)
		goto done;
	if (o->lines)
		kt_source_json(out, prog, f);
	if (o->call_sites) {
		const struct kt_call_site *site = &o->call_sites[i];
		fputs(", \"call_site\": ", out);
		if (site->kind == KT_CALL_NONE && i == 0)
			fputs("null", out);
		else
			kt_call_site_json(out, site);
	}
	if (o->slots && i < o->slots->n_frames)
		slots_json(out, &o->slots->frames[i]);
done:
	putc('}', out);
}

static void backtrace_json(FILE *out, struct kt_program *prog, const struct kt_backtrace *bt,
			   const struct kt_backtrace_render_options *o)
{
	fputs("{\"cpu\": ", out);
	if (bt->cpu >= 0)
		fprintf(out, "%d", bt->cpu);
	else
		fputs("null", out);
	fprintf(out, ", \"task\": {\"pid\": %d, \"comm\": ", bt->pid);
	kt_json_string(out, bt->comm);
	fprintf(out, ", \"address\": \"0x%016llx\"}, \"registers_code\": \"%s\", \"registers_source\": ",
		(unsigned long long)bt->task, kt_registers_code_name(bt->registers_code));
	kt_json_string(out, bt->registers_source);
	fprintf(out, ", \"note_code\": \"%s\", \"note\": ", kt_stop_code_name(bt->note_code));
	kt_json_string(out, bt->note);
	fputs(",\n   \"frames\": [", out);
	for (size_t i = 0; i < bt->n_frames; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		frame_json(out, prog, i, &bt->frames[i], o, false);
	}
	fputs("],\n   \"stale\": [", out);
	for (size_t i = 0; i < bt->n_stale; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		frame_json(out, prog, i, &bt->stale[i], o, true);
	}
	fputs("]}", out);
}

void kt_backtrace_json(FILE *out, const struct kt_backtrace *bt)
{
	static const struct kt_backtrace_render_options none;
	backtrace_json(out, NULL, bt, &none);
}

void kt_backtrace_render(struct kt_list_writer *w, struct kt_program *prog,
			 const struct kt_backtrace *bt, const struct kt_backtrace_render_options *opts)
{
	static const struct kt_backtrace_render_options none;
	const struct kt_backtrace_render_options *o = opts ? opts : &none;
	if (kt_list_item(w))
		backtrace_json(w->out, prog, bt, o);
	else
		backtrace_text(w->out, prog, bt, o);
}

/* bt -E: the exception frames found on one stack. */
void kt_stack_search_render(struct kt_list_writer *w, const struct kt_stack_search *s)
{
	FILE *out = w->out;
	if (kt_list_item(w)) {
		fprintf(out, "{\"cpu\": %d, \"stack\": ", s->cpu);
		kt_json_string(out, s->stack);
		fprintf(out, ", \"start\": \"0x%016llx\", \"end\": \"0x%016llx\", \"task\": ",
			(unsigned long long)s->start, (unsigned long long)s->end);
		kt_json_address_or_null(out, s->task);
		kt_json_error_text_members(out, s->error, s->error_code);
		fputs(", \"frames\": ", out);
		kt_exception_frames_json(out, s->frames, s->n_frames);
		putc('}', out);
		return;
	}
	fprintf(out, "CPU %d %s [%016llx-%016llx]", s->cpu, s->stack, (unsigned long long)s->start,
		(unsigned long long)s->end);
	if (s->task)
		fprintf(out, " of task %016llx", (unsigned long long)s->task);
	if (s->error)
		fprintf(out, ": not searched (%s)\n", s->error);
	else if (!s->n_frames)
		fputs(": no exception frames\n", out);
	else
		fputs(":\n", out);
	for (size_t j = 0; j < s->n_frames; j++) {
		const struct kt_exception_frame *f = &s->frames[j];
		fprintf(out, "  %s-mode exception frame: pt_regs at %016llx\n    [exception RIP: ",
			f->user_mode ? "user" : "kernel", (unsigned long long)f->address);
		if (f->function)
			kt_symbol_text(out, f->function, f->offset, f->module);
		else
			fprintf(out, "%016llx", (unsigned long long)f->regs[16]);
		fprintf(out, "]\n    %s", f->proof);
		pt_regs_text(out, f->regs);
	}
}

/* The "frames" array of bt -E's and bt -e's documents: each exception frame with its pt_regs. */
void kt_exception_frames_json(FILE *out, const struct kt_exception_frame *frames, size_t n)
{
	putc('[', out);
	for (size_t j = 0; j < n; j++) {
		const struct kt_exception_frame *f = &frames[j];
		fprintf(out, "%s\n    {\"address\": \"0x%016llx\", \"mode\": \"%s\", \"pc\": \"0x%016llx\", "
			"\"function\": ", j ? "," : "", (unsigned long long)f->address,
			f->user_mode ? "user" : "kernel", (unsigned long long)f->regs[16]);
		kt_json_string(out, f->function);
		fprintf(out, ", \"offset\": %llu, \"module\": ", (unsigned long long)f->offset);
		kt_json_string(out, f->module);
		kt_json_key(out, "proof");
		kt_json_string(out, f->proof);
		fputs(", \"pt_regs\": {", out);
		kt_pt_regs_json(out, f->regs, true);
		fputs("}}", out);
	}
	putc(']', out);
}
