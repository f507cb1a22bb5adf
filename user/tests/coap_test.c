// SPDX-License-Identifier: GPL-2.0
/*
 * The CoAP parser and builders (kmod/proto/coap.c): RFC 7252 exchanges,
 * Block (RFC 7959) and Observe (RFC 7641), the extended option forms at
 * their boundaries, malformed messages with their exact error codes,
 * elective options ignored where RFC 7252 5.4 treats them as unrecognized,
 * truncation at every byte, and build -> parse round trips.
 *
 * Messages are written here by hand or with a small encoder of the
 * test's own (struct tmsg), which also records where each piece of the
 * message starts and ends so truncations can be predicted exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto/coap.h"
#include "proto/topic.h"
#include "kselftest_harness.h"

#define TOPIC_CAP 2048
#define CANARY 0x5a

/* A message being written, and where its pieces are. */
struct tmsg {
	u8 b[4096];
	size_t len;
	size_t tok_end;		/* end of the token */
	u16 last;		/* last option number written */
	int nopts;
	struct {
		size_t start, hdr_end, end;	/* option bytes [start, end) */
		u16 num;
		size_t topic_len;	/* expected topic once it is parsed */
		u32 paths;		/* Uri-Path options up to this one */
	} o[64];
	size_t marker;		/* offset of the payload marker, if any */
	bool has_marker;
	size_t topic_len;
	u32 paths;
};

static void t_hdr(struct tmsg *m, unsigned int type, u8 code, u16 mid,
		  const void *tok, size_t tkl)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = 0x40 | type << 4 | tkl;
	m->b[1] = code;
	m->b[2] = mid >> 8;
	m->b[3] = mid & 0xff;
	memcpy(m->b + 4, tok, tkl);
	m->len = 4 + tkl;
	m->tok_end = m->len;
}

/* The nibble and the extension bytes for a delta or a length. */
static u8 t_nibble(u32 v)
{
	return v < 13 ? v : v < 269 ? 13 : 14;
}

static void t_ext(struct tmsg *m, u32 v)
{
	if (v >= 269) {
		m->b[m->len++] = (v - 269) >> 8;
		m->b[m->len++] = (v - 269) & 0xff;
	} else if (v >= 13) {
		m->b[m->len++] = v - 13;
	}
}

/* An option with a raw delta (which may overflow the option number). */
static void t_opt_delta(struct tmsg *m, u32 delta, const void *val, u32 len)
{
	int i = m->nopts++;
	u32 num = m->last + delta;

	m->o[i].start = m->len;
	m->b[m->len++] = t_nibble(delta) << 4 | t_nibble(len);
	t_ext(m, delta);
	t_ext(m, len);
	m->o[i].hdr_end = m->len;
	if (len)
		memcpy(m->b + m->len, val, len);
	m->len += len;
	m->o[i].end = m->len;
	m->o[i].num = num;
	m->last = num;
	if (num == COAP_OPT_URI_PATH) {
		m->topic_len += (m->paths ? 1 : 0) + len;
		m->paths++;
	}
	m->o[i].topic_len = m->topic_len;
	m->o[i].paths = m->paths;
}

static void t_opt(struct tmsg *m, u16 num, const void *val, u32 len)
{
	t_opt_delta(m, num - m->last, val, len);
}

static void t_str(struct tmsg *m, u16 num, const char *s)
{
	t_opt(m, num, s, strlen(s));
}

static void t_payload(struct tmsg *m, const void *p, size_t n)
{
	m->marker = m->len;
	m->has_marker = true;
	m->b[m->len++] = 0xff;
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static char topic_buf[TOPIC_CAP + 16];

static enum coap_err parse_cap(const void *b, size_t len, struct coap_msg *msg,
			       size_t cap)
{
	memset(topic_buf, CANARY, sizeof(topic_buf));
	return coap_parse(b, len, msg, topic_buf, cap);
}

static enum coap_err parse(const void *b, size_t len, struct coap_msg *msg)
{
	return parse_cap(b, len, msg, TOPIC_CAP);
}

static enum coap_err tparse(const struct tmsg *m, struct coap_msg *msg)
{
	return parse(m->b, m->len, msg);
}

#define BYTES(s) (s), (sizeof(s) - 1)

static bool topic_is(const struct coap_msg *msg, const char *s)
{
	return msg->topic_len == strlen(s) &&
	       !memcmp(msg->topic, s, msg->topic_len) &&
	       (u8)msg->topic[msg->topic_len] == CANARY;
}

/* RFC 7252 Appendix A.1: CON GET /temperature, piggybacked 2.05. */
TEST(rfc7252_a1_piggybacked)
{
	static const char req[] = "\x40\x01\x7d\x34\xbb" "temperature";
	static const char ack[] = "\x60\x45\x7d\x34\xff" "22.5 C";
	struct coap_msg msg;

	ASSERT_EQ(COAP_OK, parse(BYTES(req), &msg));
	EXPECT_EQ(COAP_TYPE_CON, msg.type);
	EXPECT_EQ(COAP_CODE_GET, msg.code);
	EXPECT_EQ(0x7d34, msg.mid);
	EXPECT_EQ(0, msg.tkl);
	EXPECT_EQ(1U, msg.path_count);
	EXPECT_TRUE(topic_is(&msg, "temperature"));
	EXPECT_FALSE(msg.topic_empty);
	EXPECT_EQ(NULL, msg.payload);
	EXPECT_EQ(0U, msg.payload_len);
	EXPECT_TRUE(coap_has_option(&msg, COAP_OPT_URI_PATH));
	EXPECT_FALSE(coap_has_option(&msg, COAP_OPT_URI_QUERY));

	ASSERT_EQ(COAP_OK, parse(BYTES(ack), &msg));
	EXPECT_EQ(COAP_TYPE_ACK, msg.type);
	EXPECT_EQ(COAP_CODE_CONTENT, msg.code);
	EXPECT_EQ(0x7d34, msg.mid);
	EXPECT_TRUE(msg.topic_empty);
	EXPECT_EQ(0U, msg.path_count);
	EXPECT_EQ(6U, msg.payload_len);
	EXPECT_EQ(5U, msg.payload_off);
	EXPECT_EQ(0, memcmp(msg.payload, "22.5 C", 6));
}

/* RFC 7252 Appendix A.2 and A.3: tokens, and a separate response. */
TEST(rfc7252_a2_a3_token_and_separate)
{
	static const char req[] = "\x41\x01\x7d\x35\x20\xbb" "temperature";
	static const char ack[] = "\x61\x45\x7d\x35\x20\xff" "22.3 C";
	static const char req2[] =
		"\x42\x01\x7d\x36\x71\x72\xbb" "temperature";
	static const char empty_ack[] = "\x60\x00\x7d\x36";
	static const char sep[] = "\x42\x45\xad\x37\x71\x72\xff" "22.5 C";
	static const char sep_ack[] = "\x60\x00\xad\x37";
	struct coap_msg msg;

	ASSERT_EQ(COAP_OK, parse(BYTES(req), &msg));
	EXPECT_EQ(1, msg.tkl);
	EXPECT_EQ(0x20, msg.token[0]);
	EXPECT_TRUE(topic_is(&msg, "temperature"));
	ASSERT_EQ(COAP_OK, parse(BYTES(ack), &msg));
	EXPECT_EQ(1, msg.tkl);
	EXPECT_EQ(0x20, msg.token[0]);
	EXPECT_EQ(6U, msg.payload_off);

	ASSERT_EQ(COAP_OK, parse(BYTES(req2), &msg));
	EXPECT_EQ(2, msg.tkl);
	EXPECT_EQ(0, memcmp(msg.token, "\x71\x72", 2));
	ASSERT_EQ(COAP_OK, parse(BYTES(empty_ack), &msg));
	EXPECT_EQ(COAP_TYPE_ACK, msg.type);
	EXPECT_EQ(COAP_CODE_EMPTY, msg.code);
	EXPECT_EQ(0x7d36, msg.mid);
	EXPECT_EQ(0, msg.tkl);
	ASSERT_EQ(COAP_OK, parse(BYTES(sep), &msg));
	EXPECT_EQ(COAP_TYPE_CON, msg.type);
	EXPECT_EQ(COAP_CODE_CONTENT, msg.code);
	EXPECT_EQ(0xad37, msg.mid);
	EXPECT_EQ(0, memcmp(msg.token, "\x71\x72", 2));
	EXPECT_EQ(6U, msg.payload_len);
	ASSERT_EQ(COAP_OK, parse(BYTES(sep_ack), &msg));
	EXPECT_EQ(0xad37, msg.mid);
}

/* RFC 7252 A.4 and 2.2: NON request and response; ping and its RST. */
TEST(rfc7252_non_and_ping)
{
	static const char non[] = "\x51\x01\x7d\x38\x30\xbb" "temperature";
	static const char non_resp[] = "\x51\x45\xa1\x1a\x30\xff" "22.5 C";
	static const char ping[] = "\x40\x00\x12\x34";
	static const char rst[] = "\x70\x00\x12\x34";
	struct coap_msg msg;

	ASSERT_EQ(COAP_OK, parse(BYTES(non), &msg));
	EXPECT_EQ(COAP_TYPE_NON, msg.type);
	ASSERT_EQ(COAP_OK, parse(BYTES(non_resp), &msg));
	EXPECT_EQ(COAP_TYPE_NON, msg.type);
	EXPECT_EQ(0xa11a, msg.mid);
	ASSERT_EQ(COAP_OK, parse(BYTES(ping), &msg));
	EXPECT_EQ(COAP_TYPE_CON, msg.type);
	EXPECT_EQ(COAP_CODE_EMPTY, msg.code);
	EXPECT_EQ(0U, msg.options_len);
	ASSERT_EQ(COAP_OK, parse(BYTES(rst), &msg));
	EXPECT_EQ(COAP_TYPE_RST, msg.type);
}

/* Every option the gateway reads, in one request. */
TEST(all_extracted_options)
{
	struct coap_msg msg;
	struct tmsg m;

	t_hdr(&m, COAP_TYPE_CON, COAP_CODE_PUT, 0xbeef, "\x01\x02\x03\x04", 4);
	t_str(&m, COAP_OPT_URI_HOST, "gw.local");
	t_opt(&m, COAP_OPT_OBSERVE, "\x01\x02\x03", 3);
	t_opt(&m, COAP_OPT_URI_PORT, "\x16\x33", 2);
	t_str(&m, COAP_OPT_URI_PATH, "sensors");
	t_str(&m, COAP_OPT_URI_PATH, "caf\xc3\xa9");
	t_str(&m, COAP_OPT_URI_PATH, "t");
	t_opt(&m, COAP_OPT_CONTENT_FORMAT, "\x32", 1);
	t_opt(&m, COAP_OPT_MAX_AGE, "\x00\x00\x01\x00", 4);
	t_str(&m, COAP_OPT_URI_QUERY, "unit=C");
	t_str(&m, COAP_OPT_URI_QUERY, "rt=x");
	t_opt(&m, COAP_OPT_ACCEPT, "\x01\x00", 2);
	t_opt(&m, COAP_OPT_BLOCK2, "\x12\xc2", 2);
	t_opt(&m, COAP_OPT_BLOCK1, "\xff\xff\xfe", 3);
	t_opt(&m, COAP_OPT_SIZE2, "\x01\x00\x00\x00", 4);
	t_opt(&m, COAP_OPT_SIZE1, "\x04\x00", 2);
	t_payload(&m, "{\"t\":21}", 8);

	ASSERT_EQ(COAP_OK, tparse(&m, &msg));
	EXPECT_EQ(COAP_CODE_PUT, msg.code);
	EXPECT_EQ(0xbeef, msg.mid);
	EXPECT_EQ(4, msg.tkl);
	EXPECT_EQ(m.b + 4, msg.token);
	EXPECT_TRUE(topic_is(&msg, "sensors/caf\xc3\xa9/t"));
	EXPECT_EQ(3U, msg.path_count);
	EXPECT_EQ(2U, msg.query_count);
	EXPECT_EQ(6, msg.query_len);
	EXPECT_EQ(0, memcmp(msg.query, "unit=C", 6));
	EXPECT_TRUE(msg.has_observe);
	EXPECT_EQ(0x010203U, msg.observe);
	EXPECT_TRUE(msg.has_content_format);
	EXPECT_EQ(COAP_FORMAT_JSON, msg.content_format);
	EXPECT_TRUE(msg.has_max_age);
	EXPECT_EQ(256U, msg.max_age);
	EXPECT_TRUE(msg.has_accept);
	EXPECT_EQ(256, msg.accept);
	EXPECT_TRUE(msg.has_block2);
	EXPECT_EQ(0x12cU, msg.block2.num);
	EXPECT_FALSE(msg.block2.more);
	EXPECT_EQ(2, msg.block2.szx);
	EXPECT_TRUE(msg.has_block1);
	EXPECT_EQ(0xfffffU, msg.block1.num);
	EXPECT_TRUE(msg.block1.more);
	EXPECT_EQ(6, msg.block1.szx);
	EXPECT_TRUE(msg.has_size2);
	EXPECT_EQ(0x01000000U, msg.size2);
	EXPECT_TRUE(msg.has_size1);
	EXPECT_EQ(1024U, msg.size1);
	EXPECT_TRUE(coap_has_option(&msg, COAP_OPT_URI_HOST));
	EXPECT_TRUE(coap_has_option(&msg, COAP_OPT_URI_PORT));
	EXPECT_FALSE(coap_has_option(&msg, COAP_OPT_PROXY_URI));
	EXPECT_FALSE(coap_has_option(&msg, 2));
	EXPECT_EQ(0U, msg.ignored_options);
	EXPECT_EQ(m.marker + 1, msg.payload_off);
	EXPECT_EQ(8U, msg.payload_len);
	EXPECT_EQ(m.b + m.marker + 1, msg.payload);
	EXPECT_EQ(m.marker - m.tok_end, msg.options_len);
}

TEST(absent_options_read_zero)
{
	static const char req[] = "\x50\x02\x00\x01";
	struct coap_msg msg;

	ASSERT_EQ(COAP_OK, parse(BYTES(req), &msg));
	EXPECT_EQ(COAP_TYPE_NON, msg.type);
	EXPECT_EQ(COAP_CODE_POST, msg.code);
	EXPECT_TRUE(msg.topic_empty);
	EXPECT_EQ(0U, msg.topic_len);
	EXPECT_EQ(0U, msg.path_count);
	EXPECT_EQ(0U, msg.query_count);
	EXPECT_EQ(NULL, msg.query);
	EXPECT_FALSE(msg.has_content_format || msg.has_accept ||
		     msg.has_observe || msg.has_max_age || msg.has_block1 ||
		     msg.has_block2 || msg.has_size1 || msg.has_size2);
	EXPECT_EQ(0U, msg.max_age);
	EXPECT_EQ(0U, msg.opts_seen);
	EXPECT_EQ(0U, msg.ignored_options);
	EXPECT_EQ(0U, msg.options_len);
	EXPECT_EQ((u8)CANARY, (u8)topic_buf[0]);
}

/* RFC 7641: register, a notification, deregister. */
TEST(observe)
{
	static const char reg[] = "\x42\x01\x00\x10\x4a\x4b\x60\x5b"
				  "temperature";
	static const char notif[] = "\x52\x45\x00\x11\x4a\x4b\x61\x0c\x61\x00"
				    "\x21\x3c\xff" "22";
	static const char dereg[] = "\x42\x01\x00\x12\x4a\x4b\x61\x01\x5b"
				    "temperature";
	static const char big[] = "\x40\x01\x00\x13\x63\xff\xff\xff";
	struct coap_msg msg;

	ASSERT_EQ(COAP_OK, parse(BYTES(reg), &msg));
	EXPECT_TRUE(msg.has_observe);
	EXPECT_EQ(0U, msg.observe);
	EXPECT_TRUE(topic_is(&msg, "temperature"));

	ASSERT_EQ(COAP_OK, parse(BYTES(notif), &msg));
	EXPECT_TRUE(msg.has_observe);
	EXPECT_EQ(12U, msg.observe);
	EXPECT_TRUE(msg.has_content_format);
	EXPECT_EQ(COAP_FORMAT_TEXT, msg.content_format);
	EXPECT_TRUE(msg.has_max_age);
	EXPECT_EQ(60U, msg.max_age);
	EXPECT_EQ(2U, msg.payload_len);

	ASSERT_EQ(COAP_OK, parse(BYTES(dereg), &msg));
	EXPECT_EQ(1U, msg.observe);
	ASSERT_EQ(COAP_OK, parse(BYTES(big), &msg));
	EXPECT_EQ(0xffffffU, msg.observe);
}

/* RFC 7959: Block2 and Block1 at each value length, SZX 0 to 6. */
TEST(block)
{
	static const struct {
		const char *val;
		u32 len, num;
		bool more;
		u8 szx;
	} v[] = {
		{ "", 0, 0, false, 0 },
		{ "\x06", 1, 0, false, 6 },
		{ "\x0a", 1, 0, true, 2 },
		{ "\xf8", 1, 15, true, 0 },
		{ "\x01\x05", 2, 16, false, 5 },
		{ "\xff\xfe", 2, 4095, true, 6 },
		{ "\x01\x00\x03", 3, 4096, false, 3 },
		{ "\xff\xff\xf4", 3, 0xfffff, false, 4 },
	};
	struct coap_msg msg;
	struct tmsg m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		t_hdr(&m, COAP_TYPE_CON, COAP_CODE_GET, 1, "", 0);
		t_opt(&m, COAP_OPT_BLOCK2, v[i].val, v[i].len);
		ASSERT_EQ(COAP_OK, tparse(&m, &msg));
		EXPECT_TRUE(msg.has_block2);
		EXPECT_FALSE(msg.has_block1);
		EXPECT_EQ(v[i].num, msg.block2.num);
		EXPECT_EQ(v[i].more, msg.block2.more);
		EXPECT_EQ(v[i].szx, msg.block2.szx);

		t_hdr(&m, COAP_TYPE_CON, COAP_CODE_PUT, 1, "", 0);
		t_opt(&m, COAP_OPT_BLOCK1, v[i].val, v[i].len);
		t_payload(&m, "x", 1);
		ASSERT_EQ(COAP_OK, tparse(&m, &msg));
		EXPECT_TRUE(msg.has_block1);
		EXPECT_FALSE(msg.has_block2);
		EXPECT_EQ(v[i].num, msg.block1.num);
		EXPECT_EQ(v[i].more, msg.block1.more);
		EXPECT_EQ(v[i].szx, msg.block1.szx);
	}

	/* a Block1 transfer answered with 2.31 Continue and Block1 echoed */
	t_hdr(&m, COAP_TYPE_ACK, COAP_CODE_CONTINUE, 7, "\x09", 1);
	t_opt(&m, COAP_OPT_BLOCK1, "\x2e", 1);
	ASSERT_EQ(COAP_OK, tparse(&m, &msg));
	EXPECT_EQ(2U, msg.block1.num);
	EXPECT_TRUE(msg.block1.more);
	EXPECT_EQ(6, msg.block1.szx);
}

