/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_COAP_REQUEST_NETLINK_H
#define _IOTGW_COAP_REQUEST_NETLINK_H

#include <net/genetlink.h>

/* IOTGW_CMD_COAP_REQUEST and IOTGW_CMD_DEVICE_GET, see the uapi header. */
int iotgw_nl_coap_request(struct sk_buff *skb, struct genl_info *info);
int iotgw_nl_device_dump(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _IOTGW_COAP_REQUEST_NETLINK_H */
