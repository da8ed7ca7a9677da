// SPDX-License-Identifier: MIT
/*
 * Typed objects: ktriage.Object, a kernel or module type and where its value is (struct
 * kt_object). Members by attribute (obj.comm), by path (obj["se.sum_exec_runtime"],
 * obj.member("mm->pgd")), elements by index (obj[3]); int(obj) reads a scalar.
 */
#include <string.h>

#include "ktpy.h"

typedef struct {
	PyObject_HEAD
	ProgramObject *owner;
	struct kt_object obj;
} ObjectObject;

PyObject *ktpy_object_new(ProgramObject *owner, const struct kt_object *obj)
{
	ObjectObject *self = PyObject_GC_New(ObjectObject, &Object_Type);
	if (!self)
		return NULL;
	Py_INCREF(owner);
	self->owner = owner;
	self->obj = *obj;
	PyObject_GC_Track(self);
	return (PyObject *)self;
}

static int obj_traverse(ObjectObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->owner);
	return 0;
}

static int obj_clear(ObjectObject *self)
{
	Py_CLEAR(self->owner);
	return 0;
}

static void obj_dealloc(ObjectObject *self)
{
	PyObject_GC_UnTrack(self);
	obj_clear(self);
	PyObject_GC_Del(self);
}

/* The object made by an operation on self, under the program's lock. */
typedef struct kt_error *object_op(const struct kt_object *in, const void *arg,
				   struct kt_object *out);

static PyObject *derive(ObjectObject *self, object_op *op, const void *arg)
{
	if (!ktpy_lock(self->owner))
		return NULL;
	struct kt_object out;
	struct kt_error *err = op(&self->obj, arg, &out);
	PyObject *ret = err ? ktpy_raise(err) : ktpy_object_new(self->owner, &out);
	ktpy_unlock(self->owner);
	return ret;
}

static struct kt_error *op_member(const struct kt_object *in, const void *arg,
				  struct kt_object *out)
{
	return kt_object_member(in, arg, out);
}

static struct kt_error *op_subscript(const struct kt_object *in, const void *arg,
				     struct kt_object *out)
{
	return kt_object_subscript(in, *(const uint64_t *)arg, out);
}

static struct kt_error *op_deref(const struct kt_object *in, const void *arg,
				 struct kt_object *out)
{
	(void)arg;
	return kt_object_deref(in, out);
}

static struct kt_error *op_address_of(const struct kt_object *in, const void *arg,
				      struct kt_object *out)
{
	(void)arg;
	return kt_object_address_of(in, out);
}

static struct kt_error *op_cast(const struct kt_object *in, const void *arg,
				struct kt_object *out)
{
	return kt_object_cast(in, arg, out);
}

static struct kt_error *op_per_cpu(const struct kt_object *in, const void *arg,
				   struct kt_object *out)
{
	return kt_object_per_cpu(in, *(const unsigned int *)arg, out);
}

struct container_arg {
	const char *type, *member;
};

static struct kt_error *op_container_of(const struct kt_object *in, const void *arg,
					struct kt_object *out)
{
	const struct container_arg *c = arg;
	return kt_object_container_of(in, c->type, c->member, out);
}

static PyObject *obj_member(ObjectObject *self, PyObject *path)
{
	const char *p = PyUnicode_Check(path) ? PyUnicode_AsUTF8(path) : NULL;
	if (!p) {
		if (!PyErr_Occurred())
			PyErr_SetString(PyExc_TypeError, "a member path is a str");
		return NULL;
	}
	return derive(self, op_member, p);
}

static PyObject *obj_subscript(ObjectObject *self, PyObject *key)
{
	if (PyUnicode_Check(key))
		return obj_member(self, key);
	if (!PyIndex_Check(key)) {
		PyErr_SetString(PyExc_TypeError, "an index is an int, a member path a str");
		return NULL;
	}
	long long i = PyLong_AsLongLong(key);
	if (i == -1 && PyErr_Occurred())
		return NULL;
	if (i < 0)
		return ktpy_raise_text("index %lld: negative", i);
	uint64_t index = (uint64_t)i;
	return derive(self, op_subscript, &index);
}

