// SPDX-License-Identifier: GPL-2.0
/*
 * The QoS queue and CoAP ingest, against the kernel: a sensor's UDP
 * socket sends CoAP over loopback to an ingest rule and reads the
 * kernel's answers; a raw generic netlink socket plays the consumer
 * (bind, messages in batches, ack, nack, close). Each test runs in a
 * network namespace of its own.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iotgw.h>
#include <netlink/genl/genl.h>

#include "proto/coap.h"
#undef ARRAY_SIZE	/* the harness defines its own */
#include "iotgw_nl.h"
#include "kselftest_harness.h"

#define MAX_GOT 512

struct qmsg {
	uint64_t id;
	int qos, proto, family, src_port, attempts, cf;
	int confirm;		/* -1: absent */
	char rule[IOTGW_RULE_NAME_MAX];
	char topic[256];
	char payload[256];
	size_t payload_len;
};

struct consumer {
	struct nl_sock *sk;
	int family;
	struct qmsg got[MAX_GOT];
	int n;
	int err;		/* of the last request's ack */
	bool acked;
	int max_batch;		/* most QUEUE_MSG seen in one recv() */
};

static void parse_qmsg(struct consumer *c, struct nlmsghdr *h)
{
	struct nlattr *tb[IOTGW_A_MAX + 1], *ma[IOTGW_MSG_A_MAX + 1];
	struct qmsg *m;

	if (genlmsg_parse(h, 0, tb, IOTGW_A_MAX, NULL) < 0 ||
	    !tb[IOTGW_A_MSG] ||
	    nla_parse_nested(ma, IOTGW_MSG_A_MAX, tb[IOTGW_A_MSG], NULL) < 0 ||
	    c->n >= MAX_GOT)
		return;
	m = &c->got[c->n++];
	memset(m, 0, sizeof(*m));
	m->cf = -1;
	m->confirm = ma[IOTGW_MSG_A_CONFIRM] ?
		     nla_get_u8(ma[IOTGW_MSG_A_CONFIRM]) : -1;
	if (ma[IOTGW_MSG_A_ID])
		m->id = nla_get_u64(ma[IOTGW_MSG_A_ID]);
	if (ma[IOTGW_MSG_A_QOS])
		m->qos = nla_get_u8(ma[IOTGW_MSG_A_QOS]);
	if (ma[IOTGW_MSG_A_PROTO])
		m->proto = nla_get_u8(ma[IOTGW_MSG_A_PROTO]);
	if (ma[IOTGW_MSG_A_FAMILY])
		m->family = nla_get_u8(ma[IOTGW_MSG_A_FAMILY]);
	if (ma[IOTGW_MSG_A_SRC_PORT])
		m->src_port = nla_get_u16(ma[IOTGW_MSG_A_SRC_PORT]);
	if (ma[IOTGW_MSG_A_ATTEMPTS])
		m->attempts = nla_get_u32(ma[IOTGW_MSG_A_ATTEMPTS]);
	if (ma[IOTGW_MSG_A_CONTENT_FORMAT])
		m->cf = nla_get_u16(ma[IOTGW_MSG_A_CONTENT_FORMAT]);
	if (ma[IOTGW_MSG_A_RULE])
		snprintf(m->rule, sizeof(m->rule), "%s",
			 nla_get_string(ma[IOTGW_MSG_A_RULE]));
	if (ma[IOTGW_MSG_A_TOPIC])
		snprintf(m->topic, sizeof(m->topic), "%s",
			 nla_get_string(ma[IOTGW_MSG_A_TOPIC]));
	if (ma[IOTGW_MSG_A_PAYLOAD]) {
		m->payload_len = nla_len(ma[IOTGW_MSG_A_PAYLOAD]);
		if (m->payload_len >= sizeof(m->payload))
			m->payload_len = sizeof(m->payload) - 1;
		memcpy(m->payload, nla_data(ma[IOTGW_MSG_A_PAYLOAD]),
		       m->payload_len);
	}
}

/* One recv(): the QUEUE_MSG it held (count), -1 after @timeout_ms. */
static int consumer_pump(struct consumer *c, int timeout_ms)
{
	static char buf[256 * 1024];
	struct pollfd p = { .fd = nl_socket_get_fd(c->sk), .events = POLLIN };
	struct nlmsghdr *h;
	int len, msgs = 0;

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	len = recv(p.fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -1;
	for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, len);
	     h = nlmsg_next(h, &len)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			c->err = ((struct nlmsgerr *)nlmsg_data(h))->error;
			c->acked = true;
		} else if (h->nlmsg_type == c->family &&
			   ((struct genlmsghdr *)nlmsg_data(h))->cmd ==
			   IOTGW_CMD_QUEUE_MSG) {
			parse_qmsg(c, h);
			msgs++;
		}
	}
	if (msgs > c->max_batch)
		c->max_batch = msgs;
	return msgs;
}

/* Wait until @want messages were received in all, or @timeout_ms. */
static int consumer_wait(struct consumer *c, int want, int timeout_ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (c->n < want) {
		long el;

		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 +
		     (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= timeout_ms)
			break;
		consumer_pump(c, timeout_ms - el);
	}
	return c->n;
}

static struct nl_msg *consumer_msg(struct consumer *c, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
				NLM_F_ACK, cmd, IOTGW_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Send @msg (consumed), take messages until its ack. Returns its error. */
static int consumer_send(struct consumer *c, struct nl_msg *msg)
{
	int i;

	c->acked = false;
	c->err = 0;
	if (nl_send_auto(c->sk, msg) < 0) {
		nlmsg_free(msg);
		return -EIO;
	}
	nlmsg_free(msg);
	for (i = 0; i < 50 && !c->acked; i++)
		consumer_pump(c, 100);
	return c->acked ? c->err : -ETIMEDOUT;
}

static int consumer_bind(struct consumer *c, uint32_t credit,
			 uint32_t retry_ms)
{
	struct nl_msg *msg = consumer_msg(c, IOTGW_CMD_QUEUE_BIND);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, IOTGW_A_QUEUE);
	nla_put_u32(msg, IOTGW_QUEUE_A_CREDIT, credit);
	if (retry_ms)
		nla_put_u32(msg, IOTGW_QUEUE_A_RETRY_MS, retry_ms);
	nla_nest_end(msg, nest);
	return consumer_send(c, msg);
}

static int consumer_ids(struct consumer *c, uint8_t cmd, const uint64_t *ids,
			int n)
{
	struct nl_msg *msg = consumer_msg(c, cmd);

	if (!msg)
		return -ENOMEM;
	nla_put(msg, IOTGW_A_MSG_IDS, n * sizeof(*ids), ids);
	return consumer_send(c, msg);
}

static int consumer_reject(struct consumer *c, const uint64_t *ids, int n,
			   int code)
{
	struct nl_msg *msg = consumer_msg(c, IOTGW_CMD_QUEUE_REJECT);

	if (!msg)
		return -ENOMEM;
	nla_put(msg, IOTGW_A_MSG_IDS, n * sizeof(*ids), ids);
	if (code >= 0)
		nla_put_u8(msg, IOTGW_A_MSG_CODE, code);
	return consumer_send(c, msg);
}

/* Ack every message received so far. */
static int consumer_ack_all(struct consumer *c)
{
	uint64_t ids[MAX_GOT];
	int i;

	for (i = 0; i < c->n; i++)
		ids[i] = c->got[i].id;
	return c->n ? consumer_ids(c, IOTGW_CMD_QUEUE_ACK, ids, c->n) : 0;
}

