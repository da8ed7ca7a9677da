// SPDX-License-Identifier: MIT
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "core/strbuf.h"
#include "dump/parallel_read.h"
#include "sym/btf_names.h"
#include "sym/type_print.h"
#include "sym/types.h"

/* vmlinux BTF is a few MB; more than this between the two symbols means they are garbage. */
static const uint64_t BTF_MAX_SIZE = 256ull << 20;
/* Nesting of anonymous members and typedef chains that a sane type never exceeds. */
enum { TYPE_DEPTH_MAX = 32 };

/*
 * libbpf finds a type by name with a linear scan over every type (~100,000 in vmlinux), and
 * walkers ask for the same few types for every task: remember the answers, misses too (each
 * miss searches every module).
 */
enum { TYPE_CACHE_SIZE = 512 };

struct type_cache_entry {
	char *name;
	char tag;         /* which lookup: 'T' kt_types_size/member, 'L' kt_types_lookup, 'F' function,
			   * 'V' variable */
	uint32_t where;   /* 0: vmlinux, i + 1: modules[i] */
	int32_t id;       /* resolved id, or -1: not found */
};

/* Member paths asked for per task (task_struct.pid, .thread.sp, ...), remembered likewise. */
enum { MEMBER_CACHE_SIZE = 1024 };

struct member_cache_entry {
	char *key;        /* "type\0path" */
	size_t key_len;
	bool found;       /* lookups that fail are asked again and again too (feature tests) */
	struct kt_member_info info;
};

/* Module names in messages: enough to see what was searched, not a screenful. */
enum { MODULES_NAMED_MAX = 12, MODULE_QUALIFIER_MAX = 64 };

/* One module's types: its BTF from the dump's memory (split on vmlinux's), or types of its own
 * made from its debug file's DWARF when first needed. */
struct module_btf {
	char *name;
	struct btf *btf;              /* the BTF searched; NULL: none (yet) */
	struct kt_btf_names *names;   /* btf's own types by name, made on the first lookup */
	uint32_t first;               /* its first own type id (a split BTF's follow its base's) */
	struct kt_types *own;         /* from DWARF: types of its own, btf is own's */
	kt_types_module_open_fn *open;  /* how to make own; NULL once tried */
	kt_types_module_open_fn *opener; /* the same, kept for kt_types_module_reopen */
	void *open_arg;
	struct kt_error *unreadable;  /* why there are no types, then */
};

struct kt_types {
	struct btf *btf;
	struct kt_btf_names *names;     /* btf's types by name, made on the first lookup */
	kt_types_supply_fn *supply_fn;  /* grows btf before vmlinux lookups (types_dwarf.c) */
	void *supply_arg;
	void (*supply_free)(void *arg); /* frees supply_arg with the types, if set */
	kt_types_names_fn *names_fn;    /* what supply_fn can make, for kt_types_for_each_name */
	kt_types_modules_fn *modules_fn;
	void *modules_arg;
	enum { MODULES_UNREAD, MODULES_READING, MODULES_READ } modules_state;
	struct kt_error *modules_err;  /* why module BTF could not be had at all */
	struct module_btf *mods;
	size_t n_mods;
	struct type_cache_entry cache[TYPE_CACHE_SIZE];
	struct member_cache_entry members[MEMBER_CACHE_SIZE];
};

/* Takes ownership of btf. */
static struct kt_error *types_wrap(struct btf *btf, struct kt_types **ret)
{
	struct kt_types *types = calloc(1, sizeof(*types));
	if (!types) {
		btf__free(btf);
		return &kt_enomem;
	}
	types->btf = btf;
	*ret = types;
	return NULL;
}

