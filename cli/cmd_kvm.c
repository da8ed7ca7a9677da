// SPDX-License-Identifier: MIT
/* kvm, vmx, svm: every VM and vCPU, and the vendor state of each vCPU (lib/kvm). */
#include <stdio.h>

#include "commands.h"

/* The optional VCPU argument: a struct kvm_vcpu (or vcpu_vmx / vcpu_svm) address or symbol. */
static int vcpu_argument(struct cli_context *ctx, int argc, char **argv, const char *name,
			 uint64_t *ret)
{
	*ret = 0;
	if (argc > 2) {
		fprintf(stderr, "usage: %s [VCPU]\n", name);
		return 2;
	}
	if (argc == 2) {
		struct kt_error *err = kt_program_parse_address(ctx->prog, argv[1], ret);
		if (err)
			return cli_report_error(err);
	}
	return 0;
}

int cmd_kvm(struct cli_context *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fputs("usage: kvm\n", stderr);
		return 2;
	}
	struct kt_kvm_state *state;
	struct kt_error *err = kt_kvm_state_read(ctx->prog, &state);
	if (err)
		return cli_report_error(err);
	kt_kvm_state_render(stdout, cli_format(ctx), state);
	kt_kvm_state_destroy(state);
	return 0;
}

int cmd_vmx(struct cli_context *ctx, int argc, char **argv)
{
	uint64_t vcpu;
	int rc = vcpu_argument(ctx, argc, argv, "vmx", &vcpu);
	if (rc)
		return rc;
	struct kt_vmx_state *state;
	struct kt_error *err = kt_vmx_state_read(ctx->prog, vcpu, &state);
	if (err)
		return cli_report_error(err);
	kt_vmx_state_render(stdout, cli_format(ctx), state);
	kt_vmx_state_destroy(state);
	return 0;
}

int cmd_svm(struct cli_context *ctx, int argc, char **argv)
{
	uint64_t vcpu;
	int rc = vcpu_argument(ctx, argc, argv, "svm", &vcpu);
	if (rc)
		return rc;
	struct kt_svm_state *state;
	struct kt_error *err = kt_svm_state_read(ctx->prog, vcpu, &state);
	if (err)
		return cli_report_error(err);
	kt_svm_state_render(stdout, cli_format(ctx), state);
	kt_svm_state_destroy(state);
	return 0;
}

int cmd_findings(struct cli_context *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fputs("usage: findings\n", stderr);
		return 2;
	}
	struct kt_finding *findings;
	size_t n;
	struct kt_error *err = kt_findings_collect(ctx->prog, ctx->dump_path, &findings, &n);
	if (err)
		return cli_report_error(err);
	kt_findings_render(stdout, cli_format(ctx), findings, n);
	kt_findings_destroy(findings, n);
	return 0;
}
