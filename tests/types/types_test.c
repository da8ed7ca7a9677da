// SPDX-License-Identifier: MIT
/*
 * The type layer on a real dump's BTF: type expressions and C names, member paths against the
 * older kt_types_member(), member-at against member paths for every member of large kernel
 * types, and a value print-out of an object that runs into an unreadable page.
 */
#include <ctype.h>
#include <json-c/json.h>

#include "core/error.h"
#include "program.h"
#include "sym/type_print.h"
#include "tap.h"

static const struct btf *btf;

static void check_name(const char *expr, const char *path, const char *want)
{
	uint32_t id;
	struct kt_type_place place;
	struct kt_error *err = kt_type_parse(btf, expr, &id);
	if (!err && path && !(err = kt_type_path(btf, id, path, &place)))
		id = place.type;
	char *name = err ? NULL : kt_type_name_dup(btf, id);
	if (!tap_ok(name && !strcmp(name, want), "%s%s%s is spelled '%s'", expr, path ? "." : "",
		    path ? path : "", want))
		tap_diag("got %s", name ? name : kt_error_message(err));
	kt_error_destroy(err);
	free(name);
}

struct tally {
	unsigned int checked, bad;
};

static bool covers(const struct kt_member_at *hits, size_t n, const char *path, uint32_t bit_size)
{
	size_t len = strlen(path);
	for (size_t i = 0; i < n; i++) {
		const char *p = hits[i].path;
		if (!strncmp(p, path, len) && (!p[len] || p[len] == '.' || p[len] == '[') &&
		    hits[i].bit_size == bit_size)
			return true;
	}
	return false;
}

/* Every named member reachable from struct id (through anonymous ones), checked both ways. */
static void check_members(struct kt_types *types, const char *tname, uint32_t id, uint32_t sub,
			  struct tally *t)
{
	const struct btf_type *bt = btf__type_by_id(btf, sub);
	const struct btf_member *m = btf_members(bt);
	for (uint16_t i = 0; i < btf_vlen(bt); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		if (!name || !*name) {
			check_members(types, tname, id, kt_type_strip(btf, m->type), t);
			continue;
		}
		struct kt_type_place place;
		struct kt_member_info info;
		struct kt_error *err = kt_type_path(btf, id, name, &place);
		if (!err)
			err = kt_types_member(types, tname, name, &info);
		t->checked++;
		if (err || place.bit_offset / 8 != info.offset || place.bit_size != info.bit_size) {
			tap_diag("%s.%s: path and kt_types_member disagree", tname, name);
			t->bad++;
			kt_error_destroy(err);
			continue;
		}
		if (btf__resolve_size(btf, place.type) <= 0 && !place.bit_size)
			continue;  // a flexible array covers no byte
		struct kt_member_at *hits;
		size_t n;
		if ((err = kt_type_members_at(btf, id, place.bit_offset / 8, &hits, &n))) {
			tap_diag("member-at %s %llu: %s", tname, (unsigned long long)info.offset,
				 kt_error_message(err));
			kt_error_destroy(err);
			t->bad++;
			continue;
		}
		if (!covers(hits, n, name, place.bit_size)) {
			tap_diag("member-at %s 0x%llx misses %s", tname, (unsigned long long)info.offset, name);
			t->bad++;
		}
		kt_members_at_free(hits, n);
	}
}

static void check_type(struct kt_types *types, const char *tname)
{
	char expr[128];
	uint32_t id;
	struct tally t = {0};
	snprintf(expr, sizeof(expr), "struct %s", tname);
	struct kt_error *err = kt_type_parse(btf, expr, &id);
	if (!err)
		check_members(types, tname, id, id, &t);
	tap_ok(!err && t.checked > 3 && !t.bad,
	       "struct %s: each of %u members is found by path and by member-at", tname, t.checked);
	kt_error_destroy(err);
}

