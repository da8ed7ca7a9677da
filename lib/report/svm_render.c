// SPDX-License-Identifier: MIT
/* svm: each vCPU's VMCB: the exit code by name, exit information and the key saved registers. */
#include <inttypes.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/kvm_json.h"

static void vcpu_text(FILE *out, const struct kt_svm_vcpu *v)
{
	kt_text_kvm_vcpu(out, &v->vcpu, "");
	fprintf(out, "  vcpu_svm %016" PRIx64 " (%s)\n  VMCB in use %016" PRIx64 " (pa 0x%" PRIx64 ")",
		v->vcpu_svm, v->module, v->vmcb, v->vmcb_pa);
	if (v->has_vmcb01)
		fprintf(out, "; vmcb01 %016" PRIx64 " (pa 0x%" PRIx64 ")%s", v->vmcb01, v->vmcb01_pa,
			v->vmcb01_current ? ", current_vmcb" : ", not current: a nested guest runs");
	fputc('\n', out);
	if (v->readable) {
		fprintf(out, "  control: exit_code 0x%" PRIx64 " %s, exit_info_1 0x%" PRIx64
			", exit_info_2 0x%" PRIx64 ", exit_int_info 0x%x (err 0x%x)\n", v->exit_code,
			v->exit_name ? v->exit_name : "(not in the table)", v->exit_info_1, v->exit_info_2,
			v->exit_int_info, v->exit_int_info_err);
		fprintf(out, "  save: cr0 0x%" PRIx64 " cr3 0x%" PRIx64 " cr4 0x%" PRIx64 " efer 0x%" PRIx64
			" rip 0x%" PRIx64 " rsp 0x%" PRIx64 "\n", v->cr0, v->cr3, v->cr4, v->efer, v->rip, v->rsp);
	}
	if (v->error[0])
		fprintf(out, "  error: %s\n", v->error);
}

static void vcpu_json(FILE *out, const struct kt_svm_vcpu *v)
{
	fputs("{\"vcpu\": ", out);
	kt_json_kvm_vcpu(out, &v->vcpu);
	kt_json_key(out, "vcpu_svm");
	kt_json_address_or_null(out, v->vcpu_svm);
	kt_json_key(out, "module");
	kt_json_string(out, v->module);
	kt_json_key(out, "vmcb");
	kt_json_address_or_null(out, v->vmcb);
	fprintf(out, ", \"vmcb_pa\": \"0x%" PRIx64 "\", \"vmcb01\": ", v->vmcb_pa);
	if (v->has_vmcb01) {
		fputs("{\"ptr\": ", out);
		kt_json_address_or_null(out, v->vmcb01);
		fprintf(out, ", \"pa\": \"0x%" PRIx64 "\", \"current\": %s}", v->vmcb01_pa,
			v->vmcb01_current ? "true" : "false");
	} else {
		fputs("null", out);
	}
	fputs(", \"control\": ", out);
	if (v->readable) {
		fprintf(out, "{\"exit_code\": \"0x%" PRIx64 "\", \"exit_name\": ", v->exit_code);
		kt_json_string(out, v->exit_name);
		fprintf(out, ", \"exit_info_1\": \"0x%" PRIx64 "\", \"exit_info_2\": \"0x%" PRIx64
			"\", \"exit_int_info\": \"0x%x\", \"exit_int_info_err\": \"0x%x\"}",
			v->exit_info_1, v->exit_info_2, v->exit_int_info, v->exit_int_info_err);
		fprintf(out, ", \"save\": {\"cr0\": \"0x%" PRIx64 "\", \"cr3\": \"0x%" PRIx64 "\", \"cr4\": \"0x%"
			PRIx64 "\", \"efer\": \"0x%" PRIx64 "\", \"rip\": \"0x%" PRIx64 "\", \"rsp\": \"0x%" PRIx64
			"\"}", v->cr0, v->cr3, v->cr4, v->efer, v->rip, v->rsp);
	} else {
		fputs("null, \"save\": null", out);
	}
	kt_json_key(out, "error");
	kt_json_text_or_null(out, v->error);
	putc('}', out);
}

void kt_svm_state_render(FILE *out, enum kt_format format, const struct kt_svm_state *s)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "module");
		kt_json_string(out, s->module);
		fputs(", \"vcpus\": [", out);
		for (size_t i = 0; i < s->n_vcpus; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			vcpu_json(out, &s->vcpus[i]);
		}
		fputs("]}\n", out);
		return;
	}
	fprintf(out, "SVM: struct vcpu_svm from module %s\n", s->module);
	if (!s->n_vcpus)
		fputs("no SVM vCPU\n", out);
	for (size_t i = 0; i < s->n_vcpus; i++) {
		fputc('\n', out);
		vcpu_text(out, &s->vcpus[i]);
	}
}
