// SPDX-License-Identifier: GPL-2.0
/*
 * MQTT connections: each TCP connection to the MQTT port is followed from
 * its SYN as two byte streams fed to the incremental MQTT parser, so that
 * PUBLISH packets are classified wherever they start. The table is
 * bounded; lookups are RCU, each flow's streams are under its own lock.
 */
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netfilter.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <uapi/linux/iotgw.h>

#include "classify.h"
#include "flow.h"
#include "monitor.h"
#include "mqtt_capture.h"
#include "netns.h"
#include "queue.h"
#include "xmit.h"

/* How much of a segment is parsed at a time when it is not linear. */
#define IOTGW_MQTT_CHUNK 1024

static DEFINE_PER_CPU(u8 [IOTGW_MQTT_CHUNK], iotgw_mqtt_chunk);

static struct iotgw_net *iotgw_flows_net(struct iotgw_flows *flows)
{
	return container_of(flows, struct iotgw_net, flows);
}

static void iotgw_flow_free_rcu(struct rcu_head *head)
{
	struct iotgw_flow *flow = container_of(head, struct iotgw_flow, rcu);

	kfree(flow->aliases[0]);
	kfree(flow->aliases[1]);
	kfree(flow);
}

/* Under flows->lock. */
static void iotgw_flow_unlink_locked(struct iotgw_flows *flows,
				     struct iotgw_flow *flow)
{
	/* flows->lock, then a flow's lock: the only nesting of the two */
	spin_lock(&flow->lock);
	/*
	 * Dead before the lock is let go: a segment of the other direction
	 * waiting for it must not start a capture that nothing would free.
	 */
	WRITE_ONCE(flow->dead, true);
	iotgw_mqtt_capture_drop(iotgw_flows_net(flows), flow);
	spin_unlock(&flow->lock);
	hlist_del_rcu(&flow->node);
	flows->count--;
	call_rcu(&flow->rcu, iotgw_flow_free_rcu);
}

static void iotgw_flow_unlink(struct iotgw_flows *flows,
			      struct iotgw_flow *flow)
{
	spin_lock_bh(&flows->lock);
	if (!READ_ONCE(flow->dead))
		iotgw_flow_unlink_locked(flows, flow);
	spin_unlock_bh(&flows->lock);
}

/*
 * Flows the collector forgets after IOTGW_FLOW_SHORT of silence rather
 * than the configured idle time: those reset by a drop rule (kept until
 * their peers are that long silent, so that nothing more of them passes,
 * retransmissions included), and those whose server never
 * answered the SYN and that carried no data (so that a SYN flood cannot
 * hold the table for long; a connection seen one way only, on an
 * asymmetric route, is still followed).
 */
#define IOTGW_FLOW_SHORT	(10 * HZ)

static bool iotgw_flow_short_lived(const struct iotgw_flow *flow)
{
	return READ_ONCE(flow->state) == IOTGW_FLOW_RESET ||
	       (!READ_ONCE(flow->dir[1].seq_known) && !READ_ONCE(flow->bytes));
}

static void iotgw_flows_gc(struct work_struct *work)
{
	struct iotgw_flows *flows = container_of(to_delayed_work(work),
						 struct iotgw_flows, gc);
	struct iotgw_net *in = iotgw_flows_net(flows);
	struct iotgw_flow *flow;
	struct hlist_node *tmp;
	unsigned long idle;
	int i;

	rcu_read_lock();
	idle = msecs_to_jiffies(rcu_dereference(in->config)->flow_idle_ms);
	rcu_read_unlock();

	spin_lock_bh(&flows->lock);
	for (i = 0; i < IOTGW_FLOW_BUCKETS; i++)
		hlist_for_each_entry_safe(flow, tmp, &flows->buckets[i], node)
			if (time_after(jiffies, READ_ONCE(flow->last) +
				       (iotgw_flow_short_lived(flow) ?
					IOTGW_FLOW_SHORT : idle)))
				iotgw_flow_unlink_locked(flows, flow);
	spin_unlock_bh(&flows->lock);
	queue_delayed_work(system_power_efficient_wq, &flows->gc, HZ);
}

