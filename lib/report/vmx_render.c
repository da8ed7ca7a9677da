// SPDX-License-Identifier: MIT
/* vmx: each vCPU's VMX state, its MSR lists with the SDM's rules, and the per-CPU VMCS state. */
#include <inttypes.h>
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "ktriage.h"
#include "report/json.h"
#include "report/kvm_json.h"

static void model_text(FILE *out, const struct kt_cpu_model *m)
{
	if (!m->known) {
		fputs("CPU model: unknown (boot_cpu_data unreadable)\n", out);
		return;
	}
	fprintf(out, "CPU model: %s family 0x%x model 0x%x stepping %u microcode 0x%x", m->vendor_id,
		m->family, m->model, m->stepping, m->microcode);
	if (m->linux_name)
		fprintf(out, " (%s: %s)", m->linux_name, m->name);
	fputc('\n', out);
}

static void region_text(FILE *out, const struct kt_vmcs_region *r)
{
	if (!r->readable) {
		fprintf(out, "      VMCS %016" PRIx64 ": %s\n", r->address, r->error);
		return;
	}
	fprintf(out, "      VMCS %016" PRIx64 ": revision id %u, shadow-VMCS bit %d, VMX-abort indicator %u",
		r->address, r->revision_id, r->shadow, r->abort);
	if (r->abort)
		fprintf(out, ": %s%s%s [%s]\n        %s [%s]\n", r->abort_name ? r->abort_name : "",
			r->abort_name ? ", " : "", r->abort_meaning, r->abort_source,
			kt_vmx_abort_shutdown_text, kt_vmx_abort_shutdown_source);
	else
		fputs(" (no VMX abort)\n", out);
	kt_text_check(out, &r->revision_check, "      ", false);
}

static void entry_text(FILE *out, const struct kt_vmx_msr_entry *e)
{
	fprintf(out, "      [%u] 0x%08x %-26s reserved 0x%x  value 0x%016" PRIx64 "%s\n", e->slot,
		e->index, e->name ? e->name : "(unnamed MSR)", e->reserved, e->value,
		e->beyond_count ? "  PAST THE COUNT" : "");
	fprintf(out, "          bits: %s\n", e->decoded);
	size_t pass = 0;
	for (size_t i = 0; i < e->n_checks; i++) {
		if (e->checks[i].result == KT_CHECK_PASS)
			pass++;
		else
			kt_text_check(out, &e->checks[i], "          ", true);
	}
	if (e->n_checks)
		fprintf(out, "          %zu of %zu rules pass%s\n", pass, e->n_checks,
			pass == e->n_checks ? " (every rule the dump can evaluate)" : "");
}

static void list_text(FILE *out, const struct kt_vmx_msr_list *l)
{
	fprintf(out, "    %s: %s at %016" PRIx64 ", count %u, array of %u\n",
		kt_msr_list_kind_name(l->kind), l->member, l->address, l->count, l->capacity);
	for (size_t i = 0; i < l->n_entries; i++)
		entry_text(out, &l->entries[i]);
	for (size_t i = 0; i < l->n_checks; i++)
		kt_text_check(out, &l->checks[i], "      ", l->checks[i].result != KT_CHECK_PASS);
}

static void pebs_text(FILE *out, const struct kt_pebs_context *p)
{
	fprintf(out, "    why IA32_PEBS_ENABLE is listed: host perf state of CPU %d\n", p->cpu);
	if (p->has_pebs_enabled)
		fprintf(out, "      cpu_hw_events.pebs_enabled 0x%" PRIx64 "\n", p->pebs_enabled);
	for (size_t i = 0; i < p->n_events; i++) {
		const struct kt_pebs_event *e = &p->events[i];
		fprintf(out, "      counter %u: perf_event %016" PRIx64 " config 0x%" PRIx64
			" precise_ip %u owner ", e->counter, e->event, e->config, e->precise_ip);
		kt_text_thread(out, &e->owner);
		fputc('\n', out);
	}
	if (!p->n_events)
		fputs("      no event in the CPU's counters (cpu_hw_events.events[])\n", out);
	if (p->has_no_isolation)
		fprintf(out, "      x86_pmu.pebs_no_isolation %d (%s)\n", p->pebs_no_isolation,
			p->pebs_no_isolation ? "the microcode lacks PEBS isolation: perf lists PEBS_ENABLE"
					     : "perf lists PEBS_ENABLE only when this is 1 (microcode without "
					       "PEBS isolation, or guest PEBS)");
	if (p->has_microcode)
		fprintf(out, "      microcode revision 0x%x\n", p->microcode);
	if (p->note[0])
		fprintf(out, "      %s\n", p->note);
}

