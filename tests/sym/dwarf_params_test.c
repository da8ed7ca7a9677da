// SPDX-License-Identifier: MIT
/*
 * DWARF parameters and global types on real dumps: the vmlinux's panic(), the lab module
 * ktest_callforms (its debug file from the lab's debug/ tree) and Debian's kvm/kvm_amd (their debug
 * files from the lab cache), placed at the dump's section addresses, checked against their C
 * declarations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "sym/dwarf_params.h"
#include "tap.h"
#include "tap_open.h"

/* The first parameter of the function at symbol, at its entry. */
static void check_first_param(struct kt_program *prog, const char *symbol, const char *name,
			      const char *type, int dwarf_reg)
{
	uint64_t addr;
	struct kt_dwarf_param *params = NULL;
	size_t n = 0;
	struct kt_error *err = kt_program_symbol_address(prog, symbol, &addr);
	if (!err)
		err = kt_dwarf_function_params(prog, addr, addr, &params, &n);
	if (!tap_ok(!err && n >= 1, "%s: DWARF parameters", symbol)) {
		tap_diag("%s", err ? kt_error_message(err) : "none");
		kt_error_destroy(err);
		return;
	}
	tap_ok(params[0].name && !strcmp(params[0].name, name), "%s: first parameter is %s (got %s)",
	       symbol, name, params[0].name ? params[0].name : "(none)");
	tap_ok(!strcmp(params[0].type, type), "%s: %s has type '%s' (got '%s')", symbol, name, type,
	       params[0].type);
	tap_ok(params[0].where == KT_PARAM_REGISTER && params[0].dwarf_reg == dwarf_reg,
	       "%s: %s is in DWARF register %d at entry (got where %d reg %d: %s)", symbol, name,
	       dwarf_reg, params[0].where, params[0].dwarf_reg, params[0].why ? params[0].why : "");
	kt_dwarf_params_free(params, n);
}

static void check_global(struct kt_program *prog, const char *name, const char *want)
{
	char *type = NULL;
	struct kt_error *err = kt_dwarf_variable_type(prog, name, &type);
	if (tap_ok(!err, "%s: DWARF type", name))
		tap_ok(!strcmp(type, want), "%s has type '%s' (got '%s')", name, want, type);
	else
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	free(type);
}

int main(void)
{
	char *dump = tap_lab_file("callforms", "vmcore.elf");
	if (!dump)
		return tap_done();
	// The lab's module debug files, and the kernel's from the lab cache.
	struct kt_program *prog;
	struct kt_sys_info info;
	struct kt_error *err = tap_program_open(dump, NULL, &prog);
	if (err || (err = kt_sys_info_init(prog, &info))) {
		tap_ok(false, "open %s: %s", dump, kt_error_message(err));
		return tap_done();
	}
	char *debug, *kernel;
	const char *cache = getenv("KTRIAGE_CACHE"), *home = getenv("HOME");
	if (asprintf(&debug, "%s/debug", getenv("KTRIAGE_LAB")) < 0 ||
	    (cache ? asprintf(&kernel, "%s/kernel/%s/dbg", cache, info.release)
		   : asprintf(&kernel, "%s/.cache/ktriage/kernel/%s/dbg", home, info.release)) < 0)
		abort();
	kt_sys_info_deinit(&info);
	kt_program_destroy(prog);

	const char *dirs[] = {debug, kernel};
	struct kt_open_options opts = {.debuginfo_dirs = dirs, .n_debuginfo_dirs = 2};
	if ((err = kt_program_open(dump, &opts, &prog))) {
		tap_ok(false, "open %s: %s", dump, kt_error_message(err));
		return tap_done();
	}
	// void panic(const char *fmt, ...): fmt arrives in rdi, DWARF register 5.
	check_first_param(prog, "panic", "fmt", "const char *", 5);
	// static int ktcf_direct_callee(struct ktcf_obj *obj) (lab/modules/ktest_callforms/cf_main.c)
	check_first_param(prog, "ktcf_direct_callee", "obj", "struct ktcf_obj *", 5);
	check_global(prog, "init_task", "struct task_struct");
	check_global(prog, "panic_notifier_list", "struct atomic_notifier_head");
	kt_program_destroy(prog);
	free(debug);
	free(dump);

	// kvm and kvm_amd with Debian's debug files, found in the kernel's debug tree.
	if (!(dump = tap_lab_file("kvm-svm", "vmcore.elf")))
		return tap_done();
	const char *kernel_dirs[] = {kernel};
	struct kt_open_options kernel_opts = {.debuginfo_dirs = kernel_dirs, .n_debuginfo_dirs = 1};
	if ((err = kt_program_open(dump, &kernel_opts, &prog))) {
		tap_ok(false, "open %s: %s", dump, kt_error_message(err));
		return tap_done();
	}
	check_global(prog, "kvm_x86_ops", "struct kvm_x86_ops");
	// static fastpath_t svm_vcpu_run(struct kvm_vcpu *vcpu) (arch/x86/kvm/svm/svm.c)
	check_first_param(prog, "svm_vcpu_run", "vcpu", "struct kvm_vcpu *", 5);
	kt_program_destroy(prog);
	free(kernel);
	free(dump);
	return tap_done();
}
