// SPDX-License-Identifier: GPL-2.0
/*
 * The rule, config and stats commands over netlink: what is accepted comes
 * back as it was sent, what is not is refused with the right errno and an
 * extack message naming the problem, privileges and namespaces hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iotgw.h>

#include "iotgw_nl.h"
#include "kselftest_harness.h"

struct rule_spec {
	const char *name;
	const char *filter;
	int action;		/* 0: leave out */
	int proto, hook;	/* -1: leave out */
	long long mark, skb_prio, rate, burst, prio, flags; /* -1: leave out */
};

#define RULE(n, f, a) { .name = n, .filter = f, .action = a, .proto = -1, \
	.hook = -1, .mark = -1, .skb_prio = -1, .rate = -1, .burst = -1, \
	.prio = -1, .flags = -1 }

static int put_rule(struct nl_msg *msg, const struct rule_spec *r)
{
	struct nlattr *nest = nla_nest_start(msg, IOTGW_A_RULE);

	if (!nest)
		return -1;
	if (r->name && nla_put_string(msg, IOTGW_RULE_A_NAME, r->name))
		return -1;
	if (r->filter && nla_put_string(msg, IOTGW_RULE_A_FILTER, r->filter))
		return -1;
	if (r->action && nla_put_u8(msg, IOTGW_RULE_A_ACTION, r->action))
		return -1;
	if (r->proto >= 0 && nla_put_u8(msg, IOTGW_RULE_A_PROTO, r->proto))
		return -1;
	if (r->hook >= 0 && nla_put_u8(msg, IOTGW_RULE_A_HOOK, r->hook))
		return -1;
	if (r->mark >= 0 && nla_put_u32(msg, IOTGW_RULE_A_MARK, r->mark))
		return -1;
	if (r->skb_prio >= 0 &&
	    nla_put_u32(msg, IOTGW_RULE_A_SKB_PRIORITY, r->skb_prio))
		return -1;
	if (r->rate >= 0 && nla_put_u32(msg, IOTGW_RULE_A_RATE, r->rate))
		return -1;
	if (r->burst >= 0 && nla_put_u32(msg, IOTGW_RULE_A_BURST, r->burst))
		return -1;
	if (r->prio >= 0 && nla_put_u32(msg, IOTGW_RULE_A_PRIORITY, r->prio))
		return -1;
	if (r->flags >= 0 && nla_put_u32(msg, IOTGW_RULE_A_FLAGS, r->flags))
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

/* flags: 1 = IOTGW_A_REPLACE */
static int rule_cmd(struct iotgw_nl *nl, int cmd, int flags,
		    const struct rule_spec *r)
{
	struct nl_msg *msg = iotgw_nl_request(nl, cmd, 0);

	if (!msg || (r && put_rule(msg, r)) ||
	    ((flags & 1) && nla_put_flag(msg, IOTGW_A_REPLACE))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return iotgw_nl_transact(nl, msg, NULL, NULL);
}

static int rule_add(struct iotgw_nl *nl, const struct rule_spec *r)
{
	return rule_cmd(nl, IOTGW_CMD_RULE_NEW, 0, r);
}

static int simple_cmd(struct iotgw_nl *nl, int cmd)
{
	return rule_cmd(nl, cmd, 0, NULL);
}

static int config_set_u32(struct iotgw_nl *nl, int attr, unsigned int v,
			  int u16)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_CONFIG_SET, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, IOTGW_A_CONFIG);
	if (u16)
		nla_put_u16(msg, attr, v);
	else
		nla_put_u32(msg, attr, v);
	nla_nest_end(msg, nest);
	return iotgw_nl_transact(nl, msg, NULL, NULL);
}

/* What a dump or a get returned. */
struct rule_seen {
	char name[IOTGW_RULE_NAME_MAX];
	char filter[256];
	int action, proto, hook;
	unsigned int mark, prio, rate, burst;
	int has_mark, has_stats;
};

struct dump {
	int n;
	struct rule_seen r[2048];
};

