// SPDX-License-Identifier: GPL-2.0
/* A queued message's metadata as the text the cloud sees. */
#include "message.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

void queue_msg_free(struct queue_msg *m)
{
	if (!m)
		return;
	free(m->topic);
	free(m->payload);
	free(m);
}

const char *message_proto_name(uint8_t proto)
{
	switch (proto) {
	case IOTGW_PROTO_COAP:
		return "coap";
	case IOTGW_PROTO_MQTT:
		return "mqtt";
	default:
		return "any";
	}
}

/* RFC 7252 section 12.3 and the IANA CoAP Content-Formats registry. */
static const struct {
	int format;
	const char *type;
} content_types[] = {
	{ 0, "text/plain;charset=utf-8" },
	{ 40, "application/link-format" },
	{ 41, "application/xml" },
	{ 42, "application/octet-stream" },
	{ 47, "application/exi" },
	{ 50, "application/json" },
	{ 60, "application/cbor" },
};

#define N_CONTENT_TYPES (sizeof(content_types) / sizeof(content_types[0]))

const char *message_content_type(int content_format)
{
	for (size_t i = 0; i < N_CONTENT_TYPES; i++)
		if (content_types[i].format == content_format)
			return content_types[i].type;
	return NULL;
}

int message_content_format(const char *content_type)
{
	for (size_t i = 0; i < N_CONTENT_TYPES; i++)
		if (!strcasecmp(content_types[i].type, content_type))
			return content_types[i].format;
	return -1;
}

void message_src_text(const struct queue_msg *m, char *buf, size_t len)
{
	int af = m->family == AF_INET6 ? AF_INET6 : AF_INET;

	if ((m->family != AF_INET && m->family != AF_INET6) ||
	    !inet_ntop(af, m->src, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void message_time_text(uint64_t time_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(time_ns / 1000000000ULL);
	unsigned int ms = (unsigned int)(time_ns % 1000000000ULL / 1000000);
	struct tm tm;
	char date[24];

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%s.%03uZ", date, ms);
}
