// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "iotgw": the contract is documented in
 * include/uapi/linux/iotgw.h.
 */
#include <linux/ctype.h>
#include <net/sock.h>
#include <net/genetlink.h>
#include <uapi/linux/iotgw.h>

#include "coap_request.h"
#include "coap_request_netlink.h"
#include "netlink.h"
#include "netns.h"
#include "queue_netlink.h"
#include "rules.h"
#include "stats.h"
#include "version.h"

static struct netlink_range_validation iotgw_max_rules_range = {
	.min = 1, .max = 100000,
};

static struct netlink_range_validation iotgw_flow_max_range = {
	.min = 1, .max = 1 << 20,
};

static struct netlink_range_validation iotgw_flow_idle_range = {
	.min = 1000, .max = 24 * 3600 * 1000,
};

static struct netlink_range_validation iotgw_queue_bytes_range = {
	.min = 4096, .max = 1 << 30,
};

static struct netlink_range_validation iotgw_queue_msgs_range = {
	.min = 1, .max = 1 << 24,
};

static struct netlink_range_validation iotgw_event_rate_range = {
	.min = 0, .max = 100000,
};

static struct netlink_range_validation iotgw_queue_ttl_range = {
	.min = 0, .max = 7 * 24 * 3600 * 1000,
};

static struct netlink_range_validation iotgw_busy_max_age_range = {
	.min = 1, .max = 3600,
};

static struct netlink_range_validation iotgw_dedup_max_range = {
	.min = 0, .max = 1 << 22,
};

static struct netlink_range_validation iotgw_ack_timeout_range = {
	.min = 100, .max = 60000,
};

static struct netlink_range_validation iotgw_ack_random_range = {
	.min = 100, .max = 400,
};

static struct netlink_range_validation iotgw_max_retransmit_range = {
	.min = 0, .max = 10,
};

static struct netlink_range_validation iotgw_nstart_range = {
	.min = 1, .max = 16,
};

static struct netlink_range_validation iotgw_requests_max_range = {
	.min = 1, .max = 65536,
};

static struct netlink_range_validation iotgw_device_max_range = {
	.min = 0, .max = 1 << 16,
};

static struct netlink_range_validation iotgw_confirm_timeout_range = {
	.min = 1000, .max = 3600000,
};

static struct netlink_range_validation iotgw_queue_batch_range = {
	.min = 1, .max = IOTGW_QUEUE_BATCH,
};

static struct netlink_range_validation iotgw_rate_range = {
	.min = 1, .max = 10000000,
};

static const struct nla_policy iotgw_config_policy[IOTGW_CONFIG_A_MAX + 1] = {
	[IOTGW_CONFIG_A_COAP_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[IOTGW_CONFIG_A_MQTT_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[IOTGW_CONFIG_A_MAX_RULES] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_max_rules_range),
	[IOTGW_CONFIG_A_FLOW_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_flow_max_range),
	[IOTGW_CONFIG_A_FLOW_IDLE_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_flow_idle_range),
	[IOTGW_CONFIG_A_QUEUE_MAX_BYTES] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_queue_bytes_range),
	[IOTGW_CONFIG_A_QUEUE_MAX_MSGS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_queue_msgs_range),
	[IOTGW_CONFIG_A_EVENT_RATE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_event_rate_range),
	[IOTGW_CONFIG_A_QUEUE_TTL_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_queue_ttl_range),
	[IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_busy_max_age_range),
	[IOTGW_CONFIG_A_DEDUP_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_dedup_max_range),
	[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_ack_timeout_range),
	[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_ack_random_range),
	[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_max_retransmit_range),
	[IOTGW_CONFIG_A_COAP_NSTART] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_nstart_range),
	[IOTGW_CONFIG_A_COAP_REQUESTS_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_requests_max_range),
	[IOTGW_CONFIG_A_DEVICE_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_device_max_range),
	[IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_confirm_timeout_range),
	[IOTGW_CONFIG_A_QUEUE_BATCH] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_queue_batch_range),
};

static const struct nla_policy iotgw_rule_policy[IOTGW_RULE_A_MAX + 1] = {
	[IOTGW_RULE_A_NAME] = { .type = NLA_NUL_STRING,
				.len = IOTGW_RULE_NAME_MAX - 1 },
	[IOTGW_RULE_A_FILTER] = { .type = NLA_NUL_STRING,
				  .len = IOTGW_FILTER_MAX },
	[IOTGW_RULE_A_PROTO] = NLA_POLICY_MAX(NLA_U8, IOTGW_PROTO_MAX),
	[IOTGW_RULE_A_HOOK] = NLA_POLICY_MAX(NLA_U8, IOTGW_HOOK_MAX),
	[IOTGW_RULE_A_ACTION] = NLA_POLICY_RANGE(NLA_U8, IOTGW_ACTION_ACCEPT,
						 IOTGW_ACTION_MAX),
	[IOTGW_RULE_A_PRIORITY] = { .type = NLA_U32 },
	[IOTGW_RULE_A_MARK] = { .type = NLA_U32 },
	[IOTGW_RULE_A_SKB_PRIORITY] = { .type = NLA_U32 },
	[IOTGW_RULE_A_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_rate_range),
	[IOTGW_RULE_A_BURST] = NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_rate_range),
	[IOTGW_RULE_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, IOTGW_RULE_F_ALL),
	[IOTGW_RULE_A_STATS] = { .type = NLA_REJECT,
				 .reject_message = "rule counters are read-only" },
	[IOTGW_RULE_A_QOS] = NLA_POLICY_MAX(NLA_U8, 2),
	[IOTGW_RULE_A_CONFIRM] = NLA_POLICY_MAX(NLA_U8, IOTGW_CONFIRM_MAX),
};

