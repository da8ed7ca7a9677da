// SPDX-License-Identifier: MIT
/*
 * struct module, read as a typed object with the layout found by member name:
 *   6.4+:      mem[MOD_TEXT..MOD_INIT_RODATA].{base,size}, each kind its own allocation (commit
 *              ac3b43283923 "module: replace module_layout with module_memory"); the kinds are
 *              named by enum mod_mem_type in the kernel's types
 *   4.5-6.3:   core_layout.{base,size} and init_layout.{base,size}, one allocation each
 *              (struct module_layout: "module: use a structure to encapsulate layout.", v4.5)
 *   3.10-4.4:  module_core/core_size and module_init/init_size
 * kallsyms: a pointer to struct mod_kallsyms {symtab, num_symtab, strtab} ("modules: fix
 * longstanding /proc/kallsyms vs module insertion race.", v4.6); before, the same three members
 * in struct module itself, switched to the core copies once the module is live.
 * Per-CPU variables (CONFIG_SMP): percpu, percpu_size, in every layout.
 */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/modules.h"
#include "kernel/object.h"

/* MAX_MODULE_NAME_LEN is 56 on 64-bit; a module with more symbols than this is garbage. */
enum { MODULE_NAME_LEN = 56, MODULES_MAX = 65536, MODULE_SYMS_MAX = 1 << 20 };

struct module_layout {
	enum { LAYOUT_MEM, LAYOUT_CORE_LAYOUT, LAYOUT_MODULE_CORE } core;
	unsigned int n_mem;           /* LAYOUT_MEM: elements of mem[] */
	unsigned int mem_text;        /* LAYOUT_MEM: the index of MOD_TEXT */
	const char *mem_names[KT_MODULE_REGIONS_MAX]; /* LAYOUT_MEM: enum mod_mem_type's names */
	bool has_percpu;              /* percpu and percpu_size (CONFIG_SMP) */
	const char *symbols;          /* "kallsyms->" (v4.6+) or "" (symtab in struct module) */
	uint64_t sym_size;            /* sizeof(Elf64_Sym) */
};

/* mem[]'s length from its type, and each index's name from enum mod_mem_type (MOD_TEXT, ...). */
static struct kt_error *mem_layout(struct kt_program *prog, struct kt_type_ref module,
				   struct module_layout *l)
{
	uint64_t off;
	struct kt_type_ref mem, kinds;
	struct kt_error *err = kt_object_member_offset(prog, module, "mem", &off, &mem);
	if (err)
		return err;
	const struct btf_type *t = btf__type_by_id(mem.btf, (uint32_t)mem.id);
	if (!t || !btf_is_array(t) || !btf_array(t)->nelems ||
	    btf_array(t)->nelems > KT_MODULE_REGIONS_MAX)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "struct module's mem is not an array of "
				       "1 to %d module_memory", KT_MODULE_REGIONS_MAX);
	l->n_mem = btf_array(t)->nelems;
	l->mem_text = 0;  // MOD_TEXT is the first kind wherever the enum says nothing
	if ((err = kt_object_lookup_type(prog, "enum mod_mem_type", &kinds))) {
		if (!kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			return err;
		return NULL;
	}
	const struct btf_type *e = btf__type_by_id(kinds.btf, (uint32_t)kinds.id);
	for (uint16_t i = 0; e && btf_is_enum(e) && i < btf_vlen(e); i++) {
		const char *name = btf__name_by_offset(kinds.btf, btf_enum(e)[i].name_off);
		int32_t v = btf_enum(e)[i].val;
		if (!name || v < 0 || (unsigned int)v >= l->n_mem)
			continue;
		l->mem_names[v] = name;
		if (!strcmp(name, "MOD_TEXT"))
			l->mem_text = (unsigned int)v;
	}
	return NULL;
}

