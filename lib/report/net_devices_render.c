// SPDX-License-Identifier: MIT
/* net as crash 8.0.2 prints it (net.c, show_net_devices_v3()), and as one JSON document. */
#include "report/json.h"
#include "report/render.h"

static void ipv4_text(char *buf, size_t size, uint32_t be)
{
	const uint8_t *b = (const uint8_t *)&be;  // network byte order as it lies in memory
	snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

void kt_net_devices_render(FILE *out, enum kt_format format, const struct kt_net_devices *d)
{
	char ip[16];
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "net");
		kt_json_address(out, d->net);
		kt_json_key(out, "devices");
		putc('[', out);
		for (size_t i = 0; i < d->n_devices; i++) {
			const struct kt_net_device *k = &d->devices[i];
			fprintf(out, "%s\n  {\"net_device\": ", i ? "," : "");
			kt_json_address(out, k->address);
			kt_json_key(out, "name");
			kt_json_string(out, k->name);
			kt_json_key(out, "ipv4");
			putc('[', out);
			for (size_t j = 0; j < k->n_ipv4; j++) {
				ipv4_text(ip, sizeof(ip), k->ipv4[j]);
				fprintf(out, "%s\"%s\"", j ? ", " : "", ip);
			}
			putc(']', out);
			kt_json_key(out, "error");
			kt_json_string(out, k->error);
			putc('}', out);
		}
		fputs("]", out);
		kt_json_error_text_members(out, d->error, d->error_code);
		fputs("}\n", out);
		return;
	}
	fputs("   NET_DEVICE     NAME   IP ADDRESS(ES)\n", out);
	for (size_t i = 0; i < d->n_devices; i++) {
		const struct kt_net_device *k = &d->devices[i];
		char name[KT_COMM_TEXT_SIZE];
		fprintf(out, "%016llx  %-6s ", (unsigned long long)k->address, kt_comm_text(k->name, name));
		for (size_t j = 0; j < k->n_ipv4; j++) {
			ipv4_text(ip, sizeof(ip), k->ipv4[j]);
			fprintf(out, "%s%s", j ? ", " : "", ip);
		}
		if (k->error)
			fprintf(out, "(unreadable: %s)", k->error);
		putc('\n', out);
	}
	if (d->error)
		fprintf(out, "[walk stopped: %s]\n", d->error);
}
