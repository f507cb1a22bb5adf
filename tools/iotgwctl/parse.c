// SPDX-License-Identifier: GPL-2.0
/* iotgwctl: keyword tables, numbers, rule names, batch line words. */
#include "parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/iotgw.h>

int word_value(const struct word_map *map, const char *word)
{
	for (; map->word; map++)
		if (!strcmp(map->word, word))
			return map->value;
	return -1;
}

const char *word_name(const struct word_map *map, int value)
{
	for (; map->word; map++)
		if (map->value == value)
			return map->word;
	return NULL;
}

void word_choices(const struct word_map *map, char *buf, size_t size)
{
	size_t n = 0, len = 0;
	int w;

	while (map[n].word)
		n++;
	if (!size)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

		w = snprintf(buf + len, size - len, "%s%s", sep, map[i].word);
		if (w < 0 || (size_t)w >= size - len)
			return;
		len += (size_t)w;
	}
}

static bool all_of(const char *s, const char *set)
{
	return *s && s[strspn(s, set)] == '\0';
}

/* parse_u32() and parse_u64(): the number @s, at most @max. */
static int parse_number(const char *s, unsigned long long max,
			unsigned long long *out)
{
	unsigned long long v;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
		if (!all_of(s, "0123456789abcdefABCDEF"))
			return -EINVAL;
	} else if (!all_of(s, "0123456789")) {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE || v > max)
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	int err = parse_number(s, UINT32_MAX, &v);

	if (!err)
		*out = (uint32_t)v;
	return err;
}

int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	int err = parse_number(s, UINT64_MAX, &v);

	if (!err)
		*out = (uint64_t)v;
	return err;
}

int parse_port(const char *s, uint16_t *out)
{
	uint32_t v;
	int err = parse_u32(s, &v);

	if (err)
		return err;
	if (v < 1 || v > 65535)
		return -ERANGE;
	*out = (uint16_t)v;
	return 0;
}

bool rule_name_valid(const char *s)
{
	static const char charset[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789_.-";
	size_t len = strlen(s);

	return len >= 1 && len < IOTGW_RULE_NAME_MAX && all_of(s, charset);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/*
 * Copy one word starting at line[*r] to line[*w], unquoting; stop after the
 * blank that ends it or at the end. Writing never overtakes reading.
 */
static int unquote_word(char *line, size_t *r, size_t *w)
{
	char quote = 0;

	while (line[*r]) {
		char c = line[(*r)++];

		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				line[(*w)++] = c;
		} else if (quote == '"') {
			if (c == '"')
				quote = 0;
			else if (c == '\\' && (line[*r] == '"' || line[*r] == '\\'))
				line[(*w)++] = line[(*r)++];
			else
				line[(*w)++] = c;
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == '\\' && line[*r]) {
			line[(*w)++] = line[(*r)++];
		} else if (is_blank(c)) {
			break;
		} else {
			line[(*w)++] = c;
		}
	}
	if (quote)
		return -EINVAL;
	line[(*w)++] = '\0';
	return 0;
}

int split_words(char *line, char ***argvp, int *argcp)
{
	/* n words take at least 2n - 1 bytes; one more slot for NULL */
	size_t r = 0, w = 0, max = strlen(line) / 2 + 2;
	char **argv = calloc(max, sizeof(*argv));
	int argc = 0;

	if (!argv)
		return -ENOMEM;
	for (;;) {
		while (is_blank(line[r]))
			r++;
		if (!line[r] || (argc == 0 && line[r] == '#'))
			break;
		argv[argc++] = line + w;
		if (unquote_word(line, &r, &w)) {
			free(argv);
			return -EINVAL;
		}
	}
	argv[argc] = NULL;
	*argvp = argv;
	*argcp = argc;
	return 0;
}

bool word_needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (is_blank(*s) || *s == '"' || *s == '\'' || *s == '\\')
			return true;
	return false;
}

void print_word(FILE *f, const char *s, bool always)
{
	if (!always && !word_needs_quotes(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

bool text_printable(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	if (s[len] != '\0')
		return false;
	while (i < len) {
		size_t n = utf8_seq_len(s + i);

		if (n == 0 || s[i] == 0x7f ||
		    (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' &&
		     s[i] != '\r'))
			return false;	/* a NUL inside too */
		i += n;
	}
	return true;
}

void print_wire_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n = utf8_seq_len(s);

		if (*s == '"' || *s == '\\') {
			fprintf(f, "\\%c", *s);
		} else if (n == 0 || *s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\x%02x", *s);
			n = 1;
		} else {
			fwrite(s, 1, n, f);
		}
		s += n;
	}
	fputc('"', f);
}