struct kt_error *kt_types_load_from_dump(struct kt_reader *reader, const struct kt_kallsyms *ks,
					 struct kt_types **ret)
{
	const struct kt_symbol *start = kt_kallsyms_by_name(ks, "__start_BTF");
	const struct kt_symbol *stop = kt_kallsyms_by_name(ks, "__stop_BTF");
	if (!start || !stop)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "the kernel has no BTF (__start_BTF/__stop_BTF absent: built "
				       "without CONFIG_DEBUG_INFO_BTF); give the debug vmlinux");
	uint64_t size = stop->address - start->address;
	if (stop->address <= start->address || size > BTF_MAX_SIZE)
		return kt_error_create(KT_ERROR_BAD_DATA, "kernel BTF: implausible size %llu",
				       (unsigned long long)size);
	_cleanup_free_ void *data = malloc(size);
	if (!data)
		return &kt_enomem;
	struct kt_read_range range = {.addr = start->address, .buf = data, .len = size};
	kt_read_parallel(reader, &range, 1);
	if (range.err)
		return kt_error_prefix(range.err, "reading the kernel's BTF");
	struct btf *btf = btf__new(data, (uint32_t)size);
	if (!btf)
		return kt_error_create(KT_ERROR_BAD_DATA, "the kernel's BTF does not parse: %s",
				       strerror(errno));
	return types_wrap(btf, ret);
}

struct kt_error *kt_types_load_from_file(const char *path, struct kt_types **ret)
{
	struct btf *btf = btf__parse_elf(path, NULL);
	if (!btf)
		return kt_error_create(KT_ERROR_NOT_FOUND, "%s: no usable .BTF section: %s", path,
				       strerror(errno));
	return types_wrap(btf, ret);
}

void kt_types_destroy(struct kt_types *types)
{
	if (!types)
		return;
	for (size_t i = 0; i < types->n_mods; i++) {
		if (types->mods[i].own)
			kt_types_destroy(types->mods[i].own);  // its btf is own's
		else
			btf__free(types->mods[i].btf);  // split BTF: before its base
		kt_btf_names_destroy(types->mods[i].names);
		free(types->mods[i].name);
		kt_error_destroy(types->mods[i].unreadable);
	}
	free(types->mods);
	kt_error_destroy(types->modules_err);
	kt_btf_names_destroy(types->names);
	btf__free(types->btf);
	if (types->supply_free)
		types->supply_free(types->supply_arg);
	for (size_t i = 0; i < TYPE_CACHE_SIZE; i++)
		free(types->cache[i].name);
	for (size_t i = 0; i < MEMBER_CACHE_SIZE; i++)
		free(types->members[i].key);
	free(types);
}

struct kt_error *kt_types_from_btf(struct btf *btf, struct kt_types **ret)
{
	return types_wrap(btf, ret);
}

void kt_types_set_supplier(struct kt_types *types, kt_types_supply_fn *fn, void *arg)
{
	types->supply_fn = fn;
	types->supply_arg = arg;
}

void kt_types_set_supplier_extra(struct kt_types *types, void (*free_fn)(void *arg),
				 kt_types_names_fn *names_fn)
{
	types->supply_free = free_fn;
	types->names_fn = names_fn;
}

const char *kt_types_provider(const struct kt_types *types, const struct btf *btf)
{
	if (btf == types->btf)
		return "vmlinux";
	for (size_t i = 0; i < types->n_mods; i++)
		if (types->mods[i].btf == btf)
			return types->mods[i].name;
	return NULL;
}

bool kt_types_provider_from_dwarf(const struct kt_types *types, const struct btf *btf)
{
	if (btf == types->btf)
		return types->supply_fn != NULL;  // only types made from DWARF are supplied
	for (size_t i = 0; i < types->n_mods; i++)
		if (types->mods[i].btf == btf)
			return types->mods[i].own != NULL;
	return false;
}

const struct btf *kt_types_btf(const struct kt_types *types)
{
	return types->btf;
}

void kt_types_set_module_source(struct kt_types *types, kt_types_modules_fn *fn, void *arg)
{
	types->modules_fn = fn;
	types->modules_arg = arg;
}

/*
 * A split BTF from bytes. libbpf 1.1 (Debian 12) declares btf__new_split but does not export it
 * (its symbol map gained it in 1.3); btf__parse_raw_split reads a file, so give it a memfd.
 */
