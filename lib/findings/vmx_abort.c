// SPDX-License-Identifier: MIT
/*
 * vmx.abort_on_silent_cpu: a CPU that did not answer the crash NMI (no registers in its
 * crash_notes) while a vCPU whose VMCS holds a non-zero VMX-abort indicator is loaded on it. A
 * VMX abort leaves the processor in the VMX-abort shutdown state, which ignores NMIs
 * ([SDM-2016] Vol 3C §27.7): the abort explains the silence. The evidence: the CPU, the VM's
 * owner, the vCPU and its thread, the abort code and meaning, every MSR-list entry with the
 * rules it passes or fails, the perf state behind IA32_PEBS_ENABLE, and what remains possible
 * when every rule passes.
 */
#include <inttypes.h>
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/error.h"
#include "core/util.h"
#include "findings/findings.h"
#include "kernel/percpu.h"
#include "unwind/cpu_regs.h"

static const char code[] = "vmx.abort_on_silent_cpu";
static const char title[] = "VMX abort on a CPU that did not answer the crash NMI";

/* The vCPU's loaded VMCS on cpu with an abort indicator set, or NULL. */
static const struct kt_loaded_vmcs_info *aborted_on(const struct kt_vmx_vcpu *v, unsigned int cpu,
						    const struct kt_vmx_state *s)
{
	for (size_t i = 0; i < v->n_loaded; i++) {
		const struct kt_loaded_vmcs_info *l = &v->loaded[i];
		if (!l->vmcs.readable || !l->vmcs.abort)
			continue;
		bool here = l->cpu == (int)cpu || v->vcpu.cpu == (int)cpu;
		for (size_t c = 0; !here && c < s->n_cpus; c++)
			here = s->cpus[c].cpu == cpu && s->cpus[c].current_vcpu == v->vcpu.address;
		if (here)
			return l;
	}
	return NULL;
}

static const struct kt_kvm_vm *vm_of(const struct kt_kvm_state *kvm, uint64_t address)
{
	for (size_t i = 0; kvm && i < kvm->n_vms; i++)
		if (kvm->vms[i].address == address)
			return &kvm->vms[i];
	return NULL;
}

static bool list_facts(struct kt_finding *f, const struct kt_vmx_vcpu *v, size_t *failed_ret)
{
	static const char *const short_names[] = {"guest", "host", "store"};
	size_t failed = 0;
	for (size_t i = 0; i < v->n_lists; i++) {
		const struct kt_vmx_msr_list *l = &v->lists[i];
		char key[48];
		kt_textf(key, sizeof(key), "msr_list.%s", short_names[l->kind]);
		char checks[224] = "";
		size_t len = 0;
		for (size_t k = 0; k < l->n_checks; k++)
			len += (size_t)snprintf(checks + len, len < sizeof(checks) ? sizeof(checks) - len : 0,
						"%s%s %s", k ? ", " : "", l->checks[k].code,
						kt_check_result_name(l->checks[k].result));
		if (!kt_finding_fact(f, key, "%s (%s) at 0x%" PRIx64 ": count %u of %u; %s",
				     kt_msr_list_kind_name(l->kind), l->member, l->address, l->count,
				     l->capacity, checks))
			return false;
		failed += l->failed;
		for (size_t e = 0; e < l->n_entries; e++) {
			const struct kt_vmx_msr_entry *en = &l->entries[e];
			size_t pass = 0;
			char fails[160] = "";
			size_t flen = 0;
			for (size_t k = 0; k < en->n_checks; k++) {
				if (en->checks[k].result == KT_CHECK_PASS)
					pass++;
				else
					flen += (size_t)snprintf(fails + flen,
								 flen < sizeof(fails) ? sizeof(fails) - flen : 0,
								 "%s%s %s", flen ? ", " : "; ",
								 en->checks[k].code,
								 kt_check_result_name(en->checks[k].result));
			}
			kt_textf(key, sizeof(key), "msr.%s.%u", short_names[l->kind], en->slot);
			if (!kt_finding_fact(f, key, "0x%x %s value 0x%" PRIx64 " reserved 0x%x%s: %s; "
					     "%zu of %zu rules pass%s", en->index,
					     en->name ? en->name : "(unnamed)", en->value, en->reserved,
					     en->beyond_count ? " (past the count)" : "", en->decoded, pass,
					     en->n_checks, fails))
				return false;
		}
	}
	*failed_ret = failed;
	return true;
}