/* Option deltas at the boundaries of the 4-bit, 13 and 14 forms. */
TEST(extended_deltas)
{
	static const struct {
		u16 first;	/* an option before, or 0 */
		u32 delta;
		enum coap_err err;
	} v[] = {
		{ 0, 12, COAP_OK },		/* Content-Format, nibble */
		{ 1, 13, COAP_OK },		/* Max-Age, 13 + 0 */
		{ 0, 13, COAP_ERR_OPT_CRITICAL },
		{ 0, 14, COAP_OK },		/* Max-Age, 13 + 1 */
		{ 0, 268, COAP_OK },		/* 13 + 255 */
		{ 1, 269, COAP_OK },		/* 269 + 0 */
		{ 0, 269, COAP_ERR_OPT_CRITICAL },
		{ 0, 270, COAP_OK },		/* 269 + 1 */
		{ 0, 65534, COAP_OK },
		{ 0, 65535, COAP_ERR_OPT_CRITICAL },
		{ 1, 65534, COAP_ERR_OPT_CRITICAL },	/* 65535 */
		{ 2, 65534, COAP_ERR_OPT_NUM_OVERFLOW },
		{ 1, 65535, COAP_ERR_OPT_NUM_OVERFLOW },
		{ 0, 65536, COAP_ERR_OPT_NUM_OVERFLOW },
		{ 0, 65804, COAP_ERR_OPT_NUM_OVERFLOW },	/* largest */
	};
	struct coap_opt_iter it;
	struct coap_option opt;
	struct coap_msg msg;
	struct tmsg m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		u32 num = v[i].first + v[i].delta;

		t_hdr(&m, COAP_TYPE_CON, COAP_CODE_GET, 1, "", 0);
		if (v[i].first)
			t_opt(&m, v[i].first, "", 0);
		t_opt_delta(&m, v[i].delta, "", 0);
		EXPECT_EQ(v[i].err, tparse(&m, &msg))
			TH_LOG("delta %u after %u", v[i].delta, v[i].first);
		if (v[i].err == COAP_ERR_OPT_CRITICAL) {
			EXPECT_EQ(num, msg.bad_option);
		}
		if (v[i].err != COAP_OK)
			continue;
		coap_opt_iter_init(&it, &msg);
		if (v[i].first) {
			ASSERT_TRUE(coap_opt_next(&it, &opt));
			EXPECT_EQ(v[i].first, opt.num);
		}
		ASSERT_TRUE(coap_opt_next(&it, &opt));
		EXPECT_EQ(num, opt.num);
		EXPECT_EQ(0U, opt.len);
		EXPECT_FALSE(coap_opt_next(&it, &opt));
	}
}

/* Option lengths at the boundaries of the 4-bit, 13 and 14 forms. */
TEST(extended_lengths)
{
	static const u32 lens[] = { 0, 1, 12, 13, 14, 255, 267, 268, 269,
				    270, 1034, 1035, 2000 };
	static u8 val[2048];
	struct coap_opt_iter it;
	struct coap_option opt;
	struct coap_msg msg;
	struct tmsg m;
	size_t i;

	memset(val, 'v', sizeof(val));
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		/* unknown elective option 2: any length */
		t_hdr(&m, COAP_TYPE_NON, COAP_CODE_POST, 1, "", 0);
		t_opt(&m, 2, val, lens[i]);
		t_payload(&m, "p", 1);
		ASSERT_EQ(COAP_OK, tparse(&m, &msg));
		coap_opt_iter_init(&it, &msg);
		ASSERT_TRUE(coap_opt_next(&it, &opt));
		EXPECT_EQ(2, opt.num);
		EXPECT_EQ(lens[i], opt.len);
		EXPECT_EQ(m.b + m.o[0].hdr_end, opt.val);
		EXPECT_FALSE(coap_opt_next(&it, &opt));
		EXPECT_EQ(1U, msg.payload_len);

		/* Uri-Path: up to 255 */
		t_hdr(&m, COAP_TYPE_NON, COAP_CODE_POST, 1, "", 0);
		t_opt(&m, COAP_OPT_URI_PATH, val, lens[i]);
		if (lens[i] <= 255) {
			ASSERT_EQ(COAP_OK, tparse(&m, &msg));
			EXPECT_EQ(lens[i], msg.topic_len);
		} else {
			EXPECT_EQ(COAP_ERR_OPT_BAD_LEN, tparse(&m, &msg));
			EXPECT_EQ(COAP_OPT_URI_PATH, msg.bad_option);
		}

		/* Proxy-Uri: 1 to 1034 */
		t_hdr(&m, COAP_TYPE_NON, COAP_CODE_POST, 1, "", 0);
		t_opt(&m, COAP_OPT_PROXY_URI, val, lens[i]);
		EXPECT_EQ(lens[i] >= 1 && lens[i] <= 1034 ? COAP_OK :
			  COAP_ERR_OPT_BAD_LEN, tparse(&m, &msg));
	}
}

