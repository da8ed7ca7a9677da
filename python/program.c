// SPDX-License-Identifier: MIT
/* ktriage.Program: an opened dump, with its symbols and types. */
#include <stdlib.h>
#include <string.h>

#include "ktpy.h"

/* debuginfo: None, or an iterable of paths (str or os.PathLike). Fills places (PyMem) with
 * UTF-8 strings that refs keeps alive. */
static int debuginfo_places(PyObject *debuginfo, PyObject **refs, const char ***places,
			    size_t *n)
{
	*refs = NULL;
	*places = NULL;
	*n = 0;
	if (!debuginfo || debuginfo == Py_None)
		return 0;
	if (PyUnicode_Check(debuginfo) || PyBytes_Check(debuginfo)) {
		PyErr_SetString(PyExc_TypeError, "debuginfo is a list of paths, not one path");
		return -1;
	}
	PyObject *list = PySequence_List(debuginfo);
	if (!list)
		return -1;
	Py_ssize_t len = PyList_GET_SIZE(list);
	PyObject *encoded = PyList_New(len);
	*places = PyMem_Calloc((size_t)len + 1, sizeof(**places));
	if (!encoded || !*places) {
		Py_DECREF(list);
		Py_XDECREF(encoded);
		PyMem_Free(*places);
		*places = NULL;
		PyErr_NoMemory();
		return -1;
	}
	for (Py_ssize_t i = 0; i < len; i++) {
		PyObject *b = NULL;
		if (!PyUnicode_FSConverter(PyList_GET_ITEM(list, i), &b)) {
			Py_DECREF(list);
			Py_DECREF(encoded);
			PyMem_Free(*places);
			*places = NULL;
			return -1;
		}
		PyList_SET_ITEM(encoded, i, b);
		(*places)[i] = PyBytes_AS_STRING(b);
	}
	Py_DECREF(list);
	*refs = encoded;
	*n = (size_t)len;
	return 0;
}

static int parse_read_ahead(const char *s, enum kt_read_ahead_mode *ret)
{
	static const char *const names[] = {"auto", "never", "always"};
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*ret = (enum kt_read_ahead_mode)i;
			return 0;
		}
	ktpy_raise_text("read_ahead: 'auto', 'never' or 'always'");
	return -1;
}

static PyObject *program_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"path", "debuginfo", "vmlinux", "no_debuginfo", "types",
				 "read_ahead", NULL};
	PyObject *path = NULL, *debuginfo = NULL, *vmlinux_arg = Py_None, *vmlinux = NULL;
	int no_debuginfo = 0;
	const char *types = "btf", *read_ahead = "auto";
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&|O$Opss", kwlist, PyUnicode_FSDecoder,
					 &path, &debuginfo, &vmlinux_arg, &no_debuginfo, &types,
					 &read_ahead))
		return NULL;
	PyObject *refs = NULL, *path_bytes = NULL;
	const char **places = NULL;
	size_t n_places = 0;
	ProgramObject *self = NULL;
	struct kt_open_options opts = {0};
	if (strcmp(types, "btf") && strcmp(types, "dwarf")) {
		ktpy_raise_text("types: 'btf' or 'dwarf'");
		goto out;
	}
	opts.dwarf_types = !strcmp(types, "dwarf");
	opts.no_debuginfo = no_debuginfo;
	if ((vmlinux_arg != Py_None && !PyUnicode_FSConverter(vmlinux_arg, &vmlinux)) ||
	    parse_read_ahead(read_ahead, &opts.read_ahead) ||
	    debuginfo_places(debuginfo, &refs, &places, &n_places) ||
	    !PyUnicode_FSConverter(path, &path_bytes))
		goto out;
	opts.vmlinux = vmlinux ? PyBytes_AS_STRING(vmlinux) : NULL;
	if (places) {
		opts.debuginfo_dirs = places;
		opts.n_debuginfo_dirs = n_places;
	}
	self = (ProgramObject *)type->tp_alloc(type, 0);
	if (!self)
		goto out;
	self->lock = PyThread_allocate_lock();
	if (!self->lock) {
		Py_CLEAR(self);
		PyErr_NoMemory();
		goto out;
	}
	self->path = Py_NewRef(path);
	// A new program shares nothing with another: opening needs no lock but the GIL's release.
	struct kt_error *err;
	const char *file = PyBytes_AS_STRING(path_bytes);
	KTPY_NOGIL(err = kt_program_open(file, &opts, &self->prog));
	if (err) {
		ktpy_raise(err);
		Py_CLEAR(self);
	}
