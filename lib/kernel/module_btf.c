// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdwfl.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/list.h"
#include "kernel/module_btf.h"
#include "sym/dwarf.h"
#include "sym/types_dwarf.h"

/* kvm's BTF is ~300 KB; anything near this is a garbage size. */
enum { MODULE_BTF_MAX = 64 << 20, MODULES_MAX = 65536, NAME_MAX_LEN = 64 };

struct btf_layout {
	uint64_t list, btf;                 /* struct btf_module */
	uint64_t data, data_size, name;     /* struct btf */
	uint64_t name_size;
};

/* One btf_modules entry, read: its bytes, or why they cannot be had. */
struct btf_entry {
	char *name;
	void *data;
	uint32_t size;
	struct kt_error *unreadable;
	bool used;                          /* given to the module of that name */
};

struct btf_walk {
	struct kt_program *prog;
	struct kt_types *types;
	struct btf_layout l;
	struct btf_entry *entries;
	size_t n;
	struct kt_error *err;               /* out of memory: stops the walk */
};

static struct kt_error *layout_get(struct kt_types *types, struct btf_layout *l)
{
	struct kt_member_info m[5];
	struct kt_error *err;
	if ((err = kt_types_member(types, "btf_module", "list", &m[0])) ||
	    (err = kt_types_member(types, "btf_module", "btf", &m[1])) ||
	    (err = kt_types_member(types, "btf", "data", &m[2])) ||
	    (err = kt_types_member(types, "btf", "data_size", &m[3])) ||
	    (err = kt_types_member(types, "btf", "name", &m[4])))
		return kt_error_prefix(err, "module BTF list layout");
	if (m[3].size != 4)
		return kt_error_create(KT_ERROR_BAD_DATA, "struct btf.data_size is %llu bytes, not a u32",
				       (unsigned long long)m[3].size);
	*l = (struct btf_layout){.list = m[0].offset, .btf = m[1].offset, .data = m[2].offset,
				 .data_size = m[3].offset, .name = m[4].offset,
				 .name_size = m[4].size < NAME_MAX_LEN ? m[4].size : NAME_MAX_LEN - 1};
	return NULL;
}

/* One btf_module: its name, then its BTF bytes; a module whose BTF cannot be read is recorded
 * as such (its types are missing, and lookups say so). */
static struct kt_error *read_one(struct btf_walk *w, uint64_t node, char *name, void **data_ret,
				 uint32_t *size_ret)
{
	struct kt_reader *r = &w->prog->reader;
	uint64_t btf, data;
	uint32_t size;
	struct kt_error *err;
	if ((err = kt_read_u64(r, node - w->l.list + w->l.btf, &btf)) ||
	    (err = kt_read(r, btf + w->l.name, name, w->l.name_size))) {
		name[0] = '\0';  // whatever a failed read left is not a name
		return err;
	}
	name[w->l.name_size] = '\0';
	if (!*name)
		return kt_error_create(KT_ERROR_BAD_DATA, "struct btf at 0x%llx has no name",
				       (unsigned long long)btf);
	if ((err = kt_read_u64(r, btf + w->l.data, &data)) ||
	    (err = kt_read_u32(r, btf + w->l.data_size, &size)))
		return err;
	if (!size || size > MODULE_BTF_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "implausible BTF size %u", size);
	void *bytes = malloc(size);
	if (!bytes)
		return &kt_enomem;
	if ((err = kt_read(r, data, bytes, size))) {
		free(bytes);
		return kt_error_prefix(err, "its BTF (%u bytes at 0x%llx)", size,
				       (unsigned long long)data);
	}
	*data_ret = bytes;
	*size_ret = size;
	return NULL;
}

static bool visit(uint64_t node, void *arg)
{
	struct btf_walk *w = arg;
	char name[NAME_MAX_LEN] = "";
	void *data = NULL;
	uint32_t size = 0;
	struct kt_error *err = read_one(w, node, name, &data, &size);
	struct btf_entry *grown = err != &kt_enomem && *name
				  ? realloc(w->entries, (w->n + 1) * sizeof(*grown)) : NULL;
	if (err == &kt_enomem || (*name && !grown)) {
		free(data);
		kt_error_destroy(err);
		w->err = &kt_enomem;
		return false;
	}
	if (!*name) {
		kt_error_destroy(err);  // a nameless entry: nothing to record it under
		return true;
	}
	w->entries = grown;
	struct btf_entry *e = &grown[w->n];
	*e = (struct btf_entry){.name = strdup(name), .data = data, .size = size, .unreadable = err};
	if (!e->name) {
		free(data);
		kt_error_destroy(err);
		w->err = &kt_enomem;
		return false;
	}
	w->n++;
	return true;
}

