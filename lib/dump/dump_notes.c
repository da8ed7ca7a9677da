// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "dump/dump_notes.h"
#include "dump/vmcoreinfo_check.h"

enum {
	NHDR_SIZE = 12,          /* Elf64_Nhdr: n_namesz, n_descsz, n_type */
	NT_PRSTATUS_TYPE = 1,
};

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static bool name_is(const uint8_t *name, uint32_t namesz, const char *want)
{
	return namesz == strlen(want) + 1 && !memcmp(name, want, namesz);
}

static struct kt_error *add_prstatus(struct kt_dump_notes *notes, size_t index, const uint8_t *desc,
				     uint32_t descsz)
{
	int32_t *pids = realloc(notes->prstatus_pids, (notes->n_prstatus + 1) * sizeof(*pids));
	if (!pids)
		return &kt_enomem;
	notes->prstatus_pids = pids;
	size_t cpu = notes->n_prstatus++;
	pids[cpu] = -1;
	if (descsz == KT_X86_64_PRSTATUS_SIZE) {
		memcpy(&pids[cpu], desc + KT_X86_64_PRSTATUS_PID_OFFSET, sizeof(pids[cpu]));
		return NULL;
	}
	struct kt_bad_note *bad = realloc(notes->bad, (notes->n_bad + 1) * sizeof(*bad));
	if (!bad)
		return &kt_enomem;
	notes->bad = bad;
	bad[notes->n_bad++] = (struct kt_bad_note){.index = index, .cpu = cpu, .size = descsz};
	return NULL;
}

struct kt_error *kt_dump_notes_walk(const uint8_t *buf, size_t len, struct kt_dump_notes *notes)
{
	size_t off = 0;
	for (size_t index = 0; len - off >= NHDR_SIZE; index++) {
		uint32_t namesz = u32_at(buf + off), descsz = u32_at(buf + off + 4);
		uint32_t type = u32_at(buf + off + 8);
		size_t name_off = off + NHDR_SIZE;
		// Sizes are 32-bit: their sums cannot wrap a size_t.
		if (len - name_off < align4(namesz) || len - name_off - align4(namesz) < descsz) {
			if (!notes->cut) {
				notes->cut = true;
				notes->cut_at = (struct kt_cut_note){index, off, len, namesz, descsz};
			}
			break;
		}
		const uint8_t *name = buf + name_off, *desc = name + align4(namesz);
		struct kt_error *err = NULL;
		if (type == NT_PRSTATUS_TYPE && name_is(name, namesz, "CORE"))
			err = add_prstatus(notes, index, desc, descsz);
		else if (name_is(name, namesz, "VMCOREINFO")) {
			notes->has_vmcoreinfo = true;
			err = kt_vmcoreinfo_check((const char *)desc, descsz);
		}
		if (err)
			return err;
		size_t next = (size_t)(desc - buf) + align4(descsz);
		if (next >= len)
			break;
		off = next;
	}
	return NULL;
}

void kt_dump_notes_deinit(struct kt_dump_notes *notes)
{
	free(notes->prstatus_pids);
	free(notes->bad);
	*notes = (struct kt_dump_notes){0};
}

bool kt_dump_notes_lost_vmcoreinfo(const struct kt_dump_notes *notes)
{
	return notes->cut && !notes->has_vmcoreinfo;
}

char *kt_dump_notes_describe(const struct kt_dump_notes *notes)
{
	bool lost = kt_dump_notes_lost_vmcoreinfo(notes);
	if (!notes->n_bad && !lost)
		return NULL;
	struct kt_strbuf sb = {0};
	for (size_t i = 0; i < notes->n_bad; i++) {
		const struct kt_bad_note *b = &notes->bad[i];
		kt_strbuf_printf(&sb, "%sELF note %zu (NT_PRSTATUS, the registers of CPU %zu in note "
				 "order) is corrupt: %u bytes, x86_64's are %d; skipped",
				 i ? "; " : "", b->index, b->cpu, b->size, KT_X86_64_PRSTATUS_SIZE);
	}
	if (lost) {
		const struct kt_cut_note *c = &notes->cut_at;
		kt_strbuf_printf(&sb, "%sthe ELF notes end at record %zu (offset %zu of %zu bytes), "
				 "which claims a %u-byte name and a %u-byte descriptor: the notes after "
				 "it are lost, and VMCOREINFO was not before it",
				 notes->n_bad ? "; " : "", c->index, c->offset, c->len, c->namesz,
				 c->descsz);
	}
	return kt_strbuf_finish(&sb);
}
