// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/list.h"
#include "kernel/module_btf.h"

/* kvm's BTF is ~300 KB; anything near this is a garbage size. */
enum { MODULE_BTF_MAX = 64 << 20, MODULES_MAX = 65536, NAME_MAX_LEN = 64 };

struct btf_layout {
	uint64_t list, btf;                 /* struct btf_module */
	uint64_t data, data_size, name;     /* struct btf */
	uint64_t name_size;
};

struct btf_walk {
	struct kt_program *prog;
	struct kt_types *types;
	struct btf_layout l;
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
static struct kt_error *read_one(struct btf_walk *w, uint64_t node, char *name)
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
	_cleanup_free_ void *bytes = malloc(size);
	if (!bytes)
		return &kt_enomem;
	if ((err = kt_read(r, data, bytes, size)))
		return kt_error_prefix(err, "its BTF (%u bytes at 0x%llx)", size,
				       (unsigned long long)data);
	return kt_types_add_module(w->types, name, bytes, size, NULL);
}

static bool visit(uint64_t node, void *arg)
{
	struct btf_walk *w = arg;
	char name[NAME_MAX_LEN] = "";
	struct kt_error *err = read_one(w, node, name);
	if (err == &kt_enomem) {
		w->err = err;
		return false;
	}
	if (err && *name && (err = kt_types_add_module(w->types, name, NULL, 0, err))) {
		w->err = err;
		return false;
	}
	kt_error_destroy(err);  // a nameless entry: nothing to record it under
	return true;
}

struct kt_error *kt_module_btf_read(struct kt_types *types, void *arg)
{
	struct btf_walk w = {.prog = arg, .types = types};
	struct kt_kallsyms *ks;
	struct kt_error *err;
	if ((err = layout_get(types, &w.l)) || (err = kt_program_kallsyms(w.prog, &ks)))
		return err;
	const struct kt_symbol *head = kt_kallsyms_by_name(ks, "btf_modules");
	if (!head)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "no symbol btf_modules (a kernel without "
				       "CONFIG_DEBUG_INFO_BTF_MODULES, or kallsyms without static data)");
	err = kt_list_for_each(&w.prog->reader, head->address, MODULES_MAX, visit, &w);
	if (w.err) {
		kt_error_destroy(err);
		return w.err;
	}
	return err ? kt_error_prefix(err, "the btf_modules list") : NULL;
}
