// SPDX-License-Identifier: MIT
/* The fault-tolerant reader, kallsyms and the log on a real dump, and bad dumps that must fail cleanly. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/error.h"
#include "dump/parallel_read.h"
#include "dump_patch.h"
#include "dump/vmcoreinfo.h"
#include "program.h"
#include "tap.h"
#include "tap_open.h"

static bool has_substr(const struct kt_error *err, const char *s)
{
	return err && strstr(kt_error_message(err), s);
}

static void test_symbols_and_reads(struct kt_program *prog)
{
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (!tap_ok(!err, "kallsyms decodes from the dump")) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	tap_ok(kt_kallsyms_count(ks) > 50000, "kallsyms has %zu symbols", kt_kallsyms_count(ks));
	const struct kt_symbol *sched = kt_kallsyms_by_name(ks, "schedule");
	tap_ok(sched && (sched->type == 'T' || sched->type == 't'), "schedule is a text symbol");
	if (sched) {
		const struct kt_symbol *back = kt_kallsyms_by_address(ks, sched->address + 5);
		tap_ok(back && !strcmp(back->name, "schedule"), "schedule+5 resolves to schedule");
	}
	// linux_banner is "Linux version RELEASE ..."; RELEASE also comes from VMCOREINFO.
	uint64_t banner_addr;
	char *banner = NULL, *release = NULL;
	err = kt_program_symbol_address(prog, "linux_banner", &banner_addr);
	if (!err)
		err = kt_read_cstr(&prog->reader, banner_addr, 512, &banner);
	if (!err)
		err = kt_vmcoreinfo_line(prog->dump, "OSRELEASE", &release);
	if (tap_ok(!err, "linux_banner and OSRELEASE read")) {
		char want[256];
		snprintf(want, sizeof(want), "Linux version %s ", release);
		tap_ok(!strncmp(banner, want, strlen(want)), "linux_banner names the release");
	}
	kt_error_destroy(err);
	free(banner);
	free(release);

	uint8_t buf[16];
	err = kt_read(&prog->reader, 0x0000800000000000ull, buf, 8);
	uint64_t bad = 0;
	tap_ok(err && kt_error_code(err) == KT_ERROR_FAULT && has_substr(err, "not a canonical") &&
		       kt_error_address(err, &bad) && bad == 0x0000800000000000ull,
	       "a non-canonical address is refused before reading");
	kt_error_destroy(err);

	// The direct map beyond the last page of RAM translates to nothing in the dump.
	uint64_t pob_addr, page_offset_base, max_pfn;
	err = kt_program_symbol_address(prog, "page_offset_base", &pob_addr);
	if (!err)
		err = kt_read_u64(&prog->reader, pob_addr, &page_offset_base);
	if (!err)
		err = kt_dump_attr_number(prog->dump, "max_pfn", &max_pfn);
	if (tap_ok(!err, "page_offset_base and max_pfn known")) {
		uint64_t beyond = page_offset_base + (max_pfn + 4096) * 4096;
		struct kt_error *ferr = kt_read(&prog->reader, beyond, buf, 8);
		tap_ok(ferr && kt_error_code(ferr) == KT_ERROR_FAULT && kt_error_address(ferr, &bad) &&
			       bad == beyond,
		       "a read past the end of RAM fails at that address");
		if (ferr)
			tap_diag("%s", kt_error_message(ferr));
		kt_error_destroy(ferr);
	}
	kt_error_destroy(err);
}

/* Whether two reads ended alike: both fine, or the same error at the same address. */
static bool same_outcome(const struct kt_error *a, const struct kt_error *b)
{
	uint64_t aa = 0, ba = 0;
	if (!a || !b)
		return !a && !b;
	return kt_error_code(a) == kt_error_code(b) && !strcmp(kt_error_message(a), kt_error_message(b)) &&
	       kt_error_address(a, &aa) == kt_error_address(b, &ba) && aa == ba;
}

/*
 * kt_read_parallel against kt_read, range by range, on each thread mode: the kernel's BTF (MBs,
 * read in chunks on two threads), a range that runs into a page the dump excludes (direct map of
 * excluded_pfn, if any: the error of the first chunk that fails, which is kt_read's), one past the
 * end of RAM, a non-canonical one and a small one, all in one call.
 */
