// SPDX-License-Identifier: GPL-2.0
/*
 * A command and its answer (user/iotgwd/command.c, answer.c): the path
 * from the topic, the MQTT 5 properties read (coap-method, Content Type,
 * Response Topic, Correlation Data) or the 3.1.1 reply-topic, what cannot
 * be carried out; the answer's MQTT 5 properties and payload, and the
 * MQTT 3.1.1 JSON object; the CoAP texts they use (coap_text.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "coap_text.h"
#include "command.h"
#include "config.h"

#include "kselftest_harness.h"

static char dir[] = "/tmp/iotgwd_command_test.XXXXXX";

static struct config *load(const char *text)
{
	char path[128], err[512];
	struct config *cfg;
	FILE *f;

	snprintf(path, sizeof(path), "%s/c.conf", dir);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	if (config_load(path, &cfg, err, sizeof(err))) {
		fprintf(stderr, "# %s\n", err);
		return NULL;
	}
	return cfg;
}

static void __attribute__((constructor)) make_dir(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
}

static void __attribute__((destructor)) cleanup_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static const char conf[] =
	"[gateway]\nid = gw-0001\n"
	"[broker v5]\nhost = h\ncommand-topic = cmd/{gateway}/#\n"
	"command-timeout-ms = 2000\n"
	"[broker v5reply]\nhost = h\ncommand-topic = cmd/{gateway}/#\n"
	"reply-topic = reply/{gateway}/{path}\ncommand-confirmable = false\n"
	"[broker v311]\nhost = h\nmqtt = 3.1.1\ncommand-method = get\n"
	"command-topic = c/{gateway}/#\nreply-topic = r/{gateway}/{path}\n";

FIXTURE(cmd) {
	struct config *cfg;
};

FIXTURE_SETUP(cmd)
{
	self->cfg = load(conf);
	ASSERT_NE(NULL, self->cfg);
}

FIXTURE_TEARDOWN(cmd)
{
	config_free(self->cfg);
}

TEST_F(cmd, mqtt5_properties)
{
	struct broker_property props[] = {
		{ "other", "x" }, { "coap-method", "PUT" },
	};
	struct broker_incoming m = {
		.topic = "cmd/gw-0001/cabinet/7/door",
		.payload = "open", .payload_len = 4, .qos = 1,
		.response_topic = "resp/1",
		.correlation_data = "abc123", .correlation_len = 6,
		.content_type = "application/json",
		.user_props = props, .n_user_props = 2,
	};
	struct command *c;

	c = command_from_message(&self->cfg->brokers[0], "gw-0001", &m, 42);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(42, c->id);
	EXPECT_STREQ("v5", c->broker);
	EXPECT_STREQ("cabinet/7/door", c->path);
	EXPECT_EQ(COAP_METHOD_PUT, c->method);
	EXPECT_TRUE(c->confirmable);
	EXPECT_EQ(2000, c->timeout_ms);
	EXPECT_EQ(50, c->content_format);
	ASSERT_EQ(4, c->payload_len);
	EXPECT_EQ(0, memcmp(c->payload, "open", 4));
	EXPECT_STREQ("resp/1", c->reply_topic);
	ASSERT_EQ(6, c->correlation_len);
	EXPECT_EQ(0, memcmp(c->correlation, "abc123", 6));
	EXPECT_STREQ("", c->problem);
	command_free(c);

	/* no Response Topic: the reply-topic; none of those: nowhere */
	m.response_topic = NULL;
	m.correlation_data = NULL;
	m.correlation_len = 0;
	m.content_type = "application/x-unknown";
	m.n_user_props = 0;
	c = command_from_message(&self->cfg->brokers[1], "gw-0001", &m, 43);
	ASSERT_NE(NULL, c);
	EXPECT_STREQ("reply/gw-0001/cabinet/7/door", c->reply_topic);
	EXPECT_EQ(-1, c->content_format);
	EXPECT_EQ(COAP_METHOD_POST, c->method);
	EXPECT_FALSE(c->confirmable);
	EXPECT_EQ(NULL, c->correlation);
	command_free(c);
	c = command_from_message(&self->cfg->brokers[0], "gw-0001", &m, 44);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(NULL, c->reply_topic);
	command_free(c);
}

