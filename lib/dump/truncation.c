// SPDX-License-Identifier: MIT
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "dump/kdump_layout.h"
#include "dump/truncation.h"

/* Notes larger than this are no VMCOREINFO and CPU registers but a corrupt header. */
static const uint64_t NOTES_MAX = 64ull << 20;

/* The notes of PT_NOTE ph, walked into t->notes (dump_notes.h). */
static struct kt_error *check_notes(Elf *elf, const GElf_Phdr *ph, struct kt_truncation *t)
{
	Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_BYTE);
	if (!data)
		return kt_error_create(KT_ERROR_BAD_DATA, "ELF notes at offset %llu cannot be read: %s",
				       (unsigned long long)ph->p_offset, elf_errmsg(-1));
	return kt_dump_notes_walk(data->d_buf, data->d_size, &t->notes);
}

/* What libelf can tell about the ELF header before libkdumpfile reads it: libkdumpfile 0.5.1
 * faults on a 32-bit header with 64-bit contents and allocates PT_NOTE sizes as they are. */
static struct kt_error *check_elf_header(Elf *elf, size_t *phnum, struct kt_truncation *t)
{
	uint64_t file_size = t->file_size;
	if (gelf_getclass(elf) != ELFCLASS64)
		return kt_error_create(KT_ERROR_UNSUPPORTED,
				       "ELF header: class %d is not 64-bit (ELFCLASS64): not an "
				       "x86_64 dump, or the header is corrupt", gelf_getclass(elf));
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh))
		return kt_error_create(KT_ERROR_BAD_DATA, "ELF header is corrupt: %s", elf_errmsg(-1));
	if (eh.e_machine != EM_X86_64)
		return kt_error_create(KT_ERROR_UNSUPPORTED,
				       "ELF header: machine %u is not x86_64 (%d): not an x86_64 dump, "
				       "or the header is corrupt", eh.e_machine, EM_X86_64);
	// libkdumpfile 0.5.1 takes the header's sizes as they are: a program header size other than
	// ELF64's, or a section table that is not in the file, ends in a NULL dereference there.
	// (e_ehsize is not checked: QEMU's dump-guest-memory writes 8 there.)
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "ELF header is corrupt: program headers of %u bytes (ELF64: %zu)",
				       eh.e_phentsize, sizeof(Elf64_Phdr));
	if (eh.e_shoff) {
		size_t shnum = 0;
		if (eh.e_shentsize != sizeof(Elf64_Shdr) || elf_getshdrnum(elf, &shnum) ||
		    eh.e_shoff > file_size ||
		    (file_size - eh.e_shoff) / sizeof(Elf64_Shdr) < (shnum ? shnum : 1))
			return kt_error_create(KT_ERROR_BAD_DATA,
					       "ELF header is corrupt: section headers at offset %llu, "
					       "%u bytes each, not in the file (%llu bytes)",
					       (unsigned long long)eh.e_shoff, eh.e_shentsize,
					       (unsigned long long)file_size);
	}
	if (elf_getphdrnum(elf, phnum) || !*phnum)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "ELF header is corrupt: no readable program headers (%s)",
				       elf_errmsg(-1));
	size_t loads = 0;
	for (size_t i = 0; i < *phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			return kt_error_create(KT_ERROR_BAD_DATA,
					       "ELF program header %zu is cut off or corrupt: %s", i,
					       elf_errmsg(-1));
		loads += ph.p_type == PT_LOAD;
		if (ph.p_offset + ph.p_filesz < ph.p_offset)
			return kt_error_create(KT_ERROR_BAD_DATA,
					       "ELF header is corrupt: program header %zu has offset "
					       "0x%llx and size 0x%llx, past 2^64", i,
					       (unsigned long long)ph.p_offset,
					       (unsigned long long)ph.p_filesz);
		if (ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset + ph.p_filesz <= file_size) {
			struct kt_error *err = check_notes(elf, &ph, t);
			if (err)
				return err;
			continue;
		}
		if (ph.p_filesz > NOTES_MAX)
			return kt_error_create(KT_ERROR_BAD_DATA,
					       "ELF header is corrupt: its notes (PT_NOTE %zu) claim %llu "
					       "bytes at offset %llu, the file has %llu",
					       i, (unsigned long long)ph.p_filesz,
					       (unsigned long long)ph.p_offset,
					       (unsigned long long)file_size);
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "the dump file is truncated: its notes (PT_NOTE %zu, %llu bytes "
				       "at offset %llu) lie past its end (%llu bytes)",
				       i, (unsigned long long)ph.p_filesz,
				       (unsigned long long)ph.p_offset, (unsigned long long)file_size);
	}
	if (!loads)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "the ELF file holds no memory: none of its %zu program headers is "
				       "a PT_LOAD segment", *phnum);
	return NULL;
}

