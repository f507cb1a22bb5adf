// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwd against a real mosquitto broker on 127.0.0.1 (skipped when
 * mosquitto is not installed): user/iotgwd/broker.c confirms a QoS 1 or 2
 * message only once the broker answered (the broker is stopped with
 * SIGSTOP to show it), carries the MQTT 5 properties, reports a refusal;
 * user/iotgwd/forward.c holds messages while the broker is down and
 * publishes them after it is back, and acks each kernel id exactly once,
 * also across a connection lost with messages unconfirmed. For commands:
 * a subscription delivers a message with its MQTT 5 properties read
 * (Response Topic, Correlation Data, Content Type, user properties), an
 * answer goes out with its own, and an MQTT 5 subscription does not get
 * back what the connection itself published (No Local).
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "broker.h"
#include "clock.h"
#include "config.h"
#include "forward.h"
#include "message.h"

#include "iotgwd_mosquitto.h"

#include "kselftest_harness.h"

#define MAX_EVENTS 64

/* What the brokers and the forwarder under test reported. */
struct record {
	int confirms;
	int mids[MAX_EVENTS];
	int reasons[MAX_EVENTS];
	int connects, disconnects;
	int acks[MAX_EVENTS];	/* by kernel id */
	int nacks[MAX_EVENTS];
	/* What a subscriber on "#" received. */
	int received;
	char topics[MAX_EVENTS][128];
	char payloads[MAX_EVENTS][64];
	char props[MAX_EVENTS][256];	/* "name=value;..." */
	char correlation[MAX_EVENTS][64];
	/* What a broker under test's subscription delivered. */
	int commands;
	char cmd_topics[MAX_EVENTS][128];
	char cmd_props[MAX_EVENTS][256];
};

static struct record rec;

FIXTURE(rig) {
	struct mosquitto_rig r;
};

FIXTURE_SETUP(rig)
{
	memset(&rec, 0, sizeof(rec));
	ASSERT_LE(0, mosq_rig_setup(&self->r));
	ASSERT_EQ(0, broker_lib_init());
}

FIXTURE_TEARDOWN(rig)
{
	mosq_rig_teardown(&self->r);
	broker_lib_cleanup();
}

#define NEED_MOSQUITTO() do { \
	if (!self->r.exe) \
		SKIP(return, "mosquitto is not installed"); \
} while (0)

/* The subscriber: every message on "#", with its MQTT 5 properties. */
static void on_sub_message(struct mosquitto *mosq, void *arg,
			   const struct mosquitto_message *msg,
			   const mosquitto_property *props)
{
	const mosquitto_property *p = props;
	char *name, *value;
	int i = rec.received;
	size_t off = 0;
	uint16_t len;
	void *data;

	(void)mosq;
	(void)arg;
	if (i >= MAX_EVENTS)
		return;
	snprintf(rec.topics[i], sizeof(rec.topics[i]), "%s", msg->topic);
	snprintf(rec.payloads[i], sizeof(rec.payloads[i]), "%.*s",
		 msg->payloadlen, (const char *)msg->payload);
	for (bool skip = false;
	     (p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY,
						      &name, &value, skip));
	     skip = true) {
		off += (size_t)snprintf(rec.props[i] + off,
					sizeof(rec.props[i]) - off, "%s=%s;",
					name, value);
		free(name);
		free(value);
	}
	if (mosquitto_property_read_string(props, MQTT_PROP_CONTENT_TYPE,
					   &value, false)) {
		snprintf(rec.props[i] + off, sizeof(rec.props[i]) - off,
			 "content-type=%s;", value);
		free(value);
	}
	if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA,
					   &data, &len, false)) {
		snprintf(rec.correlation[i], sizeof(rec.correlation[i]), "%.*s",
			 (int)len, (const char *)data);
		free(data);
	}
	rec.received++;
}

static int subscribe_all(FIXTURE_DATA(rig) *self)
{
	return mosq_rig_subscribe(&self->r, on_sub_message);
}

/* Run the brokers (and the forwarder) for up to @ms, until @done. */
static void pump(FIXTURE_DATA(rig) *self, struct broker **brokers, size_t n,
		 struct forwarder *fwd, int ms, bool (*done)(void))
{
	uint64_t end = clock_now_ms() + (uint64_t)ms;

