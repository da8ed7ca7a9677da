// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_callforms: indirect calls compiled without retpolines, as Linux 3.10
 * (and every kernel before 2018) compiled them (Kbuild removes
 * RETPOLINE_CFLAGS and adds -mindirect-branch=keep -mfunction-return=keep):
 *
 *   memory         obj->ops->handle_exit(obj)          call *0xNN(%reg)
 *   riprel_ptr     ktcf_ops_ptr->flush_tlb(obj)        mov ktcf_ops_ptr(%rip),%rax; call *0xNN(%rax)
 *   riprel_struct  ktcf_ops_table.sync_regs(obj)       call *ktcf_ops_table+0xNN(%rip)
 *   nested         vcpu->arch.mmu[1].ops.set_cr3(vcpu) call *0xNNN(%reg)
 */
#include <linux/kernel.h>
#include <linux/stringify.h>
#include "cf.h"

/* Written at load time (ktcf_noretpoline_setup), so the compiler must load them. */
const struct ktcf_ops *ktcf_ops_ptr;
struct ktcf_ops ktcf_ops_table;

static struct ktcf_ops ktcf_memory_ops;
static struct ktcf_ops ktcf_riprel_ops;

/* memory: call *off(%reg), the ops table reached through the object */
static KTCF_FN int ktcf_memory_callee(struct ktcf_obj *obj)
{
	struct ktcf_rec *r = &ktcf_rec[KTCF_MEMORY];

	ktcf_record_callee(KTCF_MEMORY, ktcf_memory_callee);
	r->object = (void *)obj->ops;
	r->outer_object = obj;
	ktcf_sleep(KTCF_MEMORY);
	obj->count++;
	return 0;
}

KTCF_FN int ktcf_memory_caller(struct ktcf_obj *obj)
{
	int ret;

	ktcf_rec[KTCF_MEMORY].caller = __func__;
	ret = obj->ops->handle_exit(obj);
	obj->count += ret;
	return ret;
}

/* riprel_ptr: a global pointer to the ops table, as 3.10's kvm_x86_ops */
static KTCF_FN int ktcf_riprel_ptr_callee(struct ktcf_obj *obj)
{
	struct ktcf_rec *r = &ktcf_rec[KTCF_RIPREL_PTR];

	ktcf_record_callee(KTCF_RIPREL_PTR, ktcf_riprel_ptr_callee);
	r->object = (void *)READ_ONCE(ktcf_ops_ptr);
	ktcf_sleep(KTCF_RIPREL_PTR);
	obj->count++;
	return 0;
}

KTCF_FN int ktcf_riprel_ptr_caller(void *arg)
{
	struct ktcf_obj *obj = arg;
	int ret;

	ktcf_rec[KTCF_RIPREL_PTR].caller = __func__;
	ret = ktcf_ops_ptr->flush_tlb(obj);
	obj->count += ret;
	return ret;
}

/* riprel_struct: a global ops struct, the pointer loaded by the call itself */
static KTCF_FN int ktcf_riprel_struct_callee(struct ktcf_obj *obj)
{
	struct ktcf_rec *r = &ktcf_rec[KTCF_RIPREL_STRUCT];

	ktcf_record_callee(KTCF_RIPREL_STRUCT, ktcf_riprel_struct_callee);
	r->object = &ktcf_ops_table;
	ktcf_sleep(KTCF_RIPREL_STRUCT);
	obj->count++;
	return 0;
}

KTCF_FN int ktcf_riprel_struct_caller(void *arg)
{
	struct ktcf_obj *obj = arg;
	int ret;

	ktcf_rec[KTCF_RIPREL_STRUCT].caller = __func__;
	ret = ktcf_ops_table.sync_regs(obj);
	obj->count += ret;
	return ret;
}

/* nested: embedded structs and an array element, one large displacement */
static KTCF_FN int ktcf_nested_callee(struct ktcf_vcpu *vcpu)
{
	struct ktcf_rec *r = &ktcf_rec[KTCF_NESTED];

	ktcf_record_callee(KTCF_NESTED, ktcf_nested_callee);
	r->object = vcpu;
	ktcf_sleep(KTCF_NESTED);
	vcpu->count++;
	return 0;
}