static struct consumer *consumer_open(void)
{
	struct consumer *c = calloc(1, sizeof(*c));
	struct iotgw_nl nl;

	if (!c)
		return NULL;
	if (iotgw_nl_open(&nl)) {
		free(c);
		return NULL;
	}
	c->family = nl.family;
	iotgw_nl_close(&nl);
	c->sk = nl_socket_alloc();
	if (!c->sk || genl_connect(c->sk)) {
		free(c);
		return NULL;
	}
	nl_socket_set_buffer_size(c->sk, 1 << 20, 1 << 20);
	return c;
}

static void consumer_close(struct consumer *c)
{
	if (!c)
		return;
	nl_socket_free(c->sk);
	free(c);
}

/* ---- the sensor ---- */

static int sensor_open(const char *addr)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(5683) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(5683) };
	struct timeval tv = { .tv_sec = 2 };
	bool v6 = strchr(addr, ':');
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (v6) {
		inet_pton(AF_INET6, addr, &a6.sin6_addr);
		if (connect(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0)
			return fd;
	} else {
		inet_pton(AF_INET, addr, &a4.sin_addr);
		if (connect(fd, (struct sockaddr *)&a4, sizeof(a4)) == 0)
			return fd;
	}
	close(fd);
	return -1;
}

static int coap_send_req(int fd, uint8_t type, uint8_t code, uint16_t mid,
			 const char *path, const char *payload)
{
	/* the longest token: answers must still fit */
	uint8_t token[COAP_TOKEN_MAX] = { mid >> 8, mid, 0xa5, 0x5a, 1, 2, 3, 4 };
	struct coap_request r = {
		.type = type, .code = code, .mid = mid,
		.tkl = sizeof(token), .token = token,
		.path = path, .path_len = strlen(path),
		.has_content_format = true,
		.content_format = COAP_FORMAT_JSON,
		.payload = (const uint8_t *)payload,
		.payload_len = payload ? strlen(payload) : 0,
	};
	static uint8_t buf[66000];
	int len = coap_build_request(buf, sizeof(buf), &r);

	if (len < 0)
		return len;
	return send(fd, buf, len, 0) == len ? 0 : -1;
}

struct answer {
	struct coap_msg msg;
	uint8_t buf[512];
	uint8_t token[COAP_TOKEN_MAX];
};

/* The kernel's answer, or -1 after the socket's 2 s timeout. */
static int coap_recv_answer(int fd, struct answer *a)
{
	int len = recv(fd, a->buf, sizeof(a->buf), 0);

	if (len < 0 || coap_parse(a->buf, len, &a->msg, NULL, 0) != COAP_OK)
		return -1;
	memcpy(a->token, a->msg.token, a->msg.tkl);
	return 0;
}

/*
 * No CoAP answer within @ms (the host may still say "port unreachable"
 * when no server listens: the socket then reports ECONNREFUSED).
 */
static bool coap_silent(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[64];

	if (poll(&p, 1, ms) == 0)
		return true;
	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 &&
	       errno == ECONNREFUSED;
}

/* ---- the operator ---- */

static int add_rule_full(struct iotgw_nl *nl, const char *name,
			 const char *filter, int proto, int action, int qos)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_RULE_NEW, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, IOTGW_A_RULE);
	nla_put_string(msg, IOTGW_RULE_A_NAME, name);
	nla_put_string(msg, IOTGW_RULE_A_FILTER, filter);
	nla_put_u8(msg, IOTGW_RULE_A_PROTO, proto);
	nla_put_u8(msg, IOTGW_RULE_A_ACTION, action);
	if (qos >= 0)
		nla_put_u8(msg, IOTGW_RULE_A_QOS, qos);
	nla_nest_end(msg, nest);
	return iotgw_nl_transact(nl, msg, NULL, NULL);
}

/*
 * An ingest rule confirming with @confirm at @hook (-1: the default, any);
 * @qos -1: the message's.
 */
static int add_confirm_rule_at(struct iotgw_nl *nl, const char *name,
			       const char *filter, int hook, int qos,
			       int confirm)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_RULE_NEW, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, IOTGW_A_RULE);
	nla_put_string(msg, IOTGW_RULE_A_NAME, name);
	nla_put_string(msg, IOTGW_RULE_A_FILTER, filter);
	nla_put_u8(msg, IOTGW_RULE_A_PROTO, IOTGW_PROTO_COAP);
	nla_put_u8(msg, IOTGW_RULE_A_ACTION, IOTGW_ACTION_INGEST);
	if (hook >= 0)
		nla_put_u8(msg, IOTGW_RULE_A_HOOK, hook);
	if (qos >= 0)
		nla_put_u8(msg, IOTGW_RULE_A_QOS, qos);
	nla_put_u8(msg, IOTGW_RULE_A_CONFIRM, confirm);
	nla_nest_end(msg, nest);
	return iotgw_nl_transact(nl, msg, NULL, NULL);
}

/* Likewise at LOCAL_IN, where confirmations work. */
static int add_confirm_rule(struct iotgw_nl *nl, const char *name,
			    const char *filter, int qos, int confirm)
{
	return add_confirm_rule_at(nl, name, filter, IOTGW_HOOK_IN, qos,
				   confirm);
}

/* A CoAP rule; @qos -1 leaves it to the message. */
static int add_rule(struct iotgw_nl *nl, const char *name, const char *filter,
		    int action, int qos)
{
	return add_rule_full(nl, name, filter, IOTGW_PROTO_COAP, action, qos);
}

static int config_set_u32(struct iotgw_nl *nl, int attr, uint32_t v)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_CONFIG_SET, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, IOTGW_A_CONFIG);
	nla_put_u32(msg, attr, v);
	nla_nest_end(msg, nest);
	return iotgw_nl_transact(nl, msg, NULL, NULL);
}

struct queue_state {
	bool have[IOTGW_QUEUE_A_MAX + 1];
	uint64_t v[IOTGW_QUEUE_A_MAX + 1];
};

static int parse_queue(struct nl_msg *reply, void *arg)
{
	struct nlattr *tb[IOTGW_A_MAX + 1], *qa[IOTGW_QUEUE_A_MAX + 1];
	struct queue_state *st = arg;
	int i;

	if (iotgw_nl_parse(reply, tb, IOTGW_A_MAX) < 0 || !tb[IOTGW_A_QUEUE] ||
	    nla_parse_nested(qa, IOTGW_QUEUE_A_MAX, tb[IOTGW_A_QUEUE],
			     NULL) < 0)
		return -1;
	for (i = 1; i <= IOTGW_QUEUE_A_MAX; i++) {
		if (!qa[i] || i == IOTGW_QUEUE_A_PAD)
			continue;
		st->have[i] = true;
		st->v[i] = nla_len(qa[i]) == 8 ? nla_get_u64(qa[i]) :
						 nla_get_u32(qa[i]);
	}
	return 0;
}

static int queue_get(struct iotgw_nl *nl, struct queue_state *st)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_QUEUE_GET, 0);

	memset(st, 0, sizeof(*st));
	if (!msg)
		return -ENOMEM;
	return iotgw_nl_transact(nl, msg, parse_queue, st);
}

static int simple_cmd(struct iotgw_nl *nl, uint8_t cmd)
{
	struct nl_msg *msg = iotgw_nl_request(nl, cmd, 0);

	return msg ? iotgw_nl_transact(nl, msg, NULL, NULL) : -ENOMEM;
}

