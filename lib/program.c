// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/vmcoreinfo.h"
#include "program.h"
#include "sym/debuginfo.h"
#include "sym/kaslr.h"
#include "sym/types_dwarf.h"

static const char DUMP_ONLY_MODE[] =
	"kallsyms and BTF from the dump (no debug file: no source lines, no inlined frames)";

/* The release a dump names itself, or NULL. */
static char *dump_release(struct kt_dump *dump)
{
	char *release = NULL;
	struct kt_error *err = kt_vmcoreinfo_line(dump, "OSRELEASE", &release);
	kt_error_destroy(err);
	return release;
}

/* "Linux version RELEASE ..." -> RELEASE, for messages. */
static const char *banner_release(const char *banner, char *buf, size_t len)
{
	if (!banner || sscanf(banner, "Linux version %63s", buf) != 1 || len < 64)
		return "(unknown release)";
	return buf;
}

static struct kt_error *check_banner(struct kt_program *prog, struct kt_vmlinux *vm)
{
	const char *banner = kt_vmlinux_banner(vm);
	uint64_t addr;
	struct kt_error *err;
	if (!banner || (err = kt_vmlinux_symbol(vm, "linux_banner", &addr)))
		return kt_error_create(KT_ERROR_BAD_DATA, "%s is not a vmlinux (no linux_banner)",
				       kt_vmlinux_path(vm));
	size_t len = strlen(banner);
	_cleanup_free_ char *in_dump = malloc(len + 1);
	if (!in_dump)
		return &kt_enomem;
	if ((err = kt_read(&prog->reader, addr + prog->kaslr_offset, in_dump, len)))
		return kt_error_prefix(err, "reading linux_banner to check %s", kt_vmlinux_path(vm));
	in_dump[len] = '\0';
	if (strcmp(in_dump, banner)) {
		in_dump[strcspn(in_dump, "\n")] = '\0';
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "%s does not match the dump: its banner is \"%s\", the dump's \"%s\"",
				       kt_vmlinux_path(vm), banner, in_dump);
	}
	return NULL;
}

/*
 * Opens the vmlinux, checks that it is the dump's kernel, and finds the KASLR offset. explicit:
 * the user named the file, so a mismatch is an error rather than a reason to go on without it.
 */
static struct kt_error *attach_vmlinux(struct kt_program *prog, const char *path, bool explicit)
{
	struct kt_vmlinux *vm;
	struct kt_error *err = kt_vmlinux_open(path, &vm);
	if (err)
		return err;
	_cleanup_free_ char *dump_build_id = NULL;
	_cleanup_free_ char *release = dump_release(prog->dump);
	kt_error_destroy(kt_vmcoreinfo_line(prog->dump, "BUILD-ID", &dump_build_id));
	const char *vm_build_id = kt_vmlinux_build_id(vm);
	char buf[64];
	if (dump_build_id && vm_build_id && strcmp(dump_build_id, vm_build_id)) {
		err = kt_error_create(KT_ERROR_BAD_DATA,
				      "%s does not match the dump: it is %s (build-id %s), the dump is "
				      "%s (build-id %s)",
				      path, banner_release(kt_vmlinux_banner(vm), buf, sizeof(buf)),
				      vm_build_id, release ? release : "(unknown release)",
				      dump_build_id);
		goto fail;
	}
	err = kt_vmcoreinfo_line_number(prog->dump, "KERNELOFFSET", 16, &prog->kaslr_offset);
	if (err && err != &kt_enomem && prog->dump->own_translation) {
		// No VMCOREINFO, but page tables from a QEMU CPU note: search.
		kt_error_destroy(err);
		err = kt_kaslr_find(&prog->reader, vm, &prog->kaslr_offset);
	}
	if (err) {
		err = kt_error_prefix(err, "cannot place %s in the dump's memory (KASLR offset unknown)",
				      path);
		goto fail;
	}
	// The banner the kernel printed at boot must be the file's, byte for byte: this also
	// catches files without a build-id and a wrong KASLR offset.
	if ((err = check_banner(prog, vm)))
		goto fail;
	if (asprintf(&prog->mode, "vmlinux %s (ELF symbols, %s types)", path,
		     prog->opts.dwarf_types ? "DWARF" : "BTF") < 0) {
		err = &kt_enomem;
		goto fail;
	}
	prog->vmlinux = vm;
	return NULL;
fail:
	kt_vmlinux_destroy(vm);
	if (!explicit && err != &kt_enomem) {
		kt_error_destroy(err);  // a stale file in a search path: carry on without it
		return NULL;
	}
	return err;
}

