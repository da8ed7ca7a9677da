// SPDX-License-Identifier: MIT
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/vmcoreinfo.h"
#include "sym/debuginfo.h"
#include "sym/debuginfo_index.h"
#include "sym/dwarf.h"

/* A loaded module, as far as its DWARF goes. */
struct dw_module {
	char *name;
	bool tried;                  /* searched (or given a file): the outcome below stands */
	struct kt_error *why_not;    /* remembered: the notice for every address in it */
	char *status;                /* for people: "module N: FILE (how it was checked)", or why not */
	char *reason;                /* why none fits, without the module's name (mod) */
	char *how;                   /* how the file was checked */
	char *path;                  /* the debug file */
	bool live;                   /* MODULE_STATE_LIVE: its init sections are freed */
	bool placed;                 /* place below read */
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
	struct kt_debuginfo_index *index; /* the program's places, walked once */
	char **retired;              /* texts handed out before a module was searched again */
	size_t n_retired;
};

static struct kt_error *error_copy(const struct kt_error *err)
{
	if (err->is_static)
		return (struct kt_error *)err;
	return kt_error_create(err->code, "%s", err->message);
}

/*
 * A module's file is relocatable, and libdwfl asks section_address where a loaded section is only
 * while the section's sh_addr is 0 (it caches the answer there). Some builds link sections of a
 * .ko at nonzero addresses (6.12's .data at 0xe0): those are cleared in the private copy, so that
 * every loaded section is placed where the dump has it.
 */
static Elf *relocatable_unplaced(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP_PRIVATE, NULL);
	GElf_Ehdr eh;
	if (!elf || !gelf_getehdr(elf, &eh) || eh.e_type != ET_REL)
		return elf;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) && sh.sh_addr) {
			sh.sh_addr = 0;
			gelf_update_shdr(scn, &sh);
		}
	}
	return elf;
}

static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	(void)mod, (void)modname, (void)base;
	struct dw_module *m = *userdata;
	if (!m || !m->path || !(*file_name = strdup(m->path)))
		return -1;
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		*elfp = relocatable_unplaced(fd);  // NULL: libdwfl opens fd itself and says why not
	return fd;
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
		free(m->reason);
		free(m->how);
		kt_error_destroy(m->why_not);
		if (m->place.secs)
			dw->upcalls->module_place_free(&m->place);
	}
	free(dw->mods);
	for (size_t i = 0; i < dw->n_retired; i++)
		free(dw->retired[i]);
	free(dw->retired);
	kt_debuginfo_index_destroy(dw->index);
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
			kt_progress(prog, "reading the DWARF of %s", path);
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
 * Checks that path is the loaded module's debug file. want is the build-id from the dump (NULL
 * when the dump holds none), have the file's (NULL: it has none). On success *how says how it
 * was checked; otherwise *why says why not, in the words `mod` shows.
 */
static struct kt_error *check_file(const struct dw_module *m, const char *path, const char *want,
				   const char *have, char **how, char **why)
{
	*how = *why = NULL;
	if (want && have) {
		int n = strcmp(want, have)
			? asprintf(why, "build-id mismatch: %s has %s, module has %s", path, have, want)
			: asprintf(how, "build-id %s matches the loaded module", want);
		if (n < 0)
			*how = *why = NULL;  // asprintf leaves them undefined
		return n < 0 ? &kt_enomem : NULL;
	}
	// Without a build-id on one side: the file's functions must sit where the module's are.
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	int n = 0;
	if (!elf) {
		n = asprintf(why, "cannot read %s: %s", path, fd < 0 ? strerror(errno) : elf_errmsg(-1));
	} else {
		const struct kt_kallsyms *ks = m->place.symbols;
		uint64_t text = 0;
		for (size_t i = 0; i < m->place.n_secs; i++)
			if (!strcmp(m->place.secs[i].name, ".text"))
				text = m->place.secs[i].address;
		char bad[256] = "";
		long agree = ks && text ? symbols_agree(elf, ks, text, bad, sizeof(bad)) : 0;
		if (agree <= 0)
			n = asprintf(why, "%s does not fit the module's symbols (%s)", path,
				     agree < 0 ? bad : "no function to compare");
		else
			n = asprintf(how, "no build-id in the %s; its %ld .text functions are where the "
				     "module's kallsyms has them", want ? "file" : "dump", agree);
		elf_end(elf);
	}
	if (fd >= 0)
		close(fd);
	if (n < 0)
		*how = *why = NULL;
	return n < 0 ? &kt_enomem : NULL;
}

