// SPDX-License-Identifier: MIT
/* Source lines and inline chains at an address, as eu-addr2line -i finds them. */
#include <dwarf.h>
#include <stdlib.h>

#include "core/error.h"
#include "sym/dwarf.h"

struct kt_error *kt_source_line(struct kt_program *prog, uint64_t addr, struct kt_source_line *ret)
{
	struct kt_dwarf_loc loc;
	struct kt_error *err = kt_dwarf_locate(prog, addr, &loc);
	if (err)
		return err;
	Dwfl_Line *line = dwfl_module_getsrc(loc.mod, loc.pc);
	int lineno = 0, col = 0;
	const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, &col, NULL, NULL) : NULL;
	if (!file)
		return kt_error_create(KT_ERROR_NOT_FOUND, "0x%016llx: no line information",
				       (unsigned long long)addr);
	*ret = (struct kt_source_line){.file = file, .line = lineno > 0 ? (unsigned int)lineno : 0,
				       .column = col > 0 ? (unsigned int)col : 0};
	return NULL;
}

struct kt_error *kt_inline_chain(struct kt_program *prog, uint64_t addr,
				 struct kt_inline_frame **ret, size_t *n_ret)
{
	struct kt_dwarf_loc loc;
	struct kt_error *err = kt_dwarf_locate(prog, addr, &loc);
	if (err)
		return err;
	Dwarf_Die *scopes = NULL, *chain = NULL;
	int n = dwarf_getscopes(&loc.cudie, loc.pc - loc.bias, &scopes);
	// getscopes continues into the abstract origins of inlined functions; the physical nesting
	// is the chain of DIEs that contain the innermost one (as eu-addr2line -i does it).
	int nchain = n > 0 ? dwarf_getscopes_die(&scopes[0], &chain) : n;
	free(scopes);
	if (nchain < 0)
		return kt_error_create(KT_ERROR_BAD_DATA, "0x%016llx: DWARF scopes: %s",
				       (unsigned long long)addr, dwarf_errmsg(-1));
	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	if (nchain > 0 && dwarf_getsrcfiles(&loc.cudie, &files, &nfiles))
		files = NULL;
	struct kt_inline_frame *frames = calloc(nchain > 0 ? (size_t)nchain : 1, sizeof(*frames));
	if (!frames) {
		free(chain);
		return &kt_enomem;
	}
	size_t count = 0;
	for (int i = 0; i < nchain; i++) {
		int tag = dwarf_tag(&chain[i]);
		if (tag == DW_TAG_subprogram)
			break;  // the function itself: the frame, not an inlined one
		if (tag != DW_TAG_inlined_subroutine)
			continue;  // lexical blocks
		Dwarf_Attribute attr;
		Dwarf_Word file = 0, line = 0;
		struct kt_inline_frame *f = &frames[count++];
		f->function = dwarf_diename(&chain[i]);
		if (files && !dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_file, &attr), &file) &&
		    file < nfiles)
			f->call_file = dwarf_filesrc(files, file, NULL, NULL);
		if (!dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &attr), &line))
			f->call_line = (unsigned int)line;
	}
	free(chain);
	*ret = frames;
	*n_ret = count;
	return NULL;
}

const char *kt_source_status(struct kt_program *prog, uint64_t addr)
{
	return kt_dwarf_status(prog, addr);
}

void kt_inline_frames_destroy(struct kt_inline_frame *frames, size_t n)
{
	(void)n;  // the strings belong to the program
	free(frames);
}