static struct netlink_range_validation iotgw_credit_range = {
	.min = 1, .max = 65536,
};

static struct netlink_range_validation iotgw_retry_range = {
	.min = 100, .max = 600000,
};

static const struct nla_policy iotgw_queue_policy[IOTGW_QUEUE_A_MAX + 1] = {
	[IOTGW_QUEUE_A_CREDIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_credit_range),
	[IOTGW_QUEUE_A_RETRY_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_retry_range),
};

static struct netlink_range_validation iotgw_req_timeout_range = {
	.min = 100, .max = 3600 * 1000,
};

static const struct nla_policy iotgw_coap_req_policy[IOTGW_COAP_REQ_A_MAX + 1] = {
	[IOTGW_COAP_REQ_A_ADDR] = { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[IOTGW_COAP_REQ_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[IOTGW_COAP_REQ_A_TYPE] = NLA_POLICY_MAX(NLA_U8, 1),
	[IOTGW_COAP_REQ_A_METHOD] = NLA_POLICY_RANGE(NLA_U8, 1, 31),
	[IOTGW_COAP_REQ_A_PATH] = { .type = NLA_NUL_STRING,
				    .len = IOTGW_FILTER_MAX },
	[IOTGW_COAP_REQ_A_QUERY] = { .type = NLA_NUL_STRING,
				     .len = IOTGW_COAP_REQ_MSG_MAX },
	[IOTGW_COAP_REQ_A_CONTENT_FORMAT] = { .type = NLA_U16 },
	[IOTGW_COAP_REQ_A_PAYLOAD] = { .type = NLA_BINARY,
				       .len = IOTGW_COAP_REQ_MSG_MAX },
	[IOTGW_COAP_REQ_A_COOKIE] = { .type = NLA_U64 },
	[IOTGW_COAP_REQ_A_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &iotgw_req_timeout_range),
	[IOTGW_COAP_REQ_A_ID] = { .type = NLA_REJECT,
				  .reject_message = "the kernel picks the id" },
	[IOTGW_COAP_REQ_A_MID] = { .type = NLA_REJECT,
				   .reject_message = "the kernel picks the message ID" },
	[IOTGW_COAP_REQ_A_TOKEN] = { .type = NLA_REJECT,
				     .reject_message = "the kernel picks the token" },
};

static const struct nla_policy iotgw_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_VERSION] = { .type = NLA_REJECT,
			      .reject_message = "version is read-only" },
	[IOTGW_A_CONFIG] = NLA_POLICY_NESTED(iotgw_config_policy),
	[IOTGW_A_RULE] = NLA_POLICY_NESTED(iotgw_rule_policy),
	[IOTGW_A_STATS] = { .type = NLA_REJECT,
			    .reject_message = "counters are read-only" },
	[IOTGW_A_REPLACE] = { .type = NLA_FLAG },
	[IOTGW_A_FLOW] = { .type = NLA_REJECT,
			   .reject_message = "flows are read-only" },
	[IOTGW_A_EVENT] = { .type = NLA_REJECT,
			    .reject_message = "events are sent, not taken" },
	[IOTGW_A_QUEUE] = NLA_POLICY_NESTED(iotgw_queue_policy),
	[IOTGW_A_MSG] = { .type = NLA_REJECT,
			  .reject_message = "messages are sent, not taken" },
	[IOTGW_A_MSG_IDS] = { .type = NLA_BINARY,
			      .len = IOTGW_ACK_MAX * sizeof(u64) },
	[IOTGW_A_COAP_REQ] = NLA_POLICY_NESTED(iotgw_coap_req_policy),
	[IOTGW_A_COAP_RESULT] = { .type = NLA_REJECT,
				  .reject_message = "results are sent, not taken" },
	[IOTGW_A_DEVICE] = { .type = NLA_REJECT,
			     .reject_message = "devices are learnt, not set" },
	[IOTGW_A_MSG_CODE] = { .type = NLA_U8 },
};

/* Commands that take no attributes. */
static const struct nla_policy iotgw_empty_policy[IOTGW_A_MAX + 1] = {
};

static const struct nla_policy iotgw_config_set_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_CONFIG] = NLA_POLICY_NESTED(iotgw_config_policy),
};

static const struct nla_policy iotgw_rule_new_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_RULE] = NLA_POLICY_NESTED(iotgw_rule_policy),
	[IOTGW_A_REPLACE] = { .type = NLA_FLAG },
};

static const struct nla_policy iotgw_rule_cmd_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_RULE] = NLA_POLICY_NESTED(iotgw_rule_policy),
};

static const struct nla_policy iotgw_queue_bind_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_QUEUE] = NLA_POLICY_NESTED(iotgw_queue_policy),
};

static const struct nla_policy iotgw_coap_request_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_COAP_REQ] = NLA_POLICY_NESTED(iotgw_coap_req_policy),
};

static const struct nla_policy iotgw_queue_ack_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_MSG_IDS] = { .type = NLA_BINARY,
			      .len = IOTGW_ACK_MAX * sizeof(u64) },
};

/* A CoAP error code, 4.00 to 5.31 (class << 5 | detail). */
static struct netlink_range_validation iotgw_error_code_range = {
	.min = 4 << 5, .max = (5 << 5) | 31,
};

static const struct nla_policy iotgw_queue_reject_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_MSG_IDS] = { .type = NLA_BINARY,
			      .len = IOTGW_ACK_MAX * sizeof(u64) },
	[IOTGW_A_MSG_CODE] = NLA_POLICY_FULL_RANGE(NLA_U8,
						   &iotgw_error_code_range),
};