void iotgw_flows_init(struct iotgw_flows *flows)
{
	int i;

	spin_lock_init(&flows->lock);
	for (i = 0; i < IOTGW_FLOW_BUCKETS; i++)
		INIT_HLIST_HEAD(&flows->buckets[i]);
	flows->count = 0;
	flows->seed = get_random_u32();
	INIT_DELAYED_WORK(&flows->gc, iotgw_flows_gc);
	queue_delayed_work(system_power_efficient_wq, &flows->gc, HZ);
}

void iotgw_flows_destroy(struct iotgw_flows *flows)
{
	struct iotgw_flow *flow;
	struct hlist_node *tmp;
	int i;

	cancel_delayed_work_sync(&flows->gc);
	spin_lock_bh(&flows->lock);
	for (i = 0; i < IOTGW_FLOW_BUCKETS; i++)
		hlist_for_each_entry_safe(flow, tmp, &flows->buckets[i], node)
			iotgw_flow_unlink_locked(flows, flow);
	spin_unlock_bh(&flows->lock);
}

/* The connection @skb belongs to, seen from its client. */
static void iotgw_flow_key(const struct sk_buff *skb, const struct tcphdr *th,
			   bool to_server, struct iotgw_flow_key *key)
{
	memset(key, 0, sizeof(*key));
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		key->family = AF_INET;
		ipv6_addr_set_v4mapped(to_server ? iph->saddr : iph->daddr,
				       &key->client);
		ipv6_addr_set_v4mapped(to_server ? iph->daddr : iph->saddr,
				       &key->server);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		key->family = AF_INET6;
		key->client = to_server ? ip6h->saddr : ip6h->daddr;
		key->server = to_server ? ip6h->daddr : ip6h->saddr;
	}
	key->client_port = to_server ? th->source : th->dest;
	key->server_port = to_server ? th->dest : th->source;
}

static struct hlist_head *iotgw_flow_bucket(struct iotgw_flows *flows,
					    const struct iotgw_flow_key *key)
{
	return &flows->buckets[jhash(key, sizeof(*key), flows->seed) %
			       IOTGW_FLOW_BUCKETS];
}

/* Under rcu_read_lock() or flows->lock. */
static struct iotgw_flow *iotgw_flow_lookup(struct iotgw_flows *flows,
					    const struct iotgw_flow_key *key)
{
	struct iotgw_flow *flow;

	hlist_for_each_entry_rcu(flow, iotgw_flow_bucket(flows, key), node,
				 lockdep_is_held(&flows->lock))
		if (!memcmp(&flow->key, key, sizeof(*key)))
			return flow;
	return NULL;
}

/* A client's SYN: start following a connection (anew, if it was known). */
static void iotgw_flow_start(struct iotgw_net *in,
			     const struct iotgw_flow_key *key, u32 isn)
{
	struct iotgw_flows *flows = &in->flows;
	struct iotgw_flow *flow, *old;
	u32 max = rcu_dereference(in->config)->flow_max;

	flow = kzalloc(sizeof(*flow), GFP_ATOMIC);
	if (!flow) {
		iotgw_unclassified(in, IOTGW_REASON_MQTT_NO_MEMORY);
		return;
	}
	flow->key = *key;
	spin_lock_init(&flow->lock);
	flow->state = IOTGW_FLOW_TRACKING;
	flow->last = jiffies;
	mqtt_stream_init(&flow->dir[0].stream, MQTT_ROLE_CLIENT, 0);
	mqtt_stream_init(&flow->dir[1].stream, MQTT_ROLE_SERVER, 0);
	flow->dir[0].next_seq = isn + 1;
	flow->dir[0].seq_known = true;

	spin_lock(&flows->lock);
	old = iotgw_flow_lookup(flows, key);
	/*
	 * A SYN on a connection whose data is being followed is not a new
	 * connection (a stray or forged one would otherwise make the tracker
	 * start over and misread the stream): keep following.
	 */
	if (old && READ_ONCE(old->state) == IOTGW_FLOW_TRACKING &&
	    READ_ONCE(old->bytes)) {
		spin_unlock(&flows->lock);
		kfree(flow);
		return;
	}
	if (old)
		iotgw_flow_unlink_locked(flows, old);
	if (flows->count >= max) {
		spin_unlock(&flows->lock);
		kfree(flow);
		iotgw_unclassified(in, IOTGW_REASON_MQTT_FLOW_FULL);
		return;
	}
	hlist_add_head_rcu(&flow->node, iotgw_flow_bucket(flows, key));
	flows->count++;
	spin_unlock(&flows->lock);
}

