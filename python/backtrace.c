// SPDX-License-Identifier: MIT
/* Backtraces: ktriage.Backtrace, a sequence of Frame records with the walk's registers and note. */
#include "ktpy.h"

#include <structmember.h>

typedef struct {
	PyObject_HEAD
	PyObject *program;
	PyObject *cpu, *task, *pid, *comm, *registers_code, *registers_source, *note_code, *note;
	PyObject *frames, *stale;   /* tuples of Frame */
} BacktraceObject;

static PyObject *call_site(const struct kt_call_site *cs)
{
	bool call = cs->kind != KT_CALL_NONE;
	PyObject *values = PyTuple_New((Py_ssize_t)cs->n_values);
	for (size_t i = 0; values && i < cs->n_values; i++) {
		PyObject *v[] = {ktpy_str(cs->values[i].name), ktpy_u64(cs->values[i].value),
				 ktpy_str(cs->values[i].source)};
		PyObject *rec = ktpy_record(CallValue_Type, v, 3);
		if (!rec) {
			Py_CLEAR(values);
			break;
		}
		PyTuple_SET_ITEM(values, (Py_ssize_t)i, rec);
	}
	PyObject *f[] = {
		ktpy_u64(cs->return_address),
		call ? ktpy_u64(cs->address) : ktpy_str(NULL),
		ktpy_str(cs->caller),
		ktpy_str(call ? cs->instruction : NULL),
		ktpy_str(kt_call_kind_name(cs->kind)),
		ktpy_str(cs->expression && cs->expression[0] ? cs->expression : NULL),
		values,
		cs->has_target ? ktpy_u64(cs->target) : ktpy_str(NULL),
		ktpy_str(cs->has_target ? cs->target_function : NULL),
		ktpy_u64(cs->has_target ? cs->target_offset : 0),
		ktpy_str(cs->has_target ? cs->target_module : NULL),
		ktpy_str(kt_call_verdict_name(cs->verdict)),
		ktpy_str(kt_call_reason_code_name(cs->reason_code)),
		ktpy_str(cs->reason),
		ktpy_u64_or_none(cs->verdict == KT_CALL_TAIL_CALL ? cs->tail_jump : 0),
		PyLong_FromUnsignedLong(cs->tail_calls),
	};
	return ktpy_record(CallSite_Type, f, sizeof(f) / sizeof(f[0]));
}

static PyObject *pt_regs(const struct kt_frame *fr)
{
	if (!fr->has_pt_regs)
		Py_RETURN_NONE;
	PyObject *d = PyDict_New();
	for (unsigned int r = 0; d && r < KT_PT_REGS_COUNT; r++) {
		PyObject *v = ktpy_u64(fr->pt_regs[r]);
		if (!v || PyDict_SetItemString(d, kt_pt_regs_name(r), v))
			Py_CLEAR(d);
		Py_XDECREF(v);
	}
	return d;
}

/* site: the call site that entered the frame (explained backtraces), or NULL. */
static PyObject *frame(const struct kt_frame *fr, const struct kt_call_site *site, bool first)
{
	PyObject *cs;
	if (site && !(site->kind == KT_CALL_NONE && first))
		cs = call_site(site);
	else
		cs = Py_NewRef(Py_None);
	PyObject *f[] = {
		ktpy_u64_or_none(fr->pc),
		ktpy_u64(fr->sp),
		ktpy_u64_or_none(fr->slot),
		ktpy_str(fr->function),
		ktpy_u64(fr->offset),
		ktpy_str(fr->module),
		ktpy_str(kt_frame_status_name(fr->status)),
		ktpy_str(kt_frame_reason_code_name(fr->reason_code)),
		ktpy_str(fr->reason),
		ktpy_str(fr->stack),
		ktpy_bool(fr->exact),
		pt_regs(fr),
		fr->has_pt_regs ? ktpy_u64(fr->pt_regs_address) : ktpy_str(NULL),
		cs,
	};
	return ktpy_record(Frame_Type, f, sizeof(f) / sizeof(f[0]));
}

static PyObject *frames(const struct kt_frame *fr, size_t n, const struct kt_call_site *sites)
{
	PyObject *t = PyTuple_New((Py_ssize_t)n);
	for (size_t i = 0; t && i < n; i++) {
		PyObject *f = frame(&fr[i], sites ? &sites[i] : NULL, i == 0);
		if (!f)
			Py_CLEAR(t);
		else
			PyTuple_SET_ITEM(t, (Py_ssize_t)i, f);
	}
	return t;
}

PyObject *ktpy_backtrace_new(ProgramObject *owner, const struct kt_backtrace *bt,
			     const struct kt_call_site *sites)
{
	BacktraceObject *self = PyObject_GC_New(BacktraceObject, &Backtrace_Type);
	if (!self)
		return NULL;
	self->program = Py_NewRef((PyObject *)owner);
	self->cpu = ktpy_int_or_none(bt->cpu);
	self->task = ktpy_u64(bt->task);
	self->pid = PyLong_FromLong(bt->pid);
	self->comm = ktpy_str(bt->comm);
	self->registers_code = ktpy_str(kt_registers_code_name(bt->registers_code));
	self->registers_source = ktpy_str(bt->registers_source);
	self->note_code = ktpy_str(kt_stop_code_name(bt->note_code));
	self->note = ktpy_str(bt->note);
	self->frames = frames(bt->frames, bt->n_frames, sites);
	self->stale = frames(bt->stale, bt->n_stale, NULL);
	PyObject_GC_Track(self);
	if (!self->cpu || !self->task || !self->pid || !self->comm || !self->registers_code ||
	    !self->registers_source || !self->note_code || !self->note || !self->frames ||
	    !self->stale) {
		Py_DECREF(self);
		return NULL;
	}
	return (PyObject *)self;
}

