// SPDX-License-Identifier: MIT
/* vm as crash prints it, and as one JSON document (docs/json.md). */
#include <string.h>

#include "report/json.h"
#include "report/render.h"

/* crash's mkstring(CENTER|LJUST): s centred in width, the odd space on the right; a longer s
 * as it is. */
static void centred(FILE *out, const char *s, int width)
{
	int extra = width - (int)strlen(s);
	int left = extra > 0 ? extra / 2 : 0;
	int right = extra > 0 ? extra - left : 0;
	fprintf(out, "%*s%s%*s", left, "", s, right, "");
}

static void vm_text(FILE *out, const struct kt_vm *vm)
{
	char buf[32];
	kt_crash_task_header(out, &vm->task);
	fputs("       MM               PGD          RSS    TOTAL_VM\n", out);
	snprintf(buf, sizeof(buf), "%llx", (unsigned long long)vm->mm);
	centred(out, buf, 16);
	fputs("  ", out);
	snprintf(buf, sizeof(buf), "%llx", (unsigned long long)vm->pgd);
	centred(out, buf, 16);
	fputs("  ", out);
	snprintf(buf, sizeof(buf), "%lluk", (unsigned long long)(vm->rss * vm->page_size / 1024));
	centred(out, buf, 6);
	fputs("  ", out);
	snprintf(buf, sizeof(buf), "%lluk", (unsigned long long)(vm->total_vm * vm->page_size / 1024));
	centred(out, buf, 8);
	putc('\n', out);
	if (!vm->mm)
		return;  // a kernel thread: crash stops at the zeroes
	if (vm->n_vmas)
		fputs("      VMA           START       END     FLAGS FILE\n", out);
	for (size_t i = 0; i < vm->n_vmas; i++) {
		const struct kt_vma *v = &vm->vmas[i];
		fprintf(out, "%016llx %10llx %10llx %llx ", (unsigned long long)v->vma,
			(unsigned long long)v->start, (unsigned long long)v->end,
			(unsigned long long)v->flags);
		if (v->path)
			kt_write_escaped(out, v->path, strlen(v->path));
		else if (v->file)
			fprintf(out, "(unreadable: %s)", v->path_error ? v->path_error : "?");
		putc('\n', out);
	}
	if (vm->error)
		fprintf(out, "[walk stopped: %s]\n", vm->error);
}

static void vm_json(FILE *out, const struct kt_vm *vm)
{
	kt_json_document_begin(out);
	kt_json_key(out, "task");
	kt_crash_task_json(out, &vm->task);
	kt_json_key(out, "mm");
	kt_json_address_or_null(out, vm->mm);
	kt_json_key(out, "pgd");
	kt_json_address_or_null(out, vm->pgd);
	fprintf(out, ", \"rss_pages\": %llu, \"total_vm_pages\": %llu, \"page_size\": %llu",
		(unsigned long long)vm->rss, (unsigned long long)vm->total_vm,
		(unsigned long long)vm->page_size);
	kt_json_key(out, "layout");
	kt_json_string(out, vm->layout);
	kt_json_key(out, "vmas");
	putc('[', out);
	for (size_t i = 0; i < vm->n_vmas; i++) {
		const struct kt_vma *v = &vm->vmas[i];
		fprintf(out, "%s\n  {\"vma\": ", i ? "," : "");
		kt_json_address(out, v->vma);
		kt_json_key(out, "start");
		kt_json_address(out, v->start);
		kt_json_key(out, "end");
		kt_json_address(out, v->end);
		fprintf(out, ", \"flags\": %llu", (unsigned long long)v->flags);
		kt_json_key(out, "file");
		kt_json_address_or_null(out, v->file);
		kt_json_key(out, "path");
		kt_json_string(out, v->path);
		kt_json_key(out, "path_error");
		kt_json_string(out, v->path_error);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_error_text_members(out, vm->error, vm->error_code);
	fputs("}\n", out);
}

void kt_vm_render(FILE *out, enum kt_format format, const struct kt_vm *vm)
{
	if (format == KT_FORMAT_JSON)
		vm_json(out, vm);
	else
		vm_text(out, vm);
}
