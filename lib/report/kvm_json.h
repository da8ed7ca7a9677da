/* SPDX-License-Identifier: MIT */
/* JSON pieces shared by the KVM renderers (kvm_render.c, vmx_render.c, svm_render.c). */
#ifndef KT_REPORT_KVM_JSON_H
#define KT_REPORT_KVM_JSON_H

#include <stdio.h>

#include "ktriage.h"

/* "" as null, else the string. */
void kt_json_text_or_null(FILE *out, const char *s);
void kt_json_thread(FILE *out, const struct kt_kvm_thread *t);
void kt_json_check(FILE *out, const struct kt_check *c);
void kt_json_kvm_vcpu(FILE *out, const struct kt_kvm_vcpu *v);
/* Text: "pid 112 \"CPU 0/KVM\" RU on CPU 1" or "none". */
void kt_text_thread(FILE *out, const struct kt_kvm_thread *t);
/* Text: the vCPU's common line(s) under indent. */
void kt_text_kvm_vcpu(FILE *out, const struct kt_kvm_vcpu *v, const char *indent);
/* Text: "pass  msr.fs_gs_base  RULE (DETAIL) [SOURCE]". */
void kt_text_check(FILE *out, const struct kt_check *c, const char *indent, bool sources);

#endif
