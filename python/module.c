// SPDX-License-Identifier: MIT
/* import ktriage: the module, its exception and ktriage.open(). */
#include "ktpy.h"

static PyObject *ktriage_open(PyObject *module, PyObject *args, PyObject *kwds)
{
	(void)module;
	return PyObject_Call((PyObject *)&Program_Type, args, kwds);
}

static PyMethodDef module_methods[] = {
	{"open", (PyCFunction)(void (*)(void))ktriage_open, METH_VARARGS | METH_KEYWORDS,
	 "open(path, debuginfo=None, *, vmlinux=None, no_debuginfo=False, types='btf', "
	 "read_ahead='auto') -> Program\n\n"
	 "Opens a kernel crash dump. debuginfo: the files and directories searched for the debug "
	 "vmlinux and module debug files, in order (None: /usr/lib/debug); vmlinux: the debug "
	 "vmlinux itself; no_debuginfo: only what the dump carries (kallsyms, BTF); types: 'dwarf' "
	 "takes types from the vmlinux's DWARF even where BTF is at hand."},
	{NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "ktriage",
	.m_doc = "Linux kernel crash dump triage (libktriage): the triage report, tasks, verified "
		 "backtraces with call sites, and typed objects, as Python objects (docs/python.md).",
	.m_size = -1,
	.m_methods = module_methods,
};

static int add_type(PyObject *m, PyTypeObject *type, const char *name)
{
	if (PyType_Ready(type))
		return -1;
	Py_INCREF(type);
	if (PyModule_AddObject(m, name, (PyObject *)type)) {
		Py_DECREF(type);
		return -1;
	}
	return 0;
}

PyMODINIT_FUNC PyInit_ktriage(void)
{
	PyObject *m = PyModule_Create(&module_def);
	if (!m)
		return NULL;
	// code and address default to None on the class, for an Error made by Python code.
	PyObject *defaults = Py_BuildValue("{sOsO}", "code", Py_None, "address", Py_None);
	if (!defaults) {
		Py_DECREF(m);
		return NULL;
	}
	KtError = PyErr_NewExceptionWithDoc(
		"ktriage.Error",
		"An error of libktriage: str() is its message; code is its class ('error.fault', "
		"'error.not_found', ...: docs/json.md \"Codes\"); address is the first address that "
		"could not be read (error.fault), else None.",
		NULL, defaults);
	Py_DECREF(defaults);
	if (!KtError || PyModule_AddObjectRef(m, "Error", KtError) ||
	    add_type(m, &Program_Type, "Program") || add_type(m, &Task_Type, "Task") ||
	    add_type(m, &Backtrace_Type, "Backtrace") || add_type(m, &Object_Type, "Object") ||
	    ktpy_records_init(m) || PyModule_AddStringConstant(m, "__version__", KTRIAGE_VERSION)) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
