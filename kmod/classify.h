/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_CLASSIFY_H
#define _IOTGW_CLASSIFY_H

#include <linux/skbuff.h>

#include "netns.h"
#include "rules.h"
#include "stats.h"

/*
 * Packets seen at LOCAL_OUT carry this hook value inside the module: their
 * MQTT streams are followed, their PUBLISH packets are not classified.
 */
#define IOTGW_HOOK_LOCAL_OUT	__IOTGW_HOOK_MAX

/* Bytes of a CoAP datagram the classifier reads to find its topic. */
#define IOTGW_COAP_SCAN_MAX 1280

/*
 * Classify the CoAP datagram in @skb (UDP header at @thoff, UDP length
 * @ulen as the header says, from port @sport) seen at @hook (enum
 * iotgw_hook), apply the deciding rule, count it. Answers to downlink
 * requests are taken first, and a request's sender is remembered in the
 * device table. Returns the netfilter verdict. @fragment: the datagram
 * is the first of several IP fragments.
 */
unsigned int iotgw_classify_coap(struct iotgw_net *in, struct sk_buff *skb,
				 unsigned int thoff, unsigned int ulen,
				 __be16 sport, bool fragment, u8 hook);

/* Count a packet that passes without a topic, and why. */
void iotgw_unclassified(struct iotgw_net *in, enum iotgw_reason why);

/*
 * What @rule decides for one message of @bytes in @skb (enum
 * iotgw_verdict: ACCEPTED, DROPPED, MARKED or RATELIMITED; a per-source
 * limit counts @skb's source address). Counts it for the rule and the
 * namespace.
 */
enum iotgw_verdict iotgw_rule_decide(struct iotgw_net *in,
				     struct iotgw_rule *rule,
				     const struct sk_buff *skb,
				     unsigned int bytes);

/* Whether a message with @verdict goes on. */
static inline bool iotgw_verdict_passes(enum iotgw_verdict verdict)
{
	return verdict != IOTGW_VERDICT_DROPPED &&
	       verdict != IOTGW_VERDICT_RATELIMITED;
}

/* Count one message of @bytes decided by @rule as @rcnt and @cnt. */
void iotgw_rule_count(struct iotgw_net *in, struct iotgw_rule *rule,
		      unsigned int bytes, enum iotgw_rule_counter rcnt,
		      enum iotgw_counter cnt);

/* The source address of @skb, IPv4 mapped into IPv6. */
void iotgw_skb_source(const struct sk_buff *skb, struct in6_addr *src);

/* Set the rule's skb mark and priority, if it has them. */
void iotgw_rule_mark(const struct iotgw_rule *rule, struct sk_buff *skb);

#endif /* _IOTGW_CLASSIFY_H */
