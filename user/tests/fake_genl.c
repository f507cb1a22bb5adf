// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the iotgw kernel family, for user/tests/cli_test.sh on a
 * host without the module: an LD_PRELOAD library that takes the place of
 * the libnl calls user/lib/iotgw_nl.c makes to reach the kernel.
 *
 * Each request is written, decoded attribute by attribute, as one line to
 * $FAKE_GENL_LOG. The answers are fixed replies built the way the header
 * describes them (two rules, the counters with two reasons, a
 * configuration, four MQTT flows), or, with FAKE_GENL_ERROR="ERRNO:MESSAGE",
 * a refusal with that extack message; FAKE_GENL_DONE_ERROR does the same at
 * the end of a dump, after its replies. FAKE_GENL_FLOWS=none makes the flow
 * dump empty, =bad adds a flow whose IPv4 addresses are 16 bytes long.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#define FAKE_FAMILY 0x42

static nl_recvmsg_msg_cb_t cb_msg[NL_CB_TYPE_MAX + 1];
static void *cb_msg_arg[NL_CB_TYPE_MAX + 1];
static nl_recvmsg_err_cb_t cb_err;
static void *cb_err_arg;

/* The last request: its header, command and (a copy of) its message. */
static unsigned char request[8192];

int genl_connect(struct nl_sock *sk)
{
	(void)sk;
	return 0;
}

int genl_ctrl_resolve(struct nl_sock *sk, const char *name)
{
	(void)sk;
	return strcmp(name, IOTGW_GENL_NAME) ? -NLE_OBJ_NOTFOUND : FAKE_FAMILY;
}

int nl_cb_set(struct nl_cb *cb, enum nl_cb_type type, enum nl_cb_kind kind,
	      nl_recvmsg_msg_cb_t func, void *arg)
{
	(void)cb;
	(void)kind;
	if (type < 0 || type > NL_CB_TYPE_MAX)
		return -NLE_RANGE;
	cb_msg[type] = func;
	cb_msg_arg[type] = arg;
	return 0;
}

int nl_cb_err(struct nl_cb *cb, enum nl_cb_kind kind, nl_recvmsg_err_cb_t func,
	      void *arg)
{
	(void)cb;
	(void)kind;
	cb_err = func;
	cb_err_arg = arg;
	return 0;
}

static const char *const config_names[] = {
	[IOTGW_CONFIG_A_COAP_PORT] = "coap-port",
	[IOTGW_CONFIG_A_MQTT_PORT] = "mqtt-port",
	[IOTGW_CONFIG_A_MAX_RULES] = "max-rules",
	[IOTGW_CONFIG_A_FLOW_MAX] = "flow-max",
	[IOTGW_CONFIG_A_FLOW_IDLE_MS] = "flow-idle-ms",
	[IOTGW_CONFIG_A_QUEUE_MAX_BYTES] = "queue-max-bytes",
	[IOTGW_CONFIG_A_QUEUE_MAX_MSGS] = "queue-max-msgs",
};

static const char *const rule_names[] = {
	[IOTGW_RULE_A_NAME] = "NAME",
	[IOTGW_RULE_A_FILTER] = "FILTER",
	[IOTGW_RULE_A_PROTO] = "PROTO",
	[IOTGW_RULE_A_HOOK] = "HOOK",
	[IOTGW_RULE_A_ACTION] = "ACTION",
	[IOTGW_RULE_A_PRIORITY] = "PRIORITY",
	[IOTGW_RULE_A_MARK] = "MARK",
	[IOTGW_RULE_A_SKB_PRIORITY] = "SKB_PRIORITY",
	[IOTGW_RULE_A_RATE] = "RATE",
	[IOTGW_RULE_A_BURST] = "BURST",
	[IOTGW_RULE_A_FLAGS] = "FLAGS",
};

