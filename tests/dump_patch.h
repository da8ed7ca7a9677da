/* SPDX-License-Identifier: MIT */
/* Corrupting a copy of a real ELF dump in place, for tests of hostile memory. */
#ifndef KT_TESTS_DUMP_PATCH_H
#define KT_TESTS_DUMP_PATCH_H

#include <fcntl.h>
#include <gelf.h>
#include <libkdumpfile/addrxlat.h>
#include <stdbool.h>
#include <unistd.h>

#include "program.h"

/* The file offset that holds kernel virtual address va in an ELF dump. */
static inline bool va_to_file_offset(struct kt_program *prog, const char *path, uint64_t va, off_t *ret)
{
	addrxlat_ctx_t *axctx;
	addrxlat_sys_t *axsys;
	if (kdump_get_addrxlat(prog->dump->ctx, &axctx, &axsys) != KDUMP_OK)
		return false;
	addrxlat_fulladdr_t fa = {.addr = va, .as = ADDRXLAT_KVADDR};
	addrxlat_status st = addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, axctx, axsys);
	addrxlat_ctx_decref(axctx);
	addrxlat_sys_decref(axsys);
	if (st != ADDRXLAT_OK)
		return false;
	int fd = open(path, O_RDONLY);
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	size_t phnum = 0;
	bool found = false;
	elf_getphdrnum(elf, &phnum);
	for (size_t i = 0; i < phnum && !found; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && fa.addr >= ph.p_paddr &&
		    fa.addr + 8 <= ph.p_paddr + ph.p_filesz) {
			*ret = (off_t)(ph.p_offset + (fa.addr - ph.p_paddr));
			found = true;
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

static inline bool copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char buf[1 << 16];
	ssize_t n;
	bool ok = in >= 0 && out >= 0;
	while (ok && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, (size_t)n) == n;
	close(in);
	close(out);
	return ok;
}


/* Writes 8 bytes into a file at an offset. */
static inline bool patch_u64(const char *path, off_t at, uint64_t value)
{
	int fd = open(path, O_WRONLY);
	bool ok = fd >= 0 && pwrite(fd, &value, 8, at) == 8;
	close(fd);
	return ok;
}

#endif
