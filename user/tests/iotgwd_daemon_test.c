// SPDX-License-Identifier: GPL-2.0
/*
 * The iotgwd program end to end, without the kernel module: its generic
 * netlink sockets are pointed (LD_PRELOAD of iotgwd_fake_genl.c, built
 * as build/user/iotgwd_fake_genl.so) at a NETLINK_USERSOCK socket of this
 * test that answers as the iotgw family does, and it forwards to a real mosquitto (skipped when mosquitto is not
 * installed). Checked: the rules it loads (RULE_NEW with REPLACE), the
 * QUEUE_BIND from its consumer socket, QUEUE_MSG batches published and
 * acked once each (a copy in the same batch ignored, an unknown rule
 * nacked), SIGHUP deleting a rule no longer configured and keeping the
 * running configuration when the new file is bad, SIGTERM unbinding and
 * exiting 0; with a spool, messages acked while the broker is down,
 * published after a SIGKILL and a restart once it is back, and a broker's
 * refusal of a message whose sensor waits for it rejected with 5.03. IOTGWD_TEST_VALGRIND=1 runs iotgwd under valgrind.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iotgw.h>
#include <linux/netlink.h>
#include <mosquitto.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "clock.h"

#include "iotgwd_mosquitto.h"

#include "kselftest_harness.h"

#define IOTGWD_FAKE_FAMILY 0x42		/* as in iotgwd_fake_genl.c */
#define IOTGWD_BIN "user/iotgwd/iotgwd"
#define FAKE_GENL_SO "build/user/iotgwd_fake_genl.so"
#define MAX_IDS 64
#define MAX_RULES 8

/* What the stand-in kernel was asked. */
struct fake_kernel {
	int fd;
	uint32_t port;
	uint32_t consumer;		/* the bound socket's port */
	uint32_t rules_port;		/* where the rule requests came from */
	uint32_t credit, retry_ms;
	int binds, unbinds;
	char rule_new[MAX_RULES][IOTGW_RULE_NAME_MAX];
	int rule_new_qos[MAX_RULES];
	int rule_new_confirm[MAX_RULES];
	int rule_new_hook[MAX_RULES];
	bool rule_new_replace[MAX_RULES];
	int n_rule_new;
	char rule_del[MAX_RULES][IOTGW_RULE_NAME_MAX];
	int n_rule_del;
	int acks[MAX_IDS], nacks[MAX_IDS], rejects[MAX_IDS];
	int ack_requests;
	int reject_code;		/* of the last REJECT, -1: none given */
	const char *refuse_rule;	/* RULE_NEW of this name: -EINVAL */
	bool refuse_bind;		/* QUEUE_BIND: -EBUSY */
	const char *extack;		/* the refusal's message */
	int received;			/* what the subscriber got */
	char topics[MAX_IDS][128];
};

static struct fake_kernel k;

static int fake_kernel_open(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(a);

	k.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);
	if (k.fd < 0 || bind(k.fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(k.fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	k.port = a.nl_pid;
	return 0;
}

static void send_to(uint32_t port, const void *buf, size_t len)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_pid = port };

	if (sendto(k.fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a)) < 0)
		fprintf(stderr, "# fake kernel: sendto %u: %s\n", port,
			strerror(errno));
}

/*
 * The kernel's answer to @req: an ack when asked for, errors always, with
 * k.extack as the extended ack message (NLM_F_CAPPED: no copy of @req's
 * payload).
 */
static void answer(uint32_t port, const struct nlmsghdr *req, int error)
{
	struct {
		struct nlmsghdr hdr;
		struct nlmsgerr err;
		struct nlattr attr;
		char text[128];
	} ack = {
		.hdr = {
			.nlmsg_type = NLMSG_ERROR, .nlmsg_flags = NLM_F_CAPPED,
			.nlmsg_seq = req->nlmsg_seq,
		},
		.err = { .error = error, .msg = *req },
	};
	size_t len = NLMSG_HDRLEN + sizeof(ack.err);

	if (error && k.extack) {
		ack.hdr.nlmsg_flags |= NLM_F_ACK_TLVS;
		snprintf(ack.text, sizeof(ack.text), "%s", k.extack);
		ack.attr.nla_type = NLMSGERR_ATTR_MSG;
		ack.attr.nla_len = (uint16_t)(NLA_HDRLEN + strlen(ack.text) + 1);
		len += NLA_ALIGN(ack.attr.nla_len);
	}
	ack.hdr.nlmsg_len = (uint32_t)len;
	if (error || (req->nlmsg_flags & NLM_F_ACK))
		send_to(port, &ack, len);
}

