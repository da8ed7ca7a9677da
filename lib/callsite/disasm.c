// SPDX-License-Identifier: MIT
/*
 * crash's `dis` on the code the dump holds. The bytes come from the dump, not from vmlinux: the
 * running kernel rewrote its own text at boot (alternatives, ftrace's __fentry__ calls turned
 * into NOPs, static calls, return thunks), and a crash is about the code that ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callsite/disasm.h"
#include "core/error.h"
#include "kernel/modules.h"
#include "program.h"

/* Where the symbol sym of ks ends: where the next address starts (aliases share one). */
static bool symbol_end(const struct kt_kallsyms *ks, const struct kt_symbol *sym, uint64_t *ret)
{
	const struct kt_symbol *next = sym + 1, *last = ks->syms + ks->n;
	while (next < last && next->address <= sym->address)
		next++;
	if (next == last)
		return false;
	*ret = next->address;
	return true;
}

struct kt_error *kt_code_symbols_get(struct kt_program *prog, struct kt_code_symbols *ret)
{
	struct kt_kallsyms *ks = NULL;
	const struct kt_module_info *infos;
	size_t n;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	err = kt_module_list(prog, &infos, &n);
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	*ret = (struct kt_code_symbols){.kernel = ks, .modules = prog->kernel->modules};
	return NULL;
}

const struct kt_symbol *kt_code_symbol(const struct kt_code_symbols *cs, uint64_t addr,
				       uint64_t *end_ret)
{
	uint64_t end;
	// kallsyms has no sizes: a symbol ends where the next one starts. The kernel's last symbol
	// has no known end: an address past it (module code, the fixmap) is not the kernel's.
	const struct kt_symbol *sym = cs->kernel ? kt_kallsyms_by_address(cs->kernel, addr) : NULL;
	if (sym && symbol_end(cs->kernel, sym, &end))
		goto found;
	const struct kt_module *mod;
	if (!cs->modules || !kt_modules_symbolize(cs->modules, addr, &mod, &sym))
		return NULL;
	// A module's last symbol in a region ends with that region (each is its own allocation).
	const struct kt_module_region *region = kt_module_region_at(mod, addr);
	if ((!symbol_end(mod->symbols, sym, &end) || end > region->base + region->size))
		end = region->base + region->size;
found:
	if (end_ret)
		*end_ret = end;
	return sym;
}

bool kt_is_cold_part(struct kt_program *prog, uint64_t function, uint64_t part)
{
	const char *f, *p, *m;
	uint64_t off;
	struct kt_error *err = kt_program_symbolize(prog, function, &f, &off, &m);
	if (!err)
		err = kt_program_symbolize(prog, part, &p, &off, &m);
	kt_error_destroy(err);
	if (err)
		return false;
	size_t n = strlen(f);
	return !strncmp(p, f, n) && !strcmp(p + n, ".cold");
}

bool kt_symbol_is_text(const struct kt_symbol *sym)
{
	return strchr("tTwW", sym->type) != NULL;
}

/*
 * The per-CPU variable at offset off of a CPU's area: kallsyms lists them first, at their
 * offsets (CONFIG_KALLSYMS_ABSOLUTE_PERCPU), where kt_kallsyms_by_address() does not look.
 * A kernel that links its per-CPU section into the image (v6.15+) addresses them as any symbol.
 */
static const struct kt_symbol *percpu_symbol(const struct kt_kallsyms *ks, uint64_t off)
{
	if (ks->has_percpu && ks->first_text < ks->n &&
	    ks->percpu_start >= ks->syms[ks->first_text].address)
		return kt_kallsyms_is_percpu(ks, off) ? kt_kallsyms_by_address(ks, off) : NULL;
	size_t lo = 0, hi = ks->first_text;
	if (!hi || off < ks->syms[0].address)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].address <= off)
			lo = mid;
		else
			hi = mid;
	}
	// The last one's extent is unknown: name nothing past it.
	return lo + 1 < ks->first_text ? &ks->syms[lo] : NULL;
}

