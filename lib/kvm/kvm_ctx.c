// SPDX-License-Identifier: MIT
/*
 * What every KVM walk needs first: the modules whose types describe struct vcpu_vmx
 * (kvm_intel, arch/x86/kvm/vmx/vmx.h) and struct vcpu_svm (kvm_amd, arch/x86/kvm/svm/svm.h),
 * found by the type, not by the module's name (a module is only tried first for its name), and
 * the CPU model from boot_cpu_data.
 */
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/error.h"
#include "core/util.h"
#include "kernel/cpu_model.h"
#include "kernel/object.h"
#include "kernel/tasks.h"
#include "kvm/kvm_internal.h"

const char *kt_kvm_type(const char *module, const char *name, char *buf, size_t size)
{
	if (module)
		kt_textf(buf, size, "%s:%s", module, name);
	else
		kt_textf(buf, size, "%s", name);
	return buf;
}

bool kt_kvm_has(const struct kt_object *obj, const char *path)
{
	struct kt_object m;
	struct kt_error *err = kt_object_member(obj, path, &m);
	kt_error_destroy(err);
	return !err;
}

bool kt_kvm_member(const struct kt_object *obj, const char *path, bool deref, struct kt_object *ret)
{
	struct kt_error *err = kt_object_member(obj, path, ret);
	if (!err && deref)
		err = kt_object_deref(ret, ret);
	kt_error_destroy(err);
	return !err;
}

bool kt_kvm_i64(const struct kt_object *obj, const char *path, int64_t *ret)
{
	struct kt_object m;
	struct kt_error *err = kt_object_member(obj, path, &m);
	if (!err)
		err = kt_object_read_signed(&m, ret);
	kt_error_destroy(err);
	return !err;
}

struct kt_error *kt_kvm_note(struct kt_error *err, char *buf, size_t size, const char *what)
{
	if (!err)
		return NULL;
	if (err == &kt_enomem)
		return err;
	if (!buf[0])
		kt_textf(buf, size, "%s: %s", what, kt_error_message(err));
	kt_error_destroy(err);
	return NULL;
}

void kt_kvm_thread_fill(struct kt_program *prog, uint64_t task, struct kt_kvm_thread *ret)
{
	*ret = (struct kt_kvm_thread){.cpu = -1, .pid = -1, .tgid = -1};
	struct kt_task t;
	if (!task)
		return;
	struct kt_error *err = kt_task_read_one(prog, task, &t);
	if (err) {
		kt_error_destroy(err);
		ret->task = task;
		return;
	}
	ret->found = true;
	ret->task = task;
	ret->pid = t.pid;
	ret->tgid = t.tgid;
	memcpy(ret->comm, t.comm, sizeof(ret->comm));
	ret->state_name = t.state_name;
	ret->cpu = t.cpu;
}

/* Whether module defines struct name in its own types. */
static bool module_defines(struct kt_program *prog, const char *module, const char *name)
{
	char type[160];
	struct kt_type_ref ref;
	struct kt_error *err = kt_object_lookup_type(prog, kt_kvm_type(module, name, type, sizeof(type)),
						     &ref);
	kt_error_destroy(err);
	return !err;
}

/* The module defining struct name: preferred first, then modules whose name suggests it. */
static const char *defining_module(struct kt_program *prog, const struct kt_module_info *mods,
				   size_t n, const char *preferred, const char *hint, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(mods[i].name, preferred) && module_defines(prog, mods[i].name, name))
			return mods[i].name;
	for (size_t i = 0; i < n; i++)
		if (strcmp(mods[i].name, preferred) && strstr(mods[i].name, hint) &&
		    module_defines(prog, mods[i].name, name))
			return mods[i].name;
	return NULL;
}

struct kt_error *kt_kvm_ctx_init(struct kt_program *prog, struct kt_kvm_ctx *ctx)
{
	const struct kt_module_info *mods;
	size_t n;
	*ctx = (struct kt_kvm_ctx){.prog = prog};
	struct kt_error *err = kt_module_list(prog, &mods, &n);
	if (err)
		return err;
	ctx->vmx_module = defining_module(prog, mods, n, "kvm_intel", "vmx", "struct vcpu_vmx");
	if (!ctx->vmx_module)
		ctx->vmx_module = defining_module(prog, mods, n, "kvm_intel", "kvm", "struct vcpu_vmx");
	ctx->svm_module = defining_module(prog, mods, n, "kvm_amd", "svm", "struct vcpu_svm");
	if (!ctx->svm_module)
		ctx->svm_module = defining_module(prog, mods, n, "kvm_amd", "kvm", "struct vcpu_svm");
	kt_cpu_model_read(prog, &ctx->cpu_model);
	return NULL;
}

struct kt_error *kt_kvm_vendor_object(struct kt_kvm_ctx *ctx, enum kt_kvm_vendor vendor,
				      uint64_t vcpu, struct kt_object *ret)
{
	const char *module = vendor == KT_KVM_VENDOR_VMX ? ctx->vmx_module : ctx->svm_module;
	const char *name = vendor == KT_KVM_VENDOR_VMX ? "struct vcpu_vmx" : "struct vcpu_svm";
	char type[160];
	struct kt_type_ref ref, member;
	uint64_t offset;
	if (!module)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no loaded module defines %s", name);
	kt_kvm_type(module, name, type, sizeof(type));
	struct kt_error *err = kt_object_lookup_type(ctx->prog, type, &ref);
	if (!err)
		err = kt_object_member_offset(ctx->prog, ref, "vcpu", &offset, &member);
	if (err)
		return err;
	kt_object_init(ret, ctx->prog, NULL, ref, vcpu - offset);  // container_of(vcpu, T, vcpu)
	return NULL;
}