/* MQTT 5 topic aliases in one direction, once a peer announces a maximum. */
static void iotgw_flow_aliases(struct iotgw_net *in, struct iotgw_flow *flow,
			       int d, u16 max)
{
	struct mqtt_alias_map *map;

	if (!max || flow->aliases[d])
		return;
	map = kmalloc(sizeof(*map), GFP_ATOMIC);
	if (!map) {
		iotgw_unclassified(in, IOTGW_REASON_MQTT_NO_MEMORY);
		return;
	}
	mqtt_alias_init(map, max);
	flow->aliases[d] = map;
	mqtt_stream_set_aliases(&flow->dir[d].stream, map);
}

/* What the PUBLISH packets of one segment decide, and where. */
struct iotgw_mqtt_ctx {
	struct iotgw_net *in;
	struct iotgw_flow *flow;
	struct sk_buff *skb;
	unsigned int thoff;
	u8 hook;
	int d;				/* the direction being fed */
	bool drop;
};

/* The bytes of a whole MQTT packet of Remaining Length @rl. */
static u32 iotgw_mqtt_packet_len(u32 rl)
{
	return rl + (rl < 128 ? 2 : rl < 16384 ? 3 : rl < 2097152 ? 4 : 5);
}

/* Tell the monitor about a PUBLISH (or, @ev->type 0, a malformed packet). */
static void iotgw_mqtt_event(struct iotgw_mqtt_ctx *ctx,
			     const struct mqtt_event *ev,
			     const struct iotgw_rule *rule, u8 verdict,
			     enum iotgw_reason reason)
{
	struct iotgw_event e = {
		.skb = ctx->skb,
		.thoff = ctx->thoff,
		.proto = IOTGW_PROTO_MQTT,
		.hook = ctx->hook,
		.verdict = verdict,
		.mqtt_qos = ev->qos,
		.rule = rule,
		.len = iotgw_mqtt_packet_len(ev->remaining),
		.reason = reason,
	};

	if (verdict != IOTGW_VERDICT_MALFORMED) {
		e.topic = ev->topic;
		e.topic_len = ev->topic_len;
	}
	iotgw_monitor_send(ctx->in, &e);
}

static void iotgw_mqtt_publish(struct iotgw_mqtt_ctx *ctx,
			       const struct mqtt_event *ev)
{
	struct iotgw_net *in = ctx->in;
	enum iotgw_verdict verdict;
	struct iotgw_rule *rule;

	/* sent by a local peer: followed, not classified */
	if (ctx->hook == IOTGW_HOOK_LOCAL_OUT)
		return;
	if (ev->evflags & MQTT_EVF_HDR_TOOLONG) {
		iotgw_unclassified(in, IOTGW_REASON_MQTT_HDR_TOO_LONG);
		return;
	}
	if (!ev->topic) {
		iotgw_unclassified(in, IOTGW_REASON_MQTT_NO_ALIAS);
		return;
	}
	ctx->flow->publishes++;
	rule = iotgw_rules_match(&in->rules, ev->topic, ev->topic_len,
				 IOTGW_PROTO_MQTT, ctx->hook);
	if (!rule) {
		iotgw_stats_count(in->stats, IOTGW_CNT_UNMATCHED, 1);
		if (unlikely(iotgw_monitor_listening(in)))
			iotgw_mqtt_event(ctx, ev, NULL, IOTGW_VERDICT_UNMATCHED,
					 0);
		return;
	}
	iotgw_stats_count(in->stats, IOTGW_CNT_MATCHED, 1);
	if (rule->action == IOTGW_ACTION_CAPTURE && ctx->d == 0) {
		/* a copy is queued once complete; the packet goes on */
		verdict = iotgw_mqtt_capture_start(in, ctx->flow, ev, rule);
		ctx->flow->capture_hook = ctx->hook;
	} else {
		/* CAPTURE of a broker's PUBLISH to a subscriber: accepted */
		verdict = iotgw_rule_decide(in, rule, ctx->skb,
					    iotgw_mqtt_packet_len(ev->remaining));
	}
	if (unlikely(iotgw_monitor_listening(in)))
		iotgw_mqtt_event(ctx, ev, rule, verdict, 0);
	if (iotgw_verdict_passes(verdict))
		iotgw_rule_mark(rule, ctx->skb);
	else
		ctx->drop = true;
}