/* An extack message that is not a literal (it must outlive the request). */
static void iotgw_set_err(struct netlink_ext_ack *extack,
			  const struct nlattr *attr, const char *msg)
{
	if (!extack)
		return;
	extack->_msg = msg;
	NL_SET_BAD_ATTR(extack, attr);
}

static u8 iotgw_get_u8(const struct nlattr *attr, u8 dflt)
{
	return attr ? nla_get_u8(attr) : dflt;
}

static u32 iotgw_get_u32(const struct nlattr *attr, u32 dflt)
{
	return attr ? nla_get_u32(attr) : dflt;
}

/* ---- config ---- */

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
			cfg->queue_max_msgs) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_EVENT_RATE, cfg->event_rate) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_QUEUE_TTL_MS, cfg->queue_ttl_ms) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE,
			cfg->queue_busy_max_age) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_DEDUP_MAX, cfg->dedup_max) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS,
			cfg->coap_ack_timeout_ms) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR,
			cfg->coap_ack_random_factor) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT,
			cfg->coap_max_retransmit) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_COAP_NSTART, cfg->coap_nstart) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_COAP_REQUESTS_MAX,
			cfg->coap_requests_max) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_DEVICE_MAX, cfg->device_max) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS,
			cfg->confirm_timeout_ms) ||
	    nla_put_u32(skb, IOTGW_CONFIG_A_QUEUE_BATCH, cfg->queue_batch)) {
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

/*
 * Kernel memory a namespace may take: its owner (maybe an unprivileged
 * user in a user namespace of its own) may lower the limits; raising one
 * above its default needs CAP_NET_ADMIN in the initial user namespace.
 */
static int iotgw_config_check_limits(struct sk_buff *skb,
				     struct genl_info *info,
				     struct nlattr **tb,
				     const struct iotgw_config *cfg)
{
	struct iotgw_config dflt;
	const struct {
		int attr;
		u32 val;
	} limits[] = {
		{ IOTGW_CONFIG_A_MAX_RULES, cfg->max_rules },
		{ IOTGW_CONFIG_A_FLOW_MAX, cfg->flow_max },
		{ IOTGW_CONFIG_A_QUEUE_MAX_BYTES, cfg->queue_max_bytes },
		{ IOTGW_CONFIG_A_QUEUE_MAX_MSGS, cfg->queue_max_msgs },
		{ IOTGW_CONFIG_A_DEDUP_MAX, cfg->dedup_max },
		{ IOTGW_CONFIG_A_COAP_REQUESTS_MAX, cfg->coap_requests_max },
		{ IOTGW_CONFIG_A_DEVICE_MAX, cfg->device_max },
	};
	u32 dmax[ARRAY_SIZE(limits)];
	int i;

	iotgw_config_set_defaults(&dflt);
	dmax[0] = dflt.max_rules;
	dmax[1] = dflt.flow_max;
	dmax[2] = dflt.queue_max_bytes;
	dmax[3] = dflt.queue_max_msgs;
	dmax[4] = dflt.dedup_max;
	dmax[5] = dflt.coap_requests_max;
	dmax[6] = dflt.device_max;
	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		if (!tb[limits[i].attr] || limits[i].val <= dmax[i] ||
		    netlink_capable(skb, CAP_NET_ADMIN))
			continue;
		NL_SET_ERR_MSG_ATTR(info->extack, tb[limits[i].attr],
				    "raising a limit above its default needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	return 0;
}

static int iotgw_nl_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));
	struct nlattr *tb[IOTGW_CONFIG_A_MAX + 1];
	struct iotgw_config *cfg, *old;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, IOTGW_A_CONFIG)) {
		NL_SET_ERR_MSG(info->extack, "the request needs a config");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, IOTGW_CONFIG_A_MAX, info->attrs[IOTGW_A_CONFIG],
			       iotgw_config_policy, info->extack);
	if (err)
		return err;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;

	mutex_lock(&in->lock);
	old = rcu_dereference_protected(in->config, lockdep_is_held(&in->lock));
	*cfg = *old;
	if (tb[IOTGW_CONFIG_A_COAP_PORT])
		cfg->coap_port = nla_get_u16(tb[IOTGW_CONFIG_A_COAP_PORT]);
	if (tb[IOTGW_CONFIG_A_MQTT_PORT])
		cfg->mqtt_port = nla_get_u16(tb[IOTGW_CONFIG_A_MQTT_PORT]);
	if (tb[IOTGW_CONFIG_A_MAX_RULES]) {
		cfg->max_rules = nla_get_u32(tb[IOTGW_CONFIG_A_MAX_RULES]);
		if (cfg->max_rules < in->rules.count) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[IOTGW_CONFIG_A_MAX_RULES],
					    "max-rules is below the number of rules in place");
			err = -EBUSY;
			goto err_unlock;
		}
	}
	if (tb[IOTGW_CONFIG_A_FLOW_MAX])
		cfg->flow_max = nla_get_u32(tb[IOTGW_CONFIG_A_FLOW_MAX]);
	if (tb[IOTGW_CONFIG_A_FLOW_IDLE_MS])
		cfg->flow_idle_ms = nla_get_u32(tb[IOTGW_CONFIG_A_FLOW_IDLE_MS]);
	if (tb[IOTGW_CONFIG_A_QUEUE_MAX_BYTES])
		cfg->queue_max_bytes =
			nla_get_u32(tb[IOTGW_CONFIG_A_QUEUE_MAX_BYTES]);
	if (tb[IOTGW_CONFIG_A_QUEUE_MAX_MSGS])
		cfg->queue_max_msgs =
			nla_get_u32(tb[IOTGW_CONFIG_A_QUEUE_MAX_MSGS]);
	if (tb[IOTGW_CONFIG_A_EVENT_RATE]) {
		cfg->event_rate = nla_get_u32(tb[IOTGW_CONFIG_A_EVENT_RATE]);
		iotgw_ratelimit_set(&in->events, cfg->event_rate,
				    cfg->event_rate);
	}
	if (tb[IOTGW_CONFIG_A_QUEUE_TTL_MS])
		cfg->queue_ttl_ms = nla_get_u32(tb[IOTGW_CONFIG_A_QUEUE_TTL_MS]);
	if (tb[IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE])
		cfg->queue_busy_max_age =
			nla_get_u32(tb[IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE]);
	if (tb[IOTGW_CONFIG_A_DEDUP_MAX])
		cfg->dedup_max = nla_get_u32(tb[IOTGW_CONFIG_A_DEDUP_MAX]);
	cfg->coap_ack_timeout_ms =
		iotgw_get_u32(tb[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS],
			      cfg->coap_ack_timeout_ms);
	cfg->coap_ack_random_factor =
		iotgw_get_u32(tb[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR],
			      cfg->coap_ack_random_factor);
	cfg->coap_max_retransmit =
		iotgw_get_u32(tb[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT],
			      cfg->coap_max_retransmit);
	cfg->coap_nstart = iotgw_get_u32(tb[IOTGW_CONFIG_A_COAP_NSTART],
					 cfg->coap_nstart);
	cfg->coap_requests_max =
		iotgw_get_u32(tb[IOTGW_CONFIG_A_COAP_REQUESTS_MAX],
			      cfg->coap_requests_max);
	cfg->device_max = iotgw_get_u32(tb[IOTGW_CONFIG_A_DEVICE_MAX],
					cfg->device_max);
	cfg->confirm_timeout_ms =
		iotgw_get_u32(tb[IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS],
			      cfg->confirm_timeout_ms);
	cfg->queue_batch = iotgw_get_u32(tb[IOTGW_CONFIG_A_QUEUE_BATCH],
					 cfg->queue_batch);
	err = iotgw_config_check_limits(skb, info, tb, cfg);
	if (err)
		goto err_unlock;
	rcu_assign_pointer(in->config, cfg);
	if (cfg->device_max < old->device_max)
		iotgw_devices_trim(&in->devices, cfg->device_max);
	/* waiting sensors' deadlines moved: the queue's work recomputes */
	if (cfg->confirm_timeout_ms != old->confirm_timeout_ms)
		mod_delayed_work(system_wq, &in->queue.work, 0);
	mutex_unlock(&in->lock);
	kfree_rcu(old, rcu);
	return 0;

