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
#include <stdlib.h>
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

/* ---- IOTGW_CMD_COAP_REQUEST ---- */

enum coap_bad {
	BAD_NO_NEST, BAD_NO_ADDR, BAD_ADDR_LEN, BAD_MAPPED, BAD_ANY,
	BAD_MULTICAST, BAD_METHOD, BAD_ID, BAD_PATH, BAD_QUERY, BAD_TIMEOUT,
	__BAD_MAX
};

static const struct {
	int err;
	const char *extack;	/* a part of the kernel's explanation */
} coap_bad_want[__BAD_MAX] = {
	[BAD_NO_NEST] = { -EINVAL, "needs a device address and a method" },
	[BAD_NO_ADDR] = { -EINVAL, "needs a device address" },
	[BAD_ADDR_LEN] = { -EINVAL, "4 or 16 bytes" },
	[BAD_MAPPED] = { -EINVAL, "given as 4 bytes" },
	[BAD_ANY] = { -EINVAL, "unicast" },
	[BAD_MULTICAST] = { -EINVAL, "unicast" },
	[BAD_METHOD] = { -ERANGE, "" },
	[BAD_ID] = { -EINVAL, "the kernel picks the id" },
	[BAD_PATH] = { -EINVAL, "bad path" },
	[BAD_QUERY] = { -EINVAL, "query part over 255 bytes" },
	[BAD_TIMEOUT] = { -ERANGE, "" },
};

static struct nl_msg *coap_bad_request(const struct iotgw_nl *nl, int bad)
{
	static const unsigned char v4[4] = { 127, 0, 0, 1 };
	static const unsigned char mapped[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 };
	static const unsigned char any[4], mcast[16] = { 0xff, 0x02, [15] = 1 };
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_COAP_REQUEST, 0);
	char query[300];
	struct nlattr *nest;

	if (!msg || bad == BAD_NO_NEST)
		return msg;
	memset(query, 'q', sizeof(query));
	query[256] = '\0';
	nest = nla_nest_start(msg, IOTGW_A_COAP_REQ);
	if (bad == BAD_ADDR_LEN)
		nla_put(msg, IOTGW_COAP_REQ_A_ADDR, 5, v4);
	else if (bad == BAD_MAPPED)
		nla_put(msg, IOTGW_COAP_REQ_A_ADDR, 16, mapped);
	else if (bad == BAD_ANY)
		nla_put(msg, IOTGW_COAP_REQ_A_ADDR, 4, any);
	else if (bad == BAD_MULTICAST)
		nla_put(msg, IOTGW_COAP_REQ_A_ADDR, 16, mcast);
	else if (bad != BAD_NO_ADDR)
		nla_put(msg, IOTGW_COAP_REQ_A_ADDR, 4, v4);
	nla_put_u8(msg, IOTGW_COAP_REQ_A_METHOD, bad == BAD_METHOD ? 0 : 1);
	if (bad == BAD_ID)
		nla_put_u64(msg, IOTGW_COAP_REQ_A_ID, 1);
	if (bad == BAD_PATH)
		nla_put_string(msg, IOTGW_COAP_REQ_A_PATH, "door/+/open");
	if (bad == BAD_QUERY)
		nla_put_string(msg, IOTGW_COAP_REQ_A_QUERY, query);
	if (bad == BAD_TIMEOUT)
		nla_put_u32(msg, IOTGW_COAP_REQ_A_TIMEOUT_MS, 50);
	nla_nest_end(msg, nest);
	return msg;
}

TEST_F(iotgw, coap_request_refusals_explained)
{
	int bad;

	for (bad = 0; bad < __BAD_MAX; bad++) {
		struct nl_msg *msg = coap_bad_request(&self->nl, bad);

		ASSERT_NE(NULL, msg);
		EXPECT_EQ(coap_bad_want[bad].err,
			  iotgw_nl_transact(&self->nl, msg, NULL, NULL))
			TH_LOG("case %d: %s", bad, self->nl.error);
		EXPECT_NE(NULL, strstr(self->nl.error, coap_bad_want[bad].extack))
			TH_LOG("case %d: \"%s\" lacks \"%s\"", bad,
			       self->nl.error, coap_bad_want[bad].extack);
	}
}

struct coap_outcome {
	uint64_t id, result_id, cookie;
	int have_reply, have_result, have_cookie, status, transmissions;
	int token_len, acked, err;
};

static int parse_coap_result(struct nl_msg *msg, void *arg);

/* The reply to the request, or its result: they may come in any order. */
static int parse_coap_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IOTGW_A_MAX + 1], *a[IOTGW_COAP_REQ_A_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct coap_outcome *o = arg;

	if (g->cmd == IOTGW_CMD_COAP_RESULT)
		return parse_coap_result(msg, arg);
	if (iotgw_nl_parse(msg, tb, IOTGW_A_MAX) < 0 || !tb[IOTGW_A_COAP_REQ] ||
	    nla_parse_nested(a, IOTGW_COAP_REQ_A_MAX, tb[IOTGW_A_COAP_REQ],
			     NULL) < 0 ||
	    !a[IOTGW_COAP_REQ_A_ID] || !a[IOTGW_COAP_REQ_A_MID] ||
	    !a[IOTGW_COAP_REQ_A_TOKEN])
		return -1;
	o->id = nla_get_u64(a[IOTGW_COAP_REQ_A_ID]);
	o->token_len = nla_len(a[IOTGW_COAP_REQ_A_TOKEN]);
	o->have_reply = 1;
	return NL_OK;
}

