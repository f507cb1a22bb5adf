// SPDX-License-Identifier: GPL-2.0
/* Commands from the cloud to the devices, and their answers back. */
#include "downlink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "answer.h"
#include "broker.h"
#include "clock.h"
#include "coap_text.h"
#include "command.h"
#include "log.h"
#include "requester.h"
#include "route.h"
#include "topic_match.h"

#define HASH_SIZE	256	/* buckets of pending commands, by id */

enum pending_state {
	PENDING_ROUTING,	/* waiting for the device table */
	PENDING_SUBMITTED,	/* sent to the kernel, waiting for its result */
};

/* A command in hand until its outcome. */
struct pending {
	struct command *cmd;
	enum pending_state state;
	bool accepted;		/* the kernel replied with its id */
	uint64_t kernel_id;
	uint64_t since_ms;	/* SUBMITTED: when */
	TAILQ_ENTRY(pending) link;
	struct pending *hash_next;
};

/* An answer waiting for its broker, or for the broker's PUBACK. */
struct held {
	struct answer *a;
	struct broker *owner;	/* published to it as @mid; NULL: waiting */
	int mid;
	TAILQ_ENTRY(held) link;
};

/* What a broker was last subscribed to, by broker name. */
struct subscription {
	char *broker;
	char *filter;
	int mid;		/* of the SUBSCRIBE, until its SUBACK */
};

struct downlink {
	const struct config *cfg;
	struct forwarder *fwd;
	struct requester *rq;
	struct forward_listener listener;
	uint64_t next_id;	/* of commands and sequence numbers */
	TAILQ_HEAD(, pending) pending;
	size_t n_pending;
	struct pending *hash[HASH_SIZE];
	TAILQ_HEAD(, held) answers;
	size_t n_answers;
	/* The kernel's device table: the last one read, the one coming. */
	struct route_table table, filling;
	uint64_t table_ms;	/* when it came; 0: never */
	uint32_t dump_seq;	/* the dump in flight, 0: none */
	uint64_t dump_sent_ms;
	bool dump_broken;	/* out of memory for one of its devices */
	/* The kernel's deadline for requests without TIMEOUT_MS. */
	uint64_t kernel_deadline_ms;
	uint64_t deadline_read_ms;
	uint32_t config_seq;
	uint64_t config_sent_ms;
	struct subscription *subs;
	size_t n_subs;
	bool stopping;
	uint64_t last_publish_ms;
	struct log_ratelimit rl_answers, rl_nowhere, rl_dropped, rl_stray;
};

static const struct requester_events requester_events;

/* A sequence number, and an id for a command: never 0 in 32 bits. */
static uint64_t next_id(struct downlink *dl)
{
	dl->next_id++;
	if (!(uint32_t)dl->next_id)
		dl->next_id++;
	return dl->next_id;
}

static struct pending **bucket(struct downlink *dl, uint32_t seq)
{
	return &dl->hash[seq % HASH_SIZE];
}

/* The pending command whose id has the low 32 bits @seq. */
static struct pending *find_pending(struct downlink *dl, uint32_t seq)
{
	for (struct pending *p = *bucket(dl, seq); p; p = p->hash_next)
		if ((uint32_t)p->cmd->id == seq)
			return p;
	return NULL;
}

static struct pending *find_cookie(struct downlink *dl, uint64_t cookie)
{
	struct pending *p = find_pending(dl, (uint32_t)cookie);

	return p && p->cmd->id == cookie ? p : NULL;
}

static void held_drop(struct downlink *dl, struct held *h)
{
	TAILQ_REMOVE(&dl->answers, h, link);
	dl->n_answers--;
	answer_free(h->a);
	free(h);
}

/* Hand @h to its broker, if that is connected. */
static void publish_answer(struct downlink *dl, struct held *h)
{
	struct broker *b = forwarder_find_broker(dl->fwd, h->a->broker);
	struct broker_message m;
	const char *why;
	int mid;

	if (h->owner)
		return;
	if (!b) {
		log_warn("answer to command %llu dropped: broker %s is no longer configured",
			 (unsigned long long)h->a->id, h->a->broker);
		held_drop(dl, h);
		return;
	}
	if (!broker_is_connected(b))
		return;
	answer_message(h->a, &m);
	switch (broker_publish(b, &m, &mid, &why)) {
	case BROKER_PUBLISHED:
		h->owner = b;
		h->mid = mid;
		log_verbose("answer to command %llu published to broker %s on \"%s\"",
			    (unsigned long long)h->a->id, h->a->broker,
			    h->a->topic);
		break;
	case BROKER_RETRY:
		break;
	case BROKER_REFUSED:
		log_error("answer to command %llu: broker %s cannot take it on \"%s\": %s; dropped",
			  (unsigned long long)h->a->id, h->a->broker,
			  h->a->topic, why);
		held_drop(dl, h);
		break;
	}
}

