// SPDX-License-Identifier: MIT
/*
 * Layout (makedumpfile.h): a 4096-byte header that starts with
 *   char signature[16] = "makedumpfile"; int64 type = 1; int64 version = 1;
 * then records { int64 offset; int64 size; } followed by size bytes, all integers big-endian,
 * until a record whose offset is -1.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/flattened.h"

enum { FLAT_HEADER_SIZE = 4096, FLAT_COPY_CHUNK = 1 << 20 };
static const char flat_signature[] = "makedumpfile";
/* The reassembled file cannot be larger than this (a 16 TiB machine's dump is far smaller). */
static const uint64_t FLAT_MAX_OFFSET = 1ull << 46;

bool kt_flattened_detect(int fd)
{
	char hdr[32];
	if (pread(fd, hdr, sizeof(hdr), 0) != sizeof(hdr))
		return false;
	uint64_t type;
	memcpy(&type, hdr + 16, 8);
	return !memcmp(hdr, flat_signature, sizeof(flat_signature)) && be64toh(type) == 1;
}

static struct kt_error *read_full(int fd, uint64_t off, void *buf, size_t len, const char *path)
{
	ssize_t n = kt_pread_full(fd, off, buf, len);
	if (n < 0)
		return kt_error_create(KT_ERROR_OS, "%s: %m", path);
	if ((size_t)n < len)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "%s: flattened dump truncated at byte %llu (no end marker)", path,
				       (unsigned long long)(off + (uint64_t)n));
	return NULL;
}

struct kt_error *kt_flattened_reassemble(int fd, const char *path, int *ret)
{
	int out = memfd_create("ktriage-flattened", MFD_CLOEXEC);
	if (out < 0)
		return kt_error_create(KT_ERROR_OS, "memfd_create: %m");
	char *buf = malloc(FLAT_COPY_CHUNK);
	struct kt_error *err = buf ? NULL : &kt_enomem;
	uint64_t pos = FLAT_HEADER_SIZE;
	while (!err) {
		int64_t rec[2];
		if ((err = read_full(fd, pos, rec, sizeof(rec), path)))
			break;
		int64_t off = (int64_t)be64toh((uint64_t)rec[0]), size = (int64_t)be64toh((uint64_t)rec[1]);
		pos += sizeof(rec);
		if (off == -1)
			break;  // end marker
		if (off < 0 || size < 0 || (uint64_t)off + (uint64_t)size > FLAT_MAX_OFFSET) {
			err = kt_error_create(KT_ERROR_BAD_DATA,
					      "%s: flattened record at byte %llu has offset %lld size %lld",
					      path, (unsigned long long)(pos - sizeof(rec)), (long long)off,
					      (long long)size);
			break;
		}
		for (int64_t done = 0; done < size && !err;) {
			size_t n = (size_t)(size - done) < FLAT_COPY_CHUNK ? (size_t)(size - done) : FLAT_COPY_CHUNK;
			if ((err = read_full(fd, pos, buf, n, path)))
				break;
			if (pwrite(out, buf, n, off + done) != (ssize_t)n)
				err = kt_error_create(KT_ERROR_OS, "reassembling %s: %m", path);
			pos += n;
			done += (int64_t)n;
		}
	}
	free(buf);
	if (err) {
		close(out);
		return err;
	}
	*ret = out;
	return NULL;
}
