// SPDX-License-Identifier: MIT
/*
 * Wall-clock times for the kernel log, as `dmesg -T` and crash's `log -T` print them.
 *
 * A record's timestamp is printk's clock, local_clock(): nanoseconds since boot. Its wall time is
 * crash time - (uptime at crash - timestamp), that is timestamp + (crash time - uptime at crash),
 * and the bracket is the wall-clock time of boot. The kernel keeps that bracket itself: the
 * timekeeper's offs_real is CLOCK_REALTIME - CLOCK_MONOTONIC, so
 *
 *     wall = ts_nsec + tk_core.timekeeper.offs_real
 *
 * and no error comes from pinning down the moment of the crash (VMCOREINFO's CRASHTIME has whole
 * seconds; the timekeeper's own monotonic reading lags by up to a tick). What is left is the gap
 * between printk's clock and CLOCK_MONOTONIC: since v4.19 the monotonic clock starts at
 * local_clock()'s value (read_persistent_wall_and_boot_offset()), and the two then drift apart
 * only as NTP corrects the clocksource's rate, by at most MAXFREQ = 500 ppm (0.5 ms per second
 * of uptime). A clock set while the system ran (settimeofday, an NTP step) moves every record's
 * time, as with dmesg -T.
 *
 * Without the timekeeper (its type unknown, or its page not in the dump), the newest record's
 * timestamp stands in for the uptime at the crash: boot = CRASHTIME - newest timestamp. The
 * uptime is at least that timestamp, so times come out late by however long before the crash
 * the newest record was printed, and early by up to 1 s (CRASHTIME is truncated to seconds).
 */
#include <bpf/btf.h>
#include <string.h>

#include "core/error.h"
#include "dump/vmcoreinfo.h"
#include "kernel/log_time.h"

static const char METHOD_TIMEKEEPER[] =
	"timekeeper offs_real (CLOCK_REALTIME - CLOCK_MONOTONIC): exact up to the drift of "
	"printk's clock from CLOCK_MONOTONIC (at most 500 ppm of the uptime)";
static const char METHOD_CRASHTIME[] =
	"VMCOREINFO CRASHTIME minus the newest record's timestamp: times are late by however long "
	"before the crash that record was printed, and early by up to 1 s";

/*
 * The offset of `struct timekeeper timekeeper` in the struct that wraps it with its seqcount:
 * tk_core's anonymous struct (v3.17 on), later named struct tk_data. BTF has the type, nameless
 * or not; the member names tell it apart.
 */
static bool timekeeper_wrapper_offset(const struct btf *btf, uint64_t *ret)
{
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!btf_is_struct(t))
			continue;
		const struct btf_member *m = btf_members(t);
		bool has_seq = false, has_tk = false;
		uint64_t off = 0;
		for (uint16_t i = 0; i < btf_vlen(t); i++) {
			const char *name = btf__name_by_offset(btf, m[i].name_off);
			const struct btf_type *mt = btf__type_by_id(btf, m[i].type);
			if (!name)
				continue;
			if (!strcmp(name, "seq")) {
				has_seq = true;
			} else if (!strcmp(name, "timekeeper") && mt && btf_is_struct(mt) &&
				   !strcmp(btf__name_by_offset(btf, mt->name_off), "timekeeper")) {
				has_tk = true;
				off = btf_member_bit_offset(t, i) / 8;
			}
		}
		if (has_seq && has_tk) {
			*ret = off;
			return true;
		}
	}
	return false;
}

static struct kt_error *timekeeper_address(struct kt_program *prog, uint64_t *ret)
{
	struct kt_types *types;
	struct kt_error *err = kt_program_types(prog, &types);
	if (err)
		return err;
	uint64_t off, addr;
	if (!timekeeper_wrapper_offset(kt_types_btf(types), &off)) {
		// Before v3.17: static struct timekeeper timekeeper.
		if ((err = kt_program_symbol_address(prog, "timekeeper", ret)))
			return kt_error_prefix(err, "no tk_core type in BTF");
		return NULL;
	}
	// timekeeper_data[TIMEKEEPER_CORE] (index 0) replaced tk_core with the auxiliary
	// clocks (2025).
	err = kt_program_symbol_address(prog, "tk_core", &addr);
	if (kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		err = kt_program_symbol_address(prog, "timekeeper_data", &addr);
	if (err)
		return err;
	*ret = addr + off;
	return NULL;
}

struct kt_error *kt_timekeeper_offs_real(struct kt_program *prog, int64_t *ret)
{
	uint64_t tk, off;
	struct kt_error *err;
	if ((err = timekeeper_address(prog, &tk)) ||
	    (err = kt_program_member_offset(prog, "timekeeper", "offs_real", &off)) ||
	    (err = kt_read(&prog->reader, tk + off, ret, 8)))
		return kt_error_prefix(err, "timekeeper");
	return NULL;
}

struct kt_error *kt_timekeeper_monotonic(struct kt_program *prog, uint64_t *ret)
{
	// tkr_mono.base from v4.3 (struct tk_read_base), tkr.base_mono in v4.0-v4.2, base_mono before.
	static const char *const paths[] = {"tkr_mono.base", "tkr.base_mono", "base_mono"};
	uint64_t tk, off = 0;
	struct kt_error *err = timekeeper_address(prog, &tk);
	for (size_t i = 0; !err && i < sizeof(paths) / sizeof(paths[0]); i++) {
		err = kt_program_member_offset(prog, "timekeeper", paths[i], &off);
		if (!kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			break;
		if (i + 1 == sizeof(paths) / sizeof(paths[0]))
			err = kt_error_create(KT_ERROR_UNSUPPORTED, "struct timekeeper has no tkr_mono.base, "
					      "tkr.base_mono or base_mono");
	}
	if (!err)
		err = kt_read(&prog->reader, tk + off, ret, 8);
	return err ? kt_error_prefix(err, "timekeeper") : NULL;
}

static bool note_newest(const struct kt_log_record *rec, void *arg)
{
	uint64_t *newest = arg;
	if (rec->ts_nsec > *newest)
		*newest = rec->ts_nsec;
	return true;
}

struct kt_error *kt_log_clock_get(struct kt_program *prog, struct kt_log_clock *ret)
{
	int64_t offs_real;
	struct kt_error *tk_err = kt_timekeeper_offs_real(prog, &offs_real);
	if (!tk_err) {
		*ret = (struct kt_log_clock){offs_real, true, METHOD_TIMEKEEPER};
		return NULL;
	}
	if (tk_err == &kt_enomem)
		return tk_err;
	uint64_t crashtime, newest = 0;
	struct kt_error *err = kt_vmcoreinfo_line_number(prog->dump, "CRASHTIME", 10, &crashtime);
	if (!err)
		err = kt_log_for_each(prog, note_newest, &newest);
	if (err) {
		struct kt_error *both = err == &kt_enomem ? err :
			kt_error_create(KT_ERROR_NOT_FOUND, "no wall clock for the log: %s; and %s",
					kt_error_message(tk_err), kt_error_message(err));
		if (both != err)
			kt_error_destroy(err);
		kt_error_destroy(tk_err);
		return both;
	}
	kt_error_destroy(tk_err);
	*ret = (struct kt_log_clock){(int64_t)(crashtime * 1000000000ull - newest), false,
				     METHOD_CRASHTIME};
	return NULL;
}
