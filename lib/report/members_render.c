// SPDX-License-Identifier: MIT
/* member-at: the members that cover a byte offset of a type, as text and as JSON (docs/json.md). */
#include "ktriage.h"
#include "report/json.h"

static void members_json(FILE *out, const char *type, uint64_t offset, const struct kt_member_at *m,
			 size_t n)
{
	kt_json_document_begin(out);
	kt_json_key(out, "type");
	kt_json_string(out, type);
	fprintf(out, ", \"offset\": %llu, \"members\": [", (unsigned long long)offset);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s\n    {\"path\": ", i ? "," : "");
		kt_json_string(out, m[i].path);
		fprintf(out, ", \"offset\": %llu, \"size\": %llu, \"type\": ", (unsigned long long)m[i].offset,
			(unsigned long long)m[i].size);
		kt_json_string(out, m[i].type);
		if (m[i].bit_size)
			fprintf(out, ", \"bit_offset\": %u, \"bit_size\": %u", m[i].bit_offset, m[i].bit_size);
		if (m[i].padding)
			fputs(", \"padding\": true", out);
		fputs("}", out);
	}
	fputs("\n  ]\n}\n", out);
}

/* "  arch.regs[2]  (unsigned long, size 8)"; a member that starts before offset names how far in
 * offset is; a hole names the member it follows. */
static void members_text(FILE *out, const char *type, uint64_t offset, const struct kt_member_at *m,
			 size_t n)
{
	fprintf(out, "%s + 0x%llx:\n", type, (unsigned long long)offset);
	for (size_t i = 0; i < n; i++) {
		const char *path = *m[i].path ? m[i].path : type;
		if (m[i].padding)
			fprintf(out, "  padding after %s  (in %s: %llu bytes at 0x%llx)\n", path, m[i].type,
				(unsigned long long)m[i].size, (unsigned long long)m[i].offset);
		else if (m[i].bit_size)
			fprintf(out, "  %s  (%s : %u, bit %u of the byte at 0x%llx)\n", path, m[i].type,
				m[i].bit_size, m[i].bit_offset, (unsigned long long)m[i].offset);
		else if (offset == m[i].offset)
			fprintf(out, "  %s  (%s, size %llu)\n", path, m[i].type,
				(unsigned long long)m[i].size);
		else
			fprintf(out, "  %s + 0x%llx  (%s, size %llu, at 0x%llx)\n", path,
				(unsigned long long)(offset - m[i].offset), m[i].type,
				(unsigned long long)m[i].size, (unsigned long long)m[i].offset);
	}
}

void kt_members_at_render(FILE *out, enum kt_format format, const char *type, uint64_t offset,
			  const struct kt_member_at *members, size_t n)
{
	if (format == KT_FORMAT_JSON)
		members_json(out, type, offset, members, n);
	else
		members_text(out, type, offset, members, n);
}