FIXTURE(queue)
{
	struct iotgw_nl nl;
	int fd;
};

FIXTURE_SETUP(queue)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, system("ip link set lo up"));
	ASSERT_EQ(0, iotgw_nl_open(&self->nl)) TH_LOG("%s", self->nl.error);
	ASSERT_EQ(0, add_rule(&self->nl, "ingest", "sensors/#",
			      IOTGW_ACTION_INGEST, -1))
		TH_LOG("%s", self->nl.error);
	self->fd = sensor_open("127.0.0.1");
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(queue)
{
	close(self->fd);
	simple_cmd(&self->nl, IOTGW_CMD_QUEUE_FLUSH);
	iotgw_nl_close(&self->nl);
}

/* Send a CON POST and expect a piggybacked answer with @code. */
static int post_expect(int fd, uint16_t mid, const char *path,
		       const char *payload, uint8_t code, struct answer *a)
{
	if (coap_send_req(fd, COAP_TYPE_CON, COAP_CODE_POST, mid, path,
			  payload) || coap_recv_answer(fd, a))
		return -1;
	if (a->msg.type != COAP_TYPE_ACK || a->msg.mid != mid ||
	    a->msg.code != code || a->msg.tkl != COAP_TOKEN_MAX ||
	    a->token[0] != (uint8_t)(mid >> 8) ||
	    a->token[1] != (uint8_t)mid || a->token[2] != 0xa5)
		return -2;
	return 0;
}

/* The sensor's request @mid's token, as coap_send_req() makes it. */
static bool token_of(const struct answer *a, uint16_t mid)
{
	return a->msg.tkl == COAP_TOKEN_MAX &&
	       a->token[0] == (uint8_t)(mid >> 8) &&
	       a->token[1] == (uint8_t)mid && a->token[2] == 0xa5 &&
	       a->token[7] == 4;
}

/* A separate CON response to request @mid, with @code: its MID, or -1. */
static int expect_separate(int fd, uint16_t mid, uint8_t code)
{
	struct answer a;

	if (coap_recv_answer(fd, &a) || a.msg.type != COAP_TYPE_CON ||
	    a.msg.code != code || !token_of(&a, mid))
		return -1;
	return a.msg.mid;
}

static int send_empty_ack(int fd, uint16_t mid)
{
	uint8_t ack[COAP_HDR_LEN];

	if (coap_build_empty_ack(ack, sizeof(ack), mid) != sizeof(ack))
		return -1;
	return send(fd, ack, sizeof(ack), 0) == sizeof(ack) ? 0 : -1;
}

/* A CON POST acknowledged empty: its answer comes separately. */
static int post_expect_empty_ack(int fd, uint16_t mid, const char *path,
				 const char *payload)
{
	struct answer a;

	if (coap_send_req(fd, COAP_TYPE_CON, COAP_CODE_POST, mid, path,
			  payload) || coap_recv_answer(fd, &a))
		return -1;
	if (a.msg.type != COAP_TYPE_ACK || a.msg.code != COAP_CODE_EMPTY ||
	    a.msg.mid != mid || a.msg.tkl)
		return -2;
	return 0;
}

TEST_F(queue, con_post_answered_204_and_delivered_in_order)
{
	struct consumer *c = consumer_open();
	struct queue_state st;
	struct answer a;
	char payload[32];
	int i;

	ASSERT_NE(NULL, c);
	for (i = 0; i < 3; i++) {
		snprintf(payload, sizeof(payload), "{\"seq\":%d}", i);
		ASSERT_EQ(0, post_expect(self->fd, 100 + i, "sensors/room/t",
					 payload, COAP_CODE_CHANGED, &a));
	}
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(3, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(3, st.v[IOTGW_QUEUE_A_PENDING_QOS1]);
	EXPECT_FALSE(st.have[IOTGW_QUEUE_A_CONSUMER]);

	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(3, consumer_wait(c, 3, 2000));
	for (i = 0; i < 3; i++) {
		snprintf(payload, sizeof(payload), "{\"seq\":%d}", i);
		EXPECT_STREQ("sensors/room/t", c->got[i].topic);
		EXPECT_STREQ(payload, c->got[i].payload);
		EXPECT_EQ(1, c->got[i].qos);
		EXPECT_EQ(IOTGW_PROTO_COAP, c->got[i].proto);
		EXPECT_EQ(AF_INET, c->got[i].family);
		EXPECT_EQ(COAP_FORMAT_JSON, c->got[i].cf);
		EXPECT_EQ(1, c->got[i].attempts);
		EXPECT_STREQ("ingest", c->got[i].rule);
		if (i)
			EXPECT_LT(c->got[i - 1].id, c->got[i].id);
	}
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(3, st.v[IOTGW_QUEUE_A_IN_FLIGHT]);
	EXPECT_TRUE(st.have[IOTGW_QUEUE_A_CONSUMER]);
	ASSERT_EQ(0, consumer_ack_all(c));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(3, st.v[IOTGW_QUEUE_A_ACKED]);
	consumer_close(c);
}

TEST_F(queue, ipv6_sensor_reaches_the_queue)
{
	struct consumer *c = consumer_open();
	struct answer a;
	int fd = sensor_open("::1");

	ASSERT_NE(NULL, c);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, post_expect(fd, 7, "sensors/v6", "x", COAP_CODE_CHANGED,
				 &a));
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	EXPECT_EQ(AF_INET6, c->got[0].family);
	EXPECT_STREQ("sensors/v6", c->got[0].topic);
	close(fd);
	consumer_close(c);
}

TEST_F(queue, retransmitted_con_queued_once_answered_the_same)
{
	struct consumer *c = consumer_open();
	struct queue_state st;
	struct answer a, b;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, post_expect(self->fd, 42, "sensors/t", "once",
				 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(0, post_expect(self->fd, 42, "sensors/t", "once",
				 COAP_CODE_CHANGED, &b));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_DUPLICATES]);
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	consumer_wait(c, 2, 500);
	EXPECT_EQ(1, c->n);
	consumer_close(c);
}

TEST_F(queue, full_queue_answers_503_with_max_age_then_admits_again)
{
	struct consumer *c = consumer_open();
	struct queue_state st;
	struct answer a;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, config_set_u32(&self->nl, IOTGW_CONFIG_A_QUEUE_MAX_MSGS,
				    2));
	ASSERT_EQ(0, config_set_u32(&self->nl,
				    IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE, 7));
	ASSERT_EQ(0, post_expect(self->fd, 1, "sensors/t", "a",
				 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(0, post_expect(self->fd, 2, "sensors/t", "b",
				 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(0, post_expect(self->fd, 3, "sensors/t", "c",
				 COAP_CODE_SERVICE_UNAVAILABLE, &a));
	EXPECT_TRUE(a.msg.has_max_age);
	EXPECT_EQ(7, a.msg.max_age);
	/* its retransmission gets the same answer */
	ASSERT_EQ(0, post_expect(self->fd, 3, "sensors/t", "c",
				 COAP_CODE_SERVICE_UNAVAILABLE, &a));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(2, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_REFUSED]);

	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(2, consumer_wait(c, 2, 2000));
	EXPECT_STREQ("a", c->got[0].payload);
	EXPECT_STREQ("b", c->got[1].payload);
	ASSERT_EQ(0, consumer_ack_all(c));
	ASSERT_EQ(0, post_expect(self->fd, 4, "sensors/t", "d",
				 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(3, consumer_wait(c, 3, 2000));
	EXPECT_STREQ("d", c->got[2].payload);
	consumer_close(c);
}

TEST_F(queue, qos0_makes_room_for_qos1)
{
	struct queue_state st;
	struct answer a;
	int i;

	ASSERT_EQ(0, config_set_u32(&self->nl, IOTGW_CONFIG_A_QUEUE_MAX_MSGS,
				    3));
	/* NON requests are QoS 0, not answered */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, coap_send_req(self->fd, COAP_TYPE_NON,
					   COAP_CODE_POST, 10 + i, "sensors/n",
					   "q0"));
	EXPECT_TRUE(coap_silent(self->fd, 300));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(3, st.v[IOTGW_QUEUE_A_PENDING_QOS0]);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, post_expect(self->fd, 20 + i, "sensors/c", "q1",
					 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(0, post_expect(self->fd, 30, "sensors/c", "q1",
				 COAP_CODE_SERVICE_UNAVAILABLE, &a));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_PENDING_QOS0]);
	EXPECT_EQ(3, st.v[IOTGW_QUEUE_A_PENDING_QOS1]);
	EXPECT_EQ(3, st.v[IOTGW_QUEUE_A_EVICTED]);
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_REFUSED]);
}

