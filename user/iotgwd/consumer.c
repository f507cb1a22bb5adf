// SPDX-License-Identifier: GPL-2.0
/* The queue consumer's netlink socket: bind, receive, ack and nack. */
#include "consumer.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "clock.h"
#include "iotgw_nl.h"
#include "log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* What an asynchronous request was, to explain the kernel's refusal. */
#define SENT_RING 32

struct sent_request {
	uint32_t seq;
	uint8_t cmd;
	unsigned int n_ids;
};

struct id_batch {
	uint64_t *ids;
	size_t n, size;
};

struct consumer {
	struct nl_sock *sock;
	int family;
	consumer_msg_fn on_msg;
	void *arg;
	struct id_batch acks, nacks, rejects;
	uint8_t reject_code;		/* of the ids in rejects */
	uint64_t oldest_ms;		/* when the oldest queued id came */
	struct sent_request sent[SENT_RING];
	unsigned int sent_next;
	/* The synchronous request being waited for. */
	uint32_t sync_seq;
	bool sync_done;
	int sync_error;
	char sync_extack[200];
	struct log_ratelimit rl_malformed, rl_refused, rl_overrun;
};

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_MSG] = { .type = NLA_NESTED },
};

static struct nla_policy msg_policy[IOTGW_MSG_A_MAX + 1] = {
	[IOTGW_MSG_A_ID] = { .type = NLA_U64 },
	[IOTGW_MSG_A_QOS] = { .type = NLA_U8 },
	[IOTGW_MSG_A_PROTO] = { .type = NLA_U8 },
	[IOTGW_MSG_A_RULE] = { .type = NLA_STRING,
			       .maxlen = IOTGW_RULE_NAME_MAX },
	[IOTGW_MSG_A_FAMILY] = { .type = NLA_U8 },
	[IOTGW_MSG_A_SRC] = { .type = NLA_UNSPEC },
	[IOTGW_MSG_A_SRC_PORT] = { .type = NLA_U16 },
	[IOTGW_MSG_A_TOPIC] = { .type = NLA_STRING },
	[IOTGW_MSG_A_PAYLOAD] = { .type = NLA_UNSPEC },
	[IOTGW_MSG_A_CONTENT_FORMAT] = { .type = NLA_U16 },
	[IOTGW_MSG_A_TIME_NS] = { .type = NLA_U64 },
	[IOTGW_MSG_A_ATTEMPTS] = { .type = NLA_U32 },
	[IOTGW_MSG_A_CONFIRM] = { .type = NLA_U8 },
};

/* An unknown mode waits for the most: the broker's confirmation. */
static uint8_t confirm_mode(uint8_t v)
{
	return v == IOTGW_CONFIRM_ADMIT || v == IOTGW_CONFIRM_STORE ? v :
	       IOTGW_CONFIRM_CLOUD;
}

