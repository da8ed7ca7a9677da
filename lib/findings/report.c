// SPDX-License-Identifier: MIT
/*
 * The triage report as data: the machine (release, CPU model, taint, uptime, panic), each
 * online CPU with its backtrace, the findings of every check ranked, and the signature the
 * dump is bucketed under. Parts that cannot be made are listed as gaps, so that a damaged dump
 * still gives the rest.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "findings/findings.h"
#include "kernel/cpu_model.h"
#include "kernel/taint.h"

static bool gap(struct kt_report *r, const char *fmt, ...)
{
	char **gaps = realloc(r->gaps, (r->n_gaps + 1) * sizeof(*gaps));
	if (!gaps)
		return false;
	r->gaps = gaps;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&gaps[r->n_gaps], fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	r->n_gaps++;
	return true;
}

/* 64-bit FNV-1a: small, stable across platforms and documented, which is all a bucket id needs. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* The first ranked finding that classifies the dump gives its signature; the hash is over the
 * class text's normalized frames (or the text itself when the key is a name). */
static void signature_choose(struct kt_report *r)
{
	struct kt_report_signature *s = &r->signature;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct kt_finding *f = &r->findings[i];
		if (!f->signature[0])
			continue;
		kt_textf(s->text, sizeof(s->text), "%s", f->signature);
		s->finding_code = f->code;
		s->corrupted = f->signature_corrupted;
		if (s->corrupted)
			return;
		uint64_t h = 0xcbf29ce484222325ULL;
		// The class: the signature up to " in " when frames follow it.
		char class[192];
		kt_textf(class, sizeof(class), "%s", f->signature);
		char *in = f->n_signature_frames ? strstr(class, " in ") : NULL;
		if (in)
			*in = '\0';
		h = fnv1a(h, class);
		for (size_t k = 0; k < f->n_signature_frames; k++)
			h = fnv1a(fnv1a(h, "\n"), f->signature_frames[k]);
		kt_textf(s->hash, sizeof(s->hash), "%016" PRIx64, h);
		return;
	}
	kt_textf(s->text, sizeof(s->text), "no finding classifies this dump");
}

static struct kt_error *machine(struct kt_findings_input *in, struct kt_report *r)
{
	const struct kt_sys_info *sys;
	const struct kt_error *cerr = kt_input_sys(in, &sys);
	if (cerr == &kt_enomem || (cerr && !gap(r, "system facts: %s", kt_error_message(cerr))))
		return &kt_enomem;
	kt_cpu_model_read(in->prog, &r->cpu_model);
	if (!r->cpu_model.known && !gap(r, "CPU model: boot_cpu_data unreadable"))
		return &kt_enomem;
	struct kt_error *err = kt_taint_read(in->prog, &r->taint);
	if (err) {
		if (err == &kt_enomem)
			return err;
		bool ok = gap(r, "taint: %s", kt_error_message(err));
		kt_error_destroy(err);
		if (!ok)
			return &kt_enomem;
	} else {
		r->has_taint = true;
		kt_taint_decode(r->taint, r->taint_flags, sizeof(r->taint_flags), r->taint_names,
				sizeof(r->taint_names));
	}
	const struct kt_log_line *log;
	size_t n_log;
	cerr = kt_input_log(in, &log, &n_log);
	r->uptime_seconds = n_log ? (double)log[n_log - 1].ts_nsec / 1e9 : -1;
	if (cerr && !gap(r, "log: %s", kt_error_message(cerr)))
		return &kt_enomem;
	return NULL;
}

static struct kt_error *cpus(struct kt_findings_input *in, struct kt_report *r)
{
	unsigned int n;
	const struct kt_error *cerr = kt_input_nr_cpus(in, &n);
	if (cerr)
		return gap(r, "CPUs: %s", kt_error_message(cerr)) ? NULL : &kt_enomem;
	if (!(r->cpus = calloc(n ? n : 1, sizeof(*r->cpus))))
		return &kt_enomem;
	for (unsigned int cpu = 0; cpu < n; cpu++) {
		if (!kt_input_cpu_online(in, cpu))
			continue;
		struct kt_report_cpu *c = &r->cpus[r->n_cpus++];
		c->cpu = cpu;
		const struct kt_backtrace *bt = kt_input_cpu_backtrace(in, cpu, &cerr);
		if (!bt) {
			if (cerr == &kt_enomem || !(c->error = strdup(kt_error_message(cerr))))
				return &kt_enomem;
			continue;
		}
		c->backtrace = in->cpus[cpu].bt;
		// The system facts are still the input's: the report takes them last.
		if (in->sys_loaded && !in->sys_error && in->sys.panic_cpu == (int)cpu) {
			r->panic_task = bt->task;
			r->panic_pid = bt->pid;
			memcpy(r->panic_comm, bt->comm, sizeof(r->panic_comm));
		}
		c->answered_nmi = bt->registers_code == KT_REGISTERS_CRASH_NOTES ||
				  bt->registers_code == KT_REGISTERS_QEMU_NOTE;
	}
	return NULL;
}

struct kt_error *kt_report_build(struct kt_program *prog, const char *dump_path, struct kt_report **ret)
{
	struct kt_report *r = calloc(1, sizeof(*r));
	if (!r)
		return &kt_enomem;
	r->sys.panic_cpu = -1;
	struct kt_findings_input in;
	kt_findings_input_init(&in, prog, dump_path);
	struct kt_findings_list list = {.dump_path = dump_path};
	struct kt_error *err = machine(&in, r);
	if (!err)
		err = cpus(&in, r);
	if (!err)
		err = kt_findings_run(&in, &list);
	r->findings = list.items;
	r->n_findings = list.n;
	// The report keeps the system facts and the CPUs' backtraces; the input frees the rest.
	if (in.sys_loaded && !in.sys_error) {
		r->sys = in.sys;
		in.sys_loaded = false;
	}
	for (size_t i = 0; i < r->n_cpus; i++)
		if (r->cpus[i].backtrace)
			in.cpus[r->cpus[i].cpu].bt = NULL;
	kt_findings_input_deinit(&in);
	if (err) {
		kt_report_destroy(r);
		return err;
	}
	signature_choose(r);
	*ret = r;
	return NULL;
}

void kt_report_destroy(struct kt_report *r)
{
	if (!r)
		return;
	kt_sys_info_deinit(&r->sys);
	for (size_t i = 0; i < r->n_cpus; i++) {
		kt_backtrace_destroy(r->cpus[i].backtrace);
		free(r->cpus[i].error);
	}
	free(r->cpus);
	kt_findings_destroy(r->findings, r->n_findings);
	for (size_t i = 0; i < r->n_gaps; i++)
		free(r->gaps[i]);
	free(r->gaps);
	kt_known_issue_destroy(r->known);
	free(r);
}

struct kt_error *kt_report_match_known(struct kt_report *r, const struct kt_known_issues *known)
{
	kt_known_issue_destroy(r->known);
	r->known = NULL;
	const struct kt_report_signature *s = &r->signature;
	const struct kt_known_issue *issue =
		s->corrupted ? NULL : kt_known_issues_match(known, s->text, s->hash[0] ? s->hash : NULL);
	if (issue && !(r->known = kt_known_issue_copy(issue)))
		return &kt_enomem;
	return NULL;
}
