// SPDX-License-Identifier: MIT
/*
 * Every VM: the struct kvm on vm_list (kvm_main.c; kvm_create_vm() adds each VM), and every VM
 * of a vCPU loaded on some CPU that vm_list does not hold (a list that is corrupted, or a VM
 * being created or destroyed). Per VM: its owner, memslots, and each vCPU: the vcpus[] array
 * (up to online_vcpus) before v5.17, the vcpu_array XArray after, told apart by member name.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kernel/xarray.h"
#include "kvm/kvm_internal.h"

enum { VM_LIST_BUDGET = 4096, VCPUS_MAX = 8192 };

struct vm_builder {
	struct kt_kvm_ctx *ctx;
	struct kt_kvm_state *state;
	size_t cap;
	struct kt_error *fatal;
};

static struct kt_kvm_vm *vm_add(struct vm_builder *b, uint64_t kvm)
{
	for (size_t i = 0; i < b->state->n_vms; i++)
		if (b->state->vms[i].address == kvm)
			return &b->state->vms[i];
	if (!kt_grow((void **)&b->state->vms, &b->cap, b->state->n_vms, sizeof(*b->state->vms), 4))
		return NULL;
	struct kt_kvm_vm *vm = &b->state->vms[b->state->n_vms++];
	*vm = (struct kt_kvm_vm){.address = kvm, .online_vcpus = -1};
	vm->owner = (struct kt_kvm_thread){.cpu = -1, .pid = -1, .tgid = -1};
	return vm;
}

static bool vcpu_add(struct kt_kvm_vm *vm, const struct kt_kvm_vcpu *v)
{
	for (size_t i = 0; i < vm->n_vcpus; i++)
		if (vm->vcpus[i].address == v->address)
			return true;
	struct kt_kvm_vcpu *vcpus = realloc(vm->vcpus, (vm->n_vcpus + 1) * sizeof(*vcpus));
	if (!vcpus)
		return false;
	vm->vcpus = vcpus;
	vm->vcpus[vm->n_vcpus++] = *v;
	return true;
}

static enum kt_kvm_vendor default_vendor(const struct kt_kvm_ctx *ctx)
{
	return ctx->vmx_module ? KT_KVM_VENDOR_VMX
	       : ctx->svm_module ? KT_KVM_VENDOR_SVM : KT_KVM_VENDOR_UNKNOWN;
}

struct xa_vcpus {
	struct vm_builder *b;
	struct kt_kvm_vm *vm;
	struct kt_object proto;   /* struct kvm_vcpu */
	size_t seen;
};

static bool add_vcpu_at(struct vm_builder *b, struct kt_kvm_vm *vm, const struct kt_object *proto,
			uint64_t address)
{
	struct kt_object vcpu = *proto;
	vcpu.address = address;
	vcpu.is_value = false;
	struct kt_kvm_vcpu v;
	kt_kvm_vcpu_fill(b->ctx, &vcpu, default_vendor(b->ctx), &v);
	// An entry of this VM's array is one of its vCPUs: vcpu->kvm says so, or it is garbage.
	if (v.kvm != vm->address) {
		size_t len = strlen(vm->error);
		if (!v.kvm && v.error[0])  // vcpu->kvm could not be read: say why, not a 0 never read
			kt_textf(vm->error + len, sizeof(vm->error) - len, "%s0x%" PRIx64 " in the vCPU array "
				 "is no vCPU of this VM (%s)", len ? "; " : "", address, v.error);
		else
			kt_textf(vm->error + len, sizeof(vm->error) - len, "%s0x%" PRIx64 " in the vCPU array "
				 "is no vCPU of this VM (vcpu->kvm 0x%" PRIx64 ")", len ? "; " : "", address, v.kvm);
		return true;
	}
	if (!vcpu_add(vm, &v)) {
		b->fatal = &kt_enomem;
		return false;
	}
	return true;
}

static bool xa_vcpu(uint64_t index, uint64_t entry, void *arg)
{
	(void)index;
	struct xa_vcpus *x = arg;
	return ++x->seen <= VCPUS_MAX && add_vcpu_at(x->b, x->vm, &x->proto, entry);
}

