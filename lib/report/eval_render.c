// SPDX-License-Identifier: MIT
/* eval's value in every base, as crash's eval prints it, and as JSON. */
#include <inttypes.h>
#include <stdio.h>

#include "ktriage.h"
#include "report/json.h"

/* "1KB", "3MB", "1GB" for a whole number of them, as crash adds after the hexadecimal. */
static const char *size_text(uint64_t v, char *buf, size_t size)
{
	static const struct {
		int shift;
		const char *unit;
	} units[] = {{30, "GB"}, {20, "MB"}, {10, "KB"}};
	if (!v)
		return NULL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t one = 1ull << units[i].shift;
		if (!(v & (one - 1))) {
			snprintf(buf, size, "%" PRIu64 "%s", v >> units[i].shift, units[i].unit);
			return buf;
		}
	}
	return NULL;
}

static void binary(FILE *out, uint64_t v)
{
	for (int bit = 63; bit >= 0; bit--)
		putc(v >> bit & 1 ? '1' : '0', out);
}

void kt_eval_render(FILE *out, enum kt_format format, const struct kt_eval_result *r, bool bits)
{
	char size[32];
	const char *sz = size_text(r->value, size, sizeof(size));
	bool negative = r->value >> 63;
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		fprintf(out, ", \"value\": \"0x%" PRIx64 "\", \"decimal\": \"%" PRIu64 "\", \"signed\": \"%" PRId64
			"\", \"octal\": \"%" PRIo64 "\", \"binary\": \"", r->value, r->value, (int64_t)r->value,
			r->value);
		binary(out, r->value);
		fputs("\", \"size\": ", out);
		if (sz)
			kt_json_string(out, sz);
		else
			fputs("null", out);
		fputs(", \"bits_set\": [", out);
		for (int bit = 63, n = 0; bit >= 0; bit--)
			if (r->value >> bit & 1)
				fprintf(out, "%s%d", n++ ? ", " : "", bit);
		fputs("]}\n", out);
		return;
	}
	fprintf(out, "hexadecimal: %" PRIx64 "  ", r->value);
	if (sz)
		fprintf(out, "(%s)", sz);
	fprintf(out, "\n    decimal: %" PRIu64 "  ", r->value);
	if (negative)
		fprintf(out, "(%" PRId64 ")", (int64_t)r->value);
	fprintf(out, "\n      octal: %" PRIo64 "\n     binary: ", r->value);
	binary(out, r->value);
	putc('\n', out);
	if (bits) {
		fputs("   bits set: ", out);
		for (int bit = 63; bit >= 0; bit--)
			if (r->value >> bit & 1)
				fprintf(out, "%d ", bit);
		putc('\n', out);
	}
}
