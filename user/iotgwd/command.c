// SPDX-License-Identifier: GPL-2.0
/* A command from the cloud: an MQTT message read into a CoAP request. */
#include "command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap_text.h"
#include "message.h"
#include "template.h"
#include "topic_match.h"

static const char *const status_names[] = {
	[COMMAND_RESPONSE] = "response",
	[COMMAND_TIMEOUT] = "timeout",
	[COMMAND_RESET] = "reset",
	[COMMAND_UNREACHABLE] = "unreachable",
	[COMMAND_UNROUTABLE] = "unroutable",
	[COMMAND_BUSY] = "busy",
	[COMMAND_ERROR] = "error",
};

const char *command_status_name(enum command_status status)
{
	if ((size_t)status < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[status];
	return "error";
}

void command_free(struct command *c)
{
	if (!c)
		return;
	free(c->broker);
	free(c->topic);
	free(c->path);
	free(c->payload);
	free(c->reply_topic);
	free(c->correlation);
	free(c);
}

static void *copy(const void *data, size_t len)
{
	void *p = malloc(len ? len : 1);

	if (p && len)
		memcpy(p, data, len);
	return p;
}

/* The MQTT 5 user property @name, or NULL. */
static const char *user_property(const struct broker_incoming *m,
				 const char *name)
{
	for (size_t i = 0; i < m->n_user_props; i++)
		if (!strcmp(m->user_props[i].name, name))
			return m->user_props[i].value;
	return NULL;
}

static char *reply_topic(const struct broker_cfg *b, const char *gateway_id,
			 const char *path)
{
	struct template_vars v = { .value = {
		[TEMPLATE_GATEWAY] = gateway_id, [TEMPLATE_PATH] = path,
	} };

	return template_expand(&b->reply_tmpl, &v);
}

struct command *command_from_message(const struct broker_cfg *b,
				     const char *gateway_id,
				     const struct broker_incoming *m,
				     uint64_t id)
{
	struct command *c = calloc(1, sizeof(*c));
	const char *path, *method;

	if (!c)
		return NULL;
	c->id = id;
	c->mqtt_version = b->mqtt_version;
	c->method = b->command_method;
	c->confirmable = b->command_confirmable;
	c->timeout_ms = b->command_timeout_ms;
	c->content_format = -1;
	path = topic_skip_levels(m->topic, b->command_levels);
	c->broker = strdup(b->name);
	c->topic = strdup(m->topic);
	c->path = strdup(path ? path : "");
	c->payload = copy(m->payload, m->payload_len);
	if (!c->broker || !c->topic || !c->path || !c->payload)
		goto nomem;
	c->payload_len = m->payload_len;
	if (m->response_topic)
		c->reply_topic = strdup(m->response_topic);
	else if (b->reply_topic)
		c->reply_topic = reply_topic(b, gateway_id, c->path);
	if ((m->response_topic || b->reply_topic) && !c->reply_topic)
		goto nomem;
	if (m->correlation_data) {
		c->correlation = copy(m->correlation_data, m->correlation_len);
		if (!c->correlation)
			goto nomem;
		c->correlation_len = m->correlation_len;
	}
	if (m->content_type)
		c->content_format = message_content_format(m->content_type);
	method = user_property(m, "coap-method");
	if (method) {
		int code = coap_method_parse(method);

		if (code < 0)
			snprintf(c->problem, sizeof(c->problem),
				 "coap-method \"%.40s\" is not get, post, put or delete",
				 method);
		else
			c->method = (uint8_t)code;
	}
	if (m->retain)
		snprintf(c->problem, sizeof(c->problem),
			 "a retained command is not carried out (it would be again on every subscription)");
	else if (m->payload_len > IOTGW_COAP_REQ_MSG_MAX)
		snprintf(c->problem, sizeof(c->problem),
			 "the payload is %zu bytes long, a CoAP request takes at most %d",
			 m->payload_len, IOTGW_COAP_REQ_MSG_MAX);
	return c;
nomem:
	command_free(c);
	return NULL;
}
