/* SPDX-License-Identifier: MIT */
/*
 * The ktriage Python module: libktriage's public API as Python objects (docs/python.md).
 *
 * Every object made from a program (Task, Backtrace, Object, and through them everything else)
 * holds a reference to its Program, so the program lives as long as any of them. Results are
 * copied into Python objects when they are made: nothing points into the library's memory once
 * a call returns, except the typed Object, which calls into the program each time and raises
 * ktriage.Error once the program is closed.
 *
 * Threads: a struct kt_program is used by one thread at a time (include/ktriage.h). Every use
 * of it holds the Program's own lock (ktpy_lock), which is only ever waited for with the GIL
 * released, so no thread waits for it while holding the GIL. The long calls (open, report,
 * task walks, backtraces) release the GIL too (KTPY_NOGIL), so other Python threads run
 * meanwhile; the lock stays held until their results are copied, so close() on another thread
 * waits for that.
 */
#ifndef KTPY_H
#define KTPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>

#include <ktriage.h>

typedef struct {
	PyObject_HEAD
	struct kt_program *prog;   /* NULL once closed */
	PyThread_type_lock lock;   /* held around every call into prog */
	PyObject *path;            /* str: the dump as opened (it names the dump in commands) */
} ProgramObject;

extern PyTypeObject Program_Type;
extern PyTypeObject Task_Type;
extern PyTypeObject Backtrace_Type;
extern PyTypeObject Object_Type;
extern PyObject *KtError;

/* Runs stmt (library calls only, no Python API) with the GIL released. */
#define KTPY_NOGIL(stmt)                                     \
	do {                                                 \
		PyThreadState *ktpy_ts_ = PyEval_SaveThread(); \
		stmt;                                        \
		PyEval_RestoreThread(ktpy_ts_);              \
	} while (0)

/* Takes owner's lock (waiting with the GIL released) and returns its program; NULL after
 * raising ktriage.Error if it is closed (the lock is not held then). */
struct kt_program *ktpy_lock(ProgramObject *owner);
void ktpy_unlock(ProgramObject *owner);

/* Raises ktriage.Error from err (message, code, address) and destroys err; returns NULL. */
PyObject *ktpy_raise(struct kt_error *err);
/* Raises ktriage.Error with a message of the module's own; returns NULL. */
PyObject *ktpy_raise_text(const char *fmt, ...);

/* Conversions: None for NULL; str from a C string (invalid UTF-8 bytes replaced). */
PyObject *ktpy_str(const char *s);
PyObject *ktpy_str_n(const char *s, size_t n);
PyObject *ktpy_u64(uint64_t v);
PyObject *ktpy_u64_or_none(uint64_t v);   /* None for 0 */
PyObject *ktpy_int_or_none(int v);        /* None for a negative number */
PyObject *ktpy_bool(bool v);
/* A new structseq instance of type with the n values given (references stolen), or NULL if
 * any is NULL (all released). */
PyObject *ktpy_record(PyTypeObject *type, PyObject **values, Py_ssize_t n);

/* Types of plain records (structseq), made at module init. */
int ktpy_records_init(PyObject *module);
extern PyTypeObject *Frame_Type, *CallSite_Type, *CallValue_Type, *Finding_Type, *Fact_Type,
	*Report_Type, *ReportCpu_Type, *Signature_Type, *SysInfo_Type, *CpuModel_Type,
	*Taint_Type, *PanicTask_Type, *LogRecord_Type, *Module_Type, *Symbol_Type;

/* Results as Python objects. */
/* These run with owner's lock held (strings they copy may belong to the program). */
PyObject *ktpy_task_new(ProgramObject *owner, const struct kt_task *task);
PyObject *ktpy_backtrace_new(ProgramObject *owner, const struct kt_backtrace *bt,
			     const struct kt_call_site *sites);
/* A backtrace by the library's functions, of a task (what: its address), a CPU (what) or the
 * panicking CPU; unwinder: None or "auto", "orc", "cfi", "fp". Takes the lock itself. */
enum ktpy_bt_of { KTPY_BT_TASK, KTPY_BT_CPU, KTPY_BT_PANIC };
PyObject *ktpy_backtrace_get(ProgramObject *owner, enum ktpy_bt_of of, uint64_t what,
			     PyObject *unwinder, int explain);
PyObject *ktpy_sys_info(const struct kt_sys_info *sys);
PyObject *ktpy_report(ProgramObject *owner, const struct kt_report *report);
PyObject *ktpy_findings(const struct kt_finding *findings, size_t n);
PyObject *ktpy_object_new(ProgramObject *owner, const struct kt_object *obj);

#endif /* KTPY_H */