err_unlock:
	mutex_unlock(&in->lock);
	kfree(cfg);
	return err;
}

/* ---- rules ---- */

static bool iotgw_rule_name_valid(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (!isalnum(*name) && !strchr("_.-", *name))
			return false;
	return true;
}

/* Build a rule from IOTGW_A_RULE, explaining any refusal in extack. */
static struct iotgw_rule *iotgw_rule_from_attrs(struct genl_info *info,
						int *errp)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[IOTGW_RULE_A_MAX + 1];
	struct nlattr *nest = info->attrs[IOTGW_A_RULE];
	struct iotgw_rule *rule;
	enum topic_err reason;
	const char *filter;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, IOTGW_A_RULE)) {
		NL_SET_ERR_MSG(extack, "the request needs a rule");
		*errp = -EINVAL;
		return NULL;
	}
	err = nla_parse_nested(tb, IOTGW_RULE_A_MAX, nest, iotgw_rule_policy,
			       extack);
	if (err)
		goto err;
	err = -EINVAL;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, IOTGW_RULE_A_NAME)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "the rule needs a name");
		goto err;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, IOTGW_RULE_A_FILTER)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "the rule needs a filter");
		goto err;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, IOTGW_RULE_A_ACTION)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "the rule needs an action");
		goto err;
	}
	if (!iotgw_rule_name_valid(nla_data(tb[IOTGW_RULE_A_NAME]))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_NAME],
				    "rule name must be letters, digits, '_', '.' or '-'");
		goto err;
	}

	filter = nla_data(tb[IOTGW_RULE_A_FILTER]);
	err = topic_trie_check_filter(filter, strlen(filter), &reason);
	if (err) {
		iotgw_set_err(extack, tb[IOTGW_RULE_A_FILTER],
			      topic_trie_strerror(err, reason));
		goto err;
	}

	err = -ENOMEM;
	rule = iotgw_rule_alloc(nla_data(tb[IOTGW_RULE_A_NAME]), filter,
				strlen(filter));
	if (!rule)
		goto err;
	rule->action = nla_get_u8(tb[IOTGW_RULE_A_ACTION]);
	rule->proto = iotgw_get_u8(tb[IOTGW_RULE_A_PROTO], IOTGW_PROTO_ANY);
	rule->hook = iotgw_get_u8(tb[IOTGW_RULE_A_HOOK], IOTGW_HOOK_ANY);
	rule->priority = iotgw_get_u32(tb[IOTGW_RULE_A_PRIORITY], 0);
	rule->flags = iotgw_get_u32(tb[IOTGW_RULE_A_FLAGS], 0);
	rule->has_mark = !!tb[IOTGW_RULE_A_MARK];
	rule->mark = iotgw_get_u32(tb[IOTGW_RULE_A_MARK], 0);
	rule->has_skb_priority = !!tb[IOTGW_RULE_A_SKB_PRIORITY];
	rule->skb_priority = iotgw_get_u32(tb[IOTGW_RULE_A_SKB_PRIORITY], 0);
	rule->rate = iotgw_get_u32(tb[IOTGW_RULE_A_RATE], 0);
	rule->burst = iotgw_get_u32(tb[IOTGW_RULE_A_BURST], rule->rate);
	rule->has_qos = !!tb[IOTGW_RULE_A_QOS];
	rule->qos = iotgw_get_u8(tb[IOTGW_RULE_A_QOS], 0);
	rule->confirm = iotgw_get_u8(tb[IOTGW_RULE_A_CONFIRM],
				     IOTGW_CONFIRM_ADMIT);

	err = -EINVAL;
	if (rule->action == IOTGW_ACTION_MARK && !rule->has_mark &&
	    !rule->has_skb_priority) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_ACTION],
				    "action mark needs a mark or an skb priority");
		goto err_free;
	}
	if (rule->action == IOTGW_ACTION_RATELIMIT && !rule->rate) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_ACTION],
				    "action ratelimit needs a rate");
		goto err_free;
	}
	if (rule->action != IOTGW_ACTION_RATELIMIT &&
	    (tb[IOTGW_RULE_A_RATE] || tb[IOTGW_RULE_A_BURST])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_RATE] ?:
				    tb[IOTGW_RULE_A_BURST],
				    "rate and burst belong to action ratelimit");
		goto err_free;
	}
	if (rule->has_qos && rule->action != IOTGW_ACTION_CAPTURE &&
	    rule->action != IOTGW_ACTION_INGEST) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_QOS],
				    "qos belongs to actions capture and ingest");
		goto err_free;
	}
	if (tb[IOTGW_RULE_A_CONFIRM] && rule->action != IOTGW_ACTION_INGEST) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_CONFIRM],
				    "confirm belongs to action ingest");
		goto err_free;
	}
	if (rule->confirm != IOTGW_CONFIRM_ADMIT &&
	    rule->hook != IOTGW_HOOK_IN) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_CONFIRM],
				    "confirm store and cloud need hook in (the sensor's ACK must reach the gateway)");
		goto err_free;
	}
	if (rule->confirm != IOTGW_CONFIRM_ADMIT && rule->has_qos &&
	    !rule->qos) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_CONFIRM],
				    "confirm store and cloud need qos 1 or 2");
		goto err_free;
	}
	if (rule->action == IOTGW_ACTION_INGEST &&
	    rule->proto != IOTGW_PROTO_COAP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_ACTION],
				    "action ingest needs proto coap");
		goto err_free;
	}
	if (rule->flags & IOTGW_RULE_F_PER_SOURCE) {
		if (rule->action != IOTGW_ACTION_RATELIMIT) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IOTGW_RULE_A_FLAGS],
					    "per-source belongs to action ratelimit");
			goto err_free;
		}
		rule->srcs = iotgw_ratelimit_srcs_alloc();
		if (!rule->srcs) {
			err = -ENOMEM;
			goto err_free;
		}
	}
	iotgw_ratelimit_init(&rule->bucket, rule->rate, rule->burst);
	*errp = 0;
	return rule;

