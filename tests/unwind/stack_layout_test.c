// SPDX-License-Identifier: MIT
/*
 * Layouts of stacks, switch frames and ORC entries across kernel eras, detected from types and
 * symbols alone: each era's types built as BTF (as its kernel declares them), its symbols in a
 * table, and the layout ktriage chooses checked. Eras no lab dump exists for (v3.x/v4.x IRQ and
 * IST stacks, switch frames before v4.9, ORC before v6.3) are tested here only.
 */
#include <bpf/btf.h>

#include "core/error.h"
#include "tap.h"
#include "unwind/orc.h"
#include "unwind/stack_layout.h"
#include "unwind/switch_frame.h"

struct sym {
	const char *name;
	uint64_t addr;
};

static struct kt_error *table_address(void *arg, const char *name, uint64_t *ret)
{
	for (const struct sym *s = arg; s->name; s++) {
		if (!strcmp(s->name, name)) {
			*ret = s->addr;
			return NULL;
		}
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "no symbol '%s'", name);
}

/* An era's types: built by the test, then wrapped (and owned) by kt_types. */
struct era {
	struct btf *btf;
	int ulong, u8, s16, uint, idx;
};

static void era_init(struct era *e)
{
	e->btf = btf__new_empty();
	e->ulong = btf__add_int(e->btf, "long unsigned int", 8, 0);
	e->u8 = btf__add_int(e->btf, "char", 1, BTF_INT_SIGNED);
	e->s16 = btf__add_int(e->btf, "short int", 2, BTF_INT_SIGNED);
	e->uint = btf__add_int(e->btf, "unsigned int", 4, 0);
	e->idx = btf__add_int(e->btf, "int", 4, BTF_INT_SIGNED);
}

static int array(struct era *e, int elem, uint32_t n)
{
	return btf__add_array(e->btf, e->idx, elem, n);
}

/* struct NAME { char M[size]; ... } from (member, size) pairs, one after the other. */
static int char_struct(struct era *e, const char *name, bool is_union, const char *const *members,
		       const uint32_t *sizes, size_t n)
{
	uint32_t total = 0;
	for (size_t i = 0; i < n; i++)
		total = is_union ? (sizes[i] > total ? sizes[i] : total) : total + sizes[i];
	int arrays[16];
	for (size_t i = 0; i < n; i++)
		arrays[i] = array(e, e->u8, sizes[i]);
	int id = is_union ? btf__add_union(e->btf, name, total) : btf__add_struct(e->btf, name, total);
	uint32_t off = 0;
	for (size_t i = 0; i < n; i++) {
		btf__add_field(e->btf, members[i], arrays[i], is_union ? 0 : off * 8, 0);
		off += sizes[i];
	}
	return id;
}

/* struct task_struct { ...; struct thread_struct thread (sp at +8); } at offset 0x100. */
static void add_task_struct(struct era *e)
{
	int thread = btf__add_struct(e->btf, "thread_struct", 16);
	btf__add_field(e->btf, "sp0", e->ulong, 0, 0);
	btf__add_field(e->btf, "sp", e->ulong, 64, 0);
	btf__add_struct(e->btf, "task_struct", 0x200);
	btf__add_field(e->btf, "thread", thread, 0x100 * 8, 0);
}

static struct kt_types *era_types(struct era *e)
{
	struct kt_types *types;
	struct kt_error *err = kt_types_from_btf(e->btf, &types);
	if (err) {
		tap_diag("kt_types_from_btf: %s", kt_error_message(err));
		kt_error_destroy(err);
		return NULL;
	}
	return types;
}

static const char *const CEA_5_10[] = {"DF_stack_guard", "DF_stack", "NMI_stack_guard", "NMI_stack",
				       "DB_stack_guard", "DB_stack", "MCE_stack_guard", "MCE_stack",
				       "VC_stack_guard", "VC_stack", "VC2_stack_guard", "VC2_stack",
				       "IST_top_guard"};
static const uint32_t CEA_5_10_SIZES[] = {4096, 8192, 4096, 8192, 4096, 8192, 4096, 8192,
					  4096, 8192, 4096, 8192, 4096};

/* v5.2 - v6.1: per-CPU hardirq_stack_ptr, struct irq_stack, cea_exception_stacks; the init task's
 * stack between __start_init_task and __end_init_task. */
