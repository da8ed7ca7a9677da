// SPDX-License-Identifier: MIT
/*
 * One vCPU as struct kvm_vcpu (include/linux/kvm_host.h) shows it: id, the CPU it was last
 * loaded on, mode, requests, its thread (vcpu->pid, set by kvm_vcpu_ioctl(KVM_RUN)), whether it
 * is on its CPU now, and the vendor's last exit reason.
 */
#include <inttypes.h>
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kernel/pid_task.h"
#include "kernel/tasks.h"
#include "kvm/kvm_internal.h"

/*
 * Running now: the per-CPU kvm_running_vcpu (kvm_main.c; in v5.7, not in v5.4) names the
 * vCPU loaded on each CPU between vcpu_load() and vcpu_put(); without it, the vCPU's thread being
 * the current task of the CPU the vCPU was last loaded on.
 */
static void running_fill(struct kt_kvm_ctx *ctx, struct kt_kvm_vcpu *v)
{
	struct kt_program *prog = ctx->prog;
	if (v->cpu < 0)
		return;
	struct kt_object running;
	uint64_t value;
	struct kt_error *err = kt_object_symbol(prog, "kvm_running_vcpu", "struct kvm_vcpu *", &running,
						NULL);
	if (!err && !(err = kt_object_per_cpu(&running, (unsigned int)v->cpu, &running)) &&
	    !(err = kt_object_read_unsigned(&running, &value))) {
		v->running = value == v->address;
		kt_textf(v->running_evidence, sizeof(v->running_evidence),
			 "kvm_running_vcpu of CPU %d is 0x%" PRIx64, v->cpu, value);
		return;
	}
	kt_error_destroy(err);
	uint64_t current;
	err = kt_cpu_current_task(prog, (unsigned int)v->cpu, &current);
	if (err) {
		kt_textf(v->running_evidence, sizeof(v->running_evidence), "unknown: %s",
			 kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	v->running = v->thread.task && current == v->thread.task;
	kt_textf(v->running_evidence, sizeof(v->running_evidence),
		 "current task of CPU %d is 0x%" PRIx64 " (no kvm_running_vcpu)", v->cpu, current);
}

void kt_kvm_vcpu_fill(struct kt_kvm_ctx *ctx, const struct kt_object *vcpu, enum kt_kvm_vendor vendor,
		      struct kt_kvm_vcpu *v)
{
	struct kt_program *prog = ctx->prog;
	int64_t i;
	uint64_t u;
	*v = (struct kt_kvm_vcpu){.address = vcpu->address, .cpu = -1, .vcpu_idx = -1, .mode = -1,
				  .vendor = vendor};
	v->thread = (struct kt_kvm_thread){.cpu = -1, .pid = -1, .tgid = -1};
	if (!kt_kvm_i64(vcpu, "vcpu_id", &i)) {
		kt_textf(v->error, sizeof(v->error), "struct kvm_vcpu at 0x%" PRIx64 " cannot be read",
			 vcpu->address);
		return;
	}
	v->vcpu_id = (int)i;
	if (kt_kvm_i64(vcpu, "vcpu_idx", &i))
		v->vcpu_idx = (int)i;
	if (kt_kvm_i64(vcpu, "cpu", &i))
		v->cpu = (int)i;
	if (kt_kvm_i64(vcpu, "mode", &i)) {
		v->mode = (int)i;
		v->mode_name = kt_kvm_vcpu_mode_name(v->mode);
	}
	if (kt_object_member_u64(vcpu, "requests", &u))
		v->requests = u;
	if (kt_object_member_u64(vcpu, "kvm", &u))
		v->kvm = u;
	struct kt_object pid;
	uint64_t pid_ptr = 0, task = 0;
	struct kt_error *err = kt_object_member(vcpu, "pid", &pid);
	if (!err)
		err = kt_object_read_unsigned(&pid, &pid_ptr);
	if (!err && pid_ptr && !(err = kt_object_deref(&pid, &pid)))
		err = kt_pid_task(&pid, &task);
	if (err) {
		kt_textf(v->error, sizeof(v->error), "vcpu->pid: %s", kt_error_message(err));
		kt_error_destroy(err);
	}
	kt_kvm_thread_fill(prog, task, &v->thread);
	running_fill(ctx, v);
	const char *module = vendor == KT_KVM_VENDOR_VMX ? ctx->vmx_module
			     : vendor == KT_KVM_VENDOR_SVM ? ctx->svm_module : NULL;
	v->vendor_module = module;
	struct kt_object outer;
	if (!module) {
		kt_textf(v->exit_reason_note, sizeof(v->exit_reason_note),
			 "no module with struct vcpu_vmx or vcpu_svm types");
		return;
	}
	if ((err = kt_kvm_vendor_object(ctx, vendor, vcpu->address, &outer))) {
		kt_textf(v->exit_reason_note, sizeof(v->exit_reason_note), "%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	if (vendor == KT_KVM_VENDOR_VMX)
		kt_vmx_exit_reason_fill(ctx, &outer, v);
	else
		kt_svm_exit_reason_fill(ctx, &outer, v);
}