static struct btf *split_btf_new(const void *data, uint32_t size, struct btf *base)
{
	int fd = memfd_create("ktriage-module-btf", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct btf *btf = NULL;
	const uint8_t *p = data;
	size_t left = size;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n, left -= (size_t)n;
	}
	if (!left) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		btf = btf__parse_raw_split(path, base);
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return btf;
}

/* A new entry for module name, or NULL without memory. */
static struct module_btf *module_new(struct kt_types *types, const char *name)
{
	struct module_btf *grown = realloc(types->mods, (types->n_mods + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	types->mods = grown;
	struct module_btf *m = &grown[types->n_mods];
	*m = (struct module_btf){.name = strdup(name)};
	return m->name ? m : NULL;
}

struct kt_error *kt_types_add_module_open(struct kt_types *types, const char *name,
					  kt_types_module_open_fn *open, void *arg)
{
	struct module_btf *m = module_new(types, name);
	if (!m)
		return &kt_enomem;
	m->open = m->opener = open;
	m->open_arg = arg;
	m->first = 1;
	types->n_mods++;
	return NULL;
}

struct kt_error *kt_types_add_module(struct kt_types *types, const char *name, const void *data,
				     uint32_t size, struct kt_error *unreadable)
{
	struct module_btf *m = module_new(types, name);
	if (!m) {
		kt_error_destroy(unreadable);
		return &kt_enomem;
	}
	m->unreadable = unreadable;
	m->first = btf__type_cnt(types->btf);
	if (data && !(m->btf = split_btf_new(data, size, types->btf))) {
		if (errno == ENOMEM) {
			free(m->name);
			return &kt_enomem;
		}
		m->unreadable = kt_error_create(KT_ERROR_BAD_DATA, "its BTF does not parse: %s",
						strerror(errno));
	}
	if (!m->btf && !m->unreadable)
		m->unreadable = kt_error_create(KT_ERROR_BAD_DATA, "no BTF data");
	types->n_mods++;
	return NULL;
}

/* Reads module BTF once; a failure is remembered for the messages of later misses. */
static void load_modules(struct kt_types *types)
{
	if (types->modules_state != MODULES_UNREAD)
		return;
	types->modules_state = MODULES_READ;
	if (!types->modules_fn)
		return;  // a program without a dump: vmlinux alone
	types->modules_state = MODULES_READING;
	types->modules_err = types->modules_fn(types, types->modules_arg);
	types->modules_state = MODULES_READ;
}

static const struct btf *btf_at(const struct kt_types *types, uint32_t where)
{
	return where ? types->mods[where - 1].btf : types->btf;
}

/* The name index of vmlinux's BTF (where 0) or of modules[where - 1]'s, made on first use; NULL
 * for types made from DWARF (a supplier converts what a name needs as it is asked for: they are
 * few and scanned) and without memory (then lookups scan). */
static struct kt_btf_names *names_at(struct kt_types *types, uint32_t where)
{
	if (!where) {
		if (!types->names && !types->supply_fn)
			types->names = kt_btf_names_create(types->btf, 1, NULL);
		return types->supply_fn ? NULL : types->names;
	}
	struct module_btf *m = &types->mods[where - 1];
	if (!m->names && m->btf && !m->own)
		m->names = kt_btf_names_create(m->btf, m->first, names_at(types, 0));
	return m->own ? NULL : m->names;
}

int32_t kt_types_find_by_name_kind(struct kt_types *types, const char *name, int kind)
{
	return kt_btf_find_by_name_kind(types->btf, names_at(types, 0), name, kind);
}

/* Makes a DWARF module's types on the first lookup that reaches it; only running out of memory
 * is an error (then the next lookup tries again). */
static struct kt_error *module_open(struct module_btf *m)
{
	kt_types_module_open_fn *open = m->open;
	if (!open)
		return NULL;
	// Opening reads the module's struct module through the kernel's types: a lookup made
	// meanwhile passes this module by.
	m->open = NULL;
	struct kt_types *own = NULL;
	struct kt_error *err = open(m->name, m->open_arg, &own);
	if (err == &kt_enomem) {
		m->open = open;
		return err;
	}
	if (err) {
		m->unreadable = err;
		return NULL;
	}
	m->own = own;
	m->btf = own->btf;
	return NULL;
}

void kt_types_module_reopen(struct kt_types *types, const char *name)
{
	for (size_t i = 0; i < types->n_mods; i++) {
		struct module_btf *m = &types->mods[i];
		if (strcmp(m->name, name) || m->btf || m->open || !m->opener)
			continue;
		kt_error_destroy(m->unreadable);
		m->unreadable = NULL;
		m->open = m->opener;
		// The misses remembered may now be found; a slot emptied only costs a search again.
		for (size_t j = 0; j < TYPE_CACHE_SIZE; j++) {
			struct type_cache_entry *e = &types->cache[j];
			if (e->name && e->id < 0) {
				free(e->name);
				e->name = NULL;
			}
		}
	}
}

/* Lets a module's own types (from DWARF) make what name needs before it is looked for. */
static struct kt_error *module_supply(struct module_btf *m, char tag, const char *name)
{
	if (!m->own || !m->own->supply_fn)
		return NULL;
	struct kt_error *err = m->own->supply_fn(tag, name, m->own->supply_arg);
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);  // what could be converted stands; the search says what is missing
	return NULL;
}

/* Looks name up in one BTF, in its own types from id first on (names: their index, or NULL);
 * NOT_FOUND lets the search go on. */
typedef struct kt_error *btf_finder(const struct btf *btf, struct kt_btf_names *names,
				    uint32_t first, const char *name, int32_t *ret);

/* Like btf__find_by_name_kind, but only ids from first on: a module's own types. */
static int32_t find_kind(const struct btf *btf, struct kt_btf_names *names, uint32_t first,
			 const char *name, int kind)
{
	if (names)
		return kt_btf_names_find(names, name, kind);
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_kind(t) != kind)
			continue;
		const char *s = btf__name_by_offset(btf, t->name_off);
		if (s && !strcmp(s, name))
			return (int32_t)id;
	}
	return -1;
}