static void test_hardirq_stack_ptr(void)
{
	struct era e;
	era_init(&e);
	char_struct(&e, "irq_stack", false, (const char *const[]){"stack"}, (const uint32_t[]){16384}, 1);
	char_struct(&e, "cea_exception_stacks", false, CEA_5_10, CEA_5_10_SIZES, 13);
	struct kt_types *types = era_types(&e);
	struct sym syms[] = {{"hardirq_stack_ptr", 0x1fb48}, {"cea_exception_stacks", 0x1fff8},
			     {"__start_init_task", 0xffffffff82a00000}, {"__end_init_task", 0xffffffff82a04000},
			     {NULL, 0}};
	struct kt_symbol_source src = {table_address, syms};
	uint64_t thread_size = 0;
	const char *from = NULL;
	struct kt_error *err = kt_task_stack_size_detect(types, &src, &thread_size, &from);
	tap_ok(!err && thread_size == 16384 && !strcmp(from, "__end_init_task - __start_init_task"),
	       "v6.1: THREAD_SIZE 16384 from __end_init_task - __start_init_task");
	kt_error_destroy(err);
	struct kt_stack_layout l;
	kt_stack_layout_detect(types, &src, thread_size, &l);
	tap_ok(l.irq_how == KT_IRQ_STACK_POINTER && !strcmp(l.irq_symbol, "hardirq_stack_ptr") &&
	       l.irq_member == 0 && l.irq_size == 16384,
	       "v6.1: IRQ stack through per-CPU hardirq_stack_ptr, 16384 bytes (struct irq_stack)");
	bool ok = l.ist_how == KT_IST_CEA && l.n_ist == 6;
	static const enum kt_stack_kind kinds[] = {KT_STACK_DF, KT_STACK_NMI, KT_STACK_DB, KT_STACK_MCE,
						   KT_STACK_VC, KT_STACK_VC};
	static const uint64_t offsets[] = {0x1000, 0x4000, 0x7000, 0xa000, 0xd000, 0x10000};
	for (size_t i = 0; ok && i < 6; i++)
		ok = l.ist[i].kind == kinds[i] && l.ist[i].offset == offsets[i] && l.ist[i].size == 8192;
	tap_ok(ok, "v6.1: IST stacks #DF NMI #DB #MC #VC #VC2 at their cea_exception_stacks members");
	kt_types_destroy(types);
}

/* v6.2 - v6.14: hardirq_stack_ptr is a member of the per-CPU struct pcpu_hot. */
static void test_pcpu_hot(void)
{
	struct era e;
	era_init(&e);
	int irq = char_struct(&e, "irq_stack", false, (const char *const[]){"stack"}, (const uint32_t[]){32768}, 1);
	int ptr = btf__add_ptr(e.btf, irq);
	btf__add_struct(e.btf, "pcpu_hot", 64);
	btf__add_field(e.btf, "current_task", e.ulong, 0, 0);
	btf__add_field(e.btf, "preempt_count", e.idx, 64, 0);
	btf__add_field(e.btf, "cpu_number", e.idx, 96, 0);
	btf__add_field(e.btf, "top_of_stack", e.ulong, 128, 0);
	btf__add_field(e.btf, "hardirq_stack_ptr", ptr, 192, 0);
	int longs = array(&e, e.ulong, 4096);
	btf__add_union(e.btf, "thread_union", 32768);
	btf__add_field(e.btf, "stack", longs, 0, 0);
	struct kt_types *types = era_types(&e);
	struct sym syms[] = {{"pcpu_hot", 0x32000}, {NULL, 0}};
	struct kt_symbol_source src = {table_address, syms};
	uint64_t thread_size = 0;
	const char *from = NULL;
	struct kt_error *err = kt_task_stack_size_detect(types, &src, &thread_size, &from);
	tap_ok(!err && thread_size == 32768 && !strcmp(from, "union thread_union"),
	       "KASAN: THREAD_SIZE 32768 from union thread_union, not 16 KiB");
	kt_error_destroy(err);
	struct sym v612[] = {{"pcpu_hot", 0x32000}, {"__start_init_stack", 0xffffffff82c00000},
			     {"__end_init_stack", 0xffffffff82c04000}, {NULL, 0}};
	struct kt_symbol_source src612 = {table_address, v612};
	uint64_t size612 = 0;
	err = kt_task_stack_size_detect(NULL, &src612, &size612, &from);
	tap_ok(!err && size612 == 16384 && !strcmp(from, "__end_init_stack - __start_init_stack"),
	       "v6.x (no types): THREAD_SIZE 16384 from __end_init_stack - __start_init_stack");
	kt_error_destroy(err);
	struct kt_stack_layout l;
	kt_stack_layout_detect(types, &src, thread_size, &l);
	tap_ok(l.irq_how == KT_IRQ_STACK_POINTER && !strcmp(l.irq_symbol, "pcpu_hot") && l.irq_member == 24 &&
	       l.irq_size == 32768, "v6.2+: IRQ stack through pcpu_hot.hardirq_stack_ptr (offset 24), "
	       "32768 bytes");
	tap_ok(l.ist_how == KT_IST_NONE && strstr(l.ist_missing, "cea_exception_stacks") &&
	       strstr(l.ist_missing, "orig_ist"), "no IST symbols: the reason names what was looked for (%s)",
	       l.ist_missing);
	kt_types_destroy(types);
}

