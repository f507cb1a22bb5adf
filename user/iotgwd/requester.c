// SPDX-License-Identifier: GPL-2.0
/* The downlink's netlink socket: requests, results, the device table. */
#include "requester.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "clock.h"
#include "iotgw_nl.h"
#include "iotgw_replies.h"
#include "log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct requester {
	struct nl_sock *sock;
	int family;
	const struct requester_events *ev;
	void *arg;
	struct log_ratelimit rl_malformed, rl_overrun;
};

static struct nla_policy req_policy[IOTGW_COAP_REQ_A_MAX + 1] = {
	[IOTGW_COAP_REQ_A_ID] = { .type = NLA_U64 },
	[IOTGW_COAP_REQ_A_MID] = { .type = NLA_U16 },
};

static struct nla_policy config_policy[IOTGW_CONFIG_A_MAX + 1] = {
	[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT] = { .type = NLA_U32 },
};

static void malformed(struct requester *rq, const char *what)
{
	if (log_ratelimit_allow(&rq->rl_malformed, clock_now_ms()))
		log_error("malformed %s from the kernel, ignored", what);
}

static void on_result(struct requester *rq, struct nl_msg *msg)
{
	struct iotgw_coap_result r;

	/* a status the daemon does not know cannot answer a command */
	if (iotgw_parse_coap_result(msg, &r) < 0 ||
	    r.status >= __IOTGW_COAP_STATUS_MAX) {
		malformed(rq, "COAP_RESULT");
		return;
	}
	rq->ev->on_result(&r, rq->arg);
}

static void on_reply(struct requester *rq, struct nl_msg *msg, uint32_t seq)
{
	struct nlattr *qa[IOTGW_COAP_REQ_A_MAX + 1];

	if (iotgw_nl_parse_nest(msg, IOTGW_A_COAP_REQ, qa, IOTGW_COAP_REQ_A_MAX,
				req_policy) < 0 || !qa[IOTGW_COAP_REQ_A_ID]) {
		malformed(rq, "COAP_REQUEST reply");
		return;
	}
	rq->ev->on_accepted(seq, nla_get_u64(qa[IOTGW_COAP_REQ_A_ID]),
			    rq->arg);
}

static void on_device(struct requester *rq, struct nl_msg *msg, uint32_t seq)
{
	struct iotgw_device_entry entry;
	struct route_device d;
	int err = iotgw_parse_device(msg, &entry);

	/* routing goes by the topic: an entry without one is malformed */
	if (err == -EINVAL || !entry.topic) {
		malformed(rq, "DEVICE_GET reply");
		return;
	}
	if (err < 0) {
		malformed(rq, "DEVICE_GET address");
		return;
	}
	if (entry.proto != IOTGW_PROTO_COAP)
		return;		/* commands are CoAP requests */
	d.addr.family = entry.family;
	memcpy(d.addr.addr, entry.addr, sizeof(d.addr.addr));
	d.addr.port = entry.port;
	d.topic = (char *)entry.topic;	/* route_table_add() copies it */
	d.age_ms = entry.age_ms;
	rq->ev->on_device(seq, &d, rq->arg);
}

/* RFC 7252 4.8.2 MAX_TRANSMIT_WAIT from a CONFIG_GET reply. */
static void on_config(struct requester *rq, struct nl_msg *msg, uint32_t seq)
{
	struct nlattr *ca[IOTGW_CONFIG_A_MAX + 1];
	uint64_t ack, factor, retransmit;

	if (iotgw_nl_parse_nest(msg, IOTGW_A_CONFIG, ca, IOTGW_CONFIG_A_MAX,
				config_policy) < 0 ||
	    !ca[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS] ||
	    !ca[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR] ||
	    !ca[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT])
		return;		/* a module without downlink: the default */
	ack = nla_get_u32(ca[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS]);
	factor = nla_get_u32(ca[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR]);
	retransmit = nla_get_u32(ca[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT]);
	if (ack > 600000 || factor > 1000 || retransmit > 30)
		return;
	rq->ev->on_deadline(seq, ack * ((2ULL << retransmit) - 1) * factor / 100,
			    rq->arg);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct requester *rq = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);

	if (hdr->nlmsg_type != rq->family || !genlmsg_valid_hdr(hdr, 0))
		return NL_OK;
	switch (genlmsg_hdr(hdr)->cmd) {
	case IOTGW_CMD_COAP_RESULT:
		on_result(rq, msg);
		break;
	case IOTGW_CMD_COAP_REQUEST:
		on_reply(rq, msg, hdr->nlmsg_seq);
		break;
	case IOTGW_CMD_DEVICE_GET:
		on_device(rq, msg, hdr->nlmsg_seq);
		break;
	case IOTGW_CMD_CONFIG_GET:
		on_config(rq, msg, hdr->nlmsg_seq);
		break;
	default:
		break;
	}
	return NL_OK;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct requester *rq = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	const char *extack = NULL;
	int err = iotgw_nl_done_error(hdr, &extack);

	rq->ev->on_dump_done(hdr->nlmsg_seq, err, extack, rq->arg);
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct requester *rq = arg;

	(void)who;
	if (e->error)
		rq->ev->on_error(e->msg.nlmsg_seq, e->error,
				 iotgw_nl_extack_message(e), rq->arg);
	return NL_SKIP;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

