// SPDX-License-Identifier: MIT
/*
 * struct -o: a struct's or union's members each after its offset in brackets, as crash prints
 * them ("  [16] struct list_head wait_list;"), or after its address when the object's address is
 * given; anonymous structs and unions nested in place. JSON is whatis's document (the same
 * members with their offsets).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ktriage.h"

struct offsets_style {
	int width;              /* of the bracket column: crash's, the widest offset's + 2 */
	bool has_address;
	uint64_t address;
	const char *only;       /* a member's name: print that member alone */
};

static bool composite(const struct kt_type_description *d)
{
	return d && (d->kind == KT_DESCRIBED_STRUCT || d->kind == KT_DESCRIBED_UNION);
}

static void bracket(FILE *out, const struct offsets_style *st, uint64_t offset)
{
	char b[40];
	if (st->has_address)
		snprintf(b, sizeof(b), "[%" PRIx64 "]", st->address + offset);
	else
		snprintf(b, sizeof(b), "[%" PRIu64 "]", offset);
	fprintf(out, "%*s", st->has_address ? (int)strlen(b) + 2 : st->width, b);
}

static void members_text(FILE *out, const struct kt_type_description *d,
			 const struct offsets_style *st, int indent)
{
	for (size_t i = 0; i < d->n_members; i++) {
		const struct kt_type_member *m = &d->members[i];
		if (st->only && strcmp(m->name, st->only))
			continue;
		if (!*m->name && composite(m->expanded)) {
			// An anonymous struct or union: its members with their own offsets, inside.
			int pad = st->has_address ? 20 : st->width;
			fprintf(out, "%*s %*s%s {\n", pad, "", indent, "",
				m->expanded->kind == KT_DESCRIBED_UNION ? "union" : "struct");
			members_text(out, m->expanded, st, indent + 4);
			fprintf(out, "%*s %*s};\n", pad, "", indent, "");
			continue;
		}
		bracket(out, st, m->offset);
		fprintf(out, " %*s%s", indent, "", m->declaration ? m->declaration : m->name);
		if (m->bit_size)
			fprintf(out, " : %u", m->bit_size);
		fputs(";\n", out);
	}
}

/* The largest offset printed, nested members included. */
static uint64_t widest(const struct kt_type_description *d)
{
	uint64_t max = 0;
	for (size_t i = 0; i < d->n_members; i++) {
		const struct kt_type_member *m = &d->members[i];
		uint64_t o = !*m->name && composite(m->expanded) ? widest(m->expanded) : m->offset;
		if (o > max)
			max = o;
	}
	return max;
}

void kt_offsets_render(FILE *out, enum kt_format format, const struct kt_declaration *decl,
		       const char *member, const uint64_t *address)
{
	if (format != KT_FORMAT_TEXT) {
		kt_declaration_render(out, format, decl);
		return;
	}
	const struct kt_type_description *d = decl->type;
	while (d && d->kind == KT_DESCRIBED_TYPEDEF && d->target)
		d = d->target;
	if (!composite(d)) {
		kt_declaration_render(out, format, decl);
		return;
	}
	char digits[24];
	struct offsets_style st = {.only = member, .has_address = address != NULL,
				   .address = address ? *address : 0};
	st.width = snprintf(digits, sizeof(digits), "%" PRIu64, widest(d)) + 4;
	fprintf(out, "%s {\n", d->name);
	members_text(out, d, &st, 0);
	fputs("}\n", out);
	if (!member)
		fprintf(out, "SIZE: %" PRIu64 "\n", d->size);
}
