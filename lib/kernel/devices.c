// SPDX-License-Identifier: MIT
/*
 * dev: the registered device majors, read as crash's dev reads them.
 *
 * Character devices (fs/char_dev.c): chrdevs[CHRDEV_MAJOR_HASH_SIZE], chains of struct
 * char_device_struct by major % 255, linked by next. register_chrdev() records its cdev in
 * char_device_struct.cdev; a region registered apart from its cdev (register_chrdev_region() +
 * cdev_add()) has none there, and crash then looks in cdev_map (a struct kobj_map, its
 * probes[major % 255] chain of struct probe) for the probe of (major, baseminor), whose data is
 * the cdev. The file operations are cdev->ops.
 *
 * Block devices (block/genhd.c): major_names[BLKDEV_MAJOR_HASH_SIZE], chains of struct
 * blk_major_name by major % 255. Both hash sizes are 255 in every kernel since 2.6.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/node_set.h"
#include "kernel/object.h"
#include "ktriage.h"

enum { MAJOR_HASH_SIZE = 255 };
/* Entries per chain before a walk gives up: majors are 12 bits, minors ranges per major few. */
enum { CHAIN_MAX = 1 << 16 };

struct devices_walk {
	struct kt_program *prog;
	struct kt_devices *d;
	size_t cap_chr, cap_blk;
	uint64_t cdev_map;       /* struct kobj_map, 0 if none */
	struct kt_node_set seen;
	struct kt_error *fatal;
};

static void walk_error(struct devices_walk *w, struct kt_error *err)
{
	if (!err)
		return;
	if (kt_error_code(err) == KT_ERROR_NOMEM) {
		w->fatal = err;
		return;
	}
	if (!w->d->error) {
		w->d->error = strdup(kt_error_message(err));
		w->d->error_code = kt_error_code(err);
		if (!w->d->error)
			w->fatal = &kt_enomem;
	}
	kt_error_destroy(err);
}

static struct kt_error *member_string(const struct kt_object *obj, const char *path, char *buf,
				      size_t size)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_string(&o, buf, size);
}

static struct kt_error *member_pointer(const struct kt_object *obj, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_unsigned(&o, ret);
}

/* The cdev cdev_map maps (major, minor) to, or 0. A damaged probe chain is only a cdev not
 * found: the device is listed all the same, as crash lists it. */
static uint64_t cdev_from_map(struct devices_walk *w, unsigned int major, unsigned int minor)
{
	struct kt_object map, probe;
	uint64_t next = 0, dev = 0, data = 0;
	if (!w->cdev_map ||
	    !kt_error_none(kt_object_from_address(w->prog, "struct kobj_map", w->cdev_map, &map)) ||
	    !kt_error_none(kt_object_member(&map, "probes", &probe)) ||
	    !kt_error_none(kt_object_subscript(&probe, major % MAJOR_HASH_SIZE, &probe)) ||
	    !kt_error_none(kt_object_read_unsigned(&probe, &next)))
		return 0;
	// dev_t: major in the top 12 bits, minor in the low 20 (include/linux/kdev_t.h).
	uint64_t want = ((uint64_t)major << 20) | minor;
	for (unsigned int n = 0; next && n < CHAIN_MAX; n++) {
		if (!kt_error_none(kt_object_from_address(w->prog, "struct probe", next, &probe)) ||
		    !kt_object_member_u64(&probe, "dev", &dev))
			return 0;
		if (dev == want)
			return kt_object_member_u64(&probe, "data", &data) ? data : 0;
		if (!kt_object_member_u64(&probe, "next", &next) || next == probe.address)
			return 0;
	}
	return 0;
}

static bool add_chrdev(struct devices_walk *w, const struct kt_object *cd)
{
	struct kt_chrdev c = {.char_device_struct = cd->address};
	uint64_t v;
	struct kt_error *err = member_string(cd, "name", c.name, sizeof(c.name));
	if (!err && kt_object_member_u64(cd, "major", &v))
		c.major = (unsigned int)v;
	else if (!err)
		err = kt_error_create(KT_ERROR_FAULT, "its major cannot be read");
	if (!err && kt_object_member_u64(cd, "baseminor", &v))
		c.baseminor = (unsigned int)v;
	if (!err && kt_object_member_u64(cd, "minorct", &v))
		c.minorct = (unsigned int)v;
	if (err) {
		walk_error(w, kt_error_prefix(err, "char_device_struct 0x%llx",
					      (unsigned long long)cd->address));
		return false;
	}
	if (!kt_object_member_u64(cd, "cdev", &c.cdev))
		c.cdev = 0;
	if (!c.cdev) {
		c.cdev = cdev_from_map(w, c.major, c.baseminor);
		c.cdev_from_map = c.cdev != 0;
	}
	struct kt_object cdev;
	if (c.cdev && (!kt_error_none(kt_object_from_address(w->prog, "struct cdev", c.cdev, &cdev)) ||
		       !kt_object_member_u64(&cdev, "ops", &c.ops)))
		c.ops = 0;
	const char *module;
	uint64_t off;
	if (c.ops && (!kt_error_none(kt_program_symbolize(w->prog, c.ops, &c.ops_symbol, &off, &module)) ||
		      off))
		c.ops_symbol = NULL;
	struct kt_devices *d = w->d;
	if (!kt_grow((void **)&d->chrdevs, &w->cap_chr, d->n_chrdevs, sizeof(*d->chrdevs), 32)) {
		w->fatal = &kt_enomem;
		return false;
	}
	d->chrdevs[d->n_chrdevs++] = c;
	return true;
}