	while (clock_now_ms() < end && !(done && done())) {
		struct pollfd fds[4];
		struct broker *which[4];
		nfds_t k = 0;
		uint64_t now;

		if (fwd) {
			n = forwarder_n_brokers(fwd);
			for (size_t i = 0; i < n && i < 4; i++)
				brokers[i] = forwarder_broker(fwd, i);
		}
		for (size_t i = 0; i < n && k < 4; i++) {
			int fd = broker_fd(brokers[i]);

			if (fd < 0)
				continue;
			fds[k] = (struct pollfd){
				.fd = fd, .events = broker_poll_events(brokers[i]),
			};
			which[k++] = brokers[i];
		}
		poll(fds, k, 10);
		now = clock_now_ms();
		for (nfds_t i = 0; i < k; i++)
			if (fds[i].revents)
				broker_handle(which[i], fds[i].revents, now);
		if (fwd)
			forwarder_tick(fwd, now);
		else
			for (size_t i = 0; i < n; i++)
				broker_tick(brokers[i], now);
		if (self->r.sub)
			mosquitto_loop(self->r.sub, 0, 1);
	}
}

static void on_connect(struct broker *b, void *arg)
{
	(void)b;
	(void)arg;
	rec.connects++;
}

static void on_disconnect(struct broker *b, void *arg)
{
	(void)b;
	(void)arg;
	rec.disconnects++;
}

static void on_confirm(struct broker *b, int mid, int reason, void *arg)
{
	(void)b;
	(void)arg;
	if (rec.confirms < MAX_EVENTS) {
		rec.mids[rec.confirms] = mid;
		rec.reasons[rec.confirms] = reason;
	}
	rec.confirms++;
}

static const struct broker_events events = {
	.on_connect = on_connect,
	.on_disconnect = on_disconnect,
	.on_confirm = on_confirm,
};

static bool connected(void) { return rec.connects > 0; }
static bool two_confirms(void) { return rec.confirms >= 2; }
static bool one_confirm(void) { return rec.confirms >= 1; }
static bool two_received(void) { return rec.received >= 2; }

static void test_broker_cfg(struct broker_cfg *cfg, int port, int mqtt)
{
	*cfg = (struct broker_cfg){
		.name = "test", .host = "127.0.0.1", .port = port,
		.mqtt_version = mqtt, .client_id = "iotgwd-test",
		.keepalive = 10,
	};
}

/*
 * A broker on @cfg (which it keeps) connected to the rig's mosquitto,
 * MQTT version @mqtt, or NULL, having said why.
 */
static struct broker *connected_broker(FIXTURE_DATA(rig) *self,
				       struct broker_cfg *cfg, int mqtt,
				       const struct broker_events *ev)
{
	struct broker *b;
	char err[256];

	test_broker_cfg(cfg, self->r.port, mqtt);
	b = broker_new(cfg, ev, NULL, err, sizeof(err));
	if (!b) {
		fprintf(stderr, "broker_new: %s\n", err);
		return NULL;
	}
	broker_start(b, clock_now_ms());
	pump(self, &b, 1, NULL, 5000, connected);
	return b;
}

static const struct broker_message sample = {
	.topic = "gw/sensors/1/temp", .payload = "21.5", .payload_len = 4,
	.qos = 1, .src = "192.0.2.1", .src_port = "5683", .proto = "coap",
	.received = "2025-01-01T00:00:00.000Z",
	.content_type = "application/json",
};

