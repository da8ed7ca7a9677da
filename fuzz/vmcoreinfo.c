// SPDX-License-Identifier: MIT
/*
 * VMCOREINFO text: the checks ktriage makes before libkdumpfile sees it (vmcoreinfo_check.c:
 * PAGESIZE and the other values libkdumpfile divides or allocates by), then, for text that
 * passes them, libkdumpfile's parse of it as the dump's VMCOREINFO and a few of the lookups
 * vmcoreinfo.c makes (raw lines and typed values).
 */
#include <libkdumpfile/kdumpfile.h>
#include <stdlib.h>
#include <string.h>

#include "dump/vmcoreinfo_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// Exactly size bytes, no terminator: the check must stay inside them.
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	struct kt_error *err = kt_vmcoreinfo_check(text, size);
	kdump_ctx_t *ctx = err ? NULL : kdump_new();
	kt_error_destroy(err);
	free(text);
	if (!ctx)
		return 0;
	kdump_attr_t attr = {.type = KDUMP_BLOB, .val.blob = kdump_blob_new_dup(data, size)};
	if (attr.val.blob && kdump_set_attr(ctx, "linux.vmcoreinfo.raw", &attr) == KDUMP_OK) {
		static const char *const lines[] = {"OSRELEASE", "PAGESIZE", "CRASHTIME", "BUILD-ID",
						    "SYMBOL(init_uts_ns)", "NUMBER(phys_base)"};
		for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			char *val = NULL;
			kdump_vmcoreinfo_line(ctx, lines[i], &val);
			free(val);
		}
		kdump_num_t num;
		kdump_get_number_attr(ctx, "linux.vmcoreinfo.SYMBOL.kallsyms_names", &num);
		kdump_get_number_attr(ctx, "linux.vmcoreinfo.OFFSET.printk_info.seq", &num);
		kdump_get_number_attr(ctx, "linux.vmcoreinfo.NUMBER.pgtable_l5_enabled", &num);
	}
	if (attr.val.blob)
		kdump_blob_decref(attr.val.blob);
	kdump_free(ctx);
	return 0;
}
