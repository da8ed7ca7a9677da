// SPDX-License-Identifier: MIT
/*
 * The type layer on a real dump's BTF: type expressions and C names, member paths against the
 * older kt_types_member(), member-at against member paths for every member of large kernel
 * types, a value print-out of an object that runs into an unreadable page, and module types
 * through the type-ref API.
 */
#include <ctype.h>
#include <json-c/json.h>

#include "core/error.h"
#include "core/util.h"
#include "program.h"
#include "sym/btf_names.h"
#include "sym/type_print.h"
#include "tap.h"
#include "tap_open.h"

static const struct btf *btf;

static void check_name(const char *expr, const char *path, const char *want)
{
	uint32_t id;
	struct kt_type_place place;
	struct kt_error *err = kt_type_parse(btf, NULL, expr, &id);
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
		kt_members_at_destroy(hits, n);
	}
}

static void check_type(struct kt_types *types, const char *tname)
{
	char expr[128];
	uint32_t id;
	struct tally t = {0};
	snprintf(expr, sizeof(expr), "struct %s", tname);
	struct kt_error *err = kt_type_parse(btf, NULL, expr, &id);
	if (!err)
		check_members(types, tname, id, id, &t);
	tap_ok(!err && t.checked > 3 && !t.bad,
	       "struct %s: each of %u members is found by path and by member-at", tname, t.checked);
	kt_error_destroy(err);
}

static unsigned int compare_lookup(const struct btf *b, struct kt_btf_names *names,
				   const char *what, const char *name, int kind)
{
	int32_t want = btf__find_by_name_kind(b, name, (uint32_t)kind);
	int32_t got = kt_btf_find_by_name_kind(b, names, name, kind);
	if (want < 0)
		want = -1;  // libbpf's -ENOENT
	if (got == want)
		return 0;
	tap_diag("%s: '%s' kind %d: index %d, scan %d", what, name, kind, got, want);
	return 1;
}

/*
 * The index by name answers as libbpf's scan (btf__find_by_name_kind): for the names of about 300
 * types spread over the ids, under their own kind and two others, for names no type has, and for
 * "void". b is a split BTF when first > 1 (base: its base's index).
 */
