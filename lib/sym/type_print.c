// SPDX-License-Identifier: MIT
/*
 * Values of kernel types read from the dump, as crash's `struct` and `p` show them: a tree of
 * values (struct kt_value) with members by name, arrays capped and runs of equal elements
 * counted, pointers named by kallsyms, char arrays as strings, enums by name, bitfields
 * (lib/report/value_render.c writes it). The object is read a page at a time as members need it,
 * so an unreadable page costs only the members on it: they are KT_VALUE_UNREADABLE, with why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "sym/type_read.h"

enum {
	ARRAY_MAX_DEFAULT = 32,
	REPEAT_MIN = 10,          /* gdb's threshold for "<repeats N times>" */
	REPEAT_SCAN_MAX = 65536,  /* elements compared while looking for repeats */
	NODES_MAX = 50000,        /* values in a print-out; more is not read by anyone */
};
/* Bigger than any kernel object: a wrong type or a typo in the request. */
static const uint64_t OBJECT_MAX = 256ull << 20;

struct printer {
	struct kt_value_reader rd;
	const struct btf *btf;
	const struct kt_print_options *opts;
	unsigned int array_max;
	uint64_t origin;      /* the object's address: offsets are from here */
	size_t nodes;
	bool truncated;
	bool failed;          /* out of memory */
};

static bool over_budget(struct printer *pr)
{
	if (!pr->truncated && pr->nodes > NODES_MAX)
		pr->truncated = true;
	return pr->truncated || pr->failed;
}

