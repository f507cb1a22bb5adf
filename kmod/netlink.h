/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_NETLINK_H
#define _IOTGW_NETLINK_H

int iotgw_genl_init(void);
void iotgw_genl_exit(void);

#endif /* _IOTGW_NETLINK_H */
