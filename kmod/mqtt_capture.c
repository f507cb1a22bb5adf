// SPDX-License-Identifier: GPL-2.0
/*
 * MQTT PUBLISH packets into the QoS queue: the client's PUBLISH goes on
 * to its broker untouched, a copy of its topic and payload, gathered from
 * the stream's segments, is queued when the packet is complete.
 */
#include <linux/jhash.h>
#include <linux/string.h>

#include "classify.h"
#include "mqtt_capture.h"
#include "queue.h"

/*
 * QoS 2 deduplication keys on the client id and the packet id, in the
 * CoAP exchange table: the client id hashed into an address that no
 * CoAP sensor has (ff00::/8, multicast), port 0.
 */
static void iotgw_mqtt_dedup_key(const struct iotgw_flow *flow,
				 struct in6_addr *key)
{
	size_t len = strnlen(flow->client_id, sizeof(flow->client_id));

	key->s6_addr32[0] = htonl(0xff000000 | flow->key.family);
	key->s6_addr32[1] = (__force __be32)jhash(flow->client_id, len, 1);
	key->s6_addr32[2] = (__force __be32)jhash(flow->client_id, len, 2);
	key->s6_addr32[3] = (__force __be32)jhash(flow->client_id, len, 3);
}

/* Let go of the copy being gathered, and of its reservation. */
void iotgw_mqtt_capture_drop(struct iotgw_net *in, struct iotgw_flow *flow)
{
	struct iotgw_qmsg *m = flow->capture;

	if (!m)
		return;
	flow->capture = NULL;
	atomic_sub(m->cost, &in->queue.capture_bytes);
	iotgw_qmsg_free(m);
}

/*
 * A copy that cannot be completed: let it go and count it refused (the
 * PUBLISH itself went on to the broker).
 */
void iotgw_mqtt_capture_abandon(struct iotgw_net *in, struct iotgw_flow *flow)
{
	if (!flow->capture)
		return;
	iotgw_mqtt_capture_drop(in, flow);
	iotgw_queue_count(&in->queue, IOTGW_QCNT_REFUSED, 1);
	iotgw_stats_count(in->stats, IOTGW_CNT_REFUSED, 1);
}

enum iotgw_verdict iotgw_mqtt_capture_start(struct iotgw_net *in,
					    struct iotgw_flow *flow,
					    const struct mqtt_event *ev,
					    struct iotgw_rule *rule)
{
	u8 qos = rule->has_qos ? rule->qos : ev->qos;
	u32 bytes = ev->remaining, max;
	struct iotgw_qmsg *m;
	struct in6_addr key;

	iotgw_mqtt_capture_drop(in, flow);	/* an unfinished one */
	flow->capture_dedup = false;
	if (ev->qos == 2) {
		iotgw_mqtt_dedup_key(flow, &key);
		/*
		 * Remembered once queued (at the packet's end); a packet id
		 * is free again once its exchange is complete, so only a DUP
		 * resend is a duplicate.
		 */
		if (!(ev->flags & MQTT_PUB_DUP)) {
			iotgw_dedup_forget(&in->dedup, &key, 0, ev->packet_id);
		} else if (iotgw_dedup_seen(&in->dedup, &key, 0,
					    ev->packet_id)) {
			iotgw_queue_count(&in->queue, IOTGW_QCNT_DUPLICATES, 1);
			iotgw_rule_count(in, rule, bytes, IOTGW_RCNT_DUPLICATES,
					 IOTGW_CNT_DUPLICATES);
			return IOTGW_VERDICT_DUPLICATE;
		}
		flow->capture_dedup = true;
		flow->capture_pid = ev->packet_id;
	}

	m = iotgw_qmsg_alloc(&in->queue, ev->topic_len, ev->payload_len);
	/*
	 * Copies being gathered count against the queue's byte limit too,
	 * so that stalled connections cannot pin more memory than it.
	 */
	max = rcu_dereference(in->config)->queue_max_bytes;
	if (m && atomic_add_return(m->cost, &in->queue.capture_bytes) > max) {
		atomic_sub(m->cost, &in->queue.capture_bytes);
		iotgw_qmsg_free(m);
		m = NULL;
	}
	if (!m) {
		iotgw_queue_count(&in->queue, IOTGW_QCNT_REFUSED, 1);
		iotgw_rule_count(in, rule, bytes, IOTGW_RCNT_REFUSED,
				 IOTGW_CNT_REFUSED);
		return IOTGW_VERDICT_REFUSED;
	}
	m->qos = qos;
	m->proto = IOTGW_PROTO_MQTT;
	m->family = flow->key.family;
	if (m->family == AF_INET)
		memcpy(&m->src, &flow->key.client.s6_addr32[3], 4);
	else
		m->src = flow->key.client;
	m->src_port = ntohs(flow->key.client_port);
	strscpy(m->rule, rule->name, sizeof(m->rule));
	memcpy(m->data, ev->topic, ev->topic_len);
	flow->capture = m;
	flow->capture_bytes = bytes;
	return IOTGW_VERDICT_QUEUED;
}

void iotgw_mqtt_capture_data(struct iotgw_net *in, struct iotgw_flow *flow,
			     const struct mqtt_event *ev)
{
	struct iotgw_qmsg *m = flow->capture;

	if (!m)
		return;
	if (ev->offset > m->payload_len ||
	    ev->len > m->payload_len - ev->offset) {
		/* not what the header announced: never queue a guess */
		iotgw_mqtt_capture_abandon(in, flow);
		return;
	}
	memcpy(iotgw_qmsg_payload(m) + ev->offset, ev->data, ev->len);
}

void iotgw_mqtt_capture_end(struct iotgw_net *in, struct iotgw_flow *flow)
{
	struct iotgw_qmsg *m = flow->capture;
	enum iotgw_rule_counter rcnt = IOTGW_RCNT_QUEUED;
	enum iotgw_counter cnt = IOTGW_CNT_QUEUED;
	struct iotgw_rule *rule;
	struct in6_addr key;
	u32 evicted;
	u8 code;

	if (!m)
		return;
	flow->capture = NULL;
	atomic_sub(m->cost, &in->queue.capture_bytes);
	/* the rule may have changed since the PUBLISH began: count on it
	 * only if it still decides this topic
	 */
	rule = iotgw_rules_match(&in->rules, (const char *)m->data,
				 m->topic_len, IOTGW_PROTO_MQTT,
				 flow->capture_hook);
	if (rule && strcmp(rule->name, m->rule))
		rule = NULL;
	if (iotgw_queue_admit(&in->queue, m)) {
		rcnt = IOTGW_RCNT_REFUSED;
		cnt = IOTGW_CNT_REFUSED;
	} else if (flow->capture_dedup) {
		iotgw_mqtt_dedup_key(flow, &key);
		if (iotgw_dedup_check(&in->dedup, &key, 0, flow->capture_pid,
				      rcu_dereference(in->config)->dedup_max,
				      &code, &evicted) == IOTGW_DEDUP_NEW)
			iotgw_dedup_answer(&in->dedup, &key, 0,
					   flow->capture_pid, 1);
		if (evicted)
			iotgw_queue_count(&in->queue, IOTGW_QCNT_DEDUP_EVICTED,
					  evicted);
	}
	if (rule)
		iotgw_rule_count(in, rule, flow->capture_bytes, rcnt, cnt);
	else
		iotgw_stats_count(in->stats, cnt, 1);
}
