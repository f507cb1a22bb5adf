// SPDX-License-Identifier: GPL-2.0
/*
 * iotgw_parse_coap_result and iotgw_parse_device: what iotgwctl and
 * iotgwd read of the kernel's COAP_RESULT and DEVICE replies, and the
 * malformed ones both refuse.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "iotgw_replies.h"
#include "kselftest_harness.h"

#define FAMILY 0x42

static const uint8_t v4[4] = { 192, 0, 2, 20 };
static const uint8_t v6[16] = { 0xfd, 0, 0, 1, [15] = 2 };

/* A reply of @cmd with the nest @attr opened in *nest. */
static struct nl_msg *reply(uint8_t cmd, int attr, struct nlattr **nest)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, 0, 0, FAMILY, 0, 0, cmd,
				 IOTGW_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	*nest = nla_nest_start(msg, attr);
	return msg;
}

/* A COAP_RESULT with ID 7 and @status, CODE put if @code >= 0. */
static struct nl_msg *coap_result(uint8_t status, int code,
				  struct nlattr **nest)
{
	struct nl_msg *msg = reply(IOTGW_CMD_COAP_RESULT, IOTGW_A_COAP_RESULT,
				   nest);

	if (msg) {
		nla_put_u64(msg, IOTGW_COAP_RESULT_A_ID, 7);
		nla_put_u8(msg, IOTGW_COAP_RESULT_A_STATUS, status);
		if (code >= 0)
			nla_put_u8(msg, IOTGW_COAP_RESULT_A_CODE,
				   (uint8_t)code);
	}
	return msg;
}

/* A DEVICE of @family with the @len bytes of @addr, port 5683. */
static struct nl_msg *device(uint8_t family, const void *addr, int len,
			     struct nlattr **nest)
{
	struct nl_msg *msg = reply(IOTGW_CMD_DEVICE_GET, IOTGW_A_DEVICE, nest);

	if (msg) {
		nla_put_u8(msg, IOTGW_DEVICE_A_FAMILY, family);
		nla_put(msg, IOTGW_DEVICE_A_ADDR, len, addr);
		nla_put_u16(msg, IOTGW_DEVICE_A_PORT, 5683);
	}
	return msg;
}

static bool inside(struct nl_msg *msg, const void *p)
{
	const uint8_t *start = (const uint8_t *)nlmsg_hdr(msg);

	return (const uint8_t *)p >= start &&
	       (const uint8_t *)p < start + nlmsg_hdr(msg)->nlmsg_len;
}

TEST(coap_result_response_read)
{
	struct iotgw_coap_result r;
	struct nlattr *nest;
	struct nl_msg *msg = coap_result(IOTGW_COAP_STATUS_RESPONSE, 0x45,
					 &nest);

	ASSERT_NE(NULL, msg);
	nla_put_u64(msg, IOTGW_COAP_RESULT_A_COOKIE, ~0ULL);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_TRANSMISSIONS, 3);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_ELAPSED_MS, 4510);
	nla_put_flag(msg, IOTGW_COAP_RESULT_A_ACKED);
	nla_put_flag(msg, IOTGW_COAP_RESULT_A_SEPARATE);
	nla_put_u16(msg, IOTGW_COAP_RESULT_A_CONTENT_FORMAT, 50);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_MAX_AGE, 60);
	nla_put(msg, IOTGW_COAP_RESULT_A_PAYLOAD, 4, "21.5");
	nla_nest_end(msg, nest);

	ASSERT_EQ(0, iotgw_parse_coap_result(msg, &r));
	EXPECT_TRUE(r.has_id);
	EXPECT_EQ(7, r.id);
	EXPECT_TRUE(r.has_cookie);
	EXPECT_EQ(~0ULL, r.cookie);
	EXPECT_EQ(IOTGW_COAP_STATUS_RESPONSE, r.status);
	EXPECT_EQ(3, r.transmissions);
	EXPECT_EQ(4510, r.elapsed_ms);
	EXPECT_TRUE(r.acked);
	EXPECT_EQ(0x45, r.code);
	EXPECT_TRUE(r.separate);
	EXPECT_TRUE(r.has_format);
	EXPECT_EQ(50, r.content_format);
	EXPECT_TRUE(r.has_max_age);
	EXPECT_EQ(60, r.max_age);
	ASSERT_EQ(4, r.payload_len);
	EXPECT_EQ(0, memcmp(r.payload, "21.5", 4));
	EXPECT_TRUE(inside(msg, r.payload));
	nlmsg_free(msg);
}

