// SPDX-License-Identifier: MIT
/*
 * An ELF file of arbitrary bytes read for QEMU's per-CPU notes (qemu_notes.c: program headers,
 * PT_NOTE segments, note headers and QEMUCPUState descriptors). NT_PRSTATUS notes are decoded
 * by libkdumpfile alone, at open: the dump_open harness.
 */
#include <stdlib.h>

#include "dump/qemu_notes.h"
#include "input_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = kt_fuzz_input_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	struct kt_qemu_cpu *cpus = NULL;
	size_t n = 0;
	struct kt_error *err = kt_qemu_notes_read(fd, &cpus, &n);
	if (!err) {
		uint64_t sum = 0;
		for (size_t i = 0; i < n; i++)  // every CPU the parser returned is readable
			sum += cpus[i].rip + cpus[i].cr[3] + cpus[i].gs_base;
		(void)sum;
	}
	kt_error_destroy(err);
	free(cpus);
	close(fd);
	return 0;
}
