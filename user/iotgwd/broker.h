/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One cloud broker connection with libmosquitto, driven by the daemon's
 * poll loop (no libmosquitto thread): non-blocking connect, reconnect
 * with backoff (1 s doubling up to 30 s), publish with MQTT 5 properties,
 * and the broker's confirmation of each message: PUBACK for QoS 1,
 * PUBCOMP for QoS 2, the write to the socket for QoS 0.
 *
 * libmosquitto keeps the QoS 1 and 2 messages it did not see confirmed
 * across a reconnect of the same connection object and sends them again
 * with their message ids, so a confirmation may come after a reconnect.
 * A QoS 0 message not yet written when the connection dropped is lost:
 * on_disconnect tells the owner to publish it again.
 *
 * Subscriptions (the commands' topic) are the owner's to make on every
 * connect; what they deliver comes to on_message with the MQTT 5
 * properties a request carries (Response Topic, Correlation Data,
 * Content Type, user properties).
 */
#ifndef IOTGWD_BROKER_H
#define IOTGWD_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define BROKER_BACKOFF_MIN_MS	1000
#define BROKER_BACKOFF_MAX_MS	30000
#define BROKER_CONNECT_TIMEOUT_MS 15000

struct broker;

/* An MQTT 5 user property. */
struct broker_property {
	const char *name;
	const char *value;
};

/* User properties of a delivered message that on_message sees, at most. */
#define BROKER_USER_PROPS_MAX	16

/* A message a subscription delivered; valid during on_message only. */
struct broker_incoming {
	const char *topic;
	const void *payload;
	size_t payload_len;
	int qos;
	bool retain;
	/* MQTT 5 only; NULL (and 0): not in the message. */
	const char *response_topic;
	const void *correlation_data;
	size_t correlation_len;
	const char *content_type;
	const struct broker_property *user_props;
	size_t n_user_props;
};

struct broker_events {
	/* Connected (CONNACK success): publish what waits. */
	void (*on_connect)(struct broker *b, void *arg);
	/* The connection is gone; a reconnect is scheduled. */
	void (*on_disconnect)(struct broker *b, void *arg);
	/*
	 * The broker answered message @mid: @reason_code is the MQTT 5
	 * PUBACK / PUBREC / PUBCOMP reason (0 for MQTT 3.1.1 and QoS 0);
	 * 0x80 and above is a refusal. May run inside broker_publish() for
	 * QoS 0.
	 */
	void (*on_confirm)(struct broker *b, int mid, int reason_code,
			   void *arg);
	/* A subscription delivered @m (may be NULL: not subscribing). */
	void (*on_message)(struct broker *b, const struct broker_incoming *m,
			   void *arg);
	/*
	 * SUBACK of subscription @mid: the QoS granted, or 0x80 and above
	 * (MQTT 5 reason codes; 0x80 with 3.1.1) when it was refused.
	 */
	void (*on_subscribed)(struct broker *b, int mid, int granted,
			      void *arg);
};

/* A message to publish and what its MQTT 5 properties say. */
struct broker_message {
	const char *topic;
	const void *payload;
	size_t payload_len;
	int qos;
	/* MQTT 5 only; NULL: not sent. */
	const char *src;
	const char *src_port;
	const char *proto;
	const char *received;
	const char *content_type;
	const void *correlation_data;	/* with correlation_len bytes */
	size_t correlation_len;
	const struct broker_property *user_props; /* after the four above */
	size_t n_user_props;
};

enum broker_publish_result {
	BROKER_PUBLISHED,	/* libmosquitto has it as *mid */
	BROKER_RETRY,		/* not now (not connected, no memory) */
	BROKER_REFUSED,		/* never: bad topic, too big, QoS too high */
};

/* Once per process, around every other call. */
int broker_lib_init(void);
void broker_lib_cleanup(void);

/* A connection for @cfg (not connected yet); @cfg must outlive it. */
struct broker *broker_new(const struct broker_cfg *cfg,
			  const struct broker_events *events, void *arg,
			  char *err, size_t errlen);
/* Drop the connection at once, what libmosquitto held with it. */
void broker_free(struct broker *b);

/* Start connecting. */
void broker_start(struct broker *b, uint64_t now_ms);
/* Send DISCONNECT and stop reconnecting. */
void broker_stop(struct broker *b);

const char *broker_name(const struct broker *b);
const struct broker_cfg *broker_get_cfg(const struct broker *b);
/* The same settings in a new configuration object (after a reload). */
void broker_set_cfg(struct broker *b, const struct broker_cfg *cfg);
bool broker_is_connected(const struct broker *b);

/* Publish; on BROKER_REFUSED *why says why. */
enum broker_publish_result broker_publish(struct broker *b,
					  const struct broker_message *msg,
					  int *mid, const char **why);

/*
 * Subscribe to @filter with @qos (MQTT 5: without our own messages, No
 * Local), its message id in *mid (for on_subscribed), or unsubscribe.
 * Returns 0, or -EIO with *why set.
 */
int broker_subscribe(struct broker *b, const char *filter, int qos, int *mid,
		     const char **why);
int broker_unsubscribe(struct broker *b, const char *filter, const char **why);

/* The text of an MQTT 5 reason code. */
const char *broker_reason_string(int reason_code);

/* The socket to poll and for what, or -1 while there is none. */
int broker_fd(const struct broker *b);
short broker_poll_events(const struct broker *b);
/*
 * Hold back what is written to the broker until broker_uncork(), so that a
 * batch of messages leaves in full TCP segments rather than a segment
 * each (the connection runs with TCP_NODELAY).
 */
void broker_cork(struct broker *b);
void broker_uncork(struct broker *b);
/* The socket is ready: read, write. */
void broker_handle(struct broker *b, short revents, uint64_t now_ms);
/* Keepalive, connect timeout, the reconnect when its time came. */
void broker_tick(struct broker *b, uint64_t now_ms);
/* Milliseconds until broker_tick() has work. */
int broker_timeout_ms(const struct broker *b, uint64_t now_ms);

#endif /* IOTGWD_BROKER_H */