static void test_parallel_reads(struct kt_program *prog, uint64_t excluded_pfn)
{
	uint64_t start, stop, pob_addr, page_offset_base = 0, max_pfn = 0;
	struct kt_error *err = kt_program_symbol_address(prog, "__start_BTF", &start);
	if (!err)
		err = kt_program_symbol_address(prog, "__stop_BTF", &stop);
	if (!err)
		err = kt_program_symbol_address(prog, "page_offset_base", &pob_addr);
	if (!err)
		err = kt_read_u64(&prog->reader, pob_addr, &page_offset_base);
	if (!err)
		err = kt_dump_attr_number(prog->dump, "max_pfn", &max_pfn);
	if (!tap_ok(!err && stop > start, "the kernel's BTF and direct map are located")) {
		tap_diag("%s", err ? kt_error_message(err) : "empty BTF");
		kt_error_destroy(err);
		return;
	}
	uint64_t excluded = page_offset_base + excluded_pfn * 4096;
	struct kt_read_range want[] = {
		{.addr = start, .len = stop - start},
		{.addr = excluded_pfn ? excluded - 40 * 4096 + 100 : start, .len = 80 * 4096},
		{.addr = page_offset_base + (max_pfn + 4096) * 4096 - 3 * 4096, .len = 70 * 4096},
		{.addr = 0x00007ffffffff000ull, .len = 2 * 4096},
		{.addr = start + 100, .len = 100},
	};
	enum { N = sizeof(want) / sizeof(want[0]) };
	unsigned int compared = 0, differ = 0, failed = 0;
	for (size_t i = 0; i < N; i++) {
		want[i].buf = malloc(want[i].len);
		want[i].err = want[i].buf ? kt_read(&prog->reader, want[i].addr, want[i].buf, want[i].len)
					  : &kt_enomem;
		failed += want[i].err != NULL;
	}
	static const enum kt_read_ahead_mode modes[] = {KT_READ_AHEAD_AUTO, KT_READ_AHEAD_ALWAYS,
							KT_READ_AHEAD_NEVER};
	enum kt_read_ahead_mode saved = prog->dump->second_thread;
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct kt_read_range got[N];
		for (size_t i = 0; i < N; i++)
			got[i] = (struct kt_read_range){.addr = want[i].addr, .len = want[i].len,
							.buf = calloc(1, want[i].len)};
		prog->dump->second_thread = modes[m];
		kt_read_parallel(&prog->reader, got, N);
		for (size_t i = 0; i < N; i++, compared++) {
			bool same = got[i].buf && want[i].buf && same_outcome(got[i].err, want[i].err) &&
				    (got[i].err || !memcmp(got[i].buf, want[i].buf, want[i].len));
			if (!same && differ++ < 5)
				tap_diag("mode %d, range %zu at 0x%llx: %s / %s", (int)modes[m], i,
					 (unsigned long long)want[i].addr,
					 got[i].err ? kt_error_message(got[i].err) : "read",
					 want[i].err ? kt_error_message(want[i].err) : "read");
			kt_error_destroy(got[i].err);
			free(got[i].buf);
		}
	}
	prog->dump->second_thread = saved;
	// A kdump-compressed file's own page index (kdump_pages.h) against libkdumpfile alone:
	// the same ranges, uncached, with the index taken away.
	struct kt_kdump_pages *index = prog->dump->kdump_pages;
	if (prog->dump->zero_excluded) {
		unsigned int index_compared = 0, index_differ = 0;
		struct kt_reader alone = prog->reader;
		alone.pages = NULL;
		alone.shared = NULL;
		prog->dump->kdump_pages = NULL;
		for (size_t i = 0; i < N; i++, index_compared++) {
			uint8_t *buf = calloc(1, want[i].len);
			struct kt_error *e = buf ? kt_read(&alone, want[i].addr, buf, want[i].len) : &kt_enomem;
			bool same = buf && want[i].buf && same_outcome(e, want[i].err) &&
				    (e || !memcmp(buf, want[i].buf, want[i].len));
			if (!same && index_differ++ < 5)
				tap_diag("range %zu at 0x%llx: %s without the index, %s with it", i,
					 (unsigned long long)want[i].addr, e ? kt_error_message(e) : "read",
					 want[i].err ? kt_error_message(want[i].err) : "read");
			kt_error_destroy(e);
			free(buf);
		}
		prog->dump->kdump_pages = index;
		tap_ok(index && index_compared == N && !index_differ,
		       "the page index reads %u ranges as libkdumpfile does, bytes and errors (%u differ)",
		       index_compared, index_differ);
	}
	for (size_t i = 0; i < N; i++) {
		kt_error_destroy(want[i].err);
		free(want[i].buf);
	}
	tap_ok(compared == 3 * N && !differ && failed >= 2,
	       "kt_read_parallel reads %u ranges as kt_read does, bytes and errors (%u of %d fail, "
	       "%u differ; the BTF is %llu bytes)", compared, failed, N, differ,
	       (unsigned long long)(stop - start));
}