struct kt_error *kt_truncation_scan(int fd, struct kt_truncation *ret)
{
	struct kt_truncation t = {0};
	struct stat st;
	if (fstat(fd, &st))
		return kt_error_create(KT_ERROR_OS, "fstat: %m");
	t.file_size = t.needed_size = (uint64_t)st.st_size;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t phnum = 0;
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		// ELF to libkdumpfile, which would read it regardless: refused here instead.
		unsigned char magic[SELFMAG];
		if (pread(fd, magic, SELFMAG, 0) == SELFMAG && !memcmp(magic, ELFMAG, SELFMAG))
			return kt_error_create(KT_ERROR_BAD_DATA, "ELF header is corrupt: %s",
					       elf ? "not an ELF file to libelf" : elf_errmsg(-1));
		struct kt_error *err = NULL;
		if (kt_kdump_layout_detect(fd))
			err = kt_kdump_layout_scan(fd, &t);
		if (err) {
			kt_truncation_deinit(&t);
			return err;
		}
		*ret = t;  // other formats: libkdumpfile reports truncation itself
		return NULL;
	}
	t.reads_zeros = true;
	struct kt_error *err = check_elf_header(elf, &phnum, &t);
	if (err) {
		elf_end(elf);
		kt_truncation_deinit(&t);
		return err;
	}
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

static char *describe_missing(const struct kt_truncation *t)
{
	if (!t->n_missing)
		return NULL;
	uint64_t missing = 0;
	for (size_t i = 0; i < t->n_missing; i++)
		missing += t->missing[i].end - t->missing[i].start;
	char *s;
	if (asprintf(&s, "the dump file is truncated: %llu of %llu bytes present; %llu KiB of memory "
		     "(%zu range%s from physical 0x%llx) is missing",
		     (unsigned long long)t->file_size, (unsigned long long)t->needed_size,
		     (unsigned long long)(missing >> 10), t->n_missing, t->n_missing == 1 ? "" : "s",
		     (unsigned long long)t->missing[0].start) < 0)
		return NULL;
	return s;
}

char *kt_truncation_describe(const struct kt_truncation *t)
{
	char *missing = describe_missing(t), *notes = kt_dump_notes_describe(&t->notes);
	if (notes && t->vmcoreinfo_copy) {
		char *more = NULL;
		if (asprintf(&more, "%s; VMCOREINFO is read from the kdump sub-header's copy instead",
			     notes) < 0)
			more = NULL;
		free(notes);
		notes = more;
	}
	if (!missing || !notes)
		return missing ? missing : notes;
	char *both = NULL;
	if (asprintf(&both, "%s; %s", missing, notes) < 0)
		both = NULL;
	free(missing);
	free(notes);
	return both;
}

void kt_truncation_deinit(struct kt_truncation *t)
{
	free(t->missing);
	t->missing = NULL;
	t->n_missing = 0;
	kt_dump_notes_deinit(&t->notes);
	free(t->vmcoreinfo_copy);
	t->vmcoreinfo_copy = NULL;
	t->vmcoreinfo_copy_size = 0;
}

const struct kt_phys_range *kt_truncation_find(const struct kt_truncation *t, uint64_t addr,
					       size_t len)
{
	for (size_t i = 0; i < t->n_missing; i++)
		if (addr < t->missing[i].end && addr + len > t->missing[i].start)
			return &t->missing[i];
	return NULL;
}
