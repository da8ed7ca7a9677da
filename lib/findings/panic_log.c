// SPDX-License-Identifier: MIT
/*
 * Why the kernel died, from its log: the last "Kernel panic - not syncing:" line, the report
 * that led to it, and what that report says (panic_patterns.def). Lines of one report are tied
 * by printk's caller id where the log has one (5.10+: "T<pid>" in task context, "C<cpu>"
 * outside), so that another CPU's messages interleaved with it are not taken for its own.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "findings/panic_log.h"

enum panic_where { WHERE_PANIC, WHERE_CAUSE, WHERE_FATAL };
enum panic_match { MATCH_PREFIX, MATCH_CONTAINS };

struct panic_pattern {
	enum kt_panic_class cls;
	enum panic_where where;
	enum panic_match match;
	const char *text;
	const char *source;
};

static const struct panic_pattern patterns[] = {
#define CLASS(id, code, severity, signature, sign, title)
#define PATTERN(cls, where, match, text, source) \
	{KT_PANIC_CLASS_##cls, WHERE_##where, MATCH_##match, text, source},
#include "findings/panic_patterns.def"
#undef CLASS
#undef PATTERN
};

const struct kt_panic_class_info kt_panic_classes[KT_PANIC_CLASS_COUNT] = {
#define CLASS(id, code, severity, signature, sign, title) \
	[KT_PANIC_CLASS_##id] = {code, severity, signature, KT_PANIC_SIGN_##sign, title},
#define PATTERN(cls, where, match, text, source)
#include "findings/panic_patterns.def"
#undef CLASS
#undef PATTERN
};

static const char panic_prefix[] = "Kernel panic - not syncing: ";

/* How far before a die header its page-fault or BUG() line may be: show_fault_oops() prints
 * at most the BUG line, "#PF:" twice, the page-table walk and an SMEP/NX line. */
enum { DIE_CAUSE_WINDOW = 12 };
/* How far after a report its "CPU: N PID: P Comm: C" line may be. */
enum { CPU_LINE_WINDOW = 12 };

static const char *source_die = "arch/x86/kernel/dumpstack.c __die_header() via die(): \"STR: %04lx [#N]\"";
static const char *source_panic = "kernel/panic.c panic(), called by the function under it on the panicking CPU";

static bool pattern_matches(const struct panic_pattern *p, const char *text)
{
	return p->match == MATCH_PREFIX ? !strncmp(text, p->text, strlen(p->text)) : strstr(text, p->text) != NULL;
}

/* The first pattern of kind where (or also FATAL, for a panic message) that text matches. */
static const struct panic_pattern *pattern_find(const char *text, enum panic_where where)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(patterns); i++)
		if ((patterns[i].where == where || (where == WHERE_PANIC && patterns[i].where == WHERE_FATAL)) &&
		    pattern_matches(&patterns[i], text))
			return &patterns[i];
	return NULL;
}

static bool is_oops_class(enum kt_panic_class cls)
{
	return cls == KT_PANIC_CLASS_PAGE_FAULT || cls == KT_PANIC_CLASS_GPF || cls == KT_PANIC_CLASS_BUG ||
	       cls == KT_PANIC_CLASS_OOPS;
}

/* Two lines of one report: the same printk caller, when both say. */
static bool same_context(const struct kt_log_line *a, const struct kt_log_line *b)
{
	return !a->caller_id || !b->caller_id || a->caller_id == b->caller_id;
}

/* die()'s header "STR: %04lx [#N]..." (6.10+: "Oops: STR: ..."). */
static bool die_header(const char *text, char *str, size_t size, unsigned int *err, unsigned int *count)
{
	for (const char *p = strstr(text, " [#"); p; p = strstr(p + 1, " [#")) {
		if (p - text < 6 || p[-6] != ':' || p[-5] != ' ')
			continue;
		bool hex = true;
		for (int i = 1; i <= 4; i++)
			hex = hex && isxdigit((unsigned char)p[-i]);
		char *end;
		unsigned long n = strtoul(p + 3, &end, 10);
		if (!hex || end == p + 3 || *end != ']')
			continue;
		const char *s = text;
		size_t len = (size_t)(p - 6 - text);
		if (len > 6 && !strncmp(s, "Oops: ", 6)) {
			s += 6;
			len -= 6;
		}
		kt_textf(str, size, "%.*s", (int)len, s);
		*err = (unsigned int)strtoul(p - 4, NULL, 16);
		*count = (unsigned int)n;
		return true;
	}
	return false;
}

