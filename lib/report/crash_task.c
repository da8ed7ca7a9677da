// SPDX-License-Identifier: MIT
/* The task header crash prints above files, sig and vm, and the task in JSON. */
#include "report/json.h"
#include "report/render.h"

void kt_crash_task_header(FILE *out, const struct kt_task *t)
{
	char comm[KT_COMM_TEXT_SIZE];
	fprintf(out, "PID: %-8d TASK: %016llx  CPU: %-4d COMMAND: \"%s\"\n", t->pid,
		(unsigned long long)t->address, t->cpu, kt_comm_text(t->comm, comm));
}

void kt_crash_task_json(FILE *out, const struct kt_task *t)
{
	fprintf(out, "{\"pid\": %d, \"tgid\": %d, \"ppid\": %d, \"cpu\": %d, \"task\": \"0x%016llx\", "
		"\"state\": \"%s\", \"comm\": ", t->pid, t->tgid, t->ppid, t->cpu,
		(unsigned long long)t->address, t->state_name);
	kt_json_string(out, t->comm);
	putc('}', out);
}