TEST_F(cmd, what_cannot_be_carried_out)
{
	static char big[IOTGW_COAP_REQ_MSG_MAX + 1];
	struct broker_property bad_method = { "coap-method", "patch" };
	struct broker_incoming m = {
		.topic = "cmd/gw-0001/a/b", .payload = "", .qos = 1,
		.user_props = &bad_method, .n_user_props = 1,
	};
	struct command *c;

	c = command_from_message(&self->cfg->brokers[0], "gw-0001", &m, 1);
	ASSERT_NE(NULL, c);
	EXPECT_STREQ("coap-method \"patch\" is not get, post, put or delete",
		     c->problem);
	command_free(c);

	m.n_user_props = 0;
	m.payload = big;
	m.payload_len = sizeof(big);
	c = command_from_message(&self->cfg->brokers[0], "gw-0001", &m, 2);
	ASSERT_NE(NULL, c);
	EXPECT_STREQ("the payload is 1153 bytes long, a CoAP request takes at most 1152",
		     c->problem);
	command_free(c);

	m.payload_len = 0;
	m.retain = true;
	c = command_from_message(&self->cfg->brokers[0], "gw-0001", &m, 3);
	ASSERT_NE(NULL, c);
	EXPECT_STREQ("a retained command is not carried out (it would be again on every subscription)",
		     c->problem);
	command_free(c);

	/* "#" matched nothing: an empty path (unroutable later) */
	m.retain = false;
	m.topic = "cmd/gw-0001";
	c = command_from_message(&self->cfg->brokers[0], "gw-0001", &m, 4);
	ASSERT_NE(NULL, c);
	EXPECT_STREQ("", c->path);
	EXPECT_STREQ("", c->problem);
	command_free(c);
}

static struct command *mqtt5_command(FIXTURE_DATA(cmd) *self)
{
	struct broker_incoming m = {
		.topic = "cmd/gw-0001/cabinet/7/door", .payload = "open",
		.payload_len = 4, .qos = 1, .response_topic = "resp/1",
		.correlation_data = "abc123", .correlation_len = 6,
	};

	return command_from_message(&self->cfg->brokers[0], "gw-0001", &m, 7);
}

/* "name=value;..." of the message's user properties. */
static void props_text(const struct broker_message *bm, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < bm->n_user_props && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s=%s;",
					bm->user_props[i].name,
					bm->user_props[i].value);
}

