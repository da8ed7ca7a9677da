// SPDX-License-Identifier: MIT
/*
 * The kernel's ORC table read as lookups need it (through the kernel's orc_lookup block index)
 * against the table read whole: the same entry, covering from the same address, for addresses
 * all over the kernel's text, on a kdump-compressed and an ELF dump.
 */
#include "core/error.h"
#include "program.h"
#include "tap.h"
#include "tap_open.h"
#include "unwind/orc.h"

static bool same_entry(const struct kt_orc_entry *a, const struct kt_orc_entry *b)
{
	return a->sp_offset == b->sp_offset && a->bp_offset == b->bp_offset &&
	       a->sp_reg == b->sp_reg && a->bp_reg == b->bp_reg && a->type == b->type &&
	       a->signal == b->signal;
}

static void compare(const char *scenario, const char *file)
{
	char *path = tap_lab_file(scenario, file);
	if (!path)
		return;
	struct kt_open_options opts = {.no_debuginfo = true};
	struct kt_program *prog;
	struct kt_orc *lazy = NULL, *whole = NULL;
	uint64_t stext = 0, etext = 0;
	struct kt_error *err = tap_program_open(path, &opts, &prog);
	if (!err && !(err = kt_orc_load_how(prog, true, &lazy)) &&
	    !(err = kt_orc_load_how(prog, false, &whole)) &&
	    !(err = kt_program_symbol_address(prog, "_stext", &stext)))
		err = kt_program_symbol_address(prog, "_etext", &etext);
	if (!tap_ok(!err && kt_orc_is_lazy(lazy) && !kt_orc_is_lazy(whole),
		    "%s %s: ORC loaded both ways (the kernel's block index found)", scenario, file)) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		free(path);
		return;
	}
	// Every 61st byte (a prime stride: all offsets within blocks), and the text's edges.
	size_t checked = 0, found = 0, differ = 0;
	for (uint64_t ip = stext; ip <= etext + 64; ip += ip + 61 > etext && ip < etext ? 1 : 61) {
		struct kt_orc_entry a, b;
		uint64_t sa = 0, sb = 0;
		struct kt_error *ea = kt_orc_find(lazy, ip, &a, &sa), *eb = kt_orc_find(whole, ip, &b, &sb);
		checked++;
		if (!ea && !eb && same_entry(&a, &b) && sa == sb)
			found++;
		else if (!ea != !eb || (!ea && (!same_entry(&a, &b) || sa != sb)))
			if (differ++ < 3)
				tap_diag("0x%016llx: %s / %s", (unsigned long long)ip,
					 ea ? kt_error_message(ea) : "found", eb ? kt_error_message(eb) : "found");
		kt_error_destroy(ea);
		kt_error_destroy(eb);
	}
	tap_ok(!differ && found > 200000, "%s %s: %zu addresses, %zu with an entry, the same entry both ways",
	       scenario, file, checked, found);
	kt_orc_destroy(lazy);
	kt_orc_destroy(whole);
	kt_program_destroy(prog);
	free(path);
}

int main(void)
{
	compare("panic", "vmcore.kdump");
	compare("many-tasks", "vmcore.elf");
	return tap_done();
}
