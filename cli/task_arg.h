/* SPDX-License-Identifier: MIT */
#ifndef KTRIAGE_CLI_TASK_ARG_H
#define KTRIAGE_CLI_TASK_ARG_H

#include "commands.h"

/* arg: a pid (digits), a task address or symbol expression, or NULL for the context task (set)
 * or else the panicking one. 0 with *ret set, or the exit status after printing why not. */
int cli_task_arg(struct cli_context *ctx, const char *cmd, const char *arg, struct kt_task *ret);

#endif
