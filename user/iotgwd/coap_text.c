// SPDX-License-Identifier: GPL-2.0
/* CoAP addresses, methods and codes as text. */
#include "coap_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define SCHEME "coap://"

static const char *const method_names[] = {
	[COAP_METHOD_GET] = "get",
	[COAP_METHOD_POST] = "post",
	[COAP_METHOD_PUT] = "put",
	[COAP_METHOD_DELETE] = "delete",
};

static int fail(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return -EINVAL;
}

static bool unicast(const struct coap_address *a)
{
	if (a->family == AF_INET)
		return a->addr[0] != 0 && a->addr[0] < 224;
	if (a->addr[0] == 0xff)
		return false;	/* multicast */
	for (int i = 0; i < 16; i++)
		if (a->addr[i])
			return true;
	return false;		/* :: */
}

/* The digits after ":" up to the end or "/"; *end after them. */
static int parse_port(const char *s, uint16_t *port, const char **end,
		      char *why, size_t len)
{
	size_t n = strcspn(s, "/?#");
	unsigned long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || i > 5) {
			v = 0;
			break;
		}
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535) {
		snprintf(why, len, "the port \"%.*s\" is not a number from 1 to 65535",
			 (int)n, s);
		return -EINVAL;
	}
	*port = (uint16_t)v;
	*end = s + n;
	return 0;
}

int coap_address_parse(const char *text, struct coap_address *out, char *why,
		       size_t len)
{
	char host[64];
	const char *s, *rest;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->port = COAP_TEXT_DEFAULT_PORT;
	if (strncmp(text, SCHEME, strlen(SCHEME)))
		return fail(why, len, "not a coap:// address (coap://ADDRESS[:PORT])");
	s = text + strlen(SCHEME);
	if (*s == '[') {
		rest = strchr(s, ']');
		if (!rest)
			return fail(why, len, "\"[\" without \"]\"");
		n = (size_t)(rest - s - 1);
		rest++;
		out->family = AF_INET6;
	} else {
		n = strcspn(s, ":/?#");
		rest = s + n;
		out->family = AF_INET;
		if (memchr(s, '@', n))
			return fail(why, len, "no user information in a device address");
	}
	if (!n || n >= sizeof(host))
		return fail(why, len, "no address");
	memcpy(host, out->family == AF_INET6 ? s + 1 : s, n);
	host[n] = '\0';
	if (inet_pton(out->family, host, out->addr) != 1)
		return fail(why, len, out->family == AF_INET6 ?
			    "not an IPv6 address in brackets" :
			    "not an IPv4 address, nor an IPv6 address in brackets (host names are not resolved)");
	if (!unicast(out))
		return fail(why, len, "not a unicast address");
	if (*rest == ':' &&
	    parse_port(rest + 1, &out->port, &rest, why, len))
		return -EINVAL;
	if (*rest && strcmp(rest, "/"))
		return fail(why, len, "a device address has no path, query or fragment");
	return 0;
}

void coap_address_text(const struct coap_address *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->addr, host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
		 a->port);
}

int coap_method_parse(const char *word)
{
	for (size_t i = 1; i < sizeof(method_names) / sizeof(method_names[0]);
	     i++)
		if (!strcasecmp(word, method_names[i]))
			return (int)i;
	return -1;
}

const char *coap_method_name(unsigned int code, char *buf, size_t len)
{
	static const char *const upper[] = {
		[COAP_METHOD_GET] = "GET",
		[COAP_METHOD_POST] = "POST",
		[COAP_METHOD_PUT] = "PUT",
		[COAP_METHOD_DELETE] = "DELETE",
	};

	if (code >= COAP_METHOD_GET && code <= COAP_METHOD_DELETE)
		return upper[code];
	snprintf(buf, len, "0.%02u", code & 0x1f);
	return buf;
}

void coap_code_text(unsigned int code, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%02u", (code >> 5) & 7, code & 0x1f);
}
