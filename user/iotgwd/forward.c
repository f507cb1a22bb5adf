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

/* What an inflight entry holds: the message and where it goes. */
struct job {
	struct queue_msg *msg;
	char *cloud_topic;
};

struct forwarder {
	const struct config *cfg;
	struct forward_sink sink;
	struct inflight *inflight;
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
};

static const struct broker_events forward_broker_events;

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
	f->brokers = calloc(cfg->n_brokers, sizeof(*f->brokers));
	if (!f->inflight || !f->brokers)
		goto nomem;
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
	if (f) {
		inflight_free(f->inflight);
		free(f->brokers);
		free(f);
	}
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void forwarder_free(struct forwarder *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_brokers; i++)
		broker_free(f->brokers[i]);
	free(f->brokers);
	inflight_free(f->inflight);
	free(f);
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

/* The broker answered @e with @reason (MQTT 5: >= 0x80 is a refusal). */
static void confirmed(struct forwarder *f, struct inflight_entry *e,
		      int reason, uint64_t now_ms)
{
	struct broker *b = e->owner;

	if (reason >= 0x80) {
		if (log_ratelimit_allow(&f->rl_refused, now_ms))
			log_error("broker %s refused message %llu: %s (0x%02x); nacked",
				  broker_name(b), (unsigned long long)e->id,
				  broker_reason_string(reason), reason);
		finish(f, e, false, now_ms);
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
			log_error("message %llu: broker %s cannot take it on \"%s\": %s; nacked",
				  (unsigned long long)e->id, broker_name(b),
				  j->cloud_topic, why);
		finish(f, e, false, now_ms);
		return;
	}
	f->stats.published++;
	log_verbose("message %llu (rule %s, QoS %d) published to broker %s on \"%s\"",
		    (unsigned long long)e->id, m->rule, m->qos, broker_name(b),
		    j->cloud_topic);
	if (f->publishing_confirmed) {
		confirmed(f, e, f->publishing_reason, now_ms);
		return;
	}
	if (inflight_published(f->inflight, e, e->mid) < 0) {
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

static void publish_held(struct forwarder *f, const struct broker *b,
			 uint64_t now_ms)
{
	struct inflight_entry *e, *next;

	for (e = inflight_first(f->inflight, INFLIGHT_HELD); e; e = next) {
		next = inflight_next(e);
		if (e->owner == b)
			publish(f, e, now_ms);
		if (!broker_is_connected(b))
			break;
	}
}

static void on_broker_connect(struct broker *b, void *arg)
{
	struct forwarder *f = arg;

	if (f->listener && f->listener->on_connect)
		f->listener->on_connect(b, f->listener->arg);
	publish_held(f, b, clock_now_ms());
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
		if (successor) {
			log_info("broker %s: settings changed, connecting anew",
				 broker_name(old));
			inflight_reassign(f->inflight, old, successor);
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
	return inflight_count(f->inflight, INFLIGHT_PUBLISHED);
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
	if (now_ms - f->last_tick_ms < 1000)
		return;
	f->last_tick_ms = now_ms;
	inflight_expire(f->inflight, now_ms, FORWARD_DONE_LINGER_MS);
	/* What a broker could not take at once (out of memory). */
	if (!f->stopping)
		for (size_t i = 0; i < f->n_brokers; i++)
			if (broker_is_connected(f->brokers[i]))
				publish_held(f, f->brokers[i], now_ms);
}

int forwarder_timeout_ms(const struct forwarder *f, uint64_t now_ms)
{
	int timeout = 1000;

	for (size_t i = 0; i < f->n_brokers; i++) {
		int t = broker_timeout_ms(f->brokers[i], now_ms);

		if (t >= 0 && t < timeout)
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
