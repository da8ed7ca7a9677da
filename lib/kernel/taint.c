// SPDX-License-Identifier: MIT
/* tainted_mask and its letters, as the kernel's print_tainted() shows them. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/taint.h"

static const struct {
	unsigned int bit;
	char letter;
	const char *name;
} flags[] = {
#define X(bit, letter, name, source) {bit, letter, name},
#include "kernel/taint.def"
#undef X
};

struct kt_error *kt_taint_read(struct kt_program *prog, uint64_t *ret)
{
	struct kt_object obj;
	struct kt_error *err = kt_object_from_symbol(prog, "tainted_mask", &obj);
	if (!err)
		err = kt_object_read_unsigned(&obj, ret);
	return err ? kt_error_prefix(err, "tainted_mask") : NULL;
}

void kt_taint_decode(uint64_t mask, char *letters, size_t letters_size, char *names, size_t names_size)
{
	size_t nl = 0, nn = 0;
	letters[0] = names[0] = '\0';
	for (unsigned int bit = 0; bit < 64; bit++) {
		if (!(mask >> bit & 1))
			continue;
		const char *name = NULL;
		char letter = '?';
		for (size_t i = 0; i < KT_ARRAY_SIZE(flags); i++)
			if (flags[i].bit == bit)
				name = flags[i].name, letter = flags[i].letter;
		if (nl + 1 < letters_size) {
			letters[nl++] = letter;
			letters[nl] = '\0';
		}
		char unknown[16];
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit %u", bit);
			name = unknown;
		}
		if (nn < names_size)
			nn += (size_t)snprintf(names + nn, names_size - nn, "%s%s", nn ? ", " : "", name);
	}
}
