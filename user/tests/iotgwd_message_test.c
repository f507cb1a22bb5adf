// SPDX-License-Identifier: GPL-2.0
/*
 * A queued message as iotgwd reads it (user/iotgwd/consumer.c) and the
 * MQTT 5 property text it makes of it (user/iotgwd/message.c): CoAP
 * Content-Format to Content Type, the receive time in RFC 3339, the
 * sensor's address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>
#include <netlink/genl/genl.h>

#include "consumer.h"
#include "message.h"

#include "kselftest_harness.h"

TEST(content_format_to_content_type)
{
	static const struct {
		int format;
		const char *type;
	} cases[] = {
		{ 0, "text/plain;charset=utf-8" },
		{ 40, "application/link-format" },
		{ 41, "application/xml" },
		{ 42, "application/octet-stream" },
		{ 47, "application/exi" },
		{ 50, "application/json" },
		{ 60, "application/cbor" },
		{ -1, NULL },	/* no Content-Format option */
		{ 1, NULL },
		{ 110, NULL },	/* SenML JSON: not in the list */
		{ 11542, NULL },
		{ 65535, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *type = message_content_type(cases[i].format);

		if (cases[i].type) {
			EXPECT_STREQ(cases[i].type, type);
		} else {
			EXPECT_EQ(NULL, type) TH_LOG("format %d", cases[i].format);
		}
	}
}

/* The other way, for commands: an MQTT 5 Content Type to a format. */
TEST(content_type_to_content_format)
{
	EXPECT_EQ(0, message_content_format("text/plain;charset=utf-8"));
	EXPECT_EQ(0, message_content_format("Text/Plain;Charset=UTF-8"));
	EXPECT_EQ(50, message_content_format("application/json"));
	EXPECT_EQ(60, message_content_format("application/cbor"));
	EXPECT_EQ(42, message_content_format("application/octet-stream"));
	EXPECT_EQ(-1, message_content_format("text/plain"));
	EXPECT_EQ(-1, message_content_format("application/senml+json"));
	EXPECT_EQ(-1, message_content_format(""));
	for (int f = 0; f < 70; f++) {
		const char *type = message_content_type(f);

		if (type) {
			EXPECT_EQ(f, message_content_format(type));
		}
	}
}

TEST(time_rfc3339_utc)
{
	char buf[MESSAGE_TIME_LEN];

	message_time_text(0, buf, sizeof(buf));
	EXPECT_STREQ("1970-01-01T00:00:00.000Z", buf);
	message_time_text(1735689600123456789ULL, buf, sizeof(buf));
	EXPECT_STREQ("2025-01-01T00:00:00.123Z", buf);
	message_time_text(951782400999999999ULL, buf, sizeof(buf));
	EXPECT_STREQ("2000-02-29T00:00:00.999Z", buf);
}

TEST(source_address_text)
{
	struct queue_msg m = { .family = AF_INET };
	char buf[MESSAGE_ADDR_LEN];

	inet_pton(AF_INET, "192.0.2.17", m.src);
	message_src_text(&m, buf, sizeof(buf));
	EXPECT_STREQ("192.0.2.17", buf);
	m.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", m.src);
	message_src_text(&m, buf, sizeof(buf));
	EXPECT_STREQ("2001:db8::1", buf);
	m.family = 0;
	message_src_text(&m, buf, sizeof(buf));
	EXPECT_STREQ("?", buf);
	EXPECT_STREQ("coap", message_proto_name(IOTGW_PROTO_COAP));
	EXPECT_STREQ("mqtt", message_proto_name(IOTGW_PROTO_MQTT));
}

/* A QUEUE_MSG as the kernel sends it; what to leave out in @skip. */
static struct nl_msg *queue_msg(int skip, uint8_t qos, int src_len)
{
	static const uint8_t v4[16] = { 192, 0, 2, 1 };
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest;