out:
	Py_XDECREF(path);
	Py_XDECREF(path_bytes);
	Py_XDECREF(vmlinux);
	Py_XDECREF(refs);
	PyMem_Free(places);
	return (PyObject *)self;
}

static void program_close_locked(ProgramObject *self)
{
	struct kt_program *prog = self->prog;
	self->prog = NULL;
	if (prog)
		KTPY_NOGIL(kt_program_destroy(prog));
}

static void program_dealloc(ProgramObject *self)
{
	// Nothing else refers to the program now: no other thread can hold its lock.
	if (self->prog)
		kt_program_destroy(self->prog);
	if (self->lock)
		PyThread_free_lock(self->lock);
	Py_XDECREF(self->path);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *program_close(ProgramObject *self, PyObject *noargs)
{
	(void)noargs;
	if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK))
		KTPY_NOGIL(PyThread_acquire_lock(self->lock, WAIT_LOCK));
	program_close_locked(self);
	PyThread_release_lock(self->lock);
	Py_RETURN_NONE;
}

static PyObject *program_enter(ProgramObject *self, PyObject *noargs)
{
	(void)noargs;
	return Py_NewRef((PyObject *)self);
}

static PyObject *program_exit(ProgramObject *self, PyObject *args)
{
	(void)args;
	PyObject *r = program_close(self, NULL);
	if (!r)
		return NULL;
	Py_DECREF(r);
	Py_RETURN_FALSE;
}

static PyObject *program_report(ProgramObject *self, PyObject *noargs)
{
	(void)noargs;
	PyObject *path = PyUnicode_EncodeFSDefault(self->path);
	if (!path)
		return NULL;
	struct kt_program *prog = ktpy_lock(self);
	PyObject *ret = NULL;
	if (prog) {
		struct kt_report *report = NULL;
		struct kt_error *err;
		const char *p = PyBytes_AS_STRING(path);
		KTPY_NOGIL(err = kt_report_build(prog, p, &report));
		ret = err ? ktpy_raise(err) : ktpy_report(self, report);
		KTPY_NOGIL(kt_report_destroy(report));
		ktpy_unlock(self);
	}
	Py_DECREF(path);
	return ret;
}

static PyObject *program_findings(ProgramObject *self, PyObject *noargs)
{
	(void)noargs;
	PyObject *path = PyUnicode_EncodeFSDefault(self->path);
	if (!path)
		return NULL;
	struct kt_program *prog = ktpy_lock(self);
	PyObject *ret = NULL;
	if (prog) {
		struct kt_finding *findings = NULL;
		size_t n = 0;
		struct kt_error *err;
		const char *p = PyBytes_AS_STRING(path);
		KTPY_NOGIL(err = kt_findings_collect(prog, p, &findings, &n));
		ret = err ? ktpy_raise(err) : ktpy_findings(findings, n);
		kt_findings_destroy(findings, n);
		ktpy_unlock(self);
	}
	Py_DECREF(path);
	return ret;
}

static PyObject *program_sys(ProgramObject *self, PyObject *noargs)
{
	(void)noargs;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	struct kt_sys_info sys;
	struct kt_error *err;
	KTPY_NOGIL(err = kt_sys_info_init(prog, &sys));
	PyObject *ret = err ? ktpy_raise(err) : ktpy_sys_info(&sys);
	if (!err)
		kt_sys_info_deinit(&sys);
	ktpy_unlock(self);
	return ret;
}

struct task_list {
	struct kt_task *v;
	size_t n, cap;
	bool nomem;
};

static bool collect_task(const struct kt_task *task, void *arg)
{
	struct task_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct kt_task *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->nomem = true;
			return false;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *task;
	return true;
}

static PyObject *program_tasks(ProgramObject *self, PyObject *noargs)
{
	(void)noargs;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	struct task_list l = {0};
	struct kt_error *err;
	KTPY_NOGIL(err = kt_task_for_each(prog, collect_task, &l));
	PyObject *list = NULL;
	if (err)
		ktpy_raise(err);
	else if (l.nomem)
		PyErr_NoMemory();
	else
		list = PyList_New((Py_ssize_t)l.n);
	for (size_t i = 0; list && i < l.n; i++) {
		PyObject *t = ktpy_task_new(self, &l.v[i]);
		if (!t)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, t);
	}
	free(l.v);
	ktpy_unlock(self);
	if (!list)
		return NULL;
	PyObject *it = PyObject_GetIter(list);
	Py_DECREF(list);
	return it;
}