int consumer_parse_msg(struct nl_msg *msg, struct queue_msg **out,
		       uint64_t *id, char *err, size_t errlen)
{
	struct nlattr *tb[IOTGW_A_MAX + 1], *mt[IOTGW_MSG_A_MAX + 1];
	struct queue_msg *m;
	int src_len;

	*out = NULL;
	*id = 0;
	if (iotgw_nl_parse_policy(msg, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_MSG] ||
	    nla_parse_nested(mt, IOTGW_MSG_A_MAX, tb[IOTGW_A_MSG],
			     msg_policy) < 0) {
		snprintf(err, errlen, "malformed attributes");
		return -EINVAL;
	}
	if (!mt[IOTGW_MSG_A_ID]) {
		snprintf(err, errlen, "no IOTGW_MSG_A_ID");
		return -EINVAL;
	}
	*id = nla_get_u64(mt[IOTGW_MSG_A_ID]);
	if (!mt[IOTGW_MSG_A_QOS] || nla_get_u8(mt[IOTGW_MSG_A_QOS]) > 2 ||
	    !mt[IOTGW_MSG_A_RULE] || !mt[IOTGW_MSG_A_TOPIC]) {
		snprintf(err, errlen, "no valid QOS, RULE or TOPIC");
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->id = *id;
	m->qos = nla_get_u8(mt[IOTGW_MSG_A_QOS]);
	if (mt[IOTGW_MSG_A_PROTO])
		m->proto = nla_get_u8(mt[IOTGW_MSG_A_PROTO]);
	snprintf(m->rule, sizeof(m->rule), "%s",
		 nla_get_string(mt[IOTGW_MSG_A_RULE]));
	if (mt[IOTGW_MSG_A_FAMILY] && mt[IOTGW_MSG_A_SRC]) {
		m->family = nla_get_u8(mt[IOTGW_MSG_A_FAMILY]);
		src_len = nla_len(mt[IOTGW_MSG_A_SRC]);
		if ((m->family == AF_INET && src_len == 4) ||
		    (m->family == AF_INET6 && src_len == 16))
			memcpy(m->src, nla_data(mt[IOTGW_MSG_A_SRC]),
			       (size_t)src_len);
		else
			m->family = 0;
	}
	if (mt[IOTGW_MSG_A_SRC_PORT])
		m->src_port = nla_get_u16(mt[IOTGW_MSG_A_SRC_PORT]);
	m->content_format = mt[IOTGW_MSG_A_CONTENT_FORMAT] ?
		nla_get_u16(mt[IOTGW_MSG_A_CONTENT_FORMAT]) : -1;
	if (mt[IOTGW_MSG_A_TIME_NS])
		m->time_ns = nla_get_u64(mt[IOTGW_MSG_A_TIME_NS]);
	if (mt[IOTGW_MSG_A_ATTEMPTS])
		m->attempts = nla_get_u32(mt[IOTGW_MSG_A_ATTEMPTS]);
	if (mt[IOTGW_MSG_A_CONFIRM])
		m->confirm = confirm_mode(nla_get_u8(mt[IOTGW_MSG_A_CONFIRM]));
	m->topic = strdup(nla_get_string(mt[IOTGW_MSG_A_TOPIC]));
	if (!m->topic)
		goto nomem;
	if (mt[IOTGW_MSG_A_PAYLOAD] && nla_len(mt[IOTGW_MSG_A_PAYLOAD]) > 0) {
		m->payload_len = (size_t)nla_len(mt[IOTGW_MSG_A_PAYLOAD]);
		m->payload = malloc(m->payload_len);
		if (!m->payload)
			goto nomem;
		memcpy(m->payload, nla_data(mt[IOTGW_MSG_A_PAYLOAD]),
		       m->payload_len);
	}
	*out = m;
	return 0;
nomem:
	queue_msg_free(m);
	return -ENOMEM;
}

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case IOTGW_CMD_QUEUE_ACK:
		return "QUEUE_ACK";
	case IOTGW_CMD_QUEUE_NACK:
		return "QUEUE_NACK";
	case IOTGW_CMD_QUEUE_REJECT:
		return "QUEUE_REJECT";
	case IOTGW_CMD_QUEUE_BIND:
		return "QUEUE_BIND";
	case IOTGW_CMD_QUEUE_UNBIND:
		return "QUEUE_UNBIND";
	default:
		return "a request";
	}
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct consumer *c = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct queue_msg *m;
	char why[128];
	uint64_t id;
	int err;

	if (nlmsg_hdr(msg)->nlmsg_type != c->family ||
	    nlmsg_datalen(nlmsg_hdr(msg)) < (int)GENL_HDRLEN ||
	    gh->cmd != IOTGW_CMD_QUEUE_MSG)
		return NL_OK;
	err = consumer_parse_msg(msg, &m, &id, why, sizeof(why));
	if (err == -ENOMEM) {
		/* The kernel sends it again after the retry wait. */
		if (log_ratelimit_allow(&c->rl_malformed, clock_now_ms()))
			log_error("message %llu: out of memory, left to the kernel's retry",
				  (unsigned long long)id);
		return NL_OK;
	}
	if (err) {
		if (log_ratelimit_allow(&c->rl_malformed, clock_now_ms()))
			log_error("malformed QUEUE_MSG from the kernel (%s)%s",
				  why, id ? ", nacked" : "");
		if (id)
			consumer_nack(c, id, clock_now_ms());
		return NL_OK;
	}
	c->on_msg(m, c->arg);
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct consumer *c = arg;

	if (nlmsg_hdr(msg)->nlmsg_seq == c->sync_seq) {
		c->sync_done = true;
		c->sync_error = 0;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct consumer *c = arg;
	const char *extack = iotgw_nl_extack_message(e);

	(void)who;
	if (e->msg.nlmsg_seq == c->sync_seq && !c->sync_done) {
		c->sync_done = true;
		c->sync_error = e->error;
		snprintf(c->sync_extack, sizeof(c->sync_extack), "%s",
			 extack ? extack : "");
		return NL_SKIP;
	}
	if (!e->error)
		return NL_SKIP;
	if (log_ratelimit_allow(&c->rl_refused, clock_now_ms())) {
		char what[64] = "a request";

		for (unsigned int i = 0; i < SENT_RING; i++)
			if (c->sent[i].seq == e->msg.nlmsg_seq && c->sent[i].cmd)
				snprintf(what, sizeof(what), "%s of %u ids",
					 cmd_name(c->sent[i].cmd),
					 c->sent[i].n_ids);
		log_error("the kernel refused %s: %s%s%s", what,
			  strerror(-e->error), extack ? ": " : "",
			  extack ? extack : "");
	}
	return NL_SKIP;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

struct consumer *consumer_open(int family, consumer_msg_fn on_msg, void *arg,
			       char *err, size_t errlen)
{
	struct consumer *c = calloc(1, sizeof(*c));
	int one = 1, size = CONSUMER_RCVBUF, rc;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->family = family;
	c->on_msg = on_msg;
	c->arg = arg;
	c->sock = nl_socket_alloc();
	if (!c->sock) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	rc = genl_connect(c->sock);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open a generic netlink socket: %s",
			 nl_geterror(rc));
		goto err;
	}
	nl_socket_disable_seq_check(c->sock);
	nl_socket_disable_auto_ack(c->sock);
	nl_socket_enable_msg_peek(c->sock);
	rc = nl_socket_set_nonblocking(c->sock);
	if (rc == 0)
		rc = nl_socket_set_buffer_size(c->sock, CONSUMER_RCVBUF, 0);
	if (rc < 0) {
		snprintf(err, errlen, "netlink socket setup: %s",
			 nl_geterror(rc));
		goto err;
	}
	/* Beyond net.core.rmem_max, which needs CAP_NET_ADMIN (we have it). */
	setsockopt(nl_socket_get_fd(c->sock), SOL_SOCKET, SO_RCVBUFFORCE,
		   &size, sizeof(size));
	setsockopt(nl_socket_get_fd(c->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	/* Refusals without a copy of our (up to 8 KiB) request. */
	setsockopt(nl_socket_get_fd(c->sock), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	if (nl_socket_modify_cb(c->sock, NL_CB_SEQ_CHECK, NL_CB_CUSTOM,
				no_seq_check, NULL) < 0 ||
	    nl_socket_modify_cb(c->sock, NL_CB_VALID, NL_CB_CUSTOM, on_valid,
				c) < 0 ||
	    nl_socket_modify_cb(c->sock, NL_CB_ACK, NL_CB_CUSTOM, on_ack,
				c) < 0 ||
	    nl_socket_modify_err_cb(c->sock, NL_CB_CUSTOM, on_error, c) < 0) {
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	return c;
err:
	nl_socket_free(c->sock);
	free(c);
	return NULL;
}

void consumer_close(struct consumer *c)
{
	if (!c)
		return;
	nl_socket_free(c->sock);
	free(c->acks.ids);
	free(c->nacks.ids);
	free(c->rejects.ids);
	free(c);
}

int consumer_fd(const struct consumer *c)
{
	return nl_socket_get_fd(c->sock);
}

int consumer_receive(struct consumer *c)
{
	/* Bounded, so that the brokers get their turn in a flood. */
	for (int i = 0; i < 64; i++) {
		int err = nl_recvmsgs_default(c->sock);

		if (err == -NLE_AGAIN)
			return 0;
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the kernel keeps what it could not send. */
			if (log_ratelimit_allow(&c->rl_overrun, clock_now_ms()))
				log_warn("netlink receive buffer full: the kernel sends again later");
			continue;
		}
		if (err == -NLE_BAD_SOCK)
			return -EBADF;
		if (err < 0) {
			log_error("netlink receive: %s", nl_geterror(err));
			return 0;
		}
	}
	return 0;
}

/* Send one request for @cmd; the sequence number in *seq. */
static int send_request(struct consumer *c, uint8_t cmd, int flags,
			const uint64_t *ids, size_t n, bool with_queue,
			uint32_t credit, uint32_t retry_ms, uint32_t *seq,
			int code)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest;
	int err;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags,
			 cmd, IOTGW_GENL_VERSION))
		goto nomem;
	if (n && nla_put(msg, IOTGW_A_MSG_IDS, (int)(n * sizeof(*ids)),
			 ids) < 0)
		goto nomem;
	if (code >= 0 && nla_put_u8(msg, IOTGW_A_MSG_CODE, (uint8_t)code) < 0)
		goto nomem;
	if (with_queue) {
		nest = nla_nest_start(msg, IOTGW_A_QUEUE);
		if (!nest ||
		    nla_put_u32(msg, IOTGW_QUEUE_A_CREDIT, credit) < 0 ||
		    nla_put_u32(msg, IOTGW_QUEUE_A_RETRY_MS, retry_ms) < 0)
			goto nomem;
		nla_nest_end(msg, nest);
	}
	err = nl_send_auto(c->sock, msg);
	if (seq)
		*seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	return err < 0 ? -EIO : 0;
