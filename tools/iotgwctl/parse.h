/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iotgwctl's pure parsing helpers: keyword tables, numbers, rule names,
 * the words of a batch line and quoting on output. Nothing here prints an
 * error or talks to the kernel, so user/tests/cli_parse_test.c can test
 * all of it.
 */
#ifndef IOTGWCTL_PARSE_H
#define IOTGWCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A word and the value it stands for; tables end with { NULL, 0 }. */
struct word_map {
	const char *word;
	int value;
};

/* The value of @word (exact match only), or -1. */
int word_value(const struct word_map *map, const char *word);
/* The word for @value, or NULL. */
const char *word_name(const struct word_map *map, int value);
/* "a, b or c" into @buf, for error messages. */
void word_choices(const struct word_map *map, char *buf, size_t size);

/*
 * A decimal or 0x-prefixed hexadecimal number, nothing else (no sign, no
 * blanks, no octal). 0 or -EINVAL (not a number, or out of range).
 */
int parse_u32(const char *s, uint32_t *out);
/* The same, 0 to UINT64_MAX. */
int parse_u64(const char *s, uint64_t *out);
/* A port number, 1 to 65535, written as parse_u32() reads it. */
int parse_port(const char *s, uint16_t *out);

/* 1 to IOTGW_RULE_NAME_MAX - 1 bytes of [A-Za-z0-9_.-]. */
bool rule_name_valid(const char *s);

/*
 * Split a batch file line into words, in place. Blanks separate words;
 * '...' quotes literally; "..." quotes with \" and \\ escapes; outside
 * quotes a backslash takes the next character literally. A line whose
 * first non-blank character is '#' is a comment (no words); '#' anywhere
 * else is an ordinary character (topic filters use it). On success
 * *argvp is a malloc()ed array of *argcp words plus a NULL, pointing into
 * @line. Returns 0, -EINVAL for an unterminated quote, -ENOMEM.
 */
int split_words(char *line, char ***argvp, int *argcp);

/*
 * Whether @s must be quoted to be read back as one word by split_words()
 * (as any word but a line's first, which must not start with '#').
 */
bool word_needs_quotes(const char *s);
/*
 * Print @s so that split_words() reads it back as one word (not the first
 * of a line): as it is, or in double quotes with " and \ escaped (always
 * quoted with @always).
 */
void print_word(FILE *f, const char *s, bool always);

/*
 * The length of the well-formed UTF-8 sequence at @s (1 to 4 bytes, no
 * overlong forms, surrogates or code points past U+10FFFF), or 0.
 */
size_t utf8_seq_len(const unsigned char *s);

/*
 * Whether the @len bytes at @s, followed by a NUL at s[len], are text to
 * print as it is: well-formed UTF-8 without control characters (other
 * than tab, newline and carriage return), DEL or NULs.
 */
bool text_printable(const char *s, size_t len);

/*
 * A string off the wire (a client id, a topic), cut where the module
 * stopped reading: print it on one line in double quotes, with " and \
 * escaped, and control characters and bytes that are not UTF-8 as \xHH.
 */
void print_wire_string(FILE *f, const char *s);

#endif /* IOTGWCTL_PARSE_H */