static PyObject *task_by(ProgramObject *self, enum kt_task_key key, uint64_t value)
{
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	struct kt_task_info info;
	struct kt_error *err;
	KTPY_NOGIL(err = kt_task_info_find(prog, key, value, &info));
	PyObject *ret = err ? ktpy_raise(err) : ktpy_task_new(self, &info.task);
	ktpy_unlock(self);
	return ret;
}

static PyObject *program_task(ProgramObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"pid", "address", "cpu", NULL};
	PyObject *pid = Py_None, *address = Py_None, *cpu = Py_None;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$OO", kwlist, &pid, &address, &cpu))
		return NULL;
	int given = (pid != Py_None) + (address != Py_None) + (cpu != Py_None);
	if (given > 1)
		return ktpy_raise_text("task(): one of pid, address, cpu");
	enum kt_task_key key = KT_TASK_PANICKING;
	PyObject *v = NULL;
	if (pid != Py_None)
		key = KT_TASK_BY_PID, v = pid;
	else if (address != Py_None)
		key = KT_TASK_BY_ADDRESS, v = address;
	else if (cpu != Py_None)
		key = KT_TASK_ACTIVE_ON_CPU, v = cpu;
	uint64_t value = 0;
	if (v) {
		value = PyLong_AsUnsignedLongLong(v);
		if (PyErr_Occurred())
			return NULL;
	}
	return task_by(self, key, value);
}

static PyObject *program_backtrace(ProgramObject *self, PyObject *args, PyObject *kwds,
				   enum ktpy_bt_of of)
{
	static char *kwlist_cpu[] = {"cpu", "unwinder", "explain", NULL};
	static char *kwlist_panic[] = {"unwinder", "explain", NULL};
	unsigned int cpu = 0;
	PyObject *unwinder = NULL;
	int explain = 0;
	if (of == KTPY_BT_CPU) {
		if (!PyArg_ParseTupleAndKeywords(args, kwds, "I|$Op", kwlist_cpu, &cpu, &unwinder,
						 &explain))
			return NULL;
	} else if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$Op", kwlist_panic, &unwinder,
						&explain)) {
		return NULL;
	}
	return ktpy_backtrace_get(self, of, cpu, unwinder, explain);
}

static PyObject *program_cpu_backtrace(ProgramObject *self, PyObject *args, PyObject *kwds)
{
	return program_backtrace(self, args, kwds, KTPY_BT_CPU);
}

static PyObject *program_panic_backtrace(ProgramObject *self, PyObject *args, PyObject *kwds)
{
	return program_backtrace(self, args, kwds, KTPY_BT_PANIC);
}

static PyObject *program_object(ProgramObject *self, PyObject *args)
{
	PyObject *what;
	const char *type = NULL;
	if (!PyArg_ParseTuple(args, "O|z", &what, &type))
		return NULL;
	uint64_t address = 0;
	const char *name = NULL;
	if (PyUnicode_Check(what)) {
		if (!(name = PyUnicode_AsUTF8(what)))
			return NULL;
	} else {
		address = PyLong_AsUnsignedLongLong(what);
		if (PyErr_Occurred())
			return NULL;
		if (!type)
			return ktpy_raise_text("object(address, type): an address needs a type");
	}
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	struct kt_object obj;
	struct kt_error *err = name ? kt_object_from_symbol(prog, name, &obj)
				    : kt_object_from_address(prog, type, address, &obj);
	if (!err && name && type)
		err = kt_object_cast(&obj, type, &obj);
	PyObject *ret = err ? ktpy_raise(err) : ktpy_object_new(self, &obj);
	ktpy_unlock(self);
	return ret;
}

static PyObject *program_read(ProgramObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"address", "size", "physical", NULL};
	unsigned long long address;
	Py_ssize_t size;
	int physical = 0;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "Kn|$p", kwlist, &address, &size, &physical))
		return NULL;
	if (size < 0)
		return ktpy_raise_text("size: negative");
	PyObject *buf = PyBytes_FromStringAndSize(NULL, size);
	if (!buf)
		return NULL;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog) {
		Py_DECREF(buf);
		return NULL;
	}
	struct kt_error *err;
	char *p = PyBytes_AS_STRING(buf);
	KTPY_NOGIL(err = kt_program_read(prog, address, physical ? KT_KPHYSADDR : KT_KVADDR, p,
					 (size_t)size));
	ktpy_unlock(self);
	if (err) {
		Py_DECREF(buf);
		return ktpy_raise(err);
	}
	return buf;
}

