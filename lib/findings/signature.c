// SPDX-License-Identifier: MIT
/*
 * Signatures: the bucket a finding files its dump under, as WinDbg's !analyze bucket ids and
 * syzkaller's titles do: a class and the key frame with its module, then a hash of the first
 * frames from there. Only verified frames count (an inferred or stale frame would split one
 * bug into many buckets, or merge two); the crash machinery is skipped (signature_rules.def);
 * names are cut at the first '.' so that .isra/.constprop/.cold clones of one function agree.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "findings/findings.h"

/* How many frames from the key frame the hash covers: deep enough to tell two callers of one
 * lock apart, shallow enough that a different kthread or syscall entry leaves it the same. */
enum { SIGNATURE_FRAMES = 5 };

static const char *const skipped[] = {
#define SKIP(name, why) name,
#define PREFIX(prefix, why)
#include "findings/signature_rules.def"
#undef SKIP
#undef PREFIX
};

static const char *const skipped_prefixes[] = {
#define SKIP(name, why)
#define PREFIX(prefix, why) prefix,
#include "findings/signature_rules.def"
#undef SKIP
#undef PREFIX
};

void kt_signature_function(char *buf, size_t size, const char *function)
{
	size_t len = strcspn(function, ".");
	kt_textf(buf, size, "%.*s", (int)len, function);
}

bool kt_function_among(const char *function, const char *const *names, size_t n_names,
		       const char *const *prefixes, size_t n_prefixes)
{
	if (!function)
		return false;
	char name[128];
	kt_signature_function(name, sizeof(name), function);
	for (size_t i = 0; i < n_names; i++)
		if (!strcmp(name, names[i]))
			return true;
	for (size_t i = 0; i < n_prefixes; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

bool kt_signature_skips(const char *function)
{
	return kt_function_among(function, skipped, KT_ARRAY_SIZE(skipped), skipped_prefixes,
				 KT_ARRAY_SIZE(skipped_prefixes));
}

static bool frame_add(struct kt_finding *f, const char *text)
{
	char (*frames)[96] = realloc(f->signature_frames, (f->n_signature_frames + 1) * sizeof(*frames));
	if (!frames)
		return false;
	f->signature_frames = frames;
	kt_textf(frames[f->n_signature_frames++], sizeof(*frames), "%s", text);
	return true;
}

bool kt_finding_sign(struct kt_finding *f, const char *class, const struct kt_backtrace *bt, size_t start)
{
	f->n_signature_frames = 0;
	const char *why = NULL;
	if (!bt || start >= bt->n_frames)
		why = "no frames";
	for (size_t i = start; !why && i < bt->n_frames && f->n_signature_frames < SIGNATURE_FRAMES; i++) {
		const struct kt_frame *fr = &bt->frames[i];
		if (fr->status != KT_FRAME_VERIFIED || !fr->function || kt_signature_skips(fr->function))
			continue;
		char name[96], text[96];
		kt_signature_function(name, sizeof(name), fr->function);
		if (fr->module)
			kt_textf(text, sizeof(text), "%s [%s]", name, fr->module);
		else
			kt_textf(text, sizeof(text), "%s", name);
		if (!frame_add(f, text))
			return false;
	}
	if (!why && !f->n_signature_frames)
		why = "no verified frame outside the crash machinery";
	f->signature_corrupted = why != NULL;
	if (why)
		kt_textf(f->signature, sizeof(f->signature), "%s: %s", class, why);
	else
		kt_textf(f->signature, sizeof(f->signature), "%s in %s", class, f->signature_frames[0]);
	return true;
}

bool kt_finding_sign_text(struct kt_finding *f, const char *text)
{
	f->signature_corrupted = false;
	kt_textf(f->signature, sizeof(f->signature), "%s", text);
	return true;
}
