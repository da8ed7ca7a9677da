// SPDX-License-Identifier: MIT
/*
 * Opening a dump through libkdumpfile. It recognises the format (ELF, kdump-compressed, flattened,
 * SADUMP, ...) and does address translation; we only tell it that the dump is of Linux, which it
 * needs before any virtual address can be translated.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "dump/dump.h"
#include "dump/flattened.h"
#include "dump/kdump_pages.h"

struct kt_error *kt_dump_error(struct kt_dump *dump, kdump_status status, const char *what)
{
	if (status == KDUMP_ERR_SYSTEM && errno == ENOMEM)
		return &kt_enomem;
	enum kt_error_code code = KT_ERROR_BAD_DATA;
	switch (status) {
	case KDUMP_ERR_NOKEY:
		code = KT_ERROR_NOT_FOUND;
		break;
	case KDUMP_ERR_NOTIMPL:
		code = KT_ERROR_UNSUPPORTED;
		break;
	case KDUMP_ERR_SYSTEM:
		code = KT_ERROR_OS;
		break;
	default:
		break;
	}
	return kt_error_create(code, "%s: %s", what, kdump_get_err(dump->ctx));
}

/* PTI kernels run user space on a second top-level table, 4 KiB above the kernel's
 * (arch/x86/mm/pti.c): clearing bit 12 of a user CR3 gives the kernel's. Bits 11:0 are PCID. */
static const uint64_t CR3_KERNEL_PGD_MASK = 0x000fffffffffe000ull;
enum { CR4_LA57 = 1 << 12 };

static void use_qemu_cr3(struct kt_dump *dump)
{
	const struct kt_qemu_cpu *best = NULL;
	for (size_t i = 0; i < dump->n_qemu_cpus; i++) {
		const struct kt_qemu_cpu *c = &dump->qemu_cpus[i];
		if (!(c->cr[3] & CR3_KERNEL_PGD_MASK))
			continue;
		// Prefer a CPU in kernel mode: its CR3 certainly maps the whole kernel.
		if (!best || ((c->cs & 3) == 0 && (best->cs & 3) != 0))
			best = c;
	}
	if (!best)
		return;
	dump->own_translation = true;
	dump->la57 = best->cr[4] & CR4_LA57;
	dump->pgtable = (struct kt_pgtable){.root = best->cr[3] & CR3_KERNEL_PGD_MASK,
					    .la57 = dump->la57};
}

/*
 * libkdumpfile 0.5.1 (Debian 12) writes into freed memory inside kdump_free() for
 * kdump-compressed ("diskdump") contexts: valgrind shows an attribute block allocated by
 * kdump_new() freed and then updated during the same kdump_free(). The corrupted heap aborts the
 * next allocation ("malloc(): unaligned tcache chunk detected") in a process that opens dumps one
 * after the other. A context whose open failed half-way faults in kdump_free() outright (a
 * diskdump header it rejected). Such contexts are parked here instead of freed: still
 * reachable, so not a leak to LeakSanitizer, and never touched again.
 */
struct parked_ctx {
	struct parked_ctx *next;
	kdump_ctx_t *ctx;
};
static struct parked_ctx *parked;
static pthread_mutex_t parked_lock = PTHREAD_MUTEX_INITIALIZER;

static void park_ctx(kdump_ctx_t *ctx)
{
	struct parked_ctx *p = malloc(sizeof(*p));
	if (!p)
		return;  // unreachable then, but never freed: a leak, not a crash
	pthread_mutex_lock(&parked_lock);
	*p = (struct parked_ctx){.next = parked, .ctx = ctx};
	parked = p;
	pthread_mutex_unlock(&parked_lock);
}

static void free_ctx(kdump_ctx_t *ctx)
{
	const char *format;
	if (kdump_get_string_attr(ctx, KDUMP_ATTR_FILE_FORMAT, &format) != KDUMP_OK ||
	    strcmp(format, "diskdump")) {
		kdump_free(ctx);
		return;
	}
	park_ctx(ctx);
}

/* libkdumpfile's own page cache is kept small. The reader keeps whole pages itself
 * (page_cache.h), while 0.5.1 searches its cache from end to end on every miss, under a lock:
 * at the default 1024 pages a page read from a kdump-compressed file took 12.5 us, at 64 8 us,
 * most of it zlib. */
static const unsigned int LIBKDUMPFILE_CACHE_PAGES = 64;

/* VMCOREINFO from elsewhere than the notes, set before the OS type, whose setup reads it. The
 * attribute takes over the blob's one reference (attr.c's set_attr stores it as given). */
static kdump_status set_vmcoreinfo(kdump_ctx_t *ctx, const char *text, size_t size,
				   const char **what)
{
	*what = "cannot use the kdump sub-header's VMCOREINFO";
	kdump_attr_t attr = {.type = KDUMP_BLOB, .val.blob = kdump_blob_new_dup(text, size)};
	if (!attr.val.blob)
		return KDUMP_ERR_SYSTEM;
	return kdump_set_attr(ctx, "linux.vmcoreinfo.raw", &attr);
}