/* obj.name: the type's own attributes first, then a member of that name. */
static PyObject *obj_getattro(ObjectObject *self, PyObject *name)
{
	PyObject *ret = PyObject_GenericGetAttr((PyObject *)self, name);
	if (ret || !PyErr_ExceptionMatches(PyExc_AttributeError))
		return ret;
	const char *n = PyUnicode_AsUTF8(name);
	if (!n || n[0] == '_')
		return NULL;
	PyErr_Clear();
	ret = obj_member(self, name);
	if (!ret && PyErr_ExceptionMatches(KtError)) {
		// getattr(obj, "x", default) and hasattr() need an AttributeError for a member the
		// type does not have (the library's message names it); other errors stay ours.
		PyObject *type, *value, *tb;
		PyErr_Fetch(&type, &value, &tb);
		PyErr_NormalizeException(&type, &value, &tb);
		PyObject *code = value ? PyObject_GetAttrString(value, "code") : NULL;
		const char *c = code && PyUnicode_Check(code) ? PyUnicode_AsUTF8(code) : NULL;
		if (c && !strcmp(c, kt_error_code_name(KT_ERROR_NOT_FOUND))) {
			PyObject *msg = PyObject_Str(value);
			PyErr_SetObject(PyExc_AttributeError, msg ? msg : name);
			Py_XDECREF(msg);
			Py_XDECREF(type);
			Py_XDECREF(value);
			Py_XDECREF(tb);
		} else {
			PyErr_Clear();
			PyErr_Restore(type, value, tb);
		}
		Py_XDECREF(code);
	}
	return ret;
}

/* A scalar's value as Python's int (bool for a bool). */
static PyObject *scalar(ObjectObject *self)
{
	if (!ktpy_lock(self->owner))
		return NULL;
	struct kt_error *err;
	PyObject *ret = NULL;
	enum kt_type_kind kind = kt_object_kind(&self->obj);
	if (kind == KT_TYPE_BOOL) {
		bool b = false;
		if (!(err = kt_object_read_bool(&self->obj, &b)))
			ret = PyBool_FromLong(b);
	} else if (kt_object_is_signed(&self->obj)) {
		int64_t v = 0;
		if (!(err = kt_object_read_signed(&self->obj, &v)))
			ret = PyLong_FromLongLong(v);
	} else {
		uint64_t v = 0;
		if (!(err = kt_object_read_unsigned(&self->obj, &v)))
			ret = ktpy_u64(v);
	}
	if (err)
		ret = ktpy_raise(err);
	ktpy_unlock(self->owner);
	return ret;
}

static PyObject *obj_int(ObjectObject *self)
{
	PyObject *v = scalar(self);
	if (v && PyBool_Check(v)) {
		PyObject *i = PyNumber_Long(v);
		Py_DECREF(v);
		return i;
	}
	return v;
}

static PyObject *obj_string(ObjectObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"max", NULL};
	Py_ssize_t max = 4096;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n", kwlist, &max))
		return NULL;
	if (max < 0)
		return ktpy_raise_text("max: negative");
	char *buf = PyMem_Malloc((size_t)max + 1);
	if (!buf)
		return PyErr_NoMemory();
	PyObject *ret = NULL;
	if (ktpy_lock(self->owner)) {
		struct kt_error *err = kt_object_read_string(&self->obj, buf, (size_t)max + 1);
		ret = err ? ktpy_raise(err) : ktpy_str(buf);
		ktpy_unlock(self->owner);
	}
	PyMem_Free(buf);
	return ret;
}