TEST_F(queue, other_methods_get_405)
{
	struct answer a;

	ASSERT_EQ(0, coap_send_req(self->fd, COAP_TYPE_CON, COAP_CODE_GET, 5,
				   "sensors/t", NULL));
	ASSERT_EQ(0, coap_recv_answer(self->fd, &a));
	EXPECT_EQ(COAP_TYPE_ACK, a.msg.type);
	EXPECT_EQ(5, a.msg.mid);
	EXPECT_EQ(COAP_CODE_METHOD_NOT_ALLOWED, a.msg.code);
}

TEST_F(queue, malformed_con_answered_as_an_endpoint)
{
	/* CON POST, mid 0x1234, token 0x77, option 9 (unknown, critical) */
	static const uint8_t bad_option[] = { 0x41, 0x02, 0x12, 0x34, 0x77,
					      0x90 };
	/* CON, token length 9: a message format error */
	static const uint8_t bad_tkl[] = { 0x49, 0x02, 0x12, 0x35 };
	/* version 2: ignored */
	static const uint8_t bad_version[] = { 0x80, 0x02, 0x12, 0x36 };
	struct answer a;

	ASSERT_EQ(sizeof(bad_option), send(self->fd, bad_option,
					    sizeof(bad_option), 0));
	ASSERT_EQ(0, coap_recv_answer(self->fd, &a));
	EXPECT_EQ(COAP_TYPE_ACK, a.msg.type);
	EXPECT_EQ(COAP_CODE_BAD_OPTION, a.msg.code);
	EXPECT_EQ(0x1234, a.msg.mid);
	ASSERT_EQ(1, a.msg.tkl);
	EXPECT_EQ(0x77, a.token[0]);

	ASSERT_EQ(sizeof(bad_tkl), send(self->fd, bad_tkl, sizeof(bad_tkl), 0));
	ASSERT_EQ(0, coap_recv_answer(self->fd, &a));
	EXPECT_EQ(COAP_TYPE_RST, a.msg.type);
	EXPECT_EQ(0x1235, a.msg.mid);

	ASSERT_EQ(sizeof(bad_version), send(self->fd, bad_version,
					     sizeof(bad_version), 0));
	EXPECT_TRUE(coap_silent(self->fd, 300));
}

TEST_F(queue, pending_messages_expire_after_the_ttl)
{
	struct queue_state st;
	struct answer a;
	int i;

	ASSERT_EQ(0, config_set_u32(&self->nl, IOTGW_CONFIG_A_QUEUE_TTL_MS,
				    300));
	ASSERT_EQ(0, post_expect(self->fd, 1, "sensors/t", "old",
				 COAP_CODE_CHANGED, &a));
	for (i = 0; i < 30; i++) {
		ASSERT_EQ(0, queue_get(&self->nl, &st));
		if (st.v[IOTGW_QUEUE_A_EXPIRED])
			break;
		usleep(100000);
	}
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_EXPIRED]);
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_MSGS]);
}

