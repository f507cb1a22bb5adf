// SPDX-License-Identifier: GPL-2.0
/* Topic name and filter validation, shared by the parsers and the rules. */
#include "topic.h"

bool topic_utf8_valid(const u8 *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		u8 c = s[i];
		u32 cp;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;	/* continuation, 0xc0/0xc1 or > 0xf4 */
		}
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* overlong three and four byte forms, surrogates, > U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n + 1;
	}
	return true;
}

const u8 topic_byte_class[256] = {
	[0] = TOPIC_SCAN_NUL,
	['#'] = TOPIC_SCAN_HASH,
	['+'] = TOPIC_SCAN_PLUS,
	['/'] = TOPIC_SCAN_SLASH,
	[0x80 ... 0xff] = TOPIC_SCAN_NON_ASCII,
};

/* The checks names and filters share; *@scan gets the topic_scan() bits. */
static enum topic_err topic_common_check(const char *s, size_t len, u32 *scan)
{
	u32 m;

	if (!len)
		return TOPIC_ERR_EMPTY;
	if (len > TOPIC_MAX_LEN)
		return TOPIC_ERR_TOO_LONG;
	m = topic_scan((const u8 *)s, len);
	*scan = m;
	if (m & TOPIC_SCAN_NUL)
		return TOPIC_ERR_NUL;
	if (m & TOPIC_SCAN_UTF8)
		return TOPIC_ERR_UTF8;
	return TOPIC_OK;
}

enum topic_err topic_name_check(const char *s, size_t len)
{
	enum topic_err err;
	u32 m;

	err = topic_common_check(s, len, &m);
	if (err)
		return err;
	if (m & TOPIC_SCAN_WILDCARD)
		return TOPIC_ERR_WILDCARD;
	return TOPIC_OK;
}

enum topic_err topic_filter_check(const char *s, size_t len)
{
	enum topic_err err;
	size_t i;
	u32 m;

	err = topic_common_check(s, len, &m);
	if (err)
		return err;
	if (!(m & TOPIC_SCAN_WILDCARD))
		return TOPIC_OK;
	for (i = 0; i < len; i++) {
		bool starts_level = i == 0 || s[i - 1] == '/';
		bool ends_level = i + 1 == len || s[i + 1] == '/';

		if (s[i] == '+' && !(starts_level && ends_level))
			return TOPIC_ERR_PLUS;
		if (s[i] == '#' && !(starts_level && i + 1 == len))
			return TOPIC_ERR_HASH;
	}
	return TOPIC_OK;
}

const char *topic_err_str(enum topic_err err)
{
	static const char * const reasons[__TOPIC_ERR_MAX] = {
		[TOPIC_OK] = "valid",
		[TOPIC_ERR_EMPTY] = "empty topic",
		[TOPIC_ERR_TOO_LONG] = "topic longer than 65535 bytes",
		[TOPIC_ERR_UTF8] = "topic is not valid UTF-8",
		[TOPIC_ERR_NUL] = "topic contains U+0000",
		[TOPIC_ERR_WILDCARD] = "wildcard in a topic name",
		[TOPIC_ERR_PLUS] = "'+' must be a whole topic level",
		[TOPIC_ERR_HASH] = "'#' must be the whole last topic level",
	};

	if ((unsigned int)err >= __TOPIC_ERR_MAX)
		return "unknown topic error";
	return reasons[err];
}
