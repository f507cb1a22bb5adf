// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwctl's pure parsing (tools/iotgwctl/parse.c): numbers as the grammar
 * allows them and nothing else, rule names by the header's rules, keyword
 * tables, batch line words, and output quoting that reads back as the
 * same word.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The CLI is not a library: build its parsing module into this test. */
#include "../../tools/iotgwctl/parse.c"

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

TEST_HARNESS_MAIN