/* struct/union/typedef NAME, with typedefs and qualifiers resolved (kt_types_size, _member). */
static struct kt_error *find_layout(const struct btf *btf, struct kt_btf_names *names,
				    uint32_t first, const char *name, int32_t *ret)
{
	static const int kinds[] = {BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF};
	for (size_t i = 0; i < KT_ARRAY_SIZE(kinds); i++) {
		int32_t id = find_kind(btf, names, first, name, kinds[i]);
		if (id > 0) {
			int resolved = btf__resolve_type(btf, (uint32_t)id);
			if (resolved < 0)
				break;
			*ret = resolved;
			return NULL;
		}
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "no type '%s'", name);
}

/* A C type expression (kt_types_lookup); a module's BTF also answers for vmlinux's types. */
static struct kt_error *find_expression(const struct btf *btf, struct kt_btf_names *names,
					uint32_t first, const char *name, int32_t *ret)
{
	(void)first;
	uint32_t id;
	struct kt_error *err = kt_type_parse(btf, names, name, &id);
	if (!err)
		*ret = (int32_t)id;
	return err;
}

static struct kt_error *find_function(const struct btf *btf, struct kt_btf_names *names,
				      uint32_t first, const char *name, int32_t *ret)
{
	int32_t id = find_kind(btf, names, first, name, BTF_KIND_FUNC);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	const struct btf_type *proto = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!proto || !btf_is_func_proto(proto))
		return kt_error_create(KT_ERROR_NOT_FOUND, "no function '%s'", name);
	*ret = (int32_t)t->type;
	return NULL;
}

