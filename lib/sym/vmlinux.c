// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "sym/vmlinux.h"

enum { BANNER_MAX = 512 };

struct kt_vmlinux {
	char *path;
	int fd;
	Elf *elf;
	Elf_Scn *symtab;
	size_t symtab_strndx;
	char build_id[2 * 64 + 1];
	char banner[BANNER_MAX];
};

/* Copies the GNU build-id out of a block of notes; true if found. */
static bool build_id_from_notes(struct kt_vmlinux *vm, Elf_Data *data)
{
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off;
	while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((char *)data->d_buf + name_off, "GNU", 4) || nh.n_descsz > 64)
			continue;
		const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;
		for (size_t b = 0; b < nh.n_descsz; b++)
			sprintf(vm->build_id + 2 * b, "%02x", d[b]);
		return true;
	}
	return false;
}

/* From the PT_NOTE segments of a linked file, or the note sections of any other. */
static void read_build_id(struct kt_vmlinux *vm)
{
	size_t phnum = 0;
	elf_getphdrnum(vm->elf, &phnum);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(vm->elf, (int)i, &ph) && ph.p_type == PT_NOTE &&
		    build_id_from_notes(vm, elf_getdata_rawchunk(vm->elf, (int64_t)ph.p_offset,
								  ph.p_filesz, ELF_T_NHDR)))
			return;
	}
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(vm->elf, scn));) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE &&
		    build_id_from_notes(vm, elf_getdata(scn, NULL)))
			return;
	}
}

/* Finds a symbol by name in .symtab; fills *sym. */
static bool find_symbol(const struct kt_vmlinux *vm, const char *name, GElf_Sym *sym)
{
	Elf_Data *data = vm->symtab ? elf_getdata(vm->symtab, NULL) : NULL;
	GElf_Shdr sh;
	if (!data || !gelf_getshdr(vm->symtab, &sh) || !sh.sh_entsize)
		return false;
	size_t n = sh.sh_size / sh.sh_entsize;
	for (size_t i = 1; i < n; i++) {
		if (!gelf_getsym(data, (int)i, sym))
			continue;
		const char *s = elf_strptr(vm->elf, vm->symtab_strndx, sym->st_name);
		if (s && !strcmp(s, name))
			return true;
	}
	return false;
}

/* Reads the bytes of a symbol's initial value from its section in the file. */
static void read_banner(struct kt_vmlinux *vm)
{
	GElf_Sym sym;
	GElf_Shdr sh;
	Elf_Scn *scn;
	if (!find_symbol(vm, "linux_banner", &sym) || !(scn = elf_getscn(vm->elf, sym.st_shndx)) ||
	    !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || sym.st_value < sh.sh_addr)
		return;
	uint64_t off = sh.sh_offset + (sym.st_value - sh.sh_addr);
	ssize_t n = pread(vm->fd, vm->banner, sizeof(vm->banner) - 1, (off_t)off);
	vm->banner[n > 0 ? n : 0] = '\0';
	vm->banner[strcspn(vm->banner, "\n")] = '\0';
}

struct kt_error *kt_vmlinux_open(const char *path, struct kt_vmlinux **ret)
{
	struct kt_vmlinux *vm = calloc(1, sizeof(*vm));
	if (!vm || !(vm->path = strdup(path))) {
		free(vm);
		return &kt_enomem;
	}
	struct kt_error *err = NULL;
	vm->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (vm->fd < 0) {
		err = kt_error_create(KT_ERROR_OS, "%s: %m", path);
		goto fail;
	}
	elf_version(EV_CURRENT);
	vm->elf = elf_begin(vm->fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!vm->elf || elf_kind(vm->elf) != ELF_K_ELF || !gelf_getehdr(vm->elf, &eh) ||
	    eh.e_machine != EM_X86_64) {
		err = kt_error_create(KT_ERROR_BAD_DATA, "%s: not an x86-64 ELF file", path);
		goto fail;
	}
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(vm->elf, scn));) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			vm->symtab = scn;
			vm->symtab_strndx = sh.sh_link;
		}
	}
	if (!vm->symtab) {
		err = kt_error_create(KT_ERROR_NOT_FOUND, "%s: no symbol table (stripped?)", path);
		goto fail;
	}
	read_build_id(vm);
	read_banner(vm);
	*ret = vm;
	return NULL;
fail:
	kt_vmlinux_destroy(vm);
	return err;
}

void kt_vmlinux_destroy(struct kt_vmlinux *vm)
{
	if (!vm)
		return;
	if (vm->elf)
		elf_end(vm->elf);
	if (vm->fd >= 0)
		close(vm->fd);
	free(vm->path);
	free(vm);
}

