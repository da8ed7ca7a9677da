// SPDX-License-Identifier: MIT
/* Rendering of struct kt_call_site. */
#include <stdio.h>

#include "callsite_out.h"
#include "commands.h"

static void print_target(const struct kt_call_site *cs)
{
	printf("0x%016llx", (unsigned long long)cs->target);
	if (cs->target_function) {
		printf(" %s", cs->target_function);
		if (cs->target_offset)
			printf("+0x%llx", (unsigned long long)cs->target_offset);
		if (cs->target_module)
			printf(" [%s]", cs->target_module);
	}
}

void cli_call_site_text(const struct kt_call_site *cs, const char *indent)
{
	if (cs->kind == KT_CALL_NONE) {
		printf("%scall site: %s\n", indent, cs->reason);
		return;
	}
	printf("%scall site: 0x%016llx <%s>: %s  (%s)\n", indent, (unsigned long long)cs->address,
	       cs->caller ? cs->caller : "?", cs->instruction, kt_call_kind_name(cs->kind));
	if (cs->expression[0])
		printf("%s  through: %s\n", indent, cs->expression);
	for (size_t i = 0; i < cs->n_values; i++)
		printf("%s    %s = 0x%llx  (%s)\n", indent, cs->values[i].name,
		       (unsigned long long)cs->values[i].value, cs->values[i].source);
	if (cs->has_target) {
		printf("%s  target: ", indent);
		print_target(cs);
		printf("\n");
	}
	printf("%s  verdict: %s: %s\n", indent, kt_call_verdict_name(cs->verdict), cs->reason);
}

void cli_call_site_json(const struct kt_call_site *cs)
{
	printf("{\"return_address\": \"0x%016llx\", \"address\": ", (unsigned long long)cs->return_address);
	if (cs->kind == KT_CALL_NONE)
		printf("null");
	else
		printf("\"0x%016llx\"", (unsigned long long)cs->address);
	printf(", \"caller\": ");
	cli_json_string(cs->caller);
	printf(", \"instruction\": ");
	cli_json_string(cs->kind == KT_CALL_NONE ? NULL : cs->instruction);
	printf(", \"kind\": \"%s\", \"expression\": ", kt_call_kind_name(cs->kind));
	cli_json_string(cs->expression[0] ? cs->expression : NULL);
	printf(", \"values\": [");
	for (size_t i = 0; i < cs->n_values; i++) {
		printf("%s{\"name\": ", i ? ", " : "");
		cli_json_string(cs->values[i].name);
		printf(", \"value\": \"0x%llx\", \"source\": ", (unsigned long long)cs->values[i].value);
		cli_json_string(cs->values[i].source);
		printf("}");
	}
	printf("], \"target\": ");
	if (cs->has_target) {
		printf("{\"address\": \"0x%016llx\", \"symbol\": ", (unsigned long long)cs->target);
		cli_json_string(cs->target_function);
		printf(", \"offset\": %llu, \"module\": ", (unsigned long long)cs->target_offset);
		cli_json_string(cs->target_module);
		printf("}");
	} else {
		printf("null");
	}
	printf(", \"verdict\": \"%s\", \"reason\": ", kt_call_verdict_name(cs->verdict));
	cli_json_string(cs->reason);
	printf("}");
}