/* The 14 form's largest lengths, past 65535, in a big buffer. */
TEST(huge_option_lengths)
{
	static const u32 lens[] = { 65535, 65536, 65804 };
	static u8 b[70000];
	struct coap_opt_iter it;
	struct coap_option opt;
	struct coap_msg msg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		u32 x = lens[i] - 269;

		memset(b, 'h', sizeof(b));
		memcpy(b, "\x50\x02\x00\x01\x2e", 5);	/* option 2, len 14 form */
		b[5] = x >> 8;
		b[6] = x & 0xff;
		ASSERT_EQ(COAP_OK, coap_parse(b, 7 + lens[i], &msg, NULL, 0));
		EXPECT_EQ(NULL, msg.payload);
		coap_opt_iter_init(&it, &msg);
		ASSERT_TRUE(coap_opt_next(&it, &opt));
		EXPECT_EQ(lens[i], opt.len);
		EXPECT_FALSE(coap_opt_next(&it, &opt));
		EXPECT_EQ(COAP_ERR_TRUNC_OPT_VALUE,
			  coap_parse(b, 6 + lens[i], &msg, NULL, 0));
		b[7 + lens[i]] = 0xff;
		ASSERT_EQ(COAP_OK, coap_parse(b, 9 + lens[i], &msg, NULL, 0));
		EXPECT_EQ(1U, msg.payload_len);
		EXPECT_EQ(8 + lens[i], msg.payload_off);
	}
}

/* RFC 7252 Table 4, with RFC 7641 and RFC 7959: written independently. */
static const struct {
	u16 num;
	u16 min, max;
	bool repeatable;
} known[] = {
	{ 1, 0, 8, true },	/* If-Match */
	{ 3, 1, 255, false },	/* Uri-Host */
	{ 4, 1, 8, true },	/* ETag */
	{ 5, 0, 0, false },	/* If-None-Match */
	{ 6, 0, 3, false },	/* Observe */
	{ 7, 0, 2, false },	/* Uri-Port */
	{ 8, 0, 255, true },	/* Location-Path */
	{ 11, 0, 255, true },	/* Uri-Path */
	{ 12, 0, 2, false },	/* Content-Format */
	{ 14, 0, 4, false },	/* Max-Age */
	{ 15, 0, 255, true },	/* Uri-Query */
	{ 17, 0, 2, false },	/* Accept */
	{ 20, 0, 255, true },	/* Location-Query */
	{ 23, 0, 3, false },	/* Block2 */
	{ 27, 0, 3, false },	/* Block1 */
	{ 28, 0, 4, false },	/* Size2 */
	{ 35, 1, 1034, false },	/* Proxy-Uri */
	{ 39, 1, 255, false },	/* Proxy-Scheme */
	{ 60, 0, 4, false },	/* Size1 */
};

static u8 fill[2048];

/* One request with @times options @num of @len bytes; @msg points into it. */
static enum coap_err one_option(u16 num, u32 len, int times,
				struct coap_msg *msg)
{
	static struct tmsg m;
	int i;

	memset(fill, 'a', sizeof(fill));
	t_hdr(&m, COAP_TYPE_CON, COAP_CODE_GET, 0x4242, "\xaa", 1);
	for (i = 0; i < times; i++)
		t_opt(&m, num, fill, len);
	return tparse(&m, msg);
}

/*
 * The value coap_parse() extracted for option @num into @msg, if it
 * extracts one: *@has and *@v; false for options it only marks as seen.
 */
static bool extracted(const struct coap_msg *msg, u16 num, bool *has, u32 *v)
{
	switch (num) {
	case COAP_OPT_OBSERVE:
		*has = msg->has_observe;
		*v = msg->observe;
		return true;
	case COAP_OPT_CONTENT_FORMAT:
		*has = msg->has_content_format;
		*v = msg->content_format;
		return true;
	case COAP_OPT_MAX_AGE:
		*has = msg->has_max_age;
		*v = msg->max_age;
		return true;
	case COAP_OPT_ACCEPT:
		*has = msg->has_accept;
		*v = msg->accept;
		return true;
	case COAP_OPT_SIZE1:
		*has = msg->has_size1;
		*v = msg->size1;
		return true;
	case COAP_OPT_SIZE2:
		*has = msg->has_size2;
		*v = msg->size2;
		return true;
	default:
		return false;
	}
}

/* An elective occurrence ignored as unrecognized left @num absent. */
static bool absent(const struct coap_msg *msg, u16 num)
{
	bool has = false;
	u32 v = 0;

	if (coap_has_option(msg, num))
		return false;
	return !extracted(msg, num, &has, &v) || (!has && !v);
}

/*
 * A known option with a length out of range is unrecognized (RFC 7252
 * 5.4.3): 4.02 if it is critical, silently ignored if it is elective.
 */
TEST(known_option_lengths)
{
	struct coap_msg msg;
	size_t i, j;
	int errors = 0, ignored = 0;

	for (i = 0; i < ARRAY_SIZE(known); i++) {
		u16 num = known[i].num;
		bool critical = num & 1;
		u32 bad[3];
		size_t nbad = 0;

		EXPECT_EQ(COAP_OK, one_option(num, known[i].min, 1, &msg))
			TH_LOG("option %u min", num);
		EXPECT_TRUE(coap_has_option(&msg, num));
		EXPECT_EQ(0U, msg.ignored_options);
		EXPECT_EQ(COAP_OK, one_option(num, known[i].max, 1, &msg))
			TH_LOG("option %u max", num);
		EXPECT_TRUE(coap_has_option(&msg, num));

		bad[nbad++] = known[i].max + 1;
		if (known[i].max < 269)
			bad[nbad++] = 269;
		if (known[i].min)
			bad[nbad++] = known[i].min - 1;
		for (j = 0; j < nbad; j++) {
			enum coap_err err = one_option(num, bad[j], 1, &msg);

			if (critical) {
				EXPECT_EQ(COAP_ERR_OPT_BAD_LEN, err)
					TH_LOG("option %u length %u", num,
					       bad[j]);
				EXPECT_EQ(num, msg.bad_option);
				EXPECT_EQ(0x4242, msg.mid);
				EXPECT_EQ(1, msg.tkl);
				EXPECT_EQ(0xaa, msg.token[0]);
				errors++;
				continue;
			}
			EXPECT_EQ(COAP_OK, err)
				TH_LOG("option %u length %u", num, bad[j]);
			EXPECT_EQ(0, msg.bad_option);
			EXPECT_EQ(1U, msg.ignored_options);
			EXPECT_TRUE(absent(&msg, num))
				TH_LOG("option %u length %u", num, bad[j]);
			ignored++;
		}
	}
	EXPECT_EQ(COAP_CODE_BAD_OPTION, coap_err_response(COAP_ERR_OPT_BAD_LEN));
	TH_LOG("%d bad lengths rejected (critical), %d ignored (elective)",
	       errors, ignored);
	EXPECT_GT(errors, 0);
	EXPECT_GT(ignored, 0);
}

/* Two options @num, the values written in @a and @b; @msg points into it. */
static enum coap_err two_options(u16 num, const void *a, u32 alen,
				 const void *b, u32 blen, struct coap_msg *msg)
{
	static struct tmsg m;

	t_hdr(&m, COAP_TYPE_CON, COAP_CODE_GET, 0x4242, "\xaa", 1);
	t_opt(&m, num, a, alen);
	t_opt(&m, num, b, blen);
	return tparse(&m, msg);
}

/*
 * An elective occurrence with a bad length does not displace a valid one
 * before it, and does not count as the first occurrence of one after it.
 */
TEST(elective_bad_length_keeps_valid)
{
	struct coap_msg msg;
	size_t i;
	bool has;
	u32 v;

	memset(fill, 'a', sizeof(fill));
	for (i = 0; i < ARRAY_SIZE(known); i++) {
		u16 num = known[i].num;
		u32 blen = known[i].max + 1;

		/* every elective known option allows 1 byte */
		if (num & 1)
			continue;
		/* valid, then too long */
		ASSERT_EQ(COAP_OK, two_options(num, "\x12", 1, fill, blen,
					       &msg)) TH_LOG("option %u", num);
		EXPECT_EQ(1U, msg.ignored_options);
		EXPECT_TRUE(coap_has_option(&msg, num));
		if (extracted(&msg, num, &has, &v)) {
			EXPECT_TRUE(has);
			EXPECT_EQ(0x12U, v) TH_LOG("option %u", num);
		}
		/* too long, then valid: the valid one is the first */
		ASSERT_EQ(COAP_OK, two_options(num, fill, blen, "\x12", 1,
					       &msg)) TH_LOG("option %u", num);
		EXPECT_EQ(1U, msg.ignored_options);
		EXPECT_TRUE(coap_has_option(&msg, num));
		if (extracted(&msg, num, &has, &v)) {
			EXPECT_TRUE(has);
			EXPECT_EQ(0x12U, v) TH_LOG("option %u", num);
		}
	}
	/* ETag: 1 to 8 bytes, repeatable; an empty one between is ignored */
	ASSERT_EQ(COAP_OK, two_options(COAP_OPT_ETAG, "", 0, "e", 1, &msg));
	EXPECT_EQ(1U, msg.ignored_options);
	EXPECT_TRUE(coap_has_option(&msg, COAP_OPT_ETAG));
	ASSERT_EQ(COAP_OK, two_options(COAP_OPT_ETAG, "", 0, fill, 9, &msg));
	EXPECT_EQ(2U, msg.ignored_options);
	EXPECT_FALSE(coap_has_option(&msg, COAP_OPT_ETAG));
}

/*
 * A supernumerary occurrence of a non-repeatable option is unrecognized
 * (RFC 7252 5.4.5): 4.02 if it is critical, silently ignored if it is
 * elective, the first occurrence staying in effect.
 */
TEST(repeated_options)
{
	struct coap_msg msg;
	struct tmsg m;
	size_t i;
	bool has;
	u32 v;

	for (i = 0; i < ARRAY_SIZE(known); i++) {
		u16 num = known[i].num;
		u32 len = known[i].min ? known[i].min : 1;

		if (known[i].max == 0)
			len = 0;
		if (known[i].repeatable) {
			EXPECT_EQ(COAP_OK, one_option(num, len, 3, &msg))
				TH_LOG("option %u", num);
			EXPECT_EQ(0U, msg.ignored_options);
			continue;
		}
		if (num & 1) {
			EXPECT_EQ(COAP_ERR_OPT_REPEATED,
				  one_option(num, len, 2, &msg))
				TH_LOG("option %u", num);
			EXPECT_EQ(num, msg.bad_option);
			EXPECT_EQ(0x4242, msg.mid);
			EXPECT_EQ(0xaa, msg.token[0]);
			continue;
		}
		EXPECT_EQ(COAP_OK, one_option(num, len, 3, &msg))
			TH_LOG("option %u", num);
		EXPECT_EQ(0, msg.bad_option);
		EXPECT_EQ(2U, msg.ignored_options);
		EXPECT_TRUE(coap_has_option(&msg, num));

		/* the first value stays, the later ones are not read */
		t_hdr(&m, COAP_TYPE_NON, COAP_CODE_CONTENT, 1, "", 0);
		t_opt(&m, num, "\x01", 1);
		t_opt(&m, num, "\x02", 1);
		t_opt(&m, num, "\x03\x04", 2);
		t_payload(&m, "x", 1);
		ASSERT_EQ(COAP_OK, tparse(&m, &msg)) TH_LOG("option %u", num);
		EXPECT_EQ(2U, msg.ignored_options);
		ASSERT_TRUE(extracted(&msg, num, &has, &v));
		EXPECT_TRUE(has);
		EXPECT_EQ(1U, v) TH_LOG("option %u", num);
		EXPECT_EQ(1U, msg.payload_len);
	}
	/* repeated Uri-Query and Uri-Path are fine */
	EXPECT_EQ(COAP_OK, one_option(COAP_OPT_URI_QUERY, 3, 5, &msg));
	EXPECT_EQ(5U, msg.query_count);
	EXPECT_EQ(COAP_OK, one_option(COAP_OPT_URI_PATH, 1, 4, &msg));
	EXPECT_TRUE(topic_is(&msg, "a/a/a/a"));
	EXPECT_EQ(0U, msg.ignored_options);
}