static PyObject *program_symbol(ProgramObject *self, PyObject *args)
{
	const char *name;
	if (!PyArg_ParseTuple(args, "s", &name))
		return NULL;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	uint64_t address = 0;
	struct kt_error *err = kt_program_symbol_address(prog, name, &address);
	ktpy_unlock(self);
	return err ? ktpy_raise(err) : ktpy_u64(address);
}

static PyObject *program_symbolize(ProgramObject *self, PyObject *args)
{
	unsigned long long address;
	if (!PyArg_ParseTuple(args, "K", &address))
		return NULL;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	const char *name = NULL, *module = NULL;
	uint64_t offset = 0;
	struct kt_error *err = kt_program_symbolize(prog, address, &name, &offset, &module);
	PyObject *ret;
	if (err) {
		ret = ktpy_raise(err);
	} else {
		PyObject *v[] = {ktpy_str(name), ktpy_u64(offset), ktpy_str(module)};
		ret = ktpy_record(Symbol_Type, v, 3);
	}
	ktpy_unlock(self);
	return ret;
}

struct log_list {
	PyObject *list;
	bool failed;
};

/* Runs with the GIL held (the walk is under the lock only): records become objects at once. */
static bool collect_record(const struct kt_log_record *rec, void *arg)
{
	struct log_list *l = arg;
	PyObject *v[] = {ktpy_u64(rec->seq), ktpy_u64(rec->ts_nsec),
			 PyLong_FromUnsignedLong(rec->level), PyLong_FromUnsignedLong(rec->caller_id),
			 ktpy_str_n(rec->text, rec->text_len)};
	PyObject *r = ktpy_record(LogRecord_Type, v, 5);
	if (!r || PyList_Append(l->list, r)) {
		Py_XDECREF(r);
		l->failed = true;
		return false;
	}
	Py_DECREF(r);
	return true;
}

static PyObject *program_log(ProgramObject *self, PyObject *noargs)
{
	(void)noargs;
	struct log_list l = {PyList_New(0), false};
	if (!l.list)
		return NULL;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog) {
		Py_DECREF(l.list);
		return NULL;
	}
	struct kt_error *err = kt_log_for_each(prog, collect_record, &l);
	ktpy_unlock(self);
	if (err || l.failed) {
		Py_DECREF(l.list);
		return err ? ktpy_raise(err) : NULL;
	}
	return l.list;
}

static PyObject *program_modules(ProgramObject *self, PyObject *noargs)
{
	(void)noargs;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	const struct kt_module_info *mods = NULL;
	size_t n = 0;
	struct kt_error *err;
	KTPY_NOGIL(err = kt_module_list(prog, &mods, &n));
	PyObject *list = err ? ktpy_raise(err) : PyList_New((Py_ssize_t)n);
	for (size_t i = 0; list && i < n; i++) {
		const struct kt_module_info *m = &mods[i];
		PyObject *v[] = {ktpy_u64(m->address), ktpy_str(m->name), ktpy_u64(m->base),
				 ktpy_u64(m->size), PyLong_FromUnsignedLong(m->state),
				 PyLong_FromSize_t(m->n_symbols)};
		PyObject *r = ktpy_record(Module_Type, v, 6);
		if (!r)
			Py_CLEAR(list);
		else
			PyList_SET_ITEM(list, (Py_ssize_t)i, r);
	}
	ktpy_unlock(self);
	return list;
}

static PyObject *get_closed(ProgramObject *self, void *closure)
{
	(void)closure;
	return ktpy_bool(!self->prog);
}

static PyObject *get_path(ProgramObject *self, void *closure)
{
	(void)closure;
	return Py_NewRef(self->path);
}

static PyObject *get_nr_cpus(ProgramObject *self, void *closure)
{
	(void)closure;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	unsigned int n = kt_program_nr_cpus(prog);
	ktpy_unlock(self);
	return PyLong_FromUnsignedLong(n);
}

