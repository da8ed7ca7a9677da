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

#include "core/strpool.h"
#include "ktriage.h"
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

int main(void)
{
	strpool_case();
	char *path = tap_lab_file("panic", "vmcore.kdump");
	struct kt_program *prog;
	struct kt_error *err = path ? tap_program_open(path, NULL, &prog) : NULL;
	if (path && tap_ok(!err, "open the panic dump")) {
		backtrace_case(prog);
		tasks_case(prog);
		kt_program_destroy(prog);
	}
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	free(path);
	return tap_done();
}
