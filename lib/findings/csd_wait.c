// SPDX-License-Identifier: MIT
#include "findings/findings.h"
struct kt_error *kt_finding_csd_wait(struct kt_findings_input *in, struct kt_findings_list *list)
{
	(void)in, (void)list;
	return NULL;
}