/*
 * Ignored elective occurrences, written out: the message parses, the
 * option fields are those of the first valid occurrences, and the
 * iterator still returns every option as it is in the message.
 */
TEST(elective_ignored_messages)
{
	/* Content-Format 0, then 50 */
	static const char cf[] = "\x40\x01\x12\x34\xc1\x00\x01\x32";
	/* Observe, Observe, Uri-Path "a", Max-Age 5 bytes, Size1 5 bytes */
	static const char mix[] = "\x50\x02\x00\x07" "\x61\x61"
				  "\x03\x01\x02\x03" "\x51" "a"
				  "\x35\x01\x02\x03\x04\x05"
				  "\xd5\x21\x01\x02\x03\x04\x05" "\xff" "p";
	/* ETag of 9 bytes, Location-Path of 256, Location-Query twice */
	static u8 loc[4 + 10 + 259 + 24 + 8];
	struct coap_opt_iter it;
	struct coap_option opt;
	struct coap_msg msg;
	size_t n = 0;

	ASSERT_EQ(COAP_OK, parse(BYTES(cf), &msg));
	EXPECT_TRUE(msg.has_content_format);
	EXPECT_EQ(COAP_FORMAT_TEXT, msg.content_format);
	EXPECT_EQ(1U, msg.ignored_options);
	EXPECT_EQ(0, msg.bad_option);
	coap_opt_iter_init(&it, &msg);
	ASSERT_TRUE(coap_opt_next(&it, &opt));
	EXPECT_EQ(COAP_OPT_CONTENT_FORMAT, opt.num);
	EXPECT_EQ(0x00, opt.val[0]);
	ASSERT_TRUE(coap_opt_next(&it, &opt));
	EXPECT_EQ(COAP_OPT_CONTENT_FORMAT, opt.num);
	EXPECT_EQ(0x32, opt.val[0]);
	EXPECT_FALSE(coap_opt_next(&it, &opt));

	ASSERT_EQ(COAP_OK, parse(BYTES(mix), &msg));
	EXPECT_EQ(COAP_TYPE_NON, msg.type);
	EXPECT_TRUE(msg.has_observe);
	EXPECT_EQ(0x61U, msg.observe);
	EXPECT_TRUE(topic_is(&msg, "a"));
	EXPECT_FALSE(msg.has_max_age);
	EXPECT_EQ(0U, msg.max_age);
	EXPECT_FALSE(msg.has_size1);
	EXPECT_FALSE(coap_has_option(&msg, COAP_OPT_SIZE1));
	EXPECT_EQ(3U, msg.ignored_options);
	EXPECT_EQ(1U, msg.payload_len);
	coap_opt_iter_init(&it, &msg);
	while (coap_opt_next(&it, &opt))
		n++;
	EXPECT_EQ(5U, n);

	memset(loc, 'l', sizeof(loc));
	memcpy(loc, "\x40\x02\x00\x08" "\x49", 5);		/* ETag 9 */
	memcpy(loc + 14, "\x4d\xf3", 2);			/* 8, 256 */
	memcpy(loc + 14 + 258, "\xcd\x0a", 2);			/* 20, 23 */
	memcpy(loc + 14 + 258 + 25, "\x07", 1);			/* 20, 7 */
	ASSERT_EQ(COAP_OK, parse(loc, sizeof(loc), &msg));
	EXPECT_EQ(2U, msg.ignored_options);
	EXPECT_FALSE(coap_has_option(&msg, COAP_OPT_ETAG));
	EXPECT_FALSE(coap_has_option(&msg, COAP_OPT_LOCATION_PATH));
	EXPECT_TRUE(coap_has_option(&msg, COAP_OPT_LOCATION_QUERY));
	EXPECT_EQ(NULL, msg.payload);

	/* ignored occurrences give no error for a later one to outrank */
	ASSERT_EQ(COAP_ERR_OPT_CRITICAL,
		  parse(BYTES("\x40\x01\x12\x34\xc1\x00\x01\x32\x10"), &msg));
	EXPECT_EQ(13, msg.bad_option);
	ASSERT_EQ(COAP_ERR_PATH_WILDCARD,
		  parse(BYTES("\x40\x01\x12\x34\xb1" "#" "\x10\x00"), &msg));
}

TEST(unknown_options)
{
	static const u16 critical[] = { 9, 13, 19, 21, 25, 29, 31, 33, 37,
					41, 57, 59, 61, 259, 2049, 65535 };
	static const u16 elective[] = { 2, 10, 16, 18, 24, 40, 258, 292,
					2048, 65000, 65534 };
	struct coap_msg msg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(critical); i++) {
		EXPECT_EQ(COAP_ERR_OPT_CRITICAL,
			  one_option(critical[i], 2, 1, &msg))
			TH_LOG("option %u", critical[i]);
		EXPECT_EQ(critical[i], msg.bad_option);
		EXPECT_EQ(COAP_TYPE_CON, msg.type);
		EXPECT_EQ(COAP_CODE_GET, msg.code);
		EXPECT_EQ(0x4242, msg.mid);
		EXPECT_EQ(0xaa, msg.token[0]);
	}
	for (i = 0; i < ARRAY_SIZE(elective); i++) {
		EXPECT_EQ(COAP_OK, one_option(elective[i], 2, 1, &msg))
			TH_LOG("option %u", elective[i]);
		EXPECT_EQ(0, msg.bad_option);
		EXPECT_FALSE(coap_has_option(&msg, elective[i]));
	}
}

TEST(block_szx_reserved)
{
	static const struct {
		const char *val;
		u32 len;
	} v[] = { { "\x07", 1 }, { "\xff", 1 }, { "\x00\x0f", 2 },
		  { "\x12\x37", 2 }, { "\x00\x00\x07", 3 },
		  { "\xff\xff\xff", 3 } };
	struct coap_msg msg;
	struct tmsg m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		t_hdr(&m, COAP_TYPE_CON, COAP_CODE_GET, 9, "", 0);
		t_opt(&m, COAP_OPT_BLOCK2, v[i].val, v[i].len);
		EXPECT_EQ(COAP_ERR_BLOCK_SZX, tparse(&m, &msg));
		EXPECT_EQ(COAP_OPT_BLOCK2, msg.bad_option);
		t_hdr(&m, COAP_TYPE_CON, COAP_CODE_PUT, 9, "", 0);
		t_opt(&m, COAP_OPT_BLOCK1, v[i].val, v[i].len);
		t_payload(&m, "d", 1);
		EXPECT_EQ(COAP_ERR_BLOCK_SZX, tparse(&m, &msg));
		EXPECT_EQ(COAP_OPT_BLOCK1, msg.bad_option);
	}
	EXPECT_EQ(COAP_CODE_BAD_REQUEST, coap_err_response(COAP_ERR_BLOCK_SZX));
}

struct bad {
	const char *name;
	const char *b;
	size_t len;
	enum coap_err err;
	int bad_option;		/* -1: not checked */
};

#define BAD(n, s, e) { n, s, sizeof(s) - 1, e, -1 }
#define BADOPT(n, s, e, o) { n, s, sizeof(s) - 1, e, o }
/* CON GET, message ID 0x1234, no token */
#define GET "\x40\x01\x12\x34"

