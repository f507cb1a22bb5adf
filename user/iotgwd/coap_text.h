/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CoAP values as iotgwd's configuration and its commands write them: a
 * device's address "coap://10.10.1.2:5683" or "coap://[fd00:1::2]" (a
 * literal address, RFC 7252 6.1; host names are not resolved), the
 * methods get, post, put and delete, a response code as "2.04".
 */
#ifndef IOTGWD_COAP_TEXT_H
#define IOTGWD_COAP_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define COAP_TEXT_DEFAULT_PORT	5683
/* "[" IPv6 "]:" port, NUL */
#define COAP_TEXT_ADDR_LEN	(46 + 9)

/* The request codes iotgwd sends. */
enum coap_text_method {
	COAP_METHOD_GET = 1,
	COAP_METHOD_POST = 2,
	COAP_METHOD_PUT = 3,
	COAP_METHOD_DELETE = 4,
};

struct coap_address {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order: 4 or 16 bytes of it */
	uint16_t port;		/* host order */
};

/*
 * Parse "coap://ADDR[:PORT][/]": ADDR an IPv4 address or an IPv6 address
 * in brackets, unicast, PORT 1 to 65535 (default 5683). Returns 0, or
 * -EINVAL with the reason in @why.
 */
int coap_address_parse(const char *text, struct coap_address *out, char *why,
		       size_t len);
/* "10.10.1.2:5683" or "[fd00:1::2]:5683". */
void coap_address_text(const struct coap_address *a, char *buf, size_t len);

/* get, post, put or delete (any case): the code, or -1. */
int coap_method_parse(const char *word);
/* "GET", "POST", "PUT", "DELETE", or "0.NN". */
const char *coap_method_name(unsigned int code, char *buf, size_t len);

/* A response code as class.detail: "2.04" for 0x44. */
void coap_code_text(unsigned int code, char *buf, size_t len);

#endif /* IOTGWD_COAP_TEXT_H */
