// SPDX-License-Identifier: MIT
/* net: the network devices, as crash's net. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"

const char cli_net_help[] =
	"usage: net\n"
	"  (none)    as crash's net: each network device of init_net (init_net.dev_base_head,\n"
	"            linked by dev_list): NET_DEVICE (struct net_device), NAME and its IPv4\n"
	"            addresses (ip_ptr->ifa_list); IPv6 addresses are not shown\n"
	"A walk that cannot go on ends with [walk stopped: why], an address list that cannot be read\n"
	"with (unreadable: why); both exit 1.\n"
	"examples: net;  ktriage --json DUMP net\n";

int cmd_net(struct cli_context *ctx, int argc, char **argv)
{
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "")) != -1) {
		fputs(cli_net_help, stderr);
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "net: unexpected argument '%s'\n", argv[optind]);
		fputs(cli_net_help, stderr);
		return 2;
	}
	struct kt_net_devices *devices;
	struct kt_error *err = kt_net_devices_read(ctx->prog, &devices);
	if (err)
		return cli_report_error_in("net", err);
	kt_net_devices_render(stdout, cli_format(ctx), devices);
	int status = devices->error != NULL;
	for (size_t i = 0; i < devices->n_devices; i++)
		status |= devices->devices[i].error != NULL;
	kt_net_devices_destroy(devices);
	return status;
}