TEST_F(rig, confirmed_only_after_the_broker_answered)
{
	struct broker_message m2 = sample;
	struct broker_cfg cfg;
	struct broker *b;
	const char *why;
	char err[256];
	int mid1, mid2;

	NEED_MOSQUITTO();
	test_broker_cfg(&cfg, self->r.port, CONFIG_MQTT_5);
	b = broker_new(&cfg, &events, NULL, err, sizeof(err));
	ASSERT_NE(NULL, b) TH_LOG("%s", err);
	ASSERT_EQ(0, subscribe_all(self));
	/* not connected yet: try again later */
	EXPECT_EQ(BROKER_RETRY, broker_publish(b, &sample, &mid1, &why));
	broker_start(b, clock_now_ms());
	pump(self, &b, 1, NULL, 5000, connected);
	ASSERT_TRUE(broker_is_connected(b));

	/* The broker frozen: sent, but no PUBACK, no PUBCOMP. */
	ASSERT_EQ(0, kill(self->r.pid, SIGSTOP));
	ASSERT_EQ(BROKER_PUBLISHED, broker_publish(b, &sample, &mid1, &why));
	m2.qos = 2;
	m2.payload = "22.0";
	ASSERT_EQ(BROKER_PUBLISHED, broker_publish(b, &m2, &mid2, &why));
	EXPECT_NE(mid1, mid2);
	pump(self, &b, 1, NULL, 500, NULL);
	EXPECT_EQ(0, rec.confirms);
	ASSERT_EQ(0, kill(self->r.pid, SIGCONT));
	pump(self, &b, 1, NULL, 5000, two_confirms);
	ASSERT_EQ(2, rec.confirms);
	EXPECT_EQ(mid1, rec.mids[0]);
	EXPECT_EQ(mid2, rec.mids[1]);
	EXPECT_GT(0x80, rec.reasons[0]);
	EXPECT_GT(0x80, rec.reasons[1]);

	/* What the cloud sees: payload as is, the properties. */
	pump(self, &b, 1, NULL, 3000, two_received);
	ASSERT_EQ(2, rec.received);
	EXPECT_STREQ("gw/sensors/1/temp", rec.topics[0]);
	EXPECT_STREQ("21.5", rec.payloads[0]);
	EXPECT_STREQ("22.0", rec.payloads[1]);
	EXPECT_STREQ("src=192.0.2.1;src-port=5683;proto=coap;"
		     "received=2025-01-01T00:00:00.000Z;"
		     "content-type=application/json;", rec.props[0]);
	broker_stop(b);
	broker_free(b);
}

static bool ten_confirms(void) { return rec.confirms >= 10; }

/* Bytes written to @fd that TCP has not sent yet. */
static int unsent_bytes(int fd)
{
	int n = -1;

	if (ioctl(fd, SIOCOUTQNSD, &n) < 0)
		return -1;
	return n;
}

TEST_F(rig, corked_batch_leaves_at_uncork)
{
	struct broker_cfg cfg;
	struct broker *b;
	const char *why;
	int mid, fd;

	NEED_MOSQUITTO();
	b = connected_broker(self, &cfg, CONFIG_MQTT_5, &events);
	ASSERT_NE(NULL, b);
	ASSERT_TRUE(broker_is_connected(b));
	fd = broker_fd(b);
	ASSERT_LE(0, fd);

	/* ten PUBLISH packets, well under a segment: held back */
	broker_cork(b);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(BROKER_PUBLISHED,
			  broker_publish(b, &sample, &mid, &why));
	EXPECT_LT(0, unsent_bytes(fd));
	EXPECT_EQ(0, rec.confirms);
	/* uncorked, they go at once, and every one is confirmed */
	broker_uncork(b);
	EXPECT_EQ(0, unsent_bytes(fd));
	pump(self, &b, 1, NULL, 5000, ten_confirms);
	EXPECT_EQ(10, rec.confirms);
	/* uncorked twice, or corked with no connection: nothing happens */
	broker_uncork(b);
	broker_stop(b);
	broker_cork(b);
	broker_uncork(b);
	broker_free(b);
}

