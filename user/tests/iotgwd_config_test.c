// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwd's configuration file (user/iotgwd/config.c): a full file with
 * every key, the defaults, the shipped example, the downlink's command
 * keys and [device] sections, and each kind of error with its exact
 * "FILE:LINE: SECTION: what" text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/iotgw.h>

#include "config.h"

#include "kselftest_harness.h"

static char dir[] = "/tmp/iotgwd_config_test.XXXXXX";

/* @text in a fresh file of the test directory; its path (static). */
static const char *write_conf(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

static void __attribute__((constructor)) make_dir(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
}

/* In the harness's process only: the tests' children end with _exit(). */
static void __attribute__((destructor)) cleanup_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

TEST(full_file)
{
	const char *pw_path = write_conf("pw", "s3cret\n");
	char text[2048], err[512], pw[300];
	const struct rule_cfg *r;
	const struct broker_cfg *b;
	struct config *cfg;

	ASSERT_NE(NULL, pw_path);
	snprintf(pw, sizeof(pw), "%s", pw_path);
	snprintf(text, sizeof(text),
		 "; a comment\n"
		 "# another\n"
		 "[gateway]\n"
		 "id = gw-7\n"
		 "credit = 1000\n"
		 "retry-ms = 500 ; inline comment\n"
		 "\n"
		 "[broker cloud]\n"
		 "host = mqtt.example.com\n"
		 "port = 1884\n"
		 "mqtt = 3.1.1\n"
		 "client-id = me\n"
		 "keepalive = 60\n"
		 "username = u\n"
		 "password-file = %s\n"
		 "ca-file = %s\n"
		 "cert-file = %s\n"
		 "key-file = %s\n"
		 "clean-start = yes\n"
		 "[broker edge]\n"
		 "host = 10.0.0.1\n"
		 "[rule temp]\n"
		 "filter = sensors/+/temp\n"
		 "proto = coap\n"
		 "action = ingest\n"
		 "qos = 2\n"
		 "broker = edge\n"
		 "topic = {gateway}/{proto}/{src}/{topic}\n"
		 "[rule all.mqtt_1]\n"
		 "filter = #\n"
		 "proto = mqtt\n"
		 "action = capture\n"
		 "broker = cloud\n",
		 pw, pw, pw, pw);
	ASSERT_EQ(0, config_load(write_conf("full.conf", text), &cfg, err,
				 sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("gw-7", cfg->gateway_id);
	EXPECT_EQ(1000, cfg->credit);
	EXPECT_EQ(500, cfg->retry_ms);
	ASSERT_EQ(2, cfg->n_brokers);
	b = &cfg->brokers[0];
	EXPECT_STREQ("cloud", b->name);
	EXPECT_STREQ("mqtt.example.com", b->host);
	EXPECT_EQ(1884, b->port);
	EXPECT_EQ(CONFIG_MQTT_311, b->mqtt_version);
	EXPECT_STREQ("me", b->client_id);
	EXPECT_EQ(60, b->keepalive);
	EXPECT_STREQ("u", b->username);
	EXPECT_STREQ("s3cret", b->password);
	EXPECT_STREQ(pw, b->ca_file);
	EXPECT_TRUE(b->clean_start);
	EXPECT_EQ(8, b->line);
	/* defaults */
	b = &cfg->brokers[1];
	EXPECT_EQ(CONFIG_DEFAULT_PORT, b->port);
	EXPECT_EQ(CONFIG_MQTT_5, b->mqtt_version);
	EXPECT_STREQ("iotgw-gw-7", b->client_id);
	EXPECT_EQ(CONFIG_DEFAULT_KEEPALIVE, b->keepalive);
	EXPECT_FALSE(b->clean_start);
	EXPECT_EQ(NULL, b->username);
	EXPECT_EQ(NULL, b->ca_file);

	ASSERT_EQ(2, cfg->n_rules);
	r = config_find_rule(cfg, "temp");
	ASSERT_NE(NULL, r);
	EXPECT_STREQ("sensors/+/temp", r->filter);
	EXPECT_EQ(IOTGW_PROTO_COAP, r->proto);
	EXPECT_EQ(IOTGW_ACTION_INGEST, r->action);
	EXPECT_EQ(2, r->qos);
	EXPECT_EQ(1, r->broker);
	EXPECT_STREQ("{gateway}/{proto}/{src}/{topic}", r->topic);
	r = config_find_rule(cfg, "all.mqtt_1");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(-1, r->qos);
	EXPECT_EQ(0, r->broker);
	EXPECT_STREQ("{topic}", r->topic);
	EXPECT_EQ(NULL, config_find_rule(cfg, "nope"));
	EXPECT_TRUE(broker_cfg_equal(&cfg->brokers[0], &cfg->brokers[0]));
	EXPECT_FALSE(broker_cfg_equal(&cfg->brokers[0], &cfg->brokers[1]));
	EXPECT_FALSE(rule_cfg_kernel_equal(&cfg->rules[0], &cfg->rules[1]));
	config_free(cfg);
}

TEST(defaults_and_single_broker)
{
	char err[512];
	struct config *cfg;

	ASSERT_EQ(0, config_load(write_conf("min.conf",
					    "[gateway]\nid=g\n"
					    "[broker only]\nhost=h\nca-file=/dev/null\n"
					    "[rule r]\nfilter=a\naction=capture\n"),
				 &cfg, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(CONFIG_DEFAULT_CREDIT, cfg->credit);
	EXPECT_EQ(CONFIG_DEFAULT_RETRY_MS, cfg->retry_ms);
	EXPECT_EQ(CONFIG_DEFAULT_TLS_PORT, cfg->brokers[0].port);
	EXPECT_EQ(0, cfg->rules[0].broker);
	EXPECT_EQ(IOTGW_PROTO_ANY, cfg->rules[0].proto);
	/* no [spool]: no spool */
	EXPECT_EQ(NULL, cfg->spool.path);
	EXPECT_EQ(SPOOL_FULL_REFUSE, cfg->rules[0].spool_full);
	EXPECT_EQ(-1, cfg->rules[0].confirm);
	config_free(cfg);
}

TEST(spool_keys_and_defaults)
{
	char err[512];
	struct config *cfg;

	ASSERT_EQ(0, config_load(write_conf("spool.conf",
					    "[gateway]\nid=g\n"
					    "[spool]\npath=/var/lib/iotgw/spool.db\n"
					    "max-bytes=1048576\nmax-age=0\n"
					    "[broker b]\nhost=h\n"
					    "[rule r]\nfilter=a\naction=capture\n"
					    "spool-full=drop-qos0\n"
					    "[rule s]\nfilter=b\naction=ingest\n"
					    "proto=coap\nconfirm=store\n"),
				 &cfg, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("/var/lib/iotgw/spool.db", cfg->spool.path);
	EXPECT_EQ(1048576, cfg->spool.lim.max_bytes);
	EXPECT_EQ(0, cfg->spool.lim.max_age_s);
	EXPECT_EQ(CONFIG_DEFAULT_SPOOL_SYNC_MS, cfg->spool.lim.sync_interval_ms);
	EXPECT_EQ(CONFIG_DEFAULT_SPOOL_SYNC_COUNT, cfg->spool.lim.sync_count);
	EXPECT_EQ(CONFIG_DEFAULT_SPOOL_DRAIN_RATE, cfg->spool.drain_rate);
	EXPECT_EQ(SPOOL_FULL_DROP_QOS0, cfg->rules[0].spool_full);
	EXPECT_EQ(IOTGW_CONFIRM_STORE, cfg->rules[1].confirm);
	EXPECT_FALSE(rule_cfg_kernel_equal(&cfg->rules[0], &cfg->rules[1]));
	config_free(cfg);
	ASSERT_EQ(0, config_load(write_conf("spool2.conf",
					    "[gateway]\nid=g\n"
					    "[spool]\npath=/s\nsync-interval-ms=50\n"
					    "sync-count=8\ndrain-rate=10\n"
					    "[broker b]\nhost=h\n"),
				 &cfg, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(CONFIG_DEFAULT_SPOOL_MAX_BYTES, cfg->spool.lim.max_bytes);
	EXPECT_EQ(CONFIG_DEFAULT_SPOOL_MAX_AGE_S, cfg->spool.lim.max_age_s);
	EXPECT_EQ(50, cfg->spool.lim.sync_interval_ms);
	EXPECT_EQ(8, cfg->spool.lim.sync_count);
	EXPECT_EQ(10, cfg->spool.drain_rate);
	config_free(cfg);
}

TEST(shipped_example)
{
	char err[512];
	struct config *cfg;

	ASSERT_EQ(0, config_load("user/iotgwd/iotgwd.conf.example", &cfg, err,
				 sizeof(err))) TH_LOG("%s", err);
	EXPECT_LT(0, cfg->n_brokers);
	EXPECT_LT(0, cfg->n_rules);
	config_free(cfg);
}

/* A file and the error after "PATH:" (a "%s" in it is the test dir). */
static const struct {
	const char *text;
	const char *error;
} bad[] = {
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule temp]\nfilter=a/b\n"
	  "action=capture\nqoss=1\n",
	  "8: rule \"temp\": unknown key \"qoss\"" },
	{ "[gateway]\nid=g\nname=x\n",
	  "3: gateway: unknown key \"name\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule temp]\naction=capture\n",
	  "5: rule \"temp\": missing \"filter\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule temp]\nfilter=a\n",
	  "5: rule \"temp\": missing \"action\"" },
	{ "[gateway]\nid=g\n[broker b]\nport=1\n",
	  "3: broker \"b\": missing \"host\"" },
	{ "[gateway]\ncredit=5\n[broker b]\nhost=h\n",
	  "1: gateway: missing \"id\"" },
	{ "[broker b]\nhost=h\n", " no [gateway] section" },
	{ "[gateway]\nid=g\n",
	  " no [broker NAME] section: iotgwd needs a broker" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[broker c]\nhost=h\n"
	  "[rule temp]\nfilter=a\naction=capture\n",
	  "7: rule \"temp\": missing \"broker\" (there is more than one broker)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule temp]\nfilter=a\n"
	  "action=capture\nbroker=x\n",
	  "8: rule \"temp\": unknown broker \"x\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule temp]\nfilter=a\n"
	  "action=capture\n[rule temp]\n",
	  "8: duplicate section [rule temp] (first at line 5)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[broker b]\n",
	  "5: duplicate section [broker b] (first at line 3)" },
	{ "[gateway]\nid=g\n[gateway]\n",
	  "3: duplicate section [gateway] (first at line 1)" },
	{ "[gateway]\nid=g\n[brokers b]\n",
	  "3: unknown section [brokers b] (use [gateway], [spool], [broker NAME], [rule NAME] or [device NAME])" },
	{ "[gateway]\nid=g\n[rule]\n", "3: [rule] needs a name: [rule NAME]" },
	{ "[gateway]\nid=g\n[rule a/b]\n",
	  "3: rule \"a/b\": a name is 1 to 31 characters of A-Z a-z 0-9 _ . -" },
	{ "[gateway]\nid=g\n[rule a234567890123456789012345678901b]\n",
	  "3: rule \"a234567890123456789012345678901b\": a name is 1 to 31 characters of A-Z a-z 0-9 _ . -" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nport=0\n",
	  "5: broker \"b\": \"0\" for \"port\" is not a number from 1 to 65535" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nport=12ab\n",
	  "5: broker \"b\": \"12ab\" for \"port\" is not a number from 1 to 65535" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nkeepalive=-1\n",
	  "5: broker \"b\": \"-1\" for \"keepalive\" is not a number from 5 to 65535" },
	{ "[gateway]\nid=g\ncredit=0\n",
	  "3: gateway: \"0\" for \"credit\" is not a number from 1 to 65536" },
	{ "[gateway]\nid=g\nretry-ms=99\n",
	  "3: gateway: \"99\" for \"retry-ms\" is not a number from 100 to 600000" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nclean-start=maybe\n",
	  "5: broker \"b\": \"maybe\" for \"clean-start\" is not a boolean (true or false, yes or no, on or off, 1 or 0)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nmqtt=4\n",
	  "5: broker \"b\": \"4\" for \"mqtt\" is not 3.1.1 or 5" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nproto=udp\n",
	  "6: rule \"r\": \"udp\" for \"proto\" is not coap, mqtt or any" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\naction=drop\n",
	  "6: rule \"r\": \"drop\" for \"action\" is not capture or ingest" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nqos=3\n",
	  "6: rule \"r\": \"3\" for \"qos\" is not 0, 1 or 2" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nfilter=a\n"
	  "action=ingest\n",
	  "7: rule \"r\": action \"ingest\" needs \"proto = coap\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nfilter=a/#/b\n",
	  "6: rule \"r\": filter \"a/#/b\": '#' must be the whole last topic level" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nfilter=a+\n",
	  "6: rule \"r\": filter \"a+\": '+' must be a whole topic level" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\n"
	  "filter=1/2/3/4/5/6/7/8/9/0/1/2/3/4/5/6/7/8/9/0/1/2/3/4/5/6/7/8/9/0/1/2/3\n",
	  "6: rule \"r\": filter \"1/2/3/4/5/6/7/8/9/0/1/2/3/4/5/6/7/8/9/0/1/2/3/4/5/6/7/8/9/0/1/2/3\": more than 32 levels" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\ntopic=x/{foo}\n",
	  "6: rule \"r\": topic \"x/{foo}\": unknown placeholder \"{foo}\" (use {topic}, {gateway}, {proto} or {src})" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\ntopic=x/{topic\n",
	  "6: rule \"r\": topic \"x/{topic\": unterminated placeholder \"{topic\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\ntopic=a/#\n",
	  "6: rule \"r\": topic \"a/#\": wildcard in a topic name" },
	{ "[gateway]\nid=g+\n", "2: gateway: id \"g+\": wildcard in a topic name" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nhost=i\n",
	  "5: broker \"b\": \"host\" given twice (first at line 4)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=\n",
	  "4: broker \"b\": empty value for \"host\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\npassword-file=/nonexistent\n",
	  "5: broker \"b\": password-file \"/nonexistent\": No such file or directory" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nca-file=/nonexistent\n",
	  "5: broker \"b\": ca-file \"/nonexistent\": No such file or directory" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncert-file=/dev/null\n"
	  "ca-file=/dev/null\n",
	  "3: broker \"b\": cert-file needs key-file" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncert-file=/dev/null\n"
	  "key-file=/dev/null\n",
	  "3: broker \"b\": cert-file needs ca-file (TLS)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\npassword-file=/dev/null\n",
	  "3: broker \"b\": password-file needs username" },
	{ "id=g\n", "1: key \"id\" outside a section" },
	{ "[gateway]\nid=g\nthis is no key\n",
	  "3: syntax error: expected \"[section]\" or \"key = value\"" },
	{ "[gateway\nid=g\n",
	  "1: syntax error: expected \"[section]\" or \"key = value\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n  port=1\n",
	  "5: broker \"b\": this indented line continues \"host\": multi-line values are not supported, do not indent keys" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nfilter=a/"
	  "123456789012345678901234567890123456789012345678901234567890"
	  "123456789012345678901234567890123456789012345678901234567890"
	  "123456789012345678901234567890123456789012345678901234567890"
	  "123456789012345678901234567890123456789012345678901234567890"
	  "\naction=capture\n",
	  "6: line longer than 198 characters" },
	/* the downlink: command keys, [device NAME], [gateway] keys */
	{ "[gateway]\nid=g\ndevice-port=65536\n",
	  "3: gateway: \"65536\" for \"device-port\" is not a number from 0 to 65535" },
	{ "[gateway]\nid=g\ncommands-max=0\n",
	  "3: gateway: \"0\" for \"commands-max\" is not a number from 1 to 65536" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=cmd/{gateway}\n",
	  "5: broker \"b\": command-topic \"cmd/{gateway}\": must end with \"/#\" (what \"#\" matches is the command's path)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=#\n",
	  "5: broker \"b\": command-topic \"#\": must end with \"/#\" (what \"#\" matches is the command's path)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=$share/grp/cmd/{gateway}/#\n",
	  "5: broker \"b\": command-topic \"$share/grp/cmd/{gateway}/#\": shared subscriptions are not supported" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=cmd/#/x\n",
	  "5: broker \"b\": command-topic \"cmd/#/x\": '#' must be the whole last topic level" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=cmd/{gw}/#\n",
	  "5: broker \"b\": command-topic \"cmd/{gw}/#\": unknown placeholder \"{gw}\" (use {gateway})" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=c/#\n"
	  "reply-topic=r/{topic}\n",
	  "6: broker \"b\": reply-topic \"r/{topic}\": unknown placeholder \"{topic}\" (use {gateway} or {path})" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=c/#\n"
	  "reply-topic=r/+/{path}\n",
	  "6: broker \"b\": reply-topic \"r/+/{path}\": wildcard in a topic name" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=c/{gateway}/#\n"
	  "reply-topic=c/{gateway}/answers/{path}\n",
	  "6: broker \"b\": reply-topic \"c/{gateway}/answers/{path}\" is under command-topic \"c/{gateway}/#\": answers would come back as commands" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nmqtt=3.1.1\n"
	  "command-topic=c/{gateway}/#\n",
	  "6: broker \"b\": command-topic needs reply-topic with mqtt = 3.1.1 (which has no Response Topic)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\nreply-topic=r/{path}\n",
	  "5: broker \"b\": reply-topic needs command-topic" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-confirmable=no\n",
	  "5: broker \"b\": command-confirmable needs command-topic" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=c/#\n"
	  "command-method=patch\n",
	  "6: broker \"b\": \"patch\" for \"command-method\" is not get, post, put or delete" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=c/#\n"
	  "command-timeout-ms=99\n",
	  "6: broker \"b\": \"99\" for \"command-timeout-ms\" is not a number from 100 to 3600000" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\ncommand-topic=c/#\n"
	  "command-confirmable=sometimes\n",
	  "6: broker \"b\": \"sometimes\" for \"command-confirmable\" is not a boolean (true or false, yes or no, on or off, 1 or 0)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device]\n",
	  "5: [device] needs a name: [device NAME]" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\npath=a\n"
	  "address=coap://192.0.2.1\n[device d]\n",
	  "8: duplicate section [device d] (first at line 5)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\naddress=coap://192.0.2.1\n",
	  "5: device \"d\": missing \"path\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\npath=a/#\n",
	  "5: device \"d\": missing \"address\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\nname=x\n",
	  "6: device \"d\": unknown key \"name\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\npath=a/#/b\n",
	  "6: device \"d\": path \"a/#/b\": '#' must be the whole last topic level" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\naddress=coaps://192.0.2.1\n",
	  "6: device \"d\": address \"coaps://192.0.2.1\": not a coap:// address (coap://ADDRESS[:PORT])" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\naddress=coap://cabinet7\n",
	  "6: device \"d\": address \"coap://cabinet7\": not an IPv4 address, nor an IPv6 address in brackets (host names are not resolved)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\naddress=coap://[fd00::1\n",
	  "6: device \"d\": address \"coap://[fd00::1\": \"[\" without \"]\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\naddress=coap://fd00::1\n",
	  "6: device \"d\": address \"coap://fd00::1\": not an IPv4 address, nor an IPv6 address in brackets (host names are not resolved)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\naddress=coap://192.0.2.1:0\n",
	  "6: device \"d\": address \"coap://192.0.2.1:0\": the port \"0\" is not a number from 1 to 65535" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\naddress=coap://192.0.2.1/door\n",
	  "6: device \"d\": address \"coap://192.0.2.1/door\": a device address has no path, query or fragment" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[device d]\naddress=coap://[ff02::fd]\n",
	  "6: device \"d\": address \"coap://[ff02::fd]\": not a unicast address" },
	/* the spool */
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[spool]\nmax-bytes=100000\n",
	  "5: spool: missing \"path\" (without [spool] there is no spool)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[spool x]\n",
	  "5: [spool] takes no name, got \"x\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[spool]\npath=/s\n[spool]\n",
	  "7: duplicate section [spool] (first at line 5)" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[spool]\npath=/s\nmax-bytes=4095\n",
	  "7: spool: \"4095\" for \"max-bytes\" is not a number from 4096 to 1099511627776" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[spool]\npath=/s\nsync-count=0\n",
	  "7: spool: \"0\" for \"sync-count\" is not a number from 1 to 65536" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[spool]\npath=/s\ndrain-rate=0\n",
	  "7: spool: \"0\" for \"drain-rate\" is not a number from 1 to 100000" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[spool]\npath=/s\nfsync=1\n",
	  "7: spool: unknown key \"fsync\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nfilter=a\n"
	  "action=capture\nspool-full=drop-oldest\n",
	  "8: rule \"r\": \"drop-oldest\" for \"spool-full\" is not refuse or drop-qos0" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nfilter=a\n"
	  "action=ingest\nproto=coap\nconfirm=later\n",
	  "9: rule \"r\": \"later\" for \"confirm\" is not admit, store or cloud" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nfilter=a\n"
	  "action=capture\nconfirm=store\n",
	  "8: rule \"r\": confirm \"store\" needs \"action = ingest\"" },
	{ "[gateway]\nid=g\n[broker b]\nhost=h\n[rule r]\nfilter=a\n"
	  "action=ingest\nproto=coap\nqos=0\nconfirm=cloud\n",
	  "10: rule \"r\": confirm \"cloud\" needs QoS 1 or 2 (qos = 0 is not confirmed)" },
	/* the first error counts, not a later one */
	{ "[gateway]\nid=g\nbogus=1\n[broker b]\n", "3: gateway: unknown key \"bogus\"" },
};

TEST(commands_and_devices)
{
	char err[512];
	const struct broker_cfg *b;
	const struct device_cfg *d;
	struct config *cfg;
	uint8_t v6[16];

	ASSERT_EQ(0, config_load(write_conf("cmd.conf",
		"[gateway]\nid = gw-0001\ndevice-port = 0\ncommands-max = 17\n"
		"[broker cloud]\nhost = h\n"
		"command-topic = cmd/{gateway}/#\n"
		"command-method = put\ncommand-timeout-ms = 5000\n"
		"command-confirmable = no\n"
		"[broker old]\nhost = h\nmqtt = 3.1.1\n"
		"command-topic = site/+/{gateway}/cmd/#\n"
		"reply-topic = reply/{gateway}/{path}/done\n"
		"[broker plain]\nhost = h\n"
		"[device cab7]\npath = cabinet/7/#\n"
		"address = coap://10.10.1.2:5684\n"
		"[device v6]\npath = +/door\naddress = coap://[fd00:1::2]/\n"),
		&cfg, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, cfg->device_port);
	EXPECT_EQ(17, cfg->commands_max);
	b = &cfg->brokers[0];
	EXPECT_STREQ("cmd/{gateway}/#", b->command_topic);
	EXPECT_STREQ("cmd/gw-0001/#", b->command_filter);
	EXPECT_EQ(2, b->command_levels);
	EXPECT_EQ(NULL, b->reply_topic);
	EXPECT_EQ(3, b->command_method);
	EXPECT_EQ(5000, b->command_timeout_ms);
	EXPECT_FALSE(b->command_confirmable);
	b = &cfg->brokers[1];
	EXPECT_STREQ("site/+/gw-0001/cmd/#", b->command_filter);
	EXPECT_EQ(4, b->command_levels);
	EXPECT_STREQ("reply/{gateway}/{path}/done", b->reply_topic);
	/* the defaults */
	EXPECT_EQ(2, b->command_method);
	EXPECT_EQ(0, b->command_timeout_ms);
	EXPECT_TRUE(b->command_confirmable);
	b = &cfg->brokers[2];
	EXPECT_EQ(NULL, b->command_topic);
	EXPECT_EQ(NULL, b->command_filter);
	/* command settings do not make a broker connect anew */
	EXPECT_TRUE(broker_cfg_equal(&cfg->brokers[0], &cfg->brokers[0]));

	ASSERT_EQ(2, cfg->n_devices);
	d = &cfg->devices[0];
	EXPECT_STREQ("cab7", d->name);
	EXPECT_STREQ("cabinet/7/#", d->path);
	EXPECT_EQ(AF_INET, d->addr.family);
	EXPECT_EQ(0, memcmp(d->addr.addr, "\x0a\x0a\x01\x02", 4));
	EXPECT_EQ(5684, d->addr.port);
	EXPECT_EQ(18, d->line);
	d = &cfg->devices[1];
	ASSERT_EQ(1, inet_pton(AF_INET6, "fd00:1::2", v6));
	EXPECT_EQ(AF_INET6, d->addr.family);
	EXPECT_EQ(0, memcmp(d->addr.addr, v6, 16));
	EXPECT_EQ(5683, d->addr.port);
	config_free(cfg);

	/* without the keys: device-port 5683, commands-max 256 */
	ASSERT_EQ(0, config_load(write_conf("nocmd.conf",
					    "[gateway]\nid=g\n[broker b]\nhost=h\n"),
				 &cfg, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(CONFIG_DEFAULT_DEVICE_PORT, cfg->device_port);
	EXPECT_EQ(CONFIG_DEFAULT_COMMANDS_MAX, cfg->commands_max);
	EXPECT_EQ(0, cfg->n_devices);
	config_free(cfg);
}

TEST(errors_name_file_line_and_key)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = write_conf("bad.conf", bad[i].text);
		char err[512], want[600];
		struct config *cfg = (struct config *)1;

		ASSERT_NE(NULL, path);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].error);
		EXPECT_EQ(-EINVAL, config_load(path, &cfg, err, sizeof(err)))
			TH_LOG("case %zu accepted", i);
		EXPECT_EQ(NULL, cfg);
		EXPECT_STREQ(want, err) TH_LOG("case %zu", i);
	}
}

TEST(missing_file)
{
	char err[512];
	struct config *cfg;

	EXPECT_EQ(-EINVAL, config_load("/nonexistent/iotgwd.conf", &cfg, err,
				       sizeof(err)));
	EXPECT_STREQ("/nonexistent/iotgwd.conf: No such file or directory", err);
}

TEST(password_strips_one_newline)
{
	const char *pw = write_conf("pw2", "two words \n\n");
	char text[512], err[512], path[300];
	struct config *cfg;

	ASSERT_NE(NULL, pw);
	snprintf(path, sizeof(path), "%s", pw);
	snprintf(text, sizeof(text),
		 "[gateway]\nid=g\n[broker b]\nhost=h\nusername=u\n"
		 "password-file=%s\n", path);
	ASSERT_EQ(0, config_load(write_conf("pw.conf", text), &cfg, err,
				 sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("two words \n", cfg->brokers[0].password);
	config_free(cfg);
}

TEST_HARNESS_MAIN