TEST_F(queue, unacked_messages_return_in_order_when_the_consumer_dies)
{
	struct consumer *c = consumer_open(), *d;
	struct answer a;
	int i;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, post_expect(self->fd, 50 + i, "sensors/t", "x",
					 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(4, consumer_wait(c, 4, 2000));
	/* a second consumer is refused while the first lives */
	d = consumer_open();
	ASSERT_NE(NULL, d);
	EXPECT_EQ(-EBUSY, consumer_bind(d, 16, 0));
	/* ack the second only, then die */
	ASSERT_EQ(0, consumer_ids(c, IOTGW_CMD_QUEUE_ACK, &c->got[1].id, 1));
	consumer_close(c);

	ASSERT_EQ(0, consumer_bind(d, 16, 0));
	ASSERT_EQ(3, consumer_wait(d, 3, 2000));
	EXPECT_EQ(2, d->got[0].attempts);
	EXPECT_LT(d->got[0].id, d->got[1].id);
	EXPECT_LT(d->got[1].id, d->got[2].id);
	consumer_close(d);
}

TEST_F(queue, unacked_message_sent_again_after_retry_wait)
{
	struct consumer *c = consumer_open();
	struct queue_state st;
	struct answer a;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, consumer_bind(c, 16, 200));
	ASSERT_EQ(0, post_expect(self->fd, 60, "sensors/t", "r",
				 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	ASSERT_EQ(2, consumer_wait(c, 2, 3000));
	EXPECT_EQ(c->got[0].id, c->got[1].id);
	EXPECT_EQ(2, c->got[1].attempts);
	/* nacked: sent again after the (doubled) wait */
	ASSERT_EQ(0, consumer_ids(c, IOTGW_CMD_QUEUE_NACK, &c->got[1].id, 1));
	ASSERT_EQ(3, consumer_wait(c, 3, 3000));
	EXPECT_EQ(3, c->got[2].attempts);
	/* an ack of a message no longer in flight is stale */
	ASSERT_EQ(0, consumer_ack_all(c));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(2, st.v[IOTGW_QUEUE_A_STALE_ACKS]);
	EXPECT_LE(2, st.v[IOTGW_QUEUE_A_REDELIVERED]);
	consumer_close(c);
}

TEST_F(queue, credit_bounds_messages_in_flight_and_batches_them)
{
	struct consumer *c = consumer_open();
	struct answer a;
	int i;

	ASSERT_NE(NULL, c);
	for (i = 0; i < 40; i++)
		ASSERT_EQ(0, post_expect(self->fd, 200 + i, "sensors/t", "b",
					 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(0, consumer_bind(c, 30, 0));
	ASSERT_EQ(30, consumer_wait(c, 30, 2000));
	consumer_wait(c, 31, 300);
	EXPECT_EQ(30, c->n);
	EXPECT_LT(1, c->max_batch);
	ASSERT_EQ(0, consumer_ack_all(c));
	ASSERT_EQ(40, consumer_wait(c, 40, 2000));
	consumer_close(c);
}

TEST_F(queue, queue_batch_bounds_messages_per_datagram)
{
	struct consumer *c = consumer_open();
	struct answer a;
	int i;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(-ERANGE, config_set_u32(&self->nl, IOTGW_CONFIG_A_QUEUE_BATCH, 0));
	ASSERT_EQ(-ERANGE, config_set_u32(&self->nl, IOTGW_CONFIG_A_QUEUE_BATCH, 257));
	ASSERT_EQ(0, config_set_u32(&self->nl, IOTGW_CONFIG_A_QUEUE_BATCH, 1));
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, post_expect(self->fd, 300 + i, "sensors/t", "b",
					 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(0, consumer_bind(c, 100, 0));
	ASSERT_EQ(20, consumer_wait(c, 20, 2000));
	EXPECT_EQ(1, c->max_batch);
	for (i = 0; i < 20; i++)
		EXPECT_STREQ("b", c->got[i].payload);
	ASSERT_EQ(0, consumer_ack_all(c));

	/* 3 a datagram: 20 messages come in 7 datagrams, none fuller */
	ASSERT_EQ(0, config_set_u32(&self->nl, IOTGW_CONFIG_A_QUEUE_BATCH, 3));
	consumer_close(c);
	c = consumer_open();
	ASSERT_NE(NULL, c);
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, post_expect(self->fd, 400 + i, "sensors/t", "b",
					 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(0, consumer_bind(c, 100, 0));
	ASSERT_EQ(20, consumer_wait(c, 20, 2000));
	EXPECT_EQ(3, c->max_batch);
	ASSERT_EQ(0, consumer_ack_all(c));
	consumer_close(c);
}

TEST_F(queue, acks_from_another_socket_refused)
{
	struct consumer *c = consumer_open(), *d = consumer_open();
	struct answer a;

	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(0, post_expect(self->fd, 70, "sensors/t", "x",
				 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	EXPECT_EQ(-ENOENT, consumer_ids(d, IOTGW_CMD_QUEUE_ACK,
					&c->got[0].id, 1));
	EXPECT_EQ(-ENOENT, consumer_send(d, consumer_msg(d,
					 IOTGW_CMD_QUEUE_UNBIND)));
	EXPECT_EQ(0, consumer_send(c, consumer_msg(c,
					 IOTGW_CMD_QUEUE_UNBIND)));
	/* unbound: the message is pending again, the other one may bind */
	EXPECT_EQ(0, consumer_bind(d, 16, 0));
	ASSERT_EQ(1, consumer_wait(d, 1, 2000));
	EXPECT_EQ(c->got[0].id, d->got[0].id);
	consumer_close(c);
	consumer_close(d);
}

TEST_F(queue, flush_drops_everything_and_counts_it)
{
	struct queue_state st;
	struct answer a;
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, post_expect(self->fd, 80 + i, "sensors/t", "f",
					 COAP_CODE_CHANGED, &a));
	ASSERT_EQ(0, simple_cmd(&self->nl, IOTGW_CMD_QUEUE_FLUSH));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_BYTES]);
	EXPECT_EQ(5, st.v[IOTGW_QUEUE_A_FLUSHED]);
	EXPECT_FALSE(st.have[IOTGW_QUEUE_A_OLDEST_MS]);
}

TEST_F(queue, bind_without_credit_or_bad_ids_refused)
{
	struct consumer *c = consumer_open();
	uint8_t odd[12] = { 0 };
	struct nl_msg *msg;

	ASSERT_NE(NULL, c);
	msg = consumer_msg(c, IOTGW_CMD_QUEUE_BIND);
	EXPECT_EQ(-EINVAL, consumer_send(c, msg));
	EXPECT_EQ(-ERANGE, consumer_bind(c, 0, 0));
	ASSERT_EQ(0, consumer_bind(c, 1, 0));
	msg = consumer_msg(c, IOTGW_CMD_QUEUE_ACK);
	nla_put(msg, IOTGW_A_MSG_IDS, sizeof(odd), odd);
	EXPECT_EQ(-EINVAL, consumer_send(c, msg));
	consumer_close(c);
}

TEST_F(queue, capture_copies_and_lets_the_datagram_through)
{
	struct consumer *c = consumer_open();
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(5683),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 2 };
	char buf[512];
	int srv, fd;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, add_rule(&self->nl, "cap", "capture/#",
			      IOTGW_ACTION_CAPTURE, 2));
	srv = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_EQ(0, bind(srv, (struct sockaddr *)&a, sizeof(a)));
	setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fd = sensor_open("127.0.0.1");
	ASSERT_EQ(0, coap_send_req(fd, COAP_TYPE_CON, COAP_CODE_POST, 90,
				   "capture/x", "copy"));
	/* too large for one netlink attribute: refused, the datagram passes */
	{
		static char big[IOTGW_QUEUE_DATA_MAX + 16];
		struct queue_state st;

		memset(big, 'x', sizeof(big) - 1);
		ASSERT_EQ(0, coap_send_req(fd, COAP_TYPE_NON, COAP_CODE_POST,
					   89, "capture/x", big));
		EXPECT_LT(0, recv(srv, buf, sizeof(buf), 0));
		ASSERT_EQ(0, queue_get(&self->nl, &st));
		EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_REFUSED]);
	}
	/* QoS 2: the sensor's retransmission is not queued twice */
	ASSERT_EQ(0, coap_send_req(fd, COAP_TYPE_CON, COAP_CODE_POST, 90,
				   "capture/x", "copy"));
	/* the userspace server still gets both copies */
	EXPECT_LT(0, recv(srv, buf, sizeof(buf), 0));
	EXPECT_LT(0, recv(srv, buf, sizeof(buf), 0));
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	EXPECT_EQ(2, c->got[0].qos);
	EXPECT_STREQ("copy", c->got[0].payload);
	consumer_wait(c, 2, 300);
	EXPECT_EQ(1, c->n);
	close(srv);
	close(fd);
	consumer_close(c);
}

/* An MQTT 3.1.1 CONNECT, client id c1, keepalive 60 s. */
static const uint8_t mqtt_connect_c1[] = {
	0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 2, 'c', '1',
};

/* An MQTT client's bytes to a listener on loopback port 1883. */
static int mqtt_connect_pair(int *srv, int *cli)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(1883),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lfd, 1))
		return -1;
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (*cli < 0 || connect(*cli, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	setsockopt(*cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*srv = accept(lfd, NULL, NULL);
	close(lfd);
	return *srv < 0 ? -1 : 0;
}

TEST_F(queue, mqtt_publish_captured_across_segments_qos2_once)
{
	/* QoS 1, packet id 1, topic mqtt/m/x, payload "hello world" */
	static const uint8_t pub1[] = {
		0x32, 2 + 8 + 2 + 11, 0, 8, 'm', 'q', 't', 't', '/', 'm', '/',
		'x', 0, 1, 'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l',
		'd',
	};
	/* QoS 2, packet id 7, sent, then again with DUP */
	static const uint8_t pub2[] = {
		0x34, 2 + 8 + 2 + 2, 0, 8, 'm', 'q', 't', 't', '/', 'm', '/',
		'y', 0, 7, 'q', '2',
	};
	struct consumer *c = consumer_open();
	uint8_t dup[sizeof(pub2)], buf[256];
	int srv, cli;
	ssize_t got = 0, n;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, simple_cmd(&self->nl, IOTGW_CMD_RULE_FLUSH));
	ASSERT_EQ(0, add_rule_full(&self->nl, "mcap", "mqtt/#",
				   IOTGW_PROTO_MQTT, IOTGW_ACTION_CAPTURE, -1));
	ASSERT_EQ(0, mqtt_connect_pair(&srv, &cli));
	ASSERT_EQ(sizeof(mqtt_connect_c1),
		  send(cli, mqtt_connect_c1, sizeof(mqtt_connect_c1), 0));
	/* the PUBLISH in three segments, split inside the payload */
	ASSERT_EQ(5, send(cli, pub1, 5, 0));
	usleep(50000);
	ASSERT_EQ(14, send(cli, pub1 + 5, 14, 0));
	usleep(50000);
	ASSERT_EQ(sizeof(pub1) - 19, send(cli, pub1 + 19, sizeof(pub1) - 19, 0));
	ASSERT_EQ(sizeof(pub2), send(cli, pub2, sizeof(pub2), 0));
	memcpy(dup, pub2, sizeof(dup));
	dup[0] |= 0x08;
	ASSERT_EQ(sizeof(dup), send(cli, dup, sizeof(dup), 0));
	/* the broker side receives every byte: capture is a copy */
	while (got < (ssize_t)(sizeof(mqtt_connect_c1) + sizeof(pub1) +
			       2 * sizeof(pub2))) {
		n = recv(srv, buf, sizeof(buf), 0);
		ASSERT_LT(0, n);
		got += n;
	}
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(2, consumer_wait(c, 2, 2000));
	EXPECT_EQ(IOTGW_PROTO_MQTT, c->got[0].proto);
	EXPECT_STREQ("mqtt/m/x", c->got[0].topic);
	EXPECT_STREQ("hello world", c->got[0].payload);
	EXPECT_EQ(1, c->got[0].qos);
	EXPECT_STREQ("mqtt/m/y", c->got[1].topic);
	EXPECT_STREQ("q2", c->got[1].payload);
	EXPECT_EQ(2, c->got[1].qos);
	EXPECT_STREQ("mcap", c->got[1].rule);
	consumer_wait(c, 3, 300);
	EXPECT_EQ(2, c->n);
	close(cli);
	close(srv);
	consumer_close(c);
}

/* The next sequence number of @fd's send queue (TCP_REPAIR, root). */
static int tcp_send_seq(int fd, uint32_t *seq)
{
	int on = TCP_REPAIR_ON, off = TCP_REPAIR_OFF_NO_WP;
	int q = TCP_SEND_QUEUE;
	socklen_t len = sizeof(*seq);
	int ret;

	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)))
		return -1;
	ret = setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) ||
	      getsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, seq, &len);
	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)))
		return -1;
	return ret ? -1 : 0;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A forged segment on @fd's connection (loopback), TCP flags @flags, @len
 * bytes of data (at most 10), at sequence number @delta from the next
 * one @fd would send.
 */
