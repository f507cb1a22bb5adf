/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_QUEUE_H
#define _IOTGW_QUEUE_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/linux/iotgw.h>

#include "proto/coap.h"

#define IOTGW_QUEUE_ID_BUCKETS	1024
#define IOTGW_QUEUE_QOS_MAX	2
/* Messages in one netlink datagram to the consumer at most (queue-batch). */
#define IOTGW_QUEUE_BATCH	256

/* One queued message: its description, then topic and payload bytes. */
struct iotgw_qmsg {
	struct list_head list;		/* queue.pending (id order) or .flight */
	struct list_head qos0;		/* queue.qos0, QoS 0 only */
	struct hlist_node node;		/* queue.ids, while in flight */
	struct list_head await;		/* queue.awaiting, while awaiting */
	u64 id;
	u64 time_ns;			/* received, CLOCK_REALTIME */
	unsigned long queued;		/* jiffies, for its age and TTL */
	unsigned long due;		/* in flight: when it is sent again */
	u32 attempts;
	u32 cost;			/* counted against QUEUE_MAX_BYTES */
	bool in_flight;
	bool awaiting;			/* a sensor waits for its confirmation */
	bool has_content_format;
	u8 confirm;			/* enum iotgw_confirm */
	u8 answer;			/* CoAP code for the sensor, once freed */
	u8 tkl;				/* the sensor's request's token */
	u8 token[COAP_TOKEN_MAX];
	u8 qos;
	u8 proto;			/* enum iotgw_proto */
	u8 family;			/* AF_INET or AF_INET6 */
	u16 src_port;			/* host order */
	u16 content_format;
	struct in6_addr src;		/* IPv4 in the first word */
	struct in6_addr dst;		/* awaited: where the request went */
	int ifindex;			/* awaited: link-local sensor's link */
	char rule[IOTGW_RULE_NAME_MAX];
	u16 topic_len;
	u32 payload_len;
	u8 data[];			/* topic, then payload */
};

static inline u8 *iotgw_qmsg_payload(struct iotgw_qmsg *m)
{
	return m->data + m->topic_len;
}

/* The queue's counters, as IOTGW_QUEUE_A_ADMITTED and on report them. */
enum iotgw_queue_counter {
	IOTGW_QCNT_ADMITTED,
	IOTGW_QCNT_REFUSED,
	IOTGW_QCNT_EVICTED,
	IOTGW_QCNT_EXPIRED,
	IOTGW_QCNT_DELIVERED,
	IOTGW_QCNT_REDELIVERED,
	IOTGW_QCNT_ACKED,
	IOTGW_QCNT_NACKED,
	IOTGW_QCNT_STALE_ACKS,
	IOTGW_QCNT_FLUSHED,
	IOTGW_QCNT_DUPLICATES,
	IOTGW_QCNT_DEDUP_EVICTED,
	IOTGW_QCNT_REJECTED,
	IOTGW_QCNT_CONFIRMED,
	IOTGW_QCNT_UNCONFIRMED,
	IOTGW_QCNT_WITHDRAWN,
	IOTGW_QCNT_CONFIRMS_LOST,
	__IOTGW_QCNT_MAX
};

/*
 * A namespace's QoS queue. Packets admit messages in softirq; the
 * delivery work sends them to the consumer; netlink requests ack them.
 * Everything below is under @lock (taken with bottom halves off).
 */
struct iotgw_queue {
	spinlock_t lock;		/* everything below */
	struct list_head pending;	/* not in flight, oldest first */
	struct list_head flight;	/* sent to the consumer, not acked */
	struct list_head qos0;		/* QoS 0 messages, oldest first */
	struct list_head awaiting;	/* awaiting confirmation, oldest first */
	struct hlist_head ids[IOTGW_QUEUE_ID_BUCKETS];	/* in flight */
	u32 msgs;
	u32 bytes;
	u32 in_flight;
	u32 pending_qos[IOTGW_QUEUE_QOS_MAX + 1];
	u32 awaiting_msgs;
	u64 next_id;
	u32 consumer;			/* netlink port id, 0: none */
	u32 credit;
	u32 retry_ms;
	unsigned long next_due;		/* earliest due of the flight list */
	unsigned long busy_until;	/* the consumer's socket was full */
	bool dead;			/* namespace going away: no new work */
	bool kick_soon;			/* the work is due within a tick */
	atomic_t capture_bytes;		/* MQTT PUBLISH being gathered */
	u64 cnt[__IOTGW_QCNT_MAX];
	struct net *net;
	struct delayed_work work;	/* delivers, redelivers, expires */
};

/* A snapshot for IOTGW_CMD_QUEUE_GET. */
struct iotgw_queue_info {
	u32 consumer;
	u32 credit;
	u32 pending_qos[IOTGW_QUEUE_QOS_MAX + 1];
	u32 in_flight;
	u32 msgs;
	u32 bytes;
	u32 awaiting;
	bool has_oldest;
	u32 oldest_ms;
	u64 cnt[__IOTGW_QCNT_MAX];
};

void iotgw_queue_init(struct iotgw_queue *q, struct net *net);
/* The namespace goes away: stop the work, free every message. */
void iotgw_queue_destroy(struct iotgw_queue *q);

/*
 * A message to fill in and admit: @topic_len + @payload_len bytes of
 * data. Atomic context. NULL without memory or when it could never fit.
 */
struct iotgw_qmsg *iotgw_qmsg_alloc(struct iotgw_queue *q, u16 topic_len,
				    u32 payload_len);
void iotgw_qmsg_free(struct iotgw_qmsg *m);

/*
 * Queue @m (consumed either way). Any context. Returns 0, or -ENOSPC
 * when the queue is full of messages it may not evict (counted REFUSED).
 */
int iotgw_queue_admit(struct iotgw_queue *q, struct iotgw_qmsg *m);

/* Count @n events the queue's users saw (refusals before admission...). */
void iotgw_queue_count(struct iotgw_queue *q, enum iotgw_queue_counter c,
		       u32 n);

/* Netlink: the consumer protocol. Process context. */
int iotgw_queue_bind(struct iotgw_queue *q, u32 portid, u32 credit,
		     u32 retry_ms);
int iotgw_queue_unbind(struct iotgw_queue *q, u32 portid);
/* @ids: @n message ids. -ENOENT if @portid is not the consumer. */
int iotgw_queue_ack(struct iotgw_queue *q, u32 portid, const u64 *ids,
		    unsigned int n);
int iotgw_queue_nack(struct iotgw_queue *q, u32 portid, const u64 *ids,
		     unsigned int n);
/* The consumer gives @ids up; their waiting sensors get CoAP @code. */
int iotgw_queue_reject(struct iotgw_queue *q, u32 portid, const u64 *ids,
		       unsigned int n, u8 code);
/* Drop everything; returns how many messages went. */
u32 iotgw_queue_flush(struct iotgw_queue *q);
void iotgw_queue_read(struct iotgw_queue *q, struct iotgw_queue_info *info);

/* A netlink socket @portid of @q's namespace was closed. */
void iotgw_queue_release(struct iotgw_queue *q, u32 portid);

/*
 * Append to @skb the QUEUE_MSG of @m, sent for the @attempts-th time
 * (queue_netlink.c does the encoding). Returns 0 or -EMSGSIZE.
 */
int iotgw_genl_put_qmsg(struct sk_buff *skb, const struct iotgw_qmsg *m,
			u32 attempts);
/* Unicast @skb (consumed) to @portid of @net, not waiting for room. */
int iotgw_genl_unicast(struct net *net, struct sk_buff *skb, u32 portid);

#endif /* _IOTGW_QUEUE_H */