static void open_causes_text(FILE *out, const struct kt_vmx_vcpu *v)
{
	for (size_t i = 0; i < v->n_loaded; i++) {
		uint32_t code = v->loaded[i].vmcs.abort;
		size_t failed = 0;
		for (size_t j = 0; j < v->n_lists; j++)
			failed += v->lists[j].failed;
		const char *text, *source;
		if (!code || failed || !kt_vmx_abort_open_cause(code, 0, &text, &source))
			continue;
		fprintf(out, "    no rule evaluated on the lists in memory fails; with VMX-abort "
			"indicator %u, what remains possible:\n", code);
		for (size_t k = 0; kt_vmx_abort_open_cause(code, k, &text, &source); k++)
			fprintf(out, "      - %s [%s]\n", text, source);
		return;
	}
}

static void vcpu_text(FILE *out, const struct kt_vmx_vcpu *v)
{
	kt_text_kvm_vcpu(out, &v->vcpu, "");
	fprintf(out, "  vcpu_vmx %016" PRIx64 " (%s)\n", v->vcpu_vmx, v->module);
	for (size_t i = 0; i < v->n_loaded; i++) {
		const struct kt_loaded_vmcs_info *l = &v->loaded[i];
		fprintf(out, "    %s: loaded_vmcs %016" PRIx64 "%s, CPU %d, %s\n", l->role, l->address,
			l->current ? " (vcpu_vmx.loaded_vmcs)" : "", l->cpu,
			l->launched ? "launched" : "not launched");
		region_text(out, &l->vmcs);
	}
	if (v->has_host_rsp)
		fprintf(out, "    host stack pointer at the last VM entry: %016" PRIx64 " (%s)\n",
			v->host_rsp, v->host_rsp_member);
	if (v->list_layout)
		fprintf(out, "  MSR lists (%s):\n", v->list_layout);
	for (size_t i = 0; i < v->n_lists; i++)
		list_text(out, &v->lists[i]);
	if (v->lists_error[0])
		fprintf(out, "    lists: %s\n", v->lists_error);
	if (v->has_pebs)
		pebs_text(out, &v->pebs);
	open_causes_text(out, v);
	if (v->error[0])
		fprintf(out, "  error: %s\n", v->error);
}

static void cpu_text(FILE *out, const struct kt_vmx_cpu *c)
{
	fprintf(out, "  CPU %u: current_vmcs %016" PRIx64, c->cpu, c->current_vmcs);
	if (c->current_vcpu)
		fprintf(out, " (vCPU %016" PRIx64 ")", c->current_vcpu);
	fprintf(out, "; loaded_vmcss_on_cpu: %s", c->n_loaded ? "" : "empty");
	for (size_t i = 0; i < c->n_loaded; i++) {
		fprintf(out, "%s%016" PRIx64, i ? ", " : "", c->loaded[i]);
		if (c->loaded_vcpu[i])
			fprintf(out, " (vCPU %016" PRIx64 ")", c->loaded_vcpu[i]);
	}
	fputc('\n', out);
	if (c->error[0])
		fprintf(out, "    %s\n", c->error);
}

static void region_json(FILE *out, const struct kt_vmcs_region *r)
{
	fputs("{\"address\": ", out);
	kt_json_address_or_null(out, r->address);
	fprintf(out, ", \"readable\": %s, \"revision_id\": %u, \"shadow\": %s, \"abort\": %u",
		r->readable ? "true" : "false", r->revision_id, r->shadow ? "true" : "false", r->abort);
	kt_json_key(out, "abort_name");
	kt_json_string(out, r->abort_name);
	kt_json_key(out, "abort_meaning");
	kt_json_string(out, r->abort_meaning);
	kt_json_key(out, "abort_source");
	kt_json_string(out, r->abort_source);
	kt_json_key(out, "abort_implies");
	kt_json_string(out, r->abort ? kt_vmx_abort_shutdown_text : NULL);
	kt_json_key(out, "revision_check");
	if (r->readable)
		kt_json_check(out, &r->revision_check);
	else
		fputs("null", out);
	kt_json_key(out, "error");
	kt_json_text_or_null(out, r->error);
	putc('}', out);
}