static const struct bad bad_cases[] = {
	BAD("empty buffer", "", COAP_ERR_TRUNC_HEADER),
	BAD("1 byte", "\x40", COAP_ERR_TRUNC_HEADER),
	BAD("2 bytes", "\x40\x01", COAP_ERR_TRUNC_HEADER),
	BAD("3 bytes", "\x40\x01\x12", COAP_ERR_TRUNC_HEADER),
	BAD("version 0", "\x00\x01\x12\x34", COAP_ERR_VERSION),
	BAD("version 2", "\x80\x01\x12\x34", COAP_ERR_VERSION),
	BAD("version 3", "\xc0\x01\x12\x34", COAP_ERR_VERSION),
	BAD("version 0 empty", "\x30\x00\x12\x34", COAP_ERR_VERSION),
	BAD("version 2 with TKL 9", "\x89\x01\x12\x34", COAP_ERR_VERSION),
	BAD("TKL 9 empty code", "\x49\x00\x12\x34", COAP_ERR_TKL),
	BAD("TKL 15 ACK", "\x6f\x45\x12\x34", COAP_ERR_TKL),
	BAD("TKL 9 reserved class", "\x49\x20\x12\x34", COAP_ERR_TKL),
	BAD("class 1 empty-ish", "\x40\x20\x12\x34", COAP_ERR_CODE_CLASS),
	BAD("class 7.31", "\x40\xff\x12\x34", COAP_ERR_CODE_CLASS),
	BAD("class 3.00", "\x40\x60\x12\x34", COAP_ERR_CODE_CLASS),
	BAD("ACK 3.05 with payload", "\x60\x65\x12\x34\xff" "x",
	    COAP_ERR_CODE_CLASS),
	BAD("class 6 with bytes", "\x40\xc0\x12\x34\xff\x01",
	    COAP_ERR_CODE_CLASS),
	BAD("empty with a byte", "\x40\x00\x12\x34\x00",
	    COAP_ERR_EMPTY_NOT_EMPTY),
	BAD("empty with TKL 1", "\x41\x00\x12\x34\xaa",
	    COAP_ERR_EMPTY_NOT_EMPTY),
	BAD("empty with TKL 1, no token", "\x41\x00\x12\x34",
	    COAP_ERR_EMPTY_NOT_EMPTY),
	BAD("empty with TKL 8", "\x48\x00\x12\x34\x01\x02\x03\x04\x05\x06"
	    "\x07\x08", COAP_ERR_EMPTY_NOT_EMPTY),
	BAD("empty ACK with a marker", "\x60\x00\x12\x34\xff",
	    COAP_ERR_EMPTY_NOT_EMPTY),
	BAD("empty RST with payload", "\x70\x00\x12\x34\xff\x61",
	    COAP_ERR_EMPTY_NOT_EMPTY),
	BAD("empty CON with an option", "\x40\x00\x12\x34\xb1" "a",
	    COAP_ERR_EMPTY_NOT_EMPTY),
	BAD("empty NON with a byte", "\x50\x00\x12\x34\x00",
	    COAP_ERR_EMPTY_NOT_EMPTY),
	BAD("empty NON", "\x50\x00\x12\x34", COAP_ERR_TYPE_CODE),
	BAD("RST 2.05", "\x70\x45\x12\x34", COAP_ERR_TYPE_CODE),
	BAD("RST GET", "\x70\x01\x12\x34", COAP_ERR_TYPE_CODE),
	BAD("RST 5.03 with token", "\x71\xa3\x12\x34\x01",
	    COAP_ERR_TYPE_CODE),
	BAD("ACK GET", "\x60\x01\x12\x34", COAP_ERR_TYPE_CODE),
	BAD("ACK 0.31", "\x60\x1f\x12\x34", COAP_ERR_TYPE_CODE),
	BAD("ACK POST truncated token", "\x64\x02\x12\x34\x01",
	    COAP_ERR_TYPE_CODE),
	BAD("TKL 1, no token", "\x41\x01\x12\x34", COAP_ERR_TRUNC_TOKEN),
	BAD("TKL 4, 3 bytes", "\x44\x01\x12\x34\xaa\xbb\xcc",
	    COAP_ERR_TRUNC_TOKEN),
	BAD("TKL 8, 7 bytes", "\x58\x45\x12\x34\x01\x02\x03\x04\x05\x06\x07",
	    COAP_ERR_TRUNC_TOKEN),
	BAD("TKL 8, none", "\x68\x45\x12\x34", COAP_ERR_TRUNC_TOKEN),
	BAD("delta 15 after option", GET "\xb1" "a" "\xf5" "abcde",
	    COAP_ERR_OPT_DELTA_RESERVED),
	BAD("delta 15 after token", "\x42\x01\x12\x34\xff\xff\xf0",
	    COAP_ERR_OPT_DELTA_RESERVED),
	BAD("length 15 Uri-Path", GET "\xbf" "abcdefghijklmno",
	    COAP_ERR_OPT_LEN_RESERVED),
	BAD("length 15, delta 13", GET "\xdf\x00",
	    COAP_ERR_OPT_LEN_RESERVED),
	BAD("length 15, delta 13, no ext", GET "\xdf",
	    COAP_ERR_OPT_LEN_RESERVED),
	BAD("length 15, delta 14", GET "\xef\x00\x00",
	    COAP_ERR_OPT_LEN_RESERVED),
	BAD("delta 13, no ext", GET "\xd0", COAP_ERR_TRUNC_OPT_EXT),
	BAD("delta 14, no ext", GET "\xe0", COAP_ERR_TRUNC_OPT_EXT),
	BAD("delta 14, 1 ext byte", GET "\xe0\x00", COAP_ERR_TRUNC_OPT_EXT),
	BAD("length 13, no ext", GET "\x0d", COAP_ERR_TRUNC_OPT_EXT),
	BAD("length 14, 1 ext byte", GET "\x0e\x01", COAP_ERR_TRUNC_OPT_EXT),
	BAD("delta 13 and length 13, 1 ext byte", GET "\xdd\x00",
	    COAP_ERR_TRUNC_OPT_EXT),
	BAD("delta 14 and length 14, 3 ext bytes", GET "\xee\x00\x00\x00",
	    COAP_ERR_TRUNC_OPT_EXT),
	BAD("delta 14 and length 13, 2 ext bytes", GET "\xed\x00\x00",
	    COAP_ERR_TRUNC_OPT_EXT),
	BAD("length 14 before payload marker", GET "\x0e\xff",
	    COAP_ERR_TRUNC_OPT_EXT),
	BAD("delta 65804", GET "\xe0\xff\xff", COAP_ERR_OPT_NUM_OVERFLOW),
	BAD("delta 65536", GET "\xe0\xfe\xf3", COAP_ERR_OPT_NUM_OVERFLOW),
	BAD("65535 then 269", GET "\xe0\xfe\xf2\xe0\x00\x00",
	    COAP_ERR_OPT_NUM_OVERFLOW),
	BAD("65535 then 1", GET "\xe0\xfe\xf2\x10",
	    COAP_ERR_OPT_NUM_OVERFLOW),
	BAD("60 then 65476", GET "\xd0\x2f\xe0\xfe\xb7",
	    COAP_ERR_OPT_NUM_OVERFLOW),
	BAD("overflow with value", GET "\xe3\xff\x00" "abc",
	    COAP_ERR_OPT_NUM_OVERFLOW),
	BAD("overflow over truncation", GET "\xe5\xff\x00" "ab",
	    COAP_ERR_OPT_NUM_OVERFLOW),
	BAD("value 1 of 5", GET "\xb5" "a", COAP_ERR_TRUNC_OPT_VALUE),
	BAD("value 0 of 1", GET "\x01", COAP_ERR_TRUNC_OPT_VALUE),
	BAD("value 0 of 13", GET "\x0d\x00", COAP_ERR_TRUNC_OPT_VALUE),
	BAD("value 254 of 255", GET "\xbd\xf2"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    COAP_ERR_TRUNC_OPT_VALUE),
	BAD("value 0 of 269", GET "\x0e\x00\x00", COAP_ERR_TRUNC_OPT_VALUE),
	BAD("value 3 of 65804", GET "\x0e\xff\xff" "abc",
	    COAP_ERR_TRUNC_OPT_VALUE),
	BAD("marker eaten as a value", GET "\x02\xff",
	    COAP_ERR_TRUNC_OPT_VALUE),
	BAD("marker only", GET "\xff", COAP_ERR_EMPTY_PAYLOAD),
	BAD("token then marker", "\x44\x45\x12\x34" "abcd" "\xff",
	    COAP_ERR_EMPTY_PAYLOAD),
	BAD("option then marker", GET "\xb1" "a" "\xff",
	    COAP_ERR_EMPTY_PAYLOAD),
	BAD("ACK 2.05 marker only", "\x60\x45\x12\x34\xff",
	    COAP_ERR_EMPTY_PAYLOAD),
	/* format errors take precedence over option errors */
	BAD("critical, then empty payload", GET "\x90\xff",
	    COAP_ERR_EMPTY_PAYLOAD),
	BAD("critical, then truncated value", GET "\x90\x03" "ab",
	    COAP_ERR_TRUNC_OPT_VALUE),
	BAD("repeated, then reserved length", GET "\x50\x00\x0f",
	    COAP_ERR_OPT_LEN_RESERVED),
	BAD("bad path, then reserved delta", GET "\xb3" "a/b" "\xf0",
	    COAP_ERR_OPT_DELTA_RESERVED),
	/* option errors */
	BADOPT("OSCORE", GET "\x90", COAP_ERR_OPT_CRITICAL, 9),
	BADOPT("critical 13", GET "\xd0\x00", COAP_ERR_OPT_CRITICAL, 13),
	BADOPT("critical 269", GET "\xe0\x00\x00", COAP_ERR_OPT_CRITICAL,
	       269),
	BADOPT("critical after elective", GET "\x20\x70",
	       COAP_ERR_OPT_CRITICAL, 9),
	BADOPT("critical in a response", "\x60\x45\x12\x34\x90\xff" "x",
	       COAP_ERR_OPT_CRITICAL, 9),
	BADOPT("critical before payload", GET "\x90\xff" "data",
	       COAP_ERR_OPT_CRITICAL, 9),
	BADOPT("first option error wins", GET "\x51\x00\x80",
	       COAP_ERR_OPT_BAD_LEN, 5),
	/* critical options repeated or of a bad length (elective: ignored) */
	BADOPT("repeated Accept", GET "\xd1\x04\x32\x01\x00",
	       COAP_ERR_OPT_REPEATED, 17),
	BADOPT("repeated Uri-Port", GET "\x70\x00",
	       COAP_ERR_OPT_REPEATED, 7),
	BADOPT("repeated Uri-Host", GET "\x31" "a" "\x01" "b",
	       COAP_ERR_OPT_REPEATED, 3),
	BADOPT("repeated If-None-Match", GET "\x50\x00",
	       COAP_ERR_OPT_REPEATED, 5),
	BADOPT("repeated Proxy-Scheme", GET "\xd1\x1a" "c" "\x01" "d",
	       COAP_ERR_OPT_REPEATED, 39),
	BADOPT("repeated Block2", GET "\xd1\x0a\x02\x01\x02",
	       COAP_ERR_OPT_REPEATED, 23),
	BADOPT("repeated Block1, second SZX 7", GET "\xd1\x0e\x02\x01\x07",
	       COAP_ERR_OPT_REPEATED, 27),
	BADOPT("Uri-Port 3 bytes", GET "\x73\x16\x33\x00",
	       COAP_ERR_OPT_BAD_LEN, 7),
	BADOPT("Accept 3 bytes", GET "\xd3\x04\x00\x00\x32",
	       COAP_ERR_OPT_BAD_LEN, 17),
	BADOPT("If-Match 9 bytes", GET "\x19" "123456789",
	       COAP_ERR_OPT_BAD_LEN, 1),
	BADOPT("If-None-Match 1 byte", GET "\x51\x00",
	       COAP_ERR_OPT_BAD_LEN, 5),
	BADOPT("Uri-Host empty", GET "\x30", COAP_ERR_OPT_BAD_LEN, 3),
	BADOPT("Proxy-Scheme empty", GET "\xd0\x1a", COAP_ERR_OPT_BAD_LEN,
	       39),
	BADOPT("Block1 4 bytes", GET "\xd4\x0e\x00\x00\x00\x10",
	       COAP_ERR_OPT_BAD_LEN, 27),
	BADOPT("Block2 4 bytes, SZX 7", GET "\xd4\x0a\x00\x00\x00\x07",
	       COAP_ERR_OPT_BAD_LEN, 23),
	/* ignored elective occurrences do not hide a critical error */
	BADOPT("ignored Content-Format, then repeated Accept",
	       GET "\xc0\x00\x50\x00", COAP_ERR_OPT_REPEATED, 17),
	BADOPT("ignored Max-Age, then Accept 3 bytes",
	       GET "\xd5\x01\x01\x02\x03\x04\x05\x33\x00\x00\x32",
	       COAP_ERR_OPT_BAD_LEN, 17),
	BADOPT("ignored Observe, then Block2 SZX 7",
	       GET "\x64\x01\x02\x03\x04\xd1\x04\x07",
	       COAP_ERR_BLOCK_SZX, 23),
	/* an option error outranks a path error before it */
	BADOPT("bad path, then critical", GET "\xb3" "a/b" "\x20",
	       COAP_ERR_OPT_CRITICAL, 13),
	BADOPT("bad path, then repeated", GET "\xb1" "#" "\x60\x00",
	       COAP_ERR_OPT_REPEATED, 17),
	BAD("bad path, then ignored repeat", GET "\xb1" "#" "\x10\x00",
	    COAP_ERR_PATH_WILDCARD),
	/* Uri-Path errors */
	BAD("path with slash", GET "\xb3" "a/b", COAP_ERR_PATH_SLASH),
	BAD("path is a slash", GET "\xb1" "/", COAP_ERR_PATH_SLASH),
	BAD("path with plus", GET "\xb2" "a+", COAP_ERR_PATH_WILDCARD),
	BAD("path is a hash", GET "\xb1" "#", COAP_ERR_PATH_WILDCARD),
	BAD("second path has hash", GET "\xb1" "a" "\x02" "b#",
	    COAP_ERR_PATH_WILDCARD),
	BAD("path with NUL", GET "\xb2" "a\0", COAP_ERR_PATH_NUL),
	BAD("path is NUL", GET "\xb1\x00", COAP_ERR_PATH_NUL),
	BAD("path 0xff", GET "\xb1\xff", COAP_ERR_PATH_UTF8),
	BAD("path overlong slash", GET "\xb2\xc0\xaf", COAP_ERR_PATH_UTF8),
	BAD("path surrogate", GET "\xb3\xed\xa0\x80", COAP_ERR_PATH_UTF8),
	BAD("path truncated UTF-8", GET "\xb2" "a\xc3", COAP_ERR_PATH_UTF8),
	BAD("path above U+10FFFF", GET "\xb4\xf4\x90\x80\x80",
	    COAP_ERR_PATH_UTF8),
	BAD("first path error wins", GET "\xb1" "+" "\x01" "/",
	    COAP_ERR_PATH_WILDCARD),
	BAD("slash before NUL", GET "\xb2" "\0/", COAP_ERR_PATH_SLASH),
	BAD("path error with payload", GET "\xb1\x80\xff" "x",
	    COAP_ERR_PATH_UTF8),
};