/* An attribute's value by its expected width, or a note that it is wrong. */
static void log_value(FILE *f, const struct nlattr *a, int width)
{
	const void *p = nla_data(a);
	int len = nla_len(a);

	if (width == 0) {
		if (len < 1 || ((const char *)p)[len - 1] != '\0')
			fprintf(f, "<unterminated string>");
		else
			fprintf(f, "\"%s\"", (const char *)p);
	} else if (len != width) {
		fprintf(f, "<%d bytes, want %d>", len, width);
	} else if (width == 1) {
		fprintf(f, "%u", *(const uint8_t *)p);
	} else if (width == 2) {
		fprintf(f, "%u", *(const uint16_t *)p);
	} else {
		fprintf(f, "%u", *(const uint32_t *)p);
	}
}

static int rule_width(int type)
{
	switch (type) {
	case IOTGW_RULE_A_NAME:
	case IOTGW_RULE_A_FILTER:
		return 0;
	case IOTGW_RULE_A_PROTO:
	case IOTGW_RULE_A_HOOK:
	case IOTGW_RULE_A_ACTION:
		return 1;
	default:
		return 4;
	}
}

static void log_nest(FILE *f, const struct nlattr *nest, int top)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (top == IOTGW_A_CONFIG &&
		    t < (int)(sizeof(config_names) / sizeof(config_names[0])) &&
		    config_names[t]) {
			fprintf(f, " %s=", config_names[t]);
			log_value(f, a, t <= IOTGW_CONFIG_A_MQTT_PORT ? 2 : 4);
		} else if (top == IOTGW_A_RULE &&
			   t < (int)(sizeof(rule_names) / sizeof(rule_names[0])) &&
			   rule_names[t]) {
			fprintf(f, " %s=", rule_names[t]);
			log_value(f, a, rule_width(t));
		} else {
			fprintf(f, " <attribute %d>", t);
		}
	}
}

static void log_request(const struct nlmsghdr *hdr)
{
	const struct genlmsghdr *g = nlmsg_data(hdr);
	const char *path = getenv("FAKE_GENL_LOG");
	const struct nlattr *a;
	unsigned int flags;
	FILE *f;
	int rem;

	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, "cmd %u", g->cmd);
	if (hdr->nlmsg_type != FAKE_FAMILY)
		fprintf(f, " family %u", hdr->nlmsg_type);
	if (g->version != IOTGW_GENL_VERSION)
		fprintf(f, " version %u", g->version);
	/* anything but REQUEST and ACK (and DUMP for a dump) is news */
	flags = hdr->nlmsg_flags & ~(NLM_F_REQUEST | NLM_F_ACK);
	if ((g->cmd == IOTGW_CMD_RULE_GET || g->cmd == IOTGW_CMD_FLOW_GET) &&
	    (flags & NLM_F_DUMP) == NLM_F_DUMP) {
		fprintf(f, " dump");
		flags &= ~NLM_F_DUMP;
	}
	if (flags)
		fprintf(f, " flags 0x%x", flags);
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		int t = nla_type(a);

		if (t == IOTGW_A_CONFIG || t == IOTGW_A_RULE) {
			fprintf(f, " %s {", t == IOTGW_A_RULE ? "RULE" : "CONFIG");
			log_nest(f, a, t);
			fprintf(f, " }");
		} else if (t == IOTGW_A_REPLACE) {
			fprintf(f, nla_len(a) ? " REPLACE<%d bytes>" : " REPLACE",
				nla_len(a));
		} else {
			fprintf(f, " <attribute %d>", t);
		}
	}
	fputc('\n', f);
	fclose(f);
}

int nl_send_auto(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *hdr = nlmsg_hdr(msg);

	(void)sk;
	if (hdr->nlmsg_len > sizeof(request))
		return -NLE_MSGSIZE;
	memcpy(request, hdr, hdr->nlmsg_len);
	log_request(hdr);
	return (int)hdr->nlmsg_len;
}

