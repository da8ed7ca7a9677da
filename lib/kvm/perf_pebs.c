// SPDX-License-Identifier: MIT
/*
 * Why IA32_PEBS_ENABLE is in a vCPU's MSR lists: perf's intel_guest_get_msrs()
 * (arch/x86/events/intel/core.c) hands KVM {PEBS_ENABLE, host = cpuc->pebs_enabled, guest = 0}
 * when host PEBS events are scheduled on the CPU (always before "perf/x86/kvm: Avoid unnecessary
 * work in guest filtering", 9b545c04abd4; after it, only when x86_pmu.pebs_no_isolation: the
 * microcode lacks PEBS isolation). So the state behind the entry is the CPU's
 * cpu_hw_events: pebs_enabled (bit n: a PEBS event in general-purpose counter n), the event in
 * each counter with its owner, x86_pmu.pebs_no_isolation, and the CPU's microcode revision.
 */
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kvm/kvm_internal.h"

static void append(struct kt_pebs_context *p, const char *text)
{
	size_t len = strlen(p->note);
	kt_textf(p->note + len, sizeof(p->note) - len, "%s%s", len ? "; " : "", text);
}

static void events_read(struct kt_kvm_ctx *ctx, struct kt_pebs_context *p, const struct kt_object *cpuc)
{
	struct kt_object events;
	uint64_t size;
	struct kt_error *err = kt_object_member(cpuc, "events", &events);
	if (!err)
		err = kt_object_size(&events, &size);
	if (err) {
		char text[192];
		kt_textf(text, sizeof(text), "cpu_hw_events.events: %s", kt_error_message(err));
		append(p, text);
		kt_error_destroy(err);
		return;
	}
	for (uint64_t i = 0; i < size / 8 && p->n_events < KT_ARRAY_SIZE(p->events); i++) {
		struct kt_object slot, event;
		uint64_t address, v;
		if ((err = kt_object_subscript(&events, i, &slot)) ||
		    (err = kt_object_read_unsigned(&slot, &address)) || !address ||
		    (err = kt_object_deref(&slot, &event))) {
			kt_error_destroy(err);
			continue;
		}
		struct kt_pebs_event *e = &p->events[p->n_events++];
		*e = (struct kt_pebs_event){.counter = (unsigned int)i, .event = address};
		if (kt_object_member_u64(&event, "attr.config", &v))
			e->config = v;
		if (kt_object_member_u64(&event, "attr.precise_ip", &v))
			e->precise_ip = (unsigned int)v;
		uint64_t owner = 0;
		kt_object_member_u64(&event, "owner", &owner);
		kt_kvm_thread_fill(ctx->prog, owner, &e->owner);
	}
}

void kt_pebs_context_read(struct kt_kvm_ctx *ctx, int cpu, struct kt_pebs_context *p)
{
	struct kt_program *prog = ctx->prog;
	*p = (struct kt_pebs_context){.cpu = cpu};
	struct kt_object obj;
	uint64_t v;
	struct kt_error *err;
	if (cpu < 0) {
		append(p, "the vCPU is on no CPU: no per-CPU perf state to read");
	} else if ((err = kt_object_symbol(prog, "cpu_hw_events", "struct cpu_hw_events", &obj, NULL)) ||
		   (err = kt_object_per_cpu(&obj, (unsigned int)cpu, &obj))) {
		char text[192];
		kt_textf(text, sizeof(text), "cpu_hw_events: %s", kt_error_message(err));
		append(p, text);
		kt_error_destroy(err);
	} else {
		if (kt_object_member_u64(&obj, "pebs_enabled", &v)) {
			p->has_pebs_enabled = true;
			p->pebs_enabled = v;
		} else {
			append(p, "cpu_hw_events.pebs_enabled cannot be read");
		}
		events_read(ctx, p, &obj);
	}
	// static struct x86_pmu x86_pmu (arch/x86/events/core.c): typed by DWARF or the list of
	// globals, not by the kernel's BTF.
	if (!(err = kt_object_symbol(prog, "x86_pmu", "struct x86_pmu", &obj, NULL))) {
		if (kt_object_member_u64(&obj, "pebs_no_isolation", &v)) {
			p->has_no_isolation = true;
			p->pebs_no_isolation = v;
		} else {
			append(p, "x86_pmu has no pebs_no_isolation: a kernel before 9b545c04abd4, which "
				  "lists PEBS_ENABLE whenever host PEBS is active");
		}
	} else {
		char text[192];
		kt_textf(text, sizeof(text), "x86_pmu: %s", kt_error_message(err));
		append(p, text);
		kt_error_destroy(err);
	}
	if (cpu >= 0 && !(err = kt_object_symbol(prog, "cpu_info", "struct cpuinfo_x86", &obj, NULL)) &&
	    !(err = kt_object_per_cpu(&obj, (unsigned int)cpu, &obj))) {
		if (kt_object_member_u64(&obj, "microcode", &v)) {
			p->has_microcode = true;
			p->microcode = (uint32_t)v;
		}
	} else if (err) {
		kt_error_destroy(err);
	}
	if (!p->has_microcode && ctx->cpu_model.microcode) {
		p->has_microcode = true;
		p->microcode = ctx->cpu_model.microcode;
	}
}