static PyObject *get_has_debuginfo(ProgramObject *self, void *closure)
{
	(void)closure;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	bool has = kt_program_has_debuginfo(prog);
	ktpy_unlock(self);
	return ktpy_bool(has);
}

static PyObject *get_debuginfo_mode(ProgramObject *self, void *closure)
{
	(void)closure;
	struct kt_program *prog = ktpy_lock(self);
	if (!prog)
		return NULL;
	PyObject *ret = ktpy_str(kt_program_debuginfo_mode(prog));
	ktpy_unlock(self);
	return ret;
}

static PyObject *program_repr(ProgramObject *self)
{
	return PyUnicode_FromFormat("<ktriage.Program %R%s>", self->path,
				    self->prog ? "" : " (closed)");
}

static PyGetSetDef program_getset[] = {
	{"closed", (getter)get_closed, NULL, "close() was called", NULL},
	{"path", (getter)get_path, NULL, "the dump, as opened", NULL},
	{"nr_cpus", (getter)get_nr_cpus, NULL, "the CPUs the dump describes", NULL},
	{"has_debuginfo", (getter)get_has_debuginfo, NULL, "a debug vmlinux is in use", NULL},
	{"debuginfo_mode", (getter)get_debuginfo_mode, NULL,
	 "where symbols and types come from, for people", NULL},
	{NULL, NULL, NULL, NULL, NULL}};

#define METH(name, fn, flags, doc) {name, (PyCFunction)(void (*)(void))fn, flags, doc}
static PyMethodDef program_methods[] = {
	METH("close", program_close, METH_NOARGS,
	     "close(): releases the dump; every object of this program raises ktriage.Error after"),
	METH("__enter__", program_enter, METH_NOARGS, NULL),
	METH("__exit__", program_exit, METH_VARARGS, NULL),
	METH("report", program_report, METH_NOARGS,
	     "report() -> Report: the triage report (`ktriage DUMP`)"),
	METH("findings", program_findings, METH_NOARGS,
	     "findings() -> (Finding, ...): every check's findings, most severe first"),
	METH("sys", program_sys, METH_NOARGS, "sys() -> SysInfo: the system summary"),
	METH("tasks", program_tasks, METH_NOARGS,
	     "tasks() -> iterator of Task: each CPU's idle task, then every thread (`ps`)"),
	METH("task", program_task, METH_VARARGS | METH_KEYWORDS,
	     "task(pid=None, *, address=None, cpu=None) -> Task: by pid, by struct task_struct "
	     "address, the task current on a CPU, or (no argument) the panicking task"),
	METH("cpu_backtrace", program_cpu_backtrace, METH_VARARGS | METH_KEYWORDS,
	     "cpu_backtrace(cpu, *, unwinder=None, explain=False) -> Backtrace: a CPU's active task"),
	METH("panic_backtrace", program_panic_backtrace, METH_VARARGS | METH_KEYWORDS,
	     "panic_backtrace(*, unwinder=None, explain=False) -> Backtrace: the CPU that panicked"),
	METH("object", program_object, METH_VARARGS,
	     "object(name[, type]) or object(address, type) -> Object: a global or per-CPU "
	     "variable, or the object of type at address"),
	METH("read", program_read, METH_VARARGS | METH_KEYWORDS,
	     "read(address, size, *, physical=False) -> bytes: exactly size bytes of memory"),
	METH("symbol", program_symbol, METH_VARARGS, "symbol(name) -> int: a symbol's address"),
	METH("symbolize", program_symbolize, METH_VARARGS,
	     "symbolize(address) -> Symbol: the kernel's or a module's symbol containing it"),
	METH("log", program_log, METH_NOARGS, "log() -> [LogRecord]: the kernel log, oldest first"),
	METH("modules", program_modules, METH_NOARGS,
	     "modules() -> [Module]: every loaded module, newest first"),
	{NULL, NULL, 0, NULL}};

PyTypeObject Program_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "ktriage.Program",
	.tp_doc = "Program(path, debuginfo=None, *, vmlinux=None, no_debuginfo=False, types='btf', "
		  "read_ahead='auto')\n\nA kernel crash dump with the symbols and types that "
		  "describe it; ktriage.open() makes one.",
	.tp_basicsize = sizeof(ProgramObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_new = program_new,
	.tp_dealloc = (destructor)program_dealloc,
	.tp_repr = (reprfunc)program_repr,
	.tp_getset = program_getset,
	.tp_methods = program_methods,
};