static struct kt_error *module_layout_get(struct kt_program *prog, struct module_layout *l)
{
	struct kt_type_ref module;
	struct kt_error *err = kt_object_lookup_type(prog, "struct module", &module);
	if (err)
		return kt_error_prefix(err, "module list layout");
	if (kt_object_type_has_member(prog, module, "mem")) {
		l->core = LAYOUT_MEM;
		if ((err = mem_layout(prog, module, l)))
			return kt_error_prefix(err, "module list layout");
	} else if (kt_object_type_has_member(prog, module, "core_layout") &&
		   kt_object_type_has_member(prog, module, "init_layout")) {
		l->core = LAYOUT_CORE_LAYOUT;
	} else if (kt_object_type_has_member(prog, module, "module_core") &&
		   kt_object_type_has_member(prog, module, "module_init")) {
		l->core = LAYOUT_MODULE_CORE;
	} else {
		return kt_error_create(KT_ERROR_UNSUPPORTED, "struct module has none of mem (v6.4+), "
				       "core_layout with init_layout (v4.5-v6.3) or module_core with "
				       "module_init (before v4.5): an unknown layout");
	}
	l->has_percpu = kt_object_type_has_member(prog, module, "percpu") &&
			kt_object_type_has_member(prog, module, "percpu_size");
	l->symbols = kt_object_type_has_member(prog, module, "kallsyms") ? "kallsyms->" : "";
	if ((err = kt_program_type_size(prog, "elf64_sym", &l->sym_size)))
		return kt_error_prefix(err, "module list layout");
	return NULL;
}

/* mod's member path, read as an unsigned integer. */
static struct kt_error *read_member(const struct kt_object *mod, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(mod, path, &o);
	return err ? err : kt_object_read_unsigned(&o, ret);
}

static struct kt_error *add_region(const struct kt_object *mod, struct kt_module *m,
				   const char *kind, const char *base, const char *size)
{
	struct kt_module_region *r = &m->regions[m->n_regions];
	struct kt_error *err;
	if ((err = read_member(mod, base, &r->base)) || (err = read_member(mod, size, &r->size)))
		return err;
	r->kind = kind;
	if (r->size && r->base + r->size > r->base)  // an empty or freed one (init, once live) is none
		m->n_regions++;
	return NULL;
}

/*
 * The module's memory regions, each a separate allocation, and its code's: info.base/size is
 * mem[MOD_TEXT] (6.4+), else the core allocation, whose text comes first.
 */
static struct kt_error *module_regions(const struct module_layout *l, const struct kt_object *mod,
				       struct kt_module *m)
{
	struct kt_error *err = NULL;
	m->n_regions = 0;
	switch (l->core) {
	case LAYOUT_MEM:
		for (unsigned int i = 0; i < l->n_mem && !err; i++) {
			char base[32], size[32];
			snprintf(base, sizeof(base), "mem[%u].base", i);
			snprintf(size, sizeof(size), "mem[%u].size", i);
			err = add_region(mod, m, l->mem_names[i] ? l->mem_names[i] : "mem", base, size);
			if (!err && i == l->mem_text && !(err = read_member(mod, base, &m->info.base)))
				err = read_member(mod, size, &m->info.size);
		}
		break;
	case LAYOUT_CORE_LAYOUT:
		if (!(err = add_region(mod, m, "core", "core_layout.base", "core_layout.size")) &&
		    !(err = add_region(mod, m, "init", "init_layout.base", "init_layout.size")) &&
		    !(err = read_member(mod, "core_layout.base", &m->info.base)))
			err = read_member(mod, "core_layout.size", &m->info.size);
		break;
	case LAYOUT_MODULE_CORE:
		if (!(err = add_region(mod, m, "core", "module_core", "core_size")) &&
		    !(err = add_region(mod, m, "init", "module_init", "init_size")) &&
		    !(err = read_member(mod, "module_core", &m->info.base)))
			err = read_member(mod, "core_size", &m->info.size);
		break;
	}
	if (!err && l->has_percpu && !(err = read_member(mod, "percpu", &m->percpu)))
		err = read_member(mod, "percpu_size", &m->percpu_size);
	return err;
}

