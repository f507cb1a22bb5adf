// SPDX-License-Identifier: GPL-2.0
/* iotgwctl coap: coap:// URIs, methods, content formats, code names. */
#include "coap_uri.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "parse.h"

static const struct word_map method_words[] = {
	{ "get", 1 }, { "post", 2 }, { "put", 3 }, { "delete", 4 },
	{ "fetch", 5 }, { "patch", 6 }, { "ipatch", 7 },
	{ NULL, 0 },
};

static const struct word_map format_words[] = {
	{ "text", 0 }, { "link", 40 }, { "xml", 41 }, { "octets", 42 },
	{ "exi", 47 }, { "json", 50 }, { "cbor", 60 },
	{ NULL, 0 },
};

/* RFC 7252 12.1.2, by class << 5 | detail. */
static const struct word_map code_names[] = {
	{ "Created", 0x41 },
	{ "Deleted", 0x42 },
	{ "Valid", 0x43 },
	{ "Changed", 0x44 },
	{ "Content", 0x45 },
	{ "Continue", 0x5f },
	{ "Bad Request", 0x80 },
	{ "Unauthorized", 0x81 },
	{ "Bad Option", 0x82 },
	{ "Forbidden", 0x83 },
	{ "Not Found", 0x84 },
	{ "Method Not Allowed", 0x85 },
	{ "Not Acceptable", 0x86 },
	{ "Request Entity Incomplete", 0x88 },
	{ "Precondition Failed", 0x8c },
	{ "Request Entity Too Large", 0x8d },
	{ "Unsupported Content-Format", 0x8f },
	{ "Internal Server Error", 0xa0 },
	{ "Not Implemented", 0xa1 },
	{ "Bad Gateway", 0xa2 },
	{ "Service Unavailable", 0xa3 },
	{ "Gateway Timeout", 0xa4 },
	{ "Proxying Not Supported", 0xa5 },
	{ NULL, 0 },
};

static int fail(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * RFC 3986 pchar without pct-encoded, and without "+", which is a
 * sub-delim there but an MQTT wildcard in a topic.
 */
static bool path_char(char c)
{
	return c && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		     (c >= '0' && c <= '9') || strchr("-._~!$&'()*,;=:@", c));
}

/* Check the segment that ends at path[len], written @raw_len bytes at @raw. */
static int check_segment(const char *path, size_t start, size_t len,
			 const char *raw, size_t raw_len, const char *whole,
			 char *why, size_t size)
{
	size_t n = len - start;

	if (n == 0)
		return fail(why, size, "empty segment in the path \"%s\"", whole);
	if (n > COAP_SEGMENT_MAX)
		return fail(why, size,
			    "path segment \"%.16s...\" is longer than %d bytes",
			    raw, COAP_SEGMENT_MAX);
	if ((n == 1 && path[start] == '.') ||
	    (n == 2 && path[start] == '.' && path[start + 1] == '.'))
		return fail(why, size, "path segment \"%.*s\" is not allowed",
			    (int)raw_len, raw);
	return 0;
}

