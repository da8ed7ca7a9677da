// SPDX-License-Identifier: MIT
#include <gelf.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/error.h"
#include "dump/truncation.h"

struct kt_error *kt_truncation_scan(int fd, struct kt_truncation *ret)
{
	struct kt_truncation t = {0};
	struct stat st;
	if (fstat(fd, &st))
		return kt_error_create(KT_ERROR_OS, "fstat: %m");
	t.file_size = t.needed_size = (uint64_t)st.st_size;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t phnum;
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &phnum)) {
		if (elf)
			elf_end(elf);
		*ret = t;  // not ELF: libkdumpfile reports truncation of other formats itself
		return NULL;
	}
	struct kt_error *err = NULL;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		uint64_t end = ph.p_offset + ph.p_filesz;
		if (end > t.needed_size)
			t.needed_size = end;
		if (end <= t.file_size)
			continue;
		uint64_t kept = ph.p_offset >= t.file_size ? 0 : t.file_size - ph.p_offset;
		struct kt_phys_range *grown = realloc(t.missing, (t.n_missing + 1) * sizeof(*grown));
		if (!grown) {
			err = &kt_enomem;
			break;
		}
		t.missing = grown;
		t.missing[t.n_missing++] = (struct kt_phys_range){ph.p_paddr + kept,
								  ph.p_paddr + ph.p_filesz};
	}
	elf_end(elf);
	if (err) {
		kt_truncation_deinit(&t);
		return err;
	}
	*ret = t;
	return NULL;
}

void kt_truncation_deinit(struct kt_truncation *t)
{
	free(t->missing);
	t->missing = NULL;
	t->n_missing = 0;
}

const struct kt_phys_range *kt_truncation_find(const struct kt_truncation *t, uint64_t addr,
					       size_t len)
{
	for (size_t i = 0; i < t->n_missing; i++)
		if (addr < t->missing[i].end && addr + len > t->missing[i].start)
			return &t->missing[i];
	return NULL;
}
