/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_XMIT_H
#define _IOTGW_XMIT_H

#include <linux/skbuff.h>
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

#endif /* _IOTGW_XMIT_H */
