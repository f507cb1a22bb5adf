// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwctl coap request: have the module send a CoAP request to a device,
 * and wait on the same socket for the outcome it reports.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/iotgw.h>

#include "coap_uri.h"
#include "iotgw_replies.h"
#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

/*
 * The kernel's deadline without TIMEOUT_MS is RFC 7252's MAX_TRANSMIT_WAIT
 * for the namespace's parameters: 93 s with the defaults, the fallback.
 */
#define COAP_DEFAULT_DEADLINE_MS	93000
/* How much longer than the deadline the result may take to come. */
#define COAP_WAIT_SLACK_MS		5000
#define COAP_TIMEOUT_MIN_MS		100
#define COAP_TIMEOUT_MAX_MS		3600000
#define COAP_TOKEN_MAX			8
/* Results read before the request's id is known, kept to look at then. */
#define COAP_EARLY_MAX			16

static const char what[] = "coap request";

static const struct word_map type_words[] = {
	{ "con", 0 }, { "non", 1 },
	{ NULL, 0 },
};

static const struct word_map status_words[] = {
	{ "response", IOTGW_COAP_STATUS_RESPONSE },
	{ "timeout", IOTGW_COAP_STATUS_TIMEOUT },
	{ "reset", IOTGW_COAP_STATUS_RESET },
	{ "unreachable", IOTGW_COAP_STATUS_UNREACHABLE },
	{ NULL, 0 },
};

/* The keywords after the URI, each followed by its value. */
enum coap_kw { KW_PAYLOAD, KW_FORMAT, KW_TIMEOUT, KW_COOKIE, N_KWS };

static const char *const kw_words[N_KWS] = {
	[KW_PAYLOAD] = "payload",
	[KW_FORMAT] = "format",
	[KW_TIMEOUT] = "timeout",
	[KW_COOKIE] = "cookie",
};

struct coap_args {
	struct coap_uri uri;
	uint8_t type, method;
	bool given[N_KWS];
	const char *payload;
	uint16_t format;
	uint32_t timeout_ms;
	uint64_t cookie;
};

static int parse_value(enum coap_kw kw, const char *val, struct coap_args *r)
{
	int v;

	switch (kw) {
	case KW_PAYLOAD:
		if (strlen(val) > IOTGW_COAP_REQ_MSG_MAX) {
			iotgwctl_error("%s: the payload is %zu bytes long, more than %d",
				       what, strlen(val), IOTGW_COAP_REQ_MSG_MAX);
			return IOTGWCTL_USAGE;
		}
		r->payload = val;
		break;
	case KW_FORMAT:
		v = coap_format_parse(val);
		if (v < 0) {
			iotgwctl_error("%s: \"%s\" is not a content format: use text, link, xml, octets, exi, json, cbor or a number from 0 to 65535",
				       what, val);
			return IOTGWCTL_USAGE;
		}
		r->format = (uint16_t)v;
		break;
	case KW_TIMEOUT:
		if (parse_u32(val, &r->timeout_ms) ||
		    r->timeout_ms < COAP_TIMEOUT_MIN_MS ||
		    r->timeout_ms > COAP_TIMEOUT_MAX_MS) {
			iotgwctl_error("%s: \"%s\" for timeout is not a number of milliseconds from %d to %d",
				       what, val, COAP_TIMEOUT_MIN_MS,
				       COAP_TIMEOUT_MAX_MS);
			return IOTGWCTL_USAGE;
		}
		break;
	case KW_COOKIE:
		if (parse_u64(val, &r->cookie)) {
			iotgwctl_error("%s: \"%s\" for cookie is not a 64-bit number",
				       what, val);
			return IOTGWCTL_USAGE;
		}
		break;
	case N_KWS:
		break;
	}
	return IOTGWCTL_OK;
}