/* Feed @len stream bytes; false once the stream stops being followed. */
static bool iotgw_mqtt_feed(struct iotgw_mqtt_ctx *ctx, int d, const u8 *data,
			    size_t len)
{
	struct iotgw_flow *flow = ctx->flow;
	struct mqtt_stream *s = &flow->dir[d].stream;
	struct mqtt_event ev;
	size_t used;
	int e;

	for (;;) {
		/* a PUBLISH being captured needs its payload, no other */
		mqtt_stream_set_payload_events(s, d == 0 && flow->capture);
		e = mqtt_stream_next(s, data, len, &used, &ev);
		if (e == MQTT_EV_NEED_MORE)
			break;
		data += used;
		len -= used;
		if (e == MQTT_EV_ERROR) {
			WRITE_ONCE(flow->state, IOTGW_FLOW_MALFORMED);
			iotgw_mqtt_capture_abandon(ctx->in, flow);
			iotgw_stats_count(ctx->in->stats,
					  IOTGW_CNT_PARSE_ERRORS, 1);
			iotgw_stats_reason(ctx->in->stats,
					   IOTGW_REASON_MQTT(ev.err));
			if (unlikely(iotgw_monitor_listening(ctx->in)))
				iotgw_mqtt_event(ctx, &ev, NULL,
						 IOTGW_VERDICT_MALFORMED,
						 IOTGW_REASON_MQTT(ev.err));
			return false;
		}
		if (e == MQTT_EV_PAYLOAD && d == 0 && flow->capture)
			iotgw_mqtt_capture_data(ctx->in, flow, &ev);
		if (e == MQTT_EV_END && d == 0 && flow->capture)
			iotgw_mqtt_capture_end(ctx->in, flow);
		if (e != MQTT_EV_PACKET)
			continue;
		switch (ev.type) {
		case MQTT_CONNECT:
			strscpy(flow->client_id, ev.client_id_copy,
				sizeof(flow->client_id));
			mqtt_stream_set_level(&flow->dir[1].stream, ev.level);
			if (ev.level == MQTT_LEVEL_5)
				iotgw_flow_aliases(ctx->in, flow, 1,
						   ev.props.topic_alias_max);
			break;
		case MQTT_CONNACK:
			if (ev.level == MQTT_LEVEL_5)
				iotgw_flow_aliases(ctx->in, flow, 0,
						   ev.props.topic_alias_max);
			break;
		case MQTT_PUBLISH:
			iotgw_mqtt_publish(ctx, &ev);
			break;
		default:
			break;
		}
	}
	return true;
}

/* Under flow->lock: follow direction @d's bytes in this segment. */
static void iotgw_mqtt_follow(struct iotgw_mqtt_ctx *ctx, int d,
			      unsigned int dataoff, unsigned int len, u32 seq)
{
	struct iotgw_flow *flow = ctx->flow;
	struct iotgw_flow_dir *dir = &flow->dir[d];
	u8 *chunk = this_cpu_ptr(iotgw_mqtt_chunk);
	s32 diff;

	if (!len)
		return;
	if (flow->state != IOTGW_FLOW_TRACKING) {
		iotgw_unclassified(ctx->in, IOTGW_REASON_MQTT_NOT_FOLLOWED);
		return;
	}
	diff = (s32)(seq - dir->next_seq);
	if (!dir->seq_known || diff > 0) {
		WRITE_ONCE(flow->state, IOTGW_FLOW_LOST_SYNC);
		/* the rest of a PUBLISH being gathered will not be seen */
		iotgw_mqtt_capture_abandon(ctx->in, flow);
		iotgw_unclassified(ctx->in, IOTGW_REASON_MQTT_OUT_OF_ORDER);
		return;
	}
	if (diff < 0) {
		/* A retransmission: its old bytes were followed already. */
		if ((u32)-diff >= len)
			return;
		dataoff += -diff;
		len -= -diff;
	}
	dir->next_seq += len;
	WRITE_ONCE(flow->bytes, flow->bytes + len);

	ctx->d = d;
	while (len) {
		unsigned int n = min_t(unsigned int, len, IOTGW_MQTT_CHUNK);
		const u8 *data = skb_header_pointer(ctx->skb, dataoff, n, chunk);

		if (!data || !iotgw_mqtt_feed(ctx, d, data, n))
			return;
		dataoff += n;
		len -= n;
	}
}

