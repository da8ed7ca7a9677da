// SPDX-License-Identifier: MIT
/* sym: an address's symbol, or a symbol's address (kernel and modules). */
#include <errno.h>
#include <stdlib.h>

#include "ktriage.h"

struct kt_error *kt_symbol_lookup(struct kt_program *prog, const char *what,
				  struct kt_symbol_lookup *ret)
{
	char *end;
	errno = 0;
	uint64_t addr = strtoull(what, &end, 16);
	struct kt_error *err;
	if (errno || *end || end == what) {
		if ((err = kt_program_symbol_address(prog, what, &addr)))
			return err;
	}
	struct kt_symbol_lookup out = {.address = addr};
	if ((err = kt_program_symbolize(prog, addr, &out.name, &out.offset, &out.module)))
		return err;
	*ret = out;
	return NULL;
}
