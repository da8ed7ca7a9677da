// SPDX-License-Identifier: MIT
/* percpu: a per-CPU variable's address on each CPU and, if asked, the word there. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ktriage.h"

struct kt_percpu_values_impl {
	struct kt_percpu_values pub;
	char *expression;
};

struct kt_error *kt_percpu_values_read(struct kt_program *prog, const char *expr, int cpu,
				       bool values, struct kt_percpu_values **ret)
{
	uint64_t offset;
	struct kt_percpu_slot *slots;
	size_t n;
	struct kt_error *err = kt_program_parse_address(prog, expr, &offset);
	if (err || (err = kt_percpu_addresses(prog, offset, &slots, &n)))
		return err;
	struct kt_percpu_values_impl *impl = calloc(1, sizeof(*impl));
	struct kt_percpu_values *pv = impl ? &impl->pub : NULL;
	if (!impl || !(impl->expression = strdup(expr)) ||
	    !(pv->cpus = calloc(n ? n : 1, sizeof(*pv->cpus)))) {
		free(slots);
		kt_percpu_values_destroy(pv);
		return &kt_enomem;
	}
	pv->expression = impl->expression;
	pv->offset = offset;
	pv->values = values;
	for (size_t i = 0; i < n; i++) {
		if (cpu >= 0 && slots[i].cpu != (unsigned int)cpu)
			continue;
		struct kt_percpu_value *v = &pv->cpus[pv->n_cpus++];
		v->slot = slots[i];
		if (!values)
			continue;
		if (!(err = kt_program_read(prog, v->slot.address, KT_KVADDR, &v->value, 8))) {
			v->has_value = true;
			continue;
		}
		v->error_code = kt_error_code(err);
		v->error = strdup(kt_error_message(err));
		kt_error_destroy(err);
		if (!v->error) {
			free(slots);
			kt_percpu_values_destroy(pv);
			return &kt_enomem;
		}
	}
	free(slots);
	if (cpu >= 0 && !pv->n_cpus) {
		kt_percpu_values_destroy(pv);
		return kt_error_create(KT_ERROR_NOT_FOUND, "CPU %d is not a possible CPU", cpu);
	}
	*ret = pv;
	return NULL;
}

void kt_percpu_values_destroy(struct kt_percpu_values *pv)
{
	if (!pv)
		return;
	for (size_t i = 0; pv->cpus && i < pv->n_cpus; i++)
		free((char *)pv->cpus[i].error);
	free(pv->cpus);
	free(((struct kt_percpu_values_impl *)pv)->expression);
	free(pv);
}
