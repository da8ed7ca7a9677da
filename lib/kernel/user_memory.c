// SPDX-License-Identifier: MIT
/*
 * A task's user memory, translated through its own page tables (mm->pgd) as its CPU would: rd -u
 * and ps -a read it. Most kdump setups leave user pages out (makedumpfile -d 31 excludes user
 * data), so the usual answer on such a dump is the reader's "page excluded from the dump"; QEMU's
 * dump-guest-memory and `-d 0` dumps hold them.
 */
#include "core/error.h"
#include "dump/dump.h"
#include "dump/pgtable.h"
#include "kernel/mem_map.h"
#include "kernel/object.h"
#include "kernel/user_memory.h"
#include "program.h"

/* The top of the user half: 47 bits of address, 56 with 5-level paging
 * (arch/x86/include/asm/page_64.h: TASK_SIZE_MAX, less its guard page). */
uint64_t kt_user_space_end(struct kt_program *prog)
{
	return prog->reader.dump->la57 ? 1ull << 56 : 1ull << 47;
}

static struct kt_error *read_table(void *reader, uint64_t addr, void *buf, size_t len)
{
	return kt_read_phys(reader, addr, buf, len);
}

struct kt_error *kt_user_root(struct kt_program *prog, uint64_t task, uint64_t *ret)
{
	struct kt_object t, o;
	uint64_t mm, pgd, pa;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct task_struct", task, &t)) ||
	    (err = kt_object_member(&t, "mm", &o)) || (err = kt_object_read_unsigned(&o, &mm)))
		return kt_error_prefix(err, "task 0x%llx: mm", (unsigned long long)task);
	if (!mm)
		return kt_error_create(KT_ERROR_NOT_FOUND, "task 0x%llx has no user address space "
				       "(task->mm is NULL: a kernel thread, or a task that has exited)",
				       (unsigned long long)task);
	if ((err = kt_object_from_address(prog, "struct mm_struct", mm, &t)) ||
	    (err = kt_object_member(&t, "pgd", &o)) || (err = kt_object_read_unsigned(&o, &pgd)))
		return kt_error_prefix(err, "task 0x%llx: mm_struct 0x%llx: pgd",
				       (unsigned long long)task, (unsigned long long)mm);
	struct kt_mem_map map;
	if ((err = kt_mem_map_get(prog, &map)))
		return kt_error_prefix(err, "task 0x%llx: the kernel's memory layout", (unsigned long long)task);
	// The kernel allocates page tables from the direct map (pgd_alloc(): __get_free_pages).
	if ((pgd & 4095) || !kt_mem_direct(&map, pgd, &pa))
		return kt_error_create(KT_ERROR_BAD_DATA, "task 0x%llx: mm_struct 0x%llx: pgd 0x%llx is not "
				       "a page of the direct map", (unsigned long long)task,
				       (unsigned long long)mm, (unsigned long long)pgd);
	*ret = pa;
	return NULL;
}

struct kt_error *kt_user_space_open(struct kt_program *prog, uint64_t task,
				   struct kt_user_space *ret)
{
	*ret = (struct kt_user_space){.task = task, .pt = {.la57 = prog->reader.dump->la57}};
	return kt_user_root(prog, task, &ret->pt.root);
}

struct kt_error *kt_user_space_read(struct kt_program *prog, struct kt_user_space *us,
				    uint64_t addr, void *buf, size_t len)
{
	struct kt_reader *reader = &prog->reader;
	uint64_t end = kt_user_space_end(prog);
	if (addr >= end || len > end - addr)
		return kt_error_fault(addr, "0x%llx is not a user address (the user half ends at 0x%llx)",
				      (unsigned long long)addr, (unsigned long long)end);
	struct kt_error *err;
	while (len) {
		size_t chunk = 4096 - (addr & 4095);
		if (chunk > len)
			chunk = len;
		uint64_t pa;
		if ((err = kt_pgtable_translate(&us->pt, read_table, reader, addr, &pa)) ||
		    (err = kt_read_phys(reader, pa, buf, chunk)))
			return kt_error_prefix(err, "user address 0x%llx of task 0x%llx",
					       (unsigned long long)addr, (unsigned long long)us->task);
		addr += chunk;
		buf = (char *)buf + chunk;
		len -= chunk;
	}
	return NULL;
}

struct kt_error *kt_task_read_user(struct kt_program *prog, uint64_t task, uint64_t addr, void *buf,
				   size_t len)
{
	struct kt_user_space us;
	struct kt_error *err = kt_user_space_open(prog, task, &us);
	return err ? err : kt_user_space_read(prog, &us, addr, buf, len);
}