/* "RIP: 0010:func+0x22/0x40 [mod]", "RIP: 0010:[<addr>]  [<addr>] func+0x22/0x40 [mod]" (3.10),
 * "IP: [<addr>] func+..." (show_fault_oops() before 5.0), "RIP: 0010:0xffffffffc14dd888" (no
 * symbol). Only kernel mode: the selector's RPL is 0 ("0033:" is user space). */
static bool rip_parse(const char *text, struct kt_panic_rip *r)
{
	const char *p;
	if (!strncmp(text, "RIP: ", 5))
		p = text + 5;
	else if (!strncmp(text, "IP: ", 4))
		p = text + 4;
	else
		return false;
	char *end;
	unsigned long cs = strtoul(p, &end, 16);
	if (end - p == 4 && *end == ':') {
		if (cs & 3)
			return false;
		p = end + 1;
	}
	*r = (struct kt_panic_rip){.line = KT_PANIC_NO_LINE};
	if (p[0] == '[' && p[1] == '<') {
		r->address = strtoull(p + 2, &end, 16);
		r->has_address = *end == '>';
	} else if (!strncmp(p, "0x", 2)) {
		r->address = strtoull(p, &end, 16);
		r->has_address = end > p + 2;
	}
	// The symbol: the token "name+0xOFF/0xSIZE", then "[module]".
	for (const char *t = p; *t;) {
		while (*t == ' ')
			t++;
		size_t len = strcspn(t, " ");
		const char *plus = memchr(t, '+', len);
		if (plus && plus > t && !strncmp(plus, "+0x", 3) && memchr(plus, '/', len - (size_t)(plus - t))) {
			kt_textf(r->function, sizeof(r->function), "%.*s", (int)(plus - t), t);
			r->offset = strtoull(plus + 1, NULL, 16);
			const char *m = t + len;
			while (*m == ' ')
				m++;
			if (*m == '[') {
				size_t mlen = strcspn(m + 1, "] ");
				kt_textf(r->module, sizeof(r->module), "%.*s", (int)mlen, m + 1);
			}
			break;
		}
		t += len;
	}
	return r->function[0] || r->has_address;
}

/* "CPU: 1 PID: 106 Comm: ktest_oopser ..." (6.12: "CPU: 1 UID: 0 PID: 106 Comm: ..."). */
static bool cpu_line_parse(const char *text, struct kt_panic_log *pl)
{
	if (strncmp(text, "CPU: ", 5))
		return false;
	const char *pid = strstr(text, " PID: "), *comm = strstr(text, " Comm: ");
	if (!pid || !comm)
		return false;
	pl->cpu = (int)strtol(text + 5, NULL, 10);
	pl->pid = (int)strtol(pid + 6, NULL, 10);
	comm += 7;
	kt_textf(pl->comm, sizeof(pl->comm), "%.*s", (int)strcspn(comm, " "), comm);
	return true;
}

static long last_die_header(const struct kt_log_line *log, long from, long to, const struct kt_log_line *tie,
			    struct kt_panic_log *pl)
{
	for (long i = to - 1; i >= from; i--)
		if ((!tie || same_context(&log[i], tie)) &&
		    die_header(log[i].text, pl->die_str, sizeof(pl->die_str), &pl->die_error, &pl->die_count))
			return i;
	return KT_PANIC_NO_LINE;
}

/* The oops whose die header is line d: its class from the header itself or the report just
 * before it (a page fault's BUG line, kernel BUG at). */