static void list_json(FILE *out, const struct kt_vmx_msr_list *l)
{
	static const char *const kinds[] = {"vm_entry_msr_load", "vm_exit_msr_load", "vm_exit_msr_store"};
	fprintf(out, "{\"kind\": \"%s\", \"member\": ", kinds[l->kind]);
	kt_json_string(out, l->member);
	kt_json_key(out, "address");
	kt_json_address(out, l->address);
	fprintf(out, ", \"count\": %u, \"capacity\": %u, \"failed\": %zu, \"checks\": [", l->count,
		l->capacity, l->failed);
	for (size_t i = 0; i < l->n_checks; i++) {
		fputs(i ? ", " : "", out);
		kt_json_check(out, &l->checks[i]);
	}
	fputs("], \"entries\": [", out);
	for (size_t i = 0; i < l->n_entries; i++) {
		const struct kt_vmx_msr_entry *e = &l->entries[i];
		fprintf(out, "%s{\"slot\": %u, \"beyond_count\": %s, \"address\": ", i ? ", " : "", e->slot,
			e->beyond_count ? "true" : "false");
		kt_json_address(out, e->address);
		fprintf(out, ", \"index\": \"0x%x\", \"name\": ", e->index);
		kt_json_string(out, e->name);
		fprintf(out, ", \"reserved\": \"0x%x\", \"value\": \"0x%" PRIx64 "\", \"decoded\": ",
			e->reserved, e->value);
		kt_json_string(out, e->decoded);
		fputs(", \"checks\": [", out);
		for (size_t k = 0; k < e->n_checks; k++) {
			fputs(k ? ", " : "", out);
			kt_json_check(out, &e->checks[k]);
		}
		fputs("]}", out);
	}
	fputs("]}", out);
}

static void pebs_json(FILE *out, const struct kt_pebs_context *p)
{
	fprintf(out, "{\"cpu\": %d, \"pebs_enabled\": ", p->cpu);
	if (p->has_pebs_enabled)
		fprintf(out, "\"0x%" PRIx64 "\"", p->pebs_enabled);
	else
		fputs("null", out);
	fputs(", \"events\": [", out);
	for (size_t i = 0; i < p->n_events; i++) {
		const struct kt_pebs_event *e = &p->events[i];
		fprintf(out, "%s{\"counter\": %u, \"event\": ", i ? ", " : "", e->counter);
		kt_json_address(out, e->event);
		fprintf(out, ", \"config\": \"0x%" PRIx64 "\", \"precise_ip\": %u, \"owner\": ", e->config,
			e->precise_ip);
		kt_json_thread(out, &e->owner);
		putc('}', out);
	}
	fputs("], \"pebs_no_isolation\": ", out);
	if (p->has_no_isolation)
		kt_json_bool(out, p->pebs_no_isolation);
	else
		fputs("null", out);
	fputs(", \"microcode\": ", out);
	if (p->has_microcode)
		fprintf(out, "\"0x%x\"", p->microcode);
	else
		fputs("null", out);
	kt_json_key(out, "note");
	kt_json_text_or_null(out, p->note);
	putc('}', out);
}

