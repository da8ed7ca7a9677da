// SPDX-License-Identifier: MIT
/*
 * Values of kernel types read from the dump, as crash's `struct` and `p` print them: members by
 * name, nested structs indented, arrays capped, pointers named by kallsyms, char arrays as
 * strings, enums by name, bitfields. The object is read a page at a time as members need it, so
 * an unreadable page costs only the members on it: they print as <unreadable: reason>.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "sym/type_read.h"

enum {
	ARRAY_MAX_DEFAULT = 32,
	REPEAT_MIN = 10,          /* gdb's threshold for "<repeats N times>" */
	REPEAT_SCAN_MAX = 65536,  /* elements compared while looking for repeats */
	TEXT_MAX = 2 << 20,       /* bytes of text; more is not read by anyone */
	JSON_NODES_MAX = 50000,   /* values in a JSON print-out, likewise */
};
/* Bigger than any kernel object: a wrong type or a typo in the request. */
static const uint64_t OBJECT_MAX = 256ull << 20;

struct printer {
	struct kt_value_reader rd;
	const struct btf *btf;
	const struct kt_print_options *opts;
	unsigned int array_max;
	uint64_t origin;      /* the object's address: JSON offsets are from here */
	struct kt_strbuf sb;
	size_t nodes;
	bool truncated;
};

/* C escapes, as gdb prints strings: printable ASCII as is, other bytes as \ooo. */
static void escape_text(struct kt_strbuf *sb, const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			kt_strbuf_printf(sb, "\\%c", c);
		else if (c == '\n')
			kt_strbuf_printf(sb, "\\n");
		else if (c >= 0x20 && c < 0x7f)
			kt_strbuf_printf(sb, "%c", c);
		else
			kt_strbuf_printf(sb, "\\%03o", c);
	}
}

/* Bytes as a JSON string: bytes 0x80-0xff become U+0080-U+00FF, so the document stays UTF-8. */
static json_object *json_bytes(const uint8_t *s, size_t len)
{
	char *u = malloc(len * 2 + 1);
	if (!u)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x80) {
			u[n++] = (char)s[i];
		} else {
			u[n++] = (char)(0xc0 | s[i] >> 6);
			u[n++] = (char)(0x80 | (s[i] & 0x3f));
		}
	}
	json_object *o = json_object_new_string_len(u, (int)n);
	free(u);
	return o;
}

static void scalar_text(struct printer *pr, const struct kt_scalar *sc)
{
	struct kt_strbuf *sb = &pr->sb;
	bool hex = pr->opts->hex;
	if (sc->error) {
		kt_strbuf_printf(sb, "<unreadable: %s>", sc->error);
		return;
	}
	switch (sc->kind) {
	case KT_SC_BOOL:
		if (sc->u <= 1) {
			kt_strbuf_printf(sb, "%s", sc->u ? "true" : "false");
			break;
		}
		__attribute__((fallthrough));  // a bool that is neither is worth seeing as a number
	case KT_SC_INT:
		if (hex)
			kt_strbuf_printf(sb, "0x%llx", (unsigned long long)(sc->width < 64 ?
				sc->u & ((1ull << sc->width) - 1) : sc->u));
		else
			kt_strbuf_printf(sb, sc->is_signed ? "%lld" : "%llu", (long long)sc->u);
		if (sc->is_char) {
			uint8_t c = (uint8_t)sc->u;
			kt_strbuf_printf(sb, " '");
			escape_text(sb, &c, 1);
			kt_strbuf_printf(sb, "'");
		}
		break;
	case KT_SC_ENUM:
		if (sc->enumerator)
			kt_strbuf_printf(sb, "%s", sc->enumerator);
		else
			kt_strbuf_printf(sb, sc->is_signed ? "%lld" : "%llu", (long long)sc->u);
		break;
	case KT_SC_PTR:
		kt_strbuf_printf(sb, "0x%llx", (unsigned long long)sc->u);
		if (sc->symbol[0])
			kt_strbuf_printf(sb, " <%s>", sc->symbol);
		if (sc->string) {
			kt_strbuf_printf(sb, " \"");
			escape_text(sb, (const uint8_t *)sc->string, sc->string_len);
			kt_strbuf_printf(sb, "\"%s", sc->string_cut ? "..." : "");
		}
		break;
	case KT_SC_FLOAT:
		kt_strbuf_printf(sb, "%g", sc->f);
		break;
	case KT_SC_WIDE:
		kt_strbuf_printf(sb, "0x%016llx%016llx", (unsigned long long)sc->hi,
				 (unsigned long long)sc->u);
		break;
	case KT_SC_NONE:
		kt_strbuf_printf(sb, "<no value>");
		break;
	}
}

