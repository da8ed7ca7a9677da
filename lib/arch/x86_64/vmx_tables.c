// SPDX-License-Identifier: MIT
/* Look-ups in the virtualization tables (the .def files beside this one cite the sources). */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/util.h"

static const struct {
	uint32_t index;
	const char *name;
} msr_names[] = {
#define X(index, name) {index, name},
#include "arch/x86_64/msr_names.def"
#undef X
};

const char *kt_msr_name(uint32_t index)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(msr_names); i++)
		if (msr_names[i].index == index)
			return msr_names[i].name;
	// 800H-8FFH: the x2APIC range of the MSR-list rules ([SDM-2016] Vol 3C §26.4, §27.6).
	if ((index >> 8) == 0x8)
		return "x2APIC register";
	return NULL;
}

static const struct {
	uint32_t reason;
	const char *name;
} vmx_exit_reasons[] = {
#define X(number, name) {number, name},
#include "arch/x86_64/vmx_exit_reasons.def"
#undef X
};

const char *kt_vmx_exit_reason_name(uint32_t basic_reason)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(vmx_exit_reasons); i++)
		if (vmx_exit_reasons[i].reason == basic_reason)
			return vmx_exit_reasons[i].name;
	return NULL;
}

static const struct {
	uint64_t code;
	const char *name;
} svm_exit_codes[] = {
#define X(code, name) {code, name},
#include "arch/x86_64/svm_exit_codes.def"
#undef X
};

const char *kt_svm_exit_code_name(uint64_t code)
{
	// SVM_EXIT_ERR is -1 (uapi/asm/svm.h): all ones in the 64-bit EXITCODE, or in exit_code
	// where kernels keep it as a u32 beside exit_code_hi.
	if (code == UINT64_MAX || code == UINT32_MAX)
		return "ERR (VMEXIT_INVALID: VMRUN failed its consistency checks)";
	static const char *const exceptions[32] = {
		"EXCP_DE", "EXCP_DB", "EXCP_NMI", "EXCP_BP", "EXCP_OF", "EXCP_BR", "EXCP_UD", "EXCP_NM",
		"EXCP_DF", "EXCP_9", "EXCP_TS", "EXCP_NP", "EXCP_SS", "EXCP_GP", "EXCP_PF", "EXCP_15",
		"EXCP_MF", "EXCP_AC", "EXCP_MC", "EXCP_XM", "EXCP_VE", "EXCP_CP", "EXCP_22", "EXCP_23",
		"EXCP_24", "EXCP_25", "EXCP_26", "EXCP_27", "EXCP_28", "EXCP_VC", "EXCP_SX", "EXCP_31",
	};
	if (code >= 0x40 && code <= 0x5f)  // SVM_EXIT_EXCP_BASE + vector
		return exceptions[code - 0x40];
	for (size_t i = 0; i < KT_ARRAY_SIZE(svm_exit_codes); i++)
		if (svm_exit_codes[i].code == code)
			return svm_exit_codes[i].name;
	return NULL;
}

static const struct kt_vmx_abort_code abort_codes[] = {
#define X(code, name, meaning, source) {code, name, meaning, source},
#include "arch/x86_64/vmx_abort.def"
#undef X
};

const struct kt_vmx_abort_code *kt_vmx_abort_lookup(uint32_t code)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(abort_codes); i++)
		if (abort_codes[i].code == code)
			return &abort_codes[i];
	return NULL;
}

static const struct {
	uint32_t code;
	const char *text, *source;
} open_causes[] = {
#define OPEN(code, text, source) {code, text, source},
#include "arch/x86_64/vmx_abort_open.def"
#undef OPEN
};

bool kt_vmx_abort_open_cause(uint32_t code, size_t index, const char **text_ret,
			     const char **source_ret)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(open_causes); i++) {
		if (open_causes[i].code != code || index--)
			continue;
		*text_ret = open_causes[i].text;
		*source_ret = open_causes[i].source;
		return true;
	}
	return false;
}

const char kt_vmx_abort_shutdown_text[] =
	"a VMX abort puts the logical processor in the VMX-abort shutdown state (outside SMX "
	"operation): RESET is the only event that wakes it; machine checks, INIT, external "
	"interrupts, NMIs, SIPIs and SMIs do not affect it, so it answers no NMI (the crash NMI "
	"included). The VMCS data of an active VMCS is not updated and is suspect";
const char kt_vmx_abort_shutdown_source[] = "[SDM-2016] Vol 3C §27.7 (p. 27-30); [SDM-old] §23.7";

const char kt_vmcs_format_text[] =
	"the rest of a VMCS region (from byte 8) is in a processor-specific format: it cannot be "
	"decoded from memory (VMREAD on the same processor is the only reader), so the VMCS fields "
	"(MSR-load counts and addresses, guest and host state) are not shown "
	"([SDM-2016] Vol 3C §24.2, Table 24-1; [SDM-old] §20.2)";

/* enum in include/linux/kvm_host.h, the same order in every kernel from 3.10 to 6.16. */
static const char *const vcpu_modes[] = {
	"OUTSIDE_GUEST_MODE", "IN_GUEST_MODE", "EXITING_GUEST_MODE", "READING_SHADOW_PAGE_TABLES",
};

const char *kt_kvm_vcpu_mode_name(int mode)
{
	return mode >= 0 && (size_t)mode < KT_ARRAY_SIZE(vcpu_modes) ? vcpu_modes[mode] : NULL;
}

static const struct {
	unsigned int model;
	const char *linux_name, *name, *pebs;
} intel_models[] = {
#define X(model, linux_name, name, pebs) {model, "INTEL_FAM6_" linux_name, name, #pebs},
#include "arch/x86_64/cpu_models.def"
#undef X
};

void kt_cpu_model_identify(struct kt_cpu_model *m)
{
	m->intel = !strcmp(m->vendor_id, "GenuineIntel");
	m->linux_name = m->name = m->pebs_layout = NULL;
	if (!m->intel || m->family != 6)
		return;
	for (size_t i = 0; i < KT_ARRAY_SIZE(intel_models); i++) {
		if (intel_models[i].model != m->model)
			continue;
		m->linux_name = intel_models[i].linux_name;
		m->name = intel_models[i].name;
		m->pebs_layout = strcmp(intel_models[i].pebs, "NONE") ? intel_models[i].pebs : NULL;
	}
}

const char *kt_msr_list_kind_name(enum kt_msr_list_kind kind)
{
	switch (kind) {
	case KT_MSR_LIST_ENTRY_LOAD:
		return "VM-entry MSR-load (guest values)";
	case KT_MSR_LIST_EXIT_LOAD:
		return "VM-exit MSR-load (host values)";
	case KT_MSR_LIST_EXIT_STORE:
		return "VM-exit MSR-store";
	}
	return "?";
}

const char *kt_check_result_name(enum kt_check_result result)
{
	switch (result) {
	case KT_CHECK_PASS:
		return "pass";
	case KT_CHECK_FAIL:
		return "fail";
	case KT_CHECK_UNKNOWN:
		return "unknown";
	}
	return "?";
}
