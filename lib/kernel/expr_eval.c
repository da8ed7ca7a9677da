// SPDX-License-Identifier: MIT
/*
 * p's expressions, as gdb (and so crash) reads them: C arithmetic on 64-bit integers with C's
 * precedence, sizeof, offsetof, casts, &, *, ->, ., [] and crash's NAME:CPU for a CPU's copy of a
 * per-CPU variable. A recursive-descent parser that evaluates as it parses; every value is a
 * typed object (kernel/object.c), in memory or already read, so that a member path, a
 * subscript or a dereference reads the dump only where the expression does.
 *
 * The text is the user's: nesting is bounded (EVAL_DEPTH_MAX), division by zero, shifts past 63
 * and reads that fail are errors naming the piece of the expression they came from.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/expr.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "program.h"

enum {
	EVAL_DEPTH_MAX = 64,    /* nested parentheses and unary operators */
	NAME_MAX_LEN = 512,     /* KSYM_NAME_LEN */
};

struct parser {
	struct kt_program *prog;
	const char *text;       /* the whole expression, for messages */
	const char *s;          /* where parsing is */
	unsigned int depth;
	struct kt_type_ref long_type, ulong_type, int_type, uint_type;
};

static struct kt_error *syntax(const struct parser *p, const char *why)
{
	size_t at = (size_t)(p->s - p->text);
	return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': %s at offset %zu%s%.16s%s", p->text,
			       why, at, *p->s ? " ('" : "", p->s, *p->s ? "')" : "");
}

static void skip_space(struct parser *p)
{
	while (isspace((unsigned char)*p->s))
		p->s++;
}

/* Takes token tok if it comes next (and, for a word, is not the start of a longer name). */
static bool accept(struct parser *p, const char *tok)
{
	skip_space(p);
	size_t n = strlen(tok);
	if (strncmp(p->s, tok, n))
		return false;
	if ((isalpha((unsigned char)tok[0]) || tok[0] == '_') &&
	    (isalnum((unsigned char)p->s[n]) || p->s[n] == '_'))
		return false;
	p->s += n;
	return true;
}

static bool is_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static size_t name_length(const char *s)
{
	size_t n = 0;
	if (!is_name_start(s[0]))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

/* An integer value object: long, or unsigned long. */
static struct kt_object integer(const struct parser *p, uint64_t v, bool is_signed)
{
	struct kt_object o;
	kt_object_init(&o, p->prog, NULL, is_signed ? p->long_type : p->ulong_type, 0);
	o.is_value = true;
	o.value = v;
	return o;
}

/* An int or unsigned int (bytes 4) or a long or unsigned long value, cut and extended to its
 * type as C converts it. */
static struct kt_object typed_integer(const struct parser *p, uint64_t v, bool is_signed,
				      unsigned int bytes)
{
	if (bytes == 8)
		return integer(p, v, is_signed);
	v &= 0xffffffffull;
	if (is_signed && (v & 0x80000000ull))
		v |= ~0xffffffffull;
	struct kt_object o;
	kt_object_init(&o, p->prog, NULL, is_signed ? p->int_type : p->uint_type, 0);
	o.is_value = true;
	o.value = v;
	return o;
}

/* A scalar operand as C's arithmetic sees it. */
struct scalar {
	uint64_t v;
	unsigned int bytes;       /* after C's integer promotion: 4 or 8 */
	bool is_signed;
	bool is_pointer;
	uint64_t stride;          /* pointers: the size of what they point at (0: void) */
	struct kt_object pointer; /* pointers: the type to give a result */
};

static struct kt_error *not_a_number(const struct parser *p, const struct kt_object *o)
{
	char name[128];
	if (o->percpu)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "'%s': a per-CPU variable: say which CPU, NAME:N", p->text);
	if (kt_object_kind(o) == KT_TYPE_VOID && !o->is_value)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "'%s': the symbol at 0x%llx has no type here (no BTF or DWARF "
				       "types it): take its address with &, or cast it",
				       p->text, (unsigned long long)o->address);
	return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': %s is not a number", p->text,
			       kt_object_type_name(o, name, sizeof(name)));
}

