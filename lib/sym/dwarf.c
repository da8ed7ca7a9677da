// SPDX-License-Identifier: MIT
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/vmcoreinfo.h"
#include "sym/debuginfo.h"
#include "sym/dwarf.h"

/* A loaded module, as far as its DWARF goes. */
struct dw_module {
	char *name;
	bool tried;
	struct kt_error *why_not;    /* remembered: the notice for every address in it */
	char *status;                /* for people: the file and how it was checked, or why_not */
	char *path;                  /* the debug file */
	bool live;                   /* MODULE_STATE_LIVE: its init sections are freed */
	uint64_t base, size;         /* its core memory, where libdwfl reports it */
	Dwfl_Module *mod;
	struct kt_module_place place; /* its sections, build-id and symbols (the module_place upcall) */
};

struct kt_dwarf {
	Dwfl *dwfl;
	Dwfl_Module *vmlinux;
	struct kt_error *vmlinux_err;
	char *vmlinux_status;
	const struct kt_program_upcalls *upcalls; /* the program's: modules are freed through them */
	struct dw_module *mods;      /* parallel to the program's module list */
	size_t n_mods;
};

static struct kt_error *error_copy(const struct kt_error *err)
{
	if (err->is_static)
		return (struct kt_error *)err;
	return kt_error_create(err->code, "%s", err->message);
}

static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	(void)mod, (void)modname, (void)base, (void)elfp;
	struct dw_module *m = *userdata;
	if (!m || !m->path || !(*file_name = strdup(m->path)))
		return -1;
	return open(m->path, O_RDONLY | O_CLOEXEC);
}

/* A module's debug file holds its own DWARF: there is nothing separate to find. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink, GElf_Word crc, char **ret)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name, (void)debuglink,
		(void)crc, (void)ret;
	return -1;
}

/* The address the dump's struct module gives the section; init sections of a live module are
 * freed (their memory may now be someone else's), so they are left unplaced. */
static int section_address(Dwfl_Module *mod, void **userdata, const char *modname,
			   Dwarf_Addr base, const char *secname, GElf_Word shndx,
			   const GElf_Shdr *shdr, Dwarf_Addr *addr)
{
	(void)mod, (void)modname, (void)base, (void)shndx, (void)shdr;
	struct dw_module *m = *userdata;
	*addr = (Dwarf_Addr)-1;
	if (!m || (m->live && !strncmp(secname, ".init", 5)))
		return 0;
	for (size_t i = 0; i < m->place.n_secs; i++) {
		if (!strcmp(m->place.secs[i].name, secname)) {
			*addr = m->place.secs[i].address;
			break;
		}
	}
	return 0;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = section_address,
};

void kt_dwarf_destroy(struct kt_dwarf *dw)
{
	if (!dw)
		return;
	if (dw->dwfl)
		dwfl_end(dw->dwfl);
	for (size_t i = 0; i < dw->n_mods; i++) {
		struct dw_module *m = &dw->mods[i];
		free(m->name);
		free(m->path);
		free(m->status);
		kt_error_destroy(m->why_not);
		if (m->place.secs)
			dw->upcalls->module_place_free(&m->place);
	}
	free(dw->mods);
	kt_error_destroy(dw->vmlinux_err);
	free(dw->vmlinux_status);
	free(dw);
}

static struct kt_error *session(struct kt_program *prog, struct kt_dwarf **ret)
{
	if (prog->opts.no_debuginfo)
		return kt_error_create(KT_ERROR_NOT_FOUND, "source lines, inlined frames and module "
				       "types from DWARF need the debug vmlinux and module debug files, "
				       "and the program was opened without debug files");
	if (!prog->dwarf) {
		struct kt_dwarf *dw = calloc(1, sizeof(*dw));
		if (!dw || !(dw->dwfl = dwfl_begin(&callbacks))) {
			free(dw);
			return &kt_enomem;
		}
		dw->upcalls = prog->upcalls;
		prog->dwarf = dw;
	}
	*ret = prog->dwarf;
	return NULL;
}

/* Reports one module to libdwfl; fd or path (fd -1) is the ELF file. */
static Dwfl_Module *report(Dwfl *dwfl, const char *name, const char *path, uint64_t start,
			   uint64_t end)
{
	dwfl_report_begin_add(dwfl);
	Dwfl_Module *mod = path ? dwfl_report_elf(dwfl, name, path, -1, 0, false)
				: dwfl_report_module(dwfl, name, start, end);
	dwfl_report_end(dwfl, NULL, NULL);
	return mod;
}