TEST_F(rig, qos0_confirmed_when_sent_and_refusal_reported)
{
	struct broker_message m = sample;
	struct broker_cfg cfg;
	struct broker *b;
	const char *why;
	int mid;

	NEED_MOSQUITTO();
	b = connected_broker(self, &cfg, CONFIG_MQTT_5, &events);
	ASSERT_NE(NULL, b);
	ASSERT_TRUE(broker_is_connected(b));
	m.qos = 0;
	ASSERT_EQ(BROKER_PUBLISHED, broker_publish(b, &m, &mid, &why));
	pump(self, &b, 1, NULL, 2000, one_confirm);
	ASSERT_EQ(1, rec.confirms);
	EXPECT_EQ(mid, rec.mids[0]);
	EXPECT_EQ(0, rec.reasons[0]);

	/* The broker's ACL denies denied/#: PUBACK "not authorized". */
	m.qos = 1;
	m.topic = "denied/x";
	ASSERT_EQ(BROKER_PUBLISHED, broker_publish(b, &m, &mid, &why));
	pump(self, &b, 1, NULL, 3000, two_confirms);
	ASSERT_EQ(2, rec.confirms);
	EXPECT_EQ(MQTT_RC_NOT_AUTHORIZED, rec.reasons[1]);

	/* A topic no broker takes: refused at once. */
	m.topic = "a/+/b";
	EXPECT_EQ(BROKER_REFUSED, broker_publish(b, &m, &mid, &why));
	EXPECT_NE(NULL, why);
	broker_stop(b);
	broker_free(b);
}

TEST_F(rig, mqtt311_has_no_properties)
{
	struct broker_cfg cfg;
	struct broker *b;
	const char *why;
	char err[256];
	int mid;

	NEED_MOSQUITTO();
	test_broker_cfg(&cfg, self->r.port, CONFIG_MQTT_311);
	b = broker_new(&cfg, &events, NULL, err, sizeof(err));
	ASSERT_NE(NULL, b) TH_LOG("%s", err);
	ASSERT_EQ(0, subscribe_all(self));
	broker_start(b, clock_now_ms());
	pump(self, &b, 1, NULL, 5000, connected);
	ASSERT_EQ(BROKER_PUBLISHED, broker_publish(b, &sample, &mid, &why));
	pump(self, &b, 1, NULL, 3000, one_confirm);
	EXPECT_EQ(1, rec.confirms);
	pump(self, &b, 1, NULL, 3000, NULL);
	ASSERT_EQ(1, rec.received);
	EXPECT_STREQ("", rec.props[0]);
	broker_stop(b);
	broker_free(b);
}

static void on_command(struct broker *b, const struct broker_incoming *m,
		       void *arg)
{
	int i = rec.commands;
	size_t off = 0;

	(void)b;
	(void)arg;
	if (i >= MAX_EVENTS)
		return;
	snprintf(rec.cmd_topics[i], sizeof(rec.cmd_topics[i]), "%s %.*s",
		 m->topic, (int)m->payload_len, (const char *)m->payload);
	off += (size_t)snprintf(rec.cmd_props[i], sizeof(rec.cmd_props[i]),
				"qos=%d;", m->qos);
	if (m->response_topic)
		off += (size_t)snprintf(rec.cmd_props[i] + off,
					sizeof(rec.cmd_props[i]) - off,
					"response-topic=%s;", m->response_topic);
	if (m->correlation_data)
		off += (size_t)snprintf(rec.cmd_props[i] + off,
					sizeof(rec.cmd_props[i]) - off,
					"correlation=%.*s;",
					(int)m->correlation_len,
					(const char *)m->correlation_data);
	if (m->content_type)
		off += (size_t)snprintf(rec.cmd_props[i] + off,
					sizeof(rec.cmd_props[i]) - off,
					"content-type=%s;", m->content_type);
	for (size_t k = 0; k < m->n_user_props; k++)
		off += (size_t)snprintf(rec.cmd_props[i] + off,
					sizeof(rec.cmd_props[i]) - off,
					"%s=%s;", m->user_props[k].name,
					m->user_props[k].value);
	rec.commands++;
}

static const struct broker_events cmd_events = {
	.on_connect = on_connect,
	.on_disconnect = on_disconnect,
	.on_confirm = on_confirm,
	.on_message = on_command,
};

static bool one_command(void) { return rec.commands >= 1; }
static bool two_commands(void) { return rec.commands >= 2; }

