// SPDX-License-Identifier: MIT
/* The system summary of crash's `sys`: what machine, which kernel, when and why it died. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/vmcoreinfo.h"
#include "kernel/percpu.h"
#include "program.h"

/* A utsname field: libkdumpfile has it from VMCOREINFO; otherwise read init_uts_ns with the
 * kernel's types. */
static char *uts_field(struct kt_program *prog, const char *field)
{
	const char *s;
	char key[64], path[64];
	snprintf(key, sizeof(key), "linux.uts.%s", field);
	struct kt_error *err = kt_dump_attr_string(prog->dump, key, &s);
	if (!err)
		return strdup(s);
	kt_error_destroy(err);
	uint64_t uts, off;
	struct kt_member_info m;
	struct kt_types *types;
	snprintf(path, sizeof(path), "name.%s", field);
	if ((err = kt_program_symbol_address(prog, "init_uts_ns", &uts)) ||
	    (err = kt_program_types(prog, &types)) ||
	    (err = kt_types_member(types, "uts_namespace", path, &m))) {
		kt_error_destroy(err);
		return NULL;
	}
	off = m.offset;
	char buf[256] = "";
	size_t len = m.size < sizeof(buf) ? m.size : sizeof(buf) - 1;
	if ((err = kt_read(&prog->reader, uts + off, buf, len))) {
		kt_error_destroy(err);
		return NULL;
	}
	buf[len] = '\0';
	return strdup(buf);
}

static char *dup_attr(struct kt_program *prog, const char *key)
{
	const char *s;
	struct kt_error *err = kt_dump_attr_string(prog->dump, key, &s);
	if (err) {
		kt_error_destroy(err);
		return NULL;
	}
	return strdup(s);
}

/* The lines that name why a kernel stopped, strongest first (kernel/panic.c, arch/x86/kernel/dumpstack.c). */
static const char *const crash_line_prefixes[] = {
	"Kernel panic - not syncing: ",
	"BUG: ",
	"Oops: ",
	"general protection fault",
	"kernel BUG at ",
};

struct panic_search {
	char *found[KT_ARRAY_SIZE(crash_line_prefixes)];
	uint32_t panic_caller;  /* printk's caller_id of the kept panic line, 0 if none */
	bool nomem;
	size_t damaged;         /* records whose text could not be read */
	uint64_t first_damaged;
	char first_damage[160];
};

static bool find_panic_line(const struct kt_log_record *rec, void *arg)
{
	struct panic_search *s = arg;
	if (rec->damage && !s->damaged++) {
		s->first_damaged = rec->seq;
		snprintf(s->first_damage, sizeof(s->first_damage), "%s", rec->damage);
	}
	for (size_t i = 0; i < KT_ARRAY_SIZE(crash_line_prefixes); i++) {
		size_t plen = strlen(crash_line_prefixes[i]);
		if (rec->text_len < plen || memcmp(rec->text, crash_line_prefixes[i], plen))
			continue;
		// The panic message is what follows its prefix; the others are whole lines.
		size_t skip = i == 0 ? plen : 0, len = rec->text_len - skip;
		while (len && (rec->text[skip + len - 1] == '\n' || rec->text[skip + len - 1] == ' '))
			len--;
		char *line = strndup(rec->text + skip, len);
		if (!line) {
			s->nomem = true;
			return false;
		}
		// Keep the last panic (a second one may follow the first), the first of the others.
		if (i == 0 || !s->found[i]) {
			free(s->found[i]);
			s->found[i] = line;
			if (i == 0)
				s->panic_caller = rec->caller_id;
		} else {
			free(line);
		}
		break;
	}
	return true;
}

static struct kt_error *panic_message(struct kt_program *prog, char **ret, uint32_t *caller_ret)
{
	struct panic_search s = {0};
	struct kt_error *err = kt_log_for_each(prog, find_panic_line, &s);
	char *best = NULL;
	for (size_t i = 0; i < KT_ARRAY_SIZE(s.found); i++) {
		if (!best)
			best = s.found[i];
		else
			free(s.found[i]);
	}
	if (s.nomem) {
		free(best);
		kt_error_destroy(err);
		return &kt_enomem;
	}
	if (err) {
		free(best);
		return err;
	}
	if (!best && s.damaged)
		// The panic line may be among the records that could not be read.
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "%zu record%s could not be read (the first: seq %llu, %s)",
				       s.damaged, s.damaged == 1 ? "" : "s",
				       (unsigned long long)s.first_damaged, s.first_damage);
	*ret = best;
	*caller_ret = s.panic_caller;
	return NULL;
}

enum { PRINTK_CALLER_CPU = 0x80000000u };  /* caller_id of a printk outside task context */

/* Without symbols panic_cpu cannot be read, but the dump still tells: the panic line's printk
 * caller_id is "C<cpu>" (outside task context) or "T<pid>", and each CPU's NT_PRSTATUS note
 * names the pid current there when the dump was taken; the panicking task is current on the
 * panicking CPU (kdump's notes only). Pid 0 (an idle task, on every CPU) names no CPU; -1 if
 * none is named. */