static struct kt_btf_names *check_names_index(const struct btf *b, uint32_t first,
					      struct kt_btf_names *base, const char *what)
{
	struct kt_btf_names *names = kt_btf_names_create(b, first, base);
	unsigned int checked = 0, bad = 0;
	uint32_t n = btf__type_cnt(b), step = (n - first) / 300 + 1;
	for (uint32_t id = first; names && id < n; id += step) {
		const struct btf_type *t = btf__type_by_id(b, id);
		const char *name = btf__name_by_offset(b, t->name_off);
		const int kinds[] = {(int)btf_kind(t), BTF_KIND_TYPEDEF, BTF_KIND_FWD};
		for (size_t k = 0; name && k < KT_ARRAY_SIZE(kinds); k++, checked++)
			bad += compare_lookup(b, names, what, name, kinds[k]);
	}
	static const char *const missing[] = {"no_such_type_at_all", "", "void"};
	for (size_t i = 0; names && i < KT_ARRAY_SIZE(missing); i++, checked += 2) {
		bad += compare_lookup(b, names, what, missing[i], BTF_KIND_STRUCT);
		bad += compare_lookup(b, names, what, missing[i], BTF_KIND_VAR);
	}
	tap_ok(names && checked > 600 && !bad,
	       "%s: the index by name agrees with libbpf's scan on %u lookups (%u differ)", what,
	       checked, bad);
	return names;
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

/* The type-ref API on the kvm-svm dump, whose kvm and kvm_amd modules carry Debian's split BTF:
 * types and functions private to a module, parameters, pointees, member paths at offsets. */
/*
 * Whether the dumps' kernel gives its modules BTF (CONFIG_DEBUG_INFO_BTF_MODULES, 5.11+), from the
 * config file of the kernel image the lab extracted: $KTRIAGE_CACHE/kernel/RELEASE/image/boot/
 * config-RELEASE, RELEASE from the dumps tree's name (RELEASE-LABHASH). -1 if it cannot be read.
 */
static int kernel_has_module_btf(void)
{
	const char *lab = getenv("KTRIAGE_LAB"), *cache = getenv("KTRIAGE_CACHE");
	if (!lab || !cache)
		return -1;
	const char *base = strrchr(lab, '/') ? strrchr(lab, '/') + 1 : lab;
	const char *dash = strrchr(base, '-');
	if (!dash)
		return -1;
	int n = (int)(dash - base);
	char *path;
	if (asprintf(&path, "%s/kernel/%.*s/image/boot/config-%.*s", cache, n, base, n, base) < 0)
		abort();
	FILE *f = fopen(path, "r");
	free(path);
	// Without the image package's config, the headers package's (.config) is the same file.
	if (!f && asprintf(&path, "%s/kernel/%.*s/headers/usr/src/linux-headers-%.*s/.config", cache, n, base, n,
			   base) >= 0) {
		f = fopen(path, "r");
		free(path);
	}
	if (!f)
		return -1;
	char line[256];
	int yes = 0;
	while (fgets(line, sizeof(line), f))
		yes |= !strcmp(line, "CONFIG_DEBUG_INFO_BTF_MODULES=y\n");
	fclose(f);
	return yes;
}

static void check_modules(const char *dump)
{
	int module_btf = kernel_has_module_btf();
	if (!tap_ok(module_btf >= 0, "the kernel's config is at hand (KTRIAGE_CACHE/kernel/RELEASE/image/boot or headers)"))
		return;
	if (!module_btf) {
		printf("# kvm-svm: this kernel has no CONFIG_DEBUG_INFO_BTF_MODULES (its modules carry no BTF):"
		       " the module-BTF checks do not apply\n");
		return;
	}
	struct kt_open_options opts = {.no_debuginfo = true};
	struct kt_program *prog;
	struct kt_types *types;
	struct kt_error *err = tap_program_open(dump, &opts, &prog);
	if (!err)
		err = kt_program_types(prog, &types);
	if (!tap_ok(!err, "open the kvm-svm dump and its BTF")) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	const struct btf *vmlinux = kt_types_btf(types);
	struct kt_type_ref svm, vcpu, proto, ref;
	char buf[256], name[128];
	err = kt_types_lookup(types, "struct vcpu_svm", &svm);
	tap_ok(!err && svm.btf != vmlinux && svm.id >= (int32_t)btf__type_cnt(vmlinux) &&
	       !strcmp(kt_types_name(svm, buf, sizeof(buf)), "struct vcpu_svm"),
	       "struct vcpu_svm is found in a module's BTF, with an id after vmlinux's");
	kt_error_destroy(err);
	err = kt_types_lookup(types, "kvm_amd:vcpu_svm", &ref);
	tap_ok(!err && ref.btf == svm.btf && ref.id == svm.id, "kvm_amd:vcpu_svm is the same type");
	kt_error_destroy(err);
	struct kt_btf_names *vmlinux_names = kt_btf_names_create(vmlinux, 1, NULL);
	kt_btf_names_destroy(check_names_index(svm.btf, btf__type_cnt(vmlinux), vmlinux_names,
					       "kvm_amd (split BTF)"));
	kt_btf_names_destroy(vmlinux_names);
	err = kt_types_lookup(types, "kvm:vcpu_svm", &ref);
	tap_ok(err && kt_error_code(err) == KT_ERROR_NOT_FOUND &&
	       strstr(kt_error_message(err), "module kvm's BTF"),
	       "kvm:vcpu_svm: not in kvm's BTF, and the error says where it looked");
	kt_error_destroy(err);
	err = kt_types_lookup(types, "struct kvm_vcpu", &vcpu);
	tap_ok(!err && vcpu.btf == vmlinux, "struct kvm_vcpu comes from vmlinux first");
	kt_error_destroy(err);

	// struct vcpu_svm (arch/x86/kvm/svm/svm.h, 5.12+) starts with the kvm_vcpu, the vmcb pointer,
	// then vmcb01 (struct kvm_vmcb_info: ptr, pa, ...); lab/modules/ktest_kvminfo checks it
	// against each kernel's kvm-amd.ko.
	uint64_t size, vcpu_size = 0;
	struct kt_member_info info;
	err = kt_types_size(types, "kvm_vcpu", &vcpu_size);
	if (!err)
		err = kt_types_size(types, "vcpu_svm", &size);
	if (!err)
		err = kt_types_member(types, "vcpu_svm", "vmcb01.pa", &info);
	uint64_t vmcb01 = vcpu_size + 8;
	tap_ok(!err && size > vcpu_size && info.offset == vmcb01 + 8 && info.size == 8 &&
	       kt_types_has_member(types, "vcpu_svm", "current_vmcb"),
	       "kt_types_size/member/has_member on a module type (vmcb01.pa at %" PRIu64 ")", vmcb01 + 8);
	kt_error_destroy(err);

	// svm_vcpu_run(struct kvm_vcpu *vcpu, u64 run_flags) in Debian's 6.1 kvm_amd;
	// kvm_vcpu_ioctl(filp, ioctl, arg) in kvm.
	const char *pname = NULL;
	struct kt_type_ref ptype, pointee;
	err = kt_types_function(types, "svm_vcpu_run", &proto);
	tap_ok(!err && proto.btf != vmlinux && kt_types_param_count(proto) == 2 &&
	       kt_types_param(proto, 0, &pname, &ptype) && !strcmp(pname, "vcpu") &&
	       !strcmp(kt_types_name(ptype, buf, sizeof(buf)), "struct kvm_vcpu *") &&
	       kt_types_pointee(ptype, &pointee) &&
	       !strcmp(kt_types_name(pointee, name, sizeof(name)), "struct kvm_vcpu") &&
	       kt_types_param(proto, 1, &pname, &ptype) && !strcmp(pname, "run_flags") &&
	       !kt_types_param(proto, 2, &pname, &ptype),
	       "svm_vcpu_run's FUNC_PROTO: vcpu, a struct kvm_vcpu *, and run_flags");
	kt_error_destroy(err);
	err = kt_types_function(types, "kvm_vcpu_ioctl", &proto);
	tap_ok(!err && kt_types_param_count(proto) == 3 && kt_types_param(proto, 2, &pname, &ptype) &&
	       !strcmp(pname, "arg") && !strcmp(kt_types_name(ptype, buf, sizeof(buf)), "unsigned long"),
	       "kvm_vcpu_ioctl (kvm): its third parameter is unsigned long arg");
	kt_error_destroy(err);
	err = kt_types_function(types, "schedule", &proto);
	tap_ok(!err && proto.btf == vmlinux && kt_types_param_count(proto) == 0,
	       "schedule (vmlinux) takes no parameters");
	kt_error_destroy(err);
	err = kt_types_function(types, "no_such_function_anywhere", &proto);
	tap_ok(err && strstr(kt_error_message(err), "no function 'no_such_function_anywhere'") &&
	       strstr(kt_error_message(err), "kvm_amd"),
	       "a function no BTF has: the error names the modules searched");
	kt_error_destroy(err);
	tap_ok(!kt_types_pointee(svm, &pointee), "a struct is no pointer");

	// member-at: the pointer that starts at the offset wins over what merely covers it.
	err = kt_types_member_at(svm, vmcb01, buf, sizeof(buf), &ref);
	tap_ok(!err && !strcmp(buf, "vmcb01.ptr") &&
	       !strcmp(kt_types_name(ref, name, sizeof(name)), "struct vmcb *"),
	       "member_at(vcpu_svm, %" PRIu64 ") is vmcb01.ptr, a struct vmcb *: %s", vmcb01, err ? "" : buf);
	kt_error_destroy(err);
	err = kt_types_member(types, "kvm_vcpu", "arch.regs[2]", &info);
	uint64_t regs2 = info.offset;
	if (!err)
		err = kt_types_member_at(svm, regs2 + 4, buf, sizeof(buf), NULL);
	tap_ok(!err && !strcmp(buf, "vcpu.arch.regs[2]+0x4"),
	       "member_at inside vcpu.arch.regs[2] says how far in: %s", err ? "" : buf);
	kt_error_destroy(err);
	err = kt_types_member_at(vcpu, regs2, buf, sizeof(buf), &ref);
	tap_ok(!err && !strcmp(buf, "arch.regs[2]") &&
	       !strcmp(kt_types_name(ref, name, sizeof(name)), "unsigned long"),
	       "member_at(kvm_vcpu, offsetof arch.regs[2])");
	kt_error_destroy(err);
	err = kt_types_member(types, "vcpu_svm", "sysenter_eip_hi", &info);
	if (!err)
		err = kt_types_member_at(svm, info.offset + 4, buf, sizeof(buf), NULL);
	tap_ok(err && kt_error_code(err) == KT_ERROR_NOT_FOUND &&
	       strstr(kt_error_message(err), "padding after sysenter_eip_hi"),
	       "member_at in the hole after sysenter_eip_hi: %s", err ? kt_error_message(err) : buf);
	kt_error_destroy(err);
	kt_program_destroy(prog);
}

/* The callforms lab module (its own BTF): a parameter's pointee, and the member a displacement
 * from it reaches through an embedded array of structs, as the call-site resolver asks. */
static void check_callforms(const char *dump)
{
	struct kt_open_options opts = {.no_debuginfo = true};
	// Without module BTF (before 5.11) the module's types come from its DWARF: the lab's debug
	// tree (KTRIAGE_LAB/debug) and the scenario's vmlinux.
	char *debug = NULL, *vmlinux = NULL;
	const char *dirs[1];
	if (kernel_has_module_btf() == 0) {
		if (asprintf(&debug, "%s/debug", getenv("KTRIAGE_LAB")) < 0 ||
		    asprintf(&vmlinux, "%.*s/vmlinux", (int)(strrchr(dump, '/') - dump), dump) < 0)
			abort();
		dirs[0] = debug;
		opts = (struct kt_open_options){.vmlinux = vmlinux, .debuginfo_dirs = dirs, .n_debuginfo_dirs = 1};
		printf("# callforms: no module BTF on this kernel: ktest_callforms's types from %s\n", debug);
	}
	struct kt_program *prog;
	struct kt_types *types;
	struct kt_error *err = tap_program_open(dump, &opts, &prog);
	if (!err)
		err = kt_program_types(prog, &types);
	if (!tap_ok(!err, "open the callforms dump and its BTF")) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		free(debug);
		free(vmlinux);
		return;
	}
	struct kt_type_ref proto, param, vcpu, member;
	struct kt_member_info info;
	const char *pname = "";
	char buf[256], name[128];
	err = kt_types_function(types, "ktest_callforms:ktcf_nested_callee", &proto);
	if (!err)
		err = kt_types_member(types, "ktcf_vcpu", "arch.mmu[1].ops.set_cr3", &info);
	bool ok = !err && kt_types_param(proto, 0, &pname, &param) && !strcmp(pname, "vcpu") &&
		  kt_types_pointee(param, &vcpu);
	if (ok && !(err = kt_types_member_at(vcpu, info.offset, buf, sizeof(buf), &member)))
		ok = !strcmp(buf, "arch.mmu[1].ops.set_cr3") &&
		     !strcmp(kt_types_name(member, name, sizeof(name)), "int (*)(struct ktcf_vcpu *)");
	tap_ok(ok && !err, "ktcf_nested_callee(vcpu): vcpu + 0x%llx is arch.mmu[1].ops.set_cr3, "
	       "int (*)(struct ktcf_vcpu *)", (unsigned long long)info.offset);
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	kt_program_destroy(prog);
	free(debug);
	free(vmlinux);
}