	if (!msg)
		return NULL;
	genlmsg_put(msg, 0, 0, 0x42, 0, 0, IOTGW_CMD_QUEUE_MSG,
		    IOTGW_GENL_VERSION);
	nest = nla_nest_start(msg, IOTGW_A_MSG);
	if (skip != IOTGW_MSG_A_ID)
		nla_put_u64(msg, IOTGW_MSG_A_ID, 0x100000007ULL);
	if (skip != IOTGW_MSG_A_QOS)
		nla_put_u8(msg, IOTGW_MSG_A_QOS, qos);
	nla_put_u8(msg, IOTGW_MSG_A_PROTO, IOTGW_PROTO_COAP);
	if (skip != IOTGW_MSG_A_RULE)
		nla_put_string(msg, IOTGW_MSG_A_RULE, "temp");
	nla_put_u8(msg, IOTGW_MSG_A_FAMILY, AF_INET);
	nla_put(msg, IOTGW_MSG_A_SRC, src_len, v4);
	nla_put_u16(msg, IOTGW_MSG_A_SRC_PORT, 5684);
	if (skip != IOTGW_MSG_A_TOPIC)
		nla_put_string(msg, IOTGW_MSG_A_TOPIC, "sensors/1/temp");
	if (skip != IOTGW_MSG_A_PAYLOAD)
		nla_put(msg, IOTGW_MSG_A_PAYLOAD, 4, "21.5");
	if (skip != IOTGW_MSG_A_CONTENT_FORMAT)
		nla_put_u16(msg, IOTGW_MSG_A_CONTENT_FORMAT, 50);
	nla_put_u64(msg, IOTGW_MSG_A_TIME_NS, 1735689600000000000ULL);
	nla_put_u32(msg, IOTGW_MSG_A_ATTEMPTS, 2);
	nla_nest_end(msg, nest);
	return msg;
}

TEST(parse_queue_msg)
{
	struct nl_msg *msg = queue_msg(0, 1, 4);
	struct queue_msg *m;
	char err[128];
	uint64_t id;

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, consumer_parse_msg(msg, &m, &id, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(0x100000007ULL, id);
	EXPECT_EQ(0x100000007ULL, m->id);
	EXPECT_EQ(1, m->qos);
	EXPECT_EQ(IOTGW_PROTO_COAP, m->proto);
	EXPECT_STREQ("temp", m->rule);
	EXPECT_EQ(AF_INET, m->family);
	EXPECT_EQ(192, m->src[0]);
	EXPECT_EQ(5684, m->src_port);
	EXPECT_STREQ("sensors/1/temp", m->topic);
	ASSERT_EQ(4, m->payload_len);
	EXPECT_EQ(0, memcmp(m->payload, "21.5", 4));
	EXPECT_EQ(50, m->content_format);
	EXPECT_EQ(1735689600000000000ULL, m->time_ns);
	EXPECT_EQ(2, m->attempts);
	queue_msg_free(m);
	nlmsg_free(msg);

	/* optional: payload, content format */
	msg = queue_msg(IOTGW_MSG_A_PAYLOAD, 0, 4);
	ASSERT_EQ(0, consumer_parse_msg(msg, &m, &id, err, sizeof(err)));
	EXPECT_EQ(NULL, m->payload);
	EXPECT_EQ(0, m->payload_len);
	queue_msg_free(m);
	nlmsg_free(msg);
	msg = queue_msg(IOTGW_MSG_A_CONTENT_FORMAT, 0, 4);
	ASSERT_EQ(0, consumer_parse_msg(msg, &m, &id, err, sizeof(err)));
	EXPECT_EQ(-1, m->content_format);
	queue_msg_free(m);
	nlmsg_free(msg);
	/* an address of the wrong size is not used */
	msg = queue_msg(0, 0, 16);
	ASSERT_EQ(0, consumer_parse_msg(msg, &m, &id, err, sizeof(err)));
	EXPECT_EQ(0, m->family);
	queue_msg_free(m);
	nlmsg_free(msg);
}

TEST(malformed_queue_msg)
{
	static const struct {
		int skip;
		uint8_t qos;
		uint64_t id;	/* what the nack would carry, 0: none */
	} cases[] = {
		{ IOTGW_MSG_A_ID, 1, 0 },
		{ IOTGW_MSG_A_QOS, 1, 0x100000007ULL },
		{ IOTGW_MSG_A_RULE, 1, 0x100000007ULL },
		{ IOTGW_MSG_A_TOPIC, 1, 0x100000007ULL },
		{ 0, 3, 0x100000007ULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nl_msg *msg = queue_msg(cases[i].skip, cases[i].qos, 4);
		struct queue_msg *m = (struct queue_msg *)1;
		char err[128];
		uint64_t id;

		ASSERT_NE(NULL, msg);
		EXPECT_EQ(-EINVAL, consumer_parse_msg(msg, &m, &id, err,
						      sizeof(err)));
		EXPECT_EQ(NULL, m);
		EXPECT_EQ(cases[i].id, id) TH_LOG("case %zu", i);
		nlmsg_free(msg);
	}
}

TEST_HARNESS_MAIN
