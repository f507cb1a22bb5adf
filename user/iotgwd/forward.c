// SPDX-License-Identifier: GPL-2.0
/* From the kernel's queue to the brokers, and the acks back. */
#include "forward.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "inflight.h"
#include "log.h"
#include "spool.h"

#define COAP_SERVICE_UNAVAILABLE	0xa3	/* 5.03 */

/*
 * A spooled message is DONE before its commit acks it: copies the kernel
 * sends meanwhile must still be recognised when the commit comes.
 */
_Static_assert(CONFIG_SPOOL_SYNC_MS_MAX < FORWARD_DONE_LINGER_MS,
	       "a spool commit must come before an id is forgotten");

/*
 * What an inflight entry holds: the message and where it goes. A spool
 * row's (seq > 0) is an entry of f->replay, keyed by seq; a kernel
 * message's one of f->inflight, keyed by the kernel's id.
 */
struct job {
	struct queue_msg *msg;
	char *cloud_topic;
	int64_t seq;
};

/* One broker's drain of the spool. */
struct lane {
	struct broker *b;
	int64_t cursor;			/* the last row read */
	int64_t idle_at;		/* nothing after cursor at this commit */
	struct spool_entry *next;	/* read, waiting for a token */
	double tokens;
	uint64_t refill_ms;
	uint64_t rescan_ms;		/* 0, or read again from the start */
};

struct forwarder {
	const struct config *cfg;
	struct forward_sink sink;
	struct inflight *inflight;
	struct spool *spool;		/* NULL: none */
	struct inflight *replay;	/* spool rows in hand, by seq */
	struct lane *lanes;
	size_t n_lanes;
	struct broker **brokers;	/* one for each cfg->brokers[i] */
	size_t n_brokers;
	/* The entry inside broker_publish(): QoS 0 confirms right there. */
	struct inflight_entry *publishing;
	bool publishing_confirmed;
	int publishing_reason;
	bool stopping;
	const struct forward_listener *listener;
	uint64_t last_tick_ms;
	struct forward_stats stats;
	struct log_ratelimit rl_unknown_rule, rl_refused, rl_failed;
	struct log_ratelimit rl_spool, rl_no_spool;
};

static const struct broker_events forward_broker_events;
static void spool_committed(void *arg, const uint64_t *tokens, size_t n,
			    bool durable);

static void job_free(void *data)
{
	struct job *j = data;

	if (!j)
		return;
	queue_msg_free(j->msg);
	free(j->cloud_topic);
	free(j);
}