TEST_F(cmd, mqtt5_answers)
{
	struct command *c = mqtt5_command(self);
	struct command_outcome o = {
		.status = COMMAND_RESPONSE, .code = 0x44, .transmissions = 2,
		.content_format = 0, .payload = "ok:open", .payload_len = 7,
	};
	struct broker_message bm;
	struct answer *a;
	char props[256];

	ASSERT_NE(NULL, c);
	a = answer_new(c, &o);
	ASSERT_NE(NULL, a);
	answer_message(a, &bm);
	EXPECT_EQ(7, a->id);
	EXPECT_STREQ("v5", a->broker);
	EXPECT_STREQ("resp/1", bm.topic);
	EXPECT_EQ(1, bm.qos);
	ASSERT_EQ(7, bm.payload_len);
	EXPECT_EQ(0, memcmp(bm.payload, "ok:open", 7));
	EXPECT_STREQ("text/plain;charset=utf-8", bm.content_type);
	ASSERT_EQ(6, bm.correlation_len);
	EXPECT_EQ(0, memcmp(bm.correlation_data, "abc123", 6));
	props_text(&bm, props, sizeof(props));
	EXPECT_STREQ("coap-status=response;coap-code=2.04;coap-transmissions=2;",
		     props);
	answer_free(a);

	/* 4.04, no Content-Format, no payload */
	o = (struct command_outcome){
		.status = COMMAND_RESPONSE, .code = 0x84, .transmissions = 1,
		.content_format = -1,
	};
	a = answer_new(c, &o);
	ASSERT_NE(NULL, a);
	answer_message(a, &bm);
	EXPECT_EQ(0, bm.payload_len);
	EXPECT_EQ(NULL, bm.content_type);
	props_text(&bm, props, sizeof(props));
	EXPECT_STREQ("coap-status=response;coap-code=4.04;coap-transmissions=1;",
		     props);
	answer_free(a);

	o = (struct command_outcome){
		.status = COMMAND_TIMEOUT, .transmissions = 5,
		.content_format = -1,
	};
	a = answer_new(c, &o);
	ASSERT_NE(NULL, a);
	answer_message(a, &bm);
	props_text(&bm, props, sizeof(props));
	EXPECT_STREQ("coap-status=timeout;coap-transmissions=5;", props);
	EXPECT_EQ(6, bm.correlation_len);
	answer_free(a);

	o = (struct command_outcome){
		.status = COMMAND_UNROUTABLE, .content_format = -1,
		.error = "no device serves cabinet/7/door",
	};
	a = answer_new(c, &o);
	ASSERT_NE(NULL, a);
	answer_message(a, &bm);
	EXPECT_EQ(0, bm.payload_len);
	props_text(&bm, props, sizeof(props));
	EXPECT_STREQ("coap-status=unroutable;coap-error=no device serves cabinet/7/door;",
		     props);
	answer_free(a);

	o.status = COMMAND_BUSY;
	o.error = "256 commands are pending already (commands-max)";
	a = answer_new(c, &o);
	ASSERT_NE(NULL, a);
	answer_message(a, &bm);
	props_text(&bm, props, sizeof(props));
	EXPECT_STREQ("coap-status=busy;coap-error=256 commands are pending already (commands-max);",
		     props);
	answer_free(a);

	/* a text cut inside a character (a long path) is cut before it */
	o.status = COMMAND_UNROUTABLE;
	o.error = "no device serves caf\xc3\xa9/\xc3";
	a = answer_new(c, &o);
	ASSERT_NE(NULL, a);
	answer_message(a, &bm);
	props_text(&bm, props, sizeof(props));
	EXPECT_STREQ("coap-status=unroutable;coap-error=no device serves caf\xc3\xa9/;",
		     props);
	answer_free(a);
	command_free(c);
}

static struct command *mqtt311_command(FIXTURE_DATA(cmd) *self)
{
	struct broker_incoming m = {
		.topic = "c/gw-0001/cabinet/7/temp", .payload = "", .qos = 1,
	};

	return command_from_message(&self->cfg->brokers[2], "gw-0001", &m, 9);
}

/* The JSON payload of @c's answer to @o. */
static char *json_of(const struct command *c, const struct command_outcome *o)
{
	struct answer *a = answer_new(c, o);
	struct broker_message bm;
	char *text;

	if (!a)
		return NULL;
	answer_message(a, &bm);
	text = strndup(bm.payload, bm.payload_len);
	if (bm.content_type || bm.n_user_props || bm.correlation_data) {
		free(text);
		text = strdup("MQTT 5 parts in a 3.1.1 answer");
	}
	answer_free(a);
	return text;
}

TEST_F(cmd, mqtt311_json)
{
	struct command *c = mqtt311_command(self);
	struct command_outcome o = {
		.status = COMMAND_RESPONSE, .code = 0x45, .transmissions = 1,
		.content_format = 0, .payload = "22.5 \"C\"/\n", .payload_len = 10,
	};
	char *json;

	ASSERT_NE(NULL, c);
	EXPECT_EQ(COAP_METHOD_GET, c->method);
	EXPECT_STREQ("r/gw-0001/cabinet/7/temp", c->reply_topic);
	json = json_of(c, &o);
	EXPECT_STREQ("{\"status\":\"response\",\"code\":\"2.05\",\"content_format\":0,\"payload\":\"22.5 \\\"C\\\"/\\n\",\"transmissions\":1}",
		     json);
	free(json);

	/* not UTF-8: the bytes in hex */
	o = (struct command_outcome){
		.status = COMMAND_RESPONSE, .code = 0x44, .transmissions = 3,
		.content_format = -1, .payload = "\xff\x00\x01", .payload_len = 3,
	};
	json = json_of(c, &o);
	EXPECT_STREQ("{\"status\":\"response\",\"code\":\"2.04\",\"payload_hex\":\"ff0001\",\"transmissions\":3}",
		     json);
	free(json);

	o = (struct command_outcome){
		.status = COMMAND_RESET, .transmissions = 1, .content_format = -1,
	};
	json = json_of(c, &o);
	EXPECT_STREQ("{\"status\":\"reset\",\"transmissions\":1}", json);
	free(json);

	o = (struct command_outcome){
		.status = COMMAND_UNROUTABLE, .content_format = -1,
		.error = "no device serves cabinet/7/temp",
	};
	json = json_of(c, &o);
	EXPECT_STREQ("{\"status\":\"unroutable\",\"error\":\"no device serves cabinet/7/temp\"}",
		     json);
	free(json);

	o.status = COMMAND_ERROR;
	o.error = "the kernel refused the request: Invalid argument: bad path";
	json = json_of(c, &o);
	EXPECT_STREQ("{\"status\":\"error\",\"error\":\"the kernel refused the request: Invalid argument: bad path\"}",
		     json);
	free(json);
	command_free(c);
}