/*
 * libkdumpfile up to 0.5.4 (fixed upstream by commit e63dab4, "cache: Get data buffer before
 * adjusting ghost partition size") can give a page read a NULL buffer. Its page cache (ARC)
 * remembers the keys of pages it evicted ("ghosts"); a page read that fails gives its slot back
 * unused, and if a ghost is read while a slot is unused, 0.5.1 takes that ghost's own NULL buffer
 * instead of the free one. The page then fails to inflate (zlib: Z_STREAM_ERROR, "dump data is
 * corrupt"), or a page stored uncompressed is copied to address 0. Which reads meet it depends
 * only on their order on a context: reading ahead, which takes pages from the other thread
 * instead, changes that order. The page reads that fail are those of pages the filter left out of
 * a kdump-compressed file: read as zeros instead, they fill their slot, and the reader tells them
 * by the file's page map (reader.c, zero_page_excluded).
 *
 * A context on the open file, ready to translate kernel addresses; *what says which step failed.
 *
 * skip_cpu_notes: the file has an NT_PRSTATUS note that libkdumpfile 0.5.1 refuses the whole file
 * for (dump_notes.h). It handles those notes only once it knows the architecture, which it
 * takes from the file unless one is set: the context is opened with an unknown architecture
 * (an empty name), which has no note handler, and told x86_64 afterwards. It then holds no CPU
 * registers and no CPU count of its own; kt_dump_prstatus_* answer from the notes walk.
 */