/* The options' strings are used long after opening (a module's debug file is searched for when
 * first needed): the program keeps its own copies, so the caller's may go. */
static struct kt_error *copy_options(struct kt_program *prog, const struct kt_open_options *opts)
{
	prog->opts = *opts;
	if (opts->vmlinux && !(prog->opts.vmlinux = prog->opts_vmlinux = strdup(opts->vmlinux)))
		return &kt_enomem;
	if (!opts->debuginfo_dirs)
		return NULL;
	prog->opts_dirs = calloc(opts->n_debuginfo_dirs + 1, sizeof(*prog->opts_dirs));
	if (!prog->opts_dirs)
		return &kt_enomem;
	for (size_t i = 0; i < opts->n_debuginfo_dirs; i++)
		if (!(prog->opts_dirs[i] = strdup(opts->debuginfo_dirs[i])))
			return &kt_enomem;
	prog->opts.debuginfo_dirs = (const char *const *)prog->opts_dirs;
	return NULL;
}

struct kt_error *kt_program_init(struct kt_program *prog, const char *path,
				 const struct kt_open_options *opts)
{
	struct kt_error *err = opts ? copy_options(prog, opts) : NULL;
	if (err)
		return err;
	err = kt_dump_open(path, &prog->dump);
	if (err)
		return err;
	prog->dump->second_thread = prog->opts.read_ahead;
	kt_reader_init(&prog->reader, prog->dump);
	if (prog->opts.vmlinux) {
		err = attach_vmlinux(prog, prog->opts.vmlinux, true);
	} else if (!prog->opts.no_debuginfo) {
		_cleanup_free_ char *release = dump_release(prog->dump);
		_cleanup_free_ char *build_id = NULL;
		kt_error_destroy(kt_vmcoreinfo_line(prog->dump, "BUILD-ID", &build_id));
		// Every candidate in turn: a stale file (another build in a directory given first)
		// must not hide the right one further on.
		char **list = kt_debuginfo_vmlinux_candidates(
			prog->opts.debuginfo_dirs, prog->opts.n_debuginfo_dirs, release, build_id);
		if (!list)
			return &kt_enomem;
		if (!list[0] && !release && prog->dump->own_translation) {
			// The dump does not say which kernel it is: the one whose banner it holds.
			char **all = kt_debuginfo_all_vmlinux(prog->opts.debuginfo_dirs,
							      prog->opts.n_debuginfo_dirs);
			if (all)
				free(list), list = all;
		}
		for (char **p = list; *p; p++) {
			if (!prog->vmlinux && !err)
				err = attach_vmlinux(prog, *p, false);
			free(*p);
		}
		free(list);
	}
	return err;
}

/* Before 6.0 VMCOREINFO locates no kallsyms, and BTF is found through kallsyms: the dump alone
 * then gives neither. */
static const char DUMP_WITHOUT_KALLSYMS_MODE[] =
	"none: no debug vmlinux, and the dump's VMCOREINFO locates no kallsyms (Linux 6.0 and later "
	"write them), which the dump's BTF is found through";

const char *kt_program_debuginfo_mode(const struct kt_program *prog)
{
	if (prog->mode)
		return prog->mode;
	uint64_t unused;
	struct kt_error *err = kt_vmcoreinfo_symbol(prog->dump, "kallsyms_names", &unused);
	if (!err)
		return DUMP_ONLY_MODE;
	kt_error_destroy(err);
	return DUMP_WITHOUT_KALLSYMS_MODE;
}

bool kt_program_has_debuginfo(const struct kt_program *prog)
{
	return prog->vmlinux != NULL;
}

