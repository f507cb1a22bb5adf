/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_COAP_INGEST_H
#define _IOTGW_COAP_INGEST_H

#include <linux/skbuff.h>
#include <uapi/linux/iotgw.h>

#include "netns.h"
#include "proto/coap.h"
#include "rules.h"

/*
 * Apply a CAPTURE or INGEST @rule to the CoAP datagram @msg parsed from
 * @skb (UDP header at @thoff, @len bytes of UDP payload): queue it,
 * answer the sensor where the rule is INGEST, count it. Sets *verdict
 * for the event; returns the netfilter verdict, NF_STOLEN when the
 * datagram was answered and ends here (the caller consumes @skb).
 */
unsigned int iotgw_coap_queue(struct iotgw_net *in, struct iotgw_rule *rule,
			      struct sk_buff *skb, unsigned int thoff,
			      unsigned int len, const struct coap_msg *msg,
			      enum iotgw_verdict *verdict);

#endif /* _IOTGW_COAP_INGEST_H */
