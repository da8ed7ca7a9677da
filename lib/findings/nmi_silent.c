// SPDX-License-Identifier: MIT
/*
 * nmi.silent_cpu: an online CPU that did not answer the crash NMI, so the dump holds no
 * registers for it. What it was doing comes from the chain rebuilt from its stacks (each frame
 * with its status); what can explain the silence is stated with its evidence:
 *  - it was already handling an NMI (frames on the NMI stack): NMIs stay blocked until that
 *    handler's iret (SDM Vol 3A §6.7.1), so the crash NMI was never taken;
 *  - a VMX abort on a vCPU loaded there (vmx.abort_on_silent_cpu, found before this check):
 *    the VMX-abort shutdown state ignores NMIs (SDM Vol 3C §27.7).
 * Interrupts being disabled do not block an NMI; the flag is given as context, not as a cause.
 */
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "findings/findings.h"

static const char code[] = "nmi.silent_cpu";
static const char title[] = "A CPU did not answer the crash NMI";

/* struct pt_regs order (KT_PT_REGS_COUNT): eflags is the 19th word. */
enum { PT_REGS_FLAGS = 18, X86_EFLAGS_IF = 1 << 9 };

static bool on_nmi_stack(const struct kt_frame *f)
{
	return f->stack && strstr(f->stack, "NMI");
}

static bool chain_fact(struct kt_finding *f, const struct kt_backtrace *bt, size_t *verified_ret)
{
	char text[600];
	size_t n = 0, verified = 0;
	text[0] = '\0';
	for (size_t i = 0; i < bt->n_frames; i++) {
		const struct kt_frame *fr = &bt->frames[i];
		verified += fr->status == KT_FRAME_VERIFIED;
		if (n < sizeof(text))
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s#%zu %s+0x%" PRIx64 "%s%s%s %s", i ? "; " : "",
					      i, fr->function ? fr->function : "?", fr->offset,
					      fr->module ? " [" : "", fr->module ? fr->module : "",
					      fr->module ? "]" : "", kt_frame_status_name(fr->status));
	}
	*verified_ret = verified;
	return kt_finding_fact(f, "chain", "%s", bt->n_frames ? text : "no frame could be rebuilt");
}

/* struct nmi_desc nmi_desc[NMI_MAX] (arch/x86/kernel/nmi.c, since 3.2), indexed by the NMI type
 * of arch/x86/include/asm/nmi.h, whose order has not changed since. */
static const char *const nmi_types[] = {"NMI_LOCAL", "NMI_UNKNOWN", "NMI_SERR", "NMI_IO_CHECK"};

struct handlers_text {
	struct kt_program *prog;
	char *buf;
	size_t size, len, count;
};

static bool handler_add(const struct kt_object *action, void *arg)
{
	struct handlers_text *t = arg;
	struct kt_object m;
	uint64_t fn = 0;
	const char *name = NULL, *module = NULL;
	uint64_t offset = 0;
	struct kt_error *err = kt_object_member(action, "handler", &m);
	if (!err)
		err = kt_object_read_unsigned(&m, &fn);
	if (!err)
		err = kt_program_symbolize(t->prog, fn, &name, &offset, &module);
	kt_error_destroy(err);
	if (t->len < t->size)
		t->len += (size_t)snprintf(t->buf + t->len, t->size - t->len, "%s%s%s%s%s", t->count ? ", " : "",
					   name ? name : "?", module ? " [" : "", module ? module : "",
					   module ? "]" : "");
	t->count++;
	return t->count < 64;
}

/* Every registered NMI handler by type: when the call into the one frame 0 runs cannot be
 * resolved, these are the functions it can be (nmi_handle() calls each of a type in turn). */