TEST(malformed_table)
{
	struct coap_msg msg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad *c = &bad_cases[i];

		EXPECT_EQ(c->err, parse(c->b, c->len, &msg))
			TH_LOG("%s: %s", c->name,
			       coap_err_str(parse(c->b, c->len, &msg)));
		if (c->bad_option >= 0) {
			EXPECT_EQ(c->bad_option, msg.bad_option)
				TH_LOG("%s", c->name);
		}
		if (c->err != COAP_ERR_TRUNC_HEADER) {
			/* the header fields for RST and 4.02 replies */
			EXPECT_EQ((c->b[0] >> 4) & 3, msg.type);
			EXPECT_EQ((u8)c->b[1], msg.code);
			EXPECT_EQ(((u8)c->b[2] << 8) | (u8)c->b[3], msg.mid);
		}
	}
	TH_LOG("%zu malformed messages", ARRAY_SIZE(bad_cases));
}

/* Every reserved value of every field. */
TEST(reserved_values)
{
	struct coap_msg msg;
	u8 b[32];
	int v, n = 0;

	memset(b, 0, sizeof(b));
	for (v = 0; v < 4; v++) {
		if (v == 1)
			continue;
		b[0] = v << 6;
		b[1] = COAP_CODE_GET;
		EXPECT_EQ(COAP_ERR_VERSION, parse(b, 4, &msg));
		EXPECT_EQ(COAP_ERR_VERSION, parse(b, 20, &msg));
		n += 2;
	}
	for (v = 9; v < 16; v++) {
		b[0] = 0x40 | v;
		b[1] = COAP_CODE_GET;
		EXPECT_EQ(COAP_ERR_TKL, parse(b, 4, &msg)) TH_LOG("TKL %d", v);
		EXPECT_EQ(COAP_ERR_TKL, parse(b, 4 + v, &msg));
		n += 2;
	}
	for (v = 0; v < 256; v++) {
		int class = v >> 5;

		if (class == 0 || class == 2 || class == 4 || class == 5)
			continue;
		b[0] = 0x40;
		b[1] = v;
		EXPECT_EQ(COAP_ERR_CODE_CLASS, parse(b, 4, &msg))
			TH_LOG("code %d.%02d", class, v & 31);
		n++;
	}
	/* delta nibble 15 with every length nibble but 15, length 15 */
	for (v = 0; v < 16; v++) {
		memcpy(b, GET, 4);
		memset(b + 4, 'x', 20);
		b[4] = 0xf0 | v;
		EXPECT_EQ(v == 15 ? COAP_OK : COAP_ERR_OPT_DELTA_RESERVED,
			  parse(b, 20, &msg)) TH_LOG("byte 0x%02x", b[4]);
		b[4] = v << 4 | 0x0f;
		EXPECT_EQ(v == 15 ? COAP_OK : COAP_ERR_OPT_LEN_RESERVED,
			  parse(b, 20, &msg)) TH_LOG("byte 0x%02x", b[4]);
		n += 2;
	}
	TH_LOG("%d reserved values", n);
}

/*
 * Cut @m after every byte and predict the parse of each prefix: an error
 * when the cut falls inside the header, the token, an option or right
 * after the payload marker; a shorter valid message when it falls between
 * options, before the marker or inside the payload.
 */
static void check_truncations(struct __test_metadata *_metadata,
			      const struct tmsg *m, int *errors, int *valid)
{
	struct coap_msg msg;
	size_t cut;

	for (cut = 0; cut <= m->len; cut++) {
		enum coap_err want = COAP_OK;
		enum coap_err got = parse(m->b, cut, &msg);
		size_t topic_len = 0, payload = 0;
		u32 paths = 0;
		int i;

		if (cut < 4) {
			want = COAP_ERR_TRUNC_HEADER;
		} else if (cut < m->tok_end) {
			want = COAP_ERR_TRUNC_TOKEN;
		} else {
			for (i = 0; i < m->nopts; i++) {
				if (cut >= m->o[i].end) {
					topic_len = m->o[i].topic_len;
					paths = m->o[i].paths;
					continue;
				}
				if (cut > m->o[i].start)
					want = cut < m->o[i].hdr_end ?
					       COAP_ERR_TRUNC_OPT_EXT :
					       COAP_ERR_TRUNC_OPT_VALUE;
				break;
			}
			if (m->has_marker && cut == m->marker + 1)
				want = COAP_ERR_EMPTY_PAYLOAD;
			else if (m->has_marker && cut > m->marker + 1)
				payload = cut - m->marker - 1;
		}
		EXPECT_EQ(want, got) TH_LOG("cut at %zu of %zu: %s", cut,
					    m->len, coap_err_str(got));
		if (want != COAP_OK) {
			(*errors)++;
			continue;
		}
		(*valid)++;
		EXPECT_EQ(topic_len, msg.topic_len) TH_LOG("cut at %zu", cut);
		EXPECT_EQ(paths, msg.path_count) TH_LOG("cut at %zu", cut);
		EXPECT_EQ(payload, msg.payload_len) TH_LOG("cut at %zu", cut);
		EXPECT_EQ((u8)CANARY, (u8)topic_buf[msg.topic_len]);
	}
}

TEST(truncation_at_every_byte)
{
	static u8 big[400];
	struct tmsg m;
	int errors = 0, valid = 0;

	/* RFC 7252 A.1 request */
	t_hdr(&m, COAP_TYPE_CON, COAP_CODE_GET, 0x7d34, "", 0);
	t_str(&m, COAP_OPT_URI_PATH, "temperature");
	check_truncations(_metadata, &m, &errors, &valid);

	/* a request with a token, many options and a payload */
	t_hdr(&m, COAP_TYPE_CON, COAP_CODE_POST, 0x0102, "tok12345", 8);
	t_opt(&m, COAP_OPT_OBSERVE, "", 0);
	t_str(&m, COAP_OPT_URI_PATH, "sensors");
	t_str(&m, COAP_OPT_URI_PATH, "");
	t_str(&m, COAP_OPT_URI_PATH, "temperature-in-the-hall");
	t_opt(&m, COAP_OPT_CONTENT_FORMAT, "\x32", 1);
	t_str(&m, COAP_OPT_URI_QUERY, "u=C");
	t_opt(&m, COAP_OPT_BLOCK1, "\x01\x0e", 2);
	t_opt(&m, COAP_OPT_SIZE1, "\x04\x00", 2);
	t_payload(&m, "21.5", 4);
	check_truncations(_metadata, &m, &errors, &valid);

	/* the 13 and 14 forms of delta and length */
	memset(big, 'q', sizeof(big));
	t_hdr(&m, COAP_TYPE_NON, COAP_CODE_PUT, 0xffff, "\x00", 1);
	t_opt(&m, COAP_OPT_URI_PATH, big, 20);
	t_opt(&m, COAP_OPT_PROXY_URI, big, 300);
	t_opt(&m, 1000, big, 13);
	t_opt(&m, 2000, "", 0);
	t_payload(&m, big, 3);
	check_truncations(_metadata, &m, &errors, &valid);

	/* a piggybacked response */
	t_hdr(&m, COAP_TYPE_ACK, COAP_CODE_SERVICE_UNAVAILABLE, 0x4000,
	      "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	t_opt(&m, COAP_OPT_MAX_AGE, "\x1e", 1);
	t_payload(&m, "busy", 4);
	check_truncations(_metadata, &m, &errors, &valid);

	/* an Empty ACK */
	t_hdr(&m, COAP_TYPE_ACK, COAP_CODE_EMPTY, 0x4000, "", 0);
	check_truncations(_metadata, &m, &errors, &valid);
	TH_LOG("%d truncations rejected, %d parsed shorter", errors, valid);
	EXPECT_GT(errors, 300);
}

TEST(topic_capacity)
{
	static const char req[] = GET "\xb2" "ab" "\x02" "cd";
	static const char empty_seg[] = GET "\xb0";
	static const char two_empty[] = GET "\xb0\x00";
	struct coap_msg msg;

	EXPECT_EQ(COAP_OK, parse_cap(BYTES(req), &msg, 5));
	EXPECT_TRUE(topic_is(&msg, "ab/cd"));
	EXPECT_EQ(msg.topic, &topic_buf[0]);
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG, parse_cap(BYTES(req), &msg, 4));
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG, parse_cap(BYTES(req), &msg, 3));
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG, parse_cap(BYTES(req), &msg, 2));
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG, parse_cap(BYTES(req), &msg, 1));
	EXPECT_EQ((u8)CANARY, (u8)topic_buf[1]);
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG, parse_cap(BYTES(req), &msg, 0));
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG,
		  coap_parse((const u8 *)req, sizeof(req) - 1, &msg, NULL, 0));
	EXPECT_EQ(0x1234, msg.mid);
	/* no topic buffer: the capacity is ignored */
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG,
		  coap_parse((const u8 *)req, sizeof(req) - 1, &msg, NULL, 99));
	EXPECT_EQ(COAP_OK, coap_parse((const u8 *)GET, 4, &msg, NULL, 0));
	EXPECT_TRUE(msg.topic_empty);

	/* one empty segment is the empty topic, two are "/" */
	EXPECT_EQ(COAP_OK, parse_cap(BYTES(empty_seg), &msg, 0));
	EXPECT_TRUE(msg.topic_empty);
	EXPECT_EQ(1U, msg.path_count);
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG, parse_cap(BYTES(two_empty), &msg, 0));
	EXPECT_EQ(COAP_OK, parse_cap(BYTES(two_empty), &msg, 1));
	EXPECT_TRUE(topic_is(&msg, "/"));
	EXPECT_FALSE(msg.topic_empty);
	EXPECT_EQ(2U, msg.path_count);
	EXPECT_EQ(COAP_CODE_BAD_REQUEST,
		  coap_err_response(COAP_ERR_PATH_TOO_LONG));
}

/* A topic longer than TOPIC_MAX_LEN, even with a bigger buffer. */
TEST(topic_max_len)
{
	static u8 b[70000];
	static char topic[70000];
	struct coap_msg msg;
	size_t len = 4, i;

	memcpy(b, "\x50\x02\x00\x01", 4);
	for (i = 0; i < 256; i++) {	/* 256 * 256 - 1 = 65535 bytes */
		b[len++] = i ? 0x0d : 0xbd;
		b[len++] = 255 - 13;
		memset(b + len, 'a' + i % 26, 255);
		len += 255;
	}
	ASSERT_EQ(COAP_OK, coap_parse(b, len, &msg, topic, sizeof(topic)));
	EXPECT_EQ(65535U, msg.topic_len);
	EXPECT_EQ(256U, msg.path_count);
	EXPECT_EQ(TOPIC_OK, topic_name_check(topic, msg.topic_len));
	memcpy(b + len, "\x01" "z", 2);
	EXPECT_EQ(COAP_ERR_PATH_TOO_LONG,
		  coap_parse(b, len + 2, &msg, topic, sizeof(topic)));
}

