// SPDX-License-Identifier: MIT
/*
 * struct module_sect_attrs layouts, found by member name (kernel/module/sysfs.c):
 *   before 5.8: attrs[i] = {struct module_attribute mattr; char *name; unsigned long address}
 *   5.8+:       attrs[i] = {struct bin_attribute battr; unsigned long address}, the name in
 *               battr.attr.name (commit ed66f991bb19 "module: Refactor section attr into bin
 *               attribute")
 *   later:      the address moved to battr.private and nsections went away: the sections are then
 *               the NULL-terminated grp.bin_attrs array, each battr the start of its attribute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/module_sections.h"
#include "kernel/modules.h"

/* A module has a few dozen sections; more than this is garbage. */
enum { SECTIONS_MAX = 4096, SECTION_NAME_MAX = 128, BUILD_ID_MAX = 64 };

struct sect_layout {
	uint64_t sect_attrs;   /* module.sect_attrs */
	bool has_nsections;
	uint64_t nsections;    /* module_sect_attrs.nsections */
	uint64_t attrs;        /* module_sect_attrs.attrs */
	uint64_t bin_attrs;    /* module_sect_attrs.grp.bin_attrs */
	uint64_t stride;       /* sizeof(struct module_sect_attr) */
	uint64_t name;         /* module_sect_attr: the char * naming the section */
	uint64_t address;      /* module_sect_attr: the section's address (or battr.private) */
};

static struct kt_error *layout_get(struct kt_program *prog, struct sect_layout *l)
{
	struct kt_types *types;
	struct kt_error *err = kt_program_types(prog, &types);
	if (err)
		return err;
	if (!kt_types_has_member(types, "module", "sect_attrs"))
		return kt_error_create(KT_ERROR_UNSUPPORTED, "struct module has no sect_attrs (a kernel "
				       "without CONFIG_KALLSYMS or CONFIG_SYSFS): module section "
				       "addresses are unknown");
	bool battr = kt_types_has_member(types, "module_sect_attr", "battr");
	l->has_nsections = kt_types_has_member(types, "module_sect_attrs", "nsections");
	if ((err = kt_program_member_offset(prog, "module", "sect_attrs", &l->sect_attrs)) ||
	    (err = kt_program_member_offset(prog, "module_sect_attrs", "attrs", &l->attrs)) ||
	    (err = kt_program_type_size(prog, "module_sect_attr", &l->stride)) ||
	    (err = kt_program_member_offset(prog, "module_sect_attr",
					    battr ? "battr.attr.name" : "name", &l->name)) ||
	    (err = kt_program_member_offset(prog, "module_sect_attr",
					    kt_types_has_member(types, "module_sect_attr", "address")
						    ? "address" : "battr.private",
					    &l->address)))
		return kt_error_prefix(err, "module section layout");
	if (l->has_nsections)
		err = kt_program_member_offset(prog, "module_sect_attrs", "nsections", &l->nsections);
	else
		err = kt_program_member_offset(prog, "module_sect_attrs", "grp.bin_attrs", &l->bin_attrs);
	return err ? kt_error_prefix(err, "module section layout") : NULL;
}

void kt_module_sections_free(struct kt_module_section *secs, size_t n)
{
	for (size_t i = 0; secs && i < n; i++)
		free(secs[i].name);
	free(secs);
}

