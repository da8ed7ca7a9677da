// SPDX-License-Identifier: MIT
/* sym -l, sym -m MODULE, sym PATTERN: symbol lines as crash prints them, and JSON (docs/json.md). */
#include <stdlib.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

void kt_symbol_list_render(FILE *out, enum kt_format format, const struct kt_symbol_list *list)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "module");
		kt_json_string(out, list->module);
		kt_json_key(out, "module_start");
		kt_json_address_or_null(out, list->module ? list->module_start : 0);
		kt_json_key(out, "module_end");
		kt_json_address_or_null(out, list->module ? list->module_end : 0);
		kt_json_key(out, "symbols");
		putc('[', out);
		for (size_t i = 0; i < list->n; i++) {
			const struct kt_symbol_entry *e = &list->symbols[i];
			fputs(i ? ",\n  {\"address\": " : "\n  {\"address\": ", out);
			kt_json_address(out, e->address);
			fprintf(out, ", \"type\": \"%c\", \"name\": ", e->type >= 0x21 && e->type < 0x7f ? e->type : '?');
			kt_json_string(out, e->name);
			kt_json_key(out, "module");
			kt_json_string(out, e->module);
			putc('}', out);
		}
		fputs("\n]}\n", out);
		return;
	}
	if (list->module)
		fprintf(out, "%016llx MODULE START: %s\n", (unsigned long long)list->module_start, list->module);
	for (size_t i = 0; i < list->n; i++) {
		const struct kt_symbol_entry *e = &list->symbols[i];
		char *name = kt_escaped_dup(e->name);
		fprintf(out, "%016llx (%c) %s", (unsigned long long)e->address,
			e->type >= 0x21 && e->type < 0x7f ? e->type : '?', name ? name : "?");
		free(name);
		if (e->module && !list->module)
			fprintf(out, " [%s]", e->module);
		putc('\n', out);
	}
	if (list->module)
		fprintf(out, "%016llx MODULE END: %s\n", (unsigned long long)list->module_end, list->module);
}