/* Every btf_modules entry into w->entries. */
static struct kt_error *read_btf_modules(struct btf_walk *w)
{
	struct kt_kallsyms *ks;
	struct kt_error *err;
	if ((err = layout_get(w->types, &w->l)) || (err = kt_program_kallsyms(w->prog, &ks)))
		return err;
	const struct kt_symbol *head = kt_kallsyms_by_name(ks, "btf_modules");
	if (!head)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "no symbol btf_modules (a kernel without "
				       "CONFIG_DEBUG_INFO_BTF_MODULES, or kallsyms without static data)");
	err = kt_list_for_each(&w->prog->reader, head->address, MODULES_MAX, visit, w);
	if (w->err) {
		kt_error_destroy(err);
		return w->err;
	}
	return err ? kt_error_prefix(err, "the btf_modules list") : NULL;
}

/* A kt_types_module_open_fn: the module's types from its debug file's DWARF. */
static struct kt_error *open_dwarf(const char *name, void *arg, struct kt_types **ret)
{
	struct kt_program *prog = arg;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	struct kt_error *err = kt_dwarf_module(prog, name, &mod);
	if (err)
		return err;
	if (!mod)  // asked again while its debug file is being placed
		return kt_error_create(KT_ERROR_NOT_FOUND, "module %s: its debug file is not placed yet",
				       name);
	kt_progress(prog, "converting the DWARF types of module %s", name);
	Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
	if (!dw)
		return kt_error_create(KT_ERROR_NOT_FOUND, "module %s: its debug file has no DWARF: %s",
				       name, dwfl_errmsg(-1));
	return kt_types_dwarf_module(dw, ret);
}

static const struct btf_entry *entry_named(struct btf_walk *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (!w->entries[i].used && !strcmp(w->entries[i].name, name))
			return &w->entries[i];
	return NULL;
}

/*
 * Each loaded module in the kernel's list order: its BTF from btf_modules when the kernel has it
 * (and the kernel's own types are its BTF, which module BTF is split against), else its debug
 * file's DWARF, opened when a lookup first reaches it. A module whose BTF cannot be read is
 * typed from DWARF too.
 */
struct kt_error *kt_module_btf_read(struct kt_types *types, void *arg)
{
	struct btf_walk w = {.prog = arg, .types = types};
	struct kt_error *err = NULL, *btf_err = NULL, *list_err;
	if (!w.prog->types_dwarf && (btf_err = read_btf_modules(&w)) == &kt_enomem)
		goto out;
	const struct kt_module_info *infos;
	size_t n = 0;
	list_err = kt_module_list(w.prog, &infos, &n);
	if (list_err == &kt_enomem) {
		err = list_err;
		goto out;
	}
	for (size_t i = 0; !list_err && i < n && !err; i++) {
		struct btf_entry *e = (struct btf_entry *)entry_named(&w, infos[i].name);
		if (e && e->data)
			err = kt_types_add_module(types, e->name, e->data, e->size, NULL);
		else
			err = kt_types_add_module_open(types, infos[i].name, open_dwarf, w.prog);
		if (e)
			e->used = true;
	}
	// Entries the module list did not name (it could not be read): their BTF, as it is.
	for (size_t i = 0; i < w.n && !err; i++) {
		struct btf_entry *e = &w.entries[i];
		if (e->used)
			continue;
		err = kt_types_add_module(types, e->name, e->data, e->size, e->unreadable);
		e->unreadable = NULL;
	}
	if (!err && list_err)
		err = kt_error_prefix(list_err, "the module list");  // the BTF entries stand
	else
		kt_error_destroy(list_err);
out:
	kt_error_destroy(btf_err);
	for (size_t i = 0; i < w.n; i++) {
		free(w.entries[i].name);
		free(w.entries[i].data);
		kt_error_destroy(w.entries[i].unreadable);
	}
	free(w.entries);
	return err;
}
