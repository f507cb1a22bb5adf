// SPDX-License-Identifier: GPL-2.0
/* iotgwd's cloud topic templates (user/iotgwd/template.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

#include "kselftest_harness.h"

static const struct template_vars vars = { .value = {
	[TEMPLATE_TOPIC] = "sensors/room1/temp",
	[TEMPLATE_GATEWAY] = "gw-1",
	[TEMPLATE_PROTO] = "coap",
	[TEMPLATE_SRC] = "2001:db8::7",
} };

static const struct {
	const char *text;
	const char *expanded;
} good[] = {
	{ "{topic}", "sensors/room1/temp" },
	{ "plain/text", "plain/text" },
	{ "{gateway}/{proto}/{topic}", "gw-1/coap/sensors/room1/temp" },
	{ "src/{src}/{topic}/x", "src/2001:db8::7/sensors/room1/temp/x" },
	{ "{topic}{topic}", "sensors/room1/tempsensors/room1/temp" },
	{ "a{gateway}b", "agw-1b" },
};

TEST(expand)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct template t;
		char err[256];
		char *out;

		ASSERT_EQ(0, template_parse(good[i].text, &t, err, sizeof(err)))
			TH_LOG("%s: %s", good[i].text, err);
		out = template_expand(&t, &vars);
		ASSERT_NE(NULL, out);
		EXPECT_STREQ(good[i].expanded, out);
		free(out);
		template_free(&t);
	}
}

TEST(missing_value_expands_empty)
{
	struct template_vars none = { .value = { [TEMPLATE_TOPIC] = "t" } };
	struct template t;
	char err[256];
	char *out;

	ASSERT_EQ(0, template_parse("{src}/{topic}", &t, err, sizeof(err)));
	out = template_expand(&t, &none);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("/t", out);
	free(out);
	template_free(&t);
}

static const struct {
	const char *text;
	const char *error;
} bad[] = {
	{ "", "empty template" },
	{ "{foo}", "unknown placeholder \"{foo}\" (use {topic}, {gateway}, {proto} or {src})" },
	{ "a/{Topic}", "unknown placeholder \"{Topic}\" (use {topic}, {gateway}, {proto} or {src})" },
	{ "a/{}", "unknown placeholder \"{}\" (use {topic}, {gateway}, {proto} or {src})" },
	{ "a/{topic", "unterminated placeholder \"{topic\"" },
	{ "a/{top{ic}", "unterminated placeholder \"{top\"" },
	{ "a}b", "\"}\" without \"{\"" },
	{ "{topic}}", "\"}\" without \"{\"" },
};

TEST(errors)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct template t;
		char err[256];

		EXPECT_EQ(-EINVAL, template_parse(bad[i].text, &t, err,
						  sizeof(err)));
		EXPECT_STREQ(bad[i].error, err) TH_LOG("\"%s\"", bad[i].text);
		EXPECT_EQ(0, t.n_parts);
		EXPECT_EQ(NULL, t.parts);
	}
}

/* A reply topic: {gateway} and {path} only. */
TEST(reply_topic_vars)
{
	const unsigned int vars = TEMPLATE_VAR(TEMPLATE_GATEWAY) |
				  TEMPLATE_VAR(TEMPLATE_PATH);
	struct template_vars v = { .value = {
		[TEMPLATE_GATEWAY] = "gw-1", [TEMPLATE_PATH] = "cabinet/7/door",
	} };
	struct template t;
	char err[256];
	char *out;

	ASSERT_EQ(0, template_parse_vars("reply/{gateway}/{path}", vars, &t,
					 err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(template_has(&t, TEMPLATE_PATH));
	EXPECT_FALSE(template_has(&t, TEMPLATE_TOPIC));
	out = template_expand(&t, &v);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("reply/gw-1/cabinet/7/door", out);
	free(out);
	template_free(&t);

	EXPECT_EQ(-EINVAL, template_parse_vars("r/{topic}", vars, &t, err,
					       sizeof(err)));
	EXPECT_STREQ("unknown placeholder \"{topic}\" (use {gateway} or {path})",
		     err);
	EXPECT_EQ(-EINVAL, template_parse_vars("c/{path}/#",
					       TEMPLATE_VAR(TEMPLATE_GATEWAY),
					       &t, err, sizeof(err)));
	EXPECT_STREQ("unknown placeholder \"{path}\" (use {gateway})", err);
	/* a rule's topic has no {path} */
	EXPECT_EQ(-EINVAL, template_parse("{path}", &t, err, sizeof(err)));
	EXPECT_STREQ("unknown placeholder \"{path}\" (use {topic}, {gateway}, {proto} or {src})",
		     err);
}

TEST_HARNESS_MAIN