static void oops_read(const struct kt_log_line *log, long floor, long d, struct kt_panic_log *pl)
{
	pl->die_line = d;
	pl->cls = KT_PANIC_CLASS_OOPS;
	pl->source = source_die;
	const struct panic_pattern *p = pattern_find(log[d].text, WHERE_CAUSE);
	if (p && is_oops_class(p->cls)) {
		pl->cls = p->cls;
		pl->source = p->source;
		return;
	}
	for (long i = d - 1; i >= floor && i >= d - DIE_CAUSE_WINDOW; i--) {
		char str[8];
		unsigned int e, c;
		if (die_header(log[i].text, str, sizeof(str), &e, &c))
			break;  // an earlier oops
		if (!same_context(&log[i], &log[d]))
			continue;
		p = pattern_find(log[i].text, WHERE_CAUSE);
		if (p && is_oops_class(p->cls)) {
			pl->cls = p->cls;
			pl->source = p->source;
			pl->cause_line = i;
			return;
		}
	}
}

static void page_fault_read(const struct kt_log_line *log, long end, struct kt_panic_log *pl)
{
	const char *text = pl->cause_line != KT_PANIC_NO_LINE ? log[pl->cause_line].text : NULL;
	const char *a = text ? strstr(text, "address: ") : NULL;
	if (a) {
		pl->fault_address = strtoull(a + 9, NULL, 16);
		pl->has_fault_address = true;
	} else if (text && (a = strstr(text, " at "))) {
		// Before 5.0: "... at %p", "(null)" for 0.
		pl->fault_address = strncmp(a + 4, "(null)", 6) ? strtoull(a + 4, NULL, 16) : 0;
		pl->has_fault_address = true;
	}
	long from = pl->cause_line != KT_PANIC_NO_LINE ? pl->cause_line : pl->die_line;
	for (long i = from + 1; i < pl->die_line; i++) {
		if (!strncmp(log[i].text, "#PF: error_code(", 16))
			pl->pf_error_line = i;
		else if (!strncmp(log[i].text, "#PF: ", 5) && strstr(log[i].text, " access "))
			pl->pf_access_line = i;
	}
	// page_fault_oops()/no_context() end the oops with "CR2: %016lx", the address it was given
	// (the register dump's CR2 is read later and may differ: see panic_cause.c).
	for (long i = pl->die_line + 1; i < end; i++) {
		const char *t = log[i].text;
		if (!strncmp(t, "CR2: ", 5) && strspn(t + 5, "0123456789abcdef") == 16 && !t[21] &&
		    same_context(&log[i], &log[pl->die_line])) {
			pl->cr2_line = i;
			if (!pl->has_fault_address) {
				pl->fault_address = strtoull(t + 5, NULL, 16);
				pl->has_fault_address = true;
			}
			break;
		}
	}
}

/* The stalled CPU of an RCU report: its next line is "\t1-....: (20999 ticks this GP) ..."
 * (kernel/rcu/tree_stall.h print_cpu_stall_info()). */
static void rcu_cpu_read(const struct kt_log_line *log, long end, struct kt_panic_log *pl)
{
	for (long i = pl->cause_line + 1; i < end && i <= pl->cause_line + 4; i++) {
		const char *t = log[i].text;
		if (!strncmp(t, "rcu: ", 5))  // pr_fmt, 5.0+
			t += 5;
		t += strspn(t, " \t");
		char *e;
		long cpu = strtol(t, &e, 10);
		if (e > t && *e == '-' && isdigit((unsigned char)*t)) {
			pl->cpu = (int)cpu;
			return;
		}
	}
}

