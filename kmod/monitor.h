/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_MONITOR_H
#define _IOTGW_MONITOR_H

#include <linux/skbuff.h>
#include <linux/types.h>

#include "netns.h"
#include "rules.h"
#include "stats.h"

/* One message as the classifier decided it, for the monitor group. */
struct iotgw_event {
	const struct sk_buff *skb;	/* its packet (IP header, ports) */
	unsigned int thoff;		/* the packet's transport header */
	u8 proto;			/* enum iotgw_proto */
	u8 hook;			/* enum iotgw_hook */
	u8 verdict;			/* enum iotgw_verdict */
	u8 coap_type;
	u8 coap_code;
	u8 mqtt_qos;
	const char *topic;		/* NULL for a malformed message */
	u32 topic_len;
	const struct iotgw_rule *rule;	/* the deciding rule, or NULL */
	u32 len;			/* the message's bytes */
	enum iotgw_reason reason;	/* IOTGW_VERDICT_MALFORMED */
};

/* Whether anyone listens to the namespace's events: cheap, check first. */
bool iotgw_monitor_listening(struct iotgw_net *in);

/*
 * Under rcu_read_lock(), in any context: send @ev to the listeners, if
 * the namespace's event rate allows; counts it as sent or skipped.
 */
void iotgw_monitor_send(struct iotgw_net *in, const struct iotgw_event *ev);

#endif /* _IOTGW_MONITOR_H */
