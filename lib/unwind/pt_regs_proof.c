// SPDX-License-Identifier: MIT
#include "core/error.h"
#include "unwind/pt_regs_proof.h"

enum {
	PROOF_SLOTS = 8,          /* how far below a pt_regs the proving return address may be */
	KERNEL_CS = 0x10,         /* __KERNEL_CS */
	USER_CS = 0x33,           /* __USER_CS */
};

struct kt_error *kt_stack_copy_read(struct kt_program *prog, const struct kt_stack *s,
				    struct kt_stack_copy *c)
{
	c->stack = s;
	c->n = (s->end - s->start) / 8;
	if (c->n > KT_STACK_COPY_MAX / 8)
		c->n = KT_STACK_COPY_MAX / 8;
	c->end = s->end;
	c->start = s->end - c->n * 8;
	struct kt_error *first = NULL;
	bool any = false;
	for (size_t p = 0; p * KT_PAGE < c->n * 8; p++) {
		size_t len = c->n * 8 - p * KT_PAGE < KT_PAGE ? c->n * 8 - p * KT_PAGE : KT_PAGE;
		struct kt_error *err = kt_read(&prog->reader, c->start + p * KT_PAGE,
					       (uint8_t *)c->words + p * KT_PAGE, len);
		c->page_ok[p] = !err;
		any |= !err;
		if (err == &kt_enomem) {
			kt_error_destroy(first);
			return err;
		}
		if (err && !first)
			first = err;
		else
			kt_error_destroy(err);
	}
	if (any) {
		kt_error_destroy(first);
		return NULL;
	}
	return first;
}

bool kt_stack_word(const struct kt_stack_copy *c, uint64_t addr, uint64_t *ret)
{
	if (addr < c->start || addr + 8 > c->end || (addr & 7) || !c->page_ok[(addr - c->start) / KT_PAGE])
		return false;
	*ret = c->words[(addr - c->start) / 8];
	return true;
}

bool kt_is_kernel_text(struct kt_unwinder *uw, uint64_t v)
{
	struct kt_orc_entry orc;
	if (v < 0xffffffff80000000ull)
		return false;
	struct kt_error *err = kt_orc_find(uw->orc, v - 1, &orc, NULL);
	kt_error_destroy(err);
	return !err;
}

bool kt_plausible_pt_regs(struct kt_unwinder *uw, const struct kt_stack_copy *c, uint64_t a)
{
	uint64_t ip, cs, flags, sp, ss;
	if (!kt_stack_word(c, a + 128, &ip) || !kt_stack_word(c, a + 136, &cs) ||
	    !kt_stack_word(c, a + 144, &flags) || !kt_stack_word(c, a + 152, &sp) ||
	    !kt_stack_word(c, a + 160, &ss))
		return false;
	// Bit 1 of rflags is always set; bits above 21 never are.
	if (cs == USER_CS)
		return (flags & 2) && flags < 0x400000 && ip < 0x0000800000000000ull;
	return cs == KERNEL_CS && (flags & 2) && flags < 0x400000 && kt_is_kernel_text(uw, ip) &&
	       kt_stacks_find(&uw->stacks, sp) && ss <= 0x2b;
}

bool kt_prove_pt_regs(struct kt_unwinder *uw, const struct kt_stack_copy *c, uint64_t a,
		      uint64_t *slot_ret, uint64_t *ret_addr_ret)
{
	for (uint64_t s = a - 8; s >= a - 8 * PROOF_SLOTS && s >= c->start; s -= 8) {
		uint64_t r;
		if (!kt_stack_word(c, s, &r) || !kt_is_kernel_text(uw, r))
			continue;
		struct kt_unwind_state st = {.ip = r, .sp = s + 8};
		bool done;
		char why[KT_REASON_MAX];
		struct kt_error *err = kt_unwind_step_as(uw, KT_UNWINDER_AUTO, &st, &done, why, sizeof(why));
		kt_error_destroy(err);
		if (!err && st.pt_regs == a) {
			*slot_ret = s;
			*ret_addr_ret = r;
			return true;
		}
	}
	return false;
}