static int panic_cpu_from_notes(struct kt_program *prog, uint32_t caller)
{
	if (caller & PRINTK_CALLER_CPU)
		return (int)(caller & ~PRINTK_CALLER_CPU);
	// QEMU's dump-guest-memory notes hold a vCPU number where the kernel's hold a pid.
	if (prog->dump->n_qemu_cpus)
		return -1;
	uint64_t cpus;
	struct kt_error *err;
	if (!caller || (err = kt_dump_prstatus_count(prog->dump, &cpus))) {
		if (caller)
			kt_error_destroy(err);
		return -1;
	}
	int found = -1;
	for (uint64_t cpu = 0; cpu < cpus && cpu < 8192; cpu++) {
		int64_t pid;
		if ((err = kt_dump_prstatus_pid(prog->dump, cpu, &pid))) {
			kt_error_destroy(err);
			continue;
		}
		if (pid == (int64_t)caller) {
			if (found >= 0)
				return -1;  // two CPUs name the pid: not a real task's
			found = (int)cpu;
		}
	}
	return found;
}

struct kt_error *kt_sys_info_init(struct kt_program *prog, struct kt_sys_info *ret)
{
	struct kt_sys_info info = {.panic_cpu = -1};
	struct kt_error *err;
	info.release = uts_field(prog, "release");
	if (!info.release) {
		err = kt_error_create(KT_ERROR_NOT_FOUND,
				      "the dump names no kernel release (no VMCOREINFO OSRELEASE and no "
				      "readable init_uts_ns)");
		// What the file lost is what the user needs to hear first.
		char *damage = kt_truncation_describe(&prog->dump->truncation);
		if (damage)
			err = kt_error_prefix(err, "DAMAGE: %s", damage);
		free(damage);
		return err;
	}
	info.version = uts_field(prog, "version");
	info.machine = uts_field(prog, "machine");
	info.nodename = uts_field(prog, "nodename");
	info.dump_path = strdup(prog->dump->path);
	info.dump_format = dup_attr(prog, "file.description");
	if (info.dump_format && prog->dump->flattened) {
		char *flat;
		if (asprintf(&flat, "%s, makedumpfile flattened format", info.dump_format) >= 0) {
			free(info.dump_format);
			info.dump_format = flat;
		}
	}
	info.debuginfo_mode = kt_program_debuginfo_mode(prog);
	if ((info.damage = kt_truncation_describe(&prog->dump->truncation)))
		info.incomplete = true;
	if ((err = kt_vmcoreinfo_line(prog->dump, "BUILD-ID", &info.build_id)))
		kt_error_destroy(err);
	if (!(err = kt_vmcoreinfo_line_number(prog->dump, "KERNELOFFSET", 16, &info.kaslr_offset)))
		info.has_kaslr_offset = true;
	kt_error_destroy(err);
	if (!info.has_kaslr_offset && prog->vmlinux) {
		info.kaslr_offset = prog->kaslr_offset;  // found by placing the vmlinux
		info.has_kaslr_offset = true;
	}
	uint64_t t;
	if (!(err = kt_vmcoreinfo_line_number(prog->dump, "CRASHTIME", 10, &t))) {
		info.crash_time = (int64_t)t;
		info.has_crash_time = true;
	}
	kt_error_destroy(err);

	uint64_t notes;
	if (!(err = kt_dump_prstatus_count(prog->dump, &notes)))
		info.cpus_with_registers = (unsigned int)notes;
	kt_error_destroy(err);
	struct kt_percpu percpu;
	if (!(err = kt_percpu_init(prog, &percpu))) {
		info.cpus_online = kt_percpu_count(&percpu, true);
		info.cpus_possible = kt_percpu_count(&percpu, false);
		kt_percpu_deinit(&percpu);
	} else {
		if (err == &kt_enomem)
			goto fail;
		// Without symbols, only the CPUs that left notes are known: the masks are not.
		info.cpus_error = strdup(kt_error_message(err));
		info.incomplete |= kt_error_code(err) == KT_ERROR_FAULT;
		kt_error_destroy(err);
		info.cpus_unknown = true;
	}

	uint64_t panic_cpu_addr;
	uint32_t panic_cpu;
	if (!(err = kt_program_symbol_address(prog, "panic_cpu", &panic_cpu_addr)) &&
	    !(err = kt_read_u32(&prog->reader, panic_cpu_addr, &panic_cpu)))
		info.panic_cpu = (int32_t)panic_cpu;
	kt_error_destroy(err);

	uint32_t panic_caller = 0;
	if ((err = panic_message(prog, &info.panic_message, &panic_caller))) {
		if (err == &kt_enomem)
			goto fail;
		// A dump without a readable log still has a summary, which says why.
		info.log_error = strdup(kt_error_message(err));
		info.incomplete |= kt_error_code(err) != KT_ERROR_NOT_FOUND;
		kt_error_destroy(err);
	}
	if (info.panic_cpu < 0 && info.panic_message && panic_caller)
		info.panic_cpu = panic_cpu_from_notes(prog, panic_caller);
	*ret = info;
	return NULL;
fail:
	kt_sys_info_deinit(&info);
	return err;
}

void kt_sys_info_deinit(struct kt_sys_info *info)
{
	free(info->release);
	free(info->version);
	free(info->machine);
	free(info->nodename);
	free(info->dump_path);
	free(info->dump_format);
	free(info->build_id);
	free(info->panic_message);
	free(info->damage);
	free(info->cpus_error);
	free(info->log_error);
}
