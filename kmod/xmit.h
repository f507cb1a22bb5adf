/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_XMIT_H
#define _IOTGW_XMIT_H

#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/net_namespace.h>

/* Most bytes of UDP payload iotgw_xmit_udp_reply() sends. */
#define IOTGW_XMIT_UDP_MAX	64

/*
 * Answer the UDP datagram @oskb (IPv4 or IPv6, UDP header at @udp_off)
 * with @payload from its destination back to its source, as the server
 * would: the reply's addresses and ports are the request's, swapped.
 * Atomic context. Returns 0 or a negative errno (-EMSGSIZE over
 * IOTGW_XMIT_UDP_MAX).
 */
int iotgw_xmit_udp_reply(struct net *net, struct sk_buff *oskb,
			 unsigned int udp_off, const u8 *payload,
			 unsigned int len);

/*
 * Reset the TCP connection of segment @oskb (TCP header at @thoff): to
 * its source as its destination would (@to_source), or to its
 * destination as its source would, with sequence number @seq, the one
 * the destination expects next (the segment itself is dropped).
 */
int iotgw_xmit_tcp_reset(struct net *net, struct sk_buff *oskb,
			 unsigned int thoff, bool to_source, u32 seq);

/* Headroom a payload skb for iotgw_xmit_udp_to() reserves. */
#define IOTGW_XMIT_HEADROOM	(MAX_HEADER + sizeof(struct ipv6hdr) + \
				 sizeof(struct udphdr))

/*
 * Send the UDP payload @skb holds (allocated with IOTGW_XMIT_HEADROOM
 * reserved) from port @sport of @saddr (a local address; NULL: the one
 * routing picks) to @daddr (IPv4 mapped into IPv6 for IPv4) port @dport,
 * out of interface @oif if not 0, as the gateway's own datagram.
 * Consumes @skb. Any context, bottom halves off. Returns 0,
 * -EHOSTUNREACH when there is no route, or another negative errno.
 */
int iotgw_xmit_udp_to(struct net *net, struct sk_buff *skb,
		      const struct in6_addr *daddr,
		      const struct in6_addr *saddr, int oif, __be16 sport,
		      __be16 dport);

#endif /* _IOTGW_XMIT_H */
