// SPDX-License-Identifier: MIT
/* sig as crash prints it (crash's task.c, dump_signal_data()), and as one JSON document. */
#include "report/json.h"
#include "report/render.h"

/* include/uapi/asm-generic/signal-defs.h and arch/x86/include/uapi/asm/signal.h, in the order
 * crash names them. */
static const struct {
	uint64_t bit;
	const char *name;
} sa_flags[] = {
	{0x00000001, "SA_NOCLDSTOP"}, {0x04000000, "SA_RESTORER"}, {0x00000002, "SA_NOCLDWAIT"},
	{0x00000004, "SA_SIGINFO"}, {0x08000000, "SA_ONSTACK"}, {0x10000000, "SA_RESTART"},
	{0x40000000, "SA_NODEFER"}, {0x80000000, "SA_RESETHAND"},
};

static void action_text(FILE *out, size_t i, const struct kt_sigaction *a)
{
	char handler[32];
	if (a->handler == UINT64_MAX)
		snprintf(handler, sizeof(handler), "SIG_ERR");
	else if (a->handler <= 1)
		snprintf(handler, sizeof(handler), a->handler ? "SIG_IGN" : "SIG_DFL");
	else
		snprintf(handler, sizeof(handler), "%llx", (unsigned long long)a->handler);
	fprintf(out, "%s[%zu] %-10llx %10s %016llx %llx ", i + 1 < 10 ? " " : "", i + 1,
		(unsigned long long)a->address, handler, (unsigned long long)a->mask,
		(unsigned long long)a->flags);
	int n = 0;
	for (size_t f = 0; f < sizeof(sa_flags) / sizeof(sa_flags[0]); f++)
		if (a->flags & sa_flags[f].bit)
			fprintf(out, "%s%s", n++ ? "|" : "(", sa_flags[f].name);
	if (n)
		putc(')', out);
	putc('\n', out);
}

static void queue_text(FILE *out, const struct kt_sigqueued *q, size_t n)
{
	if (!n) {
		fputs("  SIGQUEUE: (empty)\n", out);
		return;
	}
	fputs("  SIGQUEUE:  SIG      SIGINFO     \n", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "             %3d  %llx\n", q[i].signo, (unsigned long long)q[i].info);
}

static void signals_text(FILE *out, const struct kt_signals *s)
{
	kt_crash_task_header(out, &s->task);
	fprintf(out, "SIGNAL_STRUCT: %llx  ", (unsigned long long)s->signal_struct);
	if (!s->signal_struct) {
		putc('\n', out);
	} else {
		fprintf(out, "NR_THREADS: %d\n", s->nr_threads);
		fputs(" SIG    SIGACTION        HANDLER       MASK       FLAGS           \n", out);
		for (size_t i = 0; i < s->n_actions; i++)
			action_text(out, i, &s->actions[i]);
	}
	fprintf(out, "SIGPENDING: %s\n", s->sigpending ? "yes" : "no");
	fprintf(out, "   BLOCKED: %016llx\n", (unsigned long long)s->blocked);
	fputs("PRIVATE_PENDING\n", out);
	fprintf(out, "    SIGNAL: %016llx\n", (unsigned long long)s->private_signal);
	queue_text(out, s->private_queue, s->n_private);
	if (s->signal_struct) {
		fputs("SHARED_PENDING\n", out);
		fprintf(out, "    SIGNAL: %016llx\n", (unsigned long long)s->shared_signal);
		queue_text(out, s->shared_queue, s->n_shared);
	}
	if (s->error)
		fprintf(out, "[walk stopped: %s]\n", s->error);
}

static void queue_json(FILE *out, const char *key, const struct kt_sigqueued *q, size_t n)
{
	kt_json_key(out, key);
	putc('[', out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s{\"signo\": %d, \"info\": ", i ? ", " : "", q[i].signo);
		kt_json_address(out, q[i].info);
		putc('}', out);
	}
	putc(']', out);
}

static void signals_json(FILE *out, const struct kt_signals *s)
{
	kt_json_document_begin(out);
	kt_json_key(out, "task");
	kt_crash_task_json(out, &s->task);
	kt_json_key(out, "signal_struct");
	kt_json_address_or_null(out, s->signal_struct);
	fprintf(out, ", \"nr_threads\": %d", s->nr_threads);
	kt_json_key(out, "sighand");
	kt_json_address_or_null(out, s->sighand);
	kt_json_key(out, "actions");
	putc('[', out);
	for (size_t i = 0; i < s->n_actions; i++) {
		const struct kt_sigaction *a = &s->actions[i];
		fprintf(out, "%s\n  {\"signal\": %zu, \"sigaction\": ", i ? "," : "", i + 1);
		kt_json_address(out, a->address);
		fprintf(out, ", \"handler\": \"0x%llx\", \"mask\": \"0x%016llx\", \"flags\": \"0x%llx\"}",
			(unsigned long long)a->handler, (unsigned long long)a->mask,
			(unsigned long long)a->flags);
	}
	putc(']', out);
	fprintf(out, ", \"sigpending\": %s, \"blocked\": \"0x%016llx\", \"private_signal\": \"0x%016llx\"",
		s->sigpending ? "true" : "false", (unsigned long long)s->blocked,
		(unsigned long long)s->private_signal);
	queue_json(out, "private_queue", s->private_queue, s->n_private);
	fprintf(out, ", \"shared_signal\": \"0x%016llx\"", (unsigned long long)s->shared_signal);
	queue_json(out, "shared_queue", s->shared_queue, s->n_shared);
	kt_json_error_text_members(out, s->error, s->error_code);
	fputs("}\n", out);
}

void kt_signals_render(FILE *out, enum kt_format format, const struct kt_signals *signals)
{
	if (format == KT_FORMAT_JSON)
		signals_json(out, signals);
	else
		signals_text(out, signals);
}