err_free:
	iotgw_rule_free(rule);
err:
	*errp = err;
	return NULL;
}

static int iotgw_nl_rule_new(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));
	bool replace = nla_get_flag(info->attrs[IOTGW_A_REPLACE]);
	struct nlattr *tb_name;
	struct iotgw_rule *rule;
	enum topic_err reason = TOPIC_OK;
	u32 max;
	int err;

	rule = iotgw_rule_from_attrs(info, &err);
	if (!rule)
		return err;
	tb_name = nla_find_nested(info->attrs[IOTGW_A_RULE], IOTGW_RULE_A_NAME);

	mutex_lock(&in->lock);
	max = rcu_dereference_protected(in->config,
					lockdep_is_held(&in->lock))->max_rules;
	err = iotgw_rule_add(&in->rules, rule, replace, max, &reason);
	mutex_unlock(&in->lock);

	switch (err) {
	case 0:
		return 0;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack, tb_name,
				    "a rule with this name exists (replace it instead)");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(info->extack,
			       "the namespace holds its maximum of rules (config max-rules)");
		break;
	default:
		iotgw_set_err(info->extack, NULL,
			      topic_trie_strerror(err, reason));
		break;
	}
	iotgw_rule_free(rule);
	return err;
}

static struct nlattr *iotgw_rule_name_attr(struct genl_info *info)
{
	struct nlattr *name;

	if (GENL_REQ_ATTR_CHECK(info, IOTGW_A_RULE)) {
		NL_SET_ERR_MSG(info->extack, "the request needs a rule");
		return NULL;
	}
	name = nla_find_nested(info->attrs[IOTGW_A_RULE], IOTGW_RULE_A_NAME);
	if (!name)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[IOTGW_A_RULE],
				    "the rule's name is missing");
	return name;
}

static int iotgw_nl_rule_del(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));
	struct nlattr *name = iotgw_rule_name_attr(info);
	int err;

	if (!name)
		return -EINVAL;
	mutex_lock(&in->lock);
	err = iotgw_rule_del(&in->rules, nla_data(name));
	mutex_unlock(&in->lock);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, name, "no rule with this name");
	return err;
}

static int iotgw_nl_rule_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));

	mutex_lock(&in->lock);
	iotgw_rules_flush(&in->rules);
	mutex_unlock(&in->lock);
	return 0;
}