/* Deliver an NLMSG_ERROR (or, @error 0, an ack) for the request. */
static int deliver_error(int error, const char *text)
{
	static unsigned char buf[1024];
	struct nlmsghdr *hdr = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = nlmsg_data(hdr);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	struct sockaddr_nl who = { .nl_family = AF_NETLINK };

	if (!error) {
		return cb_msg[NL_CB_ACK] ?
		       cb_msg[NL_CB_ACK](NULL, cb_msg_arg[NL_CB_ACK]) : NL_STOP;
	}
	memset(buf, 0, sizeof(buf));
	hdr->nlmsg_type = NLMSG_ERROR;
	hdr->nlmsg_flags = NLM_F_CAPPED;
	e->error = error;
	memcpy(&e->msg, request, sizeof(e->msg));
	if (text && *text) {
		struct nlattr *a = (struct nlattr *)(buf + off);
		size_t len = strlen(text) + 1;

		if (len > sizeof(buf) - off - NLA_HDRLEN - 4)
			len = sizeof(buf) - off - NLA_HDRLEN - 4;
		hdr->nlmsg_flags |= NLM_F_ACK_TLVS;
		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = (uint16_t)(NLA_HDRLEN + len);
		memcpy(buf + off + NLA_HDRLEN, text, len - 1);
		off += NLA_ALIGN(a->nla_len);
	}
	hdr->nlmsg_len = (uint32_t)off;
	return cb_err ? cb_err(&who, e, cb_err_arg) : NL_STOP;
}

/* "ERRNO:MESSAGE" from the environment: the errno, *text the message. */
static int env_error(const char *name, const char **text)
{
	const char *v = getenv(name), *colon;

	if (!v || !*v)
		return 0;
	colon = strchr(v, ':');
	*text = colon ? colon + 1 : "";
	return -atoi(v);
}

static struct nl_msg *reply(uint8_t cmd, int multi)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)request;
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, 0, req->nlmsg_seq, FAKE_FAMILY, 0,
				multi ? NLM_F_MULTI : 0, cmd,
				IOTGW_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int deliver(struct nl_msg *msg)
{
	int rc = NL_OK;

	if (!msg)
		return NL_STOP;
	if (cb_msg[NL_CB_VALID])
		rc = cb_msg[NL_CB_VALID](msg, cb_msg_arg[NL_CB_VALID]);
	nlmsg_free(msg);
	return rc;
}

static const struct fake_rule {
	const char *name, *filter;
	uint8_t proto, hook, action;
	uint32_t prio, mark, skb_priority, rate, burst, flags;
	int has_mark, has_skb_priority, has_rate, has_burst;
	uint64_t stats[6];	/* packets bytes accepted dropped marked rl */
} fake_rules[] = {
	{ "temp", "sensors/+/temp", IOTGW_PROTO_COAP, IOTGW_HOOK_ANY,
	  IOTGW_ACTION_MARK, 0, 0x10, 0, 0, 0, 0, 1, 0, 0, 0,
	  { 5, 300, 0, 0, 5, 0 } },
	{ "limit.v2", "plant 1/#", IOTGW_PROTO_MQTT, IOTGW_HOOK_FWD,
	  IOTGW_ACTION_RATELIMIT, 7, 0, 3, 100, 200, IOTGW_RULE_F_PER_SOURCE,
	  0, 1, 1, 1, { 5000000000ULL, 1ULL << 40, 4000000000ULL, 0, 0,
	  1000000000ULL } },
};

