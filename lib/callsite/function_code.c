// SPDX-License-Identifier: MIT
/* Decoding one function from the dump, with its control flow and stack depths. */
#include <stdlib.h>
#include <string.h>

#include "callsite/callsite_ctx.h"
#include "callsite/function_code.h"
#include "core/error.h"
#include "core/util.h"

bool kt_insn_falls_through(const struct kt_insn *insn)
{
	if (insn->kind == KT_INSN_JMP || insn->kind == KT_INSN_RET)
		return false;
	// ud2 (BUG()) and int3 (padding after a ret or a tail call) do not continue either.
	if (insn->length == 2 && insn->bytes[0] == 0x0f && insn->bytes[1] == 0x0b)
		return false;
	return !(insn->length == 1 && insn->bytes[0] == 0xcc);
}

ssize_t kt_function_code_index(const struct kt_function_code *code, uint64_t addr)
{
	size_t lo = 0, hi = code->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (code->insns[mid].address < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < code->n && code->insns[lo].address == addr ? (ssize_t)lo : -1;
}

static int jump_cmp(const void *a, const void *b)
{
	const struct kt_jump *x = a, *y = b;
	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	return x->source < y->source ? -1 : x->source > y->source;
}

size_t kt_function_code_preds(const struct kt_function_code *code, size_t i, uint32_t *preds,
			      size_t max, bool *entry)
{
	size_t n = 0;
	*entry = i == 0;
	if (i > 0 && kt_insn_falls_through(&code->insns[i - 1]) && n < max)
		preds[n++] = (uint32_t)(i - 1);
	// Binary search for the first jump to i.
	size_t lo = 0, hi = code->n_jumps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (code->jumps[mid].target < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < code->n_jumps && code->jumps[lo].target == i && n < max; lo++)
		preds[n++] = code->jumps[lo].source;
	return n;
}

/* Reads [start, end) page by page, keeping what precedes the first page that cannot be read. */
static struct kt_error *read_code(struct kt_program *prog, uint64_t start, uint64_t end,
				  uint8_t **buf_ret, size_t *len_ret)
{
	size_t len = end - start, got = 0;
	uint8_t *buf = malloc(len);
	if (!buf)
		return &kt_enomem;
	while (got < len) {
		size_t chunk = 4096 - ((start + got) & 4095);
		if (chunk > len - got)
			chunk = len - got;
		struct kt_error *err = kt_read(&prog->reader, start + got, buf + got, chunk);
		if (err) {
			if (!got) {
				free(buf);
				return err;
			}
			kt_error_destroy(err);
			break;
		}
		got += chunk;
	}
	*buf_ret = buf;
	*len_ret = got;
	return NULL;
}

/* A stack deeper than this (kernel stacks are 16 KiB, 32 KiB with KASAN) is no path's real depth:
 * bytes that are not code. Capping it also keeps sums clear of the sentinels INT32_MAX (not yet
 * reached) and KT_DEPTH_UNKNOWN, and of signed overflow. */
enum { DEPTH_LIMIT = 1 << 20 };

static int32_t depth_after(int32_t depth, const struct kt_insn *insn)
{
	if (depth == KT_DEPTH_UNKNOWN || insn->stack_unknown)
		return KT_DEPTH_UNKNOWN;
	int64_t next = (int64_t)depth + insn->stack_delta;
	return next > DEPTH_LIMIT || next < -DEPTH_LIMIT ? KT_DEPTH_UNKNOWN : (int32_t)next;
}

/* Stack depth along every path from the entry: a merge of two depths makes it unknown. */
static void compute_depths(struct kt_function_code *code)
{
	size_t n = code->n;
	uint32_t *work = malloc(n * sizeof(*work) + 1);
	bool *queued = calloc(n + 1, 1);
	if (!work || !queued) {
		free(work);
		free(queued);
		return;  // depths stay unknown: slices through %rsp then say so
	}
	size_t n_work = 0;
	code->depth[0] = 0;
	work[n_work++] = 0;
	queued[0] = true;
	while (n_work) {
		uint32_t i = work[--n_work];
		queued[i] = false;
		const struct kt_insn *insn = &code->insns[i];
		int32_t next = depth_after(code->depth[i], insn);
		uint32_t succ[2];
		size_t n_succ = 0;
		if (kt_insn_falls_through(insn) && i + 1 < n)
			succ[n_succ++] = i + 1;
		if ((insn->kind == KT_INSN_JMP || insn->kind == KT_INSN_JCC) && insn->has_target) {
			ssize_t t = kt_function_code_index(code, insn->target);
			if (t >= 0)
				succ[n_succ++] = (uint32_t)t;
		}
		for (size_t s = 0; s < n_succ; s++) {
			int32_t *sd = &code->depth[succ[s]];
			int32_t merged = *sd == INT32_MAX ? next : *sd == next ? next : KT_DEPTH_UNKNOWN;
			if (merged == *sd)
				continue;
			*sd = merged;
			if (!queued[succ[s]]) {
				queued[succ[s]] = true;
				work[n_work++] = succ[s];
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (code->depth[i] == INT32_MAX)
			code->depth[i] = KT_DEPTH_UNKNOWN;  // unreachable from the entry
	free(work);
	free(queued);
}

/* Decodes [start, end), the function around addr. */
static struct kt_error *decode_function(struct kt_program *prog, uint64_t addr, uint64_t start,
					uint64_t end, struct kt_function_code *ret)
{
	struct kt_error *err;
	if (end - start > KT_FUNCTION_CODE_MAX)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "0x%016llx: the function around it spans "
				       "%llu bytes, more than any real function", (unsigned long long)addr,
				       (unsigned long long)(end - start));
	const char *name, *module;
	uint64_t off;
	if ((err = kt_program_symbolize(prog, start, &name, &off, &module)))
		return err;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	if ((err = read_code(prog, start, end, &buf, &len)))
		return kt_error_prefix(err, "code of %s", name);
	return kt_function_code_decode(name, start, buf, len, ret);
}

struct kt_error *kt_function_code_decode(const char *name, uint64_t start, const uint8_t *buf,
					 size_t len, struct kt_function_code *ret)
{
	struct kt_function_code code = {.start = start, .name = name};
	code.insns = malloc((len + 1) * sizeof(*code.insns));
	if (!code.insns)
		return &kt_enomem;
	size_t at = 0;
	while (at < len) {
		struct kt_insn *insn = &code.insns[code.n];
		struct kt_error *derr = kt_insn_decode(start + at, buf + at, len - at, insn);
		if (derr) {
			kt_error_destroy(derr);  // data or padding after the code: the function ends here
			break;
		}
		at += insn->length;
		code.n++;
	}
	code.end = start + at;
	if (!code.n) {
		kt_function_code_deinit(&code);
		return kt_error_create(KT_ERROR_BAD_DATA, "%s at 0x%016llx: no instruction decodes",
				       name, (unsigned long long)start);
	}
	code.depth = malloc(code.n * sizeof(*code.depth));
	code.jumps = malloc(code.n * sizeof(*code.jumps));
	if (!code.depth || !code.jumps) {
		kt_function_code_deinit(&code);
		return &kt_enomem;
	}
	for (size_t i = 0; i < code.n; i++) {
		code.depth[i] = INT32_MAX;  // unvisited
		const struct kt_insn *insn = &code.insns[i];
		if ((insn->kind == KT_INSN_JMP || insn->kind == KT_INSN_JCC) && insn->has_target) {
			ssize_t t = kt_function_code_index(&code, insn->target);
			if (t >= 0)
				code.jumps[code.n_jumps++] = (struct kt_jump){(uint32_t)t, (uint32_t)i};
		}
	}
	if (code.n_jumps)  // qsort(NULL, 0, ...) is undefined
		qsort(code.jumps, code.n_jumps, sizeof(*code.jumps), jump_cmp);
	compute_depths(&code);
	*ret = code;
	return NULL;
}

/*
 * Every task's backtrace asks about the same few hundred functions (schedule, kthread,
 * x64_sys_call...): each is decoded once and kept for the program's life, up to a memory
 * budget; past it, functions are decoded for the caller alone.
 */
enum { CODE_CACHE_SLOTS = 4096, CODE_CACHE_BYTES = 64 << 20 };

struct kt_code_cache {
	struct kt_function_code slots[CODE_CACHE_SLOTS];  /* open addressing by start; start 0: empty */
	size_t bytes;
};

static size_t code_bytes(const struct kt_function_code *code)
{
	return code->n * (sizeof(*code->insns) + sizeof(*code->depth) + sizeof(*code->jumps));
}

struct kt_error *kt_function_code_load(struct kt_program *prog, uint64_t addr,
				       struct kt_function_code *ret)
{
	uint64_t start, end;
	struct kt_error *err = kt_function_bounds(prog, addr, &start, &end);
	if (err)
		return err;
	if (!prog->callsite->code_cache && !(prog->callsite->code_cache = calloc(1, sizeof(*prog->callsite->code_cache))))
		return &kt_enomem;
	struct kt_code_cache *cache = prog->callsite->code_cache;
	size_t slot = (size_t)(kt_hash_u64(start) >> 52) % CODE_CACHE_SLOTS, probes = 0;
	while (cache->slots[slot].start && cache->slots[slot].start != start && ++probes < CODE_CACHE_SLOTS / 2)
		slot = (slot + 1) % CODE_CACHE_SLOTS;
	struct kt_function_code *cached = &cache->slots[slot];
	if (cached->start == start) {
		*ret = *cached;
		ret->borrowed = true;
		return NULL;
	}
	if ((err = decode_function(prog, addr, start, end, ret)))
		return err;
	if (cached->start || probes >= CODE_CACHE_SLOTS / 2 || cache->bytes + code_bytes(ret) > CODE_CACHE_BYTES)
		return NULL;  // the caller's own copy
	cache->bytes += code_bytes(ret);
	*cached = *ret;
	ret->borrowed = true;
	return NULL;
}

void kt_code_cache_destroy(struct kt_code_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < CODE_CACHE_SLOTS; i++)
		kt_function_code_deinit(&cache->slots[i]);
	free(cache);
}

void kt_function_code_deinit(struct kt_function_code *code)
{
	if (code->borrowed) {  // the program's cache keeps it
		memset(code, 0, sizeof(*code));
		return;
	}
	free(code->insns);
	free(code->depth);
	free(code->jumps);
	memset(code, 0, sizeof(*code));
}
