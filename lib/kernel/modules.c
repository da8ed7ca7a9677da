// SPDX-License-Identifier: MIT
/*
 * struct module, read as a typed object with the layout found by member name:
 *   6.4+:      mem[MOD_TEXT..MOD_RO_AFTER_INIT].{base,size} (commit ac3b43283923 "module: replace
 *              module_layout with module_memory")
 *   4.5-6.3:   core_layout.{base,size} (struct module_layout: "module: use a structure to
 *              encapsulate layout.", v4.5)
 *   3.10-4.4:  module_core, core_size
 * kallsyms: a pointer to struct mod_kallsyms {symtab, num_symtab, strtab} ("modules: fix
 * longstanding /proc/kallsyms vs module insertion race.", v4.6); before, the same three members
 * in struct module itself, switched to the core copies once the module is live.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/modules.h"
#include "kernel/object.h"

/* MAX_MODULE_NAME_LEN is 56 on 64-bit; a module with more symbols than this is garbage. */
enum { MODULE_NAME_LEN = 56, MODULES_MAX = 65536, MODULE_SYMS_MAX = 1 << 20 };
/* enum mod_mem_type: the four core kinds (text, data, rodata, ro_after_init) come first (6.4+). */
enum { MOD_CORE_KINDS = 4 };

struct module_layout {
	enum { LAYOUT_MEM, LAYOUT_CORE_LAYOUT, LAYOUT_MODULE_CORE } core;
	const char *symbols;          /* "kallsyms->" (v4.6+) or "" (symtab in struct module) */
	uint64_t sym_size;            /* sizeof(Elf64_Sym) */
};

static struct kt_error *module_layout_get(struct kt_program *prog, struct module_layout *l)
{
	struct kt_type_ref module;
	struct kt_error *err = kt_object_lookup_type(prog, "struct module", &module);
	if (err)
		return kt_error_prefix(err, "module list layout");
	if (kt_object_type_has_member(prog, module, "mem"))
		l->core = LAYOUT_MEM;
	else if (kt_object_type_has_member(prog, module, "core_layout"))
		l->core = LAYOUT_CORE_LAYOUT;
	else if (kt_object_type_has_member(prog, module, "module_core"))
		l->core = LAYOUT_MODULE_CORE;
	else
		return kt_error_create(KT_ERROR_UNSUPPORTED, "struct module has none of mem, "
				       "core_layout or module_core: an unknown layout");
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

/* The core (non-init) memory of the module: its first base, and the sizes of every kind. */
static struct kt_error *module_core(const struct module_layout *l, const struct kt_object *mod,
				    uint64_t *base, uint64_t *size)
{
	static const char *const bases[] = {"mem[0].base", "core_layout.base", "module_core"};
	static const char *const sizes[] = {"mem[%d].size", "core_layout.size", "core_size"};
	struct kt_error *err = read_member(mod, bases[l->core], base);
	*size = 0;
	for (int kind = 0; kind < (l->core == LAYOUT_MEM ? MOD_CORE_KINDS : 1) && !err; kind++) {
		char path[32];
		uint64_t sz;
		snprintf(path, sizeof(path), sizes[l->core], kind);
		if (!(err = read_member(mod, path, &sz)))
			*size += sz;
	}
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
		if ((err = kt_read_cstr(r, strtab + name_off, sizeof(name), &full))) {
			kt_error_destroy(err);
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
	if ((err = module_core(&w->l, mod, &m->info.base, &m->info.size))) {
		w->err = kt_error_prefix(err, "module %s", m->name);
		return false;
	}
	// A module whose symbols cannot be read is still listed; names just come out as addresses.
	err = read_module_symbols(w->prog, &w->l, mod, &m->symbols);
	if (err == &kt_enomem) {
		w->err = err;
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
	if (!err && !(w.mods->infos = calloc(w.mods->n ? w.mods->n : 1, sizeof(*w.mods->infos))))
		err = &kt_enomem;
	if (err) {
		kt_modules_destroy(w.mods);
		return err;
	}
	for (size_t i = 0; i < w.mods->n; i++) {
		w.mods->mods[i].info.name = w.mods->mods[i].name;
		w.mods->infos[i] = w.mods->mods[i].info;
	}
	*ret = w.mods;
	return NULL;
}

void kt_modules_destroy(struct kt_modules *mods)
{
	if (!mods)
		return;
	for (size_t i = 0; i < mods->n; i++)
		kt_kallsyms_destroy(mods->mods[i].symbols);
	free(mods->mods);
	free(mods->infos);
	free(mods);
}

bool kt_modules_symbolize(const struct kt_modules *mods, uint64_t addr,
			  const struct kt_module **mod_ret, const struct kt_symbol **sym_ret)
{
	for (size_t i = 0; i < mods->n; i++) {
		const struct kt_module *m = &mods->mods[i];
		if (!m->symbols || addr < m->info.base || addr - m->info.base >= m->info.size)
			continue;
		const struct kt_symbol *sym = kt_kallsyms_by_address(m->symbols, addr);
		if (sym) {
			*mod_ret = m;
			*sym_ret = sym;
			return true;
		}
	}
	return false;
}
