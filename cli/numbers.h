/* SPDX-License-Identifier: MIT */
/* Numbers and CPU lists as crash reads them, every one checked: no sign, no trailing junk, no
 * overflow, no value out of range. */
#ifndef KTRIAGE_CLI_NUMBERS_H
#define KTRIAGE_CLI_NUMBERS_H

#include <stdbool.h>
#include <stdint.h>

/* Digits alone in base (16 takes an optional 0x), at most max. */
bool cli_parse_uint(const char *s, int base, uint64_t max, uint64_t *ret);

/*
 * crash's CPU list: "3", "0,1", "0-3", "1,3-5,7". *cpus_ret is an array of n_cpus flags (free
 * it). On a bad list, prints "CMD: ..." naming the bad part, and how many CPUs the dump has,
 * and returns false.
 */
bool cli_parse_cpu_list(const char *cmd, const char *list, unsigned int n_cpus, bool **cpus_ret);

#endif
