// SPDX-License-Identifier: MIT
/*
 * irq: the interrupt descriptors (kernel/irq/irqdesc.c). With CONFIG_SPARSE_IRQ they are
 * allocated one by one and found by number in irq_desc_tree (a radix tree, so a struct xarray
 * from v4.20) before v6.5 and in the maple tree sparse_irqs since (each stored over [irq, irq]);
 * without it they are the array irq_desc[NR_IRQS]. Each desc->action is a list of struct
 * irqaction linked by next (shared interrupts), bounded here as a list in hostile memory must be.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/reader.h"
#include "kernel/maple_tree.h"
#include "kernel/object.h"
#include "kernel/xarray.h"
#include "ktriage.h"

/* More numbers than this is no nr_irqs (the kernel's limit is IRQ_BITMAP_BITS: NR_IRQS +
 * 8196). */
enum { IRQ_NR_MAX = 1 << 20 };
/* Handlers sharing one interrupt: far more than any machine has. */
enum { IRQ_ACTIONS_MAX = 256 };
enum { IRQ_NAME_MAX = 64 };

struct collect {
	struct kt_irqs *irqs;
	size_t cap;
	long only;               /* the one number asked for, or negative */
	bool nomem;
};

static bool add(struct collect *c, uint64_t irq, uint64_t desc)
{
	if (!desc || irq >= c->irqs->nr_irqs || (c->only >= 0 && irq != (uint64_t)c->only))
		return true;
	if (c->irqs->n_irqs && c->irqs->irqs[c->irqs->n_irqs - 1].irq >= irq)
		return true;  // in index order: a number twice is no new descriptor
	if (!kt_grow((void **)&c->irqs->irqs, &c->cap, c->irqs->n_irqs, sizeof(*c->irqs->irqs), 64)) {
		c->nomem = true;
		return false;
	}
	c->irqs->irqs[c->irqs->n_irqs++] = (struct kt_irq){.irq = (unsigned int)irq, .desc = desc};
	return true;
}

static bool xa_desc(uint64_t index, uint64_t entry, void *arg)
{
	return add(arg, index, entry);
}

static bool maple_desc(uint64_t first, uint64_t last, uint64_t entry, void *arg)
{
	struct collect *c = arg;
	if (entry & 3)
		return true;  // a value or reserved entry is no descriptor
	for (uint64_t irq = first; irq <= last && irq < c->irqs->nr_irqs; irq++)
		if (!add(c, irq, entry))
			return false;
	return true;
}

/* Whether the kernel has symbol name, and where. */
static bool symbol_at(struct kt_program *prog, const char *name, uint64_t *ret)
{
	struct kt_error *err = kt_program_symbol_address(prog, name, ret);
	bool found = !err;
	kt_error_destroy(err);
	return found;
}

static struct kt_error *descs_read(struct kt_program *prog, struct collect *c)
{
	struct kt_irqs *irqs = c->irqs;
	uint64_t at;
	struct kt_object root;
	struct kt_error *err;
	if (symbol_at(prog, "sparse_irqs", &at)) {
		irqs->source = "sparse_irqs";
		if ((err = kt_object_from_address(prog, "struct maple_tree", at, &root)))
			return err;
		return kt_maple_for_each(&root, 0, maple_desc, c);
	}
	if (symbol_at(prog, "irq_desc_tree", &at)) {
		irqs->source = "irq_desc_tree";
		if ((err = kt_object_from_address(prog, "struct xarray", at, &root)))
			return kt_error_prefix(err, "irq_desc_tree (a radix tree is a struct xarray from "
					       "v4.20)");
		return kt_xarray_for_each(&root, 0, xa_desc, c);
	}
	if ((err = kt_program_symbol_address(prog, "irq_desc", &at)))
		return kt_error_prefix(err, "no sparse_irqs, irq_desc_tree or irq_desc");
	irqs->source = "irq_desc";
	struct kt_type_ref desc_type;
	struct kt_object probe;
	uint64_t size;
	if ((err = kt_object_lookup_type(prog, "struct irq_desc", &desc_type)))
		return err;
	kt_object_init(&probe, prog, NULL, desc_type, 0);
	if ((err = kt_object_size(&probe, &size)))
		return err;
	for (uint64_t irq = 0; irq < irqs->nr_irqs; irq++)
		if (!add(c, irq, at + irq * size))
			return &kt_enomem;
	return NULL;
}