static PyObject *obj_bytes(ObjectObject *self, PyObject *noargs)
{
	(void)noargs;
	if (!ktpy_lock(self->owner))
		return NULL;
	PyObject *ret = NULL;
	uint64_t size = 0;
	struct kt_error *err = kt_object_size(&self->obj, &size);
	if (!err && size > ((uint64_t)1 << 30))
		err = NULL, ret = ktpy_raise_text("%llu bytes: more than 1 GiB",
						  (unsigned long long)size);
	else if (!err && (ret = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size))) {
		err = kt_object_read_bytes(&self->obj, PyBytes_AS_STRING(ret), (size_t)size);
		if (err)
			Py_CLEAR(ret);
	}
	if (err)
		ret = ktpy_raise(err);
	ktpy_unlock(self->owner);
	return ret;
}

static PyObject *obj_enumerator(ObjectObject *self, PyObject *noargs)
{
	(void)noargs;
	if (!ktpy_lock(self->owner))
		return NULL;
	char buf[256];
	struct kt_error *err = kt_object_enumerator(&self->obj, buf, sizeof(buf));
	PyObject *ret = err ? ktpy_raise(err) : ktpy_str(buf);
	ktpy_unlock(self->owner);
	return ret;
}

static PyObject *obj_deref(ObjectObject *self, PyObject *noargs)
{
	(void)noargs;
	return derive(self, op_deref, NULL);
}

static PyObject *obj_address_of(ObjectObject *self, PyObject *noargs)
{
	(void)noargs;
	return derive(self, op_address_of, NULL);
}

static PyObject *obj_cast(ObjectObject *self, PyObject *args)
{
	const char *type;
	if (!PyArg_ParseTuple(args, "s", &type))
		return NULL;
	return derive(self, op_cast, type);
}

static PyObject *obj_per_cpu(ObjectObject *self, PyObject *args)
{
	unsigned int cpu;
	if (!PyArg_ParseTuple(args, "I", &cpu))
		return NULL;
	return derive(self, op_per_cpu, &cpu);
}

static PyObject *obj_container_of(ObjectObject *self, PyObject *args)
{
	struct container_arg c;
	if (!PyArg_ParseTuple(args, "ss", &c.type, &c.member))
		return NULL;
	return derive(self, op_container_of, &c);
}

/* The entries of a list, collected under the lock, then made objects. */
struct entries {
	struct kt_object *v;
	size_t n, cap;
	bool nomem;
};

static bool collect(const struct kt_object *entry, void *arg)
{
	struct entries *e = arg;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct kt_object *v = realloc(e->v, cap * sizeof(*v));
		if (!v) {
			e->nomem = true;
			return false;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = *entry;
	return true;
}

static PyObject *walk(ObjectObject *self, PyObject *args, PyObject *kwds, bool hlist)
{
	static char *kwlist[] = {"type", "member", "budget", NULL};
	const char *type, *member;
	unsigned long long budget = 0;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "ss|K", kwlist, &type, &member, &budget))
		return NULL;
	if (!ktpy_lock(self->owner))
		return NULL;
	struct entries e = {0};
	struct kt_error *err;
	KTPY_NOGIL(err = hlist ? kt_object_hlist_for_each(&self->obj, type, member, budget, collect, &e)
			       : kt_object_list_for_each(&self->obj, type, member, budget, collect, &e));
	PyObject *ret = NULL;
	if (err)
		ktpy_raise(err);
	else if (e.nomem)
		PyErr_NoMemory();
	else
		ret = PyList_New((Py_ssize_t)e.n);
	for (size_t i = 0; ret && i < e.n; i++) {
		PyObject *o = ktpy_object_new(self->owner, &e.v[i]);
		if (!o)
			Py_CLEAR(ret);
		else
			PyList_SET_ITEM(ret, (Py_ssize_t)i, o);
	}
	free(e.v);
	ktpy_unlock(self->owner);
	return ret;
}

static PyObject *obj_list_for_each(ObjectObject *self, PyObject *args, PyObject *kwds)
{
	return walk(self, args, kwds, false);
}

static PyObject *obj_hlist_for_each(ObjectObject *self, PyObject *args, PyObject *kwds)
{
	return walk(self, args, kwds, true);
}

