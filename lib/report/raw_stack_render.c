// SPDX-License-Identifier: MIT
/* bt -r: a task's header as bt prints it, then its stack as rd -s prints memory; or as JSON. */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

void kt_raw_stack_render(struct kt_list_writer *w, const struct kt_raw_stack *s)
{
	FILE *out = w->out;
	const struct kt_task *t = &s->task;
	if (!kt_list_item(w)) {
		if (w->n > 1)
			putc('\n', out);
		fprintf(out, "PID: %-7d TASK: %016llx  CPU: %-3d COMMAND: \"%s\"\n", t->pid,
			(unsigned long long)t->address, t->cpu, t->comm);
		kt_memory_rows_text(out, s->rows);
		if (s->rows->error)
			fprintf(out, "  (stack ends here: %s)\n", s->rows->error);
		return;
	}
	fprintf(out, "{\"pid\": %d, \"task\": \"0x%016llx\", \"cpu\": %d, \"comm\": ", t->pid,
		(unsigned long long)t->address, t->cpu);
	kt_json_string(out, t->comm);
	fprintf(out, ", \"stack_base\": \"0x%016llx\", \"stack_size\": %llu",
		(unsigned long long)s->base, (unsigned long long)s->size);
	kt_memory_rows_json_members(out, s->rows);
	putc('}', out);
}
