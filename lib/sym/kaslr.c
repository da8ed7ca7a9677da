// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sym/kaslr.h"

static const uint64_t KASLR_ALIGN = 2ull << 20;      /* CONFIG_PHYSICAL_ALIGN */
static const uint64_t KASLR_RANGE = 1ull << 30;      /* KERNEL_IMAGE_SIZE with KASLR */

struct kt_error *kt_kaslr_find(struct kt_reader *reader, const struct kt_vmlinux *vm,
			       uint64_t *ret)
{
	const char *banner = kt_vmlinux_banner(vm);
	uint64_t link;
	struct kt_error *err;
	if (!banner || (err = kt_vmlinux_symbol(vm, "linux_banner", &link)))
		return kt_error_create(KT_ERROR_BAD_DATA, "%s is not a vmlinux (no linux_banner)",
				       kt_vmlinux_path(vm));
	size_t len = strlen(banner);
	char *buf = malloc(len);
	if (!buf)
		return &kt_enomem;
	for (uint64_t off = 0; off < KASLR_RANGE; off += KASLR_ALIGN) {
		err = kt_read(reader, link + off, buf, len);
		if (err == &kt_enomem) {
			free(buf);
			return err;
		}
		if (!err && !memcmp(buf, banner, len)) {
			free(buf);
			*ret = off;
			return NULL;
		}
		kt_error_destroy(err);
	}
	free(buf);
	return kt_error_create(KT_ERROR_NOT_FOUND,
			       "%s: its linux_banner is nowhere in the dump's kernel image range: "
			       "a different kernel, or the dump lacks the kernel's pages",
			       kt_vmlinux_path(vm));
}
