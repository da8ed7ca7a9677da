// SPDX-License-Identifier: MIT
/* mount as crash prints it, and as one JSON document (docs/json.md). */
#include <string.h>

#include "report/json.h"
#include "report/render.h"

/* The kernel's PATH_MAX: no name the library gives is longer. */
enum { PATH_SIZE = 4096 };

/* crash's row (filesys.c, show_mounts()): TYPE as "%-6s ", DEVNAME in 9 columns and a space,
 * then the spaces past column 17 of the two taken back while the one before the last is a
 * space, DIRNAME as "%-10s". */
static void mount_text(FILE *out, const struct kt_mount *k)
{
	char cols[2 * PATH_SIZE + 128];
	const char *dev = k->devname ? k->devname : "(unknown)";
	snprintf(cols, sizeof(cols), "%-6s %-9s ", k->type[0] ? k->type : "unknown", dev);
	size_t len = strlen(cols);
	while (len > 17 && cols[len - 2] == ' ')
		cols[--len] = 0;
	fprintf(out, "%016llx %016llx ", (unsigned long long)k->mount, (unsigned long long)k->super_block);
	kt_write_escaped(out, cols, len);
	if (k->dirname) {
		char dir[PATH_SIZE + 16];
		snprintf(dir, sizeof(dir), "%-10s", k->dirname);
		kt_write_escaped(out, dir, strlen(dir));
	} else {
		fprintf(out, "(unreadable: %s)", k->dirname_error ? k->dirname_error : "?");
	}
	putc('\n', out);
}

static void mounts_json(FILE *out, const struct kt_mounts *m)
{
	kt_json_document_begin(out);
	kt_json_key(out, "task");
	kt_crash_task_json(out, &m->task);
	kt_json_key(out, "mnt_ns");
	kt_json_address(out, m->mnt_ns);
	kt_json_key(out, "layout");
	kt_json_string(out, m->rbtree ? "rbtree" : "list");
	kt_json_key(out, "mounts");
	putc('[', out);
	for (size_t i = 0; i < m->n_mounts; i++) {
		const struct kt_mount *k = &m->mounts[i];
		fprintf(out, "%s\n  {\"mount\": ", i ? "," : "");
		kt_json_address(out, k->mount);
		kt_json_key(out, "super_block");
		kt_json_address(out, k->super_block);
		kt_json_key(out, "type");
		kt_json_string(out, k->type[0] ? k->type : NULL);
		kt_json_key(out, "devname");
		kt_json_string(out, k->devname);
		kt_json_key(out, "dirname");
		kt_json_string(out, k->dirname);
		kt_json_key(out, "dirname_error");
		kt_json_string(out, k->dirname_error);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_error_text_members(out, m->error, m->error_code);
	fputs("}\n", out);
}

void kt_mounts_render(FILE *out, enum kt_format format, const struct kt_mounts *m)
{
	if (format == KT_FORMAT_JSON) {
		mounts_json(out, m);
		return;
	}
	fputs("     MOUNT           SUPERBLK     TYPE   DEVNAME   DIRNAME\n", out);
	for (size_t i = 0; i < m->n_mounts; i++)
		mount_text(out, &m->mounts[i]);
	if (m->error)
		fprintf(out, "[walk stopped: %s]\n", m->error);
}
