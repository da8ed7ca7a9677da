// SPDX-License-Identifier: MIT
/*
 * The SDM's rules for VMX MSR-list entries (msr_list_rules.def), evaluated on one entry or one
 * list, and the bits of MSR values whose layout the CPU model tells (pebs_enable.def).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/util.h"

enum rule_id {
#define RULE(id, code, lists, rule, source) RULE_##id,
#include "arch/x86_64/msr_list_rules.def"
#undef RULE
};

static const struct {
	const char *code, *lists, *rule, *source;
} rules[] = {
#define RULE(id, code, lists, rule, source) [RULE_##id] = {code, lists, rule, source},
#include "arch/x86_64/msr_list_rules.def"
#undef RULE
};

struct pebs_layout {
	const char *id;
	uint64_t defined, undetermined;
	const char *source;
};

static const struct pebs_layout pebs_layouts[] = {
#define LAYOUT(id, defined, undetermined, source) {#id, defined, undetermined, source},
#define BIT(id, first, last, name, meaning)
#include "arch/x86_64/pebs_enable.def"
#undef BIT
#undef LAYOUT
};

static const struct {
	const char *id;
	unsigned int first, last;
	const char *name, *meaning;
} pebs_bits[] = {
#define LAYOUT(id, defined, undetermined, source)
#define BIT(id, first, last, name, meaning) {#id, first, last, name, meaning},
#include "arch/x86_64/pebs_enable.def"
#undef BIT
#undef LAYOUT
};

static const struct pebs_layout *pebs_layout(const struct kt_cpu_model *model)
{
	for (size_t i = 0; model && model->pebs_layout && i < KT_ARRAY_SIZE(pebs_layouts); i++)
		if (!strcmp(pebs_layouts[i].id, model->pebs_layout))
			return &pebs_layouts[i];
	return NULL;
}

static char list_letter(enum kt_msr_list_kind kind)
{
	return kind == KT_MSR_LIST_ENTRY_LOAD ? 'E' : kind == KT_MSR_LIST_EXIT_LOAD ? 'X' : 'S';
}

static bool applies(enum rule_id id, enum kt_msr_list_kind kind)
{
	return strchr(rules[id].lists, list_letter(kind)) != NULL;
}

static struct kt_check *add(struct kt_check *out, size_t *n, enum rule_id id,
			    enum kt_check_result result)
{
	struct kt_check *c = &out[(*n)++];
	*c = (struct kt_check){.code = rules[id].code, .rule = rules[id].rule,
			       .source = rules[id].source, .result = result};
	return c;
}

static void model_text(const struct kt_cpu_model *m, char *buf, size_t size)
{
	if (!m || !m->known)
		kt_textf(buf, size, "an unknown CPU model");
	else
		kt_textf(buf, size, "%s family 0x%x model 0x%x%s%s%s", m->vendor_id, m->family,
			 m->model, m->linux_name ? " (" : "", m->linux_name ? m->linux_name : "",
			 m->linux_name ? ")" : "");
}

bool kt_msr_value_decode(uint32_t index, uint64_t value, const struct kt_cpu_model *model,
			 char *buf, size_t size)
{
	char mt[96];
	model_text(model, mt, sizeof(mt));
	if (index != KT_MSR_IA32_PEBS_ENABLE) {
		kt_textf(buf, size, "no bit layout known for this MSR");
		return false;
	}
	const struct pebs_layout *l = pebs_layout(model);
	if (!l) {
		kt_textf(buf, size, "no IA32_PEBS_ENABLE layout known for %s%s", mt,
			 model && model->known && !model->intel ? " (an Intel MSR)" : "");
		return false;
	}
	size_t len = 0;
	buf[0] = 0;
	for (unsigned int bit = 0; bit < 64; bit++) {
		if (!(value >> bit & 1))
			continue;
		const char *what = NULL;
		for (size_t i = 0; i < KT_ARRAY_SIZE(pebs_bits); i++) {
			if (strcmp(pebs_bits[i].id, l->id) || bit < pebs_bits[i].first ||
			    bit > pebs_bits[i].last)
				continue;
			char name[48];
			if (pebs_bits[i].first == pebs_bits[i].last)
				kt_textf(name, sizeof(name), "%s", pebs_bits[i].name);
			else
				kt_textf(name, sizeof(name), "%s%u", pebs_bits[i].name,
					 bit - pebs_bits[i].first);
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%sbit %u %s",
						len ? ", " : "", bit, name);
			what = name;
		}
		if (!what)
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%sbit %u %s",
						len ? ", " : "", bit,
						l->undetermined >> bit & 1 ? "(not judged)" : "RESERVED");
	}
	if (!value)
		kt_textf(buf, size, "0: PEBS off on every counter");
	else if (len < size)
		snprintf(buf + len, size - len, " (%s layout)", l->id);
	return true;
}

static void value_reserved_check(enum kt_msr_list_kind kind, uint32_t index, uint64_t value,
				 const struct kt_cpu_model *model, struct kt_check *out, size_t *n)
{
	if (!applies(RULE_VALUE_RESERVED, kind))
		return;
	char mt[96];
	model_text(model, mt, sizeof(mt));
	const struct pebs_layout *l = index == KT_MSR_IA32_PEBS_ENABLE ? pebs_layout(model) : NULL;
	if (!l) {
		struct kt_check *c = add(out, n, RULE_VALUE_RESERVED, KT_CHECK_UNKNOWN);
		kt_textf(c->detail, sizeof(c->detail), "no layout of MSR 0x%x known for %s", index, mt);
		return;
	}
	uint64_t reserved = value & ~(l->defined | l->undetermined);
	uint64_t undetermined = value & l->undetermined;
	struct kt_check *c = add(out, n, RULE_VALUE_RESERVED,
				 reserved ? KT_CHECK_FAIL : undetermined ? KT_CHECK_UNKNOWN : KT_CHECK_PASS);
	if (reserved)
		kt_textf(c->detail, sizeof(c->detail),
			 "value 0x%" PRIx64 " sets reserved bits 0x%" PRIx64 " of IA32_PEBS_ENABLE on %s "
			 "(defined 0x%" PRIx64 "; %s)", value, reserved, mt, l->defined, l->source);
	else if (undetermined)
		kt_textf(c->detail, sizeof(c->detail),
			 "value 0x%" PRIx64 " sets bits 0x%" PRIx64 " not judged for %s (%s)", value,
			 undetermined, mt, l->source);
	else
		kt_textf(c->detail, sizeof(c->detail),
			 "value 0x%" PRIx64 " sets only defined bits (0x%" PRIx64 ") of IA32_PEBS_ENABLE on %s; %s",
			 value, l->defined, mt, l->source);
}

size_t kt_msr_entry_check(enum kt_msr_list_kind kind, uint32_t index, uint32_t reserved,
			  uint64_t value, const struct kt_cpu_model *model, struct kt_check *out)
{
	size_t n = 0;
	struct kt_check *c;
	if (applies(RULE_FS_GS_BASE, kind)) {
		bool bad = index == 0xc0000100 || index == 0xc0000101;
		c = add(out, &n, RULE_FS_GS_BASE, bad ? KT_CHECK_FAIL : KT_CHECK_PASS);
		kt_textf(c->detail, sizeof(c->detail), "index 0x%x%s", index,
			 bad ? ": the processor cannot load this MSR from the list" : "");
	}
	bool x2apic = (index >> 8) == 0x8;
	c = add(out, &n, RULE_X2APIC_RANGE, x2apic ? KT_CHECK_FAIL : KT_CHECK_PASS);
	kt_textf(c->detail, sizeof(c->detail), "index 0x%x, bits 31:8 = 0x%06x", index, index >> 8);
	uint32_t smm = kind == KT_MSR_LIST_EXIT_STORE ? 0x9e : 0x9b;
	c = add(out, &n, RULE_SMM_ONLY, index == smm ? KT_CHECK_FAIL : KT_CHECK_PASS);
	kt_textf(c->detail, sizeof(c->detail), "index 0x%x (%s list: 0x%x is SMM-only)", index,
		 kind == KT_MSR_LIST_EXIT_STORE ? "store" : "load", smm);
	bool ucode = index == 0x79 || index == 0x8b;
	c = add(out, &n, RULE_MICROCODE, ucode ? KT_CHECK_FAIL : KT_CHECK_PASS);
	kt_textf(c->detail, sizeof(c->detail), "index 0x%x", index);
	c = add(out, &n, RULE_RESERVED_BITS, reserved ? KT_CHECK_FAIL : KT_CHECK_PASS);
	kt_textf(c->detail, sizeof(c->detail), "reserved field 0x%x", reserved);
	value_reserved_check(kind, index, value, model, out, &n);
	return n;
}

size_t kt_msr_list_check(enum kt_msr_list_kind kind, uint64_t address, uint32_t count,
			 uint32_t capacity, bool has_misc, uint64_t vmx_misc, unsigned int live_beyond,
			 struct kt_check *out)
{
	(void)kind;
	size_t n = 0;
	struct kt_check *c = add(out, &n, RULE_COUNT_CAPACITY,
				 count <= capacity ? KT_CHECK_PASS : KT_CHECK_FAIL);
	kt_textf(c->detail, sizeof(c->detail), "count %u, array of %u", count, capacity);
	if (has_misc) {
		// IA32_VMX_MISC bits 27:25 (Linux: VMX_MISC_MSR_LIST_MULTIPLIER 512).
		uint64_t max = 512 * (((vmx_misc >> 25) & 7) + 1);
		c = add(out, &n, RULE_COUNT_RECOMMENDED, count <= max ? KT_CHECK_PASS : KT_CHECK_FAIL);
		kt_textf(c->detail, sizeof(c->detail), "count %u, recommended maximum %" PRIu64
			 " (IA32_VMX_MISC 0x%" PRIx64 ")", count, max, vmx_misc);
	} else {
		// N >= 0: 512 is the least the maximum can be.
		c = add(out, &n, RULE_COUNT_RECOMMENDED,
			count <= 512 ? KT_CHECK_PASS : KT_CHECK_UNKNOWN);
		kt_textf(c->detail, sizeof(c->detail),
			 "count %u; IA32_VMX_MISC is not in the dump: the maximum is unknown, at least "
			 "512", count);
	}
	c = add(out, &n, RULE_ALIGNED,
		!count || !(address & 15) ? KT_CHECK_PASS : KT_CHECK_FAIL);
	kt_textf(c->detail, sizeof(c->detail), "address 0x%" PRIx64 ", count %u", address, count);
	// Not an SDM rule: the processor never reads past the count. An index there is a leftover of
	// a removed entry or a count lowered after the list was written; memory cannot tell which.
	c = add(out, &n, RULE_LIVE_BEYOND_COUNT, live_beyond ? KT_CHECK_UNKNOWN : KT_CHECK_PASS);
	kt_textf(c->detail, sizeof(c->detail), "%u entr%s past the count hold%s an MSR index%s",
		 live_beyond, live_beyond == 1 ? "y" : "ies", live_beyond == 1 ? "s" : "",
		 live_beyond ? ": a removed entry's leftover, or a count lowered after the list was "
			       "written (listed with the entries)" : "");
	return n;
}

void kt_vmcs_revision_check(uint32_t revision, bool shadow, bool has_config, uint32_t config_revision,
			    const char *no_config, struct kt_check *c)
{
	*c = (struct kt_check){
		.code = "vmcs.revision_id",
		.rule = "the region's revision id equals IA32_VMX_BASIC[30:0] and, for an ordinary VMCS, its "
			"shadow-VMCS bit is 0 (VMPTRLD fails otherwise)",
		.source = "[SDM-2016] Vol 3C §24.2 and §24.10; [SDM-old] §20.2; kernel: alloc_vmcs_cpu() writes "
			  "vmcs_config.revision_id, and the shadow bit only for a shadow VMCS"};
	if (shadow) {
		c->result = KT_CHECK_FAIL;
		kt_textf(c->detail, sizeof(c->detail), "revision id %u with the shadow-VMCS bit set on a "
			 "VMCS kvm loads as ordinary", revision);
	} else if (!has_config) {
		c->result = KT_CHECK_UNKNOWN;
		kt_textf(c->detail, sizeof(c->detail), "revision id %u; %s", revision, no_config);
	} else {
		c->result = revision == config_revision ? KT_CHECK_PASS : KT_CHECK_FAIL;
		kt_textf(c->detail, sizeof(c->detail), "revision id %u, vmcs_config.revision_id %u%s",
			 revision, config_revision, revision == config_revision ? "" : ": they differ");
	}
}