static struct kt_error *to_scalar(const struct parser *p, const struct kt_object *o,
				  struct scalar *ret)
{
	*ret = (struct scalar){.bytes = 8};
	if (o->percpu)
		return not_a_number(p, o);
	struct kt_error *err = NULL;
	struct kt_object ptr;
	switch (kt_object_kind(o)) {
	case KT_TYPE_INT:
	case KT_TYPE_BOOL:
	case KT_TYPE_ENUM: {
		// Promotion: anything narrower than int is an int.
		uint64_t size = 8;
		if (kt_object_size(o, &size))
			size = 8;
		ret->bytes = size > 4 ? 8 : 4;
		ret->is_signed = kt_object_is_signed(o) || size < 4;
		if (ret->is_signed) {
			int64_t s;
			err = kt_object_read_signed(o, &s);
			ret->v = (uint64_t)s;
		} else {
			err = kt_object_read_unsigned(o, &ret->v);
		}
		return err;
	}
	case KT_TYPE_POINTER: {
		if ((err = kt_object_read(o, &ptr)))
			return err;
		ret->v = ptr.value;
		ret->is_pointer = true;
		ret->pointer = ptr;
		struct kt_type_ref to;
		if (kt_types_pointee(kt_object_type(o), &to) && to.id) {
			struct kt_object target;
			kt_object_init(&target, o->prog, NULL, to, 0);
			if (kt_object_size(&target, &ret->stride))
				ret->stride = 0;  // kt_object_size's error: an incomplete type
		}
		return NULL;
	}
	case KT_TYPE_ARRAY: {
		// An array is the address of its first element.
		struct kt_object first;
		if (o->is_value)
			return not_a_number(p, o);
		if ((err = kt_object_subscript(o, 0, &first)))
			return err;
		if (kt_object_size(&first, &ret->stride))
			ret->stride = 1;
		ret->v = o->address;
		ret->is_pointer = true;
		if (kt_object_address_of(&first, &ret->pointer)) {
			ret->pointer = integer(p, o->address, false);
			ret->stride = 1;
		}
		return NULL;
	}
	case KT_TYPE_FUNCTION:
		ret->v = o->address;
		ret->pointer = integer(p, o->address, false);
		return NULL;
	default:
		return not_a_number(p, o);
	}
}

static struct kt_error *expression(struct parser *p, struct kt_object *ret);
static struct kt_error *unary(struct parser *p, struct kt_object *ret);

/* Text up to the ')' that closes the '(' just taken, at depth 0; *end at that ')'. */
static struct kt_error *inside_parens(const struct parser *p, const char **end)
{
	int depth = 1;
	const char *c = p->s;
	for (; *c; c++) {
		depth += (*c == '(') - (*c == ')');
		if (!depth)
			break;
	}
	if (!*c)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': unbalanced parentheses",
				       p->text);
	*end = c;
	return NULL;
}

/* Whether text (len bytes) names a type: "struct task_struct *", "u64", "unsigned long". */
static bool type_name(struct parser *p, const char *text, size_t len, struct kt_type_ref *ret)
{
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	while (len && isspace((unsigned char)*text))
		text++, len--;
	if (!len || len >= NAME_MAX_LEN || !(is_name_start(*text)))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(isalnum((unsigned char)text[i]) || strchr("_ *:", text[i])))
			return false;
	char name[NAME_MAX_LEN];
	memcpy(name, text, len);
	name[len] = '\0';
	// "jiffies" is a variable, "u64" a type: a name that is also a symbol is a variable.
	if (!strchr(name, ' ') && !strchr(name, '*')) {
		uint64_t addr;
		struct kt_error *err = kt_program_symbol_address(p->prog, name, &addr);
		if (!err)
			return false;
		kt_error_destroy(err);
	}
	struct kt_error *err = kt_object_lookup_type(p->prog, name, ret);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	return true;
}

/* "(struct nosuch *)": parentheses that can only hold a type, which the kernel lacks. */
static struct kt_error *missing_type(struct parser *p, const char *text, size_t len)
{
	while (len && isspace((unsigned char)*text))
		text++, len--;
	static const char *const keywords[] = {"struct ", "union ", "enum ", "unsigned ", "signed "};
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (!strncmp(text, keywords[i], strlen(keywords[i])))
			return kt_error_create(KT_ERROR_NOT_FOUND,
					       "'%s': no type '%.*s' in the kernel or its modules",
					       p->text, (int)(len < 200 ? len : 200), text);
	}
	return NULL;
}