static bool pebs_facts(struct kt_finding *f, const struct kt_vmx_vcpu *v)
{
	const struct kt_pebs_context *p = &v->pebs;
	uint64_t host = 0;
	bool listed = false;
	for (size_t i = 0; i < v->n_lists; i++)
		for (size_t e = 0; e < v->lists[i].n_entries; e++)
			if (v->lists[i].kind == KT_MSR_LIST_EXIT_LOAD && !v->lists[i].entries[e].beyond_count &&
			    v->lists[i].entries[e].index == KT_MSR_IA32_PEBS_ENABLE) {
				host = v->lists[i].entries[e].value;
				listed = true;
			}
	if (p->has_pebs_enabled &&
	    !kt_finding_fact(f, "perf.pebs_enabled", "cpu_hw_events.pebs_enabled of CPU %d is 0x%" PRIx64
			     "%s", p->cpu, p->pebs_enabled,
			     !listed ? "" : p->pebs_enabled == host
				     ? ": equal to the host value in the VM-exit MSR-load list"
				     : ": differs from the host value in the VM-exit MSR-load list (the perf "
				       "state changed after the list was written, or the list is stale)"))
		return false;
	for (size_t i = 0; i < p->n_events; i++) {
		const struct kt_pebs_event *e = &p->events[i];
		char key[48];
		kt_textf(key, sizeof(key), "perf.event.%u", e->counter);
		if (!kt_finding_fact(f, key, "perf_event 0x%" PRIx64 " config 0x%" PRIx64 " precise_ip %u, "
				     "owner %s%d %s", e->event, e->config, e->precise_ip,
				     e->owner.found ? "pid " : "(kernel event) ",
				     e->owner.found ? e->owner.pid : 0, e->owner.found ? e->owner.comm : ""))
			return false;
	}
	if (!p->n_events && !kt_finding_fact(f, "perf.events", "no perf event in CPU %d's counters now",
					      p->cpu))
		return false;
	if (p->has_no_isolation &&
	    !kt_finding_fact(f, "perf.pebs_no_isolation", "x86_pmu.pebs_no_isolation %d", p->pebs_no_isolation))
		return false;
	if (p->has_microcode && !kt_finding_fact(f, "cpu.microcode", "0x%x", p->microcode))
		return false;
	return !p->note[0] || kt_finding_fact(f, "perf.note", "%s", p->note);
}

/* The vCPU thread's frames on cpu unwound from the host stack pointer (bt -c CPU): where it
 * entered the guest, by a value kvm wrote rather than by a scan of the stack. */
static struct kt_error *stack_fact(struct kt_findings_input *in, struct kt_finding *f, unsigned int cpu)
{
	const struct kt_error *err;
	const struct kt_backtrace *bt = kt_input_cpu_backtrace(in, cpu, &err);
	if (!bt) {
		if (err == &kt_enomem)
			return &kt_enomem;
		bool ok = kt_finding_fact(f, "stack", "no backtrace of CPU %u: %s", cpu, kt_error_message(err));
		return ok ? NULL : &kt_enomem;
	}
	char text[480];
	size_t n = 0, count = 0, verified = 0;
	text[0] = '\0';
	for (size_t i = 0; i < bt->n_frames && n < sizeof(text); i++) {
		const struct kt_frame *fr = &bt->frames[i];
		if (fr->reason_code != KT_FRAME_REASON_VMENTRY_HOST_RSP)
			continue;
		count++;
		verified += fr->status == KT_FRAME_VERIFIED;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s+0x%" PRIx64, count > 1 ? " < " : "",
				      fr->function ? fr->function : "?", fr->offset);
	}
	bool ok = count ? kt_finding_fact(f, "stack", "%zu frames (%zu verified) unwound from the host stack "
					  "pointer of the last VM entry: %s", count, verified, text)
			: kt_finding_fact(f, "stack", "the host stack pointer gives no frames: %s", bt->note);
	if (ok && count) {
		char class[64];
		kt_textf(class, sizeof(class), "VMX abort %u on NMI-silent CPU", f->abort);
		size_t first = 0;
		while (first < bt->n_frames && bt->frames[first].reason_code != KT_FRAME_REASON_VMENTRY_HOST_RSP)
			first++;
		ok = kt_finding_sign(f, class, bt, first);
	}
	return ok ? NULL : &kt_enomem;
}

