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
 * dump empty, =bad adds a flow whose IPv4 addresses are 16 bytes long;
 * FAKE_GENL_DEVICES does the same for the device dump.
 *
 * A COAP_REQUEST is answered with id 7, message ID 4660 and a fixed token,
 * then (seq 0, as the kernel sends it) with the result FAKE_GENL_COAP
 * names (see fake_results[], default "content"), delivered as
 * FAKE_GENL_COAP_WHEN says: "late" (default: after the ack, once the
 * caller polls again), "early" (between the reply and the ack), "first"
 * (before the reply), "other" (a result of another request first) or
 * "none" (never). FAKE_GENL_COAP_REPLY=bad leaves the id out of the reply.
 * The socket's descriptor is a pipe, readable while there is something to
 * deliver, for callers that poll() it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* Readable while a reply or a result waits to be delivered. */
static int wake[2] = { -1, -1 };
/* COAP_REQUEST: 0 before the reply, then the results still to come. */
static int coap_phase;

int nl_socket_get_fd(const struct nl_sock *sk)
{
	(void)sk;
	if (wake[0] < 0 && pipe2(wake, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	return wake[0];
}

static void wake_up(void)
{
	char c = 1;

	if (wake[1] >= 0 && write(wake[1], &c, 1) < 0)
		wake[1] = -1;
}

static void wake_down(void)
{
	char c;

	if (wake[0] >= 0 && read(wake[0], &c, 1) < 0)
		c = 0;
}

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
	[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS] = "coap-ack-timeout-ms",
	[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR] = "coap-ack-random-factor",
	[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT] = "coap-max-retransmit",
	[IOTGW_CONFIG_A_COAP_NSTART] = "coap-nstart",
	[IOTGW_CONFIG_A_COAP_REQUESTS_MAX] = "coap-requests-max",
	[IOTGW_CONFIG_A_DEVICE_MAX] = "device-max",
	[IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS] = "confirm-timeout-ms",
	[IOTGW_CONFIG_A_QUEUE_BATCH] = "queue-batch",
};

static const char *const coap_req_names[] = {
	[IOTGW_COAP_REQ_A_ADDR] = "ADDR",
	[IOTGW_COAP_REQ_A_PORT] = "PORT",
	[IOTGW_COAP_REQ_A_TYPE] = "TYPE",
	[IOTGW_COAP_REQ_A_METHOD] = "METHOD",
	[IOTGW_COAP_REQ_A_PATH] = "PATH",
	[IOTGW_COAP_REQ_A_QUERY] = "QUERY",
	[IOTGW_COAP_REQ_A_CONTENT_FORMAT] = "CONTENT_FORMAT",
	[IOTGW_COAP_REQ_A_PAYLOAD] = "PAYLOAD",
	[IOTGW_COAP_REQ_A_COOKIE] = "COOKIE",
	[IOTGW_COAP_REQ_A_TIMEOUT_MS] = "TIMEOUT_MS",
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
	[IOTGW_RULE_A_QOS] = "QOS",
	[IOTGW_RULE_A_CONFIRM] = "CONFIRM",
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
	} else if (width == 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		fprintf(f, "%llu", (unsigned long long)v);
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
	case IOTGW_RULE_A_QOS:
	case IOTGW_RULE_A_CONFIRM:
		return 1;
	default:
		return 4;
	}
}

