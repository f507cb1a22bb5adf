// SPDX-License-Identifier: GPL-2.0
/*
 * iotgw_nl_extack_message: finds the kernel's explanation in an NLMSG_ERROR
 * message, whether the request was echoed or capped, and never reads past
 * the end of a short or malformed one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iotgw_nl.h"
#include "kselftest_harness.h"

/* Build an NLMSG_ERROR for a request with @req_payload bytes of payload. */
static struct nlmsghdr *build_error(unsigned char *buf, size_t size,
				    int flags, size_t req_payload,
				    const char *text, int text_len)
{
	struct nlmsghdr *hdr = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = (struct nlmsgerr *)(buf + NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	memset(buf, 0, size);
	hdr->nlmsg_type = NLMSG_ERROR;
	hdr->nlmsg_flags = flags;
	e->error = -EINVAL;
	e->msg.nlmsg_len = NLMSG_HDRLEN + req_payload;
	if (!(flags & NLM_F_CAPPED)) {
		memset(buf + off, 0xee, req_payload);
		off += NLMSG_ALIGN(req_payload);
	}
	if (text) {
		struct nlattr *a = (struct nlattr *)(buf + off);

		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = NLA_HDRLEN + text_len;
		memcpy(buf + off + NLA_HDRLEN, text, text_len);
		off += NLA_ALIGN(a->nla_len);
	}
	hdr->nlmsg_len = off;
	return hdr;
}

static const struct nlmsgerr *err_of(struct nlmsghdr *hdr)
{
	return (const struct nlmsgerr *)NLMSG_DATA(hdr);
}

TEST(capped_with_message)
{
	unsigned char buf[256];
	struct nlmsghdr *h = build_error(buf, sizeof(buf),
					 NLM_F_CAPPED | NLM_F_ACK_TLVS, 8,
					 "bad topic filter", 17);
	const char *m = iotgw_nl_extack_message(err_of(h));

	ASSERT_NE(NULL, m);
	EXPECT_STREQ("bad topic filter", m);
}

TEST(echoed_request_skipped)
{
	unsigned char buf[256];
	struct nlmsghdr *h = build_error(buf, sizeof(buf), NLM_F_ACK_TLVS, 13,
					 "unknown action", 15);
	const char *m = iotgw_nl_extack_message(err_of(h));

	ASSERT_NE(NULL, m);
	EXPECT_STREQ("unknown action", m);
}

TEST(no_tlvs_flag_no_message)
{
	unsigned char buf[256];
	struct nlmsghdr *h = build_error(buf, sizeof(buf), NLM_F_CAPPED, 8,
					 "ignored", 8);

	EXPECT_EQ(NULL, iotgw_nl_extack_message(err_of(h)));
}

TEST(no_message_attribute)
{
	unsigned char buf[256];
	struct nlmsghdr *h = build_error(buf, sizeof(buf),
					 NLM_F_CAPPED | NLM_F_ACK_TLVS, 8,
					 NULL, 0);

	EXPECT_EQ(NULL, iotgw_nl_extack_message(err_of(h)));
}

TEST(unterminated_message_refused)
{
	unsigned char buf[256];
	struct nlmsghdr *h = build_error(buf, sizeof(buf),
					 NLM_F_CAPPED | NLM_F_ACK_TLVS, 8,
					 "abcd", 4);

	EXPECT_EQ(NULL, iotgw_nl_extack_message(err_of(h)));
}

TEST(echo_longer_than_message_refused)
{
	unsigned char buf[256];
	struct nlmsghdr *h = build_error(buf, sizeof(buf), NLM_F_ACK_TLVS, 8,
					 "x", 2);

	/* The echoed request claims more bytes than the message holds. */
	((struct nlmsgerr *)NLMSG_DATA(h))->msg.nlmsg_len = 4096;
	EXPECT_EQ(NULL, iotgw_nl_extack_message(err_of(h)));
}

TEST(attribute_longer_than_message_refused)
{
	unsigned char *buf = malloc(64);
	struct nlmsghdr *h;
	struct nlattr *a;

	ASSERT_NE(NULL, buf);
	h = build_error(buf, 64, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0, "ok", 3);
	a = (struct nlattr *)(buf + NLMSG_HDRLEN + sizeof(struct nlmsgerr));
	a->nla_len = 200;	/* runs past the message: must not be read */
	EXPECT_EQ(NULL, iotgw_nl_extack_message(err_of(h)));
	free(buf);
}

TEST(truncated_error_header)
{
	unsigned char buf[256];
	struct nlmsghdr *h = build_error(buf, sizeof(buf),
					 NLM_F_CAPPED | NLM_F_ACK_TLVS, 0,
					 "msg", 4);

	h->nlmsg_len = NLMSG_HDRLEN + 4;	/* shorter than nlmsgerr */
	EXPECT_EQ(NULL, iotgw_nl_extack_message(err_of(h)));
}

TEST_HARNESS_MAIN