static struct nl_msg *rule_reply(const struct fake_rule *r, int multi)
{
	static const int counters[6] = {
		IOTGW_STATS_A_PACKETS, IOTGW_STATS_A_BYTES,
		IOTGW_STATS_A_ACCEPTED, IOTGW_STATS_A_DROPPED,
		IOTGW_STATS_A_MARKED, IOTGW_STATS_A_RATELIMITED,
	};
	struct nl_msg *msg = reply(IOTGW_CMD_RULE_GET, multi);
	struct nlattr *nest, *stats;
	int i;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, IOTGW_A_RULE);
	nla_put_string(msg, IOTGW_RULE_A_NAME, r->name);
	nla_put_string(msg, IOTGW_RULE_A_FILTER, r->filter);
	nla_put_u8(msg, IOTGW_RULE_A_PROTO, r->proto);
	nla_put_u8(msg, IOTGW_RULE_A_HOOK, r->hook);
	nla_put_u8(msg, IOTGW_RULE_A_ACTION, r->action);
	nla_put_u32(msg, IOTGW_RULE_A_PRIORITY, r->prio);
	if (r->has_mark)
		nla_put_u32(msg, IOTGW_RULE_A_MARK, r->mark);
	if (r->has_skb_priority)
		nla_put_u32(msg, IOTGW_RULE_A_SKB_PRIORITY, r->skb_priority);
	if (r->has_rate)
		nla_put_u32(msg, IOTGW_RULE_A_RATE, r->rate);
	if (r->has_burst)
		nla_put_u32(msg, IOTGW_RULE_A_BURST, r->burst);
	nla_put_u32(msg, IOTGW_RULE_A_FLAGS, r->flags);
	stats = nla_nest_start(msg, IOTGW_RULE_A_STATS);
	for (i = 0; i < 6; i++)
		nla_put_u64(msg, counters[i], r->stats[i]);
	nla_nest_end(msg, stats);
	nla_nest_end(msg, nest);
	return msg;
}

/* NLMSG_DONE: FAKE_GENL_DONE_ERROR's error, then its extack message. */
static int finish_dump(void)
{
	const char *text = "";
	int err = env_error("FAKE_GENL_DONE_ERROR", &text);
	struct nl_msg *done = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);

	if (!done)
		return NL_STOP;
	nlmsg_append(done, &err, sizeof(err), NLMSG_ALIGNTO);
	if (err && *text) {
		nlmsg_hdr(done)->nlmsg_flags |= NLM_F_ACK_TLVS;
		nla_put_string(done, NLMSGERR_ATTR_MSG, text);
	}
	if (cb_msg[NL_CB_FINISH])
		cb_msg[NL_CB_FINISH](done, cb_msg_arg[NL_CB_FINISH]);
	nlmsg_free(done);
	return NL_STOP;
}

static int answer_rule_get(int dump)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)request;
	const struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *tb[IOTGW_A_MAX + 1], *ra[IOTGW_RULE_A_MAX + 1];
	size_t i;

	if (!dump) {
		if (nla_parse(tb, IOTGW_A_MAX, genlmsg_attrdata(g, 0),
			      genlmsg_attrlen(g, 0), NULL) < 0 ||
		    !tb[IOTGW_A_RULE] ||
		    nla_parse_nested(ra, IOTGW_RULE_A_MAX, tb[IOTGW_A_RULE],
				     NULL) < 0 || !ra[IOTGW_RULE_A_NAME])
			return deliver_error(-EINVAL, "missing rule name");
		for (i = 0; i < 2; i++)
			if (!strcmp(fake_rules[i].name,
				    nla_get_string(ra[IOTGW_RULE_A_NAME])))
				break;
		if (i == 2)
			return deliver_error(-ENOENT, "no rule of that name");
		deliver(rule_reply(&fake_rules[i], 0));
		return deliver_error(0, NULL);
	}
	for (i = 0; i < 2; i++)
		deliver(rule_reply(&fake_rules[i], 1));
	return finish_dump();
}

static int answer_stats_get(void)
{
	struct nl_msg *msg = reply(IOTGW_CMD_STATS_GET, 0);
	struct nlattr *nest, *reason;
	int i;

	if (!msg)
		return NL_STOP;
	nest = nla_nest_start(msg, IOTGW_A_STATS);
	for (i = IOTGW_STATS_A_PACKETS; i <= IOTGW_STATS_A_REPLIES; i++)
		nla_put_u64(msg, i, (uint64_t)i * 1000);
	reason = nla_nest_start(msg, IOTGW_STATS_A_REASON);
	nla_put_string(msg, IOTGW_REASON_A_NAME, "coap: option delta 15");
	nla_put_u64(msg, IOTGW_REASON_A_COUNT, 3);
	nla_nest_end(msg, reason);
	reason = nla_nest_start(msg, IOTGW_STATS_A_REASON);
	nla_put_string(msg, IOTGW_REASON_A_NAME, "mqtt: \"odd\" name");
	nla_put_u64(msg, IOTGW_REASON_A_COUNT, 1);
	nla_nest_end(msg, reason);
	nla_put_u64(msg, IOTGW_STATS_A_FLOWS, 3);
	nla_put_u64(msg, IOTGW_STATS_A_EVENTS, 13000);
	nla_put_u64(msg, IOTGW_STATS_A_EVENTS_SKIPPED, 14000);
	nla_nest_end(msg, nest);
	deliver(msg);
	return deliver_error(0, NULL);
}