static const char *const kind_names[] = {
	[KT_TYPE_VOID] = "void", [KT_TYPE_INT] = "int", [KT_TYPE_BOOL] = "bool",
	[KT_TYPE_ENUM] = "enum", [KT_TYPE_FLOAT] = "float", [KT_TYPE_POINTER] = "pointer",
	[KT_TYPE_ARRAY] = "array", [KT_TYPE_STRUCT] = "struct", [KT_TYPE_UNION] = "union",
	[KT_TYPE_FUNCTION] = "function",
};

static PyObject *get_type_name(ObjectObject *self, void *closure)
{
	(void)closure;
	if (!ktpy_lock(self->owner))
		return NULL;
	char buf[512];
	PyObject *ret = ktpy_str(kt_object_type_name(&self->obj, buf, sizeof(buf)));
	ktpy_unlock(self->owner);
	return ret;
}

static PyObject *get_kind(ObjectObject *self, void *closure)
{
	(void)closure;
	if (!ktpy_lock(self->owner))
		return NULL;
	enum kt_type_kind k = kt_object_kind(&self->obj);
	ktpy_unlock(self->owner);
	return ktpy_str(kind_names[k]);
}

static PyObject *get_size(ObjectObject *self, void *closure)
{
	(void)closure;
	if (!ktpy_lock(self->owner))
		return NULL;
	uint64_t size = 0;
	struct kt_error *err = kt_object_size(&self->obj, &size);
	ktpy_unlock(self->owner);
	return err ? ktpy_raise(err) : ktpy_u64(size);
}

static PyObject *get_address(ObjectObject *self, void *closure)
{
	(void)closure;
	if (self->obj.is_value)
		Py_RETURN_NONE;
	return ktpy_u64(self->obj.address);
}

static PyObject *get_percpu(ObjectObject *self, void *closure)
{
	(void)closure;
	return ktpy_bool(self->obj.percpu);
}

static PyObject *get_bit_field(ObjectObject *self, void *closure)
{
	(void)closure;
	if (!self->obj.bit_size)
		Py_RETURN_NONE;
	return Py_BuildValue("(II)", (unsigned int)self->obj.bit_offset, self->obj.bit_size);
}

static PyObject *get_program(ObjectObject *self, void *closure)
{
	(void)closure;
	return Py_NewRef((PyObject *)self->owner);
}

static PyObject *obj_value(ObjectObject *self, PyObject *noargs)
{
	(void)noargs;
	return scalar(self);
}

static PyObject *obj_repr(ObjectObject *self)
{
	PyObject *type = get_type_name(self, NULL);
	if (!type) {
		PyErr_Clear();
		type = PyUnicode_FromString("?");
		if (!type)
			return NULL;
	}
	char where[64];
	snprintf(where, sizeof(where), "%s0x%llx",
		 self->obj.is_value ? "value " : self->obj.percpu ? "per-CPU offset " : "at ",
		 (unsigned long long)(self->obj.is_value ? self->obj.value : self->obj.address));
	PyObject *ret = PyUnicode_FromFormat("<ktriage.Object (%U) %s>", type, where);
	Py_DECREF(type);
	return ret;
}

/* A scalar is true when it is not zero (a NULL pointer is false); anything else is true. */
static int obj_bool(ObjectObject *self)
{
	if (!ktpy_lock(self->owner))
		return -1;
	enum kt_type_kind kind = kt_object_kind(&self->obj);
	ktpy_unlock(self->owner);
	if (kind != KT_TYPE_INT && kind != KT_TYPE_BOOL && kind != KT_TYPE_ENUM &&
	    kind != KT_TYPE_POINTER)
		return 1;
	PyObject *v = scalar(self);
	if (!v)
		return -1;
	int ret = PyObject_IsTrue(v);
	Py_DECREF(v);
	return ret;
}

static PyNumberMethods obj_as_number = {
	.nb_bool = (inquiry)obj_bool,
	.nb_int = (unaryfunc)obj_int,
	.nb_index = (unaryfunc)obj_int,
};

