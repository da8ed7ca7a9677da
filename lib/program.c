// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "program.h"

struct kt_error *kt_program_open(const char *path, const struct kt_open_options *opts,
				 struct kt_program **ret)
{
	struct kt_program *prog = calloc(1, sizeof(*prog));
	if (!prog)
		return &kt_enomem;
	if (opts)
		prog->opts = *opts;
	struct kt_error *err = kt_dump_open(path, &prog->dump);
	if (err) {
		free(prog);
		return err;
	}
	kt_reader_init(&prog->reader, prog->dump);
	*ret = prog;
	return NULL;
}

void kt_program_destroy(struct kt_program *prog)
{
	if (!prog)
		return;
	kt_types_destroy(prog->types);
	kt_error_destroy(prog->types_err);
	kt_kallsyms_destroy(prog->kallsyms);
	kt_error_destroy(prog->kallsyms_err);
	kt_dump_destroy(prog->dump);
	free(prog);
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

struct kt_error *kt_program_kallsyms(struct kt_program *prog, struct kt_kallsyms **ret)
{
	if (!prog->kallsyms && !prog->kallsyms_err) {
		struct kt_error *err = kt_kallsyms_load(&prog->reader, &prog->kallsyms);
		if (err == &kt_enomem)
			return err;  // may succeed later; do not remember
		prog->kallsyms_err = err;
	}
	if (prog->kallsyms_err)
		return error_copy(prog->kallsyms_err);
	*ret = prog->kallsyms;
	return NULL;
}

struct kt_error *kt_program_types(struct kt_program *prog, struct kt_types **ret)
{
	if (!prog->types && !prog->types_err) {
		struct kt_kallsyms *ks;
		struct kt_error *err = kt_program_kallsyms(prog, &ks);
		if (!err)
			err = kt_types_load_from_dump(&prog->reader, ks, &prog->types);
		if (err == &kt_enomem)
			return err;
		prog->types_err = err;
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

struct kt_error *kt_program_symbol_address(struct kt_program *prog, const char *name,
					   uint64_t *ret)
{
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err)
		return err;
	const struct kt_symbol *sym = kt_kallsyms_by_name(ks, name);
	if (!sym)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no symbol '%s' in kallsyms", name);
	*ret = sym->address;
	return NULL;
}