/* The path after "coap://ADDR[:PORT]/", decoded and checked into @path. */
static int parse_path(const char *s, char *path, char *why, size_t size)
{
	const char *whole = s, *seg = s;
	size_t len = 0, start = 0;
	int err;

	for (;;) {
		unsigned char byte[4];
		bool separator = false;
		size_t n = 1;

		if (*s == '/' || *s == '\0') {
			err = check_segment(path, start, len, seg,
					    (size_t)(s - seg), whole, why, size);
			if (err)
				return err;
			if (*s == '\0')
				break;
			byte[0] = '/';
			separator = true;
			seg = ++s;
		} else if (*s == '%') {
			int hi = hex_digit(s[1]), lo = hi < 0 ? -1 : hex_digit(s[2]);

			if (lo < 0)
				return fail(why, size,
					    "\"%.3s\" is not a percent-encoded byte",
					    s);
			byte[0] = (unsigned char)(hi << 4 | lo);
			if (byte[0] == '\0')
				return fail(why, size,
					    "\"%.3s\" (a NUL) cannot be sent", s);
			if (byte[0] == '/')
				return fail(why, size,
					    "\"%.3s\" (a \"/\" inside a segment) cannot be sent",
					    s);
			if (byte[0] == '+' || byte[0] == '#')
				return fail(why, size,
					    "\"%.3s\" is \"%c\", which is not allowed in the path",
					    s, byte[0]);
			s += 3;
		} else if (*s == '+') {
			return fail(why, size,
				    "\"+\" is not allowed in the path \"%s\"",
				    whole);
		} else if (path_char(*s)) {
			byte[0] = (unsigned char)*s++;
		} else if ((unsigned char)*s >= 0x80) {
			n = utf8_seq_len((const unsigned char *)s);
			if (n == 0)
				return fail(why, size,
					    "the path \"%s\" is not UTF-8", whole);
			memcpy(byte, s, n);
			s += n;
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			return fail(why, size,
				    "byte 0x%02x is not allowed in a URI (percent-encode it)",
				    (unsigned char)*s);
		} else {
			return fail(why, size,
				    "\"%c\" is not allowed in a URI (percent-encode it)",
				    *s);
		}
		if (len + n > COAP_PATH_MAX)
			return fail(why, size, "the path is longer than %d bytes",
				    COAP_PATH_MAX);
		memcpy(path + len, byte, n);
		len += n;
		if (separator)
			start = len;
	}
	path[len] = '\0';
	return 0;
}

/*
 * The query after "?", decoded into @query: arguments separated by "&"
 * (RFC 7252 6.4, step 8), each at most COAP_SEGMENT_MAX bytes.
 */
static int parse_query(const char *s, char *query, char *why, size_t size)
{
	const char *whole = s;
	size_t len = 0, start = 0;

	for (; *s; s++) {
		char c = *s;

		if (c == '%') {
			int hi = hex_digit(s[1]), lo = hi < 0 ? -1 : hex_digit(s[2]);

			if (lo < 0)
				return fail(why, size,
					    "\"%.3s\" is not a percent-encoded byte",
					    s);
			c = (char)(hi << 4 | lo);
			if (c == '\0' || c == '&')
				return fail(why, size,
					    "\"%.3s\" cannot be sent in the query \"%s\"",
					    s, whole);
			s += 2;
		} else if (c == '#') {
			return fail(why, size,
				    "fragment \"%s\" is not allowed", s);
		} else if (!path_char(c) && c != '/' && c != '?' && c != '+') {
			return fail(why, size,
				    "\"%c\" is not allowed in a URI (percent-encode it)",
				    c);
		} else if (c == '&') {
			start = len + 1;
		}
		if (len - start >= COAP_SEGMENT_MAX && c != '&')
			return fail(why, size,
				    "query argument \"%.16s...\" is longer than %d bytes",
				    query + start, COAP_SEGMENT_MAX);
		if (len >= COAP_PATH_MAX)
			return fail(why, size, "the query is longer than %d bytes",
				    COAP_PATH_MAX);
		query[len++] = c;
	}
	query[len] = '\0';
	return 0;
}

/* PORT of "coap://ADDR:PORT", the @n bytes at @s; empty: the default. */
static int parse_uri_port(const char *s, size_t n, uint16_t *port, char *why,
			  size_t size)
{
	unsigned long v = 0;
	size_t i;

	*port = COAP_DEFAULT_PORT;
	if (n == 0)
		return 0;	/* RFC 7252 6.1: empty means the default */
	for (i = 0; i < n && i < 6; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i != n || v < 1 || v > 65535)
		return fail(why, size,
			    "port \"%.*s\" is not a number from 1 to 65535",
			    (int)n, s);
	*port = (uint16_t)v;
	return 0;
}