static PyMappingMethods obj_as_mapping = {
	.mp_subscript = (binaryfunc)obj_subscript,
};

static PyGetSetDef obj_getset[] = {
	{"address", (getter)get_address, NULL,
	 "where the object is (a per-CPU offset if percpu); None for a value", NULL},
	{"type_name", (getter)get_type_name, NULL, "its type as C spells it", NULL},
	{"kind", (getter)get_kind, NULL,
	 "'int', 'bool', 'enum', 'float', 'pointer', 'array', 'struct', 'union', 'function' or "
	 "'void' (typedefs and qualifiers skipped)", NULL},
	{"size", (getter)get_size, NULL, "bytes of its type", NULL},
	{"percpu", (getter)get_percpu, NULL,
	 "a per-CPU variable: per_cpu(cpu) gives a CPU's copy", NULL},
	{"bit_field", (getter)get_bit_field, NULL,
	 "a bitfield's (first bit past address, width); None otherwise", NULL},
	{"program", (getter)get_program, NULL, "the Program", NULL},
	{NULL, NULL, NULL, NULL, NULL}};

#define METH(name, fn, flags, doc) {name, (PyCFunction)(void (*)(void))fn, flags, doc}
static PyMethodDef obj_methods[] = {
	METH("member", obj_member, METH_O,
	     "member(path) -> Object: 'comm', 'se.on_rq', 'val[2].value', 'mm->pgd' (a step "
	     "through a pointer reads it)"),
	METH("value", obj_value, METH_NOARGS,
	     "value() -> int or bool: a scalar read (integer, bool, enum, pointer, bitfield)"),
	METH("string", obj_string, METH_VARARGS | METH_KEYWORDS,
	     "string(max=4096) -> str: a char array, or what a char pointer points at, up to its NUL"),
	METH("bytes", obj_bytes, METH_NOARGS, "bytes() -> bytes: the object's memory"),
	METH("enumerator", obj_enumerator, METH_NOARGS, "enumerator() -> str: an enum value's name"),
	METH("deref", obj_deref, METH_NOARGS, "deref() -> Object: what a pointer points at"),
	METH("address_of", obj_address_of, METH_NOARGS,
	     "address_of() -> Object: a pointer to this object"),
	METH("cast", obj_cast, METH_VARARGS, "cast(type) -> Object: the same seen as another type"),
	METH("per_cpu", obj_per_cpu, METH_VARARGS,
	     "per_cpu(cpu) -> Object: a CPU's copy of a per-CPU variable, or of what a __percpu "
	     "pointer points at"),
	METH("container_of", obj_container_of, METH_VARARGS,
	     "container_of(type, member) -> Object: the type that holds this (a pointer to the "
	     "member, or the member) as member"),
	METH("list_for_each", obj_list_for_each, METH_VARARGS | METH_KEYWORDS,
	     "list_for_each(type, member, budget=0) -> [Object]: each entry of a struct list_head "
	     "list (this is its head), as the type linked through member"),
	METH("hlist_for_each", obj_hlist_for_each, METH_VARARGS | METH_KEYWORDS,
	     "hlist_for_each(type, member, budget=0) -> [Object]: the same for a struct hlist_head"),
	{NULL, NULL, 0, NULL}};

PyTypeObject Object_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "ktriage.Object",
	.tp_doc = "A typed object of the dump: a type and the address of its value (or the value).",
	.tp_basicsize = sizeof(ObjectObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_dealloc = (destructor)obj_dealloc,
	.tp_traverse = (traverseproc)obj_traverse,
	.tp_clear = (inquiry)obj_clear,
	.tp_repr = (reprfunc)obj_repr,
	.tp_getattro = (getattrofunc)obj_getattro,
	.tp_as_number = &obj_as_number,
	.tp_as_mapping = &obj_as_mapping,
	.tp_getset = obj_getset,
	.tp_methods = obj_methods,
};