static const int iotgw_rule_stats_attr[__IOTGW_RCNT_MAX] = {
	[IOTGW_RCNT_PACKETS] = IOTGW_STATS_A_PACKETS,
	[IOTGW_RCNT_BYTES] = IOTGW_STATS_A_BYTES,
	[IOTGW_RCNT_ACCEPTED] = IOTGW_STATS_A_ACCEPTED,
	[IOTGW_RCNT_DROPPED] = IOTGW_STATS_A_DROPPED,
	[IOTGW_RCNT_MARKED] = IOTGW_STATS_A_MARKED,
	[IOTGW_RCNT_RATELIMITED] = IOTGW_STATS_A_RATELIMITED,
	[IOTGW_RCNT_QUEUED] = IOTGW_STATS_A_QUEUED,
	[IOTGW_RCNT_REFUSED] = IOTGW_STATS_A_REFUSED,
	[IOTGW_RCNT_DUPLICATES] = IOTGW_STATS_A_DUPLICATES,
};

/* The filter is kept without its NUL; netlink strings carry one. */
static int iotgw_put_filter(struct sk_buff *skb, const struct iotgw_rule *rule)
{
	struct nlattr *attr;

	attr = nla_reserve(skb, IOTGW_RULE_A_FILTER, rule->filter_len + 1);
	if (!attr)
		return -EMSGSIZE;
	memcpy(nla_data(attr), rule->filter, rule->filter_len);
	((char *)nla_data(attr))[rule->filter_len] = '\0';
	return 0;
}

static int iotgw_put_rule(struct sk_buff *skb, const struct iotgw_rule *rule)
{
	u64 cnt[__IOTGW_RCNT_MAX];
	struct nlattr *nest, *stats;
	int i;

	nest = nla_nest_start(skb, IOTGW_A_RULE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, IOTGW_RULE_A_NAME, rule->name) ||
	    iotgw_put_filter(skb, rule) ||
	    nla_put_u8(skb, IOTGW_RULE_A_PROTO, rule->proto) ||
	    nla_put_u8(skb, IOTGW_RULE_A_HOOK, rule->hook) ||
	    nla_put_u8(skb, IOTGW_RULE_A_ACTION, rule->action) ||
	    nla_put_u32(skb, IOTGW_RULE_A_PRIORITY, rule->priority) ||
	    nla_put_u32(skb, IOTGW_RULE_A_FLAGS, rule->flags) ||
	    (rule->has_mark &&
	     nla_put_u32(skb, IOTGW_RULE_A_MARK, rule->mark)) ||
	    (rule->has_skb_priority &&
	     nla_put_u32(skb, IOTGW_RULE_A_SKB_PRIORITY, rule->skb_priority)) ||
	    (rule->has_qos &&
	     nla_put_u8(skb, IOTGW_RULE_A_QOS, rule->qos)) ||
	    (rule->action == IOTGW_ACTION_INGEST &&
	     nla_put_u8(skb, IOTGW_RULE_A_CONFIRM, rule->confirm)) ||
	    (rule->action == IOTGW_ACTION_RATELIMIT &&
	     (nla_put_u32(skb, IOTGW_RULE_A_RATE, rule->rate) ||
	      nla_put_u32(skb, IOTGW_RULE_A_BURST, rule->burst))))
		goto err_cancel;

	stats = nla_nest_start(skb, IOTGW_RULE_A_STATS);
	if (!stats)
		goto err_cancel;
	iotgw_rule_stats_read(rule->stats, cnt);
	for (i = 0; i < __IOTGW_RCNT_MAX; i++)
		if (nla_put_u64_64bit(skb, iotgw_rule_stats_attr[i], cnt[i],
				      IOTGW_STATS_A_PAD))
			goto err_cancel;
	nla_nest_end(skb, stats);
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int iotgw_fill_rule(struct sk_buff *skb, const struct iotgw_rule *rule,
			   u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &iotgw_genl_family, flags,
			  IOTGW_CMD_RULE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (iotgw_put_rule(skb, rule)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int iotgw_nl_rule_get(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));
	struct nlattr *name = iotgw_rule_name_attr(info);
	struct iotgw_rule *rule;
	struct sk_buff *msg;
	int err;

	if (!name)
		return -EINVAL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE + IOTGW_FILTER_MAX, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&in->lock);
	rule = iotgw_rule_find(&in->rules, nla_data(name));
	if (!rule) {
		mutex_unlock(&in->lock);
		nlmsg_free(msg);
		NL_SET_ERR_MSG_ATTR(info->extack, name, "no rule with this name");
		return -ENOENT;
	}
	err = iotgw_fill_rule(msg, rule, info->snd_portid, info->snd_seq, 0);
	mutex_unlock(&in->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: the id of the last rule dumped. */
static int iotgw_nl_rule_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct iotgw_net *in = iotgw_net(sock_net(skb->sk));
	struct iotgw_rule *rule;
	u64 last = cb->args[0];
	int err = 0;

	mutex_lock(&in->lock);
	list_for_each_entry(rule, &in->rules.list, list) {
		if (rule->id <= last && last)
			continue;
		err = iotgw_fill_rule(skb, rule, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		last = rule->id;
	}
	mutex_unlock(&in->lock);
	cb->args[0] = last;
	/* A full skb ends this part of the dump; the next call resumes. */
	if (err && !skb->len)
		return err;	/* one rule larger than a whole message */
	return err ? skb->len : 0;
}

/* ---- stats ---- */

static const int iotgw_stats_attr[__IOTGW_CNT_MAX] = {
	[IOTGW_CNT_PACKETS] = IOTGW_STATS_A_PACKETS,
	[IOTGW_CNT_BYTES] = IOTGW_STATS_A_BYTES,
	[IOTGW_CNT_MATCHED] = IOTGW_STATS_A_MATCHED,
	[IOTGW_CNT_UNMATCHED] = IOTGW_STATS_A_UNMATCHED,
	[IOTGW_CNT_UNCLASSIFIED] = IOTGW_STATS_A_UNCLASSIFIED,
	[IOTGW_CNT_PARSE_ERRORS] = IOTGW_STATS_A_PARSE_ERRORS,
	[IOTGW_CNT_ACCEPTED] = IOTGW_STATS_A_ACCEPTED,
	[IOTGW_CNT_DROPPED] = IOTGW_STATS_A_DROPPED,
	[IOTGW_CNT_MARKED] = IOTGW_STATS_A_MARKED,
	[IOTGW_CNT_RATELIMITED] = IOTGW_STATS_A_RATELIMITED,
	[IOTGW_CNT_REPLIES] = IOTGW_STATS_A_REPLIES,
	[IOTGW_CNT_EVENTS] = IOTGW_STATS_A_EVENTS,
	[IOTGW_CNT_EVENTS_SKIPPED] = IOTGW_STATS_A_EVENTS_SKIPPED,
	[IOTGW_CNT_QUEUED] = IOTGW_STATS_A_QUEUED,
	[IOTGW_CNT_REFUSED] = IOTGW_STATS_A_REFUSED,
	[IOTGW_CNT_DUPLICATES] = IOTGW_STATS_A_DUPLICATES,
	[IOTGW_CNT_COAP_REQUESTS] = IOTGW_STATS_A_COAP_REQUESTS,
	[IOTGW_CNT_COAP_TRANSMISSIONS] = IOTGW_STATS_A_COAP_TRANSMISSIONS,
	[IOTGW_CNT_COAP_RESPONSES] = IOTGW_STATS_A_COAP_RESPONSES,
	[IOTGW_CNT_COAP_FAILURES] = IOTGW_STATS_A_COAP_FAILURES,
	[IOTGW_CNT_COAP_RESULTS_LOST] = IOTGW_STATS_A_COAP_RESULTS_LOST,
};

static int iotgw_put_stats(struct sk_buff *skb, struct iotgw_net *in)
{
	u64 cnt[__IOTGW_CNT_MAX], reason[__IOTGW_REASON_MAX];
	struct nlattr *nest, *r;
	char name[96];
	int i;

	iotgw_stats_read(in->stats, cnt, reason);
	nest = nla_nest_start(skb, IOTGW_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __IOTGW_CNT_MAX; i++)
		if (nla_put_u64_64bit(skb, iotgw_stats_attr[i], cnt[i],
				      IOTGW_STATS_A_PAD))
			goto err_cancel;
	for (i = 0; i < __IOTGW_REASON_MAX; i++) {
		if (!reason[i])
			continue;
		r = nla_nest_start(skb, IOTGW_STATS_A_REASON);
		if (!r ||
		    nla_put_string(skb, IOTGW_REASON_A_NAME,
				   iotgw_reason_name(i, name, sizeof(name))) ||
		    nla_put_u64_64bit(skb, IOTGW_REASON_A_COUNT, reason[i],
				      IOTGW_REASON_A_PAD))
			goto err_cancel;
		nla_nest_end(skb, r);
	}
	if (nla_put_u64_64bit(skb, IOTGW_STATS_A_FLOWS,
			      READ_ONCE(in->flows.count), IOTGW_STATS_A_PAD))
		goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int iotgw_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &iotgw_genl_family, 0,
				IOTGW_CMD_STATS_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = iotgw_put_stats(msg, in);
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

static int iotgw_nl_stats_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));
	struct iotgw_rule *rule;

	mutex_lock(&in->lock);
	iotgw_stats_reset(in->stats);
	list_for_each_entry(rule, &in->rules.list, list)
		iotgw_rule_stats_reset(rule->stats);
	mutex_unlock(&in->lock);
	return 0;
}