/* COAP_REQ's ADDR as an address, PAYLOAD as text or 0xHEX. */
static void log_coap_req(FILE *f, const struct nlattr *a, int t)
{
	const unsigned char *p = nla_data(a);
	int len = nla_len(a), i, text = len > 0;
	char buf[INET6_ADDRSTRLEN];

	switch (t) {
	case IOTGW_COAP_REQ_A_ADDR:
		if ((len == 4 || len == 16) &&
		    inet_ntop(len == 4 ? AF_INET : AF_INET6, p, buf,
			      sizeof(buf)))
			fputs(buf, f);
		else
			fprintf(f, "<%d bytes>", len);
		return;
	case IOTGW_COAP_REQ_A_PAYLOAD:
		for (i = 0; i < len; i++)
			if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '"')
				text = 0;
		if (text) {
			fprintf(f, "\"%.*s\"", len, (const char *)p);
		} else {
			fputs("0x", f);
			for (i = 0; i < len; i++)
				fprintf(f, "%02x", p[i]);
		}
		return;
	case IOTGW_COAP_REQ_A_PATH:
	case IOTGW_COAP_REQ_A_QUERY:
		log_value(f, a, 0);
		return;
	case IOTGW_COAP_REQ_A_TYPE:
	case IOTGW_COAP_REQ_A_METHOD:
		log_value(f, a, 1);
		return;
	case IOTGW_COAP_REQ_A_PORT:
	case IOTGW_COAP_REQ_A_CONTENT_FORMAT:
		log_value(f, a, 2);
		return;
	case IOTGW_COAP_REQ_A_COOKIE:
		log_value(f, a, 8);
		return;
	default:
		log_value(f, a, 4);
		return;
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
		} else if (top == IOTGW_A_COAP_REQ &&
			   t < (int)(sizeof(coap_req_names) /
				     sizeof(coap_req_names[0])) &&
			   coap_req_names[t]) {
			fprintf(f, " %s=", coap_req_names[t]);
			log_coap_req(f, a, t);
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
	if ((g->cmd == IOTGW_CMD_RULE_GET || g->cmd == IOTGW_CMD_FLOW_GET ||
	     g->cmd == IOTGW_CMD_DEVICE_GET) &&
	    (flags & NLM_F_DUMP) == NLM_F_DUMP) {
		fprintf(f, " dump");
		flags &= ~NLM_F_DUMP;
	}
	if (flags)
		fprintf(f, " flags 0x%x", flags);
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		int t = nla_type(a);

		if (t == IOTGW_A_CONFIG || t == IOTGW_A_RULE ||
		    t == IOTGW_A_COAP_REQ) {
			fprintf(f, " %s {", t == IOTGW_A_RULE ? "RULE" :
				t == IOTGW_A_CONFIG ? "CONFIG" : "COAP_REQ");
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
	coap_phase = 0;
	wake_up();
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
	for (i = IOTGW_STATS_A_COAP_REQUESTS;
	     i <= IOTGW_STATS_A_COAP_RESULTS_LOST; i++)
		nla_put_u64(msg, i, (uint64_t)i * 1000);
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
	nla_put_u32(msg, IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS, 2000);
	nla_put_u32(msg, IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR, 150);
	nla_put_u32(msg, IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT, 4);
	nla_put_u32(msg, IOTGW_CONFIG_A_COAP_NSTART, 1);
	nla_put_u32(msg, IOTGW_CONFIG_A_COAP_REQUESTS_MAX, 1024);
	nla_put_u32(msg, IOTGW_CONFIG_A_DEVICE_MAX, 4096);
	nla_put_u32(msg, IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS, 60000);
	nla_put_u32(msg, IOTGW_CONFIG_A_QUEUE_BATCH, 256);
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
	nla_put_u64(msg, IOTGW_QUEUE_A_REJECTED, idle ? 0 : 112);
	nla_put_u32(msg, IOTGW_QUEUE_A_AWAITING, idle ? 0 : 5);
	nla_put_u64(msg, IOTGW_QUEUE_A_CONFIRMED, idle ? 0 : 113);
	nla_put_u64(msg, IOTGW_QUEUE_A_UNCONFIRMED, idle ? 0 : 114);
	nla_put_u64(msg, IOTGW_QUEUE_A_WITHDRAWN, idle ? 0 : 115);
	nla_put_u64(msg, IOTGW_QUEUE_A_CONFIRMS_LOST, idle ? 0 : 116);
	nla_nest_end(msg, nest);
	deliver(msg);
	return deliver_error(0, NULL);
}

static const struct fake_device {
	int family;
	const char *addr;
	uint16_t port;
	uint8_t proto;
	const char *topic;
	uint64_t packets;
	uint32_t age_ms;
} fake_devices[] = {
	{ AF_INET, "10.10.1.2", 36944, IOTGW_PROTO_COAP,
	  "sensors/kitchen/temp", 42, 1200 },
	{ AF_INET6, "fd00:1::2", 5683, IOTGW_PROTO_COAP, "door/7",
	  5000000000ULL, 0 },
	/* a protocol this tool does not know, a topic to escape */
	{ AF_INET, "10.10.1.3", 1024, 9, "a \"q\"\n\xff", 1, 4294967295U },
};

static struct nl_msg *device_reply(const struct fake_device *d, int bad)
{
	struct nl_msg *msg = reply(IOTGW_CMD_DEVICE_GET, 1);
	unsigned char addr[16] = { 0 };
	struct nlattr *nest;

	if (!msg)
		return NULL;
	inet_pton(d->family, d->addr, addr);
	nest = nla_nest_start(msg, IOTGW_A_DEVICE);
	nla_put_u8(msg, IOTGW_DEVICE_A_FAMILY, (uint8_t)d->family);
	nla_put(msg, IOTGW_DEVICE_A_ADDR,
		bad || d->family == AF_INET6 ? 16 : 4, addr);
	nla_put_u16(msg, IOTGW_DEVICE_A_PORT, d->port);
	nla_put_u8(msg, IOTGW_DEVICE_A_PROTO, d->proto);
	nla_put_string(msg, IOTGW_DEVICE_A_TOPIC, d->topic);
	nla_put_u64(msg, IOTGW_DEVICE_A_PACKETS, d->packets);
	nla_put_u32(msg, IOTGW_DEVICE_A_AGE_MS, d->age_ms);
	nla_nest_end(msg, nest);
	return msg;
}

static int answer_device_get(void)
{
	const char *which = getenv("FAKE_GENL_DEVICES");
	size_t i;

	if (!which || strcmp(which, "none"))
		for (i = 0; i < sizeof(fake_devices) / sizeof(fake_devices[0]);
		     i++)
			deliver(device_reply(&fake_devices[i], 0));
	if (which && !strcmp(which, "bad"))
		deliver(device_reply(&fake_devices[0], 1));
	return finish_dump();
}

#define FAKE_COAP_ID	7
#define NONE		-1
#define PAYLOAD(s)	s, (int)sizeof(s) - 1

static const struct fake_result {
	const char *name;
	uint8_t status;
	uint32_t transmissions, elapsed_ms;
	int acked, code, separate, format;
	long long max_age;
	const char *payload;	/* NULL: none */
	int payload_len;
} fake_results[] = {
	{ "content", IOTGW_COAP_STATUS_RESPONSE, 1, 12, 1, 0x45, 0, 0, NONE,
	  PAYLOAD("22.5 C") },
	{ "changed", IOTGW_COAP_STATUS_RESPONSE, 3, 4510, 1, 0x44, 1, 0, 60,
	  PAYLOAD("stored\n") },
	{ "empty", IOTGW_COAP_STATUS_RESPONSE, 1, 2, 1, 0x42, 0, NONE, NONE,
	  NULL, 0 },
	{ "notfound", IOTGW_COAP_STATUS_RESPONSE, 1, 5, 1, 0x84, 0, NONE, NONE,
	  NULL, 0 },
	{ "unavailable", IOTGW_COAP_STATUS_RESPONSE, 2, 2100, 1, 0xa3, 1, 0,
	  30, PAYLOAD("busy") },
	{ "unnamed", IOTGW_COAP_STATUS_RESPONSE, 1, 1, 1, 0x47, 0, NONE, NONE,
	  NULL, 0 },
	{ "binary", IOTGW_COAP_STATUS_RESPONSE, 1, 7, 1, 0x45, 0, 42, NONE,
	  PAYLOAD("\x00\xff\x10\n") },
	{ "text", IOTGW_COAP_STATUS_RESPONSE, 1, 7, 1, 0x45, 0, 0, 4294967295LL,
	  PAYLOAD("caf\xc3\xa9 \"q\"\\\n\tend") },
	{ "timeout", IOTGW_COAP_STATUS_TIMEOUT, 5, 15502, 0, NONE, 0, NONE,
	  NONE, NULL, 0 },
	{ "timeout-acked", IOTGW_COAP_STATUS_TIMEOUT, 1, 93000, 1, NONE, 0,
	  NONE, NONE, NULL, 0 },
	{ "reset", IOTGW_COAP_STATUS_RESET, 2, 2010, 0, NONE, 0, NONE, NONE,
	  NULL, 0 },
	{ "unreachable", IOTGW_COAP_STATUS_UNREACHABLE, 1, 3, 0, NONE, 0, NONE,
	  NONE, NULL, 0 },
	{ "status9", 9, 1, 1, 0, NONE, 0, NONE, NONE, NULL, 0 },
	{ "nocode", IOTGW_COAP_STATUS_RESPONSE, 1, 1, 1, NONE, 0, NONE, NONE,
	  NULL, 0 },
};

/* The request's COOKIE, echoed in the result; 0 if it had none. */
static int request_cookie(uint64_t *cookie)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)request;
	const struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *tb[IOTGW_A_MAX + 1], *ca[IOTGW_COAP_REQ_A_MAX + 1];

	if (nla_parse(tb, IOTGW_A_MAX, genlmsg_attrdata(g, 0),
		      genlmsg_attrlen(g, 0), NULL) < 0 ||
	    !tb[IOTGW_A_COAP_REQ] ||
	    nla_parse_nested(ca, IOTGW_COAP_REQ_A_MAX, tb[IOTGW_A_COAP_REQ],
			     NULL) < 0 || !ca[IOTGW_COAP_REQ_A_COOKIE] ||
	    nla_len(ca[IOTGW_COAP_REQ_A_COOKIE]) != 8)
		return 0;
	memcpy(cookie, nla_data(ca[IOTGW_COAP_REQ_A_COOKIE]), 8);
	return 1;
}

