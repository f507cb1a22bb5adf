// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "iotgw": the contract is documented in
 * include/uapi/linux/iotgw.h.
 */
#include <net/genetlink.h>
#include <uapi/linux/iotgw.h>

#include "netlink.h"
#include "netns.h"
#include "version.h"

static const struct nla_policy iotgw_config_policy[IOTGW_CONFIG_A_MAX + 1] = {
	[IOTGW_CONFIG_A_COAP_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[IOTGW_CONFIG_A_MQTT_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[IOTGW_CONFIG_A_MAX_RULES] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_FLOW_MAX] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_FLOW_IDLE_MS] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_QUEUE_MAX_BYTES] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_QUEUE_MAX_MSGS] = { .type = NLA_U32 },
};

static const struct nla_policy iotgw_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_VERSION] = { .type = NLA_REJECT,
			      .reject_message = "version is read-only" },
	[IOTGW_A_CONFIG] = NLA_POLICY_NESTED(iotgw_config_policy),
};

/* CONFIG_GET takes no attributes. */
static const struct nla_policy iotgw_config_get_policy[IOTGW_A_MAX + 1] = {
};

static struct genl_family iotgw_genl_family;

static int iotgw_put_config(struct sk_buff *skb, const struct iotgw_config *cfg)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, IOTGW_A_CONFIG);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, IOTGW_CONFIG_A_COAP_PORT, cfg->coap_port) ||
	    nla_put_u16(skb, IOTGW_CONFIG_A_MQTT_PORT, cfg->mqtt_port) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_MAX_RULES, cfg->max_rules) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_FLOW_MAX, cfg->flow_max) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_FLOW_IDLE_MS, cfg->flow_idle_ms) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_QUEUE_MAX_BYTES,
			cfg->queue_max_bytes) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_QUEUE_MAX_MSGS,
			cfg->queue_max_msgs)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int iotgw_nl_config_get(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));
	struct iotgw_config cfg;
	struct sk_buff *msg;
	void *hdr;
	int err;

	rcu_read_lock();
	cfg = *rcu_dereference(in->config);
	rcu_read_unlock();

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &iotgw_genl_family, 0,
				IOTGW_CMD_CONFIG_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = nla_put_string(msg, IOTGW_A_VERSION, IOTGW_VERSION);
	if (err)
		goto err_free;
	err = iotgw_put_config(msg, &cfg);
	if (err)
		goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

static const struct genl_ops iotgw_genl_ops[] = {
	{
		.cmd = IOTGW_CMD_CONFIG_GET,
		.doit = iotgw_nl_config_get,
		.policy = iotgw_config_get_policy,
		.maxattr = IOTGW_A_MAX,
	},
};

static struct genl_family iotgw_genl_family __ro_after_init = {
	.name = IOTGW_GENL_NAME,
	.version = IOTGW_GENL_VERSION,
	.maxattr = IOTGW_A_MAX,
	.policy = iotgw_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = iotgw_genl_ops,
	.n_ops = ARRAY_SIZE(iotgw_genl_ops),
};

int __init iotgw_genl_init(void)
{
	return genl_register_family(&iotgw_genl_family);
}

void iotgw_genl_exit(void)
{
	genl_unregister_family(&iotgw_genl_family);
}
