// SPDX-License-Identifier: MIT
/*
 * struct module layouts, found by member name:
 *   before 6.4: core_layout.{base,size} (struct module_layout, v4.5+; module_core/core_size
 *               before that)
 *   6.4+:       mem[MOD_TEXT..MOD_RO_AFTER_INIT].{base,size} (commit ac3b43283923 "module: replace
 *               module_layout with module_memory")
 * kallsyms: a pointer to struct mod_kallsyms {symtab, num_symtab, strtab} (v4.6+).
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/list.h"
#include "kernel/modules.h"

/* MAX_MODULE_NAME_LEN is 56 on 64-bit; a module with more symbols than this is garbage. */
enum { MODULE_NAME_LEN = 56, MODULES_MAX = 65536, MODULE_SYMS_MAX = 1 << 20 };
/* enum mod_mem_type: the four core kinds (text, data, rodata, ro_after_init) come first (6.4+). */
enum { MOD_CORE_KINDS = 4 };

struct module_layout {
	uint64_t list, name, state, kallsyms, ks_symtab, ks_num_symtab, ks_strtab;
	bool has_mem;                 /* 6.4+ */
	uint64_t base, size;          /* core_layout.base/size, or mem[0].base/size */
	uint64_t mem_stride;          /* sizeof(struct module_memory) */
	uint64_t sym_size;            /* sizeof(Elf64_Sym) */
};

static struct kt_error *module_layout_get(struct kt_program *prog, struct module_layout *l)
{
	struct kt_types *types;
	struct kt_error *err = kt_program_types(prog, &types);
	if (err)
		return err;
	l->has_mem = kt_types_has_member(types, "module", "mem");
	const char *base = l->has_mem ? "mem[0].base" : "core_layout.base";
	const char *size = l->has_mem ? "mem[0].size" : "core_layout.size";
	if ((err = kt_program_member_offset(prog, "module", "list", &l->list)) ||
	    (err = kt_program_member_offset(prog, "module", "name", &l->name)) ||
	    (err = kt_program_member_offset(prog, "module", "state", &l->state)) ||
	    (err = kt_program_member_offset(prog, "module", base, &l->base)) ||
	    (err = kt_program_member_offset(prog, "module", size, &l->size)) ||
	    (err = kt_program_member_offset(prog, "module", "kallsyms", &l->kallsyms)) ||
	    (err = kt_program_member_offset(prog, "mod_kallsyms", "symtab", &l->ks_symtab)) ||
	    (err = kt_program_member_offset(prog, "mod_kallsyms", "num_symtab", &l->ks_num_symtab)) ||
	    (err = kt_program_member_offset(prog, "mod_kallsyms", "strtab", &l->ks_strtab)) ||
	    (err = kt_program_type_size(prog, "elf64_sym", &l->sym_size)))
		return kt_error_prefix(err, "module list layout");
	if (l->has_mem && (err = kt_program_type_size(prog, "module_memory", &l->mem_stride)))
		return kt_error_prefix(err, "module list layout");
	return NULL;
}

/* Elf64_Sym (include/uapi/linux/elf.h): name u32, info u8, other u8, shndx u16, value, size. */
static struct kt_error *read_module_symbols(struct kt_program *prog, const struct module_layout *l,
					    uint64_t mod, struct kt_kallsyms **ret)
{
	struct kt_reader *r = &prog->reader;
	uint64_t ks, symtab, strtab;
	uint32_t n;
	struct kt_error *err;
	if ((err = kt_read_u64(r, mod + l->kallsyms, &ks)) ||
	    (err = kt_read_u64(r, ks + l->ks_symtab, &symtab)) ||
	    (err = kt_read_u32(r, ks + l->ks_num_symtab, &n)) ||
	    (err = kt_read_u64(r, ks + l->ks_strtab, &strtab)))
		return err;
	if (n > MODULE_SYMS_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "module symbol count %u", n);
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

static bool visit_module(uint64_t node, void *arg)
{
	struct module_walk *w = arg;
	struct kt_reader *r = &w->prog->reader;
	uint64_t mod = node - w->l.list;
	struct kt_module *grown = realloc(w->mods->mods, (w->mods->n + 1) * sizeof(*grown));
	if (!grown) {
		w->err = &kt_enomem;
		return false;
	}
	w->mods->mods = grown;
	struct kt_module *m = &grown[w->mods->n];
	memset(m, 0, sizeof(*m));
	uint32_t state;
	struct kt_error *err;
	if ((err = kt_read(r, mod + w->l.name, m->name, MODULE_NAME_LEN)) ||
	    (err = kt_read_u32(r, mod + w->l.state, &state)) ||
	    (err = kt_read_u64(r, mod + w->l.base, &m->info.base))) {
		w->err = kt_error_prefix(err, "module at 0x%llx", (unsigned long long)mod);
		return false;
	}
	m->name[MODULE_NAME_LEN] = '\0';
	m->info.address = mod;
	m->info.state = state;
	if (w->l.has_mem) {
		for (int kind = 0; kind < MOD_CORE_KINDS && !err; kind++) {
			uint32_t sz;
			err = kt_read_u32(r, mod + w->l.size + (uint64_t)kind * w->l.mem_stride, &sz);
			m->info.size += sz;
		}
	} else {
		uint32_t sz;
		err = kt_read_u32(r, mod + w->l.size, &sz);
		m->info.size = sz;
	}
	if (err) {
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
	uint64_t head;
	struct kt_error *err;
	if ((err = module_layout_get(prog, &w.l)) ||
	    (err = kt_program_kernel_symbol(prog, "modules", &head)))
		return err;
	if (!(w.mods = calloc(1, sizeof(*w.mods))))
		return &kt_enomem;
	err = kt_list_for_each(&prog->reader, head, MODULES_MAX, visit_module, &w);
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