static struct kt_error *finding_add(struct kt_findings_input *in, struct kt_findings_list *list,
				    const struct kt_vmx_state *s, const struct kt_kvm_state *kvm,
				    unsigned int cpu, const struct kt_cpu_regs *regs,
				    const struct kt_vmx_vcpu *v, const struct kt_loaded_vmcs_info *l)
{
	struct kt_finding *f = kt_finding_add(list, code, title, KT_SEVERITY_CRITICAL);
	if (!f)
		return &kt_enomem;
	const struct kt_kvm_vcpu *vc = &v->vcpu;
	const struct kt_kvm_vm *vm = vm_of(kvm, vc->kvm);
	const struct kt_vmcs_region *r = &l->vmcs;
	f->cpu = (int)cpu;
	f->vcpu = vc->address;
	f->task = vc->thread.task;
	f->abort = r->abort;
	size_t failed = 0, unknown = 0;
	for (size_t i = 0; i < v->n_lists; i++) {
		for (size_t k = 0; k < v->lists[i].n_checks; k++)
			unknown += v->lists[i].checks[k].result == KT_CHECK_UNKNOWN;
		for (size_t e = 0; e < v->lists[i].n_entries; e++)
			for (size_t k = 0; k < v->lists[i].entries[e].n_checks; k++)
				unknown += v->lists[i].entries[e].checks[k].result == KT_CHECK_UNKNOWN;
	}
	bool ok = kt_finding_fact(f, "cpu", "%u: %s", cpu, regs->reason) &&
		  kt_finding_fact(f, "vm", "struct kvm 0x%" PRIx64 ", owner %s%d %s (%s)", vc->kvm,
				  vm && vm->owner.found ? "pid " : "",
				  vm && vm->owner.found ? vm->owner.pid : -1,
				  vm && vm->owner.found ? vm->owner.comm : "unknown",
				  vm ? vm->owner_evidence : "VM not found") &&
		  kt_finding_fact(f, "vcpu", "vCPU %d, struct kvm_vcpu 0x%" PRIx64 ", vcpu_vmx 0x%" PRIx64
				  " (%s), mode %s, vcpu->cpu %d", vc->vcpu_id, vc->address, v->vcpu_vmx,
				  v->module, vc->mode_name ? vc->mode_name : "?", vc->cpu) &&
		  kt_finding_fact(f, "thread", "%s%d \"%s\" %s, task 0x%" PRIx64 "; %s",
				  vc->thread.found ? "pid " : "not found ", vc->thread.pid, vc->thread.comm,
				  vc->thread.state_name ? vc->thread.state_name : "", vc->thread.task,
				  vc->running_evidence) &&
		  kt_finding_fact(f, "vmcs", "%s loaded_vmcs 0x%" PRIx64 " (CPU %d, %s), VMCS 0x%" PRIx64
				  ", revision id %u%s", l->role, l->address, l->cpu,
				  l->launched ? "launched" : "not launched", r->address, r->revision_id,
				  r->shadow ? " (shadow bit set)" : "") &&
		  kt_finding_fact(f, "vmcs.revision_check", "%s: %s", kt_check_result_name(r->revision_check.result),
				  r->revision_check.detail) &&
		  kt_finding_fact(f, "abort", "%u %s: %s [%s]", r->abort, r->abort_name ? r->abort_name : "",
				  r->abort_meaning ? r->abort_meaning : "", r->abort_source ? r->abort_source : "") &&
		  kt_finding_fact(f, "abort.implies", "%s [%s]; consistent with CPU %u answering no NMI",
				  kt_vmx_abort_shutdown_text, kt_vmx_abort_shutdown_source, cpu) &&
		  (!v->has_host_rsp ||
		   kt_finding_fact(f, "host_rsp", "0x%" PRIx64 " (%s): the host stack pointer of the last VM "
				   "entry, where the thread's frames continue", v->host_rsp, v->host_rsp_member)) &&
		  kt_finding_fact(f, "msr_list.layout", "%s", v->list_layout ? v->list_layout : v->lists_error) &&
		  list_facts(f, v, &failed) && (!v->has_pebs || pebs_facts(f, v));
	if (ok && v->has_host_rsp) {
		struct kt_error *err = stack_fact(in, f, cpu);
		if (err)
			return err;
	}
	const char *text, *source;
	if (ok && !failed)
		for (size_t k = 0; ok && kt_vmx_abort_open_cause(r->abort, k, &text, &source); k++) {
			char key[48];
			kt_textf(key, sizeof(key), "open.%zu", k);
			ok = kt_finding_fact(f, key, "%s [%s]", text, source);
		}
	if (!ok)
		return &kt_enomem;
	kt_textf(f->summary, sizeof(f->summary),
		 "CPU %u did not answer the crash NMI; vCPU %d (thread %d \"%s\") of the VM of %s%d %s is "
		 "loaded there and its VMCS holds VMX-abort indicator %u (%s): a VMX abort leaves the CPU in "
		 "the VMX-abort shutdown state, which ignores NMIs. %s", cpu, vc->vcpu_id,
		 vc->thread.pid, vc->thread.comm, vm && vm->owner.found ? "pid " : "",
		 vm && vm->owner.found ? vm->owner.pid : -1,
		 vm && vm->owner.found ? vm->owner.comm : "(owner unknown)", r->abort,
		 r->abort_meaning ? r->abort_meaning : "?",
		 failed ? "The MSR lists fail some of the SDM's rules (see the facts)."
		 : unknown ? "No rule the dump can evaluate on the MSR lists fails (some cannot be evaluated "
			     "here: see the facts); what remains possible is listed."
			   : "Every rule on the MSR lists passes; what remains possible is listed.");
	const char *mod = s->module;
	ok = kt_finding_command(f, list, "bt -c %u", cpu) &&
	     kt_finding_command(f, list, "kvm") &&
	     kt_finding_command(f, list, "vmx 0x%" PRIx64, vc->address) &&
	     kt_finding_command(f, list, "struct %s:vmcs 0x%" PRIx64, mod, r->address) &&
	     kt_finding_command(f, list, "struct %s:vcpu_vmx.msr_autoload 0x%" PRIx64, mod,
				v->vcpu_vmx) &&
	     kt_finding_command(f, list, "percpu -x current_vmcs %u", cpu) &&
	     kt_finding_command(f, list, "p cpu_hw_events:%u.pebs_enabled", cpu) &&
	     (!vc->thread.found || kt_finding_command(f, list, "bt %d", vc->thread.pid));
	return ok ? NULL : &kt_enomem;
}