static void deliver_result(uint64_t id)
{
	const char *name = getenv("FAKE_GENL_COAP");
	const struct fake_result *r = &fake_results[0];
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest;
	uint64_t cookie;
	size_t i;

	for (i = 0; name && i < sizeof(fake_results) / sizeof(fake_results[0]);
	     i++)
		if (!strcmp(name, fake_results[i].name))
			r = &fake_results[i];
	/* unsolicited: sequence number 0 */
	if (!msg || !genlmsg_put(msg, 0, 0, FAKE_FAMILY, 0, 0,
				 IOTGW_CMD_COAP_RESULT, IOTGW_GENL_VERSION)) {
		nlmsg_free(msg);
		return;
	}
	nest = nla_nest_start(msg, IOTGW_A_COAP_RESULT);
	nla_put_u64(msg, IOTGW_COAP_RESULT_A_ID, id);
	if (request_cookie(&cookie))
		nla_put_u64(msg, IOTGW_COAP_RESULT_A_COOKIE, cookie);
	nla_put_u8(msg, IOTGW_COAP_RESULT_A_STATUS, r->status);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_TRANSMISSIONS, r->transmissions);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_ELAPSED_MS, r->elapsed_ms);
	if (r->acked)
		nla_put_flag(msg, IOTGW_COAP_RESULT_A_ACKED);
	if (r->code != NONE)
		nla_put_u8(msg, IOTGW_COAP_RESULT_A_CODE, (uint8_t)r->code);
	if (r->separate)
		nla_put_flag(msg, IOTGW_COAP_RESULT_A_SEPARATE);
	if (r->format != NONE)
		nla_put_u16(msg, IOTGW_COAP_RESULT_A_CONTENT_FORMAT,
			    (uint16_t)r->format);
	if (r->max_age != NONE)
		nla_put_u32(msg, IOTGW_COAP_RESULT_A_MAX_AGE,
			    (uint32_t)r->max_age);
	if (r->payload)
		nla_put(msg, IOTGW_COAP_RESULT_A_PAYLOAD, r->payload_len,
			r->payload);
	nla_nest_end(msg, nest);
	deliver(msg);
}

