// SPDX-License-Identifier: MIT
/* search as crash prints it ("ADDR: VALUE", under each task's line for -t), and as JSON. */
#include <inttypes.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

void kt_search_result_render(FILE *out, enum kt_format format, const struct kt_search_result *r)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "hits");
		putc('[', out);
		for (size_t i = 0; i < r->n_hits; i++) {
			const struct kt_search_hit *h = &r->hits[i];
			fputs(i ? ",\n  {\"address\": " : "\n  {\"address\": ", out);
			kt_json_address(out, h->address);
			kt_json_key(out, "value");
			kt_json_address(out, h->value);
			kt_json_key(out, "task");
			if (h->has_task) {
				fprintf(out, "{\"pid\": %d, \"task\": ", h->task.pid);
				kt_json_address(out, h->task.address);
				kt_json_key(out, "comm");
				kt_json_string(out, h->task.comm);
				fprintf(out, ", \"cpu\": %d}", h->task.cpu);
			} else {
				fputs("null", out);
			}
			putc('}', out);
		}
		fprintf(out, "]");
		kt_json_key(out, "bytes_read");
		fprintf(out, "%" PRIu64, r->bytes_read);
		kt_json_key(out, "bytes_unreadable");
		fprintf(out, "%" PRIu64, r->bytes_unreadable);
		kt_json_key(out, "tasks");
		fprintf(out, "%zu", r->n_tasks);
		kt_json_key(out, "vmas");
		fprintf(out, "%zu", r->n_vmas);
		kt_json_key(out, "stopped");
		kt_json_string(out, r->stopped ? r->stop_reason : NULL);
		fputs("}\n", out);
		return;
	}
	uint64_t last_task = 0;
	for (size_t i = 0; i < r->n_hits; i++) {
		const struct kt_search_hit *h = &r->hits[i];
		if (h->has_task && (i == 0 || h->task.address != last_task)) {
			char comm[KT_COMM_TEXT_SIZE];
			fprintf(out, "%sPID: %-7d  TASK: %016" PRIx64 "  CPU: %-3d  COMMAND: \"%s\"\n",
				i ? "\n" : "", h->task.pid, h->task.address, h->task.cpu,
				kt_comm_text(h->task.comm, comm));
			last_task = h->task.address;
		}
		fprintf(out, "%016" PRIx64 ": %016" PRIx64 "\n", h->address, h->value);
	}
	if (r->stopped)
		fprintf(out, "search: stopped (%s) after %" PRIu64 " bytes\n", r->stop_reason,
			r->bytes_read + r->bytes_unreadable);
}