/* A RAM page that a makedumpfile -d 31 file left out (0 if none is found). */
static uint64_t excluded_pfn(struct kt_program *prog)
{
	kdump_attr_t mem, file;
	kdump_ctx_t *ctx = prog->dump->ctx;
	if (kdump_get_attr(ctx, "memory.pagemap", &mem) != KDUMP_OK ||
	    kdump_get_attr(ctx, "file.pagemap", &file) != KDUMP_OK)
		return 0;
	kdump_addr_t pfn = 0x1000, found = 0;
	for (int tries = 0; tries < 100000 && !found; tries++, pfn++) {
		kdump_addr_t idx = pfn;
		if (kdump_bmp_find_set(mem.val.bitmap, &idx) != KDUMP_OK)
			break;
		pfn = idx;
		kdump_addr_t fidx = pfn;
		if (kdump_bmp_find_set(file.val.bitmap, &fidx) == KDUMP_OK && fidx != pfn)
			found = pfn;
	}
	return found;
}

/* A page that was RAM but is not in a makedumpfile -d 31 file: the error must say "excluded". */
static void test_filtered_page(struct kt_program *prog)
{
	kdump_attr_t mem, file;
	kdump_ctx_t *ctx = prog->dump->ctx;
	if (!tap_ok(kdump_get_attr(ctx, "memory.pagemap", &mem) == KDUMP_OK &&
			    kdump_get_attr(ctx, "file.pagemap", &file) == KDUMP_OK,
		    "the dump has RAM and file page maps"))
		return;
	kdump_addr_t pfn = 0x1000, found = 0;
	for (int tries = 0; tries < 100000 && !found; tries++, pfn++) {
		kdump_addr_t idx = pfn;
		if (kdump_bmp_find_set(mem.val.bitmap, &idx) != KDUMP_OK)
			break;
		pfn = idx;
		kdump_addr_t fidx = pfn;
		if (kdump_bmp_find_set(file.val.bitmap, &fidx) == KDUMP_OK && fidx != pfn)
			found = pfn;
	}
	// The bitmaps stay owned by the context (libkdumpfile 0.5.1 takes no reference for us).
	if (!tap_ok(found, "found a RAM page that the filter excluded"))
		return;
	uint8_t buf[8];
	struct kt_error *err = kt_read_phys(&prog->reader, found * 4096 + 8, buf, 8);
	uint64_t bad;
	tap_ok(err && has_substr(err, "excluded from the dump") && kt_error_address(err, &bad) &&
		       bad == found * 4096 + 8,
	       "reading it reports the page as excluded, with its address");
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
}

/*
 * Pages read again after libkdumpfile evicted them, each right after a read that failed. Its
 * page cache (0.5.1, cache.c) gives an evicted page that is read again while the cache has a free
 * slot, which a failed read leaves behind, a NULL buffer: the page then fails to inflate ("dump
 * data is corrupt"), or a page stored uncompressed is copied to address 0. On one context, without
 * the reader's own cache: twice libkdumpfile's cache size of pages the file holds, then each of
 * the first half again after a page the filter excluded. Every page must read as it did the
 * first time. In a child process, so that a crash in libkdumpfile is a failed test.
 */
struct reread_counts {
	size_t compared, failed, differ, excluded;
};

