// SPDX-License-Identifier: MIT
/* irq as crash prints it, and as one JSON document (docs/json.md). */
#include <string.h>

#include "report/json.h"
#include "report/render.h"

/* crash's mkstring(CENTER|LJUST): s centred in width, the odd space on the right. */
static void centred(FILE *out, const char *s, int width)
{
	int extra = width - (int)strlen(s);
	int left = extra > 0 ? extra / 2 : 0;
	int right = extra > 0 ? extra - left : 0;
	fprintf(out, "%*s%s%*s", left, "", s, right, "");
}

static void row(FILE *out, unsigned int irq, const struct kt_irq *d)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%u", irq);
	centred(out, buf, 5);
	putc(' ', out);
	if (d)
		fprintf(out, "%016llx", (unsigned long long)d->desc);
	else
		centred(out, "(unused)", 16);
	fputs("  ", out);
	if (!d || !d->n_actions) {
		centred(out, "(unused)", 16);
		fputs("  \n", out);
	}
	for (size_t i = 0; d && i < d->n_actions; i++) {
		const struct kt_irq_action *a = &d->actions[i];
		if (i)
			fprintf(out, "%*s", 24, "");  // a shared interrupt's next handler under the first
		fprintf(out, "%016llx  \"", (unsigned long long)a->action);
		if (a->name)
			kt_write_escaped(out, a->name, strlen(a->name));
		fputs("\"\n", out);
	}
	if (d && d->error)
		fprintf(out, "%*s[walk stopped: %s]\n", 24, "", d->error);
}

static void irqs_text(FILE *out, const struct kt_irqs *irqs, long only)
{
	fputs(" IRQ   IRQ_DESC/_DATA      IRQACTION      NAME\n", out);
	size_t next = 0;
	unsigned int first = only >= 0 ? (unsigned int)only : 0;
	unsigned int end = only >= 0 ? first + 1 : irqs->nr_irqs;
	for (unsigned int irq = first; irq < end; irq++) {
		while (next < irqs->n_irqs && irqs->irqs[next].irq < irq)
			next++;
		row(out, irq, next < irqs->n_irqs && irqs->irqs[next].irq == irq ? &irqs->irqs[next] : NULL);
	}
	if (irqs->error)
		fprintf(out, "[walk stopped: %s]\n", irqs->error);
}

static void irqs_json(FILE *out, const struct kt_irqs *irqs)
{
	kt_json_document_begin(out);
	fprintf(out, ", \"nr_irqs\": %u", irqs->nr_irqs);
	kt_json_key(out, "source");
	kt_json_string(out, irqs->source);
	kt_json_key(out, "irqs");
	putc('[', out);
	for (size_t i = 0; i < irqs->n_irqs; i++) {
		const struct kt_irq *d = &irqs->irqs[i];
		fprintf(out, "%s\n  {\"irq\": %u, \"desc\": ", i ? "," : "", d->irq);
		kt_json_address(out, d->desc);
		kt_json_key(out, "actions");
		putc('[', out);
		for (size_t j = 0; j < d->n_actions; j++) {
			const struct kt_irq_action *a = &d->actions[j];
			fputs(j ? ", {\"action\": " : "{\"action\": ", out);
			kt_json_address(out, a->action);
			kt_json_key(out, "name");
			kt_json_string(out, a->name);
			kt_json_key(out, "handler");
			kt_json_address_or_null(out, a->handler);
			kt_json_key(out, "handler_symbol");
			kt_json_string(out, a->handler_name);
			kt_json_key(out, "thread_fn");
			kt_json_address_or_null(out, a->thread_fn);
			putc('}', out);
		}
		putc(']', out);
		kt_json_key(out, "error");
		kt_json_string(out, d->error);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_error_text_members(out, irqs->error, irqs->error_code);
	fputs("}\n", out);
}

void kt_irqs_render(FILE *out, enum kt_format format, const struct kt_irqs *irqs, long irq)
{
	if (format == KT_FORMAT_JSON)
		irqs_json(out, irqs);
	else
		irqs_text(out, irqs, irq);
}
