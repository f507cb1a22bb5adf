// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwctl's pure parsing (tools/iotgwctl/parse.c): numbers as the grammar
 * allows them and nothing else, rule names by the header's rules, keyword
 * tables, batch line words, and output quoting that reads back as the
 * same word; and coap request's (tools/iotgwctl/coap_uri.c): coap:// URIs,
 * each refusal naming the offending part, methods, content formats and
 * response code names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The CLI is not a library: build its parsing modules into this test. */
#include "../../tools/iotgwctl/parse.c"
#include "../../tools/iotgwctl/coap_uri.c"

#include "kselftest_harness.h"

static const struct {
	const char *text;
	int err;
	uint32_t value;
} u32_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "010", 0, 10 },		/* decimal, not octal */
	{ "4294967295", 0, 4294967295U },
	{ "0x0", 0, 0 },
	{ "0x10", 0, 16 },
	{ "0XfF", 0, 255 },
	{ "0xffffffff", 0, 4294967295U },
	{ "0x00000000ffffffff", 0, 4294967295U },
	{ "4294967296", -ERANGE, 0 },
	{ "99999999999", -ERANGE, 0 },
	{ "99999999999999999999999999", -ERANGE, 0 },
	{ "0x100000000", -ERANGE, 0 },
	{ "0xffffffffffffffffffff", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "0x", -EINVAL, 0 },
	{ "x10", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "12a", -EINVAL, 0 },
	{ "0x1g", -EINVAL, 0 },
	{ "0x-1", -EINVAL, 0 },
	{ "0x 1", -EINVAL, 0 },
	{ "1.0", -EINVAL, 0 },
	{ "one", -EINVAL, 0 },
};

TEST(u32_numbers)
{
	size_t i;

	for (i = 0; i < sizeof(u32_cases) / sizeof(u32_cases[0]); i++) {
		uint32_t v = 12345;
		int err = parse_u32(u32_cases[i].text, &v);

		EXPECT_EQ(u32_cases[i].err, err)
			TH_LOG("parse_u32(\"%s\")", u32_cases[i].text);
		if (!u32_cases[i].err) {
			EXPECT_EQ(u32_cases[i].value, v)
				TH_LOG("parse_u32(\"%s\")", u32_cases[i].text);
		} else {
			EXPECT_EQ(12345U, v)
				TH_LOG("parse_u32(\"%s\") wrote its output",
				       u32_cases[i].text);
		}
	}
}