static int tcp_send_forged(int fd, int32_t delta, uint8_t flags, size_t len)
{
	struct {
		struct tcphdr th;
		uint8_t data[10];
	} seg = { 0 };
	struct sockaddr_in self, peer;
	socklen_t alen = sizeof(self);
	uint32_t seq, sum;
	const uint8_t *p = (const uint8_t *)&seg;
	int raw, ret;
	size_t i;

	if (len > sizeof(seg.data) ||
	    getsockname(fd, (struct sockaddr *)&self, &alen) ||
	    getpeername(fd, (struct sockaddr *)&peer, &alen) ||
	    tcp_send_seq(fd, &seq))
		return -1;
	seg.th.th_sport = self.sin_port;
	seg.th.th_dport = peer.sin_port;
	seg.th.th_seq = htonl(seq + delta);
	seg.th.th_off = sizeof(seg.th) / 4;
	seg.th.th_flags = flags;
	seg.th.th_win = htons(0xff00);
	memset(seg.data, 'z', len);
	len += sizeof(seg.th);
	/* the pseudo-header, then the segment (an even length) */
	sum = (ntohl(self.sin_addr.s_addr) >> 16) +
	      (ntohl(self.sin_addr.s_addr) & 0xffff) +
	      (ntohl(peer.sin_addr.s_addr) >> 16) +
	      (ntohl(peer.sin_addr.s_addr) & 0xffff) + IPPROTO_TCP + len;
	for (i = 0; i < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	seg.th.th_sum = htons(csum_fold(sum));
	raw = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (raw < 0)
		return -1;
	ret = sendto(raw, &seg, len, 0, (struct sockaddr *)&peer,
		     sizeof(peer)) == (ssize_t)len ? 0 : -1;
	close(raw);
	return ret;
}

/* Read @n bytes from @fd, whatever the segments. */
static int recv_all(int fd, size_t n)
{
	uint8_t buf[4096];
	ssize_t got;

	while (n) {
		got = recv(fd, buf, n < sizeof(buf) ? n : sizeof(buf), 0);
		if (got <= 0)
			return -1;
		n -= got;
	}
	return 0;
}

/*
 * A PUBLISH being gathered when its stream loses sync cannot be completed:
 * its copy is let go, counted refused, and its reservation of the queue's
 * bytes with it, so another connection's PUBLISH can be captured.
 */
TEST_F(queue, mqtt_capture_cut_by_a_hole_frees_its_bytes)
{
	/* QoS 1, topic mqtt/X, packet id 1, 3,000 bytes of payload */
	enum { PAYLOAD = 3000, HDR = 3 + 2 + 6 + 2 };
	static uint8_t pub[HDR + PAYLOAD];
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(1883),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct consumer *c = consumer_open();
	int lfd, cli[2], srv[2], i, one = 1;
	struct queue_state st;

	ASSERT_NE(NULL, c);
	memcpy(pub, (const uint8_t[]){ 0x32, 0xc2, 0x17, 0, 6, 'm', 'q', 't',
				       't', '/', 'a', 0, 1 }, HDR);
	memset(pub + HDR, 'p', PAYLOAD);
	/* room for one copy being gathered (128 + 6 + 3,000), not two */
	ASSERT_EQ(0, config_set_u32(&self->nl, IOTGW_CONFIG_A_QUEUE_MAX_BYTES,
				    5000)) TH_LOG("%s", self->nl.error);
	ASSERT_EQ(0, simple_cmd(&self->nl, IOTGW_CMD_RULE_FLUSH));
	ASSERT_EQ(0, add_rule_full(&self->nl, "mcap", "mqtt/#",
				   IOTGW_PROTO_MQTT, IOTGW_ACTION_CAPTURE, -1));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 2));
	for (i = 0; i < 2; i++) {
		cli[i] = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_LE(0, cli[i]);
		ASSERT_EQ(0, connect(cli[i], (struct sockaddr *)&a, sizeof(a)));
		setsockopt(cli[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		srv[i] = accept(lfd, NULL, NULL);
		ASSERT_LE(0, srv[i]);
		ASSERT_EQ(sizeof(mqtt_connect_c1),
			  send(cli[i], mqtt_connect_c1,
			       sizeof(mqtt_connect_c1), 0));
		ASSERT_EQ(0, recv_all(srv[i], sizeof(mqtt_connect_c1)));
	}
	close(lfd);

	/* the first: a PUBLISH's start, then a segment past a hole */
	ASSERT_EQ(HDR + 100, send(cli[0], pub, HDR + 100, 0));
	ASSERT_EQ(0, recv_all(srv[0], HDR + 100));
	/* PSH, ACK */
	ASSERT_EQ(0, tcp_send_forged(cli[0], 1000, 0x18, 10));
	usleep(50000);
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_REFUSED]);

	/* the second, whole: its copy fits, since the first let go */
	pub[10] = 'b';
	ASSERT_EQ(sizeof(pub), send(cli[1], pub, sizeof(pub), 0));
	ASSERT_EQ(0, recv_all(srv[1], sizeof(pub)));
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	EXPECT_STREQ("mqtt/b", c->got[0].topic);
	EXPECT_EQ(1, c->got[0].qos);
	EXPECT_EQ(sizeof(c->got[0].payload) - 1, c->got[0].payload_len);
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_REFUSED]);
	for (i = 0; i < 2; i++) {
		close(cli[i]);
		close(srv[i]);
	}
	consumer_close(c);
}

