/* SPDX-License-Identifier: MIT */
/* The fuzz input as a file: the parsers that read a dump take a path or a descriptor. */
#ifndef KT_FUZZ_INPUT_FILE_H
#define KT_FUZZ_INPUT_FILE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* A memory file holding data (-1 if it cannot be made); path_ret gets its /proc/self/fd path. */
static inline int kt_fuzz_input_file(const uint8_t *data, size_t size, char *path_ret,
				     size_t path_size)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	snprintf(path_ret, path_size, "/proc/self/fd/%d", fd);
	return fd;
}
#endif