/* coap_uri_parse() of a URI without a query, its scheme checked. */
static int coap_uri_parse_base(const char *uri, struct coap_uri *out,
			       char *why, size_t size)
{
	static const char scheme[] = "coap://";
	const char *auth, *end, *host, *host_end, *p, *at;
	char buf[INET6_ADDRSTRLEN];
	size_t host_len;
	int err;

	auth = uri + sizeof(scheme) - 1;
	p = auth + strcspn(auth, "#");
	if (*p == '#')
		return fail(why, size,
			    "fragment \"%s\" is not allowed (nor is \"#\" in the path)",
			    p);
	end = auth + strcspn(auth, "/");
	if (end == auth)
		return fail(why, size, "no address after coap://");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at)
		return fail(why, size,
			    "user information \"%.*s\" is not supported",
			    (int)(at - auth + 1), auth);

	if (*auth == '[') {
		out->family = AF_INET6;
		host = auth + 1;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (!host_end)
			return fail(why, size, "\"%.*s\" has no closing \"]\"",
				    (int)(end - auth), auth);
		p = host_end + 1;
	} else {
		const char *colon = memchr(auth, ':', (size_t)(end - auth));

		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return fail(why, size,
				    "IPv6 address \"%.*s\" must be in brackets",
				    (int)(end - auth), auth);
		out->family = AF_INET;
		host = auth;
		host_end = colon ? colon : end;
		p = host_end;
		if (host_end == host)
			return fail(why, size, "no address after coap://");
	}
	if (p < end && *p != ':')
		return fail(why, size,
			    "\"%.*s\" after the address is not a port",
			    (int)(end - p), p);
	host_len = (size_t)(host_end - host);
	if (host_len < sizeof(buf)) {
		memcpy(buf, host, host_len);
		buf[host_len] = '\0';
	}
	if (host_len >= sizeof(buf) ||
	    inet_pton(out->family, buf, out->addr) != 1) {
		if (out->family == AF_INET6)
			return fail(why, size, "\"%.*s\" is not an IPv6 address",
				    (int)host_len, host);
		return fail(why, size,
			    "host \"%.*s\" is not an IPv4 address nor an IPv6 address in brackets (names are not resolved)",
			    (int)host_len, host);
	}
	err = parse_uri_port(p + (p < end), (size_t)(end - p - (p < end)),
			     &out->port, why, size);
	if (err)
		return err;
	out->path[0] = '\0';
	if (*end == '/' && end[1] != '\0')
		return parse_path(end + 1, out->path, why, size);
	return 0;
}

int coap_uri_parse(const char *uri, struct coap_uri *out, char *why,
		   size_t size)
{
	static const char scheme[] = "coap://";
	const char *p;
	char *copy;
	int err;

	if (strncasecmp(uri, scheme, sizeof(scheme) - 1)) {
		p = strstr(uri, "://");
		if (p && p > uri && p - uri <= 32)
			return fail(why, size, "scheme \"%.*s\" is not coap",
				    (int)(p - uri), uri);
		return fail(why, size, "it does not start with coap://");
	}
	p = uri + strcspn(uri, "?#");
	out->query[0] = '\0';
	if (*p != '?')
		return coap_uri_parse_base(uri, out, why, size);
	err = parse_query(p + 1, out->query, why, size);
	if (err)
		return err;
	/* the rest, up to the query, as if that were all */
	copy = strndup(uri, (size_t)(p - uri));
	if (!copy)
		return fail(why, size, "out of memory");
	err = coap_uri_parse_base(copy, out, why, size);
	free(copy);
	return err;
}

int coap_method_parse(const char *word)
{
	int v = word_value(method_words, word);
	uint32_t n;

	if (v >= 0)
		return v;
	if (parse_u32(word, &n) || n < 1 || n > 31)
		return -1;
	return (int)n;
}

int coap_format_parse(const char *word)
{
	int v = word_value(format_words, word);
	uint32_t n;

	if (v >= 0)
		return v;
	if (parse_u32(word, &n) || n > 65535)
		return -1;
	return (int)n;
}

void coap_code_digits(unsigned int code, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%02u", (code >> 5) & 7, code & 0x1f);
}

const char *coap_code_name(unsigned int code)
{
	return word_name(code_names, (int)code);
}
