// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/vmcoreinfo.h"

bool kt_vmcoreinfo_present(struct kt_dump *dump)
{
	return dump->has_vmcoreinfo;
}

static struct kt_error *vmcoreinfo_attr(struct kt_dump *dump, const char *kind, const char *name,
					uint64_t *ret)
{
	char key[256];
	snprintf(key, sizeof(key), "linux.vmcoreinfo.%s.%s", kind, name);
	struct kt_error *err = kt_dump_attr_number(dump, key, ret);
	if (err && err->code == KT_ERROR_NOT_FOUND) {
		kt_error_destroy(err);
		return kt_error_create(KT_ERROR_NOT_FOUND, "VMCOREINFO has no %s(%s)%s", kind, name,
				       kt_vmcoreinfo_present(dump) ? "" : " (the dump has no VMCOREINFO)");
	}
	return err;
}

struct kt_error *kt_vmcoreinfo_symbol(struct kt_dump *dump, const char *name, uint64_t *ret)
{
	return vmcoreinfo_attr(dump, "SYMBOL", name, ret);
}

struct kt_error *kt_vmcoreinfo_offset(struct kt_dump *dump, const char *type_member, uint64_t *ret)
{
	return vmcoreinfo_attr(dump, "OFFSET", type_member, ret);
}

struct kt_error *kt_vmcoreinfo_size(struct kt_dump *dump, const char *type, uint64_t *ret)
{
	return vmcoreinfo_attr(dump, "SIZE", type, ret);
}

struct kt_error *kt_vmcoreinfo_number(struct kt_dump *dump, const char *name, uint64_t *ret)
{
	return vmcoreinfo_attr(dump, "NUMBER", name, ret);
}

struct kt_error *kt_vmcoreinfo_line(struct kt_dump *dump, const char *key, char **ret)
{
	char *val = NULL;
	kdump_status status = kdump_vmcoreinfo_line(dump->ctx, key, &val);
	if (status == KDUMP_OK && val) {
		*ret = val;
		return NULL;
	}
	free(val);
	if (status == KDUMP_ERR_SYSTEM && errno == ENOMEM)
		return &kt_enomem;
	return kt_error_create(KT_ERROR_NOT_FOUND, "VMCOREINFO has no %s line%s", key,
			       kt_vmcoreinfo_present(dump) ? "" : " (the dump has no VMCOREINFO)");
}

struct kt_error *kt_vmcoreinfo_line_number(struct kt_dump *dump, const char *key, int base,
					   uint64_t *ret)
{
	_cleanup_free_ char *val = NULL;
	struct kt_error *err = kt_vmcoreinfo_line(dump, key, &val);
	if (err)
		return err;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(val, &end, base);
	if (errno || end == val || *end)
		return kt_error_create(KT_ERROR_BAD_DATA, "VMCOREINFO %s=%s is not a number", key, val);
	*ret = v;
	return NULL;
}