static void scalar_json(const struct kt_scalar *sc, json_object *o)
{
	json_object *v = NULL;
	char hex[48];
	if (sc->error) {
		json_object_object_add(o, "value", NULL);
		json_object_object_add(o, "error", json_object_new_string(sc->error));
		return;
	}
	switch (sc->kind) {
	case KT_SC_BOOL:
		v = sc->u <= 1 ? json_object_new_boolean(sc->u != 0) : json_object_new_uint64(sc->u);
		break;
	case KT_SC_INT:
	case KT_SC_ENUM:
		v = sc->is_signed ? json_object_new_int64((int64_t)sc->u) : json_object_new_uint64(sc->u);
		if (sc->enumerator)
			json_object_object_add(o, "enumerator", json_object_new_string(sc->enumerator));
		break;
	case KT_SC_PTR:
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)sc->u);
		v = json_object_new_string(hex);
		if (sc->symbol[0])
			json_object_object_add(o, "symbol", json_object_new_string(sc->symbol));
		if (sc->string)
			json_object_object_add(o, "string", json_bytes((const uint8_t *)sc->string,
								       sc->string_len));
		break;
	case KT_SC_FLOAT:
		v = json_object_new_double(sc->f);
		break;
	case KT_SC_WIDE:
		snprintf(hex, sizeof(hex), "0x%016llx%016llx", (unsigned long long)sc->hi,
			 (unsigned long long)sc->u);
		v = json_object_new_string(hex);
		break;
	case KT_SC_NONE:
		break;
	}
	json_object_object_add(o, "value", v);
}

static bool over_budget(struct printer *pr)
{
	if (!pr->truncated && (pr->sb.len > TEXT_MAX || pr->nodes > JSON_NODES_MAX))
		pr->truncated = true;
	return pr->truncated || pr->sb.failed;
}

static void value_text(struct printer *pr, uint32_t id, uint64_t addr, uint32_t bit_off,
		       uint32_t bit_size, int indent, int depth);

static void composite_text(struct printer *pr, const struct btf_type *t, uint64_t addr,
			   int indent, int depth)
{
	const struct btf_member *m = btf_members(t);
	kt_strbuf_printf(&pr->sb, "{\n");
	for (uint16_t i = 0; i < btf_vlen(t) && !over_budget(pr); i++, m++) {
		const char *name = btf__name_by_offset(pr->btf, m->name_off);
		uint32_t bits = btf_member_bit_offset(t, i);
		kt_strbuf_printf(&pr->sb, "%*s", indent + 2, "");
		if (name && *name)
			kt_strbuf_printf(&pr->sb, "%s = ", name);
		value_text(pr, m->type, addr + bits / 8, bits % 8, btf_member_bitfield_size(t, i),
			   indent + 2, depth + 1);
		kt_strbuf_printf(&pr->sb, "%s\n", i + 1 < btf_vlen(t) ? "," : "");
	}
	kt_strbuf_printf(&pr->sb, "%*s}", indent, "");
}

static void array_text(struct printer *pr, const struct btf_type *t, uint64_t addr, int indent,
		       int depth)
{
	const struct btf_array *arr = btf_array(t);
	int64_t esize = btf__resolve_size(pr->btf, arr->type);
	uint32_t n = esize > 0 ? arr->nelems : 0;
	if (n && kt_type_is_char(pr->btf, arr->type)) {
		uint8_t *s;
		size_t len;
		bool cut;
		const char *why = kt_type_read_chars(&pr->rd, addr, n, &s, &len, &cut);
		if (why) {
			kt_strbuf_printf(&pr->sb, "<unreadable: %s>", why);
			return;
		}
		kt_strbuf_printf(&pr->sb, "\"");
		escape_text(&pr->sb, s, len);
		kt_strbuf_printf(&pr->sb, "\"%s", cut ? "..." : "");
		free(s);
		return;
	}
	const struct btf_type *et = btf__type_by_id(pr->btf, kt_type_strip(pr->btf, arr->type));
	bool nested = et && (btf_is_composite(et) || btf_is_array(et));
	uint32_t shown = 0, i = 0;
	kt_strbuf_printf(&pr->sb, nested ? "{\n" : "{");
	while (i < n && shown < pr->array_max && !over_budget(pr)) {
		uint64_t at = addr + (uint64_t)i * (uint64_t)esize;
		if (nested) {
			kt_strbuf_printf(&pr->sb, "%*s[%u] = ", indent + 2, "", i);
			value_text(pr, arr->type, at, 0, 0, indent + 2, depth + 1);
			kt_strbuf_printf(&pr->sb, "%s\n", i + 1 < n ? "," : "");
			i++, shown++;
			continue;
		}
		// Runs of equal elements print once, as gdb's "<repeats N times>".
		uint8_t first[16], next[16];
		size_t len = (size_t)esize;
		uint32_t run = 1;
		if (len <= sizeof(first) && !kt_type_view_read(&pr->rd.view, at, len, first)) {
			while (i + run < n && run < REPEAT_SCAN_MAX &&
			       !kt_type_view_read(&pr->rd.view, at + (uint64_t)run * len, len, next) &&
			       !memcmp(first, next, len))
				run++;
		}
		if (shown)
			kt_strbuf_printf(&pr->sb, ", ");
		value_text(pr, arr->type, at, 0, 0, indent, depth + 1);
		if (run >= REPEAT_MIN)
			kt_strbuf_printf(&pr->sb, " <repeats %u times>", run);
		else
			run = 1;
		i += run, shown++;
	}
	if (i < n)
		kt_strbuf_printf(&pr->sb, nested ? "%*s... %u more\n" : "%*s, ... %u more",
				 nested ? indent + 2 : 0, "", n - i);
	if (nested)
		kt_strbuf_printf(&pr->sb, "%*s}", indent, "");
	else
		kt_strbuf_printf(&pr->sb, "}");
}