void kt_program_deinit(struct kt_program *prog)
{
	kt_types_destroy(prog->types);
	kt_types_dwarf_destroy(prog->types_dwarf);
	kt_error_destroy(prog->types_err);
	kt_kallsyms_destroy(prog->kallsyms);
	kt_error_destroy(prog->kallsyms_err);
	if (prog->dump)
		kt_reader_deinit(&prog->reader);
	kt_dump_destroy(prog->dump);
	kt_vmlinux_destroy(prog->vmlinux);
	free(prog->mode);
	free(prog->opts_vmlinux);
	for (size_t i = 0; prog->opts_dirs && i < prog->opts.n_debuginfo_dirs; i++)
		free(prog->opts_dirs[i]);
	free(prog->opts_dirs);
}

struct kt_error *kt_program_read(struct kt_program *prog, uint64_t addr,
				 enum kt_address_space space, void *buf, size_t len)
{
	if (space == KT_KPHYSADDR)
		return kt_read_phys(&prog->reader, addr, buf, len);
	return kt_read(&prog->reader, addr, buf, len);
}

static struct kt_error *error_copy(const struct kt_error *err)
{
	if (err->is_static)
		return (struct kt_error *)err;
	struct kt_error *copy = kt_error_create(err->code, "%s", err->message);
	if (!copy->is_static) {
		copy->has_address = err->has_address;
		copy->address = err->address;
	}
	return copy;
}

/*
 * Tables that decode are not yet right: a damaged kallsyms_offsets or kallsyms_names still gives
 * names and addresses, only wrong ones (and then every later error, such as a BTF not found,
 * would blame the kernel's build). VMCOREINFO records _stext's address on its own (SYMBOL(_stext),
 * crash_save_vmcoreinfo_init()): the tables must agree with it.
 */
static struct kt_error *kallsyms_check(struct kt_dump *dump, const struct kt_kallsyms *ks)
{
	uint64_t stext;
	struct kt_error *err = kt_vmcoreinfo_symbol(dump, "_stext", &stext);
	if (err) {
		kt_error_destroy(err);
		return NULL;  // nothing to check against
	}
	const struct kt_symbol *sym = kt_kallsyms_by_name(ks, "_stext");
	if (!sym)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "the kallsyms tables VMCOREINFO locates are damaged: they decode to "
				       "%zu names without _stext (VMCOREINFO's SYMBOL(_stext) is 0x%llx)",
				       kt_kallsyms_count(ks), (unsigned long long)stext);
	if (sym->address != stext)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "the kallsyms tables VMCOREINFO locates are damaged: they place _stext "
				       "at 0x%llx, VMCOREINFO's SYMBOL(_stext) is 0x%llx",
				       (unsigned long long)sym->address, (unsigned long long)stext);
	return NULL;
}

/*
 * Without a debug vmlinux the kernel's symbols come from its kallsyms tables, which only Linux
 * 6.0+ locates in VMCOREINFO: before that there is nothing to read symbols from, and the
 * message says what is missing and what would serve.
 */
static struct kt_error *dump_kallsyms(struct kt_program *prog)
{
	struct kt_error *err = kt_kallsyms_load(&prog->reader, &prog->kallsyms);
	if (!err && (err = kallsyms_check(prog->dump, prog->kallsyms))) {
		kt_kallsyms_destroy(prog->kallsyms);
		prog->kallsyms = NULL;
		return err;
	}
	uint64_t unused;
	struct kt_error *probe = NULL;
	if (!err || err == &kt_enomem || err->code != KT_ERROR_NOT_FOUND ||
	    !(probe = kt_vmcoreinfo_symbol(prog->dump, "kallsyms_names", &unused)))
		return err;
	kt_error_destroy(probe);
	kt_error_destroy(err);
	_cleanup_free_ char *release = dump_release(prog->dump);
	return kt_error_create(
		KT_ERROR_NOT_FOUND,
		"no kernel symbols: %s, and the dump's VMCOREINFO %s the kallsyms tables "
		"(SYMBOL(kallsyms_names), kallsyms_offsets, ...; Linux 6.0 and later write them): give "
		"the debug vmlinux of kernel %s (the vmlinux with debug info, as a -dbg or -debuginfo "
		"package installs it)",
		prog->opts.no_debuginfo ? "debug files are turned off" : "no debug vmlinux was found",
		kt_vmcoreinfo_present(prog->dump) ? "lacks" : "is missing, and with it",
		release ? release : "(release unknown)");
}