static void record_ids(const struct nlattr *ids, int *counts)
{
	const uint64_t *id = nla_data(ids);
	int n = nla_len(ids) / (int)sizeof(*id);

	for (int i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, id + i, sizeof(v));
		if (v < MAX_IDS)
			counts[v]++;
	}
}

static int handle_request(uint32_t from, struct nlmsghdr *hdr)
{
	struct genlmsghdr *gh = nlmsg_data(hdr);
	struct nlattr *tb[IOTGW_A_MAX + 1], *rt[IOTGW_RULE_A_MAX + 1];
	struct nlattr *qt[IOTGW_QUEUE_A_MAX + 1];

	if (hdr->nlmsg_type != IOTGWD_FAKE_FAMILY ||
	    genlmsg_parse(hdr, 0, tb, IOTGW_A_MAX, NULL) < 0)
		return -EINVAL;
	switch (gh->cmd) {
	case IOTGW_CMD_RULE_NEW:
	case IOTGW_CMD_RULE_DEL:
		k.rules_port = from;
		if (!tb[IOTGW_A_RULE] ||
		    nla_parse_nested(rt, IOTGW_RULE_A_MAX, tb[IOTGW_A_RULE],
				     NULL) < 0 || !rt[IOTGW_RULE_A_NAME])
			return -EINVAL;
		if (gh->cmd == IOTGW_CMD_RULE_DEL && k.n_rule_del < MAX_RULES) {
			snprintf(k.rule_del[k.n_rule_del++], IOTGW_RULE_NAME_MAX,
				 "%s", nla_get_string(rt[IOTGW_RULE_A_NAME]));
		} else if (gh->cmd == IOTGW_CMD_RULE_NEW && k.refuse_rule &&
			   !strcmp(k.refuse_rule,
				   nla_get_string(rt[IOTGW_RULE_A_NAME]))) {
			return -EINVAL;
		} else if (gh->cmd == IOTGW_CMD_RULE_NEW &&
			   k.n_rule_new < MAX_RULES) {
			int i = k.n_rule_new++;

			snprintf(k.rule_new[i], IOTGW_RULE_NAME_MAX, "%s",
				 nla_get_string(rt[IOTGW_RULE_A_NAME]));
			k.rule_new_confirm[i] = rt[IOTGW_RULE_A_CONFIRM] ?
				nla_get_u8(rt[IOTGW_RULE_A_CONFIRM]) : -1;
			k.rule_new_hook[i] = rt[IOTGW_RULE_A_HOOK] ?
				nla_get_u8(rt[IOTGW_RULE_A_HOOK]) : -1;
			k.rule_new_qos[i] = rt[IOTGW_RULE_A_QOS] ?
				nla_get_u8(rt[IOTGW_RULE_A_QOS]) : -1;
			k.rule_new_replace[i] = tb[IOTGW_A_REPLACE];
		}
		return 0;
	case IOTGW_CMD_QUEUE_BIND:
		if (!tb[IOTGW_A_QUEUE] ||
		    nla_parse_nested(qt, IOTGW_QUEUE_A_MAX, tb[IOTGW_A_QUEUE],
				     NULL) < 0 || !qt[IOTGW_QUEUE_A_CREDIT])
			return -EINVAL;
		if (k.refuse_bind || (k.consumer && k.consumer != from))
			return -EBUSY;
		k.consumer = from;
		k.credit = nla_get_u32(qt[IOTGW_QUEUE_A_CREDIT]);
		k.retry_ms = qt[IOTGW_QUEUE_A_RETRY_MS] ?
			nla_get_u32(qt[IOTGW_QUEUE_A_RETRY_MS]) : 5000;
		k.binds++;
		return 0;
	case IOTGW_CMD_QUEUE_UNBIND:
		if (from != k.consumer)
			return -ENOENT;
		k.consumer = 0;
		k.unbinds++;
		return 0;
	case IOTGW_CMD_QUEUE_ACK:
	case IOTGW_CMD_QUEUE_NACK:
		if (from != k.consumer)
			return -ENOENT;
		if (!tb[IOTGW_A_MSG_IDS])
			return -EINVAL;
		record_ids(tb[IOTGW_A_MSG_IDS],
			   gh->cmd == IOTGW_CMD_QUEUE_ACK ? k.acks : k.nacks);
		k.ack_requests++;
		return 0;
	case IOTGW_CMD_QUEUE_REJECT:
		if (from != k.consumer)
			return -ENOENT;
		if (!tb[IOTGW_A_MSG_IDS])
			return -EINVAL;
		record_ids(tb[IOTGW_A_MSG_IDS], k.rejects);
		k.reject_code = tb[IOTGW_A_MSG_CODE] ?
			nla_get_u8(tb[IOTGW_A_MSG_CODE]) : -1;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static void on_sub_message(struct mosquitto *mosq, void *arg,
			   const struct mosquitto_message *msg,
			   const mosquitto_property *props)
{
	(void)mosq;
	(void)arg;
	(void)props;
	if (k.received < MAX_IDS)
		snprintf(k.topics[k.received], sizeof(k.topics[0]), "%s",
			 msg->topic);
	k.received++;
}

/* Answer requests for up to @ms, until @done. */
static void serve(struct mosquitto_rig *r, int ms, bool (*done)(void))
{
	uint64_t end = clock_now_ms() + (uint64_t)ms;
	static char buf[65536];

	while (clock_now_ms() < end && !(done && done())) {
		struct pollfd pfd = { .fd = k.fd, .events = POLLIN };
		struct sockaddr_nl from;
		socklen_t len = sizeof(from);
		ssize_t n;

		if (r->sub)
			mosquitto_loop(r->sub, 0, 1);
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		n = recvfrom(k.fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &len);
		if (n <= 0)
			continue;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n))
			answer(from.nl_pid, h, handle_request(from.nl_pid, h));
	}
}