struct forwarder *forwarder_new(const struct config *cfg,
				const struct forward_sink *sink, char *err,
				size_t errlen)
{
	struct forwarder *f = calloc(1, sizeof(*f));

	if (!f)
		goto nomem;
	f->cfg = cfg;
	f->sink = *sink;
	f->inflight = inflight_new(job_free);
	f->replay = inflight_new(job_free);
	f->brokers = calloc(cfg->n_brokers, sizeof(*f->brokers));
	if (!f->inflight || !f->replay || !f->brokers)
		goto nomem;
	if (cfg->spool.path) {
		f->spool = spool_open(cfg->spool.path, &cfg->spool.lim,
				      spool_committed, f, err, errlen);
		if (!f->spool) {
			forwarder_free(f);
			return NULL;
		}
		log_info("spool %s: %llu rows, %llu bytes", cfg->spool.path,
			 (unsigned long long)spool_rows(f->spool),
			 (unsigned long long)spool_bytes(f->spool));
	}
	for (size_t i = 0; i < cfg->n_brokers; i++) {
		f->brokers[i] = broker_new(&cfg->brokers[i],
					   &forward_broker_events, f, err,
					   errlen);
		if (!f->brokers[i]) {
			forwarder_free(f);
			return NULL;
		}
		f->n_brokers++;
	}
	return f;
nomem:
	forwarder_free(f);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void forwarder_free(struct forwarder *f)
{
	if (!f)
		return;
	/* its commit acks through the sink: the kernel's ids still known */
	spool_close(f->spool);
	for (size_t i = 0; i < f->n_lanes; i++)
		spool_entry_free(f->lanes[i].next);
	free(f->lanes);
	for (size_t i = 0; i < f->n_brokers; i++)
		broker_free(f->brokers[i]);
	free(f->brokers);
	inflight_free(f->inflight);
	inflight_free(f->replay);
	free(f);
}

void forwarder_sync(struct forwarder *f)
{
	if (f->spool)
		spool_commit(f->spool);
}

void forwarder_set_listener(struct forwarder *f,
			    const struct forward_listener *l)
{
	f->listener = l;
}

void forwarder_start(struct forwarder *f, uint64_t now_ms)
{
	for (size_t i = 0; i < f->n_brokers; i++)
		broker_start(f->brokers[i], now_ms);
	f->last_tick_ms = now_ms;
}

static void finish(struct forwarder *f, struct inflight_entry *e, bool ack,
		   uint64_t now_ms)
{
	if (ack) {
		f->sink.ack(f->sink.arg, e->id, now_ms);
		f->stats.acked++;
	} else {
		f->sink.nack(f->sink.arg, e->id, now_ms);
		f->stats.nacked++;
	}
	inflight_done(f->inflight, e, now_ms);
}

/* The broker will not take @e: nack it, or reject it (CONFIRM_CLOUD). */
static void refused(struct forwarder *f, struct inflight_entry *e,
		    uint64_t now_ms)
{
	struct job *j = e->data;

	if (j->msg->confirm != IOTGW_CONFIRM_CLOUD || !f->sink.reject) {
		finish(f, e, false, now_ms);
		return;
	}
	f->sink.reject(f->sink.arg, e->id, COAP_SERVICE_UNAVAILABLE, now_ms);
	f->stats.rejected++;
	inflight_done(f->inflight, e, now_ms);
}

static struct lane *find_lane(struct forwarder *f, const struct broker *b)
{
	for (size_t i = 0; i < f->n_lanes; i++)
		if (f->lanes[i].b == b)
			return &f->lanes[i];
	return NULL;
}

/* A spool row's broker answered: delete it, or try it again later. */
static void replay_confirmed(struct forwarder *f, struct inflight_entry *e,
			     int reason, uint64_t now_ms)
{
	struct job *j = e->data;
	struct broker *b = e->owner;
	struct lane *l;

	if (reason >= 0x80) {
		if (log_ratelimit_allow(&f->rl_refused, now_ms))
			log_error("broker %s refused spool row %lld: %s (0x%02x); it stays, tried again in %d s",
				  broker_name(b), (long long)j->seq,
				  broker_reason_string(reason), reason,
				  FORWARD_DRAIN_RETRY_MS / 1000);
		l = find_lane(f, b);
		if (l && !l->rescan_ms)
			l->rescan_ms = now_ms + FORWARD_DRAIN_RETRY_MS;
	} else {
		log_verbose("spool row %lld confirmed by broker %s, deleted",
			    (long long)j->seq, broker_name(b));
		spool_delete(f->spool, j->seq, now_ms);
	}
	inflight_done(f->replay, e, now_ms);
}

/* The broker answered @e with @reason (MQTT 5: >= 0x80 is a refusal). */
static void confirmed(struct forwarder *f, struct inflight_entry *e,
		      int reason, uint64_t now_ms)
{
	struct broker *b = e->owner;
	struct job *j = e->data;

	if (j->seq) {
		replay_confirmed(f, e, reason, now_ms);
		return;
	}
	if (reason >= 0x80) {
		if (log_ratelimit_allow(&f->rl_refused, now_ms))
			log_error("broker %s refused message %llu: %s (0x%02x); %s",
				  broker_name(b), (unsigned long long)e->id,
				  broker_reason_string(reason), reason,
				  j->msg->confirm == IOTGW_CONFIRM_CLOUD ?
				  "rejected" : "nacked");
		refused(f, e, now_ms);
		return;
	}
	log_verbose("message %llu confirmed by broker %s, acked",
		    (unsigned long long)e->id, broker_name(b));
	finish(f, e, true, now_ms);
}

/* Hand a HELD entry to its broker, if that is connected. */
static void publish(struct forwarder *f, struct inflight_entry *e,
		    uint64_t now_ms)
{
	struct job *j = e->data;
	struct queue_msg *m = j->msg;
	struct broker *b = e->owner;
	char src[MESSAGE_ADDR_LEN], port[8], received[MESSAGE_TIME_LEN];
	struct broker_message bm = {
		.topic = j->cloud_topic,
		.payload = m->payload,
		.payload_len = m->payload_len,
		.qos = m->qos,
		.src = src,
		.src_port = port,
		.proto = message_proto_name(m->proto),
		.received = received,
		.content_type = message_content_type(m->content_format),
	};
	enum broker_publish_result res;
	const char *why;

	if (!broker_is_connected(b))
		return;
	message_src_text(m, src, sizeof(src));
	snprintf(port, sizeof(port), "%u", m->src_port);
	message_time_text(m->time_ns, received, sizeof(received));

	f->publishing = e;
	f->publishing_confirmed = false;
	res = broker_publish(b, &bm, &e->mid, &why);
	f->publishing = NULL;

	if (res == BROKER_RETRY)
		return;		/* stays HELD: on reconnect, or the next tick */
	if (res == BROKER_REFUSED) {
		if (log_ratelimit_allow(&f->rl_failed, now_ms))
			log_error("%s %llu: broker %s cannot take it on \"%s\": %s",
				  j->seq ? "spool row" : "message",
				  (unsigned long long)e->id, broker_name(b),
				  j->cloud_topic, why);
		if (j->seq)
			replay_confirmed(f, e, 0x80, now_ms);
		else
			refused(f, e, now_ms);
		return;
	}
	f->stats.published++;
	if (j->seq)
		f->stats.replayed++;
	log_verbose("message %llu (rule %s, QoS %d) published to broker %s on \"%s\"",
		    (unsigned long long)e->id, m->rule, m->qos, broker_name(b),
		    j->cloud_topic);
	if (f->publishing_confirmed) {
		confirmed(f, e, f->publishing_reason, now_ms);
		return;
	}
	if (inflight_published(j->seq ? f->replay : f->inflight, e,
			       e->mid) < 0) {
		/* libmosquitto reused a mid we still wait for: cannot be. */
		log_error("message %llu: message id %d of broker %s already in use",
			  (unsigned long long)e->id, e->mid, broker_name(b));
	}
}

static struct broker *broker_for_rule(const struct forwarder *f,
				      const struct rule_cfg *r)
{
	return f->brokers[r->broker];
}

static char *cloud_topic(const struct forwarder *f, const struct rule_cfg *r,
			 const struct queue_msg *m)
{
	char src[MESSAGE_ADDR_LEN];
	struct template_vars v = { .value = {
		[TEMPLATE_TOPIC] = m->topic,
		[TEMPLATE_GATEWAY] = f->cfg->gateway_id,
		[TEMPLATE_PROTO] = message_proto_name(m->proto),
		[TEMPLATE_SRC] = src,
	} };

	message_src_text(m, src, sizeof(src));
	return template_expand(&r->tmpl, &v);
}

/* The spool made these kernel ids durable, or lost them (rolled back). */
static void spool_committed(void *arg, const uint64_t *tokens, size_t n,
			    bool durable)
{
	struct forwarder *f = arg;
	uint64_t now = clock_now_ms();

	for (size_t i = 0; i < n; i++) {
		if (durable) {
			f->sink.ack(f->sink.arg, tokens[i], now);
			f->stats.acked++;
		} else {
			f->sink.nack(f->sink.arg, tokens[i], now);
			f->stats.nacked++;
		}
	}
	if (n)
		log_verbose("spool: %zu messages %s", n,
			    durable ? "committed, acked" :
			    "rolled back, nacked");
}

/* Whether @b has FORWARD_BACKLOG messages published and unconfirmed. */
static bool broker_backlogged(const struct forwarder *f,
			      const struct broker *b)
{
	size_t limit = FORWARD_BACKLOG(f->cfg->credit);

	return inflight_count_owned(f->inflight, INFLIGHT_PUBLISHED, b,
				    limit) >= limit;
}

/* Whether the message of @e goes to the spool (forward.h says when). */
static bool to_spool(struct forwarder *f, const struct inflight_entry *e)
{
	const struct job *j = e->data;
	const struct queue_msg *m = j->msg;
	struct broker *b = e->owner;

	if (m->confirm == IOTGW_CONFIRM_CLOUD)
		return false;
	if (!f->spool) {
		if (m->confirm == IOTGW_CONFIRM_STORE &&
		    log_ratelimit_allow(&f->rl_no_spool, clock_now_ms()))
			log_warn("message %llu asks to be stored, but there is no [spool]: acked once its broker confirmed it",
				 (unsigned long long)m->id);
		return false;
	}
	if (m->confirm == IOTGW_CONFIRM_STORE ||
	    spool_topic_rows(f->spool, broker_name(b), j->cloud_topic) ||
	    !broker_is_connected(b))
		return true;
	return m->qos > 0 && broker_backlogged(f, b);
}

/*
 * Write @e's message to the spool: acked when committed, nacked if it
 * does not fit. Published at once as a spool row when its broker is
 * connected and neither the topic nor the broker has a backlog.
 */
static void spool_message(struct forwarder *f, struct inflight_entry *e,
			  const struct rule_cfg *r, uint64_t now_ms)
{
	struct job *j = e->data;
	struct broker *b = e->owner;
	bool connected = broker_is_connected(b);
	bool backlog = spool_topic_rows(f->spool, broker_name(b),
					j->cloud_topic) > 0;
	bool paced = !connected ||
		     (j->msg->qos > 0 && broker_backlogged(f, b));
	struct inflight_entry *row;
	int64_t seq;
	int err;

	err = spool_add(f->spool, broker_name(b), j->cloud_topic, j->msg,
			r->spool_full, paced, e->id, now_ms, clock_wall_ms(),
			&seq);
	if (err) {
		if (log_ratelimit_allow(&f->rl_spool, now_ms))
			log_warn("message %llu: %s; nacked, the kernel keeps it",
				 (unsigned long long)e->id,
				 err == -ENOSPC ? "the spool is full" :
				 "cannot write it to the spool");
		finish(f, e, false, now_ms);
		return;
	}
	f->stats.spooled++;
	log_verbose("message %llu (rule %s, QoS %d) spooled as row %lld%s",
		    (unsigned long long)e->id, r->name, j->msg->qos,
		    (long long)seq, paced ? ", backlog" : "");
	if (connected && !backlog && !paced && !f->stopping) {
		row = inflight_add(f->replay, (uint64_t)seq, b, j, &err);
		if (row) {
			/* the job is the row's now; the id waits for the commit */
			e->data = NULL;
			j->seq = seq;
		}
	} else {
		row = NULL;
	}
	/* remembered against copies; the commit acks it */
	inflight_done(f->inflight, e, now_ms);
	if (row)
		publish(f, row, now_ms);
}

void forwarder_on_msg(struct queue_msg *m, void *arg)
{
	struct forwarder *f = arg;
	uint64_t now = clock_now_ms();
	const struct inflight_entry *known;
	const struct rule_cfg *r;
	struct inflight_entry *e;
	struct job *j;
	int err;

	if (f->stopping) {
		queue_msg_free(m);	/* pending again after the unbind */
		return;
	}
	known = inflight_find(f->inflight, m->id);
	if (known) {
		f->stats.duplicates++;
		log_verbose("message %llu sent again (attempt %u): already %s, ignored",
			    (unsigned long long)m->id, m->attempts,
			    known->state == INFLIGHT_HELD ? "held" :
			    known->state == INFLIGHT_PUBLISHED ? "published" :
			    "done");
		queue_msg_free(m);
		return;
	}
	f->stats.received++;
	r = config_find_rule(f->cfg, m->rule);
	j = calloc(1, sizeof(*j));
	if (!j)
		goto nomem;
	j->msg = m;
	e = inflight_add(f->inflight, m->id, r ? broker_for_rule(f, r) : NULL,
			 j, &err);
	if (!e) {
		free(j);
		goto nomem;
	}
	if (!r) {
		if (log_ratelimit_allow(&f->rl_unknown_rule, now))
			log_warn("message %llu: rule \"%s\" is not in %s; nacked",
				 (unsigned long long)m->id, m->rule,
				 f->cfg->path);
		finish(f, e, false, now);
		return;
	}
	j->cloud_topic = cloud_topic(f, r, m);
	if (!j->cloud_topic) {
		log_error("message %llu: out of memory; nacked",
			  (unsigned long long)m->id);
		finish(f, e, false, now);
		return;
	}
	if (to_spool(f, e)) {
		spool_message(f, e, r, now);
		return;
	}
	if (!broker_is_connected(e->owner))
		log_verbose("message %llu held: broker %s is not connected",
			    (unsigned long long)m->id, broker_name(e->owner));
	publish(f, e, now);
	return;
nomem:
	/* Neither acked nor nacked: the kernel sends it again later. */
	log_error("message %llu: out of memory", (unsigned long long)m->id);
	queue_msg_free(m);
}

static void publish_held_in(struct forwarder *f, struct inflight *t,
			    const struct broker *b, uint64_t now_ms)
{
	struct inflight_entry *e, *next;

	for (e = inflight_first(t, INFLIGHT_HELD); e; e = next) {
		next = inflight_next(e);
		if (e->owner == b)
			publish(f, e, now_ms);
		if (!broker_is_connected(b))
			break;
	}
}

static void publish_held(struct forwarder *f, const struct broker *b,
			 uint64_t now_ms)
{
	publish_held_in(f, f->replay, b, now_ms);
	if (broker_is_connected(b))
		publish_held_in(f, f->inflight, b, now_ms);
}

static struct lane *get_lane(struct forwarder *f, struct broker *b)
{
	struct lane *l = find_lane(f, b), *lanes;

	if (l)
		return l;
	lanes = realloc(f->lanes, (f->n_lanes + 1) * sizeof(*lanes));
	if (!lanes)
		return NULL;
	f->lanes = lanes;
	l = &f->lanes[f->n_lanes++];
	*l = (struct lane){ .b = b, .idle_at = -1 };
	return l;
}

static void remove_lane(struct forwarder *f, const struct broker *b)
{
	struct lane *l = find_lane(f, b);

	if (!l)
		return;
	spool_entry_free(l->next);
	*l = f->lanes[--f->n_lanes];
}

static double drain_burst(const struct forwarder *f)
{
	double burst = f->cfg->spool.drain_rate / 10.0;

	return burst < 1 ? 1 : burst;
}

/* Read the spool again from its first row, a token ready. */
static void lane_restart(struct forwarder *f, struct lane *l, uint64_t now_ms)
{
	spool_entry_free(l->next);
	l->next = NULL;
	l->cursor = 0;
	l->idle_at = -1;
	l->rescan_ms = 0;
	l->tokens = drain_burst(f);
	l->refill_ms = now_ms;
}

static void lane_refill(struct forwarder *f, struct lane *l, uint64_t now_ms)
{
	double burst = drain_burst(f);

	if (now_ms > l->refill_ms)
		l->tokens += (double)(now_ms - l->refill_ms) *
			     f->cfg->spool.drain_rate / 1000.0;
	if (l->tokens > burst)
		l->tokens = burst;
	l->refill_ms = now_ms;
}

/* The next row of @l's broker not in hand yet, in l->next; false: none. */
static bool lane_read(struct forwarder *f, struct lane *l)
{
	struct spool_entry *ent;

	while (!l->next) {
		if (spool_committed_seq(f->spool) <= l->idle_at)
			return false;
		if (spool_next(f->spool, broker_name(l->b), l->cursor,
			       &ent) < 0)
			return false;	/* logged; the next tick tries again */
		if (!ent) {
			l->idle_at = spool_committed_seq(f->spool);
			return false;
		}
		l->cursor = ent->seq;
		if (inflight_find(f->replay, (uint64_t)ent->seq))
			spool_entry_free(ent);	/* in hand, or just done */
		else
			l->next = ent;
	}
	return true;
}

/* Publish @l's broker's next rows, as the window and the rate allow. */
static void drain(struct forwarder *f, struct lane *l, uint64_t now_ms)
{
	if (!broker_is_connected(l->b) || f->stopping)
		return;
	if (l->rescan_ms && now_ms >= l->rescan_ms)
		lane_restart(f, l, now_ms);
	lane_refill(f, l, now_ms);
	while (broker_is_connected(l->b) &&
	       inflight_count_owned(f->replay, INFLIGHT_PUBLISHED, l->b,
				    FORWARD_DRAIN_WINDOW) +
	       inflight_count_owned(f->replay, INFLIGHT_HELD, l->b,
				    FORWARD_DRAIN_WINDOW) <
	       FORWARD_DRAIN_WINDOW && lane_read(f, l)) {
		struct spool_entry *ent = l->next;
		struct inflight_entry *e;
		struct job *j;
		int err;

		if (ent->paced) {
			if (l->tokens < 1)
				return;
			l->tokens -= 1;
		}
		j = calloc(1, sizeof(*j));
		if (!j)
			return;
		j->msg = ent->msg;
		j->cloud_topic = ent->cloud_topic;
		j->seq = ent->seq;
		e = inflight_add(f->replay, (uint64_t)ent->seq, l->b, j, &err);
		if (!e) {
			free(j);
			return;
		}
		ent->msg = NULL;
		ent->cloud_topic = NULL;
		spool_entry_free(ent);
		l->next = NULL;
		publish(f, e, now_ms);
	}
}

static void drain_all(struct forwarder *f, uint64_t now_ms)
{
	for (size_t i = 0; i < f->n_lanes; i++)
		drain(f, &f->lanes[i], now_ms);
}

static void on_broker_connect(struct broker *b, void *arg)
{
	struct forwarder *f = arg;
	uint64_t now = clock_now_ms();
	struct lane *l;

	if (f->listener && f->listener->on_connect)
		f->listener->on_connect(b, f->listener->arg);
	publish_held(f, b, now);
	if (!f->spool)
		return;
	l = get_lane(f, b);
	if (!l) {
		log_error("broker %s: out of memory for its spool drain", broker_name(b));
		return;
	}
	lane_restart(f, l, now);
	drain(f, l, now);
}

static void on_broker_subscribed(struct broker *b, int mid, int granted,
				 void *arg)
{
	struct forwarder *f = arg;

	if (f->listener && f->listener->on_subscribed)
		f->listener->on_subscribed(b, mid, granted, f->listener->arg);
}

static void on_broker_message(struct broker *b,
			      const struct broker_incoming *m, void *arg)
{
	struct forwarder *f = arg;

	if (f->listener && f->listener->on_message)
		f->listener->on_message(b, m, f->listener->arg);
}

/* A QoS 0 message not written yet is lost with the connection. */
static void on_broker_disconnect(struct broker *b, void *arg)
{
	struct forwarder *f = arg;
	struct inflight_entry *e, *next;

	for (e = inflight_first(f->inflight, INFLIGHT_PUBLISHED); e; e = next) {
		struct job *j = e->data;

		next = inflight_next(e);
		if (e->owner == b && j->msg->qos == 0)
			inflight_unpublish(f->inflight, e);
	}
	for (e = inflight_first(f->replay, INFLIGHT_PUBLISHED); e; e = next) {
		struct job *j = e->data;

		next = inflight_next(e);
		if (e->owner == b && j->msg->qos == 0)
			inflight_unpublish(f->replay, e);
	}
}

static void on_broker_confirm(struct broker *b, int mid, int reason,
			      void *arg)
{
	struct forwarder *f = arg;
	struct inflight_entry *e;

	if (f->publishing && f->publishing->owner == b &&
	    f->publishing->mid == mid) {
		/* Inside broker_publish(): publish() finishes it. */
		f->publishing_confirmed = true;
		f->publishing_reason = reason;
		return;
	}
	e = inflight_find_mid(f->inflight, b, mid);
	if (!e)
		e = inflight_find_mid(f->replay, b, mid);
	if (!e && f->listener && f->listener->on_confirm &&
	    f->listener->on_confirm(b, mid, reason, f->listener->arg))
		return;
	if (!e) {
		log_verbose("broker %s confirmed message id %d, which is not ours (any more)",
			    broker_name(b), mid);
		return;
	}
	confirmed(f, e, reason, clock_now_ms());
}

static const struct broker_events forward_broker_events = {
	.on_connect = on_broker_connect,
	.on_disconnect = on_broker_disconnect,
	.on_confirm = on_broker_confirm,
	.on_message = on_broker_message,
	.on_subscribed = on_broker_subscribed,
};

/* Nack what goes to @b: it is gone from the configuration. */
static size_t nack_owned(struct forwarder *f, const struct broker *b,
			 uint64_t now_ms)
{
	static const enum inflight_state states[] = {
		INFLIGHT_HELD, INFLIGHT_PUBLISHED,
	};
	struct inflight_entry *e, *next;
	size_t n = 0;

	for (size_t s = 0; s < 2; s++) {
		for (e = inflight_first(f->inflight, states[s]); e; e = next) {
			next = inflight_next(e);
			if (e->owner != b)
				continue;
			finish(f, e, false, now_ms);
			n++;
		}
		/* spool rows stay in the spool */
		for (e = inflight_first(f->replay, states[s]); e; e = next) {
			next = inflight_next(e);
			if (e->owner == b)
				inflight_done(f->replay, e, now_ms);
		}
	}
	return n;
}

int forwarder_reconfigure(struct forwarder *f, const struct config *cfg,
			  uint64_t now_ms, char *err, size_t errlen)
{
	struct broker **next = calloc(cfg->n_brokers ? cfg->n_brokers : 1,
				      sizeof(*next));
	bool *kept = calloc(f->n_brokers ? f->n_brokers : 1, sizeof(*kept));
	bool *fresh = calloc(cfg->n_brokers ? cfg->n_brokers : 1,
			     sizeof(*fresh));

	if (!next || !kept || !fresh)
		goto nomem;
	/* First what can fail: the new connection objects. */
	for (size_t i = 0; i < cfg->n_brokers; i++) {
		const struct broker_cfg *nb = &cfg->brokers[i];

		for (size_t k = 0; k < f->n_brokers; k++) {
			if (!kept[k] &&
			    broker_cfg_equal(broker_get_cfg(f->brokers[k]), nb)) {
				next[i] = f->brokers[k];
				kept[k] = true;
				break;
			}
		}
		if (next[i])
			continue;
		next[i] = broker_new(nb, &forward_broker_events, f, err, errlen);
		if (!next[i])
			goto undo;
		fresh[i] = true;
	}
	/* Then the old ones go: their messages to the successor, or nacked. */
	for (size_t k = 0; k < f->n_brokers; k++) {
		struct broker *old = f->brokers[k];
		struct broker *successor = NULL;

		if (kept[k])
			continue;
		for (size_t i = 0; i < cfg->n_brokers; i++)
			if (fresh[i] && !strcmp(cfg->brokers[i].name,
						broker_name(old)))
				successor = next[i];
		broker_stop(old);
		if (f->listener && f->listener->on_broker_gone)
			f->listener->on_broker_gone(old, f->listener->arg);
		remove_lane(f, old);
		if (successor) {
			log_info("broker %s: settings changed, connecting anew",
				 broker_name(old));
			inflight_reassign(f->inflight, old, successor);
			inflight_reassign(f->replay, old, successor);
		} else {
			size_t n = nack_owned(f, old, now_ms);

			if (n)
				log_info("broker %s: removed, %zu messages for it nacked",
					 broker_name(old), n);
			else
				log_info("broker %s: removed", broker_name(old));
		}
		broker_free(old);
	}
	for (size_t i = 0; i < cfg->n_brokers; i++)
		if (!fresh[i])
			broker_set_cfg(next[i], &cfg->brokers[i]);
	free(f->brokers);
	f->brokers = next;
	f->n_brokers = cfg->n_brokers;
	if (f->spool) {
		if (!cfg->spool.path || strcmp(cfg->spool.path, f->cfg->spool.path))
			log_warn("spool: a new path takes a restart; keeping %s",
				 f->cfg->spool.path);
		spool_set_limits(f->spool, &cfg->spool.lim);
	} else if (cfg->spool.path) {
		log_warn("spool: [spool] takes a restart to use");
	}
	f->cfg = cfg;
	for (size_t i = 0; i < f->n_brokers; i++)
		if (fresh[i])
			broker_start(f->brokers[i], now_ms);
	free(kept);
	free(fresh);
	return 0;
undo:
	for (size_t i = 0; i < cfg->n_brokers; i++)
		if (fresh[i])
			broker_free(next[i]);
	free(next);
	free(kept);
	free(fresh);
	return -ENOMEM;
nomem:
	free(next);
	free(kept);
	free(fresh);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

void forwarder_stop_accepting(struct forwarder *f)
{
	f->stopping = true;
}

size_t forwarder_unconfirmed(const struct forwarder *f)
{
	return inflight_count(f->inflight, INFLIGHT_PUBLISHED) +
	       inflight_count(f->replay, INFLIGHT_PUBLISHED);
}

size_t forwarder_held(const struct forwarder *f)
{
	return inflight_count(f->inflight, INFLIGHT_HELD);
}

void forwarder_disconnect(struct forwarder *f)
{
	for (size_t i = 0; i < f->n_brokers; i++)
		broker_stop(f->brokers[i]);
}

void forwarder_tick(struct forwarder *f, uint64_t now_ms)
{
	for (size_t i = 0; i < f->n_brokers; i++)
		broker_tick(f->brokers[i], now_ms);
	if (f->spool) {
		spool_tick(f->spool, now_ms, clock_wall_ms());
		drain_all(f, now_ms);
	}
	if (now_ms - f->last_tick_ms < 1000)
		return;
	f->last_tick_ms = now_ms;
	inflight_expire(f->inflight, now_ms, FORWARD_DONE_LINGER_MS);
	inflight_expire(f->replay, now_ms, FORWARD_DONE_LINGER_MS);
	/* What a broker could not take at once (out of memory). */
	if (!f->stopping)
		for (size_t i = 0; i < f->n_brokers; i++)
			if (broker_is_connected(f->brokers[i]))
				publish_held(f, f->brokers[i], now_ms);
}

int forwarder_timeout_ms(const struct forwarder *f, uint64_t now_ms)
{
	int timeout = 1000, t;

	for (size_t i = 0; i < f->n_brokers; i++) {
		t = broker_timeout_ms(f->brokers[i], now_ms);

		if (t >= 0 && t < timeout)
			timeout = t;
	}
	if (!f->spool)
		return timeout;
	t = spool_timeout_ms(f->spool, now_ms);
	if (t >= 0 && t < timeout)
		timeout = t;
	/* a row waiting for its token */
	for (size_t i = 0; i < f->n_lanes; i++) {
		const struct lane *l = &f->lanes[i];

		if (!l->next || !broker_is_connected(l->b) || l->tokens >= 1)
			continue;
		t = (int)((1 - l->tokens) * 1000 / f->cfg->spool.drain_rate) + 1;
		if (t < timeout)
			timeout = t;
	}
	return timeout;
}

size_t forwarder_n_brokers(const struct forwarder *f)
{
	return f->n_brokers;
}

struct broker *forwarder_broker(const struct forwarder *f, size_t i)
{
	return f->brokers[i];
}

struct broker *forwarder_find_broker(const struct forwarder *f,
				     const char *name)
{
	for (size_t i = 0; i < f->n_brokers; i++)
		if (!strcmp(broker_name(f->brokers[i]), name))
			return f->brokers[i];
	return NULL;
}

const struct forward_stats *forwarder_stats(const struct forwarder *f)
{
	return &f->stats;
}