TEST(u64_numbers)
{
	uint64_t v = 77;

	EXPECT_EQ(0, parse_u64("0", &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, parse_u64("18446744073709551615", &v));
	EXPECT_EQ(UINT64_MAX, v);
	EXPECT_EQ(0, parse_u64("0xFFFFFFFFFFFFFFFF", &v));
	EXPECT_EQ(UINT64_MAX, v);
	EXPECT_EQ(0, parse_u64("4294967296", &v));
	EXPECT_EQ(4294967296ULL, v);
	v = 77;
	EXPECT_EQ(-ERANGE, parse_u64("18446744073709551616", &v));
	EXPECT_EQ(-ERANGE, parse_u64("0x10000000000000000", &v));
	EXPECT_EQ(-EINVAL, parse_u64("-1", &v));
	EXPECT_EQ(-EINVAL, parse_u64("", &v));
	EXPECT_EQ(-EINVAL, parse_u64("0x", &v));
	EXPECT_EQ(-EINVAL, parse_u64("1 ", &v));
	EXPECT_EQ(77, v);
}

TEST(ports)
{
	uint16_t p = 7;

	EXPECT_EQ(0, parse_port("1", &p));
	EXPECT_EQ(1, p);
	EXPECT_EQ(0, parse_port("65535", &p));
	EXPECT_EQ(65535, p);
	EXPECT_EQ(0, parse_port("0x1633", &p));
	EXPECT_EQ(5683, p);
	p = 7;
	EXPECT_EQ(-ERANGE, parse_port("0", &p));
	EXPECT_EQ(-ERANGE, parse_port("65536", &p));
	EXPECT_EQ(-ERANGE, parse_port("4294967296", &p));
	EXPECT_EQ(-EINVAL, parse_port("coap", &p));
	EXPECT_EQ(-EINVAL, parse_port("", &p));
	EXPECT_EQ(7, p);
}

TEST(rule_names)
{
	char name[IOTGW_RULE_NAME_MAX + 1];

	EXPECT_TRUE(rule_name_valid("a"));
	EXPECT_TRUE(rule_name_valid("Sensor_1.temp-v2"));
	EXPECT_TRUE(rule_name_valid("-"));
	EXPECT_TRUE(rule_name_valid("..."));
	EXPECT_FALSE(rule_name_valid(""));
	EXPECT_FALSE(rule_name_valid("a b"));
	EXPECT_FALSE(rule_name_valid("a/b"));
	EXPECT_FALSE(rule_name_valid("a+"));
	EXPECT_FALSE(rule_name_valid("#"));
	EXPECT_FALSE(rule_name_valid("caf\xc3\xa9"));
	EXPECT_FALSE(rule_name_valid("tab\t"));

	memset(name, 'n', IOTGW_RULE_NAME_MAX - 1);
	name[IOTGW_RULE_NAME_MAX - 1] = '\0';
	EXPECT_TRUE(rule_name_valid(name));	/* 31 bytes: the most */
	name[IOTGW_RULE_NAME_MAX - 1] = 'n';
	name[IOTGW_RULE_NAME_MAX] = '\0';
	EXPECT_FALSE(rule_name_valid(name));	/* 32: no room for the NUL */
}

static const struct word_map colours[] = {
	{ "red", 1 },
	{ "green", 2 },
	{ "blue", 0 },
	{ NULL, 0 },
};

TEST(keyword_tables)
{
	static const struct word_map one[] = { { "only", 5 }, { NULL, 0 } };
	char buf[64];

	EXPECT_EQ(1, word_value(colours, "red"));
	EXPECT_EQ(0, word_value(colours, "blue"));
	EXPECT_EQ(-1, word_value(colours, "re"));	/* no prefixes */
	EXPECT_EQ(-1, word_value(colours, "reds"));
	EXPECT_EQ(-1, word_value(colours, "RED"));
	EXPECT_EQ(-1, word_value(colours, ""));
	EXPECT_STREQ("green", word_name(colours, 2));
	EXPECT_EQ(NULL, word_name(colours, 3));

	word_choices(colours, buf, sizeof(buf));
	EXPECT_STREQ("red, green or blue", buf);
	word_choices(one, buf, sizeof(buf));
	EXPECT_STREQ("only", buf);
	word_choices(colours, buf, 8);		/* cut short, still a string */
	EXPECT_EQ(0, strncmp(buf, "red", 3));
	EXPECT_LT(strlen(buf), 8U);
}

/* Split @text; compare with the NULL-terminated @want, or expect @err. */
static int split_is(struct __test_metadata *_metadata, const char *text,
		    int err, const char *const *want)
{
	char *line = strdup(text);
	char **argv = NULL;
	int argc = -1, i;

	ASSERT_NE(NULL, line);
	EXPECT_EQ(err, split_words(line, &argv, &argc))
		TH_LOG("split_words(\"%s\")", text);
	if (!err && argv) {
		for (i = 0; want[i]; i++) {
			if (i >= argc)
				break;
			EXPECT_STREQ(want[i], argv[i])
				TH_LOG("split_words(\"%s\") word %d", text, i);
		}
		EXPECT_EQ(i, argc) TH_LOG("split_words(\"%s\")", text);
		EXPECT_EQ(NULL, argv[argc]);
	}
	free(argv);
	free(line);
	return 0;
}

TEST(batch_lines)
{
	static const char *const none[] = { NULL };
	static const char *const rule[] = {
		"rule", "add", "r1", "filter", "a/#", "action", "drop", NULL,
	};
	static const char *const hash[] = {
		"rule", "add", "all", "filter", "#", "action", "accept", NULL,
	};
	static const char *const quoted[] = {
		"rule", "add", "x", "filter", "plant 1/+", "action", "drop",
		NULL,
	};
	static const char *const escapes[] = {
		"a\"b", "c\\d", "e f", "g'h", "", "i\\j", "k l", NULL,
	};
	static const char *const glued[] = { "abcdef", "ab\"c", NULL };

	split_is(_metadata, "", 0, none);
	split_is(_metadata, "\n", 0, none);
	split_is(_metadata, "  \t \r\n", 0, none);
	split_is(_metadata, "# a comment\n", 0, none);
	split_is(_metadata, "   # indented comment", 0, none);
	split_is(_metadata, "rule add r1 filter a/# action drop\n", 0, rule);
	split_is(_metadata, "  rule\tadd  r1 filter a/#   action drop  ", 0,
		 rule);
	split_is(_metadata, "rule add all filter # action accept", 0, hash);
	split_is(_metadata, "rule add x filter \"plant 1/+\" action drop", 0,
		 quoted);
	split_is(_metadata, "rule add x filter 'plant 1/+' action drop", 0,
		 quoted);
	split_is(_metadata, "rule add x filter plant\\ 1/+ action drop", 0,
		 quoted);
	split_is(_metadata,
		 "\"a\\\"b\" \"c\\\\d\" e\\ f \"g'h\" '' 'i\\j' k' 'l", 0,
		 escapes);
	split_is(_metadata, "ab'cd'\"ef\" 'ab\"c'", 0, glued);
	split_is(_metadata, "rule add x filter \"open", -EINVAL, none);
	split_is(_metadata, "rule add x filter 'open", -EINVAL, none);
	split_is(_metadata, "\"", -EINVAL, none);
}

/* What print_word() writes must read back as the very same word. */
TEST(quoting_round_trip)
{
	static const char *const words[] = {
		"sensors/+/temp", "#", "a/#", "plant 1/#", "", "x\"y",
		"back\\slash", "it's", "\ttab", "$SYS/#", "coap: option delta 15",
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (int always = 0; always < 2; always++) {
			char *out = NULL, *line, **argv = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&out, &len);
			int argc = 0;

			ASSERT_NE(NULL, f);
			print_word(f, words[i], always);
			fclose(f);
			if (!always && !word_needs_quotes(words[i])) {
				EXPECT_STREQ(words[i], out);
			}
			if (always) {
				EXPECT_EQ('"', out[0]);
			}
			/* never first on a line: a '#' there starts a comment */
			ASSERT_LT(0, asprintf(&line, "word %s", out));
			ASSERT_EQ(0, split_words(line, &argv, &argc));
			EXPECT_EQ(2, argc) TH_LOG("\"%s\" printed as %s",
						  words[i], out);
			if (argc == 2) {
				EXPECT_STREQ(words[i], argv[1]);
			}
			free(argv);
			free(line);
			free(out);
		}
	}
	EXPECT_FALSE(word_needs_quotes("sensors/+/temp"));
	EXPECT_FALSE(word_needs_quotes("#"));
	EXPECT_TRUE(word_needs_quotes("a b"));
	EXPECT_TRUE(word_needs_quotes(""));
}

