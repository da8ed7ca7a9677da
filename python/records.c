// SPDX-License-Identifier: MIT
/*
 * Plain results as named records (structseq: attributes, and tuples too): their fields mirror the
 * members of the JSON documents of docs/json.md, with addresses as int and absent values as
 * None.
 */
#include "ktpy.h"

PyTypeObject *Frame_Type, *CallSite_Type, *CallValue_Type, *Finding_Type, *Fact_Type,
	*Report_Type, *ReportCpu_Type, *Signature_Type, *SysInfo_Type, *CpuModel_Type, *Taint_Type,
	*PanicTask_Type, *LogRecord_Type, *Module_Type, *Symbol_Type;

#define F(name, doc) {name, doc}

static PyStructSequence_Field frame_fields[] = {
	F("pc", "where the function is: a return address, or the exact pc (exact); None if unknown"),
	F("sp", "stack pointer at pc; 0 if unknown"),
	F("slot", "where pc was read from the stack; None if it came from registers"),
	F("symbol", "the function containing pc, None if no symbol covers it"),
	F("offset", "pc - the symbol's address"),
	F("module", "the module of the symbol, None for the kernel"),
	F("status", "'verified', 'inferred' or 'stale'"),
	F("reason_code", "stable code of the evidence ('ret.call_fits', ...: docs/json.md)"),
	F("reason", "the evidence, for people"),
	F("stack", "'task stack', 'IRQ stack', 'NMI exception stack', ..."),
	F("exact", "pc is where the CPU was, not a return address"),
	F("pt_regs", "the pt_regs the frame starts at, {register: value}; None if none"),
	F("pt_regs_address", "the address of that pt_regs, or None"),
	F("call_site", "the CallSite that entered the frame (backtraces made with explain=True); "
		       "None otherwise"),
	{NULL, NULL}};

static PyStructSequence_Field call_site_fields[] = {
	F("return_address", "the return address the call left"),
	F("address", "the call instruction; None if no call ends at the return address"),
	F("caller", "the function holding the call"),
	F("instruction", "the call as dis prints it"),
	F("kind", "'direct', 'static_call', 'retpoline', 'register', 'memory', 'pv_ops' or 'none'"),
	F("expression", "what the target was read through, in C ('vcpu->ops->run'); None if direct"),
	F("values", "the CallValue records the resolution needed"),
	F("target", "the address called, None if not determined"),
	F("target_symbol", "the function at target"),
	F("target_offset", "target - its symbol"),
	F("target_module", "the module of the target, None for the kernel"),
	F("verdict", "'matches', 'tail_call', 'differs' or 'undetermined'"),
	F("reason_code", "stable code of the verdict's evidence"),
	F("reason", "the evidence for the verdict, or what was missing"),
	F("tail_jump", "tail_call: the jmp that reached the frame above, else None"),
	F("tail_calls", "tail_call: how many functions jumped on the way"),
	{NULL, NULL}};

static PyStructSequence_Field call_value_fields[] = {
	F("name", "the value's C expression"), F("value", "what it was"),
	F("source", "where it was found"), {NULL, NULL}};

static PyStructSequence_Field finding_fields[] = {
	F("code", "stable id: 'panic.oops', 'hung.deadlock', ..."),
	F("title", "what it is, for people"),
	F("severity", "'info', 'warning', 'error' or 'critical'"),
	F("cpu", "the CPU it is about, or None"),
	F("vcpu", "the struct kvm_vcpu it is about, or None"),
	F("task", "the struct task_struct it is about, or None"),
	F("abort", "a VMX abort indicator (vmx findings), else 0"),
	F("summary", "what was found, in a few sentences"),
	F("facts", "the evidence: Fact(key, value) records, in order (dict(facts) maps them)"),
	F("commands", "the ktriage command lines that show each piece"),
	F("signature", "the bucket it files the dump under, or None"),
	F("signature_corrupted", "the evidence for a signature is not there"),
	F("signature_frames", "the normalized frames the signature's hash is taken over"),
	{NULL, NULL}};

static PyStructSequence_Field fact_fields[] = {F("key", NULL), F("value", NULL), {NULL, NULL}};

static PyStructSequence_Field report_fields[] = {
	F("system", "the SysInfo"),
	F("cpu_model", "the CpuModel, or None if unknown"),
	F("taint", "the Taint, or None if unreadable"),
	F("panic_task", "the PanicTask, or None if unknown"),
	F("uptime", "seconds from boot to the crash, or None"),
	F("signature", "the dump's Signature"),
	F("findings", "the Finding records, most severe first"),
	F("cpus", "the ReportCpu records, one per online CPU"),
	F("gaps", "the parts of the report that could not be made, and why"),
	{NULL, NULL}};

static PyStructSequence_Field report_cpu_fields[] = {
	F("cpu", NULL), F("answered_nmi", "its registers are in the dump's own crash notes"),
	F("error", "why there is no backtrace, or None"), F("backtrace", "a Backtrace, or None"),
	{NULL, NULL}};

