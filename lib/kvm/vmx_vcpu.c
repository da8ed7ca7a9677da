// SPDX-License-Identifier: MIT
/*
 * A vCPU's VMX state (arch/x86/kvm/vmx/vmx.h, vmcs.h; vmx.c before v5.0): struct vcpu_vmx is the
 * container of the struct kvm_vcpu; its loaded_vmcs (vmcs01, or a nested guest's vmcs02) holds
 * the VMCS region, the CPU it is loaded on and whether it was launched. Of the region only the
 * header is architectural ([SDM-2016] Vol 3C §24.2 Table 24-1): bits 30:0 the revision id
 * (equal to IA32_VMX_BASIC[30:0], which kvm_intel keeps in vmcs_config.revision_id), bit 31 the
 * shadow-VMCS indicator, then the 32-bit VMX-abort indicator. struct vmcs is
 * { u32 revision_id; u32 abort; } in v3.10 (and RHEL 7) and { struct vmcs_hdr hdr; u32 abort; }
 * in v4.20 and later, told apart by member name.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kvm/kvm_internal.h"

static void region_read(struct kt_kvm_ctx *ctx, const struct kt_vmx_state *state,
			const struct kt_object *vmcs_ptr, struct kt_vmcs_region *r)
{
	struct kt_object vmcs;
	uint64_t rev = 0, shadow = 0, abort_v = 0;
	struct kt_error *err = kt_object_read_unsigned(vmcs_ptr, &r->address);
	if (!err && !r->address) {
		kt_textf(r->error, sizeof(r->error), "no VMCS (NULL pointer)");
		return;
	}
	if (!err)
		err = kt_object_deref(vmcs_ptr, &vmcs);
	if (!err) {
		struct kt_object m;
		if (kt_kvm_has(&vmcs, "hdr")) {
			if (!(err = kt_object_member(&vmcs, "hdr.revision_id", &m)) &&
			    !(err = kt_object_read_unsigned(&m, &rev)) &&
			    !(err = kt_object_member(&vmcs, "hdr.shadow_vmcs", &m)))
				err = kt_object_read_unsigned(&m, &shadow);
		} else if (!(err = kt_object_member(&vmcs, "revision_id", &m)) &&
			   !(err = kt_object_read_unsigned(&m, &rev))) {
			shadow = rev >> 31;  // one u32: bit 31 is the shadow-VMCS indicator (SDM-2016)
			rev &= 0x7fffffff;
		}
		if (!err && !(err = kt_object_member(&vmcs, "abort", &m)))
			err = kt_object_read_unsigned(&m, &abort_v);
	}
	if (err) {
		kt_textf(r->error, sizeof(r->error), "VMCS header: %s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	(void)ctx;
	r->readable = true;
	r->revision_id = (uint32_t)rev;
	r->shadow = shadow;
	r->abort = (uint32_t)abort_v;
	const struct kt_vmx_abort_code *code = kt_vmx_abort_lookup(r->abort);
	if (code) {
		r->abort_name = code->name;
		r->abort_meaning = code->meaning;
		r->abort_source = code->source;
	} else if (r->abort) {
		r->abort_meaning = "a value the SDM does not list: written by software or corruption";
		r->abort_source = "[SDM-2016] Vol 3C §27.7";
	}
	kt_vmcs_revision_check(r->revision_id, r->shadow, state->has_vmcs_config,
			       state->vmcs_config_revision, state->vmcs_config_note, &r->revision_check);
}

static void loaded_read(struct kt_kvm_ctx *ctx, const struct kt_vmx_state *state,
			const struct kt_object *lv, const char *role, uint64_t current,
			struct kt_loaded_vmcs_info *out)
{
	int64_t cpu = -1;
	uint64_t launched = 0, rsp;
	*out = (struct kt_loaded_vmcs_info){.address = lv->address, .role = role, .cpu = -1,
					    .current = lv->address == current};
	if (kt_kvm_i64(lv, "cpu", &cpu))
		out->cpu = (int)cpu;
	if (kt_object_member_u64(lv, "launched", &launched))
		out->launched = launched;
	if (kt_object_member_u64(lv, "host_state.rsp", &rsp)) {
		out->has_host_rsp = true;
		out->host_rsp = rsp;
	}
	struct kt_object vmcs;
	struct kt_error *err = kt_object_member(lv, "vmcs", &vmcs);
	if (err) {
		kt_textf(out->vmcs.error, sizeof(out->vmcs.error), "%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	region_read(ctx, state, &vmcs, &out->vmcs);
}

static struct kt_error *vcpu_read(struct kt_kvm_ctx *ctx, struct kt_vmx_state *state,
				  const struct kt_kvm_vcpu *vcpu, struct kt_vmx_vcpu *out)
{
	struct kt_object vmx, vmcs01, current;
	uint64_t current_addr = 0;
	*out = (struct kt_vmx_vcpu){.vcpu = *vcpu, .module = ctx->vmx_module};
	struct kt_error *err = kt_kvm_vendor_object(ctx, KT_KVM_VENDOR_VMX, vcpu->address, &vmx);
	if (err)
		return kt_kvm_note(err, out->error, sizeof(out->error), "struct vcpu_vmx");
	out->vcpu_vmx = vmx.address;
	if ((err = kt_object_member(&vmx, "vmcs01", &vmcs01)))
		return kt_kvm_note(err, out->error, sizeof(out->error), "vcpu_vmx.vmcs01");
	if (!kt_object_member_u64(&vmx, "loaded_vmcs", &current_addr))
		kt_textf(out->error, sizeof(out->error), "vcpu_vmx.loaded_vmcs cannot be read");
	loaded_read(ctx, state, &vmcs01, "vmcs01", current_addr, &out->loaded[out->n_loaded++]);
	// A nested guest's VMCS: vmx->nested.vmcs02 (v6.1; v3.10 keeps a pool instead), shown once
	// it has a region; else whatever loaded_vmcs points at other than vmcs01.
	struct kt_object vmcs02;
	uint64_t region = 0;
	struct kt_error *nested = kt_object_member(&vmx, "nested.vmcs02", &vmcs02);
	bool has_vmcs02 = !nested && kt_object_member_u64(&vmcs02, "vmcs", &region) && region;
	kt_error_destroy(nested);
	if (has_vmcs02) {
		loaded_read(ctx, state, &vmcs02, "vmcs02 (nested guest)", current_addr,
			    &out->loaded[out->n_loaded++]);
	} else if (current_addr && current_addr != vmcs01.address) {
		char type[160];
		err = kt_object_from_address(ctx->prog, kt_kvm_type(ctx->vmx_module, "struct loaded_vmcs",
								    type, sizeof(type)),
					     current_addr, &current);
		if (err)
			return kt_kvm_note(err, out->error, sizeof(out->error), "loaded_vmcs");
		loaded_read(ctx, state, &current, "vmcs02 (nested guest)", current_addr,
			    &out->loaded[out->n_loaded++]);
	}
	// The host stack pointer of the last VM entry: loaded_vmcs->host_state.rsp (in v5.4, not in
	// v5.0), vcpu_vmx.host_rsp before.
	const struct kt_loaded_vmcs_info *cur = &out->loaded[out->n_loaded - 1];
	uint64_t rsp;
	if (cur->has_host_rsp) {
		out->has_host_rsp = true;
		out->host_rsp = cur->host_rsp;
		kt_textf(out->host_rsp_member, sizeof(out->host_rsp_member), "loaded_vmcs->host_state.rsp");
	} else if (kt_object_member_u64(&vmx, "host_rsp", &rsp)) {
		out->has_host_rsp = true;
		out->host_rsp = rsp;
		kt_textf(out->host_rsp_member, sizeof(out->host_rsp_member), "vcpu_vmx.host_rsp");
	}
	kt_vmx_msr_lists_read(ctx, &vmx, state->has_vmx_misc, state->vmx_misc, out);
	for (size_t i = 0; i < out->n_lists && !out->has_pebs; i++)
		for (size_t j = 0; j < out->lists[i].n_entries; j++)
			if (out->lists[i].entries[j].index == KT_MSR_IA32_PEBS_ENABLE)
				out->has_pebs = true;
	if (out->has_pebs)
		kt_pebs_context_read(ctx, vcpu->cpu, &out->pebs);
	return NULL;
}

static void vmcs_config_read(struct kt_kvm_ctx *ctx, struct kt_vmx_state *state)
{
	struct kt_object config;
	uint64_t v;
	char type[160];
	// kvm_intel's static struct vmcs_config vmcs_config (vmx.c): typed by its module.
	struct kt_error *err = kt_object_symbol(ctx->prog, "vmcs_config",
		kt_kvm_type(ctx->vmx_module, "struct vmcs_config", type, sizeof(type)), &config, NULL);
	if (err) {
		kt_textf(state->vmcs_config_note, sizeof(state->vmcs_config_note),
			 "vmcs_config is not in the dump (%s): the revision id is not checked against "
			 "IA32_VMX_BASIC", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	if (!kt_object_member_u64(&config, "revision_id", &v)) {
		kt_textf(state->vmcs_config_note, sizeof(state->vmcs_config_note),
			 "vmcs_config.revision_id cannot be read");
		return;
	}
	state->has_vmcs_config = true;
	state->vmcs_config_revision = (uint32_t)v;
	kt_textf(state->vmcs_config_note, sizeof(state->vmcs_config_note),
		 "vmcs_config.revision_id %u", state->vmcs_config_revision);
	if (kt_object_member_u64(&config, "misc", &v)) {
		state->has_vmx_misc = true;
		state->vmx_misc = v;
	}
}

static void cpus_match(struct kt_vmx_state *state)
{
	for (size_t i = 0; i < state->n_cpus; i++) {
		struct kt_vmx_cpu *c = &state->cpus[i];
		for (size_t j = 0; j < state->n_vcpus; j++) {
			struct kt_vmx_vcpu *v = &state->vcpus[j];
			for (size_t k = 0; k < v->n_loaded; k++) {
				if (v->loaded[k].vmcs.address && v->loaded[k].vmcs.address == c->current_vmcs)
					c->current_vcpu = v->vcpu.address;
				for (size_t l = 0; l < c->n_loaded; l++)
					if (c->loaded[l] == v->loaded[k].address)
						c->loaded_vcpu[l] = v->vcpu.address;
			}
		}
	}
}

struct kt_error *kt_vmx_state_read(struct kt_program *prog, uint64_t vcpu, struct kt_vmx_state **ret)
{
	struct kt_kvm_ctx ctx;
	struct kt_error *err = kt_kvm_ctx_init(prog, &ctx);
	if (err)
		return err;
	if (!ctx.vmx_module)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no loaded module defines struct vcpu_vmx "
				       "(kvm_intel not loaded, or no BTF or debug file for it)");
	struct kt_kvm_state *kvm;
	if ((err = kt_kvm_state_read(prog, &kvm)))
		return err;
	struct kt_vmx_state *state = calloc(1, sizeof(*state));
	size_t total = 0;
	for (size_t i = 0; i < kvm->n_vms; i++)
		total += kvm->vms[i].n_vcpus;
	if (!state || !(state->vcpus = calloc(total ? total : 1, sizeof(*state->vcpus)))) {
		free(state);
		kt_kvm_state_destroy(kvm);
		return &kt_enomem;
	}
	state->module = ctx.vmx_module;
	state->cpu_model = ctx.cpu_model;
	state->vmcs_format_note = kt_vmcs_format_text;
	vmcs_config_read(&ctx, state);
	for (size_t i = 0; !err && i < kvm->n_vms; i++) {
		for (size_t j = 0; !err && j < kvm->vms[i].n_vcpus; j++) {
			const struct kt_kvm_vcpu *v = &kvm->vms[i].vcpus[j];
			if (v->vendor != KT_KVM_VENDOR_VMX)
				continue;
			struct kt_vmx_vcpu *out = &state->vcpus[state->n_vcpus];
			err = vcpu_read(&ctx, state, v, out);
			if (err)
				break;
			if (vcpu && vcpu != v->address && vcpu != out->vcpu_vmx) {
				free(out->lists[0].entries);
				free(out->lists[1].entries);
				free(out->lists[2].entries);
				continue;
			}
			state->n_vcpus++;
		}
	}
	kt_kvm_state_destroy(kvm);
	if (!err)
		err = kt_vmx_cpus_read(&ctx, &state->cpus, &state->n_cpus);
	if (!err && vcpu && !state->n_vcpus)
		err = kt_error_create(KT_ERROR_NOT_FOUND, "no VMX vCPU at 0x%" PRIx64, vcpu);
	if (err) {
		kt_vmx_state_destroy(state);
		return err;
	}
	cpus_match(state);
	*ret = state;
	return NULL;
}

void kt_vmx_state_destroy(struct kt_vmx_state *state)
{
	if (!state)
		return;
	for (size_t i = 0; i < state->n_vcpus; i++)
		for (size_t j = 0; j < state->vcpus[i].n_lists; j++)
			free(state->vcpus[i].lists[j].entries);
	free(state->vcpus);
	kt_vmx_cpus_destroy(state->cpus, state->n_cpus);
	free(state);
}
