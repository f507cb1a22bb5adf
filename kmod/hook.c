// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks at LOCAL_IN and FORWARD, IPv4 and IPv6. Traffic that is
 * not UDP to the namespace's CoAP port pays a protocol and port check.
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
#include "hook.h"
#include "netns.h"

static unsigned int iotgw_hook_udp(struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   unsigned int thoff, bool fragment)
{
	struct iotgw_net *in = iotgw_net(state->net);
	const struct iotgw_config *cfg;
	struct udphdr _uh;
	const struct udphdr *uh;
	u16 port;

	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	if (!uh)
		return NF_ACCEPT;
	cfg = rcu_dereference(in->config);
	port = cfg->coap_port;
	if (uh->dest != htons(port))
		return NF_ACCEPT;
	return iotgw_classify_coap(in, skb, thoff, ntohs(uh->len), fragment,
				   state->hook == NF_INET_FORWARD ?
				   IOTGW_HOOK_FWD : IOTGW_HOOK_IN);
}

static unsigned int iotgw_hook_ipv4(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (iph->protocol != IPPROTO_UDP)
		return NF_ACCEPT;
	/* Later fragments carry no UDP header: nothing to classify. */
	if (iph->frag_off & htons(IP_OFFSET))
		return NF_ACCEPT;
	return iotgw_hook_udp(skb, state, skb_network_offset(skb) +
			      ip_hdrlen(skb), ip_is_fragment(iph));
}

static unsigned int iotgw_hook_ipv6(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	unsigned int thoff = 0;
	unsigned short fragoff = 0;
	int flags = 0;

	if (ipv6_find_hdr(skb, &thoff, IPPROTO_UDP, &fragoff, &flags) !=
	    IPPROTO_UDP || fragoff)
		return NF_ACCEPT;
	return iotgw_hook_udp(skb, state, thoff, flags & IP6_FH_F_FRAG);
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
};

int iotgw_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, iotgw_hook_ops,
				     ARRAY_SIZE(iotgw_hook_ops));
}

void iotgw_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, iotgw_hook_ops, ARRAY_SIZE(iotgw_hook_ops));
}
