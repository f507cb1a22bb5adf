/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topics, one namespace for CoAP and MQTT: a CoAP Uri-Path "a/b/c" and the
 * MQTT topic "a/b/c" are the same topic. Topic names (what a message is
 * published to) and topic filters (what a rule matches, with "+" for one
 * level and "#" for the rest) follow MQTT 3.1.1 section 4.7 and MQTT 5.0
 * section 4.7: UTF-8 (no overlong forms, no surrogates, nothing above
 * U+10FFFF), no U+0000, 1 to 65535 bytes; "#" only as the whole last level,
 * "+" only as a whole level, neither in a name.
 */
#ifndef _IOTGW_PROTO_TOPIC_H
#define _IOTGW_PROTO_TOPIC_H

#include "../compat.h"

#define TOPIC_MAX_LEN 65535

enum topic_err {
	TOPIC_OK = 0,
	TOPIC_ERR_EMPTY,	/* zero length */
	TOPIC_ERR_TOO_LONG,	/* more than TOPIC_MAX_LEN bytes */
	TOPIC_ERR_UTF8,		/* not well-formed UTF-8 */
	TOPIC_ERR_NUL,		/* contains U+0000 */
	TOPIC_ERR_WILDCARD,	/* "+" or "#" in a topic name */
	TOPIC_ERR_PLUS,		/* "+" not a whole level of a filter */
	TOPIC_ERR_HASH,		/* "#" not the whole last level of a filter */
	__TOPIC_ERR_MAX
};

/* Well-formed UTF-8 per RFC 3629 (which MQTT requires). */
bool topic_utf8_valid(const u8 *s, size_t len);

/* Check a topic name (PUBLISH, CoAP Uri-Path joined with "/"). */
enum topic_err topic_name_check(const char *s, size_t len);

/* Check a topic filter (rules, SUBSCRIBE). */
enum topic_err topic_filter_check(const char *s, size_t len);

/* A short English reason for @err, for extack and CLI messages. */
const char *topic_err_str(enum topic_err err);

/* What topic_scan() found in a string: a mask of these. */
#define TOPIC_SCAN_NUL		0x01	/* U+0000 */
#define TOPIC_SCAN_SLASH	0x02	/* '/' */
#define TOPIC_SCAN_PLUS		0x04	/* '+' */
#define TOPIC_SCAN_HASH		0x08	/* '#' */
#define TOPIC_SCAN_WILDCARD	(TOPIC_SCAN_PLUS | TOPIC_SCAN_HASH)
#define TOPIC_SCAN_NON_ASCII	0x10	/* a byte above 0x7f */
#define TOPIC_SCAN_UTF8		0x20	/* not well-formed UTF-8 */

/* TOPIC_SCAN_* bit of each byte value (NUL, '/', '+', '#', non-ASCII). */
extern const u8 topic_byte_class[256];

/*
 * One pass over @s[0..@len): the TOPIC_SCAN_* bits of the characters it
 * holds, and TOPIC_SCAN_UTF8 if it is not well-formed UTF-8 (checked only
 * when a byte is not ASCII). The checks above, for the parsers' fast paths.
 */
static inline u32 topic_scan(const u8 *s, size_t len)
{
	const u8 *t = topic_byte_class, *p = s;
	size_t n = len;
	u8 m = 0;

	for (; n >= 8; n -= 8, p += 8)
		m |= t[p[0]] | t[p[1]] | t[p[2]] | t[p[3]] |
		     t[p[4]] | t[p[5]] | t[p[6]] | t[p[7]];
	if (n & 4) {
		m |= t[p[0]] | t[p[1]] | t[p[2]] | t[p[3]];
		p += 4;
	}
	if (n & 2) {
		m |= t[p[0]] | t[p[1]];
		p += 2;
	}
	if (n & 1)
		m |= t[p[0]];
	if (unlikely(m & TOPIC_SCAN_NON_ASCII) && !topic_utf8_valid(s, len))
		return m | TOPIC_SCAN_UTF8;
	return m;
}

#endif /* _IOTGW_PROTO_TOPIC_H */
