// SPDX-License-Identifier: GPL-2.0
/*
 * Building and sending the packets the kernel answers with itself: CoAP
 * replies over UDP and TCP resets, IPv4 and IPv6, from either end of the
 * original packet's addresses.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "xmit.h"

/* A transport header and payload, laid out; its checksum is filled in. */
struct iotgw_l4 {
	u8 proto;
	const void *data;
	unsigned int len;
	unsigned int check_off;	/* offset of the checksum field */
};

/*
 * Append the transport header and payload after the network header, mark
 * where they start, and return their checksum field, zeroed.
 */
static __sum16 *iotgw_put_l4(struct sk_buff *nskb, const struct iotgw_l4 *l4)
{
	u8 *p;

	skb_set_transport_header(nskb, nskb->len);
	p = skb_put_data(nskb, l4->data, l4->len);
	*(__sum16 *)(p + l4->check_off) = 0;
	return (__sum16 *)(p + l4->check_off);
}

/* From @oskb's destination to its source if @reverse, else as it goes. */
static int iotgw_xmit4(struct net *net, struct sk_buff *oskb, bool reverse,
		       const struct iotgw_l4 *l4)
{
	const struct iphdr *oiph = ip_hdr(oskb);
	struct sk_buff *nskb;
	struct iphdr *iph;
	__sum16 *check;

	if (!skb_dst(oskb))
		return -EHOSTUNREACH;
	nskb = alloc_skb(LL_MAX_HEADER + sizeof(*iph) + l4->len, GFP_ATOMIC);
	if (!nskb)
		return -ENOMEM;
	skb_reserve(nskb, LL_MAX_HEADER);
	/* ip_route_me_harder() expects a dst to start from. */
	skb_dst_set_noref(nskb, skb_dst(oskb));
	nskb->protocol = htons(ETH_P_IP);
	nskb->mark = reverse ? IP4_REPLY_MARK(net, oskb->mark) : oskb->mark;

	skb_reset_network_header(nskb);
	iph = skb_put(nskb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	iph->id = 0;
	iph->frag_off = htons(IP_DF);
	iph->protocol = l4->proto;
	iph->saddr = reverse ? oiph->daddr : oiph->saddr;
	iph->daddr = reverse ? oiph->saddr : oiph->daddr;
	iph->ttl = ip4_dst_hoplimit(skb_dst(nskb));

	check = iotgw_put_l4(nskb, l4);
	*check = csum_tcpudp_magic(iph->saddr, iph->daddr, l4->len, l4->proto,
				   csum_partial(skb_transport_header(nskb),
						l4->len, 0));
	if (l4->proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
	nskb->ip_summed = CHECKSUM_NONE;
	iph->tot_len = htons(nskb->len);
	ip_send_check(iph);

	if (ip_route_me_harder(net, NULL, nskb, RTN_UNSPEC)) {
		kfree_skb(nskb);
		return -EHOSTUNREACH;
	}
	return ip_local_out(net, NULL, nskb) < 0 ? -EIO : 0;
}

static int iotgw_xmit6(struct net *net, struct sk_buff *oskb, bool reverse,
		       const struct iotgw_l4 *l4)
{
	const struct ipv6hdr *oip6h = ipv6_hdr(oskb);
	struct dst_entry *dst;
	struct sk_buff *nskb;
	struct ipv6hdr *ip6h;
	struct flowi6 fl6 = {};
	__sum16 *check;

	fl6.flowi6_proto = l4->proto;
	fl6.saddr = reverse ? oip6h->daddr : oip6h->saddr;
	fl6.daddr = reverse ? oip6h->saddr : oip6h->daddr;
	fl6.flowi6_mark = reverse ? IP6_REPLY_MARK(net, oskb->mark) :
				    oskb->mark;
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return -EHOSTUNREACH;
	}

	nskb = alloc_skb(LL_MAX_HEADER + sizeof(*ip6h) + l4->len +
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
	ip6h->nexthdr = l4->proto;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = fl6.daddr;

	check = iotgw_put_l4(nskb, l4);
	*check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, l4->len,
				 l4->proto,
				 csum_partial(skb_transport_header(nskb),
					      l4->len, 0));
	if (l4->proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
	nskb->ip_summed = CHECKSUM_NONE;
	ip6h->payload_len = htons(l4->len);

	return ip6_local_out(net, NULL, nskb) < 0 ? -EIO : 0;
}

static int iotgw_xmit(struct net *net, struct sk_buff *oskb, bool reverse,
		      const struct iotgw_l4 *l4)
{
	if (oskb->protocol == htons(ETH_P_IP))
		return iotgw_xmit4(net, oskb, reverse, l4);
	if (oskb->protocol == htons(ETH_P_IPV6))
		return iotgw_xmit6(net, oskb, reverse, l4);
	return -EAFNOSUPPORT;
}

int iotgw_xmit_udp_reply(struct net *net, struct sk_buff *oskb,
			 unsigned int udp_off, const u8 *payload,
			 unsigned int len)
{
	struct {
		struct udphdr uh;
		u8 payload[IOTGW_XMIT_UDP_MAX];
	} reply;
	struct udphdr _ouh;
	const struct udphdr *ouh;
	struct iotgw_l4 l4 = {
		.proto = IPPROTO_UDP,
		.data = &reply,
		.len = sizeof(reply.uh) + len,
		.check_off = offsetof(struct udphdr, check),
	};

	if (len > sizeof(reply.payload))
		return -EMSGSIZE;
	ouh = skb_header_pointer(oskb, udp_off, sizeof(_ouh), &_ouh);
	if (!ouh)
		return -EINVAL;
	reply.uh.source = ouh->dest;
	reply.uh.dest = ouh->source;
	reply.uh.len = htons(l4.len);
	memcpy(reply.payload, payload, len);
	return iotgw_xmit(net, oskb, true, &l4);
}

int iotgw_xmit_tcp_reset(struct net *net, struct sk_buff *oskb,
			 unsigned int thoff, bool to_source, u32 seq)
{
	struct tcphdr _oth, th = {};
	const struct tcphdr *oth;
	struct iotgw_l4 l4 = {
		.proto = IPPROTO_TCP,
		.data = &th,
		.len = sizeof(th),
		.check_off = offsetof(struct tcphdr, check),
	};
	u32 len;

	oth = skb_header_pointer(oskb, thoff, sizeof(_oth), &_oth);
	if (!oth || oth->rst)
		return -EINVAL;
	len = oskb->len - thoff - oth->doff * 4 + oth->syn + oth->fin;
	th.doff = sizeof(th) / 4;
	th.rst = 1;
	if (to_source) {
		/* As the destination would answer (RFC 793, Reset Generation). */
		th.source = oth->dest;
		th.dest = oth->source;
		if (oth->ack) {
			th.seq = oth->ack_seq;
		} else {
			th.ack = 1;
			th.ack_seq = htonl(ntohl(oth->seq) + len);
		}
	} else {
		th.source = oth->source;
		th.dest = oth->dest;
		th.seq = htonl(seq);
	}
	return iotgw_xmit(net, oskb, to_source, &l4);
}

/* Put the UDP header in front of @skb's payload; its checksum is left 0. */
static struct udphdr *iotgw_push_udp(struct sk_buff *skb, __be16 sport,
				     __be16 dport)
{
	struct udphdr *uh;

	uh = skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh->source = sport;
	uh->dest = dport;
	uh->len = htons(skb->len);
	uh->check = 0;
	return uh;
}

static int iotgw_xmit_udp_to4(struct net *net, struct sk_buff *skb,
			      const struct in6_addr *daddr,
			      const struct in6_addr *saddr, int oif,
			      __be16 sport, __be16 dport)
{
	struct flowi4 fl4 = {
		.daddr = daddr->s6_addr32[3],
		.saddr = saddr ? saddr->s6_addr32[3] : 0,
		.flowi4_oif = oif,
		.flowi4_proto = IPPROTO_UDP,
		.fl4_sport = sport,
		.fl4_dport = dport,
	};
	struct udphdr *uh;
	struct iphdr *iph;
	struct rtable *rt;
	unsigned int ulen;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	/* one device: not a broadcast or multicast route */
	if (rt->rt_type != RTN_UNICAST && rt->rt_type != RTN_LOCAL) {
		ip_rt_put(rt);
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	skb_dst_set(skb, &rt->dst);
	uh = iotgw_push_udp(skb, sport, dport);
	ulen = skb->len;
	uh->check = csum_tcpudp_magic(fl4.saddr, fl4.daddr, ulen, IPPROTO_UDP,
				      csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	/* no path MTU discovery without a socket: let routers fragment */
	iph->frag_off = 0;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = fl4.saddr;
	iph->daddr = fl4.daddr;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	ip_select_ident(net, skb, NULL);
	skb->protocol = htons(ETH_P_IP);
	/* __ip_local_out() sets the length and the header checksum. */
	return ip_local_out(net, NULL, skb) < 0 ? -EIO : 0;
}

static int iotgw_xmit_udp_to6(struct net *net, struct sk_buff *skb,
			      const struct in6_addr *daddr,
			      const struct in6_addr *saddr, int oif,
			      __be16 sport, __be16 dport)
{
	struct flowi6 fl6 = {
		.daddr = *daddr,
		.saddr = saddr ? *saddr : in6addr_any,
		.flowi6_oif = oif,
		.flowi6_proto = IPPROTO_UDP,
		.fl6_sport = sport,
		.fl6_dport = dport,
	};
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	unsigned int ulen;

	dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
	if (IS_ERR(dst)) {
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	skb_dst_set(skb, dst);
	uh = iotgw_push_udp(skb, sport, dport);
	ulen = skb->len;
	uh->check = csum_ipv6_magic(&fl6.saddr, &fl6.daddr, ulen, IPPROTO_UDP,
				    csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;

	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = fl6.daddr;
	ip6h->payload_len = htons(ulen);
	skb->protocol = htons(ETH_P_IPV6);
	return ip6_local_out(net, NULL, skb) < 0 ? -EIO : 0;
}

int iotgw_xmit_udp_to(struct net *net, struct sk_buff *skb,
		      const struct in6_addr *daddr,
		      const struct in6_addr *saddr, int oif, __be16 sport,
		      __be16 dport)
{
	if (ipv6_addr_v4mapped(daddr))
		return iotgw_xmit_udp_to4(net, skb, daddr, saddr, oif, sport,
					  dport);
	return iotgw_xmit_udp_to6(net, skb, daddr, saddr, oif, sport, dport);
}