static struct kt_error *vmlinux_get(struct kt_program *prog, struct kt_dwarf *dw, Dwfl_Module **ret)
{
	if (!dw->vmlinux && !dw->vmlinux_err) {
		if (!prog->vmlinux) {
			dw->vmlinux_err = kt_error_create(
				KT_ERROR_NOT_FOUND, "no debug vmlinux (source lines and inlined frames of "
				"the kernel need it; Debian has it in linux-image-RELEASE-dbg); symbols "
				"come from kallsyms and BTF");
		} else {
			const char *path = kt_vmlinux_path(prog->vmlinux);
			dw->vmlinux = report(dw->dwfl, "vmlinux", path, 0, 0);
			if (!dw->vmlinux)
				dw->vmlinux_err = kt_error_create(KT_ERROR_BAD_DATA, "%s: %s", path,
								  dwfl_errmsg(-1));
			else if (asprintf(&dw->vmlinux_status, "vmlinux %s (build-id and linux_banner "
					  "match the dump)", path) < 0)
				dw->vmlinux_status = NULL;
		}
	}
	if (dw->vmlinux_err)
		return error_copy(dw->vmlinux_err);
	*ret = dw->vmlinux;
	return NULL;
}

/* The module list, mirrored once so that each module's DWARF state has a home. */
static struct kt_error *modules_get(struct kt_program *prog, struct kt_dwarf *dw)
{
	if (dw->mods)
		return NULL;
	const struct kt_module_info *infos;
	size_t n;
	struct kt_error *err = prog->upcalls->module_list(prog, &infos, &n);
	if (err)
		return err;
	struct dw_module *mods = calloc(n ? n : 1, sizeof(*mods));
	if (!mods)
		return &kt_enomem;
	for (size_t i = 0; i < n; i++) {
		mods[i].live = infos[i].state == 0;
		mods[i].base = infos[i].base;
		mods[i].size = infos[i].size;
		if (!(mods[i].name = strdup(infos[i].name))) {
			for (size_t j = 0; j < i; j++)
				free(mods[j].name);
			free(mods);
			return &kt_enomem;
		}
	}
	dw->mods = mods;
	dw->n_mods = n;
	return NULL;
}

/* The debug file's GNU build-id in hex, or NULL. */
static char *file_build_id(Elf *elf)
{
	const void *id;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &id);
	char *hex = len > 0 ? malloc(2 * (size_t)len + 1) : NULL;
	for (ssize_t i = 0; hex && i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", ((const uint8_t *)id)[i]);
	return hex;
}

/*
 * Without a build-id in the dump: the debug file's functions in .text must sit where the
 * module's own kallsyms has them, relative to where the dump says .text is. Returns how many
 * agree, or -1 (with *bad naming the first that does not).
 */
static long symbols_agree(Elf *elf, const struct kt_kallsyms *ks, uint64_t text, char *bad,
			  size_t bad_len)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	long agree = 0;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			GElf_Shdr tsh;
			Elf_Scn *tscn;
			const char *name, *sec;
			if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !(tscn = elf_getscn(elf, sym.st_shndx)) || !gelf_getshdr(tscn, &tsh) ||
			    !(sec = elf_strptr(elf, shstrndx, tsh.sh_name)) || strcmp(sec, ".text") ||
			    !(name = elf_strptr(elf, sh.sh_link, sym.st_name)))
				continue;
			const struct kt_symbol *s = kt_kallsyms_by_name(ks, name);
			if (!s)
				continue;
			if (s->address != text + sym.st_value) {
				snprintf(bad, bad_len, "%s is at 0x%llx in the dump, .text+0x%llx in the file",
					 name, (unsigned long long)s->address,
					 (unsigned long long)sym.st_value);
				return -1;
			}
			agree++;
		}
	}
	return agree;
}

/*
 * Checks that path is the loaded module's debug file. want is the build-id from the dump, or
 * NULL when the dump does not hold one. On success *how says how it was checked.
 */
