// SPDX-License-Identifier: GPL-2.0
/*
 * CoAP messages into the QoS queue: CAPTURE copies a request and lets
 * it go on; INGEST makes the kernel the endpoint, answering the sensor
 * with 2.04 once queued, 5.03 when the queue cannot take it, and the
 * same answer again when the sensor retransmits. With confirm store or
 * cloud, a CON gets an empty ACK once queued and its 2.04 (or an error)
 * later, separately, when the consumer acks (or rejects) the message.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/udp.h>
#include <net/ipv6.h>

#include "classify.h"
#include "coap_ingest.h"
#include "queue.h"
#include "xmit.h"

/* Largest answer: header, token, Max-Age, a short diagnostic payload. */
#define IOTGW_COAP_ANSWER_MAX	IOTGW_XMIT_UDP_MAX
/*
 * The answer the dedup table remembers for a request acknowledged empty
 * (its response comes separately): 7.31, a code no response has.
 */
#define IOTGW_ANSWER_EMPTY_ACK	COAP_CODE(7, 31)

/* Answer @msg with @code: piggybacked in an ACK for a CON, else a NON. */
static void iotgw_coap_answer(struct iotgw_net *in, struct sk_buff *skb,
			      unsigned int thoff, const struct coap_msg *msg,
			      u8 code)
{
	struct coap_response r = {
		.type = COAP_TYPE_ACK,
		.code = code,
		.mid = msg->mid,
		.tkl = msg->tkl,
		.token = msg->token,
	};
	u8 buf[IOTGW_COAP_ANSWER_MAX];
	int len;

	if (code == IOTGW_ANSWER_EMPTY_ACK) {
		len = coap_build_empty_ack(buf, sizeof(buf), msg->mid);
		goto send;
	}
	if (msg->type != COAP_TYPE_CON) {
		r.type = COAP_TYPE_NON;
		r.mid = (u16)atomic_inc_return(&in->coap_mid);
	}
	/* a diagnostic payload for the sensor's operator (RFC 7252 5.5.2) */
	if (code == COAP_CODE_SERVICE_UNAVAILABLE) {
		r.has_max_age = true;
		r.max_age = rcu_dereference(in->config)->queue_busy_max_age;
		r.payload = (const u8 *)"queue full";
		r.payload_len = sizeof("queue full") - 1;
	} else if (code == COAP_CODE_METHOD_NOT_ALLOWED) {
		r.payload = (const u8 *)"POST or PUT";
		r.payload_len = sizeof("POST or PUT") - 1;
	}
	len = coap_build_response(buf, sizeof(buf), &r);
send:
	if (len < 0)
		return;
	if (!iotgw_xmit_udp_reply(in->net, skb, thoff, buf, len))
		iotgw_stats_count(in->stats, IOTGW_CNT_REPLIES, 1);
}

bool iotgw_coap_reject_malformed(struct iotgw_net *in, struct sk_buff *skb,
				 unsigned int thoff, const struct coap_msg *msg,
				 enum coap_err err)
{
	u8 rst[COAP_HDR_LEN];
	u8 code;

	if (err == COAP_ERR_TRUNC_HEADER || err == COAP_ERR_VERSION ||
	    msg->type != COAP_TYPE_CON || !READ_ONCE(in->rules.ingest))
		return false;
	code = coap_err_response(err);
	/* a request with a bad option or path: its token is valid */
	if (code && COAP_CODE_CLASS(msg->code) == 0 &&
	    msg->code != COAP_CODE_EMPTY) {
		iotgw_coap_answer(in, skb, thoff, msg, code);
		return true;
	}
	if (coap_build_rst(rst, sizeof(rst), msg->mid) != sizeof(rst))
		return false;
	if (!iotgw_xmit_udp_reply(in->net, skb, thoff, rst, sizeof(rst)))
		iotgw_stats_count(in->stats, IOTGW_CNT_REPLIES, 1);
	return true;
}

/*
 * Copy @msg's topic and payload, from source port @sport, into a message;
 * with @confirm (not ADMIT), what its separate response needs as well.
 */
static struct iotgw_qmsg *iotgw_coap_qmsg(struct iotgw_net *in,
					  const struct iotgw_rule *rule,
					  const struct sk_buff *skb,
					  unsigned int thoff, unsigned int len,
					  const struct coap_msg *msg,
					  __be16 sport, u8 qos, u8 confirm)
{
	unsigned int off = msg->payload ? msg->payload_off : len;
	struct iotgw_qmsg *m;

	m = iotgw_qmsg_alloc(&in->queue, msg->topic_len, len - off);
	if (!m)
		return NULL;
	m->qos = qos;
	m->proto = IOTGW_PROTO_COAP;
	m->src_port = ntohs(sport);
	m->has_content_format = msg->has_content_format;
	m->content_format = msg->content_format;
	if (skb->protocol == htons(ETH_P_IP)) {
		m->family = AF_INET;
		memcpy(&m->src, &ip_hdr(skb)->saddr, 4);
	} else {
		m->family = AF_INET6;
		m->src = ipv6_hdr(skb)->saddr;
	}
	/* the sensor waits: its answer goes from where it asked, over its link */
	if (confirm != IOTGW_CONFIRM_ADMIT) {
		m->confirm = confirm;
		m->tkl = msg->tkl;
		memcpy(m->token, msg->token, msg->tkl);
		if (m->family == AF_INET) {
			memcpy(&m->dst, &ip_hdr(skb)->daddr, 4);
		} else {
			m->dst = ipv6_hdr(skb)->daddr;
			if (ipv6_addr_type(&m->src) & IPV6_ADDR_LINKLOCAL)
				m->ifindex = skb->skb_iif;
		}
	}
	strscpy(m->rule, rule->name, sizeof(m->rule));
	memcpy(m->data, msg->topic, msg->topic_len);
	if (m->payload_len &&
	    skb_copy_bits(skb, thoff + sizeof(struct udphdr) + off,
			  iotgw_qmsg_payload(m), m->payload_len)) {
		iotgw_qmsg_free(m);
		return NULL;
	}
	return m;
}

