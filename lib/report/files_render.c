// SPDX-License-Identifier: MIT
/* files as crash prints it, and as one JSON document (docs/json.md). */
#include <string.h>

#include "report/json.h"
#include "report/render.h"

static void path_text(FILE *out, const char *path)
{
	if (path)
		kt_write_escaped(out, path, strlen(path));
	else
		fputs("(unreadable)", out);
}

static void files_text(FILE *out, const struct kt_files *f)
{
	kt_crash_task_header(out, &f->task);
	if (f->fs) {
		fputs("ROOT: ", out);
		path_text(out, f->root);
		fputs("    CWD: ", out);
		path_text(out, f->cwd);
		putc('\n', out);
	}
	if (!f->n_files) {
		fputs("No open files\n", out);
	} else {
		fputs(" FD       FILE            DENTRY           INODE       TYPE PATH\n", out);
		for (size_t i = 0; i < f->n_files; i++) {
			const struct kt_open_file *of = &f->files[i];
			fprintf(out, "%3u %016llx %016llx %016llx %-4s ", of->fd, (unsigned long long)of->file,
				(unsigned long long)of->dentry, (unsigned long long)of->inode,
				of->has_mode ? kt_inode_type_name(of->mode) : "?");
			if (of->path)
				kt_write_escaped(out, of->path, strlen(of->path));
			else
				fprintf(out, "(unreadable: %s)", of->path_error ? of->path_error : "?");
			putc('\n', out);
		}
	}
	if (f->error)
		fprintf(out, "[walk stopped: %s]\n", f->error);
}

static void files_json(FILE *out, const struct kt_files *f)
{
	kt_json_document_begin(out);
	kt_json_key(out, "task");
	kt_crash_task_json(out, &f->task);
	kt_json_key(out, "fs");
	kt_json_address_or_null(out, f->fs);
	kt_json_key(out, "root");
	kt_json_string(out, f->root);
	kt_json_key(out, "cwd");
	kt_json_string(out, f->cwd);
	kt_json_key(out, "files_struct");
	kt_json_address_or_null(out, f->files_struct);
	kt_json_key(out, "fdtable");
	kt_json_address_or_null(out, f->fdt);
	fprintf(out, ", \"max_fds\": %u", f->max_fds);
	kt_json_key(out, "files");
	putc('[', out);
	for (size_t i = 0; i < f->n_files; i++) {
		const struct kt_open_file *of = &f->files[i];
		fprintf(out, "%s\n  {\"fd\": %u, \"file\": ", i ? "," : "", of->fd);
		kt_json_address(out, of->file);
		kt_json_key(out, "dentry");
		kt_json_address_or_null(out, of->dentry);
		kt_json_key(out, "vfsmount");
		kt_json_address_or_null(out, of->vfsmount);
		kt_json_key(out, "inode");
		kt_json_address_or_null(out, of->inode);
		kt_json_key(out, "mode");
		if (of->has_mode)
			fprintf(out, "%u", of->mode);
		else
			fputs("null", out);
		kt_json_key(out, "type");
		kt_json_string(out, of->has_mode ? kt_inode_type_name(of->mode) : NULL);
		kt_json_key(out, "path");
		kt_json_string(out, of->path);
		kt_json_key(out, "path_error");
		kt_json_string(out, of->path_error);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_error_text_members(out, f->error, f->error_code);
	fputs("}\n", out);
}

void kt_files_render(FILE *out, enum kt_format format, const struct kt_files *files)
{
	if (format == KT_FORMAT_JSON)
		files_json(out, files);
	else
		files_text(out, files);
}