/* Publish the waiting answers of @b (NULL: of every connected broker). */
static void publish_answers(struct downlink *dl, const struct broker *b)
{
	struct held *h, *next;

	for (h = TAILQ_FIRST(&dl->answers); h; h = next) {
		next = TAILQ_NEXT(h, link);
		if (h->owner)
			continue;
		if (b && strcmp(h->a->broker, broker_name(b)))
			continue;
		publish_answer(dl, h);
	}
}

/* "response 2.04 after 1 transmission", "unroutable: no device ...". */
static void outcome_text(const struct command_outcome *o, char *buf,
			 size_t len)
{
	char code[8];

	if (o->error) {
		snprintf(buf, len, "%s: %s", command_status_name(o->status),
			 o->error);
		return;
	}
	code[0] = '\0';
	if (o->status == COMMAND_RESPONSE)
		coap_code_text(o->code, code, sizeof(code));
	snprintf(buf, len, "%s%s%s after %u transmission%s",
		 command_status_name(o->status), *code ? " " : "", code,
		 o->transmissions, o->transmissions == 1 ? "" : "s");
}

static void log_outcome(struct downlink *dl, const struct command *c,
			const struct command_outcome *o, const char *topic)
{
	uint64_t now = clock_now_ms();
	char what[COMMAND_PROBLEM_LEN + 40];

	outcome_text(o, what, sizeof(what));
	if (!topic) {
		if (log_ratelimit_allow(&dl->rl_nowhere, now))
			log_warn("command %llu (%s): %s; answered nowhere: no Response Topic, and broker %s has no reply-topic",
				 (unsigned long long)c->id, c->path, what,
				 c->broker);
	} else if (o->status == COMMAND_RESPONSE) {
		log_verbose("command %llu (%s): %s, answered on \"%s\"",
			    (unsigned long long)c->id, c->path, what, topic);
	} else if (log_ratelimit_allow(&dl->rl_answers, now)) {
		log_info("command %llu (%s): %s; answered on \"%s\"",
			 (unsigned long long)c->id, c->path, what, topic);
	}
}

/* Answer @c with @o: publish it now, or keep it for its broker. */
static void answer(struct downlink *dl, const struct command *c,
		   const struct command_outcome *o)
{
	struct answer *a = answer_new(c, o);
	struct held *h;

	if (!a) {
		log_error("command %llu (%s): out of memory for its answer",
			  (unsigned long long)c->id, c->path);
		return;
	}
	log_outcome(dl, c, o, a->topic);
	if (!a->topic) {
		answer_free(a);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		log_error("command %llu (%s): out of memory for its answer",
			  (unsigned long long)c->id, c->path);
		answer_free(a);
		return;
	}
	h->a = a;
	TAILQ_INSERT_TAIL(&dl->answers, h, link);
	dl->n_answers++;
	/* Too many wait (a broker down a long time): the oldest go. */
	while (dl->n_answers > dl->cfg->commands_max) {
		struct held *old = TAILQ_FIRST(&dl->answers);

		if (log_ratelimit_allow(&dl->rl_dropped, clock_now_ms()))
			log_warn("answer to command %llu on \"%s\" dropped: more than %u answers wait for their broker",
				 (unsigned long long)old->a->id, old->a->topic,
				 dl->cfg->commands_max);
		held_drop(dl, old);
	}
	publish_answer(dl, h);	/* the newest: commands_max is 1 at least */
}

/* Answer @c with iotgwd's own @status and @error text. */
static void answer_error(struct downlink *dl, const struct command *c,
			 enum command_status status, const char *error)
{
	struct command_outcome o = {
		.status = status, .content_format = -1, .error = error,
	};

	answer(dl, c, &o);
}