static void value_text(struct printer *pr, uint32_t id, uint64_t addr, uint32_t bit_off,
		       uint32_t bit_size, int indent, int depth)
{
	const struct btf_type *t = btf__type_by_id(pr->btf, kt_type_strip(pr->btf, id));
	if (depth > KT_TYPE_NEST_MAX) {
		kt_strbuf_printf(&pr->sb, "<nested too deep>");
	} else if (t && !bit_size && btf_is_composite(t)) {
		composite_text(pr, t, addr, indent, depth);
	} else if (t && !bit_size && btf_is_array(t)) {
		array_text(pr, t, addr, indent, depth);
	} else {
		struct kt_scalar sc;
		kt_scalar_read(&pr->rd, id, addr, bit_off, bit_size, &sc);
		scalar_text(pr, &sc);
		free(sc.string);
	}
}

static json_object *value_json(struct printer *pr, const char *name, uint32_t id, uint64_t addr,
			       uint32_t bit_off, uint32_t bit_size, int depth);

static json_object *composite_json(struct printer *pr, const struct btf_type *t, uint64_t addr,
				   int depth)
{
	json_object *list = json_object_new_array();
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t) && !over_budget(pr); i++, m++) {
		const char *name = btf__name_by_offset(pr->btf, m->name_off);
		uint32_t bits = btf_member_bit_offset(t, i);
		json_object *o = value_json(pr, name ? name : "", m->type, addr + bits / 8, bits % 8,
					    btf_member_bitfield_size(t, i), depth + 1);
		if (o)
			json_object_array_add(list, o);
	}
	return list;
}

static json_object *array_json(struct printer *pr, const struct btf_type *t, uint64_t addr,
			       int depth, json_object *node)
{
	const struct btf_array *arr = btf_array(t);
	int64_t esize = btf__resolve_size(pr->btf, arr->type);
	uint32_t n = esize > 0 ? arr->nelems : 0;
	if (n && kt_type_is_char(pr->btf, arr->type)) {
		uint8_t *s;
		size_t len;
		bool cut;
		const char *why = kt_type_read_chars(&pr->rd, addr, n, &s, &len, &cut);
		if (why) {
			json_object_object_add(node, "error", json_object_new_string(why));
			return NULL;
		}
		json_object *v = json_bytes(s, len);
		free(s);
		return v;
	}
	json_object *list = json_object_new_array();
	uint32_t i;
	for (i = 0; i < n && i < pr->array_max && !over_budget(pr); i++) {
		char name[24];
		snprintf(name, sizeof(name), "[%u]", i);
		json_object *o = value_json(pr, name, arr->type, addr + (uint64_t)i * (uint64_t)esize,
					    0, 0, depth + 1);
		if (o)
			json_object_array_add(list, o);
	}
	if (i < n)
		json_object_object_add(node, "omitted", json_object_new_uint64(n - i));
	return list;
}

/* {name, type, offset, size}: every JSON value node starts so. */
static json_object *node_json(struct printer *pr, const char *name, uint32_t id, uint64_t addr)
{
	json_object *o = json_object_new_object();
	char *tname = kt_type_name_dup(pr->btf, id);
	int64_t size = btf__resolve_size(pr->btf, id);
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "type", json_object_new_string(tname ? tname : "?"));
	json_object_object_add(o, "offset", json_object_new_uint64(addr - pr->origin));
	json_object_object_add(o, "size", json_object_new_int64(size < 0 ? 0 : size));
	free(tname);
	return o;
}

