// SPDX-License-Identifier: MIT
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/qemu_notes.h"

/* QEMUCPUState, version 1 (QEMU target/i386/arch_dump.c): byte offsets. */
enum {
	QEMU_CPU_STATE_MIN_SIZE = 440,
	QS_VERSION = 0,
	QS_GPR = 8,
	QS_RSP = 8 + 6 * 8,     /* rax rbx rcx rdx rsi rdi rsp rbp r8..r15 */
	QS_RIP = 8 + 16 * 8,
	QS_RFLAGS = QS_RIP + 8,
	QS_SEGMENTS = QS_RFLAGS + 8, /* cs ds es fs gs ss ldt tr gdt idt: {u32 selector, limit,
				      * flags, pad; u64 base} each */
	QS_SEGMENT_SIZE = 24,
	QS_CR = QS_SEGMENTS + 10 * QS_SEGMENT_SIZE,
	QS_KERNEL_GS_BASE = QS_CR + 5 * 8,
};

static uint64_t u64_at(const unsigned char *p, size_t off)
{
	uint64_t v;
	memcpy(&v, p + off, 8);
	return v;
}

struct kt_error *kt_qemu_notes_read(int fd, struct kt_qemu_cpu **ret, size_t *n_ret)
{
	*ret = NULL;
	*n_ret = 0;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t phnum = 0;
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &phnum)) {
		if (elf)
			elf_end(elf);
		return NULL;
	}
	struct kt_qemu_cpu *cpus = NULL;
	size_t n = 0;
	struct kt_error *err = NULL;
	for (size_t i = 0; i < phnum && !err; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_namesz != 5 || memcmp((char *)data->d_buf + name_off, "QEMU", 5) ||
			    nh.n_descsz < QEMU_CPU_STATE_MIN_SIZE)
				continue;
			const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;
			struct kt_qemu_cpu *grown = realloc(cpus, (n + 1) * sizeof(*cpus));
			if (!grown) {
				err = &kt_enomem;
				break;
			}
			cpus = grown;
			struct kt_qemu_cpu *c = &cpus[n++];
			uint32_t cs_selector;
			memcpy(&cs_selector, d + QS_SEGMENTS, 4);
			*c = (struct kt_qemu_cpu){
				.rip = u64_at(d, QS_RIP),
				.rsp = u64_at(d, QS_RSP),
				.rflags = u64_at(d, QS_RFLAGS),
				.cs = (uint16_t)cs_selector,
				.gs_base = u64_at(d, QS_SEGMENTS + 4 * QS_SEGMENT_SIZE + 16),
				.kernel_gs_base = u64_at(d, QS_KERNEL_GS_BASE),
			};
			for (int r = 0; r < 5; r++)
				c->cr[r] = u64_at(d, QS_CR + 8 * (size_t)r);
			for (int r = 0; r < 16; r++)
				c->gpr[r] = u64_at(d, QS_GPR + 8 * (size_t)r);
		}
	}
	elf_end(elf);
	if (err) {
		free(cpus);
		return err;
	}
	*ret = cpus;
	*n_ret = n;
	return NULL;
}
