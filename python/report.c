// SPDX-License-Identifier: MIT
/* The triage report, its findings and the system summary as records (docs/json.md "report"). */
#include "ktpy.h"

#define RECORD(type, ...)                                                   \
	({                                                                  \
		PyObject *v_[] = {__VA_ARGS__};                             \
		ktpy_record(type, v_, (Py_ssize_t)(sizeof(v_) / sizeof(v_[0]))); \
	})

PyObject *ktpy_sys_info(const struct kt_sys_info *sys)
{
	bool cpus = !sys->cpus_unknown;
	return RECORD(SysInfo_Type, ktpy_str(sys->dump_path), ktpy_str(sys->dump_format),
		      ktpy_str(sys->debuginfo_mode), ktpy_str(sys->release), ktpy_str(sys->version),
		      ktpy_str(sys->machine), ktpy_str(sys->nodename), ktpy_str(sys->build_id),
		      sys->has_kaslr_offset ? ktpy_u64(sys->kaslr_offset) : ktpy_str(NULL),
		      cpus ? PyLong_FromUnsignedLong(sys->cpus_online) : ktpy_str(NULL),
		      cpus ? PyLong_FromUnsignedLong(sys->cpus_possible) : ktpy_str(NULL),
		      PyLong_FromUnsignedLong(sys->cpus_with_registers),
		      sys->has_crash_time ? PyLong_FromLongLong(sys->crash_time) : ktpy_str(NULL),
		      ktpy_str(sys->panic_message), ktpy_int_or_none(sys->panic_cpu));
}

static PyObject *strings(const char *base, size_t stride, size_t n)
{
	PyObject *t = PyTuple_New((Py_ssize_t)n);
	for (size_t i = 0; t && i < n; i++) {
		PyObject *s = ktpy_str(base + i * stride);
		if (!s)
			Py_CLEAR(t);
		else
			PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
	}
	return t;
}

static PyObject *finding(const struct kt_finding *f)
{
	PyObject *facts = PyTuple_New((Py_ssize_t)f->n_facts);
	for (size_t i = 0; facts && i < f->n_facts; i++) {
		PyObject *fact = RECORD(Fact_Type, ktpy_str(f->facts[i].key),
					ktpy_str(f->facts[i].value));
		if (!fact)
			Py_CLEAR(facts);
		else
			PyTuple_SET_ITEM(facts, (Py_ssize_t)i, fact);
	}
	return RECORD(Finding_Type, ktpy_str(f->code), ktpy_str(f->title),
		      ktpy_str(kt_severity_name(f->severity)), ktpy_int_or_none(f->cpu),
		      ktpy_u64_or_none(f->vcpu), ktpy_u64_or_none(f->task),
		      PyLong_FromUnsignedLong(f->abort), ktpy_str(f->summary), facts,
		      f->commands ? strings(f->commands[0], sizeof(f->commands[0]), f->n_commands)
				  : PyTuple_New(0),
		      ktpy_str(f->signature[0] ? f->signature : NULL),
		      ktpy_bool(f->signature[0] && f->signature_corrupted),
		      f->signature_frames ? strings(f->signature_frames[0],
						    sizeof(f->signature_frames[0]),
						    f->n_signature_frames)
					  : PyTuple_New(0));
}

PyObject *ktpy_findings(const struct kt_finding *findings, size_t n)
{
	PyObject *t = PyTuple_New((Py_ssize_t)n);
	for (size_t i = 0; t && i < n; i++) {
		PyObject *f = finding(&findings[i]);
		if (!f)
			Py_CLEAR(t);
		else
			PyTuple_SET_ITEM(t, (Py_ssize_t)i, f);
	}
	return t;
}

static PyObject *cpu_model(const struct kt_cpu_model *m)
{
	if (!m->known)
		Py_RETURN_NONE;
	return RECORD(CpuModel_Type, ktpy_str(m->vendor_id), PyLong_FromUnsignedLong(m->family),
		      PyLong_FromUnsignedLong(m->model), PyLong_FromUnsignedLong(m->stepping),
		      PyLong_FromUnsignedLong(m->microcode), ktpy_str(m->name),
		      ktpy_str(m->model_id));
}

static PyObject *report_cpus(ProgramObject *owner, const struct kt_report *r)
{
	PyObject *t = PyTuple_New((Py_ssize_t)r->n_cpus);
	for (size_t i = 0; t && i < r->n_cpus; i++) {
		const struct kt_report_cpu *c = &r->cpus[i];
		PyObject *cpu = RECORD(ReportCpu_Type, PyLong_FromUnsignedLong(c->cpu),
				       ktpy_bool(c->answered_nmi), ktpy_str(c->error),
				       c->backtrace ? ktpy_backtrace_new(owner, c->backtrace, NULL)
						    : ktpy_str(NULL));
		if (!cpu)
			Py_CLEAR(t);
		else
			PyTuple_SET_ITEM(t, (Py_ssize_t)i, cpu);
	}
	return t;
}

PyObject *ktpy_report(ProgramObject *owner, const struct kt_report *r)
{
	const struct kt_report_signature *sig = &r->signature;
	PyObject *gaps = PyTuple_New((Py_ssize_t)r->n_gaps);
	for (size_t i = 0; gaps && i < r->n_gaps; i++) {
		PyObject *s = ktpy_str(r->gaps[i]);
		if (!s)
			Py_CLEAR(gaps);
		else
			PyTuple_SET_ITEM(gaps, (Py_ssize_t)i, s);
	}
	return RECORD(Report_Type, ktpy_sys_info(&r->sys), cpu_model(&r->cpu_model),
		      r->has_taint ? RECORD(Taint_Type, ktpy_u64(r->taint), ktpy_str(r->taint_flags),
					    ktpy_str(r->taint_names))
				   : ktpy_str(NULL),
		      r->panic_task ? RECORD(PanicTask_Type, PyLong_FromLong(r->panic_pid),
					     ktpy_str(r->panic_comm), ktpy_u64(r->panic_task))
				    : ktpy_str(NULL),
		      r->uptime_seconds >= 0 ? PyFloat_FromDouble(r->uptime_seconds) : ktpy_str(NULL),
		      RECORD(Signature_Type, ktpy_str(sig->text),
			     ktpy_str(sig->hash[0] ? sig->hash : NULL), ktpy_str(sig->finding_code),
			     ktpy_bool(sig->corrupted)),
		      ktpy_findings(r->findings, r->n_findings), report_cpus(owner, r), gaps);
}
