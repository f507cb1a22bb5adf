/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_COAP_REQUEST_H
#define _IOTGW_COAP_REQUEST_H

#include <linux/list.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>
#include <uapi/linux/iotgw.h>

#include "proto/coap.h"

struct iotgw_net;
struct netlink_ext_ack;

#define IOTGW_COAP_REQ_HASH_BITS	8
#define IOTGW_COAP_REQ_TOKEN_LEN	8

enum iotgw_coap_req_state {
	IOTGW_COAP_REQ_PENDING,	/* waiting for its turn (NSTART) */
	IOTGW_COAP_REQ_ACTIVE,	/* sent, waiting for the ACK or response */
	IOTGW_COAP_REQ_DONE,	/* outcome known, to be reported */
	IOTGW_COAP_REQ_LINGER,	/* reported; answers late copies */
};

/* A device requests go to: its interactions outstanding, for NSTART. */
struct iotgw_coap_ep {
	struct hlist_node node;		/* in iotgw_coap_reqs.eps */
	struct in6_addr addr;
	__be16 port;
	unsigned int outstanding;	/* sent, not acknowledged or answered */
	unsigned int users;		/* requests that point here */
};

/* One downlink request, from submission to its report and after. */
struct iotgw_coap_req {
	struct list_head list;		/* in the list of its state */
	struct hlist_node by_token;	/* hashed from ACTIVE on */
	struct hlist_node by_mid;
	bool hashed;
	bool held;			/* not started before the reply */
	bool outstanding;		/* counted in ep->outstanding */
	bool soft_err;			/* an ICMP error hinted at a loss */
	bool confirm;			/* a separate response, not a request */
	struct iotgw_coap_ep *ep;
	enum iotgw_coap_req_state state;
	u64 id;
	u64 cookie;
	bool has_cookie;
	u32 portid;			/* the requester's socket */
	struct in6_addr addr;		/* the device, IPv4 mapped */
	__be16 port;
	u8 type;			/* CON or NON */
	u16 mid;
	u8 token[IOTGW_COAP_REQ_TOKEN_LEN];
	u8 tkl;				/* confirm: the sensor's token length */
	struct in6_addr saddr;		/* confirm: sent from, IPv4 mapped */
	int oif;			/* confirm: out of this link, if not 0 */
	bool acked;
	u32 transmissions;
	unsigned long submitted;	/* jiffies */
	unsigned long deadline;
	unsigned long next_tx;		/* CON not acked: retransmit then */
	u32 timeout_ms;			/* the current wait for the ACK */
	unsigned long linger_until;
	u8 *msg;			/* the request as sent, until DONE */
	u16 msg_len;
	/* the outcome */
	u8 status;			/* enum iotgw_coap_status */
	u8 code;
	bool separate;
	bool has_content_format;
	u16 content_format;
	bool has_max_age;
	u32 max_age;
	u32 elapsed_ms;
	u8 *payload;
	u32 payload_len;
};

/* A namespace's downlink requests. */
struct iotgw_coap_reqs {
	spinlock_t lock;		/* BH: taken in softirq */
	struct delayed_work work;	/* transmits, times out, reports */
	struct list_head pending, active, done, linger;
	unsigned int count;		/* requests pending, active and done */
	unsigned int confirms;		/* confirmations likewise */
	unsigned int lingering;
	unsigned int hashed;		/* active and lingering: rx looks */
	u64 next_id;
	u32 seed;
	/* each 1 << IOTGW_COAP_REQ_HASH_BITS buckets, one allocation */
	struct hlist_head *by_token, *by_mid, *eps;
};

/* What a requester asks for. */
struct iotgw_coap_req_args {
	struct in6_addr addr;
	__be16 port;
	u8 type;
	u8 method;
	const char *path;
	size_t path_len;
	const char *query;
	size_t query_len;
	bool has_content_format;
	u16 content_format;
	const u8 *payload;
	size_t payload_len;
	bool has_cookie;
	u64 cookie;
	u32 timeout_ms;			/* 0: MAX_TRANSMIT_WAIT */
};

int iotgw_coap_reqs_init(struct iotgw_coap_reqs *reqs);
void iotgw_coap_reqs_destroy(struct iotgw_coap_reqs *reqs);

/*
 * Take a request from socket @portid (process context). It is held until
 * iotgw_coap_req_start() so that its outcome cannot overtake the reply
 * naming its @id, @mid and @token. -ENOSPC over COAP_REQUESTS_MAX,
 * -EMSGSIZE if the message is too large, -EINVAL for a bad path.
 */
int iotgw_coap_req_submit(struct iotgw_net *in,
			  const struct iotgw_coap_req_args *args, u32 portid,
			  u64 *id, u16 *mid, u8 *token,
			  struct netlink_ext_ack *extack);

/* Let request @id go (or drop it, @cancel: its reply could not be sent). */
void iotgw_coap_req_start(struct iotgw_net *in, u64 id, bool cancel);

/*
 * Send a sensor (@addr, IPv4 mapped, port @port) the separate confirmable
 * response @code to its request with token @token (@tkl bytes, at most
 * 8), from @saddr (the request's destination) out of link @oif (0: any),
 * retransmitted as a request is until the sensor ACKs or resets it. Any
 * context. Returns 0, or -ENOMEM, or -ENOSPC with QUEUE_MAX_MSGS of them
 * in progress.
 */
int iotgw_coap_confirm_send(struct iotgw_net *in, const struct in6_addr *addr,
			    const struct in6_addr *saddr, int oif, __be16 port,
			    const u8 *token, u8 tkl, u8 code);

/* Socket @portid closed: its requests are given up. */
void iotgw_coap_req_release(struct iotgw_net *in, u32 portid);

/*
 * Whether a CoAP datagram that reached the gateway's CoAP port (@skb,
 * UDP header at @thoff, from port @sport, @len bytes of CoAP, parsed into
 * @msg, or NULL if the part the classifier scans could not tell) answers
 * a downlink request; it is then consumed. Softirq, under RCU.
 */
bool iotgw_coap_req_rx(struct iotgw_net *in, struct sk_buff *skb,
		       unsigned int thoff, __be16 sport, unsigned int len,
		       const struct coap_msg *msg);

/*
 * An ICMP (@v6: ICMPv6) message at @off in @skb, seen at netfilter hook
 * @hook (LOCAL_IN): a destination unreachable error quoting a request
 * fails it, or, if it is only a hint (host or net unreachable), turns its
 * timeout into unreachable. Softirq, under RCU.
 */
void iotgw_coap_req_icmp(struct iotgw_net *in, struct sk_buff *skb,
			 unsigned int off, bool v6, unsigned int hook);

/* Whether any request could be answered now (cheap, racy). */
static inline bool iotgw_coap_req_listening(const struct iotgw_coap_reqs *reqs)
{
	return READ_ONCE(reqs->hashed) != 0;
}

/* Report @r's outcome to its requester (coap_request_netlink.c). */
int iotgw_coap_result_send(struct net *net, const struct iotgw_coap_req *r);

#endif /* _IOTGW_COAP_REQUEST_H */
