// SPDX-License-Identifier: MIT
/*
 * The renderers as a program linking libktriage uses them: results of the panic dump rendered
 * into strings (open_memstream), the JSON parsed back and compared with the structures it was
 * written from, codes included; strings that need escaping (a comm with a quote, a backslash and
 * a newline, as a task may name itself) stay valid JSON; and the string pool that results keep
 * their strings in keeps them whole.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "core/strpool.h"
#include "ktriage.h"
#include "program.h"
#include "sym/types.h"
#include "tap.h"
#include "tap_open.h"

/* What fn wrote, as a string (free it). */
#define RENDER(buf, len, ...)                                         \
	do {                                                          \
		FILE *out_ = open_memstream(&(buf), &(len));          \
		if (!out_)                                            \
			abort();                                      \
		__VA_ARGS__;                                          \
		fclose(out_);                                         \
	} while (0)

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *string_member(json_object *o, const char *key)
{
	json_object *v = member(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void strpool_case(void)
{
	struct kt_strpool pool = {0};
	const char *first = kt_strpool_str(&pool, "first");
	char big[6000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const char *strs[2000];
	bool whole = first != NULL;
	for (size_t i = 0; i < 2000 && whole; i++) {
		strs[i] = i % 500 == 7 ? kt_strpool_str(&pool, big) : kt_strpool_printf(&pool, "string %zu", i);
		whole = strs[i] != NULL;
	}
	for (size_t i = 0; i < 2000 && whole; i++) {
		char want[32];
		snprintf(want, sizeof(want), "string %zu", i);
		whole = !strcmp(strs[i], i % 500 == 7 ? big : want);
	}
	tap_ok(whole && !strcmp(first, "first"),
	       "the string pool keeps 2000 strings whole (4 bigger than a block) while it grows");
	kt_strpool_free(&pool);
}

static void backtrace_case(struct kt_program *prog)
{
	struct kt_backtrace *bt;
	struct kt_error *err = kt_backtrace_panic(prog, &bt);
	if (!tap_ok(!err, "the panic backtrace")) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	struct kt_stack_slots *slots = NULL;
	err = kt_backtrace_stack_slots(prog, bt, &slots);
	tap_ok(!err && slots->n_frames == bt->n_frames, "stack slots for each of its %zu frames", bt->n_frames);
	kt_error_destroy(err);
	// A comm as hostile as a task can make it (prctl(PR_SET_NAME) takes any bytes).
	memcpy(bt->comm, "a\"b\\c\nd\x01", 9);
	struct kt_backtrace_render_options opts = {.reasons = true, .stale = true, .slots = slots};
	char *json = NULL, *text = NULL;
	size_t json_len, text_len;
	struct kt_list_writer w;
	RENDER(json, json_len, kt_list_begin(&w, out_, KT_FORMAT_JSON, KT_LIST_BACKTRACES);
	       kt_backtrace_render(&w, prog, bt, &opts); kt_backtrace_render(&w, prog, bt, &opts);
	       kt_list_end(&w));
	RENDER(text, text_len, kt_list_begin(&w, out_, KT_FORMAT_TEXT, KT_LIST_BACKTRACES);
	       kt_backtrace_render(&w, prog, bt, &opts); kt_list_end(&w));
	json_object *doc = json_tokener_parse(json);
	json_object *list = member(doc, "backtraces");
	tap_ok(doc && same_string(string_member(doc, "schema"), KT_JSON_SCHEMA) && list &&
		       json_object_array_length(list) == 2,
	       "a list of two backtraces is one JSON document with its schema");
	json_object *one = list ? json_object_array_get_idx(list, 0) : NULL;
	tap_ok(same_string(string_member(member(one, "task"), "comm"), bt->comm),
	       "a comm with a quote, a backslash and control bytes comes back as it was");
	json_object *frames = member(one, "frames");
	size_t n = frames ? json_object_array_length(frames) : 0, same = 0, slots_same = 0, n_slots = 0;
	for (size_t i = 0; i < n && i < bt->n_frames; i++) {
		json_object *f = json_object_array_get_idx(frames, i);
		const struct kt_frame *k = &bt->frames[i];
		same += same_string(string_member(f, "reason"), k->reason) &&
			same_string(string_member(f, "reason_code"), kt_frame_reason_code_name(k->reason_code)) &&
			same_string(string_member(f, "status"), kt_frame_status_name(k->status)) &&
			same_string(string_member(f, "function"), k->function);
		json_object *s = member(f, "slots");
		for (size_t j = 0; s && j < json_object_array_length(s) && j < slots->frames[i].n_slots; j++) {
			const struct kt_stack_slot *ks = &slots->frames[i].slots[j];
			json_object *js = json_object_array_get_idx(s, j);
			slots_same += strtoull(string_member(js, "address"), NULL, 16) == ks->address &&
				      strtoull(string_member(js, "value"), NULL, 16) == ks->value &&
				      json_object_array_length(member(js, "marks")) == ks->n_marks;
		}
		n_slots += slots->frames[i].n_slots;
	}
	tap_ok(n == bt->n_frames && same == n && n > 0,
	       "JSON frames: %zu of %zu with the reason, its code, status and function of the result", same,
	       bt->n_frames);
	tap_ok(slots_same == n_slots && n_slots > 0, "JSON stack slots: %zu of %zu as the result has them",
	       slots_same, n_slots);
	tap_ok(same_string(string_member(one, "note_code"), kt_stop_code_name(bt->note_code)) &&
		       same_string(string_member(one, "registers_code"),
				   kt_registers_code_name(bt->registers_code)) &&
		       strcmp(kt_stop_code_name(bt->note_code), "?"),
	       "the stop and register codes (%s, %s)", kt_stop_code_name(bt->note_code),
	       kt_registers_code_name(bt->registers_code));
	// The text has every frame's reason (-r) and the note.
	size_t in_text = 0;
	for (size_t i = 0; i < bt->n_frames; i++)
		in_text += strstr(text, bt->frames[i].reason) != NULL;
	tap_ok(in_text == bt->n_frames && strstr(text, bt->note), "the text has all %zu reasons and the note",
	       bt->n_frames);
	json_object_put(doc);
	free(json);
	free(text);
	kt_stack_slots_destroy(slots);

	struct kt_call_site *sites;
	if (!tap_ok(!(err = kt_backtrace_explain(prog, bt, &sites)), "the call sites of its frames")) {
		kt_error_destroy(err);
		kt_backtrace_destroy(bt);
		return;
	}
	size_t resolved = 0, codes = 0;
	for (size_t i = 1; i < bt->n_frames; i++) {
		if (sites[i].kind == KT_CALL_NONE)
			continue;
		resolved++;
		RENDER(json, json_len, kt_call_site_render(out_, KT_FORMAT_JSON, &sites[i]));
		doc = json_tokener_parse(json);
		codes += same_string(string_member(doc, "schema"), KT_JSON_SCHEMA) &&
			 same_string(string_member(doc, "reason_code"),
				     kt_call_reason_code_name(sites[i].reason_code)) &&
			 same_string(string_member(doc, "reason"), sites[i].reason) &&
			 same_string(string_member(doc, "instruction"), sites[i].instruction);
		json_object_put(doc);
		free(json);
	}
	tap_ok(resolved > 0 && codes == resolved,
	       "call-site documents: %zu of %zu with the reason, its code and the instruction", codes,
	       resolved);
	kt_call_sites_destroy(sites, bt->n_frames);
	kt_backtrace_destroy(bt);
}

static bool count_task(const struct kt_task *t, void *arg)
{
	kt_task_render(arg, t);
	return true;
}

static void tasks_case(struct kt_program *prog)
{
	char *json = NULL;
	size_t len;
	struct kt_list_writer w;
	struct kt_error *err = NULL;
	RENDER(json, len, kt_list_begin(&w, out_, KT_FORMAT_JSON, KT_LIST_TASKS);
	       err = kt_task_for_each(prog, count_task, &w); kt_list_end(&w));
	json_object *doc = json_tokener_parse(json);
	json_object *tasks = member(doc, "tasks");
	tap_ok(!err && tasks && json_object_array_length(tasks) == w.n && w.n > 0,
	       "the task list: %zu tasks rendered, as many in the document", w.n);
	kt_error_destroy(err);
	json_object_put(doc);
	free(json);
}

/* A type description against the JSON written from it: every member, nested ones too; the count
 * of members compared, or -1 at the first difference. */
static long description_matches(const struct kt_type_description *d, json_object *o)
{
	if (!same_string(string_member(o, "name"), d->name) ||
	    !same_string(string_member(o, "kind"), kt_type_description_kind_name(d->kind)) ||
	    (uint64_t)json_object_get_int64(member(o, "size")) != d->size)
		return -1;
	long n = 0;
	json_object *members = member(o, "members");
	if (d->n_members && (!members || json_object_array_length(members) != d->n_members))
		return -1;
	for (size_t i = 0; i < d->n_members; i++) {
		const struct kt_type_member *m = &d->members[i];
		json_object *j = json_object_array_get_idx(members, i);
		if (!same_string(string_member(j, "name"), m->name) ||
		    !same_string(string_member(j, "type"), m->type) ||
		    (uint64_t)json_object_get_int64(member(j, "offset")) != m->offset ||
		    (uint64_t)json_object_get_int64(member(j, "size")) != m->size ||
		    (uint32_t)json_object_get_int(member(j, "bit_size")) != m->bit_size ||
		    (m->bit_size && (uint32_t)json_object_get_int(member(j, "bit_offset")) != m->bit_offset))
			return -1;
		n++;
		if (m->expanded) {
			json_object *nested = json_object_new_object();
			json_object_object_add(nested, "name", json_object_new_string(m->expanded->name));
			json_object_object_add(nested, "kind", json_object_new_string(
				kt_type_description_kind_name(m->expanded->kind)));
			json_object_object_add(nested, "size", json_object_new_int64((int64_t)m->expanded->size));
			json_object *inner = member(j, "members");
			if (inner)
				json_object_object_add(nested, "members", json_object_get(inner));
			long k = description_matches(m->expanded, nested);
			json_object_put(nested);
			if (k < 0)
				return -1;
			n += k;
		}
	}
	for (size_t i = 0; i < d->n_enumerators; i++) {
		json_object *j = json_object_array_get_idx(member(o, "enumerators"), i);
		if (!same_string(string_member(j, "name"), d->enumerators[i].name) ||
		    (uint64_t)json_object_get_int64(member(j, "value")) != d->enumerators[i].value)
			return -1;
		n++;
	}
	if (d->target) {
		long k = description_matches(d->target, member(o, "target"));
		if (k < 0)
			return -1;
		n += k;
	}
	return n;
}

/* whatis NAME through the public API: the declaration, its JSON and its text. */
static struct kt_declaration *declaration(struct kt_program *prog, const char *name, bool expand,
					  json_object **doc_ret, char **text_ret)
{
	struct kt_value_options opts = {.expand = expand};
	struct kt_declaration *decl;
	struct kt_error *err = kt_declaration_read(prog, name, &opts, &decl);
	if (!tap_ok(!err, "whatis %s", name)) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return NULL;
	}
	char *json = NULL;
	size_t len;
	RENDER(json, len, kt_declaration_render(out_, KT_FORMAT_JSON, decl));
	RENDER(*text_ret, len, kt_declaration_render(out_, KT_FORMAT_TEXT, decl));
	*doc_ret = json_tokener_parse(json);
	tap_ok(*doc_ret && same_string(string_member(*doc_ret, "schema"), KT_JSON_SCHEMA) &&
		       same_string(string_member(*doc_ret, "object_file"), decl->object_file) &&
		       same_string(string_member(*doc_ret, "types_from"),
				   kt_types_source_name(decl->types_source)) &&
		       same_string(string_member(*doc_ret, "declaration_kind"),
				   kt_declaration_kind_name(decl->kind)),
	       "whatis %s: one JSON document with its schema, object file, types' source and kind",
	       name);
	free(json);
	return decl;
}

static void declaration_type_case(struct kt_program *prog, const char *name, bool expand,
				  long min_members)
{
	json_object *doc;
	char *text;
	struct kt_declaration *decl = declaration(prog, name, expand, &doc, &text);
	if (!decl)
		return;
	long n = description_matches(decl->type, doc);
	tap_ok(decl->kind == KT_DECLARATION_TYPE && n >= min_members,
	       "whatis %s%s: the JSON has the %ld members, enumerators and nested members the "
	       "description has", expand ? "-r " : "", name, n);
	// Text: a line per member (not counting bitfields and holes twice), and the total size.
	size_t lines = 0;
	for (const char *p = text; (p = strstr(p, " */    ")); p++)
		lines++;
	tap_ok(decl->type->kind != KT_DESCRIBED_STRUCT || (lines >= decl->type->n_members &&
						      strstr(text, "total size (bytes)")),
	       "whatis %s: the text has a line for each of its %zu members (%zu lines)", name,
	       decl->type->n_members, lines);
	json_object_put(doc);
	free(text);
	kt_declaration_destroy(decl);
}

static void declaration_case(struct kt_program *prog)
{
	json_object *doc;
	char *text;
	struct kt_declaration *decl = declaration(prog, "orc_entry", false, &doc, &text);
	if (decl) {
		const struct kt_type_description *t = decl->type;
		const struct kt_type_member *m = t->n_members == 6 ? t->members : NULL;
		tap_ok(t->kind == KT_DESCRIBED_STRUCT && same_string(t->tag, "orc_entry") && t->size == 6 &&
			       m && same_string(m[2].name, "sp_reg") && m[2].offset == 4 &&
			       m[2].bit_offset == 0 && m[2].bit_size == 4 && m[3].bit_offset == 4 &&
			       m[4].offset == 5 && same_string(m[0].declaration, "s16 sp_offset") &&
			       same_string(decl->object_file, "vmlinux") &&
			       decl->types_source == KT_TYPES_FROM_BTF,
		       "whatis orc_entry: 6 bytes from vmlinux's BTF, sp_reg 4 bits at byte 4, bp_reg at "
		       "bit 4, type at byte 5");
		// The last bitfield's end gives the padding (type:2 and end:1 before 6.3, type:3 and
		// signal:1 since).
		char padding[64] = "";
		if (m)
			snprintf(padding, sizeof(padding), "/* XXX %3u-bit padding   */",
				 (unsigned)(t->size * 8 - (m[5].offset * 8 + m[5].bit_offset + m[5].bit_size)));
		tap_ok(strstr(text, "/*     0x4: 4 |      4 */    unsigned int bp_reg : 4;\n") && *padding &&
			       strstr(text, padding),
		       "whatis orc_entry: its text as gdb's ptype /o, the bitfield and the padding");
		json_object_put(doc);
		free(text);
		kt_declaration_destroy(decl);
	}
	declaration_type_case(prog, "task_struct", false, 100);
	declaration_type_case(prog, "mm_struct", true, 50);
	declaration_type_case(prog, "enum pid_type", false, 5);
	declaration_type_case(prog, "atomic_t", false, 1);
	declaration_type_case(prog, "union kvm_mmu_page_role", false, 2);

	// Anonymous unions and structs are described in place; their members' offsets are from the
	// outer type's start and fall inside the member. task_struct has none at its top level in
	// some kernels (6.12); struct page has them in all.
	size_t expanded = 0, inside = 0;
	for (int t = 0; t < 2; t++) {
		if (!(decl = declaration(prog, t ? "page" : "task_struct", false, &doc, &text)))
			continue;
		for (size_t i = 0; i < decl->type->n_members; i++) {
			const struct kt_type_member *m = &decl->type->members[i];
			if (!m->expanded)
				continue;
			expanded++;
			bool ok = !*m->name || m->expanded->tag;
			for (size_t k = 0; k < m->expanded->n_members; k++)
				ok = ok && m->expanded->members[k].offset >= m->offset &&
				     m->expanded->members[k].offset < m->offset + m->size;
			inside += ok;
		}
		json_object_put(doc);
		free(text);
		kt_declaration_destroy(decl);
	}
	tap_ok(expanded > 0 && inside == expanded,
	       "whatis task_struct and page: %zu members described in place, their members inside them",
	       expanded);
	decl = declaration(prog, "pid_t", false, &doc, &text);
	if (decl) {
		tap_ok(decl->type->kind == KT_DESCRIBED_TYPEDEF && same_string(decl->type->name, "pid_t") &&
			       same_string(decl->type->target_type, "__kernel_pid_t") &&
			       !decl->type->target && decl->type->size == 4 &&
			       same_string(string_member(doc, "type"), "__kernel_pid_t"),
		       "whatis pid_t: a typedef of __kernel_pid_t, 4 bytes");
		json_object_put(doc);
		free(text);
		kt_declaration_destroy(decl);
	}
	uint64_t address = 0;
	struct kt_error *err = kt_program_symbol_address(prog, "jiffies", &address);
	kt_error_destroy(err);
	decl = declaration(prog, "jiffies", false, &doc, &text);
	if (decl) {
		tap_ok(decl->kind == KT_DECLARATION_VARIABLE && decl->address == address &&
			       decl->type_origin == KT_TYPE_ORIGIN_KTRIAGE &&
			       same_string(decl->type->name, "unsigned long") && decl->type->size == 8 &&
			       same_string(decl->declaration, "unsigned long jiffies") &&
			       same_string(string_member(doc, "type_source"), "ktriage") &&
			       !strncmp(text, "unsigned long jiffies;  /* 8 bytes, at 0x", 41),
		       "whatis jiffies: a variable at its symbol's address, typed by ktriage's list");
		json_object_put(doc);
		free(text);
		kt_declaration_destroy(decl);
	}
	decl = declaration(prog, "runqueues", false, &doc, &text);
	if (decl) {
		json_object *percpu = member(doc, "percpu");
		// pahole gives per-CPU variables a VAR; some kernels' BTF has none (Debian's 5.10): the
		// debug vmlinux's DWARF types it then.
		struct kt_types *types;
		struct kt_error *types_err = kt_program_types(prog, &types);
		bool var = !types_err && btf__find_by_name_kind(kt_types_btf(types), "runqueues", BTF_KIND_VAR) > 0;
		kt_error_destroy(types_err);
		if (!var)
			printf("# the kernel's BTF has no VAR for runqueues: its type comes from DWARF\n");
		tap_ok(decl->kind == KT_DECLARATION_PERCPU_VARIABLE && decl->address < (1ull << 47) &&
			       decl->type_origin == (var ? KT_TYPE_ORIGIN_BTF : KT_TYPE_ORIGIN_DWARF) &&
			       decl->type->kind == KT_DESCRIBED_STRUCT &&
			       same_string(decl->type->name, "struct rq") && decl->type->n_members > 10 &&
			       percpu && json_object_get_boolean(percpu),
		       "whatis runqueues: a per-CPU variable (an offset), struct rq from %s", var ? "BTF" : "DWARF");
		json_object_put(doc);
		free(text);
		kt_declaration_destroy(decl);
	}
	err = kt_program_symbol_address(prog, "panic", &address);
	kt_error_destroy(err);
	decl = declaration(prog, "panic", false, &doc, &text);
	if (decl) {
		const struct kt_type_description *t = decl->type;
		json_object *params = member(doc, "params");
		tap_ok(decl->kind == KT_DECLARATION_FUNCTION && decl->address == address &&
			       t->kind == KT_DESCRIBED_FUNCTION && same_string(t->return_type, "void") &&
			       t->n_params == 1 && same_string(t->params[0].name, "fmt") &&
			       same_string(t->params[0].type, "const char *") && t->variadic &&
			       same_string(decl->declaration, "void panic(const char *fmt, ...)") &&
			       params && json_object_array_length(params) == 1 &&
			       same_string(string_member(json_object_array_get_idx(params, 0), "name"),
					   "fmt"),
		       "whatis panic: a function of one named parameter and \"...\", from BTF");
		tap_ok(strstr(text, "void panic(const char *fmt, ...);  /* function at 0x") == text,
		       "whatis panic: its text is its prototype");
		json_object_put(doc);
		free(text);
		kt_declaration_destroy(decl);
	}
	struct kt_value_options opts = {0};
	err = kt_declaration_read(prog, "no_such_thing_anywhere", &opts, &decl);
	tap_ok(err && kt_error_code(err) == KT_ERROR_NOT_FOUND &&
		       strstr(kt_error_message(err), "neither a type"),
	       "whatis of a name that is neither a type nor a symbol: NOT_FOUND");
	kt_error_destroy(err);
}

int main(void)
{
	strpool_case();
	char *path = tap_lab_file("panic", "vmcore.kdump");
	struct kt_program *prog;
	struct kt_error *err = path ? tap_program_open(path, NULL, &prog) : NULL;
	if (path && tap_ok(!err, "open the panic dump")) {
		backtrace_case(prog);
		tasks_case(prog);
		declaration_case(prog);
		kt_program_destroy(prog);
	}
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	free(path);
	return tap_done();
}