struct kt_error *kt_module_sections_read(struct kt_program *prog, uint64_t mod,
					 struct kt_module_section **ret, size_t *n_ret)
{
	struct kt_reader *r = &prog->reader;
	struct sect_layout l;
	uint64_t attrs;
	struct kt_error *err = layout_get(prog, &l);
	if (err || (err = kt_read_u64(r, mod + l.sect_attrs, &attrs)))
		return err;
	if (!attrs)
		return kt_error_create(KT_ERROR_NOT_FOUND, "the module has no section attributes "
				       "(sect_attrs is NULL)");
	uint32_t n = 0;
	uint64_t bin_attrs = 0;
	if (l.has_nsections) {
		if ((err = kt_read_u32(r, attrs + l.nsections, &n)))
			return err;
	} else {
		// Count the NULL-terminated array of struct bin_attribute *.
		if ((err = kt_read_u64(r, attrs + l.bin_attrs, &bin_attrs)))
			return err;
		for (uint64_t p = 1; bin_attrs && n <= SECTIONS_MAX; n++) {
			if ((err = kt_read_u64(r, bin_attrs + 8ull * n, &p)))
				return err;
			if (!p)
				break;
		}
	}
	if (n > SECTIONS_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "module section count %u is implausible", n);
	struct kt_module_section *secs = calloc(n ? n : 1, sizeof(*secs));
	if (!secs)
		return &kt_enomem;
	size_t got = 0;
	for (uint32_t i = 0; i < n && !err; i++) {
		uint64_t attr = attrs + l.attrs + (uint64_t)i * l.stride, name_ptr;
		if (!l.has_nsections)
			err = kt_read_u64(r, bin_attrs + 8ull * i, &attr);
		if (err || (err = kt_read_u64(r, attr + l.name, &name_ptr)) ||
		    (err = kt_read_u64(r, attr + l.address, &secs[got].address)) ||
		    (err = kt_read_cstr(r, name_ptr, SECTION_NAME_MAX, &secs[got].name)))
			break;
		got++;
	}
	if (err) {
		kt_module_sections_free(secs, got);
		return kt_error_prefix(err, "module sections");
	}
	*ret = secs;
	*n_ret = got;
	return NULL;
}

/* Elf64_Nhdr: namesz, descsz, type; then the name and the descriptor, each 4-byte aligned. */
struct kt_error *kt_module_build_id(struct kt_program *prog, const struct kt_module_section *secs,
				    size_t n, char **ret)
{
	const struct kt_module_section *note = NULL;
	for (size_t i = 0; i < n && !note; i++)
		if (!strcmp(secs[i].name, ".note.gnu.build-id"))
			note = &secs[i];
	if (!note)
		return kt_error_create(KT_ERROR_NOT_FOUND, "the module has no .note.gnu.build-id "
				       "section");
	uint32_t hdr[3];
	uint8_t name[4], desc[BUILD_ID_MAX];
	struct kt_error *err = kt_read(&prog->reader, note->address, hdr, sizeof(hdr));
	if (err)
		return kt_error_prefix(err, "the module's build-id note");
	// NT_GNU_BUILD_ID is 3, named "GNU\0".
	if (hdr[0] != 4 || hdr[2] != 3 || !hdr[1] || hdr[1] > BUILD_ID_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "the module's .note.gnu.build-id at 0x%llx "
				       "is not a GNU build-id note", (unsigned long long)note->address);
	if ((err = kt_read(&prog->reader, note->address + 12, name, 4)) ||
	    (err = kt_read(&prog->reader, note->address + 16, desc, hdr[1])))
		return kt_error_prefix(err, "the module's build-id note");
	if (memcmp(name, "GNU", 4))
		return kt_error_create(KT_ERROR_BAD_DATA, "the module's build-id note is not GNU's");
	char *hex = malloc(2 * hdr[1] + 1);
	if (!hex)
		return &kt_enomem;
	for (uint32_t i = 0; i < hdr[1]; i++)
		snprintf(hex + 2 * i, 3, "%02x", desc[i]);
	*ret = hex;
	return NULL;
}

struct kt_error *kt_module_place(struct kt_program *prog, size_t index, struct kt_module_place *ret)
{
	const struct kt_module_info *infos;
	size_t n;
	struct kt_error *err = kt_module_list(prog, &infos, &n);
	if (err)
		return err;
	if (index >= n)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no loaded module #%zu", index);
	struct kt_module_place p = {.symbols = prog->kernel->modules->mods[index].symbols};
	if ((err = kt_module_sections_read(prog, infos[index].address, &p.secs, &p.n_secs)))
		return err;
	err = kt_module_build_id(prog, p.secs, p.n_secs, &p.build_id);
	if (err == &kt_enomem) {
		kt_module_sections_free(p.secs, p.n_secs);
		return err;
	}
	kt_error_destroy(err);  // then the debug file is checked against the symbols
	*ret = p;
	return NULL;
}

void kt_module_place_free(struct kt_module_place *place)
{
	kt_module_sections_free(place->secs, place->n_secs);
	free(place->build_id);
	*place = (struct kt_module_place){0};
}