/* A page that can be read followed by one that cannot, in the direct map of RAM. */
static bool find_edge(struct kt_program *prog, uint64_t *ret)
{
	uint64_t base, sym;
	uint8_t byte;
	if (kt_program_symbol_address(prog, "page_offset_base", &sym) ||
	    kt_read_u64(&prog->reader, sym, &base))
		return false;
	bool prev = false;
	for (uint64_t page = 0; page < (4ull << 30) / 4096; page++) {
		struct kt_error *err = kt_read(&prog->reader, base + page * 4096, &byte, 1);
		kt_error_destroy(err);
		if (prev && err) {
			*ret = base + page * 4096;
			return true;
		}
		prev = !err;
	}
	return false;
}

static void check_partial(struct kt_program *prog)
{
	uint64_t edge = 0;
	if (!tap_ok(find_edge(prog, &edge), "the dump has a readable page before an unreadable one"))
		return;
	struct kt_value_options text = {0}, json = {.json = true};
	char *out = NULL;
	struct kt_error *err = kt_value_format(prog, "task_struct", NULL, edge - 64, &text, &out);
	static const char head[] = "struct task_struct {\n  thread_info = {\n    flags = ";
	tap_ok(!err && !strncmp(out, head, strlen(head)) && isdigit(out[strlen(head)]) &&
	       strstr(out, "comm = <unreadable: page excluded"),
	       "a task_struct 64 bytes before an unreadable page: the first members, then <unreadable>");
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	free(out);
	out = NULL;
	err = kt_value_format(prog, "task_struct", NULL, edge - 64, &json, &out);
	json_object *o = err ? NULL : json_tokener_parse(out);
	json_object *members = NULL, *first = NULL, *last = NULL;
	if (o && json_object_object_get_ex(o, "value", &members)) {
		first = json_object_array_get_idx(members, 0);
		last = json_object_array_get_idx(members, json_object_array_length(members) - 1);
	}
	json_object *ferr = NULL, *lerr = NULL;
	tap_ok(first && last && !json_object_object_get_ex(first, "error", &ferr) &&
	       (json_object_object_get_ex(last, "error", &lerr) ||
		json_object_get_type(json_object_object_get(last, "value")) == json_type_array),
	       "the same in JSON: readable members have values, the others an error");
	json_object_put(o);
	kt_error_destroy(err);
	free(out);
	out = NULL;
	err = kt_value_format(prog, "task_struct", "comm", edge - 64, &text, &out);
	tap_ok(err && kt_error_code(err) == KT_ERROR_FAULT,
	       "a member path that is all unreadable is a FAULT: %s", err ? kt_error_message(err) : out);
	kt_error_destroy(err);
	free(out);
}

int main(void)
{
	char *path = tap_lab_file("panic", "vmcore.kdump");
	if (!path)
		return tap_done();
	struct kt_program *prog;
	struct kt_types *types;
	struct kt_error *err = kt_program_open(path, NULL, &prog);
	if (!err)
		err = kt_program_types(prog, &types);
	if (!tap_ok(!err, "open the panic dump and its BTF")) {
		tap_diag("%s", kt_error_message(err));
		return tap_done();
	}
	btf = kt_types_btf(types);
	check_name("unsigned long", NULL, "unsigned long");
	check_name("struct list_head *", NULL, "struct list_head *");
	check_name("atomic_t", NULL, "atomic_t");
	check_name("enum system_states", NULL, "enum system_states");
	check_name("task_struct", "comm", "char [16]");
	check_name("task_struct", "sched_class", "const struct sched_class *");
	check_name("file_operations", "read", "ssize_t (*)(struct file *, char *, size_t, loff_t *)");
	check_name("kvm_vcpu", "arch.regs", "unsigned long [17]");
	check_name("page", "pp_frag_count", "atomic_long_t");
	static const char *const big[] = {"task_struct", "kvm_vcpu", "kvm_vcpu_arch", "page", "rq",
					  "mm_struct", "kvm"};
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		check_type(types, big[i]);
	check_partial(prog);
	kt_program_destroy(prog);
	free(path);
	return tap_done();
}