/* v4.x: the per-CPU union irq_stack_union is the IRQ stack; orig_ist holds the IST tops and the
 * per-CPU array exception_stacks all the IST stacks. */
static void test_irq_stack_union(bool cea_member)
{
	struct era e;
	era_init(&e);
	// (A member's type is added before its struct: btf__add_field extends the last type added.)
	int stack = array(&e, e.u8, 16384), tops = array(&e, e.ulong, 7), page = array(&e, e.u8, 4096);
	int estacks = array(&e, e.u8, 3 * 4096 + 8192);
	int u = btf__add_union(e.btf, "irq_stack_union", 16384);
	btf__add_field(e.btf, "irq_stack", stack, 0, 0);
	btf__add_struct(e.btf, "orig_ist", 56);
	btf__add_field(e.btf, "ist", tops, 0, 0);
	if (cea_member) {
		// v4.15 - v5.1: the stacks live in cpu_entry_area.
		btf__add_struct(e.btf, "cpu_entry_area", 0x10000);
		btf__add_field(e.btf, "gdt", page, 0, 0);
		btf__add_field(e.btf, "exception_stacks", estacks, 4096 * 8, 0);
	} else {
		btf__add_var(e.btf, "exception_stacks", BTF_VAR_GLOBAL_ALLOCATED, estacks);
	}
	btf__add_var(e.btf, "irq_stack_union", BTF_VAR_GLOBAL_ALLOCATED, u);
	struct kt_types *types = era_types(&e);
	struct sym syms[] = {{"irq_stack_union", 0}, {"irq_stack_ptr", 0x4000}, {"orig_ist", 0x5000},
			     {"exception_stacks", 0x6000}, {NULL, 0}};
	struct kt_symbol_source src = {table_address, syms};
	struct kt_stack_layout l;
	kt_stack_layout_detect(types, &src, 16384, &l);
	const char *era = cea_member ? "v4.15-v5.1" : "v4.x";
	tap_ok(l.irq_how == KT_IRQ_STACK_OBJECT && !strcmp(l.irq_symbol, "irq_stack_union") &&
	       l.irq_size == 16384, "%s: the per-CPU irq_stack_union is the IRQ stack, 16384 bytes", era);
	if (!tap_ok(l.ist_how == KT_IST_ORIG_IST && l.n_ist == 7 && l.ist[3].offset == 24 &&
		    l.ist_total == 20480, "%s: IST stacks from orig_ist's 7 tops, 20480 bytes together (%s)",
		    era, cea_member ? "cpu_entry_area.exception_stacks" : "the exception_stacks variable"))
		tap_diag("%s", l.ist_missing);
	kt_types_destroy(types);
}