/* The type of global name (a BTF VAR: vmlinux's per-CPU variables, every global made from DWARF). */
static struct kt_error *find_variable(const struct btf *btf, struct kt_btf_names *names,
				      uint32_t first, const char *name, int32_t *ret)
{
	int32_t id = find_kind(btf, names, first, name, BTF_KIND_VAR);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	if (!t)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no variable '%s'", name);
	*ret = (int32_t)t->type;
	return NULL;
}

/* "kvm_amd:struct vcpu_svm" or "struct kvm_amd:vcpu_svm": module "kvm_amd", rest "struct
 * vcpu_svm". Module names are spelled with '_' in the kernel's list; accept '-' as modprobe does. */
static struct kt_error *split_module(const char *expr, char module[MODULE_QUALIFIER_MAX],
				     char **rest)
{
	const char *colon = strchr(expr, ':');
	module[0] = '\0';
	if (!colon) {
		*rest = strdup(expr);
		return *rest ? NULL : &kt_enomem;
	}
	const char *start = colon;
	while (start > expr && (isalnum((unsigned char)start[-1]) || start[-1] == '_' ||
				start[-1] == '-'))
		start--;
	size_t len = (size_t)(colon - start);
	if (!len || len >= MODULE_QUALIFIER_MAX || strchr(colon + 1, ':'))
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "'%s': a module qualifier is MODULE:NAME (kvm_amd:vcpu_svm)", expr);
	for (size_t i = 0; i < len; i++)
		module[i] = start[i] == '-' ? '_' : start[i];
	module[len] = '\0';
	if (asprintf(rest, "%.*s%s", (int)(start - expr), expr, colon + 1) < 0)
		return &kt_enomem;
	return NULL;
}

/* Where a module's types come from, for messages. */
static const char *module_source(const struct module_btf *m)
{
	return m->own ? "DWARF" : m->btf ? "BTF" : m->open ? "not opened" : "no types";
}

/* What a search that found nothing looked through: every module, where its types come from,
 * and why those without any have none. */
static struct kt_error *not_found(const struct kt_types *types, const char *what, const char *name,
				  const char *module)
{
	struct kt_strbuf sb = {0};
	const struct module_btf *only = NULL;
	for (size_t i = 0; *module && i < types->n_mods && !only; i++)
		if (!strcmp(types->mods[i].name, module))
			only = &types->mods[i];
	if (!strcmp(module, "vmlinux"))
		kt_strbuf_printf(&sb, "no %s '%s' in the kernel's own types", what, name);
	else if (only && !only->btf)
		kt_strbuf_printf(&sb, "no %s '%s': module %s has no types: %s", what, name, module,
				 only->unreadable ? kt_error_message(only->unreadable) : "not read");
	else if (only)
		kt_strbuf_printf(&sb, "no %s '%s' in module %s's %s", what, name, module,
				 only->own ? "types (from its DWARF)" : "BTF");
	else if (*module)
		kt_strbuf_printf(&sb, "no %s '%s': no module '%s' in the dump", what, name, module);
	else if (!types->n_mods)
		kt_strbuf_printf(&sb, "no %s '%s' in the kernel's types, and no module to search",
				 what, name);
	else
		kt_strbuf_printf(&sb, "no %s '%s' in the kernel's types nor in those of its %zu "
				 "module%s", what, name, types->n_mods, types->n_mods == 1 ? "" : "s");
	if (!only && strcmp(module, "vmlinux") && types->n_mods) {
		kt_strbuf_printf(&sb, *module ? " (modules: " : " (searched vmlinux, ");
		for (size_t i = 0; i < types->n_mods && i < MODULES_NAMED_MAX; i++)
			kt_strbuf_printf(&sb, "%s%s (%s)", i ? ", " : "", types->mods[i].name,
					 module_source(&types->mods[i]));
		kt_strbuf_printf(&sb, "%s)", types->n_mods > MODULES_NAMED_MAX ? ", ..." : "");
		size_t told = 0;
		for (size_t i = 0; !*module && i < types->n_mods && told < MODULES_NAMED_MAX; i++) {
			const struct module_btf *m = &types->mods[i];
			if (m->btf || !m->unreadable)
				continue;
			const char *why = kt_error_message(m->unreadable);
			size_t len = strlen(m->name);
			// "module NAME: ..." from the debug file search already names it.
			bool named = !strncmp(why, "module ", 7) && !strncmp(why + 7, m->name, len) &&
				     why[7 + len] == ':';
			kt_strbuf_printf(&sb, "%s%s%s%s", told++ ? "; " : "; without types: ",
					 named ? "" : m->name, named ? "" : ": ", why);
		}
	}
	if (types->modules_err && strcmp(module, "vmlinux"))
		kt_strbuf_printf(&sb, "; modules: %s", kt_error_message(types->modules_err));
	char *msg = kt_strbuf_finish(&sb);
	if (!msg)
		return &kt_enomem;
	struct kt_error *err = kt_error_create(KT_ERROR_NOT_FOUND, "%s", msg);
	free(msg);
	return err;
}