/* The type layer on vmlinux's BTF, on the panic dump. */
static void check_panic(const char *path)
{
	struct kt_program *prog;
	struct kt_types *types;
	struct kt_error *err = tap_program_open(path, NULL, &prog);
	if (!err)
		err = kt_program_types(prog, &types);
	if (!tap_ok(!err, "open the panic dump and its BTF")) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	btf = kt_types_btf(types);
	kt_btf_names_destroy(check_names_index(btf, 1, NULL, "vmlinux"));
	check_name("unsigned long", NULL, "unsigned long");
	check_name("struct list_head *", NULL, "struct list_head *");
	check_name("atomic_t", NULL, "atomic_t");
	check_name("enum system_states", NULL, "enum system_states");
	check_name("task_struct", "comm", "char [16]");
	check_name("task_struct", "sched_class", "const struct sched_class *");
	check_name("file_operations", "read", "ssize_t (*)(struct file *, char *, size_t, loff_t *)");
	check_name("kvm_vcpu", "arch.regs", "unsigned long [17]");
	check_name("page", "_refcount", "atomic_t");
	static const char *const big[] = {"task_struct", "kvm_vcpu", "kvm_vcpu_arch", "page", "rq",
					  "mm_struct", "kvm"};
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		check_type(types, big[i]);
	check_partial(prog);
	kt_program_destroy(prog);
}

int main(void)
{
	char *path;
	if ((path = tap_lab_file("panic", "vmcore.kdump")))
		check_panic(path);
	free(path);
	if ((path = tap_lab_file("kvm-svm", "vmcore.kdump")))
		check_modules(path);
	free(path);
	if ((path = tap_lab_file("callforms", "vmcore.kdump")))
		check_callforms(path);
	free(path);
	return tap_done();
}
