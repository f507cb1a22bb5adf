// SPDX-License-Identifier: GPL-2.0
/* Building and sending the replies the kernel answers with itself. */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "xmit.h"

static struct udphdr *iotgw_put_udp(struct sk_buff *nskb,
				    const struct udphdr *ouh,
				    const u8 *payload, unsigned int len)
{
	struct udphdr *uh;

	skb_reset_transport_header(nskb);
	uh = skb_put(nskb, sizeof(*uh));
	uh->source = ouh->dest;
	uh->dest = ouh->source;
	uh->len = htons(sizeof(*uh) + len);
	uh->check = 0;
	skb_put_data(nskb, payload, len);
	return uh;
}

static int iotgw_xmit_udp_reply4(struct net *net, struct sk_buff *oskb,
				 const struct udphdr *ouh, const u8 *payload,
				 unsigned int len)
{
	const struct iphdr *oiph = ip_hdr(oskb);
	unsigned int ulen = sizeof(struct udphdr) + len;
	struct sk_buff *nskb;
	struct udphdr *uh;
	struct iphdr *iph;

	if (!skb_dst(oskb))
		return -EHOSTUNREACH;
	nskb = alloc_skb(LL_MAX_HEADER + sizeof(*iph) + ulen, GFP_ATOMIC);
	if (!nskb)
		return -ENOMEM;
	skb_reserve(nskb, LL_MAX_HEADER);
	/* ip_route_me_harder() expects a dst to start from. */
	skb_dst_set_noref(nskb, skb_dst(oskb));
	nskb->protocol = htons(ETH_P_IP);
	nskb->mark = IP4_REPLY_MARK(net, oskb->mark);

	skb_reset_network_header(nskb);
	iph = skb_put(nskb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	iph->id = 0;
	iph->frag_off = htons(IP_DF);
	iph->protocol = IPPROTO_UDP;
	iph->saddr = oiph->daddr;
	iph->daddr = oiph->saddr;
	iph->ttl = ip4_dst_hoplimit(skb_dst(nskb));

	uh = iotgw_put_udp(nskb, ouh, payload, len);
	uh->check = csum_tcpudp_magic(iph->saddr, iph->daddr, ulen,
				      IPPROTO_UDP, csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	nskb->ip_summed = CHECKSUM_NONE;
	iph->tot_len = htons(nskb->len);
	ip_send_check(iph);

	if (ip_route_me_harder(net, NULL, nskb, RTN_UNSPEC))
		goto err_free;
	return ip_local_out(net, NULL, nskb) < 0 ? -EIO : 0;

err_free:
	kfree_skb(nskb);
	return -EHOSTUNREACH;
}

static int iotgw_xmit_udp_reply6(struct net *net, struct sk_buff *oskb,
				 const struct udphdr *ouh, const u8 *payload,
				 unsigned int len)
{
	const struct ipv6hdr *oip6h = ipv6_hdr(oskb);
	unsigned int ulen = sizeof(struct udphdr) + len;
	struct dst_entry *dst;
	struct sk_buff *nskb;
	struct ipv6hdr *ip6h;
	struct flowi6 fl6 = {};
	struct udphdr *uh;

	fl6.flowi6_proto = IPPROTO_UDP;
	fl6.saddr = oip6h->daddr;
	fl6.daddr = oip6h->saddr;
	fl6.fl6_sport = ouh->dest;
	fl6.fl6_dport = ouh->source;
	fl6.flowi6_mark = IP6_REPLY_MARK(net, oskb->mark);
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return -EHOSTUNREACH;
	}

	nskb = alloc_skb(LL_MAX_HEADER + sizeof(*ip6h) + ulen +
			 dst->trailer_len, GFP_ATOMIC);
	if (!nskb) {
		dst_release(dst);
		return -ENOMEM;
	}
	skb_reserve(nskb, LL_MAX_HEADER);
	skb_dst_set(nskb, dst);
	nskb->protocol = htons(ETH_P_IPV6);
	nskb->mark = fl6.flowi6_mark;

	skb_reset_network_header(nskb);
	ip6h = skb_put(nskb, sizeof(*ip6h));
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = oip6h->daddr;
	ip6h->daddr = oip6h->saddr;

	uh = iotgw_put_udp(nskb, ouh, payload, len);
	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ulen,
				    IPPROTO_UDP, csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	nskb->ip_summed = CHECKSUM_NONE;
	ip6h->payload_len = htons(ulen);

	return ip6_local_out(net, NULL, nskb) < 0 ? -EIO : 0;
}

int iotgw_xmit_udp_reply(struct net *net, struct sk_buff *oskb,
			 unsigned int udp_off, const u8 *payload,
			 unsigned int len)
{
	struct udphdr _ouh;
	const struct udphdr *ouh;

	ouh = skb_header_pointer(oskb, udp_off, sizeof(_ouh), &_ouh);
	if (!ouh)
		return -EINVAL;
	if (oskb->protocol == htons(ETH_P_IP))
		return iotgw_xmit_udp_reply4(net, oskb, ouh, payload, len);
	if (oskb->protocol == htons(ETH_P_IPV6))
		return iotgw_xmit_udp_reply6(net, oskb, ouh, payload, len);
	return -EAFNOSUPPORT;
}
