/* SPDX-License-Identifier: MIT */
/*
 * Inside call-site resolution: a slice (slice.h) turned into C text with the kernel's types and
 * into a value, with the registers known at the instruction and the calling function's entry
 * values; what each value was and where it came from goes to the call site being resolved.
 */
#ifndef KT_CALLSITE_RENDER_H
#define KT_CALLSITE_RENDER_H

#include "callsite/function_code.h"
#include "callsite/resolve.h"
#include "callsite/slice.h"
#include "sym/types.h"

/* Entry values are looked up this many calls out, at most: each is one more function slice. */
enum { ENTRY_DEPTH_MAX = 4 };

/* Everything one resolution works with. */
struct resolver {
	struct kt_program *prog;
	struct kt_types *types;                /* NULL without types */
	const struct kt_call_registers *regs;  /* NULL: none known */
	const char *caller;                    /* for parameter names */
	uint64_t caller_start;                 /* ... and DWARF parameter locations */
	uint64_t call;                         /* the call instruction (0 in nested lookups) */
	int32_t call_depth;                    /* bytes the caller had pushed at the call */
	const struct kt_entry_source *entry;   /* the caller's entry values, NULL if unknown */
	int depth;                             /* nesting of entry-value lookups */
	bool quiet;                            /* a nested lookup: its values are not the site's */
	bool as_pointer;                       /* the node being rendered is dereferenced next */
	struct kt_call_site *site;
	char missing[200];                     /* the first value that could not be had */
	bool guessed;                          /* a type was taken from a symbol's name */
};

/* What one expression node came to. */
struct rendered {
	char text[256];
	struct kt_type_ref points_to;  /* the struct or union the value points to; btf NULL: unknown */
	bool known;
	uint64_t value;
};

/* The text, pointee type and value of x (out->known says whether the value was had). */
void kt_render(struct resolver *r, const struct kt_sx *x, struct rendered *out);
/* A resolution one function further out: at code->insns[i], with regs known there and the
 * function's entry values from entry; its values are not the site's. */
struct resolver kt_resolver_nested(const struct resolver *r, const struct kt_function_code *code, size_t i,
				   const struct kt_call_registers *regs, const struct kt_entry_source *entry);
/* Records the first value that could not be had, for the verdict's reason. */
__attribute__((format(printf, 2, 3)))
void kt_resolver_missing(struct resolver *r, const char *fmt, ...);
/* "sym", "sym+0x10", or the bare address. */
void kt_name_address(struct kt_program *prog, uint64_t addr, char *buf, size_t size);

/* verdict.c: judges the target against the frame above (callee), filling verdict and reason. */
void kt_judge_call(struct resolver *r, struct kt_call_site *site, uint64_t callee);

#endif