static bool add_blkdev(struct devices_walk *w, const struct kt_object *bm)
{
	struct kt_blkdev b = {.blk_major_name = bm->address};
	uint64_t v;
	struct kt_error *err = member_string(bm, "name", b.name, sizeof(b.name));
	if (!err && kt_object_member_u64(bm, "major", &v))
		b.major = (unsigned int)v;
	else if (!err)
		err = kt_error_create(KT_ERROR_FAULT, "its major cannot be read");
	if (err) {
		walk_error(w, kt_error_prefix(err, "blk_major_name 0x%llx", (unsigned long long)bm->address));
		return false;
	}
	struct kt_devices *d = w->d;
	if (!kt_grow((void **)&d->blkdevs, &w->cap_blk, d->n_blkdevs, sizeof(*d->blkdevs), 16)) {
		w->fatal = &kt_enomem;
		return false;
	}
	d->blkdevs[d->n_blkdevs++] = b;
	return true;
}

/* Every chain of a major hash table: the symbol's 255 pointers, each chain linked by next. */
static struct kt_error *walk_table(struct devices_walk *w, const char *symbol, const char *type,
				   bool (*add)(struct devices_walk *, const struct kt_object *))
{
	uint64_t addr, heads[MAJOR_HASH_SIZE];
	struct kt_error *err = kt_program_symbol_address(w->prog, symbol, &addr);
	if (!err)
		err = kt_program_read(w->prog, addr, KT_KVADDR, heads, sizeof(heads));
	if (err)
		return kt_error_prefix(err, "%s", symbol);
	for (size_t i = 0; i < MAJOR_HASH_SIZE && !w->fatal; i++) {
		uint64_t next = heads[i];
		for (unsigned int n = 0; next; n++) {
			struct kt_object o;
			if (n == CHAIN_MAX || kt_node_set_check(&w->seen, next)) {
				walk_error(w, kt_error_create(KT_ERROR_LIMIT, "%s[%zu]: the chain %s at 0x%llx",
							      symbol, i, n == CHAIN_MAX ? "goes on"
							      : "loops", (unsigned long long)next));
				break;
			}
			if ((err = kt_object_from_address(w->prog, type, next, &o))) {
				walk_error(w, kt_error_prefix(err, "%s", symbol));
				break;
			}
			if (!add(w, &o))
				break;
			if ((err = member_pointer(&o, "next", &next))) {
				walk_error(w, kt_error_prefix(err, "%s[%zu]: %s 0x%llx", symbol, i, type,
							      (unsigned long long)o.address));
				break;
			}
		}
	}
	return w->fatal;
}

struct kt_error *kt_devices_read(struct kt_program *prog, struct kt_devices **ret)
{
	struct kt_devices *d = calloc(1, sizeof(*d));
	if (!d)
		return &kt_enomem;
	struct devices_walk w = {.prog = prog, .d = d};
	uint64_t map_addr;
	// cdev_map is static: a symbol that may be missing (kallsyms without it); then no lookup.
	if (kt_error_none(kt_program_symbol_address(prog, "cdev_map", &map_addr)) &&
	    !kt_error_none(kt_program_read(prog, map_addr, KT_KVADDR, &w.cdev_map, sizeof(w.cdev_map))))
		w.cdev_map = 0;
	struct kt_error *err = walk_table(&w, "chrdevs", "struct char_device_struct", add_chrdev);
	if (!err)
		err = walk_table(&w, "major_names", "struct blk_major_name", add_blkdev);
	kt_node_set_deinit(&w.seen);
	if (err) {
		kt_devices_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}

void kt_devices_destroy(struct kt_devices *devices)
{
	if (!devices)
		return;
	free(devices->chrdevs);
	free(devices->blkdevs);
	free(devices->error);
	free(devices);
}