struct requester *requester_open(int family, const struct requester_events *ev,
				 void *arg, char *err, size_t errlen)
{
	struct requester *rq = calloc(1, sizeof(*rq));
	int one = 1, size = REQUESTER_RCVBUF, rc;

	if (!rq) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rq->family = family;
	rq->ev = ev;
	rq->arg = arg;
	rq->sock = nl_socket_alloc();
	if (!rq->sock) {
		snprintf(err, errlen, "out of memory");
		free(rq);
		return NULL;
	}
	rc = genl_connect(rq->sock);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open a generic netlink socket: %s",
			 nl_geterror(rc));
		goto err;
	}
	nl_socket_disable_seq_check(rq->sock);
	nl_socket_disable_auto_ack(rq->sock);
	nl_socket_enable_msg_peek(rq->sock);
	rc = nl_socket_set_nonblocking(rq->sock);
	if (rc == 0)
		rc = nl_socket_set_buffer_size(rq->sock, REQUESTER_RCVBUF, 0);
	if (rc < 0) {
		snprintf(err, errlen, "netlink socket setup: %s",
			 nl_geterror(rc));
		goto err;
	}
	/* Results lost to a full buffer would leave commands unanswered. */
	setsockopt(nl_socket_get_fd(rq->sock), SOL_SOCKET, SO_RCVBUFFORCE,
		   &size, sizeof(size));
	setsockopt(nl_socket_get_fd(rq->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(rq->sock), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	if (nl_socket_modify_cb(rq->sock, NL_CB_SEQ_CHECK, NL_CB_CUSTOM,
				no_seq_check, NULL) < 0 ||
	    nl_socket_modify_cb(rq->sock, NL_CB_VALID, NL_CB_CUSTOM, on_valid,
				rq) < 0 ||
	    nl_socket_modify_cb(rq->sock, NL_CB_FINISH, NL_CB_CUSTOM,
				on_finish, rq) < 0 ||
	    nl_socket_modify_err_cb(rq->sock, NL_CB_CUSTOM, on_error, rq) < 0) {
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	return rq;
err:
	nl_socket_free(rq->sock);
	free(rq);
	return NULL;
}

void requester_close(struct requester *rq)
{
	if (!rq)
		return;
	nl_socket_free(rq->sock);
	free(rq);
}

int requester_fd(const struct requester *rq)
{
	return nl_socket_get_fd(rq->sock);
}

int requester_receive(struct requester *rq)
{
	/* Bounded, so that the brokers get their turn in a flood. */
	for (int i = 0; i < 64; i++) {
		int err = nl_recvmsgs_default(rq->sock);

		if (err == -NLE_AGAIN)
			return 0;
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the kernel dropped what did not fit. */
			if (log_ratelimit_allow(&rq->rl_overrun, clock_now_ms()))
				log_warn("downlink netlink receive buffer full: results lost, their commands time out");
			continue;
		}
		if (err == -NLE_BAD_SOCK)
			return -EBADF;
		if (err < 0) {
			log_error("downlink netlink receive: %s", nl_geterror(err));
			return 0;
		}
	}
	return 0;
}

/* A new message for @cmd with @seq and @flags. */
static struct nl_msg *request(struct requester *rq, uint8_t cmd, uint32_t seq,
			      int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, seq, rq->family, 0, flags,
				cmd, IOTGW_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int send_request(struct requester *rq, struct nl_msg *msg)
{
	int err = nl_send_auto(rq->sock, msg);

	nlmsg_free(msg);
	if (err >= 0)
		return 0;
	return err == -NLE_NOMEM ? -ENOMEM : err == -NLE_AGAIN ? -EAGAIN :
	       -EIO;
}

int requester_submit(struct requester *rq, const struct coap_request *req,
		     uint32_t seq)
{
	struct nl_msg *msg = request(rq, IOTGW_CMD_COAP_REQUEST, seq, 0);
	const struct coap_address *a = &req->addr;
	struct nlattr *nest = msg ? nla_nest_start(msg, IOTGW_A_COAP_REQ) :
			      NULL;

	if (!nest ||
	    nla_put(msg, IOTGW_COAP_REQ_A_ADDR, a->family == AF_INET ? 4 : 16,
		    a->addr) < 0 ||
	    nla_put_u16(msg, IOTGW_COAP_REQ_A_PORT, a->port) < 0 ||
	    nla_put_u8(msg, IOTGW_COAP_REQ_A_TYPE, req->confirmable ? 0 : 1) < 0 ||
	    nla_put_u8(msg, IOTGW_COAP_REQ_A_METHOD, req->method) < 0 ||
	    (req->path && *req->path &&
	     nla_put_string(msg, IOTGW_COAP_REQ_A_PATH, req->path) < 0) ||
	    (req->content_format >= 0 &&
	     nla_put_u16(msg, IOTGW_COAP_REQ_A_CONTENT_FORMAT,
			 (uint16_t)req->content_format) < 0) ||
	    (req->payload_len &&
	     nla_put(msg, IOTGW_COAP_REQ_A_PAYLOAD, (int)req->payload_len,
		     req->payload) < 0) ||
	    nla_put_u64(msg, IOTGW_COAP_REQ_A_COOKIE, req->cookie) < 0 ||
	    (req->timeout_ms &&
	     nla_put_u32(msg, IOTGW_COAP_REQ_A_TIMEOUT_MS, req->timeout_ms) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return send_request(rq, msg);
}

int requester_dump_devices(struct requester *rq, uint32_t seq)
{
	struct nl_msg *msg = request(rq, IOTGW_CMD_DEVICE_GET, seq, NLM_F_DUMP);

	return msg ? send_request(rq, msg) : -ENOMEM;
}

int requester_get_config(struct requester *rq, uint32_t seq)
{
	struct nl_msg *msg = request(rq, IOTGW_CMD_CONFIG_GET, seq, 0);

	return msg ? send_request(rq, msg) : -ENOMEM;
}
