// SPDX-License-Identifier: MIT
/* swap as crash prints it, and as one JSON document (docs/json.md). */
#include <string.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

/* crash's mkstring(CENTER|RJUST): the odd space on the left. */
static void centered(FILE *out, const char *s, int width)
{
	int extra = width - (int)strlen(s);
	if (extra <= 0) {
		fputs(s, out);
		return;
	}
	int left = extra / 2 + extra % 2;
	fprintf(out, "%*s%s%*s", left, "", s, extra - left, "");
}

static void area_text(FILE *out, const struct kt_swap *s, const struct kt_swap_area *a)
{
	unsigned long long kb = a->pages * (s->page_size / 1024), used = a->inuse_pages * (s->page_size / 1024);
	char addr[32], size[32], use[32], pct[16];
	snprintf(addr, sizeof(addr), "%llx", (unsigned long long)a->swap_info_struct);
	snprintf(size, sizeof(size), "%lluk", kb);
	snprintf(use, sizeof(use), "%lluk", used);
	snprintf(pct, sizeof(pct), "%2llu%%", kb ? used * 100 / kb : 0);
	fprintf(out, "%-16s  %s ", addr, a->partition ? "PARTITION" : "  FILE   ");
	centered(out, size, 10);
	putc(' ', out);
	centered(out, use, 10);
	putc(' ', out);
	centered(out, pct, 4);
	fprintf(out, " %4d  %s\n", a->prio, a->path ? a->path : "(unknown)");
	if (a->error)
		fprintf(out, "  [%s]\n", a->error);
}

void kt_swap_render(FILE *out, enum kt_format format, const struct kt_swap *s)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		fprintf(out, ", \"nr_swapfiles\": %u, \"page_size\": %u", s->nr_swapfiles, s->page_size);
		kt_json_key(out, "areas");
		putc('[', out);
		for (size_t i = 0; i < s->n_areas; i++) {
			const struct kt_swap_area *a = &s->areas[i];
			fputs(i ? ",\n  {\"swap_info_struct\": " : "\n  {\"swap_info_struct\": ", out);
			kt_json_address(out, a->swap_info_struct);
			fprintf(out, ", \"type\": %d, \"partition\": %s, \"pages\": %llu, \"inuse_pages\": %llu, "
				"\"prio\": %d", a->type, a->partition ? "true" : "false",
				(unsigned long long)a->pages, (unsigned long long)a->inuse_pages, a->prio);
			kt_json_key(out, "path");
			kt_json_string(out, a->path);
			kt_json_key(out, "error");
			kt_json_string(out, a->error);
			putc('}', out);
		}
		fputs("]}\n", out);
		return;
	}
	fputs("SWAP_INFO_STRUCT    TYPE       SIZE       USED     PCT  PRI  FILENAME\n", out);
	for (size_t i = 0; i < s->n_areas; i++)
		area_text(out, s, &s->areas[i]);
	if (!s->nr_swapfiles)
		fputs("(no swap configured: nr_swapfiles is 0)\n", out);
	else if (!s->n_areas)
		fprintf(out, "(no swap in use: none of the %u swap_info entries is SWP_USED)\n", s->nr_swapfiles);
}