static PyStructSequence_Field signature_fields[] = {
	F("text", "the finding's signature, or 'corrupted: why'"),
	F("hash", "64-bit FNV-1a of the normalized frames, hex; None if none"),
	F("finding", "the code of the finding it comes from, or None"),
	F("corrupted", NULL), {NULL, NULL}};

static PyStructSequence_Field sys_fields[] = {
	F("dump", "the dump file"), F("dump_format", NULL), F("symbols", "where symbols come from"),
	F("release", NULL), F("version", NULL), F("machine", NULL), F("nodename", NULL),
	F("build_id", "from VMCOREINFO, or None"), F("kaslr_offset", "or None"),
	F("cpus_online", "None if the CPU masks could not be read"), F("cpus_possible", NULL),
	F("cpus_with_registers", NULL), F("crash_time", "seconds since the epoch, or None"),
	F("panic_message", "or None"), F("panic_cpu", "or None"), {NULL, NULL}};

static PyStructSequence_Field cpu_model_fields[] = {
	F("vendor", NULL), F("family", NULL), F("model", NULL), F("stepping", NULL),
	F("microcode", NULL), F("name", "or None"), F("model_id", NULL), {NULL, NULL}};

static PyStructSequence_Field taint_fields[] = {
	F("mask", "tainted_mask"), F("flags", "the kernel's letters"), F("names", NULL), {NULL, NULL}};

static PyStructSequence_Field panic_task_fields[] = {
	F("pid", NULL), F("comm", NULL), F("address", NULL), {NULL, NULL}};

static PyStructSequence_Field log_record_fields[] = {
	F("seq", NULL), F("ts_nsec", NULL), F("level", "0-7, or 8 if unknown"),
	F("caller_id", "printk's T<pid>/C<cpu> encoding, 0 if absent"), F("text", NULL),
	{NULL, NULL}};

static PyStructSequence_Field module_fields[] = {
	F("address", "struct module *"), F("name", NULL), F("base", "its code"), F("size", NULL),
	F("state", "enum module_state: 0 live, 1 coming, 2 going, 3 unformed"),
	F("n_symbols", NULL), {NULL, NULL}};

static PyStructSequence_Field symbol_fields[] = {
	F("name", NULL), F("offset", "the address - the symbol's"), F("module", "None for the kernel"),
	{NULL, NULL}};

struct record_def {
	PyTypeObject **type;
	const char *name;
	const char *doc;
	PyStructSequence_Field *fields;
};

static const struct record_def records[] = {
	{&Frame_Type, "ktriage.Frame", "A frame of a backtrace.", frame_fields},
	{&CallSite_Type, "ktriage.CallSite", "The call that entered a frame, resolved.",
	 call_site_fields},
	{&CallValue_Type, "ktriage.CallValue", "A value a call site's resolution needed.",
	 call_value_fields},
	{&Finding_Type, "ktriage.Finding", "A conclusion of the triage report, with its evidence.",
	 finding_fields},
	{&Fact_Type, "ktriage.Fact", "A piece of a finding's evidence.", fact_fields},
	{&Report_Type, "ktriage.Report", "The triage report.", report_fields},
	{&ReportCpu_Type, "ktriage.ReportCpu", "A CPU in the triage report.", report_cpu_fields},
	{&Signature_Type, "ktriage.Signature", "The bucket a dump is filed under.",
	 signature_fields},
	{&SysInfo_Type, "ktriage.SysInfo", "The system summary, as `ktriage DUMP sys`.", sys_fields},
	{&CpuModel_Type, "ktriage.CpuModel", "The CPU model from boot_cpu_data.", cpu_model_fields},
	{&Taint_Type, "ktriage.Taint", "The kernel's taint flags.", taint_fields},
	{&PanicTask_Type, "ktriage.PanicTask", "The task current on the panicking CPU.",
	 panic_task_fields},
	{&LogRecord_Type, "ktriage.LogRecord", "A record of the kernel log.", log_record_fields},
	{&Module_Type, "ktriage.Module", "A loaded module.", module_fields},
	{&Symbol_Type, "ktriage.Symbol", "The symbol containing an address.", symbol_fields},
};

int ktpy_records_init(PyObject *module)
{
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		const struct record_def *r = &records[i];
		Py_ssize_t n = 0;
		while (r->fields[n].name)
			n++;
		PyStructSequence_Desc desc = {(char *)r->name, (char *)r->doc, r->fields, (int)n};
		*r->type = PyStructSequence_NewType(&desc);
		if (!*r->type)
			return -1;
		Py_INCREF(*r->type);
		if (PyModule_AddObject(module, r->name + sizeof("ktriage.") - 1, (PyObject *)*r->type)) {
			Py_DECREF(*r->type);
			return -1;
		}
	}
	return 0;
}