static bool handlers_fact(struct kt_findings_input *in, struct kt_finding *f)
{
	uint64_t desc;
	struct kt_error *err = kt_program_symbol_address(in->prog, "nmi_desc", &desc);
	if (err) {
		kt_error_destroy(err);
		return true;
	}
	char text[512];
	struct handlers_text t = {.prog = in->prog, .buf = text, .size = sizeof(text)};
	text[0] = '\0';
	uint64_t size = 0;
	struct kt_object d, head;
	err = kt_object_from_address(in->prog, "struct nmi_desc", desc, &d);
	if (!err)
		err = kt_object_size(&d, &size);
	for (size_t type = 0; type < KT_ARRAY_SIZE(nmi_types) && !err; type++) {
		if ((err = kt_object_from_address(in->prog, "struct nmi_desc", desc + type * size, &d)) ||
		    (err = kt_object_member(&d, "head", &head)))
			break;
		if (t.len < t.size)
			t.len += (size_t)snprintf(text + t.len, t.size - t.len, "%s%s: ", type ? "; " : "",
						  nmi_types[type]);
		t.count = 0;
		err = kt_object_list_for_each(&head, "struct nmiaction", "list", 64, handler_add, &t);
		if (!err && !t.count && t.len < t.size)
			t.len += (size_t)snprintf(text + t.len, t.size - t.len, "none");
	}
	bool ok = err ? err == &kt_enomem ? false
		      : kt_finding_fact(f, "nmi.handlers", "not read: %s", kt_error_message(err))
		      : kt_finding_fact(f, "nmi.handlers", "%s (nmi_desc: nmi_handle() calls each handler of "
					"the NMI's type in turn; the unresolved call is one of them)", text);
	kt_error_destroy(err);
	return ok;
}

/* The NMI handler a rebuilt chain stops in: the target of the call before the innermost
 * return address, when frame 0 has no symbol of its own. */
static bool handler_fact(struct kt_findings_input *in, struct kt_finding *f, const struct kt_backtrace *bt)
{
	if (bt->n_frames < 2 || bt->frames[0].function || !on_nmi_stack(&bt->frames[1]))
		return true;
	struct kt_call_site site;
	struct kt_error *err = kt_backtrace_call_site(in->prog, bt, 1, &site);
	if (err) {
		bool ok = err != &kt_enomem &&
			  kt_finding_fact(f, "nmi.handler", "unknown: %s", kt_error_message(err));
		kt_error_destroy(err);
		return ok;
	}
	bool ok = site.has_target && site.target_function
		? kt_finding_fact(f, "nmi.handler", "%s+0x%" PRIx64 "%s%s%s, the target of `%s` in %s (%s; %s)",
				  site.target_function, site.target_offset, site.target_module ? " [" : "",
				  site.target_module ? site.target_module : "", site.target_module ? "]" : "",
				  site.instruction ? site.instruction : "?", site.caller ? site.caller : "?",
				  kt_call_verdict_name(site.verdict), site.reason ? site.reason : "")
		: kt_finding_fact(f, "nmi.handler", "the call in %s is not resolved: %s",
				  site.caller ? site.caller : "?", site.reason ? site.reason : "?") &&
		  handlers_fact(in, f);
	kt_call_site_deinit(&site);
	return ok;
}