static int coap_seq_any(struct nl_msg *msg __attribute__((unused)),
			void *arg __attribute__((unused)))
{
	return NL_OK;
}

static int coap_on_ack(struct nl_msg *msg __attribute__((unused)), void *arg)
{
	((struct coap_outcome *)arg)->acked = 1;
	return NL_OK;
}

static int coap_on_error(struct sockaddr_nl *nla __attribute__((unused)),
			 struct nlmsgerr *e,
			 void *arg)
{
	struct coap_outcome *o = arg;

	o->acked = 1;
	o->err = e->error;
	return NL_STOP;
}

static int parse_coap_result(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IOTGW_A_MAX + 1], *a[IOTGW_COAP_RESULT_A_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct coap_outcome *o = arg;

	if (g->cmd != IOTGW_CMD_COAP_RESULT)
		return NL_SKIP;
	if (iotgw_nl_parse(msg, tb, IOTGW_A_MAX) < 0 ||
	    !tb[IOTGW_A_COAP_RESULT] ||
	    nla_parse_nested(a, IOTGW_COAP_RESULT_A_MAX,
			     tb[IOTGW_A_COAP_RESULT], NULL) < 0 ||
	    !a[IOTGW_COAP_RESULT_A_ID] || !a[IOTGW_COAP_RESULT_A_STATUS] ||
	    !a[IOTGW_COAP_RESULT_A_TRANSMISSIONS])
		return NL_SKIP;
	o->result_id = nla_get_u64(a[IOTGW_COAP_RESULT_A_ID]);
	o->status = nla_get_u8(a[IOTGW_COAP_RESULT_A_STATUS]);
	o->transmissions = nla_get_u32(a[IOTGW_COAP_RESULT_A_TRANSMISSIONS]);
	if (a[IOTGW_COAP_RESULT_A_COOKIE]) {
		o->have_cookie = 1;
		o->cookie = nla_get_u64(a[IOTGW_COAP_RESULT_A_COOKIE]);
	}
	o->have_result = 1;
	return NL_OK;
}

/*
 * In a namespace of its own, a request to a loopback port nobody serves:
 * the reply names it, then its result comes, unreachable (ICMP port
 * unreachable), with the cookie. Exit status: 0, or which check failed.
 */
static int coap_request_to_nobody(void)
{
	static const unsigned char lo[4] = { 127, 0, 0, 1 };
	struct coap_outcome o = {};
	struct iotgw_nl nl;
	struct nlattr *nest;
	struct nl_msg *msg;
	struct nl_cb *cb;
	int i;

	if (unshare(CLONE_NEWNET) || system("ip link set lo up"))
		return 10;
	if (iotgw_nl_open(&nl))
		return 11;
	msg = iotgw_nl_request(&nl, IOTGW_CMD_COAP_REQUEST, 0);
	if (!msg)
		return 12;
	nest = nla_nest_start(msg, IOTGW_A_COAP_REQ);
	nla_put(msg, IOTGW_COAP_REQ_A_ADDR, 4, lo);
	nla_put_u16(msg, IOTGW_COAP_REQ_A_PORT, 9);
	nla_put_u8(msg, IOTGW_COAP_REQ_A_METHOD, 1);
	nla_put_string(msg, IOTGW_COAP_REQ_A_PATH, "nobody/home");
	nla_put_u64(msg, IOTGW_COAP_REQ_A_COOKIE, 0xfeedc0de12345678ULL);
	nla_put_u32(msg, IOTGW_COAP_REQ_A_TIMEOUT_MS, 5000);
	nla_nest_end(msg, nest);
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	/* the result is unsolicited (sequence number 0), maybe before the ack */
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, coap_seq_any, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, parse_coap_reply, &o);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, coap_on_ack, &o);
	nl_cb_err(cb, NL_CB_CUSTOM, coap_on_error, &o);
	if (nl_send_auto(nl.sock, msg) < 0)
		return 13;
	nlmsg_free(msg);
	nl_socket_set_nonblocking(nl.sock);
	for (i = 0; i < 100 && !(o.acked && o.have_result) && !o.err; i++) {
		if (nl_recvmsgs(nl.sock, cb) < 0)
			usleep(50000);
	}
	nl_cb_put(cb);
	iotgw_nl_close(&nl);
	if (o.err || !o.have_reply || o.token_len != 8)
		return 14;
	if (!o.have_result)
		return 15;
	if (o.result_id != o.id)
		return 16;
	if (o.status != IOTGW_COAP_STATUS_UNREACHABLE || o.transmissions != 1)
		return 17;
	if (!o.have_cookie || o.cookie != 0xfeedc0de12345678ULL)
		return 18;
	return 0;
}

TEST(coap_request_reply_then_result_with_cookie)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(coap_request_to_nobody());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Only an administrator may make the gateway send. */
TEST(coap_request_needs_cap_net_admin)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct iotgw_nl nl;
		struct nl_msg *msg;

		if (iotgw_nl_open(&nl) || setuid(65534))
			_exit(10);
		msg = coap_bad_request(&nl, __BAD_MAX);
		_exit(iotgw_nl_transact(&nl, msg, NULL, NULL) == -EPERM ? 0 : 11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
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