/* One QUEUE_MSG appended to @buf at *off; @confirm < 0: none. */
static int put_queue_msg_confirm(char *buf, size_t size, size_t *off,
				 uint64_t id, uint8_t qos, const char *rule,
				 const char *topic, int confirm)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest;
	uint8_t src[4] = { 192, 0, 2, 5 };
	size_t len;

	if (!msg)
		return -1;
	genlmsg_put(msg, 0, 0, IOTGWD_FAKE_FAMILY, 0, 0, IOTGW_CMD_QUEUE_MSG,
		    IOTGW_GENL_VERSION);
	nest = nla_nest_start(msg, IOTGW_A_MSG);
	nla_put_u64(msg, IOTGW_MSG_A_ID, id);
	nla_put_u8(msg, IOTGW_MSG_A_QOS, qos);
	nla_put_u8(msg, IOTGW_MSG_A_PROTO, IOTGW_PROTO_COAP);
	nla_put_string(msg, IOTGW_MSG_A_RULE, rule);
	nla_put_u8(msg, IOTGW_MSG_A_FAMILY, AF_INET);
	nla_put(msg, IOTGW_MSG_A_SRC, 4, src);
	nla_put_u16(msg, IOTGW_MSG_A_SRC_PORT, 5683);
	nla_put_string(msg, IOTGW_MSG_A_TOPIC, topic);
	nla_put(msg, IOTGW_MSG_A_PAYLOAD, 2, "42");
	nla_put_u16(msg, IOTGW_MSG_A_CONTENT_FORMAT, 50);
	nla_put_u64(msg, IOTGW_MSG_A_TIME_NS, 1735689600000000000ULL);
	nla_put_u32(msg, IOTGW_MSG_A_ATTEMPTS, 1);
	if (confirm >= 0)
		nla_put_u8(msg, IOTGW_MSG_A_CONFIRM, (uint8_t)confirm);
	nla_nest_end(msg, nest);
	len = nlmsg_hdr(msg)->nlmsg_len;
	if (*off + NLMSG_ALIGN(len) > size) {
		nlmsg_free(msg);
		return -1;
	}
	memcpy(buf + *off, nlmsg_hdr(msg), len);
	*off += NLMSG_ALIGN(len);
	nlmsg_free(msg);
	return 0;
}

