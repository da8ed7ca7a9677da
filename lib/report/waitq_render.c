// SPDX-License-Identifier: MIT
/* waitq as crash prints it (kernel.c, dump_waitq()), and as one JSON document. */
#include "report/json.h"
#include "report/render.h"

void kt_waitq_render(FILE *out, enum kt_format format, const char *name, const struct kt_waitq *q)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "name");
		kt_json_string(out, name);
		kt_json_key(out, "head");
		kt_json_address(out, q->head);
		kt_json_key(out, "kind");
		kt_json_string(out, q->simple ? "swait_queue_head" : "wait_queue_head");
		kt_json_key(out, "entries");
		putc('[', out);
		for (size_t i = 0; i < q->n_entries; i++) {
			const struct kt_waitq_entry *e = &q->entries[i];
			fprintf(out, "%s\n  {\"entry\": ", i ? "," : "");
			kt_json_address(out, e->entry);
			kt_json_key(out, "private");
			kt_json_address_or_null(out, e->private);
			kt_json_key(out, "task");
			if (e->is_task)
				kt_crash_task_json(out, &e->task);
			else
				fputs("null", out);
			putc('}', out);
		}
		fputs("]", out);
		kt_json_error_text_members(out, q->error, q->error_code);
		fputs("}\n", out);
		return;
	}
	if (!q->n_entries && !q->error) {
		if (name)
			fprintf(out, "wait queue \"%s\" (%llx) is empty\n", name, (unsigned long long)q->head);
		else
			fprintf(out, "wait queue %llx is empty\n", (unsigned long long)q->head);
	}
	char comm[KT_COMM_TEXT_SIZE];
	for (size_t i = 0; i < q->n_entries; i++) {
		const struct kt_waitq_entry *e = &q->entries[i];
		if (e->is_task)
			fprintf(out, "PID: %-7d  TASK: %llx  CPU: %-3d  COMMAND: \"%s\"\n", e->task.pid,
				(unsigned long long)e->task.address, e->task.cpu, kt_comm_text(e->task.comm, comm));
		else
			fprintf(out, "ENTRY: %llx  PRIVATE: %llx  (not a task)\n", (unsigned long long)e->entry,
				(unsigned long long)e->private);
	}
	if (q->error)
		fprintf(out, "[walk stopped: %s]\n", q->error);
}
