/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The answer to a command, published QoS 1, not retained, on the
 * command's Response Topic or the broker's reply-topic.
 *
 * MQTT 5: the CoAP response's payload, its Content-Format as Content
 * Type (if iotgwd knows it), the command's Correlation Data, and the user
 * properties coap-status (response, timeout, reset, unreachable,
 * unroutable, busy or error), coap-code ("2.04", responses only),
 * coap-transmissions (when the request was sent) and coap-error (a short
 * text: unroutable, busy, error).
 *
 * MQTT 3.1.1: one JSON object, {"status":"response","code":"2.04",
 * "content_format":0,"payload":"ok","transmissions":1} ("payload_hex"
 * instead when the payload is not UTF-8 text) or {"status":"unroutable",
 * "error":"no device serves cabinet/7/door"}.
 */
#ifndef IOTGWD_ANSWER_H
#define IOTGWD_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "command.h"

/* What the kernel (or iotgwd) says about a command. */
struct command_outcome {
	enum command_status status;
	unsigned int code;		/* RESPONSE: class << 5 | detail */
	uint32_t transmissions;		/* 0: not sent */
	int content_format;		/* -1: none */
	const void *payload;
	size_t payload_len;
	const char *error;		/* UNROUTABLE, BUSY, ERROR */
};

#define ANSWER_PROPS_MAX	4

struct answer {
	uint64_t id;			/* the command's */
	char *broker;			/* where it goes */
	char *topic;
	enum command_status status;
	void *payload;
	size_t payload_len;
	const char *content_type;	/* static, NULL: none */
	void *correlation;
	size_t correlation_len;
	bool mqtt5;
	struct broker_property props[ANSWER_PROPS_MAX];
	size_t n_props;
	char code[8], transmissions[12];
	char *error;
};

/*
 * The answer to @c (which may be freed after) for @o. NULL when out of
 * memory; a->topic NULL when the command is answered nowhere (no
 * Response Topic, no reply-topic).
 */
struct answer *answer_new(const struct command *c,
			  const struct command_outcome *o);
void answer_free(struct answer *a);

/* The message to publish for @a; it points into @a. */
void answer_message(const struct answer *a, struct broker_message *m);

/* Whether @data is UTF-8 text (no NUL): JSON "payload", else "payload_hex". */
bool answer_is_text(const void *data, size_t len);

#endif /* IOTGWD_ANSWER_H */
