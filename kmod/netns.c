// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: created when a namespace appears (or the
 * module loads), freed when it goes away (or the module unloads).
 */
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/netns/generic.h>

#include "hook.h"
#include "netns.h"

static unsigned int iotgw_net_id __read_mostly;

void iotgw_config_set_defaults(struct iotgw_config *cfg)
{
	cfg->coap_port = 5683;
	cfg->mqtt_port = 1883;
	cfg->max_rules = 10000;
	cfg->flow_max = 4096;
	cfg->flow_idle_ms = 300 * MSEC_PER_SEC;
	cfg->queue_max_bytes = 4 << 20;
	cfg->queue_max_msgs = 16384;
	cfg->event_rate = 100;
	cfg->queue_ttl_ms = 0;
	cfg->queue_busy_max_age = 10;
	cfg->dedup_max = 16384;
	cfg->coap_ack_timeout_ms = 2000;
	cfg->coap_ack_random_factor = 150;
	cfg->coap_max_retransmit = 4;
	cfg->coap_nstart = 1;
	cfg->coap_requests_max = 1024;
	cfg->device_max = 4096;
	cfg->confirm_timeout_ms = 60 * MSEC_PER_SEC;
	cfg->queue_batch = IOTGW_QUEUE_BATCH;
}

struct iotgw_net *iotgw_net(const struct net *net)
{
	return net_generic(net, iotgw_net_id);
}

static int __net_init iotgw_net_init(struct net *net)
{
	struct iotgw_net *in = iotgw_net(net);
	struct iotgw_config *cfg;
	int err = -ENOMEM;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	iotgw_config_set_defaults(cfg);
	in->stats = iotgw_stats_alloc();
	if (!in->stats)
		goto err_config;
	err = iotgw_coap_reqs_init(&in->coap_reqs);
	if (err)
		goto err_percpu;

	in->net = net;
	mutex_init(&in->lock);
	RCU_INIT_POINTER(in->config, cfg);
	iotgw_rules_init(&in->rules);
	iotgw_flows_init(&in->flows);
	iotgw_ratelimit_init(&in->events, cfg->event_rate, cfg->event_rate);
	iotgw_queue_init(&in->queue, net);
	iotgw_dedup_init(&in->dedup);
	atomic_set(&in->coap_mid, get_random_u16());
	iotgw_devices_init(&in->devices);

	/* Last: from here on packets reach the state above. */
	err = iotgw_hooks_register(in);
	if (err)
		goto err_stats;
	return 0;

err_stats:
	/* a hook registered before the failure may have run */
	synchronize_net();
	/* the queue first: its work sends confirmations through coap_reqs */
	iotgw_queue_destroy(&in->queue);
	iotgw_coap_reqs_destroy(&in->coap_reqs);
	iotgw_devices_destroy(&in->devices);
	iotgw_flows_destroy(&in->flows);
	iotgw_dedup_destroy(&in->dedup);
	mutex_destroy(&in->lock);
err_percpu:
	free_percpu(in->stats);
err_config:
	kfree(cfg);
	return err;
}

/*
 * Unregistering the hooks does not wait for the packets in them; the core
 * waits for an RCU grace period between pre_exit and exit, so that no hook
 * touches (or kicks the work of) the state exit frees.
 */
static void __net_exit iotgw_net_pre_exit(struct net *net)
{
	iotgw_hooks_unregister(iotgw_net(net));
}

static void __net_exit iotgw_net_exit(struct net *net)
{
	struct iotgw_net *in = iotgw_net(net);
	struct iotgw_config *cfg;

	/* the queue first: its work sends confirmations through coap_reqs */
	iotgw_queue_destroy(&in->queue);
	iotgw_coap_reqs_destroy(&in->coap_reqs);
	iotgw_devices_destroy(&in->devices);
	iotgw_flows_destroy(&in->flows);
	iotgw_dedup_destroy(&in->dedup);

	mutex_lock(&in->lock);
	iotgw_rules_flush(&in->rules);
	topic_trie_destroy(&in->rules.trie);
	cfg = rcu_replace_pointer(in->config, NULL,
				  lockdep_is_held(&in->lock));
	mutex_unlock(&in->lock);

	kfree_rcu(cfg, rcu);
	free_percpu(in->stats);
	mutex_destroy(&in->lock);
}

static struct pernet_operations iotgw_net_ops = {
	.init = iotgw_net_init,
	.pre_exit = iotgw_net_pre_exit,
	.exit = iotgw_net_exit,
	.id = &iotgw_net_id,
	.size = sizeof(struct iotgw_net),
};

int iotgw_netns_init(void)
{
	return register_pernet_subsys(&iotgw_net_ops);
}

void iotgw_netns_exit(void)
{
	unregister_pernet_subsys(&iotgw_net_ops);
	/* Rules freed by call_rcu() must be gone before the module is. */
	rcu_barrier();
}
