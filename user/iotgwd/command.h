/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A command from the cloud: an MQTT message on a broker's command-topic,
 * what iotgwd keeps of it until it is answered. Its path is what the
 * filter's "#" matched (cmd/gw-0001/cabinet/7/door: cabinet/7/door), the
 * CoAP request's Uri-Path; its payload the request's. With MQTT 5 the
 * user property coap-method overrides the broker's command-method, the
 * Content Type gives the Content-Format, the Response Topic (else the
 * broker's reply-topic) and the Correlation Data say where the answer
 * goes and what it carries back. With MQTT 3.1.1 the answer goes to the
 * reply-topic.
 */
#ifndef IOTGWD_COMMAND_H
#define IOTGWD_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/iotgw.h>

#include "broker.h"
#include "config.h"

/* How a command ended: the kernel's four, then iotgwd's own. */
enum command_status {
	COMMAND_RESPONSE = IOTGW_COAP_STATUS_RESPONSE,
	COMMAND_TIMEOUT = IOTGW_COAP_STATUS_TIMEOUT,
	COMMAND_RESET = IOTGW_COAP_STATUS_RESET,
	COMMAND_UNREACHABLE = IOTGW_COAP_STATUS_UNREACHABLE,
	COMMAND_UNROUTABLE,	/* no device serves its path */
	COMMAND_BUSY,		/* too many commands pending */
	COMMAND_ERROR,		/* it could not be sent */
};

/* "response", "timeout", ...: the coap-status of an answer. */
const char *command_status_name(enum command_status status);

#define COMMAND_PROBLEM_LEN	160

struct command {
	uint64_t id;		/* iotgwd's, the kernel request's COOKIE */
	char *broker;		/* the one it came from, to answer on */
	int mqtt_version;	/* of that broker */
	char *topic;
	char *path;		/* "" when "#" matched nothing */
	uint8_t method;		/* enum coap_text_method */
	bool confirmable;
	uint32_t timeout_ms;	/* 0: the kernel's deadline */
	int content_format;	/* -1: none */
	void *payload;
	size_t payload_len;
	char *reply_topic;	/* NULL: answered nowhere */
	void *correlation;	/* MQTT 5 Correlation Data, NULL: none */
	size_t correlation_len;
	/* Not empty: it cannot be carried out, answered with this error. */
	char problem[COMMAND_PROBLEM_LEN];
};

/*
 * The command in @m, delivered on @b's command-topic (@m's topic must
 * match b->command_filter): always one (with problem[] set if it is
 * wrong), or NULL when out of memory.
 */
struct command *command_from_message(const struct broker_cfg *b,
				     const char *gateway_id,
				     const struct broker_incoming *m,
				     uint64_t id);
void command_free(struct command *c);

#endif /* IOTGWD_COMMAND_H */
