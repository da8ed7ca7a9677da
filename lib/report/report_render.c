// SPDX-License-Identifier: MIT
/*
 * The triage report: a header on the machine and the crash, the findings most severe first
 * (each with its evidence and the commands that show it), then every CPU with its backtrace,
 * CPUs that did not answer the crash NMI marked. JSON: docs/json.md, "report".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

/* How many frames of each CPU the text shows unless all are asked for: enough to reach the
 * task's own code below the interrupt and crash machinery of a typical panic. */
enum { TEXT_FRAMES = 16 };

struct style {
	const char *bold, *red, *yellow, *dim, *reset;
};

static const struct style plain = {"", "", "", "", ""};
static const struct style ansi = {"\033[1m", "\033[1;31m", "\033[33m", "\033[2m", "\033[0m"};

static const char *severity_colour(const struct style *s, enum kt_severity sev)
{
	return sev >= KT_SEVERITY_ERROR ? s->red : sev == KT_SEVERITY_WARNING ? s->yellow : s->bold;
}

static void header_text(FILE *out, const struct kt_report *r, const struct style *s)
{
	const struct kt_sys_info *sys = &r->sys;
	fprintf(out, "%sktriage report%s: %s (%s)\n", s->bold, s->reset,
		sys->dump_path ? sys->dump_path : "?", sys->dump_format ? sys->dump_format : "?");
	fprintf(out, "  kernel     %s %s %s\n", sys->release ? sys->release : "(unknown)",
		sys->version ? sys->version : "", sys->machine ? sys->machine : "");
	if (sys->nodename)
		fprintf(out, "  node       %s\n", sys->nodename);
	const struct kt_cpu_model *m = &r->cpu_model;
	if (m->known)
		fprintf(out, "  cpu        %s family %u model 0x%x stepping %u%s%s%s, microcode 0x%x%s%s%s\n",
			m->vendor_id, m->family, m->model, m->stepping, m->name ? " (" : "",
			m->name ? m->name : "", m->name ? ")" : "", m->microcode,
			m->model_id[0] ? ", \"" : "", m->model_id, m->model_id[0] ? "\"" : "");
	if (sys->cpus_unknown)
		fprintf(out, "  cpus       unknown; %u with registers\n", sys->cpus_with_registers);
	else
		fprintf(out, "  cpus       %u online of %u possible, %u with registers in the dump\n",
			sys->cpus_online, sys->cpus_possible, sys->cpus_with_registers);
	char date[64] = "unknown";
	if (sys->has_crash_time) {
		time_t t = (time_t)sys->crash_time;
		struct tm tm;
		if (gmtime_r(&t, &tm))
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	if (r->uptime_seconds >= 0)
		fprintf(out, "  crashed    %s, uptime %.3f s (the last log record)\n", date, r->uptime_seconds);
	else
		fprintf(out, "  crashed    %s\n", date);
	char comm[KT_COMM_TEXT_SIZE];
	char *panic_message = kt_escaped_dup(sys->panic_message);
	if (panic_message && r->panic_task)
		fprintf(out, "  panic      %s\"%s\"%s on CPU %d, pid %d \"%s\" (task 0x%016" PRIx64 ")\n",
			s->bold, panic_message, s->reset, sys->panic_cpu, r->panic_pid,
			kt_comm_text(r->panic_comm, comm), r->panic_task);
	else if (panic_message)
		fprintf(out, "  panic      %s\"%s\"%s on CPU %d\n", s->bold, panic_message, s->reset,
			sys->panic_cpu);
	else
		fputs("  panic      no panic message in the log\n", out);
	free(panic_message);
	if (r->has_taint)
		fprintf(out, "  taint      %s%s%s\n", r->taint ? r->taint_flags : "none",
			r->taint ? " " : "", r->taint ? r->taint_names : "");
	fprintf(out, "  symbols    %s\n", sys->debuginfo_mode ? sys->debuginfo_mode : "?");
	const struct kt_report_signature *sig = &r->signature;
	fprintf(out, "  signature  %s%s%s", s->bold, sig->text, s->reset);
	if (sig->hash[0])
		fprintf(out, " [%s]", sig->hash);
	putc('\n', out);
	if (r->known)
		kt_known_issue_text(out, "  known      ", r->known);
	for (size_t i = 0; i < r->n_gaps; i++)
		fprintf(out, "  %snot read%s   %s\n", s->yellow, s->reset, r->gaps[i]);
}

static void finding_text(FILE *out, size_t i, const struct kt_finding *f, const struct style *s)
{
	fprintf(out, "\n%2zu. %s%-8s%s %s%s%s  [%s]\n", i + 1, severity_colour(s, f->severity),
		kt_severity_name(f->severity), s->reset, s->bold, f->title, s->reset, f->code);
	fprintf(out, "    %s\n", f->summary);
	for (size_t k = 0; k < f->n_facts; k++)
		fprintf(out, "    %-20s %s\n", f->facts[k].key, f->facts[k].value);
	if (f->signature[0])
		fprintf(out, "    %-20s %s\n", "signature", f->signature);
	if (f->n_commands)
		fprintf(out, "    %sshown by:%s\n", s->dim, s->reset);
	for (size_t k = 0; k < f->n_commands; k++)
		fprintf(out, "      %s\n", f->commands[k]);
}

static void cpu_text(FILE *out, const struct kt_report_cpu *c, bool all, const struct style *s)
{
	const struct kt_backtrace *bt = c->backtrace;
	if (!bt) {
		fprintf(out, "\nCPU %u: %sno backtrace%s: %s\n", c->cpu, s->yellow, s->reset, c->error);
		return;
	}
	bool silent = bt->registers_code == KT_REGISTERS_NMI_UNANSWERED;
	char comm[KT_COMM_TEXT_SIZE];
	fprintf(out, "\nCPU %u: pid %d \"%s\" task 0x%016" PRIx64 "%s%s%s\n", c->cpu, bt->pid,
		kt_comm_text(bt->comm, comm), bt->task, silent ? s->red : "", silent ? "  DID NOT ANSWER THE CRASH NMI" : "",
		silent ? s->reset : "");
	fprintf(out, "  registers: %s\n", bt->registers_source);
	size_t shown = all || bt->n_frames <= TEXT_FRAMES ? bt->n_frames : TEXT_FRAMES;
	for (size_t i = 0; i < shown; i++) {
		const struct kt_frame *f = &bt->frames[i];
		fprintf(out, "  #%-2zu %s%-8s%s ", i, f->status == KT_FRAME_VERIFIED ? "" : s->yellow,
			kt_frame_status_name(f->status), f->status == KT_FRAME_VERIFIED ? "" : s->reset);
		kt_symbol_text(out, f->function, f->offset, f->module);
		if (f->stack)
			fprintf(out, "  %s(%s)%s", s->dim, f->stack, s->reset);
		putc('\n', out);
	}
	if (shown < bt->n_frames)
		fprintf(out, "  ... %zu more frames (bt -c %u)\n", bt->n_frames - shown, c->cpu);
	if (bt->note && bt->note[0])
		fprintf(out, "  %s%s%s\n", s->dim, bt->note, s->reset);
}

static void report_text(FILE *out, const struct kt_report *r, const struct kt_report_render_options *o)
{
	const struct style *s = o->color ? &ansi : &plain;
	header_text(out, r, s);
	fprintf(out, "\n%sFindings%s: %zu, most severe first\n", s->bold, s->reset, r->n_findings);
	if (!r->n_findings)
		fputs("\n    none: no check found anything abnormal\n", out);
	for (size_t i = 0; i < r->n_findings; i++)
		finding_text(out, i, &r->findings[i], s);
	fprintf(out, "\n%sCPUs%s\n", s->bold, s->reset);
	for (size_t i = 0; i < r->n_cpus; i++)
		cpu_text(out, &r->cpus[i], o->all_frames, s);
}

static void sys_json(FILE *out, const struct kt_report *r)
{
	const struct kt_sys_info *sys = &r->sys;
	fputs("{\"dump\": ", out);
	kt_json_string(out, sys->dump_path);
	kt_json_key(out, "dump_format");
	kt_json_string(out, sys->dump_format);
	kt_json_key(out, "symbols");
	kt_json_string(out, sys->debuginfo_mode);
	kt_json_key(out, "release");
	kt_json_string(out, sys->release);
	kt_json_key(out, "version");
	kt_json_string(out, sys->version);
	kt_json_key(out, "machine");
	kt_json_string(out, sys->machine);
	kt_json_key(out, "nodename");
	kt_json_string(out, sys->nodename);
	if (sys->cpus_unknown)
		fputs(", \"cpus_online\": null, \"cpus_possible\": null", out);
	else
		fprintf(out, ", \"cpus_online\": %u, \"cpus_possible\": %u", sys->cpus_online, sys->cpus_possible);
	fprintf(out, ", \"cpus_with_registers\": %u, \"crash_time\": ", sys->cpus_with_registers);
	if (sys->has_crash_time)
		fprintf(out, "%lld", (long long)sys->crash_time);
	else
		fputs("null", out);
	kt_json_key(out, "panic_message");
	kt_json_string(out, sys->panic_message);
	fputs(", \"panic_cpu\": ", out);
	if (sys->panic_cpu >= 0)
		fprintf(out, "%d", sys->panic_cpu);
	else
		fputs("null", out);
	putc('}', out);
}

static void cpu_model_json(FILE *out, const struct kt_cpu_model *m)
{
	if (!m->known) {
		fputs("null", out);
		return;
	}
	fputs("{\"vendor\": ", out);
	kt_json_string(out, m->vendor_id);
	fprintf(out, ", \"family\": %u, \"model\": %u, \"stepping\": %u, \"microcode\": %u, \"name\": ",
		m->family, m->model, m->stepping, m->microcode);
	kt_json_string(out, m->name);
	kt_json_key(out, "model_id");
	kt_json_string(out, m->model_id);
	putc('}', out);
}

static void report_json(FILE *out, const struct kt_report *r)
{
	kt_json_document_begin(out);
	fputs(", \"report\": {\"system\": ", out);
	sys_json(out, r);
	fputs(",\n  \"cpu_model\": ", out);
	cpu_model_json(out, &r->cpu_model);
	fputs(",\n  \"taint\": ", out);
	if (r->has_taint) {
		fprintf(out, "{\"mask\": %" PRIu64 ", \"flags\": ", r->taint);
		kt_json_string(out, r->taint_flags);
		kt_json_key(out, "names");
		kt_json_string(out, r->taint_names);
		putc('}', out);
	} else {
		fputs("null", out);
	}
	fputs(", \"panic_task\": ", out);
	if (r->panic_task) {
		fprintf(out, "{\"pid\": %d, \"comm\": ", r->panic_pid);
		kt_json_string(out, r->panic_comm);
		kt_json_key(out, "address");
		kt_json_address(out, r->panic_task);
		putc('}', out);
	} else {
		fputs("null", out);
	}
	fputs(", \"uptime\": ", out);
	if (r->uptime_seconds >= 0)
		fprintf(out, "%.6f", r->uptime_seconds);
	else
		fputs("null", out);
	const struct kt_report_signature *sig = &r->signature;
	fputs(",\n  \"signature\": {\"text\": ", out);
	kt_json_string(out, sig->text);
	kt_json_key(out, "hash");
	kt_json_string(out, sig->hash[0] ? sig->hash : NULL);
	kt_json_key(out, "finding");
	kt_json_string(out, sig->finding_code);
	fputs(", \"corrupted\": ", out);
	kt_json_bool(out, sig->corrupted);
	fputs("},\n  \"known\": ", out);
	kt_known_issue_json(out, r->known);
	fputs(",\n  \"findings\": [", out);
	for (size_t i = 0; i < r->n_findings; i++) {
		fputs(i ? ",\n   " : "\n   ", out);
		kt_finding_json(out, &r->findings[i]);
	}
	fputs("],\n  \"cpus\": [", out);
	for (size_t i = 0; i < r->n_cpus; i++) {
		const struct kt_report_cpu *c = &r->cpus[i];
		fprintf(out, "%s{\"cpu\": %u, \"answered_nmi\": ", i ? ",\n   " : "\n   ", c->cpu);
		kt_json_bool(out, c->answered_nmi);
		kt_json_key(out, "error");
		kt_json_string(out, c->error);
		fputs(", \"backtrace\": ", out);
		if (c->backtrace)
			kt_backtrace_json(out, c->backtrace);
		else
			fputs("null", out);
		putc('}', out);
	}
	fputs("],\n  \"gaps\": [", out);
	for (size_t i = 0; i < r->n_gaps; i++) {
		fputs(i ? ", " : "", out);
		kt_json_string(out, r->gaps[i]);
	}
	fputs("]}}\n", out);
}

void kt_report_render(FILE *out, enum kt_format format, const struct kt_report *r,
		      const struct kt_report_render_options *opts)
{
	static const struct kt_report_render_options none;
	if (format == KT_FORMAT_JSON)
		report_json(out, r);
	else
		report_text(out, r, opts ? opts : &none);
}