static struct kt_error *silent_cpu(struct kt_findings_input *in, struct kt_findings_list *list,
				   unsigned int cpu, const struct kt_backtrace *bt)
{
	struct kt_finding *f = kt_finding_add(list, code, title, KT_SEVERITY_CRITICAL);
	if (!f)
		return &kt_enomem;
	f->cpu = (int)cpu;
	f->task = bt->task;
	size_t verified = 0, in_nmi = 0;
	const struct kt_frame *interrupted = NULL;
	for (size_t i = 0; i < bt->n_frames; i++) {
		in_nmi += on_nmi_stack(&bt->frames[i]);
		if (!interrupted && bt->frames[i].has_pt_regs && on_nmi_stack(&bt->frames[i]))
			interrupted = &bt->frames[i];
	}
	bool ok = kt_finding_fact(f, "cpu", "%u: %s", cpu, bt->registers_source) &&
		  kt_finding_fact(f, "task", "pid %d \"%s\", task 0x%" PRIx64, bt->pid, bt->comm, bt->task) &&
		  chain_fact(f, bt, &verified) && handler_fact(in, f, bt);
	if (ok && interrupted)
		ok = kt_finding_fact(f, "nmi.interrupted", "rip 0x%" PRIx64 " rsp 0x%" PRIx64 " eflags 0x%" PRIx64
				     " (interrupts %s) in the NMI pt_regs at 0x%" PRIx64,
				     interrupted->pt_regs[16], interrupted->pt_regs[19],
				     interrupted->pt_regs[PT_REGS_FLAGS],
				     interrupted->pt_regs[PT_REGS_FLAGS] & X86_EFLAGS_IF ? "enabled" : "disabled",
				     interrupted->pt_regs_address);
	size_t i = 0;
	const struct kt_finding *abort = NULL;
	for (const struct kt_finding *a; (a = kt_findings_next(list, "vmx.abort_on_silent_cpu", &i));)
		if (a->cpu == (int)cpu)
			abort = a;
	char why[320] = "";
	if (abort)
		kt_textf(why, sizeof(why), "a VMX abort (indicator %u) on the vCPU loaded there: the VMX-abort "
			 "shutdown state ignores NMIs (SDM Vol 3C §27.7; finding vmx.abort_on_silent_cpu)",
			 abort->abort);
	else if (in_nmi)
		kt_textf(why, sizeof(why), "it was already in an NMI handler (%zu frames on the NMI stack): "
			 "NMIs stay blocked until that handler returns with iret (SDM Vol 3A §6.7.1), so the "
			 "crash NMI was never taken", in_nmi);
	else
		kt_textf(why, sizeof(why), "nothing in the dump explains it: not in NMI context, no VMX "
			 "abort found; a CPU in a shutdown state, an SMI that never returned or a hardware "
			 "fault remain possible");
	ok = ok && kt_finding_fact(f, "explanation", "%s", why) &&
	     kt_finding_fact(f, "certainty", "%zu of %zu frames verified; %s", verified, bt->n_frames,
			     bt->note);
	if (!ok)
		return &kt_enomem;
	kt_textf(f->summary, sizeof(f->summary), "CPU %u (pid %d \"%s\") left no registers: it did not "
		 "answer the crash NMI. Its chain was rebuilt from its stacks (%zu of %zu frames verified). "
		 "Why: %s.", cpu, bt->pid, bt->comm, verified, bt->n_frames, why);
	if (!kt_finding_sign(f, "NMI-silent CPU", bt, 0))
		return &kt_enomem;
	ok = kt_finding_command(f, list, "bt -c %u", cpu) &&
	     kt_finding_command(f, list, "bt -c %u --explain", cpu) &&
	     kt_finding_command(f, list, "bt -c %u -f", cpu);
	return ok ? NULL : &kt_enomem;
}

struct kt_error *kt_finding_nmi_silent(struct kt_findings_input *in, struct kt_findings_list *list)
{
	unsigned int n;
	if (kt_input_nr_cpus(in, &n))
		return NULL;  // no CPUs to look at: the report lists that gap
	for (unsigned int cpu = 0; cpu < n; cpu++) {
		if (!kt_input_cpu_online(in, cpu))
			continue;
		const struct kt_error *err;
		const struct kt_backtrace *bt = kt_input_cpu_backtrace(in, cpu, &err);
		if (!bt) {
			if (err == &kt_enomem)
				return &kt_enomem;
			continue;
		}
		if (bt->registers_code != KT_REGISTERS_NMI_UNANSWERED)
			continue;
		struct kt_error *e = silent_cpu(in, list, cpu, bt);
		if (e)
			return e;
	}
	return NULL;
}
