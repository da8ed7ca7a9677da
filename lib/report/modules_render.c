// SPDX-License-Identifier: MIT
/* Modules (mod) and symbol lookups (sym), as text like crash's and as JSON (docs/json.md). */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

static const char *const module_states[] = {"live", "coming", "going", "unformed"};

void kt_module_render(struct kt_list_writer *w, const struct kt_module_info *m)
{
	FILE *out = w->out;
	const char *state = m->state < 4 ? module_states[m->state] : "?";
	if (!kt_list_item(w)) {
		fprintf(out, "%016llx  %-20s  %016llx  %8llu  %-8s  %zu\n", (unsigned long long)m->address,
			m->name, (unsigned long long)m->base, (unsigned long long)m->size, state,
			m->n_symbols);
		return;
	}
	fprintf(out, "{\"module\": \"0x%016llx\", \"name\": ", (unsigned long long)m->address);
	kt_json_string(out, m->name);
	fprintf(out, ", \"base\": \"0x%016llx\", \"size\": %llu, \"state\": \"%s\", \"symbols\": %zu}",
		(unsigned long long)m->base, (unsigned long long)m->size, state, m->n_symbols);
}

void kt_symbol_render(FILE *out, enum kt_format format, const struct kt_symbol_lookup *sym)
{
	const char *mod = sym->module;
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "address");
		kt_json_address(out, sym->address);
		kt_json_key(out, "symbol");
		kt_json_string(out, sym->name);
		fprintf(out, ", \"offset\": %llu, \"module\": ", (unsigned long long)sym->offset);
		kt_json_string(out, mod);
		fputs("}\n", out);
	} else if (sym->offset) {
		fprintf(out, "%016llx (%s+%llu)%s%s%s\n", (unsigned long long)sym->address, sym->name,
			(unsigned long long)sym->offset, mod ? " [" : "", mod ? mod : "", mod ? "]" : "");
	} else {
		fprintf(out, "%016llx %s%s%s%s\n", (unsigned long long)sym->address, sym->name,
			mod ? " [" : "", mod ? mod : "", mod ? "]" : "");
	}
}
