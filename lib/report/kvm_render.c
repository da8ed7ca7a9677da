// SPDX-License-Identifier: MIT
/* kvm: every VM and vCPU, as text and as JSON (docs/json.md "KVM"). */
#include <inttypes.h>
#include <string.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"
#include "report/kvm_json.h"

void kt_json_text_or_null(FILE *out, const char *s)
{
	kt_json_string(out, s && *s ? s : NULL);
}

void kt_json_thread(FILE *out, const struct kt_kvm_thread *t)
{
	if (!t->found && !t->task) {
		fputs("null", out);
		return;
	}
	fputs("{\"task\": ", out);
	kt_json_address(out, t->task);
	fprintf(out, ", \"found\": %s, \"pid\": %d, \"tgid\": %d", t->found ? "true" : "false",
		t->pid, t->tgid);
	kt_json_key(out, "comm");
	kt_json_string(out, t->found ? t->comm : NULL);
	kt_json_key(out, "state");
	kt_json_string(out, t->state_name);
	fprintf(out, ", \"cpu\": %d}", t->cpu);
}

void kt_json_check(FILE *out, const struct kt_check *c)
{
	fputs("{\"code\": ", out);
	kt_json_string(out, c->code);
	kt_json_key(out, "result");
	kt_json_string(out, kt_check_result_name(c->result));
	kt_json_key(out, "rule");
	kt_json_string(out, c->rule);
	kt_json_key(out, "detail");
	kt_json_string(out, c->detail);
	kt_json_key(out, "source");
	kt_json_string(out, c->source);
	putc('}', out);
}

static const char *vendor_name(enum kt_kvm_vendor v)
{
	return v == KT_KVM_VENDOR_VMX ? "vmx" : v == KT_KVM_VENDOR_SVM ? "svm" : NULL;
}

void kt_json_kvm_vcpu(FILE *out, const struct kt_kvm_vcpu *v)
{
	fputs("{\"address\": ", out);
	kt_json_address(out, v->address);
	kt_json_key(out, "kvm");
	kt_json_address_or_null(out, v->kvm);
	fprintf(out, ", \"vcpu_id\": %d, \"vcpu_idx\": %d, \"cpu\": %d, \"mode\": %d", v->vcpu_id,
		v->vcpu_idx, v->cpu, v->mode);
	kt_json_key(out, "mode_name");
	kt_json_string(out, v->mode_name);
	fprintf(out, ", \"requests\": \"0x%" PRIx64 "\", \"requests_decoded\": false", v->requests);
	kt_json_key(out, "thread");
	kt_json_thread(out, &v->thread);
	kt_json_key(out, "running");
	kt_json_bool(out, v->running);
	kt_json_key(out, "running_evidence");
	kt_json_text_or_null(out, v->running_evidence);
	kt_json_key(out, "vendor");
	kt_json_string(out, vendor_name(v->vendor));
	kt_json_key(out, "vendor_module");
	kt_json_string(out, v->vendor_module);
	kt_json_key(out, "exit_reason");
	if (v->has_exit_reason) {
		fprintf(out, "{\"value\": \"0x%" PRIx64 "\", \"name\": ", v->exit_reason);
		kt_json_string(out, v->exit_reason_name);
		fprintf(out, ", \"failed_vm_entry\": %s}", v->exit_failed_entry ? "true" : "false");
	} else {
		fputs("null", out);
	}
	kt_json_key(out, "exit_reason_note");
	kt_json_text_or_null(out, v->exit_reason_note);
	kt_json_key(out, "error");
	kt_json_text_or_null(out, v->error);
	putc('}', out);
}

void kt_text_thread(FILE *out, const struct kt_kvm_thread *t)
{
	char comm[KT_COMM_TEXT_SIZE];
	if (t->found)
		fprintf(out, "pid %d \"%s\" %s on CPU %d (task %016" PRIx64 ")", t->pid,
			kt_comm_text(t->comm, comm), t->state_name ? t->state_name : "?", t->cpu, t->task);
	else if (t->task)
		fprintf(out, "task %016" PRIx64 " (unreadable)", t->task);
	else
		fputs("none", out);
}

void kt_text_check(FILE *out, const struct kt_check *c, const char *indent, bool sources)
{
	fprintf(out, "%s%-7s %s: %s\n", indent, kt_check_result_name(c->result), c->code, c->detail);
	if (sources)
		fprintf(out, "%s        rule: %s [%s]\n", indent, c->rule, c->source);
}