TEST_F(cmd, answered_nowhere)
{
	struct broker_incoming m = {
		.topic = "cmd/gw-0001/a/b", .payload = "", .qos = 1,
	};
	struct command_outcome o = { .status = COMMAND_TIMEOUT };
	struct command *c;
	struct answer *a;

	c = command_from_message(&self->cfg->brokers[0], "gw-0001", &m, 5);
	ASSERT_NE(NULL, c);
	a = answer_new(c, &o);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(NULL, a->topic);
	answer_free(a);
	command_free(c);
}

TEST(status_names)
{
	EXPECT_STREQ("response", command_status_name(COMMAND_RESPONSE));
	EXPECT_STREQ("timeout", command_status_name(COMMAND_TIMEOUT));
	EXPECT_STREQ("reset", command_status_name(COMMAND_RESET));
	EXPECT_STREQ("unreachable", command_status_name(COMMAND_UNREACHABLE));
	EXPECT_STREQ("unroutable", command_status_name(COMMAND_UNROUTABLE));
	EXPECT_STREQ("busy", command_status_name(COMMAND_BUSY));
	EXPECT_STREQ("error", command_status_name(COMMAND_ERROR));
}

TEST(coap_texts)
{
	struct coap_address a;
	char buf[COAP_TEXT_ADDR_LEN], why[160];

	EXPECT_EQ(COAP_METHOD_GET, coap_method_parse("get"));
	EXPECT_EQ(COAP_METHOD_DELETE, coap_method_parse("DELETE"));
	EXPECT_EQ(-1, coap_method_parse("fetch"));
	EXPECT_EQ(-1, coap_method_parse(""));
	EXPECT_STREQ("POST", coap_method_name(2, buf, sizeof(buf)));
	EXPECT_STREQ("0.05", coap_method_name(5, buf, sizeof(buf)));
	coap_code_text(0x44, buf, sizeof(buf));
	EXPECT_STREQ("2.04", buf);
	coap_code_text(0xa3, buf, sizeof(buf));
	EXPECT_STREQ("5.03", buf);

	ASSERT_EQ(0, coap_address_parse("coap://10.10.1.2", &a, why,
					sizeof(why))) TH_LOG("%s", why);
	coap_address_text(&a, buf, sizeof(buf));
	EXPECT_STREQ("10.10.1.2:5683", buf);
	ASSERT_EQ(0, coap_address_parse("coap://[fd00:1::2]:61616/", &a, why,
					sizeof(why))) TH_LOG("%s", why);
	coap_address_text(&a, buf, sizeof(buf));
	EXPECT_STREQ("[fd00:1::2]:61616", buf);
	EXPECT_NE(0, coap_address_parse("coap://[::]", &a, why, sizeof(why)));
	EXPECT_STREQ("not a unicast address", why);
	EXPECT_NE(0, coap_address_parse("coap://10.10.1.2:5683?x", &a, why,
					sizeof(why)));
	EXPECT_STREQ("a device address has no path, query or fragment", why);
}

TEST_HARNESS_MAIN
