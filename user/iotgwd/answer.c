// SPDX-License-Identifier: GPL-2.0
/* The answer to a command: MQTT 5 properties, or JSON for MQTT 3.1.1. */
#include "answer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "coap_text.h"
#include "config.h"
#include "message.h"
#include "proto/topic.h"

void answer_free(struct answer *a)
{
	if (!a)
		return;
	free(a->broker);
	free(a->topic);
	free(a->payload);
	free(a->correlation);
	free(a->error);
	free(a);
}

bool answer_is_text(const void *data, size_t len)
{
	return !memchr(data, '\0', len) &&
	       topic_utf8_valid((const unsigned char *)data, len);
}

static bool is_coap_outcome(enum command_status s)
{
	return s == COMMAND_RESPONSE || s == COMMAND_TIMEOUT ||
	       s == COMMAND_RESET || s == COMMAND_UNREACHABLE;
}

static void add_prop(struct answer *a, const char *name, const char *value)
{
	a->props[a->n_props++] = (struct broker_property){
		.name = name, .value = value,
	};
}

static int json_add(struct json_object *obj, const char *key,
		    struct json_object *val)
{
	if (!val || json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

static int json_add_payload(struct json_object *obj, const void *data,
			    size_t len)
{
	const unsigned char *p = data;
	char *hex;
	int rc;

	if (answer_is_text(data, len))
		return json_add(obj, "payload",
				json_object_new_string_len(data, (int)len));
	hex = malloc(2 * len + 1);
	if (!hex)
		return -1;
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", p[i]);
	hex[2 * len] = '\0';
	rc = json_add(obj, "payload_hex", json_object_new_string(hex));
	free(hex);
	return rc;
}

/* MQTT 3.1.1: the JSON object as the payload. */
static int json_payload(struct answer *a, const struct command_outcome *o)
{
	struct json_object *obj = json_object_new_object();
	const char *text;
	int rc = 0;

	if (!obj)
		return -1;
	rc |= json_add(obj, "status",
		       json_object_new_string(command_status_name(o->status)));
	if (o->status == COMMAND_RESPONSE) {
		rc |= json_add(obj, "code", json_object_new_string(a->code));
		if (o->content_format >= 0)
			rc |= json_add(obj, "content_format",
				       json_object_new_int(o->content_format));
		if (o->payload_len)
			rc |= json_add_payload(obj, o->payload, o->payload_len);
	}
	if (is_coap_outcome(o->status) && o->transmissions)
		rc |= json_add(obj, "transmissions",
			       json_object_new_int64(o->transmissions));
	if (a->error)
		rc |= json_add(obj, "error", json_object_new_string(a->error));
	text = rc ? NULL :
	       json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text) {
		a->payload_len = strlen(text);
		a->payload = strdup(text);
	}
	json_object_put(obj);
	return a->payload ? 0 : -1;
}

/* MQTT 5: the CoAP payload, the rest in properties. */
static int mqtt5_payload(struct answer *a, const struct command_outcome *o)
{
	add_prop(a, "coap-status", command_status_name(o->status));
	if (o->status == COMMAND_RESPONSE) {
		add_prop(a, "coap-code", a->code);
		a->content_type = message_content_type(o->content_format);
		a->payload = malloc(o->payload_len ? o->payload_len : 1);
		if (!a->payload)
			return -1;
		if (o->payload_len)
			memcpy(a->payload, o->payload, o->payload_len);
		a->payload_len = o->payload_len;
	}
	if (is_coap_outcome(o->status) && o->transmissions)
		add_prop(a, "coap-transmissions", a->transmissions);
	if (a->error)
		add_prop(a, "coap-error", a->error);
	return 0;
}

/*
 * Cut @s before its first byte that does not start a whole UTF-8
 * sequence: texts cut to a buffer's size (a long path, a quoted value)
 * may end inside a character, and MQTT strings must be UTF-8 (a broker
 * and libmosquitto refuse the whole message otherwise).
 */
static void answer_text_cut_to_utf8(char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
			   (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		size_t i;

		for (i = 1; n && i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		if (!n)
			break;
		p += n;
	}
	*(char *)p = '\0';
}

struct answer *answer_new(const struct command *c,
			  const struct command_outcome *o)
{
	struct answer *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->id = c->id;
	a->status = o->status;
	a->mqtt5 = c->mqtt_version == CONFIG_MQTT_5;
	a->broker = strdup(c->broker);
	if (!a->broker)
		goto nomem;
	if (!c->reply_topic)
		return a;	/* answered nowhere */
	a->topic = strdup(c->reply_topic);
	if (!a->topic)
		goto nomem;
	coap_code_text(o->code, a->code, sizeof(a->code));
	snprintf(a->transmissions, sizeof(a->transmissions), "%u",
		 o->transmissions);
	if (!is_coap_outcome(o->status)) {
		a->error = strdup(o->error ? o->error : "");
		if (!a->error)
			goto nomem;
		answer_text_cut_to_utf8(a->error);
	}
	if (a->mqtt5 && c->correlation) {
		a->correlation = malloc(c->correlation_len ?
					c->correlation_len : 1);
		if (!a->correlation)
			goto nomem;
		memcpy(a->correlation, c->correlation, c->correlation_len);
		a->correlation_len = c->correlation_len;
	}
	if ((a->mqtt5 ? mqtt5_payload(a, o) : json_payload(a, o)) < 0)
		goto nomem;
	return a;
nomem:
	answer_free(a);
	return NULL;
}

void answer_message(const struct answer *a, struct broker_message *m)
{
	*m = (struct broker_message){
		.topic = a->topic,
		.payload = a->payload,
		.payload_len = a->payload_len,
		.qos = 1,
		.content_type = a->content_type,
		.correlation_data = a->correlation,
		.correlation_len = a->correlation_len,
		.user_props = a->props,
		.n_user_props = a->n_props,
	};
}