/*
 * A reset one byte before the next counts only after a FIN (as Linux
 * accepts it): without one, a forged reset there does not end tracking,
 * and the connection's next PUBLISH is still captured.
 */
TEST_F(queue, mqtt_reset_one_byte_early_without_fin_ignored)
{
	static const uint8_t pub[] = {
		0x32, 2 + 6 + 2 + 2, 0, 6, 'm', 'q', 't', 't', '/', 'r',
		0, 1, 'o', 'k',
	};
	struct consumer *c = consumer_open();
	int srv, cli;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, simple_cmd(&self->nl, IOTGW_CMD_RULE_FLUSH));
	ASSERT_EQ(0, add_rule_full(&self->nl, "mcap", "mqtt/#",
				   IOTGW_PROTO_MQTT, IOTGW_ACTION_CAPTURE, -1));
	ASSERT_EQ(0, mqtt_connect_pair(&srv, &cli));
	ASSERT_EQ(sizeof(mqtt_connect_c1),
		  send(cli, mqtt_connect_c1, sizeof(mqtt_connect_c1), 0));
	ASSERT_EQ(0, recv_all(srv, sizeof(mqtt_connect_c1)));
	/* RST, one byte before the next: Linux answers a challenge ACK */
	ASSERT_EQ(0, tcp_send_forged(cli, -1, 0x04, 0));
	usleep(50000);
	ASSERT_EQ(sizeof(pub), send(cli, pub, sizeof(pub), 0));
	ASSERT_EQ(0, recv_all(srv, sizeof(pub)));
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	EXPECT_STREQ("mqtt/r", c->got[0].topic);
	EXPECT_STREQ("ok", c->got[0].payload);
	close(cli);
	close(srv);
	consumer_close(c);
}

/*
 * The owner of a user namespace may lower its network namespace's memory
 * limits, not raise them above the defaults (unprivileged users can make
 * as many of those namespaces as they like).
 */
TEST(limits_above_defaults_need_the_initial_namespace)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct iotgw_nl nl;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) || iotgw_nl_open(&nl))
			_exit(10);
		if (config_set_u32(&nl, IOTGW_CONFIG_A_QUEUE_MAX_BYTES,
				   1 << 20))
			_exit(11);
		if (config_set_u32(&nl, IOTGW_CONFIG_A_QUEUE_MAX_BYTES,
				   64 << 20) != -EPERM ||
		    !strstr(nl.error, "CAP_NET_ADMIN in the initial"))
			_exit(12);
		if (config_set_u32(&nl, IOTGW_CONFIG_A_DEDUP_MAX, 1 << 20) !=
		    -EPERM)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(queue, rule_checks_for_queue_actions)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	/* ingest without proto coap */
	msg = iotgw_nl_request(&self->nl, IOTGW_CMD_RULE_NEW, 0);
	nest = nla_nest_start(msg, IOTGW_A_RULE);
	nla_put_string(msg, IOTGW_RULE_A_NAME, "bad");
	nla_put_string(msg, IOTGW_RULE_A_FILTER, "x/#");
	nla_put_u8(msg, IOTGW_RULE_A_ACTION, IOTGW_ACTION_INGEST);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_nl_transact(&self->nl, msg, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->nl.error, "needs proto coap"))
		TH_LOG("%s", self->nl.error);
	/* qos on an accept rule */
	msg = iotgw_nl_request(&self->nl, IOTGW_CMD_RULE_NEW, 0);
	nest = nla_nest_start(msg, IOTGW_A_RULE);
	nla_put_string(msg, IOTGW_RULE_A_NAME, "bad");
	nla_put_string(msg, IOTGW_RULE_A_FILTER, "x/#");
	nla_put_u8(msg, IOTGW_RULE_A_ACTION, IOTGW_ACTION_ACCEPT);
	nla_put_u8(msg, IOTGW_RULE_A_QOS, 1);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_nl_transact(&self->nl, msg, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->nl.error, "qos belongs to"))
		TH_LOG("%s", self->nl.error);
	/* qos 3 */
	EXPECT_EQ(-ERANGE, add_rule(&self->nl, "bad", "x/#",
				    IOTGW_ACTION_INGEST, 3));
}

TEST_F(queue, confirm_store_acks_empty_then_204_once_the_consumer_acks)
{
	struct consumer *c = consumer_open();
	struct queue_state st;
	int smid;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, config_set_u32(&self->nl,
				    IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS, 300));
	ASSERT_EQ(0, add_confirm_rule(&self->nl, "stored", "stored/#", -1,
				      IOTGW_CONFIRM_STORE))
		TH_LOG("%s", self->nl.error);
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x300, "stored/a", "r1"));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	EXPECT_EQ(IOTGW_CONFIRM_STORE, c->got[0].confirm);
	EXPECT_STREQ("r1", c->got[0].payload);
	/* a retransmission: the empty ACK again, not queued again */
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x300, "stored/a", "r1"));
	consumer_wait(c, 2, 300);
	EXPECT_EQ(1, c->n);
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_AWAITING]);
	EXPECT_TRUE(coap_silent(self->fd, 300));

	ASSERT_EQ(0, consumer_ack_all(c));
	smid = expect_separate(self->fd, 0x300, COAP_CODE_CHANGED);
	ASSERT_LE(0, smid);
	ASSERT_EQ(0, send_empty_ack(self->fd, smid));
	/* acknowledged: not sent again (the first retry was due in 450 ms) */
	EXPECT_TRUE(coap_silent(self->fd, 1200));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_AWAITING]);
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_CONFIRMED]);
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_UNCONFIRMED]);
	/* a late copy of the request still gets the empty ACK, once more */
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x300, "stored/a", "r1"));
	/* the fixture's admit rule: its message has no CONFIRM */
	ASSERT_EQ(0, coap_send_req(self->fd, COAP_TYPE_CON, COAP_CODE_POST,
				   0x301, "sensors/a", "r2"));
	ASSERT_EQ(2, consumer_wait(c, 2, 2000));
	EXPECT_EQ(-1, c->got[1].confirm);
	consumer_close(c);
}

TEST_F(queue, confirm_over_ipv6_comes_from_the_address_asked)
{
	struct consumer *c = consumer_open();
	int fd = sensor_open("::1");
	int m;

	ASSERT_NE(NULL, c);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, add_confirm_rule(&self->nl, "stored", "stored/#", -1,
				      IOTGW_CONFIRM_STORE));
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(0, post_expect_empty_ack(fd, 0x380, "stored/v6", "6"));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	ASSERT_EQ(0, consumer_ack_all(c));
	/* the socket is connected to [::1]:5683: only that source reaches it */
	m = expect_separate(fd, 0x380, COAP_CODE_CHANGED);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, send_empty_ack(fd, m));
	close(fd);
	consumer_close(c);
}