static void vcpu_json(FILE *out, const struct kt_vmx_vcpu *v)
{
	fputs("{\"vcpu\": ", out);
	kt_json_kvm_vcpu(out, &v->vcpu);
	kt_json_key(out, "vcpu_vmx");
	kt_json_address(out, v->vcpu_vmx);
	kt_json_key(out, "module");
	kt_json_string(out, v->module);
	fputs(", \"loaded_vmcs\": [", out);
	for (size_t i = 0; i < v->n_loaded; i++) {
		const struct kt_loaded_vmcs_info *l = &v->loaded[i];
		fprintf(out, "%s{\"address\": ", i ? ", " : "");
		kt_json_address(out, l->address);
		kt_json_key(out, "role");
		kt_json_string(out, l->role);
		fprintf(out, ", \"current\": %s, \"cpu\": %d, \"launched\": %s, \"host_rsp\": ",
			l->current ? "true" : "false", l->cpu, l->launched ? "true" : "false");
		if (l->has_host_rsp)
			kt_json_address(out, l->host_rsp);
		else
			fputs("null", out);
		fputs(", \"vmcs\": ", out);
		region_json(out, &l->vmcs);
		putc('}', out);
	}
	fputs("], \"host_rsp\": ", out);
	if (v->has_host_rsp)
		kt_json_address(out, v->host_rsp);
	else
		fputs("null", out);
	kt_json_key(out, "host_rsp_member");
	kt_json_text_or_null(out, v->host_rsp_member);
	kt_json_key(out, "list_layout");
	kt_json_string(out, v->list_layout);
	fputs(", \"msr_lists\": [", out);
	for (size_t i = 0; i < v->n_lists; i++) {
		fputs(i ? ",\n      " : "\n      ", out);
		list_json(out, &v->lists[i]);
	}
	fputs("]", out);
	kt_json_key(out, "lists_error");
	kt_json_text_or_null(out, v->lists_error);
	kt_json_key(out, "pebs");
	if (v->has_pebs)
		pebs_json(out, &v->pebs);
	else
		fputs("null", out);
	kt_json_key(out, "error");
	kt_json_text_or_null(out, v->error);
	putc('}', out);
}

static void cpu_json(FILE *out, const struct kt_vmx_cpu *c)
{
	fprintf(out, "{\"cpu\": %u, \"current_vmcs\": ", c->cpu);
	kt_json_address_or_null(out, c->current_vmcs);
	kt_json_key(out, "current_vcpu");
	kt_json_address_or_null(out, c->current_vcpu);
	fputs(", \"loaded\": [", out);
	for (size_t i = 0; i < c->n_loaded; i++) {
		fprintf(out, "%s{\"loaded_vmcs\": ", i ? ", " : "");
		kt_json_address(out, c->loaded[i]);
		kt_json_key(out, "vcpu");
		kt_json_address_or_null(out, c->loaded_vcpu[i]);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_key(out, "error");
	kt_json_text_or_null(out, c->error);
	putc('}', out);
}

void kt_vmx_state_render(FILE *out, enum kt_format format, const struct kt_vmx_state *s)
{
	const struct kt_cpu_model *m = &s->cpu_model;
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "module");
		kt_json_string(out, s->module);
		fprintf(out, ", \"cpu_model\": {\"known\": %s, \"vendor\": ", m->known ? "true" : "false");
		kt_json_string(out, m->known ? m->vendor_id : NULL);
		fprintf(out, ", \"family\": %u, \"model\": %u, \"stepping\": %u, \"microcode\": \"0x%x\", "
			"\"linux_name\": ", m->family, m->model, m->stepping, m->microcode);
		kt_json_string(out, m->linux_name);
		kt_json_key(out, "name");
		kt_json_string(out, m->name);
		kt_json_key(out, "pebs_layout");
		kt_json_string(out, m->pebs_layout);
		fputs("}, \"vmcs_config_revision\": ", out);
		if (s->has_vmcs_config)
			fprintf(out, "%u", s->vmcs_config_revision);
		else
			fputs("null", out);
		kt_json_key(out, "vmcs_config_note");
		kt_json_text_or_null(out, s->vmcs_config_note);
		kt_json_key(out, "vmcs_format_note");
		kt_json_string(out, s->vmcs_format_note);
		fputs(", \"vcpus\": [", out);
		for (size_t i = 0; i < s->n_vcpus; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			vcpu_json(out, &s->vcpus[i]);
		}
		fputs("], \"cpus\": [", out);
		for (size_t i = 0; i < s->n_cpus; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			cpu_json(out, &s->cpus[i]);
		}
		fputs("]}\n", out);
		return;
	}
	fprintf(out, "VMX: struct vcpu_vmx from module %s\n", s->module);
	model_text(out, m);
	fprintf(out, "vmcs_config: %s\n", s->vmcs_config_note);
	fprintf(out, "Note: %s\n", s->vmcs_format_note);
	if (!s->n_vcpus)
		fputs("no VMX vCPU\n", out);
	for (size_t i = 0; i < s->n_vcpus; i++) {
		fputc('\n', out);
		vcpu_text(out, &s->vcpus[i]);
	}
	fputs("\nper-CPU VMX state (kvm_intel's current_vmcs, loaded_vmcss_on_cpu):\n", out);
	for (size_t i = 0; i < s->n_cpus; i++)
		cpu_text(out, &s->cpus[i]);
}