/* What the report says after its first line, up to end (the panic line, or the log's end). */
static void report_read(const struct kt_log_line *log, size_t n, long end, struct kt_panic_log *pl)
{
	enum kt_panic_class cls = pl->cls;
	long start = pl->die_line != KT_PANIC_NO_LINE ? pl->die_line : pl->cause_line;
	bool from_panic = cls == KT_PANIC_CLASS_SYSRQ || cls == KT_PANIC_CLASS_HUNG_TASK || cls == KT_PANIC_CLASS_OTHER ||
			  cls == KT_PANIC_CLASS_MCE || cls == KT_PANIC_CLASS_NMI || cls == KT_PANIC_CLASS_OOM;
	long cpu_from = from_panic && pl->panic_line != KT_PANIC_NO_LINE ? pl->panic_line : start;
	if (cpu_from == KT_PANIC_NO_LINE)
		cpu_from = pl->panic_line;
	for (long i = cpu_from; cpu_from != KT_PANIC_NO_LINE && i < (long)n && i <= cpu_from + CPU_LINE_WINDOW; i++)
		if (same_context(&log[i], &log[cpu_from]) && cpu_line_parse(log[i].text, pl)) {
			pl->cpu_line = i;
			break;
		}
	if (!from_panic && start != KT_PANIC_NO_LINE) {
		for (long i = start; i < end; i++)
			if (same_context(&log[i], &log[start]) && rip_parse(log[i].text, &pl->rip)) {
				pl->rip.line = i;
				break;
			}
	}
	const char *cause = pl->cause_line != KT_PANIC_NO_LINE ? log[pl->cause_line].text : "";
	const char *s;
	switch (cls) {
	case KT_PANIC_CLASS_PAGE_FAULT:
		page_fault_read(log, end, pl);
		break;
	case KT_PANIC_CLASS_GPF:
		if (pl->die_line != KT_PANIC_NO_LINE &&
		    ((s = strstr(log[pl->die_line].text, "address 0x")) != NULL)) {
			pl->fault_address = strtoull(s + 8, NULL, 16);
			pl->has_fault_address = true;
		}
		for (long i = pl->die_line + 1; pl->die_line != KT_PANIC_NO_LINE && i < end && i <= pl->die_line + 2; i++)
			if (!strncmp(log[i].text, "KASAN: ", 7))
				pl->kasan_line = i;
		break;
	case KT_PANIC_CLASS_SOFT_LOCKUP:
		// "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]"
		if ((s = strstr(cause, "CPU#")) != NULL) {
			pl->cpu = (int)strtol(s + 4, NULL, 10);
			const char *f = strstr(s, "stuck for ");
			pl->stuck_seconds = f ? (unsigned int)strtoul(f + 10, NULL, 10) : 0;
			const char *b = strrchr(s, '['), *colon = b ? strrchr(b, ':') : NULL;
			if (b && colon) {
				kt_textf(pl->comm, sizeof(pl->comm), "%.*s", (int)(colon - b - 1), b + 1);
				pl->pid = (int)strtol(colon + 1, NULL, 10);
			}
		}
		break;
	case KT_PANIC_CLASS_HARD_LOCKUP:
		s = strstr(cause, " on cpu ");
		if (!s && pl->message)
			s = strstr(pl->message, " on cpu ");
		if (s)
			pl->cpu = (int)strtol(s + 8, NULL, 10);
		break;
	case KT_PANIC_CLASS_RCU_STALL:
		if (pl->cause_line != KT_PANIC_NO_LINE)
			rcu_cpu_read(log, end, pl);
		break;
	case KT_PANIC_CLASS_NMI:
		if ((s = strstr(cause, " on CPU ")) != NULL)
			pl->cpu = (int)strtol(s + 8, NULL, 10);
		break;
	default:
		break;
	}
}

static void blocked_read(const struct kt_log_line *log, long floor, long end, struct kt_panic_log *pl)
{
	for (long i = floor; i < end && pl->n_blocked < KT_ARRAY_SIZE(pl->blocked_lines); i++) {
		const struct panic_pattern *p = pattern_find(log[i].text, WHERE_CAUSE);
		if (p && p->cls == KT_PANIC_CLASS_HUNG_TASK && same_context(&log[i], &log[end]))
			pl->blocked_lines[pl->n_blocked++] = i;
	}
}