/* [ con | non ] METHOD URI [ KEYWORD VALUE ... ] */
static int parse_request(int argc, char **argv, struct coap_args *r)
{
	char why[256];
	int a = 0, v, rc;

	memset(r, 0, sizeof(*r));
	v = argc > 0 ? word_value(type_words, argv[0]) : -1;
	if (v >= 0) {
		r->type = (uint8_t)v;
		a++;
	}
	if (a >= argc) {
		iotgwctl_error("%s: missing METHOD; try \"iotgwctl help\"", what);
		return IOTGWCTL_USAGE;
	}
	v = coap_method_parse(argv[a]);
	if (v < 0) {
		iotgwctl_error("%s: \"%s\" is not a method: use get, post, put, delete, fetch, patch, ipatch or a number from 1 to 31",
			       what, argv[a]);
		return IOTGWCTL_USAGE;
	}
	r->method = (uint8_t)v;
	if (++a >= argc) {
		iotgwctl_error("%s: missing URI; try \"iotgwctl help\"", what);
		return IOTGWCTL_USAGE;
	}
	if (coap_uri_parse(argv[a], &r->uri, why, sizeof(why))) {
		iotgwctl_error("%s: bad URI \"%s\": %s", what, argv[a], why);
		return IOTGWCTL_USAGE;
	}
	for (a++; a < argc; a++) {
		const char *word = argv[a];
		int kw;

		for (kw = 0; kw < N_KWS; kw++)
			if (!strcmp(word, kw_words[kw]))
				break;
		if (kw == N_KWS) {
			iotgwctl_error("%s: \"%s\" is not a keyword; try \"iotgwctl help\"",
				       what, word);
			return IOTGWCTL_USAGE;
		}
		if (r->given[kw]) {
			iotgwctl_error("%s: \"%s\" is given twice", what, word);
			return IOTGWCTL_USAGE;
		}
		if (a + 1 >= argc) {
			iotgwctl_error("%s: missing value after \"%s\"", what,
				       word);
			return IOTGWCTL_USAGE;
		}
		rc = parse_value((enum coap_kw)kw, argv[++a], r);
		if (rc)
			return rc;
		r->given[kw] = true;
	}
	return IOTGWCTL_OK;
}

static int put_request(struct nl_msg *msg, const struct coap_args *r)
{
	const struct coap_uri *u = &r->uri;
	struct nlattr *nest = nla_nest_start(msg, IOTGW_A_COAP_REQ);

	if (!nest ||
	    nla_put(msg, IOTGW_COAP_REQ_A_ADDR, u->family == AF_INET ? 4 : 16,
		    u->addr) < 0 ||
	    nla_put_u16(msg, IOTGW_COAP_REQ_A_PORT, u->port) < 0 ||
	    nla_put_u8(msg, IOTGW_COAP_REQ_A_TYPE, r->type) < 0 ||
	    nla_put_u8(msg, IOTGW_COAP_REQ_A_METHOD, r->method) < 0 ||
	    (u->path[0] &&
	     nla_put_string(msg, IOTGW_COAP_REQ_A_PATH, u->path) < 0) ||
	    (u->query[0] &&
	     nla_put_string(msg, IOTGW_COAP_REQ_A_QUERY, u->query) < 0) ||
	    (r->given[KW_FORMAT] &&
	     nla_put_u16(msg, IOTGW_COAP_REQ_A_CONTENT_FORMAT, r->format) < 0) ||
	    (r->given[KW_PAYLOAD] && r->payload[0] &&
	     nla_put(msg, IOTGW_COAP_REQ_A_PAYLOAD, (int)strlen(r->payload),
		     r->payload) < 0) ||
	    (r->given[KW_COOKIE] &&
	     nla_put_u64(msg, IOTGW_COAP_REQ_A_COOKIE, r->cookie) < 0) ||
	    (r->given[KW_TIMEOUT] &&
	     nla_put_u32(msg, IOTGW_COAP_REQ_A_TIMEOUT_MS, r->timeout_ms) < 0))
		return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_COAP_REQ] = { .type = NLA_NESTED },
};

static struct nla_policy req_policy[IOTGW_COAP_REQ_A_MAX + 1] = {
	[IOTGW_COAP_REQ_A_ID] = { .type = NLA_U64 },
	[IOTGW_COAP_REQ_A_MID] = { .type = NLA_U16 },
	[IOTGW_COAP_REQ_A_TOKEN] = { .type = NLA_UNSPEC,
				     .maxlen = COAP_TOKEN_MAX },
};

/*
 * The request on its way: the kernel's reply (id, message ID, token) and
 * ack, then the result with that id, unsolicited (sequence number 0),
 * on the same socket.
 */
struct coap_wait {
	struct iotgw_nl *nl;
	uint32_t seq;			/* the request's */
	int err;			/* negative errno; nl->error says why */
	bool answered;			/* the ack, or an error, came */
	bool have_id;
	uint64_t id;
	uint16_t mid;
	unsigned char token[COAP_TOKEN_MAX];
	size_t token_len;
	struct nl_msg *result;		/* held with nlmsg_get() */
	struct nl_msg *early[COAP_EARLY_MAX];
	size_t n_early;
};

/* @what ("reply", "result") from the kernel cannot be read. */
static void set_malformed(struct coap_wait *w, const char *what)
{
	if (w->err)
		return;
	w->err = -EPROTO;
	snprintf(w->nl->error, sizeof(w->nl->error),
		 "malformed %s from the kernel", what);
}

