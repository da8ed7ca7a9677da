/* SPDX-License-Identifier: MIT */
/*
 * Where a loaded module's ELF sections are in memory, as /sys/module/NAME/sections shows them
 * (struct module_sect_attrs, read from the dump), and the GNU build-id the module carries in its
 * .note.gnu.build-id section. This is what places a module's debug file at the addresses the
 * dump has.
 */
#ifndef KT_KERNEL_MODULE_SECTIONS_H
#define KT_KERNEL_MODULE_SECTIONS_H

#include "program.h"

/* Every section of the module at mod (a struct module *), in the kernel's order; free with
 * kt_module_sections_free(). UNSUPPORTED if the kernel keeps no section attributes. */
struct kt_error *kt_module_sections_read(struct kt_program *prog, uint64_t mod,
					 struct kt_module_section **ret, size_t *n_ret);
void kt_module_sections_free(struct kt_module_section *secs, size_t n);

/* The build-id (lower-case hex) in the module's .note.gnu.build-id, found through its sections. */
struct kt_error *kt_module_build_id(struct kt_program *prog, const struct kt_module_section *secs,
				    size_t n, char **ret);

/* The module_place upcall (program.h): the index'th loaded module's sections, build-id (NULL if
 * it has none the dump can show) and symbols. */
struct kt_error *kt_module_place(struct kt_program *prog, size_t index, struct kt_module_place *ret);
void kt_module_place_free(struct kt_module_place *place);

#endif