TEST(error_strings)
{
	int e, f;

	for (e = 0; e < __COAP_ERR_MAX; e++) {
		ASSERT_NE(NULL, coap_err_str(e));
		EXPECT_STRNE("unknown CoAP error", coap_err_str(e));
		for (f = 0; f < e; f++) {
			EXPECT_STRNE(coap_err_str(f), coap_err_str(e));
		}
	}
	EXPECT_STREQ("unknown CoAP error", coap_err_str(__COAP_ERR_MAX));
	EXPECT_STREQ("unknown CoAP error", coap_err_str(-1));

	EXPECT_FALSE(coap_err_is_format(COAP_OK));
	for (e = COAP_ERR_TRUNC_HEADER; e <= COAP_ERR_EMPTY_PAYLOAD; e++) {
		EXPECT_TRUE(coap_err_is_format(e));
		EXPECT_EQ(0, coap_err_response(e));
	}
	for (e = COAP_ERR_OPT_CRITICAL; e < __COAP_ERR_MAX; e++) {
		EXPECT_FALSE(coap_err_is_format(e));
	}
	EXPECT_EQ(0, coap_err_response(COAP_OK));
	EXPECT_EQ(COAP_CODE_BAD_OPTION, coap_err_response(COAP_ERR_OPT_CRITICAL));
	EXPECT_EQ(COAP_CODE_BAD_OPTION, coap_err_response(COAP_ERR_OPT_REPEATED));
	EXPECT_EQ(COAP_CODE_BAD_OPTION, coap_err_response(COAP_ERR_OPT_BAD_LEN));
	for (e = COAP_ERR_PATH_SLASH; e < __COAP_ERR_MAX; e++) {
		EXPECT_EQ(COAP_CODE_BAD_REQUEST, coap_err_response(e));
	}
}

TEST(code_constants)
{
	EXPECT_EQ(0x01, COAP_CODE_GET);
	EXPECT_EQ(0x02, COAP_CODE_POST);
	EXPECT_EQ(0x03, COAP_CODE_PUT);
	EXPECT_EQ(0x04, COAP_CODE_DELETE);
	EXPECT_EQ(0x41, COAP_CODE_CREATED);
	EXPECT_EQ(0x44, COAP_CODE_CHANGED);
	EXPECT_EQ(0x45, COAP_CODE_CONTENT);
	EXPECT_EQ(0x5f, COAP_CODE_CONTINUE);
	EXPECT_EQ(0x80, COAP_CODE_BAD_REQUEST);
	EXPECT_EQ(0x82, COAP_CODE_BAD_OPTION);
	EXPECT_EQ(0x84, COAP_CODE_NOT_FOUND);
	EXPECT_EQ(0x85, COAP_CODE_METHOD_NOT_ALLOWED);
	EXPECT_EQ(0x8d, COAP_CODE_REQUEST_TOO_LARGE);
	EXPECT_EQ(0xa0, COAP_CODE_INTERNAL_ERROR);
	EXPECT_EQ(0xa3, COAP_CODE_SERVICE_UNAVAILABLE);
	EXPECT_EQ(0xa4, COAP_CODE_GATEWAY_TIMEOUT);
	EXPECT_EQ(4, COAP_CODE_CLASS(COAP_CODE_REQUEST_TOO_LARGE));
	EXPECT_EQ(13, COAP_CODE_DETAIL(COAP_CODE_REQUEST_TOO_LARGE));
}

/*
 * Build with @build into a buffer of every capacity below the message's
 * length (-ENOSPC, nothing written past the capacity) and at it (the same
 * bytes as @want).
 */
typedef int (*build_fn)(u8 *buf, size_t cap, const void *arg);

static void check_capacities(struct __test_metadata *_metadata,
			     build_fn build, const void *arg, const u8 *want,
			     int len)
{
	static u8 buf[COAP_MSG_MAX + 64];
	int cap;

	for (cap = 0; cap < len; cap++) {
		memset(buf, CANARY, cap + 16);
		EXPECT_EQ(-ENOSPC, build(buf, cap, arg)) TH_LOG("cap %d", cap);
		EXPECT_EQ(CANARY, buf[cap]) TH_LOG("cap %d", cap);
	}
	memset(buf, CANARY, len + 16);
	EXPECT_EQ(len, build(buf, len, arg));
	EXPECT_EQ(0, memcmp(buf, want, len));
	EXPECT_EQ(CANARY, buf[len]);
	EXPECT_EQ(-ENOSPC, build(NULL, 0, arg));
}

static int build_ack(u8 *buf, size_t cap, const void *arg)
{
	return coap_build_empty_ack(buf, cap, *(const u16 *)arg);
}

static int build_rst(u8 *buf, size_t cap, const void *arg)
{
	return coap_build_rst(buf, cap, *(const u16 *)arg);
}

static int build_resp(u8 *buf, size_t cap, const void *arg)
{
	return coap_build_response(buf, cap, arg);
}

static int build_req(u8 *buf, size_t cap, const void *arg)
{
	return coap_build_request(buf, cap, arg);
}

TEST(build_empty_ack_and_rst)
{
	static const u16 mids[] = { 0, 1, 0x7d36, 0xffff };
	struct coap_msg msg;
	u8 buf[8];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mids); i++) {
		ASSERT_EQ(4, coap_build_empty_ack(buf, sizeof(buf), mids[i]));
		EXPECT_EQ(0x60, buf[0]);
		EXPECT_EQ(0x00, buf[1]);
		ASSERT_EQ(COAP_OK, parse(buf, 4, &msg));
		EXPECT_EQ(COAP_TYPE_ACK, msg.type);
		EXPECT_EQ(COAP_CODE_EMPTY, msg.code);
		EXPECT_EQ(mids[i], msg.mid);
		check_capacities(_metadata, build_ack, &mids[i], buf, 4);

		ASSERT_EQ(4, coap_build_rst(buf, sizeof(buf), mids[i]));
		EXPECT_EQ(0x70, buf[0]);
		ASSERT_EQ(COAP_OK, parse(buf, 4, &msg));
		EXPECT_EQ(COAP_TYPE_RST, msg.type);
		EXPECT_EQ(COAP_CODE_EMPTY, msg.code);
		EXPECT_EQ(mids[i], msg.mid);
		check_capacities(_metadata, build_rst, &mids[i], buf, 4);
	}
	EXPECT_EQ(0, memcmp(buf, "\x70\x00\xff\xff", 4));
	EXPECT_EQ(-EINVAL, coap_build_rst(NULL, 4, 1));
	EXPECT_EQ(-EINVAL, coap_build_empty_ack(NULL, 1, 1));
}

TEST(build_response_exact_bytes)
{
	static const char a1[] = "\x60\x45\x7d\x34\xff" "22.5 C";
	static const char busy[] = "\x61\xa3\x00\x07\x99\xd1\x01\x1e";
	struct coap_response r = {
		.type = COAP_TYPE_ACK, .code = COAP_CODE_CONTENT,
		.mid = 0x7d34, .payload = (const u8 *)"22.5 C",
		.payload_len = 6,
	};
	u8 buf[64];

	EXPECT_EQ((int)sizeof(a1) - 1, coap_build_response(buf, 64, &r));
	EXPECT_EQ(0, memcmp(buf, a1, sizeof(a1) - 1));

	memset(&r, 0, sizeof(r));
	r.type = COAP_TYPE_ACK;
	r.code = COAP_CODE_SERVICE_UNAVAILABLE;
	r.mid = 7;
	r.tkl = 1;
	r.token = (const u8 *)"\x99";
	r.has_max_age = true;
	r.max_age = 30;
	EXPECT_EQ((int)sizeof(busy) - 1, coap_build_response(buf, 64, &r));
	EXPECT_EQ(0, memcmp(buf, busy, sizeof(busy) - 1));
	r.max_age = 0;	/* Max-Age 0: a zero-length value */
	EXPECT_EQ(7, coap_build_response(buf, 64, &r));
	EXPECT_EQ(0, memcmp(buf, "\x61\xa3\x00\x07\x99\xd0\x01", 7));
}

TEST(build_response_round_trip)
{
	static const u8 codes[] = {
		COAP_CODE_CREATED, COAP_CODE_DELETED, COAP_CODE_CHANGED,
		COAP_CODE_CONTENT, COAP_CODE_CONTINUE, COAP_CODE_BAD_REQUEST,
		COAP_CODE_BAD_OPTION, COAP_CODE_NOT_FOUND,
		COAP_CODE_METHOD_NOT_ALLOWED, COAP_CODE_REQUEST_TOO_LARGE,
		COAP_CODE_INTERNAL_ERROR, COAP_CODE_SERVICE_UNAVAILABLE,
		COAP_CODE_GATEWAY_TIMEOUT, COAP_CODE(5, 31),
	};
	static const u32 ages[] = { 0, 1, 255, 256, 65535, 65536, 0xffffff,
				    0x1000000, 0xffffffff };
	static const size_t plens[] = { 0, 1, 12, 13, 300 };
	static const u8 types[] = { COAP_TYPE_ACK, COAP_TYPE_CON,
				    COAP_TYPE_NON };
	static u8 payload[300];
	static u8 buf[1024];
	struct coap_response r;
	struct coap_msg msg;
	size_t i, n = 0;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = i * 7;
	for (i = 0; i < ARRAY_SIZE(codes) * 9 * 5; i++) {
		int len;

		memset(&r, 0, sizeof(r));
		r.type = types[i % 3];
		r.code = codes[i % ARRAY_SIZE(codes)];
		r.mid = i * 977;
		r.tkl = i % 9;
		r.token = (const u8 *)"\xf0\xe1\xd2\xc3\xb4\xa5\x96\x87";
		r.has_max_age = i % 4 != 0;
		r.max_age = ages[i % ARRAY_SIZE(ages)];
		r.payload_len = plens[(i / 3) % ARRAY_SIZE(plens)];
		r.payload = r.payload_len ? payload : NULL;
		len = coap_build_response(buf, sizeof(buf), &r);
		ASSERT_GT(len, 0);
		ASSERT_EQ(COAP_OK, parse(buf, len, &msg)) TH_LOG("case %zu", i);
		EXPECT_EQ(r.type, msg.type);
		EXPECT_EQ(r.code, msg.code);
		EXPECT_EQ(r.mid, msg.mid);
		EXPECT_EQ(r.tkl, msg.tkl);
		EXPECT_EQ(0, memcmp(msg.token, r.token, r.tkl));
		EXPECT_EQ(r.has_max_age, msg.has_max_age);
		EXPECT_EQ(r.has_max_age ? r.max_age : 0, msg.max_age);
		EXPECT_EQ(r.payload_len, msg.payload_len);
		if (r.payload_len) {
			EXPECT_EQ(0, memcmp(msg.payload, payload, r.payload_len));
		}
		EXPECT_TRUE(msg.topic_empty);
		check_capacities(_metadata, build_resp, &r, buf, len);
		n++;
	}
	TH_LOG("%zu responses", n);
}

TEST(build_response_invalid)
{
	static const u8 bad_codes[] = { COAP_CODE_EMPTY, COAP_CODE_GET,
					COAP_CODE(0, 31), COAP_CODE(1, 0),
					COAP_CODE(3, 0), COAP_CODE(6, 0),
					COAP_CODE(7, 31) };
	struct coap_response r = {
		.type = COAP_TYPE_ACK, .code = COAP_CODE_CONTENT, .mid = 1,
	};
	static u8 big[COAP_MSG_MAX + 16], payload[COAP_MSG_MAX];
	u8 buf[64];
	size_t i;

	ASSERT_EQ(4, coap_build_response(buf, sizeof(buf), &r));
	for (i = 0; i < ARRAY_SIZE(bad_codes); i++) {
		r.code = bad_codes[i];
		EXPECT_EQ(-EINVAL, coap_build_response(buf, sizeof(buf), &r));
	}
	r.code = COAP_CODE_CONTENT;
	r.type = COAP_TYPE_RST;
	EXPECT_EQ(-EINVAL, coap_build_response(buf, sizeof(buf), &r));
	r.type = 4;
	EXPECT_EQ(-EINVAL, coap_build_response(buf, sizeof(buf), &r));
	r.type = COAP_TYPE_ACK;
	r.tkl = 9;
	r.token = (const u8 *)"123456789";
	EXPECT_EQ(-EINVAL, coap_build_response(buf, sizeof(buf), &r));
	r.tkl = 2;
	r.token = NULL;
	EXPECT_EQ(-EINVAL, coap_build_response(buf, sizeof(buf), &r));
	r.tkl = 0;
	r.payload_len = 3;
	EXPECT_EQ(-EINVAL, coap_build_response(buf, sizeof(buf), &r));
	r.payload = payload;
	EXPECT_EQ(-EINVAL, coap_build_response(NULL, 64, &r));
	EXPECT_EQ(8, coap_build_response(buf, sizeof(buf), &r));
	/* the message may not exceed COAP_MSG_MAX */
	r.payload_len = COAP_MSG_MAX - 5;
	EXPECT_EQ(COAP_MSG_MAX, coap_build_response(big, sizeof(big), &r));
	r.payload_len = COAP_MSG_MAX - 4;
	EXPECT_EQ(-EINVAL, coap_build_response(big, sizeof(big), &r));
	r.payload_len = (size_t)-1;
	EXPECT_EQ(-EINVAL, coap_build_response(big, sizeof(big), &r));
}

