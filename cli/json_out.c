// SPDX-License-Identifier: MIT
/* JSON strings for the commands that print JSON by hand, line by line. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

void cli_json_string_n(const char *s, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void cli_json_string(const char *s)
{
	if (s)
		cli_json_string_n(s, strlen(s));
	else
		fputs("null", stdout);
}