/* One search for a module's debug file: each candidate is checked as it is offered. */
struct pick {
	struct dw_module *m;
	char **how;
	FILE *refused;     /* why each candidate was refused, "; " between */
	struct kt_error *err;  /* out of memory */
};

static bool pick_one(const char *path, const char *have, void *arg)
{
	struct pick *p = arg;
	char *why = NULL;
	struct kt_error *e = check_file(p->m, path, p->m->place.build_id, have, p->how, &why);
	if (e || (!why && !(p->m->path = strdup(path)))) {
		free(why);
		p->err = &kt_enomem;
		return true;
	}
	if (why)
		fprintf(p->refused, "%s%s", ftell(p->refused) ? "; " : "", why);
	free(why);
	return !why;
}

/* Keeps a text handed out earlier alive until the program ends (mod -s searches again). */
static void retire(struct kt_dwarf *dw, char **text)
{
	if (!*text)
		return;
	char **grown = realloc(dw->retired, (dw->n_retired + 1) * sizeof(*grown));
	if (!grown)
		return;  // leaked rather than freed under a reader
	dw->retired = grown;
	dw->retired[dw->n_retired++] = *text;
	*text = NULL;
}

/* Forgets a module's earlier outcome: it is about to be searched again. */
static void module_reset(struct kt_dwarf *dw, struct dw_module *m)
{
	retire(dw, &m->status);
	retire(dw, &m->reason);
	retire(dw, &m->how);
	free(m->path);
	m->path = NULL;
	kt_error_destroy(m->why_not);
	m->why_not = NULL;
	m->tried = false;
}

/* The module's sections, build-id and symbols from the dump, read once. */
static struct kt_error *module_placed(struct kt_program *prog, struct kt_dwarf *dw, struct dw_module *m)
{
	if (m->placed)
		return NULL;
	// Without a build-id in the dump, the file is checked against the module's symbols.
	struct kt_error *err = prog->upcalls->module_place(prog, (size_t)(m - dw->mods), &m->place);
	if (err)
		return kt_error_prefix(err, "module %s: cannot place its debug file", m->name);
	m->placed = true;
	return NULL;
}

/*
 * Chooses the module's debug file: file (checked) when given, else the first candidate of
 * index whose build-id is the loaded module's. A namesake (a distribution's module of the same
 * name, another build of ours) is passed over; only when none fits are the refused files named,
 * each with its build-id. Sets m->reason when none fits.
 */
static struct kt_error *module_choose(struct dw_module *m, struct kt_debuginfo_index *index,
				      const char *file, char **how)
{
	_cleanup_free_ char *why = NULL;
	size_t why_len = 0;
	struct pick p = {.m = m, .how = how, .refused = open_memstream(&why, &why_len)};
	if (!p.refused)
		return &kt_enomem;
	size_t n = 0;
	struct kt_error *err = NULL;
	if (file) {
		char *have = NULL;
		err = kt_debuginfo_path_build_id(file, &have);
		if (!err || err != &kt_enomem) {
			if (err)
				fprintf(p.refused, "%s", kt_error_message(err));
			else
				pick_one(file, have, &p);
			kt_error_destroy(err);
			err = NULL;
			n = 1;
		}
		free(have);
	} else {
		err = kt_debuginfo_index_candidates(index, m->name, m->place.build_id, pick_one, &p, &n);
	}
	fclose(p.refused);
	if (err || p.err) {
		kt_error_destroy(err);
		return &kt_enomem;
	}
	if (m->path)
		return NULL;
	const char *id = m->place.build_id;
	struct kt_debuginfo_walk_stats stats = {0};
	if (index)
		kt_debuginfo_index_stats(index, &stats);
	const char *places = file ? file : kt_debuginfo_index_places(index);
	_cleanup_free_ char *where = NULL;
	if (asprintf(&where, "%s%s%s", places, stats.cut ? "; the walk stopped early: " : "",
		     stats.cut ? stats.cut : "") < 0)
		return &kt_enomem;
	int len;
	if (!n && id)
		len = asprintf(&m->reason, "no file with build-id %s, nor named %s.ko, %s.ko.debug or "
			       "%s.debug, in %s", id, m->name, m->name, m->name, where);
	else if (!n)
		len = asprintf(&m->reason, "no file named %s.ko, %s.ko.debug or %s.debug in %s (the "
			       "dump holds no build-id for it)", m->name, m->name, m->name, where);
	else
		len = asprintf(&m->reason, "%s", why ? why : "");
	if (len < 0) {
		m->reason = NULL;
		return &kt_enomem;
	}
	if (!n)
		return kt_error_create(KT_ERROR_NOT_FOUND, "module %s: no debug file (%s)", m->name,
				       m->reason);
	return kt_error_create(KT_ERROR_BAD_DATA, "module %s: no debug file of its build; refused: %s",
			       m->name, m->reason);
}

