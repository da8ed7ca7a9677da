// SPDX-License-Identifier: MIT
/*
 * dis as data: each instruction with its source line (when asked) and, for an indirect call
 * (through a register, memory, a retpoline thunk or a static-call trampoline), the call site
 * resolved as far as code and globals allow without a stack.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ktriage.h"

struct items {
	struct kt_program *prog;
	bool lines;
	kt_dis_item_fn *fn;
	void *arg;
	const char *file;   /* the last source line */
	unsigned int line;
	char *notice;       /* the last reason for no source line */
	bool nomem;
};

/* Whether the line is an indirect call, resolved into *cs (then kt_call_site_deinit() it). */
static bool resolve_call(struct kt_program *prog, const struct kt_dis_line *l,
			 struct kt_call_site *cs)
{
	if (l->kind != KT_INSN_CALL)
		return false;
	if (l->has_target && !strstr(l->text, "<__x86_indirect_") && !strstr(l->text, "<__SCT__"))
		return false;
	struct kt_error *err = kt_call_site_resolve(prog, l->address + l->length, NULL, 0, cs);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	if (cs->kind != KT_CALL_NONE && cs->kind != KT_CALL_DIRECT)
		return true;
	kt_call_site_deinit(cs);
	return false;
}

static bool item(const struct kt_dis_line *l, void *arg)
{
	struct items *s = arg;
	struct kt_dis_item it = {.line = l, .lines = s->lines};
	struct kt_source_line src;
	if (s->lines) {
		struct kt_error *err = kt_source_line(s->prog, l->address, &src);
		if (!err) {
			it.source = &src;
			it.new_line = !s->file || strcmp(s->file, src.file) || s->line != src.line;
			s->file = src.file;
			s->line = src.line;
		} else {
			const char *msg = kt_error_message(err);
			it.new_unavailable = !s->notice || strcmp(s->notice, msg);
			if (it.new_unavailable) {
				free(s->notice);
				s->notice = strdup(msg);
			}
			kt_error_destroy(err);
			if (!s->notice) {
				s->nomem = true;
				return false;
			}
			it.source_unavailable = s->notice;
		}
	}
	struct kt_call_site cs;
	if (resolve_call(s->prog, l, &cs))
		it.call_site = &cs;
	bool more = s->fn(&it, s->arg);
	if (it.call_site)
		kt_call_site_deinit(&cs);
	return more;
}

struct kt_error *kt_disassemble_items(struct kt_program *prog, uint64_t start, uint64_t end,
				      size_t count, bool lines, kt_dis_item_fn *fn, void *arg)
{
	struct items s = {.prog = prog, .lines = lines, .fn = fn, .arg = arg};
	struct kt_error *err = kt_disassemble(prog, start, end, count, item, &s);
	free(s.notice);
	return err ? err : s.nomem ? &kt_enomem : NULL;
}
