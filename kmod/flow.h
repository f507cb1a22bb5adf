/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_FLOW_H
#define _IOTGW_FLOW_H

#include <linux/in6.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "proto/mqtt.h"

#define IOTGW_FLOW_BUCKETS 1024

/* A TCP connection to the MQTT port, client side first. */
struct iotgw_flow_key {
	struct in6_addr client;		/* IPv4: mapped into the low word */
	struct in6_addr server;
	__be16 client_port;
	__be16 server_port;
	u8 family;
};

/* One direction of the byte stream. */
struct iotgw_flow_dir {
	struct mqtt_stream stream;
	u32 next_seq;			/* the next byte to parse */
	bool seq_known;
	bool fin;
};

struct iotgw_flow {
	struct hlist_node node;		/* iotgw_flows.buckets, RCU */
	struct rcu_head rcu;
	struct iotgw_flow_key key;
	spinlock_t lock;		/* the fields below */
	bool dead;			/* unlinked: ignore */
	u8 state;			/* enum iotgw_flow_state */
	unsigned long last;		/* jiffies of the last segment */
	u64 publishes;
	u64 bytes;
	char client_id[MQTT_CLIENT_ID_COPY];
	struct mqtt_alias_map *aliases[2];	/* MQTT 5, when announced */
	struct iotgw_flow_dir dir[2];	/* 0: client to server */
	/* the client's PUBLISH a CAPTURE rule is copying, if any */
	struct iotgw_qmsg *capture;
	u32 capture_bytes;		/* its Remaining Length, for counters */
	u16 capture_pid;		/* its packet id, QoS 2 */
	u8 capture_hook;		/* the hook that classified it */
	bool capture_dedup;		/* remembered for QoS 2 deduplication */
};

/* A namespace's MQTT connections. */
struct iotgw_flows {
	spinlock_t lock;		/* writers of buckets and count */
	struct hlist_head buckets[IOTGW_FLOW_BUCKETS];
	u32 count;
	u32 seed;
	struct delayed_work gc;		/* forgets idle connections */
};

struct iotgw_net;
struct iotgw_qmsg;

void iotgw_flows_init(struct iotgw_flows *flows);
/* After the hooks are gone: stop the collector and free every flow. */
void iotgw_flows_destroy(struct iotgw_flows *flows);

/*
 * Follow the TCP segment @skb (TCP header at @thoff) seen at @hook,
 * classify the PUBLISH packets it completes, apply the rules. Returns the
 * netfilter verdict.
 */
unsigned int iotgw_classify_mqtt(struct iotgw_net *in, struct sk_buff *skb,
				 unsigned int thoff, u8 hook);

/* For dumps: fill @skb with flows from bucket *@bucket, entry *@skip on. */
int iotgw_flows_dump(struct iotgw_flows *flows, struct sk_buff *skb,
		     long *bucket, long *skip,
		     int (*fill)(struct sk_buff *skb, struct iotgw_flow *flow,
				 void *arg), void *arg);

#endif /* _IOTGW_FLOW_H */
