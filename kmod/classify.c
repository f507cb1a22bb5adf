// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path's decision for one message: parse it, find its topic,
 * match the rules, apply the action, count everything.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <uapi/linux/iotgw.h>

#include "classify.h"
#include "coap_ingest.h"
#include "coap_request.h"
#include "device.h"
#include "monitor.h"
#include "proto/coap.h"
#include "rules.h"
#include "stats.h"
#include "xmit.h"

/*
 * Where a non-linear datagram is copied to be parsed, and where its topic
 * is joined. Netfilter runs the hooks with bottom halves disabled, so one
 * per CPU is never used twice at once.
 */
struct iotgw_scratch {
	u8 pkt[IOTGW_COAP_SCAN_MAX];
	char topic[IOTGW_COAP_SCAN_MAX];
};

static DEFINE_PER_CPU(struct iotgw_scratch, iotgw_scratch);

void iotgw_unclassified(struct iotgw_net *in, enum iotgw_reason why)
{
	iotgw_stats_count(in->stats, IOTGW_CNT_UNCLASSIFIED, 1);
	iotgw_stats_reason(in->stats, why);
}

void iotgw_skb_source(const struct sk_buff *skb, struct in6_addr *src)
{
	if (skb->protocol == htons(ETH_P_IP))
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, src);
	else
		*src = ipv6_hdr(skb)->saddr;
}

static bool iotgw_rule_within_rate(struct iotgw_rule *rule,
				   const struct sk_buff *skb)
{
	struct in6_addr src;

	if (!rule->srcs)
		return iotgw_ratelimit_allow(&rule->bucket);
	iotgw_skb_source(skb, &src);
	return iotgw_ratelimit_allow_source(&rule->bucket, rule->srcs, &src);
}

enum iotgw_verdict iotgw_rule_decide(struct iotgw_net *in,
				     struct iotgw_rule *rule,
				     const struct sk_buff *skb,
				     unsigned int bytes)
{
	enum iotgw_verdict verdict = IOTGW_VERDICT_ACCEPTED;
	enum iotgw_rule_counter rcnt = IOTGW_RCNT_ACCEPTED;
	enum iotgw_counter cnt = IOTGW_CNT_ACCEPTED;

	switch (rule->action) {
	case IOTGW_ACTION_DROP:
		verdict = IOTGW_VERDICT_DROPPED;
		rcnt = IOTGW_RCNT_DROPPED;
		cnt = IOTGW_CNT_DROPPED;
		break;
	case IOTGW_ACTION_RATELIMIT:
		if (iotgw_rule_within_rate(rule, skb))
			break;
		verdict = IOTGW_VERDICT_RATELIMITED;
		rcnt = IOTGW_RCNT_RATELIMITED;
		cnt = IOTGW_CNT_RATELIMITED;
		break;
	case IOTGW_ACTION_MARK:
		verdict = IOTGW_VERDICT_MARKED;
		rcnt = IOTGW_RCNT_MARKED;
		cnt = IOTGW_CNT_MARKED;
		break;
	default:
		break;
	}
	iotgw_rule_count(in, rule, bytes, rcnt, cnt);
	return verdict;
}

void iotgw_rule_count(struct iotgw_net *in, struct iotgw_rule *rule,
		      unsigned int bytes, enum iotgw_rule_counter rcnt,
		      enum iotgw_counter cnt)
{
	iotgw_rule_stats_count(rule->stats, bytes, rcnt);
	iotgw_stats_count(in->stats, cnt, 1);
}

void iotgw_rule_mark(const struct iotgw_rule *rule, struct sk_buff *skb)
{
	if (rule->has_mark)
		skb->mark = rule->mark;
	if (rule->has_skb_priority)
		skb->priority = rule->skb_priority;
}

/* A CON that is dropped gets a Reset, unless the rule says otherwise. */
static void iotgw_coap_reject(struct iotgw_net *in,
			      const struct iotgw_rule *rule,
			      struct sk_buff *skb, unsigned int thoff,
			      const struct coap_msg *msg)
{
	u8 rst[COAP_HDR_LEN];

	if (msg->type != COAP_TYPE_CON || (rule->flags & IOTGW_RULE_F_NO_RST))
		return;
	if (coap_build_rst(rst, sizeof(rst), msg->mid) != sizeof(rst))
		return;
	if (!iotgw_xmit_udp_reply(in->net, skb, thoff, rst, sizeof(rst)))
		iotgw_stats_count(in->stats, IOTGW_CNT_REPLIES, 1);
}

/* Errors that only mean the parser did not see the whole message. */
static bool iotgw_coap_err_truncated(enum coap_err err)
{
	return err == COAP_ERR_TRUNC_TOKEN || err == COAP_ERR_TRUNC_OPT_EXT ||
	       err == COAP_ERR_TRUNC_OPT_VALUE || err == COAP_ERR_EMPTY_PAYLOAD;
}

/* Tell the monitor about a datagram; @msg NULL when it is malformed. */
static void iotgw_coap_event(struct iotgw_net *in, struct sk_buff *skb,
			     unsigned int thoff, u8 hook, unsigned int len,
			     const struct coap_msg *msg,
			     const struct iotgw_rule *rule, u8 verdict,
			     enum iotgw_reason reason)
{
	struct iotgw_event ev = {
		.skb = skb,
		.thoff = thoff,
		.proto = IOTGW_PROTO_COAP,
		.hook = hook,
		.verdict = verdict,
		.rule = rule,
		.len = len,
		.reason = reason,
	};

	if (msg) {
		ev.coap_type = msg->type;
		ev.coap_code = msg->code;
		ev.topic = msg->topic;
		ev.topic_len = msg->topic_len;
	}
	iotgw_monitor_send(in, &ev);
}

