/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_NETLINK_H
#define _IOTGW_NETLINK_H

#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

extern struct genl_family iotgw_genl_family;

int iotgw_genl_init(void);
void iotgw_genl_exit(void);

/* The events group: anyone listening in @net (under RCU, any context). */
bool iotgw_genl_event_listeners(struct net *net);
/* The header of an IOTGW_CMD_EVENT message in @skb, or NULL. */
void *iotgw_genl_event_start(struct sk_buff *skb);
/* Multicast @skb (consumed) to @net's listeners, GFP_ATOMIC. */
int iotgw_genl_event_send(struct net *net, struct sk_buff *skb);

#endif /* _IOTGW_NETLINK_H */