static void pending_free(struct downlink *dl, struct pending *p)
{
	struct pending **pp = bucket(dl, (uint32_t)p->cmd->id);

	while (*pp != p)
		pp = &(*pp)->hash_next;
	*pp = p->hash_next;
	TAILQ_REMOVE(&dl->pending, p, link);
	dl->n_pending--;
	command_free(p->cmd);
	free(p);
}

static void pending_fail(struct downlink *dl, struct pending *p,
			 enum command_status status, const char *error)
{
	answer_error(dl, p->cmd, status, error);
	pending_free(dl, p);
}

/* Read the kernel's default deadline again when it is old. */
static void refresh_deadline(struct downlink *dl, uint64_t now_ms)
{
	uint32_t seq;

	if (dl->config_seq || (dl->deadline_read_ms &&
			       now_ms < dl->deadline_read_ms +
			       DOWNLINK_DEADLINE_REFRESH_MS))
		return;
	seq = (uint32_t)next_id(dl);
	if (requester_get_config(dl->rq, seq))
		return;		/* the last value, or the default */
	dl->config_seq = seq;
	dl->config_sent_ms = now_ms;
}

static void submit(struct downlink *dl, struct pending *p,
		   const struct route *r, uint64_t now_ms)
{
	const struct command *c = p->cmd;
	struct coap_request req = {
		.addr = r->addr,
		.confirmable = c->confirmable,
		.method = c->method,
		.path = c->path,
		.content_format = c->content_format,
		.payload = c->payload,
		.payload_len = c->payload_len,
		.cookie = c->id,
		.timeout_ms = c->timeout_ms,
	};
	char addr[COAP_TEXT_ADDR_LEN], method[8], why[128];
	int err;

	err = requester_submit(dl->rq, &req, (uint32_t)c->id);
	if (err) {
		snprintf(why, sizeof(why),
			 "cannot send the request to the kernel: %s",
			 strerror(-err));
		pending_fail(dl, p, COMMAND_ERROR, why);
		return;
	}
	p->state = PENDING_SUBMITTED;
	p->since_ms = now_ms;
	coap_address_text(&r->addr, addr, sizeof(addr));
	log_verbose("command %llu: %s %s coap://%s/%s (%s \"%s\")",
		    (unsigned long long)c->id, c->confirmable ? "CON" : "NON",
		    coap_method_name(c->method, method, sizeof(method)), addr,
		    c->path, r->source == ROUTE_SECTION ? "device" :
		    "the device table's device with topic", r->via);
	if (!c->timeout_ms)
		refresh_deadline(dl, now_ms);
}

/* Route @p by the device table that just came, and send it. */
static void route_by_kernel_table(struct downlink *dl, struct pending *p,
				  uint64_t now_ms)
{
	char why[COMMAND_PROBLEM_LEN];
	struct route r;

	if (route_by_table(&dl->table, p->cmd->path, dl->cfg->device_port,
			   &r)) {
		submit(dl, p, &r, now_ms);
		return;
	}
	route_unroutable_text(p->cmd->path, why, sizeof(why));
	pending_fail(dl, p, COMMAND_UNROUTABLE, why);
}

/* Every command waiting for the device table fails with @why. */
static void fail_routing(struct downlink *dl, const char *why)
{
	struct pending *p, *next;

	for (p = TAILQ_FIRST(&dl->pending); p; p = next) {
		next = TAILQ_NEXT(p, link);
		if (p->state == PENDING_ROUTING)
			pending_fail(dl, p, COMMAND_ERROR, why);
	}
}

static void start_dump(struct downlink *dl, uint64_t now_ms)
{
	uint32_t seq = (uint32_t)next_id(dl);
	char why[128];
	int err;

	route_table_clear(&dl->filling);
	dl->dump_broken = false;
	err = requester_dump_devices(dl->rq, seq);
	if (err) {
		snprintf(why, sizeof(why),
			 "cannot ask the kernel for its device table: %s",
			 strerror(-err));
		fail_routing(dl, why);
		return;
	}
	dl->dump_seq = seq;
	dl->dump_sent_ms = now_ms;
}

static bool table_fresh(const struct downlink *dl, uint64_t now_ms)
{
	return dl->table_ms && now_ms < dl->table_ms + ROUTE_TABLE_MAX_AGE_MS;
}

