// SPDX-License-Identifier: MIT
/* help CMD and CMD --help for the commands whose own file does not carry its help: every option,
 * and examples. */
#include "commands.h"

const char cli_report_help[] =
	"usage: report [-a | --all-frames]\n"
	"  (none)  the triage report: machine and crash, findings ranked with their evidence and the\n"
	"          commands that show it, the signature, every online CPU's backtrace\n"
	"  -a      every frame of every backtrace (the report shortens long ones)\n"
	"examples: report;  report -a;  ktriage --json DUMP report;  ktriage --known FILE DUMP\n";

const char cli_sys_help[] =
	"usage: sys\n"
	"  dump format, symbol source, CPUs online/possible and how many left registers, crash time,\n"
	"  release, version, machine, build-id, KASLR offset, panic message and CPU\n"
	"examples: sys;  ktriage --json DUMP sys\n";

const char cli_mod_help[] =
	"usage: mod [-s NAME [FILE] | -S [DIR] | -t]\n"
	"  (none)      every loaded module: struct module, name, base and size of its code, state,\n"
	"              symbols, the debug file it uses or why none\n"
	"  -s NAME     load NAME's debug file, from FILE (checked against its build-id) or searched\n"
	"  -S [DIR]    load every module's debug file, from DIR (recursively) or the places searched\n"
	"  -t          each tainted module's taint letters (O out-of-tree, E unsigned, ...)\n"
	"examples: mod;  mod -s kvm_intel;  mod -s ktest_stuck ./ktest_stuck.ko;  mod -S;  mod -t\n";

const char cli_percpu_help[] =
	"usage: percpu [-x | --value] SYMBOL [CPU]\n"
	"  SYMBOL      a per-CPU variable: its address on every possible CPU (or on CPU alone)\n"
	"  -x          with the first 8 bytes there\n"
	"examples: percpu runqueues;  percpu -x current_task 1\n";

const char cli_callsite_help[] =
	"usage: callsite RETURN_ADDRESS [CALLEE]\n"
	"  the call before a return address: the instruction, its kind, the expression it read its\n"
	"  target through, the values with where they came from, the target and, with CALLEE (the\n"
	"  function the stack says was called), the verdict\n"
	"examples: callsite ffffffffc020c20d;  callsite ktest_vcpu_enter_guest+0x2d ktest_svm_vcpu_run\n";

const char cli_complete_help[] =
	"usage: complete TEXT...\n"
	"  what Tab offers in the shell after TEXT: command names first, type names after struct,\n"
	"  union, whatis, member-at and -t, kernel and module symbols elsewhere\n"
	"examples: complete sch;  complete struct task_;  complete dis vmx_\n";

const char cli_task_help[] =
	"usage: task [PID | TASK | -c CPU]\n"
	"  (none)   the task that panicked (current on panic_cpu)\n"
	"  PID      the task with that pid (digits)\n"
	"  TASK     the task_struct at that address or symbol\n"
	"  -c CPU   the task current on CPU\n"
	"  Shows pid, tgid, parent, comm, state, CPU and whether it runs there, flags, stack, saved\n"
	"  thread.sp, mm.\n"
	"examples: task;  task 1;  task -c 1;  task ffff8bfd02746100;  foreach UN task\n";

const char cli_whatis_help[] =
	"usage: whatis [-r] TYPE | SYMBOL | MODULE:TYPE\n"
	"  TYPE     the declaration with each member's offset and size and the holes (gdb's\n"
	"           ptype /o), an enum's values, a typedef\n"
	"  SYMBOL   a variable's type, or a function's prototype with its parameters' names\n"
	"  -r       expand named members too\n"
	"  MODULE:  search that module's types alone (BTF, or DWARF for a module without BTF)\n"
	"examples: whatis task_struct;  whatis -r rq;  whatis schedule;  whatis kvm_amd:vcpu_svm\n";

const char cli_member_at_help[] =
	"usage: member-at TYPE OFFSET\n"
	"  the member paths covering a byte offset of TYPE, down to scalars and array elements:\n"
	"  every union alternative and bitfield, or the hole it falls in\n"
	"examples: member-at task_struct 0x5b8;  member-at vcpu_vmx 1234\n";

const char cli_kvm_help[] =
	"usage: kvm\n"
	"  every VM (from vm_list, and any VM whose vCPU is on a CPU's loaded-VMCS list): owner\n"
	"  process, vCPU count, memslots; each vCPU: id, thread, mode, CPU, whether it runs there\n"
	"  now, last exit reason by name\n"
	"examples: kvm;  ktriage --json DUMP kvm\n";

const char cli_vmx_help[] =
	"usage: vmx [VCPU]\n"
	"  each vCPU's VMX state (or the struct kvm_vcpu at VCPU alone): loaded_vmcs, the VMCS header\n"
	"  (revision id, shadow bit, VMX-abort indicator), host RSP of the last VM entry, the MSR\n"
	"  autoload lists checked against the SDM's rules; every CPU's current_vmcs and\n"
	"  loaded_vmcss_on_cpu\n"
	"examples: vmx;  vmx ffff8bfd4a3c0000\n";

const char cli_svm_help[] =
	"usage: svm [VCPU]\n"
	"  each vCPU's VMCB in use (or the struct kvm_vcpu at VCPU alone): exit code by name,\n"
	"  exit_info_1/2, exit_int_info, CR0/CR3/CR4/EFER/RIP/RSP\n"
	"examples: svm;  svm ffff8bfd4a3c0000\n";

const char cli_findings_help[] =
	"usage: findings\n"
	"  the report's findings alone, most severe first: code, title, summary, the evidence\n"
	"  (values read and where from) and the commands that show it (codes: docs/json.md)\n"
	"examples: findings;  ktriage --json DUMP findings\n";