/* What orig_ist's tops say: which stack is which, by count and by the #DB stack's double size. */
static void test_ist_tops(void)
{
	struct kt_stack out[8];
	char why[128];
	uint64_t base = 0xffff88003fc00000ull;
	uint64_t four[7] = {base + 4096, base + 8192, base + 16384, base + 20480};
	size_t n = kt_ist_stacks_from_tops(four, 7, 20480, out, why, sizeof(why));
	tap_ok(n == 4 && out[0].kind == KT_STACK_DF && out[0].start == base && out[1].kind == KT_STACK_NMI &&
	       out[1].start == base + 4096 && out[1].end == base + 8192 && out[2].kind == KT_STACK_DB &&
	       out[2].end - out[2].start == 8192 && out[3].kind == KT_STACK_MCE && out[3].end == base + 20480,
	       "4 IST tops (v3.18+): #DF NMI #DB(8 KiB) #MC, the first at the last top - 20480");
	uint64_t five[7] = {base + 4096, base + 8192, base + 12288, base + 20480, base + 24576};
	n = kt_ist_stacks_from_tops(five, 7, 24576, out, why, sizeof(why));
	tap_ok(n == 5 && out[0].kind == KT_STACK_SS && out[2].kind == KT_STACK_NMI && out[3].kind == KT_STACK_DB &&
	       out[4].kind == KT_STACK_MCE, "5 IST tops (before v3.18): #SS #DF NMI #DB #MC");
	uint64_t wrong[7] = {base + 8192, base + 12288, base + 16384, base + 20480};
	n = kt_ist_stacks_from_tops(wrong, 7, 20480, out, why, sizeof(why));
	tap_ok(n == 0 && strstr(why, "#DB"), "tops whose widest stack is not #DB are refused (%s)", why);
	uint64_t three[7] = {base + 4096, base + 8192, base + 16384};
	n = kt_ist_stacks_from_tops(three, 7, 16384, out, why, sizeof(why));
	tap_ok(n == 0 && strstr(why, "3 stack tops"), "3 tops are no known layout (%s)", why);
}

/* Nothing an era would have: errors that name what was looked for. */
static void test_nothing(void)
{
	struct era e;
	era_init(&e);
	struct kt_types *types = era_types(&e);
	struct sym syms[] = {{NULL, 0}};
	struct kt_symbol_source src = {table_address, syms};
	uint64_t size;
	struct kt_error *err = kt_task_stack_size_detect(types, &src, &size, NULL);
	tap_ok(err && strstr(kt_error_message(err), "thread_union") &&
	       strstr(kt_error_message(err), "__start_init_task"),
	       "no stack size anywhere: the error names what was looked for (%s)",
	       err ? kt_error_message(err) : "no error");
	kt_error_destroy(err);
	struct kt_stack_layout l;
	kt_stack_layout_detect(types, &src, 16384, &l);
	tap_ok(l.irq_how == KT_IRQ_STACK_NONE && strstr(l.irq_missing, "irq_stack_union") &&
	       strstr(l.irq_missing, "pcpu_hot.hardirq_stack_ptr") && strstr(l.irq_missing, "irq_stack_ptr"),
	       "no IRQ stack symbol: the reason names all four (%s)", l.irq_missing);
	struct kt_switch_layout sl;
	err = kt_switch_layout_detect(types, &sl);
	tap_ok(err && strstr(kt_error_message(err), "thread.sp"),
	       "no task_struct.thread.sp: the switch frame error says so (%s)",
	       err ? kt_error_message(err) : "no error");
	kt_error_destroy(err);
	struct kt_orc_format f;
	err = kt_orc_format_detect(types, &f);
	tap_ok(err && strstr(kt_error_message(err), "struct orc_entry"),
	       "no struct orc_entry: no ORC layout is guessed (%s)", err ? kt_error_message(err) : "no error");
	kt_error_destroy(err);
	err = kt_orc_format_detect(NULL, &f);
	tap_ok(err != NULL, "no types at all: no ORC layout is guessed");
	kt_error_destroy(err);
	kt_types_destroy(types);
}

static void test_switch_frames(void)
{
	struct era e;
	era_init(&e);
	add_task_struct(&e);
	struct kt_types *types = era_types(&e);
	struct kt_switch_layout l;
	struct kt_error *err = kt_switch_layout_detect(types, &l);
	tap_ok(!err && l.how == KT_SWITCH_SAVED_RBP && l.sp_off == 0x108,
	       "before v4.9 (no struct inactive_task_frame): rbp saved at thread.sp (task_struct+0x108)");
	kt_error_destroy(err);
	kt_types_destroy(types);

	era_init(&e);
	add_task_struct(&e);
	static const char *const regs[] = {"r15", "r14", "r13", "r12", "bx", "bp", "ret_addr"};
	btf__add_struct(e.btf, "inactive_task_frame", 56);
	for (unsigned int i = 0; i < 7; i++)
		btf__add_field(e.btf, regs[i], e.ulong, i * 64, 0);
	types = era_types(&e);
	err = kt_switch_layout_detect(types, &l);
	tap_ok(!err && l.how == KT_SWITCH_INACTIVE_FRAME && l.ret_off == 48 && l.bp_off == 40 &&
	       l.frame_size == 56, "v4.9+: struct inactive_task_frame, ret_addr at +48, bp at +40");
	kt_error_destroy(err);
	kt_types_destroy(types);
}