static const struct fake_flow {
	int family;
	const char *client, *server;
	uint16_t client_port, server_port;
	uint8_t level, state;
	const char *client_id;		/* NULL: no attribute */
	uint64_t publishes, bytes;
	uint32_t idle_ms;
} fake_flows[] = {
	{ AF_INET, "10.10.1.2", "10.10.2.2", 40312, 1883, 5,
	  IOTGW_FLOW_TRACKING, "sensor-1", 3, 211, 1200 },
	{ AF_INET6, "fd00:1::2", "fd00:2::2", 51000, 1883, 4,
	  IOTGW_FLOW_MALFORMED, "door \"7\"\\", 5000000000ULL, 1ULL << 40, 0 },
	{ AF_INET, "10.10.1.3", "10.10.1.1", 1024, 1883, 0,
	  IOTGW_FLOW_LOST_SYNC, NULL, 0, 0, 4294967295U },
	/* a state this tool does not know; an id cut inside a character */
	{ AF_INET6, "fd00:1::3", "fd00:1::1", 65535, 8883, 5, 9,
	  "a\nb\xff\xc3\xa9\xc3", 1, 20, 5 },
};

static struct nl_msg *flow_reply(const struct fake_flow *f, int bad)
{
	struct nl_msg *msg = reply(IOTGW_CMD_FLOW_GET, 1);
	unsigned char client[16] = { 0 }, server[16] = { 0 };
	int alen = f->family == AF_INET ? 4 : 16;
	struct nlattr *nest;

	if (!msg)
		return NULL;
	inet_pton(f->family, f->client, client);
	inet_pton(f->family, f->server, server);
	if (bad)
		alen = 16;
	nest = nla_nest_start(msg, IOTGW_A_FLOW);
	nla_put_u8(msg, IOTGW_FLOW_A_FAMILY, (uint8_t)f->family);
	nla_put(msg, IOTGW_FLOW_A_CLIENT, alen, client);
	nla_put(msg, IOTGW_FLOW_A_SERVER, alen, server);
	nla_put_u16(msg, IOTGW_FLOW_A_CLIENT_PORT, f->client_port);
	nla_put_u16(msg, IOTGW_FLOW_A_SERVER_PORT, f->server_port);
	nla_put_u8(msg, IOTGW_FLOW_A_LEVEL, f->level);
	if (f->client_id)
		nla_put_string(msg, IOTGW_FLOW_A_CLIENT_ID, f->client_id);
	nla_put_u8(msg, IOTGW_FLOW_A_STATE, f->state);
	nla_put_u64(msg, IOTGW_FLOW_A_PUBLISHES, f->publishes);
	nla_put_u64(msg, IOTGW_FLOW_A_BYTES, f->bytes);
	nla_put_u32(msg, IOTGW_FLOW_A_IDLE_MS, f->idle_ms);
	nla_nest_end(msg, nest);
	return msg;
}

static int answer_flow_get(void)
{
	const char *which = getenv("FAKE_GENL_FLOWS");
	size_t i;

	if (!which || strcmp(which, "none"))
		for (i = 0; i < sizeof(fake_flows) / sizeof(fake_flows[0]); i++)
			deliver(flow_reply(&fake_flows[i], 0));
	if (which && !strcmp(which, "bad"))
		deliver(flow_reply(&fake_flows[0], 1));
	return finish_dump();
}