static int collect(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1], *rt[IOTGW_RULE_A_MAX + 1];
	struct rule_seen *s;

	if (iotgw_nl_parse(msg, tb, IOTGW_A_MAX) || !tb[IOTGW_A_RULE] ||
	    d->n >= 2048)
		return -1;
	if (nla_parse_nested(rt, IOTGW_RULE_A_MAX, tb[IOTGW_A_RULE], NULL))
		return -1;
	s = &d->r[d->n++];
	memset(s, 0, sizeof(*s));
	if (rt[IOTGW_RULE_A_NAME])
		snprintf(s->name, sizeof(s->name), "%s",
			 nla_get_string(rt[IOTGW_RULE_A_NAME]));
	if (rt[IOTGW_RULE_A_FILTER])
		snprintf(s->filter, sizeof(s->filter), "%s",
			 nla_get_string(rt[IOTGW_RULE_A_FILTER]));
	s->action = rt[IOTGW_RULE_A_ACTION] ?
		    nla_get_u8(rt[IOTGW_RULE_A_ACTION]) : -1;
	s->proto = rt[IOTGW_RULE_A_PROTO] ?
		   nla_get_u8(rt[IOTGW_RULE_A_PROTO]) : -1;
	s->hook = rt[IOTGW_RULE_A_HOOK] ? nla_get_u8(rt[IOTGW_RULE_A_HOOK]) : -1;
	s->has_mark = !!rt[IOTGW_RULE_A_MARK];
	if (s->has_mark)
		s->mark = nla_get_u32(rt[IOTGW_RULE_A_MARK]);
	if (rt[IOTGW_RULE_A_PRIORITY])
		s->prio = nla_get_u32(rt[IOTGW_RULE_A_PRIORITY]);
	if (rt[IOTGW_RULE_A_RATE])
		s->rate = nla_get_u32(rt[IOTGW_RULE_A_RATE]);
	if (rt[IOTGW_RULE_A_BURST])
		s->burst = nla_get_u32(rt[IOTGW_RULE_A_BURST]);
	s->has_stats = !!rt[IOTGW_RULE_A_STATS];
	return 0;
}

static int dump_rules(struct iotgw_nl *nl, struct dump *d)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_RULE_GET,
					      NLM_F_DUMP);

	d->n = 0;
	if (!msg)
		return -ENOMEM;
	return iotgw_nl_transact(nl, msg, collect, d);
}

static struct dump dump_buf;

FIXTURE(rules)
{
	struct iotgw_nl nl;
};

FIXTURE_SETUP(rules)
{
	ASSERT_EQ(0, iotgw_nl_open(&self->nl)) TH_LOG("%s", self->nl.error);
	ASSERT_EQ(0, simple_cmd(&self->nl, IOTGW_CMD_RULE_FLUSH));
	ASSERT_EQ(0, config_set_u32(&self->nl, IOTGW_CONFIG_A_MAX_RULES,
				    10000, 0));
}

FIXTURE_TEARDOWN(rules)
{
	simple_cmd(&self->nl, IOTGW_CMD_RULE_FLUSH);
	iotgw_nl_close(&self->nl);
}

/* Expect @err and an extack message containing @text. */
#define EXPECT_REFUSED(call, err, text) do {				\
	EXPECT_EQ(err, (call));						\
	EXPECT_NE(NULL, strstr(self->nl.error, text))			\
		TH_LOG("extack \"%s\" lacks \"%s\"", self->nl.error, text); \
} while (0)

TEST_F(rules, add_get_dump_round_trip)
{
	struct rule_spec a = RULE("temp", "sensors/+/temp", IOTGW_ACTION_MARK);
	struct rule_spec b = RULE("limit", "sensors/#", IOTGW_ACTION_RATELIMIT);

	a.mark = 0x10;
	a.proto = IOTGW_PROTO_COAP;
	a.hook = IOTGW_HOOK_FWD;
	a.prio = 7;
	b.rate = 100;
	ASSERT_EQ(0, rule_add(&self->nl, &a)) TH_LOG("%s", self->nl.error);
	ASSERT_EQ(0, rule_add(&self->nl, &b)) TH_LOG("%s", self->nl.error);
	ASSERT_EQ(0, dump_rules(&self->nl, &dump_buf));
	ASSERT_EQ(2, dump_buf.n);
	EXPECT_STREQ("temp", dump_buf.r[0].name);
	EXPECT_STREQ("sensors/+/temp", dump_buf.r[0].filter);
	EXPECT_EQ(IOTGW_ACTION_MARK, dump_buf.r[0].action);
	EXPECT_EQ(IOTGW_PROTO_COAP, dump_buf.r[0].proto);
	EXPECT_EQ(IOTGW_HOOK_FWD, dump_buf.r[0].hook);
	EXPECT_TRUE(dump_buf.r[0].has_mark);
	EXPECT_EQ(0x10U, dump_buf.r[0].mark);
	EXPECT_EQ(7U, dump_buf.r[0].prio);
	EXPECT_TRUE(dump_buf.r[0].has_stats);
	EXPECT_STREQ("limit", dump_buf.r[1].name);
	EXPECT_EQ(IOTGW_PROTO_ANY, dump_buf.r[1].proto);
	EXPECT_EQ(100U, dump_buf.r[1].rate);
	EXPECT_EQ(100U, dump_buf.r[1].burst);	/* burst defaults to rate */

	/* do: one rule by name */
	{
		struct nl_msg *msg = iotgw_nl_request(&self->nl,
						      IOTGW_CMD_RULE_GET, 0);
		struct rule_spec k = RULE("limit", NULL, 0);

		ASSERT_EQ(0, put_rule(msg, &k));
		dump_buf.n = 0;
		ASSERT_EQ(0, iotgw_nl_transact(&self->nl, msg, collect,
					       &dump_buf));
		ASSERT_EQ(1, dump_buf.n);
		EXPECT_STREQ("sensors/#", dump_buf.r[0].filter);
	}
}

