// SPDX-License-Identifier: GPL-2.0
/* A queued message's metadata as the text the cloud sees. */
#include "message.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
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
const char *message_content_type(int content_format)
{
	switch (content_format) {
	case 0:
		return "text/plain;charset=utf-8";
	case 40:
		return "application/link-format";
	case 41:
		return "application/xml";
	case 42:
		return "application/octet-stream";
	case 47:
		return "application/exi";
	case 50:
		return "application/json";
	case 60:
		return "application/cbor";
	default:
		return NULL;
	}
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