unsigned int iotgw_coap_queue(struct iotgw_net *in, struct iotgw_rule *rule,
			      struct sk_buff *skb, unsigned int thoff,
			      unsigned int len, const struct coap_msg *msg,
			      enum iotgw_verdict *verdict)
{
	bool ingest = rule->action == IOTGW_ACTION_INGEST;
	bool con = msg->type == COAP_TYPE_CON;
	enum iotgw_dedup_state seen = IOTGW_DEDUP_NEW;
	const struct udphdr *uh;
	struct udphdr _uh;
	bool dedup, queued;
	struct in6_addr src;
	struct iotgw_qmsg *m;
	u32 evicted;
	u8 code = 0, qos, confirm;

	/* Only requests carry readings; responses and others go on. */
	if ((msg->type != COAP_TYPE_CON && msg->type != COAP_TYPE_NON) ||
	    COAP_CODE_CLASS(msg->code) != 0 || msg->code == COAP_CODE_EMPTY ||
	    (!msg->payload && len > IOTGW_COAP_SCAN_MAX)) {
		*verdict = IOTGW_VERDICT_ACCEPTED;
		iotgw_rule_count(in, rule, skb->len, IOTGW_RCNT_ACCEPTED,
				 IOTGW_CNT_ACCEPTED);
		return NF_ACCEPT;
	}
	if (msg->code != COAP_CODE_POST && msg->code != COAP_CODE_PUT) {
		*verdict = IOTGW_VERDICT_DROPPED;
		iotgw_rule_count(in, rule, skb->len, IOTGW_RCNT_DROPPED,
				 IOTGW_CNT_DROPPED);
		if (!ingest)
			return NF_ACCEPT;	/* not ours to answer */
		iotgw_coap_answer(in, skb, thoff, msg,
				  COAP_CODE_METHOD_NOT_ALLOWED);
		return NF_STOLEN;
	}

	qos = rule->has_qos ? rule->qos : con ? 1 : 0;
	/* only a confirmable request of QoS 1 or 2 can wait for its answer */
	confirm = ingest && con && qos > 0 ? rule->confirm : IOTGW_CONFIRM_ADMIT;
	dedup = (ingest && con) || qos == 2;
	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	if (!uh) {			/* the hook read it already */
		*verdict = IOTGW_VERDICT_ACCEPTED;
		return NF_ACCEPT;
	}
	if (dedup) {
		iotgw_skb_source(skb, &src);
		seen = iotgw_dedup_check(&in->dedup, &src, uh->source, msg->mid,
					 rcu_dereference(in->config)->dedup_max,
					 &code, &evicted);
		if (evicted)
			iotgw_queue_count(&in->queue,
					  IOTGW_QCNT_DEDUP_EVICTED, evicted);
	}
	if (seen != IOTGW_DEDUP_NEW) {
		iotgw_queue_count(&in->queue, IOTGW_QCNT_DUPLICATES, 1);
		*verdict = IOTGW_VERDICT_DUPLICATE;
		iotgw_rule_count(in, rule, skb->len, IOTGW_RCNT_DUPLICATES,
				 IOTGW_CNT_DUPLICATES);
		if (!ingest)
			return NF_ACCEPT;
		/* still being decided on another CPU: that one answers */
		if (seen == IOTGW_DEDUP_ANSWERED && con)
			iotgw_coap_answer(in, skb, thoff, msg, code);
		return NF_STOLEN;
	}

	m = iotgw_coap_qmsg(in, rule, skb, thoff, len, msg, uh->source, qos,
			    confirm);
	if (m) {
		queued = !iotgw_queue_admit(&in->queue, m);
	} else {
		queued = false;
		iotgw_queue_count(&in->queue, IOTGW_QCNT_REFUSED, 1);
	}
	if (queued) {
		*verdict = IOTGW_VERDICT_QUEUED;
		iotgw_rule_count(in, rule, skb->len, IOTGW_RCNT_QUEUED,
				 IOTGW_CNT_QUEUED);
	} else {
		*verdict = IOTGW_VERDICT_REFUSED;
		iotgw_rule_count(in, rule, skb->len, IOTGW_RCNT_REFUSED,
				 IOTGW_CNT_REFUSED);
	}

	if (!queued)
		code = COAP_CODE_SERVICE_UNAVAILABLE;
	else if (confirm != IOTGW_CONFIRM_ADMIT)
		code = IOTGW_ANSWER_EMPTY_ACK;	/* the 2.04 comes later */
	else
		code = COAP_CODE_CHANGED;
	if (dedup) {
		/* a refused NON or capture may be retried as new */
		if (queued || (ingest && con))
			iotgw_dedup_answer(&in->dedup, &src, uh->source,
					   msg->mid, code);
		else
			iotgw_dedup_forget(&in->dedup, &src, uh->source,
					   msg->mid);
	}
	if (!ingest) {
		iotgw_rule_mark(rule, skb);
		return NF_ACCEPT;
	}
	if (con)
		iotgw_coap_answer(in, skb, thoff, msg, code);
	return NF_STOLEN;
}