static struct kt_error *type_size(struct parser *p, struct kt_type_ref t, uint64_t *ret)
{
	struct kt_object o;
	kt_object_init(&o, p->prog, NULL, t, 0);
	return kt_object_size(&o, ret);
}

/* sizeof(TYPE), sizeof EXPR: the expression is not read. */
static struct kt_error *parse_sizeof(struct parser *p, struct kt_object *ret)
{
	struct kt_error *err;
	uint64_t size;
	skip_space(p);
	if (*p->s == '(') {
		const char *end = NULL;
		p->s++;
		if ((err = inside_parens(p, &end)))
			return err;
		struct kt_type_ref t;
		if (type_name(p, p->s, (size_t)(end - p->s), &t)) {
			p->s = end + 1;
			if ((err = type_size(p, t, &size)))
				return err;
			*ret = integer(p, size, false);
			return NULL;
		}
		if ((err = missing_type(p, p->s, (size_t)(end - p->s))))
			return err;
		p->s--;
	}
	struct kt_object o;
	if ((err = unary(p, &o)))
		return err;
	if ((err = kt_object_size(&o, &size)))
		return err;
	*ret = integer(p, size, false);
	return NULL;
}

/* offsetof(TYPE, member.path) */
static struct kt_error *parse_offsetof(struct parser *p, struct kt_object *ret)
{
	if (!accept(p, "("))
		return syntax(p, "offsetof takes (TYPE, MEMBER)");
	const char *end = NULL;
	struct kt_error *err = inside_parens(p, &end);
	if (err)
		return err;
	const char *comma = memchr(p->s, ',', (size_t)(end - p->s));
	struct kt_type_ref t;
	if (comma && !type_name(p, p->s, (size_t)(comma - p->s), &t) &&
	    (err = missing_type(p, p->s, (size_t)(comma - p->s))))
		return err;
	if (!comma || !type_name(p, p->s, (size_t)(comma - p->s), &t))
		return syntax(p, "offsetof takes (TYPE, MEMBER) with a type the kernel has");
	const char *m = comma + 1;
	while (m < end && isspace((unsigned char)*m))
		m++;
	size_t len = (size_t)(end - m);
	while (len && isspace((unsigned char)m[len - 1]))
		len--;
	if (!len || len >= NAME_MAX_LEN)
		return syntax(p, "offsetof needs a member");
	char path[NAME_MAX_LEN];
	memcpy(path, m, len);
	path[len] = '\0';
	uint64_t off;
	struct kt_type_ref member;
	if ((err = kt_object_member_offset(p->prog, t, path, &off, &member)))
		return err;
	p->s = end + 1;
	*ret = integer(p, off, false);
	return NULL;
}

/* A number: 0x hex, 0 octal or decimal, with C's u/l suffixes. */
static struct kt_error *parse_number(struct parser *p, struct kt_object *ret)
{
	const char *start = p->s;
	int base = 10;
	if (start[0] == '0' && (start[1] == 'x' || start[1] == 'X'))
		base = 16, p->s += 2;
	else if (start[0] == '0' && isdigit((unsigned char)start[1]))
		base = 8, p->s++;
	uint64_t v = 0;
	bool any = false;
	for (;; p->s++) {
		int c = (unsigned char)*p->s, d;
		if (isdigit(c))
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = tolower(c) - 'a' + 10;
		else
			break;
		if (d >= base)
			return syntax(p, "a digit out of the number's base");
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return syntax(p, "a number over 64 bits");
		v = v * (uint64_t)base + (uint64_t)d;
		any = true;
	}
	if (!any && base == 16)
		return syntax(p, "no digits after 0x");
	bool is_unsigned = false, is_long = false;
	while (*p->s == 'u' || *p->s == 'U' || *p->s == 'l' || *p->s == 'L') {
		bool u = tolower((unsigned char)*p->s++) == 'u';
		is_unsigned |= u;
		is_long |= !u;
	}
	if (isalnum((unsigned char)*p->s) || *p->s == '_')
		return syntax(p, "a number runs into a name");
	// C's type of a constant: the first of int, unsigned int (not for decimal), long,
	// unsigned long that holds it, as gdb types it too (so p/x -1 is 0xffffffff).
	if (!is_long && !is_unsigned && v <= INT32_MAX)
		*ret = typed_integer(p, v, true, 4);
	else if (!is_long && (is_unsigned || base != 10) && v <= UINT32_MAX)
		*ret = typed_integer(p, v, false, 4);
	else
		*ret = integer(p, v, !is_unsigned && v <= INT64_MAX);
	return NULL;
}

