// SPDX-License-Identifier: MIT
/* list: a linked list's entries, as crash's list; the walk is libktriage's (kt_list_entries_read). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "numbers.h"

const char cli_list_help[] =
	"usage: list [-o OFFSET | -o TYPE.member | TYPE.member] [-s TYPE[.member[,member...]]] [-x|-d]\n"
	"            [-h | -H] START\n"
	"  START        an address (hex) or a symbol: the first entry, or with -H the list's head\n"
	"  -o OFFSET    where the next pointer (or the list_head) is in each entry: bytes, or\n"
	"  TYPE.member  that member's offset (-o may be left out); default 0\n"
	"  -H           START is a struct list_head heading the list (LIST_HEAD: not an entry);\n"
	"               the entries are the structures around each list_head after it\n"
	"  -h           START is an entry whose list_head is at OFFSET; it is listed first\n"
	"  (neither)    START is the first entry; each holds the next one's address at OFFSET,\n"
	"               and a NULL pointer or one back to START ends the list\n"
	"  -s TYPE[.m]  each entry printed as struct prints it (only these members)\n"
	"  -x, -d       integers in hexadecimal or decimal (default)\n"
	"A loop that does not come back to the start, an unreadable or NULL link, or more than a\n"
	"million entries ends the walk with the reason (exit status 1), after the entries before it.\n"
	"examples: list -H modules -o module.list -s module.name;  list task_struct.tasks -s\n"
	"          task_struct.pid -h init_task;  list -o 0 -H 0xffff888003a10000\n";

/* START of list or tree: an address (0x..., or as crash takes them, more hex digits than a short
 * name has) or a symbol. 0, or the status after saying why not. */
static int start_address(struct cli_context *ctx, const char *cmd, const char *start, uint64_t *ret)
{
	bool hex_prefix = start[0] == '0' && (start[1] == 'x' || start[1] == 'X');
	if ((hex_prefix || strlen(start) > 8) && cli_parse_uint(start, 16, UINT64_MAX, ret))
		return 0;
	struct kt_symbol_lookup sym;
	struct kt_error *err = kt_symbol_lookup(ctx->prog, start, &sym);
	if (err)
		return cli_report_error_in(cmd, err);
	*ret = sym.address;
	return 0;
}

/* -s TYPE[.member,...]: "struct TYPE", and the members (NULL: all) in *members. NULL without
 * memory. */
static char *shown_type(const char *show, const char **members)
{
	const char *dot = strchr(show, '.');
	char *type;
	if (asprintf(&type, "struct %.*s", dot ? (int)(dot - show) : (int)strlen(show), show) < 0)
		return NULL;
	*members = dot ? dot + 1 : NULL;
	return type;
}

/* The entries of list or tree (or err); status 1 when the walk stopped early, saying why on
 * stderr in JSON mode (the text says it in place). */
static int show_entries(struct cli_context *ctx, const char *cmd, struct kt_error *err,
			struct kt_list_entries *l)
{
	if (err)
		return cli_report_error_in(cmd, err);
	kt_list_entries_render(stdout, cli_format(ctx), l);
	int status = l->stop ? 1 : 0;
	if (l->stop && ctx->json)
		fprintf(stderr, "%s: walk stopped: %s\n", cmd, l->stop);
	kt_list_entries_destroy(l);
	return status;
}

