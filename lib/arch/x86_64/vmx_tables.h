/* SPDX-License-Identifier: MIT */
/*
 * x86-64 virtualization facts as tables (each .def cites its sources): MSR names, VMX-abort
 * codes, VMX exit reasons, SVM exit codes, KVM vCPU modes, Intel CPU models, IA32_PEBS_ENABLE
 * layouts, and the SDM's rules for the VMX MSR lists (msr_rules.c evaluates them).
 */
#ifndef KT_ARCH_X86_64_VMX_TABLES_H
#define KT_ARCH_X86_64_VMX_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktriage.h"

enum {
	KT_MSR_IA32_PEBS_ENABLE = 0x3f1,
	KT_VMX_EXIT_FAILED_VMENTRY = 0x80000000u, /* uapi/asm/vmx.h VMX_EXIT_REASONS_FAILED_VMENTRY */
};

struct kt_vmx_abort_code {
	uint32_t code;
	const char *name, *meaning, *source;
};

/* NULL for a value the SDM does not list. */
const struct kt_vmx_abort_code *kt_vmx_abort_lookup(uint32_t code);
/* What a VMX abort does to the processor, with its source. */
extern const char kt_vmx_abort_shutdown_text[];
extern const char kt_vmx_abort_shutdown_source[];
/* The part of a VMCS region that cannot be read from memory. */
extern const char kt_vmcs_format_text[];

/* What remains possible for abort code when the rules in memory pass (vmx_abort_open.def):
 * explanation and source of the index'th, false past the last. */
bool kt_vmx_abort_open_cause(uint32_t code, size_t index, const char **text_ret,
			     const char **source_ret);

/* enum kvm vcpu modes (include/linux/kvm_host.h): NULL out of range. */
const char *kt_kvm_vcpu_mode_name(int mode);

/* The CPU model's names and PEBS layout, from vendor, family and model. */
void kt_cpu_model_identify(struct kt_cpu_model *model);

/* The bits of a value of MSR index by name (only MSRs with a layout for model); false and an
 * explanation in buf when there is none. */
bool kt_msr_value_decode(uint32_t index, uint64_t value, const struct kt_cpu_model *model,
			 char *buf, size_t size);

/* The rules for one entry of a list of kind: writes at most KT_MSR_ENTRY_CHECKS_MAX. */
size_t kt_msr_entry_check(enum kt_msr_list_kind kind, uint32_t index, uint32_t reserved,
			  uint64_t value, const struct kt_cpu_model *model, struct kt_check *out);

/* The rules for a list as a whole. vmx_misc: IA32_VMX_MISC if known (has_misc). live_beyond:
 * how many entries past count hold an index. Writes at most KT_MSR_LIST_CHECKS_MAX. */
size_t kt_msr_list_check(enum kt_msr_list_kind kind, uint64_t address, uint32_t count,
			 uint32_t capacity, bool has_misc, uint64_t vmx_misc, unsigned int live_beyond,
			 struct kt_check *out);

/* An ordinary VMCS region's header against the revision kvm_intel read from IA32_VMX_BASIC
 * (vmcs_config.revision_id; has_config false: no_config says why it is unknown). */
void kt_vmcs_revision_check(uint32_t revision, bool shadow, bool has_config, uint32_t config_revision,
			    const char *no_config, struct kt_check *out);

/* The list's name for people: "VM-exit MSR-load (host values)". */
const char *kt_msr_list_kind_name(enum kt_msr_list_kind kind);

#endif
