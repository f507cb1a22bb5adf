/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink helpers shared by iotgwctl and iotgwd: open the iotgw generic
 * netlink family, send a request, collect the reply and the kernel's
 * explanation (extended ack) of a refusal.
 */
#ifndef IOTGW_NL_H
#define IOTGW_NL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

struct iotgw_nl {
	struct nl_sock *sock;
	int family;
	/* Why the last call failed, for the user: errno text or extack. */
	char error[256];
};

/* Connect and resolve the family. Returns 0 or a negative errno. */
int iotgw_nl_open(struct iotgw_nl *nl);
void iotgw_nl_close(struct iotgw_nl *nl);

/* A new request for @cmd with @flags (NLM_F_*) already put in place. */
struct nl_msg *iotgw_nl_request(const struct iotgw_nl *nl, uint8_t cmd,
				int flags);

/*
 * Send @msg (consumed), call @on_reply for each reply message, wait for
 * the final ack. Returns 0 or a negative errno; on failure nl->error says
 * why, with the kernel's extack message when it gave one. A request with
 * NLM_F_DUMP ends at NLMSG_DONE; an error the kernel reports there (and
 * its extack message) fails the call like an NLMSG_ERROR would.
 */
int iotgw_nl_transact(struct iotgw_nl *nl, struct nl_msg *msg,
		      int (*on_reply)(struct nl_msg *reply, void *arg),
		      void *arg);

/*
 * The kernel's extended ack message that follows @e, which must sit in a
 * complete NLMSG_ERROR message, or NULL when it sent none.
 */
const char *iotgw_nl_extack_message(const struct nlmsgerr *e);

/* Parse a reply's top-level attributes against the family's limits. */
int iotgw_nl_parse(struct nl_msg *reply, struct nlattr **tb, int maxattr);

/*
 * The same, checking each attribute against @policy (types and minimum
 * lengths, NUL-terminated strings), so that nla_get_*() on what it let
 * through reads nothing past the attribute.
 */
int iotgw_nl_parse_policy(struct nl_msg *reply, struct nlattr **tb,
			  int maxattr, struct nla_policy *policy);

/*
 * The nest @attr (enum iotgw_attr) of a reply, parsed against @policy
 * into @tb. Returns 0, or -EINVAL when it is absent or does not parse.
 */
int iotgw_nl_parse_nest(struct nl_msg *reply, int attr, struct nlattr **tb,
			int maxattr, struct nla_policy *policy);

/*
 * The error an NLMSG_DONE message @hdr carries (0 when it carries none)
 * and, in *extack, the kernel's message that follows it, or NULL.
 */
int iotgw_nl_done_error(const struct nlmsghdr *hdr, const char **extack);

#endif /* IOTGW_NL_H */