int cmd_list(struct cli_context *ctx, int argc, char **argv)
{
	struct kt_list_request req = {.kind = KT_LIST_START_ENTRY};
	const char *offset = NULL, *show = NULL;
	int c;
	optind = 0;
	while ((c = getopt(argc, argv, "o:s:hHxd")) != -1) {
		switch (c) {
		case 'o':
			offset = optarg;
			break;
		case 's':
			show = optarg;
			break;
		case 'h':
		case 'H':
			if (req.kind != KT_LIST_START_ENTRY) {
				fprintf(stderr, "list: -h and -H each say what START is: give one\n");
				return 2;
			}
			req.kind = c == 'h' ? KT_LIST_START_EMBEDDED : KT_LIST_START_HEAD;
			break;
		case 'x':
			req.hex = true;
			break;
		case 'd':
			req.hex = false;
			break;
		default:
			fputs(cli_list_help, stderr);
			return 2;
		}
	}
	int rest = argc - optind;
	if (rest == 2 && !offset) {
		offset = argv[optind];  // crash's TYPE.member (or OFFSET) before START
	} else if (rest != 1) {
		fputs(cli_list_help, stderr);
		return 2;
	}
	const char *start = argv[argc - 1];
	int status = offset ? cli_member_offset(ctx, "list", offset, &req.offset) : 0;
	if (status)
		return status;
	if ((status = start_address(ctx, "list", start, &req.start)))
		return status;
	struct kt_error *err;
	char *type = NULL;
	if (show && !(type = shown_type(show, &req.members))) {
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	req.type = type;
	struct kt_list_entries *l;
	err = kt_list_entries_read(ctx->prog, &req, &l);
	free(type);
	return show_entries(ctx, "list", err, l);
}

const char cli_tree_help[] =
	"usage: tree -t rbtree|xarray|radix|maple [-o OFFSET | -o TYPE.member] [-r OFFSET | -r TYPE.member]\n"
	"            [-s TYPE[.member[,member...]]] [-x|-d] ADDR\n"
	"  ADDR         an address (hex) or a symbol: the tree's root (struct rb_root, struct xarray,\n"
	"               struct maple_tree; a radix_tree_root is a struct xarray from v4.20)\n"
	"  -t rbtree    the nodes in order (rb_first, rb_next), each as the structure around its\n"
	"               rb_node: -o OFFSET (bytes or TYPE.member) says where that is\n"
	"  -t xarray    the present entries in index order (radix: the same)\n"
	"  -t maple     a maple tree's (Linux 6.1+) pointer entries in index order\n"
	"  -o OFFSET    where each rbtree entry's rb_node is: bytes, or TYPE.member\n"
	"  -r OFFSET    the root is at ADDR + OFFSET (bytes, or TYPE.member: ADDR is a TYPE)\n"
	"  -s TYPE[.m]  each entry printed as struct prints it (only these members)\n"
	"  -x, -d       integers in hexadecimal or decimal (default)\n"
	"A damaged tree (a parent link naming another node, a loop, an unreadable node) ends the walk\n"
	"with the reason, after the entries before it (exit status 1).\n"
	"examples: tree -t rbtree -o vmap_area.rb_node vmap_area_root;\n"
	"          tree -t xarray -r pid_namespace.idr.idr_rt -s pid.level init_pid_ns;\n"
	"          tree -t maple -r mm_struct.mm_mt -s vm_area_struct.vm_start MM\n";

int cmd_tree(struct cli_context *ctx, int argc, char **argv)
{
	struct kt_tree_request req = {.kind = KT_TREE_RBTREE};
	const char *offset = NULL, *root = NULL, *show = NULL, *kind = NULL;
	int c;
	optind = 0;
	while ((c = getopt(argc, argv, "t:o:r:s:xd")) != -1) {
		switch (c) {
		case 't':
			kind = optarg;
			break;
		case 'o':
			offset = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 's':
			show = optarg;
			break;
		case 'x':
			req.hex = true;
			break;
		case 'd':
			req.hex = false;
			break;
		default:
			fputs(cli_tree_help, stderr);
			return 2;
		}
	}
	if (!kind || argc - optind != 1) {
		fputs(cli_tree_help, stderr);
		return 2;
	}
	if (!strcmp(kind, "xarray") || !strcmp(kind, "radix")) {
		req.kind = KT_TREE_XARRAY;
	} else if (!strcmp(kind, "maple")) {
		req.kind = KT_TREE_MAPLE;
	} else if (strcmp(kind, "rbtree")) {
		fprintf(stderr, "tree: -t %s: the kinds are rbtree, xarray, radix and maple\n", kind);
		return 2;
	}
	if (offset && req.kind != KT_TREE_RBTREE) {
		fprintf(stderr, "tree: -o is where an rbtree's entries hold their rb_node; XArray and maple "
			"tree entries are the objects themselves\n");
		return 2;
	}
	uint64_t root_offset = 0;
	int status = offset ? cli_member_offset(ctx, "tree", offset, &req.offset) : 0;
	if (!status && root)
		status = cli_member_offset(ctx, "tree", root, &root_offset);
	if (status)
		return status;
	const char *start = argv[optind];
	if ((status = start_address(ctx, "tree", start, &req.root)))
		return status;
	struct kt_error *err;
	req.root += root_offset;
	char *type = NULL;
	if (show && !(type = shown_type(show, &req.members))) {
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	req.type = type;
	struct kt_list_entries *l;
	err = kt_tree_entries_read(ctx->prog, &req, &l);
	free(type);
	return show_entries(ctx, "tree", err, l);
}