TEST_F(queue, confirm_separate_204_retransmitted_until_acked)
{
	struct consumer *c = consumer_open();
	int m1, m2;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, config_set_u32(&self->nl,
				    IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS, 200));
	ASSERT_EQ(0, add_confirm_rule(&self->nl, "cloud", "up/#", 2,
				      IOTGW_CONFIRM_CLOUD));
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x400, "up/x", "c"));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	EXPECT_EQ(IOTGW_CONFIRM_CLOUD, c->got[0].confirm);
	EXPECT_EQ(2, c->got[0].qos);
	ASSERT_EQ(0, consumer_ack_all(c));
	m1 = expect_separate(self->fd, 0x400, COAP_CODE_CHANGED);
	ASSERT_LE(0, m1);
	/* not acknowledged: the same message again, after ACK_TIMEOUT */
	m2 = expect_separate(self->fd, 0x400, COAP_CODE_CHANGED);
	EXPECT_EQ(m1, m2);
	ASSERT_EQ(0, send_empty_ack(self->fd, m1));
	EXPECT_TRUE(coap_silent(self->fd, 1500));
	consumer_close(c);
}

TEST_F(queue, confirm_reject_sends_the_consumers_code)
{
	struct consumer *c = consumer_open();
	struct queue_state st;
	uint64_t id;
	int m;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, add_confirm_rule(&self->nl, "cloud", "up/#", 1,
				      IOTGW_CONFIRM_CLOUD));
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x500, "up/r", "a"));
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x501, "up/r", "b"));
	ASSERT_EQ(2, consumer_wait(c, 2, 2000));
	id = c->got[0].id;
	ASSERT_EQ(0, consumer_reject(c, &id, 1, COAP_CODE_BAD_GATEWAY));
	m = expect_separate(self->fd, 0x500, COAP_CODE_BAD_GATEWAY);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, send_empty_ack(self->fd, m));
	id = c->got[1].id;
	ASSERT_EQ(0, consumer_reject(c, &id, 1, -1));	/* default 5.03 */
	m = expect_separate(self->fd, 0x501, COAP_CODE_SERVICE_UNAVAILABLE);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, send_empty_ack(self->fd, m));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(2, st.v[IOTGW_QUEUE_A_REJECTED]);
	EXPECT_EQ(2, st.v[IOTGW_QUEUE_A_UNCONFIRMED]);
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_CONFIRMED]);
	/* a success code is not a rejection */
	EXPECT_EQ(-ERANGE, consumer_reject(c, &id, 1, COAP_CODE_CHANGED));
	consumer_close(c);
}

TEST_F(queue, confirm_timeout_answers_504_and_withdraws_what_nobody_has)
{
	struct consumer *c = consumer_open();
	struct queue_state st;
	int m;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, config_set_u32(&self->nl,
				    IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS, 1000));
	ASSERT_EQ(0, add_confirm_rule(&self->nl, "stored", "stored/#", 1,
				      IOTGW_CONFIRM_STORE));
	/* no consumer: after the timeout 5.04, and the message is gone */
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x600, "stored/t", "w"));
	m = expect_separate(self->fd, 0x600, COAP_CODE_GATEWAY_TIMEOUT);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, send_empty_ack(self->fd, m));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_MSGS]);
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_WITHDRAWN]);
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_UNCONFIRMED]);

	/* in flight: 5.04 as well, but the consumer keeps it */
	ASSERT_EQ(0, consumer_bind(c, 16, 0));
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x601, "stored/t", "k"));
	ASSERT_EQ(1, consumer_wait(c, 1, 2000));
	m = expect_separate(self->fd, 0x601, COAP_CODE_GATEWAY_TIMEOUT);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, send_empty_ack(self->fd, m));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_IN_FLIGHT]);
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_AWAITING]);
	/* its ack then answers nobody: the sensor had its one answer */
	ASSERT_EQ(0, consumer_ack_all(c));
	EXPECT_TRUE(coap_silent(self->fd, 1000));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(0, st.v[IOTGW_QUEUE_A_CONFIRMED]);
	EXPECT_EQ(2, st.v[IOTGW_QUEUE_A_UNCONFIRMED]);
	consumer_close(c);
}

TEST_F(queue, confirm_flush_tells_waiting_sensors_503)
{
	struct queue_state st;
	int m;

	ASSERT_EQ(0, add_confirm_rule(&self->nl, "stored", "stored/#", 1,
				      IOTGW_CONFIRM_STORE));
	ASSERT_EQ(0, post_expect_empty_ack(self->fd, 0x700, "stored/f", "f"));
	ASSERT_EQ(0, simple_cmd(&self->nl, IOTGW_CMD_QUEUE_FLUSH));
	m = expect_separate(self->fd, 0x700, COAP_CODE_SERVICE_UNAVAILABLE);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, send_empty_ack(self->fd, m));
	ASSERT_EQ(0, queue_get(&self->nl, &st));
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_FLUSHED]);
	EXPECT_EQ(1, st.v[IOTGW_QUEUE_A_UNCONFIRMED]);
}

TEST_F(queue, confirm_rule_checks)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	/* confirm on a capture rule */
	msg = iotgw_nl_request(&self->nl, IOTGW_CMD_RULE_NEW, 0);
	nest = nla_nest_start(msg, IOTGW_A_RULE);
	nla_put_string(msg, IOTGW_RULE_A_NAME, "bad");
	nla_put_string(msg, IOTGW_RULE_A_FILTER, "x/#");
	nla_put_u8(msg, IOTGW_RULE_A_PROTO, IOTGW_PROTO_COAP);
	nla_put_u8(msg, IOTGW_RULE_A_ACTION, IOTGW_ACTION_CAPTURE);
	nla_put_u8(msg, IOTGW_RULE_A_CONFIRM, IOTGW_CONFIRM_STORE);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_nl_transact(&self->nl, msg, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->nl.error, "confirm belongs to action ingest"))
		TH_LOG("%s", self->nl.error);
	/* store with qos 0: nothing to keep */
	EXPECT_EQ(-EINVAL, add_confirm_rule(&self->nl, "bad", "x/#", 0,
					    IOTGW_CONFIRM_STORE));
	EXPECT_NE(NULL, strstr(self->nl.error, "need qos 1 or 2"))
		TH_LOG("%s", self->nl.error);
	/* at FORWARD the sensor's ACK would pass the gateway by */
	EXPECT_EQ(-EINVAL, add_confirm_rule_at(&self->nl, "bad", "x/#", -1, 1,
					       IOTGW_CONFIRM_CLOUD));
	EXPECT_NE(NULL, strstr(self->nl.error, "need hook in"))
		TH_LOG("%s", self->nl.error);
	EXPECT_EQ(-EINVAL, add_confirm_rule_at(&self->nl, "bad", "x/#",
					       IOTGW_HOOK_FWD, 1,
					       IOTGW_CONFIRM_STORE));
	/* a mode that does not exist */
	EXPECT_EQ(-ERANGE, add_confirm_rule(&self->nl, "bad", "x/#", 1,
					    IOTGW_CONFIRM_MAX + 1));
	/* admit with qos 0 is today's ingest */
	EXPECT_EQ(0, add_confirm_rule(&self->nl, "ok", "x/#", 0,
				      IOTGW_CONFIRM_ADMIT));
	/* the timeout's range */
	EXPECT_EQ(-ERANGE, config_set_u32(&self->nl,
					  IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS, 999));
}

TEST_HARNESS_MAIN