struct kt_error *kt_program_kallsyms(struct kt_program *prog, struct kt_kallsyms **ret)
{
	if (!prog->kallsyms && !prog->kallsyms_err) {
		struct kt_error *err =
			prog->vmlinux ? kt_vmlinux_symbols(prog->vmlinux, prog->kaslr_offset, &prog->kallsyms)
				      : dump_kallsyms(prog);
		if (err == &kt_enomem)
			return err;  // may succeed later; do not remember
		prog->kallsyms_err = err;
	}
	if (prog->kallsyms_err)
		return error_copy(prog->kallsyms_err);
	*ret = prog->kallsyms;
	return NULL;
}

/* Types from the vmlinux's DWARF; the mode names them for people. */
static struct kt_error *types_from_dwarf(struct kt_program *prog)
{
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	Dwarf *dw;
	struct kt_error *err = prog->upcalls->dwarf_module(prog, NULL, &mod);
	if (err)
		return err;
	if (!(dw = dwfl_module_getdwarf(mod, &bias)))
		return kt_error_create(KT_ERROR_NOT_FOUND, "%s: no DWARF: %s",
				       kt_vmlinux_path(prog->vmlinux), dwfl_errmsg(-1));
	if ((err = kt_types_dwarf_open(dw, &prog->types, &prog->types_dwarf)))
		return err;
	char *mode;
	if (asprintf(&mode, "vmlinux %s (ELF symbols, DWARF types)", kt_vmlinux_path(prog->vmlinux)) >= 0)
		free(prog->mode), prog->mode = mode;
	return NULL;
}

static struct kt_error *types_load(struct kt_program *prog)
{
	struct kt_kallsyms *ks;
	struct kt_error *err;
	if (prog->vmlinux && prog->opts.dwarf_types)
		return types_from_dwarf(prog);
	if (!prog->vmlinux) {
		if (prog->opts.dwarf_types)
			return kt_error_create(KT_ERROR_NOT_FOUND,
					       "types from DWARF need the debug vmlinux");
		return (err = kt_program_kallsyms(prog, &ks)) ? err
			: kt_types_load_from_dump(&prog->reader, ks, &prog->types);
	}
	err = kt_types_load_from_file(kt_vmlinux_path(prog->vmlinux), &prog->types);
	if (!kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	// A kernel before BTF (3.10 to ~5.2): the dump's memory, else the vmlinux's DWARF.
	if (!(err = kt_program_kallsyms(prog, &ks)) &&
	    !(err = kt_types_load_from_dump(&prog->reader, ks, &prog->types)))
		return NULL;
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	return types_from_dwarf(prog);
}

struct kt_error *kt_program_types(struct kt_program *prog, struct kt_types **ret)
{
	if (!prog->types && !prog->types_err) {
		struct kt_error *err = types_load(prog);
		if (err == &kt_enomem)
			return err;
		prog->types_err = err;
		// Module types come from memory even with a vmlinux: their BTF is split against it
		// (and so cannot serve with types made from DWARF, whose ids are others: then every
		// module's types come from its debug file's DWARF).
		if (!err)
			kt_types_set_module_source(prog->types, prog->upcalls->module_types, prog);
	}
	if (prog->types_err)
		return error_copy(prog->types_err);
	*ret = prog->types;
	return NULL;
}

struct kt_error *kt_program_member_offset(struct kt_program *prog, const char *type,
					  const char *path, uint64_t *ret)
{
	struct kt_types *types;
	struct kt_member_info info;
	struct kt_error *err = kt_program_types(prog, &types);
	if (!err && !(err = kt_types_member(types, type, path, &info)))
		*ret = info.offset;
	return err;
}

struct kt_error *kt_program_type_size(struct kt_program *prog, const char *type, uint64_t *ret)
{
	struct kt_types *types;
	struct kt_error *err = kt_program_types(prog, &types);
	return err ? err : kt_types_size(types, type, ret);
}

struct kt_error *kt_program_kernel_symbol(struct kt_program *prog, const char *name, uint64_t *ret)
{
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err)
		return err;
	const struct kt_symbol *sym = kt_kallsyms_by_name(ks, name);
	if (!sym)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no symbol '%s' in the kernel", name);
	*ret = sym->address;
	return NULL;
}