/* vmlinux first, then every module in list order; or the one BTF a qualifier names. */
static struct kt_error *search(struct kt_types *types, char tag, const char *expr,
			       const char *what, btf_finder *find, uint32_t *where_ret, int32_t *id_ret)
{
	char module[MODULE_QUALIFIER_MAX];
	_cleanup_free_ char *name = NULL;
	struct kt_error *err = split_module(expr, module, &name);
	if (err)
		return err;
	if (!*module || !strcmp(module, "vmlinux")) {
		if (types->supply_fn && (err = types->supply_fn(tag, name, types->supply_arg)))
			return err;
		if (!(err = find(types->btf, names_at(types, 0), 1, name, id_ret))) {
			*where_ret = 0;
			return NULL;
		}
		if (kt_error_code(err) != KT_ERROR_NOT_FOUND)
			return err;
		kt_error_destroy(err);
	}
	if (strcmp(module, "vmlinux"))
		load_modules(types);
	for (size_t i = 0; i < types->n_mods && strcmp(module, "vmlinux"); i++) {
		struct module_btf *m = &types->mods[i];
		if (*module && strcmp(m->name, module))
			continue;
		if ((err = module_open(m)) || (err = module_supply(m, tag, name)))
			return err;
		if (!m->btf)
			continue;
		if (!(err = find(m->btf, names_at(types, (uint32_t)i + 1), m->first, name, id_ret))) {
			*where_ret = (uint32_t)i + 1;
			return NULL;
		}
		if (kt_error_code(err) != KT_ERROR_NOT_FOUND)
			return err;
		kt_error_destroy(err);
	}
	return not_found(types, what, name, module);
}

static struct kt_error *search_cached(struct kt_types *types, char tag, const char *expr,
				      btf_finder *find, struct kt_type_ref *ret)
{
	const char *what = tag == 'F' ? "function" : tag == 'V' ? "variable" : "type";
	uint32_t where = 0;
	int32_t id = -1;
	size_t slot = (kt_hash_string(expr) + (size_t)tag) & (TYPE_CACHE_SIZE - 1);
	struct type_cache_entry *e = NULL;
	for (size_t probe = 0; probe < 8; probe++, slot = (slot + 1) & (TYPE_CACHE_SIZE - 1)) {
		e = &types->cache[slot];
		if (!e->name || (e->tag == tag && !strcmp(e->name, expr)))
			break;
		e = NULL;  // a crowded neighbourhood: just look
	}
	if (e && e->name) {
		if (e->id >= 0) {
			*ret = (struct kt_type_ref){btf_at(types, e->where), e->id};
			return NULL;
		}
		char module[MODULE_QUALIFIER_MAX];
		_cleanup_free_ char *name = NULL;
		struct kt_error *err = split_module(expr, module, &name);
		return err ? err : not_found(types, what, name, module);  // the miss, remembered
	}
	struct kt_error *err = search(types, tag, expr, what, find, &where, &id);
	if (err && kt_error_code(err) != KT_ERROR_NOT_FOUND)
		return err;
	// While module BTF is being read, a miss only means vmlinux lacks it: not an answer.
	if (e && types->modules_state != MODULES_READING && (e->name = strdup(expr))) {
		e->tag = tag;
		e->where = where;
		e->id = err ? -1 : id;
	}
	if (!err)
		*ret = (struct kt_type_ref){btf_at(types, where), id};
	return err;
}