nomem:
	nlmsg_free(msg);
	return -ENOMEM;
}

/* A request the kernel answers before we go on: BIND, UNBIND. */
static int sync_request(struct consumer *c, uint8_t cmd, bool with_queue,
			uint32_t credit, uint32_t retry_ms, char *err,
			size_t errlen)
{
	uint64_t deadline = clock_now_ms() + CONSUMER_SYNC_TIMEOUT_MS;
	uint32_t seq;
	int rc;

	rc = send_request(c, cmd, NLM_F_ACK, NULL, 0, with_queue, credit,
			  retry_ms, &seq, -1);
	if (rc) {
		snprintf(err, errlen, "%s: cannot send: %s", cmd_name(cmd),
			 strerror(-rc));
		return rc;
	}
	c->sync_seq = seq;
	c->sync_done = false;
	c->sync_error = 0;
	c->sync_extack[0] = '\0';
	while (!c->sync_done) {
		struct pollfd pfd = { .fd = consumer_fd(c), .events = POLLIN };
		uint64_t now = clock_now_ms();

		if (now >= deadline) {
			snprintf(err, errlen, "%s: no answer from the kernel",
				 cmd_name(cmd));
			c->sync_seq = 0;
			return -ETIMEDOUT;
		}
		if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -errno;
		}
		if (consumer_receive(c) < 0) {
			snprintf(err, errlen, "%s: netlink socket broken",
				 cmd_name(cmd));
			return -EIO;
		}
	}
	c->sync_seq = 0;
	if (c->sync_error) {
		snprintf(err, errlen, "%s: %s%s%s", cmd_name(cmd),
			 strerror(-c->sync_error), c->sync_extack[0] ? ": " : "",
			 c->sync_extack);
		return c->sync_error;
	}
	return 0;
}

