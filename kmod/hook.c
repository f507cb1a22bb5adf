// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks at LOCAL_IN and FORWARD, IPv4 and IPv6. Traffic that is
 * not CoAP or MQTT by the namespace's ports pays a protocol and port check.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <uapi/linux/iotgw.h>

#include "classify.h"
#include "coap_request.h"
#include "flow.h"
#include "hook.h"
#include "netns.h"

/*
 * UDP to the CoAP port and TCP to or from the MQTT port are classified;
 * everything else pays this check. @fragment: @skb is the first of
 * several IP fragments, whose transport header it carries. At LOCAL_OUT
 * only MQTT is looked at, to follow connections that end here.
 */
static unsigned int iotgw_hook_l4(struct iotgw_net *in, struct sk_buff *skb,
				  const struct nf_hook_state *state,
				  unsigned int thoff, u8 proto, bool fragment)
{
	const struct iotgw_config *cfg = rcu_dereference(in->config);
	u8 hook = state->hook == NF_INET_FORWARD ? IOTGW_HOOK_FWD :
		  state->hook == NF_INET_LOCAL_OUT ? IOTGW_HOOK_LOCAL_OUT :
						     IOTGW_HOOK_IN;
	struct udphdr _uh;	/* the ports are where UDP's and TCP's are */
	const struct udphdr *uh;

	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	if (!uh)
		return NF_ACCEPT;
	if (proto == IPPROTO_UDP && uh->dest == htons(cfg->coap_port) &&
	    hook != IOTGW_HOOK_LOCAL_OUT)
		return iotgw_classify_coap(in, skb, thoff, ntohs(uh->len),
					   uh->source, fragment, hook);
	if (proto == IPPROTO_TCP && (uh->dest == htons(cfg->mqtt_port) ||
				     uh->source == htons(cfg->mqtt_port))) {
		/* over loopback it comes back at LOCAL_IN, seen there */
		if (hook == IOTGW_HOOK_LOCAL_OUT && state->out &&
		    (state->out->flags & IFF_LOOPBACK))
			return NF_ACCEPT;
		if (fragment) {
			iotgw_unclassified(in, IOTGW_REASON_FRAGMENT);
			return NF_ACCEPT;
		}
		return iotgw_classify_mqtt(in, skb, thoff, hook);
	}
	return NF_ACCEPT;
}

/* ICMP errors at LOCAL_IN may tell that a downlink request cannot arrive. */
static void iotgw_hook_icmp(struct iotgw_net *in, struct sk_buff *skb,
			    const struct nf_hook_state *state,
			    unsigned int off, bool first, bool v6)
{
	if (state->hook != NF_INET_LOCAL_IN || !first ||
	    likely(!iotgw_coap_req_listening(&in->coap_reqs)))
		return;
	local_bh_disable();
	iotgw_coap_req_icmp(in, skb, off, v6, state->hook);
	local_bh_enable();
}

/*
 * The classifier's per-CPU buffers, counters and locks expect bottom
 * halves off, as they are in softirq, where forwarded and received
 * packets come. Hooks may also run in process context (LOCAL_OUT, or
 * packets an NFQUEUE verdict reinjects): there they turn them off
 * themselves, as the iptables tables do.
 */
static unsigned int iotgw_hook_l4_bh(struct iotgw_net *in,
				     struct sk_buff *skb,
				     const struct nf_hook_state *state,
				     unsigned int thoff, u8 proto,
				     bool fragment)
{
	unsigned int verdict;

	if (in_softirq())
		return iotgw_hook_l4(in, skb, state, thoff, proto, fragment);
	local_bh_disable();
	verdict = iotgw_hook_l4(in, skb, state, thoff, proto, fragment);
	local_bh_enable();
	return verdict;
}

/* @priv: the namespace's struct iotgw_net, which registered the hook. */
static unsigned int iotgw_hook_ipv4(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (iph->protocol == IPPROTO_ICMP) {
		iotgw_hook_icmp(priv, skb, state, skb_network_offset(skb) +
				ip_hdrlen(skb), !(iph->frag_off &
						  htons(IP_OFFSET)), false);
		return NF_ACCEPT;
	}
	if (iph->protocol != IPPROTO_UDP && iph->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	/* Later fragments carry no transport header: nothing to classify. */
	if (iph->frag_off & htons(IP_OFFSET))
		return NF_ACCEPT;
	return iotgw_hook_l4_bh(priv, skb, state, skb_network_offset(skb) +
				ip_hdrlen(skb), iph->protocol,
				ip_is_fragment(iph));
}

static unsigned int iotgw_hook_ipv6(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	unsigned int thoff = 0;
	unsigned short fragoff = 0;
	int flags = 0, proto;

	proto = ipv6_find_hdr(skb, &thoff, -1, &fragoff, &flags);
	if (proto == IPPROTO_ICMPV6) {
		iotgw_hook_icmp(priv, skb, state, thoff, !fragoff, true);
		return NF_ACCEPT;
	}
	if ((proto != IPPROTO_UDP && proto != IPPROTO_TCP) || fragoff)
		return NF_ACCEPT;
	return iotgw_hook_l4_bh(priv, skb, state, thoff, proto,
				flags & IP6_FH_F_FRAG);
}

static const struct nf_hook_ops iotgw_hook_ops[] = {
	{
		.hook = iotgw_hook_ipv4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP_PRI_FILTER,
	},
	{
		.hook = iotgw_hook_ipv4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_FORWARD,
		.priority = NF_IP_PRI_FILTER,
	},
	{
		.hook = iotgw_hook_ipv4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_FILTER,
	},
	{
		.hook = iotgw_hook_ipv6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP6_PRI_FILTER,
	},
	{
		.hook = iotgw_hook_ipv6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_FORWARD,
		.priority = NF_IP6_PRI_FILTER,
	},
	{
		.hook = iotgw_hook_ipv6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_FILTER,
	},
};

/*
 * The namespace's copy of the hooks carries its state as priv, so that no
 * packet looks it up; it lives in that state, which outlasts the hooks.
 */
int iotgw_hooks_register(struct iotgw_net *in)
{
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(iotgw_hook_ops) != IOTGW_HOOK_OPS);
	memcpy(in->hook_ops, iotgw_hook_ops, sizeof(in->hook_ops));
	for (i = 0; i < ARRAY_SIZE(in->hook_ops); i++)
		in->hook_ops[i].priv = in;
	return nf_register_net_hooks(in->net, in->hook_ops,
				     ARRAY_SIZE(in->hook_ops));
}

void iotgw_hooks_unregister(struct iotgw_net *in)
{
	nf_unregister_net_hooks(in->net, in->hook_ops,
				ARRAY_SIZE(in->hook_ops));
}