static void route_pending(struct downlink *dl, struct pending *p,
			  uint64_t now_ms)
{
	const char *path = p->cmd->path;
	char why[COMMAND_PROBLEM_LEN];
	struct route r;

	if (*path && route_by_section(dl->cfg, path, &r)) {
		submit(dl, p, &r, now_ms);
		return;
	}
	if (!*path || !route_table_can_route(path)) {
		route_unroutable_text(path, why, sizeof(why));
		pending_fail(dl, p, COMMAND_UNROUTABLE, why);
		return;
	}
	if (table_fresh(dl, now_ms) && !dl->dump_seq) {
		route_by_kernel_table(dl, p, now_ms);
		return;
	}
	p->state = PENDING_ROUTING;
	if (!dl->dump_seq)
		start_dump(dl, now_ms);
}

/* ---- the brokers ---- */

static struct subscription *find_subscription(struct downlink *dl,
					      const char *broker)
{
	for (size_t i = 0; i < dl->n_subs; i++)
		if (!strcmp(dl->subs[i].broker, broker))
			return &dl->subs[i];
	return NULL;
}

/* Record that @broker is subscribed to @filter (NULL: to nothing). */
static void set_subscription(struct downlink *dl, const char *broker,
			     const char *filter)
{
	struct subscription *s = find_subscription(dl, broker);
	char *copy = filter ? strdup(filter) : NULL;

	if (filter && !copy)
		return;		/* unsubscribed again on the next connect */
	if (!s && filter) {
		struct subscription *bigger;

		bigger = realloc(dl->subs, (dl->n_subs + 1) * sizeof(*bigger));
		s = bigger ? &bigger[dl->n_subs] : NULL;
		if (bigger)
			dl->subs = bigger;
		if (s)
			s->broker = strdup(broker);
		if (!s || !s->broker) {
			free(copy);
			return;
		}
		s->filter = NULL;
		dl->n_subs++;
	}
	if (!s)
		return;
	free(s->filter);
	s->filter = copy;
	s->mid = 0;
}

/*
 * Subscribe @b to its command-topic and unsubscribe it from the one it
 * had, if that changed; with @always, subscribe even if not.
 */
static void sync_subscription(struct downlink *dl, struct broker *b,
			      bool always)
{
	const char *want = broker_get_cfg(b)->command_filter;
	struct subscription *s = find_subscription(dl, broker_name(b));
	const char *have = s ? s->filter : NULL;
	const char *why;
	int mid;

	if (have && (!want || strcmp(have, want))) {
		if (broker_unsubscribe(b, have, &why))
			log_error("broker %s: cannot unsubscribe from \"%s\": %s",
				  broker_name(b), have, why);
		else
			log_info("broker %s: no longer subscribed to commands on \"%s\"",
				 broker_name(b), have);
		set_subscription(dl, broker_name(b), NULL);
		have = NULL;
	}
	if (!want || (have && !always))
		return;
	if (broker_subscribe(b, want, 1, &mid, &why)) {
		log_error("broker %s: cannot subscribe to commands on \"%s\": %s",
			  broker_name(b), want, why);
		return;
	}
	set_subscription(dl, broker_name(b), want);
	s = find_subscription(dl, broker_name(b));
	if (s)
		s->mid = mid;
}

/* The broker's SUBACK: log whether the commands come. */
static void on_broker_subscribed(struct broker *b, int mid, int granted,
				 void *arg)
{
	struct downlink *dl = arg;
	struct subscription *s = find_subscription(dl, broker_name(b));

	if (!s || !s->filter || !mid || s->mid != mid)
		return;
	s->mid = 0;
	if (granted >= 0x80)
		log_error("broker %s refused the subscription to commands on \"%s\": %s (0x%02x)",
			  broker_name(b), s->filter,
			  broker_reason_string(granted), granted);
	else
		log_info("broker %s: subscribed to commands on \"%s\"",
			 broker_name(b), s->filter);
}

static void on_broker_connect(struct broker *b, void *arg)
{
	struct downlink *dl = arg;

	sync_subscription(dl, b, true);
	publish_answers(dl, b);
}

static bool on_broker_confirm(struct broker *b, int mid, int reason,
			      void *arg)
{
	struct downlink *dl = arg;
	struct held *h;

	TAILQ_FOREACH(h, &dl->answers, link) {
		if (h->owner != b || h->mid != mid)
			continue;
		if (reason >= 0x80)
			log_error("broker %s refused the answer to command %llu on \"%s\": %s (0x%02x)",
				  broker_name(b), (unsigned long long)h->a->id,
				  h->a->topic, broker_reason_string(reason),
				  reason);
		else
			log_verbose("answer to command %llu confirmed by broker %s",
				    (unsigned long long)h->a->id,
				    broker_name(b));
		held_drop(dl, h);
		return true;
	}
	return false;
}

