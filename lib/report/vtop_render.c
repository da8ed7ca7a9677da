// SPDX-License-Identifier: MIT
/* vtop's translations as text (VIRTUAL PHYSICAL, then the walk level by level) and as JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ktriage.h"
#include "report/json.h"

static const char *size_name(uint64_t size)
{
	return size == 1ull << 30 ? "1GB" : size == 1ull << 21 ? "2MB" : "4KB";
}

static bool last_is_pte(const struct kt_vtop *v)
{
	return v->n_steps && !strcmp(v->steps[v->n_steps - 1].level, "PTE");
}

static void render_text(FILE *out, const struct kt_vtop *v)
{
	fprintf(out, "VIRTUAL           PHYSICAL\n%016" PRIx64 "  ", v->address);
	if (v->mapped)
		fprintf(out, "%" PRIx64 "\n", v->physical);
	else
		fputs("(not mapped)\n", out);
	fprintf(out, "\n%s: %" PRIx64, v->root_source, v->root);
	if (v->user)
		fprintf(out, "  (task %" PRIx64 ")", v->task);
	fputs("\n  LEVEL  TABLE             INDEX  ENTRY ADDRESS     ENTRY\n", out);
	for (size_t i = 0; i < v->n_steps; i++) {
		const struct kt_vtop_step *s = &v->steps[i];
		fprintf(out, "  %-5s  %-16" PRIx64 "  %5u  %-16" PRIx64 "  ", s->level, s->table, s->index,
			s->entry_address);
		if (s->read)
			fprintf(out, "%016" PRIx64 "\n", s->entry);
		else
			fputs("(unreadable)\n", out);
	}
	if (!v->mapped) {
		fprintf(out, "%s\n", v->error ? v->error : "not mapped");
		return;
	}
	char flags[128];
	kt_vtop_flags_text(v->flags, last_is_pte(v), "|", flags, sizeof(flags));
	fprintf(out, "  PAGE: %" PRIx64 "  (%s)\n  FLAGS: %" PRIx64 "  (%s)\n",
		v->physical & ~(v->page_size - 1), size_name(v->page_size), v->flags, flags);
	if (v->page)
		fprintf(out, "  STRUCT PAGE: %" PRIx64 "\n", v->page);
	else
		fputs("  STRUCT PAGE: (none: the frame is above max_pfn)\n", out);
}

static void render_json(FILE *out, const struct kt_vtop *v)
{
	fputs("{\"address\": ", out);
	kt_json_address(out, v->address);
	kt_json_key(out, "user");
	kt_json_bool(out, v->user);
	kt_json_key(out, "task");
	kt_json_address_or_null(out, v->user ? v->task : 0);
	kt_json_key(out, "root");
	kt_json_address(out, v->root);
	kt_json_key(out, "root_source");
	kt_json_string(out, v->root_source);
	fputs(", \"walk\": [", out);
	for (size_t i = 0; i < v->n_steps; i++) {
		const struct kt_vtop_step *s = &v->steps[i];
		fputs(i ? ", {\"level\": " : "{\"level\": ", out);
		kt_json_string(out, s->level);
		kt_json_key(out, "table");
		kt_json_address(out, s->table);
		fprintf(out, ", \"index\": %u", s->index);
		kt_json_key(out, "entry_address");
		kt_json_address(out, s->entry_address);
		kt_json_key(out, "entry");
		if (s->read)
			kt_json_address(out, s->entry);
		else
			fputs("null", out);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_key(out, "mapped");
	kt_json_bool(out, v->mapped);
	kt_json_key(out, "physical");
	if (v->mapped)
		kt_json_address(out, v->physical);
	else
		fputs("null", out);
	kt_json_key(out, "page_size");
	if (v->mapped)
		fprintf(out, "%" PRIu64, v->page_size);
	else
		fputs("null", out);
	kt_json_key(out, "flags");
	char flags[128] = "";
	if (v->mapped) {
		kt_json_address(out, v->flags);
		kt_vtop_flags_text(v->flags, last_is_pte(v), " ", flags, sizeof(flags));
	} else {
		fputs("null", out);
	}
	fputs(", \"flag_names\": [", out);
	for (char *p = flags, *end; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, " ");
		fputs(p == flags ? "" : ", ", out);
		kt_json_string_n(out, p, (size_t)(end - p));
	}
	fputs("]", out);
	kt_json_key(out, "page");
	kt_json_address_or_null(out, v->mapped ? v->page : 0);
	kt_json_error_text_members(out, v->error, v->error_code);
	putc('}', out);
}

void kt_vtop_render(FILE *out, enum kt_format format, const struct kt_vtop *vtops, size_t n)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		fputs(", \"translations\": [", out);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			render_json(out, &vtops[i]);
		}
		fputs("]}\n", out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc('\n', out);
		render_text(out, &vtops[i]);
	}
}