/* Take @msg as the result if it is the request's. */
static void take_result(struct coap_wait *w, struct nl_msg *msg)
{
	struct iotgw_coap_result res;
	int err;

	if (w->result)
		return;
	err = iotgw_parse_coap_result(msg, &res);
	if (!res.has_id || res.id != w->id)
		return;		/* another request's */
	if (err) {
		set_malformed(w, "result");
		return;
	}
	nlmsg_get(msg);
	w->result = msg;
}

static int on_result(struct coap_wait *w, struct nl_msg *msg)
{
	if (w->have_id) {
		take_result(w, msg);
	} else if (w->n_early < COAP_EARLY_MAX) {
		nlmsg_get(msg);
		w->early[w->n_early++] = msg;
	}
	return NL_OK;
}

static int on_reply(struct coap_wait *w, struct nl_msg *msg)
{
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *qa[IOTGW_COAP_REQ_A_MAX + 1];
	size_t i;

	if (w->have_id)
		return NL_OK;
	if (iotgw_nl_parse_policy(msg, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_COAP_REQ] ||
	    nla_parse_nested(qa, IOTGW_COAP_REQ_A_MAX, tb[IOTGW_A_COAP_REQ],
			     req_policy) < 0 ||
	    !qa[IOTGW_COAP_REQ_A_ID]) {
		set_malformed(w, "reply");
		return NL_OK;
	}
	w->have_id = true;
	w->id = nla_get_u64(qa[IOTGW_COAP_REQ_A_ID]);
	if (qa[IOTGW_COAP_REQ_A_MID])
		w->mid = nla_get_u16(qa[IOTGW_COAP_REQ_A_MID]);
	if (qa[IOTGW_COAP_REQ_A_TOKEN]) {
		w->token_len = (size_t)nla_len(qa[IOTGW_COAP_REQ_A_TOKEN]);
		memcpy(w->token, nla_data(qa[IOTGW_COAP_REQ_A_TOKEN]),
		       w->token_len);
	}
	/* a result can come before the reply that names its id */
	for (i = 0; i < w->n_early; i++)
		take_result(w, w->early[i]);
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct coap_wait *w = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	uint8_t cmd;

	if (hdr->nlmsg_type != w->nl->family || !genlmsg_valid_hdr(hdr, 0))
		return NL_SKIP;
	cmd = genlmsg_hdr(hdr)->cmd;
	if (cmd == IOTGW_CMD_COAP_RESULT)
		return on_result(w, msg);
	if (cmd == IOTGW_CMD_COAP_REQUEST && hdr->nlmsg_seq == w->seq)
		return on_reply(w, msg);
	return NL_SKIP;
}

/*
 * Results carry sequence number 0: instead of libnl's strict check, each
 * handler picks what is the request's. (Skipping a message here would
 * also skip libnl's count of the acks it saw.)
 */
static int on_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct coap_wait *w = arg;
	const char *text;

	(void)who;
	if (e->msg.nlmsg_seq != w->seq)
		return NL_SKIP;
	text = iotgw_nl_extack_message(e);
	if (!w->err) {
		w->err = e->error ? e->error : -EPROTO;
		if (text && *text)
			snprintf(w->nl->error, sizeof(w->nl->error), "%s: %s",
				 strerror(-w->err), text);
		else
			snprintf(w->nl->error, sizeof(w->nl->error), "%s",
				 strerror(-w->err));
	}
	w->answered = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct coap_wait *w = arg;

	if (msg && nlmsg_hdr(msg)->nlmsg_seq != w->seq)
		return NL_OK;	/* an earlier request's */
	w->answered = true;
	return NL_STOP;
}

static struct nla_policy config_top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_VERSION] = { .type = NLA_STRING },
	[IOTGW_A_CONFIG] = { .type = NLA_NESTED },
};

static struct nla_policy config_policy[IOTGW_CONFIG_A_MAX + 1] = {
	[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT] = { .type = NLA_U32 },
};

/* MAX_TRANSMIT_WAIT (RFC 7252 4.8.2) from a CONFIG_GET reply. */
static int read_deadline(struct nl_msg *reply, void *arg)
{
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *cfg[IOTGW_CONFIG_A_MAX + 1];
	uint64_t *ms = arg, ack, factor, retransmit;

	if (iotgw_nl_parse_policy(reply, tb, IOTGW_A_MAX,
				  config_top_policy) < 0 ||
	    !tb[IOTGW_A_CONFIG] ||
	    nla_parse_nested(cfg, IOTGW_CONFIG_A_MAX, tb[IOTGW_A_CONFIG],
			     config_policy) < 0 ||
	    !cfg[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS] ||
	    !cfg[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR] ||
	    !cfg[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT])
		return 0;	/* an older module: the default */
	ack = nla_get_u32(cfg[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS]);
	factor = nla_get_u32(cfg[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR]);
	retransmit = nla_get_u32(cfg[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT]);
	if (ack <= 60000 && factor <= 400 && retransmit <= 20)
		*ms = ack * ((2ULL << retransmit) - 1) * factor / 100;
	return 0;
}

