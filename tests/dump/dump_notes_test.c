// SPDX-License-Identifier: MIT
/*
 * kt_dump_notes_walk on notes built in memory as a crashing kernel writes them (an NT_PRSTATUS
 * note per CPU, then VMCOREINFO): whole; with a CPU note of the wrong size (recorded, skipped);
 * with only a size field damaged (the walk goes astray inside the note and never reaches
 * VMCOREINFO: kt_dump_notes_lost_vmcoreinfo, and the description says where the notes end); and
 * with a cut record after VMCOREINFO, which loses nothing ktriage reads and is no damage.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/dump_notes.h"
#include "tap.h"

enum { NOTES_MAX = 4096 };

struct notes {
	uint8_t buf[NOTES_MAX];
	size_t len;
};

static void add_note(struct notes *n, const char *name, uint32_t type, const void *desc,
		     uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1, hdr[3] = {namesz, descsz, type};
	memcpy(n->buf + n->len, hdr, sizeof(hdr));
	n->len += sizeof(hdr);
	memcpy(n->buf + n->len, name, namesz);
	n->len += (namesz + 3) & ~3u;
	memcpy(n->buf + n->len, desc, descsz);
	n->len += (descsz + 3) & ~3u;
}

static void add_prstatus(struct notes *n, int32_t pid, uint32_t size)
{
	uint8_t desc[KT_X86_64_PRSTATUS_SIZE] = {0};
	memcpy(desc + KT_X86_64_PRSTATUS_PID_OFFSET, &pid, sizeof(pid));
	// A register area full of kernel addresses, as a real note's is: read as a note header,
	// it claims sizes far past the end of the notes.
	for (size_t off = 112; off + 8 <= sizeof(desc); off += 8)
		memcpy(desc + off, &(uint64_t){0xffffffff81000000ull + off}, 8);
	add_note(n, "CORE", 1, desc, size);
}

static const char VMCOREINFO[] = "OSRELEASE=6.1.0-57-amd64\nPAGESIZE=4096\nKERNELOFFSET=38400000\n";

static void kernel_notes(struct notes *n)
{
	*n = (struct notes){0};
	add_prstatus(n, 104, KT_X86_64_PRSTATUS_SIZE);
	add_prstatus(n, 0, KT_X86_64_PRSTATUS_SIZE);
	add_note(n, "VMCOREINFO", 0, VMCOREINFO, sizeof(VMCOREINFO) - 1);
}

static struct kt_dump_notes walk(const struct notes *n, struct kt_error **err)
{
	struct kt_dump_notes notes = {0};
	*err = kt_dump_notes_walk(n->buf, n->len, &notes);
	return notes;
}

int main(void)
{
	struct notes n;
	struct kt_error *err;

	kernel_notes(&n);
	struct kt_dump_notes whole = walk(&n, &err);
	tap_ok(!err && whole.n_prstatus == 2 && whole.prstatus_pids[0] == 104 &&
		       whole.prstatus_pids[1] == 0 && !whole.n_bad,
	       "whole notes: two CPU notes, their pids 104 and 0, none bad");
	tap_ok(whole.has_vmcoreinfo && !whole.cut && !kt_dump_notes_lost_vmcoreinfo(&whole) &&
		       !kt_dump_notes_describe(&whole),
	       "whole notes: VMCOREINFO seen, the walk reaches the end, nothing to describe");
	kt_dump_notes_deinit(&whole);
	kt_error_destroy(err);

	// The second CPU's note is 64 bytes long, and says so: it is skipped, the rest is read.
	n = (struct notes){0};
	add_prstatus(&n, 104, KT_X86_64_PRSTATUS_SIZE);
	add_prstatus(&n, 0, 64);
	add_note(&n, "VMCOREINFO", 0, VMCOREINFO, sizeof(VMCOREINFO) - 1);
	struct kt_dump_notes short_note = walk(&n, &err);
	char *text = kt_dump_notes_describe(&short_note);
	tap_ok(!err && short_note.n_bad == 1 && short_note.bad[0].index == 1 &&
		       short_note.bad[0].cpu == 1 && short_note.bad[0].size == 64 &&
		       short_note.prstatus_pids[1] == -1 && short_note.has_vmcoreinfo &&
		       !kt_dump_notes_lost_vmcoreinfo(&short_note),
	       "a 64-byte CPU note: recorded as bad (note 1, CPU 1), VMCOREINFO still read");
	tap_ok(text && strstr(text, "ELF note 1 (NT_PRSTATUS, the registers of CPU 1 in note order) "
				    "is corrupt: 64 bytes, x86_64's are 336; skipped") &&
		       !strstr(text, "VMCOREINFO"),
	       "a 64-byte CPU note: described as skipped, nothing lost: %s", text ? text : "(none)");
	free(text);
	kt_dump_notes_deinit(&short_note);
	kt_error_destroy(err);

	// Only the second CPU note's size field says 64: the walk reads its registers as notes.
	kernel_notes(&n);
	size_t second = 12 + 8 + KT_X86_64_PRSTATUS_SIZE;
	memcpy(n.buf + second + 4, &(uint32_t){64}, 4);
	struct kt_dump_notes astray = walk(&n, &err);
	text = kt_dump_notes_describe(&astray);
	tap_ok(!err && astray.cut && !astray.has_vmcoreinfo && kt_dump_notes_lost_vmcoreinfo(&astray) &&
		       astray.cut_at.len == n.len && astray.cut_at.offset > second &&
		       astray.cut_at.offset < second + 12 + 8 + KT_X86_64_PRSTATUS_SIZE,
	       "a size field of 64: the walk ends inside the note (offset %zu), VMCOREINFO lost",
	       astray.cut_at.offset);
	char where[96];
	snprintf(where, sizeof(where), "the ELF notes end at record %zu (offset %zu of %zu bytes)",
		 astray.cut_at.index, astray.cut_at.offset, n.len);
	tap_ok(text && strstr(text, where) &&
		       strstr(text, "the notes after it are lost, and VMCOREINFO was not before it"),
	       "a size field of 64: described with where the notes end: %s", text ? text : "(none)");
	free(text);
	kt_dump_notes_deinit(&astray);
	kt_error_destroy(err);

	// A record cut off after VMCOREINFO (a note header claiming more than is left).
	kernel_notes(&n);
	memcpy(n.buf + n.len, (uint32_t[3]){5, 1000, 1}, 12);
	n.len += 12 + 8;
	struct kt_dump_notes tail = walk(&n, &err);
	tap_ok(!err && tail.cut && tail.has_vmcoreinfo && !kt_dump_notes_lost_vmcoreinfo(&tail) &&
		       !kt_dump_notes_describe(&tail) && tail.n_prstatus == 2,
	       "a cut record after VMCOREINFO: noted by the walk, no damage to report");
	kt_dump_notes_deinit(&tail);
	kt_error_destroy(err);

	// A corrupt VMCOREINFO is still refused by the walk.
	n = (struct notes){0};
	add_note(&n, "VMCOREINFO", 0, "PAGESIZE=0\n", 11);
	struct kt_dump_notes refused = walk(&n, &err);
	tap_ok(err && strstr(kt_error_message(err), "PAGESIZE=0"), "VMCOREINFO with PAGESIZE=0: refused: %s",
	       err ? kt_error_message(err) : "(no error)");
	kt_dump_notes_deinit(&refused);
	kt_error_destroy(err);
	return tap_done();
}
