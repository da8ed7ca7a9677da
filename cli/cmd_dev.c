// SPDX-License-Identifier: MIT
/* dev: the registered character and block device majors, as crash's dev. */
#include <stdio.h>

#include "commands.h"

const char cli_dev_help[] =
	"usage: dev\n"
	"  the character device majors (chrdevs, each struct char_device_struct): CHRDEV (major),\n"
	"  NAME, CDEV (char_device_struct.cdev, or the cdev that cdev_map maps its first minor to,\n"
	"  as crash finds it) and OPERATIONS (cdev->ops, by symbol); (none) where no cdev is found.\n"
	"  Then the block device majors (major_names, each struct blk_major_name): BLKDEV (major)\n"
	"  and NAME; the gendisk of each is not looked for. crash's -d and -p are not supported.\n"
	"A chain that cannot be walked whole ends the list with [walk stopped: why], the devices\n"
	"before it kept, and dev exits 1.\n"
	"examples: dev;  ktriage --json DUMP dev\n";

int cmd_dev(struct cli_context *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fputs(cli_dev_help, stderr);
		return 2;
	}
	struct kt_devices *devices;
	struct kt_error *err = kt_devices_read(ctx->prog, &devices);
	if (err)
		return cli_report_error(err);
	kt_devices_render(stdout, cli_format(ctx), devices);
	int status = devices->error != NULL;
	kt_devices_destroy(devices);
	return status;
}
