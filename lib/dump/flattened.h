/* SPDX-License-Identifier: MIT */
/*
 * makedumpfile's flattened format (-F): a stream of (offset, size, data) records meant for pipes.
 * libkdumpfile 0.5 does not read it, so it is reassembled, sparse, into an anonymous memory file
 * that libkdumpfile then opens like any other dump.
 */
#ifndef KT_DUMP_FLATTENED_H
#define KT_DUMP_FLATTENED_H

#include "ktriage.h"

/* True if fd starts with the flattened header. */
bool kt_flattened_detect(int fd);
/* Writes the reassembled dump to a new memory file; *ret is its descriptor. */
struct kt_error *kt_flattened_reassemble(int fd, const char *path, int *ret);

#endif
