/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iotgwctl coap: the pure parts of "coap request": coap:// URIs with a
 * literal address (RFC 7252 6.1 and 6.4), method and content format
 * words, response code names. Nothing here prints an error or talks to
 * the kernel, so user/tests/cli_parse_test.c can test all of it.
 */
#ifndef IOTGWCTL_COAP_URI_H
#define IOTGWCTL_COAP_URI_H

#include <stddef.h>
#include <stdint.h>

#include <linux/iotgw.h>

#define COAP_DEFAULT_PORT	5683
#define COAP_SEGMENT_MAX	255	/* bytes of one Uri-Path option */
#define COAP_PATH_MAX		IOTGW_COAP_REQ_MSG_MAX

struct coap_uri {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* 4 or 16 bytes, network order */
	uint16_t port;			/* COAP_DEFAULT_PORT unless given */
	/* the segments, percent-decoded, joined with '/'; "" for none */
	char path[COAP_PATH_MAX + 1];
	/* the query's arguments, percent-decoded, joined with '&'; "" none */
	char query[COAP_PATH_MAX + 1];
};

/*
 * Parse "coap://ADDR[:PORT][/SEG[/SEG...]][?ARG[&ARG...]]": ADDR an IPv4
 * address or an IPv6 address in brackets (host names are not resolved),
 * PORT 1 to 65535 (empty or left out: 5683), no fragment or user
 * information. Each query argument is at most 255 bytes once
 * percent-decoded, and cannot hold an encoded "&" or NUL.
 * Each segment is 1 to 255 bytes once percent-decoded, neither "." nor
 * ".." and without "+" or "#" (MQTT wildcards, which a topic cannot
 * hold); "coap://ADDR/" has no path. Returns 0, or -EINVAL with what is
 * wrong, naming the offending part, in @why (@size bytes).
 */
int coap_uri_parse(const char *uri, struct coap_uri *out, char *why,
		   size_t size);

/*
 * A request code: get, post, put, delete, fetch, patch or ipatch, or a
 * number from 1 to 31 (0.01 to 0.31). The code, or -1.
 */
int coap_method_parse(const char *word);

/*
 * A Content-Format: text (0), link (40), xml (41), octets (42), exi (47),
 * json (50) or cbor (60), or a number from 0 to 65535. It, or -1.
 */
int coap_format_parse(const char *word);

/* "2.05" for 0x45: class.detail, the detail in two digits. */
void coap_code_digits(unsigned int code, char *buf, size_t size);

/* RFC 7252's name of a response code ("Content" for 2.05), or NULL. */
const char *coap_code_name(unsigned int code);

#endif /* IOTGWCTL_COAP_URI_H */