/* A reload frees @b: what it did not confirm goes out again. */
static void on_broker_gone(struct broker *b, void *arg)
{
	struct downlink *dl = arg;
	struct held *h;

	TAILQ_FOREACH(h, &dl->answers, link)
		if (h->owner == b)
			h->owner = NULL;
}

static void on_broker_message(struct broker *b, const struct broker_incoming *m,
			      void *arg)
{
	struct downlink *dl = arg;
	const struct broker_cfg *bc = broker_get_cfg(b);
	uint64_t now = clock_now_ms();
	struct command *c;
	struct pending *p, **head;
	char why[COMMAND_PROBLEM_LEN];

	if (!bc->command_filter || !topic_match(bc->command_filter, m->topic)) {
		/* an old subscription, kept in a persistent session */
		if (log_ratelimit_allow(&dl->rl_stray, now))
			log_warn("broker %s: a message on \"%s\", not under command-topic \"%s\": ignored",
				 broker_name(b), m->topic,
				 bc->command_topic ? bc->command_topic : "");
		return;
	}
	c = command_from_message(bc, dl->cfg->gateway_id, m, next_id(dl));
	if (!c) {
		log_error("broker %s: out of memory for the command on \"%s\": not carried out, not answered",
			  broker_name(b), m->topic);
		return;
	}
	log_verbose("command %llu from broker %s on \"%s\": %zu bytes%s%s%s",
		    (unsigned long long)c->id, broker_name(b), m->topic,
		    m->payload_len, m->response_topic ? ", response topic \"" : "",
		    m->response_topic ? m->response_topic : "",
		    m->response_topic ? "\"" : "");
	if (c->problem[0]) {
		answer_error(dl, c, COMMAND_ERROR, c->problem);
		command_free(c);
		return;
	}
	if (dl->stopping) {
		answer_error(dl, c, COMMAND_ERROR,
			     "iotgwd is stopping: not carried out");
		command_free(c);
		return;
	}
	if (dl->n_pending >= dl->cfg->commands_max) {
		snprintf(why, sizeof(why),
			 "%u commands are pending already (commands-max)",
			 dl->cfg->commands_max);
		answer_error(dl, c, COMMAND_BUSY, why);
		command_free(c);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		answer_error(dl, c, COMMAND_ERROR, "out of memory");
		command_free(c);
		return;
	}
	p->cmd = c;
	head = bucket(dl, (uint32_t)c->id);
	p->hash_next = *head;
	*head = p;
	TAILQ_INSERT_TAIL(&dl->pending, p, link);
	dl->n_pending++;
	route_pending(dl, p, now);
}

/* ---- the kernel ---- */

static void on_accepted(uint32_t seq, uint64_t kernel_id, void *arg)
{
	struct downlink *dl = arg;
	struct pending *p = find_pending(dl, seq);

	if (!p)
		return;		/* answered already: its result came first */
	p->accepted = true;
	p->kernel_id = kernel_id;
	log_verbose("command %llu: the kernel's request %llu",
		    (unsigned long long)p->cmd->id,
		    (unsigned long long)kernel_id);
}

static void on_error(uint32_t seq, int error, const char *extack, void *arg)
{
	struct downlink *dl = arg;
	char why[COMMAND_PROBLEM_LEN], text[COMMAND_PROBLEM_LEN + 40];
	struct pending *p;

	snprintf(why, sizeof(why), "%s%s%s", strerror(-error),
		 extack && *extack ? ": " : "", extack ? extack : "");
	if (seq && seq == dl->dump_seq) {
		dl->dump_seq = 0;
		snprintf(text, sizeof(text),
			 "cannot read the kernel's device table: %s", why);
		log_error("%s", text);
		fail_routing(dl, text);
		return;
	}
	if (seq && seq == dl->config_seq) {
		dl->config_seq = 0;
		dl->deadline_read_ms = clock_now_ms();
		log_verbose("CONFIG_GET refused: %s; deadline %llu ms assumed",
			    why, (unsigned long long)dl->kernel_deadline_ms);
		return;
	}
	p = find_pending(dl, seq);
	if (!p || p->state != PENDING_SUBMITTED)
		return;
	snprintf(text, sizeof(text), "the kernel refused the request: %s", why);
	pending_fail(dl, p, COMMAND_ERROR, text);
}

