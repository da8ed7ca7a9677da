// SPDX-License-Identifier: MIT
/* Disassembly (dis) as crash prints it, and as JSON (docs/json.md, "dis"). */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

static const char *const kind_names[] = {
	[KT_INSN_OTHER] = "other", [KT_INSN_CALL] = "call", [KT_INSN_JMP] = "jmp",
	[KT_INSN_JCC] = "jcc",     [KT_INSN_RET] = "ret",
};

/* "\t# EXPRESSION = 0xTARGET <function> [module]" after an indirect call. */
static void resolved_text(FILE *out, const struct kt_call_site *cs)
{
	fprintf(out, "\t# %s", cs->expression[0] ? cs->expression : "?");
	if (!cs->has_target)
		return;
	fprintf(out, " = 0x%016llx", (unsigned long long)cs->target);
	if (cs->target_function)
		fprintf(out, " <%s>", cs->target_function);
	if (cs->target_function && cs->target_module)
		fprintf(out, " [%s]", cs->target_module);
}

static void item_text(FILE *out, const struct kt_dis_item *it)
{
	const struct kt_dis_line *l = it->line;
	if (it->lines && !it->source && it->new_unavailable)
		fprintf(out, "(no source line: %s)\n", it->source_unavailable);
	// As crash's dis -l: the line where it changes, above its first instruction.
	if (it->source && it->new_line)
		fprintf(out, "%s: %u\n", it->source->file, it->source->line);
	fprintf(out, "0x%016llx", (unsigned long long)l->address);
	if (l->symbol && l->offset)
		fprintf(out, " <%s+%llu>", l->symbol, (unsigned long long)l->offset);
	else if (l->symbol)
		fprintf(out, " <%s>", l->symbol);
	fprintf(out, ":\t%s", l->text);
	if (it->call_site)
		resolved_text(out, it->call_site);
	putc('\n', out);
}

static void item_json(FILE *out, const struct kt_dis_item *it)
{
	const struct kt_dis_line *l = it->line;
	fprintf(out, "{\"address\": \"0x%016llx\", \"symbol\": ", (unsigned long long)l->address);
	if (l->symbol) {
		kt_json_string(out, l->symbol);
		fprintf(out, ", \"offset\": %llu", (unsigned long long)l->offset);
	} else {
		fputs("null, \"offset\": null", out);
	}
	fputs(", \"bytes\": \"", out);
	for (unsigned int i = 0; i < l->length; i++)
		fprintf(out, "%s%02x", i ? " " : "", l->bytes[i]);
	fputs("\", \"text\": ", out);
	kt_json_string(out, l->text);
	fprintf(out, ", \"kind\": \"%s\", \"target\": ", kind_names[l->kind]);
	if (l->has_target)
		kt_json_address(out, l->target);
	else
		fputs("null", out);
	if (it->call_site) {
		fputs(", \"call_site\": ", out);
		kt_call_site_json(out, it->call_site);
	}
	if (it->lines) {
		fputs(", \"source\": ", out);
		if (it->source) {
			fputs("{\"file\": ", out);
			kt_json_string(out, it->source->file);
			fprintf(out, ", \"line\": %u}", it->source->line);
		} else {
			fputs("null, \"source_unavailable\": ", out);
			kt_json_string(out, it->source_unavailable);
		}
	}
	putc('}', out);
}

void kt_dis_item_render(struct kt_list_writer *w, const struct kt_dis_item *item)
{
	if (kt_list_item(w))
		item_json(w->out, item);
	else
		item_text(w->out, item);
}
