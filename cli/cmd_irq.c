// SPDX-License-Identifier: MIT
/* irq: the interrupt descriptors and their handlers, as crash's irq. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

const char cli_irq_help[] =
	"usage: irq [IRQ]\n"
	"  (none)    every IRQ number below nr_irqs\n"
	"  IRQ       only this one (decimal)\n"
	"Each number's struct irq_desc (IRQ_DESC/_DATA) and the handlers on desc->action\n"
	"(IRQACTION, struct irqaction, with its NAME; a shared interrupt's further handlers on\n"
	"the lines under it), \"(unused)\" where there is no descriptor or no handler. The\n"
	"descriptors are found in the radix tree irq_desc_tree (before 6.5), the maple tree\n"
	"sparse_irqs (6.5+) or the array irq_desc[] (without CONFIG_SPARSE_IRQ); --json adds each\n"
	"handler's address and symbol and thread_fn. A walk that cannot go on ends with\n"
	"[walk stopped: why] (exit status 1).\n"
	"examples: irq;  irq 4;  ktriage --json DUMP irq\n";

int cmd_irq(struct cli_context *ctx, int argc, char **argv)
{
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "")) != -1) {
		fputs(cli_irq_help, stderr);
		return 2;
	}
	long irq = -1;
	if (argc - optind > 1) {
		fputs(cli_irq_help, stderr);
		return 2;
	}
	if (optind < argc) {
		char *end;
		irq = strtol(argv[optind], &end, 10);
		if (*end || end == argv[optind] || irq < 0) {
			fprintf(stderr, "irq: '%s' is not an IRQ number\n", argv[optind]);
			return 2;
		}
	}
	struct kt_irqs *irqs;
	struct kt_error *err = kt_irqs_read(ctx->prog, irq, &irqs);
	if (err)
		return cli_report_error_in("irq", err);
	kt_irqs_render(stdout, cli_format(ctx), irqs, irq);
	int status = irqs->error != NULL;
	for (size_t i = 0; i < irqs->n_irqs; i++)
		status |= irqs->irqs[i].error != NULL;
	kt_irqs_destroy(irqs);
	return status;
}