TEST_F(rules, duplicate_name_and_replace)
{
	struct rule_spec a = RULE("r1", "a/b", IOTGW_ACTION_ACCEPT);
	struct rule_spec a2 = RULE("r1", "a/+", IOTGW_ACTION_DROP);

	ASSERT_EQ(0, rule_add(&self->nl, &a));
	EXPECT_REFUSED(rule_add(&self->nl, &a2), -EEXIST, "exists");
	ASSERT_EQ(0, rule_cmd(&self->nl, IOTGW_CMD_RULE_NEW, 1, &a2))
		TH_LOG("%s", self->nl.error);
	ASSERT_EQ(0, dump_rules(&self->nl, &dump_buf));
	ASSERT_EQ(1, dump_buf.n);
	EXPECT_STREQ("a/+", dump_buf.r[0].filter);
	EXPECT_EQ(IOTGW_ACTION_DROP, dump_buf.r[0].action);
	/* replace also creates */
	a2.name = "r2";
	ASSERT_EQ(0, rule_cmd(&self->nl, IOTGW_CMD_RULE_NEW, 1, &a2));
	ASSERT_EQ(0, dump_rules(&self->nl, &dump_buf));
	EXPECT_EQ(2, dump_buf.n);
	/* the replace flag belongs to RULE_NEW only */
	EXPECT_EQ(-EINVAL, rule_cmd(&self->nl, IOTGW_CMD_RULE_DEL, 1, &a2));
}

TEST_F(rules, bad_rules_refused_with_reasons)
{
	struct rule_spec r = RULE("bad", "a/#/b", IOTGW_ACTION_ACCEPT);

	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "'#'");
	r.filter = "a+/b";
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "'+'");
	r.filter = "";
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "empty");
	r.filter = "a/b";
	r.name = "has space";
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "rule name");
	r.name = "waytoolongnamewaytoolongnamewaytoolong";
	EXPECT_EQ(-EINVAL, rule_add(&self->nl, &r));
	r.name = "ok";
	r.filter = NULL;
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "needs a filter");
	r.filter = "a/b";
	r.action = 0;
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "needs an action");
	r.action = 9;
	EXPECT_REFUSED(rule_add(&self->nl, &r), -ERANGE, "out of range");
	r.action = IOTGW_ACTION_MARK;
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "needs a mark");
	r.action = IOTGW_ACTION_RATELIMIT;
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "needs a rate");
	r.action = IOTGW_ACTION_ACCEPT;
	r.rate = 5;
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL, "belong to action ratelimit");
	r.rate = -1;
	r.proto = 7;
	EXPECT_REFUSED(rule_add(&self->nl, &r), -ERANGE, "out of range");
	r.proto = -1;
	r.flags = 1U << 30;
	EXPECT_EQ(-EINVAL, rule_add(&self->nl, &r));
	r.flags = IOTGW_RULE_F_PER_SOURCE;
	r.action = IOTGW_ACTION_ACCEPT;
	EXPECT_REFUSED(rule_add(&self->nl, &r), -EINVAL,
		       "per-source belongs to action ratelimit");
	ASSERT_EQ(0, dump_rules(&self->nl, &dump_buf));
	EXPECT_EQ(0, dump_buf.n);
}

