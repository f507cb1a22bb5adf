// SPDX-License-Identifier: GPL-2.0
/*
 * Classification events for `iotgwctl monitor`: one netlink message per
 * decided (or malformed) message to the family's "events" group, sampled
 * by a per-namespace token bucket and built only while someone listens.
 */
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/genetlink.h>
#include <uapi/linux/iotgw.h>

#include "monitor.h"
#include "netlink.h"

bool iotgw_monitor_listening(struct iotgw_net *in)
{
	return iotgw_genl_event_listeners(in->net);
}

static int iotgw_event_put_addrs(struct sk_buff *msg,
				 const struct iotgw_event *ev)
{
	const struct sk_buff *skb = ev->skb;
	const void *src, *dst;
	struct udphdr _ports;	/* UDP's and TCP's ports sit alike */
	const struct udphdr *ports;
	u8 family;
	int alen;

	if (skb->protocol == htons(ETH_P_IP)) {
		family = AF_INET;
		alen = sizeof(struct in_addr);
		src = &ip_hdr(skb)->saddr;
		dst = &ip_hdr(skb)->daddr;
	} else {
		family = AF_INET6;
		alen = sizeof(struct in6_addr);
		src = &ipv6_hdr(skb)->saddr;
		dst = &ipv6_hdr(skb)->daddr;
	}
	ports = skb_header_pointer(skb, ev->thoff, sizeof(_ports), &_ports);
	if (!ports)
		return -EINVAL;
	if (nla_put_u8(msg, IOTGW_EVENT_A_FAMILY, family) ||
	    nla_put(msg, IOTGW_EVENT_A_SRC, alen, src) ||
	    nla_put(msg, IOTGW_EVENT_A_DST, alen, dst) ||
	    nla_put_u16(msg, IOTGW_EVENT_A_SRC_PORT, ntohs(ports->source)) ||
	    nla_put_u16(msg, IOTGW_EVENT_A_DST_PORT, ntohs(ports->dest)))
		return -EMSGSIZE;
	return 0;
}

static int iotgw_event_fill(struct sk_buff *msg, const struct iotgw_event *ev)
{
	char reason[96];
	struct nlattr *nest;
	void *hdr;

	hdr = iotgw_genl_event_start(msg);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(msg, IOTGW_A_EVENT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(msg, IOTGW_EVENT_A_PROTO, ev->proto) ||
	    nla_put_u8(msg, IOTGW_EVENT_A_HOOK, ev->hook) ||
	    iotgw_event_put_addrs(msg, ev) ||
	    nla_put_u8(msg, IOTGW_EVENT_A_VERDICT, ev->verdict) ||
	    nla_put_u32(msg, IOTGW_EVENT_A_LEN, ev->len))
		return -EMSGSIZE;
	if (ev->topic) {
		/* the topic is not terminated: a string attribute by hand */
		struct nlattr *t = nla_reserve(msg, IOTGW_EVENT_A_TOPIC,
					       ev->topic_len + 1);

		if (!t)
			return -EMSGSIZE;
		memcpy(nla_data(t), ev->topic, ev->topic_len);
		((char *)nla_data(t))[ev->topic_len] = '\0';
	}
	if (ev->rule && nla_put_string(msg, IOTGW_EVENT_A_RULE, ev->rule->name))
		return -EMSGSIZE;
	if (ev->verdict == IOTGW_VERDICT_MALFORMED) {
		if (nla_put_string(msg, IOTGW_EVENT_A_REASON,
				   iotgw_reason_name(ev->reason, reason,
						     sizeof(reason))))
			return -EMSGSIZE;
	} else if (ev->proto == IOTGW_PROTO_COAP) {
		if (nla_put_u8(msg, IOTGW_EVENT_A_COAP_TYPE, ev->coap_type) ||
		    nla_put_u8(msg, IOTGW_EVENT_A_COAP_CODE, ev->coap_code))
			return -EMSGSIZE;
	} else if (ev->proto == IOTGW_PROTO_MQTT &&
		   nla_put_u8(msg, IOTGW_EVENT_A_MQTT_QOS, ev->mqtt_qos)) {
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;
}

void iotgw_monitor_send(struct iotgw_net *in, const struct iotgw_event *ev)
{
	struct sk_buff *msg;
	size_t size;

	if (!rcu_dereference(in->config)->event_rate ||
	    !iotgw_ratelimit_allow(&in->events))
		goto skipped;
	/* the attributes but the topic fit in 256 bytes */
	size = 256 + nla_total_size(ev->topic ? ev->topic_len + 1 : 0);
	msg = genlmsg_new(size, GFP_ATOMIC);
	if (!msg)
		goto skipped;
	if (iotgw_event_fill(msg, ev)) {
		nlmsg_free(msg);
		goto skipped;
	}
	/* -ESRCH: the last listener left; -ENOBUFS: a listener overran */
	if (iotgw_genl_event_send(in->net, msg))
		goto skipped;
	iotgw_stats_count(in->stats, IOTGW_CNT_EVENTS, 1);
	return;

skipped:
	iotgw_stats_count(in->stats, IOTGW_CNT_EVENTS_SKIPPED, 1);
}