/* Appends " <sym+off>" (gdb's form: no "+0", decimal offset) if a symbol covers addr. */
static void append_symbol(const struct kt_code_symbols *cs, uint64_t addr, bool percpu, char *buf,
			  size_t size, size_t *len)
{
	const struct kt_symbol *sym = !percpu ? kt_code_symbol(cs, addr, NULL)
			       : cs->kernel ? percpu_symbol(cs->kernel, addr) : NULL;
	if (!sym || *len >= size)
		return;
	uint64_t off = addr - sym->address;
	int n = off ? snprintf(buf + *len, size - *len, " <%s+%llu>", sym->name, (unsigned long long)off)
		    : snprintf(buf + *len, size - *len, " <%s>", sym->name);
	*len += n > 0 ? (size_t)n : 0;
}

struct kt_error *kt_insn_render(const struct kt_code_symbols *cs, const struct kt_insn *insn,
				char *buf, size_t size)
{
	struct kt_error *err = kt_insn_format(insn, buf, size);
	if (err)
		return err;
	size_t len = strlen(buf);
	if (insn->has_target) {
		append_symbol(cs, insn->target, false, buf, size, &len);
	} else if (insn->has_mem && insn->mem.base == KT_X86_RIP && insn->mem.has_address) {
		int n = snprintf(buf + len, size - len, "        # 0x%llx",
				 (unsigned long long)insn->mem.address);
		len += n > 0 ? (size_t)n : 0;
		// The kernel's %gs points at the CPU's per-CPU area: the address is an offset in it.
		append_symbol(cs, insn->mem.address, insn->mem.segment == KT_X86_SEG_GS, buf, size, &len);
	}
	if (len >= size)
		return kt_error_create(KT_ERROR_LIMIT, "0x%016llx: instruction text longer than %zu",
				       (unsigned long long)insn->address, size);
	return NULL;
}

static struct kt_error *not_code(uint64_t addr, const struct kt_symbol *sym)
{
	return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
			       "0x%016llx: in %s, a data symbol (type '%c'), not code",
			       (unsigned long long)addr, sym->name, sym->type);
}

/*
 * kallsyms has no sizes: a function ends where the next symbol starts. After a module's last
 * function the next symbol can be far: past the zero padding to the text's page end, and past
 * read-only data without symbols (strings), which would all read as code (`add %al,(%rax)`
 * for each pair of zeros). Compilers pad between functions with int3 or NOPs, and no instruction
 * holds more than 12 zero bytes, so the first run of ZERO_RUN zero bytes ends the function. A
 * read that fails keeps *end; code beyond ZERO_SCAN_MAX bytes is not scanned.
 */
enum { ZERO_RUN = 16, ZERO_SCAN_MAX = 1 << 16 };

static void trim_zero_padding(struct kt_reader *reader, uint64_t start, uint64_t *end)
{
	uint8_t buf[256];
	uint64_t run_start = start, limit = *end - start > ZERO_SCAN_MAX ? start + ZERO_SCAN_MAX : *end;
	size_t run = 0;
	for (uint64_t at = start; at < limit;) {
		size_t len = limit - at < sizeof(buf) ? (size_t)(limit - at) : sizeof(buf);
		struct kt_error *err = kt_read(reader, at, buf, len);
		if (err) {
			kt_error_destroy(err);
			return;
		}
		for (size_t i = 0; i < len; i++) {
			if (buf[i]) {
				run = 0;
				continue;
			}
			if (!run++)
				run_start = at + i;
			if (run == ZERO_RUN) {
				*end = run_start > start ? run_start : *end;
				return;
			}
		}
		at += len;
	}
}

struct kt_error *kt_function_bounds(struct kt_program *prog, uint64_t addr, uint64_t *start_ret,
				    uint64_t *end_ret)
{
	struct kt_code_symbols cs;
	struct kt_error *err = kt_code_symbols_get(prog, &cs);
	if (err)
		return err;
	uint64_t end;
	const struct kt_symbol *sym = kt_code_symbol(&cs, addr, &end);
	if (!sym)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "0x%016llx: in no symbol of the kernel or a module, so no "
				       "function's bounds are known", (unsigned long long)addr);
	if (!kt_symbol_is_text(sym))
		return not_code(addr, sym);
	trim_zero_padding(&prog->reader, sym->address, &end);
	*start_ret = sym->address;
	*end_ret = end;
	return NULL;
}

/*
 * A window of code bytes read ahead from the dump. A read that faults part-way keeps the bytes
 * before the fault: the instructions in them are still shown, and the fault is reported only
 * when an instruction needs the missing bytes.
 */
