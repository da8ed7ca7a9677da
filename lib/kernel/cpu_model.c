// SPDX-License-Identifier: MIT
/*
 * The CPU model from boot_cpu_data (struct cpuinfo_x86, arch/x86/include/asm/processor.h):
 * family x86, model x86_model, stepping x86_stepping (x86_mask before 4.15), microcode (4.4+),
 * vendor and model strings; the models table names it.
 */
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/error.h"
#include "kernel/cpu_model.h"
#include "kernel/object.h"

static bool member_string(const struct kt_object *obj, const char *name, char *buf, size_t size)
{
	struct kt_object m;
	struct kt_error *err = kt_object_member(obj, name, &m);
	if (!err)
		err = kt_object_read_string(&m, buf, size);
	kt_error_destroy(err);
	return !err;
}

void kt_cpu_model_read(struct kt_program *prog, struct kt_cpu_model *m)
{
	struct kt_object cpu;
	uint64_t v;
	*m = (struct kt_cpu_model){0};
	struct kt_error *err = kt_object_from_symbol(prog, "boot_cpu_data", &cpu);
	if (err) {
		kt_error_destroy(err);
		return;
	}
	if (!member_string(&cpu, "x86_vendor_id", m->vendor_id, sizeof(m->vendor_id)) ||
	    !kt_object_member_u64(&cpu, "x86", &v))
		return;
	m->family = (unsigned int)v;
	if (!kt_object_member_u64(&cpu, "x86_model", &v))
		return;
	m->model = (unsigned int)v;
	if (kt_object_member_u64(&cpu, "x86_stepping", &v) || kt_object_member_u64(&cpu, "x86_mask", &v))
		m->stepping = (unsigned int)v;
	if (kt_object_member_u64(&cpu, "microcode", &v))
		m->microcode = (uint32_t)v;
	if (!member_string(&cpu, "x86_model_id", m->model_id, sizeof(m->model_id)))
		m->model_id[0] = '\0';
	m->known = true;
	kt_cpu_model_identify(m);
}