static kdump_status ctx_open(kdump_ctx_t *ctx, int fd, const struct kt_truncation *t,
			     const char **what)
{
	bool skip_cpu_notes = t->notes.n_bad;
	*what = NULL;
	kdump_status status = kdump_set_number_attr(ctx, "cache.size", LIBKDUMPFILE_CACHE_PAGES);
	if (status == KDUMP_OK && skip_cpu_notes) {
		*what = "cannot open the file without its CPU notes";
		status = kdump_set_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, "");
	}
	if (status == KDUMP_OK)
		status = kdump_open_fd(ctx, fd);
	if (status == KDUMP_OK && skip_cpu_notes)
		status = kdump_set_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, KDUMP_ARCH_X86_64);
	if (status == KDUMP_OK && t->vmcoreinfo_copy)
		status = set_vmcoreinfo(ctx, t->vmcoreinfo_copy, t->vmcoreinfo_copy_size, what);
	if (status != KDUMP_OK)
		return status;
	// Until the OS type is set, libkdumpfile cannot translate kernel virtual addresses.
	*what = "cannot set up Linux address translation";
	if ((status = kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux")) != KDUMP_OK)
		return status;
	const char *format;
	if (kdump_get_string_attr(ctx, KDUMP_ATTR_FILE_FORMAT, &format) != KDUMP_OK ||
	    strcmp(format, "diskdump"))
		return KDUMP_OK;
	*what = "cannot read excluded pages as zeros";
	return kdump_set_number_attr(ctx, KDUMP_ATTR_ZERO_EXCLUDED, 1);
}

struct kt_error *kt_dump_open(const char *path, struct kt_dump **ret)
{
	struct kt_dump *dump = calloc(1, sizeof(*dump));
	if (!dump)
		return &kt_enomem;
	dump->fd = -1;
	struct kt_error *err = NULL;
	if (!(dump->path = strdup(path)) || !(dump->ctx = kdump_new())) {
		err = &kt_enomem;
		goto fail;
	}
	dump->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (dump->fd < 0) {
		err = kt_error_create(KT_ERROR_OS, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (kt_flattened_detect(dump->fd)) {
		int whole;
		if ((err = kt_flattened_reassemble(dump->fd, path, &whole)))
			goto fail;
		close(dump->fd);
		dump->fd = whole;
		dump->flattened = true;
	}
	if ((err = kt_truncation_scan(dump->fd, &dump->truncation)))
		goto fail;
	const char *step;
	kdump_status status = ctx_open(dump->ctx, dump->fd, &dump->truncation, &step);
	if (status != KDUMP_OK) {
		err = kt_dump_error(dump, status, path);
		if (step)
			err = kt_error_prefix(err, "%s", step);
		char *damage = kt_truncation_describe(&dump->truncation);
		if (damage)
			err = kt_error_prefix(err, "%s", damage);
		free(damage);
		park_ctx(dump->ctx);
		dump->ctx = NULL;
		goto fail;
	}
	const char *format;
	dump->compressed = kdump_get_string_attr(dump->ctx, KDUMP_ATTR_FILE_FORMAT, &format) == KDUMP_OK &&
			   (!strcmp(format, "diskdump") || !strcmp(format, "lkcd"));
	dump->zero_excluded = dump->compressed && !strcmp(format, "diskdump");
	if (dump->zero_excluded && !dump->truncation.n_missing &&
	    (err = kt_kdump_pages_create(dump->fd, dump->truncation.file_size, &dump->kdump_pages)))
		goto fail;
	char *raw = NULL;
	dump->has_vmcoreinfo = kdump_vmcoreinfo_raw(dump->ctx, &raw) == KDUMP_OK;
	free(raw);
	uint64_t l5 = 0;  // set only on success; -O3 cannot see that
	struct kt_error *l5_err = kt_dump_attr_number(dump, "linux.vmcoreinfo.NUMBER.pgtable_l5_enabled", &l5);
	if (!l5_err)
		dump->la57 = l5 != 0;
	kt_error_destroy(l5_err);
	if ((err = kt_qemu_notes_read(dump->fd, &dump->qemu_cpus, &dump->n_qemu_cpus)))
		goto fail;
	if (!dump->has_vmcoreinfo)
		use_qemu_cr3(dump);
	*ret = dump;
	return NULL;
fail:
	kt_dump_destroy(dump);
	return err;
}

void kt_dump_destroy(struct kt_dump *dump)
{
	if (!dump)
		return;
	if (dump->second)
		free_ctx(dump->second);
	if (dump->ctx)
		free_ctx(dump->ctx);
	kt_truncation_deinit(&dump->truncation);
	kt_kdump_pages_destroy(dump->kdump_pages);
	free(dump->qemu_cpus);
	if (dump->fd >= 0)
		close(dump->fd);
	free(dump->path);
	free(dump);
}

kdump_ctx_t *kt_dump_second_acquire(struct kt_dump *dump)
{
	if (atomic_exchange(&dump->second_busy, true))
		return NULL;
	// Opened once and kept for the dump's lifetime: 0.5.1's kdump_free of a kdump-compressed
	// context is unsafe (free_ctx). Not kdump_clone(): clones share the cache (shared_pages.h).
	if (!dump->second && (dump->second = kdump_new())) {
		const char *step;
		if (ctx_open(dump->second, dump->fd, &dump->truncation, &step) != KDUMP_OK) {
			park_ctx(dump->second);
			dump->second = NULL;
		}
	}
	if (!dump->second)
		atomic_store(&dump->second_busy, false);
	return dump->second;
}

void kt_dump_second_release(struct kt_dump *dump)
{
	atomic_store(&dump->second_busy, false);
}

struct kt_error *kt_dump_attr_string(struct kt_dump *dump, const char *key, const char **ret)
{
	kdump_status status = kdump_get_string_attr(dump->ctx, key, ret);
	if (status == KDUMP_OK)
		return NULL;
	return kt_error_create(KT_ERROR_NOT_FOUND, "dump attribute %s: %s", key,
			       kdump_get_err(dump->ctx));
}

struct kt_error *kt_dump_attr_number(struct kt_dump *dump, const char *key, uint64_t *ret)
{
	kdump_attr_t attr;
	kdump_status status = kdump_get_attr(dump->ctx, key, &attr);
	if (status == KDUMP_OK && attr.type == KDUMP_NUMBER) {
		*ret = attr.val.number;
		return NULL;
	}
	if (status == KDUMP_OK && attr.type == KDUMP_ADDRESS) {
		*ret = attr.val.address;
		return NULL;
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "dump attribute %s: %s", key,
			       status == KDUMP_OK ? "not a number" : kdump_get_err(dump->ctx));
}

struct kt_error *kt_dump_prstatus_count(struct kt_dump *dump, uint64_t *ret)
{
	if (dump->truncation.notes.n_bad) {
		*ret = dump->truncation.notes.n_prstatus;
		return NULL;
	}
	return kt_dump_attr_number(dump, KDUMP_ATTR_NUM_CPUS, ret);
}

struct kt_error *kt_dump_prstatus_pid(struct kt_dump *dump, uint64_t index, int64_t *ret)
{
	const struct kt_dump_notes *notes = &dump->truncation.notes;
	if (notes->n_bad) {
		if (index >= notes->n_prstatus || notes->prstatus_pids[index] < 0)
			return kt_error_create(KT_ERROR_NOT_FOUND, "NT_PRSTATUS note %llu: %s",
					       (unsigned long long)index,
					       index >= notes->n_prstatus ? "none" : "skipped, corrupt");
		*ret = notes->prstatus_pids[index];
		return NULL;
	}
	char key[40];
	snprintf(key, sizeof(key), "cpu.%llu.pid", (unsigned long long)index);
	uint64_t pid = 0;  // set only on success; -O3 cannot see that
	struct kt_error *err = kt_dump_attr_number(dump, key, &pid);
	if (!err)
		*ret = (int64_t)pid;
	return err;
}