static void reread_after_failed_reads(struct kt_program *prog, const uint64_t *pfns, size_t half,
				      uint64_t excluded_pfn, struct reread_counts *c)
{
	// Uncached: every read is one libkdumpfile read on the dump's context.
	struct kt_reader r = {.dump = prog->dump, .ctx = prog->dump->ctx, .pgtable = prog->dump->pgtable};
	uint8_t *want = malloc(2 * half * 4096), got[4096], buf[8];
	for (size_t i = 0; want && i < 2 * half; i++) {
		struct kt_error *err = kt_read_phys(&r, pfns[i] * 4096, want + i * 4096, 4096);
		if (err) {
			tap_diag("first read of pfn 0x%llx: %s", (unsigned long long)pfns[i],
				 kt_error_message(err));
			kt_error_destroy(err);
			free(want);
			return;
		}
	}
	for (size_t i = half; want && i-- > 0; c->compared++) {
		struct kt_error *xerr = kt_read_phys(&r, excluded_pfn * 4096, buf, sizeof(buf));
		c->excluded += has_substr(xerr, "excluded from the dump");
		kt_error_destroy(xerr);
		struct kt_error *err = kt_read_phys(&r, pfns[i] * 4096, got, sizeof(got));
		if (err && c->failed++ < 3)
			tap_diag("pfn 0x%llx: %s", (unsigned long long)pfns[i], kt_error_message(err));
		c->differ += !err && memcmp(got, want + i * 4096, sizeof(got));
		kt_error_destroy(err);
	}
	free(want);
}

static void test_reread_after_failed_read(struct kt_program *prog, uint64_t excluded_pfn)
{
	kdump_ctx_t *ctx = prog->dump->ctx;
	kdump_attr_t size, file;
	if (!tap_ok(excluded_pfn && kdump_get_attr(ctx, "cache.size", &size) == KDUMP_OK &&
			    size.val.number > 0 && kdump_get_attr(ctx, "file.pagemap", &file) == KDUMP_OK,
		    "an excluded page, libkdumpfile's cache size and the file's page map"))
		return;
	size_t half = size.val.number, found = 0;
	uint64_t *pfns = calloc(2 * half, sizeof(*pfns));
	for (kdump_addr_t pfn = 0x1000; pfns && found < 2 * half; pfn++) {
		if (kdump_bmp_find_set(file.val.bitmap, &pfn) != KDUMP_OK)
			break;
		pfns[found++] = pfn;
	}
	int pipe_fds[2];
	struct reread_counts c = {0};
	pid_t child = found == 2 * half && !pipe(pipe_fds) ? fork() : -1;
	if (child == 0) {
		close(pipe_fds[0]);
		reread_after_failed_reads(prog, pfns, half, excluded_pfn, &c);
		fflush(stdout);
		_exit(write(pipe_fds[1], &c, sizeof(c)) == sizeof(c) ? 0 : 1);
	}
	int status = -1;
	if (child > 0) {
		close(pipe_fds[1]);
		if (read(pipe_fds[0], &c, sizeof(c)) != sizeof(c))
			c = (struct reread_counts){0};
		close(pipe_fds[0]);
		waitpid(child, &status, 0);
		if (WIFSIGNALED(status))
			tap_diag("the reads were killed by signal %d", WTERMSIG(status));
	}
	tap_ok(status == 0 && c.compared == half && !c.failed && !c.differ && c.excluded == half,
	       "%zu of %zu pages read again after a failed read, each as before (%zu fail, %zu differ; "
	       "%zu reads of the excluded page say so; libkdumpfile caches %zu pages)",
	       c.compared - c.failed - c.differ, half, c.failed, c.differ, c.excluded, half);
	free(pfns);
}

static void test_log(struct kt_program *prog);

/* kallsyms of the dump at path as mode reads them: the table in words (count, then each
 * symbol's type, address and name), or the error, to compare modes by. */
static char *kallsyms_outcome(const char *path, enum kt_read_ahead_mode mode)
{
	struct kt_open_options opts = {.no_debuginfo = true, .read_ahead = mode};
	struct kt_program *prog;
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_open(path, &opts, &prog);
	if (!err && (err = kt_program_kallsyms(prog, &ks)))
		kt_program_destroy(prog);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (err) {
		fprintf(f, "error: %s", kt_error_message(err));
		kt_error_destroy(err);
	} else {
		fprintf(f, "%zu symbols\n", ks->n);
		for (size_t i = 0; i < ks->n; i++)
			fprintf(f, "%c %llx %s\n", ks->syms[i].type,
				(unsigned long long)ks->syms[i].address, ks->syms[i].name);
		kt_program_destroy(prog);
	}
	fclose(f);
	return out;
}