static int answer_config_get(void)
{
	struct nl_msg *msg = reply(IOTGW_CMD_CONFIG_GET, 0);
	struct nlattr *nest;

	if (!msg)
		return NL_STOP;
	nla_put_string(msg, IOTGW_A_VERSION, "9.8.7-fake");
	nest = nla_nest_start(msg, IOTGW_A_CONFIG);
	nla_put_u16(msg, IOTGW_CONFIG_A_COAP_PORT, 5683);
	nla_put_u16(msg, IOTGW_CONFIG_A_MQTT_PORT, 1883);
	nla_put_u32(msg, IOTGW_CONFIG_A_MAX_RULES, 10000);
	nla_put_u32(msg, IOTGW_CONFIG_A_FLOW_MAX, 4096);
	nla_put_u32(msg, IOTGW_CONFIG_A_FLOW_IDLE_MS, 60000);
	nla_put_u32(msg, IOTGW_CONFIG_A_QUEUE_MAX_BYTES, 1048576);
	nla_put_u32(msg, IOTGW_CONFIG_A_QUEUE_MAX_MSGS, 1024);
	nla_nest_end(msg, nest);
	deliver(msg);
	return deliver_error(0, NULL);
}

/* A queue with a consumer, or none with FAKE_GENL_QUEUE=idle. */
static int answer_queue_get(void)
{
	struct nl_msg *msg = reply(IOTGW_CMD_QUEUE_GET, 0);
	const char *which = getenv("FAKE_GENL_QUEUE");
	int idle = which && !strcmp(which, "idle");
	struct nlattr *nest;
	int i;

	if (!msg)
		return NL_STOP;
	nest = nla_nest_start(msg, IOTGW_A_QUEUE);
	if (!idle) {
		nla_put_u32(msg, IOTGW_QUEUE_A_CONSUMER, 4242);
		nla_put_u32(msg, IOTGW_QUEUE_A_CREDIT, 256);
		nla_put_u32(msg, IOTGW_QUEUE_A_OLDEST_MS, 1500);
	}
	nla_put_u32(msg, IOTGW_QUEUE_A_PENDING_QOS0, idle ? 0 : 1);
	nla_put_u32(msg, IOTGW_QUEUE_A_PENDING_QOS1, idle ? 0 : 2);
	nla_put_u32(msg, IOTGW_QUEUE_A_PENDING_QOS2, idle ? 0 : 3);
	nla_put_u32(msg, IOTGW_QUEUE_A_IN_FLIGHT, idle ? 0 : 4);
	nla_put_u32(msg, IOTGW_QUEUE_A_MSGS, idle ? 0 : 10);
	nla_put_u32(msg, IOTGW_QUEUE_A_BYTES, idle ? 0 : 1500);
	/* counters ADMITTED .. DEDUP_EVICTED: 100, 101, ... */
	for (i = IOTGW_QUEUE_A_ADMITTED; i <= IOTGW_QUEUE_A_DEDUP_EVICTED; i++)
		nla_put_u64(msg, i, idle ? 0 : 100 + i - IOTGW_QUEUE_A_ADMITTED);
	nla_nest_end(msg, nest);
	deliver(msg);
	return deliver_error(0, NULL);
}

int nl_recvmsgs(struct nl_sock *sk, struct nl_cb *cb)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)request;
	const struct genlmsghdr *g = nlmsg_data(req);
	int dump = g->cmd == IOTGW_CMD_RULE_GET &&
		   (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	const char *text;
	int err;

	(void)sk;
	(void)cb;
	err = env_error("FAKE_GENL_ERROR", &text);
	if (err)
		return deliver_error(err, text) < 0 ? -NLE_FAILURE : 0;
	switch (g->cmd) {
	case IOTGW_CMD_CONFIG_GET:
		answer_config_get();
		break;
	case IOTGW_CMD_RULE_GET:
		answer_rule_get(dump);
		break;
	case IOTGW_CMD_STATS_GET:
		answer_stats_get();
		break;
	case IOTGW_CMD_QUEUE_GET:
		answer_queue_get();
		break;
	case IOTGW_CMD_FLOW_GET:
		if ((req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			answer_flow_get();
		else
			deliver_error(-EOPNOTSUPP, NULL);
		break;
	default:
		deliver_error(0, NULL);
		break;
	}
	return 0;
}