/* Elf64_Sym (include/uapi/linux/elf.h): name u32, info u8, other u8, shndx u16, value, size. */
static struct kt_error *read_module_symbols(struct kt_program *prog, const struct module_layout *l,
					    const struct kt_object *mod, struct kt_kallsyms **ret)
{
	struct kt_reader *r = &prog->reader;
	uint64_t symtab, strtab, num;
	char path[32];
	struct kt_error *err;
	snprintf(path, sizeof(path), "%ssymtab", l->symbols);
	if ((err = read_member(mod, path, &symtab)))
		return err;
	snprintf(path, sizeof(path), "%snum_symtab", l->symbols);
	if ((err = read_member(mod, path, &num)))
		return err;
	snprintf(path, sizeof(path), "%sstrtab", l->symbols);
	if ((err = read_member(mod, path, &strtab)))
		return err;
	if (num > MODULE_SYMS_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "module symbol count %llu",
				       (unsigned long long)num);
	uint32_t n = (uint32_t)num;
	uint8_t *syms = malloc((size_t)n * l->sym_size + 1);
	struct kt_kallsyms *tab = calloc(1, sizeof(*tab));
	size_t names_cap = 4096, names_len = 0;
	if (tab)
		tab->syms = calloc(n ? n : 1, sizeof(*tab->syms)), tab->names = malloc(names_cap);
	if (!syms || !tab || !tab->syms || !tab->names) {
		err = &kt_enomem;
		goto out;
	}
	if ((err = kt_read(r, symtab, syms, (size_t)n * l->sym_size)))
		goto out;
	size_t *name_at = malloc((n ? n : 1) * sizeof(size_t));
	if (!name_at) {
		err = &kt_enomem;
		goto out;
	}
	uint32_t named = 0, unreadable = 0;
	struct kt_error *first_unreadable = NULL;
	for (uint32_t i = 0; i < n && !err; i++) {
		const uint8_t *s = syms + (size_t)i * l->sym_size;
		uint32_t name_off;
		uint64_t value;
		memcpy(&name_off, s, 4);
		memcpy(&value, s + 8, 8);
		char name[128];
		if (!name_off || !value)
			continue;
		// Read names in small pieces: they end anywhere, and the string table may end at a page edge.
		char *full = NULL;
		named++;
		if ((err = kt_read_cstr(r, strtab + name_off, sizeof(name), &full))) {
			if (err == &kt_enomem)
				break;
			unreadable++;
			if (first_unreadable)
				kt_error_destroy(err);
			else
				first_unreadable = err;
			err = NULL;
			continue;
		}
		size_t len = strlen(full) + 1;
		if (len < 2) {
			free(full);
			continue;
		}
		if (names_len + len > names_cap) {
			while (names_len + len > names_cap)
				names_cap *= 2;
			char *grown = realloc(tab->names, names_cap);
			if (!grown) {
				free(full);
				err = &kt_enomem;
				break;
			}
			tab->names = grown;
		}
		memcpy(tab->names + names_len, full, len);
		free(full);
		uint8_t st_info = s[4];
		bool func = (st_info & 0xf) == 2; /* STT_FUNC */
		bool global = (st_info >> 4) != 0;
		name_at[tab->n] = names_len;
		tab->syms[tab->n++] = (struct kt_symbol){
			.address = value,
			.type = (char)(func ? (global ? 'T' : 't') : (global ? 'D' : 'd')),
		};
		names_len += len;
	}
	// Names that cannot be read here and there are skipped; a table none of whose names reads
	// is damaged, and saying so beats listing a module with no symbols as if it had none.
	if (!err && named && unreadable == named)
		err = kt_error_create(KT_ERROR_BAD_DATA, "none of its %u named symbols has a readable "
				      "name (strtab 0x%llx; the first: %s)", named,
				      (unsigned long long)strtab, kt_error_message(first_unreadable));
	kt_error_destroy(first_unreadable);
	if (!err) {
		for (size_t i = 0; i < tab->n; i++)
			tab->syms[i].name = tab->names + name_at[i];
		err = kt_kallsyms_finish(tab);
	}
	free(name_at);
out:
	free(syms);
	if (err) {
		kt_kallsyms_destroy(tab);
		return err;
	}
	*ret = tab;
	return NULL;
}

struct module_walk {
	struct kt_program *prog;
	struct module_layout l;
	struct kt_modules *mods;
	struct kt_error *err;
};

static bool visit_module(const struct kt_object *mod, void *arg)
{
	struct module_walk *w = arg;
	struct kt_module *grown = realloc(w->mods->mods, (w->mods->n + 1) * sizeof(*grown));
	if (!grown) {
		w->err = &kt_enomem;
		return false;
	}
	w->mods->mods = grown;
	struct kt_module *m = &grown[w->mods->n];
	memset(m, 0, sizeof(*m));
	struct kt_object name;
	uint64_t state;
	struct kt_error *err;
	if ((err = kt_object_member(mod, "name", &name)) ||
	    (err = kt_object_read_string(&name, m->name, MODULE_NAME_LEN + 1)) ||
	    (err = read_member(mod, "state", &state))) {
		w->err = kt_error_prefix(err, "module at 0x%llx", (unsigned long long)mod->address);
		return false;
	}
	m->info.address = mod->address;
	m->info.state = (unsigned int)state;
	if ((err = module_regions(&w->l, mod, m))) {
		w->err = kt_error_prefix(err, "module %s", m->name);
		return false;
	}
	// A module whose symbols cannot be read is still listed, with why; names just come out as
	// addresses.
	err = read_module_symbols(w->prog, &w->l, mod, &m->symbols);
	if (err == &kt_enomem) {
		w->err = err;
		return false;
	}
	if (err && !(m->symbols_error = strdup(kt_error_message(err)))) {
		kt_error_destroy(err);
		w->err = &kt_enomem;
		return false;
	}
	kt_error_destroy(err);
	m->info.n_symbols = m->symbols ? kt_kallsyms_count(m->symbols) : 0;
	w->mods->n++;
	return true;
}

