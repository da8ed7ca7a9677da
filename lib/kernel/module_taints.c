// SPDX-License-Identifier: MIT
/* mod -t: each module's own taint bits (struct module.taints, since v2.6.x), decoded by taint.def. */
#include <stdlib.h>

#include "core/error.h"
#include "kernel/object.h"
#include "kernel/taint.h"
#include "ktriage.h"

struct kt_error *kt_module_taints_read(struct kt_program *prog, struct kt_module_taint **ret,
				       size_t *n_ret)
{
	const struct kt_module_info *mods;
	size_t n;
	struct kt_error *err = kt_module_list(prog, &mods, &n);
	if (err)
		return err;
	struct kt_module_taint *taints = calloc(n ? n : 1, sizeof(*taints));
	if (!taints)
		return &kt_enomem;
	for (size_t i = 0; i < n; i++) {
		struct kt_module_taint *t = &taints[i];
		struct kt_object mod, member;
		t->name = mods[i].name;
		t->module = mods[i].address;
		if ((err = kt_object_from_address(prog, "struct module", mods[i].address, &mod)) ||
		    (err = kt_object_member(&mod, "taints", &member)) ||
		    (err = kt_object_read_unsigned(&member, &t->taints))) {
			free(taints);
			return kt_error_prefix(err, "module %s: taints", mods[i].name);
		}
		kt_taint_decode(t->taints, t->letters, sizeof(t->letters), t->names, sizeof(t->names));
	}
	*ret = taints;
	*n_ret = n;
	return NULL;
}
