/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From the kernel's queue to the brokers: each message found its rule,
 * its cloud topic expanded, published to the rule's broker (or held while
 * that broker is down), and acked to the kernel once the broker confirmed
 * it, nacked when the broker refused it (rejected with 5.03 when its
 * sensor waits for the broker's confirmation, IOTGW_CONFIRM_CLOUD). Ids in
 * hand are remembered (inflight.h), so that a message the kernel sends
 * again is not published twice and each id is acked once.
 *
 * With a spool ([spool] path, spool.h) a message goes to disk instead,
 * and is acked once the transaction holding it is committed, when:
 * its sensor waits for it to be stored (IOTGW_CONFIRM_STORE); its topic
 * has rows in the spool already (the order per topic); or, QoS 1 or 2,
 * its broker is not connected or has FORWARD_BACKLOG(credit) messages
 * published and unconfirmed; or, QoS 0, its broker is not connected.
 * IOTGW_CONFIRM_CLOUD messages never are. A full spool refuses (the
 * message is nacked: the kernel keeps it) unless the rule's spool-full
 * is drop-qos0 and old QoS 0 rows can make room.
 *
 * Rows go back to their broker in sequence order (per topic, the order
 * they came in), each deleted once the broker confirmed it: at once
 * after every connect, at most drain-rate a second for the rows spooled
 * while the broker was down or backlogged (live messages of other topics
 * go out meanwhile), freely for the rows that only keep a topic's order,
 * FORWARD_DRAIN_WINDOW unconfirmed at most. A row stored while its broker
 * is connected and its topic has no backlog is published at once too.
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
/* Spool rows published and not yet confirmed, per broker, at most. */
#define FORWARD_DRAIN_WINDOW	64
/* A row its broker refused is tried again after this. */
#define FORWARD_DRAIN_RETRY_MS	30000
/* QoS 1 and 2 go to the spool beyond this many unconfirmed (credit/2). */
#define FORWARD_BACKLOG(credit)	((credit) / 2 ? (credit) / 2 : 1)

/* Where acks and nacks go: the consumer, or a test's recorder. */
struct forward_sink {
	void (*ack)(void *arg, uint64_t id, uint64_t now_ms);
	void (*nack)(void *arg, uint64_t id, uint64_t now_ms);
	/* NULL: nack instead */
	void (*reject)(void *arg, uint64_t id, uint8_t code, uint64_t now_ms);
	void *arg;
};

struct forward_stats {
	uint64_t received;	/* new ids */
	uint64_t duplicates;	/* ids already in hand, ignored */
	uint64_t published;	/* handed to libmosquitto */
	uint64_t acked;
	uint64_t nacked;
	uint64_t rejected;	/* IOTGW_CONFIRM_CLOUD refused by the broker */
	uint64_t spooled;	/* written to the spool */
	uint64_t replayed;	/* spool rows published */
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

/*
 * Brokers for each of @cfg's, not connected yet, and the spool opened if
 * @cfg has one; @cfg must outlive it.
 */
struct forwarder *forwarder_new(const struct config *cfg,
				const struct forward_sink *sink, char *err,
				size_t errlen);
/*
 * Drop everything, the brokers' connections too (no DISCONNECT); the
 * spool commits what it holds first (forwarder_sync() before, to have
 * its acks sent).
 */
void forwarder_free(struct forwarder *f);
/* Commit the spool's open transaction: its acks go to the sink. */
void forwarder_sync(struct forwarder *f);

void forwarder_start(struct forwarder *f, uint64_t now_ms);

/* Tell @l (which must outlive @f) what the brokers do. */
void forwarder_set_listener(struct forwarder *f,
			    const struct forward_listener *l);

/* A message from the kernel (consumer_msg_fn): @m becomes the forwarder's. */
void forwarder_on_msg(struct queue_msg *m, void *arg);

/*
 * Use @cfg from now on (the caller frees the old one after): brokers
 * with new settings connect anew and take over what the old ones held,
 * removed brokers' messages are nacked (their spool rows stay). The
 * spool's bounds and rates change; its path does not (a restart).
 * Returns 0, or -ENOMEM with nothing changed.
 */
int forwarder_reconfigure(struct forwarder *f, const struct config *cfg,
			  uint64_t now_ms, char *err, size_t errlen);

/* Shutting down: messages from now on are left to the kernel. */
void forwarder_stop_accepting(struct forwarder *f);
/* Messages and spool rows published and not yet confirmed. */
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
