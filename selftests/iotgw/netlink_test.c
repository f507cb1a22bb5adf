// SPDX-License-Identifier: GPL-2.0
/*
 * The iotgw generic netlink family: it resolves through libnl with the
 * version the header promises, reports the module version and the
 * namespace's configuration, refuses what it does not understand with an
 * explanation, and exists in every network namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <linux/iotgw.h>

#include "iotgw_nl.h"
#include "kselftest_harness.h"

struct config_reply {
	char version[64];
	int have[IOTGW_CONFIG_A_MAX + 1];
	unsigned int value[IOTGW_CONFIG_A_MAX + 1];
};

static int parse_config(struct nl_msg *msg, void *arg)
{
	struct config_reply *r = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *cfg[IOTGW_CONFIG_A_MAX + 1];
	int i;

	if (iotgw_nl_parse(msg, tb, IOTGW_A_MAX) < 0 ||
	    !tb[IOTGW_A_VERSION] || !tb[IOTGW_A_CONFIG])
		return -1;
	snprintf(r->version, sizeof(r->version), "%s",
		 nla_get_string(tb[IOTGW_A_VERSION]));
	if (nla_parse_nested(cfg, IOTGW_CONFIG_A_MAX, tb[IOTGW_A_CONFIG],
			     NULL) < 0)
		return -1;
	for (i = 1; i <= IOTGW_CONFIG_A_MAX; i++) {
		if (!cfg[i])
			continue;
		r->have[i] = 1;
		r->value[i] = nla_len(cfg[i]) == 2 ? nla_get_u16(cfg[i]) :
						      nla_get_u32(cfg[i]);
	}
	return 0;
}

static int config_get(struct iotgw_nl *nl, struct config_reply *r)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_CONFIG_GET, 0);

	memset(r, 0, sizeof(*r));
	if (!msg)
		return -ENOMEM;
	return iotgw_nl_transact(nl, msg, parse_config, r);
}

static void read_sysfs_version(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/iotgw/version", "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

FIXTURE(iotgw)
{
	struct iotgw_nl nl;
};

FIXTURE_SETUP(iotgw)
{
	ASSERT_EQ(0, iotgw_nl_open(&self->nl))
		TH_LOG("%s", self->nl.error);
}

FIXTURE_TEARDOWN(iotgw)
{
	iotgw_nl_close(&self->nl);
}

TEST_F(iotgw, family_resolves_with_header_version)
{
	struct nl_cache *cache;
	struct genl_family *fam;

	ASSERT_GT(self->nl.family, 0);
	ASSERT_EQ(0, genl_ctrl_alloc_cache(self->nl.sock, &cache));
	fam = genl_ctrl_search_by_name(cache, IOTGW_GENL_NAME);
	ASSERT_NE(NULL, fam);
	EXPECT_EQ(self->nl.family, genl_family_get_id(fam));
	EXPECT_EQ(IOTGW_GENL_VERSION, (int)genl_family_get_version(fam));
	EXPECT_EQ(IOTGW_A_MAX, (int)genl_family_get_maxattr(fam));
	genl_family_put(fam);
	nl_cache_free(cache);
}

TEST_F(iotgw, config_get_reports_version_and_defaults)
{
	struct config_reply r;
	char sysfs[64];
	int i;

	ASSERT_EQ(0, config_get(&self->nl, &r)) TH_LOG("%s", self->nl.error);
	read_sysfs_version(sysfs, sizeof(sysfs));
	EXPECT_STREQ(sysfs, r.version);
	for (i = 1; i <= IOTGW_CONFIG_A_MAX; i++)
		EXPECT_TRUE(r.have[i]) TH_LOG("config attribute %d missing", i);
	EXPECT_EQ(5683U, r.value[IOTGW_CONFIG_A_COAP_PORT]);
	EXPECT_EQ(1883U, r.value[IOTGW_CONFIG_A_MQTT_PORT]);
	EXPECT_LT(0U, r.value[IOTGW_CONFIG_A_MAX_RULES]);
	EXPECT_LT(0U, r.value[IOTGW_CONFIG_A_QUEUE_MAX_BYTES]);
}

TEST_F(iotgw, unexpected_attribute_refused_with_reason)
{
	struct nl_msg *msg = iotgw_nl_request(&self->nl, IOTGW_CMD_CONFIG_GET, 0);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, IOTGW_A_VERSION, "9.9.9"));
	EXPECT_EQ(-EINVAL, iotgw_nl_transact(&self->nl, msg, NULL, NULL));
	/* "Invalid argument: <the kernel's extack message>" */
	EXPECT_NE(NULL, strstr(self->nl.error, "Invalid argument: "))
		TH_LOG("no extack message: \"%s\"", self->nl.error);
}

TEST_F(iotgw, attribute_beyond_maxattr_refused)
{
	struct nl_msg *msg = iotgw_nl_request(&self->nl, IOTGW_CMD_CONFIG_GET, 0);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, IOTGW_A_MAX + 7, 1));
	EXPECT_EQ(-EINVAL, iotgw_nl_transact(&self->nl, msg, NULL, NULL));
}

TEST_F(iotgw, unknown_command_refused)
{
	struct nl_msg *msg = iotgw_nl_request(&self->nl, 200, 0);

	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EOPNOTSUPP, iotgw_nl_transact(&self->nl, msg, NULL, NULL));
}

/* A fresh namespace has the family and its own default configuration. */
TEST(family_in_new_netns)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct iotgw_nl nl;
		struct config_reply r;

		if (unshare(CLONE_NEWNET))
			_exit(10);
		if (iotgw_nl_open(&nl)) {
			fprintf(stderr, "%s\n", nl.error);
			_exit(11);
		}
		if (config_get(&nl, &r)) {
			fprintf(stderr, "%s\n", nl.error);
			_exit(12);
		}
		iotgw_nl_close(&nl);
		_exit(r.value[IOTGW_CONFIG_A_COAP_PORT] == 5683 ? 0 : 13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
