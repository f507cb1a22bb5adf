// SPDX-License-Identifier: GPL-2.0
/*
 * Counters, per CPU so that the fast path never shares a cache line, read
 * by summing without stopping it.
 */
#include <linux/kernel.h>

#include "stats.h"

struct iotgw_stats __percpu *iotgw_stats_alloc(void)
{
	struct iotgw_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct iotgw_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

struct iotgw_rule_stats __percpu *iotgw_rule_stats_alloc(void)
{
	struct iotgw_rule_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct iotgw_rule_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void iotgw_stats_read(struct iotgw_stats __percpu *stats,
		      u64 cnt[__IOTGW_CNT_MAX], u64 reason[__IOTGW_REASON_MAX])
{
	int cpu, i;

	memset(cnt, 0, sizeof(u64) * __IOTGW_CNT_MAX);
	memset(reason, 0, sizeof(u64) * __IOTGW_REASON_MAX);
	for_each_possible_cpu(cpu) {
		const struct iotgw_stats *s = per_cpu_ptr(stats, cpu);
		u64 c[__IOTGW_CNT_MAX], r[__IOTGW_REASON_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < __IOTGW_CNT_MAX; i++)
				c[i] = u64_stats_read(&s->cnt[i]);
			for (i = 0; i < __IOTGW_REASON_MAX; i++)
				r[i] = u64_stats_read(&s->reason[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < __IOTGW_CNT_MAX; i++)
			cnt[i] += c[i];
		for (i = 0; i < __IOTGW_REASON_MAX; i++)
			reason[i] += r[i];
	}
}

void iotgw_rule_stats_read(struct iotgw_rule_stats __percpu *stats,
			   u64 cnt[__IOTGW_RCNT_MAX])
{
	int cpu, i;

	memset(cnt, 0, sizeof(u64) * __IOTGW_RCNT_MAX);
	for_each_possible_cpu(cpu) {
		const struct iotgw_rule_stats *s = per_cpu_ptr(stats, cpu);
		u64 c[__IOTGW_RCNT_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < __IOTGW_RCNT_MAX; i++)
				c[i] = u64_stats_read(&s->cnt[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < __IOTGW_RCNT_MAX; i++)
			cnt[i] += c[i];
	}
}

/*
 * A reset races with the fast path: a packet counted on another CPU while
 * its counters are zeroed may be lost from the new totals. Counting is
 * approximate across a reset, never corrupted.
 */
void iotgw_stats_reset(struct iotgw_stats __percpu *stats)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct iotgw_stats *s = per_cpu_ptr(stats, cpu);

		local_bh_disable();
		u64_stats_update_begin(&s->syncp);
		for (i = 0; i < __IOTGW_CNT_MAX; i++)
			u64_stats_set(&s->cnt[i], 0);
		for (i = 0; i < __IOTGW_REASON_MAX; i++)
			u64_stats_set(&s->reason[i], 0);
		u64_stats_update_end(&s->syncp);
		local_bh_enable();
	}
}

void iotgw_rule_stats_reset(struct iotgw_rule_stats __percpu *stats)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct iotgw_rule_stats *s = per_cpu_ptr(stats, cpu);

		local_bh_disable();
		u64_stats_update_begin(&s->syncp);
		for (i = 0; i < __IOTGW_RCNT_MAX; i++)
			u64_stats_set(&s->cnt[i], 0);
		u64_stats_update_end(&s->syncp);
		local_bh_enable();
	}
}

const char *iotgw_reason_name(enum iotgw_reason reason, char *buf,
			      size_t len)
{
	static const char * const names[] = {
		[IOTGW_REASON_FRAGMENT - IOTGW_REASON_OWN] = "IP fragment",
		[IOTGW_REASON_UDP_LENGTH - IOTGW_REASON_OWN] =
			"UDP length does not match the packet",
		[IOTGW_REASON_COAP_TOO_LONG - IOTGW_REASON_OWN] =
			"CoAP options beyond the scanned bytes",
		[IOTGW_REASON_COAP_NO_TOPIC - IOTGW_REASON_OWN] =
			"CoAP message without Uri-Path",
		[IOTGW_REASON_MQTT_NO_FLOW - IOTGW_REASON_OWN] =
			"MQTT connection opened before it could be followed",
		[IOTGW_REASON_MQTT_FLOW_FULL - IOTGW_REASON_OWN] =
			"MQTT connection not followed: flow table full",
		[IOTGW_REASON_MQTT_OUT_OF_ORDER - IOTGW_REASON_OWN] =
			"MQTT segment out of order: connection lost sync",
		[IOTGW_REASON_MQTT_NOT_FOLLOWED - IOTGW_REASON_OWN] =
			"MQTT segment of a connection no longer followed",
		[IOTGW_REASON_MQTT_HDR_TOO_LONG - IOTGW_REASON_OWN] =
			"MQTT PUBLISH header too long to classify",
		[IOTGW_REASON_MQTT_NO_ALIAS - IOTGW_REASON_OWN] =
			"MQTT topic alias without a known topic",
		[IOTGW_REASON_MQTT_NO_MEMORY - IOTGW_REASON_OWN] =
			"MQTT connection not followed: no memory",
		[IOTGW_REASON_MQTT_BAD_CHECKSUM - IOTGW_REASON_OWN] =
			"MQTT segment with a wrong TCP checksum: not followed",
		[IOTGW_REASON_UDP_GSO - IOTGW_REASON_OWN] =
			"UDP datagrams aggregated by GRO",
	};

	if ((unsigned int)reason < __COAP_ERR_MAX)
		snprintf(buf, len, "coap: %s",
			 coap_err_str((enum coap_err)reason));
	else if (reason < IOTGW_REASON_OWN)
		snprintf(buf, len, "mqtt: %s",
			 mqtt_err_str((enum mqtt_err)(reason - __COAP_ERR_MAX)));
	else if (reason < __IOTGW_REASON_MAX)
		snprintf(buf, len, "unclassified: %s",
			 names[reason - IOTGW_REASON_OWN]);
	else
		snprintf(buf, len, "unknown reason %u", reason);
	return buf;
}
