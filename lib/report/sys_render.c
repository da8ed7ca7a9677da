// SPDX-License-Identifier: MIT
/* `sys` as text (crash's layout) and as JSON (docs/json.md, "sys"). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktriage.h"
#include "core/strbuf.h"
#include "report/render.h"

static void format_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%a %b %e %H:%M:%S UTC %Y", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

static const char *or_unknown(const char *s)
{
	return s ? s : "(unknown)";
}

char *kt_sys_info_to_text(const struct kt_sys_info *info)
{
	struct kt_strbuf sb = {0};
	char date[64] = "(unknown: the dump records no crash time)";
	if (info->has_crash_time)
		format_time(info->crash_time, date, sizeof(date));
	kt_strbuf_printf(&sb, "    DUMPFILE: %s  [%s]\n", or_unknown(info->dump_path),
			 or_unknown(info->dump_format));
	if (info->damage)
		kt_strbuf_printf(&sb, "      DAMAGE: %s\n", info->damage);
	kt_strbuf_printf(&sb, "     SYMBOLS: %s\n", info->debuginfo_mode);
	if (info->cpus_unknown && info->cpus_error) {
		kt_strbuf_printf(&sb, "        CPUS: unknown (the CPU masks cannot be read: %s; "
				 "registers saved for %u)", info->cpus_error, info->cpus_with_registers);
	} else if (info->cpus_unknown) {
		kt_strbuf_printf(&sb, "        CPUS: unknown (no symbols to read the CPU masks; "
				 "registers saved for %u)", info->cpus_with_registers);
	} else {
		kt_strbuf_printf(&sb, "        CPUS: %u", info->cpus_online);
		if (info->cpus_possible != info->cpus_online)
			kt_strbuf_printf(&sb, " online, %u possible", info->cpus_possible);
		if (info->cpus_with_registers != info->cpus_online)
			kt_strbuf_printf(&sb, " (registers saved for %u)", info->cpus_with_registers);
	}
	kt_strbuf_printf(&sb, "\n        DATE: %s\n", date);
	kt_strbuf_printf(&sb, "     RELEASE: %s\n", or_unknown(info->release));
	kt_strbuf_printf(&sb, "     VERSION: %s\n", or_unknown(info->version));
	kt_strbuf_printf(&sb, "     MACHINE: %s\n", or_unknown(info->machine));
	kt_strbuf_printf(&sb, "    NODENAME: %s\n", or_unknown(info->nodename));
	if (info->build_id)
		kt_strbuf_printf(&sb, "    BUILD-ID: %s\n", info->build_id);
	if (info->has_kaslr_offset)
		kt_strbuf_printf(&sb, "  KASLR OFFS: 0x%llx\n", (unsigned long long)info->kaslr_offset);
	char *panic_message = kt_escaped_dup(info->panic_message);
	if (panic_message)
		kt_strbuf_printf(&sb, "       PANIC: \"%s\"\n", panic_message);
	else if (info->log_error)
		kt_strbuf_printf(&sb, "       PANIC: (unknown: the kernel log cannot be read: %s)\n",
				 info->log_error);
	else
		kt_strbuf_printf(&sb, "       PANIC: (none in the kernel log)\n");
	if (info->panic_cpu >= 0)
		kt_strbuf_printf(&sb, "   PANIC CPU: %d\n", info->panic_cpu);
	free(panic_message);
	return kt_strbuf_finish(&sb);
}

static void add_string(json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, val ? json_object_new_string(val) : NULL);
}

char *kt_sys_info_to_json(const struct kt_sys_info *info)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	add_string(o, "schema", KT_JSON_SCHEMA);
	add_string(o, "dump", info->dump_path);
	add_string(o, "dump_format", info->dump_format);
	add_string(o, "symbols", info->debuginfo_mode);
	add_string(o, "release", info->release);
	add_string(o, "version", info->version);
	add_string(o, "machine", info->machine);
	add_string(o, "nodename", info->nodename);
	add_string(o, "build_id", info->build_id);
	json_object_object_add(o, "cpus_online", info->cpus_unknown ? NULL
				       : json_object_new_int64(info->cpus_online));
	json_object_object_add(o, "cpus_possible", info->cpus_unknown ? NULL
				       : json_object_new_int64(info->cpus_possible));
	json_object_object_add(o, "cpus_with_registers",
			       json_object_new_int64(info->cpus_with_registers));
	json_object_object_add(o, "crash_time",
			       info->has_crash_time ? json_object_new_int64(info->crash_time) : NULL);
	char kaslr[32];
	snprintf(kaslr, sizeof(kaslr), "0x%llx", (unsigned long long)info->kaslr_offset);
	add_string(o, "kaslr_offset", info->has_kaslr_offset ? kaslr : NULL);
	add_string(o, "panic_message", info->panic_message);
	json_object_object_add(o, "panic_cpu",
			       info->panic_cpu >= 0 ? json_object_new_int(info->panic_cpu) : NULL);
	add_string(o, "damage", info->damage);
	add_string(o, "cpus_error", info->cpus_error);
	add_string(o, "log_error", info->log_error);
	json_object_object_add(o, "incomplete", json_object_new_boolean(info->incomplete));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = s ? strdup(s) : NULL;
	json_object_put(o);
	return out;
}

void kt_sys_info_render(FILE *out, enum kt_format format, const struct kt_sys_info *info)
{
	bool json = format == KT_FORMAT_JSON;
	char *s = json ? kt_sys_info_to_json(info) : kt_sys_info_to_text(info);
	if (!s)
		return;  // out of memory: nothing written
	fputs(s, out);
	if (json)
		putc('\n', out);
	free(s);
}