/* The program's places, walked once for every module. */
static struct kt_error *index_get(struct kt_program *prog, struct kt_dwarf *dw,
				  struct kt_debuginfo_index **ret)
{
	if (!dw->index) {
		_cleanup_free_ char *release = NULL;
		kt_progress(prog, "indexing the debug directories");
		kt_error_destroy(kt_vmcoreinfo_line(prog->dump, "OSRELEASE", &release));
		struct kt_error *err = kt_debuginfo_index_create(prog->opts.debuginfo_dirs,
								 prog->opts.n_debuginfo_dirs,
								 release, &dw->index);
		if (err)
			return err;
	}
	*ret = dw->index;
	return NULL;
}

/* Finds (in index, or file) and reports the module's debug file; the outcome is remembered. */
static struct kt_error *module_load(struct kt_program *prog, struct kt_dwarf *dw,
				    struct dw_module *m, struct kt_debuginfo_index *index,
				    const char *file)
{
	_cleanup_free_ char *how = NULL;
	struct kt_error *err = module_placed(prog, dw, m);
	if (!err && !file && !index)
		err = index_get(prog, dw, &index);
	if (!err)
		err = module_choose(m, index, file, &how);
	if (!err && !(m->mod = report(dw->dwfl, m->name, NULL, m->base,
				      m->base + (m->size ? m->size : 1)))) {
		err = kt_error_create(KT_ERROR_BAD_DATA, "module %s: %s: %s", m->name, m->path,
				      dwfl_errmsg(-1));
		if (asprintf(&m->reason, "%s: %s", m->path, dwfl_errmsg(-1)) < 0)
			m->reason = NULL;
		free(m->path);
		m->path = NULL;
	}
	if (err == &kt_enomem)
		return err;
	m->tried = true;
	if (err) {
		m->why_not = err;
		if (!(m->status = strdup(kt_error_message(err))))
			return &kt_enomem;
		if (!m->reason && !(m->reason = strdup(kt_error_message(err))))
			return &kt_enomem;
		return error_copy(err);
	}
	void **userdata;
	dwfl_module_info(m->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = m;
	m->how = kt_steal_ptr(how);
	if (asprintf(&m->status, "module %s: %s (%s)", m->name, m->path, m->how) < 0) {
		m->status = NULL;
		return &kt_enomem;
	}
	return NULL;
}

static struct dw_module *module_named(struct kt_dwarf *dw, const char *name)
{
	for (size_t i = 0; i < dw->n_mods; i++)
		if (!strcmp(dw->mods[i].name, name))
			return &dw->mods[i];
	return NULL;
}

static struct kt_error *module_get(struct kt_program *prog, struct kt_dwarf *dw, const char *name,
				   struct dw_module **ret)
{
	struct kt_error *err = modules_get(prog, dw);
	if (err)
		return err;
	struct dw_module *m = module_named(dw, name);
	if (!m)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no module %s is loaded", name);
	*ret = m;
	if (!m->tried) {
		err = module_load(prog, dw, m, NULL, NULL);
		if (err == &kt_enomem) {
			module_reset(dw, m);
			return err;
		}
		kt_error_destroy(err);
	}
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
			status = dw->mods[i].status;
	kt_error_destroy(err);
	return status ? status : "out of memory";
}

static const char NO_DEBUG_FILES[] = "the program was opened without debug files";

static void debug_fill(const struct dw_module *m, struct kt_module_debug *ret)
{
	*ret = (struct kt_module_debug){.build_id = m->placed ? m->place.build_id : NULL};
	if (!m->tried) {
		ret->state = KT_MODULE_DEBUG_NOT_SEARCHED;
	} else if (m->mod) {
		ret->state = KT_MODULE_DEBUG_LOADED;
		ret->path = m->path;
		ret->checked = m->how;
	} else {
		ret->state = KT_MODULE_DEBUG_NONE;
		ret->reason = m->reason;
	}
}

/* The session and the module's DWARF state; NOT_FOUND if no such module is loaded. */
static struct kt_error *debug_module(struct kt_program *prog, const char *module,
				     struct kt_dwarf **dw_ret, struct dw_module **ret)
{
	struct kt_error *err = session(prog, dw_ret);
	if (err || (err = modules_get(prog, *dw_ret)))
		return err;
	if (!(*ret = module_named(*dw_ret, module)))
		return kt_error_create(KT_ERROR_NOT_FOUND, "no module %s is loaded", module);
	return NULL;
}

struct kt_error *kt_module_debug_status(struct kt_program *prog, const char *module,
					struct kt_module_debug *ret)
{
	struct kt_dwarf *dw;
	struct dw_module *m;
	if (prog->opts.no_debuginfo) {
		*ret = (struct kt_module_debug){.state = KT_MODULE_DEBUG_NONE, .reason = NO_DEBUG_FILES};
		return NULL;
	}
	struct kt_error *err = debug_module(prog, module, &dw, &m);
	if (!err)
		debug_fill(m, ret);
	return err;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The module's types were looked for before it had a debug file: the next lookup opens it. */
static void types_reopen(struct kt_program *prog, const struct dw_module *m)
{
	if (m->mod && prog->types)
		kt_types_module_reopen(prog->types, m->name);
}

struct kt_error *kt_module_debug_load(struct kt_program *prog, const char *module,
				      const char *file, struct kt_module_debug *ret)
{
	struct kt_dwarf *dw = NULL;
	struct dw_module *m = NULL;
	struct kt_error *err = debug_module(prog, module, &dw, &m);
	if (err)
		return err;
	if (m->mod && file && !same_file(file, m->path))
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "module %s uses %s already (%s)",
				       m->name, m->path, m->how);
	// A file given is a new chance for a module that had none; a search again is not.
	if (m->tried && !m->mod && file)
		module_reset(dw, m);
	if (!m->tried) {
		err = module_load(prog, dw, m, NULL, file);
		if (err == &kt_enomem) {
			module_reset(dw, m);
			return err;
		}
		kt_error_destroy(err);
		types_reopen(prog, m);
	}
	if (m->why_not)
		return error_copy(m->why_not);
	debug_fill(m, ret);
	return NULL;
}

struct kt_error *kt_module_debug_load_all(struct kt_program *prog, const char *dir,
					  size_t *n_loaded_ret)
{
	struct kt_dwarf *dw = NULL;
	struct kt_debuginfo_index *index = NULL;
	struct kt_error *err = session(prog, &dw);
	if (err || (err = modules_get(prog, dw)))
		return err;
	if (dir) {
		_cleanup_free_ char *release = NULL;
		kt_error_destroy(kt_vmcoreinfo_line(prog->dump, "OSRELEASE", &release));
		if ((err = kt_debuginfo_index_create(&dir, 1, release, &index)))
			return err;
	}
	size_t loaded = 0;
	for (size_t i = 0; i < dw->n_mods; i++) {
		struct dw_module *m = &dw->mods[i];
		// Without a directory, a module searched in vain stays so: the places are the same.
		if (m->tried && !m->mod && dir)
			module_reset(dw, m);
		if (!m->tried) {
			err = module_load(prog, dw, m, index, NULL);
			if (err == &kt_enomem) {
				module_reset(dw, m);
				break;
			}
			kt_error_destroy(err);
			err = NULL;
			types_reopen(prog, m);
		}
		loaded += m->mod != NULL;
	}
	kt_debuginfo_index_destroy(index);
	if (err)
		return err;
	*n_loaded_ret = loaded;
	return NULL;
}
