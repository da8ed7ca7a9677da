// SPDX-License-Identifier: MIT
/* Lists of results written one at a time: the document around them, and their text headers. */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

static const char *const list_keys[] = {
	[KT_LIST_BACKTRACES] = "backtraces", [KT_LIST_EXCEPTION_STACKS] = "stacks",
	[KT_LIST_TASKS] = "tasks",           [KT_LIST_LOG] = "records",
	[KT_LIST_MODULES] = "modules",       [KT_LIST_INSTRUCTIONS] = "instructions",
	[KT_LIST_RAW_STACKS] = "raw_stacks", [KT_LIST_FAMILIES] = "families",
	[KT_LIST_TASK_DETAILS] = "task_details", [KT_LIST_STACK_SCANS] = "stack_scans",
	[KT_LIST_BACKTRACE_GROUPS] = "groups",
	[KT_LIST_TASK_ARGS] = "task_args",
};

void kt_list_begin(struct kt_list_writer *w, FILE *out, enum kt_format format,
		   enum kt_list_kind kind)
{
	*w = (struct kt_list_writer){.out = out, .format = format, .kind = kind};
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, list_keys[kind]);
		putc('[', out);
	} else if (kind == KT_LIST_TASKS) {
		fputs("    PID    PPID CPU        TASK         ST  COMM\n", out);
	} else if (kind == KT_LIST_MODULES) {
		fputs("     MODULE              NAME                      BASE         SIZE  STATE     SYMBOLS  "
		      "DEBUG FILE\n",
		      out);
	}
}

void kt_list_end(struct kt_list_writer *w)
{
	if (w->format == KT_FORMAT_JSON)
		fputs("\n]}\n", w->out);
}

void kt_list_end_incomplete(struct kt_list_writer *w, const struct kt_error *err)
{
	if (w->format != KT_FORMAT_JSON || !err) {
		kt_list_end(w);
		return;
	}
	fputs("\n], \"incomplete\": {\"error\": ", w->out);
	kt_json_string(w->out, kt_error_message(err));
	fputs("}}\n", w->out);
}

bool kt_list_item(struct kt_list_writer *w)
{
	bool json = w->format == KT_FORMAT_JSON;
	if (json)
		fputs(w->n ? ",\n  " : "\n  ", w->out);
	w->n++;
	return json;
}
