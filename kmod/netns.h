/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_NETNS_H
#define _IOTGW_NETNS_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/net_namespace.h>

#include "coap_request.h"
#include "dedup.h"
#include "device.h"
#include "flow.h"
#include "hook.h"
#include "queue.h"
#include "ratelimit.h"
#include "rules.h"
#include "stats.h"

/*
 * A namespace's configuration. Readers take it under rcu_read_lock();
 * writers hold iotgw_net.lock, publish a new copy and free the old one
 * after a grace period.
 */
struct iotgw_config {
	u16 coap_port;
	u16 mqtt_port;
	u32 max_rules;
	u32 flow_max;
	u32 flow_idle_ms;
	u32 queue_max_bytes;
	u32 queue_max_msgs;
	u32 event_rate;
	u32 queue_ttl_ms;
	u32 queue_busy_max_age;
	u32 dedup_max;
	u32 coap_ack_timeout_ms;
	u32 coap_ack_random_factor;	/* hundredths */
	u32 coap_max_retransmit;
	u32 coap_nstart;
	u32 coap_requests_max;
	u32 device_max;
	u32 confirm_timeout_ms;
	u32 queue_batch;
	struct rcu_head rcu;
};

/* Everything iotgw keeps for one network namespace. */
struct iotgw_net {
	struct net *net;
	struct mutex lock;	/* serializes writers of config and rules */
	struct iotgw_config __rcu *config;
	struct iotgw_rules rules;
	struct iotgw_stats __percpu *stats;
	struct iotgw_flows flows;
	struct iotgw_ratelimit events;	/* samples the monitor's events */
	struct iotgw_queue queue;
	struct iotgw_dedup dedup;	/* CoAP exchanges seen by ingest */
	atomic_t coap_mid;		/* message IDs the gateway sends */
	struct iotgw_coap_reqs coap_reqs;	/* downlink requests */
	struct iotgw_devices devices;	/* who sent which topic */
	struct nf_hook_ops hook_ops[IOTGW_HOOK_OPS];	/* priv: this */
};

struct iotgw_net *iotgw_net(const struct net *net);

/* A new namespace's configuration. */
void iotgw_config_set_defaults(struct iotgw_config *cfg);

int iotgw_netns_init(void);
void iotgw_netns_exit(void);

#endif /* _IOTGW_NETNS_H */
