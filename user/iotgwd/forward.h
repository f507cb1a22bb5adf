/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From the kernel's queue to the brokers: each message found its rule,
 * its cloud topic expanded, published to the rule's broker (or held while
 * that broker is down), and acked to the kernel once the broker confirmed
 * it, nacked when the broker refused it. Ids in hand are remembered
 * (inflight.h), so that a message the kernel sends again is not published
 * twice and each id is acked once.
 */
#ifndef IOTGWD_FORWARD_H
#define IOTGWD_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "config.h"
#include "message.h"

/* How long an acked or nacked id is remembered against late copies. */
#define FORWARD_DONE_LINGER_MS	5000

/* Where acks and nacks go: the consumer, or a test's recorder. */
struct forward_sink {
	void (*ack)(void *arg, uint64_t id, uint64_t now_ms);
	void (*nack)(void *arg, uint64_t id, uint64_t now_ms);
	void *arg;
};

struct forward_stats {
	uint64_t received;	/* new ids */
	uint64_t duplicates;	/* ids already in hand, ignored */
	uint64_t published;	/* handed to libmosquitto */
	uint64_t acked;
	uint64_t nacked;
};

/*
 * Who else hears from the brokers the forwarder holds: the downlink's
 * commands (downlink.h). Each may be NULL.
 */
struct forward_listener {
	void (*on_connect)(struct broker *b, void *arg);
	/* A confirmation the forwarder did not wait for: true if @arg's. */
	bool (*on_confirm)(struct broker *b, int mid, int reason, void *arg);
	void (*on_message)(struct broker *b, const struct broker_incoming *m,
			   void *arg);
	void (*on_subscribed)(struct broker *b, int mid, int granted,
			      void *arg);
	/* A reload is about to free @b. */
	void (*on_broker_gone)(struct broker *b, void *arg);
	void *arg;
};

struct forwarder;

/* Brokers for each of @cfg's, not connected yet; @cfg must outlive it. */
struct forwarder *forwarder_new(const struct config *cfg,
				const struct forward_sink *sink, char *err,
				size_t errlen);
/* Drop everything, the brokers' connections too (no DISCONNECT). */
void forwarder_free(struct forwarder *f);

void forwarder_start(struct forwarder *f, uint64_t now_ms);

/* Tell @l (which must outlive @f) what the brokers do. */
void forwarder_set_listener(struct forwarder *f,
			    const struct forward_listener *l);

/* A message from the kernel (consumer_msg_fn): @m becomes the forwarder's. */
void forwarder_on_msg(struct queue_msg *m, void *arg);

/*
 * Use @cfg from now on (the caller frees the old one after): brokers
 * with new settings connect anew and take over what the old ones held,
 * removed brokers' messages are nacked. Returns 0, or -ENOMEM with
 * nothing changed.
 */
int forwarder_reconfigure(struct forwarder *f, const struct config *cfg,
			  uint64_t now_ms, char *err, size_t errlen);

/* Shutting down: messages from now on are left to the kernel. */
void forwarder_stop_accepting(struct forwarder *f);
/* Messages published and not yet confirmed. */
size_t forwarder_unconfirmed(const struct forwarder *f);
/* Messages held for a broker that is down. */
size_t forwarder_held(const struct forwarder *f);
/* Send DISCONNECT to every broker. */
void forwarder_disconnect(struct forwarder *f);

/* Forget old ids, publish what waits on connected brokers, broker timers. */
void forwarder_tick(struct forwarder *f, uint64_t now_ms);
int forwarder_timeout_ms(const struct forwarder *f, uint64_t now_ms);

size_t forwarder_n_brokers(const struct forwarder *f);
struct broker *forwarder_broker(const struct forwarder *f, size_t i);
/* The broker configured as @name, or NULL. */
struct broker *forwarder_find_broker(const struct forwarder *f,
				     const char *name);
const struct forward_stats *forwarder_stats(const struct forwarder *f);

#endif /* IOTGWD_FORWARD_H */