TEST(printable_text)
{
	static const struct {
		const char *text;
		size_t len;
		bool printable;
	} cases[] = {
		{ "", 0, true },
		{ "22.5 C", 6, true },
		{ "a\nb\tc\r\n", 7, true },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xa1", 14, true },
		{ "a\0b", 3, false },		/* a NUL inside */
		{ "\xff", 1, false },
		{ "\x1b[31m", 5, false },
		{ "del\x7f", 4, false },
		{ "cut \xc3", 5, false },		/* a character cut short */
		{ "\xc0\xaf", 2, false },		/* overlong */
		{ "\xed\xa0\x80", 3, false },		/* a surrogate */
	};
	size_t i;

	/* braces: EXPECT_*() TH_LOG() are two statements */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(cases[i].printable,
			  text_printable(cases[i].text, cases[i].len))
			TH_LOG("case %zu", i);
	}
}

/* coap:// URIs that parse, and what they hold. */
static const struct {
	const char *uri;
	int family;
	const char *addr;
	uint16_t port;
	const char *path;
} good_uris[] = {
	{ "coap://10.0.0.2", AF_INET, "10.0.0.2", 5683, "" },
	{ "coap://10.0.0.2/", AF_INET, "10.0.0.2", 5683, "" },
	{ "coap://10.0.0.2/door/7", AF_INET, "10.0.0.2", 5683, "door/7" },
	{ "coap://10.0.0.2:61616/door/7", AF_INET, "10.0.0.2", 61616,
	  "door/7" },
	{ "coap://192.168.1.1:1", AF_INET, "192.168.1.1", 1, "" },
	{ "coap://192.168.1.1:65535/", AF_INET, "192.168.1.1", 65535, "" },
	{ "coap://10.0.0.2:/x", AF_INET, "10.0.0.2", 5683, "x" },
	{ "coap://10.0.0.2:05683/x", AF_INET, "10.0.0.2", 5683, "x" },
	{ "COAP://10.0.0.2/x", AF_INET, "10.0.0.2", 5683, "x" },
	{ "coap://[fd00::2]", AF_INET6, "fd00::2", 5683, "" },
	{ "coap://[fd00::2]/", AF_INET6, "fd00::2", 5683, "" },
	{ "coap://[fd00::2]:5683/door/7", AF_INET6, "fd00::2", 5683,
	  "door/7" },
	{ "coap://[FD00:1::AB]:6000/a", AF_INET6, "fd00:1::ab", 6000, "a" },
	{ "coap://[::1]/a/b/c", AF_INET6, "::1", 5683, "a/b/c" },
	{ "coap://[::ffff:10.0.0.2]/x", AF_INET6, "::ffff:10.0.0.2", 5683,
	  "x" },
	{ "coap://10.0.0.2/sensors/kitchen/temp", AF_INET, "10.0.0.2", 5683,
	  "sensors/kitchen/temp" },
	{ "coap://10.0.0.2/.well-known/core", AF_INET, "10.0.0.2", 5683,
	  ".well-known/core" },
	{ "coap://10.0.0.2/a:b@c!$&'()*,;=-._~", AF_INET, "10.0.0.2", 5683,
	  "a:b@c!$&'()*,;=-._~" },
	{ "coap://10.0.0.2/a%20b/%C3%A9%e2%82%ac", AF_INET, "10.0.0.2", 5683,
	  "a b/\xc3\xa9\xe2\x82\xac" },
	{ "coap://10.0.0.2/caf\xc3\xa9", AF_INET, "10.0.0.2", 5683,
	  "caf\xc3\xa9" },
	{ "coap://10.0.0.2/...", AF_INET, "10.0.0.2", 5683, "..." },
	{ "coap://10.0.0.2/%24SYS/x", AF_INET, "10.0.0.2", 5683, "$SYS/x" },
};