static int put_queue_msg(char *buf, size_t size, size_t *off, uint64_t id,
			 uint8_t qos, const char *rule, const char *topic)
{
	return put_queue_msg_confirm(buf, size, off, id, qos, rule, topic, -1);
}

static int write_conf(const char *path, const char *fmt, int port)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, fmt, port);
	return fclose(f);
}

static const char conf_v1[] =
	"[gateway]\nid = gw1\nretry-ms = 1000\n"
	"[broker cloud]\nhost = 127.0.0.1\nport = %d\n"
	"[rule temp]\nfilter = sensors/#\nproto = coap\naction = ingest\n"
	"qos = 1\ntopic = up/{gateway}/{topic}\n"
	"[rule old]\nfilter = old/#\naction = capture\n";
/* "old" gone, "temp" the same */
static const char conf_v2[] =
	"[gateway]\nid = gw1\nretry-ms = 1000\n"
	"[broker cloud]\nhost = 127.0.0.1\nport = %d\n"
	"[rule temp]\nfilter = sensors/#\nproto = coap\naction = ingest\n"
	"qos = 1\ntopic = up/{gateway}/{topic}\n";
static const char conf_bad[] = "[gateway]\nid = gw1\nbogus = %d\n";
/* a spool in the test's directory (the path's "%s" comes first) */
static const char conf_spool[] =
	"[gateway]\nid = gw1\nretry-ms = 1000\n"
	"[spool]\npath = %s/spool.db\nsync-interval-ms = 50\n"
	"[broker cloud]\nhost = 127.0.0.1\nport = %d\n"
	"[rule temp]\nfilter = sensors/#\nproto = coap\naction = ingest\n"
	"qos = 1\ntopic = up/{gateway}/{topic}\n"
	"[rule deny]\nfilter = denied/#\nproto = coap\naction = ingest\n"
	"qos = 1\nconfirm = cloud\n";

FIXTURE(daemon) {
	struct mosquitto_rig r;
	char conf[160];
	char log[160];
	pid_t pid;
};

FIXTURE_SETUP(daemon)
{
	memset(&k, 0, sizeof(k));
	self->pid = 0;
	ASSERT_LE(0, mosq_rig_setup(&self->r));
	if (!self->r.exe)
		return;
	ASSERT_EQ(0, mosquitto_lib_init());
	ASSERT_EQ(0, fake_kernel_open());
	snprintf(self->conf, sizeof(self->conf), "%s/iotgwd.conf", self->r.dir);
	snprintf(self->log, sizeof(self->log), "%s/iotgwd.log", self->r.dir);
}

FIXTURE_TEARDOWN(daemon)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (k.fd > 0)
		close(k.fd);
	mosq_rig_teardown(&self->r);
	mosquitto_lib_cleanup();
}

static pid_t start_iotgwd(FIXTURE_DATA(daemon) *self)
{
	char port[16], *preload = realpath(FAKE_GENL_SO, NULL);
	pid_t pid;

	if (!preload)
		return -1;
	snprintf(port, sizeof(port), "%u", k.port);
	pid = fork();
	if (pid == 0) {
		int log = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(log, 2);
		setenv("IOTGWD_FAKE_KERNEL_PORT", port, 1);
		setenv("LD_PRELOAD", preload, 1);
		if (getenv("IOTGWD_TEST_VALGRIND"))
			execlp("valgrind", "valgrind", "-q", "--leak-check=full",
			       "--error-exitcode=99", IOTGWD_BIN, "-f", "-v",
			       "-c", self->conf, (char *)NULL);
		else
			execl(IOTGWD_BIN, "iotgwd", "-f", "-v", "-c",
			      self->conf, (char *)NULL);
		_exit(127);
	}
	free(preload);
	return pid;
}

