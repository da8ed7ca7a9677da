// SPDX-License-Identifier: MIT
/*
 * Task state names from task_state_array, as fs/proc/array.c indexes it: fls() of the reported
 * bits picks the entry. The array is read from the dump (a static symbol: in kallsyms with
 * CONFIG_KALLSYMS_ALL, always in the vmlinux's symbols), so the bit values come from the kernel
 * itself: on v3.10 TASK_WAKEKILL is bit 7 ("K (wakekill)"), on v4.14+ bit 7 is TASK_DEAD, which
 * /proc never reports.
 *
 * The two reporting schemes, told apart by the array's last entry:
 *   before v4.14  get_task_state(): (state & TASK_REPORT) | exit_state, TASK_REPORT being
 *                 RUNNING..__TASK_TRACED: every bit up to the "t (tracing stop)" entry
 *                 (the mask came with TASK_WAKEKILL, v2.6.25)
 *   v4.14+        task_state_index(): (state | exit_state) & TASK_REPORT, every bit but the
 *                 last entry, which is "I (idle)": TASK_REPORT_IDLE, shown for a task whose state
 *                 holds TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD. TASK_NOLOAD is a macro
 *                 no dump records; include/linux/sched.h has kept the same four bits after
 *                 TASK_REPORT since v4.14 (TASK_DEAD, TASK_WAKEKILL, TASK_WAKING, TASK_NOLOAD),
 *                 so it is the fourth bit past the reported ones.
 *
 * Fallback: without the array (a kernel without CONFIG_KALLSYMS_ALL and no debug vmlinux, or
 * unreadable memory) the v4.14-v6.12 array below stands in, and from_kernel says so.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/task_state.h"

/* fs/proc/array.c, v4.14 to v6.12: the fallback. */
static const char *const FALLBACK[] = {
	"R (running)", "S (sleeping)", "D (disk sleep)", "T (stopped)", "t (tracing stop)",
	"X (dead)", "Z (zombie)", "P (parked)", "I (idle)",
};

/* crash's ps names for /proc's letters. */
static const struct {
	char letter;
	const char *name;
} crash_names[] = {
	{'R', "RU"}, {'S', "IN"}, {'D', "UN"}, {'T', "ST"}, {'t', "TR"}, {'X', "DE"},
	{'x', "DE"}, {'Z', "ZO"}, {'P', "PA"}, {'I', "ID"}, {'W', "WA"},
};

/* An entry looks like "S (sleeping)": a letter, " (", a word, ")". */
static bool parse_entry(const char *s, char *letter_ret, bool *idle_ret)
{
	size_t len = strlen(s);
	if (len < 5 || s[1] != ' ' || s[2] != '(' || s[len - 1] != ')')
		return false;
	*letter_ret = s[0];
	*idle_ret = !strcmp(s + 3, "idle)");
	return true;
}

/* The schemes, from the letters and whether the last entry is "I (idle)". */
static void derive(struct kt_task_states *st, bool last_is_idle)
{
	st->mask_both = last_is_idle;
	st->idle = 0;
	if (last_is_idle) {
		unsigned int reported = st->n - 2;    // bits 0..n-3: entries 1..n-2
		st->report = (1u << reported) - 1;
		uint32_t uninterruptible = 0;
		for (unsigned int i = 1; i < st->n; i++)
			if (st->letter[i] == 'D')
				uninterruptible = 1u << (i - 1);
		if (uninterruptible && reported + 3 < 32)
			st->idle = uninterruptible | 1u << (reported + 3);  // TASK_NOLOAD, see above
		return;
	}
	unsigned int upto = st->n - 1;
	for (unsigned int i = 1; i < st->n; i++)
		if (st->letter[i] == 't')
			upto = i;
	st->report = upto >= 32 ? UINT32_MAX : (1u << upto) - 1;
}

bool kt_task_states_parse(struct kt_task_states *st, const char *const *entries, unsigned int n)
{
	*st = (struct kt_task_states){0};
	bool last_is_idle = false;
	for (unsigned int i = 0; i < n && i < KT_TASK_STATES_MAX; i++) {
		char letter;
		bool idle;
		if (!parse_entry(entries[i], &letter, &idle))
			break;
		st->letter[st->n++] = letter;
		last_is_idle = idle;
	}
	if (st->n < 3 || st->letter[0] != 'R')
		return false;
	derive(st, last_is_idle);
	return true;
}

static void fallback(struct kt_task_states *st)
{
	kt_task_states_parse(st, FALLBACK, KT_ARRAY_SIZE(FALLBACK));
	st->from_kernel = false;
}

/* Reads the array's entries; *ok false if it does not look like task_state_array. */
static struct kt_error *read_array(struct kt_program *prog, struct kt_task_states *st, bool *ok)
{
	struct kt_kallsyms *ks;
	*ok = false;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err)
		return err;
	const struct kt_symbol *sym = kt_kallsyms_by_name(ks, "task_state_array");
	if (!sym)
		return NULL;
	// The array ends where the next symbol starts, if one does within the maximum.
	unsigned int max = KT_TASK_STATES_MAX;
	for (const struct kt_symbol *next = sym + 1; next < ks->syms + ks->n; next++) {
		if (next->address > sym->address) {
			if ((next->address - sym->address) / 8 < max)
				max = (unsigned int)((next->address - sym->address) / 8);
			break;
		}
	}
	uint64_t ptrs[KT_TASK_STATES_MAX];
	char *texts[KT_TASK_STATES_MAX];
	unsigned int n = 0;
	if ((err = kt_read(&prog->reader, sym->address, ptrs, max * 8ul))) {
		kt_error_destroy(err);
		return NULL;
	}
	for (; n < max; n++) {
		if ((err = kt_read_cstr(&prog->reader, ptrs[n], 32, &texts[n]))) {
			if (err == &kt_enomem)
				break;
			kt_error_destroy(err);
			err = NULL;
			break;
		}
	}
	if (!err)
		*ok = kt_task_states_parse(st, (const char *const *)texts, n);
	st->from_kernel = *ok;
	for (unsigned int i = 0; i < n; i++)
		free(texts[i]);
	return err;
}

struct kt_error *kt_task_states_read(struct kt_program *prog, struct kt_task_states *ret)
{
	struct kt_task_states st = {0};
	bool ok;
	struct kt_error *err = read_array(prog, &st, &ok);
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	if (!ok)
		fallback(&st);
	*ret = st;
	return NULL;
}

const char *kt_task_states_name(const struct kt_task_states *st, uint32_t state,
				uint32_t exit_state)
{
	uint32_t bits = st->mask_both ? (state | exit_state) & st->report
				      : (state & st->report) | exit_state;
	unsigned int index = bits ? 32 - (unsigned int)__builtin_clz(bits) : 0;  // fls()
	if (st->idle && (state & st->idle) == st->idle)
		index = st->n - 1;
	if (index >= st->n)
		return "??";
	for (size_t i = 0; i < KT_ARRAY_SIZE(crash_names); i++)
		if (crash_names[i].letter == st->letter[index])
			return crash_names[i].name;
	return "??";
}
