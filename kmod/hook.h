/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_HOOK_H
#define _IOTGW_HOOK_H

#include <net/net_namespace.h>

/*
 * The netfilter hooks of one namespace: IPv4 and IPv6, input and forward
 * (classified), and local output (MQTT connections that end here are
 * followed in both directions; nothing is classified there).
 */
int iotgw_hooks_register(struct net *net);
void iotgw_hooks_unregister(struct net *net);

#endif /* _IOTGW_HOOK_H */