static struct kt_error *pointer(const struct kt_object *obj, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_unsigned(&o, ret);
}

/* desc->action and its ->next chain. A damaged list is named in the IRQ's error. */
static struct kt_error *actions_read(struct kt_program *prog, struct kt_irq *irq)
{
	struct kt_object desc, act, o;
	uint64_t action;
	size_t cap = 0;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct irq_desc", irq->desc, &desc)) ||
	    (err = pointer(&desc, "action", &action)))
		return err;
	while (action) {
		if (irq->n_actions >= IRQ_ACTIONS_MAX)
			return kt_error_create(KT_ERROR_LIMIT, "more than %d actions (a loop?)",
					       IRQ_ACTIONS_MAX);
		if (!kt_grow((void **)&irq->actions, &cap, irq->n_actions, sizeof(*irq->actions), 2))
			return &kt_enomem;
		struct kt_irq_action *a = &irq->actions[irq->n_actions++];
		*a = (struct kt_irq_action){.action = action};
		if ((err = kt_object_from_address(prog, "struct irqaction", action, &act)) ||
		    (err = pointer(&act, "handler", &a->handler)) || (err = pointer(&act, "next", &action)))
			return kt_error_prefix(err, "irqaction 0x%llx", (unsigned long long)a->action);
		kt_object_member_u64(&act, "thread_fn", &a->thread_fn);
		char name[IRQ_NAME_MAX];
		if (!kt_object_member(&act, "name", &o) && !kt_object_read_string(&o, name, sizeof(name)) &&
		    !(a->name = strdup(name)))
			return &kt_enomem;
		uint64_t offset;
		const char *module;
		if (a->handler)
			kt_error_destroy(kt_program_symbolize(prog, a->handler, &a->handler_name, &offset,
							      &module));
	}
	return NULL;
}

struct kt_error *kt_irqs_read(struct kt_program *prog, long irq, struct kt_irqs **ret)
{
	uint64_t at;
	uint32_t nr;
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, "nr_irqs", &at)) ||
	    (err = kt_read_u32(&prog->reader, at, &nr)))
		return kt_error_prefix(err, "nr_irqs");
	if (nr > IRQ_NR_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "nr_irqs is %u, more than %d", nr, IRQ_NR_MAX);
	if (irq >= 0 && (uint64_t)irq >= nr)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "IRQ %ld is not below nr_irqs (%u)", irq,
				       nr);
	struct kt_irqs *irqs = calloc(1, sizeof(*irqs));
	if (!irqs)
		return &kt_enomem;
	irqs->nr_irqs = nr;
	struct collect c = {.irqs = irqs, .only = irq};
	err = descs_read(prog, &c);
	if (c.nomem) {
		kt_error_destroy(err);
		err = &kt_enomem;
	}
	if (err && (kt_error_code(err) == KT_ERROR_NOMEM || !irqs->source))
		goto fail;
	if (err) {
		irqs->error = strdup(kt_error_message(err));
		irqs->error_code = kt_error_code(err);
		kt_error_destroy(err);
	}
	for (size_t i = 0; i < irqs->n_irqs; i++) {
		if (!(err = actions_read(prog, &irqs->irqs[i])))
			continue;
		if (kt_error_code(err) == KT_ERROR_NOMEM)
			goto fail;
		irqs->irqs[i].error = strdup(kt_error_message(err));
		kt_error_destroy(err);
	}
	*ret = irqs;
	return NULL;
fail:
	kt_irqs_destroy(irqs);
	return err;
}

void kt_irqs_destroy(struct kt_irqs *irqs)
{
	if (!irqs)
		return;
	for (size_t i = 0; i < irqs->n_irqs; i++) {
		for (size_t j = 0; j < irqs->irqs[i].n_actions; j++)
			free(irqs->irqs[i].actions[j].name);
		free(irqs->irqs[i].actions);
		free(irqs->irqs[i].error);
	}
	free(irqs->irqs);
	free(irqs->error);
	free(irqs);
}