/* How long the kernel may take without TIMEOUT_MS, in milliseconds. */
static uint64_t default_deadline(struct iotgw_nl *nl)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_CONFIG_GET, 0);
	uint64_t ms = COAP_DEFAULT_DEADLINE_MS;

	if (!msg || iotgw_nl_transact(nl, msg, read_deadline, &ms) < 0)
		ms = COAP_DEFAULT_DEADLINE_MS;
	return ms;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read until the ack and the result came, an error, or @wait_ms passed. */
static int wait_result(struct coap_wait *w, struct nl_cb *cb,
		       unsigned long long wait_ms)
{
	long long deadline = now_ms() + (long long)wait_ms;
	int fd = nl_socket_get_fd(w->nl->sock);

	while (!w->err && !(w->answered && w->result)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		int n, err;

		if (w->answered && !w->have_id) {
			set_malformed(w, "reply");	/* an ack, no reply */
			break;
		}
		if (left <= 0) {
			iotgwctl_error("%s: no result from the kernel within %llu ms",
				       what, wait_ms);
			return IOTGWCTL_FAIL;
		}
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			iotgwctl_error("%s: poll: %s", what, strerror(errno));
			return IOTGWCTL_FAIL;
		}
		if (n == 0)
			continue;
		err = nl_recvmsgs(w->nl->sock, cb);
		if (err < 0 && !w->err) {
			snprintf(w->nl->error, sizeof(w->nl->error),
				 "receive: %s", nl_geterror(err));
			w->err = -EIO;
		}
	}
	if (w->err) {
		iotgwctl_error("%s: %s", what, w->nl->error);
		return IOTGWCTL_FAIL;
	}
	return IOTGWCTL_OK;
}

static void hex(char *buf, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(buf + 2 * i, "%02x", p[i]);
	buf[2 * len] = '\0';
}

/* The exit status of an outcome: 0 for a 2.xx response. */
static int result_status(const struct iotgw_coap_result *res)
{
	if (res->status != IOTGW_COAP_STATUS_RESPONSE)
		return IOTGWCTL_NO_RESPONSE;
	return res->code >> 5 == 2 ? IOTGWCTL_OK : IOTGWCTL_ERROR_RESPONSE;
}

static int print_json(const struct coap_wait *w,
		      const struct iotgw_coap_result *res)
{
	struct json_object *obj = json_object_new_object();
	const char *status = word_name(status_words, (int)res->status);
	char token[2 * COAP_TOKEN_MAX + 1], code[8];

	hex(token, w->token, w->token_len);
	json_add_u64(obj, "id", w->id);
	json_add_u64(obj, "mid", w->mid);
	json_add_str(obj, "token", token);
	if (res->has_cookie)
		json_add_u64(obj, "cookie", res->cookie);
	if (status)
		json_add_str(obj, "status", status);
	else
		json_add_u64(obj, "status", res->status);
	json_add_u64(obj, "transmissions", res->transmissions);
	json_add_u64(obj, "elapsed_ms", res->elapsed_ms);
	json_add_bool(obj, "acked", res->acked);
	if (res->status == IOTGW_COAP_STATUS_RESPONSE) {
		coap_code_digits(res->code, code, sizeof(code));
		json_add_str(obj, "code", code);
		if (coap_code_name(res->code))
			json_add_str(obj, "code_name",
				     coap_code_name(res->code));
		json_add_bool(obj, "separate", res->separate);
		if (res->has_format)
			json_add_u64(obj, "content_format",
				     res->content_format);
		if (res->has_max_age)
			json_add_u64(obj, "max_age", res->max_age);
	}
	if (res->payload_len) {
		int len = (int)res->payload_len;
		char *text = malloc(2 * res->payload_len + 1);

		if (!text) {
			json_object_put(obj);
			obj = NULL;	/* json_print() says so */
		} else {
			memcpy(text, res->payload, res->payload_len);
			text[res->payload_len] = '\0';
			if (text_printable(text, res->payload_len)) {
				json_add(obj, "payload",
					 json_object_new_string_len(text, len));
			} else {
				hex(text, res->payload, res->payload_len);
				json_add_str(obj, "payload_hex", text);
			}
			free(text);
		}
	}
	return json_print(obj);
}

