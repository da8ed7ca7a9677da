// SPDX-License-Identifier: MIT
/*
 * kvm_intel's per-CPU state (arch/x86/kvm/vmx/vmx.c): current_vmcs, the VMCS last made current
 * on the CPU by VMPTRLD, and loaded_vmcss_on_cpu, every struct loaded_vmcs loaded there (linked
 * by loaded_vmcss_on_cpu_link, so that a CPU going down can VMCLEAR them). A loaded_vmcs that is
 * a vcpu_vmx's vmcs01 gives its vCPU by container_of, checked against the vCPU's own fields.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "kvm/kvm_internal.h"

enum { LOADED_BUDGET = 4096 };

struct loaded_walk {
	uint64_t *items;
	size_t n, cap;
	bool nomem;
};

static bool loaded_visit(const struct kt_object *lv, void *arg)
{
	struct loaded_walk *w = arg;
	if (!kt_grow((void **)&w->items, &w->cap, w->n, sizeof(*w->items), 8)) {
		w->nomem = true;
		return false;
	}
	w->items[w->n++] = lv->address;
	return true;
}

/* The vCPU (struct kvm_vcpu *) whose vmcs01 is the loaded_vmcs at address, or 0. */
static uint64_t vmcs01_owner(struct kt_kvm_ctx *ctx, uint64_t loaded_vmcs, unsigned int cpu)
{
	char type[160];
	struct kt_object lv, vmx, vcpu;
	uint64_t current;
	int64_t vcpu_cpu;
	struct kt_error *err = kt_object_from_address(ctx->prog,
		kt_kvm_type(ctx->vmx_module, "struct loaded_vmcs", type, sizeof(type)), loaded_vmcs, &lv);
	if (!err)
		err = kt_object_container_of(&lv, kt_kvm_type(ctx->vmx_module, "struct vcpu_vmx", type,
							      sizeof(type)), "vmcs01", &vmx);
	if (!err)
		err = kt_object_member(&vmx, "vcpu", &vcpu);
	if (err) {
		kt_error_destroy(err);
		return 0;
	}
	// A vmcs01 is its vCPU's loaded_vmcs unless a nested guest runs; either way vcpu->cpu is
	// the CPU whose list holds it.
	bool points_back = kt_object_member_u64(&vmx, "loaded_vmcs", &current) && current == loaded_vmcs;
	bool same_cpu = kt_kvm_i64(&vcpu, "cpu", &vcpu_cpu) && vcpu_cpu == (int64_t)cpu;
	return points_back || same_cpu ? vcpu.address : 0;
}

static struct kt_error *cpu_read(struct kt_kvm_ctx *ctx, unsigned int cpu, struct kt_vmx_cpu *out)
{
	char type[160];
	struct kt_object current, head;
	struct kt_error *err = kt_object_symbol(ctx->prog, "current_vmcs",
		kt_kvm_type(ctx->vmx_module, "struct vmcs *", type, sizeof(type)), &current, NULL);
	if (!err && !(err = kt_object_per_cpu(&current, cpu, &current)))
		err = kt_object_read_unsigned(&current, &out->current_vmcs);
	if (err)
		return kt_error_prefix(err, "current_vmcs of CPU %u", cpu);
	if ((err = kt_object_symbol(ctx->prog, "loaded_vmcss_on_cpu", "struct list_head", &head, NULL)) ||
	    (err = kt_object_per_cpu(&head, cpu, &head)))
		return kt_error_prefix(err, "loaded_vmcss_on_cpu of CPU %u", cpu);
	uint64_t next;
	// A CPU kvm_intel never initialised holds a zeroed head: an empty list, not a fault.
	if (kt_object_member_u64(&head, "next", &next) && !next)
		return NULL;
	struct loaded_walk w = {0};
	err = kt_object_list_for_each(&head, kt_kvm_type(ctx->vmx_module, "struct loaded_vmcs", type,
							 sizeof(type)),
				      "loaded_vmcss_on_cpu_link", LOADED_BUDGET, loaded_visit, &w);
	if (w.nomem) {
		free(w.items);
		return &kt_enomem;
	}
	out->loaded = w.items;
	out->n_loaded = w.n;
	out->loaded_vcpu = calloc(w.n ? w.n : 1, sizeof(uint64_t));
	if (!out->loaded_vcpu) {
		kt_error_destroy(err);
		return &kt_enomem;
	}
	for (size_t i = 0; i < w.n; i++)
		out->loaded_vcpu[i] = vmcs01_owner(ctx, w.items[i], cpu);
	return err ? kt_error_prefix(err, "loaded_vmcss_on_cpu of CPU %u", cpu) : NULL;
}

/* Errors of one CPU go into its entry. */
struct kt_error *kt_vmx_cpus_read(struct kt_kvm_ctx *ctx, struct kt_vmx_cpu **ret, size_t *n_ret)
{
	const struct kt_percpu *percpu;
	struct kt_error *err = kt_percpu_get(ctx->prog, &percpu);
	if (err)
		return err;
	struct kt_vmx_cpu *cpus = calloc(percpu->nr_cpu_ids ? percpu->nr_cpu_ids : 1, sizeof(*cpus));
	if (!cpus)
		return &kt_enomem;
	size_t n = 0;
	for (unsigned int cpu = 0; cpu < percpu->nr_cpu_ids; cpu++) {
		if (!kt_percpu_possible(percpu, cpu))
			continue;
		struct kt_vmx_cpu *c = &cpus[n++];
		c->cpu = cpu;
		err = cpu_read(ctx, cpu, c);
		if (err == &kt_enomem) {
			kt_vmx_cpus_destroy(cpus, n);
			return err;
		}
		if (err) {
			kt_textf(c->error, sizeof(c->error), "%s", kt_error_message(err));
			kt_error_destroy(err);
		}
	}
	*ret = cpus;
	*n_ret = n;
	return NULL;
}

void kt_vmx_cpus_destroy(struct kt_vmx_cpu *cpus, size_t n)
{
	for (size_t i = 0; cpus && i < n; i++) {
		free(cpus[i].loaded);
		free(cpus[i].loaded_vcpu);
	}
	free(cpus);
}

struct kt_error *kt_vmx_loaded_vcpus(struct kt_kvm_ctx *ctx, uint64_t **ret, size_t *n_ret)
{
	struct kt_vmx_cpu *cpus;
	size_t n_cpus, n = 0;
	struct kt_error *err = kt_vmx_cpus_read(ctx, &cpus, &n_cpus);
	if (err)
		return err;
	size_t total = 0;
	for (size_t i = 0; i < n_cpus; i++)
		total += cpus[i].n_loaded;
	uint64_t *vcpus = calloc(total ? total : 1, sizeof(*vcpus));
	if (!vcpus) {
		kt_vmx_cpus_destroy(cpus, n_cpus);
		return &kt_enomem;
	}
	for (size_t i = 0; i < n_cpus; i++)
		for (size_t j = 0; j < cpus[i].n_loaded; j++)
			if (cpus[i].loaded_vcpu[j])
				vcpus[n++] = cpus[i].loaded_vcpu[j];
	kt_vmx_cpus_destroy(cpus, n_cpus);
	*ret = vcpus;
	*n_ret = n;
	return NULL;
}