static void on_result(const struct iotgw_coap_result *r, void *arg)
{
	struct downlink *dl = arg;
	struct pending *p = r->has_cookie ? find_cookie(dl, r->cookie) : NULL;
	struct command_outcome o = {
		.status = (enum command_status)r->status,
		.code = r->code,
		.transmissions = r->transmissions,
		.content_format = r->has_format ? r->content_format : -1,
		.payload = r->payload,
		.payload_len = r->payload_len,
	};

	if (!p || p->state != PENDING_SUBMITTED) {
		log_verbose("a result for request %llu (cookie %llu), which is not pending: ignored",
			    (unsigned long long)r->id,
			    (unsigned long long)r->cookie);
		return;
	}
	answer(dl, p->cmd, &o);
	pending_free(dl, p);
}

static void on_device(uint32_t seq, const struct route_device *d, void *arg)
{
	struct downlink *dl = arg;

	if (seq != dl->dump_seq)
		return;
	if (route_table_add(&dl->filling, d) < 0)
		dl->dump_broken = true;
}

static void on_dump_done(uint32_t seq, int error, const char *extack,
			 void *arg)
{
	struct downlink *dl = arg;
	uint64_t now = clock_now_ms();
	struct pending *p, *next;
	char why[COMMAND_PROBLEM_LEN];

	if (!seq || seq != dl->dump_seq)
		return;
	dl->dump_seq = 0;
	if (error || dl->dump_broken) {
		snprintf(why, sizeof(why),
			 "cannot read the kernel's device table: %s%s%s",
			 dl->dump_broken ? "out of memory" : strerror(-error),
			 extack && *extack ? ": " : "", extack ? extack : "");
		log_error("%s", why);
		fail_routing(dl, why);
		return;
	}
	route_table_clear(&dl->table);
	dl->table = dl->filling;
	dl->filling = (struct route_table){ NULL, 0, 0 };
	dl->table_ms = now ? now : 1;
	log_verbose("the kernel's device table: %zu devices", dl->table.n);
	for (p = TAILQ_FIRST(&dl->pending); p; p = next) {
		next = TAILQ_NEXT(p, link);
		if (p->state == PENDING_ROUTING)
			route_by_kernel_table(dl, p, now);
	}
}

static void on_deadline(uint32_t seq, uint64_t deadline_ms, void *arg)
{
	struct downlink *dl = arg;

	if (seq != dl->config_seq)
		return;
	dl->config_seq = 0;
	dl->deadline_read_ms = clock_now_ms();
	if (deadline_ms != dl->kernel_deadline_ms)
		log_verbose("the kernel's deadline for requests: %llu ms",
			    (unsigned long long)deadline_ms);
	dl->kernel_deadline_ms = deadline_ms;
}

static const struct requester_events requester_events = {
	.on_accepted = on_accepted,
	.on_error = on_error,
	.on_result = on_result,
	.on_device = on_device,
	.on_dump_done = on_dump_done,
	.on_deadline = on_deadline,
};

/* ---- the daemon's side ---- */