TEST(build_request_exact_bytes)
{
	static const char a1[] = "\x40\x01\x7d\x34\xbb" "temperature";
	static const char put[] = "\x52\x03\x00\x2a\x0b\x0c\xb7" "sensors"
				  "\x04" "hall" "\x11\x32\xff" "21";
	struct coap_request r = {
		.type = COAP_TYPE_CON, .code = COAP_CODE_GET, .mid = 0x7d34,
		.path = "temperature", .path_len = 11,
	};
	u8 buf[64];

	EXPECT_EQ((int)sizeof(a1) - 1, coap_build_request(buf, 64, &r));
	EXPECT_EQ(0, memcmp(buf, a1, sizeof(a1) - 1));

	memset(&r, 0, sizeof(r));
	r.type = COAP_TYPE_NON;
	r.code = COAP_CODE_PUT;
	r.mid = 42;
	r.tkl = 2;
	r.token = (const u8 *)"\x0b\x0c";
	r.path = "sensors/hall";
	r.path_len = 12;
	r.has_content_format = true;
	r.content_format = COAP_FORMAT_JSON;
	r.payload = (const u8 *)"21";
	r.payload_len = 2;
	EXPECT_EQ((int)sizeof(put) - 1, coap_build_request(buf, 64, &r));
	EXPECT_EQ(0, memcmp(buf, put, sizeof(put) - 1));

	/* no path: Content-Format text/plain is a delta 12, empty value */
	r.path_len = 0;
	r.content_format = 0;
	r.payload_len = 0;
	EXPECT_EQ(7, coap_build_request(buf, 64, &r));
	EXPECT_EQ(0, memcmp(buf, "\x52\x03\x00\x2a\x0b\x0c\xc0", 7));
}

TEST(build_request_query)
{
	/* Uri-Path 11, Content-Format 12, Uri-Query 15 (delta 3, then 0) */
	static const char want[] = "\x40\x01\x00\x07\xb5" "async" "\x11\x32"
				   "\x33" "a=1" "\x01" "b" "\x00";
	static char longarg[300];
	struct coap_request r = {
		.type = COAP_TYPE_CON, .code = COAP_CODE_GET, .mid = 7,
		.path = "async", .path_len = 5,
		.has_content_format = true, .content_format = COAP_FORMAT_JSON,
		.query = "a=1&b&", .query_len = 6,
	};
	char topic[64];
	struct coap_msg m;
	u8 buf[600];
	int n;

	n = coap_build_request(buf, sizeof(buf), &r);
	ASSERT_EQ((int)sizeof(want) - 1, n);
	EXPECT_EQ(0, memcmp(buf, want, sizeof(want) - 1));
	ASSERT_EQ(COAP_OK, coap_parse(buf, n, &m, topic, sizeof(topic)));
	EXPECT_EQ(3, m.query_count);
	ASSERT_EQ(3, m.query_len);
	EXPECT_EQ(0, memcmp(m.query, "a=1", 3));

	/* an argument is at most 255 bytes; a NUL cannot be sent */
	memset(longarg, 'q', sizeof(longarg));
	r.query = longarg;
	r.query_len = 255;
	EXPECT_LT(0, coap_build_request(buf, sizeof(buf), &r));
	r.query_len = 256;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.query = "a\0b";
	r.query_len = 3;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.query = NULL;
	r.query_len = 1;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
}

TEST(build_request_round_trip)
{
	static const char *const paths[] = {
		"", "a", "a/b/c", "/", "//", "a//b", "/lead", "trail/",
		"sensors/bedroom/temperature", "$SYS/x",
		"caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80",
		"exactly-twelve/thirteen-char/fourteen-chars",
	};
	static const u8 methods[] = { COAP_CODE_GET, COAP_CODE_POST,
				      COAP_CODE_PUT, COAP_CODE_DELETE,
				      COAP_CODE_FETCH, COAP_CODE(0, 31) };
	static const u32 formats[] = { 0, 50, 255, 256, 65535 };
	static char path[600];
	static u8 buf[2048];
	struct coap_request r;
	struct coap_msg msg;
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(paths) * 2 + 4; i++) {
		int len;

		memset(&r, 0, sizeof(r));
		r.type = i % 2 ? COAP_TYPE_NON : COAP_TYPE_CON;
		r.code = methods[i % ARRAY_SIZE(methods)];
		r.mid = 0xffff - i;
		r.tkl = (i * 5) % 9;
		r.token = (const u8 *)"TOKENSxx";
		if (i < ARRAY_SIZE(paths) * 2) {
			r.path = paths[i / 2];
			r.path_len = strlen(r.path);
		} else {
			/* segments of 12, 13 and 255 bytes, then 2 */
			static const size_t seg[] = { 12, 13, 255, 255 };

			memset(path, 'p', sizeof(path));
			path[seg[i % 4]] = '/';
			r.path = path;
			r.path_len = seg[i % 4] + 3;
		}
		r.has_content_format = i % 3 != 0;
		r.content_format = formats[i % ARRAY_SIZE(formats)];
		r.payload = (const u8 *)"payload bytes";
		r.payload_len = i % 14;
		len = coap_build_request(buf, sizeof(buf), &r);
		ASSERT_GT(len, 0) TH_LOG("case %zu", i);
		ASSERT_EQ(COAP_OK, parse(buf, len, &msg)) TH_LOG("case %zu", i);
		EXPECT_EQ(r.type, msg.type);
		EXPECT_EQ(r.code, msg.code);
		EXPECT_EQ(r.mid, msg.mid);
		EXPECT_EQ(r.tkl, msg.tkl);
		EXPECT_EQ(0, memcmp(msg.token, r.token, r.tkl));
		EXPECT_EQ(r.path_len, msg.topic_len);
		EXPECT_EQ(0, memcmp(msg.topic, r.path, r.path_len));
		EXPECT_EQ(r.path_len == 0, msg.topic_empty);
		EXPECT_EQ(r.has_content_format, msg.has_content_format);
		EXPECT_EQ(r.has_content_format ? r.content_format : 0,
			  msg.content_format);
		EXPECT_EQ(r.payload_len, msg.payload_len);
		if (r.payload_len) {
			EXPECT_EQ(0, memcmp(msg.payload, r.payload, r.payload_len));
		}
		check_capacities(_metadata, build_req, &r, buf, len);
		n++;
	}
	TH_LOG("%zu requests", n);
}

TEST(build_request_invalid)
{
	static const char *const bad_paths[] = {
		"a/+/c", "#", "a/#", "a+b", "\xff", "a/\xc0\xaf", "\xed\xa0\x80",
	};
	struct coap_request r = {
		.type = COAP_TYPE_CON, .code = COAP_CODE_POST, .mid = 1,
		.path = "a/b", .path_len = 3,
	};
	static char path[600];
	static u8 big[COAP_MSG_MAX + 16], payload[COAP_MSG_MAX];
	u8 buf[64];
	size_t i;

	ASSERT_EQ(8, coap_build_request(buf, sizeof(buf), &r));
	for (i = 0; i < ARRAY_SIZE(bad_paths); i++) {
		r.path = bad_paths[i];
		r.path_len = strlen(bad_paths[i]);
		EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r))
			TH_LOG("%s", bad_paths[i]);
	}
	r.path = "a\0b";
	r.path_len = 3;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.path = NULL;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.path_len = 0;
	EXPECT_EQ(4, coap_build_request(buf, sizeof(buf), &r));

	/* segments of 255 bytes are the limit */
	memset(path, 's', sizeof(path));
	path[255] = '/';
	r.path = path;
	r.path_len = 511;
	EXPECT_EQ(4 + 2 + 255 + 2 + 255, coap_build_request(big, 1000, &r));
	r.path_len = 512;
	EXPECT_EQ(-EINVAL, coap_build_request(big, 1000, &r));
	path[255] = 's';
	r.path_len = 256;
	EXPECT_EQ(-EINVAL, coap_build_request(big, 1000, &r));
	r.path_len = 0;

	r.code = COAP_CODE_EMPTY;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.code = COAP_CODE_CONTENT;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.code = COAP_CODE(7, 1);
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.code = COAP_CODE_GET;
	r.type = COAP_TYPE_ACK;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.type = COAP_TYPE_RST;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.type = COAP_TYPE_NON;
	r.tkl = 9;
	r.token = (const u8 *)"123456789";
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.tkl = 8;
	r.token = NULL;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.tkl = 0;
	r.payload_len = 1;
	EXPECT_EQ(-EINVAL, coap_build_request(buf, sizeof(buf), &r));
	r.payload = payload;
	EXPECT_EQ(-EINVAL, coap_build_request(NULL, 10, &r));
	r.payload_len = COAP_MSG_MAX - 5;
	EXPECT_EQ(COAP_MSG_MAX, coap_build_request(big, sizeof(big), &r));
	r.payload_len++;
	EXPECT_EQ(-EINVAL, coap_build_request(big, sizeof(big), &r));
	r.payload_len--;
	r.has_content_format = true;
	EXPECT_EQ(-EINVAL, coap_build_request(big, sizeof(big), &r));
}

TEST(option_iterator)
{
	static const char resp[] = "\x62\x45\x00\x01\x01\x02\xc1\x32\xb1\x0b"
				   "\xff" "x";
	struct coap_opt_iter it;
	struct coap_option opt;
	struct coap_msg msg;

	ASSERT_EQ(COAP_OK, parse(BYTES(resp), &msg));
	coap_opt_iter_init(&it, &msg);
	ASSERT_TRUE(coap_opt_next(&it, &opt));
	EXPECT_EQ(COAP_OPT_CONTENT_FORMAT, opt.num);
	EXPECT_EQ(1U, opt.len);
	EXPECT_EQ(0x32, opt.val[0]);
	ASSERT_TRUE(coap_opt_next(&it, &opt));
	EXPECT_EQ(COAP_OPT_BLOCK2, opt.num);
	EXPECT_EQ(0x0b, opt.val[0]);
	EXPECT_FALSE(coap_opt_next(&it, &opt));
	EXPECT_FALSE(coap_opt_next(&it, &opt));

	/* an Empty message has no options; a failed parse iterates nothing */
	ASSERT_EQ(COAP_OK, parse(BYTES("\x60\x00\x00\x01"), &msg));
	coap_opt_iter_init(&it, &msg);
	EXPECT_FALSE(coap_opt_next(&it, &opt));
	ASSERT_EQ(COAP_ERR_TKL, parse(BYTES("\x6f\x45\x00\x01"), &msg));
	coap_opt_iter_init(&it, &msg);
	EXPECT_FALSE(coap_opt_next(&it, &opt));
}

TEST_HARNESS_MAIN