static struct kt_error *vcpus_read(struct vm_builder *b, struct kt_kvm_vm *vm, const struct kt_object *kvm)
{
	struct kt_object member, proto;
	struct kt_error *err;
	if (!(err = kt_object_member(kvm, "vcpu_array", &member))) {
		struct xa_vcpus x = {.b = b, .vm = vm};
		if ((err = kt_object_from_address(b->ctx->prog, "struct kvm_vcpu", 0, &x.proto)))
			return err;
		err = kt_xarray_for_each(&member, 0, xa_vcpu, &x);
		return b->fatal ? b->fatal : err ? kt_error_prefix(err, "kvm->vcpu_array") : NULL;
	}
	kt_error_destroy(err);
	if ((err = kt_object_member(kvm, "vcpus", &member)))
		return kt_error_prefix(err, "struct kvm has neither vcpu_array nor vcpus[]");
	uint64_t size;
	if ((err = kt_object_size(&member, &size)))
		return err;
	int n = vm->online_vcpus < 0 ? 0 : vm->online_vcpus;
	for (int i = 0; i < n && (uint64_t)i < size / 8 && i < VCPUS_MAX; i++) {
		struct kt_object slot;
		uint64_t address;
		if ((err = kt_object_subscript(&member, (uint64_t)i, &slot)) ||
		    (err = kt_object_read_unsigned(&slot, &address)))
			return kt_error_prefix(err, "kvm->vcpus[%d]", i);
		if (!address)
			continue;
		if ((err = kt_object_deref(&slot, &proto)))
			return err;
		if (!add_vcpu_at(b, vm, &proto, address))
			return b->fatal;
	}
	return NULL;
}

/* The owner: kvm->userspace_pid where struct kvm has it, else the thread group of the first
 * vCPU thread; kvm->mm is shown either way. */
static void owner_read(struct vm_builder *b, struct kt_kvm_vm *vm, const struct kt_object *kvm)
{
	struct kt_program *prog = b->ctx->prog;
	int64_t pid = -1;
	uint64_t mm;
	if (kt_object_member_u64(kvm, "mm", &mm))
		vm->mm = mm;
	const char *evidence = NULL;
	if (kt_kvm_i64(kvm, "userspace_pid", &pid) && pid > 0) {
		evidence = "kvm->userspace_pid";
	} else {
		pid = -1;
		for (size_t i = 0; i < vm->n_vcpus && pid < 0; i++)
			if (vm->vcpus[i].thread.found)
				pid = vm->vcpus[i].thread.tgid;
		evidence = pid > 0 ? "the thread group of its vCPU threads" : NULL;
	}
	if (!evidence) {
		kt_textf(vm->owner_evidence, sizeof(vm->owner_evidence),
			 "unknown (no userspace_pid, no vCPU thread); kvm->mm 0x%" PRIx64, vm->mm);
		return;
	}
	struct kt_task_info info;
	struct kt_error *err = kt_task_info_find(prog, KT_TASK_BY_PID, (uint64_t)pid, &info);
	vm->owner.pid = (int32_t)pid;
	vm->owner.tgid = (int32_t)pid;
	if (!err) {
		kt_kvm_thread_fill(prog, info.task.address, &vm->owner);
		kt_textf(vm->owner_evidence, sizeof(vm->owner_evidence), "%s%s", evidence,
			 vm->mm && info.mm == vm->mm ? "; its mm is kvm->mm" : "");
	} else {
		kt_textf(vm->owner_evidence, sizeof(vm->owner_evidence), "%s (pid %d: %s)", evidence,
			 (int)pid, kt_error_message(err));
		kt_error_destroy(err);
	}
}

static struct kt_error *vm_read(struct vm_builder *b, const struct kt_object *kvm, bool on_list,
				struct kt_kvm_vm **ret)
{
	struct kt_kvm_vm *vm = vm_add(b, kvm->address);
	if (!vm)
		return &kt_enomem;
	vm->on_vm_list |= on_list;
	int64_t online;
	if (kt_kvm_i64(kvm, "online_vcpus.counter", &online) || kt_kvm_i64(kvm, "online_vcpus", &online))
		vm->online_vcpus = (int)online;
	struct kt_error *err = vcpus_read(b, vm, kvm);
	if (err == &kt_enomem || (err = kt_kvm_note(err, vm->error, sizeof(vm->error), "vCPUs")))
		return err;
	if ((err = kt_kvm_note(kt_kvm_memslots_read(vm, kvm), vm->memslots_note, sizeof(vm->memslots_note),
			       "memslots")))
		return err;
	if (ret)
		*ret = vm;
	return NULL;
}

static bool vm_visit(const struct kt_object *kvm, void *arg)
{
	struct vm_builder *b = arg;
	struct kt_error *err = vm_read(b, kvm, true, NULL);
	if (err == &kt_enomem)
		b->fatal = err;
	return !b->fatal;
}