TEST_F(rules, delete_and_flush)
{
	struct rule_spec a = RULE("x", "a", IOTGW_ACTION_ACCEPT);
	struct rule_spec k = RULE("x", NULL, 0);

	EXPECT_REFUSED(rule_cmd(&self->nl, IOTGW_CMD_RULE_DEL, 0, &k),
		       -ENOENT, "no rule");
	ASSERT_EQ(0, rule_add(&self->nl, &a));
	ASSERT_EQ(0, rule_cmd(&self->nl, IOTGW_CMD_RULE_DEL, 0, &k));
	ASSERT_EQ(0, dump_rules(&self->nl, &dump_buf));
	EXPECT_EQ(0, dump_buf.n);
	ASSERT_EQ(0, rule_add(&self->nl, &a));
	ASSERT_EQ(0, simple_cmd(&self->nl, IOTGW_CMD_RULE_FLUSH));
	ASSERT_EQ(0, dump_rules(&self->nl, &dump_buf));
	EXPECT_EQ(0, dump_buf.n);
}

TEST_F(rules, max_rules_enforced)
{
	struct rule_spec r = RULE("m", "a", IOTGW_ACTION_ACCEPT);
	char name[16];
	int i;

	ASSERT_EQ(0, config_set_u32(&self->nl, IOTGW_CONFIG_A_MAX_RULES, 3, 0));
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		r.name = name;
		ASSERT_EQ(0, rule_add(&self->nl, &r));
	}
	r.name = "m3";
	EXPECT_REFUSED(rule_add(&self->nl, &r), -ENOSPC, "max-rules");
	EXPECT_REFUSED(config_set_u32(&self->nl, IOTGW_CONFIG_A_MAX_RULES, 2, 0),
		       -EBUSY, "below the number of rules");
	EXPECT_EQ(-ERANGE, config_set_u32(&self->nl, IOTGW_CONFIG_A_MAX_RULES,
					  0, 0));
	EXPECT_EQ(-ERANGE, config_set_u32(&self->nl, IOTGW_CONFIG_A_COAP_PORT,
					  0, 1));
}

TEST_F(rules, large_dump_resumes)
{
	struct rule_spec r = RULE(NULL, NULL, IOTGW_ACTION_ACCEPT);
	char name[16], filter[32];
	int i;

	for (i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(filter, sizeof(filter), "dev/%d/+/temp", i);
		r.name = name;
		r.filter = filter;
		ASSERT_EQ(0, rule_add(&self->nl, &r)) TH_LOG("%s", self->nl.error);
	}
	ASSERT_EQ(0, dump_rules(&self->nl, &dump_buf));
	ASSERT_EQ(1500, dump_buf.n);
	for (i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ASSERT_STREQ(name, dump_buf.r[i].name);
	}
}

/* Reading is open to everyone; changing needs CAP_NET_ADMIN. */
TEST_F(rules, unprivileged_reads_only)
{
	struct rule_spec a = RULE("priv", "a", IOTGW_ACTION_ACCEPT);
	pid_t pid;
	int status;

	ASSERT_EQ(0, rule_add(&self->nl, &a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct iotgw_nl nl;
		struct rule_spec b = RULE("nope", "b", IOTGW_ACTION_ACCEPT);

		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (iotgw_nl_open(&nl))
			_exit(11);
		if (dump_rules(&nl, &dump_buf) || dump_buf.n != 1)
			_exit(12);
		if (simple_cmd(&nl, IOTGW_CMD_STATS_GET))
			_exit(13);
		if (rule_add(&nl, &b) != -EPERM)
			_exit(14);
		if (simple_cmd(&nl, IOTGW_CMD_RULE_FLUSH) != -EPERM)
			_exit(15);
		if (config_set_u32(&nl, IOTGW_CONFIG_A_MAX_RULES, 5, 0) != -EPERM)
			_exit(16);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Two namespaces keep separate rules. */
TEST_F(rules, namespaces_are_separate)
{
	struct rule_spec a = RULE("outer", "a", IOTGW_ACTION_ACCEPT);
	pid_t pid;
	int status;

	ASSERT_EQ(0, rule_add(&self->nl, &a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct iotgw_nl nl;
		struct rule_spec b = RULE("inner", "b", IOTGW_ACTION_DROP);

		if (unshare(CLONE_NEWNET) || iotgw_nl_open(&nl))
			_exit(10);
		if (dump_rules(&nl, &dump_buf) || dump_buf.n != 0)
			_exit(11);
		if (rule_add(&nl, &b) || dump_rules(&nl, &dump_buf) ||
		    dump_buf.n != 1 || strcmp(dump_buf.r[0].name, "inner"))
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, dump_rules(&self->nl, &dump_buf));
	ASSERT_EQ(1, dump_buf.n);
	EXPECT_STREQ("outer", dump_buf.r[0].name);
}

TEST_HARNESS_MAIN