static bool bound(void) { return k.binds > 0; }
static bool acked_1_to_4(void)
{
	return k.acks[1] && k.acks[2] && k.acks[3] && k.acks[4] && k.nacks[9];
}
static bool rule_deleted(void) { return k.n_rule_del > 0; }
static bool acked_5(void) { return k.acks[5] > 0; }
static bool unbound(void) { return k.unbinds > 0; }

static bool received(const char *topic)
{
	for (int i = 0; i < k.received && i < MAX_IDS; i++)
		if (!strcmp(k.topics[i], topic))
			return true;
	return false;
}

static bool log_has(const char *path, const char *text)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

TEST_F_TIMEOUT(daemon, forwards_acks_reloads_and_stops, 90)
{
	static char batch[16384];
	size_t off = 0;
	int status = -1;

	if (!self->r.exe)
		SKIP(return, "mosquitto is not installed");
	if (access(IOTGWD_BIN, X_OK) || access(FAKE_GENL_SO, R_OK))
		SKIP(return, "build " IOTGWD_BIN " and " FAKE_GENL_SO " first");
	ASSERT_EQ(0, write_conf(self->conf, conf_v1, self->r.port));
	ASSERT_EQ(0, mosq_rig_subscribe(&self->r, on_sub_message));
	self->pid = start_iotgwd(self);
	ASSERT_LT(0, self->pid);

	/* Start: the rules, then the bind from another socket. */
	serve(&self->r, 20000, bound);
	ASSERT_EQ(1, k.binds);
	ASSERT_EQ(2, k.n_rule_new);
	EXPECT_STREQ("temp", k.rule_new[0]);
	EXPECT_EQ(1, k.rule_new_qos[0]);
	EXPECT_TRUE(k.rule_new_replace[0]);
	EXPECT_STREQ("old", k.rule_new[1]);
	EXPECT_EQ(-1, k.rule_new_qos[1]);
	EXPECT_EQ(256, k.credit);
	EXPECT_EQ(1000, k.retry_ms);
	EXPECT_NE(k.rules_port, k.consumer);

	/* One batch: four messages, a copy of one, an unknown rule. */
	ASSERT_EQ(0, put_queue_msg(batch, sizeof(batch), &off, 1, 1, "temp",
				   "sensors/a"));
	ASSERT_EQ(0, put_queue_msg(batch, sizeof(batch), &off, 2, 2, "temp",
				   "sensors/b"));
	ASSERT_EQ(0, put_queue_msg(batch, sizeof(batch), &off, 1, 1, "temp",
				   "sensors/a"));
	ASSERT_EQ(0, put_queue_msg(batch, sizeof(batch), &off, 3, 0, "temp",
				   "sensors/c"));
	ASSERT_EQ(0, put_queue_msg(batch, sizeof(batch), &off, 9, 1, "nope",
				   "x"));
	ASSERT_EQ(0, put_queue_msg(batch, sizeof(batch), &off, 4, 1, "old",
				   "old/d"));
	send_to(k.consumer, batch, off);
	serve(&self->r, 20000, acked_1_to_4);
	serve(&self->r, 300, NULL);
	for (int i = 0; i < MAX_IDS; i++) {
		EXPECT_EQ(i >= 1 && i <= 4, k.acks[i]) TH_LOG("ack %d", i);
		EXPECT_EQ(i == 9, k.nacks[i]) TH_LOG("nack %d", i);
	}
	EXPECT_EQ(4, k.received);
	EXPECT_TRUE(received("up/gw1/sensors/a"));
	EXPECT_TRUE(received("up/gw1/sensors/b"));
	EXPECT_TRUE(received("up/gw1/sensors/c"));
	EXPECT_TRUE(received("old/d"));
	/* batched: fewer requests than ids */
	EXPECT_GE(4, k.ack_requests);

	/* SIGHUP: "old" is deleted, "temp" unchanged is not sent again. */
	ASSERT_EQ(0, write_conf(self->conf, conf_v2, self->r.port));
	ASSERT_EQ(0, kill(self->pid, SIGHUP));
	serve(&self->r, 10000, rule_deleted);
	ASSERT_EQ(1, k.n_rule_del);
	EXPECT_STREQ("old", k.rule_del[0]);
	EXPECT_EQ(2, k.n_rule_new);

	/* SIGHUP with a bad file: still running on the last good one. */
	ASSERT_EQ(0, write_conf(self->conf, conf_bad, self->r.port));
	ASSERT_EQ(0, kill(self->pid, SIGHUP));
	serve(&self->r, 500, NULL);
	off = 0;
	ASSERT_EQ(0, put_queue_msg(batch, sizeof(batch), &off, 5, 1, "temp",
				   "sensors/e"));
	send_to(k.consumer, batch, off);
	serve(&self->r, 10000, acked_5);
	EXPECT_EQ(1, k.acks[5]);

	/* SIGTERM: unbind, exit 0. */
	ASSERT_EQ(0, kill(self->pid, SIGTERM));
	serve(&self->r, 10000, unbound);
	EXPECT_EQ(1, k.unbinds);
	for (int i = 0; i < 1000 && waitpid(self->pid, &status, WNOHANG) == 0;
	     i++)
		serve(&self->r, 10, NULL);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	self->pid = 0;

	EXPECT_TRUE(log_has(self->log, "rule \"nope\" is not in"));
	EXPECT_TRUE(log_has(self->log, "sent again (attempt 1): already"));
	EXPECT_TRUE(log_has(self->log, ":3: gateway: unknown key \"bogus\""));
	EXPECT_TRUE(log_has(self->log, "keeping the configuration in use"));
	EXPECT_TRUE(log_has(self->log, "rule \"old\" deleted"));
	if (getenv("IOTGWD_TEST_SHOW_LOG")) {
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s", self->log);
		if (system(cmd) != 0)
			TH_LOG("cannot show %s", self->log);
	}
}

