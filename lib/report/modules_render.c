// SPDX-License-Identifier: MIT
/* Modules (mod) and symbol lookups (sym), as text like crash's and as JSON (docs/json.md). */
#include <string.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

static const char *const module_states[] = {"live", "coming", "going", "unformed"};

static const char *const debug_states[] = {
	[KT_MODULE_DEBUG_NOT_SEARCHED] = "not_searched",
	[KT_MODULE_DEBUG_LOADED] = "loaded",
	[KT_MODULE_DEBUG_NONE] = "none",
};

static void debug_text(FILE *out, const struct kt_module_debug *d)
{
	if (d->state == KT_MODULE_DEBUG_LOADED)
		fprintf(out, "  %s", d->path);
	else if (d->state == KT_MODULE_DEBUG_NONE)
		fprintf(out, "  (none: %s)", d->reason ? d->reason : "unknown");
	else
		fputs("  (not searched yet)", out);
}

static void debug_json(FILE *out, const struct kt_module_debug *d)
{
	fprintf(out, ", \"debug\": {\"status\": \"%s\", \"file\": ",
		d->state < 3 ? debug_states[d->state] : "?");
	kt_json_string(out, d->path);
	kt_json_key(out, "checked");
	kt_json_string(out, d->checked);
	kt_json_key(out, "reason");
	kt_json_string(out, d->reason);
	kt_json_key(out, "build_id");
	kt_json_string(out, d->build_id);
	putc('}', out);
}

void kt_module_render(struct kt_list_writer *w, const struct kt_module_info *m,
		      const struct kt_module_debug *debug)
{
	FILE *out = w->out;
	const char *state = m->state < 4 ? module_states[m->state] : "?";
	if (!kt_list_item(w)) {
		fprintf(out, "%016llx  %-20s  %016llx  %8llu  %-8s  ", (unsigned long long)m->address,
			m->name, (unsigned long long)m->base, (unsigned long long)m->size, state);
		if (m->symbols_error)
			fprintf(out, "%-*s", debug ? 7 : 0, "?");
		else
			fprintf(out, "%-*zu", debug ? 7 : 0, m->n_symbols);
		if (debug)
			debug_text(out, debug);
		if (m->symbols_error) {
			fputs("  (symbols unreadable: ", out);
			kt_write_escaped(out, m->symbols_error, strlen(m->symbols_error));
			putc(')', out);
		}
		putc('\n', out);
		return;
	}
	fprintf(out, "{\"module\": \"0x%016llx\", \"name\": ", (unsigned long long)m->address);
	kt_json_string(out, m->name);
	fprintf(out, ", \"base\": \"0x%016llx\", \"size\": %llu, \"state\": \"%s\", \"symbols\": %zu",
		(unsigned long long)m->base, (unsigned long long)m->size, state, m->n_symbols);
	if (m->symbols_error) {
		kt_json_key(out, "symbols_error");
		kt_json_string(out, m->symbols_error);
	}
	if (debug)
		debug_json(out, debug);
	putc('}', out);
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

void kt_module_taints_render(FILE *out, enum kt_format format, const struct kt_module_taint *taints,
			     size_t n)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "modules");
		putc('[', out);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", out);
			kt_json_string(out, taints[i].name);
			kt_json_key(out, "module");
			kt_json_address(out, taints[i].module);
			fprintf(out, ", \"taints\": %llu", (unsigned long long)taints[i].taints);
			kt_json_key(out, "letters");
			kt_json_string(out, taints[i].letters);
			kt_json_key(out, "flags");
			kt_json_string(out, taints[i].names);
			putc('}', out);
		}
		fputs("\n]}\n", out);
		return;
	}
	int width = 4;
	size_t tainted = 0;
	for (size_t i = 0; i < n; i++) {
		if (!taints[i].taints)
			continue;
		int w = (int)strlen(taints[i].name);
		width = w > width ? w : width;
		tainted++;
	}
	if (!tainted) {
		fputs("no tainted modules\n", out);
		return;
	}
	fprintf(out, "%-*s  TAINTS\n", width, "NAME");
	for (size_t i = 0; i < n; i++)
		if (taints[i].taints)
			fprintf(out, "%-*s  %s\n", width, taints[i].name, taints[i].letters);
}
