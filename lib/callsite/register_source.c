// SPDX-License-Identifier: MIT
/* Where a register's value at a call was found, for people. */
#include <stdio.h>

#include "ktriage.h"

void kt_register_source_text(const struct kt_register_source *s, char *buf, size_t size)
{
	unsigned long long a = s->address;
	switch (s->origin) {
	case KT_REGISTER_ORIGIN_CPU_NOTE:
		snprintf(buf, size, "%s of CPU %d", s->note ? s->note : "saved registers", s->cpu);
		break;
	case KT_REGISTER_ORIGIN_PT_REGS:
		snprintf(buf, size, "pt_regs at 0x%016llx", a);
		break;
	case KT_REGISTER_ORIGIN_SWITCH_FRAME:
		snprintf(buf, size, "switch frame at 0x%016llx", a);
		break;
	case KT_REGISTER_ORIGIN_RETURN_SLOT:
		snprintf(buf, size, "return address slot 0x%016llx + 8", a);
		break;
	case KT_REGISTER_ORIGIN_SAVED_CFI:
	case KT_REGISTER_ORIGIN_SAVED_PROLOGUE:
		snprintf(buf, size, "saved by %s at 0x%016llx (%s)", s->function ? s->function : "the callee",
			 a, s->origin == KT_REGISTER_ORIGIN_SAVED_CFI ? "DWARF CFI" : "its prologue");
		break;
	case KT_REGISTER_ORIGIN_BELOW_RETURN:
		snprintf(buf, size, "below the return address");
		break;
	default:
		snprintf(buf, size, "unknown");
		break;
	}
}
