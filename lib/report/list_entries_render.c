// SPDX-License-Identifier: MIT
/*
 * list as crash prints it: each entry's address (16 hex digits, no 0x), then with -s its value
 * as `struct` prints one; a walk that ended early ends with why. JSON: docs/json.md, "list".
 */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

void kt_list_entries_render(FILE *out, enum kt_format format, const struct kt_list_entries *l)
{
	if (format == KT_FORMAT_TEXT) {
		if (!l->n && !l->stop)
			fputs("(empty)\n", out);  // as crash says of a list_head with no entries
		for (size_t i = 0; i < l->n; i++) {
			fprintf(out, "%016llx\n", (unsigned long long)l->entries[i]);
			if (l->values)
				kt_value_render(out, KT_FORMAT_TEXT, l->values[i]);
		}
		if (l->stop)
			fprintf(out, "[walk stopped: %s]\n", l->stop);
		return;
	}
	kt_json_document_begin(out);
	kt_json_key(out, "entries");
	putc('[', out);
	for (size_t i = 0; i < l->n; i++) {
		fputs(i ? ",\n  {\"address\": " : "\n  {\"address\": ", out);
		kt_json_address(out, l->entries[i]);
		if (l->values) {
			fputs(", \"value\": ", out);
			kt_value_json(out, l->values[i]);
		}
		putc('}', out);
	}
	fputs("]", out);
	kt_json_key(out, "stop");
	kt_json_string(out, l->stop);
	kt_json_key(out, "stop_code");
	if (l->stop)
		fprintf(out, "\"%s\"", kt_error_code_name(l->stop_code));
	else
		fputs("null", out);
	fputs("}\n", out);
}