static json_object *value_json(struct printer *pr, const char *name, uint32_t id, uint64_t addr,
			       uint32_t bit_off, uint32_t bit_size, int depth)
{
	if (over_budget(pr))
		return NULL;
	pr->nodes++;
	const struct btf_type *t = btf__type_by_id(pr->btf, kt_type_strip(pr->btf, id));
	json_object *o = node_json(pr, name, id, addr);
	if (!depth) {
		char hex[32];
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)addr);
		json_object_object_add(o, "address", json_object_new_string(hex));
	}
	if (bit_size) {
		json_object_object_add(o, "bit_offset", json_object_new_int((int)bit_off));
		json_object_object_add(o, "bit_size", json_object_new_int((int)bit_size));
	}
	if (depth > KT_TYPE_NEST_MAX) {
		json_object_object_add(o, "value", NULL);
		json_object_object_add(o, "error", json_object_new_string("nested too deep"));
	} else if (t && !bit_size && btf_is_composite(t)) {
		json_object_object_add(o, "value", composite_json(pr, t, addr, depth));
	} else if (t && !bit_size && btf_is_array(t)) {
		json_object_object_add(o, "value", array_json(pr, t, addr, depth, o));
	} else {
		struct kt_scalar sc;
		kt_scalar_read(&pr->rd, id, addr, bit_off, bit_size, &sc);
		scalar_json(&sc, o);
		free(sc.string);
	}
	return o;
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

struct kt_error *kt_value_to_json(const struct btf *btf, struct kt_reader *reader,
				  const struct kt_kallsyms *ks, const struct kt_print_request *req,
				  const struct kt_print_options *opts, void **ret)
{
	struct printer pr;
	struct target *targets;
	size_t n;
	struct kt_error *err = setup(&pr, btf, reader, ks, req, opts, &targets, &n);
	if (err)
		return err;
	json_object *top;
	if (!req->members) {
		top = value_json(&pr, req->name ? req->name : "", req->type, req->address,
				 req->bit_offset, req->bit_size, 0);
	} else {
		char hex[32];
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)req->address);
		top = node_json(&pr, req->name ? req->name : "", req->type, req->address);
		json_object_object_add(top, "address", json_object_new_string(hex));
		json_object *list = json_object_new_array();
		for (size_t i = 0; i < n && !over_budget(&pr); i++) {
			const struct kt_type_place *pl = &targets[i].place;
			json_object *o = value_json(&pr, targets[i].path, pl->type,
						    req->address + pl->bit_offset / 8,
						    (uint32_t)(pl->bit_offset % 8), pl->bit_size, 1);
			if (o)
				json_object_array_add(list, o);
		}
		json_object_object_add(top, "value", list);
	}
	if (pr.truncated)
		json_object_object_add(top, "truncated", json_object_new_boolean(true));
	kt_type_view_deinit(&pr.rd.view);
	targets_free(targets, n);
	*ret = top;
	return NULL;
}

static struct kt_error *print_json(const struct btf *btf, struct kt_reader *reader,
				   const struct kt_kallsyms *ks, const struct kt_print_request *req,
				   const struct kt_print_options *opts, char **ret)
{
	void *top;
	struct kt_error *err = kt_value_to_json(btf, reader, ks, req, opts, &top);
	if (err)
		return err;
	const char *s = json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = s ? strdup(s) : NULL;
	json_object_put(top);
	if (!out)
		return &kt_enomem;
	*ret = out;
	return NULL;
}

struct kt_error *kt_value_print(const struct btf *btf, struct kt_reader *reader,
				const struct kt_kallsyms *ks, const struct kt_print_request *req,
				const struct kt_print_options *opts, char **ret)
{
	if (opts->json)
		return print_json(btf, reader, ks, req, opts, ret);
	struct printer pr;
	struct target *targets;
	size_t n;
	struct kt_error *err = setup(&pr, btf, reader, ks, req, opts, &targets, &n);
	if (err)
		return err;
	if (!req->members) {
		if (req->name) {
			kt_strbuf_printf(&pr.sb, "%s = ", req->name);
		} else {
			kt_type_name(btf, req->type, NULL, &pr.sb);
			kt_strbuf_printf(&pr.sb, " ");
		}
		value_text(&pr, req->type, req->address, req->bit_offset, req->bit_size, 0, 0);
		kt_strbuf_printf(&pr.sb, "\n");
	}
	for (size_t i = 0; i < n && !over_budget(&pr); i++) {
		const struct kt_type_place *pl = &targets[i].place;
		kt_strbuf_printf(&pr.sb, "  %s = ", targets[i].path);
		value_text(&pr, pl->type, req->address + pl->bit_offset / 8,
			   (uint32_t)(pl->bit_offset % 8), pl->bit_size, 2, 1);
		kt_strbuf_printf(&pr.sb, "\n");
	}
	if (pr.truncated)
		kt_strbuf_printf(&pr.sb, "\n<output limit reached (%d bytes): print a member path>\n",
				 TEXT_MAX);
	kt_type_view_deinit(&pr.rd.view);
	targets_free(targets, n);
	char *out = kt_strbuf_finish(&pr.sb);
	if (!out)
		return &kt_enomem;
	*ret = out;
	return NULL;
}