static struct kt_error *check_file(const struct dw_module *m, const char *path, const char *want,
				   char **how)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	struct kt_error *err = NULL;
	_cleanup_free_ char *have = NULL;
	if (!elf) {
		err = kt_error_create(KT_ERROR_NOT_FOUND, "cannot read %s: %s", path, elf_errmsg(-1));
		goto out;
	}
	have = file_build_id(elf);
	if (want && have) {
		if (strcmp(want, have))
			err = kt_error_create(KT_ERROR_BAD_DATA, "%s has build-id %s", path, have);
		else if (asprintf(how, "build-id %s matches the loaded module", want) < 0)
			err = &kt_enomem;
		goto out;
	}
	const struct kt_kallsyms *ks = m->place.symbols;
	uint64_t text = 0;
	for (size_t i = 0; i < m->place.n_secs; i++)
		if (!strcmp(m->place.secs[i].name, ".text"))
			text = m->place.secs[i].address;
	char bad[256] = "";
	long agree = ks && text ? symbols_agree(elf, ks, text, bad, sizeof(bad)) : 0;
	if (agree <= 0)
		err = kt_error_create(KT_ERROR_BAD_DATA, "%s does not fit the module's symbols (%s)",
				      path, agree < 0 ? bad : "no function to compare");
	else if (asprintf(how, "no build-id in the %s; its %ld .text functions are where the "
			  "module's kallsyms has them", want ? "file" : "dump", agree) < 0)
		err = &kt_enomem;
out:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return err;
}

/* One search for a module's debug file: each candidate is checked as it is found. */
struct pick {
	struct dw_module *m;
	const char *build_id;
	char **how;
	FILE *refused;     /* why each candidate was refused, "; " between */
	size_t n;
	struct kt_error *err;  /* out of memory */
};

static bool pick_one(const char *path, void *arg)
{
	struct pick *p = arg;
	p->n++;
	struct kt_error *e = check_file(p->m, path, p->build_id, p->how);
	if (e == &kt_enomem || (!e && !(p->m->path = strdup(path)))) {
		p->err = &kt_enomem;
		return true;
	}
	if (e)
		fprintf(p->refused, "%s%s", ftell(p->refused) ? "; " : "", kt_error_message(e));
	kt_error_destroy(e);
	return !e;
}

/*
 * The first candidate file that is the loaded module's build: a namesake (a distribution's
 * module of the same name, another build of ours) is passed over; only when none fits are the
 * refused files named, each with its build-id.
 */
static struct kt_error *pick_file(struct kt_program *prog, struct dw_module *m, const char *release,
				  const char *build_id, char **how)
{
	_cleanup_free_ char *searched = NULL, *why = NULL;
	size_t why_len = 0;
	struct pick p = {.m = m, .build_id = build_id, .how = how,
			 .refused = open_memstream(&why, &why_len)};
	if (!p.refused)
		return &kt_enomem;
	struct kt_error *err = kt_debuginfo_search_module(prog->opts.debuginfo_dirs,
							  prog->opts.n_debuginfo_dirs, release, m->name,
							  build_id, pick_one, &p, &searched);
	fclose(p.refused);
	if (err || p.err) {
		kt_error_destroy(err);
		return &kt_enomem;
	}
	if (m->path)
		return NULL;
	if (!p.n)
		return kt_error_create(KT_ERROR_NOT_FOUND, "module %s: no debug file (looked for "
				       "%s.ko under lib/modules/%s%s%s, and in the directories "
				       "themselves, in %s)", m->name, m->name,
				       release ? release : "RELEASE", build_id ? " and .build-id/ for " : "",
				       build_id ? build_id : "", searched);
	if (build_id)
		return kt_error_create(KT_ERROR_BAD_DATA, "module %s: no debug file of the loaded "
				       "build (build-id %s): refused %s", m->name, build_id,
				       why ? why : "(out of memory)");
	return kt_error_create(KT_ERROR_BAD_DATA, "module %s: the dump holds no build-id for it, "
			       "and no debug file fits its symbols: refused %s", m->name,
			       why ? why : "(out of memory)");
}

