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

/*
 * A CON request that coap_parse() refused with @err, in a namespace with
 * ingest rules (which make the gateway a CoAP endpoint): answer as RFC
 * 7252 asks an endpoint to (4.02 or 4.00 piggybacked for an option or
 * Uri-Path error, a Reset for a format error, nothing for a wrong version
 * or a truncated header). Returns whether it was answered (the caller
 * then consumes it: NF_STOLEN).
 */
bool iotgw_coap_reject_malformed(struct iotgw_net *in, struct sk_buff *skb,
				 unsigned int thoff, const struct coap_msg *msg,
				 enum coap_err err);

#endif /* _IOTGW_COAP_INGEST_H */