TEST(coap_result_timeout_needs_no_code)
{
	struct iotgw_coap_result r;
	struct nlattr *nest;
	struct nl_msg *msg = coap_result(IOTGW_COAP_STATUS_TIMEOUT, -1, &nest);

	ASSERT_NE(NULL, msg);
	nla_nest_end(msg, nest);
	ASSERT_EQ(0, iotgw_parse_coap_result(msg, &r));
	EXPECT_EQ(IOTGW_COAP_STATUS_TIMEOUT, r.status);
	EXPECT_EQ(0, r.code);
	EXPECT_FALSE(r.has_cookie || r.acked || r.separate || r.has_format ||
		     r.has_max_age);
	EXPECT_EQ(0, r.transmissions);
	EXPECT_EQ(NULL, r.payload);
	EXPECT_EQ(0, r.payload_len);
	nlmsg_free(msg);
}

/* iotgwctl prints the number of a status it does not know. */
TEST(coap_result_unknown_status_let_through)
{
	struct iotgw_coap_result r;
	struct nlattr *nest;
	struct nl_msg *msg = coap_result(9, -1, &nest);

	ASSERT_NE(NULL, msg);
	nla_nest_end(msg, nest);
	ASSERT_EQ(0, iotgw_parse_coap_result(msg, &r));
	EXPECT_EQ(9, r.status);
	nlmsg_free(msg);
}

TEST(coap_result_response_without_code_refused)
{
	struct iotgw_coap_result r;
	struct nlattr *nest;
	struct nl_msg *msg = coap_result(IOTGW_COAP_STATUS_RESPONSE, -1,
					 &nest);

	ASSERT_NE(NULL, msg);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_parse_coap_result(msg, &r));
	EXPECT_TRUE(r.has_id);
	EXPECT_EQ(7, r.id);
	nlmsg_free(msg);
}

/* Refused, but with its id: iotgwctl tells its own malformed result. */
TEST(coap_result_without_status_refused)
{
	struct iotgw_coap_result r;
	struct nlattr *nest;
	struct nl_msg *msg = reply(IOTGW_CMD_COAP_RESULT, IOTGW_A_COAP_RESULT,
				   &nest);

	ASSERT_NE(NULL, msg);
	nla_put_u64(msg, IOTGW_COAP_RESULT_A_ID, 7);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_TRANSMISSIONS, 1);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_parse_coap_result(msg, &r));
	EXPECT_TRUE(r.has_id);
	EXPECT_EQ(7, r.id);
	nlmsg_free(msg);
}

TEST(coap_result_without_id_refused)
{
	struct iotgw_coap_result r;
	struct nlattr *nest;
	struct nl_msg *msg = reply(IOTGW_CMD_COAP_RESULT, IOTGW_A_COAP_RESULT,
				   &nest);

	ASSERT_NE(NULL, msg);
	nla_put_u8(msg, IOTGW_COAP_RESULT_A_STATUS, IOTGW_COAP_STATUS_RESET);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_parse_coap_result(msg, &r));
	EXPECT_FALSE(r.has_id);
	nlmsg_free(msg);
}

/* An ID too short for a u64 is not read, nor is the rest. */
TEST(coap_result_short_id_refused)
{
	struct iotgw_coap_result r;
	struct nlattr *nest;
	struct nl_msg *msg = reply(IOTGW_CMD_COAP_RESULT, IOTGW_A_COAP_RESULT,
				   &nest);

	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_ID, 7);
	nla_put_u8(msg, IOTGW_COAP_RESULT_A_STATUS, IOTGW_COAP_STATUS_RESET);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_parse_coap_result(msg, &r));
	EXPECT_FALSE(r.has_id);
	nlmsg_free(msg);
}

TEST(coap_result_missing_nest_refused)
{
	struct iotgw_coap_result r;
	struct nlattr *nest;
	struct nl_msg *msg = device(AF_INET, v4, 4, &nest);

	ASSERT_NE(NULL, msg);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_parse_coap_result(msg, &r));
	EXPECT_FALSE(r.has_id);
	nlmsg_free(msg);
}