static int answer_coap_request(void)
{
	static const unsigned char token[8] = {
		0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18,
	};
	const char *when = getenv("FAKE_GENL_COAP_WHEN");
	const char *bad = getenv("FAKE_GENL_COAP_REPLY");
	struct nl_msg *msg;
	struct nlattr *nest;

	if (!when)
		when = "late";
	if (coap_phase > 0) {
		/* the caller polled again: what is left */
		if (!strcmp(when, "other"))
			deliver_result(FAKE_COAP_ID - 1);
		if (strcmp(when, "none"))
			deliver_result(FAKE_COAP_ID);
		return NL_OK;
	}
	coap_phase = 1;
	if (!strcmp(when, "first"))
		deliver_result(FAKE_COAP_ID);
	msg = reply(IOTGW_CMD_COAP_REQUEST, 0);
	if (!msg)
		return NL_STOP;
	nest = nla_nest_start(msg, IOTGW_A_COAP_REQ);
	if (!bad || strcmp(bad, "bad"))
		nla_put_u64(msg, IOTGW_COAP_REQ_A_ID, FAKE_COAP_ID);
	nla_put_u16(msg, IOTGW_COAP_REQ_A_MID, 4660);
	nla_put(msg, IOTGW_COAP_REQ_A_TOKEN, sizeof(token), token);
	nla_nest_end(msg, nest);
	deliver(msg);
	if (!strcmp(when, "early"))
		deliver_result(FAKE_COAP_ID);
	if (!strcmp(when, "late") || !strcmp(when, "other"))
		wake_up();	/* more to come */
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
	wake_down();
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
	case IOTGW_CMD_DEVICE_GET:
		if ((req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			answer_device_get();
		else
			deliver_error(-EOPNOTSUPP, NULL);
		break;
	case IOTGW_CMD_COAP_REQUEST:
		answer_coap_request();
		break;
	default:
		deliver_error(0, NULL);
		break;
	}
	return 0;
}
