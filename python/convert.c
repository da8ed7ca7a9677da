// SPDX-License-Identifier: MIT
/* Errors, the program lock and conversions of C values to Python objects. */
#include <stdarg.h>
#include <string.h>

#include "ktpy.h"

PyObject *KtError;

static PyObject *raise_with(const char *message, const char *code, PyObject *address)
{
	PyObject *exc = PyObject_CallFunction(KtError, "s", message);
	if (exc) {
		PyObject *c = ktpy_str(code);
		if (!c || PyObject_SetAttrString(exc, "code", c) ||
		    PyObject_SetAttrString(exc, "address", address ? address : Py_None)) {
			Py_CLEAR(exc);
		}
		Py_XDECREF(c);
	}
	Py_XDECREF(address);
	if (exc) {
		PyErr_SetObject(KtError, exc);
		Py_DECREF(exc);
	}
	return NULL;
}

PyObject *ktpy_raise(struct kt_error *err)
{
	if (kt_error_code(err) == KT_ERROR_NOMEM) {
		kt_error_destroy(err);
		return PyErr_NoMemory();
	}
	uint64_t address;
	PyObject *addr = kt_error_address(err, &address) ? PyLong_FromUnsignedLongLong(address) : NULL;
	raise_with(kt_error_message(err), kt_error_code_name(kt_error_code(err)), addr);
	kt_error_destroy(err);
	return NULL;
}

PyObject *ktpy_raise_text(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return raise_with(msg, kt_error_code_name(KT_ERROR_INVALID_ARGUMENT), NULL);
}

struct kt_program *ktpy_lock(ProgramObject *owner)
{
	if (!PyThread_acquire_lock(owner->lock, NOWAIT_LOCK))
		KTPY_NOGIL(PyThread_acquire_lock(owner->lock, WAIT_LOCK));
	if (!owner->prog) {
		PyThread_release_lock(owner->lock);
		ktpy_raise_text("the program is closed");
		return NULL;
	}
	return owner->prog;
}

void ktpy_unlock(ProgramObject *owner)
{
	PyThread_release_lock(owner->lock);
}

PyObject *ktpy_str_n(const char *s, size_t n)
{
	return PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, "replace");
}

PyObject *ktpy_str(const char *s)
{
	if (!s)
		Py_RETURN_NONE;
	return ktpy_str_n(s, strlen(s));
}

PyObject *ktpy_u64(uint64_t v)
{
	return PyLong_FromUnsignedLongLong(v);
}

PyObject *ktpy_u64_or_none(uint64_t v)
{
	if (!v)
		Py_RETURN_NONE;
	return PyLong_FromUnsignedLongLong(v);
}

PyObject *ktpy_int_or_none(int v)
{
	if (v < 0)
		Py_RETURN_NONE;
	return PyLong_FromLong(v);
}

PyObject *ktpy_bool(bool v)
{
	return PyBool_FromLong(v);
}

PyObject *ktpy_record(PyTypeObject *type, PyObject **values, Py_ssize_t n)
{
	PyObject *rec = NULL;
	for (Py_ssize_t i = 0; i < n; i++)
		if (!values[i])
			goto fail;
	rec = PyStructSequence_New(type);
	if (!rec)
		goto fail;
	for (Py_ssize_t i = 0; i < n; i++)
		PyStructSequence_SET_ITEM(rec, i, values[i]);
	return rec;
fail:
	for (Py_ssize_t i = 0; i < n; i++)
		Py_XDECREF(values[i]);
	return NULL;
}