struct code_window {
	uint64_t addr;
	size_t len;
	struct kt_error *cut;  /* why the window ends before the caller's end, or NULL */
	uint8_t buf[4096];
};

static struct kt_error *window_fill(struct kt_reader *reader, struct code_window *w, uint64_t addr,
				    uint64_t end)
{
	size_t len = end - addr < sizeof(w->buf) ? (size_t)(end - addr) : sizeof(w->buf);
	w->addr = addr;
	w->len = 0;
	kt_error_destroy(w->cut);
	w->cut = NULL;
	struct kt_error *err = kt_read(reader, addr, w->buf, len);
	uint64_t bad;
	if (err && kt_error_code(err) == KT_ERROR_FAULT && kt_error_address(err, &bad) && bad > addr &&
	    bad - addr < len) {
		w->cut = err;
		len = bad - addr;
		err = kt_read(reader, addr, w->buf, len);
	}
	if (err)
		return kt_error_prefix(err, "reading code at 0x%016llx", (unsigned long long)addr);
	w->len = len;
	return NULL;
}

static struct kt_error *emit(const struct kt_code_symbols *cs, const struct kt_insn *insn, bool bad,
			     kt_dis_fn *fn, void *arg, bool *stop)
{
	char text[256];
	struct kt_dis_line line = {
		.address = insn->address,
		.length = insn->length,
		.text = text,
		.kind = insn->kind,
		.has_target = insn->has_target,
		.target = insn->target,
	};
	memcpy(line.bytes, insn->bytes, insn->length);
	if (bad) {
		snprintf(text, sizeof(text), "(bad)");  // as binutils shows a byte it cannot decode
	} else {
		struct kt_error *err = kt_insn_render(cs, insn, text, sizeof(text));
		if (err)
			return err;
	}
	const struct kt_symbol *sym = kt_code_symbol(cs, insn->address, NULL);
	if (sym) {
		line.symbol = sym->name;
		line.offset = insn->address - sym->address;
	}
	*stop = !fn(&line, arg);
	return NULL;
}

struct kt_error *kt_disassemble(struct kt_program *prog, uint64_t start, uint64_t end,
				size_t count, kt_dis_fn *fn, void *arg)
{
	struct kt_code_symbols cs;
	struct kt_error *err = kt_code_symbols_get(prog, &cs);
	if (err)
		return err;
	const struct kt_symbol *sym = kt_code_symbol(&cs, start, NULL);
	if (sym && !kt_symbol_is_text(sym))
		return not_code(start, sym);

	struct code_window *w = calloc(1, sizeof(*w));
	if (!w)
		return &kt_enomem;
	// An instruction that starts below end is shown whole (-r stops at end = ADDR + 1).
	uint64_t limit = end > UINT64_MAX - (KT_INSN_MAX_LENGTH - 1) ? UINT64_MAX
								      : end + KT_INSN_MAX_LENGTH - 1;
	size_t n = 0;
	bool stop = false;
	for (uint64_t addr = start; (addr < end || end == UINT64_MAX) && (!count || n < count) && !stop;
	     n++) {
		// Refill when the window may hold less than the longest instruction.
		size_t want = limit - addr < KT_INSN_MAX_LENGTH ? (size_t)(limit - addr) : KT_INSN_MAX_LENGTH;
		if (!w->len || addr < w->addr || addr + want > w->addr + w->len) {
			if ((err = window_fill(&prog->reader, w, addr, limit)))
				break;
		}
		size_t avail = w->addr + w->len - addr;
		struct kt_insn insn;
		err = kt_insn_decode(addr, w->buf + (addr - w->addr), avail, &insn);
		bool bad = err != NULL;
		kt_error_destroy(err);
		err = NULL;
		if (bad && w->cut && avail < KT_INSN_MAX_LENGTH) {
			// The instruction may well be valid: its end is in memory the dump lacks.
			err = kt_error_prefix(w->cut, "reading code at 0x%016llx",
					      (unsigned long long)addr);
			w->cut = NULL;
			break;
		}
		if (bad)
			insn = (struct kt_insn){.address = addr, .length = 1, .bytes = {w->buf[addr - w->addr]}};
		if ((err = emit(&cs, &insn, bad, fn, arg, &stop)))
			break;
		if (addr + insn.length < addr)
			break;  // the last byte of the address space
		addr += insn.length;
	}
	kt_error_destroy(w->cut);
	free(w);
	return err;
}
