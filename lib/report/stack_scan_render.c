// SPDX-License-Identifier: MIT
/*
 * bt -t, -T and -e as text like crash's (each code address found with its slot; each exception
 * frame with its registers as crash prints them, and the checks it passed), or as JSON
 * (docs/json.md, "bt -t, -T, -e").
 */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

/* crash's register block: RIP RSP RFLAGS, then the general registers (pt_regs indexes). */
static const unsigned char general[] = {10, 5, 11, 12, 13, 14, 4, 9, 8, 7, 6, 3, 2, 1, 0};
static const char *const general_names[] = {"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R8",
					    "R9", "R10", "R11", "R12", "R13", "R14", "R15"};

static void regs_text(FILE *out, const uint64_t *regs)
{
	fprintf(out, "    RIP: %016llx  RSP: %016llx  RFLAGS: %08llx\n", (unsigned long long)regs[16],
		(unsigned long long)regs[19], (unsigned long long)regs[18]);
	for (size_t i = 0; i < sizeof(general); i++)
		fprintf(out, "%s%3s: %016llx%s", i % 3 ? "  " : "    ", general_names[i],
			(unsigned long long)regs[general[i]], i % 3 == 2 ? "\n" : "");
	fprintf(out, "    ORIG_RAX: %016llx  CS: %04llx  SS: %04llx\n", (unsigned long long)regs[15],
		(unsigned long long)regs[17], (unsigned long long)regs[20]);
}

static void text_line(FILE *out, const struct kt_stack_text_slot *t, bool decimal)
{
	fprintf(out, "  [%016llx] ", (unsigned long long)t->slot);
	kt_symbol_text_as(out, t->function, t->offset, t->module, decimal);
	fprintf(out, " at %016llx", (unsigned long long)t->value);
	if (t->frame >= 0)
		fprintf(out, "  frame #%d %s", t->frame, kt_frame_status_name(t->status));
	else if (t->in_backtrace)
		fputs("  stale", out);
	fputc('\n', out);
}

static void scan_text(FILE *out, const struct kt_stack_scan *s)
{
	char comm[KT_COMM_TEXT_SIZE];
	fprintf(out, "PID: %-7d  TASK: %016llx  CPU: ", s->pid, (unsigned long long)s->task);
	if (s->cpu >= 0)
		fprintf(out, "%-3d", s->cpu);
	else
		fputs("-  ", out);
	fprintf(out, "  COMMAND: \"%s\"\n", kt_comm_text(s->comm, comm));
	fprintf(out, "  task stack %016llx-%016llx", (unsigned long long)s->start,
		(unsigned long long)s->end);
	if (s->kind != KT_STACK_SCAN_EXCEPTION_FRAMES)
		fprintf(out, ", searched from %016llx (%s)", (unsigned long long)s->from,
			s->from_sp ? "the stack pointer" : "the stack's start");
	fputc('\n', out);
	if (s->missing)
		fprintf(out, "  (not searched: %s)\n", s->missing);
	for (size_t i = 0; i < s->n_text; i++)
		text_line(out, &s->text[i], false);
	if (s->kind == KT_STACK_SCAN_EXCEPTION_FRAMES && !s->n_frames)
		fputs("  no exception frames\n", out);
	for (size_t i = 0; i < s->n_frames; i++) {
		const struct kt_exception_frame *f = &s->frames[i];
		fprintf(out, "\n  %s-MODE EXCEPTION FRAME AT: %016llx\n", f->user_mode ? "USER" : "KERNEL",
			(unsigned long long)f->address);
		if (!f->user_mode) {
			fputs("    [exception RIP: ", out);
			kt_symbol_text_as(out, f->function, f->offset, f->module, true);
			fputs("]\n", out);
		}
		regs_text(out, f->regs);
		fprintf(out, "    (%s)\n", f->proof);
	}
	fputc('\n', out);
}

static void scan_json(FILE *out, const struct kt_stack_scan *s)
{
	static const char *const kinds[] = {"text_from_sp", "text_all", "exception_frames"};
	fprintf(out, "{\"kind\": \"%s\", \"cpu\": ", kinds[s->kind]);
	if (s->cpu >= 0)
		fprintf(out, "%d", s->cpu);
	else
		fputs("null", out);
	fprintf(out, ", \"task\": {\"pid\": %d, \"comm\": ", s->pid);
	kt_json_string(out, s->comm);
	fputs(", \"address\": ", out);
	kt_json_address(out, s->task);
	fputs("}, \"start\": ", out);
	kt_json_address(out, s->start);
	kt_json_key(out, "end");
	kt_json_address(out, s->end);
	kt_json_key(out, "from");
	kt_json_address_or_null(out, s->kind == KT_STACK_SCAN_EXCEPTION_FRAMES ? 0 : s->from);
	fprintf(out, ", \"from_sp\": %s, \"missing\": ", s->from_sp ? "true" : "false");
	kt_json_string(out, s->missing);
	fputs(", \"text\": [", out);
	for (size_t i = 0; i < s->n_text; i++) {
		const struct kt_stack_text_slot *t = &s->text[i];
		fputs(i ? ",\n    {\"slot\": " : "\n    {\"slot\": ", out);
		kt_json_address(out, t->slot);
		kt_json_key(out, "value");
		kt_json_address(out, t->value);
		kt_json_key(out, "function");
		kt_json_string(out, t->function);
		fprintf(out, ", \"offset\": %llu, \"module\": ", (unsigned long long)t->offset);
		kt_json_string(out, t->module);
		fputs(", \"frame\": ", out);
		if (t->frame >= 0)
			fprintf(out, "%d", t->frame);
		else
			fputs("null", out);
		fputs(", \"status\": ", out);
		if (t->in_backtrace)
			fprintf(out, "\"%s\"", kt_frame_status_name(t->status));
		else
			fputs("null", out);
		putc('}', out);
	}
	fputs("], \"frames\": ", out);
	kt_exception_frames_json(out, s->frames, s->n_frames);
	putc('}', out);
}

void kt_stack_scan_render(struct kt_list_writer *w, const struct kt_stack_scan *s)
{
	if (kt_list_item(w))
		scan_json(w->out, s);
	else
		scan_text(w->out, s);
}
