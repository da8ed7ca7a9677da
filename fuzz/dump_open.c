// SPDX-License-Identifier: MIT
/*
 * A dump file of arbitrary bytes, opened as ktriage opens one: the format checks and layout
 * scans of lib/dump (kdump header, bitmap and page descriptors against the file size; ELF headers,
 * program headers and notes; the flattened format's reassembly; QEMU CPU notes; VMCOREINFO
 * values) and then libkdumpfile's open; when that succeeds, VMCOREINFO lookups and reads of a
 * few addresses through the dump's reader.
 */
#include <stdlib.h>

#include "dump/reader.h"
#include "dump/vmcoreinfo.h"
#include "input_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = kt_fuzz_input_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	struct kt_dump *dump;
	struct kt_error *err = kt_dump_open(path, &dump);
	if (err) {
		(void)kt_error_message(err);
		kt_error_destroy(err);
		close(fd);
		return 0;
	}
	char *release = NULL;
	kt_error_destroy(kt_vmcoreinfo_line(dump, "OSRELEASE", &release));
	free(release);
	uint64_t value;
	kt_error_destroy(kt_vmcoreinfo_symbol(dump, "init_uts_ns", &value));
	kt_error_destroy(kt_vmcoreinfo_number(dump, "phys_base", &value));
	struct kt_reader reader;
	kt_reader_init(&reader, dump);
	uint8_t buf[64];
	// Low physical memory, the kernel text's usual link address, a direct-map address.
	kt_error_destroy(kt_read_phys(&reader, 0x1000, buf, sizeof(buf)));
	kt_error_destroy(kt_read(&reader, 0xffffffff81000000ull, buf, sizeof(buf)));
	kt_error_destroy(kt_read(&reader, 0xffff888000001000ull, buf, sizeof(buf)));
	kt_reader_deinit(&reader);
	kt_dump_destroy(dump);
	close(fd);
	return 0;
}
