/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_QUEUE_NETLINK_H
#define _IOTGW_QUEUE_NETLINK_H

#include <net/genetlink.h>

/* The IOTGW_CMD_QUEUE_* requests, see include/uapi/linux/iotgw.h. */
int iotgw_nl_queue_bind(struct sk_buff *skb, struct genl_info *info);
int iotgw_nl_queue_unbind(struct sk_buff *skb, struct genl_info *info);
int iotgw_nl_queue_ack(struct sk_buff *skb, struct genl_info *info);
int iotgw_nl_queue_nack(struct sk_buff *skb, struct genl_info *info);
int iotgw_nl_queue_reject(struct sk_buff *skb, struct genl_info *info);
int iotgw_nl_queue_get(struct sk_buff *skb, struct genl_info *info);
int iotgw_nl_queue_flush(struct sk_buff *skb, struct genl_info *info);

#endif /* _IOTGW_QUEUE_NETLINK_H */