struct kt_error *kt_finding_vmx_abort(struct kt_findings_input *in, struct kt_findings_list *list)
{
	struct kt_program *prog = in->prog;
	const struct kt_percpu *percpu;
	struct kt_error *err = kt_percpu_get(prog, &percpu);
	if (err)
		return err == &kt_enomem ? err : (kt_error_destroy(err), NULL);
	struct kt_vmx_state *s = NULL;
	struct kt_kvm_state *kvm = NULL;
	for (unsigned int cpu = 0; cpu < percpu->nr_cpu_ids && !err; cpu++) {
		if (!kt_percpu_online(percpu, cpu))
			continue;
		struct kt_cpu_regs regs;
		if ((err = kt_cpu_regs_get(prog, cpu, &regs))) {
			if (err != &kt_enomem)
				kt_error_destroy(err), err = NULL;
			continue;
		}
		if (regs.source != KT_REGS_NONE || regs.none_code != KT_REGISTERS_NMI_UNANSWERED)
			continue;
		if (!s) {
			if ((err = kt_vmx_state_read(prog, 0, &s))) {
				// No VMX in the dump: nothing for this check to say.
				if (err != &kt_enomem)
					kt_error_destroy(err), err = NULL;
				break;
			}
			struct kt_error *kerr = kt_kvm_state_read(prog, &kvm);
			if (kerr == &kt_enomem)
				err = kerr;
			else
				kt_error_destroy(kerr);
		}
		for (size_t i = 0; !err && i < s->n_vcpus; i++) {
			const struct kt_loaded_vmcs_info *l = aborted_on(&s->vcpus[i], cpu, s);
			if (l)
				err = finding_add(in, list, s, kvm, cpu, &regs, &s->vcpus[i], l);
		}
	}
	kt_vmx_state_destroy(s);
	kt_kvm_state_destroy(kvm);
	return err;
}
