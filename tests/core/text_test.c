// SPDX-License-Identifier: MIT
/* core/text.h against snprintf: the same text for the same numbers, and cut the same way. */
#include <inttypes.h>
#include <stdio.h>

#include "core/text.h"
#include "tap.h"

static const uint64_t values[] = {
	0, 1, 9, 10, 15, 16, 255, 4096, 0x7fffffff, 0xffffffffb365271dull, 0xffffd5680009bed8ull,
	0x8000000000000000ull, UINT64_MAX,
};

int main(void)
{
	char got[64], want[64];
	bool same = true;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t v = values[i];
		for (unsigned int width = 0; width <= 17; width += 1) {
			struct kt_text t = kt_text_start(got, sizeof(got));
			kt_text_hex(&t, v, width);
			snprintf(want, sizeof(want), "%0*" PRIx64, (int)(width > 16 ? 16 : width), v);
			// Widths beyond 16 digits are capped: a 64-bit value has no more.
			if (strcmp(got, want) || t.len != strlen(want)) {
				tap_diag("hex %" PRIx64 " width %u: '%s', want '%s'", v, width, got, want);
				same = false;
			}
		}
		int64_t s = (int64_t)v;
		for (int width = -9; width <= 9; width++) {
			struct kt_text t = kt_text_start(got, sizeof(got));
			kt_text_dec(&t, s, width);
			snprintf(want, sizeof(want), "%*" PRId64, width, s);
			if (strcmp(got, want)) {
				tap_diag("dec %" PRId64 " width %d: '%s', want '%s'", s, width, got, want);
				same = false;
			}
		}
	}
	tap_ok(same, "hex and decimal numbers as printf writes them, every width");

	char small[8];
	struct kt_text t = kt_text_start(small, sizeof(small));
	kt_text_str(&t, "abc");
	kt_text_hex(&t, 0xdeadbeef, 0);
	tap_ok(!strcmp(small, "abcdead") && t.len == 7,
	       "text that does not fit is cut like snprintf ('%s')", small);
	kt_text_str(&t, "more");
	kt_text_dec(&t, -5, 3);
	tap_ok(!strcmp(small, "abcdead") && t.len == 7, "appending to a full buffer changes nothing");

	char one[1];
	t = kt_text_start(one, sizeof(one));
	kt_text_str(&t, "x");
	tap_ok(one[0] == '\0' && t.len == 0, "a one-byte buffer holds only the terminator");
	return tap_done();
}
