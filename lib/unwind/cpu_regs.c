// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "dump/dump_notes.h"
#include "dump/vmcoreinfo.h"
#include "kernel/percpu.h"
#include "unwind/cpu_regs.h"

enum {
	NT_PRSTATUS_TYPE = 1,
	NOTE_HEADER_SIZE = 12,       /* Elf64_Nhdr */
	CORE_NAME_SIZE = 8,          /* "CORE\0" padded to 4 bytes: 8 */
};

const char *kt_regs_source_name(enum kt_regs_source source)
{
	switch (source) {
	case KT_REGS_CRASH_NOTES:
		return "crash_notes (NT_PRSTATUS saved by the crashing kernel)";
	case KT_REGS_QEMU:
		return "QEMU CPU note (dump-guest-memory)";
	default:
		return "none";
	}
}

static struct kt_error *from_crash_notes(struct kt_program *prog, unsigned int cpu,
					 struct kt_cpu_regs *out)
{
	uint64_t sym, base, buf_addr;
	struct kt_percpu percpu;
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, "crash_notes", &sym)) ||
	    (err = kt_read_u64(&prog->reader, sym, &base)))
		return err;
	if (!base) {
		out->none_code = KT_REGISTERS_NO_CRASH_NOTES;
		snprintf(out->reason, sizeof(out->reason),
			 "no registers saved: crash_notes was never allocated (no kdump kernel loaded)");
		return NULL;
	}
	if ((err = kt_percpu_init(prog, &percpu)))
		return err;
	err = kt_percpu_address(&percpu, base, cpu, &buf_addr);
	bool online = kt_percpu_online(&percpu, cpu);
	kt_percpu_deinit(&percpu);
	if (err)
		return err;
	uint8_t note[NOTE_HEADER_SIZE + CORE_NAME_SIZE + KT_X86_64_PRSTATUS_SIZE];
	if ((err = kt_read(&prog->reader, buf_addr, note, sizeof(note))))
		return kt_error_prefix(err, "crash_notes of CPU %u", cpu);
	uint32_t namesz, descsz, type;
	memcpy(&namesz, note, 4);
	memcpy(&descsz, note + 4, 4);
	memcpy(&type, note + 8, 4);
	if (type != NT_PRSTATUS_TYPE || namesz != 5 || memcmp(note + NOTE_HEADER_SIZE, "CORE", 5) ||
	    descsz < PRSTATUS_PR_REG_OFFSET + PRSTATUS_NREGS * 8) {
		out->none_code = online ? KT_REGISTERS_NMI_UNANSWERED : KT_REGISTERS_CPU_OFFLINE;
		snprintf(out->reason, sizeof(out->reason),
			 online ? "no registers saved: it did not answer the crash NMI (its crash_notes "
				  "entry is empty)"
				: "no registers saved: the CPU was offline");
		return NULL;
	}
	const uint8_t *desc = note + NOTE_HEADER_SIZE + CORE_NAME_SIZE;
	memcpy(&out->pid, desc + KT_X86_64_PRSTATUS_PID_OFFSET, 4);
	kt_regs_from_pt_regs(&out->regs, desc + PRSTATUS_PR_REG_OFFSET);
	out->source = KT_REGS_CRASH_NOTES;
	return NULL;
}

static void from_qemu(const struct kt_qemu_cpu *q, struct kt_cpu_regs *out)
{
	static const enum kt_reg order[16] = {
		KT_REG_rax, KT_REG_rbx, KT_REG_rcx, KT_REG_rdx, KT_REG_rsi, KT_REG_rdi,
		KT_REG_rsp, KT_REG_rbp, KT_REG_r8, KT_REG_r9, KT_REG_r10, KT_REG_r11,
		KT_REG_r12, KT_REG_r13, KT_REG_r14, KT_REG_r15,
	};
	for (int i = 0; i < 16; i++)
		kt_regs_set(&out->regs, order[i], q->gpr[i]);
	kt_regs_set(&out->regs, KT_REG_rip, q->rip);
	kt_regs_set(&out->regs, KT_REG_rflags, q->rflags);
	kt_regs_set(&out->regs, KT_REG_cs, q->cs);
	out->source = KT_REGS_QEMU;
}

struct kt_error *kt_cpu_regs_get(struct kt_program *prog, unsigned int cpu, struct kt_cpu_regs *ret)
{
	struct kt_cpu_regs out = {.pid = -1, .none_code = KT_REGISTERS_NONE};
	struct kt_dump *dump = prog->dump;
	// QEMU notes describe the machine as it was when dumped from outside: always complete.
	if (dump->n_qemu_cpus && !kt_vmcoreinfo_present(dump)) {
		if (cpu < dump->n_qemu_cpus) {
			from_qemu(&dump->qemu_cpus[cpu], &out);
		} else {
			snprintf(out.reason, sizeof(out.reason), "no QEMU note for CPU %u", cpu);
			out.none_code = KT_REGISTERS_NO_QEMU_NOTE;
		}
		*ret = out;
		return NULL;
	}
	struct kt_error *err = from_crash_notes(prog, cpu, &out);
	if (err && err != &kt_enomem && dump->n_qemu_cpus > cpu) {
		kt_error_destroy(err);  // a QEMU dump of a guest that had kdump loaded
		from_qemu(&dump->qemu_cpus[cpu], &out);
		err = NULL;
	} else if (!err && out.source == KT_REGS_NONE && dump->n_qemu_cpus > cpu) {
		from_qemu(&dump->qemu_cpus[cpu], &out);
	}
	if (err)
		return err;
	*ret = out;
	return NULL;
}
