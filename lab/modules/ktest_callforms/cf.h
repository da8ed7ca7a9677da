/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktest_callforms: shared types of the call-form catalogue (see cf_main.c and
 * lab/scenarios/callforms.md).
 */
#ifndef KTEST_CALLFORMS_H
#define KTEST_CALLFORMS_H

#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/types.h>

/*
 * Every caller and callee keeps its own frame and its own name: no inlining,
 * no clones (.constprop, .isra), no interprocedural shortcuts.
 */
#define KTCF_FN noinline __noipa

enum ktcf_form {
	KTCF_DIRECT,
	KTCF_RETPOLINE,
	KTCF_MEMORY,
	KTCF_RIPREL_PTR,
	KTCF_RIPREL_STRUCT,
	KTCF_NESTED,
	KTCF_STATIC_CALL,
	KTCF_TAIL,
	KTCF_STALE,
	KTCF_FP,
	KTCF_NR
};

struct ktcf_obj;

/* A vendor ops table, called through like kvm_x86_ops. */
struct ktcf_ops {
	int (*create)(struct ktcf_obj *obj);
	void (*destroy)(struct ktcf_obj *obj);
	int (*run)(struct ktcf_obj *obj);		/* retpoline */
	int (*handle_exit)(struct ktcf_obj *obj);	/* memory */
	int (*flush_tlb)(struct ktcf_obj *obj);		/* riprel_ptr */
	int (*sync_regs)(struct ktcf_obj *obj);		/* riprel_struct */
};

struct ktcf_obj {
	int id;
	int cpu;
	unsigned long requests;
	const struct ktcf_ops *ops;
	unsigned long count;
};

/* Embedded structs and an array, as kvm_vcpu.arch.mmu: one displacement. */
struct ktcf_vcpu;

struct ktcf_mmu_ops {
	unsigned long (*get_cr3)(struct ktcf_vcpu *vcpu);
	int (*set_cr3)(struct ktcf_vcpu *vcpu);
	void (*inject_page_fault)(struct ktcf_vcpu *vcpu);
};

struct ktcf_mmu {
	unsigned long root_hpa;
	int root_level;
	int shadow_root_level;
	struct ktcf_mmu_ops ops;
	u64 pdptrs[4];
};

struct ktcf_vcpu_arch {
	unsigned long regs[17];
	unsigned long cr0, cr2, cr3, cr4;
	u64 efer;
	struct ktcf_mmu mmu[2];
};

struct ktcf_vcpu {
	int vcpu_id;
	int cpu;
	unsigned long requests;
	struct ktcf_vcpu_arch arch;
	unsigned long count;
};

/*
 * What one form's thread recorded. The strings describing a member call are
 * the call expression as written at the call site.
 */
struct ktcf_rec {
	const char *form;
	int (*entry)(void *arg);  /* a caller taking its object typed, cast (ktcf_entry_fn) */
	void *arg;
	struct task_struct *task;
	const char *caller;
	const char *callee;
	void *callee_addr;
	unsigned long ret;
	/* member calls */
	const char *path;
	const char *type;
	const char *member;
	size_t offset;
	void *object;
	const char *outer_type;
	const char *outer_member;
	size_t outer_offset;
	void *outer_object;
	/* RIP-relative forms */
	const char *global;
	void *global_addr;
	bool recorded;
	bool returned;		/* never: the callee sleeps for good */
};

extern struct ktcf_rec ktcf_rec[KTCF_NR];

/* The callee of every form records where it was called from, then sleeps. */
#define ktcf_record_callee(form, fn) do {				\
	ktcf_rec[form].callee = __func__;				\
	ktcf_rec[form].callee_addr = (void *)(fn);			\
	ktcf_rec[form].ret = (unsigned long)__builtin_return_address(0); \
} while (0)

void ktcf_sleep(enum ktcf_form form);

/* cf_noretpoline.c (no retpolines, no return thunks) */
extern const struct ktcf_ops *ktcf_ops_ptr;
extern struct ktcf_ops ktcf_ops_table;
int ktcf_memory_caller(struct ktcf_obj *obj);
int ktcf_riprel_ptr_caller(void *arg);
int ktcf_riprel_struct_caller(void *arg);
int ktcf_nested_caller(struct ktcf_vcpu *vcpu);
void ktcf_noretpoline_setup(void);

/* cf_fp.c (frame pointers) */
#define KTCF_FP_FRAMES 3
struct ktcf_fp_frame {
	const char *func;
	unsigned long ret;
	unsigned long bp;
};
extern struct ktcf_fp_frame ktcf_fp_frames[KTCF_FP_FRAMES];
int ktcf_fp_outer(void *arg);

/* The callers take their object typed, as kernel code does (vcpu_enter_guest(struct kvm_vcpu *)),
 * so that its type is in the function's BTF and DWARF; the thread passes it as void *. */
typedef int (*ktcf_entry_fn)(void *arg);

#endif