int consumer_bind(struct consumer *c, uint32_t credit, uint32_t retry_ms,
		  char *err, size_t errlen)
{
	return sync_request(c, IOTGW_CMD_QUEUE_BIND, true, credit, retry_ms,
			    err, errlen);
}

int consumer_unbind(struct consumer *c, char *err, size_t errlen)
{
	return sync_request(c, IOTGW_CMD_QUEUE_UNBIND, false, 0, 0, err,
			    errlen);
}

static int batch_add(struct id_batch *b, uint64_t id)
{
	if (b->n == b->size) {
		size_t size = b->size ? b->size * 2 : CONSUMER_BATCH;
		uint64_t *ids = realloc(b->ids, size * sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		b->ids = ids;
		b->size = size;
	}
	b->ids[b->n++] = id;
	return 0;
}

/* Send @b in requests of at most IOTGW_ACK_MAX ids; keep what failed. */
static int batch_send(struct consumer *c, struct id_batch *b, uint8_t cmd,
		      int code)
{
	size_t done = 0;
	int err = 0;

	while (done < b->n) {
		size_t n = b->n - done;
		uint32_t seq;

		if (n > IOTGW_ACK_MAX)
			n = IOTGW_ACK_MAX;
		err = send_request(c, cmd, 0, b->ids + done, n, false, 0, 0,
				   &seq, code);
		if (err)
			break;
		c->sent[c->sent_next] = (struct sent_request){
			.seq = seq, .cmd = cmd, .n_ids = (unsigned int)n,
		};
		c->sent_next = (c->sent_next + 1) % SENT_RING;
		done += n;
	}
	memmove(b->ids, b->ids + done, (b->n - done) * sizeof(*b->ids));
	b->n -= done;
	return err;
}

int consumer_flush(struct consumer *c)
{
	int err = batch_send(c, &c->acks, IOTGW_CMD_QUEUE_ACK, -1);
	int err2 = batch_send(c, &c->nacks, IOTGW_CMD_QUEUE_NACK, -1);
	int err3 = batch_send(c, &c->rejects, IOTGW_CMD_QUEUE_REJECT,
			      c->reject_code);

	if (!err2)
		err2 = err3;

	if ((err || err2) &&
	    log_ratelimit_allow(&c->rl_refused, clock_now_ms()))
		log_error("cannot send acks to the kernel: %s, trying again",
			  strerror(-(err ? err : err2)));
	if (consumer_pending(c))
		c->oldest_ms = clock_now_ms();
	return err ? err : err2;
}

static void queue_id(struct consumer *c, struct id_batch *b, uint64_t id,
		     uint64_t now_ms, const char *what)
{
	if (!consumer_pending(c))
		c->oldest_ms = now_ms;
	if (batch_add(b, id) < 0) {
		/* The kernel sends it again; the next batch may fit. */
		log_error("message %llu: out of memory for its %s",
			  (unsigned long long)id, what);
		return;
	}
	if (b->n >= CONSUMER_BATCH)
		consumer_flush(c);
}

void consumer_ack(struct consumer *c, uint64_t id, uint64_t now_ms)
{
	queue_id(c, &c->acks, id, now_ms, "ack");
}

void consumer_nack(struct consumer *c, uint64_t id, uint64_t now_ms)
{
	queue_id(c, &c->nacks, id, now_ms, "nack");
}

void consumer_reject(struct consumer *c, uint64_t id, uint8_t code,
		     uint64_t now_ms)
{
	/* one code a batch: another sends the waiting ones first */
	if (c->rejects.n && c->reject_code != code)
		batch_send(c, &c->rejects, IOTGW_CMD_QUEUE_REJECT,
			   c->reject_code);
	if (c->rejects.n && c->reject_code != code) {
		/* could not send them: they are the kernel's to retry */
		log_error("%zu rejects could not be sent: the kernel sends them again",
			  c->rejects.n);
		c->rejects.n = 0;
	}
	c->reject_code = code;
	queue_id(c, &c->rejects, id, now_ms, "reject");
}

size_t consumer_pending(const struct consumer *c)
{
	return c->acks.n + c->nacks.n + c->rejects.n;
}

int consumer_timeout_ms(const struct consumer *c, uint64_t now_ms)
{
	uint64_t due;

	if (!consumer_pending(c))
		return -1;
	due = c->oldest_ms + CONSUMER_FLUSH_MS;
	return due > now_ms ? (int)(due - now_ms) : 0;
}

void consumer_tick(struct consumer *c, uint64_t now_ms)
{
	if (consumer_pending(c) && now_ms >= c->oldest_ms + CONSUMER_FLUSH_MS)
		consumer_flush(c);
}
