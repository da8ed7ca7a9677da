// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "kernel/node_set.h"

static size_t slot_of(const struct kt_node_set *s, uint64_t addr)
{
	size_t i = (size_t)((addr >> 3) * 0x9e3779b97f4a7c15ull) & (s->cap - 1);
	while (s->slots[i] && s->slots[i] != addr)
		i = (i + 1) & (s->cap - 1);
	return i;
}

bool kt_node_set_check(struct kt_node_set *s, uint64_t addr)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct kt_node_set grown = {calloc(cap, sizeof(uint64_t)), cap, 0};
		if (!grown.slots)
			return false;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i])
				grown.slots[slot_of(&grown, s->slots[i])] = s->slots[i], grown.n++;
		free(s->slots);
		*s = grown;
	}
	size_t i = slot_of(s, addr);
	if (s->slots[i])
		return true;
	s->slots[i] = addr;
	s->n++;
	return false;
}

void kt_node_set_deinit(struct kt_node_set *s)
{
	free(s->slots);
	*s = (struct kt_node_set){0};
}
