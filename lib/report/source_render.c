// SPDX-License-Identifier: MIT
/* The source lines and inlined functions of a frame, from DWARF (bt -l). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "report/json.h"
#include "report/render.h"

static uint64_t source_address(const struct kt_frame *f)
{
	return f->exact || !f->pc ? f->pc : f->pc - 1;
}

/*
 * The line inside each inlined function: the innermost one is where the pc is (the line table);
 * each outer one is where it inlined the next (that one's call site).
 */
static void inlined_line(struct kt_program *prog, uint64_t addr, const struct kt_inline_frame *in,
			 size_t i, const char **file, unsigned int *line)
{
	struct kt_source_line src;
	struct kt_error *err;
	*file = NULL, *line = 0;
	if (i > 0) {
		*file = in[i - 1].call_file, *line = in[i - 1].call_line;
	} else if (!(err = kt_source_line(prog, addr, &src))) {
		*file = src.file, *line = src.line;
	} else {
		kt_error_destroy(err);
	}
}

/* The functions inlined at a frame's pc, for the text renderers: false when the frame has no
 * symbol or no DWARF covers it (kt_source_notices says why, once per debug file). */
static bool text_inline_chain(struct kt_program *prog, const struct kt_frame *f, uint64_t *addr,
			      struct kt_inline_frame **in, size_t *n)
{
	if (!f->pc || !f->function)
		return false;
	*addr = source_address(f);
	struct kt_error *err = kt_inline_chain(prog, *addr, in, n);
	bool found = !err;
	kt_error_destroy(err);
	return found;
}

void kt_source_inlined_text(FILE *out, struct kt_program *prog, const struct kt_frame *f,
			    const char *indent)
{
	struct kt_inline_frame *in;
	size_t n;
	uint64_t addr;
	if (!text_inline_chain(prog, f, &addr, &in, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		const char *file;
		unsigned int line;
		inlined_line(prog, addr, in, i, &file, &line);
		fprintf(out, "%s(inlined) %s", indent, in[i].function ? in[i].function : "?");
		if (file)
			fprintf(out, " at %s: %u", file, line);
		fprintf(out, "\n");
	}
	kt_inline_frames_destroy(in, n);
}

void kt_source_text(FILE *out, struct kt_program *prog, const struct kt_frame *f,
		    const char *indent)
{
	struct kt_inline_frame *in;
	size_t n;
	uint64_t addr;
	if (!text_inline_chain(prog, f, &addr, &in, &n))
		return;
	// With inlined functions the frame's own line is where it inlined the outermost one.
	if (n && in[n - 1].call_file) {
		fprintf(out, "%s%s: %u\n", indent, in[n - 1].call_file, in[n - 1].call_line);
	} else if (!n) {
		struct kt_source_line src;
		struct kt_error *err = kt_source_line(prog, addr, &src);
		if (!err)
			fprintf(out, "%s%s: %u\n", indent, src.file, src.line);
		kt_error_destroy(err);
	}
	kt_inline_frames_destroy(in, n);
}

void kt_source_notices(FILE *out, struct kt_program *prog, const struct kt_frame *frames, size_t n,
		       const char *indent)
{
	const char **seen = calloc(n ? n : 1, sizeof(*seen));
	size_t n_seen = 0;
	for (size_t i = 0; seen && i < n; i++) {
		if (!frames[i].pc || !frames[i].function)
			continue;
		const char *status = kt_source_status(prog, source_address(&frames[i]));
		bool dup = false;
		for (size_t j = 0; j < n_seen && !dup; j++)
			dup = !strcmp(seen[j], status);
		if (dup)
			continue;
		seen[n_seen++] = status;
		fprintf(out, "%ssource lines: %s\n", indent, status);
	}
	free(seen);
}

void kt_source_json(FILE *out, struct kt_program *prog, const struct kt_frame *f)
{
	struct kt_inline_frame *in = NULL;
	size_t n = 0;
	uint64_t addr = source_address(f);
	fprintf(out, ", \"source\": ");
	if (!f->pc) {
		fprintf(out, "null, \"source_unavailable\": \"pc unknown\", \"inlined\": []");
		return;
	}
	struct kt_error *err = kt_inline_chain(prog, addr, &in, &n);
	if (err) {
		fprintf(out, "null, \"source_unavailable\": ");
		kt_json_string(out, kt_error_message(err));
		fprintf(out, ", \"inlined\": []");
		kt_error_destroy(err);
		return;
	}
	struct kt_source_line src;
	const char *file = NULL;
	unsigned int line = 0;
	if (n && in[n - 1].call_file) {
		file = in[n - 1].call_file, line = in[n - 1].call_line;
	} else if (!n && !(err = kt_source_line(prog, addr, &src))) {
		file = src.file, line = src.line;
	}
	if (file) {
		fprintf(out, "{\"file\": ");
		kt_json_string(out, file);
		fprintf(out, ", \"line\": %u}", line);
	} else {
		fprintf(out, "null, \"source_unavailable\": ");
		kt_json_string(out, err ? kt_error_message(err) : "no call site for the outermost inlined function");
	}
	kt_error_destroy(err);
	fprintf(out, ", \"inlined\": [");
	for (size_t i = 0; i < n; i++) {
		inlined_line(prog, addr, in, i, &file, &line);
		fprintf(out, "%s{\"function\": ", i ? ", " : "");
		kt_json_string(out, in[i].function);
		fprintf(out, ", \"file\": ");
		kt_json_string(out, file);
		fprintf(out, ", \"line\": %u}", line);
	}
	fprintf(out, "]");
	kt_inline_frames_destroy(in, n);
}