static struct kt_error *find_type(struct kt_types *types, const char *name, struct kt_type_ref *ret)
{
	return search_cached(types, 'T', name, find_layout, ret);
}

struct kt_error *kt_types_lookup(struct kt_types *types, const char *name,
				 struct kt_type_ref *ret)
{
	return search_cached(types, 'L', name, find_expression, ret);
}

struct kt_error *kt_types_function(struct kt_types *types, const char *name,
				   struct kt_type_ref *proto_ret)
{
	return search_cached(types, 'F', name, find_function, proto_ret);
}

struct kt_error *kt_types_variable(struct kt_types *types, const char *name,
				   struct kt_type_ref *type_ret)
{
	return search_cached(types, 'V', name, find_variable, type_ret);
}

struct kt_error *kt_types_size(struct kt_types *types, const char *name, uint64_t *ret)
{
	struct kt_type_ref ref;
	struct kt_error *err = find_type(types, name, &ref);
	if (err)
		return err;
	int64_t size = btf__resolve_size(ref.btf, (uint32_t)ref.id);
	if (size < 0)
		return kt_error_create(KT_ERROR_BAD_DATA, "BTF: no size for '%s'", name);
	*ret = (uint64_t)size;
	return NULL;
}

/* Anonymous members searched for one name: a kernel struct nests a few dozen; BTF whose
 * anonymous members name the same struct again and again would be searched exponentially often
 * within the depth limit. */
enum { FIND_MEMBER_VISITS_MAX = 4096 };

/* Finds member name in composite type id, descending into anonymous members (*visits counts the
 * types searched, against FIND_MEMBER_VISITS_MAX). */
static bool find_member(const struct btf *btf, uint32_t id, const char *name, size_t name_len,
			int depth, unsigned int *visits, uint64_t *bit_off, uint32_t *member_type,
			uint32_t *bitfield)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t || depth > TYPE_DEPTH_MAX || ++*visits > FIND_MEMBER_VISITS_MAX ||
	    (!btf_is_struct(t) && !btf_is_union(t)))
		return false;
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		uint32_t off = btf_member_bit_offset(t, i);
		if (mname && *mname) {
			if (strlen(mname) == name_len && !memcmp(mname, name, name_len)) {
				*bit_off += off;
				*member_type = m->type;
				*bitfield = btf_member_bitfield_size(t, i);
				return true;
			}
			continue;
		}
		int inner = btf__resolve_type(btf, m->type);
		uint64_t sub = 0;
		if (inner > 0 && find_member(btf, (uint32_t)inner, name, name_len, depth + 1, visits,
					     &sub, member_type, bitfield)) {
			*bit_off += off + sub;
			return true;
		}
	}
	return false;
}

static struct kt_error *member_uncached(struct kt_types *types, const char *name, const char *path,
				       struct kt_member_info *ret);

struct kt_error *kt_types_member(struct kt_types *types, const char *name, const char *path,
				 struct kt_member_info *ret)
{
	char key[256];
	size_t nlen = strlen(name), plen = strlen(path);
	if (nlen + plen + 2 > sizeof(key))
		return member_uncached(types, name, path, ret);
	memcpy(key, name, nlen + 1);
	memcpy(key + nlen + 1, path, plen + 1);
	size_t klen = nlen + plen + 2;
	uint64_t h = kt_hash_string(name) * 31 + kt_hash_string(path);
	size_t slot = h & (MEMBER_CACHE_SIZE - 1);
	for (size_t probe = 0; probe < 8; probe++, slot = (slot + 1) & (MEMBER_CACHE_SIZE - 1)) {
		struct member_cache_entry *e = &types->members[slot];
		if (e->key && e->key_len == klen && !memcmp(e->key, key, klen)) {
			if (!e->found)
				return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no member '%s'", name, path);
			*ret = e->info;
			return NULL;
		}
		if (!e->key) {
			struct kt_error *err = member_uncached(types, name, path, ret);
			if ((!err || err->code == KT_ERROR_NOT_FOUND) && (e->key = malloc(klen))) {
				memcpy(e->key, key, klen);
				e->key_len = klen;
				e->found = !err;
				if (!err)
					e->info = *ret;
			}
			return err;
		}
	}
	return member_uncached(types, name, path, ret);
}