/* Publish as a cloud server would, MQTT 5 with a request's properties. */
static int cloud_publish(FIXTURE_DATA(rig) *self, const char *topic,
			 const char *payload, bool with_props)
{
	struct mosquitto *pub = mosquitto_new("iotgwd-test-pub", true, NULL);
	mosquitto_property *props = NULL;
	int rc;

	if (!pub)
		return -1;
	mosquitto_int_option(pub, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	rc = mosquitto_connect(pub, "127.0.0.1", self->r.port, 10);
	if (!rc && with_props)
		rc = mosquitto_property_add_string(&props,
						   MQTT_PROP_RESPONSE_TOPIC,
						   "resp/1") ||
		     mosquitto_property_add_binary(&props,
						   MQTT_PROP_CORRELATION_DATA,
						   "abc123", 6) ||
		     mosquitto_property_add_string(&props,
						   MQTT_PROP_CONTENT_TYPE,
						   "text/plain;charset=utf-8") ||
		     mosquitto_property_add_string_pair(&props,
							MQTT_PROP_USER_PROPERTY,
							"coap-method", "put");
	if (!rc)
		rc = mosquitto_publish_v5(pub, NULL, topic,
					  (int)strlen(payload), payload, 1,
					  false, props);
	for (int i = 0; i < 20 && !rc; i++)
		mosquitto_loop(pub, 10, 1);
	mosquitto_property_free_all(&props);
	mosquitto_disconnect(pub);
	mosquitto_destroy(pub);
	return rc ? -1 : 0;
}

TEST_F(rig, commands_subscribed_and_answered)
{
	static const struct broker_property answer_props[] = {
		{ "coap-status", "response" }, { "coap-code", "2.04" },
	};
	struct broker_message answer = {
		.topic = "resp/1", .payload = "ok:open", .payload_len = 7,
		.qos = 1, .content_type = "text/plain;charset=utf-8",
		.correlation_data = "abc123", .correlation_len = 6,
		.user_props = answer_props, .n_user_props = 2,
	};
	struct broker_cfg cfg, cfg311;
	struct broker *b, *b311;
	const char *why;
	char err[256];
	int mid;

	NEED_MOSQUITTO();
	b = connected_broker(self, &cfg, CONFIG_MQTT_5, &cmd_events);
	ASSERT_NE(NULL, b);
	ASSERT_TRUE(broker_is_connected(b));
	ASSERT_EQ(0, broker_subscribe(b, "cmd/gw/#", 1, &mid, &why)) TH_LOG("%s", why);
	ASSERT_EQ(0, subscribe_all(self));
	pump(self, &b, 1, NULL, 300, NULL);

	/* A request with every property, and one with none. */
	ASSERT_EQ(0, cloud_publish(self, "cmd/gw/cabinet/7/door", "open", true));
	ASSERT_EQ(0, cloud_publish(self, "cmd/gw/bell", "ring", false));
	pump(self, &b, 1, NULL, 5000, two_commands);
	ASSERT_EQ(2, rec.commands);
	EXPECT_STREQ("cmd/gw/cabinet/7/door open", rec.cmd_topics[0]);
	EXPECT_STREQ("qos=1;response-topic=resp/1;correlation=abc123;"
		     "content-type=text/plain;charset=utf-8;coap-method=put;",
		     rec.cmd_props[0]);
	EXPECT_STREQ("cmd/gw/bell ring", rec.cmd_topics[1]);
	EXPECT_STREQ("qos=1;", rec.cmd_props[1]);

	/* The answer, with its properties; our own, not delivered back. */
	ASSERT_EQ(BROKER_PUBLISHED, broker_publish(b, &answer, &mid, &why));
	answer.topic = "cmd/gw/echo";
	ASSERT_EQ(BROKER_PUBLISHED, broker_publish(b, &answer, &mid, &why));
	pump(self, &b, 1, NULL, 5000, NULL);
	EXPECT_EQ(2, rec.commands);	/* No Local */
	ASSERT_LE(3, rec.received);
	for (int i = 0; i < rec.received; i++) {
		if (strcmp(rec.topics[i], "resp/1"))
			continue;
		EXPECT_STREQ("ok:open", rec.payloads[i]);
		EXPECT_STREQ("abc123", rec.correlation[i]);
		EXPECT_STREQ("coap-status=response;coap-code=2.04;"
			     "content-type=text/plain;charset=utf-8;",
			     rec.props[i]);
	}

	/* Unsubscribed: nothing more. */
	ASSERT_EQ(0, broker_unsubscribe(b, "cmd/gw/#", &why));
	pump(self, &b, 1, NULL, 300, NULL);
	ASSERT_EQ(0, cloud_publish(self, "cmd/gw/cabinet/7/door", "x", false));
	pump(self, &b, 1, NULL, 1000, NULL);
	EXPECT_EQ(2, rec.commands);

	/* MQTT 3.1.1: the subscription works, without properties. */
	test_broker_cfg(&cfg311, self->r.port, CONFIG_MQTT_311);
	cfg311.client_id = "iotgwd-test-311";
	rec.connects = 0;
	b311 = broker_new(&cfg311, &cmd_events, NULL, err, sizeof(err));
	ASSERT_NE(NULL, b311) TH_LOG("%s", err);
	broker_start(b311, clock_now_ms());
	pump(self, &b311, 1, NULL, 5000, connected);
	ASSERT_EQ(0, broker_subscribe(b311, "c311/#", 1, &mid, &why)) TH_LOG("%s", why);
	pump(self, &b311, 1, NULL, 300, NULL);
	rec.commands = 0;
	ASSERT_EQ(0, cloud_publish(self, "c311/a/b", "on", true));
	pump(self, &b311, 1, NULL, 5000, one_command);
	ASSERT_EQ(1, rec.commands);
	EXPECT_STREQ("c311/a/b on", rec.cmd_topics[0]);
	EXPECT_STREQ("qos=1;", rec.cmd_props[0]);
	broker_stop(b311);
	broker_free(b311);
	broker_stop(b);
	broker_free(b);
}

/* The forwarder's acks and nacks, by kernel id. */
static void sink_ack(void *arg, uint64_t id, uint64_t now_ms)
{
	(void)arg;
	(void)now_ms;
	if (id < MAX_EVENTS)
		rec.acks[id]++;
}

static void sink_nack(void *arg, uint64_t id, uint64_t now_ms)
{
	(void)arg;
	(void)now_ms;
	if (id < MAX_EVENTS)
		rec.nacks[id]++;
}

static const struct forward_sink sink = { .ack = sink_ack, .nack = sink_nack };

static struct queue_msg *kernel_msg(uint64_t id, uint8_t qos, const char *rule)
{
	struct queue_msg *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->id = id;
	m->qos = qos;
	m->proto = IOTGW_PROTO_COAP;
	snprintf(m->rule, sizeof(m->rule), "%s", rule);
	m->family = AF_INET;
	m->src[0] = 192;
	m->src[1] = 0;
	m->src[2] = 2;
	m->src[3] = 9;
	m->src_port = 40000;
	m->topic = strdup("sensors/9/temp");
	m->payload = strdup("x");
	m->payload_len = 1;
	m->content_format = 0;
	m->attempts = 1;
	return m;
}

static struct forwarder *start_forwarder(FIXTURE_DATA(rig) *self,
					 struct config **cfg)
{
	char path[160], err[512];
	struct forwarder *f;
	FILE *file;

	snprintf(path, sizeof(path), "%s/iotgwd.conf", self->r.dir);
	file = fopen(path, "w");
	if (!file)
		return NULL;
	fprintf(file, "[gateway]\nid = gw9\n[broker cloud]\nhost = 127.0.0.1\n"
		"port = %d\nkeepalive = 5\n[rule temp]\nfilter = sensors/#\n"
		"proto = coap\naction = ingest\ntopic = {gateway}/{topic}\n",
		self->r.port);
	fclose(file);
	if (config_load(path, cfg, err, sizeof(err))) {
		fprintf(stderr, "# %s\n", err);
		return NULL;
	}
	f = forwarder_new(*cfg, &sink, err, sizeof(err));
	if (f)
		forwarder_start(f, clock_now_ms());
	return f;
}

static struct forwarder *fwd_under_test;

static bool fwd_connected(void)
{
	return broker_is_connected(forwarder_broker(fwd_under_test, 0));
}

static bool fwd_disconnected(void)
{
	return !fwd_connected();
}

static bool acked_1(void) { return rec.acks[1] > 0; }
static bool acked_2_3_4(void)
{
	return rec.acks[2] && rec.acks[3] && rec.acks[4];
}
static bool acked_10_11(void) { return rec.acks[10] && rec.acks[11]; }

TEST_F_TIMEOUT(rig, held_while_down_published_after_restart, 60)
{
	struct broker *bs[4];
	struct forwarder *f;
	struct config *cfg;

	NEED_MOSQUITTO();
	f = start_forwarder(self, &cfg);
	ASSERT_NE(NULL, f);
	fwd_under_test = f;
	pump(self, bs, 0, f, 5000, fwd_connected);
	ASSERT_TRUE(fwd_connected());

	forwarder_on_msg(kernel_msg(1, 1, "temp"), f);
	pump(self, bs, 0, f, 3000, acked_1);
	EXPECT_EQ(1, rec.acks[1]);
	/* a late copy of an acked id */
	forwarder_on_msg(kernel_msg(1, 1, "temp"), f);
	/* a rule iotgwd does not know: nacked, once */
	forwarder_on_msg(kernel_msg(5, 1, "other"), f);
	forwarder_on_msg(kernel_msg(5, 1, "other"), f);
	EXPECT_EQ(1, rec.nacks[5]);

	/* The broker goes away. */
	mosq_rig_kill(&self->r);
	pump(self, bs, 0, f, 5000, fwd_disconnected);
	ASSERT_FALSE(fwd_connected());
	forwarder_on_msg(kernel_msg(2, 1, "temp"), f);
	forwarder_on_msg(kernel_msg(3, 0, "temp"), f);
	forwarder_on_msg(kernel_msg(4, 2, "temp"), f);
	forwarder_on_msg(kernel_msg(2, 1, "temp"), f);	/* redelivered */
	pump(self, bs, 0, f, 300, NULL);
	EXPECT_EQ(3, forwarder_held(f));
	EXPECT_EQ(0, rec.acks[2] + rec.acks[3] + rec.acks[4]);

	/* Back: what was held is published and confirmed. */
	self->r.pid = mosq_rig_start(&self->r);
	ASSERT_LT(0, self->r.pid);
	ASSERT_EQ(0, subscribe_all(self));
	pump(self, bs, 0, f, 20000, acked_2_3_4);
	EXPECT_EQ(1, rec.acks[1]);
	EXPECT_EQ(1, rec.acks[2]);
	EXPECT_EQ(1, rec.acks[3]);
	EXPECT_EQ(1, rec.acks[4]);
	pump(self, bs, 0, f, 500, NULL);
	EXPECT_EQ(3, rec.received);
	EXPECT_STREQ("gw9/sensors/9/temp", rec.topics[0]);
	EXPECT_STREQ("src=192.0.2.9;src-port=40000;proto=coap;"
		     "received=1970-01-01T00:00:00.000Z;"
		     "content-type=text/plain;charset=utf-8;", rec.props[0]);
	for (int i = 0; i < MAX_EVENTS; i++) {
		EXPECT_EQ(i == 5, rec.nacks[i]) TH_LOG("id %d", i);
	}
	/* the copies of 1 (acked), 5 (nacked) and 2 (held) */
	EXPECT_EQ(3, forwarder_stats(f)->duplicates);
	EXPECT_EQ(0, forwarder_held(f));
	EXPECT_EQ(0, forwarder_unconfirmed(f));
	forwarder_disconnect(f);
	forwarder_free(f);
	config_free(cfg);
}

TEST_F_TIMEOUT(rig, unconfirmed_when_the_connection_drops, 60)
{
	struct broker *bs[4];
	struct forwarder *f;
	struct config *cfg;

	NEED_MOSQUITTO();
	f = start_forwarder(self, &cfg);
	ASSERT_NE(NULL, f);
	fwd_under_test = f;
	pump(self, bs, 0, f, 5000, fwd_connected);
	ASSERT_TRUE(fwd_connected());

	/* Published to a frozen broker, which then dies. */
	ASSERT_EQ(0, kill(self->r.pid, SIGSTOP));
	forwarder_on_msg(kernel_msg(10, 1, "temp"), f);
	forwarder_on_msg(kernel_msg(11, 2, "temp"), f);
	pump(self, bs, 0, f, 300, NULL);
	EXPECT_EQ(2, forwarder_unconfirmed(f));
	mosq_rig_kill(&self->r);
	pump(self, bs, 0, f, 5000, fwd_disconnected);
	/* a redelivery meanwhile is not published again */
	forwarder_on_msg(kernel_msg(10, 1, "temp"), f);
	EXPECT_EQ(0, rec.acks[10] + rec.acks[11]);

	/* libmosquitto sends them again after the reconnect. */
	self->r.pid = mosq_rig_start(&self->r);
	ASSERT_LT(0, self->r.pid);
	pump(self, bs, 0, f, 20000, acked_10_11);
	pump(self, bs, 0, f, 500, NULL);
	EXPECT_EQ(1, rec.acks[10]);
	EXPECT_EQ(1, rec.acks[11]);
	EXPECT_EQ(0, rec.nacks[10] + rec.nacks[11]);
	EXPECT_EQ(0, forwarder_unconfirmed(f));
	forwarder_disconnect(f);
	forwarder_free(f);
	config_free(cfg);
}

static struct config *load_conf(FIXTURE_DATA(rig) *self, const char *text)
{
	char path[160], err[512];
	struct config *cfg;
	FILE *file;

	snprintf(path, sizeof(path), "%s/reload.conf", self->r.dir);
	file = fopen(path, "w");
	if (!file)
		return NULL;
	fprintf(file, text, self->r.port);
	fclose(file);
	if (config_load(path, &cfg, err, sizeof(err))) {
		fprintf(stderr, "# %s\n", err);
		return NULL;
	}
	return cfg;
}

static bool acked_20(void) { return rec.acks[20] > 0; }

TEST_F_TIMEOUT(rig, reload_moves_or_nacks_held_messages, 60)
{
	struct config *cfg, *changed, *removed;
	struct broker *bs[4];
	struct forwarder *f;
	char err[256];

	NEED_MOSQUITTO();
	f = start_forwarder(self, &cfg);
	ASSERT_NE(NULL, f);
	fwd_under_test = f;
	pump(self, bs, 0, f, 5000, fwd_connected);
	mosq_rig_kill(&self->r);
	pump(self, bs, 0, f, 5000, fwd_disconnected);
	forwarder_on_msg(kernel_msg(20, 1, "temp"), f);
	EXPECT_EQ(1, forwarder_held(f));

	/* The same broker with new settings: a new connection takes over. */
	changed = load_conf(self, "[gateway]\nid = gw9\n[broker cloud]\n"
			    "host = 127.0.0.1\nport = %d\nkeepalive = 7\n"
			    "[rule temp]\nfilter = sensors/#\nproto = coap\n"
			    "action = ingest\n");
	ASSERT_NE(NULL, changed);
	ASSERT_EQ(0, forwarder_reconfigure(f, changed, clock_now_ms(), err,
					   sizeof(err)));
	config_free(cfg);
	EXPECT_EQ(1, forwarder_held(f));
	self->r.pid = mosq_rig_start(&self->r);
	ASSERT_LT(0, self->r.pid);
	pump(self, bs, 0, f, 20000, acked_20);
	EXPECT_EQ(1, rec.acks[20]);

	/* Broker renamed: the old one's held messages are nacked. */
	mosq_rig_kill(&self->r);
	pump(self, bs, 0, f, 5000, fwd_disconnected);
	forwarder_on_msg(kernel_msg(21, 1, "temp"), f);
	removed = load_conf(self, "[gateway]\nid = gw9\n[broker other]\n"
			    "host = 127.0.0.1\nport = %d\n"
			    "[rule temp]\nfilter = sensors/#\nproto = coap\n"
			    "action = ingest\n");
	ASSERT_NE(NULL, removed);
	ASSERT_EQ(0, forwarder_reconfigure(f, removed, clock_now_ms(), err,
					   sizeof(err)));
	config_free(changed);
	EXPECT_EQ(1, rec.nacks[21]);
	EXPECT_EQ(0, rec.acks[21]);
	EXPECT_EQ(0, forwarder_held(f));
	forwarder_disconnect(f);
	forwarder_free(f);
	config_free(removed);
}

TEST_HARNESS_MAIN