/*
 * Hostile kallsyms names on copies of the ELF dump: a symbol length that runs far past its name
 * early in the table and in its second half (the names then decode out of step), and a run of
 * zero lengths (a symbol without a name). Decoded on one thread, in two halves, with the bytes
 * read on two threads: the same table or the same error every way.
 */
static void test_corrupt_kallsyms(const char *elf_path)
{
	struct kt_program *prog;
	uint64_t names, table;
	struct kt_open_options opts = {.no_debuginfo = true};
	struct kt_error *err = kt_program_open(elf_path, &opts, &prog);
	char *release = NULL;
	// Linux 6.0 (5fd8fea935a1, "vmcoreinfo: include kallsyms symbols") added the tables to
	// VMCOREINFO; an older kernel's dump has no kallsyms to read without debug files.
	if (!err && !kt_vmcoreinfo_line(prog->dump, "OSRELEASE", &release) && release &&
	    strverscmp(release, "6.0") < 0) {
		uint64_t unused;
		struct kt_error *absent = kt_vmcoreinfo_symbol(prog->dump, "kallsyms_names", &unused);
		tap_ok(absent != NULL, "%s: VMCOREINFO has no kallsyms tables before Linux 6.0 (the hostile "
		       "kallsyms tests run on 6.0+ dumps)", release);
		kt_error_destroy(absent);
		free(release);
		kt_program_destroy(prog);
		return;
	}
	free(release);
	if (!err && !(err = kt_vmcoreinfo_symbol(prog->dump, "kallsyms_names", &names)))
		err = kt_vmcoreinfo_symbol(prog->dump, "kallsyms_token_table", &table);
	if (!tap_ok(!err && table > names, "kallsyms_names and the token table are located")) {
		tap_diag("%s", err ? kt_error_message(err) : "token table before the names");
		kt_error_destroy(err);
		if (!err)
			kt_program_destroy(prog);
		return;
	}
	struct {
		uint64_t at;
		uint64_t bytes;
		const char *what;
	} patches[] = {
		{names + 1000, 0xffffffffffffffffull, "long lengths early"},
		{names + (table - names) * 3 / 5, 0xffffffffffffffffull, "long lengths in the second half"},
		{names + 100, 0, "zero lengths"},
	};
	off_t offs[3];
	bool located = true;
	for (size_t i = 0; i < 3; i++)
		located &= va_to_file_offset(prog, elf_path, patches[i].at, &offs[i]);
	kt_program_destroy(prog);
	if (!tap_ok(located, "the names' bytes are found in the file"))
		return;
	char cut[] = "/tmp/ktriage-kallsyms-XXXXXX";
	int fd = mkstemp(cut);
	close(fd);
	for (size_t i = 0; i < 3; i++) {
		bool patched = copy_file(elf_path, cut) && patch_u64(cut, offs[i], patches[i].bytes);
		char *one = patched ? kallsyms_outcome(cut, KT_READ_AHEAD_NEVER) : NULL;
		char *two = patched ? kallsyms_outcome(cut, KT_READ_AHEAD_ALWAYS) : NULL;
		char *dflt = patched ? kallsyms_outcome(cut, KT_READ_AHEAD_AUTO) : NULL;
		bool same = one && two && dflt && !strcmp(one, two) && !strcmp(one, dflt);
		const char *first = one ? one : "(not patched)";
		tap_ok(same, "%s: one thread, two halves and two readers give the same: %.*s",
		       patches[i].what, (int)strcspn(first, "\n"), first);
		free(one);
		free(two);
		free(dflt);
	}
	unlink(cut);
}

static bool count_banner(const struct kt_log_record *rec, void *arg)
{
	int *n = arg;
	if (rec->text_len > 14 && !memcmp(rec->text, "Linux version ", 14))
		(*n)++;
	return true;
}

static void test_log(struct kt_program *prog)
{
	int banners = 0;
	struct kt_error *err = kt_log_for_each(prog, count_banner, &banners);
	tap_ok(!err && banners == 1, "the kernel log starts with one 'Linux version' line");
	kt_error_destroy(err);
}