/*
 * Whether the TCP checksum of @skb (TCP header at @thoff), seen at @hook
 * (IN or FWD), is right, as its receiver will find it. nf_checksum() does
 * the work where it can and records it, so that the TCP stack does not
 * verify the segment again; only a CHECKSUM_COMPLETE packet at FORWARD,
 * whose skb->csum nf_checksum() does not trust there, is summed here,
 * without touching the skb's checksum state.
 */
static bool iotgw_tcp_csum_ok(struct sk_buff *skb, unsigned int thoff, u8 hook)
{
	unsigned int len = skb->len - thoff;
	bool ipv4 = skb->protocol == htons(ETH_P_IP);
	__wsum sum;

	if (hook == IOTGW_HOOK_IN || skb->ip_summed != CHECKSUM_COMPLETE)
		return !nf_checksum(skb, hook == IOTGW_HOOK_IN ?
				    NF_INET_LOCAL_IN : NF_INET_FORWARD,
				    thoff, IPPROTO_TCP,
				    ipv4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	sum = skb_checksum(skb, thoff, len, 0);
	if (ipv4)
		return !csum_tcpudp_magic(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
					  len, IPPROTO_TCP, sum);
	return !csum_ipv6_magic(&ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr,
				len, IPPROTO_TCP, sum);
}

unsigned int iotgw_classify_mqtt(struct iotgw_net *in, struct sk_buff *skb,
				 unsigned int thoff, u8 hook)
{
	struct iotgw_mqtt_ctx ctx = {
		.in = in, .skb = skb, .thoff = thoff, .hook = hook,
	};
	struct iotgw_flow_dir *dir;
	struct iotgw_flow_key key;
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int dataoff;
	bool to_server, close, rst;
	u32 expect;
	u16 port;
	int d;

	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	port = rcu_dereference(in->config)->mqtt_port;
	to_server = th->dest == htons(port);
	d = to_server ? 0 : 1;
	if (hook != IOTGW_HOOK_LOCAL_OUT)
		iotgw_stats_packet(in->stats, skb->len);
	dataoff = thoff + th->doff * 4;
	if (th->doff < 5 || dataoff > skb->len)
		return NF_ACCEPT;
	/*
	 * Its receiver drops a segment with a wrong checksum: following it
	 * (data, SYN, FIN or RST) would make the tracker disagree with it.
	 */
	if (hook != IOTGW_HOOK_LOCAL_OUT && !iotgw_tcp_csum_ok(skb, thoff, hook)) {
		iotgw_unclassified(in, IOTGW_REASON_MQTT_BAD_CHECKSUM);
		return NF_ACCEPT;
	}

	iotgw_flow_key(skb, th, to_server, &key);
	if (th->syn) {
		if (to_server && !th->ack) {
			iotgw_flow_start(in, &key, ntohl(th->seq));
			return NF_ACCEPT;
		}
		ctx.flow = iotgw_flow_lookup(&in->flows, &key);
		/* the first SYN-ACK; a later one does not restart the stream */
		if (!to_server && th->ack && ctx.flow) {
			spin_lock(&ctx.flow->lock);
			if (!ctx.flow->dir[1].seq_known) {
				ctx.flow->dir[1].next_seq = ntohl(th->seq) + 1;
				WRITE_ONCE(ctx.flow->dir[1].seq_known, true);
			}
			spin_unlock(&ctx.flow->lock);
		}
		return NF_ACCEPT;
	}

	ctx.flow = iotgw_flow_lookup(&in->flows, &key);
	if (!ctx.flow) {
		if (skb->len > dataoff && hook != IOTGW_HOOK_LOCAL_OUT)
			iotgw_unclassified(in, IOTGW_REASON_MQTT_NO_FLOW);
		return NF_ACCEPT;
	}

	spin_lock(&ctx.flow->lock);
	if (ctx.flow->dead) {
		spin_unlock(&ctx.flow->lock);
		return NF_ACCEPT;
	}
	if (ctx.flow->state == IOTGW_FLOW_RESET) {
		/*
		 * Reset by a drop rule: nothing more of it passes. Resets (ours
		 * among them) go on; a peer still sending did not get ours.
		 */
		if (!th->rst)	/* lingers while a peer keeps trying */
			WRITE_ONCE(ctx.flow->last, jiffies);
		spin_unlock(&ctx.flow->lock);
		if (th->rst)
			return NF_ACCEPT;
		if (hook != IOTGW_HOOK_LOCAL_OUT &&
		    !iotgw_xmit_tcp_reset(in->net, skb, thoff, true, 0))
			iotgw_stats_count(in->stats, IOTGW_CNT_REPLIES, 1);
		return NF_DROP;
	}
	WRITE_ONCE(ctx.flow->last, jiffies);
	dir = &ctx.flow->dir[d];
	/* what the receiver expects next, before this segment */
	expect = dir->seq_known ? dir->next_seq : ntohl(th->seq);
	/*
	 * RFC 5961 3.2: a reset counts at the next byte (or, once its sender
	 * sent a FIN, at the FIN's, as Linux accepts); any, once the stream
	 * is no longer followed and its sequence numbers no longer known.
	 */
	rst = th->rst && (ctx.flow->state != IOTGW_FLOW_TRACKING ||
			  ntohl(th->seq) == expect ||
			  (dir->fin && ntohl(th->seq) == expect - 1));
	iotgw_mqtt_follow(&ctx, d, dataoff, skb->len - dataoff, ntohl(th->seq));
	/*
	 * A FIN in sequence takes a sequence number, as the peers count;
	 * once the stream is no longer followed, any FIN ends it.
	 */
	if (th->fin && !dir->fin) {
		if (ctx.flow->state != IOTGW_FLOW_TRACKING) {
			dir->fin = true;
		} else if (dir->seq_known &&
			   ntohl(th->seq) + (skb->len - dataoff) ==
			   dir->next_seq) {
			dir->next_seq++;
			dir->fin = true;
		}
	}
	close = rst || (ctx.flow->dir[0].fin && ctx.flow->dir[1].fin);
	if (ctx.drop)
		WRITE_ONCE(ctx.flow->state, IOTGW_FLOW_RESET);
	spin_unlock(&ctx.flow->lock);

	if (ctx.drop) {
		/*
		 * Dropping one segment would only stall the stream: reset both
		 * ends. The flow stays, in IOTGW_FLOW_RESET, until the collector
		 * forgets it, so that a retransmission does not pass either.
		 */
		if (!iotgw_xmit_tcp_reset(in->net, skb, thoff, true, 0))
			iotgw_stats_count(in->stats, IOTGW_CNT_REPLIES, 1);
		if (!iotgw_xmit_tcp_reset(in->net, skb, thoff, false, expect))
			iotgw_stats_count(in->stats, IOTGW_CNT_REPLIES, 1);
		return NF_DROP;
	}
	if (close)
		iotgw_flow_unlink(&in->flows, ctx.flow);
	return NF_ACCEPT;
}

int iotgw_flows_dump(struct iotgw_flows *flows, struct sk_buff *skb,
		     long *bucket, long *skip,
		     int (*fill)(struct sk_buff *skb, struct iotgw_flow *flow,
				 void *arg), void *arg)
{
	struct iotgw_flow *flow;
	int err = 0;
	long n;

	rcu_read_lock();
	for (; *bucket < IOTGW_FLOW_BUCKETS; (*bucket)++, *skip = 0) {
		n = 0;
		hlist_for_each_entry_rcu(flow, &flows->buckets[*bucket], node) {
			if (n++ < *skip)
				continue;
			spin_lock_bh(&flow->lock);
			err = fill(skb, flow, arg);
			spin_unlock_bh(&flow->lock);
			if (err)
				goto out;
			(*skip)++;
		}
	}
out:
	rcu_read_unlock();
	return err;
}