/* Reports before line `before` of other classes than the deciding one's. */
static void earlier_read(const struct kt_log_line *log, long floor, long before, struct kt_panic_log *pl)
{
	const struct panic_pattern *seen[KT_ARRAY_SIZE(pl->earlier_lines)];
	for (long i = before - 1; i >= floor && pl->n_earlier < KT_ARRAY_SIZE(pl->earlier_lines); i--) {
		if (i == pl->cause_line || i == pl->die_line)
			continue;
		char str[8];
		unsigned int e, c;
		const struct panic_pattern *p = pattern_find(log[i].text, WHERE_CAUSE);
		bool die = !p && die_header(log[i].text, str, sizeof(str), &e, &c);
		if ((!p && !die) || (p && (p->cls == pl->cls || p->cls == KT_PANIC_CLASS_SYSRQ)))
			continue;
		bool again = false;
		for (size_t k = 0; k < pl->n_earlier && !again; k++)
			again = seen[k] == p && (p || die);
		if (again)
			continue;
		seen[pl->n_earlier] = p;
		pl->earlier_lines[pl->n_earlier++] = i;
	}
}

bool kt_panic_log_read(const struct kt_log_line *log, size_t n, struct kt_panic_log *ret)
{
	struct kt_panic_log *pl = ret;
	*pl = (struct kt_panic_log){.cls = KT_PANIC_CLASS_OTHER, .panic_line = KT_PANIC_NO_LINE,
				 .cause_line = KT_PANIC_NO_LINE, .die_line = KT_PANIC_NO_LINE, .cpu_line = KT_PANIC_NO_LINE,
				 .cpu = -1, .pid = -1, .rip = {.line = KT_PANIC_NO_LINE},
				 .pf_error_line = KT_PANIC_NO_LINE, .pf_access_line = KT_PANIC_NO_LINE,
				 .cr2_line = KT_PANIC_NO_LINE, .kasan_line = KT_PANIC_NO_LINE, .sysrq_line = KT_PANIC_NO_LINE};
	long floor = 0, p = KT_PANIC_NO_LINE;
	for (long i = 0; i < (long)n; i++)
		if (!strncmp(log[i].text, panic_prefix, sizeof(panic_prefix) - 1)) {
			if (p != KT_PANIC_NO_LINE)
				floor = p + 1;  // a report before an earlier panic is that panic's
			p = i;
		}
	long end = p != KT_PANIC_NO_LINE ? p : (long)n;
	if (p != KT_PANIC_NO_LINE) {
		pl->panic_line = p;
		pl->message = log[p].text + sizeof(panic_prefix) - 1;
		const struct panic_pattern *pat = pattern_find(pl->message, WHERE_PANIC);
		pl->panic_source = pat ? pat->source : source_panic;
		if (pat && pat->where == WHERE_PANIC) {
			pl->cls = pat->cls;
			pl->source = NULL;
			for (long i = p - 1; i >= floor; i--) {
				const struct panic_pattern *c = pattern_find(log[i].text, WHERE_CAUSE);
				if (c && c->cls == pat->cls && same_context(&log[i], &log[p])) {
					pl->cause_line = i;
					pl->source = c->source;
					break;
				}
			}
		} else {
			// "Fatal exception" and the like: the oops reported by the same context
			// before it is what killed the machine. Without one ("Attempted to kill
			// init!" when init exits), and for a message no pattern knows, it is a
			// panic() of its own (panic.other).
			long d = pat ? last_die_header(log, floor, p, &log[p], pl) : KT_PANIC_NO_LINE;
			if (d != KT_PANIC_NO_LINE) {
				oops_read(log, floor, d, pl);
			}
		}
	} else {
		long d = last_die_header(log, 0, (long)n, NULL, pl);
		if (d == KT_PANIC_NO_LINE)
			return false;
		oops_read(log, 0, d, pl);
	}
	report_read(log, n, end, pl);
	if (pl->cls == KT_PANIC_CLASS_HUNG_TASK && p != KT_PANIC_NO_LINE)
		blocked_read(log, floor, p, pl);
	long decisive = pl->cause_line != KT_PANIC_NO_LINE ? pl->cause_line
			: pl->die_line != KT_PANIC_NO_LINE ? pl->die_line : end;
	earlier_read(log, floor, decisive, pl);
	for (long i = decisive; i >= floor && i >= 0; i--) {
		if (i == (long)n)
			continue;
		const struct panic_pattern *c = pattern_find(log[i].text, WHERE_CAUSE);
		if (c && c->cls == KT_PANIC_CLASS_SYSRQ) {
			pl->sysrq_line = i;
			break;
		}
	}
	return true;
}