struct downlink *downlink_new(const struct config *cfg, struct forwarder *fwd,
			      int family, char *err, size_t errlen)
{
	struct downlink *dl = calloc(1, sizeof(*dl));

	if (!dl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dl->cfg = cfg;
	dl->fwd = fwd;
	dl->kernel_deadline_ms = REQUESTER_DEFAULT_DEADLINE_MS;
	TAILQ_INIT(&dl->pending);
	TAILQ_INIT(&dl->answers);
	dl->rq = requester_open(family, &requester_events, dl, err, errlen);
	if (!dl->rq) {
		free(dl);
		return NULL;
	}
	dl->listener = (struct forward_listener){
		.on_connect = on_broker_connect,
		.on_confirm = on_broker_confirm,
		.on_message = on_broker_message,
		.on_subscribed = on_broker_subscribed,
		.on_broker_gone = on_broker_gone,
		.arg = dl,
	};
	forwarder_set_listener(fwd, &dl->listener);
	return dl;
}

void downlink_free(struct downlink *dl)
{
	if (!dl)
		return;
	forwarder_set_listener(dl->fwd, NULL);
	while (!TAILQ_EMPTY(&dl->pending))
		pending_free(dl, TAILQ_FIRST(&dl->pending));
	while (!TAILQ_EMPTY(&dl->answers))
		held_drop(dl, TAILQ_FIRST(&dl->answers));
	for (size_t i = 0; i < dl->n_subs; i++) {
		free(dl->subs[i].broker);
		free(dl->subs[i].filter);
	}
	free(dl->subs);
	route_table_clear(&dl->table);
	route_table_clear(&dl->filling);
	requester_close(dl->rq);
	free(dl);
}

int downlink_fd(const struct downlink *dl)
{
	return requester_fd(dl->rq);
}

int downlink_receive(struct downlink *dl)
{
	return requester_receive(dl->rq);
}

void downlink_reconfigure(struct downlink *dl, const struct config *cfg)
{
	dl->cfg = cfg;
	for (size_t i = 0; i < forwarder_n_brokers(dl->fwd); i++) {
		struct broker *b = forwarder_broker(dl->fwd, i);

		/* the others subscribe when they connect */
		if (broker_is_connected(b))
			sync_subscription(dl, b, false);
	}
}

/* When @p's result is overdue. */
static uint64_t result_due_ms(const struct downlink *dl,
			      const struct pending *p)
{
	uint64_t wait = p->cmd->timeout_ms ? p->cmd->timeout_ms :
			dl->kernel_deadline_ms;

	return p->since_ms + wait + DOWNLINK_RESULT_SLACK_MS;
}

void downlink_tick(struct downlink *dl, uint64_t now_ms)
{
	struct pending *p, *next;
	char why[COMMAND_PROBLEM_LEN];

	for (p = TAILQ_FIRST(&dl->pending); p; p = next) {
		next = TAILQ_NEXT(p, link);
		if (p->state != PENDING_SUBMITTED ||
		    now_ms < result_due_ms(dl, p))
			continue;
		snprintf(why, sizeof(why),
			 "no result from the kernel within %llu ms",
			 (unsigned long long)(now_ms - p->since_ms));
		pending_fail(dl, p, COMMAND_ERROR, why);
	}
	/* (@now_ms may be older than what happened since the poll) */
	if (dl->dump_seq &&
	    now_ms >= dl->dump_sent_ms + DOWNLINK_KERNEL_WAIT_MS) {
		dl->dump_seq = 0;
		snprintf(why, sizeof(why),
			 "no device table from the kernel within %d ms",
			 DOWNLINK_KERNEL_WAIT_MS);
		log_error("%s", why);
		fail_routing(dl, why);
	}
	if (dl->config_seq &&
	    now_ms >= dl->config_sent_ms + DOWNLINK_KERNEL_WAIT_MS)
		dl->config_seq = 0;
	/* What a broker could not take at once (out of memory). */
	if (now_ms >= dl->last_publish_ms + 1000) {
		dl->last_publish_ms = now_ms;
		publish_answers(dl, NULL);
	}
}

int downlink_timeout_ms(const struct downlink *dl, uint64_t now_ms)
{
	uint64_t timeout = 1000;
	const struct pending *p;

	if (TAILQ_EMPTY(&dl->pending) && TAILQ_EMPTY(&dl->answers))
		return -1;
	TAILQ_FOREACH(p, &dl->pending, link) {
		uint64_t due;

		if (p->state != PENDING_SUBMITTED)
			continue;
		due = result_due_ms(dl, p);
		if (due <= now_ms)
			return 0;
		if (due - now_ms < timeout)
			timeout = due - now_ms;
	}
	return (int)timeout;
}

void downlink_stop(struct downlink *dl)
{
	dl->stopping = true;
	while (!TAILQ_EMPTY(&dl->pending)) {
		struct pending *p = TAILQ_FIRST(&dl->pending);

		pending_fail(dl, p, COMMAND_ERROR,
			     p->state == PENDING_ROUTING ?
			     "iotgwd stopped before the command was sent" :
			     "iotgwd stopped before the outcome came (the request may have been sent)");
	}
}

size_t downlink_unconfirmed(const struct downlink *dl)
{
	const struct held *h;
	size_t n = 0;

	TAILQ_FOREACH(h, &dl->answers, link) {
		struct broker *b = forwarder_find_broker(dl->fwd, h->a->broker);

		n += b && broker_is_connected(b);
	}
	return n;
}

size_t downlink_pending(const struct downlink *dl)
{
	return dl->n_pending;
}
