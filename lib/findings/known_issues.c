// SPDX-License-Identifier: MIT
/*
 * Known issues: a file of signature patterns, each with a bug link and a note
 * (docs/known-issues.md). Blocks start with a pattern line (match: GLOB, regex: ERE or
 * hash: HEX) and take the bug: and note: lines that follow; # starts a comment line. The first
 * block that matches wins, so a file lists narrow patterns before wide ones.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"

struct known_entry {
	struct kt_known_issue issue;
	regex_t re;                      /* KT_KNOWN_REGEX only */
};

struct kt_known_issues {
	struct known_entry *items;
	size_t n, cap;
};

const char *kt_known_kind_name(enum kt_known_kind kind)
{
	switch (kind) {
	case KT_KNOWN_GLOB:
		return "match";
	case KT_KNOWN_REGEX:
		return "regex";
	case KT_KNOWN_HASH:
		return "hash";
	}
	return "?";
}

static void issue_deinit(struct kt_known_issue *issue)
{
	free(issue->pattern);
	free(issue->bug);
	free(issue->note);
}

void kt_known_issues_destroy(struct kt_known_issues *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++) {
		if (k->items[i].issue.kind == KT_KNOWN_REGEX)
			regfree(&k->items[i].re);
		issue_deinit(&k->items[i].issue);
	}
	free(k->items);
	free(k);
}

size_t kt_known_issues_count(const struct kt_known_issues *k)
{
	return k ? k->n : 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One "key: value" line into the set; NULL or an error naming the line. */
static struct kt_error *parse_line(struct kt_known_issues *k, const char *path, unsigned int lineno,
				   char *line)
{
	char *colon = strchr(line, ':');
	if (!colon)
		return kt_error_create(KT_ERROR_BAD_DATA, "%s:%u: expected KEY: VALUE (match, regex, hash, bug, note)",
				       path, lineno);
	*colon = '\0';
	const char *key = trim(line);
	char *value = trim(colon + 1);
	static const char *const kinds[] = {[KT_KNOWN_GLOB] = "match", [KT_KNOWN_REGEX] = "regex",
					    [KT_KNOWN_HASH] = "hash"};
	for (size_t kind = 0; kind < KT_ARRAY_SIZE(kinds); kind++) {
		if (strcmp(key, kinds[kind]))
			continue;
		if (!*value)
			return kt_error_create(KT_ERROR_BAD_DATA, "%s:%u: %s: without a pattern", path, lineno, key);
		if (!kt_grow((void **)&k->items, &k->cap, k->n, sizeof(*k->items), 8))
			return &kt_enomem;
		struct known_entry *e = &k->items[k->n];
		memset(e, 0, sizeof(*e));
		e->issue.kind = (enum kt_known_kind)kind;
		e->issue.line = lineno;
		if (kind == KT_KNOWN_REGEX) {
			int rc = regcomp(&e->re, value, REG_EXTENDED | REG_NOSUB);
			if (rc) {
				char msg[160];
				regerror(rc, &e->re, msg, sizeof(msg));
				return kt_error_create(KT_ERROR_BAD_DATA, "%s:%u: regex: %s", path, lineno, msg);
			}
		}
		if (!(e->issue.pattern = strdup(value))) {
			if (kind == KT_KNOWN_REGEX)
				regfree(&e->re);
			return &kt_enomem;
		}
		k->n++;
		return NULL;
	}
	bool is_bug = !strcmp(key, "bug");
	if (!is_bug && strcmp(key, "note"))
		return kt_error_create(KT_ERROR_BAD_DATA, "%s:%u: unknown key '%s' (match, regex, hash, bug, note)",
				       path, lineno, key);
	if (!k->n)
		return kt_error_create(KT_ERROR_BAD_DATA, "%s:%u: %s: before any match:, regex: or hash: line",
				       path, lineno, key);
	struct kt_known_issue *last = &k->items[k->n - 1].issue;
	char **field = is_bug ? &last->bug : &last->note;
	if (*field)
		return kt_error_create(KT_ERROR_BAD_DATA, "%s:%u: a second %s: in the block of line %u",
				       path, lineno, key, last->line);
	return (*field = strdup(value)) ? NULL : &kt_enomem;
}

struct kt_error *kt_known_issues_load(const char *path, struct kt_known_issues **ret)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return kt_error_create(KT_ERROR_OS, "%s: %s", path, strerror(errno));
	struct kt_known_issues *k = calloc(1, sizeof(*k));
	if (!k) {
		fclose(f);
		return &kt_enomem;
	}
	struct kt_error *err = NULL;
	char *line = NULL;
	size_t cap = 0;
	unsigned int lineno = 0;
	while (!err && getline(&line, &cap, f) >= 0) {
		lineno++;
		char *t = trim(line);
		if (*t && *t != '#')
			err = parse_line(k, path, lineno, t);
	}
	if (!err && ferror(f))
		err = kt_error_create(KT_ERROR_OS, "%s: read error", path);
	free(line);
	fclose(f);
	if (err) {
		kt_known_issues_destroy(k);
		return err;
	}
	*ret = k;
	return NULL;
}

const struct kt_known_issue *kt_known_issues_match(const struct kt_known_issues *k,
						   const char *signature, const char *hash)
{
	for (size_t i = 0; k && i < k->n; i++) {
		const struct known_entry *e = &k->items[i];
		bool hit = false;
		switch (e->issue.kind) {
		case KT_KNOWN_GLOB:
			hit = signature && !fnmatch(e->issue.pattern, signature, 0);
			break;
		case KT_KNOWN_REGEX:
			hit = signature && !regexec(&e->re, signature, 0, NULL, 0);
			break;
		case KT_KNOWN_HASH:
			hit = hash && !strcasecmp(e->issue.pattern, hash);
			break;
		}
		if (hit)
			return &e->issue;
	}
	return NULL;
}

struct kt_known_issue *kt_known_issue_copy(const struct kt_known_issue *issue)
{
	struct kt_known_issue *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->kind = issue->kind;
	c->line = issue->line;
	c->pattern = strdup(issue->pattern);
	c->bug = issue->bug ? strdup(issue->bug) : NULL;
	c->note = issue->note ? strdup(issue->note) : NULL;
	if (!c->pattern || (issue->bug && !c->bug) || (issue->note && !c->note)) {
		kt_known_issue_destroy(c);
		return NULL;
	}
	return c;
}

void kt_known_issue_destroy(struct kt_known_issue *issue)
{
	if (!issue)
		return;
	issue_deinit(issue);
	free(issue);
}