/* ---- MQTT flows ---- */

static int iotgw_put_flow(struct sk_buff *skb, struct iotgw_flow *flow)
{
	const struct iotgw_flow_key *k = &flow->key;
	int alen = k->family == AF_INET ? 4 : 16;
	int aoff = k->family == AF_INET ? 12 : 0;
	struct nlattr *nest;

	nest = nla_nest_start(skb, IOTGW_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, IOTGW_FLOW_A_FAMILY, k->family) ||
	    nla_put(skb, IOTGW_FLOW_A_CLIENT, alen,
		    (const u8 *)&k->client + aoff) ||
	    nla_put(skb, IOTGW_FLOW_A_SERVER, alen,
		    (const u8 *)&k->server + aoff) ||
	    nla_put_u16(skb, IOTGW_FLOW_A_CLIENT_PORT, ntohs(k->client_port)) ||
	    nla_put_u16(skb, IOTGW_FLOW_A_SERVER_PORT, ntohs(k->server_port)) ||
	    nla_put_u8(skb, IOTGW_FLOW_A_LEVEL,
		       mqtt_stream_level(&flow->dir[0].stream)) ||
	    nla_put_string(skb, IOTGW_FLOW_A_CLIENT_ID, flow->client_id) ||
	    nla_put_u8(skb, IOTGW_FLOW_A_STATE, flow->state) ||
	    nla_put_u64_64bit(skb, IOTGW_FLOW_A_PUBLISHES, flow->publishes,
			      IOTGW_FLOW_A_PAD) ||
	    nla_put_u64_64bit(skb, IOTGW_FLOW_A_BYTES, flow->bytes,
			      IOTGW_FLOW_A_PAD) ||
	    nla_put_u32(skb, IOTGW_FLOW_A_IDLE_MS,
			jiffies_to_msecs(jiffies - flow->last))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int iotgw_fill_flow(struct sk_buff *skb, struct iotgw_flow *flow,
			   void *arg)
{
	struct netlink_callback *cb = arg;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &iotgw_genl_family, NLM_F_MULTI, IOTGW_CMD_FLOW_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (iotgw_put_flow(skb, flow)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* cb->args[0]: the bucket, cb->args[1]: flows of it already dumped. */
static int iotgw_nl_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct iotgw_net *in = iotgw_net(sock_net(skb->sk));
	int err;

	err = iotgw_flows_dump(&in->flows, skb, &cb->args[0], &cb->args[1],
			       iotgw_fill_flow, cb);
	if (err && !skb->len)
		return err;
	return err ? skb->len : 0;
}

static const struct genl_ops iotgw_genl_ops[] = {
	{
		.cmd = IOTGW_CMD_CONFIG_GET,
		.doit = iotgw_nl_config_get,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
	},
	{
		.cmd = IOTGW_CMD_CONFIG_SET,
		.doit = iotgw_nl_config_set,
		.policy = iotgw_config_set_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_RULE_NEW,
		.doit = iotgw_nl_rule_new,
		.policy = iotgw_rule_new_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_RULE_DEL,
		.doit = iotgw_nl_rule_del,
		.policy = iotgw_rule_cmd_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_RULE_GET,
		.doit = iotgw_nl_rule_get,
		.dumpit = iotgw_nl_rule_dump,
		.policy = iotgw_rule_cmd_policy,
		.maxattr = IOTGW_A_MAX,
	},
	{
		.cmd = IOTGW_CMD_RULE_FLUSH,
		.doit = iotgw_nl_rule_flush,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_STATS_GET,
		.doit = iotgw_nl_stats_get,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
	},
	{
		.cmd = IOTGW_CMD_STATS_RESET,
		.doit = iotgw_nl_stats_reset,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_FLOW_GET,
		.dumpit = iotgw_nl_flow_dump,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
	},
	{
		.cmd = IOTGW_CMD_QUEUE_BIND,
		.doit = iotgw_nl_queue_bind,
		.policy = iotgw_queue_bind_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_QUEUE_UNBIND,
		.doit = iotgw_nl_queue_unbind,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_QUEUE_ACK,
		.doit = iotgw_nl_queue_ack,
		.policy = iotgw_queue_ack_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_QUEUE_NACK,
		.doit = iotgw_nl_queue_nack,
		.policy = iotgw_queue_ack_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_QUEUE_REJECT,
		.doit = iotgw_nl_queue_reject,
		.policy = iotgw_queue_reject_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_QUEUE_GET,
		.doit = iotgw_nl_queue_get,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
	},
	{
		.cmd = IOTGW_CMD_QUEUE_FLUSH,
		.doit = iotgw_nl_queue_flush,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_COAP_REQUEST,
		.doit = iotgw_nl_coap_request,
		.policy = iotgw_coap_request_policy,
		.maxattr = IOTGW_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = IOTGW_CMD_DEVICE_GET,
		.dumpit = iotgw_nl_device_dump,
		.policy = iotgw_empty_policy,
		.maxattr = IOTGW_A_MAX,
	},
};

enum iotgw_mcgrp {
	IOTGW_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group iotgw_mcgrps[] = {
	[IOTGW_MCGRP_EVENTS_ID] = { .name = IOTGW_MCGRP_EVENTS,
				    .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family iotgw_genl_family __ro_after_init = {
	.name = IOTGW_GENL_NAME,
	.version = IOTGW_GENL_VERSION,
	.maxattr = IOTGW_A_MAX,
	.policy = iotgw_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = iotgw_genl_ops,
	.n_ops = ARRAY_SIZE(iotgw_genl_ops),
	.mcgrps = iotgw_mcgrps,
	.n_mcgrps = ARRAY_SIZE(iotgw_mcgrps),
};

/*
 * The hooks run before the family is registered and after it is gone
 * (module load and unload): they only send events in between.
 */
static bool iotgw_genl_registered;

bool iotgw_genl_event_listeners(struct net *net)
{
	return READ_ONCE(iotgw_genl_registered) &&
	       genl_has_listeners(&iotgw_genl_family, net,
				  IOTGW_MCGRP_EVENTS_ID);
}

void *iotgw_genl_event_start(struct sk_buff *skb)
{
	return genlmsg_put(skb, 0, 0, &iotgw_genl_family, 0, IOTGW_CMD_EVENT);
}

int iotgw_genl_event_send(struct net *net, struct sk_buff *skb)
{
	return genlmsg_multicast_netns(&iotgw_genl_family, net, skb, 0,
				       IOTGW_MCGRP_EVENTS_ID, GFP_ATOMIC);
}

/*
 * A socket closed: if it was the queue's consumer, its messages in flight
 * are pending again; its downlink requests are given up.
 */
static int iotgw_netlink_release(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !n->portid)
		return NOTIFY_DONE;
	iotgw_queue_release(&iotgw_net(n->net)->queue, n->portid);
	iotgw_coap_req_release(iotgw_net(n->net), n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block iotgw_netlink_notifier = {
	.notifier_call = iotgw_netlink_release,
};

int __init iotgw_genl_init(void)
{
	int err;

	err = netlink_register_notifier(&iotgw_netlink_notifier);
	if (err)
		return err;
	err = genl_register_family(&iotgw_genl_family);
	if (err) {
		netlink_unregister_notifier(&iotgw_netlink_notifier);
		return err;
	}
	WRITE_ONCE(iotgw_genl_registered, true);
	return 0;
}

void iotgw_genl_exit(void)
{
	netlink_unregister_notifier(&iotgw_netlink_notifier);
	WRITE_ONCE(iotgw_genl_registered, false);
	/* The hooks run under RCU: none is still sending after this. */
	synchronize_net();
	genl_unregister_family(&iotgw_genl_family);
}
