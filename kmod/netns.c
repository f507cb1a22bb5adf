// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: created when a namespace appears (or the
 * module loads), freed when it goes away (or the module unloads).
 */
#include <linux/slab.h>
#include <net/netns/generic.h>

#include "netns.h"

static unsigned int iotgw_net_id __read_mostly;

static void iotgw_config_set_defaults(struct iotgw_config *cfg)
{
	cfg->coap_port = 5683;
	cfg->mqtt_port = 1883;
	cfg->max_rules = 10000;
	cfg->flow_max = 4096;
	cfg->flow_idle_ms = 300 * MSEC_PER_SEC;
	cfg->queue_max_bytes = 4 << 20;
	cfg->queue_max_msgs = 16384;
}

struct iotgw_net *iotgw_net(const struct net *net)
{
	return net_generic(net, iotgw_net_id);
}

static int __net_init iotgw_net_init(struct net *net)
{
	struct iotgw_net *in = iotgw_net(net);
	struct iotgw_config *cfg;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	iotgw_config_set_defaults(cfg);

	in->net = net;
	mutex_init(&in->lock);
	RCU_INIT_POINTER(in->config, cfg);
	return 0;
}

static void __net_exit iotgw_net_exit(struct net *net)
{
	struct iotgw_net *in = iotgw_net(net);
	struct iotgw_config *cfg;

	cfg = rcu_replace_pointer(in->config, NULL, true);
	kfree_rcu(cfg, rcu);
	mutex_destroy(&in->lock);
}

static struct pernet_operations iotgw_net_ops = {
	.init = iotgw_net_init,
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
}
