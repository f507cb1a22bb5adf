// SPDX-License-Identifier: GPL-2.0
/*
 * Where iotgwd sends a command (user/iotgwd/route.c): the [device]
 * sections first, in file order, then the kernel's device table (the
 * device under the path's levels but the last, the one sharing the most
 * levels, then the most recently seen); one-level paths by [device]
 * sections only; and the topic matching it rests on (topic_match.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "route.h"
#include "topic_match.h"

#include "kselftest_harness.h"

static const struct {
	const char *filter, *topic;
	bool match;
} matches[] = {
	{ "cabinet/7/#", "cabinet/7/door", true },
	{ "cabinet/7/#", "cabinet/7", true },	/* "#" matches no level too */
	{ "cabinet/7/#", "cabinet/70/door", false },
	{ "cabinet/7/#", "cabinet", false },
	{ "+/door", "7/door", true },
	{ "+/door", "door", false },
	{ "+/door", "a/b/door", false },
	{ "a/+", "a/", true },
	{ "a/+/c", "a//c", true },
	{ "#", "anything/at/all", true },
	{ "#", "$SYS/x", false },
	{ "+/x", "$SYS/x", false },
	{ "$SYS/#", "$SYS/x", true },
	{ "a/b", "a/b", true },
	{ "a/b", "a/b/c", false },
	{ "a/b/c", "a/b", false },
	{ "a/b", "a/bc", false },
	{ "cmd/gw/#", "cmd/gw/cabinet/7/door", true },
};

TEST(filters_match_topics)
{
	for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		EXPECT_EQ(matches[i].match,
			  topic_match(matches[i].filter, matches[i].topic))
			TH_LOG("%s ~ %s", matches[i].filter, matches[i].topic);
	}
}

TEST(topic_levels_and_skip)
{
	EXPECT_EQ(1, topic_levels(""));
	EXPECT_EQ(1, topic_levels("door"));
	EXPECT_EQ(3, topic_levels("cabinet/7/door"));
	EXPECT_EQ(2, topic_levels("a/"));
	EXPECT_STREQ("cabinet/7/door",
		     topic_skip_levels("cmd/gw-0001/cabinet/7/door", 2));
	EXPECT_STREQ("", topic_skip_levels("cmd/gw-0001/", 2));
	EXPECT_EQ(NULL, topic_skip_levels("cmd/gw-0001", 2));
	EXPECT_STREQ("a/b", topic_skip_levels("a/b", 0));
}

static struct device_cfg section(const char *name, const char *path,
				 const char *ip, uint16_t port)
{
	struct device_cfg d = {
		.name = (char *)name, .path = (char *)path,
		.addr = { .family = AF_INET, .port = port },
	};

	inet_pton(AF_INET, ip, d.addr.addr);
	return d;
}

static struct route_device table_device(const char *ip, uint16_t port,
					const char *topic, uint32_t age_ms)
{
	struct route_device d = {
		.addr = { .family = strchr(ip, ':') ? AF_INET6 : AF_INET,
			  .port = port },
		.topic = (char *)topic, .age_ms = age_ms,
	};

	inet_pton(d.addr.family, ip, d.addr.addr);
	return d;
}

static const char *ip_of(const struct route *r, char *buf)
{
	return inet_ntop(r->addr.family, r->addr.addr, buf, INET6_ADDRSTRLEN);
}

TEST(device_sections_in_file_order)
{
	struct device_cfg devices[] = {
		section("cab7", "cabinet/7/#", "10.10.1.2", 5683),
		section("doors", "+/+/door", "10.10.1.3", 5684),
		section("all-cabinets", "cabinet/#", "10.10.1.4", 5683),
		section("bell", "bell", "10.10.1.5", 5683),
	};
	struct config cfg = { .devices = devices, .n_devices = 4 };
	char ip[INET6_ADDRSTRLEN];
	struct route r;

	ASSERT_TRUE(route_by_section(&cfg, "cabinet/7/door", &r));
	EXPECT_EQ(ROUTE_SECTION, r.source);
	EXPECT_STREQ("cab7", r.via);
	EXPECT_STREQ("10.10.1.2", ip_of(&r, ip));
	EXPECT_EQ(5683, r.addr.port);
	/* the first that matches, not the most specific */
	ASSERT_TRUE(route_by_section(&cfg, "cabinet/8/door", &r));
	EXPECT_STREQ("doors", r.via);
	EXPECT_EQ(5684, r.addr.port);
	ASSERT_TRUE(route_by_section(&cfg, "cabinet/8/light", &r));
	EXPECT_STREQ("all-cabinets", r.via);
	/* a one-level path, by a section */
	ASSERT_TRUE(route_by_section(&cfg, "bell", &r));
	EXPECT_STREQ("bell", r.via);
	EXPECT_FALSE(route_by_section(&cfg, "valve/3/open", &r));
}