/* vCPUs loaded on a CPU (VMX per-CPU lists) whose VM vm_list did not give. */
static struct kt_error *loaded_vcpus_add(struct vm_builder *b)
{
	uint64_t *vcpus = NULL;
	size_t n = 0;
	struct kt_kvm_ctx *ctx = b->ctx;
	struct kt_error *err = kt_vmx_loaded_vcpus(ctx, &vcpus, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		bool known = false;
		for (size_t j = 0; j < b->state->n_vms && !known; j++)
			for (size_t k = 0; k < b->state->vms[j].n_vcpus && !known; k++)
				known = b->state->vms[j].vcpus[k].address == vcpus[i];
		if (known)
			continue;
		struct kt_object vmx, vcpu, kvm;
		if ((err = kt_kvm_vendor_object(ctx, KT_KVM_VENDOR_VMX, vcpus[i], &vmx)) ||
		    (err = kt_object_member(&vmx, "vcpu", &vcpu)))
			break;
		struct kt_kvm_vcpu v;
		kt_kvm_vcpu_fill(ctx, &vcpu, KT_KVM_VENDOR_VMX, &v);
		if (!v.kvm)
			continue;
		struct kt_kvm_vm *vm;
		if ((err = kt_object_member(&vcpu, "kvm", &kvm)) || (err = kt_object_deref(&kvm, &kvm)))
			break;
		size_t before = b->state->n_vms;
		vm = vm_add(b, v.kvm);
		if (!vm) {
			err = &kt_enomem;
			break;
		}
		if (b->state->n_vms > before) {
			int64_t online;
			if (kt_kvm_i64(&kvm, "online_vcpus.counter", &online) ||
			    kt_kvm_i64(&kvm, "online_vcpus", &online))
				vm->online_vcpus = (int)online;
			kt_kvm_note(kt_kvm_memslots_read(vm, &kvm), vm->memslots_note, sizeof(vm->memslots_note),
				    "memslots");
		}
		if (!vcpu_add(vm, &v))
			err = &kt_enomem;
		else if (vm->owner_evidence[0] == 0)
			owner_read(b, vm, &kvm);
	}
	free(vcpus);
	return err;
}

struct kt_error *kt_kvm_state_read(struct kt_program *prog, struct kt_kvm_state **ret)
{
	struct kt_kvm_ctx ctx;
	struct kt_error *err = kt_kvm_ctx_init(prog, &ctx);
	if (err)
		return err;
	struct kt_kvm_state *state = calloc(1, sizeof(*state));
	if (!state)
		return &kt_enomem;
	struct vm_builder b = {.ctx = &ctx, .state = state};
	struct kt_object head;
	bool have_list = false;
	err = kt_object_symbol(prog, "vm_list", "struct list_head", &head, NULL);
	if (!err) {
		have_list = true;
		err = kt_object_list_for_each(&head, "struct kvm", "vm_list", VM_LIST_BUDGET, vm_visit, &b);
		if (b.fatal)
			err = b.fatal;
	}
	if (err != &kt_enomem)
		err = kt_kvm_note(err, state->vm_list_note, sizeof(state->vm_list_note), "not walked");
	for (size_t i = 0; !err && i < state->n_vms; i++) {
		struct kt_object kvm;
		if (!(err = kt_object_from_address(prog, "struct kvm", state->vms[i].address, &kvm)))
			owner_read(&b, &state->vms[i], &kvm);
		else
			err = kt_kvm_note(err, state->vms[i].error, sizeof(state->vms[i].error), "owner");
	}
	if (!err && ctx.vmx_module) {
		err = loaded_vcpus_add(&b);
		if (err != &kt_enomem)
			err = kt_kvm_note(err, state->percpu_note, sizeof(state->percpu_note),
					  "not read");
	}
	if (err) {
		kt_kvm_state_destroy(state);
		return err;
	}
	if (!have_list && !state->n_vms && !ctx.vmx_module && !ctx.svm_module) {
		kt_kvm_state_destroy(state);
		return kt_error_create(KT_ERROR_NOT_FOUND, "no KVM in this dump: no vm_list symbol (kvm "
				       "module not loaded) and no module defines struct vcpu_vmx or "
				       "struct vcpu_svm");
	}
	*ret = state;
	return NULL;
}

void kt_kvm_state_destroy(struct kt_kvm_state *state)
{
	if (!state)
		return;
	for (size_t i = 0; i < state->n_vms; i++)
		free(state->vms[i].vcpus);
	free(state->vms);
	free(state);
}
