// SPDX-License-Identifier: MIT
/*
 * The virtualization tables and the SDM's MSR-list rules (lib/arch/x86_64), without a dump:
 * names, abort codes, IA32_PEBS_ENABLE decoding per model, each rule's failing and passing
 * cases, and the VMCS revision check.
 */
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "tap.h"

static const struct kt_check *find(const struct kt_check *checks, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(checks[i].code, code))
			return &checks[i];
	return NULL;
}

static struct kt_cpu_model model(const char *vendor, unsigned int family, unsigned int m)
{
	struct kt_cpu_model cm = {.known = true, .family = family, .model = m, .stepping = 3};
	snprintf(cm.vendor_id, sizeof(cm.vendor_id), "%s", vendor);
	kt_cpu_model_identify(&cm);
	return cm;
}

/* The result of rule code for one entry. */
static int entry_result(enum kt_msr_list_kind kind, uint32_t index, uint32_t reserved, uint64_t value,
			const struct kt_cpu_model *m, const char *code)
{
	struct kt_check checks[KT_MSR_ENTRY_CHECKS_MAX];
	size_t n = kt_msr_entry_check(kind, index, reserved, value, m, checks);
	const struct kt_check *c = find(checks, n, code);
	return c ? (int)c->result : -1;
}

int main(void)
{
	size_t compared = 0;
	// Names.
	static const struct {
		uint32_t index;
		const char *name;
	} names[] = {{0x3f1, "IA32_PEBS_ENABLE"}, {0x38f, "IA32_PERF_GLOBAL_CTRL"},
		     {0xc0000100, "IA32_FS_BASE"}, {0xc0000101, "IA32_GS_BASE"}, {0x9b, "IA32_SMM_MONITOR_CTL"},
		     {0x8b, "IA32_BIOS_SIGN_ID"}, {0x600, "IA32_DS_AREA"}, {0x830, "x2APIC register"}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++, compared++) {
		const char *got = kt_msr_name(names[i].index);
		tap_ok(got && !strcmp(got, names[i].name), "MSR 0x%x is %s", names[i].index, names[i].name);
	}
	tap_ok(!kt_msr_name(0x12345), "an MSR the table lacks has no name");
	// VMX-abort codes 1-6 ([SDM-2016] §27.7), none beyond.
	for (uint32_t code = 1; code <= 6; code++, compared++)
		tap_ok(kt_vmx_abort_lookup(code) && kt_vmx_abort_lookup(code)->source, "abort code %u listed with its source", code);
	tap_ok(!strcmp(kt_vmx_abort_lookup(4)->name, "LOAD_HOST_MSR_FAIL") &&
	       strstr(kt_vmx_abort_lookup(4)->meaning, "host MSRs"), "abort 4: failure loading host MSRs");
	tap_ok(!kt_vmx_abort_lookup(0) && !kt_vmx_abort_lookup(7), "0 and 7 are no abort codes");
	// Exit reasons and codes.
	tap_ok(!strcmp(kt_vmx_exit_reason_name(34), "MSR_LOAD_FAIL") &&
	       !strcmp(kt_vmx_exit_reason_name(33), "INVALID_STATE") &&
	       !strcmp(kt_vmx_exit_reason_name(0), "EXCEPTION_NMI"), "VMX exit reasons 34, 33, 0 by name");
	tap_ok(!strcmp(kt_svm_exit_code_name(0x7b), "IOIO") && !strcmp(kt_svm_exit_code_name(0x61), "NMI") &&
	       !strcmp(kt_svm_exit_code_name(0x400), "NPF") && !strcmp(kt_svm_exit_code_name(0x4e), "EXCP_PF") &&
	       strstr(kt_svm_exit_code_name(UINT64_MAX), "VMEXIT_INVALID"), "SVM exit codes by name, ERR included");
	tap_ok(!strcmp(kt_kvm_vcpu_mode_name(1), "IN_GUEST_MODE") && !kt_kvm_vcpu_mode_name(4),
	       "vCPU modes");
	compared += 5;
	// Models.
	struct kt_cpu_model skl = model("GenuineIntel", 6, 0x5e), amd = model("AuthenticAMD", 0xf, 0x6b),
			    nhm = model("GenuineIntel", 6, 0x1e), snb = model("GenuineIntel", 6, 0x2a);
	tap_ok(skl.linux_name && !strcmp(skl.linux_name, "INTEL_FAM6_SKYLAKE") && skl.pebs_layout &&
	       !strcmp(skl.pebs_layout, "SKYLAKE"), "family 6 model 0x5E is Skylake client");
	tap_ok(!amd.linux_name && !amd.pebs_layout, "an AMD CPU has no Intel model name or PEBS layout");
	char buf[256];
	tap_ok(kt_msr_value_decode(0x3f1, 2, &skl, buf, sizeof(buf)) && strstr(buf, "bit 1 PEBS_EN_PMC1"),
	       "0x3F1 = 2 on Skylake: PEBS on PMC1 (%s)", buf);
	tap_ok(kt_msr_value_decode(0x3f1, 1ull << 33, &nhm, buf, sizeof(buf)) && strstr(buf, "LL_EN_PMC1"),
	       "0x3F1 bit 33 on Nehalem: load latency on PMC1 (%s)", buf);
	tap_ok(kt_msr_value_decode(0x3f1, 1ull << 63, &snb, buf, sizeof(buf)) && strstr(buf, "PS_ENABLE"),
	       "0x3F1 bit 63 on Sandy Bridge: precise store (%s)", buf);
	tap_ok(!kt_msr_value_decode(0x3f1, 2, &amd, buf, sizeof(buf)) && strstr(buf, "no IA32_PEBS_ENABLE layout"),
	       "no layout on AMD says so (%s)", buf);
	compared += 6;
	// Entry rules: each failing case, and the Skylake case that passes every rule.
	const enum kt_msr_list_kind X = KT_MSR_LIST_EXIT_LOAD, E = KT_MSR_LIST_ENTRY_LOAD, S = KT_MSR_LIST_EXIT_STORE;
	tap_ok(entry_result(X, 0xc0000100, 0, 0, &skl, "msr.fs_gs_base") == KT_CHECK_FAIL &&
	       entry_result(E, 0xc0000101, 0, 0, &skl, "msr.fs_gs_base") == KT_CHECK_FAIL &&
	       entry_result(S, 0xc0000100, 0, 0, &skl, "msr.fs_gs_base") == -1,
	       "FS/GS base fail in load lists; the rule is not one of the store list");
	tap_ok(entry_result(X, 0x808, 0, 0, &skl, "msr.x2apic_range") == KT_CHECK_FAIL &&
	       entry_result(X, 0x900, 0, 0, &skl, "msr.x2apic_range") == KT_CHECK_PASS, "x2APIC range 800H-8FFH");
	tap_ok(entry_result(X, 0x9b, 0, 0, &skl, "msr.smm_only") == KT_CHECK_FAIL &&
	       entry_result(S, 0x9e, 0, 0, &skl, "msr.smm_only") == KT_CHECK_FAIL &&
	       entry_result(X, 0x9e, 0, 0, &skl, "msr.smm_only") == KT_CHECK_PASS, "SMM-only MSRs by list");
	tap_ok(entry_result(X, 0x79, 0, 0, &skl, "msr.microcode") == KT_CHECK_FAIL &&
	       entry_result(S, 0x8b, 0, 0, &skl, "msr.microcode") == KT_CHECK_FAIL, "microcode MSRs");
	tap_ok(entry_result(X, 0x3f1, 1, 2, &skl, "msr.entry_reserved") == KT_CHECK_FAIL, "reserved field not 0");
	tap_ok(entry_result(X, 0x3f1, 0, 0x10, &skl, "msr.value_reserved") == KT_CHECK_FAIL &&
	       entry_result(X, 0x3f1, 0, 1ull << 63, &skl, "msr.value_reserved") == KT_CHECK_UNKNOWN &&
	       entry_result(X, 0x3f1, 0, 2, &amd, "msr.value_reserved") == KT_CHECK_UNKNOWN,
	       "PEBS_ENABLE bit 4 is reserved on Skylake, bit 63 not judged, no layout on AMD");
	struct kt_check checks[KT_MSR_ENTRY_CHECKS_MAX];
	size_t n = kt_msr_entry_check(X, 0x3f1, 0, 2, &skl, checks), pass = 0;
	for (size_t i = 0; i < n; i++)
		pass += checks[i].result == KT_CHECK_PASS && checks[i].source && checks[i].rule;
	tap_ok(n == 6 && pass == n, "{0x3F1, reserved 0, value 2} on model 0x5E passes all %zu rules", n);
	compared += 7 + n;
	// List rules.
	struct kt_check lc[KT_MSR_LIST_CHECKS_MAX];
	n = kt_msr_list_check(X, 0x1000, 9, 8, false, 0, 0, lc);
	tap_ok(find(lc, n, "list.count_capacity")->result == KT_CHECK_FAIL, "a count above the array fails");
	n = kt_msr_list_check(X, 0x1000, 600, 1000, false, 0, 0, lc);
	tap_ok(find(lc, n, "list.count_recommended")->result == KT_CHECK_UNKNOWN,
	       "600 entries without IA32_VMX_MISC: unknown");
	n = kt_msr_list_check(X, 0x1000, 600, 1000, true, 0, 0, lc);
	tap_ok(find(lc, n, "list.count_recommended")->result == KT_CHECK_FAIL, "600 entries with N = 0: above 512");
	n = kt_msr_list_check(X, 0x1000, 600, 1000, true, 1ull << 25, 0, lc);
	tap_ok(find(lc, n, "list.count_recommended")->result == KT_CHECK_PASS, "600 entries with N = 1: under 1024");
	n = kt_msr_list_check(X, 0x1008, 1, 8, false, 0, 0, lc);
	tap_ok(find(lc, n, "list.aligned")->result == KT_CHECK_FAIL, "an unaligned list fails");
	n = kt_msr_list_check(X, 0x1000, 1, 8, false, 0, 2, lc);
	tap_ok(find(lc, n, "list.live_beyond_count")->result == KT_CHECK_UNKNOWN,
	       "live entries past the count are reported, not judged");
	compared += 6;
	// VMCS revision.
	struct kt_check rc;
	kt_vmcs_revision_check(4, false, true, 4, "", &rc);
	tap_ok(rc.result == KT_CHECK_PASS, "revision 4 = vmcs_config 4");
	kt_vmcs_revision_check(5, false, true, 4, "", &rc);
	tap_ok(rc.result == KT_CHECK_FAIL && strstr(rc.detail, "differ"), "revision 5 != vmcs_config 4 (%s)", rc.detail);
	kt_vmcs_revision_check(4, true, true, 4, "", &rc);
	tap_ok(rc.result == KT_CHECK_FAIL, "shadow bit on an ordinary VMCS fails");
	kt_vmcs_revision_check(4, false, false, 0, "no vmcs_config", &rc);
	tap_ok(rc.result == KT_CHECK_UNKNOWN && strstr(rc.detail, "no vmcs_config"), "without vmcs_config: unknown");
	compared += 4;
	const char *text, *source;
	tap_ok(kt_vmx_abort_open_cause(4, 0, &text, &source) && source && !kt_vmx_abort_open_cause(4, 99, &text, &source),
	       "what remains possible for abort 4 is listed with sources");
	tap_ok(compared > 0, "compared %zu table entries and rule outcomes", compared);
	return tap_done();
}