static struct kt_error *module_load(struct kt_program *prog, struct kt_dwarf *dw, size_t index)
{
	struct dw_module *m = &dw->mods[index];
	struct kt_error *err;
	_cleanup_free_ char *release = NULL, *how = NULL;
	// Without a build-id in the dump, the file is checked against the module's symbols.
	if ((err = prog->upcalls->module_place(prog, index, &m->place)))
		return kt_error_prefix(err, "module %s: cannot place its debug file", m->name);
	kt_error_destroy(kt_vmcoreinfo_line(prog->dump, "OSRELEASE", &release));
	if ((err = pick_file(prog, m, release, m->place.build_id, &how)))
		return err;
	if (!(m->mod = report(dw->dwfl, m->name, NULL, m->base, m->base + (m->size ? m->size : 1))))
		return kt_error_create(KT_ERROR_BAD_DATA, "module %s: %s: %s", m->name, m->path,
				       dwfl_errmsg(-1));
	void **userdata;
	dwfl_module_info(m->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = m;
	if (asprintf(&m->status, "module %s: %s (%s)", m->name, m->path, how) < 0)
		m->status = NULL;
	return NULL;
}

static struct kt_error *module_get(struct kt_program *prog, struct kt_dwarf *dw, const char *name,
				   struct dw_module **ret)
{
	struct kt_error *err = modules_get(prog, dw);
	if (err)
		return err;
	struct dw_module *m = NULL;
	for (size_t i = 0; i < dw->n_mods && !m; i++) {
		if (strcmp(dw->mods[i].name, name))
			continue;
		m = &dw->mods[i];
		if (!m->tried) {
			m->tried = true;
			err = module_load(prog, dw, i);
			if (err == &kt_enomem) {
				m->tried = false;
				return err;
			}
			m->why_not = err;
		}
	}
	if (!m)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no module %s is loaded", name);
	*ret = m;
	return m->why_not ? error_copy(m->why_not) : NULL;
}

struct kt_error *kt_dwarf_module(struct kt_program *prog, const char *module, Dwfl_Module **ret)
{
	struct kt_dwarf *dw = NULL;
	struct dw_module *m = NULL;
	struct kt_error *err = session(prog, &dw);
	if (err)
		return err;
	if (!module)
		return vmlinux_get(prog, dw, ret);
	if ((err = module_get(prog, dw, module, &m)))
		return err;
	*ret = m->mod;
	return NULL;
}

struct kt_error *kt_dwarf_locate(struct kt_program *prog, uint64_t addr, struct kt_dwarf_loc *ret)
{
	const char *name, *module;
	uint64_t off;
	struct kt_error *err = prog->upcalls->symbolize(prog, addr, &name, &off, &module);
	if (err)
		return err;
	struct kt_dwarf_loc loc = {.module = module};
	if ((err = kt_dwarf_module(prog, module, &loc.mod)))
		return err;
	// The vmlinux is reported where it was linked; modules where the dump has them.
	loc.pc = module ? addr : addr - prog->kaslr_offset;
	Dwarf_Die *cu = dwfl_module_addrdie(loc.mod, loc.pc, &loc.bias);
	if (!cu)
		return kt_error_create(KT_ERROR_NOT_FOUND, "0x%016llx (%s+0x%llx%s%s%s): no DWARF "
				       "compile unit covers it", (unsigned long long)addr, name,
				       (unsigned long long)off, module ? " [" : "",
				       module ? module : "", module ? "]" : "");
	loc.cudie = *cu;
	*ret = loc;
	return NULL;
}

const char *kt_dwarf_status(struct kt_program *prog, uint64_t addr)
{
	const char *name, *module;
	uint64_t off;
	Dwfl_Module *mod;
	struct kt_dwarf *dw = NULL;
	struct kt_error *err = session(prog, &dw);
	if (err) {
		kt_error_destroy(err);
		return prog->opts.no_debuginfo ? "none: they need the debug vmlinux and module debug "
						 "files (DWARF), and the program was opened without them"
					       : "out of memory";
	}
	if ((err = prog->upcalls->symbolize(prog, addr, &name, &off, &module))) {
		kt_error_destroy(err);
		return "no symbol covers the address";
	}
	err = kt_dwarf_module(prog, module, &mod);
	const char *status = NULL;
	if (!module && (dw->vmlinux_status || dw->vmlinux_err))
		status = dw->vmlinux_status ? dw->vmlinux_status : dw->vmlinux_err->message;
	for (size_t i = 0; module && i < dw->n_mods && !status; i++)
		if (!strcmp(dw->mods[i].name, module))
			status = dw->mods[i].why_not ? dw->mods[i].why_not->message : dw->mods[i].status;
	kt_error_destroy(err);
	return status ? status : "out of memory";
}