PyObject *ktpy_backtrace_get(ProgramObject *owner, enum ktpy_bt_of of, uint64_t what,
			     PyObject *unwinder, int explain)
{
	struct kt_backtrace_options opts = {KT_UNWINDER_AUTO};
	if (unwinder && unwinder != Py_None) {
		const char *name = PyUnicode_Check(unwinder) ? PyUnicode_AsUTF8(unwinder) : NULL;
		if (!name || !kt_unwinder_parse(name, &opts.unwinder))
			return ktpy_raise_text("unwinder: 'auto', 'orc', 'cfi' or 'fp'");
	}
	struct kt_program *prog = ktpy_lock(owner);
	if (!prog)
		return NULL;
	struct kt_backtrace *bt = NULL;
	struct kt_call_site *sites = NULL;
	struct kt_error *err = NULL;
	KTPY_NOGIL({
		if (of == KTPY_BT_TASK)
			err = kt_backtrace_task_with(prog, what, &opts, &bt);
		else if (of == KTPY_BT_CPU)
			err = kt_backtrace_cpu_with(prog, (unsigned int)what, &opts, &bt);
		else
			err = kt_backtrace_panic_with(prog, &opts, &bt);
		if (!err && explain)
			err = kt_backtrace_explain(prog, bt, &sites);
	});
	PyObject *ret = err ? ktpy_raise(err) : ktpy_backtrace_new(owner, bt, sites);
	if (bt) {
		kt_call_sites_destroy(sites, bt->n_frames);
		kt_backtrace_destroy(bt);
	}
	ktpy_unlock(owner);
	return ret;
}

static int bt_traverse(BacktraceObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->program);
	Py_VISIT(self->frames);
	Py_VISIT(self->stale);
	return 0;
}

static int bt_clear(BacktraceObject *self)
{
	Py_CLEAR(self->program);
	Py_CLEAR(self->cpu);
	Py_CLEAR(self->task);
	Py_CLEAR(self->pid);
	Py_CLEAR(self->comm);
	Py_CLEAR(self->registers_code);
	Py_CLEAR(self->registers_source);
	Py_CLEAR(self->note_code);
	Py_CLEAR(self->note);
	Py_CLEAR(self->frames);
	Py_CLEAR(self->stale);
	return 0;
}

static void bt_dealloc(BacktraceObject *self)
{
	PyObject_GC_UnTrack(self);
	bt_clear(self);
	PyObject_GC_Del(self);
}

static Py_ssize_t bt_len(BacktraceObject *self)
{
	return PyTuple_GET_SIZE(self->frames);
}

static PyObject *bt_item(BacktraceObject *self, Py_ssize_t i)
{
	if (i < 0 || i >= PyTuple_GET_SIZE(self->frames)) {
		PyErr_SetString(PyExc_IndexError, "frame index out of range");
		return NULL;
	}
	return Py_NewRef(PyTuple_GET_ITEM(self->frames, i));
}

static PyObject *bt_repr(BacktraceObject *self)
{
	return PyUnicode_FromFormat("<ktriage.Backtrace pid %S \"%S\" cpu %S: %zd frames, %S>",
				    self->pid, self->comm, self->cpu, PyTuple_GET_SIZE(self->frames),
				    self->note_code);
}

#define M(name, doc) {#name, T_OBJECT, offsetof(BacktraceObject, name), READONLY, doc}
static PyMemberDef bt_members[] = {
	M(program, "the Program"),
	M(cpu, "the CPU it ran on, None for a task that was not running"),
	M(task, "the struct task_struct"),
	M(pid, NULL),
	M(comm, NULL),
	M(registers_code, "where the registers came from: 'regs.crash_notes', ..."),
	M(registers_source, "the same, for people"),
	M(note_code, "why the walk ended: 'stop.end_of_stack', ..."),
	M(note, "the same, for people"),
	M(frames, "the Frame records, innermost first"),
	M(stale, "code addresses on the stack that the chain contradicts (Frame records)"),
	{NULL, 0, 0, 0, NULL}};

static PySequenceMethods bt_as_sequence = {
	.sq_length = (lenfunc)bt_len,
	.sq_item = (ssizeargfunc)bt_item,
};

PyTypeObject Backtrace_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "ktriage.Backtrace",
	.tp_doc = "A backtrace: its frames (iterate, index, len) and how it was made.",
	.tp_basicsize = sizeof(BacktraceObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_dealloc = (destructor)bt_dealloc,
	.tp_traverse = (traverseproc)bt_traverse,
	.tp_clear = (inquiry)bt_clear,
	.tp_repr = (reprfunc)bt_repr,
	.tp_as_sequence = &bt_as_sequence,
	.tp_members = bt_members,
};