static bool acked_1_to_5(void)
{
	for (int i = 1; i <= 5; i++)
		if (!k.acks[i])
			return false;
	return true;
}
static bool received_5(void) { return k.received >= 5; }
static bool rejected_7_acked_8(void) { return k.rejects[7] && k.acks[8]; }

TEST_F_TIMEOUT(daemon, spool_survives_a_kill_and_drains_on_connect, 90)
{
	static char batch[16384];
	int status = -1;
	FILE *f;
	size_t off = 0;

	if (!self->r.exe)
		SKIP(return, "mosquitto is not installed");
	if (access(IOTGWD_BIN, X_OK) || access(FAKE_GENL_SO, R_OK))
		SKIP(return, "build " IOTGWD_BIN " and " FAKE_GENL_SO " first");
	f = fopen(self->conf, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, conf_spool, self->r.dir, self->r.port);
	ASSERT_EQ(0, fclose(f));
	/* the broker is down */
	mosq_rig_kill(&self->r);
	self->pid = start_iotgwd(self);
	ASSERT_LT(0, self->pid);
	serve(&self->r, 20000, bound);
	ASSERT_EQ(1, k.binds);
	/* the confirmation mode goes to the kernel when it is configured */
	ASSERT_EQ(2, k.n_rule_new);
	EXPECT_EQ(-1, k.rule_new_confirm[0]);
	EXPECT_EQ(IOTGW_CONFIRM_CLOUD, k.rule_new_confirm[1]);
	/* confirmations need the sensor's ACK to reach the gateway */
	EXPECT_EQ(-1, k.rule_new_hook[0]);
	EXPECT_EQ(IOTGW_HOOK_IN, k.rule_new_hook[1]);
	for (uint64_t id = 1; id <= 5; id++) {
		char topic[32];

		snprintf(topic, sizeof(topic), "sensors/t%llu",
			 (unsigned long long)id);
		ASSERT_EQ(0, put_queue_msg(batch, sizeof(batch), &off, id, 1,
					   "temp", topic));
	}
	send_to(k.consumer, batch, off);
	/* acked once committed to the spool, with no broker */
	serve(&self->r, 20000, acked_1_to_5);
	EXPECT_TRUE(acked_1_to_5());
	EXPECT_EQ(0, k.nacks[1] + k.nacks[5]);

	/* killed; the broker back; a new iotgwd publishes the spool's rows */
	kill(self->pid, SIGKILL);
	waitpid(self->pid, NULL, 0);
	k.consumer = 0;			/* the kernel sees the socket close */
	self->r.pid = mosq_rig_start(&self->r);
	ASSERT_LT(0, self->r.pid);
	ASSERT_EQ(0, mosq_rig_subscribe(&self->r, on_sub_message));
	self->pid = start_iotgwd(self);
	ASSERT_LT(0, self->pid);
	serve(&self->r, 20000, received_5);
	ASSERT_EQ(5, k.received);
	for (int i = 0; i < 5; i++) {
		char topic[32];

		snprintf(topic, sizeof(topic), "up/gw1/sensors/t%d", i + 1);
		EXPECT_STREQ(topic, k.topics[i]);
	}

	/* waiting for the cloud: refused by the broker's ACL, rejected 5.03 */
	off = 0;
	ASSERT_EQ(0, put_queue_msg_confirm(batch, sizeof(batch), &off, 7, 1,
					   "deny", "denied/x",
					   IOTGW_CONFIRM_CLOUD));
	ASSERT_EQ(0, put_queue_msg_confirm(batch, sizeof(batch), &off, 8, 1,
					   "temp", "sensors/cloud",
					   IOTGW_CONFIRM_CLOUD));
	send_to(k.consumer, batch, off);
	serve(&self->r, 20000, rejected_7_acked_8);
	EXPECT_EQ(1, k.rejects[7]);
	EXPECT_EQ(0xa3, k.reject_code);
	EXPECT_EQ(0, k.nacks[7]);
	EXPECT_EQ(1, k.acks[8]);
	EXPECT_TRUE(received("up/gw1/sensors/cloud"));
	EXPECT_TRUE(log_has(self->log, "spool row 5 confirmed by broker cloud, deleted"));

	/* SIGTERM: the spool committed and closed, exit 0 (under valgrind) */
	ASSERT_EQ(0, kill(self->pid, SIGTERM));
	serve(&self->r, 10000, unbound);
	for (int i = 0; i < 1000 && waitpid(self->pid, &status, WNOHANG) == 0;
	     i++)
		serve(&self->r, 10, NULL);
	self->pid = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Run iotgwd on conf_v1 against k until it exits; its exit status. */
static int run_until_exit(FIXTURE_DATA(daemon) *self)
{
	int status = -1;

	if (write_conf(self->conf, conf_v1, self->r.port))
		return -1;
	self->pid = start_iotgwd(self);
	for (int i = 0; i < 2000 && waitpid(self->pid, &status, WNOHANG) == 0;
	     i++)
		serve(&self->r, 10, NULL);
	self->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F_TIMEOUT(daemon, kernel_refusal_is_fatal_at_start, 60)
{
	if (!self->r.exe)
		SKIP(return, "mosquitto is not installed");
	if (access(IOTGWD_BIN, X_OK) || access(FAKE_GENL_SO, R_OK))
		SKIP(return, "build " IOTGWD_BIN " and " FAKE_GENL_SO " first");

	k.refuse_rule = "old";
	k.extack = "rule: filter has more than 32 levels";
	EXPECT_EQ(1, run_until_exit(self));
	EXPECT_TRUE(log_has(self->log,
			    "iotgwd: rule \"old\": the kernel refused it: Invalid argument: rule: filter has more than 32 levels"));
	EXPECT_EQ(0, k.binds);

	k.refuse_rule = NULL;
	k.refuse_bind = true;
	k.extack = "another consumer is bound";
	EXPECT_EQ(1, run_until_exit(self));
	EXPECT_TRUE(log_has(self->log,
			    "iotgwd: QUEUE_BIND: Device or resource busy: another consumer is bound"));
}

TEST_HARNESS_MAIN