static void print_text(const struct iotgw_coap_result *res)
{
	const char *status = word_name(status_words, (int)res->status);
	char code[8];

	if (res->status == IOTGW_COAP_STATUS_RESPONSE) {
		coap_code_digits(res->code, code, sizeof(code));
		fputs(code, stdout);
		if (coap_code_name(res->code))
			printf(" %s", coap_code_name(res->code));
		printf(" (%s, ", res->separate ? "separate" : "piggybacked");
	} else if (status) {
		printf("%s (", status);
	} else {
		printf("status %u (", res->status);
	}
	printf("%u transmission%s, %u ms", res->transmissions,
	       res->transmissions == 1 ? "" : "s", res->elapsed_ms);
	if (res->status == IOTGW_COAP_STATUS_RESPONSE) {
		if (res->has_format)
			printf(", format %u", res->content_format);
		if (res->has_max_age)
			printf(", max-age %u", res->max_age);
	} else if (res->status == IOTGW_COAP_STATUS_TIMEOUT) {
		printf(", %s", res->acked ? "acknowledged" : "not acknowledged");
	}
	fputs(")\n", stdout);
	if (res->payload_len) {
		fwrite(res->payload, 1, res->payload_len, stdout);
		if (res->payload[res->payload_len - 1] != '\n')
			putchar('\n');
	}
}

static int show_result(struct coap_wait *w)
{
	struct iotgw_coap_result res;
	int rc;

	if (iotgw_parse_coap_result(w->result, &res) < 0) {
		iotgwctl_error("%s: malformed result from the kernel", what);
		return IOTGWCTL_FAIL;
	}
	if (iotgwctl_json) {
		rc = print_json(w, &res);
		if (rc)
			return rc;
	} else {
		print_text(&res);
	}
	return result_status(&res);
}

static int coap_request(int argc, char **argv)
{
	struct coap_wait w = { .nl = NULL };
	unsigned long long deadline;
	struct coap_args r;
	struct nl_msg *msg;
	struct nl_cb *cb;
	size_t i;
	int rc, err;

	rc = parse_request(argc, argv, &r);
	if (rc)
		return rc;
	w.nl = iotgwctl_nl();
	if (!w.nl)
		return IOTGWCTL_FAIL;
	/* before the request: nothing may come between its replies */
	deadline = r.given[KW_TIMEOUT] ? r.timeout_ms : default_deadline(w.nl);
	msg = iotgwctl_request(&w.nl, IOTGW_CMD_COAP_REQUEST, 0);
	if (!msg)
		return IOTGWCTL_FAIL;
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb || put_request(msg, &r) < 0) {
		nl_cb_put(cb);
		nlmsg_free(msg);
		iotgwctl_error("%s: out of memory", what);
		return IOTGWCTL_FAIL;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &w);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &w);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &w);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, &w);

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	err = nl_send_auto(w.nl->sock, msg);
	w.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (err < 0) {
		iotgwctl_error("%s: send: %s", what, nl_geterror(err));
		rc = IOTGWCTL_FAIL;
	} else {
		rc = wait_result(&w, cb, deadline + COAP_WAIT_SLACK_MS);
		if (!rc)
			rc = show_result(&w);
	}
	nl_cb_put(cb);
	if (w.result)
		nlmsg_free(w.result);
	for (i = 0; i < w.n_early; i++)
		nlmsg_free(w.early[i]);
	return rc;
}

int do_coap(int argc, char **argv)
{
	if (argc == 0) {
		iotgwctl_error("coap: missing COMMAND; try \"iotgwctl help\"");
		return IOTGWCTL_USAGE;
	}
	if (!strcmp(argv[0], "request"))
		return coap_request(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		printf("Usage: iotgwctl [ -j ] coap request [ con | non ] METHOD URI\n"
		       "          [ payload DATA ] [ format FORMAT ] [ timeout MS ] [ cookie N ]\n"
		       "where  METHOD := { get | post | put | delete | fetch | patch | ipatch | 1-31 }\n"
		       "       URI := coap://{ IPV4 | [IPV6] }[:PORT][/PATH]\n"
		       "       FORMAT := { text | link | xml | octets | exi | json | cbor | 0-65535 }\n"
		       "       MS := 100-3600000\n"
		       "Exit status: 0 a 2.xx response, 3 another response, 4 no response\n"
		       "             (timeout, reset, unreachable)\n");
		return IOTGWCTL_OK;
	}
	return iotgwctl_unknown_command("coap", argv[0]);
}