const char *kt_vmlinux_path(const struct kt_vmlinux *vm)
{
	return vm->path;
}

const char *kt_vmlinux_build_id(const struct kt_vmlinux *vm)
{
	return vm->build_id[0] ? vm->build_id : NULL;
}

const char *kt_vmlinux_banner(const struct kt_vmlinux *vm)
{
	return vm->banner[0] ? vm->banner : NULL;
}

struct kt_error *kt_vmlinux_symbol(const struct kt_vmlinux *vm, const char *name, uint64_t *ret)
{
	GElf_Sym sym;
	if (!find_symbol(vm, name, &sym))
		return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no symbol '%s'", vm->path, name);
	*ret = sym.st_value;
	return NULL;
}

struct kt_error *kt_vmlinux_section(const struct kt_vmlinux *vm, const char *name, const void **data_ret,
				    size_t *size_ret, uint64_t *addr_ret)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(vm->elf, &shstrndx))
		return kt_error_create(KT_ERROR_BAD_DATA, "%s: no section names: %s", vm->path, elf_errmsg(-1));
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(vm->elf, scn));) {
		GElf_Shdr shdr;
		const char *sname;
		if (!gelf_getshdr(scn, &shdr) || !(sname = elf_strptr(vm->elf, shstrndx, shdr.sh_name)) ||
		    strcmp(sname, name))
			continue;
		Elf_Data *data = shdr.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			return kt_error_create(KT_ERROR_NOT_FOUND, "%s: section %s has no data", vm->path, name);
		*data_ret = data->d_buf;
		*size_ret = data->d_size;
		*addr_ret = shdr.sh_addr;
		return NULL;
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no section %s", vm->path, name);
}

/* The name of symbol i if it belongs in the table: defined, named, not a section, file or
 * assembler-local label (kallsyms has none of those either). */
static const char *kept_symbol(const struct kt_vmlinux *vm, Elf_Data *data, size_t i, GElf_Sym *sym)
{
	const char *s;
	if (!gelf_getsym(data, (int)i, sym) || sym->st_shndx == SHN_UNDEF ||
	    GELF_ST_TYPE(sym->st_info) == STT_SECTION || GELF_ST_TYPE(sym->st_info) == STT_FILE ||
	    !(s = elf_strptr(vm->elf, vm->symtab_strndx, sym->st_name)) || !*s || !strncmp(s, ".L", 2))
		return NULL;
	return s;
}

/* nm's letter: text or data, upper case for global symbols. */
static char symbol_type(Elf *elf, const GElf_Sym *sym)
{
	char c = 'd';
	Elf_Scn *scn = elf_getscn(elf, sym->st_shndx);
	GElf_Shdr sh;
	if (sym->st_shndx == SHN_ABS)
		c = 'a';
	else if (scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR))
		c = 't';
	else if (scn && gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOBITS)
		c = 'b';
	else if (scn && gelf_getshdr(scn, &sh) && !(sh.sh_flags & SHF_WRITE))
		c = 'r';
	return GELF_ST_BIND(sym->st_info) == STB_LOCAL ? c : (char)(c - 'a' + 'A');
}

struct kt_error *kt_vmlinux_symbols(const struct kt_vmlinux *vm, uint64_t kaslr_offset,
				    struct kt_kallsyms **ret)
{
	Elf_Data *data = elf_getdata(vm->symtab, NULL);
	GElf_Shdr sh;
	if (!data || !gelf_getshdr(vm->symtab, &sh) || !sh.sh_entsize)
		return kt_error_create(KT_ERROR_BAD_DATA, "%s: unreadable symbol table", vm->path);
	size_t n = sh.sh_size / sh.sh_entsize, count = 0;
	struct kt_kallsyms *ks = calloc(1, sizeof(*ks));
	if (!ks || !(ks->syms = malloc(n * sizeof(*ks->syms)))) {
		free(ks);
		return &kt_enomem;
	}
	// Names stay in the symbol string table: the vmlinux is closed after the table is freed.
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		const char *s = kept_symbol(vm, data, i, &sym);
		if (!s)
			continue;
		// Per-CPU symbols are offsets into the per-CPU area and absolute symbols are not
		// addresses: KASLR moves neither.
		bool moves = sym.st_shndx != SHN_ABS && sym.st_value >= 0xffffffff80000000ull;
		ks->syms[count++] = (struct kt_symbol){
			.name = s,
			.address = sym.st_value + (moves ? kaslr_offset : 0),
			.type = symbol_type(vm->elf, &sym),
		};
	}
	ks->n = count;
	struct kt_error *err = kt_kallsyms_finish(ks);
	if (err) {
		kt_kallsyms_destroy(ks);
		return err;
	}
	*ret = ks;
	return NULL;
}