TEST(device_table)
{
	struct route_table t = { NULL, 0, 0 };
	struct route_device d[] = {
		table_device("10.10.1.9", 40000, "cabinet/7/status", 900),
		table_device("10.10.1.10", 40001, "cabinet/7/temp", 100),
		table_device("10.10.1.11", 40002, "cabinet/8/status", 10),
		table_device("fd00:1::2", 40003, "cabinet/9", 50),
		table_device("10.10.1.12", 40004, "valve/3/open/state", 5000),
		table_device("10.10.1.13", 40005, "valve/3/pressure", 1),
		table_device("10.10.1.14", 40006, "door", 1),
	};
	char ip[INET6_ADDRSTRLEN], why[160];
	struct route r;

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		ASSERT_EQ(0, route_table_add(&t, &d[i]));

	/* the most recently seen of those under cabinet/7/ */
	ASSERT_TRUE(route_by_table(&t, "cabinet/7/door", 5683, &r));
	EXPECT_EQ(ROUTE_TABLE, r.source);
	EXPECT_STREQ("10.10.1.10", ip_of(&r, ip));
	EXPECT_STREQ("cabinet/7/temp", r.via);
	EXPECT_EQ(5683, r.addr.port);	/* device-port, not 40001 */
	/* device-port = 0: the port it sent from */
	ASSERT_TRUE(route_by_table(&t, "cabinet/7/door", 0, &r));
	EXPECT_EQ(40001, r.addr.port);
	/* a topic that is the path's prefix itself, over IPv6 */
	ASSERT_TRUE(route_by_table(&t, "cabinet/9/door", 5683, &r));
	EXPECT_EQ(AF_INET6, r.addr.family);
	EXPECT_STREQ("fd00:1::2", ip_of(&r, ip));
	/* the longest match beats a more recent one */
	ASSERT_TRUE(route_by_table(&t, "valve/3/open", 5683, &r));
	EXPECT_STREQ("10.10.1.12", ip_of(&r, ip));
	ASSERT_TRUE(route_by_table(&t, "valve/3/close", 5683, &r));
	EXPECT_STREQ("10.10.1.13", ip_of(&r, ip));
	/* no device under cabinet/6/, nor a shorter prefix taken instead */
	EXPECT_FALSE(route_by_table(&t, "cabinet/6/door", 5683, &r));
	/* two levels: any device under cabinet/, the most recent */
	ASSERT_TRUE(route_by_table(&t, "cabinet/door", 5683, &r));
	EXPECT_STREQ("cabinet/8/status", r.via);
	/* one level: never by the table, even with a device on "door" */
	EXPECT_FALSE(route_table_can_route("door"));
	EXPECT_FALSE(route_by_table(&t, "door", 5683, &r));
	EXPECT_TRUE(route_table_can_route("door/7"));

	route_unroutable_text("cabinet/6/door", why, sizeof(why));
	EXPECT_STREQ("no device serves cabinet/6/door", why);
	route_unroutable_text("door", why, sizeof(why));
	EXPECT_STREQ("no device serves door (a one-level path is routed by [device] sections only)",
		     why);
	route_unroutable_text("", why, sizeof(why));
	EXPECT_STREQ("the command has no path", why);
	route_table_clear(&t);
	EXPECT_EQ(0, t.n);
	EXPECT_FALSE(route_by_table(&t, "cabinet/7/door", 5683, &r));
}

TEST_HARNESS_MAIN
