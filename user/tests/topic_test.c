// SPDX-License-Identifier: GPL-2.0
/* Topic names and filters: MQTT 3.1.1 / 5.0 section 4.7 and RFC 3629. */
#include <string.h>

#include "proto/topic.h"
#include "kselftest_harness.h"

#define NAME(s) topic_name_check(s, sizeof(s) - 1)
#define FILTER(s) topic_filter_check(s, sizeof(s) - 1)
#define UTF8(s) topic_utf8_valid((const u8 *)(s), sizeof(s) - 1)

TEST(spec_filter_examples)
{
	/* MQTT 3.1.1 4.7.1.2 and 4.7.1.3 */
	EXPECT_EQ(TOPIC_OK, FILTER("sport/tennis/player1/#"));
	EXPECT_EQ(TOPIC_OK, FILTER("sport/#"));
	EXPECT_EQ(TOPIC_OK, FILTER("#"));
	EXPECT_EQ(TOPIC_ERR_HASH, FILTER("sport/tennis#"));
	EXPECT_EQ(TOPIC_ERR_HASH, FILTER("sport/tennis/#/ranking"));
	EXPECT_EQ(TOPIC_OK, FILTER("+"));
	EXPECT_EQ(TOPIC_OK, FILTER("+/tennis/#"));
	EXPECT_EQ(TOPIC_ERR_PLUS, FILTER("sport+"));
	EXPECT_EQ(TOPIC_OK, FILTER("sport/+/player1"));
	EXPECT_EQ(TOPIC_OK, FILTER("/+"));
	EXPECT_EQ(TOPIC_OK, FILTER("+/+"));
	EXPECT_EQ(TOPIC_OK, FILTER("/finance"));
	EXPECT_EQ(TOPIC_OK, FILTER("$SYS/#"));
}

TEST(filter_edge_cases)
{
	EXPECT_EQ(TOPIC_ERR_EMPTY, topic_filter_check("", 0));
	EXPECT_EQ(TOPIC_OK, FILTER("/"));
	EXPECT_EQ(TOPIC_OK, FILTER("a//b"));
	EXPECT_EQ(TOPIC_OK, FILTER("+/#"));
	EXPECT_EQ(TOPIC_ERR_HASH, FILTER("##"));
	EXPECT_EQ(TOPIC_ERR_HASH, FILTER("#/"));
	EXPECT_EQ(TOPIC_ERR_PLUS, FILTER("++"));
	EXPECT_EQ(TOPIC_ERR_PLUS, FILTER("a/+b"));
	EXPECT_EQ(TOPIC_ERR_PLUS, FILTER("a/b+/c"));
	EXPECT_EQ(TOPIC_ERR_HASH, FILTER("a/#b"));
	EXPECT_EQ(TOPIC_ERR_NUL, FILTER("a\0b"));
	EXPECT_EQ(TOPIC_ERR_UTF8, FILTER("a/\xff"));
}

TEST(names)
{
	EXPECT_EQ(TOPIC_OK, NAME("sensors/bedroom/temp"));
	EXPECT_EQ(TOPIC_OK, NAME("/"));
	EXPECT_EQ(TOPIC_OK, NAME("$SYS/broker/load"));
	EXPECT_EQ(TOPIC_OK, NAME("caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80"));
	EXPECT_EQ(TOPIC_ERR_EMPTY, topic_name_check("x", 0));
	EXPECT_EQ(TOPIC_ERR_WILDCARD, NAME("a/+/c"));
	EXPECT_EQ(TOPIC_ERR_WILDCARD, NAME("a/#"));
	EXPECT_EQ(TOPIC_ERR_WILDCARD, NAME("a+b"));
	EXPECT_EQ(TOPIC_ERR_NUL, NAME("a\0"));
}

TEST(length_limit)
{
	static char big[TOPIC_MAX_LEN + 1];

	memset(big, 'a', sizeof(big));
	EXPECT_EQ(TOPIC_OK, topic_name_check(big, TOPIC_MAX_LEN));
	EXPECT_EQ(TOPIC_ERR_TOO_LONG, topic_name_check(big, TOPIC_MAX_LEN + 1));
	EXPECT_EQ(TOPIC_ERR_TOO_LONG, topic_filter_check(big, TOPIC_MAX_LEN + 1));
}

TEST(utf8)
{
	EXPECT_TRUE(UTF8("plain ascii"));
	EXPECT_TRUE(UTF8("\xc2\x80"));			/* U+0080 */
	EXPECT_TRUE(UTF8("\xdf\xbf"));			/* U+07FF */
	EXPECT_TRUE(UTF8("\xe0\xa0\x80"));		/* U+0800 */
	EXPECT_TRUE(UTF8("\xed\x9f\xbf"));		/* U+D7FF */
	EXPECT_TRUE(UTF8("\xee\x80\x80"));		/* U+E000 */
	EXPECT_TRUE(UTF8("\xef\xbf\xbf"));		/* U+FFFF */
	EXPECT_TRUE(UTF8("\xf0\x90\x80\x80"));		/* U+10000 */
	EXPECT_TRUE(UTF8("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
	EXPECT_FALSE(UTF8("\x80"));			/* lone continuation */
	EXPECT_FALSE(UTF8("\xc0\xaf"));			/* overlong '/' */
	EXPECT_FALSE(UTF8("\xc1\xbf"));			/* overlong */
	EXPECT_FALSE(UTF8("\xe0\x80\xaf"));		/* overlong '/' */
	EXPECT_FALSE(UTF8("\xe0\x9f\xbf"));		/* overlong U+07FF */
	EXPECT_FALSE(UTF8("\xf0\x80\x80\xaf"));		/* overlong '/' */
	EXPECT_FALSE(UTF8("\xf0\x8f\xbf\xbf"));		/* overlong U+FFFF */
	EXPECT_FALSE(UTF8("\xed\xa0\x80"));		/* U+D800 surrogate */
	EXPECT_FALSE(UTF8("\xed\xbf\xbf"));		/* U+DFFF surrogate */
	EXPECT_FALSE(UTF8("\xf4\x90\x80\x80"));		/* U+110000 */
	EXPECT_FALSE(UTF8("\xf5\x80\x80\x80"));
	EXPECT_FALSE(UTF8("\xff"));
	EXPECT_FALSE(UTF8("\xc3"));			/* truncated */
	EXPECT_FALSE(UTF8("\xe2\x82"));			/* truncated */
	EXPECT_FALSE(UTF8("\xf0\x9f\x98"));		/* truncated */
	EXPECT_FALSE(UTF8("\xc3\x28"));			/* bad continuation */
	EXPECT_FALSE(UTF8("\xe2\x28\xa1"));
	EXPECT_FALSE(UTF8("\xf0\x9f\x28\x80"));
}

TEST(every_error_has_a_reason)
{
	int e;

	for (e = 0; e < __TOPIC_ERR_MAX; e++) {
		EXPECT_NE(NULL, topic_err_str(e));
		EXPECT_STRNE("unknown topic error", topic_err_str(e));
	}
	EXPECT_STREQ("unknown topic error", topic_err_str(__TOPIC_ERR_MAX));
}

TEST_HARNESS_MAIN
