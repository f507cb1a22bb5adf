/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One message of the kernel's QoS queue (IOTGW_CMD_QUEUE_MSG), and what
 * the MQTT 5 properties say about it as text: the sensor's address, the
 * protocol, the receive time, the content type.
 */
#ifndef IOTGWD_MESSAGE_H
#define IOTGWD_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/iotgw.h>

struct queue_msg {
	uint64_t id;
	uint8_t qos;
	uint8_t proto;			/* IOTGW_PROTO_COAP or _MQTT */
	char rule[IOTGW_RULE_NAME_MAX];
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t src[16];
	uint16_t src_port;
	char *topic;			/* owned */
	void *payload;			/* owned, NULL when empty */
	size_t payload_len;
	int content_format;		/* -1: none */
	uint64_t time_ns;		/* CLOCK_REALTIME */
	uint32_t attempts;
	/*
	 * IOTGW_CONFIRM_STORE or _CLOUD: a sensor awaits the ack (durable,
	 * confirmed by the broker); IOTGW_CONFIRM_ADMIT: nobody waits.
	 */
	uint8_t confirm;
};

void queue_msg_free(struct queue_msg *m);

/* "coap", "mqtt" or "any". */
const char *message_proto_name(uint8_t proto);

/* The MIME type of a CoAP Content-Format, or NULL when it has none here. */
const char *message_content_type(int content_format);
/* The other way (any case), or -1 for a type without a Content-Format. */
int message_content_format(const char *content_type);

#define MESSAGE_ADDR_LEN	46	/* INET6_ADDRSTRLEN */
#define MESSAGE_TIME_LEN	32

/* The sensor's address as text; "?" when the family is unknown. */
void message_src_text(const struct queue_msg *m, char *buf, size_t len);

/* @time_ns as RFC 3339 UTC with milliseconds: 2025-01-31T12:00:00.123Z */
void message_time_text(uint64_t time_ns, char *buf, size_t len);

#endif /* IOTGWD_MESSAGE_H */