/* Remember which device sent a request on which topic. */
static void iotgw_coap_learn(struct iotgw_net *in, const struct sk_buff *skb,
			     __be16 sport, const struct coap_msg *msg)
{
	unsigned int max = rcu_dereference(in->config)->device_max;
	struct in6_addr src;

	if (!max || COAP_CODE_CLASS(msg->code) != 0 ||
	    msg->code == COAP_CODE_EMPTY)
		return;
	iotgw_skb_source(skb, &src);
	iotgw_device_seen(&in->devices, &src, sport, IOTGW_PROTO_COAP,
			  msg->topic, msg->topic_len, max);
}

unsigned int iotgw_classify_coap(struct iotgw_net *in, struct sk_buff *skb,
				 unsigned int thoff, unsigned int ulen,
				 __be16 sport, bool fragment, u8 hook)
{
	unsigned int len = ulen, scan, nfv;
	struct iotgw_scratch *scratch;
	struct iotgw_rule *rule;
	enum iotgw_verdict verdict;
	struct coap_msg msg;
	enum coap_err err;
	const u8 *data;

	iotgw_stats_packet(in->stats, skb->len);
	if (fragment) {
		iotgw_unclassified(in, IOTGW_REASON_FRAGMENT);
		return NF_ACCEPT;
	}
	/* forwarding with UDP GRO: one skb, many datagrams; not one message */
	if (skb_is_gso(skb)) {
		iotgw_unclassified(in, IOTGW_REASON_UDP_GSO);
		return NF_ACCEPT;
	}

	if (len < sizeof(struct udphdr) || thoff + len > skb->len) {
		iotgw_unclassified(in, IOTGW_REASON_UDP_LENGTH);
		return NF_ACCEPT;
	}
	len -= sizeof(struct udphdr);
	scan = min_t(unsigned int, len, IOTGW_COAP_SCAN_MAX);

	scratch = this_cpu_ptr(&iotgw_scratch);
	data = skb_header_pointer(skb, thoff + sizeof(struct udphdr), scan,
				  scratch->pkt);
	if (!data) {
		iotgw_unclassified(in, IOTGW_REASON_UDP_LENGTH);
		return NF_ACCEPT;
	}
	err = coap_parse(data, scan, &msg, scratch->topic,
			 sizeof(scratch->topic));
	if (err != COAP_OK) {
		if (scan < len && iotgw_coap_err_truncated(err)) {
			/* a long answer to a downlink request, perhaps */
			if (hook == IOTGW_HOOK_IN &&
			    unlikely(iotgw_coap_req_listening(&in->coap_reqs)) &&
			    iotgw_coap_req_rx(in, skb, thoff, sport, len, NULL)) {
				consume_skb(skb);
				return NF_STOLEN;
			}
			iotgw_unclassified(in, IOTGW_REASON_COAP_TOO_LONG);
		} else {
			iotgw_stats_count(in->stats, IOTGW_CNT_PARSE_ERRORS, 1);
			iotgw_stats_reason(in->stats, (enum iotgw_reason)err);
			if (unlikely(iotgw_monitor_listening(in)))
				iotgw_coap_event(in, skb, thoff, hook, len,
						 NULL, NULL,
						 IOTGW_VERDICT_MALFORMED,
						 (enum iotgw_reason)err);
			if (iotgw_coap_reject_malformed(in, skb, thoff, &msg,
							err)) {
				consume_skb(skb);
				return NF_STOLEN;
			}
		}
		return NF_ACCEPT;
	}
	if (hook == IOTGW_HOOK_IN &&
	    unlikely(iotgw_coap_req_listening(&in->coap_reqs)) &&
	    iotgw_coap_req_rx(in, skb, thoff, sport, len, &msg)) {
		consume_skb(skb);
		return NF_STOLEN;
	}
	if (msg.topic_empty) {
		iotgw_unclassified(in, IOTGW_REASON_COAP_NO_TOPIC);
		return NF_ACCEPT;
	}
	iotgw_coap_learn(in, skb, sport, &msg);

	rule = iotgw_rules_match(&in->rules, msg.topic, msg.topic_len,
				 IOTGW_PROTO_COAP, hook);
	if (!rule) {
		iotgw_stats_count(in->stats, IOTGW_CNT_UNMATCHED, 1);
		if (unlikely(iotgw_monitor_listening(in)))
			iotgw_coap_event(in, skb, thoff, hook, len, &msg, NULL,
					 IOTGW_VERDICT_UNMATCHED, 0);
		return NF_ACCEPT;
	}
	iotgw_stats_count(in->stats, IOTGW_CNT_MATCHED, 1);
	if (rule->action == IOTGW_ACTION_CAPTURE ||
	    rule->action == IOTGW_ACTION_INGEST) {
		nfv = iotgw_coap_queue(in, rule, skb, thoff, len, &msg,
				       &verdict);
		if (unlikely(iotgw_monitor_listening(in)))
			iotgw_coap_event(in, skb, thoff, hook, len, &msg, rule,
					 verdict, 0);
		if (nfv == NF_STOLEN)
			consume_skb(skb);
		return nfv;
	}
	verdict = iotgw_rule_decide(in, rule, skb, skb->len);
	if (unlikely(iotgw_monitor_listening(in)))
		iotgw_coap_event(in, skb, thoff, hook, len, &msg, rule,
				 verdict, 0);
	if (!iotgw_verdict_passes(verdict)) {
		iotgw_coap_reject(in, rule, skb, thoff, &msg);
		return NF_DROP;
	}
	iotgw_rule_mark(rule, skb);
	return NF_ACCEPT;
}