/*
 * A variable: typed as kt_object_symbol() types it; an untyped symbol is a void object at its
 * address (& gives its address; reading it is an error). A static's ".NNN" suffix is part of
 * the name where kallsyms has it.
 */
static struct kt_error *parse_symbol(struct parser *p, struct kt_object *ret)
{
	const char *start = p->s;
	size_t len = name_length(start);
	if (len >= NAME_MAX_LEN)
		return syntax(p, "a name longer than any symbol");
	char name[NAME_MAX_LEN];
	memcpy(name, start, len);
	name[len] = '\0';
	uint64_t addr;
	while (start[len] == '.' && isdigit((unsigned char)start[len + 1])) {
		size_t more = len + 1 + strspn(start + len + 1, "0123456789");
		if (more >= NAME_MAX_LEN)
			break;
		char longer[NAME_MAX_LEN];
		memcpy(longer, start, more);
		longer[more] = '\0';
		struct kt_error *lerr = kt_program_symbol_address(p->prog, longer, &addr);
		if (lerr) {
			kt_error_destroy(lerr);
			break;
		}
		memcpy(name, longer, more + 1);
		len = more;
	}
	p->s = start + len;
	struct kt_error *err = kt_object_symbol(p->prog, name, NULL, ret, NULL);
	if (!err || !kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	if ((err = kt_program_symbol_address(p->prog, name, &addr)))
		return kt_error_prefix(err, "'%s'", p->text);
	bool percpu = false;
	if ((err = kt_percpu_symbol(p->prog, addr, &percpu)) &&
	    !kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	kt_object_init(ret, p->prog, NULL, (struct kt_type_ref){p->long_type.btf, 0}, addr);
	ret->percpu = percpu;
	return NULL;
}

static struct kt_error *primary(struct parser *p, struct kt_object *ret)
{
	skip_space(p);
	if (isdigit((unsigned char)*p->s))
		return parse_number(p, ret);
	if (accept(p, "sizeof"))
		return parse_sizeof(p, ret);
	if (accept(p, "offsetof"))
		return parse_offsetof(p, ret);
	if (accept(p, "(")) {
		struct kt_error *err = expression(p, ret);
		if (!err && !accept(p, ")"))
			err = syntax(p, "expected ')'");
		return err;
	}
	if (is_name_start(*p->s))
		return parse_symbol(p, ret);
	return syntax(p, *p->s ? "expected a number, a name or '('" : "the expression ends early");
}

static struct kt_error *member_name(struct parser *p, char *buf)
{
	skip_space(p);
	size_t len = name_length(p->s);
	if (!len || len >= NAME_MAX_LEN)
		return syntax(p, "expected a member name");
	memcpy(buf, p->s, len);
	buf[len] = '\0';
	p->s += len;
	return NULL;
}

static struct kt_error *postfix(struct parser *p, struct kt_object *ret)
{
	bool named = is_name_start(*(p->s + strspn(p->s, " \t")));
	struct kt_error *err = primary(p, ret);
	char name[NAME_MAX_LEN];
	// NAME:CPU, crash's per-CPU copy, right after a name.
	if (!err && named && *p->s == ':' && isdigit((unsigned char)p->s[1])) {
		char *end;
		unsigned long cpu = strtoul(p->s + 1, &end, 10);
		p->s = end;
		if (cpu > 8191)
			return syntax(p, "no such CPU");
		err = kt_object_per_cpu(ret, (unsigned int)cpu, ret);
	}
	while (!err) {
		if (accept(p, "->") || accept(p, ".")) {
			if (!(err = member_name(p, name)))
				err = kt_object_member(ret, name, ret);
		} else if (accept(p, "[")) {
			struct kt_object index;
			struct scalar s;
			if ((err = expression(p, &index)) || (err = to_scalar(p, &index, &s)))
				break;
			if (!accept(p, "]"))
				return syntax(p, "expected ']'");
			err = kt_object_subscript(ret, s.v, ret);
		} else {
			break;
		}
	}
	return err;
}

/* (TYPE)operand: the operand's value seen as TYPE, cut to its size as C converts it. */
static struct kt_error *cast(struct parser *p, struct kt_type_ref t, struct kt_object *ret)
{
	struct kt_object o;
	struct scalar s;
	struct kt_error *err = unary(p, &o);
	if (err || (err = to_scalar(p, &o, &s)))
		return err;
	struct kt_object out;
	kt_object_init(&out, p->prog, NULL, t, 0);
	enum kt_type_kind kind = kt_object_kind(&out);
	if (kind != KT_TYPE_INT && kind != KT_TYPE_BOOL && kind != KT_TYPE_ENUM &&
	    kind != KT_TYPE_POINTER)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "'%s': a cast gives a number or a pointer type", p->text);
	uint64_t size = 8;
	if ((err = kt_object_size(&out, &size)))
		return err;
	uint64_t v = s.v;
	if (kind == KT_TYPE_BOOL) {
		v = v != 0;
	} else if (size < 8) {
		unsigned int bits = (unsigned int)size * 8;
		v &= (1ull << bits) - 1;
		if (kt_object_is_signed(&out) && (v >> (bits - 1)) & 1)
			v |= ~0ull << bits;
	}
	out.is_value = true;
	out.value = v;
	*ret = out;
	return NULL;
}

/*
 * &obj where obj's types have no pointer to its type (a module's types converted from DWARF
 * list only the pointers the module uses): the kernel's pointer to a type of the same name.
 */
static struct kt_error *pointer_by_name(struct parser *p, const struct kt_object *o,
					struct kt_object *ret)
{
	char name[256], ptr[260];
	kt_object_type_name(o, name, sizeof(name));
	snprintf(ptr, sizeof(ptr), "%s *", name);
	struct kt_type_ref t;
	struct kt_error *err = kt_object_lookup_type(p->prog, ptr, &t);
	if (err)
		return kt_error_prefix(err, "'%s': no pointer type to %s", p->text, name);
	kt_object_init(ret, p->prog, NULL, t, 0);
	ret->is_value = true;
	ret->value = o->address;
	return NULL;
}

static struct kt_error *unary(struct parser *p, struct kt_object *ret)
{
	if (++p->depth > EVAL_DEPTH_MAX) {
		p->depth--;
		return kt_error_create(KT_ERROR_LIMIT, "'%s': nested deeper than %d", p->text,
				       EVAL_DEPTH_MAX);
	}
	struct kt_error *err = NULL;
	struct scalar s;
	skip_space(p);
	char op = *p->s;
	if (op == '(') {
		// A cast if the parentheses hold a type.
		const char *end = NULL;
		struct kt_type_ref t;
		p->s++;
		if ((err = inside_parens(p, &end))) {
		} else if (type_name(p, p->s, (size_t)(end - p->s), &t)) {
			p->s = end + 1;
			err = cast(p, t, ret);
		} else if (!(err = missing_type(p, p->s, (size_t)(end - p->s)))) {
			p->s--;
			err = postfix(p, ret);
		}
	} else if (op == '-' || op == '+' || op == '~' || op == '!') {
		p->s++;
		if (!(err = unary(p, ret)) && !(err = to_scalar(p, ret, &s))) {
			uint64_t v = op == '-' ? 0 - s.v : op == '~' ? ~s.v : op == '!' ? !s.v : s.v;
			if (op == '!')
				*ret = typed_integer(p, v, true, 4);
			else if (s.is_pointer)
				err = kt_error_create(KT_ERROR_INVALID_ARGUMENT,
						      "'%s': %c of a pointer", p->text, op);
			else
				*ret = typed_integer(p, v, s.is_signed, s.bytes);
		}
	} else if (op == '*') {
		p->s++;
		struct kt_object o;
		if (!(err = unary(p, &o))) {
			enum kt_type_kind kind = kt_object_kind(&o);
			if (kind == KT_TYPE_ARRAY)
				err = kt_object_subscript(&o, 0, ret);
			else if (kind == KT_TYPE_POINTER)
				err = kt_object_deref(&o, ret);
			else
				err = kt_error_create(KT_ERROR_INVALID_ARGUMENT,
						      "'%s': * needs a pointer: *(TYPE *)ADDRESS",
						      p->text);
		}
	} else if (op == '&') {
		p->s++;
		struct kt_object o;
		if (!(err = unary(p, &o))) {
			// An untyped symbol's address is a number; a typed per-CPU variable's a
			// __percpu pointer (its offset), as in the kernel.
			if (kt_object_kind(&o) == KT_TYPE_VOID && !o.is_value)
				*ret = integer(p, o.address, false);
			else if ((err = kt_object_address_of(&o, ret)) &&
				 kt_error_catch(&err, KT_ERROR_NOT_FOUND))
				err = pointer_by_name(p, &o, ret);
		}
	} else {
		err = postfix(p, ret);
	}
	p->depth--;
	return err;
}

/* Binary operators by C's precedence, loosest first. */
static const struct binary_op {
	const char *tok;
	int prec;
} binary_ops[] = {
	{"||", 1}, {"&&", 2}, {"|", 3}, {"^", 4}, {"&", 5}, {"==", 6}, {"!=", 6},
	{"<=", 7}, {">=", 7}, {"<<", 8}, {">>", 8}, {"<", 7}, {">", 7},
	{"+", 9}, {"-", 9}, {"*", 10}, {"/", 10}, {"%", 10},
};

/* The operator next in the text; the longest one that matches. */
static const struct binary_op *peek_op(struct parser *p)
{
	skip_space(p);
	const struct binary_op *best = NULL;
	for (size_t i = 0; i < sizeof(binary_ops) / sizeof(binary_ops[0]); i++) {
		size_t n = strlen(binary_ops[i].tok);
		if (!strncmp(p->s, binary_ops[i].tok, n) &&
		    (!best || n > strlen(best->tok)))
			best = &binary_ops[i];
	}
	// "|" of "||" and "&" of "&&" are found as the longer ones above.
	return best;
}

static struct kt_error *apply(struct parser *p, const char *op, const struct scalar *a,
			      const struct scalar *b, struct kt_object *ret)
{
	// C's usual arithmetic conversions: the wider type; of two as wide, unsigned wins.
	unsigned int bytes = a->bytes > b->bytes ? a->bytes : b->bytes;
	bool is_signed = a->bytes == b->bytes ? a->is_signed && b->is_signed
			 : a->bytes > b->bytes ? a->is_signed : b->is_signed;
	uint64_t x = a->v, y = b->v, v;
	// Pointer arithmetic: a pointer and a number move in elements, two pointers differ in them.
	if ((!strcmp(op, "+") || !strcmp(op, "-")) && (a->is_pointer || b->is_pointer)) {
		if (a->is_pointer && b->is_pointer && *op == '-') {
			uint64_t stride = a->stride ? a->stride : 1;
			*ret = integer(p, (uint64_t)((int64_t)(x - y) / (int64_t)stride), true);
			return NULL;
		}
		if (*op == '-' && !a->is_pointer)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
					       "'%s': a number minus a pointer", p->text);
		const struct scalar *ptr = a->is_pointer ? a : b;
		uint64_t n = a->is_pointer ? y : x, stride = ptr->stride ? ptr->stride : 1;
		*ret = ptr->pointer;
		ret->value = *op == '+' ? ptr->v + n * stride : ptr->v - n * stride;
		return NULL;
	}
	if (bytes == 4 && !(op[0] == op[1] && (op[0] == '<' || op[0] == '>'))) {
		// Both converted to the 32-bit type first: -1 as an unsigned int is 0xffffffff.
		x = typed_integer(p, x, is_signed, 4).value;
		y = typed_integer(p, y, is_signed, 4).value;
	}
	switch (op[0]) {
	case '+': v = x + y; break;
	case '-': v = x - y; break;
	case '*': v = x * y; break;
	case '/':
	case '%':
		if (!y)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': division by zero",
					       p->text);
		if (is_signed && (int64_t)y == -1)  // INT64_MIN / -1 would trap: wrap instead
			v = op[0] == '/' ? 0 - x : 0;
		else if (is_signed)
			v = (uint64_t)(op[0] == '/' ? (int64_t)x / (int64_t)y : (int64_t)x % (int64_t)y);
		else
			v = op[0] == '/' ? x / y : x % y;
		break;
	case '<':
	case '>':
		if (op[1] == op[0]) {
			if (y > 63)
				return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
						       "'%s': a shift by %llu (64 bits at most 63)",
						       p->text, (unsigned long long)y);
			if (op[0] == '<')
				v = x << y;
			else
				v = a->is_signed ? (uint64_t)((int64_t)x >> y) : x >> y;
			// An int shifted past its 32 bits is taken as a long (1 << 40), not cut.
			*ret = typed_integer(p, v, a->is_signed, y >= 32 ? 8 : a->bytes);
			return NULL;
		}
		if (is_signed)
			v = op[0] == '<' ? (op[1] ? (int64_t)x <= (int64_t)y : (int64_t)x < (int64_t)y)
					 : (op[1] ? (int64_t)x >= (int64_t)y : (int64_t)x > (int64_t)y);
		else
			v = op[0] == '<' ? (op[1] ? x <= y : x < y) : (op[1] ? x >= y : x > y);
		*ret = typed_integer(p, v, true, 4);
		return NULL;
	case '=': *ret = typed_integer(p, x == y, true, 4); return NULL;
	case '!': *ret = typed_integer(p, x != y, true, 4); return NULL;
	case '&':
		if (op[1]) {
			*ret = typed_integer(p, x && y, true, 4);
			return NULL;
		}
		v = x & y;
		break;
	case '|':
		if (op[1]) {
			*ret = typed_integer(p, x || y, true, 4);
			return NULL;
		}
		v = x | y;
		break;
	case '^': v = x ^ y; break;
	default:
		return syntax(p, "unknown operator");
	}
	*ret = typed_integer(p, v, is_signed, bytes);
	return NULL;
}