static KTCF_FN unsigned long ktcf_nested_get_cr3(struct ktcf_vcpu *vcpu)
{
	return vcpu->arch.cr3;
}

static KTCF_FN void ktcf_nested_inject_page_fault(struct ktcf_vcpu *vcpu)
{
	vcpu->arch.cr2 = 0;
}

KTCF_FN int ktcf_nested_caller(struct ktcf_vcpu *vcpu)
{
	int ret;

	ktcf_rec[KTCF_NESTED].caller = __func__;
	ret = vcpu->arch.mmu[1].ops.set_cr3(vcpu);
	vcpu->count += ret;
	return ret;
}

static struct ktcf_obj ktcf_memory_obj = { .id = KTCF_MEMORY, .cpu = -1 };
static struct ktcf_obj ktcf_riprel_ptr_obj = { .id = KTCF_RIPREL_PTR, .cpu = -1 };
static struct ktcf_obj ktcf_riprel_struct_obj = { .id = KTCF_RIPREL_STRUCT, .cpu = -1 };
static struct ktcf_vcpu ktcf_nested_vcpu = { .vcpu_id = 0, .cpu = -1 };

/* Fills the tables and the records' static facts; runs before any thread. */
void ktcf_noretpoline_setup(void)
{
	struct ktcf_rec *r;
	int i;

	ktcf_memory_ops.handle_exit = ktcf_memory_callee;
	ktcf_memory_obj.ops = &ktcf_memory_ops;
	r = &ktcf_rec[KTCF_MEMORY];
	r->entry = (ktcf_entry_fn)ktcf_memory_caller;
	r->arg = &ktcf_memory_obj;
	r->path = "obj->ops->handle_exit";
	r->type = "ktcf_ops";
	r->member = "handle_exit";
	r->offset = offsetof(struct ktcf_ops, handle_exit);
	r->outer_type = "ktcf_obj";
	r->outer_member = "ops";
	r->outer_offset = offsetof(struct ktcf_obj, ops);

	ktcf_riprel_ops.flush_tlb = ktcf_riprel_ptr_callee;
	WRITE_ONCE(ktcf_ops_ptr, &ktcf_riprel_ops);
	r = &ktcf_rec[KTCF_RIPREL_PTR];
	r->entry = ktcf_riprel_ptr_caller;
	r->arg = &ktcf_riprel_ptr_obj;
	r->path = "ktcf_ops_ptr->flush_tlb";
	r->type = "ktcf_ops";
	r->member = "flush_tlb";
	r->offset = offsetof(struct ktcf_ops, flush_tlb);
	r->global = __stringify(ktcf_ops_ptr);
	r->global_addr = &ktcf_ops_ptr;

	WRITE_ONCE(ktcf_ops_table.sync_regs, ktcf_riprel_struct_callee);
	r = &ktcf_rec[KTCF_RIPREL_STRUCT];
	r->entry = ktcf_riprel_struct_caller;
	r->arg = &ktcf_riprel_struct_obj;
	r->path = "ktcf_ops_table.sync_regs";
	r->type = "ktcf_ops";
	r->member = "sync_regs";
	r->offset = offsetof(struct ktcf_ops, sync_regs);
	r->global = __stringify(ktcf_ops_table);
	r->global_addr = &ktcf_ops_table;

	for (i = 0; i < ARRAY_SIZE(ktcf_nested_vcpu.arch.mmu); i++) {
		ktcf_nested_vcpu.arch.mmu[i].root_level = 4;
		ktcf_nested_vcpu.arch.mmu[i].ops.get_cr3 = ktcf_nested_get_cr3;
		ktcf_nested_vcpu.arch.mmu[i].ops.inject_page_fault =
			ktcf_nested_inject_page_fault;
	}
	ktcf_nested_vcpu.arch.mmu[1].ops.set_cr3 = ktcf_nested_callee;
	r = &ktcf_rec[KTCF_NESTED];
	r->entry = (ktcf_entry_fn)ktcf_nested_caller;
	r->arg = &ktcf_nested_vcpu;
	r->path = "vcpu->arch.mmu[1].ops.set_cr3";
	r->type = "ktcf_vcpu";
	r->member = "arch.mmu[1].ops.set_cr3";
	r->offset = offsetof(struct ktcf_vcpu, arch.mmu[1].ops.set_cr3);
}
