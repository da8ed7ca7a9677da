// SPDX-License-Identifier: MIT
/* sym: an address's symbol, or a symbol's address (kernel and modules). */
#include <errno.h>
#include <stdlib.h>

#include "ktriage.h"
#include "kernel/modules.h"
#include "sym/kallsyms.h"

struct kt_error *kt_symbol_lookup(struct kt_program *prog, const char *what,
				  struct kt_symbol_lookup *ret)
{
	char *end;
	errno = 0;
	uint64_t addr = strtoull(what, &end, 16);
	struct kt_error *err;
	const struct kt_symbol *named = NULL;
	if ((errno || *end || end == what) && (err = kt_program_symbol_find(prog, what, &named)))
		return err;
	if (named)
		addr = named->address;
	struct kt_symbol_lookup out = {.address = addr};
	if ((err = kt_program_symbolize(prog, addr, &out.name, &out.offset, &out.module)))
		return err;
	// Several names can share an address (_stext and a function's padding alias): a name asked
	// for is the answer, whichever the address would be symbolized as.
	if (named) {
		out.name = named->name;
		out.offset = 0;
	}
	*ret = out;
	return NULL;
}
