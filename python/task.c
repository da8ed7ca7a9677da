// SPDX-License-Identifier: MIT
/* Tasks: ktriage.Task, a task as the kernel's task walk found it (crash's `ps` line). */
#include "ktpy.h"

typedef struct {
	PyObject_HEAD
	ProgramObject *owner;
	struct kt_task task;   /* state_name points at a static table */
} TaskObject;

PyObject *ktpy_task_new(ProgramObject *owner, const struct kt_task *task)
{
	TaskObject *self = PyObject_GC_New(TaskObject, &Task_Type);
	if (!self)
		return NULL;
	Py_INCREF(owner);
	self->owner = owner;
	self->task = *task;
	PyObject_GC_Track(self);
	return (PyObject *)self;
}

static int task_traverse(TaskObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->owner);
	return 0;
}

static int task_clear(TaskObject *self)
{
	Py_CLEAR(self->owner);
	return 0;
}

static void task_dealloc(TaskObject *self)
{
	PyObject_GC_UnTrack(self);
	task_clear(self);
	PyObject_GC_Del(self);
}

static PyObject *task_backtrace(TaskObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"unwinder", "explain", NULL};
	PyObject *unwinder = NULL;
	int explain = 0;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$Op", kwlist, &unwinder, &explain))
		return NULL;
	return ktpy_backtrace_get(self->owner, KTPY_BT_TASK, self->task.address, unwinder, explain);
}

static PyObject *task_object(TaskObject *self, PyObject *noargs)
{
	(void)noargs;
	struct kt_program *prog = ktpy_lock(self->owner);
	if (!prog)
		return NULL;
	struct kt_object obj;
	struct kt_error *err = kt_object_from_address(prog, "struct task_struct", self->task.address,
						      &obj);
	PyObject *ret = err ? ktpy_raise(err) : ktpy_object_new(self->owner, &obj);
	ktpy_unlock(self->owner);
	return ret;
}

static PyObject *task_repr(TaskObject *self)
{
	char address[24];
	snprintf(address, sizeof(address), "0x%016llx", (unsigned long long)self->task.address);
	return PyUnicode_FromFormat("<ktriage.Task pid %d \"%s\" %s cpu %d at %s>",
				    (int)self->task.pid, self->task.comm, self->task.state_name,
				    self->task.cpu, address);
}

static PyObject *task_richcompare(TaskObject *a, PyObject *b, int op)
{
	if (!PyObject_TypeCheck(b, &Task_Type) || (op != Py_EQ && op != Py_NE))
		Py_RETURN_NOTIMPLEMENTED;
	bool same = a->owner == ((TaskObject *)b)->owner &&
		    a->task.address == ((TaskObject *)b)->task.address;
	return PyBool_FromLong(op == Py_EQ ? same : !same);
}

static Py_hash_t task_hash(TaskObject *self)
{
	Py_hash_t h = (Py_hash_t)(self->task.address ^ (self->task.address >> 32));
	return h == -1 ? -2 : h;
}

#define GET(name, expr, doc)                                           \
	static PyObject *get_##name(TaskObject *self, void *closure)  \
	{                                                              \
		(void)closure;                                         \
		const struct kt_task *t = &self->task;                 \
		return expr;                                           \
	}
GET(address, ktpy_u64(t->address), "struct task_struct *")
GET(pid, PyLong_FromLong(t->pid), NULL)
GET(tgid, PyLong_FromLong(t->tgid), NULL)
GET(ppid, PyLong_FromLong(t->ppid), NULL)
GET(comm, ktpy_str(t->comm), NULL)
GET(state, ktpy_str(t->state_name), NULL)
GET(state_value, ktpy_u64(t->state), NULL)
GET(cpu, PyLong_FromLong(t->cpu), NULL)
GET(active, ktpy_bool(t->active), NULL)
GET(idle, ktpy_bool(t->idle), NULL)

static PyObject *get_program(TaskObject *self, void *closure)
{
	(void)closure;
	return Py_NewRef((PyObject *)self->owner);
}

static PyGetSetDef task_getset[] = {
	{"address", (getter)get_address, NULL, "the struct task_struct's address", NULL},
	{"pid", (getter)get_pid, NULL, NULL, NULL},
	{"tgid", (getter)get_tgid, NULL, NULL, NULL},
	{"ppid", (getter)get_ppid, NULL, NULL, NULL},
	{"comm", (getter)get_comm, NULL, NULL, NULL},
	{"state", (getter)get_state, NULL,
	 "crash's two letters: RU IN UN ST TR DE ZO PA ID NE", NULL},
	{"state_value", (getter)get_state_value, NULL, "__state (state before 5.14) | exit_state",
	 NULL},
	{"cpu", (getter)get_cpu, NULL, "the CPU it last ran on", NULL},
	{"active", (getter)get_active, NULL, "the current task of its CPU at the time of the dump",
	 NULL},
	{"idle", (getter)get_idle, NULL, "a CPU's idle task (swapper/N)", NULL},
	{"program", (getter)get_program, NULL, "the Program", NULL},
	{NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef task_methods[] = {
	{"backtrace", (PyCFunction)(void (*)(void))task_backtrace, METH_VARARGS | METH_KEYWORDS,
	 "backtrace(*, unwinder=None, explain=False) -> Backtrace\n\n"
	 "Running tasks from their CPU's registers, sleeping ones from their switch frame; with "
	 "explain, each frame's call_site is resolved (bt --explain)."},
	{"object", (PyCFunction)task_object, METH_NOARGS,
	 "object() -> Object: the task's struct task_struct"},
	{NULL, NULL, 0, NULL}};

PyTypeObject Task_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "ktriage.Task",
	.tp_doc = "A task of the dump, as the task walk found it.",
	.tp_basicsize = sizeof(TaskObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_dealloc = (destructor)task_dealloc,
	.tp_traverse = (traverseproc)task_traverse,
	.tp_clear = (inquiry)task_clear,
	.tp_repr = (reprfunc)task_repr,
	.tp_richcompare = (richcmpfunc)task_richcompare,
	.tp_hash = (hashfunc)task_hash,
	.tp_getset = task_getset,
	.tp_methods = task_methods,
};
