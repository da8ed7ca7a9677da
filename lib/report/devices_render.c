// SPDX-License-Identifier: MIT
/* dev as crash prints it, and as one JSON document (docs/json.md). */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

static void chrdev_text(FILE *out, const struct kt_chrdev *c)
{
	fprintf(out, " %3u      %-13s ", c->major, c->name);
	if (!c->ops) {
		fputs("      (none)     \n", out);  // crash's "(none)", centered where the cdev would be
		return;
	}
	fprintf(out, " %16llx  ", (unsigned long long)c->cdev);
	if (c->ops_symbol)
		fprintf(out, "%s\n", c->ops_symbol);
	else
		fprintf(out, "%llx\n", (unsigned long long)c->ops);
}

static void devices_json(FILE *out, const struct kt_devices *d)
{
	kt_json_document_begin(out);
	kt_json_key(out, "chrdevs");
	putc('[', out);
	for (size_t i = 0; i < d->n_chrdevs; i++) {
		const struct kt_chrdev *c = &d->chrdevs[i];
		fputs(i ? ",\n  {\"char_device_struct\": " : "\n  {\"char_device_struct\": ", out);
		kt_json_address(out, c->char_device_struct);
		fprintf(out, ", \"major\": %u, \"baseminor\": %u, \"minorct\": %u", c->major, c->baseminor,
			c->minorct);
		kt_json_key(out, "name");
		kt_json_string(out, c->name);
		kt_json_key(out, "cdev");
		kt_json_address_or_null(out, c->cdev);
		kt_json_key(out, "cdev_from_map");
		kt_json_bool(out, c->cdev_from_map);
		kt_json_key(out, "ops");
		kt_json_address_or_null(out, c->ops);
		kt_json_key(out, "ops_symbol");
		kt_json_string(out, c->ops_symbol);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_key(out, "blkdevs");
	putc('[', out);
	for (size_t i = 0; i < d->n_blkdevs; i++) {
		const struct kt_blkdev *b = &d->blkdevs[i];
		fputs(i ? ",\n  {\"blk_major_name\": " : "\n  {\"blk_major_name\": ", out);
		kt_json_address(out, b->blk_major_name);
		fprintf(out, ", \"major\": %u", b->major);
		kt_json_key(out, "name");
		kt_json_string(out, b->name);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_error_text_members(out, d->error, d->error_code);
	fputs("}\n", out);
}

void kt_devices_render(FILE *out, enum kt_format format, const struct kt_devices *d)
{
	if (format == KT_FORMAT_JSON) {
		devices_json(out, d);
		return;
	}
	fputs("CHRDEV    NAME                 CDEV        OPERATIONS      \n", out);
	for (size_t i = 0; i < d->n_chrdevs; i++)
		chrdev_text(out, &d->chrdevs[i]);
	// The gendisk of each major is not looked for: only the names.
	fputs("\nBLKDEV    NAME\n", out);
	for (size_t i = 0; i < d->n_blkdevs; i++)
		fprintf(out, " %3u      %s\n", d->blkdevs[i].major, d->blkdevs[i].name);
	if (d->error)
		fprintf(out, "[walk stopped: %s]\n", d->error);
}
