/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_HOOK_H
#define _IOTGW_HOOK_H

#include <linux/netfilter.h>

struct iotgw_net;

/* IPv4 and IPv6, each at LOCAL_IN, FORWARD and LOCAL_OUT */
#define IOTGW_HOOK_OPS	6

/*
 * The netfilter hooks of one namespace: IPv4 and IPv6, input and forward
 * (classified), and local output (MQTT connections that end here are
 * followed in both directions; nothing is classified there).
 */
int iotgw_hooks_register(struct iotgw_net *in);
void iotgw_hooks_unregister(struct iotgw_net *in);

#endif /* _IOTGW_HOOK_H */