/* Precedence climbing: operands joined by operators binding tighter than min_prec. */
static struct kt_error *binary(struct parser *p, int min_prec, struct kt_object *ret)
{
	struct kt_error *err = unary(p, ret);
	const struct binary_op *op;
	while (!err && (op = peek_op(p)) && op->prec >= min_prec) {
		p->s += strlen(op->tok);
		struct kt_object rhs;
		struct scalar a, b;
		if ((err = binary(p, op->prec + 1, &rhs)) || (err = to_scalar(p, ret, &a)) ||
		    (err = to_scalar(p, &rhs, &b)))
			break;
		err = apply(p, op->tok, &a, &b, ret);
	}
	return err;
}

static struct kt_error *expression(struct parser *p, struct kt_object *ret)
{
	if (++p->depth > EVAL_DEPTH_MAX) {
		p->depth--;
		return kt_error_create(KT_ERROR_LIMIT, "'%s': nested deeper than %d", p->text,
				       EVAL_DEPTH_MAX);
	}
	struct kt_error *err = binary(p, 1, ret);
	p->depth--;
	return err;
}

struct kt_error *kt_expr_evaluate(struct kt_program *prog, const char *text,
				  struct kt_object *ret)
{
	if (strlen(text) >= KT_EXPR_TEXT_MAX)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "an expression of more than %d characters", KT_EXPR_TEXT_MAX - 1);
	struct parser p = {.prog = prog, .text = text, .s = text};
	struct kt_error *err = kt_object_lookup_type(prog, "long", &p.long_type);
	if (err || (err = kt_object_lookup_type(prog, "unsigned long", &p.ulong_type)) ||
	    (err = kt_object_lookup_type(prog, "int", &p.int_type)) ||
	    (err = kt_object_lookup_type(prog, "unsigned int", &p.uint_type)))
		return kt_error_prefix(err, "the kernel's base types");
	struct kt_object o;
	if ((err = expression(&p, &o)))
		return err;
	skip_space(&p);
	if (*p.s)
		return syntax(&p, "unexpected text");
	*ret = o;
	return NULL;
}