struct kt_error *kt_modules_load(struct kt_program *prog, struct kt_modules **ret)
{
	struct module_walk w = {.prog = prog};
	struct kt_object head;
	struct kt_type_ref list_head;
	uint64_t head_addr;
	struct kt_error *err;
	// The kernel's own symbol: modules.c is what finds module symbols.
	if ((err = module_layout_get(prog, &w.l)) ||
	    (err = kt_program_kernel_symbol(prog, "modules", &head_addr)) ||
	    (err = kt_object_lookup_type(prog, "struct list_head", &list_head)))
		return err;
	kt_object_init(&head, prog, NULL, list_head, head_addr);
	if (!(w.mods = calloc(1, sizeof(*w.mods))))
		return &kt_enomem;
	err = kt_object_list_for_each(&head, "struct module", "list", MODULES_MAX, visit_module, &w);
	if (w.err) {
		kt_error_destroy(err);
		err = w.err;
	}
	// A damaged list still gave the modules before the damage: keep them, and say where it ended.
	if (err && err != &kt_enomem) {
		w.mods->incomplete = kt_error_prefix(err, "the module list is damaged after %zu module%s",
						     w.mods->n, w.mods->n == 1 ? "" : "s");
		err = NULL;
	}
	if (!err && !(w.mods->infos = calloc(w.mods->n ? w.mods->n : 1, sizeof(*w.mods->infos))))
		err = &kt_enomem;
	if (err) {
		kt_modules_destroy(w.mods);
		return err;
	}
	for (size_t i = 0; i < w.mods->n; i++) {
		w.mods->mods[i].info.name = w.mods->mods[i].name;
		w.mods->mods[i].info.symbols_error = w.mods->mods[i].symbols_error;
		w.mods->infos[i] = w.mods->mods[i].info;
	}
	*ret = w.mods;
	return NULL;
}

void kt_modules_destroy(struct kt_modules *mods)
{
	if (!mods)
		return;
	for (size_t i = 0; i < mods->n; i++) {
		kt_kallsyms_destroy(mods->mods[i].symbols);
		free(mods->mods[i].symbols_error);
	}
	free(mods->mods);
	free(mods->infos);
	kt_error_destroy(mods->incomplete);
	free(mods);
}

const struct kt_module_region *kt_module_region_at(const struct kt_module *m, uint64_t addr)
{
	for (size_t r = 0; r < m->n_regions; r++)
		if (addr >= m->regions[r].base && addr - m->regions[r].base < m->regions[r].size)
			return &m->regions[r];
	return NULL;
}

bool kt_modules_symbolize(const struct kt_modules *mods, uint64_t addr,
			  const struct kt_module **mod_ret, const struct kt_symbol **sym_ret)
{
	for (size_t i = 0; i < mods->n; i++) {
		const struct kt_module *m = &mods->mods[i];
		if (!m->symbols || !kt_module_region_at(m, addr))
			continue;
		const struct kt_symbol *sym = kt_kallsyms_by_address(m->symbols, addr);
		// A symbol of another region (rodata below text) does not contain addr.
		if (sym && kt_module_region_at(m, sym->address) == kt_module_region_at(m, addr)) {
			*mod_ret = m;
			*sym_ret = sym;
			return true;
		}
	}
	return false;
}

bool kt_modules_percpu(const struct kt_modules *mods, uint64_t addr)
{
	for (size_t i = 0; i < mods->n; i++)
		if (mods->mods[i].percpu_size && addr >= mods->mods[i].percpu &&
		    addr - mods->mods[i].percpu < mods->mods[i].percpu_size)
			return true;
	return false;
}