TEST(device_inet_read)
{
	struct iotgw_device_entry d;
	struct nlattr *nest;
	struct nl_msg *msg = device(AF_INET, v4, 4, &nest);

	ASSERT_NE(NULL, msg);
	nla_put_u8(msg, IOTGW_DEVICE_A_PROTO, IOTGW_PROTO_MQTT);
	nla_put_string(msg, IOTGW_DEVICE_A_TOPIC, "door/7");
	nla_put_u64(msg, IOTGW_DEVICE_A_PACKETS, 5000000000ULL);
	nla_put_u32(msg, IOTGW_DEVICE_A_AGE_MS, 1200);
	nla_nest_end(msg, nest);

	ASSERT_EQ(0, iotgw_parse_device(msg, &d));
	EXPECT_EQ(AF_INET, d.family);
	EXPECT_EQ(0, memcmp(d.addr, v4, 4));
	EXPECT_EQ(5683, d.port);
	EXPECT_EQ(IOTGW_PROTO_MQTT, d.proto);
	ASSERT_NE(NULL, d.topic);
	EXPECT_STREQ("door/7", d.topic);
	EXPECT_TRUE(inside(msg, d.topic));
	EXPECT_EQ(5000000000ULL, d.packets);
	EXPECT_EQ(1200, d.age_ms);
	nlmsg_free(msg);
}

TEST(device_inet6_defaults)
{
	struct iotgw_device_entry d;
	struct nlattr *nest;
	struct nl_msg *msg = device(AF_INET6, v6, 16, &nest);

	ASSERT_NE(NULL, msg);
	nla_nest_end(msg, nest);
	ASSERT_EQ(0, iotgw_parse_device(msg, &d));
	EXPECT_EQ(AF_INET6, d.family);
	EXPECT_EQ(0, memcmp(d.addr, v6, 16));
	EXPECT_EQ(IOTGW_PROTO_COAP, d.proto);
	EXPECT_EQ(NULL, d.topic);
	EXPECT_EQ(0, d.packets);
	EXPECT_EQ(0, d.age_ms);
	nlmsg_free(msg);
}

/* Refused, the other fields read: iotgwd tells which was wrong. */
TEST(device_inet_with_16_bytes_refused)
{
	struct iotgw_device_entry d;
	struct nlattr *nest;
	struct nl_msg *msg = device(AF_INET, v6, 16, &nest);

	ASSERT_NE(NULL, msg);
	nla_put_string(msg, IOTGW_DEVICE_A_TOPIC, "door/7");
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EAFNOSUPPORT, iotgw_parse_device(msg, &d));
	ASSERT_NE(NULL, d.topic);
	EXPECT_STREQ("door/7", d.topic);
	nlmsg_free(msg);
}

TEST(device_inet6_with_4_bytes_refused)
{
	struct iotgw_device_entry d;
	struct nlattr *nest;
	struct nl_msg *msg = device(AF_INET6, v4, 4, &nest);

	ASSERT_NE(NULL, msg);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EAFNOSUPPORT, iotgw_parse_device(msg, &d));
	nlmsg_free(msg);
}

TEST(device_other_family_refused)
{
	struct iotgw_device_entry d;
	struct nlattr *nest;
	struct nl_msg *msg;

	for (int len = 4; len <= 16; len += 12) {
		msg = device(AF_UNIX, v6, len, &nest);
		ASSERT_NE(NULL, msg);
		nla_nest_end(msg, nest);
		EXPECT_EQ(-EAFNOSUPPORT, iotgw_parse_device(msg, &d));
		nlmsg_free(msg);
	}
}

TEST(device_without_port_refused)
{
	struct iotgw_device_entry d;
	struct nlattr *nest;
	struct nl_msg *msg = reply(IOTGW_CMD_DEVICE_GET, IOTGW_A_DEVICE, &nest);

	ASSERT_NE(NULL, msg);
	nla_put_u8(msg, IOTGW_DEVICE_A_FAMILY, AF_INET);
	nla_put(msg, IOTGW_DEVICE_A_ADDR, 4, v4);
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_parse_device(msg, &d));
	nlmsg_free(msg);
}

TEST(device_unterminated_topic_refused)
{
	struct iotgw_device_entry d;
	struct nlattr *nest;
	struct nl_msg *msg = device(AF_INET, v4, 4, &nest);

	ASSERT_NE(NULL, msg);
	nla_put(msg, IOTGW_DEVICE_A_TOPIC, 6, "door/7");
	nla_nest_end(msg, nest);
	EXPECT_EQ(-EINVAL, iotgw_parse_device(msg, &d));
	nlmsg_free(msg);
}

TEST_HARNESS_MAIN
