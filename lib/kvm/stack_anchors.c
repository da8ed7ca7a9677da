// SPDX-License-Identifier: MIT
/*
 * Anchors for the unwinder: the host stack pointer kvm saved at the last VM entry of the vCPU
 * whose VMCS is loaded on a CPU (vmx_vcpu.c reads it: vcpu_vmx.host_rsp before v5.0,
 * loaded_vmcs->host_state.rsp from v5.4). The VM-entry code wrote it on that CPU's task stack,
 * in the vCPU thread's frames; the unwinder rebuilds the chain above it (unwind/anchor.c).
 */
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kvm/kvm_internal.h"

struct kt_error *kt_stack_anchors(struct kt_program *prog, unsigned int cpu,
				  struct kt_stack_anchor *ret, size_t max, size_t *n_ret)
{
	*n_ret = 0;
	struct kt_vmx_state *s;
	struct kt_error *err = kt_vmx_state_read(prog, 0, &s);
	if (err) {
		// No VMX in the dump (or none readable): nothing vouches for the stack.
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);
		return NULL;
	}
	for (size_t i = 0; i < s->n_vcpus && *n_ret < max; i++) {
		const struct kt_vmx_vcpu *v = &s->vcpus[i];
		if (!v->has_host_rsp || !v->n_loaded)
			continue;
		// The VMCS that host_rsp belongs to: the one loaded_vmcs points at (read last).
		const struct kt_loaded_vmcs_info *l = &v->loaded[v->n_loaded - 1];
		if (l->cpu < 0 || (unsigned int)l->cpu != cpu || !l->launched)
			continue;
		// Outside guest mode the thread has left the entry code: the value is history, and the
		// frames above it may have been reused since (include/linux/kvm_host.h, vcpu->mode).
		if (v->vcpu.mode_name && !strcmp(v->vcpu.mode_name, "OUTSIDE_GUEST_MODE"))
			continue;
		struct kt_stack_anchor *a = &ret[(*n_ret)++];
		a->sp = v->host_rsp;
		kt_textf(a->source, sizeof(a->source), "%s of vCPU %d (struct kvm_vcpu 0x%" PRIx64
			 ", %s, %s loaded on CPU %u)", v->host_rsp_member, v->vcpu.vcpu_id, v->vcpu.address,
			 v->vcpu.mode_name ? v->vcpu.mode_name : "mode unknown", l->role, cpu);
	}
	kt_vmx_state_destroy(s);
	return NULL;
}