/* Writes the first len bytes of src to a temporary file; returns its path. */
static char *truncated_copy(const char *src, off_t len)
{
	char *path = strdup("/tmp/ktriage-truncated-XXXXXX");
	int out = mkstemp(path), in = open(src, O_RDONLY);
	char buf[65536];
	off_t done = 0;
	while (done < len) {
		ssize_t n = read(in, buf, sizeof(buf) < (size_t)(len - done) ? sizeof(buf) : (size_t)(len - done));
		if (n <= 0 || write(out, buf, (size_t)n) != n)
			break;
		done += n;
	}
	close(in);
	close(out);
	return path;
}

static void test_bad_dumps(const char *elf_path)
{
	struct kt_program *prog = NULL;
	struct kt_error *err = kt_program_open("/nonexistent/vmcore", NULL, &prog);
	tap_ok(err && kt_error_code(err) == KT_ERROR_OS && has_substr(err, "/nonexistent/vmcore"),
	       "a missing file is named");
	kt_error_destroy(err);

	char *empty = truncated_copy(elf_path, 0);
	err = kt_program_open(empty, NULL, &prog);
	tap_ok(err != NULL, "an empty file is refused");
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	unlink(empty);
	free(empty);

	// Headers and notes survive, memory does not: open works, reads fail with a reason.
	struct stat st;
	stat(elf_path, &st);
	char *cut = truncated_copy(elf_path, st.st_size / 3);
	err = kt_program_open(cut, NULL, &prog);
	if (tap_ok(!err, "a dump cut to a third still opens (its headers are intact)")) {
		// Memory past the cut must fail as "truncated", never read as zeros.
		uint64_t a = 0;
		bool faulted = false, reason_ok = true;
		uint8_t page[4096];
		for (uint64_t paddr = 0x100000; paddr < (4ull << 30) && !faulted; paddr += 1 << 20) {
			struct kt_error *rerr = kt_read_phys(&prog->reader, paddr, page, sizeof(page));
			if (rerr && !has_substr(rerr, "excluded") && !has_substr(rerr, "does not translate")) {
				faulted = true;
				a = paddr;
				reason_ok = has_substr(rerr, "truncated");
				tap_diag("%s", kt_error_message(rerr));
			}
			kt_error_destroy(rerr);
		}
		tap_ok(faulted && reason_ok, "reads past the cut fail as truncated (first at 0x%llx)",
		       (unsigned long long)a);
		kt_program_destroy(prog);
	}
	kt_error_destroy(err);
	unlink(cut);
	free(cut);
}

static void test_flattened_cut(const char *flat_path)
{
	struct stat st;
	stat(flat_path, &st);
	char *cut = truncated_copy(flat_path, st.st_size / 2);
	struct kt_program *prog;
	struct kt_error *err = kt_program_open(cut, NULL, &prog);
	tap_ok(err && has_substr(err, "no end marker"), "a cut flattened dump is refused: no end marker");
	if (err)
		tap_diag("%s", kt_error_message(err));
	else
		kt_program_destroy(prog);
	kt_error_destroy(err);
	unlink(cut);
	free(cut);
}

int main(void)
{
	const char *formats[] = {"vmcore.kdump", "vmcore.elf"};
	for (size_t i = 0; i < 2; i++) {
		char *path = tap_lab_file("panic", formats[i]);
		if (!path)
			continue;
		struct kt_program *prog;
		struct kt_error *err = tap_program_open(path, NULL, &prog);
		if (tap_ok(!err, "open %s", formats[i])) {
			test_symbols_and_reads(prog);
			test_filtered_page(prog);
			test_parallel_reads(prog, excluded_pfn(prog));
			test_reread_after_failed_read(prog, excluded_pfn(prog));
			test_log(prog);
			kt_program_destroy(prog);
		} else {
			tap_diag("%s", kt_error_message(err));
			kt_error_destroy(err);
		}
		if (i == 1) {
			test_bad_dumps(path);
			test_corrupt_kallsyms(path);
		}
		free(path);
	}
	char *flat = tap_lab_file("panic", "vmcore.flat");
	if (flat)
		test_flattened_cut(flat);
	free(flat);
	return tap_done();
}
