// SPDX-License-Identifier: MIT
/*
 * bt -g: one group of alike backtraces: how many tasks, which (PID and command), and the frames
 * they share with each frame's status; or as JSON (docs/json.md, "bt -g").
 */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

enum { TEXT_TASKS_MAX = 64 };  /* tasks named in a group's text; JSON lists all */

static void group_text(FILE *out, const struct kt_backtrace_group *g,
		       const struct kt_backtrace_render_options *o)
{
	const struct kt_backtrace *bt = g->backtrace;
	char comm[KT_COMM_TEXT_SIZE];
	fprintf(out, "%zu task%s:", g->n_tasks, g->n_tasks == 1 ? "" : "s");
	for (size_t i = 0; i < g->n_tasks && i < TEXT_TASKS_MAX; i++)
		fprintf(out, "%s %d (%s)", i ? "," : "", g->tasks[i].pid,
			kt_comm_text(g->tasks[i].comm, comm));
	if (g->n_tasks > TEXT_TASKS_MAX)
		fprintf(out, ", and %zu more", g->n_tasks - TEXT_TASKS_MAX);
	fputc('\n', out);
	for (size_t i = 0; i < bt->n_frames; i++) {
		const struct kt_frame *f = &bt->frames[i];
		fprintf(out, " #%-2zu ", i);
		if (f->function) {
			fputs(f->function, out);
			if (f->module)
				fprintf(out, " [%s]", f->module);
		} else {
			fprintf(out, "? at %016llx", (unsigned long long)f->pc);
		}
		fprintf(out, "  %s\n", kt_frame_status_name(f->status));
		if (o->reasons || f->status != KT_FRAME_VERIFIED)
			fprintf(out, "       (in PID %d) %s\n", bt->pid, f->reason);
	}
	if (bt->note[0])
		fprintf(out, "  (%s)\n", bt->note);
	fputc('\n', out);
}

static void group_json(FILE *out, const struct kt_backtrace_group *g)
{
	const struct kt_backtrace *bt = g->backtrace;
	fprintf(out, "{\"count\": %zu, \"tasks\": [", g->n_tasks);
	for (size_t i = 0; i < g->n_tasks; i++) {
		const struct kt_backtrace_group_task *t = &g->tasks[i];
		fprintf(out, "%s{\"pid\": %d, \"comm\": ", i ? ", " : "", t->pid);
		kt_json_string(out, t->comm);
		fputs(", \"address\": ", out);
		kt_json_address(out, t->task);
		fputs(", \"cpu\": ", out);
		if (t->cpu >= 0)
			fprintf(out, "%d}", t->cpu);
		else
			fputs("null}", out);
	}
	fprintf(out, "], \"note_code\": \"%s\", \"frames\": [", kt_stop_code_name(bt->note_code));
	for (size_t i = 0; i < bt->n_frames; i++) {
		const struct kt_frame *f = &bt->frames[i];
		fputs(i ? ", {\"function\": " : "{\"function\": ", out);
		kt_json_string(out, f->function);
		kt_json_key(out, "module");
		kt_json_string(out, f->module);
		fputs(", \"pc\": ", out);
		// The pc only identifies a frame without a symbol; with one it is the first task's.
		kt_json_address_or_null(out, f->function ? 0 : f->pc);
		fprintf(out, ", \"status\": \"%s\"}", kt_frame_status_name(f->status));
	}
	fputs("], \"backtrace\": ", out);
	kt_backtrace_json(out, bt);
	putc('}', out);
}

void kt_backtrace_group_render(struct kt_list_writer *w, const struct kt_backtrace_group *g,
			       const struct kt_backtrace_render_options *opts)
{
	static const struct kt_backtrace_render_options none;
	if (kt_list_item(w))
		group_json(w->out, g);
	else
		group_text(w->out, g, opts ? opts : &none);
}