/* struct orc_entry of an era: sp_reg:4, bp_reg:4, type:TYPE_BITS, then flags in order. */
static struct kt_types *orc_era(unsigned int type_bits, const char *const *flags, size_t n_flags)
{
	struct era e;
	era_init(&e);
	btf__add_struct(e.btf, "orc_entry", 6);
	btf__add_field(e.btf, "sp_offset", e.s16, 0, 0);
	btf__add_field(e.btf, "bp_offset", e.s16, 16, 0);
	btf__add_field(e.btf, "sp_reg", e.uint, 32, 4);
	btf__add_field(e.btf, "bp_reg", e.uint, 36, 4);
	btf__add_field(e.btf, "type", e.uint, 40, type_bits);
	for (size_t i = 0; i < n_flags; i++)
		btf__add_field(e.btf, flags[i], e.uint, 40 + type_bits + (uint32_t)i, 1);
	return era_types(&e);
}

static void test_orc(void)
{
	struct kt_orc_format f;
	struct kt_orc_entry entry;
	// sp_offset 16, bp_offset -16, sp_reg SP (5), bp_reg PREV_SP (1), then the type and flags.
	uint8_t raw[6] = {16, 0, 0xf0, 0xff, 0x15, 0};

	struct kt_types *types = orc_era(2, (const char *const[]){"end"}, 1);
	struct kt_error *err = kt_orc_format_detect(types, &f);
	raw[5] = 1 | 1 << 2;  // REGS, end
	if (!err)
		kt_orc_decode(&f, raw, &entry);
	tap_ok(!err && f.type_bit == 8 && f.type_bits == 2 && f.end_bit == 10 && !f.typed_end &&
	       entry.type == KT_ORC_TYPE_END_OF_STACK && entry.sp_reg == KT_ORC_REG_SP &&
	       entry.bp_reg == KT_ORC_REG_PREV_SP && entry.sp_offset == 16 && entry.bp_offset == -16,
	       "v4.14 - v6.2 ORC entry: 2-bit type at bit 8, end at 10; an end entry decodes as the end");
	kt_error_destroy(err);
	kt_types_destroy(types);

	types = orc_era(2, (const char *const[]){"signal", "end"}, 2);
	err = kt_orc_format_detect(types, &f);
	raw[5] = 2 | 1 << 2;  // REGS_PARTIAL, signal
	if (!err)
		kt_orc_decode(&f, raw, &entry);
	tap_ok(!err && f.signal_bit == 10 && f.end_bit == 11 && entry.type == KT_ORC_TYPE_REGS_PARTIAL &&
	       entry.signal, "v6.3 ORC entry: signal at bit 10, end at 11");
	kt_error_destroy(err);
	kt_types_destroy(types);

	types = orc_era(3, (const char *const[]){"signal"}, 1);
	err = kt_orc_format_detect(types, &f);
	raw[5] = 3;  // REGS in the v6.4 numbering
	if (!err)
		kt_orc_decode(&f, raw, &entry);
	bool regs = !err && entry.type == KT_ORC_TYPE_REGS;
	raw[5] = 0;  // UNDEFINED: the type drgn 0.0.22 does not know on 6.12 is 3, REGS
	if (!err)
		kt_orc_decode(&f, raw, &entry);
	tap_ok(regs && f.typed_end && f.type_bits == 3 && f.signal_bit == 11 &&
	       entry.type == KT_ORC_TYPE_UNDEFINED, "v6.4+ ORC entry: 3-bit type (3 is REGS, 0 UNDEFINED), "
	       "signal at bit 11, no end bit");
	kt_error_destroy(err);
	kt_types_destroy(types);

	types = orc_era(3, (const char *const[]){"end"}, 1);
	err = kt_orc_format_detect(types, &f);
	tap_ok(err && strstr(kt_error_message(err), "3-bit type and an end bit"),
	       "an unknown ORC layout (3-bit type and an end bit) is refused (%s)",
	       err ? kt_error_message(err) : "no error");
	kt_error_destroy(err);
	kt_types_destroy(types);
}

int main(void)
{
	test_hardirq_stack_ptr();
	test_pcpu_hot();
	test_irq_stack_union(false);
	test_irq_stack_union(true);
	test_ist_tops();
	test_nothing();
	test_switch_frames();
	test_orc();
	return tap_done();
}