static struct kt_error *member_uncached(struct kt_types *types, const char *name, const char *path,
				       struct kt_member_info *ret)
{
	struct kt_type_ref ref;
	struct kt_error *err = find_type(types, name, &ref);
	if (err)
		return err;
	const struct btf *btf = ref.btf;  // a module's type is walked in the module's BTF
	uint64_t bits = 0;
	uint32_t type = (uint32_t)ref.id, bitfield = 0;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ".[");
		if (!len)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad member path '%s'", path);
		int resolved = btf__resolve_type(btf, type);
		unsigned int visits = 0;
		if (resolved < 0 ||
		    !find_member(btf, (uint32_t)resolved, p, len, 0, &visits, &bits, &type, &bitfield))
			return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no member '%.*s' (in '%s')", name,
					       (int)len, p, path);
		p += len;
		while (*p == '[') {  // array subscripts: [N]
			char *end;
			unsigned long idx = strtoul(p + 1, &end, 10);
			resolved = btf__resolve_type(btf, type);
			const struct btf_type *t = resolved > 0 ? btf__type_by_id(btf, (uint32_t)resolved) : NULL;
			if (*end != ']' || !t || !btf_is_array(t))
				return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
						       "'%s': subscript of something that is not an array", path);
			const struct btf_array *arr = btf_array(t);
			int64_t esize = btf__resolve_size(btf, arr->type);
			if (esize < 0 || (arr->nelems && idx >= arr->nelems))
				return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': index %lu out of range",
						       path, idx);
			bits += (uint64_t)idx * (uint64_t)esize * 8;
			type = arr->type;
			p = end + 1;
		}
		if (*p == '.')
			p++;
	}
	int64_t size = btf__resolve_size(btf, type);
	*ret = (struct kt_member_info){
		.offset = bits / 8,
		.size = size > 0 ? (uint64_t)size : 0,
		.bit_offset = (uint32_t)(bits % 8),
		.bit_size = bitfield,
	};
	return NULL;
}

bool kt_types_has_member(struct kt_types *types, const char *name, const char *member)
{
	struct kt_member_info info;
	struct kt_error *err = kt_types_member(types, name, member, &info);
	bool found = !err;
	kt_error_destroy(err);
	return found;
}

void kt_types_for_each_name(struct kt_types *types, kt_type_name_fn *fn, void *arg)
{
	load_modules(types);
	for (size_t m = 0; m <= types->n_mods; m++) {
		const struct btf *btf = btf_at(types, (uint32_t)m);
		const struct kt_types *own = m ? types->mods[m - 1].own : types;
		if (own && own->names_fn) {  // the DWARF index names all it can make, converted or not
			if (!own->names_fn(own->supply_arg, fn, arg))
				return;
			continue;
		}
		if (!btf)
			continue;
		// A split BTF lists its base's types too: only its own are the module's.
		uint32_t first = m ? types->mods[m - 1].first : 1, n = btf__type_cnt(btf);
		for (uint32_t id = first; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			const char *name = t && t->name_off ? btf__name_by_offset(btf, t->name_off) : NULL;
			if (!name || !*name)
				continue;
			const char *kind = btf_is_struct(t) ? "struct" : btf_is_union(t) ? "union" :
					   btf_is_typedef(t) ? "typedef" : NULL;
			if (kind && !fn(name, kind, arg))
				return;
		}
	}
}