void kt_text_kvm_vcpu(FILE *out, const struct kt_kvm_vcpu *v, const char *indent)
{
	fprintf(out, "%svCPU %d  %016" PRIx64 "  %s", indent, v->vcpu_id, v->address,
		v->mode_name ? v->mode_name : "mode ?");
	if (v->cpu >= 0)
		fprintf(out, "  CPU %d%s", v->cpu, v->running ? " (running there now)" : "");
	else
		fputs("  not loaded on a CPU", out);
	fprintf(out, "\n%s  thread: ", indent);
	kt_text_thread(out, &v->thread);
	fprintf(out, "\n%s  on its CPU now: %s (%s)\n", indent, v->running ? "yes" : "no",
		v->running_evidence[0] ? v->running_evidence : "vcpu->cpu is -1");
	fprintf(out, "%s  requests: 0x%" PRIx64 " (undecoded: KVM_REQ_* bits are macros that "
		"changed across versions, absent from the types)\n", indent, v->requests);
	if (v->has_exit_reason) {
		if (v->vendor == KT_KVM_VENDOR_VMX)
			fprintf(out, "%s  last exit reason: 0x%" PRIx64 " %s%s\n", indent, v->exit_reason,
				v->exit_reason_name ? v->exit_reason_name : "(not in the table)",
				v->exit_failed_entry ? " with bit 31: VM-entry failure" : "");
		else
			fprintf(out, "%s  last exit code: 0x%" PRIx64 " %s\n", indent, v->exit_reason,
				v->exit_reason_name ? v->exit_reason_name : "(not in the table)");
	} else if (v->exit_reason_note[0]) {
		fprintf(out, "%s  last exit reason: unknown (%s)\n", indent, v->exit_reason_note);
	}
	if (v->error[0])
		fprintf(out, "%s  error: %s\n", indent, v->error);
}

static void vm_json(FILE *out, const struct kt_kvm_vm *vm)
{
	fputs("{\"address\": ", out);
	kt_json_address(out, vm->address);
	kt_json_key(out, "on_vm_list");
	kt_json_bool(out, vm->on_vm_list);
	kt_json_key(out, "owner");
	kt_json_thread(out, &vm->owner);
	kt_json_key(out, "owner_evidence");
	kt_json_text_or_null(out, vm->owner_evidence);
	kt_json_key(out, "mm");
	kt_json_address_or_null(out, vm->mm);
	fprintf(out, ", \"online_vcpus\": %d, \"memslots\": ", vm->online_vcpus);
	if (vm->has_memslots)
		fprintf(out, "{\"count\": %u, \"pages\": %" PRIu64 ", \"note\": ", vm->n_memslots,
			vm->memslot_pages);
	else
		fputs("{\"count\": null, \"pages\": null, \"note\": ", out);
	kt_json_text_or_null(out, vm->memslots_note);
	fputs("}, \"vcpus\": [", out);
	for (size_t i = 0; i < vm->n_vcpus; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		kt_json_kvm_vcpu(out, &vm->vcpus[i]);
	}
	fputs("]", out);
	kt_json_key(out, "error");
	kt_json_text_or_null(out, vm->error);
	putc('}', out);
}

static void vm_text(FILE *out, const struct kt_kvm_vm *vm)
{
	fprintf(out, "VM %016" PRIx64 "%s\n  owner: ", vm->address,
		vm->on_vm_list ? "" : "  (not on vm_list: found through a CPU's loaded VMCS list)");
	kt_text_thread(out, &vm->owner);
	fprintf(out, " [%s]\n  mm %016" PRIx64 "  online vCPUs %d  ", vm->owner_evidence, vm->mm,
		vm->online_vcpus);
	if (vm->has_memslots)
		fprintf(out, "memslots %u, %" PRIu64 " pages (%s)\n", vm->n_memslots, vm->memslot_pages,
			vm->memslots_note);
	else
		fprintf(out, "memslots unknown (%s)\n", vm->memslots_note);
	if (vm->error[0])
		fprintf(out, "  error: %s\n", vm->error);
	for (size_t i = 0; i < vm->n_vcpus; i++)
		kt_text_kvm_vcpu(out, &vm->vcpus[i], "  ");
}

void kt_kvm_state_render(FILE *out, enum kt_format format, const struct kt_kvm_state *state)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "vm_list_note");
		kt_json_text_or_null(out, state->vm_list_note);
		kt_json_key(out, "percpu_note");
		kt_json_text_or_null(out, state->percpu_note);
		fputs(", \"vms\": [", out);
		for (size_t i = 0; i < state->n_vms; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			vm_json(out, &state->vms[i]);
		}
		fputs("]}\n", out);
		return;
	}
	if (state->vm_list_note[0])
		fprintf(out, "vm_list: %s\n", state->vm_list_note);
	if (state->percpu_note[0])
		fprintf(out, "VMX per-CPU lists: %s\n", state->percpu_note);
	if (!state->n_vms)
		fputs("no VM\n", out);
	for (size_t i = 0; i < state->n_vms; i++)
		vm_text(out, &state->vms[i]);
}