static char *dup_bytes(const void *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static void scalar_value(struct printer *pr, const struct kt_scalar *sc, struct kt_value *v)
{
	if (sc->error) {
		v->kind = KT_VALUE_UNREADABLE;
		if (!(v->error = strdup(sc->error)))
			pr->failed = true;
		return;
	}
	static const enum kt_value_kind kinds[] = {
		[KT_SC_INT] = KT_VALUE_INT, [KT_SC_BOOL] = KT_VALUE_BOOL, [KT_SC_ENUM] = KT_VALUE_ENUM,
		[KT_SC_PTR] = KT_VALUE_POINTER, [KT_SC_FLOAT] = KT_VALUE_FLOAT,
		[KT_SC_WIDE] = KT_VALUE_WIDE, [KT_SC_NONE] = KT_VALUE_NONE,
	};
	v->kind = kinds[sc->kind];
	v->hex = pr->opts->hex;
	v->is_signed = sc->is_signed;
	v->is_char = sc->is_char;
	v->width = sc->width;
	v->u = sc->u;
	v->hi = sc->hi;
	v->f = sc->f;
	if (sc->enumerator && !(v->enumerator = strdup(sc->enumerator)))
		pr->failed = true;
	if (sc->symbol[0] && !(v->symbol = strdup(sc->symbol)))
		pr->failed = true;
	if (sc->string) {
		if (!(v->string = dup_bytes(sc->string, sc->string_len)))
			pr->failed = true;
		v->string_len = sc->string_len;
		v->string_cut = sc->string_cut;
	}
}

static void value_fill(struct printer *pr, struct kt_value *v, const char *name, uint32_t id,
		       uint64_t addr, uint32_t bit_off, uint32_t bit_size, int depth);

/* Room for n more children of v; false (and pr->failed) when out of memory. */
static struct kt_value *child_add(struct printer *pr, struct kt_value *v, size_t *cap)
{
	if (v->n_children == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct kt_value *c = realloc(v->children, ncap * sizeof(*c));
		if (!c) {
			pr->failed = true;
			return NULL;
		}
		v->children = c;
		*cap = ncap;
	}
	struct kt_value *c = &v->children[v->n_children++];
	*c = (struct kt_value){0};
	return c;
}

static void composite_fill(struct printer *pr, const struct btf_type *t, uint64_t addr,
			   int depth, struct kt_value *v)
{
	const struct btf_member *m = btf_members(t);
	size_t cap = 0;
	v->kind = KT_VALUE_STRUCT;
	v->length = btf_vlen(t);
	for (uint16_t i = 0; i < btf_vlen(t) && !over_budget(pr); i++, m++) {
		const char *name = btf__name_by_offset(pr->btf, m->name_off);
		uint32_t bits = btf_member_bit_offset(t, i);
		struct kt_value *c = child_add(pr, v, &cap);
		if (c)
			value_fill(pr, c, name ? name : "", m->type, addr + bits / 8, bits % 8,
				   btf_member_bitfield_size(t, i), depth + 1);
	}
}

static void array_fill(struct printer *pr, const struct btf_type *t, uint64_t addr, int depth,
		       struct kt_value *v)
{
	const struct btf_array *arr = btf_array(t);
	int64_t esize = btf__resolve_size(pr->btf, arr->type);
	uint32_t n = esize > 0 ? arr->nelems : 0;
	if (n && kt_type_is_char(pr->btf, arr->type)) {
		uint8_t *s;
		size_t len;
		bool cut;
		v->kind = KT_VALUE_CHARS;
		const char *why = kt_type_read_chars(&pr->rd, addr, n, &s, &len, &cut);
		if (why) {
			if (!(v->error = strdup(why)))
				pr->failed = true;
			return;
		}
		v->string = (char *)s;
		v->string_len = len;
		v->string_cut = cut;
		return;
	}
	const struct btf_type *et = btf__type_by_id(pr->btf, kt_type_strip(pr->btf, arr->type));
	bool nested = et && (btf_is_composite(et) || btf_is_array(et));
	uint32_t shown = 0, i = 0;
	size_t cap = 0;
	v->kind = KT_VALUE_ARRAY;
	v->length = n;
	v->array_max = pr->array_max;
	v->nested = nested;
	while (i < n && shown < pr->array_max && !over_budget(pr)) {
		uint64_t at = addr + (uint64_t)i * (uint64_t)esize;
		uint32_t run = 1;
		// Runs of equal elements print once, as gdb's "<repeats N times>".
		uint8_t first[16], next[16];
		size_t len = (size_t)esize;
		if (!nested && len <= sizeof(first) && !kt_type_view_read(&pr->rd.view, at, len, first)) {
			while (i + run < n && run < REPEAT_SCAN_MAX &&
			       !kt_type_view_read(&pr->rd.view, at + (uint64_t)run * len, len, next) &&
			       !memcmp(first, next, len))
				run++;
		}
		if (run < REPEAT_MIN)
			run = 1;
		struct kt_value *c = child_add(pr, v, &cap);
		if (!c)
			break;
		char name[24];
		snprintf(name, sizeof(name), "[%u]", i);
		value_fill(pr, c, name, arr->type, at, 0, 0, depth + 1);
		c->repeats = run;
		i += run, shown++;
	}
	v->text_more = n - i;
	v->omitted = n > pr->array_max ? n - pr->array_max : 0;
}

static void value_fill(struct printer *pr, struct kt_value *v, const char *name, uint32_t id,
		       uint64_t addr, uint32_t bit_off, uint32_t bit_size, int depth)
{
	pr->nodes++;
	int64_t size = btf__resolve_size(pr->btf, id);
	v->repeats = 1;
	if ((name && !(v->name = strdup(name))) || !(v->type = kt_type_name_dup(pr->btf, id)))
		pr->failed = true;
	v->address = addr;
	v->offset = addr - pr->origin;
	v->size = size < 0 ? 0 : (uint64_t)size;
	v->bit_offset = bit_size ? bit_off : 0;
	v->bit_size = bit_size;
	const struct btf_type *t = btf__type_by_id(pr->btf, kt_type_strip(pr->btf, id));
	if (depth > KT_TYPE_NEST_MAX) {
		v->kind = KT_VALUE_TOO_DEEP;
	} else if (t && !bit_size && btf_is_composite(t)) {
		composite_fill(pr, t, addr, depth, v);
	} else if (t && !bit_size && btf_is_array(t)) {
		array_fill(pr, t, addr, depth, v);
	} else {
		struct kt_scalar sc;
		kt_scalar_read(&pr->rd, id, addr, bit_off, bit_size, &sc);
		scalar_value(pr, &sc, v);
		free(sc.string);
	}
}

static void value_deinit(struct kt_value *v)
{
	for (size_t i = 0; i < v->n_children; i++)
		value_deinit(&v->children[i]);
	free(v->children);
	free(v->name);
	free(v->type);
	free(v->enumerator);
	free(v->symbol);
	free(v->string);
	free(v->error);
	free(v->declaration);
	kt_value_destroy(v->target);
	free(v->target_error);
}

void kt_value_destroy(struct kt_value *value)
{
	if (value) {
		value_deinit(value);
		free(value);
	}
}

/* One member path of the request, resolved. */
struct target {
	char *path;
	struct kt_type_place place;
};

static void targets_free(struct target *targets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(targets[i].path);
	free(targets);
}

/* Splits "comm, pid,se.on_rq" and resolves each path against the request's type. */
static struct kt_error *parse_members(const struct btf *btf, const struct kt_print_request *req,
				      struct target **ret, size_t *count_ret)
{
	size_t cap = 1;
	for (const char *p = req->members; *p; p++)
		cap += *p == ',';
	struct target *targets = calloc(cap, sizeof(*targets));
	if (!targets)
		return &kt_enomem;
	size_t n = 0;
	for (const char *p = req->members; *p;) {
		p += strspn(p, " \t");
		size_t len = strcspn(p, ",");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		struct kt_error *err = NULL;
		if (!len)
			err = kt_error_create(KT_ERROR_INVALID_ARGUMENT, "empty member in '%s'",
					      req->members);
		else if (!(targets[n].path = strndup(p, len)))
			err = &kt_enomem;
		else
			err = kt_type_path(btf, req->type, targets[n].path, &targets[n].place);
		if (targets[n].path)
			n++;
		if (err) {
			targets_free(targets, n);
			return err;
		}
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	*ret = targets;
	*count_ret = n;
	return NULL;
}

static struct kt_error *printer_init(struct printer *pr, const struct btf *btf,
				     struct kt_reader *reader, const struct kt_kallsyms *ks,
				     const struct kt_print_request *req,
				     const struct kt_print_options *opts)
{
	int64_t size = btf__resolve_size(btf, req->type);
	if (size < 0)
		return kt_error_create(KT_ERROR_BAD_DATA, "BTF: type %u has no size", req->type);
	if ((uint64_t)size > OBJECT_MAX)
		return kt_error_create(KT_ERROR_LIMIT, "an object of %lld bytes is too big to print",
				       (long long)size);
	// A few bytes of slack: a bitfield reached by a path may end past its declared type.
	uint64_t span = (uint64_t)size + 16;
	if (req->address + span < req->address)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "0x%llx: the object would wrap around the address space",
				       (unsigned long long)req->address);
	const struct kt_symbol *end = ks ? kt_kallsyms_by_name(ks, "_end") : NULL;
	*pr = (struct printer){
		.rd = {.btf = btf, .ks = ks, .kernel_end = end ? end->address : 0},
		.btf = btf,
		.opts = opts,
		.array_max = opts->array_max ? opts->array_max : ARRAY_MAX_DEFAULT,
		.origin = req->address,
	};
	return kt_type_view_init(&pr->rd.view, reader, req->address, span);
}

/* An object of which not even the first wanted byte can be read is an error, not a print-out. */
static struct kt_error *check_readable(struct printer *pr, uint64_t addr)
{
	uint8_t byte;
	const char *why = kt_type_view_read(&pr->rd.view, addr, 1, &byte);
	if (!why)
		return NULL;
	if (kt_type_view_nomem(why))
		return &kt_enomem;
	struct kt_error *err = kt_read(pr->rd.view.reader, addr, &byte, 1);  // names addr itself
	return err ? err : kt_error_fault(addr, "0x%llx: %s", (unsigned long long)addr, why);
}

static struct kt_error *setup(struct printer *pr, const struct btf *btf, struct kt_reader *reader,
			      const struct kt_kallsyms *ks, const struct kt_print_request *req,
			      const struct kt_print_options *opts, struct target **targets,
			      size_t *n)
{
	*targets = NULL;
	*n = 0;
	struct kt_error *err = NULL;
	if (req->members && (err = parse_members(btf, req, targets, n)))
		return err;
	if ((err = printer_init(pr, btf, reader, ks, req, opts))) {
		targets_free(*targets, *n);
		return err;
	}
	uint64_t first = req->address + (*n ? (*targets)[0].place.bit_offset / 8 : 0);
	if ((err = check_readable(pr, first))) {
		kt_type_view_deinit(&pr->rd.view);
		targets_free(*targets, *n);
	}
	return err;
}

/* struct -p: pointer member c (of type id) with its declaration and, for a pointer to a struct
 * or union, the object it points to, read as an object of its own. */
static void follow_pointer(const struct btf *btf, struct kt_reader *reader,
			   const struct kt_kallsyms *ks, const struct kt_print_options *opts,
			   struct kt_value *c, uint32_t id, struct printer *pr)
{
	const struct btf_type *t = btf__type_by_id(btf, kt_type_strip(btf, id));
	if (c->kind != KT_VALUE_POINTER || !t || !btf_is_ptr(t))
		return;
	struct kt_strbuf sb = {0};
	kt_type_name(btf, id, c->name, &sb);
	if (!(c->declaration = kt_strbuf_finish(&sb))) {
		pr->failed = true;
		return;
	}
	uint32_t pointee = kt_type_strip(btf, t->type);
	const struct btf_type *pt = btf__type_by_id(btf, pointee);
	if (!c->u || !pt || !btf_is_composite(pt))
		return;
	struct kt_print_request sub = {.type = pointee, .address = c->u};
	struct kt_print_options once = *opts;
	once.deref = false;  // one level, as crash
	struct kt_error *err = kt_value_tree(btf, reader, ks, &sub, &once, &c->target);
	if (err == &kt_enomem) {
		pr->failed = true;
	} else if (err) {
		if (!(c->target_error = strdup(kt_error_message(err))))
			pr->failed = true;
		kt_error_destroy(err);
	}
}

static void follow_pointers(const struct btf *btf, struct kt_reader *reader,
			    const struct kt_kallsyms *ks, const struct kt_print_request *req,
			    const struct kt_print_options *opts, struct kt_value *top,
			    const struct target *targets, size_t n, struct printer *pr)
{
	if (top->kind == KT_VALUE_MEMBERS) {
		for (size_t i = 0; i < top->n_children && i < n && !pr->failed; i++)
			follow_pointer(btf, reader, ks, opts, &top->children[i], targets[i].place.type, pr);
		return;
	}
	const struct btf_type *t = btf__type_by_id(btf, kt_type_strip(btf, req->type));
	if (top->kind != KT_VALUE_STRUCT || !t || !btf_is_composite(t))
		return;
	const struct btf_member *m = btf_members(t);
	for (size_t i = 0; i < top->n_children && i < btf_vlen(t) && !pr->failed; i++)
		follow_pointer(btf, reader, ks, opts, &top->children[i], m[i].type, pr);
}

struct kt_error *kt_value_tree(const struct btf *btf, struct kt_reader *reader,
			       const struct kt_kallsyms *ks, const struct kt_print_request *req,
			       const struct kt_print_options *opts, struct kt_value **ret)
{
	struct printer pr;
	struct target *targets;
	size_t n;
	struct kt_error *err = setup(&pr, btf, reader, ks, req, opts, &targets, &n);
	if (err)
		return err;
	struct kt_value *top = calloc(1, sizeof(*top));
	if (!top) {
		pr.failed = true;
	} else if (!req->members) {
		value_fill(&pr, top, req->name, req->type, req->address, req->bit_offset,
			   req->bit_size, 0);
	} else {
		int64_t size = btf__resolve_size(btf, req->type);
		size_t cap = 0;
		*top = (struct kt_value){
			.kind = KT_VALUE_MEMBERS,
			.address = req->address,
			.size = size < 0 ? 0 : (uint64_t)size,
			.repeats = 1,
		};
		if ((req->name && !(top->name = strdup(req->name))) ||
		    !(top->type = kt_type_name_dup(btf, req->type)))
			pr.failed = true;
		for (size_t i = 0; i < n && !over_budget(&pr); i++) {
			const struct kt_type_place *pl = &targets[i].place;
			struct kt_value *c = child_add(&pr, top, &cap);
			if (c)
				value_fill(&pr, c, targets[i].path, pl->type,
					   req->address + pl->bit_offset / 8,
					   (uint32_t)(pl->bit_offset % 8), pl->bit_size, 1);
		}
	}
	if (top) {
		top->top = true;
		top->truncated = pr.truncated;
	}
	kt_type_view_deinit(&pr.rd.view);
	if (top && opts->deref && !pr.failed)
		follow_pointers(btf, reader, ks, req, opts, top, targets, n, &pr);
	targets_free(targets, n);
	if (pr.failed) {
		kt_value_destroy(top);
		return &kt_enomem;
	}
	*ret = top;
	return NULL;
}
