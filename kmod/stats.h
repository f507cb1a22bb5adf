/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_STATS_H
#define _IOTGW_STATS_H

#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>

#include "proto/coap.h"
#include "proto/mqtt.h"

/* Namespace counters; each maps to an IOTGW_STATS_A_* attribute. */
enum iotgw_counter {
	IOTGW_CNT_PACKETS,
	IOTGW_CNT_BYTES,
	IOTGW_CNT_MATCHED,
	IOTGW_CNT_UNMATCHED,
	IOTGW_CNT_UNCLASSIFIED,
	IOTGW_CNT_PARSE_ERRORS,
	IOTGW_CNT_ACCEPTED,
	IOTGW_CNT_DROPPED,
	IOTGW_CNT_MARKED,
	IOTGW_CNT_RATELIMITED,
	IOTGW_CNT_REPLIES,
	IOTGW_CNT_EVENTS,
	IOTGW_CNT_EVENTS_SKIPPED,
	IOTGW_CNT_QUEUED,
	IOTGW_CNT_REFUSED,
	IOTGW_CNT_DUPLICATES,
	IOTGW_CNT_COAP_REQUESTS,
	IOTGW_CNT_COAP_TRANSMISSIONS,
	IOTGW_CNT_COAP_RESPONSES,
	IOTGW_CNT_COAP_FAILURES,
	IOTGW_CNT_COAP_RESULTS_LOST,
	__IOTGW_CNT_MAX
};

/*
 * Why a packet was malformed or passed unclassified: the CoAP parser's
 * error codes first (index = enum coap_err), the MQTT parser's next
 * (IOTGW_REASON_MQTT(err)), then the classifier's own.
 */
#define IOTGW_REASON_MQTT(err)	((enum iotgw_reason)(__COAP_ERR_MAX + (err)))
#define IOTGW_REASON_OWN	(__COAP_ERR_MAX + __MQTT_ERR_MAX)

enum iotgw_reason {
	IOTGW_REASON_FRAGMENT = IOTGW_REASON_OWN, /* IP fragment */
	IOTGW_REASON_UDP_LENGTH,	/* UDP length disagrees with the packet */
	IOTGW_REASON_COAP_TOO_LONG,	/* options beyond the scanned bytes */
	IOTGW_REASON_COAP_NO_TOPIC,	/* no Uri-Path: not a topic message */
	IOTGW_REASON_MQTT_NO_FLOW,	/* connection opened before tracking */
	IOTGW_REASON_MQTT_FLOW_FULL,	/* flow table full at its SYN */
	IOTGW_REASON_MQTT_OUT_OF_ORDER,	/* a gap in the stream: lost sync */
	IOTGW_REASON_MQTT_NOT_FOLLOWED,	/* after losing sync or a bad packet */
	IOTGW_REASON_MQTT_HDR_TOO_LONG,	/* PUBLISH header beyond the buffer */
	IOTGW_REASON_MQTT_NO_ALIAS,	/* topic alias with no known topic */
	IOTGW_REASON_MQTT_NO_MEMORY,	/* no memory for a flow or alias map */
	IOTGW_REASON_MQTT_BAD_CHECKSUM,	/* TCP checksum wrong: not followed */
	IOTGW_REASON_UDP_GSO,		/* several datagrams in one GSO skb */
	__IOTGW_REASON_MAX
};

struct iotgw_stats {
	u64_stats_t cnt[__IOTGW_CNT_MAX];
	u64_stats_t reason[__IOTGW_REASON_MAX];
	struct u64_stats_sync syncp;
};

/* Per-rule counters; each maps to an IOTGW_STATS_A_* attribute too. */
enum iotgw_rule_counter {
	IOTGW_RCNT_PACKETS,
	IOTGW_RCNT_BYTES,
	IOTGW_RCNT_ACCEPTED,
	IOTGW_RCNT_DROPPED,
	IOTGW_RCNT_MARKED,
	IOTGW_RCNT_RATELIMITED,
	IOTGW_RCNT_QUEUED,
	IOTGW_RCNT_REFUSED,
	IOTGW_RCNT_DUPLICATES,
	__IOTGW_RCNT_MAX
};

struct iotgw_rule_stats {
	u64_stats_t cnt[__IOTGW_RCNT_MAX];
	struct u64_stats_sync syncp;
};

struct iotgw_stats __percpu *iotgw_stats_alloc(void);
struct iotgw_rule_stats __percpu *iotgw_rule_stats_alloc(void);

/*
 * Fast path, softirq or BH disabled: count on this CPU. Inline, as every
 * packet counts several times.
 */
static inline void iotgw_stats_count(struct iotgw_stats __percpu *stats,
				     enum iotgw_counter cnt, u64 add)
{
	struct iotgw_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->cnt[cnt], add);
	u64_stats_update_end(&s->syncp);
}

/* A packet of @bytes seen by the classifier. */
static inline void iotgw_stats_packet(struct iotgw_stats __percpu *stats,
				      unsigned int bytes)
{
	struct iotgw_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[IOTGW_CNT_PACKETS]);
	u64_stats_add(&s->cnt[IOTGW_CNT_BYTES], bytes);
	u64_stats_update_end(&s->syncp);
}

static inline void iotgw_stats_reason(struct iotgw_stats __percpu *stats,
				      enum iotgw_reason reason)
{
	struct iotgw_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->reason[reason]);
	u64_stats_update_end(&s->syncp);
}

static inline void
iotgw_rule_stats_count(struct iotgw_rule_stats __percpu *stats,
		       unsigned int bytes, enum iotgw_rule_counter verdict)
{
	struct iotgw_rule_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[IOTGW_RCNT_PACKETS]);
	u64_stats_add(&s->cnt[IOTGW_RCNT_BYTES], bytes);
	u64_stats_inc(&s->cnt[verdict]);
	u64_stats_update_end(&s->syncp);
}

/* Sums over every CPU. */
void iotgw_stats_read(struct iotgw_stats __percpu *stats,
		      u64 cnt[__IOTGW_CNT_MAX], u64 reason[__IOTGW_REASON_MAX]);
void iotgw_rule_stats_read(struct iotgw_rule_stats __percpu *stats,
			   u64 cnt[__IOTGW_RCNT_MAX]);
void iotgw_stats_reset(struct iotgw_stats __percpu *stats);
void iotgw_rule_stats_reset(struct iotgw_rule_stats __percpu *stats);

/* "coap: option delta 15", "unclassified: IP fragment", ... */
const char *iotgw_reason_name(enum iotgw_reason reason, char *buf,
			      size_t len);

#endif /* _IOTGW_STATS_H */