/* Queries: their arguments, decoded, joined with '&'. */
static const struct {
	const char *uri, *path, *query;
} query_uris[] = {
	{ "coap://10.0.0.2/async?1", "async", "1" },
	{ "coap://10.0.0.2?x", "", "x" },
	{ "coap://10.0.0.2/a/b?x=1&y=2", "a/b", "x=1&y=2" },
	{ "coap://[fd00::2]:6000/a?q=%20+/?", "a", "q= +/?" },
	{ "coap://10.0.0.2/a?", "a", "" },
	{ "coap://10.0.0.2/a?&", "a", "&" },
};

TEST(coap_uri_queries)
{
	char why[256], arg[300];
	struct coap_uri u;
	size_t i;

	for (i = 0; i < sizeof(query_uris) / sizeof(query_uris[0]); i++) {
		ASSERT_EQ(0, coap_uri_parse(query_uris[i].uri, &u, why,
					    sizeof(why)))
			TH_LOG("%s: %s", query_uris[i].uri, why);
		EXPECT_STREQ(query_uris[i].path, u.path)
			TH_LOG("%s", query_uris[i].uri);
		EXPECT_STREQ(query_uris[i].query, u.query)
			TH_LOG("%s", query_uris[i].uri);
	}
	/* an argument is at most 255 bytes, once decoded */
	memset(arg, 'a', sizeof(arg));
	strcpy(arg, "coap://10.0.0.2/x?");
	arg[strlen(arg)] = 'a';
	arg[18 + 255] = '\0';
	ASSERT_EQ(0, coap_uri_parse(arg, &u, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(255, strlen(u.query));
	arg[18 + 255] = 'a';
	arg[18 + 256] = '\0';
	ASSERT_EQ(-EINVAL, coap_uri_parse(arg, &u, why, sizeof(why)));
	EXPECT_STREQ("query argument \"aaaaaaaaaaaaaaaa...\" is longer than 255 bytes",
		     why);
}

TEST(coap_uris)
{
	size_t i;

	for (i = 0; i < sizeof(good_uris) / sizeof(good_uris[0]); i++) {
		struct coap_uri u;
		unsigned char want[16];
		char why[256] = "";

		memset(&u, 0x5a, sizeof(u));
		ASSERT_EQ(0, coap_uri_parse(good_uris[i].uri, &u, why,
					    sizeof(why)))
			TH_LOG("%s: %s", good_uris[i].uri, why);
		ASSERT_EQ(1, inet_pton(good_uris[i].family, good_uris[i].addr,
				       want));
		EXPECT_EQ(good_uris[i].family, u.family)
			TH_LOG("%s", good_uris[i].uri);
		EXPECT_EQ(0, memcmp(want, u.addr,
				    good_uris[i].family == AF_INET ? 4 : 16))
			TH_LOG("%s: address", good_uris[i].uri);
		EXPECT_EQ(good_uris[i].port, u.port)
			TH_LOG("%s", good_uris[i].uri);
		EXPECT_STREQ(good_uris[i].path, u.path)
			TH_LOG("%s", good_uris[i].uri);
	}
}

/* coap:// URIs refused, and exactly why (naming the bad part). */
#define NOT_LITERAL \
	" is not an IPv4 address nor an IPv6 address in brackets (names are not resolved)"
static const struct {
	const char *uri, *why;
} bad_uris[] = {
	{ "http://10.0.0.2/x", "scheme \"http\" is not coap" },
	{ "coaps://10.0.0.2/x", "scheme \"coaps\" is not coap" },
	{ "coap+tcp://10.0.0.2/x", "scheme \"coap+tcp\" is not coap" },
	{ "10.0.0.2/x", "it does not start with coap://" },
	{ "coap:/10.0.0.2/x", "it does not start with coap://" },
	{ "://10.0.0.2", "it does not start with coap://" },
	{ "", "it does not start with coap://" },
	{ "coap://10.0.0.2/x?a%26b", "\"%26\" cannot be sent in the query \"a%26b\"" },
	{ "coap://10.0.0.2/x?a%00", "\"%00\" cannot be sent in the query \"a%00\"" },
	{ "coap://10.0.0.2/x?a=1#f", "fragment \"#f\" is not allowed" },
	{ "coap://10.0.0.2/x?a b", "\" \" is not allowed in a URI (percent-encode it)" },
	{ "coap://10.0.0.2/x?a%zz", "\"%zz\" is not a percent-encoded byte" },
	{ "coap://10.0.0.2/a//b?x", "empty segment in the path \"a//b\"" },
	{ "coap://10.0.0.2/x#top",
	  "fragment \"#top\" is not allowed (nor is \"#\" in the path)" },
	{ "coap://10.0.0.2/a/#",
	  "fragment \"#\" is not allowed (nor is \"#\" in the path)" },
	{ "coap://sensor.local/x", "host \"sensor.local\"" NOT_LITERAL },
	{ "coap://localhost:5683", "host \"localhost\"" NOT_LITERAL },
	{ "coap://10.0.0/x", "host \"10.0.0\"" NOT_LITERAL },
	{ "coap://10.0.0.256/x", "host \"10.0.0.256\"" NOT_LITERAL },
	{ "coap://fd00::2/x", "IPv6 address \"fd00::2\" must be in brackets" },
	{ "coap://[fd00::2/x", "\"[fd00::2\" has no closing \"]\"" },
	{ "coap://[fd00::g]/x", "\"fd00::g\" is not an IPv6 address" },
	{ "coap://[10.0.0.2]/x", "\"10.0.0.2\" is not an IPv6 address" },
	{ "coap://[fe80::1%25eth0]/x",
	  "\"fe80::1%25eth0\" is not an IPv6 address" },
	{ "coap://[]/x", "\"\" is not an IPv6 address" },
	{ "coap://[fd00::2]5683/x", "\"5683\" after the address is not a port" },
	{ "coap://10.0.0.2:0/x", "port \"0\" is not a number from 1 to 65535" },
	{ "coap://10.0.0.2:65536/x",
	  "port \"65536\" is not a number from 1 to 65535" },
	{ "coap://10.0.0.2:abc/x", "port \"abc\" is not a number from 1 to 65535" },
	{ "coap://10.0.0.2:-1", "port \"-1\" is not a number from 1 to 65535" },
	{ "coap://10.0.0.2:0x10", "port \"0x10\" is not a number from 1 to 65535" },
	{ "coap://10.0.0.2:123456",
	  "port \"123456\" is not a number from 1 to 65535" },
	{ "coap://10.0.0.2:99999999999999999999",
	  "port \"99999999999999999999\" is not a number from 1 to 65535" },
	{ "coap://[fd00::2]:0", "port \"0\" is not a number from 1 to 65535" },
	{ "coap://", "no address after coap://" },
	{ "coap:///x", "no address after coap://" },
	{ "coap://:5683/x", "no address after coap://" },
	{ "coap://user@10.0.0.2/x", "user information \"user@\" is not supported" },
	{ "coap://10.0.0.2/a//b", "empty segment in the path \"a//b\"" },
	{ "coap://10.0.0.2//a", "empty segment in the path \"/a\"" },
	{ "coap://10.0.0.2/a/", "empty segment in the path \"a/\"" },
	{ "coap://10.0.0.2/a/+/b", "\"+\" is not allowed in the path \"a/+/b\"" },
	{ "coap://10.0.0.2/a+", "\"+\" is not allowed in the path \"a+\"" },
	{ "coap://10.0.0.2/a/%2B",
	  "\"%2B\" is \"+\", which is not allowed in the path" },
	{ "coap://10.0.0.2/a/%23",
	  "\"%23\" is \"#\", which is not allowed in the path" },
	{ "coap://10.0.0.2/a%2fb",
	  "\"%2f\" (a \"/\" inside a segment) cannot be sent" },
	{ "coap://10.0.0.2/a%00", "\"%00\" (a NUL) cannot be sent" },
	{ "coap://10.0.0.2/a%4", "\"%4\" is not a percent-encoded byte" },
	{ "coap://10.0.0.2/a%zz", "\"%zz\" is not a percent-encoded byte" },
	{ "coap://10.0.0.2/a%", "\"%\" is not a percent-encoded byte" },
	{ "coap://10.0.0.2/a/../b", "path segment \"..\" is not allowed" },
	{ "coap://10.0.0.2/./b", "path segment \".\" is not allowed" },
	{ "coap://10.0.0.2/a/%2E", "path segment \"%2E\" is not allowed" },
	{ "coap://10.0.0.2/a b",
	  "\" \" is not allowed in a URI (percent-encode it)" },
	{ "coap://10.0.0.2/a\"b",
	  "\"\"\" is not allowed in a URI (percent-encode it)" },
	{ "coap://10.0.0.2/a[1]",
	  "\"[\" is not allowed in a URI (percent-encode it)" },
	{ "coap://10.0.0.2/a\tb",
	  "byte 0x09 is not allowed in a URI (percent-encode it)" },
	{ "coap://10.0.0.2/a\xff", "the path \"a\xff\" is not UTF-8" },
};

TEST(coap_bad_uris)
{
	size_t i;

	for (i = 0; i < sizeof(bad_uris) / sizeof(bad_uris[0]); i++) {
		struct coap_uri u;
		char why[256] = "";

		EXPECT_EQ(-EINVAL, coap_uri_parse(bad_uris[i].uri, &u, why,
						  sizeof(why)))
			TH_LOG("%s", bad_uris[i].uri);
		EXPECT_STREQ(bad_uris[i].why, why)
			TH_LOG("%s", bad_uris[i].uri);
	}
}

TEST(coap_uri_lengths)
{
	char uri[2048], why[256], seg[COAP_SEGMENT_MAX + 2];
	struct coap_uri u;
	int i;

	/* a segment of 255 bytes is the most */
	memset(seg, 's', COAP_SEGMENT_MAX);
	seg[COAP_SEGMENT_MAX] = '\0';
	snprintf(uri, sizeof(uri), "coap://10.0.0.2/%s/x", seg);
	ASSERT_EQ(0, coap_uri_parse(uri, &u, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(COAP_SEGMENT_MAX + 2, strlen(u.path));
	/* counted decoded: 255 "%41" are 255 bytes */
	uri[0] = '\0';
	strcat(uri, "coap://10.0.0.2/");
	for (i = 0; i < COAP_SEGMENT_MAX; i++)
		strcat(uri, "%41");
	ASSERT_EQ(0, coap_uri_parse(uri, &u, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(COAP_SEGMENT_MAX, strlen(u.path));
	seg[COAP_SEGMENT_MAX] = 's';
	seg[COAP_SEGMENT_MAX + 1] = '\0';
	snprintf(uri, sizeof(uri), "coap://10.0.0.2/a/%s", seg);
	EXPECT_EQ(-EINVAL, coap_uri_parse(uri, &u, why, sizeof(why)));
	EXPECT_STREQ("path segment \"ssssssssssssssss...\" is longer than 255 bytes",
		     why);
	/* five segments of 255: more than a request holds */
	seg[COAP_SEGMENT_MAX] = '\0';
	snprintf(uri, sizeof(uri), "coap://10.0.0.2/%s/%s/%s/%s/%s", seg, seg,
		 seg, seg, seg);
	EXPECT_EQ(-EINVAL, coap_uri_parse(uri, &u, why, sizeof(why)));
	EXPECT_STREQ("the path is longer than 1152 bytes", why);
	/* a small buffer for the reason: cut, still a string */
	EXPECT_EQ(-EINVAL, coap_uri_parse("http://x", &u, why, 8));
	EXPECT_STREQ("scheme ", why);
}

TEST(coap_methods)
{
	static const struct {
		const char *word;
		int code;
	} cases[] = {
		{ "get", 1 }, { "post", 2 }, { "put", 3 }, { "delete", 4 },
		{ "fetch", 5 }, { "patch", 6 }, { "ipatch", 7 },
		{ "1", 1 }, { "8", 8 }, { "31", 31 }, { "0x1f", 31 },
		{ "GET", -1 }, { "Get", -1 }, { "iPATCH", -1 }, { "ge", -1 },
		{ "gets", -1 }, { "0", -1 }, { "32", -1 }, { "-1", -1 },
		{ "", -1 }, { "0.01", -1 }, { "4294967297", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(cases[i].code, coap_method_parse(cases[i].word))
			TH_LOG("\"%s\"", cases[i].word);
	}
}

TEST(coap_formats)
{
	static const struct {
		const char *word;
		int format;
	} cases[] = {
		{ "text", 0 }, { "link", 40 }, { "xml", 41 }, { "octets", 42 },
		{ "exi", 47 }, { "json", 50 }, { "cbor", 60 },
		{ "0", 0 }, { "50", 50 }, { "65535", 65535 }, { "0xffff", 65535 },
		{ "65536", -1 }, { "JSON", -1 }, { "yaml", -1 }, { "", -1 },
		{ "-1", -1 }, { "text/plain", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(cases[i].format, coap_format_parse(cases[i].word))
			TH_LOG("\"%s\"", cases[i].word);
	}
}

TEST(coap_codes)
{
	static const struct {
		unsigned int code;
		const char *digits, *name;
	} cases[] = {
		{ 0x41, "2.01", "Created" },
		{ 0x42, "2.02", "Deleted" },
		{ 0x43, "2.03", "Valid" },
		{ 0x44, "2.04", "Changed" },
		{ 0x45, "2.05", "Content" },
		{ 0x5f, "2.31", "Continue" },
		{ 0x80, "4.00", "Bad Request" },
		{ 0x81, "4.01", "Unauthorized" },
		{ 0x82, "4.02", "Bad Option" },
		{ 0x83, "4.03", "Forbidden" },
		{ 0x84, "4.04", "Not Found" },
		{ 0x85, "4.05", "Method Not Allowed" },
		{ 0x86, "4.06", "Not Acceptable" },
		{ 0x88, "4.08", "Request Entity Incomplete" },
		{ 0x8c, "4.12", "Precondition Failed" },
		{ 0x8d, "4.13", "Request Entity Too Large" },
		{ 0x8f, "4.15", "Unsupported Content-Format" },
		{ 0xa0, "5.00", "Internal Server Error" },
		{ 0xa1, "5.01", "Not Implemented" },
		{ 0xa2, "5.02", "Bad Gateway" },
		{ 0xa3, "5.03", "Service Unavailable" },
		{ 0xa4, "5.04", "Gateway Timeout" },
		{ 0xa5, "5.05", "Proxying Not Supported" },
		{ 0x40, "2.00", NULL },
		{ 0x47, "2.07", NULL },
		{ 0x87, "4.07", NULL },
		{ 0x01, "0.01", NULL },
		{ 0xff, "7.31", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[8];

		coap_code_digits(cases[i].code, buf, sizeof(buf));
		EXPECT_STREQ(cases[i].digits, buf);
		if (cases[i].name) {
			EXPECT_STREQ(cases[i].name,
				     coap_code_name(cases[i].code));
		} else {
			EXPECT_EQ(NULL, coap_code_name(cases[i].code))
				TH_LOG("%s", cases[i].digits);
		}
	}
}

TEST_HARNESS_MAIN
