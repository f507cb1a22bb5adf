// SPDX-License-Identifier: GPL-2.0
/* Netlink helpers shared by iotgwctl and iotgwd. */
#include "iotgw_nl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/iotgw.h>
#include <netlink/genl/ctrl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct iotgw_nl_call {
	struct iotgw_nl *nl;
	int (*on_reply)(struct nl_msg *reply, void *arg);
	void *arg;
	int err;
	int done;
};

int iotgw_nl_open(struct iotgw_nl *nl)
{
	int one = 1;
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->sock = nl_socket_alloc();
	if (!nl->sock) {
		snprintf(nl->error, sizeof(nl->error), "out of memory");
		return -ENOMEM;
	}
	err = genl_connect(nl->sock);
	if (err < 0) {
		snprintf(nl->error, sizeof(nl->error),
			 "cannot open a generic netlink socket: %s",
			 nl_geterror(err));
		err = -ENOTCONN;
		goto err_free;
	}
	/* Ask for the kernel's reason with every refusal. */
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sock, IOTGW_GENL_NAME);
	if (nl->family < 0) {
		snprintf(nl->error, sizeof(nl->error),
			 "generic netlink family \"%s\" not found: is the iotgw module loaded?",
			 IOTGW_GENL_NAME);
		err = -ENOENT;
		goto err_free;
	}
	return 0;

err_free:
	nl_socket_free(nl->sock);
	nl->sock = NULL;
	return err;
}

void iotgw_nl_close(struct iotgw_nl *nl)
{
	nl_socket_free(nl->sock);
	nl->sock = NULL;
}

struct nl_msg *iotgw_nl_request(const struct iotgw_nl *nl, uint8_t cmd,
				int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 flags, cmd, IOTGW_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

const char *iotgw_nl_extack_message(const struct nlmsgerr *e)
{
	static struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
	};
	const struct nlmsghdr *hdr =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (hdr->nlmsg_len < NLMSG_HDRLEN + off)
		return NULL;
	if (!(hdr->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return NULL;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (hdr->nlmsg_len <= NLMSG_HDRLEN + off)
		return NULL;
	len = (int)(hdr->nlmsg_len - NLMSG_HDRLEN - off);
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)e + off), len, policy) < 0)
		return NULL;
	if (!tb[NLMSGERR_ATTR_MSG])
		return NULL;
	return nla_get_string(tb[NLMSGERR_ATTR_MSG]);
}

int iotgw_nl_done_error(const struct nlmsghdr *hdr, const char **extack)
{
	static struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(int);
	int error;

	*extack = NULL;
	if (hdr->nlmsg_len < off)
		return 0;
	memcpy(&error, (const char *)hdr + NLMSG_HDRLEN, sizeof(error));
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	if ((hdr->nlmsg_flags & NLM_F_ACK_TLVS) && hdr->nlmsg_len > off &&
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)hdr + off),
		      (int)(hdr->nlmsg_len - off), policy) == 0 &&
	    tb[NLMSGERR_ATTR_MSG])
		*extack = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
	return error;
}

static void iotgw_nl_set_error(struct iotgw_nl_call *call, int error,
			       const char *msg)
{
	if (!call->err)
		call->err = error;
	if (error && msg && *msg)
		snprintf(call->nl->error, sizeof(call->nl->error), "%s: %s",
			 strerror(-error), msg);
	else if (error)
		snprintf(call->nl->error, sizeof(call->nl->error), "%s",
			 strerror(-error));
}

static int iotgw_nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e,
			     void *arg)
{
	struct iotgw_nl_call *call = arg;

	(void)who;
	iotgw_nl_set_error(call, e->error, iotgw_nl_extack_message(e));
	call->done = 1;
	return NL_STOP;
}

static int iotgw_nl_on_ack(struct nl_msg *msg, void *arg)
{
	struct iotgw_nl_call *call = arg;

	(void)msg;
	call->done = 1;
	return NL_STOP;
}

/* The end of a dump: it may carry the error that cut the dump short. */
static int iotgw_nl_on_finish(struct nl_msg *msg, void *arg)
{
	struct iotgw_nl_call *call = arg;
	const char *extack;
	int error = iotgw_nl_done_error(nlmsg_hdr(msg), &extack);

	if (error < 0 && !call->err)
		iotgw_nl_set_error(call, error, extack);
	call->done = 1;
	return NL_STOP;
}

static int iotgw_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct iotgw_nl_call *call = arg;

	int err;

	if (!call->on_reply || call->err)
		return NL_OK;
	err = call->on_reply(msg, call->arg);
	if (err < 0) {
		call->err = err;
		snprintf(call->nl->error, sizeof(call->nl->error),
			 "malformed reply from the kernel");
	}
	return NL_OK;
}

int iotgw_nl_transact(struct iotgw_nl *nl, struct nl_msg *msg,
		      int (*on_reply)(struct nl_msg *reply, void *arg),
		      void *arg)
{
	struct iotgw_nl_call call = {
		.nl = nl, .on_reply = on_reply, .arg = arg,
	};
	struct nl_cb *cb;
	int err;

	nl->error[0] = '\0';
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		nlmsg_free(msg);
		snprintf(nl->error, sizeof(nl->error), "out of memory");
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, iotgw_nl_on_error, &call);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, iotgw_nl_on_ack, &call);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, iotgw_nl_on_finish, &call);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, iotgw_nl_on_valid, &call);

	err = nl_send_auto(nl->sock, msg);
	nlmsg_free(msg);
	if (err < 0) {
		snprintf(nl->error, sizeof(nl->error), "send: %s",
			 nl_geterror(err));
		nl_cb_put(cb);
		return -EIO;
	}
	while (!call.done) {
		err = nl_recvmsgs(nl->sock, cb);
		if (err < 0 && !call.err) {
			snprintf(nl->error, sizeof(nl->error), "receive: %s",
				 nl_geterror(err));
			call.err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return call.err;
}

int iotgw_nl_parse(struct nl_msg *reply, struct nlattr **tb, int maxattr)
{
	return genlmsg_parse(nlmsg_hdr(reply), 0, tb, maxattr, NULL);
}

int iotgw_nl_parse_policy(struct nl_msg *reply, struct nlattr **tb,
			  int maxattr, struct nla_policy *policy)
{
	return genlmsg_parse(nlmsg_hdr(reply), 0, tb, maxattr, policy);
}

int iotgw_nl_parse_nest(struct nl_msg *reply, int attr, struct nlattr **tb,
			int maxattr, struct nla_policy *policy)
{
	struct nla_policy top_policy[IOTGW_A_MAX + 1];
	struct nlattr *top[IOTGW_A_MAX + 1];

	if (attr <= IOTGW_A_UNSPEC || attr > IOTGW_A_MAX)
		return -EINVAL;
	memset(top_policy, 0, sizeof(top_policy));
	top_policy[attr].type = NLA_NESTED;
	if (iotgw_nl_parse_policy(reply, top, IOTGW_A_MAX, top_policy) < 0 ||
	    !top[attr] || nla_parse_nested(tb, maxattr, top[attr], policy) < 0)
		return -EINVAL;
	return 0;
}
